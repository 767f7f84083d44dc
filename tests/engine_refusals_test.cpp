// SPDX-License-Identifier: MIT
// The engine refuses (include/tierflow/engine.hpp): a refused act() changes
// nothing about the ticket — state, version, trail — and leaves one `denied`
// event on its denial stream (or, for an unknown ticket, the denial log); a
// refused open() creates nothing and is logged.
// On the SHIPPED definitions (workflows/organisation.yaml, complaint.yaml)
// under a manual clock, plus tests/data/engine/return/loose_return.yaml: a
// workflow whose `return: true` action can be taken without a handoff (no
// shipped workflow allows that), for the "nothing to return from" refusal.
//
// Every expected instant is worked out by hand from the rules of
// tierflow/calendar.hpp on the shipped `office` calendar (Mon-Fri
// 08:30-12:00 and 13:30-17:30, +08:00; 27000 working seconds a day; 2026
// holidays include 10-01..10-07, and Sat 10-10 is a make-up working day).
// `bd` = the same working offset N working days later, holidays skipped.
// Local (UTC+8) times are written local(y, m, d, h, mi[, s]). The helpers
// are in support/engine_cases.hpp, the engine in support/engine_fixture.hpp.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

#include "support/engine_cases.hpp"
#include "support/engine_fixture.hpp"
#include "test_support.hpp"

namespace chr = std::chrono;
namespace tf = tierflow;
using tf::timestamp;
using tierflow_test::engine_fixture;
using tierflow_test::iso;
using tierflow_test::local;
using tierflow_test::shipped;
using namespace tierflow_test::engine_cases;

// ================================================================================
// 1. Rejections
// ================================================================================

TEST_CASE("engine.act.refusals_change_nothing_and_are_recorded_on_the_denial_stream") {
  // Tue 2026-11-24 09:00 local; nothing falls due while the clock stands.
  engine_fixture h(local(2026, 11, 24, 9, 0));
  // A big customer of gusu: routed to the gusu regional account manager.
  const std::string id = open_ok(*h, complaint("cust_refusals", "gusu", true));
  const tf::ticket_view opened = view_of(*h, id);
  REQUIRE(opened.state == "received");
  REQUIRE(opened.assignee.unit == "regional_account_manager");
  REQUIRE(opened.assignee.region == "gusu");

  SUBCASE("action not available in the state") {
    check_refused(h, request(id, "dispatch", csr("csr_1")), "not_found");
  }
  SUBCASE("an action no state has") {
    check_refused(h, request(id, "teleport", csr("csr_1")), "not_found");
  }
  SUBCASE("actor without an allowed role") {
    // classify: by [csr, regional_manager, enterprise_manager]
    check_refused(h, request(id, "classify", dispatcher()), "permission_denied");
  }
  SUBCASE("actor holding no role at all") {
    check_refused(h, request(id, "classify", tf::actor{"visitor", {}, ""}), "permission_denied");
  }
  SUBCASE("regional manager of another region") {
    check_refused(h, request(id, "classify", regional("rm_wuzhong", "wuzhong")),
                  "permission_denied");
  }
  SUBCASE("regional manager without a region") {
    check_refused(h, request(id, "classify", regional("rm_nowhere", "")), "permission_denied");
  }
  SUBCASE("stale expected_version") {
    tf::act_request r = request(id, "classify", regional("rm_gusu", "gusu"));
    r.expected_version = opened.version - 1;
    check_refused(h, r, "conflict");
  }
  SUBCASE("expected_version from the future") {
    tf::act_request r = request(id, "classify", regional("rm_gusu", "gusu"));
    r.expected_version = opened.version + 1;
    check_refused(h, r, "conflict");
  }
  SUBCASE("missing required note") {
    // not_a_complaint: note: true
    check_refused(h, request(id, "not_a_complaint", regional("rm_gusu", "gusu")),
                  "failed_precondition");
  }
  SUBCASE("the same request succeeds when everything is right") {
    tf::act_request r = request(id, "classify", regional("rm_gusu", "gusu"));
    r.expected_version = opened.version;
    auto v = h->act(r);
    REQUIRE(v.has_value());
    CHECK(v->state == "classified");
    CHECK(v->owner == "rm_gusu");
    CHECK(h->stats().denied == 0);
  }
}

TEST_CASE("engine.act.refusal_after_progress_keeps_owner_assignee_and_clocks") {
  // The same guarantees on a ticket with an owner, a handoff and running
  // clocks: a refusal in `investigating` changes none of it.
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_refusals_2"));
  acknowledge(*h, id, csr("csr_1"));
  act_ok(*h, id, "contact_customer", csr("csr_1"));
  act_ok(*h, id, "start_investigation", csr("csr_1"));
  h.at(local(2026, 11, 24, 10, 0));
  act_ok(*h, id, "need_tech", csr("csr_1"), "transformer hum");
  REQUIRE(view_of(*h, id).handoffs == std::vector<std::string>{"technical_department"});
  // tech_cannot_resolve needs a note.
  check_refused(h, request(id, "tech_cannot_resolve", engineer()), "failed_precondition");
  // A csr may not take the technical department's action.
  check_refused(h, request(id, "tech_done", csr("csr_1")), "permission_denied");
  // reply belongs to investigating, not tech_review.
  check_refused(h, request(id, "reply", csr("csr_1")), "not_found");
}

TEST_CASE("engine.act.return_without_handoff_is_refused") {
  engine_fixture h(local(2026, 11, 24, 9, 0), loose_return_fixture());
  tf::open_request r = complaint("cust_loose");
  r.type = "loose_return";
  const std::string id = open_ok(*h, r);
  REQUIRE(view_of(*h, id).handoffs.empty());
  check_refused(h, request(id, "give_back", csr("csr_1")), "failed_precondition");
  // The action without `return` is allowed for the same actor.
  CHECK(act_ok(*h, id, "finish", csr("csr_1")).closed);
}

TEST_CASE("engine.act.unknown_ticket_is_logged_in_the_denial_log") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string real = open_ok(*h, complaint("cust_unknown"));
  const tf::ticket_view before = view_of(*h, real);
  CHECK(denial_log(*h).empty());

  auto r = h->act(request("T99999999", "classify", csr("csr_7")));
  REQUIRE_FALSE(r.has_value());
  CHECK(code_of(r.error()) == "not_found");

  const auto log = denial_log(*h);
  REQUIRE(log.size() == 1);
  const tf::event& e = log.front();
  CHECK(e.type == tf::event_type::denied);
  CHECK(e.ticket_id == "~denied");
  CHECK(e.sequence == 1);
  CHECK(e.actor_id == "csr_7");
  CHECK(e.time == local(2026, 11, 24, 9, 0));
  CHECK(detail(e, "ticket") == "T99999999");
  CHECK(detail(e, "action") == "classify");
  CHECK(detail(e, "code") == "not_found");
  CHECK(detail(e, "reason") == r.error().message());
  CHECK(r.error().message().find("T99999999") != std::string::npos);
  CHECK(h->stats().denied == 1);

  // A second one chains onto the first.
  auto again = h->act(request("T00000099", "urge", csr("csr_8"), "where is it"));
  REQUIRE_FALSE(again.has_value());
  CHECK(code_of(again.error()) == "not_found");
  const auto log2 = denial_log(*h);
  REQUIRE(log2.size() == 2);
  CHECK(log2[0] == log.front());
  CHECK(log2[1].sequence == 2);
  CHECK(log2[1].actor_id == "csr_8");
  CHECK(detail(log2[1], "ticket") == "T00000099");
  CHECK(detail(log2[1], "action") == "urge");
  auto ok = h->verify(tf::engine::denial_log_id);
  CHECK(ok.has_value());

  // The unknown ids did not become tickets, and the real one is untouched.
  CHECK_FALSE(h->view("T99999999").has_value());
  CHECK_FALSE(h->events("T99999999").has_value());
  CHECK(view_of(*h, real) == before);
}

TEST_CASE("engine.open.refusals_create_nothing_and_are_logged") {
  engine_fixture h(local(2026, 11, 24, 9, 0));

  SUBCASE("unknown ticket type") {
    tf::open_request r = complaint("cust_o1");
    r.type = "compliment";
    check_open_refused(h, r, "not_found");
  }
  SUBCASE("unknown channel") {
    tf::open_request r = complaint("cust_o2");
    r.channel = "carrier_pigeon";
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("unknown customer attribute") {
    tf::open_request r = complaint("cust_o3");
    r.customer.emplace_back("favourite_colour", tf::value{std::string("blue")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("unknown ticket field") {
    tf::open_request r = complaint("cust_o3b");
    r.fields.emplace_back("mood", tf::value{std::string("angry")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("wrong type: text for a number") {
    tf::open_request r = complaint("cust_o4");
    r.customer.emplace_back("voltage_kv", tf::value{std::string("high")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("wrong type: number for a bool") {
    tf::open_request r = complaint("cust_o4b");
    r.customer.emplace_back("high_risk", tf::value{std::int64_t{1}});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("enum value not in the list") {
    tf::open_request r = complaint("cust_o5");
    r.customer.emplace_back("importance_class", tf::value{std::string("platinum")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("ticket field enum value not in the list") {
    tf::open_request r = complaint("cust_o5b");
    r.fields.emplace_back("complaint_class", tf::value{std::string("rudeness")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("region not in the organisation") {
    tf::open_request r = complaint("cust_o5c", "atlantis");
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("derived attribute supplied") {
    tf::open_request r = complaint("cust_o6");
    r.customer.emplace_back("complaints_last_30d", tf::value{std::int64_t{0}});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("empty customer id") {
    tf::open_request r = complaint("");
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("description one byte over max_text_bytes") {
    tf::open_request r = complaint("cust_o7");
    r.description = std::string(tf::max_text_bytes + 1, 'x');
    check_open_refused(h, r, "limit_exceeded");
  }
  SUBCASE("description of exactly max_text_bytes is accepted") {
    tf::open_request r = complaint("cust_o8");
    r.description = std::string(tf::max_text_bytes, 'x');
    auto o = h->open(r);
    REQUIRE(o.has_value());
    CHECK(o->ticket.id == "T00000001");
    CHECK(denial_log(*h).empty());
    CHECK(detail(trail(*h, o->ticket.id).front(), "description") == r.description);
  }
}

// ================================================================================
