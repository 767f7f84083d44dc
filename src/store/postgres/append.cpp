// SPDX-License-Identifier: MIT
// The PostgreSQL store's write path: an append is one transaction that
// checks the stream's expected version under the head row's lock, inserts
// the events, moves the head and writes the summary. A connection dropped
// at COMMIT is settled by reading the head back, so nothing is written twice.
#include <tierflow/postgres_store.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "store/append_checks.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/rows.hpp"
#include "store/postgres/store_impl.hpp"
#include "store/store_codec.hpp"

namespace tierflow {
namespace {

using detail::postgres::head_of;
using detail::postgres::seconds;
using detail::postgres::select_head;

constexpr std::size_t events_per_insert = 1000;  // 10 parameters each; the limit is 65535

// How an append attempt ended when it did not succeed.
enum class append_end : std::uint8_t {
  refused,            // an error to report as is (conflict, invalid, io); rolled back
  lost_before_commit, // the connection dropped before COMMIT was sent: nothing landed
  lost_at_commit,     // COMMIT was sent and its answer lost: it may have landed
};
struct append_failure {
  append_end end;
  error err;
};
[[nodiscard]] auto fail(append_failure f) { return detail::unexpected_with(std::move(f)); }
using tierflow::fail;

// One attempt at an append, in one transaction on `c`; `details` are the
// events' encoded details.
detail::expected_with<void, append_failure> try_append(pg::connection& c,
                                                       const append_request& request,
                                                       const std::vector<std::string>& details) {
  const auto refused = [](error e) {
    return fail(append_failure{append_end::refused, std::move(e)});
  };
  // A statement failed before COMMIT: the transaction is void either way.
  const auto abort = [&](const pg::failure& f) {
    if (f.connection_lost) return fail(append_failure{append_end::lost_before_commit, f.err});
    c.rollback();
    return fail(append_failure{append_end::refused, f.err});
  };
  const event_hash zero{};
  const std::string_view id = request.ticket_id;

  if (auto r = c.script("BEGIN"); !r) return abort(r.error());
  if (request.expected_version == 0) {
    // A new stream: its head row is made here (and vanishes on rollback), so
    // that two writers of one new ticket queue on the same row lock.
    pg::params p;
    p.text(id).bytes(zero.data(), zero.size());
    if (auto r = c.exec(
            "INSERT INTO tierflow.heads (stream, version, head) VALUES ($1, 0, $2)"
            " ON CONFLICT (stream) DO NOTHING",
            p);
        !r) {
      return abort(r.error());
    }
  }
  auto locked = select_head(c, id, true);
  if (!locked) return abort(locked.error());
  auto head = head_of(*locked);
  if (!head) return abort(head.error());
  if (auto current = detail::check_append_version(request, head->version); !current) {
    c.rollback();
    return refused(std::move(current).error());
  }
  if (auto linked = detail::check_append_link(request, head->head); !linked) {
    c.rollback();
    return refused(std::move(linked).error());
  }
  if (request.summary == nullptr && head->version > 0) {
    pg::params p;
    p.text(id);
    auto found = c.exec("SELECT 1 FROM tierflow.summaries WHERE ticket_id = $1", p);
    if (!found) return abort(found.error());
    if (auto ok = detail::check_append_summary(request, PQntuples(found->get()) > 0); !ok) {
      c.rollback();
      return refused(std::move(ok).error());
    }
  }

  for (std::size_t from = 0; from < request.events.size(); from += events_per_insert) {
    const std::size_t to = std::min(request.events.size(), from + events_per_insert);
    std::string sql =
        "INSERT INTO tierflow.events (stream, seq, time, actor, workflow_id, workflow_version,"
        " type, details, prev_hash, hash) VALUES ";
    pg::params p;
    for (std::size_t i = from; i < to; ++i) {
      const event& e = request.events[i];
      const std::size_t base = (i - from) * 10;
      sql += fmt::format("{}(${},${},${},${},${},${},${},${},${},${})", i == from ? "" : ",",
                         base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7,
                         base + 8, base + 9, base + 10);
      p.text(id)
          .int8(static_cast<std::int64_t>(e.sequence))
          .int8(seconds(e.time))
          .text(e.actor_id)
          .text(e.workflow_id)
          .int8(static_cast<std::int64_t>(e.workflow_version))
          .int2(static_cast<std::int16_t>(e.type))
          .bytes(details[i])
          .bytes(e.prev_hash.data(), e.prev_hash.size())
          .bytes(e.hash.data(), e.hash.size());
    }
    if (auto r = c.exec(sql.c_str(), p); !r) return abort(r.error());
  }

  {
    const event_hash& last = request.events.back().hash;
    pg::params p;
    p.text(id)
        .int8(static_cast<std::int64_t>(request.expected_version + request.events.size()))
        .bytes(last.data(), last.size());
    if (auto r = c.exec("UPDATE tierflow.heads SET version = $2, head = $3 WHERE stream = $1", p); !r) {
      return abort(r.error());
    }
  }

  // The summary, and the end of any claim on the ticket (store::claim_due):
  // an append is what a claim waits for.
  if (const ticket_summary* s = request.summary; s != nullptr) {
    // Sealed to the head this transaction writes: both land, or neither.
    const event& last = request.events.back();
    const event_hash seal = detail::summary_seal(*s, last.sequence, last.hash);
    pg::params p;
    p.text(s->ticket_id)
        .text(s->customer_id)
        .text(s->ticket_type)
        .text(s->workflow_id)
        .int8(static_cast<std::int64_t>(s->workflow_version))
        .text(s->state)
        .text(s->unit)
        .text(s->region)
        .text(s->owner)
        .text(s->assignee)
        .boolean(s->closed)
        .int8(seconds(s->opened_at))
        .int8(seconds(s->closed_at))
        .int8(seconds(s->next_timer))
        .int8(seconds(s->nearest_due))
        .int8(static_cast<std::int64_t>(s->version))
        .bytes(seal.data(), seal.size());
    const auto r = c.exec(
        "INSERT INTO tierflow.summaries (ticket_id, customer_id, ticket_type, workflow_id,"
        " workflow_version, state, unit, region, owner, assignee, closed, opened_at, closed_at,"
        " next_timer, nearest_due, version, seal, claimed_by, claim_until)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,NULL,NULL)"
        " ON CONFLICT (ticket_id) DO UPDATE SET customer_id = EXCLUDED.customer_id,"
        " ticket_type = EXCLUDED.ticket_type, workflow_id = EXCLUDED.workflow_id,"
        " workflow_version = EXCLUDED.workflow_version, state = EXCLUDED.state,"
        " unit = EXCLUDED.unit, region = EXCLUDED.region, owner = EXCLUDED.owner,"
        " assignee = EXCLUDED.assignee, closed = EXCLUDED.closed, opened_at = EXCLUDED.opened_at,"
        " closed_at = EXCLUDED.closed_at, next_timer = EXCLUDED.next_timer,"
        " nearest_due = EXCLUDED.nearest_due, version = EXCLUDED.version, seal = EXCLUDED.seal,"
        " claimed_by = NULL, claim_until = NULL",
        p);
    if (!r) return abort(r.error());
  } else {
    pg::params p;
    p.text(id);
    const auto r = c.exec(
        "UPDATE tierflow.summaries SET claimed_by = NULL, claim_until = NULL"
        " WHERE ticket_id = $1 AND claimed_by IS NOT NULL",
        p);
    if (!r) return abort(r.error());
  }

  if (auto r = c.script("COMMIT"); !r) {
    if (r.error().connection_lost) {
      return fail(append_failure{append_end::lost_at_commit, r.error().err});
    }
    c.rollback();
    return refused(r.error().err);
  }
  return {};
}

}  // namespace

result<void> postgres_store::append(const append_request& request) {
  // Everything that needs no stored state is checked before the database is
  // touched, NUL bytes and invalid UTF-8 included (check_append_ids: the
  // same refusal as every store's; PostgreSQL text could not hold them).
  const std::string_view id = request.ticket_id;
  if (auto ok = detail::check_append_ids(request); !ok) return ok;
  if (request.expected_version >
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - request.events.size()) {
    return fail(errc::invalid_argument, fmt::format("ticket {}: stream version out of range", id));
  }
  // The first link is checked against the stored head inside the transaction.
  if (auto ok = detail::check_append_events(request, nullptr); !ok) return ok;
  if (auto ok = impl_->writable("append"); !ok) return ok;

  std::vector<std::string> details;
  details.reserve(request.events.size());
  for (const event& e : request.events) details.push_back(detail::encode_details(e.details));

  auto c = impl_->connections.acquire();
  if (!c) return fail(c.error());
  const std::uint64_t landed_version = request.expected_version + request.events.size();
  for (int attempt = 0;; ++attempt) {
    auto out = try_append(**c, request, details);
    if (out) return {};
    append_failure& f = out.error();
    if (f.end == append_end::refused) return fail(std::move(f.err));
    // The connection dropped: reconnect; without a connection nothing more
    // can be known, and nothing was half-written (a transaction is whole).
    if (auto ok = (*c)->reset(); !ok) {
      return fail(errc::io_error, fmt::format("ticket {}: {} (the append may have landed whole or not "
                                              "at all; reload the ticket)",
                                              id, ok.error().message()));
    }
    if (f.end == append_end::lost_at_commit) {
      // Did the commit land? The head says: ours (it landed), unchanged (it
      // did not), or another writer's (a conflict either way).
      auto h = select_head(**c, id, false);
      if (!h) return fail(std::move(h.error().err));
      auto head = head_of(*h);
      if (!head) return fail(std::move(head.error().err));
      if (head->version == landed_version && head->head == request.events.back().hash) return {};
      if (head->version != request.expected_version) {
        return fail(errc::conflict, fmt::format("ticket {}: expected version {}, store has {}", id,
                                                request.expected_version, head->version));
      }
    }
    if (attempt > 0) return fail(std::move(f.err));
  }
}

}  // namespace tierflow
