// SPDX-License-Identifier: MIT
// Closed tickets leave the engine's memory (engine_stats::resident_tickets)
// beyond engine_options::closed_tickets_kept: a closed ticket not kept is
// read from the store for each use and dropped after, and is still viewed,
// refused and audited as before; a restarted engine keeps only the open ones
// (and the budget's closed ones as it reads them); threads using one closed
// ticket at once each get a correct answer. Open tickets beyond
// engine_options::open_tickets_kept leave memory the same way and act, fire
// timers and restart exactly as if they had stayed. Built with
// -fsanitize=thread by .ci/tsan.
#include <atomic>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <latch>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/memory_store.hpp>

#include "engine/engine_impl.hpp"
#include "support/engine_fixture.hpp"
#include "support/flows_cases.hpp"
#include "test_support.hpp"

namespace {

namespace chr = std::chrono;
namespace tf = tierflow;
using tierflow_test::engine_fixture;
using tierflow_test::local;
using tierflow_test::shipped;
using namespace tierflow_test::flows;

tf::open_request ordinary_complaint(std::string customer) {
  return complaint(std::move(customer), {{"region", txt("taicang")}},
                   {{"complaint_class", txt("business")}});
}

std::uint64_t resident(const engine_fixture& r) { return r->stats().resident_tickets; }

/// Options keeping `kept` closed tickets in memory.
tf::engine_options keeping(std::size_t kept) {
  tf::engine_options options;
  options.closed_tickets_kept = kept;
  return options;
}

/// Options keeping at most `open` open tickets (and no closed one) in memory.
tf::engine_options keeping_open(std::size_t open) {
  tf::engine_options options = keeping(0);
  options.open_tickets_kept = open;
  return options;
}

/// The first five steps of the T0 complaint path (flows_cases.hpp), which
/// leave the ticket open in `investigating` with its deadlines running.
const std::vector<std::pair<std::string, const tf::actor*>>& first_steps() {
  static const std::vector<std::pair<std::string, const tf::actor*>> steps{
      {"classify", &csr1},
      {"dispatch", &csr1},
      {"acknowledge", &csr1},
      {"contact_customer", &csr1},
      {"start_investigation", &csr1}};
  return steps;
}

/// The whole T0 complaint path (flows_cases.hpp): first_steps(), then on
/// to `archived`, where the ticket closes.
const std::vector<std::pair<std::string, const tf::actor*>>& whole_path() {
  static const std::vector<std::pair<std::string, const tf::actor*>> steps = [] {
    auto all = first_steps();
    all.insert(all.end(), {{"reply", &csr1},
                           {"review_passed", &supervisor},
                           {"callback_satisfied", &caller},
                           {"close", &caller},
                           {"archive", &caller}});
    return all;
  }();
  return steps;
}

/// The actions threads took that failed, one line each (ticket, action,
/// error); each thread acts through act().
struct failed_actions {
  std::mutex mutex;
  std::vector<std::string> lines;
  /// Takes `step` (an action and who takes it) on ticket `id`.
  void act(tf::engine& e, const std::string& id, const std::pair<std::string, const tf::actor*>& step) {
    tf::act_request req;
    req.ticket_id = id;
    req.action = step.first;
    req.by = *step.second;
    if (auto done = e.act(req); !done) {
      const std::lock_guard lock(mutex);
      lines.push_back(req.ticket_id + " " + req.action + ": " + done.error().message());
    }
  }
};

/// Runs body(w) on `threads` threads, w = 0 … threads-1, released together
/// so that they overlap, and waits for them all.
template <class Body>
void on_threads_at_once(int threads, Body body) {
  std::latch start(threads);
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) {
    pool.emplace_back([&start, &body, w] {
      start.arrive_and_wait();
      body(w);
    });
  }
  for (auto& t : pool) t.join();
}

std::size_t count_type(const std::vector<tf::event>& events, tf::event_type type) {
  std::size_t n = 0;
  for (const tf::event& e : events) n += e.type == type ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("engine.memory.a_closed_ticket_leaves_memory_and_is_read_again_on_use") {
  tf::memory_store st;
  engine_fixture r(local(2026, 11, 24, 9, 0), shipped(), &st, nullptr, keeping(0));
  const std::string a = r.open(ordinary_complaint("C-MEM-A")).ticket.id;
  const std::string b = r.open(ordinary_complaint("C-MEM-B")).ticket.id;
  CHECK(resident(r) == 2);

  // Ten steps to `archived`, the terminal state (flows_cases.hpp).
  const tf::timestamp closed_at = run_t0_complaint(r, a, local(2026, 11, 24, 9, 0));
  CHECK(resident(r) == 1);  // b only

  // Viewed from its trail, as it was; viewing does not keep it.
  const tf::ticket_view v = r.view(a);
  CHECK(v.closed);
  CHECK(v.state == "archived");
  const std::uint64_t version = v.version;
  CHECK(version == r.events(a).size());
  CHECK(resident(r) == 1);
  r.check_consistent(a);
  CHECK(resident(r) == 1);

  // A command on it is judged on the stored ticket: refused (`archived`
  // has no actions: the action is not found there), the refusal audited,
  // the ticket unchanged.
  r.at(closed_at + chr::minutes{5});
  tf::act_request req;
  req.ticket_id = a;
  req.action = "classify";
  req.by = csr1;
  const std::uint64_t denied_before = r->stats().denied;
  const auto refused = r->act(req);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == tf::errc::not_found);
  CHECK(r->stats().denied == denied_before + 1);
  auto denials = r->denials(a);
  REQUIRE(denials.has_value());
  CHECK(count_type(*denials, tf::event_type::denied) == 1);
  CHECK(r.view(a).version == version);
  CHECK(resident(r) == 1);

  // The open one is untouched and still served from memory.
  CHECK(r.view(b).state == "received");

  // A second engine over the same store keeps the open ticket only.
  engine_fixture again(closed_at + chr::minutes{10}, shipped(), &st, nullptr, keeping(0));
  CHECK(resident(again) == 1);
  CHECK(again.view(a).closed);
  CHECK(again.view(b).state == "received");
  CHECK(resident(again) == 1);
}

TEST_CASE("engine.memory.resident_tickets_follow_the_open_ones_over_many_lifecycles") {
  tf::memory_store st;
  engine_fixture r(local(2026, 11, 24, 9, 0), shipped(), &st, nullptr, keeping(0));
  tf::timestamp t = local(2026, 11, 24, 9, 0);
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    const std::string id = r.open(ordinary_complaint("C-MEM-" + std::to_string(i))).ticket.id;
    ids.push_back(id);
    // Every third ticket stays open; the others close.
    if (i % 3 != 2) t = run_t0_complaint(r, id, t);
    CHECK(resident(r) == static_cast<std::uint64_t>(i / 3 + (i % 3 == 2 ? 1 : 0)));
  }
  CHECK(resident(r) == 4);
  // The store still holds every ticket and its whole trail.
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const tf::ticket_view v = r.view(ids[i]);
    CHECK(v.closed == (i % 3 != 2));
    CHECK(count_type(r.events(ids[i]), tf::event_type::closed) == (i % 3 != 2 ? 1u : 0u));
  }
  CHECK(resident(r) == 4);
}

TEST_CASE("engine.memory.threads_on_one_closed_ticket_each_get_an_answer") {
  tf::memory_store st;
  engine_fixture r(local(2026, 11, 24, 9, 0), shipped(), &st, nullptr, keeping(0));
  const std::string id = r.open(ordinary_complaint("C-MEM-T")).ticket.id;
  const tf::timestamp closed_at = run_t0_complaint(r, id, local(2026, 11, 24, 9, 0));
  r.at(closed_at + chr::minutes{1});
  REQUIRE(resident(r) == 0);
  const std::uint64_t version = r.events(id).size();

  // Each thread loads its own copy of the closed ticket: every view is the
  // stored ticket, every command is refused and recorded (identical
  // refusals coalesce into the count, engine.hpp), and nothing moves it.
  constexpr int threads = 4, rounds = 25;
  std::atomic<int> wrong_view{0}, wrong_refusal{0};
  on_threads_at_once(threads, [&](int) {
    for (int i = 0; i < rounds; ++i) {
      const auto v = r->view(id);
      if (!v || !v->closed || v->version != version) ++wrong_view;
      tf::act_request req;
      req.ticket_id = id;
      req.action = "close";
      req.by = caller;
      const auto done = r->act(req);
      if (done || done.error().code() != tf::errc::not_found) ++wrong_refusal;
    }
  });
  CHECK(wrong_view == 0);
  CHECK(wrong_refusal == 0);
  CHECK(r->stats().denied == static_cast<std::uint64_t>(threads * rounds));
  CHECK(r.view(id).version == version);
  CHECK(resident(r) == 0);
  r.check_consistent(id);
}

TEST_CASE("engine.memory.the_most_recent_closed_tickets_stay_up_to_the_budget") {
  tf::memory_store st;
  engine_fixture r(local(2026, 11, 24, 9, 0), shipped(), &st, nullptr, keeping(2));
  tf::timestamp t = local(2026, 11, 24, 9, 0);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(r.open(ordinary_complaint("C-KEEP-" + std::to_string(i))).ticket.id);
    t = run_t0_complaint(r, ids.back(), t);
    // At most two closed ones stay: 1, 2, 2, 2.
    CHECK(resident(r) == static_cast<std::uint64_t>(std::min(i + 1, 2)));
  }
  // Reading the oldest brings it back as the most recent; the budget holds.
  CHECK(r.view(ids[0]).closed);
  CHECK(resident(r) == 2);
  const std::string open = r.open(ordinary_complaint("C-KEEP-OPEN")).ticket.id;
  CHECK(resident(r) == 3);  // open tickets are not counted against it
  for (const auto& id : ids) r.check_consistent(id);
  CHECK(r.view(open).state == "received");
  // The default keeps a thousand.
  CHECK(tf::engine_options{}.closed_tickets_kept == 1000);
}

TEST_CASE("engine.memory.open_tickets_beyond_the_budget_leave_memory_and_work_as_if_kept") {
  // Two engines take the same commands at the same instants: one keeps
  // three open tickets at most, the other every one. Every trail, byte for
  // byte (hashes included), and every view must come out the same.
  tf::memory_store kept_st, budget_st;
  const tf::timestamp t0 = local(2026, 11, 24, 9, 0);
  engine_fixture all(t0, shipped(), &kept_st);
  engine_fixture few(t0, shipped(), &budget_st, nullptr, keeping_open(3));
  constexpr std::size_t tickets = 10;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < tickets; ++i) {
    const auto req = ordinary_complaint("C-OPEN-" + std::to_string(i));
    const std::string id = all.open(req).ticket.id;
    CHECK(few.open(req).ticket.id == id);
    ids.push_back(id);
    CHECK(resident(few) == std::min<std::uint64_t>(i + 1, 3));
  }
  CHECK(resident(all) == tickets);

  // Each step on every ticket in a scrambled order (7 is prime to 10), so
  // that most commands find their ticket gone from memory.
  tf::timestamp t = t0;
  for (const auto& [action, who] : first_steps()) {
    for (std::size_t k = 0; k < tickets; ++k) {
      const std::string& id = ids[(k * 7) % tickets];
      t += chr::minutes{3};
      const tf::ticket_view a = all.act_at(t, id, action, *who);
      const tf::ticket_view b = few.act_at(t, id, action, *who);
      CHECK(a == b);
      CHECK(resident(few) <= 3);
    }
  }
  // Twenty days on: the deadlines of tickets that are out of memory warn,
  // breach and escalate through the store's due index.
  const tf::advance_report fired_all = all.advance(t + chr::hours{24 * 20});
  const tf::advance_report fired_few = few.advance(t + chr::hours{24 * 20});
  CHECK(fired_all.fired > tickets);  // at least a breach per ticket
  CHECK(fired_few.fired == fired_all.fired);
  CHECK(fired_few.tickets == fired_all.tickets);
  CHECK(resident(few) <= 3);
  for (const std::string& id : ids) {
    const auto trail = few.events(id);
    CHECK(trail == all.events(id));
    CHECK(count_type(trail, tf::event_type::deadline_breached) >= 1);
    CHECK(few.view(id) == all.view(id));
    few.check_consistent(id);
  }
  CHECK(resident(few) <= 3);

  // A restarted engine reads every ticket (and verifies it) but keeps only
  // its budget; the others are read again when used.
  engine_fixture again(t + chr::hours{24 * 20}, shipped(), &budget_st, nullptr, keeping_open(2));
  CHECK(resident(again) == 2);
  for (const std::string& id : ids) CHECK(again.view(id) == all.view(id));
  CHECK(resident(again) == 2);
  // Nothing kept at all: every use reads the ticket.
  engine_fixture none(t + chr::hours{24 * 20}, shipped(), &budget_st, nullptr, keeping_open(0));
  CHECK(resident(none) == 0);
  const tf::ticket_view replied = none.act(ids[4], "reply", csr1);
  CHECK(replied == all.act(ids[4], "reply", csr1));
  CHECK(none.events(ids[4]) == all.events(ids[4]));
  CHECK(resident(none) == 0);
  none.check_consistent(ids[4]);
  // The default keeps every open ticket.
  CHECK(tf::engine_options{}.open_tickets_kept == std::numeric_limits<std::size_t>::max());
}

TEST_CASE("engine.memory.threads_on_open_tickets_beyond_the_budget_each_act_once") {
  // Four threads walk their own tickets while one open ticket at most is
  // kept: each use may find its ticket gone, or lose it to another
  // thread's sweep mid-command (the store's version check then sends the
  // command round again). Every action lands once, in order.
  tf::memory_store st;
  engine_fixture r(local(2026, 11, 24, 9, 0), shipped(), &st, nullptr, keeping_open(1));
  constexpr int threads = 4, per_thread = 3;
  std::vector<std::string> ids;
  for (int i = 0; i < threads * per_thread; ++i)
    ids.push_back(r.open(ordinary_complaint("C-OPEN-T" + std::to_string(i))).ticket.id);
  REQUIRE(resident(r) == 1);
  failed_actions failures;
  on_threads_at_once(threads, [&](int w) {
    for (const auto& step : first_steps())
      for (int k = 0; k < per_thread; ++k)
        failures.act(*r, ids[static_cast<std::size_t>(w * per_thread + k)], step);
  });
  CHECK_MESSAGE(failures.lines.empty(), (failures.lines.empty() ? std::string() : failures.lines.front()));
  // The last sweep kept the ticket it read in and spared any the other
  // three threads were acting on at that moment (engine.hpp says so).
  CHECK(resident(r) <= threads);
  for (const std::string& id : ids) {
    const auto trail = r.events(id);
    CHECK(count_type(trail, tf::event_type::transitioned) == first_steps().size());
    CHECK(r.view(id).state == "investigating");
    r.check_consistent(id);
  }
  // Reading the twelve back brought some in from the store, and a sweep
  // with no ticket in use keeps the budget exactly.
  CHECK(resident(r) == 1);
}

TEST_CASE("engine.memory.threads_over_every_shard_keep_both_budgets") {
  // The engine's tickets are split over shards, each under its own lock,
  // while the budgets' books are one: four threads walk tickets spread over
  // every shard, half of them to `archived` (closed) and half into
  // `investigating` (open), with three open and two closed tickets kept.
  // Every action lands once; the budgets hold with the threads' slack
  // while they run, and exactly once a read finds nothing in use.
  tf::memory_store st;
  tf::engine_options options = keeping_open(3);
  options.closed_tickets_kept = 2;
  engine_fixture r(local(2026, 11, 24, 9, 0), shipped(), &st, nullptr, options);
  constexpr int threads = 4, per_thread = 16;
  std::vector<std::string> ids;
  std::set<std::size_t> shards;
  for (int i = 0; i < threads * per_thread; ++i) {
    ids.push_back(r.open(ordinary_complaint("C-SHARD-" + std::to_string(i))).ticket.id);
    shards.insert(tf::detail::ticket_shard_index(ids.back()));
  }
  REQUIRE(shards.size() == std::size_t{1} << tf::detail::ticket_shard_bits);
  // Opened one at a time, nothing in use: the budget exactly.
  REQUIRE(resident(r) == 3);

  // Ticket k of a thread: closes when k is even, stays open when odd.
  const auto closes = [](std::size_t ticket) { return ticket % 2 == 0; };
  failed_actions failures;
  on_threads_at_once(threads, [&](int w) {
    for (std::size_t step = 0; step < whole_path().size(); ++step) {
      for (int k = 0; k < per_thread; ++k) {
        const auto ticket = static_cast<std::size_t>(w * per_thread + k);
        if (!closes(ticket) && step >= first_steps().size()) continue;
        failures.act(*r, ids[ticket], whole_path()[step]);
      }
    }
  });
  CHECK_MESSAGE(failures.lines.empty(), (failures.lines.empty() ? std::string() : failures.lines.front()));
  // Closed: the two most recent. Open: a sweep spares the ticket it read
  // in and any the other three threads held at that moment (engine.hpp).
  CHECK(resident(r) <= 3 + 2 + (threads - 1));

  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto trail = r.events(ids[i]);
    const std::size_t steps = closes(i) ? whole_path().size() : first_steps().size();
    CHECK(count_type(trail, tf::event_type::transitioned) == steps);
    CHECK(count_type(trail, tf::event_type::closed) == (closes(i) ? 1u : 0u));
    const tf::ticket_view v = r.view(ids[i]);
    CHECK(v.state == (closes(i) ? "archived" : "investigating"));
    CHECK(v.closed == closes(i));
    r.check_consistent(ids[i]);
  }
  // The reads brought open and closed tickets in from the store one at a
  // time with nothing in use: three open and two closed, exactly.
  CHECK(resident(r) == 3 + 2);
}
