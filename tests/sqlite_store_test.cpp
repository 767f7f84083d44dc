// SPDX-License-Identifier: MIT
// The SQLite store: the shared conformance suite in both durability modes,
// and what only a database file has — reopening, two handles on one file,
// WAL, schema migrations and refusal of newer files, the append-only
// triggers, read-only and missing files, a full disk, a locked database, a
// file that is not a database, group commit visibility, and the write
// path's own ways (multi-row inserts, summaries rewritten in place, the
// open group's record of its streams).
#include <barrier>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/event.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/sqlite_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/version.hpp>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/store_access.hpp"
#include "store/store_codec.hpp"
#include "store_conformance.hpp"
#include "support/scratch_db.hpp"

namespace conformance = tierflow_test::store_conformance;
namespace fs = std::filesystem;
using tierflow::durability;
using tierflow::errc;
using tierflow::event;
using tierflow::sqlite_store;
using tierflow::store_options;
using tierflow::ticket_summary;
using tierflow::detail::sqlite::connection;
using tierflow::detail::sqlite::open_flags;

namespace {

using tierflow_test::temp_dir;

store_options per_command() { return {}; }

store_options group(std::chrono::milliseconds window, std::size_t max) {
  store_options o;
  o.mode = durability::group_commit;
  o.group_window = window;
  o.group_max = max;
  return o;
}

std::unique_ptr<sqlite_store> open_ok(const std::string& path, const store_options& o = {}) {
  auto s = sqlite_store::open(path, o);
  INFO("opening ", path, ": ", s ? std::string() : s.error().message());
  REQUIRE(s);
  return std::move(*s);
}

connection raw(const std::string& path, bool read_only = false) {
  auto c = connection::open(path, open_flags{.read_only = read_only, .create = false});
  INFO("opening ", path, ": ", c ? std::string() : c.error().message());
  REQUIRE(c);
  c->busy_timeout(5000);
  return std::move(*c);
}

void exec_ok(connection& c, std::string_view sql) {
  const auto r = c.exec(sql);
  INFO(sql, ": ", r ? std::string() : r.error().message());
  REQUIRE(r);
}

/// Writes `events` of one stream and its head row as an older tierflow's
/// schema holds them (for migration tests: the events and streams tables
/// kept their columns since schema 1).
void insert_stream_rows(connection& c, const std::vector<event>& events) {
  const auto hash_bytes = [](const tierflow::event_hash& h) {
    return std::string(reinterpret_cast<const char*>(h.data()), h.size());
  };
  for (const event& e : events) {
    auto s = c.prepare("INSERT INTO tierflow_events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    REQUIRE(s);
    s->bind_text(1, e.ticket_id);
    s->bind_int(2, static_cast<std::int64_t>(e.sequence));
    s->bind_int(3, e.time.time_since_epoch().count());
    s->bind_text(4, e.actor_id);
    s->bind_text(5, e.workflow_id);
    s->bind_int(6, e.workflow_version);
    s->bind_int(7, static_cast<std::int64_t>(e.type));
    s->bind_blob(8, tierflow::detail::encode_details(e.details));
    s->bind_blob(9, hash_bytes(e.prev_hash));
    s->bind_blob(10, hash_bytes(e.hash));
    REQUIRE(s->step());
  }
  auto head = c.prepare("INSERT INTO tierflow_streams VALUES (?1, ?2, ?3)");
  REQUIRE(head);
  head->bind_text(1, events.back().ticket_id);
  head->bind_int(2, static_cast<std::int64_t>(events.back().sequence));
  head->bind_blob(3, hash_bytes(events.back().hash));
  REQUIRE(head->step());
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string message_of(const tierflow::result<void>& r) { return r ? "" : r.error().message(); }

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

/// Appends `n` events with a detail of `bytes` bytes (to need new pages),
/// with `summary` (its version set to the stream's new length) when given.
tierflow::result<void> append_big(tierflow::store& st, std::string_view id, std::size_t bytes,
                                  std::size_t n = 1, ticket_summary summary = {}) {
  const auto h = st.head(id);
  REQUIRE(h);
  std::vector<event> batch = conformance::draft(id, h->version, n);
  batch.back().details.emplace_back("body", std::string(bytes, 'x'));
  tierflow::seal(batch, h->head);
  summary.version = h->version + n;
  return st.append({.ticket_id = id,
                    .expected_version = h->version,
                    .events = batch,
                    .summary = summary.ticket_id.empty() ? nullptr : &summary});
}

}  // namespace

// --- conformance -------------------------------------------------------------------------

TEST_CASE("store.sqlite.conformance.per_command") {
  const temp_dir dir("tierflow_sqlite");
  int n = 0;
  conformance::run_store_conformance([&]() -> std::unique_ptr<tierflow::store> {
    return open_ok(dir.file("store" + std::to_string(++n) + ".db"), per_command());
  });
}

TEST_CASE("store.sqlite.conformance.group_commit") {
  const temp_dir dir("tierflow_sqlite");
  int n = 0;
  conformance::run_store_conformance([&]() -> std::unique_ptr<tierflow::store> {
    return open_ok(dir.file("store" + std::to_string(++n) + ".db"),
                   group(std::chrono::milliseconds{20}, 512));
  });
}

TEST_CASE("store.sqlite.conformance.group_commit_committing_by_size") {
  // A window no test reaches: only group_max (3) and flush commit, so
  // commits land in the middle of the suite's sequences.
  const temp_dir dir("tierflow_sqlite");
  int n = 0;
  conformance::run_store_conformance([&]() -> std::unique_ptr<tierflow::store> {
    return open_ok(dir.file("store" + std::to_string(++n) + ".db"), group(std::chrono::hours{1}, 3));
  });
}

// --- files ---------------------------------------------------------------------------------

TEST_CASE("store.sqlite.reopening_returns_everything") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  for (const store_options& o :
       {per_command(), group(std::chrono::hours{1}, 1000), group(std::chrono::hours{1}, 2)}) {
    CAPTURE(static_cast<int>(o.mode));
    CAPTURE(o.group_max);
    fs::remove(path);
    ticket_summary t1 = conformance::ticket("T1");
    t1.nearest_due = conformance::at(11);
    t1.next_timer = conformance::at(10);
    std::vector<event> events;
    std::uint64_t number = 0;
    {
      auto st = open_ok(path, o);
      conformance::save(*st, t1);
      conformance::save(*st, t1);
      REQUIRE(conformance::append_next(*st, "log", 3));
      number = st->next_ticket_number().value();
      t1.version = 4;
      REQUIRE(conformance::append_next(*st, "T1", 2, &t1));  // after the number: a new group
      events = st->load("T1").value();
      REQUIRE(events.size() == 4);
      // Destroyed here with (in group mode) an open group: the destructor
      // commits it.
    }
    auto st = open_ok(path, o);
    conformance::check_stream(*st, "T1", events);
    CHECK(st->load("log").value().size() == 3);
    CHECK(st->summary("T1").value() == t1);
    CHECK(conformance::ids(st->queue("service_centre", "north")) == "T1");
    CHECK(conformance::ids(st->due(conformance::at(10), 10)) == "T1");
    CHECK(*st->streams() == std::vector<std::string>{"T1", "log"});
    // Numbers continue after the reopen: none handed out twice.
    CHECK(st->next_ticket_number().value() == number + 1);
  }
}

TEST_CASE("store.sqlite.two_handles_on_one_file") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto a = open_ok(path);
  auto b = open_ok(path);
  CHECK(a->shared());

  ticket_summary t1 = conformance::ticket("T1");
  conformance::save(*a, t1);
  CHECK(b->summary("T1").value() == t1);
  CHECK(b->load("T1").value() == a->load("T1").value());

  // Both build on version 1: the first to append wins, the other conflicts.
  const auto h = b->head("T1").value();
  const std::vector<event> from_a = conformance::sealed("T1", h.version, h.head, 1, "a");
  const std::vector<event> from_b = conformance::sealed("T1", h.version, h.head, 1, "b");
  t1.version = 2;
  REQUIRE(a->append({.ticket_id = "T1", .expected_version = 1, .events = from_a, .summary = &t1}));
  CHECK(conformance::outcome(b->append(
            {.ticket_id = "T1", .expected_version = 1, .events = from_b, .summary = &t1})) == "conflict");
  CHECK(b->summary("T1").value() == t1);
  CHECK(b->load("T1").value().back().actor_id == "a");

  // Ticket numbers are unique across handles.
  const auto na = a->next_ticket_number().value();
  const auto nb = b->next_ticket_number().value();
  CHECK(na != nb);

  // Real races, one thread per handle: exactly one winner per round.
  constexpr std::size_t rounds = 30;
  std::vector<int> wins(rounds, 0), conflicts(rounds, 0), other(rounds, 0);
  std::barrier sync(2);
  {
    std::vector<std::jthread> workers;
    for (sqlite_store* st : {a.get(), b.get()}) {
      workers.emplace_back([&, st] {
        for (std::size_t round = 0; round < rounds; ++round) {
          sync.arrive_and_wait();
          const auto head = st->head("race");
          sync.arrive_and_wait();
          if (!head || head->version != round) {
            sync.arrive_and_wait();
            continue;
          }
          const auto batch = conformance::sealed("race", head->version, head->head, 1);
          const auto r =
              st->append({.ticket_id = "race", .expected_version = head->version, .events = batch});
          sync.arrive_and_wait();  // both results are in before the counts are touched
          static std::mutex counts;
          const std::lock_guard lock(counts);
          if (r) {
            ++wins[round];
          } else if (r.error().code() == errc::conflict) {
            ++conflicts[round];
          } else {
            ++other[round];
          }
        }
      });
    }
  }
  for (std::size_t round = 0; round < rounds; ++round) {
    CAPTURE(round);
    CHECK(wins[round] == 1);
    CHECK(conflicts[round] == 1);
    CHECK(other[round] == 0);
  }
  const auto loaded = a->load("race").value();
  CHECK(loaded.size() == rounds);
  CHECK(tierflow::verify(loaded, b->head("race").value().head));
}

TEST_CASE("store.sqlite.wal_mode_and_synchronous_full") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto st = open_ok(path);
  CHECK(tierflow::detail::sqlite_store_access::query_int(*st, "PRAGMA synchronous").value() == 2);
  connection c = raw(path);
  CHECK(c.query_text("PRAGMA journal_mode").value() == "wal");
  CHECK(fs::exists(path + "-wal"));
}

// --- schema ----------------------------------------------------------------------------------

TEST_CASE("store.sqlite.a_new_file_gets_the_newest_schema") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  { auto st = open_ok(path); }
  connection c = raw(path);
  CHECK(c.query_int("PRAGMA user_version").value() == sqlite_store::schema_version);
  CHECK(tierflow::detail::sqlite::migrations().back().version == sqlite_store::schema_version);
  CHECK(c.query_text("SELECT value FROM tierflow_meta WHERE key = 'created_by'").value() ==
        std::string("tierflow ") + tierflow::version_string);
  CHECK(c.query_int("SELECT count(*) FROM tierflow_meta WHERE key = 'migrated_by'").value() == 0);
}

TEST_CASE("store.sqlite.a_stream_s_events_are_stored_together_in_key_order") {
  // The events table is clustered by (stream, sequence), WITHOUT ROWID as
  // schema 1 made it: a stream's events lie together whatever order the
  // streams were written in, so a trail (restore, audit, the engine's
  // reload of an idle ticket) is read from neighbouring pages, and its load
  // walks the table's own key, with no index to hop through and no sort.
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto st = open_ok(path);
  // Interleaved: T1, T2, T1, T0 (a stream that sorts first, written last).
  REQUIRE(conformance::append_next(*st, "T1", 2));
  REQUIRE(conformance::append_next(*st, "T2", 1));
  REQUIRE(conformance::append_next(*st, "T1", 1));
  REQUIRE(conformance::append_next(*st, "T0", 1));
  connection c = raw(path);
  const std::string table =
      c.query_text("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'tierflow_events'").value();
  CHECK(contains(table, "PRIMARY KEY (stream_id, sequence)"));
  CHECK(contains(table, "WITHOUT ROWID"));
  // A table scan (hash is in no index, so nothing but the table answers)
  // meets the rows in storage order: by key, not by the order written.
  auto scan = c.prepare("SELECT stream_id || '/' || sequence, length(hash) FROM tierflow_events");
  REQUIRE(scan);
  std::string order;
  while (scan->step().value()) order += std::string(scan->column_bytes(0)) + " ";
  CHECK(order == "T0/1 T1/1 T1/2 T1/3 T2/1 ");
  // The store's load: a search of the table's key, in order.
  auto plan = c.prepare(
      "EXPLAIN QUERY PLAN SELECT sequence, time, actor_id, workflow_id, workflow_version, type, details, "
      "prev_hash, hash FROM tierflow_events WHERE stream_id = 'T1' ORDER BY sequence");
  REQUIRE(plan);
  std::string details;
  while (plan->step().value()) details += std::string(plan->column_bytes(3)) + "\n";
  CAPTURE(details);
  CHECK(contains(details, "SEARCH tierflow_events USING PRIMARY KEY (stream_id=?)"));
  CHECK_FALSE(contains(details, "TEMP B-TREE"));
  CHECK_FALSE(contains(details, "autoindex"));
  CHECK(c.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'tierflow_events'")
            .value() == 0);
}

TEST_CASE("store.sqlite.a_schema_1_file_is_migrated_with_its_data_intact") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("v1.db");

  // The v1 SQL as released; migration 1 must never drift from it, since
  // files in the field were made by it.
  const std::string v1 = file_bytes(std::string(TIERFLOW_SOURCE_DIR) + "/tests/data/sqlite/schema_v1.sql");
  REQUIRE(tierflow::detail::sqlite::migrations().size() >= 2);
  CHECK(tierflow::detail::sqlite::migrations()[0].sql == v1);

  // A file as a schema-1 tierflow left it: its tables, and rows written as
  // that tierflow wrote them (TEXT ids, details via encode_details, 32-byte
  // hash BLOBs, INTEGER seconds and types, NULL for absent timestamps).
  std::vector<event> events = conformance::draft("T1", 0, 3);
  events[1].details.emplace_back("nul", std::string("a\0b", 3));
  tierflow::seal(events, {});
  ticket_summary t1 = conformance::ticket("T1");
  t1.version = 3;
  t1.next_timer = conformance::at(10);
  {
    auto made = connection::open(path, open_flags{.create = true});
    REQUIRE(made);
    exec_ok(*made, v1);
    exec_ok(*made, "PRAGMA user_version = 1");
    exec_ok(*made, "UPDATE tierflow_counters SET value = 7 WHERE name = 'ticket_number'");
    insert_stream_rows(*made, events);
    exec_ok(*made,
            "INSERT INTO tierflow_tickets VALUES ('T1', 'C1', 'complaint', 'complaint', 3, 'new', "
            "'service_centre', 'north', 'csr_01', '', 0, 1795507200, NULL, 1795514400, NULL, 3)");
  }
  REQUIRE(t1.opened_at.time_since_epoch().count() == 1795507200);
  REQUIRE(t1.next_timer->time_since_epoch().count() == 1795514400);

  {
    // Read-only: no migration, and schema 1 still reads.
    store_options ro;
    ro.read_only = true;
    auto st = open_ok(path, ro);
    CHECK(st->load("T1").value() == events);
    CHECK(raw(path, true).query_int("PRAGMA user_version").value() == 1);
  }

  auto st = open_ok(path);
  conformance::check_stream(*st, "T1", events);
  CHECK(st->summary("T1").value() == t1);
  CHECK(conformance::ids(st->due(conformance::at(10), 10)) == "T1");
  CHECK(st->next_ticket_number().value() == 8);

  connection c = raw(path);
  CHECK(c.query_int("PRAGMA user_version").value() == sqlite_store::schema_version);
  for (const char* index : {"tierflow_tickets_queue", "tierflow_tickets_customer",
                            "tierflow_tickets_due", "tierflow_tickets_open"}) {
    CAPTURE(index);
    auto q = c.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = ?1");
    REQUIRE(q);
    q->bind_text(1, index);
    REQUIRE(q->step().value());
    CHECK(q->column_int(0) == 1);
  }
  CHECK(c.query_text("SELECT value FROM tierflow_meta WHERE key = 'migrated_by'").value() ==
        std::string("tierflow ") + tierflow::version_string);
  CHECK(c.query_text("SELECT value FROM tierflow_meta WHERE key = 'migrated_from_schema'").value() ==
        "1");
  CHECK(c.query_text("SELECT value FROM tierflow_meta WHERE key = 'created_by'").value() ==
        "a tierflow writing schema 1");
  // The queue query uses the new index.
  {
    auto plan = c.prepare(
        "EXPLAIN QUERY PLAN SELECT ticket_id FROM tierflow_tickets WHERE closed = 0 AND unit = 'a' "
        "AND region = 'b' ORDER BY nearest_due IS NULL, nearest_due, ticket_id");
    REQUIRE(plan);
    std::string details;
    while (plan->step().value()) details += std::string(plan->column_bytes(3)) + "\n";
    CAPTURE(details);
    CHECK(contains(details, "tierflow_tickets_queue"));
    CHECK_FALSE(contains(details, "TEMP B-TREE"));  // no sort: the index gives the order
  }

  // Appends continue the old chain.
  t1.state = "in_progress";
  conformance::save(*st, t1);
  const auto loaded = st->load("T1").value();
  CHECK(loaded.size() == 4);
  CHECK(tierflow::verify(loaded, st->head("T1").value().head));
}

TEST_CASE("store.sqlite.a_migration_that_fails_leaves_the_file_as_it_was") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("v1.db");
  {
    auto made = connection::open(path, open_flags{.create = true});
    REQUIRE(made);
    exec_ok(*made, tierflow::detail::sqlite::migrations()[0].sql);
    exec_ok(*made, "PRAGMA user_version = 1");
    // Something of the same name that migration 2 creates, after its indexes.
    exec_ok(*made, "CREATE TABLE tierflow_meta (x)");
  }
  const auto r = sqlite_store::open(path);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::io_error);
  CHECK(contains(r.error().message(), "migrating to schema 2"));
  connection c = raw(path);
  CHECK(c.query_int("PRAGMA user_version").value() == 1);
  // The indexes made before the failing statement were rolled back too.
  CHECK(c.query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE "
                    "'tierflow_tickets_%'")
            .value() == 0);
}

TEST_CASE("store.sqlite.a_file_from_a_newer_tierflow_is_refused_and_left_untouched") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("new.db");
  {
    auto made = connection::open(path, open_flags{.create = true});
    REQUIRE(made);
    exec_ok(*made, "CREATE TABLE tierflow_events (x); PRAGMA user_version = 99");
  }
  const std::string before = file_bytes(path);
  for (const bool read_only : {false, true}) {
    CAPTURE(read_only);
    store_options o;
    o.read_only = read_only;
    const auto r = sqlite_store::open(path, o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::incompatible);
    CHECK(contains(r.error().message(), "written by a newer tierflow (schema 99, this build reads up to " +
                                            std::to_string(sqlite_store::schema_version) + ")"));
    CHECK(contains(r.error().message(), path));
  }
  CHECK(file_bytes(path) == before);
  CHECK_FALSE(fs::exists(path + "-wal"));
  CHECK(raw(path).query_text("PRAGMA journal_mode").value() == "delete");
}

TEST_CASE("store.sqlite.an_unversioned_database_of_something_else_is_not_taken_over") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("other.db");
  {
    auto made = connection::open(path, open_flags{.create = true});
    REQUIRE(made);
    exec_ok(*made, "CREATE TABLE customers (id)");
  }
  const auto r = sqlite_store::open(path);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::io_error);
  CHECK(contains(r.error().message(), "not a tierflow database"));
  CHECK(raw(path).query_int("SELECT count(*) FROM sqlite_schema").value() == 1);
}

// --- append-only -------------------------------------------------------------------------------

TEST_CASE("store.sqlite.events_are_append_only_in_the_database_itself") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto st = open_ok(path);
  REQUIRE(conformance::append_next(*st, "T1", 3));
  const std::vector<event> original = st->load("T1").value();

  connection c = raw(path);
  for (const char* sql : {"UPDATE tierflow_events SET actor_id = 'mallory' WHERE sequence = 2",
                          "DELETE FROM tierflow_events WHERE sequence = 3",
                          "DELETE FROM tierflow_events"}) {
    CAPTURE(sql);
    const auto r = c.exec(sql);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::io_error);
    CHECK(contains(r.error().message(), "tierflow: events are append-only"));
  }
  CHECK(st->load("T1").value() == original);

  // Someone with the file drops the triggers and edits an event: the hash
  // chain shows it.
  exec_ok(c, "DROP TRIGGER tierflow_events_no_update; DROP TRIGGER tierflow_events_no_delete");
  tierflow::event_details forged = original[1].details;
  forged.back().second = "nothing happened";
  auto edit =
      c.prepare("UPDATE tierflow_events SET details = ?1 WHERE stream_id = 'T1' AND sequence = 2");
  REQUIRE(edit);
  edit->bind_blob(1, tierflow::detail::encode_details(forged));
  REQUIRE(edit->step());

  const auto tampered = st->load("T1").value();
  REQUIRE(tampered.size() == 3);
  CHECK(tampered[1].details == forged);
  const auto tampered_head = st->head("T1").value().head;
  CHECK_FALSE(tierflow::verify(tampered, tampered_head));
  const auto verdict = tierflow::first_break(tampered, tampered_head);
  REQUIRE(verdict);
  CHECK(verdict->sequence == 2);
  CHECK(verdict->reason == tierflow::chain_break::edited);
}

// --- failures -----------------------------------------------------------------------------------

TEST_CASE("store.sqlite.a_missing_file_with_create_false") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("missing.db");
  store_options o;
  o.create = false;
  const auto r = sqlite_store::open(path, o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::io_error);
  CHECK(contains(r.error().message(), "no such database file"));
  CHECK(contains(r.error().message(), path));
  CHECK_FALSE(fs::exists(path));
  o.read_only = true;
  CHECK(conformance::outcome(sqlite_store::open(path, o)) == "io_error");
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("store.sqlite.read_only") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  ticket_summary t1 = conformance::ticket("T1");
  {
    auto st = open_ok(path);
    conformance::save(*st, t1);
  }
  store_options ro;
  ro.read_only = true;
  {
    auto st = open_ok(path, ro);
    CHECK(st->summary("T1").value() == t1);
    CHECK(st->load("T1").value().size() == 1);
    const auto r = conformance::append_next(*st, "T1", 1);
    CHECK(conformance::outcome(r) == "io_error");
    CHECK(contains(message_of(r), "read-only"));
    CHECK(conformance::outcome(st->next_ticket_number()) == "io_error");
    CHECK(st->flush());
    CHECK(st->head("T1").value().version == 1);
  }
  // SQLite's own read-only mode refuses writes too, whatever the SQL.
  {
    connection c = raw(path, true);
    const auto r = c.exec("UPDATE tierflow_counters SET value = 100");
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message(), "readonly"));
  }
  // A read-only open of an empty file has nothing to read (and creates nothing).
  const std::string empty = dir.file("empty.db");
  { std::ofstream{empty}; }
  const auto none = sqlite_store::open(empty, ro);
  REQUIRE_FALSE(none);
  CHECK(none.error().code() == errc::io_error);
  CHECK(contains(none.error().message(), "no tierflow schema"));
  CHECK(fs::file_size(empty) == 0);

  // File permissions: root writes through 0444, so this only means
  // something for other users (the read_only option above covers root).
  if (::geteuid() != 0) {
    fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    fs::remove(path + "-wal");
    fs::remove(path + "-shm");
    const auto rw = sqlite_store::open(path);
    if (rw) {
      CHECK(conformance::outcome(conformance::append_next(**rw, "T1", 1)) == "io_error");
    } else {
      CHECK(rw.error().code() == errc::io_error);
    }
    fs::permissions(path, fs::perms::owner_all);
  }
}

TEST_CASE("store.sqlite.a_full_disk_fails_the_append_whole_and_the_store_recovers") {
  using access = tierflow::detail::sqlite_store_access;
  const temp_dir dir("tierflow_sqlite");
  for (const store_options& o : {per_command(), group(std::chrono::hours{1}, 1000)}) {
    const bool grouped = o.mode == durability::group_commit;
    CAPTURE(grouped);
    const std::string path = dir.file(grouped ? "gc.db" : "pc.db");
    auto st = open_ok(path, o);
    ticket_summary t1 = conformance::ticket("T1");
    conformance::save(*st, t1);
    REQUIRE(st->flush());
    const auto committed = st->load("T1").value();
    const ticket_summary committed_summary = t1;
    // In group mode this small command waits in the open group.
    t1.state = "in_progress";
    conformance::save(*st, t1);
    const auto before = st->load("T1").value();
    REQUIRE(before.size() == 2);

    // No page beyond those in use: the next append that needs pages fails.
    const std::int64_t pages = access::query_int(*st, "PRAGMA page_count").value();
    REQUIRE(access::exec(*st, "PRAGMA max_page_count = " + std::to_string(pages)));
    // Three events: the first two rows fit, the third's 300 KB do not. The
    // store writes them in one multi-row INSERT, which SQLite runs with a
    // statement journal: a disk-full error undoes that statement alone, and
    // the command's savepoint (group_commit) or transaction (per_command)
    // the rest. The command goes whole, and nothing else: in group mode the
    // open group's earlier, acknowledged command stays.
    const auto r = append_big(*st, "T1", 300'000, 3, t1);
    REQUIRE_FALSE(r);
    INFO(r.error().message());
    CHECK(r.error().code() == errc::io_error);
    CHECK(contains(r.error().message(), "full"));
    CHECK(contains(r.error().message(), path));
    CHECK_FALSE(contains(r.error().message(), "rolled back"));
    conformance::check_stream(*st, "T1", before);
    CHECK(st->summary("T1").value() == t1);
    if (grouped) {
      // One event of 300 KB: a one-row INSERT has no statement journal, and
      // SQLite undoes the whole transaction after a disk-full error in such
      // a statement: the open group's earlier, acknowledged command goes
      // with it — the documented group_commit risk — and the error says so.
      // Nothing partial stays.
      const auto alone = append_big(*st, "T1", 300'000, 1, t1);
      REQUIRE_FALSE(alone);
      INFO(alone.error().message());
      CHECK(alone.error().code() == errc::io_error);
      CHECK(contains(alone.error().message(), "full"));
      CHECK(contains(alone.error().message(), "1 earlier acknowledged commands were rolled back"));
      conformance::check_stream(*st, "T1", committed);
      CHECK(st->summary("T1").value() == committed_summary);
    }

    REQUIRE(access::exec(*st, "PRAGMA max_page_count = 1073741823"));
    REQUIRE(append_big(*st, "T1", 300'000, 3, t1));
    REQUIRE(st->flush());
    const auto after = st->load("T1").value();
    const auto& kept = grouped ? committed : before;
    CHECK(after.size() == kept.size() + 3);
    CHECK(std::equal(kept.begin(), kept.end(), after.begin()));
    CHECK(tierflow::verify(after, st->head("T1").value().head));
    // Another handle sees exactly that.
    auto other = open_ok(path);
    CHECK(other->load("T1").value() == after);
  }
}

TEST_CASE("store.sqlite.a_locked_database_fails_after_the_busy_timeout_then_works") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  store_options o;
  o.busy_timeout = std::chrono::milliseconds{50};
  auto st = open_ok(path, o);
  REQUIRE(conformance::append_next(*st, "T1", 1));

  connection locker = raw(path);
  exec_ok(locker, "BEGIN EXCLUSIVE");
  const auto r = conformance::append_next(*st, "T1", 1);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::io_error);
  CHECK((contains(r.error().message(), "locked") || contains(r.error().message(), "busy")));
  CHECK(conformance::outcome(st->next_ticket_number()) == "io_error");
  // Readers are not blocked in WAL mode.
  CHECK(st->head("T1").value().version == 1);
  exec_ok(locker, "ROLLBACK");

  REQUIRE(conformance::append_next(*st, "T1", 1));
  CHECK(st->head("T1").value().version == 2);
  CHECK(st->next_ticket_number());
}

TEST_CASE("store.sqlite.a_file_that_is_not_a_database") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("garbage.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 200; ++i) out << "this is not a database, just text\n";
  }
  const std::string before = file_bytes(path);
  for (const bool read_only : {false, true}) {
    CAPTURE(read_only);
    store_options o;
    o.read_only = read_only;
    const auto r = sqlite_store::open(path, o);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::io_error);
    CHECK(contains(r.error().message(), "not a database"));
    CHECK(contains(r.error().message(), path));
  }
  CHECK(file_bytes(path) == before);
}

TEST_CASE("store.sqlite.group_max_0_is_refused") {
  const temp_dir dir("tierflow_sqlite");
  CHECK(conformance::outcome(sqlite_store::open(dir.file("t.db"), group(std::chrono::hours{1}, 0))) ==
        "invalid_argument");
}

// --- group commit --------------------------------------------------------------------------------

TEST_CASE("store.sqlite.group_commit_visibility") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto reader = open_ok(path);
  {
    // A window no test reaches: nothing commits but flush, size, destructor.
    auto writer = open_ok(path, group(std::chrono::hours{1}, 3));
    ticket_summary t1 = conformance::ticket("T1");
    conformance::save(*writer, t1);
    // The writer sees its own group at once; another handle does not.
    CHECK(writer->head("T1").value().version == 1);
    CHECK(writer->summary("T1").value() == t1);
    CHECK(reader->head("T1").value().version == 0);
    CHECK(conformance::outcome(reader->summary("T1")) == "not_found");

    REQUIRE(writer->flush());
    CHECK(reader->head("T1").value().version == 1);
    CHECK(reader->summary("T1").value() == t1);
    REQUIRE(writer->flush());  // nothing open: a no-op

    // group_max (3) commands commit the group without a flush.
    REQUIRE(conformance::append_next(*writer, "T2", 1));
    REQUIRE(conformance::append_next(*writer, "T2", 1));
    CHECK(reader->head("T2").value().version == 0);
    REQUIRE(conformance::append_next(*writer, "T2", 1));
    CHECK(reader->head("T2").value().version == 3);

    // A refused command does not count, nor leave anything.
    REQUIRE(conformance::append_next(*writer, "T3", 1));
    const auto stale = conformance::sealed("T3", 0, {}, 1);
    CHECK(conformance::outcome(writer->append({.ticket_id = "T3", .expected_version = 0, .events = stale})) ==
          "conflict");
    CHECK(writer->head("T3").value().version == 1);
    CHECK(reader->head("T3").value().version == 0);
    // The destructor commits the open group.
  }
  CHECK(reader->head("T3").value().version == 1);
  CHECK(reader->load("T3").value().size() == 1);
}

TEST_CASE("store.sqlite.group_commit_ticket_numbers_ride_in_the_group") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  store_options impatient;
  impatient.busy_timeout = std::chrono::milliseconds{0};
  auto other = open_ok(path, impatient);
  {
    // A window no test reaches: nothing commits but flush and the destructor.
    auto writer = open_ok(path, group(std::chrono::hours{1}, 100));
    CHECK(writer->next_ticket_number().value() == 1);
    ticket_summary t1 = conformance::ticket("T1");
    conformance::save(*writer, t1);
    CHECK(writer->next_ticket_number().value() == 2);
    // The number opened no transaction of its own: the group (which holds
    // the write lock) has it, so another handle cannot take one meanwhile.
    CHECK(conformance::outcome(other->next_ticket_number()) == "io_error");
    CHECK(other->head("T1").value().version == 0);
    REQUIRE(writer->flush());
    CHECK(other->head("T1").value().version == 1);
    CHECK(other->next_ticket_number().value() == 3);
    // A number taken with nothing appended after it opens a group too; the
    // destructor commits it, so the number is not handed out again.
    CHECK(writer->next_ticket_number().value() == 4);
  }
  CHECK(other->next_ticket_number().value() == 5);
}

TEST_CASE("store.sqlite.the_group_window_commits_without_flush") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto reader = open_ok(path);
  auto writer = open_ok(path, group(std::chrono::milliseconds{5}, 1000));
  REQUIRE(conformance::append_next(*writer, "T1", 1));
  // Awaited by polling another handle, bounded: the committer thread runs
  // on its own clock, which is what this checks.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (reader->head("T1").value().version == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::yield();
  }
  CHECK(reader->head("T1").value().version == 1);
}

// --- summary seals (schema 3) -----------------------------------------------------------

namespace {

/// Two tickets of customer C1 in the service centre's north queue, both
/// with a timer due at 10:00.
void two_tickets(tierflow::store& st, ticket_summary& t1, ticket_summary& t2) {
  t1 = conformance::ticket("T1");
  t2 = conformance::ticket("T2");
  t1.next_timer = conformance::at(10);
  t2.next_timer = conformance::at(10);
  conformance::save(st, t1);
  conformance::save(st, t2);
}

constexpr std::string_view forged_t1 = "the summary row of T1 does not match its trail: edited outside tierflow";

/// T1 is reported as forged by summary() and left out of every index read;
/// T2 is untouched.
void t1_is_caught(const tierflow::store& st, const ticket_summary& t2) {
  const auto s = st.summary("T1");
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == errc::data_loss);
  CHECK(s.error().message() == forged_t1);
  CHECK(conformance::ids(st.queue("service_centre", "north")) == "T2");
  CHECK(conformance::ids(st.queue("service_centre", "south")).empty());
  CHECK(conformance::ids(st.customer_tickets("C1")) == "T2");
  CHECK(conformance::ids(st.customer_tickets("C9")).empty());
  CHECK(conformance::ids(st.open_tickets()) == "T2");
  // A forged row takes no place in the limit: the one due ticket that is
  // real comes first.
  CHECK(conformance::ids(st.due(conformance::at(10), 1)) == "T2");
  CHECK(st.summary("T2").value() == t2);
  // The trail itself is intact: the row is what was edited.
  CHECK(tierflow::verify(st.load("T1").value(), st.head("T1").value().head));
}

std::string hash_bytes(const tierflow::event_hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

}  // namespace

TEST_CASE("store.sqlite.a_summary_row_edited_outside_tierflow_is_data_loss_and_left_out_of_the_indexes") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto st = open_ok(path);
  ticket_summary t1, t2;
  two_tickets(*st, t1, t2);
  connection c = raw(path);

  // The triggers, a first fence: no DELETE, no UPDATE that leaves the
  // version where it was.
  for (const auto& attempt :
       {std::pair{"UPDATE tierflow_tickets SET owner = 'mallory' WHERE ticket_id = 'T1'",
                  "a ticket summary changes only with its stream"},
        std::pair{"DELETE FROM tierflow_tickets WHERE ticket_id = 'T1'", "ticket summaries are never deleted"}}) {
    // No structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    const auto& [sql_text, message] = attempt;
    const char* const sql = sql_text;
    CAPTURE(sql);
    const auto r = c.exec(sql);
    REQUIRE_FALSE(r);
    CHECK(contains(r.error().message(), message));
  }
  CHECK(st->summary("T1").value() == t1);

  SUBCASE("another owner, the version raised past the trigger") {
    exec_ok(c, "UPDATE tierflow_tickets SET owner = 'mallory', version = version + 1 WHERE ticket_id = 'T1'");
    t1_is_caught(*st, t2);
  }
  SUBCASE("moved to another queue and another customer, the triggers dropped") {
    exec_ok(c, "DROP TRIGGER tierflow_tickets_version_rises");
    exec_ok(c, "UPDATE tierflow_tickets SET region = 'south', customer_id = 'C9' WHERE ticket_id = 'T1'");
    t1_is_caught(*st, t2);
  }
  SUBCASE("the seal removed") {
    exec_ok(c, "DROP TRIGGER tierflow_tickets_version_rises");
    exec_ok(c, "UPDATE tierflow_tickets SET seal = NULL WHERE ticket_id = 'T1'");
    t1_is_caught(*st, t2);
  }
  SUBCASE("an old row put back, with its seal, after the stream moved on") {
    // T1 as it was at version 1 (in the north queue), then T1 moves south.
    auto old = c.prepare("SELECT seal FROM tierflow_tickets WHERE ticket_id = 'T1'");
    REQUIRE(old);
    REQUIRE(old->step().value());
    const std::string old_seal(old->column_bytes(0));
    old->reset();
    ticket_summary moved = t1;
    moved.region = "south";
    conformance::save(*st, moved);
    CHECK(conformance::ids(st->queue("service_centre", "south")) == "T1");
    exec_ok(c, "DROP TRIGGER tierflow_tickets_version_rises");
    auto put_back =
        c.prepare("UPDATE tierflow_tickets SET region = 'north', version = 1, seal = ?1 WHERE ticket_id = 'T1'");
    REQUIRE(put_back);
    put_back->bind_blob(1, old_seal);
    REQUIRE(put_back->step());
    t1_is_caught(*st, t2);
  }
  SUBCASE("a recomputed seal bound to a stale head") {
    const auto stale = st->head("T1").value();
    t1.state = "in_progress";
    conformance::save(*st, t1);  // the stream moves on to version 2
    ticket_summary forged = t1;
    forged.owner = "mallory";
    auto edit = c.prepare("UPDATE tierflow_tickets SET owner = 'mallory', version = version + 1, seal = ?1 "
                          "WHERE ticket_id = 'T1'");
    REQUIRE(edit);
    forged.version = 3;
    edit->bind_blob(1, hash_bytes(tierflow::detail::summary_seal(forged, stale.version, stale.head)));
    REQUIRE(edit->step());
    t1_is_caught(*st, t2);
    // The limit of an unkeyed seal, said plainly: recomputed for the
    // current head it passes here; the engine's fold cross-check and the
    // signed checkpoints are what catch that forger.
    const auto now = st->head("T1").value();
    edit->reset();
    exec_ok(c, "DROP TRIGGER tierflow_tickets_version_rises");
    auto current = c.prepare("UPDATE tierflow_tickets SET seal = ?1 WHERE ticket_id = 'T1'");
    REQUIRE(current);
    current->bind_blob(1, hash_bytes(tierflow::detail::summary_seal(forged, now.version, now.head)));
    REQUIRE(current->step());
    CHECK(st->summary("T1").value() == forged);
  }
  // tierflow's own next append seals the ticket's row afresh.
  exec_ok(c, "DROP TRIGGER IF EXISTS tierflow_tickets_version_rises");
  ticket_summary next = t1;
  next.state = "next";
  next.region = "north";
  conformance::save(*st, next);
  CHECK(st->summary("T1").value() == next);
}

TEST_CASE("store.sqlite.a_schema_2_file_is_sealed_at_migration_and_read_unsealed_when_read_only") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("v2.db");
  // A file as a schema-2 tierflow left it: the old DDL (migrations 1 and 2
  // as released), written by this build's store code paths for events and
  // heads, and a summary row without a seal.
  std::vector<event> events = conformance::sealed("T1", 0, {}, 2);
  ticket_summary t1 = conformance::ticket("T1");
  t1.version = 2;
  t1.next_timer = conformance::at(10);
  {
    auto made = connection::open(path, open_flags{.create = true});
    REQUIRE(made);
    exec_ok(*made, tierflow::detail::sqlite::migrations()[0].sql);
    exec_ok(*made, tierflow::detail::sqlite::migrations()[1].sql);
    exec_ok(*made, "PRAGMA user_version = 2");
    insert_stream_rows(*made, events);
    exec_ok(*made,
            "INSERT INTO tierflow_tickets VALUES ('T1', 'C1', 'complaint', 'complaint', 3, 'new', "
            "'service_centre', 'north', 'csr_01', '', 0, 1795507200, NULL, 1795514400, NULL, 2)");
    // A row with no stream at all, still a summary the file holds.
    exec_ok(*made,
            "INSERT INTO tierflow_tickets VALUES ('T9', 'C1', 'complaint', 'complaint', 3, 'new', "
            "'service_centre', 'north', 'csr_01', '', 0, 1795507200, NULL, NULL, NULL, 0)");
  }
  ticket_summary t9 = conformance::ticket("T9");

  {
    // Read-only (an audit of an old file): opened, nothing written, and
    // the rows are returned as the file holds them, unverified.
    store_options ro;
    ro.read_only = true;
    auto st = open_ok(path, ro);
    CHECK(st->summary("T1").value() == t1);
    CHECK(st->summary("T9").value() == t9);
    CHECK(conformance::ids(st->queue("service_centre", "north")) == "T1,T9");
    CHECK(conformance::ids(st->due(conformance::at(10), 10)) == "T1");
    CHECK(raw(path, true).query_int("PRAGMA user_version").value() == 2);
  }

  {
    // The upgrade seals each row as it stands, against its stream's head
    // as it stands: it blesses them.
    auto st = open_ok(path);
    CHECK(st->summary("T1").value() == t1);
    CHECK(st->summary("T9").value() == t9);
    CHECK(conformance::ids(st->queue("service_centre", "north")) == "T1,T9");
    connection c = raw(path);
    CHECK(c.query_int("PRAGMA user_version").value() == sqlite_store::schema_version);
    CHECK(c.query_int("SELECT count(*) FROM tierflow_tickets WHERE length(seal) = 32").value() == 2);
    CHECK(c.query_text("SELECT value FROM tierflow_meta WHERE key = 'migrated_from_schema'").value() == "2");
    // From then on an edit is caught, and appends seal as they go.
    exec_ok(c, "UPDATE tierflow_tickets SET owner = 'mallory', version = 5 WHERE ticket_id = 'T9'");
    CHECK(conformance::outcome(st->summary("T9")) == "data_loss");
    CHECK(conformance::ids(st->queue("service_centre", "north")) == "T1");
    t1.state = "in_progress";
    conformance::save(*st, t1);
    CHECK(st->summary("T1").value() == t1);
  }
  {
    // A read-only open of the sealed file checks the seals.
    store_options ro;
    ro.read_only = true;
    auto st = open_ok(path, ro);
    CHECK(st->summary("T1").value() == t1);
    CHECK(conformance::outcome(st->summary("T9")) == "data_loss");
  }
}

// --- read-only opens, special files ------------------------------------------------------

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// Opens `path` read-only and reads through every kind of read; "" when
/// all went as expected, else what did not.
std::string read_everything(const std::string& path, const ticket_summary& t1) {
  store_options ro;
  ro.read_only = true;
  auto st = sqlite_store::open(path, ro);
  if (!st) return "open: " + st.error().message();
  const auto s = (*st)->summary("T1");
  if (!s) return "summary: " + s.error().message();
  if (!(*s == t1)) return "summary differs";
  const auto events = (*st)->load("T1");
  if (!events || events->size() != t1.version) return "load";
  const auto q = (*st)->queue("service_centre", "north");
  if (!q || q->size() != 1) return "queue";
  if (!(*st)->streams() || !(*st)->open_tickets() || !(*st)->due(conformance::at(23), 5)) return "index reads";
  if ((*st)->append({.ticket_id = "T1", .expected_version = 1, .events = *events})) return "an append succeeded";
  return "";
}

}  // namespace

TEST_CASE("store.sqlite.a_read_only_open_creates_no_file_and_works_in_a_read_only_directory") {
  const temp_dir dir("tierflow_sqlite");
  const fs::path home = dir.path() / "store";
  fs::create_directory(home);
  const std::string path = (home / "t.db").string();
  ticket_summary t1 = conformance::ticket("T1");
  {
    auto st = open_ok(path);
    conformance::save(*st, t1);
    CHECK(fs::exists(path + "-wal"));  // WAL mode, a writer live
  }
  // Closed cleanly: the last connection checkpointed and removed its -wal.
  const std::vector<std::string> clean = names_in(home);
  REQUIRE(clean == std::vector<std::string>{"t.db"});

  SUBCASE("no writer: immutable, nothing created") {
    CHECK(read_everything(path, t1).empty());
    CHECK(names_in(home) == clean);
  }

  SUBCASE("a live writer: its -wal and -shm are used, nothing else is created") {
    auto writer = open_ok(path);
    t1.state = "in_progress";
    conformance::save(*writer, t1);  // committed into the -wal only
    const std::vector<std::string> live = names_in(home);
    CHECK(live == std::vector<std::string>{"t.db", "t.db-shm", "t.db-wal"});
    CHECK(read_everything(path, t1).empty());  // sees the writer's commit
    CHECK(names_in(home) == live);
  }

  SUBCASE("a read-only directory") {
    fs::permissions(home, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
    std::string outcome;
    if (::geteuid() == 0) {
      // Root writes through 0555, so the mode alone would prove nothing
      // here: the read runs in a child process that has given up root for
      // nobody (65534), for whom the directory really is read-only, and
      // reports by its exit status.
      fs::permissions(dir.path(), fs::perms::others_exec, fs::perm_options::add);
      const pid_t child = ::fork();
      REQUIRE(child >= 0);
      if (child == 0) {
        const bool dropped = ::setgid(65534) == 0 && ::setuid(65534) == 0 && ::geteuid() == 65534;
        // Proof that the directory is read-only for this process.
        const bool refused = ::access(home.c_str(), W_OK) != 0;
        _exit(!dropped ? 2 : !refused ? 3 : read_everything(path, t1).empty() ? 0 : 1);
      }
      int status = 0;
      REQUIRE(::waitpid(child, &status, 0) == child);
      REQUIRE(WIFEXITED(status));
      const int code = WEXITSTATUS(status);
      outcome = code == 0 ? "" : code == 2 ? "could not drop root" : code == 3 ? "directory writable" : "read failed";
    } else {
      outcome = read_everything(path, t1);
    }
    CHECK(outcome.empty());
    fs::permissions(home, fs::perms::owner_all);
    CHECK(names_in(home) == clean);
  }
}

TEST_CASE("store.sqlite.a_fifo_a_device_or_a_directory_is_refused_before_sqlite_opens_it") {
  const temp_dir dir("tierflow_sqlite");
  const std::string fifo = dir.file("fifo.db");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string folder = dir.file("folder.db");
  fs::create_directory(folder);
  for (const auto& target : {std::pair<std::string, std::string>{fifo, "a FIFO"},
                             {folder, "a directory"},
                             {"/dev/null", "a character device"}}) {
    // No structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    const std::string& path = target.first;
    const std::string& kind = target.second;
    for (const bool read_only : {false, true}) {
      CAPTURE(path);
      CAPTURE(read_only);
      store_options o;
      o.read_only = read_only;
      // A FIFO opened by SQLite would block this test for ever: returning
      // at all is half the check.
      const auto r = sqlite_store::open(path, o);
      REQUIRE_FALSE(r);
      CHECK(r.error().code() == errc::invalid_argument);
      CHECK(r.error().message() == "sqlite " + path + ": is " + kind + ", not a regular file");
    }
  }
  CHECK(fs::is_fifo(fifo));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"fifo.db", "folder.db"});
}

// --- a file deleted or replaced under a running store -------------------------------------

TEST_CASE("store.sqlite.a_file_deleted_or_replaced_while_open_fails_every_command_with_io_error") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  const std::string gone = "sqlite " + path + ": the database file was deleted or replaced while open";
  const auto lost = [&](const tierflow::result<void>& r) {
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::io_error);
    CHECK(contains(r.error().message(), gone));
  };
  for (const bool replaced : {false, true}) {
    for (const store_options& o : {per_command(), group(std::chrono::hours{1}, 1000)}) {
      const bool grouped = o.mode == durability::group_commit;
      CAPTURE(replaced);
      CAPTURE(grouped);
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
      auto st = open_ok(path, o);
      ticket_summary t1 = conformance::ticket("T1");
      conformance::save(*st, t1);
      REQUIRE(st->flush());
      REQUIRE(st->next_ticket_number());
      // In group mode this one is acknowledged and waits in the open group.
      conformance::save(*st, t1);
      if (replaced) {
        const std::string other = dir.file("other.db");
        { auto made = open_ok(other); }
        fs::rename(other, path);
      } else {
        fs::remove(path);
      }
      t1.version = 3;
      const auto next = conformance::append_next(*st, "T1", 1, &t1);
      lost(next);
      if (grouped) CHECK(contains(next.error().message(), "1 earlier acknowledged commands were rolled back"));
      // And every later command, too: nothing "succeeds" into the lost file.
      lost(conformance::append_next(*st, "T2", 1));
      const auto number = st->next_ticket_number();
      REQUIRE_FALSE(number);
      CHECK(number.error().code() == errc::io_error);
      CHECK(contains(number.error().message(), gone));
      CHECK(st->flush());  // nothing open any more
    }
  }
}

TEST_CASE("store.sqlite.an_acknowledged_group_whose_file_goes_is_reported_by_flush") {
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto st = open_ok(path, group(std::chrono::hours{1}, 1000));
  REQUIRE(conformance::append_next(*st, "T1", 1));
  REQUIRE(conformance::append_next(*st, "T1", 1));  // both acknowledged, in the open group
  fs::remove(path);
  const auto r = st->flush();
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == errc::io_error);
  CHECK(contains(r.error().message(), "the database file was deleted or replaced while open"));
  CHECK(contains(r.error().message(), "2 earlier acknowledged commands were rolled back and lost"));
}

// --- the write path (multi-row inserts, summaries in place, group records) --------------

TEST_CASE("store.sqlite.a_command_of_many_events_is_stored_whole") {
  // The events of a command go in as multi-row INSERTs of a few rows each:
  // every count round those sizes must land whole and in order.
  const temp_dir dir("tierflow_sqlite");
  for (const store_options& o : {per_command(), group(std::chrono::hours{1}, 1000)}) {
    const bool grouped = o.mode == durability::group_commit;
    CAPTURE(grouped);
    const std::string path = dir.file(grouped ? "gc.db" : "pc.db");
    auto st = open_ok(path, o);
    std::vector<event> all;
    tierflow::event_hash head{};
    std::uint64_t version = 0;
    for (const std::size_t n : {1U, 4U, 5U, 8U, 9U, 2U}) {
      CAPTURE(n);
      const std::vector<event> batch = conformance::sealed("T1", version, head, n);
      REQUIRE(st->append({.ticket_id = "T1", .expected_version = version, .events = batch}));
      all.insert(all.end(), batch.begin(), batch.end());
      version += n;
      head = batch.back().hash;
      conformance::check_stream(*st, "T1", all);
    }
    REQUIRE(st->flush());
    CHECK(all.size() == 29);
    auto other = open_ok(path);
    conformance::check_stream(*other, "T1", all);
    CHECK(tierflow::verify(other->load("T1").value(), other->head("T1").value().head));
  }
}

TEST_CASE("store.sqlite.summaries_kept_in_place_or_moved_keep_their_indexes_true") {
  // An append whose summary keeps its key columns (customer, unit, region,
  // closed, opened_at, deadlines) rewrites the row alone; one that changes
  // them rewrites the indexes too. Mixed in one group and across groups, the
  // queries must answer as the summaries say, and SQLite's integrity check
  // (every index entry against its row) must pass.
  const temp_dir dir("tierflow_sqlite");
  for (const store_options& o : {per_command(), group(std::chrono::hours{1}, 1000)}) {
    const bool grouped = o.mode == durability::group_commit;
    CAPTURE(grouped);
    const std::string path = dir.file(grouped ? "gc.db" : "pc.db");
    auto st = open_ok(path, o);
    ticket_summary t1 = conformance::ticket("T1");
    ticket_summary t2 = conformance::ticket("T2");
    conformance::save(*st, t1);
    conformance::save(*st, t2);
    CHECK(conformance::ids(st->queue("service_centre", "north")) == "T1,T2");
    t1.state = "in_progress";  // not a key
    conformance::save(*st, t1);
    CHECK(st->summary("T1").value() == t1);
    CHECK(conformance::ids(st->queue("service_centre", "north")) == "T1,T2");
    t2.nearest_due = conformance::at(12);  // a key: T2 now sorts first
    conformance::save(*st, t2);
    CHECK(conformance::ids(st->queue("service_centre", "north")) == "T2,T1");
    t1.owner = "csr_02";  // not a key
    conformance::save(*st, t1);
    CHECK(conformance::ids(st->queue("service_centre", "north")) == "T2,T1");
    if (grouped) REQUIRE(st->flush());  // the rest in a new group
    t1.unit = "billing";
    t1.region = "south";
    conformance::save(*st, t1);
    CHECK(conformance::ids(st->queue("service_centre", "north")) == "T2");
    CHECK(conformance::ids(st->queue("billing", "south")) == "T1");
    t2.next_timer = conformance::at(11);
    conformance::save(*st, t2);
    CHECK(conformance::ids(st->due(conformance::at(10), 10)).empty());
    CHECK(conformance::ids(st->due(conformance::at(11), 10)) == "T2");
    t2.closed = true;
    t2.closed_at = conformance::at(13);
    t2.state = "closed";
    conformance::save(*st, t2);
    CHECK(conformance::ids(st->queue("service_centre", "north")).empty());
    CHECK(conformance::ids(st->open_tickets()) == "T1");
    t1.customer_id = "C2";
    conformance::save(*st, t1);
    CHECK(conformance::ids(st->customer_tickets("C1")) == "T2");
    CHECK(conformance::ids(st->customer_tickets("C2")) == "T1");
    t1.state = "waiting";  // not a key, after a key change in the same group
    conformance::save(*st, t1);
    CHECK(conformance::ids(st->queue("billing", "south")) == "T1");
    CHECK(st->summary("T1").value() == t1);
    CHECK(st->summary("T2").value() == t2);
    REQUIRE(st->flush());

    connection c = raw(path);
    CHECK(c.query_text("PRAGMA integrity_check").value() == "ok");
    auto other = open_ok(path);
    CHECK(other->summary("T1").value() == t1);
    CHECK(other->summary("T2").value() == t2);
    CHECK(conformance::ids(other->queue("billing", "south")) == "T1");
    CHECK(conformance::ids(other->queue("service_centre", "north")).empty());
    CHECK(conformance::ids(other->customer_tickets("C2")) == "T1");
    CHECK(conformance::ids(other->due(conformance::at(11), 10)) == "T2");
    CHECK(conformance::ids(other->open_tickets()) == "T1");
  }
}

TEST_CASE("store.sqlite.a_command_undone_inside_a_group_leaves_the_group_as_it_was") {
  // The open group records each stream's head once a command is in for
  // good; a command SQLite refuses half-way (here a trigger on the head
  // row, after its events went in) is rolled back to its savepoint and
  // must leave that record as it was: head() and the next append see the
  // group's last good command.
  using access = tierflow::detail::sqlite_store_access;
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto st = open_ok(path, group(std::chrono::hours{1}, 1000));
  REQUIRE(conformance::append_next(*st, "T1", 1));
  REQUIRE(access::exec(*st,
                       "CREATE TEMP TRIGGER refuse_third BEFORE UPDATE ON main.tierflow_streams "
                       "WHEN NEW.version = 3 BEGIN SELECT RAISE(ABORT, 'test: third refused'); END"));
  REQUIRE(conformance::append_next(*st, "T1", 1));  // version 2, recorded by the group
  const auto kept = st->load("T1").value();
  REQUIRE(kept.size() == 2);
  const auto refused = conformance::append_next(*st, "T1", 1);
  REQUIRE_FALSE(refused);
  INFO(refused.error().message());
  CHECK(contains(refused.error().message(), "test: third refused"));
  CHECK_FALSE(contains(refused.error().message(), "rolled back"));
  CHECK(st->head("T1").value().version == 2);
  conformance::check_stream(*st, "T1", kept);
  // A stale expected version is still refused from the group's record.
  const std::vector<event> stale = conformance::sealed("T1", 1, kept[0].hash, 1);
  CHECK(conformance::outcome(st->append({.ticket_id = "T1", .expected_version = 1, .events = stale})) ==
        "conflict");
  REQUIRE(access::exec(*st, "DROP TRIGGER temp.refuse_third"));
  REQUIRE(conformance::append_next(*st, "T1", 1));
  REQUIRE(st->flush());
  auto other = open_ok(path);
  const auto after = other->load("T1").value();
  CHECK(after.size() == 3);
  CHECK(std::equal(kept.begin(), kept.end(), after.begin()));
  CHECK(tierflow::verify(after, other->head("T1").value().head));
}

TEST_CASE("store.sqlite.a_group_rolled_back_by_sqlite_itself_is_reported_lost_not_reused") {
  // SQLite rolls a transaction back by itself after some errors (an I/O
  // error, even in a read). The open group is then gone: the next command
  // must say so (and how many acknowledged commands went), not run in a
  // transaction of its own, nor trust what the group recorded.
  using access = tierflow::detail::sqlite_store_access;
  const temp_dir dir("tierflow_sqlite");
  const std::string path = dir.file("t.db");
  auto st = open_ok(path, group(std::chrono::hours{1}, 1000));
  REQUIRE(conformance::append_next(*st, "T1", 1));
  REQUIRE(st->flush());
  const auto committed = st->load("T1").value();
  REQUIRE(conformance::append_next(*st, "T1", 1));
  REQUIRE(conformance::append_next(*st, "T1", 1));
  REQUIRE(st->head("T1").value().version == 3);
  // As SQLite does after such an error: the store's record of T1 (version
  // 3) is left in place, and must not be believed.
  REQUIRE(access::rollback_as_sqlite_would(*st));
  CHECK(st->head("T1").value().version == 1);
  const auto r = conformance::append_next(*st, "T1", 1);
  REQUIRE_FALSE(r);
  INFO(r.error().message());
  CHECK(r.error().code() == errc::io_error);
  CHECK(contains(r.error().message(), "rolled back by SQLite"));
  CHECK(contains(r.error().message(), "2 earlier acknowledged commands were rolled back and lost"));
  conformance::check_stream(*st, "T1", committed);
  // The next command opens a new group.
  REQUIRE(conformance::append_next(*st, "T1", 1));
  REQUIRE(st->flush());
  auto other = open_ok(path);
  const auto after = other->load("T1").value();
  CHECK(after.size() == 2);
  CHECK(after.front() == committed.front());
  CHECK(tierflow::verify(after, other->head("T1").value().head));
}
