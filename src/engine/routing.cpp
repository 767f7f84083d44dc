// SPDX-License-Identifier: MIT
// Routing. See routing.hpp.
#include "engine/routing.hpp"

#include <cstddef>
#include <utility>

#include <tierflow/condition.hpp>
#include <tierflow/event_schema.hpp>

#include "engine/outcomes.hpp"

namespace tierflow::detail {

bool region_split(const organisation& org, std::string_view unit) {
  if (const tier* t = org.find_tier(unit)) return t->by_region;
  if (const team* t = org.find_team(unit)) return t->by_region;
  return false;
}

std::string region_for(const organisation& org, std::string_view unit, std::string_view region) {
  return region_split(org, unit) ? std::string(region) : std::string{};
}

routing_decision route(const organisation& org, const ticket_record& rec,
                       std::string_view skip_unit) {
  const workflow& wf = *rec.flow->wf;
  routing_decision d;
  d.workflow_id = wf.id;
  d.workflow_version = wf.version;
  value scratch;
  for (std::size_t i = 0; i < wf.routing.size(); ++i) {
    const routing_rule& rule = wf.routing[i];
    if (!skip_unit.empty() && rule.assign == skip_unit) continue;
    rule_trace t;
    t.rule = rule.id;
    if (rule.when) {
      for (const auto& f : rec.flow->routing_inputs[i]) {
        const value* v = rec.lookup(f, scratch);
        t.inputs.emplace_back(f, v != nullptr ? value_text(*v) : std::string("(absent)"));
      }
      t.matched = evaluate(*rule.when, [&](std::string_view f) { return rec.lookup(f, scratch); });
    } else {
      t.matched = true;
    }
    d.trace.push_back(std::move(t));
    if (d.trace.back().matched) {
      d.rule = rule.id;
      d.to = assignment{rule.assign, region_for(org, rule.assign, rec.region), {}};
      return d;
    }
  }
  // The validator insists on a catch-all; a catalog without one still
  // lands tickets somewhere a person looks: the bottom of the ladder.
  d.rule = "(no rule matched)";
  const std::string bottom = org.ladder.empty() ? std::string{} : org.ladder.front().id;
  d.to = assignment{bottom, region_for(org, bottom, rec.region), {}};
  return d;
}

void emit_routed(command& cmd, const routing_decision& d, std::string_view kind) {
  detail_writer& det = cmd.details();
  det.add(detail_key::kind, kind);
  det.add(detail_key::rule, d.rule);
  det.add(detail_key::unit, d.to.unit);
  det.add(detail_key::region, d.to.region);
  for (const auto& t : d.trace)
    if (t.rule == d.rule)
      for (const auto& [f, v] : t.inputs) det.add_prefixed(detail_key::routing_input_prefix, f, v);
  // A reroute leaves the unit that sent the ticket back (at open there is
  // none to leave).
  add_unit_time(det, cmd.rec, d.to.unit, cmd.time);
  cmd.emit(event_type::routed);
}

}  // namespace tierflow::detail
