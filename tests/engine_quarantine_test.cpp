// SPDX-License-Identifier: MIT
// Quarantine instead of refusing to start (engine::create,
// engine::quarantined): on a SQLite store damaged behind the engine's back
// with raw SQL — an edited event, a forged summary row — the engine starts,
// serves every ticket that verifies, refuses commands and queries on the
// broken one with errc::data_loss (audited on its denial stream), serves a
// ticket whose row was forged from its trail and rewrites the row on its
// next command; queues and contact records never show the forged row.
// And immutable definitions: a workflow edited under the same version is
// refused at restore, naming it.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <sqlite3.h>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/sqlite_store.hpp>

#include "support/engine_cases.hpp"
#include "support/engine_fixture.hpp"
#include "support/scratch_db.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace tf = tierflow;
using tierflow_test::engine_fixture;
using tierflow_test::local;
using tierflow_test::scratch_sqlite;
using tierflow_test::shipped;
using tierflow_test::temp_dir;
using namespace tierflow_test::engine_cases;

namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

/// Runs SQL on the database file directly, as someone with the file would.
void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string message = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << message);
}

/// Drops every trigger on `table` (the append-only and seal guards): the
/// insider's first step.
void drop_triggers(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::vector<std::string> names;
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1",
                             -1, &q, nullptr) == SQLITE_OK);
  sqlite3_bind_text(q, 1, table.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(q) == SQLITE_ROW)
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
  sqlite3_finalize(q);
  sqlite3_close(db);
  for (const auto& n : names) raw_sql(path, "DROP TRIGGER \"" + n + "\"");
}

std::unique_ptr<tf::sqlite_store> open_db(const std::string& path) {
  auto st = tf::sqlite_store::open(path);
  REQUIRE_MESSAGE(st.has_value(), (st ? std::string() : st.error().message()));
  return std::move(*st);
}

/// Three big gusu complaints, each classified by rm_gusu: T1, T2, T3.
void three_tickets(tf::store& st) {
  engine_fixture h(local(2026, 11, 24, 9, 0), shipped(), &st);
  for (const char* c : {"cust_q1", "cust_q2", "cust_q3"}) {
    const std::string id = open_ok(*h, complaint(c, "gusu", true));
    act_ok(*h, id, "classify", regional("rm_gusu", "gusu"));
  }
}

const tf::quarantined_ticket* find_entry(const std::vector<tf::quarantined_ticket>& q, std::string_view id) {
  for (const auto& e : q)
    if (e.ticket_id == id) return &e;
  return nullptr;
}

bool listed(const std::vector<tf::ticket_view>& views, std::string_view id) {
  for (const auto& v : views)
    if (v.id == id) return true;
  return false;
}

}  // namespace

TEST_CASE("engine.quarantine.a_damaged_event_does_not_stop_the_engine") {
  scratch_sqlite db("tierflow_quarantine");
  {
    auto st = open_db(db.path());
    three_tickets(*st);
  }
  drop_triggers(db.path(), "tierflow_events");
  raw_sql(db.path(), "UPDATE tierflow_events SET actor_id = 'mallory' WHERE stream_id = 'T00000002' AND sequence = 2");

  auto st = open_db(db.path());
  engine_fixture h(local(2026, 11, 24, 9, 5), shipped(), st.get());  // create succeeds
  const auto q = h->quarantined();
  REQUIRE(q.size() == 1);
  CHECK(q[0].ticket_id == "T00000002");
  CHECK_FALSE(q[0].served);
  CHECK(q[0].reason.code() == tf::errc::data_loss);
  CHECK(contains(q[0].reason.message(), "event 2"));

  // The broken ticket: commands and queries refused, the refusal audited.
  auto r = h->act(request("T00000002", "dispatch", dispatcher()));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == tf::errc::data_loss);
  CHECK(contains(r.error().message(), "quarantined"));
  const auto refused = denials_of(*h, "T00000002");
  REQUIRE(refused.size() == 1);
  CHECK(detail(refused[0], "code") == "data_loss");
  CHECK(refused[0].actor_id == "disp_1");
  auto v = h->view("T00000002");
  REQUIRE_FALSE(v.has_value());
  CHECK(v.error().code() == tf::errc::data_loss);
  auto rp = h->replay("T00000002");
  REQUIRE_FALSE(rp.has_value());
  CHECK(rp.error().code() == tf::errc::data_loss);

  // The others work, and the queries leave the broken one out.
  CHECK(act_ok(*h, "T00000001", "dispatch", dispatcher()).state == "dispatched");
  check_consistent(*h, "T00000003");
  auto mine = h->queue("regional_account_manager", "gusu");
  REQUIRE(mine.has_value());
  CHECK_FALSE(listed(*mine, "T00000002"));
  CHECK(listed(*mine, "T00000003"));
  auto record = h->customer_record("cust_q2");
  REQUIRE(record.has_value());
  CHECK(record->tickets.empty());
  REQUIRE(h->overdue().has_value());
  REQUIRE(h->at_risk(std::chrono::hours(48)).has_value());
  CHECK(h.advance(local(2026, 11, 25, 9, 0)).fired > 0);
}

TEST_CASE("engine.quarantine.a_forged_summary_row_is_reported_and_never_shown") {
  scratch_sqlite db("tierflow_forged_row");
  {
    auto st = open_db(db.path());
    three_tickets(*st);
  }
  drop_triggers(db.path(), "tierflow_tickets");
  // T1 moved into another crew's queue and another customer's record.
  raw_sql(db.path(),
          "UPDATE tierflow_tickets SET owner = 'mallory', unit = 'customer_service_center', region = '', "
          "customer_id = 'cust_q3' WHERE ticket_id = 'T00000001'");
  // T3's row says closed: it would vanish from every open list.
  raw_sql(db.path(), "UPDATE tierflow_tickets SET closed = 1 WHERE ticket_id = 'T00000003'");

  auto st = open_db(db.path());
  const auto row = st->summary("T00000001");
  engine_fixture h(local(2026, 11, 24, 9, 5), shipped(), st.get());
  const auto q = h->quarantined();
  const tf::quarantined_ticket* t1 = find_entry(q, "T00000001");
  const tf::quarantined_ticket* t3 = find_entry(q, "T00000003");
  REQUIRE(t1 != nullptr);
  REQUIRE(t3 != nullptr);
  CHECK(q.size() == 2);
  CHECK(t1->served);
  CHECK(t3->served);
  CHECK(t1->reason.code() == tf::errc::data_loss);
  if (row.has_value()) {
    // A store without a seal on its rows: the engine names the fields.
    CHECK(contains(t1->reason.message(), "the summary row says owner 'mallory', the trail says 'rm_gusu'"));
    CHECK(contains(t1->reason.message(), "unit 'customer_service_center'"));
    CHECK(contains(t3->reason.message(), "the summary row says closed yes, the trail says no"));
  } else {
    // A store that seals its rows refuses the forged one itself.
    CHECK(row.error().code() == tf::errc::data_loss);
  }

  // Served from the trail: views, queues and records as the trail says.
  CHECK(view_of(*h, "T00000001").owner == "rm_gusu");
  auto forged_queue = h->queue("customer_service_center");
  REQUIRE(forged_queue.has_value());
  CHECK_FALSE(listed(*forged_queue, "T00000001"));
  auto real_queue = h->queue("regional_account_manager", "gusu");
  REQUIRE(real_queue.has_value());
  CHECK(listed(*real_queue, "T00000001"));
  CHECK(listed(*real_queue, "T00000003"));
  auto other = h->customer_record("cust_q3");
  REQUIRE(other.has_value());
  REQUIRE(other->tickets.size() == 1);
  CHECK(other->tickets[0].id == "T00000003");
  for (const auto& e : other->events) CHECK(e.ticket_id.find("T00000001") == std::string::npos);
  auto own = h->customer_record("cust_q1");
  REQUIRE(own.has_value());
  REQUIRE(own->tickets.size() == 1);
  CHECK(own->tickets[0].id == "T00000001");

  // The next command rewrites the row, and the entry goes.
  act_ok(*h, "T00000001", "dispatch", dispatcher());
  CHECK(find_entry(h->quarantined(), "T00000001") == nullptr);
  auto rewritten = st->summary("T00000001");
  REQUIRE(rewritten.has_value());
  CHECK(rewritten->owner == "rm_gusu");
  CHECK(rewritten->customer_id == "cust_q1");
  CHECK(rewritten->unit == view_of(*h, "T00000001").assignee.unit);
  check_consistent(*h, "T00000001");
}

TEST_CASE("engine.quarantine.a_ticket_loaded_later_that_does_not_verify_is_quarantined") {
  scratch_sqlite db("tierflow_lazy");
  auto st = open_db(db.path());
  engine_fixture h(local(2026, 11, 24, 9, 0), shipped(), st.get());
  {
    // Another engine (another process, on a shared file) opens a ticket.
    auto other_store = open_db(db.path());
    engine_fixture other(local(2026, 11, 24, 9, 0), shipped(), other_store.get());
    open_ok(*other, complaint("cust_lazy", "gusu", true));
  }
  drop_triggers(db.path(), "tierflow_events");
  raw_sql(db.path(), "UPDATE tierflow_events SET time = time + 1 WHERE stream_id = 'T00000001' AND sequence = 1");
  auto v = h->view("T00000001");
  REQUIRE_FALSE(v.has_value());
  CHECK(v.error().code() == tf::errc::data_loss);
  const auto q = h->quarantined();
  REQUIRE(q.size() == 1);
  CHECK(q[0].ticket_id == "T00000001");
  CHECK_FALSE(q[0].served);
}

// --- immutable definitions ----------------------------------------------------------------------

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

tf::catalog load_dir(const fs::path& dir) {
  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({dir.string()}, diags);
  REQUIRE_MESSAGE(cat.has_value(), (cat ? std::string() : cat.error().message()) << diags.str());
  return std::move(*cat);
}

tf::workflow& complaint_of(tf::catalog& cat) {
  for (auto& wf : cat.workflows)
    if (wf.id == "complaint" && wf.version == 1) return wf;
  FAIL("no complaint v1");
  return cat.workflows.front();
}

}  // namespace

TEST_CASE("engine.restore.a_state_renamed_in_place_is_not_restored_silently") {
  temp_dir dir("tierflow_edited");
  const fs::path wf = dir.path() / "workflows";
  fs::copy(TIERFLOW_SOURCE_DIR "/workflows", wf, fs::copy_options::recursive);
  scratch_sqlite db("tierflow_edited_db");
  const tf::catalog before = load_dir(wf);
  {
    auto st = open_db(db.path());
    engine_fixture h(local(2026, 11, 24, 9, 0), before, st.get());
    const std::string id = open_ok(*h, complaint("cust_edit", "gusu", true));
    act_ok(*h, id, "classify", regional("rm_gusu", "gusu"));
  }
  // Same id, same version, a state renamed.
  const fs::path file = wf / "complaint.yaml";
  write_text(file, std::regex_replace(read_text(file), std::regex("\\bclassified\\b"), "sorted"));
  tf::catalog after = load_dir(wf);
  auto st = open_db(db.path());
  tf::manual_clock clock(local(2026, 11, 24, 9, 5));
  tf::engine_options options;
  options.time_source = &clock;
  options.events = st.get();
  const bool fingerprinted = !complaint_of(after).fingerprint.empty();
  auto created = tf::engine::create(std::move(after), options);
  if (fingerprinted) {
    // The loader fingerprints definitions: the edit is refused, named.
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error().code() == tf::errc::invalid_definition);
    CHECK(contains(created.error().message(), "'complaint' version 1"));
    CHECK(contains(created.error().message(), "1 stored ticket"));
    CHECK(contains(created.error().message(), "add a version"));
  } else {
    // Without fingerprints the fold still refuses the unknown state: the
    // ticket is quarantined, never restored in another state.
    REQUIRE(created.has_value());
    const auto q = (*created)->quarantined();
    REQUIRE(q.size() == 1);
    CHECK(q[0].ticket_id == "T00000001");
    CHECK(contains(q[0].reason.message(), "unknown state 'classified'"));
    CHECK_FALSE((*created)->view("T00000001").has_value());
  }
}

TEST_CASE("engine.restore.a_fingerprint_other_than_the_recorded_one_is_refused") {
  tf::memory_store st;
  tf::catalog original = shipped();
  complaint_of(original).fingerprint = std::string(64, 'a');
  {
    engine_fixture h(local(2026, 11, 24, 9, 0), original, &st);
    const std::string id = open_ok(*h, complaint("cust_fp1"));
    open_ok(*h, complaint("cust_fp2"));
    // Recorded as the last key of `opened`.
    const auto t = trail(*h, id);
    const tf::event& opened = t.front();
    REQUIRE_FALSE(opened.details.empty());
    CHECK(opened.details.back().first == tf::detail_key::fingerprint);
    CHECK(opened.details.back().second == std::string(64, 'a'));
  }
  tf::manual_clock clock(local(2026, 11, 24, 9, 5));
  tf::engine_options options;
  options.time_source = &clock;
  options.events = &st;
  SUBCASE("another fingerprint: refused, named") {
    tf::catalog edited = shipped();
    complaint_of(edited).fingerprint = std::string(64, 'b');
    auto created = tf::engine::create(std::move(edited), options);
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error().code() == tf::errc::invalid_definition);
    CHECK(contains(created.error().message(), "workflow 'complaint' version 1"));
    CHECK(contains(created.error().message(), "2 stored tickets"));
    CHECK(contains(created.error().message(), "add a version instead of editing one"));
  }
  SUBCASE("the same fingerprint: restored") {
    auto created = tf::engine::create(original, options);
    REQUIRE(created.has_value());
    CHECK((*created)->quarantined().empty());
    check_consistent(**created, "T00000001");
  }
  SUBCASE("a catalog built in code, without fingerprints: not checked") {
    tf::catalog plain = shipped();
    complaint_of(plain).fingerprint.clear();
    auto created = tf::engine::create(std::move(plain), options);
    REQUIRE(created.has_value());
    // Its tickets record none.
    const std::string id = open_ok(**created, complaint("cust_fp3"));
    const auto t = trail(**created, id);
    for (const auto& [k, v] : t.front().details) CHECK(k != tf::detail_key::fingerprint);
  }
}
