// SPDX-License-Identifier: MIT
// The simulator's open tickets by id (simulation/slot_index.hpp): against a
// std::unordered_map through random inserts, finds and erases, so that
// probe runs wrap, grow and are shifted back by erases.
#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <doctest/doctest.h>

#include "simulation/slot_index.hpp"

using tierflow::sim::detail::slot_index;

TEST_CASE("sim.slot_index.answers_as_a_map_through_inserts_and_erases") {
  std::vector<std::string> ids;
  slot_index index{ids};
  std::unordered_map<std::string, std::uint32_t> model;
  std::vector<std::uint32_t> filed;  // slots in the index
  std::mt19937_64 rng{20261206};
  CHECK(index.find("CMP-1") == slot_index::none);
  CHECK_FALSE(index.erase("CMP-1"));
  for (int step = 0; step < 60'000; ++step) {
    const auto roll = rng() % 10;
    if (roll < 5 || filed.empty()) {
      // A new ticket in a new slot (the run reuses slots; the index only
      // needs ids[k] to stay while k is filed).
      const auto k = static_cast<std::uint32_t>(ids.size());
      ids.push_back("CMP-2026-" + std::to_string(rng() % 1'000'000'000));
      if (model.count(ids[k]) != 0) {
        ids.pop_back();
        continue;
      }
      index.insert(k);
      model.emplace(ids[k], k);
      filed.push_back(k);
    } else if (roll < 8) {
      const std::size_t at = rng() % filed.size();
      const std::uint32_t k = filed[at];
      REQUIRE(index.erase(ids[k]));
      CHECK_FALSE(index.erase(ids[k]));
      model.erase(ids[k]);
      filed[at] = filed.back();
      filed.pop_back();
    } else {
      const std::string absent = "CMP-2026-x" + std::to_string(step);
      CHECK(index.find(absent) == slot_index::none);
    }
    REQUIRE(index.size() == model.size());
    if (step % 997 == 0) {
      for (const auto& [id, k] : model) REQUIRE(index.find(id) == k);
    }
  }
  for (const auto& [id, k] : model) CHECK(index.find(id) == k);
  for (const std::uint32_t k : filed) CHECK(index.erase(ids[k]));
  CHECK(index.size() == 0);
  CHECK(index.find(ids.front()) == slot_index::none);
}
