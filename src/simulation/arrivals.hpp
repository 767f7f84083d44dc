// SPDX-License-Identifier: MIT
// Demand: each stream a non-homogeneous Poisson process whose rate is
// constant within an hour of local time (and a surge's window), drawn by
// spending exponential "work" across the pieces of the rate function.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

#include <tierflow/calendar.hpp>
#include <tierflow/simulation.hpp>

#include "simulation/random.hpp"

namespace tierflow::sim::detail {

/// One arrival process: a demand stream, or the extra arrivals of a surge
/// that is restricted to some regions.
///
/// Rate per second at instant t (local time: the organisation's offset):
/// per_day × weekday multiplier (a holiday of `holidays_from` takes
/// `holiday_weekday`'s) × hours[h] × 24 ÷ Σ hours ÷ 86400, all hours equal
/// when they are all 0, all weekdays 1 when they are all 0 (a stream built
/// in code that left them out); times the factors of the surges without
/// regions that cover t and name the stream's type (or no type). A surge
/// with regions adds a process of its own at (factor − 1) × that rate ×
/// the share of the stream's customers in those regions, inside its window,
/// that draws its customers from those regions only.
class arrival_process {
 public:
  /// `customers`: indices into the population this process draws from
  /// uniformly; `share`: for a regional surge, the fraction of the stream's
  /// customers it covers (1 otherwise); `regional`: that surge, or nullptr.
  /// `holidays`: the calendar of demand.holidays_from, or nullptr.
  arrival_process(const demand_stream& demand, std::vector<const surge*> surges,
                  const surge* regional, double share, const calendar* holidays,
                  std::chrono::minutes utc_offset, std::vector<std::uint32_t> customers,
                  random_source rng);

  /// The next arrival strictly after `after` and before `horizon` (seconds
  /// since the epoch), or +infinity when there is none.
  [[nodiscard]] double next(double after, double horizon);

  /// The rate (arrivals per second) at instant `t`.
  [[nodiscard]] double rate(double t) const noexcept;

  /// A customer index for an arrival, drawn uniformly.
  [[nodiscard]] std::uint32_t pick_customer() noexcept {
    const std::size_t i = rng_.index(count_);
    return every_ ? static_cast<std::uint32_t>(i) : customers_[i];
  }

  [[nodiscard]] const demand_stream& demand() const noexcept { return *demand_; }
  [[nodiscard]] random_source& rng() noexcept { return rng_; }
  [[nodiscard]] bool has_customers() const noexcept { return count_ != 0; }

  static constexpr double never = std::numeric_limits<double>::infinity();

 private:
  /// The end of the piece of the rate function that holds `t`: the next
  /// local hour, or a surge's boundary.
  [[nodiscard]] double piece_end(double t) const noexcept;

  const demand_stream* demand_;
  std::vector<const surge*> surges_;  // the surges without regions that name this type
  const surge* regional_;
  double share_;
  const calendar* holidays_;
  std::int64_t offset_s_;
  // The indices drawn from; emptied when they are 0, 1, … n − 1 (a stream
  // of every customer, the usual case): the draw is then the index itself,
  // and an arrival reads no entry of a list as long as the population (a
  // cache miss per arrival in a large one).
  std::vector<std::uint32_t> customers_;
  std::size_t count_ = 0;
  bool every_ = false;
  random_source rng_;
  std::array<double, 24> hour_rate_{};  // arrivals per second per unit weekday multiplier
  std::array<double, 7> weekday_{};
};

}  // namespace tierflow::sim::detail
