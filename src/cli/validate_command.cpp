// SPDX-License-Identifier: MIT
// `tierflow validate`: every diagnostic of every file, and a summary of what
// the definitions hold for a supervisor reviewing them.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/time.hpp>

#include "text/text.hpp"
#include "commands.hpp"

namespace tierflow::cli {
namespace {

using detail::join;

void print_organisation(const organisation& org, std::FILE* out) {
  fmt::print(out, "organisation {} ({}): {} tiers, {} teams, {} regions, {} roles, {} calendars, {} customer attributes\n",
             org.id, format_utc_offset(org.utc_offset), org.ladder.size(), org.teams.size(),
             org.regions.size(), org.roles.size(), org.calendars.size(),
             org.customer_attributes.size());
  std::vector<std::string> rungs;
  for (const auto& t : org.ladder) rungs.push_back(t.by_region ? t.id + " (by region)" : t.id);
  fmt::print(out, "  ladder: {}\n", join(rungs, " < "));
  std::vector<std::string> teams;
  for (const auto& t : org.teams) teams.push_back(t.by_region ? t.id + " (by region)" : t.id);
  if (!teams.empty()) fmt::print(out, "  teams: {}\n", join(teams, ", "));
  for (const auto& c : org.calendars) {
    if (c.always_open) {
      fmt::print(out, "  calendar {}: 24x7\n", c.id);
      continue;
    }
    std::string years;
    if (!c.holidays.empty()) {
      years = fmt::format(", holidays {} to {}", format_date(c.holidays.front()),
                          format_date(c.holidays.back()));
    }
    fmt::print(out, "  calendar {}: {} holidays, {} make-up working days{}\n", c.id,
               c.holidays.size(), c.workdays.size(), years);
  }
}

void print_workflow(const workflow& wf, std::FILE* out) {
  std::size_t terminal = 0, pausing = 0, actions = 0;
  for (const auto& s : wf.states) {
    terminal += s.terminal ? 1 : 0;
    pausing += s.pauses_clock ? 1 : 0;
    actions += s.actions.size();
  }
  fmt::print(out, "workflow {} v{} (effective {}) serves {}, calendar {}\n", wf.id, wf.version,
             format_date(wf.effective), join(wf.ticket_types, ", "), wf.calendar);
  fmt::print(out, "  {} states ({} terminal, {} clock-pausing), {} actions\n", wf.states.size(),
             terminal, pausing, actions);
  for (const auto& d : wf.deadlines) {
    std::vector<std::string> lengths;
    for (const auto& c : d.cases) lengths.push_back(c.within.str());
    std::string span = d.from.empty() ? "from open" : "from " + d.from;
    span += d.until.empty() ? " to the end" : " until " + join(d.until, " or ");
    fmt::print(out, "  deadline {}: {} {}\n", d.id, join(lengths, "/"), span);
  }
  for (const auto& r : wf.routing)
    fmt::print(out, "  route {}: {}{}\n", r.id, r.assign, r.when ? "" : " (catch-all)");
  for (const auto& e : wf.escalations) {
    std::string what = std::string(to_string(e.on));
    if (e.on == trigger::action) what += " " + e.action;
    if (e.on == trigger::warning) what += fmt::format(" {}% of {}", e.percent, e.deadline);
    if (e.on == trigger::breach) what += " of " + e.deadline + (e.after ? " + " + e.after->str() : "");
    std::vector<std::string> steps;
    for (const auto& s : e.steps) {
      switch (s.what) {
        case escalation_step::kind::notify: steps.push_back("notify " + s.target); break;
        case escalation_step::kind::escalate: steps.push_back("escalate " + s.target); break;
        case escalation_step::kind::handoff: steps.push_back("handoff " + s.target); break;
        case escalation_step::kind::flag: steps.push_back("flag " + s.target); break;
      }
    }
    const std::string at = e.from_tiers.empty() ? "" : " at " + join(e.from_tiers, "/");
    fmt::print(out, "  escalation {}: on {}{}{} -> {}\n", e.id, what, at, e.when ? " when …" : "",
               join(steps, ", "));
  }
}

}  // namespace

int run_validate(const validate_options& options, std::FILE* out, std::FILE* /*err*/) {
  diagnostics diags;
  const auto sources = read_sources(options.paths, diags);
  const catalog cat = load_catalog(sources, diags);
  for (const auto& d : diags.items()) {
    if (options.quiet && d.level != severity::error) continue;
    fmt::print(out, "{}\n", d.str());
  }
  const std::size_t errors = diags.error_count();
  if (options.summary && errors == 0) {
    print_organisation(cat.org, out);
    for (const auto& wf : cat.workflows) print_workflow(wf, out);
  }
  if (!options.quiet) {
    fmt::print(out, "{} file{}: {} error{}, {} warning{}\n", sources.size(),
               sources.size() == 1 ? "" : "s", errors, errors == 1 ? "" : "s",
               diags.warning_count(), diags.warning_count() == 1 ? "" : "s");
  }
  return errors == 0 ? exit_ok : exit_errors;
}

}  // namespace tierflow::cli
