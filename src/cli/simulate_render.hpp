// SPDX-License-Identifier: MIT
// How `tierflow simulate` shows its results: what was simulated and the
// estimates over the replications (a simulation_view, built from the runs
// by make_view), as an aligned table, CSV and JSON (simulate_text.cpp) and
// one self-contained HTML page (simulate_html.cpp). Pure functions of the
// view, so that the same runs always print the same bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <tierflow/kpi.hpp>
#include <tierflow/simulation.hpp>

namespace tierflow::cli {

/// A pool's queue length over time: the mean over the replications of the
/// tickets waiting for it at each sampling instant.
struct queue_series {
  std::string role, unit, region;
  std::vector<std::pair<timestamp, double>> points;
  /// The mean over the instants, and the largest value; 0 without points.
  [[nodiscard]] double mean() const noexcept;
  [[nodiscard]] double peak() const noexcept;
};

/// A ticket of the live store that breached a deadline in the forecast: in
/// how many replications, and the earliest instant.
struct live_breach {
  std::string ticket_id;
  std::string deadline;
  timestamp at{};
  std::uint32_t replications = 0;
  std::string unit, region;
};

/// One simulated alternative, ready to be shown.
struct simulation_view {
  std::string scenario_id;
  std::string title;
  std::string file;       ///< the scenario file as given
  std::string workflows;  ///< the definitions directory as given
  /// The reported period (the first replication's report: the scenario's,
  /// or from the forecast's start).
  timestamp from{}, to{};
  std::chrono::minutes offset{0};  ///< the organisation's zone
  std::uint64_t seed = 0;
  std::uint32_t warm_up_days = 0;
  std::uint32_t days = 0;
  std::vector<kpi::group_key> by;
  std::string store;  ///< where the first replication's trail went: a URL, or "memory"
  sim::summary summary;
  /// The first replication's pools: role, unit, region and people of each
  /// `pool.…` estimate.
  std::vector<sim::pool_stats> pools;
  std::vector<queue_series> queues;
  /// A forecast (--from): the live store (URL, passwords scrubbed), the
  /// start instant, and the live tickets that breach, earliest first.
  bool forecast = false;
  std::string live_store;
  timestamp start{};
  std::vector<live_breach> breaches;
};

/// The view of `runs` (at least one) of `sc`: the summary, the first run's
/// pools, the mean queue lengths per instant, the live breaches.
[[nodiscard]] simulation_view make_view(const sim::scenario& sc,
                                        std::span<const sim::replication> runs,
                                        std::chrono::minutes offset);

/// The period, replications and store as header lines (shared by every
/// rendering).
[[nodiscard]] std::string view_heading(const simulation_view& v);

/// An estimate as shown: "92.3% ± 2.1%" for a rate (`…_rate`, `…utilisation`),
/// "3h 20m ± 12m" for seconds (`…_s`), "123.4 ± 5.6" for counts; "—" with no
/// value, and no "±" part with one replication.
[[nodiscard]] std::string show_estimate(const sim::estimate& e);

/// The estimates as aligned tables: every indicator of the total (n, mean,
/// ± half-width), the main ones of each group row (one line per group, as
/// `tierflow report` prints them), the pools (utilisation, mean wait,
/// served), the run counts, and for a forecast the live tickets that breach
/// ("no open ticket breaches in the horizon" when none). Lines end in "\n";
/// the caller escapes them.
[[nodiscard]] std::string render_sim_table(const simulation_view& v);

/// CSV (RFC 4180, CRLF): a header `KEY…,name,n,mean,half_width,ci_low,ci_high`
/// with one column per group key, one line per metric per group ("(total)"
/// in the group cells for the total, the pools and the run counts); empty
/// cells where there is no value.
[[nodiscard]] std::string render_sim_csv(const simulation_view& v);

/// One JSON document: scenario, period, seed, replications, by, total,
/// rows, pools (with their queue's mean and peak over the sampling
/// instants), run, and for a forecast the live breaches.
[[nodiscard]] std::string render_sim_json(const simulation_view& v);

/// Two alternatives side by side (--compare, --compare-workflows).
struct comparison_view {
  std::string a_label, b_label;
  std::vector<sim::difference> differences;
};

/// A difference as shown: "+3.0 ± 5.6" (the estimate's units), "—" without
/// values.
[[nodiscard]] std::string show_difference(const sim::difference& d);

/// The comparison as an aligned table: metric, A, B, B − A ± half-width,
/// "significant" or "—".
[[nodiscard]] std::string render_compare_table(const comparison_view& c, const simulation_view& a,
                                               const simulation_view& b);
/// As CSV: `name,a,b,delta,half_width,significant`.
[[nodiscard]] std::string render_compare_csv(const comparison_view& c);
/// As one JSON document: a and b (scenario, period), differences.
[[nodiscard]] std::string render_compare_json(const comparison_view& c, const simulation_view& a,
                                              const simulation_view& b);

/// The simulation as one self-contained HTML page (no script, no external
/// reference; report_html.cpp's style): the scenario and period, the
/// estimates with their intervals, staff utilisation per pool (bars with the
/// interval as a whisker), queue length over time per tier and region, the
/// live breaches of a forecast, the comparison when `c` is given, and the
/// first replication's report as `tierflow report --html` shows it (`first`
/// grouped as the scenario asks, `by_tier` and `by_region` for its charts).
[[nodiscard]] std::string render_sim_html(const simulation_view& v, const kpi::report& first,
                                          const kpi::report& by_tier, const kpi::report& by_region,
                                          const comparison_view* c);

}  // namespace tierflow::cli
