// SPDX-License-Identifier: MIT
// What the loader's parts share: the per-file reader that records
// diagnostics, key checking of mappings, and the value parsers (identifiers,
// booleans, durations, dates) that report their own errors.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/attribute.hpp>
#include <tierflow/condition.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/duration.hpp>
#include <tierflow/organisation.hpp>
#include <tierflow/time.hpp>
#include <tierflow/workflow.hpp>

#include "language/load_yaml.hpp"
#include "text/number.hpp"

namespace tierflow::detail {

/// Converts one file: knows its name and where its diagnostics go.
class reader {
 public:
  reader(std::string file, diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] source_pos pos(const yaml_node& n) const { return {file_, n.line, n.column}; }

  void error(const yaml_node& at, std::string message) {
    ++errors_;
    diags_.error(pos(at), std::move(message));
  }
  void error(source_pos where, std::string message) {
    ++errors_;
    diags_.error(std::move(where), std::move(message));
  }
  void warning(const yaml_node& at, std::string message) {
    diags_.warning(pos(at), std::move(message));
  }
  /// Errors reported through this reader so far.
  [[nodiscard]] std::size_t errors() const noexcept { return errors_; }

  /// True if `n` is of kind `k`; otherwise reports "WHAT must be …, not …".
  bool expect(const yaml_node& n, yaml_node::kind k, std::string_view what);

 private:
  std::string file_;
  diagnostics& diags_;
  std::size_t errors_ = 0;
};

/// "'key'": how messages name a key.
[[nodiscard]] std::string quoted(std::string_view key);

/// The entries of a mapping by key, after check_keys() has reported unknown
/// keys (with a did-you-mean among the allowed ones) and missing required
/// keys (at the mapping). Entries whose key is not a scalar are reported
/// and left out.
class mapping_fields {
 public:
  /// The value under `key`, or nullptr.
  [[nodiscard]] const yaml_node* operator[](std::string_view key) const noexcept;
  /// The key node itself (for positions), or nullptr.
  [[nodiscard]] const yaml_node* key(std::string_view key) const noexcept;
  /// The allowed keys present, in file order.
  [[nodiscard]] const std::vector<const yaml_entry*>& entries() const noexcept { return entries_; }

 private:
  friend mapping_fields check_keys(reader&, const yaml_node&,
                                   std::initializer_list<std::string_view>,
                                   std::initializer_list<std::string_view>);
  std::vector<const yaml_entry*> entries_;
};

/// Requires `map` to be a mapping (checked by the caller).
[[nodiscard]] mapping_fields check_keys(reader& r, const yaml_node& map,
                                        std::initializer_list<std::string_view> allowed,
                                        std::initializer_list<std::string_view> required);

/// The entries of a mapping whose keys are scalars; others are reported.
[[nodiscard]] std::vector<const yaml_entry*> scalar_keyed(reader& r, const yaml_node& map);

/// True for snake_case: [a-z][a-z0-9_]*.
[[nodiscard]] bool is_identifier(std::string_view text) noexcept;

/// A scalar's text; reports "WHAT must be a scalar, not …" otherwise.
[[nodiscard]] std::optional<std::string> scalar(reader& r, const yaml_node& n,
                                                std::string_view what);
/// A scalar that must be snake_case. An invalid one is reported and still
/// returned, so that it is declared and later references to it do not
/// cascade into "unknown" errors.
[[nodiscard]] std::optional<std::string> identifier(reader& r, const yaml_node& n,
                                                    std::string_view what);
/// true or false (YAML 1.1's yes/no/on/off are not booleans here).
[[nodiscard]] std::optional<bool> boolean(reader& r, const yaml_node& n, std::string_view what);
/// A duration as parse_duration() reads it.
[[nodiscard]] std::optional<duration> duration_value(reader& r, const yaml_node& n,
                                                     std::string_view what);
/// A date as tierflow::parse_date() reads it (YYYY-MM-DD); reports
/// "invalid date '…': expected YYYY-MM-DD" otherwise.
[[nodiscard]] std::optional<std::chrono::sys_days> date_value(reader& r, const yaml_node& n,
                                                              std::string_view what);

/// A list; reports a wrong kind, and an empty list when `non_empty`.
[[nodiscard]] const std::vector<yaml_node>* sequence(reader& r, const yaml_node& n,
                                                     std::string_view what, bool non_empty);

/// A list of identifiers being declared (ladder, teams, regions…): each
/// checked for snake_case, repeats reported as "duplicate WHAT 'x'" unless
/// `allow_repeats`. Returns the entries in order, repeats included only
/// when allowed.
[[nodiscard]] std::vector<named_entry> identifier_list(reader& r, const yaml_node& n,
                                                       std::string_view key, std::string_view what,
                                                       bool non_empty, bool allow_repeats = false);

/// Reports "unknown WHAT 'id' (did you mean …?)" unless `id` is one of
/// `candidates`; returns whether it is.
bool check_reference(reader& r, const yaml_node& at, std::string_view id, std::string_view what,
                     const std::vector<std::string>& candidates);

/// Ids of a vector of things with an `id` member.
template <class T>
[[nodiscard]] std::vector<std::string> ids_of(const std::vector<T>& items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(item.id);
  return out;
}

// --- The parts of the loader -------------------------------------------------------------

/// Where customer attributes or ticket fields are declared: ticket fields
/// take no `derived`.
enum class attribute_scope : std::uint8_t { customer, ticket };

/// One attribute or field: `name: TYPE`. `region` and `channel` become
/// enumerations of the organisation's regions and channels. Returns nullopt
/// when the name is unusable; a bad type still yields the attribute (as a
/// string) so that conditions on it do not cascade.
[[nodiscard]] std::optional<attribute> load_attribute(reader& r, const yaml_entry& entry,
                                                      attribute_scope scope,
                                                      const organisation& org);

/// A business calendar (`24x7` or a mapping of hours, holidays, workdays,
/// makeup_hours), with the invariants calendar.hpp relies on.
[[nodiscard]] calendar load_calendar(reader& r, const yaml_entry& entry,
                                     std::chrono::minutes utc_offset);

/// The organisation file (`root` is its top-level mapping).
void load_organisation(reader& r, const yaml_node& root, organisation& out);

/// What conditions of one workflow may name.
struct condition_scope {
  const organisation* org = nullptr;
  /// False when no organisation was loaded: customer attributes cannot be
  /// checked, and are not reported as unknown.
  bool org_known = true;
  const std::vector<attribute>* fields = nullptr;          ///< the workflow's ticket fields
  const std::vector<std::string>* ticket_types = nullptr;  ///< for ticket.type
  /// The action ids of the workflow's states, for ticket.times.<action>;
  /// complete by the time conditions load (states are read first).
  const std::vector<std::string>* action_ids = nullptr;
  /// The condition is evaluated when a ticket opens (routing, deadline
  /// cases, `on: open`): every ticket.times.<action> is 0 then.
  bool at_open = false;
};

/// A condition and what it folds to when it is constant: true for one that
/// always holds (no `when` at all behaves the same), false for one that
/// never does. Fields are assumed present for folding.
struct loaded_condition {
  condition cond;
  std::optional<bool> constant;
};

/// A condition (`when:`), type-checked against the scope, operands
/// converted to the field's type. nullopt when nothing usable is left.
[[nodiscard]] std::optional<loaded_condition> load_condition(reader& r, const yaml_node& n,
                                                             const condition_scope& scope);

/// A workflow file (`root` is its top-level mapping).
void load_workflow(reader& r, const yaml_node& root, const organisation& org, bool org_known,
                   workflow& out);

}  // namespace tierflow::detail
