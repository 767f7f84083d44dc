// SPDX-License-Identifier: MIT
// Owner and assignee (include/tierflow/engine.hpp): the first person to
// claim a ticket owns it for good; later claims move only the assignee. On
// the SHIPPED definitions under a manual clock.
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

// 2. Owner and assignee
// ================================================================================

TEST_CASE("engine.owner.first_claimer_owns_later_claims_move_only_the_assignee") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_owner"));
  tf::ticket_view v = view_of(*h, id);
  CHECK(v.owner.empty());
  CHECK(v.assignee == tf::assignment{"customer_service_center", "", ""});
  CHECK(v.tier == "customer_service_center");
  CHECK(v.tier_level == 0);

  // csr_1 claims first: owner and assignee.
  v = act_ok(*h, id, "classify", csr("csr_1"));
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"customer_service_center", "", "csr_1"});
  {
    const auto t = trail(*h, id);
    const auto acc = of_type(t, tf::event_type::accepted);
    REQUIRE(acc.size() == 1);
    CHECK(acc[0]->actor_id == "csr_1");
    CHECK(detail(*acc[0], "person") == "csr_1");
    CHECK(detail(*acc[0], "owner") == "true");
    CHECK(detail(*acc[0], "assignee") == "true");
    const tf::event& moved = t.back();
    CHECK(moved.type == tf::event_type::transitioned);
    CHECK(detail(moved, "action") == "classify");
    CHECK(detail(moved, "from") == "received");
    CHECK(detail(moved, "to") == "classified");
  }

  // dispatch is not a claim.
  v = act_ok(*h, id, "dispatch", dispatcher());
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee.person == "csr_1");

  // csr_2 claims later: assignee only.
  v = act_ok(*h, id, "acknowledge", csr("csr_2"));
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"customer_service_center", "", "csr_2"});
  {
    const auto t = trail(*h, id);
    const auto acc = of_type(t, tf::event_type::accepted);
    REQUIRE(acc.size() == 2);
    CHECK(detail(*acc[1], "person") == "csr_2");
    CHECK(detail(*acc[1], "owner") == "false");
    CHECK(detail(*acc[1], "assignee") == "true");
  }
  v = act_ok(*h, id, "contact_customer", csr("csr_2"));
  v = act_ok(*h, id, "start_investigation", csr("csr_2"));
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee.person == "csr_2");
  (void)h.inbox.drain();

  // Handoff: the team has it, the owner stays.
  h.at(local(2026, 11, 24, 10, 0));
  v = act_ok(*h, id, "need_tech", csr("csr_2"), "transformer hum");
  CHECK(v.state == "tech_review");
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"technical_department", "", ""});
  CHECK(v.handoffs == std::vector<std::string>{"technical_department"});
  CHECK(v.tier == "customer_service_center");
  {
    const auto t = trail(*h, id);
    const auto off = of_type(t, tf::event_type::handed_off);
    REQUIRE(off.size() == 1);
    CHECK(detail(*off[0], "action") == "need_tech");
    CHECK(detail(*off[0], "from_unit") == "customer_service_center");
    CHECK(detail(*off[0], "to_unit") == "technical_department");
    CHECK(detail(*off[0], "region") == "");
    const tf::event& told = t.back();
    CHECK(told.type == tf::event_type::notified);
    CHECK(detail(told, "to") == "owner");
    CHECK(detail(told, "person") == "csr_1");
    CHECK(detail(told, "reason") == "handed_off");
  }
  {
    const auto notes = h.inbox.drain();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == tf::notification{id, local(2026, 11, 24, 10, 0), tf::recipient::owner,
                                       "csr_1", "technical_department", "", "handed_off"});
  }

  // Return: back to exactly who handed it off.
  h.at(local(2026, 11, 24, 11, 0));
  v = act_ok(*h, id, "tech_done", engineer());
  CHECK(v.state == "investigating");
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"customer_service_center", "", "csr_2"});
  CHECK(v.handoffs.empty());
  {
    const auto t = trail(*h, id);
    const auto back = of_type(t, tf::event_type::returned);
    REQUIRE(back.size() == 1);
    CHECK(detail(*back[0], "kind") == "handoff");
    CHECK(detail(*back[0], "from_unit") == "technical_department");
    CHECK(detail(*back[0], "to_unit") == "customer_service_center");
    CHECK(detail(*back[0], "region") == "");
    CHECK(detail(*back[0], "person") == "csr_2");
  }
  CHECK(h.inbox.drain().empty());

  // Escalation: the next tier's regional queue has it, the owner stays.
  h.at(local(2026, 11, 24, 11, 30));
  v = act_ok(*h, id, "refer_up", csr("csr_2"), "needs a tariff decision");
  CHECK(v.state == "investigating");
  CHECK(v.owner == "csr_1");
  CHECK(v.tier == "regional_account_manager");
  CHECK(v.tier_level == 1);
  CHECK(v.escalations == 1);
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", ""});
  {
    const auto t = trail(*h, id);
    const auto up = of_type(t, tf::event_type::escalated);
    REQUIRE(up.size() == 1);
    CHECK(detail(*up[0], "action") == "refer_up");
    CHECK(detail(*up[0], "from_tier") == "customer_service_center");
    CHECK(detail(*up[0], "to_tier") == "regional_account_manager");
    CHECK(detail(*up[0], "region") == "gusu");
  }
  {
    const auto notes = h.inbox.drain();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == tf::notification{id, local(2026, 11, 24, 11, 30), tf::recipient::owner,
                                       "csr_1", "regional_account_manager", "gusu", "escalated"});
  }

  // A claim by someone who does not work in the unit: assignee unchanged.
  v = act_ok(*h, id, "reply", csr("csr_2"));
  CHECK(v.state == "handler_replied");
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", ""});
  v = act_ok(*h, id, "review_rejected", supervisor(), "reply incomplete");
  CHECK(v.state == "investigating");

  // The regional manager claims: assignee, never owner.
  v = act_ok(*h, id, "reply", regional("rm_gusu", "gusu"));
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", "rm_gusu"});
  {
    const auto t = trail(*h, id);
    const auto acc = of_type(t, tf::event_type::accepted);
    REQUIRE_FALSE(acc.empty());
    CHECK(detail(*acc.back(), "person") == "rm_gusu");
    CHECK(detail(*acc.back(), "owner") == "false");
    CHECK(detail(*acc.back(), "assignee") == "true");
    for (const tf::event* e : acc)
      if (detail(*e, "person") != "csr_1") CHECK(detail(*e, "owner") == "false");
  }
  check_consistent(*h, id);
}

TEST_CASE("engine.owner.first_claimer_from_another_unit_owns_without_being_assignee") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  // Routed to the gusu regional account manager; a 95598 agent classifies it.
  const std::string id = open_ok(*h, complaint("cust_owner_2", "gusu", true));
  tf::ticket_view v = act_ok(*h, id, "classify", csr("csr_9"));
  CHECK(v.owner == "csr_9");
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", ""});
  {
    const auto t = trail(*h, id);
    const auto acc = of_type(t, tf::event_type::accepted);
    REQUIRE(acc.size() == 1);
    CHECK(detail(*acc[0], "person") == "csr_9");
    CHECK(detail(*acc[0], "owner") == "true");
    CHECK(detail(*acc[0], "assignee") == "false");
  }
  act_ok(*h, id, "dispatch", dispatcher());
  v = act_ok(*h, id, "acknowledge", regional("rm_gusu", "gusu"));
  CHECK(v.owner == "csr_9");
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", "rm_gusu"});
  check_consistent(*h, id);
}

// ================================================================================
