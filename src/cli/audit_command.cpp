// SPDX-License-Identifier: MIT
// `tierflow audit verify|show|export --db URL`: an auditor's view of a ticket
// store. The store is opened read-only and never created (open_for_audit),
// so an audit cannot change what it audits, nor leave an empty database
// behind when the URL names a wrong file.
//
// Nothing read from the store is trusted as printed: every stream is judged
// by the audit verifier (read_verified), every ticket's summary row is
// checked against what its verified trail states (summarize_trail), and
// every line goes out through detail::printable, so an id or a value from a
// tampered file can neither drive the terminal nor forge a line.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/audit.hpp>
#include <tierflow/engine.hpp>
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

constexpr std::string_view tool = "tierflow audit";

/// A store call failed mid-audit: says so and gives the exit status.
int store_failure(std::FILE* err, std::string_view url, std::string_view doing, const error& e) {
  say(err, "{}: error: {}: {}", tool, doing, scrub(e.message(), url));
  return exit_errors;
}

/// `t` as "2026-11-24 09:00:00Z": UTC, ISO 8601 with a space for people
/// (the exports keep the "T" form of tierflow::write_jsonl).
std::string utc_text(timestamp t) { return format_local(t, std::chrono::minutes{0}, "%F %TZ"); }

/// Parses a time option of the export (`--since`, `--until`): an instant
/// with "Z" or an offset is taken as written; a date (its midnight) or a
/// date and time without one is wall-clock time at `offset` (--tz, UTC by
/// default: the audit reads no definitions, so it knows no other zone).
/// The error names the option and quotes the text: "--since '2026-02-30':
/// invalid date '2026-02-30': day 30 does not exist in 2026-02".
result<timestamp> parse_export_time(std::string_view option, std::string_view text,
                                    std::chrono::minutes offset) {
  auto t = parse_iso8601(text, offset);
  if (!t)
    return fail(errc::invalid_argument,
                fmt::format("{} '{}': {}; write 2026-11-24, 2026-11-24T09:00 (at --tz) or "
                            "2026-11-24T09:00:00+08:00",
                            option, text, t.error().message()));
  return *t;
}

/// A value (a detail, an id) as it reads in `key=value` or in a message:
/// bare when it is plain, else in double quotes with \" \\ and the escapes
/// of detail::printable, so it can neither break the line nor pass for
/// another key=value pair.
std::string quoted_value(std::string_view value) {
  bool plain = !value.empty() && detail::is_printable(value);
  for (const char c : value)
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '\\' || c == '=') plain = false;
  return plain ? std::string(value) : detail::quoted_printable(value);
}

/// The outcome of checking one stream.
struct stream_check {
  std::vector<event> events;
  /// Empty when the stream verifies; else why not, without the stream id
  /// ("broken at event 3: edited: content does not match its hash").
  std::string problem;
  /// The store could not read the stream at all (no events to show).
  bool unreadable = false;
};

/// Reads a stream and judges it with the audit verifier (read_verified: the
/// hash chain up to the recorded head, every event naming this stream, read
/// between two equal heads so that a live shared store's appends are not
/// taken for breaks). A stream the store cannot read (a malformed row: the
/// stores report it as io_error, like a failing disk) is a problem of that
/// stream, not the end of the audit, so one run lists every damaged stream.
/// An unknown stream has no events and no problem. `url` is for scrubbing
/// passwords out of the store's messages.
stream_check check_stream(const store& s, const std::string& id, std::string_view url) {
  stream_check out;
  auto read = read_verified(s, id);
  if (!read) {
    if (read.error().code() != errc::not_found) {
      out.problem = "cannot be read: " + scrub(read.error().message(), url);
      out.unreadable = true;
    }
    return out;
  }
  out.events = std::move(read->events);
  if (!read->broken) return out;
  const broken_link& link = *read->broken;
  if (link.reason == chain_break::foreign) {
    // Quoted when odd: the id comes from the damaged stream itself.
    out.problem = fmt::format("broken at event {}: the event belongs to stream {}", link.sequence,
                              quoted_value(out.events[link.sequence - 1].ticket_id));
    return out;
  }
  // The message starts "event N: "; the line names the event itself.
  std::string_view reason = link.message;
  const std::string lead = fmt::format("event {}: ", link.sequence);
  if (reason.substr(0, lead.size()) == lead) reason.remove_prefix(lead.size());
  out.problem = fmt::format("broken at event {}: {}", link.sequence, reason);
  return out;
}

/// A ticket's summary row judged against its verified trail.
struct row_check {
  /// What the trail states; none when the stream is not a ticket's trail
  /// (a denial stream, the denial log) or is empty.
  std::optional<trail_summary> stated;
  /// The store's row, when it has one that it could read.
  std::optional<ticket_summary> row;
  /// Empty when the row agrees with the trail (or neither exists); else
  /// "summary row forged: …" or "summary row missing: …".
  std::string problem;
};

/// "owner 'mallory', the trail says 'li.wei'; unit …".
std::string describe(const std::vector<summary_difference>& diffs) {
  std::string out;
  for (const auto& d : diffs) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{} '{}', the trail says '{}'", d.field, d.stored, d.stated);
  }
  return out;
}

/// Checks the summary row of stream `id`, whose verified events are
/// `events`. Store errors other than a missing or a forged (sealed, and the
/// seal fails: errc::data_loss) row are returned as errors.
result<row_check> check_row(const store& s, const std::string& id, std::span<const event> events) {
  row_check out;
  if (!events.empty()) {
    if (auto stated = summarize_trail(events)) out.stated = std::move(*stated);
  }
  auto row = s.summary(id);
  if (!row) {
    switch (row.error().code()) {
      case errc::not_found:
        if (out.stated)
          out.problem = "summary row missing: the trail opens a ticket the store has no summary of";
        return out;
      case errc::data_loss:
        out.problem = "summary row forged: " + row.error().message();
        return out;
      default: return fail(std::move(row).error());
    }
  }
  out.row = std::move(*row);
  if (!out.stated) {
    out.problem = events.empty() ? "summary row forged: no trail stands behind it"
                                 : "summary row forged: the stream is not a ticket's trail";
    return out;
  }
  if (const auto diffs = differences(*out.row, *out.stated); !diffs.empty())
    out.problem = "summary row forged: " + describe(diffs);
  return out;
}

/// Writes `bytes` to `out`; false on a write error.
bool write_all(std::FILE* out, std::string_view bytes) {
  return std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
}

/// "1 stream" / "2 streams".
std::string count(std::size_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

}  // namespace

const char* audit_help() noexcept {
  return "The store URL (--db): sqlite:PATH (a database file) or postgresql://USER@HOST/DB (a\n"
         "libpq URI). The store is opened read-only and never created: an audit changes\n"
         "nothing. A password in the URL is never printed. A PATH that is a FIFO, a device or\n"
         "a directory is refused unopened.\n"
         "\n"
         "verify checks every stream (tickets, their denial streams ~denied/TICKET, the\n"
         "denial log ~denied) against its hash chain and recorded head, and every ticket's\n"
         "summary row (queue, owner, assignee, state, customer) against what its verified\n"
         "trail states; it prints one line per broken stream or forged row, then a total.\n"
         "show prints a ticket's record as its verified trail states it, with its denial\n"
         "stream's events merged by time (marked ~#N). export writes every event, those of\n"
         "a broken stream too, and names the broken streams on stderr.\n"
         "\n"
         "Exit status: 0 the audit passed; 1 a broken hash chain (verify, show, export), a\n"
         "summary row that disagrees with its trail (verify, show), history rewritten since a\n"
         "checkpoint, a bad signature or a proof that does not hold, an unknown ticket, or a\n"
         "store that cannot be opened or read (a missing, foreign or special file, an\n"
         "unreachable server; the message names it); 2 a usage error: a bad option, a\n"
         "malformed --since, --until or --tz, a --db URL of an unknown scheme (or memory:,\n"
         "which holds nothing to audit), or a key, checkpoint log or proof file that cannot\n"
         "be read.\n"
         "\n"
         "Times are UTC. `show` prints them as 2026-11-24 09:00:00Z; the exports use\n"
         "2026-11-24T09:00:00Z. export --since T keeps the events at or after T, --until T\n"
         "those before T; T is a date (2026-11-24: its midnight), a date and time\n"
         "(2026-11-24T09:00 or 2026-11-24T09:00:00), both read at --tz (an offset such as\n"
         "+08:00; default UTC), or either with Z or an offset, taken as written\n"
         "(2026-11-24T09:00:00+08:00).";
}

int run_audit_verify(const audit_verify_options& options, std::FILE* out, std::FILE* err) {
  auto opened = open_for_audit(options.db, tool, err);
  if (!opened.handle) return opened.status;
  const store& s = *opened.handle;
  auto streams = s.streams();
  if (!streams) return store_failure(err, options.db, "listing the streams", streams.error());
  std::uint64_t events = 0;
  std::size_t broken = 0, forged = 0;
  // Quoted when odd: a stream id from a tampered file must not forge lines.
  const auto report = [&](std::string_view id, std::string_view problem) {
    say(out, "{}: {}", quoted_value(id), problem);
  };
  for (const std::string& id : *streams) {
    const stream_check checked = check_stream(s, id, options.db);
    events += checked.events.size();
    if (!checked.problem.empty()) {
      ++broken;
      report(id, checked.problem);
      continue;  // a broken trail states nothing a row could be held to
    }
    auto row = check_row(s, id, checked.events);
    if (!row)
      return store_failure(err, options.db, fmt::format("reading the summary of {}", quoted_value(id)),
                           row.error());
    if (!row->problem.empty()) {
      ++forged;
      report(id, row->problem);
    }
  }
  // A row with no stream at all: a ticket put into a queue by hand, or a
  // row copied under a new id. The index reads leave such rows out (their
  // seal names no head), so every row's id is listed (store::summary_ids).
  auto rows = s.summary_ids();
  if (!rows) return store_failure(err, options.db, "listing the summary rows", rows.error());
  for (const std::string& id : *rows) {
    if (std::binary_search(streams->begin(), streams->end(), id)) continue;
    ++forged;
    report(id, "summary row forged: no trail stands behind it");
  }

  std::string verdict;
  if (broken > 0) verdict = fmt::format("{} broken", broken);
  if (forged > 0) {
    if (!verdict.empty()) verdict += ", ";
    verdict += count(forged, "forged summary row");
  }
  say(out, "verified {}, {}: {}", count(streams->size(), "stream"), count(events, "event"),
      verdict.empty() ? "OK" : verdict);
  return verdict.empty() ? exit_ok : exit_errors;
}

namespace {

/// One event line of `audit show`: `marker` is "#" for the ticket's own
/// events and "~#" for those of its denial stream.
struct shown_event {
  const event* e;
  std::string_view marker;
};

void print_events(std::FILE* out, const std::vector<shown_event>& events) {
  const auto number = [](const shown_event& s) { return fmt::format("{}{}", s.marker, s.e->sequence); };
  std::size_t seq_width = 0, actor_width = 0, type_width = 0;
  for (const shown_event& s : events) {
    seq_width = std::max(seq_width, number(s).size());
    actor_width = std::max(actor_width, detail::printable(s.e->actor_id).size());
    type_width = std::max(type_width, to_string(s.e->type).size());
  }
  for (const shown_event& s : events) {
    const event& e = *s.e;
    std::string text = fmt::format("  {:<{}}  {}  {:<{}}  {:<{}}", number(s), seq_width,
                                   utc_text(e.time), detail::printable(e.actor_id), actor_width,
                                   to_string(e.type), type_width);
    for (const auto& [key, value] : e.details)
      text += fmt::format("  {}={}", detail::printable(key), quoted_value(value));
    // Padding of the last column is not wanted at the end of a line.
    while (!text.empty() && text.back() == ' ') text.pop_back();
    say_line(out, text);
  }
}

}  // namespace

int run_audit_show(const audit_show_options& options, std::FILE* out, std::FILE* err) {
  auto opened = open_for_audit(options.db, tool, err);
  if (!opened.handle) return opened.status;
  const store& s = *opened.handle;
  const std::string& id = options.ticket;
  // The ticket's refused commands, on their own stream (a stream id that is
  // itself not a ticket has none).
  const bool ticket_like = !id.empty() && id.front() != '~';
  const std::string denial_id = ticket_like ? denial_stream_of(id) : std::string();

  const stream_check checked = check_stream(s, id, options.db);
  stream_check denials;
  if (ticket_like) denials = check_stream(s, denial_id, options.db);
  row_check row;
  if (checked.problem.empty()) {
    auto r = check_row(s, id, checked.events);
    if (!r)
      return store_failure(err, options.db, fmt::format("reading ticket {}", quoted_value(id)),
                           r.error());
    row = std::move(*r);
  } else if (auto found = s.summary(id)) {
    row.row = std::move(*found);  // shown, marked unverified: the trail is broken
  }
  if (!row.row && !row.stated && checked.events.empty() && checked.problem.empty() &&
      denials.events.empty() && denials.problem.empty() && row.problem.empty()) {
    say(err, "{}: error: no ticket '{}' in {}", tool, id, printable_url(options.db));
    return exit_errors;
  }

  const auto line = [&](std::string_view label, std::string_view value) {
    say(out, "{:<10}{}", label, value.empty() ? std::string_view("-") : value);
  };
  if (row.stated) {
    // The record as the verified trail states it, never the row's word.
    const trail_summary& t = *row.stated;
    line("ticket", fmt::format("{}   (all times UTC; as the verified trail states it)", t.ticket_id));
    line("customer", t.customer_id);
    line("type", t.ticket_type);
    line("workflow", fmt::format("{} v{}", t.workflow_id, t.workflow_version));
    const std::string open_or_closed = t.closed ? "closed" : "open";
    if (t.state)
      line("state", fmt::format("{} ({})", *t.state, open_or_closed));
    else if (row.row && row.problem.empty())
      line("state", fmt::format("{} ({}; the summary row's: the trail records no transition yet)",
                                row.row->state, open_or_closed));
    else
      line("state", fmt::format("the workflow's initial state ({}; no transition yet)",
                                open_or_closed));
    line("queue", t.region.empty() ? t.unit : t.unit + "/" + t.region);
    line("owner", t.owner);
    line("assignee", t.assignee);
    line("opened", utc_text(t.opened_at));
    if (t.closed_at) line("closed", utc_text(*t.closed_at));
  } else if (row.row) {
    const ticket_summary& t = *row.row;
    line("ticket", fmt::format("{}   (all times UTC; the store's summary row, NOT verified)",
                               t.ticket_id));
    line("customer", t.customer_id);
    line("type", t.ticket_type);
    line("workflow", fmt::format("{} v{}", t.workflow_id, t.workflow_version));
    line("state", fmt::format("{} ({})", t.state, t.closed ? "closed" : "open"));
    line("queue", t.region.empty() ? t.unit : t.unit + "/" + t.region);
    line("owner", t.owner);
    line("assignee", t.assignee);
    line("opened", utc_text(t.opened_at));
    if (t.closed_at) line("closed", utc_text(*t.closed_at));
  } else {
    std::string what;
    if (id == engine::denial_log_id)
      what = "the log of commands denied on unknown tickets; ";
    else if (const auto of = ticket_of_denial_stream(id); !of.empty())
      what = fmt::format("the commands refused on ticket {}; ", of);
    line("stream", fmt::format("{}   ({}all times UTC)", id, what));
  }
  if (!row.problem.empty()) line("summary", row.problem);
  line("trail",
       fmt::format("{}, hash chain {}", count(checked.events.size(), "event"),
                   checked.problem.empty() ? "verified" : "BROKEN: " + checked.problem));
  if (!denials.events.empty() || !denials.problem.empty()) {
    line("denials", fmt::format("{} on stream {}, hash chain {}",
                                count(denials.events.size(), "refused command"), denial_id,
                                denials.problem.empty() ? "verified" : "BROKEN: " + denials.problem));
  }

  // The customer's other tickets, each as its own verified trail states it.
  const std::string customer =
      row.stated ? row.stated->customer_id : (row.row ? row.row->customer_id : std::string());
  if (row.stated || row.row) {
    auto tickets = s.customer_tickets(customer);
    if (!tickets)
      return store_failure(err, options.db,
                           fmt::format("reading the tickets of customer {}", quoted_value(customer)),
                           tickets.error());
    struct other {
      std::string id, type, state, note;
      timestamp opened;
    };
    std::vector<other> others;
    for (const auto& t : *tickets) {
      if (t.ticket_id == id) continue;
      other o{t.ticket_id, t.ticket_type, t.closed ? t.state + " (closed)" : t.state, {}, t.opened_at};
      const stream_check trail = check_stream(s, t.ticket_id, options.db);
      if (!trail.problem.empty()) {
        o.note = "trail BROKEN: summary row unverified";
      } else if (auto stated = summarize_trail(trail.events); !stated) {
        o.note = "summary row forged: no trail stands behind it";
      } else {
        if (const auto diffs = differences(t, *stated); !diffs.empty())
          o.note = "summary row forged: " + describe(diffs);
        o.type = stated->ticket_type;
        if (stated->state) o.state = *stated->state + (stated->closed ? " (closed)" : "");
        o.opened = stated->opened_at;
      }
      others.push_back(std::move(o));
    }
    if (others.empty()) {
      say_line(out, "");
      say(out, "no other tickets of customer {}", customer);
    } else {
      std::size_t id_width = 0, type_width = 0, state_width = 0;
      for (const auto& o : others) {
        id_width = std::max(id_width, o.id.size());
        type_width = std::max(type_width, o.type.size());
        state_width = std::max(state_width, o.state.size());
      }
      say_line(out, "");
      say(out, "other tickets of customer {} ({}), oldest first:", customer, others.size());
      for (const auto& o : others) {
        say(out, "  {:<{}}  {:<{}}  {:<{}}  opened {}{}", o.id, id_width, o.type, type_width,
            o.state, state_width, utc_text(o.opened), o.note.empty() ? "" : "  [" + o.note + "]");
      }
    }
  }

  // The ticket's events and its refused commands, merged by time (a
  // denial at the same second as an event stands after it).
  std::vector<shown_event> merged;
  merged.reserve(checked.events.size() + denials.events.size());
  for (const event& e : checked.events) merged.push_back({&e, "#"});
  std::vector<shown_event> refused;
  for (const event& e : denials.events) refused.push_back({&e, "~#"});
  std::vector<shown_event> all;
  std::merge(merged.begin(), merged.end(), refused.begin(), refused.end(), std::back_inserter(all),
             [](const shown_event& a, const shown_event& b) { return a.e->time < b.e->time; });
  say_line(out, "");
  if (refused.empty())
    say(out, "events:");
  else
    say(out, "events (~#N: refused command N, from stream {}; it changed nothing):", denial_id);
  print_events(out, all);

  const bool failed = !checked.problem.empty() || !denials.problem.empty() || !row.problem.empty();
  return failed ? exit_errors : exit_ok;
}

int run_audit_export(const audit_export_options& options, std::FILE* out, std::FILE* err) {
  const bool csv = options.format == "csv";
  if (!csv && options.format != "jsonl") {
    say(err, "{} export: error: --format '{}': use jsonl or csv", tool, options.format);
    return exit_usage;
  }
  // The zone of times written without an offset: --tz, else UTC (the
  // audit reads no definitions, so it knows no organisation's zone).
  std::chrono::minutes offset{0};
  if (!options.tz.empty()) {
    auto parsed = zone_offset(options.tz, nullptr);
    if (!parsed) {
      say(err, "{} export: error: {}", tool, parsed.error().message());
      return exit_usage;
    }
    offset = *parsed;
  }
  std::optional<timestamp> since, until;
  for (const auto& [option, text, target] :
       {std::tuple{std::string_view("--since"), &options.since, &since},
        std::tuple{std::string_view("--until"), &options.until, &until}}) {
    if (text->empty()) continue;
    auto t = parse_export_time(option, *text, offset);
    if (!t) {
      say(err, "{} export: error: {}", tool, t.error().message());
      return exit_usage;
    }
    *target = *t;
  }
  // -o naming the database itself would truncate the trail being exported.
  if (!options.output.empty() && options.db.rfind("sqlite:", 0) == 0) {
    std::string_view path = std::string_view(options.db).substr(7);
    if (path.substr(0, 2) == "//") path.remove_prefix(2);
    std::error_code ec;
    if (std::filesystem::equivalent(options.output, path, ec)) {
      say(err, "{} export: error: -o '{}' is the database itself", tool, options.output);
      return exit_usage;
    }
  }
  // The store first: a wrong --db must not leave an empty output file.
  auto opened = open_for_audit(options.db, tool, err);
  if (!opened.handle) return opened.status;
  const store& s = *opened.handle;

  std::vector<std::string> streams;
  if (!options.ticket.empty()) {
    // A ticket comes with its refused commands, on their own stream.
    std::vector<std::string> candidates{options.ticket};
    if (options.ticket.front() != '~') candidates.push_back(denial_stream_of(options.ticket));
    for (const std::string& id : candidates) {
      auto head = s.head(id);
      if (!head)
        return store_failure(err, options.db, fmt::format("reading stream {}", quoted_value(id)),
                             head.error());
      if (head->version > 0) streams.push_back(id);
    }
    if (streams.empty()) {
      say(err, "{}: error: no ticket '{}' in {}", tool, options.ticket, printable_url(options.db));
      return exit_errors;
    }
  } else {
    auto all = s.streams();
    if (!all) return store_failure(err, options.db, "listing the streams", all.error());
    streams = std::move(*all);
  }

  std::FILE* target = out;
  if (!options.output.empty()) {
    target = std::fopen(options.output.c_str(), "wb");
    if (target == nullptr) {
      say(err, "{}: error: cannot write '{}': {}", tool, options.output,
          std::generic_category().message(errno));
      return exit_errors;
    }
  }
  // Ends the export: closes the output file, and when it could not be
  // written whole removes it, so a partial export is never mistaken for a
  // whole one. (A broken chain is exported whole: it is the evidence.)
  const auto finish = [&](int status, bool whole) {
    if (target != out) {
      if (std::fclose(target) != 0 && whole) {
        say(err, "{}: error: cannot write '{}'", tool, options.output);
        status = exit_errors;
        whole = false;
      }
      if (!whole) {
        std::error_code ignored;
        std::filesystem::remove(options.output, ignored);
      }
    } else if (std::fflush(out) != 0 && whole) {
      say(err, "{}: error: cannot write the export", tool);
      status = exit_errors;
    }
    return status;
  };

  bool ok = true;
  if (csv) {
    const std::string header = to_csv({});
    ok = write_all(target, header);
  }
  std::vector<std::pair<std::string, std::string>> broken;
  for (const std::string& id : streams) {
    if (!ok) break;
    stream_check checked = check_stream(s, id, options.db);
    if (checked.unreadable) {
      say(err, "{}: error: reading stream {}: {}", tool, quoted_value(id), checked.problem);
      return finish(exit_errors, false);
    }
    if (!checked.problem.empty()) broken.emplace_back(id, checked.problem);
    std::span<const event> chosen(checked.events);
    std::vector<event> recent;
    if (since || until) {
      for (event& e : checked.events)
        if ((!since || e.time >= *since) && (!until || e.time < *until))
          recent.push_back(std::move(e));
      chosen = recent;
    }
    if (chosen.empty()) continue;
    if (csv) {
      // to_csv starts every call with the header row; the export has it once.
      const std::string rows = to_csv(chosen);
      const auto header_end = rows.find("\r\n");
      ok = write_all(target, std::string_view(rows).substr(header_end + 2));
    } else {
      ok = write_all(target, to_jsonl(chosen));
    }
  }
  if (!ok) {
    say(err, "{}: error: cannot write {}", tool,
        options.output.empty() ? std::string("the export") : "'" + options.output + "'");
    return finish(exit_errors, false);
  }
  for (const auto& [id, problem] : broken)
    say(err, "{}: error: {}: {} (exported as stored)", tool, quoted_value(id), problem);
  return finish(broken.empty() ? exit_ok : exit_errors, true);
}

}  // namespace tierflow::cli
