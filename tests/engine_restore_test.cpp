// SPDX-License-Identifier: MIT
// The engine and its store: a new engine over the same store restores the
// open tickets and carries on, and an edited copy of a stored trail fails
// verification. On the SHIPPED definitions under a manual clock.
//
// Every expected instant is worked out by hand from the rules of
// tierflow/calendar.hpp on the shipped `office` calendar (Mon-Fri
// 08:30-12:00 and 13:30-17:30, +08:00; 27000 working seconds a day; 2026
// holidays include 10-01..10-07, and Sat 10-10 is a make-up working day).
// `bd` = the same working offset N working days later, holidays skipped.
// Local (UTC+8) times are written local(y, m, d, h, mi[, s]). The helpers
// are in support/engine_cases.hpp, the engine in support/engine_fixture.hpp.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

#include "support/engine_cases.hpp"
#include "support/forwarding_store.hpp"
#include "support/engine_fixture.hpp"
#include "test_support.hpp"

namespace chr = std::chrono;
namespace tf = tierflow;
using tf::timestamp;
using tierflow_test::engine_fixture;
using tierflow_test::iso;
using tierflow_test::local;
using tierflow_test::shipped;
using namespace tierflow_test::engine_cases;

// 8. Restore from the store
// ================================================================================

TEST_CASE("engine.restore.a_new_engine_over_the_same_store_continues") {
  recording_store st;
  std::string t1, t2, t3;
  tf::ticket_view v1, v2, v3;
  std::vector<tf::event> trail1;
  {
    // Engine A: T1 opened Tue 2026-11-24 09:00 and T2 10:00 local, both
    // acknowledged; T3 (a big customer of gusu) 10:05, left in `received`.
    engine_fixture a(local(2026, 11, 24, 9, 0), shipped(), &st);
    t1 = open_ok(*a, complaint("cust_r1"));
    acknowledge(*a, t1, csr("csr_1"));
    a.at(local(2026, 11, 24, 10, 0));
    t2 = open_ok(*a, complaint("cust_r2"));
    acknowledge(*a, t2, csr("csr_2"));
    a.at(local(2026, 11, 24, 10, 5));
    t3 = open_ok(*a, complaint("cust_r3", "gusu", true));
    // A denial is part of the trail too.
    REQUIRE_FALSE(a->act(request(t1, "reply", csr("csr_1"))).has_value());
    CHECK(t1 == "T00000001");
    CHECK(t3 == "T00000003");
    v1 = view_of(*a, t1);
    v2 = view_of(*a, t2);
    v3 = view_of(*a, t3);
    trail1 = trail(*a, t1);
  }  // A is gone; the store remains.

  engine_fixture b(local(2026, 11, 24, 10, 5), shipped(), &st);
  CHECK(view_of(*b, t1) == v1);
  CHECK(view_of(*b, t2) == v2);
  CHECK(view_of(*b, t3) == v3);
  CHECK(trail(*b, t1) == trail1);
  check_consistent(*b, t1);
  check_consistent(*b, t2);
  check_consistent(*b, t3);
  auto gusu = b->queue("regional_account_manager", "gusu");
  REQUIRE(gusu.has_value());
  REQUIRE(gusu->size() == 1);
  CHECK((*gusu)[0].id == t3);

  // A's pending timers fire on B's advance, in due order across tickets.
  // T3: step 30m from 10:05 -> 10:20, 10:27:30, 10:32, breach 10:35 (its
  // +1bd is Wed 10:35); contact from 10:05 -> 22:05, 04:05, 07:41 (breach
  // Wed 10:05). T1 and T2: contact from 09:00 and 10:00.
  (void)st.take_log();
  auto r = b->advance(local(2026, 11, 25, 10, 0));
  REQUIRE(r.has_value());
  CHECK(r->fired == 15);
  CHECK(r->tickets == 3);
  const auto line = [](const std::string& t, timestamp at, const std::string& what) {
    return t + " " + iso(at) + " " + what + "\n";
  };
  CHECK(st.take_log() == line(t3, local(2026, 11, 24, 10, 20), "deadline_warned step 50%") +
                             line(t3, local(2026, 11, 24, 10, 27, 30), "deadline_warned step 75%") +
                             line(t3, local(2026, 11, 24, 10, 32), "deadline_warned step 90%") +
                             line(t3, local(2026, 11, 24, 10, 35), "deadline_breached step") +
                             line(t1, local(2026, 11, 24, 21, 0), "deadline_warned contact 50%") +
                             line(t2, local(2026, 11, 24, 22, 0), "deadline_warned contact 50%") +
                             line(t3, local(2026, 11, 24, 22, 5), "deadline_warned contact 50%") +
                             line(t1, local(2026, 11, 25, 3, 0), "deadline_warned contact 75%") +
                             line(t2, local(2026, 11, 25, 4, 0), "deadline_warned contact 75%") +
                             line(t3, local(2026, 11, 25, 4, 5), "deadline_warned contact 75%") +
                             line(t1, local(2026, 11, 25, 6, 36), "deadline_warned contact 90%") +
                             line(t2, local(2026, 11, 25, 7, 36), "deadline_warned contact 90%") +
                             line(t3, local(2026, 11, 25, 7, 41), "deadline_warned contact 90%") +
                             line(t1, local(2026, 11, 25, 9, 0), "deadline_breached contact") +
                             line(t2, local(2026, 11, 25, 10, 0), "deadline_breached contact"));
  b.at(local(2026, 11, 25, 10, 0));
  CHECK(view_of(*b, t1).tier == "regional_account_manager");
  CHECK(view_of(*b, t2).tier == "regional_account_manager");
  CHECK(view_of(*b, t3).tier == "regional_account_manager");
  CHECK(view_of(*b, t3).has_flag("step_overdue"));

  // New tickets continue the numbering; restored tickets take actions.
  CHECK(open_ok(*b, complaint("cust_r4")) == "T00000004");
  act_ok(*b, t3, "classify", regional("rm_gusu", "gusu"));
  check_consistent(*b, t1);
  check_consistent(*b, t2);
  check_consistent(*b, t3);
}

// ================================================================================
// 9. Tamper evidence
// ================================================================================

TEST_CASE("engine.audit.an_edited_copy_of_a_stored_trail_fails_verification") {
  tf::memory_store st;
  engine_fixture h(local(2026, 11, 24, 9, 0), shipped(), &st);
  const std::string id = open_ok(*h, complaint("cust_tamper"));
  acknowledge(*h, id, csr("csr_1"));

  auto loaded = st.load(id);
  REQUIRE(loaded.has_value());
  auto head = st.head(id);
  REQUIRE(head.has_value());
  std::vector<tf::event> copy = *loaded;
  REQUIRE(copy.size() >= 3);
  REQUIRE(tf::verify(std::span<const tf::event>(copy)).has_value());
  REQUIRE(tf::verify(std::span<const tf::event>(copy), head->head).has_value());

  const auto edit = [&](std::size_t index, std::string_view key, std::string value) {
    for (auto& [k, v] : copy[index].details)
      if (k == key) {
        v = std::move(value);
        return;
      }
    FAIL("event " << index + 1 << " has no detail " << std::string(key));
  };
  SUBCASE("the routing rule of event 2") {
    REQUIRE(copy[1].type == tf::event_type::routed);
    edit(1, "rule", "key_big_customer");
    CHECK_FALSE(tf::verify(std::span<const tf::event>(copy)).has_value());
    auto r = tf::first_break(std::span<const tf::event>(copy));
    REQUIRE(r.has_value());
    CHECK(r->reason == tf::chain_break::edited);
    CHECK(r->sequence == 2);
  }
  SUBCASE("the description in `opened`") {
    REQUIRE(copy[0].type == tf::event_type::opened);
    edit(0, "description", "all fine, thank you");
    CHECK_FALSE(tf::verify(std::span<const tf::event>(copy), head->head).has_value());
    auto r = tf::first_break(std::span<const tf::event>(copy), head->head);
    REQUIRE(r.has_value());
    CHECK(r->reason == tf::chain_break::edited);
    CHECK(r->sequence == 1);
  }
  SUBCASE("the last event") {
    const std::size_t last = copy.size() - 1;
    REQUIRE(copy[last].type == tf::event_type::transitioned);
    edit(last, "to", "closed");
    CHECK_FALSE(tf::verify(std::span<const tf::event>(copy)).has_value());
    auto r = tf::first_break(std::span<const tf::event>(copy));
    REQUIRE(r.has_value());
    CHECK(r->reason == tf::chain_break::edited);
    CHECK(r->sequence == copy.size());
  }
  // The store's own trail is untouched and still verifies.
  CHECK(*st.load(id) == *loaded);
  CHECK(h->verify(id).has_value());
}

namespace {

/// A store that serves ticket `original`'s stream, head and summary also
/// under the id `copy`: what a store would hold if someone copied one
/// ticket's events, ticket ids and all, into another's stream. Every hash
/// and link stays valid; only the events' ticket id gives the copy away.
class copying_store final : public tierflow_test::forwarding_store {
 public:
  copying_store(tf::store& inner, std::string original, std::string copy, bool listed)
      : forwarding_store(inner), original_(std::move(original)), copy_(std::move(copy)), listed_(listed) {}

  [[nodiscard]] tf::result<std::vector<tf::event>> load(std::string_view id) const override {
    return inner().load(id == copy_ ? original_ : id);
  }
  [[nodiscard]] tf::result<stream_head> head(std::string_view id) const override {
    return inner().head(id == copy_ ? original_ : id);
  }
  [[nodiscard]] tf::result<std::vector<tf::ticket_summary>> open_tickets() const override {
    auto open = inner().open_tickets();
    if (!open || !listed_) return open;
    for (const auto& t : *open) {
      if (t.ticket_id != original_) continue;
      tf::ticket_summary copied = t;
      copied.ticket_id = copy_;
      open->push_back(std::move(copied));
      break;
    }
    return open;
  }
  [[nodiscard]] tf::result<std::vector<std::string>> streams() const override {
    auto ids = inner().streams();
    if (ids) ids->push_back(copy_);
    return ids;
  }

 private:
  std::string original_, copy_;
  bool listed_;
};

}  // namespace

TEST_CASE("engine.audit.a_stream_copied_from_another_ticket_fails_verify_and_is_quarantined") {
  tf::memory_store st;
  std::string id;
  {
    engine_fixture h(local(2026, 11, 24, 9, 0), shipped(), &st);
    id = open_ok(*h, complaint("cust_copy"));
    acknowledge(*h, id, csr("csr_1"));
  }
  const std::string copy = "T99000001";

  // The chain alone verifies: it is a real ticket's chain.
  const auto events = st.load(id).value();
  const auto head = st.head(id).value();
  CHECK(tf::verify(events, head.head).has_value());
  // The audit verifier knows which stream it reads.
  const auto link = tf::first_break(copy, events, head.head);
  REQUIRE(link.has_value());
  CHECK(link->reason == tf::chain_break::foreign);
  CHECK(link->sequence == 1);
  const auto strict = tf::verify(copy, events, head.head);
  REQUIRE_FALSE(strict.has_value());
  CHECK(strict.error().code() == tf::errc::data_loss);
  CHECK(tf::verify(id, events, head.head).has_value());

  {
    // engine::verify on the copy: data loss; the original is fine.
    copying_store served(st, id, copy, false);
    engine_fixture h(local(2026, 11, 25, 9, 0), shipped(), &served);
    CHECK(h->verify(id).has_value());
    const auto v = h->verify(copy);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().code() == tf::errc::data_loss);
    CHECK(v.error().message().find("foreign") != std::string::npos);
  }
  // Restore: with the copy among the open tickets the engine starts, the
  // copy quarantined, the original served.
  copying_store listed(st, id, copy, true);
  tf::manual_clock clock(local(2026, 11, 25, 9, 0));
  tf::engine_options options;
  options.time_source = &clock;
  options.events = &listed;
  const auto restored = tf::engine::create(shipped(), options);
  REQUIRE_MESSAGE(restored.has_value(), (restored ? std::string() : restored.error().message()));
  const auto q = (*restored)->quarantined();
  REQUIRE(q.size() == 1);
  CHECK(q[0].ticket_id == copy);
  CHECK_FALSE(q[0].served);
  CHECK(q[0].reason.code() == tf::errc::data_loss);
  CHECK(q[0].reason.message().find("foreign") != std::string::npos);
  const auto refused = (*restored)->act(request(copy, "urge", csr("csr_1"), "where is it"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == tf::errc::data_loss);
  check_consistent(**restored, id);
}
