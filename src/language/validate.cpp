// SPDX-License-Identifier: MIT
// The graph checks of validate(), on Boost.Graph: reachability and dead ends
// of each workflow's states, the ladder's order, escalation loops between
// tiers and the feasibility of open-to-end deadlines.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/visitors.hpp>
#include <boost/pending/queue.hpp>
#include <boost/property_map/property_map.hpp>
#include <fmt/format.h>

#include <tierflow/calendar.hpp>
#include <tierflow/validate.hpp>

#include "language/messages.hpp"
#include "language/validate_checks.hpp"

namespace tierflow {
namespace {

// vecS vertices: a vertex descriptor is the index of the state (or tier) it
// stands for, so results map straight back onto the workflow's vectors.
// bidirectionalS so that reverse_graph can walk edges backwards.
using digraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property,
                          boost::property<boost::edge_weight_t, double>>;
using vertex = boost::graph_traits<digraph>::vertex_descriptor;
using index_map = boost::typed_identity_property_map<vertex>;

// --- Messages ------------------------------------------------------------------------
// Every text validate() can produce, in one place, so that tests can assert
// them exactly.

std::string quoted(std::string_view id) { return fmt::format("'{}'", id); }

std::string msg_unreachable(std::string_view state, std::string_view initial) {
  return fmt::format("state '{}' is unreachable from the initial state '{}'", state, initial);
}
std::string msg_dead_end(std::string_view state) {
  return fmt::format("no terminal state can be reached from state '{}': a ticket there is stuck",
                     state);
}
std::string msg_no_terminal(std::string_view wf) {
  return fmt::format("workflow '{}' has no terminal state: no ticket can ever finish", wf);
}
std::string msg_ladder_twice(std::string_view tier, std::string_view between) {
  return fmt::format("ladder is not a strict order: '{}' comes both below and above '{}'", tier,
                     between);
}
std::string msg_ladder_in_a_row(std::string_view tier) {
  return fmt::format("ladder is not a strict order: '{}' is listed twice in a row", tier);
}
std::string msg_loop(bool culprit_is_rule, std::string_view cycle) {
  return fmt::format("{} can loop: {}", culprit_is_rule ? "escalation rules" : "escalations",
                     cycle);
}
std::string msg_infeasible(std::string_view total, std::string_view deadline_id,
                           std::string_view length, bool several_cases, std::string_view path) {
  return fmt::format(
      "step limits on the quickest path to a terminal state add up to {}, more than deadline "
      "'{}' ({}{}): {}",
      total, deadline_id, length, several_cases ? ", its longest case" : "", path);
}

// --- Graph helpers -------------------------------------------------------------------

/// Which vertices of `g` a breadth-first search from all of `sources` reaches.
template <class Graph>
std::vector<bool> reached_from(const Graph& g, const std::vector<vertex>& sources) {
  std::vector<boost::default_color_type> color(num_vertices(g), boost::white_color);
  auto colors = boost::make_iterator_property_map(color.begin(), index_map{});
  boost::queue<vertex> queue;
  boost::breadth_first_search(g, sources.begin(), sources.end(), queue,
                              boost::default_bfs_visitor{}, colors);
  std::vector<bool> out(color.size());
  for (std::size_t i = 0; i < color.size(); ++i) out[i] = color[i] != boost::white_color;
  return out;
}

/// The state graph of a workflow: one vertex per state, one edge per action
/// whose `to` resolved. An edge's weight is `weights` of the state it
/// leaves (its step limit, for the feasibility check), or 0 without weights.
struct state_graph {
  digraph graph;
  /// The state has an action whose `to` did not resolve: the loader has
  /// reported it, and where it leads is unknown.
  std::vector<bool> unresolved_exit;
};

state_graph build_state_graph(const workflow& wf, const std::vector<double>& weights) {
  const std::size_t n = wf.states.size();
  state_graph sg{digraph(n), std::vector<bool>(n, false)};
  for (std::size_t s = 0; s < n; ++s) {
    for (const action& a : wf.states[s].actions) {
      if (a.to.empty()) continue;  // stays put: no edge
      if (a.to_index >= n) {
        sg.unresolved_exit[s] = true;
        continue;
      }
      if (a.to_index == s) continue;
      boost::add_edge(s, a.to_index, weights.empty() ? 0.0 : weights[s], sg.graph);
    }
  }
  return sg;
}

// --- The ladder ------------------------------------------------------------------------

/// True if the ladder is a strict order; otherwise reports every repeated
/// entry, at the repeat. The ladder as a graph (each tier pointing to the
/// one listed above it) is a simple path exactly when no tier is listed
/// twice; strong_components finds the cycles a repeat closes.
bool check_ladder(const organisation& org, diagnostics& diags) {
  const auto& ladder = org.ladder;
  std::map<std::string_view, vertex> vertex_of;
  std::vector<vertex> at(ladder.size());
  for (std::size_t i = 0; i < ladder.size(); ++i)
    at[i] = vertex_of.try_emplace(ladder[i].id, vertex_of.size()).first->second;
  digraph g(vertex_of.size());
  for (std::size_t i = 1; i < ladder.size(); ++i) boost::add_edge(at[i - 1], at[i], g);

  std::vector<std::size_t> component(num_vertices(g));
  const auto components = boost::strong_components(
      g, boost::make_iterator_property_map(component.begin(), index_map{}));
  bool self_loop = false;
  for (std::size_t i = 1; i < ladder.size(); ++i) self_loop = self_loop || at[i] == at[i - 1];
  if (static_cast<std::size_t>(components) == num_vertices(g) && !self_loop) return true;

  // Name a repeat by the entry just below it: that entry is above the
  // tier's previous occurrence and below this one, on the cycle.
  std::map<vertex, std::size_t> last_seen;
  for (std::size_t i = 0; i < ladder.size(); ++i) {
    const auto [it, first] = last_seen.try_emplace(at[i], i);
    if (!first) {
      if (it->second + 1 == i) {
        diags.error(ladder[i].where, msg_ladder_in_a_row(ladder[i].id));
      } else {
        diags.error(ladder[i].where, msg_ladder_twice(ladder[i].id, ladder[i - 1].id));
      }
      it->second = i;
    }
  }
  return false;
}

// --- Reachability and dead ends ------------------------------------------------------

void check_states(const workflow& wf, const state_graph& sg, diagnostics& diags) {
  const std::size_t n = wf.states.size();
  // An unresolved initial state was reported by the loader; without it,
  // every state would look unreachable.
  if (wf.initial < n) {
    const auto reached = reached_from(sg.graph, {wf.initial});
    for (std::size_t s = 0; s < n; ++s)
      if (!reached[s])
        diags.warning(wf.states[s].where,
                      msg_unreachable(wf.states[s].id, wf.states[wf.initial].id));
  }

  std::vector<vertex> ends;
  bool any_terminal = false;
  for (std::size_t s = 0; s < n; ++s) {
    any_terminal = any_terminal || wf.states[s].terminal;
    // A state whose exit did not resolve may well lead to an end: count it
    // as one rather than report a second error for the same typo.
    if (wf.states[s].terminal || sg.unresolved_exit[s]) ends.push_back(s);
  }
  if (n > 0 && !any_terminal) {
    // One error instead of one per state: they would all say the same.
    diags.error(wf.where, msg_no_terminal(wf.id));
    return;
  }
  const auto can_end = reached_from(boost::make_reverse_graph(sg.graph), ends);
  for (std::size_t s = 0; s < n; ++s)
    if (!can_end[s]) diags.error(wf.states[s].where, msg_dead_end(wf.states[s].id));
}

// --- Escalation loops ------------------------------------------------------------------
//
// A position is a tier (its ladder index) or `off`, the one position off the
// ladder (a team the routing assigns). A move is one escalate step taken at a
// position. Where a rule may fire:
//
// - with `from`: at those tiers, when the ticket can be there at all;
// - `on: open` without `from`: where the routing puts a ticket;
// - other triggers and escalating actions: anywhere a ticket can get to,
//   i.e. the routed positions closed under the moves themselves (a fixed
//   point). Taking every tier instead would flag a named-tier escalation
//   from a tier no ticket can reach, a false positive on sensible
//   workflows.
//
// A cycle of moves must contain a downward move (`next` only climbs); the
// rule or action making it is reported, with the cycle spelled out.

/// One thing that escalates: a rule or an escalating action.
struct escalator {
  const escalation_rule* rule = nullptr;
  const action* act = nullptr;
  /// Escalate steps in order: a ladder index, or `next_step`.
  std::vector<std::size_t> steps;
  std::vector<bool> allowed;  ///< positions it may fire at (its `from`), or empty: any
  bool at_open = false;

  [[nodiscard]] source_pos where() const { return rule != nullptr ? rule->where : act->where; }
  [[nodiscard]] std::string label(bool next) const {
    std::string out = rule != nullptr ? "rule " + quoted(rule->id) : "action " + quoted(act->id);
    if (next) out += ", next";
    return out;
  }
};

inline constexpr std::size_t next_step = npos - 1;

struct tier_move {
  std::size_t from = 0;
  std::size_t to = 0;
  std::size_t by = 0;  ///< index of the escalator
  bool next = false;
};

std::size_t ladder_index(const organisation& org, std::string_view id) {
  for (std::size_t i = 0; i < org.ladder.size(); ++i)
    if (org.ladder[i].id == id) return i;
  return npos;
}

/// The moves escalator `e` makes when it fires at `start`, its steps taken
/// one after another (the second step starts where the first left the ticket).
void walk(const escalator& e, std::size_t by, std::size_t start, std::size_t tiers,
          std::vector<tier_move>& out) {
  std::size_t at = start;
  for (const std::size_t step : e.steps) {
    std::size_t to = step;
    if (step == next_step) {
      // `next` from the top, or from off the ladder (at == tiers), goes nowhere.
      if (at + 1 >= tiers) continue;
      to = at + 1;
    }
    if (to == at) continue;
    out.push_back({at, to, by, step == next_step});
    at = to;
  }
}

std::vector<escalator> escalators_of(const workflow& wf, const organisation& org) {
  const std::size_t tiers = org.ladder.size();
  std::vector<escalator> out;
  const auto target = [&](std::string_view t) {
    return t == "next" ? next_step : ladder_index(org, t);
  };
  for (const escalation_rule& r : wf.escalations) {
    escalator e;
    e.rule = &r;
    e.at_open = r.on == trigger::open;
    for (const escalation_step& s : r.steps) {
      if (s.what != escalation_step::kind::escalate) continue;
      // An unknown tier was reported by the loader; skip the step.
      if (const std::size_t t = target(s.target); t != npos) e.steps.push_back(t);
    }
    if (!r.from_tiers.empty()) {
      e.allowed.assign(tiers + 1, false);
      for (const std::string& f : r.from_tiers)
        if (const std::size_t t = ladder_index(org, f); t != npos) e.allowed[t] = true;
    }
    if (!e.steps.empty()) out.push_back(std::move(e));
  }
  for (const state& st : wf.states) {
    for (const action& a : st.actions) {
      if (a.effect != action_effect::escalate) continue;
      escalator e;
      e.act = &a;
      if (const std::size_t t = target(a.target); t != npos) e.steps.push_back(t);
      if (!e.steps.empty()) out.push_back(std::move(e));
    }
  }
  return out;
}

void check_escalation_loops(const workflow& wf, const organisation& org, diagnostics& diags) {
  const std::size_t tiers = org.ladder.size();
  if (tiers == 0) return;
  const std::size_t off = tiers;
  const std::vector<escalator> escalators = escalators_of(wf, org);
  if (escalators.empty()) return;

  std::vector<bool> routed(tiers + 1, false);
  for (const routing_rule& r : wf.routing) {
    if (const std::size_t t = ladder_index(org, r.assign); t != npos)
      routed[t] = true;
    else if (org.find_team(r.assign) != nullptr)
      routed[off] = true;
  }

  const auto fire_all = [&](const std::vector<bool>& where) {
    std::vector<tier_move> moves;
    for (std::size_t i = 0; i < escalators.size(); ++i) {
      const escalator& e = escalators[i];
      const std::vector<bool>& base = e.at_open ? routed : where;
      for (std::size_t p = 0; p <= tiers; ++p) {
        if (!base[p] || (!e.allowed.empty() && !e.allowed[p])) continue;
        walk(e, i, p, tiers, moves);
      }
    }
    return moves;
  };

  // The positions a ticket can reach: a monotone fixed point, at most one
  // round per position.
  std::vector<bool> reachable = routed;
  std::vector<tier_move> moves;
  for (bool grew = true; grew;) {
    grew = false;
    moves = fire_all(reachable);
    for (const tier_move& m : moves) {
      if (!reachable[m.to]) grew = true;
      reachable[m.to] = true;
    }
  }

  // The tier graph: one edge per distinct move, labelled by the first
  // escalator making it (rules in file order, then actions).
  digraph g(tiers + 1);
  std::map<std::pair<std::size_t, std::size_t>, const tier_move*> first_move;
  for (const tier_move& m : moves)
    if (first_move.try_emplace({m.from, m.to}, &m).second) boost::add_edge(m.from, m.to, g);
  std::vector<std::size_t> component(tiers + 1);
  boost::strong_components(g, boost::make_iterator_property_map(component.begin(), index_map{}));

  const auto tier_name = [&](std::size_t p) -> std::string_view {
    return p < tiers ? std::string_view(org.ladder[p].id) : std::string_view("(off the ladder)");
  };
  // fire_all lists moves escalator by escalator (rules in file order, then
  // actions): reports come out in that order, one per culprit.
  std::vector<bool> reported(escalators.size(), false);
  for (const tier_move& m : moves) {
    if (reported[m.by] || m.from == off || m.to >= m.from) continue;
    if (component[m.from] != component[m.to]) continue;
    reported[m.by] = true;
    // The way back up: the shortest path from m.to to m.from, which stays
    // inside their strong component.
    std::vector<vertex> pred(tiers + 1);
    for (std::size_t v = 0; v <= tiers; ++v) pred[v] = v;
    boost::breadth_first_search(
        g, m.to,
        boost::visitor(boost::make_bfs_visitor(boost::record_predecessors(
            boost::make_iterator_property_map(pred.begin(), index_map{}), boost::on_tree_edge()))));
    std::vector<vertex> back{m.from};
    while (back.back() != m.to) back.push_back(pred[back.back()]);
    std::reverse(back.begin(), back.end());

    const escalator& culprit = escalators[m.by];
    std::string cycle =
        fmt::format("{} -> {} ({})", tier_name(m.from), tier_name(m.to), culprit.label(m.next));
    for (std::size_t k = 1; k < back.size(); ++k) {
      const tier_move& step = *first_move.at({back[k - 1], back[k]});
      cycle += fmt::format(" -> {} ({})", tier_name(back[k]), escalators[step.by].label(step.next));
    }
    diags.error(culprit.where(), msg_loop(culprit.rule != nullptr, cycle));
  }
}

// --- Deadline feasibility ------------------------------------------------------------
//
// Durations in different units (and calendars) are compared on one scale:
// average wall-clock seconds of an ordinary week. A calendar unit is what it
// says; a business hour is 1 h of working time, i.e. 1/W of the week for W
// working hours a week; a business day is one average working day, 1/D of
// the week for D working weekdays. Within one calendar this is exactly the
// README's rule (a calendar hour as 1/168 of the weekly working time);
// across calendars it keeps a 24x7 deadline and office-hours step limits
// comparable. Holidays are ignored: this is an estimate, hence a warning.

struct time_scale {
  double per_business_hour = 0;
  double per_business_day = 0;
};

std::optional<time_scale> scale_of(const calendar* cal) {
  if (cal == nullptr) return std::nullopt;
  const std::int64_t week = working_seconds_per_week(*cal);
  std::int64_t days = 7;
  if (!cal->always_open) {
    days = 0;
    for (const auto& spans : cal->week) days += spans.empty() ? 0 : 1;
  }
  if (week <= 0 || days == 0) return std::nullopt;
  constexpr double wall_week = 7.0 * 24 * 3600;
  return time_scale{3600.0 * wall_week / static_cast<double>(week),
                    wall_week / static_cast<double>(days)};
}

/// Wall-clock seconds of one `unit`; nullopt for a business unit without a
/// usable calendar.
std::optional<double> unit_seconds(time_unit unit, const std::optional<time_scale>& scale) {
  switch (unit) {
    case time_unit::minutes: return 60.0;
    case time_unit::hours: return 3600.0;
    case time_unit::days: return 86400.0;
    case time_unit::business_hours:
      if (scale) return scale->per_business_hour;
      return std::nullopt;
    case time_unit::business_days:
      if (scale) return scale->per_business_day;
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<double> seconds_of(const duration& d, const std::optional<time_scale>& scale) {
  const auto unit = unit_seconds(d.unit, scale);
  if (!unit) return std::nullopt;
  return static_cast<double>(d.amount) * *unit;
}

/// `value` with as few decimals (at most six) as it takes to show it is
/// more than `limit`: "6.5", "5.01", "7".
std::string format_amount(double value, double limit) {
  std::string text;
  for (int precision = 2; precision <= 6; ++precision) {
    text = fmt::format("{:.{}f}", value, precision);
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    if (std::stod(text) > limit) break;
  }
  return text;
}

std::string_view unit_suffix(time_unit unit) {
  switch (unit) {
    case time_unit::minutes: return "m";
    case time_unit::hours: return "h";
    case time_unit::days: return "d";
    case time_unit::business_hours: return "bh";
    case time_unit::business_days: return "bd";
  }
  return "";
}

void check_deadlines(const workflow& wf, const organisation& org, diagnostics& diags) {
  const std::size_t n = wf.states.size();
  if (wf.initial >= n) return;
  std::vector<const deadline*> whole;  // open to the end
  for (const deadline& d : wf.deadlines)
    if (d.from.empty() && d.until.empty() && !d.cases.empty()) whole.push_back(&d);
  if (whole.empty()) return;

  // Step limits are kept in the workflow's calendar; a pausing state stops
  // every clock, so its limit costs the deadlines nothing.
  const auto wf_scale = scale_of(org.find_calendar(wf.calendar));
  std::vector<double> weight(n, 0.0);
  for (std::size_t s = 0; s < n; ++s) {
    const state& st = wf.states[s];
    if (!st.limit || st.pauses_clock) continue;
    const auto w = seconds_of(*st.limit, wf_scale);
    if (!w) return;  // a business limit without a usable calendar: nothing to compare
    weight[s] = *w;
  }

  const state_graph sg = build_state_graph(wf, weight);
  std::vector<vertex> pred(n);
  std::vector<double> dist(n);
  boost::dijkstra_shortest_paths(
      sg.graph, wf.initial,
      boost::predecessor_map(boost::make_iterator_property_map(pred.begin(), index_map{}))
          .distance_map(boost::make_iterator_property_map(dist.begin(), index_map{})));
  const double unreached = std::numeric_limits<double>::max();  // Dijkstra's default infinity
  std::size_t best = npos;
  for (std::size_t s = 0; s < n; ++s) {
    if (!wf.states[s].terminal || dist[s] == unreached) continue;
    if (best == npos || dist[s] < dist[best]) best = s;
  }
  if (best == npos) return;  // no way to an end: reported as dead ends

  std::string path = wf.states[best].id;
  for (std::size_t s = best; s != wf.initial; s = pred[s])
    path = wf.states[pred[s]].id + " -> " + path;

  for (const deadline* d : whole) {
    const auto scale = d->calendar.empty() ? wf_scale : scale_of(org.find_calendar(d->calendar));
    // Several cases: only a path longer than even the longest one is
    // certainly too long for every ticket.
    const deadline_case* longest = nullptr;
    double longest_seconds = 0;
    for (const deadline_case& c : d->cases) {
      const auto secs = seconds_of(c.within, scale);
      if (!secs) {
        longest = nullptr;
        break;
      }
      if (longest == nullptr || *secs > longest_seconds) {
        longest = &c;
        longest_seconds = *secs;
      }
    }
    if (longest == nullptr) continue;
    // The tolerance keeps rounding from turning an exact fit into a warning.
    if (dist[best] <= longest_seconds * (1 + 1e-9)) continue;
    const double in_unit = dist[best] / *unit_seconds(longest->within.unit, scale);
    const std::string total = format_amount(in_unit, static_cast<double>(longest->within.amount)) +
                              std::string(unit_suffix(longest->within.unit));
    diags.warning(d->where,
                  msg_infeasible(total, d->id, longest->within.str(), d->cases.size() > 1, path));
  }
}

// --- Deadlines no state stops ------------------------------------------------------------
//
// A deadline runs from its `from` state (or the open) until the ticket
// enters one of its `until` states (or any terminal state). If none of
// those can follow the start, the deadline breaches on every ticket, and
// its escalations fire on every ticket: almost always a state left out of
// `until` or an action's `to` pointing elsewhere.

void check_deadline_stops(const workflow& wf, const state_graph& sg, diagnostics& diags) {
  const std::size_t n = wf.states.size();
  if (wf.initial >= n) return;
  const auto from_initial = reached_from(sg.graph, {wf.initial});
  for (const deadline& d : wf.deadlines) {
    const std::size_t from = d.from.empty() ? wf.initial : d.from_index;
    if (from >= n) continue;  // reported by the loader
    if (!from_initial[from]) {
      // It never starts, so it never breaches either: say that, not both.
      diags.warning(d.where,
                    detail::msg::deadline_never_starts(d.id, d.from, wf.states[wf.initial].id));
      continue;
    }
    std::vector<std::size_t> stops;
    bool unresolved = false;
    if (d.until.empty()) {
      for (std::size_t s = 0; s < n; ++s)
        if (wf.states[s].terminal) stops.push_back(s);
      if (stops.empty()) continue;  // no terminal state at all: reported as such
    } else {
      for (const std::size_t s : d.until_index) {
        if (s < n)
          stops.push_back(s);
        else
          unresolved = true;
      }
      unresolved = unresolved || d.until_index.size() != d.until.size();
    }
    if (unresolved) continue;
    const auto reached = reached_from(sg.graph, {from});
    bool stopped = false;
    for (std::size_t s = 0; s < n; ++s)
      // An exit that did not resolve may lead to a stop: no second report.
      stopped = stopped || (reached[s] && sg.unresolved_exit[s]);
    for (const std::size_t s : stops) stopped = stopped || reached[s];
    if (stopped) continue;
    std::string stops_text = "any terminal state";
    if (!d.until.empty()) {
      stops_text.clear();
      for (std::size_t i = 0; i < d.until.size(); ++i) {
        if (i > 0) stops_text += i + 1 == d.until.size() ? " or " : ", ";
        stops_text += quoted(d.until[i]);
      }
    }
    diags.error(d.where, detail::msg::deadline_never_stops(d.id, stops_text, wf.states[from].id));
  }
}

}  // namespace

void validate(const catalog& cat, diagnostics& diags) {
  const bool strict_ladder = check_ladder(cat.org, diags);
  for (const workflow& wf : cat.workflows) {
    const state_graph sg = build_state_graph(wf, {});
    check_states(wf, sg, diags);
    // With a tier listed twice, `next` has no single meaning: the ladder
    // error comes first and loops are not looked for.
    if (strict_ladder) check_escalation_loops(wf, cat.org, diags);
    check_deadlines(wf, cat.org, diags);
    check_deadline_stops(wf, sg, diags);
    detail::check_stuck_tickets(wf, cat.org, diags);
    detail::check_partly_shadowed_rules(wf, cat.org, diags);
  }
}

}  // namespace tierflow
