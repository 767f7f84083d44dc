// SPDX-License-Identifier: MIT
// The engine: commands (open, act, advance), queries, and how each command
// becomes one atomic batch of sealed events in the store.
//
// Every change to a ticket is made by emitting an event and applying it to
// the ticket's record with the same fold that replay uses (ticket_record.cpp),
// so the live state and the replayed state cannot drift apart.
#include <tierflow/engine.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

#include <tierflow/audit.hpp>
#include <tierflow/memory_store.hpp>

#include "engine/ticket_record.hpp"

namespace tierflow {
namespace {

using detail::compiled_workflow;
using detail::ticket_record;
using detail::timer_slot;

constexpr std::string_view system_actor = "system";

// One ticket in memory: its record, guarded by its own lock so that commands
// on different tickets run in parallel.
struct ticket_slot {
  std::mutex mutex;
  ticket_record record;
  /// The record holds events the store refused and could not be re-read
  /// after (the store failed twice): it is re-read before its next use.
  bool stale = false;
};

// The events of one command, built against the ticket's record: emit()
// applies each event to the record at once, so later steps of the same
// command (the next escalation rule, its `from` tiers) see its effect.
struct command {
  command(const detail::compiled_catalog& catalog, ticket_record& record, timestamp at,
          std::string_view by)
      : cc(catalog), rec(record), time(std::max(at, record.last_time)), actor(by),
        base_version(record.version), base_head(record.head) {}

  const detail::compiled_catalog& cc;
  ticket_record& rec;
  /// Never before the ticket's last event: a trail's times do not run back.
  timestamp time;
  std::string_view actor;
  /// The stream the events are built on: the append's expected version and
  /// the hash they chain from.
  std::uint64_t base_version;
  event_hash base_head;
  std::vector<event> events;
  std::vector<notification> notes;

  event& emit(event_type type, event_details details) {
    event e;
    e.ticket_id = rec.id;
    e.sequence = rec.version + 1;
    e.time = time;
    e.actor_id = actor;
    if (rec.flow != nullptr) {
      e.workflow_id = rec.flow->wf->id;
      e.workflow_version = rec.flow->wf->version;
    }
    e.type = type;
    e.details = std::move(details);
    events.push_back(std::move(e));
    rec.apply(cc, events.back());
    return events.back();
  }
};

std::string ticket_id_for(std::string_view prefix, std::uint64_t n) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%08llu", static_cast<unsigned long long>(n));
  return std::string(prefix) + digits;
}

// Checks named values against a schema; converts ints given for number
// attributes. `what`: "customer attribute" or "ticket field".
result<attribute_values> check_values(const attribute_values& given,
                                      const std::vector<attribute>& schema, std::string_view what) {
  if (given.size() > max_attributes)
    return fail(errc::limit_exceeded, std::string(what) + "s: more than " + std::to_string(max_attributes));
  attribute_values out;
  out.reserve(given.size());
  for (const auto& [name, v] : given) {
    const attribute* a = find_attribute(schema, name);
    const std::string label = std::string(what) + " '" + name + "'";
    if (a == nullptr) return fail(errc::invalid_argument, "unknown " + label);
    if (a->derived) return fail(errc::invalid_argument, label + " is derived by the engine; do not supply it");
    for (const auto& [seen, ignored] : out)
      if (seen == name) return fail(errc::invalid_argument, label + " given twice");
    value converted = v;
    bool ok = false;
    switch (a->type.kind) {
      case value_kind::boolean: ok = std::holds_alternative<bool>(v); break;
      case value_kind::integer: ok = std::holds_alternative<std::int64_t>(v); break;
      case value_kind::number:
        if (const auto* i = std::get_if<std::int64_t>(&v)) converted = static_cast<double>(*i);
        ok = std::holds_alternative<double>(converted);
        break;
      case value_kind::string:
        ok = std::holds_alternative<std::string>(v) && std::get<std::string>(v).size() <= max_text_bytes;
        break;
      case value_kind::enumeration:
        if (const auto* s = std::get_if<std::string>(&v))
          ok = std::find(a->type.values.begin(), a->type.values.end(), *s) != a->type.values.end();
        break;
    }
    if (!ok) {
      return fail(errc::invalid_argument,
                  label + ": expected " +
                      (a->type.kind == value_kind::enumeration
                           ? "one of its enum values"
                           : "a value of type " + std::string(to_string(a->type.kind))) +
                      ", got '" + detail::value_text(v) + "'");
    }
    if (a->type.kind == value_kind::integer || a->type.kind == value_kind::number) {
      const double x = a->type.kind == value_kind::integer
                           ? static_cast<double>(std::get<std::int64_t>(converted))
                           : std::get<double>(converted);
      if ((a->type.min && x < *a->type.min) || (a->type.max && x > *a->type.max))
        return fail(errc::invalid_argument, label + ": " + detail::value_text(converted) + " is out of range");
    }
    out.emplace_back(name, std::move(converted));
  }
  return out;
}

bool too_long(std::string_view s, std::size_t limit) { return s.size() > limit; }

}  // namespace

struct engine::impl {
  catalog defs;
  detail::compiled_catalog cc;
  system_clock default_clock;
  const clock* time_source = nullptr;
  std::unique_ptr<memory_store> own_store;
  store* events = nullptr;
  notification_sink* sink = nullptr;
  std::string prefix;

  mutable std::shared_mutex map_mutex;
  mutable std::unordered_map<std::string, std::unique_ptr<ticket_slot>> tickets;

  std::mutex denial_mutex;

  std::atomic<std::uint64_t> commands{0}, denied{0}, timers_fired{0}, notified{0}, sink_failures{0};

  // --- tickets in memory ------------------------------------------------------

  // The slot of a ticket, loaded from the store on first use; nullptr when
  // the store has no such ticket.
  result<ticket_slot*> slot(std::string_view id) const {
    {
      const std::shared_lock lock(map_mutex);
      if (const auto it = tickets.find(std::string(id)); it != tickets.end()) return it->second.get();
    }
    auto stream = events->load(id);
    if (!stream) return fail(stream.error());
    if (stream->empty() || stream->front().type != event_type::opened) return nullptr;
    auto fresh = std::make_unique<ticket_slot>();
    fresh->record = detail::replay(cc, *stream);
    if (fresh->record.flow == nullptr)
      return fail(errc::invalid_definition, "ticket " + std::string(id) + " runs on workflow " +
                                                stream->front().workflow_id + " v" +
                                                std::to_string(stream->front().workflow_version) +
                                                ", which the catalog does not have");
    const std::unique_lock lock(map_mutex);
    auto [it, inserted] = tickets.try_emplace(std::string(id), std::move(fresh));
    return it->second.get();
  }

  // Re-reads a ticket from the store after a failed append, so the record is
  // again exactly what the store holds; if even that read fails, the slot is
  // marked stale and re-read before its next use.
  void resync(ticket_slot& s) const {
    auto stream = events->load(s.record.id);
    s.stale = !stream || stream->empty();
    if (!s.stale) s.record = detail::replay(cc, *stream);
  }

  // Re-reads a ticket whose record the store could not confirm (see
  // ticket_slot::stale).
  result<void> reload_if_stale(ticket_slot& s) const {
    if (!s.stale) return {};
    resync(s);
    if (s.stale) return fail(errc::io_error, "ticket " + s.record.id + ": cannot re-read it from the store");
    return {};
  }

  // Brings a ticket up to date with a store other processes append to (the
  // caller holds the ticket's lock): one head() read, and a reload only when
  // another engine moved the ticket. A store only this engine writes needs
  // neither.
  result<void> refresh(ticket_slot& s) const {
    if (auto ok = reload_if_stale(s); !ok) return ok;
    if (!events->shared()) return {};
    auto h = events->head(s.record.id);
    if (!h) return fail(std::move(h).error().with_context("ticket " + s.record.id));
    if (h->version != s.record.version || h->head != s.record.head) resync(s);
    return {};
  }

  // Checks a stream against its hash chain and the head the store recorded.
  // On a shared store another engine may append between reading the events
  // and reading the head, which would look like a break: the events are
  // read between two reads of the head, and only a pair of equal heads
  // (nothing appended meanwhile) is taken as the snapshot to check. Streams
  // that keep moving are checked up to the first head.
  result<void> verify_stream(std::string_view id) const {
    for (int attempt = 1;; ++attempt) {
      auto before = events->head(id);
      if (!before) return fail(before.error());
      auto stream = events->load(id);
      if (!stream) return fail(stream.error());
      if (stream->empty()) return fail(errc::not_found, "no events for '" + std::string(id) + "'");
      auto after = events->head(id);
      if (!after) return fail(after.error());
      const bool settled = after->version == before->version && after->head == before->head;
      if (!settled && attempt < race_retries) continue;
      if (!settled && stream->size() > before->version) stream->resize(static_cast<std::size_t>(before->version));
      if (auto ok = tierflow::verify(*stream, before->head); !ok)
        return fail(errc::invalid_argument, ok.error().message);
      return {};
    }
  }

  // How often a command that lost a version race to another engine on a
  // shared store is re-judged on the ticket's new state before the conflict
  // is returned to the caller.
  static constexpr int race_retries = 16;

  // Seals the command's events onto the ticket's chain and appends them with
  // its summary. On failure the record is rebuilt from the store.
  result<void> commit(ticket_slot& s, command& cmd) {
    if (cmd.events.empty()) return {};
    const event_hash head = seal(cmd.events, cmd.base_head);
    const ticket_summary summary = s.record.summary();
    auto stored = events->append(append_request{s.record.id, cmd.base_version, cmd.events, &summary});
    if (!stored) {
      resync(s);
      return fail(std::move(stored).error().with_context("ticket " + s.record.id));
    }
    s.record.head = head;
    return {};
  }

  void deliver(std::vector<notification>& notes) {
    for (const notification& n : notes) {
      if (sink == nullptr) continue;
      try {
        sink->deliver(n);
        notified.fetch_add(1, std::memory_order_relaxed);
      } catch (...) {
        sink_failures.fetch_add(1, std::memory_order_relaxed);
      }
    }
    notes.clear();
  }

  // --- routing -----------------------------------------------------------------

  [[nodiscard]] bool region_split(std::string_view unit) const {
    if (const tier* t = defs.org.find_tier(unit)) return t->by_region;
    if (const team* t = defs.org.find_team(unit)) return t->by_region;
    return false;
  }

  // The queue region of `unit` for a ticket of `region`: "" unless split.
  [[nodiscard]] std::string region_for(std::string_view unit, std::string_view region) const {
    return region_split(unit) ? std::string(region) : std::string{};
  }

  // The first rule that matches, skipping rules that assign to `skip_unit`
  // (a ticket that unit returned as misrouted).
  routing_decision route(const ticket_record& rec, std::string_view skip_unit) const {
    const workflow& wf = *rec.flow->wf;
    routing_decision d;
    d.workflow_id = wf.id;
    d.workflow_version = wf.version;
    value scratch;
    for (std::size_t i = 0; i < wf.routing.size(); ++i) {
      const routing_rule& rule = wf.routing[i];
      if (!skip_unit.empty() && rule.assign == skip_unit) continue;
      rule_trace t;
      t.rule = rule.id;
      if (rule.when) {
        for (const auto& f : rec.flow->routing_inputs[i]) {
          const value* v = rec.lookup(f, scratch);
          t.inputs.emplace_back(f, v != nullptr ? detail::value_text(*v) : std::string("(absent)"));
        }
        t.matched = evaluate(*rule.when, [&](std::string_view f) { return rec.lookup(f, scratch); });
      } else {
        t.matched = true;
      }
      d.trace.push_back(std::move(t));
      if (d.trace.back().matched) {
        d.rule = rule.id;
        d.to = assignment{rule.assign, region_for(rule.assign, rec.region), {}};
        return d;
      }
    }
    // The validator insists on a catch-all; a catalog without one still
    // lands tickets somewhere a person looks: the bottom of the ladder.
    d.rule = "(no rule matched)";
    const std::string bottom = defs.org.ladder.empty() ? std::string{} : defs.org.ladder.front().id;
    d.to = assignment{bottom, region_for(bottom, rec.region), {}};
    return d;
  }

  void emit_routed(command& cmd, const routing_decision& d, std::string_view kind) {
    event_details det{{"kind", std::string(kind)}, {"rule", d.rule}, {"unit", d.to.unit}, {"region", d.to.region}};
    for (const auto& t : d.trace)
      if (t.rule == d.rule)
        for (const auto& [f, v] : t.inputs) det.emplace_back("in." + f, v);
    cmd.emit(event_type::routed, std::move(det));
  }

  // --- escalation ----------------------------------------------------------------

  void notify(command& cmd, recipient to, std::string unit, std::string region, std::string person,
              std::string reason) {
    cmd.emit(event_type::notified, {{"to", std::string(to_string(to))},
                                    {"unit", unit},
                                    {"region", region},
                                    {"person", person},
                                    {"reason", reason}});
    cmd.notes.push_back(notification{cmd.rec.id, cmd.time, to, std::move(person), std::move(unit),
                                     std::move(region), std::move(reason)});
  }

  void notify_owner(command& cmd, std::string reason) {
    const ticket_record& r = cmd.rec;
    if (r.owner.empty()) return;
    notify(cmd, recipient::owner, r.assignee.unit, r.assignee.region, r.owner, std::move(reason));
  }

  void notify_target(command& cmd, std::string_view target, const std::string& reason) {
    const ticket_record& r = cmd.rec;
    if (target == "owner") return notify_owner(cmd, reason);
    if (target == "assignee")
      return notify(cmd, recipient::assignee, r.assignee.unit, r.assignee.region, r.assignee.person, reason);
    if (defs.org.find_tier(target) != nullptr)
      return notify(cmd, recipient::tier, std::string(target), region_for(target, r.region), {}, reason);
    if (defs.org.find_team(target) != nullptr)
      return notify(cmd, recipient::team, std::string(target), region_for(target, r.region), {}, reason);
    notify(cmd, recipient::role, std::string(target), {}, {}, reason);
  }

  // Moves the ticket up the ladder: "next" or a named tier. A move that
  // would not go up (already at the top, or at/above the named tier) is
  // recorded as a note and changes nothing.
  void escalate(command& cmd, std::string_view target, std::string_view cause_key, std::string_view cause) {
    const ticket_record& r = cmd.rec;
    const auto& ladder = defs.org.ladder;
    const tier* to = nullptr;
    if (target == "next") {
      if (r.tier_level + 1 < ladder.size()) to = &ladder[r.tier_level + 1];
    } else if (const tier* named = defs.org.find_tier(target); named != nullptr && named->level > r.tier_level) {
      to = named;
    }
    if (to == nullptr) {
      // Not keyed "action": the fold counts those as the action taken again.
      cmd.emit(event_type::noted, {{cause_key == "action" ? "by_action" : "rule", std::string(cause)},
                                   {"note", "escalation to " + std::string(target) + " skipped: the ticket is at " +
                                                r.tier + ", not below it"}});
      return;
    }
    cmd.emit(event_type::escalated, {{std::string(cause_key), std::string(cause)},
                                     {"from_tier", r.tier},
                                     {"to_tier", to->id},
                                     {"region", region_for(to->id, r.region)}});
    notify_owner(cmd, "escalated");
  }

  void hand_off(command& cmd, std::string_view team_id, std::string_view cause_key, std::string_view cause) {
    const ticket_record& r = cmd.rec;
    cmd.emit(event_type::handed_off, {{std::string(cause_key), std::string(cause)},
                                      {"from_unit", r.assignee.unit},
                                      {"to_unit", std::string(team_id)},
                                      {"region", region_for(team_id, r.region)}});
    notify_owner(cmd, "handed_off");
  }

  // Runs one escalation rule if its `from` tiers and `when` hold now.
  void run_rule(command& cmd, std::size_t rule_index) {
    const escalation_rule& rule = cmd.rec.flow->wf->escalations[rule_index];
    if (!rule.from_tiers.empty() &&
        std::find(rule.from_tiers.begin(), rule.from_tiers.end(), cmd.rec.tier) == rule.from_tiers.end())
      return;
    if (rule.when) {
      value scratch;
      if (!evaluate(*rule.when, [&](std::string_view f) { return cmd.rec.lookup(f, scratch); })) return;
    }
    for (const escalation_step& step : rule.steps) {
      switch (step.what) {
        case escalation_step::kind::notify: notify_target(cmd, step.target, rule.id); break;
        case escalation_step::kind::escalate: escalate(cmd, step.target, "rule", rule.id); break;
        case escalation_step::kind::handoff: hand_off(cmd, step.target, "rule", rule.id); break;
        case escalation_step::kind::flag:
          cmd.emit(event_type::noted, {{"rule", rule.id}, {"flag", step.target}});
          break;
      }
    }
  }

  // After a state change: pause or resume the clocks, close at a terminal.
  void after_transition(command& cmd) {
    const ticket_record& r = cmd.rec;
    const state& st = r.flow->wf->states[r.state];
    if (st.pauses_clock && !r.paused) cmd.emit(event_type::paused, {{"state", st.id}});
    if (!st.pauses_clock && r.paused) cmd.emit(event_type::resumed, {{"state", st.id}});
    if (st.terminal && !r.closed) cmd.emit(event_type::closed, {{"state", st.id}});
  }

  // --- timers ------------------------------------------------------------------------

  // Fires the ticket's earliest timer if it is due at or before `bound`.
  // Returns whether one fired. The caller holds the ticket's lock.
  result<bool> fire_next(ticket_slot& s, timestamp bound, std::vector<notification>& notes) {
    ticket_record& r = s.record;
    const auto next = r.next_timer();
    if (!next || next->second > bound) return false;
    const auto [c, at] = *next;
    command cmd{cc, r, at, system_actor};
    // The compiled workflow outlives the command: no copy of the slot.
    const timer_slot& slot = r.flow->slots[c][r.clocks[c].next_slot];
    const std::string& name = r.flow->clock_name(c);
    switch (slot.what) {
      case timer_slot::kind::warning:
        cmd.emit(event_type::deadline_warned, {{"deadline", name}, {"percent", std::to_string(slot.percent)}});
        break;
      case timer_slot::kind::breach: cmd.emit(event_type::deadline_breached, {{"deadline", name}}); break;
      case timer_slot::kind::after:
        cmd.emit(event_type::deadline_breached, {{"deadline", name}, {"after", slot.after.str()}});
        break;
    }
    for (const std::size_t rule : slot.rules) run_rule(cmd, rule);
    if (auto ok = commit(s, cmd); !ok) return fail(ok.error());
    timers_fired.fetch_add(1, std::memory_order_relaxed);
    std::move(cmd.notes.begin(), cmd.notes.end(), std::back_inserter(notes));
    return true;
  }

  // --- denials ---------------------------------------------------------------------------

  // Records a rejected command on the ticket's own trail. Fails as the
  // append fails: on a shared store with errc::conflict when another engine
  // moved the ticket since it was judged (act() then judges it again).
  result<void> deny(ticket_slot& s, const act_request& req, timestamp now, const error& why) {
    command cmd{cc, s.record, now, req.by.id};
    cmd.emit(event_type::denied, {{"action", req.action},
                                  {"code", std::string(to_string(why.code()))},
                                  {"reason", why.message()}});
    if (auto ok = commit(s, cmd); !ok) return ok;
    denied.fetch_add(1, std::memory_order_relaxed);
    return {};
  }

  // Records a rejected command that has no ticket to record it on.
  failure deny_unknown(std::string_view ticket_id, std::string_view actor_id,
                                     std::string_view what, timestamp now, error why) {
    const std::lock_guard lock(denial_mutex);
    denied.fetch_add(1, std::memory_order_relaxed);
    // Engines sharing a store share the log: a lost race is retried on the
    // log's new head.
    for (int attempt = 0; attempt < race_retries; ++attempt) {
      auto h = events->head(engine::denial_log_id);
      if (!h) break;
      event e;
      e.ticket_id = engine::denial_log_id;
      e.sequence = h->version + 1;
      e.time = now;
      e.actor_id = std::string(actor_id).substr(0, max_id_bytes);
      e.type = event_type::denied;
      e.details = {{"ticket", std::string(ticket_id).substr(0, max_id_bytes)},
                   {"action", std::string(what).substr(0, max_id_bytes)},
                   {"code", std::string(to_string(why.code()))},
                   {"reason", why.message()}};
      seal(std::span<event>(&e, 1), h->head);
      auto stored =
          events->append(append_request{engine::denial_log_id, h->version, std::span<const event>(&e, 1), nullptr});
      // A failing denial log must not hide the original error from the caller.
      if (stored || stored.error().code() != errc::conflict) break;
    }
    return fail(std::move(why));
  }

  // --- open ---------------------------------------------------------------------------------

  // A request checked and completed: its workflow, typed attributes with
  // the derived ones added from the customer's history, typed fields.
  struct checked_request {
    const workflow* wf = nullptr;
    attribute_values customer;
    attribute_values fields;
  };

  // The checks open() makes, shared with explain_route so that a preview
  // routes exactly as the real thing would.
  result<checked_request> check_request(const open_request& req, timestamp now) const {
    const organisation& org = defs.org;
    if (too_long(req.type, max_id_bytes) || too_long(req.channel, max_id_bytes) ||
        too_long(req.customer_id, max_id_bytes) || too_long(req.external_ref, max_id_bytes) ||
        too_long(req.opened_by, max_id_bytes) || too_long(req.description, max_text_bytes))
      return fail(errc::limit_exceeded, "an id or the description is too long");
    if (req.customer_id.empty()) return fail(errc::invalid_argument, "empty customer id");
    checked_request out;
    const auto day = std::chrono::floor<std::chrono::days>(now + org.utc_offset);
    out.wf = defs.workflow_for(req.type, std::chrono::sys_days{day.time_since_epoch()});
    if (out.wf == nullptr) return fail(errc::not_found, "no workflow serves ticket type '" + req.type + "'");
    if (!org.channels.empty() && org.find_channel(req.channel) == nullptr)
      return fail(errc::invalid_argument, "unknown channel '" + req.channel + "'");
    auto customer = check_values(req.customer, org.customer_attributes, "customer attribute");
    if (!customer) return fail(customer.error());
    auto fields = check_values(req.fields, out.wf->fields, "ticket field");
    if (!fields) return fail(fields.error());
    out.customer = std::move(*customer);
    out.fields = std::move(*fields);
    // Derived attributes from the customer's history, recorded in `opened`
    // so that replay needs no history.
    auto history = events->customer_tickets(req.customer_id);
    if (!history) return fail(history.error());
    for (const attribute& a : org.customer_attributes) {
      if (!a.derived) continue;
      std::int64_t n = 0;
      const auto window = add(detail::wall_calendar(), timestamp{}, a.derived->within) - timestamp{};
      for (const auto& t : *history)
        if (t.ticket_type == a.derived->count_type && (!t.closed || (t.closed_at && now - *t.closed_at <= window)))
          ++n;
      out.customer.emplace_back(a.name, n);
    }
    return out;
  }

  // What a request would be as a ticket before it has events: enough for
  // conditions (deadline cases, routing) to read its fields.
  ticket_record draft_record(const open_request& req, const checked_request& checked) const {
    ticket_record r;
    r.flow = cc.find(checked.wf->id, checked.wf->version);
    r.type = req.type;
    r.channel = req.channel;
    r.customer = checked.customer;
    r.fields = checked.fields;
    for (const auto& [k, v] : r.customer)
      if (k == "region") r.region = detail::value_text(v);
    return r;
  }

  result<opened_ticket> open(const open_request& req, timestamp now) {
    auto checked = check_request(req, now);
    if (!checked) {
      if (checked.error().code() == errc::io_error) return fail(checked.error());
      return deny_unknown("", req.opened_by, "open", now, std::move(checked).error().with_context("opening ticket"));
    }
    auto number = events->next_ticket_number();
    if (!number) return fail(number.error());
    const workflow& wf = *checked->wf;
    const ticket_record draft = draft_record(req, *checked);
    event_details det{{"type", req.type},           {"channel", req.channel},
                      {"customer", req.customer_id}, {"region", draft.region},
                      {"external_ref", req.external_ref}, {"description", req.description}};
    for (const auto& [k, v] : draft.customer) det.emplace_back("customer." + k, detail::value_text(v));
    for (const auto& [k, v] : draft.fields) det.emplace_back("ticket." + k, detail::value_text(v));
    value scratch;
    for (const deadline& d : wf.deadlines) {
      for (const deadline_case& c : d.cases) {
        if (c.when && !evaluate(*c.when, [&](std::string_view f) { return draft.lookup(f, scratch); })) continue;
        det.emplace_back("deadline." + d.id, c.within.str());
        break;
      }
    }
    // The ticket itself is built only by the fold, from `opened` on.
    auto fresh = std::make_unique<ticket_slot>();
    ticket_record& r = fresh->record;
    r.id = ticket_id_for(prefix, *number);
    r.flow = draft.flow;  // names the workflow in the `opened` event
    command cmd{cc, r, now, req.opened_by.empty() ? system_actor : std::string_view(req.opened_by)};
    cmd.emit(event_type::opened, std::move(det));
    opened_ticket out;
    out.routing = route(r, {});
    emit_routed(cmd, out.routing, "open");
    after_transition(cmd);
    for (const std::size_t rule : r.flow->open_rules) {
      const std::size_t count = cmd.events.size();
      run_rule(cmd, rule);
      if (cmd.events.size() != count)
        out.routing.escalations.emplace_back(r.flow->wf->escalations[rule].id, r.assignee.unit);
    }
    if (auto ok = commit(*fresh, cmd); !ok) return fail(ok.error());
    commands.fetch_add(1, std::memory_order_relaxed);
    out.ticket = r.view(now);
    {
      // Once stored, the ticket is visible: another thread (advance, a
      // query) may already have loaded it from the store. Its slot then
      // stands — it folded the same events — and ours is dropped.
      const std::string id = r.id;
      const std::unique_lock lock(map_mutex);
      tickets.try_emplace(id, std::move(fresh));
    }
    deliver(cmd.notes);
    return out;
  }

  // --- act ------------------------------------------------------------------------------------

  // Optimistic on a shared store: a command is judged on the ticket as this
  // engine last saw it, with no read of the store first; if another engine
  // moved the ticket meanwhile, the append (of the action, of a timer it
  // catches up with, or of its denial) fails with errc::conflict, the
  // ticket is re-read, and the command is judged again on the new state —
  // a caller's pinned expected_version then meets the new version and is
  // refused, audited. `judged` says a refusal was recorded: that is final.
  result<ticket_view> act(const act_request& req, timestamp now) {
    for (int attempt = 1;; ++attempt) {
      bool judged = false;
      auto done = act_once(req, now, judged);
      if (done || judged || done.error().code() != errc::conflict || !events->shared() ||
          attempt == race_retries)
        return done;
    }
  }

  result<ticket_view> act_once(const act_request& req, timestamp now, bool& judged) {
    if (too_long(req.ticket_id, max_id_bytes) || too_long(req.action, max_id_bytes) ||
        too_long(req.by.id, max_id_bytes) || too_long(req.note, max_text_bytes) ||
        req.by.roles.size() > max_attributes)
      return deny_unknown(req.ticket_id, req.by.id, req.action, now,
                          error(errc::limit_exceeded, "an id or the note is too long"));
    auto found = slot(req.ticket_id);
    if (!found) return fail(found.error());
    if (*found == nullptr)
      return deny_unknown(req.ticket_id, req.by.id, req.action, now,
                          error(errc::not_found, "unknown ticket '" + req.ticket_id + "'"));
    ticket_slot& s = **found;
    std::vector<notification> notes;
    std::unique_lock lock(s.mutex);
    ticket_record& r = s.record;
    // Timers fired before a failure stay fired: their notifications go out.
    const auto failed = [&](error e) -> failure {
      lock.unlock();
      deliver(notes);
      return fail(std::move(e));
    };
    if (auto ok = reload_if_stale(s); !ok) return failed(ok.error());
    // The ticket catches up with time first: a breach that fell due before
    // this action escalates before the action is judged.
    for (;;) {
      auto fired = fire_next(s, now, notes);
      if (!fired) return failed(fired.error());
      if (!*fired) break;
    }
    const workflow& wf = *r.flow->wf;
    const state& st = wf.states[r.state];
    const action* act = nullptr;
    for (const auto& a : st.actions)
      if (a.id == req.action) act = &a;
    std::string why;
    errc code = errc::permission_denied;
    if (req.expected_version && *req.expected_version != r.version) {
      code = errc::conflict;
      why = "expected version " + std::to_string(*req.expected_version) + ", it is at " +
            std::to_string(r.version);
    } else if (act == nullptr) {
      code = errc::not_found;
      why = "action '" + req.action + "' is not available in state '" + st.id + "'";
    } else {
      // A role qualifies when the action allows it and, for a region-split
      // unit, the actor serves the ticket's region.
      bool has_role = false, in_region = false;
      for (const auto& role_id : req.by.roles) {
        if (std::find(act->by.begin(), act->by.end(), role_id) == act->by.end()) continue;
        const role* ro = defs.org.find_role(role_id);
        if (ro == nullptr) continue;
        has_role = true;
        if (!region_split(ro->unit) || req.by.region == r.region) in_region = true;
      }
      if (!has_role)
        why = "actor '" + req.by.id + "' has no role allowed to take '" + act->id + "'";
      else if (!in_region)
        why = "actor '" + req.by.id + "' serves region '" + req.by.region + "', the ticket is in region '" +
              r.region + "'";
      else if (act->needs_note && req.note.empty())
        why = "action '" + act->id + "' needs a note";
      else if (act->effect == action_effect::give_back && r.handoffs.empty())
        why = "nothing to return: the ticket is not handed off";
    }
    if (!why.empty()) {
      error refusal(code, "ticket " + r.id + ": " + why);
      auto recorded = deny(s, req, now, refusal);
      if (!recorded) return failed(recorded.error());
      judged = true;
      return failed(std::move(refusal));
    }

    command cmd{cc, r, now, req.by.id};
    if (act->claims) {
      // The actor takes the ticket in person when they work in the unit it
      // sits with; the first claimer becomes owner wherever they work.
      bool in_unit = false;
      for (const auto& role_id : req.by.roles)
        if (const role* ro = defs.org.find_role(role_id); ro != nullptr && ro->unit == r.assignee.unit)
          in_unit = true;
      const bool new_owner = r.owner.empty();
      const bool new_assignee = in_unit && r.assignee.person != req.by.id;
      if (new_owner || new_assignee)
        cmd.emit(event_type::accepted, {{"person", req.by.id},
                                        {"owner", new_owner ? "true" : "false"},
                                        {"assignee", new_assignee ? "true" : "false"}});
    }
    const bool moves = act->to_index != npos && act->to_index != r.state;
    event_details det{{"action", act->id}};
    if (moves) {
      det.emplace_back("from", st.id);
      det.emplace_back("to", wf.states[act->to_index].id);
    }
    if (!req.note.empty()) det.emplace_back("note", req.note);
    cmd.emit(moves ? event_type::transitioned : event_type::noted, std::move(det));
    switch (act->effect) {
      case action_effect::none: break;
      case action_effect::handoff: hand_off(cmd, act->target, "action", act->id); break;
      case action_effect::give_back: {
        const assignment& back = r.handoffs.back().back;
        cmd.emit(event_type::returned, {{"action", act->id},
                                        {"kind", "handoff"},
                                        {"from_unit", r.assignee.unit},
                                        {"to_unit", back.unit},
                                        {"region", back.region},
                                        {"person", back.person}});
        break;
      }
      case action_effect::escalate: escalate(cmd, act->target, "action", act->id); break;
      case action_effect::reroute: {
        const std::string from = r.assignee.unit;
        cmd.emit(event_type::returned, {{"action", act->id}, {"kind", "reroute"}, {"from_unit", from}});
        emit_routed(cmd, route(r, from), "reroute");
        break;
      }
    }
    if (moves) after_transition(cmd);
    if (const auto it = r.flow->action_rules.find(act->id); it != r.flow->action_rules.end())
      for (const std::size_t rule : it->second) run_rule(cmd, rule);
    if (auto ok = commit(s, cmd); !ok) return failed(ok.error());
    commands.fetch_add(1, std::memory_order_relaxed);
    ticket_view v = r.view(now);
    std::move(cmd.notes.begin(), cmd.notes.end(), std::back_inserter(notes));
    lock.unlock();
    deliver(notes);
    return v;
  }

  // --- advance ------------------------------------------------------------------------------------

  result<advance_report> advance(timestamp now) {
    advance_report report;
    std::unordered_set<std::string> touched;
    std::optional<due_ticket> stuck;
    int races = 0;
    for (;;) {
      auto due = events->claim_due(now, 2);
      if (!due) return fail(due.error());
      if (due->empty()) break;
      const due_ticket& first = due->front();
      // Fire this ticket's timers up to the next ticket's first one: timers
      // fire in due order across tickets.
      const timestamp bound = due->size() > 1 ? std::min(now, (*due)[1].due) : now;
      auto found = slot(first.ticket_id);
      if (!found) return fail(found.error());
      if (*found == nullptr)
        return fail(errc::io_error, "store lists a timer for unknown ticket " + first.ticket_id);
      ticket_slot& s = **found;
      std::vector<notification> notes;
      std::size_t fired = 0;
      {
        const std::lock_guard lock(s.mutex);
        if (auto ok = refresh(s); !ok) return fail(ok.error());
        bool raced = false;
        for (;;) {
          auto f = fire_next(s, std::max(bound, first.due), notes);
          if (!f) {
            // Another engine on a shared store moved the ticket first (an
            // action catches up with its timers): the ticket was re-read;
            // ask the store again what is due.
            if (f.error().code() == errc::conflict && events->shared() && ++races < race_retries * 64) {
              raced = true;
              break;
            }
            deliver(notes);
            return fail(f.error());
          }
          if (!*f) break;
          ++fired;
        }
        if (raced) {
          report.fired += fired;
          if (fired > 0) touched.insert(first.ticket_id);
          deliver(notes);
          continue;
        }
        if (fired == 0) {
          // Someone fired it first: an act() on this ticket catches up with
          // its timers, and the store's index moved with that append. Ask
          // the store again. Only if it names the same timer twice with
          // nothing to fire in between does the index disagree with the
          // ticket's trail (a store fault, or another process's tickets
          // this engine cannot see): re-read the ticket once, then give up.
          if (stuck && stuck->ticket_id == first.ticket_id && stuck->due == first.due) {
            resync(s);
            const auto n = s.record.next_timer();
            if (!n || n->second > bound)
              return fail(errc::io_error, "store's timer index disagrees with ticket " + first.ticket_id);
          }
          stuck = first;
          continue;
        }
        stuck.reset();
      }
      report.fired += fired;
      touched.insert(first.ticket_id);
      deliver(notes);
    }
    report.tickets = touched.size();
    return report;
  }

  result<std::vector<ticket_view>> views(const std::vector<ticket_summary>& summaries, timestamp now) const {
    std::vector<ticket_view> out;
    out.reserve(summaries.size());
    for (const auto& sum : summaries) {
      auto found = slot(sum.ticket_id);
      if (!found) return fail(found.error());
      if (*found == nullptr) continue;
      const std::lock_guard lock((*found)->mutex);
      if (auto ok = refresh(**found); !ok) return fail(ok.error());
      out.push_back((*found)->record.view(now));
    }
    return out;
  }
};

engine::engine(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
engine::~engine() = default;

result<std::unique_ptr<engine>> engine::create(catalog cat, engine_options options) {
  auto p = std::make_unique<impl>();
  p->defs = std::move(cat);
  if (p->defs.workflows.empty()) return fail(errc::invalid_definition, "creating engine: the catalog has no workflows");
  p->cc = detail::compile(p->defs);
  p->time_source = options.time_source != nullptr ? options.time_source : &p->default_clock;
  if (options.events == nullptr) {
    p->own_store = std::make_unique<memory_store>();
    p->events = p->own_store.get();
  } else {
    p->events = options.events;
  }
  p->sink = options.sink;
  p->prefix = std::move(options.ticket_prefix);
  if (p->prefix.size() > 32) return fail(errc::invalid_argument, "creating engine: ticket prefix longer than 32 bytes");
  // Restore the open tickets of a store that already holds some.
  auto open = p->events->open_tickets();
  if (!open) return fail(std::move(open).error().with_context("restoring tickets"));
  for (const auto& sum : *open) {
    if (auto ok = p->verify_stream(sum.ticket_id); !ok)
      return fail(std::move(ok).error().with_context("restoring " + sum.ticket_id));
    auto s = p->slot(sum.ticket_id);
    if (!s) return fail(s.error());
  }
  return std::unique_ptr<engine>(new engine(std::move(p)));
}

result<opened_ticket> engine::open(const open_request& request) { return impl_->open(request, now()); }

result<ticket_view> engine::act(const act_request& request) { return impl_->act(request, now()); }

result<advance_report> engine::advance(timestamp t) { return impl_->advance(t); }

result<advance_report> engine::advance() { return impl_->advance(now()); }

result<routing_decision> engine::explain_route(const open_request& req) const {
  auto checked = impl_->check_request(req, now());
  if (!checked) return fail(checked.error());
  const ticket_record r = impl_->draft_record(req, *checked);
  return impl_->route(r, {});
}

result<ticket_view> engine::view(std::string_view ticket_id) const {
  auto found = impl_->slot(ticket_id);
  if (!found) return fail(found.error());
  if (*found == nullptr) return fail(errc::not_found, "unknown ticket '" + std::string(ticket_id) + "'");
  const std::lock_guard lock((*found)->mutex);
  if (auto ok = impl_->refresh(**found); !ok) return fail(ok.error());
  return (*found)->record.view(now());
}

result<std::vector<ticket_view>> engine::queue(std::string_view unit, std::string_view region) const {
  if (!impl_->defs.org.is_unit(unit)) return fail(errc::not_found, "unknown tier or team '" + std::string(unit) + "'");
  auto summaries = impl_->events->queue(unit, region);
  if (!summaries) return fail(summaries.error());
  auto v = impl_->views(*summaries, now());
  if (!v) return v;
  // A ticket may have moved or closed between the store's answer and
  // reading it: list each as of its last command, and only if it is still
  // in this queue.
  std::erase_if(*v, [&](const ticket_view& t) {
    return t.closed || t.assignee.unit != unit || t.assignee.region != region;
  });
  std::stable_sort(v->begin(), v->end(), [](const ticket_view& a, const ticket_view& b) {
    const auto da = a.nearest_due().value_or(timestamp::max());
    const auto db = b.nearest_due().value_or(timestamp::max());
    return da != db ? da < db : a.id < b.id;
  });
  return v;
}

result<contact_record> engine::customer_record(std::string_view customer_id) const {
  auto summaries = impl_->events->customer_tickets(customer_id);
  if (!summaries) return fail(summaries.error());
  contact_record out;
  out.customer_id = customer_id;
  auto v = impl_->views(*summaries, now());
  if (!v) return fail(v.error());
  out.tickets = std::move(*v);
  std::vector<std::pair<std::size_t, event>> all;
  for (std::size_t i = 0; i < summaries->size(); ++i) {
    auto stream = impl_->events->load((*summaries)[i].ticket_id);
    if (!stream) return fail(stream.error());
    for (auto& e : *stream) all.emplace_back(i, std::move(e));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.second.time != b.second.time) return a.second.time < b.second.time;
    if (a.first != b.first) return a.first < b.first;
    return a.second.sequence < b.second.sequence;
  });
  out.events.reserve(all.size());
  for (auto& [i, e] : all) out.events.push_back(std::move(e));
  return out;
}

result<std::vector<ticket_view>> engine::overdue() const {
  auto open = impl_->events->open_tickets();
  if (!open) return fail(open.error());
  auto v = impl_->views(*open, now());
  if (!v) return fail(v.error());
  std::vector<ticket_view> out;
  for (auto& t : *v)
    if (!t.closed && t.overdue()) out.push_back(std::move(t));
  const auto most_overdue = [](const ticket_view& t) {
    std::int64_t worst = 0;
    for (const auto& d : t.deadlines)
      if (d.breached && (d.status == deadline_status::running || d.status == deadline_status::paused))
        worst = std::min(worst, d.remaining_seconds);
    return worst;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const ticket_view& a, const ticket_view& b) { return most_overdue(a) < most_overdue(b); });
  return out;
}

result<std::vector<ticket_view>> engine::at_risk(std::chrono::seconds within) const {
  auto open = impl_->events->open_tickets();
  if (!open) return fail(open.error());
  const timestamp t = now();
  auto v = impl_->views(*open, t);
  if (!v) return fail(v.error());
  std::vector<ticket_view> out;
  for (auto& tv : *v) {
    const auto due = tv.nearest_due();
    if (!tv.closed && !tv.overdue() && due && *due - t <= within) out.push_back(std::move(tv));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ticket_view& a, const ticket_view& b) { return *a.nearest_due() < *b.nearest_due(); });
  return out;
}

result<std::vector<event>> engine::events(std::string_view ticket_id) const {
  auto stream = impl_->events->load(ticket_id);
  if (!stream) return fail(stream.error());
  if (stream->empty()) return fail(errc::not_found, "no events for '" + std::string(ticket_id) + "'");
  return stream;
}

result<ticket_view> engine::replay(std::string_view ticket_id) const {
  auto stream = impl_->events->load(ticket_id);
  if (!stream) return fail(stream.error());
  if (stream->empty() || stream->front().type != event_type::opened)
    return fail(errc::not_found, "unknown ticket '" + std::string(ticket_id) + "'");
  return detail::replay(impl_->cc, *stream).view(now());
}

result<void> engine::verify(std::string_view ticket_id) const {
  if (auto ok = impl_->verify_stream(ticket_id); !ok)
    return fail(std::move(ok).error().with_context("ticket " + std::string(ticket_id)));
  return {};
}

engine_stats engine::stats() const {
  return engine_stats{impl_->commands.load(), impl_->denied.load(), impl_->timers_fired.load(),
                      impl_->notified.load(), impl_->sink_failures.load()};
}

const catalog& engine::definitions() const noexcept { return impl_->defs; }

timestamp engine::now() const noexcept { return impl_->time_source->now(); }

}  // namespace tierflow
