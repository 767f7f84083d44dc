// SPDX-License-Identifier: MIT
// The organisation file: ladder, teams, regions, channels, roles, calendars
// and the customer attribute schema.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <tierflow/time.hpp>

#include "language/load_common.hpp"
#include "language/messages.hpp"
#include "language/points_indicators.hpp"
#include "text/number.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail {
namespace {

/// A mapping that must have at least one entry.
bool non_empty_mapping(reader& r, const yaml_node& n, std::string_view key) {
  if (!r.expect(n, yaml_node::kind::mapping, quoted(key))) return false;
  if (n.entries.empty()) {
    r.error(n, msg::must_not_be_empty(quoted(key)));
    return false;
  }
  return true;
}

/// `manager_points: { weights: { INDICATOR: W, … } }`: the weights of the
/// manager points score (tierflow/kpi.hpp), in file order.
void load_manager_points(reader& r, const yaml_node& n, organisation& out) {
  if (!r.expect(n, yaml_node::kind::mapping, quoted("manager_points"))) return;
  const auto f = check_keys(r, n, {"weights"}, {"weights"});
  const yaml_node* weights = f["weights"];
  if (weights == nullptr || !non_empty_mapping(r, *weights, "weights")) return;
  const std::string max = fmt::format("{}", max_points_weight);
  for (const yaml_entry* e : scalar_keyed(r, *weights)) {
    const std::string& name = e->key.text;
    const bool known = std::find(points_indicator_names.begin(), points_indicator_names.end(),
                                 name) != points_indicator_names.end();
    if (!known) {
      r.error(e->key,
              msg::unknown("indicator", name, did_you_mean(name, points_indicator_names)));
      continue;
    }
    const auto text = scalar(r, e->value, quoted(name));
    if (!text) continue;
    const auto w = e->value.plain ? parse_number(*text) : std::nullopt;
    if (!w || *w <= 0 || *w > max_points_weight) {
      r.error(e->value, msg::invalid_points_weight(*text, max));
      continue;
    }
    out.manager_points.push_back({name, *w, r.pos(e->key)});
  }
}

}  // namespace

void load_organisation(reader& r, const yaml_node& root, organisation& out) {
  const auto f = check_keys(r, root,
                            {"organisation", "title", "timezone", "ladder", "teams", "regions",
                             "by_region", "channels", "roles", "calendars", "attributes",
                             "manager_points"},
                            {"organisation", "timezone", "ladder", "roles", "calendars"});
  if (const auto* key = f.key("organisation")) {
    out.where = r.pos(*key);
    if (auto id = identifier(r, *f["organisation"], quoted("organisation"))) out.id = *id;
  }
  if (const auto* title = f["title"]) (void)scalar(r, *title, quoted("title"));
  if (const auto* tz = f["timezone"]) {
    if (const auto text = scalar(r, *tz, quoted("timezone"))) {
      // parse_utc_offset keeps |offset| < 24 h, as calendar.hpp requires.
      if (const auto offset = parse_utc_offset(*text))
        out.utc_offset = *offset;
      else
        r.error(*tz, msg::invalid_timezone(*text));
    }
  }

  // A tier listed twice is left in: the ladder's order is a graph check of
  // validate(), which names both places.
  if (const auto* n = f["ladder"]) {
    for (auto& e : identifier_list(r, *n, "ladder", "tier", true, true)) {
      tier t;
      t.id = std::move(e.id);
      t.level = out.ladder.size();
      t.where = std::move(e.where);
      out.ladder.push_back(std::move(t));
    }
  }
  if (const auto* n = f["teams"]) {
    for (auto& e : identifier_list(r, *n, "teams", "team", false)) {
      if (out.find_tier(e.id) != nullptr) r.error(e.where, msg::tier_and_team(e.id));
      team t;
      t.id = std::move(e.id);
      t.where = std::move(e.where);
      out.teams.push_back(std::move(t));
    }
  }
  if (const auto* n = f["regions"])
    out.regions = identifier_list(r, *n, "regions", "region", false);
  if (const auto* n = f["channels"])
    out.channels = identifier_list(r, *n, "channels", "channel", false);

  std::vector<std::string> units = ids_of(out.ladder);
  for (const team& t : out.teams) units.push_back(t.id);

  if (const auto* n = f["by_region"]) {
    if (const auto* items = sequence(r, *n, quoted("by_region"), false)) {
      if (!items->empty() && out.regions.empty())
        r.error(*f.key("by_region"), msg::by_region_needs_regions());
      for (const yaml_node& item : *items) {
        const auto id = scalar(r, item, "an entry of 'by_region'");
        if (!id || !check_reference(r, item, *id, "tier or team", units)) continue;
        for (tier& t : out.ladder)
          if (t.id == *id) t.by_region = true;
        for (team& t : out.teams)
          if (t.id == *id) t.by_region = true;
      }
    }
  }

  if (const auto* n = f["roles"]; n && non_empty_mapping(r, *n, "roles")) {
    for (const yaml_entry* e : scalar_keyed(r, *n)) {
      role ro;
      ro.id = e->key.text;
      ro.where = r.pos(e->key);
      if (!is_identifier(ro.id)) r.error(e->key, msg::invalid_identifier(ro.id));
      if (const auto unit = scalar(r, e->value, quoted(ro.id))) {
        check_reference(r, e->value, *unit, "tier or team", units);
        ro.unit = *unit;
      }
      out.roles.push_back(std::move(ro));
    }
  }

  if (const auto* n = f["calendars"]; n && non_empty_mapping(r, *n, "calendars")) {
    for (const yaml_entry* e : scalar_keyed(r, *n))
      out.calendars.push_back(load_calendar(r, *e, out.utc_offset));
  }

  if (const auto* n = f["attributes"];
      n && r.expect(*n, yaml_node::kind::mapping, quoted("attributes"))) {
    for (const yaml_entry* e : scalar_keyed(r, *n)) {
      if (auto a = load_attribute(r, *e, attribute_scope::customer, out))
        out.customer_attributes.push_back(std::move(*a));
    }
  }

  if (const auto* n = f["manager_points"]) load_manager_points(r, *n, out);
}

}  // namespace tierflow::detail
