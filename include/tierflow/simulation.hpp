// SPDX-License-Identifier: MIT
// What-if simulation: a city's demand and staff driven through the real
// engine, the real workflows and the real audit trail on a virtual clock.
// A scenario (YAML, workflows/SIMULATION.md) says who the customers are,
// what they ask for and when, who works which shifts, how long each action
// takes and how each decision goes; run() plays one replication of it and
// reports the service indicators (tierflow/kpi.hpp) of the simulated period
// with the staff's utilisation and the queues over time; summarise() and
// compare() turn several replications into means with 95% confidence
// intervals and significant differences.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <tierflow/calendar.hpp>
#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/error.hpp>
#include <tierflow/kpi.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

namespace tierflow::sim {

/// Weighted choices: a value and its weight (> 0), in file order. Weights
/// need not add up to 1; a choice is drawn with probability weight ÷ sum.
using weighted = std::vector<std::pair<std::string, double>>;

/// A random length of time, in seconds of wall-clock time.
///
/// YAML: `10m` or `{ fixed: 10m }`; `{ exponential: 10m }` (the mean);
/// `{ lognormal: { mean: 2h, sd: 1h } }`; `{ empirical: FILE.csv }` (one
/// duration per line, `90s`/`5m`/`1.5h`/`2d` or plain seconds; a first line
/// that is not a duration is a header), a value drawn uniformly.
struct time_distribution {
  enum class kind : std::uint8_t { fixed, exponential, lognormal, empirical };
  kind shape = kind::fixed;
  /// fixed: the value; exponential and lognormal: the mean. Seconds, >= 0.
  double mean_s = 0;
  /// lognormal: the standard deviation (seconds, > 0).
  double sd_s = 0;
  /// empirical: the samples (seconds, >= 0), in file order, at least one.
  std::vector<double> samples_s;
  source_pos where;
};

/// How one customer attribute (or ticket field) of generated customers
/// (tickets) is drawn.
///
/// YAML, under `attributes:` (or `fields:`), NAME: one of
/// - a plain value (`urban`, `10`, `true`): always that value;
/// - `{ choice: { VALUE: WEIGHT, … } }`: a weighted choice;
/// - `{ uniform: [LOW, HIGH] }`: a number uniformly in [LOW, HIGH];
/// - `{ lognormal: { mean: M, sd: S } }`: a positive number.
/// Values are typed by the schema (organisation attributes, workflow
/// fields): an int attribute rounds a drawn number.
struct value_generator {
  enum class kind : std::uint8_t { choice, uniform, lognormal };
  std::string name;
  kind shape = kind::choice;
  /// choice (a plain value is a choice of one).
  weighted choices;
  /// uniform: [low, high]; lognormal: low = mean, high = sd.
  double low = 0, high = 0;
  source_pos where;
};

/// A generated group of customers.
///
/// YAML, under `customers: { segments: { ID: { … } } }`:
/// `count: N` customers; `regions: { REGION: WEIGHT, … }` (default: every
/// organisation region, equal weights); `attributes: { NAME: generator }`.
/// Customer ids are "ID-000001", … in segment order.
struct segment {
  std::string id;
  std::uint64_t count = 0;
  weighted regions;
  std::vector<value_generator> attributes;
  source_pos where;
};

/// One customer of the population, generated or loaded.
struct customer {
  std::string id;
  std::string segment;
  std::string region;
  /// Typed by the organisation's attribute schema; region included.
  attribute_values attributes;
};

/// The customer population: generated segments, and/or customers loaded
/// from a CSV file (`customers: { csv: FILE }`: a header row `id,segment,
/// NAME,…` naming customer attributes, one customer per row; region is a
/// required column).
struct population {
  std::vector<segment> segments;
  /// The CSV path as written (relative to the scenario file), "" for none.
  std::string csv;
  /// Loaded from the CSV, in file order.
  std::vector<customer> loaded;
};

/// Demand for one ticket type: a Poisson arrival stream whose rate varies
/// with the hour of day and the day of week.
///
/// YAML, under `demand: { TYPE: { … } }`: `per_day: R` (mean tickets per
/// day of average weight); `channels: { CHANNEL: WEIGHT }`; `hours:` 24
/// weights (hour 0 first, local time; default flat); `weekdays: { mon: W,
/// …, sun: W }` multipliers (default 1; holidays of `holidays_like` count
/// as a sunday: `holidays_like: sun`); `segments: [ID, …]` the segments
/// whose customers raise it (default all; customers are drawn uniformly
/// within them); `fields: { NAME: generator }` for the workflow's ticket
/// fields.
struct demand_stream {
  std::string type;
  double per_day = 0;
  weighted channels;
  /// Hour-of-day weights, hour 0 first; all equal when not given.
  std::array<double, 24> hours{};
  /// Day-of-week multipliers, Monday first (ISO); all 1 when not given.
  std::array<double, 7> weekdays{};
  /// A calendar (organisation or scenario) whose holidays take the weekday
  /// multiplier of `holiday_weekday` (0 = Monday … 6 = Sunday); "" = none.
  std::string holidays_from;
  std::size_t holiday_weekday = 6;
  std::vector<std::string> segments;
  std::vector<value_generator> fields;
  source_pos where;
};

/// A surge: the demand of some ticket types, from customers of some
/// regions, multiplied between two instants (a typhoon day).
///
/// YAML, under `surges: { ID: { from: ISO, to: ISO, factor: F, types:
/// [TYPE, …], regions: [REGION, …] } }`; times with an offset or local to
/// the organisation; types and regions default to all.
struct surge {
  std::string id;
  timestamp from{}, to{};
  double factor = 1;
  std::vector<std::string> types;
  std::vector<std::string> regions;
  source_pos where;
};

/// People of one role: individual persons with a shift calendar.
///
/// YAML, a list under `staff:`: `{ role: ROLE, count: N, calendar: CAL,
/// regions: { REGION: N, … } }`. For a role whose unit is region-split,
/// `count` people in every region (a region listed in `regions` gets its own
/// number, 0 for none); otherwise `count` people in all. `calendar` names a
/// calendar of the organisation or of the scenario's `calendars:` (same
/// syntax as the organisation file's, holidays and make-up days included):
/// a person works only in its working time. Person ids:
/// "ROLE.REGION.N" (region-split) or "ROLE.N", N from 1.
struct staff_group {
  std::string role;
  std::uint32_t count = 0;
  std::vector<std::pair<std::string, std::uint32_t>> regions;
  std::string calendar;
  source_pos where;
};

/// How long an action takes its actor (the person is busy for that long;
/// the action is recorded when it is done).
///
/// YAML: `handling: { default: DIST, WORKFLOW: { default: DIST, ACTION:
/// DIST, … } }`; the most specific entry applies.
struct handling_time {
  std::string workflow;  ///< "" = every workflow
  std::string action;    ///< "" = the default (of the workflow, or of all)
  time_distribution time;
  source_pos where;
};

/// One possible outcome of a decision: an action and its weight, and for an
/// action that asks the actor for a classification, how its values go.
struct choice {
  std::string action;
  double weight = 0;
  weighted classification;
  source_pos where;
};

/// Which action a state's ticket gets next.
///
/// YAML: `decisions: { WORKFLOW: { STATE: { ACTION: WEIGHT, ACTION: {
/// weight: W, classification: { VALUE: WEIGHT } } } } }`. A state with one
/// action that moves the ticket (a `to`, a handoff, return, escalation or
/// reroute) needs no entry; a state with several needs one (the loader
/// says which are missing).
struct decision {
  std::string workflow;
  std::string state;
  std::vector<choice> choices;
  source_pos where;
};

/// Time a ticket waits in a state before its next action can be taken at
/// all: the customer's response in clock-pausing states (documents, own
/// works, payment), a callback window.
///
/// YAML: `waits: { WORKFLOW: { STATE: DIST } }`.
struct state_wait {
  std::string workflow;
  std::string state;
  time_distribution time;
  source_pos where;
};

/// A whole scenario, as loaded.
///
/// YAML (workflows/SIMULATION.md): `scenario: ID`, `title:`, `start:
/// DATE` (local midnight of the organisation), `days: N` (the reported
/// horizon), `warm_up: N` (days simulated before it and left out of the
/// indicators), `seed:`, `replications:`, `report: { by: [KEY, …],
/// sample_every: 1h }`, `calendars:`, `customers:`, `demand:`, `surges:`,
/// `staff:`, `handling:`, `decisions:`, `waits:`.
struct scenario {
  std::string id;
  std::string title;
  source_pos where;
  /// The file it was read from ("" when built in code): CSV paths are
  /// relative to its folder.
  std::string file;
  std::chrono::sys_days start{};
  std::uint32_t days = 0;
  std::uint32_t warm_up_days = 0;
  std::uint64_t seed = 1;
  std::uint32_t replications = 1;
  /// kpi group keys of the report's rows (default: tier).
  std::vector<kpi::group_key> report_by;
  /// How often queues and staff are sampled for the time series.
  std::chrono::seconds sample_every{std::chrono::hours{1}};
  /// The scenario's own calendars (shifts), beside the organisation's.
  std::vector<calendar> calendars;
  population customers;
  std::vector<demand_stream> demand;
  std::vector<surge> surges;
  std::vector<staff_group> staff;
  std::vector<handling_time> handling;
  std::vector<decision> decisions;
  std::vector<state_wait> waits;

  /// The instants of the reported period: [start + warm_up, + days).
  [[nodiscard]] timestamp period_from(std::chrono::minutes utc_offset) const noexcept {
    return from_local(start + std::chrono::days{warm_up_days}, std::chrono::seconds{0}, utc_offset);
  }
  [[nodiscard]] timestamp period_to(std::chrono::minutes utc_offset) const noexcept {
    return from_local(start + std::chrono::days{warm_up_days + days}, std::chrono::seconds{0}, utc_offset);
  }
  [[nodiscard]] timestamp run_from(std::chrono::minutes utc_offset) const noexcept {
    return from_local(start, std::chrono::seconds{0}, utc_offset);
  }
};

/// Reads a scenario file against `cat` (a catalog without errors): every
/// ticket type, channel, segment, region, attribute, field, role, calendar,
/// workflow, state, action and classification value is checked, every
/// number, time and distribution parsed, CSV files read (relative to the
/// scenario's folder; a CSV problem is `file.csv:line:col: error: …`).
/// Then what would make the run meaningless is reported before it starts:
/// a demanded ticket type no workflow serves, a state with several moving
/// actions and no decision, a decision's action that no staffed role may
/// take (in some region that has customers, for region-split units), a
/// routing target whose tickets no staffed person can take. Every problem
/// goes to `diags` as `file:line:col: error: …`, sorted by position;
/// nullopt if there was any error. Never throws except std::bad_alloc.
[[nodiscard]] std::optional<scenario> load_scenario(const source_file& source, const catalog& cat,
                                                    diagnostics& diags,
                                                    const load_limits& limits = {});

/// Reads and loads a scenario file by path (read_sources' limits).
[[nodiscard]] std::optional<scenario> load_scenario_file(const std::string& path,
                                                         const catalog& cat, diagnostics& diags,
                                                         const load_limits& limits = {});

/// How to run one replication.
struct run_options {
  /// The replication's seed (replication_seed(scenario.seed, i)).
  std::uint64_t seed = 1;
  /// Where the simulated trail goes; nullptr = a memory store of the run's
  /// own, from which each ticket's trail leaves once it has closed and been
  /// folded into the indicators (memory grows with the open tickets, not
  /// with every ticket ever opened). A store given here keeps every trail.
  /// Must be empty (no stream) when given.
  store* events = nullptr;
  /// Forecast: a live store whose open tickets the run starts from, as
  /// they stand (state, owner, assignee, clocks, timers). Only read: its
  /// streams are copied into the run's store, which the engine restores.
  /// Simulated tickets then get ids "S00000001", … so as not to collide.
  const store* from = nullptr;
  /// Overrides the scenario's start instant (a forecast starts "now");
  /// must not be before the newest event of `from`.
  std::optional<timestamp> start;
  /// Called now and then with the fraction of simulated time done, in
  /// [0, 1]; may be empty.
  std::function<void(double)> progress;
};

/// One work pool: the people of a role (in one region, for region-split
/// units), with what they did over the reported period.
struct pool_stats {
  std::string role;
  std::string unit;    ///< the role's tier or team
  std::string region;  ///< "" for units not split by region
  std::uint32_t people = 0;
  /// Person-seconds at work (on shift, and the overtime of a person who
  /// finishes the job in hand after the shift ended) and busy, within the
  /// reported period: busy_s <= on_shift_s.
  double on_shift_s = 0;
  double busy_s = 0;
  /// busy ÷ at work, in [0, 1]; nullopt when nobody was at work.
  [[nodiscard]] std::optional<double> utilisation() const noexcept {
    if (on_shift_s <= 0) return std::nullopt;
    return busy_s / on_shift_s;
  }
  /// Actions this pool's people completed in the period, and the queue
  /// wait of the tickets they took (ready → taken, seconds).
  std::uint64_t served = 0;
  kpi::distribution wait;
};

/// The queue and the staff of one pool at one instant.
struct sample {
  timestamp at{};
  std::size_t pool = 0;       ///< index into replication::pools
  std::uint32_t queued = 0;   ///< tickets ready and waiting for this pool
  std::uint32_t on_shift = 0;
  std::uint32_t busy = 0;
};

/// A ticket the run saw breach a deadline: for a forecast, which of today's
/// open tickets will breach, and when.
struct breach {
  std::string ticket_id;
  std::string deadline;
  timestamp at{};
  /// Open in the live store at the start (forecast), not simulated demand.
  bool from_live = false;
  std::string unit, region;
};

/// What one replication produced.
struct replication {
  std::uint64_t seed = 0;
  /// The indicators of the reported period, grouped by scenario.report_by.
  kpi::report report;
  std::vector<pool_stats> pools;  ///< by role, then region
  std::vector<sample> samples;    ///< by instant, then pool
  /// Deadlines breached during the reported period, by instant.
  std::vector<breach> breaches;
  std::uint64_t tickets_opened = 0;  ///< by the simulation (not the live ones)
  std::uint64_t actions = 0;         ///< actions taken
  std::uint64_t events = 0;          ///< events appended to the run's store
  /// Tickets that could never go on: no staffed person may take their
  /// next action, the engine refused it three times in a row, or they took
  /// more than max_actions_per_instant actions at one instant (each is
  /// counted once, and stays open).
  std::uint64_t stuck = 0;
  /// Tickets open at the end of the run.
  std::uint64_t open_at_end = 0;
};

/// A ticket that takes more actions than this at one simulated instant is
/// in a cycle of actions that take no time (a scenario whose handling
/// times are 0 around a loop of the workflow): the clock would never move.
/// The run counts it in replication::stuck, leaves it open and goes on.
inline constexpr std::uint32_t max_actions_per_instant = 100;

/// The seed of replication `index` (0-based) of a scenario seeded `seed`:
/// independent streams for each replication (SplitMix64).
[[nodiscard]] std::uint64_t replication_seed(std::uint64_t seed, std::uint32_t index) noexcept;

/// Runs one replication of `sc` on an engine over `cat` (the catalog the
/// scenario was loaded against) with a manual clock: arrivals open tickets;
/// a ready ticket waits in the pools of the people who may take its next
/// action (nearest deadline first, then first come) until one of them is on
/// shift and free; the action is recorded when its handling time is over;
/// timers fire as the clock passes them. The same scenario, catalog and
/// seed give byte-identical trails and reports.
/// Errors: errc::invalid_argument (options.events not empty; a start before
/// the live store's newest event), the engine's and the stores' errors.
[[nodiscard]] result<replication> run(const scenario& sc, const catalog& cat,
                                      const run_options& options);

/// One indicator over the replications: Student-t 95% confidence interval
/// of the mean (half_width absent with fewer than two values).
struct estimate {
  std::string name;
  /// Replications that had a value (a rate with data).
  std::uint32_t n = 0;
  std::optional<double> mean;
  std::optional<double> half_width;
};

/// A row (group) of estimates: the group's values as in kpi::group_row.
struct estimate_row {
  std::vector<std::string> group;
  std::vector<estimate> values;
};

/// Replications summed up: the indicators (kpi::metrics names) of the
/// total and of each group, and per pool `pool.ROLE[.REGION].utilisation`,
/// `.wait_mean_s`, `.served`; plus `tickets_opened`, `stuck`, `open_at_end`.
struct summary {
  std::uint32_t replications = 0;
  std::vector<estimate> total;
  std::vector<estimate_row> rows;
  std::vector<estimate> pools;
};

/// Means and 95% intervals over `runs` (at least one).
[[nodiscard]] summary summarise(std::span<const replication> runs);

/// One indicator of two alternatives: B − A and Welch's 95% interval of the
/// difference; significant when the interval excludes 0.
struct difference {
  std::string name;
  std::optional<double> a, b;
  std::optional<double> delta;
  std::optional<double> half_width;
  bool significant = false;
};

/// The indicators of two sets of replications side by side, in the order
/// of `a`'s summary (then names only `b` has).
[[nodiscard]] std::vector<difference> compare(std::span<const replication> a,
                                              std::span<const replication> b);

/// The two-sided 95% quantile of Student's t with `degrees` degrees of
/// freedom (1 → 12.706, ∞ → 1.960).
[[nodiscard]] double t_quantile_95(double degrees) noexcept;

}  // namespace tierflow::sim
