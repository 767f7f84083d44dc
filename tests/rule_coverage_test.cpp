// SPDX-License-Identifier: MIT
// Rule coverage (tierflow/rule_coverage.hpp): which routing rules,
// escalation rules and steps, states, actions and deadlines the scenario
// cases exercised, read from their trails.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/rule_coverage.hpp>
#include <tierflow/testing.hpp>

#include "support/mini_rules.hpp"

namespace {

namespace tt = tierflow::testing;
namespace mini = tierflow_test::mini;
using tierflow::time_unit;

// "kind id line:col [x]" per item: what a failing CHECK prints.
std::vector<std::string> lines(const tt::workflow_coverage& w) {
  std::vector<std::string> out;
  for (const auto& i : w.items)
    out.push_back(std::string(tt::to_string(i.kind)) + " " + i.id + " " +
                  std::to_string(i.where.line) + ":" + std::to_string(i.where.column) +
                  (i.covered ? " [x]" : " [ ]"));
  return out;
}

// The covered item ids of one kind.
std::vector<std::string> covered(const tt::workflow_coverage& w, tt::coverage_kind k) {
  std::vector<std::string> out;
  for (const auto& i : w.items)
    if (i.kind == k && i.covered) out.push_back(i.id);
  return out;
}

tt::workflow_coverage of(const std::vector<tt::workflow_coverage>& all, const std::string& id) {
  for (const auto& w : all)
    if (w.workflow_id == id) return w;
  FAIL("no coverage of workflow " << id);
  return {};
}

std::vector<tt::workflow_coverage> measure(const tierflow::catalog& cat,
                                           std::vector<tierflow::testing::scenario> cases) {
  const std::vector<tt::scenario_file> files{mini::file("mini.test.yaml", std::move(cases))};
  const tt::suite_result result = tt::run_scenarios(cat, files);
  INFO(tt::describe_failures(result));
  return tt::measure_coverage(cat, result);
}

const tierflow::actor desk = mini::person("desk_li", "desk");
const tierflow::actor agent = mini::person("agent_wu", "agent");
const tierflow::actor crew = mini::person("crew_ma", "crew");

// A key customer's complaint contacted and resolved by the desk.
tt::scenario resolved_at_the_desk() {
  return mini::complaint(
      "big customer resolved", 220, 5000, false,
      {mini::act("contact", desk), mini::act("resolve", desk), mini::expect({{"state", "done"}})});
}

// An urgent complaint of a small customer goes up at once, then misses the
// contact deadline and goes to the desk.
tt::scenario urgent_and_late() {
  return mini::complaint("urgent and late", 10, 100, true,
                         {mini::advance(3, time_unit::hours),
                          mini::expect({{"has_flag", "overdue"}, {"tier", "key_account_desk"}})});
}

// Urged before anyone took it: the owner cannot be told, the crew gets it.
tt::scenario urged_without_owner() {
  return mini::complaint("urged without owner", 10, 100, false,
                         {mini::act("urge", agent, "customer called again"),
                          mini::act("crew_done", crew), mini::expect({{"team", "none"}})});
}

}  // namespace

TEST_CASE("testing.coverage.lists_every_item_in_kind_then_file_order_and_marks_the_exercised") {
  const tierflow::catalog cat = mini::load();
  const auto all = measure(cat, {resolved_at_the_desk(), urgent_and_late(), urged_without_owner()});
  REQUIRE(all.size() == 2);
  const auto w = of(all, "mini");
  CHECK(w.workflow_version == 1);
  CHECK(lines(w) == std::vector<std::string>{
                        "routing rule big 31:5 [x]",
                        "routing rule medium 34:5 [ ]",
                        "routing rule rest 37:5 [x]",
                        "escalation rule urgent_open 40:5 [x]",
                        "escalation rule contact_late 44:5 [x]",
                        "escalation rule urged 48:5 [x]",
                        "escalation step urgent_open#1 43:10 [x]",
                        "escalation step urgent_open#2 43:28 [ ]",
                        "escalation step urgent_open#3 43:47 [x]",
                        "escalation step contact_late#1 47:10 [x]",
                        "escalation step contact_late#2 47:29 [x]",
                        "escalation step contact_late#3 47:59 [x]",
                        "escalation step urged#1 51:10 [ ]",
                        "escalation step urged#2 51:29 [x]",
                        "state received 13:3 [x]",
                        "state contacted 20:3 [x]",
                        "state done 26:3 [x]",
                        "state rejected 28:3 [ ]",
                        "action contact 16:7 [x]",
                        "action urge 17:7 [x]",
                        "action reject 18:7 [ ]",
                        "action crew_done 19:7 [x]",
                        "action resolve 22:7 [x]",
                        "deadline contact 9:3 [x]",
                        "deadline resolve 10:3 [x]",
                        "deadline followup 11:3 [x]",
                    });
  CHECK(w.items.front().where.file == "mini.yaml");
  CHECK(w.total(tt::coverage_kind::escalation_step) == 8);
  CHECK(w.covered(tt::coverage_kind::escalation_step) == 6);
  CHECK(w.total(tt::coverage_kind::action) == 5);
  CHECK(w.covered(tt::coverage_kind::action) == 4);
  CHECK(w.percent() == doctest::Approx(100.0 * 21 / 26));
  // No case ran on `inquiry`: listed, nothing covered.
  const auto inquiry = of(all, "inquiry");
  CHECK(lines(inquiry) == std::vector<std::string>{"routing rule everyone 14:5 [ ]",
                                                   "state asked 7:3 [ ]", "state answered 11:3 [ ]",
                                                   "action answer 10:7 [ ]"});
  CHECK(inquiry.percent() == 0.0);
  CHECK(tt::overall_percent(all) == doctest::Approx(100.0 * 21 / 30));
}

TEST_CASE("testing.coverage.a_deadline_counts_when_breached_or_stopped_after_it_started") {
  const tierflow::catalog cat = mini::load();
  SUBCASE("breached, never stopped") {
    const auto w = of(measure(cat, {urgent_and_late()}), "mini");
    CHECK(covered(w, tt::coverage_kind::deadline) == std::vector<std::string>{"contact"});
  }
  SUBCASE("rejected at once: `resolve` stops at any terminal state; `followup` never started") {
    const auto w = of(measure(cat, {mini::complaint("rejected", 10, 100, false,
                                                    {mini::act("reject", agent, "not ours")})}),
                      "mini");
    CHECK(covered(w, tt::coverage_kind::deadline) == std::vector<std::string>{"resolve"});
    CHECK(covered(w, tt::coverage_kind::state) == std::vector<std::string>{"received", "rejected"});
  }
  SUBCASE("rejected after contact: `followup` had started") {
    const auto w = of(measure(cat, {mini::complaint("rejected later", 10, 100, false,
                                                    {mini::act("contact", agent),
                                                     mini::act("reject", agent, "not ours")})}),
                      "mini");
    CHECK(covered(w, tt::coverage_kind::deadline) ==
          std::vector<std::string>{"contact", "resolve", "followup"});
  }
}

TEST_CASE("testing.coverage.escalation_steps_are_matched_in_order_and_notify_owner_may_be_silent") {
  const tierflow::catalog cat = mini::load();
  SUBCASE("no owner yet: only the handoff step took effect") {
    const auto w = of(measure(cat, {urged_without_owner()}), "mini");
    CHECK(covered(w, tt::coverage_kind::escalation_step) == std::vector<std::string>{"urged#2"});
    CHECK(covered(w, tt::coverage_kind::escalation_rule) == std::vector<std::string>{"urged"});
  }
  SUBCASE("with an owner, fired twice: both steps") {
    const auto w = of(
        measure(cat, {mini::complaint(
                         "urged twice", 10, 100, false,
                         {mini::act("contact", agent), mini::act("urge", agent, "again"),
                          mini::act("crew_done", crew), mini::act("urge", agent, "and again")})}),
        "mini");
    CHECK(covered(w, tt::coverage_kind::escalation_step) ==
          std::vector<std::string>{"urged#1", "urged#2"});
  }
  SUBCASE("a rule whose `when` does not hold is not covered") {
    const auto w = of(measure(cat, {resolved_at_the_desk()}), "mini");
    CHECK(covered(w, tt::coverage_kind::escalation_rule).empty());
    CHECK(covered(w, tt::coverage_kind::escalation_step).empty());
    CHECK(covered(w, tt::coverage_kind::routing_rule) == std::vector<std::string>{"big"});
  }
}

TEST_CASE("testing.coverage.a_failing_case_still_counts_what_it_reached") {
  const tierflow::catalog cat = mini::load();
  const std::vector<tt::scenario_file> files{
      mini::file("mini.test.yaml", {mini::complaint("wrong expectation", 10, 100, false,
                                                    {mini::act("reject", agent, "not ours"),
                                                     mini::expect({{"state", "done"}})})})};
  const tt::suite_result result = tt::run_scenarios(cat, files);
  REQUIRE(result.failed() == 1);
  const auto all = tt::measure_coverage(cat, result);
  CHECK(covered(of(all, "mini"), tt::coverage_kind::action) == std::vector<std::string>{"reject"});
}

TEST_CASE("testing.coverage.percentages_of_nothing_are_full") {
  const tt::workflow_coverage empty;
  CHECK(empty.percent() == 100.0);
  CHECK(empty.total(tt::coverage_kind::state) == 0);
  CHECK(tt::overall_percent({}) == 100.0);
  tt::workflow_coverage half;
  half.items = {{tt::coverage_kind::state, "a", {}, true},
                {tt::coverage_kind::state, "b", {}, false}};
  CHECK(half.percent() == 50.0);
  CHECK(tt::overall_percent({half, empty}) == 50.0);
  CHECK(tt::to_string(tt::coverage_kind::escalation_step) == "escalation step");
}
