// SPDX-License-Identifier: MIT
// Customer generation. See population.hpp.
#include "simulation/population.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace tierflow::sim::detail {

namespace {

[[nodiscard]] double clamp_to(const attribute_type& type, double x) noexcept {
  if (type.min && x < *type.min) x = *type.min;
  if (type.max && x > *type.max) x = *type.max;
  return x;
}

[[nodiscard]] result<value> typed_number(const value_generator& gen, const attribute_type& type,
                                         double x) {
  x = clamp_to(type, x);
  // Beyond 2^53 an int is no longer a drawn count of anything; and the
  // conversion below must stay defined.
  if (!std::isfinite(x) || std::fabs(x) > 9.0e15)
    return fail(errc::invalid_argument, "'" + gen.name + "' drew " + std::to_string(x) +
                                            ", out of range");
  switch (type.kind) {
    case value_kind::integer: return value{static_cast<std::int64_t>(std::llround(x))};
    case value_kind::number: return value{x};
    case value_kind::boolean:
    case value_kind::string:
    case value_kind::enumeration: break;
  }
  return fail(errc::invalid_argument, "'" + gen.name + "' is " + std::string(to_string(type.kind)) +
                                          ": a number cannot be drawn for it");
}

[[nodiscard]] result<value> typed_text(const value_generator& gen, const attribute_type& type,
                                       const std::string& text) {
  switch (type.kind) {
    case value_kind::boolean:
      if (text == "true") return value{true};
      if (text == "false") return value{false};
      break;
    case value_kind::integer:
    case value_kind::number: {
      double x = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
      if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(x)) break;
      return typed_number(gen, type, x);
    }
    case value_kind::string:
    case value_kind::enumeration: return value{text};
  }
  return fail(errc::invalid_argument, "'" + gen.name + "' is " + std::string(to_string(type.kind)) +
                                          ", not '" + text + "'");
}

[[nodiscard]] std::string customer_id(const std::string& segment, std::uint64_t n) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%06llu", static_cast<unsigned long long>(n));
  return segment + "-" + digits;
}

}  // namespace

result<value> draw_value(const value_generator& gen, const attribute_type& type,
                         random_source& rng) {
  switch (gen.shape) {
    case value_generator::kind::choice:
      if (gen.choices.empty())
        return fail(errc::invalid_argument, "'" + gen.name + "' has no value to choose");
      return typed_text(gen, type, gen.choices[rng.pick(gen.choices)].first);
    case value_generator::kind::uniform: return typed_number(gen, type, rng.uniform(gen.low, gen.high));
    case value_generator::kind::lognormal:
      return typed_number(gen, type, rng.lognormal(gen.low, gen.high));
  }
  return fail(errc::invalid_argument, "'" + gen.name + "' has an unknown shape");
}

result<std::vector<customer>> make_population(const scenario& sc, const organisation& org,
                                              random_source& rng) {
  std::vector<customer> out;
  std::uint64_t total = sc.customers.loaded.size();
  for (const auto& seg : sc.customers.segments) total += seg.count;
  out.reserve(static_cast<std::size_t>(total));
  const bool has_region = org.find_customer_attribute("region") != nullptr;
  weighted every_region;
  for (const auto& r : org.regions) every_region.emplace_back(r.id, 1.0);
  // The schema entries of each segment's generators, looked up once.
  for (const auto& seg : sc.customers.segments) {
    std::vector<const attribute*> schema;
    for (const auto& gen : seg.attributes) {
      const attribute* a = org.find_customer_attribute(gen.name);
      if (a == nullptr)
        return fail(errc::invalid_argument,
                    "segment " + seg.id + ": unknown customer attribute '" + gen.name + "'");
      if (a->derived)
        return fail(errc::invalid_argument, "segment " + seg.id + ": customer attribute '" +
                                                gen.name + "' is derived by the engine");
      schema.push_back(a);
    }
    const weighted& regions = seg.regions.empty() ? every_region : seg.regions;
    for (std::uint64_t n = 1; n <= seg.count; ++n) {
      customer c;
      c.id = customer_id(seg.id, n);
      c.segment = seg.id;
      if (!regions.empty()) c.region = regions[rng.pick(regions)].first;
      c.attributes.reserve(seg.attributes.size() + 1);
      if (has_region && !c.region.empty()) c.attributes.emplace_back("region", value{c.region});
      for (std::size_t i = 0; i < seg.attributes.size(); ++i) {
        // The region is drawn by the segment's weights above.
        if (seg.attributes[i].name == "region") continue;
        auto v = draw_value(seg.attributes[i], schema[i]->type, rng);
        if (!v) return fail(errc::invalid_argument, "segment " + seg.id + ": " + v.error().message());
        c.attributes.emplace_back(seg.attributes[i].name, std::move(*v));
      }
      out.push_back(std::move(c));
    }
  }
  out.insert(out.end(), sc.customers.loaded.begin(), sc.customers.loaded.end());
  return out;
}

}  // namespace tierflow::sim::detail
