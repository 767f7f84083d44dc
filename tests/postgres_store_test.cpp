// SPDX-License-Identifier: MIT
// The PostgreSQL store against the throwaway server of the `postgres` CTest
// fixture (tests/pg/throwaway-postgres): the store conformance suite, two
// handles racing and claiming, the schema version check, the append-only
// guarantees (triggers, the application role), tamper detection, dropped
// connections and an unreachable server.
//
// The server's URL is read from the file named by TIERFLOW_PG_URL_FILE; a
// missing file fails the tests (they are never skipped). Each test works in a
// database of its own, created from the fixture's database through a
// maintenance connection and dropped afterwards; the tests talk to it with
// libpq directly (as the superuser) to do what the store never would.
#include <libpq-fe.h>
#include <sys/wait.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <tierflow/attribute.hpp>
#include <tierflow/audit.hpp>
#include <tierflow/catalog.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/open_store.hpp>  // store_options
#include <tierflow/postgres_store.hpp>
#include <tierflow/store.hpp>

#include <tierflow/engine.hpp>

#include "store/store_codec.hpp"
#include "store_conformance.hpp"
#include "support/engine_fixture.hpp"
#include "support/forwarding_store.hpp"
#include "support/scratch_db.hpp"
#include "test_support.hpp"

namespace {

namespace conformance = tierflow_test::store_conformance;
using conformance::ids;
using conformance::outcome;
using tierflow::errc;
using tierflow::postgres_store;

using tierflow_test::pg_server_url;
using scratch_database = tierflow_test::scratch_postgres;
using admin = tierflow_test::pg_admin;

std::string random_hex() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

// Holds the scratch database of a scratch_store: a base class constructed
// before the store is opened and destroyed after it is closed.
struct database_holder {
  scratch_database db;
};

// A postgres_store in a scratch database of its own, for the conformance
// suite's factory: the store closes before its database is dropped.
class scratch_store final : private database_holder, public tierflow_test::forwarding_store {
 public:
  scratch_store() : forwarding_store(std::unique_ptr<tierflow::store>(db.open())) {}
};

}  // namespace

TEST_CASE("store.postgres.conformance") {
  // A fresh database per subcase: CREATE DATABASE copies the template in
  // a fraction of a second, cheaper to reason about than emptying tables.
  conformance::run_store_conformance([]() -> std::unique_ptr<tierflow::store> {
    return std::make_unique<scratch_store>();
  });
}

TEST_CASE("store.postgres.two_handles_race_on_one_ticket_one_wins_each_version") {
  scratch_database db;
  auto a = db.open();
  auto b = db.open();
  CHECK(a->shared());
  constexpr std::size_t rounds = 20;
  std::barrier sync(2);
  std::vector<int> wins(rounds, 0), conflicts(rounds, 0), other(rounds, 0);
  std::mutex tally;
  const auto writer = [&](postgres_store& st, std::string actor) {
    for (std::size_t round = 0; round < rounds; ++round) {
      sync.arrive_and_wait();
      const auto h = st.head("T1");
      sync.arrive_and_wait();  // both have read the same head
      if (!h) {
        const std::lock_guard lock(tally);
        ++other[round];
        continue;
      }
      const auto batch = conformance::sealed("T1", h->version, h->head, 2, actor);
      tierflow::ticket_summary s = conformance::ticket("T1");
      s.assignee = actor;
      s.version = h->version + 2;
      const auto r = st.append({.ticket_id = "T1", .expected_version = h->version, .events = batch,
                                .summary = &s});
      const std::lock_guard lock(tally);
      if (r) {
        ++wins[round];
      } else if (r.error().code() == errc::conflict) {
        ++conflicts[round];
      } else {
        ++other[round];
      }
    }
  };
  {
    std::jthread ta(writer, std::ref(*a), "engine_a");
    std::jthread tb(writer, std::ref(*b), "engine_b");
  }
  for (std::size_t round = 0; round < rounds; ++round) {
    CAPTURE(round);
    CHECK(wins[round] == 1);
    CHECK(conflicts[round] == 1);
    CHECK(other[round] == 0);
  }
  const auto loaded = b->load("T1");
  REQUIRE(loaded);
  CHECK(loaded->size() == 2 * rounds);
  CHECK(tierflow::verify(*loaded, a->head("T1").value().head));
  CHECK(a->summary("T1").value().assignee == loaded->back().actor_id);
}

TEST_CASE("store.postgres.claim_due_keeps_a_claimed_ticket_from_other_handles") {
  scratch_database db;
  tierflow::store_options options;
  options.claim_lease = std::chrono::seconds{3600};  // expiry is simulated below
  auto a = db.open(options);
  auto b = db.open(options);
  auto sql = db.superuser();

  tierflow::ticket_summary t1 = conformance::ticket("T1");
  tierflow::ticket_summary t2 = conformance::ticket("T2");
  tierflow::ticket_summary t3 = conformance::ticket("T3");
  t1.next_timer = conformance::at(9);
  t2.next_timer = conformance::at(9, 30);
  t3.next_timer = conformance::at(10);
  t3.closed = true;  // a closed ticket with a timer is still listed
  for (auto* s : {&t1, &t2, &t3}) conformance::save(*a, *s);

  CHECK(ids(a->claim_due(conformance::at(9, 30), 10)) == "T1,T2");
  // B sees what is due but may not claim A's tickets; T3 is due later.
  CHECK(ids(b->due(conformance::at(10), 10)) == "T1,T2,T3");
  CHECK(ids(b->claim_due(conformance::at(9, 30), 10)).empty());
  CHECK(ids(b->claim_due(conformance::at(10), 10)) == "T3");
  CHECK(ids(a->claim_due(conformance::at(10), 10)) == "T1,T2");  // T3 is B's now
  CHECK(sql->must("SELECT count(*) FROM tierflow.summaries WHERE claimed_by IS NOT NULL") == "3");

  // A fires T1's timer: the append ends A's claim, and B may take it.
  t1.next_timer = conformance::at(9, 45);
  conformance::save(*a, t1);
  CHECK(sql->must("SELECT claimed_by IS NULL FROM tierflow.summaries WHERE ticket_id = 'T1'") == "t");
  CHECK(ids(b->claim_due(conformance::at(10), 10)) == "T1,T3");
  CHECK(ids(a->claim_due(conformance::at(10), 10)) == "T2");

  // A dies holding T2; when its lease runs out (set in the past here rather
  // than waited for), B takes it.
  sql->must("UPDATE tierflow.summaries SET claim_until = now() - interval '1 second'"
            " WHERE ticket_id = 'T2'");
  const auto taken = b->claim_due(conformance::at(10), 10);
  CHECK(ids(taken) == "T2,T1,T3");  // T1's timer moved to 9:45
  REQUIRE(taken);
  CHECK(taken->at(0) == tierflow::due_ticket{"T2", conformance::at(9, 30)});
  CHECK(ids(a->claim_due(conformance::at(10), 10)).empty());
  CHECK(ids(b->claim_due(conformance::at(10), 2)) == "T2,T1");
}

TEST_CASE("store.postgres.the_schema_is_created_once_and_a_newer_one_is_refused") {
  scratch_database db;
  {
    // Concurrent first opens: the advisory lock lets one create the schema.
    constexpr int openers = 4;
    std::vector<std::string> outcomes(openers);
    {
      std::vector<std::jthread> threads;
      for (int i = 0; i < openers; ++i) {
        threads.emplace_back([&, i] {
          const auto s = postgres_store::open(db.conninfo());
          outcomes[static_cast<std::size_t>(i)] = s ? "ok" : s.error().message();
        });
      }
    }
    for (const std::string& o : outcomes) CHECK(o == "ok");
  }
  auto sql = db.superuser();
  CHECK(sql->must("SELECT version FROM tierflow.tierflow_schema") == "2");
  {
    auto st = db.open();
    REQUIRE(conformance::append_next(*st, "T1", 2));
  }
  {
    auto again = db.open();  // idempotent: nothing recreated, nothing lost
    CHECK(again->load("T1").value().size() == 2);
    CHECK(sql->must("SELECT count(*) FROM tierflow.tierflow_schema") == "1");
  }

  sql->must("UPDATE tierflow.tierflow_schema SET version = 3");
  const auto newer = postgres_store::open(db.conninfo());
  REQUIRE_FALSE(newer);
  CHECK(newer.error().code() == errc::incompatible);
  CHECK(newer.error().message().find("version 3") != std::string::npos);
  tierflow::store_options read_only;
  read_only.read_only = true;
  CHECK(outcome(postgres_store::open(db.conninfo(), read_only)) == "incompatible");
  CHECK(sql->must("SELECT version FROM tierflow.tierflow_schema") == "3");
  CHECK(sql->must("SELECT count(*) FROM tierflow.events") == "2");

  sql->must("UPDATE tierflow.tierflow_schema SET version = 2");
  {
    auto reader = postgres_store::open(db.conninfo(), read_only);
    REQUIRE(reader);
    CHECK((*reader)->load("T1").value().size() == 2);
    CHECK(outcome(conformance::append_next(**reader, "T1", 1)) == "io_error");
    CHECK(outcome((*reader)->next_ticket_number()) == "io_error");
    CHECK((*reader)->head("T1").value().version == 2);
  }
}

TEST_CASE("store.postgres.a_read_only_open_of_a_database_without_the_schema_fails") {
  scratch_database db;
  tierflow::store_options read_only;
  read_only.read_only = true;
  const auto s = postgres_store::open(db.conninfo(), read_only);
  CHECK(outcome(s) == "io_error");
  auto sql = db.superuser();
  CHECK(sql->must("SELECT to_regclass('tierflow.events') IS NULL") == "t");
}

TEST_CASE("store.postgres.events_are_append_only") {
  scratch_database db;
  auto st = db.open();
  REQUIRE(conformance::append_next(*st, "T1", 3));
  const std::vector<tierflow::event> before = st->load("T1").value();
  auto sql = db.superuser();

  SUBCASE("UPDATE, DELETE and TRUNCATE are refused by the triggers, even for the superuser") {
    for (const char* statement :
         {"UPDATE tierflow.events SET actor = 'mallory' WHERE stream = 'T1'",
          "DELETE FROM tierflow.events WHERE stream = 'T1' AND seq = 3",
          "TRUNCATE tierflow.events"}) {
      CAPTURE(statement);
      const auto a = sql->run(statement);
      CHECK_FALSE(a.ok);
      CHECK(a.error.find("tierflow: events are append-only") != std::string::npos);
    }
    CHECK(st->load("T1").value() == before);
  }

  SUBCASE("the application role may only insert and select events") {
    const std::string role = "tierflow_app_" + random_hex();
    // Roles belong to the server, not the database: this one goes before
    // the scratch database does, its privileges there first.
    struct role_guard {
      const scratch_database& db;
      std::string role;
      ~role_guard() {
        admin in_db(db.conninfo());
        const auto revoked = in_db.run("DROP OWNED BY " + in_db.ident(role));
        admin server(pg_server_url());
        const auto dropped = server.run("DROP ROLE IF EXISTS " + server.ident(role));
        CHECK_MESSAGE(revoked.ok, revoked.error);
        CHECK_MESSAGE(dropped.ok, dropped.error);
      }
    } guard{db, role};
    REQUIRE(st->grant_app_role(role));
    REQUIRE(st->grant_app_role(role));  // again: idempotent
    CHECK(outcome(st->grant_app_role("")) == "invalid_argument");
    {
      // An engine running as the role does all it needs to.
      auto as_app = postgres_store::open(db.conninfo({{"options", "-c role=" + role}}));
      INFO((as_app ? std::string() : as_app.error().message()));
      REQUIRE(as_app);
      tierflow::ticket_summary t2 = conformance::ticket("T2");
      t2.next_timer = conformance::at(9);
      conformance::save(**as_app, t2);
      CHECK(ids((*as_app)->claim_due(conformance::at(10), 10)) == "T2");
      CHECK((*as_app)->next_ticket_number().value() >= 1);
      CHECK((*as_app)->load("T1").value() == before);
    }
    // With the triggers off, the role still cannot change events: it was
    // never granted UPDATE, DELETE or TRUNCATE.
    sql->must("ALTER TABLE tierflow.events DISABLE TRIGGER USER");
    sql->must("SET ROLE " + sql->ident(role));
    CHECK(sql->must("SELECT count(*) FROM tierflow.events WHERE stream = 'T1'") == "3");
    for (const char* statement :
         {"UPDATE tierflow.events SET actor = 'mallory' WHERE stream = 'T1'",
          "DELETE FROM tierflow.events WHERE stream = 'T1' AND seq = 3",
          "TRUNCATE tierflow.events"}) {
      CAPTURE(statement);
      const auto a = sql->run(statement);
      CHECK_FALSE(a.ok);
      CHECK(a.sqlstate == "42501");  // insufficient_privilege
      CHECK(a.error.find("permission denied") != std::string::npos);
    }
    sql->must("RESET ROLE");
    sql->must("ALTER TABLE tierflow.events ENABLE TRIGGER USER");
    CHECK(st->load("T1").value() == before);
  }
}

TEST_CASE("store.postgres.tampering_with_the_triggers_disabled_is_caught_by_verify") {
  scratch_database db;
  auto st = db.open();
  REQUIRE(conformance::append_next(*st, "T1", 4));
  const auto head = st->head("T1").value();
  REQUIRE(tierflow::verify(st->load("T1").value(), head.head));
  auto sql = db.superuser();
  sql->must("ALTER TABLE tierflow.events DISABLE TRIGGER USER");

  SUBCASE("an edited event") {
    sql->must("UPDATE tierflow.events SET actor = 'mallory' WHERE stream = 'T1' AND seq = 2");
    const auto loaded = st->load("T1");
    REQUIRE(loaded);
    CHECK(loaded->at(1).actor_id == "mallory");
    CHECK_FALSE(tierflow::verify(*loaded, head.head));
    const auto v = tierflow::first_break(*loaded, head.head);
    REQUIRE(v);
    CHECK(v->sequence == 2);
    CHECK(v->reason == tierflow::chain_break::edited);
  }
  SUBCASE("the last event removed") {
    sql->must("DELETE FROM tierflow.events WHERE stream = 'T1' AND seq = 4");
    const auto loaded = st->load("T1");
    REQUIRE(loaded);
    CHECK(loaded->size() == 3);
    CHECK(tierflow::verify(*loaded));  // a valid prefix…
    CHECK_FALSE(tierflow::verify(*loaded, st->head("T1").value().head));
    const auto v = tierflow::first_break(*loaded, st->head("T1").value().head);
    REQUIRE(v);  // …that the head, kept apart, exposes
    CHECK(v->reason == tierflow::chain_break::truncated);
  }
  SUBCASE("a middle event removed") {
    sql->must("DELETE FROM tierflow.events WHERE stream = 'T1' AND seq = 2");
    const auto loaded = st->load("T1").value();
    CHECK_FALSE(tierflow::verify(loaded, head.head));
    const auto v = tierflow::first_break(loaded, head.head);
    REQUIRE(v);
    CHECK(v->reason == tierflow::chain_break::deleted);
  }
}

TEST_CASE("store.postgres.a_dropped_connection_is_reconnected_nothing_doubled") {
  scratch_database db;
  tierflow::store_options options;
  options.connections = 2;
  auto st = db.open(options);
  auto sql = db.superuser();
  const auto kill_store_backends = [&] {
    const std::string killed = sql->must(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = $1 AND pid <> pg_backend_pid()) k",
        {db.name()});
    CHECK(killed != "0");
    // pg_terminate_backend only signals: wait until the backends are gone.
    for (int i = 0; i < 500; ++i) {
      if (sql->must("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND"
                    " pid <> pg_backend_pid()",
                    {db.name()}) == "0") {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    FAIL("the store's backends did not exit");
  };

  tierflow::ticket_summary t1 = conformance::ticket("T1");
  conformance::save(*st, t1);
  kill_store_backends();
  conformance::save(*st, t1);  // the append reconnects and runs once
  kill_store_backends();
  const auto loaded = st->load("T1");  // so does a read
  REQUIRE(loaded);
  CHECK(loaded->size() == 2);
  CHECK(tierflow::verify(*loaded, st->head("T1").value().head));
  kill_store_backends();
  CHECK(st->summary("T1").value().version == 2);
  kill_store_backends();
  CHECK(st->next_ticket_number().value() >= 1);
  CHECK(sql->must("SELECT count(*) FROM tierflow.events") == "2");
  CHECK(sql->must("SELECT version FROM tierflow.heads WHERE stream = 'T1'") == "2");
}

TEST_CASE("store.postgres.an_append_whose_commit_is_cut_off_is_settled_by_the_head") {
  scratch_database db;
  auto st = db.open();
  auto sql = db.superuser();
  tierflow::ticket_summary t1 = conformance::ticket("T1");
  conformance::save(*st, t1);
  // A deferred trigger runs inside COMMIT; this one makes the backend kill
  // itself there the first time (a sequence, because it is not rolled back
  // with the aborted transaction). The client sees its connection die with
  // the COMMIT unanswered, must find out from the head that nothing landed,
  // and write the command once more.
  sql->must("CREATE SEQUENCE public.kill_once");
  sql->must(R"sql(
CREATE FUNCTION public.kill_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('public.kill_once') = 1 THEN
    PERFORM pg_terminate_backend(pg_backend_pid());
    PERFORM pg_sleep(5);  -- the signal ends the backend here
  END IF;
  RETURN NULL;
END
$$)sql");
  sql->must("CREATE CONSTRAINT TRIGGER kill_at_commit AFTER UPDATE ON tierflow.heads"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.kill_at_commit()");
  conformance::save(*st, t1);
  CHECK(sql->must("SELECT last_value FROM public.kill_once") == "2");  // killed once, then ran
  const auto loaded = st->load("T1");
  REQUIRE(loaded);
  CHECK(loaded->size() == 2);
  CHECK(tierflow::verify(*loaded, st->head("T1").value().head));
  CHECK(st->summary("T1").value() == t1);
  CHECK(sql->must("SELECT count(*) FROM tierflow.events") == "2");
}

TEST_CASE("store.postgres.an_unreachable_server_fails_open_with_io_error_quickly") {
  const auto started = std::chrono::steady_clock::now();
  const auto s = postgres_store::open("postgresql:///tierflow_test?host=/nonexistent/tierflow-pg&user=postgres");
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == errc::io_error);
  CHECK(s.error().message().find("postgres") != std::string::npos);
  CHECK(took < std::chrono::seconds{5});
}

TEST_CASE("store.postgres.ids_with_nul_bytes_are_refused_before_the_server_is_asked") {
  scratch_database db;
  auto st = db.open();
  const std::string bad("T\0x", 3);
  const auto batch = conformance::sealed(bad, 0, {}, 1);
  CHECK(outcome(st->append({.ticket_id = bad, .expected_version = 0, .events = batch})) ==
        "invalid_argument");
  auto with_actor = conformance::draft("T1", 0, 1, std::string("a\0b", 3));
  tierflow::seal(with_actor, {});
  CHECK(outcome(st->append({.ticket_id = "T1", .expected_version = 0, .events = with_actor})) ==
        "invalid_argument");
  CHECK(st->load(bad).value().empty());
  CHECK(outcome(st->summary(bad)) == "not_found");
  CHECK(st->streams().value().empty());
}

// --- summary seals (schema 2) -------------------------------------------------------------

namespace {

constexpr std::string_view forged_t1 = "the summary row of T1 does not match its trail: edited outside tierflow";

std::string hex(const tierflow::event_hash& h) {
  std::string out;
  for (const std::uint8_t b : h) out += fmt::format("{:02x}", b);
  return out;
}

/// T1 and T2 of customer C1 in the service centre's north queue, both due
/// at 10:00.
void two_tickets(tierflow::store& st, tierflow::ticket_summary& t1, tierflow::ticket_summary& t2) {
  t1 = conformance::ticket("T1");
  t2 = conformance::ticket("T2");
  t1.next_timer = conformance::at(10);
  t2.next_timer = conformance::at(10);
  conformance::save(st, t1);
  conformance::save(st, t2);
}

/// T1 is reported as forged by summary() and left out of every index
/// read, claims included; T2 is untouched.
void t1_is_caught(postgres_store& st, const tierflow::ticket_summary& t2) {
  const auto s = st.summary("T1");
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == errc::data_loss);
  CHECK(s.error().message() == forged_t1);
  CHECK(ids(st.queue("service_centre", "north")) == "T2");
  CHECK(ids(st.queue("service_centre", "south")).empty());
  CHECK(ids(st.customer_tickets("C1")) == "T2");
  CHECK(ids(st.customer_tickets("C9")).empty());
  CHECK(ids(st.open_tickets()) == "T2");
  // A forged row takes no place in a limit.
  CHECK(ids(st.due(conformance::at(10), 1)) == "T2");
  CHECK(ids(st.claim_due(conformance::at(10), 1)) == "T2");
  CHECK(st.summary("T2").value() == t2);
  CHECK(tierflow::verify(st.load("T1").value(), st.head("T1").value().head));
}

}  // namespace

TEST_CASE("store.postgres.a_summary_row_edited_outside_tierflow_is_data_loss_and_left_out_of_the_indexes") {
  scratch_database db;
  auto st = db.open();
  tierflow::ticket_summary t1, t2;
  two_tickets(*st, t1, t2);
  auto sql = db.superuser();

  SUBCASE("another owner") {
    sql->must("UPDATE tierflow.summaries SET owner = 'mallory' WHERE ticket_id = 'T1'");
    t1_is_caught(*st, t2);
  }
  SUBCASE("moved to another queue and another customer") {
    sql->must("UPDATE tierflow.summaries SET region = 'south', customer_id = 'C9' WHERE ticket_id = 'T1'");
    t1_is_caught(*st, t2);
  }
  SUBCASE("the seal removed") {
    sql->must("UPDATE tierflow.summaries SET seal = NULL WHERE ticket_id = 'T1'");
    t1_is_caught(*st, t2);
  }
  SUBCASE("an old row put back, with its seal, after the stream moved on") {
    const std::string old_seal = sql->must("SELECT encode(seal, 'hex') FROM tierflow.summaries WHERE ticket_id = 'T1'");
    tierflow::ticket_summary moved = t1;
    moved.region = "south";
    conformance::save(*st, moved);
    CHECK(ids(st->queue("service_centre", "south")) == "T1");
    sql->must("UPDATE tierflow.summaries SET region = 'north', version = 1, seal = decode($1, 'hex')"
              " WHERE ticket_id = 'T1'",
              {old_seal});
    t1_is_caught(*st, t2);
  }
  SUBCASE("a recomputed seal bound to a stale head") {
    const auto stale = st->head("T1").value();
    t1.state = "in_progress";
    conformance::save(*st, t1);
    tierflow::ticket_summary forged = t1;
    forged.owner = "mallory";
    sql->must("UPDATE tierflow.summaries SET owner = 'mallory', seal = decode($1, 'hex') WHERE ticket_id = 'T1'",
              {hex(tierflow::detail::summary_seal(forged, stale.version, stale.head))});
    t1_is_caught(*st, t2);
  }
  // tierflow's own next append seals the row afresh.
  tierflow::ticket_summary next = t1;
  next.state = "next";
  conformance::save(*st, next);
  CHECK(st->summary("T1").value() == next);
}

TEST_CASE("store.postgres.a_schema_1_database_is_sealed_at_migration_and_read_unsealed_when_read_only") {
  scratch_database db;
  tierflow::ticket_summary t1, t2;
  {
    auto st = db.open();
    two_tickets(*st, t1, t2);
  }
  // Schema 1 as released: this schema without the seal column.
  auto sql = db.superuser();
  sql->must("ALTER TABLE tierflow.summaries DROP COLUMN seal");
  sql->must("UPDATE tierflow.tierflow_schema SET version = 1");
  // An edit made before the upgrade.
  sql->must("UPDATE tierflow.summaries SET owner = 'mallory' WHERE ticket_id = 'T2'");
  tierflow::ticket_summary t2_edited = t2;
  t2_edited.owner = "mallory";

  tierflow::store_options read_only;
  read_only.read_only = true;
  {
    // An audit of the old database: it opens, writes nothing, and returns
    // the rows as they stand, unverified.
    auto reader = db.open(read_only);
    CHECK(reader->summary("T1").value() == t1);
    CHECK(reader->summary("T2").value() == t2_edited);
    CHECK(ids(reader->queue("service_centre", "north")) == "T1,T2");
    CHECK(ids(reader->due(conformance::at(10), 10)) == "T1,T2");
    CHECK(sql->must("SELECT version FROM tierflow.tierflow_schema") == "1");
  }
  {
    // The upgrade seals each row as it stands: the edit made before it is
    // blessed (as the header says), and every edit after it is caught.
    auto st = db.open();
    CHECK(sql->must("SELECT version FROM tierflow.tierflow_schema") == "2");
    CHECK(sql->must("SELECT count(*) FROM tierflow.summaries WHERE length(seal) = 32") == "2");
    CHECK(st->summary("T1").value() == t1);
    CHECK(st->summary("T2").value() == t2_edited);
    sql->must("UPDATE tierflow.summaries SET owner = 'eve' WHERE ticket_id = 'T1'");
    CHECK(outcome(st->summary("T1")) == "data_loss");
    CHECK(ids(st->queue("service_centre", "north")) == "T2");
    conformance::save(*st, t2);
    CHECK(st->summary("T2").value() == t2);
  }
  {
    auto reader = db.open(read_only);
    CHECK(outcome(reader->summary("T1")) == "data_loss");
    CHECK(reader->summary("T2").value() == t2);
  }
}

// `tierflow audit` on a PostgreSQL store the engine wrote: the CLI reaches it
// by URL, reads it, and finds an edit made behind the triggers' back.
TEST_CASE("store.postgres.tierflow_audit_verifies_shows_and_exports_a_postgresql_store") {
  scratch_database db;
  // The fixture's URL with the scratch database in its path.
  const std::string server = pg_server_url();
  const auto path = server.find(":///");
  REQUIRE(path != std::string::npos);
  const auto query = server.find('?', path);
  const std::string url = server.substr(0, path + 4) + db.name() +
                          (query == std::string::npos ? std::string() : server.substr(query));

  std::string ticket;
  std::size_t events = 0;
  {
    auto st = db.open();
    tierflow_test::engine_fixture eng(tierflow_test::local(2026, 11, 24, 9, 0), tierflow_test::shipped(),
                                      st.get());
    tierflow::manual_clock& clock = eng.clock;
    tierflow::open_request req;
    req.type = "complaint";
    req.channel = "hotline_95598";
    req.customer_id = "C7";
    req.customer = {{"region", tierflow::value{std::string("gusu")}}};
    req.opened_by = "reg_1";
    auto opened = eng->open(req);
    REQUIRE(opened);
    ticket = opened->ticket.id;
    REQUIRE(eng->act({ticket, "classify", {"csr_1", {"csr"}, ""}, "", {}}));
    REQUIRE(clock.set(tierflow_test::local(2026, 11, 25, 9, 0)));
    REQUIRE(eng->advance());
    events = eng->events(ticket).value().size();
  }

  const tierflow_test::temp_dir dir("tierflow_pg_audit");
  const std::string out = dir.file("out.txt");
  const auto run = [&](const std::string& args) {
    const std::string command = std::string("'") + TIERFLOW_CLI + "' audit " + args + " > '" + out + "' 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(command, "\n", text);
    REQUIRE(WIFEXITED(status));
    return std::pair{WEXITSTATUS(status), text};
  };

  const auto verified_run = run("verify --db '" + url + "'");
  const int verified = verified_run.first;
  const std::string& verify_text = verified_run.second;  // Clang 14: no structured binding in CAPTURE
  CAPTURE(verify_text);
  CHECK(verified == 0);
  CHECK(verify_text.find(fmt::format("verified 1 stream, {} events: OK", events)) != std::string::npos);
  const auto shown_run = run("show --db '" + url + "' " + ticket);
  const int shown = shown_run.first;
  const std::string& show_text = shown_run.second;  // Clang 14: no structured binding in CAPTURE
  CAPTURE(show_text);
  CHECK(shown == 0);
  CHECK(show_text.find("customer  C7") != std::string::npos);
  CHECK(show_text.find("deadline_warned") != std::string::npos);
  auto [exported, jsonl] = run("export --db '" + url + "' --format jsonl");
  CHECK(exported == 0);
  CHECK(static_cast<std::size_t>(std::count(jsonl.begin(), jsonl.end(), '\n')) == events);

  auto sql = db.superuser();
  sql->must("ALTER TABLE tierflow.events DISABLE TRIGGER USER");
  sql->must("UPDATE tierflow.events SET actor = 'mallory' WHERE stream = $1 AND seq = 3", {ticket});
  const auto broken_run = run("verify --db '" + url + "'");
  const int broken = broken_run.first;
  const std::string& broken_text = broken_run.second;  // Clang 14: no structured binding in CAPTURE
  CAPTURE(broken_text);
  CHECK(broken == 1);
  CHECK(broken_text.find(ticket + ": broken at event 3") != std::string::npos);
}

// --- round trips (issue 14): an append is one statement --------------------------------------
//
// Each count below is worked out from the design, not read off the code: an
// append is one statement (the append function), a ticket number is one
// nextval(), and the engine's open is one of each; an act on a ticket this
// engine holds is its append alone. Every handle here has one connection,
// made when it opened, so no connecting is counted in between.

namespace {

tierflow::store_options one_connection() {
  tierflow::store_options o;
  o.connections = 1;
  return o;
}

}  // namespace

TEST_CASE("store.postgres.append_is_at_most_two_round_trips") {
  scratch_database db;
  auto st = db.open(one_connection());
  tierflow::ticket_summary t1 = conformance::ticket("T1");

  // A new stream, its first event and its summary: one round trip.
  t1.version = 1;
  const auto first = conformance::sealed("T1", 0, {}, 1);
  auto before = st->round_trips();
  REQUIRE(st->append({.ticket_id = "T1", .expected_version = 0, .events = first, .summary = &t1}));
  CHECK(st->round_trips() - before == 1);

  // Three events on it: one.
  t1.version = 4;
  t1.state = "classified";
  const auto three = conformance::sealed("T1", 1, first.back().hash, 3);
  before = st->round_trips();
  REQUIRE(st->append({.ticket_id = "T1", .expected_version = 1, .events = three, .summary = &t1}));
  CHECK(st->round_trips() - before == 1);

  // 1,500 events, more than one INSERT's worth of parameters before: still one.
  t1.version = 1504;
  const auto many = conformance::sealed("T1", 4, three.back().hash, 1500);
  before = st->round_trips();
  REQUIRE(st->append({.ticket_id = "T1", .expected_version = 4, .events = many, .summary = &t1}));
  CHECK(st->round_trips() - before == 1);

  // A stream without a summary (not a ticket's): one.
  const auto plain = conformance::sealed("S1", 0, {}, 2);
  before = st->round_trips();
  REQUIRE(st->append({.ticket_id = "S1", .expected_version = 0, .events = plain}));
  CHECK(st->round_trips() - before == 1);

  // A ticket number: one.
  before = st->round_trips();
  REQUIRE(st->next_ticket_number());
  CHECK(st->round_trips() - before == 1);

  // A ticket number with a customer's tickets: one, a number fresher than
  // the last, and T1's summary (conformance::ticket's customer, C1).
  before = st->round_trips();
  const auto intake = st->number_and_history("C1");
  CHECK(st->round_trips() - before == 1);
  REQUIRE(intake);
  CHECK(intake->history == std::vector<tierflow::ticket_summary>{t1});

  // What was written is all there, in order, and chained to the head.
  const auto loaded = st->load("T1");
  REQUIRE(loaded);
  CHECK(loaded->size() == 1504);
  CHECK(loaded->at(1) == three.front());
  CHECK(loaded->back() == many.back());
  const auto head = st->head("T1");
  REQUIRE(head);
  CHECK(head->version == 1504);
  CHECK(head->head == many.back().hash);
  CHECK(tierflow::verify(*loaded, head->head));
  CHECK(st->summary("T1").value() == t1);
  CHECK(st->load("S1").value() == plain);
  CHECK(outcome(st->summary("S1")) == "not_found");
}

TEST_CASE("store.postgres.a_refused_append_writes_nothing_and_costs_one_round_trip") {
  scratch_database db;
  auto a = db.open(one_connection());
  auto b = db.open(one_connection());
  auto sql = db.superuser();
  tierflow::ticket_summary t1 = conformance::ticket("T1");
  conformance::save(*a, t1);  // T1 at version 1

  SUBCASE("two writers on one head: the second gets a conflict") {
    const auto h = b->head("T1");
    REQUIRE(h);
    REQUIRE(h->version == 1);
    const auto ours = conformance::sealed("T1", 1, h->head, 2, "engine_a");
    const auto theirs = conformance::sealed("T1", 1, h->head, 2, "engine_b");
    tierflow::ticket_summary sa = t1, sb = t1;
    sa.assignee = "engine_a";
    sb.assignee = "engine_b";
    sa.version = sb.version = 3;
    REQUIRE(a->append({.ticket_id = "T1", .expected_version = 1, .events = ours, .summary = &sa}));
    const auto before = b->round_trips();
    const auto lost = b->append({.ticket_id = "T1", .expected_version = 1, .events = theirs, .summary = &sb});
    CHECK(b->round_trips() - before == 1);
    REQUIRE_FALSE(lost);
    CHECK(lost.error().code() == errc::conflict);
    CHECK(lost.error().message() == "ticket T1: expected version 1, store has 3");
    CHECK(sql->must("SELECT count(*) FROM tierflow.events WHERE stream = 'T1'") == "3");
    CHECK(sql->must("SELECT count(*) FROM tierflow.events WHERE actor = 'engine_b'") == "0");
    CHECK(sql->must("SELECT version FROM tierflow.heads WHERE stream = 'T1'") == "3");
    CHECK(b->head("T1").value().head == ours.back().hash);
    CHECK(b->summary("T1").value() == sa);
  }
  SUBCASE("two writers of one new ticket: the second gets a conflict") {
    const auto ours = conformance::sealed("T2", 0, {}, 1, "engine_a");
    const auto theirs = conformance::sealed("T2", 0, {}, 2, "engine_b");
    tierflow::ticket_summary sa = conformance::ticket("T2"), sb = conformance::ticket("T2");
    sa.version = 1;
    sb.version = 2;
    REQUIRE(a->append({.ticket_id = "T2", .expected_version = 0, .events = ours, .summary = &sa}));
    const auto before = b->round_trips();
    const auto lost = b->append({.ticket_id = "T2", .expected_version = 0, .events = theirs, .summary = &sb});
    CHECK(b->round_trips() - before == 1);
    REQUIRE_FALSE(lost);
    CHECK(lost.error().code() == errc::conflict);
    CHECK(lost.error().message() == "ticket T2: expected version 0, store has 1");
    CHECK(sql->must("SELECT count(*) FROM tierflow.events WHERE stream = 'T2'") == "1");
    CHECK(sql->must("SELECT count(*) FROM tierflow.events WHERE actor = 'engine_b'") == "0");
    CHECK(b->summary("T2").value() == sa);
  }
  SUBCASE("a new ticket whose first event links to another head: refused, no head row made") {
    tierflow::event_hash elsewhere{};
    elsewhere[0] = 1;
    const auto unlinked = conformance::sealed("T3", 0, elsewhere, 1);
    tierflow::ticket_summary s3 = conformance::ticket("T3");
    s3.version = 1;
    const auto before = b->round_trips();
    const auto refused = b->append({.ticket_id = "T3", .expected_version = 0, .events = unlinked, .summary = &s3});
    CHECK(b->round_trips() - before == 1);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::invalid_argument);
    CHECK(refused.error().message() == "ticket T3: event 1 does not link to the stream's head");
    CHECK(sql->must("SELECT count(*) FROM tierflow.heads WHERE stream = 'T3'") == "0");
    CHECK(sql->must("SELECT count(*) FROM tierflow.events WHERE stream = 'T3'") == "0");
    CHECK(sql->must("SELECT count(*) FROM tierflow.summaries WHERE ticket_id = 'T3'") == "0");
  }
  SUBCASE("a ticket's stream appended to without its summary: refused") {
    const auto h = b->head("T1");
    REQUIRE(h);
    const auto bare = conformance::sealed("T1", h->version, h->head, 1);
    const auto before = b->round_trips();
    const auto refused = b->append({.ticket_id = "T1", .expected_version = h->version, .events = bare});
    CHECK(b->round_trips() - before == 1);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::invalid_argument);
    CHECK(refused.error().message().find("must carry the ticket's summary") != std::string::npos);
    CHECK(sql->must("SELECT count(*) FROM tierflow.events WHERE stream = 'T1'") == "1");
    CHECK(sql->must("SELECT version FROM tierflow.heads WHERE stream = 'T1'") == "1");
  }
  SUBCASE("a writer behind a lock it cannot get: an error, nothing written") {
    // Another session holds T1's head row: the append waits lock_timeout
    // (here the default 5 s is shortened through the session) and fails.
    auto holder = db.superuser();
    holder->must("BEGIN");
    holder->must("SELECT 1 FROM tierflow.heads WHERE stream = 'T1' FOR UPDATE");
    tierflow::store_options quick = one_connection();
    quick.busy_timeout = std::chrono::milliseconds{100};
    auto c = db.open(quick);
    const auto h = c->head("T1");
    REQUIRE(h);
    tierflow::ticket_summary next = t1;
    next.version = 2;
    const auto batch = conformance::sealed("T1", 1, h->head, 1, "engine_c");
    const auto blocked = c->append({.ticket_id = "T1", .expected_version = 1, .events = batch, .summary = &next});
    holder->must("ROLLBACK");
    REQUIRE_FALSE(blocked);
    CHECK(blocked.error().code() == errc::io_error);
    CHECK(sql->must("SELECT count(*) FROM tierflow.events WHERE actor = 'engine_c'") == "0");
    CHECK(sql->must("SELECT version FROM tierflow.heads WHERE stream = 'T1'") == "1");
    // The connection is fine afterwards: the same append now lands.
    REQUIRE(c->append({.ticket_id = "T1", .expected_version = 1, .events = batch, .summary = &next}));
    CHECK(sql->must("SELECT count(*) FROM tierflow.events WHERE actor = 'engine_c'") == "1");
  }
}

namespace {

/// Does the organisation derive customer attributes from the customer's
/// history? Then the engine reads the customer's tickets on every open.
bool derives_from_history(const tierflow::catalog& cat) {
  return std::any_of(cat.org.customer_attributes.begin(), cat.org.customer_attributes.end(),
                     [](const tierflow::attribute& a) { return a.derived.has_value(); });
}

/// A complaint of customer C7 in Gusu, registered by reg_1.
tierflow::open_request gusu_complaint() {
  tierflow::open_request req;
  req.type = "complaint";
  req.channel = "hotline_95598";
  req.customer_id = "C7";
  req.customer = {{"region", tierflow::value{std::string("gusu")}}};
  req.opened_by = "reg_1";
  return req;
}

}  // namespace

TEST_CASE("store.postgres.open_and_act_through_an_engine_are_at_most_two_round_trips") {
  scratch_database db;
  auto st = db.open(one_connection());

  SUBCASE("an organisation that derives nothing from history: an open is two") {
    // The shipped catalog with its derived customer attributes made plain
    // ones: the engine then reads no history when it opens a ticket.
    tierflow::catalog plain = tierflow_test::shipped();
    for (tierflow::attribute& a : plain.org.customer_attributes) a.derived.reset();
    REQUIRE_FALSE(derives_from_history(plain));
    tierflow_test::engine_fixture eng(tierflow_test::local(2026, 11, 24, 9, 0), plain, st.get());
    const auto before = st->round_trips();
    const auto opened = eng->open(gusu_complaint());
    const auto trips = st->round_trips() - before;
    REQUIRE(opened);
    CHECK(trips <= 2);
    CHECK(trips == 2);  // a ticket number and the append: neither can be left out
    CHECK(st->head(opened->ticket.id).value().version >= 1);
  }

  SUBCASE("the shipped organisation: an open is two, history included; acts at most two") {
    const tierflow::catalog& shipped = tierflow_test::shipped();
    REQUIRE(derives_from_history(shipped));  // repeat complaints within 30 days
    tierflow_test::engine_fixture eng(tierflow_test::local(2026, 11, 24, 9, 0), shipped, st.get());
    auto before = st->round_trips();
    const auto opened = eng->open(gusu_complaint());
    const auto open_trips = st->round_trips() - before;
    REQUIRE(opened);
    CHECK(open_trips == 2);  // the customer's tickets with a ticket number (one statement), the append
    const std::string ticket = opened->ticket.id;
    const std::size_t opened_events = eng->events(ticket).value().size();
    REQUIRE(opened_events >= 1);

    // Notes and a move: each act at most two, in total at most two apiece.
    const tierflow::actor csr{"csr_1", {"csr"}, ""};
    constexpr std::uint64_t notes = 5;
    before = st->round_trips();
    for (std::uint64_t i = 0; i < notes; ++i) {
      const auto one = st->round_trips();
      REQUIRE(eng->act({ticket, "report_skip_level_risk", csr, "note " + std::to_string(i), {}}));
      const auto trips = st->round_trips() - one;
      CHECK(trips >= 1);  // it was stored
      CHECK(trips <= 2);
    }
    const auto one = st->round_trips();
    REQUIRE(eng->act({ticket, "classify", csr, "", {}}));
    CHECK(st->round_trips() - one <= 2);
    CHECK(st->round_trips() - before <= 2 * (notes + 1));

    // A second complaint of C7 in the same statement's way: the first,
    // still open, counts as its repeat (complaints_last_30d, derived from
    // the history that came with its number), and its number is the next.
    before = st->round_trips();
    const auto again = eng->open(gusu_complaint());
    CHECK(st->round_trips() - before == 2);
    REQUIRE(again);
    const auto again_trail = eng->events(again->ticket.id).value();
    REQUIRE_FALSE(again_trail.empty());
    CHECK(again_trail.front().detail("customer.complaints_last_30d") == "1");
    CHECK(eng->events(ticket).value().front().detail("customer.complaints_last_30d") == "0");
    CHECK(again->ticket.id != ticket);

    // Every act landed: the trail grew by at least one event per act, and
    // the store's summary is at the classified state.
    const auto trail = st->load(ticket);
    REQUIRE(trail);
    CHECK(trail->size() >= opened_events + notes + 1);
    CHECK(tierflow::verify(*trail, st->head(ticket).value().head));
    CHECK(st->summary(ticket).value().state == "classified");
  }
}

TEST_CASE("store.postgres.a_database_without_the_append_function_gets_it_at_a_writable_open") {
  // A database made by a build from before the function: schema 2 as it
  // was, without tierflow.append_events_1.
  scratch_database db;
  tierflow::ticket_summary t1 = conformance::ticket("T1");
  {
    auto st = db.open();
    conformance::save(*st, t1);
  }
  auto sql = db.superuser();
  const char* exists = "SELECT count(*) FROM pg_proc WHERE proname = 'append_events_1'"
                       " AND pronamespace = 'tierflow'::regnamespace";
  CHECK(sql->must(exists) == "1");
  sql->must("DROP FUNCTION tierflow.append_events_1");
  CHECK(sql->must(exists) == "0");

  tierflow::store_options read_only;
  read_only.read_only = true;
  {
    // An audit writes nothing: it reads, and the function stays missing.
    auto reader = db.open(read_only);
    CHECK(reader->summary("T1").value() == t1);
    CHECK(sql->must(exists) == "0");
  }
  {
    auto st = db.open();
    CHECK(sql->must(exists) == "1");
    CHECK(sql->must("SELECT version FROM tierflow.tierflow_schema") == "2");
    conformance::save(*st, t1);
    CHECK(st->summary("T1").value() == t1);
    CHECK(st->head("T1").value().version == 2);
  }
}
