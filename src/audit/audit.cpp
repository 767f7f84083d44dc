// SPDX-License-Identifier: MIT
// The audit trail: canonical encoding, SHA-256 chain (OpenSSL libcrypto),
// verification and the JSON Lines / CSV exports.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <new>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include <tierflow/audit.hpp>
#include <tierflow/time.hpp>

#include "text/escape.hpp"

#include "audit/sha256.hpp"

namespace tierflow {
using detail::sha256;
namespace {

// --- Canonical encoding ------------------------------------------------------------

// The encoding is written into a buffer sized once: byte-at-a-time
// appends checked the capacity for every byte, a twentieth of the cost of
// sealing an event.
std::size_t encoded_size(const event& e) noexcept {
  std::size_t n = 1 + sizeof(event_hash) + 8 + e.ticket_id.size() + 8 + 8 + 8 + e.actor_id.size() +
                  8 + e.workflow_id.size() + 4 + 1 + 8;
  for (const auto& [key, value] : e.details) n += 16 + key.size() + value.size();
  return n;
}

char* put_u8(char* out, std::uint8_t v) noexcept {
  *out = static_cast<char>(v);
  return out + 1;
}

template <class Unsigned>
char* put_big_endian(char* out, Unsigned v) noexcept {
  // One store of the byte-swapped word (a byte at a time was eight).
  if constexpr (std::endian::native == std::endian::little) {
    if constexpr (sizeof(Unsigned) == 8) v = __builtin_bswap64(v);
    if constexpr (sizeof(Unsigned) == 4) v = __builtin_bswap32(v);
    std::memcpy(out, &v, sizeof v);
    return out + sizeof v;
  } else {
    std::memcpy(out, &v, sizeof v);
    return out + sizeof v;
  }
}

char* put_bytes(char* out, std::string_view s) noexcept {
  out = put_big_endian<std::uint64_t>(out, s.size());
  if (!s.empty()) std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

// The one definition of format version 1; audit.hpp documents it field by
// field, and audit.hash.known_answer pins it. Appends to `buffer`.
// Writes the encoding at `out`, which has room for encoded_size(e) bytes.
void encode_at(char* out, const event_hash& prev_hash, const event& e) noexcept {
  out = put_u8(out, audit_format_version);
  std::memcpy(out, prev_hash.data(), prev_hash.size());
  out += prev_hash.size();
  out = put_bytes(out, e.ticket_id);
  out = put_big_endian<std::uint64_t>(out, e.sequence);
  // Two's complement of the signed count: times before 1970 stay distinct.
  out = put_big_endian<std::uint64_t>(out, static_cast<std::uint64_t>(e.time.time_since_epoch().count()));
  out = put_bytes(out, e.actor_id);
  out = put_bytes(out, e.workflow_id);
  out = put_big_endian<std::uint32_t>(out, e.workflow_version);
  out = put_u8(out, static_cast<std::uint8_t>(e.type));
  out = put_big_endian<std::uint64_t>(out, e.details.size());
  for (const auto& [key, value] : e.details) {
    out = put_bytes(out, key);
    out = put_bytes(out, value);
  }
}

void encode_into(std::string& buffer, const event_hash& prev_hash, const event& e) {
  const std::size_t start = buffer.size();
  buffer.resize(start + encoded_size(e));
  encode_at(buffer.data() + start, prev_hash, e);
}

// --- Verification ----------------------------------------------------------------------

std::string describe(std::uint64_t sequence, chain_break reason, std::string_view what) {
  std::string out = "event " + std::to_string(sequence) + ": ";
  out += to_string(reason);
  out += ": ";
  out += what;
  return out;
}

std::optional<broken_link> broken(std::uint64_t sequence, chain_break reason, std::string_view what) {
  return broken_link{sequence, reason, describe(sequence, reason, what)};
}

bool self_consistent(const event& e) { return hash_event(e.prev_hash, e) == e.hash; }

// Explains the first break, at index i (sequence i + 1), given that events
// [0, i) form a valid chain ending in `prev`. The order of the tests matters:
// each one only claims what the ones before it left open.
std::optional<broken_link> classify(std::span<const event> s, std::size_t i, const event_hash& prev) {
  const event& e = s[i];
  const std::uint64_t expected = i + 1;
  const bool intact = self_consistent(e);

  // Intact events whose sequence numbers are exactly 1..n, but not in place.
  if (intact && e.sequence != expected) {
    std::vector<bool> seen(s.size() + 1, false);
    bool permutation = true;
    for (const event& x : s) {
      if (x.sequence == 0 || x.sequence > s.size() || seen[x.sequence]) {
        permutation = false;
        break;
      }
      seen[x.sequence] = true;
    }
    if (permutation) {
      return broken(expected, chain_break::reordered,
                    "found sequence " + std::to_string(e.sequence) + " in its place");
    }
  }
  // The next event links straight to the predecessor: this one is extra.
  if (i + 1 < s.size()) {
    const event& next = s[i + 1];
    if (next.sequence == expected && next.prev_hash == prev && self_consistent(next)) {
      return broken(expected, chain_break::inserted,
                    "an event the chain does not account for stands before it");
    }
  }
  if (!intact) return broken(expected, chain_break::edited, "content does not match its hash");
  if (e.sequence != expected) {
    // Positions [0, i) hold sequences 1..i, so a smaller number repeats one.
    if (e.sequence < expected) {
      // If this one links into the chain at its own number, the earlier
      // event of that number is the stranger (forged with a valid hash).
      const auto links_at_own_number = [&] {
        if (e.sequence == 0) return false;
        const auto k = static_cast<std::size_t>(e.sequence - 1);
        return e.prev_hash == (k == 0 ? event_hash{} : s[k - 1].hash);
      };
      if (links_at_own_number()) {
        return broken(e.sequence, chain_break::inserted,
                      "not part of the chain: a later event links past it");
      }
      return broken(expected, chain_break::inserted,
                    "a copy of sequence " + std::to_string(e.sequence) + " stands in its place");
    }
    const bool later = std::any_of(s.begin() + static_cast<std::ptrdiff_t>(i) + 1, s.end(),
                                   [&](const event& x) { return x.sequence == expected; });
    if (later) {
      return broken(expected, chain_break::reordered,
                    "found sequence " + std::to_string(e.sequence) + " in its place");
    }
    return broken(expected, chain_break::deleted,
                  "missing; the stream jumps to sequence " + std::to_string(e.sequence));
  }
  // Intact and numbered right, yet not linked: its predecessor (or its own
  // prev_hash) was changed and re-hashed.
  if (i == 0) return broken(expected, chain_break::edited, "does not start from the zero hash");
  return broken(expected, chain_break::edited,
                "does not link to sequence " + std::to_string(i) +
                    " (one of them was changed and re-hashed)");
}

// --- Exports --------------------------------------------------------------------------------

nlohmann::ordered_json details_json(const event_details& details) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& [key, value] : details) out.push_back({key, value});
  return out;
}

// Invalid UTF-8 must not make an export throw: audit data is what it is.
// nlohmann escapes C0 controls (ESC is \u001b); DEL and the C1 controls
// (U+0080–U+009F, which a terminal may take for CSI and the like) are
// valid raw in JSON, so they are escaped here: the same string to a JSON
// reader, and nothing a `cat` of the file could act on. Outside strings
// JSON text is ASCII, so every such byte sequence is inside a string.
std::string dump(const nlohmann::ordered_json& j) {
  const std::string raw = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto b = static_cast<unsigned char>(raw[i]);
    unsigned code = 0x100;
    if (b == 0x7f) {
      code = 0x7f;
    } else if (b == 0xc2 && i + 1 < raw.size()) {
      const auto next = static_cast<unsigned char>(raw[i + 1]);
      if (next >= 0x80 && next <= 0x9f) {
        code = next;
        ++i;
      }
    }
    if (code == 0x100) {
      out += raw[i];
    } else {
      out += "\\u00";
      out += digits[code >> 4];
      out += digits[code & 0x0f];
    }
  }
  return out;
}

// A text cell of the CSV export: detail::csv_field (neutralised against
// spreadsheet formulas, escaped, quoted as needed).
void write_csv_field(std::ostream& out, std::string_view field) { out << detail::csv_field(field); }

}  // namespace

std::string canonical_encoding(const event& e) {
  std::string out;
  encode_into(out, e.prev_hash, e);
  return out;
}

event_hash hash_event(const event_hash& prev_hash, const event& e) {
  // Reused per thread: a buffer per event would cost an allocation on the
  // engine's hottest path (every appended event).
  // Grown to the longest event met, never cleared: resizing it for each
  // event zero-filled what the encoding then overwrote.
  thread_local std::string buffer;
  const std::size_t size = encoded_size(e);
  if (buffer.size() < size) buffer.resize(size);
  encode_at(buffer.data(), prev_hash, e);
  return sha256(std::string_view(buffer.data(), size));
}

event_hash seal(std::span<event> batch, const event_hash& head) {
  event_hash prev = head;
  for (event& e : batch) {
    e.prev_hash = prev;
    e.hash = hash_event(prev, e);
    prev = e.hash;
  }
  return prev;
}

std::optional<broken_link> first_break(std::span<const event> stream) {
  event_hash prev{};
  for (std::size_t i = 0; i < stream.size(); ++i) {
    const event& e = stream[i];
    if (e.sequence != i + 1 || e.prev_hash != prev || !self_consistent(e)) {
      return classify(stream, i, prev);
    }
    prev = e.hash;
  }
  return std::nullopt;
}

std::optional<broken_link> first_break(std::span<const event> stream, const event_hash& expected_head) {
  if (auto chain = first_break(stream)) return chain;
  const event_hash head = stream.empty() ? event_hash{} : stream.back().hash;
  if (head == expected_head) return std::nullopt;
  if (expected_head == event_hash{}) {
    return broken(1, chain_break::inserted, "the recorded head says the stream is empty");
  }
  for (std::size_t i = 0; i < stream.size(); ++i) {
    if (stream[i].hash == expected_head) {
      return broken(i + 2, chain_break::inserted, "appended after the recorded head");
    }
  }
  return broken(stream.size() + 1, chain_break::truncated,
                "missing; the stream ends before the recorded head");
}

std::optional<broken_link> first_break(std::string_view ticket_id, std::span<const event> stream,
                                       const event_hash& expected_head) {
  auto chain = first_break(stream, expected_head);
  // The hash covers the ticket id, so an event copied whole from another
  // stream keeps a valid hash and link: only its id gives it away. The
  // earlier of the two breaks is the first.
  for (std::size_t i = 0; i < stream.size(); ++i) {
    if (chain && chain->sequence <= i + 1) break;
    if (stream[i].ticket_id != ticket_id) {
      return broken(i + 1, chain_break::foreign,
                    "belongs to stream '" + stream[i].ticket_id + "', not '" + std::string(ticket_id) +
                        "'");
    }
  }
  return chain;
}

namespace {
result<void> as_result(const std::optional<broken_link>& link) {
  if (link) return fail(errc::data_loss, link->message);
  return {};
}
}  // namespace

result<void> verify(std::span<const event> stream) { return as_result(first_break(stream)); }

result<void> verify(std::span<const event> stream, const event_hash& expected_head) {
  return as_result(first_break(stream, expected_head));
}

result<void> verify(std::string_view ticket_id, std::span<const event> stream,
                    const event_hash& expected_head) {
  return as_result(first_break(ticket_id, stream, expected_head));
}

result<event_stream> event_stream::adopt(std::string ticket_id, std::vector<event> events,
                                         const event_hash& expected_head) {
  if (auto ok = verify(ticket_id, events, expected_head); !ok) {
    return fail(std::move(ok).error().with_context("ticket '" + ticket_id + "'"));
  }
  event_stream out(std::move(ticket_id));
  out.events_ = std::move(events);
  out.head_ = expected_head;
  return out;
}

result<void> event_stream::append(event e) { return seal_and_append(std::span<event>(&e, 1)); }

result<void> event_stream::append(std::vector<event> batch) { return seal_and_append(batch); }

result<void> event_stream::seal_and_append(std::span<event> batch) {
  std::uint64_t next = events_.size() + 1;
  for (event& e : batch) {
    if (e.ticket_id.empty()) {
      e.ticket_id = ticket_id_;
    } else if (e.ticket_id != ticket_id_) {
      return fail(errc::invalid_argument, "appending to ticket '" + ticket_id_ +
                                              "': event belongs to ticket '" + e.ticket_id + "'");
    }
    if (e.sequence == 0) {
      e.sequence = next;
    } else if (e.sequence != next) {
      return fail(errc::conflict, "appending to ticket '" + ticket_id_ + "': expected sequence " +
                                      std::to_string(next) + ", got " + std::to_string(e.sequence));
    }
    ++next;
  }
  // Sealed before anything is moved in, so a failure (std::bad_alloc) leaves
  // the stream as it was.
  const event_hash head = seal(batch, head_);
  // Room first, so that moving the batch in cannot fail half-way; growth
  // stays geometric (an exact reserve per append would copy the stream each
  // time).
  const std::size_t needed = events_.size() + batch.size();
  if (needed > events_.capacity()) events_.reserve(std::max(needed, 2 * events_.capacity()));
  std::move(batch.begin(), batch.end(), std::back_inserter(events_));  // nothrow moves
  head_ = head;
  return {};
}

std::string to_hex(const event_hash& hash) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hash.size() * 2);
  for (const std::uint8_t b : hash) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0f]);
  }
  return out;
}

void write_jsonl(std::ostream& out, std::span<const event> events) {
  for (const event& e : events) {
    nlohmann::ordered_json j;
    j["ticket"] = e.ticket_id;
    j["sequence"] = e.sequence;
    j["time"] = format_iso8601(e.time);
    j["actor"] = e.actor_id;
    j["workflow"] = e.workflow_id;
    j["workflow_version"] = e.workflow_version;
    j["type"] = std::string(to_string(e.type));
    j["details"] = details_json(e.details);
    j["prev_hash"] = to_hex(e.prev_hash);
    j["hash"] = to_hex(e.hash);
    out << dump(j) << '\n';
  }
}

std::string to_jsonl(std::span<const event> events) {
  std::ostringstream out;
  write_jsonl(out, events);
  return std::move(out).str();
}

void write_csv(std::ostream& out, std::span<const event> events) {
  out << "ticket,sequence,time,actor,workflow,workflow_version,type,details,prev_hash,hash\r\n";
  for (const event& e : events) {
    write_csv_field(out, e.ticket_id);
    out << ',' << e.sequence << ',' << format_iso8601(e.time) << ',';
    write_csv_field(out, e.actor_id);
    out << ',';
    write_csv_field(out, e.workflow_id);
    out << ',' << e.workflow_version << ',' << to_string(e.type) << ',';
    write_csv_field(out, dump(details_json(e.details)));
    out << ',' << to_hex(e.prev_hash) << ',' << to_hex(e.hash) << "\r\n";
  }
}

std::string to_csv(std::span<const event> events) {
  std::ostringstream out;
  write_csv(out, events);
  return std::move(out).str();
}

namespace detail {

event_hash sha256(std::string_view bytes) {
  // OpenSSL's low-level SHA-256 interface, deprecated since OpenSSL 3.0 in
  // favour of EVP but still built and exported (Debian 12's 3.0 included),
  // runs the same SHA-NI/AVX block function without the EVP layer's
  // dispatch through a provider: measured on this project's machine, a
  // 202-byte event hashed in 267-273 ns against 305-331 ns through a reused
  // EVP context with the algorithm fetched once (3 rounds of 2 million in
  // one program), and every event on the engine's hottest path is hashed.
  // It allocates nothing and returns 1 for any valid arguments; a failure
  // would still stop the seal, reported as the one failure hashing's
  // contract names (as the EVP path reported every failure).
  // audit.hash.known_answer pins the result.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  SHA256_CTX context;
  event_hash out{};
  if (SHA256_Init(&context) != 1 || SHA256_Update(&context, bytes.data(), bytes.size()) != 1 ||
      SHA256_Final(out.data(), &context) != 1) {
    throw std::bad_alloc();
  }
#pragma GCC diagnostic pop
  return out;
}

}  // namespace detail

}  // namespace tierflow
