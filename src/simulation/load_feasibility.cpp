// SPDX-License-Identifier: MIT
// What would make a run of a well-formed scenario meaningless, said before
// it starts: demand nobody raises, states whose next action the run cannot
// choose, actions no one on the staff may take (in a region that has
// customers, for units split by region), and routing targets where an
// opened ticket waits for ever.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "simulation/load_messages.hpp"
#include "simulation/load_parts.hpp"

namespace tierflow::detail::sim_loading {

namespace {

/// How many people of each role there are, in all and per region.
class staffing {
 public:
  staffing(const organisation& org, const std::vector<staff_group>& staff) : org_(org) {
    for (const staff_group& g : staff) {
      const role* ro = org.find_role(g.role);
      if (ro == nullptr) continue;
      if (!split(ro->unit)) {
        total_[g.role] += g.count;
        continue;
      }
      for (const named_entry& region : org.regions) {
        std::uint64_t people = g.count;
        for (const auto& [name, n] : g.regions)
          if (name == region.id) people = n;
        in_region_[{g.role, region.id}] += people;
        total_[g.role] += people;
      }
    }
  }

  [[nodiscard]] bool split(std::string_view unit) const {
    if (const tier* t = org_.find_tier(unit)) return t->by_region;
    if (const team* t = org_.find_team(unit)) return t->by_region;
    return false;
  }
  [[nodiscard]] bool role_split(const std::string& role_id) const {
    const role* ro = org_.find_role(role_id);
    return ro != nullptr && split(ro->unit);
  }
  [[nodiscard]] std::uint64_t total(const std::string& role_id) const {
    const auto found = total_.find(role_id);
    return found == total_.end() ? 0 : found->second;
  }
  /// People of the role who may act on a ticket of `region`: all of a role
  /// whose unit is not split, those of the region otherwise.
  [[nodiscard]] std::uint64_t for_region(const std::string& role_id,
                                         const std::string& region) const {
    if (!role_split(role_id)) return total(role_id);
    const auto found = in_region_.find({role_id, region});
    return found == in_region_.end() ? 0 : found->second;
  }
  /// Someone of `roles` is on the staff at all.
  [[nodiscard]] bool any(const std::vector<std::string>& roles) const {
    return std::any_of(roles.begin(), roles.end(),
                       [&](const std::string& id) { return total(id) > 0; });
  }
  /// The regions of `regions` in which nobody of `roles` may act.
  [[nodiscard]] std::vector<std::string> missing_in(const std::vector<std::string>& roles,
                                                    const std::set<std::string>& regions) const {
    std::vector<std::string> out;
    for (const std::string& region : regions)
      if (std::none_of(roles.begin(), roles.end(),
                       [&](const std::string& id) { return for_region(id, region) > 0; }))
        out.push_back(region);
    return out;
  }

 private:
  const organisation& org_;
  std::map<std::string, std::uint64_t> total_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> in_region_;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string in_regions(const std::vector<std::string>& regions) {
  if (regions.empty()) return {};
  return fmt::format(" in region{} {}", regions.size() == 1 ? "" : "s", joined(regions));
}

/// "complaint.yaml:25": where a workflow declares something, short enough to
/// read in a message and the same wherever the catalog was loaded from.
std::string declared_at(const source_pos& where) {
  return fmt::format("{}:{}", std::filesystem::path(where.file).filename().string(), where.line);
}

bool is_moving(const action& a) { return !a.to.empty() || a.effect != action_effect::none; }

/// Customers in the segments `names` (all when empty).
std::uint64_t customers_in(const population& p, const std::vector<std::string>& names) {
  const auto wanted = [&](const std::string& id) {
    return names.empty() || std::find(names.begin(), names.end(), id) != names.end();
  };
  std::uint64_t n = 0;
  for (const segment& s : p.segments)
    if (wanted(s.id)) n += s.count;
  for (const customer& c : p.loaded)
    if (wanted(c.segment)) ++n;
  return n;
}

/// The regions some customer lives in.
std::set<std::string> populated_regions(const population& p) {
  std::set<std::string> out;
  for (const segment& s : p.segments) {
    if (s.count == 0) continue;
    for (const auto& [region, w] : s.regions)
      if (w > 0) out.insert(region);
  }
  for (const customer& c : p.loaded) out.insert(c.region);
  return out;
}

/// The workflow versions a demand stream's tickets take during the run.
std::vector<const workflow*> versions_reached(const catalog& cat, const scenario& sc,
                                              const std::string& type) {
  std::vector<const workflow*> out;
  const std::chrono::sys_days first = sc.start;
  const std::chrono::sys_days end = sc.start + std::chrono::days{sc.warm_up_days + sc.days};
  if (const workflow* w = cat.workflow_for(type, first)) out.push_back(w);
  for (const workflow& w : cat.workflows)
    if (w.serves(type) && w.effective > first && w.effective < end &&
        cat.workflow_for(type, w.effective) == &w)
      out.push_back(&w);
  return out;
}

const decision* decision_for(const scenario& sc, const std::string& flow, const std::string& st) {
  for (const decision& d : sc.decisions)
    if (d.workflow == flow && d.state == st) return &d;
  return nullptr;
}

/// The actions a ticket in `st` may be given next: the decision's choices,
/// or the moving actions when there is no decision.
std::vector<const action*> next_actions(const state& st, const decision* d) {
  std::vector<const action*> out;
  for (const action& a : st.actions) {
    const bool chosen = d != nullptr
                            ? std::any_of(d->choices.begin(), d->choices.end(),
                                          [&](const choice& c) { return c.action == a.id; })
                            : is_moving(a);
    if (chosen) out.push_back(&a);
  }
  return out;
}

}  // namespace

void check_feasibility(reader& r, const scenario& sc, const catalog& cat, const anchors& at) {
  const organisation& org = cat.org;
  const staffing staff(org, sc.staff);
  const std::set<std::string> regions = populated_regions(sc.customers);

  // The workflows demand reaches, each with the first stream reaching it.
  std::vector<std::pair<const workflow*, source_pos>> reached;
  for (const demand_stream& d : sc.demand) {
    if (customers_in(sc.customers, d.segments) == 0)
      r.error(d.where, sim_msg::no_customers_for(d.type));
    for (const workflow* w : versions_reached(cat, sc, d.type))
      if (std::none_of(reached.begin(), reached.end(),
                       [&](const auto& seen) { return seen.first == w; }))
        reached.emplace_back(w, d.where);
  }

  for (const auto& [flow, demand_at] : reached) {
    const workflow& w = *flow;
    const source_pos staff_at = at.staff.value_or(demand_at);
    source_pos decisions_at = at.decisions.value_or(demand_at);
    for (const auto& [id, where] : at.decision_workflows)
      if (id == w.id) decisions_at = where;

    for (const state& st : w.states) {
      const decision* d = decision_for(sc, w.id, st.id);
      std::vector<std::string> moving;
      for (const action& a : st.actions)
        if (is_moving(a)) moving.push_back(a.id);
      if (d == nullptr && moving.size() >= 2) {
        r.error(decisions_at,
                sim_msg::decision_missing(st.id, w.id, joined(moving), declared_at(st.where)));
        continue;
      }
      if (d != nullptr) {
        const std::vector<const action*> chosen = next_actions(st, d);
        if (std::none_of(chosen.begin(), chosen.end(),
                         [](const action* a) { return is_moving(*a); }))
          r.error(d->where, sim_msg::decision_never_moves(st.id, w.id));
      }
      for (const action* a : next_actions(st, d)) {
        source_pos where = staff_at;
        if (d != nullptr)
          for (const choice& c : d->choices)
            if (c.action == a->id) where = c.where;
        if (!staff.any(a->by)) {
          r.error(where, sim_msg::action_unstaffed(a->id, st.id, w.id, joined(a->by), ""));
          continue;
        }
        if (const auto missing = staff.missing_in(a->by, regions); !missing.empty())
          r.error(where, sim_msg::action_unstaffed(a->id, st.id, w.id, joined(a->by),
                                                   in_regions(missing)));
      }
    }

    // A routed ticket sits at the rule's unit in the initial state; the
    // people of that unit whose role may act take it, or, when no role of
    // the unit may, those of the action's first role (as the run does).
    if (w.initial == npos) continue;
    const state& first = w.states[w.initial];
    const decision* d = decision_for(sc, w.id, first.id);
    for (const routing_rule& rule : w.routing) {
      for (const action* a : next_actions(first, d)) {
        std::vector<std::string> pool;
        for (const std::string& role_id : a->by)
          if (const role* ro = org.find_role(role_id); ro != nullptr && ro->unit == rule.assign)
            pool.push_back(role_id);
        const bool fallback = pool.empty();
        if (fallback && !a->by.empty()) pool.push_back(a->by.front());
        std::string regions_text;
        if (staff.any(pool)) {
          const auto missing = staff.missing_in(pool, regions);
          if (missing.empty()) continue;
          regions_text = in_regions(missing);
        }
        if (fallback)
          r.error(staff_at, sim_msg::routing_fallback_unstaffed(rule.id, w.id, rule.assign, a->id,
                                                                joined(pool), regions_text));
        else
          r.error(staff_at, sim_msg::routing_unstaffed(rule.id, w.id, rule.assign, a->id,
                                                       joined(pool), regions_text));
      }
    }
  }
}

}  // namespace tierflow::detail::sim_loading
