// SPDX-License-Identifier: MIT
// `tierflow report` as a table, CSV and JSON (report_render.hpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
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
#include "text/escape.hpp"

namespace tierflow::cli {
namespace {

constexpr std::string_view no_data = "—";

std::string show_instant(timestamp t, std::chrono::minutes offset) {
  return format_local(t, offset, "%F %H:%M");
}

std::string show_count(std::uint64_t n) { return fmt::format("{}", n); }

std::optional<double> as_double(std::optional<std::int64_t> v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

/// The backlog summed over the groups, one point per instant.
std::vector<kpi::backlog_point> backlog_by_instant(const kpi::report& r) {
  std::map<timestamp, kpi::backlog_point> sums;
  for (const auto& p : r.backlog) {
    auto& s = sums[p.at];
    s.at = p.at;
    s.open += p.open;
    s.overdue += p.overdue;
    s.opened += p.opened;
    s.closed += p.closed;
  }
  std::vector<kpi::backlog_point> out;
  for (auto& [at, p] : sums) out.push_back(std::move(p));
  return out;
}

std::string group_keys_text(const kpi::report& r) {
  std::string out;
  for (const auto& key : r.by) out += (out.empty() ? "" : ", ") + kpi::to_string(key);
  return out;
}

// --- CSV -----------------------------------------------------------------------------

std::string csv_number(std::optional<double> v) { return v ? fmt::format("{}", *v) : ""; }

void csv_rows(std::string& out, const std::vector<std::string>& group,
              const kpi::indicators& values) {
  std::string prefix;
  for (const auto& g : group) prefix += csv_cell(g) + ",";
  for (const auto& m : kpi::metrics(values)) {
    out += prefix + csv_cell(m.name) + "," + csv_number(m.value) + ",";
    if (m.numerator) out += fmt::format("{}", *m.numerator);
    out += ",";
    if (m.denominator) out += fmt::format("{}", *m.denominator);
    out += "\r\n";
  }
}

// --- JSON ----------------------------------------------------------------------------

using ordered_json = nlohmann::ordered_json;

ordered_json group_json(const kpi::report& r, const std::vector<std::string>& group) {
  ordered_json out = ordered_json::object();
  for (std::size_t i = 0; i < r.by.size() && i < group.size(); ++i)
    out[kpi::to_string(r.by[i])] = group[i];
  return out;
}

ordered_json indicators_json(const kpi::indicators& values) {
  ordered_json metrics = ordered_json::object();
  for (const auto& m : kpi::metrics(values)) {
    ordered_json one = {{"value", nullptr}};
    if (m.value) one["value"] = *m.value;
    if (m.numerator) one["numerator"] = *m.numerator;
    if (m.denominator) one["denominator"] = *m.denominator;
    metrics[m.name] = std::move(one);
  }
  ordered_json levels = ordered_json::object();
  for (const auto& [level, count] : values.levels_reached) levels[std::to_string(level)] = count;
  return {{"metrics", std::move(metrics)}, {"levels_reached", std::move(levels)}};
}

}  // namespace

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    if (i + length > text.size()) length = text.size() - i;
    char32_t cp = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000;
    width += wide ? 2 : 1;
    i += length;
  }
  return width;
}

std::string text_table::render(std::string_view indent) const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line(indent);
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(widths[c] - display_width(row[c]), ' ');
      if (c > 0) line += "  ";
      line += c < left_ ? row[c] + pad : pad + row[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string csv_cell(std::string_view text) { return detail::csv_field(text); }

std::string show_rate(const kpi::rate& r) {
  const auto v = r.value();
  if (!v) return std::string(no_data);
  return fmt::format("{:.1f}% ({}/{})", *v * 100.0, r.numerator, r.denominator);
}

std::string show_calendar(std::optional<double> seconds) {
  if (!seconds) return std::string(no_data);
  const long long rounded = std::llround(*seconds);
  const std::string sign = rounded < 0 ? "-" : "";
  const std::int64_t s = rounded < 0 ? -rounded : rounded;
  if (s < 60) return fmt::format("{}{}s", sign, s);
  const std::int64_t m = (s + 30) / 60;
  if (m < 60) return fmt::format("{}{}m", sign, m);
  if (m < 24 * 60) {
    return m % 60 == 0 ? fmt::format("{}{}h", sign, m / 60)
                       : fmt::format("{}{}h {}m", sign, m / 60, m % 60);
  }
  const std::int64_t h = (m + 30) / 60;
  return h % 24 == 0 ? fmt::format("{}{}d", sign, h / 24)
                     : fmt::format("{}{}d {}h", sign, h / 24, h % 24);
}

std::string show_working(std::optional<double> seconds) {
  if (!seconds) return std::string(no_data);
  return fmt::format("{:.1f} wh", *seconds / 3600.0);
}

std::string show_group_value(std::string_view value) {
  return value.empty() ? std::string("(none)") : std::string(value);
}

std::string no_events_line(const kpi::report& r, const report_source& source) {
  return fmt::format("no events between {} and {} ({}) in {}: {} ticket(s) read, none with an "
                     "event in the period",
                     show_instant(r.from, source.offset), show_instant(r.to, source.offset),
                     format_utc_offset(source.offset), source.store, r.tickets_read);
}

std::string without_outcomes_note(const kpi::report& r) {
  if (r.tickets_without_outcomes == 0) return {};
  return fmt::format("note: {} ticket(s) have trails older than the outcome records: their "
                     "on-time and time figures are missing, not zero",
                     r.tickets_without_outcomes);
}

std::string render_table(const kpi::report& r, const report_source& source) {
  std::string out;
  out += fmt::format("Service indicators {} to {} ({}){}\n", show_instant(r.from, source.offset),
                     show_instant(r.to, source.offset), format_utc_offset(source.offset),
                     r.by.empty() ? "" : ", by " + group_keys_text(r));
  out += fmt::format("store {}: {} ticket(s) read, {} with events in the period\n", source.store,
                     r.tickets_read, r.tickets_in_period);
  if (const auto note = without_outcomes_note(r); !note.empty()) out += note + "\n";
  out += "\n";

  // The main indicators, one line per group row and the total, in two
  // tables (counts and rates, then times) so that two group columns of
  // unit ids still fit in 100 columns.
  const std::size_t names = std::max<std::size_t>(r.by.size(), 1);
  const auto per_group = [&](const std::vector<const char*>& columns,
                             const auto& cells_of) {
    std::vector<std::string> header;
    for (const auto& key : r.by) header.push_back(kpi::to_string(key));
    if (r.by.empty()) header.emplace_back("");
    for (const char* h : columns) header.emplace_back(h);
    text_table table(header, names);
    const auto add = [&](std::vector<std::string> cells, const kpi::indicators& v) {
      for (auto& c : cells_of(v)) cells.push_back(std::move(c));
      table.add(std::move(cells));
    };
    if (!r.by.empty()) {
      for (const auto& row : r.rows) {
        std::vector<std::string> cells;
        for (std::size_t i = 0; i < names; ++i)
          cells.push_back(show_group_value(i < row.group.size() ? row.group[i] : ""));
        add(std::move(cells), row.values);
      }
    }
    std::vector<std::string> total_cells(names, "");
    total_cells[0] = r.by.empty() ? "all tickets" : "(total)";
    add(std::move(total_cells), r.total);
    return table.render();
  };
  out += per_group({"opened", "closed", "on time", "first contact", "escalated"},
                   [](const kpi::indicators& v) {
                     return std::vector<std::string>{
                         show_count(v.opened), show_count(v.closed), show_rate(v.on_time),
                         show_rate(v.first_contact_resolution), show_rate(v.escalation)};
                   });
  out += "\n";
  out += per_group({"contact p90", "resolve p50", "resolve p90", "resolve p90 wh"},
                   [](const kpi::indicators& v) {
                     return std::vector<std::string>{
                         show_calendar(as_double(v.contact_calendar.p90)),
                         show_calendar(as_double(v.resolve_calendar.p50)),
                         show_calendar(as_double(v.resolve_calendar.p90)),
                         show_working(as_double(v.resolve_business.p90))};
                   });
  out += "\n";

  const auto& t = r.total;
  if (!t.deadlines.empty()) {
    text_table deadlines({"deadline", "on time (met/stopped)", "breached (breached/due)"}, 1);
    for (const auto& [id, outcome] : t.deadlines)
      deadlines.add({id, show_rate(outcome.on_time), show_rate(outcome.breached)});
    deadlines.add({"(every deadline)", show_rate(t.on_time), ""});
    out += "Deadlines, all tickets\n" + deadlines.render("  ") + "\n";
  }

  text_table times({"time to", "count", "mean", "p50", "p90", "p99", "max"}, 1);
  const auto time_row = [&](const char* name, const kpi::distribution& d, bool working) {
    const auto show = [&](std::optional<double> v) {
      return working ? show_working(v) : show_calendar(v);
    };
    times.add({name, show_count(d.count), show(d.mean), show(as_double(d.p50)),
               show(as_double(d.p90)), show(as_double(d.p99)), show(as_double(d.max))});
  };
  time_row("contact, calendar", t.contact_calendar, false);
  time_row("contact, working", t.contact_business, true);
  time_row("resolve, calendar", t.resolve_calendar, false);
  time_row("resolve, working", t.resolve_business, true);
  out += "Times, all tickets\n" + times.render("  ") + "\n";

  text_table flow({"indicator", "value"}, 1);
  flow.add({"handoffs", show_count(t.handoffs)});
  flow.add({"returns", show_count(t.returns)});
  flow.add({"bounce", show_rate(t.bounce)});
  flow.add({"repeat complaints", show_rate(t.repeat)});
  flow.add({"reopened", show_rate(t.reopen)});
  flow.add({"callback", show_rate(t.callback)});
  flow.add({"satisfaction", show_rate(t.satisfaction)});
  std::string levels;
  for (const auto& [level, count] : t.levels_reached)
    levels += fmt::format("{}{}: {}", levels.empty() ? "" : ", ", level, count);
  flow.add({"escalation levels reached", levels.empty() ? std::string(no_data) : levels});
  out += "Flow, all tickets\n" + flow.render("  ") + "\n";

  if (const auto backlog = backlog_by_instant(r); !backlog.empty()) {
    text_table table({"at", "open", "overdue", "opened since", "closed since"}, 1);
    for (const auto& p : backlog)
      table.add({show_instant(p.at, source.offset), show_count(p.open), show_count(p.overdue),
                 show_count(p.opened), show_count(p.closed)});
    out += "Backlog, all tickets\n" + table.render("  ") + "\n";
  }

  if (!r.units.empty()) {
    text_table table({"unit", "kind", "stays", "calendar", "working", "mean stay"}, 2);
    for (const auto& u : r.units) {
      const std::optional<double> mean =
          u.stays == 0 ? std::nullopt
                       : std::optional<double>(static_cast<double>(u.calendar_seconds) /
                                               static_cast<double>(u.stays));
      table.add({u.unit, u.is_team ? "team" : "tier", show_count(u.stays),
                 show_calendar(static_cast<double>(u.calendar_seconds)),
                 show_working(static_cast<double>(u.business_seconds)), show_calendar(mean)});
    }
    out += "Time per unit (stays that ended in the period)\n" + table.render("  ") + "\n";
  }

  if (!r.people.empty()) {
    text_table table({"person", "actions", "taken", "tickets", "closed"}, 1);
    for (const auto& p : r.people)
      table.add({p.person, show_count(p.actions), show_count(p.taken), show_count(p.tickets),
                 show_count(p.closed)});
    out += "Workload\n" + table.render("  ") + "\n";
  }

  if (!r.managers.empty()) {
    text_table table({"manager", "rank", "points"}, 1);
    for (const auto& m : r.managers) {
      table.add({m.person, m.rank == 0 ? std::string(no_data) : show_count(m.rank),
                 m.points ? fmt::format("{:.1f}", *m.points) : std::string(no_data)});
    }
    out += "Manager points (0-100)\n" + table.render("  ") + "\n";
  }

  if (!r.worst_overdue.empty()) {
    text_table table(
        {"ticket", "deadline", "breached", "overdue", "unit", "region", "owner", "assignee"}, 3);
    for (const auto& o : r.worst_overdue) {
      table.add({o.ticket_id, o.deadline, show_instant(o.breached_at, source.offset),
                 show_calendar(static_cast<double>(o.overdue_seconds)), show_group_value(o.unit),
                 show_group_value(o.region), show_group_value(o.owner),
                 show_group_value(o.assignee)});
    }
    out += fmt::format("Worst overdue at {}\n", show_instant(r.to, source.offset)) +
           table.render("  ") + "\n";
  }

  out += fmt::format(
      "Units: a rate is a percentage (counted/out of), \"—\" when there is nothing to count;\n"
      "calendar times in d h m s count every hour; \"wh\" = working hours, the time inside\n"
      "the calendar's working hours (holidays, nights and pauses excluded); times at {}.\n",
      format_utc_offset(source.offset));
  return out;
}

std::string render_csv(const kpi::report& r) {
  std::string out;
  for (const auto& key : r.by) out += csv_cell(kpi::to_string(key)) + ",";
  out += "metric,value,numerator,denominator\r\n";
  if (!r.by.empty()) {
    for (const auto& row : r.rows) csv_rows(out, row.group, row.values);
  }
  csv_rows(out, std::vector<std::string>(r.by.size(), "(total)"), r.total);
  return out;
}

std::string render_json(const kpi::report& r, const report_source& source) {
  ordered_json doc;
  doc["period"] = {{"from", format_iso8601(r.from, source.offset)},
                   {"to", format_iso8601(r.to, source.offset)},
                   {"zone", format_utc_offset(source.offset)}};
  doc["store"] = source.store;
  ordered_json by = ordered_json::array();
  for (const auto& key : r.by) by.push_back(kpi::to_string(key));
  doc["by"] = std::move(by);
  doc["tickets_read"] = r.tickets_read;
  doc["tickets_in_period"] = r.tickets_in_period;
  doc["tickets_without_outcomes"] = r.tickets_without_outcomes;
  if (r.empty()) {
    // Machines get a document too, which says so rather than holding zeros.
    doc["no_events"] = no_events_line(r, source);
    return doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
  }
  ordered_json rows = ordered_json::array();
  if (!r.by.empty()) {
    for (const auto& row : r.rows) {
      ordered_json one = indicators_json(row.values);
      one["group"] = group_json(r, row.group);
      rows.push_back(std::move(one));
    }
  }
  doc["rows"] = std::move(rows);
  doc["total"] = indicators_json(r.total);
  ordered_json backlog = ordered_json::array();
  for (const auto& p : r.backlog) {
    backlog.push_back({{"at", format_iso8601(p.at, source.offset)},
                       {"group", group_json(r, p.group)},
                       {"open", p.open},
                       {"overdue", p.overdue},
                       {"opened", p.opened},
                       {"closed", p.closed}});
  }
  doc["backlog"] = std::move(backlog);
  ordered_json units = ordered_json::array();
  for (const auto& u : r.units) {
    units.push_back({{"unit", u.unit},
                     {"kind", u.is_team ? "team" : "tier"},
                     {"stays", u.stays},
                     {"calendar_s", u.calendar_seconds},
                     {"business_s", u.business_seconds}});
  }
  doc["units"] = std::move(units);
  ordered_json people = ordered_json::array();
  for (const auto& p : r.people) {
    people.push_back({{"person", p.person},
                      {"actions", p.actions},
                      {"taken", p.taken},
                      {"tickets", p.tickets},
                      {"closed", p.closed}});
  }
  doc["people"] = std::move(people);
  ordered_json managers = ordered_json::array();
  for (const auto& m : r.managers) {
    ordered_json one = {{"person", m.person}, {"points", nullptr}, {"rank", nullptr}};
    if (m.points) one["points"] = *m.points;
    if (m.rank != 0) one["rank"] = m.rank;
    ordered_json scores = ordered_json::object();
    for (const auto& [name, score] : m.scores) scores[name] = score;
    one["scores"] = std::move(scores);
    managers.push_back(std::move(one));
  }
  doc["managers"] = std::move(managers);
  ordered_json worst = ordered_json::array();
  for (const auto& o : r.worst_overdue) {
    worst.push_back({{"ticket", o.ticket_id},
                     {"workflow", o.workflow_id},
                     {"deadline", o.deadline},
                     {"breached_at", format_iso8601(o.breached_at, source.offset)},
                     {"overdue_s", o.overdue_seconds},
                     {"unit", o.unit},
                     {"region", o.region},
                     {"owner", o.owner},
                     {"assignee", o.assignee}});
  }
  doc["worst_overdue"] = std::move(worst);
  // Values from the store are kept, except bytes that are not UTF-8, which
  // JSON cannot carry: they become U+FFFD rather than aborting the report.
  return doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace tierflow::cli
