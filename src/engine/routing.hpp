// SPDX-License-Identifier: MIT
// Routing: which unit's queue a ticket goes to, and the `routed` event that
// records the decision.
//
// Private to the engine. A pure policy over the organisation and the
// ticket's record; a new way of assigning (balanced assignment, skills) is
// added here.
#pragma once

#include <string>
#include <string_view>

#include <tierflow/organisation.hpp>
#include <tierflow/ticket.hpp>

#include "engine/command.hpp"
#include "engine/ticket_record.hpp"

namespace tierflow::detail {

/// Whether `unit` (a tier or team) keeps one queue per region. False for an
/// unknown unit.
[[nodiscard]] bool region_split(const organisation& org, std::string_view unit);

/// The queue region of `unit` for a ticket of `region`: `region` when the
/// unit is split by region, else "".
[[nodiscard]] std::string region_for(const organisation& org, std::string_view unit,
                                     std::string_view region);

/// The routing of an opened (or drafted) ticket: the first rule of its
/// workflow whose condition holds, skipping rules that assign to
/// `skip_unit` (a unit that returned the ticket as misrouted; "" skips
/// none), with the trace of every rule tried. With no rule matching, the
/// bottom of the ladder, by rule "(no rule matched)". Precondition:
/// `rec.flow` is set.
[[nodiscard]] routing_decision route(const organisation& org, const ticket_record& rec,
                                     std::string_view skip_unit);

/// route() written into `d`, every member assigned (its escalations
/// cleared), so that what `d` held before does not matter: its strings and
/// vectors are reused (an open routes into storage its command keeps, and
/// allocates nothing for the decision).
void route_into(const organisation& org, const ticket_record& rec, std::string_view skip_unit,
                routing_decision& d);

/// Emits the `routed` event of decision `d`: `kind` is
/// detail_value::routed_on_open or detail_value::reroute; the inputs of the
/// matching rule go in as "in.<field>".
void emit_routed(command& cmd, const routing_decision& d, std::string_view kind);

}  // namespace tierflow::detail
