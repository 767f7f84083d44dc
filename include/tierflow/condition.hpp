// SPDX-License-Identifier: MIT
// Structured conditions (all / any / not / comparisons) over ticket and
// customer fields, type-checked at load time and evaluated by the engine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/attribute.hpp>
#include <tierflow/diagnostic.hpp>

namespace tierflow {

/// A comparison operator as written in YAML (`eq`, `ne`, `lt`, `le`, `gt`,
/// `ge`, `in`).
enum class compare_op : std::uint8_t { eq, ne, lt, le, gt, ge, in };

/// The YAML spelling of an operator.
[[nodiscard]] constexpr std::string_view to_string(compare_op op) noexcept {
  switch (op) {
    case compare_op::eq: return "eq";
    case compare_op::ne: return "ne";
    case compare_op::lt: return "lt";
    case compare_op::le: return "le";
    case compare_op::gt: return "gt";
    case compare_op::ge: return "ge";
    case compare_op::in: return "in";
  }
  return "eq";
}

/// A node of a condition tree.
///
/// `all` with no children is true, `any` with no children is false. A
/// comparison against a field the ticket or customer does not carry is false
/// (so `not` of it is true): a missing attribute never routes a ticket up.
struct condition {
  enum class kind : std::uint8_t { all, any, negate, compare };

  kind node = kind::all;
  std::vector<condition> children;  ///< all / any: operands; negate: exactly one
  /// compare only: the dotted field (`customer.voltage_kv`, `ticket.channel`).
  std::string field;
  compare_op op = compare_op::eq;
  /// compare only: one operand, or the list for `in`, already converted to
  /// the field's type (ints held as int64, numbers as double).
  std::vector<value> operands;
  /// compare only: the field's type, fixed at load time.
  value_kind field_kind = value_kind::string;
  source_pos where;
};

namespace detail {

[[nodiscard]] inline bool values_equal(const value& a, const value& b) noexcept {
  if (a.index() == b.index()) return a == b;
  // An int field may be compared against a number literal and vice versa.
  const auto as_double = [](const value& v, double& out) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) { out = static_cast<double>(*i); return true; }
    if (const auto* d = std::get_if<double>(&v)) { out = *d; return true; }
    return false;
  };
  double x = 0, y = 0;
  return as_double(a, x) && as_double(b, y) && x == y;
}

/// -1, 0, 1 for numeric values; 2 when not comparable.
[[nodiscard]] inline int compare_numbers(const value& a, const value& b) noexcept {
  double x = 0, y = 0;
  if (const auto* i = std::get_if<std::int64_t>(&a)) x = static_cast<double>(*i);
  else if (const auto* d = std::get_if<double>(&a)) x = *d;
  else return 2;
  if (const auto* i = std::get_if<std::int64_t>(&b)) y = static_cast<double>(*i);
  else if (const auto* d = std::get_if<double>(&b)) y = *d;
  else return 2;
  return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace detail

/// Evaluates `c`. `lookup(std::string_view field)` returns `const value*`,
/// nullptr when the ticket or customer lacks the field.
///
/// Complexity: linear in the size of the tree. Never throws if lookup doesn't.
template <class Lookup>
[[nodiscard]] bool evaluate(const condition& c, Lookup&& lookup) {
  switch (c.node) {
    case condition::kind::all:
      for (const auto& child : c.children)
        if (!evaluate(child, lookup)) return false;
      return true;
    case condition::kind::any:
      for (const auto& child : c.children)
        if (evaluate(child, lookup)) return true;
      return false;
    case condition::kind::negate:
      return c.children.empty() || !evaluate(c.children.front(), lookup);
    case condition::kind::compare: break;
  }
  const value* v = lookup(std::string_view(c.field));
  if (v == nullptr || c.operands.empty()) return false;
  const value& rhs = c.operands.front();
  switch (c.op) {
    case compare_op::eq: return detail::values_equal(*v, rhs);
    case compare_op::ne: return !detail::values_equal(*v, rhs);
    case compare_op::in:
      for (const auto& o : c.operands)
        if (detail::values_equal(*v, o)) return true;
      return false;
    case compare_op::lt: return detail::compare_numbers(*v, rhs) == -1;
    case compare_op::le: { const int r = detail::compare_numbers(*v, rhs); return r == -1 || r == 0; }
    case compare_op::gt: return detail::compare_numbers(*v, rhs) == 1;
    case compare_op::ge: { const int r = detail::compare_numbers(*v, rhs); return r == 1 || r == 0; }
  }
  return false;
}

}  // namespace tierflow
