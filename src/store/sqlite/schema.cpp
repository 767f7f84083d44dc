// SPDX-License-Identifier: MIT
// The SQLite store's migrations. Each step's SQL is applied once, in order,
// inside the transaction that migrates a file; `PRAGMA user_version` says how
// many have been applied. A released step is never edited (files in the
// field were made by it): change the schema by adding a step.
#include "store/sqlite/schema.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include <tierflow/store.hpp>
#include <tierflow/version.hpp>

#include "store/sqlite/rows.hpp"
#include "store/store_codec.hpp"

namespace tierflow::detail::sqlite {
namespace {

// Migration 1: the original tables.
// - tierflow_events: every event of every stream (tickets and the engine's
//   log of denied commands). Identifiers and names are TEXT bound with their
//   exact bytes and compared with the BINARY collation (byte-wise, like
//   std::string); details (detail::encode_details) and the hashes are BLOBs;
//   time is INTEGER seconds since the epoch; type is the event_type number.
//   Two triggers make the table append-only in the database itself.
// - tierflow_streams: each stream's length and head hash, kept apart from the
//   events so that a truncated stream is detectable (audit verify).
// - tierflow_tickets: the latest ticket_summary of each ticket; optional
//   timestamps are NULL when absent.
// - tierflow_counters: the ticket number counter ('ticket_number', the last
//   number handed out).
constexpr std::string_view schema_1 = R"sql(CREATE TABLE tierflow_events (
  stream_id        TEXT    NOT NULL COLLATE BINARY,
  sequence         INTEGER NOT NULL CHECK (sequence >= 1),
  time             INTEGER NOT NULL,
  actor_id         TEXT    NOT NULL,
  workflow_id      TEXT    NOT NULL,
  workflow_version INTEGER NOT NULL,
  type             INTEGER NOT NULL,
  details          BLOB    NOT NULL,
  prev_hash        BLOB    NOT NULL CHECK (length(prev_hash) = 32),
  hash             BLOB    NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (stream_id, sequence)
) WITHOUT ROWID;

CREATE TRIGGER tierflow_events_no_update BEFORE UPDATE ON tierflow_events
BEGIN
  SELECT RAISE(ABORT, 'tierflow: events are append-only');
END;

CREATE TRIGGER tierflow_events_no_delete BEFORE DELETE ON tierflow_events
BEGIN
  SELECT RAISE(ABORT, 'tierflow: events are append-only');
END;

CREATE TABLE tierflow_streams (
  stream_id TEXT    NOT NULL PRIMARY KEY COLLATE BINARY,
  version   INTEGER NOT NULL CHECK (version >= 1),
  head      BLOB    NOT NULL CHECK (length(head) = 32)
) WITHOUT ROWID;

CREATE TABLE tierflow_tickets (
  ticket_id        TEXT    NOT NULL PRIMARY KEY COLLATE BINARY,
  customer_id      TEXT    NOT NULL COLLATE BINARY,
  ticket_type      TEXT    NOT NULL,
  workflow_id      TEXT    NOT NULL,
  workflow_version INTEGER NOT NULL,
  state            TEXT    NOT NULL,
  unit             TEXT    NOT NULL COLLATE BINARY,
  region           TEXT    NOT NULL COLLATE BINARY,
  owner            TEXT    NOT NULL,
  assignee         TEXT    NOT NULL,
  closed           INTEGER NOT NULL CHECK (closed IN (0, 1)),
  opened_at        INTEGER NOT NULL,
  closed_at        INTEGER,
  next_timer       INTEGER,
  nearest_due      INTEGER,
  version          INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tierflow_counters (
  name  TEXT    NOT NULL PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO tierflow_counters (name, value) VALUES ('ticket_number', 0);
)sql";

// Migration 2: the indexes the queries need (until now each query scanned
// tierflow_tickets), and tierflow_meta, which records the tierflow version
// that created the file and the one that last migrated it (for support: which
// build wrote this?). The queue index carries `nearest_due IS NULL` first so
// that tickets without a deadline sort last; it and the open-ticket index are
// partial (closed = 0), so closed tickets cost nothing there; the due index
// holds only tickets with a pending timer.
constexpr std::string_view schema_2 = R"sql(CREATE INDEX tierflow_tickets_queue
  ON tierflow_tickets (unit, region, nearest_due IS NULL, nearest_due, ticket_id)
  WHERE closed = 0;

CREATE INDEX tierflow_tickets_customer
  ON tierflow_tickets (customer_id, opened_at, ticket_id);

CREATE INDEX tierflow_tickets_due
  ON tierflow_tickets (next_timer, ticket_id)
  WHERE next_timer IS NOT NULL;

CREATE INDEX tierflow_tickets_open
  ON tierflow_tickets (ticket_id)
  WHERE closed = 0;

CREATE TABLE tierflow_meta (
  key   TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Migration 3: summary seals. Each tierflow_tickets row gets `seal`, the
// SHA-256 of its columns and its stream's head (detail::summary_seal),
// written with the row in every append and checked on every read: a row
// edited outside tierflow, or an old row put back, no longer matches. Rows
// already in the file are sealed by seal_existing_rows, from the row as it
// is and the stream's head as it is: the upgrade blesses them as they stand
// (the engine's fold cross-check and `tierflow audit verify` still compare
// them with their trails). Two triggers are a first fence against the
// casual edit — a DELETE, an UPDATE that does not raise the version (every
// append does: the summary's version is the stream's new length) — but
// whoever can write the file can drop them; the seal is the check. The
// UPDATE trigger lets the migration seal rows that have no seal yet.
constexpr std::string_view schema_3 = R"sql(ALTER TABLE tierflow_tickets ADD COLUMN seal BLOB;

CREATE TRIGGER tierflow_tickets_no_delete BEFORE DELETE ON tierflow_tickets
BEGIN
  SELECT RAISE(ABORT, 'tierflow: ticket summaries are never deleted');
END;

CREATE TRIGGER tierflow_tickets_version_rises BEFORE UPDATE ON tierflow_tickets
WHEN NEW.version <= OLD.version AND OLD.seal IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'tierflow: a ticket summary changes only with its stream (its version must rise)');
END;
)sql";

result<void> seal_existing_rows(connection& db) {
  auto rows = db.prepare(
      "SELECT t.ticket_id, t.customer_id, t.ticket_type, t.workflow_id, t.workflow_version, t.state, t.unit, "
      "t.region, t.owner, t.assignee, t.closed, t.opened_at, t.closed_at, t.next_timer, t.nearest_due, "
      "t.version, s.version, s.head FROM tierflow_tickets t "
      "LEFT JOIN tierflow_streams s ON s.stream_id = t.ticket_id");
  if (!rows) return fail(std::move(rows).error());
  auto update = db.prepare("UPDATE tierflow_tickets SET seal = ?1 WHERE ticket_id = ?2");
  if (!update) return fail(std::move(update).error());
  for (;;) {
    const auto row = rows->step();
    if (!row) return fail(row.error());
    if (!*row) return {};
    auto summary = read_summary(*rows, db.path());
    if (!summary) return fail(std::move(summary).error());
    // A summary without a stream row (no stream of that id) is sealed to
    // the empty stream's head, which is what head() reports for it.
    store::stream_head head;
    if (!rows->is_null(16)) {
      head.version = static_cast<std::uint64_t>(rows->column_int(16));
      auto h = hash_from_bytes(rows->column_bytes(17));
      if (!h) return fail(std::move(h).error().with_context("sqlite " + db.path()));
      head.head = *h;
    }
    const event_hash seal = summary_seal(*summary, head.version, head.head);
    update->reset();
    update->bind_blob(1, as_bytes(seal));
    update->bind_text(2, summary->ticket_id);
    if (auto r = update->step(); !r) return fail(r.error());
  }
}

constexpr std::array<migration, 3> all_migrations{{
    {1, "events, stream heads, ticket summaries, ticket number counter, append-only triggers",
     schema_1},
    {2, "indexes for queues, customers, due timers and open tickets; tierflow_meta", schema_2},
    {3, "summary seals bound to the stream heads; triggers against deleting or rewinding summaries",
     schema_3, seal_existing_rows},
}};

constexpr int newest = all_migrations.back().version;

result<void> record_meta(connection& db, std::int64_t from) {
  const std::string this_build = std::string("tierflow ") + version_string;
  // A file migrated from schema 1 predates tierflow_meta: say so instead of
  // guessing its creator.
  const std::string creator =
      from == 0 ? this_build : "a tierflow writing schema " + std::to_string(from);
  auto created = db.prepare(
      "INSERT INTO tierflow_meta (key, value) VALUES ('created_by', ?1) ON CONFLICT DO NOTHING");
  if (!created) return fail(std::move(created).error());
  created->bind_text(1, creator);
  if (auto r = created->step(); !r) return fail(std::move(r).error());
  if (from == 0) return {};
  auto migrated = db.prepare(
      "INSERT INTO tierflow_meta (key, value) VALUES ('migrated_by', ?1), "
      "('migrated_from_schema', ?2), ('migrated_at', datetime('now')) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!migrated) return fail(std::move(migrated).error());
  migrated->bind_text(1, this_build);
  migrated->bind_text(2, std::to_string(from));
  if (auto r = migrated->step(); !r) return fail(std::move(r).error());
  return {};
}

// The steps after BEGIN IMMEDIATE; the caller rolls back on failure.
result<void> apply(connection& db, int target) {
  const auto found = schema_of(db);
  if (!found) return fail(found.error());
  if (auto ok = check_not_newer(db, *found); !ok) return ok;
  if (*found >= target) return {};
  if (*found == 0) {
    // An unversioned file with tables of its own belongs to something else:
    // adding ours to it would mix two applications' data.
    const auto tables = db.query_int("SELECT count(*) FROM sqlite_schema");
    if (!tables) return fail(tables.error());
    if (*tables != 0) {
      return fail(errc::io_error, "sqlite " + db.path() +
                                      ": not a tierflow database (it has tables but no tierflow "
                                      "schema version)");
    }
  }
  for (const migration& m : all_migrations) {
    if (m.version <= *found || m.version > target) continue;
    auto r = db.exec(m.sql);
    if (r && m.then != nullptr) r = m.then(db);
    if (!r) {
      return fail(std::move(r).error().with_context(
          "migrating to schema " + std::to_string(m.version) + " (" + std::string(m.summary) +
          ")"));
    }
  }
  // PRAGMA takes no parameters; `target` is one of this file's constants.
  if (auto r = db.exec("PRAGMA user_version = " + std::to_string(target)); !r) return r;
  if (target >= 2) return record_meta(db, *found);
  return {};
}

}  // namespace

std::span<const migration> migrations() noexcept { return all_migrations; }

result<std::int64_t> schema_of(connection& db) { return db.query_int("PRAGMA user_version"); }

result<void> check_not_newer(const connection& db, std::int64_t found) {
  if (found > newest) {
    return fail(errc::incompatible, "sqlite " + db.path() + ": written by a newer tierflow (schema " +
                                        std::to_string(found) + ", this build reads up to " +
                                        std::to_string(newest) + ")");
  }
  if (found < 0) {
    return fail(errc::io_error, "sqlite " + db.path() + ": not a tierflow database (user_version " +
                                    std::to_string(found) + ")");
  }
  return {};
}

result<void> migrate(connection& db, int target) {
  if (target > newest) target = newest;
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) {
    return fail(std::move(r).error().with_context("migrating the schema"));
  }
  auto applied = apply(db, target);
  if (!applied) {
    // Undo every step; an error here changes nothing more (the transaction
    // is gone either way).
    (void)db.exec("ROLLBACK");
    return applied;
  }
  if (auto r = db.exec("COMMIT"); !r) {
    (void)db.exec("ROLLBACK");
    return fail(std::move(r).error().with_context("migrating the schema"));
  }
  return {};
}

}  // namespace tierflow::detail::sqlite
