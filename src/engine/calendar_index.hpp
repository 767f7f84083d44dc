// SPDX-License-Identifier: MIT
// A business calendar with its working time summed ahead, day by day, over
// the years its holidays are listed for: the engine's business-time
// arithmetic from table reads where calendar.hpp's functions binary-search
// the holiday and make-up day lists on every call.
//
// Private to the engine.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <tierflow/calendar.hpp>
#include <tierflow/duration.hpp>
#include <tierflow/time.hpp>

namespace tierflow::detail {

/// A calendar and, for a window of its local days, each day's hours and the
/// working seconds and working days before it.
///
/// Every answer is exactly what the calendar.hpp function of the same name
/// answers for the calendar (a test compares them at random instants in
/// and around the window): an operation whose local days all lie in the
/// window is answered from the tables, any other is passed to that
/// function. The window runs from two years before the first listed
/// holiday or make-up day to three years after the last, where a
/// ticket's deadlines fall; a calendar without listed days, or an
/// always_open one, has none (calendar.hpp then searches no list).
///
/// Built once per calendar of a catalog (compiled_catalog); reads only,
/// so concurrent calls are safe. The calendar must outlive it.
class calendar_index {
 public:
  /// Tables of a few tens of kilobytes for a calendar listing two years.
  explicit calendar_index(const calendar& cal);

  [[nodiscard]] const calendar& cal() const noexcept { return *cal_; }

  /// tierflow::working_seconds_between(cal(), from, to).
  [[nodiscard]] std::int64_t working_seconds_between(timestamp from, timestamp to) const noexcept;
  /// tierflow::add_working_seconds(cal(), start, seconds).
  [[nodiscard]] timestamp add_working_seconds(timestamp start, std::int64_t seconds) const noexcept;
  /// tierflow::add(cal(), start, d).
  [[nodiscard]] timestamp add(timestamp start, duration d) const noexcept;

  /// Local days in the window (0: none).
  [[nodiscard]] std::size_t window_days() const noexcept { return hours_.size(); }
  /// The window's first local day.
  [[nodiscard]] std::chrono::sys_days first_day() const noexcept { return first_; }

 private:
  // The index in the window of local day `day`, or npos outside it.
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  [[nodiscard]] std::size_t at(std::chrono::sys_days day) const noexcept;
  // The spans of the day at window index i (working_spans of that day).
  [[nodiscard]] std::span<const time_span> spans(std::size_t i) const noexcept;
  // Working seconds of the day at index i before second `s` of it.
  [[nodiscard]] std::int64_t before(std::size_t i, std::int64_t s) const noexcept;
  // The index of the day within which the working seconds counted from
  // the start of day `from` reach `target` (> 0), or npos beyond the window.
  [[nodiscard]] std::size_t day_reaching_seconds(std::size_t from, std::int64_t target) const noexcept;
  // The same for working days.
  [[nodiscard]] std::size_t day_reaching_days(std::size_t from, std::int64_t target) const noexcept;

  const calendar* cal_;
  std::chrono::sys_days first_{};
  // Per day of the window: whose hours it works, a weekday index (0 =
  // Monday; a make-up day's is makeup_weekday's), or `no_hours` (a holiday).
  static constexpr std::uint8_t no_hours = 7;
  std::vector<std::uint8_t> hours_;
  // Per day i of the window and one more: the working seconds, and the
  // working days (days with hours), of days [0, i).
  std::vector<std::int64_t> seconds_before_;
  std::vector<std::int32_t> days_before_;
};

}  // namespace tierflow::detail
