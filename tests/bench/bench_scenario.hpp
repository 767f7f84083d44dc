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
#include <tierflow/engine.hpp>
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

/// The enterprise account manager the key complaints are routed to.
inline const tierflow::actor manager{"em_01", {"enterprise_manager"}, ""};

/// Opens the complaint of customer "C<customer>" and brings it to
/// `investigating` (classify, dispatch, acknowledge, contact, investigate),
/// where reply and review_rejected move it back and forth; aborts if a step
/// fails. Its ticket id.
inline std::string open_investigating(tierflow::engine& eng, std::size_t customer) {
  auto o = eng.open(key_complaint(customer));
  if (!o) std::abort();
  const std::string id = o->ticket.id;
  const auto must = [](const tierflow::result<tierflow::ticket_view>& r) {
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().message().c_str());
      std::abort();
    }
  };
  for (const char* a : {"classify", "dispatch"}) must(eng.act({id, a, csr, "", {}}));
  for (const char* a : {"acknowledge", "contact_customer", "start_investigation"})
    must(eng.act({id, a, manager, "", {}}));
  return id;
}

}  // namespace tierflow_bench
