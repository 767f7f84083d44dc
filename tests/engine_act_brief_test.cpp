// SPDX-License-Identifier: MIT
// engine::act_brief (include/tierflow/engine.hpp): the same command as
// act() without the view. Two engines on the shipped definitions, each on
// its own memory store and manual clock, take the same commands at the same
// instants, one through act() and one through act_brief(): their trails and
// denial streams must be byte-identical (hashes included), each receipt
// must say what the other engine's view says, and a refusal must be the
// same error, audited the same way, with the ticket unchanged.
// engine::act_into and engine::view_into: the same, with the view written
// over one the caller holds — equal to act()'s and view()'s whatever that
// view held before, and untouched by a refusal; engine::act_brief_into
// likewise with a receipt.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>

#include "engine/routing.hpp"
#include "engine/ticket_id.hpp"
#include "engine/ticket_record.hpp"
#include "support/engine_fixture.hpp"
#include "support/flows_cases.hpp"
#include "test_support.hpp"

namespace {

namespace chr = std::chrono;
namespace tf = tierflow;
using tierflow_test::engine_fixture;
using tierflow_test::local;
using namespace tierflow_test::flows;

tf::act_request request(const std::string& id, std::string action, const tf::actor& who) {
  tf::act_request req;
  req.ticket_id = id;
  req.action = std::move(action);
  req.by = who;
  return req;
}

// A view that shares nothing with any ticket's: every member set, and
// more handoffs, flags, deadlines and unit times than the tickets below
// ever have, so that a view written over it must set and trim them all.
tf::ticket_view junk_view() {
  tf::ticket_view v;
  v.id = "T-JUNK-WITH-A-LONG-ID-0000000001";
  v.type = "junk_type_long_enough_to_allocate";
  v.channel = "junk_channel";
  v.customer_id = "C-JUNK";
  v.region = "nowhere";
  v.external_ref = "ref-junk";
  v.workflow_id = "junk_flow";
  v.workflow_version = 99;
  v.state = "junk_state";
  v.closed = true;
  v.paused = true;
  v.owner = "junk_owner";
  v.assignee = tf::assignment{"junk_unit", "junk_region", "junk_person"};
  v.tier = "junk_tier";
  v.tier_level = 7;
  v.escalations = 42;
  v.handoffs = {"team_a", "team_b", "team_c", "team_d"};
  v.flags = {"flag_a", "flag_b", "flag_c"};
  for (int i = 0; i < 9; ++i) {
    tf::deadline_view d;
    d.id = "junk_deadline_" + std::to_string(i);
    d.status = tf::deadline_status::missed;
    d.within = "999d";
    d.due = tf::timestamp{chr::seconds{1000 + i}};
    d.remaining_seconds = -5;
    d.breached = true;
    v.deadlines.push_back(d);
  }
  for (int i = 0; i < 6; ++i)
    v.time_by_unit.push_back(tf::unit_time{"junk_unit_" + std::to_string(i), 77, 66});
  v.opened_at = tf::timestamp{chr::seconds{5}};
  v.closed_at = tf::timestamp{chr::seconds{6}};
  v.version = 1234;
  v.as_of = tf::timestamp{chr::seconds{7}};
  return v;
}

// The receipt a view implies, member by member from the view's own
// members (ticket_view::nearest_due() for the due): what act_brief() and
// brief() must return for the ticket that view shows.
tf::act_receipt receipt_of(const tf::ticket_view& v) {
  tf::act_receipt r;
  r.version = v.version;
  r.state = v.state;
  r.closed = v.closed;
  r.region = v.region;
  r.assignee = v.assignee;
  r.owner = v.owner;
  r.paused = v.paused;
  r.nearest_due = v.nearest_due();
  return r;
}

}  // namespace

TEST_CASE("engine.act_into.writes_over_a_held_view_what_act_returns") {
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture full(start);
  engine_fixture into(start);
  const tf::open_request req =
      complaint("C-INTO", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}});
  const std::string id = full.open(req).ticket.id;
  REQUIRE(into.open(req).ticket.id == id);

  const auto path = t0_complaint_path();
  // One view held across the whole path, as the simulator holds one per
  // ticket; it starts as junk.
  tf::ticket_view held = junk_view();
  tf::timestamp t = start;
  for (const auto& step_of_path : path) {
    const std::string& action = step_of_path.first;
    const tf::actor* who = step_of_path.second;
    t += chr::minutes{5};
    full.at(t);
    into.at(t);
    // A refusal leaves the held view exactly as it was.
    const tf::ticket_view before = held;
    const tf::act_request wrong = request(id, "teleport", *who);
    const auto refused_full = full->act(wrong);
    const auto refused_into = into->act_into(wrong, held);
    REQUIRE_FALSE(refused_full.has_value());
    REQUIRE_FALSE(refused_into.has_value());
    CHECK(refused_into.error().code() == refused_full.error().code());
    CHECK(refused_into.error().message() == refused_full.error().message());
    CHECK(held == before);

    const tf::act_request step = request(id, action, *who);
    const auto v = full->act(step);
    const auto r = into->act_into(step, held);
    REQUIRE_MESSAGE(v.has_value(), action << ": " << (v ? std::string() : v.error().message()));
    REQUIRE_MESSAGE(r.has_value(), action << ": " << (r ? std::string() : r.error().message()));
    // Member for member what act() returned on the other engine (the
    // comparison is the view's own ==, over every member).
    CHECK(held == *v);
    CHECK(r->version == v->version);
    CHECK(r->state == v->state);
    CHECK(r->closed == v->closed);
  }
  CHECK(held.state == "archived");
  CHECK(held.closed);
  CHECK(into.events(id) == full.events(id));
}

TEST_CASE("engine.view_into.writes_over_a_held_view_what_view_returns") {
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture fx(start);
  const tf::open_request req =
      complaint("C-VIEW-INTO", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}});
  const std::string id = fx.open(req).ticket.id;
  tf::ticket_view held = junk_view();
  REQUIRE(fx->view_into(id, held).has_value());
  CHECK(held == fx.view(id));
  // Later, with time passed (deadlines evaluated at the new instant) and
  // the ticket moved on, the same held view follows.
  fx.at(start + chr::hours{3});
  REQUIRE(fx->act_brief(request(id, "classify", csr1)).has_value());
  REQUIRE(fx->view_into(id, held).has_value());
  CHECK(held == fx.view(id));
  CHECK(held.as_of == start + chr::hours{3});
  CHECK_FALSE(held.deadlines.empty());
  // A view of more than the ticket has (junk again) is trimmed to it.
  held = junk_view();
  REQUIRE(fx->view_into(id, held).has_value());
  CHECK(held == fx.view(id));
  CHECK(held.handoffs.empty());
  CHECK(held.deadlines.size() < junk_view().deadlines.size());
  CHECK(held.time_by_unit.size() < junk_view().time_by_unit.size());
  // An unknown ticket: the error view() gives, and the view untouched.
  const tf::ticket_view before = held;
  const auto missing = fx->view_into("T99999999", held);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == tf::errc::not_found);
  CHECK(held == before);
}

TEST_CASE("engine.act_brief.takes_the_same_actions_as_act_and_says_where_the_ticket_stands") {
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture full(start);
  engine_fixture brief(start);
  const tf::open_request req =
      complaint("C-BRIEF", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}});
  const std::string id = full.open(req).ticket.id;
  REQUIRE(brief.open(req).ticket.id == id);

  const auto path = t0_complaint_path();
  tf::timestamp t = start;
  std::uint64_t last_version = 0;
  for (const auto& step_of_path : path) {
    // Named, not bound: clang 14 cannot capture a structured binding in
    // doctest's message lambdas.
    const std::string& action = step_of_path.first;
    const tf::actor* who = step_of_path.second;
    t += chr::minutes{5};
    full.at(t);
    brief.at(t);
    // A refusal first, at every step: an action the state does not have.
    const tf::act_request wrong = request(id, "teleport", *who);
    const auto refused_full = full->act(wrong);
    const auto refused_brief = brief->act_brief(wrong);
    REQUIRE_FALSE(refused_full.has_value());
    REQUIRE_FALSE(refused_brief.has_value());
    CHECK(refused_brief.error().code() == refused_full.error().code());
    CHECK(refused_brief.error().message() == refused_full.error().message());
    CHECK(brief.view(id) == full.view(id));  // unchanged, and equal

    const tf::act_request step = request(id, action, *who);
    const auto v = full->act(step);
    const auto r = brief->act_brief(step);
    REQUIRE_MESSAGE(v.has_value(), action << ": " << (v ? std::string() : v.error().message()));
    REQUIRE_MESSAGE(r.has_value(), action << ": " << (r ? std::string() : r.error().message()));
    CHECK(r->version == v->version);
    CHECK(r->state == v->state);
    CHECK(r->closed == v->closed);
    CHECK(r->version > last_version);
    last_version = r->version;
    // What the receipt says is what a view of the same engine says.
    const tf::ticket_view seen = brief.view(id);
    CHECK(seen.version == r->version);
    CHECK(seen.state == r->state);
    CHECK(seen.closed == r->closed);
    // Every routing member too, against either engine's view.
    CHECK(r->region == seen.region);
    CHECK(r->assignee == seen.assignee);
    CHECK(r->owner == seen.owner);
    CHECK(r->paused == seen.paused);
    CHECK(r->nearest_due == seen.nearest_due());
    CHECK(*r == receipt_of(*v));
  }
  const tf::act_receipt last = receipt_of(brief.view(id));
  CHECK(last.state == "archived");
  CHECK(last.closed);
  // The same events, hashes and all, on both; the same denials.
  CHECK(brief.events(id) == full.events(id));
  const auto denied_full = full->denials(id);
  const auto denied_brief = brief->denials(id);
  REQUIRE(denied_full.has_value());
  REQUIRE(denied_brief.has_value());
  CHECK(denied_full->size() == path.size());
  CHECK(*denied_brief == *denied_full);
  CHECK(brief->verify(id).has_value());
}

TEST_CASE("engine.act_brief_into.writes_over_a_held_receipt_what_act_brief_returns") {
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture brief(start);
  engine_fixture into(start);
  const tf::open_request req =
      complaint("C-RINTO", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}});
  const std::string id = brief.open(req).ticket.id;
  REQUIRE(into.open(req).ticket.id == id);

  // One receipt held across the whole path, as the simulator holds one per
  // ticket; it starts as junk in every member.
  tf::act_receipt held;
  held.version = 999;
  held.state = "junk_state_long_enough_to_allocate";
  held.closed = true;
  held.region = "nowhere";
  held.assignee.unit = "junk_unit";
  held.assignee.region = "junk_region";
  held.assignee.person = "junk.person";
  held.owner = "junk.owner";
  held.paused = true;
  held.nearest_due = start + chr::hours{1};
  tf::timestamp t = start;
  for (const auto& step_of_path : t0_complaint_path()) {
    const std::string& action = step_of_path.first;
    const tf::actor* who = step_of_path.second;
    t += chr::minutes{5};
    brief.at(t);
    into.at(t);
    // A refusal leaves the held receipt exactly as it was.
    const tf::act_receipt before = held;
    const tf::act_request wrong = request(id, "teleport", *who);
    const auto refused_brief = brief->act_brief(wrong);
    const auto refused_into = into->act_brief_into(wrong, held);
    REQUIRE_FALSE(refused_brief.has_value());
    REQUIRE_FALSE(refused_into.has_value());
    CHECK(refused_into.error().code() == refused_brief.error().code());
    CHECK(refused_into.error().message() == refused_brief.error().message());
    CHECK(held == before);

    const tf::act_request step = request(id, action, *who);
    const auto r = brief->act_brief(step);
    const auto ok = into->act_brief_into(step, held);
    REQUIRE_MESSAGE(r.has_value(), action << ": " << (r ? std::string() : r.error().message()));
    REQUIRE_MESSAGE(ok.has_value(), action << ": " << (ok ? std::string() : ok.error().message()));
    CHECK(held == *r);
  }
  CHECK(held.state == "archived");
  CHECK(held.closed);
  CHECK(into.events(id) == brief.events(id));
  const auto denied_brief = brief->denials(id);
  const auto denied_into = into->denials(id);
  REQUIRE(denied_brief.has_value());
  REQUIRE(denied_into.has_value());
  CHECK(*denied_into == *denied_brief);
}

TEST_CASE("engine.act_brief.an_unknown_ticket_is_refused_and_logged") {
  engine_fixture brief(local(2026, 11, 24, 9, 0));
  const auto r = brief->act_brief(request("T99999999", "classify", csr1));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == tf::errc::not_found);
  // The denial log holds the refusal, as for act().
  const auto log = brief->events(tf::engine::denial_log_id);
  REQUIRE(log.has_value());
  REQUIRE(log->size() == 1);
  CHECK(log->front().type == tf::event_type::denied);
  CHECK(log->front().actor_id == csr1.id);
  CHECK(log->front().detail("ticket") == "T99999999");
}

TEST_CASE("engine.brief.says_what_the_view_says_at_every_step_and_refusal") {
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture fx(start);
  const tf::open_request req =
      complaint("C-BRIEF-Q", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}});
  const std::string id = fx.open(req).ticket.id;
  {
    const auto b = fx->brief(id);
    REQUIRE(b.has_value());
    CHECK(*b == receipt_of(fx.view(id)));
    // Freshly opened: routed to a unit, a deadline running.
    CHECK_FALSE(b->assignee.unit.empty());
    CHECK(b->nearest_due.has_value());
    CHECK(b->region == "taicang");
  }
  const auto path = t0_complaint_path();
  tf::timestamp t = start;
  bool held_by_someone = false, owned = false, due_seen = false;
  for (const auto& step_of_path : path) {
    const std::string& action = step_of_path.first;
    const tf::actor* who = step_of_path.second;
    t += chr::minutes{7};
    fx.at(t);
    // A refusal changes nothing the receipt says.
    const auto before = fx->brief(id);
    REQUIRE(before.has_value());
    REQUIRE_FALSE(fx->act_brief(request(id, "teleport", *who)).has_value());
    const auto after_refusal = fx->brief(id);
    REQUIRE(after_refusal.has_value());
    CHECK(*after_refusal == *before);
    CHECK(*after_refusal == receipt_of(fx.view(id)));

    const auto r = fx->act_brief(request(id, action, *who));
    REQUIRE_MESSAGE(r.has_value(), action << ": " << (r ? std::string() : r.error().message()));
    const tf::ticket_view seen = fx.view(id);
    CHECK(*r == receipt_of(seen));
    const auto b = fx->brief(id);
    REQUIRE(b.has_value());
    CHECK(*b == *r);
    held_by_someone = held_by_someone || !r->assignee.person.empty();
    owned = owned || !r->owner.empty();
    due_seen = due_seen || r->nearest_due.has_value();
  }
  // The path exercised the members: someone took it, it had a deadline.
  CHECK(held_by_someone);
  CHECK(owned);
  CHECK(due_seen);
  // Closed: no deadline runs any more.
  const auto closed = fx->brief(id);
  REQUIRE(closed.has_value());
  CHECK(closed->closed);
  CHECK_FALSE(closed->nearest_due.has_value());
  CHECK(*closed == receipt_of(fx.view(id)));
}

TEST_CASE("engine.brief.follows_timers_that_fired") {
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture fx(start);
  const tf::open_request req =
      complaint("C-BRIEF-T", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}});
  const std::string id = fx.open(req).ticket.id;
  const auto opened = fx->brief(id);
  REQUIRE(opened.has_value());
  // Left alone for weeks: its deadlines warn and breach, the escalation
  // rules move it; the receipt follows what the view says.
  fx.at(start + chr::hours{24 * 21});
  REQUIRE(fx->advance().has_value());
  const auto later = fx->brief(id);
  REQUIRE(later.has_value());
  CHECK(later->version > opened->version);
  CHECK(*later == receipt_of(fx.view(id)));
}

TEST_CASE("engine.brief.an_unknown_ticket_is_not_found") {
  engine_fixture fx(local(2026, 11, 24, 9, 0));
  const auto b = fx->brief("T99999999");
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().code() == tf::errc::not_found);
  CHECK(b.error().code() == fx->view("T99999999").error().code());
}

TEST_CASE("engine.open_brief.opens_as_open_does_and_says_where_the_ticket_stands") {
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture full(start);
  engine_fixture brief(start);
  // An ordinary complaint, a key customer's, and one whose open-time
  // escalation rule moves it up a tier and notifies (skip_level_at_open).
  const std::vector<tf::open_request> requests = {
      complaint("C-OB-1", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}}),
      complaint("C-OB-2", {{"region", txt("gusu")}, {"priority", txt("key")}}, {{"complaint_class", txt("business")}}),
      complaint("C-OB-3", {{"region", txt("gusu")}},
                {{"complaint_class", txt("service")}, {"skip_level_risk", yes()}}),
  };
  bool escalated = false;
  tf::timestamp t = start;
  for (const tf::open_request& req : requests) {
    t += chr::minutes{3};
    full.at(t);
    brief.at(t);
    const tf::opened_ticket o = full.open(req);
    const auto r = brief->open_brief(req);
    REQUIRE_MESSAGE(r.has_value(), req.customer_id << ": " << (r ? std::string() : r.error().message()));
    CHECK(r->ticket_id == o.ticket.id);
    CHECK(r->workflow_id == o.ticket.workflow_id);
    CHECK(r->workflow_version == o.ticket.workflow_version);
    CHECK(r->brief == receipt_of(o.ticket));
    const auto b = brief->brief(r->ticket_id);
    REQUIRE(b.has_value());
    CHECK(*b == r->brief);
    // The same events, hashes included, and the same notifications.
    CHECK(brief.events(r->ticket_id) == full.events(o.ticket.id));
    CHECK(show(brief.inbox.drain()) == show(full.inbox.drain()));
    escalated = escalated || o.ticket.escalations > 0;
  }
  // The third request did run an open-time rule that moved the ticket.
  CHECK(escalated);
}

TEST_CASE("engine.open_brief.a_refused_open_is_the_same_error_and_denial") {
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture full(start);
  engine_fixture brief(start);
  tf::open_request bad = complaint("C-OB-BAD", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}});
  bad.type = "no_such_ticket_type";
  const auto o = full->open(bad);
  const auto r = brief->open_brief(bad);
  REQUIRE_FALSE(o.has_value());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == tf::errc::not_found);
  CHECK(r.error().code() == o.error().code());
  CHECK(r.error().message() == o.error().message());
  // Audited the same way on the denial log, and no ticket numbered.
  CHECK(brief.events(tf::engine::denial_log_id) == full.events(tf::engine::denial_log_id));
  CHECK(brief.events(tf::engine::denial_log_id).size() == 1);
  const tf::open_request good =
      complaint("C-OB-GOOD", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}});
  const auto next = brief->open_brief(good);
  REQUIRE(next.has_value());
  CHECK(next->ticket_id == full.open(good).ticket.id);
}

TEST_CASE("engine.open.ticket_ids_are_the_prefix_and_the_number_padded_to_eight_digits") {
  // What fmt::format("{}{:08}", prefix, n) gave, which ids were written
  // with before: every digit count, at and beyond the padding.
  CHECK(tf::detail::ticket_id_for("T", 0) == "T00000000");
  CHECK(tf::detail::ticket_id_for("T", 1) == "T00000001");
  CHECK(tf::detail::ticket_id_for("T", 42) == "T00000042");
  CHECK(tf::detail::ticket_id_for("T", 1234567) == "T01234567");
  CHECK(tf::detail::ticket_id_for("T", 12345678) == "T12345678");
  CHECK(tf::detail::ticket_id_for("T", 123456789) == "T123456789");
  CHECK(tf::detail::ticket_id_for("GZ-", 7) == "GZ-00000007");
  CHECK(tf::detail::ticket_id_for("", 5) == "00000005");
  CHECK(tf::detail::ticket_id_for("T", UINT64_MAX) == "T18446744073709551615");
}

TEST_CASE("engine.route_into.writes_over_a_held_decision_what_route_returns") {
  // Tickets routed by the first rule (a key customer), a later one, and the
  // catch-all, each folded from its trail; every decision routed into one
  // held decision after the other (as a command's kept one is), starting
  // from one that holds more than any of them: a longer trace, inputs,
  // escalations and a person, which route_into must write over or trim.
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture f(start);
  const tf::catalog& cat = tierflow_test::shipped();
  const tf::detail::compiled_catalog cc = tf::detail::compile(cat);
  const std::vector<tf::open_request> requests = {
      complaint("C-RI-1", {{"region", txt("gusu")}, {"priority", txt("key")}}, {{"complaint_class", txt("business")}}),
      complaint("C-RI-2", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}}),
      complaint("C-RI-3", {{"region", txt("gusu")}, {"importance_class", txt("level2")}},
                {{"complaint_class", txt("service")}}),
  };
  tf::routing_decision held;
  held.workflow_id = "junk_flow_with_a_long_enough_id";
  held.workflow_version = 99;
  held.rule = "junk_rule";
  held.to = tf::assignment{"junk_unit", "junk_region", "junk_person"};
  for (int i = 0; i < 9; ++i)
    held.trace.push_back(tf::rule_trace{"junk_rule_" + std::to_string(i), i % 2 == 0,
                                        {{"customer.junk", "x"}, {"ticket.junk", "y"}, {"z", "w"}}});
  held.escalations = {{"junk_escalation", "junk_unit"}};
  std::size_t traced = 0;
  for (const tf::open_request& req : requests) {
    const tf::opened_ticket o = f.open(req);
    const auto rec = tf::detail::replay(cc, f.events(o.ticket.id));
    REQUIRE(rec.has_value());
    for (const std::string skip : {"", "enterprise_account_manager"}) {
      const tf::routing_decision fresh = tf::detail::route(cat.org, *rec, skip);
      tf::detail::route_into(cat.org, *rec, skip, held);
      CHECK(held == fresh);
      traced = std::max(traced, fresh.trace.size());
    }
  }
  // The cases tried more than one rule, and one came after a longer trace.
  CHECK(traced > 1);
}

TEST_CASE("engine.open.the_fold_gives_the_attributes_their_room_at_once") {
  // `opened` names the customer's attributes (given and derived) and the
  // ticket's fields one after the other: the fold reserves each vector once
  // for them (not a growth at 1, 2, 4 that leaves spare room behind).
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture f(start);
  const tf::detail::compiled_catalog cc = tf::detail::compile(tierflow_test::shipped());
  const std::vector<tf::open_request> requests = {
      complaint("C-FR-1", {{"region", txt("gusu")}}, {{"complaint_class", txt("business")}}),
      complaint("C-FR-2", {{"region", txt("gusu")}, {"priority", txt("key")}, {"importance_class", txt("level2")}},
                {{"complaint_class", txt("service")}, {"skip_level_risk", yes()}}),
  };
  for (const tf::open_request& req : requests) {
    const tf::opened_ticket o = f.open(req);
    const auto rec = tf::detail::replay(cc, f.events(o.ticket.id));
    REQUIRE(rec.has_value());
    CHECK(rec->customer.size() > req.customer.size());  // and the derived ones
    CHECK(rec->customer.capacity() == rec->customer.size());
    CHECK(rec->fields.size() == req.fields.size());
    CHECK(rec->fields.capacity() == rec->fields.size());
  }
}
