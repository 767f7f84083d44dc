// SPDX-License-Identifier: MIT
// Workflow versions side by side: the shipped complaint workflow as version
// 1 plus a version 2 (effective 2026-12-01, `contact: 12h` instead of 24h)
// derived from its text in memory; a ticket keeps the version it opened
// with.
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

#include "engine/ticket_record.hpp"
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

// 7. Workflow versions
// ================================================================================

TEST_CASE("engine.versions.tickets_keep_the_version_they_opened_with") {
  const tf::catalog cat = versions_fixture();
  REQUIRE(cat.workflows.size() == 2);
  engine_fixture h(local(2026, 11, 30, 9, 0), cat);

  // Mon 11-30 09:00: version 1 (contact 24h).
  const std::string v1 = open_ok(*h, complaint("cust_v1"));
  tf::ticket_view a = view_of(*h, v1);
  CHECK(a.workflow_id == "complaint");
  CHECK(a.workflow_version == 1);
  CHECK(deadline(a, "contact").within == "24h");
  CHECK(due_of(a, "contact") == local(2026, 12, 1, 9, 0));

  // Tue 12-01 00:30 local (still Mon 11-30 in UTC): version 2 is in effect
  // on the local day.
  h.at(local(2026, 12, 1, 0, 30));
  auto opened = h->open(complaint("cust_v2"));
  REQUIRE(opened.has_value());
  const std::string v2 = opened->ticket.id;
  CHECK(opened->routing.workflow_version == 2);
  tf::ticket_view b = view_of(*h, v2);
  CHECK(b.workflow_version == 2);
  CHECK(deadline(b, "contact").within == "12h");
  CHECK(due_of(b, "contact") == local(2026, 12, 1, 12, 30));

  // Both progress side by side.
  acknowledge(*h, v1, csr("csr_1"));
  acknowledge(*h, v2, csr("csr_2"));
  a = view_of(*h, v1);
  b = view_of(*h, v2);
  CHECK(a.workflow_version == 1);
  CHECK(b.workflow_version == 2);
  CHECK(a.state == "acknowledged");
  CHECK(b.state == "acknowledged");

  // v1's contact breaches at Tue 09:00, v2's at Tue 12:30.
  h.at(local(2026, 12, 1, 13, 0));
  auto r = h->advance();
  REQUIRE(r.has_value());
  const auto breach_time = [&](const std::string& id) {
    for (const auto& e : trail(*h, id))
      if (e.type == tf::event_type::deadline_breached && detail(e, "deadline") == "contact" &&
          !e.detail("after"))
        return e.time;
    return timestamp::max();
  };
  CHECK(breach_time(v1) == local(2026, 12, 1, 9, 0));
  CHECK(breach_time(v2) == local(2026, 12, 1, 12, 30));

  act_ok(*h, v1, "contact_customer", csr("csr_1"));
  act_ok(*h, v2, "contact_customer", csr("csr_2"));
  a = view_of(*h, v1);
  b = view_of(*h, v2);
  CHECK(a.workflow_version == 1);
  CHECK(b.workflow_version == 2);
  CHECK(status(deadline(a, "contact")) == "missed");
  CHECK(status(deadline(b, "contact")) == "missed");

  for (const auto& e : trail(*h, v1)) {
    CHECK(e.workflow_id == "complaint");
    CHECK(e.workflow_version == 1);
  }
  for (const auto& e : trail(*h, v2)) {
    CHECK(e.workflow_id == "complaint");
    CHECK(e.workflow_version == 2);
  }
  check_consistent(*h, v1);
  check_consistent(*h, v2);
}

// ================================================================================

// ================================================================================
// The fold refuses what it cannot apply
// ================================================================================

namespace {

/// A complaint's trail (opened, routed, classify, dispatch, acknowledge), as
/// stored, and the catalog it was written under.
std::vector<tf::event> complaint_trail(const tf::catalog& cat) {
  engine_fixture h(local(2026, 11, 24, 9, 0), cat);
  const std::string id = open_ok(*h, complaint("cust_fold", "gusu", true));
  act_ok(*h, id, "classify", regional("rm_gusu", "gusu"));
  act_ok(*h, id, "dispatch", dispatcher());
  return trail(*h, id);
}

void set_detail(tf::event& e, std::string_view key, std::string value) {
  for (auto& [k, v] : e.details)
    if (k == key) {
      v = std::move(value);
      return;
    }
  FAIL("no detail " << std::string(key));
}

std::size_t index_of(const std::vector<tf::event>& t, tf::event_type type) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t[i].type == type) return i;
  FAIL("no " << tf::to_string(type));
  return 0;
}

/// detail::replay refuses `t` with data_loss, naming the event and `what`.
void check_refused_fold(const tf::catalog& cat, const std::vector<tf::event>& t, std::uint64_t sequence,
                        std::string_view what) {
  const tf::detail::compiled_catalog cc = tf::detail::compile(cat);
  auto r = tf::detail::replay(cc, t);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == tf::errc::data_loss);
  const std::string m = r.error().message();
  CHECK_MESSAGE(m.find("event " + std::to_string(sequence) + " ") != std::string::npos, m);
  CHECK_MESSAGE(m.find(std::string(what)) != std::string::npos, m);
}

}  // namespace

TEST_CASE("engine.fold.refuses_events_it_cannot_apply") {
  const tf::catalog cat = shipped();
  const std::vector<tf::event> good = complaint_trail(cat);
  {
    const tf::detail::compiled_catalog cc = tf::detail::compile(cat);
    auto r = tf::detail::replay(cc, good);
    REQUIRE_MESSAGE(r.has_value(), r.error().message());
    CHECK(r->version == good.size());
  }
  std::vector<tf::event> t = good;
  const std::size_t moved = index_of(t, tf::event_type::transitioned);
  SUBCASE("an unknown state entered") {
    set_detail(t[moved], "to", "sorted");
    check_refused_fold(cat, t, moved + 1, "unknown state 'sorted' (to)");
  }
  SUBCASE("an unknown state left") {
    set_detail(t[moved], "from", "nowhere");
    check_refused_fold(cat, t, moved + 1, "unknown state 'nowhere' (from)");
  }
  SUBCASE("an unknown deadline in `opened`") {
    t[0].details.emplace_back("deadline.promptness", "1h");
    check_refused_fold(cat, t, 1, "unknown deadline 'promptness'");
  }
  SUBCASE("an unknown deadline warned") {
    tf::event w = t.back();
    w.sequence = t.size() + 1;
    w.actor_id = "system";
    w.type = tf::event_type::deadline_warned;
    w.details = {{"deadline", "promptness"}, {"percent", "50"}};
    t.push_back(w);
    check_refused_fold(cat, t, t.size(), "unknown deadline 'promptness'");
  }
  SUBCASE("an unknown unit") {
    set_detail(t[1], "unit", "night_shift");
    check_refused_fold(cat, t, 2, "unknown unit 'night_shift'");
  }
  SUBCASE("an unknown tier") {
    tf::event e = t.back();
    e.sequence = t.size() + 1;
    e.type = tf::event_type::escalated;
    e.details = {{"rule", "r"}, {"from_tier", "customer_service_center"}, {"to_tier", "board_of_directors"},
                 {"region", ""}};
    t.push_back(e);
    check_refused_fold(cat, t, t.size(), "unknown tier 'board_of_directors'");
  }
  SUBCASE("a sequence gap") {
    t.erase(t.begin() + 2);
    check_refused_fold(cat, t, 4, "expected sequence 3");
  }
  SUBCASE("an event of another workflow version") {
    t.back().workflow_version = 2;
    check_refused_fold(cat, t, t.size(), "of workflow 'complaint' v2");
  }
  SUBCASE("a workflow the catalog does not have") {
    for (auto& e : t) e.workflow_version = 9;
    check_refused_fold(cat, t, 1, "unknown workflow 'complaint' v9");
  }
}
