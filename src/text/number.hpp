// SPDX-License-Identifier: MIT
// Numbers read from text: the YAML front end, the ticket-file parser and the
// fold (which reads numbers back out of recorded event details) parse them
// the same way, here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tierflow::detail {

/// A whole number (optional sign, decimal digits) that fits int64.
[[nodiscard]] std::optional<std::int64_t> parse_integer(std::string_view text) noexcept;

/// A finite decimal number ("315", "0.38", "-2", "1e3"); not inf or nan.
[[nodiscard]] std::optional<double> parse_number(std::string_view text) noexcept;

}  // namespace tierflow::detail
