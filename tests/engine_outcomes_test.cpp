// SPDX-License-Identifier: MIT
// The trail records outcomes (issue 12, item 1): every deadline that stops
// records whether it was met, its due instant, the calendar and business
// time it counted and the time it stood paused; a state, a unit (tier or
// team) and the ticket itself record the time spent in them when they are
// left; the first take records the wait since opening. Every figure below
// is worked out by hand, on a small catalog of our own with the office
// calendar of 2026's National Day: Mon-Fri 08:30-12:00 and 13:30-17:30
// (7.5 h = 27000 s a day), holidays Thu 10-01 .. Wed 10-07, and Sat 10-10 a
// make-up working day with Monday's hours.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/catalog.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/ticket.hpp>

#include "engine/ticket_record.hpp"
#include "support/engine_fixture.hpp"
#include "test_support.hpp"

namespace tf = tierflow;
using tierflow_test::engine_fixture;
using tierflow_test::local;

namespace {

constexpr const char* organisation_yaml = R"(organisation: outcome_power
timezone: "+08:00"
ladder: [service_center, account_manager, key_account_desk]
teams: [dispatch]
regions: [north]
channels: [hotline]
roles:
  agent: service_center
  manager: account_manager
  desk: key_account_desk
  dispatcher: dispatch
calendars:
  office:
    hours:
      mon-fri: ["08:30-12:00", "13:30-17:30"]
    holidays: [2026-10-01..2026-10-07]
    workdays: [2026-10-10]
    makeup_hours: mon
  always: 24x7
attributes:
  region: region
  capacity_kva: { type: number, min: 0 }
)";

constexpr const char* workflow_yaml = R"(workflow: svc
version: 1
effective: 2026-01-01
ticket_types: [complaint]
calendar: office
deadlines:
  contact: { within: 2h, until: [investigating] }
  resolve: { within: 5bd, until: [done] }
states:
  received:
    initial: true
    limit: 30m
    actions:
      accept: { to: investigating, by: [agent, manager, desk], claim: true }
      misrouted: { by: [agent, manager, desk], reroute: true, note: true }
  investigating:
    limit: 2h
    actions:
      ask_customer: { to: waiting_customer, by: [agent, manager, desk] }
      need_dispatch: { to: dispatch_review, by: [agent, manager, desk], handoff: dispatch }
      cannot_resolve: { by: [agent, manager, desk], escalate: next }
      solve: { to: done, by: [agent, manager, desk] }
  waiting_customer:
    pauses_clock: true
    actions:
      customer_replied: { to: investigating, by: [agent, manager, desk] }
      customer_withdrew: { to: done, by: [agent, manager, desk] }
  dispatch_review:
    actions:
      dispatch_done: { to: investigating, by: [dispatcher], return: true }
  done:
    terminal: true
routing:
  - id: front
    when: { customer.capacity_kva: { lt: 1000 } }
    assign: service_center
  - id: managers
    assign: account_manager
escalations:
  - id: contact_late
    on: breach
    deadline: contact
    do: [{ escalate: next }]
)";

tf::catalog outcome_catalog() {
  tf::diagnostics diags;
  auto cat =
      tf::load_catalog({{"org.yaml", organisation_yaml}, {"svc.yaml", workflow_yaml}}, diags);
  INFO(diags.str());
  REQUIRE_FALSE(diags.has_errors());
  return cat;
}

const tf::actor agent{"agent_li", {"agent"}, "north"};
const tf::actor manager{"manager_wang", {"manager"}, "north"};
const tf::actor dispatcher{"disp_chen", {"dispatcher"}, "north"};

// Wed 30 Sep 2026, 10:00 local (02:00Z): the eve of the National Day holidays.
const tf::timestamp t0 = local(2026, 9, 30, 10, 0);

std::string open_complaint(engine_fixture& h) {
  tf::open_request req;
  req.type = "complaint";
  req.channel = "hotline";
  req.customer_id = "C1";
  req.customer = {{"region", std::string("north")}, {"capacity_kva", 500.0}};
  return h.open(req).ticket.id;
}

using details = std::vector<std::pair<std::string, std::string>>;

details of(const tf::event& e) { return {e.details.begin(), e.details.end()}; }

// The events of `trail` from sequence `from` on, as "type" strings.
std::vector<std::string> types_from(const std::vector<tf::event>& trail, std::uint64_t from) {
  std::vector<std::string> out;
  for (const auto& e : trail)
    if (e.sequence >= from) out.emplace_back(tf::to_string(e.type));
  return out;
}

// The one event of `type` at or after sequence `from` (the first one).
const tf::event& find(const std::vector<tf::event>& trail, tf::event_type type,
                      std::uint64_t from = 1) {
  const auto it = std::find_if(trail.begin(), trail.end(), [&](const tf::event& e) {
    return e.sequence >= from && e.type == type;
  });
  REQUIRE_MESSAGE(it != trail.end(),
                  "no " << std::string(tf::to_string(type)) << " from #" << from);
  return *it;
}

// By value: callers pass the temporary view the fixture returns.
tf::deadline_view deadline_of(const tf::ticket_view& v, std::string_view id) {
  const auto it = std::find_if(v.deadlines.begin(), v.deadlines.end(),
                               [&](const tf::deadline_view& d) { return d.id == id; });
  REQUIRE(it != v.deadlines.end());
  return *it;
}

std::uint64_t next_sequence(const engine_fixture& h, const std::string& id) {
  return h.events(id).back().sequence + 1;
}

// Ticket A: a business-day deadline across the National Day holidays, the
// make-up Saturday and an ordinary Sunday, paused in the middle; steps met
// and missed; closed.
//
//   Wed 09-30 10:00  open: contact 2h due 12:00 (04:00Z); resolve 5bd from
//                    Wed 10:00 (offset 1.5 h): working days Thu 10-08, Fri
//                    10-09, Sat 10-10 (make-up), Mon 10-12, Tue 10-13 → Tue
//                    10:00, 5 × 27000 = 135000 s of working time
//   Wed 10:20        accept: contact met; `received` (30m) met
//   Wed 11:00        ask_customer: paused, resolve has used 3600 s
//   Thu 10-08 09:00  customer_replied: resumed, 131400 s left → Thu 25200,
//                    Fri 27000, Sat 27000, Mon 27000, Tue 08:30-12:00 12600,
//                    13:30 + 12600 s = 17:00: due Tue 10-13 17:00 (09:00Z)
//   Tue 10-13 16:00  solve: resolve met; `investigating` (2h from Thu 09:00)
//                    missed; closed
void run_ticket_a(engine_fixture& h, const std::string& id) {
  h.act_at(local(2026, 9, 30, 10, 20), id, "accept", agent);
  h.act_at(local(2026, 9, 30, 11, 0), id, "ask_customer", agent);
  h.act_at(local(2026, 10, 8, 9, 0), id, "customer_replied", agent);
  h.act_at(local(2026, 10, 13, 16, 0), id, "solve", agent);
}

}  // namespace

TEST_CASE("engine.outcomes.a_business_day_deadline_over_a_holiday_and_a_pause") {
  engine_fixture h(t0, outcome_catalog());
  const std::string id = open_complaint(h);
  h.act_at(local(2026, 9, 30, 10, 20), id, "accept", agent);
  {
    const auto trail = h.events(id);
    CHECK(types_from(trail, 3) ==
          std::vector<std::string>{"accepted", "transitioned", "deadline_stopped"});
    // Opened 10:00, taken 10:20: 1200 s, all of it working time.
    CHECK(of(find(trail, tf::event_type::accepted)) == details{{"person", "agent_li"},
                                                               {"owner", "true"},
                                                               {"assignee", "true"},
                                                               {"wait_calendar_s", "1200"},
                                                               {"wait_business_s", "1200"}});
    CHECK(of(find(trail, tf::event_type::transitioned)) == details{{"action", "accept"},
                                                                   {"from", "received"},
                                                                   {"to", "investigating"},
                                                                   {"state_calendar_s", "1200"},
                                                                   {"state_business_s", "1200"},
                                                                   {"step", "met"}});
    CHECK(of(find(trail, tf::event_type::deadline_stopped)) ==
          details{{"deadline", "contact"},
                  {"outcome", "met"},
                  {"due", "2026-09-30T04:00:00Z"},
                  {"calendar_s", "1200"},
                  {"business_s", "1200"},
                  {"paused_s", "0"}});
    const auto v = h.view(id);
    CHECK(deadline_of(v, "contact").status == tf::deadline_status::met);
  }

  std::uint64_t from = next_sequence(h, id);
  h.act_at(local(2026, 9, 30, 11, 0), id, "ask_customer", agent);
  {
    const auto trail = h.events(id);
    CHECK(types_from(trail, from) == std::vector<std::string>{"transitioned", "paused"});
    CHECK(of(find(trail, tf::event_type::transitioned, from)) ==
          details{{"action", "ask_customer"},
                  {"from", "investigating"},
                  {"to", "waiting_customer"},
                  {"state_calendar_s", "2400"},
                  {"state_business_s", "2400"},
                  {"step", "met"}});
  }

  from = next_sequence(h, id);
  h.act_at(local(2026, 10, 8, 9, 0), id, "customer_replied", agent);
  {
    const auto trail = h.events(id);
    CHECK(types_from(trail, from) == std::vector<std::string>{"transitioned", "resumed"});
    // Wed 11:00 → Thu 10-08 09:00 is 8 days less 2 h; working time: Wed
    // 11:00-12:00 and 13:30-17:30 (18000 s), the holidays none, Thu
    // 08:30-09:00 (1800 s). `waiting_customer` has no step limit: no `step`.
    CHECK(of(find(trail, tf::event_type::transitioned, from)) ==
          details{{"action", "customer_replied"},
                  {"from", "waiting_customer"},
                  {"to", "investigating"},
                  {"state_calendar_s", "684000"},
                  {"state_business_s", "19800"}});
    CHECK(h.view(id).nearest_due() == local(2026, 10, 8, 11, 0));  // the step limit
    CHECK(deadline_of(h.view(id), "resolve").due == local(2026, 10, 13, 17, 0));
  }

  from = next_sequence(h, id);
  h.act_at(local(2026, 10, 13, 16, 0), id, "solve", agent);
  const auto trail = h.events(id);
  // The step limit of `investigating` fell due Thu 11:00: its breach fires
  // first, as the action catches up with time.
  CHECK(types_from(trail, from) == std::vector<std::string>{"deadline_breached", "transitioned",
                                                            "deadline_stopped", "closed"});
  // Thu 10-08 09:00 → Tue 10-13 16:00: 5 d 7 h; working time Thu 25200, Fri,
  // Sat (make-up) and Mon 27000 each, Tue 08:30-12:00 and 13:30-16:00 21600.
  CHECK(of(find(trail, tf::event_type::transitioned, from)) ==
        details{{"action", "solve"},
                {"from", "investigating"},
                {"to", "done"},
                {"state_calendar_s", "457200"},
                {"state_business_s", "127800"},
                {"step", "missed"}});
  // resolve counted Wed 10:00-11:00 and Thu 09:00 → Tue 16:00; it stood
  // paused Wed 11:00 → Thu 09:00 (684000 s); 1 h of its 135000 s was left.
  CHECK(of(find(trail, tf::event_type::deadline_stopped, from)) ==
        details{{"deadline", "resolve"},
                {"outcome", "met"},
                {"due", "2026-10-13T09:00:00Z"},
                {"calendar_s", "460800"},
                {"business_s", "131400"},
                {"paused_s", "684000"}});
  // Opened Wed 09-30 10:00, closed Tue 10-13 16:00 (13 d 6 h), all of it
  // with service_center: Wed 21600, Thu, Fri, Sat, Mon 27000, Tue 21600.
  CHECK(of(find(trail, tf::event_type::closed, from)) == details{{"state", "done"},
                                                                 {"unit_calendar_s", "1144800"},
                                                                 {"unit_business_s", "151200"},
                                                                 {"ticket_calendar_s", "1144800"},
                                                                 {"ticket_business_s", "151200"}});
  const auto v = h.view(id);
  const auto& resolve = deadline_of(v, "resolve");
  CHECK(resolve.status == tf::deadline_status::met);
  CHECK(resolve.due == local(2026, 10, 13, 17, 0));
  CHECK(resolve.remaining_seconds == 3600);
  REQUIRE(v.time_by_unit.size() == 1);
  CHECK(v.time_by_unit[0].seconds == 1144800);
  CHECK(v.time_by_unit[0].working_seconds == 151200);
  h.check_consistent(id);
}

TEST_CASE("engine.outcomes.a_missed_deadline_and_an_escalation_across_three_tiers") {
  engine_fixture h(t0, outcome_catalog());
  const std::string id = open_complaint(h);
  // contact falls due 12:00 unmet: its breach escalates to account_manager.
  std::uint64_t from = next_sequence(h, id);
  h.advance(local(2026, 9, 30, 12, 30));
  {
    const auto trail = h.events(id);
    // received's 30-minute step limit breached at 10:30, contact at 12:00.
    CHECK(types_from(trail, from) ==
          std::vector<std::string>{"deadline_breached", "deadline_breached", "escalated"});
    CHECK(of(find(trail, tf::event_type::escalated, from)) ==
          details{{"rule", "contact_late"},
                  {"from_tier", "service_center"},
                  {"to_tier", "account_manager"},
                  {"region", ""},
                  {"unit_calendar_s", "7200"},
                  {"unit_business_s", "7200"}});
  }
  // Taken at 14:00, four hours after opening: 10:00-12:00 and 13:30-14:00
  // are working time (9000 s).
  from = next_sequence(h, id);
  h.act_at(local(2026, 9, 30, 14, 0), id, "accept", manager);
  {
    const auto trail = h.events(id);
    CHECK(types_from(trail, from) ==
          std::vector<std::string>{"accepted", "transitioned", "deadline_stopped"});
    CHECK(of(find(trail, tf::event_type::accepted, from)) == details{{"person", "manager_wang"},
                                                                     {"owner", "true"},
                                                                     {"assignee", "true"},
                                                                     {"wait_calendar_s", "14400"},
                                                                     {"wait_business_s", "9000"}});
    CHECK(of(find(trail, tf::event_type::transitioned, from)) ==
          details{{"action", "accept"},
                  {"from", "received"},
                  {"to", "investigating"},
                  {"state_calendar_s", "14400"},
                  {"state_business_s", "9000"},
                  {"step", "missed"}});
    CHECK(of(find(trail, tf::event_type::deadline_stopped, from)) ==
          details{{"deadline", "contact"},
                  {"outcome", "missed"},
                  {"due", "2026-09-30T04:00:00Z"},
                  {"calendar_s", "14400"},
                  {"business_s", "9000"},
                  {"paused_s", "0"}});
    const auto& contact = deadline_of(h.view(id), "contact");
    CHECK(contact.status == tf::deadline_status::missed);
    CHECK(contact.due == local(2026, 9, 30, 12, 0));
  }
  // The manager cannot resolve it: up to the key-account desk. The ticket
  // sat with account_manager from 12:00: 3 h, of which 13:30-15:00 worked.
  from = next_sequence(h, id);
  h.act_at(local(2026, 9, 30, 15, 0), id, "cannot_resolve", manager);
  const auto trail = h.events(id);
  CHECK(types_from(trail, from) == std::vector<std::string>{"noted", "escalated", "notified"});
  CHECK(of(find(trail, tf::event_type::noted, from)) == details{{"action", "cannot_resolve"}});
  CHECK(of(find(trail, tf::event_type::escalated, from)) ==
        details{{"action", "cannot_resolve"},
                {"from_tier", "account_manager"},
                {"to_tier", "key_account_desk"},
                {"region", ""},
                {"unit_calendar_s", "10800"},
                {"unit_business_s", "5400"}});
  const auto v = h.view(id);
  CHECK(v.tier == "key_account_desk");
  h.check_consistent(id);
}

TEST_CASE("engine.outcomes.a_handoff_and_its_return_record_the_time_in_each_unit") {
  engine_fixture h(t0, outcome_catalog());
  const std::string id = open_complaint(h);
  h.act(id, "accept", agent);  // at once: waited 0 s
  CHECK(of(find(h.events(id), tf::event_type::accepted)) == details{{"person", "agent_li"},
                                                                    {"owner", "true"},
                                                                    {"assignee", "true"},
                                                                    {"wait_calendar_s", "0"},
                                                                    {"wait_business_s", "0"}});
  std::uint64_t from = next_sequence(h, id);
  h.act_at(local(2026, 9, 30, 10, 30), id, "need_dispatch", agent);
  {
    const auto trail = h.events(id);
    CHECK(types_from(trail, from) ==
          std::vector<std::string>{"transitioned", "handed_off", "notified"});
    CHECK(of(find(trail, tf::event_type::transitioned, from)) ==
          details{{"action", "need_dispatch"},
                  {"from", "investigating"},
                  {"to", "dispatch_review"},
                  {"state_calendar_s", "1800"},
                  {"state_business_s", "1800"},
                  {"step", "met"}});
    CHECK(of(find(trail, tf::event_type::handed_off, from)) ==
          details{{"action", "need_dispatch"},
                  {"from_unit", "service_center"},
                  {"to_unit", "dispatch"},
                  {"region", ""},
                  {"unit_calendar_s", "1800"},
                  {"unit_business_s", "1800"}});
  }
  // Dispatch gives it back at 14:00: 3.5 h with the team, of which
  // 10:30-12:00 and 13:30-14:00 worked (7200 s). dispatch_review has no
  // step limit: no `step`.
  from = next_sequence(h, id);
  h.act_at(local(2026, 9, 30, 14, 0), id, "dispatch_done", dispatcher);
  const auto trail = h.events(id);
  CHECK(types_from(trail, from) == std::vector<std::string>{"transitioned", "returned"});
  CHECK(of(find(trail, tf::event_type::transitioned, from)) ==
        details{{"action", "dispatch_done"},
                {"from", "dispatch_review"},
                {"to", "investigating"},
                {"state_calendar_s", "12600"},
                {"state_business_s", "7200"}});
  CHECK(of(find(trail, tf::event_type::returned, from)) == details{{"action", "dispatch_done"},
                                                                   {"kind", "handoff"},
                                                                   {"from_unit", "dispatch"},
                                                                   {"to_unit", "service_center"},
                                                                   {"region", ""},
                                                                   {"person", "agent_li"},
                                                                   {"unit_calendar_s", "12600"},
                                                                   {"unit_business_s", "7200"}});
  // The recorded stays are exactly the view's time per unit.
  const auto v = h.view(id);
  REQUIRE(v.time_by_unit.size() == 2);
  CHECK(v.time_by_unit[0].unit == "service_center");
  CHECK(v.time_by_unit[0].seconds == 1800);
  CHECK(v.time_by_unit[1].unit == "dispatch");
  CHECK(v.time_by_unit[1].seconds == 12600);
  CHECK(v.time_by_unit[1].working_seconds == 7200);
  h.check_consistent(id);
}

TEST_CASE("engine.outcomes.a_reroute_records_the_time_with_the_unit_that_sent_it_back") {
  engine_fixture h(t0, outcome_catalog());
  const std::string id = open_complaint(h);
  const std::uint64_t from = next_sequence(h, id);
  h.act_at(local(2026, 9, 30, 10, 20), id, "misrouted", agent, "a manager's customer");
  const auto trail = h.events(id);
  CHECK(types_from(trail, from) == std::vector<std::string>{"noted", "returned", "routed"});
  // The `returned` of a reroute moves nothing (the ticket goes back to the
  // router): the stay is recorded once, by the `routed` that moves it.
  CHECK(of(find(trail, tf::event_type::returned, from)) ==
        details{{"action", "misrouted"}, {"kind", "reroute"}, {"from_unit", "service_center"}});
  CHECK(of(find(trail, tf::event_type::routed, from)) == details{{"kind", "reroute"},
                                                                 {"rule", "managers"},
                                                                 {"unit", "account_manager"},
                                                                 {"region", ""},
                                                                 {"unit_calendar_s", "1200"},
                                                                 {"unit_business_s", "1200"}});
  // The routing at open left no unit: no time recorded.
  const auto& opened_route = find(trail, tf::event_type::routed);
  CHECK_FALSE(opened_route.detail(tf::detail_key::unit_calendar_seconds).has_value());
  h.check_consistent(id);
}

TEST_CASE("engine.outcomes.paused_time_is_left_out_and_moves_the_due") {
  engine_fixture h(t0, outcome_catalog());
  const std::string id = open_complaint(h);
  h.act_at(local(2026, 9, 30, 10, 0), id, "accept", agent);
  h.act_at(local(2026, 9, 30, 11, 0), id, "ask_customer", agent);
  h.act_at(local(2026, 9, 30, 15, 0), id, "customer_replied", agent);
  h.act_at(local(2026, 9, 30, 16, 0), id, "solve", agent);
  const auto trail = h.events(id);
  // Ran 10:00-11:00 and 15:00-16:00 (two hours of working time); paused
  // 11:00-15:00. Due: 5bd from Wed 10:00 is Tue 10-13 10:00, moved by the
  // working time of the pause, 11:00-12:00 and 13:30-15:00 (9000 s): Tue
  // 10:00-12:00 is 7200 s, 13:30 + 1800 s = 14:00 (06:00Z).
  CHECK(of(find(trail, tf::event_type::deadline_stopped, 9)) ==
        details{{"deadline", "resolve"},
                {"outcome", "met"},
                {"due", "2026-10-13T06:00:00Z"},
                {"calendar_s", "7200"},
                {"business_s", "7200"},
                {"paused_s", "14400"}});
  h.check_consistent(id);
}

TEST_CASE("engine.outcomes.a_deadline_stopped_while_paused_counts_the_pause_up_to_the_stop") {
  // The customer withdraws while the clock is paused: the ticket goes from
  // waiting_customer straight to done. The resolve deadline stops there,
  // with the pause counted up to that instant and never resumed.
  engine_fixture h(t0, outcome_catalog());
  const std::string id = open_complaint(h);
  h.act_at(local(2026, 9, 30, 10, 20), id, "accept", agent);
  h.act_at(local(2026, 9, 30, 11, 0), id, "ask_customer", agent);
  const std::uint64_t from = next_sequence(h, id);
  h.act_at(local(2026, 10, 8, 9, 0), id, "customer_withdrew", agent);
  const auto trail = h.events(id);
  // The pause ends with the state it belonged to: `resumed` before `closed`.
  CHECK(types_from(trail, from) ==
        std::vector<std::string>{"transitioned", "deadline_stopped", "resumed", "closed"});
  // Ran Wed 10:00-11:00 only (3600 s, all working time). Paused from Wed
  // 11:00 to Thu 8 Oct 09:00: 7 days 22 hours of calendar time (684000 s).
  // Due: 5bd from Wed 10:00 is Tue 13 Oct 10:00 (the holidays 1-7 Oct skipped,
  // Sat 10 Oct worked), moved by the working time the pause took: Wed
  // 11:00-12:00 and 13:30-17:30 (18000 s), nothing in the holidays, Thu
  // 08:30-09:00 (1800 s): 19800 s. Tue 10:00-12:00 is 7200 s, then 12600 s
  // from 13:30 is 17:00 (09:00Z). Stopped long before it: met.
  CHECK(of(find(trail, tf::event_type::deadline_stopped, from)) ==
        details{{"deadline", "resolve"},
                {"outcome", "met"},
                {"due", "2026-10-13T09:00:00Z"},
                {"calendar_s", "3600"},
                {"business_s", "3600"},
                {"paused_s", "684000"}});
  const auto v = h.view(id);
  CHECK(v.closed);
  CHECK_FALSE(v.paused);
  CHECK(deadline_of(v, "resolve").status == tf::deadline_status::met);
  h.check_consistent(id);
}

TEST_CASE("engine.outcomes.restore_from_the_store_gives_the_same_ticket") {
  tf::memory_store st;
  std::string id;
  tf::ticket_view live;
  std::vector<tf::event> trail;
  {
    engine_fixture h(t0, outcome_catalog(), &st);
    id = open_complaint(h);
    run_ticket_a(h, id);
    live = h.view(id);
    trail = h.events(id);
  }
  engine_fixture again(local(2026, 10, 13, 16, 0), outcome_catalog(), &st);
  CHECK(again.view(id) == live);
  CHECK(again.events(id) == trail);
  again.check_consistent(id);
  // The restored record keeps the instants the records are measured from:
  // a ticket restored mid-way records the same stay as one never restored.
  tf::memory_store st2;
  std::string id2;
  {
    engine_fixture h(t0, outcome_catalog(), &st2);
    id2 = open_complaint(h);
    h.act_at(local(2026, 9, 30, 10, 20), id2, "accept", agent);
  }
  engine_fixture later(local(2026, 9, 30, 10, 50), outcome_catalog(), &st2);
  later.act(id2, "ask_customer", agent);
  const auto later_trail = later.events(id2);
  const auto& t = find(later_trail, tf::event_type::transitioned, 6);
  CHECK(t.detail(tf::detail_key::state_calendar_seconds) == "1800");
  later.check_consistent(id2);
}

TEST_CASE("engine.outcomes.a_trail_without_the_records_folds_to_the_same_ticket") {
  // Trails written before the outcome records have no deadline_stopped
  // events and none of their keys: they fold to the same state.
  engine_fixture h(t0, outcome_catalog());
  const std::string id = open_complaint(h);
  run_ticket_a(h, id);
  const auto trail = h.events(id);
  const std::vector<std::string_view> added = {tf::detail_key::state_calendar_seconds,
                                               tf::detail_key::state_business_seconds,
                                               tf::detail_key::step,
                                               tf::detail_key::wait_calendar_seconds,
                                               tf::detail_key::wait_business_seconds,
                                               tf::detail_key::unit_calendar_seconds,
                                               tf::detail_key::unit_business_seconds,
                                               tf::detail_key::ticket_calendar_seconds,
                                               tf::detail_key::ticket_business_seconds};
  std::vector<tf::event> old;
  for (const auto& e : trail) {
    if (e.type == tf::event_type::deadline_stopped) continue;
    tf::event copy = e;
    copy.sequence = old.size() + 1;
    std::erase_if(copy.details, [&](const auto& kv) {
      return std::find(added.begin(), added.end(), kv.first) != added.end();
    });
    old.push_back(std::move(copy));
  }
  REQUIRE(old.size() + 2 == trail.size());
  const tf::catalog cat = outcome_catalog();
  const auto cc = tf::detail::compile(cat);
  const auto folded = tf::detail::replay(cc, old);
  REQUIRE(folded.has_value());
  auto expected = h.view(id);
  auto got = folded->view(expected.as_of);
  CHECK(got.deadlines == expected.deadlines);
  CHECK(got.time_by_unit == expected.time_by_unit);
  CHECK(got.state == expected.state);
  CHECK(got.closed == expected.closed);
}

TEST_CASE("engine.outcomes.the_fold_refuses_a_deadline_stopped_of_an_unknown_deadline") {
  engine_fixture h(t0, outcome_catalog());
  const std::string id = open_complaint(h);
  h.act_at(local(2026, 9, 30, 10, 20), id, "accept", agent);
  auto trail = h.events(id);
  auto& stop = trail.back();
  REQUIRE(stop.type == tf::event_type::deadline_stopped);
  stop.details[0].second = "contakt";
  const tf::catalog cat = outcome_catalog();
  const auto cc = tf::detail::compile(cat);
  const auto folded = tf::detail::replay(cc, trail);
  REQUIRE_FALSE(folded.has_value());
  CHECK(folded.error().code() == tf::errc::data_loss);
  CHECK(folded.error().message().find("unknown deadline 'contakt'") != std::string::npos);
}

// --- the record's compact parts, checked against the slow way ----------------------------------

// deadline_clock::fired keeps the first 64 slots in a word and the rest in
// a vector (ticket_record.hpp): against a plain vector<bool>, on sizes
// around the boundary, under a fixed pseudo-random sequence of marks.
TEST_CASE("engine.outcomes.fired_slots_agree_with_a_vector_of_bools") {
  std::uint64_t seed = 0x9e3779b97f4a7c15ULL;
  const auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  tf::detail::fired_slots flags;
  for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{63}, std::size_t{64},
                              std::size_t{65}, std::size_t{130}, std::size_t{3}}) {
    // Reused: what the previous size marked must not show through.
    flags.reset(n);
    std::vector<bool> expected(n, false);
    for (std::size_t i = 0; i < n; ++i) REQUIRE_FALSE(flags.test(i));
    for (int step = 0; step < 200; ++step) {
      const std::size_t i = static_cast<std::size_t>(next() % n);
      flags.set(i);
      expected[i] = true;
      if (step % 20 == 0 || step == 199)
        for (std::size_t k = 0; k < n; ++k) REQUIRE(flags.test(k) == expected[k]);
    }
  }
}

namespace {

// A workflow whose one deadline has 73 timer slots: warnings at 1 % .. 70 %,
// the breach, and two after-breach steps — more than the 64 slots a clock
// keeps inline. Each rule sets a flag of its own.
tf::catalog many_timers_catalog() {
  std::string wf = R"(workflow: watch
version: 1
effective: 2026-01-01
ticket_types: [complaint]
calendar: office
deadlines:
  watch: { within: 100h, until: [done] }
states:
  received:
    initial: true
    actions:
      solve: { to: done, by: [agent] }
  done:
    terminal: true
routing:
  - id: front
    assign: service_center
escalations:
)";
  for (int k = 1; k <= 70; ++k)
    wf += "  - { id: w" + std::to_string(k) + ", on: warning, deadline: watch, at: " +
          std::to_string(k) + "%, do: [{ flag: w" + std::to_string(k) + " }] }\n";
  wf += "  - { id: late, on: breach, deadline: watch, do: [{ flag: late }] }\n";
  wf += "  - { id: late_1h, on: breach, deadline: watch, after: 1h, do: [{ flag: late_1h }] }\n";
  wf += "  - { id: late_2h, on: breach, deadline: watch, after: 2h, do: [{ flag: late_2h }] }\n";
  tf::diagnostics diags;
  auto cat = tf::load_catalog({{"org.yaml", organisation_yaml}, {"watch.yaml", wf}}, diags);
  INFO(diags.str());
  REQUIRE_FALSE(diags.has_errors());
  return cat;
}

}  // namespace

TEST_CASE("engine.outcomes.a_deadline_with_more_than_64_timers_fires_each_once_in_order") {
  tf::memory_store st;
  engine_fixture h(t0, many_timers_catalog(), &st);
  const std::string id = open_complaint(h);
  // 100h on the wall clock: warning k falls due k hours after the open,
  // the breach at 100 h, the after-breach steps an hour and two after it.
  CHECK(deadline_of(h.view(id), "watch").within == "100h");
  const tf::timestamp end = t0 + std::chrono::hours(200);
  h.at(end);
  const auto report = h->advance();
  REQUIRE(report.has_value());
  CHECK(report->fired == 73);
  const auto trail = h.events(id);
  std::vector<const tf::event*> warned, breached;
  for (const auto& e : trail) {
    if (e.type == tf::event_type::deadline_warned) warned.push_back(&e);
    if (e.type == tf::event_type::deadline_breached) breached.push_back(&e);
  }
  REQUIRE(warned.size() == 70);
  for (std::size_t k = 1; k <= 70; ++k) {
    const tf::event& w = *warned[k - 1];
    CHECK(w.detail(tf::detail_key::percent) == std::to_string(k));
    CHECK(w.time == t0 + std::chrono::hours(static_cast<long>(k)));
  }
  REQUIRE(breached.size() == 3);
  CHECK_FALSE(breached[0]->detail(tf::detail_key::after).has_value());
  CHECK(breached[0]->time == t0 + std::chrono::hours(100));
  CHECK(breached[1]->detail(tf::detail_key::after) == "1h");
  CHECK(breached[1]->time == t0 + std::chrono::hours(101));
  CHECK(breached[2]->detail(tf::detail_key::after) == "2h");
  CHECK(breached[2]->time == t0 + std::chrono::hours(102));
  const auto v = h.view(id);
  CHECK(v.flags.size() == 73);
  // Nothing fires twice, live or replayed: an engine restored from the
  // store folds the 73 marks (the last ones past the inline word) and
  // finds nothing due either.
  const auto again_report = h->advance();
  REQUIRE(again_report.has_value());
  CHECK(again_report->fired == 0);
  engine_fixture again(end, many_timers_catalog(), &st);
  CHECK(again.view(id) == v);
  again.at(end + std::chrono::hours(100));
  const auto restored_report = again->advance();
  REQUIRE(restored_report.has_value());
  CHECK(restored_report->fired == 0);
  CHECK(again.events(id) == trail);
  again.check_consistent(id);
}

// The engine writes each command's summary into one buffer per thread
// (ticket_record::summary_into): whatever the buffer held — here a closed
// ticket's summary, then each earlier state's — the summary written is the
// one built fresh, and the store holds the one of the last command.
TEST_CASE("engine.outcomes.a_summary_written_over_an_old_one_equals_a_fresh_one") {
  tf::memory_store st;
  engine_fixture h(t0, outcome_catalog(), &st);
  const std::string id = open_complaint(h);
  run_ticket_a(h, id);
  const auto trail = h.events(id);
  const tf::catalog cat = outcome_catalog();
  const auto cc = tf::detail::compile(cat);
  const auto closed = tf::detail::replay(cc, trail);
  REQUIRE(closed.has_value());
  // By hand: ticket A closed in `done` at Tue 10-13 16:00, taken by agent_li.
  tf::ticket_summary reused = closed->summary();
  CHECK(reused.ticket_id == id);
  CHECK(reused.state == "done");
  CHECK(reused.closed);
  CHECK(reused.closed_at == local(2026, 10, 13, 16, 0));
  CHECK(reused.owner == "agent_li");
  CHECK(reused.version == trail.size());
  CHECK_FALSE(reused.next_timer.has_value());
  CHECK_FALSE(reused.nearest_due.has_value());
  const auto stored = st.summary(id);
  REQUIRE(stored.has_value());
  CHECK(*stored == reused);
  // Every earlier state written over the buffer, from the last back to the
  // first, each compared with a summary built from nothing.
  for (std::size_t n = trail.size(); n >= 1; --n) {
    const auto prefix = tf::detail::replay(cc, std::span<const tf::event>(trail.data(), n));
    REQUIRE(prefix.has_value());
    prefix->summary_into(reused);
    tf::ticket_summary fresh;
    fresh.ticket_id = id;
    fresh.customer_id = "C1";
    fresh.ticket_type = "complaint";
    fresh.workflow_id = "svc";
    fresh.workflow_version = 1;
    fresh.state = cat.workflows.front().states[prefix->state].id;
    fresh.unit = prefix->assignee.unit;
    fresh.region = prefix->assignee.region;
    fresh.owner = prefix->owner;
    fresh.assignee = prefix->assignee.person;
    fresh.closed = prefix->closed;
    fresh.opened_at = t0;
    fresh.closed_at = prefix->closed_at;
    if (const auto timer = prefix->next_timer()) fresh.next_timer = timer->second;
    for (const auto& k : prefix->clocks)
      if (k.running && k.due != tf::timestamp::max() &&
          (!fresh.nearest_due || k.due < *fresh.nearest_due))
        fresh.nearest_due = k.due;
    fresh.version = n;
    CHECK(reused == fresh);
    CHECK(reused == prefix->summary());
  }
}

// A view's `within` is written in place (ticket_record::view_into): the
// text duration::str() gives, over whatever the string held before — by
// hand for one duration of each unit, then beside str() for others.
TEST_CASE("engine.outcomes.a_deadline_text_written_in_place_is_the_canonical_text") {
  using tf::duration;
  using tf::time_unit;
  std::string out = "a longer text that was in the view before, longer than any duration";
  const std::pair<duration, std::string> by_hand[] = {
      {{45, time_unit::minutes}, "45m"},     {{24, time_unit::hours}, "24h"},
      {{7, time_unit::days}, "7d"},          {{4, time_unit::business_hours}, "4bh"},
      {{5, time_unit::business_days}, "5bd"}};
  for (const auto& entry : by_hand) {
    tf::detail::duration_text_into(out, entry.first);
    CHECK(out == entry.second);
  }
  for (const time_unit u : {time_unit::minutes, time_unit::hours, time_unit::days,
                            time_unit::business_hours, time_unit::business_days})
    for (const std::int64_t amount :
         {std::int64_t{1}, std::int64_t{10}, std::int64_t{1440}, tf::max_duration_amount,
          std::int64_t{-3}}) {
      const duration d{amount, u};
      tf::detail::duration_text_into(out, d);
      CHECK(out == d.str());
    }
}
