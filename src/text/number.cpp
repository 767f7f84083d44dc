// SPDX-License-Identifier: MIT
// Number parsing shared by the language, the CLI and the fold.
#include "text/number.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace tierflow::detail {

// from_chars takes no leading '+', but YAML and the ticket files allow one
// (once): strip it here so every reader accepts the same spellings.
std::optional<std::int64_t> parse_integer(std::string_view text) noexcept {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return std::nullopt;
  std::int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return out;
}

std::optional<double> parse_number(std::string_view text) noexcept {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return std::nullopt;
  double out = 0;
  const auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), out, std::chars_format::general);
  if (ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(out))
    return std::nullopt;
  return out;
}

}  // namespace tierflow::detail
