// SPDX-License-Identifier: MIT
// The engine's ticket table (src/engine/ticket_table.hpp) against a
// std::map doing the same keeps, finds and erases: random ids whose hashes
// are chosen to collide in runs (so that probes wrap round the table's end
// and an erase has entries behind it to shift back), across its growth.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <doctest/doctest.h>

#include "engine/ticket_table.hpp"
#include "store/id_hash.hpp"

namespace {

struct item {
  std::string key;
  int n = 0;
};
using table = tierflow::detail::ticket_table<item>;

// Every id of the model is found, with its own item; none else is.
void check_same(const table& t, const std::map<std::string, std::shared_ptr<item>>& model,
                std::uint64_t (*hash)(const std::string&), int ids) {
  REQUIRE(t.size() == model.size());
  for (int i = 0; i < ids; ++i) {
    const std::string id = "T" + std::to_string(i);
    const auto* held = t.find(id, hash(id));
    const auto it = model.find(id);
    if (it == model.end()) {
      REQUIRE(held == nullptr);
    } else {
      REQUIRE(held != nullptr);
      REQUIRE(held->get() == it->second.get());
    }
  }
}

void run_against_model(std::uint64_t (*hash)(const std::string&), unsigned seed) {
  constexpr int ids = 200;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick(0, ids - 1);
  table t;
  std::map<std::string, std::shared_ptr<item>> model;
  for (int step = 0; step < 4000; ++step) {
    const int n = pick(rng);
    const std::string id = "T" + std::to_string(n);
    // Keep more than erase early on (the table grows), then about as many.
    if (rng() % 100 < (step < 1000 ? 70U : 50U)) {
      auto fresh = std::make_shared<item>(item{id, step});
      const item* offered = fresh.get();
      const auto [held, added] = t.try_emplace(hash(id), std::move(fresh));
      const auto it = model.find(id);
      REQUIRE(added == (it == model.end()));
      if (added) {
        REQUIRE(held->get() == offered);
        model.emplace(id, *held);
      } else {
        // The one kept stays; the one offered is the caller's still.
        REQUIRE(held->get() == it->second.get());
        REQUIRE(fresh != nullptr);
      }
    } else {
      const auto out = t.erase(id, hash(id));
      const auto it = model.find(id);
      if (it == model.end()) {
        REQUIRE(out == nullptr);
      } else {
        REQUIRE(out.get() == it->second.get());
        model.erase(it);
      }
    }
    check_same(t, model, hash, ids);
  }
}

}  // namespace

TEST_CASE("engine.ticket_table.agrees_with_a_map_when_hashes_collide_in_runs") {
  // Eight hashes for 200 ids: long runs of equal hashes, wrapping round
  // the end of a small table; equal hashes make it compare the ids.
  run_against_model([](const std::string& id) -> std::uint64_t {
    return (tierflow::detail::id_hash_of(id) % 8) * 3 + 13;
  }, 1);
  // Neighbouring homes: entries of different homes interleave, so an
  // erase must shift some back and leave others where they are.
  run_against_model([](const std::string& id) -> std::uint64_t {
    return tierflow::detail::id_hash_of(id) % 24;
  }, 2);
}

TEST_CASE("engine.ticket_table.agrees_with_a_map_with_the_engine_hash") {
  run_against_model([](const std::string& id) { return tierflow::detail::id_hash_of(id); }, 3);
}

TEST_CASE("engine.ticket_table.an_empty_table_finds_and_erases_nothing") {
  table t;
  CHECK(t.size() == 0);
  CHECK(t.find("T1", 1) == nullptr);
  CHECK(t.erase("T1", 1) == nullptr);
}
