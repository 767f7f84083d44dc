// SPDX-License-Identifier: MIT
// The in-memory store: per ticket its events in one compact byte buffer
// (compact_trail.hpp) and its latest summary (packed_summary.hpp), the
// streams split over shards with a lock each, and indexes over the summaries
// for the queries under a lock of their own (hashed where the query needs no
// global order, ordered where it does).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/memory_store.hpp>

#include "store/append_checks.hpp"
#include "store/memory/compact_trail.hpp"
#include "store/memory/intern_table.hpp"
#include "store/memory/packed_summary.hpp"
#include "store/spin_then_lock.hpp"

namespace tierflow {
namespace {

namespace trail_codec = detail::compact_trail;
using detail::packed_summary;

// --- Index orders ---------------------------------------------------------------------
// The indexes hold pointers to summaries, which live on the heap and never
// move, so a key costs one pointer. Every order ends with the ticket id, which
// is unique, so no two summaries are equivalent and erase-by-key finds exactly
// the one given. The probes make the lookups heterogeneous (no key to build).

struct unit_region {
  std::string_view unit;
  std::string_view region;
};

// Queues are two-level: one ordered set per (unit, region), so moving a
// ticket within its queue compares timestamps and ids, not unit names.
struct queue_order {
  static auto key(const packed_summary* s) noexcept {
    // Tickets without a deadline sort after every real one.
    return std::tuple<timestamp, std::string_view>(s->nearest_due().value_or(timestamp::max()),
                                                   s->ticket_id());
  }
  bool operator()(const packed_summary* a, const packed_summary* b) const noexcept {
    return key(a) < key(b);
  }
};
using queue_set = std::set<const packed_summary*, queue_order>;

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

unit_region queue_of(const packed_summary& s) noexcept { return unit_region{s.unit(), s.region()}; }

// A customer's tickets, oldest first: (opened_at, ticket id), unique since
// ids are.
struct customer_order {
  static auto key(const packed_summary* s) noexcept {
    return std::tuple<timestamp, std::string_view>(s->opened_at(), s->ticket_id());
  }
  static auto key(const ticket_summary* s) noexcept {
    return std::tuple<timestamp, std::string_view>(s->opened_at, s->ticket_id);
  }
  bool operator()(const packed_summary* a, const packed_summary* b) const noexcept {
    return key(a) < key(b);
  }
};

// Only summaries with a next_timer are in the due index.
struct due_less {
  static auto key(const packed_summary* s) noexcept {
    return std::tuple<timestamp, std::string_view>(*s->next_timer(), s->ticket_id());
  }
  bool operator()(const packed_summary* a, const packed_summary* b) const noexcept {
    return key(a) < key(b);
  }
};

// Makes room in a vector for `more` elements: geometric growth, so that
// appends stay amortised O(1).
template <class T>
void make_room_for(std::vector<T>& list, std::size_t more) {
  const std::size_t needed = list.size() + more;
  if (needed > list.capacity()) list.reserve(std::max(needed, 2 * list.capacity()));
}

// Hashed, not ordered: finding a stream or a customer must not cost more
// with a million of them. Transparent, so lookups take a string_view without
// building a string.
struct id_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
};

// A customer's tickets in customer_order. Tickets open in time order, so a
// new one nearly always goes at the end: amortised O(1), where an ordered set
// over every ticket cost a walk of a million-node tree per open. Most
// customers have one ticket: it is held inline, and a vector (holding all of
// them) only from the second on.
class customer_list {
 public:
  using item = const packed_summary*;

  [[nodiscard]] std::span<const item> items() const noexcept {
    if (!more_.empty()) return more_;
    return one_ == nullptr ? std::span<const item>() : std::span<const item>(&one_, 1);
  }
  [[nodiscard]] bool empty() const noexcept { return items().empty(); }
  /// Heap bytes held (the vector's buffer and its block).
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    return more_.capacity() == 0 ? 0 : block_bytes + more_.capacity() * sizeof(item);
  }

  /// Makes room for one more ticket, so that insert cannot allocate. May throw.
  void make_room() {
    if (one_ != nullptr) {
      more_.reserve(4);  // the inline ticket and the new one move into it
    } else if (!more_.empty()) {
      make_room_for(more_, 1);
    }
  }

  /// Puts `s` in its place; make_room() came first.
  void insert(item s) noexcept {
    if (more_.empty() && one_ == nullptr) {
      one_ = s;
      return;
    }
    if (more_.empty()) {
      more_.push_back(one_);
      one_ = nullptr;
    }
    // Nearly always the end.
    if (customer_order{}(more_.back(), s)) {
      more_.push_back(s);
    } else {
      more_.insert(std::upper_bound(more_.begin(), more_.end(), s, customer_order{}), s);
    }
  }

  /// Takes out `s`, which is in the list with the key it was inserted with.
  void erase(item s) noexcept {
    if (more_.empty()) {
      one_ = nullptr;
      return;
    }
    more_.erase(std::lower_bound(more_.begin(), more_.end(), s, customer_order{}));
  }

 private:
  // What a heap block costs beyond its bytes (glibc malloc), roughly.
  static constexpr std::size_t block_bytes = 16;
  item one_ = nullptr;      // the only ticket, while `more_` is empty
  std::vector<item> more_;  // every ticket, once there have been two at once
};
using customer_index = std::unordered_map<std::string, customer_list, id_hash, std::equal_to<>>;
using due_index = std::set<const packed_summary*, due_less>;
struct id_less {
  bool operator()(const packed_summary* a, const packed_summary* b) const noexcept {
    return a->ticket_id() < b->ticket_id();
  }
};
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
typename Set::node_type make_node(const packed_summary* value) {
  Set one;
  one.insert(value);
  return one.extract(one.begin());
}

// Makes room for one more element of a hashed container now, so that the
// insert in the commit phase cannot rehash (which allocates). Grown by
// doubling when the next insert would rehash anyway: reserve(size() + 1) on
// every insert rehashed every tenth or so with libstdc++ (its prime policy).
template <class Hashed>
void make_room_for_one(Hashed& table) {
  const auto fits = static_cast<std::size_t>(static_cast<float>(table.bucket_count()) *
                                             table.max_load_factor());
  if (table.size() + 1 > fits) table.reserve(2 * (table.size() + 1));
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

// The heap bytes of a stream's buffer.
std::size_t trail_bytes(const std::vector<unsigned char>& trail) noexcept {
  return trail.capacity() == 0 ? 0 : trail.capacity() + heap_block_bytes;
}

// The capacity a stream's buffer grows to when it must hold `needed` bytes:
// exactly that while it is small (a ticket's trail is a few hundred bytes,
// and spare room would be a large share of it; the copy is as small), then
// by half again, so that a long stream (the engine's denial log) appends in
// amortised O(1).
std::size_t grown_capacity(std::size_t capacity, std::size_t needed) noexcept {
  constexpr std::size_t exact_below = 512;
  if (needed <= exact_below) return needed;
  return std::max(needed, capacity + capacity / 2);
}

std::size_t summary_bytes(const packed_summary& s) noexcept {
  // The object is on the heap of its own (the indexes point at it).
  std::size_t n = s.bytes() + heap_block_bytes;
  // Open and queue nodes, and a due node when it has a timer (the customer
  // index is counted per customer: customer_bytes).
  n += index_node_bytes * ((in_queue(s) ? 2 : 0) + (in_due(s) ? 1 : 0));
  return n;
}

// A customer's entry: its hash node, key and list (one pointer per ticket).
std::size_t customer_bytes(const customer_index::value_type& entry) noexcept {
  return sizeof(customer_index::value_type) + index_node_bytes + heap_bytes(entry.first) +
         entry.second.heap_bytes();
}

// What load(), head() and append() answer for a released trail.
std::string released_message(std::string_view ticket_id) {
  return fmt::format("ticket {}: trail released", ticket_id);
}

}  // namespace

struct memory_store::impl {
  struct stream {
    // The events' records (compact_trail.hpp), each ending with its hash:
    // the head is the last 32 bytes. Empty only for a ticket whose trail was
    // released (an append stores at least one event): released() tells,
    // without a flag in every stream.
    std::vector<unsigned char> trail;
    // The number of events (the stream's version) and the last one's time,
    // which the next record's time is written against.
    std::uint64_t length = 0;
    timestamp last_time{};
    // Heap-allocated so the indexes can point at it; null for streams that
    // are not tickets.
    std::unique_ptr<packed_summary> summary;
    // Where the summary sits in its queue, the due index and the open
    // index, valid while it is in them (in_queue, in_due): taking it out
    // costs no search of a tree that grows with the tickets.
    queue_set::iterator queue_at{};
    due_index::iterator due_at{};
    open_index::iterator open_at{};
    bool released() const noexcept { return summary != nullptr && trail.empty(); }
    event_hash head() const noexcept {
      event_hash h{};
      if (trail.size() >= h.size()) std::memcpy(h.data(), trail.data() + trail.size() - h.size(), h.size());
      return h;
    }
  };
  using stream_map = std::unordered_map<std::string, stream, id_hash, std::equal_to<>>;

  // The new index nodes of one summary, allocated before anything changes.
  struct index_nodes {
    queue_set::node_type queue;
    due_index::node_type due;
    open_index::node_type open;
  };

  // The customer lists an append changes, made ready (entry created, room
  // for one more ticket reserved) before anything changes.
  struct customer_move {
    customer_index::value_type* from = nullptr;  // loses the ticket (its old key)
    customer_index::value_type* to = nullptr;    // gains it (its new key)
    std::size_t bytes_before = 0;                // what the two entries and the buckets held
  };

  // A part of the streams (by a hash of the id) under a lock of its own:
  // appends to streams of different shards run at once. Everything a
  // stream's append reads and writes apart from the indexes is here: its
  // trail, its intern table (per shard, so that encoding takes no shared
  // lock; the vocabulary is small, and each shard keeps its own copy), and
  // the stream's summary object (written under this lock and the index
  // lock both, so that a holder of either can read it). Aligned apart, so
  // that two threads' locks do not share a cache line.
  struct alignas(64) shard {
    mutable std::shared_mutex mutex;
    stream_map streams;
    // The strings the trails name by number (compact_trail.hpp).
    detail::intern_table names;
    trail_codec::hints guesses;
    // Where append encodes a request's records before the stream takes
    // them: kept, so that an append does not allocate it anew.
    std::vector<unsigned char> scratch;
    /// Makes the node of a new stream (try_emplace, then extract): kept, so
    /// that a new ticket does not build and free a whole map for its node.
    stream_map node_maker;
    // The streams' nodes and trails.
    std::size_t bytes = 0;

    std::size_t memory_bytes() const noexcept {
      return bytes + names.heap_bytes() + guesses.heap_bytes() + scratch.capacity();
    }
  };
  // Enough that two threads seldom meet on one (the machines have a few
  // cores); each costs its vocabulary, a few dozen kilobytes.
  static constexpr unsigned shard_bits = 3;
  std::array<shard, std::size_t{1} << shard_bits> shards;

  // FNV-1a of the id, finalised, its top bits: cheap for the short ids
  // tickets have, and not the hash the shard's map uses.
  static_assert(shard_bits >= 1 && shard_bits <= 8);
  static std::size_t shard_index(std::string_view id) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : id) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    // FNV-1a's top bits barely depend on the last byte: consecutive ticket
    // ids (T00000041, T00000042) fell in one shard 99.5% of the time, so two
    // threads opening tickets queued on one lock. A finaliser (MurmurHash3's
    // fmix64) spreads every byte over every bit: 12.9% alike, 1/8 ideal.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return static_cast<std::size_t>(h >> (64U - shard_bits));
  }
  shard& shard_of(std::string_view id) noexcept { return shards[shard_index(id)]; }
  const shard& shard_of(std::string_view id) const noexcept { return shards[shard_index(id)]; }

  // The indexes over every shard's summaries, under their own lock, taken
  // after a shard's (never the other way round) and only for the index
  // part of an append: the bulk of an append (checks, encoding, the trail)
  // runs under its shard's lock alone.
  mutable std::shared_mutex index_mutex;
  queue_map queues;
  customer_index customers;
  due_index timers;
  open_index open;
  // The summaries, their index nodes and the customer entries.
  std::size_t index_bytes = 0;
  // Outside the locks: handing out numbers does not touch the streams.
  std::atomic<std::uint64_t> last_ticket_number{0};

  // The queue set a summary as written goes in (empty sets are invisible
  // to queries, so creating one ahead is harmless). Under the index lock.
  void make_queue(const ticket_summary& next) {
    queues.try_emplace(queue_name_less::name(next.unit, next.region));
  }
  // Before the summary changes: its queue is found by its current name.
  void unqueue(const stream& st) noexcept { queues.find(queue_of(*st.summary))->second.erase(st.queue_at); }

  // The index nodes of a new summary; they need no lock (the queue's set
  // is made under the index lock: make_queue).
  static index_nodes make_nodes(const packed_summary* s) {
    index_nodes nodes;
    if (in_queue(*s)) {
      nodes.queue = make_node<queue_set>(s);
      nodes.open = make_node<open_index>(s);
    }
    if (in_due(*s)) nodes.due = make_node<due_index>(s);
    return nodes;
  }

  // Readies the move of a ticket out of `from` (its current customer list;
  // null for a new ticket) into the list of `customer_id`: creates that
  // entry and reserves room in it. May throw; changes nothing a query sees
  // (an entry with an empty list answers like no entry).
  customer_move prepare_customer(const packed_summary* from, std::string_view customer_id) {
    customer_move move;
    move.bytes_before = customers.bucket_count() * sizeof(void*);
    if (from != nullptr) {
      move.from = &*customers.find(from->customer_id());
      move.bytes_before += customer_bytes(*move.from);
    }
    // One lookup, found or added (a new customer is the common case: most
    // have one ticket); the table's own growth policy doubles it.
    const auto [to, added] = customers.try_emplace(std::string(customer_id));
    if (!added && &*to != move.from) move.bytes_before += customer_bytes(*to);
    move.to = &*to;
    // Moving within one list (a new opened_at) frees the place it takes.
    if (move.to != move.from) move.to->second.make_room();
    return move;
  }

  // Takes `s` out of `move.from` while `s` still has its old key.
  static void leave_customer(const customer_move& move, const packed_summary* s) noexcept {
    if (move.from != nullptr) move.from->second.erase(s);
  }

  // Puts `s` (with its new key) into `move.to`, whose room was reserved;
  // drops an entry left empty; returns the bytes the entries hold now.
  std::size_t join_customer(const customer_move& move, const packed_summary* s) noexcept {
    move.to->second.insert(s);
    std::size_t after = customer_bytes(*move.to);
    if (move.from != nullptr && move.from != move.to) {
      if (move.from->second.empty()) {
        customers.erase(customers.find(move.from->first));
      } else {
        after += customer_bytes(*move.from);
      }
    }
    return after + customers.bucket_count() * sizeof(void*);
  }

  // Inserts the nodes of `st`'s summary and notes their positions. Inserting
  // at the end is the usual case (ids, and deadlines and timers set from
  // "now", grow): the hint makes it O(1) then, two comparisons more otherwise.
  void index(index_nodes& nodes, stream& st) noexcept {
    if (!nodes.queue.empty()) {
      const packed_summary* s = nodes.queue.value();
      queue_set& q = queues.find(queue_of(*s))->second;
      st.queue_at = q.insert(q.end(), std::move(nodes.queue));
    }
    if (!nodes.open.empty()) st.open_at = open.insert(open.end(), std::move(nodes.open));
    if (!nodes.due.empty()) st.due_at = timers.insert(timers.end(), std::move(nodes.due));
  }
};

memory_store::memory_store() : impl_(std::make_unique<impl>()) {}
memory_store::~memory_store() = default;

result<void> memory_store::append(const append_request& request) {
  // These need no stored state, so they run before taking a lock.
  if (auto ok = detail::check_append_ids(request); !ok) return ok;
  if (request.summary != nullptr &&
      packed_summary::text_bytes(*request.summary) > packed_summary::max_text_bytes) {
    return fail(errc::invalid_argument,
                fmt::format("ticket {}: summary: its texts exceed the memory store's {} bytes", request.ticket_id,
                            packed_summary::max_text_bytes));
  }

  impl::shard& part = impl_->shard_of(request.ticket_id);
  const std::unique_lock lock = detail::spin_then_lock(part.mutex);
  const auto found = part.streams.find(request.ticket_id);
  impl::stream* existing = found == part.streams.end() ? nullptr : &found->second;
  if (existing != nullptr && existing->released())
    return fail(errc::not_found, released_message(request.ticket_id));
  const event_hash stored_head = existing == nullptr ? event_hash{} : existing->head();
  if (auto ok = detail::check_append_version(request, existing == nullptr ? 0 : existing->length); !ok)
    return ok;
  if (auto ok = detail::check_append_events(request, &stored_head); !ok) return ok;
  if (auto ok = detail::check_append_summary(request, existing != nullptr && existing->summary != nullptr); !ok)
    return ok;

  // Allocate everything first (may throw std::bad_alloc, changes nothing a
  // query sees: new intern table entries are not named by any trail yet).
  // The records first: encoded once, into the shard's kept scratch buffer.
  std::vector<unsigned char>& records = part.scratch;
  records.clear();
  timestamp previous = existing != nullptr ? existing->last_time : timestamp{};
  for (const event& e : request.events) {
    trail_codec::encode(e, previous, part.names, part.guesses, records);
    previous = e.time;
  }
  impl::stream_map::node_type fresh;
  if (existing == nullptr) {
    part.node_maker.try_emplace(std::string(request.ticket_id));
    fresh = part.node_maker.extract(part.node_maker.begin());
    // Rehashing allocates: do it now, so inserting the node later cannot throw.
    make_room_for_one(part.streams);
  }
  // A ticket that has a summary keeps the object the indexes point at; only
  // the indexes whose key changes are touched (a transition usually moves
  // one or two of the four), which keeps appends cheap with many tickets.
  // The summary is packed before the index lock is taken.
  packed_summary* current = existing != nullptr ? existing->summary.get() : nullptr;
  std::unique_ptr<packed_summary> summary;
  std::optional<packed_summary> update;
  bool queue_moves = false, open_moves = false, customer_moves = false, due_moves = false;
  if (request.summary != nullptr && current != nullptr) {
    const ticket_summary& next = *request.summary;
    open_moves = in_queue(*current) != in_queue(next);
    queue_moves = open_moves ||
                  (in_queue(next) && (current->unit() != next.unit || current->region() != next.region ||
                                      current->nearest_due() != next.nearest_due));
    customer_moves = current->customer_id() != next.customer_id ||
                     customer_order::key(current) != customer_order::key(&next);
    due_moves = in_due(*current) != in_due(next) ||
                (in_due(next) && *current->next_timer() != *next.next_timer);
    update.emplace(next);
  } else if (request.summary != nullptr) {
    summary = std::make_unique<packed_summary>(*request.summary);
  }
  // What needs no shared state is allocated before the index lock, which
  // every ticket's append takes (two threads queued on it for the whole
  // append): the index nodes (made for the summary as it will be, at the
  // same address) and the stream's grown buffer (copied into a buffer of
  // its own and swapped in at the commit: a failure to allocate leaves the
  // stream, and the byte count that follows it, as it was). The events
  // were encoded, not kept: request.movable is not needed (the caller's
  // vector is left as it was).
  impl::index_nodes nodes;
  if (update) {
    const ticket_summary& next = *request.summary;
    if (queue_moves && in_queue(next)) nodes.queue = make_node<queue_set>(current);
    if (open_moves && in_queue(next)) nodes.open = make_node<open_index>(current);
    if (due_moves && in_due(next)) nodes.due = make_node<due_index>(current);
  } else if (summary != nullptr) {
    nodes = impl::make_nodes(summary.get());
  }
  impl::stream& target = existing != nullptr ? *existing : fresh.mapped();
  std::vector<unsigned char> grown;
  if (const std::size_t needed = target.trail.size() + records.size(); needed > target.trail.capacity()) {
    grown.reserve(grown_capacity(target.trail.capacity(), needed));
    grown.assign(target.trail.begin(), target.trail.end());
  }
  // A ticket's append changes the indexes: their lock, after the shard's,
  // held to the end. A stream without a summary takes none.
  std::unique_lock<std::shared_mutex> index_lock;
  if (request.summary != nullptr) index_lock = detail::spin_then_lock(impl_->index_mutex);
  impl::customer_move customer;
  // The queue's set, before anything changes (may throw; an empty set is
  // invisible to queries).
  if (!nodes.queue.empty()) impl_->make_queue(*request.summary);
  if (update) {
    if (customer_moves) customer = impl_->prepare_customer(current, request.summary->customer_id);
  } else if (summary != nullptr) {
    customer = impl_->prepare_customer(nullptr, summary->customer_id());
  }
  // Commit starts here: swaps, copies into reserved room, pointer swaps and
  // node inserts only; none can throw.
  std::size_t trail_added = 0;
  std::size_t trail_removed = 0;
  if (grown.capacity() != 0) {
    trail_removed += trail_bytes(target.trail);
    trail_added += trail_bytes(grown);
    target.trail.swap(grown);
  }
  target.trail.insert(target.trail.end(), records.begin(), records.end());
  target.length += request.events.size();
  target.last_time = request.events.back().time;
  std::size_t added = 0;
  std::size_t removed = 0;
  if (update) {
    // Erase with the old keys, then change the summary in place.
    if (queue_moves && in_queue(*current)) impl_->unqueue(target);
    if (open_moves && in_queue(*current)) impl_->open.erase(target.open_at);
    if (customer_moves) impl::leave_customer(customer, current);
    if (due_moves && in_due(*current)) impl_->timers.erase(target.due_at);
    removed += summary_bytes(*current);
    *current = std::move(*update);
    added += summary_bytes(*current);
    impl_->index(nodes, target);
  } else if (summary != nullptr) {
    added += summary_bytes(*summary);
    current = summary.get();
    target.summary = std::move(summary);
    impl_->index(nodes, target);
  }
  if (customer.to != nullptr) {
    removed += customer.bytes_before;
    added += impl_->join_customer(customer, current);
  }
  // Under the index lock only (a stream without a summary takes none).
  if (index_lock.owns_lock()) impl_->index_bytes = impl_->index_bytes + added - removed;
  if (!fresh.empty()) {
    trail_added += sizeof(impl::stream_map::value_type) + index_node_bytes + heap_bytes(fresh.key());
    part.streams.insert(std::move(fresh));
  }
  part.bytes = part.bytes + trail_added - trail_removed;
  return {};
}

result<std::vector<event>> memory_store::load(std::string_view ticket_id) const {
  const impl::shard& part = impl_->shard_of(ticket_id);
  const std::shared_lock lock(part.mutex);
  const auto found = part.streams.find(ticket_id);
  if (found == part.streams.end()) return std::vector<event>{};
  if (found->second.released()) return fail(errc::not_found, released_message(ticket_id));
  const impl::stream& st = found->second;
  return trail_codec::decode(st.trail, ticket_id, part.names, static_cast<std::size_t>(st.length));
}

result<store::stream_head> memory_store::head(std::string_view ticket_id) const {
  const impl::shard& part = impl_->shard_of(ticket_id);
  const std::shared_lock lock(part.mutex);
  const auto found = part.streams.find(ticket_id);
  if (found == part.streams.end()) return stream_head{};
  if (found->second.released()) return fail(errc::not_found, released_message(ticket_id));
  return stream_head{found->second.length, found->second.head()};
}

result<std::uint64_t> memory_store::next_ticket_number() {
  return impl_->last_ticket_number.fetch_add(1, std::memory_order_relaxed) + 1;
}

result<ticket_summary> memory_store::summary(std::string_view ticket_id) const {
  const impl::shard& part = impl_->shard_of(ticket_id);
  const std::shared_lock lock(part.mutex);
  const auto found = part.streams.find(ticket_id);
  if (found == part.streams.end()) {
    return fail(errc::not_found, fmt::format("ticket {}: not found", ticket_id));
  }
  if (found->second.summary == nullptr) {
    return fail(errc::not_found, fmt::format("ticket {}: stream has no summary", ticket_id));
  }
  return found->second.summary->unpack();
}

result<std::vector<ticket_summary>> memory_store::queue(std::string_view unit,
                                                        std::string_view region) const {
  const std::shared_lock lock(impl_->index_mutex);
  std::vector<ticket_summary> out;
  const auto found = impl_->queues.find(unit_region{unit, region});
  if (found == impl_->queues.end()) return out;
  out.reserve(found->second.size());
  for (const packed_summary* s : found->second) out.push_back(s->unpack());
  return out;
}

result<std::vector<ticket_summary>> memory_store::customer_tickets(
    std::string_view customer_id) const {
  const std::shared_lock lock(impl_->index_mutex);
  std::vector<ticket_summary> out;
  const auto found = impl_->customers.find(customer_id);
  if (found == impl_->customers.end()) return out;
  const auto tickets = found->second.items();
  out.reserve(tickets.size());
  for (const packed_summary* s : tickets) out.push_back(s->unpack());
  return out;
}

result<std::vector<due_ticket>> memory_store::due(timestamp now, std::size_t limit) const {
  const std::shared_lock lock(impl_->index_mutex);
  std::vector<due_ticket> out;
  for (const packed_summary* s : impl_->timers) {
    const timestamp timer = *s->next_timer();
    if (out.size() >= limit || timer > now) break;
    out.push_back(due_ticket{std::string(s->ticket_id()), timer});
  }
  return out;
}

result<std::vector<ticket_summary>> memory_store::open_tickets() const {
  const std::shared_lock lock(impl_->index_mutex);
  std::vector<ticket_summary> out;
  out.reserve(impl_->open.size());
  for (const packed_summary* s : impl_->open) out.push_back(s->unpack());
  return out;
}

result<std::vector<std::string>> memory_store::streams() const {
  std::vector<std::string> out;
  // Shard by shard: a stream is listed once its first append has returned
  // (each shard is read under its lock; streams are never removed).
  for (const impl::shard& part : impl_->shards) {
    const std::shared_lock lock(part.mutex);
    out.reserve(out.size() + part.streams.size());
    for (const auto& entry : part.streams) out.push_back(entry.first);
  }
  std::sort(out.begin(), out.end());
  return out;
}

result<std::vector<event>> memory_store::release_trail(std::string_view ticket_id) {
  impl::shard& part = impl_->shard_of(ticket_id);
  const std::unique_lock lock(part.mutex);
  const auto found = part.streams.find(ticket_id);
  if (found == part.streams.end()) {
    return fail(errc::not_found, fmt::format("ticket {}: not found", ticket_id));
  }
  impl::stream& s = found->second;
  if (s.summary == nullptr) {
    return fail(errc::not_found, fmt::format("ticket {}: stream has no summary", ticket_id));
  }
  if (s.released()) return fail(errc::not_found, released_message(ticket_id));
  if (!s.summary->closed()) {
    return fail(errc::invalid_argument,
                fmt::format("ticket {}: not closed: its engine still needs the trail", ticket_id));
  }
  // Decoded first (may throw, changes nothing), then the buffer is freed:
  // swapped out, not cleared, so the store keeps no capacity behind.
  std::vector<event> trail = trail_codec::decode(s.trail, ticket_id, part.names, static_cast<std::size_t>(s.length));
  part.bytes -= trail_bytes(s.trail);
  std::vector<unsigned char>().swap(s.trail);
  return trail;
}

std::size_t memory_store::memory_bytes() const {
  // Part by part, each under its lock: exact when no append runs meanwhile.
  std::size_t n = sizeof(memory_store) + sizeof(impl);
  for (const impl::shard& part : impl_->shards) {
    const std::shared_lock lock(part.mutex);
    n += part.memory_bytes();
  }
  const std::shared_lock lock(impl_->index_mutex);
  return n + impl_->index_bytes;
}

}  // namespace tierflow
