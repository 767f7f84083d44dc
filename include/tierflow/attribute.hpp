// SPDX-License-Identifier: MIT
// Typed attributes: the customer attribute schema and per-workflow ticket
// fields that routing and escalation conditions may test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <tierflow/diagnostic.hpp>
#include <tierflow/duration.hpp>

namespace tierflow {

/// The type of an attribute.
enum class value_kind : std::uint8_t {
  boolean,      ///< `bool`: true / false
  integer,      ///< `int`: whole numbers, optionally bounded
  number,       ///< `number`: decimals (kV, kVA, kWh), optionally bounded
  string,       ///< `string`: free text, compared for equality only
  enumeration,  ///< `enum`: one of a declared list of snake_case values
};

/// "bool", "int", "number", "string" or "enum", as written in YAML.
[[nodiscard]] constexpr std::string_view to_string(value_kind k) noexcept {
  switch (k) {
    case value_kind::boolean: return "bool";
    case value_kind::integer: return "int";
    case value_kind::number: return "number";
    case value_kind::string: return "string";
    case value_kind::enumeration: return "enum";
  }
  return "string";
}

/// A concrete attribute value. Enumeration values are held as their string.
using value = std::variant<bool, std::int64_t, double, std::string>;

/// The declared type of an attribute or ticket field.
struct attribute_type {
  value_kind kind = value_kind::string;
  /// The allowed values of an enumeration, in declaration order.
  std::vector<std::string> values;
  /// Inclusive bounds for int and number attributes, when declared.
  std::optional<double> min;
  std::optional<double> max;
};

/// How the engine computes a derived attribute from the customer's history:
/// the number of the customer's other tickets of `count_type` that are still
/// open or were closed within `within` (calendar time).
struct derivation {
  std::string count_type;
  duration within;
};

/// One attribute of the schema: `customer.<name>` or `ticket.<name>`.
struct attribute {
  std::string name;
  attribute_type type;
  /// Set for attributes the engine computes, never supplied by the host.
  std::optional<derivation> derived;
  /// Customer attributes only (`required: true`): the engine refuses to
  /// open a ticket whose request lacks it (errc::invalid_argument), and the
  /// validator counts on every ticket carrying it (a required `region`
  /// means no ticket lands in a region-split queue without a region).
  /// Never set on derived attributes or ticket fields: the loader refuses.
  bool required = false;
  std::string description;
  source_pos where;
};

/// Finds an attribute by name in a schema; nullptr when absent. O(n).
[[nodiscard]] inline const attribute* find_attribute(const std::vector<attribute>& schema,
                                                     std::string_view name) noexcept {
  for (const auto& a : schema)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace tierflow
