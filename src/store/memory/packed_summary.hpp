// SPDX-License-Identifier: MIT
// How the memory store keeps a ticket's summary: its nine texts in one heap
// block, its times and numbers inline (96 bytes and the texts, where a
// ticket_summary takes 368 and a block for each long text), unpacked on read
// field for field as it was saved.
#pragma once

#include <array>
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

namespace tierflow::detail {

/// A ticket_summary packed: the texts (ticket id, customer id, ticket type,
/// workflow id, state, unit, region, owner, assignee) back to back in one
/// block, each ending where `ends_` says; everything else as it is. The
/// accessors answer what the store's indexes and queries read without
/// unpacking. Moves never throw (the indexes' commit relies on it).
class packed_summary {
 public:
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
  explicit packed_summary(const ticket_summary& s)
      : opened_at_(s.opened_at),
        closed_at_(s.closed_at.value_or(timestamp{})),
        next_timer_(s.next_timer.value_or(timestamp{})),
        nearest_due_(s.nearest_due.value_or(timestamp{})),
        version_(s.version),
        workflow_version_(s.workflow_version),
        closed_(s.closed),
        has_closed_at_(s.closed_at.has_value()),
        has_next_timer_(s.next_timer.has_value()),
        has_nearest_due_(s.nearest_due.has_value()) {
    const auto texts = texts_of(s);
    const std::size_t total = text_bytes(s);
    if (total > 0) text_ = std::make_unique_for_overwrite<char[]>(total);
    std::size_t end = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (!texts[i]->empty()) std::memcpy(text_.get() + end, texts[i]->data(), texts[i]->size());
      end += texts[i]->size();
      ends_[i] = static_cast<std::uint32_t>(end);
    }
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

  [[nodiscard]] std::string_view ticket_id() const noexcept { return text(0); }
  [[nodiscard]] std::string_view customer_id() const noexcept { return text(1); }
  [[nodiscard]] std::string_view unit() const noexcept { return text(5); }
  [[nodiscard]] std::string_view region() const noexcept { return text(6); }
  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] timestamp opened_at() const noexcept { return opened_at_; }
  [[nodiscard]] std::optional<timestamp> next_timer() const noexcept {
    return has_next_timer_ ? std::optional<timestamp>(next_timer_) : std::nullopt;
  }
  [[nodiscard]] std::optional<timestamp> nearest_due() const noexcept {
    return has_nearest_due_ ? std::optional<timestamp>(nearest_due_) : std::nullopt;
  }

  /// Bytes held: the object and its text block (with malloc's share).
  [[nodiscard]] std::size_t bytes() const noexcept {
    constexpr std::size_t heap_block_bytes = 16;
    return sizeof(packed_summary) + (text_ == nullptr ? 0 : ends_.back() + heap_block_bytes);
  }

 private:
  static constexpr std::size_t text_count = 9;

  // The texts of a summary (const or not), in packing order.
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
  std::array<std::uint32_t, text_count> ends_{};
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
