// SPDX-License-Identifier: MIT
// Timers: the deadline clocks' warnings, breaches, after-breach steps and
// step limits — firing one on a ticket, and advance(), which fires every
// due timer across tickets in due order.
#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <unordered_set>

#include <tierflow/event_schema.hpp>

#include "engine/engine_impl.hpp"

namespace tierflow {

result<bool> engine::impl::fire_next(ticket_slot& s, timestamp bound,
                                     std::vector<notification>& notes) {
  detail::ticket_record& r = s.record;
  const auto next = r.next_timer();
  if (!next || next->second > bound) return false;
  const auto [c, at] = *next;
  command cmd{cc, r, at, detail::system_actor};
  // The compiled workflow outlives the command: no copy of the slot.
  const detail::timer_slot& slot = r.flow->slots[c][r.clocks[c].next_slot];
  const std::string& name = r.flow->clock_name(c);
  switch (slot.what) {
    case detail::timer_slot::kind::warning:
      cmd.emit(event_type::deadline_warned,
               {{detail_key::deadline, name}, {detail_key::percent, std::to_string(slot.percent)}});
      break;
    case detail::timer_slot::kind::breach:
      cmd.emit(event_type::deadline_breached, {{detail_key::deadline, name}});
      break;
    case detail::timer_slot::kind::after:
      cmd.emit(event_type::deadline_breached,
               {{detail_key::deadline, name}, {detail_key::after, slot.after_text}});
      break;
  }
  for (const std::size_t rule : slot.rules) run_rule(cmd, rule);
  if (auto ok = commit(s, cmd); !ok) return fail(ok.error());
  timers_fired.add();
  std::move(cmd.notes.begin(), cmd.notes.end(), std::back_inserter(notes));
  return true;
}

result<advance_report> engine::impl::advance(timestamp now) {
  advance_report report;
  std::unordered_set<std::string> touched;
  std::optional<due_ticket> stuck;
  // Quarantined tickets the store's timer index still names: skipped (their
  // timers cannot fire on a trail that does not fold), asked past.
  std::unordered_set<std::string> quarantined;
  int races = 0;
  // Reused for every ticket: deliver() empties it.
  std::vector<notification> notes;
  for (;;) {
    const std::size_t asked = due_batch + quarantined.size();
    auto due = events->claim_due(now, asked);
    if (!due) return fail(due.error());
    // Fewer than asked: every ticket due now is in the batch.
    const bool every_due = due->size() < asked;
    std::erase_if(*due, [&](const due_ticket& d) { return quarantined.count(d.ticket_id) != 0; });
    if (due->empty()) break;
    // The tickets are worked in the store's due order, each one's timers
    // fired up to the next ticket's first one: timers fire in due order
    // across tickets. Firing sets no timer on another ticket, so after one
    // is worked the store would name the batch's next one first, with the
    // one after it as the bound, unless a ticket worked already has a
    // timer due by then: then, and for the batch's last ticket (whose
    // bound lies beyond the batch) unless the batch holds every due one,
    // the store is asked again. One query for many tickets: each merges
    // the store's index parts and copies the ids.
    timestamp worked_next = timestamp::max();  // the earliest timer due now of the tickets worked
    for (std::size_t i = 0; i < due->size(); ++i) {
      const bool last = i + 1 == due->size();
      const timestamp bound = last ? now : std::min(now, (*due)[i + 1].due);
      if (i > 0 && ((last && !every_due) || worked_next <= bound)) break;
      const due_ticket& first = (*due)[i];
      auto found = slot(first.ticket_id);
      if (!found) {
        if (found.error().code() != errc::data_loss) return fail(found.error());
        quarantined.insert(first.ticket_id);
        break;
      }
      if (*found == nullptr)
        return fail(errc::io_error, "store lists a timer for unknown ticket " + first.ticket_id);
      ticket_slot& s = **found;
      std::size_t fired = 0;
      std::unique_lock lock(s.mutex);
      if (auto ok = refresh(s); !ok) return fail(ok.error());
      bool raced = false;
      for (;;) {
        auto f = fire_next(s, std::max(bound, first.due), notes);
        if (!f) {
          // Another engine on a shared store moved the ticket first (an
          // action catches up with its timers): the ticket was re-read;
          // ask the store again what is due.
          if (f.error().code() == errc::conflict && events->shared() && ++races < race_retries * 64) {
            raced = true;
            break;
          }
          deliver(notes);
          return fail(f.error());
        }
        if (!*f) break;
        ++fired;
      }
      if (raced) {
        report.fired += fired;
        if (fired > 0) touched.insert(first.ticket_id);
        deliver(notes);
        break;
      }
      if (fired == 0) {
        // Someone fired it first: an act() on this ticket catches up with
        // its timers, and the store's index moved with that append. Ask
        // the store again. Only if it names the same timer twice with
        // nothing to fire in between does the index disagree with the
        // ticket's trail (a store fault, or another process's tickets
        // this engine cannot see): re-read the ticket once, then give up.
        if (stuck && stuck->ticket_id == first.ticket_id && stuck->due == first.due) {
          resync(s);
          const auto n = s.record.next_timer();
          if (!n || n->second > bound)
            return fail(errc::io_error, "store's timer index disagrees with ticket " + first.ticket_id);
        }
        stuck = first;
        break;
      }
      stuck.reset();
      // A timer may have closed it (a step that ends the ticket).
      if (const auto n = s.record.next_timer(); n && n->second <= now) worked_next = std::min(worked_next, n->second);
      retire_if_closed(s);
      // Delivered without the ticket's lock: a sink may call the engine.
      lock.unlock();
      report.fired += fired;
      touched.insert(first.ticket_id);
      deliver(notes);
    }
  }
  report.tickets = touched.size();
  // After the timers: the checkpoint anchors what they appended.
  auto anchored = checkpoint_if_due(now);
  if (!anchored) return fail(anchored.error());
  report.checkpoint = *anchored;
  return report;
}

}  // namespace tierflow
