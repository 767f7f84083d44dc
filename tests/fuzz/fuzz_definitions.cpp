// SPDX-License-Identifier: MIT
// Fuzzes the YAML loader and the validator: the input is one definition
// file, loaded as a workflow beside the shipped organisation, and, when it
// mentions `organisation`, as the organisation under the shipped complaint
// workflow. Neither may crash,
// hang, leak or throw; every workflow loaded carries a fingerprint of 64
// lowercase hex digits; a catalog without errors is written as DOT.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <tierflow/dot.hpp>
#include <tierflow/loader.hpp>

#include "fuzz/fuzz_support.hpp"

namespace {

void check_loaded(const tierflow::catalog& cat, const tierflow::diagnostics& diags) {
  for (const auto& wf : cat.workflows)
    if (wf.fingerprint.size() != 64 ||
        wf.fingerprint.find_first_not_of("0123456789abcdef") != std::string::npos)
      tierflow_fuzz::violated("workflow '" + wf.id + "' has fingerprint '" + wf.fingerprint + "'");
  for (const auto& d : diags.items())
    if (d.message.empty()) tierflow_fuzz::violated("a diagnostic without a message");
  if (diags.has_errors()) return;
  for (const auto& wf : cat.workflows) (void)tierflow::to_dot(wf, cat.org);
}

void load(const std::vector<tierflow::source_file>& sources) {
  tierflow::diagnostics diags;
  const tierflow::catalog cat = tierflow::load_catalog(sources, diags);
  check_loaded(cat, diags);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto& shipped = tierflow_fuzz::shipped_sources();
  load({shipped.front(), {"fuzz.yaml", text}});
  const tierflow::source_file* complaint = nullptr;
  for (const auto& s : shipped)
    if (s.name.ends_with("/complaint.yaml")) complaint = &s;
  // Loading the shipped complaint workflow costs more than most inputs:
  // only for an input that may be an organisation file.
  if (complaint != nullptr && text.find("organisation") != std::string::npos)
    load({{"fuzz.yaml", text}, *complaint});
  return 0;
}
