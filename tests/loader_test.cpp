// SPDX-License-Identifier: MIT
// The loader: YAML definitions to a catalog, with every problem reported as
// a GNU-style diagnostic. The one-mistake-per-file cases live in the
// bad-file corpus (bad_corpus_test.cpp); these are the rest.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <sys/stat.h>

#include <doctest/doctest.h>

#include <tierflow/loader.hpp>

#include "language/load_yaml.hpp"
#include "language/messages.hpp"
#include "text/number.hpp"
#include "text/suggest.hpp"

#include "support/scratch_db.hpp"

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
using namespace std::chrono;
using namespace std::string_literals;
using tierflow::source_file;
namespace msg = tierflow::detail::msg;

const std::string fixture_name = "tests/data/org_fixture.yaml";

std::string read_fixture() {
  std::ifstream in(fs::path(TIERFLOW_SOURCE_DIR) / fixture_name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct loaded {
  tierflow::catalog cat;
  tierflow::diagnostics diags;
};

loaded load(const std::vector<source_file>& sources, const tierflow::load_limits& limits = {}) {
  loaded out;
  out.cat = tierflow::load_catalog(sources, out.diags, limits);
  return out;
}

/// The fixture organisation plus one workflow text named "wf.yaml".
loaded load_workflow(std::string text, const tierflow::load_limits& limits = {}) {
  return load({{fixture_name, read_fixture()}, {"wf.yaml", std::move(text)}}, limits);
}

/// The fixture organisation with `region` required, plus one workflow text:
/// the workflows below route and escalate into the region-split tier, which
/// the validator allows only when every ticket has a region. Same lines as
/// the fixture, so positions in it do not move.
loaded load_with_regions(std::string text) {
  std::string org = read_fixture();
  const std::string_view from = "  region: region\n";
  const auto at = org.find(from);
  REQUIRE(at != std::string::npos);
  org.replace(at, from.size(), "  region: { type: region, required: true }\n");
  return load({{fixture_name, std::move(org)}, {"wf.yaml", std::move(text)}});
}

std::vector<std::string> lines(const tierflow::diagnostics& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags.items()) out.push_back(d.str());
  return out;
}

/// A header every workflow below shares: the fixture's names, serving the
/// type its derived attribute counts.
const std::string head =
    "workflow: complaint\n"
    "version: 1\n"
    "effective: 2026-01-01\n"
    "ticket_types: [complaint]\n"
    "calendar: office\n";

const std::string two_states =
    "states:\n"
    "  received:\n"
    "    initial: true\n"
    "    actions:\n"
    "      reply: { to: replied, by: [csr] }\n"
    "  replied:\n"
    "    terminal: true\n";

const std::string catch_all =
    "routing:\n"
    "  - id: everyone\n"
    "    assign: customer_service_center\n";

/// A workflow that uses every construct of the language.
const std::string complete_workflow = R"(workflow: complaint
title: "Complaint handling"
version: 3
effective: 2026-01-01
ticket_types: [complaint, opinion]
calendar: office
fields:
  complaint_class: { type: enum, values: [service, business, outage] }
  skip_level_risk: bool
  amount: { type: number, min: 0 }
deadlines:
  contact: { within: 24h, until: [investigating] }
  reply: { within: 4bd, from: investigating, until: [replied, closed] }
  resolve: 5bd
  arrival:
    until: [investigating]
    calendar: always
    cases:
      - when: { customer.area_type: urban }
        within: 45m
      - within: 120m
states:
  received:
    initial: true
    limit: 30m
    description: "just in"
    actions:
      accept: { to: investigating, by: [csr, regional_manager], claim: true }
  investigating:
    actions:
      need_tech: { to: tech_review, by: [regional_manager], handoff: technical_department }
      cannot_resolve: { by: [regional_manager], escalate: next, note: true }
      misrouted: { to: received, by: [regional_manager], reroute: true, note: true }
      wait: { to: waiting_customer, by: [regional_manager] }
      reply: { to: replied, by: [regional_manager] }
  tech_review:
    actions:
      tech_done: { to: investigating, by: [technical_engineer], return: true }
  waiting_customer:
    pauses_clock: true
    actions:
      customer_replied: { to: investigating, by: [regional_manager] }
  replied:
    actions:
      close: { to: closed, by: [csr] }
  closed:
    terminal: true
routing:
  - id: key_customer
    when: { customer.importance_class: { in: [special, level1] } }
    assign: enterprise_account_manager
  - id: big_customer
    when:
      any:
        - customer.voltage_kv: { ge: 110 }
        - customer.capacity_kva: { ge: 315, lt: 20000 }
        - all:
            - ticket.channel: hotline_95598
            - not: { customer.high_risk: true }
            - customer.load_grade: { in: [1, 2] }
            - ticket.complaint_class: { ne: service }
            - ticket.amount: { gt: 0.38 }
            - customer.industry: steel
    assign: regional_account_manager
  - id: everyone
    assign: customer_service_center
escalations:
  - id: no_contact
    on: breach
    deadline: contact
    do: [{ notify: owner }, { escalate: next }]
  - id: still_no_contact
    on: breach
    deadline: contact
    after: 1bd
    do: [{ escalate: hq_key_account_desk }]
  - id: reply_at_risk
    on: warning
    deadline: reply
    at: 75%
    do: [{ notify: assignee }, { notify: task_dispatcher }, { notify: dispatcher }]
  - id: slow_step
    on: breach
    deadline: step
    do: [{ handoff: task_dispatcher }]
  - id: repeat_complaint
    on: open
    when: { customer.complaints_last_30d: { ge: 1 } }
    do: [{ flag: repeat }, { escalate: enterprise_account_manager }]
  - id: unsatisfied
    on: action
    action: cannot_resolve
    from: [customer_service_center, regional_account_manager]
    do: [{ escalate: next }]
)";

const tierflow::condition& child(const tierflow::condition& c, std::size_t i) {
  REQUIRE(i < c.children.size());
  return c.children[i];
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

// --- The happy path -----------------------------------------------------------------------

TEST_CASE("loader.organisation.loads_the_fixture") {
  const auto r = load({{fixture_name, read_fixture()}});
  REQUIRE_MESSAGE(r.diags.empty(), r.diags.str());
  const tierflow::organisation& org = r.cat.org;
  CHECK(org.id == "test_power");
  CHECK(org.where == tierflow::source_pos{fixture_name, 4, 1});
  CHECK(org.utc_offset == minutes{8 * 60});

  REQUIRE(org.ladder.size() == 4);
  for (std::size_t i = 0; i < org.ladder.size(); ++i) CHECK(org.ladder[i].level == i);
  CHECK(org.ladder[0].id == "customer_service_center");
  CHECK_FALSE(org.ladder[0].by_region);
  CHECK(org.ladder[1].by_region);
  CHECK(org.find_team("repair_crew")->by_region);
  CHECK_FALSE(org.find_team("metering_team")->by_region);
  CHECK(org.regions.size() == 3);
  CHECK(org.channels.size() == 3);
  CHECK(org.find_role("technical_engineer")->unit == "technical_department");
  CHECK(org.roles.size() == 8);

  const tierflow::calendar* office = org.find_calendar("office");
  REQUIRE(office != nullptr);
  CHECK_FALSE(office->always_open);
  CHECK(office->utc_offset == minutes{8 * 60});
  const std::vector<tierflow::time_span> split{{8 * 60 + 30, 12 * 60},
                                               {13 * 60 + 30, 17 * 60 + 30}};
  for (std::size_t d = 0; d < 5; ++d) CHECK(office->week[d] == split);
  CHECK(office->week[5].empty());
  CHECK(office->week[6].empty());
  // 3 + 9 + 1 holidays, expanded and sorted.
  REQUIRE(office->holidays.size() == 13);
  CHECK(office->holidays.front() == sys_days{2026y / January / 1});
  CHECK(office->holidays.back() == sys_days{2026y / May / 1});
  CHECK(std::is_sorted(office->holidays.begin(), office->holidays.end()));
  CHECK(office->workdays == std::vector<sys_days>{sys_days{2026y / January / 4},
                                                  sys_days{2026y / February / 14},
                                                  sys_days{2026y / February / 28}});
  CHECK(office->makeup_weekday == 0);
  CHECK(org.find_calendar("always")->always_open);

  CHECK(org.customer_attributes.size() == 10);
  const auto* region = org.find_customer_attribute("region");
  REQUIRE(region != nullptr);
  CHECK(region->type.kind == tierflow::value_kind::enumeration);
  CHECK(region->type.values == std::vector<std::string>{"gusu", "wuzhong", "xiangcheng"});
  CHECK(org.find_customer_attribute("preferred_channel")->type.values.size() == 3);
  const auto* grade = org.find_customer_attribute("load_grade");
  CHECK(grade->type.kind == tierflow::value_kind::integer);
  CHECK(grade->type.min == 1.0);
  CHECK(grade->type.max == 3.0);
  CHECK(org.find_customer_attribute("area_type")->description == "where the supply point is");
  const auto* repeat = org.find_customer_attribute("complaints_last_30d");
  REQUIRE(repeat->derived.has_value());
  CHECK(repeat->derived->count_type == "complaint");
  CHECK(repeat->derived->within == tierflow::duration{30, tierflow::time_unit::days});
}

TEST_CASE("loader.workflow.loads_every_construct_with_indices_resolved") {
  const auto r = load_with_regions(complete_workflow);
  REQUIRE_MESSAGE(r.diags.empty(), r.diags.str());
  REQUIRE(r.cat.workflows.size() == 1);
  const tierflow::workflow& wf = r.cat.workflows.front();
  CHECK(wf.id == "complaint");
  CHECK(wf.where == tierflow::source_pos{"wf.yaml", 1, 1});
  CHECK(wf.title == "Complaint handling");
  CHECK(wf.version == 3);
  CHECK(wf.effective == sys_days{2026y / January / 1});
  CHECK(wf.ticket_types == std::vector<std::string>{"complaint", "opinion"});
  CHECK(wf.calendar == "office");
  REQUIRE(wf.fields.size() == 3);
  CHECK(wf.fields[0].type.values.size() == 3);
  CHECK(wf.fields[2].type.min == 0.0);

  REQUIRE(wf.states.size() == 6);
  CHECK(wf.initial == 0);
  CHECK(wf.states[0].limit == tierflow::duration{30, tierflow::time_unit::minutes});
  CHECK(wf.states[0].description == "just in");
  CHECK(wf.states[3].pauses_clock);
  CHECK(wf.states[5].terminal);
  const auto& accept = wf.states[0].actions.at(0);
  CHECK(accept.to_index == 1);
  CHECK(accept.claims);
  CHECK(accept.by == std::vector<std::string>{"csr", "regional_manager"});
  CHECK(accept.where == tierflow::source_pos{"wf.yaml", 28, 7});
  const auto& actions = wf.states[1].actions;
  REQUIRE(actions.size() == 5);
  CHECK(actions[0].effect == tierflow::action_effect::handoff);
  CHECK(actions[0].target == "technical_department");
  CHECK(actions[0].to_index == 2);
  CHECK(actions[1].effect == tierflow::action_effect::escalate);
  CHECK(actions[1].target == "next");
  CHECK(actions[1].to.empty());
  CHECK(actions[1].to_index == tierflow::npos);
  CHECK(actions[1].needs_note);
  CHECK(actions[2].effect == tierflow::action_effect::reroute);
  CHECK(actions[3].to_index == 3);  // a state declared after the action
  CHECK(wf.states[2].actions.at(0).effect == tierflow::action_effect::give_back);

  REQUIRE(wf.deadlines.size() == 4);
  const auto* reply = wf.find_deadline("reply");
  REQUIRE(reply != nullptr);
  CHECK(reply->from_index == 1);
  CHECK(reply->until_index == std::vector<std::size_t>{4, 5});
  CHECK(reply->cases.size() == 1);
  CHECK(reply->cases[0].within == tierflow::duration{4, tierflow::time_unit::business_days});
  const auto* resolve = wf.find_deadline("resolve");
  CHECK(resolve->until.empty());
  CHECK(resolve->from_index == tierflow::npos);
  CHECK(resolve->cases.at(0).within == tierflow::duration{5, tierflow::time_unit::business_days});
  const auto* arrival = wf.find_deadline("arrival");
  CHECK(arrival->calendar == "always");
  REQUIRE(arrival->cases.size() == 2);
  CHECK(arrival->cases[0].when.has_value());
  CHECK_FALSE(arrival->cases[1].when.has_value());
  CHECK(arrival->cases[1].within.amount == 120);

  REQUIRE(wf.routing.size() == 3);
  CHECK(wf.routing[0].id == "key_customer");
  CHECK(wf.routing[0].assign_where == tierflow::source_pos{"wf.yaml", 51, 13});
  CHECK(wf.routing[1].when.has_value());
  CHECK_FALSE(wf.routing[2].when.has_value());

  REQUIRE(wf.escalations.size() == 6);
  const auto& e = wf.escalations;
  CHECK(e[0].on == tierflow::trigger::breach);
  CHECK(e[0].deadline == "contact");
  REQUIRE(e[0].steps.size() == 2);
  CHECK(e[0].steps[0].what == tierflow::escalation_step::kind::notify);
  CHECK(e[0].steps[0].target == "owner");
  CHECK(e[0].steps[1].what == tierflow::escalation_step::kind::escalate);
  CHECK(e[1].after == tierflow::duration{1, tierflow::time_unit::business_days});
  CHECK(e[2].on == tierflow::trigger::warning);
  CHECK(e[2].percent == 75);
  CHECK(e[3].deadline == "step");
  CHECK(e[3].steps.at(0).what == tierflow::escalation_step::kind::handoff);
  CHECK(e[4].on == tierflow::trigger::open);
  CHECK(e[4].when.has_value());
  CHECK(e[4].steps.at(0).what == tierflow::escalation_step::kind::flag);
  CHECK(e[5].on == tierflow::trigger::action);
  CHECK(e[5].action == "cannot_resolve");
  CHECK(e[5].from_tiers.size() == 2);
}

TEST_CASE("loader.conditions.converts_operands_to_field_type") {
  const auto r = load_with_regions(complete_workflow);
  REQUIRE_MESSAGE(r.diags.empty(), r.diags.str());
  const auto& routing = r.cat.workflows.at(0).routing;
  using tierflow::compare_op;
  using tierflow::condition;
  using tierflow::value_kind;

  const condition& key = *routing[0].when;
  CHECK(key.node == condition::kind::compare);
  CHECK(key.field == "customer.importance_class");
  CHECK(key.op == compare_op::in);
  CHECK(key.field_kind == value_kind::enumeration);
  CHECK(key.operands == std::vector<tierflow::value>{"special"s, "level1"s});
  CHECK(key.where == tierflow::source_pos{"wf.yaml", 50, 13});

  const condition& big = *routing[1].when;
  CHECK(big.node == condition::kind::any);
  REQUIRE(big.children.size() == 3);
  const condition& voltage = child(big, 0);
  CHECK(voltage.field_kind == value_kind::number);
  CHECK(voltage.op == compare_op::ge);
  // A plain 110 against a number field is held as a double.
  REQUIRE(std::holds_alternative<double>(voltage.operands.at(0)));
  CHECK(std::get<double>(voltage.operands[0]) == 110.0);
  // Two operators on one field: both must hold.
  const condition& capacity = child(big, 1);
  CHECK(capacity.node == condition::kind::all);
  CHECK(child(capacity, 0).op == compare_op::ge);
  CHECK(child(capacity, 1).op == compare_op::lt);
  CHECK(std::get<double>(child(capacity, 1).operands.at(0)) == 20000.0);

  const condition& inner = child(big, 2);
  CHECK(inner.node == condition::kind::all);
  REQUIRE(inner.children.size() == 6);
  CHECK(child(inner, 0).field == "ticket.channel");
  CHECK(child(inner, 0).op == compare_op::eq);
  CHECK(child(inner, 0).operands == std::vector<tierflow::value>{"hotline_95598"s});
  const condition& negated = child(inner, 1);
  CHECK(negated.node == condition::kind::negate);
  CHECK(child(negated, 0).field_kind == value_kind::boolean);
  CHECK(child(negated, 0).operands == std::vector<tierflow::value>{true});
  const condition& grade = child(inner, 2);
  CHECK(grade.field_kind == value_kind::integer);
  CHECK(grade.operands == std::vector<tierflow::value>{std::int64_t{1}, std::int64_t{2}});
  CHECK(child(inner, 3).op == compare_op::ne);
  CHECK(child(inner, 4).operands == std::vector<tierflow::value>{0.38});
  CHECK(child(inner, 5).field_kind == value_kind::string);
  CHECK(child(inner, 5).operands == std::vector<tierflow::value>{"steel"s});

  // The converted tree evaluates as the engine will.
  const tierflow::value grade_2 = std::int64_t{2};
  const tierflow::value channel = "hotline_95598"s;
  const tierflow::value risky = false;
  const tierflow::value class_business = "business"s;
  const tierflow::value amount = 1.5;
  const tierflow::value industry = "steel"s;
  const auto lookup = [&](std::string_view field) -> const tierflow::value* {
    if (field == "customer.load_grade") return &grade_2;
    if (field == "ticket.channel") return &channel;
    if (field == "customer.high_risk") return &risky;
    if (field == "ticket.complaint_class") return &class_business;
    if (field == "ticket.amount") return &amount;
    if (field == "customer.industry") return &industry;
    return nullptr;
  };
  CHECK(tierflow::evaluate(big, lookup));
  CHECK_FALSE(tierflow::evaluate(key, lookup));
}

TEST_CASE("loader.conditions.quoted_scalars_are_strings") {
  const auto r =
      load_workflow(head + two_states +
                    "routing:\n"
                    "  - id: a\n"
                    "    when: { customer.capacity_kva: \"315\", customer.high_risk: \"true\","
                    " customer.industry: 315, customer.importance_class: \"level1\" }\n"
                    "    assign: customer_service_center\n"
                    "  - id: b\n"
                    "    assign: customer_service_center\n");
  CHECK(lines(r.diags) ==
        std::vector<std::string>{
            "wf.yaml:15:36: error: type mismatch: 'customer.capacity_kva' is number, got \"315\"",
            "wf.yaml:15:63: error: type mismatch: 'customer.high_risk' is bool, got \"true\"",
        });
}

TEST_CASE("loader.conditions.ticket_type_is_an_enum_of_the_ticket_types") {
  const auto r = load_workflow(head + two_states +
                               "routing:\n"
                               "  - id: a\n"
                               "    when: { ticket.type: complaint }\n"
                               "    assign: customer_service_center\n"
                               "  - id: b\n"
                               "    when: { ticket.type: complain }\n"
                               "    assign: customer_service_center\n"
                               "  - id: c\n"
                               "    assign: customer_service_center\n");
  // ticket.type = complaint covers every type this workflow serves.
  const auto v = lines(r.diags);
  REQUIRE(v.size() == 3);
  CHECK(
      v[0] ==
      "wf.yaml:17:5: warning: routing rule 'b' can never match: rule 'a' before it always matches");
  CHECK(v[1] ==
        "wf.yaml:18:26: error: 'complain' is not a value of 'ticket.type' (did you mean "
        "'complaint'?)");
  CHECK(
      v[2] ==
      "wf.yaml:20:5: warning: routing rule 'c' can never match: rule 'a' before it always matches");
}

TEST_CASE("loader.conditions.ticket_times_counts_an_action") {
  const auto r = load_with_regions(head +
                               "states:\n"
                               "  received:\n"
                               "    initial: true\n"
                               "    actions:\n"
                               "      urge: { by: [csr] }\n"
                               "      reply: { to: replied, by: [csr] }\n"
                               "  replied:\n"
                               "    terminal: true\n" +
                               catch_all +
                               "escalations:\n"
                               "  - id: urged_again\n"
                               "    on: action\n"
                               "    action: urge\n"
                               "    when: { ticket.times.urge: { ge: 2 } }\n"
                               "    do: [{ escalate: next }]\n");
  REQUIRE_MESSAGE(r.diags.empty(), r.diags.str());
  const auto& rule = r.cat.workflows.at(0).escalations.at(0);
  REQUIRE(rule.when.has_value());
  const tierflow::condition& c = *rule.when;
  CHECK(c.node == tierflow::condition::kind::compare);
  CHECK(c.field == "ticket.times.urge");
  CHECK(c.field_kind == tierflow::value_kind::integer);
  CHECK(c.op == tierflow::compare_op::ge);
  CHECK(c.operands == std::vector<tierflow::value>{std::int64_t{2}});

  // The engine looks the count up under the dotted name.
  tierflow::value count = std::int64_t{1};
  const auto lookup = [&](std::string_view field) -> const tierflow::value* {
    return field == "ticket.times.urge" ? &count : nullptr;
  };
  CHECK_FALSE(tierflow::evaluate(c, lookup));
  count = std::int64_t{2};
  CHECK(tierflow::evaluate(c, lookup));
  count = std::int64_t{3};
  CHECK(tierflow::evaluate(c, lookup));
}

TEST_CASE("loader.conditions.folds_constant_conditions") {
  const auto rule_after = [](const std::string& condition) {
    const auto r = load_workflow(head + two_states +
                                 "routing:\n"
                                 "  - id: first\n"
                                 "    when: " +
                                 condition +
                                 "\n"
                                 "    assign: customer_service_center\n"
                                 "  - id: everyone\n"
                                 "    assign: customer_service_center\n");
    REQUIRE_MESSAGE(r.diags.error_count() == 0, r.diags.str());
    return r.diags.warning_count() == 1;
  };
  // Always true.
  CHECK(rule_after("{ all: [] }"));
  CHECK(rule_after("{}"));
  CHECK(rule_after("{ customer.area_type: { in: [urban, rural] } }"));
  CHECK(rule_after("{ any: [{ customer.high_risk: true }, { customer.high_risk: false }] }"));
  CHECK(rule_after(
      "{ any: [{ customer.area_type: urban }, { customer.area_type: { ne: urban } }] }"));
  CHECK(rule_after("{ not: { any: [] } }"));
  CHECK(rule_after("{ any: [{ customer.voltage_kv: { ge: 10 } }, { all: [] }] }"));
  // Not constant.
  CHECK_FALSE(rule_after("{ customer.area_type: urban }"));
  CHECK_FALSE(rule_after("{ customer.high_risk: true }"));
  CHECK_FALSE(rule_after("{ customer.voltage_kv: { ge: 0 } }"));
  CHECK_FALSE(rule_after("{ any: [{ customer.high_risk: true }, { customer.area_type: rural }] }"));
  CHECK_FALSE(rule_after("{ all: [{ customer.high_risk: true }, { customer.high_risk: false }] }"));
  CHECK_FALSE(rule_after("{ any: [] }"));
}

// --- Did you mean -------------------------------------------------------------------------------

TEST_CASE("loader.suggest.edit_distance_counts_swaps_as_one") {
  using tierflow::detail::edit_distance;
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("limit", "limit") == 0);
  CHECK(edit_distance("limt", "limit") == 1);
  CHECK(edit_distance("limiit", "limit") == 1);
  CHECK(edit_distance("limet", "limit") == 1);
  CHECK(edit_distance("tow", "two") == 1);
  CHECK(edit_distance("investigatng", "investigating") == 1);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("loader.suggest.picks_the_closest_within_a_third_of_the_length") {
  using tierflow::detail::closest;
  using tierflow::detail::did_you_mean;
  const std::vector<std::string> keys{"description",  "initial", "terminal",
                                      "pauses_clock", "limit",   "actions"};
  CHECK(closest("limt", keys) == "limit");
  CHECK(closest("termnal", keys) == "terminal");
  CHECK(closest("colour", keys).empty());
  CHECK(closest("limit", keys).empty());  // not a typo
  // Short words allow one edit; "lt" -> "limit" is too far.
  CHECK(closest("lt", keys).empty());
  // Ties go to the alphabetically first, whatever the order given.
  CHECK(closest("bat", std::vector<std::string>{"cat", "bar"}) == "bar");
  CHECK(closest("bat", std::vector<std::string>{"bar", "cat"}) == "bar");
  CHECK(did_you_mean("gte", std::vector<std::string>{"eq", "ge", "gt"}) == " (did you mean 'ge'?)");
  CHECK(did_you_mean("xyz", std::vector<std::string>{"eq"}).empty());
}

// --- Limits -----------------------------------------------------------------------------------

TEST_CASE("loader.limits.flow_depth_is_scanned_outside_quotes_and_comments") {
  using tierflow::detail::find_flow_too_deep;
  CHECK_FALSE(find_flow_too_deep("a: [[1], {b: [2]}]\n", 3));
  const auto deep = find_flow_too_deep("a: 1\nb: [[[[x]]]]\n", 3);
  REQUIRE(deep.has_value());
  CHECK(deep->line == 2);
  CHECK(deep->column == 7);
  CHECK_FALSE(find_flow_too_deep("a: \"[[[[[\"\nb: '{{{{{' # [[[[[\n# {{{{{{\n", 3));
  CHECK_FALSE(find_flow_too_deep("a: 'it''s [[[[['\n", 3));
  CHECK_FALSE(find_flow_too_deep("a: \"\\\"[[[[[\"\n", 3));
  // An apostrophe inside a word does not open a quote.
  CHECK(find_flow_too_deep("a: customer's [[[[\n", 3).has_value());
}

TEST_CASE("loader.limits.each_limit_refuses_the_file") {
  tierflow::load_limits limits;
  limits.max_file_bytes = 40;
  auto r = load({{"big.yaml", std::string(41, '#')}}, limits);
  CHECK(lines(r.diags) == std::vector<std::string>{"big.yaml: error: " + msg::file_too_large(40)});

  limits = {};
  limits.max_depth = 2;
  r = load({{"deep.yaml", "organisation: x\nladder:\n  - a: 1\n"}}, limits);
  CHECK(lines(r.diags) == std::vector<std::string>{"deep.yaml:3:5: error: " + msg::too_deep(2)});

  limits = {};
  limits.max_aliases = 2;
  r = load({{"alias.yaml", "organisation: &o x\nteams: [*o, *o, *o]\n"}}, limits);
  CHECK(lines(r.diags) ==
        std::vector<std::string>{"alias.yaml:2:17: error: " + msg::too_many_aliases(2)});

  limits = {};
  limits.max_nodes = 10;
  r = load({{"nodes.yaml", "organisation: x\nteams: &t [a, b, c]\nregions: [*t, *t]\n"}}, limits);
  CHECK(lines(r.diags) ==
        std::vector<std::string>{"nodes.yaml:3:11: error: " + msg::too_many_nodes(10)});
  CHECK(r.cat.org.id.empty());  // nothing of a refused file is loaded
}

TEST_CASE("loader.limits.defaults_accept_the_fixture_and_a_real_workflow") {
  const auto r = load_with_regions(complete_workflow);
  CHECK(r.diags.empty());
}

// --- Reading files ----------------------------------------------------------------------------

TEST_CASE("loader.read_sources.reads_yaml_files_of_a_directory_in_name_order") {
  const tierflow_test::temp_dir scratch("tierflow_loader_read_sources");
  const fs::path dir = scratch.path();
  write_file(dir / "b.yaml", "b: 1\n");
  write_file(dir / "a.yml", "a: 1\n");
  write_file(dir / "c.txt", "not yaml\n");
  fs::create_directories(dir / "sub");
  write_file(dir / "sub" / "d.yaml", "d: 1\n");

  tierflow::diagnostics diags;
  const auto sources = tierflow::read_sources({dir.string()}, diags);
  CHECK(diags.empty());
  REQUIRE(sources.size() == 2);
  CHECK(sources[0].name == (dir / "a.yml").string());
  CHECK(sources[0].text == "a: 1\n");
  CHECK(sources[1].name == (dir / "b.yaml").string());

  // A file named directly is read whatever its extension.
  const auto one = tierflow::read_sources({(dir / "c.txt").string()}, diags);
  CHECK(one.size() == 1);
}

TEST_CASE("loader.read_sources.reports_unreadable_and_oversized_files") {
  const tierflow_test::temp_dir scratch("tierflow_loader_unreadable");
  const fs::path dir = scratch.path();
  write_file(dir / "big.yaml", std::string(100, '#'));
  const std::string missing = (dir / "missing.yaml").string();
  tierflow::diagnostics diags;
  tierflow::load_limits limits;
  limits.max_file_bytes = 99;
  const auto sources = tierflow::read_sources({missing, dir.string()}, diags, limits);
  CHECK(sources.empty());
  CHECK(lines(diags) == std::vector<std::string>{
                            missing + ": error: cannot read file: no such file or directory",
                            (dir / "big.yaml").string() + ": error: " + msg::file_too_large(99),
                        });
}

TEST_CASE("loader.load_catalog_files.returns_the_catalog_or_the_first_error") {
  const tierflow_test::temp_dir scratch("tierflow_loader_load_files");
  const fs::path dir = scratch.path();
  const fs::path org = fs::path(TIERFLOW_SOURCE_DIR) / fixture_name;
  write_file(dir / "complaint.yaml", head + two_states + catch_all);
  {
    tierflow::diagnostics diags;
    const auto cat = tierflow::load_catalog_files({org.string(), dir.string()}, diags);
    REQUIRE_MESSAGE(cat.has_value(), diags.str());
    CHECK(cat->workflows.size() == 1);
  }
  {
    tierflow::diagnostics diags;
    write_file(dir / "broken.yaml", head + "states: 3\n" + catch_all);
    const auto cat = tierflow::load_catalog_files({org.string(), dir.string()}, diags);
    REQUIRE_FALSE(cat.has_value());
    CHECK(cat.error().code() == tierflow::errc::invalid_definition);
    CHECK(cat.error().message() ==
          (dir / "broken.yaml").string() + ":6:9: error: 'states' must be a mapping, not a scalar");
    fs::remove(dir / "broken.yaml");
  }
  {
    tierflow::diagnostics diags;
    const auto cat = tierflow::load_catalog_files({(dir / "nope.yaml").string()}, diags);
    REQUIRE_FALSE(cat.has_value());
    CHECK(cat.error().code() == tierflow::errc::io_error);
  }
  {
    tierflow::diagnostics diags;
    tierflow::load_limits limits;
    limits.max_aliases = 0;
    write_file(dir / "alias.yaml", "workflow: &w complaint\ntitle: *w\n");
    const auto cat = tierflow::load_catalog_files({org.string(), dir.string()}, diags, limits);
    REQUIRE_FALSE(cat.has_value());
    CHECK(cat.error().code() == tierflow::errc::limit_exceeded);
  }
}

// --- Diagnostics ------------------------------------------------------------------------------

TEST_CASE("loader.diagnostics.positions_are_one_based") {
  const auto r = load_workflow("workflow: complaint\nversoin: 1\n");
  const auto v = lines(r.diags);
  REQUIRE(!v.empty());
  CHECK(v[0] == "wf.yaml:1:1: error: missing required key 'version'");
  CHECK(v.back() == "wf.yaml:2:1: error: unknown key 'versoin' (did you mean 'version'?)");
  const auto syntax = load_workflow("workflow: [a\n");
  CHECK(lines(syntax.diags) ==
        std::vector<std::string>{
            "wf.yaml:2:1: error: yaml syntax error: end of sequence flow not found"});
}

TEST_CASE("loader.diagnostics.reports_every_problem_of_every_file") {
  const auto r = load({{fixture_name, read_fixture()},
                       {"a.yaml", head + "states: []\nrouting: []\n"},
                       {"b.yaml",
                        "workflow: other\nversion: x\neffective: 2026-01-01\n"
                        "ticket_types: [complaint]\ncalendar: office\n" +
                            two_states + "routing:\n  - { id: r, assign: nobody }\n"},
                       {"c.yaml", "workflow: [\n"}});
  CHECK(lines(r.diags) ==
        std::vector<std::string>{
            "a.yaml:6:9: error: 'states' must be a mapping, not a list",
            "a.yaml:7:10: error: 'routing' must not be empty",
            "b.yaml:2:10: error: invalid version 'x': expected a positive integer",
            "b.yaml:14:22: error: unknown tier or team 'nobody'",
            "c.yaml:2:1: error: yaml syntax error: end of sequence flow not found",
        });
}

TEST_CASE("loader.diagnostics.duplicate_keys_are_reported_at_the_second") {
  const auto r = load_workflow(head + two_states + catch_all + "title: a\ntitle: b\n");
  CHECK(lines(r.diags) == std::vector<std::string>{"wf.yaml:17:1: error: duplicate key 'title'"});
  REQUIRE(r.cat.workflows.size() == 1);
  CHECK(r.cat.workflows[0].title == "a");
}

TEST_CASE("loader.diagnostics.never_throw_on_garbage") {
  for (const std::string text :
       {"\t\x01\x02\xff", "---\n...\n", "- [\n", "? [a]\n: b\n", "workflow: *undefined\n",
        "organisation: {a: &x b, c: *x}\n", "\xef\xbb\xbfworkflow: x\n"}) {
    CAPTURE(text);
    tierflow::diagnostics diags;
    CHECK_NOTHROW((void)tierflow::load_catalog({{"g.yaml", text}}, diags));
    CHECK(diags.has_errors());
  }
}

// --- The catalog ------------------------------------------------------------------------------

TEST_CASE("loader.catalog.exactly_one_organisation") {
  auto r = load({{"wf.yaml", head + two_states + catch_all}});
  CHECK(lines(r.diags) == std::vector<std::string>{"error: " + msg::no_organisation()});
  // Without an organisation, names from it are not reported as unknown.
  CHECK(r.cat.workflows.size() == 1);

  r = load({{fixture_name, read_fixture()}, {"second.yaml", read_fixture()}});
  CHECK(lines(r.diags) == std::vector<std::string>{
                              "second.yaml:4:1: error: more than one organisation file (the first "
                              "is at tests/data/org_fixture.yaml:4:1)"});
  CHECK(r.cat.org.id == "test_power");

  // A file that does not parse may be the organisation: no second error.
  r = load({{"org.yaml", "organisation: [\n"}, {"wf.yaml", head + two_states + catch_all}});
  CHECK(r.diags.size() == 1);
}

TEST_CASE("loader.catalog.workflow_versions_are_unique") {
  const std::string wf = head + two_states + catch_all;
  auto r = load({{fixture_name, read_fixture()}, {"a.yaml", wf}, {"b.yaml", wf}});
  CHECK(lines(r.diags) ==
        std::vector<std::string>{
            "b.yaml:1:1: error: workflow 'complaint' version 1 is already defined at a.yaml:1:1"});

  // Another id of the same version serving the same type: ambiguous.
  std::string other = wf;
  other.replace(0, std::string("workflow: complaint").size(), "workflow: complaint_pilot");
  other.replace(other.find("2026-01-01"), 10, "2026-06-01");
  r = load({{fixture_name, read_fixture()}, {"a.yaml", wf}, {"b.yaml", other}});
  CHECK(lines(r.diags) == std::vector<std::string>{"b.yaml:1:1: error: " +
                                                   msg::ambiguous_ticket_type(
                                                       "complaint", "complaint", 1, "2026-01-01")});

  // A new version is fine.
  std::string v2 = wf;
  v2.replace(v2.find("version: 1"), 10, "version: 2");
  r = load({{fixture_name, read_fixture()}, {"a.yaml", wf}, {"b.yaml", v2}});
  CHECK(r.diags.empty());
  CHECK(r.cat.workflow_for("complaint", sys_days{2026y / March / 1})->version == 2);
}

TEST_CASE("loader.catalog.derived_attributes_count_a_served_type") {
  std::string wf = head + two_states + catch_all;
  wf.replace(wf.find("[complaint]"), 11, "[inquiry]");
  auto r = load({{fixture_name, read_fixture()}, {"wf.yaml", wf}});
  CHECK(lines(r.diags) ==
        std::vector<std::string>{
            "tests/data/org_fixture.yaml:43:3: warning: derived attribute "
            "'customer.complaints_last_30d' counts 'complaint', which no workflow serves"});
  // Without workflows there is nothing to check against.
  r = load({{fixture_name, read_fixture()}});
  CHECK(r.diags.empty());
}

TEST_CASE("loader.catalog.graph_checks_run_only_on_a_clean_load") {
  const std::string dead_end =
      "states:\n"
      "  received:\n"
      "    initial: true\n"
      "    actions:\n"
      "      reply: { to: replied, by: [csr] }\n"
      "      park: { to: parked, by: [csr] }\n"
      "  parked: {}\n"
      "  replied:\n"
      "    terminal: true\n";
  auto r = load_workflow(head + dead_end + catch_all);
  REQUIRE(r.diags.error_count() == 1);
  CHECK(r.diags.items()[0].where == tierflow::source_pos{"wf.yaml", 12, 3});
  // With a load error elsewhere, the graph checks do not run.
  r = load_workflow(head + dead_end + catch_all + "colour: red\n");
  CHECK(lines(r.diags) == std::vector<std::string>{"wf.yaml:18:1: error: unknown key 'colour'"});
}

TEST_CASE("loader.references.escalation_from_names_tiers") {
  const auto r = load_workflow(head + two_states + catch_all +
                               "escalations:\n"
                               "  - id: up\n"
                               "    on: open\n"
                               "    from: [regional_acount_manager, repair_crew]\n"
                               "    do: [{ escalate: next }]\n");
  CHECK(lines(r.diags) == std::vector<std::string>{
                              "wf.yaml:19:12: error: unknown tier 'regional_acount_manager' (did "
                              "you mean 'regional_account_manager'?)",
                              "wf.yaml:19:37: error: unknown tier 'repair_crew'",
                          });
}

// --- Content fingerprints -----------------------------------------------------------------------

namespace {

/// The fingerprint of the one workflow `text` loads to, after checking it
/// loaded cleanly.
std::string fingerprint_of(const std::string& text) {
  const auto r = load_with_regions(text);
  REQUIRE_MESSAGE(!r.diags.has_errors(), r.diags.str());
  REQUIRE(r.cat.workflows.size() == 1);
  return r.cat.workflows[0].fingerprint;
}

/// `text` with the first `from` replaced by `to` (which must be there).
std::string edited(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  text.replace(at, from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("loader.fingerprint.is_64_lowercase_hex_and_stable_across_loads") {
  const std::string first = fingerprint_of(complete_workflow);
  CHECK(first.size() == 64);
  CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(fingerprint_of(complete_workflow) == first);
  // Another workflow has another fingerprint.
  CHECK(fingerprint_of(head + two_states + catch_all) != first);
}

TEST_CASE("loader.fingerprint.ignores_comments_whitespace_quoting_and_layout") {
  const std::string base = fingerprint_of(complete_workflow);
  SUBCASE("comments") {
    CHECK(fingerprint_of("# a header comment\n" +
                         edited(complete_workflow, "version: 3\n", "version: 3   # bumped\n")) ==
          base);
  }
  SUBCASE("white space and blank lines") {
    CHECK(fingerprint_of(edited(edited(complete_workflow, "states:\n", "\n\nstates:\n"),
                                "{ to: investigating, by: [csr, regional_manager], claim: true }",
                                "{to: investigating,   by: [ csr,regional_manager ], claim: true}")) ==
          base);
  }
  SUBCASE("CRLF line ends") {
    std::string crlf;
    for (const char c : complete_workflow) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    CHECK(fingerprint_of(crlf) == base);
  }
  SUBCASE("quoting a string") {
    std::string text = edited(complete_workflow, "title: \"Complaint handling\"",
                              "title: 'Complaint handling'");
    text = edited(text, "assign: enterprise_account_manager", "assign: \"enterprise_account_manager\"");
    CHECK(fingerprint_of(text) == base);
  }
  SUBCASE("flow and block layout") {
    CHECK(fingerprint_of(edited(complete_workflow, "ticket_types: [complaint, opinion]\n",
                                "ticket_types:\n  - complaint\n  - opinion\n")) == base);
    CHECK(fingerprint_of(edited(complete_workflow,
                                "  contact: { within: 24h, until: [investigating] }\n",
                                "  contact:\n    within: 24h\n    until:\n      - investigating\n")) ==
          base);
  }
  SUBCASE("anchors and aliases stand for what they expand to") {
    CHECK(fingerprint_of(edited(edited(complete_workflow, "calendar: office\n",
                                       "calendar: &cal office\n"),
                                "deadlines:\n", "deadlines:\n  resolve_in: { within: 1bd, calendar: *cal }\n")) ==
          fingerprint_of(edited(complete_workflow, "deadlines:\n",
                                "deadlines:\n  resolve_in: { within: 1bd, calendar: office }\n")));
  }
}

TEST_CASE("loader.fingerprint.changes_with_any_change_of_content") {
  const std::string base = fingerprint_of(complete_workflow);
  SUBCASE("renaming a state") {
    std::string text = complete_workflow;
    for (auto at = text.find("waiting_customer"); at != std::string::npos;
         at = text.find("waiting_customer"))
      text.replace(at, 16, "awaiting_reply");
    CHECK(fingerprint_of(text) != base);
  }
  SUBCASE("changing a deadline") {
    CHECK(fingerprint_of(edited(complete_workflow, "within: 24h", "within: 25h")) != base);
  }
  SUBCASE("changing a title") {
    CHECK(fingerprint_of(edited(complete_workflow, "Complaint handling", "Complaint  handling")) !=
          base);
  }
  SUBCASE("reordering the routing table") {
    const std::string key_rule =
        "  - id: key_customer\n"
        "    when: { customer.importance_class: { in: [special, level1] } }\n"
        "    assign: enterprise_account_manager\n";
    std::string text = edited(complete_workflow, key_rule, "");
    text = edited(text, "  - id: everyone\n", key_rule + "  - id: everyone\n");
    CHECK(fingerprint_of(text) != base);
  }
  SUBCASE("a number written as a string is another value") {
    // Quoted, 0.38 would not load as a number operand; as a title word it
    // loads either way, and the two spellings still differ in meaning.
    const std::string plain = fingerprint_of(edited(complete_workflow, "description: \"just in\"",
                                                    "description: 42"));
    const std::string quoted = fingerprint_of(edited(complete_workflow, "description: \"just in\"",
                                                     "description: \"42\""));
    CHECK(plain != quoted);
  }
}

TEST_CASE("loader.fingerprint.canonical_form_is_unambiguous") {
  namespace d = tierflow::detail;
  tierflow::diagnostics diags;
  const auto tree = [&](std::string_view text) {
    auto t = d::read_yaml("x.yaml", text, {}, diags);
    REQUIRE(t.has_value());
    return d::canonical_form(*t);
  };
  CHECK(tree("a: [b, c]\n") == "tierflow-canonical-1\n{1:s1:a[2:s1:bs1:c]}");
  CHECK(tree("a: 'b'\nn: 315\nq: '315'\ne:\n") ==
        "tierflow-canonical-1\n{4:s1:as1:bs1:nn3:315s1:qs3:315s1:e~}");
  // A scalar holding the form's own punctuation stays one scalar.
  CHECK(tree("a: '[2:s1:b'\n") != tree("a: [b]\n"));
  CHECK(diags.empty());
}

// --- Special files -----------------------------------------------------------------------------

TEST_CASE("loader.read_sources.refuses_a_fifo_unread") {
  const tierflow_test::temp_dir scratch("tierflow_loader_fifo");
  const fs::path fifo = scratch.path() / "pipe.yaml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  tierflow::diagnostics diags;
  // Opening a FIFO for reading blocks until a writer comes: a loader that
  // opened it plainly would hang here (and the test time out).
  const auto sources = tierflow::read_sources({fifo.string()}, diags);
  CHECK(sources.empty());
  CHECK(lines(diags) == std::vector<std::string>{
                            fifo.string() + ": error: cannot read file: is a FIFO, not a regular file"});
  const auto cat = tierflow::load_catalog_files({fifo.string()}, diags);
  REQUIRE_FALSE(cat.has_value());
  CHECK(cat.error().code() == tierflow::errc::io_error);
}

TEST_CASE("loader.read_sources.reports_a_fifo_inside_a_directory") {
  const tierflow_test::temp_dir scratch("tierflow_loader_fifo_dir");
  const fs::path dir = scratch.path();
  write_file(dir / "a.yaml", "a: 1\n");
  REQUIRE(::mkfifo((dir / "b.yaml").c_str(), 0600) == 0);
  write_file(dir / "c.yaml", "c: 1\n");
  tierflow::diagnostics diags;
  const auto sources = tierflow::read_sources({dir.string()}, diags);
  REQUIRE(sources.size() == 2);
  CHECK(sources[0].name == (dir / "a.yaml").string());
  CHECK(sources[1].name == (dir / "c.yaml").string());
  // Reported, not skipped: a catalog missing a file must not load quietly.
  CHECK(lines(diags) ==
        std::vector<std::string>{(dir / "b.yaml").string() +
                                 ": error: cannot read file: is a FIFO, not a regular file"});
}

TEST_CASE("loader.read_sources.refuses_devices_unread") {
  for (const std::string device : {"/dev/zero", "/dev/urandom", "/dev/null"}) {
    tierflow::diagnostics diags;
    const auto sources = tierflow::read_sources({device}, diags);
    CHECK(sources.empty());
    CHECK(lines(diags) == std::vector<std::string>{
                              device + ": error: cannot read file: is a character device, not a "
                                       "regular file"});
  }
}

// --- Numbers that are not finite -------------------------------------------------------------

TEST_CASE("loader.numbers.nan_and_infinity_are_refused_where_a_number_is_read") {
  for (const std::string spelling : {".nan", ".NaN", ".inf", "-.inf", "+.inf", "nan", "inf",
                                     "-inf", "infinity", "1e999", "-1e999"}) {
    CAPTURE(spelling);
    // A bound of a ticket field.
    auto r = load_workflow(head + "fields:\n  amount: { type: number, min: " + spelling + " }\n" +
                           two_states + catch_all);
    CHECK(lines(r.diags) ==
          std::vector<std::string>{"wf.yaml:7:32: error: invalid min '" + spelling +
                                   "': expected a number"});
    // An operand of a condition on a number (the organisation's voltage_kv).
    r = load_workflow(head + two_states +
                      "routing:\n"
                      "  - id: high\n"
                      "    when: { customer.voltage_kv: { ge: " + spelling + " } }\n"
                      "    assign: enterprise_account_manager\n" +
                      "  - id: everyone\n"
                      "    assign: customer_service_center\n");
    CHECK(lines(r.diags) ==
          std::vector<std::string>{"wf.yaml:15:40: error: type mismatch: 'customer.voltage_kv' is "
                                   "number, got '" + spelling + "'"});
    // A value in a list of an `in` test.
    r = load_workflow(head + two_states +
                      "routing:\n"
                      "  - id: high\n"
                      "    when: { customer.capacity_kva: { in: [315, " + spelling + "] } }\n"
                      "    assign: enterprise_account_manager\n" +
                      "  - id: everyone\n"
                      "    assign: customer_service_center\n");
    CHECK(lines(r.diags) ==
          std::vector<std::string>{"wf.yaml:15:48: error: type mismatch: 'customer.capacity_kva' "
                                   "is number, got '" + spelling + "'"});
    // A bound of an organisation attribute.
    std::string org = read_fixture();
    const std::string from = "capacity_kva: { type: number, min: 0 }";
    const auto at = org.find(from);
    REQUIRE(at != std::string::npos);
    org.replace(at, from.size(), "capacity_kva: { type: number, max: " + spelling + " }");
    tierflow::diagnostics diags;
    (void)tierflow::load_catalog({{fixture_name, org}}, diags);
    CHECK(lines(diags) == std::vector<std::string>{fixture_name + ":39:38: error: invalid max '" +
                                                   spelling + "': expected a number"});
  }
}

TEST_CASE("loader.numbers.parse_number_reads_finite_numbers_only") {
  using tierflow::detail::parse_number;
  CHECK(parse_number("315") == 315.0);
  CHECK(parse_number("+0.38") == 0.38);
  CHECK(parse_number("1e3") == 1000.0);
  CHECK(parse_number("-1.5e-3") == -0.0015);
  for (const char* bad : {"nan", "-nan", "NaN", "inf", "-inf", "+inf", "infinity", ".inf", ".nan",
                          "1e999", "-1e999", "1e-999", "0x10", "", "+", "++1", "1.2.3", " 1", "1 "})
    CHECK_MESSAGE(!parse_number(bad).has_value(), bad);
}
