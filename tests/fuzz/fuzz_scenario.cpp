// SPDX-License-Identifier: MIT
// Fuzzes the scenario-file loader (tierflow::testing::load_scenario_file,
// src/testing/load_scenario*.cpp): the input is a `*.test.yaml` file read
// against the shipped catalog. It may not crash, hang, leak or throw; a file
// it refuses has an error, a file it accepts has none, its diagnostics are
// sorted and name the file, and every case it yields has a unique name and
// a ticket type some workflow serves.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include <tierflow/scenario.hpp>

#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tierflow::catalog& cat = tierflow_fuzz::shipped_catalog();
  const tierflow::source_file source{"fuzz.test.yaml",
                                     std::string(reinterpret_cast<const char*>(data), size)};
  tierflow::diagnostics diags;
  const auto file = tierflow::testing::load_scenario_file(source, cat, diags);
  const auto& items = diags.items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].where.file != source.name)
      tierflow_fuzz::violated("a diagnostic names another file");
    if (i > 0 && (items[i].where.line < items[i - 1].where.line ||
                  (items[i].where.line == items[i - 1].where.line &&
                   items[i].where.column < items[i - 1].where.column)))
      tierflow_fuzz::violated("diagnostics out of order");
  }
  if (!file) {
    if (!diags.has_errors()) tierflow_fuzz::violated("a scenario file refused without an error");
    return 0;
  }
  if (diags.has_errors()) tierflow_fuzz::violated("a scenario file accepted with errors");
  std::set<std::string> names;
  for (const auto& sc : file->cases) {
    if (sc.name.empty() || !names.insert(sc.name).second)
      tierflow_fuzz::violated("an accepted case without a name of its own");
    bool served = false;
    for (const auto& w : cat.workflows) served = served || w.serves(sc.ticket.type);
    if (!served) tierflow_fuzz::violated("an accepted case whose ticket type no workflow serves");
  }
  return 0;
}
