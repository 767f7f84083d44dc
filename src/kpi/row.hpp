// SPDX-License-Identifier: MIT
// The running counts of one report row (a group, one manager's tickets, or
// all tickets) while trails stream in, and their turning into
// kpi::indicators at the end.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <tierflow/kpi.hpp>

namespace tierflow::kpi::detail {

/// The counts of one deadline in one row.
struct deadline_counts {
  std::uint64_t stopped = 0, met = 0;   // on time: met ÷ stopped
  std::uint64_t due = 0, breached = 0;  // breached ÷ due in the period
  [[nodiscard]] bool any() const noexcept { return stopped + due != 0; }
};

/// Duration samples, whole seconds: the one part of a row that grows with
/// tickets. Held in blocks of 4 KiB: growing never copies the samples
/// held, nor holds room for up to twice as many, as a vector's doubling
/// did (a run of a million tickets keeps a dozen lists of them).
class sample_list {
 public:
  void push_back(std::int64_t v) {
    if (used_ == block_size) [[unlikely]]
      add_block();
    (*blocks_.back())[used_++] = v;
  }
  [[nodiscard]] std::size_t size() const noexcept {
    return blocks_.empty() ? 0 : (blocks_.size() - 1) * block_size + used_;
  }
  /// The samples in the order added, into `out` (its contents replaced).
  void copy_into(std::vector<std::int64_t>& out) const {
    out.clear();
    out.reserve(size());
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
      const std::size_t n = i + 1 == blocks_.size() ? used_ : block_size;
      const auto first = blocks_[i]->begin();
      out.insert(out.end(), first, first + static_cast<std::ptrdiff_t>(n));
    }
  }

 private:
  static constexpr std::size_t block_size = 512;
  using block = std::array<std::int64_t, block_size>;
  // Out of line: push_back, inlined where the walk counts, stays a few
  // instructions.
  [[gnu::noinline]] void add_block() {
    blocks_.push_back(std::unique_ptr<block>(new block));  // not zeroed: written before read
    used_ = 0;
  }
  std::vector<std::unique_ptr<block>> blocks_;
  std::size_t used_ = block_size;  // of the last block; none yet: "full"
};

/// What a row has counted so far. Deadlines and workflows are indexed by
/// the accumulator's slots (names interned once), so adding to a row never
/// looks a name up.
struct row_counts {
  std::uint64_t opened = 0, closed = 0;
  std::vector<deadline_counts> deadlines;  // by deadline slot
  sample_list contact_calendar, contact_business, resolve_calendar, resolve_business;
  std::uint64_t first_contact_resolved = 0;
  std::uint64_t escalated = 0;
  std::vector<std::uint64_t> levels;  // by level reached
  std::uint64_t handoffs = 0, returns = 0;
  std::uint64_t bounced = 0, repeats = 0, reopened = 0;
  std::vector<std::uint64_t> closed_by_workflow;  // by workflow slot, for the callback rate
  std::uint64_t callbacks = 0;
  std::uint64_t satisfied = 0, answered = 0;

  deadline_counts& deadline(std::size_t slot) {
    if (deadlines.size() <= slot) deadlines.resize(slot + 1);
    return deadlines[slot];
  }
  void count_level(std::size_t level) {
    if (levels.size() <= level) levels.resize(level + 1);
    ++levels[level];
  }
  void count_closed_workflow(std::size_t slot) {
    if (closed_by_workflow.size() <= slot) closed_by_workflow.resize(slot + 1);
    ++closed_by_workflow[slot];
  }
};

/// Count, mean and nearest-rank percentiles of `samples` (which may be
/// reordered). O(n): a run of a million tickets sorted every row's samples
/// for four values each. Samples that span fewer values than there are
/// samples (waits and times in whole seconds, mostly) are counted per
/// value and the ranks read off the counts; others are partitioned around
/// the percentiles' ranks (std::nth_element: also O(n), with a larger
/// constant).
[[nodiscard]] inline distribution distribution_of(std::vector<std::int64_t>& samples) {
  distribution d;
  d.count = samples.size();
  if (samples.empty()) return d;
  // Summed as long double: 10^5 samples of years in seconds stay exact.
  const long double sum = std::accumulate(
      samples.begin(), samples.end(), 0.0L,
      [](long double a, std::int64_t v) { return a + static_cast<long double>(v); });
  d.mean = static_cast<double>(sum / static_cast<long double>(samples.size()));
  // Nearest rank: the smallest value with at least p·n values at or below
  // it, rank ⌈p·n⌉ (1-based), in integers so that p·n never rounds wrong.
  const std::uint64_t n = samples.size();
  const auto rank = [&](std::uint64_t percent) {
    return std::max<std::uint64_t>((percent * n + 99) / 100, 1);
  };
  const auto [low, high] = std::minmax_element(samples.begin(), samples.end());
  const std::int64_t lo = *low;
  d.max = *high;
  // hi − lo as unsigned: no overflow for any two int64 values.
  const std::uint64_t span = static_cast<std::uint64_t>(*high) - static_cast<std::uint64_t>(lo);
  if (span < n && n <= std::numeric_limits<std::uint32_t>::max()) {
    std::vector<std::uint32_t> counts(static_cast<std::size_t>(span) + 1, 0);
    const auto base = static_cast<std::uint64_t>(lo);
    for (const std::int64_t v : samples)
      ++counts[static_cast<std::size_t>(static_cast<std::uint64_t>(v) - base)];
    const std::array<std::uint64_t, 3> ranks{rank(50), rank(90), rank(99)};
    std::array<std::int64_t, 3> at{};
    std::size_t next = 0;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size() && next < ranks.size(); ++i) {
      seen += counts[i];
      while (next < ranks.size() && ranks[next] <= seen)
        at[next++] = static_cast<std::int64_t>(base + i);
    }
    d.p50 = at[0];
    d.p90 = at[1];
    d.p99 = at[2];
    return d;
  }
  // Each selection leaves everything after its rank at or above it, so the
  // next (higher) rank is selected among those alone.
  const auto begin = samples.begin();
  std::ptrdiff_t from = 0;
  const auto select = [&](std::uint64_t percent) {
    const auto at = static_cast<std::ptrdiff_t>(rank(percent) - 1);
    std::nth_element(begin + from, begin + at, samples.end());
    from = at;
    return begin[at];
  };
  d.p50 = select(50);
  d.p90 = select(90);
  d.p99 = select(99);
  return d;
}

/// The names the slots stand for, and which workflows record callbacks.
struct slot_names {
  const std::vector<std::string>* deadlines = nullptr;  // by deadline slot
  std::size_t step_slot = 0;                            // the slot of "step"
  const std::vector<bool>* records_callback = nullptr;  // by workflow slot
};

/// distribution_of the samples in `list`, copied into `scratch`.
[[nodiscard]] inline distribution distribution_of(const sample_list& list,
                                                  std::vector<std::int64_t>& scratch) {
  list.copy_into(scratch);
  return distribution_of(scratch);
}

/// The indicators of a row.
[[nodiscard]] inline indicators indicators_of(const row_counts& r, const slot_names& names) {
  indicators out;
  out.opened = r.opened;
  out.closed = r.closed;
  for (std::size_t slot = 0; slot < r.deadlines.size(); ++slot) {
    const deadline_counts& c = r.deadlines[slot];
    if (!c.any()) continue;
    out.deadlines[(*names.deadlines)[slot]] = {{c.met, c.stopped}, {c.breached, c.due}};
    // The step limits are per state, not promises to the customer: they
    // have their own row and stay out of the overall on-time rate.
    if (slot == names.step_slot) continue;
    out.on_time.numerator += c.met;
    out.on_time.denominator += c.stopped;
  }
  std::vector<std::int64_t> scratch;
  out.contact_calendar = distribution_of(r.contact_calendar, scratch);
  out.contact_business = distribution_of(r.contact_business, scratch);
  out.resolve_calendar = distribution_of(r.resolve_calendar, scratch);
  out.resolve_business = distribution_of(r.resolve_business, scratch);
  out.first_contact_resolution = {r.first_contact_resolved, r.closed};
  out.escalation = {r.escalated, r.opened};
  for (std::size_t level = 0; level < r.levels.size(); ++level)
    if (r.levels[level] != 0)
      out.levels_reached[static_cast<std::uint32_t>(level)] = r.levels[level];
  out.handoffs = r.handoffs;
  out.returns = r.returns;
  out.bounce = {r.bounced, r.opened};
  out.repeat = {r.repeats, r.opened};
  out.reopen = {r.reopened, r.closed};
  // Only the workflows that record callbacks owe one: a fault repair closed
  // without a callback is not a missed callback.
  std::uint64_t owing = 0;
  for (std::size_t w = 0; w < r.closed_by_workflow.size(); ++w)
    if (w < names.records_callback->size() && (*names.records_callback)[w])
      owing += r.closed_by_workflow[w];
  out.callback = {r.callbacks, owing};
  out.satisfaction = {r.satisfied, r.answered};
  return out;
}

}  // namespace tierflow::kpi::detail
