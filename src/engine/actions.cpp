// SPDX-License-Identifier: MIT
// Staff actions: act() judges an action (authorization.hpp), then records
// it — the claim, the transition, its effect (handoff, give-back,
// escalation, reroute) and the escalation rules it triggers.
#include <iterator>
#include <utility>

#include <tierflow/event_schema.hpp>

#include "engine/authorization.hpp"
#include "engine/engine_impl.hpp"
#include "engine/input_rules.hpp"
#include "engine/outcomes.hpp"
#include "engine/routing.hpp"

namespace tierflow {

// Optimistic on a shared store: a command is judged on the ticket as this
// engine last saw it, with no read of the store first; if another engine
// moved the ticket meanwhile, the append (of the action, or of a timer it
// catches up with) fails with errc::conflict, the ticket is re-read, and
// the command is judged again on the new state. A refusal is recorded on
// the denial stream, which the ticket's version does not cover: before it
// is final, the ticket's head is read once, and a ticket that moved is
// judged again. `judged` says a refusal was recorded: that is final.
result<act_receipt> engine::impl::act(const act_request& req, timestamp now, ticket_view* view) {
  // The receipt is written where it is returned (one named result, every
  // return returns it: the copy is elided), not moved out of act_once and
  // again out of here with its five strings (2.4% of a brief transition).
  result<act_receipt> done;  // holds a default receipt
  if (auto ok = act_to(req, now, view, *done); !ok) done = fail(std::move(ok).error());
  return done;
}

result<void> engine::impl::act_to(const act_request& req, timestamp now, ticket_view* view, act_receipt& done) {
  for (int attempt = 1;; ++attempt) {
    bool judged = false;
    auto ok = act_once(req, now, view, judged, done);
    if (ok) return ok;
    // On a store only this engine writes, a conflict comes from two copies
    // of a closed ticket beyond the budget kept in memory (each use reads
    // its own) racing.
    if (judged || ok.error().code() != errc::conflict || attempt == race_retries) return ok;
  }
}

result<void> engine::impl::act_once(const act_request& req, timestamp now, ticket_view* view,
                                    bool& judged, act_receipt& done) {
  if (auto valid = detail::check_act(req); !valid) {
    // Recorded with the ticket when the id names one (even a quarantined
    // one), else on the denial log.
    error refusal = std::move(valid).error().with_context("ticket " +
                                                          detail::recorded_text(req.ticket_id, max_id_bytes));
    judged = true;
    if (!detail::check_ticket_id(req.ticket_id))
      return deny_unknown(req.ticket_id, req.by.id, req.action, now, std::move(refusal));
    auto found = slot(req.ticket_id);
    if (found && *found == nullptr)
      return deny_unknown(req.ticket_id, req.by.id, req.action, now, std::move(refusal));
    if (!found && found.error().code() != errc::data_loss) return fail(found.error());
    result<void> recorded;
    if (found) {
      const std::lock_guard lock((*found)->mutex);
      recorded = deny(req.ticket_id, &(*found)->record, req, now, refusal);
    } else {
      recorded = deny(req.ticket_id, nullptr, req, now, refusal);
    }
    if (!recorded) return fail(recorded.error());
    return fail(std::move(refusal));
  }
  auto found = slot(req.ticket_id);
  if (!found) {
    if (found.error().code() != errc::data_loss) return fail(found.error());
    // Quarantined: refused, and the refusal audited like any other.
    judged = true;
    if (auto recorded = deny(req.ticket_id, nullptr, req, now, found.error()); !recorded)
      return fail(recorded.error());
    return fail(found.error());
  }
  if (*found == nullptr)
    return deny_unknown(req.ticket_id, req.by.id, req.action, now,
                        error(errc::not_found, "unknown ticket '" + req.ticket_id + "'"));
  ticket_slot& s = **found;
  std::vector<notification> notes;
  std::unique_lock lock(s.mutex);
  detail::ticket_record& r = s.record;
  // Timers fired before a failure stay fired: their notifications go out.
  const auto failed = [&](error e) -> failure {
    lock.unlock();
    deliver(notes);
    return fail(std::move(e));
  };
  if (auto ok = reload_if_stale(s); !ok) return failed(ok.error());
  // The ticket catches up with time first: a breach that fell due before
  // this action escalates before the action is judged.
  for (;;) {
    auto fired = fire_next(s, now, notes);
    if (!fired) return failed(fired.error());
    if (!*fired) break;
  }
  const workflow& wf = *r.flow->wf;
  const state& st = wf.states[r.state];
  const action* act = detail::find_action(st, req.action);
  if (auto allowed = detail::authorize(defs.org, r, req, act); !allowed) {
    if (events->shared() || !s.resident) {
      // Judged on what this engine last saw (or on one of several copies
      // of a closed ticket): make sure that is the ticket.
      auto h = events->head(r.id);
      if (!h) return failed(std::move(h).error().with_context("ticket " + r.id));
      if (h->version != r.version || h->head != r.head) {
        resync(s);
        return failed(error(errc::conflict, "ticket " + r.id + " moved; judging again"));
      }
    }
    error refusal = std::move(allowed).error().with_context("ticket " + r.id);
    auto recorded = deny(r.id, &r, req, now, refusal);
    if (!recorded) return failed(recorded.error());
    judged = true;
    return failed(std::move(refusal));
  }

  command cmd{cc, r, now, req.by.id};
  if (act->claims) {
    // The actor takes the ticket in person when they work in the unit it
    // sits with; the first claimer becomes owner wherever they work.
    bool in_unit = false;
    for (const auto& role_id : req.by.roles)
      if (const role* ro = defs.org.find_role(role_id);
          ro != nullptr && ro->unit == r.assignee.unit)
        in_unit = true;
    const bool new_owner = r.owner.empty();
    const bool new_assignee = in_unit && r.assignee.person != req.by.id;
    if (new_owner || new_assignee) {
      detail::detail_writer& taken = cmd.details();
      taken.add(detail_key::person, req.by.id);
      taken.add(detail_key::owner, new_owner ? detail_value::yes : detail_value::no);
      taken.add(detail_key::assignee, new_assignee ? detail_value::yes : detail_value::no);
      if (new_owner) detail::add_wait_time(taken, r, cmd.time);
      cmd.emit(event_type::accepted);
    }
  }
  const bool moves = act->to_index != npos && act->to_index != r.state;
  detail::detail_writer& det = cmd.details();
  det.add(detail_key::action, act->id);
  if (moves) {
    det.add(detail_key::from, st.id);
    det.add(detail_key::to, wf.states[act->to_index].id);
  }
  if (!req.note.empty()) det.add(detail_key::note, req.note);
  if (moves) detail::add_state_time(det, r, cmd.time);
  // authorize() checked the value: the definition's, or one the
  // classification allows.
  if (!act->classifies.empty())
    det.add_prefixed(detail_key::classification_prefix, act->classifies,
                     act->classification_value.empty() ? req.classification
                                                       : act->classification_value);
  cmd.emit(moves ? event_type::transitioned : event_type::noted);
  switch (act->effect) {
    case action_effect::none: break;
    case action_effect::handoff: hand_off(cmd, act->target, detail_key::action, act->id); break;
    case action_effect::give_back: {
      const assignment& back = r.handoffs.back().back;
      detail::detail_writer& ret = cmd.details();
      ret.add(detail_key::action, act->id);
      ret.add(detail_key::kind, detail_value::handoff);
      ret.add(detail_key::from_unit, r.assignee.unit);
      ret.add(detail_key::to_unit, back.unit);
      ret.add(detail_key::region, back.region);
      ret.add(detail_key::person, back.person);
      detail::add_unit_time(ret, r, back.unit, cmd.time);
      cmd.emit(event_type::returned);
      break;
    }
    case action_effect::escalate: escalate(cmd, act->target, detail_key::action, act->id); break;
    case action_effect::reroute: {
      // The unit is left with the `routed` that follows (the fold moves the
      // ticket there): that event, not this one, records the time spent.
      const std::string from = r.assignee.unit;
      cmd.emit(event_type::returned, {{detail_key::action, act->id},
                                      {detail_key::kind, detail_value::reroute},
                                      {detail_key::from_unit, from}});
      routing_decision& routing = cmd.routing();
      detail::route_into(defs.org, r, from, routing);
      detail::emit_routed(cmd, routing, detail_value::reroute);
      break;
    }
  }
  if (moves) after_transition(cmd);
  if (const auto it = r.flow->action_rules.find(act->id); it != r.flow->action_rules.end())
    for (const std::size_t rule : it->second) run_rule(cmd, rule);
  if (auto ok = commit(s, cmd); !ok) return failed(ok.error());
  commands.add();
  r.receipt_into(done);
  // Written over what the caller's view held (engine::act_into reuses one).
  if (view != nullptr) r.view_into(*view, now);
  retire_if_closed(s);
  std::move(cmd.notes.begin(), cmd.notes.end(), std::back_inserter(notes));
  lock.unlock();
  deliver(notes);
  return {};
}

void engine::impl::after_transition(command& cmd) {
  const detail::ticket_record& r = cmd.rec;
  const state& st = r.flow->wf->states[r.state];
  if (st.pauses_clock && !r.paused) cmd.emit(event_type::paused, {{detail_key::state, st.id}});
  if (!st.pauses_clock && r.paused) cmd.emit(event_type::resumed, {{detail_key::state, st.id}});
  if (st.terminal && !r.closed) {
    detail::detail_writer& closing = cmd.details();
    closing.add(detail_key::state, st.id);
    detail::add_close_time(closing, r, cmd.time);
    cmd.emit(event_type::closed);
  }
}

}  // namespace tierflow
