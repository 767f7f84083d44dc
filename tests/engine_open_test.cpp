// SPDX-License-Identifier: MIT
// engine::open and engine::open_brief (include/tierflow/engine.hpp): the
// `opened` event records the request, the derived attributes and the
// deadlines, and the ticket an open leaves in memory is that trail folded.
// The open writes `opened` from a draft of the ticket in the ticket's own
// record (intake.cpp), which the fold then builds from the event alone.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/ticket.hpp>

#include "support/engine_fixture.hpp"
#include "test_support.hpp"

namespace {

namespace tf = tierflow;
using tierflow_test::engine_fixture;
using tierflow_test::local;

// A level-1 key customer's complaint: customer attributes (a number given
// as an integer, converted), a ticket field; the organisation derives two
// more attributes from the customer's history.
tf::open_request key_complaint(const std::string& customer) {
  return tf::open_request{"complaint",
                          "hotline_95598",
                          customer,
                          {{"importance_class", std::string("level1")},
                           {"region", std::string("kunshan")},
                           {"voltage_kv", std::int64_t{110}},
                           {"capacity_kva", 25000.0}},
                          {{"complaint_class", std::string("service")}},
                          "bill higher than expected",
                          "",
                          "csr_01"};
}

// The `opened` event's details, "key=value" each, in order.
std::vector<std::string> opened_details(engine_fixture& f, const std::string& id) {
  const auto trail = f->events(id);
  REQUIRE(trail.has_value());
  REQUIRE(!trail->empty());
  REQUIRE(trail->front().type == tf::event_type::opened);
  std::vector<std::string> out;
  for (const auto& [k, v] : trail->front().details) out.push_back(k + "=" + v);
  return out;
}

// The ticket in memory is its trail replayed, and `opened` records the
// request's attributes and fields, the derived ones (`repeats` earlier
// complaints of the customer), the region and the deadlines.
void check_opened(engine_fixture& f, const std::string& id, const std::string& customer,
                  int repeats) {
  const auto live = f->view(id);
  REQUIRE(live.has_value());
  const auto replayed = f->replay(id);
  REQUIRE(replayed.has_value());
  CHECK(*live == *replayed);
  CHECK(live->region == "kunshan");
  std::vector<std::string> expected{"type=complaint",
                                    "channel=hotline_95598",
                                    "customer=" + customer,
                                    "region=kunshan",
                                    "external_ref=",
                                    "description=bill higher than expected",
                                    "customer.importance_class=level1",
                                    "customer.region=kunshan",
                                    "customer.voltage_kv=110",
                                    "customer.capacity_kva=25000",
                                    "customer.complaints_last_30d=" + std::to_string(repeats),
                                    "customer.faults_last_7d=0",
                                    "ticket.complaint_class=service",
                                    "deadline.contact=24h",
                                    "deadline.reply=4bd",
                                    "deadline.answer=5bd",
                                    "deadline.reopen_reply=4bd"};
  std::vector<std::string> got = opened_details(f, id);
  // The fingerprint last: the definition's content hash, not spelled here.
  REQUIRE(!got.empty());
  CHECK(got.back().starts_with(std::string(tf::detail_key::fingerprint) + "="));
  got.pop_back();
  CHECK(got == expected);
}

}  // namespace

TEST_CASE("engine.open.the_ticket_in_memory_is_its_trail_folded") {
  engine_fixture f(local(2026, 11, 24, 9, 0));
  const tf::opened_ticket first = f.open(key_complaint("C1"));
  check_opened(f, first.ticket.id, "C1", 0);
  // The customer's second complaint, through open_brief: a repeat.
  const auto second = f->open_brief(key_complaint("C1"));
  REQUIRE(second.has_value());
  check_opened(f, second->ticket_id, "C1", 1);
}
