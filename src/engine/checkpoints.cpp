// SPDX-License-Identifier: MIT
// Signed checkpoints on schedule: advance() anchors every stream's head in
// the operator's checkpoint log at the configured interval, so that a
// rewrite of the database by someone who can write it (and re-seal every
// hash) is caught by `tierflow audit verify --checkpoints`.
#include <tierflow/checkpoint.hpp>

#include "engine/engine_impl.hpp"

namespace tierflow {

namespace {

// The caller holds checkpoint_mutex: one checkpoint at a time per engine
// (append_new_checkpoint locks the log against other processes).
result<checkpoint> take_locked(const checkpoint_schedule& plan, const store& events,
                               std::optional<timestamp>& next, timestamp now) {
  auto taken = append_new_checkpoint(plan.log, events, *plan.key, now);
  if (!taken) return fail(std::move(taken).error().with_context("taking a checkpoint"));
  next = now + plan.interval;
  return taken;
}

}  // namespace

result<checkpoint> engine::impl::take_checkpoint(timestamp now) {
  const std::lock_guard lock(checkpoint_mutex);
  return take_locked(checkpoint_plan, *events, next_checkpoint, now);
}

result<std::uint64_t> engine::impl::checkpoint_if_due(timestamp now) {
  if (checkpoint_plan.key == nullptr) return std::uint64_t{0};
  const std::lock_guard lock(checkpoint_mutex);
  if (next_checkpoint && now < *next_checkpoint) return std::uint64_t{0};
  auto taken = take_locked(checkpoint_plan, *events, next_checkpoint, now);
  if (!taken) return fail(taken.error());
  return taken->head.sequence;
}

}  // namespace tierflow
