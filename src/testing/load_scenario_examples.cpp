// SPDX-License-Identifier: MIT
// `examples` tables of scenario files: one case a row, the row's values put
// in for `$var` (see load_scenario_parts.hpp, and workflows/README.md for
// the format). The expansion works on the YAML tree, before the case is
// read, so that a row's value is read exactly as if it had been written in
// the case: `110` stays a plain number, a mapping stays a mapping.
#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "language/messages.hpp"
#include "testing/load_scenario_messages.hpp"
#include "testing/load_scenario_parts.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail::scenario_loading {
namespace {

/// "$var" with var snake_case: a variable.
bool is_variable(const yaml_node& n) {
  return n.is_scalar() && n.text.size() > 1 && n.text.front() == '$' &&
         is_identifier(std::string_view(n.text).substr(1));
}

/// The `$var` scalars of a case (values only: keys are never replaced),
/// leaving out its `name` and `examples`.
void collect_variables(const yaml_node& n, std::vector<const yaml_node*>& out) {
  if (is_variable(n)) out.push_back(&n);
  for (const yaml_node& item : n.items) collect_variables(item, out);
  for (const yaml_entry& e : n.entries) collect_variables(e.value, out);
}

/// The `{var}` of a case name, in order.
std::vector<std::string> name_variables(std::string_view name) {
  std::vector<std::string> out;
  for (std::size_t open = name.find('{'); open != std::string_view::npos;
       open = name.find('{', open + 1)) {
    const std::size_t close = name.find('}', open);
    if (close == std::string_view::npos) break;
    const std::string_view inner = name.substr(open + 1, close - open - 1);
    if (is_identifier(inner)) out.emplace_back(inner);
  }
  return out;
}

/// How a row's value shows in a case name.
std::string shown(const yaml_node& n) {
  switch (n.type) {
    case yaml_node::kind::scalar: return n.text;
    case yaml_node::kind::null: return "~";
    case yaml_node::kind::sequence: return "[…]";
    case yaml_node::kind::mapping: return "{…}";
  }
  return {};
}

/// A row: its columns by name, in file order.
struct row {
  const yaml_node* node = nullptr;
  std::vector<const yaml_entry*> columns;

  [[nodiscard]] const yaml_entry* column(std::string_view name) const {
    for (const yaml_entry* e : columns)
      if (e->key.text == name) return e;
    return nullptr;
  }
};

/// Replaces every `$var` under `n` that the row defines by the row's node.
void substitute(yaml_node& n, const row& values, table_row_case& out) {
  if (is_variable(n)) {
    const yaml_entry* e = values.column(std::string_view(n.text).substr(1));
    if (e == nullptr) {
      out.unresolved.insert(position_of(n));
      return;
    }
    n = e->value;
    if (n.is_null()) out.omitted.insert(position_of(n));
    return;
  }
  for (yaml_node& item : n.items) substitute(item, values, out);
  for (yaml_entry& e : n.entries) substitute(e.value, values, out);
}

/// `name` with each `{var}` the row defines replaced by its value's text.
std::string expand_name(const std::string& name, const row& values) {
  std::string out;
  std::size_t at = 0;
  while (at < name.size()) {
    const std::size_t open = name.find('{', at);
    const std::size_t close = open == std::string::npos ? open : name.find('}', open);
    if (close == std::string::npos) break;
    const std::string inner = name.substr(open + 1, close - open - 1);
    const yaml_entry* e = is_identifier(inner) ? values.column(inner) : nullptr;
    out.append(name, at, open - at);
    if (e != nullptr && (e->value.is_scalar() || e->value.is_null()))
      out += shown(e->value);
    else
      out.append(name, open, close - open + 1);
    at = close + 1;
  }
  out.append(name, std::min(at, name.size()));
  return out;
}

/// "[ROW-NAME]", or "[var=value, …]".
std::string row_label(const row& values) {
  if (const yaml_entry* n = values.column("name"); n != nullptr && n->value.is_scalar())
    return fmt::format("[{}]", n->value.text);
  std::string out = "[";
  for (const yaml_entry* e : values.columns) {
    if (e->key.text == "name") continue;
    if (out.size() > 1) out += ", ";
    out += e->key.text + "=" + shown(e->value);
  }
  return out + "]";
}

/// The nodes of a tree (keys included).
std::size_t count_nodes(const yaml_node& n) {
  std::size_t out = 1;
  for (const yaml_node& item : n.items) out += count_nodes(item);
  for (const yaml_entry& e : n.entries) out += count_nodes(e.key) + count_nodes(e.value);
  return out;
}

/// The case without its `examples` entry.
yaml_node without_examples(const yaml_node& c) {
  yaml_node out = c;
  out.entries.erase(std::remove_if(out.entries.begin(), out.entries.end(),
                                   [](const yaml_entry& e) { return e.key.text == "examples"; }),
                    out.entries.end());
  return out;
}

}  // namespace

std::vector<table_row_case> expand_examples(reader& r, const yaml_node& c,
                                            const yaml_node& examples, const std::string& name,
                                            std::size_t& node_budget, std::size_t max_nodes) {
  const yaml_node template_case = without_examples(c);
  std::vector<const yaml_node*> variables;
  for (const yaml_entry& e : template_case.entries)
    if (e.key.text != "name") collect_variables(e.value, variables);
  const std::vector<std::string> in_name = name_variables(name);
  const yaml_node* name_node = nullptr;
  for (const yaml_entry& e : c.entries)
    if (e.key.text == "name") name_node = &e.value;

  // An unusable table still has its case read once, every `$var` left
  // unresolved, so that the case's own mistakes are found too.
  const auto read_alone = [&] {
    std::vector<table_row_case> out(1);
    out.front().body = template_case;
    out.front().name = name;
    out.front().name_where = r.pos(name_node != nullptr ? *name_node : c);
    for (const yaml_node* v : variables) out.front().unresolved.insert(position_of(*v));
    return out;
  };
  const auto* items = sequence(r, examples, quoted("examples"), true);
  if (items == nullptr) return read_alone();

  std::vector<row> rows;
  for (const yaml_node& item : *items) {
    if (!r.expect(item, yaml_node::kind::mapping, "a row of 'examples'")) continue;
    rows.push_back({&item, scalar_keyed(r, item)});
  }
  if (rows.empty()) return read_alone();

  // Every column any row has, and every variable the case uses.
  std::vector<std::string> columns;
  for (const row& rw : rows)
    for (const yaml_entry* e : rw.columns)
      if (std::find(columns.begin(), columns.end(), e->key.text) == columns.end())
        columns.push_back(e->key.text);
  std::set<std::string> used(in_name.begin(), in_name.end());
  for (const yaml_node* v : variables) used.insert(v->text.substr(1));

  std::vector<std::string> dollar_columns;
  std::vector<std::string> brace_columns;
  for (const std::string& col : columns) {
    dollar_columns.push_back("$" + col);
    brace_columns.push_back("{" + col + "}");
  }
  const auto defined = [&](const std::string& var) {
    return std::find(columns.begin(), columns.end(), var) != columns.end();
  };
  for (const yaml_node* v : variables)
    if (!defined(v->text.substr(1)))
      r.error(*v, scenario_msg::undefined_variable(v->text, did_you_mean(v->text, dollar_columns)));
  for (const std::string& var : in_name) {
    if (defined(var)) continue;
    const std::string written = "{" + var + "}";
    r.error(name_node != nullptr ? *name_node : c,
            scenario_msg::undefined_variable(written, did_you_mean(written, brace_columns)));
  }

  const std::size_t template_nodes = count_nodes(template_case);
  std::vector<table_row_case> out;
  for (const row& rw : rows) {
    std::size_t nodes = template_nodes;
    for (const yaml_node* v : variables)
      if (const yaml_entry* e = rw.column(std::string_view(v->text).substr(1)))
        nodes += count_nodes(e->value) - 1;
    if (nodes > node_budget) {
      r.error(examples, msg::too_many_nodes(max_nodes));
      break;
    }
    node_budget -= nodes;
    // A row without a column the case uses is still read: that `$var`
    // stays unresolved (table_row_case::unresolved).
    for (const std::string& var : used)
      if (defined(var) && rw.column(var) == nullptr) r.error(*rw.node, msg::missing_key(var));
    for (const yaml_entry* e : rw.columns) {
      if (e->key.text == "name") continue;
      if (used.count(e->key.text) == 0) r.error(e->key, scenario_msg::unused_column(e->key.text));
    }
    for (const std::string& var : in_name) {
      const yaml_entry* e = rw.column(var);
      if (e != nullptr && !e->value.is_scalar() && !e->value.is_null())
        r.error(e->value, scenario_msg::name_variable_not_scalar(var));
    }
    if (const yaml_entry* n = rw.column("name")) (void)scalar(r, n->value, "a row's 'name'");

    table_row_case expanded;
    expanded.body = template_case;
    for (yaml_entry& e : expanded.body.entries)
      if (e.key.text != "name") substitute(e.value, rw, expanded);
    // A name that already shows the row's name ({name}) needs no label.
    expanded.name = expand_name(name, rw);
    if (name.find("{name}") == std::string::npos) expanded.name += " " + row_label(rw);
    expanded.name_where = r.pos(*rw.node);
    out.push_back(std::move(expanded));
  }
  return out;
}

}  // namespace tierflow::detail::scenario_loading
