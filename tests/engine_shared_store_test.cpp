// SPDX-License-Identifier: MIT
// Two engines on one store, as two CRM servers on one database: a store
// that says it is shared (store::shared) makes each engine re-read a ticket
// another engine moved, re-judge a command that lost a version race, and
// fire each timer once between them. In one process over a memory store, so
// the races can be staged exactly; the PostgreSQL tests run the same across
// processes.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/tierflow.hpp>

#include "support/engine_fixture.hpp"
#include "support/forwarding_store.hpp"
#include "test_support.hpp"

namespace {

namespace tf = tierflow;
using namespace std::chrono_literals;
using tierflow_test::local;
using tierflow_test::shipped;
using tf::timestamp;

/// One memory store seen through several handles that all say shared():
/// what each engine sees of the others' appends. `before_append`, when set,
/// runs once, inside the next append through this handle and before it
/// reaches the store: there another engine can move the ticket first.
class shared_handle final : public tierflow_test::forwarding_store {
 public:
  explicit shared_handle(tf::memory_store& inner) : forwarding_store(inner) {}

  std::function<void()> before_append;
  /// Runs once, right after the next load through this handle returns.
  mutable std::function<void()> after_load;
  std::atomic<int> conflicts{0};

  [[nodiscard]] tf::result<void> append(const tf::append_request& r) override {
    if (before_append) std::exchange(before_append, nullptr)();
    auto ok = forwarding_store::append(r);
    if (!ok && ok.error().code() == tf::errc::conflict) ++conflicts;
    return ok;
  }
  [[nodiscard]] tf::result<std::vector<tf::event>> load(std::string_view id) const override {
    auto events = forwarding_store::load(id);
    if (after_load) std::exchange(after_load, nullptr)();
    return events;
  }
  [[nodiscard]] bool shared() const noexcept override { return true; }
};

/// Each engine (a CRM server) is an engine_fixture over a handle, on its
/// own manual clock (two servers' clocks).
using server = tierflow_test::engine_fixture;

tf::actor csr(std::string id) { return {std::move(id), {"csr"}, ""}; }

tf::open_request complaint(std::string customer) {
  tf::open_request r;
  r.type = "complaint";
  r.channel = "hotline_95598";
  r.customer_id = std::move(customer);
  r.customer.emplace_back("region", tf::value{std::string("gusu")});
  r.description = "meter reads twice the usual";
  r.opened_by = "reg_1";
  return r;
}

tf::act_request request(std::string id, std::string action, tf::actor by, std::string note = {}) {
  tf::act_request r;
  r.ticket_id = std::move(id);
  r.action = std::move(action);
  r.by = std::move(by);
  r.note = std::move(note);
  return r;
}

/// The notes of a ticket's trail, in order.
std::vector<std::string> notes(const std::vector<tf::event>& trail) {
  std::vector<std::string> out;
  for (const auto& e : trail)
    if (const auto n = e.detail("note")) out.emplace_back(*n);
  return out;
}

void check_consistent(const server& s, const std::string& id) {
  const auto v = s->view(id);
  REQUIRE(v);
  const auto r = s->replay(id);
  REQUIRE(r);
  CHECK(*v == *r);
  CHECK(s->verify(id));
}

}  // namespace

TEST_CASE("engine.shared_store.an_engine_sees_what_another_engine_did_to_a_ticket") {
  tf::memory_store db;
  shared_handle ha(db), hb(db);
  const timestamp t0 = local(2026, 11, 24, 9, 0);
  server a(t0, shipped(), &ha), b(t0, shipped(), &hb);

  auto opened = a->open(complaint("C1"));
  REQUIRE(opened);
  const std::string id = opened->ticket.id;

  // B never saw the ticket: it reads it from the store.
  auto classified = b->act(request(id, "classify", csr("csr_b")));
  REQUIRE_MESSAGE(classified, (classified ? "" : classified.error().message()));
  CHECK(classified->state == "classified");

  // A's own record is behind; its view and its next command meet the new state.
  auto seen = a->view(id);
  REQUIRE(seen);
  CHECK(seen->state == "classified");
  CHECK(seen->owner == "csr_b");
  CHECK(seen->version == classified->version);
  auto again = a->act(request(id, "classify", csr("csr_a")));
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == tf::errc::not_found);  // no `classify` in `classified` any more

  // The queue and the contact record list it as it is now, from either side.
  auto q = a->queue("customer_service_center");
  REQUIRE(q);
  REQUIRE(q->size() == 1);
  CHECK(q->front().state == "classified");
  check_consistent(a, id);
  check_consistent(b, id);
  CHECK(ha.conflicts == 0);
  CHECK(hb.conflicts == 0);
}

TEST_CASE("engine.shared_store.a_command_that_loses_a_version_race_is_judged_again_on_the_new_state") {
  tf::memory_store db;
  shared_handle ha(db), hb(db);
  const timestamp t0 = local(2026, 11, 24, 9, 0);
  server a(t0, shipped(), &ha), b(t0, shipped(), &hb);
  auto opened = a->open(complaint("C1"));
  REQUIRE(opened);
  const std::string id = opened->ticket.id;

  SUBCASE("both commands land, each once, in the order the store took them") {
    // A builds its note on version v; before it reaches the store, B appends
    // its own note to the same ticket. A's append conflicts, A re-reads the
    // ticket and appends again on top of B's.
    ha.before_append = [&] {
      auto n = b->act(request(id, "report_skip_level_risk", csr("csr_b"), "from B"));
      REQUIRE(n);
    };
    auto n = a->act(request(id, "report_skip_level_risk", csr("csr_a"), "from A"));
    REQUIRE_MESSAGE(n, (n ? "" : n.error().message()));
    CHECK(ha.conflicts == 1);
    const auto trail = a->events(id);
    REQUIRE(trail);
    CHECK(notes(*trail) == std::vector<std::string>{"from B", "from A"});
    CHECK(n->version == trail->size());
    check_consistent(a, id);
    check_consistent(b, id);
  }

  SUBCASE("the retried command is refused when the new state no longer allows it") {
    ha.before_append = [&] { REQUIRE(b->act(request(id, "classify", csr("csr_b")))); };
    auto n = a->act(request(id, "classify", csr("csr_a")));
    REQUIRE_FALSE(n);
    CHECK(n.error().code() == tf::errc::not_found);
    const auto v = a->view(id);
    REQUIRE(v);
    CHECK(v->owner == "csr_b");  // first responder stays B: A never claimed it
    const auto trail = a->events(id);
    REQUIRE(trail);
    std::size_t accepted = 0, denied = 0;
    for (const auto& e : *trail) {
      accepted += e.type == tf::event_type::accepted;
      denied += e.type == tf::event_type::denied;
    }
    CHECK(accepted == 1);
    CHECK(denied == 0);  // A's refusal is on the denial stream, not the trail
    const auto refused = a->denials(id);
    REQUIRE(refused);
    REQUIRE(refused->size() == 1);
    CHECK(refused->front().actor_id == "csr_a");
    CHECK(refused->front().detail("code") == "not_found");
    check_consistent(a, id);
  }

  SUBCASE("a caller's expected version makes the race the caller's") {
    ha.before_append = [&] {
      REQUIRE(b->act(request(id, "report_skip_level_risk", csr("csr_b"), "from B")));
    };
    auto req = request(id, "report_skip_level_risk", csr("csr_a"), "from A");
    req.expected_version = opened->ticket.version;
    auto n = a->act(req);
    REQUIRE_FALSE(n);
    CHECK(n.error().code() == tf::errc::conflict);
    const auto trail = a->events(id);
    REQUIRE(trail);
    CHECK(notes(*trail) == std::vector<std::string>{"from B"});
    // The refusal is audited like any stale version, on the denial stream.
    CHECK(trail->back().type != tf::event_type::denied);
    const auto refused = a->denials(id);
    REQUIRE(refused);
    REQUIRE(refused->size() == 1);
    CHECK(refused->back().actor_id == "csr_a");
    CHECK(refused->back().detail("code") == "conflict");
    CHECK(a->stats().denied == 1);
    check_consistent(a, id);
  }

  SUBCASE("a refusal does not race the ticket: it goes to the denial stream") {
    // A refuses (no such action in `received`); before its denial lands, B
    // appends to the ticket: neither disturbs the other.
    ha.before_append = [&] {
      REQUIRE(b->act(request(id, "report_skip_level_risk", csr("csr_b"), "from B")));
    };
    auto n = a->act(request(id, "acknowledge", csr("csr_a")));
    REQUIRE_FALSE(n);
    CHECK(n.error().code() == tf::errc::not_found);
    CHECK(ha.conflicts == 0);
    const auto trail = a->events(id);
    REQUIRE(trail);
    CHECK(notes(*trail) == std::vector<std::string>{"from B"});
    CHECK(trail->back().type != tf::event_type::denied);
    const auto refused = b->denials(id);
    REQUIRE(refused);
    REQUIRE(refused->size() == 1);
    CHECK(refused->back().detail("code") == "not_found");
    CHECK(a->verify(tf::denial_stream_of(id)));
    check_consistent(a, id);
  }

  SUBCASE("a refusal judged on what another engine changed since is judged again") {
    // B classifies; A still holds the ticket as `received`, where `dispatch`
    // does not exist. Before refusing, A reads the head, sees the move, and
    // judges again on `classified`: accepted.
    REQUIRE(b->act(request(id, "classify", csr("csr_b"))));
    auto n = a->act(request(id, "dispatch", tf::actor{"disp_1", {"dispatcher"}, ""}));
    REQUIRE_MESSAGE(n, (n ? "" : n.error().message()));
    CHECK(n->state == "dispatched");
    const auto refused = a->denials(id);
    REQUIRE(refused);
    CHECK(refused->empty());
    CHECK(a->stats().denied == 0);
    check_consistent(a, id);
  }
}

TEST_CASE("engine.shared_store.two_engines_advancing_at_once_fire_each_timer_once") {
  tf::memory_store db;
  shared_handle ha(db), hb(db);
  const timestamp t0 = local(2026, 11, 24, 9, 0);
  server a(t0, shipped(), &ha), b(t0, shipped(), &hb);
  std::vector<std::string> ids;
  for (int i = 0; i < 24; ++i) {
    server& s = i % 2 == 0 ? a : b;
    REQUIRE(s.clock.set(t0 + std::chrono::minutes{i}));
    auto o = s->open(complaint("C" + std::to_string(i)));
    REQUIRE(o);
    ids.push_back(o->ticket.id);
    // Some tickets move on, so their timers differ.
    if (i % 3 == 0) REQUIRE(s->act(request(o->ticket.id, "classify", csr("csr_1"))));
  }
  // Both servers fire everything due over the next four days, in steps, at
  // the same time on two threads.
  std::atomic<std::size_t> fired{0};
  const auto run = [&](server& s) {
    for (int h = 1; h <= 96; ++h) {
      const timestamp t = t0 + std::chrono::hours{h};
      REQUIRE(s.clock.set(t));
      auto r = s->advance(t);
      REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
      fired += r->fired;
    }
  };
  std::thread ta([&] { run(a); });
  std::thread tb([&] { run(b); });
  ta.join();
  tb.join();

  // Every timer event is on its trail once: no deadline warned twice at one
  // percentage, no breach or step limit recorded twice.
  std::size_t timer_events = 0;
  for (const auto& id : ids) {
    CAPTURE(id);
    const auto trail = a->events(id);
    REQUIRE(trail);
    std::set<std::string> seen;
    for (const auto& e : *trail) {
      if (e.type != tf::event_type::deadline_warned && e.type != tf::event_type::deadline_breached) continue;
      ++timer_events;
      std::string key = std::string(to_string(e.type)) + " " + std::string(e.detail("deadline").value_or("")) +
                        " " + std::string(e.detail("percent").value_or("")) + " " +
                        std::string(e.detail("after").value_or(""));
      CHECK_MESSAGE(seen.insert(key).second, "fired twice: " << key);
    }
    check_consistent(a, id);
    check_consistent(b, id);
  }
  CHECK(timer_events > ids.size());  // deadlines really fell due
  CHECK(fired.load() == timer_events);
  // Nothing is left due for either server.
  const auto again_a = a->advance(t0 + std::chrono::hours{96});
  const auto again_b = b->advance(t0 + std::chrono::hours{96});
  REQUIRE(again_a);
  REQUIRE(again_b);
  CHECK(again_a->fired + again_b->fired == 0);
}

TEST_CASE("engine.shared_store.two_engines_share_the_log_of_denials_on_unknown_tickets") {
  tf::memory_store db;
  shared_handle ha(db), hb(db);
  const timestamp t0 = local(2026, 11, 24, 9, 0);
  server a(t0, shipped(), &ha), b(t0, shipped(), &hb);
  // B's refusal lands between A's read of the log's head and A's append.
  ha.before_append = [&] { CHECK_FALSE(b->act(request("T99999998", "classify", csr("csr_b")))); };
  auto r = a->act(request("T99999999", "classify", csr("csr_a")));
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == tf::errc::not_found);
  const auto log = a->events(tf::engine::denial_log_id);
  REQUIRE(log);
  REQUIRE(log->size() == 2);
  CHECK((*log)[0].detail("ticket") == "T99999998");
  CHECK((*log)[1].detail("ticket") == "T99999999");
  const auto head = db.head(tf::engine::denial_log_id);
  REQUIRE(head);
  CHECK(tf::verify(*log, head->head));
}

TEST_CASE("engine.shared_store.checking_a_trail_while_another_engine_appends_to_it_is_no_break") {
  tf::memory_store db;
  shared_handle ha(db), hb(db);
  const timestamp t0 = local(2026, 11, 24, 9, 0);
  server a(t0, shipped(), &ha);
  auto opened = a->open(complaint("C1"));
  REQUIRE(opened);
  const std::string id = opened->ticket.id;

  // B reads the trail; A appends before B reads the head.
  server b(t0, shipped(), &hb);
  hb.after_load = [&] { REQUIRE(a->act(request(id, "report_skip_level_risk", csr("csr_a"), "meanwhile"))); };
  CHECK(b->verify(id));

  // An engine restoring its tickets while another appends starts cleanly.
  hb.after_load = [&] { REQUIRE(a->act(request(id, "report_skip_level_risk", csr("csr_a"), "again"))); };
  server c(t0, shipped(), &hb);
  check_consistent(c, id);
  CHECK(c->view(id)->version == a->view(id)->version);
}
