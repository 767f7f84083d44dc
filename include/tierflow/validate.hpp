// SPDX-License-Identifier: MIT
// Whole-definition checks on a loaded catalog, done with Boost.Graph:
// reachability, dead ends, the ladder's order, escalation loops and
// deadline feasibility.
#pragma once

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>

namespace tierflow {

/// Runs the graph checks on `cat` and adds their findings to `diags`:
///
/// - error: a non-terminal state from which no terminal state can be reached;
/// - warning: a state unreachable from the initial state;
/// - error: the ladder is not a strict order (a tier listed twice);
/// - error: escalation rules can move a ticket round a cycle of tiers;
/// - warning: the quickest path to a terminal state, counting the step limits
///   of the states on it, already exceeds a deadline that runs from open to
///   the end.
///
/// load_catalog() calls this; call it yourself only for a catalog built in
/// code. References that did not resolve (npos) are skipped, not reported
/// twice. Thread-safe; linear in states + actions, plus a Dijkstra run per
/// deadline and tiers² × escalation rules for the loop check.
void validate(const catalog& cat, diagnostics& diags);

}  // namespace tierflow
