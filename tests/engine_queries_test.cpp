// SPDX-License-Identifier: MIT
// Queries (include/tierflow/engine.hpp): queues with what is overdue and at
// risk, and a customer's record. On the SHIPPED definitions under a manual
// clock.
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

// 6. Queries
// ================================================================================

TEST_CASE("engine.queries.queue_overdue_and_at_risk") {
  // Big customers: routed to their region's regional account manager queue.
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string x = open_ok(*h, complaint("cust_qx", "gusu", true));
  h.at(local(2026, 11, 24, 9, 5));
  const std::string z = open_ok(*h, complaint("cust_qz", "wuzhong", true));
  h.at(local(2026, 11, 24, 9, 10));
  const std::string y = open_ok(*h, complaint("cust_qy", "gusu", true));
  h.at(local(2026, 11, 24, 9, 12));
  const std::string w = open_ok(*h, complaint("cust_qw", "gusu", true));
  CHECK(act_ok(*h, w, "not_a_complaint", regional("rm_gusu", "gusu"), "asks for a tariff leaflet")
            .closed);
  // X moves on to `classified` (step limit 2h from 09:20): its nearest due
  // is now 11:20, later than Y's step (09:10 + 30m = 09:40).
  h.at(local(2026, 11, 24, 9, 20));
  act_ok(*h, x, "classify", regional("rm_gusu", "gusu"));

  auto gusu = h->queue("regional_account_manager", "gusu");
  REQUIRE(gusu.has_value());
  REQUIRE(gusu->size() == 2);
  CHECK((*gusu)[0].id == y);
  CHECK((*gusu)[0].nearest_due() == std::optional<timestamp>{local(2026, 11, 24, 9, 40)});
  CHECK((*gusu)[1].id == x);
  CHECK((*gusu)[1].nearest_due() == std::optional<timestamp>{local(2026, 11, 24, 11, 20)});
  CHECK((*gusu)[0] == view_of(*h, y));

  auto wuzhong = h->queue("regional_account_manager", "wuzhong");
  REQUIRE(wuzhong.has_value());
  REQUIRE(wuzhong->size() == 1);
  CHECK((*wuzhong)[0].id == z);

  auto t0 = h->queue("customer_service_center");
  REQUIRE(t0.has_value());
  CHECK(t0->empty());
  auto unknown = h->queue("no_such_unit");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(code_of(unknown.error()) == "not_found");

  // 09:45: Z's step (due 09:35) is 600 s over, Y's (09:40) 300 s; X's
  // nearest due is 11:20, 1 h 35 min away. W is closed.
  h.at(local(2026, 11, 24, 9, 45));
  auto over = h->overdue();
  REQUIRE(over.has_value());
  REQUIRE(over->size() == 2);
  CHECK((*over)[0].id == z);
  CHECK(deadline((*over)[0], "step").remaining_seconds == -600);
  CHECK((*over)[1].id == y);
  CHECK(deadline((*over)[1], "step").remaining_seconds == -300);

  auto risk = h->at_risk(chr::hours{2});
  REQUIRE(risk.has_value());
  REQUIRE(risk->size() == 1);
  CHECK((*risk)[0].id == x);
  auto risk_short = h->at_risk(chr::hours{1});
  REQUIRE(risk_short.has_value());
  CHECK(risk_short->empty());
  // A window reaching every ticket's contact deadline still leaves out the
  // overdue ones and the closed one.
  auto risk_long = h->at_risk(chr::hours{48});
  REQUIRE(risk_long.has_value());
  REQUIRE(risk_long->size() == 1);
  CHECK((*risk_long)[0].id == x);
}

TEST_CASE("engine.queries.customer_record_tickets_oldest_first_events_by_time") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string first = open_ok(*h, complaint("cust_record"));
  open_ok(*h, complaint("cust_someone_else"));
  // 09:30: a second complaint of the same customer: repeat (T0 -> T1).
  h.at(local(2026, 11, 24, 9, 30));
  const std::string second = open_ok(*h, complaint("cust_record"));
  {
    const tf::ticket_view v = view_of(*h, second);
    CHECK(v.tier == "regional_account_manager");
    CHECK(v.has_flag("repeat"));
    CHECK(detail(trail(*h, second).front(), "customer.complaints_last_30d") == "1");
    CHECK(detail(trail(*h, first).front(), "customer.complaints_last_30d") == "0");
  }
  // 10:00: the first ticket is worked; its step timers (09:15, 09:22:30,
  // 09:27, 09:30) fire first, stamped with their due instants, the breach at
  // 09:30 sharing its instant with the second ticket's opening.
  h.at(local(2026, 11, 24, 10, 0));
  act_ok(*h, first, "classify", csr("csr_1"));

  auto rec = h->customer_record("cust_record");
  REQUIRE(rec.has_value());
  CHECK(rec->customer_id == "cust_record");
  REQUIRE(rec->tickets.size() == 2);
  CHECK(rec->tickets[0].id == first);
  CHECK(rec->tickets[1].id == second);
  CHECK(rec->tickets[0] == view_of(*h, first));

  // Expected: every event of both, by time, then ticket opening order, then
  // sequence.
  const auto t1 = trail(*h, first);
  const auto t2 = trail(*h, second);
  std::vector<std::pair<std::size_t, const tf::event*>> all;
  for (const auto& e : t1) all.emplace_back(0, &e);
  for (const auto& e : t2) all.emplace_back(1, &e);
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.second->time != b.second->time) return a.second->time < b.second->time;
    if (a.first != b.first) return a.first < b.first;
    return a.second->sequence < b.second->sequence;
  });
  REQUIRE(rec->events.size() == all.size());
  std::string expected, actual;
  for (const auto& [i, e] : all) expected += e->ticket_id + "#" + std::to_string(e->sequence) + " ";
  for (const auto& e : rec->events) actual += e.ticket_id + "#" + std::to_string(e.sequence) + " ";
  CHECK(actual == expected);
  // The two trails really interleave: the first's 10:00 events come after
  // the second's 09:30 ones, and the 09:30 breach of the first comes before
  // the second's opening at the same instant.
  CHECK(rec->events.back().ticket_id == first);
  const auto pos = [&](const std::string& ticket, tf::event_type type) {
    for (std::size_t i = 0; i < rec->events.size(); ++i)
      if (rec->events[i].ticket_id == ticket && rec->events[i].type == type) return i;
    return rec->events.size();
  };
  CHECK(pos(first, tf::event_type::deadline_breached) < pos(second, tf::event_type::opened));
  CHECK(pos(second, tf::event_type::opened) < pos(first, tf::event_type::accepted));
  for (std::size_t i = 1; i < rec->events.size(); ++i)
    CHECK(rec->events[i - 1].time <= rec->events[i].time);

  auto nobody = h->customer_record("cust_nobody");
  REQUIRE(nobody.has_value());
  CHECK(nobody->tickets.empty());
  CHECK(nobody->events.empty());
}

// ================================================================================
