// SPDX-License-Identifier: MIT
// Escalation: the rules a workflow declares (on open, on an action, on a
// deadline's warning or breach) and their steps — notify, escalate up the
// ladder, hand off to a team, flag.
#include <algorithm>

#include <tierflow/condition.hpp>
#include <tierflow/event_schema.hpp>

#include "engine/engine_impl.hpp"
#include "engine/outcomes.hpp"
#include "engine/routing.hpp"

namespace tierflow {

// A move that would not go up (already at the top, or at/above the named
// tier) is recorded as a note and changes nothing.
void engine::impl::escalate(command& cmd, std::string_view target, std::string_view cause_key,
                            std::string_view cause) {
  const detail::ticket_record& r = cmd.rec;
  const auto& ladder = defs.org.ladder;
  const tier* to = nullptr;
  if (target == "next") {
    if (r.tier_level + 1 < ladder.size()) to = &ladder[r.tier_level + 1];
  } else if (const tier* named = defs.org.find_tier(target);
             named != nullptr && named->level > r.tier_level) {
    to = named;
  }
  if (to == nullptr) {
    // Not keyed "action": the fold counts those as the action taken again.
    cmd.emit(event_type::noted,
             {{cause_key == detail_key::action ? detail_key::by_action : detail_key::rule, cause},
              {detail_key::note, "escalation to " + std::string(target) +
                                     " skipped: the ticket is at " + r.tier + ", not below it"}});
    return;
  }
  detail::detail_writer& det = cmd.details();
  det.add(cause_key, cause);
  det.add(detail_key::from_tier, r.tier);
  det.add(detail_key::to_tier, to->id);
  det.add(detail_key::region, detail::region_for(defs.org, to->id, r.region));
  // During a handoff the team keeps the ticket (the fold moves only where it
  // returns to): no unit is left, no time recorded.
  if (r.handoffs.empty()) detail::add_unit_time(det, r, to->id, cmd.time);
  cmd.emit(event_type::escalated);
  notify_owner(cmd, to_string(event_type::escalated));
}

void engine::impl::hand_off(command& cmd, std::string_view team_id, std::string_view cause_key,
                            std::string_view cause) {
  const detail::ticket_record& r = cmd.rec;
  detail::detail_writer& det = cmd.details();
  det.add(cause_key, cause);
  det.add(detail_key::from_unit, r.assignee.unit);
  det.add(detail_key::to_unit, team_id);
  det.add(detail_key::region, detail::region_for(defs.org, team_id, r.region));
  detail::add_unit_time(det, r, team_id, cmd.time);
  cmd.emit(event_type::handed_off);
  notify_owner(cmd, to_string(event_type::handed_off));
}

void engine::impl::run_rule(command& cmd, std::size_t rule_index) {
  const escalation_rule& rule = cmd.rec.flow->wf->escalations[rule_index];
  if (!rule.from_tiers.empty() && std::find(rule.from_tiers.begin(), rule.from_tiers.end(),
                                            cmd.rec.tier) == rule.from_tiers.end())
    return;
  if (rule.when) {
    value scratch;
    if (!evaluate(*rule.when, [&](std::string_view f) { return cmd.rec.lookup(f, scratch); }))
      return;
  }
  for (const escalation_step& step : rule.steps) {
    switch (step.what) {
      case escalation_step::kind::notify: notify_target(cmd, step.target, rule.id); break;
      case escalation_step::kind::escalate:
        escalate(cmd, step.target, detail_key::rule, rule.id);
        break;
      case escalation_step::kind::handoff:
        hand_off(cmd, step.target, detail_key::rule, rule.id);
        break;
      case escalation_step::kind::flag:
        cmd.emit(event_type::noted, {{detail_key::rule, rule.id}, {detail_key::flag, step.target}});
        break;
    }
  }
}

}  // namespace tierflow
