// SPDX-License-Identifier: MIT
// Where the memory store keeps a stream's encoded records: a chain of
// blocks from its shard's pool, so that a trail grows without copying what
// it holds and a released trail's blocks serve the next ones.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include <tierflow/event.hpp>

namespace tierflow::detail {

/// The blocks a trail is kept in: raw storage of 32 to 256 bytes in steps
/// of 32 (the size class 0 to 7), the first eight the next block's address
/// (copied in and out: the storage is bytes), the rest the records'. Steps
/// of 32: a ticket's trail of a few hundred bytes takes within 40 bytes of
/// its size (steps of 64 cost 30 bytes more per open ticket, measured).
///
/// Layout: the records' bytes run on from block to block, every block but
/// the last full, so that the blocks' record bytes joined are the records
/// (compact_trail::decode_into joins them). A trail of one block has it of
/// the smallest class that holds what it holds, moved to a larger one when
/// an append needs it to (a copy of under 256 bytes): a short trail takes
/// about its size, not a whole large block. A trail of more blocks has
/// them all of the largest class: a long trail's appends copy nothing
/// (moving its last block as it fills cost 3 % of a transition on long
/// trails, measured) and waste at most one block's room; but when an
/// append says the trail is to grow no more (a closed ticket's: `fit`),
/// its last block moves to the smallest class that holds it too. A
/// stream's head is the last 32 bytes written: in its last block, or at
/// the end of the one before and the start of the last.
namespace trail_blocks {

inline constexpr std::size_t step = 32;
inline constexpr unsigned classes = 8;
inline constexpr std::size_t link = sizeof(unsigned char*);
/// Record bytes of a block of the largest class.
inline constexpr std::size_t payload = classes * step - link;

/// A block's bytes, its link included.
constexpr std::size_t bytes_of(unsigned size_class) noexcept { return (size_class + 1) * step; }
/// The smallest class that holds `used` record bytes (at most payload).
constexpr unsigned class_for(std::size_t used) noexcept { return static_cast<unsigned>((used + link - 1) / step); }
static_assert(class_for(payload) == classes - 1 && class_for(1) == 0 && class_for(step - link + 1) == 1);

/// The block after `block` in its chain.
inline unsigned char* next_of(const unsigned char* block) noexcept {
  unsigned char* next = nullptr;
  std::memcpy(&next, block, link);
  return next;
}
inline void set_next(unsigned char* block, unsigned char* next) noexcept { std::memcpy(block, &next, link); }
/// Where `block`'s record bytes start.
inline unsigned char* data_of(unsigned char* block) noexcept { return block + link; }
inline const unsigned char* data_of(const unsigned char* block) noexcept { return block + link; }

}  // namespace trail_blocks

/// A shard's spare blocks, per size class: carved from slabs (one
/// allocation per slab of 16 KiB, none per block) as they are first taken,
/// then handed out from a free list of those given back (a released
/// trail's, or a last block that moved to another class): the most recently
/// given back first, while its bytes are likely still in the cache. Slabs
/// are kept for the store's life. Not synchronised: the shard's lock
/// guards it.
class block_pool {
 public:
  static constexpr std::size_t slab_bytes = 16 * 1024;

  block_pool() = default;
  block_pool(const block_pool&) = delete;
  block_pool& operator=(const block_pool&) = delete;

  /// At least `n[c]` blocks of each class c spare, so that as many take()
  /// calls cannot fail. May throw (std::bad_alloc); the blocks it made
  /// before stay spare.
  void make_room(const std::array<std::size_t, trail_blocks::classes>& n) {
    for (unsigned c = 0; c < trail_blocks::classes; ++c) {
      if (n[c] == 0 || lists_[c].given_back >= n[c]) continue;  // the usual case, without a division
      while (spare(c) < n[c]) {
        slabs_.reserve(slabs_.size() + 1);
        // Not zeroed, nor touched: a block's bytes are written before they
        // are read, and its pages when it is first taken.
        auto slab = std::unique_ptr<unsigned char[]>(new unsigned char[slab_bytes]);
        class_list& list = lists_[c];
        // What is left of the class's last slab goes on its free list.
        while (list.fresh != list.fresh_end) {
          give_back(c, list.fresh);
          list.fresh += trail_blocks::bytes_of(c);
        }
        list.fresh = slab.get();
        list.fresh_end = slab.get() + slab_bytes / trail_blocks::bytes_of(c) * trail_blocks::bytes_of(c);
        slabs_.push_back(std::move(slab));
      }
    }
  }

  /// A spare block of class `c` (its bytes as the last trail left them, or
  /// never written); make_room came first.
  [[nodiscard]] unsigned char* take(unsigned c) noexcept {
    class_list& list = lists_[c];
    if (list.first == nullptr) {
      unsigned char* const b = list.fresh;
      list.fresh += trail_blocks::bytes_of(c);
      return b;
    }
    unsigned char* const b = list.first;
    list.first = trail_blocks::next_of(b);
    --list.given_back;
    return b;
  }

  /// Takes back `block`, of class `c`.
  void give_back(unsigned c, unsigned char* block) noexcept {
    class_list& list = lists_[c];
    trail_blocks::set_next(block, list.first);
    list.first = block;
    ++list.given_back;
  }

  /// Blocks of class `c` that take() can hand out.
  [[nodiscard]] std::size_t spare(unsigned c) const noexcept {
    const class_list& list = lists_[c];
    return list.given_back + static_cast<std::size_t>(list.fresh_end - list.fresh) / trail_blocks::bytes_of(c);
  }

  /// Heap bytes of the slabs, spare blocks included, and their list.
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    constexpr std::size_t heap_block_bytes = 16;
    return slabs_.size() * (slab_bytes + heap_block_bytes) + slabs_.capacity() * sizeof(void*);
  }

 private:
  struct class_list {
    unsigned char* first = nullptr;  // the free list
    std::size_t given_back = 0;      // its length
    unsigned char* fresh = nullptr;  // the last slab's blocks never taken: [fresh, fresh_end)
    unsigned char* fresh_end = nullptr;
  };
  std::vector<std::unique_ptr<unsigned char[]>> slabs_;
  std::array<class_list, trail_blocks::classes> lists_{};
};

/// A stream's records as a chain of blocks (trail_blocks' layout).
/// Twenty-four bytes, as the vector it replaced: the chain is circular
/// (the last block links to the first, which is so found without a
/// pointer of its own), and the block before the last is kept, to relink
/// the last when it moves to another class and to read a head that starts
/// in it. Empty (no block) before the first append and after a release.
class block_trail {
 public:
  static constexpr std::size_t hash_bytes = sizeof(event_hash);
  /// New blocks an append takes, per size class.
  using block_counts = std::array<std::size_t, trail_blocks::classes>;

  [[nodiscard]] bool empty() const noexcept { return last_ == nullptr; }
  /// The first block (null when empty).
  [[nodiscard]] const unsigned char* first() const noexcept {
    return last_ == nullptr ? nullptr : trail_blocks::next_of(last_);
  }
  /// The last block and its size class.
  [[nodiscard]] const unsigned char* last() const noexcept { return last_; }
  [[nodiscard]] unsigned last_class() const noexcept { return last_class_; }
  [[nodiscard]] std::size_t blocks() const noexcept { return blocks_; }
  /// Bytes of the blocks held.
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    if (last_ == nullptr) return 0;
    return (std::size_t{blocks_} - 1) * trail_blocks::bytes_of(trail_blocks::classes - 1) +
           trail_blocks::bytes_of(last_class_);
  }

  /// The last record's hash (zeros for an empty trail).
  [[nodiscard]] event_hash head() const noexcept {
    event_hash h{};
    if (last_ == nullptr) return h;
    if (tail_used_ >= hash_bytes) {
      std::memcpy(h.data(), trail_blocks::data_of(last_) + tail_used_ - hash_bytes, hash_bytes);
      return h;
    }
    // Split: a trail of one block holds a whole record, so there is a block
    // before, and it is full.
    const std::size_t before = hash_bytes - tail_used_;
    std::memcpy(h.data(), trail_blocks::data_of(before_last_) + trail_blocks::payload - before, before);
    std::memcpy(h.data() + before, trail_blocks::data_of(last_), tail_used_);
    return h;
  }

  /// Starts loading the head (and the room after it, which the next
  /// append writes), so that work before head() overlaps the cache miss.
  /// A hint: no effect on any answer.
  void prefetch_head() const noexcept {
    if (last_ != nullptr) __builtin_prefetch(trail_blocks::data_of(last_) + tail_used_ - 1);
  }

  /// The records of a trail of one block (empty for none); of a longer
  /// one, its last block's.
  [[nodiscard]] std::span<const unsigned char> single_run() const noexcept {
    if (last_ == nullptr) return {};
    return {trail_blocks::data_of(last_), tail_used_};
  }

  /// Sets `out` to the records, the blocks' bytes joined. May throw
  /// (bad_alloc).
  void join_into(std::vector<unsigned char>& out) const {
    out.clear();
    if (last_ == nullptr) return;
    out.reserve((std::size_t{blocks_} - 1) * trail_blocks::payload + tail_used_);
    for (const unsigned char* b = trail_blocks::next_of(last_); b != last_; b = trail_blocks::next_of(b))
      out.insert(out.end(), trail_blocks::data_of(b), trail_blocks::data_of(b) + trail_blocks::payload);
    out.insert(out.end(), trail_blocks::data_of(last_), trail_blocks::data_of(last_) + tail_used_);
  }

  /// The blocks appending `bytes` bytes of records (at least one record)
  /// takes from the pool, per class: to be made spare
  /// (block_pool::make_room) before append(). `fit`: the trail is not
  /// expected to grow after these records (its ticket closed): its last
  /// block ends in the smallest class that holds it.
  [[nodiscard]] block_counts blocks_needed(std::size_t bytes, bool fit = false) const noexcept {
    const growth g = plan(bytes, fit);
    block_counts n{};
    if (g.moved_class != no_move) ++n[g.moved_class];
    if (g.chained > 0) {
      n[trail_blocks::classes - 1] += g.chained - 1;
      ++n[g.last_class];
    }
    return n;
  }

  /// Appends `records` (encoded records, whose size was given to
  /// blocks_needed with the same `fit`), taking the blocks it needs from
  /// `pool` (and giving back the last block when it moves).
  void append(std::span<const unsigned char> records, block_pool& pool, bool fit = false) noexcept {
    const growth g = plan(records.size(), fit);
    if (g.moved_class != no_move) move_last(g.moved_class, pool);
    std::size_t chained = 0;
    // The next block: of the largest class but the last one chained.
    const auto grow = [&]() {
      ++chained;
      chain(chained == g.chained ? g.last_class : trail_blocks::classes - 1, pool);
    };
    const unsigned char* at = records.data();
    std::size_t left = records.size();
    while (left > 0) {
      if (room() == 0) grow();
      const std::size_t piece = left < room() ? left : room();
      std::memcpy(trail_blocks::data_of(last_) + tail_used_, at, piece);
      tail_used_ = static_cast<std::uint16_t>(tail_used_ + piece);
      at += piece;
      left -= piece;
    }
  }

  /// Gives every block back to `pool`; the trail is empty after.
  void release(block_pool& pool) noexcept {
    if (last_ != nullptr) {
      unsigned char* b = trail_blocks::next_of(last_);
      while (b != last_) {
        unsigned char* const next = trail_blocks::next_of(b);
        pool.give_back(trail_blocks::classes - 1, b);
        b = next;
      }
      pool.give_back(last_class_, last_);
    }
    last_ = nullptr;
    before_last_ = nullptr;
    tail_used_ = 0;
    last_class_ = 0;
    blocks_ = 0;
  }

 private:
  static constexpr unsigned no_move = trail_blocks::classes;

  // What an append does to the chain: the class the last block moves to
  // first (no_move: none), the blocks it chains after it (the layout's
  // new blocks), the record bytes of the last block after it, and its
  // class.
  struct growth {
    unsigned moved_class = no_move;
    std::size_t chained = 0;
    std::size_t used_after = 0;
    unsigned last_class = trail_blocks::classes - 1;
  };

  [[nodiscard]] growth plan(std::size_t bytes, bool fit) const noexcept {
    growth g;
    // The layout as if every block were of the largest class (which every
    // block but the last is).
    const std::size_t used_before = last_ == nullptr ? trail_blocks::payload : tail_used_;
    const std::size_t room_before = trail_blocks::payload - used_before;
    std::size_t used = used_before + bytes;
    if (bytes > room_before) {
      const std::size_t beyond = bytes - room_before;
      g.chained = (beyond + trail_blocks::payload - 1) / trail_blocks::payload;
      used = beyond - (g.chained - 1) * trail_blocks::payload;
    }
    g.used_after = used;
    // Only a trail of one block, or one that is to grow no more, has a
    // last block of a smaller class.
    const std::size_t blocks_after = blocks_ + g.chained;
    if (blocks_after == 1 || fit) g.last_class = trail_blocks::class_for(used);
    if (last_ != nullptr) {
      // The last block moves into the largest class before others follow
      // it, or into the class its records will take (larger as it grows;
      // smaller when a long trail's last block is fitted).
      const unsigned needed = g.chained > 0 ? trail_blocks::classes - 1 : g.last_class;
      if (needed != last_class_) g.moved_class = needed;
    }
    return g;
  }

  [[nodiscard]] std::size_t room() const noexcept {
    return last_ == nullptr ? 0 : trail_blocks::bytes_of(last_class_) - trail_blocks::link - tail_used_;
  }

  // Moves the last block's records into a block of class `c` (one that
  // holds them and what is appended to it).
  void move_last(unsigned c, block_pool& pool) noexcept {
    unsigned char* const moved = pool.take(c);
    std::memcpy(trail_blocks::data_of(moved), trail_blocks::data_of(last_), tail_used_);
    const bool alone = before_last_ == nullptr;
    trail_blocks::set_next(moved, alone ? moved : trail_blocks::next_of(last_));
    if (!alone) trail_blocks::set_next(before_last_, moved);
    pool.give_back(last_class_, last_);
    last_ = moved;
    last_class_ = static_cast<std::uint8_t>(c);
  }

  // Chains a new last block of class `c`.
  void chain(unsigned c, block_pool& pool) noexcept {
    unsigned char* const b = pool.take(c);
    if (last_ == nullptr) {
      trail_blocks::set_next(b, b);
    } else {
      trail_blocks::set_next(b, trail_blocks::next_of(last_));
      trail_blocks::set_next(last_, b);
    }
    before_last_ = last_;
    last_ = b;
    last_class_ = static_cast<std::uint8_t>(c);
    tail_used_ = 0;
    ++blocks_;
  }

  unsigned char* last_ = nullptr;
  unsigned char* before_last_ = nullptr;
  std::uint32_t blocks_ = 0;
  std::uint16_t tail_used_ = 0;
  std::uint8_t last_class_ = 0;
};

}  // namespace tierflow::detail
