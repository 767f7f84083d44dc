// SPDX-License-Identifier: MIT
// The engine's tickets in memory by id, one table per shard
// (engine::impl::shards): open addressing instead of std::unordered_map.
//
// Private to the engine (ticket_cache.cpp). With many tickets resident
// (every open one is, by default) a lookup in the node-based map was two
// or three cache misses: the bucket, its first node, and the next node,
// whose bucket the map computes (a division) to see where the chain ends.
// Each open inserts a new id, which walks a whole chain: 10 % of an open
// (engine_bench BM_open_brief/1000, perf). Here the hash and the slot sit
// together in one array, and a lookup is one entry or a few neighbours.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/same_text.hpp"
#include "store/shift_back.hpp"

namespace tierflow::detail {

/// Shared pointers to `T` by id, the id being the pointee's `key` (a
/// string that does not change while the pointer is kept): linear probing
/// over a power of two of entries at most half full, each entry the id's
/// hash (as the caller computed it: detail::id_hash_of) and the pointer
/// (24 bytes; the id is compared only when the hashes are equal, on the
/// pointee a found entry's user reads next anyway). An erase shifts the
/// entries after it back, so there are no tombstones and a lookup stops at
/// the first empty entry. Not synchronised: the engine's shard locks guard
/// it (finds may run together; a change excludes everything else).
template <class T>
class ticket_table {
 public:
  using pointer = std::shared_ptr<T>;

  /// The pointer kept under `id` (whose hash is `hash`), or nullptr.
  [[nodiscard]] pointer* find(std::string_view id, std::uint64_t hash) noexcept {
    const std::size_t i = index_of(id, hash);
    return i == none ? nullptr : &entries_[i].value;
  }
  [[nodiscard]] const pointer* find(std::string_view id, std::uint64_t hash) const noexcept {
    const std::size_t i = index_of(id, hash);
    return i == none ? nullptr : &entries_[i].value;
  }

  /// Keeps `value` (not null) under its key, whose hash is `hash`, unless
  /// the key is kept already: the pointer kept under it, and whether it is
  /// `value`. May throw (std::bad_alloc); then nothing changed and `value`
  /// is untouched.
  std::pair<pointer*, bool> try_emplace(std::uint64_t hash, pointer&& value) {
    if (pointer* held = find(value->key, hash)) return {held, false};
    if (2 * (count_ + 1) > entries_.size()) grow();
    entry& e = entries_[free_entry(entries_, hash)];
    e.hash = hash;
    e.value = std::move(value);
    ++count_;
    return {&e.value, true};
  }

  /// Takes `id` out: the pointer it was kept under, or nullptr if it was
  /// not kept. Pointers find() returned before are invalid after.
  pointer erase(std::string_view id, std::uint64_t hash) noexcept {
    std::size_t hole = index_of(id, hash);
    if (hole == none) return nullptr;
    pointer out = std::move(entries_[hole].value);
    hole = shift_back(
        entries_, hole, [](const entry& e) noexcept { return e.value == nullptr; },
        [](const entry& e) noexcept { return e.hash; });
    entries_[hole].value = nullptr;
    --count_;
    return out;
  }

  /// How many ids are kept.
  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  struct entry {
    std::uint64_t hash = 0;
    pointer value;  ///< nullptr: the entry is empty
  };
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  // The entry holding `id`, or none.
  [[nodiscard]] std::size_t index_of(std::string_view id, std::uint64_t hash) const noexcept {
    if (entries_.empty()) return none;
    const std::size_t mask = entries_.size() - 1;
    for (auto i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
      const entry& e = entries_[i];
      if (e.value == nullptr) return none;
      if (e.hash == hash && same_text(e.value->key, id)) return i;
    }
  }

  // The first empty entry on `hash`'s probe path (there is one: the
  // entries are at most half full).
  static std::size_t free_entry(const std::vector<entry>& entries, std::uint64_t hash) noexcept {
    const std::size_t mask = entries.size() - 1;
    auto i = static_cast<std::size_t>(hash) & mask;
    while (entries[i].value != nullptr) i = (i + 1) & mask;
    return i;
  }
  // Twice the entries (16 at first), each moved by its kept hash. May
  // throw (the allocation), before anything moved.
  void grow() {
    std::vector<entry> bigger(std::max<std::size_t>(16, 2 * entries_.size()));
    for (entry& e : entries_)
      if (e.value != nullptr) bigger[free_entry(bigger, e.hash)] = std::move(e);
    entries_.swap(bigger);
  }

  std::vector<entry> entries_;
  std::size_t count_ = 0;
};

}  // namespace tierflow::detail
