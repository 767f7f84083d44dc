// SPDX-License-Identifier: MIT
// The SQLite store: one connection per store handle, serialised by a mutex,
// with its statements prepared once. Appends run in a transaction of their
// own (per_command) or inside the open group's transaction under a SAVEPOINT
// (group_commit), committed by size, by a background thread after the
// window, by flush() or by the destructor.
#include <tierflow/sqlite_store.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/store_access.hpp"
#include "store/append_checks.hpp"
#include "store/store_codec.hpp"

namespace tierflow {
namespace {

using detail::sqlite::connection;
using detail::sqlite::statement;
using detail::sqlite::statement_use;

// The summary's columns, in the order bind_summary and read_summary use.
#define TIERFLOW_SUMMARY_COLUMNS                                                          \
  "ticket_id, customer_id, ticket_type, workflow_id, workflow_version, state, unit, "    \
  "region, owner, assignee, closed, opened_at, closed_at, next_timer, nearest_due, version"

constexpr std::string_view head_sql =
    "SELECT version, head FROM tierflow_streams WHERE stream_id = ?1";
constexpr std::string_view load_sql =
    "SELECT sequence, time, actor_id, workflow_id, workflow_version, type, details, prev_hash, "
    "hash FROM tierflow_events WHERE stream_id = ?1 ORDER BY sequence";
constexpr std::string_view insert_event_sql =
    "INSERT INTO tierflow_events (stream_id, sequence, time, actor_id, workflow_id, "
    "workflow_version, type, details, prev_hash, hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr std::string_view upsert_stream_sql =
    "INSERT INTO tierflow_streams (stream_id, version, head) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, head = excluded.head";
constexpr std::string_view upsert_ticket_sql =
    "INSERT INTO tierflow_tickets (" TIERFLOW_SUMMARY_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
    "ON CONFLICT (ticket_id) DO UPDATE SET customer_id = excluded.customer_id, "
    "ticket_type = excluded.ticket_type, workflow_id = excluded.workflow_id, "
    "workflow_version = excluded.workflow_version, state = excluded.state, "
    "unit = excluded.unit, region = excluded.region, owner = excluded.owner, "
    "assignee = excluded.assignee, closed = excluded.closed, opened_at = excluded.opened_at, "
    "closed_at = excluded.closed_at, next_timer = excluded.next_timer, "
    "nearest_due = excluded.nearest_due, version = excluded.version";
constexpr std::string_view summary_sql =
    "SELECT " TIERFLOW_SUMMARY_COLUMNS " FROM tierflow_tickets WHERE ticket_id = ?1";
// `nearest_due IS NULL` first: tickets without a deadline sort last (the
// queue index of schema 2 has the same leading expressions).
constexpr std::string_view queue_sql =
    "SELECT " TIERFLOW_SUMMARY_COLUMNS
    " FROM tierflow_tickets WHERE closed = 0 AND unit = ?1 AND region = ?2 "
    "ORDER BY nearest_due IS NULL, nearest_due, ticket_id";
constexpr std::string_view customer_sql =
    "SELECT " TIERFLOW_SUMMARY_COLUMNS
    " FROM tierflow_tickets WHERE customer_id = ?1 ORDER BY opened_at, ticket_id";
constexpr std::string_view due_sql =
    "SELECT ticket_id, next_timer FROM tierflow_tickets "
    "WHERE next_timer IS NOT NULL AND next_timer <= ?1 ORDER BY next_timer, ticket_id LIMIT ?2";
constexpr std::string_view open_sql =
    "SELECT " TIERFLOW_SUMMARY_COLUMNS
    " FROM tierflow_tickets WHERE closed = 0 ORDER BY ticket_id";
constexpr std::string_view streams_sql = "SELECT stream_id FROM tierflow_streams ORDER BY stream_id";
constexpr std::string_view bump_counter_sql =
    "UPDATE tierflow_counters SET value = value + 1 WHERE name = 'ticket_number'";
constexpr std::string_view read_counter_sql =
    "SELECT value FROM tierflow_counters WHERE name = 'ticket_number'";

#undef TIERFLOW_SUMMARY_COLUMNS

std::string_view as_bytes(const event_hash& h) noexcept {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

std::int64_t to_db(std::uint64_t n) noexcept { return static_cast<std::int64_t>(n); }
std::int64_t to_db(timestamp t) noexcept { return t.time_since_epoch().count(); }
timestamp time_from_db(std::int64_t seconds) noexcept { return timestamp{std::chrono::seconds{seconds}}; }

void bind_optional(statement& s, int index, const std::optional<timestamp>& t) noexcept {
  if (t) {
    s.bind_int(index, to_db(*t));
  } else {
    s.bind_null(index);
  }
}

std::optional<timestamp> optional_time(const statement& s, int column) noexcept {
  if (s.is_null(column)) return std::nullopt;
  return time_from_db(s.column_int(column));
}

error malformed(const std::string& path, std::string_view what) {
  return error(errc::io_error, "sqlite " + path + ": malformed stored " + std::string(what));
}

result<std::uint32_t> workflow_version_of(const statement& s, int column, const std::string& path) {
  const std::int64_t v = s.column_int(column);
  if (v < 0 || v > std::numeric_limits<std::uint32_t>::max()) {
    return fail(malformed(path, "workflow version"));
  }
  return static_cast<std::uint32_t>(v);
}

result<ticket_summary> read_summary(const statement& s, const std::string& path) {
  ticket_summary out;
  out.ticket_id = s.column_bytes(0);
  out.customer_id = s.column_bytes(1);
  out.ticket_type = s.column_bytes(2);
  out.workflow_id = s.column_bytes(3);
  const auto wv = workflow_version_of(s, 4, path);
  if (!wv) return fail(wv.error());
  out.workflow_version = *wv;
  out.state = s.column_bytes(5);
  out.unit = s.column_bytes(6);
  out.region = s.column_bytes(7);
  out.owner = s.column_bytes(8);
  out.assignee = s.column_bytes(9);
  out.closed = s.column_int(10) != 0;
  out.opened_at = time_from_db(s.column_int(11));
  out.closed_at = optional_time(s, 12);
  out.next_timer = optional_time(s, 13);
  out.nearest_due = optional_time(s, 14);
  const std::int64_t version = s.column_int(15);
  if (version < 0) return fail(malformed(path, "summary version"));
  out.version = static_cast<std::uint64_t>(version);
  return out;
}

void bind_summary(statement& s, const ticket_summary& t) noexcept {
  s.bind_text(1, t.ticket_id);
  s.bind_text(2, t.customer_id);
  s.bind_text(3, t.ticket_type);
  s.bind_text(4, t.workflow_id);
  s.bind_int(5, t.workflow_version);
  s.bind_text(6, t.state);
  s.bind_text(7, t.unit);
  s.bind_text(8, t.region);
  s.bind_text(9, t.owner);
  s.bind_text(10, t.assignee);
  s.bind_int(11, t.closed ? 1 : 0);
  s.bind_int(12, to_db(t.opened_at));
  bind_optional(s, 13, t.closed_at);
  bind_optional(s, 14, t.next_timer);
  bind_optional(s, 15, t.nearest_due);
  s.bind_int(16, to_db(t.version));
}

result<event> read_event(const statement& s, std::string_view stream_id, const std::string& path) {
  event e;
  e.ticket_id = stream_id;
  const std::int64_t sequence = s.column_int(0);
  if (sequence < 1) return fail(malformed(path, "event sequence"));
  e.sequence = static_cast<std::uint64_t>(sequence);
  e.time = time_from_db(s.column_int(1));
  e.actor_id = s.column_bytes(2);
  e.workflow_id = s.column_bytes(3);
  const auto wv = workflow_version_of(s, 4, path);
  if (!wv) return fail(wv.error());
  e.workflow_version = *wv;
  const std::int64_t type = s.column_int(5);
  if (type < 0 || type > std::numeric_limits<std::uint8_t>::max()) {
    return fail(malformed(path, "event type"));
  }
  e.type = static_cast<event_type>(type);
  auto details = detail::decode_details(s.column_bytes(6));
  if (!details) return fail(std::move(details).error().with_context("sqlite " + path));
  e.details = std::move(*details);
  auto prev = detail::hash_from_bytes(s.column_bytes(7));
  if (!prev) return fail(std::move(prev).error().with_context("sqlite " + path));
  e.prev_hash = *prev;
  auto hash = detail::hash_from_bytes(s.column_bytes(8));
  if (!hash) return fail(std::move(hash).error().with_context("sqlite " + path));
  e.hash = *hash;
  return e;
}

std::string ticket_context(std::string_view ticket_id) {
  return "ticket " + std::string(ticket_id);
}

}  // namespace

struct sqlite_store::impl {
  connection db;
  store_options options;
  std::string path;

  // Serialises every use of the connection and guards the group state.
  std::mutex mutex;
  // Signalled when a group opens or closes (the committer thread waits on it).
  std::condition_variable_any group_changed;

  statement head_stmt, load_stmt, insert_event_stmt, upsert_stream_stmt, upsert_ticket_stmt,
      summary_stmt, queue_stmt, customer_stmt, due_stmt, open_stmt, streams_stmt, bump_counter_stmt,
      read_counter_stmt;

  // --- group commit state (guarded by mutex) ---
  bool group_open = false;
  std::size_t group_commands = 0;
  std::chrono::steady_clock::time_point group_deadline{};
  // Bumped whenever a group opens or closes, so the committer can tell that
  // the group it waited for is gone.
  std::uint64_t group_generation = 0;
  // A failed background commit, until append or flush reports it.
  std::optional<error> group_error;

  // Last: started after everything above exists, stopped (in ~impl) before
  // any of it goes.
  std::jthread committer;

  impl(connection c, const store_options& o, std::string p)
      : db(std::move(c)), options(o), path(std::move(p)) {}

  ~impl() {
    if (committer.joinable()) {
      committer.request_stop();
      committer.join();
    }
    const std::lock_guard lock(mutex);
    // A destructor cannot report: the commit is attempted, and its failure
    // loses the group as a crash would (the documented group_commit risk).
    (void)commit_group();
  }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  result<void> prepare_all() {
    const std::pair<statement*, std::string_view> all[] = {
        {&head_stmt, head_sql},
        {&load_stmt, load_sql},
        {&insert_event_stmt, insert_event_sql},
        {&upsert_stream_stmt, upsert_stream_sql},
        {&upsert_ticket_stmt, upsert_ticket_sql},
        {&summary_stmt, summary_sql},
        {&queue_stmt, queue_sql},
        {&customer_stmt, customer_sql},
        {&due_stmt, due_sql},
        {&open_stmt, open_sql},
        {&streams_stmt, streams_sql},
        {&bump_counter_stmt, bump_counter_sql},
        {&read_counter_stmt, read_counter_sql},
    };
    for (const auto& [target, sql] : all) {
      auto s = db.prepare(sql, true);
      if (!s) return fail(std::move(s).error());
      *target = std::move(*s);
    }
    return {};
  }

  // --- reads (caller holds the mutex) ---

  result<stream_head> read_head(std::string_view id) {
    const statement_use s(head_stmt);
    s->bind_text(1, id);
    const auto row = s->step();
    if (!row) return fail(row.error());
    if (!*row) return stream_head{};
    const std::int64_t version = s->column_int(0);
    if (version < 0) return fail(malformed(path, "stream version"));
    auto h = detail::hash_from_bytes(s->column_bytes(1));
    if (!h) return fail(std::move(h).error().with_context("sqlite " + path));
    return stream_head{static_cast<std::uint64_t>(version), *h};
  }

  // Runs a statement whose rows are summaries.
  result<std::vector<ticket_summary>> read_summaries(statement& stmt) {
    std::vector<ticket_summary> out;
    for (;;) {
      const auto row = stmt.step();
      if (!row) return fail(row.error());
      if (!*row) return out;
      auto s = read_summary(stmt, path);
      if (!s) return fail(std::move(s).error());
      out.push_back(std::move(*s));
    }
  }

  // --- append (caller holds the mutex) ---

  // Checks the request and writes its rows, inside the caller's transaction
  // or savepoint (which the caller undoes on failure).
  result<void> write_command(const append_request& request) {
    const auto stored = read_head(request.ticket_id);
    if (!stored) return fail(stored.error());
    if (auto ok = detail::check_append_version(request, stored->version); !ok) return ok;
    if (auto ok = detail::check_append_events(request, &stored->head); !ok) return ok;
    for (const event& e : request.events) {
      const statement_use s(insert_event_stmt);
      s->bind_text(1, request.ticket_id);
      s->bind_int(2, to_db(e.sequence));
      s->bind_int(3, to_db(e.time));
      s->bind_text(4, e.actor_id);
      s->bind_text(5, e.workflow_id);
      s->bind_int(6, e.workflow_version);
      s->bind_int(7, static_cast<std::int64_t>(e.type));
      s->bind_blob(8, detail::encode_details(e.details));
      s->bind_blob(9, as_bytes(e.prev_hash));
      s->bind_blob(10, as_bytes(e.hash));
      if (auto r = s->step(); !r) return fail(r.error());
    }
    {
      const statement_use s(upsert_stream_stmt);
      s->bind_text(1, request.ticket_id);
      s->bind_int(2, to_db(request.events.back().sequence));
      s->bind_blob(3, as_bytes(request.events.back().hash));
      if (auto r = s->step(); !r) return fail(r.error());
    }
    if (request.summary != nullptr) {
      const statement_use s(upsert_ticket_stmt);
      bind_summary(*s, *request.summary);
      if (auto r = s->step(); !r) return fail(r.error());
    }
    return {};
  }

  result<void> append_alone(const append_request& request) {
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r;
    if (auto r = write_command(request); !r) {
      (void)db.exec("ROLLBACK");
      return r;
    }
    if (auto r = db.exec("COMMIT"); !r) {
      // A failed COMMIT may leave the transaction open (SQLITE_BUSY): end it,
      // so that nothing of the command is stored later by accident.
      if (!db.autocommit()) (void)db.exec("ROLLBACK");
      return r;
    }
    return {};
  }

  // Forgets a group that SQLite rolled back by itself, and says what was lost.
  error group_lost(error cause) {
    const std::size_t lost = group_commands;
    close_group();
    if (lost == 0) return cause;
    return std::move(cause).with_context("the open group's " + std::to_string(lost) +
                                         " earlier acknowledged commands were rolled back and lost");
  }

  void close_group() noexcept {
    group_open = false;
    group_commands = 0;
    ++group_generation;
    group_changed.notify_all();
  }

  result<void> append_grouped(const append_request& request) {
    if (group_error) {
      error lost = std::move(*group_error);
      group_error.reset();
      return fail(std::move(lost).with_context("command not applied"));
    }
    if (!group_open) {
      if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r;
      group_open = true;
      group_commands = 0;
      group_deadline = std::chrono::steady_clock::now() + options.group_window;
      ++group_generation;
      group_changed.notify_all();
    }
    if (auto r = db.exec("SAVEPOINT tierflow_command"); !r) {
      if (db.autocommit()) return fail(group_lost(std::move(r).error()));
      return r;
    }
    auto written = write_command(request);
    if (written) {
      if (auto r = db.exec("RELEASE tierflow_command"); !r) written = std::move(r);
    }
    if (!written) {
      if (db.autocommit()) return fail(group_lost(std::move(written).error()));
      // Only this command's rows go; the group's earlier commands stay.
      const bool undone =
          db.exec("ROLLBACK TO tierflow_command") && db.exec("RELEASE tierflow_command");
      if (!undone) {
        if (!db.autocommit()) (void)db.exec("ROLLBACK");
        return fail(group_lost(std::move(written).error()));
      }
      if (group_commands == 0) {
        // An empty group would only hold the write lock until its window ends.
        (void)db.exec("ROLLBACK");
        close_group();
      }
      return written;
    }
    ++group_commands;
    if (group_commands >= options.group_max) return commit_group();
    return {};
  }

  // Commits the open group, if any. On failure its commands are gone.
  result<void> commit_group() {
    if (!group_open) return {};
    if (auto r = db.exec("COMMIT"); !r) {
      if (!db.autocommit()) (void)db.exec("ROLLBACK");
      return fail(group_lost(std::move(r).error().with_context("committing a group")));
    }
    close_group();
    return {};
  }

  // The group_commit committer: commits each group when its window ends.
  void run_committer(const std::stop_token& stop) {
    std::unique_lock lock(mutex);
    while (!stop.stop_requested()) {
      if (!group_open) {
        group_changed.wait(lock, stop, [this] { return group_open; });
        continue;
      }
      const std::uint64_t generation = group_generation;
      // A copy: the wait reads its deadline while the lock is released, and
      // a new group writes group_deadline (the generation tells it apart).
      const auto deadline = group_deadline;
      const bool gone = group_changed.wait_until(lock, stop, deadline, [&] {
        return !group_open || group_generation != generation;
      });
      if (gone || stop.stop_requested()) continue;
      if (auto r = commit_group(); !r) group_error = std::move(r).error();
    }
  }

  result<void> read_only_refusal(std::string_view what) const {
    return fail(errc::io_error, "sqlite " + path + ": " + std::string(what) +
                                    ": the store was opened read-only");
  }
};

sqlite_store::sqlite_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
sqlite_store::~sqlite_store() = default;

result<std::unique_ptr<sqlite_store>> sqlite_store::open(const std::string& path,
                                                         const store_options& options) {
  if (options.mode == durability::group_commit && options.group_max == 0) {
    return fail(errc::invalid_argument,
                "sqlite " + path + ": group_commit needs group_max of at least 1");
  }
  auto db = detail::sqlite::connection::open(path, {.read_only = options.read_only,
                                                    .create = options.create && !options.read_only});
  if (!db) return fail(std::move(db).error());
  db->busy_timeout(options.busy_timeout.count());

  // The version first, before anything could write: a newer file is refused
  // untouched (even the switch to WAL rewrites its header).
  auto found = detail::sqlite::schema_of(*db);
  if (!found) return fail(std::move(found).error().with_context("reading the schema version"));
  if (auto ok = detail::sqlite::check_not_newer(*db, *found); !ok) return fail(ok.error());

  if (options.read_only) {
    // Every statement reads schema-1 tables only, so any known schema reads.
    if (*found == 0) {
      return fail(errc::io_error, "sqlite " + path +
                                      ": has no tierflow schema (open it for writing once to create "
                                      "it)");
    }
  } else {
    auto mode = db->query_text("PRAGMA journal_mode = WAL");
    if (!mode) return fail(std::move(mode).error().with_context("switching to WAL mode"));
    if (*mode != "wal") {
      return fail(errc::io_error,
                  "sqlite " + path + ": cannot switch to WAL mode (journal mode stays " + *mode + ")");
    }
    // FULL syncs the WAL at every commit: a returned append (per_command)
    // or a committed group survives power loss, not only a crash.
    if (auto r = db->exec("PRAGMA synchronous = FULL"); !r) return fail(r.error());
    if (*found < schema_version) {
      if (auto r = detail::sqlite::migrate(*db, schema_version); !r) {
        return fail(r.error());
      }
    }
  }

  auto state = std::make_unique<impl>(std::move(*db), options, path);
  if (auto r = state->prepare_all(); !r) return fail(r.error());
  if (options.mode == durability::group_commit && !options.read_only) {
    impl* raw = state.get();
    raw->committer = std::jthread([raw](const std::stop_token& stop) { raw->run_committer(stop); });
  }
  return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(state)));
}

result<void> sqlite_store::append(const append_request& request) {
  // Checks that need no stored state come first.
  if (auto ok = detail::check_append_ids(request); !ok) return ok;
  const std::lock_guard lock(impl_->mutex);
  if (impl_->options.read_only) return impl_->read_only_refusal("append");
  auto r = impl_->options.mode == durability::group_commit ? impl_->append_grouped(request)
                                                           : impl_->append_alone(request);
  if (!r && r.error().code() == errc::io_error) {
    return fail(std::move(r).error().with_context("appending to " +
                                                            ticket_context(request.ticket_id)));
  }
  return r;
}

result<std::vector<event>> sqlite_store::load(std::string_view ticket_id) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->load_stmt);
  s->bind_text(1, ticket_id);
  std::vector<event> out;
  for (;;) {
    const auto row = s->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    auto e = read_event(*s, ticket_id, impl_->path);
    if (!e) return fail(std::move(e).error());
    out.push_back(std::move(*e));
  }
}

result<store::stream_head> sqlite_store::head(std::string_view ticket_id) const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->read_head(ticket_id);
}

result<std::uint64_t> sqlite_store::next_ticket_number() {
  const std::lock_guard lock(impl_->mutex);
  if (impl_->options.read_only) {
    return fail(impl_->read_only_refusal("next ticket number").error());
  }
  // Its own transaction: the open group (which cannot share it) goes first.
  if (auto r = impl_->commit_group(); !r) return fail(r.error());
  connection& db = impl_->db;
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return fail(r.error());
  const auto undo = [&db](error e) -> result<std::uint64_t> {
    if (!db.autocommit()) (void)db.exec("ROLLBACK");
    return fail(std::move(e).with_context("next ticket number"));
  };
  {
    const statement_use s(impl_->bump_counter_stmt);
    if (auto r = s->step(); !r) return undo(r.error());
  }
  std::int64_t number = 0;
  {
    const statement_use s(impl_->read_counter_stmt);
    const auto row = s->step();
    if (!row) return undo(row.error());
    if (!*row) return undo(malformed(impl_->path, "ticket number counter (no row)"));
    number = s->column_int(0);
  }
  if (number < 1) return undo(malformed(impl_->path, "ticket number counter"));
  if (auto r = db.exec("COMMIT"); !r) return undo(r.error());
  return static_cast<std::uint64_t>(number);
}

result<ticket_summary> sqlite_store::summary(std::string_view ticket_id) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->summary_stmt);
  s->bind_text(1, ticket_id);
  const auto row = s->step();
  if (!row) return fail(row.error());
  if (!*row) {
    // Not a ticket, or not there at all: the same answer as the memory store.
    return fail(errc::not_found, ticket_context(ticket_id) + ": not found");
  }
  return read_summary(*s, impl_->path);
}

result<std::vector<ticket_summary>> sqlite_store::queue(std::string_view unit,
                                                        std::string_view region) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->queue_stmt);
  s->bind_text(1, unit);
  s->bind_text(2, region);
  return impl_->read_summaries(*s);
}

result<std::vector<ticket_summary>> sqlite_store::customer_tickets(
    std::string_view customer_id) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->customer_stmt);
  s->bind_text(1, customer_id);
  return impl_->read_summaries(*s);
}

result<std::vector<due_ticket>> sqlite_store::due(timestamp now, std::size_t limit) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->due_stmt);
  s->bind_int(1, to_db(now));
  constexpr auto most = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  s->bind_int(2, static_cast<std::int64_t>(limit > most ? most : limit));
  std::vector<due_ticket> out;
  for (;;) {
    const auto row = s->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back(due_ticket{std::string(s->column_bytes(0)), time_from_db(s->column_int(1))});
  }
}

result<std::vector<ticket_summary>> sqlite_store::open_tickets() const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->open_stmt);
  return impl_->read_summaries(*s);
}

result<std::vector<std::string>> sqlite_store::streams() const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->streams_stmt);
  std::vector<std::string> out;
  for (;;) {
    const auto row = s->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.emplace_back(s->column_bytes(0));
  }
}

result<void> sqlite_store::flush() {
  const std::lock_guard lock(impl_->mutex);
  // The open group first: it is not the one that was lost, if one was.
  if (auto r = impl_->commit_group(); !r) return r;
  if (impl_->group_error) {
    error lost = std::move(*impl_->group_error);
    impl_->group_error.reset();
    return fail(std::move(lost).with_context("flush: an earlier group commit failed"));
  }
  return {};
}

// --- test hooks ---------------------------------------------------------------------------

result<void> detail::sqlite_store_access::exec(sqlite_store& store, std::string_view sql) {
  const std::lock_guard lock(store.impl_->mutex);
  return store.impl_->db.exec(sql);
}

result<std::int64_t> detail::sqlite_store_access::query_int(sqlite_store& store,
                                                            std::string_view sql) {
  const std::lock_guard lock(store.impl_->mutex);
  return store.impl_->db.query_int(sql);
}

}  // namespace tierflow
