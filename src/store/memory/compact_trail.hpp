// SPDX-License-Identifier: MIT
// How the memory store encodes a stream's sealed events: a record of a few
// dozen bytes per event (kept in the stream's blocks, block_trail.hpp),
// decoded into tierflow::event on read byte for byte as it was appended.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <tierflow/event.hpp>

#include "store/append_checks.hpp"
#include "store/memory/block_trail.hpp"
#include "store/memory/intern_table.hpp"
#include "store/same_text.hpp"

namespace tierflow::detail {

/// The record of one event, after its stream's previous records:
///
///   type         1 byte (the enum's value as it was, even one outside it)
///   time         varint: the zigzag of the seconds since the stream's
///                previous event (since the epoch for the first one),
///                computed modulo 2^64 so that any time round-trips
///   actor id     text (below)
///   workflow id  text
///   version      varint: workflow_version
///   details      varint count, then per detail its key and its value, texts
///   hash         32 bytes
///
/// A text is a varint tag: `(n << 1) | 1` for entry n of the intern table
/// the buffer is written with (the memory store keeps one per shard),
/// `(length << 1)` for `length` bytes that follow. What an event
/// does not hold is implied by its stream, whose append checked it: the
/// ticket id is the stream's, the sequence its position (1-based), and
/// prev_hash the hash of the record before (zeros for the first).
///
/// Varints are LEB128 (seven bits a byte, low first). A stream's records
/// follow one another in its chain of blocks (block_trail.hpp: a record
/// runs on from block to block).
namespace compact_trail {

/// Texts longer than this are never interned: long values (notes, reasons)
/// rarely repeat, and an entry of its own would cost their length again.
inline constexpr std::size_t longest_interned = 64;

/// A key stops adding its values to the table once this many of them were
/// new and fewer than one lookup in eight found its value there: keys
/// whose values are unique (customer ids, due times) then cost no table
/// entries; a key with a small vocabulary (states, actions, outcomes) fills
/// it in its first few dozen events and keeps hitting.
inline constexpr std::uint32_t trial_misses = 64;

/// A key that stopped adding its values looks one up in this many (the
/// others are written as they are without a lookup, which would nearly
/// always miss): enough to notice when its values start repeating again.
inline constexpr std::uint32_t sample_every = 16;

inline void put_varint(std::vector<unsigned char>& out, std::uint64_t v) {
  while (v >= 0x80U) {
    out.push_back(static_cast<unsigned char>((v & 0x7FU) | 0x80U));
    v >>= 7U;
  }
  out.push_back(static_cast<unsigned char>(v));
}

inline void put_literal(std::vector<unsigned char>& out, std::string_view text) {
  put_varint(out, static_cast<std::uint64_t>(text.size()) << 1U);
  out.insert(out.end(), text.begin(), text.end());
}

inline void put_id(std::vector<unsigned char>& out, std::uint32_t id) {
  put_varint(out, (static_cast<std::uint64_t>(id) << 1U) | 1U);
}

/// The names the store's last encoded events used, by role: the next event
/// nearly always repeats them (the same actor and workflow, the same keys
/// in the same order for its type), and comparing a text with a guess is
/// cheaper than hashing it. A wrong guess costs one comparison; a guess is
/// only ever a number the table handed out.
struct hints {
  static constexpr std::size_t types = 32;      // event types hinted (the enum's fit)
  static constexpr std::size_t positions = 24;  // detail positions hinted per type
  std::uint32_t actor = intern_table::none;
  std::uint32_t workflow = intern_table::none;
  std::vector<std::uint32_t> keys;  // [type][position], allocated on first use

  /// The guess for the key at `position` of an event of `type`, or null
  /// when none is kept there. May throw (bad_alloc) on first use.
  std::uint32_t* key(event_type type, std::size_t position) {
    const auto t = static_cast<std::size_t>(type);
    if (t >= types || position >= positions) return nullptr;
    if (keys.empty()) keys.assign(types * positions, intern_table::none);
    return &keys[t * positions + position];
  }

  [[nodiscard]] std::size_t heap_bytes() const noexcept { return keys.capacity() * sizeof(std::uint32_t); }
};

/// True when `guess` (null, or a number the table handed out, or none)
/// names `text`.
inline bool guessed(const intern_table& names, std::string_view text, const std::uint32_t* guess) noexcept {
  return guess != nullptr && *guess != intern_table::none && same_text(names.text(*guess), text);
}

/// Writes a text that is worth interning whenever it is short (ids, keys),
/// trying `guess` (updated to what it was) before the table; sets `id` to
/// its entry number, or intern_table::none when it was written as is.
///
/// The table holds only storable text (every entry was checked before it
/// was added), so a text the guess or the table names is not checked again;
/// any other is checked (is_storable_text) before it is added or written.
/// False when it is not storable: nothing was added for it (`out` may hold
/// part of the record, which the caller drops).
[[nodiscard]] inline bool put_name(std::vector<unsigned char>& out, intern_table& names, std::string_view text,
                                   std::uint32_t* guess, std::uint32_t& id) {
  if (guessed(names, text, guess)) {
    put_id(out, *guess);
    id = *guess;
    return true;
  }
  id = intern_table::none;
  if (text.size() <= longest_interned) {
    const std::uint32_t text_hash = intern_table::hash_of(text);
    id = names.find(text, text_hash);
    if (id == intern_table::none) {
      if (!is_storable_text(text)) return false;
      id = names.add(text, text_hash);
    }
  } else if (!is_storable_text(text)) {
    return false;
  }
  if (id == intern_table::none) {
    put_literal(out, text);
  } else {
    put_id(out, id);
    if (guess != nullptr) *guess = id;
  }
  return true;
}

/// True while a key adds its new values to the table (and so looks up
/// every value): see trial_misses.
inline bool adding_values(const intern_table::value_usage& usage) noexcept {
  return usage.misses <= trial_misses || usage.misses <= usage.lookups / 8;
}

/// Writes a detail value of the key numbered `key` (none: a key kept as
/// is, whose values are kept as is too): from the table when it is there,
/// added to it while the key's values keep repeating (trial_misses).
/// `hash`: intern_table::hash_of(text) when the caller has it, else null.
/// As put_name, a value the key's last one or the table names is not
/// checked again, any other is (is_storable_text) before it is added or
/// written: false when it is not storable, with nothing added for it (the
/// key's usage counts may have moved: they steer how later values are
/// written, never what reads back).
[[nodiscard]] inline bool put_value(std::vector<unsigned char>& out, intern_table& names, std::uint32_t key,
                                    std::string_view text, const std::uint32_t* hash = nullptr) {
  if (key == intern_table::none || text.size() > longest_interned) {
    if (!is_storable_text(text)) return false;
    put_literal(out, text);
    return true;
  }
  intern_table::value_usage& usage = names.usage(key);
  if (!adding_values(usage) && ++usage.unlooked % sample_every != 0) {
    if (!is_storable_text(text)) return false;
    put_literal(out, text);
    return true;
  }
  if (usage.lookups == std::numeric_limits<std::uint32_t>::max()) {
    // Keeps the ratio, forgets the distant past.
    usage.lookups /= 2;
    usage.misses /= 2;
  }
  ++usage.lookups;
  // The key's last value first: many keys repeat theirs ("met", "0").
  if (usage.last != intern_table::none && same_text(names.text(usage.last), text)) {
    put_id(out, usage.last);
    return true;
  }
  const std::uint32_t text_hash = hash != nullptr ? *hash : intern_table::hash_of(text);
  std::uint32_t id = names.find(text, text_hash);
  if (id == intern_table::none) {
    if (!is_storable_text(text)) return false;
    ++usage.misses;
    // `usage` is in an entry of the table, which interning does not move.
    if (adding_values(usage)) id = names.add(text, text_hash);
  }
  if (id == intern_table::none) {
    put_literal(out, text);
  } else {
    put_id(out, id);
    usage.last = id;
  }
  return true;
}

/// Appends the record of `e` to `out`, `previous_time` being the time of
/// the stream's event before it (the epoch for the first). Checks each of
/// the event's strings (actor id, workflow id, detail keys and values) that
/// `names` does not hold (put_name, put_value): false when one is not
/// storable text (check_append_text then names it), which the table never
/// holds. May throw (bad_alloc). On false or a throw `out` may hold part of
/// a record, which the caller drops, and `names` and `guesses` new entries
/// (of storable texts only), which are harmless: no stored record names
/// them.
[[nodiscard]] inline bool encode(const event& e, timestamp previous_time, intern_table& names, hints& guesses,
                                 std::vector<unsigned char>& out) {
  out.push_back(static_cast<unsigned char>(e.type));
  const auto delta = static_cast<std::uint64_t>(e.time.time_since_epoch().count()) -
                     static_cast<std::uint64_t>(previous_time.time_since_epoch().count());
  // Zigzag: small steps back or forth take one or two bytes.
  const std::uint64_t sign = (delta >> 63U) != 0 ? ~std::uint64_t{0} : 0;
  put_varint(out, (delta << 1U) ^ sign);
  std::uint32_t name_id = intern_table::none;
  if (!put_name(out, names, e.actor_id, &guesses.actor, name_id)) return false;
  if (!put_name(out, names, e.workflow_id, &guesses.workflow, name_id)) return false;
  put_varint(out, e.workflow_version);
  // The values' slots in the table, loaded all at once before any is
  // looked up: a large table's lookups miss the cache, and the misses of
  // one event's values then overlap instead of following one another
  // (3 % less CPU on the city workload). Measured no faster: hashing only
  // the values whose key still adds them (told by the key's guess), and
  // prefetching the actor's slot and then the entries the slots name.
  constexpr std::size_t prefetched = 16;
  std::array<std::uint32_t, prefetched> value_hashes{};
  const std::size_t hashed = std::min(e.details.size(), prefetched);
  for (std::size_t i = 0; i < hashed; ++i) {
    const std::string& value = e.details[i].second;
    if (value.size() > longest_interned) continue;
    value_hashes[i] = intern_table::hash_of(value);
    names.prefetch(value_hashes[i]);
  }
  put_varint(out, e.details.size());
  for (std::size_t i = 0; i < e.details.size(); ++i) {
    const auto& [key, value] = e.details[i];
    std::uint32_t key_id = intern_table::none;
    if (!put_name(out, names, key, guesses.key(e.type, i), key_id)) return false;
    if (!put_value(out, names, key_id, value,
                   i < hashed && value.size() <= longest_interned ? &value_hashes[i] : nullptr))
      return false;
  }
  out.insert(out.end(), e.hash.begin(), e.hash.end());
  return true;
}

/// Reads the records of a buffer that encode() wrote.
class reader {
 public:
  reader(std::span<const unsigned char> bytes, const intern_table& names) noexcept
      : at_(bytes.data()), end_(bytes.data() + bytes.size()), names_(&names) {}

  [[nodiscard]] bool done() const noexcept { return at_ == end_; }

  /// Decodes the next record into `e` (its ticket id, sequence and
  /// prev_hash are the caller's to set); returns its time for the next.
  void next(event& e, timestamp previous_time) {
    e.type = static_cast<event_type>(*at_++);
    e.time = time_after(previous_time);
    text(e.actor_id);
    text(e.workflow_id);
    e.workflow_version = static_cast<std::uint32_t>(varint());
    const auto count = static_cast<std::size_t>(varint());
    e.details.resize(count);
    for (auto& [key, value] : e.details) {
      text(key);
      text(value);
    }
    std::memcpy(e.hash.data(), at_, e.hash.size());
    at_ += e.hash.size();
  }

  /// Reads the next record into `e` as views, copying no text: an
  /// interned text views the table's entry (entries never move), a literal
  /// one the bytes read (valid while they are). Its details are appended
  /// to `details`; `e.details` is left for the caller to point at them
  /// once the trail is read (`details` may move as it grows). The sequence
  /// is the caller's to set; the hash is skipped.
  void next(event_view& e, timestamp previous_time,
            std::vector<std::pair<std::string_view, std::string_view>>& details) {
    e.type = static_cast<event_type>(*at_++);
    e.time = time_after(previous_time);
    e.actor_id = text_view();
    e.workflow_id = text_view();
    e.workflow_version = static_cast<std::uint32_t>(varint());
    const auto count = static_cast<std::size_t>(varint());
    for (std::size_t i = 0; i < count; ++i) {
      const std::string_view key = text_view();
      details.emplace_back(key, text_view());
    }
    at_ += std::tuple_size_v<event_hash>;
  }

 private:
  std::uint64_t varint() noexcept {
    std::uint64_t v = 0;
    unsigned shift = 0;
    while ((*at_ & 0x80U) != 0) {
      v |= static_cast<std::uint64_t>(*at_++ & 0x7FU) << shift;
      shift += 7;
    }
    v |= static_cast<std::uint64_t>(*at_++) << shift;
    return v;
  }

  timestamp time_after(timestamp previous_time) noexcept {
    const std::uint64_t zigzag = varint();
    const std::uint64_t delta = (zigzag >> 1U) ^ ((zigzag & 1U) != 0 ? ~std::uint64_t{0} : 0);
    const std::uint64_t seconds = static_cast<std::uint64_t>(previous_time.time_since_epoch().count()) + delta;
    return timestamp{timestamp::duration{static_cast<timestamp::rep>(seconds)}};
  }

  std::string_view text_view() noexcept {
    const std::uint64_t tag = varint();
    if ((tag & 1U) != 0) return names_->text(static_cast<std::uint32_t>(tag >> 1U));
    const auto length = static_cast<std::size_t>(tag >> 1U);
    const std::string_view out(reinterpret_cast<const char*>(at_), length);
    at_ += length;
    return out;
  }

  void text(std::string& out) { out.assign(text_view()); }

  const unsigned char* at_;
  const unsigned char* end_;
  const intern_table* names_;
};

/// The records of `trail` as one run of bytes: a trail of one block holds
/// them so; a longer one's blocks are joined into `joined` first (a copy of
/// a few hundred bytes a block), so that a reader runs over bytes without
/// a check for a block's end on each (reading the blocks in place, with
/// that check, cost a fifth more per released two-event trail, measured).
/// Valid while the blocks and `joined` are unchanged. May throw (bad_alloc).
inline std::span<const unsigned char> records_of(const block_trail& trail, std::vector<unsigned char>& joined) {
  if (trail.blocks() <= 1) return trail.single_run();
  trail.join_into(joined);
  return joined;
}

/// Frees a buffer records_of() joined a long trail into: a kept buffer
/// keeps what a ticket's trail needs, not the longest one's copy.
inline void trim_joined(std::vector<unsigned char>& joined) noexcept {
  constexpr std::size_t kept_bytes = 64 * 1024;
  if (joined.capacity() > kept_bytes) std::vector<unsigned char>().swap(joined);
}

/// Decodes the events of a stream's blocks, `ticket_id`'s (`count` of
/// them: the stream's length), into the first `count` elements of `into`,
/// which grows to hold them and never shrinks: the elements are assigned
/// field by field, their strings and detail lists keeping their capacity,
/// so that decoding trails of about one size into one vector over and over
/// allocates nothing. Elements past `count` are left as they were. May
/// throw (bad_alloc); `into` then holds part of the trail.
inline void decode_into(const block_trail& trail, std::string_view ticket_id, const intern_table& names,
                        std::size_t count, std::vector<event>& into) {
  if (into.size() < count) into.resize(count);
  thread_local std::vector<unsigned char> joined;
  reader in(records_of(trail, joined), names);
  timestamp previous{};
  event_hash prev_hash{};
  std::size_t n = 0;
  while (n < count && !in.done()) {
    event& e = into[n++];
    e.ticket_id.assign(ticket_id);
    e.sequence = n;
    in.next(e, previous);
    e.prev_hash = prev_hash;
    previous = e.time;
    prev_hash = e.hash;
  }
  trim_joined(joined);
}

/// The events of a stream's blocks (`count` of them: the stream's length),
/// `ticket_id`'s (viewed, as it is given), as views (reader::next), into
/// `into` and `details` (their contents replaced; both keep their
/// capacity): the views are valid while the blocks, `names` and `joined`
/// (records_of) are unchanged. May throw (bad_alloc).
inline void view_into(const block_trail& trail, std::string_view ticket_id, const intern_table& names,
                      std::size_t count,
                      std::vector<unsigned char>& joined, std::vector<event_view>& into,
                      std::vector<std::pair<std::string_view, std::string_view>>& details) {
  into.clear();
  details.clear();
  into.reserve(count);
  reader in(records_of(trail, joined), names);
  timestamp previous{};
  while (into.size() < count && !in.done()) {
    event_view& e = into.emplace_back();
    e.ticket_id = ticket_id;
    e.sequence = into.size();
    const std::size_t first = details.size();
    in.next(e, previous, details);
    e.details = {details.data() + first, details.size() - first};
    previous = e.time;
  }
  // `details` may have moved as it grew: each event's span is pointed
  // again, at the place its count says.
  std::size_t first = 0;
  for (event_view& e : into) {
    const std::size_t n = e.details.size();
    e.details = {details.data() + first, n};
    first += n;
  }
}

/// The events of a stream's blocks, `ticket_id`'s; `count` of them (the
/// stream's length, to size the vector once).
[[nodiscard]] inline std::vector<event> decode(const block_trail& trail, std::string_view ticket_id,
                                               const intern_table& names, std::size_t count) {
  std::vector<event> out;
  decode_into(trail, ticket_id, names, count, out);
  return out;
}

}  // namespace compact_trail
}  // namespace tierflow::detail
