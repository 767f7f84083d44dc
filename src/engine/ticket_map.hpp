// SPDX-License-Identifier: MIT
// The engine's tickets of one shard by id (engine::impl::ticket_shard): an
// open-addressing table whose slot holds the id, its hash and the value, so
// that a lookup reads one slot (one cache line) and compares the id there.
//
// Private to the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/id_hash.hpp"

namespace tierflow::detail {

/// Values by ticket id, the caller hashing each id once (id_hash_of) for
/// both the engine's shard (top bits) and the slot here (low bits).
///
/// Linear probing over a power of two slots, at most half of them taken;
/// removal shifts the entries after a freed slot back, so that no lookup
/// ever walks over a tombstone. std::unordered_map before it took a
/// modulo by a prime per lookup and a node of its own per ticket (the
/// bucket, then the node, then the ticket: a cache miss each with many
/// tickets); together about 3 % of an audited transition among 10,000
/// tickets (engine_bench BM_transition_brief/10000, perf).
///
/// Not synchronised: the engine guards each shard's table with the shard's
/// lock. A pointer to an entry stays valid until the next insertion or
/// removal.
template <class Value>
class ticket_map {
 public:
  /// One slot. `second` by its std::unordered_map name, so that the
  /// engine's call sites read as they did.
  struct alignas(64) entry {
    std::uint64_t hash = 0;
    std::string id;
    Value second{};
    bool taken = false;
  };

  /// The entry of `id`, whose id_hash_of() is `hash`, or end().
  [[nodiscard]] entry* find(std::string_view id, std::uint64_t hash) noexcept {
    return const_cast<entry*>(std::as_const(*this).find(id, hash));
  }
  [[nodiscard]] const entry* find(std::string_view id, std::uint64_t hash) const noexcept {
    if (slots_.empty()) return nullptr;
    const std::size_t mask = slots_.size() - 1;
    for (auto i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
      const entry& e = slots_[i];
      if (!e.taken) return nullptr;
      if (e.hash == hash && e.id == id) return &e;
    }
  }

  /// find(id, id_hash_of(id)).
  [[nodiscard]] entry* find(std::string_view id) noexcept { return find(id, id_hash_of(id)); }
  [[nodiscard]] const entry* find(std::string_view id) const noexcept { return find(id, id_hash_of(id)); }

  /// What find() returns for an id the table does not hold.
  [[nodiscard]] static entry* end() noexcept { return nullptr; }

  /// The entry of `id` (hashing to `hash`) and true when it was added,
  /// holding `value`; the entry already there and false (`value` unused)
  /// when the table holds `id`. May throw (bad_alloc: growing, the id's
  /// copy); then the table holds what it held.
  std::pair<entry*, bool> try_emplace(std::string_view id, std::uint64_t hash, Value&& value) {
    if (entry* held = find(id, hash); held != nullptr) return {held, false};
    std::string key(id);  // may throw, before anything changes
    if (2 * (count_ + 1) > slots_.size()) grow();
    entry& e = slot_for(slots_, hash);
    e.hash = hash;
    e.id = std::move(key);
    e.second = std::move(value);
    e.taken = true;
    ++count_;
    return {&e, true};
  }

  /// Removes the entry at `at` (one find() or try_emplace() gave, still
  /// valid), destroying its value.
  void erase(entry* at) noexcept {
    const std::size_t mask = slots_.size() - 1;
    auto hole = static_cast<std::size_t>(at - slots_.data());
    *at = entry{};
    --count_;
    // Moves back each following entry of the run whose home slot is not
    // between the hole and itself (cyclically): its lookups, which start at
    // its home and stop at the first free slot, would otherwise stop at the
    // hole before reaching it.
    for (std::size_t next = (hole + 1) & mask; slots_[next].taken; next = (next + 1) & mask) {
      const auto home = static_cast<std::size_t>(slots_[next].hash) & mask;
      const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
      if (stays) continue;
      slots_[hole] = std::move(slots_[next]);
      slots_[next] = entry{};
      hole = next;
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }

 private:
  // The first free slot of the run starting at the hash's home.
  static entry& slot_for(std::vector<entry>& slots, std::uint64_t hash) noexcept {
    const std::size_t mask = slots.size() - 1;
    auto i = static_cast<std::size_t>(hash) & mask;
    while (slots[i].taken) i = (i + 1) & mask;
    return slots[i];
  }

  // Twice the slots (16 at first), the entries moved by their kept hash.
  // Allocates first (may throw; then nothing moved); moving strings and
  // values does not throw.
  void grow() {
    std::vector<entry> bigger(slots_.empty() ? 16 : 2 * slots_.size());
    for (entry& e : slots_)
      if (e.taken) slot_for(bigger, e.hash) = std::move(e);
    slots_.swap(bigger);
  }

  std::vector<entry> slots_;
  std::size_t count_ = 0;
};

}  // namespace tierflow::detail
