// SPDX-License-Identifier: MIT
// The sections of a simulation scenario about the work: who is on the staff
// (`staff`), how long actions take (`handling`), how decisions go
// (`decisions`) and how long tickets wait for the customer (`waits`), each
// checked against the catalog's roles, calendars, workflows, states,
// actions and classifications.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "language/load_common.hpp"
#include "language/messages.hpp"
#include "simulation/load_messages.hpp"
#include "simulation/load_parts.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail::sim_loading {

namespace {

/// The ids of the catalog's workflows, each once.
std::vector<std::string> workflow_ids(const catalog& cat) {
  std::vector<std::string> out;
  for (const workflow& w : cat.workflows)
    if (std::find(out.begin(), out.end(), w.id) == out.end()) out.push_back(w.id);
  return out;
}

/// A state and the workflow version it is of.
struct found_state {
  const workflow* flow = nullptr;
  const state* st = nullptr;
};

/// The newest version of `flow_id` that has state `state_id` (both null
/// when none has).
found_state find_state(const catalog& cat, std::string_view flow_id, std::string_view state_id) {
  found_state best;
  for (const workflow& w : cat.workflows) {
    if (w.id != flow_id || (best.flow != nullptr && w.version < best.flow->version)) continue;
    const std::size_t i = w.state_index(state_id);
    if (i == npos) continue;
    best = {&w, &w.states[i]};
  }
  return best;
}

/// The action `action_id` of any state of any version of `flow_id`.
bool has_action(const catalog& cat, std::string_view flow_id, std::string_view action_id) {
  for (const workflow& w : cat.workflows) {
    if (w.id != flow_id) continue;
    for (const state& s : w.states)
      for (const action& a : s.actions)
        if (a.id == action_id) return true;
  }
  return false;
}

/// Every action id of `flow_id`'s newest version, each once (for hints).
std::vector<std::string> action_ids(const workflow& w) {
  std::vector<std::string> out;
  for (const state& s : w.states)
    for (const action& a : s.actions)
      if (std::find(out.begin(), out.end(), a.id) == out.end()) out.push_back(a.id);
  return out;
}

/// A workflow key of `handling`, `decisions` or `waits`: its newest version,
/// or nullptr (reported).
const workflow* workflow_at(context& cx, const yaml_node& key) {
  const workflow* w = newest_workflow(cx.cat, key.text);
  if (w == nullptr)
    cx.r.error(key,
               msg::unknown("workflow", key.text, did_you_mean(key.text, workflow_ids(cx.cat))));
  return w;
}

/// A state key under a workflow: the state (newest version having it), or
/// none (reported).
found_state state_at(context& cx, const workflow& w, const yaml_node& key) {
  const found_state s = find_state(cx.cat, w.id, key.text);
  if (s.st == nullptr)
    cx.r.error(key, sim_msg::unknown_in_workflow("state", key.text, w.id,
                                                 did_you_mean(key.text, ids_of(w.states))));
  return s;
}

bool is_split(const organisation& org, std::string_view unit) {
  if (const tier* t = org.find_tier(unit)) return t->by_region;
  if (const team* t = org.find_team(unit)) return t->by_region;
  return false;
}

/// One outcome of a decision: `ACTION: WEIGHT` or `ACTION: { weight,
/// classification }`.
std::optional<choice> read_choice(context& cx, const workflow& w, const state& st,
                                  const yaml_entry& e) {
  reader& r = cx.r;
  const action* a = nullptr;
  for (const action& candidate : st.actions)
    if (candidate.id == e.key.text) a = &candidate;
  if (a == nullptr) {
    r.error(e.key, sim_msg::unknown_action_of_state(e.key.text, st.id, w.id,
                                                    did_you_mean(e.key.text, ids_of(st.actions))));
    return std::nullopt;
  }
  choice c;
  c.action = a->id;
  c.where = r.pos(e.key);
  const bool asks = !a->classifies.empty() && a->classification_value.empty();
  const yaml_node* weight = &e.value;
  const yaml_node* cls_node = nullptr;
  const yaml_node* classification_key = nullptr;
  if (e.value.is_mapping()) {
    const mapping_fields keys = check_keys(r, e.value, {"weight", "classification"}, {"weight"});
    weight = keys["weight"];
    cls_node = keys["classification"];
    classification_key = keys.key("classification");
  }
  bool ok = true;
  if (weight != nullptr) {
    if (const auto v = weight_value(r, *weight))
      c.weight = *v;
    else
      ok = false;
  } else {
    ok = false;  // reported by check_keys
  }
  if (cls_node != nullptr) {
    if (!asks) {
      r.error(*classification_key, sim_msg::takes_no_classification(a->id, w.id));
      return std::nullopt;
    }
    const tierflow::classification* cls = w.find_classification(a->classifies);
    if (r.expect(*cls_node, yaml_node::kind::mapping, detail::quoted("classification"))) {
      for (const yaml_entry* v : scalar_keyed(r, *cls_node)) {
        const bool known = cls != nullptr && cls->allows(v->key.text);
        if (!known)
          r.error(v->key, sim_msg::not_a_class_value(
                              v->key.text, a->classifies,
                              cls != nullptr ? did_you_mean(v->key.text, cls->values) : ""));
        const auto vw = weight_value(r, v->value);
        if (known && vw)
          c.classification.emplace_back(v->key.text, *vw);
        else
          ok = false;
      }
      if (cls_node->entries.empty())
        r.error(*cls_node, msg::must_not_be_empty(detail::quoted("classification")));
    }
    if (c.classification.empty()) ok = false;
  } else if (asks && ok) {
    std::string values;
    if (const tierflow::classification* cls = w.find_classification(a->classifies))
      for (const std::string& v : cls->values) values += (values.empty() ? "" : ", ") + v;
    r.error(e.key, sim_msg::classification_needed(a->id, a->classifies, values));
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return c;
}

}  // namespace

const workflow* newest_workflow(const catalog& cat, std::string_view id) {
  const workflow* best = nullptr;
  for (const workflow& w : cat.workflows)
    if (w.id == id && (best == nullptr || w.version > best->version)) best = &w;
  return best;
}

void read_staff(context& cx, const yaml_node& n, const std::vector<std::string>& calendars,
                scenario& out) {
  reader& r = cx.r;
  const organisation& org = cx.cat.org;
  const auto* items = sequence(r, n, detail::quoted("staff"), false);
  if (items == nullptr) return;
  const std::vector<std::string> roles = ids_of(org.roles);
  const std::vector<std::string> regions = ids_of(org.regions);
  for (const yaml_node& item : *items) {
    if (!r.expect(item, yaml_node::kind::mapping, "an entry of 'staff'")) continue;
    const mapping_fields keys =
        check_keys(r, item, {"role", "count", "calendar", "regions"}, {"role", "calendar"});
    staff_group g;
    g.where = r.pos(item);
    const role* ro = nullptr;
    if (const yaml_node* name = keys["role"]) {
      if (const auto text = scalar(r, *name, detail::quoted("role"))) {
        g.role = *text;
        // A role may have several groups: its day, evening and night shifts
        // (the runner numbers their people on from the previous group's).
        if (check_reference(r, *name, *text, "role", roles)) ro = org.find_role(*text);
      }
    }
    if (const yaml_node* count = keys["count"])
      if (const auto v = whole_in(r, *count, detail::quoted("count"), 0, max_staff))
        g.count = static_cast<std::uint32_t>(*v);
    if (const yaml_node* split = keys["regions"]) {
      if (ro != nullptr && !is_split(org, ro->unit)) {
        r.error(*keys.key("regions"), sim_msg::regions_not_split(ro->id, ro->unit));
      } else if (r.expect(*split, yaml_node::kind::mapping, detail::quoted("regions"))) {
        for (const yaml_entry* e : scalar_keyed(r, *split)) {
          const bool known = check_reference(r, e->key, e->key.text, "region", regions);
          const auto v = whole_in(r, e->value, fmt::format("'{}'", e->key.text), 0, max_staff);
          if (known && v) g.regions.emplace_back(e->key.text, static_cast<std::uint32_t>(*v));
        }
      }
    }
    if (keys["count"] == nullptr && keys["regions"] == nullptr)
      r.error(item, sim_msg::staff_needs_count());
    if (const yaml_node* cal = keys["calendar"]) {
      if (const auto text = scalar(r, *cal, detail::quoted("calendar"))) {
        (void)check_reference(r, *cal, *text, "calendar", calendars);
        g.calendar = *text;
      }
    }
    out.staff.push_back(std::move(g));
  }
}

void read_handling(context& cx, const yaml_node& n, scenario& out) {
  reader& r = cx.r;
  if (!r.expect(n, yaml_node::kind::mapping, detail::quoted("handling"))) return;
  for (const yaml_entry* e : scalar_keyed(r, n)) {
    if (e->key.text == "default") {
      if (auto t = read_time_distribution(cx, e->value, detail::quoted("default")))
        out.handling.push_back({"", "", std::move(*t), r.pos(e->key)});
      continue;
    }
    const workflow* w = workflow_at(cx, e->key);
    if (w == nullptr ||
        !r.expect(e->value, yaml_node::kind::mapping, fmt::format("handling of '{}'", w->id)))
      continue;
    for (const yaml_entry* a : scalar_keyed(r, e->value)) {
      const bool is_default = a->key.text == "default";
      if (!is_default && !has_action(cx.cat, w->id, a->key.text)) {
        std::vector<std::string> names = action_ids(*w);
        names.emplace_back("default");
        r.error(a->key, sim_msg::unknown_in_workflow("action", a->key.text, w->id,
                                                     did_you_mean(a->key.text, names)));
        continue;
      }
      if (auto t = read_time_distribution(cx, a->value, detail::quoted(a->key.text)))
        out.handling.push_back(
            {w->id, is_default ? std::string{} : a->key.text, std::move(*t), r.pos(a->key)});
    }
  }
}

void read_decisions(context& cx, const yaml_node& n, scenario& out, anchors& at) {
  reader& r = cx.r;
  if (!r.expect(n, yaml_node::kind::mapping, detail::quoted("decisions"))) return;
  for (const yaml_entry* e : scalar_keyed(r, n)) {
    const workflow* w = workflow_at(cx, e->key);
    if (w == nullptr) continue;
    at.decision_workflows.emplace_back(w->id, r.pos(e->key));
    if (!r.expect(e->value, yaml_node::kind::mapping, fmt::format("decisions of '{}'", w->id)))
      continue;
    for (const yaml_entry* s : scalar_keyed(r, e->value)) {
      const found_state fs = state_at(cx, *w, s->key);
      if (fs.st == nullptr) continue;
      // The version that has the state: its actions and classifications.
      const workflow* owner = fs.flow;
      const state* st = fs.st;
      if (!r.expect(s->value, yaml_node::kind::mapping, fmt::format("decisions of '{}'", st->id)))
        continue;
      if (s->value.entries.empty()) {
        r.error(s->value, msg::must_not_be_empty(fmt::format("decisions of '{}'", st->id)));
        continue;
      }
      decision d;
      d.workflow = w->id;
      d.state = st->id;
      d.where = r.pos(s->key);
      for (const yaml_entry* c : scalar_keyed(r, s->value))
        if (auto read = read_choice(cx, *owner, *st, *c)) d.choices.push_back(std::move(*read));
      out.decisions.push_back(std::move(d));
    }
  }
}

void read_waits(context& cx, const yaml_node& n, scenario& out) {
  reader& r = cx.r;
  if (!r.expect(n, yaml_node::kind::mapping, detail::quoted("waits"))) return;
  for (const yaml_entry* e : scalar_keyed(r, n)) {
    const workflow* w = workflow_at(cx, e->key);
    if (w == nullptr ||
        !r.expect(e->value, yaml_node::kind::mapping, fmt::format("waits of '{}'", w->id)))
      continue;
    for (const yaml_entry* s : scalar_keyed(r, e->value)) {
      const found_state fs = state_at(cx, *w, s->key);
      if (fs.st == nullptr) continue;
      if (auto t = read_time_distribution(cx, s->value, detail::quoted(fs.st->id)))
        out.waits.push_back({w->id, fs.st->id, std::move(*t), r.pos(s->key)});
    }
  }
}

}  // namespace tierflow::detail::sim_loading
