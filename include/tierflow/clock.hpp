// SPDX-License-Identifier: MIT
// The injected clock: the engine reads time only through this interface, so
// production uses the system clock while tests and the simulator move a
// manual clock by hand (tests never sleep).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <tierflow/calendar.hpp>

namespace tierflow {

/// Where the engine gets "now" from. Implementations must be thread-safe:
/// the engine calls now() from every thread that calls it.
class clock {
 public:
  virtual ~clock() = default;
  /// The current instant, UTC, whole seconds.
  [[nodiscard]] virtual timestamp now() const noexcept = 0;
};

/// The wall clock (std::chrono::system_clock), truncated to seconds.
class system_clock final : public clock {
 public:
  [[nodiscard]] timestamp now() const noexcept override {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

/// A clock that moves only when told: for tests and simulation.
///
/// Thread-safe (an atomic). It never moves backwards: set() to an earlier
/// instant is ignored and returns false, because the engine's timers and the
/// audit trail assume time does not run back.
class manual_clock final : public clock {
 public:
  explicit manual_clock(timestamp start) noexcept : seconds_(start.time_since_epoch().count()) {}

  [[nodiscard]] timestamp now() const noexcept override {
    return timestamp{std::chrono::seconds{seconds_.load(std::memory_order_acquire)}};
  }
  /// Moves to `t`; false (and no change) when `t` is earlier than now().
  bool set(timestamp t) noexcept {
    std::int64_t current = seconds_.load(std::memory_order_acquire);
    const std::int64_t wanted = t.time_since_epoch().count();
    while (current <= wanted) {
      if (seconds_.compare_exchange_weak(current, wanted, std::memory_order_acq_rel)) return true;
    }
    return false;
  }
  /// Moves forward by `d` (negative amounts are ignored); returns the new now().
  timestamp advance(std::chrono::seconds d) noexcept {
    if (d.count() > 0) seconds_.fetch_add(d.count(), std::memory_order_acq_rel);
    return now();
  }

 private:
  std::atomic<std::int64_t> seconds_;
};

}  // namespace tierflow
