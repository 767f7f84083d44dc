// SPDX-License-Identifier: MIT
// A small catalog for the tests of rule coverage and mutation testing
// (tierflow/rule_coverage.hpp, tierflow/mutation.hpp): an organisation of
// three tiers and two teams, the workflow `mini` (three routing rules, three
// escalation rules of every step kind, three deadlines) and the workflow
// `inquiry` no case runs on; and scenarios built in code on them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/catalog.hpp>
#include <tierflow/duration.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/scenario.hpp>

#include "test_support.hpp"

namespace doctest {
/// Lists of ids print one a line when a CHECK fails.
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& items) {
    std::string out = "{";
    for (const auto& i : items) out += "\n  " + i;
    out += "\n}";
    return String(out.c_str());
  }
};
}  // namespace doctest

namespace tierflow_test::mini {

inline constexpr const char* organisation_yaml = R"(organisation: mini_power
timezone: "+08:00"
ladder: [service_center, account_manager, key_account_desk]
teams: [dispatch, repair_crew]
regions: [north, south]
by_region: [account_manager]
channels: [hotline]
roles:
  agent: service_center
  manager: account_manager
  desk: key_account_desk
  dispatcher: dispatch
  crew: repair_crew
calendars:
  always: 24x7
attributes:
  region: { type: region, required: true }
  voltage_kv: number
  capacity_kva: { type: number, min: 0 }
)";

// Line numbers matter: the tests assert the positions of items and mutants.
inline constexpr const char* workflow_yaml = R"(workflow: mini
version: 1
effective: 2026-01-01
ticket_types: [complaint]
calendar: always
fields:
  urgent: bool
deadlines:
  contact: { within: 2h, until: [contacted] }
  resolve: { within: 1d }
  followup: { within: 4h, from: contacted, until: [done, rejected] }
states:
  received:
    initial: true
    actions:
      contact: { to: contacted, by: [agent, manager, desk], claim: true }
      urge: { by: [agent, manager, desk], note: true }
      reject: { to: rejected, by: [agent, manager, desk], note: true }
      crew_done: { by: [crew], return: true }
  contacted:
    actions:
      resolve: { to: done, by: [agent, manager, desk] }
      reject: { to: rejected, by: [agent, manager, desk], note: true }
      urge: { by: [agent, manager, desk], note: true }
      crew_done: { by: [crew], return: true }
  done:
    terminal: true
  rejected:
    terminal: true
routing:
  - id: big
    when: { customer.voltage_kv: { ge: 110 } }
    assign: key_account_desk
  - id: medium
    when: { customer.capacity_kva: { gt: 315 } }
    assign: account_manager
  - id: rest
    assign: service_center
escalations:
  - id: urgent_open
    on: open
    when: { ticket.urgent: true }
    do: [{ flag: urgent }, { notify: owner }, { escalate: next }]
  - id: contact_late
    on: breach
    deadline: contact
    do: [{ flag: overdue }, { notify: key_account_desk }, { escalate: key_account_desk }]
  - id: urged
    on: action
    action: urge
    do: [{ notify: owner }, { handoff: repair_crew }]
)";

inline constexpr const char* inquiry_yaml = R"(workflow: inquiry
version: 1
effective: 2026-01-01
ticket_types: [inquiry]
calendar: always
states:
  asked:
    initial: true
    actions:
      answer: { to: answered, by: [agent, manager, desk] }
  answered:
    terminal: true
routing:
  - id: everyone
    assign: service_center
)";

/// The catalog: organisation, `mini`, `inquiry`. Fails the test when it
/// does not load cleanly.
inline tierflow::catalog load() {
  tierflow::diagnostics diags;
  auto cat = tierflow::load_catalog({{"org.yaml", organisation_yaml},
                                     {"mini.yaml", workflow_yaml},
                                     {"inquiry.yaml", inquiry_yaml}},
                                    diags);
  INFO(diags.str());
  REQUIRE_FALSE(diags.has_errors());
  return cat;
}

/// Monday 2 March 2026, 09:00 local.
inline const tierflow::timestamp start = local(2026, 3, 2, 9, 0);

/// A complaint of a customer in region north.
inline tierflow::testing::scenario complaint(std::string name, double voltage_kv,
                                             double capacity_kva, bool urgent,
                                             std::vector<tierflow::testing::step> steps) {
  tierflow::testing::scenario sc;
  sc.name = std::move(name);
  sc.start = start;
  sc.ticket.type = "complaint";
  sc.ticket.channel = "hotline";
  sc.ticket.customer_id = "C1";
  sc.ticket.customer = {
      {"region", std::string("north")}, {"voltage_kv", voltage_kv}, {"capacity_kva", capacity_kva}};
  sc.ticket.fields = {{"urgent", urgent}};
  sc.steps = std::move(steps);
  return sc;
}

/// A person of `role` (in region north).
inline tierflow::actor person(std::string id, std::string role) {
  return tierflow::actor{std::move(id), {std::move(role)}, "north"};
}

inline tierflow::testing::act_step act(std::string action, tierflow::actor by,
                                       std::string note = {}) {
  tierflow::testing::act_step a;
  a.action = std::move(action);
  a.by = std::move(by);
  a.note = std::move(note);
  return a;
}

/// Advances the clock by `amount` calendar units.
inline tierflow::testing::advance_step advance(std::int64_t amount, tierflow::time_unit unit) {
  tierflow::testing::advance_step a;
  a.how = tierflow::testing::advance_step::kind::by;
  a.amount = tierflow::duration{amount, unit};
  return a;
}

/// `expect:` with the given fields (name, expected text).
inline tierflow::testing::expectation expect(
    std::vector<std::pair<std::string, std::string>> fields) {
  tierflow::testing::expectation e;
  for (auto& [field, expected] : fields)
    e.fields.push_back(tierflow::testing::field_expectation{field, expected, std::nullopt, {}});
  return e;
}

/// A scenario file of `cases`.
inline tierflow::testing::scenario_file file(std::string name,
                                             std::vector<tierflow::testing::scenario> cases) {
  tierflow::testing::scenario_file f;
  f.name = std::move(name);
  f.cases = std::move(cases);
  return f;
}

}  // namespace tierflow_test::mini
