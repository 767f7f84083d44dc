// SPDX-License-Identifier: MIT
// Statistics over replications (src/simulation/summary.cpp,
// summary_compare.cpp): means and Student-t half-widths of hand-built
// replications, rows matched by group values, pools and run counts, Welch's
// interval of a difference, the t table and the replication seeds. Every
// expected number is worked out by hand in the comment beside it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/simulation.hpp>

namespace sim = tierflow::sim;
namespace kpi = tierflow::kpi;

namespace {

/// A replication whose total on-time rate is `met`/10 and that opened
/// `opened` tickets; nothing else.
sim::replication run_with(std::uint64_t met, std::uint64_t opened = 0) {
  sim::replication r;
  r.report.total.on_time = {met, 10};
  r.report.total.opened = opened;
  return r;
}

const sim::estimate* find(const std::vector<sim::estimate>& list, std::string_view name) {
  const auto it = std::find_if(list.begin(), list.end(),
                               [&](const sim::estimate& e) { return e.name == name; });
  return it == list.end() ? nullptr : &*it;
}

const sim::difference* find(const std::vector<sim::difference>& list, std::string_view name) {
  const auto it = std::find_if(list.begin(), list.end(),
                               [&](const sim::difference& d) { return d.name == name; });
  return it == list.end() ? nullptr : &*it;
}

/// Replications whose total `opened` count takes `values`, one each.
std::vector<sim::replication> opened_runs(const std::vector<std::uint64_t>& values) {
  std::vector<sim::replication> out;
  for (const auto v : values) out.push_back(run_with(10, v));
  return out;
}

sim::pool_stats pool(std::string role, std::string region, double on_shift, double busy,
                     std::uint64_t served, std::optional<double> wait_mean) {
  sim::pool_stats p;
  p.role = std::move(role);
  p.region = std::move(region);
  p.unit = "first_line";
  p.people = 2;
  p.on_shift_s = on_shift;
  p.busy_s = busy;
  p.served = served;
  p.wait.count = wait_mean ? 1 : 0;
  p.wait.mean = wait_mean;
  return p;
}

}  // namespace

TEST_CASE("sim.summary.mean_and_student_half_width") {
  // 0.8, 0.9, 1.0: mean 0.9; deviations −0.1, 0, 0.1 → s² = 0.02/2 = 0.01,
  // s = 0.1; t(2) = 4.303; half-width 4.303 · 0.1 / √3 = 0.248434.
  const std::vector<sim::replication> runs{run_with(8), run_with(9), run_with(10)};
  const sim::summary s = sim::summarise(runs);
  CHECK(s.replications == 3);
  const auto* rate = find(s.total, "on_time_rate");
  REQUIRE(rate != nullptr);
  CHECK(rate->n == 3);
  REQUIRE(rate->mean);
  CHECK(*rate->mean == doctest::Approx(0.9));
  REQUIRE(rate->half_width);
  CHECK(*rate->half_width == doctest::Approx(0.248434).epsilon(1e-5));
  // The total's names are kpi::metrics', in its order: opened comes first.
  REQUIRE(!s.total.empty());
  CHECK(s.total.front().name == "opened");
}

TEST_CASE("sim.summary.larger_sample_uses_its_degrees_of_freedom") {
  // opened 10, 12, 14, 16, 18: mean 14; Σ(x − 14)² = 16+4+0+4+16 = 40,
  // s² = 40/4 = 10; t(4) = 2.776; half-width 2.776 · √10 / √5 = 2.776 · √2
  // = 3.925856.
  const auto runs = opened_runs({10, 12, 14, 16, 18});
  const sim::summary s = sim::summarise(runs);
  const auto* opened = find(s.total, "opened");
  REQUIRE(opened != nullptr);
  CHECK(opened->n == 5);
  CHECK(*opened->mean == doctest::Approx(14.0));
  CHECK(*opened->half_width == doctest::Approx(3.925856).epsilon(1e-5));
}

TEST_CASE("sim.summary.one_replication_has_a_mean_and_no_interval") {
  const std::vector<sim::replication> runs{run_with(7)};
  const sim::summary s = sim::summarise(runs);
  const auto* rate = find(s.total, "on_time_rate");
  REQUIRE(rate != nullptr);
  CHECK(rate->n == 1);
  CHECK(*rate->mean == doctest::Approx(0.7));
  CHECK_FALSE(rate->half_width.has_value());
}

TEST_CASE("sim.summary.identical_replications_have_a_zero_half_width") {
  const auto runs = opened_runs({4, 4, 4});
  const sim::summary s = sim::summarise(runs);
  const auto* opened = find(s.total, "opened");
  REQUIRE(opened != nullptr);
  CHECK(*opened->mean == doctest::Approx(4.0));
  REQUIRE(opened->half_width);
  CHECK(*opened->half_width == 0.0);
}

TEST_CASE("sim.summary.a_rate_without_data_is_not_counted") {
  // The second replication stopped no deadline (0/0): the mean is over the
  // other two, 0.6 and 1.0 → 0.8; s² = (0.04+0.04)/1 = 0.08, s = 0.282843;
  // t(1) = 12.706; half-width 12.706 · 0.282843 / √2 = 2.541200.
  std::vector<sim::replication> runs{run_with(6), run_with(0), run_with(10)};
  runs[1].report.total.on_time = {0, 0};
  const sim::summary s = sim::summarise(runs);
  const auto* rate = find(s.total, "on_time_rate");
  REQUIRE(rate != nullptr);
  CHECK(rate->n == 2);
  CHECK(*rate->mean == doctest::Approx(0.8));
  CHECK(*rate->half_width == doctest::Approx(2.5412).epsilon(1e-5));
}

TEST_CASE("sim.summary.an_indicator_no_replication_has_data_for_shows_empty") {
  // Nobody answered a callback anywhere: the name is listed, n = 0, no mean.
  const std::vector<sim::replication> runs{run_with(5), run_with(6)};
  const sim::summary s = sim::summarise(runs);
  const auto* satisfaction = find(s.total, "satisfaction_rate");
  REQUIRE(satisfaction != nullptr);
  CHECK(satisfaction->n == 0);
  CHECK_FALSE(satisfaction->mean.has_value());
  CHECK_FALSE(satisfaction->half_width.has_value());
}

TEST_CASE("sim.summary.rows_are_matched_by_group_values") {
  // Replication 1 has rows first_line (opened 4) and second_line (2);
  // replication 2 lists them the other way round (second_line 6, first_line
  // 8) and replication 3 only first_line (opened 6). first_line: 4, 8, 6 →
  // mean 6, s = 2, half-width 4.303 · 2 / √3 = 4.968676. second_line: 2, 6
  // → mean 4, n = 2, s = 2.828427, half-width 12.706 · 2.828427 / √2 =
  // 25.412.
  auto row = [](std::string tier, std::uint64_t opened) {
    kpi::group_row r;
    r.group = {std::move(tier)};
    r.values.opened = opened;
    return r;
  };
  std::vector<sim::replication> runs(3);
  runs[0].report.rows = {row("first_line", 4), row("second_line", 2)};
  runs[1].report.rows = {row("second_line", 6), row("first_line", 8)};
  runs[2].report.rows = {row("first_line", 6)};
  const sim::summary s = sim::summarise(runs);
  REQUIRE(s.rows.size() == 2);
  CHECK(s.rows[0].group == std::vector<std::string>{"first_line"});
  CHECK(s.rows[1].group == std::vector<std::string>{"second_line"});
  const auto* first = find(s.rows[0].values, "opened");
  const auto* second = find(s.rows[1].values, "opened");
  REQUIRE(first != nullptr);
  REQUIRE(second != nullptr);
  CHECK(first->n == 3);
  CHECK(*first->mean == doctest::Approx(6.0));
  CHECK(*first->half_width == doctest::Approx(4.968676).epsilon(1e-5));
  CHECK(second->n == 2);
  CHECK(*second->mean == doctest::Approx(4.0));
  CHECK(*second->half_width == doctest::Approx(25.412).epsilon(1e-5));
}

TEST_CASE("sim.summary.pools_and_run_counts") {
  // Pool agent (not split by region): on shift 100 s, busy 50 then 70 →
  // utilisation 0.5 and 0.7, mean 0.6, s = 0.141421, half-width 12.706 ·
  // 0.141421 / √2 = 1.2706. The region-split pool of wuzhong had nobody on
  // shift in the second run: its utilisation has one value (0.25).
  std::vector<sim::replication> runs(2);
  runs[0].pools = {pool("agent", "", 100, 50, 3, 30.0), pool("crew", "wuzhong", 400, 100, 1, {})};
  runs[1].pools = {pool("agent", "", 100, 70, 5, 90.0), pool("crew", "wuzhong", 0, 0, 0, {})};
  runs[0].tickets_opened = 10;
  runs[1].tickets_opened = 14;
  runs[0].stuck = 1;
  runs[1].stuck = 1;
  runs[0].open_at_end = 2;
  runs[1].open_at_end = 0;
  const sim::summary s = sim::summarise(runs);
  const auto* util = find(s.pools, "pool.agent.utilisation");
  REQUIRE(util != nullptr);
  CHECK(util->n == 2);
  CHECK(*util->mean == doctest::Approx(0.6));
  CHECK(*util->half_width == doctest::Approx(1.2706).epsilon(1e-5));
  const auto* wait = find(s.pools, "pool.agent.wait_mean_s");
  REQUIRE(wait != nullptr);
  CHECK(*wait->mean == doctest::Approx(60.0));
  const auto* served = find(s.pools, "pool.agent.served");
  REQUIRE(served != nullptr);
  CHECK(*served->mean == doctest::Approx(4.0));
  const auto* crew = find(s.pools, "pool.crew.wuzhong.utilisation");
  REQUIRE(crew != nullptr);
  CHECK(crew->n == 1);
  CHECK(*crew->mean == doctest::Approx(0.25));
  const auto* crew_wait = find(s.pools, "pool.crew.wuzhong.wait_mean_s");
  REQUIRE(crew_wait != nullptr);
  CHECK(crew_wait->n == 0);
  // Run counts come after every pool: opened 10, 14 → mean 12; stuck
  // constant 1 → half-width 0; open at the end 2, 0 → mean 1.
  REQUIRE(s.pools.size() == 9);
  CHECK(s.pools[6].name == "tickets_opened");
  CHECK(*s.pools[6].mean == doctest::Approx(12.0));
  CHECK(s.pools[7].name == "stuck");
  CHECK(*s.pools[7].half_width == 0.0);
  CHECK(s.pools[8].name == "open_at_end");
  CHECK(*s.pools[8].mean == doctest::Approx(1.0));
}

TEST_CASE("sim.summary.names_only_a_later_replication_has_keep_kpi_order") {
  // Replication 1 reached escalation levels 0, 1 and 3, replication 2
  // levels 0 and 2: the levels are listed 0, 1, 2, 3 and before `handoffs`,
  // as kpi::metrics lists them, not in the order they were met.
  std::vector<sim::replication> runs(2);
  runs[0].report.total.levels_reached = {{0, 5}, {1, 2}, {3, 1}};
  runs[1].report.total.levels_reached = {{0, 4}, {2, 1}};
  const sim::summary s = sim::summarise(runs);
  std::vector<std::string> names;
  for (const auto& e : s.total) names.push_back(e.name);
  const auto at = [&](std::string_view name) {
    return std::find(names.begin(), names.end(), name) - names.begin();
  };
  const auto end = static_cast<std::ptrdiff_t>(names.size());
  REQUIRE(at("escalation_level.3") < end);
  CHECK(at("escalation_level.0") + 1 == at("escalation_level.1"));
  CHECK(at("escalation_level.1") + 1 == at("escalation_level.2"));
  CHECK(at("escalation_level.2") + 1 == at("escalation_level.3"));
  CHECK(at("escalation_level.3") + 1 == at("handoffs"));
  CHECK(names.back() == "satisfaction_rate");
  // Level 2 only in replication 2: one value, 1.
  const auto* level2 = find(s.total, "escalation_level.2");
  REQUIRE(level2 != nullptr);
  CHECK(level2->n == 1);
  CHECK(*level2->mean == doctest::Approx(1.0));
}

TEST_CASE("sim.compare.welch_interval_that_holds_zero") {
  // A 1, 2, 3 (mean 2, s² 1); B 3, 5, 7 (mean 5, s² 4). B − A = 3.
  // s²/n: 1/3 and 4/3, sum 5/3; Welch–Satterthwaite ν = (5/3)² ÷
  // ((1/3)²/2 + (4/3)²/2) = (25/9) ÷ (17/18) = 50/17 = 2.94 → t(2) = 4.303
  // (the table's whole degrees, rounded down: conservative); half-width
  // 4.303 · √(5/3) = 5.555149. |3| < 5.555: not significant.
  const auto a = opened_runs({1, 2, 3});
  const auto b = opened_runs({3, 5, 7});
  const auto diffs = sim::compare(a, b);
  const auto* opened = find(diffs, "opened");
  REQUIRE(opened != nullptr);
  CHECK(*opened->a == doctest::Approx(2.0));
  CHECK(*opened->b == doctest::Approx(5.0));
  CHECK(*opened->delta == doctest::Approx(3.0));
  CHECK(*opened->half_width == doctest::Approx(5.555149).epsilon(1e-5));
  CHECK_FALSE(opened->significant);
}

TEST_CASE("sim.compare.welch_interval_that_excludes_zero") {
  // A 10, 11, 12; B 20, 21, 22: s² 1 each, s²/n 1/3 each, sum 2/3;
  // ν = (4/9) ÷ (2 · (1/9)/2) = 4 → t(4) = 2.776; half-width 2.776 ·
  // √(2/3) = 2.266595. B − A = 10: significant.
  const auto diffs = sim::compare(opened_runs({10, 11, 12}), opened_runs({20, 21, 22}));
  const auto* opened = find(diffs, "opened");
  REQUIRE(opened != nullptr);
  CHECK(*opened->delta == doctest::Approx(10.0));
  CHECK(*opened->half_width == doctest::Approx(2.266595).epsilon(1e-5));
  CHECK(opened->significant);
  // Same for B − A negative: A 20, 21, 22 against B 10, 11, 12.
  const auto reversed = sim::compare(opened_runs({20, 21, 22}), opened_runs({10, 11, 12}));
  const auto* back = find(reversed, "opened");
  REQUIRE(back != nullptr);
  CHECK(*back->delta == doctest::Approx(-10.0));
  CHECK(back->significant);
}

TEST_CASE("sim.compare.one_side_without_spread") {
  // A 5, 5, 5 (s² 0); B 4, 6, 8 (s² 4, s²/n 4/3): ν = nB − 1 = 2 →
  // t 4.303; half-width 4.303 · √(4/3) = 4.968676. B − A = 1: not
  // significant.
  const auto diffs = sim::compare(opened_runs({5, 5, 5}), opened_runs({4, 6, 8}));
  const auto* opened = find(diffs, "opened");
  REQUIRE(opened != nullptr);
  CHECK(*opened->half_width == doctest::Approx(4.968676).epsilon(1e-5));
  CHECK_FALSE(opened->significant);
}

TEST_CASE("sim.compare.both_without_spread_differ_iff_the_means_do") {
  const auto same = sim::compare(opened_runs({5, 5}), opened_runs({5, 5}));
  const auto* equal = find(same, "opened");
  REQUIRE(equal != nullptr);
  CHECK(*equal->delta == 0.0);
  CHECK(*equal->half_width == 0.0);
  CHECK_FALSE(equal->significant);
  const auto moved = sim::compare(opened_runs({5, 5}), opened_runs({6, 6}));
  const auto* differ = find(moved, "opened");
  REQUIRE(differ != nullptr);
  CHECK(*differ->delta == doctest::Approx(1.0));
  CHECK(differ->significant);
}

TEST_CASE("sim.compare.single_replications_are_never_significant") {
  const auto diffs = sim::compare(opened_runs({1}), opened_runs({100}));
  const auto* opened = find(diffs, "opened");
  REQUIRE(opened != nullptr);
  CHECK(*opened->delta == doctest::Approx(99.0));
  CHECK_FALSE(opened->half_width.has_value());
  CHECK_FALSE(opened->significant);
}

TEST_CASE("sim.compare.order_rows_and_names_only_b_has") {
  // A's order first (total, rows by group, pools, run counts); a deadline
  // only B's workflows have comes after all of A's names, with no A mean.
  std::vector<sim::replication> a(2), b(2);
  for (auto* side : {&a, &b}) {
    for (auto& r : *side) {
      kpi::group_row row;
      row.group = {"first_line", "wuzhong"};
      row.values.opened = 3;
      r.report.rows.push_back(row);
      r.pools.push_back(pool("agent", "", 10, 5, 1, {}));
    }
  }
  for (auto& r : b) r.report.total.deadlines["callback"] = {{1, 2}, {1, 2}};
  const auto diffs = sim::compare(a, b);
  REQUIRE(!diffs.empty());
  CHECK(diffs.front().name == "opened");
  std::set<std::string> names;
  for (const auto& d : diffs) names.insert(d.name);
  CHECK(names.size() == diffs.size());  // no name twice
  const auto position = [&](std::string_view name) {
    return std::find_if(diffs.begin(), diffs.end(),
                        [&](const sim::difference& d) { return d.name == name; }) -
           diffs.begin();
  };
  const auto row_opened = position("row[first_line,wuzhong].opened");
  const auto util = position("pool.agent.utilisation");
  const auto stuck = position("stuck");
  const auto only_b = position("deadline.callback.on_time_rate");
  const auto end = static_cast<std::ptrdiff_t>(diffs.size());
  REQUIRE(row_opened < end);
  REQUIRE(only_b < end);
  CHECK(position("satisfaction_rate") < row_opened);
  CHECK(row_opened < util);
  CHECK(util < stuck);
  CHECK(stuck < only_b);
  const auto& callback = diffs[static_cast<std::size_t>(only_b)];
  CHECK_FALSE(callback.a.has_value());
  CHECK(*callback.b == doctest::Approx(0.5));
  CHECK_FALSE(callback.delta.has_value());
  CHECK_FALSE(callback.significant);
}

TEST_CASE("sim.summary.t_quantiles_from_the_table_and_beyond") {
  CHECK(sim::t_quantile_95(1) == doctest::Approx(12.706));
  CHECK(sim::t_quantile_95(2) == doctest::Approx(4.303));
  CHECK(sim::t_quantile_95(2.9) == doctest::Approx(4.303));
  CHECK(sim::t_quantile_95(30) == doctest::Approx(2.042));
  // Tables: t(40) = 2.021, t(60) = 2.000, t(120) = 1.980; the normal 1.960.
  CHECK(sim::t_quantile_95(40) == doctest::Approx(2.021).epsilon(0.001));
  CHECK(sim::t_quantile_95(60) == doctest::Approx(2.000).epsilon(0.001));
  CHECK(sim::t_quantile_95(120) == doctest::Approx(1.980).epsilon(0.001));
  CHECK(sim::t_quantile_95(1e9) == doctest::Approx(1.95996).epsilon(1e-5));
  // Less than one degree (or NaN) never gives a narrower interval than t(1).
  CHECK(sim::t_quantile_95(0.5) == doctest::Approx(12.706));
  CHECK(sim::t_quantile_95(std::nan("")) == doctest::Approx(12.706));
}

TEST_CASE("sim.summary.replication_seeds_are_splitmix64") {
  // SplitMix64's first output from state 0 (Vigna's reference splitmix64.c)
  // is 0xE220A8397B1DCDAF: replication 0 of seed 0.
  CHECK(sim::replication_seed(0, 0) == 0xE220A8397B1DCDAFULL);
  // Its second output (state advanced twice) is replication 1's.
  CHECK(sim::replication_seed(0, 1) == 0x6E789E6AA1B965F4ULL);
  std::set<std::uint64_t> seen;
  for (std::uint32_t i = 0; i < 100; ++i) seen.insert(sim::replication_seed(42, i));
  CHECK(seen.size() == 100);
  CHECK(sim::replication_seed(42, 3) == sim::replication_seed(42, 3));
}
