// SPDX-License-Identifier: MIT
// The Merkle tree of RFC 9162 (Certificate Transparency v2), section 2.1:
// leaf and node hashes with their 0x00 / 0x01 prefixes, the tree head MTH
// over any number of leaves, audit paths and their verification.
#include "audit/merkle.hpp"

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tierflow {
namespace detail {

merkle_hash sha256_of(std::string_view bytes) noexcept {
  merkle_hash out{};
  // Pure computation: libsodium's hash cannot fail and needs no sodium_init.
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return out;
}

bool sodium_ready() noexcept {
  // sodium_init is itself thread-safe and idempotent (0 first, 1 after);
  // the static only saves repeating it.
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace detail

namespace {

// The largest power of two strictly smaller than n (n >= 2): RFC 9162's k,
// where the left subtree ends.
std::size_t split_point(std::size_t n) noexcept {
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

merkle_hash subtree_root(std::span<const merkle_hash> leaves) {
  if (leaves.size() == 1) return leaves[0];
  const std::size_t k = split_point(leaves.size());
  return merkle_node_hash(subtree_root(leaves.first(k)), subtree_root(leaves.subspan(k)));
}

// PATH(m, D[n]) built leaf-first: the deeper siblings come first, as the
// verifier consumes them.
void append_path(std::span<const merkle_hash> leaves, std::size_t m,
                 std::vector<merkle_hash>& out) {
  if (leaves.size() <= 1) return;
  const std::size_t k = split_point(leaves.size());
  if (m < k) {
    append_path(leaves.first(k), m, out);
    out.push_back(subtree_root(leaves.subspan(k)));
  } else {
    append_path(leaves.subspan(k), m - k, out);
    out.push_back(subtree_root(leaves.first(k)));
  }
}

}  // namespace

merkle_hash merkle_leaf_hash(std::string_view leaf) {
  std::string bytes;
  bytes.reserve(leaf.size() + 1);
  bytes.push_back('\x00');
  bytes.append(leaf);
  return detail::sha256_of(bytes);
}

merkle_hash merkle_node_hash(const merkle_hash& left, const merkle_hash& right) {
  std::string bytes;
  bytes.reserve(1 + left.size() + right.size());
  bytes.push_back('\x01');
  bytes.append(reinterpret_cast<const char*>(left.data()), left.size());
  bytes.append(reinterpret_cast<const char*>(right.data()), right.size());
  return detail::sha256_of(bytes);
}

merkle_hash merkle_root(std::span<const merkle_hash> leaf_hashes) {
  if (leaf_hashes.empty()) return detail::sha256_of({});
  return subtree_root(leaf_hashes);
}

result<std::vector<merkle_hash>> merkle_inclusion_path(std::span<const merkle_hash> leaf_hashes,
                                                       std::uint64_t index) {
  if (index >= leaf_hashes.size()) {
    return fail(errc::invalid_argument, "leaf " + std::to_string(index) + " is outside a tree of " +
                                            std::to_string(leaf_hashes.size()) + " leaves");
  }
  std::vector<merkle_hash> out;
  append_path(leaf_hashes, static_cast<std::size_t>(index), out);
  return out;
}

bool merkle_verify_inclusion(const merkle_hash& leaf_hash, std::uint64_t index,
                             std::uint64_t tree_size, std::span<const merkle_hash> path,
                             const merkle_hash& root) {
  // RFC 9162, 2.1.3.2, step by step: fn walks up from the leaf, sn from the
  // last leaf; where fn is a right child, or the last node of its level
  // (no right sibling), the path element is its left sibling.
  if (index >= tree_size) return false;
  std::uint64_t fn = index;
  std::uint64_t sn = tree_size - 1;
  merkle_hash r = leaf_hash;
  for (const merkle_hash& p : path) {
    if (sn == 0) return false;
    if ((fn & 1U) != 0 || fn == sn) {
      r = merkle_node_hash(p, r);
      if ((fn & 1U) == 0) {
        while ((fn & 1U) == 0 && fn != 0) {
          fn >>= 1U;
          sn >>= 1U;
        }
      }
    } else {
      r = merkle_node_hash(r, p);
    }
    fn >>= 1U;
    sn >>= 1U;
  }
  return sn == 0 && r == root;
}

}  // namespace tierflow
