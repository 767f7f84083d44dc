// SPDX-License-Identifier: MIT
// Helpers the unit tests share: civil dates and wall-clock times as
// timestamps, timestamps as text (and doctest printing them so), and the
// shipped catalog (workflows/*.yaml) loaded once per test executable.
#pragma once

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include <tierflow/calendar.hpp>
#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/time.hpp>

#include "random_input.hpp"

namespace tierflow_test {

// --- time ----------------------------------------------------------------------------

/// The civil date y-m-d.
constexpr std::chrono::sys_days day(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

/// A UTC wall-clock time, written as such.
constexpr tierflow::timestamp utc(int y, unsigned m, unsigned d, int h, int mi, int s = 0) {
  return tierflow::from_local(
      day(y, m, d), std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s},
      std::chrono::minutes{0});
}

/// A local (UTC+08:00, Beijing) wall-clock time as a UTC timestamp.
constexpr tierflow::timestamp local(int y, unsigned m, unsigned d, int h, int mi, int s = 0) {
  return tierflow::from_local(
      day(y, m, d), std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s},
      std::chrono::hours{8});
}

/// The wall clock `t` reads on the UTC axis as "YYYY-MM-DD<sep>hh:mm:ss" (no
/// zone): shift `t` first to show another offset's wall clock.
inline std::string civil(tierflow::timestamp t, char sep) {
  std::string pattern = "%F";
  pattern += sep;
  pattern += "%T";
  return tierflow::format_local(t, std::chrono::minutes{0}, pattern);
}

/// UTC ISO 8601 ("2026-11-24T01:00:00Z"); "never" for timestamp::max().
inline std::string iso(tierflow::timestamp t) { return tierflow::format_iso8601(t); }

// --- definitions ---------------------------------------------------------------------

/// The shipped catalog (workflows/*.yaml), loaded on first use and kept for
/// the rest of the run; a load that fails fails the test with the diagnostics.
/// Copy it where it is to be consumed (tierflow::engine::create takes its
/// catalog by value).
inline const tierflow::catalog& shipped() {
  static const tierflow::catalog cat = [] {
    tierflow::diagnostics diags;
    auto loaded = tierflow::load_catalog_files({TIERFLOW_SOURCE_DIR "/workflows"}, diags);
    REQUIRE_MESSAGE(loaded.has_value(), diags.str());
    return std::move(*loaded);
  }();
  return cat;
}


}  // namespace tierflow_test

/// Failed checks print timestamps as UTC ISO 8601 instead of "{?}".
template <>
struct doctest::StringMaker<tierflow::timestamp> {
  static doctest::String convert(const tierflow::timestamp& t) {
    return tierflow_test::iso(t).c_str();
  }
};
