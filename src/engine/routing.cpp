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

namespace {

// region_for() written into `out`, reusing its storage.
void assign_region(std::string& out, const organisation& org, std::string_view unit,
                   std::string_view region) {
  if (region_split(org, unit)) {
    write_text(out, region);
  } else {
    out.clear();
  }
}

}  // namespace

routing_decision route(const organisation& org, const ticket_record& rec,
                       std::string_view skip_unit) {
  routing_decision d;
  route_into(org, rec, skip_unit, d);
  return d;
}

void route_into(const organisation& org, const ticket_record& rec, std::string_view skip_unit,
                routing_decision& d) {
  const workflow& wf = *rec.flow->wf;
  write_text(d.workflow_id, wf.id);
  d.workflow_version = wf.version;
  d.escalations.clear();
  // The rules tried so far: d.trace[0, tried), each written over what an
  // earlier decision left there.
  std::size_t tried = 0;
  value scratch;
  value_digits digits;
  for (std::size_t i = 0; i < wf.routing.size(); ++i) {
    const routing_rule& rule = wf.routing[i];
    if (!skip_unit.empty() && rule.assign == skip_unit) continue;
    if (tried == d.trace.size()) d.trace.emplace_back();
    rule_trace& t = d.trace[tried++];
    write_text(t.rule, rule.id);
    std::size_t inputs = 0;
    if (rule.when) {
      for (const auto& f : rec.flow->routing_inputs[i]) {
        const value* v = rec.lookup(f, scratch);
        if (inputs == t.inputs.size()) t.inputs.emplace_back();
        auto& [field, text] = t.inputs[inputs++];
        // Written over the trace of the thread's last routing (routing
        // decisions are kept from command to command): the same fields,
        // often the same values.
        write_text(field, f);
        write_text(text, v != nullptr ? value_text_view(*v, digits) : std::string_view("(absent)"));
      }
      t.matched = evaluate(*rule.when, [&](std::string_view f) { return rec.lookup(f, scratch); });
    } else {
      t.matched = true;
    }
    t.inputs.resize(inputs);
    if (t.matched) {
      d.trace.resize(tried);
      write_text(d.rule, rule.id);
      write_text(d.to.unit, rule.assign);
      assign_region(d.to.region, org, rule.assign, rec.region);
      d.to.person.clear();
      return;
    }
  }
  d.trace.resize(tried);
  // The validator insists on a catch-all; a catalog without one still
  // lands tickets somewhere a person looks: the bottom of the ladder.
  d.rule = "(no rule matched)";
  if (org.ladder.empty()) {
    d.to.unit.clear();
  } else {
    d.to.unit = org.ladder.front().id;
  }
  assign_region(d.to.region, org, d.to.unit, rec.region);
  d.to.person.clear();
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
