// SPDX-License-Identifier: MIT
// The loader's shared helpers: key checking and value parsers.
#include "language/load_common.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "language/messages.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail {

bool reader::expect(const yaml_node& n, yaml_node::kind k, std::string_view what) {
  if (n.type == k) return true;
  error(n, msg::wrong_kind(what, node_kind_name(k), node_kind_name(n.type)));
  return false;
}

std::string quoted(std::string_view key) { return fmt::format("'{}'", key); }

const yaml_node* mapping_fields::operator[](std::string_view key) const noexcept {
  for (const yaml_entry* e : entries_)
    if (e->key.text == key) return &e->value;
  return nullptr;
}

const yaml_node* mapping_fields::key(std::string_view key) const noexcept {
  for (const yaml_entry* e : entries_)
    if (e->key.text == key) return &e->key;
  return nullptr;
}

std::vector<const yaml_entry*> scalar_keyed(reader& r, const yaml_node& map) {
  std::vector<const yaml_entry*> out;
  out.reserve(map.entries.size());
  for (const yaml_entry& e : map.entries) {
    if (!e.key.is_scalar()) {
      r.error(e.key, msg::key_not_scalar(node_kind_name(e.key.type)));
      continue;
    }
    out.push_back(&e);
  }
  return out;
}

mapping_fields check_keys(reader& r, const yaml_node& map,
                          std::initializer_list<std::string_view> allowed,
                          std::initializer_list<std::string_view> required) {
  mapping_fields out;
  for (const yaml_entry* e : scalar_keyed(r, map)) {
    if (std::find(allowed.begin(), allowed.end(), e->key.text) == allowed.end()) {
      r.error(e->key, msg::unknown_key(e->key.text, did_you_mean(e->key.text, allowed)));
      continue;
    }
    out.entries_.push_back(e);
  }
  for (const std::string_view key : required)
    if (out[key] == nullptr) r.error(map, msg::missing_key(key));
  return out;
}

bool is_identifier(std::string_view text) noexcept {
  if (text.empty() || text.front() < 'a' || text.front() > 'z') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<std::string> scalar(reader& r, const yaml_node& n, std::string_view what) {
  if (!r.expect(n, yaml_node::kind::scalar, what)) return std::nullopt;
  return n.text;
}

std::optional<std::string> identifier(reader& r, const yaml_node& n, std::string_view what) {
  auto text = scalar(r, n, what);
  if (text && !is_identifier(*text)) r.error(n, msg::invalid_identifier(*text));
  return text;
}

std::optional<bool> boolean(reader& r, const yaml_node& n, std::string_view what) {
  const auto text = scalar(r, n, what);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  r.error(n, msg::invalid_bool(*text));
  return std::nullopt;
}

std::optional<duration> duration_value(reader& r, const yaml_node& n, std::string_view what) {
  const auto text = scalar(r, n, what);
  if (!text) return std::nullopt;
  const auto d = parse_duration(*text);
  if (!d) r.error(n, msg::invalid_duration(*text));
  return d;
}

std::optional<std::chrono::sys_days> date_value(reader& r, const yaml_node& n,
                                                std::string_view what) {
  const auto text = scalar(r, n, what);
  if (!text) return std::nullopt;
  const auto day = parse_date(*text);
  if (!day) {
    // The loader's own wording, which the bad-file corpus pins; parse_date's
    // message says more but would change every golden diagnostic.
    r.error(n, msg::invalid_date(*text));
    return std::nullopt;
  }
  return *day;
}

const std::vector<yaml_node>* sequence(reader& r, const yaml_node& n, std::string_view what,
                                       bool non_empty) {
  if (!r.expect(n, yaml_node::kind::sequence, what)) return nullptr;
  if (non_empty && n.items.empty()) {
    r.error(n, msg::must_not_be_empty(what));
    return nullptr;
  }
  return &n.items;
}

std::vector<named_entry> identifier_list(reader& r, const yaml_node& n, std::string_view key,
                                         std::string_view what, bool non_empty,
                                         bool allow_repeats) {
  std::vector<named_entry> out;
  const auto* items = sequence(r, n, quoted(key), non_empty);
  if (items == nullptr) return out;
  std::set<std::string> seen;
  for (const yaml_node& item : *items) {
    const auto id = identifier(r, item, fmt::format("an entry of {}", quoted(key)));
    if (!id) continue;
    if (!seen.insert(*id).second && !allow_repeats) {
      r.error(item, msg::duplicate(what, *id));
      continue;
    }
    out.push_back({*id, r.pos(item)});
  }
  return out;
}

bool check_reference(reader& r, const yaml_node& at, std::string_view id, std::string_view what,
                     const std::vector<std::string>& candidates) {
  if (std::find(candidates.begin(), candidates.end(), id) != candidates.end()) return true;
  r.error(at, msg::unknown(what, id, did_you_mean(id, candidates)));
  return false;
}

}  // namespace tierflow::detail
