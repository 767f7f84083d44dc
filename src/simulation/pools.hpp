// SPDX-License-Identifier: MIT
// The staff of a run: individual people with a role, a region and a shift
// calendar, grouped into work pools (a role, in one region for region-split
// units), and the queues a ready ticket waits in, nearest deadline first.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tierflow/calendar.hpp>
#include <tierflow/error.hpp>
#include <tierflow/organisation.hpp>
#include <tierflow/simulation.hpp>
#include <tierflow/ticket.hpp>

namespace tierflow::sim::detail {

/// "No deadline running": sorts after every due instant.
inline constexpr std::int64_t no_due = std::numeric_limits<std::int64_t>::max();

/// A ticket's place in a queue: the workbench order (nearest running
/// deadline first, then the longest ready, then the ticket id) and the
/// ticket's generation when it was queued. A ticket may sit in several
/// queues at once; when it is taken, or redrawn, its generation moves on
/// and its other entries are dropped as they surface (lazy deletion).
struct queue_entry {
  std::int64_t due = no_due;
  std::int64_t ready = 0;
  std::uint32_t ticket = 0;
  std::uint32_t generation = 0;
};

/// Orders queue entries for a min-heap; ties of due and ready instant go
/// by ticket id, read through `ids`.
struct later_entry {
  const std::vector<std::string>* ids = nullptr;
  [[nodiscard]] bool operator()(const queue_entry& a, const queue_entry& b) const noexcept {
    if (a.due != b.due) return a.due > b.due;
    if (a.ready != b.ready) return a.ready > b.ready;
    return (*ids)[a.ticket] > (*ids)[b.ticket];
  }
};

/// A queue of ready tickets: O(log n) per push and pop.
using ticket_queue = std::priority_queue<queue_entry, std::vector<queue_entry>, later_entry>;

/// One simulated person.
struct person {
  actor who;
  std::uint32_t pool = 0;
  const calendar* shifts = nullptr;  ///< nullptr: always on shift
  bool on_shift = false;
  bool busy = false;
  std::uint32_t ticket = 0;          ///< the ticket in hand while busy
  std::int64_t since = 0;            ///< on shift since (while on shift)
  std::int64_t busy_since = 0;
  /// When the shift ended under a job in hand: the overtime finishing it
  /// counts as time at work, so that utilisation stays within 1.
  std::int64_t overtime_since = 0;
  std::int64_t idle_since = 0;
  /// Tickets that wait for this person only (首問: the person holds them).
  ticket_queue own;
};

/// One work pool and what its people did.
struct pool {
  pool_stats stats;
  bool region_split = false;
  std::vector<std::uint32_t> people;
  ticket_queue waiting;
  /// On shift and free, longest idle first: (idle since, person).
  std::set<std::pair<std::int64_t, std::uint32_t>> idle;
  std::uint32_t queued = 0;  ///< distinct tickets waiting (own lists of its people included)
  std::uint32_t on_shift = 0;
  std::uint32_t busy = 0;
  std::vector<std::int64_t> waits;  ///< ready → taken, for takes in the reported period
};

/// The staff of a scenario.
struct staff {
  std::vector<person> people;
  std::vector<pool> pools;  ///< by role, then region
  std::map<std::pair<std::string, std::string>, std::uint32_t> pool_of;  ///< (role, region)
  std::unordered_map<std::string, std::uint32_t> person_of;              ///< by person id
};

/// The calendar `id`: the scenario's own first, then the organisation's;
/// nullptr when neither has it.
[[nodiscard]] const calendar* find_calendar(const scenario& sc, const organisation& org,
                                            std::string_view id) noexcept;

/// True when `unit` (a tier or team id) keeps a queue per region.
[[nodiscard]] bool region_split(const organisation& org, std::string_view unit) noexcept;

/// The people of every staff group ("ROLE.REGION.N" for region-split
/// units, else "ROLE.N"; a second group of the same role goes on
/// numbering), their shift calendars (the scenario's, then the
/// organisation's; "" = always on shift) and their pools. `ids` is the
/// ticket id table the queues' tie-break reads (it must outlive the
/// staff). Errors: errc::invalid_argument for an unknown role or calendar.
[[nodiscard]] result<staff> make_staff(const scenario& sc, const organisation& org,
                                       const std::vector<std::string>& ids);

/// The end of the working period that holds `t` (working time at `t`):
/// the end of its span, continued across a span ending at 24:00 into one
/// beginning at 00:00; timestamp::max() for an always-open calendar.
[[nodiscard]] timestamp shift_end(const calendar& cal, timestamp t) noexcept;

}  // namespace tierflow::sim::detail
