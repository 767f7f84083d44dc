// SPDX-License-Identifier: MIT
// The store interface: where the engine appends a ticket's events and from
// which it reads them back, plus the indexes the queries need (queues,
// customers, due timers). In memory here; SQLite and PostgreSQL implement
// the same interface and pass the same conformance tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/calendar.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>

namespace tierflow {

/// The indexed summary of a ticket that the store keeps beside its stream.
/// The engine derives it from the ticket's state after each command; a store
/// only saves and indexes it.
struct ticket_summary {
  std::string ticket_id;
  std::string customer_id;
  std::string ticket_type;
  std::string workflow_id;
  std::uint32_t workflow_version = 0;
  std::string state;
  /// The unit (tier or team) and region queue the ticket sits in.
  std::string unit;
  std::string region;
  std::string owner;
  std::string assignee;
  bool closed = false;
  timestamp opened_at{};
  std::optional<timestamp> closed_at;
  /// The earliest pending timer (warning, breach, step limit); absent when
  /// none. Indexed for store::due.
  std::optional<timestamp> next_timer;
  /// The nearest running deadline; absent when none. Orders queues.
  std::optional<timestamp> nearest_due;
  /// The stream's length after the append.
  std::uint64_t version = 0;
  friend bool operator==(const ticket_summary&, const ticket_summary&) = default;
};

/// One command's worth of events for one ticket.
struct append_request {
  std::string_view ticket_id;
  /// The stream's length the engine built the events on (0 for a new
  /// ticket). The store refuses the append with errc::conflict when the
  /// stream is longer or shorter: another writer moved the ticket first.
  std::uint64_t expected_version = 0;
  /// Sealed events (prev_hash/hash set), sequence expected_version + 1 on.
  std::span<const event> events;
  /// The ticket's summary after these events (its version the stream's new
  /// length); nullptr for streams that are not tickets (the engine's log of
  /// denied commands on unknown tickets). A ticket's stream needs it with
  /// every append: the summary's seal binds it to the head.
  const ticket_summary* summary = nullptr;
  /// Optional: the vector whose elements `events` views, which the caller
  /// gives up. A store that keeps events in memory may move them out of it
  /// instead of copying them (after a successful append its elements are
  /// valid but unspecified; after a failed one they are unchanged). Other
  /// stores ignore it. A decorator passes it on as it is, unless it reads
  /// the events after the inner store took them: then it passes nullptr.
  std::vector<event>* movable = nullptr;
};

/// A ticket with a timer due.
struct due_ticket {
  std::string ticket_id;
  timestamp due{};
  friend bool operator==(const due_ticket&, const due_ticket&) = default;
};

/// A fresh ticket number and the tickets of the customer it is for
/// (store::number_and_history).
struct ticket_intake {
  std::uint64_t number = 0;
  std::vector<ticket_summary> history;  ///< oldest first (opened_at, then ticket id)
  friend bool operator==(const ticket_intake&, const ticket_intake&) = default;
};

/// Durable (or not) home of the audit trail.
///
/// Contract shared by every implementation (tests/store_conformance.hpp):
/// - append is atomic: every event of the request and the summary, or
///   nothing. It never changes or removes a stored event; there is no
///   member that could.
/// - append checks expected_version, that sequences continue the stream,
///   that the first event's prev_hash is the stored head, that every
///   event belongs to the ticket, that the summary's version is the
///   stream's new length, that a stream which has a summary (a ticket's)
///   gets one with every append, and that every string (ids, actor,
///   workflow id, detail keys and values, the summary's text) is valid
///   UTF-8 without NUL bytes: errc::conflict for a version mismatch,
///   errc::invalid_argument for the rest (one message for every store),
///   with nothing stored.
/// - reads return what was appended, byte for byte.
/// - a summary is never taken on trust from storage that others can write
///   (the database stores): each row carries a seal over its fields and
///   its stream's head, written in the append's transaction. summary()
///   returns errc::data_loss ("the summary row of T1 does not match its
///   trail: edited outside tierflow") for a row that no longer matches its
///   seal or its stream's current head; queue, customer_tickets, due,
///   claim_due and open_tickets leave such rows out. The seal is not keyed:
///   it catches an edit of the row alone and an old row put back, not a
///   forger who recomputes it for the current head (the engine compares
///   rows with its fold of the verified stream for that).
/// - every member is safe to call from several threads at once.
/// - storage failures return errc::io_error and leave nothing half-done.
class store {
 public:
  virtual ~store() = default;

  /// Appends one command's events atomically (see the class contract).
  [[nodiscard]] virtual result<void> append(const append_request& request) = 0;

  /// A stream's events in order; an empty vector for an unknown stream.
  [[nodiscard]] virtual result<std::vector<event>> load(std::string_view ticket_id) const = 0;

  /// A stream's length (its version) and last hash; {0, zeros} if unknown.
  struct stream_head {
    std::uint64_t version = 0;
    event_hash head{};
  };
  [[nodiscard]] virtual result<stream_head> head(std::string_view ticket_id) const = 0;

  /// A fresh ticket number, never handed out before (1, 2, 3 …). A store
  /// that may lose acknowledged commands in a crash (SQLite group_commit)
  /// may lose the numbers it handed out with them: no two stored tickets
  /// share a number.
  [[nodiscard]] virtual result<std::uint64_t> next_ticket_number() = 0;

  /// What opening a ticket for a customer whose history counts needs from
  /// the store: a fresh ticket number (as next_ticket_number) and all the
  /// customer's tickets (as customer_tickets, same order, same rows left
  /// out). A store that talks to a server answers both in one exchange
  /// (postgres_store: one statement); this default asks for the tickets,
  /// then the number, so a failed read hands out no number. Errors: those
  /// of the two, nothing handed out when the tickets cannot be read.
  [[nodiscard]] virtual result<ticket_intake> number_and_history(std::string_view customer_id) {
    auto history = customer_tickets(customer_id);
    if (!history) return fail(std::move(history).error());
    auto number = next_ticket_number();
    if (!number) return fail(std::move(number).error());
    return ticket_intake{*number, std::move(*history)};
  }

  /// The latest summary of a ticket; errc::not_found when unknown,
  /// errc::data_loss when its stored row does not match its trail (see the
  /// class contract).
  [[nodiscard]] virtual result<ticket_summary> summary(std::string_view ticket_id) const = 0;

  /// Open tickets in the queue of `unit` and `region` ("" for units that
  /// are not region-split), nearest_due first (tickets without one last),
  /// then by ticket id.
  [[nodiscard]] virtual result<std::vector<ticket_summary>> queue(std::string_view unit,
                                                                  std::string_view region) const = 0;

  /// All tickets of a customer, oldest first (opened_at, then ticket id).
  [[nodiscard]] virtual result<std::vector<ticket_summary>> customer_tickets(
      std::string_view customer_id) const = 0;

  /// Tickets whose next_timer is at or before `now`, earliest first (then
  /// by ticket id), at most `limit` (rows that fail their seal take no
  /// place in it).
  [[nodiscard]] virtual result<std::vector<due_ticket>> due(timestamp now,
                                                            std::size_t limit) const = 0;

  /// Every ticket that is not closed, by ticket id.
  [[nodiscard]] virtual result<std::vector<ticket_summary>> open_tickets() const = 0;

  /// Every stream id (tickets and the engine's denial log), sorted
  /// bytewise: for audits that walk the whole trail.
  [[nodiscard]] virtual result<std::vector<std::string>> streams() const = 0;

  /// Every ticket id that has a summary row, sealed or not, sorted
  /// bytewise: for audits, which must also find a row that has no stream
  /// behind it (a row copied or inserted outside tierflow; the index reads
  /// leave such rows out). By default the streams whose summary() is not
  /// errc::not_found: right for a store whose rows cannot exist without
  /// their stream (the memory store); database stores list their table.
  [[nodiscard]] virtual result<std::vector<std::string>> summary_ids() const {
    auto all = streams();
    if (!all) return fail(all.error());
    std::vector<std::string> out;
    for (auto& id : *all) {
      auto row = summary(id);
      if (!row && row.error().code() == errc::not_found) continue;
      if (!row && row.error().code() != errc::data_loss) return fail(row.error());
      out.push_back(std::move(id));
    }
    return out;
  }

  // --- several engines on one store ------------------------------------------------

  /// True when other processes may append to this store (a database file or
  /// server): the engine then re-reads a ticket's head before answering a
  /// query about it and retries a command that lost a version race.
  [[nodiscard]] virtual bool shared() const noexcept { return false; }

  /// Like due(), but claims the tickets it returns for this store handle:
  /// until the ticket's next append or until a lease expires (a crashed
  /// claimant), other handles' claim_due skips them, so each timer is
  /// fired by one engine. The expected-version check on append still
  /// decides; a claim only avoids wasted work. By default the same as due().
  [[nodiscard]] virtual result<std::vector<due_ticket>> claim_due(timestamp now, std::size_t limit) {
    return due(now, limit);
  }

  /// Makes every append that has returned durable (the group-commit mode of
  /// a database store); a no-op where each append is durable on return.
  [[nodiscard]] virtual result<void> flush() { return {}; }
};

}  // namespace tierflow
