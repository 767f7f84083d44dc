// SPDX-License-Identifier: MIT
// Notifications: recorded as `notified` events within the command that
// causes them, and handed to the host's sink after the command is stored,
// outside every lock.
#include <tierflow/event_schema.hpp>

#include "engine/engine_impl.hpp"
#include "engine/routing.hpp"

namespace tierflow {

void engine::impl::notify(command& cmd, recipient to, std::string_view unit, std::string_view region,
                          std::string_view person, std::string_view reason) {
  // The sink's copy first, while the views still name what the caller
  // meant (the event's fold may change the record they point into), and
  // only for a sink: without one (the simulator, hosts that read the
  // trail) nothing would receive it.
  if (sink != nullptr)
    cmd.notes.push_back(notification{cmd.rec.id, cmd.time, to, std::string(person), std::string(unit),
                                     std::string(region), std::string(reason)});
  cmd.emit(event_type::notified, {{detail_key::to, to_string(to)},
                                  {detail_key::unit, unit},
                                  {detail_key::region, region},
                                  {detail_key::person, person},
                                  {detail_key::reason, reason}});
}

void engine::impl::notify_owner(command& cmd, std::string_view reason) {
  const detail::ticket_record& r = cmd.rec;
  if (r.owner.empty()) return;
  notify(cmd, recipient::owner, r.assignee.unit, r.assignee.region, r.owner, reason);
}

void engine::impl::notify_target(command& cmd, std::string_view target, std::string_view reason) {
  const detail::ticket_record& r = cmd.rec;
  if (target == "owner") return notify_owner(cmd, reason);
  if (target == "assignee")
    return notify(cmd, recipient::assignee, r.assignee.unit, r.assignee.region, r.assignee.person,
                  reason);
  if (defs.org.find_tier(target) != nullptr)
    return notify(cmd, recipient::tier, target, detail::region_for(defs.org, target, r.region), {}, reason);
  if (defs.org.find_team(target) != nullptr)
    return notify(cmd, recipient::team, target, detail::region_for(defs.org, target, r.region), {}, reason);
  notify(cmd, recipient::role, target, {}, {}, reason);
}

void engine::impl::deliver(std::vector<notification>& notes) {
  for (const notification& n : notes) {
    if (sink == nullptr) continue;
    try {
      sink->deliver(n);
      notified.add();
    } catch (...) {
      sink_failures.add();
    }
  }
  notes.clear();
}

}  // namespace tierflow
