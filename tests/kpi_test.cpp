// SPDX-License-Identifier: MIT
// The service indicators (tierflow/kpi.hpp) on hand-made trails whose
// figures are worked out by hand below, the same trails and arithmetic as
// the worked example of workflows/INDICATORS.md: eight tickets of November
// 2026 (pauses, a weekend and a holiday, a reopen, an escalation across
// three tiers, a bounce between a tier and a team, a handoff, a repeat
// complaint, a trail older than the outcome records), grouped, at
// instants, scored; the same report folded from views of the events; and
// the bad inputs.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/kpi.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/organisation.hpp>

#include "kpi/row.hpp"
#include "support/forwarding_store.hpp"
#include "support/trail_builder.hpp"

namespace tf = tierflow;
namespace kpi = tierflow::kpi;
using namespace std::chrono;
using tierflow_test::spent;
using tierflow_test::trail_builder;

namespace {

constexpr std::int64_t H = 3600, D = 86400;

/// Hour `h`:`m` of a day of 2026, in UTC (the trails' times are UTC).
tf::timestamp at(month mo, int d, int h, int m = 0) {
  return tf::timestamp{sys_days{2026y / mo / day{static_cast<unsigned>(d)}} + hours{h} + minutes{m}};
}
tf::timestamp nov(int d, int h, int m = 0) { return at(November, d, h, m); }

/// The ladder service centre (level 0) → regional manager (1) → enterprise
/// manager (2) → HQ desk (3), and one team, the repair crew.
tf::organisation ladder() {
  tf::organisation org;
  org.id = "test";
  org.ladder = {
      {"csc", 0, false, {}}, {"rm", 1, true, {}}, {"em", 2, false, {}}, {"hq", 3, false, {}}};
  org.teams = {{"crew", true, {}}};
  return org;
}

/// The eight tickets (working hours 09:00-17:00, Monday to Friday; Monday
/// 30 November is a holiday in this story: the engine recorded the business
/// seconds accordingly, the indicators only read them).
std::vector<trail_builder> november() {
  std::vector<trail_builder> t;
  // T1: taken at once, answered, called back satisfied, closed at the
  // service centre: a first-contact resolution.
  t.emplace_back("T1");
  t.back().at(nov(2, 9)).opened("complaint", "wuzhong").routed("csc", "wuzhong");
  t.back().at(nov(2, 9, 30)).accepted("li", true, true, spent{1800, 1800});
  t.back().stopped("contact", true, nov(2, 10), {1800, 1800});
  t.back().at(nov(2, 10)).transitioned("li", "reply", "received", "replied", spent{3600, 3600});
  t.back().at(nov(3, 9)).transitioned("li", "callback", "replied", "callback_done",
                                      spent{82800, 25200}, {{"class.callback", "satisfied"}});
  t.back().stopped("answer", true, nov(9, 9), {D, 8 * H});
  t.back().closed("callback_done", spent{D, 8 * H}, spent{D, 8 * H});
  // T2: taken at the centre, paused a day waiting for the customer,
  // escalated csc → rm → em, its answer breached, the callback unsatisfied
  // reopens it, closed at em.
  t.emplace_back("T2");
  t.back().at(nov(4, 9)).opened("complaint", "kunshan").routed("csc", "kunshan");
  t.back().at(nov(4, 10)).accepted("wang", true, true, spent{H, H});
  t.back().stopped("contact", true, nov(4, 10), {H, H});
  t.back()
      .at(nov(4, 11))
      .transitioned("wang", "ask_customer", "received", "waiting_customer", spent{2 * H, 2 * H});
  t.back().paused("waiting_customer");
  t.back().at(nov(5, 11)).resumed("investigating");
  t.back().transitioned("wang", "customer_replied", "waiting_customer", "investigating",
                        spent{D, 8 * H});
  t.back().at(nov(6, 9)).escalated("csc", "rm", "kunshan", {2 * D, 16 * H});
  t.back().at(nov(7, 9)).escalated("rm", "em", "", {D, 8 * H});
  t.back().at(nov(9, 10)).accepted("zhou", false, true);
  t.back().at(nov(11, 9)).breached("answer");
  t.back()
      .at(nov(12, 9))
      .transitioned("zhou", "callback", "investigating", "reopened", spent{7 * D, 32 * H},
                    {{"class.callback", "unsatisfied"}});
  t.back().stopped("answer", false, nov(11, 9), {7 * D, 48 * H}, D);
  t.back()
      .at(nov(13, 9))
      .transitioned("zhou", "reply", "reopened", "callback_done", spent{D, 8 * H});
  t.back().closed("callback_done", spent{6 * D, 32 * H}, spent{9 * D, 56 * H});
  // T3: a fault handed off to the crew, back to the manager, and to the
  // crew again (a bounce); the crew arrives late; its repair deadline is
  // still breached at the period's end.
  t.emplace_back("T3", "fault_repair");
  t.back().at(nov(10, 8)).opened("fault_repair", "wuzhong").routed("rm", "wuzhong");
  t.back().at(nov(10, 8, 10)).accepted("zhang", true, true, spent{600, 600});
  t.back().at(nov(10, 8, 20)).handed_off("zhang", "rm", "crew", "wuzhong", {1200, 1200});
  t.back().at(nov(10, 10, 20)).breached("arrive");
  t.back().at(nov(10, 12, 20)).returned("crew_1", "crew", "rm", "wuzhong", "zhang", {4 * H, 4 * H});
  t.back().stopped("arrive", false, nov(10, 10, 20), {4 * H, 4 * H});
  t.back().at(nov(10, 13)).handed_off("zhang", "rm", "crew", "wuzhong", {2400, 2400});
  t.back().at(nov(12, 8)).breached("repair");
  // T4: a bill callback (its workflow records no callback classification),
  // classified "payment", one step limit kept and one missed.
  t.emplace_back("T4", "bill_callback");
  t.back().at(nov(16, 9)).opened("bill_callback", "kunshan").routed("csc", "kunshan");
  t.back().at(nov(16, 9, 20)).accepted("li", true, true, spent{1200, 1200});
  t.back()
      .at(nov(16, 12))
      .transitioned("li", "classify", "called", "classified", spent{10800, 10800},
                    {{"step", "met"}, {"class.issue_class", "payment"}});
  t.back()
      .at(nov(18, 12))
      .transitioned("li", "resolve", "classified", "resolved", spent{2 * D, 16 * H},
                    {{"step", "missed"}});
  t.back().closed("resolved", spent{183600, 19 * H}, spent{183600, 19 * H});
  // T5: a repeat complaint opened on a Friday at 16:00, its contact due at
  // 17:00 breached, taken on the holiday Monday at 10:00: 2 days 18 hours
  // of calendar time, one business hour. Open at the period's end.
  t.emplace_back("T5");
  t.back()
      .at(nov(27, 16))
      .opened("complaint", "wuzhong")
      .routed("csc", "wuzhong")
      .flagged("repeat");
  t.back().at(nov(27, 17)).breached("contact");
  t.back().at(nov(30, 10)).accepted("wang", true, true, spent{237600, H});
  t.back().stopped("contact", false, nov(27, 17), {237600, H});
  // T6: written before the outcome records: no durations, no deadline
  // stops. Its answer breach is not counted (it may have stopped unseen).
  t.emplace_back("T6");
  t.back().at(nov(20, 9)).opened("complaint", "kunshan").routed("csc", "kunshan");
  t.back().at(nov(20, 9, 5)).accepted("chen", true, true);
  t.back().at(nov(21, 9)).transitioned("chen", "reply", "received", "replied", std::nullopt);
  t.back().at(nov(27, 9)).breached("answer");
  t.back().at(nov(28, 9)).closed("replied", std::nullopt, std::nullopt);
  // T7: opened and taken in October, answered, called back and closed on
  // 2 November: in the period only from its answer on.
  t.emplace_back("T7");
  t.back().at(at(October, 30, 9)).opened("complaint", "kunshan").routed("csc", "kunshan");
  t.back().at(at(October, 30, 9, 10)).accepted("li", true, true, spent{600, 600});
  t.back().stopped("contact", true, at(October, 30, 10), {600, 600});
  t.back()
      .at(nov(2, 10))
      .transitioned("li", "reply", "received", "callback_done", spent{262200, 31800},
                    {{"class.callback", "satisfied"}});
  t.back().stopped("answer", true, nov(6, 9), {262200, 31800});
  t.back().closed("callback_done", spent{262800, 9 * H}, spent{262800, 9 * H});
  // T8: December, after the period.
  t.emplace_back("T8");
  t.back().at(at(December, 2, 9)).opened("complaint", "wuzhong").routed("csc", "wuzhong");
  return t;
}

kpi::options november_options(const tf::organisation* org) {
  kpi::options o;
  o.from = nov(1, 0);
  o.to = at(December, 1, 0);
  o.org = org;
  return o;
}

kpi::report run(const kpi::options& o) {
  auto acc = kpi::accumulator::make(o);
  REQUIRE(acc);
  for (const auto& t : november()) REQUIRE(acc->add(t.events()));
  return acc->finish();
}

const kpi::group_row& row(const kpi::report& r, std::vector<std::string> group) {
  for (const auto& g : r.rows)
    if (g.group == group) return g;
  FAIL("no row " << doctest::toString(group.size()));
  return r.rows.front();
}

kpi::rate rate_of(std::uint64_t n, std::uint64_t d) { return {n, d}; }

}  // namespace

TEST_CASE("kpi.totals.every_indicator_worked_out_by_hand") {
  const tf::organisation org = ladder();
  const kpi::report r = run(november_options(&org));
  const kpi::indicators& v = r.total;

  // T1…T8 read; T8 has no event before 1 December; T6 predates the records.
  CHECK(r.tickets_read == 8);
  CHECK(r.tickets_in_period == 7);
  CHECK(r.tickets_without_outcomes == 1);
  CHECK_FALSE(r.empty());

  // Opened in November: T1 T2 T3 T4 T5 T6 (T7 in October, T8 in December).
  CHECK(v.opened == 6);
  // Closed in November: T1 T2 T4 T6 T7.
  CHECK(v.closed == 5);

  // contact stops in the period: T1 met, T2 met, T5 missed (T7's in
  // October): 2/3. Due in the period: T1 (met), T2 (met), T5 (breached on
  // the 27th): 1 breached of 3.
  CHECK(v.deadlines.at("contact") == kpi::deadline_outcomes{rate_of(2, 3), rate_of(1, 3)});
  // answer stops: T1 met, T2 missed, T7 met: 2/3. Due: T1 (9 Nov), T2
  // (breached 11 Nov, counted once though it stops later), T7 (6 Nov);
  // T6's breach is not counted (old trail): 1 of 3.
  CHECK(v.deadlines.at("answer") == kpi::deadline_outcomes{rate_of(2, 3), rate_of(1, 3)});
  // arrive: T3 stopped missed: 0/1; breached in the period: 1/1.
  CHECK(v.deadlines.at("arrive") == kpi::deadline_outcomes{rate_of(0, 1), rate_of(1, 1)});
  // repair: never stopped (0/0), breached while running: 1/1.
  CHECK(v.deadlines.at("repair") == kpi::deadline_outcomes{rate_of(0, 0), rate_of(1, 1)});
  // step limits: T4 kept one, missed one: 1/2; no due recorded: 0/0.
  CHECK(v.deadlines.at("step") == kpi::deadline_outcomes{rate_of(1, 2), rate_of(0, 0)});
  CHECK(v.deadlines.size() == 5);
  // Overall, step limits left out: (2 + 2 + 0 + 0) / (3 + 3 + 1 + 0) = 4/7.
  CHECK(v.on_time == rate_of(4, 7));
  CHECK(*v.on_time.value() == doctest::Approx(4.0 / 7.0));

  // Contact, owners' takes in the period: T1 1800, T2 3600, T3 600, T4 1200,
  // T5 237600 (T6: no record; T7: October). Sorted 600 1200 1800 3600
  // 237600; mean 244800/5 = 48960; p50 rank ⌈2.5⌉ = 3 → 1800; p90 rank
  // ⌈4.5⌉ = 5 → 237600; p99 rank ⌈4.95⌉ = 5.
  CHECK(v.contact_calendar == kpi::distribution{5, 48960.0, 1800, 237600, 237600, 237600});
  // Business: 600 1200 1800 3600 3600 (the weekend and the holiday left
  // T5 one hour); mean 10800/5 = 2160.
  CHECK(v.contact_business == kpi::distribution{5, 2160.0, 1800, 3600, 3600, 3600});
  // Resolve, closes in the period: T1 86400, T2 777600, T4 183600, T7
  // 262800 (T6: no record, so 4 values for 5 closes). Mean 1310400/4 =
  // 327600; p50 rank 2 → 183600; p90 rank ⌈3.6⌉ = 4 → 777600.
  CHECK(v.resolve_calendar == kpi::distribution{4, 327600.0, 183600, 777600, 777600, 777600});
  // Business: 28800 32400 68400 201600; mean 331200/4 = 82800.
  CHECK(v.resolve_business == kpi::distribution{4, 82800.0, 32400, 201600, 201600, 201600});

  // First-contact resolution: of T1 T2 T4 T6 T7, all but T2 (escalated).
  CHECK(v.first_contact_resolution == rate_of(4, 5));
  // Escalation: T2 of the six opened; it climbed from csc (0) to em (2).
  CHECK(v.escalation == rate_of(1, 6));
  CHECK(v.levels_reached == std::map<std::uint32_t, std::uint64_t>{{0, 5}, {2, 1}});
  // T3: two handoffs, one return; it came back to the crew: a bounce.
  CHECK(v.handoffs == 2);
  CHECK(v.returns == 1);
  CHECK(v.bounce == rate_of(1, 6));
  // T5 flagged repeat.
  CHECK(v.repeat == rate_of(1, 6));
  // T2 entered `reopened`.
  CHECK(v.reopen == rate_of(1, 5));
  // Callbacks owed: the closed complaints T1 T2 T6 T7 (T4's workflow
  // records none); recorded on T1 T2 T7.
  CHECK(v.callback == rate_of(3, 4));
  // Answers in the period: T1 satisfied, T2 unsatisfied, T7 satisfied.
  CHECK(v.satisfaction == rate_of(2, 3));
}

TEST_CASE("kpi.groups.by_tier_with_the_ladder") {
  const tf::organisation org = ladder();
  kpi::options o = november_options(&org);
  o.by = {{kpi::group_kind::tier, {}}};
  const kpi::report r = run(o);
  // Ticket counts at the tier that first took the ticket: csc for T1 T2 T4
  // T5 T6 T7, rm for T3; events where the ticket was: em holds T2's answer
  // breach, its missed stop and the unsatisfied callback.
  REQUIRE(r.rows.size() == 3);
  CHECK(r.rows[0].group == std::vector<std::string>{"csc"});
  const kpi::indicators& csc = row(r, {"csc"}).values;
  CHECK(csc.opened == 5);
  CHECK(csc.closed == 5);
  CHECK(csc.escalation == rate_of(1, 5));
  CHECK(csc.levels_reached == std::map<std::uint32_t, std::uint64_t>{{0, 4}, {2, 1}});
  CHECK(csc.first_contact_resolution == rate_of(4, 5));
  // csc's contact stops T1 met, T2 met, T5 missed; its answer stops T1 and
  // T7, both met; the due dates T1 and T7 are not breached.
  CHECK(csc.deadlines.at("contact").on_time == rate_of(2, 3));
  CHECK(csc.deadlines.at("answer") == kpi::deadline_outcomes{rate_of(2, 2), rate_of(0, 2)});
  CHECK(csc.satisfaction == rate_of(2, 2));

  const kpi::indicators& em = row(r, {"em"}).values;
  CHECK(em.opened == 0);
  CHECK(em.deadlines.at("answer") == kpi::deadline_outcomes{rate_of(0, 1), rate_of(1, 1)});
  CHECK(em.satisfaction == rate_of(0, 1));
  CHECK(em.on_time == rate_of(0, 1));

  // With the crew the tier that handed off stays accountable: T3's return
  // and breaches count at rm, as do its handoffs.
  const kpi::indicators& rm = row(r, {"rm"}).values;
  CHECK(rm.opened == 1);
  CHECK(rm.handoffs == 2);
  CHECK(rm.returns == 1);
  CHECK(rm.bounce == rate_of(1, 1));
  CHECK(rm.deadlines.at("arrive") == kpi::deadline_outcomes{rate_of(0, 1), rate_of(1, 1)});
  CHECK(rm.deadlines.at("repair") == kpi::deadline_outcomes{rate_of(0, 0), rate_of(1, 1)});
  CHECK(rm.contact_calendar == kpi::distribution{1, 600.0, 600, 600, 600, 600});
}

TEST_CASE("kpi.groups.by_region_owner_and_classification") {
  const tf::organisation org = ladder();
  kpi::options o = november_options(&org);
  SUBCASE("region") {
    o.by = {{kpi::group_kind::region, {}}};
    const kpi::report r = run(o);
    REQUIRE(r.rows.size() == 2);
    // kunshan: T2 T4 T6 opened (T7 in October); T2 T4 T6 T7 closed.
    CHECK(row(r, {"kunshan"}).values.opened == 3);
    CHECK(row(r, {"kunshan"}).values.closed == 4);
    // wuzhong: T1 T3 T5 opened; T1 closed.
    CHECK(row(r, {"wuzhong"}).values.opened == 3);
    CHECK(row(r, {"wuzhong"}).values.closed == 1);
    CHECK(row(r, {"wuzhong"}).values.repeat == rate_of(1, 3));
  }
  SUBCASE("owner and tier") {
    o.by = {{kpi::group_kind::owner, {}}, {kpi::group_kind::tier, {}}};
    const kpi::report r = run(o);
    // li's tickets T1 T4 T7, all at csc: 2 opened, 3 closed, every
    // callback owed made (T1 T7; T4 owes none).
    const kpi::indicators& li = row(r, {"li", "csc"}).values;
    CHECK(li.opened == 2);
    CHECK(li.closed == 3);
    CHECK(li.callback == rate_of(2, 2));
    // wang's T2 after its escalations: the answer stop at em.
    CHECK(row(r, {"wang", "em"}).values.deadlines.at("answer").on_time == rate_of(0, 1));
    // Before anyone took T5 its contact breach counted with no owner.
    CHECK(row(r, {"", "csc"}).values.deadlines.at("contact").breached == rate_of(1, 1));
  }
  SUBCASE("classification") {
    o.by = {{kpi::group_kind::classification, "issue_class"}};
    const kpi::report r = run(o);
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0].group == std::vector<std::string>{""});
    CHECK(row(r, {"payment"}).values.opened == 1);
    CHECK(row(r, {"payment"}).values.deadlines.at("step").on_time == rate_of(1, 2));
    CHECK(row(r, {""}).values.opened == 5);
  }
  SUBCASE("assignee and team") {
    o.by = {{kpi::group_kind::team, {}}, {kpi::group_kind::assignee, {}}};
    const kpi::report r = run(o);
    // T3's return came from the crew, nobody assigned there; T2 closed
    // with zhou.
    CHECK(row(r, {"crew", ""}).values.returns == 1);
    CHECK(row(r, {"", "zhou"}).values.closed == 1);
  }
}

TEST_CASE("kpi.backlog.at_instants") {
  const tf::organisation org = ladder();
  kpi::options o = november_options(&org);
  o.instants = {nov(15, 0), at(December, 1, 0)};
  const kpi::report r = run(o);
  REQUIRE(r.backlog.size() == 2);
  // 15 Nov 00:00: T3 is open (T1 T2 T7 closed, T4 T5 T6 not yet opened),
  // its repair breached on the 12th: overdue. Opened since 1 Nov: T1 T2
  // T3; closed: T7 (2 Nov), T1 (3 Nov), T2 (13 Nov).
  CHECK(r.backlog[0].at == nov(15, 0));
  CHECK(r.backlog[0].open == 1);
  CHECK(r.backlog[0].overdue == 1);
  CHECK(r.backlog[0].opened == 3);
  CHECK(r.backlog[0].closed == 3);
  // 1 Dec: T3 and T5 open; T5's contact breach stopped when wang took it:
  // not overdue. Opened since: T4 T5 T6; closed: T4 T6.
  CHECK(r.backlog[1].open == 2);
  CHECK(r.backlog[1].overdue == 1);
  CHECK(r.backlog[1].opened == 3);
  CHECK(r.backlog[1].closed == 2);

  SUBCASE("grouped by tier: where the ticket sits at the instant") {
    o.by = {{kpi::group_kind::tier, {}}};
    const kpi::report g = run(o);
    REQUIRE(g.backlog.size() >= 2);
    CHECK(g.backlog[0].group == std::vector<std::string>{"csc"});  // opened T1 T2, closed T1 T7
    CHECK(g.backlog[0].open == 0);
    CHECK(g.backlog[0].opened == 2);
    bool rm_seen = false;
    for (const auto& p : g.backlog)
      if (p.at == nov(15, 0) && p.group == std::vector<std::string>{"rm"}) {
        rm_seen = true;
        CHECK(p.open == 1);
        CHECK(p.overdue == 1);
      }
    CHECK(rm_seen);
  }
}

TEST_CASE("kpi.worst_overdue.units_and_people") {
  const tf::organisation org = ladder();
  const kpi::report r = run(november_options(&org));
  // Only T3 is open with a breach not stopped: repair, since 12 Nov 08:00;
  // to 1 Dec 00:00 that is 18 days 16 hours = 1612800 s.
  REQUIRE(r.worst_overdue.size() == 1);
  const kpi::overdue_ticket& o = r.worst_overdue.front();
  CHECK(o.ticket_id == "T3");
  CHECK(o.deadline == "repair");
  CHECK(o.breached_at == nov(12, 8));
  CHECK(o.overdue_seconds == 18 * D + 16 * H);
  CHECK(o.unit == "crew");
  CHECK(o.region == "wuzhong");
  CHECK(o.owner == "zhang");
  CHECK(o.assignee == "");

  // Time per unit, stays that ended in November:
  // csc: T1 86400/28800, T2 172800/57600, T4 183600/68400, T7 262800/32400;
  // crew: T3 14400/14400; em: T2 518400/115200; rm: T2 86400/28800, T3
  // 1200 + 2400 (both business too).
  REQUIRE(r.units.size() == 4);
  CHECK(r.units[0].unit == "crew");
  CHECK(r.units[0].is_team);
  CHECK(r.units[0].stays == 1);
  CHECK(r.units[0].calendar_seconds == 14400);
  CHECK(r.units[1].unit == "csc");
  CHECK(r.units[1].stays == 4);
  CHECK(r.units[1].calendar_seconds == 705600);
  CHECK(r.units[1].business_seconds == 187200);
  CHECK(r.units[2].unit == "em");
  CHECK(r.units[2].calendar_seconds == 518400);
  CHECK(r.units[2].business_seconds == 115200);
  CHECK(r.units[3].unit == "rm");
  CHECK(r.units[3].stays == 3);
  CHECK(r.units[3].calendar_seconds == 90000);
  CHECK(r.units[3].business_seconds == 32400);

  // Workload (actions: transitions; taken: accepted; closed while assigned).
  REQUIRE(r.people.size() == 5);
  const auto person = [&](std::string_view id) {
    for (const auto& p : r.people)
      if (p.person == id) return p;
    FAIL("no person " << id);
    return kpi::workload{};
  };
  // li: T1 reply+callback, T4 classify+resolve, T7 reply = 5 actions; took
  // T1 T4 (T7 in October); closed T1 T4 T7 while assigned.
  CHECK(person("li").actions == 5);
  CHECK(person("li").taken == 2);
  CHECK(person("li").tickets == 3);
  CHECK(person("li").closed == 3);
  CHECK(person("wang").actions == 2);
  CHECK(person("wang").taken == 2);
  CHECK(person("wang").closed == 0);
  CHECK(person("zhou").closed == 1);
  CHECK(person("zhang").taken == 1);
  CHECK(person("zhang").actions == 0);
  CHECK(person("chen").closed == 1);
}

TEST_CASE("kpi.points.equal_weights_weights_and_ties") {
  const tf::organisation org = ladder();
  kpi::options o = november_options(&org);
  const auto find = [](const kpi::report& r, std::string_view id) {
    for (const auto& m : r.managers)
      if (m.person == id) return m;
    FAIL("no manager " << id);
    return kpi::manager_points{};
  };
  SUBCASE("equal weights, 0/0 left out") {
    const kpi::report r = run(o);
    REQUIRE(r.managers.size() == 4);
    // li (T1 T4 T7): every score 1 → 100.
    CHECK(*find(r, "li").points == doctest::Approx(100.0));
    CHECK(find(r, "li").scores.size() ==
          kpi::points_indicators().size());  // every indicator scorable
    // chen (T6): on time and satisfaction 0/0 (left out); FCR 1, callback
    // 0/1 → 0, repeat, reopen, escalation 1 − 0: (1 + 0 + 1 + 1 + 1)/5 = 80.
    CHECK(find(r, "chen").scores.size() == 5);
    CHECK(find(r, "chen").scores.count("on_time_rate") == 0);
    CHECK(*find(r, "chen").points == doctest::Approx(80.0));
    // zhang (T3): on time 0/1 (arrive missed; repair never stopped) → 0; repeat 1 − 0/1, escalation
    // 1 − 0/1; the rest 0/0: (0 + 1 + 1)/3 = 66.67.
    CHECK(*find(r, "zhang").points == doctest::Approx(200.0 / 3.0));
    // wang (T2 T5): on time 1/3, FCR 0/1, callback 1/1, satisfaction 0/1,
    // repeat 1 − 1/2, reopen 1 − 1/1, escalation 1 − 1/2:
    // (1/3 + 0 + 1 + 0 + 1/2 + 0 + 1/2)/7 = (7/3)/7 → 33.33.
    CHECK(*find(r, "wang").points == doctest::Approx(100.0 / 3.0));
    CHECK(find(r, "wang").scores.at("reopen_rate") == doctest::Approx(0.0));
    CHECK(r.managers[0].person == "li");
    CHECK(r.managers[0].rank == 1);
    CHECK(r.managers[1].person == "chen");
    CHECK(r.managers[2].person == "zhang");
    CHECK(r.managers[3].person == "wang");
    CHECK(r.managers[3].rank == 4);
  }
  SUBCASE("weights from the options") {
    o.weights = {{"on_time_rate", 3, {}}, {"satisfaction_rate", 1, {}}};
    const kpi::report r = run(o);
    // li (3·1 + 1·1)/4 = 100; wang (3·1/3 + 1·0)/4 = 25; zhang on time 0
    // only: 0; chen has neither: no points, no rank.
    CHECK(*find(r, "li").points == doctest::Approx(100.0));
    CHECK(*find(r, "wang").points == doctest::Approx(25.0));
    CHECK(*find(r, "zhang").points == doctest::Approx(0.0));
    CHECK_FALSE(find(r, "chen").points);
    CHECK(find(r, "chen").rank == 0);
    CHECK(r.managers.back().person == "chen");
  }
  SUBCASE("weights from the organisation; ties share a rank") {
    tf::organisation weighted = ladder();
    weighted.manager_points = {{"first_contact_resolution_rate", 2, {}}};
    o.org = &weighted;
    const kpi::report r = run(o);
    // FCR only: chen 1/1 and li 3/3 → 100, rank 1 both; wang 0/1 → 0, rank
    // 3; zhang closed nothing: no points.
    CHECK(find(r, "chen").rank == 1);
    CHECK(find(r, "li").rank == 1);
    CHECK(find(r, "wang").rank == 3);
    CHECK(find(r, "zhang").rank == 0);
    CHECK(r.managers[0].person == "chen");
    CHECK(r.managers[1].person == "li");
  }
  SUBCASE("an unknown or non-positive weight") {
    o.weights = {{"satisfation_rate", 1, {}}};
    auto bad = kpi::accumulator::make(o);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code() == tf::errc::invalid_argument);
    CHECK(
        bad.error().message() ==
        "unknown manager points indicator 'satisfation_rate' (did you mean 'satisfaction_rate'?)");
    o.weights = {{"reopen_rate", 0, {}}};
    CHECK(kpi::accumulator::make(o).error().code() == tf::errc::invalid_argument);
    o.weights = {{"reopen_rate", 1001, {}}};
    CHECK(kpi::accumulator::make(o).error().message() ==
          "the weight of manager points indicator 'reopen_rate' must be > 0 and at most 1000");
  }
}

TEST_CASE("kpi.fold.escalation_during_a_handoff") {
  // T10: with rm, handed off to the crew, escalated rm → em while the crew
  // works (no unit is left: no unit time recorded, and that is not an old
  // trail), returned by the crew to em, closed there.
  trail_builder t("T10");
  t.at(nov(2, 9)).opened("complaint", "wuzhong").routed("rm", "wuzhong");
  t.at(nov(2, 9, 10)).accepted("zhang", true, true, spent{600, 600});
  t.at(nov(2, 9, 20)).handed_off("zhang", "rm", "crew", "wuzhong", {1200, 1200});
  t.at(nov(2, 10)).escalated_during_handoff("rm", "em", "");
  t.at(nov(2, 11)).returned("crew_1", "crew", "em", "", "", {2400, 2400});
  t.at(nov(2, 12)).closed("done", spent{H, H}, spent{3 * H, 3 * H});
  const tf::organisation org = ladder();
  kpi::options o = november_options(&org);
  o.by = {{kpi::group_kind::tier, {}}, {kpi::group_kind::team, {}}};
  auto acc = kpi::accumulator::make(o);
  REQUIRE(acc);
  REQUIRE(acc->add(t.events()));
  const kpi::report r = acc->finish();
  CHECK(r.tickets_without_outcomes == 0);
  // The handoff counts at rm; the return at em (the tier the crew returns
  // it to), with the crew.
  CHECK(row(r, {"rm", ""}).values.handoffs == 1);
  CHECK(row(r, {"em", "crew"}).values.returns == 1);
  // Taken at rm (level 1), escalated to em (2): one level; not a
  // first-contact resolution; back to em is no bounce.
  CHECK(r.total.levels_reached == std::map<std::uint32_t, std::uint64_t>{{1, 1}});
  CHECK(r.total.first_contact_resolution == rate_of(0, 1));
  CHECK(r.total.bounce == rate_of(0, 1));
  // Stays: rm 1200 (to the handoff), crew 2400 (to the return), em 3600
  // (return to close).
  REQUIRE(r.units.size() == 3);
  CHECK(r.units[0].unit == "crew");
  CHECK(r.units[0].calendar_seconds == 2400);
  CHECK(r.units[1].unit == "em");
  CHECK(r.units[1].calendar_seconds == 3600);
  CHECK(r.units[2].unit == "rm");
  CHECK(r.units[2].calendar_seconds == 1200);
}

TEST_CASE("kpi.without_organisation.every_unit_is_a_tier") {
  const kpi::report r = run(november_options(nullptr));
  // No ladder: a level is one escalation; T2 escalated twice.
  CHECK(r.total.levels_reached == std::map<std::uint32_t, std::uint64_t>{{0, 5}, {2, 1}});
  for (const auto& u : r.units) CHECK_FALSE(u.is_team);
  kpi::options o = november_options(nullptr);
  o.by = {{kpi::group_kind::tier, {}}};
  const kpi::report g = run(o);
  // T3's return counts where it was: the crew, a tier without the ladder.
  CHECK(row(g, {"crew"}).values.returns == 1);
}

TEST_CASE("kpi.metrics.names_in_a_fixed_order") {
  const tf::organisation org = ladder();
  const kpi::report r = run(november_options(&org));
  const std::vector<kpi::metric> m = kpi::metrics(r.total);
  std::vector<std::string> names;
  for (const auto& x : m) names.push_back(x.name);
  const std::vector<std::string> expected{"opened",
                                          "closed",
                                          "on_time_rate",
                                          "deadline.answer.on_time_rate",
                                          "deadline.answer.breach_rate",
                                          "deadline.arrive.on_time_rate",
                                          "deadline.arrive.breach_rate",
                                          "deadline.contact.on_time_rate",
                                          "deadline.contact.breach_rate",
                                          "deadline.repair.on_time_rate",
                                          "deadline.repair.breach_rate",
                                          "deadline.step.on_time_rate",
                                          "deadline.step.breach_rate",
                                          "contact_count",
                                          "contact_mean_s",
                                          "contact_p50_s",
                                          "contact_p90_s",
                                          "contact_p99_s",
                                          "contact_max_s",
                                          "contact_business_count",
                                          "contact_business_mean_s",
                                          "contact_business_p50_s",
                                          "contact_business_p90_s",
                                          "contact_business_p99_s",
                                          "contact_business_max_s",
                                          "resolve_count",
                                          "resolve_mean_s",
                                          "resolve_p50_s",
                                          "resolve_p90_s",
                                          "resolve_p99_s",
                                          "resolve_max_s",
                                          "resolve_business_count",
                                          "resolve_business_mean_s",
                                          "resolve_business_p50_s",
                                          "resolve_business_p90_s",
                                          "resolve_business_p99_s",
                                          "resolve_business_max_s",
                                          "first_contact_resolution_rate",
                                          "escalation_rate",
                                          "escalation_level.0",
                                          "escalation_level.2",
                                          "handoffs",
                                          "returns",
                                          "bounce_rate",
                                          "repeat_rate",
                                          "reopen_rate",
                                          "callback_rate",
                                          "satisfaction_rate"};
  CHECK(names == expected);
  CHECK(*m[2].value == doctest::Approx(4.0 / 7.0));
  CHECK(m[2].numerator == 4u);
  CHECK(m[2].denominator == 7u);
  CHECK(m[9].name == "deadline.repair.on_time_rate");
  CHECK_FALSE(m[9].value);  // 0/0: no data, not 0 %
  CHECK(*m[15].value == doctest::Approx(1800.0));
}

TEST_CASE("kpi.period.no_events_is_an_explicit_empty_report") {
  kpi::options o;
  o.from = tf::timestamp{sys_days{2027y / January / 1}};
  o.to = tf::timestamp{sys_days{2027y / February / 1}};
  auto acc = kpi::accumulator::make(o);
  REQUIRE(acc);
  for (const auto& t : november()) REQUIRE(acc->add(t.events()));
  const kpi::report r = acc->finish();
  CHECK(r.empty());
  CHECK(r.tickets_read == 8);
  CHECK(r.rows.empty());
  CHECK(r.total.opened == 0);
  CHECK_FALSE(r.total.on_time.value());
  CHECK_FALSE(r.total.contact_calendar.mean);
  // The backlog at the end: T3, T5 and T8 are still open, T3 overdue
  // since November, and the worst overdue.
  REQUIRE(r.backlog.size() == 1);
  CHECK(r.backlog[0].open == 3);
  CHECK(r.backlog[0].overdue == 1);
  REQUIRE(r.worst_overdue.size() == 1);
  CHECK(r.worst_overdue[0].ticket_id == "T3");
}

TEST_CASE("kpi.options.bad_periods_instants_and_keys") {
  kpi::options o;
  o.from = nov(1, 0);
  o.to = o.from;
  auto empty = kpi::accumulator::make(o);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == tf::errc::invalid_argument);
  CHECK(empty.error().message() ==
        "the period is empty: it ends (2026-11-01T00:00:00Z) no later than it starts "
        "(2026-11-01T00:00:00Z)");
  o.to = o.from - hours{1};
  CHECK(kpi::accumulator::make(o).error().code() == tf::errc::invalid_argument);

  o.to = at(December, 1, 0);
  o.instants = {nov(10, 0), nov(5, 0)};
  auto unsorted = kpi::accumulator::make(o);
  REQUIRE_FALSE(unsorted);
  CHECK(unsorted.error().message() ==
        "the instants are not in ascending order: 2026-11-05T00:00:00Z comes after "
        "2026-11-10T00:00:00Z");
  o.instants = {at(December, 2, 0)};
  CHECK(kpi::accumulator::make(o).error().message() ==
        "instant 2026-12-02T00:00:00Z is outside the period [2026-11-01T00:00:00Z, "
        "2026-12-01T00:00:00Z]");
  o.instants = {};
  o.by = {{kpi::group_kind::tier, {}}, {kpi::group_kind::tier, {}}};
  CHECK(kpi::accumulator::make(o).error().message() == "group key 'tier' is given twice");
}

TEST_CASE("kpi.group_keys.parse") {
  const auto keys = kpi::parse_group_keys("tier,region,class.issue_class");
  REQUIRE(keys);
  REQUIRE(keys->size() == 3);
  CHECK((*keys)[0] == kpi::group_key{kpi::group_kind::tier, {}});
  CHECK((*keys)[2] == kpi::group_key{kpi::group_kind::classification, "issue_class"});
  CHECK(kpi::to_string((*keys)[2]) == "class.issue_class");
  CHECK(kpi::to_string((*keys)[1]) == "region");
  CHECK(kpi::parse_group_keys("")->empty());
  const auto typo = kpi::parse_group_keys("tier,regoin");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().code() == tf::errc::invalid_argument);
  CHECK(typo.error().message() ==
        "unknown group key 'regoin' (did you mean 'region'?); the keys are workflow, type, tier, "
        "team, region, "
        "owner, assignee, class.NAME");
  CHECK(kpi::parse_group_keys("owner,owner").error().message() ==
        "group key 'owner' is given twice");
  CHECK(kpi::parse_group_keys("tier,").error().message() == "empty group key in 'tier,'");
}

TEST_CASE("kpi.add.a_newer_event_type_is_incompatible_and_adds_nothing") {
  trail_builder t("T9");
  t.at(nov(2, 9)).opened("complaint", "wuzhong").routed("csc", "wuzhong");
  t.add(static_cast<tf::event_type>(42), "system", {});
  kpi::options o;
  o.from = nov(1, 0);
  o.to = at(December, 1, 0);
  auto acc = kpi::accumulator::make(o);
  REQUIRE(acc);
  const auto added = acc->add(t.events());
  REQUIRE_FALSE(added);
  CHECK(added.error().code() == tf::errc::incompatible);
  CHECK(added.error().message() ==
        "ticket T9: event 3 was written by a newer tierflow (event type 42); upgrade tierflow to "
        "report on this store");
  const kpi::report r = acc->finish();
  CHECK(r.tickets_read == 0);
  CHECK(r.total.opened == 0);
}

TEST_CASE("kpi.add.streams_that_are_not_tickets_are_skipped") {
  trail_builder denials("~denied/T1");
  denials.at(nov(2, 9)).add(tf::event_type::denied, "mallory",
                            {{"action", "close"}, {"code", "permission_denied"}});
  kpi::options o;
  o.from = nov(1, 0);
  o.to = at(December, 1, 0);
  auto acc = kpi::accumulator::make(o);
  REQUIRE(acc);
  REQUIRE(acc->add(denials.events()));
  REQUIRE(acc->add({}));
  CHECK(acc->finish().tickets_read == 0);
}

namespace {

/// A store whose trail of one ticket comes back edited (a store cannot be
/// tampered with in memory: this one lies on load).
class tampered_store final : public tierflow_test::forwarding_store {
 public:
  using forwarding_store::forwarding_store;
  [[nodiscard]] tf::result<std::vector<tf::event>> load(std::string_view id) const override {
    auto events = inner().load(id);
    if (events && id == "T3") events->at(2).details.at(0).second = "mallory";
    return events;
  }
};

}  // namespace

TEST_CASE("kpi.compute.over_a_store_verified") {
  tf::memory_store store;
  for (const auto& t : november()) REQUIRE(t.append_to(store));
  // A refused command on T1's denial stream: not a ticket, never read.
  trail_builder denials("~denied/T1");
  denials.at(nov(2, 9)).add(tf::event_type::denied, "mallory",
                            {{"action", "close"}, {"code", "permission_denied"}});
  std::vector<tf::event> sealed = denials.events();
  (void)tf::seal(sealed, tf::event_hash{});
  REQUIRE(store.append({.ticket_id = "~denied/T1", .expected_version = 0, .events = sealed}));

  const tf::organisation org = ladder();
  const kpi::options o = november_options(&org);
  const auto r = kpi::compute(store, o);
  REQUIRE(r);
  // The same figures as the trails added one by one.
  const kpi::report direct = run(o);
  CHECK(r->tickets_read == 8);
  CHECK(r->total == direct.total);
  CHECK(r->total.on_time == rate_of(4, 7));

  tampered_store lying(store);
  const auto broken = kpi::compute(lying, o);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code() == tf::errc::data_loss);
  CHECK(broken.error().message().starts_with("ticket T3: event 3"));
}

TEST_CASE("kpi.distribution.percentiles_are_the_sorted_samples_nearest_ranks") {
  // Against the definition applied to a sorted copy: rank ⌈p·n⌉ (1-based),
  // for every size from 1 to 250 (every way the ranks can coincide or
  // follow each other), samples in random order with many repeats (fewer
  // values than samples: counted) and spread wide (selected in place), the
  // widest the extremes of int64.
  std::mt19937_64 random(20261205);
  for (std::size_t k = 1; k <= 750; ++k) {
    const std::size_t n = (k - 1) % 250 + 1;
    const int spread = static_cast<int>((k - 1) / 250);
    const std::int64_t top = spread == 0   ? static_cast<std::int64_t>(n / 3) + 5
                             : spread == 1 ? std::int64_t{1} << 40
                                           : std::numeric_limits<std::int64_t>::max();
    const std::int64_t bottom = spread == 2 ? std::numeric_limits<std::int64_t>::min() : -5;
    std::uniform_int_distribution<std::int64_t> value(bottom, top);
    std::vector<std::int64_t> samples(n);
    for (auto& v : samples) v = value(random);
    if (spread == 2 && n >= 3) {
      samples[0] = std::numeric_limits<std::int64_t>::min();
      samples[1] = std::numeric_limits<std::int64_t>::max();
    }
    std::vector<std::int64_t> sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    const auto nearest = [&](std::size_t percent) {
      const std::size_t rank = (percent * n + 99) / 100;
      return sorted[std::max<std::size_t>(rank, 1) - 1];
    };
    long double sum = 0;
    for (const std::int64_t v : samples) sum += static_cast<long double>(v);
    const tierflow::kpi::distribution d = tierflow::kpi::detail::distribution_of(samples);
    CAPTURE(n);
    CAPTURE(spread);
    CHECK(d.count == n);
    CHECK(d.p50 == nearest(50));
    CHECK(d.p90 == nearest(90));
    CHECK(d.p99 == nearest(99));
    CHECK(d.max == sorted.back());
    REQUIRE(d.mean);
    CHECK(*d.mean == doctest::Approx(static_cast<double>(sum / static_cast<long double>(n))));
    // Reordered, not changed.
    std::sort(samples.begin(), samples.end());
    CHECK(samples == sorted);
  }
}

TEST_CASE("kpi.samples.a_sample_list_gives_back_what_it_was_given_in_order") {
  // Across the ends of its blocks (512 samples each): empty, one short of
  // a block, a block, one more, several; copy_into replaces what `out`
  // held.
  std::vector<std::int64_t> out{42, 43};
  tierflow::kpi::detail::sample_list none;
  none.copy_into(out);
  CHECK(none.size() == 0);
  CHECK(out.empty());
  for (const std::size_t n : {std::size_t{1}, std::size_t{511}, std::size_t{512}, std::size_t{513},
                              std::size_t{1024}, std::size_t{2000}}) {
    CAPTURE(n);
    tierflow::kpi::detail::sample_list list;
    std::vector<std::int64_t> want;
    for (std::size_t i = 0; i < n; ++i) {
      const auto v = static_cast<std::int64_t>(i * 7919 % 1009) - 500;
      list.push_back(v);
      want.push_back(v);
    }
    CHECK(list.size() == n);
    out.assign(3, -1);
    list.copy_into(out);
    CHECK(out == want);
    const auto d = tierflow::kpi::detail::distribution_of(list, out);
    CHECK(d == tierflow::kpi::detail::distribution_of(want));
  }
}

namespace {

/// Every part of two reports, field by field; the first difference is
/// reported. (Duration figures compare as doubles: the same samples in any
/// order give the same sorted sums.)
void check_same_report(const kpi::report& a, const kpi::report& b) {
  CHECK(a.tickets_read == b.tickets_read);
  CHECK(a.tickets_in_period == b.tickets_in_period);
  CHECK(a.tickets_without_outcomes == b.tickets_without_outcomes);
  CHECK(a.total == b.total);
  REQUIRE(a.rows.size() == b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    CHECK(a.rows[i].group == b.rows[i].group);
    CHECK(a.rows[i].values == b.rows[i].values);
  }
  REQUIRE(a.backlog.size() == b.backlog.size());
  for (std::size_t i = 0; i < a.backlog.size(); ++i) {
    const kpi::backlog_point& x = a.backlog[i];
    const kpi::backlog_point& y = b.backlog[i];
    CHECK((x.at == y.at && x.group == y.group && x.open == y.open && x.overdue == y.overdue &&
           x.opened == y.opened && x.closed == y.closed));
  }
  REQUIRE(a.units.size() == b.units.size());
  for (std::size_t i = 0; i < a.units.size(); ++i)
    CHECK((a.units[i].unit == b.units[i].unit && a.units[i].is_team == b.units[i].is_team &&
           a.units[i].stays == b.units[i].stays &&
           a.units[i].calendar_seconds == b.units[i].calendar_seconds &&
           a.units[i].business_seconds == b.units[i].business_seconds));
  REQUIRE(a.people.size() == b.people.size());
  for (std::size_t i = 0; i < a.people.size(); ++i)
    CHECK((a.people[i].person == b.people[i].person && a.people[i].actions == b.people[i].actions &&
           a.people[i].taken == b.people[i].taken && a.people[i].tickets == b.people[i].tickets &&
           a.people[i].closed == b.people[i].closed));
  REQUIRE(a.managers.size() == b.managers.size());
  for (std::size_t i = 0; i < a.managers.size(); ++i)
    CHECK((a.managers[i].person == b.managers[i].person &&
           a.managers[i].scores == b.managers[i].scores &&
           a.managers[i].points == b.managers[i].points && a.managers[i].rank == b.managers[i].rank));
  REQUIRE(a.worst_overdue.size() == b.worst_overdue.size());
  for (std::size_t i = 0; i < a.worst_overdue.size(); ++i) {
    const kpi::overdue_ticket& x = a.worst_overdue[i];
    const kpi::overdue_ticket& y = b.worst_overdue[i];
    CHECK((x.ticket_id == y.ticket_id && x.workflow_id == y.workflow_id &&
           x.deadline == y.deadline && x.breached_at == y.breached_at &&
           x.overdue_seconds == y.overdue_seconds && x.unit == y.unit && x.region == y.region &&
           x.owner == y.owner && x.assignee == y.assignee));
  }
}

/// The November trails in `order` (indexes into november()), each as often
/// as it is listed there, through one accumulator.
kpi::report run_in(const kpi::options& o, const std::vector<std::size_t>& order) {
  const std::vector<trail_builder> trails = november();
  auto acc = kpi::accumulator::make(o);
  REQUIRE(acc);
  for (const std::size_t i : order) REQUIRE(acc->add(trails[i].events()));
  return acc->finish();
}

}  // namespace

TEST_CASE("kpi.add.the_order_of_the_trails_does_not_change_the_report") {
  // The walk remembers the names and the row it looked up last (from one
  // event and one ticket to the next): adding the same trails in other
  // orders, where what is remembered differs at every step, gives the
  // report of the worked example's order, for every grouping.
  const tf::organisation org = ladder();
  const std::size_t n = november().size();
  REQUIRE(n == 8);
  std::vector<std::size_t> forward(n);
  for (std::size_t i = 0; i < n; ++i) forward[i] = i;
  std::vector<std::size_t> backward(forward.rbegin(), forward.rend());
  std::vector<std::size_t> interleaved;  // 0 7 1 6 2 5 3 4
  for (std::size_t i = 0; i < n / 2; ++i) {
    interleaved.push_back(i);
    interleaved.push_back(n - 1 - i);
  }
  std::vector<std::size_t> shuffled = forward;
  std::mt19937 rng(20261205);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  const std::vector<std::vector<kpi::group_key>> groupings{
      {},
      {{kpi::group_kind::tier, {}}},
      {{kpi::group_kind::owner, {}}, {kpi::group_kind::tier, {}}},
      {{kpi::group_kind::team, {}}, {kpi::group_kind::assignee, {}}},
      {{kpi::group_kind::region, {}}, {kpi::group_kind::classification, "issue_class"}},
      {{kpi::group_kind::workflow, {}}, {kpi::group_kind::ticket_type, {}}}};
  for (const auto& by : groupings) {
    kpi::options o = november_options(&org);
    o.by = by;
    o.instants = {nov(10, 0), nov(20, 0), at(December, 1, 0)};
    const kpi::report reference = run(o);
    CHECK(reference.tickets_read == n);
    for (const auto* order : {&forward, &backward, &interleaved, &shuffled}) {
      INFO("grouping of " << by.size() << " keys, order starting " << order->front());
      check_same_report(run_in(o, *order), reference);
    }
  }
}

TEST_CASE("kpi.add.an_accumulator_reused_after_finish_forgets_what_it_remembered") {
  // finish() leaves the accumulator empty for another period: the names
  // and row it remembered go with the rest, so a second pass over the
  // trails gives the first pass's report, and a pass over fewer trails
  // gives what a fresh accumulator gives for those.
  const tf::organisation org = ladder();
  kpi::options o = november_options(&org);
  o.by = {{kpi::group_kind::owner, {}}, {kpi::group_kind::tier, {}}};
  const std::vector<trail_builder> trails = november();
  auto acc = kpi::accumulator::make(o);
  REQUIRE(acc);
  for (const auto& t : trails) REQUIRE(acc->add(t.events()));
  const kpi::report first = acc->finish();
  for (const auto& t : trails) REQUIRE(acc->add(t.events()));
  const kpi::report second = acc->finish();
  CHECK(first.tickets_read == trails.size());
  check_same_report(second, first);
  // T5 alone (index 4): after the full passes, nothing of them is left.
  REQUIRE(acc->add(trails[4].events()));
  const kpi::report alone = acc->finish();
  check_same_report(alone, run_in(o, {4}));
  CHECK(alone.tickets_read == 1);
}

namespace {

/// A trail's events as views of their own texts (valid while `trail` and
/// `details` are).
std::vector<tf::event_view> views_of(
    const std::vector<tf::event>& trail,
    std::vector<std::vector<std::pair<std::string_view, std::string_view>>>& details) {
  std::vector<tf::event_view> out;
  details.assign(trail.size(), {});
  for (std::size_t i = 0; i < trail.size(); ++i) {
    const tf::event& e = trail[i];
    for (const auto& [key, value] : e.details) details[i].emplace_back(key, value);
    out.push_back(
        {e.ticket_id, e.sequence, e.time, e.actor_id, e.workflow_id, e.workflow_version, e.type, details[i]});
  }
  return out;
}

}  // namespace

TEST_CASE("kpi.add.views_of_the_events_give_the_report_the_events_give") {
  // The fold from views (the simulator's, over its store's records) reads
  // what the fold from events reads: the same report for every grouping,
  // with backlog instants, worst overdue tickets and the ladder.
  const tf::organisation org = ladder();
  const std::vector<std::vector<kpi::group_key>> groupings{
      {},
      {{kpi::group_kind::owner, {}}, {kpi::group_kind::tier, {}}},
      {{kpi::group_kind::team, {}}, {kpi::group_kind::assignee, {}}},
      {{kpi::group_kind::region, {}}, {kpi::group_kind::classification, "issue_class"}},
      {{kpi::group_kind::workflow, {}}, {kpi::group_kind::ticket_type, {}}}};
  for (const auto& by : groupings) {
    INFO("grouping of " << by.size() << " keys");
    kpi::options o = november_options(&org);
    o.by = by;
    o.instants = {nov(10, 0), nov(20, 0), at(December, 1, 0)};
    auto acc = kpi::accumulator::make(o);
    REQUIRE(acc);
    for (const auto& t : november()) {
      const std::vector<tf::event> events = t.events();
      std::vector<std::vector<std::pair<std::string_view, std::string_view>>> details;
      REQUIRE(acc->add_views(views_of(events, details)));
    }
    const kpi::report from_views = acc->finish();
    const kpi::report from_events = run(o);
    CHECK(from_views.tickets_read == november().size());
    CHECK_FALSE(from_views.worst_overdue.empty());
    check_same_report(from_views, from_events);
  }

  // A newer event type: the same error, nothing added; a stream that is
  // not a ticket's: skipped.
  trail_builder newer("T9");
  newer.at(nov(2, 9)).opened("complaint", "wuzhong").routed("csc", "wuzhong");
  newer.add(static_cast<tf::event_type>(42), "system", {});
  trail_builder denials("~denied/T1");
  denials.at(nov(2, 9)).add(tf::event_type::denied, "mallory", {{"action", "close"}});
  auto acc = kpi::accumulator::make(november_options(nullptr));
  REQUIRE(acc);
  std::vector<std::vector<std::pair<std::string_view, std::string_view>>> details;
  const std::vector<tf::event> newer_events = newer.events();
  const auto added = acc->add_views(views_of(newer_events, details));
  REQUIRE_FALSE(added);
  CHECK(added.error().code() == tf::errc::incompatible);
  CHECK(added.error().message() == acc->add(newer_events).error().message());
  const std::vector<tf::event> denial_events = denials.events();
  REQUIRE(acc->add_views(views_of(denial_events, details)));
  CHECK(acc->finish().tickets_read == 0);
}
