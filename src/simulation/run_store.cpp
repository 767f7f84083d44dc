// SPDX-License-Identifier: MIT
// The recording store decorator. See run_store.hpp.
#include "simulation/run_store.hpp"

#include <tierflow/event_schema.hpp>

namespace tierflow::sim::detail {

result<void> recording_store::append(const append_request& request) {
  auto ok = inner_->append(request);
  if (!ok) return ok;
  events_ += request.events.size();
  // Denial streams ("~denied", "~denied/T…") record refusals: the ticket
  // itself did not change.
  if (request.ticket_id.starts_with('~')) return ok;
  changed_.emplace_back(request.ticket_id);
  if (request.summary != nullptr && request.summary->next_timer)
    timers_.push(request.summary->next_timer->time_since_epoch().count());
  for (const event& e : request.events) {
    if (e.type != event_type::deadline_breached || e.detail(detail_key::after)) continue;
    breaches_.push_back({std::string(request.ticket_id),
                         std::string(e.detail(detail_key::deadline).value_or("")), e.time});
  }
  return ok;
}

void recording_store::drop_timers_through(timestamp now) {
  const std::int64_t n = now.time_since_epoch().count();
  while (!timers_.empty() && timers_.top() <= n) timers_.pop();
}

}  // namespace tierflow::sim::detail
