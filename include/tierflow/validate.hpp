// SPDX-License-Identifier: MIT
// Whole-definition checks on a loaded catalog: reachability, dead ends, the
// ladder's order, escalation loops and deadline feasibility (with
// Boost.Graph), and what stops a definition before production: tickets
// that get stuck, tickets without a region sent to region queues, partly
// shadowed routing rules and deadlines no state stops.
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
/// And what would strand tickets in production:
///
/// - error, at a state: tickets get stuck there. Every place a ticket can
///   reach is explored — its state, tier, the unit it sits at (routed to,
///   escalated to, handed off to), whether it is handed off, whether it has
///   a customer region — from each routing rule, through every action
///   someone may take, every escalation rule's `escalate` and `handoff`
///   steps (open rules in the initial state, action rules after their
///   action, warning and breach rules in any non-terminal state; each
///   honouring its `from` tiers) and every `return` and `reroute`.
///   Conditions are ignored, except that a ticket without a region matches
///   no rule whose `when` requires customer.region. A place is stuck when
///   no one may take any action of its state under the engine's rule
///   (a role of the action's `by` that exists; for a role of a region-split
///   unit, a ticket with a region; for `return: true`, a handoff to return
///   from). One error per state, unit and cause, naming the actions, why no
///   one may take them, and the shortest way there (rules and actions with
///   their lines);
/// - error, at the routing rule, action or escalation step: it can send a
///   ticket without a customer region to a region-split tier or team. A
///   ticket may lack a region unless the organisation declares the customer
///   attribute `region` `required`, or the rule's `when` requires
///   customer.region (a comparison on it not under `not`, in an `all` or in
///   every branch of an `any`);
/// - warning, at a disjunct of a routing rule's `when` (a branch of its
///   `any`) or at an `in` comparison: that part, or that value, describes
///   only tickets an earlier rule already takes (each comparison of one of
///   the earlier rule's disjuncts is implied by a comparison of this one on
///   the same field: ranges, `in` sets, eq/ne, booleans, a missing
///   attribute satisfying only `not`). A rule all of whose parts are taken
///   is reported once at the rule. Conditions of more than 64 disjuncts are
///   skipped; rules after one that always matches are left to the loader;
/// - error, at a deadline: none of its `until` states (without `until`:
///   no terminal state) can be reached from the state it starts in;
/// - warning, at a deadline: its `from` state is unreachable, so it never
///   starts.
///
/// load_catalog() calls this; call it yourself only for a catalog built in
/// code. References that did not resolve (npos) are skipped, not reported
/// twice. Thread-safe; linear in states + actions, plus a Dijkstra run per
/// deadline and tiers² × escalation rules for the loop check; the stuck
/// check is linear in the places reached (at most states × tiers × units ×
/// teams × 2) times their actions and rules; the shadowing check quadratic
/// in the routing rules.
void validate(const catalog& cat, diagnostics& diags);

}  // namespace tierflow
