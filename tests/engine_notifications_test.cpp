// SPDX-License-Identifier: MIT
// Notifications (include/tierflow/notification.hpp): a sink that throws is
// counted and changes nothing the engine decided. On the SHIPPED
// definitions under a manual clock.
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
#include <stdexcept>
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

namespace {

/// A sink whose delivery always fails.
class throwing_sink final : public tf::notification_sink {
 public:
  void deliver(const tf::notification&) override {
    ++calls;
    throw std::runtime_error("sms gateway down");
  }
  int calls = 0;
};

}  // namespace

// 5. Notifications
// ================================================================================

TEST_CASE("engine.notifications.a_throwing_sink_is_counted_and_changes_nothing") {
  throwing_sink sink;
  engine_fixture h(local(2026, 11, 24, 9, 0), shipped(), nullptr, &sink);
  const std::string id = open_ok(*h, complaint("cust_sink"));
  acknowledge(*h, id, csr("csr_1"));
  act_ok(*h, id, "contact_customer", csr("csr_1"));
  act_ok(*h, id, "start_investigation", csr("csr_1"));
  CHECK(sink.calls == 0);
  CHECK(h->stats().sink_failures == 0);

  // The handoff notifies the owner: the sink throws, the action stands.
  h.at(local(2026, 11, 24, 10, 0));
  auto r = h->act(request(id, "need_tech", csr("csr_1"), "transformer hum"));
  REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
  CHECK(r->state == "tech_review");
  CHECK(r->handoffs == std::vector<std::string>{"technical_department"});
  CHECK(sink.calls == 1);
  CHECK(h->stats().sink_failures == 1);
  CHECK(h->stats().notifications == 0);
  const tf::ticket_view v = view_of(*h, id);
  CHECK(v == *r);
  {
    const auto t = trail(*h, id);
    REQUIRE(t.size() >= 3);
    CHECK(t[t.size() - 3].type == tf::event_type::transitioned);
    CHECK(t[t.size() - 2].type == tf::event_type::handed_off);
    CHECK(t.back().type == tf::event_type::notified);
    CHECK(detail(t.back(), "reason") == "handed_off");
  }

  // Escalation through an action: owner told, sink throws again.
  h.at(local(2026, 11, 24, 11, 0));
  act_ok(*h, id, "tech_done", engineer());
  auto up = h->act(request(id, "refer_up", csr("csr_1"), "tariff decision"));
  REQUIRE(up.has_value());
  CHECK(up->tier == "regional_account_manager");
  CHECK(sink.calls == 2);
  CHECK(h->stats().sink_failures == 2);

  // Timers notify too (reply 50 %, 2bd after Tue 09:00 = Thu 11-26 09:00:
  // the assignee; contact was met at 09:00); advance still succeeds.
  auto adv = h->advance(local(2026, 11, 26, 9, 0));
  REQUIRE(adv.has_value());
  CHECK(adv->fired == 1);
  CHECK(sink.calls == 3);
  CHECK(h->stats().sink_failures == 3);
  CHECK(h->stats().notifications == 0);
  check_consistent(*h, id);
}

// ================================================================================
