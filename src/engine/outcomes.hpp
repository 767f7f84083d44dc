// SPDX-License-Identifier: MIT
// Outcome records: what the engine adds to the events it writes so that the
// service indicators (tierflow/kpi.hpp) never redo calendar arithmetic on
// old data — a deadline's outcome and the time it counted, the time spent
// in a state, in a unit and in the whole ticket, the wait until the first
// take (tierflow/event_schema.hpp, "Outcome records").
//
// Private to the engine. Each function reads the ticket's record as it
// stands before the event is applied, at the command's time: the instants
// a state or unit was entered are kept in the record (state_since,
// unit_since, opened_at), so a record costs the same however long the trail.
//
// Header-only: small, and used by the command and several of the engine's
// files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <tierflow/calendar.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/time.hpp>

#include "engine/detail_writer.hpp"
#include "engine/ticket_record.hpp"

namespace tierflow::detail {

/// The details of the deadline_stopped event of clock `c` of `r`, which
/// the event just applied stopped (ticket_record::stopped): its id, met or
/// missed (the clock's `breached`, as the view shows it), its due instant,
/// the calendar and business seconds it counted (pauses left out; business
/// on the deadline's own calendar) and the seconds it stood paused.
inline void add_stopped_outcome(detail_writer& d, const ticket_record& r, std::size_t c) {
  const deadline_clock& k = r.clocks[c];
  const timestamp at = k.finished_at.value_or(k.started_at);
  d.add(detail_key::deadline, r.flow->clock_name(c));
  d.add(detail_key::outcome, k.breached ? detail_value::missed : detail_value::met);
  // A deadline on a calendar with no working time is never due.
  d.add(detail_key::due, k.due == timestamp::max() ? std::string() : format_iso8601(k.due));
  d.add_seconds(detail_key::calendar_seconds, k.counted_calendar);
  d.add_seconds(detail_key::business_seconds, k.counted_business);
  d.add_seconds(detail_key::paused_seconds, (at - k.started_at).count() - k.counted_calendar);
}

/// A transition out of the current state at `t`: the time spent in it
/// since the ticket last entered it (business on the workflow's calendar)
/// and, when the state has a step limit, whether it held.
inline void add_state_time(detail_writer& d, const ticket_record& r, timestamp t) {
  d.add_seconds(detail_key::state_calendar_seconds, (t - r.state_since).count());
  d.add_seconds(detail_key::state_business_seconds,
                r.flow->cal->working_seconds_between(r.state_since, t));
  const std::size_t step = r.flow->step_clock();
  const deadline_clock& k = r.clocks[step];
  if (k.started && !k.finished)
    d.add(detail_key::step, r.would_miss(step, t) ? detail_value::missed : detail_value::met);
}

/// The first take (accepted, owner true) at `t`: the wait since opening.
inline void add_wait_time(detail_writer& d, const ticket_record& r, timestamp t) {
  d.add_seconds(detail_key::wait_calendar_seconds, (t - r.opened_at).count());
  d.add_seconds(detail_key::wait_business_seconds,
                r.flow->cal->working_seconds_between(r.opened_at, t));
}

/// A move at `t` to `next_unit`: when it leaves the unit the ticket is
/// queued with, the time spent there since it last entered that unit's
/// queue. A move that leaves no unit (none yet, or the same one) adds
/// nothing: the keys are exactly the time the fold attributes to the unit
/// left (ticket_view::time_by_unit), so summing them never counts a stay
/// twice.
inline void add_unit_time(detail_writer& d, const ticket_record& r, std::string_view next_unit,
                          timestamp t) {
  if (r.assignee.unit.empty() || r.assignee.unit == next_unit) return;
  d.add_seconds(detail_key::unit_calendar_seconds, (t - r.unit_since).count());
  d.add_seconds(detail_key::unit_business_seconds,
                r.flow->cal->working_seconds_between(r.unit_since, t));
}

/// A close at `t`: the time in the last unit, then the ticket's time from
/// opening to this close.
inline void add_close_time(detail_writer& d, const ticket_record& r, timestamp t) {
  if (!r.assignee.unit.empty()) {
    d.add_seconds(detail_key::unit_calendar_seconds, (t - r.unit_since).count());
    d.add_seconds(detail_key::unit_business_seconds,
                r.flow->cal->working_seconds_between(r.unit_since, t));
  }
  d.add_seconds(detail_key::ticket_calendar_seconds, (t - r.opened_at).count());
  d.add_seconds(detail_key::ticket_business_seconds,
                r.flow->cal->working_seconds_between(r.opened_at, t));
}

}  // namespace tierflow::detail
