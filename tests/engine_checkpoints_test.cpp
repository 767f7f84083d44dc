// SPDX-License-Identifier: MIT
// Signed checkpoints on schedule (engine_options::checkpoints): advance()
// anchors every stream's head in the operator's log at the interval, on
// demand with take_checkpoint(), and what it writes verifies against the
// store with the public key alone.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include <tierflow/checkpoint.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/memory_store.hpp>

// GCC 12 at -O2 warns falsely that a moved std::variant (tierflow::value)
// in engine_cases' complaint() may be uninitialized, in this file only
// (its inlining differs here); the warning is wrong, the code is the one
// every engine test uses.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "support/engine_cases.hpp"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include "support/scratch_db.hpp"
#include "test_support.hpp"

namespace tf = tierflow;
using namespace std::chrono_literals;
using tierflow_test::local;
using tierflow_test::shipped;
using tierflow_test::temp_dir;
using namespace tierflow_test::engine_cases;

namespace {

struct scheduled {
  temp_dir dir{"tierflow-checkpoints"};
  tf::signing_key key = tf::signing_key::generate().value();
  tf::manual_clock clock{local(2026, 11, 24, 9, 0)};
  tf::memory_store events;
  std::unique_ptr<tf::engine> eng;

  explicit scheduled(std::filesystem::path log = {}) {
    tf::engine_options o;
    o.time_source = &clock;
    o.events = &events;
    o.checkpoints.key = &key;
    o.checkpoints.log = log.empty() ? dir.path() / "checkpoints.jsonl" : log;
    o.checkpoints.interval = 1h;
    eng = tf::engine::create(shipped(), o).value();
  }
  std::filesystem::path log() const { return dir.path() / "checkpoints.jsonl"; }
};

}  // namespace

TEST_CASE("engine.checkpoints.taken_by_advance_at_the_interval_and_verified_by_the_public_key") {
  scheduled s;
  const std::string id = open_ok(*s.eng, complaint("cust_cp", "gusu", true));

  auto first = s.eng->advance();  // the first advance takes one
  REQUIRE(first.has_value());
  CHECK(first->checkpoint == 1);
  s.clock.advance(30min);
  CHECK(s.eng->advance().value().checkpoint == 0);  // not due yet
  s.clock.advance(30min);
  CHECK(s.eng->advance().value().checkpoint == 2);
  auto on_demand = s.eng->take_checkpoint();
  REQUIRE(on_demand.has_value());
  CHECK(on_demand->head.sequence == 3);
  // The ticket's head is a leaf of the newest checkpoint.
  bool found = false;
  for (const auto& leaf : on_demand->leaves)
    if (leaf.stream == id) found = leaf.version == s.eng->view(id).value().version;
  CHECK(found);

  const auto log = tf::read_checkpoint_log(s.log()).value();
  REQUIRE(log.size() == 3);
  const auto report = tf::verify_checkpoints(s.events, log, s.key.public_key());
  CHECK(report.problems.empty());
  CHECK(report.checkpoints == 3);
  // Another key's public half does not vouch for them.
  const auto stranger = tf::signing_key::generate().value();
  CHECK_FALSE(tf::verify_checkpoints(s.events, log, stranger.public_key()).problems.empty());
}

TEST_CASE("engine.checkpoints.a_log_that_cannot_be_written_fails_advance_after_the_timers") {
  scheduled s(std::filesystem::path("/nonexistent-dir-of-tierflow/checkpoints.jsonl"));
  open_ok(*s.eng, complaint("cust_cp2", "gusu", true));
  auto r = s.eng->advance();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == tf::errc::io_error);
}

TEST_CASE("engine.checkpoints.refused_when_not_scheduled_or_misconfigured") {
  tf::manual_clock clock{local(2026, 11, 24, 9, 0)};
  tf::engine_options plain;
  plain.time_source = &clock;
  auto eng = tf::engine::create(shipped(), plain).value();
  CHECK(eng->advance().value().checkpoint == 0);
  auto r = eng->take_checkpoint();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code() == tf::errc::failed_precondition);

  const auto key = tf::signing_key::generate().value();
  tf::engine_options no_log = plain;
  no_log.checkpoints.key = &key;
  CHECK(tf::engine::create(shipped(), no_log).error().code() == tf::errc::invalid_argument);
  tf::engine_options no_interval = no_log;
  no_interval.checkpoints.log = "/tmp/unused.jsonl";
  no_interval.checkpoints.interval = 0s;
  CHECK(tf::engine::create(shipped(), no_interval).error().code() == tf::errc::invalid_argument);
}
