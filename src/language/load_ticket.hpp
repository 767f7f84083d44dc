// SPDX-License-Identifier: MIT
// The parts of a ticket as YAML gives them (type, channel, customer and
// its attributes, fields, times), read into an open_request with every
// problem a diagnostic: shared by the ticket files of `tierflow route` and
// the tickets of scenario tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/error.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/time.hpp>

#include "language/load_common.hpp"
#include "language/load_yaml.hpp"

namespace tierflow::detail {

/// `n` converted to the declared type of `a`, named `field` in messages
/// ("customer.voltage_kv"): numbers, ints and booleans must be plain
/// scalars, enumeration values declared, bounds kept. Reports and returns
/// nullopt when it does not fit.
[[nodiscard]] std::optional<value> convert_value(reader& r, const yaml_node& n, const attribute& a,
                                                 const std::string& field);

/// Reads the entries of a `customer:` or `fields:` mapping against
/// `schema` into `out`. `prefix` is "customer" or "ticket"; `what` names an
/// unknown one ("customer attribute", "ticket field of workflow
/// 'complaint'"); `extra_names` are other keys allowed there (for
/// did-you-mean). Derived attributes are refused.
void read_values(reader& r, const std::vector<const yaml_entry*>& entries,
                 const std::vector<attribute>& schema, std::string_view prefix,
                 std::string_view what, std::vector<std::string> extra_names,
                 attribute_values& out);

/// A scalar that fits in `limit` bytes, reported otherwise.
[[nodiscard]] std::optional<std::string> bounded_text(reader& r, const yaml_node& n,
                                                      std::string_view what, std::size_t limit);

/// The workflow for `type` on the local day of `at`; reports (at `at_node`)
/// an unknown type, or a type none of whose versions is in effect yet.
[[nodiscard]] const workflow* pick_workflow(reader& r, const yaml_node& at_node,
                                            const std::string& type, const catalog& cat,
                                            timestamp at);

/// A `customer:` mapping: `id` (required, at most max_id_bytes, not empty)
/// and the customer's attributes, into out.customer_id and out.customer.
/// `customer` must be a mapping (checked by the caller).
void read_customer(reader& r, const yaml_node& customer, const organisation& org,
                   open_request& out);

/// An instant as people write it in these files: parse_iso8601 at the
/// organisation's offset (local time when no offset is given), and a space
/// standing for the "T" ("2026-11-24 09:00"), since people type that as
/// often as the ISO form.
[[nodiscard]] result<timestamp> parse_local_instant(std::string text,
                                                    std::chrono::minutes local_offset);

}  // namespace tierflow::detail
