// SPDX-License-Identifier: MIT
#include "store/postgres/pg_connection.hpp"

#include <cctype>
#include <cstring>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace tierflow::pg {
namespace {

// Type OIDs of the built-in types used as parameters (pg_type.dat; stable
// across server versions).
constexpr Oid bool_oid = 16;
constexpr Oid bytea_oid = 17;
constexpr Oid int8_oid = 20;
constexpr Oid int2_oid = 21;
constexpr Oid text_oid = 25;
constexpr Oid bytea_array_oid = 1001;
constexpr Oid int2_array_oid = 1005;
constexpr Oid text_array_oid = 1009;
constexpr Oid int8_array_oid = 1016;

// Binary format is network byte order.
std::string big_endian(std::uint64_t v, int bytes) {
  std::string out(static_cast<std::size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFFU);
    v >>= 8;
  }
  return out;
}

std::uint64_t from_big_endian(std::string_view bytes) {
  std::uint64_t v = 0;
  for (const char c : bytes) v = (v << 8) | static_cast<std::uint8_t>(c);
  return v;
}

// libpq's multi-line messages ("…failed: …\n\tIs the server running…") as
// one line.
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// A statement's error: data exceptions (SQLSTATE class 22, e.g. text that is
// not valid in the database encoding) are the caller's argument; anything
// else (syntax, permissions, lock and statement timeouts, the append-only
// triggers) is a storage failure.
error statement_error(const PGresult* r, PGconn* c) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary != nullptr ? one_line(primary)
                        : r != nullptr     ? one_line(PQresultErrorMessage(r))
                                           : one_line(PQerrorMessage(c));
  const bool data = state != nullptr && std::strncmp(state, "22", 2) == 0;
  if (state != nullptr) message += fmt::format(" (sqlstate {})", state);
  return error(data ? errc::invalid_argument : errc::io_error, "postgres: " + message);
}

// Notices (e.g. "schema already exists, skipping") are not the host's
// business; errors come back as results.
void ignore_notice(void*, const char*) {}

}  // namespace

// --- params ---------------------------------------------------------------------

void params::add(Oid type, std::string value, bool null) {
  lengths_.push_back(static_cast<int>(value.size()));
  values_.push_back(std::move(value));
  nulls_.push_back(null);
  types_.push_back(type);
  formats_.push_back(1);
}

params& params::text(std::string_view v) {
  add(text_oid, std::string(v));
  return *this;
}
params& params::bytes(std::string_view v) {
  add(bytea_oid, std::string(v));
  return *this;
}
params& params::bytes(const std::uint8_t* data, std::size_t size) {
  add(bytea_oid, std::string(reinterpret_cast<const char*>(data), size));
  return *this;
}
params& params::int8(std::int64_t v) {
  add(int8_oid, big_endian(static_cast<std::uint64_t>(v), 8));
  return *this;
}
params& params::int2(std::int16_t v) {
  add(int2_oid, big_endian(static_cast<std::uint16_t>(v), 2));
  return *this;
}
params& params::boolean(bool v) {
  add(bool_oid, std::string(1, v ? '\1' : '\0'));
  return *this;
}
params& params::int8(const std::optional<std::int64_t>& v) {
  if (v) return int8(*v);
  add(int8_oid, std::string(), true);
  return *this;
}

params& params::nulls(int count) {
  for (int i = 0; i < count; ++i) add(0, std::string(), true);
  return *this;
}

// array_recv's layout: dimensions, a has-nulls flag, the element type, each
// dimension's length and lower bound, then each element as a length and its
// binary form.
void params::add_array(Oid array_type, Oid element, const std::vector<std::string_view>& elements) {
  std::string out;
  out += big_endian(1, 4);
  out += big_endian(0, 4);
  out += big_endian(element, 4);
  out += big_endian(elements.size(), 4);
  out += big_endian(1, 4);
  for (const std::string_view e : elements) {
    out += big_endian(e.size(), 4);
    out += e;
  }
  add(array_type, std::move(out));
}

namespace {

// Each integer in its binary form: `bytes` wide, big-endian, two's complement.
template <class Int>
std::vector<std::string> big_endian_each(const std::vector<Int>& v, int bytes) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const Int x : v) out.push_back(big_endian(static_cast<std::uint64_t>(static_cast<std::int64_t>(x)), bytes));
  return out;
}

}  // namespace

params& params::int8_array(const std::vector<std::int64_t>& v) {
  const auto binary = big_endian_each(v, 8);
  add_array(int8_array_oid, int8_oid, std::vector<std::string_view>(binary.begin(), binary.end()));
  return *this;
}
params& params::int2_array(const std::vector<std::int16_t>& v) {
  const auto binary = big_endian_each(v, 2);
  add_array(int2_array_oid, int2_oid, std::vector<std::string_view>(binary.begin(), binary.end()));
  return *this;
}
params& params::text_array(const std::vector<std::string_view>& v) {
  add_array(text_array_oid, text_oid, v);
  return *this;
}
params& params::bytes_array(const std::vector<std::string_view>& v) {
  add_array(bytea_array_oid, bytea_oid, v);
  return *this;
}

std::vector<const char*> params::values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i) {
    out.push_back(nulls_[i] ? nullptr : values_[i].data());
  }
  return out;
}

// --- row_reader -----------------------------------------------------------------

bool row_reader::null() const noexcept { return PQgetisnull(result_, row_, column_) != 0; }

std::string_view row_reader::raw(int expected_size) {
  const int column = column_++;
  if (error_) return {};
  if (column >= PQnfields(result_) || PQgetisnull(result_, row_, column) != 0) {
    error_ = error(errc::io_error, fmt::format("postgres: unexpected null or missing column {}", column));
    return {};
  }
  const int length = PQgetlength(result_, row_, column);
  if (expected_size >= 0 && length != expected_size) {
    error_ = error(errc::io_error, fmt::format("postgres: column {} has {} bytes, expected {}",
                                               column, length, expected_size));
    return {};
  }
  return {PQgetvalue(result_, row_, column), static_cast<std::size_t>(length)};
}

std::string row_reader::text() { return std::string(raw(-1)); }
std::int64_t row_reader::int8() { return static_cast<std::int64_t>(from_big_endian(raw(8))); }
std::int16_t row_reader::int2() { return static_cast<std::int16_t>(from_big_endian(raw(2))); }
bool row_reader::boolean() {
  const std::string_view v = raw(1);
  return !v.empty() && v[0] != 0;
}
std::optional<std::int64_t> row_reader::optional_int8() {
  if (null()) {
    ++column_;
    return std::nullopt;
  }
  return int8();
}

std::optional<std::string> row_reader::optional_bytes() {
  if (null()) {
    ++column_;
    return std::nullopt;
  }
  return bytes();
}

// --- connection -----------------------------------------------------------------

error connection_error(PGconn* c, std::string_view what) {
  const std::string message = c != nullptr ? one_line(PQerrorMessage(c)) : "out of memory";
  return error(errc::io_error, fmt::format("postgres: {}: {}", what, message));
}

namespace {

// libpq repeats the connection string in some errors (a malformed URI):
// the password must not travel into logs with the message.
std::string without_password(std::string message, const std::string& conninfo) {
  const auto replace_all = [&](std::string_view secret) {
    if (secret.empty()) return;
    for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret, at + 3))
      message.replace(at, secret.size(), "***");
  };
  char* parse_error = nullptr;
  if (PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error); options != nullptr) {
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o)
      if (std::string_view(o->keyword) == "password" && o->val != nullptr) replace_all(o->val);
    PQconninfoFree(options);
  }
  if (parse_error != nullptr) PQfreemem(parse_error);
  // A URI libpq could not parse: user:password@ between "://" and the host.
  if (const auto scheme = conninfo.find("://"); scheme != std::string::npos) {
    const auto at = conninfo.find('@', scheme + 3);
    const auto colon = conninfo.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at)
      replace_all(std::string_view(conninfo).substr(colon + 1, at - colon - 1));
  }
  return message;
}

}  // namespace

result<std::unique_ptr<connection>> connection::connect(const settings& s) {
  // Keywords are processed in order and later ones win: the defaults before
  // dbname (the caller's conninfo, expanded) may be overridden by it; the
  // client encoding after it may not, because tierflow's text is UTF-8.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", "client_encoding",
                            nullptr};
  const char* values[] = {"10", "tierflow", s.conninfo.c_str(), "UTF8", nullptr};
  PGconn* c = PQconnectdbParams(keywords, values, 1);
  if (s.round_trips != nullptr) s.round_trips->fetch_add(1, std::memory_order_relaxed);
  if (c == nullptr || PQstatus(c) != CONNECTION_OK) {
    const error e = connection_error(c, "cannot connect");
    if (c != nullptr) PQfinish(c);
    return fail(error(e.code(), without_password(e.message(), s.conninfo)));
  }
  PQsetNoticeProcessor(c, ignore_notice, nullptr);
  std::unique_ptr<connection> out(new connection(c, s));
  if (auto ok = out->setup(); !ok) return fail(ok.error());
  return out;
}

connection::~connection() { PQfinish(conn_); }

bool connection::ok() const noexcept { return PQstatus(conn_) == CONNECTION_OK; }

result<void> connection::setup() {
  params p;
  p.text(fmt::format("{}ms", settings_.lock_timeout.count()));
  p.text(settings_.read_only ? "on" : "off");
  auto r = exec(
      "SELECT set_config('lock_timeout', $1, false),"
      " set_config('default_transaction_read_only', $2, false)",
      p);
  if (!r) return fail(r.error().err);
  if (!settings_.prepared_name.empty()) {
    return prepare(settings_.prepared_name.c_str(), settings_.prepared_sql.c_str());
  }
  return {};
}

result<void> connection::prepare(const char* name, const char* sql) {
  auto r = prepare_statement(name, sql);
  if (!r) return fail(r.error().err);
  return {};
}

outcome<result_ptr> connection::prepare_statement(const char* name, const char* sql) {
  round_trip();
  return check(PQprepare(conn_, name, sql, 0, nullptr));
}

outcome<result_ptr> connection::exec_prepared(const char* name, const params& p) {
  const std::vector<const char*> values = p.values();
  for (int attempt = 0;; ++attempt) {
    round_trip();
    result_ptr r(PQexecPrepared(conn_, name, p.size(), values.data(), p.lengths(), p.formats(), 1));
    // 26000, invalid_sql_statement_name: the session no longer has it.
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (attempt > 0 || state == nullptr || std::strcmp(state, "26000") != 0 ||
        settings_.prepared_name != name) {
      return check(r.release());
    }
    if (auto ok = prepare_statement(name, settings_.prepared_sql.c_str()); !ok) return fail(ok.error());
  }
}

void connection::round_trip() const noexcept {
  if (settings_.round_trips != nullptr) settings_.round_trips->fetch_add(1, std::memory_order_relaxed);
}

result<void> connection::reset() {
  round_trip();
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) return fail(connection_error(conn_, "reconnecting"));
  return setup();
}

outcome<result_ptr> connection::check(PGresult* raw) {
  result_ptr r(raw);
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
  // A dropped connection shows as a fatal error with the connection gone.
  if (PQstatus(conn_) != CONNECTION_OK) return lost(connection_error(conn_, "connection lost"));
  return fail(failure{statement_error(r.get(), conn_), false});
}

outcome<result_ptr> connection::exec(const char* sql, const params& p) {
  const std::vector<const char*> values = p.values();
  round_trip();
  return check(PQexecParams(conn_, sql, p.size(), p.types(), values.data(), p.lengths(),
                            p.formats(), 1));
}

outcome<result_ptr> connection::script(const char* sql) {
  round_trip();
  return check(PQexec(conn_, sql));
}

void connection::rollback() noexcept {
  if (!ok()) return;
  round_trip();
  PQclear(PQexec(conn_, "ROLLBACK"));
}

// --- pool -----------------------------------------------------------------------

result<pool::lease> pool::acquire() {
  std::unique_ptr<connection> c;
  {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // reserve the slot; connect outside the lock
    }
  }
  if (!c) {
    auto made = connection::connect(settings_);
    if (!made) {
      const std::lock_guard lock(mutex_);
      --open_;
      freed_.notify_one();
      return fail(made.error());
    }
    c = std::move(*made);
  }
  lease l(this, std::move(c));
  if (!l->ok()) {
    if (auto ok = l->reset(); !ok) return fail(ok.error());
  }
  return l;
}

void pool::adopt(std::unique_ptr<connection> c) {
  const std::lock_guard lock(mutex_);
  ++open_;
  idle_.push_back(std::move(c));
  freed_.notify_one();
}

void pool::release(std::unique_ptr<connection> c) {
  const std::lock_guard lock(mutex_);
  idle_.push_back(std::move(c));
  freed_.notify_one();
}

}  // namespace tierflow::pg
