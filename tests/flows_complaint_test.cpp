// SPDX-License-Identifier: MIT
// End-to-end complaint flows of the company documents in workflows/SOURCES.md
// through the SHIPPED complaint.yaml with the real engine, a manual clock and
// a notification queue: the big-customer complaint flowchart of
// [DOC-TELECOM-BIGCUST §4.4] (branch → local technical department → HQ
// key-account desk), and repeat and skip-level complaints at open.
//
// Every expected value is worked out by hand from the workflow files and the
// engine contract (include/tierflow/*.hpp); the reasoning is in comments.
// Times are written in local time (UTC+08:00). Calendar facts used: `office`
// = Mon-Fri 08:30-12:00 and 13:30-17:30 (27000 working seconds a day), no
// holiday between 2026-10-08 and 2026-12-31, 2027-01-01 (Fri) a holiday;
// 2026-11-24 is a Tuesday. The helpers are in support/flows_cases.hpp.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/event_schema.hpp>

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

// =====================================================================================
// 1. [DOC-TELECOM-BIGCUST §4.4] flowchart: big-customer complaint → regional account manager →
//    local technical department → cannot resolve → HQ key-account desk.
// =====================================================================================

TEST_CASE("engine.flows.complaint.seed002_big_customer_tech_department_then_hq") {
  const timestamp t0 = local(2026, 11, 24, 9, 0);  // Tue
  engine_fixture r(t0);

  // A level-2 important customer in Gusu: complaint.yaml routing row 2
  // (big_customer: importance_class level2) → the Gusu regional account
  // manager's queue. Not row 1: not special/level1, priority vip (not key),
  // 10 kV < 110, 2000 kVA < 20000.
  auto req = complaint("C-GS-0001",
                       {{"region", txt("gusu")},
                        {"importance_class", txt("level2")},
                        {"priority", txt("vip")},
                        {"voltage_kv", num(10)},
                        {"capacity_kva", num(2000)}},
                       {{"complaint_class", txt("service")}});
  req.external_ref = "95598-20261124-0001";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;
  CHECK(id == "T00000001");

  CHECK(opened.routing.workflow_id == "complaint");
  CHECK(opened.routing.workflow_version == 1);
  CHECK(opened.routing.rule == "big_customer");
  CHECK(show(opened.routing.to) == "regional_account_manager/gusu/");
  CHECK(opened.routing.trace.size() == 2);  // key_big_customer (no), big_customer (yes)
  CHECK(escalations(opened.routing).empty());
  CHECK(opened.ticket.state == "received");
  CHECK(opened.ticket.tier == "regional_account_manager");
  CHECK(opened.ticket.tier_level == 1);
  CHECK(opened.ticket.owner.empty());
  CHECK(show(opened.ticket.assignee) == "regional_account_manager/gusu/");
  CHECK(opened.ticket.region == "gusu");
  CHECK(opened.ticket.external_ref == "95598-20261124-0001");
  CHECK(ids(r.queue("regional_account_manager", "gusu")) == id);
  CHECK(ids(r.queue("regional_account_manager", "wuzhong")).empty());

  // The `opened` event records the request, the derived history counts and
  // the deadline lengths chosen.
  {
    const auto ev = r.events(id);
    REQUIRE(ev.size() == 2);
    const tf::event& o = ev[0];
    CHECK(o.type == tf::event_type::opened);
    CHECK(o.actor_id == "csr_01");
    CHECK(detail(o, "type") == "complaint");
    CHECK(detail(o, "channel") == "hotline_95598");
    CHECK(detail(o, "customer") == "C-GS-0001");
    CHECK(detail(o, "region") == "gusu");
    CHECK(detail(o, "external_ref") == "95598-20261124-0001");
    CHECK(detail(o, "customer.importance_class") == "level2");
    CHECK(detail(o, "customer.voltage_kv") == "10");
    CHECK(detail(o, "customer.capacity_kva") == "2000");
    CHECK(detail(o, "customer.complaints_last_30d") == "0");
    CHECK(detail(o, "customer.faults_last_7d") == "0");
    CHECK(detail(o, "ticket.complaint_class") == "service");
    CHECK(detail(o, "deadline.contact") == "24h");
    CHECK(detail(o, "deadline.reply") == "4bd");
    CHECK(detail(o, "deadline.answer") == "5bd");
    CHECK(detail(o, "deadline.reopen_reply") == "4bd");
  }

  std::vector<tf::ticket_view> seen;  // every view after the first claim: the owner never changes

  // 09:05 the hotline agent judges "big customer: yes" and classifies: the
  // first claimer, so the owner (首問負責), but not the assignee: the ticket
  // sits with the regional account manager, a unit the csr does not work in.
  auto v = r.act_at(local(2026, 11, 24, 9, 5), id, "classify", csr1);
  CHECK(v.owner == "csr_01");
  CHECK(show(v.assignee) == "regional_account_manager/gusu/");
  seen.push_back(v);
  seen.push_back(r.act_at(local(2026, 11, 24, 9, 10), id, "dispatch", csr1));

  // 09:15 the Wuzhong manager may not take a Gusu ticket: one `denied`
  // event on the ticket's denial stream; the ticket, version and all, does
  // not change.
  r.at(local(2026, 11, 24, 9, 15));
  const auto before = r.view(id);
  const auto refused = r.eng->act(tf::act_request{id, "acknowledge", rm_wuzhong, {}, std::nullopt});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == tf::errc::permission_denied);
  const auto after = r.view(id);
  CHECK(after.version == before.version);
  CHECK(after == before);

  // 09:20 the Gusu manager acknowledges: becomes the assignee; the owner stays.
  v = r.act_at(local(2026, 11, 24, 9, 20), id, "acknowledge", rm_gusu);
  CHECK(show(v.assignee) == "regional_account_manager/gusu/rm_gusu");
  seen.push_back(v);
  seen.push_back(r.act_at(local(2026, 11, 24, 9, 30), id, "contact_customer", rm_gusu));
  CHECK(deadline(seen.back(), "contact")->status == tf::deadline_status::met);
  seen.push_back(r.act_at(local(2026, 11, 24, 9, 40), id, "start_investigation", rm_gusu));

  // 10:00 转交當地技術部門: handed off to the technical department; the
  // ticket's tier stays T1, the team holds it.
  v = r.act_at(local(2026, 11, 24, 10, 0), id, "need_tech", rm_gusu,
               "transformer harmonics suspected; technical department to measure");
  CHECK(v.state == "tech_review");
  CHECK(show(v.assignee) == "technical_department//");
  CHECK(join(v.handoffs) == "technical_department");
  CHECK(v.tier == "regional_account_manager");
  CHECK(ids(r.queue("technical_department")) == id);
  CHECK(ids(r.queue("regional_account_manager", "gusu")).empty());
  seen.push_back(v);

  // 11:00 技術部門不能解決 → 上交總部客服中心大客戶專席: returned to the
  // Gusu manager who handed it off, and rule tech_cannot_resolve flags it
  // and escalates it to the HQ key-account desk (T1 → T3).
  v = r.act_at(local(2026, 11, 24, 11, 0), id, "tech_cannot_resolve", engineer,
               "cause is in the 110 kV supply line, beyond the branch");
  CHECK(v.state == "investigating");
  CHECK(v.handoffs.empty());
  CHECK(v.tier == "hq_key_account_desk");
  CHECK(v.tier_level == 3);
  CHECK(v.escalations == 1);
  CHECK(join(v.flags) == "hq_referral");
  CHECK(v.has_flag("hq_referral"));
  CHECK(show(v.assignee) == "hq_key_account_desk//");
  CHECK(ids(r.queue("hq_key_account_desk")) == id);
  CHECK(ids(r.queue("technical_department")).empty());
  seen.push_back(v);

  // The HQ desk replies (claims: it works in the unit the ticket is with),
  // the centre reviews, calls back, closes and archives.
  v = r.act_at(local(2026, 11, 24, 11, 30), id, "reply", hq_desk);
  CHECK(show(v.assignee) == "hq_key_account_desk//hq_01");
  seen.push_back(v);
  seen.push_back(r.act_at(local(2026, 11, 24, 11, 45), id, "review_passed", supervisor));
  seen.push_back(r.act_at(local(2026, 11, 24, 11, 50), id, "callback_satisfied", caller));
  seen.push_back(r.act_at(local(2026, 11, 24, 11, 55), id, "close", supervisor));
  CHECK(seen.back().state == "closed");
  CHECK_FALSE(seen.back().closed);  // `closed` is not terminal in complaint.yaml; `archived` is
  seen.push_back(r.act_at(local(2026, 11, 24, 11, 58), id, "archive", supervisor));

  for (const auto& s : seen) CHECK_MESSAGE(s.owner == "csr_01", "state " << s.state);

  const auto fin = r.view(id);
  CHECK(fin.state == "archived");
  CHECK(fin.closed);
  REQUIRE(fin.closed_at.has_value());
  CHECK(stamp(*fin.closed_at) == "2026-11-24 11:58:00");
  CHECK(fin.owner == "csr_01");
  CHECK(show(fin.assignee) == "hq_key_account_desk//hq_01");
  CHECK(fin.tier == "hq_key_account_desk");
  CHECK(fin.escalations == 1);
  CHECK(join(fin.flags) == "hq_referral");
  CHECK(ids(r.queue("hq_key_account_desk")).empty());

  // contact 24h from Tue 09:00; reply 4bd → Mon 11-30 09:00; answer 5bd →
  // Tue 12-01 09:00; reopen_reply never started (no reopen).
  CHECK(deadlines(fin) ==
        "contact met 24h due=2026-11-25 09:00:00\n"
        "reply met 4bd due=2026-11-30 09:00:00\n"
        "answer met 5bd due=2026-12-01 09:00:00\n"
        "reopen_reply pending 4bd due=-\n");

  // T1 09:00-10:00, technical department 10:00-11:00, then (after a zero-length
  // stop back at T1) the HQ desk 11:00-11:58; all office hours.
  CHECK(unit_times(fin) ==
        "regional_account_manager 3600/3600\n"
        "technical_department 3600/3600\n"
        "hq_key_account_desk 3480/3480\n");

  CHECK(trail(r.events(id)) ==
        "2026-11-24 09:00:00 csr_01 opened\n"
        "2026-11-24 09:00:00 csr_01 routed kind=open rule=big_customer unit=regional_account_manager region=gusu"
        " in.customer.importance_class=level2 in.customer.load_grade=(absent) in.customer.high_risk=(absent)"
        " in.customer.voltage_kv=10 in.customer.capacity_kva=2000\n"
        "2026-11-24 09:05:00 csr_01 accepted person=csr_01 owner=true assignee=false\n"
        "2026-11-24 09:05:00 csr_01 transitioned action=classify from=received to=classified\n"
        "2026-11-24 09:10:00 csr_01 transitioned action=dispatch from=classified to=dispatched\n"
        "2026-11-24 09:20:00 rm_gusu accepted person=rm_gusu owner=false assignee=true\n"
        "2026-11-24 09:20:00 rm_gusu transitioned action=acknowledge from=dispatched to=acknowledged\n"
        "2026-11-24 09:30:00 rm_gusu transitioned action=contact_customer from=acknowledged to=customer_contacted\n"
        "2026-11-24 09:40:00 rm_gusu transitioned action=start_investigation from=customer_contacted to=investigating\n"
        "2026-11-24 10:00:00 rm_gusu transitioned action=need_tech from=investigating to=tech_review"
        " note=transformer harmonics suspected; technical department to measure\n"
        "2026-11-24 10:00:00 rm_gusu handed_off action=need_tech from_unit=regional_account_manager"
        " to_unit=technical_department region=\n"
        "2026-11-24 10:00:00 rm_gusu notified to=owner unit=technical_department region= person=csr_01"
        " reason=handed_off\n"
        "2026-11-24 11:00:00 tech_01 transitioned action=tech_cannot_resolve from=tech_review to=investigating"
        " note=cause is in the 110 kV supply line, beyond the branch\n"
        "2026-11-24 11:00:00 tech_01 returned action=tech_cannot_resolve kind=handoff"
        " from_unit=technical_department to_unit=regional_account_manager region=gusu person=rm_gusu\n"
        "2026-11-24 11:00:00 tech_01 noted rule=tech_cannot_resolve flag=hq_referral\n"
        "2026-11-24 11:00:00 tech_01 escalated rule=tech_cannot_resolve from_tier=regional_account_manager"
        " to_tier=hq_key_account_desk region=\n"
        "2026-11-24 11:00:00 tech_01 notified to=owner unit=hq_key_account_desk region= person=csr_01"
        " reason=escalated\n"
        "2026-11-24 11:30:00 hq_01 accepted person=hq_01 owner=false assignee=true\n"
        "2026-11-24 11:30:00 hq_01 transitioned action=reply from=investigating to=handler_replied class.closed_loop=own_post\n"
        "2026-11-24 11:45:00 sup_01 transitioned action=review_passed from=handler_replied to=reviewed\n"
        "2026-11-24 11:50:00 cb_01 transitioned action=callback_satisfied from=reviewed to=callback_done class.callback=satisfied\n"
        "2026-11-24 11:55:00 sup_01 transitioned action=close from=callback_done to=closed\n"
        "2026-11-24 11:58:00 sup_01 transitioned action=archive from=closed to=archived\n"
        "2026-11-24 11:58:00 sup_01 closed state=archived\n");

  // The owner heard of the handoff and of the escalation, nothing else.
  CHECK(show(r.inbox.drain()) ==
        "T00000001 2026-11-24 10:00:00 owner csr_01 technical_department/ handed_off\n"
        "T00000001 2026-11-24 11:00:00 owner csr_01 hq_key_account_desk/ escalated\n");
  CHECK(r.eng->stats().notifications == 2);
  CHECK(r.eng->stats().denied == 1);
  const auto refused_record = r.eng->denials(id);
  REQUIRE(refused_record.has_value());
  CHECK(trail(*refused_record) ==
        "2026-11-24 09:15:00 rm_wuzhong denied action=acknowledge code=permission_denied\n");

  const auto rec = r.eng->customer_record("C-GS-0001");
  REQUIRE(rec.has_value());
  CHECK(ids(rec->tickets) == id);
  // The contact record: the ticket's trail and its refused command, by time.
  CHECK(rec->events.size() == r.events(id).size() + 1);
  const auto denied_at = std::find_if(rec->events.begin(), rec->events.end(),
                                      [](const tf::event& e) { return e.type == tf::event_type::denied; });
  REQUIRE(denied_at != rec->events.end());
  CHECK(denied_at->ticket_id == tf::denial_stream_of(id));
  CHECK(denied_at != rec->events.begin());
  CHECK(std::prev(denied_at)->time <= denied_at->time);
  CHECK(std::next(denied_at)->time >= denied_at->time);

  check_integrity(r, id);
}

// =====================================================================================

TEST_CASE("engine.flows.complaint.repeat_within_30_days_one_tier_up") {
  engine_fixture r(local(2026, 11, 2, 9, 0));  // Mon
  const tf::attribute_values a_attrs{{"region", txt("gusu")}};
  const tf::attribute_values b_attrs{{"region", txt("wuzhong")}};
  const tf::attribute_values fields{{"complaint_class", txt("service")}};

  // Day 0: each customer's first complaint, handled at T0 and archived.
  const std::string a1 = r.open(complaint("C-A", a_attrs, fields)).ticket.id;
  const timestamp a1_closed = run_t0_complaint(r, a1, local(2026, 11, 2, 9, 0));
  r.at(local(2026, 11, 2, 10, 0));
  const std::string b1 = r.open(complaint("C-B", b_attrs, fields)).ticket.id;
  const timestamp b1_closed = run_t0_complaint(r, b1, local(2026, 11, 2, 10, 0));
  CHECK(stamp(a1_closed) == "2026-11-02 09:50:00");
  CHECK(stamp(b1_closed) == "2026-11-02 10:50:00");
  CHECK(r.inbox.size() == 0);

  // Day 21: customer A again; its first complaint closed 21 days ago (≤ 30).
  r.at(local(2026, 11, 23, 9, 0));
  const auto a2 = r.open(complaint("C-A", a_attrs, fields));
  CHECK(detail(r.events(a2.ticket.id)[0], "customer.complaints_last_30d") == "1");
  CHECK(a2.routing.rule == "everyone_else");
  CHECK(escalations(a2.routing) == "repeat_complaint->regional_account_manager");
  CHECK(a2.ticket.tier == "regional_account_manager");
  CHECK(a2.ticket.tier_level == 1);
  CHECK(a2.ticket.escalations == 1);
  CHECK(show(a2.ticket.assignee) == "regional_account_manager/gusu/");
  CHECK(join(a2.ticket.flags) == "repeat");
  CHECK(ids(r.queue("regional_account_manager", "gusu")) == a2.ticket.id);
  CHECK(trail(r.events(a2.ticket.id)) ==
        "2026-11-23 09:00:00 csr_01 opened\n"
        "2026-11-23 09:00:00 csr_01 routed kind=open rule=everyone_else unit=customer_service_center\n"
        "2026-11-23 09:00:00 csr_01 noted rule=repeat_complaint flag=repeat\n"
        "2026-11-23 09:00:00 csr_01 escalated rule=repeat_complaint from_tier=customer_service_center"
        " to_tier=regional_account_manager region=gusu\n");
  CHECK(r.inbox.size() == 0);  // no owner yet to tell
  check_integrity(r, a2.ticket.id);

  // Day 32: customer B's only complaint closed 32 days ago: not a repeat.
  r.at(local(2026, 12, 4, 11, 0));
  const auto b2 = r.open(complaint("C-B", b_attrs, fields));
  CHECK(detail(r.events(b2.ticket.id)[0], "customer.complaints_last_30d") == "0");
  CHECK(escalations(b2.routing).empty());
  CHECK(b2.ticket.tier == "customer_service_center");
  CHECK(b2.ticket.flags.empty());
  CHECK(types(r.events(b2.ticket.id)) == "opened routed");

  // Same day, customer A: its first complaint is out of the window, but the
  // second is still open → 1 → a repeat again.
  const auto a3 = r.open(complaint("C-A", a_attrs, fields));
  CHECK(detail(r.events(a3.ticket.id)[0], "customer.complaints_last_30d") == "1");
  CHECK(escalations(a3.routing) == "repeat_complaint->regional_account_manager");
  CHECK(a3.ticket.tier == "regional_account_manager");

  const auto rec = r.eng->customer_record("C-A");
  REQUIRE(rec.has_value());
  CHECK(ids(rec->tickets) == a1 + "," + a2.ticket.id + "," + a3.ticket.id);
}

TEST_CASE("engine.flows.complaint.skip_level_risk_to_t2_hq_informed_once") {
  engine_fixture r(local(2026, 11, 24, 9, 0));
  const tf::attribute_values skip{{"complaint_class", txt("service")}, {"skip_level_risk", yes()}};

  // An ordinary customer who threatens 12345: T0 → T2 at once (rule
  // skip_level_at_open), T3 informed. The ticket is at T2 afterwards, but
  // skip_level_at_open_inform is the alternative for tickets that were
  // already at T2 ("already at T2 or above: only inform T3"): T3 must be told
  // once, not twice. (Rules run in file order and each sees the tier the
  // previous one left, so complaint.yaml must list each *_inform rule BEFORE
  // its escalating twin; the repeat + skip-level case below still ends at T2
  // with that order.)
  const auto t0 = r.open(complaint("C-S1", {{"region", txt("gusu")}}, skip));
  CHECK(t0.ticket.tier == "enterprise_account_manager");
  CHECK(t0.ticket.tier_level == 2);
  CHECK(t0.ticket.escalations == 1);
  CHECK(show(t0.ticket.assignee) == "enterprise_account_manager//");
  CHECK(join(t0.ticket.flags) == "skip_level");
  CHECK(escalations(t0.routing) == "skip_level_at_open->enterprise_account_manager");
  CHECK(trail(r.events(t0.ticket.id)) ==
        "2026-11-24 09:00:00 csr_01 opened\n"
        "2026-11-24 09:00:00 csr_01 routed kind=open rule=everyone_else unit=customer_service_center\n"
        "2026-11-24 09:00:00 csr_01 noted rule=skip_level_at_open flag=skip_level\n"
        "2026-11-24 09:00:00 csr_01 escalated rule=skip_level_at_open from_tier=customer_service_center"
        " to_tier=enterprise_account_manager region=\n"
        "2026-11-24 09:00:00 csr_01 notified to=tier unit=hq_key_account_desk region= person="
        " reason=skip_level_at_open\n");
  CHECK(show(r.inbox.drain()) == t0.ticket.id + " 2026-11-24 09:00:00 tier  hq_key_account_desk/ skip_level_at_open\n");
  check_integrity(r, t0.ticket.id);

  // A key customer (priority key) is at T2 already: only T3 informed.
  r.at(local(2026, 11, 24, 9, 1));
  const auto t2 = r.open(complaint("C-S2", {{"region", txt("gusu")}, {"priority", txt("key")}}, skip));
  CHECK(t2.routing.rule == "key_big_customer");
  CHECK(t2.ticket.tier == "enterprise_account_manager");
  CHECK(t2.ticket.escalations == 0);
  CHECK(join(t2.ticket.flags) == "skip_level");
  CHECK(escalations(t2.routing) == "skip_level_at_open_inform->enterprise_account_manager");
  CHECK(types(r.events(t2.ticket.id)) == "opened routed noted notified");
  CHECK(show(r.inbox.drain()) ==
        t2.ticket.id + " 2026-11-24 09:01:00 tier  hq_key_account_desk/ skip_level_at_open_inform\n");

  // complaint.yaml: "a repeat + skip-level complaint of a T1 customer ends at
  // T2, not T3": the repeat rule lifts it T1 → T2, then only T3 is informed.
  r.at(local(2026, 11, 24, 9, 2));
  const tf::attribute_values big{{"region", txt("wuzhong")}, {"importance_class", txt("level2")}};
  const auto first = r.open(complaint("C-S3", big, {{"complaint_class", txt("service")}}));
  CHECK(first.ticket.tier == "regional_account_manager");
  r.at(local(2026, 11, 24, 9, 3));
  const auto again = r.open(complaint("C-S3", big, skip));
  CHECK(again.ticket.tier == "enterprise_account_manager");
  CHECK(again.ticket.escalations == 1);
  CHECK(join(again.ticket.flags) == "repeat,skip_level");
  CHECK(trail(r.events(again.ticket.id), 2) ==
        "2026-11-24 09:03:00 csr_01 noted rule=repeat_complaint flag=repeat\n"
        "2026-11-24 09:03:00 csr_01 escalated rule=repeat_complaint from_tier=regional_account_manager"
        " to_tier=enterprise_account_manager region=\n"
        "2026-11-24 09:03:00 csr_01 noted rule=skip_level_at_open_inform flag=skip_level\n"
        "2026-11-24 09:03:00 csr_01 notified to=tier unit=hq_key_account_desk region= person="
        " reason=skip_level_at_open_inform\n");
  CHECK(show(r.inbox.drain()) ==
        again.ticket.id + " 2026-11-24 09:03:00 tier  hq_key_account_desk/ skip_level_at_open_inform\n");

  // Skip-level risk reported during handling of the first (T1) complaint:
  // rule skip_level_reported lifts it to T2 and informs T3, once.
  const std::size_t mark = flow_events(r.events(first.ticket.id)).size();
  const auto v = r.act_at(local(2026, 11, 24, 9, 4), first.ticket.id, "report_skip_level_risk", csr1,
                          "customer says they will call 12398");
  CHECK(v.state == "received");
  CHECK(v.tier == "enterprise_account_manager");
  CHECK(v.escalations == 1);
  CHECK(join(v.flags) == "skip_level");
  CHECK(trail(r.events(first.ticket.id), mark) ==
        "2026-11-24 09:04:00 csr_01 noted action=report_skip_level_risk note=customer says they will call 12398\n"
        "2026-11-24 09:04:00 csr_01 noted rule=skip_level_reported flag=skip_level\n"
        "2026-11-24 09:04:00 csr_01 escalated rule=skip_level_reported from_tier=regional_account_manager"
        " to_tier=enterprise_account_manager region=\n"
        "2026-11-24 09:04:00 csr_01 notified to=tier unit=hq_key_account_desk region= person="
        " reason=skip_level_reported\n");
  CHECK(show(r.inbox.drain()) ==
        first.ticket.id + " 2026-11-24 09:04:00 tier  hq_key_account_desk/ skip_level_reported\n");
  check_integrity(r, first.ticket.id);
}
