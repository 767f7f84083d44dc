// SPDX-License-Identifier: MIT
// A host's own unit tests of its workflows, under doctest: the scenario files
// next to the workflows (workflows/tests/*.test.yaml) run on the real engine,
// a scenario built in code for a rule the host customised, and a check that
// every rule stays covered. Run from the repository's root (the tests do).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <tierflow/tierflow.hpp>

namespace tt = tierflow::testing;

TEST_CASE("the shipped workflows pass their scenario tests") {
  const auto run = tt::run_scenario_files({"workflows"}, {"workflows/tests"});
  REQUIRE_MESSAGE(run.has_value(), (run ? std::string() : run.error().message()));
  CHECK(run->cases.size() > 0);
  // One GNU-style line per failure: file:line:col of the expectation.
  CHECK_MESSAGE(run->failed() == 0, tt::describe_failures(*run));
}

TEST_CASE("a scenario built in code: a 110 kV customer's complaint goes to T2") {
  tierflow::diagnostics diags;
  const auto cat = tierflow::load_catalog_files({"workflows"}, diags);
  REQUIRE_MESSAGE(cat.has_value(), diags.str());

  tt::scenario sc;
  sc.name = "110 kV customer";
  sc.start = tierflow::parse_iso8601("2026-03-02T09:00:00+08:00").value();
  sc.ticket.type = "complaint";
  sc.ticket.channel = "hotline_95598";
  sc.ticket.customer_id = "C-110KV";
  sc.ticket.customer = {{"region", std::string("kunshan")}, {"voltage_kv", 110.0}};
  sc.ticket.fields = {{"complaint_class", std::string("outage")}};
  tt::expectation routed;
  routed.fields = {{"rule", "key_big_customer", std::nullopt, {}},
                   {"tier", "enterprise_account_manager", std::nullopt, {}}};
  sc.steps.emplace_back(routed);
  // The enterprise account manager takes it; a regional manager may not.
  sc.steps.emplace_back(tt::act_step{"classify", {"mgr-1", {"regional_manager"}, "gusu"}, "",
                                     tierflow::errc::permission_denied, {}, {}});
  sc.steps.emplace_back(
      tt::act_step{"classify", {"ent-1", {"enterprise_manager"}, ""}, "", std::nullopt, {}, {}});
  tt::expectation taken;
  taken.fields = {{"state", "classified", std::nullopt, {}}, {"owner", "ent-1", std::nullopt, {}}};
  sc.steps.emplace_back(taken);

  const tt::case_result r = tt::run_scenario(*cat, sc, "in code");
  CHECK_MESSAGE(r.passed(), tt::describe_failures(tt::suite_result{{r}}));
}

TEST_CASE("every rule of every shipped workflow is exercised") {
  tierflow::diagnostics diags;
  const auto cat = tierflow::load_catalog_files({"workflows"}, diags);
  REQUIRE_MESSAGE(cat.has_value(), diags.str());
  const auto run = tt::run_scenario_files({"workflows"}, {"workflows/tests"});
  REQUIRE(run.has_value());
  for (const tt::workflow_coverage& w : tt::measure_coverage(*cat, *run)) {
    std::string missing;
    for (const tt::coverage_item& item : w.items)
      if (!item.covered)
        missing += tierflow::diagnostic{tierflow::severity::note, item.where,
                                        std::string(tt::to_string(item.kind)) + " '" + item.id +
                                            "' is not exercised"}
                       .str() +
                   "\n";
    CHECK_MESSAGE(w.percent() == 100.0, w.workflow_id << ":\n" << missing);
  }
}
