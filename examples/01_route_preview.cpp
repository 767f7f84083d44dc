// SPDX-License-Identifier: MIT
// Loads the shipped workflows and shows which tier a big customer's complaint
// would be routed to, and under which deadlines: the first thing a rule author
// checks after editing a routing table.
#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include <tierflow/tierflow.hpp>

int main() {
  using namespace std::chrono;
  tierflow::diagnostics diags;
  const auto cat = tierflow::load_catalog_files({"workflows"}, diags);
  if (!cat) {
    std::fputs(diags.str().c_str(), stderr);
    return 1;
  }
  const auto* wf = cat->workflow_for("complaint", sys_days{2026y / November / 24});
  if (wf == nullptr) return 1;

  // A 10 kV, 1250 kVA factory in Wuzhong: a big customer, not a key one.
  const std::map<std::string, tierflow::value, std::less<>> fields{
      {"customer.importance_class", std::string("none")}, {"customer.voltage_kv", 10.0},
      {"customer.capacity_kva", 1250.0}, {"customer.region", std::string("wuzhong")}};
  const auto lookup = [&](std::string_view name) -> const tierflow::value* {
    const auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  };
  for (const auto& rule : wf->routing) {
    if (rule.when && !tierflow::evaluate(*rule.when, lookup)) continue;
    std::printf("%s v%u: rule '%s' assigns %s\n", wf->id.c_str(), wf->version, rule.id.c_str(),
                rule.assign.c_str());
    break;
  }
  for (const auto& d : wf->deadlines)
    std::printf("  deadline %-8s %s\n", d.id.c_str(), d.cases.front().within.str().c_str());
  return 0;
}
