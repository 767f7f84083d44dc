// SPDX-License-Identifier: MIT
// The SQLite store: one connection per store handle, serialised by a mutex,
// with its statements prepared once. Appends run in a transaction of their
// own (per_command) or inside the open group's transaction under a SAVEPOINT
// (group_commit), committed by size, by a background thread after the
// window, by flush() or by the destructor.
//
// This file opens a store (schema check, WAL, migration) and holds every
// statement's SQL; append.cpp writes, reads.cpp reads, rows.cpp maps rows.
#include <tierflow/sqlite_store.hpp>

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/store_access.hpp"
#include "store/sqlite/store_impl.hpp"
#include "text/input_file.hpp"

namespace tierflow {
namespace {

using detail::sqlite::connection;
using detail::sqlite::statement;

// The summary's columns, in the order bind_summary uses.
#define TIERFLOW_SUMMARY_COLUMNS                                                          \
  "ticket_id, customer_id, ticket_type, workflow_id, workflow_version, state, unit, "    \
  "region, owner, assignee, closed, opened_at, closed_at, next_timer, nearest_due, version"

// A summary as the reads take it: its columns in the order read_summary
// uses, then the seal and the stream's head it is checked against
// (read_sealed_summary). `%SEAL%` is the seal column, or NULL in a file from
// before schema 3 opened read-only.
#define TIERFLOW_SEALED_SUMMARY                                                                          \
  "SELECT t.ticket_id, t.customer_id, t.ticket_type, t.workflow_id, t.workflow_version, t.state, "      \
  "t.unit, t.region, t.owner, t.assignee, t.closed, t.opened_at, t.closed_at, t.next_timer, "           \
  "t.nearest_due, t.version, %SEAL%, s.version, s.head FROM tierflow_tickets t "                        \
  "LEFT JOIN tierflow_streams s ON s.stream_id = t.ticket_id "

constexpr std::string_view head_sql =
    "SELECT version, head FROM tierflow_streams WHERE stream_id = ?1";
constexpr std::string_view load_sql =
    "SELECT sequence, time, actor_id, workflow_id, workflow_version, type, details, prev_hash, "
    "hash FROM tierflow_events WHERE stream_id = ?1 ORDER BY sequence";
// `rows` events in one INSERT, each row's ten parameters after the
// previous row's: row r (from 0) binds ?(10r + 1) … ?(10r + 10), in the
// columns' order.
std::string insert_events_sql(std::size_t rows) {
  std::string sql =
      "INSERT INTO tierflow_events (stream_id, sequence, time, actor_id, workflow_id, "
      "workflow_version, type, details, prev_hash, hash) VALUES ";
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (std::size_t c = 1; c <= 10; ++c) {
      sql += c == 1 ? "?" : ", ?";
      sql += std::to_string(r * 10 + c);
    }
    sql += ')';
  }
  return sql;
}

constexpr std::string_view upsert_ticket_sql =
    "INSERT INTO tierflow_tickets (" TIERFLOW_SUMMARY_COLUMNS
    ", seal) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
    "ON CONFLICT (ticket_id) DO UPDATE SET customer_id = excluded.customer_id, "
    "ticket_type = excluded.ticket_type, workflow_id = excluded.workflow_id, "
    "workflow_version = excluded.workflow_version, state = excluded.state, "
    "unit = excluded.unit, region = excluded.region, owner = excluded.owner, "
    "assignee = excluded.assignee, closed = excluded.closed, opened_at = excluded.opened_at, "
    "closed_at = excluded.closed_at, next_timer = excluded.next_timer, "
    "nearest_due = excluded.nearest_due, version = excluded.version, seal = excluded.seal";
// What an append needs of its stream, in one read: the head (NULL without a
// stream row), whether a summary row exists, the summary's key columns (as
// summary_keys) and whether they are of the types the store writes (only
// then may an append that keeps them leave the indexes alone).
constexpr std::string_view stored_sql =
    "SELECT s.version, s.head, t.ticket_id IS NOT NULL, t.customer_id, t.unit, t.region, t.closed, "
    "t.opened_at, t.next_timer, t.nearest_due, "
    "typeof(t.customer_id) = 'text' AND typeof(t.unit) = 'text' AND typeof(t.region) = 'text' AND "
    "typeof(t.closed) = 'integer' AND typeof(t.opened_at) = 'integer' AND "
    "typeof(t.next_timer) IN ('integer', 'null') AND typeof(t.nearest_due) IN ('integer', 'null') "
    "FROM (SELECT ?1 AS id) AS q "
    "LEFT JOIN tierflow_streams s ON s.stream_id = q.id "
    "LEFT JOIN tierflow_tickets t ON t.ticket_id = q.id";
// The stream head of a stream without a row, and of one with a row (the
// append knows which: it read the head in the same transaction).
constexpr std::string_view insert_stream_sql =
    "INSERT INTO tierflow_streams (stream_id, version, head) VALUES (?1, ?2, ?3)";
constexpr std::string_view update_stream_sql =
    "UPDATE tierflow_streams SET version = ?2, head = ?3 WHERE stream_id = ?1";
// A summary whose key columns stay as stored: every other column, so that
// SQLite leaves the four indexes untouched (it skips an index none of whose
// columns, nor its WHERE clause's, the UPDATE sets). Parameters as
// bind_summary's, ?17 the seal; ?2, ?7, ?8, ?11, ?12, ?14 and ?15 (the
// keys) are bound but unused.
constexpr std::string_view update_ticket_sql =
    "UPDATE tierflow_tickets SET ticket_type = ?3, workflow_id = ?4, workflow_version = ?5, "
    "state = ?6, owner = ?9, assignee = ?10, closed_at = ?13, version = ?16, seal = ?17 "
    "WHERE ticket_id = ?1";
// Each command of a group runs under this savepoint (prepared once: SQL
// text is parsed at every sqlite3_exec).
constexpr std::string_view savepoint_sql = "SAVEPOINT tierflow_command";
constexpr std::string_view release_sql = "RELEASE tierflow_command";
constexpr std::string_view rollback_to_sql = "ROLLBACK TO tierflow_command";
constexpr std::string_view summary_sql = TIERFLOW_SEALED_SUMMARY "WHERE t.ticket_id = ?1";
// `nearest_due IS NULL` first: tickets without a deadline sort last (the
// queue index of schema 2 has the same leading expressions).
constexpr std::string_view queue_sql =
    TIERFLOW_SEALED_SUMMARY
    "WHERE t.closed = 0 AND t.unit = ?1 AND t.region = ?2 "
    "ORDER BY t.nearest_due IS NULL, t.nearest_due, t.ticket_id";
constexpr std::string_view customer_sql =
    TIERFLOW_SEALED_SUMMARY "WHERE t.customer_id = ?1 ORDER BY t.opened_at, t.ticket_id";
// No LIMIT: due() steps through the rows in order and stops at its limit
// of rows that pass their seal check, so a forged row cannot take a slot.
constexpr std::string_view due_sql =
    TIERFLOW_SEALED_SUMMARY
    "WHERE t.next_timer IS NOT NULL AND t.next_timer <= ?1 ORDER BY t.next_timer, t.ticket_id";
constexpr std::string_view open_sql =
    TIERFLOW_SEALED_SUMMARY "WHERE t.closed = 0 ORDER BY t.ticket_id";
constexpr std::string_view streams_sql = "SELECT stream_id FROM tierflow_streams ORDER BY stream_id";
constexpr std::string_view summary_ids_sql =
    "SELECT ticket_id FROM tierflow_tickets ORDER BY ticket_id";
constexpr std::string_view bump_counter_sql =
    "UPDATE tierflow_counters SET value = value + 1 WHERE name = 'ticket_number'";
constexpr std::string_view read_counter_sql =
    "SELECT value FROM tierflow_counters WHERE name = 'ticket_number'";

// The statement's SQL with the seal column put in (see TIERFLOW_SEALED_SUMMARY).
std::string with_seal(std::string_view sql, bool sealed) {
  std::string out(sql);
  constexpr std::string_view mark = "%SEAL%";
  if (const auto at = out.find(mark); at != std::string::npos) out.replace(at, mark.size(), sealed ? "t.seal" : "NULL");
  return out;
}

#undef TIERFLOW_SEALED_SUMMARY
#undef TIERFLOW_SUMMARY_COLUMNS

}  // namespace

sqlite_store::impl::impl(connection c, const store_options& o, std::string p)
    : db(std::move(c)), options(o), path(std::move(p)) {}

sqlite_store::impl::~impl() {
  if (committer.joinable()) {
    committer.request_stop();
    committer.join();
  }
  const std::lock_guard lock(mutex);
  // A destructor cannot report: the commit is attempted, and its failure
  // loses the group as a crash would (the documented group_commit risk).
  (void)commit_group();
}

result<void> sqlite_store::impl::prepare_all() {
  std::vector<std::pair<statement*, std::string_view>> all = {
      {&head_stmt, head_sql},       {&load_stmt, load_sql},         {&summary_stmt, summary_sql},
      {&queue_stmt, queue_sql},     {&customer_stmt, customer_sql}, {&due_stmt, due_sql},
      {&open_stmt, open_sql},       {&streams_stmt, streams_sql},
      {&summary_ids_stmt, summary_ids_sql},
  };
  // A read-only handle prepares no writes: a file from before schema 3
  // has no seal column for the upsert to name.
  if (!options.read_only) {
    all.insert(all.end(), {{&upsert_ticket_stmt, upsert_ticket_sql},
                           {&stored_stmt, stored_sql},
                           {&insert_stream_stmt, insert_stream_sql},
                           {&update_stream_stmt, update_stream_sql},
                           {&update_ticket_stmt, update_ticket_sql},
                           {&savepoint_stmt, savepoint_sql},
                           {&release_stmt, release_sql},
                           {&rollback_to_stmt, rollback_to_sql},
                           {&bump_counter_stmt, bump_counter_sql},
                           {&read_counter_stmt, read_counter_sql}});
  }
  for (const auto& [target, sql] : all) {
    auto s = db.prepare(with_seal(sql, sealed), true);
    if (!s) return fail(std::move(s).error());
    *target = std::move(*s);
  }
  if (!options.read_only) {
    for (std::size_t k = 1; k <= insert_events_max; ++k) {
      auto s = db.prepare(insert_events_sql(k), true);
      if (!s) return fail(std::move(s).error());
      insert_events_stmts[k - 1] = std::move(*s);
    }
  }
  return {};
}

result<void> sqlite_store::impl::check_in_place() {
  auto moved = db.has_moved();
  if (!moved) return fail(std::move(moved).error());
  if (!*moved) return {};
  return fail(errc::io_error, "sqlite " + path + ": the database file was deleted or replaced while open");
}

result<void> sqlite_store::impl::read_only_refusal(std::string_view what) const {
  return fail(errc::io_error, "sqlite " + path + ": " + std::string(what) +
                                  ": the store was opened read-only");
}

sqlite_store::sqlite_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
sqlite_store::~sqlite_store() = default;

result<std::unique_ptr<sqlite_store>> sqlite_store::open(const std::string& path,
                                                         const store_options& options) {
  if (options.mode == durability::group_commit && options.group_max == 0) {
    return fail(errc::invalid_argument,
                "sqlite " + path + ": group_commit needs group_max of at least 1");
  }
  // A FIFO would block SQLite's open for ever, a device or a directory is
  // no database: refused before SQLite touches the path.
  if (auto ok = detail::require_regular_or_absent(path); !ok) {
    return fail(errc::invalid_argument, "sqlite " + path + ": " + ok.error().message());
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
    // Each grouped command's savepoint copies the pages it changes into a
    // sub-journal; in memory (a command's few pages) instead of a temporary
    // file that SQLite writes and, past 64 KiB, spills to disk.
    if (auto r = db->exec("PRAGMA temp_store = MEMORY"); !r) return fail(r.error());
    if (*found < schema_version) {
      if (auto r = detail::sqlite::migrate(*db, schema_version); !r) {
        return fail(r.error());
      }
    }
  }

  auto state = std::make_unique<impl>(std::move(*db), options, path);
  // A writable open has just migrated the file to schema 3 (seals); a
  // read-only one reads an older file as it stands, unsealed.
  state->sealed = !options.read_only || *found >= 3;
  if (auto r = state->prepare_all(); !r) return fail(r.error());
  if (options.mode == durability::group_commit && !options.read_only) {
    impl* raw = state.get();
    raw->committer = std::jthread([raw](const std::stop_token& stop) { raw->run_committer(stop); });
  }
  return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(state)));
}

// --- test hooks ---------------------------------------------------------------------------

result<void> detail::sqlite_store_access::exec(sqlite_store& store, std::string_view sql) {
  const std::lock_guard lock(store.impl_->mutex);
  // Raw SQL may change any row: the open group's record of its streams is
  // read anew.
  store.impl_->group_streams.clear();
  return store.impl_->db.exec(sql);
}

result<void> detail::sqlite_store_access::rollback_as_sqlite_would(sqlite_store& store) {
  const std::lock_guard lock(store.impl_->mutex);
  return store.impl_->db.exec("ROLLBACK");
}

result<std::int64_t> detail::sqlite_store_access::query_int(sqlite_store& store,
                                                            std::string_view sql) {
  const std::lock_guard lock(store.impl_->mutex);
  return store.impl_->db.query_int(sql);
}

}  // namespace tierflow
