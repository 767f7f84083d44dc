// SPDX-License-Identifier: MIT
// Statistics over replications: means, Student-t intervals, differences.
#include <tierflow/simulation.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "simulation/summary_series.hpp"

namespace tierflow::sim {

std::uint64_t replication_seed(std::uint64_t seed, std::uint32_t index) noexcept {
  // SplitMix64 (Steele, Lea, Flood 2014) of the seed advanced `index + 1`
  // times: well-mixed, independent-looking seeds for neighbouring indices.
  std::uint64_t z = seed + (static_cast<std::uint64_t>(index) + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double t_quantile_95(double degrees) noexcept {
  // Two-sided 95% (the 0.975 quantile) for 1..30 degrees of freedom, from
  // the standard tables (NIST/SEMATECH e-Handbook, table 1.3.6.7.2); above
  // 30 the Cornish-Fisher expansion around the normal 1.959964 is within
  // 0.001 of the table.
  static constexpr std::array<double, 30> table{
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (!(degrees >= 1)) return table[0];
  if (degrees <= 30) return table[static_cast<std::size_t>(std::floor(degrees)) - 1];
  constexpr double z = 1.959963984540054;
  const double z3 = z * z * z, z5 = z3 * z * z;
  return z + (z3 + z) / (4 * degrees) + (5 * z5 + 16 * z3 + 3 * z) / (96 * degrees * degrees);
}

namespace detail {

void series_set::add(std::string_view name, std::optional<double> value) {
  auto [it, inserted] = index_.try_emplace(std::string(name), items_.size());
  if (inserted) items_.push_back({std::string(name), {}});
  if (value) items_[it->second].values.push_back(*value);
}

void series_set::order_as(const std::vector<std::string>& names) {
  std::unordered_map<std::string_view, std::size_t> rank;
  for (std::size_t i = 0; i < names.size(); ++i) rank.emplace(names[i], i);
  const auto rank_of = [&](const series& s) {
    const auto it = rank.find(s.name);
    return it == rank.end() ? names.size() : it->second;
  };
  std::stable_sort(items_.begin(), items_.end(), [&](const series& a, const series& b) {
    return rank_of(a) < rank_of(b);
  });
  index_.clear();
  for (std::size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].name, i);
}

namespace {

/// Every deadline id and escalation level of `from` made present in `into`
/// (values irrelevant): kpi::metrics of the union lists every name of every
/// replication in kpi's own order.
void widen(kpi::indicators& into, const kpi::indicators& from) {
  for (const auto& [id, outcome] : from.deadlines) into.deadlines.try_emplace(id);
  for (const auto& [level, count] : from.levels_reached) into.levels_reached.try_emplace(level, 0);
}

std::vector<std::string> names_of(const kpi::indicators& values) {
  std::vector<std::string> out;
  for (auto& m : kpi::metrics(values)) out.push_back(std::move(m.name));
  return out;
}

}  // namespace

replication_series collect(std::span<const replication> runs) {
  replication_series out;
  out.replications = static_cast<std::uint32_t>(runs.size());
  // Rows are matched across replications by their group values; a map
  // keeps them in the order kpi reports sort theirs.
  std::map<std::vector<std::string>, series_set> rows;
  kpi::indicators total_names;
  std::map<std::vector<std::string>, kpi::indicators> row_names;
  for (const auto& run : runs) {
    for (const auto& m : kpi::metrics(run.report.total)) out.total.add(m.name, m.value);
    widen(total_names, run.report.total);
    for (const auto& row : run.report.rows) {
      auto& set = rows[row.group];
      for (const auto& m : kpi::metrics(row.values)) set.add(m.name, m.value);
      widen(row_names[row.group], row.values);
    }
    for (const auto& pool : run.pools) {
      const std::string prefix = pool.region.empty()
                                     ? fmt::format("pool.{}", pool.role)
                                     : fmt::format("pool.{}.{}", pool.role, pool.region);
      out.pools.add(prefix + ".utilisation", pool.utilisation());
      out.pools.add(prefix + ".wait_mean_s", pool.wait.mean);
      out.pools.add(prefix + ".served", static_cast<double>(pool.served));
    }
  }
  // The run counts after every pool, whatever pools later replications add.
  for (const auto& run : runs) {
    out.pools.add("tickets_opened", static_cast<double>(run.tickets_opened));
    out.pools.add("stuck", static_cast<double>(run.stuck));
    out.pools.add("open_at_end", static_cast<double>(run.open_at_end));
  }
  out.total.order_as(names_of(total_names));
  for (auto& [group, set] : rows) set.order_as(names_of(row_names[group]));
  out.rows.reserve(rows.size());
  for (auto& [group, set] : rows) out.rows.push_back({group, std::move(set)});
  return out;
}

std::optional<double> mean_of(std::span<const double> values) noexcept {
  if (values.empty()) return std::nullopt;
  double sum = 0;
  for (const double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

std::optional<double> variance_of(std::span<const double> values) noexcept {
  if (values.size() < 2) return std::nullopt;
  // Two passes: the deviations from the mean, not the difference of two
  // large sums, so that a tiny spread around a large mean is not lost.
  const double mean = *mean_of(values);
  double squares = 0;
  for (const double v : values) squares += (v - mean) * (v - mean);
  return squares / static_cast<double>(values.size() - 1);
}

std::string row_metric_name(const std::vector<std::string>& group, std::string_view metric) {
  return fmt::format("row[{}].{}", fmt::join(group, ","), metric);
}

}  // namespace detail

namespace {

estimate estimate_of(const detail::series& s) {
  estimate e;
  e.name = s.name;
  e.n = static_cast<std::uint32_t>(s.values.size());
  e.mean = detail::mean_of(s.values);
  if (const auto variance = detail::variance_of(s.values)) {
    const double n = static_cast<double>(s.values.size());
    e.half_width = t_quantile_95(n - 1) * std::sqrt(*variance) / std::sqrt(n);
  }
  return e;
}

std::vector<estimate> estimates_of(const detail::series_set& set) {
  std::vector<estimate> out;
  out.reserve(set.items().size());
  for (const auto& s : set.items()) out.push_back(estimate_of(s));
  return out;
}

}  // namespace

summary summarise(std::span<const replication> runs) {
  const detail::replication_series all = detail::collect(runs);
  summary out;
  out.replications = all.replications;
  out.total = estimates_of(all.total);
  out.rows.reserve(all.rows.size());
  for (const auto& row : all.rows) out.rows.push_back({row.group, estimates_of(row.values)});
  out.pools = estimates_of(all.pools);
  return out;
}

}  // namespace tierflow::sim
