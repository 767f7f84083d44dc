// SPDX-License-Identifier: MIT
// The scenario runner (tierflow/testing.hpp) on the shipped catalog, with
// scenarios built in code: what passes passes because the engine does it,
// and each kind of expectation fails with its own message and position.
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/testing.hpp>
#include <tierflow/time.hpp>

#include "test_support.hpp"

namespace {

namespace tf = tierflow;
namespace tt = tierflow::testing;
using tierflow_test::shipped;

tf::source_pos at(std::uint32_t line) { return {"case.test.yaml", line, 5}; }

tf::timestamp local(int y, unsigned m, unsigned d, int h, int min) {
  return tierflow_test::local(y, m, d, h, min);
}

tt::field_expectation field(std::string name, std::string expected, std::uint32_t line) {
  return {std::move(name), std::move(expected), std::nullopt, at(line)};
}

tt::expectation expect(std::vector<tt::field_expectation> fields, std::uint32_t line = 1) {
  tt::expectation e;
  e.fields = std::move(fields);
  e.where = at(line);
  return e;
}

tt::act_step act(std::string action, tf::actor by, std::string note = {}) {
  tt::act_step a;
  a.action = std::move(action);
  a.by = std::move(by);
  a.note = std::move(note);
  a.where = at(2);
  return a;
}

/// A complaint of a level2 customer in wuzhong, Monday 2 March 2026, 09:00.
tt::scenario big_complaint() {
  tt::scenario sc;
  sc.name = "big customer";
  sc.where = at(1);
  sc.start = local(2026, 3, 2, 9, 0);
  sc.ticket.type = "complaint";
  sc.ticket.channel = "hotline_95598";
  sc.ticket.customer_id = "C-1001";
  sc.ticket.customer = {{"region", tf::value{std::string("wuzhong")}},
                        {"importance_class", tf::value{std::string("level2")}}};
  sc.ticket.fields = {{"complaint_class", tf::value{std::string("service")}}};
  return sc;
}

const tf::actor li{"li", {"regional_manager"}, "wuzhong"};
const tf::actor wang{"wang", {"regional_manager"}, "gusu"};

}  // namespace

TEST_CASE("scenario.runner.a_passing_case_routes_acts_and_checks_the_view") {
  tt::scenario sc = big_complaint();
  sc.steps.emplace_back(expect({field("state", "received", 3), field("tier", "regional_account_manager", 4),
                                field("queue", "regional_account_manager/wuzhong", 5),
                                field("rule", "big_customer", 6), field("owner", "none", 7),
                                field("team", "none", 8), field("closed", "false", 9),
                                field("deadline.contact", "running", 10)}));
  sc.steps.emplace_back(act("classify", li));
  sc.steps.emplace_back(expect({field("state", "classified", 11), field("owner", "li", 12),
                                field("assignee", "li", 13)}));
  const tt::case_result r = tt::run_scenario(shipped(), sc, "case.test.yaml");
  CHECK_MESSAGE(r.passed(), tt::describe_failures(tt::suite_result{{r}}));
  CHECK(r.workflow_id == "complaint");
  CHECK(r.workflow_version == 1);
  REQUIRE(r.events.size() >= 3);
  CHECK(r.events.front().type == tf::event_type::opened);
}

TEST_CASE("scenario.runner.each_failed_expectation_says_what_where_expected_and_got") {
  tt::scenario sc = big_complaint();
  sc.steps.emplace_back(expect({field("state", "classified", 3), field("tier", "customer_service_center", 4),
                                field("flags", "repeat", 5)}));
  const tt::case_result r = tt::run_scenario(shipped(), sc, "case.test.yaml");
  REQUIRE(r.failures.size() == 3);
  CHECK(r.failures[0].step == 0);
  CHECK(r.failures[0].where == at(3));
  CHECK(r.failures[0].message == "expected state 'classified', got 'received'");
  CHECK(r.failures[1].message ==
        "expected tier 'customer_service_center', got 'regional_account_manager'");
  CHECK(r.failures[2].expected == "repeat");
  CHECK(r.failures[2].actual == "");
  CHECK(tt::describe_failures(tt::suite_result{{r}}).starts_with(
      "case.test.yaml:3:5: error: big customer: step 1: expected state 'classified'"));
}

TEST_CASE("scenario.runner.a_refusal_is_expected_by_its_code_and_changes_nothing") {
  tt::scenario sc = big_complaint();
  tt::act_step wrong_region = act("classify", wang);
  wrong_region.error = tf::errc::permission_denied;
  sc.steps.emplace_back(wrong_region);
  sc.steps.emplace_back(expect({field("state", "received", 3), field("owner", "none", 4)}));
  CHECK(tt::run_scenario(shipped(), sc).passed());

  SUBCASE("the wrong code fails") {
    std::get<tt::act_step>(sc.steps[0]).error = tf::errc::not_found;
    const auto r = tt::run_scenario(shipped(), sc);
    REQUIRE(r.failures.size() == 1);
    CHECK(r.failures[0].expected == "not_found");
    CHECK(r.failures[0].actual == "permission_denied");
  }
  SUBCASE("an accepted action that should be refused fails and ends the case") {
    std::get<tt::act_step>(sc.steps[0]).by = li;
    const auto r = tt::run_scenario(shipped(), sc);
    REQUIRE(r.failures.size() == 1);
    CHECK(r.failures[0].actual == "accepted");
  }
  SUBCASE("a refused action that should succeed fails and ends the case") {
    std::get<tt::act_step>(sc.steps[0]).error.reset();
    const auto r = tt::run_scenario(shipped(), sc);
    REQUIRE(r.failures.size() == 1);
    CHECK(r.failures[0].message.starts_with("'classify' by 'wang' was refused: permission_denied"));
  }
}

TEST_CASE("scenario.runner.advance_to_a_due_instant_fires_the_breach_and_its_notifications") {
  tt::scenario sc = big_complaint();
  // The 24 h contact deadline runs from 09:00 Monday: due 09:00 Tuesday.
  tt::expectation due = expect({});
  tt::field_expectation d = field("deadline.contact.due", "2026-03-03 09:00", 3);
  d.instant = local(2026, 3, 3, 9, 0);
  due.fields.push_back(d);
  sc.steps.emplace_back(due);
  sc.steps.emplace_back(act("classify", li));
  tt::advance_step to_due;
  to_due.how = tt::advance_step::kind::to_due;
  to_due.deadline = "contact";
  to_due.where = at(4);
  sc.steps.emplace_back(to_due);
  tt::expectation after = expect({field("deadline.contact", "breached", 5),
                                  field("tier", "enterprise_account_manager", 6),
                                  field("has_flag", "overdue", 7)});
  after.notified = std::vector<tt::notification_expectation>{
      {{{"to", "owner"}, {"person", "li"}, {"reason", "contact_l4"}}, at(8)}};
  after.events = std::vector<tt::event_expectation>{
      {"deadline_breached", {{"deadline", "contact"}}, at(9)},
      {"escalated", {{"rule", "contact_l4"}, {"to_tier", "enterprise_account_manager"}}, at(10)}};
  sc.steps.emplace_back(after);
  const auto r = tt::run_scenario(shipped(), sc, "case.test.yaml");
  CHECK_MESSAGE(r.passed(), tt::describe_failures(tt::suite_result{{r}}));

  SUBCASE("a notification that did not happen is named, with what did") {
    auto& e = std::get<tt::expectation>(sc.steps[3]);
    e.notified = std::vector<tt::notification_expectation>{
        {{{"to", "tier"}, {"unit", "hq_key_account_desk"}}, at(8)}};
    const auto bad = tt::run_scenario(shipped(), sc);
    REQUIRE(bad.failures.size() == 1);
    CHECK(bad.failures[0].where == at(8));
    CHECK(bad.failures[0].message.starts_with(
        "expected notified 'to=tier unit=hq_key_account_desk' (in this order), got: "));
    CHECK(bad.failures[0].actual.find("reason=contact_l4") != std::string::npos);
  }
  SUBCASE("events out of order fail") {
    auto& e = std::get<tt::expectation>(sc.steps[3]);
    std::swap((*e.events)[0], (*e.events)[1]);
    CHECK_FALSE(tt::run_scenario(shipped(), sc).passed());
  }
  SUBCASE("an empty list means nothing at all") {
    auto& e = std::get<tt::expectation>(sc.steps[3]);
    e.notified = std::vector<tt::notification_expectation>{};
    const auto bad = tt::run_scenario(shipped(), sc);
    REQUIRE(bad.failures.size() == 1);
    CHECK(bad.failures[0].expected == "nothing");
  }
}

TEST_CASE("scenario.runner.history_makes_a_repeat_complaint") {
  tt::scenario sc = big_complaint();
  sc.history.push_back(tt::history_entry{"complaint", "", tf::duration{20, tf::time_unit::days}, true, {}, at(2)});
  sc.steps.emplace_back(expect({field("flags", "repeat", 3),
                                field("tier", "enterprise_account_manager", 4)}));
  const auto r = tt::run_scenario(shipped(), sc);
  CHECK_MESSAGE(r.passed(), tt::describe_failures(tt::suite_result{{r}}));

  SUBCASE("forty days ago is not a repeat") {
    sc.history[0].ago = tf::duration{40, tf::time_unit::days};
    const auto old = tt::run_scenario(shipped(), sc);
    REQUIRE(old.failures.size() == 2);
    CHECK(old.failures[0].actual == "");
  }
}

TEST_CASE("scenario.runner.the_clock_never_runs_back") {
  tt::scenario sc = big_complaint();
  tt::advance_step back;
  back.how = tt::advance_step::kind::to;
  back.to = local(2026, 3, 1, 9, 0);
  back.where = at(4);
  sc.steps.emplace_back(back);
  sc.steps.emplace_back(expect({field("state", "nowhere", 5)}));
  const auto r = tt::run_scenario(shipped(), sc);
  REQUIRE(r.failures.size() == 1);  // the case ends at the advance
  CHECK(r.failures[0].message ==
        "cannot advance: 2026-03-01 09:00 is before the clock's 2026-03-02 09:00: time does not "
        "run back");
}

TEST_CASE("scenario.runner.business_durations_follow_the_workflow_calendar") {
  tt::scenario sc = big_complaint();
  sc.start = local(2026, 3, 6, 16, 0);  // Friday 16:00, 1.5 working hours before 17:30
  tt::advance_step by;
  by.how = tt::advance_step::kind::by;
  by.amount = tf::duration{2, tf::time_unit::business_hours};
  by.where = at(4);
  sc.steps.emplace_back(by);
  // 16:00 + 2 bh = Monday 09:00 (the 30 minutes left after 08:30): the
  // clock can then be moved to 09:00 and not to 08:59.
  tt::advance_step to;
  to.how = tt::advance_step::kind::to;
  to.to = local(2026, 3, 9, 9, 0);
  to.where = at(5);
  sc.steps.emplace_back(to);
  CHECK(tt::run_scenario(shipped(), sc).passed());
  std::get<tt::advance_step>(sc.steps[1]).to = local(2026, 3, 9, 8, 59);
  const auto r = tt::run_scenario(shipped(), sc);
  REQUIRE(r.failures.size() == 1);
  CHECK(r.failures[0].message.find("before the clock's 2026-03-09 09:00") != std::string::npos);
}

TEST_CASE("scenario.runner.filter_and_stop_at_first_failure") {
  tt::scenario good = big_complaint();
  tt::scenario bad = big_complaint();
  bad.name = "wrong";
  bad.steps.emplace_back(expect({field("state", "x", 3), field("tier", "y", 4)}));
  const std::vector<tt::scenario_file> files{{"f.test.yaml", {good, bad}, {}}};
  CHECK(tt::run_scenarios(shipped(), files).cases.size() == 2);
  tt::run_options only;
  only.filter = "f.test.yaml: wrong";
  const auto one = tt::run_scenarios(shipped(), files, only);
  REQUIRE(one.cases.size() == 1);
  CHECK(one.cases[0].failures.size() == 2);
  only.stop_at_first_failure = true;
  CHECK(tt::run_scenarios(shipped(), files, only).cases[0].failures.size() == 1);
}

TEST_CASE("scenario.runner.not_notified_and_not_events_forbid_what_the_steps_must_not_do") {
  tt::scenario sc = big_complaint();
  sc.steps.emplace_back(act("classify", li));
  tt::advance_step to_due;
  to_due.how = tt::advance_step::kind::to_due;
  to_due.deadline = "contact";
  to_due.where = at(4);
  sc.steps.emplace_back(to_due);
  tt::expectation after = expect({});
  // level2 is not "very important": HQ is not told of the breach.
  after.not_notified = {{{{"to", "tier"}, {"unit", "hq_key_account_desk"}}, at(6)}};
  after.not_events = {{"handed_off", {}, at(7)}};
  sc.steps.emplace_back(after);
  const auto r = tt::run_scenario(shipped(), sc);
  CHECK_MESSAGE(r.passed(), tt::describe_failures(tt::suite_result{{r}}));

  SUBCASE("something that did happen fails, naming it") {
    auto& e = std::get<tt::expectation>(sc.steps[2]);
    e.not_notified = {{{{"to", "owner"}, {"person", "li"}}, at(6)}};
    e.not_events = {{"escalated", {{"rule", "contact_l4"}}, at(7)}};
    const auto bad = tt::run_scenario(shipped(), sc);
    REQUIRE(bad.failures.size() == 2);
    CHECK(bad.failures[0].where == at(6));
    CHECK(bad.failures[0].message.starts_with("expected no notified 'to=owner person=li', got: to=owner"));
    CHECK(bad.failures[1].message.starts_with("expected no events 'escalated rule=contact_l4', got: escalated rule=contact_l4 from_tier="));
  }
}
