// SPDX-License-Identifier: MIT
// Did-you-mean hints for unknown names: an edit distance and the pick of the
// closest candidate.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tierflow::detail {

/// Optimal-string-alignment (restricted Damerau-Levenshtein) distance: the
/// fewest insertions, deletions, substitutions and swaps of two adjacent
/// characters turning `a` into `b` ("limt" -> "limit" is 1, "tow" -> "two"
/// is 1). Bytes are compared, which is exact for snake_case identifiers.
/// O(|a| · |b|) time, O(|b|) memory.
[[nodiscard]] inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = b.size();
  // Three rows: two back (for swaps), previous, current.
  std::vector<std::size_t> before(n + 1), prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[n];
}

/// The largest distance at which `word` still gets a suggestion:
/// max(1, |word| / 3). Short words tolerate one typo, long ones more.
[[nodiscard]] constexpr std::size_t max_suggestion_distance(std::string_view word) noexcept {
  return std::max<std::size_t>(1, word.size() / 3);
}

/// The candidate closest to `word` within max_suggestion_distance(word), or
/// "" when none is that close (or `word` itself is a candidate). Ties go to
/// the alphabetically first candidate, so the hint never depends on the
/// order things were declared in.
template <class Range>
[[nodiscard]] std::string closest(std::string_view word, const Range& candidates) {
  const std::size_t limit = max_suggestion_distance(word);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::string_view candidate(c);
    if (candidate.empty()) continue;
    const std::size_t d = edit_distance(word, candidate);
    if (d == 0) return {};
    if (d < best_distance || (d == best_distance && candidate < std::string_view(best))) {
      best = std::string(candidate);
      best_distance = d;
    }
  }
  return best_distance <= limit ? best : std::string{};
}

/// " (did you mean 'x'?)" for the closest candidate, or "" when there is none:
/// ready to append to a message.
template <class Range>
[[nodiscard]] std::string did_you_mean(std::string_view word, const Range& candidates) {
  const std::string best = closest(word, candidates);
  if (best.empty()) return {};
  return " (did you mean '" + best + "'?)";
}

}  // namespace tierflow::detail
