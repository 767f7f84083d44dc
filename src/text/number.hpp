// SPDX-License-Identifier: MIT
// Numbers read from text: the YAML front end, the ticket-file parser and the
// fold (which reads numbers back out of recorded event details) parse them
// the same way, here; and numbers written into ids.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tierflow::detail {

/// A whole number (optional sign, decimal digits) that fits int64.
[[nodiscard]] std::optional<std::int64_t> parse_integer(std::string_view text) noexcept;

/// A finite decimal number ("315", "0.38", "-2", "1e3"); not inf or nan.
[[nodiscard]] std::optional<double> parse_number(std::string_view text) noexcept;

/// Appends `n` in decimal to `out`, zero-padded to `width` digits (a
/// number of more digits is written whole): printf's "%0*llu" and fmt's
/// "{:0N}", without parsing a format for each call. Ticket ids
/// ("T00000042") and simulated customer ids ("SME-000042") are written
/// this way, once per open and per arrival.
inline void append_zero_padded(std::string& out, std::uint64_t n, std::size_t width) {
  char digits[20];  // 2^64 - 1 has 20 digits
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  const auto length = static_cast<std::size_t>(end - digits);
  if (length < width) out.append(width - length, '0');
  out.append(digits, length);
}

}  // namespace tierflow::detail
