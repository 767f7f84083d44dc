// SPDX-License-Identifier: MIT
// The in-memory store: per ticket its events as compact records
// (compact_trail.hpp) in a chain of pooled blocks (block_trail.hpp) and its
// latest summary (packed_summary.hpp); the
// streams split over shards with a lock each, every index but the
// customers' kept in the shard of the tickets it holds (a query merges the
// shards' parts), and the customer lists in shards of their own by customer.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/memory_store.hpp>

#include "store/append_checks.hpp"
#include "store/memory/block_trail.hpp"
#include "store/memory/compact_trail.hpp"
#include "store/memory/customer_table.hpp"
#include "store/memory/intern_table.hpp"
#include "store/memory/packed_summary.hpp"
#include "store/memory/slot_prefetch.hpp"
#include "store/id_hash.hpp"
#include "store/same_text.hpp"
#include "store/spin_then_lock.hpp"

namespace tierflow {
namespace {

namespace trail_codec = detail::compact_trail;
using detail::customer_list;
using detail::customer_table;
using detail::id_hash_of;
using detail::packed_summary;

// --- Index orders ---------------------------------------------------------------------
// The indexes hold pointers to summaries, which live in their streams and
// never move (the time-ordered ones the time beside it). Every order ends
// with the ticket id, which is unique, so no two summaries are equivalent
// and the orders are total: the shards' parts of an index merge into
// exactly the order one index would have. Ids compare as integers first
// (packed_summary::id_before).

struct unit_region {
  std::string_view unit;
  std::string_view region;
};

// An entry of a time-ordered index (queues, timers): the summary and its
// time there, kept in the node so that a search down the tree compares
// times without loading a summary per level (each one a cache miss in a
// large store); only equal times read the summaries' ids. The time is the
// summary's (queue_time, timer_time) when the entry is made or moved; an
// append that changes it leaves the entry, with its old time, where that
// time puts it until a read settles it (shard::unsettled).
struct timed_entry {
  // Mutable for rekey_in_place alone, which changes it only where the
  // order stays as it was.
  mutable timestamp at{};
  const packed_summary* summary = nullptr;
};

// (time, ticket id): unique, since ids are.
struct timed_order {
  bool operator()(const timed_entry& a, const timed_entry& b) const noexcept {
    if (a.at != b.at) return a.at < b.at;
    return packed_summary::id_before(*a.summary, *b.summary);
  }
};

// Queues are two-level: one ordered set per (unit, region), so moving a
// ticket within its queue compares timestamps and ids, not unit names.
// Tickets without a deadline sort after every real one (queue_time).
using queue_set = std::set<timed_entry, timed_order>;

struct queue_name_less {
  using is_transparent = void;
  using name = std::pair<std::string, std::string>;
  static auto view(const name& n) noexcept {
    return std::pair<std::string_view, std::string_view>(n.first, n.second);
  }
  static auto view(const unit_region& n) noexcept {
    return std::pair<std::string_view, std::string_view>(n.unit, n.region);
  }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    return view(a) < view(b);
  }
};
using queue_map = std::map<queue_name_less::name, queue_set, queue_name_less>;

// The time a summary that will be `s` sorts by in its queue, and in the
// due index (only summaries with a next_timer are there).
timestamp queue_time(const ticket_summary& s) noexcept { return s.nearest_due.value_or(timestamp::max()); }
timestamp timer_time(const ticket_summary& s) noexcept { return s.next_timer.value_or(timestamp{}); }

struct id_less {
  bool operator()(const packed_summary* a, const packed_summary* b) const noexcept {
    return packed_summary::id_before(*a, *b);
  }
};

using due_index = std::set<timed_entry, timed_order>;
// Ordered by id, which the engine hands out in increasing order: a new
// ticket goes at the end (the hint finds it there, on the tree's hot right
// spine); closing one erases by position.
using open_index = std::set<const packed_summary*, id_less>;

bool in_queue(const ticket_summary& s) noexcept { return !s.closed; }
bool in_queue(const packed_summary& s) noexcept { return !s.closed(); }
bool in_due(const ticket_summary& s) noexcept { return s.next_timer.has_value(); }
bool in_due(const packed_summary& s) noexcept { return s.next_timer().has_value(); }

// A set node holding `value`, allocated now so that inserting it later cannot
// throw (inserting a node handle allocates nothing).
template <class Set>
typename Set::node_type make_node(const typename Set::value_type& value) {
  Set one;
  one.insert(value);
  return one.extract(one.begin());
}

// Gives the entry at `it` of `set` the time `at` in place when that keeps
// it where it is (its neighbours still before and after it): no node
// moved, no search, no rebalancing; the usual case where a deadline moves
// a little. False, changing nothing, when it would move.
template <class Set>
bool rekey_in_place(const Set& set, typename Set::const_iterator it, timestamp at) noexcept {
  const timed_entry moved{at, it->summary};
  const timed_order less{};
  // A later time stays after the neighbour before (which was before the
  // old one), an earlier one before the neighbour after: one neighbour to
  // read.
  if (it->at < at) {
    if (const auto after = std::next(it); after != set.end() && !less(moved, *after)) return false;
  } else if (it != set.begin() && !less(*std::prev(it), moved)) {
    return false;
  }
  it->at = at;
  return true;
}

// The summary an index entry names.
const packed_summary* summary_of(const packed_summary* s) noexcept { return s; }
const packed_summary* summary_of(const timed_entry& e) noexcept { return e.summary; }

// Calls `take` with the summaries of `sets`' elements (each ordered by its set's
// comparison, none in two of them, null for none) in that one order, until
// it returns false: the shards' parts of an index read as one index. A
// linear pick of the least head: a handful of parts.
template <class Set, std::size_t N, class Take>
void merge_parts(const std::array<const Set*, N>& sets, Take take) {
  using iterator = typename Set::const_iterator;
  std::array<iterator, N> at{};
  std::array<iterator, N> end{};
  std::size_t live = 0;
  for (const Set* set : sets) {
    if (set == nullptr || set->empty()) continue;
    at[live] = set->begin();
    end[live] = set->end();
    ++live;
  }
  const typename Set::key_compare less{};
  while (live > 0) {
    std::size_t least = 0;
    for (std::size_t i = 1; i < live; ++i)
      if (less(*at[i], *at[least])) least = i;
    if (!take(summary_of(*at[least]))) return;
    if (++at[least] == end[least]) {
      --live;
      at[least] = at[live];
      end[least] = end[live];
    }
  }
}

// --- Memory accounting ----------------------------------------------------------------

// What a red-black tree node costs beyond its value, roughly (three pointers
// and the colour, plus allocator rounding); a hash node with its share of the
// bucket array costs about as much.
constexpr std::size_t index_node_bytes = 64;

// The heap bytes of a string: none while its text fits inside the object.
std::size_t heap_bytes(const std::string& s) noexcept {
  const auto* self = reinterpret_cast<const char*>(&s);
  const std::less<const char*> before{};
  const bool inline_text = !before(s.data(), self) && before(s.data(), self + sizeof s);
  return inline_text ? 0 : s.capacity() + 1;
}

// What a heap block costs beyond its bytes (glibc malloc), roughly.
constexpr std::size_t heap_block_bytes = 16;

std::size_t summary_bytes(const packed_summary& s) noexcept {
  // The object is in its stream (counted with the stream's arena): its
  // text block.
  std::size_t n = s.heap_bytes();
  // Open and queue nodes, and a due node when it has a timer (the customer
  // lists are counted per customer shard).
  n += index_node_bytes * ((in_queue(s) ? 2 : 0) + (in_due(s) ? 1 : 0));
  return n;
}

// What load(), head() and append() answer for a released trail.
std::string released_message(std::string_view ticket_id) {
  return fmt::format("ticket {}: trail released", ticket_id);
}

// `refusal`, of a request whose events' strings were not checked yet, or
// the text check's when one of them is not storable: every other store
// checks them first (check_append_ids), so a request with a bad string is
// refused for it whatever else is wrong with it, here too.
result<void> refused(const append_request& request, result<void> refusal) {
  if (auto text = detail::check_append_text(request); !text) return text;
  return refusal;
}

}  // namespace

struct memory_store::impl {
  static constexpr std::uint32_t not_unsettled = std::numeric_limits<std::uint32_t>::max();

  struct stream {
    std::string id;
    // The events' records (compact_trail.hpp) in blocks of the shard's
    // pool (block_trail.hpp), each ending with its hash: the head is the
    // last 32 bytes of the last block. Empty only for a ticket whose trail
    // was released (an append stores at least one event): released()
    // tells, without a flag in every stream.
    detail::block_trail trail;
    // The number of events (the stream's version) and the last one's time,
    // which the next record's time is written against.
    std::uint64_t length = 0;
    timestamp last_time{};
    // The ticket's summary (has_summary; not for streams that are not
    // tickets), here since streams never move, so the indexes can point at
    // it: no block of its own to allocate and free, and next to the rest.
    packed_summary summary;
    bool has_summary = false;
    // Where the stream is in its shard's list of unsettled streams (one
    // whose queue or due entry may still hold an older time than its
    // summary), not_unsettled when it is not there. Beside has_summary, in
    // what was padding: no byte more per stream.
    std::uint32_t unsettled_at = not_unsettled;
    // The summary's customer id's id_hash_of (while has_summary): a ticket
    // keeps its customer, and its next append then hashes no customer id.
    std::uint64_t customer_hash = 0;
    // The queue the summary is in and where it sits there, in the due index
    // and in the open index, valid while it is in them (in_queue, in_due):
    // taking it out or moving it costs no search of a tree that grows with
    // the tickets.
    queue_set* queue = nullptr;
    queue_set::iterator queue_at{};
    due_index::iterator due_at{};
    open_index::iterator open_at{};
    bool released() const noexcept { return has_summary && trail.empty(); }
    event_hash head() const noexcept { return trail.head(); }
  };

  // A shard's streams, in chunks that never move (the lookup table points
  // into them) and are freed whole: no node per stream to allocate on an
  // open or to free at teardown. Streams are never removed.
  class stream_arena {
   public:
    static constexpr std::size_t chunk_size = 64;

    /// Room for one more stream (a new chunk when the last is full). May
    /// throw; then changes nothing.
    void make_room() {
      if (size_ < chunks_.size() * chunk_size) return;
      auto chunk = std::make_unique<stream[]>(chunk_size);
      chunks_.push_back(std::move(chunk));
    }
    /// The stream push() fills next (still empty); make_room() came first.
    stream& next_slot() noexcept { return chunks_[size_ / chunk_size][size_ % chunk_size]; }
    /// The next stream, named `id`; make_room() came first.
    stream& push(std::string&& id) noexcept {
      stream& s = chunks_[size_ / chunk_size][size_ % chunk_size];
      s.id = std::move(id);
      ++size_;
      return s;
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] const stream& operator[](std::size_t i) const noexcept {
      return chunks_[i / chunk_size][i % chunk_size];
    }
    /// Heap bytes held: the chunks, used or not, and their list.
    [[nodiscard]] std::size_t heap_bytes() const noexcept {
      return chunks_.size() * (chunk_size * sizeof(stream) + heap_block_bytes) +
             chunks_.capacity() * sizeof(void*);
    }

   private:
    std::vector<std::unique_ptr<stream[]>> chunks_;
    std::size_t size_ = 0;
  };

  // A shard's streams by id: open addressing, linear probing, a power of two
  // slots at most half full, each slot the id's hash and the stream. A
  // lookup is the hash (computed once per call, with the shard's choice)
  // and one or two slots; growing moves slots by their kept hash, without
  // hashing an id again.
  class stream_table {
   public:
    [[nodiscard]] stream* find(std::string_view id, std::uint64_t hash) const noexcept {
      if (slots_.empty()) return nullptr;
      const std::size_t mask = slots_.size() - 1;
      for (auto i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
        const slot& s = slots_[i];
        if (s.at == nullptr) return nullptr;
        if (s.hash == hash && detail::same_text(s.at->id, id)) return s.at;
      }
    }
    /// Starts loading the slot a lookup of an id hashing to `hash` begins
    /// at, before the shard's lock is taken: with many streams it is a
    /// cache miss, which then overlaps the append's first checks and the
    /// lock. Callable without the lock (slot_prefetch.hpp).
    void prefetch(std::uint64_t hash) const noexcept { where_.prefetch(hash); }
    /// Room for one more stream, so that insert cannot allocate: the slots
    /// double when they would be more than half full. May throw; then
    /// changes nothing.
    void make_room_for_one() {
      if (2 * (count_ + 1) <= slots_.size()) return;
      std::vector<slot> bigger(std::max<std::size_t>(16, 2 * slots_.size()));
      for (const slot& s : slots_)
        if (s.at != nullptr) place(bigger, s);
      slots_.swap(bigger);
      where_.publish(slots_);
    }
    /// Adds `s`, whose id hashes to `hash` and is not in the table yet;
    /// make_room_for_one() came first.
    void insert(std::uint64_t hash, stream* s) noexcept {
      place(slots_, slot{hash, s});
      ++count_;
    }
    [[nodiscard]] std::size_t heap_bytes() const noexcept {
      return slots_.capacity() == 0 ? 0 : slots_.capacity() * sizeof(slot) + heap_block_bytes;
    }

   private:
    struct slot {
      std::uint64_t hash = 0;
      stream* at = nullptr;
    };
    static void place(std::vector<slot>& slots, const slot& s) noexcept {
      const std::size_t mask = slots.size() - 1;
      auto i = static_cast<std::size_t>(s.hash) & mask;
      while (slots[i].at != nullptr) i = (i + 1) & mask;
      slots[i] = s;
    }
    std::vector<slot> slots_;
    std::size_t count_ = 0;
    // Where slots_ holds its slots, for prefetch() without the lock.
    detail::slot_prefetch<slot> where_;
  };

  // The new index nodes of one summary (for the indexes it enters; one that
  // moves within an index takes its own node along), allocated before
  // anything changes.
  struct index_nodes {
    queue_set::node_type queue;
    due_index::node_type due;
    open_index::node_type open;
  };

  // A part of the streams (by a hash of the id) under a lock of its own,
  // with everything a ticket's append reads and writes apart from the
  // customer lists: its trail, its intern table (per shard, so that encoding
  // takes no shared lock; the vocabulary is small, and each shard keeps its
  // own copy), its summary, and the shard's part of the queue, due and open
  // indexes. An append takes one shard's lock (and its customer's): appends
  // to tickets of different shards run at once; a query of an index reads
  // every shard's part under all their locks. Aligned apart, so that two
  // threads' locks do not share a cache line.
  struct alignas(64) shard {
    mutable std::shared_mutex mutex;
    stream_arena streams;
    stream_table table;
    // The strings the trails name by number (compact_trail.hpp).
    detail::intern_table names;
    trail_codec::hints guesses;
    // The blocks of the streams' trails, and the spare ones (a released
    // trail's, reused by the next appends).
    detail::block_pool blocks;
    // This shard's tickets in the indexes.
    queue_map queues;
    due_index timers;
    open_index open;
    // The streams' trails' blocks and ids beyond their arena slots, the
    // summaries and their index nodes. Spare blocks are not counted: like
    // the memory malloc keeps after a free, they are the next trails' (a
    // released trail's bytes leave the count).
    std::size_t bytes = 0;

    std::size_t memory_bytes() const noexcept {
      const std::size_t list_bytes =
          unsettled.capacity() == 0 ? 0 : unsettled.capacity() * sizeof(stream*) + heap_block_bytes;
      return bytes + streams.heap_bytes() + table.heap_bytes() + names.heap_bytes() + guesses.heap_bytes() +
             list_bytes;
    }

    // The queue set of (unit, region), made when it is new (may throw; an
    // empty set answers like none).
    queue_set& queue_named(std::string_view unit, std::string_view region) {
      if (const auto found = queues.find(unit_region{unit, region}); found != queues.end()) return found->second;
      return queues.try_emplace(queue_name_less::name(unit, region)).first->second;
    }

    // The ticket whose entry this shard last put into a queue, and into
    // the due index (null for none yet): the next entry with the same time
    // often goes right after it (tickets worked in id order whose
    // deadlines or timers are set from the same "now" by the same rule).
    const stream* last_queued = nullptr;
    const stream* last_timed = nullptr;

    // The streams whose queue or due entry may hold an older time than
    // their summary: an append that changes a ticket's deadline or timer
    // (and keeps it in the same queue) leaves its entries where they are
    // and lists the stream here, once; the entries move to their times
    // when an index is read (settle). A ticket whose deadline or timer
    // changes several times between two reads moves once, and one that
    // closes before the next read not at all (it leaves the list): with
    // many tickets each move is a walk among nodes no cache holds, and the
    // engine's appends seldom meet a read of the queues. An entry whose
    // time is old still sits where that time puts it, so every tree stays
    // ordered by what its nodes hold.
    std::vector<stream*> unsettled;
    // Held by a query that settles this shard under its read lock (no
    // append runs then; two queries must not settle at once, nor read
    // while the other settles).
    std::mutex settling;
    // Whether the list may hold a stream: set by the append that lists one
    // (under the shard's write lock), cleared by settle (released, so that
    // a query that finds it clear sees the settled trees): a query of a
    // shard with nothing to settle takes no mutex.
    std::atomic<bool> any_unsettled{false};

    // Room to list `st` as unsettled without allocating (may throw; then
    // changes nothing): the list doubles when full.
    void make_room_to_unsettle(const stream& st) {
      if (st.unsettled_at != not_unsettled || unsettled.size() < unsettled.capacity()) return;
      unsettled.reserve(std::max<std::size_t>(16, 2 * unsettled.capacity()));
    }

    // Lists `st` as unsettled (make_room_to_unsettle came first).
    void unsettle(stream& st) noexcept {
      if (st.unsettled_at != not_unsettled) return;
      // More than the position's type can number (not with any memory
      // there is): settled now instead.
      if (unsettled.size() == not_unsettled) settle();
      st.unsettled_at = static_cast<std::uint32_t>(unsettled.size());
      unsettled.push_back(&st);
      any_unsettled.store(true, std::memory_order_relaxed);
    }

    // Takes `st`, which has no queue or due entry any more, off the list
    // (the last one takes its place).
    void forget_unsettled(stream& st) noexcept {
      if (st.unsettled_at == not_unsettled) return;
      stream* const last = unsettled.back();
      unsettled[st.unsettled_at] = last;
      last->unsettled_at = st.unsettled_at;
      unsettled.pop_back();
      st.unsettled_at = not_unsettled;
    }

    // Moves the listed streams' entries to their summaries' times (kept in
    // place when the neighbours allow), and empties the list. Allocates
    // nothing.
    void settle() noexcept {
      for (stream* st : unsettled) {
        st->unsettled_at = not_unsettled;
        if (st->queue != nullptr) {
          const timestamp at = st->summary.queue_time();
          if (st->queue_at->at != at && !rekey_in_place(*st->queue, st->queue_at, at)) {
            queue_set::node_type node = st->queue->extract(st->queue_at);
            node.value().at = at;
            place_queue(*st, st->queue, std::move(node));
          }
        }
        if (in_due(st->summary)) {
          const timestamp at = st->summary.timer_time();
          if (st->due_at->at != at && !rekey_in_place(timers, st->due_at, at)) {
            due_index::node_type node = timers.extract(st->due_at);
            node.value().at = at;
            place_due(*st, std::move(node));
          }
        }
      }
      unsettled.clear();
      any_unsettled.store(false, std::memory_order_release);
    }

    // settle() for a query, which holds this shard's read lock.
    void settle_to_read() {
      if (!any_unsettled.load(std::memory_order_acquire)) return;
      const std::lock_guard hold(settling);
      settle();
    }

    // Inserts `node` (of `st`'s summary) into `to` and notes where. With a
    // hint that usually holds, O(1) then (a wrong one costs two
    // comparisons more): the place after the shard's last entry in that
    // index when the times are equal, else the end (ids, and deadlines and
    // timers set from "now", grow).
    void place_queue(stream& st, queue_set* to, queue_set::node_type&& node) noexcept {
      const bool after_last = last_queued != nullptr && last_queued != &st && last_queued->queue == to;
      const auto hint = hint_for(*to, node.value(), after_last ? &last_queued->queue_at : nullptr);
      st.queue = to;
      st.queue_at = to->insert(hint, std::move(node));
      last_queued = &st;
    }
    void place_due(stream& st, due_index::node_type&& node) noexcept {
      const bool after_last =
          last_timed != nullptr && last_timed != &st && last_timed->has_summary && in_due(last_timed->summary);
      const auto hint = hint_for(timers, node.value(), after_last ? &last_timed->due_at : nullptr);
      st.due_at = timers.insert(hint, std::move(node));
      last_timed = &st;
    }

    // Inserts the nodes of `st`'s summary (into `to_queue` for the queue's)
    // and notes their positions.
    void index(index_nodes& nodes, stream& st, queue_set* to_queue) noexcept {
      if (!nodes.queue.empty()) place_queue(st, to_queue, std::move(nodes.queue));
      if (!nodes.open.empty()) st.open_at = open.insert(open.end(), std::move(nodes.open));
      if (!nodes.due.empty()) place_due(st, std::move(nodes.due));
    }

    // Where to hint an insert of `entry` into `set`: just after `last` (an
    // entry of `set` other than the one inserted, or null) when it has the
    // same time (so `entry` sorts after it but for a lower id), else the
    // end. A guess after `last` for other times missed more often than it
    // hit, measured.
    static queue_set::const_iterator hint_for(const queue_set& set, const timed_entry& entry,
                                              const queue_set::iterator* last) noexcept {
      if (last == nullptr || (*last)->at != entry.at) return set.end();
      return std::next(queue_set::const_iterator(*last));
    }
  };

  // Enough that two threads seldom meet on one (the machines have a few
  // cores); each costs its vocabulary, a few dozen kilobytes, and a query
  // of an index merges this many parts.
  static constexpr unsigned shard_bits = 3;
  static constexpr std::size_t shard_count = std::size_t{1} << shard_bits;
  static_assert(shard_bits >= 1 && shard_bits <= 8);
  std::array<shard, shard_count> shards;

  static std::size_t shard_index(std::uint64_t hash) noexcept {
    return static_cast<std::size_t>(hash >> (64U - shard_bits));
  }
  const shard& shard_of(std::string_view id) const noexcept { return shards[shard_index(id_hash_of(id))]; }

  // Every shard locked for reading, in shard order: a view of the whole
  // indexes as they stand between appends. An append holds one shard's
  // lock (then customer locks, which no holder of these waits for), so
  // this cannot deadlock with it.
  using shard_read_locks = std::array<std::shared_lock<std::shared_mutex>, shard_count>;
  shard_read_locks read_every_shard() const {
    shard_read_locks locks;
    for (std::size_t i = 0; i < shard_count; ++i) locks[i] = detail::spin_then_lock_shared(shards[i].mutex);
    return locks;
  }

  // The customer lists, in shards by a hash of the customer id, each under
  // a lock of its own: a ticket's append takes its customer's shard (two
  // when the ticket changes customer, in shard order) after its stream's,
  // for the list and for the summary, which a customer query reads under
  // this lock alone (so a summary is written under both its locks).
  struct alignas(64) customer_shard {
    mutable std::shared_mutex mutex;
    customer_table customers;
    // The lists' heap bytes (the slot array is counted on reading).
    std::size_t bytes = 0;
  };
  std::array<customer_shard, shard_count> customer_shards;

  // `hash` is the customer id's id_hash_of: it picks the shard (top bits)
  // and the slot in its table (low bits).
  customer_shard& customer_shard_of(std::uint64_t hash) noexcept { return customer_shards[shard_index(hash)]; }
  const customer_shard& customer_shard_of(std::uint64_t hash) const noexcept {
    return customer_shards[shard_index(hash)];
  }

  // Outside the locks: handing out numbers does not touch the streams.
  std::atomic<std::uint64_t> last_ticket_number{0};

  // What every release_trail overload does around its reading: the
  // ticket's shard locked, the stream found and checked
  // (check_releasable), then `read(part, stream)` (may throw, and then
  // nothing changed in the store), then the trail's blocks given back to
  // the shard's pool, for the next trails.
  template <class Read>
  result<void> release(std::string_view ticket_id, Read read);

  // The customer lists an append changes, made ready (room reserved in the
  // list, or in the table for a new customer) before anything changes.
  struct customer_move {
    customer_shard* from_part = nullptr;
    customer_table::entry* from = nullptr;  // loses the ticket (its old key)
    customer_shard* to_part = nullptr;      // set: the ticket joins a list
    customer_table::entry* to = nullptr;    // gains it (its new key); null: a new customer
    std::uint64_t to_hash = 0;              // the new customer's id hash
    std::size_t from_before = 0;            // what the lists held
    std::size_t to_before = 0;
  };

  // Readies the move of a ticket out of its list in `from_part` (`from` is
  // its current summary, its customer id hashing to `from_hash`; null for a
  // new ticket) into the list of `customer_id` (hashing to `to_hash`) in
  // `to_part`: finds that list and reserves room in it, or room in the
  // table for a new customer's (added at the commit: a new customer, the
  // common case, costs one lookup and no allocation). Under both shards'
  // locks. May throw; changes nothing a query sees.
  static customer_move prepare_customer(customer_shard* from_part, const packed_summary* from,
                                        std::uint64_t from_hash, customer_shard& to_part,
                                        std::string_view customer_id, std::uint64_t to_hash) {
    customer_move move;
    move.to_part = &to_part;
    move.to_hash = to_hash;
    move.to = to_part.customers.find(customer_id, to_hash);
    // Growing the table moves its entries: before `from` is looked up.
    if (move.to == nullptr) to_part.customers.make_room_for_one();
    if (from != nullptr) {
      move.from_part = from_part;
      move.from = from_part->customers.find(from->customer_id(), from_hash);
      move.from_before = move.from->list.heap_bytes();
    }
    if (move.to != nullptr) {
      move.to_before = move.to == move.from ? move.from_before : move.to->list.heap_bytes();
      // Moving within one list (a new opened_at) frees the place it takes.
      if (move.to != move.from) move.to->list.make_room();
    }
    return move;
  }

  // Takes `s` out of `move.from` while `s` still has its old key.
  static void leave_customer(const customer_move& move, const packed_summary* s) noexcept {
    if (move.from != nullptr) move.from->list.erase(s);
  }

  // Puts `s` (with its new key) into `move.to`, whose room was reserved (a
  // new customer's entry is added now); drops an entry left empty; keeps
  // the shards' byte counts. The new entry is added before the emptied one
  // is erased: adding moves no entry, erasing may.
  static void join_customer(const customer_move& move, const packed_summary* s) noexcept {
    customer_list& to = move.to != nullptr ? move.to->list : move.to_part->customers.add(move.to_hash);
    to.insert(s);
    move.to_part->bytes = move.to_part->bytes - move.to_before + to.heap_bytes();
    if (move.from != nullptr && move.from != move.to) {
      move.from_part->bytes -= move.from_before;
      if (move.from->list.empty()) {
        move.from_part->customers.erase(move.from);
      } else {
        move.from_part->bytes += move.from->list.heap_bytes();
      }
    }
  }

  // The index nodes of a summary that enters the indexes as `next`, at
  // `s`; they need no lock.
  static index_nodes make_nodes(const ticket_summary& next, const packed_summary* s) {
    index_nodes nodes;
    if (in_queue(next)) {
      nodes.queue = make_node<queue_set>({queue_time(next), s});
      nodes.open = make_node<open_index>(s);
    }
    if (in_due(next)) nodes.due = make_node<due_index>({timer_time(next), s});
    return nodes;
  }
};

memory_store::memory_store() : impl_(std::make_unique<impl>()) {}
memory_store::~memory_store() = default;

result<void> memory_store::append(const append_request& request) {
  // These need no stored state, so they run before taking a lock. The
  // strings are checked under it, each only when the store does not hold
  // it already (what it holds was checked before it was stored): the
  // events' as they are encoded, when the shard's intern table does not
  // hold them (most of an event's strings are ids, keys and values it
  // holds); the ticket id for a new stream; the summary's texts that
  // differ from the ones it replaces (a command changes one or two).
  //
  // First, the slots the append will look up start loading (with many
  // tickets each is a cache miss), to overlap these checks, the lock and
  // (the customer's) the encoding: the stream's, and for a new ticket its
  // customer's (a ticket that has one keeps its customer: its append
  // seldom looks the customer up).
  const std::uint64_t hash = id_hash_of(request.ticket_id);
  impl::shard& part = impl_->shards[impl::shard_index(hash)];
  part.table.prefetch(hash);
  std::optional<std::uint64_t> new_customer_hash;
  if (request.expected_version == 0 && request.summary != nullptr) {
    new_customer_hash = id_hash_of(request.summary->customer_id);
    impl_->customer_shard_of(*new_customer_hash).customers.prefetch(*new_customer_hash);
  }
  if (auto ok = detail::check_append_ids_but_text(request); !ok) return ok;
  if (request.summary != nullptr &&
      packed_summary::text_bytes(*request.summary) > packed_summary::max_text_bytes) {
    return refused(request, fail(errc::invalid_argument,
                                 fmt::format("ticket {}: summary: its texts exceed the memory store's {} bytes",
                                             request.ticket_id, packed_summary::max_text_bytes)));
  }

  const std::unique_lock lock = detail::spin_then_lock(part.mutex);
  impl::stream* existing = part.table.find(request.ticket_id, hash);
  if (existing != nullptr && existing->released())
    return refused(request, fail(errc::not_found, released_message(request.ticket_id)));
  // The stream's head, in its last block, which the append writes next:
  // loading starts now and overlaps the encoding below.
  if (existing != nullptr) existing->trail.prefetch_head();
  if (auto ok = detail::check_append_version(request, existing == nullptr ? 0 : existing->length); !ok)
    return refused(request, std::move(ok));
  // The texts not checked yet (every refusal above checked them all first,
  // see refused()): a bad one is refused with check_append_text's message,
  // which names the request's first bad string, an event's before the
  // summary's, as every store does.
  const packed_summary* const held =
      existing != nullptr && existing->has_summary ? &existing->summary : nullptr;
  std::uint32_t summary_changes = packed_summary::all_texts;
  if (request.summary != nullptr && held != nullptr) summary_changes = held->changed_texts(*request.summary);
  if ((existing == nullptr && !detail::is_storable_text(request.ticket_id)) ||
      (request.summary != nullptr && !packed_summary::texts_storable(*request.summary, summary_changes))) {
    return detail::check_append_text(request);
  }

  // Allocate everything first (may throw std::bad_alloc, changes nothing a
  // query sees: new intern table entries are not named by any trail yet).
  // The records first: encoded once, into the thread's kept scratch buffer
  // (not the shard's: a buffer every thread wrote in turn moved between
  // the cores' caches a few hundred bytes an append; a thread's stays in
  // its core's). Encoded before the other checks, which then find the
  // stream's head loaded: a request they refuse is refused as it would
  // have been (a string that is not storable text decides the refusal
  // whatever else is wrong, see refused()), and the table entries its
  // good strings may have added are named by no record.
  // A new ticket's customer shard is locked now (after the stream's, as
  // always), not just before its list is readied: what a lookup of the
  // customer's list reads beyond its slot (the array of its tickets, then
  // the first one's summary, which holds the id the lookup compares, then
  // that id's bytes; and the last one's, which the new ticket goes after)
  // are cache misses one after another with many tickets, and they load
  // while the append encodes and readies the rest. The list is a guess
  // (customer_table::probable) until prepare_customer finds it.
  std::array<std::unique_lock<std::shared_mutex>, 2> customer_locks;
  const customer_list* probable_customer = nullptr;
  if (existing == nullptr && new_customer_hash) {
    impl::customer_shard& to_part = impl_->customer_shard_of(*new_customer_hash);
    customer_locks[0] = detail::spin_then_lock(to_part.mutex);
    probable_customer = to_part.customers.probable(*new_customer_hash);
    if (probable_customer != nullptr) probable_customer->prefetch_ends();
  }
  thread_local std::vector<unsigned char> scratch;
  std::vector<unsigned char>& records = scratch;
  records.clear();
  timestamp previous = existing != nullptr ? existing->last_time : timestamp{};
  for (const event& e : request.events) {
    // A string that is not storable text: refused with check_append_text's
    // message (the one every store gives), the table holding none of it;
    // the message here is only a guard (both use is_storable_text, so the
    // full check finds the string too). The good strings of the events
    // encoded so far may have entered the table: no record names them.
    if (!trail_codec::encode(e, previous, part.names, part.guesses, records)) {
      return refused(request, fail(errc::invalid_argument,
                                   fmt::format("ticket {}: event {}: a text is not valid UTF-8 text (or holds a "
                                               "NUL byte)",
                                               request.ticket_id, e.sequence)));
    }
    previous = e.time;
  }
  if (probable_customer != nullptr) {
    const auto tickets = probable_customer->items();
    tickets.front()->prefetch();
    tickets.back()->prefetch();
  }
  const event_hash stored_head = existing == nullptr ? event_hash{} : existing->head();
  if (auto ok = detail::check_append_events(request, &stored_head); !ok) return refused(request, std::move(ok));
  if (auto ok = detail::check_append_summary(request, existing != nullptr && existing->has_summary); !ok)
    return refused(request, std::move(ok));
  std::string fresh_id;
  if (existing == nullptr) {
    part.streams.make_room();
    part.table.make_room_for_one();
    fresh_id.assign(request.ticket_id);
  }
  // A ticket's summary stays where the indexes point at (in its stream);
  // only the indexes whose key changes are touched (a transition usually
  // moves one or two of the four), which keeps appends cheap with many
  // tickets. Its text block is reused when the new texts fit (the usual
  // case); otherwise the summary is packed here, before the commit.
  const ticket_summary* const next = request.summary;
  packed_summary* current = existing != nullptr && existing->has_summary ? &existing->summary : nullptr;
  packed_summary* home = nullptr;
  std::optional<packed_summary> repacked;
  bool queue_moves = false, customer_moves = false, due_moves = false, same_customer = false;
  if (next != nullptr) {
    home = existing != nullptr ? &existing->summary : &part.streams.next_slot().summary;
    if (current == nullptr || !current->fits(*next)) repacked.emplace(*next);
    if (current != nullptr) {
      // current is `held`: summary_changes compared its texts already.
      queue_moves = in_queue(*current) && in_queue(*next) &&
                    ((summary_changes & packed_summary::queue_texts) != 0 ||
                     current->nearest_due() != next->nearest_due);
      same_customer = (summary_changes & packed_summary::customer_text) == 0;
      customer_moves = !same_customer || current->opened_at() != next->opened_at;
      due_moves = in_due(*current) && in_due(*next) && *current->next_timer() != *next->next_timer;
    } else {
      customer_moves = true;
    }
  }
  // Nodes for the indexes the summary enters, made for the summary as it
  // will be, at its address. One that moves from queue to queue takes its
  // own node along at the commit (extract, insert), and so does one that a
  // read settles later: no allocation, no free.
  impl::index_nodes nodes;
  if (current != nullptr) {
    if (in_queue(*next) && !in_queue(*current)) {
      nodes.queue = make_node<queue_set>({queue_time(*next), current});
      nodes.open = make_node<open_index>(current);
    }
    if (in_due(*next) && !in_due(*current)) nodes.due = make_node<due_index>({timer_time(*next), current});
  } else if (next != nullptr) {
    nodes = impl::make_nodes(*next, home);
  }
  // The queue set the ticket is in after the append, when it is in one.
  queue_set* to_queue = nullptr;
  if (next != nullptr && in_queue(*next)) {
    const bool same_queue = current != nullptr && in_queue(*current) &&
                            (summary_changes & packed_summary::queue_texts) == 0;
    to_queue = same_queue ? existing->queue : &part.queue_named(next->unit, next->region);
  }
  // A deadline that changes within its queue, and a timer that changes,
  // leave their entries where they are until an index is read: the stream
  // is listed as unsettled (room for it made now).
  const bool queue_settles_later = queue_moves && to_queue == existing->queue;
  if (queue_settles_later || due_moves) part.make_room_to_unsettle(*existing);
  // The blocks the records take beyond the room left in the stream's last
  // one (and the larger one it may move to), made spare in the shard's
  // pool now (a failure to allocate leaves the stream, and the byte count
  // that follows it, as it was): what the stream holds is never copied
  // but for its last block's few bytes when it moves to a larger class.
  // The events were encoded, not kept: request.movable is not needed (the
  // caller's vector is left as it was).
  // A closed ticket's trail is fitted: it is not expected to grow (only
  // its release, or a reopening, follows).
  if (probable_customer != nullptr) probable_customer->items().front()->prefetch_customer_id();
  const bool fit = request.summary != nullptr && request.summary->closed;
  const std::size_t trail_before = existing != nullptr ? existing->trail.heap_bytes() : 0;
  part.blocks.make_room(existing != nullptr ? existing->trail.blocks_needed(records.size(), fit)
                                            : detail::block_trail{}.blocks_needed(records.size(), fit));
  // A ticket's customer list, and the summary a customer query reads under
  // its lock alone: the customer's shard, after the stream's (two when the
  // ticket changes customer, in shard order). A stream without a summary
  // takes none (a new ticket's was locked before the encoding).
  impl::customer_move customer;
  // The new summary's customer id's hash (the stream keeps it).
  std::uint64_t to_hash = 0;
  if (next != nullptr) {
    const std::uint64_t from_hash = current != nullptr ? existing->customer_hash : 0;
    to_hash = same_customer ? from_hash : new_customer_hash ? *new_customer_hash : id_hash_of(next->customer_id);
    impl::customer_shard& to_part = impl_->customer_shard_of(to_hash);
    impl::customer_shard* from_part = current != nullptr ? &impl_->customer_shard_of(from_hash) : nullptr;
    impl::customer_shard* first = &to_part;
    impl::customer_shard* second = nullptr;
    if (from_part != nullptr && from_part != &to_part) {
      first = std::min(from_part, &to_part, std::less<>{});
      second = std::max(from_part, &to_part, std::less<>{});
    }
    if (!customer_locks[0].owns_lock()) customer_locks[0] = detail::spin_then_lock(first->mutex);
    if (second != nullptr) customer_locks[1] = detail::spin_then_lock(second->mutex);
    if (customer_moves)
      customer = impl::prepare_customer(from_part, current, from_hash, to_part, next->customer_id, to_hash);
  }

  // Commit starts here: swaps, copies into reserved room, pointer swaps and
  // node moves only; none can throw.
  std::size_t added = 0;
  std::size_t removed = 0;
  impl::stream* target = existing;
  if (target == nullptr) {
    target = &part.streams.push(std::move(fresh_id));
    part.table.insert(hash, target);
    added += heap_bytes(target->id);
  }
  target->trail.append(records, part.blocks, fit);
  added += target->trail.heap_bytes();
  removed += trail_before;
  target->length += request.events.size();
  target->last_time = request.events.back().time;
  if (current != nullptr) {
    // Out with the old keys, then change the summary in place.
    if (in_queue(*current) && !in_queue(*next)) {
      target->queue->erase(target->queue_at);
      part.open.erase(target->open_at);
      target->queue = nullptr;
    } else if (queue_moves && !queue_settles_later) {
      // To another queue: the node moves now, with its new time (a read
      // settles entries within their queues).
      nodes.queue = target->queue->extract(target->queue_at);
      nodes.queue.value().at = queue_time(*next);
    }
    if (in_due(*current) && !in_due(*next)) part.timers.erase(target->due_at);
    if (customer_moves) impl::leave_customer(customer, current);
    removed += summary_bytes(*current);
  }
  if (next != nullptr) {
    // `home` is target's summary (a new stream's slot was the arena's next).
    if (repacked) {
      *home = std::move(*repacked);
    } else {
      // Only the texts from the first one that changed on are copied.
      home->assign(*next, summary_changes);
    }
    target->has_summary = true;
    target->customer_hash = to_hash;
    added += summary_bytes(*home);
    part.index(nodes, *target, to_queue);
    if (queue_settles_later || due_moves) {
      part.unsettle(*target);
    } else if (!in_queue(*next) && !in_due(*next)) {
      part.forget_unsettled(*target);
    }
    if (customer.to_part != nullptr) impl::join_customer(customer, home);
  }
  part.bytes = part.bytes + added - removed;
  return {};
}

result<std::vector<event>> memory_store::load(std::string_view ticket_id) const {
  const std::uint64_t hash = id_hash_of(ticket_id);
  const impl::shard& part = impl_->shards[impl::shard_index(hash)];
  const std::shared_lock lock = detail::spin_then_lock_shared(part.mutex);
  const impl::stream* st = part.table.find(ticket_id, hash);
  if (st == nullptr) return std::vector<event>{};
  if (st->released()) return fail(errc::not_found, released_message(ticket_id));
  return trail_codec::decode(st->trail, ticket_id, part.names, static_cast<std::size_t>(st->length));
}

result<store::stream_head> memory_store::head(std::string_view ticket_id) const {
  const std::uint64_t hash = id_hash_of(ticket_id);
  const impl::shard& part = impl_->shards[impl::shard_index(hash)];
  const std::shared_lock lock = detail::spin_then_lock_shared(part.mutex);
  const impl::stream* st = part.table.find(ticket_id, hash);
  if (st == nullptr) return stream_head{};
  if (st->released()) return fail(errc::not_found, released_message(ticket_id));
  return stream_head{st->length, st->head()};
}

result<std::uint64_t> memory_store::next_ticket_number() {
  return impl_->last_ticket_number.fetch_add(1, std::memory_order_relaxed) + 1;
}

result<ticket_summary> memory_store::summary(std::string_view ticket_id) const {
  const std::uint64_t hash = id_hash_of(ticket_id);
  const impl::shard& part = impl_->shards[impl::shard_index(hash)];
  const std::shared_lock lock = detail::spin_then_lock_shared(part.mutex);
  const impl::stream* st = part.table.find(ticket_id, hash);
  if (st == nullptr) {
    return fail(errc::not_found, fmt::format("ticket {}: not found", ticket_id));
  }
  if (!st->has_summary) {
    return fail(errc::not_found, fmt::format("ticket {}: stream has no summary", ticket_id));
  }
  return st->summary.unpack();
}

result<std::vector<ticket_summary>> memory_store::queue(std::string_view unit,
                                                        std::string_view region) const {
  const auto locks = impl_->read_every_shard();
  std::array<const queue_set*, impl::shard_count> parts{};
  std::size_t total = 0;
  for (std::size_t i = 0; i < impl::shard_count; ++i) {
    impl_->shards[i].settle_to_read();
    const auto found = impl_->shards[i].queues.find(unit_region{unit, region});
    if (found == impl_->shards[i].queues.end()) continue;
    parts[i] = &found->second;
    total += found->second.size();
  }
  std::vector<ticket_summary> out;
  out.reserve(total);
  merge_parts(parts, [&out](const packed_summary* s) {
    out.push_back(s->unpack());
    return true;
  });
  return out;
}

result<std::vector<ticket_summary>> memory_store::customer_tickets(
    std::string_view customer_id) const {
  const std::uint64_t hash = id_hash_of(customer_id);
  const impl::customer_shard& part = impl_->customer_shard_of(hash);
  const std::shared_lock lock = detail::spin_then_lock_shared(part.mutex);
  std::vector<ticket_summary> out;
  const customer_table::entry* found = part.customers.find(customer_id, hash);
  if (found == nullptr) return out;
  const auto tickets = found->list.items();
  out.reserve(tickets.size());
  for (const packed_summary* s : tickets) out.push_back(s->unpack());
  return out;
}

result<std::vector<due_ticket>> memory_store::due(timestamp now, std::size_t limit) const {
  const auto locks = impl_->read_every_shard();
  std::array<const due_index*, impl::shard_count> parts{};
  for (std::size_t i = 0; i < impl::shard_count; ++i) {
    impl_->shards[i].settle_to_read();
    parts[i] = &impl_->shards[i].timers;
  }
  std::vector<due_ticket> out;
  merge_parts(parts, [&out, now, limit](const packed_summary* s) {
    const timestamp timer = s->timer_time();
    if (out.size() >= limit || timer > now) return false;
    out.push_back(due_ticket{std::string(s->ticket_id()), timer});
    return true;
  });
  return out;
}

result<std::vector<ticket_summary>> memory_store::open_tickets() const {
  const auto locks = impl_->read_every_shard();
  std::array<const open_index*, impl::shard_count> parts{};
  std::size_t total = 0;
  for (std::size_t i = 0; i < impl::shard_count; ++i) {
    parts[i] = &impl_->shards[i].open;
    total += parts[i]->size();
  }
  std::vector<ticket_summary> out;
  out.reserve(total);
  merge_parts(parts, [&out](const packed_summary* s) {
    out.push_back(s->unpack());
    return true;
  });
  return out;
}

result<std::vector<std::string>> memory_store::streams() const {
  std::vector<std::string> out;
  // Shard by shard: a stream is listed once its first append has returned
  // (each shard is read under its lock; streams are never removed).
  for (const impl::shard& part : impl_->shards) {
    const std::shared_lock lock = detail::spin_then_lock_shared(part.mutex);
    out.reserve(out.size() + part.streams.size());
    for (std::size_t i = 0; i < part.streams.size(); ++i) out.push_back(part.streams[i].id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

/// Nothing when the stream `s` (null when there is none) may give up its
/// trail, else why not: release_trail's errors, one text for every
/// overload.
template <class Stream>
result<void> check_releasable(const Stream* s, std::string_view ticket_id) {
  if (s == nullptr) {
    return fail(errc::not_found, fmt::format("ticket {}: not found", ticket_id));
  }
  if (!s->has_summary) {
    return fail(errc::not_found, fmt::format("ticket {}: stream has no summary", ticket_id));
  }
  if (s->released()) return fail(errc::not_found, released_message(ticket_id));
  if (!s->summary.closed()) {
    return fail(errc::invalid_argument,
                fmt::format("ticket {}: not closed: its engine still needs the trail", ticket_id));
  }
  return {};
}

}  // namespace

result<std::vector<event>> memory_store::release_trail(std::string_view ticket_id) {
  std::vector<event> trail;
  auto released = release_trail(ticket_id, trail);
  if (!released) return fail(std::move(released).error());
  // A fresh vector grows to the trail's length exactly: nothing to trim.
  return trail;
}

template <class Read>
result<void> memory_store::impl::release(std::string_view ticket_id, Read read) {
  const std::uint64_t hash = id_hash_of(ticket_id);
  shard& part = shards[shard_index(hash)];
  const std::unique_lock lock = detail::spin_then_lock(part.mutex);
  stream* s = part.table.find(ticket_id, hash);
  if (auto ok = check_releasable(s, ticket_id); !ok) return ok;
  read(part, *s);
  part.bytes -= s->trail.heap_bytes();
  s->trail.release(part.blocks);
  return {};
}

result<std::span<event>> memory_store::release_trail(std::string_view ticket_id, std::vector<event>& room) {
  std::size_t count = 0;
  auto released = impl_->release(ticket_id, [&](impl::shard& part, const impl::stream& s) {
    count = static_cast<std::size_t>(s.length);
    trail_codec::decode_into(s.trail, ticket_id, part.names, count, room);
  });
  if (!released) return fail(std::move(released).error());
  return std::span<event>(room.data(), count);
}

result<void> memory_store::release_trail(
    std::string_view ticket_id, const std::function<void(std::span<const event_view>)>& visit) {
  // The views' room, kept by the thread from trail to trail (no
  // allocation per ticket once it has held the longest); a visit that
  // releases another store's trail gets room of its own.
  struct room {
    std::vector<event_view> events;
    std::vector<std::pair<std::string_view, std::string_view>> details;
    std::vector<unsigned char> joined;
    bool busy = false;
  };
  thread_local room kept;
  room own;
  room& r = kept.busy ? own : kept;
  r.busy = true;
  struct done {
    room& r;
    ~done() {
      r.busy = false;
      trail_codec::trim_joined(r.joined);
    }
  } release_room{r};
  return impl_->release(ticket_id, [&](impl::shard& part, const impl::stream& s) {
    trail_codec::view_into(s.trail, s.id, part.names, static_cast<std::size_t>(s.length), r.joined, r.events,
                           r.details);
    visit(std::span<const event_view>(r.events));
  });
}

std::size_t memory_store::memory_bytes() const {
  // Part by part, each under its lock: exact when no append runs meanwhile.
  std::size_t n = sizeof(memory_store) + sizeof(impl);
  for (const impl::shard& part : impl_->shards) {
    const std::shared_lock lock(part.mutex);
    n += part.memory_bytes();
  }
  for (const impl::customer_shard& part : impl_->customer_shards) {
    const std::shared_lock lock(part.mutex);
    n += part.bytes + part.customers.heap_bytes();
  }
  return n;
}

}  // namespace tierflow
