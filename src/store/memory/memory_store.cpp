// SPDX-License-Identifier: MIT
// The in-memory store: per ticket a vector of events and its head hash, the
// latest summary, and ordered indexes over the summaries for the queries.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/memory_store.hpp>

#include "store/append_checks.hpp"

namespace tierflow {
namespace {

// The commit phase of append moves events and swaps pointers only; that is
// what makes it unable to throw.
static_assert(std::is_nothrow_move_constructible_v<event>);

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
  static auto key(const ticket_summary* s) noexcept {
    // Tickets without a deadline sort after every real one.
    return std::tuple<timestamp, std::string_view>(s->nearest_due.value_or(timestamp::max()),
                                                   s->ticket_id);
  }
  bool operator()(const ticket_summary* a, const ticket_summary* b) const noexcept {
    return key(a) < key(b);
  }
};
using queue_set = std::set<const ticket_summary*, queue_order>;

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

unit_region queue_of(const ticket_summary& s) noexcept { return unit_region{s.unit, s.region}; }

struct customer_probe {
  std::string_view customer_id;
};

struct customer_less {
  using is_transparent = void;
  static auto key(const ticket_summary* s) noexcept {
    return std::tuple<std::string_view, timestamp, std::string_view>(s->customer_id, s->opened_at,
                                                                     s->ticket_id);
  }
  bool operator()(const ticket_summary* a, const ticket_summary* b) const noexcept {
    return key(a) < key(b);
  }
  bool operator()(const ticket_summary* a, const customer_probe& b) const noexcept {
    return std::string_view{a->customer_id} < b.customer_id;
  }
  bool operator()(const customer_probe& a, const ticket_summary* b) const noexcept {
    return a.customer_id < std::string_view{b->customer_id};
  }
};

// Only summaries with a next_timer are in the due index.
struct due_less {
  static auto key(const ticket_summary* s) noexcept {
    return std::tuple<timestamp, std::string_view>(*s->next_timer, s->ticket_id);
  }
  bool operator()(const ticket_summary* a, const ticket_summary* b) const noexcept {
    return key(a) < key(b);
  }
};

struct id_less {
  bool operator()(const ticket_summary* a, const ticket_summary* b) const noexcept {
    return a->ticket_id < b->ticket_id;
  }
};

using customer_index = std::set<const ticket_summary*, customer_less>;
using due_index = std::set<const ticket_summary*, due_less>;
using open_index = std::set<const ticket_summary*, id_less>;

bool in_queue(const ticket_summary& s) noexcept { return !s.closed; }
bool in_due(const ticket_summary& s) noexcept { return s.next_timer.has_value(); }

// A set node holding `value`, allocated now so that inserting it later cannot
// throw (inserting a node handle allocates nothing).
template <class Set>
typename Set::node_type make_node(const ticket_summary* value) {
  Set one;
  one.insert(value);
  return one.extract(one.begin());
}

// --- Memory accounting ----------------------------------------------------------------

// What a red-black tree node costs beyond its value, roughly (three pointers
// and the colour, plus allocator rounding).
constexpr std::size_t index_node_bytes = 64;

// The heap bytes of a string: none while its text fits inside the object.
std::size_t heap_bytes(const std::string& s) noexcept {
  const auto* self = reinterpret_cast<const char*>(&s);
  const std::less<const char*> before{};
  const bool inline_text = !before(s.data(), self) && before(s.data(), self + sizeof s);
  return inline_text ? 0 : s.capacity() + 1;
}

// An event's bytes outside the events vector itself.
std::size_t owned_bytes(const event& e) noexcept {
  std::size_t n = heap_bytes(e.ticket_id) + heap_bytes(e.actor_id) + heap_bytes(e.workflow_id);
  n += e.details.capacity() * sizeof(event_details::value_type);
  for (const auto& [key, value] : e.details) n += heap_bytes(key) + heap_bytes(value);
  return n;
}

std::size_t summary_bytes(const ticket_summary& s) noexcept {
  std::size_t n = sizeof(ticket_summary) + heap_bytes(s.ticket_id) + heap_bytes(s.customer_id) +
                  heap_bytes(s.ticket_type) + heap_bytes(s.workflow_id) + heap_bytes(s.state) +
                  heap_bytes(s.unit) + heap_bytes(s.region) + heap_bytes(s.owner) +
                  heap_bytes(s.assignee);
  // Customer and open/queue nodes, and a due node when it has a timer.
  n += index_node_bytes * (1 + (in_queue(s) ? 2 : 0) + (in_due(s) ? 1 : 0));
  return n;
}

}  // namespace

struct memory_store::impl {
  struct stream {
    std::vector<event> events;
    event_hash head{};
    // Heap-allocated so the indexes can point at it; null for streams that
    // are not tickets.
    std::unique_ptr<ticket_summary> summary;
  };
  // Hashed, not ordered: finding a stream must not cost more with a million
  // of them. Transparent hash and equality so lookups take a string_view
  // without building a string.
  struct id_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id); }
  };
  using stream_map = std::unordered_map<std::string, stream, id_hash, std::equal_to<>>;

  // The new index nodes of one summary, allocated before anything changes.
  struct index_nodes {
    queue_set::node_type queue;
    customer_index::node_type customer;
    due_index::node_type due;
    open_index::node_type open;
  };

  mutable std::shared_mutex mutex;
  stream_map streams;
  /// Makes the node of a new stream (try_emplace, then extract): kept, so
  /// that a new ticket does not build and free a whole map for its node.
  stream_map node_maker;
  queue_map queues;
  customer_index customers;
  due_index timers;
  open_index open;
  // Outside the lock: handing out numbers does not touch the streams.
  std::atomic<std::uint64_t> last_ticket_number{0};
  std::size_t bytes = 0;

  // A queue node for `s`, and its queue's set (empty sets are invisible to
  // queries, so creating one ahead is harmless).
  queue_set::node_type make_queue_node(const ticket_summary* s) {
    queues.try_emplace(queue_name_less::name(s->unit, s->region));
    return make_node<queue_set>(s);
  }
  void unqueue(const ticket_summary* s) noexcept { queues.find(queue_of(*s))->second.erase(s); }

  index_nodes prepare_nodes(const ticket_summary* s) {
    index_nodes nodes;
    nodes.customer = make_node<customer_index>(s);
    if (in_queue(*s)) {
      nodes.queue = make_queue_node(s);
      nodes.open = make_node<open_index>(s);
    }
    if (in_due(*s)) nodes.due = make_node<due_index>(s);
    return nodes;
  }

  void index(index_nodes& nodes) noexcept {
    if (!nodes.customer.empty()) customers.insert(std::move(nodes.customer));
    if (!nodes.queue.empty()) {
      const ticket_summary* s = nodes.queue.value();
      queues.find(queue_of(*s))->second.insert(std::move(nodes.queue));
    }
    if (!nodes.open.empty()) open.insert(std::move(nodes.open));
    if (!nodes.due.empty()) timers.insert(std::move(nodes.due));
  }
};

memory_store::memory_store() : impl_(std::make_unique<impl>()) {}
memory_store::~memory_store() = default;

result<void> memory_store::append(const append_request& request) {
  // These need no stored state, so they run before taking the lock.
  if (auto ok = detail::check_append_ids(request); !ok) return ok;

  const std::unique_lock lock(impl_->mutex);
  const auto found = impl_->streams.find(request.ticket_id);
  impl::stream* existing = found == impl_->streams.end() ? nullptr : &found->second;
  const event_hash zero{};
  if (auto ok = detail::check_append_version(request, existing == nullptr ? 0 : existing->events.size()); !ok)
    return ok;
  if (auto ok = detail::check_append_events(request, existing == nullptr ? &zero : &existing->head); !ok)
    return ok;
  if (auto ok = detail::check_append_summary(request, existing != nullptr && existing->summary != nullptr); !ok)
    return ok;

  // Allocate everything first (may throw std::bad_alloc, changes nothing).
  std::vector<event> copies(request.events.begin(), request.events.end());
  impl::stream_map::node_type fresh;
  if (existing == nullptr) {
    impl_->node_maker.try_emplace(std::string(request.ticket_id));
    fresh = impl_->node_maker.extract(impl_->node_maker.begin());
    // Rehashing allocates: do it now, so inserting the node later cannot
    // throw. Grown by doubling when the next insert would rehash anyway:
    // reserve(size() + 1) on every new stream rehashed every tenth or so
    // with libstdc++ (its prime policy), most of the cost of opening a ticket.
    auto& streams = impl_->streams;
    const auto fits = static_cast<std::size_t>(static_cast<float>(streams.bucket_count()) *
                                               streams.max_load_factor());
    if (streams.size() + 1 > fits) streams.reserve(2 * (streams.size() + 1));
  }
  std::unique_ptr<ticket_summary> summary;
  impl::index_nodes nodes;
  // A ticket that has a summary keeps the object the indexes point at; only
  // the indexes whose key changes are touched (a transition usually moves
  // one or two of the four), which keeps appends cheap with many tickets.
  ticket_summary* current = existing != nullptr ? existing->summary.get() : nullptr;
  std::optional<ticket_summary> update;
  bool queue_moves = false, open_moves = false, customer_moves = false, due_moves = false;
  if (request.summary != nullptr && current != nullptr) {
    const ticket_summary& next = *request.summary;
    open_moves = in_queue(*current) != in_queue(next);
    queue_moves = open_moves ||
                  (in_queue(next) && (current->unit != next.unit || current->region != next.region ||
                                      current->nearest_due != next.nearest_due));
    customer_moves = customer_less::key(current) != customer_less::key(&next);
    due_moves = in_due(*current) != in_due(next) ||
                (in_due(next) && *current->next_timer != *next.next_timer);
    update.emplace(next);
    if (queue_moves && in_queue(next)) {
      // The node is made for the summary as it will be (same address).
      impl_->queues.try_emplace(queue_name_less::name(next.unit, next.region));
      nodes.queue = make_node<queue_set>(current);
    }
    if (open_moves && in_queue(next)) nodes.open = make_node<open_index>(current);
    if (customer_moves) nodes.customer = make_node<customer_index>(current);
    if (due_moves && in_due(next)) nodes.due = make_node<due_index>(current);
  } else if (request.summary != nullptr) {
    summary = std::make_unique<ticket_summary>(*request.summary);
    nodes = impl_->prepare_nodes(summary.get());
  }
  // Last, so that a failure before it leaves the capacity (and the byte
  // count, which follows it) as it was.
  impl::stream& target = existing != nullptr ? *existing : fresh.mapped();
  const std::size_t old_capacity = target.events.capacity();
  const std::size_t needed = target.events.size() + copies.size();
  // Geometric growth: reserving just `needed` would reallocate on every append.
  if (needed > old_capacity) target.events.reserve(std::max(needed, 2 * old_capacity));

  // Commit: moves, pointer swaps and node inserts only; none can throw.
  std::size_t added = (target.events.capacity() - old_capacity) * sizeof(event);
  for (event& e : copies) {
    added += owned_bytes(e);
    target.events.push_back(std::move(e));
  }
  target.head = target.events.back().hash;
  std::size_t removed = 0;
  if (update) {
    // Erase with the old keys, then change the summary in place.
    if (queue_moves && in_queue(*current)) impl_->unqueue(current);
    if (open_moves && in_queue(*current)) impl_->open.erase(current);
    if (customer_moves) impl_->customers.erase(current);
    if (due_moves && in_due(*current)) impl_->timers.erase(current);
    removed += summary_bytes(*current);
    *current = std::move(*update);
    added += summary_bytes(*current);
    impl_->index(nodes);
  } else if (summary != nullptr) {
    added += summary_bytes(*summary);
    target.summary = std::move(summary);
    impl_->index(nodes);
  }
  if (!fresh.empty()) {
    added += sizeof(impl::stream_map::value_type) + index_node_bytes + heap_bytes(fresh.key());
    impl_->streams.insert(std::move(fresh));
  }
  impl_->bytes = impl_->bytes + added - removed;
  return {};
}

result<std::vector<event>> memory_store::load(std::string_view ticket_id) const {
  const std::shared_lock lock(impl_->mutex);
  const auto found = impl_->streams.find(ticket_id);
  if (found == impl_->streams.end()) return std::vector<event>{};
  return found->second.events;
}

result<store::stream_head> memory_store::head(std::string_view ticket_id) const {
  const std::shared_lock lock(impl_->mutex);
  const auto found = impl_->streams.find(ticket_id);
  if (found == impl_->streams.end()) return stream_head{};
  return stream_head{found->second.events.size(), found->second.head};
}

result<std::uint64_t> memory_store::next_ticket_number() {
  return impl_->last_ticket_number.fetch_add(1, std::memory_order_relaxed) + 1;
}

result<ticket_summary> memory_store::summary(std::string_view ticket_id) const {
  const std::shared_lock lock(impl_->mutex);
  const auto found = impl_->streams.find(ticket_id);
  if (found == impl_->streams.end()) {
    return fail(errc::not_found, fmt::format("ticket {}: not found", ticket_id));
  }
  if (found->second.summary == nullptr) {
    return fail(errc::not_found, fmt::format("ticket {}: stream has no summary", ticket_id));
  }
  return *found->second.summary;
}

result<std::vector<ticket_summary>> memory_store::queue(std::string_view unit,
                                                        std::string_view region) const {
  const std::shared_lock lock(impl_->mutex);
  std::vector<ticket_summary> out;
  const auto found = impl_->queues.find(unit_region{unit, region});
  if (found == impl_->queues.end()) return out;
  out.reserve(found->second.size());
  for (const ticket_summary* s : found->second) out.push_back(*s);
  return out;
}

result<std::vector<ticket_summary>> memory_store::customer_tickets(
    std::string_view customer_id) const {
  const std::shared_lock lock(impl_->mutex);
  const auto [first, last] = impl_->customers.equal_range(customer_probe{customer_id});
  std::vector<ticket_summary> out;
  out.reserve(static_cast<std::size_t>(std::distance(first, last)));
  for (auto it = first; it != last; ++it) out.push_back(**it);
  return out;
}

result<std::vector<due_ticket>> memory_store::due(timestamp now, std::size_t limit) const {
  const std::shared_lock lock(impl_->mutex);
  std::vector<due_ticket> out;
  for (const ticket_summary* s : impl_->timers) {
    if (out.size() >= limit || *s->next_timer > now) break;
    out.push_back(due_ticket{s->ticket_id, *s->next_timer});
  }
  return out;
}

result<std::vector<ticket_summary>> memory_store::open_tickets() const {
  const std::shared_lock lock(impl_->mutex);
  std::vector<ticket_summary> out;
  out.reserve(impl_->open.size());
  for (const ticket_summary* s : impl_->open) out.push_back(*s);
  return out;
}

result<std::vector<std::string>> memory_store::streams() const {
  const std::shared_lock lock(impl_->mutex);
  std::vector<std::string> out;
  out.reserve(impl_->streams.size());
  for (const auto& entry : impl_->streams) out.push_back(entry.first);
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t memory_store::memory_bytes() const {
  const std::shared_lock lock(impl_->mutex);
  return sizeof(memory_store) + sizeof(impl) + impl_->bytes;
}

}  // namespace tierflow
