// SPDX-License-Identifier: MIT
// The conformance suite of tierflow::store: the contract of store.hpp as
// tests, for every backend (memory, SQLite, PostgreSQL). A backend's test file
// includes this header and calls run_store_conformance from one TEST_CASE with
// a factory for fresh, empty stores; each SUBCASE gets a store of its own.
#pragma once

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

namespace tierflow_test::store_conformance {

using tierflow::event;
using tierflow::event_hash;
using tierflow::ticket_summary;
using tierflow::timestamp;

/// 2026-11-24 at hour:minute UTC.
constexpr timestamp at(int hour, int minute = 0) {
  return timestamp{std::chrono::sys_days{std::chrono::year{2026} / 11 / 24}} +
         std::chrono::hours{hour} + std::chrono::minutes{minute};
}

/// "ok", or the name of the error's code: readable when a CHECK fails.
template <class T>
std::string outcome(const tierflow::result<T>& r) {
  return r ? std::string("ok") : std::string(to_string(r.error().code()));
}

/// `n` unsealed events of `ticket` that continue a stream of `version` events.
inline std::vector<event> draft(std::string_view id, std::uint64_t version, std::size_t n,
                                std::string_view actor = "csr_01") {
  std::vector<event> batch(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = version + i;
    event& e = batch[i];
    e.ticket_id = std::string(id);
    e.sequence = k + 1;
    e.time = at(9) + std::chrono::minutes{static_cast<std::chrono::minutes::rep>(k)};
    e.actor_id = std::string(actor);
    e.workflow_id = "complaint";
    e.workflow_version = 3;
    e.type = tierflow::all_event_types[k % tierflow::all_event_types.size()];
    e.details = {{"n", std::to_string(k)}, {"reason", "step " + std::to_string(k)}};
  }
  return batch;
}

/// As draft, sealed onto a stream whose last hash is `head`.
inline std::vector<event> sealed(std::string_view id, std::uint64_t version, const event_hash& head,
                                 std::size_t n, std::string_view actor = "csr_01") {
  std::vector<event> batch = draft(id, version, n, actor);
  tierflow::seal(batch, head);
  return batch;
}

/// Appends `n` new events to `ticket` on its current head, with `summary`
/// (null: not a ticket). Returns what append returned.
inline tierflow::result<void> append_next(tierflow::store& st, std::string_view id, std::size_t n,
                                          const ticket_summary* summary = nullptr) {
  const auto h = st.head(id);
  REQUIRE(h);
  const std::vector<event> batch = sealed(id, h->version, h->head, n);
  return st.append(
      {.ticket_id = id, .expected_version = h->version, .events = batch, .summary = summary});
}

/// An open ticket of customer C1 in the service centre's north queue.
inline ticket_summary ticket(std::string id) {
  ticket_summary s;
  s.ticket_id = std::move(id);
  s.customer_id = "C1";
  s.ticket_type = "complaint";
  s.workflow_id = "complaint";
  s.workflow_version = 3;
  s.state = "new";
  s.unit = "service_centre";
  s.region = "north";
  s.owner = "csr_01";
  s.opened_at = at(8);
  return s;
}

/// Appends one event to the summary's ticket with the summary, whose
/// version it first sets to the stream's new length.
inline void save(tierflow::store& st, ticket_summary& s) {
  const auto h = st.head(s.ticket_id);
  REQUIRE(h);
  s.version = h->version + 1;
  const auto r = append_next(st, s.ticket_id, 1, &s);
  INFO("saving ", s.ticket_id, ": ", r ? std::string() : r.error().message());
  REQUIRE(r);
}

/// The ticket ids of a query's answer, comma-separated.
inline std::string ids(const tierflow::result<std::vector<ticket_summary>>& r) {
  REQUIRE(r);
  std::string out;
  for (const ticket_summary& s : *r) out += (out.empty() ? "" : ",") + s.ticket_id;
  return out;
}

inline std::string ids(const tierflow::result<std::vector<tierflow::due_ticket>>& r) {
  REQUIRE(r);
  std::string out;
  for (const tierflow::due_ticket& d : *r) out += (out.empty() ? "" : ",") + d.ticket_id;
  return out;
}

/// The stream of `ticket` is exactly `events`, with `events`' last hash as head.
inline void check_stream(const tierflow::store& st, std::string_view id,
                         const std::vector<event>& events) {
  const auto loaded = st.load(id);
  REQUIRE(loaded);
  CHECK(loaded->size() == events.size());
  CHECK(*loaded == events);
  const auto h = st.head(id);
  REQUIRE(h);
  CHECK(h->version == events.size());
  CHECK(h->head == (events.empty() ? event_hash{} : events.back().hash));
}

/// Runs the whole suite on stores made by `make`, which must return a new,
/// empty store on every call.
inline void run_store_conformance(const std::function<std::unique_ptr<tierflow::store>()>& make) {
  using tierflow::errc;
  const std::unique_ptr<tierflow::store> owned = make();
  REQUIRE(owned != nullptr);
  tierflow::store& st = *owned;
  const event_hash zero{};

  SUBCASE("append_then_load_returns_the_events_byte_for_byte") {
    std::vector<event> first = draft("T1", 0, 3);
    // Text of every kind a store must keep as given: empty, multi-byte
    // UTF-8 up to U+10FFFF, control characters, long, duplicate keys.
    first[0].details = {{"channel", "95598"},
                        {"", ""},
                        {"\xe5\xae\xa2\xe6\x88\xb7", "\xe8\x8b\x8f\xe5\xb7\x9e \xf0\x9f\x94\x8c \xf4\x8f\xbf\xbf"},
                        {"controls", "\x1b[31m\t\r\n\x7f"},
                        {"long", std::string(300, 'x')},
                        {"dup", "1"},
                        {"dup", "2"}};
    first[1].time =
        timestamp{std::chrono::sys_days{std::chrono::year{1969} / 7 / 20}} + std::chrono::hours{20};
    first[1].details.clear();
    first[1].actor_id = "";
    first[2].workflow_version = std::numeric_limits<std::uint32_t>::max();
    first[2].type = tierflow::event_type::reopened;
    tierflow::seal(first, zero);
    REQUIRE(st.append({.ticket_id = "T1", .expected_version = 0, .events = first}));
    check_stream(st, "T1", first);

    const std::vector<event> second = sealed("T1", 3, first.back().hash, 2);
    REQUIRE(st.append({.ticket_id = "T1", .expected_version = 3, .events = second}));
    std::vector<event> all = first;
    all.insert(all.end(), second.begin(), second.end());
    check_stream(st, "T1", all);

    const auto loaded = st.load("T1");
    REQUIRE(loaded);
    for (std::size_t i = 0; i < all.size(); ++i) {
      CAPTURE(i);
      CHECK((*loaded)[i] == all[i]);
    }
    CHECK(tierflow::verify(*loaded));
    const auto h = st.head("T1");
    REQUIRE(h);
    CHECK(h->version == 5);
    CHECK(tierflow::verify(*loaded, h->head));
  }

  SUBCASE("unknown_streams_are_empty") {
    REQUIRE(append_next(st, "T1", 2));
    for (const std::string_view unknown : {"T2", "T", "T10", "t1", ""}) {
      CAPTURE(unknown);
      const auto loaded = st.load(unknown);
      REQUIRE(loaded);
      CHECK(loaded->empty());
      const auto h = st.head(unknown);
      REQUIRE(h);
      CHECK(h->version == 0);
      CHECK(h->head == zero);
    }
    const auto loaded = st.load("T1");
    REQUIRE(loaded);
    CHECK(loaded->size() == 2);
  }

  SUBCASE("a_version_mismatch_is_a_conflict_and_changes_nothing") {
    ticket_summary s = ticket("T1");
    save(st, s);
    save(st, s);
    const std::vector<event> before = st.load("T1").value();
    REQUIRE(before.size() == 2);

    ticket_summary later = s;
    later.state = "later";
    later.version = 2;  // what the stale writer believes comes next
    // A writer that built on version 1, one from the future, one that
    // thought the ticket new.
    const std::vector<event> stale = sealed("T1", 1, before[0].hash, 1);
    CHECK(outcome(st.append(
              {.ticket_id = "T1", .expected_version = 1, .events = stale, .summary = &later})) ==
          "conflict");
    const std::vector<event> ahead = sealed("T1", 3, before[1].hash, 1);
    CHECK(outcome(st.append({.ticket_id = "T1", .expected_version = 3, .events = ahead})) ==
          "conflict");
    const std::vector<event> fresh = sealed("T1", 0, zero, 1);
    CHECK(outcome(st.append({.ticket_id = "T1", .expected_version = 0, .events = fresh})) ==
          "conflict");
    check_stream(st, "T1", before);
    CHECK(st.summary("T1").value() == s);

    // A stream that does not exist has version 0.
    const std::vector<event> unknown = sealed("T2", 1, zero, 1);
    CHECK(outcome(st.append({.ticket_id = "T2", .expected_version = 1, .events = unknown})) ==
          "conflict");
    check_stream(st, "T2", {});

    // The writer that reloads succeeds.
    save(st, s);
    CHECK(st.head("T1").value().version == 3);
  }

  SUBCASE("malformed_appends_are_invalid_argument_and_store_nothing") {
    ticket_summary s = ticket("T1");
    save(st, s);
    save(st, s);
    const std::vector<event> before = st.load("T1").value();
    REQUIRE(before.size() == 2);
    const event_hash head = before.back().hash;
    ticket_summary changed = s;
    changed.state = "changed";
    changed.unit = "elsewhere";
    changed.version = 3;

    const auto rejected = [&](std::string_view ticket_id, std::uint64_t expected,
                              const std::vector<event>& events, const ticket_summary* summary) {
      const auto r = st.append({.ticket_id = ticket_id,
                                .expected_version = expected,
                                .events = events,
                                .summary = summary});
      CHECK(outcome(r) == "invalid_argument");
      if (!r) CHECK_FALSE(r.error().message().empty());
      check_stream(st, "T1", before);
      CHECK(st.summary("T1").value() == s);
    };

    {
      INFO("a gap in the sequence");
      std::vector<event> e = draft("T1", 3, 1);
      tierflow::seal(e, head);
      rejected("T1", 2, e, &changed);
    }
    {
      INFO("a sequence number already used");
      std::vector<event> e = draft("T1", 1, 1);
      tierflow::seal(e, head);
      rejected("T1", 2, e, &changed);
    }
    {
      INFO("sealed onto an empty chain instead of the head");
      rejected("T1", 2, sealed("T1", 2, zero, 1), &changed);
    }
    {
      INFO("sealed onto the first event instead of the head");
      rejected("T1", 2, sealed("T1", 2, before[0].hash, 1), &changed);
    }
    {
      INFO("an event of another ticket");
      rejected("T1", 2, sealed("T2", 2, head, 1), &changed);
    }
    {
      INFO("no events");
      rejected("T1", 2, {}, &changed);
    }
    {
      INFO("the summary of another ticket");
      ticket_summary other = changed;
      other.ticket_id = "T2";
      rejected("T1", 2, sealed("T1", 2, head, 1), &other);
      CHECK(outcome(st.summary("T2")) == "not_found");
    }
    {
      INFO("an empty ticket id");
      rejected("", 0, sealed("", 0, zero, 1), nullptr);
      check_stream(st, "", {});
    }
    {
      INFO("a new ticket whose first event does not start the chain");
      ticket_summary t3 = ticket("T3");
      t3.version = 1;
      rejected("T3", 0, sealed("T3", 0, head, 1), &t3);
      check_stream(st, "T3", {});
      CHECK(outcome(st.summary("T3")) == "not_found");
    }
    {
      INFO("a summary whose version is not the stream's new length");
      ticket_summary behind = changed;
      behind.version = 2;
      rejected("T1", 2, sealed("T1", 2, head, 1), &behind);
      ticket_summary ahead = changed;
      ahead.version = 4;
      rejected("T1", 2, sealed("T1", 2, head, 1), &ahead);
    }
    {
      INFO("a ticket's stream without its summary");
      rejected("T1", 2, sealed("T1", 2, head, 1), nullptr);
    }
    CHECK(ids(st.queue("service_centre", "north")) == "T1");
    CHECK(ids(st.open_tickets()) == "T1");
    // The store still takes a well-formed append.
    REQUIRE(append_next(st, "T1", 1, &changed));
    CHECK(st.head("T1").value().version == 3);
    CHECK(st.summary("T1").value() == changed);
  }

  SUBCASE("nul_bytes_and_invalid_utf8_are_refused_everywhere_with_one_message") {
    ticket_summary s = ticket("T1");
    save(st, s);
    const std::vector<event> before = st.load("T1").value();
    const event_hash head = before.back().hash;
    ticket_summary next = s;
    next.version = 2;
    next.state = "next";

    // Each is refused wherever it stands; the last two are the limits of
    // what is allowed (U+10FFFF, U+E000) with one byte more or changed.
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"a NUL byte", std::string("csr\0x", 5)},
        {"a lone NUL", std::string(1, '\0')},
        {"a NUL in a long ASCII run", std::string(17, 'a') + std::string(1, '\0') + std::string(9, 'b')},
        {"a byte that starts nothing", "csr\xff"},
        {"a continuation byte alone", "\x80" "abc"},
        {"an overlong slash", "\xc0\xaf"},
        {"an overlong three-byte form", "\xe0\x80\xaf"},
        {"a UTF-16 surrogate", "\xed\xa0\x80"},
        {"a sequence cut short", "ok \xe2\x82"},
        {"a sequence cut short at the end of an ASCII run", "abcdefgh\xf0\x9f\x94"},
        {"past U+10FFFF", "\xf4\x90\x80\x80"},
        {"a five-byte form", "\xf8\x88\x80\x80\x80"},
    };
    const auto refused = [&](const tierflow::append_request& request, std::string_view message) {
      const auto r = st.append(request);
      CHECK(outcome(r) == "invalid_argument");
      if (!r) CHECK(r.error().message() == message);
      check_stream(st, "T1", before);
      CHECK(st.summary("T1").value() == s);
    };
    for (const auto& bad_case : bad) {
      // Not a structured binding: CAPTURE's lambda cannot capture one
      // before C++20's P1091 lands in clang (clang 14 refuses it).
      const auto& what = bad_case.first;
      const auto& text = bad_case.second;
      CAPTURE(what);
      {
        std::vector<event> e = draft("T1", 1, 1, text);
        tierflow::seal(e, head);
        refused({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &next},
                "ticket T1: event 2: the actor id is not valid UTF-8 text (or holds a NUL byte)");
      }
      {
        std::vector<event> e = draft("T1", 1, 1);
        e[0].workflow_id = text;
        tierflow::seal(e, head);
        refused({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &next},
                "ticket T1: event 2: the workflow id is not valid UTF-8 text (or holds a NUL byte)");
      }
      {
        std::vector<event> e = draft("T1", 1, 1);
        e[0].details.emplace_back("note", text);
        tierflow::seal(e, head);
        refused({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &next},
                "ticket T1: event 2: detail 'note' is not valid UTF-8 text (or holds a NUL byte)");
      }
      {
        std::vector<event> e = draft("T1", 1, 1);
        e[0].details.emplace_back(text, "value");
        tierflow::seal(e, head);
        refused({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &next},
                "ticket T1: event 2: the key of detail 3 is not valid UTF-8 text (or holds a NUL byte)");
      }
      for (std::string ticket_summary::*field :
           {&ticket_summary::customer_id, &ticket_summary::ticket_type, &ticket_summary::workflow_id,
            &ticket_summary::state, &ticket_summary::unit, &ticket_summary::region, &ticket_summary::owner,
            &ticket_summary::assignee}) {
        ticket_summary forged = next;
        forged.*field = text;
        const std::vector<event> e = sealed("T1", 1, head, 1);
        const auto r = st.append({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &forged});
        CHECK(outcome(r) == "invalid_argument");
        if (!r) {
          CHECK(r.error().message().starts_with("ticket T1: summary: the "));
          CHECK(r.error().message().ends_with(" is not valid UTF-8 text (or holds a NUL byte)"));
        }
        check_stream(st, "T1", before);
      }
      {
        const std::string id = "T" + text;
        const std::vector<event> e = sealed(id, 0, zero, 1);
        const auto r = st.append({.ticket_id = id, .expected_version = 0, .events = e});
        CHECK(outcome(r) == "invalid_argument");
        if (!r) CHECK(r.error().message() == "append: the ticket id is not valid UTF-8 text (or holds a NUL byte)");
        check_stream(st, id, {});
      }
    }
    CHECK(*st.streams() == std::vector<std::string>{"T1"});
    CHECK(st.summary("T1").value() == s);
    // The same text, well-formed, is taken.
    std::vector<event> e = draft("T1", 1, 1, "\xe5\xb7\xa5\xe5\x8f\xb7 007");
    e[0].details.emplace_back("\xef\xbf\xbd", "\xee\x80\x80 \xf4\x8f\xbf\xbf");
    tierflow::seal(e, head);
    next.owner = "\xe5\xbc\xa0\xe4\xb8\x89";
    REQUIRE(st.append({.ticket_id = "T1", .expected_version = 1, .events = e, .summary = &next}));
    CHECK(st.summary("T1").value() == next);
    CHECK(st.load("T1").value().back() == e[0]);
  }

  SUBCASE("a_batch_is_stored_whole_or_not_at_all") {
    ticket_summary s = ticket("T1");
    save(st, s);
    const std::vector<event> before = st.load("T1").value();
    const event_hash head = before.back().hash;
    ticket_summary changed = s;
    changed.state = "changed";
    changed.version = 4;

    const auto rejected = [&](const std::vector<event>& batch) {
      CHECK(
          outcome(st.append(
              {.ticket_id = "T1", .expected_version = 1, .events = batch, .summary = &changed})) ==
          "invalid_argument");
      check_stream(st, "T1", before);
      CHECK(st.summary("T1").value() == s);
    };

    {
      INFO("third event skips a sequence number");
      std::vector<event> batch = draft("T1", 1, 3);
      batch[2].sequence = 5;
      tierflow::seal(batch, head);
      rejected(batch);
    }
    {
      INFO("third event links to the first instead of the second");
      std::vector<event> batch = sealed("T1", 1, head, 3);
      batch[2].prev_hash = batch[0].hash;
      batch[2].hash = tierflow::hash_event(batch[0].hash, batch[2]);
      rejected(batch);
    }
    {
      INFO("third event belongs to another ticket");
      std::vector<event> batch = draft("T1", 1, 3);
      batch[2].ticket_id = "T2";
      tierflow::seal(batch, head);
      rejected(batch);
      check_stream(st, "T2", {});
    }

    const std::vector<event> good = sealed("T1", 1, head, 3);
    REQUIRE(
        st.append({.ticket_id = "T1", .expected_version = 1, .events = good, .summary = &changed}));
    std::vector<event> all = before;
    all.insert(all.end(), good.begin(), good.end());
    check_stream(st, "T1", all);
    CHECK(st.summary("T1").value() == changed);
  }

  SUBCASE("summaries_replace_each_other_and_order_the_queue") {
    ticket_summary t1 = ticket("T1");
    ticket_summary t2 = ticket("T2");
    ticket_summary t3 = ticket("T3");
    ticket_summary t4 = ticket("T4");
    ticket_summary t5 = ticket("T5");
    t1.nearest_due = at(11);
    t3.nearest_due = at(10);
    t5.nearest_due = at(10);
    // Saved out of order, so that insertion order cannot pass for sorting.
    for (ticket_summary* s : {&t4, &t5, &t2, &t1, &t3}) save(st, *s);
    CHECK(ids(st.queue("service_centre", "north")) == "T3,T5,T1,T2,T4");
    CHECK(st.summary("T1").value() == t1);

    t1.nearest_due = at(9);
    t1.state = "in_progress";
    t1.assignee = "agent_07";
    save(st, t1);
    CHECK(st.summary("T1").value() == t1);
    CHECK(st.summary("T1").value().version == 2);
    CHECK(ids(st.queue("service_centre", "north")) == "T1,T3,T5,T2,T4");
    const auto queued = st.queue("service_centre", "north");
    REQUIRE(queued);
    REQUIRE(queued->size() == 5);
    CHECK(queued->front() == t1);

    t4.nearest_due = at(10);  // ties with T3 and T5: by ticket id
    save(st, t4);
    CHECK(ids(st.queue("service_centre", "north")) == "T1,T3,T4,T5,T2");

    t3.closed = true;
    t3.closed_at = at(12);
    t3.state = "closed";
    save(st, t3);
    CHECK(ids(st.queue("service_centre", "north")) == "T1,T4,T5,T2");
    CHECK(st.summary("T3").value().closed);

    t5.unit = "regional_manager";
    save(st, t5);
    CHECK(ids(st.queue("service_centre", "north")) == "T1,T4,T2");
    CHECK(ids(st.queue("regional_manager", "north")) == "T5");

    t1.nearest_due.reset();
    save(st, t1);
    CHECK(ids(st.queue("service_centre", "north")) == "T4,T1,T2");

    t3.closed = false;
    t3.closed_at.reset();
    t3.state = "reopened";
    save(st, t3);
    CHECK(ids(st.queue("service_centre", "north")) == "T3,T4,T1,T2");
    CHECK(st.summary("T3").value() == t3);
  }

  SUBCASE("queues_are_per_unit_and_region") {
    ticket_summary t1 = ticket("T1");
    ticket_summary t2 = ticket("T2");
    ticket_summary t3 = ticket("T3");
    ticket_summary t4 = ticket("T4");
    ticket_summary t5 = ticket("T5");
    ticket_summary t6 = ticket("T6");
    ticket_summary t7 = ticket("T7");
    t2.region = "south";
    t3.region = "";  // a unit that is not region-split
    t5.unit = "field";
    // Unit and region are two keys, not one string.
    t6.unit = "a";
    t6.region = "bc";
    t7.unit = "ab";
    t7.region = "c";
    for (ticket_summary* s : {&t1, &t2, &t3, &t4, &t5, &t6, &t7}) save(st, *s);
    CHECK(ids(st.queue("service_centre", "north")) == "T1,T4");
    CHECK(ids(st.queue("service_centre", "south")) == "T2");
    CHECK(ids(st.queue("service_centre", "")) == "T3");
    CHECK(ids(st.queue("field", "north")) == "T5");
    CHECK(ids(st.queue("field", "south")).empty());
    CHECK(ids(st.queue("a", "bc")) == "T6");
    CHECK(ids(st.queue("ab", "c")) == "T7");
    CHECK(ids(st.queue("nowhere", "")).empty());

    t1.region = "south";
    save(st, t1);
    CHECK(ids(st.queue("service_centre", "north")) == "T4");
    CHECK(ids(st.queue("service_centre", "south")) == "T1,T2");
  }

  SUBCASE("customer_tickets_are_oldest_first_closed_ones_included") {
    ticket_summary t1 = ticket("T1");
    ticket_summary t2 = ticket("T2");
    ticket_summary t3 = ticket("T3");
    ticket_summary t4 = ticket("T4");
    ticket_summary t5 = ticket("T5");
    t1.opened_at = at(9);
    t2.opened_at = at(8);
    t3.opened_at = at(8);
    t4.opened_at = at(7);
    t4.closed = true;
    t4.closed_at = at(7, 30);
    t5.customer_id = "C2";
    t5.opened_at = at(10);
    for (ticket_summary* s : {&t3, &t5, &t1, &t4, &t2}) save(st, *s);
    CHECK(ids(st.customer_tickets("C1")) == "T4,T2,T3,T1");
    CHECK(ids(st.customer_tickets("C2")) == "T5");
    CHECK(ids(st.customer_tickets("C3")).empty());
    CHECK(ids(st.customer_tickets("")).empty());
    const auto c2 = st.customer_tickets("C2");
    REQUIRE(c2);
    REQUIRE(c2->size() == 1);
    CHECK(c2->front() == t5);

    t1.customer_id = "C2";
    save(st, t1);
    CHECK(ids(st.customer_tickets("C1")) == "T4,T2,T3");
    CHECK(ids(st.customer_tickets("C2")) == "T1,T5");
  }

  SUBCASE("number_and_history_is_a_fresh_number_and_the_customer_tickets") {
    ticket_summary t1 = ticket("T1");
    ticket_summary t2 = ticket("T2");
    ticket_summary t3 = ticket("T3");
    t1.opened_at = at(9);
    t2.opened_at = at(8);
    t3.customer_id = "C2";
    for (ticket_summary* s : {&t1, &t3, &t2}) save(st, *s);
    const auto before = st.next_ticket_number();
    REQUIRE(before);
    const auto c1 = st.number_and_history("C1");
    REQUIRE(c1);
    CHECK(c1->number > *before);
    CHECK(c1->history == std::vector<ticket_summary>{t2, t1});
    // A customer without tickets, and one whose id could not be stored:
    // a number all the same, each fresh.
    const auto c9 = st.number_and_history("C9");
    REQUIRE(c9);
    CHECK(c9->number > c1->number);
    CHECK(c9->history.empty());
    const auto bad = st.number_and_history(std::string_view("C\0", 2));
    REQUIRE(bad);
    CHECK(bad->number > c9->number);
    CHECK(bad->history.empty());
    const auto after = st.next_ticket_number();
    REQUIRE(after);
    CHECK(*after > bad->number);
  }

  SUBCASE("due_lists_timers_at_or_before_now_earliest_first_up_to_a_limit") {
    ticket_summary t1 = ticket("T1");
    ticket_summary t2 = ticket("T2");
    ticket_summary t3 = ticket("T3");
    ticket_summary t4 = ticket("T4");
    ticket_summary t5 = ticket("T5");
    ticket_summary t6 = ticket("T6");
    t1.next_timer = at(10);
    t2.next_timer = at(9);
    t3.next_timer = at(10);
    t5.next_timer = at(12);
    // The store lists what next_timer says, closed or not.
    t6.next_timer = at(9, 30);
    t6.closed = true;
    for (ticket_summary* s : {&t5, &t3, &t6, &t1, &t4, &t2}) save(st, *s);

    const auto due = st.due(at(10), 10);
    REQUIRE(due);
    CHECK(ids(due) == "T2,T6,T1,T3");
    REQUIRE(due->size() == 4);
    CHECK((*due)[0] == tierflow::due_ticket{"T2", at(9)});
    CHECK((*due)[1] == tierflow::due_ticket{"T6", at(9, 30)});
    CHECK((*due)[2] == tierflow::due_ticket{"T1", at(10)});
    CHECK((*due)[3] == tierflow::due_ticket{"T3", at(10)});
    CHECK(ids(st.due(at(10), 2)) == "T2,T6");
    CHECK(ids(st.due(at(10), 0)).empty());
    CHECK(ids(st.due(at(8, 59), 10)).empty());
    CHECK(ids(st.due(at(9), 10)) == "T2");
    CHECK(ids(st.due(timestamp::max(), 100)) == "T2,T6,T1,T3,T5");

    t2.next_timer = at(13);  // the timer moved later: not due at 10:00 any more
    save(st, t2);
    CHECK(ids(st.due(at(10), 10)) == "T6,T1,T3");
    const auto later = st.due(at(13), 10);
    REQUIRE(later);
    CHECK(ids(later) == "T6,T1,T3,T5,T2");
    CHECK(later->back() == tierflow::due_ticket{"T2", at(13)});

    t1.next_timer.reset();
    save(st, t1);
    CHECK(ids(st.due(at(10), 10)) == "T6,T3");
    CHECK(ids(st.due(timestamp::max(), 100)) == "T6,T3,T5,T2");
  }

  SUBCASE("claim_due_on_one_handle_answers_like_due_again_and_again") {
    ticket_summary t1 = ticket("T1");
    ticket_summary t2 = ticket("T2");
    t1.next_timer = at(10);
    t2.next_timer = at(9);
    save(st, t1);
    save(st, t2);
    // A handle's own claims never hide a ticket from itself: the engine
    // asks again after each ticket it fires.
    CHECK(ids(st.claim_due(at(10), 10)) == "T2,T1");
    CHECK(ids(st.claim_due(at(10), 10)) == "T2,T1");
    CHECK(ids(st.claim_due(at(10), 1)) == "T2");
    CHECK(ids(st.claim_due(at(9, 30), 10)) == "T2");
    // An append (the fired timer) moves the ticket on.
    t2.next_timer.reset();
    save(st, t2);
    CHECK(ids(st.claim_due(at(10), 10)) == "T1");
    CHECK(st.flush());
  }

  SUBCASE("streams_lists_every_stream_sorted") {
    const auto none = st.streams();
    REQUIRE(none);
    CHECK(none->empty());
    ticket_summary t2 = ticket("T2");
    save(st, t2);
    REQUIRE(append_next(st, "~denied", 1));
    REQUIRE(append_next(st, "T10", 2));
    const std::vector<event> refused = sealed("T3", 0, zero, 1);
    CHECK_FALSE(st.append({.ticket_id = "T3", .expected_version = 1, .events = refused}));
    const auto all = st.streams();
    REQUIRE(all);
    CHECK(*all == std::vector<std::string>{"T10", "T2", "~denied"});
  }

  SUBCASE("open_tickets_are_the_ones_not_closed_by_ticket_id") {
    ticket_summary t1 = ticket("T1");
    ticket_summary t2 = ticket("T2");
    ticket_summary t3 = ticket("T3");
    ticket_summary t10 = ticket("T10");
    t1.closed = true;
    t2.unit = "field";
    t10.region = "south";
    for (ticket_summary* s : {&t3, &t1, &t10, &t2}) save(st, *s);
    REQUIRE(append_next(st, "log", 1));  // not a ticket
    CHECK(ids(st.open_tickets()) == "T10,T2,T3");

    t1.closed = false;
    save(st, t1);
    t3.closed = true;
    save(st, t3);
    const auto open = st.open_tickets();
    CHECK(ids(open) == "T1,T10,T2");
    REQUIRE(open->size() == 3);
    CHECK(open->front() == t1);
  }

  SUBCASE("ticket_numbers_are_fresh_and_increasing_also_across_threads") {
    std::uint64_t last = 0;
    for (int i = 0; i < 100; ++i) {
      const auto n = st.next_ticket_number();
      REQUIRE(n);
      CHECK(*n > last);
      last = *n;
    }
    CHECK(last >= 100);

    constexpr std::size_t threads = 4;
    constexpr std::size_t per_thread = 250;
    std::vector<std::vector<std::uint64_t>> taken(threads);
    std::atomic<int> failures{0};
    {
      std::vector<std::jthread> workers;
      for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&st, &failures, &mine = taken[t]] {
          for (std::size_t i = 0; i < per_thread; ++i) {
            const auto n = st.next_ticket_number();
            if (!n) {
              ++failures;
              continue;
            }
            mine.push_back(*n);
          }
        });
      }
    }
    CHECK(failures.load() == 0);
    std::set<std::uint64_t> all;
    for (const auto& mine : taken) {
      CHECK(mine.size() == per_thread);
      for (std::size_t i = 1; i < mine.size(); ++i) CHECK(mine[i] > mine[i - 1]);
      all.insert(mine.begin(), mine.end());
    }
    CHECK(all.size() == threads * per_thread);
    CHECK(*all.begin() > last);
  }

  SUBCASE("summary_is_not_found_for_unknown_tickets_and_streams_without_one") {
    CHECK(outcome(st.summary("T1")) == "not_found");
    REQUIRE(append_next(st, "log", 1));
    CHECK(outcome(st.summary("log")) == "not_found");
    ticket_summary t1 = ticket("T1");
    save(st, t1);
    CHECK(outcome(st.summary("T1")) == "ok");
    CHECK(outcome(st.summary("T2")) == "not_found");
    CHECK(outcome(st.summary("")) == "not_found");
  }

  SUBCASE("a_stream_without_a_summary_is_not_a_ticket") {
    ticket_summary t1 = ticket("T1");
    t1.next_timer = at(9);
    save(st, t1);
    REQUIRE(append_next(st, "denied", 2));
    REQUIRE(append_next(st, "denied", 1));
    const auto loaded = st.load("denied");
    REQUIRE(loaded);
    CHECK(loaded->size() == 3);
    CHECK(tierflow::verify(*loaded, st.head("denied").value().head));
    CHECK(outcome(st.summary("denied")) == "not_found");
    CHECK(ids(st.open_tickets()) == "T1");
    CHECK(ids(st.queue("service_centre", "north")) == "T1");
    CHECK(ids(st.queue("", "")).empty());
    CHECK(ids(st.customer_tickets("")).empty());
    CHECK(ids(st.customer_tickets("C1")) == "T1");
    CHECK(ids(st.due(timestamp::max(), 10)) == "T1");
  }

  SUBCASE("concurrent_appends_to_different_tickets_all_land") {
    constexpr std::size_t threads = 4;
    constexpr std::uint64_t appends = 200;
    std::atomic<int> failures{0};
    {
      std::vector<std::jthread> workers;
      for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&st, &failures, t] {
          const std::string id = "T" + std::to_string(t + 1);
          const std::string actor = "writer_" + std::to_string(t + 1);
          ticket_summary s = ticket(id);
          event_hash head{};
          for (std::uint64_t v = 0; v < appends; ++v) {
            const std::vector<event> batch = sealed(id, v, head, 1, actor);
            s.version = v + 1;
            s.nearest_due =
                at(10) + std::chrono::minutes{static_cast<std::chrono::minutes::rep>(v)};
            const auto r =
                st.append({.ticket_id = id, .expected_version = v, .events = batch, .summary = &s});
            if (!r) {
              ++failures;
              return;
            }
            head = batch.back().hash;
          }
        });
      }
    }
    CHECK(failures.load() == 0);
    for (std::size_t t = 0; t < threads; ++t) {
      const std::string id = "T" + std::to_string(t + 1);
      CAPTURE(id);
      const auto loaded = st.load(id);
      REQUIRE(loaded);
      CHECK(loaded->size() == appends);
      const auto h = st.head(id);
      REQUIRE(h);
      CHECK(h->version == appends);
      CHECK(tierflow::verify(*loaded, h->head));
      bool own = true;
      for (const event& e : *loaded) own = own && e.actor_id == "writer_" + std::to_string(t + 1);
      CHECK(own);
      CHECK(st.summary(id).value().version == appends);
    }
    CHECK(ids(st.open_tickets()) == "T1,T2,T3,T4");
    CHECK(ids(st.queue("service_centre", "north")) == "T1,T2,T3,T4");
  }

  SUBCASE("concurrent_appends_to_one_ticket_one_winner_per_version") {
    constexpr std::size_t threads = 4;
    constexpr std::size_t rounds = 50;
    std::vector<std::atomic<int>> wins(rounds);
    std::vector<std::atomic<int>> conflicts(rounds);
    std::atomic<int> other{0};
    std::barrier sync(static_cast<std::ptrdiff_t>(threads));
    {
      std::vector<std::jthread> workers;
      for (std::size_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          const std::string actor = "writer_" + std::to_string(t + 1);
          for (std::size_t round = 0; round < rounds; ++round) {
            // Everyone reads the same head, then everyone writes on it.
            sync.arrive_and_wait();
            const auto h = st.head("T1");
            sync.arrive_and_wait();
            if (!h || h->version != round) {
              ++other;
              continue;
            }
            const std::vector<event> batch = sealed("T1", h->version, h->head, 1, actor);
            ticket_summary s = ticket("T1");
            s.assignee = actor;
            s.version = h->version + 1;
            const auto r = st.append({.ticket_id = "T1",
                                      .expected_version = h->version,
                                      .events = batch,
                                      .summary = &s});
            if (r) {
              ++wins[round];
            } else if (r.error().code() == tierflow::errc::conflict) {
              ++conflicts[round];
            } else {
              ++other;
            }
          }
        });
      }
    }
    CHECK(other.load() == 0);
    for (std::size_t round = 0; round < rounds; ++round) {
      CAPTURE(round);
      CHECK(wins[round].load() == 1);
      CHECK(conflicts[round].load() == static_cast<int>(threads) - 1);
    }
    const auto loaded = st.load("T1");
    REQUIRE(loaded);
    CHECK(loaded->size() == rounds);
    const auto h = st.head("T1");
    REQUIRE(h);
    CHECK(h->version == rounds);
    CHECK(tierflow::verify(*loaded, h->head));
    // The summary came with the last winning event, not with a loser's.
    const auto s = st.summary("T1");
    REQUIRE(s);
    CHECK(s->version == rounds);
    CHECK(s->assignee == loaded->back().actor_id);
  }
}

}  // namespace tierflow_test::store_conformance
