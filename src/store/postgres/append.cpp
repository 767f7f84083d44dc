// SPDX-License-Identifier: MIT
// The PostgreSQL store's write path: an append is one statement, a call of
// the server-side function tierflow.append_events_1 (schema.cpp), which
// checks the stream's expected version under the head row's lock, inserts
// the events, moves the head and writes the summary. A connection dropped
// while it ran is settled by reading the head back, so nothing is written
// twice.
//
// Why a function and not libpq's pipeline mode: the writes depend on the
// head check, and in a pipeline the client cannot look at the head before
// the inserts are already on the wire; it would need the check on the server
// anyway (a statement that fails on purpose to abort the transaction), and
// the refusal's message needs the head the server found. A function keeps
// check and writes in one statement, so one implicit transaction: it is
// whole or not at all with no BEGIN or COMMIT, returns the head it found
// when it refuses, and costs one round trip whatever the number of events
// (they travel as arrays, with no limit on parameters). Each session
// prepares the call once, when it is set up (schema.hpp, append_statement):
// parsing and planning it on every append was a sixth of the server's time.
#include <tierflow/postgres_store.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "store/append_checks.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/rows.hpp"
#include "store/postgres/schema.hpp"
#include "store/postgres/store_impl.hpp"
#include "store/store_codec.hpp"

namespace tierflow {
namespace {

using detail::postgres::head_of;
using detail::postgres::seconds;
using detail::postgres::select_head;

// What the append function found and did (schema.hpp, append_call).
struct append_answer {
  store::stream_head found;
  bool has_summary = false;
  bool written = false;
};

// The parameters of append_call for `request`; `details` are the events'
// encoded details.
pg::params append_parameters(const append_request& request, const std::vector<std::string>& details) {
  const std::size_t n = request.events.size();
  std::vector<std::int64_t> sequences, times, workflow_versions;
  std::vector<std::int16_t> types;
  std::vector<std::string_view> actors, workflow_ids, detail_bytes, prev_hashes, hashes;
  for (auto* v : {&sequences, &times, &workflow_versions}) v->reserve(n);
  types.reserve(n);
  for (auto* v : {&actors, &workflow_ids, &detail_bytes, &prev_hashes, &hashes}) v->reserve(n);
  const auto bytes_of = [](const event_hash& h) {
    return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
  };
  for (std::size_t i = 0; i < n; ++i) {
    const event& e = request.events[i];
    sequences.push_back(static_cast<std::int64_t>(e.sequence));
    times.push_back(seconds(e.time));
    actors.push_back(e.actor_id);
    workflow_ids.push_back(e.workflow_id);
    workflow_versions.push_back(static_cast<std::int64_t>(e.workflow_version));
    types.push_back(static_cast<std::int16_t>(e.type));
    detail_bytes.push_back(details[i]);
    prev_hashes.push_back(bytes_of(e.prev_hash));
    hashes.push_back(bytes_of(e.hash));
  }
  const event& first = request.events.front();
  const event& last = request.events.back();
  pg::params p;
  p.text(request.ticket_id)
      .int8(static_cast<std::int64_t>(request.expected_version))
      .bytes(first.prev_hash.data(), first.prev_hash.size())
      .int8(static_cast<std::int64_t>(request.expected_version + n))
      .bytes(last.hash.data(), last.hash.size())
      .int8_array(sequences)
      .int8_array(times)
      .text_array(actors)
      .text_array(workflow_ids)
      .int8_array(workflow_versions)
      .int2_array(types)
      .bytes_array(detail_bytes)
      .bytes_array(prev_hashes)
      .bytes_array(hashes);
  if (const ticket_summary* s = request.summary; s != nullptr) {
    // Sealed to the head this append writes: both land, or neither.
    const event_hash seal = detail::summary_seal(*s, last.sequence, last.hash);
    p.boolean(true)
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
  } else {
    p.boolean(false).nulls(detail::postgres::append_call_parameters - p.size());
  }
  return p;
}

// One append attempt: one statement, one round trip.
pg::outcome<append_answer> try_append(pg::connection& c, const pg::params& p) {
  auto r = c.exec_prepared(detail::postgres::append_statement, p);
  if (!r) return fail(r.error());
  if (PQntuples(r->get()) != 1) {
    return pg::failed(errc::io_error, "postgres: the append function returned no row");
  }
  pg::row_reader row(r->get(), 0);
  append_answer out;
  out.found.version = static_cast<std::uint64_t>(row.int8());
  const std::string head = row.bytes();
  out.has_summary = row.boolean();
  out.written = row.boolean();
  if (!row.ok()) return fail(pg::failure{row.take_error(), false});
  auto hash = detail::hash_from_bytes(head);
  if (!hash) return fail(pg::failure{hash.error(), false});
  out.found.head = *hash;
  return out;
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

  const pg::params p = append_parameters(request, details);
  auto c = impl_->connections.acquire();
  if (!c) return fail(c.error());
  const std::uint64_t landed_version = request.expected_version + request.events.size();
  for (int attempt = 0;; ++attempt) {
    auto out = try_append(**c, p);
    if (out) {
      if (out->written) return {};
      // Refused, with nothing written: the same checks, in the same order,
      // as every store makes, on the head the function found.
      if (auto ok = detail::check_append_version(request, out->found.version); !ok) return ok;
      if (auto ok = detail::check_append_link(request, out->found.head); !ok) return ok;
      if (auto ok = detail::check_append_summary(request, out->has_summary); !ok) return ok;
      return fail(errc::io_error,
                  fmt::format("ticket {}: postgres: the append function refused the append for no "
                              "reason the store knows",
                              id));
    }
    pg::failure& f = out.error();
    if (!f.connection_lost) return fail(std::move(f.err));
    // The connection dropped with the statement sent: it may have landed
    // (whole: it is one transaction) or not at all. Reconnect; without a
    // connection nothing more can be known.
    if (auto ok = (*c)->reset(); !ok) {
      return fail(errc::io_error, fmt::format("ticket {}: {} (the append may have landed whole or not "
                                              "at all; reload the ticket)",
                                              id, ok.error().message()));
    }
    // Did it land? The head says: ours (it landed), unchanged (it did not),
    // or another writer's (a conflict either way).
    auto h = select_head(**c, id, false);
    if (!h) return fail(std::move(h.error().err));
    auto head = head_of(*h);
    if (!head) return fail(std::move(head.error().err));
    if (head->version == landed_version && head->head == request.events.back().hash) return {};
    if (head->version != request.expected_version) {
      return fail(errc::conflict, fmt::format("ticket {}: expected version {}, store has {}", id,
                                              request.expected_version, head->version));
    }
    if (attempt > 0) return fail(std::move(f.err));
  }
}

}  // namespace tierflow
