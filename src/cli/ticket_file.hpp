// SPDX-License-Identifier: MIT
// A ticket described in a small YAML file, for `tierflow route`: read with
// positions, typed by the catalog's schema, every problem a diagnostic.
//
// The format (every key but `type`, `channel` and `customer` optional):
//
//     type: complaint                  # a ticket type some workflow serves
//     channel: hotline_95598           # one of the organisation's channels
//     customer:
//       id: C1001                      # the host's customer number (required)
//       importance_class: level2       # any attribute of the organisation's
//       region: kunshan                #   `attributes`, typed as declared:
//       voltage_kv: 10                 #   bool true/false, int, number,
//       high_risk: false               #   enum value, string
//     fields:                          # the workflow's ticket fields
//       complaint_class: service
//     description: "no one called back"
//     external_ref: "95598-20261124-0042"
//     at: 2026-11-24T09:00:00+08:00    # when the ticket arrives (default: now)
//
// `at` picks the workflow version (the newest in effect on that local day);
// it is YYYY-MM-DDTHH:MM[:SS] with Z or +HH:MM, or without an offset in the
// organisation's local time, or a bare YYYY-MM-DD (local midnight): what
// tierflow::parse_iso8601(text, local offset) takes, and a space for the T.
// Numbers, booleans and ints must be written plain (`10`, not `"10"`), as in
// definition files. Derived attributes (history counts) are computed by the
// engine and cannot be given.
#pragma once

#include <optional>
#include <string>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/time.hpp>
#include <tierflow/workflow.hpp>

namespace tierflow::detail {

/// A ticket file, read and checked.
struct ticket_file {
  /// The request, values converted to the declared kinds (opened_by empty).
  open_request request;
  /// The instant the ticket arrives: `at`, or the default given.
  timestamp at{};
  /// The workflow serving request.type at `at` (points into the catalog).
  const workflow* flow = nullptr;
  /// Where the `customer` mapping is, for later findings about the customer.
  source_pos customer_where;
};

/// Reads the ticket file at `path` for load_ticket_file. Only a regular
/// file of at most `limits.max_file_bytes` is read: a FIFO, a device, a
/// socket or a directory is refused unread (detail::read_input_file), so
/// the tool can neither block on a FIFO nor read a device for ever. A
/// problem is reported in `diags` as `PATH: error: cannot read file: WHY`
/// (or the loader's size-limit message) and gives nullopt.
[[nodiscard]] std::optional<source_file> read_ticket_source(const std::string& path,
                                                            diagnostics& diags,
                                                            const load_limits& limits = {});

/// Reads `source` as a ticket file against `cat` (a catalog without
/// errors). Every problem goes to `diags` (GNU style, the file's name and
/// 1-based positions), sorted by position; returns nullopt if there was any
/// error. `default_at` is used when the file has no `at`. Never throws
/// except std::bad_alloc.
[[nodiscard]] std::optional<ticket_file> load_ticket_file(const source_file& source,
                                                          const catalog& cat, timestamp default_at,
                                                          diagnostics& diags,
                                                          const load_limits& limits = {});

}  // namespace tierflow::detail
