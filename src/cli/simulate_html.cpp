// SPDX-License-Identifier: MIT
// `tierflow simulate --html`: one self-contained page (simulate_render.hpp),
// built like `tierflow report --html`'s (report_html.cpp, whose style and
// sections it reuses): inline CSS and inline SVG drawn here, no script, no
// reference to anything outside the file, every value escaped.
#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/kpi.hpp>
#include <tierflow/time.hpp>
#include <tierflow/version.hpp>

#include "cli/report_render.hpp"
#include "cli/simulate_render.hpp"

namespace tierflow::cli {
namespace {

std::string esc(std::string_view text) { return html_escape(text); }
std::string instant(timestamp t, std::chrono::minutes offset) { return page_instant(t, offset); }
std::string num(double v) { return svg_number(v); }

std::string cell(std::string_view text, bool number = false) {
  return fmt::format("<td{}>{}</td>", number ? " class=\"num\"" : "", esc(text));
}

/// What the simulation page adds to the report's style: the interval
/// whiskers and the queue lines (told apart by dash pattern and by the name
/// written at each line's end, not by colour alone).
constexpr std::string_view extra_style = R"(
.whisker{stroke:#1a202c;stroke-width:2}
polyline.q{fill:none;stroke-width:2}
.q0{stroke:#2b6cb0}.q1{stroke:#c53030;stroke-dasharray:7 4}.q2{stroke:#2f855a;stroke-dasharray:2 3}
.q3{stroke:#6b46c1;stroke-dasharray:10 3 2 3}.q4{stroke:#b7791f;stroke-dasharray:4 2}.q5{stroke:#1a202c;stroke-dasharray:1 5}
.warmup{stroke:#4a5568;stroke-dasharray:3 3}
details summary{cursor:pointer;font-weight:600;margin:8px 0}
)";

const sim::estimate* find(const std::vector<sim::estimate>& list, const std::string& name) {
  for (const auto& e : list)
    if (e.name == name) return &e;
  return nullptr;
}

std::string pool_label(std::string_view role, std::string_view region) {
  return region.empty() ? std::string(role) : fmt::format("{} · {}", role, region);
}

/// The estimates of one group as an HTML table: metric, n, mean ± half-width,
/// and the interval's ends.
std::string estimates_table(const std::vector<sim::estimate>& list) {
  std::string h =
      "<div class=\"wide\"><table>\n<thead><tr><th>Indicator</th><th>n</th><th>Mean ± 95%</th>"
      "<th>95% interval</th></tr></thead>\n<tbody>\n";
  for (const auto& e : list) {
    std::string interval = "—";
    if (e.mean && e.half_width) {
      sim::estimate low = e, high = e;
      low.mean = *e.mean - *e.half_width;
      high.mean = *e.mean + *e.half_width;
      low.half_width.reset();
      high.half_width.reset();
      interval = fmt::format("{} … {}", show_estimate(low), show_estimate(high));
    }
    h += "<tr>" + cell(e.name) + cell(fmt::format("{}", e.n), true) + cell(show_estimate(e), true) +
         cell(interval, true) + "</tr>\n";
  }
  return h + "</tbody>\n</table></div>\n";
}

/// Utilisation per pool: a bar to the mean and a whisker over the 95%
/// interval, the value written out on each line.
std::string utilisation_chart(const simulation_view& v) {
  constexpr double label_w = 340, bar_w = 360, row_h = 30, top = 24;
  const double height =
      top + row_h * static_cast<double>(std::max<std::size_t>(v.pools.size(), 1)) + 10;
  std::string s = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 860 {}\" role=\"img\" aria-labelledby=\"util-t "
      "util-d\"><title id=\"util-t\">Staff utilisation per pool</title><desc id=\"util-d\">For "
      "each pool of people (a role, in a region for region-split units): the share of its "
      "on-shift time spent busy, the mean over the replications as a bar and its 95% confidence "
      "interval as a whisker, with the values written out.</desc>\n",
      num(height));
  for (const int pct : {0, 25, 50, 75, 100}) {
    const double x = label_w + bar_w * pct / 100.0;
    s += fmt::format(
        "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
        "<text class=\"axis\" x=\"{0}\" y=\"14\" text-anchor=\"middle\">{3}%</text>\n",
        num(x), num(top - 4), num(height - 8), pct);
  }
  if (v.pools.empty())
    s += fmt::format("<text x=\"{}\" y=\"{}\">no staff</text>\n", num(label_w), num(top + 18));
  double y = top;
  const sim::estimate none;
  for (const auto& p : v.pools) {
    const std::string prefix =
        p.region.empty() ? "pool." + p.role : fmt::format("pool.{}.{}", p.role, p.region);
    const auto* found = find(v.summary.pools, prefix + ".utilisation");
    const sim::estimate& e = found ? *found : none;
    s += fmt::format("<g><title>{}: {}</title>", esc(pool_label(p.role, p.region)),
                     esc(show_estimate(e)));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", num(label_w - 8),
                     num(y + 19), esc(pool_label(p.role, p.region)));
    double end = label_w;
    if (e.mean) {
      const auto x_of = [&](double share) { return label_w + bar_w * std::clamp(share, 0.0, 1.0); };
      s += fmt::format("<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                       num(label_w), num(y + 6), num(x_of(*e.mean) - label_w), num(row_h - 12));
      end = x_of(*e.mean);
      if (e.half_width) {
        const double lo = x_of(*e.mean - *e.half_width), hi = x_of(*e.mean + *e.half_width);
        s += fmt::format(
            "<line class=\"whisker\" x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\"/>"
            "<line class=\"whisker\" x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{4}\"/>"
            "<line class=\"whisker\" x1=\"{1}\" y1=\"{3}\" x2=\"{1}\" y2=\"{4}\"/>",
            num(lo), num(hi), num(y + 15), num(y + 9), num(y + 21));
        end = std::max(end, hi);
      }
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text></g>\n", num(end + 8), num(y + 19),
                     esc(show_estimate(e)));
    y += row_h;
  }
  return s + "</svg>\n";
}

/// Queue length over time for the pools of one unit (tier or team): one line
/// per region (and role), its name written at its end; the start of the
/// reported period marked when the warm-up is shown before it.
std::string queue_chart(std::size_t number, const std::string& unit,
                        const std::vector<const queue_series*>& lines, const simulation_view& v) {
  constexpr double left = 60, width = 640, top = 30, plot_h = 200;
  timestamp first = timestamp::max(), last = timestamp::min();
  double max = 1;
  for (const auto* q : lines) {
    for (const auto& [at, length] : q->points) {
      first = std::min(first, at);
      last = std::max(last, at);
      max = std::max(max, length);
    }
  }
  const double span = last > first ? static_cast<double>((last - first).count()) : 1.0;
  const auto x_of = [&](timestamp at) {
    return left + width * static_cast<double>((at - first).count()) / span;
  };
  const auto y_of = [&](double length) { return top + plot_h - plot_h * length / max; };
  std::string desc = fmt::format(
      "Tickets waiting for the people of {} at each sampling instant, the mean over the "
      "replications; one line per pool:",
      unit);
  for (std::size_t i = 0; i < lines.size(); ++i)
    desc += fmt::format(" {} ({}){}", pool_label(lines[i]->role, lines[i]->region),
                        i % 6 == 0 ? "solid" : "dashed", i + 1 < lines.size() ? "," : ".");
  std::string s = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 860 270\" role=\"img\" aria-labelledby=\"queue{0}-t "
      "queue{0}-d\"><title id=\"queue{0}-t\">Queue length over time: {1}</title><desc "
      "id=\"queue{0}-d\">{2}</desc>\n",
      number, esc(unit), esc(desc));
  s += fmt::format(
      "<line class=\"axisline\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>"
      "<text class=\"axis\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">0</text>"
      "<text class=\"axis\" x=\"{3}\" y=\"{5}\" text-anchor=\"end\">{6}</text>\n",
      num(left), num(top + plot_h), num(left + width), num(left - 6), num(top + plot_h + 4),
      num(top + 4), num(max));
  if (first < last) {
    for (int i = 0; i <= 4; ++i) {
      const timestamp at = first + (last - first) * i / 4;
      s += fmt::format("<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       num(x_of(at)), num(top + plot_h + 18),
                       esc(format_local(at, v.offset, "%m-%d %H:%M")));
    }
    if (v.from > first && v.from < last) {
      s += fmt::format(
          "<line class=\"warmup\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><text "
          "class=\"axis\" x=\"{3}\" y=\"{4}\">reported period →</text>\n",
          num(x_of(v.from)), num(top), num(top + plot_h), num(x_of(v.from) + 4), num(top + 10));
    }
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto* q = lines[i];
    if (q->points.empty()) continue;
    std::string points;
    for (const auto& [at, length] : q->points)
      points += fmt::format("{},{} ", num(x_of(at)), num(y_of(length)));
    const std::string name = q->region.empty() ? q->role : q->region;
    s += fmt::format(
        "<polyline class=\"q q{}\" points=\"{}\"><title>{}: at most {} waiting"
        "</title></polyline>\n",
        i % 6, points, esc(pool_label(q->role, q->region)), num(q->peak()));
    const auto& end = q->points.back();
    s +=
        fmt::format("<text class=\"small\" x=\"{}\" y=\"{}\">{}</text>\n", num(x_of(end.first) + 6),
                    num(y_of(end.second) + 4 + 12 * static_cast<double>(i % 3) - 12), esc(name));
  }
  return s + "</svg>\n";
}

/// The queue charts, one per unit, in the order the pools come.
std::string queue_section(const simulation_view& v) {
  std::string h = "<section id=\"queues\">\n<h2>Queue length over time</h2>\n";
  h += "<p>Tickets ready and waiting for each pool (nearest deadline first), the mean over the "
       "replications at each sampling instant.</p>\n";
  std::vector<std::string> units;
  std::map<std::string, std::vector<const queue_series*>> by_unit;
  for (const auto& q : v.queues) {
    if (!by_unit.contains(q.unit)) units.push_back(q.unit);
    by_unit[q.unit].push_back(&q);
  }
  if (units.empty()) h += "<p>No queue was sampled.</p>\n";
  std::size_t number = 0;
  for (const auto& unit : units) {
    h += fmt::format("<h3>{}</h3>\n", esc(show_group_value(unit)));
    h += queue_chart(++number, unit, by_unit[unit], v);
    h += "<table>\n<thead><tr><th>Pool</th><th>Mean waiting</th><th>Most waiting</th></tr>"
         "</thead>\n<tbody>\n";
    for (const auto* q : by_unit[unit]) {
      h += "<tr>" + cell(pool_label(q->role, q->region)) +
           cell(fmt::format("{:.1f}", q->mean()), true) +
           cell(fmt::format("{:.1f}", q->peak()), true) + "</tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }
  return h + "</section>\n";
}

}  // namespace

std::string render_sim_html(const simulation_view& v, const kpi::report& first,
                            const kpi::report& by_tier, const kpi::report& by_region,
                            const comparison_view* c) {
  const std::string period = fmt::format("{} to {} ({})", instant(v.from, v.offset),
                                         instant(v.to, v.offset), format_utc_offset(v.offset));
  const std::string name = v.title.empty() ? v.scenario_id : v.title;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>Simulation {} {}</title>\n", esc(name), esc(period));
  h += fmt::format("<style>{}{}</style>\n</head>\n<body>\n<main>\n", html_style(), extra_style);
  h += fmt::format("<header>\n<h1>Simulation: {}</h1>\n", esc(name));
  h += fmt::format("<p class=\"meta\">Scenario {} ({}) on the workflows in {}</p>\n",
                   esc(v.scenario_id), esc(v.file), esc(v.workflows));
  h += fmt::format(
      "<p class=\"meta\">Period: {} (the end excluded), after {} warm-up "
      "day(s)</p>\n",
      esc(period), v.warm_up_days);
  h += fmt::format(
      "<p class=\"meta\">{} replication(s), seed {}; the trail of replication 1: "
      "{}</p>\n",
      v.summary.replications, v.seed, esc(v.store));
  if (v.forecast) {
    h += fmt::format(
        "<p class=\"meta\">Forecast from the open tickets of {} at {} (read "
        "only)</p>\n",
        esc(v.live_store), esc(format_iso8601(v.start, v.offset)));
  }
  h += fmt::format("<p class=\"meta\">Generated by tierflow {}</p>\n", esc(version_string));
  h += "</header>\n";

  if (c != nullptr) {
    h += "<section id=\"comparison\">\n<h2>Comparison</h2>\n";
    h += fmt::format(
        "<p>A: {}<br>B: {}<br>B − A ± the half-width of Welch's 95% interval; "
        "significant when the interval excludes 0. The same seeds on both "
        "sides. Among many indicators about one in twenty that did not really "
        "change still shows as significant by chance.</p>\n",
        esc(c->a_label), esc(c->b_label));
    const auto table = [&](bool significant_only) {
      std::string t =
          "<div class=\"wide\"><table>\n<thead><tr><th>Indicator</th><th>A</th><th>B</th>"
          "<th>B − A</th><th>Significant</th></tr></thead>\n<tbody>\n";
      for (const auto& d : c->differences) {
        if (significant_only && !d.significant) continue;
        const sim::estimate a{d.name, 0, d.a, std::nullopt}, b{d.name, 0, d.b, std::nullopt};
        t += "<tr>" + cell(d.name) + cell(show_estimate(a), true) + cell(show_estimate(b), true) +
             cell(show_difference(d), true) + cell(d.significant ? "significant" : "—") + "</tr>\n";
      }
      return t + "</tbody>\n</table></div>\n";
    };
    const auto significant = static_cast<std::size_t>(
        std::count_if(c->differences.begin(), c->differences.end(),
                      [](const sim::difference& d) { return d.significant; }));
    h += fmt::format("<h3>Significant differences: {} of {} indicators</h3>\n", significant,
                     c->differences.size());
    if (significant == 0)
      h += "<p>No indicator differs significantly.</p>\n";
    else
      h += table(true);
    h += "<details><summary>Every indicator</summary>\n" + table(false) + "</details>\n";
    h += "</section>\n";
    h += "<p>The rest of this page is alternative A.</p>\n";
  }

  h += "<section id=\"key\">\n<h2>Key indicators</h2>\n";
  h += "<p>The mean over the replications ± the half-width of its 95% confidence interval "
       "(Student t); every indicator is under <a href=\"#estimates\">Indicators over the "
       "replications</a>.</p>\n";
  {
    std::vector<sim::estimate> key;
    for (const char* metric :
         {"opened", "closed", "on_time_rate", "first_contact_resolution_rate", "escalation_rate",
          "contact_p90_s", "resolve_p50_s", "resolve_p90_s", "satisfaction_rate"})
      if (const auto* e = find(v.summary.total, metric)) key.push_back(*e);
    for (const char* metric : {"tickets_opened", "stuck", "open_at_end"})
      if (const auto* e = find(v.summary.pools, metric)) key.push_back(*e);
    h += estimates_table(key);
  }
  h += "</section>\n";

  h += "<section id=\"utilisation\">\n<h2>Staff utilisation</h2>\n";
  h += "<p>Busy time ÷ on-shift time of each pool in the reported period; the whisker is the "
       "95% confidence interval over the replications.</p>\n";
  h += utilisation_chart(v);
  h += "</section>\n";

  h += queue_section(v);

  if (v.forecast) {
    h += "<section id=\"forecast\">\n<h2>Open tickets that will breach</h2>\n";
    if (v.breaches.empty()) {
      h += "<p>No open ticket breaches in the horizon.</p>\n";
    } else {
      h += "<table>\n<thead><tr><th>Ticket</th><th>Deadline</th><th>Earliest breach</th>"
           "<th>Replications</th><th>Unit</th><th>Region</th></tr></thead>\n<tbody>\n";
      for (const auto& b : v.breaches) {
        h += "<tr>" + cell(b.ticket_id) + cell(b.deadline) + cell(instant(b.at, v.offset)) +
             cell(fmt::format("{}/{}", b.replications, v.summary.replications), true) +
             cell(show_group_value(b.unit)) + cell(show_group_value(b.region)) + "</tr>\n";
      }
      h += "</tbody>\n</table>\n";
    }
    h += "</section>\n";
  }

  h += "<section id=\"estimates\">\n<h2>Indicators over the replications</h2>\n";
  h += "<p>The mean over the replications ± the half-width of its 95% confidence interval "
       "(Student t); n: the replications with a value (a rate with nothing to count has "
       "none).</p>\n";
  h += "<details><summary>All tickets</summary>\n" + estimates_table(v.summary.total) +
       "</details>\n";
  for (const auto& row : v.summary.rows) {
    std::string group;
    for (std::size_t i = 0; i < row.group.size(); ++i) {
      group += fmt::format("{}{} {}", group.empty() ? "" : ", ",
                           i < v.by.size() ? kpi::to_string(v.by[i]) : "group",
                           show_group_value(row.group[i]));
    }
    h += fmt::format("<details><summary>{}</summary>\n", esc(group)) + estimates_table(row.values) +
         "</details>\n";
  }
  h += "<details><summary>Pools and run counts</summary>\n" + estimates_table(v.summary.pools) +
       "</details>\n";
  h += "</section>\n";

  h += "<section id=\"replication\">\n<h2>Replication 1 in detail</h2>\n";
  h += "<p>The first replication's indicators as <code>tierflow report --html</code> shows "
       "them.</p>\n</section>\n";
  h += render_html_sections(first, by_tier, by_region, report_source{v.store, v.offset});

  h += fmt::format(
      "<footer>\n<p>Rates are percentages; “—” means there was nothing to count, never zero. "
      "Calendar times count every hour; “wh” is working hours. Times are shown at UTC{}. The "
      "indicators: workflows/INDICATORS.md; the scenario format: "
      "workflows/SIMULATION.md.</p>\n</footer>\n",
      esc(format_utc_offset(v.offset)));
  return h + "</main>\n</body>\n</html>\n";
}

}  // namespace tierflow::cli
