// SPDX-License-Identifier: MIT
// The memory store's table of repeated strings (actor and workflow ids,
// detail keys, recurring detail values), each kept once and named in the
// compact trails by a small number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tierflow::detail {

/// Strings kept once, numbered in the order they were first added. Numbers
/// never change and entries are never removed (a number written into a
/// trail stays readable for the store's life). Not synchronised: the memory
/// store guards it with the lock of the trails that use it.
class intern_table {
 public:
  /// The number that names no entry.
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

  /// What a detail key has seen of its values: how often one was looked up,
  /// how often it was not in the table, the last one found or added (none
  /// before), and how many were written without a lookup. The memory
  /// store's value policy (compact_trail.hpp) reads and updates it; kept on
  /// the key's entry so that it costs no second lookup.
  struct value_usage {
    std::uint32_t lookups = 0;
    std::uint32_t misses = 0;
    std::uint32_t last = std::numeric_limits<std::uint32_t>::max();
    std::uint32_t unlooked = 0;
  };

  /// The number of `text`, or none.
  [[nodiscard]] std::uint32_t find(std::string_view text) const noexcept {
    const auto found = ids_.find(text);
    return found == ids_.end() ? none : found->second;
  }

  /// The number of `text`, added when it is new. May throw (bad_alloc), and
  /// then adds nothing. Past 2^32 - 1 entries it adds nothing and returns
  /// none (the caller keeps the text as it is).
  [[nodiscard]] std::uint32_t intern(std::string_view text) {
    if (const std::uint32_t known = find(text); known != none) return known;
    if (entries_.size() >= none) return none;
    const auto id = static_cast<std::uint32_t>(entries_.size());
    entries_.push_back(entry{std::string(text), {}});
    try {
      // The key views the deque's string, whose address never changes
      // (a deque's push_back moves no element).
      ids_.emplace(std::string_view(entries_.back().text), id);
    } catch (...) {
      entries_.pop_back();
      throw;
    }
    bytes_ += entry_bytes(entries_.back().text);
    return id;
  }

  /// The text numbered `id` (a number this table handed out).
  [[nodiscard]] const std::string& text(std::uint32_t id) const noexcept { return entries_[id].text; }

  /// The usage record of entry `id` (a number this table handed out).
  [[nodiscard]] value_usage& usage(std::uint32_t id) noexcept { return entries_[id].usage; }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

  /// Heap bytes held, approximately: entries, their text, the hash nodes
  /// and the bucket array.
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    return bytes_ + ids_.bucket_count() * sizeof(void*);
  }

 private:
  struct entry {
    std::string text;
    value_usage usage;
  };
  // Not noexcept on purpose: libstdc++ then keeps each node's hash, so a
  // lookup does not hash the keys of the nodes it steps past, nor growth
  // every key again.
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // An entry in the deque, its text when longer than the string's inline
  // buffer, and its hash node (a view, the number, the link and the cached
  // hash, rounded up by malloc).
  static std::size_t entry_bytes(const std::string& text) noexcept {
    constexpr std::size_t hash_node = 48;
    const auto* self = reinterpret_cast<const char*>(&text);
    const std::less<const char*> before{};
    const bool inline_text = !before(text.data(), self) && before(text.data(), self + sizeof text);
    return sizeof(entry) + hash_node + (inline_text ? 0 : text.capacity() + 1);
  }

  std::deque<entry> entries_;
  std::unordered_map<std::string_view, std::uint32_t, text_hash, std::equal_to<>> ids_;
  std::size_t bytes_ = 0;
};

}  // namespace tierflow::detail
