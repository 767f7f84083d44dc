// SPDX-License-Identifier: MIT
// The in-memory store: the shared store conformance suite, its memory
// accounting, release_trail, append_request::movable and the customer index;
// the store's shared pieces that need no database: the text check every
// append makes, and the summary seal the database stores write.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/store.hpp>

#include "store/append_checks.hpp"
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

  // The events' bytes leave the store: at least their objects, and never
  // more than T1 ever added (its summary and index entries stay).
  const std::size_t after = st.memory_bytes();
  REQUIRE(after < with_t1);
  CHECK(with_t1 - after >= stored.size() * sizeof(tierflow::event));
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

TEST_CASE("store.memory.movable.moves_the_events_it_is_given_and_keeps_them_when_refused") {
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

TEST_CASE("store.text.storable_text_is_utf8_without_nul_bytes") {
  using tierflow::detail::is_storable_text;
  // Every well-formed boundary of RFC 3629 is taken...
  for (const std::string& good : {std::string(), std::string("plain ascii, long enough to take the 8-byte path"),
                                 std::string("\x7f"), std::string("\xc2\x80"), std::string("\xdf\xbf"),
                                 std::string("\xe0\xa0\x80"), std::string("\xed\x9f\xbf"),
                                 std::string("\xee\x80\x80"), std::string("\xef\xbf\xbf"),
                                 std::string("\xf0\x90\x80\x80"), std::string("\xf4\x8f\xbf\xbf"),
                                 std::string("12345678\xe5\xae\xa2\xe6\x88\xb7" "12345678")}) {
    CAPTURE(good);
    CHECK(is_storable_text(good));
  }
  // ...and everything just past them refused, wherever it stands in an
  // 8-byte block.
  for (const std::string& bad :
       {std::string(1, '\0'), std::string("\x80"), std::string("\xc1\xbf"), std::string("\xc2"),
        std::string("\xc2\x7f"), std::string("\xe0\x9f\xbf"), std::string("\xed\xa0\x80"),
        std::string("\xed\xbf\xbf"), std::string("\xf0\x8f\xbf\xbf"), std::string("\xf4\x90\x80\x80"),
        std::string("\xf5\x80\x80\x80"), std::string("\xfe"), std::string("\xff")}) {
    for (std::size_t at = 0; at < 17; ++at) {
      const std::string text = std::string(at, 'a') + bad + std::string(9, 'b');
      CAPTURE(at);
      CAPTURE(text);
      CHECK_FALSE(is_storable_text(text));
    }
  }
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
