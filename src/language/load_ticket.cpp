// SPDX-License-Identifier: MIT
// Reading the parts of a ticket. See load_ticket.hpp.
#include "language/load_ticket.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "language/messages.hpp"
#include "text/number.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail {
namespace {

/// "'value'" for a plain scalar, "\"value\"" for a quoted one, else the kind:
/// how the validator shows an operand in a type mismatch.
std::string shown(const yaml_node& n) {
  if (!n.is_scalar()) return n.is_null() ? "nothing" : std::string(node_kind_name(n.type));
  return n.plain ? fmt::format("'{}'", n.text) : fmt::format("\"{}\"", n.text);
}

std::string bound_text(double x) { return fmt::format("{}", x); }

}  // namespace

std::optional<value> convert_value(reader& r, const yaml_node& n, const attribute& a,
                             const std::string& field) {
  const attribute_type& t = a.type;
  const auto mismatch = [&]() -> std::optional<value> {
    r.error(n, msg::type_mismatch(field, to_string(t.kind), shown(n)));
    return std::nullopt;
  };
  if (!n.is_scalar()) return mismatch();
  std::optional<double> magnitude;
  value out;
  switch (t.kind) {
    case value_kind::boolean:
      if (n.plain && (n.text == "true" || n.text == "false")) return value{n.text == "true"};
      return mismatch();
    case value_kind::integer: {
      const auto i = n.plain ? parse_integer(n.text) : std::nullopt;
      if (!i) return mismatch();
      out = *i;
      magnitude = static_cast<double>(*i);
      break;
    }
    case value_kind::number: {
      const auto d = n.plain ? parse_number(n.text) : std::nullopt;
      if (!d) return mismatch();
      out = *d;
      magnitude = *d;
      break;
    }
    case value_kind::string:
      if (n.text.size() > max_text_bytes) {
        r.error(n, fmt::format("'{}' is longer than {} bytes", field, max_text_bytes));
        return std::nullopt;
      }
      return value{n.text};
    case value_kind::enumeration:
      if (std::find(t.values.begin(), t.values.end(), n.text) != t.values.end())
        return value{n.text};
      r.error(n, msg::not_a_value(n.text, field, did_you_mean(n.text, t.values)));
      return std::nullopt;
  }
  if (magnitude && ((t.min && *magnitude < *t.min) || (t.max && *magnitude > *t.max))) {
    std::string range;
    if (t.min && t.max)
      range = fmt::format("from {} to {}", bound_text(*t.min), bound_text(*t.max));
    else if (t.min)
      range = fmt::format("at least {}", bound_text(*t.min));
    else
      range = fmt::format("at most {}", bound_text(*t.max));
    r.error(n, fmt::format("'{}' must be {}, got '{}'", field, range, n.text));
    return std::nullopt;
  }
  return out;
}

void read_values(reader& r, const std::vector<const yaml_entry*>& entries,
                 const std::vector<attribute>& schema, std::string_view prefix,
                 std::string_view what, std::vector<std::string> extra_names,
                 attribute_values& out) {
  std::vector<std::string> names = std::move(extra_names);
  for (const attribute& a : schema)
    if (!a.derived) names.push_back(a.name);
  for (const yaml_entry* e : entries) {
    const std::string& name = e->key.text;
    const attribute* a = find_attribute(schema, name);
    if (a == nullptr) {
      r.error(e->key, msg::unknown(what, name, did_you_mean(name, names)));
      continue;
    }
    const std::string field = fmt::format("{}.{}", prefix, name);
    if (a->derived) {
      r.error(e->key, fmt::format("'{}' is derived by the engine from the customer's tickets; "
                                  "it cannot be given",
                                  field));
      continue;
    }
    if (auto v = convert_value(r, e->value, *a, field)) out.emplace_back(name, std::move(*v));
  }
}

std::optional<std::string> bounded_text(reader& r, const yaml_node& n, std::string_view what,
                                        std::size_t limit) {
  auto text = scalar(r, n, what);
  if (text && text->size() > limit) {
    r.error(n, fmt::format("{} is longer than {} bytes", what, limit));
    return std::nullopt;
  }
  return text;
}

const workflow* pick_workflow(reader& r, const yaml_node& at_node, const std::string& type,
                              const catalog& cat, timestamp at) {
  const auto day = local_day(at, cat.org.utc_offset);
  if (const workflow* wf = cat.workflow_for(type, day)) return wf;
  std::vector<std::string> types;
  const workflow* first = nullptr;
  for (const workflow& w : cat.workflows) {
    for (const auto& t : w.ticket_types)
      if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
    if (w.serves(type) && (first == nullptr || w.effective < first->effective)) first = &w;
  }
  if (first == nullptr) {
    r.error(at_node, msg::unknown("ticket type", type, did_you_mean(type, types)));
    return nullptr;
  }
  r.error(at_node,
          fmt::format("no version of workflow '{}' is in effect on {}: version {} "
                      "takes effect on {}",
                      first->id, format_date(day), first->version, format_date(first->effective)));
  return nullptr;
}

void read_customer(reader& r, const yaml_node& customer, const organisation& org,
                   open_request& out) {
  std::vector<const yaml_entry*> attributes;
  const yaml_node* id = nullptr;
  for (const yaml_entry* e : scalar_keyed(r, customer)) {
    if (e->key.text == "id")
      id = &e->value;
    else
      attributes.push_back(e);
  }
  if (id == nullptr) {
    r.error(customer, msg::missing_key("id"));
  } else if (auto text = bounded_text(r, *id, "the customer 'id'", max_id_bytes)) {
    if (text->empty()) r.error(*id, "the customer 'id' must not be empty");
    out.customer_id = std::move(*text);
  }
  read_values(r, attributes, org.customer_attributes, "customer", "customer attribute", {"id"},
              out.customer);
  // Said here, where the customer is written, rather than by the engine's
  // refusal, which knows no file position.
  for (const attribute& a : org.customer_attributes) {
    if (!a.required) continue;
    const bool given = std::any_of(attributes.begin(), attributes.end(),
                                   [&](const yaml_entry* e) { return e->key.text == a.name; });
    if (!given) r.error(customer, fmt::format("customer attribute '{}' is required", a.name));
  }
}

result<timestamp> parse_local_instant(std::string text, std::chrono::minutes local_offset) {
  if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
  return parse_iso8601(text, local_offset);
}

}  // namespace tierflow::detail
