// SPDX-License-Identifier: MIT
// Rule coverage: which routing rules, escalation rules and their steps,
// states, actions and deadlines of each workflow the scenario tests
// (tierflow/testing.hpp) exercised, read from the tickets' audit trails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/testing.hpp>

namespace tierflow::testing {

/// The kinds of things coverage counts.
enum class coverage_kind : std::uint8_t {
  routing_rule,     ///< matched when a ticket was routed (at open or after a reroute)
  escalation_rule,  ///< fired: at least one of its steps took effect
  escalation_step,  ///< took effect (a flag set, a notification, a move, a note that it could not move)
  state,            ///< entered (the initial state by opening)
  action,           ///< taken (in any state that offers it)
  deadline,         ///< stopped (met or missed) or breached
};

/// "routing rule", "escalation rule", "escalation step", "state", "action",
/// "deadline".
[[nodiscard]] constexpr std::string_view to_string(coverage_kind k) noexcept {
  switch (k) {
    case coverage_kind::routing_rule: return "routing rule";
    case coverage_kind::escalation_rule: return "escalation rule";
    case coverage_kind::escalation_step: return "escalation step";
    case coverage_kind::state: return "state";
    case coverage_kind::action: return "action";
    case coverage_kind::deadline: return "deadline";
  }
  return "state";
}

/// One thing that can be covered.
struct coverage_item {
  coverage_kind kind = coverage_kind::state;
  /// Its id; an escalation step is "RULE#N" (N 1-based, in `do` order).
  std::string id;
  source_pos where;
  bool covered = false;
};

/// The coverage of one workflow version.
struct workflow_coverage {
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  /// Every item, in the order of coverage_kind, then of the file.
  std::vector<coverage_item> items;

  [[nodiscard]] std::size_t total(coverage_kind k) const noexcept;
  [[nodiscard]] std::size_t covered(coverage_kind k) const noexcept;
  /// covered ÷ total × 100 over every item (100 when there are none).
  [[nodiscard]] double percent() const noexcept;
};

/// Coverage of every workflow of `cat` by the cases of `result` (passing or
/// not: a failing case still exercised what it reached). Workflows no case
/// ran on are listed with nothing covered.
[[nodiscard]] std::vector<workflow_coverage> measure_coverage(const catalog& cat,
                                                              const suite_result& result);

/// The coverage of all workflows together, in percent (100 when empty).
[[nodiscard]] double overall_percent(const std::vector<workflow_coverage>& coverage) noexcept;

}  // namespace tierflow::testing
