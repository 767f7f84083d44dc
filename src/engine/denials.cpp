// SPDX-License-Identifier: MIT
// Denials: every refused command is audited — on the ticket's denial stream
// (denial_stream_of(ticket), never the ticket's own trail, so that a refusal
// changes neither the ticket's state nor its version), or, when there is no
// ticket to record it on, on the engine's denial log
// (engine::denial_log_id). What is recorded is bounded, so that refused
// commands cannot be used to fill the store: every field is escaped and
// cut (input_rules.hpp, recorded_text), identical denials within
// engine::denial_window are counted instead of recorded, and a stream
// records at most a cap per window.
#include <algorithm>
#include <span>
#include <string>

#include <tierflow/audit.hpp>
#include <tierflow/event_schema.hpp>

#include "engine/engine_impl.hpp"
#include "engine/input_rules.hpp"

namespace tierflow {
namespace {

// The denial log takes the refusals of every unknown ticket and every open:
// it gets a larger share than one ticket's stream.
constexpr std::size_t log_cap_factor = 16;
// A stream keeps coalescing counts for at most this many times its cap of
// distinct (actor, action, code): enough for every refusal a window can
// record and more, bounded however many actor ids a caller makes up.
constexpr std::size_t keys_per_cap = 4;
// How many denials pass between sweeps of counts nobody will carry.
constexpr std::uint64_t sweep_every = 1024;

std::string gate_key(std::initializer_list<std::string_view> parts) {
  // Recorded parts are escaped: they hold no NUL to confuse the join.
  std::string key;
  for (const auto part : parts) {
    key += part;
    key += '\0';
  }
  return key;
}

// The counts a recorded denial carries: identical ones coalesced into it,
// and others counted without a key of their own.
void add_tally(event& e, const detail::denial_tally& tally) {
  if (tally.repeated > 0) e.details.emplace_back(detail_key::repeated, std::to_string(tally.repeated));
  if (tally.others > 0) e.details.emplace_back(detail_key::others, std::to_string(tally.others));
}

}  // namespace

std::optional<detail::denial_tally> engine::impl::admit_denial(const std::string& stream, std::string key,
                                                        timestamp now, std::size_t cap) {
  if (++denials_since_sweep >= sweep_every) {
    // Counts with nothing unrecorded and out of their window carry no
    // information: forget them, and streams left with none.
    denials_since_sweep = 0;
    for (auto it = denial_gates.begin(); it != denial_gates.end();) {
      std::erase_if(it->second.counts, [&](const auto& kv) {
        return kv.second.unrecorded == 0 && now - kv.second.last_recorded >= engine::denial_window;
      });
      it = it->second.counts.empty() ? denial_gates.erase(it) : std::next(it);
    }
  }
  detail::denial_gate& gate = denial_gates[stream];
  if (gate.recorded == 0 || now - gate.window_start >= engine::denial_window || now < gate.window_start) {
    gate.window_start = now;
    gate.recorded = 0;
  }
  auto found = gate.counts.find(key);
  if (found == gate.counts.end() && gate.counts.size() >= cap * keys_per_cap) {
    // No room for another key. A key out of its window gives up its
    // place: first one that carries nothing (as the sweep would forget it),
    // else one with a count waiting, which goes to `others`. If every key
    // is in its window, this denial is counted without a key, reported as
    // `others` by the stream's next recorded denial.
    const auto out_of_window = [&](const detail::denial_count& c) {
      return now < c.last_recorded || now - c.last_recorded >= engine::denial_window;
    };
    auto stale = std::find_if(gate.counts.begin(), gate.counts.end(), [&](const auto& kv) {
      return kv.second.unrecorded == 0 && out_of_window(kv.second);
    });
    if (stale == gate.counts.end())
      stale = std::find_if(gate.counts.begin(), gate.counts.end(),
                           [&](const auto& kv) { return out_of_window(kv.second); });
    if (stale == gate.counts.end()) {
      ++gate.others;
      return std::nullopt;
    }
    gate.others += stale->second.unrecorded;
    gate.counts.erase(stale);
  }
  auto [it, first] = found != gate.counts.end() ? std::pair{found, false}
                                                : gate.counts.try_emplace(std::move(key));
  detail::denial_count& count = it->second;
  const bool recent = !first && now >= count.last_recorded &&
                      now - count.last_recorded < engine::denial_window;
  if (recent || gate.recorded >= cap) {
    ++count.unrecorded;
    return std::nullopt;
  }
  const detail::denial_tally tally{count.unrecorded, gate.others};
  count.unrecorded = 0;
  gate.others = 0;
  count.last_recorded = now;
  ++gate.recorded;
  return tally;
}

result<void> engine::impl::append_denial(std::string_view stream, event e) {
  // Engines sharing a store share the stream: a lost race is retried on
  // its new head.
  for (int attempt = 1;; ++attempt) {
    auto h = events->head(stream);
    if (!h) return fail(h.error());
    e.sequence = h->version + 1;
    seal(std::span<event>(&e, 1), h->head);
    auto stored =
        events->append(append_request{stream, h->version, std::span<const event>(&e, 1), nullptr});
    if (stored || stored.error().code() != errc::conflict || attempt == race_retries) return stored;
  }
}

result<void> engine::impl::deny(std::string_view ticket_id, const detail::ticket_record* rec,
                                const act_request& req, timestamp now, const error& why) {
  denied.add();
  const std::string stream = denial_stream_of(ticket_id);
  event e;
  e.ticket_id = stream;
  e.time = now;
  e.actor_id = detail::recorded_text(req.by.id, max_id_bytes);
  if (rec != nullptr && rec->flow != nullptr) {
    e.workflow_id = rec->flow->wf->id;
    e.workflow_version = rec->flow->wf->version;
  }
  e.type = event_type::denied;
  const std::string action = detail::recorded_text(req.action, max_id_bytes);
  const std::string_view code = to_string(why.code());
  const std::lock_guard lock(denial_mutex);
  const auto coalesced =
      admit_denial(stream, gate_key({e.actor_id, action, code}), now, engine::max_denials_per_window);
  if (!coalesced) return {};
  e.details.emplace_back(detail_key::action, action);
  e.details.emplace_back(detail_key::code, code);
  e.details.emplace_back(detail_key::reason,
                         detail::recorded_text(why.message(), engine::max_denial_reason_bytes));
  add_tally(e, *coalesced);
  if (auto ok = append_denial(stream, std::move(e)); !ok)
    return fail(std::move(ok).error().with_context("recording the denial on " + stream));
  return {};
}

failure engine::impl::deny_unknown(std::string_view ticket_id, std::string_view actor_id,
                                   std::string_view what, timestamp now, error why) {
  denied.add();
  event e;
  e.ticket_id = engine::denial_log_id;
  e.time = now;
  e.actor_id = detail::recorded_text(actor_id, max_id_bytes);
  e.type = event_type::denied;
  const std::string ticket = detail::recorded_text(ticket_id, max_id_bytes);
  const std::string action = detail::recorded_text(what, max_id_bytes);
  const std::string_view code = to_string(why.code());
  const std::lock_guard lock(denial_mutex);
  const auto coalesced =
      admit_denial(std::string(engine::denial_log_id), gate_key({ticket, e.actor_id, action, code}),
                   now, engine::max_denials_per_window * log_cap_factor);
  if (coalesced) {
    e.details.emplace_back(detail_key::ticket, ticket);
    e.details.emplace_back(detail_key::action, action);
    e.details.emplace_back(detail_key::code, code);
    e.details.emplace_back(detail_key::reason,
                           detail::recorded_text(why.message(), engine::max_denial_reason_bytes));
    add_tally(e, *coalesced);
    // A failing denial log must not hide the original error from the caller.
    (void)append_denial(engine::denial_log_id, std::move(e));
  }
  return fail(std::move(why));
}

}  // namespace tierflow
