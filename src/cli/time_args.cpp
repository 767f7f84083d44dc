// SPDX-License-Identifier: MIT
// Time and duration arguments of the supervisor commands (time_args.hpp).
#include "time_args.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include <tierflow/loader.hpp>
#include <tierflow/time.hpp>

namespace tierflow::cli {

result<catalog> load_supervisor_definitions(const std::string& dir, bool optional_dir) {
  std::error_code ec;
  if (optional_dir && !std::filesystem::exists(dir, ec)) {
    return fail(errc::not_found, fmt::format("no definitions at '{}'", dir));
  }
  diagnostics diags;
  return load_catalog_files({dir}, diags);
}

result<std::chrono::minutes> zone_offset(std::string_view tz, const catalog* cat) {
  if (tz == "Z" || tz == "UTC") return std::chrono::minutes{0};
  if (!tz.empty()) {
    auto offset = parse_utc_offset(tz);
    if (!offset) return fail(errc::invalid_argument, fmt::format("--tz: {}", offset.error().message()));
    return *offset;
  }
  if (cat == nullptr) {
    return fail(errc::invalid_argument,
                "no time zone to read and show times in: give --tz (e.g. +08:00) or --workflows "
                "DIR (the organisation's zone)");
  }
  return cat->org.utc_offset;
}

result<timestamp> parse_time_arg(std::string_view option, std::string_view text,
                                 std::chrono::minutes offset) {
  auto t = parse_iso8601(text, offset);
  if (!t) return fail(errc::invalid_argument, fmt::format("{}: {}", option, t.error().message()));
  return *t;
}

result<std::chrono::seconds> parse_duration_arg(std::string_view option, std::string_view text) {
  const auto d = parse_duration(text);
  if (!d) {
    return fail(errc::invalid_argument,
                fmt::format("{}: invalid duration '{}': write a whole number and m, h or d "
                            "(e.g. 30m, 4h, 1d)",
                            option, text));
  }
  if (d->is_business()) {
    return fail(errc::invalid_argument,
                fmt::format("{}: '{}' is business time, which needs a calendar: use m, h or d",
                            option, text));
  }
  return std::chrono::minutes{d->calendar_minutes()};
}

std::string show_time(std::optional<timestamp> t, std::chrono::minutes offset, bool with_offset) {
  if (!t) return {};
  std::string out = format_local(*t, offset, "%F %H:%M");
  if (with_offset) out += format_utc_offset(offset);
  return out;
}

}  // namespace tierflow::cli
