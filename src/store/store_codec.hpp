// SPDX-License-Identifier: MIT
// How the database stores keep what has no column of its own: an event's
// details as one byte string, and the seal that binds a ticket's summary row
// to its stream's head. Shared by the SQLite and PostgreSQL stores so a trail
// moved between them reads back byte for byte, and so both judge a summary
// row alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

namespace tierflow::detail {

/// The details as bytes: a 4-byte big-endian count, then each key and value
/// as a 4-byte big-endian length and its bytes. Any byte may occur.
[[nodiscard]] std::string encode_details(const event_details& details);

/// The inverse of encode_details; errc::io_error for bytes it did not write
/// (truncated, trailing garbage, lengths past the end).
[[nodiscard]] result<event_details> decode_details(std::string_view bytes);

/// A 32-byte column as an event_hash; errc::io_error for another length.
[[nodiscard]] result<event_hash> hash_from_bytes(std::string_view bytes);

/// The bytes the summary seal hashes, format 1: the domain tag
/// "tierflow summary seal 1" (u64 length, bytes), so that no event or other
/// hashed record can encode alike; then every field of `s` in declaration
/// order — strings as u64 byte length and bytes, workflow_version u32,
/// closed u8, opened_at i64 epoch seconds (two's complement), each optional
/// time as u8 present (0/1) and i64 (0 when absent), version u64 —; then the
/// stream's head: `stream_version` u64 and `stream_head`'s 32 bytes.
/// Integers big-endian. A change to this encoding needs a new tag (and a
/// migration that re-seals every row).
[[nodiscard]] std::string summary_seal_encoding(const ticket_summary& s, std::uint64_t stream_version,
                                                const event_hash& stream_head);

/// The seal of a ticket's summary row: SHA-256 (OpenSSL libcrypto) of
/// summary_seal_encoding. Written with the row in the append's transaction;
/// a row whose columns or whose stream's head changed without tierflow no
/// longer matches it. It is not keyed: whoever can write the database and
/// knows this function can forge a matching row for the current head (the
/// engine's fold cross-check and the signed checkpoints are the answer to
/// that); it catches an edit of the row alone, and an old row (with its
/// then valid seal) put back after its stream moved on. Thread-safe.
[[nodiscard]] event_hash summary_seal(const ticket_summary& s, std::uint64_t stream_version,
                                      const event_hash& stream_head);

/// The summary read from a row is the one sealed there for the stream's
/// current head: success when `stored_seal` (the seal column's bytes) is
/// summary_seal(s, stream_version, stream_head); errc::data_loss "the
/// summary row of T… does not match its trail: edited outside tierflow"
/// otherwise (a seal of another length or none included).
[[nodiscard]] result<void> check_summary_seal(const ticket_summary& s, std::string_view stored_seal,
                                              std::uint64_t stream_version, const event_hash& stream_head);

}  // namespace tierflow::detail
