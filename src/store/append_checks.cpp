// SPDX-License-Identifier: MIT
#include "store/append_checks.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace tierflow::detail {

namespace {

// The length of the UTF-8 sequence at `p` (1..4), or 0 when it is not a
// well-formed one (RFC 3629, table 3-7 of the Unicode standard) or is NUL.
std::size_t sequence_length(const unsigned char* p, std::size_t left) noexcept {
  const unsigned c = p[0];
  if (c < 0x80U) return c == 0 ? 0 : 1;
  const auto cont = [&](std::size_t i, unsigned lo = 0x80U, unsigned hi = 0xBFU) {
    return i < left && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2U && c <= 0xDFU) return cont(1) ? 2 : 0;
  if (c == 0xE0U) return cont(1, 0xA0U) && cont(2) ? 3 : 0;               // no overlong forms
  if (c == 0xEDU) return cont(1, 0x80U, 0x9FU) && cont(2) ? 3 : 0;        // no surrogates
  if (c >= 0xE1U && c <= 0xEFU) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xF0U) return cont(1, 0x90U) && cont(2) && cont(3) ? 4 : 0;    // no overlong forms
  if (c >= 0xF1U && c <= 0xF3U) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4U) return cont(1, 0x80U, 0x8FU) && cont(2) && cont(3) ? 4 : 0;  // up to U+10FFFF
  return 0;
}

constexpr std::uint64_t low_bits = 0x0101010101010101ULL;
constexpr std::uint64_t high_bits = 0x8080808080808080ULL;

// Eight ASCII bytes, none of them zero (the classic has-zero-byte test).
bool ascii_without_nul(std::uint64_t w) noexcept {
  return (w & high_bits) == 0 && ((w - low_bits) & ~w & high_bits) == 0;
}

constexpr std::string_view bad_text = "is not valid UTF-8 text (or holds a NUL byte)";

// The ticket id for a message: only when it is itself storable (a bad one
// would carry its bad bytes into logs and terminals).
std::string ticket_name(std::string_view id) {
  return is_storable_text(id) ? "ticket " + std::string(id) : std::string("a ticket");
}

}  // namespace

bool is_storable_text(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t left = text.size();
  // Most texts are short ASCII ids, keys and values: their tail of fewer
  // than eight bytes is checked as one word too, padded with 0x01 bytes
  // (ASCII, not NUL) when the whole text is that short, or overlapping
  // bytes already checked when it is longer. Only a word holding a byte
  // that is not plain ASCII takes the byte-wise UTF-8 walk.
  if (left > 0 && left < 8) {
    std::uint64_t w = low_bits;
    std::memcpy(&w, p, left);
    if (ascii_without_nul(w)) return true;
  }
  while (left > 0) {
    if (left >= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, 8);
      if (ascii_without_nul(w)) {
        p += 8;
        left -= 8;
        continue;
      }
    } else if (text.size() >= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p + left - 8, 8);
      if (ascii_without_nul(w)) return true;
    }
    const std::size_t n = sequence_length(p, left);
    if (n == 0) return false;
    p += n;
    left -= n;
  }
  return true;
}

result<void> check_append_text(const append_request& request) {
  if (!is_storable_text(request.ticket_id)) {
    return fail(errc::invalid_argument, fmt::format("append: the ticket id {}", bad_text));
  }
  const std::string_view id = request.ticket_id;
  for (const event& e : request.events) {
    const auto bad = [&](std::string_view what) {
      return fail(errc::invalid_argument, fmt::format("ticket {}: event {}: {} {}", id, e.sequence, what, bad_text));
    };
    // The event's own ticket id is the request's (check_append_ids).
    if (!is_storable_text(e.actor_id)) return bad("the actor id");
    if (!is_storable_text(e.workflow_id)) return bad("the workflow id");
    for (std::size_t i = 0; i < e.details.size(); ++i) {
      const auto& [key, value] = e.details[i];
      if (!is_storable_text(key)) return bad(fmt::format("the key of detail {}", i + 1));
      if (!is_storable_text(value)) {
        return is_storable_text(key) ? bad(fmt::format("detail '{}'", key)) : bad(fmt::format("detail {}", i + 1));
      }
    }
  }
  if (const ticket_summary* s = request.summary; s != nullptr) {
    const std::pair<const std::string*, std::string_view> fields[] = {
        {&s->ticket_id, "ticket id"}, {&s->customer_id, "customer id"}, {&s->ticket_type, "ticket type"},
        {&s->workflow_id, "workflow id"}, {&s->state, "state"}, {&s->unit, "unit"},
        {&s->region, "region"}, {&s->owner, "owner"}, {&s->assignee, "assignee"}};
    for (const auto& [text, name] : fields) {
      if (!is_storable_text(*text)) {
        return fail(errc::invalid_argument, fmt::format("ticket {}: summary: the {} {}", id, name, bad_text));
      }
    }
  }
  return {};
}

result<void> check_append_summary(const append_request& request, bool stream_has_summary) {
  if (request.summary != nullptr || !stream_has_summary) return {};
  return fail(errc::invalid_argument,
              fmt::format("{}: an append to a ticket's stream must carry the ticket's summary (its seal "
                          "binds it to the stream's head)",
                          ticket_name(request.ticket_id)));
}

namespace {

// The stream id is not empty and every event belongs to it.
result<void> check_append_stream(const append_request& request) {
  if (request.ticket_id.empty()) return fail(errc::invalid_argument, "append to a stream with an empty ticket id");
  for (const event& e : request.events) {
    if (e.ticket_id != request.ticket_id) {
      if (!is_storable_text(e.ticket_id) || !is_storable_text(request.ticket_id)) {
        return fail(errc::invalid_argument,
                    fmt::format("{}: event {} belongs to another ticket", ticket_name(request.ticket_id), e.sequence));
      }
      return fail(errc::invalid_argument, fmt::format("ticket {}: event {} belongs to ticket {}",
                                                      request.ticket_id, e.sequence, e.ticket_id));
    }
  }
  return {};
}

}  // namespace

result<void> check_append_ids(const append_request& request) {
  if (auto ok = check_append_stream(request); !ok) return ok;
  // Every store refuses text it could not keep or export faithfully, with
  // the same message, before it touches its storage.
  return check_append_text(request);
}

result<void> check_append_ids_but_text(const append_request& request) { return check_append_stream(request); }

result<void> check_append_version(const append_request& request, std::uint64_t stored_version) {
  if (request.expected_version == stored_version) return {};
  return fail(errc::conflict, fmt::format("ticket {}: expected version {}, store has {}", request.ticket_id,
                                          request.expected_version, stored_version));
}

result<void> check_append_link(const append_request& request, const event_hash& head) {
  if (request.events.empty() || request.events.front().prev_hash == head) return {};
  return fail(errc::invalid_argument, fmt::format("ticket {}: event {} does not link to the stream's head",
                                                  request.ticket_id, request.events.front().sequence));
}

result<void> check_append_events(const append_request& request, const event_hash* head) {
  if (request.events.empty())
    return fail(errc::invalid_argument, fmt::format("ticket {}: append of no events", request.ticket_id));
  const event_hash* prev = head;
  std::uint64_t sequence = request.expected_version;
  for (const event& e : request.events) {
    ++sequence;
    if (e.sequence != sequence) {
      return fail(errc::invalid_argument, fmt::format("ticket {}: event has sequence {}, expected {}",
                                                      request.ticket_id, e.sequence, sequence));
    }
    // The hashes themselves are the engine's to compute; the links are what
    // keeps the stored chain whole.
    if (prev != nullptr && e.prev_hash != *prev) {
      return fail(errc::invalid_argument, fmt::format("ticket {}: event {} does not link to the stream's head",
                                                      request.ticket_id, sequence));
    }
    prev = &e.hash;
  }
  if (request.summary != nullptr && request.summary->ticket_id != request.ticket_id) {
    return fail(errc::invalid_argument,
                fmt::format("ticket {}: summary is of ticket {}", request.ticket_id, request.summary->ticket_id));
  }
  // The summary describes the stream as it will be: its version is the new
  // length, so that a summary row changes only with its stream (the SQLite
  // trigger that refuses an UPDATE not raising the version relies on it).
  if (request.summary != nullptr && request.summary->version != sequence) {
    return fail(errc::invalid_argument, fmt::format("ticket {}: summary has version {}, the stream will have {}",
                                                    request.ticket_id, request.summary->version, sequence));
  }
  return {};
}

}  // namespace tierflow::detail
