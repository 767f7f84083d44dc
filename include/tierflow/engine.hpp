// SPDX-License-Identifier: MIT
// The routing engine: opens tickets, routes them to a tier's queue, takes
// staff actions, runs the SLA clocks and escalations, and records every
// change as sealed events in a store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

namespace tierflow {

/// How an engine is wired into its host. The engine does not own what
/// these point to; they must outlive it.
struct engine_options {
  /// Where "now" comes from; nullptr = the system clock.
  const clock* time_source = nullptr;
  /// Where events go; nullptr = an in-memory store owned by the engine.
  store* events = nullptr;
  /// Who delivers notifications; nullptr = they are only recorded.
  notification_sink* sink = nullptr;
  /// Ticket ids are the prefix and an 8-digit number: "T00000042".
  std::string ticket_prefix = "T";
};

/// The result of opening a ticket.
struct opened_ticket {
  ticket_view ticket;
  routing_decision routing;
};

/// What one call of advance() did.
struct advance_report {
  /// Timers fired (warnings, breaches, after-breach steps, step limits).
  std::size_t fired = 0;
  /// Distinct tickets they fired on.
  std::size_t tickets = 0;
};

/// The customer contact record: every ticket and every event of one
/// customer, first contact first.
struct contact_record {
  std::string customer_id;
  std::vector<ticket_view> tickets;
  /// All events of those tickets, ordered by time, then by ticket opening
  /// order, then by sequence.
  std::vector<event> events;
};

/// Counters for operators.
struct engine_stats {
  std::uint64_t commands = 0;        ///< accepted opens and actions
  std::uint64_t denied = 0;          ///< rejected commands (each audited)
  std::uint64_t timers_fired = 0;
  std::uint64_t notifications = 0;   ///< handed to the sink
  std::uint64_t sink_failures = 0;   ///< the sink threw
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
/// and changes nothing about the ticket; the denial itself is appended to
/// the ticket's audit trail (a `denied` event) — or, for an unknown ticket
/// id, to the engine's denial log (stream `denial_log_id`). Storage
/// failures return errc::io_error and leave the ticket as it was.
class engine {
 public:
  /// The stream that records denied commands on ticket ids that do not exist.
  static constexpr std::string_view denial_log_id = "~denied";

  /// An engine over `cat` (as loaded and validated by load_catalog). Tickets
  /// already in the store are restored: their streams are verified and
  /// folded, and their pending timers fire on the next advance().
  /// Errors: errc::invalid_definition for a catalog with errors;
  /// errc::io_error / invalid_argument when a stored stream fails.
  [[nodiscard]] static result<std::unique_ptr<engine>> create(catalog cat,
                                                              engine_options options = {});
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // --- commands ---------------------------------------------------------------

  /// Opens a ticket: picks the workflow for its type (the newest version in
  /// effect today), checks the attributes against the schema, routes it,
  /// starts its deadlines and runs the open-time escalation rules.
  /// Errors: errc::not_found (no workflow serves the type),
  /// errc::invalid_argument (unknown channel or attribute, a value of the
  /// wrong type, a derived attribute supplied, empty customer id),
  /// errc::limit_exceeded (ids or texts too long).
  [[nodiscard]] result<opened_ticket> open(const open_request& request);

  /// Takes a staff action. First fires the ticket's timers that are due by
  /// now, so the action meets the ticket as it is. Errors, with the ticket
  /// unchanged and the denial audited: errc::not_found (unknown ticket, or
  /// an action the workflow does not have in this state),
  /// errc::permission_denied (no role of the actor may take it; the actor
  /// serves another region than the ticket's queue),
  /// errc::failed_precondition (a required note is missing; nothing to
  /// return from), errc::conflict (expected_version is stale),
  /// errc::limit_exceeded (note or ids too long).
  [[nodiscard]] result<ticket_view> act(const act_request& request);

  /// Fires every timer due at or before `now` (across all tickets, in due
  /// order, each exactly once): warnings, breaches and the escalation rules
  /// they trigger. Each fired timer is stamped with its due instant.
  /// Errors: errc::io_error from the store (timers fired before the error
  /// stay fired).
  [[nodiscard]] result<advance_report> advance(timestamp now);
  /// advance(clock now).
  [[nodiscard]] result<advance_report> advance();

  // --- queries ----------------------------------------------------------------

  /// The routing a request would get, without opening anything (the same
  /// decision open() makes, with its trace). For `tierflow route --explain`.
  [[nodiscard]] result<routing_decision> explain_route(const open_request& request) const;

  /// A ticket's current view, deadlines evaluated at the clock's now.
  [[nodiscard]] result<ticket_view> view(std::string_view ticket_id) const;

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

  /// A ticket's audit trail (or the denial log's, by denial_log_id).
  [[nodiscard]] result<std::vector<event>> events(std::string_view ticket_id) const;

  /// The ticket's view folded afresh from its stored trail, ignoring the
  /// live state: equal to view() by construction (DESIGN invariant 2); a
  /// check for operators and tests.
  [[nodiscard]] result<ticket_view> replay(std::string_view ticket_id) const;

  /// Verifies a ticket's stored trail against its hash chain and the head
  /// the store recorded. Error: errc::invalid_argument naming the first
  /// broken link.
  [[nodiscard]] result<void> verify(std::string_view ticket_id) const;

  [[nodiscard]] engine_stats stats() const;
  [[nodiscard]] const catalog& definitions() const noexcept;
  [[nodiscard]] timestamp now() const noexcept;

 private:
  struct impl;
  explicit engine(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace tierflow
