// SPDX-License-Identifier: MIT
// The engine's calendar index (src/engine/calendar_index.hpp) answers what
// tierflow/calendar.hpp's functions answer, at random instants inside,
// across and outside its window, for calendars with split shifts, a shift
// running through midnight, make-up days, offsets either side of UTC, no
// hours at all, and the shipped organisation's calendars.
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/calendar.hpp>

#include "calendar_fixtures.hpp"
#include "engine/calendar_index.hpp"
#include "test_support.hpp"

namespace chr = std::chrono;
using tierflow::calendar;
using tierflow::duration;
using tierflow::time_unit;
using tierflow::timestamp;
using tierflow::detail::calendar_index;
using tierflow_test::closed;
using tierflow_test::day;
using tierflow_test::hm;
using tierflow_test::office;

namespace {

/// 00:00-06:00 and 18:00-24:00 every day but Sunday (time runs on through
/// midnight), UTC-05:30, make-up days working Saturday's hours, a long run
/// of holidays.
calendar night() {
  calendar c;
  c.id = "night";
  c.utc_offset = -(chr::hours{5} + chr::minutes{30});
  for (std::size_t i = 0; i < 6; ++i) c.week[i] = {hm(0, 0, 6, 0), hm(18, 0, 24, 0)};
  c.week[5] = {hm(9, 0, 9, 1)};
  c.makeup_weekday = 5;
  c.holidays = tierflow_test::day_range(day(2025, 12, 20), day(2026, 1, 20));
  c.workdays = {day(2026, 1, 25), day(2026, 3, 1)};
  return c;
}

/// The office's hours with nothing listed: no window.
calendar unlisted() {
  calendar c = office();
  c.id = "unlisted";
  c.holidays.clear();
  c.workdays.clear();
  return c;
}

timestamp at_day(chr::sys_days d, std::int64_t second) { return timestamp{d} + chr::seconds{second}; }

/// Compares the index with calendar.hpp at `draws` random instants from 40
/// days before the window to 40 after (or around mid-2026 without one);
/// returns how many of the first instants fell inside the window.
std::size_t compare_at_random(const calendar& cal, std::uint32_t seed, int draws) {
  const calendar_index ix(cal);
  std::mt19937_64 rng(seed);
  const chr::sys_days low = ix.window_days() > 0 ? ix.first_day() - chr::days{40} : day(2026, 1, 1);
  const auto span_days = static_cast<std::int64_t>(ix.window_days()) + 80;
  std::uniform_int_distribution<std::int64_t> pick_day(0, span_days - 1);
  std::uniform_int_distribution<std::int64_t> pick_second(0, 86'399);
  std::uniform_int_distribution<int> pick_boundary(0, 3);
  std::uniform_int_distribution<std::int64_t> gap_days(0, 60);
  std::uniform_int_distribution<std::int64_t> amount(1, 45);
  std::uniform_int_distribution<std::int64_t> seconds(1, 30 * 8 * 3600);
  std::size_t inside = 0;
  const auto instant = [&] {
    const chr::sys_days d = low + chr::days{pick_day(rng)};
    std::int64_t s = pick_second(rng);
    // A quarter of the instants on a local minute boundary: span edges.
    if (pick_boundary(rng) == 0) s -= s % 60;
    return at_day(d, s) - cal.utc_offset;
  };
  for (int i = 0; i < draws; ++i) {
    const timestamp a = instant();
    const timestamp b = a + chr::days{gap_days(rng)} + chr::seconds{pick_second(rng)};
    const auto day_of = [&](timestamp t) { return tierflow::local_day(t, cal.utc_offset); };
    if (ix.window_days() > 0 && day_of(a) >= ix.first_day() &&
        day_of(b) < ix.first_day() + chr::days{static_cast<std::int64_t>(ix.window_days())})
      ++inside;
    CAPTURE(cal.id);
    CAPTURE(a);
    CAPTURE(b);
    REQUIRE(ix.working_seconds_between(a, b) == tierflow::working_seconds_between(cal, a, b));
    REQUIRE(ix.working_seconds_between(b, a) == tierflow::working_seconds_between(cal, b, a));
    const std::int64_t s = seconds(rng);
    CAPTURE(s);
    REQUIRE(ix.add_working_seconds(a, s) == tierflow::add_working_seconds(cal, a, s));
    for (const time_unit u : {time_unit::business_days, time_unit::business_hours, time_unit::days,
                              time_unit::hours, time_unit::minutes}) {
      const duration d{amount(rng), u};
      CAPTURE(d.amount);
      CAPTURE(static_cast<int>(u));
      REQUIRE(ix.add(a, d) == tierflow::add(cal, a, d));
    }
  }
  return inside;
}

}  // namespace

TEST_CASE("engine.calendar_index.window_covers_the_listed_days_and_years_around") {
  const calendar_index ix(office());
  REQUIRE(ix.window_days() > 0);
  CHECK(ix.first_day() <= day(2024, 2, 15));
  CHECK(ix.first_day() + chr::days{static_cast<std::int64_t>(ix.window_days())} >= day(2029, 10, 10));
  // Nothing to index: calendar.hpp's functions search no list then.
  CHECK(calendar_index(unlisted()).window_days() == 0);
  calendar open = office();
  open.always_open = true;
  CHECK(calendar_index(open).window_days() == 0);
}

TEST_CASE("engine.calendar_index.answers_as_calendar_hpp_at_random_instants") {
  for (const calendar& cal : {office(), night(), closed(), unlisted()}) {
    for (std::uint32_t seed : {1U, 2U, 3U}) {
      const std::size_t inside = compare_at_random(cal, seed, 3000);
      // The draws exercise the tables, not only the fallback.
      if (calendar_index(cal).window_days() > 0) CHECK(inside > 2000);
    }
  }
}

TEST_CASE("engine.calendar_index.answers_as_calendar_hpp_for_the_shipped_calendars") {
  const auto& org = tierflow_test::shipped().org;
  REQUIRE(!org.calendars.empty());
  for (const calendar& cal : org.calendars) compare_at_random(cal, 7, 4000);
}

TEST_CASE("engine.calendar_index.examples") {
  const calendar cal = office();
  const calendar_index ix(cal);
  // Fri 2026-02-13 16:00 + 2 business hours: 1.5 h left that day; Sat
  // 02-14 is a make-up day working Monday's hours: 09:00 that day.
  const timestamp fri = tierflow_test::local(2026, 2, 13, 16, 0);
  CHECK(ix.add_working_seconds(fri, 2 * 3600) == tierflow_test::local(2026, 2, 14, 9, 0));
  // 5 business days from Fri 02-13 10:00: Sat 02-14 (make-up), then the
  // holidays to 02-23, Tue 02-24 … Fri 02-27: Fri 02-27 10:00.
  CHECK(ix.add(tierflow_test::local(2026, 2, 13, 10, 0), duration{5, time_unit::business_days}) ==
        tierflow_test::local(2026, 2, 27, 10, 0));
  // A whole holiday week counts nothing.
  CHECK(ix.working_seconds_between(tierflow_test::local(2026, 10, 1, 0, 0),
                                   tierflow_test::local(2026, 10, 8, 0, 0)) == 0);
}
