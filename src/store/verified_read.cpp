// SPDX-License-Identifier: MIT
#include <tierflow/verified_read.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace tierflow {

result<verified_stream> read_verified(const store& s, std::string_view ticket_id, int attempts) {
  for (int attempt = 1;; ++attempt) {
    auto before = s.head(ticket_id);
    if (!before) return fail(std::move(before).error());
    auto events = s.load(ticket_id);
    if (!events) return fail(std::move(events).error());
    auto after = s.head(ticket_id);
    if (!after) return fail(std::move(after).error());
    const bool settled = after->version == before->version && after->head == before->head;
    if (!settled && attempt < attempts) continue;
    // Still moving: what was there at the first head read is the snapshot.
    if (!settled && events->size() > before->version)
      events->resize(static_cast<std::size_t>(before->version));
    // No events and no head: an unknown stream. No events under a head
    // is a stream whose events were removed, and the verifier says so.
    if (events->empty() && before->version == 0 && before->head == event_hash{})
      return fail(errc::not_found, "no events for '" + std::string(ticket_id) + "'");
    verified_stream out{std::move(*events), *before, std::nullopt};
    out.broken = first_break(ticket_id, out.events, out.head.head);
    return out;
  }
}

result<void> verify_stored(const store& s, std::string_view ticket_id) {
  auto read = read_verified(s, ticket_id);
  if (!read) return fail(std::move(read).error());
  if (read->broken) return fail(errc::data_loss, read->broken->message);
  return {};
}

}  // namespace tierflow
