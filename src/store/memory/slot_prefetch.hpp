// SPDX-License-Identifier: MIT
// Where an open-addressing table keeps its slots, readable without the lock
// that guards the table: a caller about to take the lock and look a key up
// starts loading the key's first slot first, so that with many entries the
// cache miss overlaps the work before the lookup (the memory store's
// stream and customer tables).
//
// Private to the memory store.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tierflow::detail {

/// The address and size of a table's slots, kept in atomics beside the
/// table. publish() is called by the table's lock holder whenever the slots
/// move; prefetch() by anyone. A prefetch is a hint with no effect on any
/// answer, and one of an address the table no longer uses (its slots moved
/// meanwhile) is harmless: a prefetch never faults.
template <class Slot>
class slot_prefetch {
 public:
  /// Notes where `slots` hold their slots now (a power of two of them).
  void publish(const std::vector<Slot>& slots) noexcept {
    at_.store(reinterpret_cast<std::uintptr_t>(slots.data()), std::memory_order_relaxed);
    mask_.store(slots.size() - 1, std::memory_order_relaxed);
  }

  /// Starts loading the slot a probe from `start` (the key's hash as the
  /// table takes it) begins at; nothing before the first publish().
  void prefetch(std::uint64_t start) const noexcept {
    const std::uintptr_t at = at_.load(std::memory_order_relaxed);
    const std::size_t mask = mask_.load(std::memory_order_relaxed);
    if (at == 0) return;
    // Integer arithmetic: the two values may be of two different moments.
    __builtin_prefetch(
        reinterpret_cast<const void*>(at + (static_cast<std::size_t>(start) & mask) * sizeof(Slot)));
  }

 private:
  std::atomic<std::uintptr_t> at_{0};
  std::atomic<std::size_t> mask_{0};
};

}  // namespace tierflow::detail
