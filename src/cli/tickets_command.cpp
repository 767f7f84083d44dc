// SPDX-License-Identifier: MIT
// `tierflow tickets --db URL`: a supervisor's list of tickets, filtered,
// sorted and limited, as a table, CSV or JSON Lines (commands.hpp).
//
// The summaries (store::summary, store::open_tickets) answer most filters
// at the cost of one row per ticket; what a summary does not hold (flags,
// escalations, which deadlines are overdue) is read from the ticket's
// verified trail, and only for the tickets the summary filters kept, so a
// question about one region of a large store reads that region's trails
// only. A trail that does not verify, or a summary row that disagrees with
// its trail, is named on stderr and the exit status is 1: the list would
// otherwise rest on what the check just refused.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/store.hpp>
#include <tierflow/time.hpp>
#include <tierflow/trail_summary.hpp>
#include <tierflow/verified_read.hpp>

#include "cli/audit_store.hpp"
#include "cli/time_args.hpp"
#include "commands.hpp"
#include "say.hpp"
#include "text/escape.hpp"

namespace tierflow::cli {
namespace {

constexpr std::string_view tool = "tierflow tickets";

constexpr std::string_view sort_keys[] = {"due",    "opened", "closed", "id",
                                          "region", "unit",   "owner",  "state"};

/// The times a command line gives, resolved in the zone.
struct time_window {
  std::optional<timestamp> since, until, closed_since, closed_until;
  timestamp now{};
  std::optional<std::chrono::seconds> at_risk;
};

/// One listed ticket: its summary row and, when its trail was read, what
/// the trail adds.
struct listed {
  ticket_summary row;
  bool trail_read = false;
  std::set<std::string> flags;
  std::set<std::string> escalated_to;
  /// The deadlines breached and still running (as of --now), in the order
  /// they broke.
  std::vector<std::string> overdue;
};

bool any_of_or_empty(const std::vector<std::string>& wanted, std::string_view value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

bool in_window(timestamp t, const std::optional<timestamp>& from,
               const std::optional<timestamp>& to) {
  return (!from || t >= *from) && (!to || t < *to);
}

/// The filters a summary row can answer.
bool passes_summary(const tickets_options& o, const time_window& w, const ticket_summary& s) {
  if (o.open_only && s.closed) return false;
  if (o.closed_only && !s.closed) return false;
  // Overdue and at-risk are about running deadlines: an open ticket's.
  if ((o.overdue || w.at_risk) && s.closed) return false;
  if (!any_of_or_empty(o.types, s.ticket_type) || !any_of_or_empty(o.states, s.state) ||
      !any_of_or_empty(o.units, s.unit) || !any_of_or_empty(o.regions, s.region) ||
      !any_of_or_empty(o.owners, s.owner) || !any_of_or_empty(o.assignees, s.assignee) ||
      !any_of_or_empty(o.customers, s.customer_id))
    return false;
  if (!in_window(s.opened_at, w.since, w.until)) return false;
  if (w.closed_since || w.closed_until) {
    if (!s.closed || !s.closed_at || !in_window(*s.closed_at, w.closed_since, w.closed_until))
      return false;
  }
  // At risk: the nearest running deadline falls due within the window (one
  // already past but not yet recorded as breached counts: it is the most
  // at risk of all). Whether it is overdue needs the trail, below.
  if (w.at_risk && (!s.nearest_due || *s.nearest_due > w.now + *w.at_risk)) return false;
  return true;
}

/// What the trail adds to `t`: flags, escalations, and the deadlines that
/// are overdue as of `now`. A breach counts from its `deadline_breached`
/// event (the breach itself, not a step after it) until the deadline stops
/// (`deadline_stopped`); a step limit's breach (deadline "step") until the
/// ticket leaves the state; nothing is overdue on a closed ticket. Events
/// after `now` are not yet known at `now`.
void read_trail_facts(listed& t, const std::vector<event>& events, timestamp now) {
  std::vector<std::string> running;  // breached, in breach order
  const auto drop = [&](std::string_view deadline) {
    running.erase(std::remove(running.begin(), running.end(), deadline), running.end());
  };
  bool closed = false;
  for (const event& e : events) {
    switch (e.type) {
      case event_type::noted:
        if (auto flag = e.detail(detail_key::flag)) t.flags.emplace(*flag);
        break;
      case event_type::escalated:
        if (auto tier = e.detail(detail_key::to_tier)) t.escalated_to.emplace(*tier);
        break;
      default: break;
    }
    if (e.time > now) continue;
    switch (e.type) {
      case event_type::deadline_breached: {
        const auto deadline = e.detail(detail_key::deadline);
        if (!deadline || e.detail(detail_key::after)) break;
        drop(*deadline);
        running.emplace_back(*deadline);
        break;
      }
      case event_type::deadline_stopped:
        if (auto deadline = e.detail(detail_key::deadline)) drop(*deadline);
        break;
      case event_type::transitioned: drop("step"); break;
      case event_type::closed: closed = true; break;
      case event_type::reopened: closed = false; break;
      default: break;
    }
  }
  if (closed) running.clear();
  t.overdue = std::move(running);
  t.trail_read = true;
}

/// The sort order: by `key`, ties by ticket id; a ticket without the key's
/// value (no running deadline, not closed) comes last either way.
bool sorts_before(const listed& a, const listed& b, std::string_view key, bool descending) {
  const auto by_time = [&](const std::optional<timestamp>& x,
                           const std::optional<timestamp>& y) -> std::optional<bool> {
    if (x.has_value() != y.has_value()) return x.has_value();
    if (x && *x != *y) return descending ? *x > *y : *x < *y;
    return std::nullopt;
  };
  const auto by_text = [&](const std::string& x, const std::string& y) -> std::optional<bool> {
    if (x != y) return descending ? x > y : x < y;
    return std::nullopt;
  };
  std::optional<bool> decided;
  if (key == "due")
    decided = by_time(a.row.nearest_due, b.row.nearest_due);
  else if (key == "opened")
    decided = by_time(a.row.opened_at, b.row.opened_at);
  else if (key == "closed")
    decided = by_time(a.row.closed ? a.row.closed_at : std::nullopt,
                      b.row.closed ? b.row.closed_at : std::nullopt);
  else if (key == "region")
    decided = by_text(a.row.region, b.row.region);
  else if (key == "unit")
    decided = by_text(a.row.unit, b.row.unit);
  else if (key == "owner")
    decided = by_text(a.row.owner, b.row.owner);
  else if (key == "state")
    decided = by_text(a.row.state, b.row.state);
  if (decided) return *decided;
  return descending && key == "id" ? a.row.ticket_id > b.row.ticket_id
                                   : a.row.ticket_id < b.row.ticket_id;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// --- output ---------------------------------------------------------------------------

constexpr std::string_view columns[] = {"id",       "type",   "state", "unit",
                                        "region",   "owner",  "assignee", "customer",
                                        "opened",   "due",    "overdue",  "closed"};

/// A ticket's cells as text, times written by `show`.
template <typename Show>
std::vector<std::string> cells(const listed& t, Show show) {
  const ticket_summary& s = t.row;
  return {s.ticket_id,
          s.ticket_type,
          s.state,
          s.unit,
          s.region,
          s.owner,
          s.assignee,
          s.customer_id,
          show(s.opened_at),
          s.nearest_due && !s.closed ? show(*s.nearest_due) : std::string(),
          join(t.overdue, " "),
          s.closed && s.closed_at ? show(*s.closed_at) : std::string()};
}

/// The width of `text` on a terminal: one column per code point (the
/// table's alignment is for ids and times; wide CJK glyphs may overhang).
std::size_t columns_of(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

bool write_table(std::FILE* out, const std::vector<listed>& rows, std::chrono::minutes offset) {
  if (rows.empty()) {
    say(out, "no tickets match");
    return true;
  }
  std::vector<std::vector<std::string>> table;
  table.emplace_back(std::begin(columns), std::end(columns));
  for (const listed& t : rows) {
    auto row = cells(t, [&](timestamp at) { return show_time(at, offset); });
    // Every string from the store is shown escaped: a forged id or value
    // must not drive the terminal.
    for (auto& cell : row) cell = cell.empty() ? "-" : detail::printable(cell);
    table.push_back(std::move(row));
  }
  std::vector<std::size_t> width(std::size(columns), 0);
  for (const auto& row : table)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], columns_of(row[i]));
  std::string text;
  for (const auto& row : table) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - columns_of(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    text += line;
    text += '\n';
  }
  return std::fputs(text.c_str(), out) >= 0;
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
/// break, quotes doubled. A field a spreadsheet would take for a formula
/// (= + - @, TAB or CR first) gets a leading single quote, as the audit
/// export does (OWASP "CSV Injection"); other bytes are kept as stored.
std::string csv_field(std::string_view field) {
  const bool formula = !field.empty() && (field.front() == '=' || field.front() == '+' ||
                                          field.front() == '-' || field.front() == '@' ||
                                          field.front() == '\t' || field.front() == '\r');
  std::string text = formula ? "'" : "";
  text += field;
  if (!formula && text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

bool write_csv(std::FILE* out, const std::vector<listed>& rows, std::chrono::minutes offset) {
  std::string text;
  const auto line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) text += ',';
      text += csv_field(fields[i]);
    }
    text += "\r\n";
  };
  line({std::begin(columns), std::end(columns)});
  for (const listed& t : rows) line(cells(t, [&](timestamp at) { return format_iso8601(at, offset); }));
  return std::fwrite(text.data(), 1, text.size(), out) == text.size();
}

bool write_jsonl(std::FILE* out, const std::vector<listed>& rows, std::chrono::minutes offset) {
  using nlohmann::json;
  const auto time = [&](std::optional<timestamp> t) -> json {
    return t ? json(format_iso8601(*t, offset)) : json(nullptr);
  };
  const auto maybe = [&](const std::string& s) -> json { return s.empty() ? json(nullptr) : json(s); };
  std::string all;
  for (const listed& t : rows) {
    const ticket_summary& s = t.row;
    json j = json::object();
    j["id"] = s.ticket_id;
    j["type"] = s.ticket_type;
    j["state"] = s.state;
    j["unit"] = s.unit;
    j["region"] = maybe(s.region);
    j["owner"] = maybe(s.owner);
    j["assignee"] = maybe(s.assignee);
    j["customer"] = s.customer_id;
    j["opened"] = time(s.opened_at);
    j["due"] = time(s.closed ? std::nullopt : s.nearest_due);
    // A closed ticket runs no deadline; an open one whose trail could not
    // be read has an unknown answer.
    j["overdue"] = t.trail_read || s.closed ? json(t.overdue) : json(nullptr);
    j["closed"] = time(s.closed ? s.closed_at : std::nullopt);
    // The store holds UTF-8 (its append checks it); a byte that is not (a
    // forged row) is replaced rather than failing the whole listing.
    all += j.dump(-1, ' ', false, json::error_handler_t::replace);
    all += '\n';
  }
  return std::fwrite(all.data(), 1, all.size(), out) == all.size();
}

int usage(std::FILE* err, const std::string& message) {
  say(err, "{}: error: {}", tool, message);
  return exit_usage;
}

}  // namespace

const char* tickets_help() noexcept {
  return "Filters combine with AND; a filter given several times matches any of its values\n"
         "(--flag: all of them). --type, --state, --unit, --region, --owner, --assignee,\n"
         "--customer, --since/--until (opened in [since, until)), --closed-since/--closed-until\n"
         "(closed in that window), --open and --closed read the tickets' summaries;\n"
         "--flag, --escalated-to and --overdue read each remaining ticket's verified trail.\n"
         "\n"
         "--overdue: an open ticket with a deadline breached (its deadline_breached event)\n"
         "that has not stopped since (no deadline_stopped event for it; a step limit stops\n"
         "when the ticket leaves the state), as of --now. --at-risk D: an open ticket, not\n"
         "overdue, whose nearest running deadline is due at or before now + D (D in m, h\n"
         "or d: 30m, 4h, 1d). Trails written before deadlines recorded their stop show a\n"
         "deadline that was met later as still overdue.\n"
         "\n"
         "Columns: id, type, state, unit, region, owner, assignee, customer, opened, due (the\n"
         "nearest running deadline), overdue (the deadlines breached and running, for open\n"
         "tickets), closed. --sort due (default), opened, closed, id, region, unit, owner or\n"
         "state, then by id; tickets without a due or closed time come last. --desc reverses,\n"
         "--limit N keeps the first N.\n"
         "\n"
         "Formats: table (default; 'no tickets match' when none), csv (RFC 4180, one header\n"
         "row, CRLF line ends, formula-like cells prefixed with '), jsonl (one JSON object a\n"
         "ticket, times ISO 8601 with their offset, null for an absent value).\n"
         "\n"
         "Times are shown, and read, in the organisation's zone (the organisation file in\n"
         "--workflows, default ./workflows) or at --tz (+08:00, -05:30, Z). A time argument\n"
         "is a date (2026-11-24: local midnight), a local date and time (2026-11-24T09:00),\n"
         "or either with Z or an offset (2026-11-24T09:00+08:00), which is taken as written.\n"
         "\n"
         "The store is opened read-only (see `tierflow audit --help` for URLs).\n"
         "\n"
         "Exit status: 0 the list was written (possibly empty); 1 a trail that does not\n"
         "verify, a summary row that disagrees with its trail, or a store that cannot be\n"
         "opened or read; 2 a usage error: an unknown sort key or format, a malformed time\n"
         "or duration, --open with --closed, or no zone to read times in (no --tz and no\n"
         "definitions).";
}

int run_tickets(const tickets_options& o, std::FILE* out, std::FILE* err) {
  if (std::find(std::begin(sort_keys), std::end(sort_keys), o.sort) == std::end(sort_keys))
    return usage(err, fmt::format("--sort '{}': use one of due, opened, closed, id, region, unit, "
                                  "owner, state",
                                  o.sort));
  const std::string format = o.format == "auto" ? "table" : o.format;
  if (format != "table" && format != "csv" && format != "jsonl")
    return usage(err, fmt::format("--format '{}': use table, csv or jsonl", o.format));
  if (o.open_only && o.closed_only) return usage(err, "--open and --closed exclude each other");
  if (o.closed_only && (o.overdue || !o.at_risk.empty()))
    return usage(err, "--closed with --overdue or --at-risk lists nothing: those are about open "
                      "tickets");

  // The zone: --tz, else the organisation's. With --tz the definitions are
  // not needed at all, so a command run outside a checkout works.
  std::optional<catalog> definitions;
  if (o.tz.empty()) {
    auto loaded = load_supervisor_definitions(o.workflows, true);
    if (!loaded) {
      if (loaded.error().code() == errc::not_found)
        return usage(err, fmt::format("no time zone to read and show times in: no definitions at "
                                      "'{}'; give --tz (e.g. +08:00) or --workflows DIR",
                                      o.workflows));
      return usage(err, fmt::format("cannot read the organisation's time zone from '{}': {}; "
                                    "give --tz (e.g. +08:00)",
                                    o.workflows, loaded.error().message()));
    }
    definitions = std::move(*loaded);
  }
  const auto offset = zone_offset(o.tz, definitions ? &*definitions : nullptr);
  if (!offset) return usage(err, offset.error().message());

  time_window w;
  w.now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::pair<std::string_view, std::pair<const std::string*, std::optional<timestamp>*>>
      times[] = {{"--since", {&o.since, &w.since}},
                 {"--until", {&o.until, &w.until}},
                 {"--closed-since", {&o.closed_since, &w.closed_since}},
                 {"--closed-until", {&o.closed_until, &w.closed_until}}};
  for (const auto& [option, target] : times) {
    if (target.first->empty()) continue;
    auto t = parse_time_arg(option, *target.first, *offset);
    if (!t) return usage(err, t.error().message());
    *target.second = *t;
  }
  if (!o.now.empty()) {
    auto t = parse_time_arg("--now", o.now, *offset);
    if (!t) return usage(err, t.error().message());
    w.now = *t;
  }
  if (!o.at_risk.empty()) {
    auto d = parse_duration_arg("--at-risk", o.at_risk);
    if (!d) return usage(err, d.error().message());
    w.at_risk = *d;
  }
  if (definitions && !o.escalated_to.empty() && !definitions->org.find_tier(o.escalated_to))
    return usage(err, fmt::format("--escalated-to '{}': not a tier of the organisation's ladder",
                                  o.escalated_to));

  auto opened = open_for_audit(o.db, tool, err);
  if (!opened.handle) return opened.status;
  const store& s = *opened.handle;
  int status = exit_ok;
  const auto store_failure = [&](std::string_view doing, const error& e) {
    say(err, "{}: error: {}: {}", tool, doing, scrub(e.message(), o.db));
    return exit_errors;
  };

  // The summaries. Open tickets have an index; a question that may list a
  // closed ticket needs every ticket's row.
  const bool open_tickets_only = o.open_only || o.overdue || !o.at_risk.empty();
  std::vector<listed> rows;
  if (open_tickets_only) {
    auto all = s.open_tickets();
    if (!all) return store_failure("listing the open tickets", all.error());
    for (auto& row : *all)
      if (passes_summary(o, w, row)) rows.push_back({std::move(row), false, {}, {}, {}});
  } else {
    auto ids = s.streams();
    if (!ids) return store_failure("listing the streams", ids.error());
    for (const std::string& id : *ids) {
      if (id.empty() || id.front() == '~') continue;  // denial streams and the denial log
      auto row = s.summary(id);
      if (!row) {
        if (row.error().code() == errc::not_found) continue;
        if (row.error().code() != errc::data_loss)
          return store_failure(fmt::format("reading the summary of {}", detail::printable(id)),
                               row.error());
        say(err, "{}: error: {}: summary row forged: {}", tool, detail::printable(id),
            row.error().message());
        status = exit_errors;
        continue;
      }
      if (passes_summary(o, w, *row)) rows.push_back({std::move(*row), false, {}, {}, {}});
    }
  }

  // The trail filters, on the rows the summaries kept.
  const bool trail_filter = !o.flags.empty() || o.overdue || w.at_risk || !o.escalated_to.empty();
  const auto read_trail = [&](listed& t) -> bool {
    auto read = read_verified(s, t.row.ticket_id);
    if (!read) {
      say(err, "{}: error: {}: trail cannot be read: {}", tool, detail::printable(t.row.ticket_id),
          scrub(read.error().message(), o.db));
      return false;
    }
    if (read->broken) {
      say(err, "{}: error: {}: trail broken at event {}: {}", tool,
          detail::printable(t.row.ticket_id), read->broken->sequence, read->broken->message);
      return false;
    }
    if (auto stated = summarize_trail(read->events)) {
      if (const auto diffs = differences(t.row, *stated); !diffs.empty()) {
        say(err, "{}: error: {}: summary row forged: {} '{}', the trail says '{}'", tool,
            detail::printable(t.row.ticket_id), diffs.front().field, diffs.front().stored,
            diffs.front().stated);
        return false;
      }
    }
    read_trail_facts(t, read->events, w.now);
    return true;
  };
  if (trail_filter) {
    std::vector<listed> kept;
    for (listed& t : rows) {
      if (!read_trail(t)) {
        status = exit_errors;
        continue;
      }
      if (o.overdue && t.overdue.empty()) continue;
      if (w.at_risk && !t.overdue.empty()) continue;
      if (!o.escalated_to.empty() && !t.escalated_to.count(o.escalated_to)) continue;
      if (!std::all_of(o.flags.begin(), o.flags.end(),
                       [&](const std::string& f) { return t.flags.count(f) > 0; }))
        continue;
      kept.push_back(std::move(t));
    }
    rows = std::move(kept);
  }

  std::sort(rows.begin(), rows.end(), [&](const listed& a, const listed& b) {
    return sorts_before(a, b, o.sort, o.descending);
  });
  if (o.limit > 0 && rows.size() > o.limit) rows.resize(o.limit);
  // The overdue column of the rows shown: only open tickets run deadlines.
  for (listed& t : rows) {
    if (t.trail_read || t.row.closed) continue;
    if (!read_trail(t)) status = exit_errors;
  }

  bool written = false;
  if (format == "csv")
    written = write_csv(out, rows, *offset);
  else if (format == "jsonl")
    written = write_jsonl(out, rows, *offset);
  else
    written = write_table(out, rows, *offset);
  if (!written || std::fflush(out) != 0) {
    say(err, "{}: error: cannot write the list", tool);
    return exit_errors;
  }
  return status;
}

}  // namespace tierflow::cli
