// SPDX-License-Identifier: MIT
// Deadlines on the SHIPPED organisation calendars (workflows/organisation.yaml):
// `office` (Mon-Fri 08:30-12:00 and 13:30-17:30, UTC+08:00, the 2026
// statutory holidays and make-up working days) and `always` (24x7).
//
// Every expected instant below is worked out by hand from the rules in
// tierflow/calendar.hpp, with the reasoning in a comment. Facts used
// throughout (2026-01-01 is a Thursday):
//   - a working day has 3.5 h (12600 s) before lunch and 4 h (14400 s) after:
//     27000 s in all;
//   - holidays 2026: 01-01..01-03, 02-15..02-23, 04-04..04-06, 05-01..05-05,
//     06-19..06-21, 09-25..09-27, 10-01..10-07;
//   - make-up working days 2026 (Monday's hours): Sun 01-04, Sat 02-14,
//     Sat 02-28, Sat 05-09, Sun 09-20, Sat 10-10.
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/calendar.hpp>
#include <tierflow/catalog.hpp>
#include <tierflow/duration.hpp>

#include "test_support.hpp"

namespace chr = std::chrono;
using tierflow::calendar;
using tierflow::duration;
using tierflow::time_span;
using tierflow::time_unit;
using tierflow::timestamp;
using tierflow_test::day;
using tierflow_test::local;
using tierflow_test::shipped;
using tierflow_test::utc;

namespace {

constexpr duration bd(std::int64_t n) { return {n, time_unit::business_days}; }
constexpr duration bh(std::int64_t n) { return {n, time_unit::business_hours}; }
constexpr duration hours(std::int64_t n) { return {n, time_unit::hours}; }

constexpr std::int64_t morning = 12600;    // 08:30-12:00
constexpr std::int64_t afternoon = 14400;  // 13:30-17:30
constexpr std::int64_t work_day = morning + afternoon;

/// Days first..last inclusive.
std::vector<chr::sys_days> days_from_to(chr::sys_days first, chr::sys_days last) {
  std::vector<chr::sys_days> out;
  for (chr::sys_days d = first; d <= last; d += chr::days{1}) out.push_back(d);
  return out;
}

const calendar& named(std::string_view id) {
  const calendar* c = shipped().org.find_calendar(id);
  REQUIRE_MESSAGE(c != nullptr, "no calendar " << std::string(id));
  return *c;
}

const calendar& office() { return named("office"); }
const calendar& always() { return named("always"); }

/// Local seconds after local midnight (the office offset is +08:00).
std::int64_t local_clock(timestamp t) {
  const auto l = t + chr::hours{8};
  return (l - chr::floor<chr::days>(l)).count();
}

chr::sys_days local_day(timestamp t) { return chr::floor<chr::days>(t + chr::hours{8}); }

}  // namespace

// ---------------------------------------------------------------------------
// The calendars as loaded.

TEST_CASE("calendar_deadline.shipped.office_and_always_load_as_documented") {
  const calendar& c = office();
  CHECK_FALSE(c.always_open);
  CHECK(c.utc_offset == chr::minutes{8 * 60});  // timezone "+08:00"
  // mon-fri: ["08:30-12:00", "13:30-17:30"] = minutes {510, 720}, {810, 1050}.
  const std::vector<time_span> split{{510, 720}, {810, 1050}};
  for (std::size_t i = 0; i < 5; ++i) CHECK(c.week[i] == split);
  CHECK(c.week[5].empty());
  CHECK(c.week[6].empty());
  CHECK(c.makeup_weekday == 0);  // makeup_hours: mon
  CHECK(tierflow::working_seconds_per_week(c) == 5 * work_day);

  const calendar& a = always();
  CHECK(a.always_open);
  CHECK(tierflow::working_seconds_per_week(a) == 7 * 86400);
}

// ---------------------------------------------------------------------------
// Holidays and make-up days.

TEST_CASE("calendar_deadline.working_day.every_listed_day_of_the_file") {
  const calendar& c = office();

  // The file's ranges, expanded by hand: 2026 has 3+9+3+5+3+3+7 = 33 holiday
  // days, 2027 (provisional) 1+4+1+2+1+1+3 = 13.
  std::vector<chr::sys_days> holidays;
  const auto add_range = [&holidays](chr::sys_days a, chr::sys_days b) {
    const auto r = days_from_to(a, b);
    holidays.insert(holidays.end(), r.begin(), r.end());
  };
  add_range(day(2026, 1, 1), day(2026, 1, 3));
  add_range(day(2026, 2, 15), day(2026, 2, 23));
  add_range(day(2026, 4, 4), day(2026, 4, 6));
  add_range(day(2026, 5, 1), day(2026, 5, 5));
  add_range(day(2026, 6, 19), day(2026, 6, 21));
  add_range(day(2026, 9, 25), day(2026, 9, 27));
  add_range(day(2026, 10, 1), day(2026, 10, 7));
  add_range(day(2027, 1, 1), day(2027, 1, 1));
  add_range(day(2027, 2, 5), day(2027, 2, 8));
  add_range(day(2027, 4, 5), day(2027, 4, 5));
  add_range(day(2027, 5, 1), day(2027, 5, 2));
  add_range(day(2027, 6, 9), day(2027, 6, 9));
  add_range(day(2027, 9, 15), day(2027, 9, 15));
  add_range(day(2027, 10, 1), day(2027, 10, 3));
  REQUIRE(holidays.size() == 46);
  CHECK(c.holidays == holidays);

  const std::vector<chr::sys_days> workdays{day(2026, 1, 4),  day(2026, 2, 14), day(2026, 2, 28),
                                            day(2026, 5, 9),  day(2026, 9, 20), day(2026, 10, 10)};
  CHECK(c.workdays == workdays);

  // Every holiday read from the loaded calendar: no working day, no hours,
  // 10:00 local is not working time.
  for (const chr::sys_days d : c.holidays) {
    CAPTURE(timestamp{d});
    CHECK_FALSE(tierflow::is_working_day(c, d));
    CHECK(tierflow::working_spans(c, d).empty());
    CHECK_FALSE(tierflow::is_working_time(c, timestamp{d} + chr::hours{10} - chr::hours{8}));
  }
  // Every make-up day read from the loaded calendar: a Saturday or Sunday
  // that works, with Monday's split shift.
  const std::vector<time_span> split{{510, 720}, {810, 1050}};
  for (const chr::sys_days d : c.workdays) {
    CAPTURE(timestamp{d});
    const chr::weekday wd{d};
    CHECK((wd == chr::Saturday || wd == chr::Sunday));
    CHECK(tierflow::is_working_day(c, d));
    const auto spans = tierflow::working_spans(c, d);
    CHECK(std::vector<time_span>(spans.begin(), spans.end()) == split);
  }

  // Known dates, literally.
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 1, 1)));   // 元旦, Thu
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 1, 2)));   // Fri, holiday
  CHECK(tierflow::is_working_day(c, day(2026, 1, 4)));         // make-up Sun
  CHECK(tierflow::is_working_day(c, day(2026, 1, 5)));         // ordinary Mon
  CHECK(tierflow::is_working_day(c, day(2026, 2, 13)));        // ordinary Fri
  CHECK(tierflow::is_working_day(c, day(2026, 2, 14)));        // make-up Sat
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 2, 16)));  // Mon in 春節
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 2, 23)));  // last day of 春節, Mon
  CHECK(tierflow::is_working_day(c, day(2026, 2, 24)));        // Tue, back at work
  CHECK(tierflow::is_working_day(c, day(2026, 2, 28)));        // make-up Sat
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 3, 1)));   // ordinary Sun
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 4, 6)));   // 清明, Mon
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 5, 5)));   // 勞動節, Tue
  CHECK(tierflow::is_working_day(c, day(2026, 5, 9)));         // make-up Sat
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 6, 19)));  // 端午, Fri
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 9, 19)));  // ordinary Sat
  CHECK(tierflow::is_working_day(c, day(2026, 9, 20)));        // make-up Sun
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 9, 25)));  // 中秋, Fri
  CHECK(tierflow::is_working_day(c, day(2026, 9, 30)));        // Wed before 國慶
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 10, 1)));  // 國慶, Thu
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 10, 7)));  // last day of 國慶, Wed
  CHECK(tierflow::is_working_day(c, day(2026, 10, 8)));        // Thu: the file ends 國慶 on 10-07
  CHECK(tierflow::is_working_day(c, day(2026, 10, 10)));       // make-up Sat
  CHECK_FALSE(tierflow::is_working_day(c, day(2026, 10, 11)));  // ordinary Sun
  CHECK_FALSE(tierflow::is_working_day(c, day(2027, 2, 8)));    // provisional 春節, Mon
  CHECK(tierflow::is_working_day(c, day(2027, 2, 9)));          // Tue (no 2027 補假 listed)

  // The 24x7 calendar works on every one of them.
  for (const chr::sys_days d : c.holidays) CHECK(tierflow::is_working_day(always(), d));
}

TEST_CASE("calendar_deadline.working_day.whole_year_2026") {
  const calendar& c = office();
  // 2026 starts on a Thursday and has 365 days: 52 weeks + a Thursday, so
  // 261 weekdays. Weekday holidays: Jan 1-2 (2); Feb 16-20, 23 (6); Apr 6
  // (1); May 1, 4, 5 (3); Jun 19 (1); Sep 25 (1); Oct 1, 2, 5, 6, 7 (5): 19.
  // Six make-up weekend days. 261 - 19 + 6 = 248 working days.
  int working = 0;
  for (chr::sys_days d = day(2026, 1, 1); d < day(2027, 1, 1); d += chr::days{1}) {
    if (tierflow::is_working_day(c, d)) ++working;
  }
  CHECK(working == 248);
  CHECK(tierflow::working_seconds_between(c, local(2026, 1, 1, 0, 0), local(2027, 1, 1, 0, 0)) ==
        248 * work_day);
}

// ---------------------------------------------------------------------------
// Business days across the long holidays.

TEST_CASE("calendar_deadline.business_days.national_day_2026") {
  const calendar& c = office();
  // Working days around it: Thu 09-17, Fri 18, make-up Sun 20, Mon 21 - Thu 24,
  // [Fri 25 - Sun 27 中秋], Mon 28 - Wed 30, [Thu 10-01 - Wed 10-07 國慶],
  // Thu 10-08, Fri 09, make-up Sat 10, Mon 12 - Fri 16.

  // Wed 09-30 09:00, offset 0.5 h: 10-08 (1), 09 (2), 10 (3), 12 (4), 13 (5).
  CHECK(add(c, local(2026, 9, 30, 9, 0), bd(5)) == local(2026, 10, 13, 9, 0));
  // Tue 09-29 14:00, offset 4 h (afternoon): 30 (1), 10-08 (2), 09 (3), 10 (4), 12 (5).
  CHECK(add(c, local(2026, 9, 29, 14, 0), bd(5)) == local(2026, 10, 12, 14, 0));
  // Thu 09-24 10:00 spans both 中秋 and 國慶: 28, 29, 30, 10-08, 10-09.
  CHECK(add(c, local(2026, 9, 24, 10, 0), bd(5)) == local(2026, 10, 9, 10, 0));
  // Tue 09-22 11:00, across 中秋 only: 23, 24, 28, 29, 30.
  CHECK(add(c, local(2026, 9, 22, 11, 0), bd(5)) == local(2026, 9, 30, 11, 0));
  // Thu 09-17 16:00, the make-up Sunday counts: 18, 20 (Sun), 21, 22, 23.
  CHECK(add(c, local(2026, 9, 17, 16, 0), bd(5)) == local(2026, 9, 23, 16, 0));
  // Fri 09-18 18:00 counts from the make-up Sun 09-20 08:30 (offset 0):
  // 21, 22, 23, 24, 28.
  CHECK(add(c, local(2026, 9, 18, 18, 0), bd(5)) == local(2026, 9, 28, 8, 30));
  // Wed 09-30 17:30 (closing) counts from Thu 10-08 08:30: 09, 10, 12, 13, 14.
  CHECK(add(c, local(2026, 9, 30, 17, 30), bd(5)) == local(2026, 10, 14, 8, 30));
  // Sat 10-03, in the holiday: from Thu 10-08 08:30 as well.
  CHECK(add(c, local(2026, 10, 3, 10, 0), bd(5)) == local(2026, 10, 14, 8, 30));
  // Wed 10-07 23:00, the holiday's last evening: from 10-08 08:30 too.
  CHECK(add(c, local(2026, 10, 7, 23, 0), bd(5)) == local(2026, 10, 14, 8, 30));
  // On the make-up Sat 10-10 at 15:00 (offset 5 h): 12, 13, 14, 15, 16.
  CHECK(add(c, local(2026, 10, 10, 15, 0), bd(5)) == local(2026, 10, 16, 15, 0));
  // Fri 10-09 16:45: 10 (Sat, 1), 12, 13, 14, 15 (5).
  CHECK(add(c, local(2026, 10, 9, 16, 45), bd(5)) == local(2026, 10, 15, 16, 45));
  // 8 bd from Fri 09-25 (holiday) 10:00: from Mon 28 08:30; 29, 30, 10-08,
  // 09, 10, 12, 13, 14 (8).
  CHECK(add(c, local(2026, 9, 25, 10, 0), bd(8)) == local(2026, 10, 14, 8, 30));
}

TEST_CASE("calendar_deadline.business_days.spring_festival_2026") {
  const calendar& c = office();
  // Mon 02-09 - Fri 13, make-up Sat 14, [Sun 15 - Mon 23 春節], Tue 24 -
  // Fri 27, make-up Sat 28, [Sun 03-01], Mon 03-02 ...

  // Wed 02-11 10:00: 12, 13, 14 (Sat), 24, 25.
  CHECK(add(c, local(2026, 2, 11, 10, 0), bd(5)) == local(2026, 2, 25, 10, 0));
  // Thu 02-12 15:00: 13, 14, 24, 25, 26.
  CHECK(add(c, local(2026, 2, 12, 15, 0), bd(5)) == local(2026, 2, 26, 15, 0));
  // On the make-up Sat 02-14 at 11:59:59: 24, 25, 26, 27, 28 (make-up Sat).
  CHECK(add(c, local(2026, 2, 14, 11, 59, 59), bd(5)) == local(2026, 2, 28, 11, 59, 59));
  // Fri 02-13 17:30 counts from Sat 02-14 08:30: 24, 25, 26, 27, 28.
  CHECK(add(c, local(2026, 2, 13, 17, 30), bd(5)) == local(2026, 2, 28, 8, 30));
  // Wed 02-18, in the holiday: from Tue 24 08:30; 25, 26, 27, 28, 03-02.
  CHECK(add(c, local(2026, 2, 18, 10, 0), bd(5)) == local(2026, 3, 2, 8, 30));
  // Thu 02-26 13:30, offset 3.5 h (a span boundary, stays 13:30): 27, 28, 03-02, 03, 04.
  CHECK(add(c, local(2026, 2, 26, 13, 30), bd(5)) == local(2026, 3, 4, 13, 30));
  // Mon 02-09 09:00, ten working days: 10, 11, 12, 13, 14, 24, 25, 26, 27, 28.
  CHECK(add(c, local(2026, 2, 9, 9, 0), bd(10)) == local(2026, 2, 28, 9, 0));
}

TEST_CASE("calendar_deadline.business_days.new_year_2026") {
  const calendar& c = office();
  // 2025 lists no holidays: Mon 12-29 - Wed 12-31 work; [Thu 01-01 - Sat
  // 01-03 元旦], make-up Sun 01-04, Mon 05 - Fri 09.

  // Wed 12-31 10:00: 01-04 (Sun), 05, 06, 07, 08.
  CHECK(add(c, local(2025, 12, 31, 10, 0), bd(5)) == local(2026, 1, 8, 10, 0));
  // Tue 12-30 16:00: 31, 01-04, 05, 06, 07.
  CHECK(add(c, local(2025, 12, 30, 16, 0), bd(5)) == local(2026, 1, 7, 16, 0));
  // Wed 12-31 17:30 counts from Sun 01-04 08:30: 1 bd is Mon 05 08:30, 5 bd Fri 09.
  CHECK(add(c, local(2025, 12, 31, 17, 30), bd(1)) == local(2026, 1, 5, 8, 30));
  CHECK(add(c, local(2025, 12, 31, 17, 30), bd(5)) == local(2026, 1, 9, 8, 30));
  // Fri 01-02, a holiday: the same.
  CHECK(add(c, local(2026, 1, 2, 10, 0), bd(5)) == local(2026, 1, 9, 8, 30));
  // Make-up Sun 01-04 12:30 (lunch) counts from 13:30, offset 3.5 h: 05 .. 09.
  CHECK(add(c, local(2026, 1, 4, 12, 30), bd(5)) == local(2026, 1, 9, 13, 30));
  // Business hours: Wed 12-31 16:00 + 4 bh = 1.5 h on 12-31, 2.5 h on Sun
  // 01-04 from 08:30 = 11:00.
  CHECK(add(c, local(2025, 12, 31, 16, 0), bh(4)) == local(2026, 1, 4, 11, 0));
}

// ---------------------------------------------------------------------------
// The split shift.

TEST_CASE("calendar_deadline.split_shift.lunch_break_and_closing") {
  const calendar& c = office();
  // Tue 03-03 12:30 is lunch: counting starts 13:30; 4 h uses up the
  // afternoon exactly, so the deadline is the span end 17:30, not Wed 08:30.
  CHECK(add(c, local(2026, 3, 3, 12, 30), bh(4)) == local(2026, 3, 3, 17, 30));
  // 5 h: 4 h afternoon + 1 h Wed from 08:30.
  CHECK(add(c, local(2026, 3, 3, 12, 30), bh(5)) == local(2026, 3, 4, 9, 30));
  // Before a holiday: Wed 09-30 12:30 + 4 bh still ends 09-30 17:30 ...
  CHECK(add(c, local(2026, 9, 30, 12, 30), bh(4)) == local(2026, 9, 30, 17, 30));
  // ... and + 5 bh lands on Thu 10-08 09:30.
  CHECK(add(c, local(2026, 9, 30, 12, 30), bh(5)) == local(2026, 10, 8, 9, 30));
  // Make-up Sat 10-10 12:30 + 4 bh: that Saturday's afternoon, 17:30.
  CHECK(add(c, local(2026, 10, 10, 12, 30), bh(4)) == local(2026, 10, 10, 17, 30));

  // 17:29:59 + 1 bh: 1 s today, 3599 s from the next opening 08:30 = 09:29:59.
  CHECK(add(c, local(2026, 3, 3, 17, 29, 59), bh(1)) == local(2026, 3, 4, 9, 29, 59));
  CHECK(add(c, local(2026, 3, 6, 17, 29, 59), bh(1)) == local(2026, 3, 9, 9, 29, 59));  // Fri→Mon
  CHECK(add(c, local(2026, 9, 30, 17, 29, 59), bh(1)) == local(2026, 10, 8, 9, 29, 59));
  CHECK(add(c, local(2026, 2, 13, 17, 29, 59), bh(1)) == local(2026, 2, 14, 9, 29, 59));
  CHECK(add(c, local(2026, 2, 14, 17, 29, 59), bh(1)) == local(2026, 2, 24, 9, 29, 59));
  // The same second + 1 bd: offset 27000 - 1 on the next working day.
  CHECK(add(c, local(2026, 9, 30, 17, 29, 59), bd(1)) == local(2026, 10, 8, 17, 29, 59));
}

TEST_CASE("calendar_deadline.split_shift.opened_exactly_on_a_boundary") {
  const calendar& c = office();
  // Tue 2026-03-03, an ordinary day.
  // 08:30: working time from its first second.
  CHECK(tierflow::is_working_time(c, local(2026, 3, 3, 8, 30)));
  CHECK(add(c, local(2026, 3, 3, 8, 30), bh(1)) == local(2026, 3, 3, 9, 30));
  // 3.5 h then 0.5 h after lunch.
  CHECK(add(c, local(2026, 3, 3, 8, 30), bh(4)) == local(2026, 3, 3, 14, 0));
  CHECK(add(c, local(2026, 3, 3, 8, 30), bd(1)) == local(2026, 3, 4, 8, 30));

  // 12:00: lunch (half-open span); counts from 13:30.
  CHECK_FALSE(tierflow::is_working_time(c, local(2026, 3, 3, 12, 0)));
  CHECK(add(c, local(2026, 3, 3, 12, 0), bh(1)) == local(2026, 3, 3, 14, 30));
  CHECK(add(c, local(2026, 3, 3, 12, 0), bh(4)) == local(2026, 3, 3, 17, 30));
  // next instant 13:30, offset 3.5 h: Wed 13:30.
  CHECK(add(c, local(2026, 3, 3, 12, 0), bd(1)) == local(2026, 3, 4, 13, 30));

  // 13:30: the same as 12:00 for every unit.
  CHECK(tierflow::is_working_time(c, local(2026, 3, 3, 13, 30)));
  CHECK(add(c, local(2026, 3, 3, 13, 30), bh(1)) == local(2026, 3, 3, 14, 30));
  CHECK(add(c, local(2026, 3, 3, 13, 30), bh(4)) == local(2026, 3, 3, 17, 30));
  CHECK(add(c, local(2026, 3, 3, 13, 30), bd(1)) == local(2026, 3, 4, 13, 30));

  // 17:30: closed; counts from Wed 08:30.
  CHECK_FALSE(tierflow::is_working_time(c, local(2026, 3, 3, 17, 30)));
  CHECK(add(c, local(2026, 3, 3, 17, 30), bh(1)) == local(2026, 3, 4, 9, 30));
  CHECK(add(c, local(2026, 3, 3, 17, 30), bd(1)) == local(2026, 3, 5, 8, 30));

  // Landing on a boundary: 11:00 + 1 bh uses up the morning: 12:00, not 13:30;
  // one more second is 13:30:01.
  CHECK(add(c, local(2026, 3, 3, 11, 0), bh(1)) == local(2026, 3, 3, 12, 0));
  CHECK(tierflow::add_working_seconds(c, local(2026, 3, 3, 11, 0), 3601) ==
        local(2026, 3, 3, 13, 30, 1));
  // Nothing is counted over lunch.
  CHECK(tierflow::working_seconds_between(c, local(2026, 3, 3, 12, 0), local(2026, 3, 3, 13, 30)) ==
        0);
  CHECK(tierflow::working_seconds_between(c, local(2026, 3, 3, 11, 59, 59),
                                          local(2026, 3, 3, 13, 30, 1)) == 2);
}

// ---------------------------------------------------------------------------
// Midnight and the UTC/local day difference.

TEST_CASE("calendar_deadline.midnight.local_midnight_on_working_days") {
  const calendar& c = office();
  // Tue 03-03 23:59:59: closed; counts from Wed 08:30.
  CHECK_FALSE(tierflow::is_working_time(c, local(2026, 3, 3, 23, 59, 59)));
  CHECK(add(c, local(2026, 3, 3, 23, 59, 59), bh(1)) == local(2026, 3, 4, 9, 30));
  CHECK(add(c, local(2026, 3, 3, 23, 59, 59), bh(4)) == local(2026, 3, 4, 14, 0));
  CHECK(add(c, local(2026, 3, 3, 23, 59, 59), bd(1)) == local(2026, 3, 5, 8, 30));
  // One second later, Wed 03-04 00:00: the same day's opening, same answers.
  CHECK_FALSE(tierflow::is_working_time(c, local(2026, 3, 4, 0, 0)));
  CHECK(tierflow::next_working_instant(c, local(2026, 3, 4, 0, 0)) == local(2026, 3, 4, 8, 30));
  CHECK(add(c, local(2026, 3, 4, 0, 0), bh(1)) == local(2026, 3, 4, 9, 30));
  CHECK(add(c, local(2026, 3, 4, 0, 0), bd(1)) == local(2026, 3, 5, 8, 30));
  // Fri 03-06 23:59:59: from Mon 03-09 08:30; 1 bd = Tue 03-10 08:30.
  CHECK(add(c, local(2026, 3, 6, 23, 59, 59), bd(1)) == local(2026, 3, 10, 8, 30));
  // Fri 10-09 23:59:59: from make-up Sat 10-10 08:30; 1 bd = Mon 10-12 08:30.
  CHECK(add(c, local(2026, 10, 9, 23, 59, 59), bd(1)) == local(2026, 10, 12, 8, 30));
  // Sat 10-10 00:00 (make-up day): 1 bh = 09:30 that Saturday.
  CHECK(add(c, local(2026, 10, 10, 0, 0), bh(1)) == local(2026, 10, 10, 9, 30));
  // Wed 09-30 23:59:59: from Thu 10-08 08:30; 1 bd = Fri 10-09 08:30.
  CHECK(add(c, local(2026, 9, 30, 23, 59, 59), bd(1)) == local(2026, 10, 9, 8, 30));
  // Thu 10-01 00:00 (holiday): 1 bh = Thu 10-08 09:30.
  CHECK(add(c, local(2026, 10, 1, 0, 0), bh(1)) == local(2026, 10, 8, 9, 30));
}

TEST_CASE("calendar_deadline.midnight.utc_day_differs_from_local_day") {
  const calendar& c = office();
  // 2026-03-02T17:00:00Z is Mon in UTC but Tue 03-03 01:00 local.
  const timestamp t = utc(2026, 3, 2, 17, 0);
  CHECK(t == local(2026, 3, 3, 1, 0));
  CHECK_FALSE(tierflow::is_working_time(c, t));
  // Tue 08:30 local = 2026-03-03T00:30Z.
  CHECK(tierflow::next_working_instant(c, t) == utc(2026, 3, 3, 0, 30));
  // + 1 bh = Tue 09:30 local = 01:30Z; + 1 bd = Wed 08:30 local = 03-04T00:30Z.
  CHECK(add(c, t, bh(1)) == utc(2026, 3, 3, 1, 30));
  CHECK(add(c, t, bd(1)) == utc(2026, 3, 4, 0, 30));
  // Misread as Mon 17:00 local it would be working time and + 1 bh would be
  // Tue 09:30 local as well; the working seconds tell the two apart:
  // 17:00Z Mon .. 00:30Z Tue is 01:00-08:30 local Tue, none.
  CHECK(tierflow::working_seconds_between(c, t, utc(2026, 3, 3, 0, 30)) == 0);
  // 2026-03-03T04:00Z = Tue 12:00 local (lunch), 05:30Z = 13:30 local.
  CHECK(tierflow::working_seconds_between(c, utc(2026, 3, 3, 0, 0), utc(2026, 3, 3, 6, 0)) ==
        morning + 1800);  // 08:00-14:00 local: 08:30-12:00 and 13:30-14:00
  // 24 h is wall-clock.
  CHECK(add(c, t, hours(24)) == utc(2026, 3, 3, 17, 0));

  // 2026-03-06T16:00Z is Fri in UTC, Sat 03-07 00:00 local: counts from Mon.
  CHECK(tierflow::next_working_instant(c, utc(2026, 3, 6, 16, 0)) == utc(2026, 3, 9, 0, 30));
  CHECK(add(c, utc(2026, 3, 6, 16, 0), bd(1)) == utc(2026, 3, 10, 0, 30));
  // One second earlier it is Fri 23:59:59 local: the same opening.
  CHECK(tierflow::next_working_instant(c, utc(2026, 3, 6, 15, 59, 59)) == utc(2026, 3, 9, 0, 30));

  // 2026-10-10T17:00Z: the UTC date is the make-up Saturday, but locally it
  // is Sun 10-11 01:00, not working: next opening Mon 10-12 08:30 local.
  CHECK(tierflow::is_working_day(c, day(2026, 10, 10)));
  CHECK_FALSE(tierflow::is_working_time(c, utc(2026, 10, 10, 17, 0)));
  CHECK(tierflow::next_working_instant(c, utc(2026, 10, 10, 17, 0)) == utc(2026, 10, 12, 0, 30));
  // 2026-10-09T17:00Z: UTC Friday, local Sat 10-10 01:00 (make-up day):
  // opens 10-10 08:30 local = 10-10T00:30Z.
  CHECK(tierflow::next_working_instant(c, utc(2026, 10, 9, 17, 0)) == utc(2026, 10, 10, 0, 30));
  // 2026-09-30T16:00Z = Thu 10-01 00:00 local, a holiday, although the UTC
  // date 09-30 is a working day: opens Thu 10-08 08:30 local = 10-08T00:30Z.
  CHECK(tierflow::next_working_instant(c, utc(2026, 9, 30, 16, 0)) == utc(2026, 10, 8, 0, 30));
  // 2026-10-08T00:29:59Z = 08:29:59 local: + 1 bh = 09:30 local = 01:30Z.
  CHECK(add(c, utc(2026, 10, 8, 0, 29, 59), bh(1)) == utc(2026, 10, 8, 1, 30));
}

// ---------------------------------------------------------------------------
// Calendar units and the 24x7 calendar.

TEST_CASE("calendar_deadline.calendar_units.ignore_holidays") {
  const calendar& c = office();
  // Wall-clock amounts: the holiday does not stretch them.
  CHECK(add(c, local(2026, 9, 30, 10, 0), hours(24)) == local(2026, 10, 1, 10, 0));
  CHECK(add(c, local(2026, 9, 30, 23, 59, 59), hours(24)) == local(2026, 10, 1, 23, 59, 59));
  CHECK(add(c, local(2026, 10, 1, 9, 0), {7, time_unit::days}) == local(2026, 10, 8, 9, 0));
  CHECK(add(c, local(2026, 2, 14, 17, 0), hours(72)) == local(2026, 2, 17, 17, 0));
  CHECK(add(c, local(2025, 12, 31, 23, 30), {45, time_unit::minutes}) ==
        local(2026, 1, 1, 0, 15));
  // Versus 1 bd from the same instant: Thu 10-08 10:00.
  CHECK(add(c, local(2026, 9, 30, 10, 0), bd(1)) == local(2026, 10, 8, 10, 0));
  // `always` gives the same answer for 24h.
  CHECK(add(always(), local(2026, 9, 30, 10, 0), hours(24)) == local(2026, 10, 1, 10, 0));
}

TEST_CASE("calendar_deadline.always.business_units_are_wall_clock") {
  const calendar& a = always();
  // 24x7: holidays and nights are working time; 1 bd = 24 h, 1 bh = 1 h.
  CHECK(tierflow::is_working_time(a, local(2026, 10, 1, 3, 0)));
  CHECK(tierflow::next_working_instant(a, local(2026, 10, 1, 3, 0)) == local(2026, 10, 1, 3, 0));
  CHECK(add(a, local(2026, 10, 1, 10, 0), bd(5)) == local(2026, 10, 6, 10, 0));
  CHECK(add(a, local(2026, 9, 30, 23, 59, 59), bd(1)) == local(2026, 10, 1, 23, 59, 59));
  CHECK(add(a, local(2026, 2, 13, 18, 0), bd(5)) == local(2026, 2, 18, 18, 0));
  CHECK(add(a, local(2026, 10, 1, 22, 0), bh(4)) == local(2026, 10, 2, 2, 0));
  CHECK(add(a, local(2026, 3, 3, 12, 30), bh(4)) == local(2026, 3, 3, 16, 30));
  CHECK(tierflow::working_seconds_between(a, local(2026, 10, 1, 0, 0), local(2026, 10, 8, 0, 0)) ==
        7 * 86400);
}

// ---------------------------------------------------------------------------
// Working seconds.

TEST_CASE("calendar_deadline.working_seconds.national_day_block") {
  const calendar& c = office();
  // The seven holiday days themselves hold no working time.
  CHECK(tierflow::working_seconds_between(c, local(2026, 10, 1, 0, 0), local(2026, 10, 8, 0, 0)) ==
        0);
  // Fri 09-25 (中秋) .. Wed 10-07: only Mon 28, Tue 29, Wed 30 work.
  CHECK(tierflow::working_seconds_between(c, local(2026, 9, 25, 0, 0), local(2026, 10, 8, 0, 0)) ==
        3 * work_day);
  // Sat 09-19 .. Sat 10-10 inclusive: Sun 20, 21, 22, 23, 24, 28, 29, 30,
  // 10-08, 09, Sat 10: 11 working days.
  CHECK(tierflow::working_seconds_between(c, local(2026, 9, 19, 0, 0),
                                          local(2026, 10, 11, 0, 0)) == 11 * work_day);
  // The same sum, day by day over the loaded calendar's working days.
  std::int64_t by_day = 0;
  for (chr::sys_days d = day(2026, 9, 19); d < day(2026, 10, 11); d += chr::days{1}) {
    if (tierflow::is_working_day(c, d)) by_day += work_day;
  }
  CHECK(by_day == 11 * work_day);
  // Wed 09-30 10:00 .. Thu 10-08 10:00: 2 h + 4 h on 09-30, 1.5 h on 10-08.
  CHECK(tierflow::working_seconds_between(c, local(2026, 9, 30, 10, 0),
                                          local(2026, 10, 8, 10, 0)) == work_day);
  // Spring Festival: Sat 02-14 .. Sat 02-28 inclusive: 14, 24, 25, 26, 27, 28.
  CHECK(tierflow::working_seconds_between(c, local(2026, 2, 14, 0, 0), local(2026, 3, 1, 0, 0)) ==
        6 * work_day);
  // New Year: Thu 01-01 .. Fri 01-09 inclusive: Sun 04, Mon 05 - Fri 09.
  CHECK(tierflow::working_seconds_between(c, local(2026, 1, 1, 0, 0), local(2026, 1, 10, 0, 0)) ==
        6 * work_day);
  // Inverse: 1 working day from Wed 09-30 10:00 ends Thu 10-08 10:00.
  CHECK(tierflow::add_working_seconds(c, local(2026, 9, 30, 10, 0), work_day) ==
        local(2026, 10, 8, 10, 0));
  // 6 h from 09-30 10:00 uses up the 09-30 afternoon exactly: 17:30 that day.
  CHECK(tierflow::add_working_seconds(c, local(2026, 9, 30, 10, 0), 6 * 3600) ==
        local(2026, 9, 30, 17, 30));
}

TEST_CASE("calendar_deadline.working_seconds.round_trip_through_2026") {
  const calendar& c = office();
  // Every 97 minutes through 2026 (local), a few amounts each: the result is
  // the earliest instant with exactly that much working time after the start,
  // so its last second is working time, and it is either working time itself
  // or a span end (12:00 or 17:30 local) of a working day.
  const std::array<std::int64_t, 5> fixed{1, 3600, morning, afternoon, work_day};
  std::int64_t i = 0;
  int span_ends = 0;
  for (timestamp start = local(2026, 1, 1, 0, 0); start < local(2027, 1, 1, 0, 0);
       start += chr::minutes{97}, ++i) {
    CAPTURE(start);
    for (std::size_t k = 0; k <= fixed.size(); ++k) {
      const std::int64_t seconds =
          k < fixed.size() ? fixed[k] : 1 + (i * 104729) % (12 * work_day);
      CAPTURE(seconds);
      const timestamp end = tierflow::add_working_seconds(c, start, seconds);
      REQUIRE(end > start);
      REQUIRE(tierflow::working_seconds_between(c, start, end) == seconds);
      REQUIRE(tierflow::working_seconds_between(c, start, end - chr::seconds{1}) == seconds - 1);
      REQUIRE(tierflow::is_working_time(c, end - chr::seconds{1}));
      const std::int64_t clock = local_clock(end);
      const bool span_end = (clock == 12 * 3600 || clock == 17 * 3600 + 1800) &&
                            tierflow::is_working_day(c, local_day(end));
      REQUIRE((tierflow::is_working_time(c, end) || span_end));
      if (span_end) ++span_ends;
    }
    // Business days: every working day of this calendar has the same hours,
    // so n bd from the counting start s lands on the same local clock time,
    // exactly n × 7.5 h of working time later, on a working day.
    const std::int64_t n = 1 + i % 7;
    CAPTURE(n);
    const timestamp s = tierflow::next_working_instant(c, start);
    const timestamp due = add(c, start, bd(n));
    REQUIRE(tierflow::is_working_time(c, due));
    REQUIRE(local_clock(due) == local_clock(s));
    REQUIRE(tierflow::working_seconds_between(c, s, due) == n * work_day);
  }
  CHECK(i == (365 * 24 * 60 + 96) / 97);  // starts at 0, 97, ... minutes: ceil(525600 / 97)
  CHECK(span_ends > 0);  // the fixed amounts do hit span ends
}
