// SPDX-License-Identifier: MIT
// The graph checks of tierflow::validate(): reachability, dead ends, the
// ladder's order, escalation loops and deadline feasibility, on catalogs
// built in code and loaded from YAML.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/loader.hpp>
#include <tierflow/validate.hpp>

using namespace tierflow;

namespace {

// --- Building catalogs in code ---------------------------------------------------------
// Workflow positions are in "wf.yaml", organisation positions in "org.yaml";
// each helper takes the line its entity is "declared" on (column 3 for
// workflow entities, 5 for ladder entries), so expected diagnostics read
// like the compiler output they are.

source_pos wf_at(std::uint32_t line) { return {"wf.yaml", line, 3}; }

duration len(std::string_view text) { return parse_duration(text).value(); }

/// customer_service_center < regional_account_manager <
/// enterprise_account_manager < hq_key_account_desk (lines 5-8); teams
/// technical_department and repair_crew; calendars `office` (Mon-Fri
/// 08:30-12:00 and 13:30-17:30: 7.5 h a day, 37.5 h a week) and `always`
/// (24x7).
organisation make_org() {
  organisation org;
  org.id = "test_org";
  org.where = {"org.yaml", 1, 1};
  const char* tiers[] = {"customer_service_center", "regional_account_manager",
                         "enterprise_account_manager", "hq_key_account_desk"};
  for (std::uint32_t i = 0; i < 4; ++i)
    org.ladder.push_back({tiers[i], i, false, {"org.yaml", 5 + i, 5}});
  org.teams = {{"technical_department", false, {"org.yaml", 10, 10}},
               {"repair_crew", true, {"org.yaml", 10, 32}}};
  org.roles = {{"csr", "customer_service_center", {}},
               {"regional_manager", "regional_account_manager", {}},
               {"technical_engineer", "technical_department", {}}};
  calendar office;
  office.id = "office";
  for (std::size_t d = 0; d < 5; ++d) office.week[d] = {{510, 720}, {810, 1050}};
  calendar always;
  always.id = "always";
  always.always_open = true;
  org.calendars = {office, always};
  return org;
}

action go(std::string id, std::string to, std::uint32_t line = 0) {
  action a;
  a.id = std::move(id);
  a.to = std::move(to);
  a.by = {"csr"};
  a.where = wf_at(line);
  return a;
}

action escalating(std::string id, std::string target, std::uint32_t line) {
  action a = go(std::move(id), "", line);
  a.effect = action_effect::escalate;
  a.target = std::move(target);
  return a;
}

state st(std::string id, std::uint32_t line, std::vector<action> actions = {}) {
  state s;
  s.id = std::move(id);
  s.where = wf_at(line);
  s.actions = std::move(actions);
  return s;
}

state terminal(std::string id, std::uint32_t line) {
  state s = st(std::move(id), line);
  s.terminal = true;
  return s;
}

state limited(state s, std::string_view limit) {
  s.limit = len(limit);
  return s;
}

/// Resolves `to` and the initial state the way the loader does: the first
/// state is initial; a `to` naming no state stays npos.
void resolve(workflow& wf) {
  for (auto& s : wf.states)
    for (auto& a : s.actions) a.to_index = a.to.empty() ? npos : wf.state_index(a.to);
}

/// Workflow `complaint` v1 on calendar `office`, routing every ticket to
/// customer_service_center, the first state initial.
workflow make_workflow(std::vector<state> states) {
  workflow wf;
  wf.id = "complaint";
  wf.where = {"wf.yaml", 1, 1};
  wf.version = 1;
  wf.ticket_types = {"complaint"};
  wf.calendar = "office";
  wf.states = std::move(states);
  if (!wf.states.empty()) {
    wf.states.front().initial = true;
    wf.initial = 0;
  }
  wf.routing.push_back({"everyone", wf_at(90), std::nullopt, "customer_service_center", wf_at(91)});
  resolve(wf);
  return wf;
}

/// received -> investigating -> replied, the happy path every test starts from.
std::vector<state> happy_path() {
  return {st("received", 10, {go("accept", "investigating", 11)}),
          st("investigating", 20, {go("reply", "replied", 21)}), terminal("replied", 30)};
}

escalation_rule rule(std::string id, std::uint32_t line, trigger on,
                     std::vector<std::string> escalate_to, std::vector<std::string> from = {}) {
  escalation_rule r;
  r.id = std::move(id);
  r.where = wf_at(line);
  r.on = on;
  if (on == trigger::breach || on == trigger::warning) r.deadline = "resolve";
  if (on == trigger::warning) r.percent = 75;
  if (on == trigger::action) r.action = "accept";
  r.from_tiers = std::move(from);
  for (auto& t : escalate_to)
    r.steps.push_back({escalation_step::kind::escalate, std::move(t), wf_at(line + 1)});
  return r;
}

deadline open_to_end(std::string id, std::uint32_t line, std::vector<std::string_view> lengths) {
  deadline d;
  d.id = std::move(id);
  d.where = wf_at(line);
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    deadline_case c;
    c.within = len(lengths[i]);
    c.where = wf_at(line);
    // Every case but the last needs a condition; its content does not
    // matter to the check.
    if (i + 1 < lengths.size()) c.when = condition{};
    d.cases.push_back(std::move(c));
  }
  return d;
}

std::string run(const workflow& wf, const organisation& org = make_org()) {
  catalog cat{org, {wf}};
  diagnostics diags;
  validate(cat, diags);
  return diags.str();
}

std::string run_org(const organisation& org) {
  diagnostics diags;
  validate(catalog{org, {}}, diags);
  return diags.str();
}

}  // namespace

// --- A sound workflow ---------------------------------------------------------------------

TEST_CASE("validate.clean.happy_path_has_no_diagnostics") {
  CHECK(run(make_workflow(happy_path())) == "");
}

TEST_CASE("validate.clean.empty_catalog_has_no_diagnostics") {
  diagnostics diags;
  validate(catalog{}, diags);
  CHECK(diags.empty());
}

// --- Reachability -----------------------------------------------------------------------------

TEST_CASE("validate.reachability.warns_unreachable_state") {
  auto states = happy_path();
  states.push_back(st("orphan", 40, {go("finish", "replied", 41)}));
  CHECK(run(make_workflow(states)) ==
        "wf.yaml:40:3: warning: state 'orphan' is unreachable from the initial state "
        "'received'\n");
}

TEST_CASE("validate.reachability.follows_every_kind_of_action") {
  auto states = happy_path();
  action handoff = go("need_tech", "tech_review", 22);
  handoff.effect = action_effect::handoff;
  handoff.target = "technical_department";
  states[1].actions.push_back(handoff);
  action back = go("tech_done", "investigating", 51);
  back.effect = action_effect::give_back;
  states.push_back(st("tech_review", 50, {back}));
  CHECK(run(make_workflow(states)) == "");
}

TEST_CASE("validate.reachability.state_reached_only_backwards_is_unreachable") {
  // `orphan` leads into the workflow, but nothing leads to it.
  auto states = happy_path();
  states.push_back(st("orphan", 40, {go("join", "investigating", 41)}));
  states.push_back(st("orphan_too", 50, {go("join", "orphan", 51)}));
  CHECK(run(make_workflow(states)) ==
        "wf.yaml:40:3: warning: state 'orphan' is unreachable from the initial state "
        "'received'\n"
        "wf.yaml:50:3: warning: state 'orphan_too' is unreachable from the initial state "
        "'received'\n");
}

TEST_CASE("validate.reachability.skipped_without_an_initial_state") {
  // The loader reported the missing initial state; validate() does not
  // call every state unreachable on top of it.
  auto wf = make_workflow(happy_path());
  wf.initial = npos;
  CHECK(run(wf) == "");
}

// --- Dead ends ---------------------------------------------------------------------------------

TEST_CASE("validate.dead_end.errors_on_state_without_way_out") {
  auto states = happy_path();
  states[1].actions.push_back(go("park", "parked", 22));
  states.push_back(st("parked", 40));
  CHECK(run(make_workflow(states)) ==
        "wf.yaml:40:3: error: no terminal state can be reached from state 'parked': a ticket "
        "there is stuck\n");
}

TEST_CASE("validate.dead_end.errors_on_each_state_of_a_cycle_without_exit") {
  auto states = happy_path();
  states[1].actions.push_back(go("wait", "waiting", 22));
  states.push_back(st("waiting", 40, {go("chase", "chasing", 41)}));
  states.push_back(st("chasing", 50, {go("wait_again", "waiting", 51)}));
  CHECK(run(make_workflow(states)) ==
        "wf.yaml:40:3: error: no terminal state can be reached from state 'waiting': a ticket "
        "there is stuck\n"
        "wf.yaml:50:3: error: no terminal state can be reached from state 'chasing': a ticket "
        "there is stuck\n");
}

TEST_CASE("validate.dead_end.actions_that_stay_put_do_not_help") {
  auto states = happy_path();
  states[1].actions.push_back(go("park", "parked", 22));
  states.push_back(st("parked", 40, {go("note", "", 41), escalating("up", "next", 42)}));
  CHECK(run(make_workflow(states)) ==
        "wf.yaml:40:3: error: no terminal state can be reached from state 'parked': a ticket "
        "there is stuck\n");
}

TEST_CASE("validate.dead_end.unresolved_target_is_not_reported_again") {
  // `investigatng` is the loader's error; whether `parked` can end depends
  // on what was meant, so validate() stays quiet about it.
  auto states = happy_path();
  states[1].actions.push_back(go("park", "parked", 22));
  states.push_back(st("parked", 40, {go("resume", "investigatng", 41)}));
  CHECK(run(make_workflow(states)) == "");
}

TEST_CASE("validate.dead_end.out_of_range_index_is_treated_as_unresolved") {
  auto wf = make_workflow(happy_path());
  wf.states[0].actions[0].to_index = 99;
  // received's only exit is unknown: investigating and replied look
  // unreachable, but received is not called a dead end.
  CHECK(run(wf) ==
        "wf.yaml:20:3: warning: state 'investigating' is unreachable from the initial state "
        "'received'\n"
        "wf.yaml:30:3: warning: state 'replied' is unreachable from the initial state "
        "'received'\n");
}

TEST_CASE("validate.dead_end.workflow_without_terminal_state") {
  auto wf = make_workflow({st("received", 10, {go("accept", "investigating", 11)}),
                           st("investigating", 20, {go("back", "received", 21)})});
  CHECK(run(wf) ==
        "wf.yaml:1:1: error: workflow 'complaint' has no terminal state: no ticket can ever "
        "finish\n");
}

TEST_CASE("validate.dead_end.unreachable_dead_end_gets_both") {
  auto states = happy_path();
  states.push_back(st("leftover", 40));
  CHECK(run(make_workflow(states)) ==
        "wf.yaml:40:3: warning: state 'leftover' is unreachable from the initial state "
        "'received'\n"
        "wf.yaml:40:3: error: no terminal state can be reached from state 'leftover': a ticket "
        "there is stuck\n");
}

// --- The ladder
// ------------------------------------------------------------------------------------

TEST_CASE("validate.ladder.strict_order_passes") { CHECK(run_org(make_org()) == ""); }

TEST_CASE("validate.ladder.tier_listed_twice") {
  auto org = make_org();
  org.ladder.push_back({"regional_account_manager", 4, false, {"org.yaml", 9, 5}});
  CHECK(run_org(org) ==
        "org.yaml:9:5: error: ladder is not a strict order: 'regional_account_manager' comes "
        "both below and above 'hq_key_account_desk'\n");
}

TEST_CASE("validate.ladder.tier_listed_twice_in_a_row") {
  auto org = make_org();
  org.ladder.insert(org.ladder.begin() + 1,
                    {"customer_service_center", 1, false, {"org.yaml", 6, 5}});
  CHECK(run_org(org) ==
        "org.yaml:6:5: error: ladder is not a strict order: 'customer_service_center' is listed "
        "twice in a row\n");
}

TEST_CASE("validate.ladder.every_repeat_is_reported") {
  auto org = make_org();  // a b c d a b
  org.ladder.push_back({"customer_service_center", 4, false, {"org.yaml", 9, 5}});
  org.ladder.push_back({"regional_account_manager", 5, false, {"org.yaml", 10, 5}});
  CHECK(run_org(org) ==
        "org.yaml:9:5: error: ladder is not a strict order: 'customer_service_center' comes "
        "both below and above 'hq_key_account_desk'\n"
        "org.yaml:10:5: error: ladder is not a strict order: 'regional_account_manager' comes "
        "both below and above 'customer_service_center'\n");
}

TEST_CASE("validate.ladder.reported_once_for_all_workflows") {
  auto org = make_org();
  org.ladder.push_back({"regional_account_manager", 4, false, {"org.yaml", 9, 5}});
  auto wf = make_workflow(happy_path());
  auto wf2 = wf;
  wf2.version = 2;
  diagnostics diags;
  validate(catalog{org, {wf, wf2}}, diags);
  CHECK(diags.error_count() == 1);
}

TEST_CASE("validate.ladder.no_loop_check_on_a_ladder_that_is_not_strict") {
  // With a tier listed twice `next` is ambiguous: only the ladder error.
  auto org = make_org();
  org.ladder.push_back({"regional_account_manager", 4, false, {"org.yaml", 9, 5}});
  auto wf = make_workflow(happy_path());
  wf.escalations = {rule("up", 60, trigger::breach, {"next"}),
                    rule("down", 62, trigger::action, {"customer_service_center"})};
  CHECK(run(wf, org) ==
        "org.yaml:9:5: error: ladder is not a strict order: 'regional_account_manager' comes "
        "both below and above 'hq_key_account_desk'\n");
}

// --- Escalation loops
// -------------------------------------------------------------------------------

TEST_CASE("validate.escalation.upward_rules_do_not_loop") {
  auto wf = make_workflow(happy_path());
  wf.escalations = {rule("no_contact", 60, trigger::breach, {"next"}),
                    rule("repeat", 62, trigger::open, {"enterprise_account_manager"}),
                    rule("unsatisfied", 64, trigger::action, {"next"})};
  CHECK(run(wf) == "");
}

TEST_CASE("validate.escalation.named_tier_down_and_next_up_loop") {
  auto wf = make_workflow(happy_path());
  wf.escalations = {rule("no_contact", 60, trigger::breach, {"next"}),
                    rule("back_to_regional", 62, trigger::action, {"regional_account_manager"})};
  // Breaches climb from the routed bottom tier to the top; the action rule
  // then fires at enterprise_account_manager (first) and brings the ticket
  // back down.
  CHECK(run(wf) ==
        "wf.yaml:62:3: error: escalation rules can loop: enterprise_account_manager -> "
        "regional_account_manager (rule 'back_to_regional') -> enterprise_account_manager "
        "(rule 'no_contact', next)\n");
}

TEST_CASE("validate.escalation.loop_fixed_by_from") {
  auto wf = make_workflow(happy_path());
  wf.escalations = {rule("no_contact", 60, trigger::breach, {"next"}),
                    rule("back_to_regional", 62, trigger::action, {"regional_account_manager"},
                         {"customer_service_center"})};
  CHECK(run(wf) == "");
}

TEST_CASE("validate.escalation.from_on_the_upward_rule_is_not_enough") {
  auto wf = make_workflow(happy_path());
  wf.escalations = {rule("no_contact", 60, trigger::breach, {"next"}, {"customer_service_center"}),
                    rule("back_to_csc", 62, trigger::action, {"customer_service_center"})};
  // no_contact: csc -> regional; back_to_csc: regional -> csc. Still a
  // loop: the upward rule fires exactly where the downward one sends it.
  CHECK(run(wf) ==
        "wf.yaml:62:3: error: escalation rules can loop: regional_account_manager -> "
        "customer_service_center (rule 'back_to_csc') -> regional_account_manager (rule "
        "'no_contact', next)\n");
}

TEST_CASE("validate.escalation.open_rules_fire_only_where_routing_puts_tickets") {
  // The open rule sends key customers (routed to enterprise_account_manager)
  // down to regional; nothing moves a ticket back up, so no loop. A breach
  // rule with the same step would make one with `next`.
  auto wf = make_workflow(happy_path());
  wf.routing.insert(wf.routing.begin(),
                    {"key", wf_at(88), condition{}, "enterprise_account_manager", wf_at(89)});
  wf.escalations = {rule("demote", 60, trigger::open, {"regional_account_manager"})};
  CHECK(run(wf) == "");

  wf.escalations.push_back(rule("no_contact", 62, trigger::breach, {"next"}));
  CHECK(run(wf) ==
        "wf.yaml:60:3: error: escalation rules can loop: enterprise_account_manager -> "
        "regional_account_manager (rule 'demote') -> enterprise_account_manager (rule "
        "'no_contact', next)\n");
}

TEST_CASE("validate.escalation.ignores_tiers_no_ticket_reaches") {
  // Both rules only fire at tiers no ticket gets to (routing puts every
  // ticket at the bottom, and nothing moves it from there).
  auto wf = make_workflow(happy_path());
  wf.escalations = {
      rule("up", 60, trigger::breach, {"next"}, {"enterprise_account_manager"}),
      rule("down", 62, trigger::action, {"enterprise_account_manager"}, {"hq_key_account_desk"})};
  CHECK(run(wf) == "");
}

TEST_CASE("validate.escalation.action_level_escalation_moves_up") {
  auto states = happy_path();
  states[1].actions.push_back(escalating("cannot_resolve", "next", 23));
  auto wf = make_workflow(states);
  wf.escalations = {rule("back_to_regional", 62, trigger::breach, {"regional_account_manager"})};
  CHECK(run(wf) ==
        "wf.yaml:62:3: error: escalation rules can loop: enterprise_account_manager -> "
        "regional_account_manager (rule 'back_to_regional') -> enterprise_account_manager "
        "(action 'cannot_resolve', next)\n");
}

TEST_CASE("validate.escalation.action_level_escalation_moving_down_is_reported_at_the_action") {
  auto states = happy_path();
  states[1].actions.push_back(escalating("hand_back", "customer_service_center", 23));
  auto wf = make_workflow(states);
  wf.escalations = {rule("no_contact", 60, trigger::breach, {"next"})};
  CHECK(run(wf) ==
        "wf.yaml:23:3: error: escalations can loop: regional_account_manager -> "
        "customer_service_center (action 'hand_back') -> regional_account_manager (rule "
        "'no_contact', next)\n");
}

TEST_CASE("validate.escalation.steps_of_one_rule_follow_each_other") {
  // At open: to hq, then one rung "up" from the top goes nowhere, then
  // down to regional: hq -> regional is the third step's move, made from
  // where the first left the ticket; no_contact climbs back.
  auto wf = make_workflow(happy_path());
  wf.escalations = {rule("bounce", 60, trigger::open,
                         {"hq_key_account_desk", "next", "regional_account_manager"}),
                    rule("no_contact", 64, trigger::breach, {"next"})};
  CHECK(run(wf) ==
        "wf.yaml:60:3: error: escalation rules can loop: hq_key_account_desk -> "
        "regional_account_manager (rule 'bounce') -> enterprise_account_manager (rule "
        "'no_contact', next) -> hq_key_account_desk (rule 'no_contact', next)\n");
}

TEST_CASE("validate.escalation.one_error_per_rule_and_in_file_order") {
  auto wf = make_workflow(happy_path());
  wf.escalations = {rule("no_contact", 60, trigger::breach, {"next"}),
                    rule("back_to_csc", 62, trigger::warning, {"customer_service_center"}),
                    rule("back_to_regional", 64, trigger::action, {"regional_account_manager"})};
  CHECK(run(wf) ==
        "wf.yaml:62:3: error: escalation rules can loop: regional_account_manager -> "
        "customer_service_center (rule 'back_to_csc') -> regional_account_manager (rule "
        "'no_contact', next)\n"
        "wf.yaml:64:3: error: escalation rules can loop: enterprise_account_manager -> "
        "regional_account_manager (rule 'back_to_regional') -> enterprise_account_manager "
        "(rule 'no_contact', next)\n");
}

TEST_CASE("validate.escalation.team_routed_tickets_join_the_ladder_by_named_escalation") {
  // Routed to a team, a ticket reaches the ladder only through a named
  // tier; from there `next` and the named rule loop.
  auto wf = make_workflow(happy_path());
  wf.routing = {{"all", wf_at(90), std::nullopt, "repair_crew", wf_at(91)}};
  wf.escalations = {rule("to_regional", 60, trigger::breach, {"regional_account_manager"}),
                    rule("unsatisfied", 62, trigger::action, {"next"})};
  CHECK(run(wf) ==
        "wf.yaml:60:3: error: escalation rules can loop: enterprise_account_manager -> "
        "regional_account_manager (rule 'to_regional') -> enterprise_account_manager (rule "
        "'unsatisfied', next)\n"
        // make_org has no `region` attribute: no ticket has a region.
        "wf.yaml:91:3: error: routing rule 'all' assigns a ticket without a customer region to "
        "'repair_crew', whose queues are by region: no one serves it there (make 'region' "
        "required in the organisation, or test customer.region in the rule's 'when')\n");
}

TEST_CASE("validate.escalation.unknown_tiers_are_skipped") {
  auto wf = make_workflow(happy_path());
  wf.escalations = {rule("no_contact", 60, trigger::breach, {"next"}),
                    rule("typo", 62, trigger::action, {"regional_acount_manager"},
                         {"enterprise_acount_manager"})};
  CHECK(run(wf) == "");
}

// --- Deadline feasibility
// ---------------------------------------------------------------------------

TEST_CASE("validate.deadline.warns_when_step_limits_exceed_it") {
  auto states = happy_path();
  states[0] = limited(states[0], "1bd");
  states[1] = limited(states[1], "4bd");
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("resolve", 5, {"3bd"})};
  CHECK(run(wf) ==
        "wf.yaml:5:3: warning: step limits on the quickest path to a terminal state add up to "
        "5bd, more than deadline 'resolve' (3bd): received -> investigating -> replied\n");
}

TEST_CASE("validate.deadline.an_exact_fit_is_fine") {
  auto states = happy_path();
  states[0] = limited(states[0], "2bd");
  states[1] = limited(states[1], "3bd");
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("resolve", 5, {"5bd"})};
  CHECK(run(wf) == "");
  SUBCASE("in mixed units too: 15bh is 2bd in a 7.5 h day") {
    wf.states[0].limit = len("15bh");
    CHECK(run(wf) == "");
  }
}

TEST_CASE("validate.deadline.takes_the_quickest_path") {
  // The slow way round through `review` is not the one that counts.
  auto states = happy_path();
  states[0] = limited(states[0], "1bd");
  states[0].actions.push_back(go("review", "review", 12));
  states[1] = limited(states[1], "1bd");
  states.push_back(limited(st("review", 40, {go("done", "replied", 41)}), "10bd"));
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("resolve", 5, {"5bd"})};
  CHECK(run(wf) == "");
  wf.deadlines = {open_to_end("resolve", 5, {"1bd"})};
  CHECK(run(wf) ==
        "wf.yaml:5:3: warning: step limits on the quickest path to a terminal state add up to "
        "2bd, more than deadline 'resolve' (1bd): received -> investigating -> replied\n");
}

TEST_CASE("validate.deadline.units_are_converted_through_the_calendar") {
  // office: 37.5 working hours in 5 working days a week. 1bd = 1/5 week;
  // 8bh = 8/37.5 week = 1.0667bd; 24h = 1/7 week = 0.714bd.
  auto states = happy_path();
  states[0] = limited(states[0], "2bd");
  states[1] = limited(states[1], "8bh");
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("resolve", 5, {"3bd"})};
  CHECK(run(wf) ==
        "wf.yaml:5:3: warning: step limits on the quickest path to a terminal state add up to "
        "3.07bd, more than deadline 'resolve' (3bd): received -> investigating -> replied\n");

  SUBCASE("shown in the deadline's unit") {
    wf.states[1].limit = len("7d");  // 2bd + 7d = 2/5 + 1 week = 235.2 h
    wf.deadlines = {open_to_end("resolve", 5, {"100h"})};
    CHECK(run(wf) ==
          "wf.yaml:5:3: warning: step limits on the quickest path to a terminal state add up "
          "to 235.2h, more than deadline 'resolve' (100h): received -> investigating -> "
          "replied\n");
  }
}

TEST_CASE("validate.deadline.calendar_units_in_an_always_open_calendar") {
  auto states = happy_path();
  states[0] = limited(states[0], "90m");
  states[1] = limited(states[1], "1bd");  // 24 h in a 24x7 calendar
  auto wf = make_workflow(states);
  wf.calendar = "always";
  wf.deadlines = {open_to_end("repair", 5, {"24h"})};
  CHECK(run(wf) ==
        "wf.yaml:5:3: warning: step limits on the quickest path to a terminal state add up to "
        "25.5h, more than deadline 'repair' (24h): received -> investigating -> replied\n");
}

TEST_CASE("validate.deadline.deadline_calendar_overrides_the_workflow_calendar") {
  // Step limits in office time (2bd = 2/5 of a week = 67.2 h of wall clock),
  // deadline in 24x7 time.
  auto states = happy_path();
  states[0] = limited(states[0], "2bd");
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("fix", 5, {"48h"})};
  wf.deadlines[0].calendar = "always";
  CHECK(run(wf) ==
        "wf.yaml:5:3: warning: step limits on the quickest path to a terminal state add up to "
        "67.2h, more than deadline 'fix' (48h): received -> investigating -> replied\n");
}

TEST_CASE("validate.deadline.pausing_states_count_zero") {
  auto states = happy_path();
  states[0] = limited(states[0], "1bd");
  states[1] = limited(states[1], "10bd");
  states[1].pauses_clock = true;
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("resolve", 5, {"2bd"})};
  CHECK(run(wf) == "");
}

TEST_CASE("validate.deadline.several_cases_are_checked_against_the_longest") {
  auto states = happy_path();
  states[0] = limited(states[0], "1bd");
  states[1] = limited(states[1], "2bd");
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("resolve", 5, {"1bd", "3bd", "2bd"})};
  CHECK(run(wf) == "");
  wf.deadlines = {open_to_end("resolve", 5, {"1bd", "20bh", "2bd"})};
  CHECK(run(wf) ==
        "wf.yaml:5:3: warning: step limits on the quickest path to a terminal state add up to "
        "22.5bh, more than deadline 'resolve' (20bh, its longest case): received -> "
        "investigating -> replied\n");
}

TEST_CASE("validate.deadline.only_open_to_end_deadlines_are_checked") {
  auto states = happy_path();
  states[0] = limited(states[0], "5bd");
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("reply", 5, {"1bd"}), open_to_end("resolve", 6, {"1bd"})};
  wf.deadlines[0].until = {"investigating"};
  wf.deadlines[0].until_index = {1};
  wf.deadlines[1].from = "investigating";
  wf.deadlines[1].from_index = 1;
  CHECK(run(wf) == "");
}

TEST_CASE("validate.deadline.skipped_without_a_usable_calendar") {
  auto states = happy_path();
  states[0] = limited(states[0], "5bd");
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("resolve", 5, {"1bd"})};
  SUBCASE("unknown calendar (the loader's error)") {
    wf.calendar = "ofice";
    CHECK(run(wf) == "");
  }
  SUBCASE("a calendar without working hours") {
    auto org = make_org();
    org.calendars[0].week = {};
    CHECK(run(wf, org) == "");
  }
}

TEST_CASE("validate.deadline.initial_terminal_state_takes_nothing") {
  auto wf = make_workflow({terminal("closed", 10)});
  wf.deadlines = {open_to_end("resolve", 5, {"1bd"})};
  CHECK(run(wf) == "");
}

TEST_CASE("validate.deadline.shows_enough_decimals_to_exceed") {
  // 5bd + 1m: 1 min of wall clock is 1/2016 of the office's 1/5-week
  // business day, 5.000496bd in all, shown as more than 5.
  auto states = happy_path();
  states[0] = limited(states[0], "5bd");
  states[1] = limited(states[1], "1m");
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("resolve", 5, {"5bd"})};
  CHECK(run(wf) ==
        "wf.yaml:5:3: warning: step limits on the quickest path to a terminal state add up to "
        "5.0005bd, more than deadline 'resolve' (5bd): received -> investigating -> replied\n");
}

// --- Many problems at once
// ------------------------------------------------------------------------

TEST_CASE("validate.order.checks_report_in_a_fixed_order") {
  auto org = make_org();
  org.ladder.push_back({"customer_service_center", 4, false, {"org.yaml", 9, 5}});
  auto states = happy_path();
  states[0] = limited(states[0], "5bd");
  states.push_back(st("orphan", 40));
  auto wf = make_workflow(states);
  wf.deadlines = {open_to_end("resolve", 5, {"1bd"})};
  CHECK(run(wf, org) ==
        "org.yaml:9:5: error: ladder is not a strict order: 'customer_service_center' comes "
        "both below and above 'hq_key_account_desk'\n"
        "wf.yaml:40:3: warning: state 'orphan' is unreachable from the initial state "
        "'received'\n"
        "wf.yaml:40:3: error: no terminal state can be reached from state 'orphan': a ticket "
        "there is stuck\n"
        "wf.yaml:5:3: warning: step limits on the quickest path to a terminal state add up to "
        "5bd, more than deadline 'resolve' (1bd): received -> investigating -> replied\n");
}

// --- From YAML, through load_catalog()
// ------------------------------------------------------------

namespace {

std::string read_text(const std::string& relative) {
  std::ifstream in(std::string(TIERFLOW_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Loads `workflow_text` as "wf.yaml" with tests/data/org_fixture.yaml (which
/// has the same four tiers and the calendars `office` and `always`).
std::string load_with_fixture(const std::string& workflow_text) {
  diagnostics diags;
  (void)load_catalog(
      {{"org.yaml", read_text("tests/data/org_fixture.yaml")}, {"wf.yaml", workflow_text}}, diags);
  return diags.str();
}

const std::string header = R"(workflow: complaint
version: 1
effective: 2026-01-01
ticket_types: [complaint]
calendar: office
)";

}  // namespace

TEST_CASE("validate.yaml.diagnostics_point_at_the_state_key") {
  CHECK(load_with_fixture(header + R"(states:
  received:
    initial: true
    actions:
      reply: { to: replied, by: [csr] }
  forgotten:
    actions:
      reply: { to: replied, by: [csr] }
  parked: {}
  replied:
    terminal: true
routing:
  - id: everyone
    assign: customer_service_center
)") == "wf.yaml:11:3: warning: state 'forgotten' is unreachable from the initial state "
       "'received'\n"
       "wf.yaml:14:3: warning: state 'parked' is unreachable from the initial state "
       "'received'\n"
       "wf.yaml:14:3: error: no terminal state can be reached from state 'parked': a ticket "
       "there is stuck\n");
}

TEST_CASE("validate.yaml.escalation_loop_and_its_fix_with_from") {
  const std::string body = R"(deadlines:
  contact: { within: 24h, until: [replied] }
states:
  received:
    initial: true
    actions:
      reply: { to: replied, by: [csr, regional_manager, enterprise_manager] }
      callback_unsatisfied: { by: [csr, regional_manager, enterprise_manager] }
  replied:
    terminal: true
routing:
  - id: everyone
    assign: customer_service_center
escalations:
  - id: no_contact
    on: breach
    deadline: contact
    do: [{ escalate: next }]
  - id: unsatisfied
    on: action
    action: callback_unsatisfied
)";
  SUBCASE("without from: the named tier is also a way down") {
    CHECK(load_with_fixture(header + body + "    do: [{ escalate: regional_account_manager }]\n") ==
          "wf.yaml:23:10: error: escalation rule 'no_contact' escalates a ticket without a "
          "customer region to 'regional_account_manager', whose queues are by region: no one "
          "serves it there (make 'region' required in the organisation, or test customer.region "
          "in the rule's 'when')\n"
          "wf.yaml:24:5: error: escalation rules can loop: enterprise_account_manager -> "
          "regional_account_manager (rule 'unsatisfied') -> enterprise_account_manager (rule "
          "'no_contact', next)\n"
          "wf.yaml:27:10: error: escalation rule 'unsatisfied' escalates a ticket without a "
          "customer region to 'regional_account_manager', whose queues are by region: no one "
          "serves it there (make 'region' required in the organisation, or test customer.region "
          "in the rule's 'when')\n");
  }
  SUBCASE("from the bottom only: no loop") {
    CHECK(load_with_fixture(header + body +
                            "    from: [customer_service_center]\n"
                            "    do: [{ escalate: regional_account_manager }]\n") ==
          // No loop; the fixture's region is optional, so the region queues
          // are still reported.
          "wf.yaml:23:10: error: escalation rule 'no_contact' escalates a ticket without a "
          "customer region to 'regional_account_manager', whose queues are by region: no one "
          "serves it there (make 'region' required in the organisation, or test customer.region "
          "in the rule's 'when')\n"
          "wf.yaml:28:10: error: escalation rule 'unsatisfied' escalates a ticket without a "
          "customer region to 'regional_account_manager', whose queues are by region: no one "
          "serves it there (make 'region' required in the organisation, or test customer.region "
          "in the rule's 'when')\n");
  }
}

TEST_CASE("validate.yaml.ladder_repeat_in_an_organisation_file") {
  diagnostics diags;
  (void)load_catalog({{"org.yaml", R"(organisation: test_power
timezone: "+08:00"
ladder:
  - customer_service_center
  - regional_account_manager
  - customer_service_center
roles: { csr: customer_service_center }
calendars: { always: 24x7 }
)"}},
                     diags);
  CHECK(diags.str() ==
        "org.yaml:6:5: error: ladder is not a strict order: 'customer_service_center' comes "
        "both below and above 'regional_account_manager'\n");
}

TEST_CASE("validate.yaml.infeasible_deadline_is_a_warning") {
  diagnostics diags;
  (void)load_catalog(
      {{"org.yaml", read_text("tests/data/org_fixture.yaml")}, {"wf.yaml", header + R"(deadlines:
  resolve: 2bd
states:
  received:
    initial: true
    limit: 3bd
    actions:
      reply: { to: replied, by: [csr] }
  replied:
    terminal: true
routing:
  - id: everyone
    assign: customer_service_center
)"}},
      diags);
  CHECK(diags.str() ==
        "wf.yaml:7:3: warning: step limits on the quickest path to a terminal state add up to "
        "3bd, more than deadline 'resolve' (2bd): received -> replied\n");
  CHECK_FALSE(diags.has_errors());
}

TEST_CASE("validate.yaml.not_run_after_loading_errors") {
  // `parked` is a dead end, but the unknown role comes first: the graph
  // checks only look at catalogs that loaded cleanly.
  CHECK(load_with_fixture(header + R"(states:
  received:
    initial: true
    actions:
      park: { to: parked, by: [clerk] }
  parked: {}
routing:
  - id: everyone
    assign: customer_service_center
)") == "wf.yaml:10:32: error: unknown role 'clerk'\n");
}

TEST_CASE("validate.yaml.shipped_workflows_pass_every_graph_check") {
  diagnostics diags;
  const auto sources = read_sources({std::string(TIERFLOW_SOURCE_DIR) + "/workflows"}, diags);
  const catalog cat = load_catalog(sources, diags);
  REQUIRE_MESSAGE(!diags.has_errors(), diags.str());
  REQUIRE(!cat.workflows.empty());
  diagnostics graph;
  validate(cat, graph);
  CHECK_MESSAGE(graph.empty(), graph.str());
}
