// SPDX-License-Identifier: MIT
// Opening a ticket store to read it, for the commands that audit one
// (`tierflow audit …`, `tierflow validate --against`): read-only, never
// created, its URL's password never printed.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <tierflow/error.hpp>
#include <tierflow/store.hpp>

namespace tierflow::cli {

/// `text` with every password of the store URL `url` (`user:secret@host`,
/// `?password=secret`) replaced by "***": error messages end up in logs and
/// terminals, and a store's (or libpq's) message may quote the URL.
[[nodiscard]] std::string scrub(std::string text, std::string_view url);

/// The URL as it may be printed: without its passwords.
[[nodiscard]] std::string printable_url(std::string_view url);

/// A store opened for reading, or the exit status of the failure (already
/// reported).
struct audit_store {
  std::unique_ptr<store> handle;
  int status = 0;
};

/// Opens the store at `url` read-only and without creating it (store_options
/// read_only, create = false), so that reading cannot change what is read,
/// nor leave an empty database behind when the URL names a wrong file.
/// `memory:` (a new, empty store: nothing to read) and unknown schemes are
/// usage errors (exit_usage); a `sqlite:` path that is a FIFO, a device or
/// a directory is refused before SQLite opens it (exit_errors: opening a
/// FIFO would block); any other failure is the input's (exit_errors). The
/// failure is reported on `err` as "TOOL: error: …", `tool` being e.g.
/// "tierflow audit".
[[nodiscard]] audit_store open_for_audit(const std::string& url, std::string_view tool,
                                         std::FILE* err);

}  // namespace tierflow::cli
