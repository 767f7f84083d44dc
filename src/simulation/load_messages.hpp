// SPDX-License-Identifier: MIT
// The diagnostic texts of the simulation-scenario loader that the
// definitions' catalogue (language/messages.hpp) does not already hold, in
// one place so that tests and the bad-file corpus assert exact strings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>

/// Lowercase and terse like language/messages.hpp; `hint` parameters take
/// detail::did_you_mean()'s suffix, "" or " (did you mean 'x'?)".
namespace tierflow::detail::sim_msg {

// --- Values -------------------------------------------------------------------------------

inline std::string invalid_duration(std::string_view text) {
  return fmt::format(
      "invalid duration '{}': expected a number and a unit (s, m, h, d), e.g. 90s or 1.5h", text);
}
/// `bh`/`bd`: handling, waits and sampling run on the wall clock.
inline std::string business_duration(std::string_view text) {
  return fmt::format("'{}' is business time: a scenario's durations are wall-clock (s, m, h, d)",
                     text);
}
inline std::string duration_too_long(std::string_view text) {
  return fmt::format("duration '{}' is longer than 3660 days", text);
}
/// "'days' must be a whole number from 1 to 3660, not '0'".
inline std::string out_of_range(std::string_view what, std::string_view range,
                                std::string_view text) {
  return fmt::format("{} must be {}, not '{}'", what, range, text);
}
inline std::string invalid_weight(std::string_view text) {
  return fmt::format("invalid weight '{}': expected a number greater than 0", text);
}
inline std::string hours_count(std::size_t given) {
  return fmt::format("'hours' must list 24 weights, hour 0 first, not {}", given);
}
inline std::string hours_all_zero() { return "'hours' must not be all 0"; }
inline std::string unknown_weekday(std::string_view text, std::string_view hint) {
  return fmt::format("unknown day '{}': expected mon, tue, wed, thu, fri, sat or sun{}", text,
                     hint);
}

// --- Distributions ---------------------------------------------------------------------------

inline std::string time_distribution_shape() {
  return "a time distribution must be a duration or one of { fixed: … }, { exponential: … }, "
         "{ lognormal: { mean, sd } }, { empirical: FILE }";
}
inline std::string generator_shape() {
  return "a generator must be a value or one of { choice: … }, { uniform: [low, high] }, "
         "{ lognormal: { mean, sd } }";
}
inline std::string unknown_distribution(std::string_view key, std::string_view hint) {
  return fmt::format("unknown distribution '{}'{}", key, hint);
}
/// `what`: "the mean of 'exponential'", "'sd' of 'lognormal'".
inline std::string must_be_positive(std::string_view what, std::string_view text) {
  return fmt::format("{} must be greater than 0, not '{}'", what, text);
}
/// `field`: "customer.priority"; `type`: "enum".
inline std::string needs_number(std::string_view shape, std::string_view field,
                                std::string_view type) {
  return fmt::format("'{}' draws numbers: '{}' is {}", shape, field, type);
}
inline std::string uniform_shape() { return "'uniform' must be a list [low, high]"; }
inline std::string uniform_backward(std::string_view low, std::string_view high) {
  return fmt::format("'uniform' must have low <= high, not [{}, {}]", low, high);
}
inline std::string derived_generated(std::string_view field) {
  return fmt::format("'{}' is derived by the engine and cannot be generated", field);
}
inline std::string region_in_attributes() {
  return "the region is drawn from 'regions': leave 'region' out of 'attributes'";
}
inline std::string required_not_generated(std::string_view segment, std::string_view field) {
  return fmt::format("segment '{}' does not generate required attribute '{}'", segment, field);
}

// --- References ------------------------------------------------------------------------------

inline std::string unknown_in_workflow(std::string_view what, std::string_view id,
                                       std::string_view workflow, std::string_view hint) {
  return fmt::format("unknown {} '{}' in workflow '{}'{}", what, id, workflow, hint);
}
inline std::string unknown_action_of_state(std::string_view id, std::string_view state,
                                           std::string_view workflow, std::string_view hint) {
  return fmt::format("unknown action '{}' of state '{}' in workflow '{}'{}", id, state, workflow,
                     hint);
}
/// `field`: "ticket field", `owner`: " of workflow 'complaint'" or "".
inline std::string unknown_field(std::string_view what, std::string_view name,
                                 std::string_view owner, std::string_view hint) {
  return fmt::format("unknown {} '{}'{}{}", what, name, owner, hint);
}
inline std::string not_a_class_value(std::string_view value, std::string_view classification,
                                     std::string_view hint) {
  return fmt::format("'{}' is not a value of classification '{}'{}", value, classification, hint);
}
inline std::string calendar_redefined(std::string_view id) {
  return fmt::format("calendar '{}' is already defined by the organisation", id);
}
inline std::string regions_not_split(std::string_view role, std::string_view unit) {
  return fmt::format("role '{}' works in '{}', which is not split by region: leave out 'regions'",
                     role, unit);
}
inline std::string staff_needs_count() { return "missing required key 'count' (or 'regions')"; }
inline std::string classification_needed(std::string_view action, std::string_view name,
                                         std::string_view values) {
  return fmt::format(
      "action '{}' asks for classification '{}': give 'classification' with weights of {}", action,
      name, values);
}
inline std::string takes_no_classification(std::string_view action, std::string_view workflow) {
  return fmt::format("action '{}' of workflow '{}' asks for no classification", action, workflow);
}
inline std::string surge_backward() { return "'to' must be after 'from'"; }
inline std::string invalid_instant(std::string_view text, std::string_view offset) {
  return fmt::format(
      "invalid instant '{}': expected YYYY-MM-DDTHH:MM with an offset, or local time (at {})", text,
      offset);
}
inline std::string too_many_customers(std::size_t limit) {
  return fmt::format("limit exceeded: more than {} customers in all", limit);
}
inline std::string group_keys(std::string_view why) { return fmt::format("invalid 'by': {}", why); }

// --- CSV files ------------------------------------------------------------------------------

inline std::string csv_not_utf8() { return "not valid utf-8"; }
inline std::string csv_empty() { return "file is empty"; }
inline std::string csv_unclosed_quote() { return "quoted field is not closed"; }
inline std::string csv_field_count(std::size_t given, std::size_t header) {
  return fmt::format("row has {} fields, the header {}", given, header);
}
inline std::string csv_missing_column(std::string_view column) {
  return fmt::format("missing column '{}'", column);
}
inline std::string csv_duplicate_id(std::string_view id, std::size_t first_line) {
  return fmt::format("duplicate customer id '{}' (first on line {})", id, first_line);
}
inline std::string csv_too_many_errors(std::size_t limit) {
  return fmt::format("limit exceeded: more than {} errors, the rest of the file not read", limit);
}
inline std::string csv_no_samples() { return "no durations: expected one duration a line"; }

inline std::string collides_with_generated(std::string_view id, std::string_view segment) {
  return fmt::format("customer id '{}' is also the id of a generated customer of segment '{}'", id,
                     segment);
}
inline std::string unknown_classification(std::string_view name, std::string_view hint) {
  return fmt::format("invalid 'by': no workflow records classification '{}'{}", name, hint);
}

// --- Feasibility ----------------------------------------------------------------------------

inline std::string no_customers_for(std::string_view type) {
  return fmt::format("no customers to raise '{}': its segments have none", type);
}
/// `where`: "complaint.yaml:25".
inline std::string decision_missing(std::string_view state, std::string_view workflow,
                                    std::string_view actions, std::string_view where) {
  return fmt::format(
      "state '{}' of workflow '{}' has several moving actions ({}) and no entry in 'decisions' "
      "({})",
      state, workflow, actions, where);
}
inline std::string decision_never_moves(std::string_view state, std::string_view workflow) {
  return fmt::format(
      "no action of this decision moves a ticket out of state '{}' of workflow '{}': it would "
      "stay there for ever",
      state, workflow);
}
/// `in_regions`: "" or " in regions gusu, wuzhong".
inline std::string action_unstaffed(std::string_view action, std::string_view state,
                                    std::string_view workflow, std::string_view roles,
                                    std::string_view in_regions) {
  return fmt::format(
      "no staffed role may take action '{}' of state '{}' in workflow '{}'{} (by: {})", action,
      state, workflow, in_regions, roles);
}
inline std::string routing_unstaffed(std::string_view rule, std::string_view workflow,
                                     std::string_view unit, std::string_view action,
                                     std::string_view roles, std::string_view in_regions) {
  return fmt::format(
      "routing rule '{}' of workflow '{}' sends tickets to '{}', where no staffed role may take "
      "'{}'{} (roles there: {})",
      rule, workflow, unit, action, in_regions, roles);
}
inline std::string routing_fallback_unstaffed(std::string_view rule, std::string_view workflow,
                                              std::string_view unit, std::string_view action,
                                              std::string_view first_role,
                                              std::string_view in_regions) {
  return fmt::format(
      "routing rule '{}' of workflow '{}' sends tickets to '{}', where no role may take '{}' and "
      "'{}' (the first of its 'by') has no staff{}",
      rule, workflow, unit, action, first_role, in_regions);
}

}  // namespace tierflow::detail::sim_msg
