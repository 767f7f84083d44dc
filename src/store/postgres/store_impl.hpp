// SPDX-License-Identifier: MIT
// postgres_store's state, shared by the files that implement it:
// postgres_store.cpp (opening, roles, claims), append.cpp and reads.cpp.
// Private to the PostgreSQL backend.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tierflow/error.hpp>
#include <tierflow/postgres_store.hpp>
#include <tierflow/store_options.hpp>

#include "store/postgres/pg_connection.hpp"

namespace tierflow {

struct postgres_store::impl {
  impl(pg::settings s, const store_options& o);

  pg::pool connections;
  store_options options;
  // This handle's name in claimed_by (store::claim_due).
  std::string claimant;
  // False only for a read-only handle on a database from before schema 2:
  // its summary rows have no seal, and are read as they stand.
  bool sealed = true;

  // Runs a read on a pooled connection; a dropped connection is reset and
  // the read tried once more.
  template <class T, class F>
  result<T> read(F&& run) {
    auto c = connections.acquire();
    if (!c) return fail(c.error());
    for (int attempt = 0;; ++attempt) {
      pg::outcome<T> out = run(**c);
      if (out) return std::move(*out);
      if (!out.error().connection_lost || attempt > 0) return fail(out.error().err);
      if (auto ok = (*c)->reset(); !ok) return fail(ok.error());
    }
  }

  // io_error naming `what` when the store was opened read-only.
  [[nodiscard]] result<void> writable(std::string_view what) const;
};

}  // namespace tierflow
