// SPDX-License-Identifier: MIT
// The SQLite store's schema: its forward migrations, in order, and the code
// that brings a file up to date. Private to the SQLite backend and its tests.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <tierflow/error.hpp>

#include "store/sqlite/connection.hpp"

namespace tierflow::detail::sqlite {

/// One forward migration: the SQL that takes a file from schema
/// `version - 1` to `version`. Steps are never edited once released: files
/// in the field were made by them.
struct migration {
  int version;
  /// What it does, for people reading the code and error messages.
  std::string_view summary;
  std::string_view sql;
  /// What SQL alone cannot do, run after `sql` in the same transaction
  /// (computing the summary seals of schema 3); may be null.
  result<void> (*then)(connection& db) = nullptr;
};

/// Every migration, in order; the last one's version is the schema this
/// build writes (sqlite_store::schema_version).
[[nodiscard]] std::span<const migration> migrations() noexcept;

/// The file's `PRAGMA user_version`. io_error when it cannot be read (not a
/// database, locked, unreadable).
[[nodiscard]] result<std::int64_t> schema_of(connection& db);

/// errc::incompatible when `found` is newer than this build reads.
[[nodiscard]] result<void> check_not_newer(const connection& db, std::int64_t found);

/// Brings the file up to `target` (at most the newest schema) in one
/// BEGIN IMMEDIATE transaction: re-reads the version inside it (another
/// process may have migrated meanwhile), applies each missing step, sets
/// user_version and, from schema 2 on, records this build in tierflow_meta.
/// Nothing changes on failure. errc::incompatible for a newer file.
[[nodiscard]] result<void> migrate(connection& db, int target);

}  // namespace tierflow::detail::sqlite
