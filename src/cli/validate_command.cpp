// SPDX-License-Identifier: MIT
// `tierflow validate`: every diagnostic of every file, and a summary of what
// the definitions hold for a supervisor reviewing them.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/time.hpp>

#include "cli/audit_store.hpp"
#include "commands.hpp"
#include "text/text.hpp"
#include "say.hpp"

namespace tierflow::cli {
namespace {

using detail::join;

void print_organisation(const organisation& org, std::FILE* out) {
  say(out, "organisation {} ({}): {} tiers, {} teams, {} regions, {} roles, {} calendars, {} customer attributes",
             org.id, format_utc_offset(org.utc_offset), org.ladder.size(), org.teams.size(),
             org.regions.size(), org.roles.size(), org.calendars.size(),
             org.customer_attributes.size());
  std::vector<std::string> rungs;
  for (const auto& t : org.ladder) rungs.push_back(t.by_region ? t.id + " (by region)" : t.id);
  say(out, "  ladder: {}", join(rungs, " < "));
  std::vector<std::string> teams;
  for (const auto& t : org.teams) teams.push_back(t.by_region ? t.id + " (by region)" : t.id);
  if (!teams.empty()) say(out, "  teams: {}", join(teams, ", "));
  for (const auto& c : org.calendars) {
    if (c.always_open) {
      say(out, "  calendar {}: 24x7", c.id);
      continue;
    }
    std::string years;
    if (!c.holidays.empty()) {
      years = fmt::format(", holidays {} to {}", format_date(c.holidays.front()),
                          format_date(c.holidays.back()));
    }
    say(out, "  calendar {}: {} holidays, {} make-up working days{}", c.id,
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
  say(out, "workflow {} v{} (effective {}) serves {}, calendar {}", wf.id, wf.version,
             format_date(wf.effective), join(wf.ticket_types, ", "), wf.calendar);
  say(out, "  {} states ({} terminal, {} clock-pausing), {} actions", wf.states.size(),
             terminal, pausing, actions);
  for (const auto& d : wf.deadlines) {
    std::vector<std::string> lengths;
    for (const auto& c : d.cases) lengths.push_back(c.within.str());
    std::string span = d.from.empty() ? "from open" : "from " + d.from;
    span += d.until.empty() ? " to the end" : " until " + join(d.until, " or ");
    say(out, "  deadline {}: {} {}", d.id, join(lengths, "/"), span);
  }
  for (const auto& r : wf.routing)
    say(out, "  route {}: {}{}", r.id, r.assign, r.when ? "" : " (catch-all)");
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
    say(out, "  escalation {}: on {}{}{} -> {}", e.id, what, at, e.when ? " when …" : "",
               join(steps, ", "));
  }
}

/// The fingerprint as diagnostics show it: its first 12 hex digits.
std::string short_fingerprint(std::string_view fingerprint) {
  return fingerprint.size() > 12 ? std::string(fingerprint.substr(0, 12)) + "…"
                                 : std::string(fingerprint);
}

/// What the store's tickets say about one workflow version.
struct stored_version {
  /// Stored fingerprint -> number of tickets opened on it.
  std::map<std::string, std::size_t> fingerprints;
};

/// --against: every workflow version the store's tickets run on, checked
/// against the loaded definitions' fingerprints. Adds its findings to
/// `diags`; returns false (reported on `err`) when the store cannot be
/// opened or read, with the exit status in `status`.
bool check_against(const std::string& url, const catalog& cat, diagnostics& diags,
                   std::FILE* err, int& status) {
  constexpr std::string_view tool = "tierflow validate";
  auto opened = open_for_audit(url, tool, err);
  if (!opened.handle) {
    status = opened.status;
    return false;
  }
  const store& s = *opened.handle;
  const auto failed = [&](std::string_view doing, const error& e) {
    say(err, "{}: error: --against {}: {}: {}", tool, printable_url(url), doing,
        scrub(e.message(), url));
    status = exit_errors;
    return false;
  };
  auto streams = s.streams();
  if (!streams) return failed("listing the streams", streams.error());
  std::map<std::pair<std::string, std::uint32_t>, stored_version> used;
  std::size_t unrecorded = 0;
  for (const std::string& id : *streams) {
    // Denial streams and the denial log hold no tickets.
    if (id.empty() || id.front() == '~') continue;
    auto events = s.load(id);
    if (!events) return failed(fmt::format("reading stream '{}'", id), events.error());
    if (events->empty() || events->front().type != event_type::opened) continue;
    const event& opening = events->front();
    const auto fingerprint = opening.detail(detail_key::fingerprint);
    if (!fingerprint) {
      ++unrecorded;
      continue;
    }
    ++used[{opening.workflow_id, opening.workflow_version}].fingerprints[std::string(*fingerprint)];
  }
  source_pos store_pos;
  store_pos.file = printable_url(url);
  for (const auto& [key, stored] : used) {
    const auto& [id, version] = key;
    std::size_t tickets = 0;
    for (const auto& [fp, n] : stored.fingerprints) tickets += n;
    const workflow* wf = cat.find(id, version);
    if (wf == nullptr) {
      diags.warning(store_pos,
                    fmt::format("workflow {}@{}: {} stored ticket{} run{} on it, but it is not "
                                "among the definitions loaded here",
                                id, version, tickets, tickets == 1 ? "" : "s",
                                tickets == 1 ? "s" : ""));
      continue;
    }
    if (wf->fingerprint.empty()) {
      diags.note(wf->where,
                 fmt::format("workflow {}@{}: cannot check it against the {} stored ticket{} "
                             "running on it: the loaded definition has no fingerprint",
                             id, version, tickets, tickets == 1 ? "" : "s"));
      continue;
    }
    std::size_t earlier = 0;
    std::vector<std::string> was;
    for (const auto& [fp, n] : stored.fingerprints) {
      if (fp == wf->fingerprint) continue;
      earlier += n;
      was.push_back(short_fingerprint(fp));
    }
    if (earlier == 0) continue;
    diags.error(wf->where,
                fmt::format("workflow {}@{} was edited in place: {} stored ticket{} run{} on its "
                            "earlier content (fingerprint {} now {}); give the change a new "
                            "version",
                            id, version, earlier, earlier == 1 ? "" : "s", earlier == 1 ? "s" : "",
                            join(was, ", "), short_fingerprint(wf->fingerprint)));
  }
  if (unrecorded > 0) {
    diags.note(store_pos,
               fmt::format("{} stored ticket{} ha{} no recorded workflow fingerprint (opened "
                           "before fingerprints were recorded): not checked",
                           unrecorded, unrecorded == 1 ? "" : "s", unrecorded == 1 ? "s" : "ve"));
  }
  return true;
}

}  // namespace

int run_validate(const validate_options& options, std::FILE* out, std::FILE* err) {
  diagnostics diags;
  const auto sources = read_sources(options.paths, diags);
  const catalog cat = load_catalog(sources, diags);
  // A definition with errors has no meaning to compare; its errors say so.
  if (!options.against.empty() && !diags.has_errors()) {
    int status = exit_ok;
    if (!check_against(options.against, cat, diags, err, status)) return status;
  }
  for (const auto& d : diags.items()) {
    if (options.quiet && d.level != severity::error) continue;
    say(out, "{}", d.str());
  }
  const std::size_t errors = diags.error_count();
  if (options.summary && errors == 0) {
    print_organisation(cat.org, out);
    for (const auto& wf : cat.workflows) print_workflow(wf, out);
  }
  if (!options.quiet) {
    say(out, "{} file{}: {} error{}, {} warning{}", sources.size(),
               sources.size() == 1 ? "" : "s", errors, errors == 1 ? "" : "s",
               diags.warning_count(), diags.warning_count() == 1 ? "" : "s");
  }
  return errors == 0 ? exit_ok : exit_errors;
}

}  // namespace tierflow::cli
