// SPDX-License-Identifier: MIT
// Hand-made audit trails for the tests of what reads trails (the KPIs):
// one ticket's events, in order, with exactly the detail keys of
// tierflow/event_schema.hpp (its "Outcome records" included), at times the
// test sets. Nothing is sealed until seal() (a store wants sealed events;
// an accumulator does not care).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/audit.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/store.hpp>
#include <tierflow/time.hpp>

namespace tierflow_test {

/// Calendar and business seconds, as an outcome record holds them.
struct spent {
  std::int64_t calendar = 0;
  std::int64_t business = 0;
};

/// Builds one ticket's trail event by event; each event is stamped with the
/// time last set by at() and numbered in order.
class trail_builder {
 public:
  explicit trail_builder(std::string ticket_id, std::string workflow_id = "complaint")
      : ticket_(std::move(ticket_id)), workflow_(std::move(workflow_id)) {}

  /// The time of the events that follow.
  trail_builder& at(tierflow::timestamp t) {
    now_ = t;
    return *this;
  }

  /// Any event, details as given.
  trail_builder& add(tierflow::event_type type, std::string actor,
                     tierflow::event_details details) {
    tierflow::event e;
    e.ticket_id = ticket_;
    e.sequence = events_.size() + 1;
    e.time = now_;
    e.actor_id = std::move(actor);
    e.workflow_id = workflow_;
    e.workflow_version = 1;
    e.type = type;
    e.details = std::move(details);
    events_.push_back(std::move(e));
    return *this;
  }

  trail_builder& opened(std::string type, std::string region) {
    namespace key = tierflow::detail_key;
    return add(tierflow::event_type::opened, "crm",
               {{k(key::type), std::move(type)},
                {k(key::channel), "hotline_95598"},
                {k(key::customer), "C1"},
                {k(key::region), std::move(region)}});
  }
  /// Routing at open; with `stay` a reroute (kind reroute, time in the unit left).
  trail_builder& routed(std::string unit, std::string region,
                        std::optional<spent> stay = std::nullopt) {
    namespace key = tierflow::detail_key;
    tierflow::event_details d{
        {k(key::kind), std::string(stay ? tierflow::detail_value::reroute
                                        : tierflow::detail_value::routed_on_open)},
        {k(key::rule), "r"},
        {k(key::unit), std::move(unit)},
        {k(key::region), std::move(region)}};
    if (stay) with(d, key::unit_calendar_seconds, key::unit_business_seconds, *stay);
    return add(tierflow::event_type::routed, "crm", std::move(d));
  }
  /// A person takes the ticket; `wait` only for the owner's take (omit it
  /// for a trail older than the outcome records).
  trail_builder& accepted(std::string person, bool owner, bool assignee,
                          std::optional<spent> wait = std::nullopt) {
    namespace key = tierflow::detail_key;
    namespace value = tierflow::detail_value;
    tierflow::event_details d{{k(key::person), person},
                              {k(key::owner), std::string(owner ? value::yes : value::no)},
                              {k(key::assignee), std::string(assignee ? value::yes : value::no)}};
    if (wait) with(d, key::wait_calendar_seconds, key::wait_business_seconds, *wait);
    return add(tierflow::event_type::accepted, std::move(person), std::move(d));
  }
  /// An action from one state to another; `in_state` is the time spent in
  /// `from` (omit for an old trail); `extra` such as {"step", "met"} or
  /// {"class.callback", "satisfied"}.
  trail_builder& transitioned(std::string actor, std::string action, std::string from,
                              std::string to, std::optional<spent> in_state,
                              tierflow::event_details extra = {}) {
    namespace key = tierflow::detail_key;
    tierflow::event_details d{{k(key::action), std::move(action)},
                              {k(key::from), std::move(from)},
                              {k(key::to), std::move(to)}};
    if (in_state) with(d, key::state_calendar_seconds, key::state_business_seconds, *in_state);
    for (auto& kv : extra) d.push_back(std::move(kv));
    return add(tierflow::event_type::transitioned, std::move(actor), std::move(d));
  }
  trail_builder& handed_off(std::string actor, std::string from_unit, std::string to_unit,
                            std::string region, spent stay) {
    namespace key = tierflow::detail_key;
    tierflow::event_details d{{k(key::action), "dispatch"},
                              {k(key::from_unit), std::move(from_unit)},
                              {k(key::to_unit), std::move(to_unit)},
                              {k(key::region), std::move(region)}};
    with(d, key::unit_calendar_seconds, key::unit_business_seconds, stay);
    return add(tierflow::event_type::handed_off, std::move(actor), std::move(d));
  }
  trail_builder& returned(std::string actor, std::string from_unit, std::string to_unit,
                          std::string region, std::string person, spent stay) {
    namespace key = tierflow::detail_key;
    tierflow::event_details d{{k(key::action), "report"},
                              {k(key::kind), std::string(tierflow::detail_value::handoff)},
                              {k(key::from_unit), std::move(from_unit)},
                              {k(key::to_unit), std::move(to_unit)},
                              {k(key::region), std::move(region)},
                              {k(key::person), std::move(person)}};
    with(d, key::unit_calendar_seconds, key::unit_business_seconds, stay);
    return add(tierflow::event_type::returned, std::move(actor), std::move(d));
  }
  trail_builder& escalated(std::string from_tier, std::string to_tier, std::string region,
                           spent stay) {
    namespace key = tierflow::detail_key;
    tierflow::event_details d{{k(key::rule), "overdue"},
                              {k(key::from_tier), std::move(from_tier)},
                              {k(key::to_tier), std::move(to_tier)},
                              {k(key::region), std::move(region)}};
    with(d, key::unit_calendar_seconds, key::unit_business_seconds, stay);
    return add(tierflow::event_type::escalated, "system", std::move(d));
  }
  /// An escalation while a team has the ticket: the engine records no unit
  /// time (no unit is left; the ticket returns up the ladder).
  trail_builder& escalated_during_handoff(std::string from_tier, std::string to_tier,
                                          std::string region) {
    namespace key = tierflow::detail_key;
    return add(tierflow::event_type::escalated, "system",
               {{k(key::rule), "overdue"},
                {k(key::from_tier), std::move(from_tier)},
                {k(key::to_tier), std::move(to_tier)},
                {k(key::region), std::move(region)}});
  }
  trail_builder& breached(std::string deadline) {
    return add(tierflow::event_type::deadline_breached, "system",
               {{k(tierflow::detail_key::deadline), std::move(deadline)}});
  }
  /// A deadline stopping; `met` true for "met"; `due` as recorded.
  trail_builder& stopped(std::string deadline, bool met, tierflow::timestamp due, spent counted,
                         std::int64_t paused = 0) {
    namespace key = tierflow::detail_key;
    return add(tierflow::event_type::deadline_stopped, "system",
               {{k(key::deadline), std::move(deadline)},
                {k(key::outcome),
                 std::string(met ? tierflow::detail_value::met : tierflow::detail_value::missed)},
                {k(key::due), tierflow::format_iso8601(due)},
                {k(key::calendar_seconds), std::to_string(counted.calendar)},
                {k(key::business_seconds), std::to_string(counted.business)},
                {k(key::paused_seconds), std::to_string(paused)}});
  }
  trail_builder& paused(std::string state) {
    return add(tierflow::event_type::paused, "system",
               {{k(tierflow::detail_key::state), std::move(state)}});
  }
  trail_builder& resumed(std::string state) {
    return add(tierflow::event_type::resumed, "system",
               {{k(tierflow::detail_key::state), std::move(state)}});
  }
  trail_builder& flagged(std::string flag) {
    namespace key = tierflow::detail_key;
    return add(tierflow::event_type::noted, "system",
               {{k(key::rule), "repeat_complaint"}, {k(key::flag), std::move(flag)}});
  }
  /// Closing; `unit` and `ticket` are the outcome records (omit both for
  /// an old trail).
  trail_builder& closed(std::string state, std::optional<spent> unit, std::optional<spent> ticket) {
    namespace key = tierflow::detail_key;
    tierflow::event_details d{{k(key::state), std::move(state)}};
    if (unit) with(d, key::unit_calendar_seconds, key::unit_business_seconds, *unit);
    if (ticket) with(d, key::ticket_calendar_seconds, key::ticket_business_seconds, *ticket);
    return add(tierflow::event_type::closed, "system", std::move(d));
  }

  [[nodiscard]] const std::vector<tierflow::event>& events() const noexcept { return events_; }
  [[nodiscard]] const std::string& ticket_id() const noexcept { return ticket_; }

  /// Appends the trail to `s` as one command, sealed, with a summary row.
  [[nodiscard]] tierflow::result<void> append_to(tierflow::store& s) const {
    std::vector<tierflow::event> sealed = events_;
    (void)tierflow::seal(sealed, tierflow::event_hash{});
    tierflow::ticket_summary row;
    row.ticket_id = ticket_;
    row.workflow_id = workflow_;
    row.workflow_version = 1;
    row.opened_at = sealed.front().time;
    row.version = sealed.size();
    return s.append(
        {.ticket_id = ticket_, .expected_version = 0, .events = sealed, .summary = &row});
  }

 private:
  static std::string k(std::string_view key) { return std::string(key); }
  static void with(tierflow::event_details& d, std::string_view calendar_key,
                   std::string_view business_key, spent s) {
    d.emplace_back(k(calendar_key), std::to_string(s.calendar));
    d.emplace_back(k(business_key), std::to_string(s.business));
  }

  std::string ticket_;
  std::string workflow_;
  tierflow::timestamp now_{};
  std::vector<tierflow::event> events_;
};

}  // namespace tierflow_test
