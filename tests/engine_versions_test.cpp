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
