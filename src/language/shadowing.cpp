// SPDX-License-Identifier: MIT
// Partly shadowed routing rules. See validate_checks.hpp.
//
// First match wins, so a part of a rule that an earlier rule always takes
// is dead text: the author thinks it routes tickets that it never sees.
// Each condition is put in disjunctive normal form (an `any` of `all`s of
// comparisons, `not` pushed down to the comparisons); a disjunct D of a
// later rule is shadowed when it implies a disjunct K of an earlier one:
// every comparison of K is implied by a comparison of D on the same field.
// A comparison stands for the set of values it lets through, plus whether
// it holds for a ticket that lacks the field (a comparison does not, its
// `not` does: a missing attribute never routes a ticket up), so implication
// is set containment. Sound, not complete: a disjunct that only several
// earlier rules together take is not reported.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "language/messages.hpp"
#include "language/validate_checks.hpp"

namespace tierflow::detail {
namespace {

/// Beyond this many disjuncts a condition is left alone: the check runs on
/// every load.
constexpr std::size_t max_disjuncts = 64;

constexpr double inf = std::numeric_limits<double>::infinity();

struct interval {
  double lo = -inf, hi = inf;
  bool lo_closed = false, hi_closed = false;

  [[nodiscard]] bool empty() const { return lo > hi || (lo == hi && !(lo_closed && hi_closed)); }
  [[nodiscard]] bool within(const interval& o) const {
    const bool lo_ok = o.lo < lo || (o.lo == lo && (o.lo_closed || !lo_closed));
    const bool hi_ok = hi < o.hi || (hi == o.hi && (o.hi_closed || !hi_closed));
    return lo_ok && hi_ok;
  }
};

/// The values a comparison lets through.
struct value_set {
  bool numeric = false;
  std::vector<interval> ranges;  ///< numeric: sorted, disjoint, never touching
  std::set<std::string> names;   ///< otherwise: these values, or all but these
  bool all_but = false;
};

struct atom {
  const condition* cmp = nullptr;  ///< the comparison it comes from
  bool negated = false;
  value_set values;
  bool holds_when_absent = false;
};

struct conjunct {
  std::vector<atom> atoms;
  source_pos where;
  bool placed = false;  ///< `where` is the `any` branch it comes from
};

using dnf = std::vector<conjunct>;

double number_of(const value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return 0;
}

std::string name_of(const value& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return fmt::format("{}", std::get<double>(v));
}

/// The complement of sorted disjoint ranges.
std::vector<interval> complement(const std::vector<interval>& in) {
  std::vector<interval> out;
  interval next{-inf, inf, false, false};
  for (const interval& r : in) {
    interval gap{next.lo, r.lo, next.lo_closed, !r.lo_closed};
    if (!gap.empty()) out.push_back(gap);
    next = {r.hi, inf, !r.hi_closed, false};
  }
  if (!next.empty()) out.push_back(next);
  return out;
}

/// What the field's declaration says about it: its finite domain (enum,
/// bool, ticket type, channel) and numeric bounds.
struct field_info {
  std::optional<std::vector<std::string>> domain;
  interval bounds;
  bool integral = false;
};

class shadow_check {
 public:
  shadow_check(const workflow& wf, const organisation& org, diagnostics& diags)
      : wf_(wf), org_(org), diags_(diags) {}

  void run() {
    std::vector<std::optional<dnf>> forms;
    for (std::size_t j = 0; j < wf_.routing.size(); ++j) {
      const routing_rule& b = wf_.routing[j];
      // After a rule without `when` the loader has flagged every rule.
      if (!b.when) break;
      forms.push_back(normal_form(*b.when));
      if (!forms.back() || already_flagged(b)) continue;
      check_rule(j, *forms.back(), forms);
    }
  }

 private:
  /// The loader's own warning: the rule comes after one that always matches.
  [[nodiscard]] bool already_flagged(const routing_rule& b) const {
    const std::string prefix = fmt::format("routing rule '{}' can never match", b.id);
    return std::any_of(diags_.items().begin(), diags_.items().end(), [&](const diagnostic& d) {
      return d.where == b.where && d.message.starts_with(prefix);
    });
  }

  [[nodiscard]] field_info info(std::string_view field) const {
    field_info out;
    const attribute* a = nullptr;
    if (field.starts_with("customer.")) {
      a = org_.find_customer_attribute(field.substr(9));
    } else if (field == "ticket.type") {
      out.domain = wf_.ticket_types;
    } else if (field == "ticket.channel") {
      std::vector<std::string> ids;
      for (const named_entry& c : org_.channels) ids.push_back(c.id);
      if (!ids.empty()) out.domain = std::move(ids);
    } else if (field.starts_with("ticket.times.")) {
      out.integral = true;
      out.bounds = {0, inf, true, false};
    } else if (field.starts_with("ticket.")) {
      a = find_attribute(wf_.fields, field.substr(7));
    }
    if (a != nullptr) {
      if (a->type.kind == value_kind::enumeration) out.domain = a->type.values;
      if (a->type.kind == value_kind::boolean)
        out.domain = std::vector<std::string>{"false", "true"};
      out.integral = a->type.kind == value_kind::integer;
      if (a->type.min) out.bounds = {*a->type.min, out.bounds.hi, true, out.bounds.hi_closed};
      if (a->type.max) out.bounds = {out.bounds.lo, *a->type.max, out.bounds.lo_closed, true};
    }
    return out;
  }

  /// Keeps `s` inside what the field can hold: within its bounds, whole
  /// numbers as closed integer ranges, a finite domain as plain names.
  void normalise(value_set& s, const field_info& fi) const {
    if (s.numeric) {
      std::vector<interval> out;
      for (interval r : s.ranges) {
        if (fi.bounds.lo > r.lo || (fi.bounds.lo == r.lo && !fi.bounds.lo_closed))
          r.lo = fi.bounds.lo, r.lo_closed = fi.bounds.lo_closed;
        if (fi.bounds.hi < r.hi || (fi.bounds.hi == r.hi && !fi.bounds.hi_closed))
          r.hi = fi.bounds.hi, r.hi_closed = fi.bounds.hi_closed;
        if (fi.integral) {
          if (std::isfinite(r.lo)) {
            const double c = std::ceil(r.lo);
            r.lo = (c == r.lo && !r.lo_closed) ? c + 1 : c;
            r.lo_closed = true;
          }
          if (std::isfinite(r.hi)) {
            const double f = std::floor(r.hi);
            r.hi = (f == r.hi && !r.hi_closed) ? f - 1 : f;
            r.hi_closed = true;
          }
        }
        if (!r.empty()) out.push_back(r);
      }
      s.ranges = std::move(out);
      return;
    }
    if (s.all_but && fi.domain) {
      std::set<std::string> rest;
      for (const std::string& d : *fi.domain)
        if (!s.names.contains(d)) rest.insert(d);
      s.names = std::move(rest);
      s.all_but = false;
    }
  }

  [[nodiscard]] std::optional<atom> make_atom(const condition& c, bool negated) const {
    if (c.operands.empty()) return std::nullopt;
    atom a;
    a.cmp = &c;
    a.negated = negated;
    value_set& s = a.values;
    const bool numeric = c.field_kind == value_kind::integer || c.field_kind == value_kind::number;
    s.numeric = numeric;
    const double x = numeric ? number_of(c.operands.front()) : 0;
    switch (c.op) {
      case compare_op::lt: s.ranges.push_back({-inf, x, false, false}); break;
      case compare_op::le: s.ranges.push_back({-inf, x, false, true}); break;
      case compare_op::gt: s.ranges.push_back({x, inf, false, false}); break;
      case compare_op::ge: s.ranges.push_back({x, inf, true, false}); break;
      case compare_op::eq:
      case compare_op::ne:
      case compare_op::in: {
        if (numeric) {
          std::vector<double> points;
          for (const value& v : c.operands) points.push_back(number_of(v));
          std::sort(points.begin(), points.end());
          points.erase(std::unique(points.begin(), points.end()), points.end());
          for (const double p : points) s.ranges.push_back({p, p, true, true});
          if (c.op == compare_op::ne) s.ranges = complement(s.ranges);
        } else {
          for (const value& v : c.operands) s.names.insert(name_of(v));
          s.all_but = c.op == compare_op::ne;
        }
        break;
      }
    }
    if (!numeric && c.op != compare_op::eq && c.op != compare_op::ne && c.op != compare_op::in)
      return std::nullopt;
    if (negated) {
      if (numeric)
        s.ranges = complement(s.ranges);
      else
        s.all_but = !s.all_but;
      a.holds_when_absent = true;
    }
    normalise(s, info(c.field));
    return a;
  }

  [[nodiscard]] static bool subset(const value_set& a, const value_set& b) {
    if (a.numeric != b.numeric) return false;
    if (a.numeric) {
      return std::all_of(a.ranges.begin(), a.ranges.end(), [&](const interval& r) {
        return std::any_of(b.ranges.begin(), b.ranges.end(),
                           [&](const interval& o) { return r.within(o); });
      });
    }
    const auto all_in = [](const std::set<std::string>& x, const std::set<std::string>& y) {
      return std::includes(y.begin(), y.end(), x.begin(), x.end());
    };
    if (!a.all_but && !b.all_but) return all_in(a.names, b.names);
    if (!a.all_but && b.all_but)
      return std::none_of(a.names.begin(), a.names.end(),
                          [&](const std::string& n) { return b.names.contains(n); });
    if (a.all_but && b.all_but) return all_in(b.names, a.names);
    return false;  // all but some, of a domain not known to be finite
  }

  [[nodiscard]] static bool implies(const atom& d, const atom& k) {
    return d.cmp->field == k.cmp->field && (!d.holds_when_absent || k.holds_when_absent) &&
           subset(d.values, k.values);
  }

  [[nodiscard]] static bool implies(const conjunct& d, const conjunct& k) {
    return std::all_of(k.atoms.begin(), k.atoms.end(), [&](const atom& ka) {
      return std::any_of(d.atoms.begin(), d.atoms.end(),
                         [&](const atom& da) { return implies(da, ka); });
    });
  }

  /// The disjunctive normal form of `c` (of its negation when `negated`);
  /// nullopt past max_disjuncts or on a comparison it cannot read.
  [[nodiscard]] std::optional<dnf> normal_form(const condition& c, bool negated = false) const {
    switch (c.node) {
      case condition::kind::compare: {
        auto a = make_atom(c, negated);
        if (!a) return std::nullopt;
        return dnf{conjunct{{std::move(*a)}, c.where, false}};
      }
      case condition::kind::negate:
        if (c.children.empty()) return negated ? dnf{} : dnf{conjunct{{}, c.where, false}};
        return normal_form(c.children.front(), !negated);
      case condition::kind::all:
      case condition::kind::any: break;
    }
    const bool product = (c.node == condition::kind::all) != negated;
    if (product) {
      dnf out{conjunct{{}, c.where, false}};
      for (const condition& child : c.children) {
        auto f = normal_form(child, negated);
        if (!f) return std::nullopt;
        dnf next;
        for (const conjunct& left : out) {
          for (const conjunct& right : *f) {
            conjunct both = left;
            both.atoms.insert(both.atoms.end(), right.atoms.begin(), right.atoms.end());
            if (!both.placed && right.placed) {
              both.where = right.where;
              both.placed = true;
            }
            next.push_back(std::move(both));
          }
        }
        if (next.size() > max_disjuncts) return std::nullopt;
        out = std::move(next);
      }
      return out;
    }
    dnf out;
    for (const condition& child : c.children) {
      auto f = normal_form(child, negated);
      if (!f) return std::nullopt;
      for (conjunct& k : *f) {
        if (!k.placed) {
          k.where = child.where;
          k.placed = true;
        }
        out.push_back(std::move(k));
      }
      if (out.size() > max_disjuncts) return std::nullopt;
    }
    return out;
  }

  /// The first earlier rule (and its line) that takes every ticket `d` describes.
  [[nodiscard]] const routing_rule* shadower(const conjunct& d, std::size_t before,
                                             const std::vector<std::optional<dnf>>& forms) const {
    for (std::size_t i = 0; i < before; ++i) {
      if (!forms[i]) continue;
      for (const conjunct& k : *forms[i])
        if (implies(d, k)) return &wf_.routing[i];
    }
    return nullptr;
  }

  /// A comparison as the author wrote it: `customer.x: a`, `customer.y: { ge: 10 }`.
  [[nodiscard]] static std::string written(const atom& a, const value* only = nullptr) {
    const condition& c = *a.cmp;
    std::string text;
    if (only != nullptr) {
      text = fmt::format("{}: {}", c.field, name_of(*only));
    } else if (c.op == compare_op::eq) {
      text = fmt::format("{}: {}", c.field, name_of(c.operands.front()));
    } else if (c.op == compare_op::in) {
      std::vector<std::string> names;
      for (const value& v : c.operands) names.push_back(name_of(v));
      text = fmt::format("{}: {{ in: [{}] }}", c.field, fmt::join(names, ", "));
    } else {
      text = fmt::format("{}: {{ {}: {} }}", c.field, to_string(c.op), name_of(c.operands.front()));
    }
    return a.negated ? fmt::format("not {}", text) : text;
  }

  [[nodiscard]] static std::string written(const conjunct& d, const atom* replaced = nullptr,
                                           const value* by = nullptr) {
    std::vector<std::string> parts;
    for (const atom& a : d.atoms) parts.push_back(&a == replaced ? written(a, by) : written(a));
    return fmt::format("{}", fmt::join(parts, ", "));
  }

  [[nodiscard]] std::string ref(const routing_rule& r) const {
    return line_ref(r.where, wf_.where.file);
  }

  void check_rule(std::size_t j, const dnf& form, const std::vector<std::optional<dnf>>& forms) {
    const routing_rule& b = wf_.routing[j];
    if (form.empty()) return;
    std::vector<const routing_rule*> by;
    for (const conjunct& d : form) by.push_back(shadower(d, j, forms));
    if (std::all_of(by.begin(), by.end(), [](const routing_rule* r) { return r != nullptr; })) {
      std::vector<const routing_rule*> named;
      for (const routing_rule* r : by)
        if (std::find(named.begin(), named.end(), r) == named.end()) named.push_back(r);
      std::vector<std::string> refs;
      for (const routing_rule* r : named) refs.push_back(fmt::format("'{}' ({})", r->id, ref(*r)));
      std::string list = refs.back();
      if (refs.size() > 1) {
        refs.pop_back();
        list = fmt::format("{} and {}", fmt::join(refs, ", "), list);
      }
      diags_.warning(b.where,
                     msg::wholly_shadowed_rule(
                         b.id, fmt::format("{} {}", named.size() > 1 ? "rules" : "rule", list)));
      return;
    }
    for (std::size_t k = 0; k < form.size(); ++k) {
      const conjunct& d = form[k];
      if (by[k] != nullptr) {
        diags_.warning(d.where,
                       msg::partly_shadowed_rule(b.id, by[k]->id, ref(*by[k]), written(d)));
        continue;
      }
      // One value of an `in` list: the disjunct with the list cut to it.
      for (const atom& a : d.atoms) {
        if (a.negated || a.cmp->op != compare_op::in || a.cmp->operands.size() < 2) continue;
        for (const value& v : a.cmp->operands) {
          condition one = *a.cmp;
          one.op = compare_op::eq;
          one.operands = {v};
          auto single = make_atom(one, false);
          if (!single) continue;
          conjunct narrowed = d;
          for (atom& x : narrowed.atoms)
            if (x.cmp == a.cmp) x.values = single->values;
          if (const routing_rule* r = shadower(narrowed, j, forms))
            diags_.warning(a.cmp->where, msg::shadowed_value(name_of(v), a.cmp->field, b.id, r->id,
                                                             ref(*r), written(d, &a, &v)));
        }
      }
    }
  }

  const workflow& wf_;
  const organisation& org_;
  diagnostics& diags_;
};

}  // namespace

void check_partly_shadowed_rules(const workflow& wf, const organisation& org, diagnostics& diags) {
  shadow_check(wf, org, diags).run();
}

}  // namespace tierflow::detail
