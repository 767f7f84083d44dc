// SPDX-License-Identifier: MIT
// Small text helpers shared by the loader, the DOT writer and the tool, so
// lists read the same everywhere tierflow prints them (dates and times:
// <tierflow/time.hpp>).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tierflow::detail {

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
