// SPDX-License-Identifier: MIT
// The values of a simulation scenario: wall-clock durations, bounded
// numbers, weights, time distributions and attribute generators, each read
// from its node with its problems reported there.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "language/load_ticket.hpp"
#include "language/messages.hpp"
#include "simulation/load_messages.hpp"
#include "simulation/load_parts.hpp"
#include "text/number.hpp"
#include "text/suggest.hpp"

namespace tierflow::detail::sim_loading {

namespace {

/// A bound as messages write it: whole numbers without a fraction or an
/// exponent ("1000000", not "1e+06").
std::string bound_text(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

/// Digits with at most one decimal point and a digit before it: "90",
/// "1.5"; no sign, no exponent, so that "-5m" and "1e3s" are refused.
bool is_decimal(std::string_view text) noexcept {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  bool point = false;
  for (const char c : text) {
    if (c == '.') {
      if (point) return false;
      point = true;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return text.back() != '.';
}

bool is_numeric(value_kind k) noexcept {
  return k == value_kind::integer || k == value_kind::number;
}

}  // namespace

std::optional<double> wall_seconds(std::string_view text, bool plain_seconds, std::string& why) {
  std::size_t split = text.size();
  while (split > 0 && ((text[split - 1] >= 'a' && text[split - 1] <= 'z') ||
                       (text[split - 1] >= 'A' && text[split - 1] <= 'Z')))
    --split;
  const std::string_view number = text.substr(0, split);
  const std::string_view unit = text.substr(split);
  if (is_decimal(number) && (unit == "bh" || unit == "bd")) {
    why = sim_msg::business_duration(text);
    return std::nullopt;
  }
  double factor = 0;
  if (unit == "s" || (unit.empty() && plain_seconds))
    factor = 1;
  else if (unit == "m")
    factor = 60;
  else if (unit == "h")
    factor = 3600;
  else if (unit == "d")
    factor = 86'400;
  const auto amount = is_decimal(number) ? parse_number(number) : std::nullopt;
  if (factor == 0 || !amount) {
    why = sim_msg::invalid_duration(text);
    return std::nullopt;
  }
  const double seconds = *amount * factor;
  if (seconds > max_duration_s) {
    why = sim_msg::duration_too_long(text);
    return std::nullopt;
  }
  return seconds;
}

std::optional<double> duration_seconds(reader& r, const yaml_node& n, std::string_view what) {
  const auto text = scalar(r, n, what);
  if (!text) return std::nullopt;
  std::string why;
  const auto seconds = wall_seconds(*text, false, why);
  if (!seconds) r.error(n, why);
  return seconds;
}

std::optional<double> number_in(reader& r, const yaml_node& n, std::string_view what, double low,
                                double high, bool low_open) {
  const auto text = scalar(r, n, what);
  if (!text) return std::nullopt;
  const auto v = n.plain ? parse_number(*text) : std::nullopt;
  if (!v || (low_open ? *v <= low : *v < low) || *v > high) {
    const std::string range =
        low_open
            ? fmt::format("a number above {} and at most {}", bound_text(low), bound_text(high))
            : fmt::format("a number from {} to {}", bound_text(low), bound_text(high));
    r.error(n, sim_msg::out_of_range(what, range, *text));
    return std::nullopt;
  }
  return v;
}

std::optional<std::uint64_t> whole_in(reader& r, const yaml_node& n, std::string_view what,
                                      std::uint64_t low, std::uint64_t high) {
  const auto text = scalar(r, n, what);
  if (!text) return std::nullopt;
  const auto v = n.plain ? parse_integer(*text) : std::nullopt;
  if (!v || *v < 0 || static_cast<std::uint64_t>(*v) < low ||
      static_cast<std::uint64_t>(*v) > high) {
    r.error(n, sim_msg::out_of_range(what, fmt::format("a whole number from {} to {}", low, high),
                                     *text));
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(*v);
}

std::optional<double> weight_value(reader& r, const yaml_node& n) {
  const auto text = scalar(r, n, "a weight");
  if (!text) return std::nullopt;
  const auto v = n.plain ? parse_number(*text) : std::nullopt;
  // parse_number refuses inf and nan; a weight so large that the sum of a
  // few overflows is refused as well.
  if (!v || *v <= 0 || *v > 1e12) {
    r.error(n, sim_msg::invalid_weight(*text));
    return std::nullopt;
  }
  return v;
}

weighted read_weights(reader& r, const yaml_node& n, std::string_view key, std::string_view what,
                      const std::vector<std::string>* known) {
  weighted out;
  if (!r.expect(n, yaml_node::kind::mapping, detail::quoted(key))) return out;
  if (n.entries.empty()) {
    r.error(n, msg::must_not_be_empty(detail::quoted(key)));
    return out;
  }
  for (const yaml_entry* e : scalar_keyed(r, n)) {
    const bool ok = known == nullptr || check_reference(r, e->key, e->key.text, what, *known);
    const auto w = weight_value(r, e->value);
    if (ok && w) out.emplace_back(e->key.text, *w);
  }
  return out;
}

std::optional<time_distribution> read_time_distribution(context& cx, const yaml_node& n,
                                                        std::string_view what) {
  reader& r = cx.r;
  time_distribution out;
  out.where = r.pos(n);
  if (n.is_scalar()) {
    const auto s = duration_seconds(r, n, what);
    if (!s) return std::nullopt;
    out.mean_s = *s;
    return out;
  }
  if (!n.is_mapping() || n.entries.size() != 1 || !n.entries.front().key.is_scalar()) {
    r.error(n, sim_msg::time_distribution_shape());
    return std::nullopt;
  }
  const yaml_entry& e = n.entries.front();
  const std::string& shape = e.key.text;
  const yaml_node& v = e.value;
  const auto positive = [&](const yaml_node& at, std::string_view name) -> std::optional<double> {
    const auto s = duration_seconds(r, at, name);
    if (s && *s <= 0) {
      r.error(at, sim_msg::must_be_positive(name, at.text));
      return std::nullopt;
    }
    return s;
  };
  if (shape == "fixed") {
    const auto s = duration_seconds(r, v, detail::quoted("fixed"));
    if (!s) return std::nullopt;
    out.mean_s = *s;
  } else if (shape == "exponential") {
    out.shape = time_distribution::kind::exponential;
    const auto s = positive(v, "the mean of 'exponential'");
    if (!s) return std::nullopt;
    out.mean_s = *s;
  } else if (shape == "lognormal") {
    out.shape = time_distribution::kind::lognormal;
    if (!r.expect(v, yaml_node::kind::mapping, detail::quoted("lognormal"))) return std::nullopt;
    const mapping_fields keys = check_keys(r, v, {"mean", "sd"}, {"mean", "sd"});
    const auto mean =
        keys["mean"] ? positive(*keys["mean"], "'mean' of 'lognormal'") : std::nullopt;
    const auto sd = keys["sd"] ? positive(*keys["sd"], "'sd' of 'lognormal'") : std::nullopt;
    if (!mean || !sd) return std::nullopt;
    out.mean_s = *mean;
    out.sd_s = *sd;
  } else if (shape == "empirical") {
    out.shape = time_distribution::kind::empirical;
    const auto file = scalar(r, v, detail::quoted("empirical"));
    if (!file) return std::nullopt;
    if (file->empty()) {
      r.error(v, msg::must_not_be_empty(detail::quoted("empirical")));
      return std::nullopt;
    }
    auto samples = read_empirical_csv(cx, v, *file);
    if (!samples) return std::nullopt;
    out.samples_s = std::move(*samples);
  } else {
    r.error(e.key,
            sim_msg::unknown_distribution(
                shape, did_you_mean(shape, std::vector<std::string>{"fixed", "exponential",
                                                                    "lognormal", "empirical"})));
    return std::nullopt;
  }
  return out;
}

std::optional<value_generator> read_generator(reader& r, const yaml_entry& entry,
                                              const std::vector<attribute>& schema,
                                              std::string_view prefix, std::string_view what,
                                              std::string_view owner) {
  const std::string& name = entry.key.text;
  const attribute* a = find_attribute(schema, name);
  const std::string field = fmt::format("{}.{}", prefix, name);
  if (a == nullptr) {
    std::vector<std::string> names;
    for (const attribute& s : schema)
      if (!s.derived) names.push_back(s.name);
    r.error(entry.key, sim_msg::unknown_field(what, name, owner, did_you_mean(name, names)));
    return std::nullopt;
  }
  if (a->derived) {
    r.error(entry.key, sim_msg::derived_generated(field));
    return std::nullopt;
  }
  value_generator out;
  out.name = name;
  out.where = r.pos(entry.key);
  const yaml_node& n = entry.value;
  if (n.is_scalar()) {
    if (!convert_value(r, n, *a, field)) return std::nullopt;
    out.choices.emplace_back(n.text, 1.0);
    return out;
  }
  if (!n.is_mapping() || n.entries.size() != 1 || !n.entries.front().key.is_scalar()) {
    r.error(n, sim_msg::generator_shape());
    return std::nullopt;
  }
  const yaml_entry& e = n.entries.front();
  const std::string& shape = e.key.text;
  const yaml_node& v = e.value;
  if (shape == "choice") {
    if (!r.expect(v, yaml_node::kind::mapping, detail::quoted("choice"))) return std::nullopt;
    if (v.entries.empty()) {
      r.error(v, msg::must_not_be_empty(detail::quoted("choice")));
      return std::nullopt;
    }
    bool ok = true;
    for (const yaml_entry* c : scalar_keyed(r, v)) {
      const bool value_ok = convert_value(r, c->key, *a, field).has_value();
      const auto w = weight_value(r, c->value);
      if (value_ok && w)
        out.choices.emplace_back(c->key.text, *w);
      else
        ok = false;
    }
    if (!ok || out.choices.empty()) return std::nullopt;
    return out;
  }
  if (shape != "uniform" && shape != "lognormal") {
    r.error(e.key, sim_msg::unknown_distribution(
                       shape, did_you_mean(shape, std::vector<std::string>{"choice", "uniform",
                                                                           "lognormal"})));
    return std::nullopt;
  }
  if (!is_numeric(a->type.kind)) {
    r.error(e.key, sim_msg::needs_number(shape, field, to_string(a->type.kind)));
    return std::nullopt;
  }
  if (shape == "uniform") {
    out.shape = value_generator::kind::uniform;
    if (!v.is_sequence() || v.items.size() != 2) {
      r.error(v, sim_msg::uniform_shape());
      return std::nullopt;
    }
    // Each end is a value of the attribute: typed and within its bounds.
    const auto low = convert_value(r, v.items[0], *a, field);
    const auto high = convert_value(r, v.items[1], *a, field);
    if (!low || !high) return std::nullopt;
    out.low = *parse_number(v.items[0].text);
    out.high = *parse_number(v.items[1].text);
    if (out.low > out.high) {
      r.error(v, sim_msg::uniform_backward(v.items[0].text, v.items[1].text));
      return std::nullopt;
    }
    return out;
  }
  out.shape = value_generator::kind::lognormal;
  if (!r.expect(v, yaml_node::kind::mapping, detail::quoted("lognormal"))) return std::nullopt;
  const mapping_fields keys = check_keys(r, v, {"mean", "sd"}, {"mean", "sd"});
  const double huge = 1e15;
  const auto mean = keys["mean"]
                        ? number_in(r, *keys["mean"], "'mean' of 'lognormal'", 0, huge, true)
                        : std::nullopt;
  const auto sd =
      keys["sd"] ? number_in(r, *keys["sd"], "'sd' of 'lognormal'", 0, huge, true) : std::nullopt;
  if (!mean || !sd) return std::nullopt;
  out.low = *mean;
  out.high = *sd;
  return out;
}

}  // namespace tierflow::detail::sim_loading
