// SPDX-License-Identifier: MIT
// Time as tierflow reads and writes it: the timestamp type, ISO 8601 and
// date text, UTC offsets, and the wall clock of an organisation that keeps a
// fixed offset from UTC. Every module and the tool format and parse time
// here, so an instant reads the same in a diagnostic, an export and a test.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <tierflow/error.hpp>

namespace tierflow {

/// An instant, UTC, second precision. All engine times are timestamps; a
/// calendar turns them into local time with its organisation's UTC offset.
///
/// timestamp::max() means "never" (a deadline a calendar without working
/// time cannot reach, see calendar.hpp); the formatters below write it as
/// "never". Any other timestamp handed to a function of this header must be
/// finite: an instant in the years std::chrono::year can name (-32767 …
/// 32767), also after adding the offset.
using timestamp = std::chrono::sys_seconds;

// --- Local time -----------------------------------------------------------------------
//
// An offset is minutes east of UTC (China: +8 h), fixed: the organisation
// file gives one offset and tierflow knows no DST rules. Local time is
// `utc + offset`. Offsets satisfy |offset| < 24 h (parse_utc_offset and the
// loader guarantee it). These are constexpr and noexcept; timestamp::max()
// is not special here (the caller decides what "never" is in local time).

/// What the wall clock at `offset` reads at instant `t`.
[[nodiscard]] constexpr std::chrono::local_seconds to_local(timestamp t,
                                                            std::chrono::minutes offset) noexcept {
  return std::chrono::local_seconds{(t + offset).time_since_epoch()};
}

/// The instant at which the wall clock at `offset` reads `local`.
[[nodiscard]] constexpr timestamp from_local(std::chrono::local_seconds local,
                                             std::chrono::minutes offset) noexcept {
  return timestamp{local.time_since_epoch()} - offset;
}

/// The instant at which the wall clock at `offset` reads `time_of_day` on
/// the local date `date`: from_local(2026y / November / 24, 9h + 5min, 8h)
/// is 2026-11-24T01:05:00Z. As in calendar.hpp, a `sys_days` value names a
/// local date here; a year_month_day converts to it (it must be ok()).
/// `time_of_day` is normally in [0, 24 h) but is not checked: 25 h is 01:00
/// the next day.
[[nodiscard]] constexpr timestamp from_local(std::chrono::sys_days date,
                                             std::chrono::seconds time_of_day,
                                             std::chrono::minutes offset) noexcept {
  return timestamp{date} + time_of_day - offset;
}

/// The local date at `offset` of instant `t`, as the `sys_days` value naming
/// it (the day a workflow version is picked by, a calendar's local day).
[[nodiscard]] constexpr std::chrono::sys_days local_day(timestamp t,
                                                        std::chrono::minutes offset) noexcept {
  return std::chrono::floor<std::chrono::days>(t + offset);
}

// --- Formatting -----------------------------------------------------------------------
//
// Years 0000 … 9999 are written with four digits; others (only reachable
// from code, never from parsed text) in ISO 8601's expanded form with a sign
// and at least four digits: "-0001", "+10000". All functions may throw
// std::bad_alloc and nothing else.

/// A date as "2026-11-24", the form the YAML files use. A `sys_days` value
/// names a date (a local one wherever tierflow deals in local days).
[[nodiscard]] std::string format_date(std::chrono::sys_days day);

/// A UTC offset as "+08:00", "-05:30"; zero is "+00:00". Requires
/// |offset| < 24 h.
[[nodiscard]] std::string format_utc_offset(std::chrono::minutes offset);

/// `t` in UTC as ISO 8601: "2026-11-24T09:00:00Z"; "never" for
/// timestamp::max(). Round-trips through parse_iso8601 for years 0001 … 9999.
[[nodiscard]] std::string format_iso8601(timestamp t);

/// `t` on the wall clock at `offset`, as ISO 8601 with that offset:
/// "2026-11-24T17:00:00+08:00" for 09:00Z at +8 h; an offset of zero is
/// written "+00:00", not "Z". "never" for timestamp::max(). Requires
/// |offset| < 24 h. Round-trips through parse_iso8601 for years 0001 … 9999.
[[nodiscard]] std::string format_iso8601(timestamp t, std::chrono::minutes offset);

/// `t` on the wall clock at `offset`, written by `pattern`, in which
///
///     %Y  year (four digits, see above)   %H  hour 00-23
///     %m  month 01-12                     %M  minute 00-59
///     %d  day of the month 01-31          %S  second 00-59
///     %F  %Y-%m-%d                        %T  %H:%M:%S
///     %%  a single %
///
/// mean what they mean to strftime and std::format; every other character,
/// an unknown %x and a lone trailing % included, is copied as it is. So
/// format_local(t, 8h, "%m-%d %H:%M") is "11-24 09:05" and
/// format_local(t, 0min, "%F %TZ") is "2026-11-24 01:05:00Z". "never" for
/// timestamp::max(), whatever the pattern. Requires |offset| < 24 h.
[[nodiscard]] std::string format_local(timestamp t, std::chrono::minutes offset,
                                       std::string_view pattern);

// --- Parsing --------------------------------------------------------------------------
//
// The parsers take exactly the forms described and nothing around them (no
// spaces, no lowercase t or z). On anything else they return
// errc::invalid_argument with a one-line message that quotes the text and
// says what is wrong: "invalid date '2026-02-30': day 30 does not exist in
// 2026-02". Fields are range-checked, never normalised: month 13, hour 24,
// second 60 (leap seconds) and minute 60 are errors. Years are 0001 … 9999
// (four digits, as the YAML files write them). They may throw
// std::bad_alloc and nothing else.

/// "YYYY-MM-DD", a real date of the proleptic Gregorian calendar.
[[nodiscard]] result<std::chrono::sys_days> parse_date(std::string_view text);

/// "+HH:MM" or "-HH:MM" with HH 00-23 and MM 00-59, the form of the
/// organisation file's `timezone` ("Z" is not an offset here).
[[nodiscard]] result<std::chrono::minutes> parse_utc_offset(std::string_view text);

/// An instant: "YYYY-MM-DDThh:mm:ss" or "YYYY-MM-DDThh:mm" followed by "Z"
/// or a UTC offset "+hh:mm"/"-hh:mm"; "2026-11-24T17:00:00+08:00" is
/// 2026-11-24T09:00:00Z. Only "T" separates date and time (RFC 3339's space
/// is not ISO 8601; a reader that allows it, like the ticket file, says so). A bare date
/// "YYYY-MM-DD" is 00:00:00 UTC that day (as `tierflow audit --since`
/// takes it). A date and time without an offset is an error: it names no
/// instant until one knows whose wall clock it is. Fractional seconds are an
/// error too (timestamps have none).
[[nodiscard]] result<timestamp> parse_iso8601(std::string_view text);

/// As parse_iso8601(text), but a date and time without an offset, or a bare
/// date (then 00:00), is wall-clock time at `local_offset`: the organisation's
/// local time, as a ticket file's `at` takes it. An explicit "Z" or offset in
/// the text wins. Requires |local_offset| < 24 h.
[[nodiscard]] result<timestamp> parse_iso8601(std::string_view text,
                                              std::chrono::minutes local_offset);

}  // namespace tierflow
