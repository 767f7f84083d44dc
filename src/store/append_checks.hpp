// SPDX-License-Identifier: MIT
// The checks store::append makes (its contract in store.hpp), in one place
// for every backend: a memory, SQLite or PostgreSQL store refuses the same
// requests with the same codes and messages.
#pragma once

#include <cstdint>
#include <string_view>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

namespace tierflow::detail {

/// The stream id is not empty, every event belongs to it, and every string
/// of the request is storable text (check_append_text):
/// errc::invalid_argument otherwise. Needs no stored state: every store
/// calls it first, before it touches its storage.
[[nodiscard]] result<void> check_append_ids(const append_request& request);

/// check_append_ids without any text check: the stream id is not empty and
/// every event belongs to it. A store that checks the request's strings
/// itself (the memory store: only those it does not already hold, which
/// were checked when they entered it) calls this first, then
/// check_append_text for the message when one of them is not storable: a
/// request refused here is refused by check_append_ids alike, and one
/// that passes is refused by check_append_ids only for a text.
[[nodiscard]] result<void> check_append_ids_but_text(const append_request& request);

/// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing past U+10FFFF) without a NUL byte. ASCII is checked
/// eight bytes at a time: the cost on an append is a few nanoseconds per
/// short id.
[[nodiscard]] bool is_storable_text(std::string_view text) noexcept;

/// Every string of the request is storable text (is_storable_text): the
/// ticket id; each event's actor id, workflow id, detail keys and values;
/// every text field of the summary. errc::invalid_argument otherwise, with
/// one message for every store (PostgreSQL cannot hold NUL bytes in text,
/// SQLite would store anything, and the exports could not reproduce invalid
/// UTF-8): "ticket T1: event 2: the actor id is not valid UTF-8 text
/// (or holds a NUL byte)". A bad ticket id is not echoed. Needs no stored
/// state.
[[nodiscard]] result<void> check_append_text(const append_request& request);

/// A stream that has a summary (a ticket's) gets one with every append: its
/// seal binds it to the stream's head, which the append moves.
/// errc::invalid_argument when `request.summary` is null and
/// `stream_has_summary`.
[[nodiscard]] result<void> check_append_summary(const append_request& request, bool stream_has_summary);

/// The stream is at the version the request was built on; errc::conflict
/// when another writer moved it first.
[[nodiscard]] result<void> check_append_version(const append_request& request,
                                                std::uint64_t stored_version);

/// The request is well formed (errc::invalid_argument): at least one event,
/// sequences continuing expected_version, each event linked to the one
/// before, the first to `head` (nullptr: not yet known; the caller compares
/// it with check_append_link once it has the stored head), a summary of the
/// same ticket whose version is the stream's new length.
[[nodiscard]] result<void> check_append_events(const append_request& request, const event_hash* head);

/// The first event links to the stored head (errc::invalid_argument).
[[nodiscard]] result<void> check_append_link(const append_request& request, const event_hash& head);

}  // namespace tierflow::detail
