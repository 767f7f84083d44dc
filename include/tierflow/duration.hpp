// SPDX-License-Identifier: MIT
// Deadline lengths: calendar time (45m, 24h, 7d) or business time (4bh, 5bd).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tierflow {

/// The unit of a deadline length. Calendar units count wall-clock time;
/// business units count only the working time of a calendar.
enum class time_unit : std::uint8_t {
  minutes,         ///< `m`: calendar minutes
  hours,           ///< `h`: calendar hours
  days,            ///< `d`: calendar days (24 h each)
  business_hours,  ///< `bh`: hours of working time in the calendar
  business_days,   ///< `bd`: working days in the calendar
};

/// A deadline length as written in YAML: an amount and a unit.
struct duration {
  std::int64_t amount = 0;
  time_unit unit = time_unit::minutes;

  /// True for `bh` and `bd`, which need a business calendar.
  [[nodiscard]] constexpr bool is_business() const noexcept {
    return unit == time_unit::business_hours || unit == time_unit::business_days;
  }

  /// Calendar minutes; only for calendar units (minutes, hours, days).
  [[nodiscard]] constexpr std::int64_t calendar_minutes() const noexcept {
    switch (unit) {
      case time_unit::minutes: return amount;
      case time_unit::hours: return amount * 60;
      case time_unit::days: return amount * 24 * 60;
      default: return 0;
    }
  }

  /// The canonical text: "45m", "24h", "5bd".
  [[nodiscard]] std::string str() const {
    std::string out = std::to_string(amount);
    switch (unit) {
      case time_unit::minutes: out += 'm'; break;
      case time_unit::hours: out += 'h'; break;
      case time_unit::days: out += 'd'; break;
      case time_unit::business_hours: out += "bh"; break;
      case time_unit::business_days: out += "bd"; break;
    }
    return out;
  }

  friend constexpr bool operator==(const duration&, const duration&) = default;
};

/// The largest amount a duration may have (ten years of minutes): keeps all
/// deadline arithmetic far from integer overflow.
inline constexpr std::int64_t max_duration_amount = 10LL * 366 * 24 * 60;

/// Parses "45m", "24h", "7d", "4bh", "5bd". Returns nullopt for anything else,
/// including zero, negative, fractional or larger than max_duration_amount.
[[nodiscard]] inline std::optional<duration> parse_duration(std::string_view text) noexcept {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  std::int64_t amount = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, amount);
  if (ec != std::errc{} || ptr != text.data() + digits) return std::nullopt;
  if (amount <= 0 || amount > max_duration_amount) return std::nullopt;
  const std::string_view suffix = text.substr(digits);
  duration d{amount, time_unit::minutes};
  if (suffix == "m") d.unit = time_unit::minutes;
  else if (suffix == "h") d.unit = time_unit::hours;
  else if (suffix == "d") d.unit = time_unit::days;
  else if (suffix == "bh") d.unit = time_unit::business_hours;
  else if (suffix == "bd") d.unit = time_unit::business_days;
  else return std::nullopt;
  return d;
}

}  // namespace tierflow
