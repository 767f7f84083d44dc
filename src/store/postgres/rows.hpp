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
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

#include "store/postgres/pg_connection.hpp"

namespace tierflow::detail::postgres {

/// The summary columns of tierflow.summaries as `s`, in the order
/// read_sealed_row reads them; the seal and the stream's head (h.version,
/// h.head of tierflow.heads as `h`) follow them (sealed_summary_select).
inline constexpr const char* sealed_summary_columns =
    "s.ticket_id, s.customer_id, s.ticket_type, s.workflow_id, s.workflow_version, s.state, s.unit,"
    " s.region, s.owner, s.assignee, s.closed, s.opened_at, s.closed_at, s.next_timer, s.nearest_due,"
    " s.version";

/// "SELECT <sealed_summary_columns>, <seal>, h.version, h.head FROM
/// tierflow.summaries s LEFT JOIN tierflow.heads h ON h.stream =
/// s.ticket_id " — the seal column, or NULL in a database from before seals
/// opened read-only (`sealed` false) — to which a query adds its WHERE.
[[nodiscard]] std::string sealed_summary_select(bool sealed);

/// A summary row as read, with its seal (none: NULL) and its stream's head
/// (the empty stream's when the stream has no row).
struct sealed_row {
  ticket_summary summary;
  std::optional<std::string> seal;
  store::stream_head head;
};

/// Reads the columns of sealed_summary_select. errc::io_error for a stored
/// head that is not 32 bytes; the row_reader's own errors stay in it.
[[nodiscard]] result<sealed_row> read_sealed_row(pg::row_reader& row);

/// The rows of a sealed_summary_select whose seals match (every row when
/// not `sealed`); the others are left out, and counted in `left_out` when
/// it is given.
[[nodiscard]] pg::outcome<std::vector<ticket_summary>> summaries_of(const pg::result_ptr& r, bool sealed,
                                                                    std::size_t* left_out = nullptr);

/// "SELECT nextval(ticket numbers), <sealed_summary_columns>, <seal>,
/// h.version, h.head" of the customer `$1`'s summaries, oldest first: a
/// fresh ticket number and the customer's tickets in one statement (a
/// customer without tickets gives one row of NULLs after the number).
[[nodiscard]] std::string number_and_history_select(bool sealed);

/// The number and the rows of a number_and_history_select, rows that fail
/// their seal left out as in summaries_of.
[[nodiscard]] pg::outcome<ticket_intake> intake_of(const pg::result_ptr& r, bool sealed);

/// The single row of a sealed_summary_select: errc::data_loss when it does
/// not match its seal (and `sealed`), errc::not_found when there is none.
[[nodiscard]] result<ticket_summary> one_summary_of(const pg::result_ptr& r, bool sealed,
                                                    std::string_view ticket_id);

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

/// The head in the result of select_head; version 0 when there is no row.
[[nodiscard]] pg::outcome<store::stream_head> head_of(const pg::result_ptr& r);

/// Reads a stream's head row, FOR UPDATE when `lock` (an append holds it
/// until its commit, so two writers of one stream queue on it).
[[nodiscard]] pg::outcome<pg::result_ptr> select_head(pg::connection& c, std::string_view stream,
                                                      bool lock);

}  // namespace tierflow::detail::postgres
