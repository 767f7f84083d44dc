// SPDX-License-Identifier: MIT
// The in-memory store: the engine's default, for tests, the simulator and
// hosts that keep the trail elsewhere. Nothing survives the process.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/store.hpp>

namespace tierflow {

/// An in-memory implementation of store, with the full store contract
/// (atomic appends, version checks, text checks, indexes). Its summaries
/// carry no seal: they live in this process's memory, written only by
/// append under the stream's lock together with the head, so nothing
/// outside tierflow can edit one and a seal would only be checked against
/// itself; summary() never returns errc::data_loss.
///
/// Compact: a stream's events are kept as records of a few dozen bytes an
/// event (the hash, a small header, detail values; actor and workflow ids,
/// detail keys and recurring detail values named by number from a table of
/// strings kept once), in a chain of blocks of up to 256 bytes from a pool
/// (an append copies none of the records already held, and a released
/// trail's blocks serve later ones; a short trail's one block is sized to
/// it in steps of 32 bytes), and decoded on load() and release_trail(),
/// byte for byte as appended; a summary keeps its texts in
/// one block (a summary whose texts exceed 4 GiB in all is refused with
/// errc::invalid_argument). append_request::movable is not needed and the
/// caller's vector is left as it was. Strings the table takes are kept for the
/// store's life: ids and keys (up to 64 bytes), and the values of a key
/// while they keep repeating (a key whose values are mostly new, such as a
/// customer id or a due time, stops adding them after a few dozen).
///
/// Thread-safe. Streams are split over a few shards by a hash of their id,
/// each under its own reader-writer lock, and the queue, due and open
/// indexes are split with them (a ticket is indexed in its stream's shard):
/// a ticket's append takes its shard's lock and its customer's (the
/// customer lists are split over shards of their own by customer id), so
/// appends to unrelated tickets run at once and none waits on a lock every
/// append takes. queue(), due() and open_tickets() read every shard (under
/// all their read locks at once: one consistent view) and merge the parts
/// in the contract's order; customer_tickets() reads one customer shard.
/// Streams, customers' lists and the interned strings are found through
/// open-addressed tables (O(1) expected, one hash per call; they double,
/// never rehashing per insert; a new customer allocates no node);
/// queues, timers and open tickets are ordered (O(log n) per insert, O(1)
/// per removal; a queue's and the timers' nodes hold their time, so a
/// search reads no summary but on a tie). A ticket whose deadline changes
/// within its queue, or whose timer changes, keeps its entries where they
/// are until the next queue() or due(), which moves them first (its own
/// nodes, allocating nothing; kept in place when the new time leaves them
/// where they were): a ticket that moves many times between two reads
/// moves once, and one that closes first not at all. Queries are
/// O(answer) after one lookup per shard and those moves.
class memory_store final : public store {
 public:
  memory_store();
  ~memory_store() override;
  memory_store(const memory_store&) = delete;
  memory_store& operator=(const memory_store&) = delete;

  [[nodiscard]] result<void> append(const append_request& request) override;
  [[nodiscard]] result<std::vector<event>> load(std::string_view ticket_id) const override;
  [[nodiscard]] result<stream_head> head(std::string_view ticket_id) const override;
  [[nodiscard]] result<std::uint64_t> next_ticket_number() override;
  [[nodiscard]] result<ticket_summary> summary(std::string_view ticket_id) const override;
  [[nodiscard]] result<std::vector<ticket_summary>> queue(std::string_view unit,
                                                          std::string_view region) const override;
  [[nodiscard]] result<std::vector<ticket_summary>> customer_tickets(
      std::string_view customer_id) const override;
  [[nodiscard]] result<std::vector<due_ticket>> due(timestamp now,
                                                    std::size_t limit) const override;
  [[nodiscard]] result<std::vector<ticket_summary>> open_tickets() const override;
  [[nodiscard]] result<std::vector<std::string>> streams() const override;

  /// Gives up the events of a ticket's stream, which leave the store
  /// (decoded, and their blocks given back to the pool for later trails):
  /// for a host that has read what it
  /// needs of a closed ticket's trail (the simulator folds it into its
  /// indicators) and has no further use for it. The summary stays, so the ticket is
  /// still counted in its customer's history and found by summary(),
  /// streams() and the indexes. After it, load() and head() of the ticket,
  /// and append() to it, fail with errc::not_found naming the ticket and
  /// "trail released", changing nothing. Errors: errc::not_found for an
  /// unknown stream, one that has no summary (not a ticket) or one already
  /// released; errc::invalid_argument for a ticket that is not closed (its
  /// engine still needs the trail). O(the trail's bytes).
  [[nodiscard]] result<std::vector<event>> release_trail(std::string_view ticket_id);

  /// As release_trail(ticket_id), with the same errors and effects, but
  /// decoding into `room` instead of a new vector: the trail is the first
  /// n elements of `room` (n its length), which the returned span views
  /// (valid until `room` changes). `room` grows when the trail is longer
  /// and never shrinks; its elements are assigned in place, their strings
  /// and detail lists keeping their capacity, and the ones past the trail
  /// are left as they were: a host that releases trail after trail into
  /// one vector (the simulator's fold) allocates nothing per ticket once it
  /// has seen its longest. On an error `room` is unchanged; should decoding
  /// fail to allocate (std::bad_alloc, thrown), the trail stays in the store
  /// and `room` holds part of it.
  [[nodiscard]] result<std::span<event>> release_trail(std::string_view ticket_id, std::vector<event>& room);

  /// As release_trail(ticket_id), with the same errors and effects, but
  /// handing the trail to `visit` as views instead of decoding it into
  /// events (their texts viewing the store's copies, valid only during the
  /// visit; the hashes left out, as the store checked the chain when it was
  /// appended): `visit` is called once, with every event of the trail in
  /// order, while the store holds the ticket's shard locked (it must not
  /// call the store), and the trail leaves the store after it returns. On
  /// an error `visit` is not called. Should `visit` throw, the exception
  /// propagates and the trail stays in the store.
  [[nodiscard]] result<void> release_trail(
      std::string_view ticket_id, const std::function<void(std::span<const event_view>)>& visit);

  /// Approximate bytes held (the trails' blocks, the string tables,
  /// summaries, indexes, with an estimate of malloc's share of each
  /// block): for the benchmarks' bytes-per-ticket and bytes-per-event
  /// figures. Spare blocks in the pool (a released trail's until a later
  /// trail takes them, and the untaken rest of the slabs of 16 KiB the
  /// blocks are carved from) are not counted, as malloc's free memory is
  /// not. Exact when no append runs at the same time.
  [[nodiscard]] std::size_t memory_bytes() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tierflow
