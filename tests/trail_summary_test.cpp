// SPDX-License-Identifier: MIT
// tierflow::summarize_trail and differences (include/tierflow/trail_summary.hpp):
// what a ticket's trail states without its workflow definition, checked
// against the summary rows the engine writes (on the shipped workflows,
// through handoffs, returns, escalations and closing), and against rows
// forged field by field.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/trail_summary.hpp>

#include "support/engine_fixture.hpp"
#include "test_support.hpp"

namespace tf = tierflow;
using namespace std::string_literals;
using tierflow_test::local;

namespace {

/// An event of ticket T1, numbered by the caller's order.
tf::event make(tf::event_type type, tf::event_details details, tf::timestamp at = local(2026, 11, 24, 9, 0)) {
  tf::event e;
  e.ticket_id = "T1";
  e.time = at;
  e.actor_id = "crm";
  e.workflow_id = "complaint";
  e.workflow_version = 1;
  e.type = type;
  e.details = std::move(details);
  return e;
}

std::vector<tf::event> numbered(std::vector<tf::event> events) {
  for (std::size_t i = 0; i < events.size(); ++i) events[i].sequence = i + 1;
  return events;
}

tf::event opened() {
  namespace key = tf::detail_key;
  return make(tf::event_type::opened, {{std::string(key::type), "complaint"},
                                       {std::string(key::channel), "hotline_95598"},
                                       {std::string(key::customer), "C1001"},
                                       {std::string(key::region), "kunshan"}});
}

tf::event routed(const std::string& unit, const std::string& region) {
  namespace key = tf::detail_key;
  return make(tf::event_type::routed, {{std::string(key::kind), "open"},
                                       {std::string(key::rule), "r"},
                                       {std::string(key::unit), unit},
                                       {std::string(key::region), region}});
}

tf::event accepted(const std::string& person, bool owner, bool assignee) {
  namespace key = tf::detail_key;
  return make(tf::event_type::accepted, {{std::string(key::person), person},
                                         {std::string(key::owner), owner ? "true" : "false"},
                                         {std::string(key::assignee), assignee ? "true" : "false"}});
}

}  // namespace

TEST_CASE("store.trail_summary.opening_states_who_what_and_when_but_not_the_state") {
  const auto trail = numbered({opened(), routed("customer_service_center", "")});
  const auto s = tf::summarize_trail(trail);
  REQUIRE(s.has_value());
  CHECK(s->ticket_id == "T1");
  CHECK(s->customer_id == "C1001");
  CHECK(s->ticket_type == "complaint");
  CHECK(s->workflow_id == "complaint");
  CHECK(s->workflow_version == 1);
  CHECK(s->opened_at == local(2026, 11, 24, 9, 0));
  CHECK(s->unit == "customer_service_center");
  CHECK(s->region.empty());
  CHECK_FALSE(s->state.has_value());  // the initial state needs the definition
  CHECK_FALSE(s->closed);
  CHECK(s->version == 2);
}

TEST_CASE("store.trail_summary.owner_is_the_first_taker_and_moves_clear_the_assignee") {
  namespace key = tf::detail_key;
  const auto trail = numbered({
      opened(), routed("regional_account_manager", "wuzhong"),
      accepted("rm_zhang", true, true),
      make(tf::event_type::transitioned, {{std::string(key::action), "triage"},
                                          {std::string(key::from), "received"},
                                          {std::string(key::to), "triaged"}}),
      make(tf::event_type::handed_off, {{std::string(key::action), "dispatch"},
                                        {std::string(key::from_unit), "regional_account_manager"},
                                        {std::string(key::to_unit), "repair_crew"},
                                        {std::string(key::region), "wuzhong"}}),
      accepted("crew_zhou", false, true),
  });
  auto s = tf::summarize_trail(trail);
  REQUIRE(s.has_value());
  CHECK(s->owner == "rm_zhang");
  CHECK(s->assignee == "crew_zhou");
  CHECK(s->unit == "repair_crew");
  CHECK(s->state == "triaged"s);

  // Escalated during the handoff: the team keeps it, and the return goes up.
  auto more = trail;
  more.push_back(make(tf::event_type::escalated, {{std::string(key::rule), "slow"},
                                                  {std::string(key::from_tier), "regional_account_manager"},
                                                  {std::string(key::to_tier), "enterprise_account_manager"},
                                                  {std::string(key::region), ""}}));
  more.push_back(make(tf::event_type::returned, {{std::string(key::action), "report"},
                                                 {std::string(key::kind), "handoff"},
                                                 {std::string(key::from_unit), "repair_crew"},
                                                 {std::string(key::to_unit), "enterprise_account_manager"},
                                                 {std::string(key::region), ""},
                                                 {std::string(key::person), ""}}));
  more.push_back(make(tf::event_type::closed, {{std::string(key::state), "closed"}},
                      local(2026, 11, 25, 10, 0)));
  s = tf::summarize_trail(numbered(more));
  REQUIRE(s.has_value());
  CHECK(s->unit == "enterprise_account_manager");
  CHECK(s->assignee.empty());
  CHECK(s->owner == "rm_zhang");
  CHECK(s->closed);
  CHECK(s->closed_at == local(2026, 11, 25, 10, 0));
  CHECK(s->state == "closed"s);
  CHECK(s->version == more.size());

  // Returned from a handoff without escalation: back to whoever had it.
  auto back = trail;
  back.push_back(more[more.size() - 2]);
  s = tf::summarize_trail(numbered(back));
  REQUIRE(s.has_value());
  CHECK(s->unit == "regional_account_manager");
  CHECK(s->region == "wuzhong");
  CHECK(s->assignee == "rm_zhang");
}

TEST_CASE("store.trail_summary.a_stream_that_is_not_a_ticket_is_refused") {
  CHECK(tf::summarize_trail({}).error().code() == tf::errc::invalid_argument);
  const auto denials = numbered({make(tf::event_type::denied, {{"action", "triage"}})});
  const auto s = tf::summarize_trail(denials);
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code() == tf::errc::invalid_argument);
}

TEST_CASE("store.trail_summary.differences_name_each_forged_field") {
  const auto trail = numbered({opened(), routed("regional_account_manager", "kunshan"),
                               accepted("li.wei", true, true)});
  const auto stated = tf::summarize_trail(trail);
  REQUIRE(stated.has_value());
  tf::ticket_summary row;
  row.ticket_id = "T1";
  row.customer_id = "C1001";
  row.ticket_type = "complaint";
  row.workflow_id = "complaint";
  row.workflow_version = 1;
  row.state = "received";  // not stated by the trail yet: not compared
  row.unit = "regional_account_manager";
  row.region = "kunshan";
  row.owner = "li.wei";
  row.assignee = "li.wei";
  row.opened_at = local(2026, 11, 24, 9, 0);
  row.version = 3;
  row.next_timer = local(2026, 11, 25, 9, 0);  // never compared
  CHECK(tf::differences(row, *stated).empty());

  tf::ticket_summary forged = row;
  forged.owner = "mallory";
  forged.unit = "repair_crew";
  forged.customer_id = "C9999";
  forged.closed = true;
  const auto diffs = tf::differences(forged, *stated);
  REQUIRE(diffs.size() == 4);
  CHECK(diffs[0] == tf::summary_difference{"customer", "C9999", "C1001"});
  CHECK(diffs[1] == tf::summary_difference{"unit", "repair_crew", "regional_account_manager"});
  CHECK(diffs[2] == tf::summary_difference{"owner", "mallory", "li.wei"});
  CHECK(diffs[3] == tf::summary_difference{"closed", "true", "false"});

  forged = row;
  forged.version = 2;  // a row that hides the last event
  forged.opened_at = local(2026, 11, 24, 8, 0);
  const auto older = tf::differences(forged, *stated);
  REQUIRE(older.size() == 2);
  CHECK(older[0].field == "opened");
  CHECK(older[1] == tf::summary_difference{"version", "2", "3"});
}

TEST_CASE("store.trail_summary.agrees_with_every_row_the_engine_writes") {
  // The shipped workflows, worked through claims, a handoff to a crew and
  // its return, a denial, breached deadlines and escalations, and closing:
  // after every command the engine's summary row is what the trail states.
  tf::memory_store db;
  tierflow_test::engine_fixture fx(local(2026, 11, 24, 9, 0), tierflow_test::shipped(), &db);
  const tf::actor agent{"csr_li", {"csr"}, ""};
  const tf::actor zhang{"rm_zhang", {"regional_manager"}, "wuzhong"};
  const tf::actor wang{"rm_wang", {"regional_manager"}, "kunshan"};
  const tf::actor sun{"em_sun", {"enterprise_manager"}, ""};
  const tf::actor chen{"disp_chen", {"dispatcher"}, ""};
  const tf::actor crew{"crew_zhou", {"repair_crew_member"}, "wuzhong"};

  std::vector<std::string> tickets;
  const auto check_all = [&] {
    for (const std::string& id : tickets) {
      const auto row = db.summary(id);
      REQUIRE(row.has_value());
      const auto stated = tf::summarize_trail(fx.events(id));
      REQUIRE(stated.has_value());
      INFO(id, " at version ", row->version);
      CHECK(tf::differences(*row, *stated).empty());
      if (stated->state) CHECK(*stated->state == row->state);
    }
  };

  tf::open_request complaint;
  complaint.type = "complaint";
  complaint.channel = "hotline_95598";
  complaint.customer_id = "C1001";
  complaint.customer = {{"importance_class", "level1"s}, {"region", "kunshan"s}};
  complaint.fields = {{"complaint_class", "service"s}};
  tickets.push_back(fx.open(complaint).ticket.id);
  tf::open_request fault;
  fault.type = "fault_repair";
  fault.channel = "account_manager_direct";
  fault.customer_id = "C2002";
  fault.customer = {{"region", "wuzhong"s}, {"voltage_kv", 10.0}, {"capacity_kva", 1250.0},
                    {"area_type", "urban"s}};
  tickets.push_back(fx.open(fault).ticket.id);
  check_all();

  const std::string& c = tickets[0];
  const std::string& f = tickets[1];
  fx.act(c, "classify", agent);
  fx.act(c, "dispatch", agent);
  check_all();
  CHECK_FALSE(fx->act(tf::act_request{f, "triage", wang, "", std::nullopt}).has_value());
  fx.act(f, "triage", zhang);
  fx.act_at(local(2026, 11, 24, 9, 6), f, "dispatch", chen);
  check_all();
  fx.act(f, "crew_acknowledge", crew);
  fx.act(f, "depart", crew);
  fx.act_at(local(2026, 11, 24, 9, 30), c, "acknowledge", sun);
  check_all();
  fx.advance(local(2026, 11, 24, 10, 0));
  fx.act(f, "arrive", crew);
  fx.act(f, "start_repair", crew);
  fx.act_at(local(2026, 11, 24, 10, 40), f, "restore", crew);
  fx.act(f, "report_restored", crew, "cable joint replaced");
  check_all();
  fx.advance(local(2026, 11, 26, 9, 30));  // deadlines break, escalations fire
  check_all();
  // The callback closes the fault ticket.
  const tf::actor caller{"cb_01", {"callback_agent"}, ""};
  fx.act_at(local(2026, 11, 26, 10, 0), f, "callback_satisfied", caller);
  fx.act_at(local(2026, 11, 26, 10, 10), f, "archive", caller);
  check_all();
  const auto stated = tf::summarize_trail(fx.events(f));
  REQUIRE(stated.has_value());
  CHECK(stated->state.has_value());
  CHECK(stated->owner == "rm_zhang");
  CHECK(stated->closed);
  CHECK(stated->closed_at == local(2026, 11, 26, 10, 10));
}
