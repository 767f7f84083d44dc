// SPDX-License-Identifier: MIT
// Stuck tickets and region queues: every place a ticket can get to, and
// whether anyone may act on it there. See validate_checks.hpp.
//
// Who may act is the engine's rule (src/engine/authorization.cpp): one of
// the actor's roles is in the action's `by`, and for a role of a
// region-split unit the actor serves the ticket's region; `return: true`
// needs a handoff to return from. So whether a ticket can move depends on
// its state, on whether it has a region and on whether it is handed off;
// which unit it sits at (its tier, or the team it was routed or handed off
// to) is what the message names and what escalation rules' `from` tests.
// A ticket is abstracted to exactly that, and the finite graph of those
// abstractions is explored from the routing rules. Conditions are ignored
// (any rule may match, any escalation may fire) except whether they need a
// customer region, which a ticket keeps for life.
#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "language/messages.hpp"
#include "language/validate_checks.hpp"

namespace tierflow::detail {

bool requires_field(const condition& c, std::string_view field) {
  switch (c.node) {
    case condition::kind::compare: return c.field == field;
    case condition::kind::negate: return false;
    case condition::kind::all:
      return std::any_of(c.children.begin(), c.children.end(),
                         [&](const condition& k) { return requires_field(k, field); });
    case condition::kind::any:
      return !c.children.empty() &&
             std::all_of(c.children.begin(), c.children.end(),
                         [&](const condition& k) { return requires_field(k, field); });
  }
  return false;
}

std::string line_ref(const source_pos& at, std::string_view file) {
  if (at.file == file) return fmt::format("line {}", at.line);
  return fmt::format("{}:{}", at.file, at.line);
}

namespace {

constexpr std::string_view region_field = "customer.region";

bool region_split(const organisation& org, std::string_view unit) {
  if (const tier* t = org.find_tier(unit)) return t->by_region;
  if (const team* t = org.find_team(unit)) return t->by_region;
  return false;
}

/// Where a ticket is, as far as who may act on it goes. The views point
/// into the workflow and organisation, which outlive the check.
struct place {
  std::size_t state = 0;
  std::size_t tier = 0;   ///< ladder index; ladder.size(): off the ladder (routed to a team)
  std::string_view home;  ///< the tier or team it belongs to
  std::string_view team;  ///< the team it is handed off to; empty: not handed off
  /// Handed off from a team it was handed off to: where `return` takes it.
  /// Deeper handoffs are not told apart (none of the shipped workflows nests
  /// even two).
  std::string_view outer;
  bool regionless = false;

  [[nodiscard]] std::string_view unit() const { return team.empty() ? home : team; }
  [[nodiscard]] auto key() const { return std::tuple(state, tier, home, team, outer, regionless); }

  void hand_off(std::string_view to) {
    if (!team.empty()) outer = team;
    team = to;
  }
  void give_back() {
    team = outer;
    outer = {};
  }
};

/// Why no one may take one action at a place.
enum class blocked : std::uint8_t { no, no_such_role, needs_handoff, needs_region };

/// "'a'", "'a' or 'b'", "'a', 'b' or 'c'".
std::string listed(const std::vector<std::string_view>& ids, std::string_view last_joint) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += i + 1 == ids.size() ? fmt::format(" {} ", last_joint) : std::string(", ");
    out += fmt::format("'{}'", ids[i]);
  }
  return out;
}

class explorer {
 public:
  explorer(const workflow& wf, const organisation& org, diagnostics& diags)
      : wf_(wf), org_(org), diags_(diags), tiers_(org.ladder.size()) {
    const attribute* region = org.find_customer_attribute("region");
    // A ticket's region is its customer's `region` attribute (intake.cpp):
    // without one in the schema, no ticket has a region.
    can_have_region_ = region != nullptr;
    can_lack_region_ = region == nullptr || !region->required;
    fires_in_.assign(wf.escalations.size(), std::vector<bool>(wf.states.size(), false));
    for (std::size_t r = 0; r < wf.escalations.size(); ++r) {
      const escalation_rule& rule = wf.escalations[r];
      for (std::size_t s = 0; s < wf.states.size(); ++s) {
        const state& st = wf.states[s];
        switch (rule.on) {
          case trigger::open: fires_in_[r][s] = s == wf.initial; break;
          case trigger::warning:
          case trigger::breach: fires_in_[r][s] = !st.terminal; break;
          case trigger::action:
            // After the action: in the state it leads to.
            for (const action& a : st.actions) {
              if (a.id != rule.action) continue;
              const std::size_t after = a.to.empty() ? s : a.to_index;
              if (after < wf.states.size()) fires_in_[r][after] = true;
            }
            break;
        }
      }
    }
  }

  void run() {
    const std::size_t n = wf_.states.size();
    if (wf_.initial >= n) return;
    for (const routing_rule& r : wf_.routing) {
      if (!org_.is_unit(r.assign)) continue;
      for (const bool regionless : {false, true}) {
        if (!may_be(regionless, r.when)) continue;
        place p;
        p.state = wf_.initial;
        p.tier = tier_of(r.assign).value_or(tiers_);
        p.home = r.assign;
        p.regionless = regionless;
        if (regionless)
          check_region(&r, r.assign, r.assign_where.line > 0 ? r.assign_where : r.where,
                       fmt::format("routing rule '{}' assigns", r.id), true);
        add(p, npos, msg::path_routed(r.id, ref(r.where), r.assign));
      }
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const place p = nodes_[i].at;
      if (wf_.states[p.state].terminal) continue;
      act_from(i, p);
      escalate_from(i, p);
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i) check_stuck(i);
  }

 private:
  struct node {
    place at;
    std::size_t parent = npos;
    std::string step;  ///< how it got here from its parent
  };

  [[nodiscard]] std::string ref(const source_pos& at) const { return line_ref(at, wf_.where.file); }

  /// Whether a ticket with(out) a region can be one that `when` lets through.
  [[nodiscard]] bool may_be(bool regionless, const std::optional<condition>& when) const {
    if (!regionless) return can_have_region_;
    return can_lack_region_ && !(when && requires_field(*when, region_field));
  }

  [[nodiscard]] std::optional<std::size_t> tier_of(std::string_view unit) const {
    for (std::size_t i = 0; i < tiers_; ++i)
      if (org_.ladder[i].id == unit) return i;
    return std::nullopt;
  }

  /// The engine's escalate(): `next` one rung up, a named tier only when it
  /// is above; off the ladder counts as the bottom rung's level.
  [[nodiscard]] std::optional<std::size_t> escalated(const place& p,
                                                     std::string_view target) const {
    const std::size_t level = p.tier < tiers_ ? p.tier : 0;
    if (target == "next") {
      if (level + 1 < tiers_) return level + 1;
      return std::nullopt;
    }
    const auto named = tier_of(target);
    if (named && *named > level) return named;
    return std::nullopt;
  }

  void add(const place& p, std::size_t parent, std::string step) {
    if (!seen_.emplace(p.key(), nodes_.size()).second) return;
    nodes_.push_back({p, parent, std::move(step)});
  }

  /// (b): reported once per culprit and unit.
  void check_region(const void* culprit, std::string_view unit, const source_pos& at,
                    std::string what, bool is_rule) {
    if (!region_split(org_, unit)) return;
    if (!region_reported_.emplace(culprit, std::string(unit)).second) return;
    diags_.error(at, msg::regionless_into_split_unit(what, unit, is_rule));
  }

  [[nodiscard]] blocked why_blocked(const action& a, const place& p) const {
    bool any_role = false, served = false;
    for (const std::string& id : a.by) {
      const role* ro = org_.find_role(id);
      if (ro == nullptr) continue;
      any_role = true;
      if (!p.regionless || !region_split(org_, ro->unit)) served = true;
    }
    if (!any_role) return blocked::no_such_role;
    if (a.effect == action_effect::give_back && p.team.empty()) return blocked::needs_handoff;
    if (!served) return blocked::needs_region;
    return blocked::no;
  }

  void act_from(std::size_t from, const place& p) {
    const state& st = wf_.states[p.state];
    for (const action& a : st.actions) {
      if (why_blocked(a, p) != blocked::no) continue;
      place q = p;
      std::vector<std::string> effects;
      if (!a.to.empty()) {
        if (a.to_index >= wf_.states.size()) continue;  // reported by the loader
        if (a.to_index != p.state) {
          q.state = a.to_index;
          effects.push_back(msg::effect_moves(a.to));
        }
      }
      switch (a.effect) {
        case action_effect::none: break;
        case action_effect::handoff:
          if (org_.find_team(a.target) == nullptr) break;
          q.hand_off(a.target);
          effects.push_back(msg::effect_hands_off(a.target));
          if (p.regionless)
            check_region(&a, a.target, a.where, fmt::format("action '{}' hands off", a.id), false);
          break;
        case action_effect::give_back:
          q.give_back();
          effects.push_back(msg::effect_returns(q.unit()));
          break;
        case action_effect::escalate:
          if (const auto to = escalated(p, a.target)) {
            q.tier = *to;
            q.home = org_.ladder[*to].id;
            effects.push_back(msg::effect_escalates(q.home));
            if (p.regionless)
              check_region(&a, q.home, a.where, fmt::format("action '{}' escalates", a.id), false);
          }
          break;
        case action_effect::reroute: reroute(from, a, q, effects); continue;
      }
      if (q.key() == p.key()) continue;
      add(q, from,
          msg::path_action(a.id, ref(a.where), fmt::format("{}", fmt::join(effects, " and "))));
    }
  }

  /// The router again, skipping rules that assign the unit the ticket is
  /// at; with none left, the bottom of the ladder (routing.cpp). The
  /// ticket then sits at the unit routed to: a handoff it was on is not
  /// followed further (returning from it after a reroute is rare enough).
  void reroute(std::size_t from, const action& a, const place& moved,
               std::vector<std::string> effects) {
    const place p = nodes_[from].at;  // add() may move nodes_
    const auto land = [&](std::string_view unit, std::string effect) {
      place q = moved;
      q.team = {};
      q.outer = {};
      q.home = unit;
      if (const auto t = tier_of(unit)) q.tier = *t;
      std::vector<std::string> all = effects;
      all.push_back(std::move(effect));
      add(q, from,
          msg::path_action(a.id, ref(a.where), fmt::format("{}", fmt::join(all, " and "))));
    };
    for (const routing_rule& r : wf_.routing) {
      if (r.assign == p.unit() || !org_.is_unit(r.assign) || !may_be(p.regionless, r.when))
        continue;
      land(r.assign, msg::effect_reroutes(r.id, ref(r.where), r.assign));
    }
    // No rule left: only when every catch-all was skipped.
    const bool catch_all_left =
        std::any_of(wf_.routing.begin(), wf_.routing.end(), [&](const routing_rule& r) {
          return !r.when && r.assign != p.unit() && org_.is_unit(r.assign);
        });
    if (tiers_ > 0 && !catch_all_left)
      land(org_.ladder.front().id, msg::effect_reroutes_to_bottom(org_.ladder.front().id));
  }

  void escalate_from(std::size_t from, const place& p) {
    for (std::size_t r = 0; r < wf_.escalations.size(); ++r) {
      const escalation_rule& rule = wf_.escalations[r];
      if (!fires_in_[r][p.state]) continue;
      if (!rule.from_tiers.empty() &&
          (p.tier >= tiers_ || std::find(rule.from_tiers.begin(), rule.from_tiers.end(),
                                         org_.ladder[p.tier].id) == rule.from_tiers.end()))
        continue;
      if (p.regionless && rule.when && requires_field(*rule.when, region_field)) continue;
      place q = p;
      std::vector<std::string> effects;
      for (const escalation_step& step : rule.steps) {
        if (step.what == escalation_step::kind::escalate) {
          const auto to = escalated(q, step.target);
          if (!to) continue;
          q.tier = *to;
          q.home = org_.ladder[*to].id;
          effects.push_back(msg::effect_escalates(q.home));
          if (p.regionless)
            check_region(&step, q.home, step.where,
                         fmt::format("escalation rule '{}' escalates", rule.id), true);
        } else if (step.what == escalation_step::kind::handoff) {
          if (org_.find_team(step.target) == nullptr) continue;
          q.hand_off(step.target);
          effects.push_back(msg::effect_hands_off(step.target));
          if (p.regionless)
            check_region(&step, step.target, step.where,
                         fmt::format("escalation rule '{}' hands off", rule.id), true);
        }
      }
      if (q.key() == p.key()) continue;
      add(q, from,
          msg::path_rule(rule.id, ref(rule.where), fmt::format("{}", fmt::join(effects, " and "))));
    }
  }

  void check_stuck(std::size_t i) {
    const place& p = nodes_[i].at;
    const state& st = wf_.states[p.state];
    // A state without actions is a dead end, reported as such.
    if (st.terminal || st.actions.empty()) return;
    std::vector<std::string_view> no_role, need_handoff, need_region;
    const auto note = [](std::vector<std::string_view>& ids, std::string_view id) {
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    };
    for (const action& a : st.actions) {
      switch (why_blocked(a, p)) {
        case blocked::no: return;
        case blocked::no_such_role: note(no_role, a.id); break;
        case blocked::needs_handoff: note(need_handoff, a.id); break;
        case blocked::needs_region: note(need_region, a.id); break;
      }
    }
    if (!stuck_reported_.emplace(p.state, std::string(p.unit()), p.regionless, !p.team.empty())
             .second)
      return;
    std::vector<std::string> reasons;
    if (!need_region.empty()) reasons.push_back(msg::stuck_needs_region(listed(need_region, "or")));
    if (!need_handoff.empty())
      reasons.push_back(
          msg::stuck_needs_handoff(listed(need_handoff, "and"), need_handoff.size() > 1));
    if (!no_role.empty()) reasons.push_back(msg::stuck_no_such_role(listed(no_role, "or")));
    std::vector<std::string_view> steps;
    for (std::size_t k = i; k != npos; k = nodes_[k].parent) steps.push_back(nodes_[k].step);
    std::reverse(steps.begin(), steps.end());
    diags_.error(st.where,
                 msg::stuck_ticket(p.regionless ? "tickets without a customer region" : "tickets",
                                   st.id, p.unit(), fmt::format("{}", fmt::join(reasons, "; ")),
                                   fmt::format("{}", fmt::join(steps, ", then "))));
  }

  const workflow& wf_;
  const organisation& org_;
  diagnostics& diags_;
  std::size_t tiers_;
  bool can_have_region_ = false;
  bool can_lack_region_ = true;
  /// fires_in_[rule][state]: the rule can fire while a ticket is in the state.
  std::vector<std::vector<bool>> fires_in_;
  std::vector<node> nodes_;
  std::map<decltype(place{}.key()), std::size_t> seen_;
  std::set<std::pair<const void*, std::string>> region_reported_;
  std::set<std::tuple<std::size_t, std::string, bool, bool>> stuck_reported_;
};

}  // namespace

void check_stuck_tickets(const workflow& wf, const organisation& org, diagnostics& diags) {
  explorer(wf, org, diags).run();
}

}  // namespace tierflow::detail
