// SPDX-License-Identifier: MIT
// result<T>: what a host writes naturally — iterating a call's value,
// dereferencing a temporary, reading a temporary's error — is safe.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <tierflow/error.hpp>

using tierflow::errc;
using tierflow::fail;
using tierflow::result;

namespace {

result<std::vector<std::string>> names(bool ok) {
  if (!ok) return fail(errc::not_found, "no names");
  return std::vector<std::string>{"alpha", "beta", "gamma"};
}

}  // namespace

// With tl::expected these would be references into the temporary.
static_assert(std::is_same_v<decltype(std::declval<result<std::vector<int>>>().value()), std::vector<int>>);
static_assert(std::is_same_v<decltype(*std::declval<result<std::vector<int>>>()), std::vector<int>>);
static_assert(std::is_same_v<decltype(std::declval<result<int>>().error()), tierflow::error>);
static_assert(std::is_same_v<decltype(std::declval<result<void>>().error()), tierflow::error>);
// On an lvalue they stay references: no copy.
static_assert(std::is_same_v<decltype(std::declval<result<std::vector<int>>&>().value()), std::vector<int>&>);
static_assert(std::is_same_v<decltype(*std::declval<const result<int>&>()), const int&>);

TEST_CASE("result.value_of_a_temporary_is_iterated_safely") {
  std::string joined;
  for (const auto& n : names(true).value()) joined += n + ",";
  CHECK(joined == "alpha,beta,gamma,");
  std::size_t count = 0;
  for (const auto& n : *names(true)) count += n.size();
  CHECK(count == 14);
}

TEST_CASE("result.error_of_a_temporary_is_held_by_value") {
  const auto& e = names(false).error();  // lifetime-extended, not dangling
  CHECK(e.code() == errc::not_found);
  CHECK(e.message() == "no names");
  CHECK(names(false).error().with_context("listing").message() == "listing: no names");
}

TEST_CASE("result.move_only_values_move_out_of_a_temporary") {
  const auto make = []() -> result<std::unique_ptr<int>> { return std::make_unique<int>(7); };
  const std::unique_ptr<int> p = make().value();
  REQUIRE(p != nullptr);
  CHECK(*p == 7);
}

TEST_CASE("result.new_error_codes_have_names") {
  CHECK(tierflow::to_string(errc::failed_precondition) == "failed_precondition");
  CHECK(tierflow::to_string(errc::data_loss) == "data_loss");
  const result<void> r = fail(tierflow::error(errc::data_loss, "broken"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == errc::data_loss);
}
