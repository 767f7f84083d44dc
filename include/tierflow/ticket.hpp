// SPDX-License-Identifier: MIT
// What a host hands the engine (the actor, an open request, an act request)
// and what it gets back (the ticket view, the routing decision).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/attribute.hpp>
#include <tierflow/calendar.hpp>

namespace tierflow {

/// A person acting on tickets, as the host authenticated them.
struct actor {
  /// The person's id in the host (staff number); recorded in every event.
  std::string id;
  /// Role ids from the organisation file (csr, regional_manager, …).
  std::vector<std::string> roles;
  /// The region the person works in; required for roles in region-split
  /// units (a regional account manager serves one region).
  std::string region;
};

/// Named attribute values: `customer.<name>` or `ticket.<name>` without the
/// prefix, in any order. Names must be declared in the schema.
using attribute_values = std::vector<std::pair<std::string, value>>;

/// Input limits: a request beyond them is refused with errc::limit_exceeded.
inline constexpr std::size_t max_id_bytes = 128;
inline constexpr std::size_t max_text_bytes = 16 * 1024;
inline constexpr std::size_t max_attributes = 256;

/// A new demand (a call to 95598, a visit to a hall, a manager's own entry).
struct open_request {
  /// The ticket type (complaint, fault_repair, …): picks the workflow.
  std::string type;
  /// The channel it came in by (an id from the organisation's channels).
  std::string channel;
  /// The host's customer number: the key of the contact record.
  std::string customer_id;
  /// The customer's attributes (importance_class, region, voltage_kv, …).
  /// Derived attributes (history counts) are computed by the engine and
  /// must not be supplied.
  attribute_values customer;
  /// The workflow's ticket fields (complaint_class, …).
  attribute_values fields;
  std::string description;
  /// The host's own reference (a 95598 work-order number), if any.
  std::string external_ref;
  /// Who registers it: recorded as the actor of `opened`. Not checked
  /// against roles: anyone the host lets in may register a demand.
  std::string opened_by;
};

/// A staff action on a ticket.
struct act_request {
  std::string ticket_id;
  /// An action id of the ticket's current state.
  std::string action;
  actor by;
  /// Free text; required when the action says `note: true`.
  std::string note;
  /// Optimistic concurrency: the ticket version the caller saw
  /// (ticket_view::version). When given and different, the command is
  /// refused with errc::conflict.
  std::optional<std::uint64_t> expected_version;
  /// The value the action records for its classification, when the
  /// definition leaves it to the actor (`classify: NAME`): required then,
  /// one of the classification's values; must be empty otherwise
  /// (errc::invalid_argument, denied and audited). Last, so that
  /// brace-initialised requests of earlier releases still compile.
  std::string classification{};
};

/// Where a ticket is: a tier or a team, the region queue for region-split
/// units, and the person who took it there (empty while it waits in the
/// queue).
struct assignment {
  std::string unit;
  std::string region;
  std::string person;
  friend bool operator==(const assignment&, const assignment&) = default;
};

/// The state of one deadline clock of a ticket.
enum class deadline_status : std::uint8_t {
  pending,  ///< not started yet (its `from` state not reached)
  running,  ///< counting
  paused,   ///< stopped while the ticket waits in a clock-pausing state
  met,      ///< an `until` state was reached in time
  missed,   ///< an `until` state was reached, after the deadline
};

/// "pending", "running", "paused", "met" or "missed".
[[nodiscard]] constexpr std::string_view to_string(deadline_status s) noexcept {
  switch (s) {
    case deadline_status::pending: return "pending";
    case deadline_status::running: return "running";
    case deadline_status::paused: return "paused";
    case deadline_status::met: return "met";
    case deadline_status::missed: return "missed";
  }
  return "pending";
}

/// One deadline of a ticket as of a given instant.
struct deadline_view {
  /// The deadline id, or "step" for the current state's step limit.
  std::string id;
  deadline_status status = deadline_status::pending;
  /// The length that applies to this ticket ("24h", "5bd").
  std::string within;
  /// When it falls due; absent while pending, and while paused (the due
  /// instant depends on when the clock resumes).
  std::optional<timestamp> due;
  /// Working seconds left in the deadline's calendar (negative: overdue
  /// by that much). Meaningful while running or paused.
  std::int64_t remaining_seconds = 0;
  /// The deadline has passed (while running, or it was missed).
  bool breached = false;
  friend bool operator==(const deadline_view&, const deadline_view&) = default;
};

/// Time a ticket spent with one unit, attributed as it moves.
struct unit_time {
  std::string unit;
  /// Wall-clock seconds while assigned to the unit.
  std::int64_t seconds = 0;
  /// Working seconds of the workflow's calendar in the same periods.
  std::int64_t working_seconds = 0;
  friend bool operator==(const unit_time&, const unit_time&) = default;
};

/// The current view of a ticket, as of `as_of`.
struct ticket_view {
  std::string id;
  std::string type;
  std::string channel;
  std::string customer_id;
  /// The customer's region (customer.region), "" if not given.
  std::string region;
  std::string external_ref;
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  std::string state;
  /// In a terminal state.
  bool closed = false;
  /// Sitting in a clock-pausing state.
  bool paused = false;
  /// The first person who took the ticket (首問負責人); "" until someone has.
  std::string owner;
  assignment assignee;
  /// The tier the ticket belongs to on the ladder (the tier it returns to
  /// from a handoff), and its level (0 = bottom).
  std::string tier;
  std::size_t tier_level = 0;
  /// How many times the ticket moved up the ladder.
  std::uint32_t escalations = 0;
  /// Teams it is handed off to, outermost first ([] = not handed off).
  std::vector<std::string> handoffs;
  /// Flags set by escalation rules (repeat, supervised, overdue, …), sorted.
  std::vector<std::string> flags;
  std::vector<deadline_view> deadlines;
  std::vector<unit_time> time_by_unit;
  timestamp opened_at{};
  std::optional<timestamp> closed_at;
  /// The number of events in the ticket's stream: pass it back as
  /// act_request::expected_version.
  std::uint64_t version = 0;
  /// The instant the deadlines were evaluated at.
  timestamp as_of{};
  /// The nearest due instant of a running deadline, if any.
  [[nodiscard]] std::optional<timestamp> nearest_due() const noexcept {
    std::optional<timestamp> best;
    for (const auto& d : deadlines)
      if (d.status == deadline_status::running && d.due && (!best || *d.due < *best)) best = d.due;
    return best;
  }
  /// True if a deadline has passed and its target is not reached yet.
  [[nodiscard]] bool overdue() const noexcept {
    for (const auto& d : deadlines)
      if (d.breached && (d.status == deadline_status::running || d.status == deadline_status::paused))
        return true;
    return false;
  }
  [[nodiscard]] bool has_flag(std::string_view flag) const noexcept {
    for (const auto& f : flags)
      if (f == flag) return true;
    return false;
  }
  friend bool operator==(const ticket_view&, const ticket_view&) = default;
};

/// One routing rule as the router saw it.
struct rule_trace {
  std::string rule;
  bool matched = false;
  /// The fields the rule's condition reads and their values ("(absent)" when
  /// the ticket does not carry the field).
  std::vector<std::pair<std::string, std::string>> inputs;
  friend bool operator==(const rule_trace&, const rule_trace&) = default;
};

/// Why a ticket landed where it did.
struct routing_decision {
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  /// The rule that matched.
  std::string rule;
  /// The tier or team and region queue it assigns.
  assignment to;
  /// Every rule tried, in order, up to and including the one that matched.
  std::vector<rule_trace> trace;
  /// Open-time escalation rules that fired afterwards, and where the ticket
  /// ended: rule id and the unit after it.
  std::vector<std::pair<std::string, std::string>> escalations;
  friend bool operator==(const routing_decision&, const routing_decision&) = default;
};

}  // namespace tierflow
