// SPDX-License-Identifier: MIT
#include "store/store_codec.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace tierflow::detail {

namespace {

void put_u32(std::string& out, std::size_t n) {
  const auto v = static_cast<std::uint32_t>(n);
  out.push_back(static_cast<char>((v >> 24) & 0xFFU));
  out.push_back(static_cast<char>((v >> 16) & 0xFFU));
  out.push_back(static_cast<char>((v >> 8) & 0xFFU));
  out.push_back(static_cast<char>(v & 0xFFU));
}

bool get_u32(std::string_view& in, std::uint32_t& v) {
  if (in.size() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[static_cast<std::size_t>(i)]);
  in.remove_prefix(4);
  return true;
}

bool get_text(std::string_view& in, std::string& out) {
  std::uint32_t n = 0;
  if (!get_u32(in, n) || in.size() < n) return false;
  out.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

}  // namespace

std::string encode_details(const event_details& details) {
  std::size_t bytes = 4;
  for (const auto& [k, v] : details) bytes += 8 + k.size() + v.size();
  std::string out;
  out.reserve(bytes);
  put_u32(out, details.size());
  for (const auto& [k, v] : details) {
    put_u32(out, k.size());
    out += k;
    put_u32(out, v.size());
    out += v;
  }
  return out;
}

result<event_details> decode_details(std::string_view in) {
  const auto bad = [] { return fail(errc::io_error, "stored event details are malformed"); };
  std::uint32_t count = 0;
  if (!get_u32(in, count)) return bad();
  // Each entry takes at least 8 bytes: a count past that is corrupt, and
  // must not reserve gigabytes.
  if (count > in.size() / 8) return bad();
  event_details out;
  out.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string k, v;
    if (!get_text(in, k) || !get_text(in, v)) return bad();
    out.emplace_back(std::move(k), std::move(v));
  }
  if (!in.empty()) return bad();
  return out;
}

result<event_hash> hash_from_bytes(std::string_view bytes) {
  event_hash h{};
  if (bytes.size() != h.size())
    return fail(errc::io_error, "stored hash has " + std::to_string(bytes.size()) + " bytes, not 32");
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(h.data()));
  return h;
}

}  // namespace tierflow::detail
