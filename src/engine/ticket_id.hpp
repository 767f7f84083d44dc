// SPDX-License-Identifier: MIT
// The id a ticket is opened under: the engine's prefix and its number.
//
// Private to the engine (intake.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "text/number.hpp"

namespace tierflow::detail {

/// `prefix` and `n` in decimal, zero-padded to 8 digits ("T00000042"); a
/// number of more digits is written whole. The same text as
/// fmt::format("{}{:08}"), without its format parsing and width handling:
/// a ticket is numbered at every open, and those were 3 % of the
/// simulator's open (perf, M/M/10), snprintf's a tenth before that.
[[nodiscard]] inline std::string ticket_id_for(std::string_view prefix, std::uint64_t n) {
  constexpr std::size_t width = 8;
  std::string id;
  id.reserve(prefix.size() + width);  // exact up to 10^8 tickets: one block at most
  id.append(prefix);
  append_zero_padded(id, n, width);
  return id;
}

}  // namespace tierflow::detail
