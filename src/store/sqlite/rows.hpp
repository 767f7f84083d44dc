// SPDX-License-Identifier: MIT
// How the SQLite store's rows map to events and summaries: binding and
// reading them, and the errors for stored values it did not write. Private
// to the SQLite backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

#include "store/sqlite/connection.hpp"

namespace tierflow::detail::sqlite {

/// A hash as the bytes of its BLOB column.
[[nodiscard]] inline std::string_view as_bytes(const event_hash& h) noexcept {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

/// Integers and times as SQLite's 64-bit integers (times in epoch seconds).
[[nodiscard]] inline std::int64_t to_db(std::uint64_t n) noexcept {
  return static_cast<std::int64_t>(n);
}
[[nodiscard]] inline std::int64_t to_db(timestamp t) noexcept {
  return t.time_since_epoch().count();
}
[[nodiscard]] inline timestamp time_from_db(std::int64_t seconds) noexcept {
  return timestamp{std::chrono::seconds{seconds}};
}

/// io_error "sqlite PATH: malformed stored WHAT".
[[nodiscard]] error malformed(const std::string& path, std::string_view what);

/// "ticket ID", the context of a ticket's errors.
[[nodiscard]] std::string ticket_context(std::string_view ticket_id);

/// The summary in the current row, its columns in the order of
/// TIERFLOW_SUMMARY_COLUMNS (sqlite_store.cpp).
[[nodiscard]] result<ticket_summary> read_summary(const statement& s, const std::string& path);

/// Binds the summary to parameters 1..16, in the order of
/// TIERFLOW_SUMMARY_COLUMNS (sqlite_store.cpp), without copies: `t` must
/// outlive the statement's next reset.
void bind_summary(statement& s, const ticket_summary& t) noexcept;

/// The event in the current row of the load statement.
[[nodiscard]] result<event> read_event(const statement& s, std::string_view stream_id,
                                       const std::string& path);

}  // namespace tierflow::detail::sqlite
