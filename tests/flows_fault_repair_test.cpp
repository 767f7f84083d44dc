// SPDX-License-Identifier: MIT
// Fault repair with a field crew and the 24x7 arrival / restoration
// commitments (workflows/SOURCES.md) through the SHIPPED fault_repair.yaml
// with the real engine, a manual clock and a notification queue.
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

// 2. Fault repair (fault_repair.yaml, 24x7): crew handoff, arrival and
//    restoration commitments, breach rules fired by advance().
// =====================================================================================

TEST_CASE("engine.flows.fault_repair.urban_arrival_missed_restoration_met") {
  // Saturday night: the `always` calendar counts every minute.
  engine_fixture r(local(2026, 11, 28, 22, 0));
  tf::open_request req;
  req.type = "fault_repair";
  req.channel = "hotline_95598";
  req.customer_id = "C-WZ-0042";
  req.customer = {{"region", txt("wuzhong")}, {"area_type", txt("urban")}, {"usage_category", txt("residential")}};
  req.fields = {{"outage_scope", txt("single_customer")}};
  req.description = "no power in the flat";
  req.opened_by = "csr_01";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;

  // No open rule applies (ordinary, single customer, no recent fault).
  CHECK(opened.routing.rule == "everyone_else");
  CHECK(escalations(opened.routing).empty());
  {
    const auto ev = r.events(id);
    CHECK(detail(ev[0], "deadline.arrival") == "45m");
    CHECK(detail(ev[0], "deadline.restoration") == "3h");
  }
  // arrival: 45 min from receipt; restoration waits for arrived_on_site; the
  // received step limit is 3 min.
  CHECK(deadlines(opened.ticket) ==
        "arrival running 45m due=2026-11-28 22:45:00 left=2700\n"
        "restoration pending 3h due=-\n"
        "step running 3m due=2026-11-28 22:03:00 left=180\n");

  r.act_at(local(2026, 11, 28, 22, 1), id, "triage", csr1);
  auto v = r.act_at(local(2026, 11, 28, 22, 2), id, "dispatch", dispatcher);
  CHECK(v.state == "dispatched");
  CHECK(show(v.assignee) == "repair_crew/wuzhong/");  // the crews of the customer's region
  CHECK(join(v.handoffs) == "repair_crew");
  CHECK(v.tier == "customer_service_center");
  CHECK(ids(r.queue("repair_crew", "wuzhong")) == id);

  // A Gusu crew may not take a Wuzhong order.
  r.at(local(2026, 11, 28, 22, 3));
  const auto refused = r.eng->act(tf::act_request{id, "crew_acknowledge", crew_gusu, {}, std::nullopt});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == tf::errc::permission_denied);
  const auto refused_record = r.eng->denials(id);
  REQUIRE(refused_record.has_value());
  CHECK(trail(*refused_record) ==
        "2026-11-28 22:03:00 crew_gs_1 denied action=crew_acknowledge code=permission_denied\n");

  v = r.act_at(local(2026, 11, 28, 22, 4), id, "crew_acknowledge", crew_wuzhong);
  CHECK(show(v.assignee) == "repair_crew/wuzhong/crew_wz_1");
  CHECK(v.owner == "csr_01");
  r.act_at(local(2026, 11, 28, 22, 5), id, "depart", crew_wuzhong);

  // At 22:05 the arrival is due within the hour.
  CHECK(ids(*r.eng->at_risk(chr::hours{1})) == id);
  CHECK(ids(*r.eng->overdue()).empty());

  // 22:50, crew still on the road: advance() fires the 50/75/90 % warnings
  // (22:22:30, 22:33:45, 22:40:30: 1350, 2025, 2430 of 2700 s) and the
  // breach at 22:45, each stamped with its due instant.
  const std::size_t mark = flow_events(r.events(id)).size();
  auto rep = r.advance(local(2026, 11, 28, 22, 50));
  CHECK(rep.fired == 4);
  CHECK(rep.tickets == 1);
  v = r.view(id);
  CHECK(v.overdue());
  CHECK(ids(*r.eng->overdue()) == id);
  CHECK(deadline(v, "arrival")->status == tf::deadline_status::running);
  CHECK(deadline(v, "arrival")->breached);
  CHECK(deadline(v, "arrival")->remaining_seconds == -300);
  CHECK(join(v.flags) == "arrival_overdue,urged");

  // 23:35: +100 % of the 45 min (22:45 + 45 min = 23:30) → arrival_double_urban.
  rep = r.advance(local(2026, 11, 28, 23, 35));
  CHECK(rep.fired == 1);
  CHECK(rep.tickets == 1);
  // Nothing more is due before the crew arrives.
  CHECK(r.advance(local(2026, 11, 28, 23, 38)).fired == 0);

  v = r.act_at(local(2026, 11, 28, 23, 40), id, "arrive", crew_wuzhong);
  CHECK(deadline(v, "arrival")->status == tf::deadline_status::missed);
  CHECK(deadline(v, "restoration")->status == tf::deadline_status::running);
  r.act_at(local(2026, 11, 28, 23, 45), id, "start_repair", crew_wuzhong);
  v = r.act_at(local(2026, 11, 29, 0, 50), id, "restore", crew_wuzhong);
  CHECK(deadline(v, "restoration")->status == tf::deadline_status::met);
  v = r.act_at(local(2026, 11, 29, 1, 0), id, "report_restored", crew_wuzhong, "fuse replaced at the meter box");
  CHECK(v.state == "handler_replied");
  CHECK(v.handoffs.empty());
  CHECK(show(v.assignee) == "customer_service_center//csr_01");  // back to who handed it off
  r.act_at(local(2026, 11, 29, 9, 0), id, "callback_satisfied", caller);
  v = r.act_at(local(2026, 11, 29, 9, 10), id, "archive", caller);
  CHECK(v.closed);
  CHECK(v.owner == "csr_01");
  CHECK(v.escalations == 0);
  CHECK(join(v.flags) == "arrival_overdue,arrival_overdue_2x,urged");

  // arrival missed (arrived 23:40, due 22:45); restoration 3h from 23:40 →
  // 02:40, met at 00:50.
  CHECK(deadlines(r.view(id)) ==
        "arrival missed 45m due=2026-11-28 22:45:00 breached\n"
        "restoration met 3h due=2026-11-29 02:40:00\n");
  // Centre 22:00-22:02 and 01:00-09:10, the crew 22:02-01:00 (24x7: working = wall).
  CHECK(unit_times(r.view(id)) ==
        "customer_service_center 29520/29520\n"
        "repair_crew 10680/10680\n");

  CHECK(trail(r.events(id), mark) ==
        "2026-11-28 22:22:30 system deadline_warned deadline=arrival percent=50\n"
        "2026-11-28 22:22:30 system notified to=assignee unit=repair_crew region=wuzhong person=crew_wz_1"
        " reason=arrival_l1\n"
        "2026-11-28 22:33:45 system deadline_warned deadline=arrival percent=75\n"
        "2026-11-28 22:33:45 system notified to=assignee unit=repair_crew region=wuzhong person=crew_wz_1"
        " reason=arrival_l2\n"
        "2026-11-28 22:33:45 system notified to=team unit=task_dispatcher region= person= reason=arrival_l2\n"
        "2026-11-28 22:40:30 system deadline_warned deadline=arrival percent=90\n"
        "2026-11-28 22:40:30 system noted rule=arrival_l3 flag=urged\n"
        "2026-11-28 22:40:30 system notified to=assignee unit=repair_crew region=wuzhong person=crew_wz_1"
        " reason=arrival_l3\n"
        "2026-11-28 22:40:30 system notified to=team unit=task_dispatcher region= person= reason=arrival_l3\n"
        "2026-11-28 22:40:30 system notified to=owner unit=repair_crew region=wuzhong person=csr_01"
        " reason=arrival_l3\n"
        "2026-11-28 22:45:00 system deadline_breached deadline=arrival\n"
        "2026-11-28 22:45:00 system noted rule=arrival_breach flag=arrival_overdue\n"
        "2026-11-28 22:45:00 system notified to=team unit=task_dispatcher region= person= reason=arrival_breach\n"
        "2026-11-28 22:45:00 system notified to=owner unit=repair_crew region=wuzhong person=csr_01"
        " reason=arrival_breach\n"
        "2026-11-28 23:30:00 system deadline_breached deadline=arrival after=45m\n"
        "2026-11-28 23:30:00 system noted rule=arrival_double_urban flag=arrival_overdue_2x\n"
        "2026-11-28 23:30:00 system notified to=tier unit=enterprise_account_manager region= person="
        " reason=arrival_double_urban\n"
        "2026-11-28 23:30:00 system notified to=team unit=task_dispatcher region= person="
        " reason=arrival_double_urban\n"
        "2026-11-28 23:40:00 crew_wz_1 transitioned action=arrive from=en_route to=arrived_on_site\n"
        "2026-11-28 23:45:00 crew_wz_1 transitioned action=start_repair from=arrived_on_site to=repairing\n"
        "2026-11-29 00:50:00 crew_wz_1 transitioned action=restore from=repairing to=power_restored\n"
        "2026-11-29 01:00:00 crew_wz_1 transitioned action=report_restored from=power_restored"
        " to=handler_replied note=fuse replaced at the meter box\n"
        "2026-11-29 01:00:00 crew_wz_1 returned action=report_restored kind=handoff from_unit=repair_crew"
        " to_unit=customer_service_center region= person=csr_01\n"
        "2026-11-29 09:00:00 cb_01 transitioned action=callback_satisfied from=handler_replied to=callback_done class.callback=satisfied\n"
        "2026-11-29 09:10:00 cb_01 transitioned action=archive from=callback_done to=archived\n"
        "2026-11-29 09:10:00 cb_01 closed state=archived\n");
  CHECK(trail(r.events(id), 0, mark) ==
        "2026-11-28 22:00:00 csr_01 opened\n"
        "2026-11-28 22:00:00 csr_01 routed kind=open rule=everyone_else unit=customer_service_center\n"
        "2026-11-28 22:01:00 csr_01 accepted person=csr_01 owner=true assignee=true\n"
        "2026-11-28 22:01:00 csr_01 transitioned action=triage from=received to=triaged\n"
        "2026-11-28 22:02:00 disp_01 transitioned action=dispatch from=triaged to=dispatched\n"
        "2026-11-28 22:02:00 disp_01 handed_off action=dispatch from_unit=customer_service_center"
        " to_unit=repair_crew region=wuzhong\n"
        "2026-11-28 22:02:00 disp_01 notified to=owner unit=repair_crew region=wuzhong person=csr_01"
        " reason=handed_off\n"
        "2026-11-28 22:04:00 crew_wz_1 accepted person=crew_wz_1 owner=false assignee=true\n"
        "2026-11-28 22:04:00 crew_wz_1 transitioned action=crew_acknowledge from=dispatched"
        " to=crew_acknowledged\n"
        "2026-11-28 22:05:00 crew_wz_1 transitioned action=depart from=crew_acknowledged to=en_route\n");

  CHECK(show(r.inbox.drain()) ==
        "T00000001 2026-11-28 22:02:00 owner csr_01 repair_crew/wuzhong handed_off\n"
        "T00000001 2026-11-28 22:22:30 assignee crew_wz_1 repair_crew/wuzhong arrival_l1\n"
        "T00000001 2026-11-28 22:33:45 assignee crew_wz_1 repair_crew/wuzhong arrival_l2\n"
        "T00000001 2026-11-28 22:33:45 team  task_dispatcher/ arrival_l2\n"
        "T00000001 2026-11-28 22:40:30 assignee crew_wz_1 repair_crew/wuzhong arrival_l3\n"
        "T00000001 2026-11-28 22:40:30 team  task_dispatcher/ arrival_l3\n"
        "T00000001 2026-11-28 22:40:30 owner csr_01 repair_crew/wuzhong arrival_l3\n"
        "T00000001 2026-11-28 22:45:00 team  task_dispatcher/ arrival_breach\n"
        "T00000001 2026-11-28 22:45:00 owner csr_01 repair_crew/wuzhong arrival_breach\n"
        "T00000001 2026-11-28 23:30:00 tier  enterprise_account_manager/ arrival_double_urban\n"
        "T00000001 2026-11-28 23:30:00 team  task_dispatcher/ arrival_double_urban\n");
  CHECK(r.eng->stats().timers_fired == 5);

  check_integrity(r, id);
}

TEST_CASE("engine.flows.fault_repair.rural_arrival_met_restoration_missed") {
  engine_fixture r(local(2026, 11, 30, 14, 0));  // Mon
  tf::open_request req;
  req.type = "fault_repair";
  req.channel = "online_app";
  req.customer_id = "C-CS-0007";
  req.customer = {{"region", txt("changshu")}, {"area_type", txt("rural")}, {"usage_category", txt("agricultural")}};
  req.description = "pump station without power";
  req.opened_by = "csr_01";
  const std::string id = r.open(req).ticket.id;
  CHECK(deadlines(r.view(id)) ==
        "arrival running 90m due=2026-11-30 15:30:00 left=5400\n"
        "restoration pending 4h due=-\n"
        "step running 3m due=2026-11-30 14:03:00 left=180\n");

  r.act_at(local(2026, 11, 30, 14, 1), id, "triage", csr1);
  r.act_at(local(2026, 11, 30, 14, 2), id, "dispatch", dispatcher);
  r.act_at(local(2026, 11, 30, 14, 3), id, "crew_acknowledge", crew_changshu);
  r.act_at(local(2026, 11, 30, 14, 4), id, "depart", crew_changshu);
  // 40 min after receipt: within the rural 90 min, before its 50 % warning (14:45).
  auto v = r.act_at(local(2026, 11, 30, 14, 40), id, "arrive", crew_changshu);
  CHECK(deadline(v, "arrival")->status == tf::deadline_status::met);
  CHECK_FALSE(deadline(v, "arrival")->breached);
  CHECK(show(*deadline(v, "restoration")) == "restoration running 4h due=2026-11-30 18:40:00 left=14400");
  r.act_at(local(2026, 11, 30, 14, 45), id, "start_repair", crew_changshu);

  // 18:50, still repairing: warnings at 16:40, 17:40, 18:16 and the breach at 18:40.
  const std::size_t mark = flow_events(r.events(id)).size();
  const auto rep = r.advance(local(2026, 11, 30, 18, 50));
  CHECK(rep.fired == 4);
  CHECK(rep.tickets == 1);
  CHECK(ids(*r.eng->overdue()) == id);
  CHECK(trail(r.events(id), mark) ==
        "2026-11-30 16:40:00 system deadline_warned deadline=restoration percent=50\n"
        "2026-11-30 16:40:00 system notified to=assignee unit=repair_crew region=changshu person=crew_cs_1"
        " reason=restoration_l1\n"
        "2026-11-30 17:40:00 system deadline_warned deadline=restoration percent=75\n"
        "2026-11-30 17:40:00 system notified to=assignee unit=repair_crew region=changshu person=crew_cs_1"
        " reason=restoration_l2\n"
        "2026-11-30 17:40:00 system notified to=team unit=task_dispatcher region= person= reason=restoration_l2\n"
        "2026-11-30 18:16:00 system deadline_warned deadline=restoration percent=90\n"
        "2026-11-30 18:16:00 system noted rule=restoration_l3 flag=urged\n"
        "2026-11-30 18:16:00 system notified to=assignee unit=repair_crew region=changshu person=crew_cs_1"
        " reason=restoration_l3\n"
        "2026-11-30 18:16:00 system notified to=team unit=task_dispatcher region= person= reason=restoration_l3\n"
        "2026-11-30 18:16:00 system notified to=owner unit=repair_crew region=changshu person=csr_01"
        " reason=restoration_l3\n"
        "2026-11-30 18:40:00 system deadline_breached deadline=restoration\n"
        "2026-11-30 18:40:00 system noted rule=restoration_breach flag=restoration_overdue\n"
        "2026-11-30 18:40:00 system notified to=team unit=task_dispatcher region= person="
        " reason=restoration_breach\n"
        "2026-11-30 18:40:00 system notified to=owner unit=repair_crew region=changshu person=csr_01"
        " reason=restoration_breach\n");

  v = r.act_at(local(2026, 11, 30, 19, 0), id, "restore", crew_changshu);
  r.act_at(local(2026, 11, 30, 19, 10), id, "report_restored", crew_changshu, "broken insulator replaced");
  r.act_at(local(2026, 11, 30, 19, 30), id, "callback_satisfied", caller);
  v = r.act_at(local(2026, 11, 30, 19, 40), id, "archive", caller);
  CHECK(v.closed);
  CHECK(join(v.flags) == "restoration_overdue,urged");
  CHECK(deadlines(v) ==
        "arrival met 90m due=2026-11-30 15:30:00\n"
        "restoration missed 4h due=2026-11-30 18:40:00 breached\n");
  check_integrity(r, id);
}

// =====================================================================================
