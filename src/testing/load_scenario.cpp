// SPDX-License-Identifier: MIT
// Scenario files (`*.test.yaml`) to tierflow::testing::scenario_file: the
// file's fixtures, its cases (tables expanded) with their tickets and
// history, every problem a diagnostic at the node it is about. The steps are
// read by load_scenario_steps.cpp, the tables expanded by
// load_scenario_examples.cpp. The format is documented in workflows/README.md.
#include <algorithm>
#include <exception>
#include <filesystem>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/scenario.hpp>

#include "engine/input_rules.hpp"
#include "language/load_common.hpp"
#include "language/load_ticket.hpp"
#include "language/load_yaml.hpp"
#include "language/messages.hpp"
#include "language/read_source.hpp"
#include "testing/load_scenario_messages.hpp"
#include "testing/load_scenario_parts.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail::scenario_loading {

std::optional<actor> read_actor(reader& r, const yaml_node& n, const organisation& org) {
  const std::size_t errors_before = r.errors();
  const mapping_fields keys = check_keys(r, n, {"id", "roles", "region"}, {"id", "roles"});
  actor out;
  if (const yaml_node* id = keys["id"]) {
    if (auto text = bounded_text(r, *id, "the actor 'id'", max_id_bytes)) {
      if (text->empty())
        r.error(*id, msg::must_not_be_empty("the actor 'id'"));
      else if (reserved_actor_id(*text))
        r.error(*id, scenario_msg::reserved_actor(*text));
      out.id = std::move(*text);
    }
  }
  if (const yaml_node* roles = keys["roles"]) {
    if (const auto* items = sequence(r, *roles, quoted("roles"), false)) {
      for (const yaml_node& item : *items) {
        const auto role = scalar(r, item, "an entry of 'roles'");
        if (!role) continue;
        (void)check_reference(r, item, *role, "role", ids_of(org.roles));
        out.roles.push_back(*role);
      }
    }
  }
  if (const yaml_node* region = keys["region"]) {
    if (const auto text = scalar(r, *region, quoted("region"))) {
      (void)check_reference(r, *region, *text, "region", ids_of(org.regions));
      out.region = *text;
    }
  }
  if (r.errors() != errors_before) return std::nullopt;
  return out;
}

std::string person_id(const fixtures& fx, const std::string& text) {
  const auto found = fx.actors.find(text);
  return found != fx.actors.end() ? found->second.id : text;
}

std::optional<timestamp> read_instant(reader& r, const yaml_node& n, std::string_view what,
                                      std::chrono::minutes utc_offset) {
  const auto text = scalar(r, n, what);
  if (!text) return std::nullopt;
  const auto t = parse_local_instant(*text, utc_offset);
  if (!t) {
    r.error(n, scenario_msg::invalid_instant(*text, format_utc_offset(utc_offset)));
    return std::nullopt;
  }
  return *t;
}

namespace {

using testing::history_entry;
using testing::scenario;
using testing::scenario_file;

template <class Map>
std::vector<std::string> names_of(const Map& map) {
  std::vector<std::string> out;
  for (const auto& entry : map) out.push_back(entry.first);
  return out;
}

/// The file's `customers` and `actors`.
void read_fixtures(reader& r, const mapping_fields& top, const organisation& org, fixtures& out) {
  if (const yaml_node* customers = top["customers"];
      customers != nullptr && r.expect(*customers, yaml_node::kind::mapping, quoted("customers"))) {
    for (const yaml_entry* e : scalar_keyed(r, *customers)) {
      customer_fixture fixture;
      if (r.expect(e->value, yaml_node::kind::mapping, fmt::format("customer '{}'", e->key.text))) {
        open_request req;
        read_customer(r, e->value, org, req);
        fixture.id = std::move(req.customer_id);
        fixture.attributes = std::move(req.customer);
      }
      // Known even when broken, so that cases naming it do not cascade.
      out.customers.emplace(e->key.text, std::move(fixture));
    }
  }
  if (const yaml_node* actors = top["actors"];
      actors != nullptr && r.expect(*actors, yaml_node::kind::mapping, quoted("actors"))) {
    for (const yaml_entry* e : scalar_keyed(r, *actors)) {
      actor a;
      if (r.expect(e->value, yaml_node::kind::mapping, fmt::format("actor '{}'", e->key.text)))
        if (auto read = read_actor(r, e->value, org)) a = std::move(*read);
      out.actors.emplace(e->key.text, std::move(a));
    }
  }
}

/// `equivalent_mutants`: ids of the form WORKFLOW@VERSION:KIND:…, each with
/// its reason.
void read_equivalent(reader& r, const yaml_node& n, const catalog& cat,
                     std::vector<testing::equivalent_mutant>& out) {
  const auto* items = sequence(r, n, quoted("equivalent_mutants"), false);
  if (items == nullptr) return;
  const std::vector<std::string> kinds{"negate_condition", "move_threshold", "swap_target",
                                       "lengthen_deadline", "drop_step"};
  std::set<std::string> seen;
  for (const yaml_node& item : *items) {
    if (!r.expect(item, yaml_node::kind::mapping, "an entry of 'equivalent_mutants'")) continue;
    const mapping_fields keys = check_keys(r, item, {"mutant", "why"}, {"mutant", "why"});
    testing::equivalent_mutant m;
    m.where = r.pos(item);
    const auto id = keys["mutant"] ? scalar(r, *keys["mutant"], quoted("mutant")) : std::nullopt;
    const auto why = keys["why"] ? scalar(r, *keys["why"], quoted("why")) : std::nullopt;
    if (why && why->empty()) r.error(*keys["why"], msg::must_not_be_empty(quoted("why")));
    if (!id) continue;
    // WORKFLOW@VERSION:KIND:RULE[:DETAIL] (tierflow/mutation.hpp).
    const std::size_t at = id->find('@');
    const std::size_t colon = id->find(':');
    const std::size_t colon2 = colon == std::string::npos ? colon : id->find(':', colon + 1);
    const yaml_node& at_node = *keys["mutant"];
    if (at == std::string::npos || colon == std::string::npos || colon2 == std::string::npos ||
        at > colon) {
      r.error(at_node,
              fmt::format("invalid mutant id '{}': expected WORKFLOW@VERSION:KIND:RULE", *id));
    } else {
      const std::string wf = id->substr(0, at);
      const auto version = parse_integer(id->substr(at + 1, colon - at - 1));
      const std::string kind = id->substr(colon + 1, colon2 - colon - 1);
      if (!version || *version <= 0 ||
          cat.find(wf, static_cast<std::uint32_t>(*version)) == nullptr) {
        std::vector<std::string> known;
        for (const workflow& w : cat.workflows)
          known.push_back(fmt::format("{}@{}", w.id, w.version));
        const std::string named = id->substr(0, colon);
        r.error(at_node, msg::unknown("workflow version", named, did_you_mean(named, known)));
      } else if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
        r.error(at_node, msg::unknown("mutation kind", kind, did_you_mean(kind, kinds)));
      }
    }
    if (!seen.insert(*id).second) r.error(at_node, msg::duplicate("mutant", *id));
    m.mutant = *id;
    if (why) m.why = *why;
    out.push_back(std::move(m));
  }
}

/// The workflow a ticket of `type` takes at `at`, or when the start is
/// unknown, the newest version serving the type (so that the steps are
/// still checked). Reports an unknown type.
const workflow* workflow_of(reader& r, const yaml_node& type_node, const std::string& type,
                            const catalog& cat, const std::optional<timestamp>& at) {
  if (at) return pick_workflow(r, type_node, type, cat, *at);
  const workflow* best = nullptr;
  std::vector<std::string> types;
  for (const workflow& w : cat.workflows) {
    for (const auto& t : w.ticket_types) types.push_back(t);
    if (w.serves(type) && (best == nullptr || w.version > best->version)) best = &w;
  }
  if (best == nullptr)
    r.error(type_node, msg::unknown("ticket type", type, did_you_mean(type, types)));
  return best;
}

/// The entries of a `customer` or `fields` mapping, without those a table
/// row left out with `~`, and without the keys in `skip`.
std::vector<const yaml_entry*> given_entries(reader& r, const yaml_node& map,
                                             const case_scope& scope,
                                             std::initializer_list<std::string_view> skip = {}) {
  std::vector<const yaml_entry*> out;
  for (const yaml_entry* e : scalar_keyed(r, map)) {
    if (scope.is_omitted(e->value)) continue;
    if (std::find(skip.begin(), skip.end(), e->key.text) != skip.end()) continue;
    out.push_back(e);
  }
  return out;
}

/// `customer:` of a case's ticket: a fixture's name, an inline customer, or
/// `{ fixture: NAME, … }`, the fixture with attributes overridden (a `~`
/// from a table row removes the fixture's attribute).
void read_case_customer(reader& r, const yaml_node& n, const case_scope& scope, open_request& out) {
  const fixtures& fx = *scope.fx;
  const organisation& org = scope.cat->org;
  const auto fixture = [&](const yaml_node& name_node) -> const customer_fixture* {
    const auto name = scalar(r, name_node, "a customer fixture's name");
    if (!name) return nullptr;
    const auto found = fx.customers.find(*name);
    if (found != fx.customers.end()) return &found->second;
    r.error(name_node,
            msg::unknown("customer fixture", *name, did_you_mean(*name, names_of(fx.customers))));
    return nullptr;
  };
  if (n.is_scalar()) {
    if (const customer_fixture* f = fixture(n)) {
      out.customer_id = f->id;
      out.customer = f->attributes;
    }
    return;
  }
  if (!r.expect(n, yaml_node::kind::mapping, quoted("customer"))) return;
  const yaml_node* fixture_node = nullptr;
  for (const yaml_entry& e : n.entries)
    if (e.key.is_scalar() && e.key.text == "fixture") fixture_node = &e.value;
  if (fixture_node == nullptr) {
    yaml_node given = n;
    given.entries.clear();
    for (const yaml_entry* e : given_entries(r, n, scope)) given.entries.push_back(*e);
    read_customer(r, given, org, out);
    return;
  }
  if (const customer_fixture* f = fixture(*fixture_node)) {
    out.customer_id = f->id;
    out.customer = f->attributes;
  }
  for (const yaml_entry& e : n.entries) {
    if (!e.key.is_scalar() || !scope.is_omitted(e.value)) continue;
    std::erase_if(out.customer, [&](const auto& attr) { return attr.first == e.key.text; });
  }
  const std::vector<const yaml_entry*> entries = given_entries(r, n, scope, {"fixture"});
  std::vector<const yaml_entry*> attributes;
  for (const yaml_entry* e : entries) {
    if (e->key.text != "id") {
      attributes.push_back(e);
      continue;
    }
    if (auto text = bounded_text(r, e->value, "the customer 'id'", max_id_bytes)) {
      if (text->empty()) r.error(e->value, "the customer 'id' must not be empty");
      out.customer_id = std::move(*text);
    }
  }
  attribute_values overrides;
  read_values(r, attributes, org.customer_attributes, "customer", "customer attribute",
              {"id", "fixture"}, overrides);
  for (auto& given : overrides) {
    std::erase_if(out.customer, [&](const auto& attr) { return attr.first == given.first; });
    out.customer.push_back(std::move(given));
  }
}

/// A case's `ticket`; sets scope.flow to its workflow.
void read_ticket(reader& r, const yaml_node& n, const std::optional<timestamp>& start,
                 case_scope& scope, const fixtures& fx, open_request& out) {
  const catalog& cat = *scope.cat;
  const mapping_fields keys = check_keys(
      r, n, {"type", "channel", "customer", "fields", "description", "external_ref", "opened_by"},
      {"type", "channel", "customer"});
  if (const yaml_node* type = keys["type"]) {
    if (const auto text = scalar(r, *type, quoted("type"))) {
      out.type = *text;
      scope.flow = workflow_of(r, *type, *text, cat, start);
    }
  }
  if (const yaml_node* channel = keys["channel"]) {
    if (const auto text = scalar(r, *channel, quoted("channel"))) {
      out.channel = *text;
      if (!cat.org.channels.empty())
        (void)check_reference(r, *channel, *text, "channel", ids_of(cat.org.channels));
    }
  }
  if (const yaml_node* customer = keys["customer"]) read_case_customer(r, *customer, scope, out);
  if (const yaml_node* fields = keys["fields"]; fields != nullptr && !fields->is_null()) {
    if (r.expect(*fields, yaml_node::kind::mapping, quoted("fields")) && scope.flow != nullptr)
      read_values(r, given_entries(r, *fields, scope), scope.flow->fields, "ticket",
                  fmt::format("ticket field of workflow '{}'", scope.flow->id), {}, out.fields);
  }
  if (const yaml_node* description = keys["description"]) {
    if (auto text = bounded_text(r, *description, quoted("description"), max_text_bytes))
      out.description = std::move(*text);
  }
  if (const yaml_node* ref = keys["external_ref"]) {
    if (auto text = bounded_text(r, *ref, quoted("external_ref"), max_id_bytes))
      out.external_ref = std::move(*text);
  }
  if (const yaml_node* by = keys["opened_by"]) {
    if (auto text = bounded_text(r, *by, quoted("opened_by"), max_id_bytes)) {
      const std::string id = person_id(fx, *text);
      if (id.empty())
        r.error(*by, msg::must_not_be_empty(quoted("opened_by")));
      else if (reserved_actor_id(id))
        r.error(*by, scenario_msg::reserved_actor(id));
      out.opened_by = id;
    }
  }
}

/// One entry of a case's `history`.
std::optional<history_entry> read_history_entry(reader& r, const yaml_node& n,
                                                const std::optional<timestamp>& start,
                                                const case_scope& scope) {
  if (!r.expect(n, yaml_node::kind::mapping, "an entry of 'history'")) return std::nullopt;
  const catalog& cat = *scope.cat;
  const mapping_fields keys =
      check_keys(r, n, {"type", "ago", "closed", "channel", "fields"}, {"type", "ago"});
  history_entry out;
  out.where = r.pos(n);
  if (const yaml_node* ago = keys["ago"]) {
    if (const auto d = duration_value(r, *ago, quoted("ago"))) {
      if (d->is_business())
        r.error(*ago, scenario_msg::needs_calendar_units("ago", ago->text));
      else
        out.ago = *d;
    }
  }
  const workflow* flow = nullptr;
  if (const yaml_node* type = keys["type"]) {
    if (const auto text = scalar(r, *type, quoted("type"))) {
      out.type = *text;
      std::optional<timestamp> opened;
      if (start && out.ago.amount > 0)
        opened = *start - std::chrono::minutes{out.ago.calendar_minutes()};
      flow = workflow_of(r, *type, *text, cat, opened);
    }
  }
  if (const yaml_node* closed = keys["closed"]) {
    if (const auto b = boolean(r, *closed, quoted("closed"))) out.closed = *b;
  }
  if (const yaml_node* channel = keys["channel"]) {
    if (const auto text = scalar(r, *channel, quoted("channel"))) {
      out.channel = *text;
      (void)check_reference(r, *channel, *text, "channel", ids_of(cat.org.channels));
    }
  }
  if (const yaml_node* fields = keys["fields"]; fields != nullptr && !fields->is_null()) {
    if (r.expect(*fields, yaml_node::kind::mapping, quoted("fields")) && flow != nullptr)
      read_values(r, given_entries(r, *fields, scope), flow->fields, "ticket",
                  fmt::format("ticket field of workflow '{}'", flow->id), {}, out.fields);
  }
  return out;
}

/// One case (or one row of a table): `body` is its mapping, `name` the
/// name it runs under.
scenario read_case(reader& r, const yaml_node& body, std::string name, const catalog& cat,
                   const fixtures& fx, const std::set<node_position>& omitted) {
  scenario sc;
  sc.name = std::move(name);
  sc.where = r.pos(body);
  case_scope scope;
  scope.cat = &cat;
  scope.fx = &fx;
  scope.omitted = &omitted;
  const mapping_fields keys =
      check_keys(r, body, {"name", "start", "ticket", "history", "steps", "examples"},
                 {"name", "start", "ticket"});
  std::optional<timestamp> start;
  if (const yaml_node* s = keys["start"]) {
    start = read_instant(r, *s, quoted("start"), cat.org.utc_offset);
    if (start) sc.start = *start;
  }
  if (const yaml_node* ticket = keys["ticket"]) {
    sc.ticket_where = r.pos(*ticket);
    if (r.expect(*ticket, yaml_node::kind::mapping, quoted("ticket")))
      read_ticket(r, *ticket, start, scope, fx, sc.ticket);
  }
  if (const yaml_node* history = keys["history"]; history != nullptr && !history->is_null()) {
    if (const auto* items = sequence(r, *history, quoted("history"), false))
      for (const yaml_node& item : *items)
        if (auto h = read_history_entry(r, item, start, scope)) sc.history.push_back(std::move(*h));
  }
  if (const yaml_node* steps = keys["steps"]; steps != nullptr && !steps->is_null()) {
    if (const auto* items = sequence(r, *steps, quoted("steps"), false))
      sc.steps = read_steps(r, *items, scope);
  }
  return sc;
}

/// A case as written, one scenario a row of its table; `names` holds the
/// names taken so far (for duplicates).
void read_cases_of(reader& r, const yaml_node& c, const catalog& cat, const fixtures& fx,
                   std::size_t& node_budget, std::size_t max_nodes,
                   std::map<std::string, source_pos>& names, std::vector<scenario>& out) {
  if (!r.expect(c, yaml_node::kind::mapping, "a case")) return;
  std::string name;
  const yaml_node* name_node = nullptr;
  const yaml_node* examples = nullptr;
  for (const yaml_entry& e : c.entries) {
    if (!e.key.is_scalar()) continue;
    if (e.key.text == "name") name_node = &e.value;
    if (e.key.text == "examples") examples = &e.value;
  }
  if (name_node != nullptr) {
    if (const auto text = scalar(r, *name_node, "the case 'name'")) {
      if (text->empty()) r.error(*name_node, msg::must_not_be_empty("the case 'name'"));
      name = *text;
    }
  }
  const auto take_name = [&](const scenario& sc, const source_pos& where) {
    if (sc.name.empty()) return;
    if (!names.emplace(sc.name, where).second) r.error(where, msg::duplicate("case name", sc.name));
  };
  if (examples == nullptr) {
    scenario sc = read_case(r, c, name, cat, fx, {});
    take_name(sc, r.pos(name_node != nullptr ? *name_node : c));
    out.push_back(std::move(sc));
    return;
  }
  for (const table_row_case& row : expand_examples(r, c, *examples, name, node_budget, max_nodes)) {
    // Each row reads the whole case again: its mistakes outside the row's
    // values come out once a row (the caller drops repeats), and those at a
    // `$var` the row does not define are consequences of an error already
    // reported.
    diagnostics row_found;
    reader rr(r.file(), row_found);
    scenario sc = read_case(rr, row.body, row.name, cat, fx, row.omitted);
    for (const diagnostic& d : row_found.items()) {
      if (row.unresolved.count({d.where.line, d.where.column}) > 0) continue;
      r.error(d.where, d.message);
    }
    take_name(sc, row.name_where);
    out.push_back(std::move(sc));
  }
}

/// Sorts by position and drops repeats: a table's case is read once a row,
/// so a mistake outside the rows' values is found once a row.
void sort_unique(diagnostics& diags) {
  diags.sort();
  diagnostics out;
  // Equal positions are adjacent after sorting; their messages need not be.
  std::vector<const diagnostic*> at_position;
  for (const diagnostic& d : diags.items()) {
    if (!at_position.empty() && at_position.front()->where != d.where) at_position.clear();
    if (std::any_of(at_position.begin(), at_position.end(),
                    [&](const diagnostic* seen) { return *seen == d; }))
      continue;
    at_position.push_back(&d);
    if (d.level == severity::error)
      out.error(d.where, d.message);
    else if (d.level == severity::warning)
      out.warning(d.where, d.message);
    else
      out.note(d.where, d.message);
  }
  diags = std::move(out);
}

std::optional<scenario_file> load(const source_file& source, const catalog& cat, diagnostics& found,
                                  const load_limits& limits) {
  const std::optional<yaml_node> tree = read_yaml(source.name, source.text, limits, found);
  if (!tree) return std::nullopt;
  reader r(source.name, found);
  if (!tree->is_mapping()) {
    r.error(*tree, msg::wrong_kind("a scenario file", "a mapping", node_kind_name(tree->type)));
    return std::nullopt;
  }
  const mapping_fields top =
      check_keys(r, *tree, {"customers", "actors", "equivalent_mutants", "cases"}, {"cases"});
  scenario_file out;
  out.name = source.name;
  fixtures fx;
  read_fixtures(r, top, cat.org, fx);
  if (const yaml_node* equivalent = top["equivalent_mutants"];
      equivalent != nullptr && !equivalent->is_null())
    read_equivalent(r, *equivalent, cat, out.equivalent);
  if (const yaml_node* cases = top["cases"]) {
    std::map<std::string, source_pos> names;
    // Tables multiply the file's nodes: their expansion counts against the
    // same limit as aliases (load_limits::max_nodes).
    std::size_t node_budget = limits.max_nodes;
    if (const auto* items = sequence(r, *cases, quoted("cases"), true))
      for (const yaml_node& c : *items)
        read_cases_of(r, c, cat, fx, node_budget, limits.max_nodes, names, out.cases);
  }
  return out;
}

bool is_scenario_name(const std::filesystem::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 10 && name.ends_with(".test.yaml");
}

}  // namespace
}  // namespace tierflow::detail::scenario_loading

namespace tierflow::testing {

std::optional<scenario_file> load_scenario_file(const source_file& source, const catalog& cat,
                                                diagnostics& diags, const load_limits& limits) {
  namespace sl = detail::scenario_loading;
  diagnostics found;
  std::optional<scenario_file> out;
  try {
    out = sl::load(source, cat, found, limits);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    found.error(source_pos{source.name, 0, 0}, detail::msg::internal_error(e.what()));
  }
  sl::sort_unique(found);
  diags.append(found);
  if (found.has_errors()) return std::nullopt;
  return out;
}

std::vector<source_file> read_scenario_sources(const std::vector<std::string>& paths,
                                               diagnostics& diags, const load_limits& limits) {
  // The workflows' tests sit next to them: a directory's own test files and
  // those of its tests/ folder.
  return detail::read_source_paths(paths, diags, limits,
                                   {&detail::scenario_loading::is_scenario_name, true,
                                    detail::scenario_msg::no_scenario_files()});
}

}  // namespace tierflow::testing
