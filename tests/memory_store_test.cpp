// SPDX-License-Identifier: MIT
// The in-memory store: the shared store conformance suite, its memory
// accounting, release_trail (into a new vector, into a reused one and as views), the
// blocks its trails are kept in,
// append_request::movable, the customer index and its table, the intern
// table, the round trip of its compact trails and packed summaries, and appends
// from several threads; the store's shared pieces that need no database: the
// text check every append makes, and the summary seal the database stores
// write.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/store.hpp>

#include "store/append_checks.hpp"
#include "store/id_hash.hpp"
#include "store/memory/block_trail.hpp"
#include "store/memory/compact_trail.hpp"
#include "store/memory/customer_table.hpp"
#include "store/memory/intern_table.hpp"
#include "store/memory/packed_summary.hpp"
#include "store/same_text.hpp"
#include "store/store_codec.hpp"
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

  // Every event costs at least its hash, which no encoding can shorten; the
  // buffer's spare capacity is counted too, so a lower bound is all that
  // holds exactly.
  for (int i = 0; i < 100; ++i) REQUIRE(conformance::append_next(st, "log", 1));
  const std::size_t many = st.memory_bytes();
  CHECK(many >= one + 100 * sizeof(tierflow::event_hash));
  // …and not wildly more: capacity at most doubles.
  CHECK(many <= empty + 101 * 4 * (sizeof(tierflow::event) + 256));

  // Text outside the small-string buffer is counted. On a stream of its
  // own: a long stream's buffer has spare room (counted already), which
  // would hold part of the text.
  std::vector<tierflow::event> big = conformance::draft("big", 0, 1);
  big[0].details.emplace_back("body", std::string(10'000, 'x'));
  tierflow::seal(big, {});
  const std::size_t before_big = st.memory_bytes();
  REQUIRE(st.append({.ticket_id = "big", .expected_version = 0, .events = big}));
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

namespace {

using conformance::at;
using conformance::ids;

// Everything a refused call must leave as it was, read through the store's
// public members.
struct observed {
  std::size_t bytes = 0;
  std::vector<std::string> streams;
  std::vector<std::vector<tierflow::event>> trails;  // of `watched`, in order
  std::vector<tierflow::ticket_summary> summaries;   // of `watched` that have one
  std::vector<std::string> customers;                // customer_tickets of C1 and C2
  std::string open;
  friend bool operator==(const observed&, const observed&) = default;
};

observed observe(const tierflow::memory_store& st, const std::vector<std::string>& watched) {
  observed o;
  o.bytes = st.memory_bytes();
  o.streams = st.streams().value();
  for (const std::string& id : watched) {
    auto trail = st.load(id);
    o.trails.push_back(trail ? std::move(*trail) : std::vector<tierflow::event>{});
    if (auto row = st.summary(id)) o.summaries.push_back(std::move(*row));
  }
  o.customers = {ids(st.customer_tickets("C1")), ids(st.customer_tickets("C2"))};
  o.open = ids(st.open_tickets());
  return o;
}

// The error of a result that must have failed, for CHECKs on code and text.
template <class T>
tierflow::error refusal(const tierflow::result<T>& r) {
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_CASE("store.memory.release_trail.refuses_what_it_cannot_give_up") {
  tierflow::memory_store st;
  tierflow::ticket_summary open = conformance::ticket("T1");
  conformance::save(st, open);
  conformance::save(st, open);
  REQUIRE(conformance::append_next(st, "log", 3));  // a stream without a summary
  const std::vector<std::string> watched = {"T1", "log", "T9"};
  const observed before = observe(st, watched);
  REQUIRE(before.trails[0].size() == 2);
  REQUIRE(before.trails[1].size() == 3);

  const auto unknown = refusal(st.release_trail("T9"));
  CHECK(unknown.code() == tierflow::errc::not_found);
  CHECK(unknown.message().find("T9") != std::string::npos);
  CHECK(observe(st, watched) == before);

  const auto not_ticket = refusal(st.release_trail("log"));
  CHECK(not_ticket.code() == tierflow::errc::not_found);
  CHECK(not_ticket.message().find("log") != std::string::npos);
  CHECK(observe(st, watched) == before);

  const auto still_open = refusal(st.release_trail("T1"));
  CHECK(still_open.code() == tierflow::errc::invalid_argument);
  CHECK(still_open.message().find("T1") != std::string::npos);
  CHECK(observe(st, watched) == before);

  // Closed, then given up once; the second time it is gone.
  open.closed = true;
  open.closed_at = at(12);
  conformance::save(st, open);
  REQUIRE(st.release_trail("T1"));
  const observed released = observe(st, {"T2"});
  const auto again = refusal(st.release_trail("T1"));
  CHECK(again.code() == tierflow::errc::not_found);
  CHECK(again.message().find("T1") != std::string::npos);
  CHECK(again.message().find("trail released") != std::string::npos);
  CHECK(observe(st, {"T2"}) == released);
}

TEST_CASE("store.memory.release_trail.moves_a_closed_trail_out_and_keeps_the_summary") {
  tierflow::memory_store st;
  tierflow::ticket_summary other = conformance::ticket("T2");
  conformance::save(st, other);
  const std::size_t without_t1 = st.memory_bytes();

  tierflow::ticket_summary t1 = conformance::ticket("T1");
  t1.opened_at = at(7);
  t1.next_timer = at(10);  // a timer left on a closed ticket stays indexed
  for (int i = 0; i < 5; ++i) {
    t1.state = "step_" + std::to_string(i);
    conformance::save(st, t1);
  }
  t1.closed = true;
  t1.closed_at = at(11);
  t1.state = "closed";
  conformance::save(st, t1);
  const std::vector<tierflow::event> stored = st.load("T1").value();
  REQUIRE(stored.size() == 6);
  const auto stored_head = st.head("T1").value();
  const std::size_t with_t1 = st.memory_bytes();
  REQUIRE(with_t1 > without_t1);

  const auto trail = st.release_trail("T1");
  REQUIRE(trail);
  CHECK(*trail == stored);
  CHECK(trail->back().hash == stored_head.head);

  // The events' bytes leave the store: at least their hashes, and never
  // more than T1 ever added (its summary and index entries stay).
  const std::size_t after = st.memory_bytes();
  REQUIRE(after < with_t1);
  CHECK(with_t1 - after >= stored.size() * sizeof(tierflow::event_hash));
  CHECK(after > without_t1);

  // Reads and appends of the trail fail, naming it; nothing changes.
  const std::vector<std::string> watched = {"T1", "T2"};
  const observed before = observe(st, watched);
  for (const auto& failed : {refusal(st.load("T1")), refusal(st.head("T1"))}) {
    CHECK(failed.code() == tierflow::errc::not_found);
    CHECK(failed.message().find("T1") != std::string::npos);
    CHECK(failed.message().find("trail released") != std::string::npos);
  }
  // An append built on the stream as it was (version 6, its head).
  tierflow::ticket_summary reopened = t1;
  reopened.closed = false;
  reopened.version = 7;
  std::vector<tierflow::event> more = conformance::sealed("T1", 6, stored_head.head, 1);
  const auto refused = refusal(st.append({.ticket_id = "T1", .expected_version = 6, .events = more,
                                          .summary = &reopened, .movable = &more}));
  CHECK(refused.code() == tierflow::errc::not_found);
  CHECK(refused.message().find("T1") != std::string::npos);
  CHECK(refused.message().find("trail released") != std::string::npos);
  CHECK(more == conformance::sealed("T1", 6, stored_head.head, 1));
  CHECK(observe(st, watched) == before);

  // The summary, the indexes and the stream list keep the ticket.
  CHECK(st.summary("T1").value() == t1);
  CHECK(ids(st.customer_tickets("C1")) == "T1,T2");
  CHECK(ids(st.due(at(10), 10)) == "T1");
  CHECK(ids(st.open_tickets()) == "T2");
  CHECK(st.streams().value() == std::vector<std::string>{"T1", "T2"});
  CHECK(st.summary_ids().value() == std::vector<std::string>{"T1", "T2"});
  // The other ticket is untouched.
  CHECK(st.load("T2").value().size() == 1);
  conformance::save(st, other);
  CHECK(st.head("T2").value().version == 2);
}

TEST_CASE("store.memory.movable.stores_what_it_is_given_and_leaves_it_when_refused") {
  tierflow::memory_store st;
  tierflow::ticket_summary t1 = conformance::ticket("T1");
  t1.version = 3;
  const std::vector<tierflow::event> originals = conformance::sealed("T1", 0, {}, 3);

  // Refused (a writer that thought the stream longer; then a broken chain):
  // the caller's vector is as it was.
  std::vector<tierflow::event> batch = originals;
  const auto stale = refusal(st.append({.ticket_id = "T1", .expected_version = 1, .events = batch,
                                        .summary = &t1, .movable = &batch}));
  CHECK(stale.code() == tierflow::errc::conflict);
  CHECK(batch == originals);
  std::vector<tierflow::event> broken = originals;
  broken[1].prev_hash[0] ^= 1;
  const std::vector<tierflow::event> broken_copy = broken;
  const auto unlinked = refusal(st.append({.ticket_id = "T1", .expected_version = 0, .events = broken,
                                           .summary = &t1, .movable = &broken}));
  CHECK(unlinked.code() == tierflow::errc::invalid_argument);
  CHECK(broken == broken_copy);
  CHECK(st.load("T1").value().empty());

  // Taken: what is stored is what the caller built.
  REQUIRE(st.append({.ticket_id = "T1", .expected_version = 0, .events = batch, .summary = &t1,
                     .movable = &batch}));
  conformance::check_stream(st, "T1", originals);
  CHECK(st.summary("T1").value() == t1);

  // A movable that does not view exactly the events is not touched: the
  // events are copied.
  const auto head = st.head("T1").value();
  std::vector<tierflow::event> next = conformance::sealed("T1", 3, head.head, 2);
  const std::vector<tierflow::event> next_copy = next;
  std::vector<tierflow::event> elsewhere = next;
  t1.version = 5;
  REQUIRE(st.append({.ticket_id = "T1", .expected_version = 3, .events = next, .summary = &t1,
                     .movable = &elsewhere}));
  CHECK(elsewhere == next_copy);
  CHECK(next == next_copy);
  std::vector<tierflow::event> last = conformance::sealed("T1", 5, next.back().hash, 2);
  const std::vector<tierflow::event> last_copy = last;
  t1.version = 6;
  REQUIRE(st.append({.ticket_id = "T1", .expected_version = 5,
                     .events = std::span<const tierflow::event>(last).first(1), .summary = &t1,
                     .movable = &last}));
  CHECK(last == last_copy);

  std::vector<tierflow::event> all = originals;
  all.insert(all.end(), next_copy.begin(), next_copy.end());
  all.push_back(last_copy.front());
  conformance::check_stream(st, "T1", all);
}

TEST_CASE("store.memory.customer_tickets.oldest_first_for_many_customers_opened_out_of_order") {
  tierflow::memory_store st;
  // 40 customers, 15 tickets each, opened in a scrambled order of times with
  // many ties (then ordered by id, bytewise: "T10" before "T9").
  constexpr int customers = 40;
  constexpr int tickets = customers * 15;
  std::map<std::string, std::vector<tierflow::ticket_summary>> expected;
  for (int k = 0; k < tickets; ++k) {
    tierflow::ticket_summary s = conformance::ticket("T" + std::to_string((k * 263) % tickets));
    s.customer_id = "C" + std::to_string(k % customers);
    s.opened_at = at(8) + std::chrono::minutes{(k * 7919) % 23};
    conformance::save(st, s);
    expected[s.customer_id].push_back(s);
  }
  for (auto& [customer, list] : expected) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return std::tie(a.opened_at, a.ticket_id) < std::tie(b.opened_at, b.ticket_id);
    });
    const auto answer = st.customer_tickets(customer);
    REQUIRE(answer);
    CHECK(*answer == list);
  }
  CHECK(expected.size() == static_cast<std::size_t>(customers));
  CHECK(st.customer_tickets("C999").value().empty());
}

TEST_CASE("store.memory.customer_tickets.follow_summary_changes_that_move_the_key") {
  tierflow::memory_store st;
  tierflow::ticket_summary t1 = conformance::ticket("T1");
  tierflow::ticket_summary t2 = conformance::ticket("T2");
  tierflow::ticket_summary t3 = conformance::ticket("T3");
  t1.opened_at = at(8);
  t2.opened_at = at(9);
  t3.opened_at = at(10);
  t3.customer_id = "C2";
  for (auto* s : {&t1, &t2, &t3}) conformance::save(st, *s);
  REQUIRE(ids(st.customer_tickets("C1")) == "T1,T2");

  // A later opened_at moves T1 behind T2 within C1.
  t1.opened_at = at(9, 30);
  conformance::save(st, t1);
  CHECK(ids(st.customer_tickets("C1")) == "T2,T1");
  // Another customer: out of C1, into C2 in its place.
  t1.customer_id = "C2";
  conformance::save(st, t1);
  CHECK(ids(st.customer_tickets("C1")) == "T2");
  CHECK(ids(st.customer_tickets("C2")) == "T1,T3");
  // The last ticket of C1 leaves it: C1 answers empty, C3 gets it.
  t2.customer_id = "C3";
  conformance::save(st, t2);
  CHECK(ids(st.customer_tickets("C1")).empty());
  CHECK(ids(st.customer_tickets("C3")) == "T2");
  // A refused append that would move a key changes no list.
  const std::vector<std::string> watched = {"T1", "T2", "T3"};
  const observed before = observe(st, watched);
  tierflow::ticket_summary moved = t3;
  moved.customer_id = "C1";
  moved.version = 9;
  const auto h = st.head("T3").value();
  const std::vector<tierflow::event> batch = conformance::sealed("T3", h.version + 1, h.head, 1);
  CHECK_FALSE(st.append({.ticket_id = "T3", .expected_version = h.version + 1, .events = batch,
                         .summary = &moved}));
  CHECK(observe(st, watched) == before);
  // Back again, and each query reads the summary as it is now.
  t1.customer_id = "C1";
  t1.opened_at = at(7);
  conformance::save(st, t1);
  const auto c1 = st.customer_tickets("C1");
  REQUIRE(c1);
  REQUIRE(c1->size() == 1);
  CHECK(c1->front() == t1);
  CHECK(ids(st.customer_tickets("C2")) == "T3");
}

namespace {

// Numbers and seals `batch` onto the stream `id` as it is now, appends it
// (with `summary`, when given, its version set to the new length) and
// returns it as appended.
std::vector<tierflow::event> append_sealed(tierflow::memory_store& st, const std::string& id,
                                           std::vector<tierflow::event> batch,
                                           tierflow::ticket_summary* summary = nullptr) {
  const auto h = st.head(id);
  REQUIRE(h);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].ticket_id = id;
    batch[i].sequence = h->version + 1 + i;
  }
  tierflow::seal(batch, h->head);
  if (summary != nullptr) summary->version = h->version + batch.size();
  const auto r = st.append({.ticket_id = id, .expected_version = h->version, .events = batch, .summary = summary});
  const std::string refused = r ? std::string() : r.error().message();
  INFO(refused);
  REQUIRE(r);
  return batch;
}

tierflow::event event_at(tierflow::timestamp when, tierflow::event_type type = tierflow::event_type::noted) {
  tierflow::event e;
  e.time = when;
  e.actor_id = "csr_01";
  e.workflow_id = "complaint";
  e.workflow_version = 1;
  e.type = type;
  return e;
}

}  // namespace

TEST_CASE("store.memory.trail.round_trips_odd_events") {
  using tierflow::event;
  using tierflow::event_type;
  using tierflow::timestamp;
  tierflow::memory_store st;
  std::vector<event> all;
  const auto keep = [&all](const std::vector<event>& batch) { all.insert(all.end(), batch.begin(), batch.end()); };

  // Nothing but a time: no details, empty ids, version 0.
  event bare = event_at(at(9), event_type::opened);
  bare.actor_id.clear();
  bare.workflow_id.clear();
  bare.workflow_version = 0;
  // Duplicate keys (kept as given, in order), an empty key and value, and a
  // time before the previous event's.
  event dupes = event_at(at(8), event_type::denied);
  dupes.details = {{"k", "a"}, {"k", "a"}, {"k", "b"}, {"", ""}, {"a", "k"}};
  keep(append_sealed(st, "T1", {bare, dupes}));

  // A 100,000-byte note; a key and values on both sides of the longest
  // text the store interns (64 bytes); multi-byte UTF-8 in every string.
  event note = event_at(at(10));
  note.details = {{"note", std::string(100'000, 'n')},
                  {std::string(65, 'k'), "short"},
                  {"edge", std::string(64, 'e')},
                  {"edge", std::string(65, 'e')},
                  {"\xc3\xa9t\xc3\xa9", "\xe8\x8b\x8f\xe5\xb7\x9e Z\xc3\xbcrich \xf0\x9f\x99\x82"}};
  note.actor_id = "\xe5\xbc\xa0\xe4\xb8\x89";  // two CJK characters
  note.workflow_id = std::string(200, 'w');    // too long to intern
  // The extremes of every number: a type outside the enum, the largest
  // version, the first and last second a timestamp can hold (their
  // difference overflows 64 bits), and a step back to an ordinary time.
  event extreme = event_at(timestamp{timestamp::duration{std::numeric_limits<timestamp::rep>::max()}});
  extreme.type = static_cast<event_type>(200);
  extreme.workflow_version = std::numeric_limits<std::uint32_t>::max();
  event lowest = event_at(timestamp{timestamp::duration{std::numeric_limits<timestamp::rep>::min()}});
  event ordinary = event_at(at(11));
  // Many details in one event.
  for (int i = 0; i < 300; ++i) ordinary.details.emplace_back("d" + std::to_string(i), std::to_string(i * i));
  keep(append_sealed(st, "T1", {note, extreme}));
  keep(append_sealed(st, "T1", {lowest}));
  keep(append_sealed(st, "T1", {ordinary}));

  const auto loaded = st.load("T1");
  REQUIRE(loaded);
  REQUIRE(loaded->size() == 6);
  CHECK(*loaded == all);
  CHECK(tierflow::verify(*loaded));
  const auto h = st.head("T1").value();
  CHECK(h.version == 6);
  CHECK(h.head == all.back().hash);

  // Another stream between appends keeps its own chain and times; a ticket
  // stream gives the same events back when its trail is released.
  tierflow::ticket_summary t2 = conformance::ticket("T2");
  std::vector<event> t2_all = append_sealed(st, "T2", {note, bare}, &t2);
  keep(append_sealed(st, "T1", {dupes}));
  t2.closed = true;
  t2.closed_at = at(12);
  const std::vector<event> t2_more = append_sealed(st, "T2", {ordinary, extreme}, &t2);
  t2_all.insert(t2_all.end(), t2_more.begin(), t2_more.end());
  CHECK(st.load("T1").value() == all);
  CHECK(st.load("T2").value() == t2_all);
  const auto released = st.release_trail("T2");
  REQUIRE(released);
  CHECK(*released == t2_all);
  CHECK(tierflow::verify(*released));
}

TEST_CASE("store.memory.trail.many_names_and_unique_values_round_trip") {
  // 700 actors, 500 keys, a key with 40 recurring values, a key whose
  // values are all new (past the point where the store stops interning
  // them) and one that mixes both, over 300 streams appended round-robin.
  tierflow::memory_store st;
  std::map<std::string, std::vector<tierflow::event>> expected;
  for (int i = 0; i < 3000; ++i) {
    const std::string id = "T" + std::to_string(i % 300);
    tierflow::event e = event_at(at(9) + std::chrono::seconds{i});
    e.actor_id = "person_" + std::to_string(i % 700);
    e.workflow_id = "workflow_" + std::to_string(i % 3);
    e.details = {{"key_" + std::to_string(i % 500), "state_" + std::to_string(i % 40)},
                 {"customer", "C" + std::to_string(i)},
                 {"mixed", i % 2 == 0 ? "met" : "v" + std::to_string(i)}};
    const auto batch = append_sealed(st, id, {e});
    expected[id].push_back(batch.front());
  }
  for (const auto& [id, events] : expected) {
    const auto loaded = st.load(id);
    REQUIRE(loaded);
    CHECK(*loaded == events);
  }
  CHECK(expected.size() == 300);
}

TEST_CASE("store.memory.trail.an_event_costs_a_few_dozen_bytes") {
  // 1000 events of the conformance drafts on one stream. By hand, a record
  // is at most: type 1, time 1 (60 s apart: zigzag 120 < 128), actor 1,
  // workflow 1, version 1, count 1, "n" 1 + its value 4 ("999": length and
  // digits), "reason" 1 + "step 999" 9, hash 32: 53 bytes. The buffer grows
  // by half again, so it holds at most 1.5 times that; the table gains at
  // most 64 values for each of the two keys, each under 100 bytes, about 13
  // bytes per event. 53 * 1.5 + 13 < 93: allow 96. The hash alone is 32.
  tierflow::memory_store st;
  REQUIRE(conformance::append_next(st, "log", 1));
  const std::size_t before = st.memory_bytes();
  for (int i = 0; i < 1000; ++i) REQUIRE(conformance::append_next(st, "log", 1));
  const std::size_t grown = st.memory_bytes() - before;
  CHECK(grown >= 1000 * sizeof(tierflow::event_hash));
  CHECK(grown <= 1000 * 96);
  CHECK(st.load("log").value() == conformance::sealed("log", 0, {}, 1001));
}

TEST_CASE("store.memory.threads.appends_to_many_tickets_and_queries_at_once") {
  // Four writers, each with its own 40 tickets (the customers, queues and
  // timers shared by all) and its own stream without a summary, while a
  // reader runs every query; then every answer is what the writers wrote.
  tierflow::memory_store st;
  constexpr int writers = 4;
  constexpr int per_writer = 40;
  constexpr int rounds = 6;
  const auto id_of = [](int w, int i) { return "W" + std::to_string(w) + "-" + std::to_string(i); };
  // The summary of ticket (w, i) after round r (0-based): its queue, timer
  // and state move each round; odd tickets close in the last round.
  const auto summary_of = [&id_of](int w, int i, int r) {
    tierflow::ticket_summary s = conformance::ticket(id_of(w, i));
    s.customer_id = "C" + std::to_string(i % 7);
    s.opened_at = at(8) + std::chrono::minutes{i};
    s.state = "step_" + std::to_string(r);
    s.unit = "q" + std::to_string(r % 2);
    s.next_timer = at(10) + std::chrono::minutes{r * 60 + i};
    s.nearest_due = s.next_timer;
    s.closed = r == rounds - 1 && i % 2 == 1;
    if (s.closed) s.closed_at = at(20);
    s.version = static_cast<std::uint64_t>(r + 1);
    return s;
  };
  std::atomic<int> running{writers};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      const std::string log = "log" + std::to_string(w);
      for (int r = 0; r < rounds; ++r) {
        for (int i = 0; i < per_writer; ++i) {
          const std::string id = id_of(w, i);
          const tierflow::ticket_summary s = summary_of(w, i, r);
          const auto h = st.head(id);
          if (!h || h->version != static_cast<std::uint64_t>(r)) ++failures;
          const auto batch = conformance::sealed(id, static_cast<std::uint64_t>(r), h ? h->head : tierflow::event_hash{}, 1,
                                                 "person_" + std::to_string(w));
          if (!st.append({.ticket_id = id, .expected_version = static_cast<std::uint64_t>(r), .events = batch,
                          .summary = &s}))
            ++failures;
          if (!conformance::append_next(st, log, 1)) ++failures;
        }
      }
      --running;
    });
  }
  std::size_t reads = 0;
  threads.emplace_back([&] {
    const auto oldest_first = [](const std::vector<tierflow::ticket_summary>& list) {
      return std::is_sorted(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return std::tie(a.opened_at, a.ticket_id) < std::tie(b.opened_at, b.ticket_id);
      });
    };
    do {
      const auto queue = st.queue("q0", "north");
      const auto open = st.open_tickets();
      const auto customer = st.customer_tickets("C3");
      const auto due = st.due(at(23), 10'000);
      const auto trail = st.load(id_of(static_cast<int>(reads % writers), static_cast<int>(reads % per_writer)));
      if (!queue || !open || !customer || !due || !trail || !st.streams()) ++failures;
      if (customer && !oldest_first(*customer)) ++failures;
      if (open && !std::is_sorted(open->begin(), open->end(),
                                  [](const auto& a, const auto& b) { return a.ticket_id < b.ticket_id; }))
        ++failures;
      if (trail && !tierflow::verify(*trail)) ++failures;
      if (st.memory_bytes() == 0) ++failures;
      ++reads;
    } while (running.load() > 0);
  });
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(reads > 0);

  std::vector<std::string> open_ids;
  std::map<std::string, std::vector<tierflow::ticket_summary>> by_customer;
  for (int w = 0; w < writers; ++w) {
    CHECK(st.load("log" + std::to_string(w)).value() ==
          conformance::sealed("log" + std::to_string(w), 0, {}, rounds * per_writer));
    for (int i = 0; i < per_writer; ++i) {
      const std::string id = id_of(w, i);
      std::vector<tierflow::event> expected;
      for (int r = 0; r < rounds; ++r) {
        const auto one = conformance::sealed(id, static_cast<std::uint64_t>(r),
                                             expected.empty() ? tierflow::event_hash{} : expected.back().hash, 1,
                                             "person_" + std::to_string(w));
        expected.push_back(one.front());
      }
      CHECK(st.load(id).value() == expected);
      const tierflow::ticket_summary last = summary_of(w, i, rounds - 1);
      CHECK(st.summary(id).value() == last);
      if (!last.closed) open_ids.push_back(id);
      by_customer[last.customer_id].push_back(last);
    }
  }
  std::sort(open_ids.begin(), open_ids.end());
  std::string open_list;
  for (const auto& id : open_ids) open_list += (open_list.empty() ? "" : ",") + id;
  CHECK(ids(st.open_tickets()) == open_list);
  for (auto& [customer, list] : by_customer) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return std::tie(a.opened_at, a.ticket_id) < std::tie(b.opened_at, b.ticket_id);
    });
    CHECK(st.customer_tickets(customer).value() == list);
  }
  // The last round put every open ticket in q1 (rounds - 1 is odd).
  CHECK(st.queue("q1", "north").value().size() == open_ids.size());
  CHECK(st.queue("q0", "north").value().empty());
  CHECK(st.due(at(23), 10'000).value().size() == static_cast<std::size_t>(writers * per_writer));
}

TEST_CASE("store.memory.summary.round_trips_odd_summaries") {
  // Every text empty but the ids; long and multi-byte texts; every
  // optional time set and unset; the extremes of the numbers. Each read
  // (summary, queue, customer_tickets, open_tickets) gives back the row as
  // saved.
  tierflow::memory_store st;
  tierflow::ticket_summary bare = conformance::ticket("T1");
  bare.customer_id = "";
  bare.ticket_type = "";
  bare.workflow_id = "";
  bare.state = "";
  bare.unit = "";
  bare.region = "";
  bare.owner = "";
  bare.assignee = "";
  bare.workflow_version = 0;
  bare.opened_at = tierflow::timestamp{tierflow::timestamp::duration{std::numeric_limits<std::int64_t>::min()}};
  conformance::save(st, bare);
  tierflow::ticket_summary rich = conformance::ticket("T2");
  rich.customer_id = "\xe5\xae\xa2\xe6\x88\xb7-" + std::string(300, 'c');
  rich.state = std::string(70'000, 's');
  rich.unit = "\xf0\x9f\x99\x82 unit";
  rich.region = "r\xc3\xa9gion";
  rich.owner = "o";
  rich.assignee = std::string(65, 'a');
  rich.workflow_version = std::numeric_limits<std::uint32_t>::max();
  rich.closed_at = at(7);  // set, although still open
  rich.next_timer = tierflow::timestamp{tierflow::timestamp::duration{std::numeric_limits<std::int64_t>::max()}};
  rich.nearest_due = at(6);
  conformance::save(st, rich);
  conformance::save(st, rich);  // saved again: replaced in place

  CHECK(st.summary("T1").value() == bare);
  CHECK(st.summary("T2").value() == rich);
  CHECK(st.queue("", "").value() == std::vector<tierflow::ticket_summary>{bare});
  CHECK(st.queue(rich.unit, rich.region).value() == std::vector<tierflow::ticket_summary>{rich});
  CHECK(st.customer_tickets("").value() == std::vector<tierflow::ticket_summary>{bare});
  CHECK(st.customer_tickets(rich.customer_id).value() == std::vector<tierflow::ticket_summary>{rich});
  CHECK(st.open_tickets().value() == std::vector<tierflow::ticket_summary>{bare, rich});
  CHECK(st.due(rich.next_timer.value(), 10).value() ==
        std::vector<tierflow::due_ticket>{{"T2", rich.next_timer.value()}});
}

TEST_CASE("store.seal.covers_every_summary_field_and_the_head") {
  using tierflow::detail::summary_seal;
  tierflow::ticket_summary s = conformance::ticket("T1");
  s.version = 2;
  tierflow::event_hash head{};
  head[0] = 1;
  const tierflow::event_hash sealed = summary_seal(s, 2, head);
  CHECK(summary_seal(s, 2, head) == sealed);  // deterministic
  CHECK(tierflow::detail::check_summary_seal(
      s, std::string(reinterpret_cast<const char*>(sealed.data()), sealed.size()), 2, head));
  // One change anywhere gives another seal; so does another head.
  const std::vector<void (*)(tierflow::ticket_summary&)> edits = {
      [](tierflow::ticket_summary& t) { t.ticket_id = "T2"; },
      [](tierflow::ticket_summary& t) { t.customer_id = "C9"; },
      [](tierflow::ticket_summary& t) { t.ticket_type = "fault_repair"; },
      [](tierflow::ticket_summary& t) { t.workflow_id = "other"; },
      [](tierflow::ticket_summary& t) { t.workflow_version = 4; },
      [](tierflow::ticket_summary& t) { t.state = "closed"; },
      [](tierflow::ticket_summary& t) { t.unit = "field"; },
      [](tierflow::ticket_summary& t) { t.region = "south"; },
      [](tierflow::ticket_summary& t) { t.owner = "mallory"; },
      [](tierflow::ticket_summary& t) { t.assignee = "mallory"; },
      [](tierflow::ticket_summary& t) { t.closed = true; },
      [](tierflow::ticket_summary& t) { t.opened_at += std::chrono::seconds{1}; },
      [](tierflow::ticket_summary& t) { t.closed_at = t.opened_at; },
      [](tierflow::ticket_summary& t) { t.next_timer = conformance::at(10); },
      [](tierflow::ticket_summary& t) { t.nearest_due = conformance::at(10); },
      [](tierflow::ticket_summary& t) { t.version = 3; },
      // Field boundaries cannot move: "csr_01" + "" is not "csr_0" + "1".
      [](tierflow::ticket_summary& t) {
        t.owner = "csr_0";
        t.assignee = "1";
      },
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    CAPTURE(i);
    tierflow::ticket_summary edited = s;
    edits[i](edited);
    CHECK(summary_seal(edited, 2, head) != sealed);
  }
  tierflow::event_hash other = head;
  other[31] = 7;
  CHECK(summary_seal(s, 2, other) != sealed);
  CHECK(summary_seal(s, 3, head) != sealed);
  const auto refused = tierflow::detail::check_summary_seal(s, "", 2, head);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == tierflow::errc::data_loss);
  CHECK(refused.error().message() == "the summary row of T1 does not match its trail: edited outside tierflow");
  // The encoding starts with its domain tag: no event encodes alike.
  CHECK(tierflow::detail::summary_seal_encoding(s, 2, head).substr(8, 23) == "tierflow summary seal 1");
}

namespace {

// What the queries must answer, worked out from the summaries as saved
// (`saved`, by ticket id) with the orders of store.hpp written out here
// with std::string's bytewise comparison, independently of the store.
struct expected_indexes {
  const std::map<std::string, tierflow::ticket_summary>* saved;

  std::string queue(std::string_view unit, std::string_view region) const {
    std::vector<const tierflow::ticket_summary*> in;
    for (const auto& entry : *saved)
      if (!entry.second.closed && entry.second.unit == unit && entry.second.region == region)
        in.push_back(&entry.second);
    std::sort(in.begin(), in.end(), [](const auto* a, const auto* b) {
      const auto da = a->nearest_due.value_or(tierflow::timestamp::max());
      const auto db = b->nearest_due.value_or(tierflow::timestamp::max());
      return std::tie(da, a->ticket_id) < std::tie(db, b->ticket_id);
    });
    return joined(in);
  }

  std::string due(tierflow::timestamp now, std::size_t limit) const {
    std::vector<const tierflow::ticket_summary*> in;
    for (const auto& entry : *saved)
      if (entry.second.next_timer && *entry.second.next_timer <= now) in.push_back(&entry.second);
    std::sort(in.begin(), in.end(), [](const auto* a, const auto* b) {
      return std::tie(*a->next_timer, a->ticket_id) < std::tie(*b->next_timer, b->ticket_id);
    });
    if (in.size() > limit) in.resize(limit);
    return joined(in);
  }

  std::string open() const {
    std::vector<const tierflow::ticket_summary*> in;
    for (const auto& entry : *saved)
      if (!entry.second.closed) in.push_back(&entry.second);
    // A std::map's keys are in std::string order already; sorted again so
    // that the order is stated here, not borrowed.
    std::sort(in.begin(), in.end(), [](const auto* a, const auto* b) { return a->ticket_id < b->ticket_id; });
    return joined(in);
  }

  std::string customer(std::string_view customer_id) const {
    std::vector<const tierflow::ticket_summary*> in;
    for (const auto& entry : *saved)
      if (entry.second.customer_id == customer_id) in.push_back(&entry.second);
    std::sort(in.begin(), in.end(), [](const auto* a, const auto* b) {
      return std::tie(a->opened_at, a->ticket_id) < std::tie(b->opened_at, b->ticket_id);
    });
    return joined(in);
  }

  static std::string joined(const std::vector<const tierflow::ticket_summary*>& list) {
    std::string out;
    for (const auto* s : list) out += (out.empty() ? "" : ",") + s->ticket_id;
    return out;
  }
};

// Ticket ids that sort in every way the store's integer id comparison must
// get right: prefixes of one another, equal first 8 and first 16 bytes with
// different tails, lengths either side of 8 and 16, bytes above 0x7F
// (UTF-8) beside ASCII, and "T10" before "T9".
std::vector<std::string> awkward_ids() {
  std::vector<std::string> out = {"T",
                                  "T1",
                                  "T10",
                                  "T9",
                                  "T0000000",
                                  "T00000000",
                                  "T00000001",
                                  "T0000000A",
                                  "T000000000000000",
                                  "T0000000000000000",
                                  "T0000000000000001",
                                  "T00000000000000000",
                                  "T000000000000000Z",
                                  "T000000000000000\xc3\xa9",
                                  "T\xc3\xa9",
                                  "Tz",
                                  "T\xe2\x82\xac-long-ticket-id-0001",
                                  "T\xe2\x82\xac-long-ticket-id-0002",
                                  "T\xe2\x82\xac-long-ticket-id-00021"};
  for (int i = 0; i < 120; ++i) out.push_back("T" + std::to_string(i * 37 % 1000));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

TEST_CASE("store.memory.indexes.orders_hold_across_shards_under_ties_and_odd_ids") {
  // Over a hundred tickets (spread over every shard), few distinct times so
  // that most keys tie on time and fall to the id; then rounds that move
  // deadlines, timers, queues and customers, close and reopen tickets, with
  // every query checked against the orders worked out from the summaries.
  tierflow::memory_store st;
  const std::vector<std::string> all = awkward_ids();
  std::map<std::string, tierflow::ticket_summary> saved;
  const expected_indexes expect{&saved};
  const std::vector<std::string> units = {"tier1", "tier2"};
  const std::vector<std::string> regions = {"", "north", "south"};
  for (int round = 0; round < 4; ++round) {
    for (std::size_t k = 0; k < all.size(); ++k) {
      const auto mix = static_cast<int>((k * 7 + static_cast<std::size_t>(round) * 13) % 11);
      tierflow::ticket_summary s = conformance::ticket(all[k]);
      s.customer_id = "C" + std::to_string((k + static_cast<std::size_t>(round)) % 9);
      s.opened_at = at(8) + std::chrono::minutes{mix % 3};
      s.unit = units[static_cast<std::size_t>(mix) % units.size()];
      s.region = regions[static_cast<std::size_t>(mix) % regions.size()];
      s.state = "step_" + std::to_string(round);
      // Three deadlines and "none"; three timers and "none": many ties.
      if (mix % 4 != 3) s.nearest_due = at(12 + mix % 4);
      if (mix % 5 != 4) s.next_timer = at(10 + (mix + round) % 3);
      s.closed = (mix + round) % 6 == 5;
      if (s.closed) s.closed_at = at(20);
      conformance::save(st, s);
      saved[s.ticket_id] = s;
    }
    INFO("round ", round);
    for (const auto& unit : units)
      for (const auto& region : regions) CHECK(ids(st.queue(unit, region)) == expect.queue(unit, region));
    CHECK(ids(st.open_tickets()) == expect.open());
    for (const std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
      for (const tierflow::timestamp now : {at(9), at(10), at(11), at(12, 30)})
        CHECK(ids(st.due(now, limit)) == expect.due(now, limit));
    }
    for (int c = 0; c < 9; ++c) {
      const std::string customer = "C" + std::to_string(c);
      CHECK(ids(st.customer_tickets(customer)) == expect.customer(customer));
    }
    // The queries' rows are the summaries as saved, field for field.
    const auto open = st.open_tickets();
    REQUIRE(open);
    for (const auto& row : *open) CHECK(row == saved.at(row.ticket_id));
  }
  CHECK(expect.open().find(',') != std::string::npos);  // the check compared lists, not empties
}

TEST_CASE("store.memory.threads.writers_on_different_queues_and_a_reader_of_queue_and_due") {
  // Two writers, each moving the deadlines and timers of its own tickets in
  // its own queue (ties with the other writer's times on purpose), while a
  // reader checks that every queue() and due() answer is in the contract's
  // order and holds each writer's tickets exactly once; afterwards the
  // answers are exactly what was written last.
  tierflow::memory_store st;
  constexpr int per_writer = 30;
  constexpr int rounds = 20;
  const auto id_of = [](int w, int i) { return "Q" + std::to_string(w) + "-" + std::to_string(i); };
  const auto summary_of = [&id_of](int w, int i, int r) {
    tierflow::ticket_summary s = conformance::ticket(id_of(w, i));
    s.customer_id = "C" + std::to_string(w) + "-" + std::to_string(i % 5);
    s.unit = w == 0 ? "tier1" : "tier2";
    s.state = "step_" + std::to_string(r);
    s.nearest_due = at(10) + std::chrono::minutes{(i * 7 + r * 3) % 13};
    s.next_timer = at(9) + std::chrono::minutes{(i * 5 + r) % 17};
    s.version = static_cast<std::uint64_t>(r + 1);
    return s;
  };
  std::atomic<int> running{2};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int r = 0; r < rounds; ++r) {
        for (int i = 0; i < per_writer; ++i) {
          const std::string id = id_of(w, i);
          const tierflow::ticket_summary s = summary_of(w, i, r);
          const auto h = st.head(id);
          if (!h) {
            ++failures;
            continue;
          }
          const auto batch = conformance::sealed(id, h->version, h->head, 1);
          if (!st.append({.ticket_id = id, .expected_version = h->version, .events = batch, .summary = &s}))
            ++failures;
        }
      }
      --running;
    });
  }
  std::atomic<int> reads{0};
  threads.emplace_back([&] {
    const auto queue_order = [](const tierflow::ticket_summary& a, const tierflow::ticket_summary& b) {
      return std::tie(*a.nearest_due, a.ticket_id) < std::tie(*b.nearest_due, b.ticket_id);
    };
    const auto due_order = [](const tierflow::due_ticket& a, const tierflow::due_ticket& b) {
      return std::tie(a.due, a.ticket_id) < std::tie(b.due, b.ticket_id);
    };
    do {
      for (int w = 0; w < 2; ++w) {
        const auto q = st.queue(w == 0 ? "tier1" : "tier2", "north");
        if (!q) {
          ++failures;
          continue;
        }
        // Once the first round is in, a queue holds all its writer's tickets,
        // strictly ordered (so none twice), and only its writer's.
        if (!std::is_sorted(q->begin(), q->end(), queue_order)) ++failures;
        if (std::adjacent_find(q->begin(), q->end(), [](const auto& a, const auto& b) {
              return a.ticket_id == b.ticket_id;
            }) != q->end())
          ++failures;
        for (const auto& s : *q)
          if (s.ticket_id.rfind("Q" + std::to_string(w) + "-", 0) != 0) ++failures;
        if (q->size() > static_cast<std::size_t>(per_writer)) ++failures;
      }
      const auto due = st.due(at(23), 10'000);
      if (!due || !std::is_sorted(due->begin(), due->end(), due_order) ||
          due->size() > static_cast<std::size_t>(2 * per_writer))
        ++failures;
      const auto first = st.due(at(23), 5);
      if (!first || first->size() > 5) ++failures;
      ++reads;
    } while (running.load() > 0);
  });
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(reads.load() > 0);

  std::map<std::string, tierflow::ticket_summary> saved;
  for (int w = 0; w < 2; ++w)
    for (int i = 0; i < per_writer; ++i) saved[id_of(w, i)] = summary_of(w, i, rounds - 1);
  const expected_indexes expect{&saved};
  CHECK(ids(st.queue("tier1", "north")) == expect.queue("tier1", "north"));
  CHECK(ids(st.queue("tier2", "north")) == expect.queue("tier2", "north"));
  CHECK(ids(st.due(at(23), 10'000)) == expect.due(at(23), 10'000));
  CHECK(ids(st.due(at(9, 8), 12)) == expect.due(at(9, 8), 12));
  CHECK(ids(st.open_tickets()) == expect.open());
  CHECK(ids(st.customer_tickets("C1-3")) == expect.customer("C1-3"));
  for (const auto& [id, s] : saved) CHECK(st.summary(id).value() == s);
}

namespace {

// A closed ticket's trail of `n` events (n >= 1), appended one command an
// event, with texts the store interns (actor, workflow, keys, a key's
// recurring values) and texts it keeps as they are (a value over 64 bytes,
// unique values, a workflow id over 64 bytes on every third event), three
// or four details. The events as appended, sealed.
std::vector<tierflow::event> closed_trail(tierflow::memory_store& st, const std::string& id, int n) {
  tierflow::ticket_summary s = conformance::ticket(id);
  std::vector<tierflow::event> all;
  for (int k = 0; k < n; ++k) {
    tierflow::event e = event_at(at(9) + std::chrono::minutes{k}, k == 0 ? tierflow::event_type::opened
                                                                           : tierflow::event_type::noted);
    e.actor_id = "csr_0" + std::to_string(k % 3);
    if (k % 3 == 2) e.workflow_id = std::string(70, 'w');
    e.details = {{"state", "step_" + std::to_string(k % 2)},
                 {"note", std::string(static_cast<std::size_t>(65 + k), static_cast<char>('a' + k % 26))},
                 {"unique", id + "/" + std::to_string(k)}};
    // Four details or three, alternating differently in trails of odd and
    // even length: a reused event meets a different count.
    if ((k + n) % 2 == 0) e.details.emplace_back("extra", "x");
    if (k == n - 1) {
      s.closed = true;
      s.closed_at = e.time;
    }
    const auto batch = append_sealed(st, id, {e}, &s);
    all.push_back(batch.front());
  }
  return all;
}

bool same_events(std::span<const tierflow::event> a, const std::vector<tierflow::event>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

TEST_CASE("store.memory.release_trail.into_a_reused_buffer_gives_what_load_and_a_new_vector_give") {
  // Two stores given the same appends: one releases into one reused
  // buffer, the other into new vectors. Trails of 9, 2, 5 and 1 events: the
  // buffer holds a longer trail before each shorter one.
  tierflow::memory_store reused;
  tierflow::memory_store fresh;
  const std::vector<std::pair<std::string, int>> tickets = {{"TL", 9}, {"TS", 2}, {"TM", 5}, {"TO", 1}};
  std::map<std::string, std::vector<tierflow::event>> appended;
  for (const auto& [id, n] : tickets) {
    appended[id] = closed_trail(reused, id, n);
    CHECK(closed_trail(fresh, id, n) == appended[id]);
  }
  tierflow::ticket_summary open = conformance::ticket("TX");
  conformance::save(reused, open);

  std::vector<tierflow::event> room;
  std::vector<tierflow::event> before;  // the buffer before the release
  for (const auto& ticket : tickets) {
    // Named, not bound: clang 14 lets no INFO capture a structured binding.
    const std::string& id = ticket.first;
    const int n = ticket.second;
    INFO("ticket ", id);
    const auto loaded = reused.load(id);
    REQUIRE(loaded);
    CHECK(*loaded == appended[id]);
    before = room;
    const auto released = reused.release_trail(id, room);
    REQUIRE(released);
    CHECK(released->size() == static_cast<std::size_t>(n));
    CHECK(released->data() == room.data());
    CHECK(same_events(*released, appended[id]));
    CHECK(tierflow::verify(std::vector<tierflow::event>(released->begin(), released->end())));
    // Grown to the longest trail so far, never shrunk; the elements past
    // this trail are the earlier ones', untouched.
    CHECK(room.size() == std::max(before.size(), static_cast<std::size_t>(n)));
    for (std::size_t i = static_cast<std::size_t>(n); i < before.size(); ++i) CHECK(room[i] == before[i]);
    const auto other = fresh.release_trail(id);
    REQUIRE(other);
    CHECK(*other == appended[id]);
    // Released from the store: gone for load and for both overloads.
    CHECK(refusal(reused.load(id)).message().find("trail released") != std::string::npos);
  }
  CHECK(room.size() == 9);

  // Refusals leave the buffer as it was, with the other overload's errors.
  before = room;
  const auto again = refusal(reused.release_trail("TS", room));
  CHECK(again.code() == tierflow::errc::not_found);
  CHECK(again.message().find("trail released") != std::string::npos);
  const auto unknown = refusal(reused.release_trail("T9", room));
  CHECK(unknown.code() == tierflow::errc::not_found);
  CHECK(unknown.message().find("T9") != std::string::npos);
  const auto still_open = refusal(reused.release_trail("TX", room));
  CHECK(still_open.code() == tierflow::errc::invalid_argument);
  CHECK(still_open.message() == refusal(reused.release_trail("TX")).message());
  CHECK(room == before);
  CHECK(reused.load("TX").value().size() == 1);
}

namespace {

// The event a released view stands for: its fields, and the hashes of
// `sealed` (the view leaves them out).
tierflow::event from_view(const tierflow::event_view& v, const tierflow::event& sealed) {
  tierflow::event e;
  e.ticket_id = std::string(v.ticket_id);
  e.sequence = v.sequence;
  e.time = v.time;
  e.actor_id = std::string(v.actor_id);
  e.workflow_id = std::string(v.workflow_id);
  e.workflow_version = v.workflow_version;
  e.type = v.type;
  for (const auto& [key, value] : v.details) e.details.emplace_back(key, value);
  e.prev_hash = sealed.prev_hash;
  e.hash = sealed.hash;
  return e;
}

}  // namespace

TEST_CASE("store.memory.release_trail.as_views_gives_what_decoding_gives") {
  // Trails of 9, 2, 5 and 1 events (the longer ones over several blocks),
  // each visited once as views, which read back as the events appended.
  tierflow::memory_store st;
  const std::vector<std::pair<std::string, int>> tickets = {{"TL", 9}, {"TS", 2}, {"TM", 5}, {"TO", 1}};
  std::map<std::string, std::vector<tierflow::event>> appended;
  for (const auto& [id, n] : tickets) appended[id] = closed_trail(st, id, n);
  tierflow::ticket_summary open = conformance::ticket("TX");
  conformance::save(st, open);

  for (const auto& ticket : tickets) {
    const std::string& id = ticket.first;
    INFO("ticket ", id);
    const std::vector<tierflow::event>& want = appended[id];
    int visits = 0;
    std::vector<tierflow::event> seen;
    const auto released =
        st.release_trail(id, [&](std::span<const tierflow::event_view> trail) {
          ++visits;
          for (std::size_t i = 0; i < trail.size() && i < want.size(); ++i)
            seen.push_back(from_view(trail[i], want[i]));
          CHECK(trail.size() == want.size());
        });
    REQUIRE(released);
    CHECK(visits == 1);
    CHECK(seen == want);
    CHECK(refusal(st.load(id)).message().find("trail released") != std::string::npos);
  }

  // Refusals, with the other overloads' errors, and no visit.
  int visits = 0;
  const auto count = [&](std::span<const tierflow::event_view>) { ++visits; };
  const auto again = refusal(st.release_trail("TS", count));
  CHECK(again.code() == tierflow::errc::not_found);
  CHECK(again.message() == refusal(st.release_trail("TS")).message());
  const auto unknown = refusal(st.release_trail("T9", count));
  CHECK(unknown.code() == tierflow::errc::not_found);
  CHECK(unknown.message() == refusal(st.release_trail("T9")).message());
  const auto still_open = refusal(st.release_trail("TX", count));
  CHECK(still_open.code() == tierflow::errc::invalid_argument);
  CHECK(still_open.message() == refusal(st.release_trail("TX")).message());
  CHECK(visits == 0);
  CHECK(st.load("TX").value().size() == 1);
}

TEST_CASE("store.memory.release_trail.as_views_survives_a_throwing_visit_and_a_nested_release") {
  tierflow::memory_store st;
  tierflow::memory_store other;
  const auto mine = closed_trail(st, "T1", 7);
  const auto theirs = closed_trail(other, "T2", 4);

  // A visit that throws: the trail stays, whole, and is released later.
  struct stop {};
  CHECK_THROWS_AS((void)st.release_trail("T1", [](std::span<const tierflow::event_view>) {
    throw stop{};
  }),
                  stop);
  CHECK(st.load("T1").value() == mine);

  // A visit that releases another store's trail: each visit reads its own
  // trail (the views of the outer one stay right after the inner one).
  std::vector<tierflow::event> outer, inner;
  const auto released = st.release_trail("T1", [&](std::span<const tierflow::event_view> trail) {
    const auto nested = other.release_trail("T2", [&](std::span<const tierflow::event_view> t) {
      for (std::size_t i = 0; i < t.size() && i < theirs.size(); ++i) inner.push_back(from_view(t[i], theirs[i]));
    });
    CHECK(nested);
    for (std::size_t i = 0; i < trail.size() && i < mine.size(); ++i) outer.push_back(from_view(trail[i], mine[i]));
  });
  REQUIRE(released);
  CHECK(outer == mine);
  CHECK(inner == theirs);
  CHECK(!st.load("T1"));
  CHECK(!other.load("T2"));
}

TEST_CASE("store.memory.intern_table.numbers_keep_their_text_through_many_doublings") {
  // 40,000 strings (the slots double a dozen times from 16), numbered in
  // the order they came; each found again, each number naming its text;
  // the empty string and one of 64 bytes are entries like any other.
  tierflow::detail::intern_table names;
  const auto text_of = [](std::size_t i) {
    if (i == 0) return std::string();
    if (i == 1) return std::string(64, 'x');
    return "name_" + std::to_string(i * 7919);
  };
  constexpr std::size_t count = 40'000;
  const std::size_t empty_bytes = names.heap_bytes();
  for (std::size_t i = 0; i < count; ++i) {
    const std::string t = text_of(i);
    REQUIRE(names.find(t) == tierflow::detail::intern_table::none);
    REQUIRE(names.intern(t) == i);
  }
  CHECK(names.size() == count);
  bool all_found = true;
  bool all_named = true;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string t = text_of(i);
    all_found = all_found && names.find(t) == i && names.intern(t) == i;
    all_named = all_named && names.text(static_cast<std::uint32_t>(i)) == t;
  }
  CHECK(all_found);
  CHECK(all_named);
  CHECK(names.size() == count);  // interning a known text added nothing
  CHECK(names.find("name_1") == tierflow::detail::intern_table::none);
  CHECK(names.find(std::string(65, 'x')) == tierflow::detail::intern_table::none);
  // At least an entry (a string and its usage record) and a slot (8 bytes,
  // at most 7/10 of them used) for each.
  CHECK(names.heap_bytes() >= empty_bytes + count * (sizeof(std::string) + 8 * 10 / 7));
}

TEST_CASE("store.memory.names.thousands_of_distinct_actors_and_keys_round_trip") {
  // 12,000 events over 200 streams, each with an actor of its own, a key
  // out of 3,000 and a value out of 50: every shard's table doubles many
  // times while trails name its entries from before and after each growth.
  tierflow::memory_store st;
  std::map<std::string, std::vector<tierflow::event>> expected;
  for (int i = 0; i < 12'000; ++i) {
    const std::string id = "T" + std::to_string(i % 200);
    tierflow::event e = event_at(at(9) + std::chrono::seconds{i});
    e.actor_id = "person_" + std::to_string(i);
    e.details = {{"key_" + std::to_string(i % 3000), "value_" + std::to_string(i % 50)}};
    expected[id].push_back(append_sealed(st, id, {e}).front());
  }
  std::size_t checked = 0;
  for (const auto& [id, events] : expected) {
    const auto loaded = st.load(id);
    REQUIRE(loaded);
    CHECK(*loaded == events);
    checked += loaded->size();
  }
  CHECK(checked == 12'000);
}

TEST_CASE("store.memory.customer_table.erasing_keeps_every_colliding_customer_findable") {
  // 40 customers whose hashes all pick the same slot near the table's end
  // (one probe run that wraps round), eight to each of five hashes (told
  // apart by the id alone); erased in a scrambled order, then
  // half added back: after every step each customer in the table is found
  // with its ticket, and no other.
  using tierflow::detail::customer_table;
  using tierflow::detail::packed_summary;
  constexpr std::size_t customers = 40;
  std::vector<std::unique_ptr<packed_summary>> summaries;
  std::vector<std::string> ids_of;
  std::vector<std::uint64_t> hash_of;
  for (std::size_t k = 0; k < customers; ++k) {
    tierflow::ticket_summary s = conformance::ticket("T" + std::to_string(k));
    s.customer_id = "C" + std::to_string(k);
    summaries.push_back(std::make_unique<packed_summary>(s));
    ids_of.push_back(s.customer_id);
    // Low six bits 61 in every table of 64 slots or more (13 in one of 16,
    // 29 in one of 32): the same home slot for all.
    hash_of.push_back(61 + 64 * (k % 5));
  }
  customer_table table;
  std::vector<bool> in(customers, false);
  const auto check_all = [&]() {
    bool right = true;
    std::size_t held = 0;
    for (std::size_t k = 0; k < customers; ++k) {
      const customer_table::entry* e = table.find(ids_of[k], hash_of[k]);
      if (!in[k]) {
        right = right && e == nullptr;
        continue;
      }
      ++held;
      right = right && e != nullptr && e->list.items().size() == 1 && e->list.items()[0] == summaries[k].get();
    }
    return right && held == table.size();
  };
  for (std::size_t k = 0; k < customers; ++k) {
    table.make_room_for_one();
    table.add(hash_of[k]).insert(summaries[k].get());
    in[k] = true;
    REQUIRE(check_all());
  }
  for (std::size_t step = 0; step < customers; ++step) {
    const std::size_t k = (step * 17 + 3) % customers;  // 17 and 40 are coprime: each once
    customer_table::entry* e = table.find(ids_of[k], hash_of[k]);
    REQUIRE(e != nullptr);
    e->list.erase(summaries[k].get());
    table.erase(e);
    in[k] = false;
    REQUIRE(check_all());
    if (step % 2 == 1) {
      const std::size_t back = (step * 7) % customers;
      if (!in[back]) {
        table.make_room_for_one();
        table.add(hash_of[back]).insert(summaries[back].get());
        in[back] = true;
        REQUIRE(check_all());
      }
    }
  }
  CHECK(table.heap_bytes() >= 64 * sizeof(customer_table::entry));
}

TEST_CASE("store.memory.customer_tickets.thousands_of_customers_emptied_and_joined") {
  // 3,000 tickets, one customer each; then each moves to one of 1,000
  // other customers (3 tickets each; the first 3,000 customers all left
  // empty and dropped from their tables), and a third of them back to
  // their own: every list is what the summaries say, oldest first.
  tierflow::memory_store st;
  constexpr int tickets = 3000;
  std::vector<tierflow::ticket_summary> saved;
  for (int k = 0; k < tickets; ++k) {
    tierflow::ticket_summary s = conformance::ticket("T" + std::to_string(k));
    s.customer_id = "own_" + std::to_string(k);
    s.opened_at = at(8) + std::chrono::seconds{(k * 7919) % tickets};
    conformance::save(st, s);
    saved.push_back(s);
  }
  for (int k = 0; k < tickets; ++k) {
    saved[static_cast<std::size_t>(k)].customer_id = "shared_" + std::to_string(k % 1000);
    conformance::save(st, saved[static_cast<std::size_t>(k)]);
  }
  for (int k = 0; k < tickets; k += 3) {
    saved[static_cast<std::size_t>(k)].customer_id = "own_" + std::to_string(k);
    conformance::save(st, saved[static_cast<std::size_t>(k)]);
  }
  std::map<std::string, std::vector<tierflow::ticket_summary>> by_customer;
  for (const auto& s : saved) by_customer[s.customer_id].push_back(s);
  for (auto& entry : by_customer) {
    std::sort(entry.second.begin(), entry.second.end(), [](const auto& a, const auto& b) {
      return std::tie(a.opened_at, a.ticket_id) < std::tie(b.opened_at, b.ticket_id);
    });
  }
  const auto expected = [&by_customer](const std::string& customer) {
    const auto found = by_customer.find(customer);
    return found == by_customer.end() ? std::vector<tierflow::ticket_summary>{} : found->second;
  };
  std::size_t rows = 0;
  bool all_right = true;
  for (int k = 0; k < tickets; ++k) {
    const std::string own = "own_" + std::to_string(k);
    const auto answer = st.customer_tickets(own);
    REQUIRE(answer);
    all_right = all_right && *answer == expected(own);
    rows += answer->size();
  }
  for (int c = 0; c < 1000; ++c) {
    const std::string shared = "shared_" + std::to_string(c);
    const auto answer = st.customer_tickets(shared);
    REQUIRE(answer);
    all_right = all_right && *answer == expected(shared);
    rows += answer->size();
  }
  CHECK(all_right);
  CHECK(rows == static_cast<std::size_t>(tickets));
}

// The memory store checks an event's strings only when its intern table does
// not hold them (the table holds only checked text): a bad string that is
// one byte away from a held one (the key's last value, the actor's guess),
// or that rides with a bad summary or another fault, is still refused with
// the message every store gives (check_append_text's, which SQLite and
// PostgreSQL call), and nothing is stored.
TEST_CASE("store.memory.text.strings_near_held_ones_are_refused_with_every_stores_message") {
  using tierflow::event;
  tierflow::memory_store st;
  tierflow::ticket_summary s = conformance::ticket("T1");
  s.version = 2;
  // Two events that put "csr_01", "outcome" and "resolved" in the table and
  // make "resolved" the last value of "outcome" and "csr_01" the actor's
  // guess.
  std::vector<event> first = conformance::draft("T1", 0, 2);
  for (event& e : first) e.details = {{"outcome", "resolved"}};
  tierflow::seal(first, {});
  REQUIRE(st.append({.ticket_id = "T1", .expected_version = 0, .events = first, .summary = &s}));
  const std::vector<event> before = st.load("T1").value();
  REQUIRE(before == first);
  tierflow::ticket_summary next = s;
  next.version = 4;
  next.state = "closed";

  // Two events onto the stream's head, the second carrying the bad string
  // (the first's strings are good and new: they may enter the table).
  const auto batch = [&](const std::function<void(event&)>& spoil) {
    std::vector<event> e = conformance::draft("T1", 2, 2, "csr_77");
    for (event& one : e) one.details = {{"outcome", "resolved"}, {"note", "call back " + one.actor_id}};
    e[1].actor_id = "csr_01";
    spoil(e[1]);
    tierflow::seal(e, before.back().hash);
    return e;
  };
  const auto refused = [&](const tierflow::append_request& request, const std::string& message) {
    const auto r = st.append(request);
    CHECK(conformance::outcome(r) == "invalid_argument");
    if (!r) {
      CHECK(r.error().message() == message);
      // The message SQLite and PostgreSQL give (their full check's).
      const auto full = tierflow::detail::check_append_text(request);
      REQUIRE_FALSE(full);
      CHECK(r.error().message() == full.error().message());
    }
    conformance::check_stream(st, "T1", before);
    CHECK(st.summary("T1").value() == s);
  };

  // A detail value the key's last value would be, but for one byte: an
  // invalid one added, the last one turned invalid, a NUL added.
  for (const std::string& bad : {std::string("resolved\xff"), std::string("resolve\xc3"),
                                 std::string("resolved\0", 9)}) {
    CAPTURE(bad);
    const auto e = batch([&](event& x) { x.details[0].second = bad; });
    refused({.ticket_id = "T1", .expected_version = 2, .events = e, .summary = &next},
            "ticket T1: event 4: detail 'outcome' is not valid UTF-8 text (or holds a NUL byte)");
  }
  // The same, longer than the table keeps (written as it is).
  {
    const auto e = batch([](event& x) { x.details[1].second = std::string(80, 'a') + "\xe0\x80\xaf"; });
    refused({.ticket_id = "T1", .expected_version = 2, .events = e, .summary = &next},
            "ticket T1: event 4: detail 'note' is not valid UTF-8 text (or holds a NUL byte)");
  }
  // An actor id that is the held "csr_01" and one byte more (a sequence
  // cut short), and the guess's id with its last byte turned into a NUL.
  for (const std::string& bad : {std::string("csr_01\xe2"), std::string("csr_0\0", 6)}) {
    CAPTURE(bad);
    const auto e = batch([&](event& x) { x.actor_id = bad; });
    refused({.ticket_id = "T1", .expected_version = 2, .events = e, .summary = &next},
            "ticket T1: event 4: the actor id is not valid UTF-8 text (or holds a NUL byte)");
  }
  // A bad detail key next to the held "outcome".
  {
    const auto e = batch([](event& x) { x.details[0].first = "outcome\xed\xa0\x80"; });
    refused({.ticket_id = "T1", .expected_version = 2, .events = e, .summary = &next},
            "ticket T1: event 4: the key of detail 1 is not valid UTF-8 text (or holds a NUL byte)");
  }
  // A bad summary text with good events; with a bad event too, the event's
  // is named (the full check's order: events before the summary).
  tierflow::ticket_summary forged = next;
  forged.state = "clos\xe9" "d";
  {
    const auto e = batch([](event&) {});
    refused({.ticket_id = "T1", .expected_version = 2, .events = e, .summary = &forged},
            "ticket T1: summary: the state is not valid UTF-8 text (or holds a NUL byte)");
    const auto bad = batch([](event& x) { x.workflow_id = "complaint\xff"; });
    refused({.ticket_id = "T1", .expected_version = 2, .events = bad, .summary = &forged},
            "ticket T1: event 4: the workflow id is not valid UTF-8 text (or holds a NUL byte)");
  }
  // A bad string with another fault (a stale version, a broken link, a
  // missing summary): the text is named, as every store checks it first.
  {
    const auto e = batch([](event& x) { x.details[0].second = "resolved\xff"; });
    const std::string message = "ticket T1: event 4: detail 'outcome' is not valid UTF-8 text (or holds a NUL byte)";
    refused({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &next}, message);
    std::vector<event> unlinked = e;
    unlinked[0].prev_hash[0] ^= 1;
    refused({.ticket_id = "T1", .expected_version = 2, .events = unlinked, .summary = &next}, message);
    refused({.ticket_id = "T1", .expected_version = 2, .events = e, .summary = nullptr}, message);
  }

  // A good request still appends, its strings (held and new) read back.
  const auto good = batch([](event& x) { x.details[0].second = "resolved again"; });
  REQUIRE(st.append({.ticket_id = "T1", .expected_version = 2, .events = good, .summary = &next}));
  std::vector<event> all = before;
  all.insert(all.end(), good.begin(), good.end());
  conformance::check_stream(st, "T1", all);
  CHECK(st.summary("T1").value() == next);
  CHECK(all[3].actor_id == "csr_01");
  CHECK(all[3].details[0].second == "resolved again");
}

// The encoder checks a string before it enters the table: a refused event
// leaves the bad string out of it (only good strings it met first may have
// entered, which no stored record names).
TEST_CASE("store.memory.trail.encode_refuses_unstorable_text_before_interning_it") {
  namespace trail = tierflow::detail::compact_trail;
  tierflow::detail::intern_table names;
  trail::hints guesses;
  std::vector<unsigned char> out;
  tierflow::event e;
  e.ticket_id = "T1";
  e.sequence = 1;
  e.actor_id = "csr_01";
  e.workflow_id = "complaint";
  e.details = {{"outcome", "resolved"}};
  REQUIRE(trail::encode(e, {}, names, guesses, out));
  const std::size_t held = names.size();
  CHECK(held == 4);  // csr_01, complaint, outcome, resolved

  const std::vector<std::pair<std::string, std::function<void(tierflow::event&)>>> spoils = {
      {"actor", [](tierflow::event& x) { x.actor_id = "csr_01\xff"; }},
      {"workflow", [](tierflow::event& x) { x.workflow_id = std::string("complaint\0", 10); }},
      {"key", [](tierflow::event& x) { x.details[0].first = "outcome\xc0\xaf"; }},
      {"value", [](tierflow::event& x) { x.details[0].second = "resolved\xf4\x90\x80\x80"; }},
  };
  for (const auto& spoil : spoils) {
    const std::string& what = spoil.first;
    CAPTURE(what);
    tierflow::event bad = e;
    spoil.second(bad);
    out.clear();
    CHECK_FALSE(trail::encode(bad, {}, names, guesses, out));
    CHECK(names.size() == held);
  }
  // A new good string before the bad one enters; the bad one does not.
  tierflow::event mixed = e;
  mixed.actor_id = "csr_02";
  mixed.details[0].second = "resolved\xff";
  CHECK_FALSE(trail::encode(mixed, {}, names, guesses, out));
  CHECK(names.size() == held + 1);
  CHECK(names.find("csr_02") != tierflow::detail::intern_table::none);
  CHECK(names.find("resolved\xff") == tierflow::detail::intern_table::none);
  // The held strings still encode and read back.
  out.clear();
  REQUIRE(trail::encode(e, {}, names, guesses, out));
  tierflow::detail::block_pool pool;
  tierflow::detail::block_trail blocks;
  pool.make_room(blocks.blocks_needed(out.size()));
  blocks.append(out, pool);
  const std::vector<tierflow::event> back = trail::decode(blocks, "T1", names, 1);
  REQUIRE(back.size() == 1);
  CHECK(back[0].actor_id == "csr_01");
  CHECK(back[0].details == e.details);
}

namespace {

// `n` sealed events continuing `id`'s stream of `version` events on `head`,
// whose records take from a few bytes to over a kilobyte: an "n" detail
// (short, interned) and a "note" of 0 to 299 bytes (longer than 64 bytes:
// written as it is), every 17th a note of 1000 bytes, longer than a block.
// So the records start and end, and their hashes fall, at every offset of
// the blocks.
std::vector<tierflow::event> varied(std::string_view id, std::uint64_t version, const tierflow::event_hash& head,
                                    std::size_t n) {
  std::vector<tierflow::event> batch = conformance::draft(id, version, n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = version + i;
    const std::size_t length = k % 17 == 16 ? 1000 : static_cast<std::size_t>((k * 37) % 300);
    batch[i].details = {{"n", std::to_string(k % 5)},
                        {"note", std::string(length, static_cast<char>('a' + k % 26))}};
  }
  tierflow::seal(batch, head);
  return batch;
}

// Appends `n` varied events to `s`'s ticket with `s` (its version set to
// the new length); returns them.
std::vector<tierflow::event> save_varied(tierflow::memory_store& st, tierflow::ticket_summary& s, std::size_t n) {
  const auto h = st.head(s.ticket_id);
  REQUIRE(h);
  std::vector<tierflow::event> batch = varied(s.ticket_id, h->version, h->head, n);
  s.version = h->version + n;
  const auto r = st.append({.ticket_id = s.ticket_id, .expected_version = h->version, .events = batch, .summary = &s});
  REQUIRE(r);
  return batch;
}

}  // namespace

TEST_CASE("store.memory.blocks.long_trails_cross_many_blocks_and_read_back_exactly") {
  // Two tickets appended in turn, so that their blocks interleave in the
  // shard's pool when they share a shard; batches of one to three events.
  tierflow::memory_store st;
  tierflow::ticket_summary t1 = conformance::ticket("T1");
  tierflow::ticket_summary t2 = conformance::ticket("T2");
  std::vector<tierflow::event> all1;
  std::vector<tierflow::event> all2;
  for (std::size_t round = 0; round < 60; ++round) {
    for (const auto& e : save_varied(st, t1, 1 + round % 3)) all1.push_back(e);
    for (const auto& e : save_varied(st, t2, 1 + (round + 1) % 3)) all2.push_back(e);
  }
  REQUIRE(all1.size() == 120);
  REQUIRE(all2.size() == 120);
  // Over 120 events of 70 bytes on average: far more than one block each.
  conformance::check_stream(st, "T1", all1);
  conformance::check_stream(st, "T2", all2);

  // Closing fits a trail's last block to its records; T2 is reopened and
  // grows again from the fitted block, then closes again.
  t1.closed = true;
  t2.closed = true;
  for (const auto& e : save_varied(st, t1, 1)) all1.push_back(e);
  for (const auto& e : save_varied(st, t2, 2)) all2.push_back(e);
  conformance::check_stream(st, "T1", all1);
  conformance::check_stream(st, "T2", all2);
  t2.closed = false;
  for (int i = 0; i < 5; ++i)
    for (const auto& e : save_varied(st, t2, 2)) all2.push_back(e);
  conformance::check_stream(st, "T2", all2);
  t2.closed = true;
  for (const auto& e : save_varied(st, t2, 1)) all2.push_back(e);
  conformance::check_stream(st, "T2", all2);

  // Into a new vector…
  const auto released1 = st.release_trail("T1");
  REQUIRE(released1);
  CHECK(*released1 == all1);
  // …and into a vector that held a longer, different trail.
  std::vector<tierflow::event> room = varied("T9", 0, {}, 200);
  const auto released2 = st.release_trail("T2", room);
  REQUIRE(released2);
  REQUIRE(released2->size() == all2.size());
  CHECK(std::equal(released2->begin(), released2->end(), all2.begin()));
  CHECK(room.size() == 200);
  CHECK(room[all2.size()].ticket_id == "T9");
}

TEST_CASE("store.memory.blocks.released_blocks_serve_new_trails_without_mixing_them") {
  // Tickets opened, grown and released in waves, the next wave's trails in
  // the blocks the last one gave back, beside a ticket that stays open and
  // keeps growing: every trail reads back as it was appended.
  tierflow::memory_store st;
  tierflow::ticket_summary keeper = conformance::ticket("K1");
  std::vector<tierflow::event> kept;
  for (int wave = 0; wave < 4; ++wave) {
    std::vector<tierflow::ticket_summary> tickets;
    std::vector<std::vector<tierflow::event>> trails(12);
    for (int i = 0; i < 12; ++i) tickets.push_back(conformance::ticket("W" + std::to_string(wave) + "_" + std::to_string(i)));
    for (std::size_t step = 0; step < 10; ++step) {
      for (std::size_t i = 0; i < tickets.size(); ++i) {
        if (step == 9) tickets[i].closed = true;
        for (const auto& e : save_varied(st, tickets[i], 1 + (i + step) % 2)) trails[i].push_back(e);
      }
      for (const auto& e : save_varied(st, keeper, 1)) kept.push_back(e);
    }
    for (std::size_t i = 0; i < tickets.size(); ++i) conformance::check_stream(st, tickets[i].ticket_id, trails[i]);
    const std::size_t before = st.memory_bytes();
    std::vector<tierflow::event> room;
    for (std::size_t i = 0; i < tickets.size(); ++i) {
      const auto released = st.release_trail(tickets[i].ticket_id, room);
      REQUIRE(released);
      REQUIRE(released->size() == trails[i].size());
      CHECK(std::equal(released->begin(), released->end(), trails[i].begin()));
    }
    // Their blocks left the count: at least their hashes.
    CHECK(before - st.memory_bytes() >= 12 * 15 * sizeof(tierflow::event_hash));
    conformance::check_stream(st, "K1", kept);
  }
}

TEST_CASE("store.memory.blocks.a_refused_append_leaves_the_last_block_as_it_was") {
  tierflow::memory_store st;
  tierflow::ticket_summary t1 = conformance::ticket("T1");
  std::vector<tierflow::event> all;
  for (int i = 0; i < 7; ++i)
    for (const auto& e : save_varied(st, t1, 1)) all.push_back(e);
  const std::vector<std::string> watched = {"T1"};
  const observed before = observe(st, watched);
  const auto h = st.head("T1").value();

  // Three events whose strings the table holds or keeps as they are (notes
  // over 64 bytes), the last one's note not UTF-8: refused, nothing written
  // into the last block's free room, no byte counted.
  std::vector<tierflow::event> bad = conformance::draft("T1", h.version, 3);
  for (std::size_t i = 0; i < bad.size(); ++i) bad[i].details = {{"note", std::string(100 + 50 * i, 'q')}};
  bad[2].details[0].second += "\xff";
  tierflow::seal(bad, h.head);
  tierflow::ticket_summary next = t1;
  next.version = h.version + 3;
  next.state = "elsewhere";
  const auto text = st.append({.ticket_id = "T1", .expected_version = h.version, .events = bad, .summary = &next});
  REQUIRE_FALSE(text);
  CHECK(text.error().code() == tierflow::errc::invalid_argument);
  CHECK(observe(st, watched) == before);

  // A version conflict: refused before anything is encoded.
  std::vector<tierflow::event> stale = varied("T1", h.version - 1, all[all.size() - 2].hash, 2);
  next.version = h.version + 1;
  const auto conflict =
      st.append({.ticket_id = "T1", .expected_version = h.version - 1, .events = stale, .summary = &next});
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code() == tierflow::errc::conflict);
  CHECK(observe(st, watched) == before);

  // The next good append continues the trail where it stood.
  for (const auto& e : save_varied(st, t1, 3)) all.push_back(e);
  conformance::check_stream(st, "T1", all);
}

TEST_CASE("store.memory.blocks.a_trail_takes_the_blocks_it_said_and_gives_them_back") {
  // Records of every length from 33 to 700 bytes (the hash and a body of
  // 1 to 668), appended one by one: blocks_needed counts what append takes
  // from the pool, class by class; the head is the last record's hash
  // (split over two blocks for some); the blocks hold every byte, joined
  // in order, every one but the last full; released blocks are what the
  // next trail takes, the pool not growing.
  using tierflow::detail::block_pool;
  using tierflow::detail::block_trail;
  namespace blocks = tierflow::detail::trail_blocks;
  block_pool pool;
  block_trail trail;
  std::vector<unsigned char> records;
  std::vector<unsigned char> all;  // every record appended, in order
  std::vector<unsigned char> joined;
  std::size_t bytes = 0;
  std::size_t taken_total = 0;
  for (std::size_t body = 1; body <= 668; body += 7) {
    records.clear();
    for (std::size_t i = 0; i < body; ++i) records.push_back(static_cast<unsigned char>(i));
    for (std::size_t i = 0; i < block_trail::hash_bytes; ++i) records.push_back(static_cast<unsigned char>(body + i));
    bytes += records.size();
    all.insert(all.end(), records.begin(), records.end());
    const block_trail::block_counts need = trail.blocks_needed(records.size());
    pool.make_room(need);
    std::array<std::size_t, blocks::classes> spare{};
    for (unsigned c = 0; c < blocks::classes; ++c) spare[c] = pool.spare(c);
    const std::size_t blocks_before = trail.blocks();
    const unsigned class_before = trail.empty() ? blocks::classes : trail.last_class();
    trail.append(records, pool);
    // Each block the layout adds is chained; one more taken is the last
    // block moved to a larger class, which gives its old one back.
    std::size_t said = 0;
    for (unsigned c = 0; c < blocks::classes; ++c) said += need[c];
    REQUIRE(trail.blocks() >= blocks_before);
    const std::size_t chained = trail.blocks() - blocks_before;
    REQUIRE(said >= chained);
    const std::size_t moved = said - chained;
    CHECK(moved <= 1);
    for (unsigned c = 0; c < blocks::classes; ++c)
      CHECK(pool.spare(c) == spare[c] - need[c] + (moved == 1 && c == class_before ? 1 : 0));
    taken_total += said;
    tierflow::event_hash expected{};
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<unsigned char>(body + i);
    CHECK(trail.head() == expected);
    // Every byte is in the blocks, in order; every block but the last is
    // full, and the last holds the rest.
    trail.join_into(joined);
    CHECK(joined == all);
    const std::size_t full = (trail.blocks() - 1) * blocks::payload;
    CHECK(full < bytes);
    CHECK(bytes - full <= blocks::bytes_of(trail.last_class()) - blocks::link);
    CHECK(trail.heap_bytes() - (trail.blocks() - 1) * blocks::bytes_of(blocks::classes - 1) ==
          blocks::bytes_of(trail.last_class()));
    if (trail.blocks() == 1) CHECK(std::equal(all.begin(), all.end(), trail.single_run().begin(), trail.single_run().end()));
  }
  CHECK(taken_total >= trail.blocks());

  // A fitted append (the trail is to grow no more) leaves the last block
  // of a long trail in the smallest class that holds it; the next plain
  // append moves it back to the largest.
  REQUIRE(trail.blocks() > 1);
  records.assign(20, 1);
  records.insert(records.end(), block_trail::hash_bytes, 2);
  const auto fitted = trail.blocks_needed(records.size(), true);
  pool.make_room(fitted);
  trail.append(records, pool, true);
  const std::size_t last_bytes = trail.heap_bytes() - (trail.blocks() - 1) * blocks::bytes_of(blocks::classes - 1);
  CHECK(last_bytes == blocks::bytes_of(trail.last_class()));
  // Here the last block's records are far fewer than a large block holds.
  CHECK(trail.last_class() < blocks::classes - 1);
  CHECK(trail.head() == tierflow::event_hash{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
                                             2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2});
  pool.make_room(trail.blocks_needed(records.size()));
  trail.append(records, pool);
  CHECK(trail.last_class() == blocks::classes - 1);

  const std::size_t pool_bytes = pool.heap_bytes();
  std::array<std::size_t, blocks::classes> spare{};
  for (unsigned c = 0; c < blocks::classes; ++c) spare[c] = pool.spare(c);
  const std::size_t full = trail.blocks() - 1;
  const unsigned last_class = trail.last_class();
  trail.release(pool);
  CHECK(trail.empty());
  CHECK(trail.blocks() == 0);
  CHECK(trail.heap_bytes() == 0);
  CHECK(trail.head() == tierflow::event_hash{});
  for (unsigned c = 0; c < blocks::classes; ++c) {
    const std::size_t back = (c == blocks::classes - 1 ? full : 0) + (c == last_class ? 1 : 0);
    CHECK(pool.spare(c) == spare[c] + back);
  }
  // A new trail of as many full blocks takes them back: the pool does not
  // grow.
  block_trail again;
  records.assign((full + 1) * blocks::payload - block_trail::hash_bytes, 7);
  records.insert(records.end(), block_trail::hash_bytes, 9);
  const block_trail::block_counts need = again.blocks_needed(records.size());
  CHECK(need[blocks::classes - 1] == full + 1);
  pool.make_room(need);
  again.append(records, pool);
  CHECK(pool.heap_bytes() == pool_bytes);
  CHECK(again.blocks() == full + 1);
  again.release(pool);
}

TEST_CASE("store.memory.index.moved_deadlines_and_timers_keep_the_contract_order") {
  // 40 tickets whose deadlines and timers move by small steps (a ticket
  // that keeps its place) and large ones (one that passes others), some
  // losing or gaining one, some changing queue, closing and reopening;
  // after every tenth save queue(), due() and open_tickets() answer as a
  // sort of the tickets as saved does, by the contract's order.
  tierflow::memory_store st;
  std::vector<tierflow::ticket_summary> model;
  for (int i = 0; i < 40; ++i) {
    model.push_back(conformance::ticket("T" + std::to_string(100 + i)));
    model.back().nearest_due = at(10) + std::chrono::minutes{i % 7};
    model.back().next_timer = at(9) + std::chrono::minutes{(i * 3) % 11};
    conformance::save(st, model.back());
  }
  std::uint64_t seed = 12345;
  const auto draw = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33U) % n;
  };
  const auto expected_queue = [&model](std::string_view unit) {
    std::vector<const tierflow::ticket_summary*> in;
    for (const auto& t : model)
      if (!t.closed && t.unit == unit && t.region == "north") in.push_back(&t);
    std::sort(in.begin(), in.end(), [](const auto* a, const auto* b) {
      const auto x = a->nearest_due.value_or(tierflow::timestamp::max());
      const auto y = b->nearest_due.value_or(tierflow::timestamp::max());
      return x != y ? x < y : a->ticket_id < b->ticket_id;
    });
    std::string out;
    for (const auto* t : in) out += (out.empty() ? "" : ",") + t->ticket_id;
    return out;
  };
  for (int step = 0; step < 400; ++step) {
    tierflow::ticket_summary& t = model[draw(model.size())];
    const std::uint64_t what = draw(10);
    const auto nudge = std::chrono::seconds{static_cast<long>(draw(3)) - 1};  // -1, 0 or +1 s
    if (what < 4) {
      t.nearest_due = t.nearest_due.value_or(at(10)) + nudge;  // a small move
      t.next_timer = t.next_timer.value_or(at(9)) + nudge;
    } else if (what < 6) {
      t.nearest_due = at(10) + std::chrono::minutes{draw(7)};  // a large one
      t.next_timer = at(9) + std::chrono::minutes{draw(11)};
    } else if (what == 6) {
      t.nearest_due.reset();
      if (draw(2) == 0) t.next_timer.reset();
    } else if (what == 7) {
      t.unit = t.unit == "service_centre" ? "back_office" : "service_centre";
    } else {
      t.closed = !t.closed;
    }
    conformance::save(st, t);
    if (step % 10 != 9) continue;
    CHECK(conformance::ids(st.queue("service_centre", "north")) == expected_queue("service_centre"));
    CHECK(conformance::ids(st.queue("back_office", "north")) == expected_queue("back_office"));
    std::vector<const tierflow::ticket_summary*> timed;
    for (const auto& x : model)
      if (x.next_timer) timed.push_back(&x);
    std::sort(timed.begin(), timed.end(), [](const auto* a, const auto* b) {
      return *a->next_timer != *b->next_timer ? *a->next_timer < *b->next_timer : a->ticket_id < b->ticket_id;
    });
    const tierflow::timestamp now = at(9) + std::chrono::minutes{5};
    std::string due;
    for (const auto* x : timed)
      if (*x->next_timer <= now) due += (due.empty() ? "" : ",") + x->ticket_id;
    CHECK(conformance::ids(st.due(now, 1000)) == due);
    std::vector<std::string> open;
    for (const auto& x : model)
      if (!x.closed) open.push_back(x.ticket_id);
    std::sort(open.begin(), open.end());
    std::string open_ids;
    for (const auto& id : open) open_ids += (open_ids.empty() ? "" : ",") + id;
    CHECK(conformance::ids(st.open_tickets()) == open_ids);
  }
}

// same_text, the store's inline equality, against operator== for every
// length up to past its word loads, with a difference at each position
// (and none).
TEST_CASE("store.memory.same_text.agrees_with_operator_equal") {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'x');
    for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + (i * 7) % 26);
    const std::string same = a;
    CAPTURE(n);
    CHECK(tierflow::detail::same_text(a, same));
    for (std::size_t i = 0; i < n; ++i) {
      std::string b = a;
      b[i] = static_cast<char>(b[i] ^ 0x20);
      CAPTURE(i);
      CHECK_FALSE(tierflow::detail::same_text(a, b));
    }
    CHECK_FALSE(tierflow::detail::same_text(a, a + "y"));
    CHECK(tierflow::detail::same_text(std::string_view(a).substr(0, n / 2), std::string_view(same).substr(0, n / 2)));
  }
}

// A trail decoded into events that held another ticket's trail, whose
// texts have the same lengths and differ in content (ticket id, actor,
// workflow, keys and values, short, interned and long): every text is the
// new trail's.
TEST_CASE("store.memory.trail.decode_into_events_holding_texts_of_the_same_lengths") {
  namespace trail = tierflow::detail::compact_trail;
  const auto make = [](std::string_view ticket, char c) {
    std::vector<tierflow::event> events(3);
    for (std::size_t i = 0; i < events.size(); ++i) {
      tierflow::event& e = events[i];
      e.ticket_id = std::string(ticket);
      e.sequence = i + 1;
      e.time = tierflow::timestamp{std::chrono::seconds{1000 + 60 * static_cast<std::int64_t>(i)}};
      e.actor_id = std::string("csr_0") + c;
      e.workflow_id = std::string(9, c);
      e.type = tierflow::event_type::noted;
      // Values of 1 to 3, 4 to 7, 8 to 16 and 17 to 100 bytes.
      e.details = {{std::string("k") + c, std::string(1 + i, c)},
                   {"mid", std::string(5 + i, c)},
                   {"word", std::string(9 + 3 * i, c)},
                   {"long", std::string(17 + 40 * i, c)}};
    }
    std::vector<tierflow::event> sealed = events;
    tierflow::seal(sealed, {});
    return sealed;
  };
  tierflow::detail::intern_table names;
  trail::hints guesses;
  const auto stored = [&](const std::vector<tierflow::event>& events) {
    std::vector<unsigned char> out;
    tierflow::timestamp previous{};
    for (const auto& e : events) {
      REQUIRE(trail::encode(e, previous, names, guesses, out));
      previous = e.time;
    }
    return out;
  };
  const std::vector<tierflow::event> first = make("T1", 'a');
  const std::vector<tierflow::event> second = make("T2", 'b');
  const std::vector<unsigned char> bytes1 = stored(first);
  const std::vector<unsigned char> bytes2 = stored(second);
  tierflow::detail::block_pool pool;
  tierflow::detail::block_trail blocks1;
  tierflow::detail::block_trail blocks2;
  pool.make_room(blocks1.blocks_needed(bytes1.size()));
  blocks1.append(bytes1, pool);
  pool.make_room(blocks2.blocks_needed(bytes2.size()));
  blocks2.append(bytes2, pool);
  std::vector<tierflow::event> room;
  trail::decode_into(blocks1, "T1", names, first.size(), room);
  CHECK(room == first);
  trail::decode_into(blocks2, "T2", names, second.size(), room);
  CHECK(room == second);
  trail::decode_into(blocks1, "T1", names, first.size(), room);
  CHECK(room == first);
}

// A summary repacked from the first text that changed on (the block
// reused) reads back as one packed whole: each text in turn changed,
// shorter, longer, emptied, and several at once.
TEST_CASE("store.memory.summary.repacked_from_the_first_changed_text_reads_back_whole") {
  using tierflow::detail::packed_summary;
  tierflow::ticket_summary s = conformance::ticket("T000042");
  s.customer_id = "C0042";
  s.ticket_type = "complaint";
  s.workflow_id = "complaint";
  s.state = "investigating";
  s.unit = "service_centre";
  s.region = "north";
  s.owner = "em_01";
  s.assignee = "csr_07";
  std::string tierflow::ticket_summary::*const texts[] = {
      &tierflow::ticket_summary::customer_id, &tierflow::ticket_summary::ticket_type,
      &tierflow::ticket_summary::workflow_id, &tierflow::ticket_summary::state,
      &tierflow::ticket_summary::unit,        &tierflow::ticket_summary::region,
      &tierflow::ticket_summary::owner,       &tierflow::ticket_summary::assignee};
  // Room for every variant below, so that assign reuses the block.
  tierflow::ticket_summary roomy = s;
  roomy.owner = std::string(200, 'o');
  packed_summary p(roomy);
  REQUIRE(p.fits(s));
  p.assign(s);
  REQUIRE(p.unpack() == s);
  CHECK(p.changed_texts(s) == 0);
  for (std::size_t i = 0; i < std::size(texts); ++i) {
    for (const std::string& text : {std::string(), std::string("x"), s.*texts[i] + "-longer", std::string("\xc3\xa9t\xc3\xa9")}) {
      tierflow::ticket_summary next = s;
      next.*texts[i] = text;
      next.version = s.version + 1;
      CAPTURE(i);
      CAPTURE(text);
      const std::uint32_t changed = p.changed_texts(next);
      CHECK(changed == (text == s.*texts[i] ? 0U : std::uint32_t{2} << i));
      REQUIRE(p.fits(next));
      packed_summary q(roomy);
      q.assign(s);
      q.assign(next, changed);
      CHECK(q.unpack() == next);
      CHECK(q.changed_texts(next) == 0);
    }
  }
  // Several at once, then back: each assign from the summary before.
  tierflow::ticket_summary next = s;
  next.state = "handler_replied";
  next.assignee = "";
  next.unit = "back_office";
  next.version = 9;
  const std::uint32_t changed = p.changed_texts(next);
  CHECK(changed == ((1U << 4) | (1U << 5) | (1U << 8)));
  p.assign(next, changed);
  CHECK(p.unpack() == next);
  p.assign(s, p.changed_texts(s));
  CHECK(p.unpack() == s);
  // texts_storable checks only the texts named.
  tierflow::ticket_summary bad = s;
  bad.owner = "em\xff";
  CHECK(packed_summary::texts_storable(bad, p.changed_texts(bad)) == false);
  CHECK(packed_summary::texts_storable(bad, packed_summary::all_texts & ~(1U << 7)));
  CHECK_FALSE(packed_summary::texts_storable(bad, packed_summary::all_texts));
}

// The memory store checks a held ticket's summary texts only where they
// differ from the summary it holds: a text that differs from a held one by
// a byte is refused with every store's message, whatever else is wrong with
// the request, and a later summary that changes other texts (or none) is
// taken and read back whole.
TEST_CASE("store.memory.text.summary_texts_near_held_ones_are_refused_with_every_stores_message") {
  using tierflow::event;
  tierflow::memory_store st;
  tierflow::ticket_summary s = conformance::ticket("T1");
  s.version = 1;
  s.owner = "em_01";
  std::vector<event> first = conformance::draft("T1", 0, 1);
  tierflow::seal(first, {});
  REQUIRE(st.append({.ticket_id = "T1", .expected_version = 0, .events = first, .summary = &s}));
  const std::vector<event> before = st.load("T1").value();
  std::vector<event> e = conformance::draft("T1", 1, 1);
  tierflow::seal(e, before.back().hash);

  const auto refused = [&](const tierflow::append_request& request) {
    const auto r = st.append(request);
    CHECK(conformance::outcome(r) == "invalid_argument");
    const auto full = tierflow::detail::check_append_text(request);
    REQUIRE_FALSE(full);
    if (!r) CHECK(r.error().message() == full.error().message());
    conformance::check_stream(st, "T1", before);
    CHECK(st.summary("T1").value() == s);
  };
  std::string tierflow::ticket_summary::*const texts[] = {
      &tierflow::ticket_summary::ticket_id, &tierflow::ticket_summary::customer_id,
      &tierflow::ticket_summary::ticket_type, &tierflow::ticket_summary::workflow_id,
      &tierflow::ticket_summary::state, &tierflow::ticket_summary::unit,
      &tierflow::ticket_summary::region, &tierflow::ticket_summary::owner,
      &tierflow::ticket_summary::assignee};
  for (std::string tierflow::ticket_summary::*field : texts) {
    // The held text and one bad byte more; its last byte turned into NUL.
    for (const std::string& bad : {s.*field + "\xe2", (s.*field).substr(0, (s.*field).size() - 1) + '\0'}) {
      tierflow::ticket_summary forged = s;
      forged.version = 2;
      forged.*field = bad;
      CAPTURE(bad);
      refused({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &forged});
      // With a stale version too: the text is named.
      refused({.ticket_id = "T1", .expected_version = 0, .events = e, .summary = &forged});
      // Only the changed text is bad: another change alongside is good.
      forged.state = field == &tierflow::ticket_summary::state ? bad : "resolved";
      refused({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &forged});
    }
  }
  // A summary whose texts are all as held, then one changing the last text
  // only, then the first after the id: taken, read back as given.
  tierflow::ticket_summary next = s;
  next.version = 2;
  REQUIRE(st.append({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &next}));
  CHECK(st.summary("T1").value() == next);
  std::vector<event> head = before;
  head.insert(head.end(), e.begin(), e.end());
  for (std::string tierflow::ticket_summary::*field :
       {&tierflow::ticket_summary::assignee, &tierflow::ticket_summary::customer_id}) {
    std::vector<event> more = conformance::draft("T1", head.size(), 1);
    tierflow::seal(more, head.back().hash);
    next.version = head.size() + 1;
    next.*field = next.*field + "-changed";
    REQUIRE(st.append({.ticket_id = "T1", .expected_version = head.size(), .events = more, .summary = &next}));
    head.insert(head.end(), more.begin(), more.end());
    CHECK(st.summary("T1").value() == next);
    CHECK(st.customer_tickets(next.customer_id).value() == std::vector<tierflow::ticket_summary>{next});
  }
  CHECK(st.customer_tickets(s.customer_id).value().empty());
  conformance::check_stream(st, "T1", head);
}
