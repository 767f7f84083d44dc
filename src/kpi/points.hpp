// SPDX-License-Identifier: MIT
// The manager points score (台區客服經理積分): weights, one manager's
// score from the indicators of the tickets they own, and the ranking.
#pragma once

#include <string>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/kpi.hpp>

namespace tierflow::kpi::detail {

/// The weight of each points_indicators() entry, in its order (0: not
/// weighed): options::weights, else the organisation's manager_points, else
/// 1 each. Errors: errc::invalid_argument for a weight naming an unknown
/// indicator (with a did-you-mean), given twice, or not in (0, 1000] (the organisation loader's
/// bound).
[[nodiscard]] result<std::vector<double>> points_weights(const options& opts);

/// One manager's scores and points from the indicators of their tickets.
[[nodiscard]] manager_points score_manager(std::string person, const indicators& values,
                                           const std::vector<double>& weights);

/// Sorts by points (none last), then person, and sets the ranks: equal
/// points share a rank, the next rank skips as many ("1, 1, 3").
void rank_managers(std::vector<manager_points>& managers);

}  // namespace tierflow::kpi::detail
