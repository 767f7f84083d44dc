// SPDX-License-Identifier: MIT
// How the PostgreSQL store's rows map to stream heads, summaries and due
// tickets, and the conversions its statements share (times as epoch
// seconds, NUL-free text). Private to the PostgreSQL backend.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

#include "store/postgres/pg_connection.hpp"

namespace tierflow::detail::postgres {

/// The summary columns of tierflow.summaries, in the order summaries_of
/// reads them.
inline constexpr const char* summary_columns =
    "ticket_id, customer_id, ticket_type, workflow_id, workflow_version, state, unit, region,"
    " owner, assignee, closed, opened_at, closed_at, next_timer, nearest_due, version";

/// PostgreSQL text cannot hold NUL bytes: such a value is never stored.
[[nodiscard]] inline bool has_nul(std::string_view s) noexcept {
  return s.find('\0') != std::string_view::npos;
}

[[nodiscard]] inline std::int64_t seconds(timestamp t) noexcept { return t.time_since_epoch().count(); }
[[nodiscard]] inline timestamp from_seconds(std::int64_t s) noexcept {
  return timestamp{std::chrono::seconds{s}};
}
[[nodiscard]] inline std::optional<std::int64_t> seconds(const std::optional<timestamp>& t) {
  if (!t) return std::nullopt;
  return seconds(*t);
}
[[nodiscard]] inline std::optional<timestamp> from_seconds(const std::optional<std::int64_t>& s) {
  if (!s) return std::nullopt;
  return from_seconds(*s);
}

/// A LIMIT as a bigint parameter: larger sizes mean "all".
[[nodiscard]] inline std::int64_t clamp_limit(std::size_t n) noexcept {
  return n > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())
             ? std::numeric_limits<std::int64_t>::max()
             : static_cast<std::int64_t>(n);
}

/// The rows of a SELECT of summary_columns.
[[nodiscard]] pg::outcome<std::vector<ticket_summary>> summaries_of(const pg::result_ptr& r);

/// The rows of a query returning (ticket_id, next_timer).
[[nodiscard]] pg::outcome<std::vector<due_ticket>> due_of(const pg::result_ptr& r);

/// The head in the result of select_head; version 0 when there is no row.
[[nodiscard]] pg::outcome<store::stream_head> head_of(const pg::result_ptr& r);

/// Reads a stream's head row, FOR UPDATE when `lock` (an append holds it
/// until its commit, so two writers of one stream queue on it).
[[nodiscard]] pg::outcome<pg::result_ptr> select_head(pg::connection& c, std::string_view stream,
                                                      bool lock);

}  // namespace tierflow::detail::postgres
