// SPDX-License-Identifier: MIT
// Small text helpers shared by the loader, the DOT writer and the tool, so
// dates and lists read the same everywhere tierflow prints them.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace tierflow::detail {

/// A local day as "YYYY-MM-DD", the form the YAML files use.
[[nodiscard]] inline std::string format_date(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd{day};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

/// The items with `sep` between them.
[[nodiscard]] inline std::string join(const std::vector<std::string>& items,
                                      std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

}  // namespace tierflow::detail
