// SPDX-License-Identifier: MIT
// Hexadecimal text of fixed-size byte strings (hashes, keys, signatures) for
// the checkpoint files, both ways.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tierflow::detail {

/// Lowercase hexadecimal of `bytes`.
[[nodiscard]] inline std::string hex_of(const std::uint8_t* bytes, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0x0f]);
  }
  return out;
}

template <std::size_t N>
[[nodiscard]] std::string hex_of(const std::array<std::uint8_t, N>& bytes) {
  return hex_of(bytes.data(), N);
}

/// The value of one hex digit (either case), or -1.
[[nodiscard]] constexpr int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// `text` as bytes when it is an even number of hex digits, else nullopt.
[[nodiscard]] inline std::optional<std::string> bytes_of_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = hex_digit(text[i]);
    const int low = hex_digit(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
  }
  return out;
}

/// `text` as N bytes when it is exactly 2N hex digits, else nullopt.
template <std::size_t N>
[[nodiscard]] std::optional<std::array<std::uint8_t, N>> array_of_hex(std::string_view text) {
  if (text.size() != 2 * N) return std::nullopt;
  const auto bytes = bytes_of_hex(text);
  if (!bytes) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>((*bytes)[i]);
  return out;
}

}  // namespace tierflow::detail
