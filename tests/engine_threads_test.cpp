// SPDX-License-Identifier: MIT
// The engine under concurrent use: worker threads open their own tickets and
// act on them, all workers act on a few shared tickets at once (with
// expected_version, so some lose the race and get errc::conflict), and an
// observer thread moves the clock, fires timers with advance() and runs the
// queries, all at the same time. Afterwards every ticket's trail must account
// for exactly what the threads were told: one `transitioned`/`noted` event per
// accepted action (found by its unique note), no `denied` event on the trail
// and, on the ticket's denial stream, a record of refusals the threads were
// told of (identical ones within a minute coalesced into a count), each timer
// fired once, the owner set once, replay == view, the chain
// verifies, and every notification reached the sink once. No sleeps: the
// clock is a manual_clock the observer moves.
//
// Built with -fsanitize=thread by .ci/tsan.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/tierflow.hpp>

#include "engine/striped_count.hpp"
#include "engine_checks.hpp"
#include "support/engine_fixture.hpp"
#include "test_support.hpp"

namespace {

namespace tf = tierflow;
using namespace std::chrono;
using namespace std::chrono_literals;

using tierflow_test::actor_pool;
using tierflow_test::check_owner;
using tierflow_test::check_timers;
using tierflow_test::describe;
using tierflow_test::permitted;
using tierflow_test::rng;
using tierflow_test::shipped;

// The value of every attribute a ticket needs to route somewhere
// interesting; the rest is left out.
tf::attribute_values customer_attributes(rng& r, const tf::organisation& org) {
  tf::attribute_values out;
  static const std::vector<std::string> classes{"none", "temporary", "level2", "level1", "special"};
  static const std::vector<std::string> priorities{"normal", "vip", "key"};
  static const std::vector<std::string> areas{"urban", "rural", "remote"};
  out.emplace_back("region", r.pick(org.regions).id);
  out.emplace_back("importance_class", r.pick(classes));
  out.emplace_back("priority", r.pick(priorities));
  out.emplace_back("area_type", r.pick(areas));
  out.emplace_back("voltage_kv", r.chance(0.5) ? 10.0 : 0.38);
  out.emplace_back("capacity_kva", r.chance(0.5) ? 630.0 : 50.0);
  return out;
}

tf::attribute_values ticket_fields(rng& r, const tf::workflow& wf) {
  tf::attribute_values out;
  for (const auto& a : wf.fields) {
    switch (a.type.kind) {
      case tf::value_kind::boolean: out.emplace_back(a.name, r.chance(0.3)); break;
      case tf::value_kind::enumeration: out.emplace_back(a.name, r.pick(a.type.values)); break;
      case tf::value_kind::number: out.emplace_back(a.name, r.chance(0.5) ? 400.0 : 50.0); break;
      default: break;
    }
  }
  return out;
}

// What one thread did to one ticket.
struct accepted_act {
  std::string note;  // unique: "w<thread>#<n>"
  std::string action;
  std::string actor;
  std::uint64_t returned_version = 0;
};
struct denied_act {
  std::string action;
  std::string actor;
  tf::errc code;
};
struct worker_log {
  std::vector<std::string> own;     // tickets it opened
  std::vector<std::string> active;  // …that it has not seen closed
  std::map<std::string, std::vector<accepted_act>> accepted;
  std::map<std::string, std::vector<denied_act>> denied;
  std::size_t opens = 0, raced = 0, stale = 0;
  std::vector<std::string> failures;
};

constexpr int worker_count = 6;
constexpr int iterations = 1200;
constexpr std::size_t shared_open = 6;  // shared tickets kept open at a time

}  // namespace

TEST_CASE("engine.threads.workers_shared_tickets_advance_and_queries_at_once") {
  const tf::organisation& org = shipped().org;
  const std::vector<tf::actor> pool = actor_pool(org, false);
  std::vector<std::string> types;
  for (const auto& wf : shipped().workflows) types.push_back(wf.ticket_types.front());

  tierflow_test::engine_fixture fx(sys_days{2026y / 11 / 24} + 1h);  // Tue 09:00 local
  tf::manual_clock& clock = fx.clock;
  tf::notification_queue& sink = fx.inbox;
  tf::engine& eng = *fx;

  // A few shared tickets, one customer, every workflow.
  const std::string shared_customer = "C-shared";
  rng setup(42);
  const tf::attribute_values shared_attributes = customer_attributes(setup, org);
  // The shared tickets: every one ever opened, and those still open. A
  // worker that finds one closed opens the next (any worker may).
  std::mutex shared_mutex;
  std::vector<std::string> shared, shared_active;
  std::size_t shared_opened = 0;
  const auto open_shared = [&](std::size_t n) -> std::string {
    const std::string& type = types[n % types.size()];
    tf::open_request req;
    req.type = type;
    req.channel = "hotline_95598";
    req.customer_id = shared_customer;
    req.customer = shared_attributes;
    rng r(n);
    req.fields =
        ticket_fields(r, *shipped().workflow_for(type, floor<days>(clock.now() + org.utc_offset)));
    req.opened_by = "setup";
    auto opened = eng.open(req);
    return opened ? opened->ticket.id : "open failed: " + opened.error().message();
  };
  for (std::size_t i = 0; i < shared_open; ++i) {
    const std::string id = open_shared(shared_opened++);
    REQUIRE_MESSAGE(id.starts_with("T"), id);
    shared.push_back(id);
    shared_active.push_back(id);
  }
  const auto pick_shared = [&](rng& r) {
    const std::lock_guard lock(shared_mutex);
    return r.pick(shared_active);
  };
  // Replaces a shared ticket seen closed by a fresh one.
  const auto retire_shared = [&](const std::string& id, worker_log& log) {
    const std::lock_guard lock(shared_mutex);
    const auto it = std::find(shared_active.begin(), shared_active.end(), id);
    if (it == shared_active.end()) return;
    shared_active.erase(it);
    const std::string fresh = open_shared(shared_opened++);
    if (!fresh.starts_with("T")) {
      log.failures.push_back(fresh);
      return;
    }
    ++log.opens;
    shared.push_back(fresh);
    shared_active.push_back(fresh);
  };

  // One step of a worker: view, pick an action of the state and someone
  // (mostly) allowed to take it, act, and log what the engine answered.
  const auto act_once = [&](rng& r, worker_log& log, int worker, int n, const std::string& id,
                            bool contested) {
    auto view = eng.view(id);
    if (!view) {
      log.failures.push_back("view " + id + ": " + view.error().message());
      return;
    }
    // A closed ticket: now and then an action on it (refused); else it
    // leaves the worker's rotation.
    if (view->closed && !r.chance(0.1)) {
      if (contested)
        retire_shared(id, log);
      else
        log.active.erase(std::find(log.active.begin(), log.active.end(), id));
      return;
    }
    const tf::workflow* wf = eng.definitions().find(view->workflow_id, view->workflow_version);
    const tf::state& st = wf->states[wf->state_index(view->state)];
    tf::act_request req;
    req.ticket_id = id;
    req.action = st.actions.empty() || r.chance(0.03) ? std::string("no_such_action")
                                                      : r.pick(st.actions).id;
    std::vector<const tf::actor*> fit;
    for (const auto& a : st.actions)
      if (a.id == req.action)
        for (const auto& who : pool)
          if (permitted(org, who, a, view->region)) fit.push_back(&who);
    req.by = !fit.empty() && r.chance(0.85) ? *r.pick(fit) : r.pick(pool);
    req.note = "w" + std::to_string(worker) + "#" + std::to_string(n);
    // An action that records a classification the actor gives gets one of
    // its values: the refusals here are the ones races and roles make.
    for (const auto& a : st.actions)
      if (a.id == req.action && !a.classifies.empty() && a.classification_value.empty())
        if (const tf::classification* c = wf->find_classification(a.classifies);
            c != nullptr && !c->values.empty())
          req.classification = r.pick(c->values);
    bool stale = false;
    if (contested || r.chance(0.3)) {
      req.expected_version = view->version;
      if (r.chance(0.05)) {
        // Certainly stale: far ahead of the ticket, where no other worker
        // can have moved it meanwhile (one ahead may be the ticket's version
        // by now; one behind is not stale when only a timer fired since).
        req.expected_version = view->version + 1'000'000;
        stale = true;
      }
    }
    auto res = eng.act(req);
    if (res) {
      if (stale) log.failures.push_back(id + ": a stale expected_version was accepted");
      log.accepted[id].push_back({req.note, req.action, req.by.id, res->version});
      return;
    }
    const tf::errc code = res.error().code();
    if (code != tf::errc::conflict && code != tf::errc::not_found &&
        code != tf::errc::permission_denied && code != tf::errc::failed_precondition) {
      log.failures.push_back(id + " " + req.action + ": unexpected error " +
                             std::string(tf::to_string(code)) + ": " + res.error().message());
      return;
    }
    if (code == tf::errc::conflict) ++(stale ? log.stale : log.raced);
    log.denied[id].push_back({req.action, req.by.id, code});
  };

  const auto open_own = [&](rng& r, worker_log& log, int worker, std::size_t n) {
    const std::string& type = types[n % types.size()];
    tf::open_request req;
    req.type = type;
    req.channel = r.pick(org.channels).id;
    // Some tickets belong to the customer of the shared tickets: its
    // record and derived counts change under the observer's feet.
    const bool theirs = r.chance(0.2);
    req.customer_id = theirs ? shared_customer : "C-w" + std::to_string(worker);
    req.customer = theirs ? shared_attributes : customer_attributes(r, org);
    req.fields = ticket_fields(
        r, *eng.definitions().workflow_for(type, floor<days>(clock.now() + org.utc_offset)));
    req.opened_by = "w" + std::to_string(worker);
    auto opened = eng.open(req);
    if (!opened) {
      log.failures.push_back("open " + type + ": " + opened.error().message());
      return;
    }
    ++log.opens;
    log.own.push_back(opened->ticket.id);
    log.active.push_back(opened->ticket.id);
    if (opened->ticket.customer_id != req.customer_id || opened->ticket.type != type)
      log.failures.push_back("open returned a view of another ticket: " + opened->ticket.id);
  };

  std::vector<worker_log> logs(worker_count);
  std::atomic<int> running{worker_count};
  std::latch start(worker_count + 1);  // everyone starts at once
  std::vector<std::string> observer_failures;
  std::size_t observer_rounds = 0, observer_fired = 0;

  std::vector<std::thread> threads;
  for (int w = 0; w < worker_count; ++w) {
    threads.emplace_back([&, w] {
      rng r(0x7e57'0000u + static_cast<std::uint64_t>(w));
      worker_log& log = logs[static_cast<std::size_t>(w)];
      start.arrive_and_wait();
      for (std::size_t i = 0; i < 4; ++i) open_own(r, log, w, i + static_cast<std::size_t>(w));
      for (int n = 0; n < iterations; ++n) {
        if (r.chance(0.03) || log.active.size() < 2)
          open_own(r, log, w, static_cast<std::size_t>(n));
        const bool contested = r.chance(0.35) || log.active.empty();
        const std::string id = contested ? pick_shared(r) : r.pick(log.active);
        act_once(r, log, w, n, id, contested);
      }
      running.fetch_sub(1);
    });
  }
  // The observer: time passes, timers fire, and every query runs while the
  // workers act.
  threads.emplace_back([&] {
    rng r(0x0b5e'77e5u);
    const auto fail = [&](std::string what) { observer_failures.push_back(std::move(what)); };
    start.arrive_and_wait();
    do {
      ++observer_rounds;
      clock.advance(minutes{1 + static_cast<std::int64_t>(r.below(20))});
      if (auto rep = eng.advance(); !rep)
        fail("advance: " + rep.error().message());
      else
        observer_fired += rep->fired;
      // A tier's queue every round (where new tickets land), then one of
      // the other queries in turn.
      const tf::tier& t = r.pick(org.ladder);
      const std::string region = t.by_region ? r.pick(org.regions).id : std::string();
      if (auto q = eng.queue(t.id, region); !q) {
        fail("queue " + t.id + ": " + q.error().message());
      } else {
        for (const auto& v : *q)
          if (v.assignee.unit != t.id || v.assignee.region != region || v.closed)
            fail("queue " + t.id + "/" + region + " lists " + v.id + ", which is at " +
                 v.assignee.unit + "/" + v.assignee.region + (v.closed ? " (closed)" : ""));
      }
      switch (observer_rounds % 5) {
        case 0:
          if (auto q = eng.queue(r.pick(org.teams).id, r.pick(org.regions).id); !q)
            fail("queue: " + q.error().message());
          break;
        case 1:
          if (auto o = eng.overdue(); !o)
            fail("overdue: " + o.error().message());
          else
            for (const auto& v : *o)
              if (!v.overdue()) fail("overdue lists " + v.id + ", which is not overdue");
          break;
        case 2:
          if (auto a = eng.at_risk(4h); !a) fail("at_risk: " + a.error().message());
          break;
        case 3:
          if (auto c = eng.customer_record(shared_customer); !c) {
            fail("customer_record: " + c.error().message());
          } else {
            for (std::size_t i = 1; i < c->events.size(); ++i)
              if (c->events[i].time < c->events[i - 1].time)
                fail("customer_record events out of time order");
            for (std::size_t i = 1; i < c->tickets.size(); ++i)
              if (c->tickets[i].opened_at < c->tickets[i - 1].opened_at)
                fail("customer_record tickets out of order");
          }
          break;
        default: {
          const std::string id = pick_shared(r);
          if (auto v = eng.view(id); !v) fail("view " + id + ": " + v.error().message());
          break;
        }
      }
      (void)sink.size();
    } while (running.load() > 0);
  });
  for (auto& t : threads) t.join();

  for (std::size_t w = 0; w < logs.size(); ++w) {
    INFO("worker " << w);
    for (const auto& f : logs[w].failures) FAIL_CHECK(f);
  }
  for (const auto& f : observer_failures) FAIL_CHECK("observer: " << f);

  // A day and more passes: every timer still pending falls due and fires
  // now, once, on top of those fired while the threads ran.
  clock.advance(hours{30});
  auto final_advance = eng.advance();
  REQUIRE_MESSAGE(final_advance.has_value(), final_advance.error().message());

  // Every ticket's trail accounts for exactly what the threads were told.
  REQUIRE(shared.size() == shared_opened);
  std::vector<std::string> all = shared;
  for (const auto& log : logs) all.insert(all.end(), log.own.begin(), log.own.end());
  std::set<std::string> unique(all.begin(), all.end());
  CHECK(unique.size() == all.size());  // no ticket id handed out twice

  std::size_t accepted_total = 0, denied_total = 0, opens = shared_open, raced = 0, stale = 0;
  std::size_t notified = 0, timers = 0, conflicts_on_shared = 0;
  std::map<std::string, std::size_t> notified_by_ticket;
  for (const auto& log : logs) {
    opens += log.opens;
    raced += log.raced;
    stale += log.stale;
  }
  for (const auto& id : all) {
    INFO("ticket " << id);
    auto v = eng.view(id);
    REQUIRE_MESSAGE(v.has_value(), v.error().message());
    auto replayed = eng.replay(id);
    REQUIRE(replayed.has_value());
    CHECK(*replayed == *v);
    auto ok = eng.verify(id);
    CHECK_MESSAGE(ok.has_value(), (ok ? std::string() : ok.error().message()));
    auto s = eng.events(id);
    REQUIRE(s.has_value());
    REQUIRE(s->size() == v->version);
    for (std::size_t i = 0; i < s->size(); ++i) {
      CHECK((*s)[i].sequence == i + 1);
      if (i > 0) CHECK((*s)[i - 1].time <= (*s)[i].time);
    }
    const tf::workflow* wf = eng.definitions().find(v->workflow_id, v->workflow_version);
    REQUIRE_MESSAGE(wf != nullptr, "no workflow " << v->workflow_id << " v" << v->workflow_version);
    std::string err = check_timers(*wf, *s);
    CHECK_MESSAGE(err.empty(), err);
    err = check_owner(*v, *s);
    CHECK_MESSAGE(err.empty(), err);

    // Accepted acts: each note in exactly one transitioned/noted event of
    // its action and actor, at or before the version the act returned; and
    // each worker's acts in the order it made them.
    std::map<std::string, std::size_t> position;  // note -> index
    for (std::size_t i = 0; i < s->size(); ++i) {
      const tf::event& e = (*s)[i];
      if (e.type != tf::event_type::transitioned && e.type != tf::event_type::noted) continue;
      const auto note = e.detail("note");
      if (!note || !note->starts_with("w")) continue;
      CHECK_MESSAGE(position.emplace(std::string(*note), i).second,
                    "note recorded twice: " << describe(e));
    }
    std::size_t accepted_here = 0;
    std::vector<denied_act> denied_here;
    for (const auto& log : logs) {
      std::size_t prev = 0;
      if (const auto it = log.accepted.find(id); it != log.accepted.end()) {
        for (const auto& a : it->second) {
          ++accepted_here;
          const auto p = position.find(a.note);
          if (p == position.end()) {
            FAIL_CHECK("accepted act " << a.note << " " << a.action << " has no event"
                                       << describe(*s));
            continue;
          }
          const tf::event& e = (*s)[p->second];
          CHECK(e.detail("action") == a.action);
          CHECK(e.actor_id == a.actor);
          CHECK(e.sequence <= a.returned_version);
          CHECK_MESSAGE(p->second >= prev, "worker's acts out of order at " << a.note);
          prev = p->second;
        }
      }
      if (const auto it = log.denied.find(id); it != log.denied.end())
        denied_here.insert(denied_here.end(), it->second.begin(), it->second.end());
    }
    CHECK(position.size() == accepted_here);
    // Refusals: none on the trail; on the denial stream, each record stands
    // for itself and the `repeated` ones coalesced into it, all of them
    // refusals a thread was told of (same actor, action and code).
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> told, recorded;
    for (const auto& d : denied_here) {
      ++told[{d.actor, d.action, std::string(tf::to_string(d.code))}];
      if (d.code == tf::errc::conflict &&
          std::find(shared.begin(), shared.end(), id) != shared.end())
        ++conflicts_on_shared;
    }
    for (const auto& e : *s) CHECK_MESSAGE(e.type != tf::event_type::denied, describe(e));
    const auto refused = eng.denials(id);
    REQUIRE(refused);
    for (const auto& e : *refused) {
      const auto repeated = e.detail("repeated");
      recorded[{e.actor_id, std::string(e.detail("action").value_or("")),
                std::string(e.detail("code").value_or(""))}] +=
          1 + (repeated ? std::stoull(std::string(*repeated)) : 0);
    }
    for (const auto& entry : recorded) {
      // No structured binding: clang 14 cannot capture one in CHECK_MESSAGE.
      const auto& key = entry.first;
      const auto n = entry.second;
      const auto it = told.find(key);
      CHECK_MESSAGE((it != told.end() && it->second >= n),
                    "recorded refusal nobody was told of: " << std::get<0>(key) << " "
                                                            << std::get<1>(key) << " " << std::get<2>(key));
    }
    if (!refused->empty()) CHECK(eng.verify(tf::denial_stream_of(id)));
    std::size_t timer_events = 0;
    for (const auto& e : *s) {
      if (e.type == tf::event_type::notified) ++notified_by_ticket[id];
      if (e.type == tf::event_type::deadline_warned || e.type == tf::event_type::deadline_breached)
        ++timer_events;
    }
    // The opening batch, one event or more per accepted act, and the timers.
    CHECK(s->size() >= 2 + accepted_here + timer_events);
    accepted_total += accepted_here;
    denied_total += denied_here.size();
    timers += timer_events;
    notified += notified_by_ticket[id];
  }

  // Every notification reached the sink once, for the ticket that recorded it.
  std::map<std::string, std::size_t> delivered;
  for (const auto& n : sink.drain()) ++delivered[n.ticket_id];
  for (const auto& entry : notified_by_ticket)
    CHECK_MESSAGE(delivered[entry.first] == entry.second, entry.first);
  std::size_t delivered_total = 0;
  for (const auto& [id, count] : delivered) delivered_total += count;
  CHECK(delivered_total == notified);

  const auto stats = eng.stats();
  CHECK(stats.commands == opens + accepted_total);
  CHECK(stats.denied == denied_total);
  CHECK(stats.timers_fired == timers);
  CHECK(stats.notifications == notified);
  CHECK(stats.sink_failures == 0);

  MESSAGE(worker_count << " workers: " << accepted_total << " accepted, " << denied_total
                       << " denied (" << raced << " lost a race, " << stale
                       << " deliberately stale), " << opens
                       << " opens; observer: " << observer_rounds << " rounds, " << observer_fired
                       << " timers fired by advance(), " << timers << " timers in all");
  // The run did what it is for: work got done, refusals happened, the
  // shared tickets were contested, and timers fired.
  CHECK(accepted_total > 0);
  CHECK(conflicts_on_shared > 0);
  CHECK(stale > 0);
  CHECK(timers > 0);
  CHECK(observer_rounds > 0);
}

// The engine's statistics count in cells, one per thread in turn: more
// threads than cells share cells, a reader sums them while they add, and
// once every adder is done the sum is exact.
TEST_CASE("engine.stats.striped_count_sums_every_thread_exactly") {
  tierflow::detail::striped_count count;
  tierflow::detail::striped_count other;  // shares the threads' cells, not their counts
  constexpr std::uint64_t threads = 12;   // more than the cells
  constexpr std::uint64_t adds = 5000;
  std::atomic<bool> done{false};
  std::uint64_t last_seen = 0;
  bool never_fell = true;
  std::thread reader([&] {
    while (!done.load()) {
      const std::uint64_t now = count.load();
      if (now < last_seen) never_fell = false;
      last_seen = now;
    }
  });
  std::vector<std::thread> adders;
  for (std::uint64_t t = 0; t < threads; ++t) {
    adders.emplace_back([&count, &other, t] {
      for (std::uint64_t i = 0; i < adds; ++i) count.add();
      other.add(t);  // 0 + 1 + … + 11
    });
  }
  for (auto& a : adders) a.join();
  done = true;
  reader.join();
  CHECK(count.load() == threads * adds);
  CHECK(other.load() == threads * (threads - 1) / 2);
  CHECK(never_fell);
  CHECK(last_seen <= threads * adds);
}
