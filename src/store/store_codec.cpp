// SPDX-License-Identifier: MIT
#include "store/store_codec.hpp"

#include "audit/sha256.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <optional>

#include <openssl/evp.h>

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

// --- the summary seal's encoding: big-endian, length-prefixed ---

void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFFU));
}

void put_text(std::string& out, std::string_view s) {
  put_be(out, s.size(), 8);
  out.append(s);
}

void put_time(std::string& out, timestamp t) {
  // Two's complement of the signed count: times before 1970 stay distinct.
  put_be(out, static_cast<std::uint64_t>(t.time_since_epoch().count()), 8);
}

void put_optional_time(std::string& out, const std::optional<timestamp>& t) {
  put_u8(out, t ? 1 : 0);
  put_be(out, t ? static_cast<std::uint64_t>(t->time_since_epoch().count()) : 0U, 8);
}

constexpr std::string_view seal_tag = "tierflow summary seal 1";

}  // namespace

std::string summary_seal_encoding(const ticket_summary& s, std::uint64_t stream_version,
                                  const event_hash& stream_head) {
  std::string out;
  out.reserve(256 + s.ticket_id.size() + s.customer_id.size() + s.ticket_type.size() + s.workflow_id.size() +
              s.state.size() + s.unit.size() + s.region.size() + s.owner.size() + s.assignee.size());
  put_text(out, seal_tag);
  put_text(out, s.ticket_id);
  put_text(out, s.customer_id);
  put_text(out, s.ticket_type);
  put_text(out, s.workflow_id);
  put_be(out, s.workflow_version, 4);
  put_text(out, s.state);
  put_text(out, s.unit);
  put_text(out, s.region);
  put_text(out, s.owner);
  put_text(out, s.assignee);
  put_u8(out, s.closed ? 1 : 0);
  put_time(out, s.opened_at);
  put_optional_time(out, s.closed_at);
  put_optional_time(out, s.next_timer);
  put_optional_time(out, s.nearest_due);
  put_be(out, s.version, 8);
  put_be(out, stream_version, 8);
  out.append(reinterpret_cast<const char*>(stream_head.data()), stream_head.size());
  return out;
}

event_hash summary_seal(const ticket_summary& s, std::uint64_t stream_version, const event_hash& stream_head) {
  return detail::sha256(summary_seal_encoding(s, stream_version, stream_head));
}

result<void> check_summary_seal(const ticket_summary& s, std::string_view stored_seal, std::uint64_t stream_version,
                                const event_hash& stream_head) {
  const event_hash expected = summary_seal(s, stream_version, stream_head);
  const bool matches =
      stored_seal.size() == expected.size() &&
      std::equal(expected.begin(), expected.end(), stored_seal.begin(),
                 [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); });
  if (matches) return {};
  return fail(errc::data_loss, "the summary row of " + s.ticket_id +
                                   " does not match its trail: edited outside tierflow");
}

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
