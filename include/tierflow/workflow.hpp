// SPDX-License-Identifier: MIT
// A workflow definition: states and their actions, deadlines, routing rules
// and escalation rules, as loaded from one workflow file.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/attribute.hpp>
#include <tierflow/condition.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/duration.hpp>

namespace tierflow {

/// "No index": a reference that did not resolve (the loader reported it).
inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

/// What an action does besides (optionally) moving to another state.
enum class action_effect : std::uint8_t {
  none,      ///< only a state change (or a recorded step that stays put)
  handoff,   ///< hand the ticket to a lateral team; it comes back with `return`
  give_back, ///< return from a handoff to whoever handed it off (`return: true`)
  escalate,  ///< move the ticket up the ladder: one step or to a named tier
  reroute,   ///< misrouted: send the ticket back to the router (`reroute: true`)
};

/// An action staff can take in a state.
struct action {
  std::string id;
  source_pos where;
  /// The state the ticket moves to; empty means it stays where it is.
  std::string to;
  std::size_t to_index = npos;
  /// Roles allowed to take the action (at least one).
  std::vector<std::string> by;
  action_effect effect = action_effect::none;
  /// handoff: the team; escalate: "next" or a tier id.
  std::string target;
  /// The actor takes the ticket: assignee becomes the actor, and the first
  /// person to claim it becomes its owner (首問負責) for good.
  bool claims = false;
  /// A note must accompany the action (e.g. why a ticket is sent back).
  bool needs_note = false;
  /// The classification the action records (`classify: NAME`, or
  /// `classify: { NAME: VALUE }`), empty for none; the value goes into the
  /// action's event as "class.NAME" (tierflow/event_schema.hpp) for the
  /// reports to group by (tierflow/kpi.hpp).
  std::string classifies;
  /// The value recorded, fixed by the definition (`{ NAME: VALUE }`); empty
  /// when the actor gives it with the action (act_request::classification).
  std::string classification_value;
};

/// A classification the workflow's actions record: a declared set of
/// values, e.g. the bill callback's issue class (bill, payment, service,
/// policy) or the complaint's closed-loop level.
struct classification {
  std::string id;
  source_pos where;
  std::vector<std::string> values;
  [[nodiscard]] bool allows(std::string_view candidate) const noexcept {
    for (const auto& v : values)
      if (v == candidate) return true;
    return false;
  }
};

/// A state of the workflow.
struct state {
  std::string id;
  source_pos where;
  std::string description;
  bool initial = false;
  bool terminal = false;
  /// While the ticket sits here, every deadline's clock stops (waiting for
  /// the customer: documents, own works, signature, payment).
  bool pauses_clock = false;
  /// Time allowed for one visit to this state (a step limit), if any.
  std::optional<duration> limit;
  std::vector<action> actions;
};

/// One alternative length of a deadline: the first case whose condition
/// holds when the ticket opens gives the length; a case without `when` always
/// holds.
struct deadline_case {
  std::optional<condition> when;
  duration within;
  source_pos where;
};

/// A named deadline that runs concurrently with the others (contact within
/// 24 h, reply within 4 bd, resolve within 5 bd).
struct deadline {
  std::string id;
  source_pos where;
  std::vector<deadline_case> cases;
  /// The clock starts when the ticket first enters this state; empty = at
  /// open.
  std::string from;
  std::size_t from_index = npos;
  /// The deadline is met when the ticket enters any of these states; empty =
  /// any terminal state.
  std::vector<std::string> until;
  std::vector<std::size_t> until_index;
  /// Calendar for business units; empty = the workflow's calendar.
  std::string calendar;
};

/// A routing rule: the first whose condition holds assigns the ticket.
struct routing_rule {
  std::string id;
  source_pos where;
  /// Absent: the rule always matches (the catch-all).
  std::optional<condition> when;
  /// A tier or team id; region-split units pick the customer's region queue.
  std::string assign;
  source_pos assign_where;
};

/// What makes an escalation rule fire.
enum class trigger : std::uint8_t {
  open,     ///< once, when the ticket is opened and routed
  action,   ///< whenever the named action is taken
  warning,  ///< when `percent` of a deadline has elapsed, before breach
  breach,   ///< when a deadline passes (plus `after`, if given)
};

/// The YAML spelling of a trigger: "open", "action", "warning", "breach".
[[nodiscard]] constexpr std::string_view to_string(trigger t) noexcept {
  switch (t) {
    case trigger::open: return "open";
    case trigger::action: return "action";
    case trigger::warning: return "warning";
    case trigger::breach: return "breach";
  }
  return "open";
}

/// One thing an escalation rule does.
struct escalation_step {
  enum class kind : std::uint8_t {
    notify,    ///< tell owner / assignee / a tier / a team / a role
    escalate,  ///< "next" or a tier id
    handoff,   ///< to a lateral team
    flag,      ///< set a named flag on the ticket (repeat, supervised, …)
  };
  kind what = kind::notify;
  std::string target;
  source_pos where;
};

/// An escalation rule.
struct escalation_rule {
  std::string id;
  source_pos where;
  trigger on = trigger::open;
  /// warning / breach: a deadline id, or "step" for the current state's limit.
  std::string deadline;
  /// warning: percentage of the deadline (1–99).
  std::uint32_t percent = 0;
  /// breach: fire this long after the breach instead of at it.
  std::optional<duration> after;
  /// action: the action id.
  std::string action;
  /// Extra condition that must hold when the trigger fires.
  std::optional<condition> when;
  /// Fire only while the ticket sits at one of these tiers; empty = any.
  std::vector<std::string> from_tiers;
  std::vector<escalation_step> steps;
};

/// A workflow file, as loaded. Ids are resolved to indices where the loader
/// could; unresolved references are reported and left at npos.
struct workflow {
  std::string id;
  source_pos where;
  std::string title;
  std::uint32_t version = 0;
  /// First day (local) on which new tickets take this version.
  std::chrono::sys_days effective{};
  std::vector<std::string> ticket_types;
  std::string calendar;
  /// Ticket fields the host supplies at open (`ticket.<name>`).
  std::vector<attribute> fields;
  /// What actions may record (`classifications:`), in file order.
  std::vector<classification> classifications;
  std::vector<deadline> deadlines;
  std::vector<state> states;
  std::size_t initial = npos;
  std::vector<routing_rule> routing;
  std::vector<escalation_rule> escalations;
  /// The content fingerprint of this definition: lowercase hex SHA-256 of
  /// the workflow's canonical form (the parsed YAML re-emitted, so comments
  /// and layout do not count; any change of meaning does). Recorded in each
  /// ticket's `opened` event; an engine refuses to restore tickets onto a
  /// definition whose fingerprint changed under the same id and version.
  /// Empty for workflows built in code rather than loaded.
  std::string fingerprint;

  /// The index of state `id`, or npos. O(number of states).
  [[nodiscard]] std::size_t state_index(std::string_view state_id) const noexcept {
    for (std::size_t i = 0; i < states.size(); ++i)
      if (states[i].id == state_id) return i;
    return npos;
  }
  [[nodiscard]] const classification* find_classification(std::string_view key) const noexcept {
    for (const auto& c : classifications)
      if (c.id == key) return &c;
    return nullptr;
  }
  [[nodiscard]] const deadline* find_deadline(std::string_view deadline_id) const noexcept {
    for (const auto& d : deadlines)
      if (d.id == deadline_id) return &d;
    return nullptr;
  }
  [[nodiscard]] bool serves(std::string_view ticket_type) const noexcept {
    for (const auto& t : ticket_types)
      if (t == ticket_type) return true;
    return false;
  }
};

}  // namespace tierflow
