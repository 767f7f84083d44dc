// SPDX-License-Identifier: MIT
// Running scenario tests on the engine. See tierflow/testing.hpp.
//
// Each case gets its own engine, in-memory store and manual clock: cases
// cannot see each other, and the ticket meets exactly the code that runs in
// production (routing, authorization, timers, escalation, the fold). What a
// case checks is read back through the engine's public queries — view(),
// events() — the same as a host would.
#include <tierflow/testing.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/calendar.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/time.hpp>

namespace tierflow::testing {
namespace {

/// Who opens the scenario's ticket when the file names no one.
constexpr std::string_view default_opener = "scenario";
/// The person who walks history tickets to their end.
constexpr std::string_view history_actor = "history";

std::string or_none(std::string_view text) { return text.empty() ? "none" : std::string(text); }

/// `detail`'s value in `e`, or nullptr.
const std::string* detail_of(const event& e, std::string_view key) {
  for (const auto& [k, v] : e.details)
    if (k == key) return &v;
  return nullptr;
}

/// Splits "a, b,c" into sorted, trimmed, non-empty parts joined by ", ":
/// the one way a flag set is written, whatever the spacing in the file.
std::string normalised_set(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string_view part = text.substr(start, comma - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) parts.emplace_back(part);
    start = comma + 1;
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

/// The shortest path of actions from the ticket's current state to a
/// terminal state, leaving out handoffs and returns (a return needs the
/// handoff first, and a handoff needs its return): a plain breadth-first
/// search over the states.
std::vector<const action*> path_to_end(const workflow& wf, std::size_t from) {
  std::vector<std::size_t> parent(wf.states.size(), npos);
  std::vector<const action*> via(wf.states.size(), nullptr);
  std::vector<bool> seen(wf.states.size(), false);
  std::deque<std::size_t> queue{from};
  seen[from] = true;
  while (!queue.empty()) {
    const std::size_t s = queue.front();
    queue.pop_front();
    if (wf.states[s].terminal) {
      std::vector<const action*> path;
      for (std::size_t at = s; at != from; at = parent[at]) path.push_back(via[at]);
      std::reverse(path.begin(), path.end());
      return path;
    }
    for (const action& a : wf.states[s].actions) {
      if (a.to_index == npos || seen[a.to_index] || a.effect == action_effect::handoff ||
          a.effect == action_effect::give_back)
        continue;
      seen[a.to_index] = true;
      parent[a.to_index] = s;
      via[a.to_index] = &a;
      queue.push_back(a.to_index);
    }
  }
  return {};
}

/// One case being run: the engine, its clock, and where the ticket is.
class case_run {
 public:
  case_run(const catalog& cat, const scenario& sc, case_result& out, bool stop_at_first)
      : cat_(cat), sc_(sc), out_(out), stop_at_first_(stop_at_first), clock_(earliest_instant(sc)) {}

  void run() {
    step_ = failure::before_steps;
    engine_options options{&clock_, nullptr, nullptr, "T", {}};
    auto eng = engine::create(cat_, options);
    if (!eng) return fail_setup(sc_.where, "engine", "an engine", eng.error().message());
    engine_ = std::move(*eng);
    if (!open_history()) return;
    if (!open_ticket()) return;
    for (std::size_t i = 0; i < sc_.steps.size(); ++i) {
      step_ = i;
      const bool go_on = std::visit([this](const auto& s) { return run_step(s); }, sc_.steps[i]);
      if (!go_on || (stop_at_first_ && !out_.failures.empty())) break;
    }
    if (stop_at_first_ && out_.failures.size() > 1) out_.failures.resize(1);
    if (auto trail = engine_->events(ticket_id_)) out_.events = std::move(*trail);
  }

 private:
  static timestamp earliest_instant(const scenario& sc) {
    timestamp t = sc.start;
    for (const auto& h : sc.history) t = std::min(t, sc.start - std::chrono::minutes{h.ago.calendar_minutes()});
    return t;
  }

  // --- failures --------------------------------------------------------------------

  void add_failure(source_pos where, std::string what, std::string expected, std::string actual,
                   std::string message) {
    out_.failures.push_back(failure{step_, std::move(where), std::move(what), std::move(expected),
                                    std::move(actual), std::move(message)});
  }
  void fail_setup(source_pos where, std::string what, std::string expected, std::string actual) {
    std::string message = fmt::format("{}: {}", what, actual);
    add_failure(std::move(where), std::move(what), std::move(expected), std::move(actual),
                std::move(message));
  }
  /// A comparison that did not hold: "expected state 'x', got 'y'".
  void mismatch(const source_pos& where, const std::string& what, const std::string& expected,
                const std::string& actual) {
    add_failure(where, what, expected, actual,
                fmt::format("expected {} '{}', got '{}'", what, expected, actual));
  }

  // --- setup -----------------------------------------------------------------------

  /// Opens (and closes) the customer's earlier tickets, oldest first.
  bool open_history() {
    std::vector<const history_entry*> entries;
    for (const auto& h : sc_.history) entries.push_back(&h);
    std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
      return a->ago.calendar_minutes() > b->ago.calendar_minutes();
    });
    for (const history_entry* h : entries) {
      const timestamp at = sc_.start - std::chrono::minutes{h->ago.calendar_minutes()};
      (void)clock_.set(at);
      open_request req;
      req.type = h->type;
      req.channel = h->channel.empty() ? sc_.ticket.channel : h->channel;
      req.customer_id = sc_.ticket.customer_id;
      req.customer = sc_.ticket.customer;
      req.fields = h->fields;
      req.opened_by = std::string(history_actor);
      auto opened = engine_->open(req);
      if (!opened) {
        fail_setup(h->where, "history", "the earlier ticket opens", opened.error().message());
        return false;
      }
      if (h->closed && !close_history(opened->ticket, h->where)) return false;
    }
    (void)clock_.set(sc_.start);
    if (auto fired = engine_->advance(sc_.start); !fired) {
      fail_setup(sc_.where, "history", "the earlier tickets' timers fire", fired.error().message());
      return false;
    }
    return true;
  }

  /// Walks an earlier ticket to a terminal state by the shortest path, each
  /// action taken by someone holding every role it allows, in the ticket's
  /// region.
  bool close_history(const ticket_view& t, const source_pos& where) {
    const workflow* wf = cat_.find(t.workflow_id, t.workflow_version);
    if (wf == nullptr) return true;
    const std::size_t from = wf->state_index(t.state);
    if (from == npos || wf->states[from].terminal) return true;
    const auto path = path_to_end(*wf, from);
    if (path.empty()) {
      fail_setup(where, "history", "a way to close the earlier ticket",
                 fmt::format("no sequence of actions leads from state '{}' to a terminal state",
                             t.state));
      return false;
    }
    for (const action* a : path) {
      act_request req;
      req.ticket_id = t.id;
      req.action = a->id;
      req.by = actor{std::string(history_actor), a->by, t.region};
      if (a->needs_note) req.note = "closed before the scenario starts";
      if (auto done = engine_->act(req); !done) {
        fail_setup(where, "history",
                   fmt::format("the earlier ticket closes by '{}'", a->id),
                   done.error().message());
        return false;
      }
    }
    return true;
  }

  bool open_ticket() {
    open_request req = sc_.ticket;
    if (req.opened_by.empty()) req.opened_by = std::string(default_opener);
    auto opened = engine_->open(req);
    if (!opened) {
      fail_setup(sc_.ticket_where, "open", "the ticket opens",
                 fmt::format("{}: {}", to_string(opened.error().code()), opened.error().message()));
      return false;
    }
    ticket_id_ = opened->ticket.id;
    out_.workflow_id = opened->ticket.workflow_id;
    out_.workflow_version = opened->ticket.workflow_version;
    return true;
  }

  // --- steps -----------------------------------------------------------------------

  bool run_step(const act_step& s) {
    act_request req;
    req.ticket_id = ticket_id_;
    req.action = s.action;
    req.by = s.by;
    req.note = s.note;
    req.classification = s.classification;
    const std::string what = "act " + s.action;
    auto done = engine_->act(req);
    if (s.error) {
      const std::string expected(to_string(*s.error));
      if (done) {
        add_failure(s.error_where, what, expected, "accepted",
                    fmt::format("expected '{}' to be refused with {}, but it was accepted",
                                s.action, expected));
        return false;  // the ticket moved: the steps after no longer mean what they say
      }
      const std::string actual(to_string(done.error().code()));
      if (actual != expected)
        add_failure(s.error_where, what, expected, actual,
                    fmt::format("expected '{}' to be refused with {}, got {}: {}", s.action,
                                expected, actual, done.error().message()));
      return true;
    }
    if (!done) {
      const std::string actual =
          fmt::format("{}: {}", to_string(done.error().code()), done.error().message());
      add_failure(s.where, what, "accepted", actual,
                  fmt::format("'{}' by '{}' was refused: {}", s.action, s.by.id, actual));
      return false;
    }
    return true;
  }

  bool run_step(const advance_step& s) {
    const timestamp now = clock_.now();
    timestamp target = now;
    const workflow* wf = cat_.find(out_.workflow_id, out_.workflow_version);
    const calendar* cal = wf != nullptr ? cat_.org.find_calendar(wf->calendar) : nullptr;
    const auto plus = [&](timestamp from, const duration& d) -> std::optional<timestamp> {
      if (!d.is_business()) return from + std::chrono::minutes{d.calendar_minutes()};
      if (cal == nullptr) return std::nullopt;
      return add(*cal, from, d);
    };
    switch (s.how) {
      case advance_step::kind::by:
        if (s.amount) {
          const auto t = plus(now, *s.amount);
          if (!t) return fail_advance(s, "the workflow has no calendar for business time");
          target = *t;
        }
        break;
      case advance_step::kind::to:
        if (s.to < now)
          return fail_advance(s, fmt::format("{} is before the clock's {}: time does not run back",
                                             local(s.to), local(now)));
        target = s.to;
        break;
      case advance_step::kind::to_due: {
        auto v = engine_->view(ticket_id_);
        if (!v) return fail_advance(s, v.error().message());
        const deadline_view* d = find_deadline(*v, s.deadline);
        if (d == nullptr || !d->due || d->status != deadline_status::running)
          return fail_advance(
              s, fmt::format("deadline '{}' is {}: it has no due instant to advance to",
                             s.deadline, d == nullptr ? "not on the ticket" : to_string(d->status)));
        target = std::max(*d->due, now);
        if (s.amount) {
          const auto t = plus(target, *s.amount);
          if (!t) return fail_advance(s, "the workflow has no calendar for business time");
          target = *t;
        }
        break;
      }
    }
    (void)clock_.set(target);
    if (auto fired = engine_->advance(target); !fired)
      return fail_advance(s, fired.error().message());
    return true;
  }

  bool fail_advance(const advance_step& s, std::string why) {
    add_failure(s.where, "advance", "the clock moves", why, fmt::format("cannot advance: {}", why));
    return false;
  }

  bool run_step(const expectation& e) {
    auto v = engine_->view(ticket_id_);
    auto trail = engine_->events(ticket_id_);
    if (!v || !trail) {
      fail_setup(e.where, "view", "the ticket can be read",
                 (!v ? v.error() : trail.error()).message());
      return false;
    }
    const std::span<const event> window(trail->data() + std::min(window_start_, trail->size()),
                                        trail->size() - std::min(window_start_, trail->size()));
    for (const field_expectation& f : e.fields) check_field(f, *v, *trail);
    if (e.notified) check_notified(e, *e.notified, window);
    if (e.events) check_events(e, *e.events, window);
    for (const notification_expectation& n : e.not_notified)
      check_absent("notified", n.where, pairs_text(n.fields), window, [&](const event& ev) {
        return ev.type == event_type::notified && details_match(ev, n.fields);
      }, notification_text);
    for (const event_expectation& x : e.not_events)
      check_absent("events", x.where, describe_event(x), window, [&](const event& ev) {
        return to_string(ev.type) == x.type && details_match(ev, x.details);
      }, event_text);
    window_start_ = trail->size();
    return true;
  }

  // --- expectations ----------------------------------------------------------------

  std::string local(timestamp t) const {
    const std::string with_seconds = format_local(t, cat_.org.utc_offset, "%F %T");
    // "2026-03-02 09:00" when the seconds are zero: as people write it.
    return with_seconds.size() == 19 && with_seconds.ends_with(":00") ? with_seconds.substr(0, 16)
                                                                       : with_seconds;
  }

  static const deadline_view* find_deadline(const ticket_view& v, std::string_view id) {
    for (const auto& d : v.deadlines)
      if (d.id == id) return &d;
    return nullptr;
  }

  static std::string status_text(const deadline_view& d) {
    if (d.breached && (d.status == deadline_status::running || d.status == deadline_status::paused))
      return "breached";
    return std::string(to_string(d.status));
  }

  static std::string last_routing_rule(const std::vector<event>& trail) {
    for (auto it = trail.rbegin(); it != trail.rend(); ++it)
      if (it->type == event_type::routed)
        if (const std::string* r = detail_of(*it, detail_key::rule)) return *r;
    return "none";
  }

  /// The value last recorded for classification `name` ("class.<name>" on
  /// the trail), or "none": the value reports group the ticket by.
  static std::string last_classified(const std::vector<event>& trail, std::string_view name) {
    const std::string key = std::string(detail_key::classification_prefix) + std::string(name);
    for (auto it = trail.rbegin(); it != trail.rend(); ++it)
      if (const std::string* v = detail_of(*it, key)) return *v;
    return "none";
  }

  void check_field(const field_expectation& f, const ticket_view& v,
                   const std::vector<event>& trail) {
    const std::string& name = f.field;
    std::string actual;
    std::string expected = f.expected;
    if (name == "state") actual = v.state;
    else if (name == "tier") actual = v.tier;
    else if (name == "team") actual = v.handoffs.empty() ? "none" : v.assignee.unit;
    else if (name == "queue")
      actual = v.assignee.region.empty() ? v.assignee.unit : v.assignee.unit + "/" + v.assignee.region;
    else if (name == "region") actual = or_none(v.region);
    else if (name == "owner") actual = or_none(v.owner);
    else if (name == "assignee") actual = or_none(v.assignee.person);
    else if (name == "rule") actual = last_routing_rule(trail);
    else if (name == "closed") actual = v.closed ? "true" : "false";
    else if (name == "paused") actual = v.paused ? "true" : "false";
    else if (name == "escalations") actual = std::to_string(v.escalations);
    else if (name.starts_with("classified."))
      actual = last_classified(trail, std::string_view(name).substr(11));
    else if (name == "flags") {
      std::string joined;
      for (const auto& fl : v.flags) joined += (joined.empty() ? "" : ",") + fl;
      actual = normalised_set(joined);
      expected = normalised_set(expected);
    } else if (name == "has_flag" || name == "lacks_flag") {
      const bool has = v.has_flag(f.expected);
      if (has != (name == "has_flag"))
        add_failure(f.where, name, f.expected, has ? "set" : "not set",
                    fmt::format("expected flag '{}' {}, it is {}", f.expected,
                                has ? "not to be set" : "to be set", has ? "set" : "not set"));
      return;
    } else if (name.starts_with("deadline.")) {
      std::string_view id = std::string_view(name).substr(9);
      const bool due = id.ends_with(".due");
      if (due) id.remove_suffix(4);
      const deadline_view* d = find_deadline(v, id);
      if (!due) {
        actual = d == nullptr ? "absent" : status_text(*d);
      } else {
        actual = d == nullptr ? "absent" : (d->due ? local(*d->due) : "none");
        if (f.instant && d != nullptr && d->due && *d->due == *f.instant) return;
        if (f.instant) expected = local(*f.instant);
      }
    } else {
      add_failure(f.where, name, f.expected, "(unknown field)",
                  fmt::format("unknown field '{}' in an expectation", name));
      return;
    }
    if (actual != expected) mismatch(f.where, name, expected, actual);
  }

  /// "to=tier unit=hq_key_account_desk reason=contact_l4": a notified event
  /// as the expectations name its fields.
  static std::string notification_text(const event& e) {
    std::string out;
    for (const std::string_view key : {detail_key::to, detail_key::unit, detail_key::region,
                                       detail_key::person, detail_key::reason}) {
      const std::string* v = detail_of(e, key);
      if (v == nullptr || v->empty()) continue;
      out += fmt::format("{}{}={}", out.empty() ? "" : " ", key, *v);
    }
    return out;
  }

  /// "escalated rule=contact_l4 from_tier=… to_tier=…": an event as the
  /// expectations name it, so a detail that differs can be seen.
  static std::string event_text(const event& e) {
    std::string out(to_string(e.type));
    for (const auto& [k, v] : e.details) out += fmt::format(" {}={}", k, v);
    return out;
  }

  static std::string pairs_text(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string out;
    for (const auto& [k, v] : pairs) out += fmt::format("{}{}={}", out.empty() ? "" : " ", k, v);
    return out;
  }

  static bool details_match(const event& e,
                            const std::vector<std::pair<std::string, std::string>>& wanted) {
    for (const auto& [k, want] : wanted) {
      const std::string* got = detail_of(e, k);
      if (got == nullptr || *got != want) return false;
    }
    return true;
  }

  /// Matches `wanted` in order against the events of `window` that
  /// `eligible` accepts, each wanted item at or after the previous match.
  /// Reports the first item not found.
  template <class Item, class Eligible, class Matches, class Describe, class Show>
  void match_in_order(const std::string& what, const source_pos& list_where,
                      const std::vector<Item>& wanted, std::span<const event> window,
                      Eligible eligible, Matches matches, Describe describe, Show show) {
    std::vector<const event*> seen;
    for (const event& e : window)
      if (eligible(e)) seen.push_back(&e);
    std::string actual;
    for (const event* e : seen) actual += (actual.empty() ? "" : "; ") + show(*e);
    if (actual.empty()) actual = "nothing";
    if (wanted.empty()) {
      if (!seen.empty())
        add_failure(list_where, what, "nothing", actual,
                    fmt::format("expected no {}, got: {}", what, actual));
      return;
    }
    std::size_t at = 0;
    for (const Item& item : wanted) {
      while (at < seen.size() && !matches(*seen[at], item)) ++at;
      if (at == seen.size()) {
        const std::string expected = describe(item);
        add_failure(item.where, what, expected, actual,
                    fmt::format("expected {} '{}' (in this order), got: {}", what, expected, actual));
        return;
      }
      ++at;
    }
  }

  static std::string describe_event(const event_expectation& x) {
    return x.details.empty() ? x.type : x.type + " " + pairs_text(x.details);
  }

  /// Fails when an event of `window` matches: what a `not_notified` or
  /// `not_events` item forbids.
  template <class Matches, class Show>
  void check_absent(const std::string& what, const source_pos& where, const std::string& item,
                    std::span<const event> window, Matches matches, Show show) {
    for (const event& ev : window) {
      if (!matches(ev)) continue;
      add_failure(where, "not " + what, item, show(ev),
                  fmt::format("expected no {} '{}', got: {}", what, item, show(ev)));
      return;
    }
  }

  void check_notified(const expectation& e, const std::vector<notification_expectation>& wanted,
                      std::span<const event> window) {
    match_in_order(
        "notified", e.where, wanted, window,
        [](const event& ev) { return ev.type == event_type::notified; },
        [](const event& ev, const notification_expectation& n) { return details_match(ev, n.fields); },
        [](const notification_expectation& n) { return pairs_text(n.fields); },
        [](const event& ev) { return notification_text(ev); });
  }

  void check_events(const expectation& e, const std::vector<event_expectation>& wanted,
                    std::span<const event> window) {
    match_in_order(
        "events", e.where, wanted, window, [](const event&) { return true; },
        [](const event& ev, const event_expectation& x) {
          return to_string(ev.type) == x.type && details_match(ev, x.details);
        },
        [](const event_expectation& x) { return describe_event(x); },
        event_text);
  }

  const catalog& cat_;
  const scenario& sc_;
  case_result& out_;
  bool stop_at_first_ = false;
  manual_clock clock_;
  std::unique_ptr<engine> engine_;
  std::string ticket_id_;
  std::size_t step_ = 0;
  /// The trail's length at the previous expectation: what came after is
  /// what the next one's `notified` and `events` look at.
  std::size_t window_start_ = 0;
};

case_result run_case(const catalog& cat, const scenario& sc, std::string_view file,
                     bool stop_at_first) {
  case_result out;
  out.file = std::string(file);
  out.name = sc.name;
  out.where = sc.where;
  const auto begin = std::chrono::steady_clock::now();
  case_run(cat, sc, out, stop_at_first).run();
  out.elapsed = std::chrono::steady_clock::now() - begin;
  return out;
}

}  // namespace

std::string case_label(const scenario_file& file, const scenario& sc) {
  return fmt::format("{}: {}", file.name, sc.name);
}

case_result run_scenario(const catalog& cat, const scenario& sc, std::string_view file) {
  return run_case(cat, sc, file, false);
}

suite_result run_scenarios(const catalog& cat, const std::vector<scenario_file>& files,
                           const run_options& options) {
  suite_result out;
  for (const scenario_file& f : files) {
    for (const scenario& sc : f.cases) {
      if (!options.filter.empty() && case_label(f, sc).find(options.filter) == std::string::npos)
        continue;
      out.cases.push_back(run_case(cat, sc, f.name, options.stop_at_first_failure));
    }
  }
  return out;
}

result<suite_result> run_scenario_files(const std::vector<std::string>& definitions,
                                        const std::vector<std::string>& scenarios,
                                        const run_options& options) {
  diagnostics diags;
  auto cat = load_catalog_files(definitions, diags);
  if (!cat) return fail(cat.error().code(), diags.str());
  std::vector<scenario_file> files;
  const auto sources = read_scenario_sources(scenarios, diags);
  if (diags.has_errors()) return fail(errc::io_error, diags.str());
  for (const source_file& s : sources)
    if (auto f = load_scenario_file(s, *cat, diags)) files.push_back(std::move(*f));
  if (diags.has_errors()) return fail(errc::invalid_definition, diags.str());
  return run_scenarios(*cat, files, options);
}

std::string describe_failures(const suite_result& result) {
  std::string out;
  for (const case_result& c : result.cases) {
    for (const failure& f : c.failures) {
      const std::string at = f.step == failure::before_steps
                                   ? std::string("before the first step")
                                   : fmt::format("step {}", f.step + 1);
      diagnostic d{severity::error, f.where, fmt::format("{}: {}: {}", c.name, at, f.message)};
      out += d.str();
      out += '\n';
    }
  }
  return out;
}

}  // namespace tierflow::testing
