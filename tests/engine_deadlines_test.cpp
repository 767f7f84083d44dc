// SPDX-License-Identifier: MIT
// Deadlines and timers (include/tierflow/engine.hpp): due instants over
// working hours and holidays, warnings, the breach and after-breach timers,
// timers fired in global due order across tickets and before an action is
// judged, and pauses that keep the remaining time. On the SHIPPED
// definitions under a manual clock.
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
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

#include "support/engine_cases.hpp"
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

// 3. Deadlines and timers
// ================================================================================

TEST_CASE("engine.deadlines.due_instants_warnings_breach_and_after_breach") {
  // Opened Wed 2026-09-30 10:00 local, a working day (working offset 1.5 h,
  // 21600 s of working time left that day). The next working days: Thu
  // 10-01..Wed 10-07 are the National Day holidays, so Thu 10-08, Fri 10-09,
  // Sat 10-10 (make-up day, Monday's hours), Mon 10-12, Tue 10-13.
  const timestamp t0 = local(2026, 9, 30, 10, 0);
  engine_fixture h(t0);
  const std::string id = open_ok(*h, complaint("cust_deadlines"));
  acknowledge(*h, id, csr("csr_1"));  // in `acknowledged`: no step limit runs
  tf::ticket_view v = view_of(*h, id);
  REQUIRE(v.state == "acknowledged");
  REQUIRE(v.deadlines.size() == 4);  // contact, reply, answer, reopen_reply

  // contact 24h wall clock: Thu 10-01 10:00 (a holiday does not matter).
  CHECK(deadline(v, "contact").within == "24h");
  CHECK(status(deadline(v, "contact")) == "running");
  CHECK(due_of(v, "contact") == local(2026, 10, 1, 10, 0));
  CHECK(deadline(v, "contact").remaining_seconds == 86400);
  CHECK_FALSE(deadline(v, "contact").breached);
  // reply 4bd: the 4th working day after Wed 09-30 is Mon 10-12, at 10:00.
  CHECK(deadline(v, "reply").within == "4bd");
  CHECK(status(deadline(v, "reply")) == "running");
  CHECK(due_of(v, "reply") == local(2026, 10, 12, 10, 0));
  CHECK(deadline(v, "reply").remaining_seconds == 4 * 27000);
  // answer 5bd: Tue 10-13 10:00.
  CHECK(deadline(v, "answer").within == "5bd");
  CHECK(due_of(v, "answer") == local(2026, 10, 13, 10, 0));
  CHECK(deadline(v, "answer").remaining_seconds == 5 * 27000);
  // reopen_reply starts only on entering `reopened`.
  CHECK(status(deadline(v, "reopen_reply")) == "pending");
  CHECK_FALSE(deadline(v, "reopen_reply").due.has_value());
  CHECK(v.nearest_due() == std::optional<timestamp>{local(2026, 10, 1, 10, 0)});

  // Contact warnings at 50/75/90 % of 24 h: +12 h, +18 h, +21 h 36 min.
  {
    auto r = h->advance(local(2026, 10, 1, 9, 59, 59));
    REQUIRE(r.has_value());
    CHECK(r->fired == 3);
    CHECK(r->tickets == 1);
    auto again = h->advance(local(2026, 10, 1, 9, 59, 59));
    REQUIRE(again.has_value());
    CHECK(again->fired == 0);
    CHECK(again->tickets == 0);
  }
  CHECK(timer_events(trail(*h, id)) ==
        "deadline_warned contact 50% @" + iso(local(2026, 9, 30, 22, 0)) + " by system\n" +
            "deadline_warned contact 75% @" + iso(local(2026, 10, 1, 4, 0)) + " by system\n" +
            "deadline_warned contact 90% @" + iso(local(2026, 10, 1, 7, 36)) + " by system\n");
  // contact_l3 at 90 %: flag urged; no escalation yet.
  v = view_of(*h, id);
  CHECK(v.flags == std::vector<std::string>{"urged"});
  CHECK(v.tier == "customer_service_center");
  (void)h.inbox.drain();

  // The breach, at exactly the due instant: contact_l4 escalates one tier.
  h.at(local(2026, 10, 1, 10, 0));
  {
    auto r = h->advance(local(2026, 10, 1, 10, 0));
    REQUIRE(r.has_value());
    CHECK(r->fired == 1);
    auto again = h->advance(local(2026, 10, 1, 10, 0));
    REQUIRE(again.has_value());
    CHECK(again->fired == 0);
  }
  {
    const auto t = trail(*h, id);
    const auto br = of_type(t, tf::event_type::deadline_breached);
    REQUIRE(br.size() == 1);
    CHECK(br[0]->time == local(2026, 10, 1, 10, 0));
    CHECK(detail(*br[0], "deadline") == "contact");
    CHECK(detail(*br[0], "after") == "(absent)");
    const auto up = of_type(t, tf::event_type::escalated);
    REQUIRE(up.size() == 1);
    CHECK(up[0]->time == local(2026, 10, 1, 10, 0));
    CHECK(up[0]->actor_id == "system");
    CHECK(detail(*up[0], "rule") == "contact_l4");
    CHECK(detail(*up[0], "from_tier") == "customer_service_center");
    CHECK(detail(*up[0], "to_tier") == "regional_account_manager");
    CHECK(detail(*up[0], "region") == "gusu");
  }
  {
    // contact_l4 tells the owner, and so does the escalation it causes.
    const auto notes = h.inbox.drain();
    REQUIRE(notes.size() == 2);
    CHECK(notes[0] == tf::notification{id, local(2026, 10, 1, 10, 0), tf::recipient::owner, "csr_1",
                                       "customer_service_center", "", "contact_l4"});
    CHECK(notes[1] == tf::notification{id, local(2026, 10, 1, 10, 0), tf::recipient::owner, "csr_1",
                                       "regional_account_manager", "gusu", "escalated"});
  }
  v = view_of(*h, id);
  CHECK(v.tier == "regional_account_manager");
  CHECK(v.escalations == 1);
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", ""});
  CHECK(v.owner == "csr_1");
  CHECK(v.flags == std::vector<std::string>{"overdue", "urged"});
  CHECK(deadline(v, "contact").breached);
  CHECK(status(deadline(v, "contact")) == "running");
  CHECK(deadline(v, "contact").remaining_seconds == 0);
  CHECK(v.overdue());

  // contact_l4_plus_1bd: 1bd after Thu 10-01 10:00 (a holiday: counts from
  // Thu 10-08 08:30, working offset 0) = Fri 10-09 08:30.
  {
    auto r = h->advance(local(2026, 10, 9, 8, 29, 59));
    REQUIRE(r.has_value());
    CHECK(r->fired == 0);
    r = h->advance(local(2026, 10, 9, 8, 30));
    REQUIRE(r.has_value());
    CHECK(r->fired == 1);
  }
  {
    const auto t = trail(*h, id);
    const auto br = of_type(t, tf::event_type::deadline_breached);
    REQUIRE(br.size() == 2);
    CHECK(br[1]->time == local(2026, 10, 9, 8, 30));
    CHECK(detail(*br[1], "deadline") == "contact");
    CHECK(detail(*br[1], "after") == "1bd");
    const auto up = of_type(t, tf::event_type::escalated);
    REQUIRE(up.size() == 2);
    CHECK(detail(*up[1], "rule") == "contact_l4_plus_1bd");
    CHECK(detail(*up[1], "from_tier") == "regional_account_manager");
    CHECK(detail(*up[1], "to_tier") == "enterprise_account_manager");
    CHECK(up[1]->time == local(2026, 10, 9, 8, 30));
  }
  h.at(local(2026, 10, 9, 8, 30));
  v = view_of(*h, id);
  CHECK(v.tier == "enterprise_account_manager");
  CHECK(v.tier_level == 2);
  CHECK(v.escalations == 2);
  CHECK(v.owner == "csr_1");

  // reply (total 108000 s) and answer (135000 s) warnings, working time from
  // Wed 09-30 10:00 (21600 s that day):
  //   reply 50 %  = 54000  -> Fri 10-09 10:00
  //   answer 50 % = 67500  -> Fri 10-09 15:15
  //   reply 75 %  = 81000  -> Sat 10-10 10:00
  //   reply 90 %  = 97200  -> Sat 10-10 16:00
  //   answer 75 % = 101250 -> Sat 10-10 17:07:30
  {
    auto r = h->advance(local(2026, 10, 12, 9, 59, 59));
    REQUIRE(r.has_value());
    CHECK(r->fired == 5);
    CHECK(r->tickets == 1);
  }
  // reply breach Mon 10-12 10:00: reply_l4 escalates once more.
  {
    auto r = h->advance(local(2026, 10, 12, 10, 0));
    REQUIRE(r.has_value());
    CHECK(r->fired == 1);
  }
  CHECK(timer_events(trail(*h, id)) ==
        "deadline_warned contact 50% @" + iso(local(2026, 9, 30, 22, 0)) + " by system\n" +
            "deadline_warned contact 75% @" + iso(local(2026, 10, 1, 4, 0)) + " by system\n" +
            "deadline_warned contact 90% @" + iso(local(2026, 10, 1, 7, 36)) + " by system\n" +
            "deadline_breached contact @" + iso(local(2026, 10, 1, 10, 0)) + " by system\n" +
            "deadline_breached contact after 1bd @" + iso(local(2026, 10, 9, 8, 30)) +
            " by system\n" + "deadline_warned reply 50% @" + iso(local(2026, 10, 9, 10, 0)) +
            " by system\n" + "deadline_warned answer 50% @" + iso(local(2026, 10, 9, 15, 15)) +
            " by system\n" + "deadline_warned reply 75% @" + iso(local(2026, 10, 10, 10, 0)) +
            " by system\n" + "deadline_warned reply 90% @" + iso(local(2026, 10, 10, 16, 0)) +
            " by system\n" + "deadline_warned answer 75% @" + iso(local(2026, 10, 10, 17, 7, 30)) +
            " by system\n" + "deadline_breached reply @" + iso(local(2026, 10, 12, 10, 0)) +
            " by system\n");
  h.at(local(2026, 10, 12, 10, 0));
  v = view_of(*h, id);
  CHECK(v.tier == "hq_key_account_desk");
  CHECK(v.escalations == 3);
  CHECK(deadline(v, "reply").breached);
  CHECK(h->stats().timers_fired == 11);
  check_consistent(*h, id);
}

TEST_CASE("engine.deadlines.timers_fire_in_global_due_order_across_tickets") {
  // A opened Tue 2026-11-24 09:00, B 10:00 local; both acknowledged at once.
  // Contact (24 h) timers interleave: A 21:00, B 22:00, A 03:00, B 04:00,
  // A 06:36, B 07:36, A 09:00 (breach), B 10:00 (breach). Nothing else falls
  // due by Wed 10:00 (reply 50 % is Thu).
  recording_store st;
  engine_fixture h(local(2026, 11, 24, 9, 0), shipped(), &st);
  const std::string a = open_ok(*h, complaint("cust_order_a"));
  acknowledge(*h, a, csr("csr_1"));
  h.at(local(2026, 11, 24, 10, 0));
  const std::string b = open_ok(*h, complaint("cust_order_b"));
  acknowledge(*h, b, csr("csr_2"));
  (void)st.take_log();
  (void)h.inbox.drain();
  const std::uint64_t fired_before = h->stats().timers_fired;

  auto r = h->advance(local(2026, 11, 25, 10, 0));
  REQUIRE(r.has_value());
  CHECK(r->fired == 8);
  CHECK(r->tickets == 2);  // engine.hpp: "Distinct tickets they fired on."
  CHECK(h->stats().timers_fired == fired_before + 8);

  // The order in which the store received them: one append per timer.
  CHECK(st.take_log() ==
        a + " " + iso(local(2026, 11, 24, 21, 0)) + " deadline_warned contact 50%\n" + b + " " +
            iso(local(2026, 11, 24, 22, 0)) + " deadline_warned contact 50%\n" + a + " " +
            iso(local(2026, 11, 25, 3, 0)) + " deadline_warned contact 75%\n" + b + " " +
            iso(local(2026, 11, 25, 4, 0)) + " deadline_warned contact 75%\n" + a + " " +
            iso(local(2026, 11, 25, 6, 36)) + " deadline_warned contact 90%\n" + b + " " +
            iso(local(2026, 11, 25, 7, 36)) + " deadline_warned contact 90%\n" + a + " " +
            iso(local(2026, 11, 25, 9, 0)) + " deadline_breached contact\n" + b + " " +
            iso(local(2026, 11, 25, 10, 0)) + " deadline_breached contact\n");

  // Each ticket's own trail, stamped with the due instants.
  CHECK(timer_events(trail(*h, a)) ==
        "deadline_warned contact 50% @" + iso(local(2026, 11, 24, 21, 0)) + " by system\n" +
            "deadline_warned contact 75% @" + iso(local(2026, 11, 25, 3, 0)) + " by system\n" +
            "deadline_warned contact 90% @" + iso(local(2026, 11, 25, 6, 36)) + " by system\n" +
            "deadline_breached contact @" + iso(local(2026, 11, 25, 9, 0)) + " by system\n");
  CHECK(timer_events(trail(*h, b)) ==
        "deadline_warned contact 50% @" + iso(local(2026, 11, 24, 22, 0)) + " by system\n" +
            "deadline_warned contact 75% @" + iso(local(2026, 11, 25, 4, 0)) + " by system\n" +
            "deadline_warned contact 90% @" + iso(local(2026, 11, 25, 7, 36)) + " by system\n" +
            "deadline_breached contact @" + iso(local(2026, 11, 25, 10, 0)) + " by system\n");

  // Notifications reached the sink in the same global order.
  std::string order;
  for (const auto& n : h.inbox.drain()) order += n.ticket_id + " " + iso(n.time) + "\n";
  const auto line = [](const std::string& t, timestamp at, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += t + " " + iso(at) + "\n";
    return out;
  };
  // 50 %: assignee; 75 %: assignee, dispatcher; 90 %: assignee, owner;
  // breach: owner (contact_l4), owner (escalated).
  CHECK(order ==
        line(a, local(2026, 11, 24, 21, 0), 1) + line(b, local(2026, 11, 24, 22, 0), 1) +
            line(a, local(2026, 11, 25, 3, 0), 2) + line(b, local(2026, 11, 25, 4, 0), 2) +
            line(a, local(2026, 11, 25, 6, 36), 2) + line(b, local(2026, 11, 25, 7, 36), 2) +
            line(a, local(2026, 11, 25, 9, 0), 2) + line(b, local(2026, 11, 25, 10, 0), 2));

  auto again = h->advance(local(2026, 11, 25, 10, 0));
  REQUIRE(again.has_value());
  CHECK(again->fired == 0);
  CHECK(again->tickets == 0);
  CHECK(st.take_log().empty());
  check_consistent(*h, a);
  check_consistent(*h, b);
}

TEST_CASE("engine.deadlines.act_fires_due_timers_first") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_act_timers"));
  // received: step limit 30m from 09:00; its 50 % warning (09:15) is due
  // when the action comes at 09:20, the 75 % one (09:22:30) is not.
  h.at(local(2026, 11, 24, 9, 20));
  act_ok(*h, id, "classify", csr("csr_1"));
  const auto t = trail(*h, id);
  CHECK(timer_events(t) ==
        "deadline_warned step 50% @" + iso(local(2026, 11, 24, 9, 15)) + " by system\n");
  // The warning comes before the action's events.
  const auto warned = of_type(t, tf::event_type::deadline_warned);
  const auto moved = of_type(t, tf::event_type::transitioned);
  REQUIRE(warned.size() == 1);
  REQUIRE(moved.size() == 1);
  CHECK(warned[0]->sequence < moved[0]->sequence);
  CHECK(moved[0]->time == local(2026, 11, 24, 9, 20));
  check_consistent(*h, id);
}

// ================================================================================
// 4. Pauses
// ================================================================================

TEST_CASE("engine.deadlines.pause_keeps_remaining_time_and_resume_recomputes_due") {
  // Opened Tue 2026-11-24 09:00 local (offset 30 min), straight into
  // investigating; contact met at once. reply 4bd = Mon 11-30 09:00
  // (108000 s), answer 5bd = Tue 12-01 09:00 (135000 s).
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_pause"));
  acknowledge(*h, id, csr("csr_1"));
  act_ok(*h, id, "contact_customer", csr("csr_1"));
  tf::ticket_view v = act_ok(*h, id, "start_investigation", csr("csr_1"));
  CHECK(status(deadline(v, "contact")) == "met");
  CHECK(due_of(v, "reply") == local(2026, 11, 30, 9, 0));
  CHECK(due_of(v, "answer") == local(2026, 12, 1, 9, 0));

  // Tue 11:00: 7200 working seconds used; the ticket waits for the customer.
  h.at(local(2026, 11, 24, 11, 0));
  v = act_ok(*h, id, "need_customer_input", csr("csr_1"), "site access form");
  CHECK(v.state == "waiting_customer");
  CHECK(v.paused);
  CHECK(status(deadline(v, "reply")) == "paused");
  CHECK_FALSE(deadline(v, "reply").due.has_value());
  CHECK(deadline(v, "reply").remaining_seconds == 108000 - 7200);
  CHECK(status(deadline(v, "answer")) == "paused");
  CHECK(deadline(v, "answer").remaining_seconds == 135000 - 7200);
  CHECK(status(deadline(v, "contact")) == "met");
  CHECK_FALSE(v.nearest_due().has_value());
  {
    const auto t = trail(*h, id);
    REQUIRE(t.size() >= 2);
    CHECK(t[t.size() - 2].type == tf::event_type::transitioned);
    CHECK(t.back().type == tf::event_type::paused);
    CHECK(detail(t.back(), "state") == "waiting_customer");
    CHECK(t.back().time == local(2026, 11, 24, 11, 0));
  }

  // Two days later (reply 50 % would have been Thu 09:00 had it run).
  h.at(local(2026, 11, 26, 15, 0));
  v = view_of(*h, id);
  CHECK(v.paused);
  CHECK(deadline(v, "reply").remaining_seconds == 100800);
  CHECK(deadline(v, "answer").remaining_seconds == 127800);
  CHECK_FALSE(deadline(v, "reply").breached);
  {
    auto r = h->advance();
    REQUIRE(r.has_value());
    CHECK(r->fired == 0);
  }
  CHECK(timer_events(trail(*h, id)).empty());

  // Resume Thu 11-26 15:00 (9000 s left that day):
  //   reply: 100800 = 9000 + Fri + Mon + Tue (3 x 27000) + 10800 -> Wed 12-02 11:30
  //   answer: 127800 = 9000 + 4 x 27000 + 10800 -> Thu 12-03 11:30
  v = act_ok(*h, id, "customer_responded", csr("csr_1"), "form received");
  CHECK(v.state == "investigating");
  CHECK_FALSE(v.paused);
  CHECK(status(deadline(v, "reply")) == "running");
  CHECK(due_of(v, "reply") == local(2026, 12, 2, 11, 30));
  CHECK(deadline(v, "reply").remaining_seconds == 100800);
  CHECK(due_of(v, "answer") == local(2026, 12, 3, 11, 30));
  CHECK(deadline(v, "answer").remaining_seconds == 127800);
  {
    const auto t = trail(*h, id);
    CHECK(t.back().type == tf::event_type::resumed);
    CHECK(t.back().time == local(2026, 11, 26, 15, 0));
    CHECK(of_type(t, tf::event_type::paused).size() == 1);
    CHECK(of_type(t, tf::event_type::resumed).size() == 1);
  }

  // Warnings follow the shifted clock: reply 50 % = 54000 - 7200 = 46800 s
  // after Thu 15:00 -> Mon 11-30 11:30 (answer 50 % is Mon 16:45).
  {
    auto r = h->advance(local(2026, 11, 30, 11, 29, 59));
    REQUIRE(r.has_value());
    CHECK(r->fired == 0);
    r = h->advance(local(2026, 11, 30, 11, 30));
    REQUIRE(r.has_value());
    CHECK(r->fired == 1);
  }
  CHECK(timer_events(trail(*h, id)) ==
        "deadline_warned reply 50% @" + iso(local(2026, 11, 30, 11, 30)) + " by system\n");
  check_consistent(*h, id);
}

// ================================================================================
