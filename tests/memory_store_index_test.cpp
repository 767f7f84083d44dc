// SPDX-License-Identifier: MIT
// The in-memory store's queue and due indexes when deadlines and timers
// move: an append that moves one within its queue leaves the entry where it
// was until a read (queue(), due()) settles it. The reads answer as if every
// move had been made at once, however many appends, closings, reopenings
// and queue changes came between two of them; the list of unsettled tickets
// is in memory_bytes(); reads from two threads at once settle safely.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/memory_store.hpp>
#include <tierflow/store.hpp>

#include "store_conformance.hpp"

namespace {

namespace conformance = tierflow_test::store_conformance;
using conformance::at;
using conformance::ids;
using tierflow::ticket_summary;

// A small deterministic generator (the same draws on every run).
struct draws {
  std::uint64_t seed;
  std::uint64_t operator()(std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33U) % n;
  }
};

// What queue() and due() must answer, worked out from the summaries as
// saved, with the contract's orders written out here.
std::string expected_queue(const std::vector<ticket_summary>& model, std::string_view unit) {
  std::vector<const ticket_summary*> in;
  for (const auto& t : model)
    if (!t.closed && t.unit == unit && t.region == "north") in.push_back(&t);
  std::sort(in.begin(), in.end(), [](const auto* a, const auto* b) {
    const auto x = a->nearest_due.value_or(tierflow::timestamp::max());
    const auto y = b->nearest_due.value_or(tierflow::timestamp::max());
    return std::tie(x, a->ticket_id) < std::tie(y, b->ticket_id);
  });
  std::string out;
  for (const auto* t : in) out += (out.empty() ? "" : ",") + t->ticket_id;
  return out;
}

std::string expected_due(const std::vector<ticket_summary>& model, tierflow::timestamp now, std::size_t limit) {
  std::vector<const ticket_summary*> in;
  for (const auto& t : model)
    if (t.next_timer && *t.next_timer <= now) in.push_back(&t);
  std::sort(in.begin(), in.end(), [](const auto* a, const auto* b) {
    return std::tie(*a->next_timer, a->ticket_id) < std::tie(*b->next_timer, b->ticket_id);
  });
  if (in.size() > limit) in.resize(limit);
  std::string out;
  for (const auto* t : in) out += (out.empty() ? "" : ",") + t->ticket_id;
  return out;
}

}  // namespace

TEST_CASE("store.memory.index.moves_left_for_a_read_answer_as_if_made_at_once") {
  // 300 tickets (dozens a shard, so that the list of unsettled ones is
  // long and tickets leave it from its middle), whose deadlines and timers
  // move a little or a lot, sometimes back to where their entry still is,
  // some losing or gaining one, changing queue, closing and reopening;
  // reads come after 1 to 150 saves (sometimes twice running) and must
  // answer as a sort of the tickets as saved does.
  tierflow::memory_store st;
  std::vector<ticket_summary> model;
  for (int i = 0; i < 300; ++i) {
    model.push_back(conformance::ticket("T" + std::to_string(1000 + i)));
    model.back().nearest_due = at(10) + std::chrono::minutes{i % 5};
    model.back().next_timer = at(9) + std::chrono::minutes{i % 7};
    conformance::save(st, model.back());
  }
  draws draw{2026};
  std::uint64_t next_read = 1;
  int reads = 0;
  for (int step = 0; step < 6000; ++step) {
    ticket_summary& t = model[draw(model.size())];
    const std::uint64_t what = draw(20);
    if (what < 8) {
      // A move, often to a time other tickets have (ties by id).
      t.nearest_due = at(10) + std::chrono::minutes{draw(6)};
      if (draw(3) != 0) t.next_timer = at(9) + std::chrono::minutes{draw(8)};
    } else if (what < 11) {
      t.nearest_due = t.nearest_due.value_or(at(10)) + std::chrono::seconds{static_cast<long>(draw(3)) - 1};
    } else if (what == 11) {
      t.nearest_due.reset();
    } else if (what == 12) {
      if (t.next_timer) {
        t.next_timer.reset();
      } else {
        t.next_timer = at(9) + std::chrono::minutes{draw(8)};
      }
    } else if (what == 13) {
      t.unit = t.unit == "service_centre" ? "back_office" : "service_centre";
    } else if (what < 17) {
      t.closed = !t.closed;
      // A closed ticket often has no timer left: it is in no index then.
      if (t.closed && draw(2) == 0) t.next_timer.reset();
    }  // else: saved as it is (no key changes)
    conformance::save(st, t);
    if (--next_read != 0) continue;
    next_read = 1 + draw(150);
    const int times = draw(4) == 0 ? 2 : 1;
    for (int k = 0; k < times; ++k) {
      ++reads;
      CHECK(ids(st.queue("service_centre", "north")) == expected_queue(model, "service_centre"));
      CHECK(ids(st.queue("back_office", "north")) == expected_queue(model, "back_office"));
      CHECK(ids(st.due(at(9, 4), 10'000)) == expected_due(model, at(9, 4), 10'000));
      CHECK(ids(st.due(at(23), 7)) == expected_due(model, at(23), 7));
    }
  }
  CHECK(reads > 40);
  // Last, a due() read alone settles what the queue reads then find.
  for (auto& t : model) {
    t.nearest_due = at(11) - std::chrono::minutes{t.ticket_id.back() - '0'};
    conformance::save(st, t);
  }
  CHECK(ids(st.due(at(23), 10'000)) == expected_due(model, at(23), 10'000));
  CHECK(ids(st.queue("service_centre", "north")) == expected_queue(model, "service_centre"));
  CHECK(ids(st.queue("back_office", "north")) == expected_queue(model, "back_office"));
}

TEST_CASE("store.memory.index.tickets_that_close_leave_the_unsettled_list_from_anywhere") {
  // Every ticket's deadline and timer move (reversing their order: each
  // is listed as unsettled), then every third closes with no timer left
  // (in no index: off the list, from its front, middle and end, in the
  // order they were listed and then the other way), some reopen; a read
  // must find every other ticket moved.
  tierflow::memory_store st;
  std::vector<ticket_summary> model;
  for (int i = 0; i < 300; ++i) {
    model.push_back(conformance::ticket("T" + std::to_string(1000 + i)));
    model.back().nearest_due = at(10) + std::chrono::seconds{i};
    model.back().next_timer = at(9) + std::chrono::seconds{i};
    conformance::save(st, model.back());
  }
  for (int i = 0; i < 300; ++i) {
    auto& t = model[static_cast<std::size_t>(i)];
    t.nearest_due = at(12) - std::chrono::seconds{i};
    t.next_timer = at(11) - std::chrono::seconds{i};
    conformance::save(st, t);
  }
  const auto close = [&](std::size_t i) {
    model[i].closed = true;
    model[i].next_timer.reset();
    conformance::save(st, model[i]);
  };
  for (std::size_t i = 0; i < 150; i += 3) close(i);
  for (std::size_t i = 297;; i -= 3) {
    if (i < 150) break;
    close(i);
  }
  for (std::size_t i = 0; i < 300; i += 9) {
    model[i].closed = false;
    model[i].next_timer = at(10);
    conformance::save(st, model[i]);
  }
  CHECK(ids(st.queue("service_centre", "north")) == expected_queue(model, "service_centre"));
  CHECK(ids(st.due(at(23), 10'000)) == expected_due(model, at(23), 10'000));
}

TEST_CASE("store.memory.index.the_unsettled_list_is_in_memory_bytes") {
  // Two stores given the same events and summaries but for the deadlines
  // and timers: in one they move (each ticket is then listed as unsettled
  // until a read), in the other they stay. The moving store counts at
  // least a pointer a listed ticket more, and not much more than the
  // list's doubling leaves room for; a read empties the list but keeps its
  // room, which stays counted.
  tierflow::memory_store moving;
  tierflow::memory_store still;
  constexpr int n = 400;
  std::vector<ticket_summary> a;
  std::vector<ticket_summary> b;
  for (int i = 0; i < n; ++i) {
    a.push_back(conformance::ticket("T" + std::to_string(1000 + i)));
    a.back().nearest_due = at(10);
    a.back().next_timer = at(9);
    b.push_back(a.back());
    conformance::save(moving, a.back());
    conformance::save(still, b.back());
  }
  REQUIRE(moving.memory_bytes() == still.memory_bytes());
  for (int i = 0; i < n; ++i) {
    a[static_cast<std::size_t>(i)].nearest_due = at(12);
    a[static_cast<std::size_t>(i)].next_timer = at(11);
    conformance::save(moving, a[static_cast<std::size_t>(i)]);
    conformance::save(still, b[static_cast<std::size_t>(i)]);
  }
  const std::size_t listed = moving.memory_bytes() - still.memory_bytes();
  CHECK(moving.memory_bytes() > still.memory_bytes());
  CHECK(listed >= n * sizeof(void*));
  // Each shard's list at most twice what it holds, or 16 to start with,
  // and a heap block's overhead.
  CHECK(listed <= 2 * n * sizeof(void*) + 8 * (16 * sizeof(void*) + 64));
  CHECK(ids(moving.queue("service_centre", "north")) == expected_queue(a, "service_centre"));
  CHECK(moving.memory_bytes() - still.memory_bytes() == listed);
}

TEST_CASE("store.memory.threads.two_readers_settle_moves_a_writer_left") {
  // A writer moves the deadlines and timers of its tickets (each move left
  // for a read to settle) while two readers read queue() and due() at
  // once: each answer is in the contract's order and holds each ticket
  // once; afterwards the answers are what was written last.
  tierflow::memory_store st;
  constexpr int tickets = 200;
  constexpr int rounds = 30;
  const auto summary_of = [](int i, int r) {
    ticket_summary s = conformance::ticket("R" + std::to_string(1000 + i));
    s.nearest_due = at(10) + std::chrono::minutes{(i * 7 + r * 3) % 13};
    s.next_timer = at(9) + std::chrono::minutes{(i * 5 + r) % 17};
    return s;
  };
  std::vector<ticket_summary> model;
  for (int i = 0; i < tickets; ++i) {
    model.push_back(summary_of(i, 0));
    conformance::save(st, model.back());
  }
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    for (int r = 1; r < rounds; ++r) {
      for (int i = 0; i < tickets; ++i) {
        ticket_summary s = summary_of(i, r);
        const auto h = st.head(s.ticket_id);
        if (!h) {
          ++failures;
          continue;
        }
        s.version = h->version + 1;
        const auto batch = conformance::sealed(s.ticket_id, h->version, h->head, 1);
        if (!st.append({.ticket_id = s.ticket_id, .expected_version = h->version, .events = batch, .summary = &s}))
          ++failures;
      }
    }
    writing = false;
  });
  for (int reader = 0; reader < 2; ++reader) {
    threads.emplace_back([&] {
      const auto queue_order = [](const ticket_summary& x, const ticket_summary& y) {
        return std::tie(*x.nearest_due, x.ticket_id) < std::tie(*y.nearest_due, y.ticket_id);
      };
      const auto due_order = [](const tierflow::due_ticket& x, const tierflow::due_ticket& y) {
        return std::tie(x.due, x.ticket_id) < std::tie(y.due, y.ticket_id);
      };
      do {
        const auto q = st.queue("service_centre", "north");
        if (!q || q->size() != tickets || std::adjacent_find(q->begin(), q->end(), [&](const auto& x, const auto& y) {
                                             return !queue_order(x, y);
                                           }) != q->end())
          ++failures;
        const auto d = st.due(at(23), 10'000);
        if (!d || d->size() != tickets ||
            std::adjacent_find(d->begin(), d->end(), [&](const auto& x, const auto& y) {
              return !due_order(x, y);
            }) != d->end())
          ++failures;
        ++reads;
      } while (writing.load());
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(reads.load() > 0);
  for (int i = 0; i < tickets; ++i) model[static_cast<std::size_t>(i)] = summary_of(i, rounds - 1);
  CHECK(ids(st.queue("service_centre", "north")) == expected_queue(model, "service_centre"));
  CHECK(ids(st.due(at(23), 10'000)) == expected_due(model, at(23), 10'000));
}
