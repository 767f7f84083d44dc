// SPDX-License-Identifier: MIT
// A count that many threads add to without sharing a cache line: the
// engine's statistics (commands, denials, timers, notifications).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace tierflow::detail {

/// A counter split into cells, each on a cache line of its own: a thread
/// adds to its cell (threads take cells in turn as they first count), and
/// a read sums the cells. One shared atomic added to by every command was
/// the hottest line between two threads (engine_bench BM_lifecycle_threads,
/// two threads: its `lock add` was half of act_once's own time, against a
/// quarter of it with one thread). A read while threads add is a sum of
/// cells read one by one, each exact: it never counts an addition twice or
/// loses one once the adding threads are done.
class striped_count {
 public:
  /// Adds `n` to the calling thread's cell.
  void add(std::uint64_t n = 1) noexcept { cells_[cell_index()].n.fetch_add(n, std::memory_order_relaxed); }

  /// The sum of every cell.
  [[nodiscard]] std::uint64_t load() const noexcept {
    std::uint64_t sum = 0;
    for (const cell& c : cells_) sum += c.n.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  // More cells than the machines have cores seldom helps: threads beyond
  // them share cells again.
  static constexpr std::size_t cell_count = 8;
  struct alignas(64) cell {
    std::atomic<std::uint64_t> n{0};
  };
  // The calling thread's cell: the same for every striped_count, taken in
  // turn by threads as they first count.
  static std::size_t cell_index() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed) % cell_count;
    return mine;
  }
  std::array<cell, cell_count> cells_{};
};

}  // namespace tierflow::detail
