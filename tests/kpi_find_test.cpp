// SPDX-License-Identifier: MIT
// The KPI walk's own readings of an event (src/kpi/keys.hpp, kpi/state.hpp):
// a detail by key, a number of seconds and a remembered name give what
// event::detail, parse_integer and the interner give, for texts of every
// length the comparisons treat apart, duplicate keys and keys of one length.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>

#include "kpi/keys.hpp"
#include "kpi/state.hpp"
#include "text/number.hpp"

namespace tf = tierflow;
namespace kd = tierflow::kpi::detail;

namespace {

/// `e` as a view (its details viewed in `details`, which must outlive it).
tf::event_view view_of(const tf::event& e,
                       std::vector<std::pair<std::string_view, std::string_view>>& details) {
  details.clear();
  for (const auto& [k, v] : e.details) details.emplace_back(k, v);
  tf::event_view v;
  v.ticket_id = e.ticket_id;
  v.type = e.type;
  v.details = details;
  return v;
}

/// A text of `n` bytes that starts and ends like `key` would not.
std::string text_of(std::size_t n, char fill) { return std::string(n, fill); }

}  // namespace

TEST_CASE("find gives event::detail's answer for keys of every length") {
  // Lengths around each of same_key's and same_text's cases: 0-3 bytes, 4-7,
  // 8-16, 17-32 (two halves), past 32 (memcmp).
  const std::vector<std::size_t> lengths = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 18, 24, 31, 32, 33, 40};
  for (const std::size_t n : lengths) {
    CAPTURE(n);
    const std::string key = text_of(n, 'k');
    // Keys of the same length that differ in one byte only, at the first,
    // a middle and the last place: none of them is `key`.
    tf::event e;
    e.type = tf::event_type::noted;
    for (const std::size_t at : {std::size_t{0}, n / 2, n == 0 ? 0 : n - 1}) {
      if (n == 0) break;
      std::string near = key;
      near[at] = 'x';
      e.details.emplace_back(near, "near " + std::to_string(at));
    }
    e.details.emplace_back(key + "k", "longer");
    if (n > 0) e.details.emplace_back(key.substr(1), "shorter");
    std::vector<std::pair<std::string_view, std::string_view>> details;
    CHECK(kd::find(e, key) == std::nullopt);
    CHECK(kd::find(view_of(e, details), key) == std::nullopt);
    // The first of two with the key, after the near ones.
    e.details.emplace_back(key, "first");
    e.details.emplace_back(key, "second");
    CHECK(kd::find(e, key) == e.detail(key));
    CHECK(kd::find(e, key) == std::optional<std::string_view>("first"));
    CHECK(kd::find(view_of(e, details), key) == std::optional<std::string_view>("first"));
  }
}

TEST_CASE("find reads the engine's keys of one length apart") {
  // "unit_calendar_s", "wait_calendar_s", "unit_business_s" and
  // "wait_business_s" share a length, as do the two ticket_… keys (17
  // bytes, compared as two halves that overlap).
  tf::event e;
  e.type = tf::event_type::closed;
  e.details = {{std::string(tf::detail_key::wait_calendar_seconds), "1"},
               {std::string(tf::detail_key::unit_business_seconds), "2"},
               {std::string(tf::detail_key::ticket_business_seconds), "3"},
               {std::string(tf::detail_key::unit_calendar_seconds), "4"},
               {std::string(tf::detail_key::ticket_calendar_seconds), "5"}};
  for (const std::string_view key :
       {tf::detail_key::wait_calendar_seconds, tf::detail_key::wait_business_seconds,
        tf::detail_key::unit_calendar_seconds, tf::detail_key::unit_business_seconds,
        tf::detail_key::ticket_calendar_seconds, tf::detail_key::ticket_business_seconds,
        tf::detail_key::state_calendar_seconds}) {
    CAPTURE(key);
    CHECK(kd::find(e, key) == e.detail(key));
  }
}

TEST_CASE("seconds_of reads what parse_integer reads") {
  const std::vector<std::string> texts = {
      "0", "7", "133", "0042", "86400", "999999999999999999",  // 18 digits: read in place
      "1000000000000000000",                                   // 19: parse_integer's
      "9223372036854775807", "9223372036854775808",            // int64's largest, and past it
      "99999999999999999999", "-5", "+5", "++5", "+", "-", "", "12a", "a12", "1 2", " 1",
      "1.5", "/", ":", std::string("1\0", 2)};
  for (const std::string& text : texts) {
    CAPTURE(text);
    tf::event e;
    e.details = {{"n", text}};
    CHECK(kd::seconds_of(e, "n") == tf::detail::parse_integer(text));
  }
  tf::event none;
  CHECK(kd::seconds_of(none, "n") == std::nullopt);
}

TEST_CASE("remembered gives the interner's id whichever entry names share") {
  // Names that fall on one memo entry in turn ("agent.9" and "agent.10"
  // did), and names of one length and ends that differ inside.
  kd::interner names;
  kd::interner oracle;
  kd::name_memo memo;
  const std::vector<std::string> sequence = {
      "agent.9", "agent.10", "agent.9",  "agent.10", "a-------------------z", "a--------x----------z",
      "a-------------------z", "",      "agent.1", "agent.9", "a--------x----------z", "", "agent.10"};
  for (const std::string& name : sequence) {
    CAPTURE(name);
    const std::uint32_t id = kd::remembered(names, memo, name);
    CHECK(names.name(id) == name);
    CHECK(id == oracle.id(name));
  }
}
