// SPDX-License-Identifier: MIT
// How the supervisor commands (`tierflow tickets`, `tierflow report`) read
// and show times: in the organisation's zone by default, --tz to override,
// and an explicit "Z" or offset in a time argument taken as written.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <tierflow/calendar.hpp>
#include <tierflow/catalog.hpp>
#include <tierflow/duration.hpp>
#include <tierflow/error.hpp>

namespace tierflow::cli {

/// The definitions a supervisor command reads for its zone, its tiers and
/// teams and its manager points weights, loaded from `dir`. Errors:
/// errc::invalid_definition with the first error diagnostic (GNU style) when
/// the definitions do not load; errc::not_found when `dir` does not exist
/// and `optional_dir` is true (the caller then needs --tz).
[[nodiscard]] result<catalog> load_supervisor_definitions(const std::string& dir,
                                                          bool optional_dir);

/// The zone offset to read and show times in: `tz` ("+08:00", "-05:30",
/// "Z" or "UTC") when given, else the organisation's. Errors:
/// errc::invalid_argument for a malformed `tz`, or when there is neither
/// (`org` null and `tz` empty): "no time zone: give --tz or --workflows".
[[nodiscard]] result<std::chrono::minutes> zone_offset(std::string_view tz, const catalog* cat);

/// A time argument of option `option` ("--since"): "2026-11-01" (local
/// midnight), "2026-11-01T09:00[:00]" (local), or either of those with "Z"
/// or "+08:00" (taken as written). Errors: errc::invalid_argument, one
/// line naming the option: "--since: invalid ISO 8601 instant
/// '2026-02-30': day 30 does not exist in 2026-02".
[[nodiscard]] result<timestamp> parse_time_arg(std::string_view option, std::string_view text,
                                               std::chrono::minutes offset);

/// A duration argument of `option` ("--at-risk 4h", "--every 1d"): calendar
/// units only (m, h, d); business units need a calendar and are refused.
/// Errors: errc::invalid_argument naming the option.
[[nodiscard]] result<std::chrono::seconds> parse_duration_arg(std::string_view option,
                                                              std::string_view text);

/// `t` as local time at `offset`, "2026-11-24 09:05" (with the offset
/// "+08:00" when `with_offset`), for tables; "" for nullopt.
[[nodiscard]] std::string show_time(std::optional<timestamp> t, std::chrono::minutes offset,
                                    bool with_offset = false);

}  // namespace tierflow::cli
