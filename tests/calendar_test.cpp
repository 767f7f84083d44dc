// SPDX-License-Identifier: MIT
// Business-time arithmetic of tierflow/calendar.hpp: working hours, holidays,
// make-up working days, business hours and business days.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/calendar.hpp>

#include "calendar_fixtures.hpp"
#include "test_support.hpp"

namespace chr = std::chrono;
using tierflow::calendar;
using tierflow::duration;
using tierflow::time_span;
using tierflow::time_unit;
using tierflow::timestamp;
using tierflow_test::day;
using tierflow_test::closed;
using tierflow_test::day_range;
using tierflow_test::hm;
using tierflow_test::local;
using tierflow_test::office;

namespace {

calendar always_open() {
  calendar c = office();
  c.id = "24x7";
  c.always_open = true;
  return c;
}

/// Every day 00:00-06:00 and 18:00-24:00: a night shift that runs on across
/// midnight.
calendar night_shift() {
  calendar c;
  c.id = "night";
  c.utc_offset = chr::hours{8};
  for (auto& day : c.week) day = {hm(0, 0, 6, 0), hm(18, 0, 24, 0)};
  return c;
}


const std::int64_t day_7h30 = 27000;

// ---------------------------------------------------------------------------
// Reference implementations: the rules written the slow, obvious way (linear
// searches, one day at a time), independent of the header's algorithms.

std::vector<time_span> ref_spans(const calendar& c, chr::sys_days d) {
  if (c.always_open) return {{0, 1440}};
  if (std::find(c.holidays.begin(), c.holidays.end(), d) != c.holidays.end()) return {};
  if (std::find(c.workdays.begin(), c.workdays.end(), d) != c.workdays.end()) {
    return c.week[c.makeup_weekday];
  }
  return c.week[chr::weekday{d}.iso_encoding() - 1];
}

/// Local timestamps on the same axis as `timestamp`, shifted by the offset.
timestamp ref_local(const calendar& c, timestamp t) { return t + c.utc_offset; }

std::int64_t ref_between(const calendar& c, timestamp from, timestamp to) {
  if (to <= from) return 0;
  const timestamp lf = ref_local(c, from);
  const timestamp lt = ref_local(c, to);
  std::int64_t total = 0;
  for (chr::sys_days d = chr::floor<chr::days>(lf); d <= chr::floor<chr::days>(lt);
       d += chr::days{1}) {
    for (const time_span& s : ref_spans(c, d)) {
      const timestamp b = std::max(timestamp{d} + chr::minutes{s.begin}, lf);
      const timestamp e = std::min(timestamp{d} + chr::minutes{s.end}, lt);
      if (e > b) total += (e - b).count();
    }
  }
  return total;
}

timestamp ref_next_working(const calendar& c, timestamp t) {
  const timestamp lt = ref_local(c, t);
  const chr::sys_days first = chr::floor<chr::days>(lt);
  for (chr::sys_days d = first; d < first + chr::days{4000}; d += chr::days{1}) {
    for (const time_span& s : ref_spans(c, d)) {
      const timestamp b = timestamp{d} + chr::minutes{s.begin};
      const timestamp e = timestamp{d} + chr::minutes{s.end};
      if (e > lt) return std::max(b, lt) - c.utc_offset;
    }
  }
  return timestamp::max();
}

/// The business-day rule of `tierflow::add`, step by step.
timestamp ref_add_business_days(const calendar& c, timestamp start, std::int64_t n) {
  const timestamp s = ref_next_working(c, start);
  if (s == timestamp::max()) return s;
  const timestamp ls = ref_local(c, s);
  chr::sys_days d = chr::floor<chr::days>(ls);
  std::int64_t offset = 0;
  for (const time_span& sp : ref_spans(c, d)) {
    const timestamp b = timestamp{d} + chr::minutes{sp.begin};
    const timestamp e = timestamp{d} + chr::minutes{sp.end};
    if (ls > b) offset += (std::min(ls, e) - b).count();
  }
  for (std::int64_t counted = 0; counted < n;) {
    d += chr::days{1};
    if (!ref_spans(c, d).empty()) ++counted;
  }
  const auto spans = ref_spans(c, d);
  for (const time_span& sp : spans) {
    const std::int64_t len = (sp.end - sp.begin) * 60;
    if (offset < len) {
      return timestamp{d} + chr::minutes{sp.begin} + chr::seconds{offset} - c.utc_offset;
    }
    offset -= len;
  }
  return timestamp{d} + chr::minutes{spans.back().end} - c.utc_offset;
}

/// A random but valid calendar: 0-3 spans a weekday on half-hour boundaries
/// (including 00:00 and 24:00), ~25 holidays and ~6 make-up days around
/// 2026, an offset from UTC-12 to UTC+14.
calendar random_calendar(std::mt19937_64& rng) {
  calendar c;
  c.id = "random";
  const std::vector<int> offsets{8 * 60, 0, -5 * 60, 5 * 60 + 30, 14 * 60, -12 * 60};
  c.utc_offset = chr::minutes{offsets[rng() % offsets.size()]};
  for (auto& day : c.week) {
    const std::size_t n = rng() % 4;
    std::vector<int> points;
    while (points.size() < 2 * n) {
      const int p = static_cast<int>(rng() % 49) * 30;  // 0 … 1440
      if (std::find(points.begin(), points.end(), p) == points.end()) points.push_back(p);
    }
    std::sort(points.begin(), points.end());
    for (std::size_t i = 0; i < points.size(); i += 2) day.push_back({points[i], points[i + 1]});
  }
  const chr::sys_days base = day(2025, 12, 1);
  while (c.holidays.size() < 25) {
    const chr::sys_days d = base + chr::days{static_cast<int>(rng() % 430)};
    if (std::find(c.holidays.begin(), c.holidays.end(), d) == c.holidays.end()) {
      c.holidays.push_back(d);
    }
  }
  while (c.workdays.size() < 6) {
    const chr::sys_days d = base + chr::days{static_cast<int>(rng() % 430)};
    if (std::find(c.holidays.begin(), c.holidays.end(), d) == c.holidays.end() &&
        std::find(c.workdays.begin(), c.workdays.end(), d) == c.workdays.end()) {
      c.workdays.push_back(d);
    }
  }
  std::sort(c.holidays.begin(), c.holidays.end());
  std::sort(c.workdays.begin(), c.workdays.end());
  c.makeup_weekday = static_cast<std::uint8_t>(rng() % 7);
  return c;
}

/// A random instant between 2025-11-01 and 2027-02-28 UTC; half of them on a
/// whole half hour, so that span boundaries are hit exactly.
timestamp random_instant(std::mt19937_64& rng) {
  const timestamp base{day(2025, 11, 1)};
  const auto range = static_cast<std::uint64_t>(485) * 86400;
  std::int64_t s = static_cast<std::int64_t>(rng() % range);
  if (rng() % 2 == 0) s -= s % 1800;
  return base + chr::seconds{s};
}

/// The calendars the property tests run on: the fixed ones and 12 random ones.
std::vector<calendar> property_calendars(std::mt19937_64& rng) {
  std::vector<calendar> out{office(), night_shift(), always_open()};
  for (int i = 0; i < 12; ++i) out.push_back(random_calendar(rng));
  return out;
}

}  // namespace

using namespace tierflow;

// ---------------------------------------------------------------------------

TEST_CASE("calendar.local_time.utc_offset_is_applied") {
  const calendar c = office();
  // 2026-03-02T00:30Z is Monday 08:30 in Beijing: the first working second.
  const timestamp opening = timestamp{day(2026, 3, 2)} + chr::minutes{30};
  CHECK(opening == local(2026, 3, 2, 8, 30));
  CHECK(is_working_time(c, opening));
  CHECK_FALSE(is_working_time(c, opening - chr::seconds{1}));
  // 2026-03-01T23:00Z is already Monday 07:00 local, not Sunday.
  CHECK(next_working_instant(c, timestamp{day(2026, 3, 1)} + chr::hours{23}) == opening);
  // Friday 17:29:59 local is 09:29:59Z.
  CHECK(is_working_time(c, timestamp{day(2026, 3, 6)} + chr::seconds{9 * 3600 + 29 * 60 + 59}));
  CHECK_FALSE(is_working_time(c, timestamp{day(2026, 3, 6)} + chr::minutes{9 * 60 + 30}));

  SUBCASE("negative offset") {
    calendar west = office();
    west.utc_offset = -chr::hours{5};
    // Monday 08:30 at UTC-05:00 is 13:30Z.
    const timestamp t = timestamp{day(2026, 3, 2)} + chr::minutes{13 * 60 + 30};
    CHECK(next_working_instant(west, timestamp{day(2026, 3, 2)}) == t);
    CHECK(add_working_seconds(west, t, 3600) == t + chr::hours{1});
    // Tuesday 03:00Z is still Monday 22:00 local: next is Tuesday 08:30 local.
    CHECK(next_working_instant(west, timestamp{day(2026, 3, 3)} + chr::hours{3}) ==
          timestamp{day(2026, 3, 3)} + chr::minutes{13 * 60 + 30});
  }
}

TEST_CASE("calendar.working_day.weekdays_weekends_holidays_and_makeup_days") {
  const calendar c = office();
  CHECK(is_working_day(c, day(2026, 3, 2)));         // Monday
  CHECK(is_working_day(c, day(2026, 3, 6)));         // Friday
  CHECK_FALSE(is_working_day(c, day(2026, 3, 7)));   // Saturday
  CHECK_FALSE(is_working_day(c, day(2026, 3, 8)));   // Sunday
  CHECK_FALSE(is_working_day(c, day(2026, 10, 1)));  // National Day, a Thursday
  CHECK_FALSE(is_working_day(c, day(2026, 2, 23)));  // last Spring Festival day, a Monday
  CHECK(is_working_day(c, day(2026, 2, 14)));        // make-up Saturday
  CHECK(is_working_day(c, day(2026, 9, 20)));        // make-up Sunday
  CHECK(is_working_day(c, day(2026, 10, 10)));       // make-up Saturday

  CHECK(working_spans(c, day(2026, 10, 1)).empty());
  const auto makeup = working_spans(c, day(2026, 10, 10));
  REQUIRE(makeup.size() == 2);
  CHECK(makeup[0] == hm(8, 30, 12, 0));
  CHECK(makeup[1] == hm(13, 30, 17, 30));

  SUBCASE("a make-up day works the hours of makeup_weekday") {
    calendar fri_short = office();
    fri_short.week[4] = {hm(8, 30, 12, 0)};
    fri_short.makeup_weekday = 4;
    const auto spans = working_spans(fri_short, day(2026, 10, 10));
    REQUIRE(spans.size() == 1);
    CHECK(spans[0] == hm(8, 30, 12, 0));
    CHECK(add(fri_short, local(2026, 10, 10, 11, 0), {2, time_unit::business_hours}) ==
          local(2026, 10, 12, 9, 30));
  }
  SUBCASE("always_open works every day, holidays included") {
    const calendar a = always_open();
    CHECK(is_working_day(a, day(2026, 10, 1)));
    const auto spans = working_spans(a, day(2026, 10, 1));
    REQUIRE(spans.size() == 1);
    CHECK(spans[0] == time_span{0, 1440});
  }
}

TEST_CASE("calendar.working_time.split_shift_boundaries_are_half_open") {
  const calendar c = office();
  CHECK_FALSE(is_working_time(c, local(2026, 3, 2, 8, 29, 59)));
  CHECK(is_working_time(c, local(2026, 3, 2, 8, 30)));
  CHECK(is_working_time(c, local(2026, 3, 2, 11, 59, 59)));
  CHECK_FALSE(is_working_time(c, local(2026, 3, 2, 12, 0)));  // lunch
  CHECK_FALSE(is_working_time(c, local(2026, 3, 2, 13, 29, 59)));
  CHECK(is_working_time(c, local(2026, 3, 2, 13, 30)));
  CHECK(is_working_time(c, local(2026, 3, 2, 17, 29, 59)));
  CHECK_FALSE(is_working_time(c, local(2026, 3, 2, 17, 30)));
  CHECK_FALSE(is_working_time(c, local(2026, 3, 7, 10, 0)));   // Saturday
  CHECK_FALSE(is_working_time(c, local(2026, 10, 2, 10, 0)));  // holiday Friday
  CHECK(is_working_time(c, local(2026, 10, 10, 10, 0)));       // make-up Saturday
}

TEST_CASE("calendar.next_working_instant.before_within_and_after_hours") {
  const calendar c = office();
  CHECK(next_working_instant(c, local(2026, 3, 2, 7, 0)) == local(2026, 3, 2, 8, 30));
  CHECK(next_working_instant(c, local(2026, 3, 2, 10, 15, 7)) == local(2026, 3, 2, 10, 15, 7));
  CHECK(next_working_instant(c, local(2026, 3, 2, 12, 0)) == local(2026, 3, 2, 13, 30));
  CHECK(next_working_instant(c, local(2026, 3, 2, 12, 45)) == local(2026, 3, 2, 13, 30));
  CHECK(next_working_instant(c, local(2026, 3, 2, 17, 30)) == local(2026, 3, 3, 8, 30));
  CHECK(next_working_instant(c, local(2026, 3, 2, 23, 59, 59)) == local(2026, 3, 3, 8, 30));
}

TEST_CASE("calendar.next_working_instant.skips_weekends_and_holidays") {
  const calendar c = office();
  CHECK(next_working_instant(c, local(2026, 3, 6, 18, 0)) == local(2026, 3, 9, 8, 30));
  CHECK(next_working_instant(c, local(2026, 3, 7, 12, 0)) == local(2026, 3, 9, 8, 30));
  CHECK(next_working_instant(c, local(2026, 9, 30, 17, 30)) == local(2026, 10, 8, 8, 30));
  CHECK(next_working_instant(c, local(2026, 9, 18, 18, 0)) == local(2026, 9, 20, 8, 30));
  CHECK(next_working_instant(c, local(2026, 2, 13, 18, 0)) == local(2026, 2, 14, 8, 30));
  CHECK(next_working_instant(c, local(2026, 2, 14, 17, 30)) == local(2026, 2, 24, 8, 30));
}

TEST_CASE("calendar.next_working_instant.jumps_holiday_runs_longer_than_years") {
  // Five years of holidays: no fixed search horizon cuts the answer off.
  calendar c = office();
  c.holidays = day_range(day(2026, 1, 1), day(2030, 12, 31));
  c.workdays.clear();
  CHECK(next_working_instant(c, local(2026, 1, 1, 10, 0)) ==
        local(2031, 1, 1, 8, 30));  // a Wednesday
  CHECK(add(c, local(2025, 12, 31, 10, 0), {1, time_unit::business_days}) ==
        local(2031, 1, 1, 10, 0));
  CHECK(working_seconds_between(c, local(2025, 12, 31, 0, 0), local(2031, 1, 2, 0, 0)) ==
        2 * day_7h30);
}

TEST_CASE("calendar.add_working_seconds.exhausted_amount_ends_at_the_span_end") {
  const calendar c = office();
  const timestamp mon = local(2026, 3, 2, 8, 30);
  CHECK(add_working_seconds(c, mon, 3 * 3600 + 1800) == local(2026, 3, 2, 12, 0));
  CHECK(add_working_seconds(c, mon, 3 * 3600 + 1801) == local(2026, 3, 2, 13, 30, 1));
  CHECK(add_working_seconds(c, mon, day_7h30) == local(2026, 3, 2, 17, 30));
  CHECK(add_working_seconds(c, mon, day_7h30 + 1) == local(2026, 3, 3, 8, 30, 1));
  CHECK(add_working_seconds(c, mon, 5 * day_7h30) == local(2026, 3, 6, 17, 30));
  CHECK(add_working_seconds(c, mon, 0) == mon);
  // Zero time from outside hours is the start itself, not the next opening.
  CHECK(add_working_seconds(c, local(2026, 3, 7, 10, 0), 0) == local(2026, 3, 7, 10, 0));
  CHECK(add_working_seconds(c, local(2026, 3, 7, 10, 0), 1) == local(2026, 3, 9, 8, 30, 1));
  CHECK(add_working_seconds(c, mon, -5) == mon);
}

TEST_CASE("calendar.add.business_hours_cross_lunch_nights_and_holidays") {
  const calendar c = office();
  const duration four_bh{4, time_unit::business_hours};
  CHECK(add(c, local(2026, 3, 2, 10, 0), four_bh) == local(2026, 3, 2, 15, 30));
  // 1.5 h on Friday, 2.5 h on Monday.
  CHECK(add(c, local(2026, 3, 6, 16, 0), four_bh) == local(2026, 3, 9, 11, 0));
  CHECK(add(c, local(2026, 3, 6, 16, 0), {8, time_unit::business_hours}) ==
        local(2026, 3, 9, 16, 30));
  CHECK(add(c, local(2026, 9, 30, 16, 0), four_bh) == local(2026, 10, 8, 11, 0));
  CHECK(add(c, local(2026, 2, 13, 16, 0), {10, time_unit::business_hours}) ==
        local(2026, 2, 24, 9, 30));  // 1.5 h Fri + 7.5 h make-up Sat + 1 h Tue
}

TEST_CASE("calendar.add.calendar_units_ignore_the_calendar") {
  const calendar c = office();
  CHECK(add(c, local(2026, 3, 6, 17, 0), {45, time_unit::minutes}) == local(2026, 3, 6, 17, 45));
  CHECK(add(c, local(2026, 3, 6, 17, 0), {24, time_unit::hours}) == local(2026, 3, 7, 17, 0));
  CHECK(add(c, local(2026, 9, 30, 10, 0), {2, time_unit::days}) == local(2026, 10, 2, 10, 0));
  CHECK(add(closed(), local(2026, 3, 6, 17, 0), {7, time_unit::days}) == local(2026, 3, 13, 17, 0));
}

TEST_CASE("calendar.always_open.runs_across_midnight") {
  const calendar c = always_open();
  const timestamp late = local(2026, 10, 1, 23, 0);  // a holiday, ignored
  CHECK(is_working_time(c, late));
  CHECK(next_working_instant(c, late) == late);
  CHECK(add(c, late, {2, time_unit::business_hours}) == local(2026, 10, 2, 1, 0));
  CHECK(add(c, late, {1, time_unit::business_days}) == local(2026, 10, 2, 23, 0));
  CHECK(add(c, late, {3, time_unit::business_days}) == local(2026, 10, 4, 23, 0));
  CHECK(add_working_seconds(c, late, 3601) == local(2026, 10, 2, 0, 0, 1));
  CHECK(working_seconds_between(c, local(2026, 10, 1, 22, 0), local(2026, 10, 2, 2, 0)) ==
        4 * 3600);
}

TEST_CASE("calendar.spans_to_midnight.night_shift_continues_into_the_next_day") {
  const calendar c = night_shift();
  CHECK(is_working_time(c, local(2026, 3, 2, 23, 59, 59)));
  CHECK(is_working_time(c, local(2026, 3, 3, 0, 0)));
  CHECK_FALSE(is_working_time(c, local(2026, 3, 3, 6, 0)));
  CHECK(next_working_instant(c, local(2026, 3, 3, 6, 0)) == local(2026, 3, 3, 18, 0));
  CHECK(working_seconds_between(c, local(2026, 3, 2, 22, 0), local(2026, 3, 3, 2, 0)) == 4 * 3600);
  CHECK(working_seconds_between(c, local(2026, 3, 2, 23, 0), local(2026, 3, 3, 7, 0)) == 7 * 3600);
  // An hour from 23:00 is used up exactly at 24:00, which is 00:00 next day.
  CHECK(add_working_seconds(c, local(2026, 3, 2, 23, 0), 3600) == local(2026, 3, 3, 0, 0));
  CHECK(add_working_seconds(c, local(2026, 3, 2, 23, 0), 3601) == local(2026, 3, 3, 0, 0, 1));
  CHECK(add(c, local(2026, 3, 2, 23, 0), {2, time_unit::business_hours}) ==
        local(2026, 3, 3, 1, 0));
  CHECK(add(c, local(2026, 3, 2, 23, 0), {8, time_unit::business_hours}) ==
        local(2026, 3, 3, 19, 0));
  // Working offset of Monday 23:00 is 6 h + 5 h; Tuesday reaches it at 23:00.
  CHECK(add(c, local(2026, 3, 2, 23, 0), {1, time_unit::business_days}) ==
        local(2026, 3, 3, 23, 0));

  SUBCASE("different weekdays on either side of midnight") {
    calendar mon_tue;
    mon_tue.utc_offset = chr::hours{8};
    mon_tue.week[0] = {hm(22, 0, 24, 0)};
    mon_tue.week[1] = {hm(0, 0, 2, 0)};
    CHECK(working_seconds_between(mon_tue, local(2026, 3, 2, 23, 0), local(2026, 3, 3, 1, 0)) ==
          2 * 3600);
    CHECK(add_working_seconds(mon_tue, local(2026, 3, 2, 23, 0), 3600) == local(2026, 3, 3, 0, 0));
    CHECK(add_working_seconds(mon_tue, local(2026, 3, 2, 23, 0), 2 * 3600) ==
          local(2026, 3, 3, 1, 0));
    CHECK(add_working_seconds(mon_tue, local(2026, 3, 2, 23, 0), 3 * 3600 + 1) ==
          local(2026, 3, 9, 22, 0, 1));
  }
}

TEST_CASE("calendar.business_days.monday_plus_five_is_next_monday") {
  const calendar c = office();
  CHECK(add(c, local(2026, 3, 2, 10, 0), {5, time_unit::business_days}) ==
        local(2026, 3, 9, 10, 0));
  CHECK(add(c, local(2026, 3, 2, 10, 0), {1, time_unit::business_days}) ==
        local(2026, 3, 3, 10, 0));
  CHECK(add(c, local(2026, 3, 5, 16, 20), {2, time_unit::business_days}) ==
        local(2026, 3, 9, 16, 20));
}

TEST_CASE("calendar.business_days.after_hours_count_from_the_next_opening") {
  const calendar c = office();
  const duration one_bd{1, time_unit::business_days};
  CHECK(add(c, local(2026, 3, 6, 18, 0), one_bd) == local(2026, 3, 10, 8, 30));  // Fri → Tue
  CHECK(add(c, local(2026, 3, 7, 12, 0), one_bd) == local(2026, 3, 10, 8, 30));  // Sat → Tue
  CHECK(add(c, local(2026, 3, 2, 7, 0), one_bd) == local(2026, 3, 3, 8, 30));
}

TEST_CASE("calendar.business_days.offset_after_lunch_stays_in_the_afternoon") {
  const calendar c = office();
  const duration one_bd{1, time_unit::business_days};
  // 12:30 counts from 13:30, working offset 3.5 h: 13:30 next day, not 12:00.
  CHECK(add(c, local(2026, 3, 2, 12, 30), one_bd) == local(2026, 3, 3, 13, 30));
  CHECK(add(c, local(2026, 3, 2, 13, 30), one_bd) == local(2026, 3, 3, 13, 30));
  CHECK(add(c, local(2026, 3, 2, 11, 59, 59), one_bd) == local(2026, 3, 3, 11, 59, 59));
  CHECK(add(c, local(2026, 3, 2, 17, 29, 59), one_bd) == local(2026, 3, 3, 17, 29, 59));
}

TEST_CASE("calendar.business_days.clamped_to_a_shorter_day") {
  calendar c = office();
  c.week[4] = {hm(8, 30, 12, 0)};  // Friday mornings only
  const duration one_bd{1, time_unit::business_days};
  CHECK(add(c, local(2026, 3, 5, 11, 0), one_bd) == local(2026, 3, 6, 11, 0));
  CHECK(add(c, local(2026, 3, 5, 13, 30), one_bd) == local(2026, 3, 6, 12, 0));
  CHECK(add(c, local(2026, 3, 5, 15, 0), one_bd) == local(2026, 3, 6, 12, 0));
  CHECK(add(c, local(2026, 3, 5, 15, 0), {2, time_unit::business_days}) ==
        local(2026, 3, 9, 15, 0));
}

TEST_CASE("calendar.business_days.skips_national_day_2026") {
  const calendar c = office();
  CHECK(add(c, local(2026, 9, 30, 10, 0), {1, time_unit::business_days}) ==
        local(2026, 10, 8, 10, 0));
  // Tue 29, Wed 30, Thu 10-08, Fri 10-09, make-up Sat 10-10.
  CHECK(add(c, local(2026, 9, 28, 10, 0), {5, time_unit::business_days}) ==
        local(2026, 10, 10, 10, 0));
  CHECK(add(c, local(2026, 9, 25, 15, 0), {5, time_unit::business_days}) ==
        local(2026, 10, 9, 15, 0));
  // The make-up Sunday before the holiday counts.
  CHECK(add(c, local(2026, 9, 18, 10, 0), {1, time_unit::business_days}) ==
        local(2026, 9, 20, 10, 0));
  // Received during the holiday: counts from Thu 10-08 08:30.
  CHECK(add(c, local(2026, 10, 2, 9, 0), {1, time_unit::business_days}) ==
        local(2026, 10, 9, 8, 30));
  CHECK(add(c, local(2026, 10, 2, 9, 0), {2, time_unit::business_days}) ==
        local(2026, 10, 10, 8, 30));
}

TEST_CASE("calendar.business_days.skips_spring_festival") {
  const calendar c = office();
  const timestamp fri = local(2026, 2, 13, 10, 0);
  CHECK(add(c, fri, {1, time_unit::business_days}) == local(2026, 2, 14, 10, 0));  // make-up Sat
  CHECK(add(c, fri, {2, time_unit::business_days}) == local(2026, 2, 24, 10, 0));
  CHECK(add(c, fri, {5, time_unit::business_days}) == local(2026, 2, 27, 10, 0));
  CHECK(add(c, fri, {6, time_unit::business_days}) == local(2026, 2, 28, 10, 0));  // make-up Sat
  CHECK(add(c, fri, {7, time_unit::business_days}) == local(2026, 3, 2, 10, 0));
  CHECK(add(c, local(2026, 2, 15, 20, 0), {1, time_unit::business_days}) ==
        local(2026, 2, 25, 8, 30));
}

TEST_CASE("calendar.working_seconds_between.known_ranges") {
  const calendar c = office();
  CHECK(working_seconds_between(c, local(2026, 3, 2, 8, 30), local(2026, 3, 2, 17, 30)) ==
        day_7h30);
  CHECK(working_seconds_between(c, local(2026, 3, 2, 10, 0), local(2026, 3, 2, 14, 0)) == 9000);
  CHECK(working_seconds_between(c, local(2026, 3, 2, 0, 0), local(2026, 3, 7, 0, 0)) ==
        5 * day_7h30);
  CHECK(working_seconds_between(c, local(2026, 3, 2, 14, 0), local(2026, 3, 2, 10, 0)) == 0);
  CHECK(working_seconds_between(c, local(2026, 3, 2, 10, 0), local(2026, 3, 2, 10, 0)) == 0);
  // Sep 28, 29, 30, Oct 8, 9 and make-up Oct 10.
  CHECK(working_seconds_between(c, local(2026, 9, 28, 0, 0), local(2026, 10, 12, 0, 0)) ==
        6 * day_7h30);
  // Feb 9-13, make-up 14, Feb 24-27, make-up 28.
  CHECK(working_seconds_between(c, local(2026, 2, 9, 0, 0), local(2026, 3, 2, 0, 0)) ==
        11 * day_7h30);
  // 2026: 261 weekdays, 11 of them holidays, 4 make-up days.
  CHECK(working_seconds_between(c, local(2026, 1, 1, 0, 0), local(2027, 1, 1, 0, 0)) ==
        254 * day_7h30);
}

TEST_CASE("calendar.working_seconds_between.matches_day_by_day_reference") {
  std::mt19937_64 rng{20260301};
  for (const calendar& c : property_calendars(rng)) {
    CAPTURE(c.id);
    CAPTURE(c.utc_offset.count());
    for (int i = 0; i < 300; ++i) {
      const timestamp from = random_instant(rng);
      const timestamp to = from + chr::seconds{static_cast<std::int64_t>(rng() % (400 * 86400))};
      CAPTURE(from);
      CAPTURE(to);
      REQUIRE(working_seconds_between(c, from, to) == ref_between(c, from, to));
    }
  }
}

TEST_CASE("calendar.add_working_seconds.inverts_working_seconds_between") {
  std::mt19937_64 rng{8};
  for (const calendar& c : property_calendars(rng)) {
    if (working_seconds_per_week(c) == 0) continue;
    CAPTURE(c.id);
    for (int i = 0; i < 300; ++i) {
      const timestamp start = random_instant(rng);
      const auto seconds = static_cast<std::int64_t>(rng() % (200 * 3600));
      CAPTURE(start);
      CAPTURE(seconds);
      const timestamp end = add_working_seconds(c, start, seconds);
      REQUIRE(end >= start);
      REQUIRE(ref_between(c, start, end) == seconds);
      // Earliest such instant: one second earlier is one second short.
      if (seconds > 0) REQUIRE(ref_between(c, start, end - chr::seconds{1}) == seconds - 1);
    }
  }
}

TEST_CASE("calendar.next_working_instant.matches_reference") {
  std::mt19937_64 rng{95598};
  for (const calendar& c : property_calendars(rng)) {
    CAPTURE(c.id);
    for (int i = 0; i < 300; ++i) {
      const timestamp t = random_instant(rng);
      CAPTURE(t);
      const timestamp next = next_working_instant(c, t);
      REQUIRE(next == ref_next_working(c, t));
      if (next != timestamp::max()) REQUIRE(is_working_time(c, next));
    }
  }
}

TEST_CASE("calendar.business_days.match_the_reference_rule") {
  std::mt19937_64 rng{12398};
  for (const calendar& c : property_calendars(rng)) {
    if (working_seconds_per_week(c) == 0) continue;
    CAPTURE(c.id);
    for (int i = 0; i < 300; ++i) {
      const timestamp start = random_instant(rng);
      const auto n = static_cast<std::int64_t>(1 + rng() % 30);
      CAPTURE(start);
      CAPTURE(n);
      REQUIRE(add(c, start, {n, time_unit::business_days}) == ref_add_business_days(c, start, n));
    }
  }
}

TEST_CASE("calendar.no_working_time.answers_never_without_looping") {
  const calendar c = closed();
  const timestamp t = local(2026, 3, 2, 10, 0);
  CHECK_FALSE(is_working_day(c, day(2026, 10, 10)));  // make-up day of an empty Monday
  CHECK_FALSE(is_working_time(c, t));
  CHECK(next_working_instant(c, t) == timestamp::max());
  CHECK(add_working_seconds(c, t, 1) == timestamp::max());
  CHECK(add(c, t, {5, time_unit::business_days}) == timestamp::max());
  CHECK(add(c, t, {4, time_unit::business_hours}) == timestamp::max());
  CHECK(add(c, t, {45, time_unit::minutes}) == local(2026, 3, 2, 10, 45));
  CHECK(working_seconds_between(c, t, local(2027, 3, 2, 10, 0)) == 0);
  CHECK(working_seconds_per_week(c) == 0);
}

TEST_CASE("calendar.never.max_start_stays_never") {
  const calendar c = office();
  const timestamp never = timestamp::max();
  CHECK(next_working_instant(c, never) == never);
  CHECK(add_working_seconds(c, never, 3600) == never);
  CHECK(add(c, never, {5, time_unit::business_days}) == never);
  CHECK(add(c, never, {45, time_unit::minutes}) == never);
  CHECK(add(always_open(), never, {2, time_unit::business_hours}) == never);
  // Amounts too large to reach saturate instead of overflowing or looping.
  const auto huge = std::numeric_limits<std::int64_t>::max();
  CHECK(add_working_seconds(c, local(2026, 3, 2, 10, 0), huge) == never);
  CHECK(add_working_seconds(always_open(), local(2026, 3, 2, 10, 0), huge) == never);
}

TEST_CASE("calendar.listed_days.a_day_listed_twice_is_a_holiday_everywhere") {
  // The loader rejects such a calendar; the functions must still agree.
  calendar c = office();
  c.holidays.push_back(day(2026, 10, 10));
  std::sort(c.holidays.begin(), c.holidays.end());
  CHECK_FALSE(is_working_day(c, day(2026, 10, 10)));
  CHECK(working_seconds_between(c, local(2026, 10, 8, 0, 0), local(2026, 10, 12, 0, 0)) ==
        2 * day_7h30);
  CHECK(add(c, local(2026, 10, 9, 10, 0), {1, time_unit::business_days}) ==
        local(2026, 10, 12, 10, 0));
}

TEST_CASE("calendar.add.long_durations_do_not_walk_or_overflow") {
  const calendar c = office();
  const timestamp t = local(2026, 3, 2, 8, 30);
  // 270 business hours = 36 days of 7.5 h: 7 weeks and a day (no holidays
  // are listed between March and mid-April).
  CHECK(add(c, t, {270, time_unit::business_hours}) == local(2026, 4, 20, 17, 30));
  const duration longest{max_duration_amount, time_unit::business_days};
  const timestamp far = add(c, t, longest);
  CHECK(far > t + chr::days{365 * 10000});
  CHECK(add(c, t, {max_duration_amount + 1, time_unit::business_days}) == timestamp::max());
}

TEST_CASE("calendar.working_seconds_per_week.sums_ordinary_hours") {
  CHECK(working_seconds_per_week(office()) == 5 * day_7h30);
  CHECK(working_seconds_per_week(night_shift()) == 7 * 12 * 3600);
  CHECK(working_seconds_per_week(always_open()) == 7 * 24 * 3600);
  CHECK(working_seconds_per_week(closed()) == 0);
}
