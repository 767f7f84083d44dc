// SPDX-License-Identifier: MIT
// How the database stores keep what has no column of its own: an event's
// details as one byte string. Shared by the SQLite and PostgreSQL stores so
// a trail moved between them reads back byte for byte.
#pragma once

#include <string>
#include <string_view>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>

namespace tierflow::detail {

/// The details as bytes: a 4-byte big-endian count, then each key and value
/// as a 4-byte big-endian length and its bytes. Any byte may occur.
[[nodiscard]] std::string encode_details(const event_details& details);

/// The inverse of encode_details; errc::io_error for bytes it did not write
/// (truncated, trailing garbage, lengths past the end).
[[nodiscard]] result<event_details> decode_details(std::string_view bytes);

/// A 32-byte column as an event_hash; errc::io_error for another length.
[[nodiscard]] result<event_hash> hash_from_bytes(std::string_view bytes);

}  // namespace tierflow::detail
