// SPDX-License-Identifier: MIT
// Tickets in memory: each ticket's record, loaded from the store on first
// use, kept equal to what the store holds, and written back one command at
// a time.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/audit.hpp>

#include "engine/engine_impl.hpp"
#include "store/id_hash.hpp"
#include "store/spin_then_lock.hpp"

namespace tierflow {

std::size_t detail::ticket_shard_index(std::string_view id) noexcept {
  // Its top bits: the shard's own map takes the same hash by its low bits.
  static_assert(ticket_shard_bits >= 1 && ticket_shard_bits <= 8);
  return ticket_shard_of_hash(id_hash_of(id));
}

result<std::shared_ptr<engine::impl::ticket_slot>> engine::impl::slot(std::string_view id) const {
  {
    // Hashed once: the shard and the map's bucket both come from it.
    const hashed_id key(id);
    const ticket_shard& part = shard_of(key);
    const std::shared_lock lock = detail::spin_then_lock_shared(part.mutex);
    if (const std::shared_ptr<ticket_slot>* held = part.tickets.find(key.id, key.hash)) {
      (*held)->used.store(true, std::memory_order_relaxed);
      return *held;
    }
  }
  if (auto ok = check_not_quarantined(id); !ok) return fail(ok.error());
  // First use: the ticket is read as an audit reads it, verified and folded
  // (a ticket another engine opened on a shared store included).
  auto fresh = load_verified(id);
  if (!fresh) return fail(fresh.error());
  if (*fresh == nullptr) return std::shared_ptr<ticket_slot>();
  return keep(std::move(*fresh));
}

std::shared_ptr<engine::impl::ticket_slot> engine::impl::keep(std::shared_ptr<ticket_slot> s) const {
  // A closed ticket takes no more actions and fires no timers: keeping
  // every one would grow the engine by every ticket ever closed. The most
  // recent ones stay (queries on them need no read of the store), up to
  // the budget; one whose summary row must be rewritten stays until then.
  // Open ones stay up to their own budget.
  const bool closed = s->record.closed && !s->row_forged;
  if (!s->row_forged && (closed ? closed_kept : open_kept) == 0) return s;
  ticket_slot* raw = s.get();
  // Not shared yet: no other thread reads the key before it is kept.
  raw->key = raw->record.id;
  const hashed_id key(raw->key);
  ticket_shard& part = shard_of(key);
  std::vector<std::shared_ptr<ticket_slot>> leaving;  // destroyed after the locks are released
  std::shared_ptr<ticket_slot> kept;
  // The budget's lock first, then the shard's (engine_impl.hpp): the
  // ticket enters its shard and the budget's books at once, so that a
  // close (retire_if_closed) finds it in both or in neither.
  const std::unique_lock books = detail::spin_then_lock(budget_mutex);
  bool inserted = false;
  {
    const std::unique_lock lock = detail::spin_then_lock(part.mutex);
    const auto placed = part.tickets.try_emplace(key.hash, std::move(s));
    inserted = placed.second;
    // Before a lookup can find it (actions.cpp reads it).
    if (inserted) raw->resident = true;
    // Held before a sweep may take other tickets out of the map.
    kept = *placed.first;
  }
  if (inserted) {
    if (closed) {
      retire_locked(*raw, leaving);
    } else {
      enlist_open_locked(*raw, leaving);
    }
  }
  return kept;
}

void engine::impl::enlist_open_locked(ticket_slot& s,
                                      std::vector<std::shared_ptr<ticket_slot>>& leaving) const {
  s.used.store(true, std::memory_order_relaxed);
  s.ring_at = open_ring.size();
  open_ring.push_back(&s);
  // A clock sweep: a ticket used since the hand last passed is spared
  // once, so two passes clear every mark. The one just kept stays; a
  // ticket whose lock is held is in use and spared too (it stays over the
  // budget until a later sweep), and so is one whose summary row is yet to
  // be rewritten. Each step clears a mark some use set, or lets a ticket
  // go: O(1) amortised.
  for (std::size_t steps = 2 * open_ring.size() + 1; open_ring.size() > open_kept && steps > 0;
       --steps) {
    if (ring_hand >= open_ring.size()) ring_hand = 0;
    ticket_slot& t = *open_ring[ring_hand];
    // The ticket just kept is the one its caller is about to use.
    if (&t == &s) {
      ++ring_hand;
      continue;
    }
    // Only tried: a ticket's lock comes before budget_mutex in the order.
    std::unique_lock busy(t.mutex, std::try_to_lock);
    if (!busy || t.used.exchange(false, std::memory_order_relaxed) || t.row_forged) {
      ++ring_hand;
      continue;
    }
    // The hand then points at the ticket moved into its place.
    evict_locked(t.record.id, leaving);
    busy.unlock();
  }
}

void engine::impl::evict_locked(std::string_view id,
                                std::vector<std::shared_ptr<ticket_slot>>& leaving) const {
  const hashed_id key(id);
  ticket_shard& part = shard_of(key);
  const std::unique_lock lock = detail::spin_then_lock(part.mutex);
  const std::shared_ptr<ticket_slot>* held = part.tickets.find(key.id, key.hash);
  if (held == nullptr) return;
  ticket_slot& s = **held;
  s.resident = false;
  drop_from_ring_locked(s);
  // Destroyed after the locks are released, not under them (the room
  // made first: what can throw comes before the change).
  leaving.emplace_back();
  leaving.back() = part.tickets.erase(key.id, key.hash);
}

void engine::impl::drop_from_ring_locked(ticket_slot& s) const {
  if (s.ring_at == ticket_slot::no_place) return;
  ticket_slot* last = open_ring.back();
  open_ring[s.ring_at] = last;
  last->ring_at = s.ring_at;
  open_ring.pop_back();
  s.ring_at = ticket_slot::no_place;
}

void engine::impl::retire_if_closed(ticket_slot& s) const {
  if (!s.record.closed || s.row_forged || s.stale || !s.resident) return;
  std::vector<std::shared_ptr<ticket_slot>> leaving;  // destroyed after the lock is released
  const std::unique_lock books = detail::spin_then_lock(budget_mutex);
  retire_locked(s, leaving);
}

void engine::impl::retire_locked(ticket_slot& s,
                                 std::vector<std::shared_ptr<ticket_slot>>& leaving) const {
  // Only the slot the map holds counts: a copy read for one use is not
  // kept. The map is read without its shard's lock: it changes only under
  // budget_mutex too, which is held.
  const hashed_id key(s.record.id);
  const std::shared_ptr<ticket_slot>* held = shard_of(key).tickets.find(key.id, key.hash);
  if (held == nullptr || held->get() != &s) return;
  drop_from_ring_locked(s);
  closed_order.push_back(s.record.id);
  while (closed_order.size() > closed_kept) {
    const std::string oldest = std::move(closed_order.front());
    closed_order.pop_front();
    // The slot's own lock is not held here: what it says of being closed
    // was settled by the commit that closed it, which nothing undoes. (It
    // may be in the open ring: kept as open while its row was rewritten.)
    evict_locked(oldest, leaving);
  }
}

std::size_t engine::impl::resident_count() const {
  // The maps change only under budget_mutex: held, the shards' sizes add
  // up to one moment's count.
  const std::shared_lock books = detail::spin_then_lock_shared(budget_mutex);
  std::size_t n = 0;
  for (const ticket_shard& part : shards) n += part.tickets.size();
  return n;
}

void engine::impl::resync(ticket_slot& s) const {
  auto stream = events->load(s.record.id);
  s.stale = !stream || stream->empty();
  if (s.stale) return;
  auto folded = detail::replay(cc, *stream);
  // What the store holds no longer folds: keep the record, re-read it next
  // time (and fail then, naming the event).
  s.stale = !folded;
  if (folded) s.record = std::move(*folded);
}

result<void> engine::impl::reload_if_stale(ticket_slot& s) const {
  if (!s.stale) return {};
  auto stream = events->load(s.record.id);
  if (!stream || stream->empty())
    return fail(errc::io_error, "ticket " + s.record.id + ": cannot re-read it from the store");
  auto folded = detail::replay(cc, *stream);
  if (!folded) return fail(folded.error());
  s.record = std::move(*folded);
  s.stale = false;
  return {};
}

// One head() read, and a reload only when another engine moved the ticket.
// A store only this engine writes needs neither.
result<void> engine::impl::refresh(ticket_slot& s) const {
  if (auto ok = reload_if_stale(s); !ok) return ok;
  if (!events->shared()) return {};
  auto h = events->head(s.record.id);
  if (!h) return fail(std::move(h).error().with_context("ticket " + s.record.id));
  if (h->version != s.record.version || h->head != s.record.head) resync(s);
  return {};
}

result<void> engine::impl::commit(ticket_slot& s, command& cmd) {
  if (cmd.size() == 0) return {};
  if (cmd.fault) {
    // The engine built an event its own fold refuses: store nothing.
    resync(s);
    return fail(errc::invalid_definition,
                "ticket " + s.record.id + ": the command cannot be replayed: " + cmd.fault->message());
  }
  const event_hash head = seal(cmd.events(), cmd.base_head);
  // Built per commit, not kept per ticket: a resident ticket would hold a
  // second copy of its strings (about 400 bytes) for nothing measurable.
  // Into the command's buffer, its strings reused from command to command
  // (the store reads it during append only: store.hpp, append_request);
  // not one per thread, which a command run from within the append (a
  // store calling the engine) would write over.
  ticket_summary& summary = cmd.summary();
  s.record.summary_into(summary);
  // The events are not used after this: the store may keep them as they are.
  auto stored = events->append(
      append_request{s.record.id, cmd.base_version, cmd.events(), &summary, cmd.movable()});
  if (!stored) {
    resync(s);
    return fail(std::move(stored).error().with_context("ticket " + s.record.id));
  }
  s.record.head = head;
  if (s.row_forged) {
    // The append rewrote the summary row from the trail.
    s.row_forged = false;
    const std::lock_guard lock(quarantine_mutex);
    if (const auto it = quarantine.find(s.record.id); it != quarantine.end() && it->second.served)
      quarantine.erase(it);
  }
  return {};
}

}  // namespace tierflow
