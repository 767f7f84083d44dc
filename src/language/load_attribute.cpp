// SPDX-License-Identifier: MIT
// Attribute and ticket-field declarations: `name: TYPE`, a bare type word or
// a mapping with `type:` and what that type takes.
#include <array>
#include <set>
#include <string_view>

#include "language/load_common.hpp"
#include "language/messages.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail {
namespace {

constexpr std::array<std::string_view, 7> type_words{"bool", "int",    "number", "string",
                                                     "enum", "region", "channel"};

/// Sets `type` from a type word; false (and reported) if the word is not one.
bool apply_type_word(reader& r, const yaml_node& at, std::string_view word, bool in_mapping,
                     const organisation& org, attribute_type& type) {
  if (word == "bool")
    type.kind = value_kind::boolean;
  else if (word == "int")
    type.kind = value_kind::integer;
  else if (word == "number")
    type.kind = value_kind::number;
  else if (word == "string")
    type.kind = value_kind::string;
  else if (word == "enum") {
    type.kind = value_kind::enumeration;
    // A bare `enum` has nowhere to put its values; in a mapping, a missing
    // `values:` is reported as a missing key.
    if (!in_mapping) r.error(at, msg::enum_needs_values());
  } else if (word == "region" || word == "channel") {
    const bool region = word == "region";
    const auto& entries = region ? org.regions : org.channels;
    type.kind = value_kind::enumeration;
    for (const named_entry& e : entries) type.values.push_back(e.id);
    if (entries.empty())
      r.error(at, msg::type_needs_entries(word, region ? "regions" : "channels"));
  } else {
    r.error(at, msg::unknown("type", word, did_you_mean(word, type_words)));
    return false;
  }
  return true;
}

std::optional<double> bound(reader& r, const yaml_node& n, std::string_view key) {
  const auto text = scalar(r, n, quoted(key));
  if (!text) return std::nullopt;
  const auto v = n.plain ? parse_number(*text) : std::nullopt;
  if (!v) r.error(n, msg::invalid_bound(key, *text));
  return v;
}

std::optional<derivation> load_derivation(reader& r, const yaml_node& n) {
  if (!r.expect(n, yaml_node::kind::mapping, quoted("derived"))) return std::nullopt;
  const auto f = check_keys(r, n, {"count", "within"}, {"count", "within"});
  derivation out;
  bool ok = f["count"] != nullptr && f["within"] != nullptr;
  if (const auto* count = f["count"]) {
    if (auto id = identifier(r, *count, quoted("count")))
      out.count_type = *id;
    else
      ok = false;
  }
  if (const auto* within = f["within"]) {
    if (const auto d = duration_value(r, *within, quoted("within"))) {
      // "Closed within 30 days" is wall-clock history, not working time.
      if (d->is_business()) {
        r.error(*within, msg::derived_needs_calendar_units(within->text));
        ok = false;
      }
      out.within = *d;
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace

std::optional<attribute> load_attribute(reader& r, const yaml_entry& entry, attribute_scope scope,
                                        const organisation& org) {
  attribute out;
  out.name = entry.key.text;
  out.where = r.pos(entry.key);
  if (!is_identifier(out.name)) r.error(entry.key, msg::invalid_identifier(out.name));
  if (scope == attribute_scope::ticket && (out.name == "type" || out.name == "channel"))
    r.error(entry.key, msg::builtin_field(out.name));

  const yaml_node& v = entry.value;
  if (v.is_scalar()) {
    apply_type_word(r, v, v.text, false, org, out.type);
    return out;
  }
  if (!v.is_mapping()) {
    r.error(v, msg::wrong_kind(quoted(out.name), "a type or a mapping with 'type'",
                               node_kind_name(v.type)));
    return out;
  }

  const auto f = check_keys(
      r, v, {"type", "values", "min", "max", "description", "derived", "required"}, {"type"});
  const yaml_node* type_node = f["type"];
  if (type_node == nullptr) return out;
  const auto word = scalar(r, *type_node, quoted("type"));
  if (!word || !apply_type_word(r, *type_node, *word, true, org, out.type)) return out;
  const std::string_view type_name = *word;
  const bool is_enum = type_name == "enum";
  const bool numeric = out.type.kind == value_kind::integer || out.type.kind == value_kind::number;

  if (const auto* values = f["values"]) {
    if (!is_enum) {
      r.error(*f.key("values"), msg::key_does_not_fit_type("values", type_name));
    } else {
      for (auto& e : identifier_list(r, *values, "values", "enum value", true))
        out.type.values.push_back(std::move(e.id));
    }
  } else if (is_enum) {
    r.error(v, msg::missing_key("values"));
  }

  for (const std::string_view key : {"min", "max"}) {
    const auto* n = f[key];
    if (n == nullptr) continue;
    if (!numeric) {
      r.error(*f.key(key), msg::key_does_not_fit_type(key, type_name));
      continue;
    }
    (key == "min" ? out.type.min : out.type.max) = bound(r, *n, key);
  }
  if (out.type.min && out.type.max && *out.type.min > *out.type.max)
    r.error(*f["min"], msg::min_above_max());

  if (const auto* description = f["description"]) {
    if (auto text = scalar(r, *description, quoted("description"))) out.description = *text;
  }

  if (const auto* derived = f["derived"]) {
    if (scope == attribute_scope::ticket) {
      r.error(*f.key("derived"), msg::derived_only_for_customers());
    } else if (out.type.kind != value_kind::integer) {
      r.error(*f.key("derived"), msg::key_does_not_fit_type("derived", type_name));
    } else {
      out.derived = load_derivation(r, *derived);
    }
  }

  if (const auto* required = f["required"]) {
    const bool on = boolean(r, *required, quoted("required")).value_or(false);
    // The host supplies a required attribute at open: a ticket field is the
    // workflow's business, a derived attribute the engine's.
    if (scope == attribute_scope::ticket)
      r.error(*f.key("required"), msg::required_only_for_customers());
    else if (f["derived"] != nullptr)
      r.error(*f.key("required"), msg::derived_cannot_be_required());
    else
      out.required = on;
  }
  return out;
}

}  // namespace tierflow::detail
