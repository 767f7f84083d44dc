// SPDX-License-Identifier: MIT
// The id a ticket is opened under: the engine's prefix and its number.
//
// Private to the engine (intake.cpp).
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tierflow::detail {

/// `prefix` and `n` in decimal, zero-padded to 8 digits ("T00000042"); a
/// number of more digits is written whole. Written by hand, not with
/// fmt::format("{}{:08}"), which gives the same text: a ticket is numbered
/// at every open, and the format string's parsing and its width handling
/// were 3 % of the simulator's open (perf, M/M/10), snprintf's a tenth
/// before that.
[[nodiscard]] inline std::string ticket_id_for(std::string_view prefix, std::uint64_t n) {
  constexpr std::size_t width = 8;
  char digits[20];  // 2^64 - 1 has 20 digits
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  const auto length = static_cast<std::size_t>(end - digits);
  const std::size_t zeros = length < width ? width - length : 0;
  std::string id;
  id.reserve(prefix.size() + zeros + length);
  id.append(prefix);
  id.append(zeros, '0');
  id.append(digits, length);
  return id;
}

}  // namespace tierflow::detail
