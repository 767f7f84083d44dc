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
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/notification.hpp>

#include "engine/outcomes.hpp"
#include "engine/ticket_record.hpp"

namespace tierflow::detail {

/// The actor of what the engine does by itself (timers).
inline constexpr std::string_view system_actor = "system";

/// The events of one command, built against the ticket's record: emit()
/// applies each event to the record at once, so later steps of the same
/// command (the next escalation rule, its `from` tiers) see its effect.
struct command {
  command(const compiled_catalog& catalog, ticket_record& record, timestamp at, std::string_view by)
      : cc(catalog),
        rec(record),
        time(std::max(at, record.last_time)),
        actor(by),
        base_version(record.version),
        base_head(record.head) {
    // An open emits about six events and an action two to four: one
    // allocation instead of a growth (and a move of every event) at 1, 2, 4.
    events.reserve(8);
  }

  const compiled_catalog& cc;
  ticket_record& rec;
  /// Never before the ticket's last event: a trail's times do not run back.
  timestamp time;
  std::string_view actor;
  /// The stream the events are built on: the append's expected version and
  /// the hash they chain from.
  std::uint64_t base_version;
  event_hash base_head;
  std::vector<event> events;
  std::vector<notification> notes;
  /// The first event the fold refused (ticket_record::apply): the command
  /// built something its own definitions cannot replay. commit() refuses
  /// to store such a command.
  std::optional<error> fault;

  /// Appends an event with these details (keys: tierflow/event_schema.hpp)
  /// and applies it to the record; then, for each deadline the event
  /// stopped (ticket_record::stopped: an `until` state entered, a close),
  /// a deadline_stopped event with its outcome (outcomes.hpp). The
  /// reference is to the event asked for, not those that follow it.
  event& emit(event_type type, event_details details) {
    const std::size_t at = events.size();
    append(type, std::move(details));
    if (type != event_type::deadline_stopped && !rec.stopped.empty()) {
      // Each deadline_stopped applied clears rec.stopped: the list is read
      // from a copy, kept in the command so that a second close or `until`
      // in the same command reuses its storage.
      stopped_.assign(rec.stopped.begin(), rec.stopped.end());
      for (const std::size_t c : stopped_)
        append(event_type::deadline_stopped, stopped_details(rec, c));
    }
    return events[at];
  }

  /// emit() with the details written in place: {{detail_key::x, value}, …}.
  /// The keys are string_views (event_schema.hpp), which do not convert to
  /// the std::string of event_details implicitly.
  event& emit(event_type type,
              std::initializer_list<std::pair<std::string_view, std::string_view>> details) {
    event_details d;
    d.reserve(details.size());
    for (const auto& [key, value] : details) d.emplace_back(key, value);
    return emit(type, std::move(d));
  }

 private:
  /// The clocks the last event stopped, copied out of the record (emit).
  std::vector<std::size_t> stopped_;

  void append(event_type type, event_details details) {
    // Built where it is kept: no event moved into the vector.
    event& e = events.emplace_back();
    e.ticket_id = rec.id;
    e.sequence = rec.version + 1;
    e.time = time;
    e.actor_id = actor;
    if (rec.flow != nullptr) {
      e.workflow_id = rec.flow->wf->id;
      e.workflow_version = rec.flow->wf->version;
    }
    e.type = type;
    e.details = std::move(details);
    if (auto ok = rec.apply(cc, e); !ok && !fault) fault = std::move(ok).error();
  }
};

}  // namespace tierflow::detail
