// SPDX-License-Identifier: MIT
// A catalog: one organisation and the workflows that run in it.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include <tierflow/organisation.hpp>
#include <tierflow/workflow.hpp>

namespace tierflow {

/// An organisation and its workflows (possibly several versions of one).
struct catalog {
  organisation org;
  std::vector<workflow> workflows;

  /// The workflow new tickets of `ticket_type` take on local day `day`: the
  /// highest version whose effective date is on or before `day`. nullptr
  /// when none serves the type yet. O(number of workflows).
  [[nodiscard]] const workflow* workflow_for(std::string_view ticket_type,
                                             std::chrono::sys_days day) const noexcept {
    const workflow* best = nullptr;
    for (const auto& w : workflows) {
      if (!w.serves(ticket_type) || w.effective > day) continue;
      if (best == nullptr || w.version > best->version) best = &w;
    }
    return best;
  }

  /// The workflow with this id and version; nullptr when absent.
  [[nodiscard]] const workflow* find(std::string_view id, std::uint32_t version) const noexcept {
    for (const auto& w : workflows)
      if (w.id == id && w.version == version) return &w;
    return nullptr;
  }
};

}  // namespace tierflow
