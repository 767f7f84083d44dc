// SPDX-License-Identifier: MIT
// The customers of a run: generated per segment from the scenario's value
// generators, typed by the organisation's attribute schema, or loaded.
#pragma once

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
/// lacks or one the engine derives, and draw_value's.
[[nodiscard]] result<std::vector<customer>> make_population(const scenario& sc,
                                                            const organisation& org,
                                                            random_source& rng);

}  // namespace tierflow::sim::detail
