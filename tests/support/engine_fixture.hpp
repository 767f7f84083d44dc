// SPDX-License-Identifier: MIT
// The one engine fixture of the tests: a tierflow::engine over a catalog
// (the shipped one unless a test brings its own), a manual clock the test
// moves, and a store (the engine's own memory store unless a test passes
// one: a database, two engines on one store, a forwarding_store that
// watches appends), delivering notifications to a queue the test drains (or
// to a sink it passes). Its calls fail the test with the engine's error
// when they fail, so a test reads as the steps it takes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/catalog.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

#include "test_support.hpp"

namespace tierflow_test {

class engine_fixture {
 public:
  /// The engine starts at `start` and takes `cat` by value (by default its
  /// own copy of the shipped catalog); `base` gives the other options (its
  /// clock, store and sink are the fixture's).
  explicit engine_fixture(tierflow::timestamp start, tierflow::catalog cat = shipped(),
                          tierflow::store* events = nullptr, tierflow::notification_sink* sink = nullptr,
                          tierflow::engine_options base = {})
      : clock(start) {
    tierflow::engine_options options = std::move(base);
    options.time_source = &clock;
    options.events = events;
    options.sink = sink != nullptr ? sink : &inbox;
    auto created = tierflow::engine::create(std::move(cat), options);
    REQUIRE_MESSAGE(created.has_value(), "engine::create: " << (created ? std::string() : created.error().message()));
    eng = std::move(*created);
  }
  engine_fixture(const engine_fixture&) = delete;
  engine_fixture& operator=(const engine_fixture&) = delete;

  tierflow::manual_clock clock;
  /// Where notifications go unless the fixture was given a sink.
  tierflow::notification_queue inbox;
  std::unique_ptr<tierflow::engine> eng;

  tierflow::engine& operator*() const { return *eng; }
  tierflow::engine* operator->() const { return eng.get(); }

  /// Sets the clock; it must not run back.
  void at(tierflow::timestamp t) {
    REQUIRE_MESSAGE(clock.set(t), "the clock must not run back to " << iso(t));
  }

  // --- the engine's calls, which must succeed ---------------------------------------------

  tierflow::opened_ticket open(const tierflow::open_request& req) {
    auto o = eng->open(req);
    REQUIRE_MESSAGE(o.has_value(), "open " << req.type << " for " << req.customer_id << ": "
                                           << (o ? std::string() : o.error().message()));
    return *o;
  }

  /// Built field by field, so that it stays the same as act_request grows.
  tierflow::ticket_view act(const std::string& id, const std::string& action, const tierflow::actor& who,
                            const std::string& note = {}, const std::string& classification = {}) {
    tierflow::act_request req;
    req.ticket_id = id;
    req.action = action;
    req.by = who;
    req.note = note;
    req.classification = classification;
    auto v = eng->act(req);
    REQUIRE_MESSAGE(v.has_value(), iso(clock.now()) << " " << who.id << " " << action << " on " << id << ": "
                                                    << (v ? std::string() : v.error().message()));
    return *v;
  }

  /// act() at `t`.
  tierflow::ticket_view act_at(tierflow::timestamp t, const std::string& id, const std::string& action,
                               const tierflow::actor& who, const std::string& note = {},
                               const std::string& classification = {}) {
    at(t);
    return act(id, action, who, note, classification);
  }

  tierflow::ticket_view view(std::string_view id) const {
    auto v = eng->view(id);
    REQUIRE_MESSAGE(v.has_value(), "view " << std::string(id) << ": " << (v ? std::string() : v.error().message()));
    return *v;
  }

  std::vector<tierflow::event> events(std::string_view id) const {
    auto e = eng->events(id);
    REQUIRE_MESSAGE(e.has_value(), "events " << std::string(id) << ": " << (e ? std::string() : e.error().message()));
    return *e;
  }

  std::vector<tierflow::ticket_view> queue(std::string_view unit, std::string_view region = {}) const {
    auto q = eng->queue(unit, region);
    REQUIRE_MESSAGE(q.has_value(), "queue " << std::string(unit) << ": " << (q ? std::string() : q.error().message()));
    return *q;
  }

  /// Moves the clock to `t` and fires what fell due.
  tierflow::advance_report advance(tierflow::timestamp t) {
    at(t);
    auto r = eng->advance(t);
    REQUIRE_MESSAGE(r.has_value(), "advance to " << iso(t) << ": " << (r ? std::string() : r.error().message()));
    return *r;
  }

  /// The ticket's trail verifies against its hash chain, and replay()
  /// gives view().
  void check_consistent(std::string_view id) const {
    const auto ok = eng->verify(id);
    CHECK_MESSAGE(ok.has_value(), "verify " << std::string(id) << ": " << (ok ? std::string() : ok.error().message()));
    const auto replayed = eng->replay(id);
    REQUIRE(replayed.has_value());
    CHECK(*replayed == view(id));
  }
};

}  // namespace tierflow_test
