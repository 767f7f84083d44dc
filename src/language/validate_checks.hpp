// SPDX-License-Identifier: MIT
// The checks validate() runs besides its graph checks, one file each:
// stuck tickets and region queues (stuck.cpp), partly shadowed routing
// rules (shadowing.cpp).
//
// Private to the language module; validate.cpp calls them for each workflow
// of a catalog that loaded without errors.
#pragma once

#include <string>
#include <string_view>

#include <tierflow/condition.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/organisation.hpp>
#include <tierflow/workflow.hpp>

namespace tierflow::detail {

/// True if `c` can only hold for a ticket that carries `field`: a
/// comparison on it (a comparison on a missing field is false) that is not
/// under a `not`, inside an `all` or in every branch of an `any`. O(size
/// of `c`).
[[nodiscard]] bool requires_field(const condition& c, std::string_view field);

/// Explores every (state, tier, unit, handoff, has-region) a ticket of `wf`
/// can reach — by routing at open, by staff actions, by escalation rules —
/// and reports as errors (a) each state and unit where no one may take any
/// of the state's actions, and (b) each routing rule, action or escalation
/// step that can put a ticket without a customer region in a region-split
/// unit. Linear in the reachable positions times the actions and rules.
void check_stuck_tickets(const workflow& wf, const organisation& org, diagnostics& diags);

/// Warns about the parts of routing rules that earlier rules already take
/// (c): each disjunct of a later rule's condition, and each value of its
/// `in` lists, that implies an earlier rule's condition. Gives up silently
/// on a condition with more than 64 disjuncts. Quadratic in the rules.
void check_partly_shadowed_rules(const workflow& wf, const organisation& org, diagnostics& diags);

/// "line 12" for a position in `file`, else "other.yaml:12": how messages
/// point at another entity.
[[nodiscard]] std::string line_ref(const source_pos& at, std::string_view file);

}  // namespace tierflow::detail
