// SPDX-License-Identifier: MIT
// Running scenario tests (tierflow/scenario.hpp) on the real engine: each
// case gets its own engine over an in-memory store and a manual clock, so
// what passes here is what production does. For `tierflow test` and for a
// host's own doctest or GoogleTest suite.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/event.hpp>
#include <tierflow/scenario.hpp>

namespace tierflow::testing {

/// Why a case failed at one step.
struct failure {
  /// before_steps: the failure came before the first step (opening the
  /// ticket, the customer's history).
  static constexpr std::size_t before_steps = static_cast<std::size_t>(-1);
  /// The 0-based index of the step, or before_steps.
  std::size_t step = 0;
  /// The failing expectation, or the step, in the scenario file.
  source_pos where;
  /// What was checked, e.g. "state", "deadline.contact.due", "notified",
  /// "act classify".
  std::string what;
  std::string expected;
  std::string actual;
  /// One line for people: "expected state 'dispatched', got 'classified'".
  std::string message;
};

/// The outcome of one case.
struct case_result {
  /// The scenario file's name and the case's name.
  std::string file;
  std::string name;
  source_pos where;
  /// The workflow the ticket ran on (empty when it could not be opened).
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  /// Every failure; empty when the case passed. Expectations go on being
  /// checked after one fails; a step that cannot run (an action refused
  /// that should succeed) ends the case.
  std::vector<failure> failures;
  /// The ticket's whole trail at the end (what coverage is measured on).
  std::vector<event> events;
  /// Wall-clock time the case took.
  std::chrono::nanoseconds elapsed{0};

  [[nodiscard]] bool passed() const noexcept { return failures.empty(); }
};

/// The outcome of a run.
struct suite_result {
  std::vector<case_result> cases;
  [[nodiscard]] std::size_t passed() const noexcept {
    std::size_t n = 0;
    for (const auto& c : cases) n += c.passed() ? 1 : 0;
    return n;
  }
  [[nodiscard]] std::size_t failed() const noexcept { return cases.size() - passed(); }
};

/// Which cases to run.
struct run_options {
  /// Run only cases whose "FILE: NAME" contains this text; empty = all.
  std::string filter;
  /// Stop a case at its first failure instead of checking on.
  bool stop_at_first_failure = false;
};

/// "FILE: NAME", the text run_options::filter matches.
[[nodiscard]] std::string case_label(const scenario_file& file, const scenario& sc);

/// Runs one case on a fresh engine over `cat` (the catalog the scenario was
/// loaded against, or a mutant of it): the clock starts at the earliest
/// history entry, history tickets are opened (and closed) in order, the
/// scenario's ticket opens at `start`, then each step runs in order.
/// Never throws except std::bad_alloc.
[[nodiscard]] case_result run_scenario(const catalog& cat, const scenario& sc,
                                       std::string_view file = {});

/// Runs every case of `files` that the filter selects, in file order.
[[nodiscard]] suite_result run_scenarios(const catalog& cat,
                                         const std::vector<scenario_file>& files,
                                         const run_options& options = {});

/// Loads definitions and scenario files and runs them: the one call a
/// host's unit test needs. `definitions` as load_catalog_files takes them
/// (the organisation and workflows), `scenarios` as read_scenario_sources.
/// Errors: errc::invalid_definition with every diagnostic (GNU style, one
/// per line) when the definitions or a scenario file do not load;
/// errc::io_error when a path cannot be read.
[[nodiscard]] result<suite_result> run_scenario_files(const std::vector<std::string>& definitions,
                                                      const std::vector<std::string>& scenarios,
                                                      const run_options& options = {});

/// Every failure of `result`, one GNU-style line each
/// (`file:line:col: error: CASE: step N: MESSAGE`): what a doctest CHECK
/// message or a GoogleTest failure prints.
[[nodiscard]] std::string describe_failures(const suite_result& result);

}  // namespace tierflow::testing
