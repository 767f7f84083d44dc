// SPDX-License-Identifier: MIT
// The shipped organisation and workflows: they load clean, carry the
// published service standards, and route the customers the routing table of workflows/SOURCES.md ([TIERFLOW §routing]) names
// to the tiers it names.
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/tierflow.hpp>

#include "test_support.hpp"

using tierflow_test::shipped;

namespace {

using namespace std::chrono;
using fields = std::map<std::string, tierflow::value, std::less<>>;

const tierflow::workflow& workflow_named(std::string_view id) {
  const auto& cat = shipped();
  const auto it = std::find_if(cat.workflows.begin(), cat.workflows.end(),
                               [&](const tierflow::workflow& w) { return w.id == id; });
  REQUIRE_MESSAGE(it != cat.workflows.end(), "no workflow " << id);
  return *it;
}

/// The first routing rule that matches, as "rule -> unit".
std::string route(const tierflow::workflow& wf, const fields& f) {
  const auto lookup = [&](std::string_view name) -> const tierflow::value* {
    const auto it = f.find(name);
    return it == f.end() ? nullptr : &it->second;
  };
  for (const auto& rule : wf.routing)
    if (!rule.when || tierflow::evaluate(*rule.when, lookup)) return rule.id + " -> " + rule.assign;
  return "no rule";
}

/// The deadline lengths of every case, in order, as text.
std::vector<std::string> lengths(const tierflow::workflow& wf, std::string_view deadline_id) {
  const auto* d = wf.find_deadline(deadline_id);
  REQUIRE_MESSAGE(d != nullptr, "no deadline " << deadline_id << " in " << wf.id);
  std::vector<std::string> out;
  for (const auto& c : d->cases) out.push_back(c.within.str());
  return out;
}

bool has_escalation(const tierflow::workflow& wf, std::string_view id) {
  return std::any_of(wf.escalations.begin(), wf.escalations.end(),
                     [&](const tierflow::escalation_rule& e) { return e.id == id; });
}

}  // namespace

TEST_CASE("workflows.shipped.validate_without_errors_or_warnings") {
  tierflow::diagnostics diags;
  const auto cat = tierflow::load_catalog_files({TIERFLOW_SOURCE_DIR "/workflows"}, diags);
  REQUIRE_MESSAGE(cat.has_value(), diags.str());
  CHECK_MESSAGE(diags.empty(), diags.str());
  std::vector<std::string> ids;
  for (const auto& wf : cat->workflows) ids.push_back(wf.id);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"bill_callback", "business_expansion", "complaint",
                                        "fault_repair", "info_change"});
}

TEST_CASE("workflows.organisation.ladder_and_calendars") {
  const auto& org = shipped().org;
  REQUIRE(org.ladder.size() == 4);
  CHECK(org.ladder[0].id == "customer_service_center");
  CHECK(org.ladder[1].id == "regional_account_manager");
  CHECK(org.ladder[1].by_region);
  CHECK(org.ladder[2].id == "enterprise_account_manager");
  CHECK(org.ladder[3].id == "hq_key_account_desk");
  CHECK(org.utc_offset == minutes{8 * 60});

  const auto* office = org.find_calendar("office");
  REQUIRE(office != nullptr);
  // 2026 National Day week and its make-up working days (State Council notice).
  CHECK_FALSE(tierflow::is_working_day(*office, sys_days{2026y / October / 1}));
  CHECK_FALSE(tierflow::is_working_day(*office, sys_days{2026y / October / 7}));
  CHECK(tierflow::is_working_day(*office, sys_days{2026y / October / 10}));  // a Saturday
  CHECK(tierflow::is_working_day(*office, sys_days{2026y / September / 20}));  // a Sunday
  // Spring Festival 2026.
  CHECK_FALSE(tierflow::is_working_day(*office, sys_days{2026y / February / 17}));
  CHECK(tierflow::is_working_day(*office, sys_days{2026y / February / 14}));
  // Next year is covered too.
  CHECK_FALSE(tierflow::is_working_day(*office, sys_days{2027y / January / 1}));
  CHECK_FALSE(tierflow::is_working_day(*office, sys_days{2027y / October / 1}));

  const auto* always = org.find_calendar("always");
  REQUIRE(always != nullptr);
  CHECK(always->always_open);
}

TEST_CASE("workflows.complaint.carries_the_published_commitments") {
  const auto& wf = workflow_named("complaint");
  CHECK(wf.calendar == "office");
  CHECK(lengths(wf, "contact") == std::vector<std::string>{"24h"});  // contact within 24 h
  CHECK(lengths(wf, "reply") == std::vector<std::string>{"4bd"});    // commitment - 1 WD
  CHECK(lengths(wf, "answer") == std::vector<std::string>{"5bd"});   // answer within 5 WD
  CHECK(has_escalation(wf, "repeat_complaint"));
  CHECK(has_escalation(wf, "tech_cannot_resolve"));
  CHECK(has_escalation(wf, "callback_unsatisfied"));
}

TEST_CASE("workflows.complaint.routes_by_domain_rule_table") {
  const auto& wf = workflow_named("complaint");
  SUBCASE("an important level-1 customer goes to the enterprise account manager") {
    CHECK(route(wf, {{"customer.importance_class", std::string("level1")},
                     {"customer.voltage_kv", 10.0},
                     {"customer.capacity_kva", 800.0}}) ==
          "key_big_customer -> enterprise_account_manager");
  }
  SUBCASE("a 110 kV customer runs a terminal substation: enterprise tier") {
    CHECK(route(wf, {{"customer.importance_class", std::string("none")},
                     {"customer.voltage_kv", 110.0},
                     {"customer.capacity_kva", 31500.0}}) ==
          "key_big_customer -> enterprise_account_manager");
  }
  SUBCASE("a 10 kV, 1250 kVA factory goes to its regional account manager") {
    CHECK(route(wf, {{"customer.importance_class", std::string("none")},
                     {"customer.voltage_kv", 10.0},
                     {"customer.capacity_kva", 1250.0}}) ==
          "big_customer -> regional_account_manager");
  }
  SUBCASE("a household stays at the customer service centre") {
    CHECK(route(wf, {{"customer.importance_class", std::string("none")},
                     {"customer.voltage_kv", 0.22},
                     {"customer.capacity_kva", 8.0}}) ==
          "everyone_else -> customer_service_center");
  }
}

TEST_CASE("workflows.fault_repair.arrival_by_area_type_around_the_clock") {
  const auto& wf = workflow_named("fault_repair");
  CHECK(wf.calendar == "always");
  auto arrival = lengths(wf, "arrival");
  std::sort(arrival.begin(), arrival.end());
  CHECK(arrival == std::vector<std::string>{"120m", "45m", "90m"});
  auto restoration = lengths(wf, "restoration");
  std::sort(restoration.begin(), restoration.end());
  CHECK(restoration == std::vector<std::string>{"3h", "4h"});
}

TEST_CASE("workflows.business_expansion.supplier_side_budgets_with_clock_stops") {
  const auto& wf = workflow_named("business_expansion");
  auto budget = lengths(wf, "supplier_side");
  std::sort(budget.begin(), budget.end());
  CHECK(budget == std::vector<std::string>{"22bd", "32bd", "5bd", "6bd"});
  const auto pausing = std::count_if(wf.states.begin(), wf.states.end(),
                                     [](const tierflow::state& s) { return s.pauses_clock; });
  CHECK(pausing >= 4);
  CHECK(wf.states[wf.state_index("waiting_customer_design")].pauses_clock);
}

TEST_CASE("workflows.shipped.every_workflow_draws_as_dot") {
  for (const auto& wf : shipped().workflows) {
    CAPTURE(wf.id);
    const std::string dot = tierflow::to_dot(wf, shipped().org);
    CHECK(dot.rfind("digraph", 0) == 0);
    for (const auto& s : wf.states) CHECK(dot.find(s.id) != std::string::npos);
  }
}
