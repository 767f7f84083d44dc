// SPDX-License-Identifier: MIT
// Test hooks into a sqlite_store's own connection: the tests need to change
// its limits (PRAGMA max_page_count, to make the disk "full") on the very
// connection that appends. Not for production code.
#pragma once

#include <cstdint>
#include <string_view>

#include <tierflow/error.hpp>
#include <tierflow/sqlite_store.hpp>

namespace tierflow::detail {

struct sqlite_store_access {
  /// Runs SQL on the store's connection, under its lock.
  [[nodiscard]] static result<void> exec(sqlite_store& store, std::string_view sql);
  /// Rolls the connection's open transaction back behind the store's back,
  /// as SQLite itself does after some errors (an I/O error, even in a
  /// read): the store's own state (the open group, its record of its
  /// streams) is left as it was, for the store to notice.
  [[nodiscard]] static result<void> rollback_as_sqlite_would(sqlite_store& store);
  /// The single integer a query returns, on the store's connection.
  [[nodiscard]] static result<std::int64_t> query_int(sqlite_store& store, std::string_view sql);
};

}  // namespace tierflow::detail
