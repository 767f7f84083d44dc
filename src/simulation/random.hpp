// SPDX-License-Identifier: MIT
// The simulation's random numbers: a xoshiro256** generator and our own
// sampling formulas, so that one seed gives the same trail on every
// platform (the std::*_distribution classes are implementation-defined).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>
#include <utility>

#include <tierflow/simulation.hpp>

namespace tierflow::sim::detail {

/// SplitMix64 (Steele, Lea, Flood 2014): expands a seed into well-mixed
/// words; seeds the generators below.
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// xoshiro256** (Blackman, Vigna 2018): fast, 256 bits of state, passes
/// BigCrush; the same output for the same seed everywhere.
class random_source {
 public:
  /// A generator for `seed`, on substream `stream`: the run keeps separate
  /// substreams for the population, each arrival stream, service times and
  /// decisions, so that changing one draw leaves the others where they were.
  explicit random_source(std::uint64_t seed, std::uint64_t stream = 0) noexcept {
    std::uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);
    for (auto& w : s_) w = splitmix64(x);
  }

  [[nodiscard]] std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, 1): the top 53 bits as a double.
  [[nodiscard]] double uniform() noexcept {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
  }

  /// Uniform in [low, high].
  [[nodiscard]] double uniform(double low, double high) noexcept {
    return low + (high - low) * uniform();
  }

  /// Uniform index in [0, n), n > 0 (floor of u·n; the bias of 53 bits is
  /// irrelevant for populations below 2^40 and the same on every platform).
  [[nodiscard]] std::size_t index(std::size_t n) noexcept {
    const auto i = static_cast<std::size_t>(uniform() * static_cast<double>(n));
    return i < n ? i : n - 1;
  }

  /// Exponential with this mean (inversion: −mean·ln(1 − u)).
  [[nodiscard]] double exponential(double mean) noexcept { return -mean * std::log1p(-uniform()); }

  /// Standard normal (Box–Muller, one of the pair; u1 in (0, 1]).
  [[nodiscard]] double normal() noexcept {
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  /// Lognormal with this mean and standard deviation of the value itself:
  /// σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2.
  [[nodiscard]] double lognormal(double mean, double sd) noexcept {
    if (mean <= 0) return 0;
    if (sd <= 0) return mean;
    const double sigma2 = std::log1p((sd * sd) / (mean * mean));
    const double mu = std::log(mean) - sigma2 / 2;
    return std::exp(mu + std::sqrt(sigma2) * normal());
  }

  /// An index into `choices` drawn with probability weight ÷ Σ weights;
  /// `choices` must not be empty.
  [[nodiscard]] std::size_t pick(const weighted& choices) noexcept {
    double total = 0;
    for (const auto& c : choices) total += c.second;
    if (!(total > 0)) return index(choices.size());
    double u = uniform() * total;
    for (std::size_t i = 0; i < choices.size(); ++i) {
      u -= choices[i].second;
      if (u < 0) return i;
    }
    return choices.size() - 1;  // rounding left a sliver: the last choice
  }

  /// A duration of `d`, in seconds (>= 0).
  [[nodiscard]] double duration(const time_distribution& d) noexcept {
    switch (d.shape) {
      case time_distribution::kind::fixed: return d.mean_s;
      case time_distribution::kind::exponential: return exponential(d.mean_s);
      case time_distribution::kind::lognormal: return lognormal(d.mean_s, d.sd_s);
      case time_distribution::kind::empirical:
        if (d.samples_s.empty()) return 0;
        return d.samples_s[index(d.samples_s.size())];
    }
    return 0;
  }

 private:
  [[nodiscard]] static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4]{};
};

/// Seconds rounded to the whole seconds the engine's clock counts, >= 0.
[[nodiscard]] inline std::int64_t whole_seconds(double seconds) noexcept {
  if (!(seconds > 0)) return 0;
  if (seconds > 1e15) return static_cast<std::int64_t>(1e15);
  return std::llround(seconds);
}

}  // namespace tierflow::sim::detail
