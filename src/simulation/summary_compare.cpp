// SPDX-License-Identifier: MIT
// Two alternatives side by side: B − A for every indicator with Welch's 95%
// interval of the difference (unequal variances, Welch–Satterthwaite
// degrees of freedom), and whether it excludes zero.
#include <cmath>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tierflow/simulation.hpp>

#include "simulation/summary_series.hpp"

namespace tierflow::sim {
namespace {

/// Every indicator of `all` as one flat list: the total under its own names,
/// each row's under row_metric_name, then the pools and run counts.
std::vector<detail::series> flatten(const detail::replication_series& all) {
  std::vector<detail::series> out;
  for (const auto& s : all.total.items()) out.push_back(s);
  for (const auto& row : all.rows)
    for (const auto& s : row.values.items())
      out.push_back({detail::row_metric_name(row.group, s.name), s.values});
  for (const auto& s : all.pools.items()) out.push_back(s);
  return out;
}

difference difference_of(std::string name, const std::vector<double>& a,
                         const std::vector<double>& b) {
  difference d;
  d.name = std::move(name);
  d.a = detail::mean_of(a);
  d.b = detail::mean_of(b);
  if (!d.a || !d.b) return d;
  d.delta = *d.b - *d.a;
  const auto va = detail::variance_of(a), vb = detail::variance_of(b);
  // Without two values on each side there is no variance to judge the
  // difference by: no interval, and never "significant".
  if (!va || !vb) return d;
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  const double qa = *va / na, qb = *vb / nb;
  const double se2 = qa + qb;
  if (se2 <= 0) {
    // Both alternatives gave the same value in every replication (a count
    // the seed does not move): the difference is exact, and real iff the
    // means differ.
    d.half_width = 0.0;
    d.significant = *d.delta != 0;
    return d;
  }
  // Welch–Satterthwaite: a side without spread contributes no term.
  double denominator = 0;
  if (qa > 0) denominator += qa * qa / (na - 1);
  if (qb > 0) denominator += qb * qb / (nb - 1);
  const double degrees = se2 * se2 / denominator;
  d.half_width = t_quantile_95(degrees) * std::sqrt(se2);
  d.significant = std::fabs(*d.delta) > *d.half_width;
  return d;
}

}  // namespace

std::vector<difference> compare(std::span<const replication> a, std::span<const replication> b) {
  const std::vector<detail::series> left = flatten(detail::collect(a));
  const std::vector<detail::series> right = flatten(detail::collect(b));
  std::unordered_map<std::string, std::size_t> in_right;
  for (std::size_t i = 0; i < right.size(); ++i) in_right.emplace(right[i].name, i);
  const std::vector<double> none;
  std::vector<difference> out;
  out.reserve(left.size());
  std::vector<bool> used(right.size(), false);
  for (const auto& s : left) {
    const auto it = in_right.find(s.name);
    if (it != in_right.end()) used[it->second] = true;
    out.push_back(
        difference_of(s.name, s.values, it == in_right.end() ? none : right[it->second].values));
  }
  for (std::size_t i = 0; i < right.size(); ++i)
    if (!used[i]) out.push_back(difference_of(right[i].name, none, right[i].values));
  return out;
}

}  // namespace tierflow::sim
