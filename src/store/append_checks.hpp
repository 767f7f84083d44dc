// SPDX-License-Identifier: MIT
// The checks store::append makes (its contract in store.hpp), in one place
// for every backend: a memory, SQLite or PostgreSQL store refuses the same
// requests with the same codes and messages.
#pragma once

#include <cstdint>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

namespace tierflow::detail {

/// The stream id is not empty and every event belongs to it
/// (errc::invalid_argument). Needs no stored state.
[[nodiscard]] result<void> check_append_ids(const append_request& request);

/// The stream is at the version the request was built on; errc::conflict
/// when another writer moved it first.
[[nodiscard]] result<void> check_append_version(const append_request& request,
                                                std::uint64_t stored_version);

/// The request is well formed (errc::invalid_argument): at least one event,
/// sequences continuing expected_version, each event linked to the one
/// before, the first to `head` (nullptr: not yet known; the caller compares
/// it with check_append_link once it has the stored head), a summary of the
/// same ticket.
[[nodiscard]] result<void> check_append_events(const append_request& request, const event_hash* head);

/// The first event links to the stored head (errc::invalid_argument).
[[nodiscard]] result<void> check_append_link(const append_request& request, const event_hash& head);

}  // namespace tierflow::detail
