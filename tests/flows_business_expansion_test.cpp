// SPDX-License-Identifier: MIT
// Business expansion, LV and HV, with the clocks stopped while the customer
// works (workflows/SOURCES.md), through the SHIPPED business_expansion.yaml
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

// 3. Business expansion (business_expansion.yaml): the supplier-side clock
//    stops while the customer works.
// =====================================================================================

TEST_CASE("engine.flows.business_expansion.lv_clock_paused_during_customer_works") {
  const timestamp t0 = local(2026, 11, 24, 9, 0);  // Tue
  engine_fixture r(t0);
  tf::open_request req;
  req.type = "business_expansion";
  req.channel = "business_hall";
  req.customer_id = "C-HQ-0100";
  req.customer = {{"region", txt("huqiu")}, {"importance_class", txt("none")},
                  {"usage_category", txt("commercial_industrial")}};
  req.fields = {{"application_kind", txt("new_connection")}, {"voltage_path", txt("lv")},
                {"residential", no()}, {"requested_capacity_kva", num(100)}, {"requested_voltage_kv", num(0.38)}};
  req.description = "new 100 kVA LV connection for a workshop";
  req.opened_by = "csr_01";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;
  // LV, 100 kVA, not important: routing row 3 (T0).
  CHECK(opened.routing.rule == "everyone_else");
  // supplier_side: LV non-residential 6bd → Wed 12-02 09:00; supply_plan LV
  // 2bd → Thu 11-26 09:00; received step 1bd → Wed 11-25 09:00.
  CHECK(deadlines(opened.ticket) ==
        "supplier_side running 6bd due=2026-12-02 09:00:00 left=162000\n"
        "supply_plan running 2bd due=2026-11-26 09:00:00 left=54000\n"
        "step running 1bd due=2026-11-25 09:00:00 left=27000\n");

  r.act_at(local(2026, 11, 24, 9, 10), id, "accept", csr1);
  r.act_at(local(2026, 11, 24, 9, 30), id, "request_plan", csr1);
  r.act_at(local(2026, 11, 24, 10, 30), id, "plan_drafted", engineer);
  auto v = r.act_at(local(2026, 11, 24, 10, 45), id, "reply_plan", csr1);
  CHECK(deadline(v, "supply_plan")->status == tf::deadline_status::met);

  // 11:00 the customer starts its own wiring: all clocks stop. 2 working
  // hours used (09:00-11:00): 162000 - 7200 = 154800 s left.
  v = r.act_at(local(2026, 11, 24, 11, 0), id, "lv_await_customer_works", csr1);
  CHECK(v.state == "waiting_customer_works");
  CHECK(v.paused);
  const auto* sup = deadline(v, "supplier_side");
  REQUIRE(sup != nullptr);
  CHECK(sup->status == tf::deadline_status::paused);
  CHECK_FALSE(sup->due.has_value());
  CHECK(sup->remaining_seconds == 154800);
  CHECK(v.nearest_due() == std::nullopt);
  const std::string while_paused = deadlines(v);
  CHECK(while_paused ==
        "supplier_side paused 6bd due=- left=154800\n"
        "supply_plan met 2bd due=2026-11-26 09:00:00\n");

  // Ten days later (past the original due date): nothing fired, nothing used.
  CHECK(r.advance(local(2026, 12, 4, 11, 0)).fired == 0);
  v = r.view(id);
  CHECK(v.paused);
  CHECK(deadlines(v) == while_paused);
  CHECK_FALSE(v.overdue());
  CHECK(ids(*r.eng->overdue()).empty());

  // Fri 12-04 11:00 works ready: the clocks run again. 154800 s from Fri
  // 11:00: Fri 18000, Mon-Thu 4 × 27000, Fri 12-11 27000 → 1800 s left → Mon
  // 12-14 09:00 (the old due Wed 12-02 09:00 moved by the 8 working days paused).
  v = r.act_at(local(2026, 12, 4, 11, 0), id, "lv_works_ready", csr1);
  CHECK_FALSE(v.paused);
  CHECK(show(*deadline(v, "supplier_side")) == "supplier_side running 6bd due=2026-12-14 09:00:00 left=154800");
  CHECK(show(v.assignee) == "metering_team//");

  v = r.act_at(local(2026, 12, 4, 14, 0), id, "energize", meter_tech);
  CHECK(v.state == "energized");
  CHECK(show(*deadline(v, "supplier_side")) == "supplier_side met 6bd due=2026-12-14 09:00:00");
  // record_callback records the callback result (satisfied|unsatisfied|unreachable).
  r.act_at(local(2026, 12, 4, 14, 30), id, "record_callback", caller,
           "customer satisfied with the connection", "satisfied");
  v = r.act_at(local(2026, 12, 4, 15, 0), id, "archive", caller);
  CHECK(v.closed);
  CHECK(v.owner == "csr_01");

  // The pause and the resumption are in the trail, at the right instants.
  std::string clock_events;
  for (const auto& e : r.events(id))
    if (e.type == tf::event_type::paused || e.type == tf::event_type::resumed) clock_events += line(e) + "\n";
  CHECK(clock_events ==
        "2026-11-24 11:00:00 csr_01 paused state=waiting_customer_works\n"
        "2026-12-04 11:00:00 csr_01 resumed state=meter_install_and_energize\n");
  CHECK(trail(r.events(id)).find(
            "2026-12-04 11:00:00 csr_01 transitioned action=lv_works_ready from=waiting_customer_works"
            " to=meter_install_and_energize\n"
            "2026-12-04 11:00:00 csr_01 handed_off action=lv_works_ready from_unit=customer_service_center"
            " to_unit=metering_team region=\n"
            "2026-12-04 11:00:00 csr_01 notified to=owner unit=metering_team region= person=csr_01"
            " reason=handed_off\n"
            "2026-12-04 11:00:00 csr_01 resumed state=meter_install_and_energize\n") != std::string::npos);
  check_integrity(r, id);
}

TEST_CASE("engine.flows.business_expansion.hv_important_six_customer_waits") {
  engine_fixture r(local(2026, 11, 24, 9, 0));  // Tue
  tf::open_request req;
  req.type = "business_expansion";
  req.channel = "account_manager_direct";
  req.customer_id = "C-GS-0200";
  req.customer = {{"region", txt("gusu")}, {"importance_class", txt("level2")}, {"voltage_kv", num(10)},
                  {"capacity_kva", num(800)}};
  req.fields = {{"application_kind", txt("capacity_increase")}, {"voltage_path", txt("hv")},
                {"supply_sources", txt("single")}, {"requested_capacity_kva", num(1250)},
                {"requested_voltage_kv", num(10)}};
  req.description = "capacity increase 800 → 1250 kVA, 10 kV";
  req.opened_by = "rm_gusu";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;
  CHECK(opened.routing.rule == "big_customer_or_hv");
  CHECK(show(opened.routing.to) == "regional_account_manager/gusu/");
  // HV single source: 22bd → Thu 12-24 09:00 (no holiday in between);
  // supply plan 10bd → Tue 12-08 09:00.
  CHECK(deadlines(opened.ticket) ==
        "supplier_side running 22bd due=2026-12-24 09:00:00 left=594000\n"
        "supply_plan running 10bd due=2026-12-08 09:00:00 left=270000\n"
        "step running 1bd due=2026-11-25 09:00:00 left=27000\n");

  const auto supplier = [&](const tf::ticket_view& tv) { return show(*deadline(tv, "supplier_side")); };

  r.act_at(local(2026, 11, 24, 9, 10), id, "accept", rm_gusu);
  r.act_at(local(2026, 11, 24, 9, 20), id, "request_plan", rm_gusu);
  r.act_at(local(2026, 11, 24, 10, 0), id, "plan_drafted", engineer);
  r.act_at(local(2026, 11, 24, 10, 10), id, "reply_plan", rm_gusu);
  // Wait 1: the customer designs its works. Used 09:00-10:20 = 4800 s.
  auto v = r.act_at(local(2026, 11, 24, 10, 20), id, "hv_important_await_design", rm_gusu);
  CHECK(v.paused);
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=589200");
  CHECK(show(*deadline(v, "supply_plan")) == "supply_plan met 10bd due=2026-12-08 09:00:00");
  CHECK(r.advance(local(2026, 12, 4, 10, 20)).fired == 0);  // 10 days later
  CHECK(supplier(r.view(id)) == "supplier_side paused 22bd due=- left=589200");

  // Resume Fri 12-04 10:20: 589200 s = 21 days + 22200 s → Tue 2027-01-05
  // 10:20 (2027-01-01 is a holiday) + 22200 s → Wed 2027-01-06 09:00.
  v = r.act_at(local(2026, 12, 4, 10, 20), id, "design_submitted", rm_gusu);
  CHECK_FALSE(v.paused);
  CHECK(supplier(v) == "supplier_side running 22bd due=2027-01-06 09:00:00 left=589200");
  // Wait 2: construction. Used 10:20-11:00 = 2400 s more.
  v = r.act_at(local(2026, 12, 4, 11, 0), id, "design_approved", engineer);
  CHECK(v.state == "waiting_customer_construction");
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=586800");
  CHECK(r.advance(local(2026, 12, 14, 11, 0)).fired == 0);
  CHECK(supplier(r.view(id)) == "supplier_side paused 22bd due=- left=586800");

  r.act_at(local(2026, 12, 14, 11, 0), id, "request_interim_inspection", rm_gusu);
  // Wait 3: completion of the works. 1800 s more.
  v = r.act_at(local(2026, 12, 14, 11, 30), id, "interim_passed", engineer);
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=585000");
  r.act_at(local(2026, 12, 16, 9, 0), id, "request_completion_inspection", rm_gusu);
  // Wait 4: rectification after the first failed inspection. 1800 s more.
  v = r.act_at(local(2026, 12, 16, 9, 30), id, "inspection_failed", engineer, "earthing resistance too high");
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=583200");
  CHECK_FALSE(v.has_flag("repeated_inspection_failure"));
  r.act_at(local(2026, 12, 17, 9, 0), id, "rectified", rm_gusu);
  // Wait 5: failed again → rule inspection_failed_twice (ticket.times ≥ 2).
  v = r.act_at(local(2026, 12, 17, 9, 30), id, "inspection_failed", engineer, "relay settings wrong");
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=581400");
  CHECK(join(v.flags) == "repeated_inspection_failure");
  r.act_at(local(2026, 12, 18, 9, 0), id, "rectified", rm_gusu);
  // Wait 6: contract and fees (the customer's part).
  v = r.act_at(local(2026, 12, 18, 9, 30), id, "inspection_passed", engineer);
  CHECK(v.state == "contract_and_fees");
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=579600");
  // Resume Mon 12-21 09:00: 579600 s = 21 days + 12600 s → Wed 2027-01-20
  // 09:00 + 12600 s (10800 before lunch, 1800 after) → 14:00.
  v = r.act_at(local(2026, 12, 21, 9, 0), id, "contract_signed_and_paid", rm_gusu);
  CHECK(supplier(v) == "supplier_side running 22bd due=2027-01-20 14:00:00 left=579600");
  CHECK(show(v.assignee) == "metering_team//");
  v = r.act_at(local(2026, 12, 21, 10, 0), id, "energize", meter_tech);
  CHECK(supplier(v) == "supplier_side met 22bd due=2027-01-20 14:00:00");
  CHECK(show(v.assignee) == "regional_account_manager/gusu/rm_gusu");
  r.act_at(local(2026, 12, 21, 10, 30), id, "record_callback", rm_gusu,
           "energised on time, customer satisfied", "satisfied");
  v = r.act_at(local(2026, 12, 21, 10, 40), id, "archive", rm_gusu);
  CHECK(v.closed);
  CHECK(v.owner == "rm_gusu");
  CHECK(v.escalations == 0);

  std::string clock_events;
  for (const auto& e : r.events(id))
    if (e.type == tf::event_type::paused || e.type == tf::event_type::resumed) clock_events += line(e) + "\n";
  CHECK(clock_events ==
        "2026-11-24 10:20:00 rm_gusu paused state=waiting_customer_design\n"
        "2026-12-04 10:20:00 rm_gusu resumed state=design_review\n"
        "2026-12-04 11:00:00 tech_01 paused state=waiting_customer_construction\n"
        "2026-12-14 11:00:00 rm_gusu resumed state=interim_inspection\n"
        "2026-12-14 11:30:00 tech_01 paused state=waiting_customer_completion\n"
        "2026-12-16 09:00:00 rm_gusu resumed state=completion_inspection\n"
        "2026-12-16 09:30:00 tech_01 paused state=waiting_customer_rectification\n"
        "2026-12-17 09:00:00 rm_gusu resumed state=completion_inspection\n"
        "2026-12-17 09:30:00 tech_01 paused state=waiting_customer_rectification\n"
        "2026-12-18 09:00:00 rm_gusu resumed state=completion_inspection\n"
        "2026-12-18 09:30:00 tech_01 paused state=contract_and_fees\n"
        "2026-12-21 09:00:00 rm_gusu resumed state=meter_install_and_energize\n");

  // Every handoff told the owner; the metering team joins each (re)inspection;
  // the second failure brings in the Gusu account-manager queue and the owner.
  CHECK(show(r.inbox.drain()) ==
        "T00000001 2026-11-24 09:20:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-04 10:20:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-14 11:00:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-16 09:00:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-16 09:00:00 team  metering_team/ metering_joins_inspection\n"
        "T00000001 2026-12-17 09:00:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-17 09:00:00 team  metering_team/ metering_joins_reinspection\n"
        "T00000001 2026-12-17 09:30:00 tier  regional_account_manager/gusu inspection_failed_twice\n"
        "T00000001 2026-12-17 09:30:00 owner rm_gusu regional_account_manager/gusu inspection_failed_twice\n"
        "T00000001 2026-12-18 09:00:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-18 09:00:00 team  metering_team/ metering_joins_reinspection\n"
        "T00000001 2026-12-21 09:00:00 owner rm_gusu metering_team/ handed_off\n");
  check_integrity(r, id);
}

// =====================================================================================
