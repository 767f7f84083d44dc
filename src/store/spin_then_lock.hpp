// SPDX-License-Identifier: MIT
// Taking a lock held only for a moment: a short spin on try_lock before the
// blocking lock.
//
// Private to the library. pthread's rwlock (std::shared_mutex) puts a
// thread that finds the lock taken to sleep at once; for the sections the
// memory store's shards and the engine's ticket map shards guard (a few
// hundred nanoseconds), the wake-up cost more than the wait, and two
// threads on one engine ran no faster than one (engine_bench
// BM_lifecycle_threads: 0.95x the one-thread rate; with the spin here and
// in the engine, 1.43-1.46x, beside a control of 1.98x).
#pragma once

#include <mutex>
#include <shared_mutex>

namespace tierflow::detail {

/// How many times the lock is tried before blocking: about a microsecond
/// of pause instructions on x86.
inline constexpr int lock_spins = 200;

inline void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// `m` locked for writing: tried lock_spins times, then waited for.
[[nodiscard]] inline std::unique_lock<std::shared_mutex> spin_then_lock(std::shared_mutex& m) {
  for (int tries = 0; tries < lock_spins; ++tries) {
    if (m.try_lock()) return std::unique_lock<std::shared_mutex>(m, std::adopt_lock);
    spin_pause();
  }
  return std::unique_lock<std::shared_mutex>(m);
}

/// `m` locked for reading: tried lock_spins times, then waited for.
[[nodiscard]] inline std::shared_lock<std::shared_mutex> spin_then_lock_shared(std::shared_mutex& m) {
  for (int tries = 0; tries < lock_spins; ++tries) {
    if (m.try_lock_shared()) return std::shared_lock<std::shared_mutex>(m, std::adopt_lock);
    spin_pause();
  }
  return std::shared_lock<std::shared_mutex>(m);
}

}  // namespace tierflow::detail
