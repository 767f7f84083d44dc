// SPDX-License-Identifier: MIT
// Simulation speed: customers simulated per second of CPU time on one
// thread, driving the real engine with its audit trail (sim::run), and the
// peak resident memory: the process's, and per ticket opened (the peak's
// growth over the resident set when simulated time starts, i.e. after the
// run has built its customer population and staff, divided by the tickets
// opened).
//
// Two modes.
//
// M/M/c (the default): one tier, one role, 24x7, one workflow whose
// initial state has one action, `serve`, that claims the ticket and closes
// it; Poisson arrivals, exponential service, c people. The same model as
// tests/bench/sim_vs_simpy.py runs in SimPy; tests/bench/sim_vs_simpy.sh
// runs both and prints the ratio. The model's files are written here from
// the flags (organisation, workflow, scenario), so both sides take the
// same parameters. The simulated mean wait is printed beside the Erlang C
// value as a check that the model is the one meant.
//
//   build/tests/bench/sim_bench [--servers 10] [--utilisation 0.8]
//       [--mean-service 300] [--customers 200000] [--seed 1]
//
// City-year (--city-year): examples/scenarios/city_month.yaml on the
// shipped workflows, stretched to a year and scaled up to about two million
// tickets: the demand (per_day), the customer segments and the staff counts
// are all multiplied by the same factor, so queues and repeat rates stay
// those of the month. Prints tickets per second and the peak resident set.
// The run's memory store keeps the open tickets' trails (a closed ticket's
// leaves it once folded into the indicators; its summary stays): with
// --measure-days D only D days of that year are run (at the year's rate)
// and the year's time and peak memory (the set-up's plus the bytes per
// ticket) are extrapolated from them, and it says so. The time's set-up
// (the CPU until simulated time starts: the population) is counted once,
// not scaled with the days (setup_cpu_s in the RESULT line).
//
//   build/tests/bench/sim_bench --city-year [--tickets 2000000] [--days 365]
//       [--measure-days D] [--workflows DIR] [--scenario FILE]
//
// Either mode takes --db URL (a new or empty store, e.g. sqlite:/tmp/s.db,
// written in group-commit mode): the trail goes there instead of the run's
// memory store, which trades speed for memory.
//
// Each prints one line `RESULT key=value …` for scripts, after the prose.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <tierflow/loader.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/simulation.hpp>
#include <tierflow/store_options.hpp>

#include "cli/huge_pages.hpp"

namespace tf = tierflow;
namespace sim = tierflow::sim;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "sim_bench: %s\n", what.c_str());
  std::exit(1);
}

struct options {
  bool city_year = false;
  // M/M/c
  std::uint32_t servers = 10;
  double utilisation = 0.8;
  double mean_service_s = 300;
  std::uint64_t customers = 200'000;
  std::uint64_t seed = 1;
  // city-year
  std::uint64_t tickets = 2'000'000;
  std::uint32_t days = 365;
  std::uint32_t measure_days = 0;  // 0: the whole year
  std::string workflows = TIERFLOW_SOURCE_DIR "/workflows";
  std::string scenario = TIERFLOW_SOURCE_DIR "/examples/scenarios/city_month.yaml";
  std::string db;  // "" = the run's own memory store
};

double number(std::string_view flag, const std::string& text, double low, double high) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == text.c_str() || *end != '\0' || !(v >= low) || !(v <= high))
    die(fmt::format("{} '{}': a number from {} to {}", flag, text, low, high));
  return v;
}

std::uint64_t whole(std::string_view flag, const std::string& text, std::uint64_t low,
                    std::uint64_t high) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text.front() == '-' || end == text.c_str() || *end != '\0' || v < low ||
      v > high)
    die(fmt::format("{} '{}': a whole number from {} to {}", flag, text, low, high));
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--city-year") {
      o.city_year = true;
      continue;
    }
    if (i + 1 >= argc) die(fmt::format("'{}' needs a value (or is unknown)", arg));
    const std::string value = argv[++i];
    if (arg == "--servers")
      o.servers = static_cast<std::uint32_t>(whole(arg, value, 1, 10'000));
    else if (arg == "--utilisation")
      o.utilisation = number(arg, value, 0.01, 0.99);
    else if (arg == "--mean-service")
      o.mean_service_s = number(arg, value, 1, 86'400);
    else if (arg == "--customers")
      o.customers = whole(arg, value, 1, 100'000'000);
    else if (arg == "--seed")
      o.seed = whole(arg, value, 0, INT64_MAX);
    else if (arg == "--tickets")
      o.tickets = whole(arg, value, 1, 100'000'000);
    else if (arg == "--days")
      o.days = static_cast<std::uint32_t>(whole(arg, value, 1, 3000));
    else if (arg == "--measure-days")
      o.measure_days = static_cast<std::uint32_t>(whole(arg, value, 1, 3000));
    else if (arg == "--workflows")
      o.workflows = value;
    else if (arg == "--scenario")
      o.scenario = value;
    else if (arg == "--db")
      o.db = value;
    else
      die(fmt::format("unknown option '{}'", arg));
  }
  return o;
}

/// CPU time of this process (one thread runs the simulation), seconds.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// The peak resident set of this process so far, bytes.
std::uint64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_maxrss) * 1024;  // Linux: KiB
}

double peak_rss_mib() { return static_cast<double>(peak_rss_bytes()) / (1024.0 * 1024.0); }

/// The resident set of this process now, bytes (0 when /proc is not there).
std::uint64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int read = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (read != 2) return 0;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

/// The run's growth of the peak resident set over `before` (the resident
/// set when simulated time started), per ticket opened: what a ticket costs
/// at the run's fullest, whether its memory is freed later or not.
double bytes_per_ticket(std::uint64_t before, std::uint64_t tickets) {
  const std::uint64_t peak = peak_rss_bytes();
  if (tickets == 0 || peak <= before) return 0;
  return static_cast<double>(peak - before) / static_cast<double>(tickets);
}

/// Erlang C: the mean wait in queue of M/M/c with arrival rate `lambda` and
/// service rate `mu` per server (Kleinrock, Queueing Systems vol. 1, §3.5),
/// by the stable recurrence of the Erlang B formula.
double erlang_c_wait(std::uint32_t c, double lambda, double mu) {
  const double a = lambda / mu;  // offered load, erlangs
  double b = 1.0;                // Erlang B with 0 servers
  for (std::uint32_t k = 1; k <= c; ++k) b = a * b / (static_cast<double>(k) + a * b);
  const double rho = a / static_cast<double>(c);
  const double p_wait = b / (1.0 - rho + rho * b);
  return p_wait / (static_cast<double>(c) * mu - lambda);
}

tf::catalog load_catalog_or_die(const std::vector<tf::source_file>& sources) {
  tf::diagnostics diags;
  tf::catalog cat = tf::load_catalog(sources, diags);
  if (diags.has_errors()) die("the model's definitions:\n" + diags.str());
  return cat;
}

sim::scenario load_scenario_or_die(const tf::source_file& source, const tf::catalog& cat) {
  tf::diagnostics diags;
  auto sc = sim::load_scenario(source, cat, diags);
  if (!sc) die("the scenario:\n" + diags.str());
  return std::move(*sc);
}

/// Runs one replication, timed, into the store `db` names ("" = memory);
/// dies on an error. `rss_at_start`: the resident set when simulated time
/// started (the run's first progress report, after its set-up); `setup`:
/// the CPU time spent until then (the customer population, the staff),
/// which does not grow with the days simulated.
sim::replication timed_run(const sim::scenario& sc, const tf::catalog& cat, std::uint64_t seed,
                           const std::string& db, double& cpu, std::uint64_t& rss_at_start,
                           double& setup) {
  sim::run_options run;
  run.seed = sim::replication_seed(seed, 0);
  std::unique_ptr<tf::store> events;
  if (!db.empty()) {
    tf::store_options storage;
    storage.mode = tf::durability::group_commit;
    auto opened = tf::open_store(db, storage);
    if (!opened) die("--db " + db + ": " + opened.error().message());
    events = std::move(*opened);
    run.events = events.get();
  }
  rss_at_start = 0;
  setup = -1;
  const double before = cpu_seconds();
  run.progress = [&rss_at_start, &setup, before](double) {
    if (rss_at_start == 0) rss_at_start = rss_bytes();
    if (setup < 0) setup = cpu_seconds() - before;
  };
  auto done = sim::run(sc, cat, run);
  cpu = cpu_seconds() - before;
  if (setup < 0) setup = 0;
  if (!done) die("run: " + done.error().message());
  return std::move(*done);
}

int mmc(const options& o) {
  const double mu = 1.0 / o.mean_service_s;
  const double lambda = o.utilisation * static_cast<double>(o.servers) * mu;  // per second
  const double per_day = lambda * 86'400;
  // Whole days long enough for the customers asked for, on average.
  const auto days = static_cast<std::uint32_t>(
      std::max(1.0, std::ceil(static_cast<double>(o.customers) / per_day)));

  // As many customers as arrivals: in SimPy every arrival is a new
  // customer, and an engine looks a customer's earlier tickets up (repeat
  // counts, the contact record), which a small population would make grow.
  const std::vector<tf::source_file> definitions{
      {"mmc_organisation.yaml",
       "organisation: mmc\n"
       "timezone: \"+00:00\"\n"
       "ladder: [desk]\n"
       "channels: [phone]\n"
       "roles: { agent: desk }\n"
       "calendars: { always: 24x7 }\n"},
      {"mmc_queue.yaml",
       "workflow: queue\n"
       "version: 1\n"
       "effective: 2026-01-01\n"
       "ticket_types: [job]\n"
       "calendar: always\n"
       "states:\n"
       "  waiting:\n"
       "    initial: true\n"
       "    actions:\n"
       "      serve: { to: served, by: [agent], claim: true }\n"
       "  served:\n"
       "    terminal: true\n"
       "routing:\n"
       "  - { id: everyone, assign: desk }\n"}};
  const tf::catalog cat = load_catalog_or_die(definitions);
  const tf::source_file scenario{
      "mmc_scenario.yaml",
      fmt::format("scenario: mmc\n"
                  "start: 2026-01-05\n"
                  "days: {}\n"
                  "warm_up: 0\n"
                  "seed: {}\n"
                  "customers: {{ segments: {{ everyone: {{ count: {} }} }} }}\n"
                  "demand: {{ job: {{ per_day: {:.6f}, channels: {{ phone: 1 }} }} }}\n"
                  "staff: [{{ role: agent, count: {}, calendar: always }}]\n"
                  "handling: {{ default: {{ exponential: {:.6f}s }} }}\n",
                  days, o.seed, o.customers, per_day, o.servers, o.mean_service_s)};
  const sim::scenario sc = load_scenario_or_die(scenario, cat);

  double cpu = 0;
  std::uint64_t rss_start = 0;
  double setup = 0;
  const sim::replication r = timed_run(sc, cat, o.seed, o.db, cpu, rss_start, setup);
  const double per_ticket = bytes_per_ticket(rss_start, r.tickets_opened);
  std::uint64_t served = 0;
  double wait_sum = 0;
  std::uint64_t waits = 0;
  for (const sim::pool_stats& p : r.pools) {
    served += p.served;
    if (p.wait.count > 0 && p.wait.mean) {
      wait_sum += *p.wait.mean * static_cast<double>(p.wait.count);
      waits += p.wait.count;
    }
  }
  const double rate = static_cast<double>(r.tickets_opened) / cpu;
  const double mean_wait = waits > 0 ? wait_sum / static_cast<double>(waits) : 0;
  std::printf("tierflow M/M/%u, utilisation %.2f, mean service %.0f s: %llu customers "
              "(%llu served, %llu events) in %.3f s CPU\n",
              o.servers, o.utilisation, o.mean_service_s,
              static_cast<unsigned long long>(r.tickets_opened),
              static_cast<unsigned long long>(served), static_cast<unsigned long long>(r.events),
              cpu);
  std::printf("  %.0f customers/s CPU, peak RSS %.1f MiB (%.1f MiB when simulated time "
              "started, then %.0f bytes per customer); mean wait %.1f s (Erlang C %.1f s)\n",
              rate, peak_rss_mib(), static_cast<double>(rss_start) / (1024.0 * 1024.0),
              per_ticket, mean_wait, erlang_c_wait(o.servers, lambda, mu));
  std::printf("RESULT mode=mmc customers=%llu cpu_s=%.4f customers_per_s=%.1f peak_rss_mib=%.1f "
              "start_rss_mib=%.1f peak_bytes_per_ticket=%.0f mean_wait_s=%.2f "
              "erlang_c_wait_s=%.2f\n",
              static_cast<unsigned long long>(r.tickets_opened), cpu, rate, peak_rss_mib(),
              static_cast<double>(rss_start) / (1024.0 * 1024.0), per_ticket, mean_wait,
              erlang_c_wait(o.servers, lambda, mu));
  return 0;
}

std::uint32_t scaled(std::uint32_t n, double k) {
  return static_cast<std::uint32_t>(std::llround(static_cast<double>(n) * k));
}

int city_year(const options& o) {
  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({o.workflows}, diags);
  if (!cat) die("the workflows:\n" + diags.str());
  auto loaded = sim::load_scenario_file(o.scenario, *cat, diags);
  if (!loaded) die("the scenario:\n" + diags.str());
  sim::scenario sc = std::move(*loaded);

  // The month's tickets a year, from its mean rates (the weekday
  // multipliers average 1 over a week): the factor that makes them
  // `tickets`.
  double per_day = 0;
  for (const sim::demand_stream& d : sc.demand) per_day += d.per_day;
  if (per_day <= 0) die("the scenario has no demand");
  const double k = static_cast<double>(o.tickets) / (per_day * static_cast<double>(o.days));
  for (sim::demand_stream& d : sc.demand) d.per_day *= k;
  for (sim::segment& s : sc.customers.segments)
    s.count = static_cast<std::uint64_t>(std::llround(static_cast<double>(s.count) * k));
  for (sim::staff_group& g : sc.staff) {
    g.count = std::max<std::uint32_t>(scaled(g.count, k), g.count == 0 ? 0U : 1U);
    for (auto& region : g.regions) region.second = scaled(region.second, k);
  }
  sc.surges.clear();
  sc.replications = 1;
  const std::uint32_t run_days = o.measure_days > 0 ? std::min(o.measure_days, o.days) : o.days;
  sc.days = run_days;

  double cpu = 0;
  std::uint64_t rss_start = 0;
  double setup = 0;
  const sim::replication r = timed_run(sc, *cat, sc.seed, o.db, cpu, rss_start, setup);
  const double per_ticket = bytes_per_ticket(rss_start, r.tickets_opened);
  // Tickets opened in the run include the warm-up's.
  const double simulated_days = static_cast<double>(run_days + sc.warm_up_days);
  const double rate = static_cast<double>(r.tickets_opened) / cpu;
  // The set-up (drawing a million customers) is paid once, whatever the
  // days: the year is the set-up and its tickets at the rate after it.
  const double running = std::max(cpu - setup, 1e-9);
  const double year_s =
      setup + static_cast<double>(o.tickets) / (static_cast<double>(r.tickets_opened) / running);
  std::printf("tierflow city-year: %s scaled ×%.2f to %.0f tickets a day (%llu a year of %u days)\n",
              sc.id.c_str(), k, per_day * k, static_cast<unsigned long long>(o.tickets), o.days);
  std::printf("  ran %u days (%u of warm-up): %llu tickets, %llu actions, %llu events, %llu open "
              "at the end, %llu stuck, in %.2f s CPU\n",
              run_days + sc.warm_up_days, sc.warm_up_days,
              static_cast<unsigned long long>(r.tickets_opened),
              static_cast<unsigned long long>(r.actions), static_cast<unsigned long long>(r.events),
              static_cast<unsigned long long>(r.open_at_end),
              static_cast<unsigned long long>(r.stuck), cpu);
  std::printf("  %.0f tickets/s CPU, peak RSS %.1f MiB (%.1f MiB when simulated time started: "
              "the customer population; then %.0f bytes per ticket opened)\n",
              rate, peak_rss_mib(), static_cast<double>(rss_start) / (1024.0 * 1024.0),
              per_ticket);
  // What stays per ticket (the store's summary, the indicators' samples)
  // grows with the tickets opened; the trails of closed tickets do not.
  const double year_peak_mib =
      (static_cast<double>(rss_start) + per_ticket * static_cast<double>(o.tickets)) /
      (1024.0 * 1024.0);
  if (run_days < o.days)
    std::printf("  EXTRAPOLATED from %.0f simulated days: a year of %llu tickets would take "
                "about %.0f s CPU (its %.2f s of set-up counted once), and peak at about %.0f "
                "MiB (the start's %.0f MiB and %.0f bytes per ticket)\n",
                simulated_days, static_cast<unsigned long long>(o.tickets), year_s, setup,
                year_peak_mib, static_cast<double>(rss_start) / (1024.0 * 1024.0), per_ticket);
  std::printf("RESULT mode=city_year tickets=%llu days=%.0f cpu_s=%.3f tickets_per_s=%.1f "
              "peak_rss_mib=%.1f start_rss_mib=%.1f peak_bytes_per_ticket=%.0f year_cpu_s=%.1f "
              "year_peak_rss_mib=%.0f extrapolated=%s setup_cpu_s=%.3f\n",
              static_cast<unsigned long long>(r.tickets_opened), simulated_days, cpu, rate,
              peak_rss_mib(), static_cast<double>(rss_start) / (1024.0 * 1024.0), per_ticket,
              run_days < o.days ? year_s : cpu, run_days < o.days ? year_peak_mib : peak_rss_mib(),
              run_days < o.days ? "yes" : "no", setup);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // As the tool does (`tierflow simulate`): the figures are the tool's.
  tierflow::cli::back_heap_with_huge_pages();
  const options o = parse(argc, argv);
  return o.city_year ? city_year(o) : mmc(o);
}
