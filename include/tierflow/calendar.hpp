// SPDX-License-Identifier: MIT
// Business calendars: working hours with split shifts, statutory holidays and
// make-up working days as data, or 24x7; business-time arithmetic on them.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <tierflow/diagnostic.hpp>
#include <tierflow/duration.hpp>

namespace tierflow {

/// An instant, UTC, second precision. All engine times are timestamps; a
/// calendar turns them into local time with its organisation's UTC offset.
using timestamp = std::chrono::sys_seconds;

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

}  // namespace tierflow
