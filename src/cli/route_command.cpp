// SPDX-License-Identifier: MIT
// `tierflow route [--explain] WORKFLOW_DIR TICKET.yaml`: where a ticket would
// go, and why. The ticket is read by detail::load_ticket_file (format in
// src/ticket_file.hpp, and ticket_format_help() below); the routing is the
// engine's own (engine::explain_route) on an engine whose clock stands at the
// ticket's `at`. With --explain the ticket is also opened on that scratch
// engine (in memory, no history) to show what opening it would do.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/time.hpp>

#include "text/text.hpp"
#include "cli/ticket_file.hpp"
#include "commands.hpp"
#include "say.hpp"

namespace tierflow::cli {
namespace {

using detail::join;

/// True if `unit` keeps one queue per region.
bool region_split(const organisation& org, std::string_view unit) {
  if (const tier* t = org.find_tier(unit)) return t->by_region;
  if (const team* t = org.find_team(unit)) return t->by_region;
  return false;
}

/// "regional_account_manager/wuzhong" or "enterprise_account_manager"; a
/// region-split unit without a region shows "regional_account_manager/-".
std::string queue_name(const organisation& org, const assignment& a) {
  if (!a.region.empty()) return a.unit + "/" + a.region;
  return region_split(org, a.unit) ? a.unit + "/-" : a.unit;
}

/// What kind of unit `unit` is: "tier, level 2", "team, one queue per region".
std::string unit_kind(const organisation& org, const assignment& a) {
  std::string kind;
  if (const tier* t = org.find_tier(a.unit))
    kind = fmt::format("tier, ladder level {} of 0..{}", t->level, org.ladder.size() - 1);
  else if (org.find_team(a.unit) != nullptr)
    kind = "team";
  else
    kind = "not a tier or team";
  if (region_split(org, a.unit)) {
    kind += a.region.empty() ? "; one queue per region, and the customer has no 'region'"
                             : "; one queue per region";
  }
  return kind;
}

void print_diagnostics(const diagnostics& diags, std::FILE* out, bool errors_only) {
  for (const auto& d : diags.items())
    if (!errors_only || d.level == severity::error) say(out, "{}", d.str());
}

/// The trace: every rule tried, in order, with the fields it read.
void print_trace(const routing_decision& decision, const workflow* wf, std::FILE* out) {
  say(out, "trace     rules in order; the first that matches assigns");
  for (const auto& t : decision.trace) {
    say(out, "  {}: {}", t.rule,
               t.matched ? (t.inputs.empty() ? "matched (catch-all)" : "matched") : "not matched");
    for (const auto& [field, value] : t.inputs) say(out, "    {} = {}", field, value);
  }
  if (wf == nullptr) return;
  std::vector<std::string> untried;
  bool after = false;
  for (const auto& rule : wf->routing) {
    if (after) untried.push_back(rule.id);
    if (rule.id == decision.rule) after = true;
  }
  if (!untried.empty()) say(out, "  not tried: {}", join(untried, ", "));
}

/// What opening the ticket does beyond routing, as seen on a scratch engine.
void print_open(engine& eng, const opened_ticket& opened, const workflow* wf,
                const organisation& org, std::FILE* out) {
  const ticket_view& v = opened.ticket;
  const auto offset = org.utc_offset;
  say(out, "on open   as the customer's first ticket (no history)");
  if (opened.routing.escalations.empty()) say(out, "  escalation rules: none fire");
  for (const auto& [rule, unit] : opened.routing.escalations)
    say(out, "  escalation rule {} (ticket then with {})", rule, unit);
  if (const auto trail = eng.events(v.id)) {
    for (const event& e : *trail) {
      if (e.type != event_type::notified) continue;
      const auto get = [&](std::string_view key) {
        return std::string(e.detail(key).value_or(""));
      };
      std::string whom = get(detail_key::to) + " " + get(detail_key::unit);
      if (!get(detail_key::region).empty()) whom += "/" + get(detail_key::region);
      say(out, "  notify {} (rule {})", whom, get(detail_key::reason));
    }
  }
  if (!v.flags.empty()) say(out, "  flags: {}", join(v.flags, ", "));
  if (v.assignee != opened.routing.to)
    say(out, "  queue after open: {}", queue_name(org, v.assignee));
  std::size_t width = 0;
  for (const auto& d : v.deadlines) width = std::max(width, d.id.size());
  for (const auto& d : v.deadlines) {
    std::string when;
    const deadline* def = wf != nullptr ? wf->find_deadline(d.id) : nullptr;
    if (d.due)
      when = "due " + format_iso8601(*d.due, offset);
    else if (d.status == deadline_status::pending && def != nullptr && !def->from.empty())
      when = "starts on entering " + def->from;
    else
      when = std::string(to_string(d.status));
    say(out, "  deadline {:<{}} {:>4}  {}{}", d.id, width, d.within, when,
               d.id == "step" ? " (state " + v.state + ")" : std::string{});
  }
}

}  // namespace

const char* ticket_format_help() noexcept {
  return R"(TICKET.yaml describes one demand, typed by the organisation's customer
attributes and the workflow's ticket fields:

  type: complaint                  # a ticket type a workflow serves
  channel: hotline_95598           # one of the organisation's channels
  customer:
    id: C1001                      # the customer number (required)
    importance_class: level2       # customer attributes, as declared:
    region: kunshan                #   true/false, whole numbers, numbers,
    voltage_kv: 10                 #   enum values, text (numbers and
    high_risk: false               #   booleans written plain, unquoted)
  fields:                          # the workflow's ticket fields
    complaint_class: service
  description: "no callback after two days"   # optional
  external_ref: "95598-0042"                   # optional
  at: 2026-11-24T09:00:00+08:00    # optional arrival instant, default now;
                                   # picks the workflow version in effect

Every problem is reported as FILE:LINE:COL: error: MESSAGE.
Exit status: 0 routed, 1 errors in the definitions or the ticket, 2 usage.)";
}

int run_route(const route_options& options, std::FILE* out, std::FILE* /*err*/) {
  diagnostics definition_diags;
  const auto sources = read_sources({options.definitions}, definition_diags);
  const catalog cat = load_catalog(sources, definition_diags);
  if (definition_diags.has_errors()) {
    print_diagnostics(definition_diags, out, true);
    return exit_errors;
  }

  diagnostics ticket_diags;
  // Read only when it is a regular file: a FIFO would block the tool.
  const auto ticket_source = detail::read_ticket_source(options.ticket_file, ticket_diags);
  std::optional<detail::ticket_file> ticket;
  if (ticket_source)
    ticket = detail::load_ticket_file(*ticket_source, cat, system_clock{}.now(), ticket_diags);
  print_diagnostics(ticket_diags, out, false);
  if (!ticket) return exit_errors;

  const auto failed = [&](const error& e) {
    say(out, "{}: error: {}", options.ticket_file, e.message());
    return exit_errors;
  };
  manual_clock clock(ticket->at);
  engine_options wiring;
  wiring.time_source = &clock;
  auto eng = engine::create(cat, wiring);
  if (!eng) return failed(eng.error());
  const open_request& req = ticket->request;
  const auto decision = (*eng)->explain_route(req);
  if (!decision) return failed(decision.error());

  const organisation& org = cat.org;
  if (decision->to.region.empty() && region_split(org, decision->to.unit)) {
    diagnostic missing{severity::warning, ticket->customer_where,
                       fmt::format("the customer has no 'region': '{}' keeps one queue per "
                                   "region, and the ticket would wait in none of them",
                                   decision->to.unit)};
    say(out, "{}", missing.str());
  }
  if (!options.explain) {
    say(out, "{}@{}: {} by rule {}", decision->workflow_id, decision->workflow_version,
               queue_name(org, decision->to), decision->rule);
    return exit_ok;
  }

  const workflow* wf = cat.find(decision->workflow_id, decision->workflow_version);
  say(out, "ticket    {} via {}, customer {}", req.type, req.channel, req.customer_id);
  say(out, "at        {}", format_iso8601(ticket->at, org.utc_offset));
  say(out, "workflow  {}@{}{}", decision->workflow_id, decision->workflow_version,
             wf != nullptr ? " (effective " + format_date(wf->effective) + ")" : std::string{});
  say(out, "queue     {} ({})", queue_name(org, decision->to),
             unit_kind(org, decision->to));
  say(out, "rule      {}", decision->rule);
  print_trace(*decision, wf, out);

  // What opening it would do: the engine's own open, on the scratch engine.
  open_request probe = req;
  probe.opened_by = "tierflow-route";
  const auto opened = (*eng)->open(probe);
  if (!opened) return failed(opened.error());
  // explain_route and open route alike by contract; say so if they ever do not.
  if (opened->routing.rule != decision->rule || opened->routing.to != decision->to)
    say(out, "note      open() routed it to {} by rule {} instead",
               queue_name(org, opened->routing.to), opened->routing.rule);
  print_open(**eng, *opened, wf, org, out);
  return exit_ok;
}

}  // namespace tierflow::cli
