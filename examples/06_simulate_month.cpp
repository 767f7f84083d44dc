// SPDX-License-Identifier: MIT
// A month simulated from a host program: the shipped workflows and the
// scenario examples/scenarios/city_month.yaml (a month of the city's demand
// against its staff) run through the public simulation API, and the service
// indicators printed with their 95% confidence intervals.
//
// What `tierflow simulate SCENARIO` does, in a page: load the catalog, load
// the scenario against it (compiler-style diagnostics when it is wrong),
// run each replication on its own seed (sim::replication_seed), sum them up
// (sim::summarise) and print the estimates. Every replication drives the
// real engine with its audit trail on a virtual clock, in memory.
//
// Usage, from the repository root (as CTest runs it):
//   06_simulate_month [SCENARIO] [--workflows DIR] [--replications N] [--days N] [--seed N]
//   SCENARIO        default examples/scenarios/city_month.yaml
//   --workflows     the organisation and workflow files; default workflows
//   --replications  instead of the scenario's `replications`
//   --days          instead of the scenario's `days` (the reported period;
//                   the warm-up stays)
//   --seed          instead of the scenario's `seed`
#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/tierflow.hpp>

namespace tf = tierflow;
namespace sim = tierflow::sim;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "06_simulate_month: %s\n", what.c_str());
  std::exit(1);
}

struct options {
  std::string scenario = "examples/scenarios/city_month.yaml";
  std::string workflows = "workflows";
  std::optional<std::uint32_t> replications, days;
  std::optional<std::uint64_t> seed;
};

std::uint64_t whole(std::string_view flag, const std::string& text, std::uint64_t low,
                    std::uint64_t high) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text.front() == '-' || end == text.c_str() || *end != '\0' || n < low ||
      n > high)
    die(std::string(flag) + " '" + text + "': a whole number from " + std::to_string(low) +
        " to " + std::to_string(high));
  return n;
}

options parse(int argc, char** argv) {
  options o;
  bool scenario_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool takes_value = arg == "--workflows" || arg == "--replications" || arg == "--days" ||
                             arg == "--seed";
    if (takes_value && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--workflows")
        o.workflows = value;
      else if (arg == "--replications")
        o.replications = static_cast<std::uint32_t>(whole(arg, value, 1, 1000));
      else if (arg == "--days")
        o.days = static_cast<std::uint32_t>(whole(arg, value, 1, 3660));
      else
        o.seed = whole(arg, value, 0, INT64_MAX);
    } else if (!arg.empty() && arg.front() != '-' && !scenario_given) {
      o.scenario = std::string(arg);
      scenario_given = true;
    } else {
      die("usage: 06_simulate_month [SCENARIO] [--workflows DIR] [--replications N] [--days N] "
          "[--seed N]");
    }
  }
  return o;
}

/// Processor time of this process, seconds: what the replications cost.
double cpu_seconds() {
  return static_cast<double>(std::clock()) / static_cast<double>(CLOCKS_PER_SEC);
}

/// "mean ± half-width", or what is missing.
std::string estimate_text(const sim::estimate& e) {
  char buf[96];
  if (!e.mean) return "(no data)";
  if (e.half_width)
    std::snprintf(buf, sizeof buf, "%.4g ± %.2g", *e.mean, *e.half_width);
  else
    std::snprintf(buf, sizeof buf, "%.4g", *e.mean);
  return buf;
}

void print_estimates(const char* heading, const std::vector<sim::estimate>& values) {
  std::printf("\n%s\n", heading);
  int width = 0;
  for (const sim::estimate& e : values) width = std::max(width, static_cast<int>(e.name.size()));
  for (const sim::estimate& e : values)
    std::printf("  %-*s  %-22s (n=%" PRIu32 ")\n", width, e.name.c_str(), estimate_text(e).c_str(),
                e.n);
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);

  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({o.workflows}, diags);
  if (!cat) {
    std::fputs(diags.str().c_str(), stderr);
    return 1;
  }
  auto sc = sim::load_scenario_file(o.scenario, *cat, diags);
  if (!sc) {
    std::fputs(diags.str().c_str(), stderr);
    return 1;
  }
  if (o.replications) sc->replications = *o.replications;
  if (o.days) sc->days = *o.days;
  if (o.seed) sc->seed = *o.seed;

  std::printf("%s: %s\n%" PRIu32 " replications of %" PRIu32 " days after %" PRIu32
              " days of warm-up, seed %" PRIu64 "\n",
              sc->id.c_str(), sc->title.c_str(), sc->replications, sc->days, sc->warm_up_days,
              sc->seed);

  std::vector<sim::replication> runs;
  runs.reserve(sc->replications);
  for (std::uint32_t i = 0; i < sc->replications; ++i) {
    sim::run_options run;
    run.seed = sim::replication_seed(sc->seed, i);
    const double before = cpu_seconds();
    auto done = sim::run(*sc, *cat, run);
    if (!done) die("replication " + std::to_string(i + 1) + ": " + done.error().message());
    const double cpu = cpu_seconds() - before;
    std::printf("  replication %" PRIu32 ": %" PRIu64 " tickets, %" PRIu64 " actions, %" PRIu64
                " events, %" PRIu64 " open at the end, %" PRIu64 " stuck; %.2f s CPU\n",
                i + 1, done->tickets_opened, done->actions, done->events, done->open_at_end,
                done->stuck, cpu);
    runs.push_back(std::move(*done));
  }

  const sim::summary s = sim::summarise(runs);
  print_estimates("Indicators of the reported period (mean ± 95% half-width over the replications):",
                  s.total);
  print_estimates("Staff pools:", s.pools);
  return 0;
}
