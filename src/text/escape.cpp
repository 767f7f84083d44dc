// SPDX-License-Identifier: MIT
// See escape.hpp.
#include "text/escape.hpp"

#include <cstddef>
#include <cstdint>

namespace tierflow::detail {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void put_byte_escape(std::string& out, unsigned char b) {
  out += "\\x";
  out += hex_digits[b >> 4];
  out += hex_digits[b & 0x0f];
}

void put_code_point_escape(std::string& out, std::uint32_t cp) {
  out += "\\u{";
  bool leading = true;
  for (int shift = 20; shift >= 0; shift -= 4) {
    const auto digit = (cp >> shift) & 0x0fU;
    if (leading && digit == 0 && shift > 0) continue;
    leading = false;
    out += hex_digits[digit];
  }
  out += '}';
}

/// Code points that are valid and printable in the Unicode sense yet
/// change how a terminal lays out the line: C1 controls, the line and
/// paragraph separators and the bidirectional marks, embeddings, overrides
/// and isolates ("Trojan Source").
constexpr bool hidden(std::uint32_t cp) noexcept {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/// The length of the valid UTF-8 sequence at text[i] and its code point,
/// or 0 when the byte there does not start one (RFC 3629: no overlong
/// forms, no surrogates, nothing past U+10FFFF).
std::size_t decode(std::string_view text, std::size_t i, std::uint32_t& cp) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t n = 0;
  unsigned char low = 0x80, high = 0xbf;  // bounds of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    n = 2;
    cp = lead & 0x1fU;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3;
    cp = lead & 0x0fU;
    if (lead == 0xe0) low = 0xa0;   // overlong
    if (lead == 0xed) high = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4;
    cp = lead & 0x07U;
    if (lead == 0xf0) low = 0x90;   // overlong
    if (lead == 0xf4) high = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const unsigned char b = byte(i + k);
    if (k == 1 ? (b < low || b > high) : (b < 0x80 || b > 0xbf)) return 0;
    cp = (cp << 6) | (b & 0x3fU);
  }
  return n;
}

/// Appends printable(text) to `out`.
void append_printable(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      switch (b) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (b < 0x20 || b == 0x7f)
            put_byte_escape(out, b);
          else
            out += static_cast<char>(b);
      }
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = decode(text, i, cp);
    if (n == 0) {
      put_byte_escape(out, b);
      ++i;
    } else if (hidden(cp)) {
      put_code_point_escape(out, cp);
      i += n;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_printable(out, text);
  return out;
}

std::string csv_field(std::string_view text) {
  // Judged on the text as given: printable() changes only control bytes and
  // broken UTF-8, and a TAB or CR it would escape is still a sign of a
  // crafted cell.
  const bool formula =
      !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
  std::string cell = formula ? "'" : "";
  cell += printable(text);
  if (!formula && cell.find_first_of(",\"") == std::string::npos) return cell;
  std::string out = "\"";
  out.reserve(cell.size() + 2);
  for (const char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quoted_printable(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size() + 2);
  for (const char c : text) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  std::string out = "\"";
  append_printable(out, escaped);
  out += '"';
  return out;
}

bool is_printable(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7f) return false;
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = decode(text, i, cp);
    if (n == 0 || hidden(cp)) return false;
    i += n;
  }
  return true;
}

}  // namespace tierflow::detail
