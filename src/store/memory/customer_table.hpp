// SPDX-License-Identifier: MIT
// The memory store's customer lists: per customer its tickets' summaries,
// oldest first, in an open-addressed table keyed by the customer id its
// tickets hold (no key of its own, no node per customer).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "store/memory/packed_summary.hpp"
#include "store/memory/slot_prefetch.hpp"
#include "store/same_text.hpp"
#include "store/shift_back.hpp"

namespace tierflow::detail {

/// A customer's tickets in their order: (opened_at, ticket id), unique
/// since ids are.
struct customer_order {
  bool operator()(const packed_summary* a, const packed_summary* b) const noexcept {
    if (a->opened_at() != b->opened_at()) return a->opened_at() < b->opened_at();
    return packed_summary::id_before(*a, *b);
  }
};

/// A customer's tickets in customer_order. Tickets open in time order, so a
/// new one nearly always goes at the end: amortised O(1), where an ordered
/// set over every ticket cost a walk of a million-node tree per open. Most
/// customers have one ticket: it is held inline, and an array (holding all
/// of them) only from the second on. Sixteen bytes, so that a table slot
/// is 24.
class customer_list {
 public:
  using item = const packed_summary*;

  customer_list() noexcept = default;
  customer_list(const customer_list&) = delete;
  customer_list& operator=(const customer_list&) = delete;
  customer_list(customer_list&& other) noexcept
      : at_(std::exchange(other.at_, {})),
        size_(std::exchange(other.size_, 0U)),
        capacity_(std::exchange(other.capacity_, 0U)) {}
  customer_list& operator=(customer_list&& other) noexcept {
    customer_list gone(std::move(*this));
    at_ = std::exchange(other.at_, {});
    size_ = std::exchange(other.size_, 0U);
    capacity_ = std::exchange(other.capacity_, 0U);
    return *this;
  }
  ~customer_list() {
    if (capacity_ != 0) delete[] at_.many;
  }

  [[nodiscard]] std::span<const item> items() const noexcept {
    return capacity_ == 0 ? std::span<const item>(&at_.one, size_)
                          : std::span<const item>(at_.many, size_);
  }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// Starts loading the list's first and last items: the array's ends, or
  /// for a list of one ticket, held inline, its summary. A hint: no
  /// effect on any answer.
  void prefetch_ends() const noexcept {
    if (capacity_ != 0) {
      __builtin_prefetch(at_.many);
      __builtin_prefetch(at_.many + size_ - 1);
    } else if (size_ != 0) {
      at_.one->prefetch();
    }
  }
  /// Heap bytes held (the array and its block).
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    return capacity_ == 0 ? 0 : block_bytes + std::size_t{capacity_} * sizeof(item);
  }

  /// Makes room for one more ticket, so that insert cannot allocate: the
  /// array doubles when full (appends stay amortised O(1)). May throw
  /// (std::bad_alloc, or std::length_error past 2^31 tickets); then changes
  /// nothing a reader sees.
  void make_room() {
    if (size_ == 0 || size_ < capacity_) return;
    if (capacity_ > std::numeric_limits<std::uint32_t>::max() / 2)
      throw std::length_error("customer list");
    const std::uint32_t grown = capacity_ == 0 ? 4U : 2 * capacity_;
    item* bigger = new item[grown];
    const std::span<const item> now = items();
    std::copy(now.begin(), now.end(), bigger);
    if (capacity_ != 0) delete[] at_.many;
    at_.many = bigger;
    capacity_ = grown;
  }

  /// Puts `s` in its place; make_room() came first (or the list is empty).
  void insert(item s) noexcept {
    if (capacity_ == 0) {  // empty: make_room() moved a held ticket out
      at_.one = s;
      size_ = 1;
      return;
    }
    item* const begin = at_.many;
    item* const end = begin + size_;
    // Nearly always the end.
    item* const place = size_ == 0 || customer_order{}(end[-1], s)
                            ? end
                            : std::upper_bound(begin, end, s, customer_order{});
    std::copy_backward(place, end, end + 1);
    *place = s;
    ++size_;
  }

  /// Takes out `s`, which is in the list with the key it was inserted with.
  void erase(item s) noexcept {
    if (capacity_ == 0) {
      at_.one = nullptr;
      size_ = 0;
      return;
    }
    item* const begin = at_.many;
    item* const end = begin + size_;
    item* const place = std::lower_bound(begin, end, s, customer_order{});
    std::copy(place + 1, end, place);
    --size_;
  }

 private:
  // What a heap block costs beyond its bytes (glibc malloc), roughly.
  static constexpr std::size_t block_bytes = 16;
  union held {
    item one;    // the only ticket (capacity_ 0, size_ 0 or 1)
    item* many;  // every ticket (capacity_ > 0): an array of capacity_
  };
  held at_{nullptr};
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
};

/// Customer lists by customer id: open addressing, linear probing, a power
/// of two slots at most 7/10 full, each slot the id's hash (the caller's,
/// computed once per call: the memory store hashes a customer id once for
/// its shard and its slot) and the list. A list keeps no key: its customer
/// id is the one its tickets' summaries hold (a list in the table is never
/// empty between appends, and every summary in it has that id). A new
/// customer costs no allocation (its one ticket is held inline; the slots
/// double, never per insert, and move by their kept hash); a lookup is one
/// or two slots and one comparison of ids. Not synchronised.
class customer_table {
 public:
  struct entry {
    std::uint64_t hash = 0;  // `empty_hash` marks a free slot
    customer_list list;
  };

  /// The entry of `customer_id`, whose id_hash_of is `hash`, or null.
  [[nodiscard]] entry* find(std::string_view customer_id, std::uint64_t hash) noexcept {
    return const_cast<entry*>(std::as_const(*this).find(customer_id, hash));
  }
  [[nodiscard]] const entry* find(std::string_view customer_id, std::uint64_t hash) const noexcept {
    const std::uint64_t key = kept(hash);
    // A list is empty only inside an append's commit, which looks nothing
    // up; the guard keeps a lookup from reading through nothing.
    return first_on_path(key, [&](const entry& e) noexcept {
      return e.hash == key && !e.list.empty() && same_text(e.list.items().front()->customer_id(), customer_id);
    });
  }

  /// The list of the first entry a find() of an id hashing to `hash`
  /// compares the id with, or null: nearly always the id's own list, so
  /// that a caller can start loading what that find() and an insert after
  /// it read beyond the slots (customer_list::prefetch_ends). Unverified:
  /// for hints alone.
  [[nodiscard]] const customer_list* probable(std::uint64_t hash) const noexcept {
    const std::uint64_t key = kept(hash);
    const entry* e = first_on_path(key, [key](const entry& x) noexcept { return x.hash == key; });
    return e == nullptr || e->list.empty() ? nullptr : &e->list;
  }

  /// Starts loading the slot a lookup of a customer id hashing to `hash`
  /// begins at, so that a find() soon after does not wait for it (an
  /// open's lookup of its customer was a tenth of the simulator's open,
  /// perf, M/M/10). Unlike the rest of the table, callable without the
  /// lock that guards it (slot_prefetch.hpp).
  void prefetch(std::uint64_t hash) const noexcept { where_.prefetch(kept(hash)); }

  /// Room for one more entry, so that add() cannot allocate: the slots
  /// double when they would be more than 7/10 full. May throw; then
  /// changes nothing.
  void make_room_for_one() {
    if (10 * (count_ + 1) <= 7 * slots_.size()) return;
    std::vector<entry> bigger(std::max<std::size_t>(16, 2 * slots_.size()));
    for (entry& e : slots_)
      if (e.hash != empty_hash) place(bigger, std::move(e));
    slots_.swap(bigger);
    where_.publish(slots_);
  }

  /// Adds an entry for a customer whose id hashes to `hash` and is not in
  /// the table, and returns its (empty) list, which the caller fills with
  /// the customer's ticket before any lookup; make_room_for_one() came
  /// first. Other entries do not move.
  customer_list& add(std::uint64_t hash) noexcept {
    ++count_;
    return place(slots_, entry{kept(hash), {}}).list;
  }

  /// Removes `e`, an entry of this table (its list emptied). Entries after
  /// it in its probe run may move back into the gap (no tombstones: lookups
  /// stay as short as the table is full).
  void erase(entry* e) noexcept {
    const auto gap = shift_back(
        slots_, static_cast<std::size_t>(e - slots_.data()),
        [](const entry& x) noexcept { return x.hash == empty_hash; }, [](const entry& x) noexcept { return x.hash; });
    slots_[gap] = entry{};
    --count_;
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }

  /// Heap bytes of the slot array (the lists' own are theirs to count).
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    return slots_.capacity() == 0 ? 0 : slots_.capacity() * sizeof(entry) + heap_block_bytes;
  }

 private:
  static constexpr std::uint64_t empty_hash = 0;
  // What a heap block costs beyond its bytes (glibc malloc), roughly.
  static constexpr std::size_t heap_block_bytes = 16;

  // A hash as kept: never empty_hash (one value in 2^64 shares a slot
  // choice and a tag with its neighbour; the ids are still compared).
  static std::uint64_t kept(std::uint64_t hash) noexcept { return hash == empty_hash ? 1 : hash; }

  // The first entry from `key`'s home on that `match` accepts, or null at
  // the first free slot (there is one: the table is at most half full).
  template <class Match>
  [[nodiscard]] const entry* first_on_path(std::uint64_t key, Match match) const noexcept {
    if (slots_.empty()) return nullptr;
    const std::size_t mask = slots_.size() - 1;
    for (auto i = static_cast<std::size_t>(key) & mask;; i = (i + 1) & mask) {
      const entry& e = slots_[i];
      if (e.hash == empty_hash) return nullptr;
      if (match(e)) return &e;
    }
  }

  static entry& place(std::vector<entry>& slots, entry&& e) noexcept {
    const std::size_t mask = slots.size() - 1;
    auto i = static_cast<std::size_t>(e.hash) & mask;
    while (slots[i].hash != empty_hash) i = (i + 1) & mask;
    slots[i] = std::move(e);
    return slots[i];
  }

  std::vector<entry> slots_;
  std::size_t count_ = 0;
  // Where slots_ holds its slots, for prefetch() without the lock.
  slot_prefetch<entry> where_;
};

}  // namespace tierflow::detail
