// SPDX-License-Identifier: MIT
// The memory store's guess of a new ticket's customer list, made before the
// encoding so that what the list's lookup reads loads meanwhile
// (customer_table::probable): the list a find() compares first, among
// customers whose hashes share a probe run or are equal; and the store's
// opens, which lock the customer's shard for it before encoding, keep every
// customer's tickets in order whether their customer is new or known.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/memory_store.hpp>
#include <tierflow/store.hpp>

#include "store/memory/customer_table.hpp"
#include "store/memory/packed_summary.hpp"
#include "store_conformance.hpp"

namespace {

namespace conformance = tierflow_test::store_conformance;
using tierflow::detail::customer_table;
using tierflow::detail::packed_summary;

std::unique_ptr<packed_summary> summary_of(const std::string& ticket, const std::string& customer) {
  tierflow::ticket_summary s = conformance::ticket(ticket);
  s.customer_id = customer;
  return std::make_unique<packed_summary>(s);
}

// Opens ticket `id` of `customer` (one event), opened `minute` minutes
// after the conformance tickets' hour.
void open_ticket(tierflow::memory_store& st, const std::string& id, const std::string& customer, int minute) {
  tierflow::ticket_summary s = conformance::ticket(id);
  s.customer_id = customer;
  s.opened_at += std::chrono::minutes{minute};
  conformance::save(st, s);
}

}  // namespace

TEST_CASE("store.memory.customer_table.probable_is_the_list_find_compares_first") {
  customer_table table;
  // An empty table has no slots to guess from.
  CHECK(table.probable(61) == nullptr);

  // Three customers on one home slot (low bits 61): two with hashes of
  // their own, then one with the first one's hash (told apart by id alone).
  const auto a = summary_of("T1", "alpha");
  const auto b = summary_of("T2", "beta");
  const auto c = summary_of("T3", "gamma");
  const std::uint64_t ha = 61;
  const std::uint64_t hb = 61 + 64;
  for (const auto& [s, h] : {std::pair{a.get(), ha}, std::pair{b.get(), hb}, std::pair{c.get(), ha}}) {
    table.make_room_for_one();
    table.add(h).insert(s);
  }

  const customer_table::entry* found_a = table.find("alpha", ha);
  const customer_table::entry* found_b = table.find("beta", hb);
  REQUIRE(found_a != nullptr);
  REQUIRE(found_b != nullptr);
  // Past another hash's entry in the probe run: the list of its own hash.
  CHECK(table.probable(ha) == &found_a->list);
  CHECK(table.probable(hb) == &found_b->list);
  // Equal hashes: the first entry's list, which is only a guess for the
  // second customer (find() tells them apart).
  const customer_table::entry* found_c = table.find("gamma", ha);
  REQUIRE(found_c != nullptr);
  CHECK(found_c != found_a);
  CHECK(table.probable(ha) == &found_a->list);
  // A hash that no entry has, on the same probe run or an empty slot.
  CHECK(table.probable(61 + 128) == nullptr);
  CHECK(table.probable(62) == nullptr);
}

TEST_CASE("store.memory.opens_for_new_and_known_customers_keep_each_customers_tickets") {
  // Tickets opened round-robin for a few customers (each after its first
  // is a known customer: the guess is right), interleaved with customers
  // seen once: every customer's list holds its tickets in opening order,
  // and nobody else's.
  tierflow::memory_store st;
  constexpr int rounds = 40;
  constexpr int known = 5;
  std::vector<std::vector<std::string>> expected(known);
  int next_ticket = 0;
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < known; ++k) {
      const std::string id = "T" + std::to_string(++next_ticket);
      open_ticket(st, id, "known-" + std::to_string(k), r);
      expected[static_cast<std::size_t>(k)].push_back(id);
    }
    const std::string once = "T" + std::to_string(++next_ticket);
    open_ticket(st, once, "once-" + std::to_string(r), r);
    const auto alone = st.customer_tickets("once-" + std::to_string(r));
    REQUIRE(alone);
    REQUIRE(alone->size() == 1);
    CHECK(alone->front().ticket_id == once);
  }
  for (int k = 0; k < known; ++k) {
    const auto tickets = st.customer_tickets("known-" + std::to_string(k));
    REQUIRE(tickets);
    std::vector<std::string> ids;
    for (const auto& t : *tickets) ids.push_back(t.ticket_id);
    CHECK(ids == expected[static_cast<std::size_t>(k)]);
  }
}
