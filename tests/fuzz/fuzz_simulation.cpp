// SPDX-License-Identifier: MIT
// Fuzzes the simulation-scenario loader (tierflow::sim::load_scenario,
// src/simulation/load_*.cpp) and, for the small scenarios it accepts, one
// run on the engine (src/simulation/run.cpp). The input is a scenario file
// read against the shipped catalog. Neither may crash, hang, leak or throw;
// a file refused has an error, a file accepted has none and its
// diagnostics are sorted by file and position; an accepted small scenario
// runs to its end, opens only tickets of demanded types and reports every
// pool's utilisation within [0, 1].
#include <cstddef>
#include <cstdint>
#include <string>

#include <tierflow/memory_store.hpp>
#include <tierflow/simulation.hpp>

#include "fuzz/fuzz_support.hpp"

namespace {

// A run is worth its time only when it is short: a day or two of a few
// hundred tickets (a fuzzer's input may ask for ten years of a city).
bool small_enough(const tierflow::sim::scenario& sc) {
  if (sc.days + sc.warm_up_days > 2) return false;
  std::uint64_t customers = sc.customers.loaded.size();
  for (const auto& s : sc.customers.segments) customers += s.count;
  if (customers > 2000) return false;
  double per_day = 0;
  for (const auto& d : sc.demand) per_day += d.per_day;
  for (const auto& s : sc.surges)
    if (s.factor > 1) per_day *= s.factor;
  if (per_day > 300) return false;
  std::uint64_t people = 0;
  for (const auto& g : sc.staff) {
    people += g.count * 10;  // at most ten regions
    for (const auto& r : g.regions) people += r.second;
  }
  return people <= 500;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tierflow::catalog& cat = tierflow_fuzz::shipped_catalog();
  const tierflow::source_file source{"fuzz.sim.yaml",
                                     std::string(reinterpret_cast<const char*>(data), size)};
  tierflow::diagnostics diags;
  const auto sc = tierflow::sim::load_scenario(source, cat, diags);
  const auto& items = diags.items();
  for (std::size_t i = 1; i < items.size(); ++i) {
    const auto& a = items[i - 1].where;
    const auto& b = items[i].where;
    if (a.file > b.file || (a.file == b.file && (a.line > b.line || (a.line == b.line && a.column > b.column))))
      tierflow_fuzz::violated("diagnostics out of order");
  }
  if (!sc) {
    if (!diags.has_errors()) tierflow_fuzz::violated("a scenario refused without an error");
    return 0;
  }
  if (diags.has_errors()) tierflow_fuzz::violated("a scenario accepted with errors");
  if (!small_enough(*sc)) return 0;

  tierflow::memory_store events;
  tierflow::sim::run_options options;
  options.seed = tierflow::sim::replication_seed(sc->seed, 0);
  options.events = &events;
  const auto r = tierflow::sim::run(*sc, cat, options);
  if (!r) tierflow_fuzz::violated("an accepted scenario failed to run: " + r.error().message());
  for (const auto& p : r->pools) {
    const auto u = p.utilisation();
    if (u && (*u < 0 || *u > 1 + 1e-9)) tierflow_fuzz::violated("a utilisation outside [0, 1]");
  }
  if (r->stuck > r->tickets_opened) tierflow_fuzz::violated("more tickets stuck than opened");
  return 0;
}
