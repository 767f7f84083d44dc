// SPDX-License-Identifier: MIT
// The KPI accumulator: one walk over each ticket's trail, folding where the
// ticket is (its unit as tierflow/trail_summary.hpp folds it, its tier and
// team, owner and assignee) and counting into the rows as it goes (the
// state it keeps: kpi/state.hpp). The formulas are in
// workflows/INDICATORS.md; the attribution rules in tierflow/kpi.hpp
// (group_row).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <tierflow/event_schema.hpp>
#include <tierflow/kpi.hpp>
#include <tierflow/time.hpp>

#include "kpi/points.hpp"
#include "kpi/row.hpp"
#include "kpi/state.hpp"

namespace tierflow::kpi {

using detail::is_person;
using detail::lacks_outcome_keys;
using detail::none;
using detail::seconds_of;

template <class Event>
void accumulator::state::begin(std::span<const Event> trail) {
  w.reset(opts.by.size());

  const Event& opened = trail.front();
  w.workflow = detail::remembered(names, memo.workflow, opened.workflow_id);
  w.workflow_slot = detail::remembered(workflow_slots, memo.workflow_slot, opened.workflow_id);
  if (records_callback.size() <= w.workflow_slot)
    records_callback.resize(w.workflow_slot + 1, false);
  w.type = id_of(opened, detail_key::type, memo.type);
  w.region = id_of(opened, detail_key::region, memo.region);
  // A first look at the whole trail for what belongs to the ticket as a
  // whole: its classifications (the latest before the period's end), and
  // whether it predates the outcome records.
  // Only what was written before the period's end: a report on a past
  // period gives the same figures whenever it is run.
  for (const Event& e : trail) {
    if (e.time >= opts.to) break;
    if (!w.lacks_outcomes && lacks_outcome_keys(e)) w.lacks_outcomes = true;
    if (e.type != event_type::transitioned && e.type != event_type::noted) continue;
    if (detail::find(e, callback_key)) records_callback[w.workflow_slot] = true;
    for (std::size_t i = 0; i < class_keys.size(); ++i)
      if (!class_keys[i].empty())
        if (const auto v = detail::find(e, class_keys[i])) w.class_values[i] = names.id(*v);
  }
  w.here_row = row_of(0, 0, none, none);
  w.here = sinks_of(w.here_row, none);
}

template <class Event>
void accumulator::state::apply(const Event& e) {
  const timestamp t = e.time;
  const bool before_to = t < opts.to;
  const bool in = before_to && t >= opts.from;
  if (in) w.in_period = true;
  const bool person_acts = in && is_person(e.actor_id);

  switch (e.type) {
    case event_type::opened:
      w.open = true;
      if (in) w.opened_in = true;
      if (const auto k = interval_of(t)) w.pending_open_interval = static_cast<std::ptrdiff_t>(*k);
      break;

    case event_type::routed: {
      const bool reroute = detail::find(e, detail_key::kind) == detail_value::reroute;
      if (reroute) {
        if (in) count_stay(e, w.at.unit);
        if (before_to) w.moved = true;
      }
      enter(id_of(e, detail_key::unit, memo.unit), false, before_to);
      refresh_here();
      if (!w.routed && before_to) {
        w.routed = true;
        const auto [tier_id, team] = tier_team();
        if (!w.taken) {
          w.first_tier = tier_id;
          w.first_team = team;
        }
      }
      if (w.pending_open_interval >= 0) {
        backlog_at(static_cast<std::size_t>(w.pending_open_interval), w.here_row).opened++;
        w.pending_open_interval = -1;
      }
      break;
    }

    case event_type::accepted: {
      const std::uint32_t person = id_of(e, detail_key::person, memo.person);
      const bool first = w.owner == none;
      if (first && before_to) {
        // The first take fixes the tier a ticket counts at, and the level
        // its escalations are measured from (unless one came first).
        const auto [tier_id, team] = tier_team();
        w.taken = true;
        w.first_tier = tier_id;
        w.first_team = team;
        if (w.base_level == -2) w.base_level = level(tier_id);
      }
      if (first) w.owner = person;
      if (detail::find(e, detail_key::assignee) == detail_value::yes) w.at.person = person;
      refresh_here();
      if (in) {
        if (detail::find(e, detail_key::owner) == detail_value::yes) {
          const auto c = seconds_of(e, detail_key::wait_calendar_seconds);
          const auto b = seconds_of(e, detail_key::wait_business_seconds);
          w.here.each([&](row_counts& r) {
            if (c) r.contact_calendar.push_back(*c);
            if (b) r.contact_business.push_back(*b);
          });
        }
        if (person != 0) {
          ++person_at(person).taken;
          touch(person);
        }
      }
      break;
    }

    case event_type::transitioned:
    case event_type::noted: {
      if (person_acts && detail::find(e, detail_key::action)) {
        const std::uint32_t actor = actor_id(e);
        ++person_at(actor).actions;
        touch(actor);
      }
      if (e.type == event_type::transitioned) {
        // Leaving a state stops its step clock, limit kept or not.
        deadline_of(step_slot).breached.reset();
        if (in)
          if (const auto step = detail::find(e, detail_key::step)) {
            const bool met = *step == detail_value::met;
            w.here.each([&](row_counts& r) {
              auto& d = r.deadline(step_slot);
              ++d.stopped;
              if (met) ++d.met;
            });
          }
        if (before_to && detail::find(e, detail_key::to) == reopened_state) w.reopened = true;
      } else if (before_to && detail::find(e, detail_key::flag) == repeat_flag) {
        w.repeat = true;
      }
      if (const auto answer = detail::find(e, callback_key)) {
        if (before_to) w.callback = true;
        if (in && (*answer == satisfied || *answer == unsatisfied)) {
          const bool yes = *answer == satisfied;
          w.here.each([&](row_counts& r) {
            ++r.answered;
            if (yes) ++r.satisfied;
          });
        }
      }
      break;
    }

    case event_type::handed_off: {
      if (before_to) w.moved = true;
      if (in) {
        w.here.each([](row_counts& r) { ++r.handoffs; });
        const auto from = detail::find(e, detail_key::from_unit);
        count_stay(e, from ? detail::remembered(names, memo.from_unit, *from) : w.at.unit);
      }
      w.handoffs.push_back(w.at);
      enter(id_of(e, detail_key::to_unit, memo.to_unit), false, before_to);
      refresh_here();
      break;
    }

    case event_type::returned: {
      if (in) {
        w.here.each([](row_counts& r) { ++r.returns; });
        const auto from = detail::find(e, detail_key::from_unit);
        count_stay(e, from ? detail::remembered(names, memo.from_unit, *from) : w.at.unit);
      }
      if (detail::find(e, detail_key::kind) == detail_value::handoff) {
        if (!w.handoffs.empty()) {
          const place back = w.handoffs.back();
          w.handoffs.pop_back();
          enter(back.unit, true, before_to);
          w.at = back;
          refresh_here();
        }
      } else if (before_to) {
        w.moved = true;  // a reroute: the routed event that follows moves it
      }
      break;
    }

    case event_type::escalated: {
      const std::uint32_t to_tier = id_of(e, detail_key::to_tier, memo.to_tier);
      if (in) {
        const auto from = detail::find(e, detail_key::from_tier);
        count_stay(e, from ? detail::remembered(names, memo.from_tier, *from) : tier_team().first);
      }
      if (before_to) {
        w.moved = true;
        w.escalated = true;
        ++w.escalations;
        if (w.base_level == -2) w.base_level = level(tier_team().first);
        w.max_level = std::max(w.max_level, level(to_tier));
      }
      if (w.handoffs.empty()) {
        enter(to_tier, false, before_to);
      } else {
        // The team keeps working; the ticket will return up the ladder.
        place& outer = w.handoffs.front();
        if (before_to && to_tier != outer.unit &&
            std::find(w.left.begin(), w.left.end(), to_tier) != w.left.end())
          w.bounced = true;
        if (outer.unit != 0 && std::find(w.left.begin(), w.left.end(), outer.unit) == w.left.end())
          w.left.push_back(outer.unit);
        outer = {to_tier, none};
      }
      refresh_here();
      break;
    }

    case event_type::deadline_breached: {
      if (detail::find(e, detail_key::after)) break;  // a step after the breach, not a new one
      const auto name = detail::find(e, detail_key::deadline);
      if (!name) break;
      const std::uint32_t slot = detail::remembered(deadline_slots, memo.deadline, *name);
      deadline_state& d = deadline_of(slot);
      if (!d.breached) d.breached = t;
      // Due in the period and breached; a stop that comes later does not
      // count it again. Step limits record no due: their outcome is the
      // transition's `step`. Without the outcome records a breach may
      // have stopped unseen: not counted.
      if (in && slot != step_slot && !w.lacks_outcomes && !d.counted) {
        d.counted = true;
        w.here.each([&](row_counts& r) {
          auto& c = r.deadline(slot);
          ++c.due;
          ++c.breached;
        });
      }
      break;
    }

    case event_type::deadline_stopped: {
      const auto name = detail::find(e, detail_key::deadline);
      if (!name) break;
      const std::uint32_t slot = detail::remembered(deadline_slots, memo.deadline, *name);
      deadline_state& d = deadline_of(slot);
      const bool met = detail::find(e, detail_key::outcome) == detail_value::met;
      if (in)
        w.here.each([&](row_counts& r) {
          auto& c = r.deadline(slot);
          ++c.stopped;
          if (met) ++c.met;
        });
      if (before_to && !d.counted)
        if (const auto due_text = detail::find(e, detail_key::due))
          if (const auto due = parse_iso8601(*due_text); due && *due >= opts.from && *due < opts.to)
            w.here.each([&](row_counts& r) {
              auto& c = r.deadline(slot);
              ++c.due;
              if (!met) ++c.breached;
            });
      d.breached.reset();
      d.counted = false;
      break;
    }

    case event_type::closed: {
      if (in) {
        w.closed_in = true;
        w.resolve_calendar = seconds_of(e, detail_key::ticket_calendar_seconds);
        w.resolve_business = seconds_of(e, detail_key::ticket_business_seconds);
        count_stay(e, w.at.unit);
        if (w.at.person != none && w.at.person != 0) ++person_at(w.at.person).closed;
      }
      if (const auto k = interval_of(t)) backlog_at(*k, w.here_row).closed++;
      w.open = false;
      break;
    }

    case event_type::reopened:
      if (before_to) w.reopened = true;
      w.open = true;
      break;

    case event_type::deadline_warned:
    case event_type::paused:
    case event_type::resumed:
    case event_type::notified:
    case event_type::denied: break;
  }
  if (before_to) {
    w.ticket_owner = w.owner;
    w.ticket_assignee = w.at.person;
  }
}

void accumulator::state::snapshot(std::size_t instant) {
  if (!w.open) return;
  backlog_counts& b = backlog_at(instant, w.here_row);
  ++b.open;
  if (w.lacks_outcomes) return;
  for (const deadline_state& d : w.deadlines)
    if (d.breached) {
      ++b.overdue;
      return;
    }
}

template <class Event>
void accumulator::state::end(const Event& opened) {
  if (w.pending_open_interval >= 0)
    backlog_at(static_cast<std::size_t>(w.pending_open_interval), w.here_row).opened++;
  for (const std::uint32_t person : w.touched) ++person_at(person).tickets;
  note_overdue(opened);
  if (!w.in_period) return;
  ++tickets_in_period;
  if (w.lacks_outcomes) ++without_outcomes;

  // The ticket's own indicators count at the tier that first took it (or
  // was first given it), with its owner and its latest assignee.
  const sinks mine = sinks_of(row_of(w.first_tier, w.first_team, w.ticket_owner, w.ticket_assignee),
                              w.ticket_owner);
  if (w.opened_in) {
    std::uint32_t reached = 0;
    if (w.escalated) {
      // With the ladder: levels climbed from where it started; without it,
      // each escalation is one level.
      if (opts.org != nullptr && w.base_level >= 0 && w.max_level >= 0)
        reached = static_cast<std::uint32_t>(std::max(1, w.max_level - w.base_level));
      else
        reached = w.escalations;
    }
    mine.each([&](row_counts& r) {
      ++r.opened;
      if (w.escalated) ++r.escalated;
      r.count_level(reached);
      if (w.bounced) ++r.bounced;
      if (w.repeat) ++r.repeats;
    });
  }
  if (w.closed_in)
    mine.each([&](row_counts& r) {
      ++r.closed;
      if (w.resolve_calendar) r.resolve_calendar.push_back(*w.resolve_calendar);
      if (w.resolve_business) r.resolve_business.push_back(*w.resolve_business);
      if (!w.moved) ++r.first_contact_resolved;
      if (w.reopened) ++r.reopened;
      r.count_closed_workflow(w.workflow_slot);
      if (w.callback) ++r.callbacks;
    });
}

/// Lists the ticket among the worst overdue at the period's end, whether or
/// not anything happened to it in the period.
template <class Event>
void accumulator::state::note_overdue(const Event& opened) {
  if (!w.open || w.lacks_outcomes || opts.worst_overdue == 0) return;
  const deadline_state* worst_deadline = nullptr;
  for (const deadline_state& d : w.deadlines)
    if (d.breached && (worst_deadline == nullptr || *d.breached < *worst_deadline->breached))
      worst_deadline = &d;
  if (worst_deadline == nullptr) return;
  const auto name = [&](std::uint32_t id) { return id == none ? std::string() : names.name(id); };
  overdue_ticket o{std::string(opened.ticket_id),
                   std::string(opened.workflow_id),
                   deadline_slots.name(worst_deadline->slot),
                   *worst_deadline->breached,
                   (opts.to - *worst_deadline->breached).count(),
                   name(w.at.unit),
                   name(w.region),
                   name(w.owner),
                   name(w.at.person)};
  // Longest overdue first, then by ticket id; the heap's top is the one
  // that would be listed last.
  const auto before = [](const overdue_ticket& a, const overdue_ticket& b) {
    if (a.overdue_seconds != b.overdue_seconds) return a.overdue_seconds > b.overdue_seconds;
    return a.ticket_id < b.ticket_id;
  };
  worst.push_back(std::move(o));
  std::push_heap(worst.begin(), worst.end(), before);
  if (worst.size() > opts.worst_overdue) {
    std::pop_heap(worst.begin(), worst.end(), before);
    worst.pop_back();
  }
}

// --- the public surface --------------------------------------------------------------

accumulator::accumulator(std::unique_ptr<state> s) : state_(std::move(s)) {}
accumulator::accumulator(accumulator&&) noexcept = default;
accumulator& accumulator::operator=(accumulator&&) noexcept = default;
accumulator::~accumulator() = default;

result<accumulator> accumulator::make(options opts) {
  if (opts.to <= opts.from)
    return fail(errc::invalid_argument, "the period is empty: it ends (" + format_iso8601(opts.to) +
                                            ") no later than it starts (" +
                                            format_iso8601(opts.from) + ")");
  for (std::size_t i = 0; i < opts.instants.size(); ++i) {
    const timestamp at = opts.instants[i];
    if (at < opts.from || at > opts.to)
      return fail(errc::invalid_argument,
                  "instant " + format_iso8601(at) + " is outside the period [" +
                      format_iso8601(opts.from) + ", " + format_iso8601(opts.to) + "]");
    if (i > 0 && at <= opts.instants[i - 1])
      return fail(errc::invalid_argument,
                  "the instants are not in ascending order: " + format_iso8601(at) +
                      " comes after " + format_iso8601(opts.instants[i - 1]));
  }
  for (std::size_t i = 0; i < opts.by.size(); ++i) {
    if (opts.by[i].kind == group_kind::classification && opts.by[i].name.empty())
      return fail(errc::invalid_argument, "group key 'class.' names no classification");
    for (std::size_t j = 0; j < i; ++j)
      if (opts.by[j] == opts.by[i])
        return fail(errc::invalid_argument,
                    "group key '" + to_string(opts.by[i]) + "' is given twice");
  }
  auto weights = detail::points_weights(opts);
  if (!weights) return fail(weights.error());
  return accumulator(std::make_unique<state>(std::move(opts), std::move(*weights)));
}

template <class Event>
result<void> accumulator::state::add(std::span<const Event> trail) {
  if (trail.empty() || trail.front().type != event_type::opened) return {};
  // Checked before anything is counted: a trail this version cannot read
  // whole adds nothing.
  for (const Event& e : trail) {
    const auto type = static_cast<std::uint8_t>(e.type);
    if (type == 0 || type > all_event_types.size())
      return fail(errc::incompatible,
                  "ticket " + std::string(e.ticket_id) + ": event " + std::to_string(e.sequence) +
                      " was written by a newer tierflow (event type " + std::to_string(type) +
                      "); upgrade tierflow to report on this store");
  }
  state& s = *this;
  ++s.tickets_read;
  s.begin(trail);
  std::size_t next_instant = 0;
  const std::vector<timestamp>& instants = s.opts.instants;
  for (const Event& e : trail) {
    if (e.time > s.opts.to) break;
    if (s.w.open) {
      while (next_instant < instants.size() && instants[next_instant] < e.time)
        s.snapshot(next_instant++);
    } else {
      // A ticket not open at an instant counts nothing there (snapshot):
      // the instants before its opening (a year's midnights, for a ticket
      // opened late in it) are jumped over, not walked.
      next_instant = static_cast<std::size_t>(
          std::lower_bound(instants.begin() + static_cast<std::ptrdiff_t>(next_instant),
                           instants.end(), e.time) -
          instants.begin());
    }
    s.apply(e);
  }
  // Nor at the instants after it closed.
  if (s.w.open)
    while (next_instant < instants.size()) s.snapshot(next_instant++);
  s.end(trail.front());
  return {};
}

result<void> accumulator::add(std::span<const event> trail) { return state_->add(trail); }

result<void> accumulator::add_views(std::span<const event_view> trail) {
  return state_->add(trail);
}

report accumulator::finish() {
  state& s = *state_;
  report r;
  r.from = s.opts.from;
  r.to = s.opts.to;
  r.by = s.opts.by;
  r.tickets_read = s.tickets_read;
  r.tickets_in_period = s.tickets_in_period;
  r.tickets_without_outcomes = s.without_outcomes;
  const detail::slot_names slots{&s.deadline_slots.names(), s.step_slot, &s.records_callback};
  r.total = detail::indicators_of(s.total, slots);
  const auto group_of = [&](std::uint32_t row) {
    std::vector<std::string> group;
    if (row == none) return group;
    for (const std::uint32_t v : s.row_keys[row]) group.push_back(s.names.name(v));
    return group;
  };
  if (s.opts.by.empty()) {
    if (r.total != indicators{}) r.rows.push_back({{}, r.total});
  } else {
    for (std::size_t i = 0; i < s.rows.size(); ++i) {
      indicators values = detail::indicators_of(s.rows[i], slots);
      // A group that only holds backlog has no row of indicators.
      if (values == indicators{}) continue;
      r.rows.push_back({group_of(static_cast<std::uint32_t>(i)), std::move(values)});
    }
    std::sort(r.rows.begin(), r.rows.end(),
              [](const group_row& a, const group_row& b) { return a.group < b.group; });
  }
  for (std::size_t k = 0; k < s.backlog.size(); ++k) {
    std::vector<backlog_point> points;
    for (const auto& [row, c] : s.backlog[k])
      points.push_back({s.opts.instants[k], group_of(row), c.open, c.overdue, c.opened, c.closed});
    std::sort(points.begin(), points.end(),
              [](const backlog_point& a, const backlog_point& b) { return a.group < b.group; });
    // Ungrouped, every instant has its point, zeros included.
    if (points.empty() && s.opts.by.empty()) points.push_back({s.opts.instants[k], {}, 0, 0, 0, 0});
    for (auto& p : points) r.backlog.push_back(std::move(p));
  }
  // Name ids are in first-seen order; the lists are by name.
  for (std::size_t id = 0; id < s.units.size(); ++id)
    if (s.units[id].stays != 0) {
      const auto unit = static_cast<std::uint32_t>(id);
      r.units.push_back({s.names.name(unit), s.is_team(unit), s.units[id].stays,
                         s.units[id].calendar, s.units[id].business});
    }
  std::sort(r.units.begin(), r.units.end(),
            [](const unit_time& a, const unit_time& b) { return a.unit < b.unit; });
  for (std::size_t id = 0; id < s.people.size(); ++id)
    if (s.people[id].any()) {
      const detail::person_counts& p = s.people[id];
      r.people.push_back(
          {s.names.name(static_cast<std::uint32_t>(id)), p.actions, p.taken, p.tickets, p.closed});
    }
  std::sort(r.people.begin(), r.people.end(),
            [](const workload& a, const workload& b) { return a.person < b.person; });
  for (std::size_t i = 0; i < s.owner_rows.size(); ++i) {
    const indicators values = detail::indicators_of(s.owner_rows[i], slots);
    r.managers.push_back(detail::score_manager(s.names.name(s.owner_of_row[i]), values, s.weights));
  }
  detail::rank_managers(r.managers);
  const auto before = [](const overdue_ticket& a, const overdue_ticket& b) {
    if (a.overdue_seconds != b.overdue_seconds) return a.overdue_seconds > b.overdue_seconds;
    return a.ticket_id < b.ticket_id;
  };
  std::sort_heap(s.worst.begin(), s.worst.end(), before);
  r.worst_overdue = std::move(s.worst);
  // Left empty, ready for another period with the same options.
  state_ = std::make_unique<state>(std::move(s.opts), std::move(s.weights));
  return r;
}

}  // namespace tierflow::kpi
