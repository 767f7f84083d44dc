// SPDX-License-Identifier: MIT
// The in-memory store: the shared store conformance suite, and its memory
// accounting.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/store.hpp>

#include "store_conformance.hpp"

namespace conformance = tierflow_test::store_conformance;

TEST_CASE("store.memory.conformance") {
  conformance::run_store_conformance([]() -> std::unique_ptr<tierflow::store> {
    return std::make_unique<tierflow::memory_store>();
  });
}

TEST_CASE("store.memory.memory_bytes_grows_with_what_it_holds") {
  tierflow::memory_store st;
  const std::size_t empty = st.memory_bytes();
  CHECK(empty > 0);

  REQUIRE(conformance::append_next(st, "log", 1));
  const std::size_t one = st.memory_bytes();
  CHECK(one >= empty + sizeof(tierflow::event));

  // Every event costs at least its object; the vector's spare capacity is
  // counted too, so a lower bound is all that holds exactly.
  for (int i = 0; i < 100; ++i) REQUIRE(conformance::append_next(st, "log", 1));
  const std::size_t many = st.memory_bytes();
  CHECK(many >= one + 100 * sizeof(tierflow::event));
  // …and not wildly more: capacity at most doubles.
  CHECK(many <= empty + 101 * 4 * (sizeof(tierflow::event) + 256));

  // Text outside the small-string buffer is counted.
  const auto head = st.head("log").value();
  std::vector<tierflow::event> big = conformance::draft("log", head.version, 1);
  big[0].details.emplace_back("body", std::string(10'000, 'x'));
  tierflow::seal(big, head.head);
  const std::size_t before_big = st.memory_bytes();
  REQUIRE(st.append({.ticket_id = "log", .expected_version = head.version, .events = big}));
  CHECK(st.memory_bytes() >= before_big + 10'000);

  // A summary adds bytes; a refused append adds none.
  tierflow::ticket_summary t1 = conformance::ticket("T1");
  const std::size_t before_ticket = st.memory_bytes();
  conformance::save(st, t1);
  const std::size_t with_ticket = st.memory_bytes();
  CHECK(with_ticket >= before_ticket + sizeof(tierflow::ticket_summary) + sizeof(tierflow::event));
  const std::vector<tierflow::event> stale = conformance::sealed("T1", 0, {}, 1);
  CHECK_FALSE(st.append({.ticket_id = "T1", .expected_version = 0, .events = stale}));
  CHECK(st.memory_bytes() == with_ticket);

  // Replacing a summary releases the old one: 100 saves of a ticket cost
  // about what 100 appends to a stream without a summary cost.
  const std::size_t before_saves = st.memory_bytes();
  for (int i = 0; i < 100; ++i) {
    t1.state = "step_" + std::to_string(i);
    conformance::save(st, t1);
  }
  const std::size_t saves = st.memory_bytes() - before_saves;
  REQUIRE(conformance::append_next(st, "T2", 1));  // as many events as T1 had
  const std::size_t before_plain = st.memory_bytes();
  for (int i = 0; i < 100; ++i) REQUIRE(conformance::append_next(st, "T2", 1));
  const std::size_t plain = st.memory_bytes() - before_plain;
  CHECK(saves + 2 * sizeof(tierflow::ticket_summary) >= plain);
  CHECK(saves <= plain + 2 * sizeof(tierflow::ticket_summary));
}
