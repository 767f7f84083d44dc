// SPDX-License-Identifier: MIT
// Graphviz export of a workflow, for people who review workflows by eye.
#pragma once

#include <string>

#include <tierflow/organisation.hpp>
#include <tierflow/workflow.hpp>

namespace tierflow {

/// The workflow as a Graphviz DOT digraph: states as nodes (the initial one
/// marked, terminal ones double-circled, clock-pausing ones dashed),
/// actions as edges labelled with their id and the roles that may take them;
/// handoffs, returns and escalations drawn in their own colours and styles.
/// Escalation rules appear as a note. Deterministic: the same workflow gives
/// the same bytes.
[[nodiscard]] std::string to_dot(const workflow& wf, const organisation& org);

}  // namespace tierflow
