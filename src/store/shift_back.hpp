// SPDX-License-Identifier: MIT
// Erasing from a linear-probing table without tombstones: the one
// backward-shift step the engine's ticket table, the memory store's
// customer table and the simulator's slot index share.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace tierflow::detail {

/// Closes the hole an erase left at `hole` in `entries` (a power of two of
/// them, probed linearly, at least one empty): each entry up to the next
/// empty one moves into the hole when the hole lies on its probe path
/// (between its home and where it is), and its old place becomes the hole.
/// Every entry then stays reachable from its home with no gap on the way,
/// so lookups stop at the first empty entry and stay as short as the table
/// is full. Returns where the hole ended: the caller empties that entry.
/// `empty(e)` says whether an entry is empty; `home(e)` is its hash, whose
/// low bits are its home.
template <class Entry, class Empty, class Home>
std::size_t shift_back(std::vector<Entry>& entries, std::size_t hole, Empty empty, Home home) noexcept {
  const std::size_t mask = entries.size() - 1;
  for (std::size_t i = (hole + 1) & mask; !empty(entries[i]); i = (i + 1) & mask) {
    const auto from = static_cast<std::size_t>(home(entries[i])) & mask;
    if (((i - from) & mask) >= ((i - hole) & mask)) {
      entries[hole] = std::move(entries[i]);
      hole = i;
    }
  }
  return hole;
}

}  // namespace tierflow::detail
