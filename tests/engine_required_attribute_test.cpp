// SPDX-License-Identifier: MIT
// Required customer attributes (`required: true`, tierflow/attribute.hpp):
// open() refuses a request without one with errc::invalid_argument, creates
// nothing and logs the refusal on the denial log like every other refused
// open. The shipped organisation requires `region` (every supply customer
// sits in a supply area: a region), so a shipped-workflow ticket can never
// wait in a region queue no one serves.
#include <cstdint>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include <tierflow/catalog.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/ticket.hpp>

#include "support/engine_cases.hpp"
#include "support/engine_fixture.hpp"
#include "test_support.hpp"

namespace tf = tierflow;
using tierflow_test::engine_fixture;
using tierflow_test::local;
using tierflow_test::shipped;
using namespace tierflow_test::engine_cases;

namespace {

/// complaint() without its region.
tf::open_request without_region(std::string customer) {
  tf::open_request r = complaint(std::move(customer));
  std::erase_if(r.customer, [](const auto& kv) { return kv.first == "region"; });
  REQUIRE(r.customer.empty());
  return r;
}

/// The shipped catalog with attribute `name` of the organisation made
/// required (`on`) or optional.
tf::catalog with_required(std::string_view name, bool on) {
  tf::catalog cat = shipped();
  bool found = false;
  for (tf::attribute& a : cat.org.customer_attributes) {
    if (a.name != name) continue;
    a.required = on;
    found = true;
  }
  REQUIRE(found);
  return cat;
}

}  // namespace

TEST_CASE("engine.required_attribute.the_shipped_organisation_requires_region") {
  const tf::attribute* region = shipped().org.find_customer_attribute("region");
  REQUIRE(region != nullptr);
  CHECK(region->required);
  // Nothing else: the rest of a customer's profile may be unknown at intake.
  for (const tf::attribute& a : shipped().org.customer_attributes)
    if (a.name != "region") CHECK_MESSAGE(!a.required, a.name);
}

TEST_CASE("engine.required_attribute.open_without_region_is_refused_and_logged") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const tf::open_request r = without_region("cust_req_1");
  check_open_refused(h, r, "invalid_argument");
  auto again = h->open(r);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().message() == "opening ticket: customer attribute 'region' is required");
}

TEST_CASE("engine.required_attribute.open_with_region_opens") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const tf::opened_ticket o = h.open(complaint("cust_req_2", "wuzhong"));
  CHECK(o.ticket.region == "wuzhong");
  CHECK(denial_log(*h).empty());
}

TEST_CASE("engine.required_attribute.an_optional_region_may_be_left_out") {
  // The same request on the same workflows: only `required` differs.
  engine_fixture h(local(2026, 11, 24, 9, 0), with_required("region", false));
  const tf::opened_ticket o = h.open(without_region("cust_req_3"));
  CHECK(o.ticket.region.empty());
  CHECK(o.ticket.assignee.unit == "customer_service_center");
}

TEST_CASE("engine.required_attribute.any_attribute_can_be_required") {
  engine_fixture h(local(2026, 11, 24, 9, 0), with_required("voltage_kv", true));
  check_open_refused(h, complaint("cust_req_4"), "invalid_argument");
  auto refused = h->open(complaint("cust_req_4"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message() == "opening ticket: customer attribute 'voltage_kv' is required");

  tf::open_request given = complaint("cust_req_5");
  given.customer.emplace_back("voltage_kv", tf::value{10.0});
  CHECK(h.open(given).ticket.id == "T00000001");
}

TEST_CASE("engine.required_attribute.a_malformed_value_is_refused_for_what_it_is") {
  // The value's own fault comes first: the author of the request fixes that.
  engine_fixture h(local(2026, 11, 24, 9, 0));
  tf::open_request r = without_region("cust_req_6");
  r.customer.emplace_back("voltage_kv", tf::value{std::string("high")});
  auto refused = h->open(r);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message().find("'voltage_kv'") != std::string::npos);
}
