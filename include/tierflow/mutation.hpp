// SPDX-License-Identifier: MIT
// Mutation testing of workflow rules: small deliberate faults in routing and
// escalation rules and deadlines (a condition negated, a threshold moved
// across its boundary, a target tier or team swapped, a deadline
// lengthened, an escalation step dropped), each run against the scenario
// tests (tierflow/testing.hpp). A mutant no case fails on shows a rule the
// tests do not pin down.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/scenario.hpp>
#include <tierflow/testing.hpp>

namespace tierflow::testing {

/// How a mutant differs from the original.
enum class mutation_kind : std::uint8_t {
  negate_condition,   ///< `when` of a routing or escalation rule negated
  move_threshold,     ///< a comparison's boundary moved: ge↔gt, le↔lt
  swap_target,        ///< a routing rule's unit, or an escalate/handoff/notify step's tier or team, replaced
  lengthen_deadline,  ///< every case of a deadline doubled
  drop_step,          ///< one step of an escalation rule removed
};

/// "negate condition", "move threshold", "swap target", "lengthen deadline",
/// "drop step".
[[nodiscard]] std::string_view to_string(mutation_kind k) noexcept;

/// One mutant of one workflow version.
struct mutant {
  /// Stable id: "WORKFLOW@VERSION:KIND:RULE[:DETAIL]", e.g.
  /// "complaint@1:move_threshold:key_big_customer:customer.voltage_kv ge 110".
  /// Used in `equivalent_mutants` of scenario files.
  std::string id;
  mutation_kind kind = mutation_kind::negate_condition;
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  /// What changed, for people: "customer.voltage_kv ge 110 → gt 110".
  std::string description;
  /// The mutated step, comparison or deadline (a comparison shared through
  /// a YAML alias is where its anchor is).
  source_pos where;
  /// The rule (routing or escalation) or deadline the mutant changes: where
  /// a report points the rule author.
  source_pos rule_where;
  /// Applies the fault to a copy of the catalog.
  std::function<void(catalog&)> apply;
};

/// Every mutant of every workflow of `cat`, in file order.
[[nodiscard]] std::vector<mutant> make_mutants(const catalog& cat);

/// What became of one mutant.
struct mutant_outcome {
  mutant subject;
  bool killed = false;
  /// The first case that failed on the mutant ("FILE: NAME").
  std::string killed_by;
  /// Declared equivalent by a scenario file (and not killed).
  bool equivalent = false;
  /// The file's reason, when a file declares the mutant equivalent; kept
  /// when a case kills the mutant anyway (then the declaration is wrong,
  /// and `killed && !why.empty()` tells the caller so).
  std::string why;
};

struct mutation_report {
  std::vector<mutant_outcome> outcomes;
  [[nodiscard]] std::size_t killed() const noexcept;
  [[nodiscard]] std::size_t equivalent() const noexcept;
  /// Neither killed nor declared equivalent.
  [[nodiscard]] std::size_t survived() const noexcept;
};

/// Runs the cases of `files` against each mutant of `cat` (only the cases
/// whose ticket ran on the mutated workflow version in the unmutated run;
/// mutants of a workflow version no passing case ran on are not made).
/// A case run errors on the original catalog make mutation meaningless:
/// the caller runs the suite first and mutates only a passing one.
[[nodiscard]] mutation_report run_mutation(const catalog& cat,
                                           const std::vector<scenario_file>& files,
                                           const run_options& options = {});

}  // namespace tierflow::testing
