// SPDX-License-Identifier: MIT
// Ticket files for `tierflow route`: YAML to a typed open_request, with every
// problem reported where it is (see ticket_file.hpp for the format).
#include "cli/ticket_file.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/time.hpp>

#include "language/load_common.hpp"
#include "language/load_yaml.hpp"
#include "language/messages.hpp"
#include "text/input_file.hpp"
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

/// `n` converted to the declared type of `a`, named `field` in messages
/// ("customer.voltage_kv"); reports and returns nullopt when it does not fit.
std::optional<value> convert(reader& r, const yaml_node& n, const attribute& a,
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

/// Reads the entries of `customer:` or `fields:` against `schema`.
/// `prefix` is "customer" or "ticket"; `what` names an unknown one
/// ("customer attribute", "ticket field of workflow 'complaint'").
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
    if (auto v = convert(r, e->value, *a, field)) out.emplace_back(name, std::move(*v));
  }
}

/// A scalar that fits in `limit` bytes, reported otherwise.
std::optional<std::string> bounded_text(reader& r, const yaml_node& n, std::string_view what,
                                        std::size_t limit) {
  auto text = scalar(r, n, what);
  if (text && text->size() > limit) {
    r.error(n, fmt::format("{} is longer than {} bytes", what, limit));
    return std::nullopt;
  }
  return text;
}

/// Picks the workflow for `type` on the local day of `at`; reports an
/// unknown type, or a type none of whose versions is in effect yet.
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

constexpr std::array<std::string_view, 7> top_keys{
    "type", "channel", "customer", "description", "external_ref", "fields", "at"};

/// The values of the top-level keys, by key.
struct top_level {
  std::array<const yaml_node*, top_keys.size()> values{};
  const yaml_node* operator[](std::string_view key) const noexcept {
    for (std::size_t i = 0; i < top_keys.size(); ++i)
      if (top_keys[i] == key) return values[i];
    return nullptr;
  }
};

/// Like check_keys(), and an attribute or field written at the top level is
/// pointed to the mapping it belongs in.
top_level check_top_level(reader& r, const yaml_node& root, const catalog& cat) {
  top_level out;
  for (const yaml_entry* e : scalar_keyed(r, root)) {
    const std::string& key = e->key.text;
    const auto known = std::find(top_keys.begin(), top_keys.end(), key);
    if (known != top_keys.end()) {
      out.values[static_cast<std::size_t>(known - top_keys.begin())] = &e->value;
      continue;
    }
    bool is_field = false;
    for (const workflow& w : cat.workflows)
      is_field = is_field || find_attribute(w.fields, key) != nullptr;
    if (key == "id" || cat.org.find_customer_attribute(key) != nullptr)
      r.error(e->key,
              fmt::format("unknown key '{}': customer attributes go under 'customer'", key));
    else if (is_field)
      r.error(e->key, fmt::format("unknown key '{}': ticket fields go under 'fields'", key));
    else
      r.error(e->key, msg::unknown_key(key, did_you_mean(key, top_keys)));
  }
  for (const std::string_view key : {"type", "channel", "customer"})
    if (out[key] == nullptr) r.error(root, msg::missing_key(key));
  return out;
}

/// `at` as parse_iso8601 reads it at the organisation's offset; people
/// type "2026-11-24 09:00" as often as the ISO "T" form, so a space after
/// the date stands for the "T".
result<timestamp> parse_at(std::string text, std::chrono::minutes local_offset) {
  if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
  return parse_iso8601(text, local_offset);
}

}  // namespace

std::optional<source_file> read_ticket_source(const std::string& path, diagnostics& diags,
                                              const load_limits& limits) {
  auto text = read_input_file(path, limits.max_file_bytes);
  if (text) return source_file{path, std::move(*text)};
  source_pos where;
  where.file = path;
  switch (text.error().code()) {
    case errc::not_found:
      // The wording of the definitions' loader, so both read alike.
      diags.error(std::move(where), msg::cannot_read_file("no such file or directory"));
      break;
    case errc::limit_exceeded:
      diags.error(std::move(where), msg::file_too_large(limits.max_file_bytes));
      break;
    default: diags.error(std::move(where), msg::cannot_read_file(text.error().message()));
  }
  return std::nullopt;
}

std::optional<ticket_file> load_ticket_file(const source_file& source, const catalog& cat,
                                            timestamp default_at, diagnostics& diags,
                                            const load_limits& limits) {
  diagnostics found;
  const auto finish = [&](std::optional<ticket_file> out) -> std::optional<ticket_file> {
    found.sort();
    diags.append(found);
    if (found.has_errors()) return std::nullopt;
    return out;
  };
  const std::optional<yaml_node> tree = read_yaml(source.name, source.text, limits, found);
  if (!tree) return finish(std::nullopt);
  reader r(source.name, found);
  if (!tree->is_mapping()) {
    r.error(*tree, msg::wrong_kind("a ticket file", "a mapping", node_kind_name(tree->type)));
    return finish(std::nullopt);
  }
  const organisation& org = cat.org;
  const top_level keys = check_top_level(r, *tree, cat);

  ticket_file out;
  out.at = default_at;
  if (const yaml_node* at = keys["at"]) {
    if (const auto text = scalar(r, *at, quoted("at"))) {
      if (const auto t = parse_at(*text, org.utc_offset))
        out.at = *t;
      else
        r.error(*at,
                fmt::format("invalid instant '{}': expected YYYY-MM-DDTHH:MM:SS+08:00", *text));
    }
  }

  open_request& req = out.request;
  if (const yaml_node* type = keys["type"]) {
    if (const auto text = scalar(r, *type, quoted("type"))) {
      req.type = *text;
      out.flow = pick_workflow(r, *type, req.type, cat, out.at);
    }
  }
  if (const yaml_node* channel = keys["channel"]) {
    if (const auto text = scalar(r, *channel, quoted("channel"))) {
      req.channel = *text;
      if (!org.channels.empty())
        (void)check_reference(r, *channel, *text, "channel", ids_of(org.channels));
    }
  }
  if (const yaml_node* customer = keys["customer"]) {
    out.customer_where = r.pos(*customer);
    if (r.expect(*customer, yaml_node::kind::mapping, quoted("customer"))) {
      std::vector<const yaml_entry*> attributes;
      const yaml_node* id = nullptr;
      for (const yaml_entry* e : scalar_keyed(r, *customer)) {
        if (e->key.text == "id")
          id = &e->value;
        else
          attributes.push_back(e);
      }
      if (id == nullptr) {
        r.error(*customer, msg::missing_key("id"));
      } else if (auto text = bounded_text(r, *id, "the customer 'id'", max_id_bytes)) {
        if (text->empty()) r.error(*id, "the customer 'id' must not be empty");
        req.customer_id = std::move(*text);
      }
      read_values(r, attributes, org.customer_attributes, "customer", "customer attribute", {"id"},
                  req.customer);
    }
  }
  if (const yaml_node* fields = keys["fields"]; fields != nullptr && !fields->is_null()) {
    if (r.expect(*fields, yaml_node::kind::mapping, quoted("fields")) && out.flow != nullptr) {
      read_values(r, scalar_keyed(r, *fields), out.flow->fields, "ticket",
                  fmt::format("ticket field of workflow '{}'", out.flow->id), {}, req.fields);
    }
  }
  if (const yaml_node* description = keys["description"]) {
    if (auto text = bounded_text(r, *description, quoted("description"), max_text_bytes))
      req.description = std::move(*text);
  }
  if (const yaml_node* ref = keys["external_ref"]) {
    if (auto text = bounded_text(r, *ref, quoted("external_ref"), max_id_bytes))
      req.external_ref = std::move(*text);
  }
  return finish(std::move(out));
}

}  // namespace tierflow::detail
