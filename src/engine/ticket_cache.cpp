// SPDX-License-Identifier: MIT
// Tickets in memory: each ticket's record, loaded from the store on first
// use, kept equal to what the store holds, and written back one command at
// a time.
#include <tierflow/audit.hpp>

#include "engine/engine_impl.hpp"

namespace tierflow {

result<engine::impl::ticket_slot*> engine::impl::slot(std::string_view id) const {
  {
    const std::shared_lock lock(map_mutex);
    if (const auto it = tickets.find(std::string(id)); it != tickets.end()) return it->second.get();
  }
  auto stream = events->load(id);
  if (!stream) return fail(stream.error());
  if (stream->empty() || stream->front().type != event_type::opened) return nullptr;
  auto fresh = std::make_unique<ticket_slot>();
  fresh->record = detail::replay(cc, *stream);
  if (fresh->record.flow == nullptr)
    return fail(errc::invalid_definition, "ticket " + std::string(id) + " runs on workflow " +
                                              stream->front().workflow_id + " v" +
                                              std::to_string(stream->front().workflow_version) +
                                              ", which the catalog does not have");
  const std::unique_lock lock(map_mutex);
  auto [it, inserted] = tickets.try_emplace(std::string(id), std::move(fresh));
  return it->second.get();
}

void engine::impl::resync(ticket_slot& s) const {
  auto stream = events->load(s.record.id);
  s.stale = !stream || stream->empty();
  if (!s.stale) s.record = detail::replay(cc, *stream);
}

result<void> engine::impl::reload_if_stale(ticket_slot& s) const {
  if (!s.stale) return {};
  resync(s);
  if (s.stale)
    return fail(errc::io_error, "ticket " + s.record.id + ": cannot re-read it from the store");
  return {};
}

// One head() read, and a reload only when another engine moved the ticket.
// A store only this engine writes needs neither.
result<void> engine::impl::refresh(ticket_slot& s) const {
  if (auto ok = reload_if_stale(s); !ok) return ok;
  if (!events->shared()) return {};
  auto h = events->head(s.record.id);
  if (!h) return fail(std::move(h).error().with_context("ticket " + s.record.id));
  if (h->version != s.record.version || h->head != s.record.head) resync(s);
  return {};
}

result<void> engine::impl::commit(ticket_slot& s, command& cmd) {
  if (cmd.events.empty()) return {};
  const event_hash head = seal(cmd.events, cmd.base_head);
  const ticket_summary summary = s.record.summary();
  auto stored = events->append(append_request{s.record.id, cmd.base_version, cmd.events, &summary});
  if (!stored) {
    resync(s);
    return fail(std::move(stored).error().with_context("ticket " + s.record.id));
  }
  s.record.head = head;
  return {};
}

}  // namespace tierflow
