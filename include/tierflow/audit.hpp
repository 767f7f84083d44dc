// SPDX-License-Identifier: MIT
// The tamper-evident audit trail: canonical encoding of events, the SHA-256
// hash chain, verification, and export as JSON Lines and CSV.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>

namespace tierflow {

/// The version of the canonical encoding, its first byte. Any change to the
/// encoding below needs a new version, and hash_event must keep hashing
/// older events with the version they were sealed with.
inline constexpr std::uint8_t audit_format_version = 1;

/// The canonical encoding of `e`, format version 1: the bytes that are hashed.
///
/// Fixed order, every field always present, integers big-endian, every
/// string and list prefixed by its length, so no two different events encode
/// alike and no field boundary can move:
///
/// | #  | field            | encoding                                                 |
/// |----|------------------|----------------------------------------------------------|
/// | 1  | format version   | u8, = 1                                                  |
/// | 2  | prev_hash        | 32 raw bytes                                             |
/// | 3  | ticket_id        | u64 byte length, then the bytes                          |
/// | 4  | sequence         | u64                                                      |
/// | 5  | time             | i64 seconds since 1970-01-01T00:00:00Z, two's complement |
/// | 6  | actor_id         | u64 byte length, bytes                                   |
/// | 7  | workflow_id      | u64 byte length, bytes                                   |
/// | 8  | workflow_version | u32                                                      |
/// | 9  | type             | u8, the event_type's numeric value                       |
/// | 10 | details          | u64 count, then per detail: key, then value (as above)   |
///
/// `hash` itself is not encoded. Strings are taken as bytes, unnormalised.
/// Allocates; throws std::bad_alloc only when memory runs out.
[[nodiscard]] std::string canonical_encoding(const event& e);

/// SHA-256 of the canonical encoding of `e` with `prev_hash` in place of
/// `e.prev_hash`: the value `e.hash` must hold when `e` follows an event
/// whose hash is `prev_hash`. Uses OpenSSL's libcrypto.
///
/// Thread-safe. Throws std::bad_alloc only if libcrypto cannot allocate.
[[nodiscard]] event_hash hash_event(const event_hash& prev_hash, const event& e);

/// Seals a batch of new events onto a chain whose last hash is `head` (all
/// zero for an empty stream): sets each event's prev_hash and hash, in order,
/// and returns the new head.
///
/// The building block of the stores' atomic append. It is for events not yet
/// part of any trail: it checks nothing (ticket id, sequence numbers) —
/// event_stream::append does. Throws only std::bad_alloc.
event_hash seal(std::span<event> batch, const event_hash& head);

/// Why a chain does not verify.
enum class chain_break : std::uint8_t {
  /// An event's content no longer matches its hash, or an event was changed
  /// and re-hashed so that its successor no longer links to it.
  edited = 1,
  /// An event that the chain does not account for (forged, or a duplicate)
  /// stands at this position.
  inserted,
  /// Events are missing: the stream jumps past this sequence number.
  deleted,
  /// The right events, in the wrong order.
  reordered,
  /// The stream is intact but ends before the head hash the store recorded
  /// (only detected by verify with an expected head).
  truncated,
  /// An event of another stream stands here: copied whole, it keeps a
  /// valid hash and link, but names another ticket (only detected by the
  /// verifier that knows the stream's id).
  foreign,
};

/// The lowercase name of a chain_break, e.g. "edited".
[[nodiscard]] constexpr std::string_view to_string(chain_break reason) noexcept {
  switch (reason) {
    case chain_break::edited: return "edited";
    case chain_break::inserted: return "inserted";
    case chain_break::deleted: return "deleted";
    case chain_break::reordered: return "reordered";
    case chain_break::truncated: return "truncated";
    case chain_break::foreign: return "foreign";
  }
  return "unknown";
}

/// The first broken link of a stream.
struct broken_link {
  /// 1-based position in the stream where the chain first breaks: the
  /// sequence number the event there should have. For `deleted`, the first
  /// missing sequence number; for `truncated`, one past the last event.
  std::uint64_t sequence = 0;
  chain_break reason = chain_break::edited;
  /// One lowercase line, e.g. "event 3: edited: content does not match its
  /// hash".
  std::string message;

  friend bool operator==(const broken_link&, const broken_link&) = default;
};

/// The first broken link of a ticket's whole stream, from sequence 1, or
/// none: every event's hash matches its content, its prev_hash is its
/// predecessor's hash (all zero for the first), and sequence numbers run
/// 1, 2, 3 … without gaps.
///
/// The break is classified as edited, inserted, deleted or reordered (the
/// classification is a best explanation of the first break; that there is
/// a break is certain, up to SHA-256 collisions).
///
/// Limitation: the chain alone cannot tell a stream from a prefix of itself.
/// Dropping events from the end leaves a valid, shorter chain, and this
/// overload passes it. The store keeps the head hash (the last event's hash)
/// apart from the events; pass it to the overloads below to detect
/// truncation.
///
/// An empty span has no break. Thread-safe; O(n) hashes (plus O(n) work to
/// classify a break). Throws only std::bad_alloc.
[[nodiscard]] std::optional<broken_link> first_break(std::span<const event> stream);

/// As first_break(stream), and the last event's hash must equal
/// `expected_head` (all zero: the stream must be empty). A valid chain
/// ending elsewhere is reported as `truncated` when `expected_head` is not
/// among its hashes (events were dropped from the end), else as `inserted`
/// (events were added after the recorded head).
[[nodiscard]] std::optional<broken_link> first_break(std::span<const event> stream,
                                                     const event_hash& expected_head);

/// The audit verifier: as first_break(stream, expected_head), and every
/// event must name `ticket_id`, the stream it is stored under (a `foreign`
/// break otherwise: an event copied whole from another stream keeps a valid
/// hash). The earliest break of either kind is reported. engine::verify,
/// the engine's restore and `tierflow audit verify` all judge a stream with
/// this one (through read_verified, which also reads the stream safely on a
/// shared store).
[[nodiscard]] std::optional<broken_link> first_break(std::string_view ticket_id,
                                                     std::span<const event> stream,
                                                     const event_hash& expected_head);

/// The first_break overloads as a result: success, or errc::data_loss with
/// the broken link's message ("event 3: edited: content does not match its
/// hash"). For a caller that needs the position and the reason, first_break.
[[nodiscard]] result<void> verify(std::span<const event> stream);
/// See first_break(stream, expected_head).
[[nodiscard]] result<void> verify(std::span<const event> stream, const event_hash& expected_head);
/// See first_break(ticket_id, stream, expected_head): the audit verifier.
[[nodiscard]] result<void> verify(std::string_view ticket_id, std::span<const event> stream,
                                  const event_hash& expected_head);

/// The sealed, append-only event stream of one ticket.
///
/// It hands out events only as const: there is no member that changes or
/// removes an event once appended. Appends seal the events (prev_hash, hash).
/// Not thread-safe: a ticket's commands are serialised by its owner (the
/// engine); concurrent const access is safe.
class event_stream {
 public:
  /// An empty stream for the ticket `ticket_id`.
  explicit event_stream(std::string ticket_id) : ticket_id_(std::move(ticket_id)) {}

  /// A stream from events loaded from storage, after the audit verifier
  /// verify(ticket_id, events, expected_head) passes. Error: errc::data_loss
  /// with the first broken link's message.
  [[nodiscard]] static result<event_stream> adopt(std::string ticket_id, std::vector<event> events,
                                                  const event_hash& expected_head);

  /// Seals `e` and appends it. `e.ticket_id` may be empty (it is set to the
  /// stream's) or must equal it; `e.sequence` may be 0 (it is set to
  /// size() + 1) or must equal size() + 1. prev_hash and hash are
  /// overwritten.
  ///
  /// Errors, with the stream unchanged: errc::invalid_argument for another
  /// ticket's id; errc::conflict for a wrong sequence number (someone
  /// appended first). O(1) amortised plus one hash.
  [[nodiscard]] result<void> append(event e);

  /// Appends the events of one command atomically: all of them, sealed in
  /// order with consecutive sequence numbers, or none (same rules and errors
  /// as append(event), checked for every event before any is appended).
  [[nodiscard]] result<void> append(std::vector<event> batch);

  /// The ticket this stream belongs to.
  [[nodiscard]] const std::string& ticket_id() const noexcept { return ticket_id_; }
  /// The events, in order; event i has sequence i + 1.
  [[nodiscard]] std::span<const event> events() const noexcept { return events_; }
  /// The number of events: also the last sequence number, the ticket's
  /// version for optimistic concurrency.
  [[nodiscard]] std::uint64_t size() const noexcept { return events_.size(); }
  /// The last event's hash, all zero while empty. Stores keep it apart from
  /// the events so that truncation is detectable.
  [[nodiscard]] const event_hash& head() const noexcept { return head_; }

 private:
  // Checks, numbers and seals the batch (owned by the caller), then moves it in.
  result<void> seal_and_append(std::span<event> batch);

  std::string ticket_id_;
  std::vector<event> events_;
  event_hash head_{};
};

/// Lowercase hexadecimal of a hash, 64 characters.
[[nodiscard]] std::string to_hex(const event_hash& hash);

/// Writes one JSON object per event, one per line ("\n"), in stream order:
///
///     {"ticket":"T1","sequence":1,"time":"2026-11-24T08:30:00Z","actor":"csr_01",
///      "workflow":"complaint","workflow_version":1,"type":"opened",
///      "details":[["channel","95598"]],"prev_hash":"00…","hash":"ab…"}
///
/// (on one line). time is ISO 8601 UTC; details are [key, value] pairs in
/// order; hashes are lowercase hex. Faithful: a JSON reader gets every
/// string back as stored. Control characters are JSON-escaped, never
/// written raw: C0 controls (ESC as `\u001b`, line feed as `\n`), DEL
/// and the C1 controls U+0080–U+009F (`\u009b`); other UTF-8, Chinese
/// included, is written as is. Strings that are not valid UTF-8 are written
/// with U+FFFD in place of the bad bytes (the hashes still cover the
/// original bytes). Does not throw on bad input; stream errors are left in
/// `out`'s state.
void write_jsonl(std::ostream& out, std::span<const event> events);

/// The JSON Lines export as a string.
[[nodiscard]] std::string to_jsonl(std::span<const event> events);

/// Writes the events as CSV (RFC 4180): a header row
/// `ticket,sequence,time,actor,workflow,workflow_version,type,details,prev_hash,hash`
/// then one row per event, CRLF line ends, UTF-8 without a byte-order mark.
/// time, type and hashes as in write_jsonl; details is the JSON array of
/// [key, value] pairs, as in write_jsonl.
///
/// The CSV export is for spreadsheets, so its text cells (ticket, actor,
/// workflow, details) are made safe to open, not kept byte for byte (the
/// faithful export is write_jsonl):
/// - a cell that starts with `=`, `+`, `-`, `@`, TAB or CR, which a
///   spreadsheet would run as a formula (OWASP "CSV Injection"), is
///   neutralised: a single quote is put before it and the cell is quoted
///   (`=cmd|' /C calc'!A0` is written `"'=cmd|' /C calc'!A0"`);
/// - control characters never appear raw: C0 controls, DEL, the C1
///   controls, the bidirectional overrides and the bytes of invalid UTF-8
///   are written as the escapes of the tool's printable text (`\x1b`,
///   `\n`, `\u{9b}`, `\xff`); valid UTF-8, Chinese included, is kept;
/// - a cell is quoted when it contains a comma or a double quote, quotes
///   doubled.
void write_csv(std::ostream& out, std::span<const event> events);

/// The CSV export as a string.
[[nodiscard]] std::string to_csv(std::span<const event> events);

}  // namespace tierflow
