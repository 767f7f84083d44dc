// SPDX-License-Identifier: MIT
// The fold: ticket state from events. See ticket_record.hpp.
#include "engine/ticket_record.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <tierflow/event_schema.hpp>

#include "engine/command.hpp"
#include "store/same_text.hpp"
#include "text/number.hpp"

namespace tierflow::detail {
namespace {

const std::string step_name = "step";

// event::detail, its keys compared inline (same_text): the fold looks up
// a few details of every event, each through a scan of a dozen keys, and
// a call to memcmp for each key of the looked-up key's length cost more
// than the comparison.
std::optional<std::string_view> get(const event& e, std::string_view key) {
  for (const auto& [k, v] : e.details)
    if (same_text(k, key)) return std::string_view(v);
  return std::nullopt;
}

std::string_view get_or(const event& e, std::string_view key) {
  const auto v = get(e, key);
  return v ? *v : std::string_view{};
}

// How many details from `from` on have keys that begin with `prefix`, in
// a run: the attributes of that prefix an `opened` names, which the engine
// writes one after the other (a trail written otherwise only grows its
// vectors more often).
std::size_t prefixed_run(const event_details& details, std::size_t from, std::string_view prefix) {
  std::size_t n = 0;
  while (from + n < details.size() && std::string_view(details[from + n].first).starts_with(prefix)) ++n;
  return n;
}

// The working seconds from `a` to `b` in `cal`, negative when b < a.
std::int64_t signed_working(const calendar_index& cal, timestamp a, timestamp b) {
  if (b >= a) return cal.working_seconds_between(a, b);
  return -cal.working_seconds_between(b, a);
}

// Adds the time from `from` to `to` to `unit`'s entry (created on first use).
void attribute_time(std::vector<unit_time>& times, const std::string& unit, const calendar_index& cal,
                    timestamp from, timestamp to) {
  auto it = std::find_if(times.begin(), times.end(), [&](const unit_time& u) { return u.unit == unit; });
  if (it == times.end()) {
    times.push_back(unit_time{unit, 0, 0});
    it = times.end() - 1;
  }
  it->seconds += (to - from).count();
  it->working_seconds += signed_working(cal, from, to);
}

}  // namespace

const calendar& wall_calendar() noexcept {
  static const calendar always = [] {
    calendar c;
    c.id = "24x7";
    c.always_open = true;
    return c;
  }();
  return always;
}

const calendar_index& wall_calendar_index() noexcept {
  static const calendar_index always(wall_calendar());
  return always;
}

void duration_text_into(std::string& out, const duration& d) {
  // Formatted on the stack and written only when it differs: a view
  // refreshed after every action finds the same text there.
  char text[24 + 2];
  char* end = std::to_chars(text, text + 24, d.amount).ptr;
  switch (d.unit) {
    case time_unit::minutes: *end++ = 'm'; break;
    case time_unit::hours: *end++ = 'h'; break;
    case time_unit::days: *end++ = 'd'; break;
    case time_unit::business_hours: *end++ = 'b'; *end++ = 'h'; break;
    case time_unit::business_days: *end++ = 'b'; *end++ = 'd'; break;
  }
  write_text(out, std::string_view(text, static_cast<std::size_t>(end - text)));
}

const std::string& compiled_workflow::clock_name(std::size_t c) const {
  return c < wf->deadlines.size() ? wf->deadlines[c].id : step_name;
}

std::size_t compiled_workflow::clock_index(std::string_view name) const noexcept {
  if (name == step_name) return step_clock();
  const deadline* d = wf->find_deadline(name);
  return d == nullptr ? npos : static_cast<std::size_t>(d - wf->deadlines.data());
}

namespace {

// Collects the dotted fields a condition reads, in first-use order.
void condition_fields(const condition& c, std::vector<std::string>& out) {
  if (c.node == condition::kind::compare) {
    if (std::find(out.begin(), out.end(), c.field) == out.end()) out.push_back(c.field);
    return;
  }
  for (const auto& child : c.children) condition_fields(child, out);
}

}  // namespace

const compiled_workflow* compiled_catalog::find(std::string_view id, std::uint32_t version) const {
  for (const auto& w : workflows)
    if (w.wf->id == id && w.wf->version == version) return &w;
  return nullptr;
}

compiled_catalog compile(const catalog& cat) {
  compiled_catalog out;
  out.defs = &cat;
  // The index of a calendar the workflows name, made on first use (a
  // missing one counts in wall time, as before indexes).
  const auto index_of = [&out](const calendar* c) -> const calendar_index* {
    if (c == nullptr) return &wall_calendar_index();
    for (const auto& made : out.calendars)
      if (&made->cal() == c) return made.get();
    out.calendars.push_back(std::make_unique<calendar_index>(*c));
    return out.calendars.back().get();
  };
  out.workflows.reserve(cat.workflows.size());
  for (const workflow& wf : cat.workflows) {
    compiled_workflow cw;
    cw.wf = &wf;
    cw.org = &cat.org;
    cw.cal = index_of(cat.org.find_calendar(wf.calendar));
    const std::size_t clocks = wf.deadlines.size() + 1;
    cw.slots.resize(clocks);
    cw.clock_calendar.resize(clocks, cw.cal);
    for (std::size_t d = 0; d < wf.deadlines.size(); ++d) {
      if (!wf.deadlines[d].calendar.empty()) {
        if (const calendar* c = cat.org.find_calendar(wf.deadlines[d].calendar))
          cw.clock_calendar[d] = index_of(c);
      }
    }
    for (const routing_rule& rule : wf.routing) {
      cw.routing_inputs.emplace_back();
      if (rule.when) condition_fields(*rule.when, cw.routing_inputs.back());
    }
    cw.starts.resize(wf.states.size());
    cw.ends.resize(wf.states.size());
    for (std::size_t d = 0; d < wf.deadlines.size(); ++d) {
      const deadline& dl = wf.deadlines[d];
      if (dl.from_index != npos && dl.from_index < wf.states.size()) cw.starts[dl.from_index].push_back(d);
      if (dl.until_index.empty()) {
        for (std::size_t s = 0; s < wf.states.size(); ++s)
          if (wf.states[s].terminal) cw.ends[s].push_back(d);
      } else {
        for (const std::size_t s : dl.until_index)
          if (s < wf.states.size()) cw.ends[s].push_back(d);
      }
    }
    // Every clock has a breach slot, so that a breach is recorded even when
    // no rule acts on it (the overdue list and the KPIs need it).
    for (auto& s : cw.slots) s.push_back(timer_slot{timer_slot::kind::breach, 0, {}, {}, {}});
    for (std::size_t r = 0; r < wf.escalations.size(); ++r) {
      const escalation_rule& rule = wf.escalations[r];
      switch (rule.on) {
        case trigger::open: cw.open_rules.push_back(r); continue;
        case trigger::action: cw.action_rules[rule.action].push_back(r); continue;
        case trigger::warning:
        case trigger::breach: break;
      }
      const std::size_t c = cw.clock_index(rule.deadline);
      if (c == npos) continue;  // the validator reported it
      auto& slots = cw.slots[c];
      timer_slot key;
      if (rule.on == trigger::warning) {
        key.what = timer_slot::kind::warning;
        key.percent = rule.percent;
      } else if (rule.after) {
        key.what = timer_slot::kind::after;
        key.after = *rule.after;
        key.after_text = key.after.str();
      }
      auto same = [&](const timer_slot& s) {
        return s.what == key.what && s.percent == key.percent && s.after == key.after;
      };
      auto it = std::find_if(slots.begin(), slots.end(), same);
      if (it == slots.end()) {
        slots.push_back(key);
        it = slots.end() - 1;
      }
      it->rules.push_back(r);
    }
    // Warnings by ascending percent, then the breach, then after-breach
    // slots: the order in which they fall due (after-slots among themselves
    // are compared when scheduled).
    for (auto& s : cw.slots) {
      std::stable_sort(s.begin(), s.end(), [](const timer_slot& a, const timer_slot& b) {
        const auto rank = [](const timer_slot& x) {
          return x.what == timer_slot::kind::warning ? x.percent
                 : x.what == timer_slot::kind::breach ? 100u
                                                      : 101u;
        };
        return rank(a) < rank(b);
      });
    }
    out.workflows.push_back(std::move(cw));
  }
  return out;
}

std::string_view value_text_view(const value& v, value_digits& digits) {
  struct visitor {
    value_digits& buf;
    std::string_view operator()(bool b) const { return b ? "true" : "false"; }
    std::string_view operator()(std::int64_t i) const { return written(std::to_chars(buf.begin(), buf.end(), i)); }
    std::string_view operator()(double d) const { return written(std::to_chars(buf.begin(), buf.end(), d)); }
    std::string_view operator()(const std::string& s) const { return s; }
    std::string_view written(std::to_chars_result r) const {
      return {buf.data(), static_cast<std::size_t>(r.ptr - buf.data())};
    }
  };
  return std::visit(visitor{digits}, v);
}

std::string value_text(const value& v) {
  value_digits digits;
  return std::string(value_text_view(v, digits));
}

std::optional<value> parse_value(value_kind kind, std::string_view text) {
  switch (kind) {
    case value_kind::boolean:
      if (text == "true") return value{true};
      if (text == "false") return value{false};
      return std::nullopt;
    case value_kind::integer:
      if (const auto i = parse_integer(text)) return value{*i};
      return std::nullopt;
    case value_kind::number:
      if (const auto d = parse_number(text)) return value{*d};
      return std::nullopt;
    case value_kind::string:
    case value_kind::enumeration: return value{std::string(text)};
  }
  return std::nullopt;
}

const calendar_index& ticket_record::clock_calendar(std::size_t c) const {
  const deadline_clock& k = clocks[c];
  if (!k.within.is_business()) return wall_calendar_index();
  return *flow->clock_calendar[c];
}

void ticket_record::schedule(std::size_t c) {
  deadline_clock& k = clocks[c];
  k.next = timestamp::max();
  k.next_slot = static_cast<std::size_t>(-1);
  if (!k.running) return;
  const auto& slots = flow->slots[c];
  const calendar_index& cal = clock_calendar(c);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (k.fired.test(i)) continue;
    const timer_slot& s = slots[i];
    timestamp at = timestamp::max();
    switch (s.what) {
      case timer_slot::kind::warning: {
        const std::int64_t threshold = k.total * s.percent / 100;
        at = k.consumed >= threshold ? k.since : cal.add_working_seconds(k.since, threshold - k.consumed);
        break;
      }
      case timer_slot::kind::breach: at = k.due; break;
      case timer_slot::kind::after: at = flow->clock_calendar[c]->add(k.due, s.after); break;
    }
    if (at < k.next) {
      k.next = at;
      k.next_slot = i;
    }
    // Warnings and the breach fall due in slot order: the first unfired one
    // is the earliest. Only after-breach slots need comparing.
    if (s.what != timer_slot::kind::after) break;
  }
}

void ticket_record::start_clock(std::size_t c, timestamp t) {
  deadline_clock& k = clocks[c];
  const calendar_index& cal = clock_calendar(c);
  k.started = true;
  k.finished = false;
  k.breached = false;
  k.finished_at.reset();
  k.fired.reset(flow->slots[c].size());
  const timestamp due = flow->clock_calendar[c]->add(t, k.within);
  k.total = due == timestamp::max() ? 0 : cal.working_seconds_between(t, due);
  k.consumed = 0;
  k.since = t;
  k.started_at = t;
  k.counted_calendar = 0;
  k.counted_business = 0;
  k.due = due;
  // A deadline that starts while the ticket waits for the customer starts
  // paused (the step limit never pauses: it measures the step itself).
  k.running = !(paused && c != flow->step_clock());
  schedule(c);
}

void ticket_record::pause_clock(std::size_t c, timestamp t) {
  deadline_clock& k = clocks[c];
  if (!k.started || k.finished || !k.running) return;
  k.consumed += signed_working(clock_calendar(c), k.since, t);
  k.counted_calendar += (t - k.since).count();
  k.counted_business += signed_working(*flow->clock_calendar[c], k.since, t);
  k.running = false;
  schedule(c);
}

void ticket_record::resume_clock(std::size_t c, timestamp t) {
  deadline_clock& k = clocks[c];
  if (!k.started || k.finished || k.running) return;
  k.since = t;
  k.running = true;
  const std::int64_t left = k.total - k.consumed;
  k.due = left > 0 ? clock_calendar(c).add_working_seconds(t, left) : t;
  schedule(c);
}

bool ticket_record::would_miss(std::size_t c, timestamp t) const noexcept {
  const deadline_clock& k = clocks[c];
  return k.breached || (k.running ? t > k.due : k.consumed > k.total);
}

void ticket_record::finish_clock(std::size_t c, timestamp t) {
  deadline_clock& k = clocks[c];
  if (!k.started || k.finished) return;
  k.breached = would_miss(c, t);
  if (k.running) {
    k.consumed += signed_working(clock_calendar(c), k.since, t);
    k.counted_calendar += (t - k.since).count();
    k.counted_business += signed_working(*flow->clock_calendar[c], k.since, t);
  } else if (!k.breached) {
    // Stopped while paused, in time: its due is where the time it had left
    // would have run out from here (its `due` was last set when it ran).
    k.due = clock_calendar(c).add_working_seconds(t, k.total - k.consumed);
  }
  k.running = false;
  k.finished = true;
  k.finished_at = t;
  if (c != flow->step_clock()) stopped.push_back(c);
  schedule(c);
}

void ticket_record::enter_state(std::size_t s, timestamp t) {
  const workflow& wf = *flow->wf;
  if (s >= wf.states.size()) return;
  state = s;
  state_since = t;
  for (const std::size_t d : flow->ends[s]) finish_clock(d, t);
  for (const std::size_t d : flow->starts[s])
    if (!clocks[d].started) start_clock(d, t);
  // The step limit restarts with every state entered.
  const std::size_t step = flow->step_clock();
  deadline_clock& k = clocks[step];
  if (k.started && !k.finished) finish_clock(step, t);
  if (wf.states[s].limit) {
    k.within = *wf.states[s].limit;
    start_clock(step, t);
  } else {
    k = deadline_clock{};
  }
}

void ticket_record::move_to(assignment a, timestamp t) {
  if (!assignee.unit.empty() && a.unit != assignee.unit) {
    attribute_time(time_by_unit, assignee.unit, *flow->cal, unit_since, t);
    unit_since = t;
  } else if (assignee.unit.empty()) {
    unit_since = t;
  }
  assignee = std::move(a);
}

void ticket_record::set_tier(std::string_view tier_id) {
  if (const tierflow::tier* t = flow->org->find_tier(tier_id)) {
    tier = t->id;
    tier_level = t->level;
  }
}

namespace {

failure unknown(const event& e, std::string what) {
  return fail(errc::data_loss, "event " + std::to_string(e.sequence) + " (" +
                                   std::string(to_string(e.type)) + "): " + std::move(what));
}

}  // namespace

result<void> ticket_record::apply(const compiled_catalog& cc, const event& e) {
  if (e.sequence != version + 1)
    return unknown(e, "expected sequence " + std::to_string(version + 1));
  const timestamp t = e.time;
  if (e.type == event_type::opened) {
    if (version != 0) return unknown(e, "the ticket is already open");
    flow = cc.find(e.workflow_id, e.workflow_version);
    if (flow == nullptr)
      return unknown(e, "unknown workflow '" + e.workflow_id + "' v" +
                            std::to_string(e.workflow_version) + ": the catalog does not have it");
    id = e.ticket_id;
    opened_at = t;
    unit_since = t;
  } else if (flow == nullptr) {
    return unknown(e, "the stream does not begin with `opened`");
  } else if (e.workflow_id != flow->wf->id || e.workflow_version != flow->wf->version) {
    return unknown(e, "of workflow '" + e.workflow_id + "' v" + std::to_string(e.workflow_version) +
                          ", the ticket runs on '" + flow->wf->id + "' v" +
                          std::to_string(flow->wf->version));
  }
  version = e.sequence;
  last_time = e.time;
  stopped.clear();
  // A timer's command begins with its deadline event; the escalation steps
  // it runs follow, by the same actor. Everything else is a change a host
  // must see before acting (authorization.hpp, rule 1).
  if (e.actor_id != system_actor) {
    in_timer_command_ = false;
  } else if (e.type == event_type::deadline_warned || e.type == event_type::deadline_breached) {
    in_timer_command_ = true;
  } else if (e.type == event_type::opened) {
    in_timer_command_ = false;
  }
  if (!in_timer_command_) last_change_version = version;
  const workflow& wf = *flow->wf;
  const organisation& org = *flow->org;
  const auto state_named = [&](std::string_view key) -> result<std::size_t> {
    const std::string_view name = get_or(e, key);
    // wf.state_index(name), its ids compared inline as get() compares keys.
    std::size_t s = 0;
    while (s < wf.states.size() && !same_text(wf.states[s].id, name)) ++s;
    if (s >= wf.states.size())
      return unknown(e, "unknown state '" + std::string(name) + "' (" + std::string(key) + ")");
    return s;
  };
  switch (e.type) {
    case event_type::opened: {
      // The ticket's own texts, each the first detail of its key ("" when
      // none), found in the one pass over the details that reads the
      // prefixed ones: six scans of a dozen details each, comparing every
      // key through memcmp, were a fifth of the fold of an `opened`.
      static constexpr std::array<std::string_view, 6> own_keys{
          detail_key::type,   detail_key::channel,      detail_key::customer,
          detail_key::region, detail_key::external_ref, detail_key::description};
      std::array<std::string*, 6> own{&type, &channel, &customer_id, &region, &external_ref, &description};
      std::array<std::string_view, 6> own_text{};
      std::array<bool, 6> own_found{};
      clocks.assign(wf.deadlines.size() + 1, deadline_clock{});
      for (std::size_t i = 0; i < e.details.size(); ++i) {
        const auto& [key, text] = e.details[i];
        const std::string_view k = key;
        if (const auto j = static_cast<std::size_t>(
                std::find_if(own_keys.begin(), own_keys.end(),
                             [&](std::string_view own_key) { return same_text(k, own_key); }) -
                own_keys.begin());
            j < own_keys.size()) {
          if (!own_found[j]) {
            own_found[j] = true;
            own_text[j] = text;
          }
        } else if (k.starts_with(detail_key::customer_attribute_prefix)) {
          // Room for the attributes at once, not a growth at 1, 2, 4 (each
          // a block to allocate, move from and free: 3 % of an open, perf).
          if (customer.capacity() == 0)
            customer.reserve(prefixed_run(e.details, i, detail_key::customer_attribute_prefix));
          // Attributes belong to the organisation, which has no versions:
          // one dropped from it since is left out, not a reason to refuse.
          const attribute* a =
              org.find_customer_attribute(k.substr(detail_key::customer_attribute_prefix.size()));
          if (a == nullptr) continue;
          if (auto v = parse_value(a->type.kind, text)) customer.emplace_back(a->name, std::move(*v));
        } else if (k.starts_with(detail_key::ticket_field_prefix)) {
          if (fields.capacity() == 0)
            fields.reserve(prefixed_run(e.details, i, detail_key::ticket_field_prefix));
          const attribute* a =
              find_attribute(wf.fields, k.substr(detail_key::ticket_field_prefix.size()));
          if (a == nullptr) continue;
          if (auto v = parse_value(a->type.kind, text)) fields.emplace_back(a->name, std::move(*v));
        } else if (k.starts_with(detail_key::deadline_prefix)) {
          const std::string_view name = k.substr(detail_key::deadline_prefix.size());
          const std::size_t d = flow->clock_index(name);
          if (d >= wf.deadlines.size()) return unknown(e, "unknown deadline '" + std::string(name) + "'");
          const auto dur = parse_duration(text);
          if (!dur) return unknown(e, "deadline '" + std::string(name) + "': malformed duration");
          clocks[d].within = *dur;
        }
      }
      for (std::size_t j = 0; j < own.size(); ++j) own[j]->assign(own_text[j]);
      for (std::size_t d = 0; d < wf.deadlines.size(); ++d)
        if (wf.deadlines[d].from_index == npos) start_clock(d, t);
      enter_state(wf.initial, t);
      return {};
    }
    case event_type::routed: {
      assignment a{std::string(get_or(e, detail_key::unit)),
                   std::string(get_or(e, detail_key::region)), {}};
      // "" only when the organisation has no ladder to fall back on.
      if (!a.unit.empty() && !org.is_unit(a.unit))
        return unknown(e, "unknown unit '" + a.unit + "'");
      set_tier(a.unit);
      move_to(std::move(a), t);
      return {};
    }
    case event_type::accepted: {
      const std::string_view person = get_or(e, detail_key::person);
      if (owner.empty()) owner = person;
      if (get_or(e, detail_key::assignee) == detail_value::yes) assignee.person = person;
      return {};
    }
    case event_type::transitioned:
    case event_type::noted: {
      std::size_t to = npos;
      if (e.type == event_type::transitioned) {
        if (auto from = state_named(detail_key::from); !from) return fail(from.error());
        auto s = state_named(detail_key::to);
        if (!s) return fail(s.error());
        to = *s;
      }
      if (const auto action = get(e, detail_key::action)) {
        auto it = std::find_if(action_counts.begin(), action_counts.end(),
                               [&](const auto& p) { return p.first == *action; });
        if (it == action_counts.end()) action_counts.emplace_back(std::string(*action), 1);
        else ++it->second;
      }
      if (const auto flag = get(e, detail_key::flag)) {
        const auto at = std::lower_bound(flags.begin(), flags.end(), *flag);
        if (at == flags.end() || *at != *flag) flags.emplace(at, *flag);
      }
      if (to != npos) enter_state(to, t);
      return {};
    }
    case event_type::handed_off: {
      const std::string_view to_unit = get_or(e, detail_key::to_unit);
      if (!org.is_unit(to_unit)) return unknown(e, "unknown unit '" + std::string(to_unit) + "'");
      handoffs.push_back(handoff_frame{std::string(to_unit), assignee});
      move_to(assignment{std::string(to_unit), std::string(get_or(e, detail_key::region)), {}}, t);
      return {};
    }
    case event_type::returned: {
      if (get_or(e, detail_key::kind) == detail_value::handoff && !handoffs.empty()) {
        assignment back = std::move(handoffs.back().back);
        handoffs.pop_back();
        move_to(std::move(back), t);
      }
      return {};
    }
    case event_type::escalated: {
      const std::string_view to_tier = get_or(e, detail_key::to_tier);
      if (org.find_tier(to_tier) == nullptr)
        return unknown(e, "unknown tier '" + std::string(to_tier) + "'");
      set_tier(to_tier);
      ++escalations;
      assignment a{std::string(to_tier), std::string(get_or(e, detail_key::region)), {}};
      if (handoffs.empty()) move_to(std::move(a), t);
      else handoffs.front().back = std::move(a);  // the team keeps working; it returns up the ladder
      return {};
    }
    case event_type::deadline_warned:
    case event_type::deadline_breached: {
      const std::string_view name = get_or(e, detail_key::deadline);
      const std::size_t c = flow->clock_index(name);
      if (c == npos) return unknown(e, "unknown deadline '" + std::string(name) + "'");
      if (!clocks[c].started) return {};
      deadline_clock& k = clocks[c];
      const auto& slots = flow->slots[c];
      const auto percent_text = get(e, detail_key::percent);
      const auto percent = percent_text ? parse_integer(*percent_text) : std::nullopt;
      const auto after = get(e, detail_key::after);
      for (std::size_t i = 0; i < slots.size(); ++i) {
        const timer_slot& s = slots[i];
        const bool match =
            e.type == event_type::deadline_warned
                ? s.what == timer_slot::kind::warning && percent && s.percent == *percent
                : (after ? s.what == timer_slot::kind::after && s.after_text == *after
                         : s.what == timer_slot::kind::breach);
        if (match) k.fired.set(i);
      }
      if (e.type == event_type::deadline_breached && !after) k.breached = true;
      schedule(c);
      return {};
    }
    case event_type::paused:
    case event_type::resumed:
    case event_type::closed: {
      if (auto s = state_named(detail_key::state); !s) return fail(s.error());
      if (e.type == event_type::paused) {
        paused = true;
        for (std::size_t c = 0; c + 1 < clocks.size(); ++c) pause_clock(c, t);
      } else if (e.type == event_type::resumed) {
        paused = false;
        for (std::size_t c = 0; c + 1 < clocks.size(); ++c) resume_clock(c, t);
      } else {
        closed = true;
        closed_at = t;
        for (std::size_t c = 0; c < clocks.size(); ++c) finish_clock(c, t);
        // Close the books on the last unit: its time ends here.
        if (!assignee.unit.empty())
          attribute_time(time_by_unit, assignee.unit, *flow->cal, unit_since, t);
        unit_since = t;
      }
      return {};
    }
    case event_type::reopened:
      closed = false;
      closed_at.reset();
      return {};
    case event_type::deadline_stopped: {
      // A record of what the event before it did to the clock (the fold
      // stopped it there, so that trails older than these records fold
      // alike); it changes nothing, but must name a deadline of the
      // workflow.
      const std::string_view name = get_or(e, detail_key::deadline);
      if (flow->clock_index(name) >= wf.deadlines.size())
        return unknown(e, "unknown deadline '" + std::string(name) + "'");
      return {};
    }
    case event_type::notified:
    case event_type::denied: return {};
  }
  return {};
}

std::optional<std::pair<std::size_t, timestamp>> ticket_record::next_timer() const noexcept {
  std::optional<std::pair<std::size_t, timestamp>> best;
  for (std::size_t c = 0; c < clocks.size(); ++c) {
    const deadline_clock& k = clocks[c];
    if (k.next == timestamp::max()) continue;
    if (!best || k.next < best->second) best = std::pair{c, k.next};
  }
  return best;
}

// The names here are fields of the condition language (tierflow/condition.hpp),
// not detail keys, though `opened` records them under the same prefixes.
const value* ticket_record::lookup(std::string_view field, value& scratch) const {
  const auto find_in = [](const attribute_values& values, std::string_view name) -> const value* {
    for (const auto& [k, v] : values)
      if (k == name) return &v;
    return nullptr;
  };
  if (field.starts_with("customer.")) return find_in(customer, field.substr(9));
  if (!field.starts_with("ticket.")) return nullptr;
  const std::string_view name = field.substr(7);
  if (name == "type") return &(scratch = type);
  if (name == "channel") return &(scratch = channel);
  if (name.starts_with("times.")) {
    std::int64_t n = 0;
    for (const auto& [a, count] : action_counts)
      if (a == name.substr(6)) n = count;
    return &(scratch = n);
  }
  return find_in(fields, name);
}

ticket_view ticket_record::view(timestamp now) const {
  ticket_view v;
  view_into(v, now);
  return v;
}

void ticket_record::view_into(ticket_view& v, timestamp now) const {
  write_text(v.id, id);
  write_text(v.type, type);
  write_text(v.channel, channel);
  write_text(v.customer_id, customer_id);
  write_text(v.region, region);
  write_text(v.external_ref, external_ref);
  v.as_of = now;
  v.version = version;
  v.opened_at = opened_at;
  v.closed_at = closed_at;
  if (flow == nullptr) {
    // Not opened: the rest as a fresh view has it.
    v.workflow_id.clear();
    v.workflow_version = 0;
    v.state.clear();
    v.closed = false;
    v.paused = false;
    v.owner.clear();
    v.assignee = assignment{};
    v.tier.clear();
    v.tier_level = 0;
    v.escalations = 0;
    v.handoffs.clear();
    v.flags.clear();
    v.deadlines.clear();
    v.time_by_unit.clear();
    return;
  }
  const workflow& wf = *flow->wf;
  write_text(v.workflow_id, wf.id);
  v.workflow_version = wf.version;
  if (state < wf.states.size()) {
    write_text(v.state, wf.states[state].id);
  } else {
    v.state.clear();
  }
  v.closed = closed;
  v.paused = paused;
  write_text(v.owner, owner);
  v.assignee = assignee;
  write_text(v.tier, tier);
  v.tier_level = tier_level;
  v.escalations = escalations;
  v.handoffs.resize(handoffs.size());
  for (std::size_t h = 0; h < handoffs.size(); ++h) v.handoffs[h] = handoffs[h].team;
  v.flags = flags;
  // Built on every action: the deadlines already there are written over,
  // one allocation at most for the rest.
  v.deadlines.reserve(clocks.size());
  std::size_t shown = 0;
  for (std::size_t c = 0; c < clocks.size(); ++c) {
    const deadline_clock& k = clocks[c];
    if (c == flow->step_clock() && !k.started) continue;
    if (shown == v.deadlines.size()) v.deadlines.emplace_back();
    deadline_view& d = v.deadlines[shown++];
    write_text(d.id, flow->clock_name(c));
    if (k.started || c < wf.deadlines.size()) {
      duration_text_into(d.within, k.within);
    } else {
      d.within.clear();
    }
    d.due.reset();
    d.remaining_seconds = 0;
    d.breached = false;
    const calendar_index& cal = clock_calendar(c);
    if (!k.started) {
      d.status = deadline_status::pending;
    } else if (k.finished) {
      d.status = k.breached ? deadline_status::missed : deadline_status::met;
      d.due = k.due;
      d.breached = k.breached;
      d.remaining_seconds = k.total - k.consumed;
    } else if (k.running) {
      d.status = deadline_status::running;
      d.due = k.due;
      d.remaining_seconds = k.due == timestamp::max() ? 0 : signed_working(cal, now, k.due);
      d.breached = k.breached || now >= k.due;
    } else {
      d.status = deadline_status::paused;
      d.remaining_seconds = k.total - k.consumed;
      d.breached = k.breached || d.remaining_seconds < 0;
    }
  }
  v.deadlines.resize(shown);
  v.time_by_unit = time_by_unit;
  if (!closed && !assignee.unit.empty() && now > unit_since)
    attribute_time(v.time_by_unit, assignee.unit, *flow->cal, unit_since, now);
}

void ticket_record::receipt_into(act_receipt& out) const {
  // As view_into() sets the same members (the receipt must equal the view).
  out.version = version;
  write_text(out.region, region);
  out.nearest_due.reset();
  if (flow == nullptr) {
    out.state.clear();
    out.closed = false;
    out.paused = false;
    out.owner.clear();
    out.assignee.unit.clear();
    out.assignee.region.clear();
    out.assignee.person.clear();
    return;
  }
  const workflow& wf = *flow->wf;
  if (state < wf.states.size()) {
    write_text(out.state, wf.states[state].id);
  } else {
    out.state.clear();
  }
  out.closed = closed;
  out.paused = paused;
  write_text(out.owner, owner);
  write_text(out.assignee.unit, assignee.unit);
  write_text(out.assignee.region, assignee.region);
  write_text(out.assignee.person, assignee.person);
  // The view's running deadlines: started, not finished, counting (the step
  // limit's too, which the view shows once started); its due as it is,
  // timestamp::max() included.
  for (const deadline_clock& k : clocks)
    if (k.started && !k.finished && k.running && (!out.nearest_due || k.due < *out.nearest_due))
      out.nearest_due = k.due;
}

ticket_summary ticket_record::summary() const {
  ticket_summary s;
  summary_into(s);
  return s;
}

void ticket_record::summary_into(ticket_summary& s) const {
  // Written over the summary of the thread's last command (commit), whose
  // workflow, type and often state, unit and region were the same.
  write_text(s.ticket_id, id);
  write_text(s.customer_id, customer_id);
  write_text(s.ticket_type, type);
  if (flow != nullptr) {
    write_text(s.workflow_id, flow->wf->id);
    s.workflow_version = flow->wf->version;
    write_text(s.state, state < flow->wf->states.size() ? std::string_view(flow->wf->states[state].id)
                                                       : std::string_view());
  } else {
    s.workflow_id.clear();
    s.workflow_version = 0;
    s.state.clear();
  }
  write_text(s.unit, assignee.unit);
  write_text(s.region, assignee.region);
  write_text(s.owner, owner);
  write_text(s.assignee, assignee.person);
  s.closed = closed;
  s.opened_at = opened_at;
  s.closed_at = closed_at;
  s.next_timer.reset();
  if (const auto n = next_timer()) s.next_timer = n->second;
  s.nearest_due.reset();
  for (const auto& k : clocks)
    if (k.running && k.due != timestamp::max() && (!s.nearest_due || k.due < *s.nearest_due))
      s.nearest_due = k.due;
  s.version = version;
}

result<ticket_record> replay(const compiled_catalog& cc, std::span<const event> stream) {
  ticket_record r;
  for (const event& e : stream)
    if (auto ok = r.apply(cc, e); !ok)
      return fail(std::move(ok).error().with_context("ticket " + e.ticket_id));
  if (!stream.empty()) r.head = stream.back().hash;
  return r;
}

}  // namespace tierflow::detail
