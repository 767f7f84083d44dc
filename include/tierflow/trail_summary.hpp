// SPDX-License-Identifier: MIT
// What a ticket's trail states about the ticket, read without its workflow
// definition: the check of a store's summary row against the trail it
// summarises, for audits that hold no catalog (`tierflow audit verify`,
// `tierflow audit show`).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <tierflow/calendar.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

namespace tierflow {

/// The fields of a ticket_summary that a ticket's events state outright,
/// folded from the events and the detail keys of tierflow/event_schema.hpp
/// the way the engine's fold applies them, but with no workflow definition:
///
/// | field                        | from                                          |
/// |------------------------------|-----------------------------------------------|
/// | ticket_id                    | the events' ticket id                         |
/// | ticket_type, customer_id     | `opened`: `type`, `customer`                  |
/// | workflow_id/_version         | `opened`: the event's workflow id and version |
/// | opened_at                    | `opened`: its time                            |
/// | state                        | `transitioned`: `to`; `paused`, `resumed`, `closed`: `state` |
/// | unit, region (the queue)     | `routed`: `unit`, `region`; `handed_off`: `to_unit`, `region`; `returned` (kind handoff): back where the handoff came from; `escalated`: `to_tier`, `region` (or, during a handoff, where the team returns it) |
/// | owner                        | the first `accepted` event's `person`         |
/// | assignee                     | `accepted` with `assignee` true: `person`; cleared by every move of the queue |
/// | closed, closed_at            | `closed` (its time); `reopened` clears them   |
/// | version                      | the last event's sequence number              |
///
/// What needs the definition is not here: the initial state (an opened
/// ticket is in its workflow's initial state until its first transition,
/// so `state` is empty until then), next_timer and nearest_due (the
/// deadlines need the calendars).
struct trail_summary {
  std::string ticket_id;
  std::string customer_id;
  std::string ticket_type;
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  /// Empty until the trail's first transition (see above).
  std::optional<std::string> state;
  std::string unit;
  std::string region;
  std::string owner;
  std::string assignee;
  bool closed = false;
  timestamp opened_at{};
  std::optional<timestamp> closed_at;
  std::uint64_t version = 0;
  friend bool operator==(const trail_summary&, const trail_summary&) = default;
};

/// Folds a ticket's trail (its events in order, as stored; verify it first,
/// e.g. with read_verified: this fold trusts what it reads).
///
/// Errors: errc::invalid_argument when `stream` is empty or its first event
/// is not `opened` (a denial stream, the denial log: not a ticket's trail).
/// Events it has no use for (notified, denied, deadlines …) only count for
/// `version`. O(n); never throws but std::bad_alloc.
[[nodiscard]] result<trail_summary> summarize_trail(std::span<const event> stream);

/// One field on which a summary row and its trail disagree, values as
/// text: "owner", stored "mallory", stated "li.wei". Times are ISO 8601
/// UTC, absent ones "" ; booleans "true"/"false".
struct summary_difference {
  std::string field;
  std::string stored;
  std::string stated;
  friend bool operator==(const summary_difference&, const summary_difference&) = default;
};

/// The fields of `row` that disagree with what `trail` states, in the order
/// of the ticket_summary's members; empty when the row agrees. `state` is
/// compared only when the trail states one; next_timer and nearest_due are
/// never compared (see trail_summary).
[[nodiscard]] std::vector<summary_difference> differences(const ticket_summary& row,
                                                          const trail_summary& trail);

}  // namespace tierflow
