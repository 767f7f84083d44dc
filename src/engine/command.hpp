// SPDX-License-Identifier: MIT
// One command in the making: the events it emits against a ticket's record.
//
// Private to the engine. Every change to a ticket is made by emitting an
// event and applying it to the ticket's record with the same fold that
// replay uses (ticket_record.cpp), so the live state and the replayed state
// cannot drift apart.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

#include "engine/detail_writer.hpp"
#include "engine/outcomes.hpp"
#include "engine/ticket_record.hpp"

namespace tierflow::detail {

/// The actor of what the engine does by itself (timers).
inline constexpr std::string_view system_actor = "system";

/// The events of one command, built against the ticket's record: emit()
/// applies each event to the record at once, so later steps of the same
/// command (the next escalation rule, its `from` tiers) see its effect.
///
/// The events are built in storage the thread keeps from command to
/// command (command::pool below): every field assigned, the strings and the
/// details written over what an earlier command left there. A transition
/// then allocates nothing for its events (a ticket id is longer than a
/// string holds inline; so are some detail keys, e.g. state_business_s).
struct command {
  command(const compiled_catalog& catalog, ticket_record& record, timestamp at, std::string_view by)
      : cc(catalog),
        rec(record),
        time(std::max(at, record.last_time)),
        actor(by),
        base_version(record.version),
        base_head(record.head),
        kept_(borrow()),
        store_(kept_->events) {}

  command(const command&) = delete;
  command& operator=(const command&) = delete;
  ~command() { give_back(std::move(kept_)); }

  const compiled_catalog& cc;
  ticket_record& rec;
  /// Never before the ticket's last event: a trail's times do not run back.
  timestamp time;
  std::string_view actor;
  /// The stream the events are built on: the append's expected version and
  /// the hash they chain from.
  std::uint64_t base_version;
  event_hash base_head;
  std::vector<notification> notes;
  /// The first event the fold refused (ticket_record::apply): the command
  /// built something its own definitions cannot replay. commit() refuses
  /// to store such a command.
  std::optional<error> fault;

  /// The events emitted so far, in order.
  [[nodiscard]] std::span<event> events() noexcept { return {store_.data(), count_}; }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  /// What a store may move the events out of (append_request::movable):
  /// the vector when it holds exactly the events, else nullptr (it holds
  /// spare events of an earlier command beyond them, which the store must
  /// not take for the command's).
  [[nodiscard]] std::vector<event>* movable() noexcept {
    return store_.size() == count_ ? &store_ : nullptr;
  }
  /// The buffer the ticket's summary is written into for the append
  /// (engine::impl::commit), its strings kept from command to command.
  [[nodiscard]] ticket_summary& summary() noexcept { return kept_->summary; }
  /// A routing decision to route into (detail::route_into) when the
  /// caller does not keep it: only emit_routed reads it. Kept from command
  /// to command with the rest, so that an open's routing allocates nothing.
  [[nodiscard]] routing_decision& routing() noexcept { return kept_->routing; }

  /// Begins the next event: the writer of its details, which the caller
  /// fills, then emit(type). Nothing is emitted in between (emit would
  /// begin its own event over this one).
  detail_writer& details() {
    event& e = slot();
    writer_.begin(e.details);
    pending_ = true;
    return writer_;
  }

  /// Emits the event begun with details() (none begun: one without
  /// details) and applies it to the record; then, for each deadline the
  /// event stopped (ticket_record::stopped: an `until` state entered, a
  /// close), a deadline_stopped event with its outcome (outcomes.hpp).
  void emit(event_type type) {
    if (!pending_) details();
    append(type);
    if (type != event_type::deadline_stopped && !rec.stopped.empty()) {
      // Each deadline_stopped applied clears rec.stopped: the list is read
      // from a copy, kept in the command so that a second close or `until`
      // in the same command reuses its storage.
      stopped_.assign(rec.stopped.begin(), rec.stopped.end());
      for (const std::size_t c : stopped_) {
        add_stopped_outcome(details(), rec, c);
        append(event_type::deadline_stopped);
      }
    }
  }

  /// emit() with these details: {{detail_key::x, value}, …}.
  void emit(event_type type,
            std::initializer_list<std::pair<std::string_view, std::string_view>> details_given) {
    detail_writer& w = details();
    for (const auto& [key, value] : details_given) w.add(key, value);
    emit(type);
  }

 private:
  /// What a command builds in, kept by each thread between its commands:
  /// one per command in flight. A command runs inside another only if a
  /// host's code calls the engine from within one (a store's append, a
  /// notification sink); each takes its own, so the inner one cannot
  /// write over what the outer one is storing.
  struct storage {
    std::vector<event> events;
    ticket_summary summary;
    routing_decision routing;
  };
  static std::vector<std::unique_ptr<storage>>& pool() noexcept {
    thread_local std::vector<std::unique_ptr<storage>> spare;
    return spare;
  }
  /// Storage from the pool (its events those of an earlier command, to be
  /// written over), or new storage.
  static std::unique_ptr<storage> borrow() {
    auto& spare = pool();
    if (spare.empty()) {
      auto fresh = std::make_unique<storage>();
      // An open emits about six events and an action two to four: one
      // allocation instead of a growth at 1, 2, 4.
      fresh->events.reserve(8);
      return fresh;
    }
    std::unique_ptr<storage> s = std::move(spare.back());
    spare.pop_back();
    return s;
  }
  /// Returns storage to the pool, with its events (their strings keep
  /// their capacity). The pool keeps a few: as many as commands were ever
  /// in flight at once on the thread, up to max_spare.
  static void give_back(std::unique_ptr<storage>&& s) noexcept {
    auto& spare = pool();
    if (spare.size() >= max_spare) return;
    try {
      spare.push_back(std::move(s));
    } catch (...) {
      // Not kept: freed with the command.
    }
  }
  static constexpr std::size_t max_spare = 4;

  std::unique_ptr<storage> kept_;
  std::vector<event>& store_;
  /// The events emitted: store_[0, count_); the rest are spares.
  std::size_t count_ = 0;
  detail_writer writer_;
  bool pending_ = false;
  /// The clocks the last event stopped, copied out of the record (emit).
  std::vector<std::size_t> stopped_;

  /// The storage of the next event: a spare, or a new one.
  event& slot() {
    if (count_ == store_.size()) store_.emplace_back();
    return store_[count_];
  }

  /// Completes the event begun with details() and applies it: every field
  /// but the details assigned (a spare held an earlier command's event).
  void append(event_type type) {
    event& e = store_[count_];
    writer_.finish();
    pending_ = false;
    ++count_;
    write_text(e.ticket_id, rec.id);
    e.sequence = rec.version + 1;
    e.time = time;
    write_text(e.actor_id, actor);
    if (rec.flow != nullptr) {
      write_text(e.workflow_id, rec.flow->wf->id);
      e.workflow_version = rec.flow->wf->version;
    } else {
      e.workflow_id.clear();
      e.workflow_version = 0;
    }
    e.type = type;
    e.prev_hash = {};
    e.hash = {};
    if (auto ok = rec.apply(cc, e); !ok && !fault) fault = std::move(ok).error();
  }
};

}  // namespace tierflow::detail
