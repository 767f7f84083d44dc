// SPDX-License-Identifier: MIT
#include "store/append_checks.hpp"

#include <fmt/format.h>

namespace tierflow::detail {

result<void> check_append_ids(const append_request& request) {
  if (request.ticket_id.empty()) return fail(errc::invalid_argument, "append to a stream with an empty ticket id");
  for (const event& e : request.events) {
    if (e.ticket_id != request.ticket_id) {
      return fail(errc::invalid_argument, fmt::format("ticket {}: event {} belongs to ticket {}",
                                                      request.ticket_id, e.sequence, e.ticket_id));
    }
  }
  return {};
}

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
  return {};
}

}  // namespace tierflow::detail
