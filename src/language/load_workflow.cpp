// SPDX-License-Identifier: MIT
// A workflow file: states and actions, deadlines, routing and escalation
// rules, with every reference resolved to an index where one is stored.
#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "language/load_common.hpp"
#include "language/messages.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail {
namespace {

constexpr std::array<std::string_view, 4> trigger_names{"open", "action", "warning", "breach"};
constexpr std::array<std::string_view, 4> step_names{"notify", "escalate", "handoff", "flag"};
constexpr std::array<std::string_view, 4> effect_keys{"handoff", "return", "escalate", "reroute"};

/// Everything one workflow's parts need to resolve names.
class workflow_loader {
 public:
  workflow_loader(reader& r, const organisation& org, bool org_known, workflow& out)
      : r_(r), org_(org), org_known_(org_known), wf_(out) {
    tiers_ = ids_of(org.ladder);
    for (const team& t : org.teams) teams_.push_back(t.id);
    units_ = tiers_;
    units_.insert(units_.end(), teams_.begin(), teams_.end());
    roles_ = ids_of(org.roles);
    calendars_ = ids_of(org.calendars);
  }

  void load(const yaml_node& root) {
    const auto f = check_keys(
        r_, root,
        {"workflow", "title", "version", "effective", "ticket_types", "calendar", "fields",
         "classifications", "deadlines", "states", "routing", "escalations"},
        {"workflow", "version", "effective", "ticket_types", "calendar", "states", "routing"});
    if (const auto* key = f.key("workflow")) {
      wf_.where = r_.pos(*key);
      if (auto id = identifier(r_, *f["workflow"], quoted("workflow"))) wf_.id = *id;
    }
    if (const auto* n = f["title"]) {
      if (auto t = scalar(r_, *n, quoted("title"))) wf_.title = *t;
    }
    if (const auto* n = f["version"]) version(*n);
    if (const auto* n = f["effective"]) {
      if (const auto d = date_value(r_, *n, quoted("effective"))) wf_.effective = *d;
    }
    if (const auto* n = f["ticket_types"]) {
      for (auto& e : identifier_list(r_, *n, "ticket_types", "ticket type", true))
        wf_.ticket_types.push_back(std::move(e.id));
    }
    if (const auto* n = f["calendar"]) {
      if (auto c = scalar(r_, *n, quoted("calendar"))) {
        org_reference(*n, *c, "calendar", calendars_);
        wf_.calendar = *c;
      }
    }
    if (const auto* n = f["fields"];
        n && r_.expect(*n, yaml_node::kind::mapping, quoted("fields"))) {
      for (const yaml_entry* e : scalar_keyed(r_, *n))
        if (auto a = load_attribute(r_, *e, attribute_scope::ticket, org_))
          wf_.fields.push_back(std::move(*a));
    }
    scope_ =
        condition_scope{&org_, org_known_, &wf_.fields, &wf_.ticket_types, &action_ids_, false};

    const std::size_t errors_before = r_.errors();
    // Before the states: their actions name the classifications.
    if (const auto* n = f["classifications"]) classifications(*n);
    if (const auto* n = f["states"]) states(*n, *f.key("states"));
    if (const auto* n = f["deadlines"]) deadlines(*n);
    if (const auto* n = f["routing"]) routing(*n);
    if (const auto* n = f["escalations"]) escalations(*n);
    // Only on a clean file: a misspelt `classify` would otherwise also
    // warn that the classification it meant is never recorded.
    if (r_.errors() == errors_before) unrecorded_classifications();
  }

 private:
  /// Reports an unknown reference into the organisation; with no
  /// organisation loaded, nothing can be checked.
  bool org_reference(const yaml_node& at, std::string_view id, std::string_view what,
                     const std::vector<std::string>& candidates) {
    if (!org_known_) return true;
    return check_reference(r_, at, id, what, candidates);
  }

  void version(const yaml_node& n) {
    const auto text = scalar(r_, n, quoted("version"));
    if (!text) return;
    const auto v = parse_integer(*text);
    if (!v || *v < 1 || *v > std::numeric_limits<std::uint32_t>::max() || text->front() == '+') {
      r_.error(n, msg::invalid_version(*text));
      return;
    }
    wf_.version = static_cast<std::uint32_t>(*v);
  }

  /// `at_open`: the condition is evaluated when a ticket opens.
  std::optional<condition> when(const yaml_node& n, bool at_open,
                                std::optional<bool>* constant = nullptr) {
    scope_.at_open = at_open;
    auto c = load_condition(r_, n, scope_);
    if (!c) return std::nullopt;
    if (constant != nullptr) *constant = c->constant;
    return std::move(c->cond);
  }

  // --- Classifications ---------------------------------------------------------------

  /// `classifications: { NAME: [value, …] }`: what actions may record for
  /// the reports to group by.
  void classifications(const yaml_node& n) {
    if (!r_.expect(n, yaml_node::kind::mapping, quoted("classifications"))) return;
    for (const yaml_entry* e : scalar_keyed(r_, n)) {
      classification c;
      c.id = e->key.text;
      c.where = r_.pos(e->key);
      if (!is_identifier(c.id)) r_.error(e->key, msg::invalid_identifier(c.id));
      for (auto& v : identifier_list(r_, e->value, c.id, "classification value", true))
        c.values.push_back(std::move(v.id));
      classification_keys_.push_back(&e->key);
      wf_.classifications.push_back(std::move(c));
    }
  }

  /// `classify: NAME` (the actor gives the value) or `classify: { NAME:
  /// VALUE }` (the definition fixes it).
  void classify(const yaml_node& n, tierflow::action& out) {
    const std::vector<std::string> names = ids_of(wf_.classifications);
    if (n.is_scalar()) {
      if (check_reference(r_, n, n.text, "classification", names)) out.classifies = n.text;
      return;
    }
    if (!n.is_mapping()) {
      r_.error(n, msg::wrong_kind(quoted("classify"), "a classification or a mapping",
                                  node_kind_name(n.type)));
      return;
    }
    if (n.entries.size() != 1) {
      r_.error(n, msg::classify_one_entry());
      return;
    }
    const auto entries = scalar_keyed(r_, n);
    if (entries.empty()) return;
    const yaml_entry& e = *entries.front();
    if (!check_reference(r_, e.key, e.key.text, "classification", names)) return;
    const auto value = scalar(r_, e.value, quoted(e.key.text));
    if (!value) return;
    const classification& c = *wf_.find_classification(e.key.text);
    if (!c.allows(*value)) {
      r_.error(e.value,
               msg::not_a_classification_value(*value, c.id, did_you_mean(*value, c.values)));
      return;
    }
    out.classifies = c.id;
    out.classification_value = *value;
  }

  /// A classification no action records: a report grouped by it would
  /// only ever show "no value".
  void unrecorded_classifications() {
    for (std::size_t i = 0; i < wf_.classifications.size(); ++i) {
      const std::string& id = wf_.classifications[i].id;
      bool recorded = false;
      for (const tierflow::state& s : wf_.states)
        for (const tierflow::action& a : s.actions) recorded = recorded || a.classifies == id;
      if (!recorded) r_.warning(*classification_keys_[i], msg::classification_never_recorded(id));
    }
  }

  // --- States and actions ------------------------------------------------------------

  void states(const yaml_node& n, const yaml_node& key) {
    if (!r_.expect(n, yaml_node::kind::mapping, quoted("states"))) return;
    if (n.entries.empty()) {
      r_.error(n, msg::must_not_be_empty(quoted("states")));
      return;
    }
    // All ids first: actions refer to states declared after them.
    const auto entries = scalar_keyed(r_, n);
    for (const yaml_entry* e : entries) state_ids_.push_back(e->key.text);
    for (const yaml_entry* e : entries) load_state(*e);
    // An `initial:` that did not parse was reported already.
    if (wf_.initial == npos && !bad_initial_) r_.error(key, msg::no_initial_state());
  }

  void load_state(const yaml_entry& e) {
    wf_.states.emplace_back();
    const std::size_t index = wf_.states.size() - 1;
    wf_.states[index].id = e.key.text;
    wf_.states[index].where = r_.pos(e.key);
    if (!is_identifier(e.key.text)) r_.error(e.key, msg::invalid_identifier(e.key.text));
    if (!r_.expect(e.value, yaml_node::kind::mapping, "state " + quoted(e.key.text))) return;

    const auto f =
        check_keys(r_, e.value,
                   {"description", "initial", "terminal", "pauses_clock", "limit", "actions"}, {});
    state_flags(f, index);
    if (const auto* n = f["actions"];
        n && r_.expect(*n, yaml_node::kind::mapping, quoted("actions"))) {
      if (wf_.states[index].terminal && !n->entries.empty())
        r_.error(*f.key("actions"), msg::terminal_with_actions(e.key.text));
      for (const yaml_entry* a : scalar_keyed(r_, *n)) {
        if (auto act = load_action(*a)) wf_.states[index].actions.push_back(std::move(*act));
      }
    }
  }

  void state_flags(const mapping_fields& f, std::size_t index) {
    tierflow::state& s = wf_.states[index];
    if (const auto* n = f["description"]) {
      if (auto t = scalar(r_, *n, quoted("description"))) s.description = *t;
    }
    if (const auto* n = f["initial"]) {
      const auto b = boolean(r_, *n, quoted("initial"));
      bad_initial_ = bad_initial_ || !b;
      if (b && *b) {
        s.initial = true;
        if (wf_.initial == npos)
          wf_.initial = index;
        else
          r_.error(*f.key("initial"), msg::two_initial_states(wf_.states[wf_.initial].id, s.id));
      }
    }
    if (const auto* n = f["terminal"])
      s.terminal = boolean(r_, *n, quoted("terminal")).value_or(false);
    if (const auto* n = f["pauses_clock"])
      s.pauses_clock = boolean(r_, *n, quoted("pauses_clock")).value_or(false);
    if (const auto* n = f["limit"]) s.limit = duration_value(r_, *n, quoted("limit"));
  }

  std::optional<tierflow::action> load_action(const yaml_entry& e) {
    tierflow::action out;
    out.id = e.key.text;
    out.where = r_.pos(e.key);
    if (!is_identifier(out.id)) r_.error(e.key, msg::invalid_identifier(out.id));
    action_ids_.push_back(out.id);
    if (!r_.expect(e.value, yaml_node::kind::mapping, "action " + quoted(out.id)))
      return std::nullopt;

    const auto f = check_keys(
        r_, e.value,
        {"by", "to", "claim", "note", "classify", "handoff", "return", "escalate", "reroute"},
        {"by"});
    if (const auto* n = f["by"]) {
      if (const auto* items = sequence(r_, *n, quoted("by"), true)) {
        for (const yaml_node& item : *items) {
          const auto role_id = scalar(r_, item, "an entry of 'by'");
          if (!role_id) continue;
          org_reference(item, *role_id, "role", roles_);
          out.by.push_back(*role_id);
        }
      }
    }
    if (const auto* n = f["to"]) {
      if (auto to = scalar(r_, *n, quoted("to"))) {
        out.to = *to;
        out.to_index = state_reference(*n, *to);
      }
    }
    if (const auto* n = f["claim"]) out.claims = boolean(r_, *n, quoted("claim")).value_or(false);
    if (const auto* n = f["note"]) out.needs_note = boolean(r_, *n, quoted("note")).value_or(false);
    if (const auto* n = f["classify"]) classify(*n, out);

    // At most one effect; the second one named is the mistake.
    std::string_view first_effect;
    for (const yaml_entry* entry : f.entries()) {
      const std::string& key = entry->key.text;
      if (std::find(effect_keys.begin(), effect_keys.end(), key) == effect_keys.end()) continue;
      action_effect effect = action_effect::none;
      std::string target;
      if (key == "handoff") {
        if (auto team_id = scalar(r_, entry->value, quoted(key))) {
          org_reference(entry->value, *team_id, "team", teams_);
          effect = action_effect::handoff;
          target = *team_id;
        }
      } else if (key == "escalate") {
        if (auto tier_id = scalar(r_, entry->value, quoted(key))) {
          escalate_target(entry->value, *tier_id);
          effect = action_effect::escalate;
          target = *tier_id;
        }
      } else if (const auto on = boolean(r_, entry->value, quoted(key)); on && *on) {
        effect = key == "return" ? action_effect::give_back : action_effect::reroute;
      }
      if (effect == action_effect::none) continue;
      if (!first_effect.empty()) {
        r_.error(entry->key, msg::combined_effects(first_effect, key));
        continue;
      }
      first_effect = key;
      out.effect = effect;
      out.target = std::move(target);
    }
    return out;
  }

  std::size_t state_reference(const yaml_node& at, std::string_view id) {
    if (!check_reference(r_, at, id, "state", state_ids_)) return npos;
    // States are pushed in the order of state_ids_; later ones may not be
    // loaded yet.
    return static_cast<std::size_t>(std::find(state_ids_.begin(), state_ids_.end(), id) -
                                    state_ids_.begin());
  }

  void escalate_target(const yaml_node& at, std::string_view id) {
    if (id == "next" || !org_known_) return;
    std::vector<std::string> candidates = tiers_;
    candidates.emplace_back("next");
    if (std::find(tiers_.begin(), tiers_.end(), id) == tiers_.end())
      r_.error(at, msg::unknown("tier", id, did_you_mean(id, candidates)));
  }

  // --- Deadlines ------------------------------------------------------------------------------

  void deadlines(const yaml_node& n) {
    if (!r_.expect(n, yaml_node::kind::mapping, quoted("deadlines"))) return;
    for (const yaml_entry* e : scalar_keyed(r_, n)) load_deadline(*e);
  }

  void load_deadline(const yaml_entry& e) {
    tierflow::deadline d;
    d.id = e.key.text;
    d.where = r_.pos(e.key);
    if (!is_identifier(d.id)) r_.error(e.key, msg::invalid_identifier(d.id));
    const yaml_node& v = e.value;
    if (v.is_scalar()) {  // `resolve: 5bd`
      if (const auto within = duration_value(r_, v, quoted(d.id)))
        d.cases.push_back({std::nullopt, *within, r_.pos(v)});
      wf_.deadlines.push_back(std::move(d));
      return;
    }
    if (!v.is_mapping()) {
      r_.error(v, msg::wrong_kind(quoted(d.id), "a duration or a mapping", node_kind_name(v.type)));
      wf_.deadlines.push_back(std::move(d));
      return;
    }
    const auto f = check_keys(r_, v, {"within", "cases", "from", "until", "calendar"}, {});
    const yaml_node* within = f["within"];
    const yaml_node* cases = f["cases"];
    if (within != nullptr && cases != nullptr)
      r_.error(*f.key("cases"), msg::within_and_cases());
    else if (within == nullptr && cases == nullptr)
      r_.error(v, msg::within_or_cases());
    if (within != nullptr) {
      if (const auto w = duration_value(r_, *within, quoted("within")))
        d.cases.push_back({std::nullopt, *w, r_.pos(*within)});
    }
    if (cases != nullptr && within == nullptr) deadline_cases(*cases, d);
    if (const auto* n = f["from"]) {
      if (auto from = scalar(r_, *n, quoted("from"))) {
        d.from = *from;
        d.from_index = state_reference(*n, *from);
      }
    }
    if (const auto* n = f["until"]) {
      if (const auto* items = sequence(r_, *n, quoted("until"), true)) {
        for (const yaml_node& item : *items) {
          const auto id = scalar(r_, item, "an entry of 'until'");
          if (!id) continue;
          d.until.push_back(*id);
          d.until_index.push_back(state_reference(item, *id));
        }
      }
    }
    if (const auto* n = f["calendar"]) {
      if (auto c = scalar(r_, *n, quoted("calendar"))) {
        org_reference(*n, *c, "calendar", calendars_);
        d.calendar = *c;
      }
    }
    wf_.deadlines.push_back(std::move(d));
  }

  void deadline_cases(const yaml_node& n, tierflow::deadline& d) {
    const auto* items = sequence(r_, n, quoted("cases"), true);
    if (items == nullptr) return;
    for (const yaml_node& item : *items) {
      if (!r_.expect(item, yaml_node::kind::mapping, "a deadline case")) continue;
      const auto f = check_keys(r_, item, {"when", "within"}, {"within"});
      deadline_case c;
      c.where = r_.pos(item);
      if (const auto* w = f["when"]) c.when = when(*w, true);
      const yaml_node* within = f["within"];
      const auto length =
          within != nullptr ? duration_value(r_, *within, quoted("within")) : std::nullopt;
      if (length) c.within = *length;
      // A case whose `when` failed to load is kept conditional: dropping
      // the condition would turn it into an unconditional default.
      if (length && (f["when"] == nullptr || c.when)) d.cases.push_back(std::move(c));
    }
    const yaml_node& last = items->back();
    if (last.is_mapping() && std::any_of(last.entries.begin(), last.entries.end(),
                                         [](const yaml_entry& e) { return e.key.text == "when"; }))
      r_.error(last, msg::no_default_case(d.id));
  }

  // --- Routing
  // -------------------------------------------------------------------------------------

  void routing(const yaml_node& n) {
    const auto* items = sequence(r_, n, quoted("routing"), true);
    if (items == nullptr) return;
    std::set<std::string> ids;
    std::optional<std::size_t> always;  // the first rule that always matches
    for (const yaml_node& item : *items) {
      if (!r_.expect(item, yaml_node::kind::mapping, "a routing rule")) continue;
      const auto f = check_keys(r_, item, {"id", "when", "assign"}, {"id", "assign"});
      routing_rule rule;
      rule.where = r_.pos(item);
      if (const auto* id = f["id"]) {
        if (auto text = identifier(r_, *id, quoted("id"))) {
          if (!ids.insert(*text).second) r_.error(*id, msg::duplicate("routing rule", *text));
          rule.id = *text;
        }
      }
      bool always_matches = f["when"] == nullptr;
      if (const auto* w = f["when"]) {
        std::optional<bool> constant;
        rule.when = when(*w, true, &constant);
        always_matches = constant == true;
      }
      if (const auto* a = f["assign"]) {
        if (auto unit = scalar(r_, *a, quoted("assign"))) {
          org_reference(*a, *unit, "tier or team", units_);
          rule.assign = *unit;
          rule.assign_where = r_.pos(*a);
        }
      }
      if (always) r_.warning(item, msg::shadowed_rule(rule.id, wf_.routing[*always].id));
      wf_.routing.push_back(std::move(rule));
      if (always_matches && !always) always = wf_.routing.size() - 1;
    }
    // The catch-all is reported at the last rule: that is where a `when`
    // must go, or a rule without one be added after.
    const yaml_node& last = items->back();
    if (last.is_mapping() && std::any_of(last.entries.begin(), last.entries.end(),
                                         [](const yaml_entry& e) { return e.key.text == "when"; }))
      r_.error(last, msg::no_catch_all());
  }

  // --- Escalation
  // ------------------------------------------------------------------------------------

  void escalations(const yaml_node& n) {
    const auto* items = sequence(r_, n, quoted("escalations"), false);
    if (items == nullptr) return;
    std::set<std::string> ids;
    for (const yaml_node& item : *items) {
      if (!r_.expect(item, yaml_node::kind::mapping, "an escalation rule")) continue;
      escalation_rule rule;
      rule.where = r_.pos(item);
      const auto f = check_keys(
          r_, item, {"id", "on", "action", "deadline", "at", "after", "when", "from", "do"},
          {"id", "on", "do"});
      if (const auto* id = f["id"]) {
        if (auto text = identifier(r_, *id, quoted("id"))) {
          if (!ids.insert(*text).second) r_.error(*id, msg::duplicate("escalation rule", *text));
          rule.id = *text;
        }
      }
      std::optional<trigger> on;
      if (const auto* n_on = f["on"]) {
        if (const auto text = scalar(r_, *n_on, quoted("on"))) {
          const auto it = std::find(trigger_names.begin(), trigger_names.end(), *text);
          if (it != trigger_names.end())
            on = static_cast<trigger>(it - trigger_names.begin());
          else
            r_.error(*n_on, msg::unknown("trigger", *text, did_you_mean(*text, trigger_names)));
        }
      }
      if (on) {
        rule.on = *on;
        trigger_keys(f, item, *on, rule);
      }
      if (const auto* w = f["when"]) rule.when = when(*w, on == trigger::open);
      if (const auto* from = f["from"]) {
        if (const auto* tiers = sequence(r_, *from, quoted("from"), true)) {
          for (const yaml_node& t : *tiers) {
            const auto id = scalar(r_, t, "an entry of 'from'");
            if (!id) continue;
            org_reference(t, *id, "tier", tiers_);
            rule.from_tiers.push_back(*id);
          }
        }
      }
      if (const auto* steps = f["do"]) {
        if (const auto* list = sequence(r_, *steps, quoted("do"), true))
          for (const yaml_node& s : *list)
            if (auto st = load_step(s)) rule.steps.push_back(std::move(*st));
      }
      wf_.escalations.push_back(std::move(rule));
    }
  }

  /// The keys that belong to one trigger: required with it, wrong with
  /// another.
  void trigger_keys(const mapping_fields& f, const yaml_node& item, trigger on,
                    escalation_rule& rule) {
    const std::string_view on_name = trigger_names[static_cast<std::size_t>(on)];
    const auto fits = [&](std::string_view key, bool ok, bool required) {
      const yaml_node* k = f.key(key);
      if (k != nullptr && !ok) r_.error(*k, msg::key_does_not_fit_trigger(key, on_name));
      if (k == nullptr && ok && required) r_.error(item, msg::missing_key(key));
      return k != nullptr && ok;
    };
    if (fits("action", on == trigger::action, true)) {
      if (auto a = scalar(r_, *f["action"], quoted("action"))) {
        check_reference(r_, *f["action"], *a, "action", action_ids_);
        rule.action = *a;
      }
    }
    const bool deadline_trigger = on == trigger::warning || on == trigger::breach;
    if (fits("deadline", deadline_trigger, true)) {
      if (auto d = scalar(r_, *f["deadline"], quoted("deadline"))) {
        std::vector<std::string> candidates = ids_of(wf_.deadlines);
        candidates.emplace_back("step");
        check_reference(r_, *f["deadline"], *d, "deadline", candidates);
        rule.deadline = *d;
      }
    }
    if (fits("at", on == trigger::warning, true)) {
      if (const auto p = percentage(*f["at"])) rule.percent = *p;
    }
    if (fits("after", on == trigger::breach, false))
      rule.after = duration_value(r_, *f["after"], quoted("after"));
  }

  std::optional<std::uint32_t> percentage(const yaml_node& n) {
    const auto text = scalar(r_, n, quoted("at"));
    if (!text) return std::nullopt;
    std::optional<std::int64_t> v;
    if (text->size() >= 2 && text->back() == '%' && (*text)[0] >= '0' && (*text)[0] <= '9')
      v = parse_integer(std::string_view(*text).substr(0, text->size() - 1));
    if (!v || *v < 1 || *v > 99) {
      r_.error(n, msg::invalid_percentage(*text));
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(*v);
  }

  std::optional<escalation_step> load_step(const yaml_node& n) {
    if (!r_.expect(n, yaml_node::kind::mapping, "an escalation step")) return std::nullopt;
    if (n.entries.empty()) {
      r_.error(n, msg::must_not_be_empty("an escalation step"));
      return std::nullopt;
    }
    const auto entries = scalar_keyed(r_, n);
    std::optional<escalation_step> out;
    for (const yaml_entry* e : entries) {
      const std::string& key = e->key.text;
      const auto it = std::find(step_names.begin(), step_names.end(), key);
      if (it == step_names.end()) {
        r_.error(e->key, msg::unknown_key(key, did_you_mean(key, step_names)));
        continue;
      }
      if (out) {
        r_.error(e->key, msg::one_step_per_item(key));
        continue;
      }
      const auto target = scalar(r_, e->value, quoted(key));
      if (!target) continue;
      escalation_step s;
      s.what = static_cast<escalation_step::kind>(it - step_names.begin());
      s.target = *target;
      s.where = r_.pos(n);
      switch (s.what) {
        case escalation_step::kind::notify: notify_target(e->value, *target); break;
        case escalation_step::kind::escalate: escalate_target(e->value, *target); break;
        case escalation_step::kind::handoff:
          org_reference(e->value, *target, "team", teams_);
          break;
        case escalation_step::kind::flag:
          if (!is_identifier(*target)) r_.error(e->value, msg::invalid_identifier(*target));
          break;
      }
      out = std::move(s);
    }
    return out;
  }

  void notify_target(const yaml_node& at, std::string_view id) {
    std::vector<std::string> candidates{"owner", "assignee"};
    candidates.insert(candidates.end(), units_.begin(), units_.end());
    candidates.insert(candidates.end(), roles_.begin(), roles_.end());
    if (!org_known_ && id != "owner" && id != "assignee") return;
    check_reference(r_, at, id, "notify target", candidates);
  }

  reader& r_;
  const organisation& org_;
  bool org_known_;
  workflow& wf_;
  condition_scope scope_;
  std::vector<std::string> tiers_, teams_, units_, roles_, calendars_;
  std::vector<std::string> state_ids_;
  std::vector<std::string> action_ids_;
  /// The key of each classification, in wf_.classifications' order: where
  /// a warning about it goes.
  std::vector<const yaml_node*> classification_keys_;
  bool bad_initial_ = false;
};

}  // namespace

void load_workflow(reader& r, const yaml_node& root, const organisation& org, bool org_known,
                   workflow& out) {
  workflow_loader(r, org, org_known, out).load(root);
}

}  // namespace tierflow::detail
