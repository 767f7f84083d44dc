// SPDX-License-Identifier: MIT
// Classifications in the engine (issue 12, item 5): an action that records a
// classification puts the value — the actor's (act_request::classification)
// or the one its definition fixes — into its own event as "class.NAME",
// after the other keys; a missing, unknown or unexpected value is refused
// with errc::invalid_argument, audited on the ticket's denial stream, and
// changes nothing. The workflow is the `mini` one of the rule-authoring
// tests, given classifications by hand (the engine does not care how the
// definition was written).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/catalog.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/workflow.hpp>

#include "support/engine_fixture.hpp"
#include "support/mini_rules.hpp"

namespace tf = tierflow;
namespace mini = tierflow_test::mini;
using tierflow_test::engine_fixture;

namespace {

using details = std::vector<std::pair<std::string, std::string>>;

details of(const tf::event& e) { return {e.details.begin(), e.details.end()}; }

tf::action& action_of(tf::workflow& wf, std::string_view state, std::string_view id) {
  auto& st = wf.states[wf.state_index(state)];
  const auto it = std::find_if(st.actions.begin(), st.actions.end(),
                               [&](const tf::action& a) { return a.id == id; });
  REQUIRE(it != st.actions.end());
  return *it;
}

// mini, where `contact` and `urge` record the issue class the agent gives
// and `resolve` records closed-loop level own_post by itself; `reject`
// records nothing.
tf::catalog classified_catalog() {
  tf::catalog cat = mini::load();
  const auto wf = std::find_if(cat.workflows.begin(), cat.workflows.end(),
                               [](const tf::workflow& w) { return w.id == "mini"; });
  REQUIRE(wf != cat.workflows.end());
  wf->classifications = {
      {"issue_class", {}, {"bill", "payment", "service", "policy"}},
      {"closed_loop", {}, {"own_post", "centre_dispatch", "cross_organisation"}}};
  action_of(*wf, "received", "contact").classifies = "issue_class";
  action_of(*wf, "received", "urge").classifies = "issue_class";
  tf::action& resolve = action_of(*wf, "contacted", "resolve");
  resolve.classifies = "closed_loop";
  resolve.classification_value = "own_post";
  return cat;
}

const tf::actor agent = mini::person("agent_li", "agent");

std::string open_ticket(engine_fixture& h) {
  tf::open_request req;
  req.type = "complaint";
  req.channel = "hotline";
  req.customer_id = "C1";
  req.customer = {{"region", std::string("north")}, {"voltage_kv", 10.0}, {"capacity_kva", 100.0}};
  req.fields = {{"urgent", false}};
  return h.open(req).ticket.id;
}

tf::act_request request(const std::string& id, std::string action, std::string classification,
                        std::string note = {}, tf::actor by = agent) {
  tf::act_request r;
  r.ticket_id = id;
  r.action = std::move(action);
  r.by = std::move(by);
  r.note = std::move(note);
  r.classification = std::move(classification);
  return r;
}

}  // namespace

TEST_CASE("engine.classification.a_value_the_actor_gives_is_recorded_in_the_transition") {
  engine_fixture h(mini::start, classified_catalog());
  const std::string id = open_ticket(h);
  h.at(mini::start + std::chrono::minutes{10});
  const auto v = h->act(request(id, "contact", "payment"));
  REQUIRE_MESSAGE(v.has_value(), (v ? std::string() : v.error().message()));
  CHECK(v->state == "contacted");
  const auto trail = h.events(id);
  const auto t = std::find_if(trail.begin(), trail.end(), [](const tf::event& e) {
    return e.type == tf::event_type::transitioned;
  });
  REQUIRE(t != trail.end());
  // After the existing keys and the time in the state left (24x7: 600 s).
  CHECK(of(*t) == details{{"action", "contact"},
                          {"from", "received"},
                          {"to", "contacted"},
                          {"state_calendar_s", "600"},
                          {"state_business_s", "600"},
                          {"class.issue_class", "payment"}});
  h.check_consistent(id);
}

TEST_CASE("engine.classification.an_action_that_stays_records_it_in_its_noted_event") {
  engine_fixture h(mini::start, classified_catalog());
  const std::string id = open_ticket(h);
  const auto v = h->act(request(id, "urge", "bill", "second call"));
  REQUIRE_MESSAGE(v.has_value(), (v ? std::string() : v.error().message()));
  const auto trail = h.events(id);
  const auto n = std::find_if(trail.begin(), trail.end(),
                              [](const tf::event& e) { return e.type == tf::event_type::noted; });
  REQUIRE(n != trail.end());
  CHECK(of(*n) ==
        details{{"action", "urge"}, {"note", "second call"}, {"class.issue_class", "bill"}});
  h.check_consistent(id);
}

TEST_CASE("engine.classification.a_fixed_value_is_recorded_without_the_actor_giving_it") {
  engine_fixture h(mini::start, classified_catalog());
  const std::string id = open_ticket(h);
  REQUIRE(h->act(request(id, "contact", "service")).has_value());
  const auto v = h->act(request(id, "resolve", ""));
  REQUIRE_MESSAGE(v.has_value(), (v ? std::string() : v.error().message()));
  CHECK(v->closed);
  const auto trail = h.events(id);
  const auto t = std::find_if(trail.rbegin(), trail.rend(), [](const tf::event& e) {
    return e.type == tf::event_type::transitioned;
  });
  REQUIRE(t != trail.rend());
  REQUIRE_FALSE(t->details.empty());
  CHECK(t->details.back() == std::pair<std::string, std::string>{"class.closed_loop", "own_post"});
  CHECK(t->detail(tf::detail_key::action) == "resolve");
  // An action that records nothing carries no class.* key.
  for (const auto& e : trail)
    if (e.detail(tf::detail_key::action) != "contact" &&
        e.detail(tf::detail_key::action) != "resolve")
      for (const auto& [k, value] : e.details)
        CHECK_FALSE(k.starts_with(tf::detail_key::classification_prefix));
  h.check_consistent(id);
}

TEST_CASE("engine.classification.a_missing_unknown_or_unexpected_value_is_refused_and_audited") {
  engine_fixture h(mini::start, classified_catalog());
  const std::string id = open_ticket(h);
  // Three agents: one agent's identical refusals (same action and code)
  // would be coalesced into one record (engine::denial_window).
  const std::vector<std::pair<tf::act_request, std::string>> cases = {
      {request(id, "contact", "", {}, mini::person("agent_li", "agent")),
       "action 'contact' needs a classification: issue_class (bill, payment, service, policy)"},
      {request(id, "contact", "bills", {}, mini::person("agent_zhao", "agent")),
       "unknown issue_class 'bills': expected one of bill, payment, service, policy"},
      {request(id, "reject", "bill", "not ours", mini::person("agent_sun", "agent")),
       "action 'reject' takes no classification, got 'bill'"},
  };
  const auto before = h.view(id);
  const auto trail_before = h.events(id);
  std::size_t refused = 0;
  for (const auto& c : cases) {
    // Named copies, not a structured binding: clang 14 cannot capture a
    // binding in doctest's CAPTURE lambda.
    const tf::act_request& req = c.first;
    const std::string& message = c.second;
    CAPTURE(message);
    const auto r = h->act(req);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == tf::errc::invalid_argument);
    CHECK(r.error().message() == "ticket " + id + ": " + message);
    ++refused;
    // Nothing changed: neither the state nor the version nor the trail.
    CHECK(h.view(id) == before);
    CHECK(h.events(id) == trail_before);
    // Audited on the ticket's denial stream, with the code.
    const auto denied = h->denials(id);
    REQUIRE(denied.has_value());
    REQUIRE(denied->size() == refused);
    CHECK(denied->back().type == tf::event_type::denied);
    CHECK(denied->back().detail(tf::detail_key::action) == req.action);
    CHECK(denied->back().detail(tf::detail_key::code) == "invalid_argument");
    CHECK(denied->back().actor_id == req.by.id);
  }
  // A value given to an action whose definition fixes it.
  REQUIRE(h->act(request(id, "contact", "policy")).has_value());
  const auto moved = h.view(id);
  const auto r = h->act(request(id, "resolve", "own_post"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == tf::errc::invalid_argument);
  CHECK(r.error().message() ==
        "ticket " + id +
            ": action 'resolve' takes no classification: it records closed_loop "
            "'own_post' itself, got 'own_post'");
  CHECK(h.view(id) == moved);
  const auto denied = h->denials(id);
  REQUIRE(denied.has_value());
  CHECK(denied->size() == refused + 1);
  h.check_consistent(id);
}

TEST_CASE("engine.classification.its_bytes_are_checked_like_every_other_field") {
  engine_fixture h(mini::start, classified_catalog());
  const std::string id = open_ticket(h);
  const auto before = h.view(id);
  const auto bad_utf8 = h->act(request(id, "contact", std::string("bi\xffll")));
  REQUIRE_FALSE(bad_utf8.has_value());
  CHECK(bad_utf8.error().code() == tf::errc::invalid_argument);
  CHECK(bad_utf8.error().message() ==
        "ticket " + id + ": classification holds invalid UTF-8 at byte 2");
  const auto too_long = h->act(request(id, "contact", std::string(tf::max_id_bytes + 1, 'b'), {},
                                       mini::person("agent_zhao", "agent")));
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().code() == tf::errc::limit_exceeded);
  CHECK(h.view(id) == before);
  const auto denied = h->denials(id);
  REQUIRE(denied.has_value());
  CHECK(denied->size() == 2);
}
