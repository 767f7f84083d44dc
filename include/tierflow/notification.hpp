// SPDX-License-Identifier: MIT
// Notifications: what the engine tells people (owner, assignee, a tier's or a
// team's queue, a role) and the sink a host registers to deliver them.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/calendar.hpp>

namespace tierflow {

/// Whom a notification is for.
enum class recipient : std::uint8_t {
  owner,     ///< the ticket's owner (首問負責人); `person` names them
  assignee,  ///< the current assignee: `person` if someone took it, else the queue
  tier,      ///< a tier's queue (`unit`), the ticket's region's queue when region-split
  team,      ///< a lateral team's queue (`unit`)
  role,      ///< everyone holding role `unit` (e.g. a supervisor role)
};

/// "owner", "assignee", "tier", "team" or "role".
[[nodiscard]] constexpr std::string_view to_string(recipient r) noexcept {
  switch (r) {
    case recipient::owner: return "owner";
    case recipient::assignee: return "assignee";
    case recipient::tier: return "tier";
    case recipient::team: return "team";
    case recipient::role: return "role";
  }
  return "owner";
}

/// One message for the host to deliver (SMS, the CRM inbox, the workbench).
/// The same facts are in the ticket's `notified` event.
struct notification {
  std::string ticket_id;
  timestamp time{};
  recipient to = recipient::owner;
  /// The person (owner / assignee when someone took the ticket), else empty.
  std::string person;
  /// The tier, team or role addressed; for owner/assignee the unit the
  /// ticket is with.
  std::string unit;
  /// The region queue, for region-split units; else empty.
  std::string region;
  /// Why: the escalation rule id, or the event that caused it ("handed_off",
  /// "escalated").
  std::string reason;
  friend bool operator==(const notification&, const notification&) = default;
};

/// Receives notifications. Registered with the engine by the host.
///
/// Contract: deliver() is called after the command that caused the
/// notification is stored, outside every engine lock, from the thread that
/// ran the command (or advance()). It should hand the message off and return
/// quickly (a queue, a channel); it may throw: the engine catches, counts the
/// failure (engine::stats) and carries on, and the ticket is unaffected.
/// Called concurrently from several threads when the engine is.
class notification_sink {
 public:
  virtual ~notification_sink() = default;
  virtual void deliver(const notification& n) = 0;
};

/// A thread-safe in-memory sink: notifications wait in arrival order until
/// the host takes them with drain(). For tests, the simulator and hosts that
/// poll.
class notification_queue final : public notification_sink {
 public:
  void deliver(const notification& n) override {
    const std::lock_guard lock(mutex_);
    pending_.push_back(n);
  }
  /// Takes every waiting notification, oldest first.
  [[nodiscard]] std::vector<notification> drain() {
    const std::lock_guard lock(mutex_);
    std::vector<notification> out(std::make_move_iterator(pending_.begin()),
                                  std::make_move_iterator(pending_.end()));
    pending_.clear();
    return out;
  }
  [[nodiscard]] std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return pending_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::deque<notification> pending_;
};

}  // namespace tierflow
