// SPDX-License-Identifier: MIT
// The cost of a refused command against an accepted one, in one run.
//
// A refused command is audited on the ticket's denial stream (sealed and
// appended) and leaves the ticket alone; repeated identical refusals within
// the coalescing window are counted in memory and recorded once. Three
// figures, each a ratio against BM_accepted_action of the same run:
//   BM_denied_distinct  every refusal by another actor: each one recorded
//   BM_denied_repeated  one actor refused again and again: coalesced
//   BM_denied_unknown   a command on a ticket id that does not exist
//                       (the engine's denial log)
//
// Run: build/tests/bench/denial_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <tierflow/engine.hpp>
#include <tierflow/memory_store.hpp>

#include "bench_scenario.hpp"

namespace {

using namespace tierflow;
using tierflow_bench::shipped;
using tierflow_bench::start;

using tierflow_bench::manager;
using tierflow_bench::open_investigating;

// 1000 tickets in `investigating`, where reply / review_rejected move them
// back and forth.
struct fixture {
  manual_clock clk{start};
  memory_store events;
  std::unique_ptr<engine> eng;
  std::vector<std::string> ids;

  fixture() {
    auto e = engine::create(shipped(), engine_options{&clk, &events, nullptr, "T", {}});
    if (!e) std::abort();
    eng = std::move(*e);
    for (std::size_t i = 0; i < 1000; ++i) ids.push_back(open_investigating(*eng, i));
  }
  static void must(const result<ticket_view>& r) {
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().message().c_str());
      std::abort();
    }
  }
};

fixture& shared_fixture() {
  static fixture f;
  return f;
}

void BM_accepted_action(benchmark::State& state) {
  fixture& f = shared_fixture();
  std::vector<bool> replied(f.ids.size(), false);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t t = i++ % f.ids.size();
    const bool r = replied[t];
    auto v = f.eng->act({f.ids[t], r ? "review_rejected" : "reply", manager, r ? "incomplete" : "", {}});
    if (!v) state.SkipWithError(v.error().message().c_str());
    replied[t] = !r;
  }
  // Leave every ticket in investigating for the next benchmark.
  for (std::size_t t = 0; t < f.ids.size(); ++t)
    if (replied[t]) fixture::must(f.eng->act({f.ids[t], "review_rejected", manager, "incomplete", {}}));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_accepted_action);

// An actor with no role may take nothing: permission_denied, audited.
void refused(benchmark::State& state, bool distinct_actors) {
  fixture& f = shared_fixture();
  const auto before = f.events.memory_bytes();
  std::size_t i = 0;
  actor stranger{"stranger", {}, ""};
  for (auto _ : state) {
    const std::size_t t = i % f.ids.size();
    if (distinct_actors) stranger.id = "stranger_" + std::to_string(i);
    ++i;
    auto v = f.eng->act({f.ids[t], "reply", stranger, "", {}});
    if (v || v.error().code() != errc::permission_denied) state.SkipWithError("not refused");
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["stored_bytes_per_refusal"] =
      static_cast<double>(f.events.memory_bytes() - before) / static_cast<double>(state.iterations());
}

void BM_denied_distinct(benchmark::State& state) { refused(state, true); }
BENCHMARK(BM_denied_distinct);

void BM_denied_repeated(benchmark::State& state) { refused(state, false); }
BENCHMARK(BM_denied_repeated);

void BM_denied_unknown(benchmark::State& state) {
  fixture& f = shared_fixture();
  for (auto _ : state) {
    auto v = f.eng->act({"T99999999", "reply", manager, "", {}});
    if (v || v.error().code() != errc::not_found) state.SkipWithError("not refused");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_denied_unknown);

}  // namespace

BENCHMARK_MAIN();
