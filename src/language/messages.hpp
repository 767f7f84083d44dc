// SPDX-License-Identifier: MIT
// The one catalogue of the loader's diagnostic texts, so that tests and the
// bad-file corpus assert exact strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

/// Every text is lowercase, terse and names the offending thing in quotes.
/// `hint` parameters take the suffix made by detail::did_you_mean(): either
/// "" or " (did you mean 'x'?)". The position goes in the diagnostic, never
/// in the text.
namespace tierflow::detail::msg {

// --- Reading files and resource limits ----------------------------------------------

inline std::string cannot_read_file(std::string_view reason) {
  return fmt::format("cannot read file: {}", reason);
}
inline std::string cannot_read_directory(std::string_view reason) {
  return fmt::format("cannot read directory: {}", reason);
}
inline std::string file_too_large(std::size_t limit) {
  return fmt::format("limit exceeded: file is larger than {} bytes", limit);
}
inline std::string too_deep(std::size_t limit) {
  return fmt::format("limit exceeded: nested deeper than {} levels", limit);
}
inline std::string too_many_aliases(std::size_t limit) {
  return fmt::format("limit exceeded: more than {} aliases", limit);
}
inline std::string too_many_nodes(std::size_t limit) {
  return fmt::format("limit exceeded: more than {} nodes with aliases expanded", limit);
}
/// True for the texts above that refuse a file for a resource limit.
inline bool is_limit(std::string_view message) noexcept {
  return message.starts_with("limit exceeded: ");
}
inline std::string recursive_alias() { return "alias refers to a node that contains it"; }
/// `what` is yaml-cpp's own text ("end of map not found", "illegal map value").
inline std::string yaml_syntax(std::string_view what) {
  return fmt::format("yaml syntax error: {}", what);
}
inline std::string empty_file() { return "file is empty"; }
inline std::string multiple_documents() { return "more than one yaml document in one file"; }
inline std::string internal_error(std::string_view what) {
  return fmt::format("internal error: {}", what);
}

// --- Shape of the document ---------------------------------------------------------------

/// `found`: "a list", "a mapping", "a scalar", "empty" (see node_kind_name).
inline std::string not_a_definition(std::string_view found) {
  return fmt::format("a definition file must be a mapping, not {}", found);
}
inline std::string unknown_file_kind(std::string_view key, std::string_view hint) {
  return fmt::format("first key must be 'organisation' or 'workflow', not '{}'{}", key, hint);
}
inline std::string duplicate_key(std::string_view key) {
  return fmt::format("duplicate key '{}'", key);
}
inline std::string unknown_key(std::string_view key, std::string_view hint) {
  return fmt::format("unknown key '{}'{}", key, hint);
}
inline std::string missing_key(std::string_view key) {
  return fmt::format("missing required key '{}'", key);
}
/// "'states' must be a mapping, not a list"; `what` names the node ("'by'",
/// "a routing rule"), `expected` and `found` carry their article.
inline std::string wrong_kind(std::string_view what, std::string_view expected,
                              std::string_view found) {
  return fmt::format("{} must be {}, not {}", what, expected, found);
}
inline std::string key_not_scalar(std::string_view found) {
  return fmt::format("a key must be a scalar, not {}", found);
}
/// `what`: "'by'", "'states'", ….
inline std::string must_not_be_empty(std::string_view what) {
  return fmt::format("{} must not be empty", what);
}
inline std::string invalid_identifier(std::string_view id) {
  return fmt::format("invalid identifier '{}': expected snake_case ([a-z][a-z0-9_]*)", id);
}
/// `what`: "team", "region", "routing rule", "enum value", ….
inline std::string duplicate(std::string_view what, std::string_view id) {
  return fmt::format("duplicate {} '{}'", what, id);
}
/// `what`: "state", "role", "team", "tier", "tier or team", "calendar",
/// "deadline", "action", "trigger", "operator", "type", "notify target",
/// "attribute", "ticket field", "ticket type".
inline std::string unknown(std::string_view what, std::string_view id, std::string_view hint) {
  return fmt::format("unknown {} '{}'{}", what, id, hint);
}

// --- Values ------------------------------------------------------------------------------------

inline std::string invalid_bool(std::string_view text) {
  return fmt::format("invalid boolean '{}': expected true or false", text);
}
inline std::string invalid_duration(std::string_view text) {
  return fmt::format(
      "invalid duration '{}': expected a whole positive number and a unit (m, h, d, bh, bd)", text);
}
inline std::string invalid_date(std::string_view text) {
  return fmt::format("invalid date '{}': expected YYYY-MM-DD", text);
}
inline std::string backward_date_range(std::string_view text) {
  return fmt::format("invalid date range '{}': the end is before the start", text);
}
inline std::string date_range_too_long(std::string_view text, int max_days) {
  return fmt::format("date range '{}' is longer than {} days", text, max_days);
}
inline std::string invalid_time_span(std::string_view text) {
  return fmt::format("invalid time span '{}': expected HH:MM-HH:MM", text);
}
inline std::string empty_time_span(std::string_view text) {
  return fmt::format("invalid time span '{}': the end must be after the start", text);
}
inline std::string overlapping_spans(std::string_view span, std::string_view earlier) {
  return fmt::format("time span '{}' overlaps '{}'", span, earlier);
}
inline std::string unsorted_spans(std::string_view span, std::string_view earlier) {
  return fmt::format("time spans out of order: '{}' is listed after '{}'", span, earlier);
}
inline std::string unknown_day(std::string_view text, std::string_view hint) {
  return fmt::format("unknown day '{}': expected mon … sun or a range like mon-fri{}", text, hint);
}
inline std::string backward_day_range(std::string_view text) {
  return fmt::format("invalid day range '{}': the first day must come before the last", text);
}
inline std::string day_repeated(std::string_view day) {
  return fmt::format("day '{}' is given hours twice", day);
}
inline std::string makeup_day_without_hours(std::string_view day) {
  return fmt::format("make-up working days work the hours of '{}', which has none", day);
}
inline std::string holiday_and_workday(std::string_view date) {
  return fmt::format("{} is both a holiday and a workday", date);
}
inline std::string invalid_calendar(std::string_view text) {
  return fmt::format("invalid calendar '{}': expected 24x7 or a mapping", text);
}
inline std::string invalid_timezone(std::string_view text) {
  return fmt::format("invalid timezone '{}': expected a fixed offset +HH:MM or -HH:MM", text);
}
inline std::string invalid_version(std::string_view text) {
  return fmt::format("invalid version '{}': expected a positive integer", text);
}
inline std::string invalid_percentage(std::string_view text) {
  return fmt::format("invalid percentage '{}': expected N% with N from 1 to 99", text);
}
/// `key`: "min" or "max".
inline std::string invalid_bound(std::string_view key, std::string_view text) {
  return fmt::format("invalid {} '{}': expected a number", key, text);
}
inline std::string min_above_max() { return "'min' is greater than 'max'"; }

// --- The organisation ----------------------------------------------------------------------------

inline std::string tier_and_team(std::string_view id) {
  return fmt::format("'{}' is both a tier and a team", id);
}
inline std::string by_region_needs_regions() { return "'by_region' needs 'regions'"; }
/// `type`: "region" or "channel"; `key`: "regions" or "channels".
inline std::string type_needs_entries(std::string_view type, std::string_view key) {
  return fmt::format("type '{}' needs the organisation's '{}'", type, key);
}
inline std::string enum_needs_values() {
  return "type 'enum' needs 'values': write { type: enum, values: [...] }";
}
/// "'values' does not fit type 'int'".
inline std::string key_does_not_fit_type(std::string_view key, std::string_view type) {
  return fmt::format("'{}' does not fit type '{}'", key, type);
}
inline std::string derived_only_for_customers() {
  return "'derived' is only for customer attributes";
}
inline std::string derived_needs_calendar_units(std::string_view text) {
  return fmt::format("'within' must be in calendar units (m, h, d), not '{}'", text);
}
inline std::string derived_type_not_served(std::string_view attribute, std::string_view type) {
  return fmt::format("derived attribute 'customer.{}' counts '{}', which no workflow serves",
                     attribute, type);
}
inline std::string required_only_for_customers() {
  return "'required' is only for customer attributes";
}
inline std::string derived_cannot_be_required() {
  return "a derived attribute cannot be 'required': the engine computes it";
}
inline std::string builtin_field(std::string_view name) {
  return fmt::format("'ticket.{}' is a built-in field", name);
}

// --- The catalog
// ------------------------------------------------------------------------------------

inline std::string no_organisation() { return "no organisation file"; }
/// `first`: "file:line:col" of the organisation that counts.
inline std::string second_organisation(std::string_view first) {
  return fmt::format("more than one organisation file (the first is at {})", first);
}
/// `first`: "file:line:col" of the first definition.
inline std::string duplicate_workflow(std::string_view id, std::uint32_t version,
                                      std::string_view first) {
  return fmt::format("workflow '{}' version {} is already defined at {}", id, version, first);
}
inline std::string ambiguous_ticket_type(std::string_view type, std::string_view other,
                                         std::uint32_t version, std::string_view date) {
  return fmt::format(
      "workflow '{}' also serves '{}' with version {} from {}: new tickets could take either",
      other, type, version, date);
}

// --- Workflows
// ------------------------------------------------------------------------------------------

inline std::string no_initial_state() {
  return "no initial state: mark one state with 'initial: true'";
}
inline std::string two_initial_states(std::string_view first, std::string_view second) {
  return fmt::format("more than one initial state: '{}' and '{}'", first, second);
}
inline std::string terminal_with_actions(std::string_view state) {
  return fmt::format("terminal state '{}' has actions", state);
}
inline std::string combined_effects(std::string_view first, std::string_view second) {
  return fmt::format(
      "action combines '{}' and '{}': use at most one of handoff, return, escalate, reroute", first,
      second);
}
inline std::string no_catch_all() {
  return "routing has no final catch-all rule: the last rule must have no 'when'";
}
inline std::string shadowed_rule(std::string_view rule, std::string_view earlier) {
  return fmt::format("routing rule '{}' can never match: rule '{}' before it always matches", rule,
                     earlier);
}
inline std::string no_default_case(std::string_view deadline) {
  return fmt::format("deadline '{}' has no default case: the last case must have no 'when'",
                     deadline);
}
inline std::string within_or_cases() { return "a deadline needs 'within' or 'cases'"; }
inline std::string within_and_cases() { return "'within' and 'cases' cannot both be given"; }
/// "'at' does not fit 'on: breach'".
inline std::string key_does_not_fit_trigger(std::string_view key, std::string_view trigger) {
  return fmt::format("'{}' does not fit 'on: {}'", key, trigger);
}
inline std::string one_step_per_item(std::string_view key) {
  return fmt::format("one step per item: '{}' needs an item of its own", key);
}

// --- Classifications ------------------------------------------------------------------

/// `classify: { NAME: VALUE }` names one classification.
inline std::string classify_one_entry() {
  return "'classify' takes one classification: write { name: value }";
}
/// A value `classify` fixes that the classification does not declare.
inline std::string not_a_classification_value(std::string_view value, std::string_view name,
                                              std::string_view hint) {
  return fmt::format("'{}' is not a value of classification '{}'{}", value, name, hint);
}
/// A declared classification no action records (a warning: reports would
/// group by a key that never has a value).
inline std::string classification_never_recorded(std::string_view name) {
  return fmt::format("no action records classification '{}': add 'classify: {}' to the action "
                     "that decides it",
                     name, name);
}

// --- Manager points ----------------------------------------------------------------------

inline std::string invalid_points_weight(std::string_view text, std::string_view max) {
  return fmt::format("invalid weight '{}': expected a number greater than 0 and at most {}", text,
                     max);
}

// --- Conditions
// -------------------------------------------------------------------------------------------

inline std::string unknown_field(std::string_view field, std::string_view hint) {
  return fmt::format("unknown field '{}': expected customer.<attribute> or ticket.<field>{}", field,
                     hint);
}
/// `got`: a quoted scalar as "\"high\"", a plain one as "'high'", or "a list",
/// "a mapping", "nothing" (see operand_repr).
inline std::string type_mismatch(std::string_view field, std::string_view type,
                                 std::string_view got) {
  return fmt::format("type mismatch: '{}' is {}, got {}", field, type, got);
}
inline std::string not_a_value(std::string_view value, std::string_view field,
                               std::string_view hint) {
  return fmt::format("'{}' is not a value of '{}'{}", value, field, hint);
}
inline std::string operator_does_not_fit(std::string_view op, std::string_view type,
                                         std::string_view field) {
  return fmt::format("operator '{}' does not fit {} field '{}'", op, type, field);
}
inline std::string empty_in() { return "'in' needs at least one value"; }
/// `field`: "ticket.times.<action>".
inline std::string times_at_open(std::string_view field) {
  return fmt::format(
      "'{}' is always 0 when a ticket opens: use it in escalation rules on action, warning or "
      "breach",
      field);
}

// --- Validation: stuck tickets, region queues, shadowed rules, deadlines --------------
// Read by the business analysts who write the rules: they name states, units
// and rules, never the validator's own terms. `line` arguments are "line 12",
// or "file:12" for a position in another file.

/// `who`: "tickets" or "tickets without a customer region"; `reasons`: why
/// no one can act (stuck_* below, joined by "; "); `path`: how a ticket gets
/// there (steps joined by ", then ").
inline std::string stuck_ticket(std::string_view who, std::string_view state, std::string_view unit,
                                std::string_view reasons, std::string_view path) {
  return fmt::format("{} get stuck in state '{}' at '{}': {}; a ticket gets there when {}", who,
                     state, unit, reasons, path);
}
/// `actions`: "'a'", "'a' or 'b'", ….
inline std::string stuck_needs_region(std::string_view actions) {
  return fmt::format("only staff who serve the ticket's region may take {}", actions);
}
/// `actions`: "'a'", "'a' and 'b'", …; `plural`: more than one.
inline std::string stuck_needs_handoff(std::string_view actions, bool plural) {
  return fmt::format("{} only {} a handoff, and the ticket is not handed off", actions,
                     plural ? "return" : "returns");
}
inline std::string stuck_no_such_role(std::string_view actions) {
  return fmt::format("no role that may take {} exists in the organisation", actions);
}
inline std::string path_routed(std::string_view rule, std::string_view line,
                               std::string_view unit) {
  return fmt::format("routing rule '{}' ({}) assigns it to '{}'", rule, line, unit);
}
/// `effects`: "moves it to 'x'", "hands it off to 'y'", … joined by " and ".
inline std::string path_action(std::string_view action, std::string_view line,
                               std::string_view effects) {
  return fmt::format("action '{}' ({}) {}", action, line, effects);
}
inline std::string path_rule(std::string_view rule, std::string_view line,
                             std::string_view effects) {
  return fmt::format("escalation rule '{}' ({}) {}", rule, line, effects);
}
inline std::string effect_moves(std::string_view state) {
  return fmt::format("moves it to state '{}'", state);
}
inline std::string effect_hands_off(std::string_view team) {
  return fmt::format("hands it off to '{}'", team);
}
inline std::string effect_returns(std::string_view unit) {
  return fmt::format("returns it to '{}'", unit);
}
inline std::string effect_escalates(std::string_view tier) {
  return fmt::format("escalates it to '{}'", tier);
}
inline std::string effect_reroutes(std::string_view rule, std::string_view line,
                                   std::string_view unit) {
  return fmt::format("sends it back to routing, where rule '{}' ({}) assigns it to '{}'", rule,
                     line, unit);
}
/// `what`: "routing rule 'r' assigns", "action 'a' hands off", "escalation
/// rule 'e' escalates", …
inline std::string effect_reroutes_to_bottom(std::string_view unit) {
  return fmt::format("sends it back to routing, where no other rule matches and it goes to '{}'",
                     unit);
}
/// `rule`: the culprit is a rule, whose `when` could test the region.
inline std::string regionless_into_split_unit(std::string_view what, std::string_view unit,
                                              bool rule) {
  return fmt::format(
      "{} a ticket without a customer region to '{}', whose queues are by region: no one "
      "serves it there (make 'region' required in the organisation{})",
      what, unit, rule ? ", or test customer.region in the rule's 'when'" : "");
}
/// `part`: the conjunct, as "customer.x: { ge: 10 }, ticket.y: a".
inline std::string partly_shadowed_rule(std::string_view rule, std::string_view earlier,
                                        std::string_view line, std::string_view part) {
  return fmt::format(
      "part of routing rule '{}' is shadowed by rule '{}' ({}): a ticket with {} always matches "
      "'{}' first",
      rule, earlier, line, part, earlier);
}
inline std::string shadowed_value(std::string_view value, std::string_view field,
                                  std::string_view rule, std::string_view earlier,
                                  std::string_view line, std::string_view part) {
  return fmt::format(
      "value '{}' of {} in routing rule '{}' is shadowed by rule '{}' ({}): a ticket with {} "
      "always matches '{}' first",
      value, field, rule, earlier, line, part, earlier);
}
/// Every part of `rule` is taken by earlier rules (`earlier`: "rule 'a' (line
/// 3)", "rules 'a' (line 3) and 'b' (line 7)").
inline std::string wholly_shadowed_rule(std::string_view rule, std::string_view earlier) {
  return fmt::format(
      "routing rule '{}' can never match: every ticket it describes matches {} before it", rule,
      earlier);
}
/// `stops`: "'a' or 'b'" or "any terminal state"; `from`: a state id.
inline std::string deadline_never_stops(std::string_view deadline, std::string_view stops,
                                        std::string_view from) {
  return fmt::format(
      "deadline '{}' can never be met: no state that stops it ({}) can be reached from state "
      "'{}', where it starts",
      deadline, stops, from);
}
inline std::string deadline_never_starts(std::string_view deadline, std::string_view from,
                                         std::string_view initial) {
  return fmt::format(
      "deadline '{}' never starts: its 'from' state '{}' is unreachable from the initial state "
      "'{}'",
      deadline, from, initial);
}

}  // namespace tierflow::detail::msg
