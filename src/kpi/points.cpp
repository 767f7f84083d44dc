// SPDX-License-Identifier: MIT
// The manager points score. The transformer-area manager procedure (台區客服
// 經理制, Shaoyang 2013) pays and ranks managers by weekly and monthly points
// over the service of their area but publishes no weights; tierflow scores
// the indicators the trail records, each in [0, 1], weighted as the
// organisation file says (workflows/INDICATORS.md, "Manager points").
#include "kpi/points.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "language/points_indicators.hpp"
#include "text/suggest.hpp"

namespace tierflow::kpi {
namespace {

// The one list of names, shared with the organisation loader that checks
// the file's weights against it.
constexpr const auto& indicator_names = tierflow::detail::points_indicator_names;

struct scored {
  const rate* value = nullptr;
  bool against = false;  // enters as 1 − rate
};

/// The rate an indicator name stands for.
scored rate_named(const indicators& v, std::string_view name) {
  if (name == "on_time_rate") return {&v.on_time, false};
  if (name == "first_contact_resolution_rate") return {&v.first_contact_resolution, false};
  if (name == "callback_rate") return {&v.callback, false};
  if (name == "satisfaction_rate") return {&v.satisfaction, false};
  if (name == "repeat_rate") return {&v.repeat, true};
  if (name == "reopen_rate") return {&v.reopen, true};
  if (name == "escalation_rate") return {&v.escalation, true};
  return {};
}

}  // namespace

std::span<const std::string_view> points_indicators() noexcept { return indicator_names; }

namespace detail {

result<std::vector<double>> points_weights(const options& opts) {
  const std::vector<points_weight>* given = &opts.weights;
  if (given->empty() && opts.org != nullptr) given = &opts.org->manager_points;
  if (given->empty()) return std::vector<double>(indicator_names.size(), 1.0);
  std::vector<double> weights(indicator_names.size(), 0.0);
  std::vector<bool> seen(indicator_names.size(), false);
  for (const points_weight& w : *given) {
    const auto at = std::find(indicator_names.begin(), indicator_names.end(), w.indicator);
    if (at == indicator_names.end())
      return fail(errc::invalid_argument,
                  "unknown manager points indicator '" + w.indicator + "'" +
                      tierflow::detail::did_you_mean(w.indicator, indicator_names));
    const auto i = static_cast<std::size_t>(at - indicator_names.begin());
    if (seen[i])
      return fail(errc::invalid_argument,
                  "manager points indicator '" + w.indicator + "' is weighted twice");
    // NaN fails this test too.
    if (!(w.weight > 0) || w.weight > tierflow::detail::max_points_weight)
      return fail(errc::invalid_argument,
                  "the weight of manager points indicator '" + w.indicator +
                      "' must be > 0 and at most " +
                      std::to_string(static_cast<int>(tierflow::detail::max_points_weight)));
    seen[i] = true;
    weights[i] = w.weight;
  }
  return weights;
}

manager_points score_manager(std::string person, const indicators& values,
                             const std::vector<double>& weights) {
  manager_points m;
  m.person = std::move(person);
  double weighted = 0, total_weight = 0;
  for (std::size_t i = 0; i < indicator_names.size(); ++i) {
    const scored s = rate_named(values, indicator_names[i]);
    if (s.value == nullptr) continue;  // a name this library cannot score: none today
    const std::optional<double> r = s.value->value();
    // 0/0: the manager had none of this work; leaving it out (and its
    // weight with it) neither rewards nor punishes them for it.
    if (!r) continue;
    const double score = s.against ? 1.0 - *r : *r;
    m.scores.emplace(std::string(indicator_names[i]), score);
    weighted += weights[i] * score;
    total_weight += weights[i];
  }
  if (total_weight > 0) m.points = 100.0 * weighted / total_weight;
  return m;
}

void rank_managers(std::vector<manager_points>& managers) {
  std::sort(managers.begin(), managers.end(), [](const manager_points& a, const manager_points& b) {
    if (a.points.has_value() != b.points.has_value()) return a.points.has_value();
    if (a.points && *a.points != *b.points) return *a.points > *b.points;
    return a.person < b.person;
  });
  for (std::size_t i = 0; i < managers.size(); ++i) {
    manager_points& m = managers[i];
    if (!m.points) {
      m.rank = 0;
    } else if (i > 0 && managers[i - 1].points == m.points) {
      m.rank = managers[i - 1].rank;
    } else {
      m.rank = static_cast<std::uint32_t>(i + 1);
    }
  }
}

}  // namespace detail
}  // namespace tierflow::kpi
