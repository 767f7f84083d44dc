// SPDX-License-Identifier: MIT
// The scenario-file loader (tierflow/scenario.hpp): a file using every
// feature read into the exact model, and each kind of mistake reported with
// its exact message at its exact position. One mistake per file, against
// the shipped workflows, is the bad-scenario corpus
// (scenario_bad_corpus_test.cpp).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/scenario.hpp>

#include "test_support.hpp"

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
using namespace std::string_literals;
using tierflow::diagnostics;
using tierflow::source_file;
using tierflow::source_pos;
using tierflow::value;
using tierflow_test::local;
namespace tt = tierflow::testing;

const std::string file_name = "t.test.yaml";

std::optional<tt::scenario_file> load(const std::string& text, diagnostics& diags,
                                      const tierflow::load_limits& limits = {}) {
  return tt::load_scenario_file({file_name, text}, tierflow_test::shipped(), diags, limits);
}

/// The diagnostics of `text` as "LINE:COL: error: MESSAGE", in order.
std::vector<std::string> problems(const std::string& text) {
  diagnostics diags;
  const auto file = load(text, diags);
  CHECK(file.has_value() == !diags.has_errors());
  std::vector<std::string> out;
  for (const auto& d : diags.items()) {
    std::string s = d.str();
    out.push_back(s.substr(s.find(':') + 1));
  }
  return out;
}

source_pos at(std::uint32_t line, std::uint32_t column) { return {file_name, line, column}; }

/// A case head that loads cleanly; `steps` follow at line 9 (column 7 for
/// their items' keys).
const std::string head = R"(actors:
  li: { id: rm_li, roles: [regional_manager], region: wuzhong }
cases:
  - name: one
    start: 2026-03-02 09:00
    ticket:
      type: complaint
      channel: hotline_95598
      customer: { id: C1, region: wuzhong, capacity_kva: 800, voltage_kv: 10 }
    steps:
)";

std::string read_text(const std::string& relative) {
  std::ifstream in(fs::path(TIERFLOW_SOURCE_DIR) / relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every feature in one file. Line numbers matter: the test below asserts
// positions.
const std::string every_feature = R"(customers:
  big: { id: C-1001, region: wuzhong, importance_class: level2, voltage_kv: 10, capacity_kva: 800 }
actors:
  li: { id: rm_li, roles: [regional_manager], region: wuzhong }
  ann: { id: ann, roles: [csr, callback_agent] }
equivalent_mutants:
  - mutant: "complaint@1:drop_step:customer_urged#3"
    why: "the owner is the assignee in every case"
cases:
  - name: big customer
    start: 2026-03-02 09:00
    ticket:
      type: complaint
      channel: hotline_95598
      customer: { fixture: big, voltage_kv: 110, id: C-9 }
      fields: { complaint_class: service, skip_level_risk: false }
      description: "no callback"
      external_ref: "95598-1"
      opened_by: ann
    history:
      - { type: complaint, ago: 20d, closed: true }
      - { type: complaint, ago: 2h, channel: online_app, fields: { complaint_class: outage } }
    steps:
      - expect:
          state: received
          tier: enterprise_account_manager
          team: none
          queue: regional_account_manager/wuzhong
          region: wuzhong
          owner: none
          assignee: li
          rule: key_big_customer
          closed: false
          paused: false
          escalations: 2
          flags: [skip_level, repeat]
          has_flag: [repeat, overdue]
          lacks_flag: urged
          deadlines:
            contact: running
            reply: { status: running, due: 2026-03-06 09:00 }
            step: { due: "2026-03-02T01:30:00Z" }
          notified:
            - { to: tier, unit: hq_key_account_desk }
            - { to: owner, person: li, reason: contact_l4 }
          events:
            - { type: escalated, rule: repeat_complaint, to_tier: regional_account_manager }
            - { type: opened, customer.region: wuzhong }
      - act: classify
        by: li
      - act: dispatch
        by: { id: d1, roles: [dispatcher] }
        note: "to the region"
        error: permission_denied
      - advance: 2h
      - advance: 1bd
      - advance: { to: 2026-03-03 09:00 }
      - advance: { to_due: contact }
      - advance: { to_due: step, plus: 1bh }
      - expect: { notified: [], events: [] }
  - name: "{class} goes to {tier}"
    start: 2026-03-02 09:00
    ticket:
      type: complaint
      channel: hotline_95598
      customer: { fixture: big, importance_class: $class, voltage_kv: $kv }
    steps:
      - expect: { tier: $tier, escalations: $n }
    examples:
      - { name: special one, class: special, kv: 110, tier: enterprise_account_manager, n: 0 }
      - { class: level2, kv: ~, tier: regional_account_manager, n: 0 }
)";

}  // namespace

TEST_CASE("scenario_loader.every_feature.loads_into_the_exact_model") {
  diagnostics diags;
  const auto file = load(every_feature, diags);
  REQUIRE_MESSAGE(file.has_value(), diags.str());
  CHECK(diags.empty());
  CHECK(file->name == file_name);

  REQUIRE(file->equivalent.size() == 1);
  CHECK(file->equivalent[0].mutant == "complaint@1:drop_step:customer_urged#3");
  CHECK(file->equivalent[0].why == "the owner is the assignee in every case");
  CHECK(file->equivalent[0].where == at(7, 5));

  REQUIRE(file->cases.size() == 3);
  const tt::scenario& sc = file->cases[0];
  CHECK(sc.name == "big customer");
  CHECK(sc.where == at(10, 5));
  CHECK(sc.start == local(2026, 3, 2, 9, 0));

  // The ticket: the fixture with `voltage_kv` and `id` overridden.
  CHECK(sc.ticket_where == at(13, 7));
  CHECK(sc.ticket.type == "complaint");
  CHECK(sc.ticket.channel == "hotline_95598");
  CHECK(sc.ticket.customer_id == "C-9");
  CHECK(sc.ticket.customer == tierflow::attribute_values{{"region", value{"wuzhong"s}},
                                                         {"importance_class", value{"level2"s}},
                                                         {"capacity_kva", value{800.0}},
                                                         {"voltage_kv", value{110.0}}});
  CHECK(sc.ticket.fields == tierflow::attribute_values{{"complaint_class", value{"service"s}},
                                                       {"skip_level_risk", value{false}}});
  CHECK(sc.ticket.description == "no callback");
  CHECK(sc.ticket.external_ref == "95598-1");
  CHECK(sc.ticket.opened_by == "ann");

  REQUIRE(sc.history.size() == 2);
  CHECK(sc.history[0].type == "complaint");
  CHECK(sc.history[0].channel.empty());
  CHECK(sc.history[0].ago == tierflow::duration{20, tierflow::time_unit::days});
  CHECK(sc.history[0].closed);
  CHECK(sc.history[0].fields.empty());
  CHECK(sc.history[0].where == at(21, 9));
  CHECK(sc.history[1].ago == tierflow::duration{2, tierflow::time_unit::hours});
  CHECK_FALSE(sc.history[1].closed);
  CHECK(sc.history[1].channel == "online_app");
  CHECK(sc.history[1].fields == tierflow::attribute_values{{"complaint_class", value{"outage"s}}});

  REQUIRE(sc.steps.size() == 9);
  // The first expectation: one field_expectation per fact, in file order;
  // each list of has_flag one per flag; deadlines as deadline.<id> and
  // deadline.<id>.due.
  const auto* e = std::get_if<tt::expectation>(&sc.steps[0]);
  REQUIRE(e != nullptr);
  CHECK(e->where == at(24, 9));
  std::vector<std::string> fields;
  for (const auto& f : e->fields) fields.push_back(f.field + "=" + f.expected);
  CHECK(fields == std::vector<std::string>{
                      "state=received", "tier=enterprise_account_manager", "team=none",
                      "queue=regional_account_manager/wuzhong", "region=wuzhong", "owner=none",
                      "assignee=rm_li", "rule=key_big_customer", "closed=false", "paused=false",
                      "escalations=2", "flags=repeat,skip_level", "has_flag=repeat",
                      "has_flag=overdue", "lacks_flag=urged", "deadline.contact=running",
                      "deadline.reply=running", "deadline.reply.due=2026-03-06 09:00",
                      "deadline.step.due=2026-03-02T01:30:00Z"});
  CHECK(e->fields[0].where == at(25, 11));   // the key `state`
  CHECK(e->fields[12].where == at(37, 22));  // has_flag: each item
  CHECK(e->fields[13].where == at(37, 30));
  CHECK(e->fields[14].where == at(38, 11));
  CHECK(e->fields[15].where == at(40, 13));  // contact
  CHECK(e->fields[16].where == at(41, 22));  // reply's `status`
  CHECK(e->fields[17].where == at(41, 39));  // reply's `due`
  CHECK(e->fields[17].instant == local(2026, 3, 6, 9, 0));
  CHECK(e->fields[18].instant == local(2026, 3, 2, 9, 30));
  CHECK_FALSE(e->fields[0].instant.has_value());
  REQUIRE(e->notified.has_value());
  REQUIRE(e->notified->size() == 2);
  CHECK((*e->notified)[0].fields == std::vector<std::pair<std::string, std::string>>{
                                        {"to", "tier"}, {"unit", "hq_key_account_desk"}});
  // An actor fixture's name stands for its id.
  CHECK((*e->notified)[1].fields ==
        std::vector<std::pair<std::string, std::string>>{
            {"to", "owner"}, {"person", "rm_li"}, {"reason", "contact_l4"}});
  CHECK((*e->notified)[1].where == at(45, 15));
  REQUIRE(e->events.has_value());
  REQUIRE(e->events->size() == 2);
  CHECK((*e->events)[0].type == "escalated");
  CHECK((*e->events)[0].details ==
        std::vector<std::pair<std::string, std::string>>{{"rule", "repeat_complaint"},
                                                         {"to_tier", "regional_account_manager"}});
  CHECK((*e->events)[0].where == at(47, 15));
  CHECK((*e->events)[1].details ==
        std::vector<std::pair<std::string, std::string>>{{"customer.region", "wuzhong"}});

  const auto* a = std::get_if<tt::act_step>(&sc.steps[1]);
  REQUIRE(a != nullptr);
  CHECK(a->action == "classify");
  CHECK(a->by.id == "rm_li");
  CHECK(a->by.roles == std::vector<std::string>{"regional_manager"});
  CHECK(a->by.region == "wuzhong");
  CHECK(a->note.empty());
  CHECK_FALSE(a->error.has_value());
  CHECK(a->where == at(49, 9));
  const auto* denied = std::get_if<tt::act_step>(&sc.steps[2]);
  REQUIRE(denied != nullptr);
  CHECK(denied->action == "dispatch");
  CHECK(denied->by.id == "d1");
  CHECK(denied->by.roles == std::vector<std::string>{"dispatcher"});
  CHECK(denied->by.region.empty());
  CHECK(denied->note == "to the region");
  CHECK(denied->error == tierflow::errc::permission_denied);
  CHECK(denied->error_where == at(54, 16));

  const auto advance = [&](std::size_t i) {
    const auto* s = std::get_if<tt::advance_step>(&sc.steps[i]);
    REQUIRE(s != nullptr);
    return *s;
  };
  CHECK(advance(3).how == tt::advance_step::kind::by);
  CHECK(advance(3).amount == tierflow::duration{2, tierflow::time_unit::hours});
  CHECK(advance(3).where == at(55, 9));
  CHECK(advance(4).amount == tierflow::duration{1, tierflow::time_unit::business_days});
  CHECK(advance(5).how == tt::advance_step::kind::to);
  CHECK(advance(5).to == local(2026, 3, 3, 9, 0));
  CHECK_FALSE(advance(5).amount.has_value());
  CHECK(advance(6).how == tt::advance_step::kind::to_due);
  CHECK(advance(6).deadline == "contact");
  CHECK_FALSE(advance(6).amount.has_value());
  CHECK(advance(7).deadline == "step");
  CHECK(advance(7).amount == tierflow::duration{1, tierflow::time_unit::business_hours});

  // `[]`: nothing at all; absent: not checked.
  const auto* none = std::get_if<tt::expectation>(&sc.steps[8]);
  REQUIRE(none != nullptr);
  CHECK(none->fields.empty());
  REQUIRE(none->notified.has_value());
  CHECK(none->notified->empty());
  REQUIRE(none->events.has_value());
  CHECK(none->events->empty());
  CHECK_FALSE(std::get<tt::expectation>(sc.steps[0]).fields.empty());
}

TEST_CASE("scenario_loader.examples.one_case_a_row_named_and_filled_in") {
  diagnostics diags;
  const auto file = load(every_feature, diags);
  REQUIRE_MESSAGE(file.has_value(), diags.str());
  REQUIRE(file->cases.size() == 3);
  const tt::scenario& special = file->cases[1];
  const tt::scenario& level2 = file->cases[2];
  // Named by the row's `name`, or by its values; `{var}` in the name filled in.
  CHECK(special.name == "special goes to enterprise_account_manager [special one]");
  CHECK(level2.name ==
        "level2 goes to regional_account_manager [class=level2, kv=~, "
        "tier=regional_account_manager, n=0]");
  // Positions point at the case (the template), not at the row.
  CHECK(special.where == at(61, 5));
  CHECK(level2.where == at(61, 5));
  CHECK(special.ticket.customer ==
        tierflow::attribute_values{{"region", value{"wuzhong"s}},
                                   {"capacity_kva", value{800.0}},
                                   {"importance_class", value{"special"s}},
                                   {"voltage_kv", value{110.0}}});
  // `kv: ~` leaves voltage_kv out, the fixture's too.
  CHECK(level2.ticket.customer ==
        tierflow::attribute_values{{"region", value{"wuzhong"s}},
                                   {"capacity_kva", value{800.0}},
                                   {"importance_class", value{"level2"s}}});
  const auto& e1 = std::get<tt::expectation>(special.steps.at(0));
  const auto& e2 = std::get<tt::expectation>(level2.steps.at(0));
  REQUIRE(e1.fields.size() == 2);
  REQUIRE(e2.fields.size() == 2);
  CHECK(e1.fields[0].expected == "enterprise_account_manager");
  CHECK(e2.fields[0].expected == "regional_account_manager");
  CHECK(e1.fields[1].expected == "0");  // `n: 0` stayed a plain number
  CHECK(e1.where == at(68, 9));
  CHECK(e2.where == at(68, 9));
  CHECK(e1.fields[0].where == at(68, 19));
  CHECK(e2.fields[0].where == at(68, 19));
}

TEST_CASE("scenario_loader.readme_example.loads_without_diagnostics") {
  const std::string name = "tests/data/scenarios/readme_example.test.yaml";
  diagnostics diags;
  const auto file =
      tt::load_scenario_file({name, read_text(name)}, tierflow_test::shipped(), diags);
  CHECK_MESSAGE(diags.empty(), diags.str());
  REQUIRE(file.has_value());
  CHECK(file->cases.size() == 5);
}

TEST_CASE("scenario_loader.readme_example.is_the_block_in_workflows_readme") {
  // The README shows the file word for word, after its two comment lines.
  const std::string example = read_text("tests/data/scenarios/readme_example.test.yaml");
  const std::string readme = read_text("workflows/README.md");
  const std::size_t body = example.find("customers:");
  REQUIRE(body != std::string::npos);
  CHECK_MESSAGE(readme.find("```yaml\n" + example.substr(body) + "```") != std::string::npos,
                "workflows/README.md does not show tests/data/scenarios/readme_example.test.yaml");
}

TEST_CASE("scenario_loader.people.an_actor_name_stands_for_its_id") {
  std::string text = head +
                     "      - expect:\n          owner: li\n          assignee: zhang\n"
                     "          notified: [{ to: owner, person: li }]\n"
                     "          events: [{ type: accepted, person: li }]\n";
  text.replace(text.find("customer: { id: C1"), 0, "opened_by: li\n      ");
  diagnostics diags;
  const auto file = load(text, diags);
  REQUIRE_MESSAGE(file.has_value(), diags.str());
  const tt::scenario& sc = file->cases.at(0);
  CHECK(sc.ticket.opened_by == "rm_li");
  const auto& e = std::get<tt::expectation>(sc.steps.at(0));
  REQUIRE(e.fields.size() == 2);
  CHECK(e.fields[0].expected == "rm_li");
  CHECK(e.fields[1].expected == "zhang");  // not an actor's name: the id itself
  CHECK(e.notified->at(0).fields.at(1) == std::pair<std::string, std::string>{"person", "rm_li"});
  CHECK(e.events->at(0).details.at(0) == std::pair<std::string, std::string>{"person", "rm_li"});
}

// --- One test per kind of mistake -------------------------------------------------------------

TEST_CASE("scenario_loader.errors.unknown_action") {
  CHECK(problems(head + "      - act: clasify\n        by: li\n") ==
        std::vector<std::string>{"11:14: error: unknown action 'clasify' in workflow 'complaint' "
                                 "(did you mean 'classify'?)"});
}

TEST_CASE("scenario_loader.errors.unknown_state_tier_team_and_rule") {
  CHECK(problems(
            head +
            "      - expect: { state: recieved, tier: t9, team: billng, rule: big_customers }\n") ==
        std::vector<std::string>{"11:26: error: unknown state 'recieved' in workflow 'complaint' "
                                 "(did you mean 'received'?)",
                                 "11:42: error: unknown tier 't9'",
                                 "11:52: error: unknown team 'billng' (did you mean 'billing'?)",
                                 "11:66: error: unknown routing rule 'big_customers' in workflow "
                                 "'complaint' (did you mean "
                                 "'big_customer'?)"});
}

TEST_CASE("scenario_loader.errors.malformed_times") {
  std::string text = head + "      - advance: { to: 2026-03-02 9am }\n";
  text.replace(text.find("start: 2026-03-02 09:00"), 23, "start: 2026-02-30 09:00");
  CHECK(
      problems(text) ==
      std::vector<std::string>{
          "5:12: error: invalid instant '2026-02-30 09:00': expected local time YYYY-MM-DD HH:MM, "
          "or YYYY-MM-DDTHH:MM+08:00",
          "11:24: error: invalid instant '2026-03-02 9am': expected local time YYYY-MM-DD HH:MM, "
          "or YYYY-MM-DDTHH:MM+08:00"});
}

TEST_CASE("scenario_loader.errors.malformed_durations") {
  CHECK(problems(head +
                 "      - advance: 2 hours\n      - advance: { to_due: contact, plus: -1m }\n") ==
        std::vector<std::string>{
            "11:18: error: invalid duration '2 hours': expected a whole positive number and a unit "
            "(m, h, d, bh, bd)",
            "12:43: error: invalid duration '-1m': expected a whole positive number and a unit (m, "
            "h, "
            "d, bh, bd)"});
}

TEST_CASE("scenario_loader.errors.history_ago_in_business_units") {
  std::string text = head;
  text.replace(text.find("    steps:\n"), 11,
               "    history: [{ type: complaint, ago: 3bd }]\n    steps: []\n");
  CHECK(problems(text) ==
        std::vector<std::string>{
            "10:39: error: 'ago' must be in calendar units (m, h, d), not '3bd'"});
}

TEST_CASE("scenario_loader.errors.unknown_key_with_did_you_mean") {
  CHECK(
      problems(head + "      - expect: { stat: received }\n      - expct: { state: received }\n") ==
      std::vector<std::string>{"11:19: error: unknown key 'stat' (did you mean 'state'?)",
                               "12:9: error: unknown key 'expct' (did you mean 'expect'?)"});
}

TEST_CASE("scenario_loader.errors.unknown_fixtures") {
  std::string text = head + "      - act: classify\n        by: lii\n";
  text.replace(text.find("customer: { id: C1"), 10, "customer: bigg\n      x: { id: C1");
  text.replace(text.find("      x: { id: C1"),
               text.find("\n    steps") - text.find("      x: { id: C1") + 1, "");
  CHECK(problems(text) ==
        std::vector<std::string>{"9:17: error: unknown customer fixture 'bigg'",
                                 "12:13: error: unknown actor 'lii' (did you mean 'li'?)"});
}

TEST_CASE("scenario_loader.errors.unknown_role_and_region_of_an_actor") {
  CHECK(problems(head + "      - act: classify\n        by: { id: x, roles: [regional_manger], "
                        "region: suzhou }\n") ==
        std::vector<std::string>{
            "12:30: error: unknown role 'regional_manger' (did you mean 'regional_manager'?)",
            "12:56: error: unknown region 'suzhou'"});
}

TEST_CASE("scenario_loader.errors.unknown_deadline_and_status") {
  CHECK(problems(head + "      - expect: { deadlines: { contct: runing } }\n      - advance: { "
                        "to_due: replay }\n") ==
        std::vector<std::string>{
            "11:32: error: unknown deadline 'contct' in workflow 'complaint' (did you mean "
            "'contact'?)",
            "11:40: error: unknown deadline status 'runing' (did you mean 'running'?)",
            "12:28: error: unknown deadline 'replay' in workflow 'complaint' (did you mean "
            "'reply'?)"});
}

TEST_CASE("scenario_loader.errors.due_of_a_pending_deadline") {
  CHECK(problems(head + "      - expect: { deadlines: { reopen_reply: { status: pending, due: "
                        "2026-03-02 10:00 } } }\n") ==
        std::vector<std::string>{"11:65: error: a pending deadline has no due instant: leave out "
                                 "'due' or expect 'running'"});
}

TEST_CASE("scenario_loader.errors.unknown_flag") {
  CHECK(problems(head + "      - expect: { has_flag: overdu, flags: [repeat, repeat] }\n") ==
        std::vector<std::string>{
            "11:29: error: unknown flag 'overdu' in workflow 'complaint' (did you mean 'overdue'?)",
            "11:53: error: duplicate flag 'repeat'"});
}

TEST_CASE("scenario_loader.errors.wrong_attribute_and_field_types") {
  std::string text = head;
  text.replace(text.find("voltage_kv: 10 }"), 16,
               "voltage_kv: \"10\" }\n      fields: { complaint_class: servce }");
  CHECK(problems(text) ==
        std::vector<std::string>{
            "9:75: error: type mismatch: 'customer.voltage_kv' is number, got \"10\"",
            "10:34: error: 'servce' is not a value of 'ticket.complaint_class' (did "
            "you mean 'service'?)"});
}

TEST_CASE("scenario_loader.errors.unknown_error_code_event_type_and_detail") {
  CHECK(
      problems(
          head +
          "      - act: classify\n        by: li\n        error: permision_denied\n"
          "      - expect: { events: [{ type: escalate }, { type: escalated, tier: x }] }\n") ==
      std::vector<std::string>{
          "13:16: error: unknown error code 'permision_denied' (did you mean 'permission_denied'?)",
          "14:36: error: unknown event type 'escalate' (did you mean 'escalated'?)",
          "14:67: error: unknown detail 'tier' of 'escalated' events"});
}

TEST_CASE("scenario_loader.errors.notifications") {
  CHECK(
      problems(head + "      - expect: { notified: [{ to: ownr, unit: hq, reason: contact_l5, "
                      "region: x }] }\n") ==
      std::vector<std::string>{
          "11:36: error: unknown recipient 'ownr' (did you mean 'owner'?)",
          "11:48: error: unknown tier, team or role 'hq'",
          "11:60: error: unknown notification reason 'contact_l5' in workflow 'complaint' (did you "
          "mean 'contact_l1'?)",
          "11:80: error: unknown region 'x'"});
}

TEST_CASE("scenario_loader.errors.queues") {
  CHECK(problems(head + "      - expect: { queue: billing/wuzhong }\n      - expect: { queue: "
                        "regional_account_manager/wuzong }\n") ==
        std::vector<std::string>{
            "11:26: error: 'billing' is not split by region: write the queue as 'billing'",
            "12:26: error: unknown region 'wuzong' (did you mean 'wuzhong'?)"});
}

TEST_CASE("scenario_loader.errors.step_shapes") {
  CHECK(problems(head + "      - { act: classify, expect: { state: received } }\n"
                        "      - { advance: 1h, by: li }\n"
                        "      - {}\n"
                        "      - act: classify\n"
                        "      - advance: { plus: 1h }\n"
                        "      - advance: { to: 2026-03-02 10:00, to_due: step }\n"
                        "      - expect: {}\n") ==
        std::vector<std::string>{
            "11:26: error: 'act' and 'expect' cannot both be given in one step: write two steps",
            "12:24: error: 'by' belongs to an 'act' step",
            "13:9: error: a step needs one of 'act', 'advance' or 'expect'",
            "14:9: error: missing required key 'by'",
            "15:18: error: 'advance' needs 'to' or 'to_due'",
            "16:42: error: 'to' and 'to_due' cannot both be given",
            "17:17: error: 'expect' must not be empty"});
}

TEST_CASE("scenario_loader.errors.missing_keys_of_a_case") {
  CHECK(problems("cases:\n  - name: x\n") ==
        std::vector<std::string>{"2:5: error: missing required key 'start'",
                                 "2:5: error: missing required key 'ticket'"});
  CHECK(problems("customers: {}\n") ==
        std::vector<std::string>{"1:1: error: missing required key 'cases'"});
}

TEST_CASE("scenario_loader.errors.duplicate_case_name") {
  std::string text = head + "      - advance: 1h\n";
  const std::string one_case = text.substr(text.find("  - name: one"));
  CHECK(problems(text + one_case) ==
        std::vector<std::string>{"12:11: error: duplicate case name 'one'"});
}

TEST_CASE("scenario_loader.errors.duplicate_case_name_after_expansion") {
  CHECK(problems(head + "      - expect: { tier: $tier }\n    examples:\n"
                        "      - { tier: regional_account_manager }\n"
                        "      - { tier: regional_account_manager }\n") ==
        std::vector<std::string>{
            "14:9: error: duplicate case name 'one [tier=regional_account_manager]'"});
}

TEST_CASE("scenario_loader.errors.undefined_variable_and_unused_column") {
  CHECK(
      problems(head + "      - expect: { tier: $teir, state: $state }\n    examples:\n"
                      "      - { tier: regional_account_manager, state: received, extra: 1 }\n"
                      "      - { tier: regional_account_manager }\n") ==
      std::vector<std::string>{
          "11:25: error: undefined variable '$teir': no row of 'examples' has that column (did you "
          "mean '$tier'?)",
          "13:11: error: column 'tier' is not used: the case has no '$tier' and its name no "
          "'{tier}'",
          "13:60: error: column 'extra' is not used: the case has no '$extra' and its name no "
          "'{extra}'",
          "14:9: error: missing required key 'state'",
          "14:11: error: column 'tier' is not used: the case has no '$tier' and its name no "
          "'{tier}'"});
}

TEST_CASE("scenario_loader.errors.undefined_variable_in_the_name") {
  std::string text = head +
                     "      - expect: { tier: $tier }\n    examples:\n"
                     "      - { tier: regional_account_manager }\n";
  text.replace(text.find("name: one"), 9, "name: \"to {tiers}\"");
  CHECK(problems(text) == std::vector<std::string>{"4:11: error: undefined variable '{tiers}': no "
                                                   "row of 'examples' has that column (did you "
                                                   "mean '{tier}'?)"});
}

TEST_CASE("scenario_loader.errors.a_row_value_is_checked_where_it_is_written") {
  // A mistake in a row's value is reported at the value, once; a mistake in
  // the case itself once, not once a row.
  CHECK(
      problems(head + "      - expect: { tier: $tier, state: recieved }\n    examples:\n"
                      "      - { tier: regional_account_manager }\n"
                      "      - { tier: regional_acount_manager }\n") ==
      std::vector<std::string>{"11:39: error: unknown state 'recieved' in workflow 'complaint' "
                               "(did you mean 'received'?)",
                               "14:17: error: unknown tier 'regional_acount_manager' (did you mean "
                               "'regional_account_manager'?)"});
}

TEST_CASE("scenario_loader.errors.mistakes_of_the_case_once_not_once_a_row") {
  // Two mistakes at one spot of the case, read once for each of two rows.
  CHECK(problems(head + "      - { act: classify, by: {} }\n      - expect: { tier: $tier }\n"
                        "    examples:\n      - { tier: regional_account_manager }\n"
                        "      - { tier: customer_service_center }\n") ==
        std::vector<std::string>{"11:30: error: missing required key 'id'",
                                 "11:30: error: missing required key 'roles'"});
}

TEST_CASE("scenario_loader.errors.unknown_ticket_type_and_channel") {
  std::string text = head;
  text.replace(text.find("type: complaint"), 15, "type: complain");
  text.replace(text.find("channel: hotline_95598"), 22, "channel: hotline");
  CHECK(problems(text + "      - act: whatever\n        by: li\n") ==
        std::vector<std::string>{
            "7:13: error: unknown ticket type 'complain' (did you mean 'complaint'?)",
            "8:16: error: unknown channel 'hotline'"});
}

TEST_CASE("scenario_loader.errors.reserved_actor_ids") {
  CHECK(problems(head + "      - act: classify\n        by: { id: system, roles: [csr] }\n") ==
        std::vector<std::string>{"12:19: error: actor id 'system' is reserved for the engine"});
}

TEST_CASE("scenario_loader.errors.equivalent_mutants") {
  CHECK(problems("equivalent_mutants:\n  - { mutant: \"complaint@9:drop_step:x\", why: a }\n"
                 "  - { mutant: \"complaint@1:drop:x\", why: \"\" }\n  - { mutant: nonsense }\n" +
                 head.substr(head.find("cases:")) + "      - advance: 1h\n") ==
        std::vector<std::string>{
            "2:15: error: unknown workflow version 'complaint@9' (did you mean 'complaint@1'?)",
            "3:15: error: unknown mutation kind 'drop'", "3:42: error: 'why' must not be empty",
            "4:5: error: missing required key 'why'",
            "4:15: error: invalid mutant id 'nonsense': expected WORKFLOW@VERSION:KIND:RULE"});
}

TEST_CASE("scenario_loader.errors.every_problem_is_reported_sorted") {
  const auto found = problems(head +
                              "      - expect: { state: nowhere }\n"
                              "      - act: nothing\n        by: li\n"
                              "      - advance: soon\n");
  REQUIRE(found.size() == 3);
  CHECK(found[0].starts_with("11:"));
  CHECK(found[1].starts_with("12:"));
  CHECK(found[2].starts_with("14:"));
}

TEST_CASE("scenario_loader.errors.yaml_syntax_and_limits") {
  CHECK(problems("cases: [\n") ==
        std::vector<std::string>{"2:1: error: yaml syntax error: end of sequence flow not found"});
  diagnostics diags;
  tierflow::load_limits small;
  small.max_file_bytes = 10;
  CHECK_FALSE(load(head, diags, small).has_value());
  CHECK(diags.str() == "t.test.yaml: error: limit exceeded: file is larger than 10 bytes\n");
  CHECK(problems("- a\n") ==
        std::vector<std::string>{"1:1: error: a scenario file must be a mapping, not a list"});
}

TEST_CASE("scenario_loader.errors.a_table_expanding_past_the_node_limit") {
  // Each row puts its 31-node list in ten times: the second row's case goes
  // past 600 nodes, though the file itself holds far fewer.
  std::string text = head;
  for (int i = 0; i < 10; ++i) text += "      - expect: { events: $e }\n";
  std::string events = "{ type: noted }";
  for (int i = 0; i < 9; ++i) events += ", { type: noted }";
  text += "    examples:\n";
  for (int i = 0; i < 4; ++i)
    text += "      - { name: r" + std::to_string(i) + ", e: [" + events + "] }\n";
  tierflow::load_limits limits;
  limits.max_nodes = 600;
  diagnostics diags;
  CHECK_FALSE(load(text, diags, limits).has_value());
  CHECK(diags.str() ==
        "t.test.yaml:22:7: error: limit exceeded: more than 600 nodes with aliases "
        "expanded\n");
  diagnostics unlimited;
  const auto file = load(text, unlimited);
  CHECK_MESSAGE(unlimited.empty(), unlimited.str());
  REQUIRE(file.has_value());
  CHECK(file->cases.size() == 4);
}

TEST_CASE("scenario_loader.errors.backwards_advance_is_not_a_load_error") {
  CHECK(problems(head + "      - advance: { to: 2026-03-01 09:00 }\n").empty());
}

// --- read_scenario_sources ------------------------------------------------------------------

TEST_CASE("scenario_loader.sources.a_directory_and_its_tests_folder_sorted") {
  const fs::path dir = fs::temp_directory_path() / "tierflow_scenario_sources_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "tests");
  for (const char* name : {"b.test.yaml", "a.test.yaml", "other.yaml", "tests/c.test.yaml"})
    std::ofstream(dir / name) << "cases: []\n";
  diagnostics diags;
  const auto sources = tt::read_scenario_sources({dir.string()}, diags);
  CHECK(diags.empty());
  std::vector<std::string> names;
  for (const auto& s : sources) names.push_back(fs::path(s.name).lexically_relative(dir).string());
  CHECK(names == std::vector<std::string>{"a.test.yaml", "b.test.yaml", "tests/c.test.yaml"});

  // A file is read whatever its name; a directory without test files, a
  // missing path and an oversize file are reported.
  diagnostics more;
  tierflow::load_limits small;
  small.max_file_bytes = 5;
  fs::create_directories(dir / "empty");
  const auto read = tt::read_scenario_sources(
      {(dir / "other.yaml").string(), (dir / "empty").string(), (dir / "missing").string()}, more,
      small);
  CHECK(read.empty());
  CHECK(more.str() ==
        (dir / "other.yaml").string() + ": error: limit exceeded: file is larger than 5 bytes\n" +
            (dir / "empty").string() +
            ": error: no scenario test files: expected *.test.yaml here or in its tests/ "
            "subdirectory\n" +
            (dir / "missing").string() + ": error: cannot read file: no such file or directory\n");
  fs::remove_all(dir);
}

TEST_CASE("scenario_loader.examples.a_name_showing_the_row_name_gets_no_label") {
  std::string text = head +
                     "      - expect: { tier: $tier }\n    examples:\n"
                     "      - { name: a level2 customer, tier: regional_account_manager }\n"
                     "      - { name: a plain customer, tier: customer_service_center }\n";
  text.replace(text.find("name: one"), 9, "name: \"{name} goes to {tier}\"");
  diagnostics diags;
  const auto file = load(text, diags);
  REQUIRE_MESSAGE(file.has_value(), diags.str());
  REQUIRE(file->cases.size() == 2);
  CHECK(file->cases[0].name == "a level2 customer goes to regional_account_manager");
  CHECK(file->cases[1].name == "a plain customer goes to customer_service_center");
}

TEST_CASE("scenario_loader.expect.not_notified_and_not_events") {
  diagnostics diags;
  const auto file = load(head + "      - expect:\n"
                                "          not_notified: [{ to: tier, unit: hq_key_account_desk }]\n"
                                "          not_events: [{ type: escalated, rule: contact_l4 }]\n",
                         diags);
  REQUIRE_MESSAGE(file.has_value(), diags.str());
  const auto& e = std::get<tt::expectation>(file->cases.at(0).steps.at(0));
  REQUIRE(e.not_notified.size() == 1);
  CHECK(e.not_notified[0].fields ==
        std::vector<std::pair<std::string, std::string>>{{"to", "tier"},
                                                         {"unit", "hq_key_account_desk"}});
  CHECK(e.not_notified[0].where == at(12, 26));
  REQUIRE(e.not_events.size() == 1);
  CHECK(e.not_events[0].type == "escalated");
  CHECK_FALSE(e.notified.has_value());

  // An empty list would forbid nothing; its items are checked like notified's.
  CHECK(problems(head + "      - expect: { not_notified: [], not_events: [{ type: escalatd }] }\n") ==
        std::vector<std::string>{
            "11:33: error: 'not_notified' must not be empty",
            "11:58: error: unknown event type 'escalatd' (did you mean 'escalated'?)"});
}
