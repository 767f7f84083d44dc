// SPDX-License-Identifier: MIT
// tierflow::to_dot: what each part of a workflow looks like in DOT, and the
// whole output compared byte for byte with golden files.
//
// TIERFLOW_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing
// (review the diff before committing it).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/dot.hpp>
#include <tierflow/loader.hpp>

using namespace tierflow;

namespace {

const std::filesystem::path source_dir{TIERFLOW_SOURCE_DIR};
const std::filesystem::path golden_dir = source_dir / "tests" / "data" / "golden";

// --- A fixture with one of everything ---------------------------------------------------

condition compare(std::string field, compare_op op, std::vector<value> operands,
                  value_kind kind = value_kind::enumeration) {
  condition c;
  c.node = condition::kind::compare;
  c.field = std::move(field);
  c.op = op;
  c.operands = std::move(operands);
  c.field_kind = kind;
  return c;
}

condition combine(condition::kind node, std::vector<condition> children) {
  condition c;
  c.node = node;
  c.children = std::move(children);
  return c;
}

action make_action(std::string id, std::string to, std::vector<std::string> by) {
  action a;
  a.id = std::move(id);
  a.to = std::move(to);
  a.by = std::move(by);
  return a;
}

action with_effect(action a, action_effect effect, std::string target = {}) {
  a.effect = effect;
  a.target = std::move(target);
  return a;
}

state make_state(std::string id, std::vector<action> actions = {}) {
  state s;
  s.id = std::move(id);
  s.actions = std::move(actions);
  return s;
}

organisation fixture_org() {
  organisation org;
  org.id = "fixture_power";
  org.ladder = {{"customer_service_center", 0, false, {}},
                {"regional_account_manager", 1, true, {}},
                {"enterprise_account_manager", 2, false, {}}};
  org.teams = {{"technical_department", false, {}}, {"repair_crew", true, {}}};
  return org;
}

/// A complaint workflow with every kind of state, action, deadline, routing
/// rule and escalation rule, and text that needs escaping.
workflow fixture_workflow() {
  workflow wf;
  wf.id = "complaint";
  wf.title = R"(Complaint "handling" \ 投訴處理)";
  wf.version = 3;
  wf.effective = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
  wf.ticket_types = {"complaint"};
  wf.calendar = "office";

  state received = make_state(
      "received", {with_effect(make_action("accept", "investigating", {"csr", "regional_manager"}),
                               action_effect::none)});
  received.actions[0].claims = true;
  received.limit = parse_duration("30m");
  received.description = "Logged by the \"hotline\"";

  state investigating = make_state(
      "investigating", {with_effect(make_action("need_tech", "tech_review", {"regional_manager"}),
                                    action_effect::handoff, "technical_department"),
                        with_effect(make_action("cannot_resolve", "", {"regional_manager"}),
                                    action_effect::escalate, "next"),
                        with_effect(make_action("to_key_desk", "", {"regional_manager"}),
                                    action_effect::escalate, "enterprise_account_manager"),
                        with_effect(make_action("misrouted", "received", {"regional_manager"}),
                                    action_effect::reroute),
                        make_action("ask_documents", "waiting_customer", {"regional_manager"}),
                        make_action("log_call", "", {"regional_manager", "csr"}),
                        make_action("reply", "replied", {"regional_manager"})});
  investigating.actions[1].needs_note = true;
  investigating.actions[3].needs_note = true;
  investigating.limit = parse_duration("3bd");

  state tech_review = make_state(
      "tech_review", {with_effect(make_action("tech_done", "investigating", {"technical_engineer"}),
                                  action_effect::give_back)});
  tech_review.limit = parse_duration("2bd");

  state waiting = make_state(
      "waiting_customer", {make_action("customer_replied", "investigating", {"regional_manager"})});
  waiting.pauses_clock = true;

  state replied = make_state("replied");
  replied.terminal = true;
  replied.initial = false;

  wf.states = {received, investigating, tech_review, waiting, replied};
  wf.states[0].initial = true;
  wf.initial = 0;
  for (auto& s : wf.states)
    for (auto& a : s.actions) a.to_index = a.to.empty() ? npos : wf.state_index(a.to);

  deadline contact;
  contact.id = "contact";
  contact.cases = {{std::nullopt, *parse_duration("24h"), {}}};
  contact.until = {"investigating"};
  contact.calendar = "always";
  deadline resolve;
  resolve.id = "resolve";
  resolve.cases = {{compare("customer.importance_class", compare_op::in,
                            {std::string("special"), std::string("level1")}),
                    *parse_duration("3bd"),
                    {}},
                   {std::nullopt, *parse_duration("5bd"), {}}};
  deadline callback;
  callback.id = "callback";
  callback.from = "replied";
  callback.cases = {{std::nullopt, *parse_duration("4bh"), {}}};
  callback.until = {"replied", "received"};
  wf.deadlines = {contact, resolve, callback};

  wf.routing = {
      {"key_customer",
       {},
       combine(
           condition::kind::any,
           {compare("customer.voltage_kv", compare_op::ge, {std::int64_t{110}}, value_kind::number),
            compare("customer.capacity_kva", compare_op::ge, {20000.5}, value_kind::number)}),
       "enterprise_account_manager",
       {}},
      {"big_customer",
       {},
       combine(condition::kind::all,
               {compare("customer.industry", compare_op::eq, {std::string("steel \"works\"")},
                        value_kind::string),
                combine(condition::kind::negate, {compare("customer.high_risk", compare_op::eq,
                                                          {true}, value_kind::boolean)}),
                combine(condition::kind::any,
                        {compare("ticket.channel", compare_op::ne, {std::string("online_app")}),
                         compare("customer.load_grade", compare_op::lt, {std::int64_t{3}},
                                 value_kind::integer)})}),
       "regional_account_manager",
       {}},
      {"everyone_else", {}, std::nullopt, "customer_service_center", {}}};

  escalation_rule no_contact;
  no_contact.id = "no_contact";
  no_contact.on = trigger::breach;
  no_contact.deadline = "contact";
  no_contact.steps = {{escalation_step::kind::notify, "owner", {}},
                      {escalation_step::kind::escalate, "next", {}}};
  escalation_rule still_no_contact = no_contact;
  still_no_contact.id = "still_no_contact";
  still_no_contact.after = parse_duration("1bd");
  still_no_contact.steps = {{escalation_step::kind::escalate, "next", {}}};
  escalation_rule at_risk;
  at_risk.id = "reply_at_risk";
  at_risk.on = trigger::warning;
  at_risk.deadline = "resolve";
  at_risk.percent = 75;
  at_risk.steps = {{escalation_step::kind::notify, "assignee", {}},
                   {escalation_step::kind::handoff, "technical_department", {}}};
  escalation_rule slow;
  slow.id = "slow_step";
  slow.on = trigger::breach;
  slow.deadline = "step";
  slow.steps = {{escalation_step::kind::notify, "assignee", {}}};
  escalation_rule repeat;
  repeat.id = "repeat_complaint";
  repeat.on = trigger::open;
  repeat.when = compare("customer.complaints_last_30d", compare_op::ge, {std::int64_t{1}},
                        value_kind::integer);
  repeat.steps = {{escalation_step::kind::flag, "repeat", {}},
                  {escalation_step::kind::escalate, "enterprise_account_manager", {}}};
  escalation_rule unsatisfied;
  unsatisfied.id = "unsatisfied";
  unsatisfied.on = trigger::action;
  unsatisfied.action = "reply";
  unsatisfied.from_tiers = {"customer_service_center", "regional_account_manager"};
  unsatisfied.steps = {{escalation_step::kind::escalate, "next", {}}};
  wf.escalations = {no_contact, still_no_contact, at_risk, slow, repeat, unsatisfied};
  return wf;
}

// --- Golden files ---------------------------------------------------------------------------

bool update_mode() {
  const char* v = std::getenv("TIERFLOW_UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// "line N: expected `…`, got `…`" for the first line that differs.
std::string first_difference(const std::string& expected, const std::string& actual) {
  std::istringstream e(expected), a(actual);
  std::string le, la;
  for (int line = 1;; ++line) {
    const bool more_e = static_cast<bool>(std::getline(e, le));
    const bool more_a = static_cast<bool>(std::getline(a, la));
    if (!more_e && !more_a) return "identical lines, different line endings";
    if (!more_e) le = "(end of file)";
    if (!more_a) la = "(end of output)";
    if (le != la || !more_e || !more_a)
      return "line " + std::to_string(line) + ":\n  golden: " + le + "\n  actual: " + la;
  }
}

/// Compares `actual` with tests/data/golden/`name`, or rewrites the golden
/// in update mode.
void check_golden(const std::string& name, const std::string& actual) {
  const auto path = golden_dir / name;
  if (update_mode()) {
    std::ofstream(path, std::ios::binary) << actual;
    MESSAGE("TIERFLOW_UPDATE_GOLDEN=1: rewrote " << path.string());
    return;
  }
  REQUIRE_MESSAGE(std::filesystem::exists(path),
                  path.string() << " is missing; create it with TIERFLOW_UPDATE_GOLDEN=1");
  const std::string expected = read_file(path);
  const bool same = expected == actual;
  CHECK_MESSAGE(same, path.string() << " differs (TIERFLOW_UPDATE_GOLDEN=1 rewrites it), "
                                    << first_difference(expected, actual));
}

/// A workflow file and its organisation, loaded together and drawn; one line
/// per golden.
struct golden_source {
  const char* golden;        ///< under tests/data/golden/
  const char* organisation;  ///< relative to the source tree
  const char* workflow;      ///< relative to the source tree
};

constexpr golden_source golden_sources[] = {
    {"fixture_workflow.dot", "tests/data/org_fixture.yaml",
     "tests/data/golden/fixture_workflow.yaml"},
};

}  // namespace

// --- What each part looks like ------------------------------------------------------------------

TEST_CASE("dot.graph.named_after_workflow_and_version") {
  const std::string dot = to_dot(fixture_workflow(), fixture_org());
  CHECK(dot.rfind("digraph \"complaint v3\" {\n", 0) == 0);
  CHECK(dot.find("rankdir=LR") != std::string::npos);
  CHECK(dot.substr(dot.size() - 2) == "}\n");
}

TEST_CASE("dot.graph.is_deterministic") {
  CHECK(to_dot(fixture_workflow(), fixture_org()) == to_dot(fixture_workflow(), fixture_org()));
}

TEST_CASE("dot.states.initial_is_marked_with_a_start_point") {
  const std::string dot = to_dot(fixture_workflow(), fixture_org());
  CHECK(dot.find("\"__start\" [shape=point") != std::string::npos);
  CHECK(dot.find("\"__start\" -> \"received\";\n") != std::string::npos);
  CHECK(dot.find("\"received\" [label=\"received\\nlimit 30m\", penwidth=2, tooltip=\"Logged by "
                 "the \\\"hotline\\\"\"];") != std::string::npos);
}

TEST_CASE("dot.states.terminal_and_pausing_states") {
  const std::string dot = to_dot(fixture_workflow(), fixture_org());
  CHECK(dot.find("\"replied\" [label=\"replied\", shape=doublecircle];") != std::string::npos);
  CHECK(dot.find("\"waiting_customer\" [label=\"waiting_customer\\n(clock paused)\", "
                 "style=\"rounded,dashed\"];") != std::string::npos);
}

TEST_CASE("dot.actions.labelled_with_id_and_roles") {
  const std::string dot = to_dot(fixture_workflow(), fixture_org());
  CHECK(dot.find("\"received\" -> \"investigating\" [label=\"accept (claim)\\n[csr, "
                 "regional_manager]\"];") != std::string::npos);
}

TEST_CASE("dot.actions.each_kind_has_its_style") {
  const std::string dot = to_dot(fixture_workflow(), fixture_org());
  SUBCASE("handoff: blue, naming the team") {
    CHECK(dot.find("\"investigating\" -> \"tech_review\" [label=\"need_tech\\n[regional_manager]"
                   "\\n→ technical_department\", color=blue, fontcolor=blue];") !=
          std::string::npos);
  }
  SUBCASE("return: blue dashed") {
    CHECK(dot.find("\"tech_review\" -> \"investigating\" [label=\"tech_done\\n[technical_engineer]"
                   "\\n↩ return\", color=blue, fontcolor=blue, style=dashed];") !=
          std::string::npos);
  }
  SUBCASE("escalate: red, a self-loop when it has no `to`") {
    CHECK(dot.find("\"investigating\" -> \"investigating\" [label=\"cannot_resolve (note)\\n"
                   "[regional_manager]\\n↑ next\", color=red, fontcolor=red];") !=
          std::string::npos);
    CHECK(dot.find("\\n↑ enterprise_account_manager\", color=red") != std::string::npos);
  }
  SUBCASE("reroute: grey") {
    CHECK(dot.find("\"investigating\" -> \"received\" [label=\"misrouted (note)\\n"
                   "[regional_manager]\\n↺ reroute\", color=grey40, fontcolor=grey40];") !=
          std::string::npos);
  }
  SUBCASE("a plain action that stays put: a self-loop") {
    CHECK(dot.find("\"investigating\" -> \"investigating\" [label=\"log_call\\n[regional_manager, "
                   "csr]\"];") != std::string::npos);
  }
}

TEST_CASE("dot.notes.list_deadlines_routing_and_escalations") {
  const std::string dot = to_dot(fixture_workflow(), fixture_org());
  CHECK(dot.find("contact: 24h from open until investigating (calendar always)\\l") !=
        std::string::npos);
  CHECK(dot.find("resolve: 3bd if customer.importance_class in [special, level1], else 5bd from "
                 "open to the end\\l") != std::string::npos);
  CHECK(dot.find("everyone_else: always → customer_service_center\\l") != std::string::npos);
  CHECK(dot.find("big_customer: customer.industry == 'steel \\\"works\\\"' and not "
                 "(customer.high_risk == true) and (ticket.channel != online_app or "
                 "customer.load_grade < 3) → regional_account_manager (by region)\\l") !=
        std::string::npos);
  CHECK(dot.find("still_no_contact: on breach of contact + 1bd → escalate next\\l") !=
        std::string::npos);
  CHECK(dot.find("unsatisfied: on action reply from [customer_service_center, "
                 "regional_account_manager] → escalate next\\l") != std::string::npos);
  CHECK(dot.find("slow_step: on breach of the step limit → notify assignee\\l") !=
        std::string::npos);
}

TEST_CASE("dot.escape.quotes_and_backslashes") {
  workflow wf = fixture_workflow();
  wf.states[0].id = R"(a"b\c)";
  wf.states[0].actions[0].id = "x\ny";
  const std::string dot = to_dot(wf, fixture_org());
  CHECK(dot.find(
            R"("a\"b\\c" -> "investigating" [label="x\ny (claim)\n[csr, regional_manager]"];)") !=
        std::string::npos);
  CHECK(
      dot.find(
          R"(label="Complaint \"handling\" \\ 投訴處理\ncomplaint v3, effective 2026-01-01, calendar office")") !=
      std::string::npos);
}

TEST_CASE("dot.escape.control_characters_never_reach_the_output_raw") {
  workflow wf = fixture_workflow();
  wf.title = "red \x1b[31mALERT\x1b[0m \x7f end";
  wf.states[0].actions[0].id = "bell\a";
  const std::string dot = to_dot(wf, fixture_org());
  const auto raw = std::find_if(dot.begin(), dot.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\n') || u == 0x7f;
  });
  CHECK(raw == dot.end());
  // Shown as text instead (a DOT-quoted backslash).
  CHECK(dot.find(R"(red \\x1b[31mALERT)") != std::string::npos);
}

TEST_CASE("dot.states.without_initial_state_there_is_no_start_point") {
  workflow wf = fixture_workflow();
  wf.initial = npos;
  CHECK(to_dot(wf, fixture_org()).find("__start") == std::string::npos);
}

// --- Golden files
// -----------------------------------------------------------------------------------

TEST_CASE("dot.golden.fixture_built_in_code") {
  check_golden("fixture_code.dot", to_dot(fixture_workflow(), fixture_org()));
}

TEST_CASE("dot.golden.workflow_files") {
  for (const golden_source& g : golden_sources) {
    CAPTURE(g.workflow);
    diagnostics diags;
    std::vector<source_file> sources;
    for (const char* file : {g.organisation, g.workflow})
      sources.push_back({file, read_file(source_dir / file)});
    const catalog cat = load_catalog(sources, diags);
    INFO(diags.str());
    REQUIRE(!diags.has_errors());
    REQUIRE(cat.workflows.size() == 1);
    check_golden(g.golden, to_dot(cat.workflows.front(), cat.org));
  }
}
