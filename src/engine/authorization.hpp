// SPDX-License-Identifier: MIT
// Authorization: whether a staff action may be taken on a ticket, and if
// not, the code and reason of the refusal.
//
// Private to the engine. A pure policy over the organisation, the ticket's
// record and the request; act() asks it before building any event and
// records its refusal as a `denied` event.
#pragma once

#include <string_view>

#include <tierflow/error.hpp>
#include <tierflow/organisation.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/workflow.hpp>

#include "engine/ticket_record.hpp"

namespace tierflow::detail {

/// The action `id` of state `st`, or nullptr when the state has none.
[[nodiscard]] const action* find_action(const state& st, std::string_view id) noexcept;

/// Judges request `req` on ticket `rec`, `act` being the action it names
/// in the ticket's current state (find_action; nullptr when there is none).
/// The rules, in order; the first that fails decides:
///
///  1. version:   a given expected_version is not stale: at most the
///                ticket's version, and no change but timers firing came
///                after it (at least rec.last_change_version), else
///                errc::conflict;
///  2. available: the state has the action, else errc::not_found;
///  3. role:      one of the actor's roles exists in `org` and is allowed to
///                take the action, else errc::permission_denied;
///  4. region:    one such role sits with a unit not split by region, or the
///                actor serves the ticket's region, else
///                errc::permission_denied;
///  5. note:      an action that needs a note has one, else
///                errc::failed_precondition;
///  6. give-back: an action that gives the ticket back has a handoff to
///                return from, else errc::failed_precondition;
///  7. classification: an action that records a classification the actor
///                gives (action::classifies, no classification_value) has
///                one of its values in req.classification; any other action
///                has none there; else errc::invalid_argument.
///
/// Returns nothing when all hold; else the refusal, its message without the
/// ticket id (act() puts "ticket <id>: " in front).
[[nodiscard]] result<void> authorize(const organisation& org, const ticket_record& rec,
                                     const act_request& req, const action* act);

}  // namespace tierflow::detail
