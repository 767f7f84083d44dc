// SPDX-License-Identifier: MIT
// The run's view of its store: a decorator that forwards every call and
// notes what the engine appended, so that the run learns which waiting
// tickets a timer changed, when the next timer falls due, which deadlines
// were breached and how many events there are, without reading anything
// back.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> timers_;
  std::uint64_t events_ = 0;
};

}  // namespace tierflow::sim::detail
