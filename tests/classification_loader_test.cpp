// SPDX-License-Identifier: MIT
// What workflows record for the service indicators: a workflow's
// `classifications`, an action's `classify`, and the organisation's
// `manager_points` weights, as the loader reads them and the mistakes it
// reports (file:line:col with a did-you-mean). The one-mistake files are in
// the broken-definition corpus too (tests/data/bad/097…).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/loader.hpp>
#include <tierflow/scenario.hpp>
#include <tierflow/testing.hpp>

#include "language/points_indicators.hpp"

// Failed comparisons of diagnostic lists print one diagnostic a line.
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& lines) {
    std::string out = "{";
    for (const auto& l : lines) out += "\n  " + l;
    out += "\n}";
    return String(out.c_str());
  }
};
}  // namespace doctest

namespace {

namespace fs = std::filesystem;
using tierflow::source_file;

const std::string fixture_name = "tests/data/org_fixture.yaml";

std::string read_text(const std::string& relative) {
  std::ifstream in(fs::path(TIERFLOW_SOURCE_DIR) / relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct loaded {
  tierflow::catalog cat;
  tierflow::diagnostics diags;
};

loaded load(const std::vector<source_file>& sources) {
  loaded out;
  out.cat = tierflow::load_catalog(sources, out.diags);
  return out;
}

/// The fixture organisation and one workflow named "wf.yaml".
loaded load_workflow(std::string text) {
  return load({{fixture_name, read_text(fixture_name)}, {"wf.yaml", std::move(text)}});
}

/// The fixture organisation with `extra` appended (top-level keys), alone.
loaded load_organisation(const std::string& extra) {
  return load({{"org.yaml", read_text(fixture_name) + extra}});
}

std::vector<std::string> lines(const tierflow::diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.items()) out.push_back(d.str());
  return out;
}

/// Lines 1-5 of every workflow below.
const std::string head =
    "workflow: complaint\n"
    "version: 1\n"
    "effective: 2026-01-01\n"
    "ticket_types: [complaint]\n"
    "calendar: office\n";

const std::string catch_all =
    "routing:\n"
    "  - id: everyone\n"
    "    assign: customer_service_center\n";

/// `classifications` on lines 6-8, the actions of `received` from line 12.
std::string with_actions(const std::string& actions) {
  return head +
         "classifications:\n"
         "  callback: [satisfied, unsatisfied, unreachable]\n"
         "  issue_class: [bill, payment, service, policy]\n"
         "states:\n"
         "  received:\n"
         "    initial: true\n"
         "    actions:\n" +
         actions +
         "  replied:\n"
         "    terminal: true\n" +
         catch_all;
}

const tierflow::action& action_of(const tierflow::workflow& wf, const std::string& id) {
  for (const auto& s : wf.states)
    for (const auto& a : s.actions)
      if (a.id == id) return a;
  FAIL("no action " << id);
  return wf.states.front().actions.front();
}

}  // namespace

// --- classifications and classify ------------------------------------------------------

TEST_CASE("classification.loader.declared_values_and_both_forms_of_classify") {
  const auto r = load_workflow(with_actions(
      "      file_result: { to: replied, by: [csr], classify: issue_class }\n"
      "      satisfied: { to: replied, by: [csr], classify: { callback: satisfied } }\n"
      "      unreachable: { by: [csr], note: true, classify: { callback: unreachable } }\n"
      "      plain: { to: replied, by: [csr] }\n"));
  CHECK_MESSAGE(r.diags.empty(), r.diags.str());
  REQUIRE(r.cat.workflows.size() == 1);
  const tierflow::workflow& wf = r.cat.workflows.front();
  REQUIRE(wf.classifications.size() == 2);
  CHECK(wf.classifications[0].id == "callback");
  CHECK(wf.classifications[0].values ==
        std::vector<std::string>{"satisfied", "unsatisfied", "unreachable"});
  CHECK(wf.classifications[0].where.line == 7);
  CHECK(wf.classifications[0].where.column == 3);
  CHECK(wf.classifications[1].id == "issue_class");
  CHECK(wf.find_classification("issue_class")->allows("policy"));
  CHECK_FALSE(wf.find_classification("issue_class")->allows("meter"));
  CHECK(wf.find_classification("closed_loop") == nullptr);

  // The actor gives the value: the name alone, no value.
  CHECK(action_of(wf, "file_result").classifies == "issue_class");
  CHECK(action_of(wf, "file_result").classification_value.empty());
  // Fixed by the definition, on a move and on an action that stays put.
  CHECK(action_of(wf, "satisfied").classifies == "callback");
  CHECK(action_of(wf, "satisfied").classification_value == "satisfied");
  CHECK(action_of(wf, "unreachable").classification_value == "unreachable");
  CHECK(action_of(wf, "plain").classifies.empty());
  CHECK(action_of(wf, "plain").classification_value.empty());
}

TEST_CASE("classification.loader.a_classification_changes_the_fingerprint") {
  const auto a = load_workflow(with_actions(
      "      file_result: { to: replied, by: [csr], classify: issue_class }\n"
      "      satisfied: { to: replied, by: [csr], classify: { callback: satisfied } }\n"));
  const auto b = load_workflow(with_actions(
      "      file_result: { to: replied, by: [csr], classify: issue_class }\n"
      "      satisfied: { to: replied, by: [csr], classify: { callback: unsatisfied } }\n"));
  REQUIRE(a.cat.workflows.size() == 1);
  REQUIRE(b.cat.workflows.size() == 1);
  CHECK(a.cat.workflows[0].fingerprint != b.cat.workflows[0].fingerprint);
}

TEST_CASE("classification.loader.mistakes_in_classify") {
  const auto r = load_workflow(with_actions(
      "      a1: { to: replied, by: [csr], classify: issue_clas }\n"
      "      a2: { to: replied, by: [csr], classify: { callback: satisfed } }\n"
      "      a3: { to: replied, by: [csr], classify: { calback: satisfied } }\n"
      "      a4: { to: replied, by: [csr], classify: { callback: satisfied, issue_class: bill } }\n"
      "      a5: { to: replied, by: [csr], classify: {} }\n"
      "      a6: { to: replied, by: [csr], classify: [callback] }\n"
      "      a7: { to: replied, by: [csr], classify: { callback: [satisfied] } }\n"
      "      a8: { to: replied, by: [csr], clasify: callback }\n"));
  CHECK(lines(r.diags) ==
        std::vector<std::string>{
            "wf.yaml:13:47: error: unknown classification 'issue_clas' (did you mean "
            "'issue_class'?)",
            "wf.yaml:14:59: error: 'satisfed' is not a value of classification 'callback' (did "
            "you mean 'satisfied'?)",
            "wf.yaml:15:49: error: unknown classification 'calback' (did you mean 'callback'?)",
            "wf.yaml:16:47: error: 'classify' takes one classification: write { name: value }",
            "wf.yaml:17:47: error: 'classify' takes one classification: write { name: value }",
            "wf.yaml:18:47: error: 'classify' must be a classification or a mapping, not a list",
            "wf.yaml:19:59: error: 'callback' must be a scalar, not a list",
            "wf.yaml:20:37: error: unknown key 'clasify' (did you mean 'classify'?)",
        });
  // A misspelt `classify` must not also say that nothing records the
  // classification it meant.
  for (const auto& d : r.diags.items()) CHECK(d.level == tierflow::severity::error);
}

TEST_CASE("classification.loader.mistakes_in_classifications") {
  const auto r = load_workflow(head +
                               "classifications:\n"
                               "  callback: []\n"
                               "  issue_class: [bill, payment, bill]\n"
                               "  Level: [one]\n"
                               "  closed_loop: [own_post, Centre]\n"
                               "  outcome: satisfied\n"
                               "states:\n"
                               "  received:\n"
                               "    initial: true\n"
                               "    actions:\n"
                               "      reply: { to: replied, by: [csr], classify: issue_class }\n"
                               "  replied:\n"
                               "    terminal: true\n" +
                               catch_all);
  CHECK(lines(r.diags) ==
        std::vector<std::string>{
            "wf.yaml:7:13: error: 'callback' must not be empty",
            "wf.yaml:8:32: error: duplicate classification value 'bill'",
            "wf.yaml:9:3: error: invalid identifier 'Level': expected snake_case ([a-z][a-z0-9_]*)",
            "wf.yaml:10:27: error: invalid identifier 'Centre': expected snake_case ([a-z][a-z0-9_]*)",
            "wf.yaml:11:12: error: 'outcome' must be a list, not a scalar",
        });
}

TEST_CASE("classification.loader.a_classification_no_action_records_is_a_warning") {
  const auto r = load_workflow(with_actions("      reply: { to: replied, by: [csr], classify: issue_class }\n"));
  CHECK(lines(r.diags) ==
        std::vector<std::string>{
            "wf.yaml:7:3: warning: no action records classification 'callback': add 'classify: "
            "callback' to the action that decides it",
        });
  CHECK_FALSE(r.diags.has_errors());
  REQUIRE(r.cat.workflows.size() == 1);
  CHECK(r.cat.workflows[0].classifications.size() == 2);
}

TEST_CASE("classification.loader.classify_without_classifications") {
  const auto r = load_workflow(head +
                               "states:\n"
                               "  received:\n"
                               "    initial: true\n"
                               "    actions:\n"
                               "      reply: { to: replied, by: [csr], classify: issue_class }\n"
                               "  replied:\n"
                               "    terminal: true\n" +
                               catch_all);
  CHECK(lines(r.diags) == std::vector<std::string>{
                              "wf.yaml:10:50: error: unknown classification 'issue_class'"});
}

// --- manager points --------------------------------------------------------------------

TEST_CASE("manager_points.loader.weights_in_file_order") {
  const auto r = load_organisation(
      "manager_points:\n"
      "  weights:\n"
      "    satisfaction_rate: 2\n"
      "    on_time_rate: 0.5\n"
      "    escalation_rate: 1000\n");
  CHECK_MESSAGE(r.diags.empty(), r.diags.str());
  const auto& w = r.cat.org.manager_points;
  REQUIRE(w.size() == 3);
  CHECK(w[0].indicator == "satisfaction_rate");
  CHECK(w[0].weight == 2.0);
  CHECK(w[0].where.line == 48);
  CHECK(w[0].where.column == 5);
  CHECK(w[1].indicator == "on_time_rate");
  CHECK(w[1].weight == 0.5);
  CHECK(w[2].weight == 1000.0);
}

TEST_CASE("manager_points.loader.without_the_key_no_weights") {
  const auto r = load_organisation("");
  CHECK_MESSAGE(r.diags.empty(), r.diags.str());
  CHECK(r.cat.org.manager_points.empty());
}

TEST_CASE("manager_points.loader.mistakes") {
  const auto r = load_organisation(
      "manager_points:\n"
      "  weights:\n"
      "    on_time_rte: 1\n"
      "    callback_rate: 0\n"
      "    repeat_rate: -1\n"
      "    reopen_rate: 1000.5\n"
      "    escalation_rate: high\n"
      "    satisfaction_rate: \"2\"\n"
      "    first_contact_resolution_rate: [1]\n"
      "    ticket_volume: 1\n"
      "  weight: {}\n");
  CHECK(lines(r.diags) ==
        std::vector<std::string>{
            "org.yaml:48:5: error: unknown indicator 'on_time_rte' (did you mean 'on_time_rate'?)",
            "org.yaml:49:20: error: invalid weight '0': expected a number greater than 0 and at "
            "most 1000",
            "org.yaml:50:18: error: invalid weight '-1': expected a number greater than 0 and at "
            "most 1000",
            "org.yaml:51:18: error: invalid weight '1000.5': expected a number greater than 0 and "
            "at most 1000",
            "org.yaml:52:22: error: invalid weight 'high': expected a number greater than 0 and at "
            "most 1000",
            "org.yaml:53:24: error: invalid weight '2': expected a number greater than 0 and at "
            "most 1000",
            "org.yaml:54:36: error: 'first_contact_resolution_rate' must be a scalar, not a list",
            "org.yaml:55:5: error: unknown indicator 'ticket_volume'",
            "org.yaml:56:3: error: unknown key 'weight' (did you mean 'weights'?)",
        });
  CHECK(r.cat.org.manager_points.empty());
}

TEST_CASE("manager_points.loader.weights_must_be_a_non_empty_mapping") {
  CHECK(lines(load_organisation("manager_points: {}\n").diags) ==
        std::vector<std::string>{"org.yaml:46:17: error: missing required key 'weights'"});
  CHECK(lines(load_organisation("manager_points: { weights: {} }\n").diags) ==
        std::vector<std::string>{"org.yaml:46:28: error: 'weights' must not be empty"});
  CHECK(lines(load_organisation("manager_points: [on_time_rate]\n").diags) ==
        std::vector<std::string>{
            "org.yaml:46:17: error: 'manager_points' must be a mapping, not a list"});
}

// --- the shipped definitions ---------------------------------------------------------

TEST_CASE("manager_points.shipped_organisation_weighs_every_indicator_equally") {
  tierflow::diagnostics diags;
  const auto cat = tierflow::load_catalog_files({TIERFLOW_SOURCE_DIR "/workflows"}, diags);
  REQUIRE_MESSAGE(cat.has_value(), diags.str());
  const auto& w = cat->org.manager_points;
  REQUIRE(w.size() == tierflow::detail::points_indicator_names.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    CHECK(w[i].indicator == tierflow::detail::points_indicator_names[i]);
    CHECK(w[i].weight == 1.0);
  }
}

TEST_CASE("classification.shipped_workflows_record_what_the_indicators_group_by") {
  tierflow::diagnostics diags;
  const auto cat = tierflow::load_catalog_files({TIERFLOW_SOURCE_DIR "/workflows"}, diags);
  REQUIRE_MESSAGE(cat.has_value(), diags.str());
  const auto find = [&](const std::string& id) -> const tierflow::workflow& {
    const auto it = std::find_if(cat->workflows.begin(), cat->workflows.end(),
                                 [&](const tierflow::workflow& w) { return w.id == id; });
    REQUIRE(it != cat->workflows.end());
    return *it;
  };
  const std::vector<std::string> callback{"satisfied", "unsatisfied", "unreachable"};

  const auto& complaint = find("complaint");
  REQUIRE(complaint.find_classification("closed_loop") != nullptr);
  CHECK(complaint.find_classification("closed_loop")->values ==
        std::vector<std::string>{"own_post", "centre_dispatch", "cross_organisation"});
  REQUIRE(complaint.find_classification("callback") != nullptr);
  CHECK(complaint.find_classification("callback")->values == callback);
  // The three levels of the closed loop, each a path of its own.
  CHECK(action_of(complaint, "reply").classification_value == "own_post");
  CHECK(action_of(complaint, "centre_dispatch").classification_value == "centre_dispatch");
  CHECK(action_of(complaint, "centre_dispatch").target == "task_dispatcher");
  CHECK(action_of(complaint, "cross_organisation").classification_value == "cross_organisation");
  CHECK(action_of(complaint, "callback_satisfied").classification_value == "satisfied");
  CHECK(action_of(complaint, "callback_unsatisfied").classification_value == "unsatisfied");
  CHECK(action_of(complaint, "callback_unreachable").classification_value == "unreachable");

  const auto& bill = find("bill_callback");
  REQUIRE(bill.find_classification("issue_class") != nullptr);
  CHECK(bill.find_classification("issue_class")->values ==
        std::vector<std::string>{"bill", "payment", "service", "policy"});
  CHECK(action_of(bill, "issue_found").classifies == "issue_class");
  CHECK(action_of(bill, "issue_found").classification_value.empty());
  REQUIRE(bill.find_classification("callback") != nullptr);
  CHECK(bill.find_classification("callback")->values == callback);

  for (const std::string id : {"fault_repair", "business_expansion"}) {
    CAPTURE(id);
    REQUIRE(find(id).find_classification("callback") != nullptr);
    CHECK(find(id).find_classification("callback")->values == callback);
  }
}

// --- scenario files: `classification` on act, `classified` in expect ------------------

namespace {

/// Runs every case of a scenario text against the shipped definitions.
std::vector<tierflow::testing::case_result> run_scenarios(const std::string& text) {
  tierflow::diagnostics diags;
  const auto cat = tierflow::load_catalog_files({TIERFLOW_SOURCE_DIR "/workflows"}, diags);
  REQUIRE_MESSAGE(cat.has_value(), diags.str());
  const auto file = tierflow::testing::load_scenario_file({"t.test.yaml", text}, *cat, diags);
  REQUIRE_MESSAGE(file.has_value(), diags.str());
  std::vector<tierflow::testing::case_result> out;
  for (const auto& sc : file->cases) out.push_back(tierflow::testing::run_scenario(*cat, sc, "t"));
  return out;
}

const std::string scenario_head = R"(actors:
  csr: { id: csr_01, roles: [csr] }
  cb: { id: cb_01, roles: [callback_agent] }
cases:
)";

}  // namespace

TEST_CASE("classification.scenario.classified_is_the_latest_recorded_value") {
  const auto results = run_scenarios(scenario_head + R"(  - name: own post
    start: 2026-03-02 09:00
    ticket: { type: complaint, channel: hotline_95598, customer: { id: C1, region: gusu }, fields: { complaint_class: service } }
    steps:
      - { act: classify, by: csr }
      - { act: dispatch, by: csr }
      - { act: acknowledge, by: csr }
      - { act: contact_customer, by: csr }
      - { act: start_investigation, by: csr }
      - expect: { classified: { closed_loop: none } }
      - { act: reply, by: csr }
      - expect: { classified: { closed_loop: own_post, callback: none } }
      - expect: { classified: { closed_loop: cross_organisation } }
)");
  REQUIRE(results.size() == 1);
  const auto& failures = results[0].failures;
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].step == 8);
  CHECK(failures[0].what == "classified.closed_loop");
  CHECK(failures[0].message == "expected classified.closed_loop 'cross_organisation', got 'own_post'");
  CHECK(failures[0].where.line == 17);
}

TEST_CASE("classification.scenario.act_passes_the_actors_value_to_the_engine") {
  const auto results = run_scenarios(scenario_head + R"(  - name: issue class given
    start: 2026-03-02 09:00
    ticket: { type: bill_callback, channel: proactive, customer: { id: C1, region: gusu } }
    steps:
      - { act: start_contact, by: cb }
      - { act: reached, by: cb }
      - { act: issue_found, by: cb, note: "bill not received", classification: payment }
      - expect: { state: classified, classified: { issue_class: payment } }
  - name: a value the classification lacks is refused
    start: 2026-03-02 09:00
    ticket: { type: bill_callback, channel: proactive, customer: { id: C1, region: gusu } }
    steps:
      - { act: start_contact, by: cb }
      - { act: reached, by: cb }
      - { act: issue_found, by: cb, note: "x", classification: meter, error: invalid_argument }
      - expect: { state: feedback_recorded, classified: { issue_class: none } }
)");
  REQUIRE(results.size() == 2);
  CHECK_MESSAGE(results[0].failures.empty(), results[0].failures.front().message);
  CHECK_MESSAGE(results[1].failures.empty(), results[1].failures.front().message);
}
