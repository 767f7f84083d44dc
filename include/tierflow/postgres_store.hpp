// SPDX-License-Identifier: MIT
// The PostgreSQL store: several host CRM servers on one database
// (`postgresql://…`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store_options.hpp>
#include <tierflow/store.hpp>

namespace tierflow {

/// A store in a PostgreSQL database, shared by any number of engine
/// processes.
///
/// Each append is one statement, so one transaction and one round trip to
/// the server: it calls the server-side function tierflow.append_events_1,
/// which checks the stream's expected version under a row lock and writes
/// the events, the head and the summary only when it is the one expected,
/// so two writers never both move one ticket (the loser gets
/// errc::conflict, and nothing of its append is written). claim_due claims
/// due tickets with SELECT … FOR UPDATE SKIP LOCKED and a lease, so each
/// timer is fired by one engine. Event tables are append-only by
/// triggers, and grant_app_role gives the application a role with only
/// INSERT and SELECT on them. A dropped connection is reconnected; an
/// append whose answer was cut off is settled by reading the stream's head
/// (it either landed whole or not at all) and never written twice.
///
/// Layout: the schema `tierflow` (tables tierflow_schema, events, heads,
/// summaries; sequence ticket_numbers; function append_events_1), created
/// on first open; a database made by an older build gets the function at
/// its first writable open, which must then be by the schema's owner. Text
/// ids use the "C" collation, so every ordering is byte-wise. Like every
/// store, an append with a NUL byte or invalid UTF-8 in any string is
/// refused with errc::invalid_argument before the server is asked
/// (PostgreSQL text could not hold them); reads of an id with a NUL byte
/// find nothing.
///
/// Summary rows carry a seal (schema 2) bound to their stream's head,
/// written in the append's transaction and checked on every read (store's
/// contract). Migrating a database to schema 2 seals its rows as they
/// stand against the heads as they stand: the upgrade blesses them. A
/// read-only open of a schema-1 database (an audit, which must not write)
/// returns its rows as they stand, unverified.
///
/// Errors: connection failures that a reconnect does not cure, statement
/// and lock timeouts (lock_timeout = store_options::busy_timeout) and any
/// other server error are errc::io_error with the server's message. With
/// store_options::read_only no schema is created (a database without one
/// is errc::io_error) and append, next_ticket_number, claim_due and
/// grant_app_role fail with errc::io_error.
///
/// Thread-safe: up to store_options::connections calls run at once, each
/// on a connection of its own; further callers wait for one.
class postgres_store final : public store {
 public:
  /// The schema version this build writes.
  static constexpr int schema_version = 2;

  /// Connects to `conninfo` (a libpq URI or key=value string) and creates
  /// or migrates the schema, in one transaction under an advisory lock, so
  /// concurrent first opens do not race. Errors: errc::io_error (cannot
  /// connect; the server's message), errc::incompatible (the database holds
  /// a newer schema version; nothing was changed).
  [[nodiscard]] static result<std::unique_ptr<postgres_store>> open(const std::string& conninfo,
                                                                    const store_options& options = {});

  /// Creates (if missing) the login-less role `role` and grants it what an
  /// engine needs: INSERT and SELECT on the event tables and nothing more
  /// on them; it may update summaries, heads and claims, and draw ticket
  /// numbers. Idempotent. A host then runs its engines as that role (e.g.
  /// `SET ROLE`, or `options=-c role=NAME` in the conninfo). Run as the
  /// schema's owner. Errors: errc::invalid_argument (an empty name or one
  /// with a NUL byte), errc::io_error.
  [[nodiscard]] result<void> grant_app_role(std::string_view role);

  ~postgres_store() override;
  postgres_store(const postgres_store&) = delete;
  postgres_store& operator=(const postgres_store&) = delete;

  [[nodiscard]] result<void> append(const append_request& request) override;
  [[nodiscard]] result<std::vector<event>> load(std::string_view ticket_id) const override;
  [[nodiscard]] result<stream_head> head(std::string_view ticket_id) const override;
  [[nodiscard]] result<std::uint64_t> next_ticket_number() override;
  /// One statement: the ticket number's nextval() and the customer's
  /// summaries (one round trip instead of two).
  [[nodiscard]] result<ticket_intake> number_and_history(std::string_view customer_id) override;
  [[nodiscard]] result<ticket_summary> summary(std::string_view ticket_id) const override;
  [[nodiscard]] result<std::vector<ticket_summary>> queue(std::string_view unit,
                                                          std::string_view region) const override;
  [[nodiscard]] result<std::vector<ticket_summary>> customer_tickets(
      std::string_view customer_id) const override;
  [[nodiscard]] result<std::vector<due_ticket>> due(timestamp now, std::size_t limit) const override;
  [[nodiscard]] result<std::vector<ticket_summary>> open_tickets() const override;
  [[nodiscard]] result<std::vector<std::string>> streams() const override;
  [[nodiscard]] result<std::vector<std::string>> summary_ids() const override;
  [[nodiscard]] bool shared() const noexcept override { return true; }
  /// As store::claim_due. The claim is held by this handle (a name made of
  /// host, process id and a random number) until the ticket's next append
  /// or until store_options::claim_lease has passed on the server's clock;
  /// tickets another handle is claiming at that moment are skipped (SKIP
  /// LOCKED), never waited for.
  [[nodiscard]] result<std::vector<due_ticket>> claim_due(timestamp now, std::size_t limit) override;

  /// Round trips to the server this handle has made since open() began:
  /// each statement sent and waited for counts one, and so does each
  /// connection made or remade. An append is one, a ticket number one; an
  /// engine's open is one of each (and one read of the customer's tickets
  /// when the organisation derives attributes from them); an engine's act
  /// on a ticket it holds is its append. For tests and benchmarks: a host
  /// divides the growth of this count by the commands it ran.
  [[nodiscard]] std::uint64_t round_trips() const noexcept;

 private:
  struct impl;
  explicit postgres_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace tierflow
