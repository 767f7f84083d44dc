// SPDX-License-Identifier: MIT
// The recording store decorator and the fold of closed trails into the
// run's indicators. See run_store.hpp.
#include "simulation/run_store.hpp"

#include <algorithm>
#include <span>

#include <tierflow/event_schema.hpp>

namespace tierflow::sim::detail {

result<void> recording_store::append(const append_request& request) {
  // Denial streams ("~denied", "~denied/T…") record refusals: the ticket
  // itself did not change.
  if (request.ticket_id.starts_with('~')) {
    auto ok = inner_->append(request);
    if (ok) events_ += request.events.size();
    return ok;
  }
  // Read before the append: a memory store may move the events out of
  // request.movable, leaving them unspecified.
  const std::size_t count = request.events.size();
  const std::size_t breaches_before = breaches_.size();
  bool closes = false;
  for (const event& e : request.events) {
    if (e.type == event_type::closed) closes = true;
    if (e.type != event_type::deadline_breached || e.detail(detail_key::after)) continue;
    breaches_.push_back({std::string(request.ticket_id),
                         std::string(e.detail(detail_key::deadline).value_or("")), e.time});
  }
  auto ok = inner_->append(request);
  if (!ok) {
    breaches_.resize(breaches_before);
    return ok;
  }
  events_ += count;
  changed_.emplace_back(request.ticket_id);
  if (request.summary == nullptr) {
    unsummarised_.emplace_back(request.ticket_id);
    return ok;
  }
  if (request.summary->next_timer) {
    const std::int64_t at = request.summary->next_timer->time_since_epoch().count();
    if (!pushed_any_ || at != last_timer_ || last_timer_ <= dropped_through_) timers_.push(at);
    last_timer_ = at;
    pushed_any_ = true;
  }
  if (closes && request.summary->closed) closed_.emplace_back(request.ticket_id);
  return ok;
}

void recording_store::drop_timers_through(timestamp now) {
  const std::int64_t n = now.time_since_epoch().count();
  dropped_through_ = std::max(dropped_through_, n);
  while (!timers_.empty() && timers_.top() <= n) timers_.pop();
}

result<void> trail_fold::fold(const std::string& ticket_id) {
  // The run's own store gives the events up as views of its records,
  // folded while it holds them (no string made per field; the views' list
  // kept by the store from ticket to ticket); another store keeps its trail, which is
  // read.
  if (own_ != nullptr) {
    result<void> added;
    auto released = own_->release_trail(
        ticket_id, [&](std::span<const event_view> trail) { added = indicators_.add_views(trail); });
    if (!released) return fail(released.error());
    if (!added) return fail(added.error());
  } else {
    auto trail = events_->load(ticket_id);
    if (!trail) return fail(trail.error());
    if (auto added = indicators_.add(*trail); !added) return fail(added.error());
  }
  ++folded_closed_;
  return {};
}

result<void> trail_fold::add_stored(const std::string& id) {
  auto trail = events_->load(id);
  if (!trail) return fail(trail.error());
  return indicators_.add(*trail);
}

result<kpi::report> trail_fold::finish() {
  // The closed tickets the run held until its end.
  for (const std::string& id : events_->take_closed()) waiting_.push_back(id);
  for (const std::string& id : waiting_)
    if (auto ok = fold(id); !ok) return fail(ok.error());
  waiting_.clear();
  // Every other ticket is open (a ticket's summary says closed exactly when
  // its closing append was noted above).
  auto open = events_->open_tickets();
  if (!open) return fail(open.error());
  for (const ticket_summary& row : *open)
    if (auto ok = add_stored(row.ticket_id); !ok) return fail(ok.error());
  // Streams copied without a summary, unless one was written since (the
  // ticket is counted above then, open or closed).
  auto unsummarised = events_->take_unsummarised();
  std::sort(unsummarised.begin(), unsummarised.end());
  unsummarised.erase(std::unique(unsummarised.begin(), unsummarised.end()), unsummarised.end());
  for (const std::string& id : unsummarised) {
    auto row = events_->summary(id);
    if (row) continue;
    if (row.error().code() != errc::not_found) return fail(row.error());
    if (auto ok = add_stored(id); !ok) return fail(ok.error());
  }
  return indicators_.finish();
}

}  // namespace tierflow::sim::detail
