// SPDX-License-Identifier: MIT
// Customer generation. See population.hpp.
#include "simulation/population.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include "text/number.hpp"

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

/// "SEGMENT-000042" written into `out` (its capacity kept).
void customer_id_into(const std::string& segment, std::uint64_t n, std::string& out) {
  out.assign(segment);
  out += '-';
  tierflow::detail::append_zero_padded(out, n, 6);
}

[[nodiscard]] std::string customer_id(const std::string& segment, std::uint64_t n) {
  std::string out;
  customer_id_into(segment, n, out);
  return out;
}

/// Sets element `at` of `out` to (name, v), appending when `out` is that
/// short: assigned in place, so the element's strings keep their capacity.
template <class Value>
void put_attribute(attribute_values& out, std::size_t at, std::string_view name, Value&& v) {
  if (at == out.size()) {
    out.emplace_back(std::string(name), value{std::forward<Value>(v)});
    return;
  }
  out[at].first.assign(name);
  out[at].second = std::forward<Value>(v);
}

/// The schema entry of each of the segment's generators. Errors: a name
/// the schema lacks, or one the engine derives.
[[nodiscard]] result<std::vector<const attribute*>> schema_of(const segment& seg,
                                                              const organisation& org) {
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
  return schema;
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
    auto schema = schema_of(seg, org);
    if (!schema) return fail(schema.error());
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
        auto v = draw_value(seg.attributes[i], (*schema)[i]->type, rng);
        if (!v) return fail(errc::invalid_argument, "segment " + seg.id + ": " + v.error().message());
        c.attributes.emplace_back(seg.attributes[i].name, std::move(*v));
      }
      out.push_back(std::move(c));
    }
  }
  out.insert(out.end(), sc.customers.loaded.begin(), sc.customers.loaded.end());
  return out;
}

result<customer_table> customer_table::make(const scenario& sc, const organisation& org,
                                            random_source& rng) {
  customer_table out(sc.customers.loaded);
  out.has_region_ = org.find_customer_attribute("region") != nullptr;
  for (const auto& r : org.regions) out.every_region_.emplace_back(r.id, 1.0);
  // make_population's loop, drawing the same values in the same order, but
  // keeping each as a choice's index or a number's bits.
  for (const auto& seg : sc.customers.segments) {
    auto schema = schema_of(seg, org);
    if (!schema) return fail(schema.error());
    block b;
    b.seg = &seg;
    b.first = out.generated_;
    b.every_region = seg.regions.empty();
    for (std::size_t i = 0; i < seg.attributes.size(); ++i) {
      const value_generator& gen = seg.attributes[i];
      // The region is drawn by the segment's weights.
      if (gen.name == "region") continue;
      column c;
      c.gen = &gen;
      c.type = &(*schema)[i]->type;
      if (gen.shape != value_generator::kind::choice) {
        c.keep = column::held::number;
        c.slot = b.numbered++;
      } else {
        if (gen.choices.size() > std::numeric_limits<std::uint32_t>::max())
          return fail(errc::invalid_argument,
                      "segment " + seg.id + ": '" + gen.name + "' has too many choices");
        for (const auto& choice : gen.choices) c.typed.push_back(typed_text(gen, *c.type, choice.first));
        if (gen.choices.size() > 1) {
          c.keep = column::held::picked;
          c.slot = b.picked++;
        }
      }
      b.columns.push_back(std::move(c));
    }
    const weighted& regions = out.regions_of(b);
    const auto count = static_cast<std::size_t>(seg.count);
    b.region_of.reserve(count);
    b.picks.reserve(count * b.picked);
    b.numbers.reserve(count * b.numbered);
    for (std::uint64_t n = 1; n <= seg.count; ++n) {
      b.region_of.push_back(regions.empty() ? no_region
                                            : static_cast<std::uint32_t>(rng.pick(regions)));
      for (const column& c : b.columns) {
        const value_generator& gen = *c.gen;
        if (c.keep == column::held::number) {
          auto v = draw_value(gen, *c.type, rng);
          if (!v) return fail(errc::invalid_argument, "segment " + seg.id + ": " + v.error().message());
          // A drawn number is typed as an int64 or a double, nothing else.
          b.numbers.push_back(std::holds_alternative<std::int64_t>(*v)
                                  ? std::bit_cast<std::uint64_t>(std::get<std::int64_t>(*v))
                                  : std::bit_cast<std::uint64_t>(std::get<double>(*v)));
          continue;
        }
        if (gen.choices.empty())
          return fail(errc::invalid_argument,
                      "segment " + seg.id + ": '" + gen.name + "' has no value to choose");
        const std::size_t k = rng.pick(gen.choices);
        if (!c.typed[k])
          return fail(errc::invalid_argument,
                      "segment " + seg.id + ": " + c.typed[k].error().message());
        if (c.keep == column::held::picked) b.picks.push_back(static_cast<std::uint32_t>(k));
      }
    }
    out.generated_ += count;
    if (count > 0) out.blocks_.push_back(std::move(b));
  }
  return out;
}

const customer_table::block* customer_table::block_of(std::size_t i) const noexcept {
  if (i >= generated_) return nullptr;
  // The last block starting at or before i (no block is empty).
  auto after = std::upper_bound(blocks_.begin(), blocks_.end(), i,
                                [](std::size_t x, const block& b) { return x < b.first; });
  return &*std::prev(after);
}

std::string customer_table::id(std::size_t i) const {
  const block* b = block_of(i);
  if (b == nullptr) return (*loaded_)[i - generated_].id;
  return customer_id(b->seg->id, i - b->first + 1);
}

std::string_view customer_table::segment(std::size_t i) const {
  const block* b = block_of(i);
  if (b == nullptr) return (*loaded_)[i - generated_].segment;
  return b->seg->id;
}

std::string_view customer_table::region(std::size_t i) const {
  const block* b = block_of(i);
  if (b == nullptr) return (*loaded_)[i - generated_].region;
  const std::uint32_t r = b->region_of[i - b->first];
  if (r == no_region) return {};
  return regions_of(*b)[r].first;
}

void customer_table::id_into(std::size_t i, std::string& out) const {
  const block* b = block_of(i);
  if (b == nullptr) {
    out.assign((*loaded_)[i - generated_].id);
    return;
  }
  customer_id_into(b->seg->id, i - b->first + 1, out);
}

attribute_values customer_table::attributes(std::size_t i) const {
  attribute_values out;
  attributes_into(i, out);
  return out;
}

void customer_table::attributes_into(std::size_t i, attribute_values& out) const {
  const block* b = block_of(i);
  if (b == nullptr) {
    out = (*loaded_)[i - generated_].attributes;
    return;
  }
  const std::size_t n = i - b->first;
  std::size_t at = 0;
  if (has_region_) {
    const std::string_view r = region(i);
    if (!r.empty()) put_attribute(out, at++, "region", regions_of(*b)[b->region_of[n]].first);
  }
  for (const column& c : b->columns) {
    switch (c.keep) {
      case column::held::constant: put_attribute(out, at, c.gen->name, *c.typed.front()); break;
      case column::held::picked:
        put_attribute(out, at, c.gen->name, *c.typed[b->picks[n * b->picked + c.slot]]);
        break;
      case column::held::number: {
        const std::uint64_t bits = b->numbers[n * b->numbered + c.slot];
        if (c.type->kind == value_kind::integer)
          put_attribute(out, at, c.gen->name, std::bit_cast<std::int64_t>(bits));
        else
          put_attribute(out, at, c.gen->name, std::bit_cast<double>(bits));
        break;
      }
    }
    ++at;
  }
  out.resize(at);
}

customer customer_table::at(std::size_t i) const {
  if (i >= generated_) return (*loaded_)[i - generated_];
  return {id(i), std::string(segment(i)), std::string(region(i)), attributes(i)};
}

}  // namespace tierflow::sim::detail
