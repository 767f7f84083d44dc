// SPDX-License-Identifier: MIT
// `tierflow simulate`: a what-if scenario played R times on the real engine
// (tierflow/simulation.hpp), the estimates over the replications printed as
// a table, CSV or JSON and written as report files (simulate_render.hpp);
// two alternatives compared; a forecast from a live store's open tickets.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/kpi.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/simulation.hpp>
#include <tierflow/store_options.hpp>
#include <tierflow/time.hpp>

#include "cli/audit_store.hpp"
#include "cli/simulate_render.hpp"
#include "cli/time_args.hpp"
#include "commands.hpp"
#include "output_file.hpp"
#include "say.hpp"
#include "text/input_file.hpp"

namespace tierflow::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view tool = "tierflow simulate";

/// Longer horizons are a typo (a year is 365), not a plan anyone simulates.
constexpr std::uint32_t max_days = 3660;


/// A number of days: "7" or "7d". Errors name the option.
result<std::uint32_t> parse_days(std::string_view option, std::string_view text,
                                 std::uint32_t least) {
  std::string_view digits = text;
  if (!digits.empty() && digits.back() == 'd') digits.remove_suffix(1);
  std::uint64_t n = 0;
  bool ok = !digits.empty() && digits.size() <= 6;
  for (const char c : digits) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok || n < least || n > max_days) {
    return fail(errc::invalid_argument,
                fmt::format("{} '{}': a whole number of days from {} to {} (e.g. 7 or 7d)", option,
                            text, least, max_days));
  }
  return static_cast<std::uint32_t>(n);
}

/// The catalog of `dir`, every diagnostic printed; nullopt on errors.
std::optional<catalog> load_definitions(const std::string& dir, std::FILE* err) {
  diagnostics diags;
  std::vector<source_file> defs = read_sources({dir}, diags);
  catalog cat = load_catalog(defs, diags);
  if (defs.empty() && !diags.has_errors()) {
    source_pos where;
    where.file = dir;
    diags.error(where, "no organisation or workflow files here (name them with --workflows)");
  }
  for (const auto& d : diags.items()) say_line(err, d.str());
  if (diags.has_errors()) return std::nullopt;
  return cat;
}

/// The scenario at `path` against `cat`, every diagnostic printed.
std::optional<sim::scenario> load_scenario(const std::string& path, const catalog& cat,
                                           std::FILE* err) {
  diagnostics diags;
  auto sc = sim::load_scenario_file(path, cat, diags);
  for (const auto& d : diags.items()) say_line(err, d.str());
  if (diags.has_errors()) return std::nullopt;
  return sc;
}

/// The command line's overrides of a loaded scenario.
struct overrides {
  std::optional<std::uint64_t> seed;
  std::optional<std::uint32_t> replications;
  std::optional<std::uint32_t> warm_up_days, days;
  std::optional<std::vector<kpi::group_key>> by;

  void apply(sim::scenario& sc) const {
    if (seed) sc.seed = *seed;
    if (replications) sc.replications = *replications;
    if (warm_up_days) sc.warm_up_days = *warm_up_days;
    if (days) sc.days = *days;
    if (by) sc.report_by = *by;
  }
};

/// "replication 3/10 [#######-------------]  35%" on a terminal's stderr,
/// redrawn in place; nothing when stderr is not a terminal (a log file or
/// a CI job would fill with carriage returns).
class progress_bar {
 public:
  progress_bar(std::FILE* err, std::uint32_t total, std::string label)
      : err_(err), on_(isatty(fileno(err)) == 1), total_(total), label_(std::move(label)) {}

  void show(std::uint32_t index, double fraction) {
    if (!on_) return;
    const double done =
        (static_cast<double>(index) + std::clamp(fraction, 0.0, 1.0)) / static_cast<double>(total_);
    const int percent = static_cast<int>(done * 100.0);
    if (index == shown_index_ && percent == shown_percent_) return;
    shown_index_ = index;
    shown_percent_ = percent;
    constexpr int width = 30;
    const int filled = percent * width / 100;
    fmt::print(err_, "\r{}replication {}/{} [{}{}] {:3}%", label_, index + 1, total_,
               std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(width - filled), '-'), percent);
    std::fflush(err_);
  }

  /// Clears the bar's line, so that what follows starts on a clean one.
  void done() {
    if (!on_ || shown_percent_ < 0) return;
    fmt::print(err_, "\r\033[K");
    std::fflush(err_);
  }

 private:
  std::FILE* err_;
  bool on_;
  std::uint32_t total_;
  std::string label_;
  std::uint32_t shown_index_ = 0;
  int shown_percent_ = -1;
};

/// One alternative's replications, and the store replication 1 wrote to.
struct alternative {
  std::vector<sim::replication> runs;
  std::unique_ptr<store> own;  ///< replication 1's memory store (no --db, an HTML page)
  store* first = nullptr;      ///< replication 1's store, when kept
};

/// Runs the replications of `sc` (seeds replication_seed(sc.seed, i)),
/// sequentially, the first into `first_store` (or, with `keep_first`, into
/// a memory store kept for the HTML report; else each run has its own).
/// Prints the failure and returns nullopt when one fails.
std::optional<alternative> run_all(const sim::scenario& sc, const catalog& cat, store* first_store,
                                   bool keep_first, const store* live,
                                   std::optional<timestamp> start, const std::string& label,
                                   std::FILE* err) {
  alternative alt;
  if (first_store == nullptr && keep_first) {
    alt.own = std::make_unique<memory_store>();
    first_store = alt.own.get();
  }
  alt.first = first_store;
  progress_bar bar(err, sc.replications, label);
  for (std::uint32_t i = 0; i < sc.replications; ++i) {
    sim::run_options options;
    options.seed = sim::replication_seed(sc.seed, i);
    options.events = i == 0 ? first_store : nullptr;
    options.from = live;
    options.start = start;
    options.progress = [&bar, i](double fraction) { bar.show(i, fraction); };
    bar.show(i, 0);
    auto run = sim::run(sc, cat, options);
    if (!run) {
      bar.done();
      say(err, "{}: error: {}replication {} (seed {}): {}", tool, label, i + 1, options.seed,
          run.error().message());
      return std::nullopt;
    }
    alt.runs.push_back(std::move(*run));
  }
  bar.done();
  return alt;
}

/// The newest event of `live`, rounded up to the minute: where a forecast
/// starts by default (the simulation must not start before what happened).
result<timestamp> newest_event(const store& live) {
  auto ids = live.streams();
  if (!ids) return fail(std::move(ids).error());
  timestamp newest = timestamp::min();
  for (const auto& id : *ids) {
    auto trail = live.load(id);
    if (!trail) return fail(std::move(trail).error());
    for (const auto& e : *trail) newest = std::max(newest, e.time);
  }
  if (newest == timestamp::min()) {
    return fail(errc::invalid_argument, "the live store holds no event: give --start");
  }
  return std::chrono::ceil<std::chrono::minutes>(newest);
}

/// The kpi report of replication 1's store for the same period grouped by
/// `kind` alone, for the HTML page's on-time charts.
result<kpi::report> regrouped(const store& s, const kpi::report& first, const catalog& cat,
                              kpi::group_kind kind) {
  if (first.by.size() == 1 && first.by[0].kind == kind) return first;
  kpi::options opts;
  opts.from = first.from;
  opts.to = first.to;
  opts.by = {kpi::group_key{kind, {}}};
  opts.org = &cat.org;
  return kpi::compute(s, opts);
}

/// The command line's checks that need nothing loaded, and its overrides
/// of the scenario into `over`: exit_ok, or exit_usage (reported on `err`).
int check_command_line(const simulate_options& options, overrides& over, std::FILE* err) {
  if (options.seed_given) over.seed = options.seed;
  if (options.replications_given) {
    if (options.replications == 0) {
      say(err, "{}: error: --replications must be at least 1", tool);
      return exit_usage;
    }
    over.replications = options.replications;
  }
  if (!options.warm_up.empty()) {
    auto d = parse_days("--warm-up", options.warm_up, 0);
    if (!d) {
      say(err, "{}: error: {}", tool, d.error().message());
      return exit_usage;
    }
    over.warm_up_days = *d;
  } else if (!options.from.empty()) {
    // A forecast starts from the live tickets as they stand: no empty start
    // to wash out, and the coming days are the ones asked about.
    over.warm_up_days = 0;
  }
  if (!options.days.empty()) {
    auto d = parse_days("--days", options.days, 1);
    if (!d) {
      say(err, "{}: error: {}", tool, d.error().message());
      return exit_usage;
    }
    over.days = *d;
  }
  if (options.by_given) {
    auto keys = kpi::parse_group_keys(options.by);
    if (!keys) {
      say(err, "{}: error: --by: {}", tool, keys.error().message());
      return exit_usage;
    }
    over.by = std::move(*keys);
  }
  if (!options.compare.empty() && !options.compare_workflows.empty()) {
    say(err,
        "{}: error: --compare and --compare-workflows: give one (a second scenario, or "
        "the same scenario on other definitions)",
        tool);
    return exit_usage;
  }
  if (!options.start.empty() && options.from.empty()) {
    say(err, "{}: error: --start is the start of a forecast: it needs --from", tool);
    return exit_usage;
  }
  if (!options.html.empty()) {
    if (auto ok = detail::require_regular_or_absent(fs::path(options.html)); !ok) {
      say(err, "{}: error: --html '{}': {}", tool, options.html, ok.error().message());
      return exit_usage;
    }
  }
  return exit_ok;
}

std::string label_of(const sim::scenario& sc, const std::string& file,
                     const std::string& workflows) {
  return fmt::format("{} ({}) on {}", sc.id, file, workflows);
}

}  // namespace

const char* simulate_help() noexcept {
  return "The scenario format: workflows/SIMULATION.md; examples: examples/scenarios/.\n"
         "\n"
         "Replication i (from 0) runs with seed replication_seed(SEED, i), one after the other:\n"
         "the same scenario, workflows and seed print the same bytes. --db sqlite:FILE keeps\n"
         "the trail of replication 1 (a new or empty store; read it with tierflow audit and\n"
         "tierflow tickets); the others run in memory. --seed, --replications, --warm-up,\n"
         "--days (whole days) and --by (group keys, as tierflow report's) override the\n"
         "scenario's.\n"
         "\n"
         "Output: each indicator's mean over the replications ± the half-width of its 95%\n"
         "confidence interval (Student t) and n, the replications with a value: the total,\n"
         "the main indicators of each group (every one in csv and json), the staff pools\n"
         "(utilisation, mean wait, served), the run counts.\n"
         "Formats: table, csv (group columns, name, n, mean, half_width, ci_low, ci_high),\n"
         "json. --out DIR writes report.txt, report.csv, report.json and report.html there\n"
         "and prints the HTML path last (on stderr with csv and json, which scripts parse);\n"
         "--html FILE writes the HTML page only (self-contained: no script, nothing\n"
         "fetched). Times are shown in the organisation's zone. A progress bar goes to\n"
         "stderr when it is a terminal.\n"
         "\n"
         "--compare SCENARIO2 runs a second scenario, --compare-workflows DIR2 the same one\n"
         "on other definitions, with the same seeds and replications, and prints A, B and\n"
         "B − A ± Welch's 95% half-width per indicator, \"significant\" when the interval\n"
         "excludes 0.\n"
         "\n"
         "--from URL starts from the open tickets of a live store as they stand (it is only\n"
         "read) at --start (ISO 8601, default: its newest event rounded up to the minute)\n"
         "and lists, after the table, the open tickets that will breach; the reported\n"
         "period starts there (no warm-up unless --warm-up gives one).\n"
         "\n"
         "Exit status:\n"
         "  0  the simulation ran and its results were written\n"
         "  1  definitions or a scenario with errors (file:line:col: error: ...), a --db\n"
         "     store that cannot be opened or is not empty, a --from store that cannot be\n"
         "     read, a replication that failed, a report file that cannot be written\n"
         "  2  usage error: an unknown option or group key, a malformed number of days or\n"
         "     time, --compare with --compare-workflows, --start without --from, a --from\n"
         "     URL that is not sqlite:PATH or postgresql://..., an --html path that is not a\n"
         "     regular file\n";
}

int run_simulate(const simulate_options& options, std::FILE* out, std::FILE* err) {
  // --- The command line, checked before anything is loaded or run ---------
  overrides over;
  if (const int status = check_command_line(options, over, err); status != exit_ok) return status;

  // --- Definitions and scenarios ------------------------------------------
  auto cat = load_definitions(options.workflows, err);
  if (!cat) return exit_errors;
  auto sc = load_scenario(options.scenario, *cat, err);
  if (!sc) return exit_errors;
  over.apply(*sc);
  const auto offset = cat->org.utc_offset;

  const bool comparing = !options.compare.empty() || !options.compare_workflows.empty();
  std::optional<catalog> cat_b;
  std::optional<sim::scenario> sc_b;
  std::string file_b = options.scenario, workflows_b = options.workflows;
  if (comparing) {
    if (!options.compare_workflows.empty()) {
      workflows_b = options.compare_workflows;
      cat_b = load_definitions(workflows_b, err);
      if (!cat_b) return exit_errors;
    }
    if (!options.compare.empty()) file_b = options.compare;
    sc_b = load_scenario(file_b, cat_b ? *cat_b : *cat, err);
    if (!sc_b) return exit_errors;
    over.apply(*sc_b);
    // Common random numbers: B runs A's seeds, A's number of times, so that
    // a difference is the alternatives', not the dice's.
    sc_b->seed = sc->seed;
    sc_b->replications = sc->replications;
  }

  // --- Stores ---------------------------------------------------------------
  audit_store live;
  std::optional<timestamp> start;
  if (!options.from.empty()) {
    live = open_for_audit(options.from, tool, err);
    if (live.status != exit_ok) return live.status;
    if (!options.start.empty()) {
      auto t = parse_time_arg("--start", options.start, offset);
      if (!t) {
        say(err, "{}: error: {}", tool, t.error().message());
        return exit_usage;
      }
      start = *t;
    } else {
      auto t = newest_event(*live.handle);
      if (!t) {
        say(err, "{}: error: --from {}: {}", tool, printable_url(options.from),
            scrub(t.error().message(), options.from));
        return exit_errors;
      }
      start = *t;
    }
  }
  std::unique_ptr<store> db;
  if (!options.db.empty()) {
    // A simulated trail is made again by running again: commands are
    // committed in groups (and all of them by the flush after the run),
    // not synced one by one, which would make a month of tickets take hours.
    store_options durable;
    durable.mode = durability::group_commit;
    durable.group_window = std::chrono::milliseconds{1000};
    durable.group_max = 65536;
    auto opened = open_store(options.db, durable);
    if (!opened) {
      say(err, "{}: error: cannot open --db {}: {}", tool, printable_url(options.db),
          scrub(opened.error().message(), options.db));
      return exit_errors;
    }
    db = std::move(*opened);
    auto streams = db->streams();
    if (!streams) {
      say(err, "{}: error: cannot read --db {}: {}", tool, printable_url(options.db),
          scrub(streams.error().message(), options.db));
      return exit_errors;
    }
    if (!streams->empty()) {
      say(err, "{}: error: --db {} is not empty ({} stream(s)): simulate into a new store", tool,
          printable_url(options.db), streams->size());
      return exit_errors;
    }
  }

  // --- Runs -----------------------------------------------------------------
  const store* live_store = live.handle.get();
  // Replication 1's trail is read again for the HTML page's on-time charts.
  const bool page_wanted = !options.html.empty() || !options.out.empty();
  auto a =
      run_all(*sc, *cat, db.get(), page_wanted, live_store, start, comparing ? "A: " : "", err);
  if (!a) return exit_errors;
  if (db) {
    if (auto flushed = db->flush(); !flushed) {
      say(err, "{}: error: --db {}: {}", tool, printable_url(options.db),
          scrub(flushed.error().message(), options.db));
      return exit_errors;
    }
  }
  std::optional<alternative> b;
  if (comparing) {
    b = run_all(*sc_b, cat_b ? *cat_b : *cat, nullptr, false, live_store, start, "B: ", err);
    if (!b) return exit_errors;
  }

  // --- Results --------------------------------------------------------------
  const auto view_of = [&](const sim::scenario& s, const alternative& alt, const std::string& file,
                           const std::string& workflows, const std::string& where) {
    simulation_view v = make_view(s, alt.runs, offset);
    v.file = file;
    v.workflows = workflows;
    v.store = where;
    if (live_store != nullptr) {
      v.forecast = true;
      v.live_store = printable_url(options.from);
      v.start = *start;
    }
    return v;
  };
  const simulation_view view_a = view_of(*sc, *a, options.scenario, options.workflows,
                                         db ? printable_url(options.db) : "memory");
  std::optional<simulation_view> view_b;
  std::optional<comparison_view> comparison;
  if (comparing) {
    view_b = view_of(*sc_b, *b, file_b, workflows_b, "memory");
    comparison =
        comparison_view{label_of(*sc, options.scenario, options.workflows),
                        label_of(*sc_b, file_b, workflows_b), sim::compare(a->runs, b->runs)};
  }

  const auto text_as = [&](std::string_view format) {
    if (comparison) {
      if (format == "csv") return render_compare_csv(*comparison);
      if (format == "json") return render_compare_json(*comparison, view_a, *view_b);
      return render_compare_table(*comparison, view_a, *view_b);
    }
    if (format == "csv") return render_sim_csv(view_a);
    if (format == "json") return render_sim_json(view_a);
    return render_sim_table(view_a);
  };

  std::string page;
  if (page_wanted) {
    const kpi::report& first = a->runs.front().report;
    auto by_tier = regrouped(*a->first, first, *cat, kpi::group_kind::tier);
    if (!by_tier) {
      say(err, "{}: error: the report of replication 1: {}", tool, by_tier.error().message());
      return exit_errors;
    }
    auto by_region = regrouped(*a->first, first, *cat, kpi::group_kind::region);
    if (!by_region) {
      say(err, "{}: error: the report of replication 1: {}", tool, by_region.error().message());
      return exit_errors;
    }
    page =
        render_sim_html(view_a, first, *by_tier, *by_region, comparison ? &*comparison : nullptr);
  }
  if (!options.html.empty()) {
    if (const std::string failed = write_atomically(options.html, page); !failed.empty()) {
      say(err, "{}: error: cannot write --html '{}': {}", tool, options.html, failed);
      return exit_errors;
    }
  }
  std::string html_path;
  if (!options.out.empty()) {
    std::error_code ec;
    fs::create_directories(options.out, ec);
    if (ec) {
      say(err, "{}: error: --out '{}': {}", tool, options.out, ec.message());
      return exit_errors;
    }
    const fs::path dir(options.out);
    const std::pair<const char*, std::string> files[] = {{"report.txt", text_as("table")},
                                                         {"report.csv", text_as("csv")},
                                                         {"report.json", text_as("json")},
                                                         {"report.html", page}};
    for (const auto& [name, content] : files) {
      const std::string path = (dir / name).string();
      if (auto ok = detail::require_regular_or_absent(fs::path(path)); !ok) {
        say(err, "{}: error: --out '{}': {}", tool, path, ok.error().message());
        return exit_errors;
      }
      if (const std::string failed = write_atomically(path, content); !failed.empty()) {
        say(err, "{}: error: cannot write '{}': {}", tool, path, failed);
        return exit_errors;
      }
    }
    html_path = (dir / "report.html").string();
  }

  const std::string text = text_as(options.format);
  if (options.format == "table")
    print_lines(out, text);
  else
    std::fwrite(text.data(), 1, text.size(), out);
  // The page's path last; on stderr when stdout is CSV or JSON, which a
  // script parses and a path would break.
  if (!html_path.empty()) say(options.format == "table" ? out : err, "{}", html_path);
  return exit_ok;
}

}  // namespace tierflow::cli
