// SPDX-License-Identifier: MIT
// The engine's state and the declaration of its parts, one file each:
//
//   ticket_cache.cpp   tickets in memory: load, re-read, commit to the store
//   restore.cpp        verifying stored streams, restoring open tickets
//   intake.cpp         open: checking a request, the `opened` event
//   routing.cpp        which queue a ticket goes to (free functions)
//   authorization.cpp  whether an actor may take an action (free function)
//   actions.cpp        act: staff actions and their effects
//   escalation.cpp     escalation rules: escalate, hand off, flag
//   notifications.cpp  recording notifications, delivering them to the sink
//   timers.cpp         deadline timers: firing one, advance()
//   denials.cpp        recording refused commands
//   queries.cpp        views, queues, the contact record, overdue, at risk
//
// and engine.cpp, the public front that forwards to them.
//
// Private to the engine.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tierflow/engine.hpp>
#include <tierflow/memory_store.hpp>

#include "engine/command.hpp"
#include "engine/ticket_record.hpp"

namespace tierflow {
namespace detail {

/// One ticket in memory: its record, guarded by its own lock so that
/// commands on different tickets run in parallel.
struct ticket_slot {
  std::mutex mutex;
  ticket_record record;
  /// The record holds events the store refused and could not be re-read
  /// after (the store failed twice): it is re-read before its next use.
  bool stale = false;
};

/// Whether a request's id or text exceeds its limit (max_id_bytes,
/// max_text_bytes).
[[nodiscard]] inline bool too_long(std::string_view s, std::size_t limit) noexcept {
  return s.size() > limit;
}

}  // namespace detail

struct engine::impl {
  using ticket_slot = detail::ticket_slot;
  using command = detail::command;

  catalog defs;
  detail::compiled_catalog cc;
  system_clock default_clock;
  const clock* time_source = nullptr;
  std::unique_ptr<memory_store> own_store;
  store* events = nullptr;
  notification_sink* sink = nullptr;
  std::string prefix;

  mutable std::shared_mutex map_mutex;
  mutable std::unordered_map<std::string, std::unique_ptr<ticket_slot>> tickets;

  std::mutex denial_mutex;

  std::atomic<std::uint64_t> commands{0}, denied{0}, timers_fired{0}, notified{0}, sink_failures{0};

  // How often a command that lost a version race to another engine on a
  // shared store is re-judged on the ticket's new state before the conflict
  // is returned to the caller.
  static constexpr int race_retries = 16;

  // --- tickets in memory (ticket_cache.cpp) -----------------------------------------------------

  // The slot of a ticket, loaded from the store on first use; nullptr when
  // the store has no such ticket.
  result<ticket_slot*> slot(std::string_view id) const;
  // Re-reads a ticket from the store after a failed append, so the record is
  // again exactly what the store holds; if even that read fails, the slot is
  // marked stale and re-read before its next use.
  void resync(ticket_slot& s) const;
  // Re-reads a ticket whose record the store could not confirm (see
  // ticket_slot::stale).
  result<void> reload_if_stale(ticket_slot& s) const;
  // Brings a ticket up to date with a store other processes append to (the
  // caller holds the ticket's lock).
  result<void> refresh(ticket_slot& s) const;
  // Seals the command's events onto the ticket's chain and appends them with
  // its summary. On failure the record is rebuilt from the store.
  result<void> commit(ticket_slot& s, command& cmd);

  // --- restoring (restore.cpp) ------------------------------------------------------------------

  // Checks a stream against its hash chain and the head the store recorded.
  result<void> verify_stream(std::string_view id) const;
  // Verifies and loads the open tickets of a store that already holds some.
  result<void> restore();

  // --- open (intake.cpp) ------------------------------------------------------------------------

  // A request checked and completed: its workflow, typed attributes with
  // the derived ones added from the customer's history, typed fields.
  struct checked_request {
    const workflow* wf = nullptr;
    attribute_values customer;
    attribute_values fields;
  };
  // The checks open() makes, shared with explain_route so that a preview
  // routes exactly as the real thing would.
  result<checked_request> check_request(const open_request& req, timestamp now) const;
  // What a request would be as a ticket before it has events: enough for
  // conditions (deadline cases, routing) to read its fields.
  detail::ticket_record draft_record(const open_request& req, const checked_request& checked) const;
  result<opened_ticket> open(const open_request& req, timestamp now);

  // --- act (actions.cpp) ------------------------------------------------------------------------

  result<ticket_view> act(const act_request& req, timestamp now);
  result<ticket_view> act_once(const act_request& req, timestamp now, bool& judged);
  // After a state change: pause or resume the clocks, close at a terminal.
  void after_transition(command& cmd);

  // --- escalation (escalation.cpp) --------------------------------------------------------------

  // Moves the ticket up the ladder: "next" or a named tier. `cause_key` is
  // detail_key::rule or detail_key::action.
  void escalate(command& cmd, std::string_view target, std::string_view cause_key,
                std::string_view cause);
  // Sends the ticket to a lateral team; the owner stays.
  void hand_off(command& cmd, std::string_view team_id, std::string_view cause_key,
                std::string_view cause);
  // Runs one escalation rule if its `from` tiers and `when` hold now.
  void run_rule(command& cmd, std::size_t rule_index);

  // --- notifications (notifications.cpp) --------------------------------------------------------

  void notify(command& cmd, recipient to, std::string unit, std::string region, std::string person,
              std::string reason);
  void notify_owner(command& cmd, std::string reason);
  // `target`: "owner", "assignee", a tier, a team or a role.
  void notify_target(command& cmd, std::string_view target, const std::string& reason);
  // Hands the notifications to the sink (outside every lock) and clears them.
  void deliver(std::vector<notification>& notes);

  // --- timers (timers.cpp) ----------------------------------------------------------------------

  // Fires the ticket's earliest timer if it is due at or before `bound`.
  // Returns whether one fired. The caller holds the ticket's lock.
  result<bool> fire_next(ticket_slot& s, timestamp bound, std::vector<notification>& notes);
  result<advance_report> advance(timestamp now);

  // --- denials (denials.cpp) --------------------------------------------------------------------

  // Records a rejected command on the ticket's own trail.
  result<void> deny(ticket_slot& s, const act_request& req, timestamp now, const error& why);
  // Records a rejected command that has no ticket to record it on.
  failure deny_unknown(std::string_view ticket_id, std::string_view actor_id, std::string_view what,
                       timestamp now, error why);

  // --- queries (queries.cpp) --------------------------------------------------------------------

  // The views of the listed tickets, each as of its last command.
  result<std::vector<ticket_view>> views(const std::vector<ticket_summary>& summaries,
                                         timestamp now) const;
  result<ticket_view> view(std::string_view ticket_id, timestamp now) const;
  result<std::vector<ticket_view>> queue(std::string_view unit, std::string_view region,
                                         timestamp now) const;
  result<contact_record> customer_record(std::string_view customer_id, timestamp now) const;
  result<std::vector<ticket_view>> overdue(timestamp now) const;
  result<std::vector<ticket_view>> at_risk(std::chrono::seconds within, timestamp now) const;
  // A ticket's stored trail (or the denial log's).
  result<std::vector<event>> trail(std::string_view ticket_id) const;
  result<ticket_view> replay(std::string_view ticket_id, timestamp now) const;
};

}  // namespace tierflow
