// SPDX-License-Identifier: MIT
// The run's view of its store: a decorator that forwards every call and
// notes what the engine appended, so that the run learns which waiting
// tickets a timer changed, when the next timer falls due, which deadlines
// were breached, which tickets closed and how many events there are,
// without reading anything back; and the fold of the run's trails into its
// indicators as tickets close, so that a closed ticket's trail need not be
// kept to the end of the run.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/kpi.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/store.hpp>

namespace tierflow::sim::detail {

/// A deadline_breached event (the breach itself, not a step after it).
struct seen_breach {
  std::string ticket_id;
  std::string deadline;
  timestamp at{};
};

class recording_store final : public store {
 public:
  explicit recording_store(store& inner) noexcept : inner_(&inner) {}

  /// Forwards the append (its `movable` too: what it notes is read from the
  /// events before the inner store may move them out) and, when it
  /// succeeds, notes the ticket as changed, its next timer, its breaches,
  /// whether it closed and the events' count.
  [[nodiscard]] result<void> append(const append_request& request) override;
  [[nodiscard]] result<std::vector<event>> load(std::string_view ticket_id) const override {
    return inner_->load(ticket_id);
  }
  [[nodiscard]] result<stream_head> head(std::string_view ticket_id) const override {
    return inner_->head(ticket_id);
  }
  [[nodiscard]] result<std::uint64_t> next_ticket_number() override {
    return inner_->next_ticket_number();
  }
  /// Forwarded, not left to store's default (customer_tickets, then
  /// next_ticket_number, on this decorator): a store that answers both in
  /// one exchange (postgres_store, as a caller's --db) keeps doing so.
  [[nodiscard]] result<ticket_intake> number_and_history(std::string_view customer_id) override {
    return inner_->number_and_history(customer_id);
  }
  [[nodiscard]] result<ticket_summary> summary(std::string_view ticket_id) const override {
    return inner_->summary(ticket_id);
  }
  [[nodiscard]] result<std::vector<ticket_summary>> queue(std::string_view unit,
                                                          std::string_view region) const override {
    return inner_->queue(unit, region);
  }
  [[nodiscard]] result<std::vector<ticket_summary>> customer_tickets(
      std::string_view customer_id) const override {
    return inner_->customer_tickets(customer_id);
  }
  [[nodiscard]] result<std::vector<due_ticket>> due(timestamp now,
                                                    std::size_t limit) const override {
    return inner_->due(now, limit);
  }
  [[nodiscard]] result<std::vector<ticket_summary>> open_tickets() const override {
    return inner_->open_tickets();
  }
  [[nodiscard]] result<std::vector<std::string>> streams() const override {
    return inner_->streams();
  }
  [[nodiscard]] result<std::vector<std::string>> summary_ids() const override {
    return inner_->summary_ids();
  }
  [[nodiscard]] bool shared() const noexcept override { return inner_->shared(); }
  [[nodiscard]] result<std::vector<due_ticket>> claim_due(timestamp now,
                                                          std::size_t limit) override {
    return inner_->claim_due(now, limit);
  }
  [[nodiscard]] result<void> flush() override { return inner_->flush(); }

  /// Ticket ids appended to since the last call (denial streams left out),
  /// in append order, possibly repeated; the list is emptied.
  [[nodiscard]] std::vector<std::string> take_changed() { return std::exchange(changed_, {}); }
  /// Breaches appended since the last call, in append order; emptied.
  [[nodiscard]] std::vector<seen_breach> take_breaches() { return std::exchange(breaches_, {}); }
  /// Forgets the changes noted so far (the run's own commands).
  void forget_changes() noexcept { changed_.clear(); }

  /// Tickets that closed since the last call, in append order, each once:
  /// the append that held the ticket's `closed` event with a summary that
  /// says closed (a closed ticket is never closed again: nothing reopens a
  /// ticket). Emptied.
  [[nodiscard]] std::vector<std::string> take_closed() { return std::exchange(closed_, {}); }
  /// take_closed() appended to `out` instead: both lists keep their
  /// capacity (a run takes closings after almost every command).
  void take_closed_into(std::vector<std::string>& out) {
    for (std::string& id : closed_) out.push_back(std::move(id));
    closed_.clear();
  }
  /// True when a ticket closed since the last take_closed().
  [[nodiscard]] bool any_closed() const noexcept { return !closed_.empty(); }
  /// Streams other than denial streams appended without a summary (a
  /// forecast's copy of a live stream whose summary the live store lacks),
  /// in append order; emptied.
  [[nodiscard]] std::vector<std::string> take_unsummarised() {
    return std::exchange(unsummarised_, {});
  }

  /// The earliest timer instant an append announced (a summary's
  /// next_timer) and not yet dropped, or timestamp::max(). Announced
  /// instants are never taken back (a later append may move the ticket's
  /// timer): waking for one that moved costs one empty advance.
  [[nodiscard]] timestamp next_timer() const noexcept {
    if (timers_.empty()) return timestamp::max();
    return timestamp{std::chrono::seconds{timers_.top()}};
  }
  /// Drops the announced instants at or before `now` (advance fired them).
  void drop_timers_through(timestamp now);

  /// Events appended through this store (copied ones included).
  [[nodiscard]] std::uint64_t events() const noexcept { return events_; }

 private:
  store* inner_;
  std::vector<std::string> changed_;
  std::vector<seen_breach> breaches_;
  std::vector<std::string> closed_;
  std::vector<std::string> unsummarised_;
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> timers_;
  // The last instant pushed, and the latest instant dropped through: an
  // announcement of the instant pushed last, while it is still queued
  // (later than the drops), is not queued twice (a ticket's summary
  // announces the same timer on most of its appends).
  std::int64_t last_timer_ = 0;
  std::int64_t dropped_through_ = std::numeric_limits<std::int64_t>::min();
  bool pushed_any_ = false;
  std::uint64_t events_ = 0;
};

/// The indicators of a run, fed one ticket's trail at a time: a ticket's
/// trail is added once it has closed (it is complete then: a closed ticket
/// takes no action and fires no timer), the trails still open are added at
/// the end, so that the run need not hold every trail until then. On the
/// run's own memory store a closed ticket's events leave the store
/// (memory_store::release_trail, read as views of the store's records
/// while it holds them); a store the caller gave (a database, a memory store the
/// caller reads afterwards) keeps them, and they are read (load()).
///
/// The report does not depend on the order trails are added in: the
/// accumulator lists every row, unit, person, manager and backlog point
/// sorted by name, ranks overdue tickets by (overdue time, ticket id),
/// counts in integers and sorts its duration samples before summing them,
/// so adding tickets as they close gives the report that adding every
/// stream at the end in the store's order gave.
class trail_fold {
 public:
  /// `events`: the run's store, through which every append went (so that
  /// the closings it noted are all of the store's). `own`: the memory
  /// store under it when it is the run's own (trails released), else
  /// nullptr (trails kept). Both must outlive the fold.
  trail_fold(recording_store& events, memory_store* own, kpi::accumulator indicators) noexcept
      : events_(&events), own_(own), indicators_(std::move(indicators)) {}

  /// Adds the trails of the tickets closed since the last call, except the
  /// ones `held(id)` (a callable taking const std::string&) says the run
  /// still looks at: the engine reads a closed ticket back from the store
  /// when it is asked about it again, so those wait for a later call.
  /// Errors: the store's, and accumulator::add's (nothing more is added).
  template <class Held>
  [[nodiscard]] result<void> fold_closed(Held&& held) {
    if (!events_->any_closed() && waiting_.empty()) return {};  // most calls: nothing closed
    events_->take_closed_into(waiting_);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < waiting_.size(); ++i) {
      if (held(std::as_const(waiting_[i]))) {
        if (kept != i) waiting_[kept] = std::move(waiting_[i]);
        ++kept;
        continue;
      }
      if (auto ok = fold(waiting_[i]); !ok) {
        waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(kept),
                       waiting_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        return ok;
      }
    }
    waiting_.resize(kept);
    return {};
  }

  /// Adds what is left: the closed tickets still waiting, every open
  /// ticket's trail and the streams appended without a summary (denial
  /// streams hold no indicator); then the report. Call it once, last.
  /// Errors: the store's, and accumulator::add's.
  [[nodiscard]] result<kpi::report> finish();

  /// Trails added so far as their ticket closed.
  [[nodiscard]] std::uint64_t folded_closed() const noexcept { return folded_closed_; }

 private:
  /// Takes a closed ticket's trail (released or read) and adds it.
  [[nodiscard]] result<void> fold(const std::string& ticket_id);
  [[nodiscard]] result<void> add_stored(const std::string& id);

  recording_store* events_;
  memory_store* own_;
  kpi::accumulator indicators_;
  std::vector<std::string> waiting_;  // closed, still held by the run
  std::uint64_t folded_closed_ = 0;
};

}  // namespace tierflow::sim::detail
