// SPDX-License-Identifier: MIT
// The group keys of a report: their names on the command line and their
// parsing ("tier,region,class.issue_class").
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/kpi.hpp>

#include "text/suggest.hpp"

namespace tierflow::kpi {
namespace {

struct key_name {
  group_kind kind;
  std::string_view name;
};

// The order of the help text: the ticket's own attributes, then where it
// is, then who has it.
constexpr std::array<key_name, 7> plain_keys{{
    {group_kind::workflow, "workflow"},
    {group_kind::ticket_type, "type"},
    {group_kind::tier, "tier"},
    {group_kind::team, "team"},
    {group_kind::region, "region"},
    {group_kind::owner, "owner"},
    {group_kind::assignee, "assignee"},
}};

constexpr std::string_view class_prefix = "class.";

std::string accepted_keys() {
  std::string out;
  for (const auto& k : plain_keys) {
    out += k.name;
    out += ", ";
  }
  out += "class.NAME";
  return out;
}

}  // namespace

std::string to_string(const group_key& key) {
  if (key.kind == group_kind::classification) return std::string(class_prefix) + key.name;
  for (const auto& k : plain_keys)
    if (k.kind == key.kind) return std::string(k.name);
  return "unknown";
}

result<std::vector<group_key>> parse_group_keys(std::string_view text) {
  std::vector<group_key> keys;
  if (text.empty()) return keys;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string_view word = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    group_key key;
    bool known = false;
    if (word.starts_with(class_prefix) && word.size() > class_prefix.size()) {
      key = {group_kind::classification, std::string(word.substr(class_prefix.size()))};
      known = true;
    } else {
      for (const auto& k : plain_keys)
        if (k.name == word) {
          key = {k.kind, {}};
          known = true;
        }
    }
    if (!known) {
      if (word.empty())
        return fail(errc::invalid_argument, "empty group key in '" + std::string(text) + "'");
      std::vector<std::string_view> names;
      for (const auto& k : plain_keys) names.push_back(k.name);
      return fail(errc::invalid_argument, "unknown group key '" + std::string(word) + "'" +
                                              tierflow::detail::did_you_mean(word, names) +
                                              "; the keys are " + accepted_keys());
    }
    for (const auto& seen : keys)
      if (seen == key)
        return fail(errc::invalid_argument, "group key '" + std::string(word) + "' is given twice");
    keys.push_back(std::move(key));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return keys;
}

}  // namespace tierflow::kpi
