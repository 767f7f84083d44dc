// SPDX-License-Identifier: MIT
// An event's detail by key, as the KPI walk reads it: event::detail
// without a call to memcmp for each detail whose key has the length of
// the one asked.
//
// The walk asks each event for two to five keys, every one a constant
// (tierflow/event_schema.hpp), and many keys share a length
// ("unit_calendar_s" and "wait_calendar_s"): event::detail called memcmp
// for each of those, about a third of the fold of a closed M/M/10 ticket.
// Inlined with the key a constant, a detail costs a comparison of its
// length with a number, and one of the same length two loads a side.
#pragma once

#include <optional>
#include <string_view>

#include "store/same_text.hpp"

namespace tierflow::kpi::detail {

/// same_text, without its memcmp for texts of 17 to 32 bytes
/// ("ticket_calendar_s"): two overlapping halves of 16.
[[nodiscard]] [[gnu::always_inline]] inline bool same_key(std::string_view text,
                                                          std::string_view key) noexcept {
  using tierflow::detail::same_text;
  const std::size_t n = key.size();
  if (text.size() != n) return false;
  if (n <= 16 || n > 32) return same_text(text, key);
  // Not substr(): its bounds check is a call g++ does not inline.
  return same_text({text.data(), 16}, {key.data(), 16}) &&
         same_text({text.data() + n - 16, 16}, {key.data() + n - 16, 16});
}

/// The value of the first detail of `e` (an event or an event_view) with
/// key `key`, or nullopt: as e.detail(key).
template <class Event>
[[nodiscard]] [[gnu::always_inline]] inline std::optional<std::string_view> find(
    const Event& e, std::string_view key) noexcept {
  for (const auto& [k, v] : e.details)
    if (same_key(k, key)) return std::string_view(v);
  return std::nullopt;
}

}  // namespace tierflow::kpi::detail
