// SPDX-License-Identifier: MIT
// The steps of a scenario case: `act`, `advance` and `expect`, every name in
// them checked against the catalog and the case's workflow (see
// load_scenario_parts.hpp; the format is in workflows/README.md).
#include <algorithm>
#include <array>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/notification.hpp>

#include "language/load_ticket.hpp"
#include "language/messages.hpp"
#include "testing/load_scenario_messages.hpp"
#include "testing/load_scenario_parts.hpp"
#include "text/number.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail::scenario_loading {
namespace {

using testing::act_step;
using testing::advance_step;
using testing::event_expectation;
using testing::expectation;
using testing::notification_expectation;

constexpr std::array<std::string_view, 6> deadline_statuses{"pending", "running", "paused",
                                                            "met",     "missed",  "breached"};
constexpr std::array<errc, 10> all_error_codes{
    errc::invalid_definition, errc::invalid_argument, errc::not_found,
    errc::permission_denied,  errc::conflict,         errc::limit_exceeded,
    errc::io_error,           errc::incompatible,     errc::failed_precondition,
    errc::data_loss};
constexpr std::array<recipient, 5> all_recipients{
    recipient::owner, recipient::assignee, recipient::tier, recipient::team, recipient::role};

void add_unique(std::vector<std::string>& out, const std::string& id) {
  if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
}

/// What a case's steps may name in its workflow.
struct workflow_names {
  std::vector<std::string> states, actions, deadlines, flags, routing_rules, reasons,
      classifications;

  explicit workflow_names(const workflow& w) {
    classifications = ids_of(w.classifications);
    for (const state& s : w.states) {
      states.push_back(s.id);
      for (const action& a : s.actions) add_unique(actions, a.id);
    }
    for (const deadline& d : w.deadlines) deadlines.push_back(d.id);
    deadlines.emplace_back("step");
    for (const routing_rule& rule : w.routing) routing_rules.push_back(rule.id);
    for (const escalation_rule& rule : w.escalations) {
      reasons.push_back(rule.id);
      for (const escalation_step& st : rule.steps)
        if (st.what == escalation_step::kind::flag) add_unique(flags, st.target);
    }
    // The engine's own reasons for telling the owner (notifications.cpp).
    reasons.emplace_back(to_string(event_type::escalated));
    reasons.emplace_back(to_string(event_type::handed_off));
  }
};

/// The detail keys `type` events carry (event_schema.hpp), and the
/// prefixes of keys built from a name ("customer." for customer.<attribute>).
struct detail_keys {
  std::vector<std::string> keys;
  std::vector<std::string_view> prefixes;
};

detail_keys details_of(event_type type) {
  namespace k = detail_key;
  const auto list = [](std::initializer_list<std::string_view> keys,
                       std::initializer_list<std::string_view> prefixes = {}) {
    detail_keys out;
    for (std::string_view key : keys) out.keys.emplace_back(key);
    out.prefixes.assign(prefixes.begin(), prefixes.end());
    return out;
  };
  switch (type) {
    case event_type::opened:
      return list({k::type, k::channel, k::customer, k::region, k::external_ref, k::description,
                   k::fingerprint},
                  {k::customer_attribute_prefix, k::ticket_field_prefix, k::deadline_prefix});
    case event_type::routed:
      return list({k::kind, k::rule, k::unit, k::region, k::unit_calendar_seconds,
                   k::unit_business_seconds},
                  {k::routing_input_prefix});
    case event_type::accepted:
      return list({k::person, k::owner, k::assignee, k::wait_calendar_seconds,
                   k::wait_business_seconds});
    case event_type::transitioned:
      return list({k::action, k::from, k::to, k::note, k::state_calendar_seconds,
                   k::state_business_seconds, k::step},
                  {k::classification_prefix});
    case event_type::noted:
      return list({k::action, k::note, k::rule, k::by_action, k::flag}, {k::classification_prefix});
    case event_type::handed_off:
      return list({k::rule, k::action, k::from_unit, k::to_unit, k::region,
                   k::unit_calendar_seconds, k::unit_business_seconds});
    case event_type::returned:
      return list({k::action, k::kind, k::from_unit, k::to_unit, k::region, k::person,
                   k::unit_calendar_seconds, k::unit_business_seconds});
    case event_type::escalated:
      return list({k::rule, k::action, k::from_tier, k::to_tier, k::region,
                   k::unit_calendar_seconds, k::unit_business_seconds});
    case event_type::deadline_warned: return list({k::deadline, k::percent});
    case event_type::deadline_breached: return list({k::deadline, k::after});
    case event_type::paused:
    case event_type::resumed: return list({k::state});
    case event_type::closed:
      return list({k::state, k::unit_calendar_seconds, k::unit_business_seconds,
                   k::ticket_calendar_seconds, k::ticket_business_seconds});
    case event_type::notified: return list({k::to, k::unit, k::region, k::person, k::reason});
    case event_type::denied:
      return list({k::action, k::code, k::reason, k::repeated, k::others, k::ticket});
    case event_type::reopened: return list({});
    case event_type::deadline_stopped:
      return list({k::deadline, k::outcome, k::due, k::calendar_seconds, k::business_seconds,
                   k::paused_seconds});
  }
  return {};
}

/// Reads one step's parts with the reader, the scope and the step's node.
class step_reader {
 public:
  step_reader(reader& r, const case_scope& scope) : r_(r), scope_(scope), org_(scope.cat->org) {
    if (scope.flow != nullptr) names_.emplace(*scope.flow);
  }

  std::optional<testing::step> step(const yaml_node& item);

 private:
  [[nodiscard]] const std::string& flow_id() const { return scope_.flow->id; }

  /// Checks `id` against one of the workflow's lists of names.
  bool in_workflow(const yaml_node& at, const std::string& id, std::string_view what,
                   const std::vector<std::string>& candidates) {
    if (std::find(candidates.begin(), candidates.end(), id) != candidates.end()) return true;
    if (what == "flag" && candidates.empty())
      r_.error(at, scenario_msg::workflow_sets_no_flags(id, flow_id()));
    else
      r_.error(
          at, scenario_msg::unknown_in_workflow(what, id, flow_id(), did_you_mean(id, candidates)));
    return false;
  }

  act_step act(const yaml_node& item, const mapping_fields& keys);
  std::optional<advance_step> advance(const yaml_node& item, const yaml_node& value);
  std::optional<expectation> expect(const yaml_node& item, const yaml_node& value);

  void unit_field(expectation& e, const yaml_entry& entry, bool teams_only);
  void queue_field(expectation& e, const yaml_entry& entry);
  void flag_fields(expectation& e, const yaml_entry& entry, std::string_view field);
  void flags_field(expectation& e, const yaml_entry& entry);
  void classified_fields(expectation& e, const yaml_node& classified);
  void act_classification(const act_step& out, const mapping_fields& keys, const yaml_node& item);
  void deadline_fields(expectation& e, const yaml_node& deadlines);
  std::optional<std::vector<notification_expectation>> notified(const yaml_node& n,
                                                                std::string_view name);
  std::optional<std::vector<event_expectation>> events(const yaml_node& n, std::string_view name);

  void add(expectation& e, std::string field, std::string expected, const yaml_node& at) {
    e.fields.push_back({std::move(field), std::move(expected), std::nullopt, r_.pos(at)});
  }

  reader& r_;
  const case_scope& scope_;
  const organisation& org_;
  std::optional<workflow_names> names_;
};

std::optional<testing::step> step_reader::step(const yaml_node& item) {
  if (!r_.expect(item, yaml_node::kind::mapping, "a step")) return std::nullopt;
  const std::size_t errors_before = r_.errors();
  const mapping_fields keys =
      check_keys(r_, item, {"act", "by", "note", "classification", "error", "advance", "expect"}, {});
  std::vector<const yaml_entry*> kinds;
  for (const yaml_entry* e : keys.entries())
    if (e->key.text == "act" || e->key.text == "advance" || e->key.text == "expect")
      kinds.push_back(e);
  if (kinds.empty()) {
    // After an unknown key (a misspelt `expect`) this would say it twice.
    if (r_.errors() == errors_before) r_.error(item, scenario_msg::step_needs_kind());
    return std::nullopt;
  }
  if (kinds.size() > 1) {
    r_.error(kinds[1]->key, scenario_msg::two_step_kinds(kinds[0]->key.text, kinds[1]->key.text));
    return std::nullopt;
  }
  const std::string& kind = kinds.front()->key.text;
  if (kind != "act") {
    for (const yaml_entry* e : keys.entries())
      if (e != kinds.front()) r_.error(e->key, scenario_msg::key_needs_act(e->key.text));
  }
  if (kind == "act") return act(item, keys);
  if (kind == "advance") {
    if (auto a = advance(item, kinds.front()->value)) return std::move(*a);
    return std::nullopt;
  }
  if (auto e = expect(item, kinds.front()->value)) return std::move(*e);
  return std::nullopt;
}

act_step step_reader::act(const yaml_node& item, const mapping_fields& keys) {
  act_step out;
  out.where = r_.pos(item);
  if (const auto action = scalar(r_, *keys["act"], quoted("act"))) {
    out.action = *action;
    if (names_) (void)in_workflow(*keys["act"], *action, "action", names_->actions);
  }
  if (const yaml_node* by = keys["by"]) {
    if (by->is_scalar()) {
      const auto found = scope_.fx->actors.find(by->text);
      if (found != scope_.fx->actors.end()) {
        out.by = found->second;
      } else {
        std::vector<std::string> names;
        for (const auto& [name, a] : scope_.fx->actors) names.push_back(name);
        r_.error(*by, msg::unknown("actor", by->text, did_you_mean(by->text, names)));
      }
    } else if (r_.expect(*by, yaml_node::kind::mapping, quoted("by"))) {
      if (auto a = read_actor(r_, *by, org_)) out.by = std::move(*a);
    }
  } else {
    r_.error(item, msg::missing_key("by"));
  }
  if (const yaml_node* note = keys["note"]) {
    if (auto text = bounded_text(r_, *note, quoted("note"), max_text_bytes))
      out.note = std::move(*text);
  }
  if (const yaml_node* error = keys["error"]) {
    out.error_where = r_.pos(*error);
    if (const auto code = scalar(r_, *error, quoted("error"))) {
      std::vector<std::string> codes;
      for (const errc c : all_error_codes) {
        codes.emplace_back(to_string(c));
        if (to_string(c) == *code) out.error = c;
      }
      if (!out.error)
        r_.error(*error, msg::unknown("error code", *code, did_you_mean(*code, codes)));
    }
  }
  if (const yaml_node* c = keys["classification"]) {
    if (auto value = scalar(r_, *c, quoted("classification"))) out.classification = std::move(*value);
  }
  act_classification(out, keys, item);
  return out;
}

/// Checks an act step's `classification` against what its action records.
/// A step that expects a refusal may give anything: refusing a wrong value
/// is what it tests.
void step_reader::act_classification(const act_step& out, const mapping_fields& keys,
                                     const yaml_node& item) {
  if (!names_ || keys["error"] != nullptr) return;
  // The classifications the actor gives with this action, in any state;
  // whether every definition of the action needs one.
  std::vector<const classification*> given;
  bool every_needs = true;
  bool defined = false;
  for (const state& s : scope_.flow->states) {
    for (const action& a : s.actions) {
      if (a.id != out.action) continue;
      defined = true;
      const bool needs = !a.classifies.empty() && a.classification_value.empty();
      every_needs = every_needs && needs;
      const classification* c = needs ? scope_.flow->find_classification(a.classifies) : nullptr;
      if (c != nullptr && std::find(given.begin(), given.end(), c) == given.end()) given.push_back(c);
    }
  }
  if (!defined) return;  // an unknown action: reported already
  const yaml_node* value = keys["classification"];
  if (value == nullptr) {
    if (every_needs && !given.empty()) {
      std::string values;
      for (const std::string& v : given.front()->values) values += (values.empty() ? "" : ", ") + v;
      r_.error(item, scenario_msg::classification_needed(out.action, given.front()->id, values));
    }
    return;
  }
  if (!value->is_scalar()) return;  // reported by scalar()
  if (given.empty()) {
    r_.error(*keys.key("classification"),
             scenario_msg::action_takes_no_classification(out.action, flow_id()));
    return;
  }
  std::vector<std::string> values;
  for (const classification* c : given) {
    if (c->allows(out.classification)) return;
    values.insert(values.end(), c->values.begin(), c->values.end());
  }
  r_.error(*value, msg::not_a_classification_value(out.classification, given.front()->id,
                                                   did_you_mean(out.classification, values)));
}

std::optional<advance_step> step_reader::advance(const yaml_node& item, const yaml_node& value) {
  advance_step out;
  out.where = r_.pos(item);
  if (value.is_scalar()) {
    out.how = advance_step::kind::by;
    out.amount = duration_value(r_, value, quoted("advance"));
    return out.amount ? std::optional(out) : std::nullopt;
  }
  if (!value.is_mapping()) {
    r_.error(value, msg::wrong_kind(quoted("advance"), "a duration or a mapping",
                                    node_kind_name(value.type)));
    return std::nullopt;
  }
  const std::size_t errors_before = r_.errors();
  const mapping_fields keys = check_keys(r_, value, {"to", "to_due", "plus"}, {});
  const yaml_node* to = keys["to"];
  const yaml_node* to_due = keys["to_due"];
  if (to != nullptr && to_due != nullptr) {
    r_.error(*keys.key("to_due"), scenario_msg::advance_two_targets());
  } else if (to != nullptr) {
    out.how = advance_step::kind::to;
    if (auto t = read_instant(r_, *to, quoted("to"), org_.utc_offset)) out.to = *t;
    if (keys["plus"] != nullptr) r_.error(*keys.key("plus"), scenario_msg::plus_needs_to_due());
  } else if (to_due != nullptr) {
    out.how = advance_step::kind::to_due;
    if (auto id = scalar(r_, *to_due, quoted("to_due"))) {
      out.deadline = *id;
      if (names_) (void)in_workflow(*to_due, *id, "deadline", names_->deadlines);
    }
    if (const yaml_node* plus = keys["plus"])
      out.amount = duration_value(r_, *plus, quoted("plus"));
  } else if (r_.errors() == errors_before) {
    r_.error(value, scenario_msg::advance_needs_target());
  }
  if (r_.errors() != errors_before) return std::nullopt;
  return out;
}

void step_reader::unit_field(expectation& e, const yaml_entry& entry, bool teams_only) {
  const auto text = scalar(r_, entry.value, quoted(entry.key.text));
  if (!text) return;
  if (teams_only) {
    if (*text != "none") {
      std::vector<std::string> teams = ids_of(org_.teams);
      teams.emplace_back("none");
      (void)check_reference(r_, entry.value, *text, "team", teams);
    }
  } else {
    (void)check_reference(r_, entry.value, *text, "tier", ids_of(org_.ladder));
  }
  add(e, entry.key.text, *text, entry.key);
}

void step_reader::queue_field(expectation& e, const yaml_entry& entry) {
  const auto text = scalar(r_, entry.value, quoted("queue"));
  if (!text) return;
  const std::size_t slash = text->find('/');
  const std::string unit = text->substr(0, slash);
  std::vector<std::string> units = ids_of(org_.ladder);
  for (const team& t : org_.teams) units.push_back(t.id);
  if (check_reference(r_, entry.value, unit, "tier or team", units) && slash != std::string::npos) {
    const std::string region = text->substr(slash + 1);
    const tier* ti = org_.find_tier(unit);
    const team* te = org_.find_team(unit);
    if ((ti != nullptr && !ti->by_region) || (te != nullptr && !te->by_region))
      r_.error(entry.value, scenario_msg::unit_not_split(unit));
    else
      (void)check_reference(r_, entry.value, region, "region", ids_of(org_.regions));
  }
  add(e, "queue", *text, entry.key);
}

void step_reader::flag_fields(expectation& e, const yaml_entry& entry, std::string_view field) {
  const auto one = [&](const yaml_node& n, const yaml_node& at) {
    const auto flag = scalar(r_, n, fmt::format("a flag of {}", quoted(field)));
    if (!flag) return;
    if (names_) (void)in_workflow(n, *flag, "flag", names_->flags);
    add(e, std::string(field), *flag, at);
  };
  if (entry.value.is_sequence()) {
    for (const yaml_node& item : entry.value.items) one(item, item);
    return;
  }
  one(entry.value, entry.key);
}

void step_reader::flags_field(expectation& e, const yaml_entry& entry) {
  const auto* items = sequence(r_, entry.value, quoted("flags"), false);
  if (items == nullptr) return;
  std::vector<std::string> flags;
  for (const yaml_node& item : *items) {
    const auto flag = scalar(r_, item, "a flag of 'flags'");
    if (!flag) continue;
    if (names_) (void)in_workflow(item, *flag, "flag", names_->flags);
    if (std::find(flags.begin(), flags.end(), *flag) != flags.end()) {
      r_.error(item, msg::duplicate("flag", *flag));
      continue;
    }
    flags.push_back(*flag);
  }
  std::sort(flags.begin(), flags.end());
  std::string joined;
  for (const std::string& f : flags) joined += (joined.empty() ? "" : ",") + f;
  add(e, "flags", joined, entry.key);
}

/// `classified: { NAME: VALUE, … }`: the latest value recorded for each
/// named classification, or `none`.
void step_reader::classified_fields(expectation& e, const yaml_node& classified) {
  if (!r_.expect(classified, yaml_node::kind::mapping, quoted("classified"))) return;
  if (classified.entries.empty())
    r_.error(classified, msg::must_not_be_empty(quoted("classified")));
  for (const yaml_entry* c : scalar_keyed(r_, classified)) {
    const std::string& name = c->key.text;
    const auto value = scalar(r_, c->value, quoted(name));
    if (!value) continue;
    if (names_) {
      if (!in_workflow(c->key, name, "classification", names_->classifications)) continue;
      const classification& declared = *scope_.flow->find_classification(name);
      if (*value != "none" && !declared.allows(*value)) {
        std::vector<std::string> values = declared.values;
        values.emplace_back("none");
        r_.error(c->value, msg::not_a_classification_value(*value, name,
                                                           did_you_mean(*value, values)));
        continue;
      }
    }
    add(e, "classified." + name, *value, c->key);
  }
}

void step_reader::deadline_fields(expectation& e, const yaml_node& deadlines) {
  if (!r_.expect(deadlines, yaml_node::kind::mapping, quoted("deadlines"))) return;
  if (deadlines.entries.empty()) r_.error(deadlines, msg::must_not_be_empty(quoted("deadlines")));
  const std::vector<std::string> statuses(deadline_statuses.begin(), deadline_statuses.end());
  for (const yaml_entry* d : scalar_keyed(r_, deadlines)) {
    const std::string& id = d->key.text;
    if (names_) (void)in_workflow(d->key, id, "deadline", names_->deadlines);
    const std::string field = "deadline." + id;
    // `id: STATUS`, or `id: { status: STATUS, due: INSTANT }` with either.
    const yaml_node* status_node = &d->value;
    const yaml_node* status_at = &d->key;
    const yaml_node* due = nullptr;
    const yaml_node* due_at = nullptr;
    if (d->value.is_mapping()) {
      const mapping_fields keys = check_keys(r_, d->value, {"status", "due"}, {});
      if (d->value.entries.empty()) r_.error(d->value, msg::must_not_be_empty(quoted(id)));
      status_node = keys["status"];
      status_at = keys.key("status");
      due = keys["due"];
      due_at = keys.key("due");
    }
    std::optional<std::string> status;
    if (status_node != nullptr)
      status = scalar(r_, *status_node, fmt::format("the status of deadline '{}'", id));
    if (status && std::find(statuses.begin(), statuses.end(), *status) == statuses.end()) {
      r_.error(*status_node,
               msg::unknown("deadline status", *status, did_you_mean(*status, statuses)));
      status.reset();
    }
    if (status) add(e, field, *status, *status_at);
    if (due == nullptr) continue;
    if (status && (*status == "pending" || *status == "paused"))
      r_.error(*due_at, scenario_msg::due_without_clock(*status));
    if (const auto text = scalar(r_, *due, quoted("due")))
      if (const auto t = read_instant(r_, *due, quoted("due"), org_.utc_offset))
        e.fields.push_back({field + ".due", *text, t, r_.pos(*due_at)});
  }
}

std::optional<std::vector<notification_expectation>> step_reader::notified(const yaml_node& n,
                                                                           std::string_view name) {
  const std::string entry_name = fmt::format("an entry of '{}'", name);
  const auto* items = sequence(r_, n, quoted(name), false);
  if (items == nullptr) return std::nullopt;
  std::vector<notification_expectation> out;
  std::vector<std::string> recipients;
  for (const recipient to : all_recipients) recipients.emplace_back(to_string(to));
  std::vector<std::string> units = ids_of(org_.ladder);
  for (const team& t : org_.teams) units.push_back(t.id);
  for (const role& ro : org_.roles) units.push_back(ro.id);
  for (const yaml_node& item : *items) {
    if (!r_.expect(item, yaml_node::kind::mapping, entry_name)) continue;
    const mapping_fields keys =
        check_keys(r_, item, {"to", "unit", "region", "person", "reason"}, {});
    if (item.entries.empty()) r_.error(item, msg::must_not_be_empty(entry_name));
    notification_expectation ne;
    ne.where = r_.pos(item);
    for (const yaml_entry* e : keys.entries()) {
      const std::string& key = e->key.text;
      auto text = scalar(r_, e->value, quoted(key));
      if (!text) continue;
      if (key == "to")
        (void)check_reference(r_, e->value, *text, "recipient", recipients);
      else if (key == "unit")
        (void)check_reference(r_, e->value, *text, "tier, team or role", units);
      else if (key == "region")
        (void)check_reference(r_, e->value, *text, "region", ids_of(org_.regions));
      else if (key == "person")
        text = person_id(*scope_.fx, *text);
      else if (key == "reason" && names_)
        (void)in_workflow(e->value, *text, "notification reason", names_->reasons);
      ne.fields.emplace_back(key, std::move(*text));
    }
    out.push_back(std::move(ne));
  }
  return out;
}

std::optional<std::vector<event_expectation>> step_reader::events(const yaml_node& n,
                                                                  std::string_view name) {
  const std::string entry_name = fmt::format("an entry of '{}'", name);
  const auto* items = sequence(r_, n, quoted(name), false);
  if (items == nullptr) return std::nullopt;
  std::vector<event_expectation> out;
  std::vector<std::string> types;
  for (const event_type t : all_event_types) types.emplace_back(to_string(t));
  for (const yaml_node& item : *items) {
    if (!r_.expect(item, yaml_node::kind::mapping, entry_name)) continue;
    event_expectation ee;
    ee.where = r_.pos(item);
    std::optional<detail_keys> allowed;
    const yaml_entry* type_entry = nullptr;
    for (const yaml_entry* e : scalar_keyed(r_, item))
      if (e->key.text == "type") type_entry = e;
    if (type_entry == nullptr) {
      r_.error(item, msg::missing_key("type"));
    } else if (const auto type = scalar(r_, type_entry->value, quoted("type"))) {
      ee.type = *type;
      if (const auto parsed = parse_event_type(*type))
        allowed = details_of(*parsed);
      else
        r_.error(type_entry->value, msg::unknown("event type", *type, did_you_mean(*type, types)));
    }
    for (const yaml_entry& e : item.entries) {
      if (!e.key.is_scalar() || &e == type_entry) continue;
      const std::string& key = e.key.text;
      if (allowed) {
        const bool known =
            std::find(allowed->keys.begin(), allowed->keys.end(), key) != allowed->keys.end() ||
            std::any_of(
                allowed->prefixes.begin(), allowed->prefixes.end(),
                [&](std::string_view p) { return key.size() > p.size() && key.starts_with(p); });
        if (!known) {
          r_.error(e.key,
                   scenario_msg::unknown_detail(key, ee.type, did_you_mean(key, allowed->keys)));
          continue;
        }
      }
      auto text = scalar(r_, e.value, quoted(key));
      if (!text) continue;
      if (key == detail_key::person) text = person_id(*scope_.fx, *text);
      ee.details.emplace_back(key, std::move(*text));
    }
    out.push_back(std::move(ee));
  }
  return out;
}

std::optional<expectation> step_reader::expect(const yaml_node& item, const yaml_node& value) {
  if (!r_.expect(value, yaml_node::kind::mapping, quoted("expect"))) return std::nullopt;
  if (value.entries.empty()) {
    r_.error(value, msg::must_not_be_empty(quoted("expect")));
    return std::nullopt;
  }
  expectation out;
  out.where = r_.pos(item);
  const mapping_fields keys = check_keys(
      r_, value,
      {"state", "tier", "team", "queue", "region", "owner", "assignee", "rule", "closed", "paused",
       "escalations", "flags", "has_flag", "lacks_flag", "deadlines", "classified", "notified",
       "events", "not_notified", "not_events"},
      {});
  for (const yaml_entry* entry : keys.entries()) {
    const std::string& key = entry->key.text;
    const yaml_node& v = entry->value;
    if (key == "state" || key == "rule") {
      const auto id = scalar(r_, v, quoted(key));
      if (!id) continue;
      if (names_)
        (void)in_workflow(v, *id, key == "state" ? "state" : "routing rule",
                          key == "state" ? names_->states : names_->routing_rules);
      add(out, key, *id, entry->key);
    } else if (key == "tier" || key == "team") {
      unit_field(out, *entry, key == "team");
    } else if (key == "queue") {
      queue_field(out, *entry);
    } else if (key == "region") {
      const auto id = scalar(r_, v, quoted(key));
      if (!id) continue;
      if (*id != "none") {
        std::vector<std::string> regions = ids_of(org_.regions);
        regions.emplace_back("none");
        (void)check_reference(r_, v, *id, "region", regions);
      }
      add(out, key, *id, entry->key);
    } else if (key == "owner" || key == "assignee") {
      const auto id = scalar(r_, v, quoted(key));
      if (!id) continue;
      if (id->empty()) {
        r_.error(v, msg::must_not_be_empty(quoted(key)));
        continue;
      }
      add(out, key, *id == "none" ? *id : person_id(*scope_.fx, *id), entry->key);
    } else if (key == "closed" || key == "paused") {
      if (const auto b = boolean(r_, v, quoted(key)))
        add(out, key, *b ? "true" : "false", entry->key);
    } else if (key == "escalations") {
      const auto text = scalar(r_, v, quoted(key));
      if (!text) continue;
      const auto n = v.plain ? parse_integer(*text) : std::nullopt;
      if (!n || *n < 0) {
        r_.error(v, scenario_msg::invalid_count(*text));
        continue;
      }
      add(out, key, std::to_string(*n), entry->key);
    } else if (key == "flags") {
      flags_field(out, *entry);
    } else if (key == "has_flag" || key == "lacks_flag") {
      flag_fields(out, *entry, key);
    } else if (key == "deadlines") {
      deadline_fields(out, v);
    } else if (key == "classified") {
      classified_fields(out, v);
    } else if (key == "notified") {
      out.notified = notified(v, key);
    } else if (key == "events") {
      out.events = events(v, key);
    } else if (key == "not_notified") {
      // An empty list would forbid nothing: `notified: []` says "none".
      if (auto items = notified(v, key); items && !items->empty()) out.not_notified = std::move(*items);
      else if (items) r_.error(v, msg::must_not_be_empty(quoted(key)));
    } else if (key == "not_events") {
      if (auto items = events(v, key); items && !items->empty()) out.not_events = std::move(*items);
      else if (items) r_.error(v, msg::must_not_be_empty(quoted(key)));
    }
  }
  return out;
}

}  // namespace

std::vector<testing::step> read_steps(reader& r, const std::vector<yaml_node>& items,
                                      const case_scope& scope) {
  step_reader steps(r, scope);
  std::vector<testing::step> out;
  for (const yaml_node& item : items)
    if (auto s = steps.step(item)) out.push_back(std::move(*s));
  return out;
}

}  // namespace tierflow::detail::scenario_loading
