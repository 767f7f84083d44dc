// SPDX-License-Identifier: MIT
// A thin RAII layer over one SQLite connection and its prepared statements,
// used by the SQLite store and by its tests (which must not need sqlite3.h:
// with shared libraries they could not link SQLite themselves). Every
// failure is an errc::io_error that names the file and SQLite's message.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <tierflow/error.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace tierflow::detail::sqlite {

/// How to open a connection.
struct open_flags {
  /// SQLITE_OPEN_READONLY instead of SQLITE_OPEN_READWRITE. With no `-wal`
  /// file beside the database (its last writer shut down cleanly) the file
  /// is opened `immutable=1` as well: SQLite then takes no locks and
  /// creates no `-wal` or `-shm` file, so a read-only directory or file
  /// works and nothing is left behind (sqlite_store.hpp says what that
  /// trades away).
  bool read_only = false;
  /// SQLITE_OPEN_CREATE: create the file when missing.
  bool create = false;
};

class connection;

/// A prepared statement of a connection. Binding indexes are 1-based, column
/// indexes 0-based (as in SQLite). Not thread-safe: the connection's owner
/// serialises use.
class statement {
 public:
  statement() = default;
  ~statement();
  statement(statement&& other) noexcept;
  statement& operator=(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  void bind_int(int index, std::int64_t value) noexcept;
  /// Binds the bytes as TEXT (any bytes, NUL included, are kept).
  void bind_text(int index, std::string_view value) noexcept;
  /// Binds the bytes as a BLOB (an empty one is a zero-length BLOB, not NULL).
  void bind_blob(int index, std::string_view value) noexcept;
  void bind_null(int index) noexcept;
  /// As bind_text and bind_blob, without SQLite's copy: the bytes must stay
  /// valid and unchanged until the statement is reset (statement_use). The
  /// write path binds its request's fields this way.
  void bind_text_ref(int index, std::string_view value) noexcept;
  void bind_blob_ref(int index, std::string_view value) noexcept;

  /// Runs one step: true when a row is ready, false when done; io_error
  /// (with SQLite's message) on failure.
  [[nodiscard]] result<bool> step();
  /// The rows the last completed INSERT, UPDATE or DELETE of this
  /// statement's connection changed.
  [[nodiscard]] std::int64_t changes() const noexcept;
  /// Ready to run again; bindings cleared. Safe to call at any time.
  void reset() noexcept;

  [[nodiscard]] bool is_null(int column) const noexcept;
  [[nodiscard]] std::int64_t column_int(int column) const noexcept;
  /// The column's bytes (TEXT or BLOB), valid until the next step or reset.
  [[nodiscard]] std::string_view column_bytes(int column) const noexcept;

 private:
  friend class connection;
  explicit statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement when it goes out of scope, so a cached statement
/// never keeps a read transaction open or holds stale bindings.
class statement_use {
 public:
  explicit statement_use(statement& s) noexcept : s_(s) {}
  ~statement_use() { s_.reset(); }
  statement_use(const statement_use&) = delete;
  statement_use& operator=(const statement_use&) = delete;
  statement& operator*() const noexcept { return s_; }
  statement* operator->() const noexcept { return &s_; }

 private:
  statement& s_;
};

/// One open SQLite connection (SQLITE_OPEN_NOMUTEX: the owner serialises).
class connection {
 public:
  /// Opens `path`. Errors: io_error (SQLite's message and the path;
  /// "no such database file" when it is missing and not to be created).
  [[nodiscard]] static result<connection> open(const std::string& path, open_flags flags);

  connection() = default;
  ~connection();
  connection(connection&& other) noexcept;
  connection& operator=(connection&& other) noexcept;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs SQL text, possibly several statements, without parameters (schema
  /// steps, transaction control, pragmas); result rows are ignored.
  [[nodiscard]] result<void> exec(std::string_view sql);
  /// Prepares one statement; `persistent` hints that it is cached.
  [[nodiscard]] result<statement> prepare(std::string_view sql, bool persistent = false);
  /// The single integer a query (e.g. `PRAGMA user_version`) returns.
  [[nodiscard]] result<std::int64_t> query_int(std::string_view sql);
  /// The single text a query (e.g. `PRAGMA journal_mode`) returns.
  [[nodiscard]] result<std::string> query_text(std::string_view sql);

  /// Sets the busy timeout (how long a locked database is retried).
  void busy_timeout(std::int64_t milliseconds) noexcept;
  /// True when the file this connection opened is no longer at its path:
  /// deleted, or another file renamed over it (SQLITE_FCNTL_HAS_MOVED: the
  /// path's inode differs from the open file's). Writes then go to a file
  /// nobody will open again. io_error when SQLite cannot tell.
  [[nodiscard]] result<bool> has_moved();
  /// True when the file was opened immutable (see open_flags::read_only).
  [[nodiscard]] bool immutable() const noexcept { return immutable_; }

  /// True outside an explicit transaction (SQLite may roll one back by
  /// itself after some errors: this tells whether it did).
  [[nodiscard]] bool autocommit() const noexcept;

  /// The file this connection opened.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// io_error "sqlite PATH: <what>: <SQLite's message> (<code name>)" for
  /// the connection's last error.
  [[nodiscard]] error last_error(std::string_view what) const;

 private:
  connection(sqlite3* db, std::string path, bool immutable) noexcept
      : db_(db), path_(std::move(path)), immutable_(immutable) {}
  sqlite3* db_ = nullptr;
  std::string path_;
  bool immutable_ = false;
};

}  // namespace tierflow::detail::sqlite
