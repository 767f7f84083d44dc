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
#include "language/load_ticket.hpp"
#include "language/load_yaml.hpp"
#include "language/messages.hpp"
#include "language/read_source.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail {
namespace {

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

}  // namespace

std::optional<source_file> read_ticket_source(const std::string& path, diagnostics& diags,
                                              const load_limits& limits) {
  return read_source_file(path, diags, limits);
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
      if (const auto t = parse_local_instant(*text, org.utc_offset))
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
    if (r.expect(*customer, yaml_node::kind::mapping, quoted("customer")))
      read_customer(r, *customer, org, req);
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
