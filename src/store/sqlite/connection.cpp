// SPDX-License-Identifier: MIT
#include "store/sqlite/connection.hpp"

#include <climits>
#include <filesystem>
#include <string>
#include <system_error>

#include <sqlite3.h>

namespace tierflow::detail::sqlite {
namespace {

// SQLite takes lengths as int; longer values cannot be stored at all (and
// are far past SQLITE_MAX_LENGTH), so they fail in SQLite with SQLITE_TOOBIG
// rather than being silently cut here.
int length_of(std::string_view bytes) noexcept {
  return bytes.size() > static_cast<std::size_t>(INT_MAX) ? -1 : static_cast<int>(bytes.size());
}

// A non-null pointer for empty values: SQLite binds NULL for a null pointer.
const char* data_of(std::string_view bytes) noexcept {
  return bytes.data() == nullptr ? "" : bytes.data();
}

// What failed, on one line and short: a statement's first line, cut at 80
// bytes (messages are one line; a whole migration step is not).
std::string_view brief(std::string_view what) noexcept {
  what = what.substr(0, what.find('\n'));
  return what.size() > 80 ? what.substr(0, 80) : what;
}

error make_error(sqlite3* db, std::string_view path, std::string_view what) {
  std::string message = "sqlite ";
  message += path;
  message += ": ";
  message += brief(what);
  if (brief(what).size() < what.size()) message += "...";
  message += ": ";
  message += db == nullptr ? "out of memory" : sqlite3_errmsg(db);
  if (db != nullptr) {
    message += " (sqlite code ";
    message += std::to_string(sqlite3_extended_errcode(db));
    message += ")";
  }
  return error(errc::io_error, std::move(message));
}

// `path` as a URI filename (https://sqlite.org/uri.html): every byte but
// unreserved ones and '/' percent-encoded, so that '?', '#' and '%' in a
// path stay part of it; an absolute path gets the empty authority.
std::string uri_of(const std::string& path, std::string_view query) {
  std::string out = path.starts_with('/') ? "file://" : "file:";
  constexpr char hex[] = "0123456789ABCDEF";
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4U];
      out += hex[c & 0xFU];
    }
  }
  out += '?';
  out += query;
  return out;
}

std::string_view file_of(sqlite3_stmt* stmt) noexcept {
  const char* name = sqlite3_db_filename(sqlite3_db_handle(stmt), "main");
  return name == nullptr ? std::string_view{} : std::string_view{name};
}

}  // namespace

// --- statement ------------------------------------------------------------------------

statement::~statement() { sqlite3_finalize(stmt_); }

statement::statement(statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

statement& statement::operator=(statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

void statement::bind_int(int index, std::int64_t value) noexcept {
  sqlite3_bind_int64(stmt_, index, value);
}

void statement::bind_text(int index, std::string_view value) noexcept {
  sqlite3_bind_text(stmt_, index, data_of(value), length_of(value), SQLITE_TRANSIENT);
}

void statement::bind_blob(int index, std::string_view value) noexcept {
  sqlite3_bind_blob(stmt_, index, data_of(value), length_of(value), SQLITE_TRANSIENT);
}

void statement::bind_null(int index) noexcept { sqlite3_bind_null(stmt_, index); }

void statement::bind_text_ref(int index, std::string_view value) noexcept {
  sqlite3_bind_text(stmt_, index, data_of(value), length_of(value), SQLITE_STATIC);
}

void statement::bind_blob_ref(int index, std::string_view value) noexcept {
  sqlite3_bind_blob(stmt_, index, data_of(value), length_of(value), SQLITE_STATIC);
}

std::int64_t statement::changes() const noexcept {
  return sqlite3_changes64(sqlite3_db_handle(stmt_));
}

result<bool> statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(make_error(sqlite3_db_handle(stmt_), file_of(stmt_), sqlite3_sql(stmt_)));
}

void statement::reset() noexcept {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool statement::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t statement::column_int(int column) const noexcept {
  return sqlite3_column_int64(stmt_, column);
}

std::string_view statement::column_bytes(int column) const noexcept {
  // The pointer first, then the size (SQLite's documented order).
  const void* p = sqlite3_column_type(stmt_, column) == SQLITE_BLOB
                      ? sqlite3_column_blob(stmt_, column)
                      : static_cast<const void*>(sqlite3_column_text(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const char*>(p), static_cast<std::size_t>(n)};
}

// --- connection -----------------------------------------------------------------------

result<connection> connection::open(const std::string& path, open_flags flags) {
  std::error_code ec;
  if (!flags.create && !std::filesystem::exists(path, ec)) {
    return fail(errc::io_error, "sqlite " + path + ": no such database file");
  }
  int mode = flags.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (flags.create && !flags.read_only) mode |= SQLITE_OPEN_CREATE;
  // NOMUTEX: the store serialises every use of its connection itself.
  mode |= SQLITE_OPEN_NOMUTEX;
  // Read-only with no -wal beside the file: no writer is live and the last
  // one checkpointed everything into the file, so it is read as immutable
  // and SQLite creates no -wal or -shm (which a read-only directory would
  // refuse, and which would be left behind). With a -wal, a writer is live
  // (or crashed): plain SQLITE_OPEN_READONLY reads through its -shm.
  const bool immutable = flags.read_only && !std::filesystem::exists(path + "-wal", ec);
  std::string name = path;
  if (immutable) {
    name = uri_of(path, "immutable=1");
    mode |= SQLITE_OPEN_URI;
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &db, mode, nullptr);
  connection c(db, path, immutable);  // closes db on every path out
  if (rc != SQLITE_OK) return fail(c.last_error("cannot open"));
  sqlite3_extended_result_codes(db, 1);
  return c;
}

connection::~connection() { sqlite3_close_v2(db_); }

connection::connection(connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)), immutable_(other.immutable_) {}

connection& connection::operator=(connection&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    immutable_ = other.immutable_;
  }
  return *this;
}

result<bool> connection::has_moved() {
  int moved = 0;
  const int rc = sqlite3_file_control(db_, "main", SQLITE_FCNTL_HAS_MOVED, &moved);
  // A VFS without the file control cannot tell: nothing to report.
  if (rc == SQLITE_NOTFOUND) return false;
  if (rc != SQLITE_OK) return fail(make_error(db_, path_, "checking that the database file is still in place"));
  return moved != 0;
}

result<void> connection::exec(std::string_view sql) {
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail(last_error(sql));
  }
  return {};
}

result<statement> connection::prepare(std::string_view sql, bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const unsigned prep_flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0U;
  if (sqlite3_prepare_v3(db_, data_of(sql), length_of(sql), prep_flags, &stmt, nullptr) !=
      SQLITE_OK) {
    sqlite3_finalize(stmt);
    return fail(last_error(sql));
  }
  return statement(stmt);
}

result<std::int64_t> connection::query_int(std::string_view sql) {
  auto s = prepare(sql);
  if (!s) return fail(std::move(s).error());
  auto row = s->step();
  if (!row) return fail(std::move(row).error());
  if (!*row) return fail(errc::io_error, "sqlite " + path_ + ": " + std::string(sql) + ": no row");
  return s->column_int(0);
}

result<std::string> connection::query_text(std::string_view sql) {
  auto s = prepare(sql);
  if (!s) return fail(std::move(s).error());
  auto row = s->step();
  if (!row) return fail(std::move(row).error());
  if (!*row) return fail(errc::io_error, "sqlite " + path_ + ": " + std::string(sql) + ": no row");
  return std::string(s->column_bytes(0));
}

void connection::busy_timeout(std::int64_t milliseconds) noexcept {
  const std::int64_t clamped = milliseconds < 0 ? 0 : (milliseconds > INT_MAX ? INT_MAX : milliseconds);
  sqlite3_busy_timeout(db_, static_cast<int>(clamped));
}

bool connection::autocommit() const noexcept { return sqlite3_get_autocommit(db_) != 0; }

error connection::last_error(std::string_view what) const { return make_error(db_, path_, what); }

}  // namespace tierflow::detail::sqlite
