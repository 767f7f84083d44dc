// SPDX-License-Identifier: MIT
// Mutation testing (tierflow/mutation.hpp): the mutants of a workflow, each
// applied to a copy of the catalog, killed by a scenario that pins the rule
// down and surviving one that does not.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/mutation.hpp>
#include <tierflow/testing.hpp>

#include "support/mini_rules.hpp"

namespace {

namespace tt = tierflow::testing;
namespace mini = tierflow_test::mini;
using tierflow::time_unit;

const tt::mutant& find(const std::vector<tt::mutant>& all, const std::string& id) {
  for (const auto& m : all)
    if (m.id == id) return m;
  FAIL("no mutant " << id);
  return all.front();
}

const tt::mutant_outcome& outcome(const tt::mutation_report& r, const std::string& id) {
  for (const auto& o : r.outcomes)
    if (o.subject.id == id) return o;
  FAIL("no outcome for mutant " << id);
  return r.outcomes.front();
}

const tierflow::actor agent = mini::person("agent_wu", "agent");

// A complaint of `kv` kV that must be routed by rule `rule`.
tt::scenario routed(const std::string& name, double kv, const std::string& rule) {
  return mini::complaint(name, kv, 100, false, {mini::expect({{"rule", rule}})});
}

// An urgent complaint that misses its contact deadline; `then` is what the
// case expects afterwards.
tt::scenario late(std::vector<std::pair<std::string, std::string>> then) {
  return mini::complaint("late", 10, 100, false,
                         {mini::advance(3, time_unit::hours), mini::expect(std::move(then))});
}

const std::string threshold = "mini@1:move_threshold:big:customer.voltage_kv ge 110";

}  // namespace

TEST_CASE("testing.mutation.makes_every_mutant_with_a_stable_id_in_file_order") {
  const tierflow::catalog cat = mini::load();
  const auto mutants = tt::make_mutants(cat);
  std::vector<std::string> ids;
  for (const auto& m : mutants) ids.push_back(m.id);
  CHECK(ids == std::vector<std::string>{
                   "mini@1:lengthen_deadline:contact",
                   "mini@1:lengthen_deadline:resolve",
                   "mini@1:lengthen_deadline:followup",
                   "mini@1:negate_condition:big",
                   "mini@1:move_threshold:big:customer.voltage_kv ge 110",
                   "mini@1:swap_target:big",
                   "mini@1:negate_condition:medium",
                   "mini@1:move_threshold:medium:customer.capacity_kva gt 315",
                   "mini@1:swap_target:medium",
                   "mini@1:swap_target:rest",
                   "mini@1:negate_condition:urgent_open",
                   "mini@1:drop_step:urgent_open:#1",
                   "mini@1:drop_step:urgent_open:#2",
                   "mini@1:swap_target:urgent_open:#3",
                   "mini@1:drop_step:urgent_open:#3",
                   "mini@1:drop_step:contact_late:#1",
                   "mini@1:swap_target:contact_late:#2",
                   "mini@1:drop_step:contact_late:#2",
                   "mini@1:swap_target:contact_late:#3",
                   "mini@1:drop_step:contact_late:#3",
                   "mini@1:drop_step:urged:#1",
                   "mini@1:swap_target:urged:#2",
                   "mini@1:drop_step:urged:#2",
                   "inquiry@1:swap_target:everyone",
               });
  // The same ids on every run.
  std::vector<std::string> again;
  for (const auto& m : tt::make_mutants(cat)) again.push_back(m.id);
  CHECK(again == ids);

  const auto& moved = find(mutants, threshold);
  CHECK(moved.kind == tt::mutation_kind::move_threshold);
  CHECK(moved.workflow_id == "mini");
  CHECK(moved.workflow_version == 1);
  CHECK(moved.description == "customer.voltage_kv ge 110 → gt 110");
  CHECK(moved.where.file == "mini.yaml");
  CHECK(moved.where.line == 32);
  CHECK(find(mutants, "mini@1:swap_target:big").description ==
        "big: assign key_account_desk → account_manager");
  CHECK(find(mutants, "mini@1:swap_target:rest").description ==
        "rest: assign service_center → account_manager");
  CHECK(find(mutants, "mini@1:swap_target:urgent_open:#3").description ==
        "urgent_open step #3: escalate: next → key_account_desk");
  CHECK(find(mutants, "mini@1:swap_target:contact_late:#3").description ==
        "contact_late step #3: escalate: key_account_desk → account_manager");
  CHECK(find(mutants, "mini@1:swap_target:urged:#2").description ==
        "urged step #2: handoff: repair_crew → dispatch");
  CHECK(find(mutants, "mini@1:lengthen_deadline:resolve").description == "resolve: 1d → 2d");
  CHECK(find(mutants, "mini@1:drop_step:contact_late:#2").where.line == 47);
  CHECK(find(mutants, "mini@1:negate_condition:urgent_open").where.line == 40);
  CHECK(find(mutants, "mini@1:lengthen_deadline:followup").where.line == 11);
}

TEST_CASE("testing.mutation.apply_changes_only_the_copy") {
  const tierflow::catalog cat = mini::load();
  const auto mutants = tt::make_mutants(cat);
  const auto mutated = [&](const std::string& id) {
    tierflow::catalog copy = cat;
    find(mutants, id).apply(copy);
    return copy;
  };
  const tierflow::workflow& original = *cat.find("mini", 1);
  SUBCASE("negate_condition") {
    const auto copy = mutated("mini@1:negate_condition:medium");
    const auto& when = copy.find("mini", 1)->routing[1].when;
    REQUIRE(when);
    CHECK(when->node == tierflow::condition::kind::negate);
    CHECK(when->children.at(0).field == "customer.capacity_kva");
    CHECK(original.routing[1].when->node == tierflow::condition::kind::compare);
  }
  SUBCASE("move_threshold") {
    const auto copy = mutated(threshold);
    CHECK(copy.find("mini", 1)->routing[0].when->op == tierflow::compare_op::gt);
    CHECK(original.routing[0].when->op == tierflow::compare_op::ge);
  }
  SUBCASE("swap_target and drop_step") {
    CHECK(mutated("mini@1:swap_target:contact_late:#2")
              .find("mini", 1)
              ->escalations[1]
              .steps[1]
              .target == "account_manager");
    const auto dropped = mutated("mini@1:drop_step:contact_late:#1");
    const auto& steps = dropped.find("mini", 1)->escalations[1].steps;
    REQUIRE(steps.size() == 2);
    CHECK(steps[0].target == "key_account_desk");
    CHECK(original.escalations[1].steps.size() == 3);
  }
  SUBCASE("lengthen_deadline doubles every case, up to the largest duration") {
    CHECK(
        mutated("mini@1:lengthen_deadline:contact").find("mini", 1)->deadlines[0].cases[0].within ==
        tierflow::duration{4, time_unit::hours});
    tierflow::catalog huge = cat;
    auto& cases = huge.workflows[0].deadlines[0].cases;
    cases[0].within = tierflow::duration{tierflow::max_duration_amount, time_unit::minutes};
    bool lengthened_contact = false;
    for (const auto& m : tt::make_mutants(huge))
      lengthened_contact = lengthened_contact || m.id == "mini@1:lengthen_deadline:contact";
    CHECK_FALSE(lengthened_contact);
    cases[0].within.amount = tierflow::max_duration_amount - 1;
    tierflow::catalog copy = huge;
    find(tt::make_mutants(huge), "mini@1:lengthen_deadline:contact").apply(copy);
    CHECK(copy.workflows[0].deadlines[0].cases[0].within.amount == tierflow::max_duration_amount);
  }
}

TEST_CASE("testing.mutation.a_case_at_the_boundary_kills_the_moved_threshold") {
  const tierflow::catalog cat = mini::load();
  SUBCASE("pinned: 110 kV exactly") {
    const auto report = tt::run_mutation(
        cat, {mini::file("pinned.test.yaml", {routed("110 kV goes to the desk", 110, "big")})});
    const auto& o = outcome(report, threshold);
    CHECK(o.killed);
    CHECK(o.killed_by == "pinned.test.yaml: 110 kV goes to the desk");
    CHECK_FALSE(o.equivalent);
  }
  SUBCASE("not pinned: 220 kV only") {
    const auto report = tt::run_mutation(
        cat, {mini::file("loose.test.yaml", {routed("220 kV goes to the desk", 220, "big")})});
    const auto& o = outcome(report, threshold);
    CHECK_FALSE(o.killed);
    CHECK_FALSE(o.equivalent);
    CHECK(o.killed_by.empty());
    // The same case kills the negated rule, though.
    CHECK(outcome(report, "mini@1:negate_condition:big").killed);
  }
}

TEST_CASE("testing.mutation.a_dropped_step_is_killed_only_when_its_effect_is_expected") {
  const tierflow::catalog cat = mini::load();
  const std::string drop = "mini@1:drop_step:contact_late:#1";
  SUBCASE("the flag is expected") {
    const auto report =
        tt::run_mutation(cat, {mini::file("late.test.yaml", {late({{"has_flag", "overdue"}})})});
    CHECK(outcome(report, drop).killed);
    CHECK(outcome(report, drop).killed_by == "late.test.yaml: late");
  }
  SUBCASE("only the tier is expected") {
    const auto report = tt::run_mutation(
        cat, {mini::file("late.test.yaml", {late({{"tier", "key_account_desk"}})})});
    CHECK_FALSE(outcome(report, drop).killed);
    // The move to the desk is what the case pins.
    CHECK(outcome(report, "mini@1:drop_step:contact_late:#3").killed);
    CHECK(outcome(report, "mini@1:swap_target:contact_late:#3").killed);
  }
}

TEST_CASE("testing.mutation.a_rule_that_never_fired_is_killed_when_the_case_pins_its_absence") {
  const tierflow::catalog cat = mini::load();
  // The trail of a calm complaint never names urgent_open; negated, the
  // rule fires and flags the ticket.
  const auto report = tt::run_mutation(
      cat, {mini::file("calm.test.yaml", {mini::complaint("calm", 10, 100, false,
                                                          {mini::expect({{"flags", ""}})})})});
  CHECK(outcome(report, "mini@1:negate_condition:urgent_open").killed);
  CHECK(outcome(report, "mini@1:negate_condition:urgent_open").killed_by == "calm.test.yaml: calm");
  CHECK_FALSE(outcome(report, "mini@1:drop_step:urgent_open:#1").killed);
}

TEST_CASE("testing.mutation.declared_equivalents_are_honoured_unless_killed") {
  const tierflow::catalog cat = mini::load();
  tt::equivalent_mutant declared{threshold, "no customer is connected at exactly 110 kV", {}};
  SUBCASE("surviving: equivalent") {
    auto f = mini::file("loose.test.yaml", {routed("220 kV goes to the desk", 220, "big")});
    f.equivalent.push_back(declared);
    const auto report = tt::run_mutation(cat, {f});
    const auto& o = outcome(report, threshold);
    CHECK(o.equivalent);
    CHECK_FALSE(o.killed);
    CHECK(o.why == declared.why);
    CHECK(report.equivalent() == 1);
    CHECK(report.killed() + report.equivalent() + report.survived() == report.outcomes.size());
  }
  SUBCASE("killed all the same: stays killed, the declaration is kept in `why`") {
    auto f = mini::file("pinned.test.yaml", {routed("110 kV goes to the desk", 110, "big")});
    f.equivalent.push_back(declared);
    const auto report = tt::run_mutation(cat, {f});
    const auto& o = outcome(report, threshold);
    CHECK(o.killed);
    CHECK_FALSE(o.equivalent);
    CHECK(o.why == declared.why);
    CHECK(report.equivalent() == 0);
  }
}

TEST_CASE("testing.mutation.runs_only_passing_cases_of_the_mutated_workflow") {
  const tierflow::catalog cat = mini::load();
  // A case that fails on the original rules would "kill" every mutant: it
  // is left out, and with no passing case on the workflow no mutant of it
  // is made (they would all "survive" and say nothing).
  const auto report = tt::run_mutation(
      cat, {mini::file("broken.test.yaml", {routed("wrong rule expected", 220, "medium")})});
  CHECK(report.outcomes.empty());

  const auto files = std::vector<tt::scenario_file>{
      mini::file("pinned.test.yaml", {routed("110 kV goes to the desk", 110, "big")})};
  // Only the workflow a passing case ran on is mutated.
  const auto full = tt::run_mutation(cat, files);
  CHECK_FALSE(full.outcomes.empty());
  for (const auto& o : full.outcomes) CHECK(o.subject.workflow_id == "mini");
  // The filter selects cases as run_scenarios does.
  tt::run_options only_other;
  only_other.filter = "no such case";
  CHECK(tt::run_mutation(cat, files, only_other).outcomes.empty());
  tt::run_options only_this;
  only_this.filter = "110 kV";
  CHECK(outcome(tt::run_mutation(cat, files, only_this), threshold).killed);
}

TEST_CASE("testing.mutation.outcomes_are_the_same_on_every_run") {
  const tierflow::catalog cat = mini::load();
  const auto files = std::vector<tt::scenario_file>{
      mini::file("all.test.yaml", {routed("110 kV", 110, "big"), routed("10 kV", 10, "rest"),
                                   late({{"has_flag", "overdue"}, {"tier", "key_account_desk"}})})};
  const auto first = tt::run_mutation(cat, files);
  const auto second = tt::run_mutation(cat, files);
  REQUIRE(first.outcomes.size() == second.outcomes.size());
  for (std::size_t i = 0; i < first.outcomes.size(); ++i) {
    CHECK(first.outcomes[i].subject.id == second.outcomes[i].subject.id);
    CHECK(first.outcomes[i].killed == second.outcomes[i].killed);
    CHECK(first.outcomes[i].killed_by == second.outcomes[i].killed_by);
  }
  CHECK(first.killed() > 0);
  CHECK(first.survived() > 0);
}

TEST_CASE("testing.mutation.kind_names") {
  CHECK(tt::to_string(tt::mutation_kind::negate_condition) == "negate condition");
  CHECK(tt::to_string(tt::mutation_kind::move_threshold) == "move threshold");
  CHECK(tt::to_string(tt::mutation_kind::swap_target) == "swap target");
  CHECK(tt::to_string(tt::mutation_kind::lengthen_deadline) == "lengthen deadline");
  CHECK(tt::to_string(tt::mutation_kind::drop_step) == "drop step");
}
