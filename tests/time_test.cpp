// SPDX-License-Identifier: MIT
// Time as text, tierflow/time.hpp: ISO 8601 and dates written and read,
// UTC offsets, local wall-clock time, and the edges (before 1970, the year
// limits, timestamp::max() as "never", every malformed input refused with a
// message that says why).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include <tierflow/calendar.hpp>
#include <tierflow/time.hpp>

#include "test_support.hpp"

namespace chr = std::chrono;
using namespace std::chrono_literals;
using tierflow::timestamp;
using tierflow_test::day;
using tierflow_test::utc;

namespace {

/// The message of a parse that must fail with invalid_argument; "" (and a
/// failed check) if it parsed.
template <class T>
std::string refusal(const tierflow::result<T>& r) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == tierflow::errc::invalid_argument);
  return r.error().message();
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

/// seconds since the epoch as a timestamp
constexpr timestamp at(std::int64_t s) { return timestamp{chr::seconds{s}}; }

}  // namespace

// --- Formatting -------------------------------------------------------------------------

TEST_CASE("time.format_iso8601_utc") {
  CHECK(tierflow::format_iso8601(utc(2026, 11, 24, 9, 0)) == "2026-11-24T09:00:00Z");
  CHECK(tierflow::format_iso8601(utc(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z");
  CHECK(tierflow::format_iso8601(at(0)) == "1970-01-01T00:00:00Z");
  CHECK(tierflow::format_iso8601(utc(2024, 2, 29, 23, 59, 59)) == "2024-02-29T23:59:59Z");
}

TEST_CASE("time.format_iso8601_with_offset") {
  const timestamp t = utc(2026, 11, 24, 9, 0);
  CHECK(tierflow::format_iso8601(t, 8h) == "2026-11-24T17:00:00+08:00");
  CHECK(tierflow::format_iso8601(t, -5h - 30min) == "2026-11-24T03:30:00-05:30");
  // Zero is an offset like any other here, written +00:00 (not Z), as the
  // route command has always shown it.
  CHECK(tierflow::format_iso8601(t, 0min) == "2026-11-24T09:00:00+00:00");
  // The local date moves with the offset.
  CHECK(tierflow::format_iso8601(utc(2026, 12, 31, 20, 0), 8h) == "2027-01-01T04:00:00+08:00");
  CHECK(tierflow::format_iso8601(utc(2026, 1, 1, 2, 0), -3h) == "2025-12-31T23:00:00-03:00");
}

TEST_CASE("time.format_date") {
  CHECK(tierflow::format_date(day(2026, 11, 24)) == "2026-11-24");
  CHECK(tierflow::format_date(day(2026, 1, 1)) == "2026-01-01");
  CHECK(tierflow::format_date(day(1, 1, 1)) == "0001-01-01");
  CHECK(tierflow::format_date(day(9999, 12, 31)) == "9999-12-31");
  CHECK(tierflow::format_date(day(1969, 12, 31)) == "1969-12-31");
}

TEST_CASE("time.format_utc_offset") {
  CHECK(tierflow::format_utc_offset(8h) == "+08:00");
  CHECK(tierflow::format_utc_offset(-5h - 30min) == "-05:30");
  CHECK(tierflow::format_utc_offset(0min) == "+00:00");
  CHECK(tierflow::format_utc_offset(23h + 59min) == "+23:59");
  CHECK(tierflow::format_utc_offset(-23h - 59min) == "-23:59");
  CHECK(tierflow::format_utc_offset(45min) == "+00:45");
}

TEST_CASE("time.format_local_patterns") {
  const timestamp t = utc(2026, 11, 24, 1, 5, 7);
  CHECK(tierflow::format_local(t, 8h, "%m-%d %H:%M") == "11-24 09:05");
  CHECK(tierflow::format_local(t, 0min, "%F %TZ") == "2026-11-24 01:05:07Z");
  CHECK(tierflow::format_local(t, 8h, "%Y/%m/%d %H.%M.%S") == "2026/11/24 09.05.07");
  CHECK(tierflow::format_local(t, 8h, "%F") == "2026-11-24");
  CHECK(tierflow::format_local(t, 8h, "%T") == "09:05:07");
  CHECK(tierflow::format_local(t, 8h, "") == "");
  SUBCASE("unknown conversions and a trailing % are copied") {
    CHECK(tierflow::format_local(t, 8h, "100%% at %H%q") == "100% at 09%q");
    CHECK(tierflow::format_local(t, 8h, "%H%") == "09%");
    CHECK(tierflow::format_local(t, 8h, "no fields") == "no fields");
  }
  SUBCASE("the offset moves the wall clock across midnight") {
    CHECK(tierflow::format_local(utc(2026, 11, 24, 16, 0), 8h, "%F %T") == "2026-11-25 00:00:00");
    CHECK(tierflow::format_local(utc(2026, 11, 24, 15, 59, 59), 8h, "%F %T") ==
          "2026-11-24 23:59:59");
  }
}

TEST_CASE("time.never_formats_as_never") {
  CHECK(tierflow::format_iso8601(timestamp::max()) == "never");
  CHECK(tierflow::format_iso8601(timestamp::max(), 8h) == "never");
  CHECK(tierflow::format_local(timestamp::max(), 8h, "%m-%d %H:%M") == "never");
  CHECK(tierflow_test::iso(timestamp::max()) == "never");
}

TEST_CASE("time.format_before_1970") {
  CHECK(tierflow::format_iso8601(at(-1)) == "1969-12-31T23:59:59Z");
  CHECK(tierflow::format_iso8601(at(-86400)) == "1969-12-31T00:00:00Z");
  CHECK(tierflow::format_iso8601(at(-86401)) == "1969-12-30T23:59:59Z");
  CHECK(tierflow::format_iso8601(utc(1900, 2, 28, 12, 0)) == "1900-02-28T12:00:00Z");
  CHECK(tierflow::format_iso8601(at(-1), 8h) == "1970-01-01T07:59:59+08:00");
  CHECK(tierflow::format_iso8601(at(0), -1min) == "1969-12-31T23:59:00-00:01");
}

TEST_CASE("time.format_year_limits") {
  CHECK(tierflow::format_iso8601(utc(1, 1, 1, 0, 0)) == "0001-01-01T00:00:00Z");
  CHECK(tierflow::format_iso8601(utc(9999, 12, 31, 23, 59, 59)) == "9999-12-31T23:59:59Z");
  CHECK(tierflow::format_iso8601(utc(0, 3, 1, 0, 0)) == "0000-03-01T00:00:00Z");
  // Outside 0000-9999: ISO 8601's expanded form, sign and at least four digits.
  CHECK(tierflow::format_iso8601(utc(-1, 12, 31, 23, 59, 59)) == "-0001-12-31T23:59:59Z");
  CHECK(tierflow::format_iso8601(utc(10000, 1, 1, 0, 0)) == "+10000-01-01T00:00:00Z");
  CHECK(tierflow::format_date(day(-32767, 1, 1)) == "-32767-01-01");
  CHECK(tierflow::format_date(day(32767, 12, 31)) == "+32767-12-31");
  CHECK(tierflow::format_local(utc(12345, 6, 7, 8, 9), 0min, "%Y") == "+12345");
}

// --- Local time -------------------------------------------------------------------------

TEST_CASE("time.local_conversions") {
  constexpr timestamp t = tierflow::from_local(chr::year{2026} / 11 / 24, 9h + 5min, 8h);
  static_assert(t == utc(2026, 11, 24, 1, 5));
  static_assert(tierflow::to_local(t, 8h) ==
                chr::local_days{chr::year{2026} / 11 / 24} + 9h + 5min);
  static_assert(tierflow::from_local(tierflow::to_local(t, -7h), -7h) == t);
  static_assert(tierflow::from_local(chr::local_days{chr::year{2026} / 11 / 24} + 9h, 8h) ==
                utc(2026, 11, 24, 1, 0));
  // The local day is the offset's, not UTC's.
  static_assert(tierflow::local_day(utc(2026, 11, 24, 16, 0), 8h) == day(2026, 11, 25));
  static_assert(tierflow::local_day(utc(2026, 11, 24, 15, 59, 59), 8h) == day(2026, 11, 24));
  static_assert(tierflow::local_day(utc(2026, 11, 24, 2, 0), -3h) == day(2026, 11, 23));
  static_assert(tierflow::local_day(tierflow_test::utc(1969, 12, 31, 23, 0), 0min) ==
                day(1969, 12, 31));
  // A time of day past 24 h runs into the next day.
  static_assert(tierflow::from_local(day(2026, 11, 24), 25h, 8h) == utc(2026, 11, 24, 17, 0));
  CHECK(tierflow_test::local(2026, 11, 24, 9, 0) == utc(2026, 11, 24, 1, 0));
}

TEST_CASE("time.calendar_local_points_agree_with_time") {
  tierflow::calendar cal;
  cal.utc_offset = 8h;
  for (const timestamp t : {utc(2026, 11, 24, 15, 59, 59), utc(2026, 11, 24, 16, 0), at(-1), at(0),
                            utc(1900, 1, 1, 0, 0)}) {
    const auto p = tierflow::detail::to_local(cal, t);
    CHECK(p.day == tierflow::local_day(t, cal.utc_offset));
    CHECK(p.second >= 0);
    CHECK(p.second < 86400);
    CHECK(tierflow::detail::from_local(cal, p.day, p.second) == t);
  }
}

// --- Parsing ----------------------------------------------------------------------------

TEST_CASE("time.parse_iso8601_utc") {
  CHECK(tierflow::parse_iso8601("2026-11-24T09:00:00Z").value() == utc(2026, 11, 24, 9, 0));
  CHECK(tierflow::parse_iso8601("2026-11-24T09:05Z").value() == utc(2026, 11, 24, 9, 5));
  CHECK(tierflow::parse_iso8601("1970-01-01T00:00:00Z").value() == at(0));
  // A bare date is its first second, UTC (what `audit --since 2026-11-25` means).
  CHECK(tierflow::parse_iso8601("2026-11-25").value() == utc(2026, 11, 25, 0, 0));
}

TEST_CASE("time.parse_iso8601_offsets") {
  CHECK(tierflow::parse_iso8601("2026-11-24T17:00:00+08:00").value() == utc(2026, 11, 24, 9, 0));
  CHECK(tierflow::parse_iso8601("2026-11-24T03:30:00-05:30").value() == utc(2026, 11, 24, 9, 0));
  CHECK(tierflow::parse_iso8601("2026-11-24T09:00:00+00:00").value() == utc(2026, 11, 24, 9, 0));
  CHECK(tierflow::parse_iso8601("2026-11-24T09:00:00-00:00").value() == utc(2026, 11, 24, 9, 0));
  CHECK(tierflow::parse_iso8601("2026-11-24T00:30+23:59").value() ==
        utc(2026, 11, 23, 0, 31));
  // An offset in the text wins over the local one.
  CHECK(tierflow::parse_iso8601("2026-11-24T09:00:00Z", 8h).value() == utc(2026, 11, 24, 9, 0));
  CHECK(tierflow::parse_iso8601("2026-11-24T09:00-01:00", 8h).value() ==
        utc(2026, 11, 24, 10, 0));
}

TEST_CASE("time.parse_iso8601_local") {
  // Without an offset: the wall clock of the organisation (a ticket file's `at`).
  CHECK(tierflow::parse_iso8601("2026-11-24T09:00:00", 8h).value() == utc(2026, 11, 24, 1, 0));
  CHECK(tierflow::parse_iso8601("2026-11-24T09:00", 8h).value() == utc(2026, 11, 24, 1, 0));
  CHECK(tierflow::parse_iso8601("2026-11-24", 8h).value() == utc(2026, 11, 23, 16, 0));
  CHECK(tierflow::parse_iso8601("2026-11-24", -5h).value() == utc(2026, 11, 24, 5, 0));
}

TEST_CASE("time.parse_iso8601_before_1970_and_limits") {
  CHECK(tierflow::parse_iso8601("1969-12-31T23:59:59Z").value() == at(-1));
  CHECK(tierflow::parse_iso8601("1970-01-01T07:59:59+08:00").value() == at(-1));
  CHECK(tierflow::parse_iso8601("1900-02-28T12:00:00Z").value() == utc(1900, 2, 28, 12, 0));
  CHECK(tierflow::parse_iso8601("0001-01-01T00:00:00Z").value() == utc(1, 1, 1, 0, 0));
  CHECK(tierflow::parse_iso8601("9999-12-31T23:59:59Z").value() == utc(9999, 12, 31, 23, 59, 59));
  // The offset may carry the instant past the years one can write.
  CHECK(tierflow::parse_iso8601("0001-01-01T00:00:00+01:00").value() ==
        utc(0, 12, 31, 23, 0));
  CHECK(tierflow::parse_iso8601("9999-12-31T23:59:59-01:00").value() ==
        utc(10000, 1, 1, 0, 59, 59));
  CHECK(tierflow::parse_iso8601("2024-02-29T00:00:00Z").has_value());
  CHECK(tierflow::parse_iso8601("2000-02-29T00:00:00Z").has_value());
}

TEST_CASE("time.parse_iso8601_rejects_malformed_text") {
  struct bad_case {
    std::string_view text;
    std::string_view why;
  };
  const std::string_view shape = "expected YYYY-MM-DDThh:mm[:ss] followed by Z, +hh:mm or -hh:mm";
  const bad_case cases[] = {
      {"", shape},
      {"yesterday", shape},
      {"2026-11-2", shape},
      {"2026/11/24T09:00:00Z", shape},
      {"26-11-24T09:00:00Z", shape},
      {"2026-11-24T", shape},
      {"2026-11-24T9:00:00Z", shape},
      {"2026-11-24T09", shape},
      {"2026-11-24T09:0Z", shape},
      {"2026-11-24T09:00:0Z", shape},
      {"2026-11-24T0900Z", shape},
      {"2026-11-24 09:00:00Z", shape},  // RFC 3339's space is not ISO 8601
      {"2026-11-24t09:00:00Z", shape},
      {"2026-11-24T09:00:00z", shape},
      {"2026-11-24T09:00:00 Z", shape},
      {"2026-11-24T09:00:00ZZ", shape},
      {"2026-11-24T09:00:00Z ", shape},
      {" 2026-11-24T09:00:00Z", shape},
      {"2026-11-24T09:00:00+0800", shape},
      {"2026-11-24T09:00:00+08", shape},
      {"2026-11-24T09:00:00+8:00", shape},
      {"2026-11-24T09:00:00UTC", shape},
      {"+2026-11-24T09:00:00Z", shape},
      {"-001-11-24T09:00:00Z", shape},
      {"2026-11-24T09:00:00.5Z", "fractional seconds are not supported"},
      {"2026-11-24T09:00:00,5Z", "fractional seconds are not supported"},
      {"2026-11-24T09:00:00", "no UTC offset: add Z, +hh:mm or -hh:mm"},
      {"2026-11-24T09:00", "no UTC offset: add Z, +hh:mm or -hh:mm"},
      {"2026-13-01T09:00:00Z", "month 13 is out of range 01-12"},
      {"2026-00-01T09:00:00Z", "month 00 is out of range 01-12"},
      {"2026-02-30T09:00:00Z", "day 30 does not exist in 2026-02"},
      {"2025-02-29T09:00:00Z", "day 29 does not exist in 2025-02"},
      {"1900-02-29T09:00:00Z", "day 29 does not exist in 1900-02"},
      {"2026-11-00T09:00:00Z", "day 00 does not exist in 2026-11"},
      {"2026-11-31T09:00:00Z", "day 31 does not exist in 2026-11"},
      {"0000-01-01T00:00:00Z", "year 0000 is out of range 0001-9999"},
      {"2026-11-24T24:00:00Z", "hour 24 is out of range 00-23"},
      {"2026-11-24T09:60:00Z", "minute 60 is out of range 00-59"},
      {"2026-11-24T23:59:60Z", "second 60 is out of range 00-59 (no leap seconds)"},
      {"2026-11-24T09:00:00+24:00", "offset hour 24 is out of range 00-23"},
      {"2026-11-24T09:00:00-08:60", "offset minute 60 is out of range 00-59"},
  };
  for (const bad_case& c : cases) {
    INFO("text: '", std::string(c.text), "'");
    const std::string message = refusal(tierflow::parse_iso8601(c.text));
    CHECK(message ==
          "invalid ISO 8601 instant '" + std::string(c.text) + "': " + std::string(c.why));
  }
}

TEST_CASE("time.parse_iso8601_with_local_offset_rejects_the_same") {
  // The local offset fills in a missing offset and nothing else.
  for (const std::string_view text :
       {"yesterday", "2026-11-24T", "2026-11-24T24:00", "2026-02-30", "2026-11-24T09:00:00.5",
        "2026-11-24 09:00", "2026-11-24T09:00:00+0800", "0000-01-01"}) {
    INFO("text: '", std::string(text), "'");
    CHECK(contains(refusal(tierflow::parse_iso8601(text, 8h)),
                   "invalid ISO 8601 instant '" + std::string(text) + "': "));
  }
}

TEST_CASE("time.parse_date") {
  CHECK(tierflow::parse_date("2026-11-24").value() == day(2026, 11, 24));
  CHECK(tierflow::parse_date("0001-01-01").value() == day(1, 1, 1));
  CHECK(tierflow::parse_date("9999-12-31").value() == day(9999, 12, 31));
  CHECK(tierflow::parse_date("1969-12-31").value() == day(1969, 12, 31));
  CHECK(tierflow::parse_date("2024-02-29").value() == day(2024, 2, 29));

  CHECK(refusal(tierflow::parse_date("")) == "invalid date '': expected YYYY-MM-DD");
  CHECK(refusal(tierflow::parse_date("2026-1-24")) ==
        "invalid date '2026-1-24': expected YYYY-MM-DD");
  CHECK(refusal(tierflow::parse_date("2026-11-24T09:00:00Z")) ==
        "invalid date '2026-11-24T09:00:00Z': expected YYYY-MM-DD");
  CHECK(refusal(tierflow::parse_date("2026-11-24 ")) ==
        "invalid date '2026-11-24 ': expected YYYY-MM-DD");
  CHECK(refusal(tierflow::parse_date("2026_11_24")) ==
        "invalid date '2026_11_24': expected YYYY-MM-DD");
  CHECK(refusal(tierflow::parse_date("+026-11-24")) ==
        "invalid date '+026-11-24': expected YYYY-MM-DD");
  CHECK(refusal(tierflow::parse_date("2026-13-01")) ==
        "invalid date '2026-13-01': month 13 is out of range 01-12");
  CHECK(refusal(tierflow::parse_date("2026-02-30")) ==
        "invalid date '2026-02-30': day 30 does not exist in 2026-02");
  CHECK(refusal(tierflow::parse_date("0000-01-01")) ==
        "invalid date '0000-01-01': year 0000 is out of range 0001-9999");
}

TEST_CASE("time.parse_utc_offset") {
  CHECK(tierflow::parse_utc_offset("+08:00").value() == 8h);
  CHECK(tierflow::parse_utc_offset("-05:30").value() == -5h - 30min);
  CHECK(tierflow::parse_utc_offset("+00:00").value() == 0min);
  CHECK(tierflow::parse_utc_offset("-00:00").value() == 0min);
  CHECK(tierflow::parse_utc_offset("+23:59").value() == 23h + 59min);

  for (const std::string_view text : {"", "Z", "08:00", "+8:00", "+0800", "+08", "+08:00 ",
                                      "UTC+8", "+08:0a", "*08:00"}) {
    INFO("text: '", std::string(text), "'");
    CHECK(refusal(tierflow::parse_utc_offset(text)) ==
          "invalid UTC offset '" + std::string(text) + "': expected +HH:MM or -HH:MM");
  }
  CHECK(refusal(tierflow::parse_utc_offset("+24:00")) ==
        "invalid UTC offset '+24:00': offset hour 24 is out of range 00-23");
  CHECK(refusal(tierflow::parse_utc_offset("-01:60")) ==
        "invalid UTC offset '-01:60': offset minute 60 is out of range 00-59");
}

// --- Round trips ------------------------------------------------------------------------

TEST_CASE("time.round_trips") {
  // Instants from year 1 to 9999, before and after 1970, at odd seconds.
  const timestamp first = utc(1, 1, 1, 0, 0);
  const timestamp last = utc(9999, 12, 31, 23, 59, 59);
  const std::int64_t span = (last - first).count();
  std::uint64_t state = 0x9e3779b97f4a7c15u;
  for (int i = 0; i < 2000; ++i) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    const timestamp t = first + chr::seconds{static_cast<std::int64_t>(
                                    (state >> 11) % static_cast<std::uint64_t>(span + 1))};
    const std::string utc_text = tierflow::format_iso8601(t);
    INFO("t: ", utc_text);
    CHECK(tierflow::parse_iso8601(utc_text).value() == t);
    // An offset that keeps the local date inside years 1-9999.
    const chr::minutes offset{static_cast<int>(state % (2 * 1439 + 1)) - 1439};
    if (t - first < 1h * 24 || last - t < 1h * 24) continue;
    const std::string local_text = tierflow::format_iso8601(t, offset);
    CHECK(tierflow::parse_iso8601(local_text).value() == t);
    CHECK(tierflow::parse_iso8601(local_text, 3h).value() == t);
    const auto day_text = tierflow::format_date(tierflow::local_day(t, offset));
    CHECK(tierflow::parse_date(day_text).value() == tierflow::local_day(t, offset));
    CHECK(tierflow::format_utc_offset(tierflow::parse_utc_offset(local_text.substr(19)).value()) ==
          local_text.substr(19));
  }
  for (const std::string_view text :
       {"2026-11-24T09:00:00Z", "1969-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "2024-02-29T12:34:56Z"}) {
    CHECK(tierflow::format_iso8601(tierflow::parse_iso8601(text).value()) == text);
  }
  CHECK(tierflow::format_iso8601(tierflow::parse_iso8601("2026-11-24T17:00:00+08:00").value(),
                                 8h) == "2026-11-24T17:00:00+08:00");
  CHECK(tierflow::format_iso8601(tierflow::parse_iso8601("2026-11-24T09:00", 8h).value(), 8h) ==
        "2026-11-24T09:00:00+08:00");
}
