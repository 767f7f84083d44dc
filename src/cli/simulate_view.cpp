// SPDX-License-Identifier: MIT
// What `tierflow simulate` shows, gathered from the replications
// (simulate_render.hpp: make_view).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <tierflow/simulation.hpp>

#include "cli/simulate_render.hpp"

namespace tierflow::cli {
namespace {

/// A pool's identity across replications (their indices may differ).
using pool_key = std::pair<std::string, std::string>;  // role, region

/// The mean queue of each pool at each instant over the replications that
/// sampled it: instants are the same in every replication of a scenario,
/// so the mean is per instant, not a blur of neighbouring ones.
std::vector<queue_series> mean_queues(std::span<const sim::replication> runs) {
  std::vector<queue_series> out;
  std::map<pool_key, std::size_t> index;
  std::vector<std::map<timestamp, std::pair<double, std::uint32_t>>> sums;
  for (const auto& run : runs) {
    std::vector<std::size_t> slot(run.pools.size());
    for (std::size_t p = 0; p < run.pools.size(); ++p) {
      const auto& pool = run.pools[p];
      auto [it, inserted] = index.try_emplace({pool.role, pool.region}, out.size());
      if (inserted) {
        out.push_back({pool.role, pool.unit, pool.region, {}});
        sums.emplace_back();
      }
      slot[p] = it->second;
    }
    for (const auto& s : run.samples) {
      if (s.pool >= slot.size()) continue;
      auto& [sum, count] = sums[slot[s.pool]][s.at];
      sum += static_cast<double>(s.queued);
      ++count;
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    for (const auto& [at, acc] : sums[i])
      out[i].points.emplace_back(at, acc.first / static_cast<double>(acc.second));
  return out;
}

/// The live tickets that breached, once per ticket and deadline: in how
/// many replications, and the earliest instant with where it sat then.
std::vector<live_breach> live_breaches(std::span<const sim::replication> runs) {
  std::map<std::pair<std::string, std::string>, live_breach> found;
  for (const auto& run : runs) {
    std::set<std::pair<std::string, std::string>> in_this_run;
    for (const auto& b : run.breaches) {
      if (!b.from_live) continue;
      std::pair<std::string, std::string> key{b.ticket_id, b.deadline};
      auto [it, inserted] = found.try_emplace(key);
      live_breach& one = it->second;
      if (inserted || b.at < one.at) {
        one.ticket_id = b.ticket_id;
        one.deadline = b.deadline;
        one.at = b.at;
        one.unit = b.unit;
        one.region = b.region;
      }
      if (in_this_run.insert(std::move(key)).second) ++one.replications;
    }
  }
  std::vector<live_breach> out;
  out.reserve(found.size());
  for (auto& [key, b] : found) out.push_back(std::move(b));
  std::stable_sort(out.begin(), out.end(), [](const live_breach& x, const live_breach& y) {
    return std::tie(x.at, x.ticket_id, x.deadline) < std::tie(y.at, y.ticket_id, y.deadline);
  });
  return out;
}

}  // namespace

double queue_series::mean() const noexcept {
  if (points.empty()) return 0;
  double sum = 0;
  for (const auto& [at, length] : points) sum += length;
  return sum / static_cast<double>(points.size());
}

double queue_series::peak() const noexcept {
  double most = 0;
  for (const auto& [at, length] : points) most = std::max(most, length);
  return most;
}

simulation_view make_view(const sim::scenario& sc, std::span<const sim::replication> runs,
                          std::chrono::minutes offset) {
  simulation_view v;
  v.scenario_id = sc.id;
  v.title = sc.title;
  v.file = sc.file;
  v.offset = offset;
  v.seed = sc.seed;
  v.warm_up_days = sc.warm_up_days;
  v.days = sc.days;
  v.by = sc.report_by;
  if (!runs.empty()) {
    v.from = runs.front().report.from;
    v.to = runs.front().report.to;
    v.pools = runs.front().pools;
  } else {
    v.from = sc.period_from(offset);
    v.to = sc.period_to(offset);
  }
  v.summary = sim::summarise(runs);
  v.queues = mean_queues(runs);
  v.breaches = live_breaches(runs);
  return v;
}

}  // namespace tierflow::cli
