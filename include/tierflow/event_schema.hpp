// SPDX-License-Identifier: MIT
// The event schema: which detail keys each event type carries and what their
// values hold. The engine writes events by these names and the fold reads
// them back, so this header is the one place the protocol between the two is
// written down; hosts reading a trail (tierflow::engine::events) use it too.
//
// The key strings are stored in every event and covered by its hash: a
// constant here never changes its text. New keys are added; old keys stay.
#pragma once

#include <string>
#include <string_view>

#include <tierflow/event.hpp>

/// The detail keys of events (tierflow::event::details), by name.
///
/// The event types themselves are tierflow::event_type (tierflow/event.hpp).
/// For each type, the keys the engine writes, in the order it writes them
/// (order is hashed; `?` marks a key that may be absent, `<…>` a key built
/// from a prefix below):
///
///     opened             type channel customer region external_ref description
///                        customer.<attribute>… ticket.<field>… deadline.<deadline>…
///                        workflow_fingerprint?
///     routed             kind rule unit region in.<field>…
///     accepted           person owner assignee
///     transitioned       action from to note?
///     noted              action note?              (an action that stays in its state)
///                        rule|by_action note       (an escalation that could not go up)
///                        rule flag                 (an escalation step that flags)
///     handed_off         rule|action from_unit to_unit region
///     returned           action kind=handoff from_unit to_unit region person
///                        action kind=reroute from_unit
///     escalated          rule|action from_tier to_tier region
///     deadline_warned    deadline percent
///     deadline_breached  deadline after?
///     paused, resumed    state
///     closed             state
///     notified           to unit region person reason
///     denied             action code reason repeated? others?
///                                                  (on the ticket's denial stream,
///                                                  denial_stream_of(ticket); before
///                                                  denial streams, on the ticket's trail)
///                        ticket action code reason repeated? others?
///                                                  (on the denial log, engine::denial_log_id)
///     reopened           (none yet)
///     deadline_stopped   deadline outcome due calendar_s business_s paused_s
///
/// Outcome records (what the service indicators read, tierflow/kpi.hpp; added
/// after the first release, so older trails lack them). All durations are
/// whole seconds as decimal text; "business" seconds count the working time
/// of the workflow's calendar (a deadline's own calendar for
/// deadline_stopped), worked out by the engine when the event is written,
/// so that no reader ever redoes calendar arithmetic on old data:
///
///     transitioned       … state_calendar_s state_business_s step?   (time in `from`;
///                                                  `step` met|missed when `from` has a limit)
///                        … class.<classification>?  (transitioned or noted: a recorded
///                                                  classification of the action)
///     accepted           … wait_calendar_s wait_business_s    (only when `owner` is true:
///                                                  opened → first taken)
///     routed (reroute), handed_off, returned (kind handoff), escalated (not
///                        during a handoff)
///                        … unit_calendar_s unit_business_s    (time in the unit left;
///                                                  only on events that move the ticket out
///                                                  of its unit, so no stay counts twice:
///                                                  a reroute's `returned` moves nothing,
///                                                  its `routed` carries them)
///     closed             … unit_calendar_s unit_business_s ticket_calendar_s ticket_business_s
///                                                  (time in the last unit; opened → closed)
///
/// Keys that name a cause — `rule` (an escalation or routing rule) or
/// `action` (a staff action) — say which of the two caused the event.
namespace tierflow::detail_key {

// --- opened ------------------------------------------------------------------------

/// The ticket type, as requested (opened).
inline constexpr std::string_view type = "type";
/// The channel the demand came in through (opened).
inline constexpr std::string_view channel = "channel";
/// The customer id (opened).
inline constexpr std::string_view customer = "customer";
/// A region: the customer's region (opened), or the queue region of the unit
/// the ticket moves to, "" for units not split by region (routed, handed_off,
/// returned, escalated), or of the unit notified (notified).
inline constexpr std::string_view region = "region";
/// The caller's reference for the ticket, possibly "" (opened).
inline constexpr std::string_view external_ref = "external_ref";
/// The free-text description, possibly "" (opened).
inline constexpr std::string_view description = "description";
/// Prefix of "customer.<attribute>": a customer attribute's value as text,
/// derived attributes included (opened).
inline constexpr std::string_view customer_attribute_prefix = "customer.";
/// Prefix of "ticket.<field>": a ticket field's value as text (opened).
inline constexpr std::string_view ticket_field_prefix = "ticket.";
/// The content fingerprint of the workflow version the ticket runs on,
/// tierflow::workflow::fingerprint (opened; absent on tickets opened before
/// fingerprints were recorded).
inline constexpr std::string_view fingerprint = "workflow_fingerprint";
/// Prefix of "deadline.<deadline id>": the `within` of the case of that
/// deadline that applies to this ticket, e.g. "4bd" (opened).
inline constexpr std::string_view deadline_prefix = "deadline.";

// --- routing and moves ---------------------------------------------------------------

/// Why the event happened: detail_value::routed_on_open or
/// detail_value::reroute (routed); detail_value::handoff or
/// detail_value::reroute (returned).
inline constexpr std::string_view kind = "kind";
/// A rule id: the routing rule that matched, or "(no rule matched)"
/// (routed); the escalation rule that caused the event (escalated,
/// handed_off, noted).
inline constexpr std::string_view rule = "rule";
/// The unit (tier or team) the ticket is queued with (routed), or the unit
/// notified (notified).
inline constexpr std::string_view unit = "unit";
/// Prefix of "in.<field>": a field the matching routing rule read and its
/// value as text, "(absent)" when the ticket has none (routed).
inline constexpr std::string_view routing_input_prefix = "in.";
/// The unit the ticket leaves (handed_off, returned).
inline constexpr std::string_view from_unit = "from_unit";
/// The unit the ticket goes to (handed_off, returned with kind handoff).
inline constexpr std::string_view to_unit = "to_unit";
/// The tier the ticket leaves (escalated).
inline constexpr std::string_view from_tier = "from_tier";
/// The tier the ticket goes to (escalated).
inline constexpr std::string_view to_tier = "to_tier";

// --- people ---------------------------------------------------------------------------

/// A person id: who took the ticket (accepted); the person the ticket
/// returns to, possibly "" (returned); the person notified, possibly ""
/// (notified).
inline constexpr std::string_view person = "person";
/// detail_value::yes when the person became the ticket's owner, else
/// detail_value::no (accepted).
inline constexpr std::string_view owner = "owner";
/// detail_value::yes when the person became the assignee, else
/// detail_value::no (accepted).
inline constexpr std::string_view assignee = "assignee";

// --- actions and states ------------------------------------------------------------------

/// The id of a staff action: the one taken (transitioned, noted), the one
/// that caused the event (handed_off, escalated, returned), or the one
/// refused (denied; on the denial log also "open"). The fold counts an
/// action taken from transitioned and noted events by this key.
inline constexpr std::string_view action = "action";
/// The state left (transitioned).
inline constexpr std::string_view from = "from";
/// The state entered (transitioned); or the kind of recipient,
/// tierflow::to_string(recipient) (notified).
inline constexpr std::string_view to = "to";
/// Free text: the actor's note (transitioned, noted), or why an escalation
/// was skipped (noted).
inline constexpr std::string_view note = "note";
/// The action whose escalation was skipped (noted). Not `action`: the fold
/// would count that as the action taken again.
inline constexpr std::string_view by_action = "by_action";
/// A flag the ticket now carries (noted).
inline constexpr std::string_view flag = "flag";
/// The state entered that pauses, resumes or closes (paused, resumed,
/// closed).
inline constexpr std::string_view state = "state";

// --- deadlines -------------------------------------------------------------------------

/// The clock: a deadline id, or "step" for the state's step limit
/// (deadline_warned, deadline_breached).
inline constexpr std::string_view deadline = "deadline";
/// The warning's percentage of the deadline, e.g. "80" (deadline_warned).
inline constexpr std::string_view percent = "percent";
/// For a step after the breach: how long after it, e.g. "2h"; absent for
/// the breach itself (deadline_breached).
inline constexpr std::string_view after = "after";

// --- notifications and denials ------------------------------------------------------------

/// Why: the escalation rule that notified, or the event type that did,
/// e.g. "escalated", "handed_off" (notified); the refusal's message
/// (denied).
inline constexpr std::string_view reason = "reason";
/// The refusal's error code, tierflow::to_string(errc) (denied).
inline constexpr std::string_view code = "code";
/// The ticket id the refused command named (denied, on the denial log only).
inline constexpr std::string_view ticket = "ticket";
// --- outcomes (service indicators) ----------------------------------------------------------
/// detail_value::met or detail_value::missed: whether the deadline stopped
/// in time (deadline_stopped); whether the state's step limit held
/// (transitioned, key `step`).
inline constexpr std::string_view outcome = "outcome";
/// The step limit's outcome of the state left (transitioned; only when the
/// state has a limit): detail_value::met or detail_value::missed.
inline constexpr std::string_view step = "step";
/// The instant the deadline was due, ISO 8601 UTC ("2026-10-09T09:00:00Z"),
/// pauses included (deadline_stopped).
inline constexpr std::string_view due = "due";
/// Calendar seconds the deadline counted, start to stop, time paused left
/// out (deadline_stopped).
inline constexpr std::string_view calendar_seconds = "calendar_s";
/// Business seconds the deadline counted on its calendar, time paused left
/// out (deadline_stopped).
inline constexpr std::string_view business_seconds = "business_s";
/// Calendar seconds the deadline stood paused (deadline_stopped).
inline constexpr std::string_view paused_seconds = "paused_s";
/// Seconds spent in the state left, since the ticket last entered it,
/// calendar and business (transitioned).
inline constexpr std::string_view state_calendar_seconds = "state_calendar_s";
inline constexpr std::string_view state_business_seconds = "state_business_s";
/// Seconds from opening to the first person taking the ticket, calendar and
/// business (accepted, with `owner` true).
inline constexpr std::string_view wait_calendar_seconds = "wait_calendar_s";
inline constexpr std::string_view wait_business_seconds = "wait_business_s";
/// Seconds spent in the unit (tier or team) left, since the ticket last
/// entered its queue, calendar and business (routed with kind reroute,
/// handed_off, returned with kind handoff, escalated when no handoff is
/// under way, closed): summed over a trail, the view's time by unit.
inline constexpr std::string_view unit_calendar_seconds = "unit_calendar_s";
inline constexpr std::string_view unit_business_seconds = "unit_business_s";
/// Seconds from opening to this close, calendar and business (closed).
inline constexpr std::string_view ticket_calendar_seconds = "ticket_calendar_s";
inline constexpr std::string_view ticket_business_seconds = "ticket_business_s";
/// Prefix of "class.<classification>": the value an action recorded for a
/// classification the workflow declares (transitioned, noted).
inline constexpr std::string_view classification_prefix = "class.";

/// How many identical denials (same actor, action and code) were coalesced
/// into this one since the last recorded, as a decimal count (denied;
/// absent when none were).
inline constexpr std::string_view repeated = "repeated";
/// How many other denials of the same stream were counted but not recorded
/// since its last recorded denial, because the engine keeps coalescing
/// counts for only 4 × engine::max_denials_per_window distinct (actor, action,
/// code) per stream, as a decimal count (denied; absent when none were).
inline constexpr std::string_view others = "others";

}  // namespace tierflow::detail_key

/// The fixed values some detail keys take (the rest hold ids, numbers or text).
namespace tierflow::detail_value {

/// `kind` of a routed event: the routing at open.
inline constexpr std::string_view routed_on_open = "open";
/// `kind` of a routed or returned event: a unit sent the ticket back to the
/// router as misrouted.
inline constexpr std::string_view reroute = "reroute";
/// `kind` of a returned event: a team gave the ticket back after a handoff.
inline constexpr std::string_view handoff = "handoff";
/// True, for `owner` and `assignee` (accepted).
inline constexpr std::string_view yes = "true";
/// False, for `owner` and `assignee` (accepted).
inline constexpr std::string_view no = "false";
/// `outcome` and `step`: the clock stopped in time.
inline constexpr std::string_view met = "met";
/// `outcome` and `step`: the clock stopped after it was due.
inline constexpr std::string_view missed = "missed";

}  // namespace tierflow::detail_value

namespace tierflow {

/// Stream ids beginning with this prefix hold refused commands on one
/// ticket: denial_stream_of(ticket id). A refused command is recorded there,
/// hash-chained, and never on the ticket's own stream, so that it changes
/// neither the ticket's state nor its version.
inline constexpr std::string_view denial_stream_prefix = "~denied/";

/// The id of the stream that records the refused commands on `ticket_id`.
[[nodiscard]] inline std::string denial_stream_of(std::string_view ticket_id) {
  std::string id(denial_stream_prefix);
  id += ticket_id;
  return id;
}

/// The ticket a denial stream belongs to, or "" when `stream_id` is not a
/// per-ticket denial stream.
[[nodiscard]] constexpr std::string_view ticket_of_denial_stream(std::string_view stream_id) noexcept {
  return stream_id.starts_with(denial_stream_prefix) ? stream_id.substr(denial_stream_prefix.size())
                                                     : std::string_view{};
}

}  // namespace tierflow
