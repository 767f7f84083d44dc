// SPDX-License-Identifier: MIT
// How `tierflow report` shows a kpi::report: an aligned table for a
// supervisor's terminal, CSV and JSON for machines (report_text.cpp), and
// one self-contained HTML file (report_html.cpp). Pure functions of the
// report and where it came from, so the tests render hand-built reports.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/kpi.hpp>

namespace tierflow::cli {

/// Where a report came from, for its header lines.
struct report_source {
  std::string store;                  ///< the store URL, passwords scrubbed
  std::chrono::minutes offset{0};     ///< the zone times are shown in
};

/// A rate as "92.3% (12/13)"; "—" when its denominator is 0 (no data, never
/// a misleading 0 %).
[[nodiscard]] std::string show_rate(const kpi::rate& r);

/// Calendar seconds as "45s", "20m", "3h 20m", "2d 4h"; "—" for nullopt.
/// Rounded to the nearest second.
[[nodiscard]] std::string show_calendar(std::optional<double> seconds);

/// Business seconds (seconds of working time by the calendar) as working
/// hours with one decimal, "7.5 wh"; "—" for nullopt.
[[nodiscard]] std::string show_working(std::optional<double> seconds);

/// A group value as shown: "(none)" for the empty value (a ticket nobody
/// took, a unit without region).
[[nodiscard]] std::string show_group_value(std::string_view value);

/// The line an empty report prints instead of a table of zeros:
/// "no events between 2026-11-01 00:00 and 2026-12-01 00:00 (+08:00) in STORE".
[[nodiscard]] std::string no_events_line(const kpi::report& r, const report_source& source);

/// The note for trails older than the outcome records, or "" when there are
/// none: their on-time and time figures are missing, not zero.
[[nodiscard]] std::string without_outcomes_note(const kpi::report& r);

/// The report as aligned tables (100 columns for two group keys of unit
/// ids): the main indicators with one line per group row and a total (counts
/// and rates, then times), then the total's
/// deadlines, times, backlog, time per unit, manager points and worst
/// overdue tickets, and a footer saying what each unit means. Lines end in
/// "\n"; values are not yet escaped for a terminal (the caller prints each
/// line through detail::printable).
[[nodiscard]] std::string render_table(const kpi::report& r, const report_source& source);

/// The report as CSV (RFC 4180, CRLF line ends): a header row with one
/// column per group key, then `metric,value,numerator,denominator`; one row
/// per group row × metric (kpi::metrics' names and order), then the total
/// (group cells "(total)"). `value` is empty when there is no data. Text
/// cells are neutralised against spreadsheet formulas and control
/// characters, as `tierflow audit export --format csv` does.
[[nodiscard]] std::string render_csv(const kpi::report& r);

/// The report as one JSON document: period (from, to, zone), by, rows
/// (group values and metrics), total, backlog, units, people, managers,
/// worst_overdue, tickets_read, tickets_in_period, tickets_without_outcomes.
/// A metric's value is null when there is no data. Times as ISO 8601 at the
/// zone's offset. An empty report has no rows nor total but `no_events`,
/// the no_events_line.
[[nodiscard]] std::string render_json(const kpi::report& r, const report_source& source);

/// `text` escaped for HTML text and attribute values (& < > " ').
[[nodiscard]] std::string html_escape(std::string_view text);

/// A number for an SVG attribute: fixed, one decimal, never "1e+06".
[[nodiscard]] std::string svg_number(double v);

/// An instant as the pages show it: "2026-11-24 09:05" at the zone's offset.
[[nodiscard]] std::string page_instant(timestamp t, std::chrono::minutes offset);

/// The report as one self-contained HTML page: inline CSS and inline SVG
/// charts, no script, no external reference of any kind. Every value from
/// the store is escaped. `r` is the report as asked (its grouped table);
/// `by_tier` and `by_region` the same period grouped by tier and by region
/// alone, for the on-time charts (`r` itself when it is grouped so). An
/// empty `r` gives a page that says so instead of charts of zeros.
[[nodiscard]] std::string render_html(const kpi::report& r, const kpi::report& by_tier,
                                      const kpi::report& by_region, const report_source& source);

// --- Pieces shared with `tierflow simulate` (simulate_render.hpp) ------------------------

/// Columns a terminal gives `text`: one per code point, two for the wide
/// (CJK) ones, so that a column of Chinese unit names stays aligned.
[[nodiscard]] std::size_t display_width(std::string_view text);

/// An aligned text table: the first `left` columns flush left (names), the
/// rest flush right (numbers), two spaces between columns; trailing blanks
/// trimmed.
class text_table {
 public:
  text_table(std::vector<std::string> header, std::size_t left)
      : left_(left), rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  /// The rows, each line prefixed by `indent` and ended by "\n".
  [[nodiscard]] std::string render(std::string_view indent = "") const;

 private:
  std::size_t left_;
  std::vector<std::vector<std::string>> rows_;
};

/// One CSV cell, made safe for a spreadsheet as `tierflow audit export
/// --format csv` does (tierflow/audit.hpp, write_csv): a leading formula
/// character neutralised by a quote, control characters escaped, quoted
/// when it holds a comma, a quote or a line end.
[[nodiscard]] std::string csv_cell(std::string_view text);

/// The report page's inline style sheet (the CSS between <style> and
/// </style>), so that pages built around its sections look the same.
[[nodiscard]] std::string_view html_style() noexcept;

/// The sections of render_html's page for a report with events (headline,
/// on-time rates, escalations, volume and backlog, time to resolve, worst
/// overdue, manager points, time per unit, indicators by group), without
/// the page around them: for a page that embeds a report. An empty `r`
/// gives the "No events" section.
[[nodiscard]] std::string render_html_sections(const kpi::report& r, const kpi::report& by_tier,
                                               const kpi::report& by_region,
                                               const report_source& source);

}  // namespace tierflow::cli
