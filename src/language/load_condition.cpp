// SPDX-License-Identifier: MIT
// Conditions: all / any / not and field comparisons, type-checked against
// the customer attribute schema and the workflow's ticket fields, operands
// converted to the field's type, and constant conditions folded so that a
// routing rule after one that always matches can be flagged.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "language/load_common.hpp"
#include "language/messages.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail {
namespace {

constexpr std::array<std::string_view, 7> operator_names{"eq", "ne", "lt", "le", "gt", "ge", "in"};
constexpr std::array<std::string_view, 3> combinators{"all", "any", "not"};

std::optional<compare_op> parse_op(std::string_view name) {
  for (std::size_t i = 0; i < operator_names.size(); ++i)
    if (operator_names[i] == name) return static_cast<compare_op>(i);
  return std::nullopt;
}

/// The values a comparison on a field with a finite domain (enum, bool)
/// lets through; what folding works with.
struct finite_set {
  std::string field;
  std::vector<std::string> domain;  ///< every value the field can take
  std::vector<std::string> values;  ///< the ones that make the condition true, sorted
};

struct part {
  condition cond;
  std::optional<bool> constant;
  std::optional<finite_set> finite;
};

/// What a field resolves to. `typed` is false for customer attributes
/// when no organisation was loaded: nothing can be checked then.
struct field_type {
  attribute_type type;
  bool typed = true;
};

std::string operand_repr(const yaml_node& n) {
  if (!n.is_scalar()) return n.is_null() ? "nothing" : std::string(node_kind_name(n.type));
  return n.plain ? fmt::format("'{}'", n.text) : fmt::format("\"{}\"", n.text);
}

bool op_fits(compare_op op, value_kind kind) {
  switch (op) {
    case compare_op::eq:
    case compare_op::ne: return true;
    case compare_op::lt:
    case compare_op::le:
    case compare_op::gt:
    case compare_op::ge: return kind == value_kind::integer || kind == value_kind::number;
    case compare_op::in: return kind != value_kind::boolean;
  }
  return false;
}

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool covers(const std::vector<std::string>& values, const std::vector<std::string>& domain) {
  return std::all_of(domain.begin(), domain.end(), [&](const std::string& d) {
    return std::binary_search(values.begin(), values.end(), d);
  });
}

/// Sets the constant of a part from its finite set: all values → true,
/// none → false.
void fold_finite(part& p) {
  if (!p.finite || p.finite->domain.empty()) return;
  if (covers(p.finite->values, p.finite->domain))
    p.constant = true;
  else if (p.finite->values.empty())
    p.constant = false;
}

class condition_loader {
 public:
  condition_loader(reader& r, const condition_scope& scope) : r_(r), scope_(scope) {}

  /// A condition mapping: its entries must all hold.
  std::optional<part> mapping(const yaml_node& n) {
    if (!r_.expect(n, yaml_node::kind::mapping, "a condition")) return std::nullopt;
    std::vector<part> parts;
    bool failed = false;
    for (const yaml_entry* e : scalar_keyed(r_, n)) {
      if (auto p = entry(*e))
        parts.push_back(std::move(*p));
      else
        failed = true;
    }
    if (failed && parts.empty()) return std::nullopt;
    if (parts.size() == 1 && !failed) return std::move(parts.front());
    return combine(condition::kind::all, std::move(parts), n, failed);
  }

 private:
  std::optional<part> entry(const yaml_entry& e) {
    const std::string& key = e.key.text;
    if (key == "all" || key == "any") {
      const auto* items = sequence(r_, e.value, quoted(key), false);
      if (items == nullptr) return std::nullopt;
      std::vector<part> parts;
      bool failed = false;
      for (const yaml_node& item : *items) {
        if (auto p = mapping(item))
          parts.push_back(std::move(*p));
        else
          failed = true;
      }
      return combine(key == "all" ? condition::kind::all : condition::kind::any, std::move(parts),
                     e.key, failed);
    }
    if (key == "not") {
      if (!r_.expect(e.value, yaml_node::kind::mapping, quoted("not"))) return std::nullopt;
      auto inner = mapping(e.value);
      if (!inner) return std::nullopt;
      part out;
      out.cond.node = condition::kind::negate;
      out.cond.where = r_.pos(e.key);
      if (inner->constant) out.constant = !*inner->constant;
      if (inner->finite) {
        finite_set f = *inner->finite;
        std::vector<std::string> rest;
        for (const std::string& d : f.domain)
          if (!std::binary_search(f.values.begin(), f.values.end(), d)) rest.push_back(d);
        f.values = sorted_unique(std::move(rest));
        out.finite = std::move(f);
      }
      out.cond.children.push_back(std::move(inner->cond));
      return out;
    }
    return field(e);
  }

  /// `incomplete`: some parts were reported and left out, so what the
  /// whole folds to is unknown.
  part combine(condition::kind kind, std::vector<part> parts, const yaml_node& at,
               bool incomplete) {
    part out;
    out.cond.node = kind;
    out.cond.where = r_.pos(at);
    if (incomplete) {
      for (part& p : parts) out.cond.children.push_back(std::move(p.cond));
      return out;
    }
    const bool is_all = kind == condition::kind::all;
    // all: false if any part is, true if every part is (so `all: []` is);
    // any: the other way round.
    bool every = true;
    bool some = false;
    for (const part& p : parts) {
      const bool decisive = p.constant && *p.constant == !is_all;
      const bool neutral = p.constant && *p.constant == is_all;
      some = some || decisive;
      every = every && neutral;
    }
    if (some)
      out.constant = !is_all;
    else if (every)
      out.constant = is_all;

    // Parts on one finite field combine: `any` unites their values (so
    // `any: [{x: true}, {x: false}]` always holds), `all` intersects them.
    std::vector<finite_set> by_field;
    bool all_finite_same_field = !parts.empty();
    for (const part& p : parts) {
      if (!p.finite) {
        all_finite_same_field = false;
        continue;
      }
      auto it = std::find_if(by_field.begin(), by_field.end(),
                             [&](const finite_set& f) { return f.field == p.finite->field; });
      if (it == by_field.end()) {
        by_field.push_back(*p.finite);
        continue;
      }
      std::vector<std::string> merged;
      if (is_all) {
        std::set_intersection(it->values.begin(), it->values.end(), p.finite->values.begin(),
                              p.finite->values.end(), std::back_inserter(merged));
      } else {
        std::set_union(it->values.begin(), it->values.end(), p.finite->values.begin(),
                       p.finite->values.end(), std::back_inserter(merged));
      }
      it->values = std::move(merged);
    }
    if (all_finite_same_field && by_field.size() == 1) {
      out.finite = by_field.front();
      if (!out.constant) fold_finite(out);
    } else if (!is_all && !out.constant) {
      for (const finite_set& f : by_field)
        if (!f.domain.empty() && covers(f.values, f.domain)) out.constant = true;
    }

    for (part& p : parts) out.cond.children.push_back(std::move(p.cond));
    return out;
  }

  std::optional<field_type> resolve(const yaml_node& key) {
    const std::string& name = key.text;
    const organisation& org = *scope_.org;
    constexpr std::string_view customer = "customer.";
    constexpr std::string_view ticket = "ticket.";
    if (name.starts_with(customer)) {
      const std::string_view attr = std::string_view(name).substr(customer.size());
      if (!scope_.org_known) return field_type{{}, false};
      if (const attribute* a = org.find_customer_attribute(attr)) return field_type{a->type, true};
      std::vector<std::string> names;
      for (const attribute& a : org.customer_attributes) names.push_back(a.name);
      r_.error(key, msg::unknown("attribute", name, hint(attr, names, customer)));
      return std::nullopt;
    }
    if (name.starts_with(ticket)) {
      const std::string_view f = std::string_view(name).substr(ticket.size());
      if (f == "type") {
        attribute_type t{value_kind::enumeration, *scope_.ticket_types, {}, {}};
        return field_type{std::move(t), true};
      }
      if (f == "channel") {
        if (!scope_.org_known) return field_type{{}, false};
        attribute_type t{value_kind::enumeration, ids_of(org.channels), {}, {}};
        return field_type{std::move(t), true};
      }
      if (const attribute* a = find_attribute(*scope_.fields, f)) return field_type{a->type, true};
      constexpr std::string_view times = "times.";
      if (f.starts_with(times) && f.size() > times.size())
        return times_field(key, f.substr(times.size()));
      std::vector<std::string> names{"type", "channel"};
      for (const attribute& a : *scope_.fields) names.push_back(a.name);
      if (scope_.action_ids != nullptr)
        for (const std::string& a : *scope_.action_ids)
          names.push_back(fmt::format("{}{}", times, a));
      r_.error(key, msg::unknown("ticket field", name, hint(f, names, ticket)));
      return std::nullopt;
    }
    std::vector<std::string> names(combinators.begin(), combinators.end());
    for (const attribute& a : org.customer_attributes)
      names.push_back(fmt::format("{}{}", customer, a.name));
    for (const attribute& a : *scope_.fields) names.push_back(fmt::format("{}{}", ticket, a.name));
    r_.error(key, msg::unknown_field(name, did_you_mean(name, names)));
    return std::nullopt;
  }

  /// `ticket.times.<action>`: how often the action was taken on the ticket,
  /// an int; 0 for every action while the ticket opens.
  std::optional<field_type> times_field(const yaml_node& key, std::string_view action) {
    if (scope_.action_ids != nullptr &&
        std::find(scope_.action_ids->begin(), scope_.action_ids->end(), action) ==
            scope_.action_ids->end()) {
      r_.error(key, msg::unknown("action", action, did_you_mean(action, *scope_.action_ids)));
      return std::nullopt;
    }
    if (scope_.at_open) {
      r_.error(key, msg::times_at_open(key.text));
      return std::nullopt;
    }
    return field_type{attribute_type{value_kind::integer, {}, {}, {}}, true};
  }

  /// A did-you-mean for the part after "customer." or "ticket.", shown
  /// with the prefix: the prefix would otherwise loosen the distance limit.
  static std::string hint(std::string_view word, const std::vector<std::string>& names,
                          std::string_view prefix) {
    const std::string best = closest(word, names);
    if (best.empty()) return {};
    return fmt::format(" (did you mean '{}{}'?)", prefix, best);
  }

  std::optional<value> operand(const yaml_node& n, const std::string& field, const field_type& ft) {
    if (!ft.typed) {
      if (!n.is_scalar()) return std::nullopt;
      return value{n.text};
    }
    const attribute_type& t = ft.type;
    const auto mismatch = [&]() -> std::optional<value> {
      r_.error(n, msg::type_mismatch(field, to_string(t.kind), operand_repr(n)));
      return std::nullopt;
    };
    if (!n.is_scalar()) return mismatch();
    switch (t.kind) {
      case value_kind::boolean:
        if (n.plain && n.text == "true") return value{true};
        if (n.plain && n.text == "false") return value{false};
        return mismatch();
      case value_kind::integer:
        if (const auto i = n.plain ? parse_integer(n.text) : std::nullopt) return value{*i};
        return mismatch();
      case value_kind::number:
        if (const auto d = n.plain ? parse_number(n.text) : std::nullopt) return value{*d};
        return mismatch();
      case value_kind::string: return value{n.text};
      case value_kind::enumeration:
        if (std::find(t.values.begin(), t.values.end(), n.text) != t.values.end())
          return value{n.text};
        r_.error(n, msg::not_a_value(n.text, field, did_you_mean(n.text, t.values)));
        return std::nullopt;
    }
    return mismatch();
  }

  /// One comparison; nullopt if the operator does not fit or no operand
  /// survived conversion.
  std::optional<part> compare(const yaml_node& op_key, compare_op op, const yaml_node& arg,
                              const yaml_node& field_key, const field_type& ft) {
    const std::string& field = field_key.text;
    if (ft.typed && !op_fits(op, ft.type.kind)) {
      r_.error(op_key, msg::operator_does_not_fit(to_string(op), to_string(ft.type.kind), field));
      return std::nullopt;
    }
    part out;
    out.cond.node = condition::kind::compare;
    out.cond.field = field;
    out.cond.op = op;
    out.cond.field_kind = ft.type.kind;
    out.cond.where = r_.pos(field_key);
    bool ok = true;
    if (op == compare_op::in) {
      const auto* items = sequence(r_, arg, quoted("in"), false);
      if (items == nullptr) return std::nullopt;
      if (items->empty()) {
        r_.error(arg, msg::empty_in());
        return std::nullopt;
      }
      for (const yaml_node& item : *items) {
        if (auto v = operand(item, field, ft))
          out.cond.operands.push_back(std::move(*v));
        else
          ok = false;
      }
    } else if (auto v = operand(arg, field, ft)) {
      out.cond.operands.push_back(std::move(*v));
    } else {
      ok = false;
    }
    if (!ok) return std::nullopt;

    const bool finite = ft.typed && (ft.type.kind == value_kind::enumeration ||
                                     ft.type.kind == value_kind::boolean);
    if (finite && (op == compare_op::eq || op == compare_op::ne || op == compare_op::in)) {
      finite_set f;
      f.field = field;
      f.domain = ft.type.kind == value_kind::boolean ? std::vector<std::string>{"false", "true"}
                                                     : ft.type.values;
      std::vector<std::string> named;
      for (const value& v : out.cond.operands) {
        if (const auto* b = std::get_if<bool>(&v))
          named.emplace_back(*b ? "true" : "false");
        else if (const auto* s = std::get_if<std::string>(&v))
          named.push_back(*s);
      }
      named = sorted_unique(std::move(named));
      if (op == compare_op::ne) {
        std::vector<std::string> rest;
        for (const std::string& d : f.domain)
          if (!std::binary_search(named.begin(), named.end(), d)) rest.push_back(d);
        named = sorted_unique(std::move(rest));
      }
      f.domain = sorted_unique(std::move(f.domain));
      f.values = std::move(named);
      out.finite = std::move(f);
      fold_finite(out);
    }
    return out;
  }

  std::optional<part> field(const yaml_entry& e) {
    const auto ft = resolve(e.key);
    if (!ft) return std::nullopt;
    const yaml_node& v = e.value;
    if (v.is_scalar() || v.is_null()) return compare(e.key, compare_op::eq, v, e.key, *ft);
    if (!v.is_mapping()) {
      r_.error(v, msg::wrong_kind(quoted(e.key.text), "a value or a mapping of operators",
                                  node_kind_name(v.type)));
      return std::nullopt;
    }
    if (v.entries.empty()) {
      r_.error(v, msg::must_not_be_empty(quoted(e.key.text)));
      return std::nullopt;
    }
    std::vector<part> parts;
    bool failed = false;
    for (const yaml_entry* op_entry : scalar_keyed(r_, v)) {
      const auto op = parse_op(op_entry->key.text);
      if (!op) {
        r_.error(op_entry->key, msg::unknown("operator", op_entry->key.text,
                                             did_you_mean(op_entry->key.text, operator_names)));
        failed = true;
        continue;
      }
      if (auto p = compare(op_entry->key, *op, op_entry->value, e.key, *ft))
        parts.push_back(std::move(*p));
      else
        failed = true;
    }
    if (parts.empty()) return std::nullopt;
    if (parts.size() == 1 && !failed) return std::move(parts.front());
    // Several operators on one field: all must hold.
    return combine(condition::kind::all, std::move(parts), e.key, failed);
  }

  reader& r_;
  const condition_scope& scope_;
};

}  // namespace

std::optional<loaded_condition> load_condition(reader& r, const yaml_node& n,
                                               const condition_scope& scope) {
  condition_loader loader(r, scope);
  auto p = loader.mapping(n);
  if (!p) return std::nullopt;
  return loaded_condition{std::move(p->cond), p->constant};
}

}  // namespace tierflow::detail
