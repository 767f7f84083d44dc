// SPDX-License-Identifier: MIT
// The values each indicator took in each replication, collected by name in
// a stable order: what summarise() turns into estimates and compare() into
// Welch intervals (summary.cpp, summary_compare.cpp).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tierflow/kpi.hpp>
#include <tierflow/simulation.hpp>

namespace tierflow::sim::detail {

/// One indicator's values: one per replication that had a value for it
/// (a rate without data, a group a replication never saw, add nothing).
struct series {
  std::string name;
  std::vector<double> values;
};

/// Series by name, in the order each name was first met.
class series_set {
 public:
  /// The series `name` (made empty on first use), then `value` added to it
  /// when there is one: a name met only without values still shows, n = 0.
  void add(std::string_view name, std::optional<double> value);
  /// Reorders the series as `names` lists them (names it lacks last, in
  /// their order): a name only a later replication has (an escalation
  /// level, a deadline) takes its place in kpi::metrics' order instead of
  /// trailing at the end.
  void order_as(const std::vector<std::string>& names);
  [[nodiscard]] const std::vector<series>& items() const noexcept { return items_; }

 private:
  std::vector<series> items_;
  std::unordered_map<std::string, std::size_t> index_;
};

/// One group's series, by the group's values (kpi::group_row::group).
struct row_series {
  std::vector<std::string> group;
  series_set values;
};

/// Every indicator of a set of replications, in summary order: the total,
/// the rows (sorted by group values, as kpi reports sort them), then the
/// pools and the run counts (tickets_opened, stuck, open_at_end).
struct replication_series {
  std::uint32_t replications = 0;
  series_set total;
  std::vector<row_series> rows;
  series_set pools;
};

[[nodiscard]] replication_series collect(std::span<const replication> runs);

/// Sample mean of `values`; nullopt when empty.
[[nodiscard]] std::optional<double> mean_of(std::span<const double> values) noexcept;

/// Sample variance (n − 1 denominator) of `values`; nullopt with fewer than two.
[[nodiscard]] std::optional<double> variance_of(std::span<const double> values) noexcept;

/// The name of a row's indicator when rows and total are flattened into
/// one list (compare()): `row[first_line,wuzhong].on_time_rate`.
[[nodiscard]] std::string row_metric_name(const std::vector<std::string>& group,
                                          std::string_view metric);

}  // namespace tierflow::sim::detail
