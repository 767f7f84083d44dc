// SPDX-License-Identifier: MIT
// A bill callback that finds a bill error and tracks it until the customer
// is satisfied, through the SHIPPED bill_callback.yaml with the real engine,
// a manual clock and a notification queue.
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

// 4. Bill callback (bill_callback.yaml): bill error → billing → tracked until
//    the customer is satisfied; the second unsatisfied answer goes to T2.
// =====================================================================================

TEST_CASE("engine.flows.bill_callback.bill_error_tracked_until_satisfied") {
  engine_fixture r(local(2026, 11, 25, 9, 0));  // Wed
  tf::open_request req;
  req.type = "bill_callback";
  req.channel = "proactive";
  req.customer_id = "C-XC-0300";
  req.customer = {{"region", txt("xiangcheng")}, {"usage_category", txt("commercial_industrial")}};
  req.fields = {{"callback_method", txt("phone")}, {"plan_cadence", txt("monthly")}};
  req.description = "monthly bill callback";
  req.opened_by = "mkt_01";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;
  CHECK(opened.routing.rule == "everyone_else");
  CHECK(deadlines(opened.ticket) ==
        "meter_fix pending 5bd due=-\n"
        "commitment pending 5bd due=-\n");

  r.act_at(local(2026, 11, 25, 9, 5), id, "start_contact", caller);
  r.act_at(local(2026, 11, 25, 9, 10), id, "no_answer", caller, "no answer");
  r.act_at(local(2026, 11, 25, 9, 30), id, "reached", caller);
  // issue_found records the bill-callback procedure's issue class (bill|payment|service|policy).
  r.act_at(local(2026, 11, 25, 9, 40), id, "issue_found", caller,
           "bill amount wrong: meter reading doubled", "bill");
  auto v = r.act_at(local(2026, 11, 25, 10, 0), id, "assign_billing", marketing);
  CHECK(show(v.assignee) == "billing//");
  CHECK(join(v.handoffs) == "billing");
  v = r.act_at(local(2026, 11, 25, 10, 30), id, "start_investigation", billing_clerk);
  CHECK(show(v.assignee) == "billing//bill_01");
  CHECK(v.owner == "cb_01");
  // Loop 1: a committed fix. The commitment clock starts now: 5bd → Wed 12-02 11:00.
  v = r.act_at(local(2026, 11, 25, 11, 0), id, "give_commitment", billing_clerk, "re-billing within 3 days");
  CHECK(show(*deadline(v, "commitment")) == "commitment running 5bd due=2026-12-02 11:00:00 left=135000");
  v = r.act_at(local(2026, 11, 27, 10, 0), id, "inform_customer", marketing, "corrected bill issued");
  CHECK(show(*deadline(v, "commitment")) == "commitment met 5bd due=2026-12-02 11:00:00");
  v = r.act_at(local(2026, 11, 27, 10, 30), id, "customer_unsatisfied", caller, "late-payment fee not refunded");
  CHECK(v.state == "investigating");
  CHECK(show(v.assignee) == "billing//bill_01");  // the department keeps it
  CHECK(v.tier == "customer_service_center");
  CHECK(join(v.flags) == "unsatisfied");
  // Loop 2: resolved at once, still unsatisfied → ticket.times.customer_unsatisfied
  // = 2 → rule unsatisfied_twice: T0 → T2 while billing keeps the work.
  r.act_at(local(2026, 11, 27, 14, 0), id, "resolve_immediately", billing_clerk, "fee refunded");
  r.act_at(local(2026, 11, 27, 15, 0), id, "inform_customer", caller);
  v = r.act_at(local(2026, 11, 27, 15, 30), id, "customer_unsatisfied", caller, "wants a written apology");
  CHECK(v.tier == "enterprise_account_manager");
  CHECK(v.tier_level == 2);
  CHECK(v.escalations == 1);
  CHECK(show(v.assignee) == "billing//bill_01");
  CHECK(join(v.handoffs) == "billing");
  CHECK(join(v.flags) == "unsatisfied,unsatisfied_repeatedly");
  // Loop 3: the enterprise manager closes the loop in person.
  r.act_at(local(2026, 11, 27, 16, 0), id, "resolve_immediately", billing_clerk, "apology letter sent");
  r.act_at(local(2026, 11, 27, 16, 30), id, "inform_customer", enterprise);
  v = r.act_at(local(2026, 11, 27, 17, 0), id, "customer_satisfied", enterprise);
  CHECK(v.state == "closed");
  CHECK(v.closed);
  CHECK(v.handoffs.empty());
  // Back from billing to the ticket's home, which moved up to T2 meanwhile.
  CHECK(show(v.assignee) == "enterprise_account_manager//");
  CHECK(v.owner == "cb_01");
  CHECK(deadlines(v) ==
        "meter_fix pending 5bd due=-\n"
        "commitment met 5bd due=2026-12-02 11:00:00\n");
  // Centre Wed 09:00-10:00; billing Wed 10:00 - Fri 17:00: 55 h wall, working
  // 21600 (Wed) + 27000 (Thu) + 25200 (Fri to 17:00).
  const std::string times = unit_times(v);
  CHECK(times.find("customer_service_center 3600/3600\n") != std::string::npos);
  CHECK(times.find("billing 198000/73800\n") != std::string::npos);

  CHECK(trail(r.events(id), 2) ==
        "2026-11-25 09:05:00 cb_01 accepted person=cb_01 owner=true assignee=true\n"
        "2026-11-25 09:05:00 cb_01 transitioned action=start_contact from=planned to=contact_attempt_1\n"
        "2026-11-25 09:10:00 cb_01 transitioned action=no_answer from=contact_attempt_1 to=contact_attempt_2"
        " note=no answer class.callback=unreachable\n"
        "2026-11-25 09:30:00 cb_01 transitioned action=reached from=contact_attempt_2 to=feedback_recorded\n"
        "2026-11-25 09:40:00 cb_01 transitioned action=issue_found from=feedback_recorded to=classified"
        " note=bill amount wrong: meter reading doubled class.issue_class=bill\n"
        "2026-11-25 10:00:00 mkt_01 transitioned action=assign_billing from=classified"
        " to=assigned_to_responsible_dept\n"
        "2026-11-25 10:00:00 mkt_01 handed_off action=assign_billing from_unit=customer_service_center"
        " to_unit=billing region=\n"
        "2026-11-25 10:00:00 mkt_01 notified to=owner unit=billing region= person=cb_01 reason=handed_off\n"
        "2026-11-25 10:30:00 bill_01 accepted person=bill_01 owner=false assignee=true\n"
        "2026-11-25 10:30:00 bill_01 transitioned action=start_investigation from=assigned_to_responsible_dept"
        " to=investigating\n"
        "2026-11-25 11:00:00 bill_01 transitioned action=give_commitment from=investigating to=commitment_given"
        " note=re-billing within 3 days\n"
        "2026-11-27 10:00:00 mkt_01 transitioned action=inform_customer from=commitment_given"
        " to=customer_informed note=corrected bill issued\n"
        "2026-11-27 10:30:00 cb_01 transitioned action=customer_unsatisfied from=customer_informed"
        " to=investigating note=late-payment fee not refunded class.callback=unsatisfied\n"
        "2026-11-27 10:30:00 cb_01 noted rule=customer_unsatisfied flag=unsatisfied\n"
        "2026-11-27 10:30:00 cb_01 notified to=owner unit=billing region= person=cb_01"
        " reason=customer_unsatisfied\n"
        "2026-11-27 10:30:00 cb_01 notified to=team unit=marketing_department region= person="
        " reason=customer_unsatisfied\n"
        "2026-11-27 14:00:00 bill_01 transitioned action=resolve_immediately from=investigating"
        " to=resolved_immediately note=fee refunded\n"
        "2026-11-27 15:00:00 cb_01 transitioned action=inform_customer from=resolved_immediately"
        " to=customer_informed\n"
        "2026-11-27 15:30:00 cb_01 transitioned action=customer_unsatisfied from=customer_informed"
        " to=investigating note=wants a written apology class.callback=unsatisfied\n"
        "2026-11-27 15:30:00 cb_01 noted rule=customer_unsatisfied flag=unsatisfied\n"
        "2026-11-27 15:30:00 cb_01 notified to=owner unit=billing region= person=cb_01"
        " reason=customer_unsatisfied\n"
        "2026-11-27 15:30:00 cb_01 notified to=team unit=marketing_department region= person="
        " reason=customer_unsatisfied\n"
        "2026-11-27 15:30:00 cb_01 noted rule=unsatisfied_twice flag=unsatisfied_repeatedly\n"
        "2026-11-27 15:30:00 cb_01 escalated rule=unsatisfied_twice from_tier=customer_service_center"
        " to_tier=enterprise_account_manager region=\n"
        "2026-11-27 15:30:00 cb_01 notified to=owner unit=billing region= person=cb_01 reason=escalated\n"
        "2026-11-27 16:00:00 bill_01 transitioned action=resolve_immediately from=investigating"
        " to=resolved_immediately note=apology letter sent\n"
        "2026-11-27 16:30:00 em_01 transitioned action=inform_customer from=resolved_immediately"
        " to=customer_informed\n"
        "2026-11-27 17:00:00 em_01 transitioned action=customer_satisfied from=customer_informed to=closed class.callback=satisfied\n"
        "2026-11-27 17:00:00 em_01 returned action=customer_satisfied kind=handoff from_unit=billing"
        " to_unit=enterprise_account_manager region= person=\n"
        "2026-11-27 17:00:00 em_01 closed state=closed\n");

  CHECK(show(r.inbox.drain()) ==
        "T00000001 2026-11-25 10:00:00 owner cb_01 billing/ handed_off\n"
        "T00000001 2026-11-27 10:30:00 owner cb_01 billing/ customer_unsatisfied\n"
        "T00000001 2026-11-27 10:30:00 team  marketing_department/ customer_unsatisfied\n"
        "T00000001 2026-11-27 15:30:00 owner cb_01 billing/ customer_unsatisfied\n"
        "T00000001 2026-11-27 15:30:00 team  marketing_department/ customer_unsatisfied\n"
        "T00000001 2026-11-27 15:30:00 owner cb_01 billing/ escalated\n");
  check_integrity(r, id);
}

// =====================================================================================
