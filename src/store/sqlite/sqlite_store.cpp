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

#include "store/sqlite/connection.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/store_access.hpp"
#include "store/sqlite/store_impl.hpp"

namespace tierflow {
namespace {

using detail::sqlite::connection;
using detail::sqlite::statement;

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
