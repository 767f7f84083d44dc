// SPDX-License-Identifier: MIT
// `tierflow report --html`: one self-contained page (report_render.hpp).
// A supervisor mails it or opens it offline, and a page that fetched
// anything (a font, a chart library, a stylesheet) would leak that it was
// opened, break without a network, and run code nobody reviewed; so the
// charts are inline SVG drawn here, the style is inline CSS, there is no
// script and no reference to anything outside the file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
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

namespace tierflow::cli {
namespace {

std::string esc(std::string_view text) { return html_escape(text); }
std::string instant(timestamp t, std::chrono::minutes offset) { return page_instant(t, offset); }
std::string num(double v) { return svg_number(v); }

// --- charts --------------------------------------------------------------------------

/// One bar of a horizontal bar chart: `fraction` of the full length (nullopt:
/// no data, drawn as text only), and the text written beside it.
struct bar {
  std::string label;
  std::optional<double> fraction;
  std::string value_text;
};

/// A horizontal bar chart: a label, a bar and its value written out on each
/// line, so that it reads without colour and in a screen reader (title and
/// desc name what it shows). `percent` draws a 0–100 % scale.
std::string bar_chart(std::string_view id, std::string_view title, std::string_view desc,
                      const std::vector<bar>& bars, bool percent) {
  constexpr double label_w = 220, bar_w = 460, row_h = 28, top = 24;
  const double height = top + row_h * static_cast<double>(std::max<std::size_t>(bars.size(), 1)) + 10;
  std::string s = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 860 {}\" role=\"img\" aria-labelledby=\"{}-t {}-d\">"
      "<title id=\"{}-t\">{}</title><desc id=\"{}-d\">{}</desc>\n",
      num(height), id, id, id, esc(title), id, esc(desc));
  if (percent) {
    for (const int pct : {0, 25, 50, 75, 100}) {
      const double x = label_w + bar_w * pct / 100.0;
      s += fmt::format(
          "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
          "<text class=\"axis\" x=\"{0}\" y=\"14\" text-anchor=\"middle\">{3}%</text>\n",
          num(x), num(top - 4), num(height - 8), pct);
    }
  }
  if (bars.empty()) {
    s += fmt::format("<text x=\"{}\" y=\"{}\">no data</text>\n", num(label_w), num(top + 18));
  }
  double y = top;
  for (const auto& b : bars) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", num(label_w - 8),
                     num(y + 18), esc(b.label));
    double end = label_w;
    if (b.fraction) {
      const double w = bar_w * std::clamp(*b.fraction, 0.0, 1.0);
      s += fmt::format("<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                       num(label_w), num(y + 5), num(w), num(row_h - 10));
      end = label_w + w;
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(std::max(end, label_w) + 6),
                     num(y + 18), esc(b.value_text));
    y += row_h;
  }
  return s + "</svg>\n";
}

/// One point of a time series.
struct series_point {
  timestamp at{};
  std::uint64_t a = 0, b = 0;
};

/// The label pattern of a time axis: dates alone when every instant is at
/// the same time of day (daily samples), else dates and times.
std::string axis_pattern(const std::vector<series_point>& points, std::chrono::minutes offset) {
  for (const auto& p : points)
    if (format_local(p.at, offset, "%H:%M") != format_local(points.front().at, offset, "%H:%M"))
      return "%m-%d %H:%M";
  return "%m-%d";
}

/// Every `step`-th label on a time axis, so that a month of days stays
/// legible at 1280 px.
std::size_t label_step(std::size_t count) { return count <= 12 ? 1 : (count + 11) / 12; }

/// Grouped vertical bars per instant: `a` filled, `b` outlined (told apart
/// by form and by the legend's words, not by colour alone).
std::string volume_chart(const std::vector<series_point>& points, std::chrono::minutes offset) {
  constexpr double left = 60, width = 760, top = 40, plot_h = 200;
  std::uint64_t max = 1;
  for (const auto& p : points) max = std::max({max, p.a, p.b});
  const double slot = width / static_cast<double>(std::max<std::size_t>(points.size(), 1));
  const double bw = std::max(1.0, slot * 0.38);
  std::string s =
      "<svg class=\"chart\" viewBox=\"0 0 860 290\" role=\"img\" aria-labelledby=\"volume-t "
      "volume-d\"><title id=\"volume-t\">Tickets opened and closed</title><desc "
      "id=\"volume-d\">For each sampling instant, the tickets opened (filled bar) and closed "
      "(outlined bar) since the previous one.</desc>\n";
  s += fmt::format(
      "<rect class=\"bar\" x=\"{0}\" y=\"8\" width=\"14\" height=\"12\"/><text x=\"{1}\" "
      "y=\"19\">opened (filled)</text><rect class=\"outline\" x=\"{2}\" y=\"8\" width=\"14\" "
      "height=\"12\"/><text x=\"{3}\" y=\"19\">closed (outlined)</text>\n",
      num(left), num(left + 20), num(left + 160), num(left + 180));
  s += fmt::format(
      "<line class=\"axisline\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>"
      "<text class=\"axis\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">0</text>"
      "<text class=\"axis\" x=\"{3}\" y=\"{5}\" text-anchor=\"end\">{6}</text>\n",
      num(left), num(top + plot_h), num(left + width), num(left - 6), num(top + plot_h + 4),
      num(top + 4), max);
  const std::size_t every = label_step(points.size());
  const std::string pattern = axis_pattern(points, offset);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    const double x = left + slot * static_cast<double>(i) + slot * 0.1;
    const double ha = plot_h * static_cast<double>(p.a) / static_cast<double>(max);
    const double hb = plot_h * static_cast<double>(p.b) / static_cast<double>(max);
    const std::string when = instant(p.at, offset);
    s += fmt::format(
        "<g><title>{0}: opened {1}, closed {2}</title><rect class=\"bar\" x=\"{3}\" y=\"{4}\" "
        "width=\"{5}\" height=\"{6}\"/><rect class=\"outline\" x=\"{7}\" y=\"{8}\" width=\"{5}\" "
        "height=\"{9}\"/></g>\n",
        esc(when), p.a, p.b, num(x), num(top + plot_h - ha), num(bw), num(ha), num(x + bw),
        num(top + plot_h - hb), num(hb));
    if (i % every == 0) {
      s += fmt::format("<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       num(x + bw), num(top + plot_h + 18),
                       esc(format_local(p.at, offset, pattern)));
    }
  }
  return s + "</svg>\n";
}

/// Two lines over time: open tickets (solid) and overdue ones (dashed).
std::string backlog_chart(const std::vector<series_point>& points, std::chrono::minutes offset) {
  constexpr double left = 60, width = 760, top = 40, plot_h = 200;
  std::uint64_t max = 1;
  for (const auto& p : points) max = std::max({max, p.a, p.b});
  const double dx = points.size() > 1 ? width / static_cast<double>(points.size() - 1) : 0;
  const auto xy = [&](std::size_t i, std::uint64_t v) {
    const double x = left + (points.size() > 1 ? dx * static_cast<double>(i) : width / 2);
    const double y = top + plot_h - plot_h * static_cast<double>(v) / static_cast<double>(max);
    return std::pair{x, y};
  };
  std::string s =
      "<svg class=\"chart\" viewBox=\"0 0 860 290\" role=\"img\" aria-labelledby=\"backlog-t "
      "backlog-d\"><title id=\"backlog-t\">Backlog and overdue tickets</title><desc "
      "id=\"backlog-d\">Open tickets (solid line, round marks) and, of them, overdue tickets "
      "(dashed line, square marks) at each sampling instant.</desc>\n";
  s += fmt::format(
      "<line class=\"open\" x1=\"{0}\" y1=\"14\" x2=\"{1}\" y2=\"14\"/><text x=\"{2}\" "
      "y=\"19\">open (solid)</text><line class=\"overdue\" x1=\"{3}\" y1=\"14\" x2=\"{4}\" "
      "y2=\"14\"/><text x=\"{5}\" y=\"19\">overdue (dashed)</text>\n",
      num(left), num(left + 24), num(left + 30), num(left + 160), num(left + 184),
      num(left + 190));
  s += fmt::format(
      "<line class=\"axisline\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>"
      "<text class=\"axis\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">0</text>"
      "<text class=\"axis\" x=\"{3}\" y=\"{5}\" text-anchor=\"end\">{6}</text>\n",
      num(left), num(top + plot_h), num(left + width), num(left - 6), num(top + plot_h + 4),
      num(top + 4), max);
  std::string open_line, overdue_line;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto [xa, ya] = xy(i, points[i].a);
    const auto [xb, yb] = xy(i, points[i].b);
    open_line += fmt::format("{},{} ", num(xa), num(ya));
    overdue_line += fmt::format("{},{} ", num(xb), num(yb));
  }
  s += fmt::format("<polyline class=\"open\" points=\"{}\"/>\n", open_line);
  s += fmt::format("<polyline class=\"overdue\" points=\"{}\"/>\n", overdue_line);
  const std::size_t every = label_step(points.size());
  const std::string pattern = axis_pattern(points, offset);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto [xa, ya] = xy(i, points[i].a);
    const auto [xb, yb] = xy(i, points[i].b);
    s += fmt::format(
        "<g><title>{0}: {1} open, {2} overdue</title><circle class=\"mark\" cx=\"{3}\" cy=\"{4}\" "
        "r=\"4\"/><rect class=\"mark\" x=\"{5}\" y=\"{6}\" width=\"7\" height=\"7\"/></g>\n",
        esc(instant(points[i].at, offset)), points[i].a, points[i].b, num(xa), num(ya),
        num(xb - 3.5), num(yb - 3.5));
    if (i % every == 0) {
      s += fmt::format("<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       num(xa), num(top + plot_h + 18),
                       esc(format_local(points[i].at, offset, pattern)));
    }
  }
  return s + "</svg>\n";
}

/// The distribution of the time to resolve, one strip per tier and one for
/// all: a line to the maximum with p50, p90 and p99 marked and labelled.
std::string resolve_chart(const std::vector<std::pair<std::string, kpi::distribution>>& rows) {
  constexpr double label_w = 220, width = 560, row_h = 46, top = 30;
  double max_h = 1;
  for (const auto& [name, d] : rows)
    if (d.max) max_h = std::max(max_h, static_cast<double>(*d.max) / 3600.0);
  const double height = top + row_h * static_cast<double>(std::max<std::size_t>(rows.size(), 1)) + 10;
  std::string s = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 860 {}\" role=\"img\" aria-labelledby=\"resolve-t "
      "resolve-d\"><title id=\"resolve-t\">Time to resolve, calendar hours</title><desc "
      "id=\"resolve-d\">For all tickets and each tier: the range of the time from opening to "
      "closing, with the median (p50), p90 and p99 marked and written out.</desc>\n",
      num(height));
  for (const int pct : {0, 50, 100}) {
    s += fmt::format("<text class=\"axis\" x=\"{}\" y=\"14\" text-anchor=\"middle\">{} h</text>\n",
                     num(label_w + width * pct / 100.0), num(max_h * pct / 100.0));
  }
  double y = top;
  for (const auto& [name, d] : rows) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", num(label_w - 8),
                     num(y + 20), esc(name));
    if (d.count == 0 || !d.max) {
      s += fmt::format("<text x=\"{}\" y=\"{}\">— no ticket closed</text>\n", num(label_w),
                       num(y + 20));
      y += row_h;
      continue;
    }
    const auto x_of = [&](std::int64_t seconds) {
      return label_w + width * (static_cast<double>(seconds) / 3600.0) / max_h;
    };
    s += fmt::format("<line class=\"range\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                     num(label_w), num(y + 15), num(x_of(*d.max)), num(y + 15));
    const std::pair<const char*, std::optional<std::int64_t>> marks[] = {
        {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}};
    std::string legend;
    for (const auto& [mark, value] : marks) {
      if (!value) continue;
      s += fmt::format("<line class=\"tick\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>",
                       num(x_of(*value)), num(y + 7), num(y + 23));
      s += fmt::format("<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       num(x_of(*value)), num(y + 5), mark);
      legend += fmt::format("{} {} · ", mark, show_calendar(static_cast<double>(*value)));
    }
    legend += fmt::format("max {} · {} closed", show_calendar(static_cast<double>(*d.max)), d.count);
    s += fmt::format("<text class=\"small\" x=\"{}\" y=\"{}\">{}</text>\n", num(label_w),
                     num(y + 38), esc(legend));
    y += row_h;
  }
  return s + "</svg>\n";
}

/// The on-time rate of each value of `kind` in `r` (rows added up), or
/// nothing when `r` is not grouped by `kind`.
std::vector<bar> on_time_bars(const kpi::report& r, kpi::group_kind kind) {
  std::size_t column = r.by.size();
  for (std::size_t i = 0; i < r.by.size(); ++i)
    if (r.by[i].kind == kind) column = i;
  std::vector<bar> out;
  if (column == r.by.size()) return out;
  std::map<std::string, kpi::rate> sums;
  for (const auto& row : r.rows) {
    auto& sum = sums[column < row.group.size() ? row.group[column] : std::string()];
    sum.numerator += row.values.on_time.numerator;
    sum.denominator += row.values.on_time.denominator;
  }
  for (const auto& [value, rate] : sums)
    out.push_back({show_group_value(value), rate.value(), show_rate(rate)});
  return out;
}

/// The distribution of the time to resolve per tier (rows of `by_tier`).
std::vector<std::pair<std::string, kpi::distribution>> resolve_rows(const kpi::report& all,
                                                                    const kpi::report& by_tier) {
  std::vector<std::pair<std::string, kpi::distribution>> out;
  out.emplace_back("all tickets", all.total.resolve_calendar);
  if (by_tier.by.size() == 1 && by_tier.by[0].kind == kpi::group_kind::tier) {
    for (const auto& row : by_tier.rows)
      out.emplace_back(show_group_value(row.group.empty() ? "" : row.group[0]),
                       row.values.resolve_calendar);
  }
  return out;
}

std::string tile(std::string_view label, std::string_view value) {
  return fmt::format("<div class=\"tile\"><dt>{}</dt><dd>{}</dd></div>\n", esc(label), esc(value));
}

std::string cell(std::string_view text, bool number = false) {
  return fmt::format("<td{}>{}</td>", number ? " class=\"num\"" : "", esc(text));
}

constexpr std::string_view style = R"(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC",sans-serif;color:#1a202c;background:#fff;margin:0}
main{max-width:1180px;margin:0 auto;padding:24px 32px}
h1{font-size:26px;margin:0 0 6px}h2{font-size:20px;margin:32px 0 10px;border-bottom:2px solid #cbd5e0;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
.meta{color:#4a5568;margin:2px 0}.note{background:#fefcbf;border-left:4px solid #b7791f;padding:6px 10px}
dl.tiles{display:flex;flex-wrap:wrap;gap:12px;margin:0}
.tile{border:1px solid #cbd5e0;border-radius:6px;padding:8px 14px;min-width:150px}
.tile dt{font-size:13px;color:#4a5568}.tile dd{margin:0;font-size:20px;font-weight:600}
svg.chart{width:100%;max-width:860px;height:auto;display:block;font-size:13px;fill:#1a202c}
.bar{fill:#2b6cb0}.outline{fill:#fff;stroke:#1a202c;stroke-width:1.5}
.grid{stroke:#e2e8f0}.axisline{stroke:#4a5568}.axis{fill:#4a5568;font-size:12px}
.small{font-size:12px;fill:#2d3748}.range{stroke:#2b6cb0;stroke-width:6}.tick{stroke:#1a202c;stroke-width:2}
polyline.open,line.open{fill:none;stroke:#2b6cb0;stroke-width:2.5}
polyline.overdue,line.overdue{fill:none;stroke:#c53030;stroke-width:2.5;stroke-dasharray:6 4}
.mark{fill:#1a202c}
table{border-collapse:collapse;margin:6px 0 12px;font-size:14px}
th,td{border-bottom:1px solid #e2e8f0;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f7fafc}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.meter{display:inline-block;height:12px;background:#2b6cb0;vertical-align:middle}
td.points{white-space:nowrap}.wide{overflow-x:auto}.wide table{font-size:13px}
.wide th,.wide td{padding:4px 6px}
footer{margin-top:36px;color:#4a5568;font-size:13px}
)";

}  // namespace

std::string svg_number(double v) { return fmt::format("{:.1f}", v); }

std::string page_instant(timestamp t, std::chrono::minutes offset) {
  return format_local(t, offset, "%F %H:%M");
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view html_style() noexcept { return style; }

std::string render_html(const kpi::report& r, const kpi::report& by_tier,
                        const kpi::report& by_region, const report_source& source) {
  const auto offset = source.offset;
  const std::string period = fmt::format("{} to {} ({})", instant(r.from, offset),
                                         instant(r.to, offset), format_utc_offset(offset));
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += fmt::format("<title>Service report {}</title>\n", esc(period));
  h += fmt::format("<style>{}</style>\n</head>\n<body>\n<main>\n", style);
  h += "<header>\n<h1>Service report</h1>\n";
  h += fmt::format("<p class=\"meta\">Period: {} (the end excluded)</p>\n", esc(period));
  h += fmt::format("<p class=\"meta\">Times shown at UTC{}</p>\n", esc(format_utc_offset(offset)));
  h += fmt::format("<p class=\"meta\">Store: {} · {} ticket(s) read, {} with events in the "
                   "period</p>\n",
                   esc(source.store), r.tickets_read, r.tickets_in_period);
  h += fmt::format("<p class=\"meta\">Generated by tierflow {}</p>\n", esc(version_string));
  if (const auto note = without_outcomes_note(r); !note.empty())
    h += fmt::format("<p class=\"note\">{}</p>\n", esc(note));
  h += "</header>\n";
  h += render_html_sections(r, by_tier, by_region, source);
  if (r.empty()) return h + "</main>\n</body>\n</html>\n";
  h += fmt::format(
      "<footer>\n<p>Rates are percentages with the counts (counted/out of); “—” means there was "
      "nothing to count, never zero. Calendar times count every hour; “wh” is working hours: "
      "the time inside the calendar's working hours (holidays, nights and pauses excluded). "
      "Times are shown at UTC{}. The formulas: workflows/INDICATORS.md.</p>\n</footer>\n",
      esc(format_utc_offset(offset)));
  return h + "</main>\n</body>\n</html>\n";
}

std::string render_html_sections(const kpi::report& r, const kpi::report& by_tier,
                                 const kpi::report& by_region, const report_source& source) {
  const auto offset = source.offset;
  std::string h;
  if (r.empty()) {
    h += fmt::format("<section id=\"empty\">\n<h2>No events</h2>\n<p>{}</p>\n</section>\n",
                     esc(no_events_line(r, source)));
    return h;
  }

  const auto& t = r.total;
  std::vector<series_point> backlog;
  {
    std::map<timestamp, series_point> sums;
    for (const auto& p : r.backlog) {
      auto& s = sums[p.at];
      s.at = p.at;
      s.a += p.open;
      s.b += p.overdue;
    }
    for (const auto& [at, p] : sums) backlog.push_back(p);
  }
  h += "<section id=\"headline\">\n<h2>Headline</h2>\n<dl class=\"tiles\">\n";
  h += tile("Opened", fmt::format("{}", t.opened));
  h += tile("Closed", fmt::format("{}", t.closed));
  h += tile("On time (all deadlines)", show_rate(t.on_time));
  h += tile("First-contact resolution", show_rate(t.first_contact_resolution));
  h += tile("Escalated", show_rate(t.escalation));
  h += tile("Time to resolve, p50", show_calendar(t.resolve_calendar.p50
                                                      ? std::optional<double>(static_cast<double>(
                                                            *t.resolve_calendar.p50))
                                                      : std::nullopt));
  h += tile("Time to resolve, p90", show_calendar(t.resolve_calendar.p90
                                                      ? std::optional<double>(static_cast<double>(
                                                            *t.resolve_calendar.p90))
                                                      : std::nullopt));
  if (!backlog.empty()) {
    h += tile("Open at the end", fmt::format("{}", backlog.back().a));
    h += tile("Overdue at the end", fmt::format("{}", backlog.back().b));
  }
  h += "</dl>\n</section>\n";

  h += "<section id=\"on-time\">\n<h2>On-time rate</h2>\n";
  h += "<p>Deadlines that stopped in the period, and how many of them in time (met ÷ "
       "stopped).</p>\n";
  h += "<h3>Per tier</h3>\n" +
       bar_chart("ontime-tier", "On-time rate per tier",
                 "The share of deadlines met, per tier that held the ticket when the deadline "
                 "stopped, with the counts written out.",
                 on_time_bars(by_tier, kpi::group_kind::tier), true);
  h += "<h3>Per region</h3>\n" +
       bar_chart("ontime-region", "On-time rate per region",
                 "The share of deadlines met, per customer region, with the counts written out.",
                 on_time_bars(by_region, kpi::group_kind::region), true);
  {
    std::vector<bar> bars;
    for (const auto& [id, outcome] : t.deadlines)
      bars.push_back({id, outcome.on_time.value(), show_rate(outcome.on_time)});
    h += "<h3>Per deadline</h3>\n" +
         bar_chart("ontime-deadline", "On-time rate per deadline",
                   "The share of each deadline met, with the counts written out.", bars, true);
  }
  h += "</section>\n";

  h += "<section id=\"escalations\">\n<h2>Escalations by level</h2>\n";
  h += fmt::format("<p>Tickets opened in the period by the highest escalation level they "
                   "reached (0: never escalated). Escalated: {}.</p>\n",
                   esc(show_rate(t.escalation)));
  {
    std::uint64_t max = 0;
    for (const auto& [level, count] : t.levels_reached) max = std::max(max, count);
    std::vector<bar> bars;
    for (const auto& [level, count] : t.levels_reached) {
      bars.push_back({fmt::format("level {}", level),
                      max == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(max),
                      fmt::format("{} ticket(s)", count)});
    }
    h += bar_chart("levels", "Escalations by level",
                   "How many tickets reached each escalation level, written beside each bar.",
                   bars, false);
  }
  h += "</section>\n";

  h += "<section id=\"volume\">\n<h2>Volume and backlog over time</h2>\n";
  {
    std::map<timestamp, series_point> sums;
    for (const auto& p : r.backlog) {
      auto& s = sums[p.at];
      s.at = p.at;
      s.a += p.opened;
      s.b += p.closed;
    }
    std::vector<series_point> volume;
    for (const auto& [at, p] : sums) volume.push_back(p);
    h += "<h3>Opened and closed</h3>\n" + volume_chart(volume, offset);
  }
  h += "<h3>Backlog and overdue</h3>\n" + backlog_chart(backlog, offset);
  h += "</section>\n";

  h += "<section id=\"resolve\">\n<h2>Time to resolve</h2>\n";
  h += resolve_chart(resolve_rows(r, by_tier));
  h += "</section>\n";

  h += "<section id=\"overdue\">\n<h2>Worst overdue tickets</h2>\n";
  if (r.worst_overdue.empty()) {
    h += fmt::format("<p>No ticket overdue at {}.</p>\n", esc(instant(r.to, offset)));
  } else {
    h += "<table>\n<thead><tr><th>Ticket</th><th>Workflow</th><th>Deadline</th><th>Breached "
         "at</th><th>Overdue by</th><th>Unit</th><th>Region</th><th>Owner</th><th>Assignee</th>"
         "</tr></thead>\n<tbody>\n";
    for (const auto& o : r.worst_overdue) {
      h += "<tr>" + cell(o.ticket_id) + cell(o.workflow_id) + cell(o.deadline) +
           cell(instant(o.breached_at, offset)) +
           cell(show_calendar(static_cast<double>(o.overdue_seconds)), true) +
           cell(show_group_value(o.unit)) + cell(show_group_value(o.region)) +
           cell(show_group_value(o.owner)) + cell(show_group_value(o.assignee)) + "</tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }
  h += "</section>\n";

  h += "<section id=\"managers\">\n<h2>Manager points</h2>\n";
  if (r.managers.empty()) {
    h += "<p>No manager owned a ticket in the period.</p>\n";
  } else {
    h += "<table>\n<thead><tr><th>Rank</th><th>Manager</th><th>Points (0–100)</th><th>Scores"
         "</th></tr></thead>\n<tbody>\n";
    for (const auto& m : r.managers) {
      std::string scores;
      for (const auto& [name, score] : m.scores)
        scores += fmt::format("{}{} {:.2f}", scores.empty() ? "" : ", ", name, score);
      const std::string points = m.points ? fmt::format("{:.1f}", *m.points) : "—";
      const std::string meter =
          m.points ? fmt::format(" <span class=\"meter\" style=\"width:{}px\"></span>",
                                 num(std::clamp(*m.points, 0.0, 100.0) * 2))
                   : "";
      h += "<tr>" + cell(m.rank == 0 ? "—" : fmt::format("{}", m.rank), true) + cell(m.person) +
           "<td class=\"points\">" + esc(points) + meter + "</td>" + cell(scores) + "</tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }
  h += "</section>\n";

  h += "<section id=\"units\">\n<h2>Time per unit</h2>\n";
  if (r.units.empty()) {
    h += "<p>No stay in a unit ended in the period.</p>\n";
  } else {
    h += "<table>\n<thead><tr><th>Unit</th><th>Kind</th><th>Stays</th><th>Calendar time</th>"
         "<th>Working time</th><th>Mean stay</th></tr></thead>\n<tbody>\n";
    for (const auto& u : r.units) {
      const std::optional<double> mean =
          u.stays == 0 ? std::nullopt
                       : std::optional<double>(static_cast<double>(u.calendar_seconds) /
                                               static_cast<double>(u.stays));
      h += "<tr>" + cell(u.unit) + cell(u.is_team ? "team" : "tier") +
           cell(fmt::format("{}", u.stays), true) +
           cell(show_calendar(static_cast<double>(u.calendar_seconds)), true) +
           cell(show_working(static_cast<double>(u.business_seconds)), true) +
           cell(show_calendar(mean), true) + "</tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }
  h += "</section>\n";

  h += "<section id=\"groups\">\n<h2>Indicators by group</h2>\n<div class=\"wide\">\n<table>\n"
       "<thead><tr>";
  for (const auto& key : r.by) h += "<th>" + esc(kpi::to_string(key)) + "</th>";
  if (r.by.empty()) h += "<th></th>";
  for (const char* name : {"Opened", "Closed", "On time", "First contact", "Escalated",
                           "Bounce", "Reopened", "Resolve p50", "Resolve p90", "Resolve p90 wh"})
    h += fmt::format("<th>{}</th>", name);
  h += "</tr></thead>\n<tbody>\n";
  const auto group_line = [&](const std::vector<std::string>& group, const kpi::indicators& v) {
    std::string line = "<tr>";
    for (const auto& g : group) line += cell(g);
    const auto sec = [](std::optional<std::int64_t> s) {
      return s ? std::optional<double>(static_cast<double>(*s)) : std::nullopt;
    };
    line += cell(fmt::format("{}", v.opened), true) + cell(fmt::format("{}", v.closed), true) +
            cell(show_rate(v.on_time), true) + cell(show_rate(v.first_contact_resolution), true) +
            cell(show_rate(v.escalation), true) + cell(show_rate(v.bounce), true) +
            cell(show_rate(v.reopen), true) + cell(show_calendar(sec(v.resolve_calendar.p50)), true) +
            cell(show_calendar(sec(v.resolve_calendar.p90)), true) +
            cell(show_working(sec(v.resolve_business.p90)), true);
    return line + "</tr>\n";
  };
  if (!r.by.empty()) {
    for (const auto& row : r.rows) {
      std::vector<std::string> group;
      for (std::size_t i = 0; i < r.by.size(); ++i)
        group.push_back(show_group_value(i < row.group.size() ? row.group[i] : ""));
      h += group_line(group, row.values);
    }
  }
  std::vector<std::string> total(std::max<std::size_t>(r.by.size(), 1), "");
  total[0] = r.by.empty() ? "all tickets" : "(total)";
  h += group_line(total, t);
  h += "</tbody>\n</table>\n</div>\n</section>\n";
  return h;
}

}  // namespace tierflow::cli
