// SPDX-License-Identifier: MIT
// The organisation: the escalation ladder of tiers, lateral teams, regions,
// roles, channels, business calendars and the customer attribute schema.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/attribute.hpp>
#include <tierflow/calendar.hpp>
#include <tierflow/diagnostic.hpp>

namespace tierflow {

/// A plain named entry (a region, a channel) and where it was declared.
struct named_entry {
  std::string id;
  source_pos where;
};

/// A rung of the escalation ladder. Level 0 is the bottom (the customer
/// service centre); escalating "next" moves to level + 1.
struct tier {
  std::string id;
  std::size_t level = 0;
  /// Region-split: each region has its own queue, and only staff of the
  /// ticket's region may act on it there.
  bool by_region = false;
  source_pos where;
};

/// A lateral team that tickets are handed off to and return from
/// (dispatchers, field crews, technical department, metering, billing).
struct team {
  std::string id;
  bool by_region = false;
  source_pos where;
};

/// A staff role and the tier or team it works in.
struct role {
  std::string id;
  /// The id of a tier or a team.
  std::string unit;
  source_pos where;
};

/// The whole organisation file, as loaded.
///
/// Lookups are linear: organisations have tens of entries, and the engine
/// compiles what it needs into indexed tables.
/// The weight of one indicator in the manager points score (台區客服經理
/// 積分, tierflow/kpi.hpp; the indicator names are kpi::points_indicators()).
/// The organisation file's `manager_points: { weights: { NAME: W, … } }`.
struct points_weight {
  std::string indicator;
  double weight = 0;  ///< > 0
  source_pos where;
  friend bool operator==(const points_weight&, const points_weight&) = default;
};

struct organisation {
  std::string id;
  source_pos where;
  /// The organisation's local time offset ("+08:00"), shared by calendars.
  std::chrono::minutes utc_offset{0};
  std::vector<tier> ladder;  ///< bottom first
  std::vector<team> teams;
  std::vector<named_entry> regions;
  std::vector<named_entry> channels;
  std::vector<role> roles;
  std::vector<calendar> calendars;
  /// The customer attribute schema: what `customer.<name>` may name.
  std::vector<attribute> customer_attributes;
  /// The manager points score's weights, in file order; empty = equal
  /// weights (tierflow/kpi.hpp).
  std::vector<points_weight> manager_points;

  [[nodiscard]] const tier* find_tier(std::string_view key) const noexcept { return find(ladder, key); }
  [[nodiscard]] const team* find_team(std::string_view key) const noexcept { return find(teams, key); }
  [[nodiscard]] const role* find_role(std::string_view key) const noexcept { return find(roles, key); }
  [[nodiscard]] const calendar* find_calendar(std::string_view key) const noexcept {
    return find(calendars, key);
  }
  [[nodiscard]] const named_entry* find_region(std::string_view key) const noexcept {
    return find(regions, key);
  }
  [[nodiscard]] const named_entry* find_channel(std::string_view key) const noexcept {
    return find(channels, key);
  }
  [[nodiscard]] const attribute* find_customer_attribute(std::string_view name) const noexcept {
    return find_attribute(customer_attributes, name);
  }
  /// True if `id` names a tier or a team: something a ticket can be assigned to.
  [[nodiscard]] bool is_unit(std::string_view key) const noexcept {
    return find_tier(key) != nullptr || find_team(key) != nullptr;
  }

 private:
  template <class T>
  static const T* find(const std::vector<T>& items, std::string_view id) noexcept {
    for (const auto& item : items)
      if (item.id == id) return &item;
    return nullptr;
  }
};

}  // namespace tierflow
