// SPDX-License-Identifier: MIT
// The engine's state and the declaration of its parts, one file each:
//
//   ticket_cache.cpp   tickets in memory: load, re-read, commit to the store
//   restore.cpp        verifying stored streams, restoring tickets, quarantine
//   input_rules.hpp    checks of a request's own bytes (free functions)
//   intake.cpp         open: checking a request, the `opened` event
//   routing.cpp        which queue a ticket goes to (free functions)
//   authorization.cpp  whether an actor may take an action (free function)
//   actions.cpp        act: staff actions and their effects
//   escalation.cpp     escalation rules: escalate, hand off, flag
//   notifications.cpp  recording notifications, delivering them to the sink
//   timers.cpp         deadline timers: firing one, advance()
//   checkpoints.cpp    signed checkpoints of every stream's head, on schedule
//   denials.cpp        recording refused commands, bounded and coalesced
//   queries.cpp        views, queues, the contact record, overdue, at risk
//
// and engine.cpp, the public front that forwards to them.
//
// Private to the engine.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tierflow/engine.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/verified_read.hpp>

#include "engine/command.hpp"
#include "engine/striped_count.hpp"
#include "engine/ticket_table.hpp"
#include "engine/ticket_record.hpp"
#include "store/id_hash.hpp"

namespace tierflow {
namespace detail {

/// One ticket in memory: its record, guarded by its own lock so that
/// commands on different tickets run in parallel.
struct ticket_slot {
  std::mutex mutex;
  /// The ticket's id, as the engine's map finds it (ticket_table.hpp):
  /// set before the slot is kept, unchanged after. Not record.id, which a
  /// re-read of the trail assigns again while another thread's lookup
  /// (under its shard's lock only) may compare it.
  std::string key;
  ticket_record record;
  /// The record holds events the store refused and could not be re-read
  /// after (the store failed twice): it is re-read before its next use.
  bool stale = false;
  /// The store's summary row disagreed with the trail when the ticket was
  /// restored (a served quarantine entry): the next commit rewrites the row
  /// and clears the entry.
  bool row_forged = false;
  /// Held in the engine's map (engine::impl::shards). Closed tickets are
  /// held only up to engine_options::closed_tickets_kept; one that is not
  /// is read from the store for each use and dropped after. Such a copy
  /// may be one of several, so what it judges is checked against the
  /// store. Atomic: evicting one ticket happens under another's lock.
  std::atomic<bool> resident{false};
  /// Used since the open tickets' clock hand last passed it
  /// (engine_options::open_tickets_kept): set on every use without a lock,
  /// cleared by the sweep, which lets such a ticket stay one more round.
  std::atomic<bool> used{false};
  /// Its place among the open tickets kept (engine::impl::open_ring), or
  /// no_place; guarded by the engine's budget_mutex.
  static constexpr std::size_t no_place = static_cast<std::size_t>(-1);
  std::size_t ring_at = no_place;
};

/// How many bits of an id's hash pick its shard of the engine's tickets
/// (engine::impl::shards): 16 shards, a few times the cores the machines
/// have, so that two threads seldom meet on one; an empty shard costs a
/// lock and an empty map.
inline constexpr unsigned ticket_shard_bits = 4;

/// The shard of the engine's tickets a ticket id belongs to, below
/// 2^ticket_shard_bits; consecutive ids spread over all of them
/// (ticket_cache.cpp).
std::size_t ticket_shard_index(std::string_view id) noexcept;
/// ticket_shard_index() of an id whose id_hash_of() is `h`.
[[nodiscard]] constexpr std::size_t ticket_shard_of_hash(std::uint64_t h) noexcept {
  // Its top bits: the shard's own map takes the slot from its low bits.
  return static_cast<std::size_t>(h >> (64U - ticket_shard_bits));
}

/// Identical denials of one stream, coalesced (denials.cpp).
struct denial_count {
  timestamp last_recorded{};
  /// Refused since last_recorded and not recorded.
  std::uint64_t unrecorded = 0;
};

/// What a recorded denial carries besides itself: identical denials
/// coalesced into it (detail `repeated`), and denials of its stream counted
/// without a key of their own (detail `others`).
struct denial_tally {
  std::uint64_t repeated = 0;
  std::uint64_t others = 0;
};

/// The denials of one stream (a ticket's denial stream, or the denial log)
/// in the current window.
struct denial_gate {
  timestamp window_start{};
  std::size_t recorded = 0;
  /// By actor, action and code (and, on the denial log, the ticket named);
  /// at most a few times the stream's cap of keys (denials.cpp), so that refusals under ever new
  /// actor ids cannot grow the engine's memory.
  std::unordered_map<std::string, denial_count> counts;
  /// Refusals not recorded and not counted under a key of their own (the
  /// keys were full), since the last recorded denial of the stream.
  std::uint64_t others = 0;
};

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

  // The tickets in memory: up to open_kept open ones, closed ones whose
  // summary row is yet to be rewritten, and up to closed_kept other closed
  // ones. Shared, so that a command holding a slot keeps it alive when it
  // leaves the map.
  //
  // Split over shards by a hash of the id, each under a lock of its own:
  // one map behind one lock was taken by every command of every thread
  // (engine_bench BM_lifecycle_threads, two threads: 3.5% of the threads'
  // sleeps were on it, 0.6% with the shards). A lookup takes its shard's
  // lock, shared, and nothing else.
  //
  // Locks, in the order they are taken: a ticket's own (ticket_slot::mutex),
  // then budget_mutex, then one shard's lock; never the other way round.
  // Nothing is taken under a shard's lock, and under budget_mutex a
  // ticket's lock is only tried (the sweep). A shard's map changes only
  // with budget_mutex and its own lock both held, so a holder of either
  // may read it; the slots that leave are destroyed after both are
  // released.
  //
  // A ticket id with its hash (detail::id_hash_of), computed once per
  // lookup: its top bits pick the shard, the map takes it as it is
  // (slot() hashed the id twice before: for the shard, then for the map).
  struct hashed_id {
    std::string_view id;
    std::uint64_t hash = 0;
    explicit hashed_id(std::string_view ticket_id) noexcept
        : id(ticket_id), hash(detail::id_hash_of(ticket_id)) {}
  };
  // Open addressing (ticket_table.hpp): the id, its hash and the slot in
  // one entry.
  using ticket_map = detail::ticket_table<ticket_slot>;
  // Aligned apart, so that two threads' locks do not share a cache line.
  struct alignas(64) ticket_shard {
    mutable std::shared_mutex mutex;
    mutable ticket_map tickets;
  };
  mutable std::array<ticket_shard, std::size_t{1} << detail::ticket_shard_bits> shards;
  ticket_shard& shard_of(const hashed_id& h) const noexcept {
    return shards[detail::ticket_shard_of_hash(h.hash)];
  }

  // Guards the budgets' bookkeeping below, every slot's ring_at, and
  // changes to the shards' maps (see above). Taken only when a ticket
  // enters or leaves memory, or closes: with the default budgets, once on
  // open and once on close; never on a lookup that finds its ticket.
  mutable std::shared_mutex budget_mutex;
  // The closed tickets in the shards, oldest first (ids; one may have left
  // already): beyond closed_kept, the oldest leave memory.
  mutable std::deque<std::string> closed_order;
  std::size_t closed_kept = 0;
  // The open tickets in the shards, in no order but the clock hand's:
  // beyond open_kept, the sweep lets ones not used since it last passed
  // leave memory (engine_options::open_tickets_kept).
  mutable std::vector<ticket_slot*> open_ring;
  mutable std::size_t ring_hand = 0;
  std::size_t open_kept = 0;

  // Serialises denials: the coalescing counts and the appends to the
  // denial streams, which no ticket lock covers.
  std::mutex denial_mutex;

  // Periodic checkpoints (checkpoints.cpp).
  checkpoint_schedule checkpoint_plan;
  std::mutex checkpoint_mutex;
  std::optional<timestamp> next_checkpoint;  // nullopt: at the next advance()
  std::unordered_map<std::string, detail::denial_gate> denial_gates;
  std::uint64_t denials_since_sweep = 0;

  // The tickets restore (or a lazy load) found damaged, by id.
  mutable std::mutex quarantine_mutex;
  mutable std::map<std::string, quarantined_ticket> quarantine;

  // engine_stats' counts, each added to by every thread (striped_count.hpp).
  detail::striped_count commands, denied, timers_fired, notified, sink_failures;

  // How often a command that lost a version race to another engine on a
  // shared store is re-judged on the ticket's new state before the conflict
  // is returned to the caller.
  static constexpr int race_retries = 16;
  // How many due tickets advance() asks the store for at a time: it works
  // all but the last of them before asking again (timers.cpp).
  static constexpr std::size_t due_batch = 16;

  // --- tickets in memory (ticket_cache.cpp) -----------------------------------------------------

  // The slot of a ticket, loaded from the store on first use; nullptr when
  // the store has no such ticket. Kept in memory as keep() says.
  result<std::shared_ptr<ticket_slot>> slot(std::string_view id) const;
  // Keeps a loaded ticket in memory (a closed one within the budget of
  // closed_kept), and returns the slot to use: the one already kept, if
  // another thread kept one first.
  std::shared_ptr<ticket_slot> keep(std::shared_ptr<ticket_slot> s) const;
  // Counts a ticket that closed among the closed ones kept, and lets the
  // oldest beyond the budget leave memory (the caller holds its lock).
  void retire_if_closed(ticket_slot& s) const;
  // The same with budget_mutex held, for a slot in the map.
  // Tickets that leave memory go to `leaving`, to be destroyed once the
  // locks are released (a record is many blocks to free).
  void retire_locked(ticket_slot& s, std::vector<std::shared_ptr<ticket_slot>>& leaving) const;
  // Counts a ticket kept open among the open ones, and lets ones not used
  // lately leave memory beyond the budget (budget_mutex held).
  void enlist_open_locked(ticket_slot& s, std::vector<std::shared_ptr<ticket_slot>>& leaving) const;
  // Takes the ticket kept under `id`, if any, out of memory: not resident,
  // out of the open ring and its shard, its slot moved to `leaving`
  // (budget_mutex held; takes the shard's lock).
  void evict_locked(std::string_view id, std::vector<std::shared_ptr<ticket_slot>>& leaving) const;
  // Takes a slot out of open_ring (budget_mutex held); nothing if not in it.
  void drop_from_ring_locked(ticket_slot& s) const;
  // How many tickets are in memory (engine_stats::resident_tickets): an
  // exact count, taken under budget_mutex.
  std::size_t resident_count() const;
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

  // --- restoring and quarantine (restore.cpp) ----------------------------------------------------

  // Checks a stream against its hash chain and the head the store recorded.
  result<void> verify_stream(std::string_view id) const;
  // Verifies and folds every stream of a store that already holds some,
  // keeps the open tickets, quarantines the damaged ones; refuses a
  // catalog whose definitions changed under a stored ticket.
  result<void> restore();
  // A ticket stream read, verified and folded: nullptr when the store has
  // no such ticket; errc::data_loss (and the ticket quarantined) when it
  // does not verify or fold.
  result<std::shared_ptr<ticket_slot>> load_verified(std::string_view id) const;
  // load_verified on a stream already read.
  result<std::shared_ptr<ticket_slot>> fold_verified(std::string_view id,
                                                     const verified_stream& read) const;
  // Lists a ticket in quarantined(); `served`: see quarantined_ticket.
  void add_quarantine(std::string id, error why, bool served) const;
  // errc::data_loss naming why, when the ticket is quarantined and not served.
  result<void> check_not_quarantined(std::string_view id) const;
  // The tickets served from their trail while their summary row disagrees:
  // query candidates the store's index may have misplaced.
  std::vector<std::string> forged_rows() const;
  // Compares the store's summary row of a ticket with its fold's; a
  // mismatch or a row the store refuses is listed as a served entry.
  result<void> check_summary_row(ticket_slot& s) const;

  // --- open (intake.cpp) ------------------------------------------------------------------------

  // A request checked: its workflow, typed attributes (the derived ones
  // added by add_derived), typed fields.
  struct checked_request {
    const workflow* wf = nullptr;
    attribute_values customer;
    attribute_values fields;
  };
  // The checks open() makes, shared with explain_route so that a preview
  // routes exactly as the real thing would.
  result<checked_request> check_request(const open_request& req, timestamp now) const;
  // Whether the organisation derives customer attributes from history
  // (repeat counts): then an open needs the customer's tickets.
  bool derives_from_history() const noexcept;
  // Adds the derived attributes counted in `history` (the customer's
  // tickets, store::customer_tickets) as of `now`.
  void add_derived(checked_request& checked, const std::vector<ticket_summary>& history,
                   timestamp now) const;
  // What a request would be as a ticket before it has events: enough for
  // conditions (deadline cases, routing) to read its fields. Takes the
  // checked values over (the draft is the last to read them).
  detail::ticket_record draft_record(const open_request& req, checked_request&& checked) const;
  // draft_record() written into `r`, a fresh record (open(): the ticket's
  // own, before its `opened` event).
  void draft_into(detail::ticket_record& r, const open_request& req,
                  checked_request&& checked) const;
  // Opens the ticket; writes its view and routing decision into `full`,
  // or (full null) its receipt into `brief` (engine::open, open_brief).
  result<void> open(const open_request& req, timestamp now, opened_ticket* full, open_receipt* brief);

  // --- act (actions.cpp) ------------------------------------------------------------------------

  // The view is built into *view when it is given (engine::act), not
  // otherwise (engine::act_brief).
  result<act_receipt> act(const act_request& req, timestamp now, ticket_view* view);
  // act() writing its receipt into `done` (untouched on an error).
  result<void> act_to(const act_request& req, timestamp now, ticket_view* view, act_receipt& done);
  // One attempt of act(): on success the receipt is written into `done`
  // (untouched otherwise).
  result<void> act_once(const act_request& req, timestamp now, ticket_view* view, bool& judged,
                        act_receipt& done);
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

  // Records a `notified` event, and keeps the notification for the sink
  // when there is one.
  void notify(command& cmd, recipient to, std::string_view unit, std::string_view region,
              std::string_view person, std::string_view reason);
  void notify_owner(command& cmd, std::string_view reason);
  // `target`: "owner", "assignee", a tier, a team or a role.
  void notify_target(command& cmd, std::string_view target, std::string_view reason);
  // Hands the notifications to the sink (outside every lock) and clears them.
  void deliver(std::vector<notification>& notes);

  // --- timers (timers.cpp) ----------------------------------------------------------------------

  // Fires the ticket's earliest timer if it is due at or before `bound`.
  // Returns whether one fired. The caller holds the ticket's lock.
  result<bool> fire_next(ticket_slot& s, timestamp bound, std::vector<notification>& notes);
  result<advance_report> advance(timestamp now);

  // --- checkpoints (checkpoints.cpp) ----------------------------------------------------------

  // Takes a checkpoint now (the caller checked one is scheduled).
  result<checkpoint> take_checkpoint(timestamp now);
  // Takes one if it is due at `now`; its sequence number, or 0.
  result<std::uint64_t> checkpoint_if_due(timestamp now);

  // --- denials (denials.cpp) --------------------------------------------------------------------

  // Records a refused act on the ticket's denial stream (never its own
  // trail); `rec` names the workflow, nullptr when the ticket cannot be
  // folded. Counts it in stats().denied whether or not it is recorded
  // (coalescing). Fails as the store fails.
  result<void> deny(std::string_view ticket_id, const detail::ticket_record* rec,
                    const act_request& req, timestamp now, const error& why);
  // Records a refused command that has no ticket to record it on (an
  // unknown or unreadable ticket id, an open) on the denial log; returns
  // `why` whatever the log does.
  failure deny_unknown(std::string_view ticket_id, std::string_view actor_id, std::string_view what,
                       timestamp now, error why);
  // Whether a denial is to be recorded now, and what it carries: how many
  // identical ones were coalesced since the last recorded, and how many of
  // the stream were counted without a key (the caller holds denial_mutex);
  // nullopt: counted, not recorded.
  std::optional<detail::denial_tally> admit_denial(const std::string& stream, std::string key,
                                            timestamp now, std::size_t cap);
  // Appends one denial to `stream`, chained on its head; retries when
  // another writer appended first (the caller holds denial_mutex).
  result<void> append_denial(std::string_view stream, event e);

  // --- queries (queries.cpp) --------------------------------------------------------------------

  // The views of the listed tickets, each as of its last command, folded
  // from their verified trails; quarantined tickets are left out.
  result<std::vector<ticket_view>> views(const std::vector<std::string>& ids, timestamp now) const;
  result<ticket_view> view(std::string_view ticket_id, timestamp now) const;
  // view() written into `into`, reusing its storage; `into` is untouched
  // on an error.
  result<void> view_into(std::string_view ticket_id, timestamp now, ticket_view& into) const;
  // Runs `read` on a ticket's record, under its lock and refreshed from the
  // store: what the queries of one ticket share (queries.cpp).
  template <class Read>
  result<void> read_record(std::string_view ticket_id, Read&& read) const;
  result<act_receipt> brief(std::string_view ticket_id) const;
  result<std::vector<ticket_view>> queue(std::string_view unit, std::string_view region,
                                         timestamp now) const;
  result<contact_record> customer_record(std::string_view customer_id, timestamp now) const;
  result<std::vector<ticket_view>> overdue(timestamp now) const;
  result<std::vector<ticket_view>> at_risk(std::chrono::seconds within, timestamp now) const;
  // A ticket's stored trail (or the denial log's).
  result<std::vector<event>> trail(std::string_view ticket_id) const;
  // A ticket's denial stream.
  result<std::vector<event>> denials(std::string_view ticket_id) const;
  // The ids of store rows plus forged_rows(), each once, in row order.
  std::vector<std::string> candidates(const std::vector<ticket_summary>& rows) const;
  result<ticket_view> replay(std::string_view ticket_id, timestamp now) const;
};

}  // namespace tierflow
