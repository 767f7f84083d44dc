// SPDX-License-Identifier: MIT
// The run's open tickets by id: which slot of the run's tables holds each.
//
// Private to the simulator (run.cpp). Every simulated ticket is added when
// it opens, looked up when its trail is folded, and taken out when it
// closes; a node-based map allocated a node and copied the id for each, and
// its lookups walked a chain (2-3 % of an M/M/10 run, perf). Here an entry
// is the id's hash and the slot, and the id is read from the run's own
// table of ids only when the hashes are equal.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "store/id_hash.hpp"
#include "store/same_text.hpp"
#include "store/shift_back.hpp"

namespace tierflow::sim::detail {

/// Slots by id, the id of slot k being `ids[k]` of the table given at
/// construction (which must outlive the index and keep a slot's id while
/// the slot is in the index). Linear probing over a power of two of entries
/// at most half full; an erase shifts the entries after it back, so there
/// are no tombstones and a lookup stops at the first empty entry.
class slot_index {
 public:
  /// The slot no entry holds.
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

  explicit slot_index(const std::vector<std::string>& ids) noexcept : ids_(&ids) {}

  /// The slot of `id`, or none.
  [[nodiscard]] std::uint32_t find(std::string_view id) const noexcept {
    const std::size_t i = index_of(id, tierflow::detail::id_hash_of(id));
    return i == npos ? none : entries_[i].slot;
  }

  /// Files slot `k` (not none) under its id, ids[k], which the index does
  /// not hold yet. May throw (std::bad_alloc); then nothing changed.
  void insert(std::uint32_t k) {
    if (2 * (count_ + 1) > entries_.size()) grow();
    const std::uint64_t hash = tierflow::detail::id_hash_of((*ids_)[k]);
    entries_[free_entry(entries_, hash)] = entry{hash, k};
    ++count_;
  }

  /// Takes `id` out; whether it was there. Shifts later entries back
  /// (shift_back): no tombstones.
  bool erase(std::string_view id) noexcept {
    std::size_t hole = index_of(id, tierflow::detail::id_hash_of(id));
    if (hole == npos) return false;
    hole = tierflow::detail::shift_back(
        entries_, hole, [](const entry& e) noexcept { return e.slot == none; },
        [](const entry& e) noexcept { return e.hash; });
    entries_[hole] = entry{};
    --count_;
    return true;
  }

  /// How many ids are filed.
  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  struct entry {
    std::uint64_t hash = 0;
    std::uint32_t slot = none;  ///< none: the entry is empty
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  [[nodiscard]] std::size_t index_of(std::string_view id, std::uint64_t hash) const noexcept {
    if (entries_.empty()) return npos;
    const std::size_t mask = entries_.size() - 1;
    for (auto i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
      const entry& e = entries_[i];
      if (e.slot == none) return npos;
      if (e.hash == hash && tierflow::detail::same_text((*ids_)[e.slot], id)) return i;
    }
  }
  static std::size_t free_entry(const std::vector<entry>& entries, std::uint64_t hash) noexcept {
    const std::size_t mask = entries.size() - 1;
    auto i = static_cast<std::size_t>(hash) & mask;
    while (entries[i].slot != none) i = (i + 1) & mask;
    return i;
  }
  // Twice the entries (16 at first), each placed by its kept hash. May
  // throw (the allocation), before anything moved.
  void grow() {
    std::vector<entry> bigger(std::max<std::size_t>(16, 2 * entries_.size()));
    for (const entry& e : entries_)
      if (e.slot != none) bigger[free_entry(bigger, e.hash)] = e;
    entries_.swap(bigger);
  }

  const std::vector<std::string>* ids_;
  std::vector<entry> entries_;
  std::size_t count_ = 0;
};

}  // namespace tierflow::sim::detail
