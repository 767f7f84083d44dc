// SPDX-License-Identifier: MIT
// The three-level closed loop of [DOC-SHAOYANG-2013 §2.5] (workflows/SOURCES.md)
// through the SHIPPED complaint.yaml with the real engine, a manual clock and
// a notification queue: own post → centre dispatch → cross-organisation
// through 95598.
//
// Every expected value is worked out by hand from the workflow files and the
// engine contract (include/tierflow/*.hpp); the reasoning is in comments.
// Times are written in local time (UTC+08:00). Calendar facts used: `office`
// = Mon-Fri 08:30-12:00 and 13:30-17:30 (27000 working seconds a day), no
// holiday between 2026-10-08 and 2026-12-31, 2027-01-01 (Fri) a holiday;
// 2026-11-24 is a Tuesday. The helpers are in support/flows_cases.hpp.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>

#include "support/engine_fixture.hpp"
#include "support/flows_cases.hpp"
#include "test_support.hpp"

namespace chr = std::chrono;
namespace tf = tierflow;
using tf::timestamp;
using tierflow_test::engine_fixture;
using tierflow_test::local;
using tierflow_test::shipped;
using namespace tierflow_test::flows;

// 5. [DOC-SHAOYANG-2013 §2.5] three-level closed loop in the complaint workflow: own post →
//    centre service dispatch → cross-organisation dispatch through 95598.
// =====================================================================================

TEST_CASE("engine.flows.complaint.seed004_level1_own_post") {
  engine_fixture r(local(2026, 11, 24, 9, 0));
  const std::string id =
      r.open(complaint("C-TC-0001", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}}))
          .ticket.id;
  const timestamp closed = run_t0_complaint(r, id, local(2026, 11, 24, 9, 0));
  CHECK(stamp(closed) == "2026-11-24 09:50:00");
  const auto v = r.view(id);
  CHECK(v.owner == "csr_01");
  CHECK(show(v.assignee) == "customer_service_center//csr_01");
  CHECK(v.tier == "customer_service_center");
  CHECK(v.escalations == 0);
  CHECK(v.handoffs.empty());
  CHECK(v.flags.empty());
  // One claim (classify); acknowledge and reply claim again but the csr
  // already holds the ticket: no second `accepted`.
  CHECK(types(r.events(id)) ==
        "opened routed accepted transitioned transitioned transitioned transitioned transitioned transitioned"
        " transitioned transitioned transitioned transitioned closed");
  // Level 1 recorded on the owner's reply; the callback's outcome too.
  const std::string flow = trail(r.events(id));
  CHECK(flow.find("action=reply from=investigating to=handler_replied class.closed_loop=own_post") !=
        std::string::npos);
  CHECK(flow.find("class.callback=satisfied") != std::string::npos);
  CHECK(stopped(r.events(id)) == "contact=met reply=met answer=met");
  CHECK(deadlines(v) ==
        "contact met 24h due=2026-11-25 09:00:00\n"
        "reply met 4bd due=2026-11-30 09:00:00\n"
        "answer met 5bd due=2026-12-01 09:00:00\n"
        "reopen_reply pending 4bd due=-\n");
  CHECK(unit_times(v) == "customer_service_center 3000/3000\n");
  CHECK(r.inbox.size() == 0);
  check_integrity(r, id);
}

TEST_CASE("engine.flows.complaint.seed004_level2_centre_dispatch") {
  engine_fixture r(local(2026, 11, 24, 9, 0));
  // Load grade 2 → routing row 2 → the Kunshan account manager.
  const auto opened =
      r.open(complaint("C-KS-0010", {{"region", txt("kunshan")}, {"load_grade", whole(2)}},
                       {{"complaint_class", txt("service")}}));
  const std::string id = opened.ticket.id;
  CHECK(opened.routing.rule == "big_customer");
  CHECK(show(opened.routing.to) == "regional_account_manager/kunshan/");

  r.act_at(local(2026, 11, 24, 9, 5), id, "classify", csr1);
  auto v = r.act_at(local(2026, 11, 24, 9, 10), id, "dispatch", dispatcher);
  CHECK(v.state == "dispatched");
  CHECK(v.owner == "csr_01");  // dispatching claims nothing
  // 退單: the Kunshan manager returns it as misrouted; routing runs again
  // without rules that assign to the regional account manager → T0.
  v = r.act_at(local(2026, 11, 24, 9, 20), id, "return_to_sender", rm_kunshan,
               "complaint about a hall queue: not big-customer business");
  CHECK(v.state == "classified");
  CHECK(show(v.assignee) == "customer_service_center//");
  CHECK(v.tier == "customer_service_center");
  CHECK(v.tier_level == 0);
  CHECK(v.escalations == 0);
  CHECK(ids(r.queue("regional_account_manager", "kunshan")).empty());
  CHECK(ids(r.queue("customer_service_center")) == id);
  // The dispatcher dispatches again; a second agent of the centre takes it.
  r.act_at(local(2026, 11, 24, 9, 30), id, "dispatch", dispatcher);
  v = r.act_at(local(2026, 11, 24, 9, 40), id, "acknowledge", csr2);
  CHECK(show(v.assignee) == "customer_service_center//csr_02");
  CHECK(v.owner == "csr_01");
  r.act_at(local(2026, 11, 24, 9, 50), id, "contact_customer", csr2);
  r.act_at(local(2026, 11, 24, 10, 0), id, "start_investigation", csr2);
  r.act_at(local(2026, 11, 24, 10, 30), id, "reply", csr2);
  r.act_at(local(2026, 11, 24, 10, 40), id, "review_passed", supervisor);
  r.act_at(local(2026, 11, 24, 10, 50), id, "callback_satisfied", caller);
  r.act_at(local(2026, 11, 24, 11, 0), id, "close", caller);
  v = r.act_at(local(2026, 11, 24, 11, 10), id, "archive", caller);
  CHECK(v.closed);
  CHECK(v.owner == "csr_01");
  CHECK(show(v.assignee) == "customer_service_center//csr_02");

  CHECK(trail(r.events(id), 0, 10) ==
        "2026-11-24 09:00:00 csr_01 opened\n"
        "2026-11-24 09:00:00 csr_01 routed kind=open rule=big_customer unit=regional_account_manager"
        " region=kunshan in.customer.importance_class=(absent) in.customer.load_grade=2"
        " in.customer.high_risk=(absent) in.customer.voltage_kv=(absent) in.customer.capacity_kva=(absent)\n"
        "2026-11-24 09:05:00 csr_01 accepted person=csr_01 owner=true assignee=false\n"
        "2026-11-24 09:05:00 csr_01 transitioned action=classify from=received to=classified\n"
        "2026-11-24 09:10:00 disp_01 transitioned action=dispatch from=classified to=dispatched\n"
        "2026-11-24 09:20:00 rm_kunshan transitioned action=return_to_sender from=dispatched to=classified"
        " note=complaint about a hall queue: not big-customer business\n"
        "2026-11-24 09:20:00 rm_kunshan returned action=return_to_sender kind=reroute"
        " from_unit=regional_account_manager\n"
        "2026-11-24 09:20:00 rm_kunshan routed kind=reroute rule=everyone_else unit=customer_service_center\n"
        "2026-11-24 09:30:00 disp_01 transitioned action=dispatch from=classified to=dispatched\n"
        "2026-11-24 09:40:00 csr_02 accepted person=csr_02 owner=false assignee=true\n");
  CHECK(r.inbox.size() == 0);
  check_integrity(r, id);
}

TEST_CASE("engine.flows.complaint.seed004_level3_cross_organisation") {
  engine_fixture r(local(2026, 11, 24, 9, 0));
  // A high-risk customer (chemicals) calls its account manager directly.
  const auto opened = r.open(complaint("C-SIP-0005",
                                       {{"region", txt("suzhou_industrial_park")}, {"high_risk", yes()},
                                        {"industry", txt("C")}},
                                       {{"complaint_class", txt("power_quality")}}, "account_manager_direct",
                                       "rm_sip"));
  const std::string id = opened.ticket.id;
  CHECK(opened.routing.rule == "big_customer");
  // Power quality of a customer that is neither important nor grade 1/2
  // load: important_tech_complaint does not apply.
  CHECK(escalations(opened.routing).empty());

  auto v = r.act_at(local(2026, 11, 24, 9, 5), id, "classify", rm_sip);
  CHECK(v.owner == "rm_sip");
  CHECK(show(v.assignee) == "regional_account_manager/suzhou_industrial_park/rm_sip");
  r.act_at(local(2026, 11, 24, 9, 10), id, "dispatch", dispatcher);
  r.act_at(local(2026, 11, 24, 9, 15), id, "acknowledge", rm_sip);
  r.act_at(local(2026, 11, 24, 9, 20), id, "contact_customer", rm_sip);
  r.act_at(local(2026, 11, 24, 9, 25), id, "start_investigation", rm_sip);
  const std::size_t mark = flow_events(r.events(id)).size();
  // The voltage dips come from a neighbouring grid company's line: forwarded
  // through the 95598 work-order system.
  v = r.act_at(local(2026, 11, 24, 9, 30), id, "cross_organisation", rm_sip,
               "dips originate on the neighbouring company's 110 kV line");
  CHECK(v.state == "cross_org_dispatch");
  CHECK(show(v.assignee) == "national_95598_center//");
  CHECK(join(v.handoffs) == "national_95598_center");
  CHECK(ids(r.queue("national_95598_center")) == id);
  // The customer urges meanwhile: flagged, the queue holding it and the owner told.
  v = r.act_at(local(2026, 11, 24, 14, 0), id, "urge", csr1, "customer called again");
  CHECK(v.state == "cross_org_dispatch");
  CHECK(join(v.flags) == "customer_urged");
  // The other organisation's reply comes back through the liaison desk.
  v = r.act_at(local(2026, 11, 25, 10, 0), id, "other_org_replied", liaison,
               "line owner replaced a faulty capacitor bank");
  // Back with the first responder, who answers the customer; the level the
  // loop was closed at (cross-organisation) stands.
  CHECK(v.state == "back_with_owner");
  CHECK(v.handoffs.empty());
  CHECK(show(v.assignee) == "regional_account_manager/suzhou_industrial_park/rm_sip");
  CHECK(v.tier == "regional_account_manager");
  r.act_at(local(2026, 11, 25, 10, 30), id, "reply", rm_sip);
  r.act_at(local(2026, 11, 25, 11, 0), id, "review_passed", enterprise);
  r.act_at(local(2026, 11, 25, 11, 30), id, "callback_satisfied", caller);
  r.act_at(local(2026, 11, 25, 14, 0), id, "close", rm_sip);
  v = r.act_at(local(2026, 11, 25, 14, 10), id, "archive", caller);
  CHECK(v.closed);
  CHECK(v.owner == "rm_sip");
  CHECK(v.escalations == 0);
  CHECK(deadlines(v) ==
        "contact met 24h due=2026-11-25 09:00:00\n"
        "reply met 4bd due=2026-11-30 09:00:00\n"
        "answer met 5bd due=2026-12-01 09:00:00\n"
        "reopen_reply pending 4bd due=-\n");

  CHECK(trail(r.events(id), mark) ==
        "2026-11-24 09:30:00 rm_sip transitioned action=cross_organisation from=investigating"
        " to=cross_org_dispatch note=dips originate on the neighbouring company's 110 kV line"
        " class.closed_loop=cross_organisation\n"
        "2026-11-24 09:30:00 rm_sip handed_off action=cross_organisation from_unit=regional_account_manager"
        " to_unit=national_95598_center region=\n"
        "2026-11-24 09:30:00 rm_sip notified to=owner unit=national_95598_center region= person=rm_sip"
        " reason=handed_off\n"
        "2026-11-24 14:00:00 csr_01 noted action=urge note=customer called again\n"
        "2026-11-24 14:00:00 csr_01 noted rule=customer_urged flag=customer_urged\n"
        "2026-11-24 14:00:00 csr_01 notified to=assignee unit=national_95598_center region= person="
        " reason=customer_urged\n"
        "2026-11-24 14:00:00 csr_01 notified to=owner unit=national_95598_center region= person=rm_sip"
        " reason=customer_urged\n"
        "2026-11-25 10:00:00 liaison_01 transitioned action=other_org_replied from=cross_org_dispatch"
        " to=back_with_owner note=line owner replaced a faulty capacitor bank\n"
        "2026-11-25 10:00:00 liaison_01 returned action=other_org_replied kind=handoff"
        " from_unit=national_95598_center to_unit=regional_account_manager region=suzhou_industrial_park"
        " person=rm_sip\n"
        "2026-11-25 10:30:00 rm_sip transitioned action=reply from=back_with_owner to=handler_replied\n"
        "2026-11-25 11:00:00 em_01 transitioned action=review_passed from=handler_replied to=reviewed\n"
        "2026-11-25 11:30:00 cb_01 transitioned action=callback_satisfied from=reviewed to=callback_done"
        " class.callback=satisfied\n"
        "2026-11-25 14:00:00 rm_sip transitioned action=close from=callback_done to=closed\n"
        "2026-11-25 14:10:00 cb_01 transitioned action=archive from=closed to=archived\n"
        "2026-11-25 14:10:00 cb_01 closed state=archived\n");
  // The outcome records of the deadlines (their figures: engine_outcomes_test).
  CHECK(stopped(r.events(id)) == "contact=met reply=met answer=met");
  CHECK(show(r.inbox.drain()) ==
        "T00000001 2026-11-24 09:30:00 owner rm_sip national_95598_center/ handed_off\n"
        "T00000001 2026-11-24 14:00:00 assignee  national_95598_center/ customer_urged\n"
        "T00000001 2026-11-24 14:00:00 owner rm_sip national_95598_center/ customer_urged\n");
  check_integrity(r, id);
}

// =====================================================================================
// Open-time rules: repeat complaints and skip-level risk.
// =====================================================================================
