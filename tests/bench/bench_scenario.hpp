// SPDX-License-Identifier: MIT
// What the benchmarks run, in one place so their figures compare: the
// shipped workflows, the instant they start at, and the ticket they open (a
// level-1 key customer's complaint, routed to the enterprise account
// manager) with the agent who works it.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/ticket.hpp>

namespace tierflow_bench {

/// The shipped workflows, loaded once; a benchmark without them aborts.
inline const tierflow::catalog& shipped() {
  static const tierflow::catalog cat = [] {
    tierflow::diagnostics d;
    auto c = tierflow::load_catalog_files({TIERFLOW_SOURCE_DIR "/workflows"}, d, tierflow::load_limits{});
    if (!c) {
      std::fprintf(stderr, "cannot load the shipped workflows from %s/workflows\n", TIERFLOW_SOURCE_DIR);
      std::abort();
    }
    return std::move(*c);
  }();
  return cat;
}

/// 2026-11-24 01:00 UTC (09:00 in Suzhou): a working Tuesday.
inline const tierflow::timestamp start =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 24} + std::chrono::hours{1};

/// The complaint of customer "C<customer>".
inline tierflow::open_request key_complaint(std::size_t customer) {
  // std::string::append: GCC 12 at -O3 warns falsely (-Wrestrict, its bug
  // 105329) about `"C" + std::to_string(n)`.
  std::string id(1, 'C');
  id.append(std::to_string(customer));
  return tierflow::open_request{"complaint",
                                "hotline_95598",
                                std::move(id),
                                {{"importance_class", std::string("level1")},
                                 {"region", std::string("kunshan")},
                                 {"voltage_kv", 110.0},
                                 {"capacity_kva", 25000.0}},
                                {{"complaint_class", std::string("service")}},
                                "bill higher than expected",
                                "",
                                "csr_01"};
}

/// The 95598 agent who works the tickets.
inline const tierflow::actor csr{"csr_01", {"csr"}, ""};

}  // namespace tierflow_bench
