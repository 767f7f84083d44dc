// SPDX-License-Identifier: MIT
// Business calendars: weekly hours with split shifts, holidays and make-up
// working days as data, or 24x7.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <tierflow/time.hpp>

#include "language/load_common.hpp"
#include "language/messages.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail {
namespace {

constexpr std::array<std::string_view, 7> day_names{"mon", "tue", "wed", "thu",
                                                    "fri", "sat", "sun"};

/// A holiday range longer than this is surely a typo (holidays are listed
/// year by year), and the cap bounds the memory a file can ask for.
constexpr int max_range_days = 366;

std::optional<std::size_t> day_index(std::string_view name) {
  for (std::size_t i = 0; i < day_names.size(); ++i)
    if (day_names[i] == name) return i;
  return std::nullopt;
}

/// "mon" or "mon-fri": the first and last day index. Reports and returns
/// nullopt otherwise.
std::optional<std::pair<std::size_t, std::size_t>> day_range(reader& r, const yaml_node& key) {
  const std::string_view text = key.text;
  const std::size_t dash = text.find('-');
  const std::string_view first = text.substr(0, dash);
  const std::string_view last = dash == std::string_view::npos ? first : text.substr(dash + 1);
  const auto a = day_index(first);
  const auto b = day_index(last);
  if (!a || !b) {
    r.error(key, msg::unknown_day(text, did_you_mean(text, day_names)));
    return std::nullopt;
  }
  if (*a > *b) {
    r.error(key, msg::backward_day_range(text));
    return std::nullopt;
  }
  return std::pair{*a, *b};
}

/// "HH:MM" as minutes after midnight, 00:00 … 24:00.
std::optional<std::int32_t> clock_time(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (const std::size_t i : {0u, 1u, 3u, 4u})
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

/// One "HH:MM-HH:MM" span, non-empty.
std::optional<time_span> span_value(reader& r, const yaml_node& n) {
  const auto text = scalar(r, n, "a time span");
  if (!text) return std::nullopt;
  const std::size_t dash = text->find('-');
  const auto begin = dash == std::string::npos ? std::nullopt : clock_time(text->substr(0, dash));
  const auto end = dash == std::string::npos ? std::nullopt : clock_time(text->substr(dash + 1));
  if (!begin || !end) {
    r.error(n, msg::invalid_time_span(*text));
    return std::nullopt;
  }
  if (*end <= *begin) {
    r.error(n, msg::empty_time_span(*text));
    return std::nullopt;
  }
  return time_span{*begin, *end};
}

/// The spans of one day key: sorted and disjoint, or reported.
std::vector<time_span> day_spans(reader& r, const yaml_node& list, std::string_view key) {
  std::vector<time_span> out;
  const auto* items = sequence(r, list, quoted(key), false);
  if (items == nullptr) return out;
  const yaml_node* last_node = nullptr;
  for (const yaml_node& item : *items) {
    const auto span = span_value(r, item);
    if (!span) continue;
    if (!out.empty()) {
      const time_span& last = out.back();
      if (span->begin < last.end) {
        // Wholly before the previous span: a sorting mistake; any other
        // start before its end is an overlap.
        if (span->end <= last.begin)
          r.error(item, msg::unsorted_spans(item.text, last_node->text));
        else
          r.error(item, msg::overlapping_spans(item.text, last_node->text));
        continue;
      }
    }
    out.push_back(*span);
    last_node = &item;
  }
  return out;
}

/// Dates and inclusive ranges "A..B", expanded, with the list entry each
/// came from.
struct listed_day {
  std::chrono::sys_days day;
  const yaml_node* from = nullptr;
};

std::vector<listed_day> date_list(reader& r, const yaml_node& n, std::string_view key) {
  std::vector<listed_day> out;
  const auto* items = sequence(r, n, quoted(key), false);
  if (items == nullptr) return out;
  for (const yaml_node& item : *items) {
    const auto text = scalar(r, item, "a date");
    if (!text) continue;
    const std::size_t dots = text->find("..");
    if (dots == std::string::npos) {
      if (const auto day = parse_date(*text))
        out.push_back({*day, &item});
      else
        r.error(item, msg::invalid_date(*text));
      continue;
    }
    const std::string first_text = text->substr(0, dots);
    const std::string last_text = text->substr(dots + 2);
    const auto first = parse_date(first_text);
    const auto last = parse_date(last_text);
    if (!first || !last) {
      r.error(item, msg::invalid_date(first ? last_text : first_text));
      continue;
    }
    if (*last < *first) {
      r.error(item, msg::backward_date_range(*text));
      continue;
    }
    if ((*last - *first).count() >= max_range_days) {
      r.error(item, msg::date_range_too_long(*text, max_range_days));
      continue;
    }
    for (auto d = *first; d <= *last; d += std::chrono::days{1}) out.push_back({d, &item});
  }
  return out;
}

std::vector<std::chrono::sys_days> sorted_unique(const std::vector<listed_day>& days) {
  std::vector<std::chrono::sys_days> out;
  out.reserve(days.size());
  for (const auto& d : days) out.push_back(d.day);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

calendar load_calendar(reader& r, const yaml_entry& entry, std::chrono::minutes utc_offset) {
  calendar cal;
  cal.id = entry.key.text;
  cal.where = r.pos(entry.key);
  cal.utc_offset = utc_offset;
  if (!is_identifier(cal.id)) r.error(entry.key, msg::invalid_identifier(cal.id));

  const yaml_node& v = entry.value;
  if (v.is_scalar()) {
    if (v.text == "24x7")
      cal.always_open = true;
    else
      r.error(v, msg::invalid_calendar(v.text));
    return cal;
  }
  if (!v.is_mapping()) {
    r.error(v, msg::wrong_kind(quoted(cal.id), "24x7 or a mapping", node_kind_name(v.type)));
    return cal;
  }

  const auto f = check_keys(r, v, {"hours", "holidays", "workdays", "makeup_hours"}, {"hours"});
  if (const auto* hours = f["hours"];
      hours && r.expect(*hours, yaml_node::kind::mapping, quoted("hours"))) {
    std::array<bool, 7> seen{};
    for (const yaml_entry* day : scalar_keyed(r, *hours)) {
      const auto range = day_range(r, day->key);
      std::vector<time_span> spans = day_spans(r, day->value, day->key.text);
      if (!range) continue;
      for (std::size_t i = range->first; i <= range->second; ++i) {
        if (seen[i]) {
          r.error(day->key, msg::day_repeated(day_names[i]));
          continue;
        }
        seen[i] = true;
        cal.week[i] = spans;
      }
    }
  }

  std::vector<listed_day> holidays;
  std::vector<listed_day> workdays;
  if (const auto* n = f["holidays"]) holidays = date_list(r, *n, "holidays");
  if (const auto* n = f["workdays"]) workdays = date_list(r, *n, "workdays");
  cal.holidays = sorted_unique(holidays);
  cal.workdays = sorted_unique(workdays);
  // One report per offending date, at the workday entry that names it.
  std::vector<std::chrono::sys_days> reported;
  for (const listed_day& w : workdays) {
    if (!std::binary_search(cal.holidays.begin(), cal.holidays.end(), w.day)) continue;
    if (std::find(reported.begin(), reported.end(), w.day) != reported.end()) continue;
    reported.push_back(w.day);
    r.error(*w.from, msg::holiday_and_workday(format_date(w.day)));
  }

  const yaml_node* makeup = f["makeup_hours"];
  if (makeup != nullptr) {
    if (const auto text = scalar(r, *makeup, quoted("makeup_hours"))) {
      if (const auto i = day_index(*text))
        cal.makeup_weekday = static_cast<std::uint8_t>(*i);
      else
        r.error(*makeup, msg::unknown_day(*text, did_you_mean(*text, day_names)));
    }
  }
  // A make-up day works the hours of makeup_weekday; without any it would
  // be a working day with no working time, which calendar.hpp excludes.
  if (!cal.workdays.empty() && cal.week[cal.makeup_weekday].empty() && f["hours"] != nullptr) {
    r.error(makeup != nullptr ? *makeup : *f.key("workdays"),
            msg::makeup_day_without_hours(day_names[cal.makeup_weekday]));
  }
  return cal;
}

}  // namespace tierflow::detail
