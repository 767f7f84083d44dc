// SPDX-License-Identifier: MIT
// A calendar's working time summed ahead by day. See calendar_index.hpp.
#include "engine/calendar_index.hpp"

#include <algorithm>

namespace tierflow::detail {

namespace {

// Two years before the first listed day and three after the last: a
// ticket's business deadlines (days to weeks) from any day the list covers
// fall inside, and so do the clocks of tickets opened before it.
constexpr std::int64_t days_before_list = 731;
constexpr std::int64_t days_after_list = 1096;
// A bound on the tables (about 650 kB) whatever dates a calendar lists.
constexpr std::int64_t max_window_days = 50'000;

}  // namespace

calendar_index::calendar_index(const calendar& cal) : cal_(&cal) {
  if (cal.always_open || (cal.holidays.empty() && cal.workdays.empty())) return;
  std::chrono::sys_days low = std::chrono::sys_days::max();
  std::chrono::sys_days high = std::chrono::sys_days::min();
  for (const auto* days : {&cal.holidays, &cal.workdays}) {
    if (days->empty()) continue;
    low = std::min(low, days->front());
    high = std::max(high, days->back());
  }
  first_ = low - std::chrono::days{days_before_list};
  const std::int64_t n =
      std::min((high - first_).count() + days_after_list, max_window_days);
  hours_.reserve(static_cast<std::size_t>(n));
  seconds_before_.reserve(static_cast<std::size_t>(n) + 1);
  days_before_.reserve(static_cast<std::size_t>(n) + 1);
  seconds_before_.push_back(0);
  days_before_.push_back(0);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::chrono::sys_days day = first_ + std::chrono::days{i};
    // As working_spans decides a day's hours: a holiday first (a day listed
    // as both is a holiday), then a make-up day, then its weekday.
    std::uint8_t hours = no_hours;
    if (!std::binary_search(cal.holidays.begin(), cal.holidays.end(), day)) {
      hours = static_cast<std::uint8_t>(std::binary_search(cal.workdays.begin(), cal.workdays.end(), day)
                                            ? makeup_index(cal)
                                            : weekday_index(day));
    }
    hours_.push_back(hours);
    std::int64_t seconds = 0;
    for (const time_span& s : spans(static_cast<std::size_t>(i))) seconds += span_end_s(s) - span_begin_s(s);
    seconds_before_.push_back(seconds_before_.back() + seconds);
    days_before_.push_back(days_before_.back() + (seconds > 0 ? 1 : 0));
  }
}

std::size_t calendar_index::at(std::chrono::sys_days day) const noexcept {
  const std::int64_t i = (day - first_).count();
  if (i < 0 || i >= static_cast<std::int64_t>(hours_.size())) return npos;
  return static_cast<std::size_t>(i);
}

std::span<const time_span> calendar_index::spans(std::size_t i) const noexcept {
  if (hours_[i] == no_hours) return {};
  return cal_->week[hours_[i]];
}

std::int64_t calendar_index::before(std::size_t i, std::int64_t s) const noexcept {
  // As working_seconds_between's `before`.
  std::int64_t total = 0;
  for (const time_span& sp : spans(i)) {
    if (s <= span_begin_s(sp)) break;
    total += std::min(s, span_end_s(sp)) - span_begin_s(sp);
  }
  return total;
}

std::size_t calendar_index::day_reaching_seconds(std::size_t from, std::int64_t target) const noexcept {
  // The first k >= from with seconds_before_[k + 1] - seconds_before_[from]
  // >= target (find_day_reaching's day, the sums being non-decreasing).
  if (from >= hours_.size()) return npos;
  const auto begin = seconds_before_.begin() + static_cast<std::ptrdiff_t>(from) + 1;
  const auto q = std::lower_bound(begin, seconds_before_.end(), seconds_before_[from] + target);
  if (q == seconds_before_.end()) return npos;
  return static_cast<std::size_t>(q - seconds_before_.begin()) - 1;
}

std::size_t calendar_index::day_reaching_days(std::size_t from, std::int64_t target) const noexcept {
  if (from >= hours_.size()) return npos;
  // Working days beyond the window's count cannot be reached in it.
  if (target > days_before_.back() - days_before_[from]) return npos;
  const auto begin = days_before_.begin() + static_cast<std::ptrdiff_t>(from) + 1;
  const auto q = std::lower_bound(begin, days_before_.end(), days_before_[from] + target);
  if (q == days_before_.end()) return npos;
  return static_cast<std::size_t>(q - days_before_.begin()) - 1;
}

std::int64_t calendar_index::working_seconds_between(timestamp from, timestamp to) const noexcept {
  if (to <= from) return 0;
  const local_point a = to_local(*cal_, from);
  const local_point b = to_local(*cal_, to);
  const std::size_t i = at(a.day);
  const std::size_t j = at(b.day);
  if (i == npos || j == npos) return tierflow::working_seconds_between(*cal_, from, to);
  return seconds_before_[j] - seconds_before_[i] - before(i, a.second) + before(j, b.second);
}

timestamp calendar_index::add_working_seconds(timestamp start, std::int64_t seconds) const noexcept {
  if (seconds <= 0 || start == timestamp::max() || hours_.empty())
    return tierflow::add_working_seconds(*cal_, start, seconds);
  const local_point p = to_local(*cal_, start);
  const std::size_t i = at(p.day);
  if (i == npos) return tierflow::add_working_seconds(*cal_, start, seconds);
  // The rest of the start's day, as add_working_seconds walks it.
  std::int64_t left = seconds;
  for (const time_span& s : spans(i)) {
    const std::int64_t b = std::max(p.second, span_begin_s(s));
    const std::int64_t e = span_end_s(s);
    if (e <= b) continue;
    if (left <= e - b) return from_local(*cal_, p.day, b + left);
    left -= e - b;
  }
  const std::size_t r = day_reaching_seconds(i + 1, left);
  if (r == npos) return tierflow::add_working_seconds(*cal_, start, seconds);
  left -= seconds_before_[r] - seconds_before_[i + 1];
  const std::chrono::sys_days day = first_ + std::chrono::days{static_cast<std::int64_t>(r)};
  for (const time_span& s : spans(r)) {
    const std::int64_t len = span_end_s(s) - span_begin_s(s);
    if (left <= len) return from_local(*cal_, day, span_begin_s(s) + left);
    left -= len;
  }
  return timestamp::max();  // unreachable: day r's seconds reach `left`
}

timestamp calendar_index::add(timestamp start, duration d) const noexcept {
  if (d.amount <= 0 || start == timestamp::max() || d.amount > max_duration_amount || hours_.empty())
    return tierflow::add(*cal_, start, d);
  switch (d.unit) {
    case time_unit::minutes:
    case time_unit::hours:
    case time_unit::days: return tierflow::add(*cal_, start, d);
    case time_unit::business_hours: return add_working_seconds(start, d.amount * 3600);
    case time_unit::business_days: break;
  }
  // tierflow::add's business days: from the next working instant s (its
  // day sd, its second ss), the amount-th working day after sd, at s's
  // working offset.
  const local_point p = to_local(*cal_, start);
  const std::size_t i = at(p.day);
  if (i == npos) return tierflow::add(*cal_, start, d);
  std::size_t sd = npos;
  std::int64_t ss = 0;
  for (const time_span& s : spans(i)) {
    if (p.second < span_end_s(s)) {
      sd = i;
      ss = std::max(p.second, span_begin_s(s));
      break;
    }
  }
  if (sd == npos) {
    sd = day_reaching_days(i + 1, 1);
    if (sd == npos) return tierflow::add(*cal_, start, d);
    ss = span_begin_s(spans(sd).front());
  }
  std::int64_t offset = before(sd, ss);
  const std::size_t e = day_reaching_days(sd + 1, d.amount);
  if (e == npos) return tierflow::add(*cal_, start, d);
  const std::chrono::sys_days day = first_ + std::chrono::days{static_cast<std::int64_t>(e)};
  const std::span<const time_span> worked = spans(e);
  for (const time_span& sp : worked) {
    const std::int64_t len = span_end_s(sp) - span_begin_s(sp);
    // `<`, as tierflow::add: an offset at a span's end names the next span's start.
    if (offset < len) return from_local(*cal_, day, span_begin_s(sp) + offset);
    offset -= len;
  }
  return from_local(*cal_, day, span_end_s(worked.back()));
}

}  // namespace tierflow::detail
