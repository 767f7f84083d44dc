// SPDX-License-Identifier: MIT
// The routing engine: opens tickets, routes them to a tier's queue, takes
// staff actions, runs the SLA clocks and escalations, and records every
// change as sealed events in a store.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/checkpoint.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

namespace tierflow {

/// How an engine is wired into its host. The engine does not own what
/// these point to; they must outlive it.
/// Signed checkpoints taken while the engine runs (tierflow/checkpoint.hpp):
/// the heads of every stream as a Merkle tree, its root signed with a key
/// the engine holds in memory and the database never sees, appended to a
/// log the operator keeps (and copies elsewhere). `tierflow audit verify
/// --checkpoints LOG --public-key KEY` then detects any rewrite of history
/// older than the newest checkpoint, even a fully re-sealed chain.
struct checkpoint_schedule {
  /// The signing key (signing_key::parse of a file the engine reads, never
  /// stored in the database); nullptr = no checkpoints.
  const signing_key* key = nullptr;
  /// The checkpoint log appended to (append_new_checkpoint: locked, numbered,
  /// synced).
  std::filesystem::path log;
  /// How often: advance() takes one when it runs at least this long (engine
  /// clock) after the last one this engine took, and on its first call.
  std::chrono::seconds interval{std::chrono::hours{1}};
};

struct engine_options {
  /// Where "now" comes from; nullptr = the system clock.
  const clock* time_source = nullptr;
  /// Where events go; nullptr = an in-memory store owned by the engine.
  store* events = nullptr;
  /// Who delivers notifications; nullptr = they are only recorded.
  notification_sink* sink = nullptr;
  /// Ticket ids are the prefix and an 8-digit number: "T00000042".
  std::string ticket_prefix = "T";
  /// Periodic signed checkpoints; off by default.
  checkpoint_schedule checkpoints;
  /// Closed tickets kept in memory, the most recently closed (or read)
  /// first, so that views and contact records of recent work need no read
  /// of the store; older ones leave memory and are read from the store
  /// (verified) for each use. Open tickets stay as open_tickets_kept says.
  /// 0: none is kept (a simulator, which never looks back). Memory is
  /// bounded by the open tickets plus this many, not by every ticket ever
  /// closed.
  std::size_t closed_tickets_kept = 1000;
  /// Open tickets kept in memory; beyond it, ones not used lately (an
  /// action, a timer, a view: a clock sweep, not a strict order) leave
  /// memory and are read back from the store, verified and folded, on
  /// their next use. Their timers still fire: advance() finds due tickets
  /// through the store's due index. With a durable store (SQLite,
  /// PostgreSQL) this bounds the engine's memory by the budget instead of
  /// the open tickets, at the cost of a read of the ticket's trail when an
  /// idle one is used again; on the memory store it saves only the
  /// engine's copy. The sweep runs when a ticket is read in and spares a
  /// ticket another command is using at that moment, so with N threads
  /// the engine may hold up to N-1 beyond the budget until the next read
  /// sweeps again. The default keeps every open ticket.
  std::size_t open_tickets_kept = std::numeric_limits<std::size_t>::max();
};

/// What engine::act_brief() returns: where the action left the ticket,
/// without the whole view act() builds (its deadlines, handoffs, flags and
/// time per unit), for hosts that do not show the ticket after each action.
/// It holds what a host needs to route the ticket's next step — who holds
/// it, where, and by when — each member equal to the same member of the
/// ticket's view at that moment (engine::brief() gives it without an
/// action), copied from the engine's record, never computed against now.
struct act_receipt {
  /// The ticket's version after the action (ticket_view::version).
  std::uint64_t version = 0;
  /// Its state after the action and what it triggered.
  std::string state;
  /// True when the action (or what it triggered) closed it.
  bool closed = false;
  /// The ticket's region (ticket_view::region): region-split units queue
  /// it there.
  std::string region;
  /// Whom and where it is assigned to now (ticket_view::assignee).
  assignment assignee;
  /// Its owner (ticket_view::owner): the first claimer; empty before.
  std::string owner;
  /// True while a clock-pausing state holds it (ticket_view::paused).
  bool paused = false;
  /// The nearest due instant among its running deadlines
  /// (ticket_view::nearest_due()); nullopt when none runs.
  std::optional<timestamp> nearest_due;
  friend bool operator==(const act_receipt&, const act_receipt&) = default;
};

/// The result of opening a ticket.
struct opened_ticket {
  ticket_view ticket;
  routing_decision routing;
};

/// What engine::open_brief() returns: the new ticket, its workflow and
/// where opening left it, without the view and the routing decision open()
/// builds, for hosts (and the simulator) that route the ticket's next step
/// themselves. Each member equals the same member of the view open() would
/// have returned.
struct open_receipt {
  /// The new ticket's id (ticket_view::id).
  std::string ticket_id;
  /// The workflow and version it runs on (ticket_view::workflow_id,
  /// ticket_view::workflow_version).
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  /// Where it stands: what engine::brief(ticket_id) returns right after.
  act_receipt brief;
  friend bool operator==(const open_receipt&, const open_receipt&) = default;
};

/// What one call of advance() did.
struct advance_report {
  /// Timers fired (warnings, breaches, after-breach steps, step limits).
  std::size_t fired = 0;
  /// Distinct tickets they fired on.
  std::size_t tickets = 0;
  /// The sequence number of the checkpoint this call took
  /// (engine_options::checkpoints), or 0 when it took none.
  std::uint64_t checkpoint = 0;
};

/// The customer contact record: every ticket and every event of one
/// customer, first contact first.
struct contact_record {
  std::string customer_id;
  std::vector<ticket_view> tickets;
  /// All events of those tickets and their refused commands (engine::denials:
  /// `denied` events whose ticket_id is the denial stream,
  /// denial_stream_of(ticket), and whose sequence counts in that stream),
  /// merged and ordered by time, then by ticket opening order, then the
  /// ticket's own events before its denials, then by sequence.
  std::vector<event> events;
};

/// A stored ticket the engine does not serve as the store has it, and why
/// (engine::quarantined()).
struct quarantined_ticket {
  /// The ticket id; or a denial stream's id (denial_stream_of(ticket)) when
  /// only the record of its refused commands fails to verify.
  std::string ticket_id;
  /// Why: errc::data_loss with a message naming the first broken event, the
  /// event the fold could not apply, or the summary fields that disagree
  /// with the trail.
  error reason;
  /// False: the trail does not verify or fold, and every command and query
  /// on the ticket is refused with errc::data_loss. True: the trail is
  /// intact but the store's summary row (the index queues and contact
  /// records are found by) disagrees with it — someone edited the row. The
  /// ticket is served from its verified trail, and its next command
  /// rewrites the row (the entry then leaves this list).
  bool served = false;
};

/// Counters for operators.
struct engine_stats {
  std::uint64_t commands = 0;        ///< accepted opens and actions
  std::uint64_t denied = 0;          ///< rejected commands, coalesced ones included
  std::uint64_t timers_fired = 0;
  std::uint64_t notifications = 0;   ///< handed to the sink
  std::uint64_t sink_failures = 0;   ///< the sink threw
  /// Tickets held in memory now: at most
  /// engine_options::open_tickets_kept open ones and
  /// engine_options::closed_tickets_kept closed ones (any other is read
  /// from the store again on use), so this does not grow with the tickets
  /// ever closed, nor, under an open budget, with the open ones.
  std::uint64_t resident_tickets = 0;
};

/// The engine. Create one per catalog and store; share it between threads.
///
/// Thread safety: every member may be called concurrently. Commands on
/// different tickets run in parallel; commands on one ticket (act, the
/// timers advance() fires on it) are serialised by a per-ticket lock, in
/// the order they take it. Queries see each ticket as of its last completed
/// command. The notification sink is called outside every lock.
///
/// Errors: every rejected command returns a typed error (tierflow::errc)
/// and changes nothing about the ticket — neither its state nor its
/// version, so a stranger's refused command never makes another host's
/// expected_version stale. The denial itself is recorded, hash-chained, on
/// the ticket's denial stream (denial_stream_of(ticket id),
/// tierflow/event_schema.hpp; read it with denials(), shown in the contact
/// record) — or, for an unknown or unreadable ticket id and for refused
/// opens, on the engine's denial log (stream `denial_log_id`). What a
/// denial records is bounded: ids, action and region at most max_id_bytes,
/// the reason at most max_denial_reason_bytes, control bytes and invalid
/// UTF-8 escaped; identical denials (same ticket, actor, action and code)
/// within denial_window of the last recorded one are counted in memory and
/// not recorded, nor are more than max_denials_per_window of one ticket in
/// one window: the next identical denial recorded carries their count as
/// detail `repeated`. Counts are kept for at most 4 × max_denials_per_window
/// distinct (actor, action, code) per stream; refusals beyond those are
/// counted together and carried by the stream's next recorded denial as
/// detail `others`, so that ever new actor ids grow neither the store nor
/// the engine's memory. (Counts live in this engine: engines sharing a store
/// coalesce separately, and counts not yet recorded are lost when the
/// engine stops.) Storage failures return errc::io_error and leave the
/// ticket as it was.
class engine {
 public:
  /// The stream that records denied commands on ticket ids that do not
  /// exist (or cannot be read as ids), and refused opens.
  static constexpr std::string_view denial_log_id = "~denied";
  /// The coalescing window of identical denials, in the engine clock's
  /// time: one minute.
  static constexpr std::chrono::seconds denial_window{60};
  /// At most this many denials of one ticket are recorded per
  /// denial_window; the rest are counted (see the class comment).
  static constexpr std::size_t max_denials_per_window = 16;
  /// The longest reason a recorded denial keeps (bytes, after escaping).
  static constexpr std::size_t max_denial_reason_bytes = 512;

  /// An engine over `cat` (as loaded and validated by load_catalog). Tickets
  /// already in the store are restored: every stream the store lists
  /// (store::streams(), not only the open tickets its summary rows name) is
  /// verified and folded, and the open tickets' pending timers fire on the
  /// next advance(). A ticket whose trail does not verify or fold, or whose
  /// summary row disagrees with its trail, does not stop the engine: it is
  /// listed in quarantined().
  /// Errors: errc::invalid_definition for a catalog with errors, or when a
  /// stored ticket records a workflow fingerprint (detail_key::fingerprint
  /// of `opened`) other than the catalog's workflow of the same id and
  /// version has — that definition was edited in place; add a version
  /// instead (a catalog built in code, without fingerprints, is not
  /// checked); errc::io_error when the store cannot be read.
  [[nodiscard]] static result<std::unique_ptr<engine>> create(catalog cat,
                                                              engine_options options = {});
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // --- commands ---------------------------------------------------------------

  /// Opens a ticket: picks the workflow for its type (the newest version in
  /// effect today), checks the attributes against the schema, routes it,
  /// starts its deadlines and runs the open-time escalation rules. The
  /// `opened` event records the workflow's fingerprint when it has one.
  /// Errors, each audited on the denial log: errc::not_found (no workflow
  /// serves the type), errc::invalid_argument (unknown channel or
  /// attribute, a value of the wrong type, NaN or ±inf, a derived attribute
  /// supplied, empty customer id, a NUL byte or invalid UTF-8 in any
  /// string, an opened_by reserved for the engine: "system" or "~…"),
  /// errc::limit_exceeded (an id longer than max_id_bytes, a text longer
  /// than max_text_bytes, more than max_attributes attributes).
  [[nodiscard]] result<opened_ticket> open(const open_request& request);

  /// open() without building the ticket's view and handing back the
  /// routing decision: the same checks, events, denials and errors, and an
  /// open_receipt of the ticket. Opening costs about four transitions
  /// (engine_bench BM_open); the view and the decision's copy were about a
  /// tenth of that in the simulator's profile.
  [[nodiscard]] result<open_receipt> open_brief(const open_request& request);

  /// Takes a staff action. First fires the ticket's timers that are due by
  /// now, so the action meets the ticket as it is.
  ///
  /// Its events carry the outcome records the service indicators read
  /// (tierflow/event_schema.hpp): the time spent in the state left (and
  /// whether its step limit held), the wait until the first take, the time
  /// spent in a unit the ticket leaves and, on closing, in the whole
  /// ticket; a `deadline_stopped` event follows each event that stops a
  /// deadline (an `until` state entered, a close), met or missed as the
  /// view shows it. An action that records a classification
  /// (action::classifies) puts its value — request.classification, or the
  /// definition's fixed one — into its own event as "class.NAME".
  ///
  /// expected_version is stale only when a change other than timers firing
  /// came after it: a host that read version v and acts with
  /// expected_version = v is not refused because a warning or breach (and
  /// the escalation it triggered) fired since — inside this call or in an
  /// advance() in between. The action is still judged on the ticket as it
  /// is now.
  ///
  /// Errors, with the ticket unchanged (state and version) and the denial
  /// recorded on its denial stream (class comment): errc::not_found
  /// (unknown ticket — recorded on the denial log —, or an action the
  /// workflow does not have in this state), errc::permission_denied (no
  /// role of the actor may take it; the actor serves another region than
  /// the ticket's queue), errc::failed_precondition (a required note is
  /// missing; nothing to return from), errc::conflict (expected_version is
  /// stale: another person's command came after it, or it is ahead of the
  /// ticket), errc::invalid_argument (an empty actor id or one reserved for
  /// the engine: "system", "~…"; a NUL byte or invalid UTF-8 in any
  /// string; a classification missing where the action asks the actor for
  /// one, not among its values, or given to an action that takes none),
  /// errc::limit_exceeded (an id, the actor's region, a role or the
  /// classification longer than max_id_bytes, the note longer than
  /// max_text_bytes),
  /// errc::data_loss (the ticket is quarantined: see quarantined()).
  [[nodiscard]] result<ticket_view> act(const act_request& request);

  /// act() without building the ticket's view: the same judgement, events,
  /// refusals and errors, and an act_receipt of where the ticket stands.
  /// Building and freeing the view is about a sixth of a transition's
  /// cost (engine_bench BM_transition_brief beside BM_transition).
  [[nodiscard]] result<act_receipt> act_brief(const act_request& request);

  /// act() with the ticket's view written into `view` instead of a new
  /// one: the same judgement, events, refusals and errors, and `view`
  /// afterwards equal to the view act() returns, whatever it held before.
  /// Its strings and vectors are reused, so a caller that keeps a view per
  /// ticket and refreshes it on every action (the simulator) allocates
  /// only what grew. On an error `view` is left as it was.
  [[nodiscard]] result<act_receipt> act_into(const act_request& request, ticket_view& view);

  /// act_brief() with the receipt written into `receipt` instead of a new
  /// one: the same judgement, events, refusals and errors, and `receipt`
  /// afterwards equal to the one act_brief() returns, whatever it held
  /// before. A caller that keeps a receipt per ticket (the simulator)
  /// rewrites only the texts that changed. On an error `receipt` is left
  /// as it was.
  [[nodiscard]] result<void> act_brief_into(const act_request& request, act_receipt& receipt);

  /// Fires every timer due at or before `now` (across all tickets, in due
  /// order, each exactly once): warnings, breaches and the escalation rules
  /// they trigger. Each fired timer is stamped with its due instant.
  /// Then, when checkpoints are scheduled and one is due, takes one
  /// (take_checkpoint). Errors: errc::io_error from the store or the
  /// checkpoint log (timers fired before the error stay fired).
  [[nodiscard]] result<advance_report> advance(timestamp now);
  /// advance(clock now).
  [[nodiscard]] result<advance_report> advance();

  /// Takes a signed checkpoint now and appends it to the scheduled log
  /// (engine_options::checkpoints), whatever the interval; returns it.
  /// Errors: errc::failed_precondition (no checkpoints scheduled), the
  /// store's or the log's errors (errc::io_error, …).
  [[nodiscard]] result<checkpoint> take_checkpoint();

  // --- queries ----------------------------------------------------------------

  /// The routing a request would get, without opening anything (the same
  /// decision open() makes, with its trace). For `tierflow route --explain`.
  [[nodiscard]] result<routing_decision> explain_route(const open_request& request) const;

  /// A ticket's current view, deadlines evaluated at the clock's now.
  /// Errors: errc::not_found, errc::data_loss (quarantined).
  [[nodiscard]] result<ticket_view> view(std::string_view ticket_id) const;

  /// The ticket's act_receipt as it stands: what act_brief() returns after
  /// an action, without one (each member equal to view()'s), built without
  /// the view — for a host that routes tickets whose timers fired.
  /// Errors: as view().
  [[nodiscard]] result<act_receipt> brief(std::string_view ticket_id) const;

  /// view() written into `into`, reusing its storage (as act_into does):
  /// afterwards equal to what view() returns, whatever it held before.
  /// Same errors; on an error `into` is left as it was.
  [[nodiscard]] result<void> view_into(std::string_view ticket_id, ticket_view& into) const;

  /// The open tickets in a unit's queue (a tier or team; `region` for
  /// region-split units, else ""), nearest deadline first: the account
  /// manager's workbench.
  [[nodiscard]] result<std::vector<ticket_view>> queue(std::string_view unit,
                                                       std::string_view region = {}) const;

  /// Every ticket and event of one customer, first contact first.
  [[nodiscard]] result<contact_record> customer_record(std::string_view customer_id) const;

  /// Open tickets with a deadline passed and not yet met, most overdue first.
  [[nodiscard]] result<std::vector<ticket_view>> overdue() const;

  /// Open tickets not yet overdue with a running deadline due within
  /// `within` (wall-clock), nearest first.
  [[nodiscard]] result<std::vector<ticket_view>> at_risk(std::chrono::seconds within) const;

  /// A ticket's audit trail: its own stream, the events replay() folds
  /// (or the denial log's, by denial_log_id). Refused commands are not on
  /// it: see denials().
  [[nodiscard]] result<std::vector<event>> events(std::string_view ticket_id) const;

  /// A ticket's refused commands, oldest first: the `denied` events of its
  /// denial stream (denial_stream_of(ticket_id)); empty when none were
  /// refused. Errors: errc::not_found for an unknown ticket.
  [[nodiscard]] result<std::vector<event>> denials(std::string_view ticket_id) const;

  /// The ticket's view folded afresh from its stored trail, ignoring the
  /// live state: equal to view() by construction (DESIGN invariant 2); a
  /// check for operators and tests. Errors: errc::not_found, errc::data_loss
  /// (quarantined, or the trail holds an event the fold cannot apply).
  [[nodiscard]] result<ticket_view> replay(std::string_view ticket_id) const;

  /// Verifies a ticket's stored trail against its hash chain and the head
  /// the store recorded. Error: errc::invalid_argument naming the first
  /// broken link.
  [[nodiscard]] result<void> verify(std::string_view ticket_id) const;

  /// The stored tickets this engine found damaged (restore, or loading a
  /// ticket another engine opened on a shared store), by ticket id; see
  /// quarantined_ticket. Empty when every stream verifies and folds.
  [[nodiscard]] std::vector<quarantined_ticket> quarantined() const;

  [[nodiscard]] engine_stats stats() const;
  [[nodiscard]] const catalog& definitions() const noexcept;
  [[nodiscard]] timestamp now() const noexcept;

 private:
  struct impl;
  explicit engine(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace tierflow
