// SPDX-License-Identifier: MIT
// `tierflow report`: the service indicators of a period from a store's
// trails (tierflow/kpi.hpp), as a table, CSV or JSON on stdout and, with
// --html, as one self-contained HTML file (report_render.hpp).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/catalog.hpp>
#include <tierflow/kpi.hpp>
#include <tierflow/time.hpp>

#include "cli/audit_store.hpp"
#include "cli/report_render.hpp"
#include "cli/time_args.hpp"
#include "commands.hpp"
#include "output_file.hpp"
#include "say.hpp"
#include "text/input_file.hpp"

namespace tierflow::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view tool = "tierflow report";

/// Backlog instants beyond this many are a mistake (--every 1m over a
/// year), not a report anyone reads: refused rather than computed.
constexpr std::size_t max_instants = 10000;


/// The report of the same period grouped by `kind` alone: `main` itself
/// when it is grouped so, else computed (a second pass over the store).
result<kpi::report> grouped_by(const store& s, const kpi::options& base, const kpi::report& main,
                               kpi::group_kind kind) {
  if (main.by.size() == 1 && main.by[0].kind == kind) return main;
  kpi::options opts = base;
  opts.by = {kpi::group_key{kind, {}}};
  return kpi::compute(s, opts);
}

/// The exit status of a failed computation, reported on `err`: a broken
/// trail (data_loss), a newer tierflow's trail (incompatible) or an
/// unreadable store are the input's (1); nothing else is expected.
int report_failure(const error& e, const std::string& url, std::FILE* err) {
  say(err, "{}: error: {}", tool, scrub(e.message(), url));
  return e.code() == errc::invalid_argument ? exit_usage : exit_errors;
}

}  // namespace

const char* report_help() noexcept {
  return "Group keys (--by, comma-separated): workflow, type, tier, team, region, owner,\n"
         "assignee, class.NAME (a classification the workflow records, e.g.\n"
         "class.issue_class). Without --by: one row for every ticket.\n"
         "\n"
         "Times: --from and --to as 2026-11-01 (local midnight), 2026-11-01T09:00 (local) or\n"
         "with Z or an offset (+08:00), taken as written; local is the organisation's zone\n"
         "(--workflows) or --tz. The period is [--from, --to). Backlog and overdue tickets\n"
         "are counted every --every (m, h, d) after --from, and at --to.\n"
         "\n"
         "Formats: table (for a terminal), csv (one row per group and metric: the group\n"
         "columns, metric, value, numerator, denominator), json (one document). --html FILE\n"
         "also writes one self-contained HTML report (no script, nothing fetched).\n"
         "A period without events prints \"no events between ...\" and exits 0.\n"
         "The indicators and their formulas: workflows/INDICATORS.md.\n"
         "\n"
         "Exit status:\n"
         "  0  the report was written (also when the period has no events)\n"
         "  1  the store cannot be read: a broken hash chain (data_loss), a trail or schema\n"
         "     written by a newer tierflow (incompatible), an unreadable file or server\n"
         "  2  usage error: an unknown group key, an empty or reversed period, a malformed\n"
         "     time, zone or step, definitions with errors, an --html path that is not a\n"
         "     regular file or cannot be written\n";
}

int run_report(const report_options& options, std::FILE* out, std::FILE* err) {
  // The definitions give the zone, the tiers and the points weights; with
  // --tz a report can do without them (every unit then counts as a tier).
  std::optional<catalog> cat;
  if (auto loaded = load_supervisor_definitions(options.workflows, !options.tz.empty()); loaded) {
    cat = std::move(*loaded);
  } else if (loaded.error().code() != errc::not_found) {
    say(err, "{}: error: --workflows '{}': {}", tool, options.workflows, loaded.error().message());
    return exit_usage;
  }
  const auto offset = zone_offset(options.tz, cat ? &*cat : nullptr);
  if (!offset) {
    say(err, "{}: error: {}", tool, offset.error().message());
    return exit_usage;
  }
  const auto from = parse_time_arg("--from", options.from, *offset);
  const auto to = parse_time_arg("--to", options.to, *offset);
  for (const auto* t : {&from, &to}) {
    if (!*t) {
      say(err, "{}: error: {}", tool, t->error().message());
      return exit_usage;
    }
  }
  if (*to <= *from) {
    say(err, "{}: error: empty period: --to {} is not after --from {}", tool,
        show_time(*to, *offset, true), show_time(*from, *offset, true));
    return exit_usage;
  }
  auto keys = kpi::parse_group_keys(options.by);
  if (!keys) {
    say(err, "{}: error: --by: {}", tool, keys.error().message());
    return exit_usage;
  }
  const auto step = parse_duration_arg("--every", options.every);
  if (!step || step->count() <= 0) {
    say(err, "{}: error: {}", tool,
        step ? fmt::format("--every '{}': the step must be longer than zero", options.every)
             : step.error().message());
    return exit_usage;
  }
  if (static_cast<std::size_t>((*to - *from) / *step) > max_instants) {
    say(err, "{}: error: --every '{}': more than {} backlog instants in the period; take a longer "
             "step",
        tool, options.every, max_instants);
    return exit_usage;
  }
  if (!options.html.empty()) {
    if (auto ok = detail::require_regular_or_absent(fs::path(options.html)); !ok) {
      say(err, "{}: error: --html '{}': {}", tool, options.html, ok.error().message());
      return exit_usage;
    }
  }

  kpi::options opts;
  opts.from = *from;
  opts.to = *to;
  opts.by = std::move(*keys);
  for (timestamp t = *from + *step; t < *to; t += *step) opts.instants.push_back(t);
  opts.instants.push_back(*to);
  opts.org = cat ? &cat->org : nullptr;
  opts.worst_overdue = options.top;

  auto opened = open_for_audit(options.db, tool, err);
  if (opened.status != exit_ok) return opened.status;
  const store& db = *opened.handle;
  auto computed = kpi::compute(db, opts);
  if (!computed) return report_failure(computed.error(), options.db, err);
  const kpi::report& r = *computed;
  const report_source source{printable_url(options.db), *offset};

  if (!options.html.empty()) {
    // The on-time charts per tier and per region need those groupings:
    // one more pass over the store each, unless the report is grouped so.
    std::optional<kpi::report> by_tier, by_region;
    if (!r.empty()) {
      auto tier = grouped_by(db, opts, r, kpi::group_kind::tier);
      if (!tier) return report_failure(tier.error(), options.db, err);
      auto region = grouped_by(db, opts, r, kpi::group_kind::region);
      if (!region) return report_failure(region.error(), options.db, err);
      by_tier = std::move(*tier);
      by_region = std::move(*region);
    }
    const std::string page =
        render_html(r, by_tier ? *by_tier : r, by_region ? *by_region : r, source);
    if (const std::string failed = write_atomically(options.html, page); !failed.empty()) {
      say(err, "{}: error: cannot write --html '{}': {}", tool, options.html, failed);
      return exit_usage;
    }
  }

  if (r.empty()) {
    // Never a table of zeros: a period without events says so (in JSON,
    // as a document that a script can still parse).
    if (options.format == "json") {
      const std::string text = render_json(r, source);
      std::fwrite(text.data(), 1, text.size(), out);
    } else {
      say_line(out, no_events_line(r, source));
    }
    return exit_ok;
  }
  if (options.format == "csv" || options.format == "json") {
    if (const auto note = without_outcomes_note(r); !note.empty()) say(err, "{}: {}", tool, note);
    const std::string text = options.format == "csv" ? render_csv(r) : render_json(r, source);
    std::fwrite(text.data(), 1, text.size(), out);
    return exit_ok;
  }
  print_lines(out, render_table(r, source));
  return exit_ok;
}

}  // namespace tierflow::cli
