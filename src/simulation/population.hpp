// SPDX-License-Identifier: MIT
// The customers of a run: generated per segment from the scenario's value
// generators, typed by the organisation's attribute schema, or loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/attribute.hpp>
#include <tierflow/error.hpp>
#include <tierflow/organisation.hpp>
#include <tierflow/simulation.hpp>

#include "simulation/random.hpp"

namespace tierflow::sim::detail {

/// A value drawn from `gen`, typed by `type`: a choice's text read as a
/// bool, an int (rounded), a number, or kept as text (string, enum, region,
/// channel); a drawn number rounded for an int and kept within the
/// declared bounds, so that a long lognormal tail never makes a value the
/// engine refuses. Errors: errc::invalid_argument for a value the type
/// cannot take (a number for a text attribute, "maybe" for a bool).
[[nodiscard]] result<value> draw_value(const value_generator& gen, const attribute_type& type,
                                       random_source& rng);

/// Every customer of the scenario: the generated segments in order
/// ("SEGMENT-000001", …; region by the segment's weights, else equal over
/// the organisation's regions; `region` set as an attribute when the schema
/// declares it), then the loaded ones as they are. Errors:
/// errc::invalid_argument for a generator naming an attribute the schema
/// lacks or one the engine derives, and draw_value's. A run holds its
/// customers as a customer_table instead; this whole-population form is
/// what the table is checked against.
[[nodiscard]] result<std::vector<customer>> make_population(const scenario& sc,
                                                            const organisation& org,
                                                            random_source& rng);

/// The same population as make_population (the same draws in the same
/// order, so the same customers at the same indexes), held compactly for a
/// run: a city's million customers as a vector<customer> are ~1.4 KB each,
/// gigabytes touched before the first ticket. Per customer it keeps the
/// index of its drawn region and, per attribute, the index of the drawn
/// choice (whose typed value is made once per choice) or the drawn
/// number's bits; the segment, the attribute names and the id's prefix are
/// the segment's, and the id is made from the segment and ordinal when
/// asked for. Loaded customers are the scenario's own, not copied.
///
/// It refers to the scenario and organisation it was made from: both must
/// outlive it.
class customer_table {
 public:
  /// Draws the population. Errors: make_population's, for the same input.
  [[nodiscard]] static result<customer_table> make(const scenario& sc, const organisation& org,
                                                   random_source& rng);

  /// Generated and loaded customers together.
  [[nodiscard]] std::size_t size() const noexcept { return generated_ + loaded_->size(); }

  /// Customer `i` (< size()) as make_population's element `i`; the parts
  /// below are its fields, made alone for who needs only one.
  [[nodiscard]] customer at(std::size_t i) const;
  [[nodiscard]] std::string id(std::size_t i) const;
  [[nodiscard]] std::string_view segment(std::size_t i) const;
  /// "" when the customer has none (no region to draw from).
  [[nodiscard]] std::string_view region(std::size_t i) const;
  [[nodiscard]] attribute_values attributes(std::size_t i) const;
  /// id(i) and attributes(i) written into `out` instead of new objects:
  /// its elements are assigned in place (their strings keep their
  /// capacity), so a run that opens ticket after ticket through one request
  /// allocates nothing per arrival once the request has held its longest.
  void id_into(std::size_t i, std::string& out) const;
  void attributes_into(std::size_t i, attribute_values& out) const;

 private:
  static constexpr std::uint32_t no_region = 0xffffffffU;

  /// One drawn attribute of a segment's customers.
  struct column {
    enum class held : std::uint8_t { constant, picked, number };
    const value_generator* gen = nullptr;
    const attribute_type* type = nullptr;
    /// constant: a choice of one (still drawn, so the draws stay in step);
    /// picked: a choice of several, the index in `picks`; number: drawn
    /// from a distribution, its bits in `numbers`.
    held keep = held::constant;
    std::size_t slot = 0;
    /// A choice's typed value (or its refusal), per choice, made once.
    std::vector<result<value>> typed;
  };
  /// A generated segment's customers, indexes [first, first + seg->count).
  struct block {
    const sim::segment* seg = nullptr;
    std::size_t first = 0;
    /// Drawn from the organisation's regions (the segment names none).
    bool every_region = false;
    std::vector<column> columns;
    std::size_t picked = 0, numbered = 0;  // columns held so
    std::vector<std::uint32_t> region_of;  // by ordinal - 1; no_region for none
    /// By (ordinal - 1) · picked + slot: the drawn choice's index.
    std::vector<std::uint32_t> picks;
    /// By (ordinal - 1) · numbered + slot: an int64's or a double's bits.
    std::vector<std::uint64_t> numbers;
  };

  explicit customer_table(const std::vector<customer>& loaded) : loaded_(&loaded) {}
  [[nodiscard]] const block* block_of(std::size_t i) const noexcept;
  [[nodiscard]] const weighted& regions_of(const block& b) const noexcept {
    return b.every_region ? every_region_ : b.seg->regions;
  }

  std::vector<block> blocks_;
  weighted every_region_;
  bool has_region_ = false;
  std::size_t generated_ = 0;
  const std::vector<customer>* loaded_;
};

}  // namespace tierflow::sim::detail
