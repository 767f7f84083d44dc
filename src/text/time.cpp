// SPDX-License-Identifier: MIT
// Time as text (see include/tierflow/time.hpp): the one formatter and parser
// of dates, offsets and instants.
#include <tierflow/time.hpp>

#include <cstdint>
#include <iterator>
#include <optional>

#include <fmt/format.h>

namespace tierflow {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;

// --- Writing --------------------------------------------------------------------------

/// `value` (>= 0) in decimal, zero-padded to `width` digits.
void append_padded(std::string& out, std::int64_t value, std::size_t width) {
  fmt::format_to(std::back_inserter(out), "{:0{}}", value, width);
}

/// Four digits for 0000 … 9999, else ISO 8601's expanded form ("-0001",
/// "+10000"): a bare "-001" or "10000" would misalign every field after it.
void append_year(std::string& out, int year) {
  if (year < 0 || year > 9999) out += year < 0 ? '-' : '+';
  append_padded(out, year < 0 ? -std::int64_t{year} : year, 4);
}

void append_date(std::string& out, sys_days day) {
  const std::chrono::year_month_day ymd{day};
  append_year(out, static_cast<int>(ymd.year()));
  out += '-';
  append_padded(out, static_cast<unsigned>(ymd.month()), 2);
  out += '-';
  append_padded(out, static_cast<unsigned>(ymd.day()), 2);
}

/// hh:mm:ss of `second` seconds after midnight (0 … 86399).
void append_time(std::string& out, std::int64_t second) {
  append_padded(out, second / 3600, 2);
  out += ':';
  append_padded(out, second / 60 % 60, 2);
  out += ':';
  append_padded(out, second % 60, 2);
}

void append_offset(std::string& out, minutes offset) {
  const std::int64_t total = offset.count();
  const std::int64_t magnitude = total < 0 ? -total : total;
  out += total < 0 ? '-' : '+';
  append_padded(out, magnitude / 60, 2);
  out += ':';
  append_padded(out, magnitude % 60, 2);
}

constexpr std::string_view never = "never";

// --- Reading --------------------------------------------------------------------------

/// The `n` characters at `at` as a decimal number, if they are all digits.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t n) {
  if (text.size() < at + n) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

/// What is wrong with a field, or nothing: "hour 24 is out of range 00-23".
std::optional<std::string> out_of_range(std::string_view field, int value, int max) {
  if (value <= max) return std::nullopt;
  return fmt::format("{} {:02} is out of range 00-{:02}", field, value, max);
}

/// A date's text, read: the day, or why it is not one. `shape` is the
/// complaint when the characters do not have the form YYYY-MM-DD, so that
/// an instant can name the whole form it expects.
struct date_reading {
  sys_days day{};
  std::string problem;  ///< empty when `day` is valid
};

date_reading read_date(std::string_view text, std::string_view shape) {
  const auto y = digits(text, 0, 4), m = digits(text, 5, 2), d = digits(text, 8, 2);
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !y || !m || !d)
    return {{}, std::string(shape)};
  if (*y < 1) return {{}, "year 0000 is out of range 0001-9999"};
  if (*m < 1 || *m > 12) return {{}, fmt::format("month {:02} is out of range 01-12", *m)};
  const std::chrono::year_month_day ymd{std::chrono::year{*y},
                                        std::chrono::month{static_cast<unsigned>(*m)},
                                        std::chrono::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok())
    return {{}, fmt::format("day {:02} does not exist in {:04}-{:02}", *d, *y, *m)};
  return {sys_days{ymd}, {}};
}

/// An offset's text, read: the offset, or why it is not one.
struct offset_reading {
  minutes offset{};
  std::string problem;
};

offset_reading read_offset(std::string_view text, std::string_view shape) {
  const auto h = digits(text, 1, 2), m = digits(text, 4, 2);
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' || !h || !m)
    return {{}, std::string(shape)};
  if (auto p = out_of_range("offset hour", *h, 23)) return {{}, std::move(*p)};
  if (auto p = out_of_range("offset minute", *m, 59)) return {{}, std::move(*p)};
  const int total = *h * 60 + *m;
  return {minutes{text[0] == '-' ? -total : total}, {}};
}

constexpr std::string_view instant_shape =
    "expected YYYY-MM-DDThh:mm[:ss] followed by Z, +hh:mm or -hh:mm";

/// Both parse_iso8601s; `local_offset` null: an offset is required after a
/// time, and a bare date is UTC.
result<timestamp> read_instant(std::string_view text, const minutes* local_offset) {
  const auto bad = [text](std::string_view why) {
    return fail(errc::invalid_argument, fmt::format("invalid ISO 8601 instant '{}': {}", text, why));
  };
  const date_reading date = read_date(text.substr(0, 10), instant_shape);
  if (!date.problem.empty()) return bad(date.problem);
  std::string_view rest = text.substr(10);
  const minutes local = local_offset != nullptr ? *local_offset : minutes{0};
  if (rest.empty()) return from_local(date.day, seconds{0}, local);

  const auto hh = digits(rest, 1, 2), mm = digits(rest, 4, 2);
  if (rest[0] != 'T' || !hh || rest.size() < 6 || rest[3] != ':' || !mm) return bad(instant_shape);
  rest.remove_prefix(6);
  int ss = 0;
  if (!rest.empty() && rest[0] == ':') {
    const auto s = digits(rest, 1, 2);
    if (!s) return bad(instant_shape);
    ss = *s;
    rest.remove_prefix(3);
  }
  if (auto p = out_of_range("hour", *hh, 23)) return bad(*p);
  if (auto p = out_of_range("minute", *mm, 59)) return bad(*p);
  if (auto p = out_of_range("second", ss, 59)) return bad(*p + " (no leap seconds)");
  const seconds time_of_day = std::chrono::hours{*hh} + minutes{*mm} + seconds{ss};

  if (!rest.empty() && (rest[0] == '.' || rest[0] == ','))
    return bad("fractional seconds are not supported");
  if (rest.empty()) {
    if (local_offset == nullptr) return bad("no UTC offset: add Z, +hh:mm or -hh:mm");
    return from_local(date.day, time_of_day, local);
  }
  if (rest == "Z") return from_local(date.day, time_of_day, minutes{0});
  if (rest[0] != '+' && rest[0] != '-') return bad(instant_shape);
  const offset_reading offset = read_offset(rest, instant_shape);
  if (!offset.problem.empty()) return bad(offset.problem);
  return from_local(date.day, time_of_day, offset.offset);
}

}  // namespace

std::string format_date(sys_days day) {
  std::string out;
  append_date(out, day);
  return out;
}

std::string format_utc_offset(minutes offset) {
  std::string out;
  append_offset(out, offset);
  return out;
}

std::string format_iso8601(timestamp t) {
  if (t == timestamp::max()) return std::string(never);
  std::string out = format_local(t, minutes{0}, "%FT%T");
  out += 'Z';
  return out;
}

std::string format_iso8601(timestamp t, minutes offset) {
  if (t == timestamp::max()) return std::string(never);
  std::string out = format_local(t, offset, "%FT%T");
  append_offset(out, offset);
  return out;
}

std::string format_local(timestamp t, minutes offset, std::string_view pattern) {
  if (t == timestamp::max()) return std::string(never);
  const auto local = to_local(t, offset);
  const auto day = std::chrono::floor<days>(local);
  const std::chrono::year_month_day ymd{sys_days{day.time_since_epoch()}};
  const std::int64_t second = (local - day).count();
  std::string out;
  out.reserve(pattern.size() + 16);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    switch (pattern[++i]) {
      case 'Y': append_year(out, static_cast<int>(ymd.year())); break;
      case 'm': append_padded(out, static_cast<unsigned>(ymd.month()), 2); break;
      case 'd': append_padded(out, static_cast<unsigned>(ymd.day()), 2); break;
      case 'H': append_padded(out, second / 3600, 2); break;
      case 'M': append_padded(out, second / 60 % 60, 2); break;
      case 'S': append_padded(out, second % 60, 2); break;
      case 'F': append_date(out, sys_days{day.time_since_epoch()}); break;
      case 'T': append_time(out, second); break;
      case '%': out += '%'; break;
      default:
        out += '%';
        out += pattern[i];
    }
  }
  return out;
}

result<sys_days> parse_date(std::string_view text) {
  // Exactly ten characters: read_date looks only at the first ten.
  const date_reading r =
      text.size() == 10 ? read_date(text, "expected YYYY-MM-DD")
                        : date_reading{{}, "expected YYYY-MM-DD"};
  if (!r.problem.empty())
    return fail(errc::invalid_argument, fmt::format("invalid date '{}': {}", text, r.problem));
  return r.day;
}

result<minutes> parse_utc_offset(std::string_view text) {
  const offset_reading r = read_offset(text, "expected +HH:MM or -HH:MM");
  if (!r.problem.empty())
    return fail(errc::invalid_argument, fmt::format("invalid UTC offset '{}': {}", text, r.problem));
  return r.offset;
}

result<timestamp> parse_iso8601(std::string_view text) { return read_instant(text, nullptr); }

result<timestamp> parse_iso8601(std::string_view text, minutes local_offset) {
  return read_instant(text, &local_offset);
}

}  // namespace tierflow
