// SPDX-License-Identifier: MIT
// The event model of the audit trail: what happened to a ticket, one event at
// a time, each sealed into its ticket's hash chain.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/calendar.hpp>

namespace tierflow {

/// What an event records. The numeric values are part of the canonical
/// encoding (tierflow/audit.hpp) and never change; new types are appended
/// with new numbers.
enum class event_type : std::uint8_t {
  opened = 1,             ///< The ticket was opened (type, channel, customer attributes).
  routed = 2,             ///< Routing picked a tier/queue; details name the rule and its inputs.
  accepted = 3,           ///< A person took the ticket; the first one becomes its owner.
  transitioned = 4,       ///< An action moved the ticket from one state to another.
  handed_off = 5,         ///< Sent to a lateral team; the owner stays.
  returned = 6,           ///< Came back from a team, or was returned to the router.
  escalated = 7,          ///< Moved up the ladder or to a named tier; details name the rule.
  deadline_warned = 8,    ///< A deadline reached its warning percentage.
  deadline_breached = 9,  ///< A deadline passed.
  paused = 10,            ///< The SLA clocks stopped (a clock-pausing state was entered).
  resumed = 11,           ///< The SLA clocks run again.
  notified = 12,          ///< Someone (owner, assignee) was notified.
  noted = 13,             ///< A free-text note was added.
  denied = 14,            ///< A command was rejected; details say which and why.
  closed = 15,            ///< The ticket reached a terminal state.
  reopened = 16,          ///< A closed ticket was opened again.
  deadline_stopped = 17,  ///< A deadline stopped (an `until` state): met or missed, time counted.
};

/// Every event_type, in numeric order.
inline constexpr std::array<event_type, 17> all_event_types{
    event_type::opened,       event_type::routed,          event_type::accepted,
    event_type::transitioned, event_type::handed_off,      event_type::returned,
    event_type::escalated,    event_type::deadline_warned, event_type::deadline_breached,
    event_type::paused,       event_type::resumed,         event_type::notified,
    event_type::noted,        event_type::denied,          event_type::closed,
    event_type::reopened,     event_type::deadline_stopped};

/// The snake_case name of an event type, e.g. "handed_off", as used in the
/// JSON Lines and CSV exports; "unknown" for a value outside the enum.
[[nodiscard]] constexpr std::string_view to_string(event_type type) noexcept {
  switch (type) {
    case event_type::opened: return "opened";
    case event_type::routed: return "routed";
    case event_type::accepted: return "accepted";
    case event_type::transitioned: return "transitioned";
    case event_type::handed_off: return "handed_off";
    case event_type::returned: return "returned";
    case event_type::escalated: return "escalated";
    case event_type::deadline_warned: return "deadline_warned";
    case event_type::deadline_breached: return "deadline_breached";
    case event_type::paused: return "paused";
    case event_type::resumed: return "resumed";
    case event_type::notified: return "notified";
    case event_type::noted: return "noted";
    case event_type::denied: return "denied";
    case event_type::closed: return "closed";
    case event_type::reopened: return "reopened";
    case event_type::deadline_stopped: return "deadline_stopped";
  }
  return "unknown";
}

/// The event type named `name` (the inverse of to_string), or nullopt.
[[nodiscard]] constexpr std::optional<event_type> parse_event_type(std::string_view name) noexcept {
  for (const event_type t : all_event_types) {
    if (to_string(t) == name) return t;
  }
  return std::nullopt;
}

/// A SHA-256 digest: the hash of an event and the link to its predecessor.
using event_hash = std::array<std::uint8_t, 32>;

/// The ordered key/value details of an event, e.g. {"rule", "key_customer"},
/// {"from_tier", "service_centre"}, {"to_tier", "regional_manager"}. Order is
/// significant (it is hashed) and kept by every export. Keys should be unique
/// within an event; that is not enforced, and duplicates are kept as given.
using event_details = std::vector<std::pair<std::string, std::string>>;

/// One entry in a ticket's audit trail.
///
/// An event is a plain value: building one changes nothing. It becomes part of
/// the trail when it is sealed (tierflow/audit.hpp: `seal`,
/// `event_stream::append`), which sets `prev_hash` and `hash`. Every field
/// except `hash` itself is covered by `hash`; strings are arbitrary bytes
/// (UTF-8 expected, and required for a faithful JSON export).
struct event {
  /// The ticket whose stream this event belongs to.
  std::string ticket_id;
  /// 1-based position in the ticket's stream: the first event is 1, and
  /// there are no gaps.
  std::uint64_t sequence = 0;
  /// When it happened (engine clock, UTC, seconds).
  timestamp time{};
  /// Who caused it: a person's id, or a system actor such as "system" for
  /// timers.
  std::string actor_id;
  /// The workflow and the version the ticket runs on.
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  /// What happened.
  event_type type = event_type::noted;
  /// The specifics (rule id, from/to state, from/to tier, reason, action …).
  event_details details;
  /// The `hash` of the previous event of the stream; all zero for sequence 1.
  event_hash prev_hash{};
  /// SHA-256 over the canonical encoding of this event and `prev_hash`
  /// (tierflow/audit.hpp: hash_event).
  event_hash hash{};

  /// The value of the first detail with this key, or nullopt. O(details).
  [[nodiscard]] std::optional<std::string_view> detail(std::string_view key) const noexcept {
    for (const auto& [k, v] : details) {
      if (k == key) return std::string_view{v};
    }
    return std::nullopt;
  }

  friend bool operator==(const event&, const event&) = default;
};

/// An event read without a copy of its texts: the fields of `event` but
/// the hashes, each text viewing storage that whoever hands the view out
/// keeps for as long as it says (memory_store::release_trail lends them for
/// a visit). kpi::accumulator folds views as it folds events.
struct event_view {
  std::string_view ticket_id;
  std::uint64_t sequence = 0;
  timestamp time{};
  std::string_view actor_id;
  std::string_view workflow_id;
  std::uint32_t workflow_version = 0;
  event_type type = event_type::noted;
  std::span<const std::pair<std::string_view, std::string_view>> details;

  /// The value of the first detail with this key, or nullopt (as
  /// event::detail).
  [[nodiscard]] std::optional<std::string_view> detail(std::string_view key) const noexcept {
    for (const auto& [k, v] : details)
      if (k == key) return v;
    return std::nullopt;
  }
};

}  // namespace tierflow
