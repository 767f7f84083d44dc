// SPDX-License-Identifier: MIT
// Seeded random input for the property tests and the processes the tests
// drive (tests/tools): the same seed gives the same run.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <tierflow/attribute.hpp>
#include <tierflow/ticket.hpp>

namespace tierflow_test {

/// Seeded randomness: the same seed gives the same sequence.
struct rng {
  std::mt19937_64 gen;
  explicit rng(std::uint64_t seed) : gen(seed) {}
  std::size_t below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(gen);
  }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(gen);
  }
  double unit() { return std::uniform_real_distribution<double>(0, 1)(gen); }
  bool chance(double p) { return std::bernoulli_distribution(p)(gen); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
};

/// A value of `type`: in range, near the thresholds the shipped routing
/// rules test, sometimes an int where a number is expected.
inline tierflow::value random_value(rng& r, const tierflow::attribute_type& type) {
  switch (type.kind) {
    case tierflow::value_kind::boolean: return r.chance(0.5);
    case tierflow::value_kind::integer: {
      const auto lo = static_cast<std::int64_t>(type.min.value_or(0));
      const auto hi = static_cast<std::int64_t>(type.max.value_or(static_cast<double>(lo + 5)));
      return r.between(lo, hi);
    }
    case tierflow::value_kind::number: {
      // Values around the thresholds the shipped routing rules test.
      static const std::vector<double> interesting{0.22, 0.38, 10,  35,    110,  220,
                                                   100,  315,  630, 20000, 50000};
      std::vector<double> ok;
      for (const double x : interesting)
        if ((!type.min || x >= *type.min) && (!type.max || x <= *type.max)) ok.push_back(x);
      if (ok.empty()) return type.min.value_or(0.0);
      const double x = r.pick(ok);
      // Whole numbers are sometimes given as ints: the engine converts them.
      if (x == static_cast<double>(static_cast<std::int64_t>(x)) && r.chance(0.3))
        return static_cast<std::int64_t>(x);
      return x;
    }
    case tierflow::value_kind::string: {
      static const std::vector<std::string> texts{"C", "D", "F", "manufacturing", "數據中心", ""};
      return r.pick(texts);
    }
    case tierflow::value_kind::enumeration: return r.pick(type.values);
  }
  return false;
}

/// Values for some of `schema`'s non-derived attributes (each with
/// probability `each`, the region nearly always, required ones always), in
/// random order.
inline tierflow::attribute_values random_values(rng& r, const std::vector<tierflow::attribute>& schema, double each) {
  tierflow::attribute_values out;
  for (const auto& a : schema) {
    if (a.derived) continue;
    if (!a.required && !r.chance(a.name == "region" ? 0.93 : each)) continue;
    out.emplace_back(a.name, random_value(r, a.type));
  }
  // Any order is accepted.
  std::shuffle(out.begin(), out.end(), r.gen);
  return out;
}

/// A note or description: plain, Chinese, multi-line, quoted, long.
inline std::string random_note(rng& r) {
  static const std::vector<std::string> notes{"called the customer",
                                              "客戶要求下午回電",
                                              "line 1\nline 2",
                                              "quote \" and \\ slash",
                                              "x",
                                              "see work order 95598-2026-000123",
                                              std::string(300, 'n'),
                                              "tab\there",
                                              "ünïcödé ✓"};
  return r.pick(notes);
}

}  // namespace tierflow_test
