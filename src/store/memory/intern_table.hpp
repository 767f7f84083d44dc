// SPDX-License-Identifier: MIT
// The memory store's table of repeated strings (actor and workflow ids,
// detail keys, recurring detail values), each kept once and named in the
// compact trails by a small number.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/id_hash.hpp"
#include "store/same_text.hpp"

namespace tierflow::detail {

/// Strings kept once, numbered in the order they were first added. Numbers
/// never change and entries are never removed (a number written into a
/// trail stays readable for the store's life). Not synchronised: the memory
/// store guards it with the lock of the trails that use it.
class intern_table {
 public:
  /// The number that names no entry.
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

  /// What a detail key has seen of its values: how often one was looked up,
  /// how often it was not in the table, the last one found or added (none
  /// before), and how many were written without a lookup. The memory
  /// store's value policy (compact_trail.hpp) reads and updates it; kept on
  /// the key's entry so that it costs no second lookup.
  struct value_usage {
    std::uint32_t lookups = 0;
    std::uint32_t misses = 0;
    std::uint32_t last = std::numeric_limits<std::uint32_t>::max();
    std::uint32_t unlooked = 0;
  };

  /// The hash the table files `text` under: for a caller that hashes a
  /// text once for prefetch() and find() or intern().
  [[nodiscard]] static std::uint32_t hash_of(std::string_view text) noexcept {
    // Its low 32 bits: the slot (low bits) and the compared tag both.
    return static_cast<std::uint32_t>(id_hash_of(text));
  }

  /// Starts loading the slot a text hashing to `hash` is looked up in, so
  /// that a lookup soon after (of one of several texts) does not wait for
  /// it alone. A hint: no effect on any answer.
  void prefetch(std::uint32_t hash) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }

  /// The number of `text`, or none.
  [[nodiscard]] std::uint32_t find(std::string_view text) const noexcept {
    return find(text, hash_of(text));
  }

  /// As find(text), `hash` being hash_of(text).
  [[nodiscard]] std::uint32_t find(std::string_view text, std::uint32_t hash) const noexcept {
    if (slots_.empty()) return none;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const slot& s = slots_[i];
      if (s.id == none) return none;
      if (s.hash == hash && same_text(at(s.id).text, text)) return s.id;
    }
  }

  /// The number of `text`, added when it is new. May throw (bad_alloc), and
  /// then adds nothing. Past 2^32 - 1 entries it adds nothing and returns
  /// none (the caller keeps the text as it is).
  [[nodiscard]] std::uint32_t intern(std::string_view text) { return intern(text, hash_of(text)); }

  /// As intern(text), `hash` being hash_of(text).
  [[nodiscard]] std::uint32_t intern(std::string_view text, std::uint32_t hash) {
    if (const std::uint32_t known = find(text, hash); known != none) return known;
    return add(text, hash);
  }

  /// As intern(text, hash) for a text find() just did not find: adds it
  /// without looking for it again. Adding a text the table holds would
  /// give it a second number (both read back as the text).
  [[nodiscard]] std::uint32_t add(std::string_view text, std::uint32_t hash) {
    if (size_ >= max_entries) return none;
    // Room first: growing may throw, and then nothing was added (a grown
    // slot array holding the same entries is harmless).
    make_room_for_one();
    // A new chunk when the last is full (may throw; an empty chunk is
    // harmless), then the text (may throw; the entry is not counted yet).
    if (size_ == chunks_.size() * chunk_size)
      chunks_.push_back(std::make_unique<entry[]>(chunk_size));
    const auto id = static_cast<std::uint32_t>(size_);
    entry& added = at(id);
    added.text.assign(text);
    ++size_;
    place(slots_, slot{hash, id});
    bytes_ += text_bytes(added.text);
    return id;
  }

  /// The text numbered `id` (a number this table handed out).
  [[nodiscard]] const std::string& text(std::uint32_t id) const noexcept { return at(id).text; }

  /// The usage record of entry `id` (a number this table handed out).
  [[nodiscard]] value_usage& usage(std::uint32_t id) noexcept { return at(id).usage; }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// Heap bytes held, approximately: the entries, their text and the slot
  /// array.
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    const std::size_t chunks =
        chunks_.size() * (chunk_size * sizeof(entry) + heap_block_bytes) +
        (chunks_.capacity() == 0 ? 0 : chunks_.capacity() * sizeof(void*) + heap_block_bytes);
    const std::size_t slots =
        slots_.capacity() == 0 ? 0 : slots_.capacity() * sizeof(slot) + heap_block_bytes;
    return bytes_ + chunks + slots;
  }

 private:
  struct entry {
    std::string text;
    value_usage usage;
  };
  // A slot of the open-addressed table: the text's hash, compared before
  // the text (a probe past another entry then reads no text), and its
  // number; `id == none` marks an empty slot. Eight bytes, eight to a cache
  // line: a lookup is one hash and usually one line of slots, where the
  // node-based map walked a chain of nodes, one cache miss each.
  struct slot {
    std::uint32_t hash = 0;
    std::uint32_t id = none;
  };

  // The most entries: numbers run below `none`, which marks empty slots.
  static constexpr std::size_t max_entries = none;
  // What a heap block costs beyond its bytes (glibc malloc), roughly.
  static constexpr std::size_t heap_block_bytes = 16;

  // Doubles the slots when one more entry would fill more than 7/10 of
  // them (at least 16): amortised O(1) per entry, probes stay short. The
  // slots move by their kept hash: no text is hashed again. May throw;
  // then changes nothing.
  void make_room_for_one() {
    if (10 * (size_ + 1) <= 7 * slots_.size()) return;
    std::vector<slot> bigger(std::max<std::size_t>(16, 2 * slots_.size()));
    for (const slot& s : slots_)
      if (s.id != none) place(bigger, s);
    slots_.swap(bigger);
  }

  // Puts `s` in the first empty slot from its hash's; one is free.
  static void place(std::vector<slot>& slots, const slot& s) noexcept {
    const std::size_t mask = slots.size() - 1;
    std::size_t i = s.hash & mask;
    while (slots[i].id != none) i = (i + 1) & mask;
    slots[i] = s;
  }

  // An entry's text when longer than the string's inline buffer (the
  // entries and slots are counted apart).
  static std::size_t text_bytes(const std::string& text) noexcept {
    const auto* self = reinterpret_cast<const char*>(&text);
    const std::less<const char*> before{};
    const bool inline_text = !before(text.data(), self) && before(text.data(), self + sizeof text);
    return inline_text ? 0 : text.capacity() + 1;
  }

  // Entries by number, in chunks of chunk_size that never move (so a
  // value_usage reference, compact_trail::put_value's, stays valid while
  // entries are added): entry n is a shift and a mask away, where a deque
  // divided by its block's count of entries and branched.
  static constexpr std::size_t chunk_bits = 5;
  static constexpr std::size_t chunk_size = std::size_t{1} << chunk_bits;
  [[nodiscard]] entry& at(std::uint32_t id) const noexcept {
    return chunks_[id >> chunk_bits][id & (chunk_size - 1)];
  }

  std::vector<std::unique_ptr<entry[]>> chunks_;
  std::size_t size_ = 0;  // entries in use
  std::vector<slot> slots_;
  std::size_t bytes_ = 0;  // long texts' heap bytes
};

}  // namespace tierflow::detail
