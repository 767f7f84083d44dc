// SPDX-License-Identifier: MIT
// Calendars the calendar tests share: a Chinese office with the 2026
// Spring Festival and National Day holidays and their make-up days, and
// the same lists with no hours at all.
#pragma once

#include <chrono>
#include <vector>

#include <tierflow/calendar.hpp>

#include "test_support.hpp"

namespace tierflow_test {

constexpr tierflow::time_span hm(int bh, int bm, int eh, int em) { return {bh * 60 + bm, eh * 60 + em}; }

inline std::vector<std::chrono::sys_days> day_range(std::chrono::sys_days first, std::chrono::sys_days last) {
  std::vector<std::chrono::sys_days> out;
  for (std::chrono::sys_days d = first; d <= last; d += std::chrono::days{1}) out.push_back(d);
  return out;
}

/// A Chinese office: Mon-Fri 08:30-12:00 and 13:30-17:30 (7.5 h), UTC+08:00,
/// with the 2026 Spring Festival and National Day holidays and their make-up
/// working days (Sat 02-14, Sat 02-28, Sun 09-20, Sat 10-10).
inline tierflow::calendar office() {
  tierflow::calendar c;
  c.id = "cn-office";
  c.utc_offset = std::chrono::hours{8};
  for (std::size_t i = 0; i < 5; ++i) c.week[i] = {hm(8, 30, 12, 0), hm(13, 30, 17, 30)};
  c.holidays = day_range(day(2026, 2, 15), day(2026, 2, 23));
  const auto national = day_range(day(2026, 10, 1), day(2026, 10, 7));
  c.holidays.insert(c.holidays.end(), national.begin(), national.end());
  c.workdays = {day(2026, 2, 14), day(2026, 2, 28), day(2026, 9, 20), day(2026, 10, 10)};
  c.makeup_weekday = 0;
  return c;
}

/// No working hours at all, but holidays and make-up days listed.
inline tierflow::calendar closed() {
  tierflow::calendar c = office();
  c.id = "closed";
  for (auto& hours : c.week) hours.clear();
  return c;
}

}  // namespace tierflow_test
