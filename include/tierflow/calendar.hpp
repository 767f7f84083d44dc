// SPDX-License-Identifier: MIT
// Business calendars: working hours with split shifts, statutory holidays and
// make-up working days as data, or 24x7; business-time arithmetic on them.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <tierflow/diagnostic.hpp>
#include <tierflow/duration.hpp>
#include <tierflow/time.hpp>

namespace tierflow {

/// A half-open span of local time within one day, in minutes after local
/// midnight: [begin, end). "08:30-12:00" is {510, 720}.
struct time_span {
  std::int32_t begin = 0;
  std::int32_t end = 0;

  friend constexpr bool operator==(const time_span&, const time_span&) = default;
};

/// A business calendar as declared in the organisation file.
///
/// Invariants after loading: spans of one day are sorted, non-empty and do
/// not overlap; `holidays` and `workdays` are sorted, unique and disjoint.
struct calendar {
  std::string id;
  source_pos where;
  /// 24x7: every minute is working time; holidays and hours are ignored.
  bool always_open = false;
  /// Local UTC offset of the organisation (China: +08:00, no DST).
  std::chrono::minutes utc_offset{0};
  /// Working hours per weekday, index 0 = Monday … 6 = Sunday.
  std::array<std::vector<time_span>, 7> week;
  /// Statutory holidays: no working time, whatever the weekday.
  std::vector<std::chrono::sys_days> holidays;
  /// Make-up working days (調休上班), usually a Saturday or Sunday: they
  /// work the hours of `makeup_weekday`.
  std::vector<std::chrono::sys_days> workdays;
  /// Whose hours a make-up working day follows (0 = Monday).
  std::uint8_t makeup_weekday = 0;
};

// Business-time arithmetic.
//
// Shared contract of the functions below:
//
// - Local time is `utc + calendar::utc_offset`; a "local day" is a
//   `sys_days` value naming that local date. Results are converted back to
//   UTC. A fixed offset is exact for China, which has no DST.
// - Preconditions on the calendar are the loader's invariants (see
//   `calendar`), plus: every span satisfies 0 <= begin < end <= 1440 (a span
//   may end at 24:00, and then runs straight on into a span beginning at
//   00:00 the next day), |utc_offset| < 24 h, makeup_weekday < 7 (larger
//   values are read modulo 7 so that a bad calendar cannot index out of
//   bounds).
// - A timestamp argument is finite: an instant in the years std::chrono::year
//   can name (-32767 … 32767). Where documented, timestamp::max() is also
//   accepted and means "never".
// - Nothing allocates and nothing throws. The functions only read the
//   calendar: concurrent calls on one calendar are safe while nobody writes it.
// - H below is the number of holidays and make-up working days that fall in
//   the range a function looks at; the searches add O(log) binary searches.

namespace detail {

inline constexpr std::int64_t seconds_per_day = 24 * 60 * 60;

/// The one span of an always_open day.
inline constexpr time_span whole_day_span{0, 24 * 60};

/// How far, in days, a forward search may go before it gives up and answers
/// timestamp::max() (2^30 days, about 2.9 million years). It bounds the work
/// of a calendar without working time and keeps every result representable.
inline constexpr std::int64_t max_search_days = std::int64_t{1} << 30;

/// A value for each weekday, index 0 = Monday.
using weekday_values = std::array<std::int64_t, 7>;

/// A point in local time: the local day and the seconds after its midnight.
struct local_point {
  std::chrono::sys_days day;
  std::int64_t second = 0;  ///< 0 … 86399
};

/// `t` as a local point of the calendar's organisation (time.hpp's to_local).
[[nodiscard]] constexpr local_point to_local(const calendar& cal, timestamp t) noexcept {
  const std::chrono::sys_days day = local_day(t, cal.utc_offset);
  return {day, (t + cal.utc_offset - day).count()};
}

/// The instant of a local point (time.hpp's from_local).
[[nodiscard]] constexpr timestamp from_local(const calendar& cal, std::chrono::sys_days day,
                                             std::int64_t second) noexcept {
  return tierflow::from_local(day, std::chrono::seconds{second}, cal.utc_offset);
}

/// t + seconds for seconds >= 0, saturating at timestamp::max() ("never").
[[nodiscard]] constexpr timestamp saturating_add(timestamp t, std::int64_t seconds) noexcept {
  constexpr auto top = timestamp::max().time_since_epoch().count();
  if (t.time_since_epoch().count() > top - seconds) return timestamp::max();
  return t + std::chrono::seconds{seconds};
}

[[nodiscard]] constexpr std::size_t weekday_index(std::chrono::sys_days day) noexcept {
  return std::chrono::weekday{day}.iso_encoding() - 1;
}

[[nodiscard]] constexpr std::size_t makeup_index(const calendar& cal) noexcept {
  return static_cast<std::size_t>(cal.makeup_weekday % 7);
}

[[nodiscard]] constexpr std::int64_t span_begin_s(const time_span& s) noexcept {
  return std::int64_t{s.begin} * 60;
}

[[nodiscard]] constexpr std::int64_t span_end_s(const time_span& s) noexcept {
  return std::int64_t{s.end} * 60;
}

/// Working seconds of a normal (not holiday, not make-up) day of each weekday.
[[nodiscard]] inline weekday_values seconds_by_weekday(const calendar& cal) noexcept {
  weekday_values out{};
  for (std::size_t i = 0; i < 7; ++i) {
    for (const time_span& s : cal.week[i]) out[i] += span_end_s(s) - span_begin_s(s);
  }
  return out;
}

/// 1 for each weekday that has working time, else 0: counting working days
/// is summing these.
[[nodiscard]] inline weekday_values working_day_by_weekday(const calendar& cal) noexcept {
  weekday_values out{};
  for (std::size_t i = 0; i < 7; ++i) out[i] = cal.week[i].empty() ? 0 : 1;
  return out;
}

/// Sum of a per-day value over the local days [first, last), where a holiday
/// is worth 0, a make-up working day the value of makeup_weekday and any
/// other day the value of its weekday. Not for always_open calendars.
/// O(1) for the whole weeks, then O(log H + H) to correct for the listed
/// days, instead of visiting each day.
[[nodiscard]] inline std::int64_t sum_over_days(const calendar& cal, const weekday_values& value,
                                                std::chrono::sys_days first,
                                                std::chrono::sys_days last) noexcept {
  const std::int64_t n = (last - first).count();
  if (n <= 0) return 0;
  std::int64_t week_sum = 0;
  for (const std::int64_t v : value) week_sum += v;
  std::int64_t total = (n / 7) * week_sum;
  const std::size_t first_weekday = weekday_index(first);
  for (std::int64_t i = 0; i < n % 7; ++i) {
    total += value[(first_weekday + static_cast<std::size_t>(i)) % 7];
  }
  // The weekly pattern counted every day at its weekday's value; the listed
  // days take that back and substitute their own.
  const auto& hol = cal.holidays;
  for (auto it = std::lower_bound(hol.begin(), hol.end(), first); it != hol.end() && *it < last;
       ++it) {
    total -= value[weekday_index(*it)];
  }
  const std::int64_t makeup_value = value[makeup_index(cal)];
  const auto& work = cal.workdays;
  for (auto it = std::lower_bound(work.begin(), work.end(), first); it != work.end() && *it < last;
       ++it) {
    // A day listed as both is a holiday (as in working_spans); the loader
    // rejects that, but the two views must agree even so.
    if (std::binary_search(hol.begin(), hol.end(), *it)) continue;
    total += makeup_value - value[weekday_index(*it)];
  }
  return total;
}

/// Where a running sum of per-day values, started at the beginning of local
/// day `from`, reaches `target`: the day inside which it is reached, and how
/// much of `target` is left for that day (0 < rest <= that day's value).
struct day_reached {
  std::chrono::sys_days day;
  std::int64_t rest = 0;
  bool found = false;  ///< false: not within max_search_days
};

/// Requires target > 0. Exponential then binary search over sum_over_days:
/// O(log D · (log H + H)) for a result D days away, however many holidays
/// stand in the way; a calendar without working time costs about 30 steps
/// and answers found = false.
[[nodiscard]] inline day_reached find_day_reaching(const calendar& cal, const weekday_values& value,
                                                   std::chrono::sys_days from,
                                                   std::int64_t target) noexcept {
  using std::chrono::days;
  std::int64_t week_sum = 0;
  for (const std::int64_t v : value) week_sum += v;
  // Invariant: sum(from, from + lo) < target <= sum(from, from + hi) once hi
  // is established. The first guess is right unless holidays intervene.
  std::int64_t lo = 0;
  std::int64_t lo_sum = 0;
  std::int64_t hi = max_search_days;
  if (week_sum > 0) hi = std::min(target / week_sum + 1, max_search_days / 7) * 7;
  for (;;) {
    const std::int64_t s = sum_over_days(cal, value, from, from + days{hi});
    if (s >= target) break;
    if (hi >= max_search_days) return {};
    lo = hi;
    lo_sum = s;
    hi = std::min(hi * 2, max_search_days);
  }
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    const std::int64_t s = sum_over_days(cal, value, from, from + days{mid});
    if (s < target) {
      lo = mid;
      lo_sum = s;
    } else {
      hi = mid;
    }
  }
  return {from + days{lo}, target - lo_sum, true};
}

}  // namespace detail

/// The working spans of a local day: none on a holiday, the hours of
/// `makeup_weekday` on a make-up working day, else the hours of the day's
/// weekday; for an always_open calendar the single span 00:00-24:00.
///
/// The span views the calendar (or static storage when always_open) and
/// stays valid as long as the calendar is not modified. O(log H).
[[nodiscard]] inline std::span<const time_span> working_spans(
    const calendar& cal, std::chrono::sys_days local_day) noexcept {
  if (cal.always_open) return {&detail::whole_day_span, 1};
  if (std::binary_search(cal.holidays.begin(), cal.holidays.end(), local_day)) return {};
  if (std::binary_search(cal.workdays.begin(), cal.workdays.end(), local_day)) {
    return cal.week[detail::makeup_index(cal)];
  }
  return cal.week[detail::weekday_index(local_day)];
}

/// True if the local day has working time: never a holiday; a make-up
/// working day always (it works the hours of makeup_weekday, which
/// validation requires to be non-empty); otherwise when its weekday has
/// hours. Every day of an always_open calendar. O(log H).
[[nodiscard]] inline bool is_working_day(const calendar& cal,
                                         std::chrono::sys_days local_day) noexcept {
  return !working_spans(cal, local_day).empty();
}

/// True if `t` lies inside a working span of its local day (spans are
/// half-open: 12:00 is not working time for "08:30-12:00"). Always true for
/// an always_open calendar. Requires a finite t. O(log H + spans of the day).
[[nodiscard]] inline bool is_working_time(const calendar& cal, timestamp t) noexcept {
  if (cal.always_open) return true;
  const detail::local_point p = detail::to_local(cal, t);
  for (const time_span& s : working_spans(cal, p.day)) {
    if (p.second < detail::span_begin_s(s)) return false;
    if (p.second < detail::span_end_s(s)) return true;
  }
  return false;
}

/// Working time per ordinary week (holidays and make-up days ignored), in
/// seconds: for rough feasibility estimates. 7 × 24 h for always_open, 0 for
/// a calendar without hours. O(spans of the week).
[[nodiscard]] inline std::int64_t working_seconds_per_week(const calendar& cal) noexcept {
  if (cal.always_open) return 7 * detail::seconds_per_day;
  std::int64_t total = 0;
  for (const std::int64_t v : detail::seconds_by_weekday(cal)) total += v;
  return total;
}

/// `t` itself if it is working time, else the start of the next working span.
///
/// Returns timestamp::max() when there is no working time at or after `t`:
/// the calendar has no hours at all (or, in theory, the next working instant
/// is more than detail::max_search_days away). `t` may be timestamp::max(),
/// which is returned. There is no fixed search horizon: a run of holidays of
/// any length is jumped in O(log D · (log H + H)); the usual case (working
/// time today or tomorrow) is a few binary searches.
[[nodiscard]] inline timestamp next_working_instant(const calendar& cal, timestamp t) noexcept {
  if (cal.always_open || t == timestamp::max()) return t;
  const detail::local_point p = detail::to_local(cal, t);
  for (const time_span& s : working_spans(cal, p.day)) {
    if (p.second < detail::span_end_s(s)) {
      return detail::from_local(cal, p.day, std::max(p.second, detail::span_begin_s(s)));
    }
  }
  const detail::day_reached next = detail::find_day_reaching(
      cal, detail::working_day_by_weekday(cal), p.day + std::chrono::days{1}, 1);
  if (!next.found) return timestamp::max();
  return detail::from_local(cal, next.day,
                            detail::span_begin_s(working_spans(cal, next.day).front()));
}

/// Seconds of working time in [from, to); 0 if to <= from. For an
/// always_open calendar, to - from.
///
/// Requires finite timestamps. Cost does not grow with the days spanned: the
/// whole days in between are summed by weeks, then corrected for the
/// holidays and make-up days in range: O(log H + H + spans of two days).
[[nodiscard]] inline std::int64_t working_seconds_between(const calendar& cal, timestamp from,
                                                          timestamp to) noexcept {
  if (to <= from) return 0;
  if (cal.always_open) return (to - from).count();
  const auto before = [&cal](const detail::local_point& p) noexcept {
    std::int64_t total = 0;
    for (const time_span& s : working_spans(cal, p.day)) {
      if (p.second <= detail::span_begin_s(s)) break;
      total += std::min(p.second, detail::span_end_s(s)) - detail::span_begin_s(s);
    }
    return total;
  };
  const detail::local_point a = detail::to_local(cal, from);
  const detail::local_point b = detail::to_local(cal, to);
  // Whole days [a.day, b.day), minus what day a worked before `from`, plus
  // what day b works before `to`.
  return detail::sum_over_days(cal, detail::seconds_by_weekday(cal), a.day, b.day) - before(a) +
         before(b);
}

/// The earliest instant `end` >= start with
/// `working_seconds_between(cal, start, end) == seconds`.
///
/// So when the amount runs out exactly at the end of a span the result is
/// that end, not the start of the next span: with hours 08:30-12:00 and
/// 13:30-17:30, 08:30 + 3.5 h of working time is 12:00 the same day, and
/// 3.5 h plus one second is 13:30:01. A span ending at 24:00 followed by one
/// starting at 00:00 is continuous time.
///
/// `seconds` <= 0 returns `start`; a `start` of timestamp::max() is returned.
/// Returns timestamp::max() if the calendar has no working time (or the
/// result is beyond detail::max_search_days). always_open: start + seconds,
/// saturating. Cost as for next_working_instant, independent of `seconds`
/// apart from the logarithm.
[[nodiscard]] inline timestamp add_working_seconds(const calendar& cal, timestamp start,
                                                   std::int64_t seconds) noexcept {
  if (seconds <= 0 || start == timestamp::max()) return start;
  if (cal.always_open) return detail::saturating_add(start, seconds);
  const detail::local_point p = detail::to_local(cal, start);
  std::int64_t left = seconds;
  for (const time_span& s : working_spans(cal, p.day)) {
    const std::int64_t b = std::max(p.second, detail::span_begin_s(s));
    const std::int64_t e = detail::span_end_s(s);
    if (e <= b) continue;
    if (left <= e - b) return detail::from_local(cal, p.day, b + left);
    left -= e - b;
  }
  const detail::day_reached r = detail::find_day_reaching(cal, detail::seconds_by_weekday(cal),
                                                          p.day + std::chrono::days{1}, left);
  if (!r.found) return timestamp::max();
  left = r.rest;
  for (const time_span& s : working_spans(cal, r.day)) {
    const std::int64_t len = detail::span_end_s(s) - detail::span_begin_s(s);
    // `<=`: a deadline that uses up a span exactly ends with it.
    if (left <= len) return detail::from_local(cal, r.day, detail::span_begin_s(s) + left);
    left -= len;
  }
  return timestamp::max();  // unreachable: find_day_reaching guarantees rest <= the day's time
}

/// The deadline `d` after `start` in calendar `cal`.
///
/// - `m`, `h`, `d`: start plus the wall-clock amount; the calendar is ignored
///   (fault repair runs 24×7 whatever the office hours).
/// - `bh`: add_working_seconds(cal, start, amount × 3600).
/// - `bd`, business days as Chinese utilities count "5個工作日":
///   1. s = next_working_instant(cal, start) (a ticket that arrives after
///      hours counts from the next opening);
///   2. o = the working seconds of s's local day before s (its "working
///      offset": 10:00 on a day opening at 08:30 has o = 1.5 h);
///   3. E = the amount-th working day after s's day (is_working_day: holidays
///      skipped, make-up working days counted);
///   4. the deadline is the working instant of E with working offset o, i.e.
///      where E's o-th working second begins. At a span boundary that is the
///      start of the next span, not the end of the previous one: 13:30 after
///      a 12:00-13:30 lunch stays 13:30. If E has no more than o seconds of
///      working time, the deadline is the end of E's last span.
///   So Mon 10:00 + 5bd = next Mon 10:00, and Fri 18:00 + 1bd = Tue 08:30
///   when hours begin 08:30 (Fri 18:00 counts from Mon 08:30).
///   always_open: amount × 24 h.
///
/// Requires 0 <= amount <= max_duration_amount (parse_duration guarantees
/// it); amount 0 returns `start`, as does a `start` of timestamp::max().
/// Returns timestamp::max() for a business unit when the calendar has no
/// working time. Cost: O(1) for calendar units, else as
/// add_working_seconds, independent of the amount apart from the logarithm.
[[nodiscard]] inline timestamp add(const calendar& cal, timestamp start, duration d) noexcept {
  if (d.amount <= 0 || start == timestamp::max()) return start;
  // Beyond max_duration_amount the products below could overflow; such a
  // deadline is "never" for any practical purpose.
  if (d.amount > max_duration_amount) return timestamp::max();
  switch (d.unit) {
    case time_unit::minutes:
    case time_unit::hours:
    case time_unit::days: return detail::saturating_add(start, d.calendar_minutes() * 60);
    case time_unit::business_hours: return add_working_seconds(cal, start, d.amount * 3600);
    case time_unit::business_days: break;
  }
  if (cal.always_open) return detail::saturating_add(start, d.amount * detail::seconds_per_day);
  const timestamp s = next_working_instant(cal, start);
  if (s == timestamp::max()) return s;
  const detail::local_point p = detail::to_local(cal, s);
  std::int64_t offset = 0;
  for (const time_span& sp : working_spans(cal, p.day)) {
    if (p.second <= detail::span_begin_s(sp)) break;
    offset += std::min(p.second, detail::span_end_s(sp)) - detail::span_begin_s(sp);
  }
  const detail::day_reached e = detail::find_day_reaching(cal, detail::working_day_by_weekday(cal),
                                                          p.day + std::chrono::days{1}, d.amount);
  if (!e.found) return timestamp::max();
  const std::span<const time_span> spans = working_spans(cal, e.day);
  for (const time_span& sp : spans) {
    const std::int64_t len = detail::span_end_s(sp) - detail::span_begin_s(sp);
    // `<`, unlike add_working_seconds: the offset names a working instant,
    // so an offset at a span's end means the start of the next span.
    if (offset < len) return detail::from_local(cal, e.day, detail::span_begin_s(sp) + offset);
    offset -= len;
  }
  return detail::from_local(cal, e.day, detail::span_end_s(spans.back()));
}

}  // namespace tierflow
