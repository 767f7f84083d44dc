// SPDX-License-Identifier: MIT
// The engine's ticket table (src/engine/ticket_map.hpp) against
// std::unordered_map under random insertions, lookups and removals, with
// hashes chosen to collide (long probe runs that wrap around the table's
// end, removals inside them), and ids hashed as the engine hashes them.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <doctest/doctest.h>

#include "engine/ticket_map.hpp"
#include "store/id_hash.hpp"

using tierflow::detail::id_hash_of;
using tierflow::detail::ticket_map;

namespace {

// Every id the table holds is found with its value, every other id is not,
// and the sizes agree.
void same_as(const ticket_map<int>& table, const std::unordered_map<std::string, int>& model,
             const std::vector<std::string>& ids, std::uint64_t (*hash)(const std::string&)) {
  REQUIRE(table.size() == model.size());
  for (const std::string& id : ids) {
    const auto* found = table.find(id, hash(id));
    const auto it = model.find(id);
    if (it == model.end()) {
      REQUIRE(found == nullptr);
    } else {
      REQUIRE(found != nullptr);
      CHECK(found->id == id);
      CHECK(found->second == it->second);
    }
  }
}

std::uint64_t real_hash(const std::string& id) { return id_hash_of(id); }
// Eight homes in all, the table's last eight slots whatever its size
// (up to 2^16), and the high bits vary: long runs that wrap around the
// table's end.
std::uint64_t colliding_hash(const std::string& id) {
  const std::uint64_t h = id_hash_of(id);
  return (h & ~std::uint64_t{0xffff}) | 0xfff8U | (h & 7U);
}

void random_walk(std::uint64_t (*hash)(const std::string&), unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) ids.push_back("T" + std::to_string(1000000 + i));
  ticket_map<int> table;
  std::unordered_map<std::string, int> model;
  for (int step = 0; step < 6000; ++step) {
    const std::string& id = ids[rng() % ids.size()];
    const int value = static_cast<int>(rng() % 1000);
    if (rng() % 3 != 0) {
      const auto [at, added] = table.try_emplace(id, hash(id), int{value});
      const auto [it, model_added] = model.try_emplace(id, value);
      REQUIRE(added == model_added);
      CHECK(at->second == it->second);
    } else if (auto* at = table.find(id, hash(id)); at != nullptr) {
      table.erase(at);
      model.erase(id);
    } else {
      REQUIRE(model.count(id) == 0);
    }
    if (step % 97 == 0) same_as(table, model, ids, hash);
  }
  same_as(table, model, ids, hash);
}

}  // namespace

TEST_CASE("engine.ticket_map.matches_a_map") {
  for (unsigned seed = 1; seed <= 4; ++seed) random_walk(real_hash, seed);
}

TEST_CASE("engine.ticket_map.colliding_hashes") {
  // Eight homes for up to 300 ids: every removal shifts entries of a long
  // run back, some across the table's end.
  for (unsigned seed = 1; seed <= 4; ++seed) random_walk(colliding_hash, seed);
}

TEST_CASE("engine.ticket_map.keeps_the_first_value") {
  ticket_map<std::shared_ptr<int>> table;
  auto first = std::make_shared<int>(1);
  auto second = std::make_shared<int>(2);
  const auto [at, added] = table.try_emplace("T1", id_hash_of("T1"), std::move(first));
  REQUIRE(added);
  const auto [again, added_again] = table.try_emplace("T1", id_hash_of("T1"), std::move(second));
  CHECK_FALSE(added_again);
  CHECK(again == table.find("T1"));
  CHECK(*again->second == 1);
  // Not moved from: try_emplace takes the value only when it adds it.
  REQUIRE(second != nullptr);
  CHECK(*second == 2);
  table.erase(table.find("T1"));
  CHECK(table.find("T1") == nullptr);
  CHECK(table.size() == 0);
}
