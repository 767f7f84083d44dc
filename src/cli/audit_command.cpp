// SPDX-License-Identifier: MIT
// `tierflow audit verify|show|export --db URL`: an auditor's view of a ticket
// store. The store is opened read-only and never created (store_options
// read_only, create = false), so an audit cannot change what it audits,
// nor leave an empty database behind when the URL names a wrong file.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include <tierflow/audit.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/time.hpp>
#include <tierflow/verified_read.hpp>

#include "commands.hpp"

namespace tierflow::cli {
namespace {

constexpr std::string_view tool = "tierflow audit";

/// The passwords a PostgreSQL URL carries (`user:secret@host`,
/// `?password=secret`), as written in it; none for other URLs.
std::vector<std::string> url_secrets(std::string_view url) {
  std::vector<std::string> out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || url.substr(0, 7) == "sqlite:") return out;
  const auto authority = scheme_end + 3;
  const auto authority_end = std::min(url.find_first_of("/?", authority), url.size());
  const auto at = url.substr(0, authority_end).rfind('@');
  if (at != std::string_view::npos && at >= authority) {
    const auto colon = url.find(':', authority);
    if (colon < at) out.emplace_back(url.substr(colon + 1, at - colon - 1));
  }
  for (auto pos = url.find("password="); pos != std::string_view::npos;
       pos = url.find("password=", pos + 1)) {
    if (pos == 0 || (url[pos - 1] != '?' && url[pos - 1] != '&')) continue;
    const auto value = pos + 9;
    out.emplace_back(url.substr(value, std::min(url.find('&', value), url.size()) - value));
  }
  return out;
}

/// `text` with every password of `url` replaced by "***": error messages
/// end up in logs and terminals, and a store's (or libpq's) message may
/// quote the URL it was given.
std::string scrub(std::string text, std::string_view url) {
  for (const auto& secret : url_secrets(url)) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

/// The URL as it may be printed: without its passwords.
std::string printable_url(std::string_view url) { return scrub(std::string(url), url); }

/// A store opened for auditing, or the exit status of the failure (already
/// reported on `err`).
struct audit_store {
  std::unique_ptr<store> handle;
  int status = exit_ok;
};

audit_store open_for_audit(const std::string& url, std::FILE* err) {
  const auto starts = [&](std::string_view p) { return url.compare(0, p.size(), p) == 0; };
  // Checked here rather than left to open_store: `memory:` would open (a new,
  // empty store) and then audit nothing, which must not read as "OK".
  if (url == "memory:") {
    fmt::print(err,
               "{}: error: --db memory: is a new, empty store each time, so there is nothing to "
               "audit; use sqlite:PATH or postgresql://…\n",
               tool);
    return {nullptr, exit_usage};
  }
  if (!starts("sqlite:") && !starts("postgresql://") && !starts("postgres://")) {
    fmt::print(err, "{}: error: --db '{}': unknown store URL; use sqlite:PATH or postgresql://…\n",
               tool, printable_url(url));
    return {nullptr, exit_usage};
  }
  store_options options;
  options.read_only = true;
  options.create = false;
  auto opened = open_store(url, options);
  if (!opened) {
    fmt::print(err, "{}: error: cannot open {}: {}\n", tool, printable_url(url),
               scrub(opened.error().message(), url));
    // A malformed URL is the command line's fault; everything else (a missing
    // or foreign file, an unreachable server, a newer schema) is the input's.
    return {nullptr, opened.error().code() == errc::invalid_argument ? exit_usage : exit_errors};
  }
  return {std::move(*opened), exit_ok};
}

/// A store call failed mid-audit: says so and gives the exit status.
int store_failure(std::FILE* err, std::string_view url, std::string_view doing, const error& e) {
  fmt::print(err, "{}: error: {}: {}\n", tool, doing, scrub(e.message(), url));
  return exit_errors;
}

/// `t` as "2026-11-24 09:00:00Z": UTC, ISO 8601 with a space for people
/// (the exports keep the "T" form of tierflow::write_jsonl).
std::string utc_text(timestamp t) { return format_local(t, std::chrono::minutes{0}, "%F %TZ"); }

/// Parses `--since`: "2026-11-24T09:00:00Z", "2026-11-24" (00:00:00 UTC) or
/// any ISO 8601 time with an offset (tierflow::parse_iso8601).
std::optional<timestamp> parse_since(std::string_view text) {
  auto t = parse_iso8601(text);
  if (!t) return std::nullopt;
  return *t;
}

/// A detail value as it reads in `key=value`: bare when it is plain, else
/// in double quotes with \" \\ \n \r \t and \xNN escapes, so a value can
/// neither break the line nor pass for another key=value pair.
std::string quoted_value(std::string_view value) {
  bool plain = !value.empty();
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '\\' || c == '=') plain = false;
  }
  if (plain) return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f)
          out += fmt::format("\\x{:02x}", u);
        else
          out += c;
    }
  }
  out += '"';
  return out;
}

/// The outcome of checking one stream.
struct stream_check {
  std::vector<event> events;
  /// Empty when the stream verifies; else why not, without the stream id
  /// ("broken at event 3: edited: content does not match its hash").
  std::string problem;
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
    if (read.error().code() != errc::not_found)
      out.problem = "cannot be read: " + scrub(read.error().message(), url);
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

/// Writes `bytes` to `out`; false on a write error.
bool write_all(std::FILE* out, std::string_view bytes) {
  return std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
}

}  // namespace

const char* audit_help() noexcept {
  return "The store URL (--db): sqlite:PATH (a database file) or postgresql://USER@HOST/DB (a\n"
         "libpq URI). The store is opened read-only and never created: an audit changes\n"
         "nothing. A password in the URL is never printed.\n"
         "\n"
         "Exit status: 0 the audit passed; 1 a broken hash chain, an unknown ticket, or a\n"
         "store that cannot be opened or read (a missing or foreign file, an unreachable\n"
         "server; the message names it); 2 a usage error: a bad option, a malformed --since,\n"
         "or a --db URL of an unknown scheme (or memory:, which holds nothing to audit).\n"
         "\n"
         "Times are UTC. `show` prints them as 2026-11-24 09:00:00Z; the exports use\n"
         "2026-11-24T09:00:00Z.";
}

int run_audit_verify(const audit_verify_options& options, std::FILE* out, std::FILE* err) {
  auto opened = open_for_audit(options.db, err);
  if (!opened.handle) return opened.status;
  const store& s = *opened.handle;
  auto streams = s.streams();
  if (!streams) return store_failure(err, options.db, "listing the streams", streams.error());
  std::uint64_t events = 0;
  std::size_t broken = 0;
  for (const std::string& id : *streams) {
    const stream_check checked = check_stream(s, id, options.db);
    events += checked.events.size();
    if (!checked.problem.empty()) {
      ++broken;
      // Quoted when odd: a stream id from a tampered file must not forge lines.
      fmt::print(out, "{}: {}\n", quoted_value(id), checked.problem);
    }
  }
  fmt::print(out, "verified {} stream{}, {} event{}: ", streams->size(),
             streams->size() == 1 ? "" : "s", events, events == 1 ? "" : "s");
  if (broken == 0) {
    fmt::print(out, "OK\n");
    return exit_ok;
  }
  fmt::print(out, "{} broken\n", broken);
  return exit_errors;
}

int run_audit_show(const audit_show_options& options, std::FILE* out, std::FILE* err) {
  auto opened = open_for_audit(options.db, err);
  if (!opened.handle) return opened.status;
  const store& s = *opened.handle;
  const std::string& id = options.ticket;

  std::optional<ticket_summary> summary;
  if (auto found = s.summary(id)) {
    summary = std::move(*found);
  } else if (found.error().code() != errc::not_found) {
    return store_failure(err, options.db, fmt::format("reading ticket '{}'", id), found.error());
  }
  const stream_check checked = check_stream(s, id, options.db);
  const std::vector<event>& events = checked.events;
  if (!summary && events.empty() && checked.problem.empty()) {
    fmt::print(err, "{}: error: no ticket '{}' in {}\n", tool, id, printable_url(options.db));
    return exit_errors;
  }

  const auto line = [&](std::string_view label, std::string_view value) {
    fmt::print(out, "{:<10}{}\n", label, value.empty() ? std::string_view("-") : value);
  };
  if (summary) {
    line("ticket", fmt::format("{}   (all times UTC)", summary->ticket_id));
    line("customer", summary->customer_id);
    line("type", summary->ticket_type);
    line("workflow", fmt::format("{} v{}", summary->workflow_id, summary->workflow_version));
    line("state", fmt::format("{} ({})", summary->state, summary->closed ? "closed" : "open"));
    line("queue", summary->region.empty() ? summary->unit : summary->unit + "/" + summary->region);
    line("owner", summary->owner);
    line("assignee", summary->assignee);
    line("opened", utc_text(summary->opened_at));
    if (summary->closed_at) line("closed", utc_text(*summary->closed_at));
  } else {
    const bool denial_log = id == engine::denial_log_id;
    line("stream",
         fmt::format("{}   ({}all times UTC)", id,
                     denial_log ? "the log of commands denied on unknown tickets; " : ""));
  }
  line("trail",
       fmt::format("{} event{}, hash chain {}", events.size(), events.size() == 1 ? "" : "s",
                   checked.problem.empty() ? "verified" : "BROKEN: " + checked.problem));

  if (summary) {
    auto tickets = s.customer_tickets(summary->customer_id);
    if (!tickets)
      return store_failure(
          err, options.db,
          fmt::format("reading the tickets of customer '{}'", summary->customer_id),
          tickets.error());
    std::vector<const ticket_summary*> others;
    for (const auto& t : *tickets)
      if (t.ticket_id != id) others.push_back(&t);
    if (others.empty()) {
      fmt::print(out, "\nno other tickets of customer {}\n", summary->customer_id);
    } else {
      std::size_t id_width = 0, type_width = 0, state_width = 0;
      for (const auto* t : others) {
        id_width = std::max(id_width, t->ticket_id.size());
        type_width = std::max(type_width, t->ticket_type.size());
        state_width = std::max(state_width, t->state.size() + (t->closed ? 9 : 0));
      }
      fmt::print(out, "\nother tickets of customer {} ({}), oldest first:\n", summary->customer_id,
                 others.size());
      for (const auto* t : others) {
        fmt::print(out, "  {:<{}}  {:<{}}  {:<{}}  opened {}\n", t->ticket_id, id_width,
                   t->ticket_type, type_width, t->closed ? t->state + " (closed)" : t->state,
                   state_width, utc_text(t->opened_at));
      }
    }
  }

  std::size_t seq_width = 1, actor_width = 0, type_width = 0;
  for (const event& e : events) {
    seq_width = std::max(seq_width, fmt::formatted_size("{}", e.sequence));
    actor_width = std::max(actor_width, e.actor_id.size());
    type_width = std::max(type_width, to_string(e.type).size());
  }
  fmt::print(out, "\nevents:\n");
  for (const event& e : events) {
    std::string text =
        fmt::format("  #{:<{}}  {}  {:<{}}  {:<{}}", e.sequence, seq_width, utc_text(e.time),
                    e.actor_id, actor_width, to_string(e.type), type_width);
    for (const auto& [key, value] : e.details)
      text += fmt::format("  {}={}", key, quoted_value(value));
    // Padding of the last column is not wanted at the end of a line.
    while (!text.empty() && text.back() == ' ') text.pop_back();
    fmt::print(out, "{}\n", text);
  }
  return exit_ok;
}

int run_audit_export(const audit_export_options& options, std::FILE* out, std::FILE* err) {
  const bool csv = options.format == "csv";
  if (!csv && options.format != "jsonl") {
    fmt::print(err, "{} export: error: --format '{}': use jsonl or csv\n", tool, options.format);
    return exit_usage;
  }
  std::optional<timestamp> since;
  if (!options.since.empty()) {
    since = parse_since(options.since);
    if (!since) {
      fmt::print(err,
                 "{} export: error: --since '{}': expected a UTC time like 2026-11-24T09:00:00Z "
                 "or a date like 2026-11-24\n",
                 tool, options.since);
      return exit_usage;
    }
  }
  // -o naming the database itself would truncate the trail being exported.
  if (!options.output.empty() && options.db.rfind("sqlite:", 0) == 0) {
    std::string_view path = std::string_view(options.db).substr(7);
    if (path.substr(0, 2) == "//") path.remove_prefix(2);
    std::error_code ec;
    if (std::filesystem::equivalent(options.output, path, ec)) {
      fmt::print(err, "{} export: error: -o '{}' is the database itself\n", tool, options.output);
      return exit_usage;
    }
  }
  // The store first: a wrong --db must not leave an empty output file.
  auto opened = open_for_audit(options.db, err);
  if (!opened.handle) return opened.status;
  const store& s = *opened.handle;

  std::vector<std::string> streams;
  if (!options.ticket.empty()) {
    auto head = s.head(options.ticket);
    if (!head)
      return store_failure(err, options.db, fmt::format("reading stream '{}'", options.ticket),
                           head.error());
    if (head->version == 0) {
      fmt::print(err, "{}: error: no ticket '{}' in {}\n", tool, options.ticket,
                 printable_url(options.db));
      return exit_errors;
    }
    streams.push_back(options.ticket);
  } else {
    auto all = s.streams();
    if (!all) return store_failure(err, options.db, "listing the streams", all.error());
    streams = std::move(*all);
  }

  std::FILE* target = out;
  if (!options.output.empty()) {
    target = std::fopen(options.output.c_str(), "wb");
    if (target == nullptr) {
      fmt::print(err, "{}: error: cannot write '{}': {}\n", tool, options.output,
                 std::generic_category().message(errno));
      return exit_errors;
    }
  }
  // Ends the export: closes the output file, and on failure removes it, so a
  // partial export is never mistaken for a whole one.
  const auto finish = [&](int status) {
    if (target != out) {
      if (std::fclose(target) != 0 && status == exit_ok) {
        fmt::print(err, "{}: error: cannot write '{}'\n", tool, options.output);
        status = exit_errors;
      }
      if (status != exit_ok) {
        std::error_code ignored;
        std::filesystem::remove(options.output, ignored);
      }
    } else if (std::fflush(out) != 0 && status == exit_ok) {
      fmt::print(err, "{}: error: cannot write the export\n", tool);
      status = exit_errors;
    }
    return status;
  };

  bool ok = true;
  if (csv) {
    const std::string header = to_csv({});
    ok = write_all(target, header);
  }
  for (const std::string& id : streams) {
    if (!ok) break;
    auto events = s.load(id);
    if (!events) {
      (void)store_failure(err, options.db, fmt::format("reading stream '{}'", id), events.error());
      return finish(exit_errors);
    }
    std::span<const event> chosen(*events);
    std::vector<event> recent;
    if (since) {
      for (event& e : *events)
        if (e.time >= *since) recent.push_back(std::move(e));
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
    fmt::print(err, "{}: error: cannot write {}\n", tool,
               options.output.empty() ? std::string("the export") : "'" + options.output + "'");
    return finish(exit_errors);
  }
  return finish(exit_ok);
}

}  // namespace tierflow::cli
