// SPDX-License-Identifier: MIT
// How the memory store keeps a ticket's summary: its nine texts in one heap
// block (reused while the next summary's texts fit), its times and numbers
// inline (112 bytes and the texts, where a
// ticket_summary takes 368 and a block for each long text), unpacked on read
// field for field as it was saved; the ticket id's first bytes also as two
// integers, so that the store's ordered indexes compare ids without memcmp.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <tierflow/store.hpp>

#include "store/append_checks.hpp"
#include "store/same_text.hpp"

namespace tierflow::detail {

/// A ticket_summary packed: the texts (ticket id, customer id, ticket type,
/// workflow id, state, unit, region, owner, assignee) back to back in one
/// block, each ending where `ends_` says; everything else as it is. The
/// accessors answer what the store's indexes and queries read without
/// unpacking. Moves never throw (the indexes' commit relies on it).
class packed_summary {
 public:
  /// Every text's bit, in changed_texts' numbering.
  static constexpr std::uint32_t all_texts = (std::uint32_t{1} << 9U) - 1;
  /// Where texts the store reads by name stand in packing order
  /// (texts_of), which numbers their bits too.
  static constexpr unsigned ticket_id_at = 0, customer_id_at = 1, unit_at = 5, region_at = 6;
  /// The bits of the texts the store's indexes are keyed by, in the same
  /// numbering: the customer's (customer lists) and the queue's.
  static constexpr std::uint32_t customer_text = std::uint32_t{1} << customer_id_at;
  static constexpr std::uint32_t queue_texts = (std::uint32_t{1} << unit_at) | (std::uint32_t{1} << region_at);

  /// The most text bytes a summary can hold (the ends are 32-bit).
  static constexpr std::size_t max_text_bytes = std::numeric_limits<std::uint32_t>::max();

  /// The texts' total length, which must be at most max_text_bytes.
  [[nodiscard]] static std::size_t text_bytes(const ticket_summary& s) noexcept {
    std::size_t n = 0;
    for (const std::string* t : texts_of(s)) n += t->size();
    return n;
  }

  packed_summary() = default;

  /// Packs `s`, whose text_bytes is at most max_text_bytes. May throw
  /// (bad_alloc).
  explicit packed_summary(const ticket_summary& s) {
    const std::size_t total = text_bytes(s);
    if (total > 0) {
      capacity_ = block_capacity(total);
      text_ = std::make_unique_for_overwrite<char[]>(capacity_);
    }
    assign(s);
  }

  /// True when `s`'s texts fit the block this summary holds, so that
  /// assign(s) allocates nothing.
  [[nodiscard]] bool fits(const ticket_summary& s) const noexcept { return text_bytes(s) <= capacity_; }

  /// Packs `s` into this summary in place, reusing its text block; fits(s).
  /// A ticket's summary changes with every command by a few bytes (its
  /// state, owner, assignee), so the block usually fits: no allocation and
  /// no free per command.
  void assign(const ticket_summary& s) noexcept { assign(s, all_texts); }

  /// The texts of `s` that differ from this summary's: bit i for text i
  /// in packing order (ticket id, customer id, ticket type, workflow id,
  /// state, unit, region, owner, assignee). A ticket's next summary
  /// usually changes one or two of them (its state, owner, assignee).
  [[nodiscard]] std::uint32_t changed_texts(const ticket_summary& s) const noexcept {
    const auto texts = texts_of(s);
    std::uint32_t changed = 0;
    for (std::size_t i = 0; i < texts.size(); ++i)
      if (!same_text(text(i), *texts[i])) changed |= std::uint32_t{1} << i;
    return changed;
  }

  /// True when each text of `s` whose bit (changed_texts' numbering) is
  /// set in `texts` is storable text (is_storable_text).
  [[nodiscard]] static bool texts_storable(const ticket_summary& s, std::uint32_t texts) noexcept {
    const auto all = texts_of(s);
    for (texts &= all_texts; texts != 0; texts &= texts - 1)
      if (!is_storable_text(*all[static_cast<std::size_t>(std::countr_zero(texts))])) return false;
    return true;
  }

  /// As assign(s), `changed` holding at least the bits of changed_texts(s):
  /// the texts before the first changed one are where they were and stay
  /// (none moves when none changed), the rest are copied.
  void assign(const ticket_summary& s, std::uint32_t changed) noexcept {
    opened_at_ = s.opened_at;
    closed_at_ = s.closed_at.value_or(timestamp{});
    next_timer_ = s.next_timer.value_or(timestamp{});
    nearest_due_ = s.nearest_due.value_or(timestamp{});
    version_ = s.version;
    workflow_version_ = s.workflow_version;
    closed_ = s.closed;
    has_closed_at_ = s.closed_at.has_value();
    has_next_timer_ = s.next_timer.has_value();
    has_nearest_due_ = s.nearest_due.has_value();
    changed &= all_texts;
    if (changed == 0) return;
    const auto texts = texts_of(s);
    const auto first = static_cast<std::size_t>(std::countr_zero(changed));
    std::size_t end = first == 0 ? 0 : ends_[first - 1];
    for (std::size_t i = first; i < texts.size(); ++i) {
      if (!texts[i]->empty()) std::memcpy(text_.get() + end, texts[i]->data(), texts[i]->size());
      end += texts[i]->size();
      ends_[i] = static_cast<std::uint32_t>(end);
    }
    if ((changed & 1U) == 0) return;  // the same ticket id: the same words
    const std::string_view id = s.ticket_id;
    id_words_[0] = big_endian_word(id.substr(0, std::min<std::size_t>(id.size(), word_bytes)));
    id_words_[1] = id.size() > word_bytes
                       ? big_endian_word(id.substr(word_bytes, std::min<std::size_t>(id.size() - word_bytes, word_bytes)))
                       : 0;
  }

  /// The summary as it was packed.
  [[nodiscard]] ticket_summary unpack() const {
    ticket_summary s;
    const auto texts = texts_of(s);
    for (std::size_t i = 0; i < texts.size(); ++i) texts[i]->assign(text(i));
    s.workflow_version = workflow_version_;
    s.closed = closed_;
    s.opened_at = opened_at_;
    if (has_closed_at_) s.closed_at = closed_at_;
    if (has_next_timer_) s.next_timer = next_timer_;
    if (has_nearest_due_) s.nearest_due = nearest_due_;
    s.version = version_;
    return s;
  }

  /// Starts loading the summary's fields (its two cache lines at most).
  /// A hint: no effect on any answer.
  void prefetch() const noexcept {
    __builtin_prefetch(this);
    __builtin_prefetch(reinterpret_cast<const char*>(this) + sizeof(*this) - 1);
  }
  /// Starts loading the customer id's bytes (the summary's fields are
  /// read to find them: best after prefetch()). A hint.
  void prefetch_customer_id() const noexcept {
    if (text_ != nullptr) __builtin_prefetch(text_.get() + ends_[customer_id_at - 1]);
  }

  [[nodiscard]] std::string_view ticket_id() const noexcept { return text(ticket_id_at); }
  [[nodiscard]] std::string_view customer_id() const noexcept { return text(customer_id_at); }
  [[nodiscard]] std::string_view unit() const noexcept { return text(unit_at); }
  [[nodiscard]] std::string_view region() const noexcept { return text(region_at); }
  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] timestamp opened_at() const noexcept { return opened_at_; }
  [[nodiscard]] std::optional<timestamp> next_timer() const noexcept {
    return has_next_timer_ ? std::optional<timestamp>(next_timer_) : std::nullopt;
  }
  [[nodiscard]] std::optional<timestamp> nearest_due() const noexcept {
    return has_nearest_due_ ? std::optional<timestamp>(nearest_due_) : std::nullopt;
  }
  /// The time a queue orders by: nearest_due, timestamp::max() without one.
  [[nodiscard]] timestamp queue_time() const noexcept {
    return has_nearest_due_ ? nearest_due_ : timestamp::max();
  }
  /// next_timer's value (the epoch without one): for the due index, which
  /// holds only summaries that have one.
  [[nodiscard]] timestamp timer_time() const noexcept { return next_timer_; }

  /// True when `a`'s ticket id sorts before `b`'s, bytewise (as
  /// std::string_view's operator< does). The first 16 bytes compare as two
  /// big-endian integers padded with zero bytes, which orders exactly as
  /// the bytes do (a shorter id whose padded words tie is a prefix of the
  /// other, so it sorts first); only ids that tie there and are both longer
  /// compare their remaining bytes.
  [[nodiscard]] static bool id_before(const packed_summary& a, const packed_summary& b) noexcept {
    if (a.id_words_[0] != b.id_words_[0]) return a.id_words_[0] < b.id_words_[0];
    if (a.id_words_[1] != b.id_words_[1]) return a.id_words_[1] < b.id_words_[1];
    const std::string_view x = a.ticket_id();
    const std::string_view y = b.ticket_id();
    if (x.size() <= 2 * word_bytes || y.size() <= 2 * word_bytes) return x.size() < y.size();
    return x.substr(2 * word_bytes) < y.substr(2 * word_bytes);
  }

  /// Heap bytes held: the text block (with malloc's share).
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    constexpr std::size_t heap_block_bytes = 8;
    return text_ == nullptr ? 0 : capacity_ + heap_block_bytes;
  }

 private:
  static constexpr std::size_t text_count = 9;
  static_assert(all_texts == (std::uint32_t{1} << text_count) - 1);
  static constexpr std::size_t word_bytes = sizeof(std::uint64_t);

  // The bytes malloc hands out for a request of `n` anyway (glibc: 16-byte
  // steps less its 8-byte header, 24 at least): the block's capacity, which
  // lets a later summary a little longer reuse it at no cost in memory.
  static std::uint32_t block_capacity(std::size_t n) noexcept {
    const std::size_t usable = std::max<std::size_t>(24, ((n + 8 + 15) & ~std::size_t{15}) - 8);
    return static_cast<std::uint32_t>(std::min<std::size_t>(usable, max_text_bytes));
  }

  // Up to eight bytes as an integer whose order is theirs, zero-padded at
  // the end.
  static std::uint64_t big_endian_word(std::string_view bytes) noexcept {
    std::array<unsigned char, word_bytes> padded{};
    if (!bytes.empty()) std::memcpy(padded.data(), bytes.data(), bytes.size());
    std::uint64_t word = 0;
    for (const unsigned char b : padded) word = (word << 8U) | b;
    return word;
  }

  // The texts of a summary (const or not), in packing order (the *_at
  // positions above name some of them).
  template <class Summary>
  static std::array<decltype(&std::declval<Summary&>().ticket_id), text_count> texts_of(Summary& s) noexcept {
    return {&s.ticket_id, &s.customer_id, &s.ticket_type,
            &s.workflow_id, &s.state, &s.unit, &s.region, &s.owner, &s.assignee};
  }

  [[nodiscard]] std::string_view text(std::size_t i) const noexcept {
    const std::uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    if (ends_[i] == begin) return {};
    return {text_.get() + begin, ends_[i] - begin};
  }

  std::unique_ptr<char[]> text_;
  // The ticket id's bytes 0-7 and 8-15 (id_before).
  std::array<std::uint64_t, 2> id_words_{};
  std::array<std::uint32_t, text_count> ends_{};
  // The text block's size: at least the texts' total.
  std::uint32_t capacity_ = 0;
  timestamp opened_at_{};
  timestamp closed_at_{};
  timestamp next_timer_{};
  timestamp nearest_due_{};
  std::uint64_t version_ = 0;
  std::uint32_t workflow_version_ = 0;
  bool closed_ = false;
  bool has_closed_at_ = false;
  bool has_next_timer_ = false;
  bool has_nearest_due_ = false;
};

}  // namespace tierflow::detail
