// SPDX-License-Identifier: MIT
// Arrival processes. See arrivals.hpp.
#include "simulation/arrivals.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace tierflow::sim::detail {

namespace {

[[nodiscard]] double seconds_of(timestamp t) noexcept {
  return static_cast<double>(t.time_since_epoch().count());
}

}  // namespace

arrival_process::arrival_process(const demand_stream& demand, std::vector<const surge*> surges,
                                 const surge* regional, double share, const calendar* holidays,
                                 std::chrono::minutes utc_offset,
                                 std::vector<std::uint32_t> customers, random_source rng)
    : demand_(&demand),
      surges_(std::move(surges)),
      regional_(regional),
      share_(share),
      holidays_(holidays),
      offset_s_(std::chrono::duration_cast<std::chrono::seconds>(utc_offset).count()),
      customers_(std::move(customers)),
      rng_(rng) {
  count_ = customers_.size();
  every_ = true;
  for (std::size_t i = 0; i < count_ && every_; ++i) every_ = customers_[i] == i;
  if (every_) std::vector<std::uint32_t>().swap(customers_);
  double hour_sum = 0;
  for (const double h : demand.hours) hour_sum += std::max(h, 0.0);
  for (std::size_t h = 0; h < 24; ++h) {
    const double w = hour_sum > 0 ? std::max(demand.hours[h], 0.0) * 24 / hour_sum : 1.0;
    hour_rate_[h] = demand.per_day * w / 86400.0;
  }
  bool any_weekday = false;
  for (const double w : demand.weekdays) any_weekday = any_weekday || w > 0;
  for (std::size_t d = 0; d < 7; ++d)
    weekday_[d] = any_weekday ? std::max(demand.weekdays[d], 0.0) : 1.0;
}

double arrival_process::rate(double t) const noexcept {
  const auto local = static_cast<std::int64_t>(std::floor(t)) + offset_s_;
  const std::int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const auto hour = static_cast<std::size_t>((local - day * 86400) / 3600);
  const std::chrono::sys_days local_day{std::chrono::days{day}};
  std::size_t weekday = std::chrono::weekday{local_day}.iso_encoding() - 1;
  if (holidays_ != nullptr &&
      std::binary_search(holidays_->holidays.begin(), holidays_->holidays.end(), local_day))
    weekday = std::min<std::size_t>(demand_->holiday_weekday, 6);
  double r = hour_rate_[hour] * weekday_[weekday];
  for (const surge* s : surges_)
    if (seconds_of(s->from) <= t && t < seconds_of(s->to)) r *= s->factor;
  if (regional_ != nullptr) {
    if (!(seconds_of(regional_->from) <= t && t < seconds_of(regional_->to))) return 0;
    r *= std::max(regional_->factor - 1.0, 0.0) * share_;
  }
  return r;
}

double arrival_process::piece_end(double t) const noexcept {
  const double local = t + static_cast<double>(offset_s_);
  double end = (std::floor(local / 3600.0) + 1.0) * 3600.0 - static_cast<double>(offset_s_);
  const auto consider = [&](timestamp b) {
    const double x = seconds_of(b);
    if (x > t && x < end) end = x;
  };
  for (const surge* s : surges_) {
    consider(s->from);
    consider(s->to);
  }
  if (regional_ != nullptr) {
    consider(regional_->from);
    consider(regional_->to);
  }
  return end;
}

double arrival_process::next(double after, double horizon) {
  if (count_ == 0) return never;
  // Time-change of a unit-rate Poisson process: an exponential amount of
  // integrated rate, spent piece by piece.
  double work = rng_.exponential(1.0);
  double t = after;
  while (t < horizon) {
    const double end = std::min(piece_end(t), horizon);
    const double r = rate(t);
    if (r > 0 && work <= r * (end - t)) return t + work / r;
    if (r > 0) work -= r * (end - t);
    t = end;
  }
  return never;
}

}  // namespace tierflow::sim::detail
