// SPDX-License-Identifier: MIT
// `tierflow simulate` as a table, CSV and JSON (simulate_render.hpp).
#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tierflow/kpi.hpp>
#include <tierflow/time.hpp>

#include "cli/report_render.hpp"
#include "cli/simulate_render.hpp"

namespace tierflow::cli {
namespace {

constexpr std::string_view no_data = "—";

using ordered_json = nlohmann::ordered_json;

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

/// How an indicator's numbers read, told by its name (kpi::metrics' and
/// summary's conventions).
enum class unit_kind { share, seconds, count };

unit_kind kind_of(std::string_view name) {
  if (ends_with(name, "_rate") || ends_with(name, ".utilisation")) return unit_kind::share;
  if (ends_with(name, "_s")) return unit_kind::seconds;
  return unit_kind::count;
}

std::string show_value(unit_kind kind, double v) {
  switch (kind) {
    case unit_kind::share: return fmt::format("{:.1f}%", v * 100.0);
    case unit_kind::seconds: return show_calendar(v);
    case unit_kind::count: break;
  }
  return fmt::format("{:.1f}", v);
}

std::string show_signed(unit_kind kind, double v) {
  const std::string text = show_value(kind, v);
  return v > 0 ? "+" + text : text;
}

std::string show_instant(timestamp t, std::chrono::minutes offset) {
  return format_local(t, offset, "%F %H:%M");
}

/// The estimates of one group as a table: metric, n, mean, ± 95%.
std::string estimates_table(const std::vector<sim::estimate>& list) {
  text_table table({"metric", "n", "mean", "± 95%"}, 1);
  for (const auto& e : list) {
    const auto kind = kind_of(e.name);
    table.add({e.name, fmt::format("{}", e.n),
               e.mean ? show_value(kind, *e.mean) : std::string(no_data),
               e.half_width ? show_value(kind, *e.half_width) : std::string(no_data)});
  }
  return table.render("  ");
}

const sim::estimate* find(const std::vector<sim::estimate>& list, const std::string& name) {
  for (const auto& e : list)
    if (e.name == name) return &e;
  return nullptr;
}

std::string pool_prefix(const sim::pool_stats& p) {
  return p.region.empty() ? fmt::format("pool.{}", p.role)
                          : fmt::format("pool.{}.{}", p.role, p.region);
}

std::optional<double> ci_low(const sim::estimate& e) {
  if (!e.mean || !e.half_width) return std::nullopt;
  return *e.mean - *e.half_width;
}
std::optional<double> ci_high(const sim::estimate& e) {
  if (!e.mean || !e.half_width) return std::nullopt;
  return *e.mean + *e.half_width;
}

std::string csv_number(std::optional<double> v) { return v ? fmt::format("{}", *v) : ""; }

ordered_json json_number(std::optional<double> v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json estimate_json(const sim::estimate& e) {
  return {{"name", e.name},
          {"n", e.n},
          {"mean", json_number(e.mean)},
          {"half_width", json_number(e.half_width)},
          {"ci_low", json_number(ci_low(e))},
          {"ci_high", json_number(ci_high(e))}};
}

ordered_json estimates_json(const std::vector<sim::estimate>& list) {
  ordered_json out = ordered_json::array();
  for (const auto& e : list) out.push_back(estimate_json(e));
  return out;
}

ordered_json scenario_json(const simulation_view& v) {
  return {{"id", v.scenario_id}, {"title", v.title}, {"file", v.file}, {"workflows", v.workflows}};
}

ordered_json period_json(const simulation_view& v) {
  return {{"from", format_iso8601(v.from, v.offset)},
          {"to", format_iso8601(v.to, v.offset)},
          {"zone", format_utc_offset(v.offset)},
          {"warm_up_days", v.warm_up_days},
          {"days", v.days}};
}

std::string dump(const ordered_json& doc) {
  // Ids and values from the definitions are kept, except bytes that are
  // not UTF-8, which JSON cannot carry: U+FFFD rather than an abort.
  return doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string show_estimate(const sim::estimate& e) {
  if (!e.mean) return std::string(no_data);
  const auto kind = kind_of(e.name);
  if (!e.half_width) return show_value(kind, *e.mean);
  return fmt::format("{} ± {}", show_value(kind, *e.mean), show_value(kind, *e.half_width));
}

std::string show_difference(const sim::difference& d) {
  if (!d.delta) return std::string(no_data);
  const auto kind = kind_of(d.name);
  if (!d.half_width) return show_signed(kind, *d.delta);
  return fmt::format("{} ± {}", show_signed(kind, *d.delta), show_value(kind, *d.half_width));
}

std::string view_heading(const simulation_view& v) {
  std::string out;
  out += fmt::format("Simulation {}{} ({})\n", v.scenario_id, v.title.empty() ? "" : ": " + v.title,
                     v.file);
  out += fmt::format("Period {} to {} ({}), after {} warm-up day(s); {} replication(s), seed {}\n",
                     show_instant(v.from, v.offset), show_instant(v.to, v.offset),
                     format_utc_offset(v.offset), v.warm_up_days, v.summary.replications, v.seed);
  out += fmt::format("Definitions: {}; the trail of replication 1: {}\n", v.workflows, v.store);
  if (v.forecast) {
    out += fmt::format("Forecast from the open tickets of {} at {} (read only)\n", v.live_store,
                       format_iso8601(v.start, v.offset));
  }
  return out;
}

std::string render_sim_table(const simulation_view& v) {
  std::string out = view_heading(v);
  out +=
      "Each value: the mean over the replications ± the half-width of its 95% confidence\n"
      "interval (Student t); n: the replications with a value.\n\n";
  out += "All tickets\n" + estimates_table(v.summary.total) + "\n";
  if (!v.by.empty() && !v.summary.rows.empty()) {
    // One line per group, the main indicators only, in two tables (counts
    // and rates, then times) as `tierflow report` prints them: every
    // indicator of every group is in the CSV and JSON.
    std::string keys;
    for (const auto& key : v.by) keys += (keys.empty() ? "" : ", ") + kpi::to_string(key);
    out += "By " + keys + " (mean ± 95%; every indicator: --format csv or json)\n";
    const auto per_group = [&](const std::vector<std::pair<const char*, const char*>>& columns) {
      std::vector<std::string> header;
      for (const auto& key : v.by) header.push_back(kpi::to_string(key));
      for (const auto& [title, metric] : columns) header.emplace_back(title);
      text_table table(header, v.by.size());
      const sim::estimate none;
      for (const auto& row : v.summary.rows) {
        std::vector<std::string> cells;
        for (std::size_t i = 0; i < v.by.size(); ++i)
          cells.push_back(show_group_value(i < row.group.size() ? row.group[i] : ""));
        for (const auto& [title, metric] : columns) {
          const auto* e = find(row.values, metric);
          cells.push_back(show_estimate(e ? *e : none));
        }
        table.add(std::move(cells));
      }
      return table.render("  ");
    };
    out += per_group({{"opened", "opened"},
                      {"closed", "closed"},
                      {"on time", "on_time_rate"},
                      {"first contact", "first_contact_resolution_rate"},
                      {"escalated", "escalation_rate"}});
    out += "\n";
    out += per_group({{"contact p90", "contact_p90_s"},
                      {"resolve p50", "resolve_p50_s"},
                      {"resolve p90", "resolve_p90_s"},
                      {"satisfaction", "satisfaction_rate"}});
    out += "\n";
  }

  text_table pools({"pool", "unit", "region", "people", "utilisation", "mean wait", "served"}, 3);
  const sim::estimate none;
  for (const auto& p : v.pools) {
    const std::string prefix = pool_prefix(p);
    const auto* util = find(v.summary.pools, prefix + ".utilisation");
    const auto* wait = find(v.summary.pools, prefix + ".wait_mean_s");
    const auto* served = find(v.summary.pools, prefix + ".served");
    pools.add({p.role, p.unit, show_group_value(p.region), fmt::format("{}", p.people),
               show_estimate(util ? *util : none), show_estimate(wait ? *wait : none),
               show_estimate(served ? *served : none)});
  }
  out += "Staff pools (utilisation: busy ÷ on shift)\n" + pools.render("  ") + "\n";

  text_table run({"count", "n", "mean", "± 95%"}, 1);
  for (const char* name : {"tickets_opened", "stuck", "open_at_end"}) {
    if (const auto* e = find(v.summary.pools, name)) {
      run.add(
          {name, fmt::format("{}", e->n),
           e->mean ? show_value(unit_kind::count, *e->mean) : std::string(no_data),
           e->half_width ? show_value(unit_kind::count, *e->half_width) : std::string(no_data)});
    }
  }
  out += "Run (stuck: tickets no staffed person may take)\n" + run.render("  ") + "\n";

  if (v.forecast) {
    if (v.breaches.empty()) {
      out += "no open ticket breaches in the horizon\n";
    } else {
      text_table live({"ticket", "deadline", "at", "replications", "unit", "region"}, 2);
      for (const auto& b : v.breaches) {
        live.add({b.ticket_id, b.deadline, show_instant(b.at, v.offset),
                  fmt::format("{}/{}", b.replications, v.summary.replications),
                  show_group_value(b.unit), show_group_value(b.region)});
      }
      out += "Open tickets that will breach (earliest instant over the replications)\n" +
             live.render("  ");
    }
  }
  return out;
}

std::string render_sim_csv(const simulation_view& v) {
  std::string out;
  for (const auto& key : v.by) out += csv_cell(kpi::to_string(key)) + ",";
  out += "name,n,mean,half_width,ci_low,ci_high\r\n";
  const auto lines = [&](const std::vector<std::string>& group,
                         const std::vector<sim::estimate>& list) {
    std::string prefix;
    for (const auto& g : group) prefix += csv_cell(g) + ",";
    for (const auto& e : list) {
      out +=
          fmt::format("{}{},{},{},{},{},{}\r\n", prefix, csv_cell(e.name), e.n, csv_number(e.mean),
                      csv_number(e.half_width), csv_number(ci_low(e)), csv_number(ci_high(e)));
    }
  };
  const std::vector<std::string> total(v.by.size(), "(total)");
  lines(total, v.summary.total);
  for (const auto& row : v.summary.rows) {
    std::vector<std::string> group = row.group;
    group.resize(v.by.size());
    lines(group, row.values);
  }
  lines(total, v.summary.pools);
  return out;
}

std::string render_sim_json(const simulation_view& v) {
  ordered_json doc;
  doc["scenario"] = scenario_json(v);
  doc["period"] = period_json(v);
  doc["seed"] = v.seed;
  doc["replications"] = v.summary.replications;
  doc["store"] = v.store;
  ordered_json by = ordered_json::array();
  for (const auto& key : v.by) by.push_back(kpi::to_string(key));
  doc["by"] = std::move(by);
  doc["total"] = estimates_json(v.summary.total);
  ordered_json rows = ordered_json::array();
  for (const auto& row : v.summary.rows) {
    ordered_json group = ordered_json::object();
    for (std::size_t i = 0; i < row.group.size() && i < v.by.size(); ++i)
      group[kpi::to_string(v.by[i])] = row.group[i];
    rows.push_back({{"group", std::move(group)}, {"estimates", estimates_json(row.values)}});
  }
  doc["rows"] = std::move(rows);
  ordered_json pools = ordered_json::array();
  for (const auto& p : v.pools) {
    const std::string prefix = pool_prefix(p);
    ordered_json one = {
        {"role", p.role}, {"unit", p.unit}, {"region", p.region}, {"people", p.people}};
    for (const char* what : {"utilisation", "wait_mean_s", "served"}) {
      const auto* e = find(v.summary.pools, prefix + "." + what);
      one[what] = e ? estimate_json(*e) : ordered_json(nullptr);
    }
    one["queue"] = nullptr;
    for (const auto& q : v.queues) {
      if (q.role == p.role && q.region == p.region && !q.points.empty())
        one["queue"] = {{"mean", q.mean()}, {"peak", q.peak()}, {"samples", q.points.size()}};
    }
    pools.push_back(std::move(one));
  }
  doc["pools"] = std::move(pools);
  ordered_json run = ordered_json::object();
  for (const char* name : {"tickets_opened", "stuck", "open_at_end"})
    if (const auto* e = find(v.summary.pools, name)) run[name] = estimate_json(*e);
  doc["run"] = std::move(run);
  if (v.forecast) {
    doc["forecast"] = {{"live_store", v.live_store}, {"start", format_iso8601(v.start, v.offset)}};
    ordered_json breaches = ordered_json::array();
    for (const auto& b : v.breaches) {
      breaches.push_back({{"ticket", b.ticket_id},
                          {"deadline", b.deadline},
                          {"at", format_iso8601(b.at, v.offset)},
                          {"replications", b.replications},
                          {"unit", b.unit},
                          {"region", b.region}});
    }
    doc["forecast"]["breaches"] = std::move(breaches);
  }
  return dump(doc);
}

std::string render_compare_table(const comparison_view& c, const simulation_view& a,
                                 const simulation_view& b) {
  std::string out;
  out += fmt::format("A: {}\n", c.a_label);
  out += fmt::format("B: {}\n", c.b_label);
  out += fmt::format("Period {} to {} ({}); {} replication(s) each, the same seeds (seed {})\n",
                     show_instant(a.from, a.offset), show_instant(a.to, a.offset),
                     format_utc_offset(a.offset), a.summary.replications, a.seed);
  if (a.from != b.from || a.to != b.to) {
    out += fmt::format("B's period: {} to {}\n", show_instant(b.from, b.offset),
                       show_instant(b.to, b.offset));
  }
  out +=
      "B − A ± the half-width of Welch's 95% interval of the difference; significant when\n"
      "the interval excludes 0 (among many indicators, about one in twenty that did not\n"
      "really change still shows as significant by chance).\n\n";
  const auto significant = std::count_if(c.differences.begin(), c.differences.end(),
                                         [](const sim::difference& d) { return d.significant; });
  out += fmt::format("{} of {} indicators differ significantly.\n\n", significant,
                     c.differences.size());
  text_table table({"metric", "A", "B", "B − A", "significant"}, 1);
  for (const auto& d : c.differences) {
    const auto kind = kind_of(d.name);
    table.add({d.name, d.a ? show_value(kind, *d.a) : std::string(no_data),
               d.b ? show_value(kind, *d.b) : std::string(no_data), show_difference(d),
               d.significant ? "significant" : std::string(no_data)});
  }
  return out + table.render("  ");
}

std::string render_compare_csv(const comparison_view& c) {
  std::string out = "name,a,b,delta,half_width,significant\r\n";
  for (const auto& d : c.differences) {
    out += fmt::format("{},{},{},{},{},{}\r\n", csv_cell(d.name), csv_number(d.a), csv_number(d.b),
                       csv_number(d.delta), csv_number(d.half_width),
                       d.significant ? "true" : "false");
  }
  return out;
}

std::string render_compare_json(const comparison_view& c, const simulation_view& a,
                                const simulation_view& b) {
  ordered_json doc;
  const auto side = [](const simulation_view& v, const std::string& label) {
    return ordered_json{{"label", label},
                        {"scenario", scenario_json(v)},
                        {"period", period_json(v)},
                        {"seed", v.seed},
                        {"replications", v.summary.replications}};
  };
  doc["a"] = side(a, c.a_label);
  doc["b"] = side(b, c.b_label);
  ordered_json diffs = ordered_json::array();
  for (const auto& d : c.differences) {
    diffs.push_back({{"name", d.name},
                     {"a", json_number(d.a)},
                     {"b", json_number(d.b)},
                     {"delta", json_number(d.delta)},
                     {"half_width", json_number(d.half_width)},
                     {"significant", d.significant}});
  }
  doc["differences"] = std::move(diffs);
  return dump(doc);
}

}  // namespace tierflow::cli
