// SPDX-License-Identifier: MIT
// Checks the engine's property and thread tests share: events as text for
// failure messages, who may take an action, a pool of actors to draw from,
// and what a ticket's trail must say about its timers and its owner. A check
// returns an empty string when all is well, else what is wrong.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/event.hpp>
#include <tierflow/organisation.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/workflow.hpp>

namespace tierflow_test {

// --- describing things for failure messages ---------------------------------------------

/// One event as "#seq type @time by actor {key=value; …}".
inline std::string describe(const tierflow::event& e) {
  std::ostringstream os;
  os << "#" << e.sequence << " " << tierflow::to_string(e.type) << " @"
     << e.time.time_since_epoch().count() << " by " << e.actor_id << " {";
  for (const auto& [k, v] : e.details) os << k << "=" << v << "; ";
  os << "}";
  return os.str();
}

/// The events of `s` from index `from` on, one an indented line.
inline std::string describe(const std::vector<tierflow::event>& s, std::size_t from = 0) {
  std::string out;
  for (std::size_t i = from; i < s.size(); ++i) out += "\n  " + describe(s[i]);
  return out;
}

// --- the model of who may do what --------------------------------------------------------

/// Whether `unit` (a tier or a team of `org`) is split by region.
inline bool unit_by_region(const tierflow::organisation& org, std::string_view unit) {
  if (const auto* t = org.find_tier(unit)) return t->by_region;
  if (const auto* t = org.find_team(unit)) return t->by_region;
  return false;
}

/// Whether one of the actor's roles may take the action on a ticket of
/// `region` (a role of a region-split unit only in its own region).
inline bool permitted(const tierflow::organisation& org, const tierflow::actor& who,
                      const tierflow::action& act, std::string_view region) {
  for (const auto& role_id : who.roles) {
    if (std::find(act.by.begin(), act.by.end(), role_id) == act.by.end()) continue;
    const tierflow::role* ro = org.find_role(role_id);
    if (ro == nullptr) continue;
    if (!unit_by_region(org, ro->unit) || who.region == region) return true;
  }
  return false;
}

/// People to act as: every role of `org` in every region ("role@region"),
/// and "nobody" (no roles). With `mixed`, also people of the shipped
/// organisation with several roles ("multi@gusu", "managers@kunshan",
/// "everything@wuzhong": all roles) and "stranger" (a role no unit knows).
/// The order is fixed, so a seed draws the same people every run.
inline std::vector<tierflow::actor> actor_pool(const tierflow::organisation& org, bool mixed) {
  std::vector<tierflow::actor> out;
  std::vector<std::string> all_roles;
  for (const auto& role : org.roles) {
    all_roles.push_back(role.id);
    for (const auto& region : org.regions)
      out.push_back({role.id + "@" + region.id, {role.id}, region.id});
  }
  if (mixed) {
    out.push_back({"multi@gusu", {"csr", "technical_engineer", "dispatcher"}, "gusu"});
    out.push_back({"managers@kunshan", {"regional_manager", "enterprise_manager"}, "kunshan"});
    out.push_back({"everything@wuzhong", all_roles, "wuzhong"});
  }
  out.push_back({"nobody", {}, "gusu"});
  if (mixed) out.push_back({"stranger", {"janitor"}, "gusu"});
  return out;
}

// --- trail checks ------------------------------------------------------------------------

/// The warning percents the workflow's escalation rules configure for each
/// deadline (and "step").
inline std::map<std::string, std::set<std::uint32_t>> warning_percents(
    const tierflow::workflow& wf) {
  std::map<std::string, std::set<std::uint32_t>> out;
  for (const auto& rule : wf.escalations)
    if (rule.on == tierflow::trigger::warning) out[rule.deadline].insert(rule.percent);
  return out;
}

/// Checks the timer events of a trail `s` of workflow `wf`: each by `system`
/// and of a deadline of `wf` (or "step"); each fires at most once per clock
/// run (the step clock runs once per state visit: a `transitioned` event
/// starts a new one); warnings carry a percent some rule asks for, in
/// ascending order, all of them before the breach; after-breach timers
/// name their delay and come after the breach.
inline std::string check_timers(const tierflow::workflow& wf,
                                const std::vector<tierflow::event>& s) {
  using tierflow::event_type;
  const auto percents = warning_percents(wf);
  struct clock_run {
    std::vector<std::uint32_t> warned;
    bool breached = false;
    std::set<std::string> after;
  };
  std::map<std::string, clock_run> runs;
  for (const tierflow::event& e : s) {
    if (e.type == event_type::transitioned) runs.erase("step");
    if (e.type != event_type::deadline_warned && e.type != event_type::deadline_breached)
      continue;
    if (e.actor_id != "system") return "timer event not by system: " + describe(e);
    const std::string deadline(e.detail("deadline").value_or(""));
    if (deadline != "step" && wf.find_deadline(deadline) == nullptr)
      return "timer of unknown deadline: " + describe(e);
    clock_run& rn = runs[deadline];
    if (e.type == event_type::deadline_warned) {
      const auto p = e.detail("percent");
      if (!p) return "warning without percent: " + describe(e);
      const auto percent = static_cast<std::uint32_t>(std::stoul(std::string(*p)));
      if (rn.breached) return "warning after the breach: " + describe(e) + describe(s);
      if (!rn.warned.empty() && rn.warned.back() >= percent)
        return "warning fired twice or out of order: " + describe(e) + describe(s);
      const auto it = percents.find(deadline);
      if (it == percents.end() || !it->second.contains(percent))
        return "warning no rule asks for: " + describe(e);
      rn.warned.push_back(percent);
    } else if (const auto after = e.detail("after")) {
      if (after->empty()) return "after-breach timer without its delay: " + describe(e);
      if (!rn.breached) return "after-breach timer before the breach: " + describe(e) + describe(s);
      if (!rn.after.insert(std::string(*after)).second)
        return "after-breach timer fired twice: " + describe(e) + describe(s);
    } else {
      if (rn.breached) return "breach fired twice: " + describe(e) + describe(s);
      const auto it = percents.find(deadline);
      const std::size_t want = it == percents.end() ? 0 : it->second.size();
      if (rn.warned.size() != want)
        return "breach before all " + std::to_string(want) +
               " warnings of its run: " + describe(e) + describe(s);
      rn.breached = true;
    }
  }
  return {};
}

/// Checks that the owner is set once, by the first `accepted` event (which
/// says owner=true, and no later one does), and that the view's owner is
/// that event's person (none without one).
inline std::string check_owner(const tierflow::ticket_view& v,
                               const std::vector<tierflow::event>& s) {
  std::string owner;
  for (const tierflow::event& e : s) {
    if (e.type != tierflow::event_type::accepted) continue;
    const bool says_owner = e.detail("owner") == "true";
    if (owner.empty() != says_owner)
      return "accepted event disagrees about ownership: " + describe(e) + describe(s);
    if (owner.empty()) owner = std::string(e.detail("person").value_or(""));
  }
  if (v.owner != owner) return "view owner '" + v.owner + "', the trail says '" + owner + "'";
  return {};
}

}  // namespace tierflow_test
