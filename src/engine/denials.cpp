// SPDX-License-Identifier: MIT
// Denials: every refused command is audited — on the ticket's own trail, or,
// when there is no ticket to record it on, on the engine's denial log
// (engine::denial_log_id).
#include <span>

#include <tierflow/audit.hpp>
#include <tierflow/event_schema.hpp>

#include "engine/engine_impl.hpp"

namespace tierflow {

// Fails as the append fails: on a shared store with errc::conflict when
// another engine moved the ticket since it was judged (act() then judges it
// again).
result<void> engine::impl::deny(ticket_slot& s, const act_request& req, timestamp now,
                                const error& why) {
  command cmd{cc, s.record, now, req.by.id};
  cmd.emit(event_type::denied, {{detail_key::action, req.action},
                                {detail_key::code, to_string(why.code())},
                                {detail_key::reason, why.message()}});
  if (auto ok = commit(s, cmd); !ok) return ok;
  denied.fetch_add(1, std::memory_order_relaxed);
  return {};
}

failure engine::impl::deny_unknown(std::string_view ticket_id, std::string_view actor_id,
                                   std::string_view what, timestamp now, error why) {
  const std::lock_guard lock(denial_mutex);
  denied.fetch_add(1, std::memory_order_relaxed);
  // Engines sharing a store share the log: a lost race is retried on the
  // log's new head.
  for (int attempt = 0; attempt < race_retries; ++attempt) {
    auto h = events->head(engine::denial_log_id);
    if (!h) break;
    event e;
    e.ticket_id = engine::denial_log_id;
    e.sequence = h->version + 1;
    e.time = now;
    e.actor_id = std::string(actor_id).substr(0, max_id_bytes);
    e.type = event_type::denied;
    e.details.emplace_back(detail_key::ticket, ticket_id.substr(0, max_id_bytes));
    e.details.emplace_back(detail_key::action, what.substr(0, max_id_bytes));
    e.details.emplace_back(detail_key::code, to_string(why.code()));
    e.details.emplace_back(detail_key::reason, why.message());
    seal(std::span<event>(&e, 1), h->head);
    auto stored = events->append(
        append_request{engine::denial_log_id, h->version, std::span<const event>(&e, 1), nullptr});
    // A failing denial log must not hide the original error from the caller.
    if (stored || stored.error().code() != errc::conflict) break;
  }
  return fail(std::move(why));
}

}  // namespace tierflow
