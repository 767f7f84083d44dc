// SPDX-License-Identifier: MIT
// What the validator stops before production (tierflow/validate.hpp):
// tickets that get stuck where no one may act, tickets without a region
// sent to region-split units, partly shadowed routing rules, deadlines no
// state stops — and `required: true` on customer attributes, which the
// region check counts on. Workflows are loaded from YAML with
// tests/data/org_fixture.yaml (region optional; regional_account_manager
// and repair_crew split by region), so each expected diagnostic is the
// exact line the validator prints.
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/loader.hpp>
#include <tierflow/validate.hpp>

#include "language/validate_checks.hpp"

using namespace tierflow;

namespace {

std::string read_text(const std::string& relative) {
  std::ifstream in(std::string(TIERFLOW_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const std::string fixture_name = "tests/data/org_fixture.yaml";

/// The fixture with `region` made required.
std::string fixture_requiring_region() {
  std::string org = read_text(fixture_name);
  const std::string plain = "  region: region\n";
  const auto at = org.find(plain);
  REQUIRE(at != std::string::npos);
  org.replace(at, plain.size(), "  region: { type: region, required: true }\n");
  return org;
}

/// Loads `wf` (as "wf.yaml") with an organisation; every diagnostic, one a line.
std::string load(const std::string& wf, std::string org = read_text(fixture_name)) {
  diagnostics diags;
  (void)load_catalog({{"org.yaml", std::move(org)}, {"wf.yaml", wf}}, diags);
  return diags.str();
}

/// The head every workflow here shares: lines 1-5.
const std::string head =
    "workflow: complaint\n"        // 1
    "version: 1\n"                 // 2
    "effective: 2026-01-01\n"      // 3
    "ticket_types: [complaint]\n"  // 4
    "calendar: office\n";          // 5

/// Dispatch to the repair crew (split by region) from the service centre.
const std::string crew_flow =
    head +
    "states:\n"                                                            // 6
    "  received:\n"                                                        // 7
    "    initial: true\n"                                                  // 8
    "    actions:\n"                                                       // 9
    "      dispatch: { to: on_site, by: [csr], handoff: repair_crew }\n"   // 10
    "  on_site:\n"                                                         // 11
    "    actions:\n"                                                       // 12
    "      restored: { to: closed, by: [repair_worker], return: true }\n"  // 13
    "  closed:\n"                                                          // 14
    "    terminal: true\n"                                                 // 15
    "routing:\n"                                                           // 16
    "  - id: everyone\n"                                                   // 17
    "    assign: customer_service_center\n";                               // 18

}  // namespace

// --- Stuck tickets ---------------------------------------------------------------------------

TEST_CASE("validate.stuck.region_split_team_and_a_ticket_without_region") {
  CHECK(load(crew_flow) ==
        "wf.yaml:10:7: error: action 'dispatch' hands off a ticket without a customer region to "
        "'repair_crew', whose queues are by region: no one serves it there (make 'region' "
        "required in the organisation)\n"
        "wf.yaml:11:3: error: tickets without a customer region get stuck in state 'on_site' at "
        "'repair_crew': only staff who serve the ticket's region may take 'restored'; a ticket "
        "gets there when routing rule 'everyone' (line 17) assigns it to "
        "'customer_service_center', then action 'dispatch' (line 10) moves it to state "
        "'on_site' and hands it off to 'repair_crew'\n");
}

TEST_CASE("validate.stuck.a_required_region_keeps_tickets_moving") {
  CHECK(load(crew_flow, fixture_requiring_region()) == "");
}

TEST_CASE("validate.stuck.return_without_a_handoff") {
  const std::string wf =
      head +
      "states:\n"                                                                // 6
      "  received:\n"                                                            // 7
      "    initial: true\n"                                                      // 8
      "    actions:\n"                                                           // 9
      "      accept: { to: checking, by: [csr] }\n"                              // 10
      "  checking:\n"                                                            // 11
      "    actions:\n"                                                           // 12
      "      checked: { to: closed, by: [technical_engineer], return: true }\n"  // 13
      "      checked_too: { to: closed, by: [csr], return: true }\n"             // 14
      "  closed:\n"                                                              // 15
      "    terminal: true\n"                                                     // 16
      "routing:\n"                                                               // 17
      "  - id: everyone\n"                                                       // 18
      "    assign: customer_service_center\n";                                   // 19
  CHECK(load(wf) ==
        "wf.yaml:11:3: error: tickets get stuck in state 'checking' at "
        "'customer_service_center': 'checked' and 'checked_too' only return a handoff, and the "
        "ticket is not handed off; a ticket gets there when routing rule 'everyone' (line 18) "
        "assigns it to 'customer_service_center', then action 'accept' (line 10) moves it to "
        "state 'checking'\n"
        "wf.yaml:11:3: error: tickets without a customer region get stuck in state 'checking' at "
        "'customer_service_center': 'checked' and 'checked_too' only return a handoff, and the "
        "ticket is not handed off; a ticket gets there when routing rule 'everyone' (line 18) "
        "assigns it to 'customer_service_center', then action 'accept' (line 10) moves it to "
        "state 'checking'\n");
  // With the region required, only the first remains: one error per state,
  // unit and cause.
  CHECK(load(wf, fixture_requiring_region()) ==
        "wf.yaml:11:3: error: tickets get stuck in state 'checking' at "
        "'customer_service_center': 'checked' and 'checked_too' only return a handoff, and the "
        "ticket is not handed off; a ticket gets there when routing rule 'everyone' (line 18) "
        "assigns it to 'customer_service_center', then action 'accept' (line 10) moves it to "
        "state 'checking'\n");
}

TEST_CASE("validate.stuck.a_return_from_a_nested_handoff_is_still_handed_off") {
  // The technical department hands the ticket on to metering; metering's
  // return brings it back to the technical department, still handed off,
  // so `tech_done` can be taken there.
  const std::string wf =
      head +
      "states:\n"            // 6
      "  received:\n"        // 7
      "    initial: true\n"  // 8
      "    actions:\n"       // 9
      "      need_tech: { to: tech, by: [csr], handoff: technical_department }\n"
      "  tech:\n"       // 11
      "    actions:\n"  // 12
      "      tech_done: { to: closed, by: [technical_engineer], return: true }\n"
      "      need_meter: { to: meter, by: [technical_engineer], handoff: metering_team }\n"
      "  meter:\n"                                                              // 15
      "    actions:\n"                                                          // 16
      "      meter_done: { to: tech, by: [meter_technician], return: true }\n"  // 17
      "  closed:\n"                                                             // 18
      "    terminal: true\n"                                                    // 19
      "routing:\n"                                                              // 20
      "  - id: everyone\n"                                                      // 21
      "    assign: customer_service_center\n";                                  // 22
  CHECK(load(wf) == "");
}

TEST_CASE("validate.stuck.reached_by_an_escalation_rule_handoff_and_units_named") {
  // The ticket gets to `waiting` at the service centre, where one may act;
  // a breach hands it to the repair crew, where a ticket without region is
  // stuck: the rule is named as the way there.
  const std::string wf =
      head +
      "deadlines:\n"                                                          // 6
      "  resolve: 4bd\n"                                                      // 7
      "states:\n"                                                             // 8
      "  received:\n"                                                         // 9
      "    initial: true\n"                                                   // 10
      "    actions:\n"                                                        // 11
      "      fix: { to: closed, by: [repair_worker, csr] }\n"                 // 12
      "      crew_done: { to: closed, by: [repair_worker], return: true }\n"  // 13
      "  closed:\n"                                                           // 14
      "    terminal: true\n"                                                  // 15
      "routing:\n"                                                            // 16
      "  - id: everyone\n"                                                    // 17
      "    assign: customer_service_center\n"                                 // 18
      "escalations:\n"                                                        // 19
      "  - id: overdue\n"                                                     // 20
      "    on: breach\n"                                                      // 21
      "    deadline: resolve\n"                                               // 22
      "    do: [{ handoff: repair_crew }]\n";                                 // 23
  // Handed off, `crew_done` is open to the crew but needs a region; `fix`
  // stays open to the service centre: no one is stuck.
  CHECK(load(wf) ==
        "wf.yaml:23:10: error: escalation rule 'overdue' hands off a ticket without a customer "
        "region to 'repair_crew', whose queues are by region: no one serves it there (make "
        "'region' required in the organisation, or test customer.region in the rule's 'when')\n");
}

TEST_CASE("validate.stuck.escalation_from_tiers_are_honoured") {
  // The handoff rule fires only at the enterprise tier, which no ticket
  // reaches: nothing to report.
  const std::string wf = head +
                         "deadlines:\n"                              // 6
                         "  resolve: 4bd\n"                          // 7
                         "states:\n"                                 // 8
                         "  received:\n"                             // 9
                         "    initial: true\n"                       // 10
                         "    actions:\n"                            // 11
                         "      fix: { to: closed, by: [csr] }\n"    // 12
                         "  closed:\n"                               // 13
                         "    terminal: true\n"                      // 14
                         "routing:\n"                                // 15
                         "  - id: everyone\n"                        // 16
                         "    assign: customer_service_center\n"     // 17
                         "escalations:\n"                            // 18
                         "  - id: overdue\n"                         // 19
                         "    on: breach\n"                          // 20
                         "    deadline: resolve\n"                   // 21
                         "    from: [enterprise_account_manager]\n"  // 22
                         "    do: [{ handoff: repair_crew }]\n";     // 23
  CHECK(load(wf) == "");
}

TEST_CASE("validate.stuck.a_role_that_does_not_exist") {
  // The loader refuses unknown roles; a catalog built in code can still
  // name one, or lose one from its organisation.
  diagnostics diags;
  catalog cat =
      load_catalog({{"org.yaml", read_text(fixture_name)}, {"wf.yaml", crew_flow}}, diags);
  REQUIRE(diags.error_count() == 2);
  std::erase_if(cat.org.roles, [](const role& r) { return r.id == "repair_worker"; });
  for (auto& a : cat.org.customer_attributes)
    if (a.name == "region") a.required = true;
  diagnostics again;
  validate(cat, again);
  CHECK(again.str() ==
        "wf.yaml:11:3: error: tickets get stuck in state 'on_site' at 'repair_crew': no role that "
        "may take 'restored' exists in the organisation; a ticket gets there when routing rule "
        "'everyone' (line 17) assigns it to 'customer_service_center', then action 'dispatch' "
        "(line 10) moves it to state 'on_site' and hands it off to 'repair_crew'\n");
}

// --- Region-split units ------------------------------------------------------------------------

TEST_CASE("validate.region.routing_rule_into_a_region_queue") {
  const std::string wf =
      head +
      "states:\n"                                                                         // 6
      "  received:\n"                                                                     // 7
      "    initial: true\n"                                                               // 8
      "    actions:\n"                                                                    // 9
      "      reply: { to: closed, by: [csr, regional_manager] }\n"                        // 10
      "  closed:\n"                                                                       // 11
      "    terminal: true\n"                                                              // 12
      "routing:\n"                                                                        // 13
      "  - id: by_region\n"                                                               // 14
      "    when: { customer.region: { in: [gusu, wuzhong] } }\n"                          // 15
      "    assign: regional_account_manager\n"                                            // 16
      "  - id: any_region\n"                                                              // 17
      "    when:\n"                                                                       // 18
      "      any:\n"                                                                      // 19
      "        - all: [{ customer.region: xiangcheng }, { customer.high_risk: true }]\n"  // 20
      "        - customer.region: { ne: gusu }\n"                                         // 21
      "    assign: regional_account_manager\n"                                            // 22
      "  - id: not_gusu\n"                                                                // 23
      "    when: { not: { customer.region: gusu } }\n"                                    // 24
      "    assign: regional_account_manager\n"                                            // 25
      "  - id: everyone\n"                                                                // 26
      "    assign: customer_service_center\n";                                            // 27
  // Rules that test the region keep region-less tickets out; `not` does not.
  CHECK(load(wf) ==
        "wf.yaml:25:13: error: routing rule 'not_gusu' assigns a ticket without a customer "
        "region to 'regional_account_manager', whose queues are by region: no one serves it "
        "there (make 'region' required in the organisation, or test customer.region in the "
        "rule's 'when')\n");
  CHECK(load(wf, fixture_requiring_region()) == "");
}

TEST_CASE("validate.region.requires_field") {
  diagnostics diags;
  const std::string wf =
      head +
      "states:\n"                                                                 // 6
      "  received: { initial: true, actions: { r: { to: done, by: [csr] } } }\n"  // 7
      "  done: { terminal: true }\n"                                              // 8
      "routing:\n"                                                                // 9
      "  - id: a\n"                                                               // 10
      "    when: { any: [{ customer.region: gusu }, { customer.voltage_kv: { ge: 110 } }] }\n"
      "    assign: customer_service_center\n"  // 12
      "  - id: b\n"                            // 13
      "    when: { all: [{ customer.high_risk: true }, { customer.region: { ne: gusu } }] }\n"
      "    assign: customer_service_center\n"   // 15
      "  - id: c\n"                             // 16
      "    assign: customer_service_center\n";  // 17
  const catalog cat = load_catalog({{"org.yaml", read_text(fixture_name)}, {"wf.yaml", wf}}, diags);
  REQUIRE_MESSAGE(diags.empty(), diags.str());
  const auto& routing = cat.workflows.at(0).routing;
  CHECK_FALSE(detail::requires_field(*routing[0].when, "customer.region"));  // not every branch
  CHECK(detail::requires_field(*routing[1].when, "customer.region"));
  CHECK(detail::requires_field(*routing[1].when, "customer.high_risk"));
  CHECK_FALSE(detail::requires_field(*routing[1].when, "customer.voltage_kv"));
}

TEST_CASE("validate.region.escalation_into_a_region_tier_and_its_when") {
  const std::string wf =
      head +
      "deadlines:\n"                                                          // 6
      "  resolve: 4bd\n"                                                      // 7
      "states:\n"                                                             // 8
      "  received:\n"                                                         // 9
      "    initial: true\n"                                                   // 10
      "    actions:\n"                                                        // 11
      "      reply: { to: closed, by: [csr, regional_manager] }\n"            // 12
      "  closed:\n"                                                           // 13
      "    terminal: true\n"                                                  // 14
      "routing:\n"                                                            // 15
      "  - id: everyone\n"                                                    // 16
      "    assign: customer_service_center\n"                                 // 17
      "escalations:\n"                                                        // 18
      "  - id: overdue\n"                                                     // 19
      "    on: breach\n"                                                      // 20
      "    deadline: resolve\n"                                               // 21
      "    do: [{ flag: overdue }, { escalate: next }]\n"                     // 22
      "  - id: overdue_in_region\n"                                           // 23
      "    on: warning\n"                                                     // 24
      "    deadline: resolve\n"                                               // 25
      "    at: 50%\n"                                                         // 26
      "    from: [customer_service_center]\n"                                 // 27
      "    when: { customer.region: { in: [gusu, wuzhong, xiangcheng] } }\n"  // 28
      "    do: [{ escalate: regional_account_manager }]\n";                   // 29
  // `next` from the service centre reaches the regional tier for any
  // ticket; the rule that tests the region does not.
  CHECK(load(wf) ==
        "wf.yaml:22:29: error: escalation rule 'overdue' escalates a ticket without a customer "
        "region to 'regional_account_manager', whose queues are by region: no one serves it "
        "there (make 'region' required in the organisation, or test customer.region in the "
        "rule's 'when')\n");
}

// --- Required attributes ------------------------------------------------------------------------

TEST_CASE("validate.required.loaded_from_the_organisation") {
  diagnostics diags;
  const catalog cat = load_catalog({{"org.yaml", fixture_requiring_region()}}, diags);
  REQUIRE_MESSAGE(diags.empty(), diags.str());
  CHECK(cat.org.find_customer_attribute("region")->required);
  CHECK_FALSE(cat.org.find_customer_attribute("voltage_kv")->required);
}

TEST_CASE("validate.required.not_for_derived_attributes_nor_ticket_fields") {
  std::string org = read_text(fixture_name);
  const std::string derived = "    derived: { count: complaint, within: 30d }\n";
  const auto at = org.find(derived);
  REQUIRE(at != std::string::npos);
  org.insert(at + derived.size(), "    required: true\n");
  diagnostics diags;
  (void)load_catalog({{"org.yaml", org}}, diags);
  CHECK(diags.str() ==
        "org.yaml:46:5: error: a derived attribute cannot be 'required': the engine computes it\n");

  const std::string wf = head +
                         "fields:\n"                                   // 6
                         "  urgent: { type: bool, required: true }\n"  // 7
                         "states:\n"                                   // 8
                         "  received: { initial: true, actions: { r: { to: done, by: [csr] } } }\n"
                         "  done: { terminal: true }\n"            // 10
                         "routing:\n"                              // 11
                         "  - id: everyone\n"                      // 12
                         "    assign: customer_service_center\n";  // 13
  CHECK(load(wf) == "wf.yaml:7:25: error: 'required' is only for customer attributes\n");
}

// --- Partly shadowed routing rules
// ------------------------------------------------------------------

namespace {

/// A workflow with these routing rules (from line 11) and a catch-all.
std::string with_rules(const std::string& rules) {
  return head +
         "states:\n"                                                                 // 6
         "  received: { initial: true, actions: { r: { to: done, by: [csr] } } }\n"  // 7
         "  done: { terminal: true }\n"                                              // 8
         "routing:\n"                                                                // 9
         "  # the rules\n" +                                                         // 10
         rules +
         "  - id: everyone\n"
         "    assign: customer_service_center\n";
}

}  // namespace

TEST_CASE("validate.shadowing.one_branch_of_an_any") {
  const std::string wf = with_rules(
      "  - id: high_voltage\n"                           // 11
      "    when: { customer.voltage_kv: { ge: 35 } }\n"  // 12
      "    assign: enterprise_account_manager\n"         // 13
      "  - id: big\n"                                    // 14
      "    when:\n"                                      // 15
      "      any:\n"                                     // 16
      "        - customer.voltage_kv: { ge: 110 }\n"     // 17
      "        - customer.capacity_kva: { ge: 315 }\n"   // 18
      "    assign: hq_key_account_desk\n");              // 19
  CHECK(load(wf, fixture_requiring_region()) ==
        "wf.yaml:17:11: warning: part of routing rule 'big' is shadowed by rule 'high_voltage' "
        "(line 11): a ticket with customer.voltage_kv: { ge: 110 } always matches 'high_voltage' "
        "first\n");
}

TEST_CASE("validate.shadowing.one_value_of_an_in_list") {
  const std::string wf = with_rules(
      "  - id: key\n"                                      // 11
      "    when: { customer.importance_class: level1 }\n"  // 12
      "    assign: enterprise_account_manager\n"           // 13
      "  - id: important\n"                                // 14
      "    when: { customer.importance_class: { in: [level1, special] }, customer.high_risk: true "
      "}\n"
      "    assign: hq_key_account_desk\n");  // 16
  CHECK(load(wf, fixture_requiring_region()) ==
        "wf.yaml:15:13: warning: value 'level1' of customer.importance_class in routing rule "
        "'important' is shadowed by rule 'key' (line 11): a ticket with "
        "customer.importance_class: level1, customer.high_risk: true always matches 'key' "
        "first\n");
}

TEST_CASE("validate.shadowing.a_whole_rule_taken_by_earlier_ones") {
  const std::string wf = with_rules(
      "  - id: mid_voltage\n"                                             // 11
      "    when: { customer.voltage_kv: { gt: 10 } }\n"                   // 12
      "    assign: enterprise_account_manager\n"                          // 13
      "  - id: risky\n"                                                   // 14
      "    when: { customer.high_risk: true }\n"                          // 15
      "    assign: enterprise_account_manager\n"                          // 16
      "  - id: later\n"                                                   // 17
      "    when:\n"                                                       // 18
      "      any:\n"                                                      // 19
      "        - customer.voltage_kv: { ge: 35, le: 110 }\n"              // 20
      "        - { customer.high_risk: true, customer.load_grade: 1 }\n"  // 21
      "    assign: hq_key_account_desk\n");                               // 22
  CHECK(load(wf, fixture_requiring_region()) ==
        "wf.yaml:17:5: warning: routing rule 'later' can never match: every ticket it describes "
        "matches rules 'mid_voltage' (line 11) and 'risky' (line 14) before it\n");
}

TEST_CASE("validate.shadowing.only_what_is_implied") {
  SUBCASE("a wider range later is not shadowed") {
    CHECK(load(with_rules("  - id: a\n"
                          "    when: { customer.voltage_kv: { ge: 35 } }\n"
                          "    assign: enterprise_account_manager\n"
                          "  - id: b\n"
                          "    when: { customer.voltage_kv: { ge: 10 } }\n"
                          "    assign: hq_key_account_desk\n"),
               fixture_requiring_region()) == "");
  }
  SUBCASE("a missing attribute satisfies a later not, never an earlier comparison") {
    CHECK(load(with_rules("  - id: a\n"
                          "    when: { customer.voltage_kv: { ge: 10 } }\n"
                          "    assign: enterprise_account_manager\n"
                          "  - id: b\n"
                          "    when: { not: { customer.voltage_kv: { lt: 20 } } }\n"
                          "    assign: hq_key_account_desk\n"),
               fixture_requiring_region()) == "");
  }
  SUBCASE("an earlier not takes a later comparison") {
    CHECK(load(with_rules("  - id: a\n"
                          "    when: { not: { customer.voltage_kv: { lt: 10 } } }\n"
                          "    assign: enterprise_account_manager\n"
                          "  - id: b\n"
                          "    when: { customer.voltage_kv: { ge: 20 } }\n"
                          "    assign: hq_key_account_desk\n"),
               fixture_requiring_region()) ==
          "wf.yaml:14:5: warning: routing rule 'b' can never match: every ticket it describes "
          "matches rule 'a' (line 11) before it\n");
  }
  SUBCASE("whole numbers: gt 1 takes ge 2") {
    CHECK(
        load(with_rules("  - id: a\n"
                        "    when: { customer.load_grade: { gt: 1 } }\n"
                        "    assign: enterprise_account_manager\n"
                        "  - id: b\n"
                        "    when: { customer.load_grade: { ge: 2 }, customer.high_risk: false }\n"
                        "    assign: hq_key_account_desk\n"),
             fixture_requiring_region()) ==
        "wf.yaml:14:5: warning: routing rule 'b' can never match: every ticket it describes "
        "matches rule 'a' (line 11) before it\n");
  }
  SUBCASE("an earlier rule that needs more is not enough") {
    CHECK(
        load(with_rules("  - id: a\n"
                        "    when: { customer.voltage_kv: { ge: 10 }, customer.high_risk: true }\n"
                        "    assign: enterprise_account_manager\n"
                        "  - id: b\n"
                        "    when: { customer.voltage_kv: { ge: 20 } }\n"
                        "    assign: hq_key_account_desk\n"),
             fixture_requiring_region()) == "");
  }
  SUBCASE("ne against an enum list") {
    CHECK(load(with_rules("  - id: a\n"
                          "    when: { customer.area_type: { ne: rural } }\n"
                          "    assign: enterprise_account_manager\n"
                          "  - id: b\n"
                          "    when: { customer.area_type: urban }\n"
                          "    assign: hq_key_account_desk\n"),
               fixture_requiring_region()) ==
          "wf.yaml:14:5: warning: routing rule 'b' can never match: every ticket it describes "
          "matches rule 'a' (line 11) before it\n");
  }
}

TEST_CASE("validate.shadowing.gives_up_beyond_64_disjuncts") {
  // 2^7 = 128 disjuncts, every one of them taken by rule `a`: too many to
  // look at on every load, so nothing is said.
  std::string when = "    when:\n      all:\n";
  for (int i = 0; i < 7; ++i)
    when +=
        "        - any: [{ customer.voltage_kv: { ge: 110 } }, { customer.capacity_kva: { ge: "
        "315 } }]\n";
  CHECK(load(with_rules("  - id: a\n"
                        "    when: { customer.voltage_kv: { ge: 35 } }\n"
                        "    assign: enterprise_account_manager\n"
                        "  - id: b\n" +
                        when + "    assign: hq_key_account_desk\n"),
             fixture_requiring_region()) == "");
}

TEST_CASE("validate.shadowing.after_a_catch_all_the_loader_speaks_alone") {
  CHECK(load(with_rules("  - id: a\n"
                        "    when: { customer.area_type: { in: [urban, rural] } }\n"
                        "    assign: enterprise_account_manager\n"
                        "  - id: b\n"
                        "    when: { customer.high_risk: true }\n"
                        "    assign: hq_key_account_desk\n"),
             fixture_requiring_region()) ==
        "wf.yaml:14:5: warning: routing rule 'b' can never match: rule 'a' before it always "
        "matches\n"
        "wf.yaml:17:5: warning: routing rule 'everyone' can never match: rule 'a' before it "
        "always matches\n");
}

// --- Deadlines no state stops ------------------------------------------------------------------

TEST_CASE("validate.deadline_stops.until_states_out_of_reach") {
  const std::string wf = head +
                         "deadlines:\n"                                                       // 6
                         "  reply: { within: 4bd, until: [replied] }\n"                       // 7
                         "  recheck: { within: 1bd, from: closed_once, until: [replied] }\n"  // 8
                         "  done: 5bd\n"                                                      // 9
                         "states:\n"                                                          // 10
                         "  received:\n"                                                      // 11
                         "    initial: true\n"                                                // 12
                         "    actions:\n"                                                     // 13
                         "      reply: { to: replied, by: [csr] }\n"                          // 14
                         "      close: { to: closed_once, by: [csr] }\n"                      // 15
                         "  replied:\n"                                                       // 16
                         "    actions:\n"                                                     // 17
                         "      close: { to: closed_once, by: [csr] }\n"                      // 18
                         "  closed_once:\n"                                                   // 19
                         "    terminal: true\n"                                               // 20
                         "routing:\n"                                                         // 21
                         "  - id: everyone\n"                                                 // 22
                         "    assign: customer_service_center\n";                             // 23
  CHECK(load(wf, fixture_requiring_region()) ==
        "wf.yaml:8:3: error: deadline 'recheck' can never be met: no state that stops it "
        "('replied') can be reached from state 'closed_once', where it starts\n");
}

TEST_CASE("validate.deadline_stops.no_terminal_state_after_from") {
  const std::string wf = head +
                         "deadlines:\n"                               // 6
                         "  park: { within: 1bd, from: parked }\n"    // 7
                         "  orphan: { within: 1bd, from: orphan }\n"  // 8
                         "states:\n"                                  // 9
                         "  received:\n"                              // 10
                         "    initial: true\n"                        // 11
                         "    actions:\n"                             // 12
                         "      park: { to: parked, by: [csr] }\n"    // 13
                         "      close: { to: closed, by: [csr] }\n"   // 14
                         "  parked:\n"                                // 15
                         "    actions:\n"                             // 16
                         "      note: { by: [csr] }\n"                // 17
                         "  orphan:\n"                                // 18
                         "    actions:\n"                             // 19
                         "      close: { to: closed, by: [csr] }\n"   // 20
                         "  closed:\n"                                // 21
                         "    terminal: true\n"                       // 22
                         "routing:\n"                                 // 23
                         "  - id: everyone\n"                         // 24
                         "    assign: customer_service_center\n";     // 25
  CHECK(load(wf, fixture_requiring_region()) ==
        "wf.yaml:7:3: error: deadline 'park' can never be met: no state that stops it (any "
        "terminal state) can be reached from state 'parked', where it starts\n"
        "wf.yaml:8:3: warning: deadline 'orphan' never starts: its 'from' state 'orphan' is "
        "unreachable from the initial state 'received'\n"
        "wf.yaml:15:3: error: no terminal state can be reached from state 'parked': a ticket there "
        "is stuck\n"
        "wf.yaml:18:3: warning: state 'orphan' is unreachable from the initial state 'received'\n");
}

// --- The shipped definitions
// ------------------------------------------------------------------------

TEST_CASE("validate.stuck.shipped_workflows_are_clean_and_need_their_required_region") {
  diagnostics diags;
  auto cat = load_catalog_files({std::string(TIERFLOW_SOURCE_DIR) + "/workflows"}, diags);
  REQUIRE(cat.has_value());
  CHECK_MESSAGE(diags.empty(), diags.str());
  // Without `required`, fault repair's crew and info change's station
  // would strand tickets without a region: the reason it is required.
  for (auto& a : cat->org.customer_attributes)
    if (a.name == "region") a.required = false;
  diagnostics optional;
  validate(*cat, optional);
  const std::string text = optional.str();
  CHECK(text.find("get stuck in state 'dispatched' at 'repair_crew'") != std::string::npos);
  CHECK(text.find("get stuck in state 'field_check' at 'power_supply_station'") !=
        std::string::npos);
}
