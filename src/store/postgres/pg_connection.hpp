// SPDX-License-Identifier: MIT
// The thin libpq layer under postgres_store: typed binary parameters, a
// reader for binary results, one connection that can be reset after the
// server dropped it, and a pool of them that counts its round trips.
// Private to tierflow::postgres.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/error.hpp>

namespace tierflow::pg {

/// A failed statement: the error to report, and whether the connection was
/// lost (the server went away or killed the backend), which the caller may
/// answer by resetting the connection and retrying.
struct failure {
  error err;
  bool connection_lost = false;
};

/// Passes a failed statement on, as fail() passes an error.
using tierflow::fail;
[[nodiscard]] inline auto fail(failure f) { return detail::unexpected_with(std::move(f)); }

template <class T>
using outcome = detail::expected_with<T, failure>;

[[nodiscard]] inline auto lost(error e) {
  return detail::unexpected_with<failure>(failure{std::move(e), true});
}
[[nodiscard]] inline auto failed(errc code, std::string message) {
  return detail::unexpected_with<failure>(failure{error(code, std::move(message)), false});
}

/// Statement parameters, all sent in binary format with their types given,
/// so no value is ever parsed from text by the server and text may hold any
/// byte the database encoding allows.
class params {
 public:
  params& text(std::string_view v);
  params& bytes(std::string_view v);
  params& bytes(const std::uint8_t* data, std::size_t size);
  params& int8(std::int64_t v);
  params& int2(std::int16_t v);
  params& boolean(bool v);
  /// An int8 or SQL NULL.
  params& int8(const std::optional<std::int64_t>& v);
  /// `count` SQL NULLs of no stated type: the server takes each one's type
  /// from where the statement uses it (a function's argument).
  params& nulls(int count);
  /// One-dimensional arrays (bigint[], smallint[], text[], bytea[]) in
  /// PostgreSQL's binary array format, without NULL elements.
  params& int8_array(const std::vector<std::int64_t>& v);
  params& int2_array(const std::vector<std::int16_t>& v);
  params& text_array(const std::vector<std::string_view>& v);
  params& bytes_array(const std::vector<std::string_view>& v);

  [[nodiscard]] int size() const noexcept { return static_cast<int>(types_.size()); }
  [[nodiscard]] const Oid* types() const noexcept { return types_.data(); }
  [[nodiscard]] const int* lengths() const noexcept { return lengths_.data(); }
  [[nodiscard]] const int* formats() const noexcept { return formats_.data(); }
  /// The value pointers (null for SQL NULL); valid until the next change.
  [[nodiscard]] std::vector<const char*> values() const;

 private:
  void add(Oid type, std::string value, bool null = false);
  // An array of `element` values already in their binary form.
  void add_array(Oid array_type, Oid element, const std::vector<std::string_view>& elements);
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<Oid> types_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// Owns a PGresult.
struct result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

/// Reads the columns of one row of a binary-format result, left to right.
/// A value of the wrong size makes ok() false (the first such error is kept)
/// instead of reading past it.
class row_reader {
 public:
  row_reader(const PGresult* r, int row) noexcept : result_(r), row_(row) {}
  [[nodiscard]] bool null() const noexcept;  ///< Is the next column NULL?
  std::string text();
  std::string bytes() { return text(); }
  std::int64_t int8();
  std::int16_t int2();
  bool boolean();
  std::optional<std::int64_t> optional_int8();
  std::optional<std::string> optional_bytes();
  [[nodiscard]] bool ok() const noexcept { return !error_; }
  /// The decoding error (call only when !ok()).
  [[nodiscard]] error take_error() const { return *error_; }

 private:
  std::string_view raw(int expected_size);
  const PGresult* result_;
  int row_;
  int column_ = 0;
  std::optional<error> error_;
};

/// How to connect: the caller's conninfo and what every session sets.
struct settings {
  std::string conninfo;
  std::chrono::milliseconds lock_timeout{5000};
  bool read_only = false;
  /// Where connections count their round trips (connection::round_trip);
  /// none when null. The pool points it at its own counter.
  std::atomic<std::uint64_t>* round_trips = nullptr;
  /// A statement every session prepares when it is set up (name, SQL;
  /// none when the name is empty): connection::exec_prepared runs it
  /// without the server parsing and planning it again each time.
  std::string prepared_name;
  std::string prepared_sql;
};

/// One libpq connection, used by one thread at a time.
class connection {
 public:
  /// Connects and sets the session up. errc::io_error with the server's (or
  /// libpq's) message when it cannot.
  [[nodiscard]] static result<std::unique_ptr<connection>> connect(const settings& s);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs one statement with bound parameters; rows come back in binary.
  /// One round trip (libpq sends parse, bind, execute and sync at once).
  [[nodiscard]] outcome<result_ptr> exec(const char* sql, const params& p = {});
  /// Prepares `sql` as the session's statement `name` (parameter types
  /// taken from their use); one round trip.
  [[nodiscard]] result<void> prepare(const char* name, const char* sql);
  /// Runs the prepared statement `name` with bound parameters (their
  /// values; the types are the prepared ones); rows come back in binary.
  /// One round trip. A session that lost it (the server was told DISCARD
  /// ALL) prepares settings::prepared_sql again, once, and runs it.
  [[nodiscard]] outcome<result_ptr> exec_prepared(const char* name, const params& p);
  /// Runs statements without parameters (schema scripts, BEGIN, COMMIT).
  /// One round trip, however many statements `sql` holds.
  [[nodiscard]] outcome<result_ptr> script(const char* sql);
  /// ROLLBACK, ignoring its outcome: the transaction is over either way
  /// (failed statements abort it; a lost connection ends it). One round
  /// trip when the connection is up.
  void rollback() noexcept;

  /// Is the connection usable (not known to be dropped)?
  [[nodiscard]] bool ok() const noexcept;
  /// Reconnects (PQreset) and sets the session up again; errc::io_error
  /// when the server cannot be reached.
  [[nodiscard]] result<void> reset();

 private:
  explicit connection(PGconn* c, const settings& s) : conn_(c), settings_(s) {}
  [[nodiscard]] result<void> setup();
  [[nodiscard]] outcome<result_ptr> check(PGresult* r);
  [[nodiscard]] outcome<result_ptr> prepare_statement(const char* name, const char* sql);
  // Counts one exchange with the server in settings::round_trips: each
  // statement sent and waited for, and each connection made or remade
  // (counted as one although authentication may take more).
  void round_trip() const noexcept;
  PGconn* conn_;
  const settings& settings_;
};

/// Up to `size` connections, opened on demand and handed to one thread at a
/// time; a caller waits while all are in use.
class pool {
 public:
  pool(settings s, std::size_t size) : settings_(std::move(s)), size_(size == 0 ? 1 : size) {
    settings_.round_trips = &round_trips_;
  }
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// A connection lent to the caller until the lease ends.
  class lease {
   public:
    lease(pool* owner, std::unique_ptr<connection> c) : owner_(owner), conn_(std::move(c)) {}
    lease(lease&&) noexcept = default;
    lease& operator=(lease&&) noexcept = delete;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() {
      if (conn_) owner_->release(std::move(conn_));
    }
    connection& operator*() const noexcept { return *conn_; }
    connection* operator->() const noexcept { return conn_.get(); }

   private:
    pool* owner_;
    std::unique_ptr<connection> conn_;
  };

  /// Makes every connection of the pool prepare settings::prepared_sql as
  /// `name` when it is set up, from the next one made or remade on (the
  /// caller prepares it on those already open). Call before the pool is
  /// shared between threads.
  void prepare_on_connect(std::string name, std::string sql) {
    settings_.prepared_name = std::move(name);
    settings_.prepared_sql = std::move(sql);
  }
  /// A connection, reset first if it was dropped; errc::io_error when none
  /// can be opened.
  [[nodiscard]] result<lease> acquire();
  /// Adds an already open connection (the one open() made the schema with).
  void adopt(std::unique_ptr<connection> c);
  [[nodiscard]] const settings& session() const noexcept { return settings_; }
  /// Round trips to the server by this pool's connections so far
  /// (connection::round_trip).
  [[nodiscard]] std::uint64_t round_trips() const noexcept {
    return round_trips_.load(std::memory_order_relaxed);
  }

 private:
  void release(std::unique_ptr<connection> c);
  std::atomic<std::uint64_t> round_trips_{0};
  settings settings_;
  std::size_t size_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t open_ = 0;
};

/// The error of a failed connection attempt or a dropped connection, as one
/// line: "postgres: <libpq's message>".
[[nodiscard]] error connection_error(PGconn* c, std::string_view what);

}  // namespace tierflow::pg
