// SPDX-License-Identifier: MIT
// Checkpoints: the leaves and the signed tree head (their canonical
// encodings), taking a checkpoint of a store, and judging a checkpoint log,
// alone and against the store.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/audit.hpp>
#include <tierflow/checkpoint.hpp>

#include "audit/hex.hpp"
#include "audit/merkle.hpp"

namespace tierflow {
namespace {

// Domain strings: a signature or a leaf hash of tierflow's never stands for
// anything else, and a future format changes the string.
constexpr std::string_view leaf_domain = "tierflow-checkpoint-leaf-v1";
constexpr std::string_view head_domain = "tierflow-checkpoint-tree-head-v1";

void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xffU));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_u64(out, bytes.size());
  out.append(bytes);
}

void put_domain(std::string& out, std::string_view domain) {
  out.append(domain);
  out.push_back('\0');
}

template <std::size_t N>
std::string_view raw(const std::array<std::uint8_t, N>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), N};
}

std::string short_hex(const event_hash& hash) { return detail::hex_of(hash.data(), 6) + "…"; }

std::vector<merkle_hash> leaf_hashes(std::span<const checkpoint_leaf> leaves) {
  std::vector<merkle_hash> out;
  out.reserve(leaves.size());
  for (const checkpoint_leaf& leaf : leaves) out.push_back(leaf_hash(leaf));
  return out;
}

bool sorted_and_unique(std::span<const checkpoint_leaf> leaves) {
  return std::adjacent_find(leaves.begin(), leaves.end(),
                            [](const checkpoint_leaf& a, const checkpoint_leaf& b) {
                              return a.stream >= b.stream;
                            }) == leaves.end();
}

const checkpoint_leaf* find_leaf(std::span<const checkpoint_leaf> sorted, std::string_view stream) {
  const auto it = std::lower_bound(
      sorted.begin(), sorted.end(), stream,
      [](const checkpoint_leaf& leaf, std::string_view id) { return leaf.stream < id; });
  return it != sorted.end() && it->stream == stream ? &*it : nullptr;
}

// check_checkpoints, and which checkpoints passed its own checks (key,
// signature, root): only those are held against the store.
std::vector<checkpoint_problem> check_log(std::span<const checkpoint> checkpoints,
                                          const verify_key& key, std::vector<bool>& trusted) {
  std::vector<checkpoint_problem> problems;
  trusted.assign(checkpoints.size(), false);
  const std::string key_id = key.id();
  const auto report = [&](checkpoint_fault fault, std::uint64_t sequence, std::string stream,
                          std::string message) {
    problems.push_back({fault, sequence, std::move(stream), std::move(message)});
  };
  // The latest trusted leaf of every stream, and the checkpoint holding it.
  struct seen_leaf {
    std::uint64_t checkpoint;
    std::uint64_t version;
    event_hash head;
  };
  std::map<std::string, seen_leaf, std::less<>> latest;
  std::optional<std::uint64_t> previous_sequence;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    const checkpoint& c = checkpoints[i];
    const std::uint64_t seq = c.head.sequence;
    if (previous_sequence && seq <= *previous_sequence) {
      report(checkpoint_fault::sequence_order, seq, "",
             "follows checkpoint " + std::to_string(*previous_sequence) +
                 ": checkpoints were removed, reordered or repeated");
    }
    previous_sequence = seq;
    if (c.head.key_id != key_id) {
      report(checkpoint_fault::wrong_key, seq, "",
             "signed by key " + c.head.key_id + ", not by key " + key_id);
      continue;
    }
    if (!verify_tree_head(c.head, key)) {
      report(checkpoint_fault::bad_signature, seq, "",
             "the signature does not verify: the tree head was changed after signing");
      continue;
    }
    if (!sorted_and_unique(c.leaves)) {
      report(checkpoint_fault::root_mismatch, seq, "",
             "the leaves are not sorted by stream, each once: the log was edited");
      continue;
    }
    if (c.head.tree_size != c.leaves.size() || merkle_root(leaf_hashes(c.leaves)) != c.head.root) {
      report(checkpoint_fault::root_mismatch, seq, "",
             "the leaves do not hash to the signed root: the log's leaves were edited");
      continue;
    }
    trusted[i] = true;
    for (auto it = latest.begin(); it != latest.end();) {
      const checkpoint_leaf* now = find_leaf(c.leaves, it->first);
      const auto before = [&] {
        return "checkpoint " + std::to_string(it->second.checkpoint) + " recorded version " +
               std::to_string(it->second.version);
      };
      if (now == nullptr) {
        report(checkpoint_fault::stream_regressed, seq, it->first,
               "missing from this checkpoint; " + before());
        it = latest.erase(it);
        continue;
      }
      if (now->version < it->second.version) {
        report(checkpoint_fault::stream_regressed, seq, it->first,
               "version " + std::to_string(now->version) + " here; " + before());
      } else if (now->version == it->second.version && now->head != it->second.head) {
        report(checkpoint_fault::stream_regressed, seq, it->first,
               "another head at the same version; " + before() + " with head " +
                   short_hex(it->second.head));
      }
      ++it;
    }
    for (const checkpoint_leaf& leaf : c.leaves)
      latest[leaf.stream] = {seq, leaf.version, leaf.head};
  }
  return problems;
}

// A leaf to hold against the store, with the checkpoint it came from.
struct anchored {
  std::uint64_t checkpoint;
  std::uint64_t version;
  event_hash head;
};

// The store's side for one stream: every anchored leaf (in log order) against
// its events.
std::optional<checkpoint_problem> judge_stream(const store& s, const std::string& stream,
                                               std::span<const anchored> leaves,
                                               std::uint64_t& events_read) {
  auto loaded = s.load(stream);
  if (!loaded) {
    return checkpoint_problem{checkpoint_fault::unreadable, leaves.front().checkpoint, stream,
                              "cannot be read: " + loaded.error().message()};
  }
  const std::vector<event>& events = *loaded;
  events_read += events.size();
  std::uint64_t furthest = 0;
  for (const anchored& a : leaves) furthest = std::max(furthest, a.version);
  // Only the anchored prefix is judged here (and hashed once for all the
  // checkpoints); events after it are plain verification's business.
  const std::span<const event> prefix(
      events.data(), static_cast<std::size_t>(std::min<std::uint64_t>(furthest, events.size())));
  const std::optional<broken_link> broken =
      first_break(stream, prefix, prefix.empty() ? event_hash{} : prefix.back().hash);

  const auto judge =
      [&](const anchored& a) -> std::optional<std::pair<checkpoint_fault, std::string>> {
    if (a.version == 0) return std::nullopt;
    if (events.empty()) {
      return std::pair{
          checkpoint_fault::gone,
          "the store no longer has this stream; it was at version " + std::to_string(a.version)};
    }
    if (events.size() < a.version) {
      return std::pair{checkpoint_fault::truncated,
                       "the stream has " + std::to_string(events.size()) +
                           " events; the checkpoint recorded version " + std::to_string(a.version)};
    }
    if (broken && broken->sequence <= a.version) {
      return std::pair{checkpoint_fault::rewritten, "history up to version " +
                                                        std::to_string(a.version) +
                                                        " no longer verifies: " + broken->message};
    }
    const event_hash& stored = events[static_cast<std::size_t>(a.version - 1)].hash;
    if (stored != a.head) {
      return std::pair{checkpoint_fault::rewritten,
                       "event " + std::to_string(a.version) + " has hash " + short_hex(stored) +
                           ", the checkpoint recorded " + short_hex(a.head) + ": events 1-" +
                           std::to_string(a.version) + " were rewritten and the chain re-sealed"};
    }
    return std::nullopt;
  };
  std::optional<checkpoint_problem> first;
  std::size_t later = 0;
  for (const anchored& a : leaves) {
    auto found = judge(a);
    if (!found) continue;
    if (first) {
      ++later;
    } else {
      first = checkpoint_problem{found->first, a.checkpoint, stream, std::move(found->second)};
    }
  }
  // One problem per stream, at the earliest checkpoint that shows it; the
  // later ones that show it too are counted.
  if (first && later > 0) {
    first->message +=
        " (and in " + std::to_string(later) + " later checkpoint" + (later == 1 ? "" : "s") + ")";
  }
  return first;
}

}  // namespace

std::string leaf_encoding(const checkpoint_leaf& leaf) {
  std::string out;
  out.reserve(leaf_domain.size() + 1 + 8 + leaf.stream.size() + 8 + 32);
  put_domain(out, leaf_domain);
  put_bytes(out, leaf.stream);
  put_u64(out, leaf.version);
  out.append(raw(leaf.head));
  return out;
}

merkle_hash leaf_hash(const checkpoint_leaf& leaf) { return merkle_leaf_hash(leaf_encoding(leaf)); }

std::string signed_encoding(const tree_head& head) {
  std::string out;
  put_domain(out, head_domain);
  put_u64(out, head.sequence);
  // Two's complement of the signed count, as the event encoding does.
  put_u64(out, static_cast<std::uint64_t>(head.time.time_since_epoch().count()));
  put_u64(out, head.tree_size);
  out.append(raw(head.root));
  put_bytes(out, head.key_id);
  return out;
}

bool verify_tree_head(const tree_head& head, const verify_key& key) noexcept {
  try {
    return head.key_id == key.id() && key.verify(signed_encoding(head), head.signature);
  } catch (...) {  // std::bad_alloc building the message: nothing verified
    return false;
  }
}

result<checkpoint> sign_checkpoint(std::vector<checkpoint_leaf> leaves, const signing_key& key,
                                   timestamp now, std::uint64_t sequence) {
  std::sort(leaves.begin(), leaves.end(),
            [](const checkpoint_leaf& a, const checkpoint_leaf& b) { return a.stream < b.stream; });
  if (!sorted_and_unique(leaves)) {
    return fail(errc::invalid_argument, "a checkpoint names each stream once");
  }
  checkpoint out;
  out.head.sequence = sequence;
  out.head.time = now;
  out.head.tree_size = leaves.size();
  out.head.root = merkle_root(leaf_hashes(leaves));
  out.head.key_id = key.public_key().id();
  out.head.signature = key.sign(signed_encoding(out.head));
  out.leaves = std::move(leaves);
  return out;
}

result<checkpoint> make_checkpoint(const store& s, const signing_key& key, timestamp now,
                                   std::uint64_t sequence) {
  auto streams = s.streams();
  if (!streams) return fail(std::move(streams).error().with_context("listing the streams"));
  std::vector<checkpoint_leaf> leaves;
  leaves.reserve(streams->size());
  for (std::string& id : *streams) {
    auto head = s.head(id);
    if (!head)
      return fail(std::move(head).error().with_context("reading the head of '" + id + "'"));
    leaves.push_back({std::move(id), head->version, head->head});
  }
  return sign_checkpoint(std::move(leaves), key, now, sequence);
}

std::vector<checkpoint_problem> check_checkpoints(std::span<const checkpoint> checkpoints,
                                                  const verify_key& key) {
  std::vector<bool> trusted;
  return check_log(checkpoints, key, trusted);
}

checkpoint_report verify_checkpoints(const store& s, std::span<const checkpoint> checkpoints,
                                     const verify_key& key) {
  checkpoint_report report;
  report.checkpoints = checkpoints.size();
  std::vector<bool> trusted;
  report.problems = check_log(checkpoints, key, trusted);
  std::map<std::string, std::vector<anchored>, std::less<>> by_stream;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    if (!trusted[i]) continue;
    for (const checkpoint_leaf& leaf : checkpoints[i].leaves) {
      by_stream[leaf.stream].push_back({checkpoints[i].head.sequence, leaf.version, leaf.head});
      ++report.leaves;
    }
  }
  report.streams = by_stream.size();
  for (const auto& [stream, leaves] : by_stream) {
    if (auto found = judge_stream(s, stream, leaves, report.events)) {
      report.problems.push_back(std::move(*found));
    }
  }
  return report;
}

}  // namespace tierflow
