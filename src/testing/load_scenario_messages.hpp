// SPDX-License-Identifier: MIT
// The diagnostic texts of the scenario-file loader that the definitions'
// catalogue (language/messages.hpp) does not already hold, in one place so
// that tests and the bad-scenario corpus assert exact strings.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

/// Lowercase and terse like language/messages.hpp; `hint` parameters take
/// detail::did_you_mean()'s suffix, "" or " (did you mean 'x'?)".
namespace tierflow::detail::scenario_msg {

/// `offset`: the organisation's, as "+08:00".
inline std::string invalid_instant(std::string_view text, std::string_view offset) {
  return fmt::format(
      "invalid instant '{}': expected local time YYYY-MM-DD HH:MM, or YYYY-MM-DDTHH:MM{}", text,
      offset);
}
/// `key`: "ago".
inline std::string needs_calendar_units(std::string_view key, std::string_view text) {
  return fmt::format("'{}' must be in calendar units (m, h, d), not '{}'", key, text);
}
/// "unknown action 'clasify' in workflow 'complaint' (did you mean 'classify'?)";
/// `what`: "state", "action", "deadline", "flag", "routing rule",
/// "notification reason".
inline std::string unknown_in_workflow(std::string_view what, std::string_view id,
                                       std::string_view workflow, std::string_view hint) {
  return fmt::format("unknown {} '{}' in workflow '{}'{}", what, id, workflow, hint);
}
/// A flag no escalation rule of the workflow sets, when it sets none.
inline std::string workflow_sets_no_flags(std::string_view flag, std::string_view workflow) {
  return fmt::format("unknown flag '{}': no escalation rule of workflow '{}' sets a flag", flag,
                     workflow);
}

// --- Steps -----------------------------------------------------------------------------------

inline std::string step_needs_kind() { return "a step needs one of 'act', 'advance' or 'expect'"; }
inline std::string two_step_kinds(std::string_view first, std::string_view second) {
  return fmt::format("'{}' and '{}' cannot both be given in one step: write two steps", first,
                     second);
}
/// `key`: "by", "note", "error".
inline std::string key_needs_act(std::string_view key) {
  return fmt::format("'{}' belongs to an 'act' step", key);
}
inline std::string advance_needs_target() { return "'advance' needs 'to' or 'to_due'"; }
inline std::string advance_two_targets() { return "'to' and 'to_due' cannot both be given"; }
inline std::string plus_needs_to_due() { return "'plus' goes with 'to_due'"; }
/// `status`: "pending" or "paused".
inline std::string due_without_clock(std::string_view status) {
  return fmt::format("a {} deadline has no due instant: leave out 'due' or expect 'running'",
                     status);
}
inline std::string invalid_count(std::string_view text) {
  return fmt::format("invalid count '{}': expected a whole number, 0 or more", text);
}
/// A queue "unit/region" whose unit keeps one queue for everyone.
inline std::string unit_not_split(std::string_view unit) {
  return fmt::format("'{}' is not split by region: write the queue as '{}'", unit, unit);
}
/// `event`: the event type; `hint` among its detail keys.
inline std::string unknown_detail(std::string_view key, std::string_view event,
                                  std::string_view hint) {
  return fmt::format("unknown detail '{}' of '{}' events{}", key, event, hint);
}
/// A `classification` on an act step whose action lets the actor give none
/// (it records none, or a fixed value).
inline std::string action_takes_no_classification(std::string_view action,
                                                  std::string_view workflow) {
  return fmt::format(
      "action '{}' of workflow '{}' records no classification the actor gives: leave out "
      "'classification' or expect an 'error'",
      action, workflow);
}
/// An act step without the value its action's classification needs;
/// `values`: "bill, payment, service, policy".
inline std::string classification_needed(std::string_view action, std::string_view name,
                                         std::string_view values) {
  return fmt::format("action '{}' records classification '{}': give 'classification', one of {}",
                     action, name, values);
}
inline std::string reserved_actor(std::string_view id) {
  return fmt::format("actor id '{}' is reserved for the engine", id);
}

// --- Example tables --------------------------------------------------------------------------

/// `written`: "$clas" or "{clas}", as the case writes it; `hint` names the
/// closest column the same way.
inline std::string undefined_variable(std::string_view written, std::string_view hint) {
  return fmt::format("undefined variable '{}': no row of 'examples' has that column{}", written,
                     hint);
}
inline std::string unused_column(std::string_view column) {
  return fmt::format("column '{}' is not used: the case has no '${}' and its name no '{{{}}}'",
                     column, column, column);
}
inline std::string name_variable_not_scalar(std::string_view column) {
  return fmt::format("'{}' is used in the case name ('{{{}}}') and must be a scalar", column,
                     column);
}

// --- Files ---------------------------------------------------------------------------------------

inline std::string no_scenario_files() {
  return "no scenario test files: expected *.test.yaml here or in its tests/ subdirectory";
}

}  // namespace tierflow::detail::scenario_msg
