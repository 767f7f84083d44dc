// SPDX-License-Identifier: MIT
// The storage a command builds its events in (src/engine/command.hpp): each
// thread keeps it from command to command, and every event is written over
// what an earlier command left there. What the engine records must not
// depend on it: the same commands at the same instants give byte-identical
// trails (hashes included) on a thread whose storage is fresh and on one
// that ran other commands first — commands with more events, more details
// and longer strings. And a command that runs while another is being
// stored on the same thread (a store that calls the engine from its
// append) builds in storage of its own: the first command's events reach
// the store as they were built.
#include <cstddef>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/store.hpp>

#include "engine_checks.hpp"
#include "support/engine_cases.hpp"
#include "support/engine_fixture.hpp"
#include "support/forwarding_store.hpp"
#include "test_support.hpp"

namespace {

namespace tf = tierflow;
using tierflow_test::engine_fixture;
using tierflow_test::forwarding_store;
using tierflow_test::local;
using namespace tierflow_test::engine_cases;

// What a scenario left: each ticket's trail, or the first error (the
// scenarios run on threads of their own, where a failed REQUIRE could not
// end the test).
struct outcome {
  std::vector<std::vector<tf::event>> trails;
  std::string error;
};

// One complaint through its steps, then its timers: opens, claims,
// transitions, a handoff with its notification, an escalation, a breach.
// `note` goes with every action: a long one gives each action's event one
// more detail, with a string longer than one held inline.
// `day`: the day of November 2026 it opens on; its timers run six days.
void walk(engine_fixture& h, unsigned day, const std::string& customer, const std::string& note,
          outcome& out) {
  const auto fail = [&](const std::string& what, const tf::error& e) {
    if (out.error.empty()) out.error = what + ": " + e.message();
  };
  h.at(local(2026, 11, day, 9, 0));
  auto o = h->open(complaint(customer));
  if (!o) return fail("open", o.error());
  const std::string id = o->ticket.id;
  const auto step = [&](const std::string& action, const tf::actor& who) {
    if (!out.error.empty()) return;
    // A handoff and a referral need a note.
    const bool needs_note = action == "need_tech" || action == "refer_up";
    const std::string given = note.empty() && needs_note ? "transformer hum" : note;
    if (auto v = h->act(request(id, action, who, given)); !v) fail(action, v.error());
  };
  step("classify", csr("csr_1"));
  step("dispatch", dispatcher());
  step("acknowledge", csr("csr_1"));
  step("contact_customer", csr("csr_1"));
  step("start_investigation", csr("csr_1"));
  h.at(local(2026, 11, day, 10, 0));
  step("need_tech", csr("csr_1"));
  step("tech_done", engineer());
  step("refer_up", csr("csr_1"));
  if (auto adv = h->advance(local(2026, 11, day + 6, 9, 0)); !adv) fail("advance", adv.error());
  if (!out.error.empty()) return;
  auto t = h->events(id);
  if (!t) return fail("events", t.error());
  out.trails.push_back(std::move(*t));
}

// The scenario every test compares: two complaints with no notes, on a
// fresh engine.
void scenario(outcome& out) {
  engine_fixture h(local(2026, 11, 2, 9, 0));
  walk(h, 2, "cust_a", "", out);
  walk(h, 16, "cust_b", "", out);
}

// Fills the thread's event storage: other commands on another engine,
// with long notes, descriptions and more details than the scenario's.
void dirty(outcome& out) {
  engine_fixture h(local(2026, 11, 2, 9, 0));
  const std::string long_note(200, 'n');
  walk(h, 2, "a_customer_whose_id_is_longer_than_inline", long_note, out);
  walk(h, 16, "another_customer_with_a_long_id_too", long_note, out);
}

outcome on_own_thread(void (*first)(outcome&), void (*then)(outcome&)) {
  outcome before, after;
  std::thread t([&] {
    if (first != nullptr) first(before);
    then(after);
  });
  t.join();
  if (!before.error.empty()) after.error = "before: " + before.error;
  return after;
}

}  // namespace

TEST_CASE("engine.event_storage.reused_storage_records_what_fresh_storage_does") {
  const outcome fresh = on_own_thread(nullptr, scenario);
  REQUIRE_MESSAGE(fresh.error.empty(), fresh.error);
  const outcome reused = on_own_thread(dirty, scenario);
  REQUIRE_MESSAGE(reused.error.empty(), reused.error);
  REQUIRE(fresh.trails.size() == 2);
  REQUIRE(reused.trails.size() == 2);
  for (std::size_t t = 0; t < fresh.trails.size(); ++t) {
    const auto& a = fresh.trails[t];
    const auto& b = reused.trails[t];
    // Each trail has commands of one event and of several, with a breach.
    CHECK(a.size() > 15);
    CHECK(count_type(a, tf::event_type::deadline_breached) > 0);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      CHECK_MESSAGE(a[i] == b[i], "ticket " << t << " event " << i << ": "
                                            << tierflow_test::describe(a[i]) << " vs "
                                            << tierflow_test::describe(b[i]));
  }
  // The same commands a second time on the same thread: the storage now
  // holds the scenario's own events, written over once more.
  const outcome twice = on_own_thread(scenario, scenario);
  REQUIRE_MESSAGE(twice.error.empty(), twice.error);
  CHECK(twice.trails == fresh.trails);
}

namespace {

// A store that, on the first append of ticket `outer`, acts on ticket
// `inner` through the engine before it stores the append: a command run
// while another is being stored, on the same thread. It keeps what the
// outer append asked to store as it arrived.
class reentrant_store final : public forwarding_store {
 public:
  using forwarding_store::forwarding_store;
  tf::engine* eng = nullptr;
  std::string outer, inner;
  std::vector<tf::event> outer_asked;
  std::string inner_error;
  bool done = false;

  tf::result<void> append(const tf::append_request& request) override {
    if (!done && eng != nullptr && request.ticket_id == outer) {
      done = true;
      auto v = eng->act(request_for(inner));
      if (!v) inner_error = v.error().message();
      outer_asked.assign(request.events.begin(), request.events.end());
    }
    return forwarding_store::append(request);
  }

 private:
  static tf::act_request request_for(const std::string& id) {
    return request(id, "classify", csr("csr_2"), "classified while another ticket was being stored");
  }
};

}  // namespace

TEST_CASE("engine.event_storage.a_command_inside_another_builds_in_storage_of_its_own") {
  tf::memory_store inner_store;
  reentrant_store st(inner_store);
  engine_fixture h(local(2026, 11, 24, 9, 0), tierflow_test::shipped(), &st);
  const std::string a = open_ok(*h, complaint("cust_outer"));
  const std::string b = open_ok(*h, complaint("cust_inner"));
  const std::size_t a_before = trail(*h, a).size();
  const std::size_t b_before = trail(*h, b).size();
  st.eng = &*h;
  st.outer = a;
  st.inner = b;
  // The outer command: a note long enough that its details hold strings
  // beyond the inline size, so that storage shared with the inner command
  // would show.
  act_ok(*h, a, "classify", csr("csr_1"), std::string(120, 'o'));
  REQUIRE(st.done);
  CHECK_MESSAGE(st.inner_error.empty(), st.inner_error);
  const auto ta = trail(*h, a);
  const auto tb = trail(*h, b);
  // Each ticket got its own command's events, and the outer store saw
  // exactly what was stored for it.
  REQUIRE(ta.size() > a_before);
  REQUIRE(tb.size() > b_before);
  CHECK(std::vector<tf::event>(ta.begin() + static_cast<std::ptrdiff_t>(a_before), ta.end()) ==
        st.outer_asked);
  for (std::size_t i = a_before; i < ta.size(); ++i) CHECK(ta[i].ticket_id == a);
  for (std::size_t i = b_before; i < tb.size(); ++i) CHECK(tb[i].ticket_id == b);
  // The action's event (a claim may come before it) carries its note.
  const auto note_of = [](const std::vector<tf::event>& t, std::size_t from) {
    for (std::size_t i = from; i < t.size(); ++i)
      if (t[i].detail("action") == "classify") return detail(t[i], "note");
    return std::string("(no classify event)");
  };
  CHECK(note_of(ta, a_before) == std::string(120, 'o'));
  CHECK(note_of(tb, b_before) == "classified while another ticket was being stored");
  check_consistent(*h, a);
  check_consistent(*h, b);
}
