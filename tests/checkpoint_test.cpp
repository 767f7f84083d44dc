// SPDX-License-Identifier: MIT
// Signed checkpoints (tierflow/checkpoint.hpp): the RFC 9162 Merkle tree
// against the Certificate Transparency test vectors and hand-built trees,
// inclusion proofs for every leaf of trees of 1 to 33 leaves, Ed25519 keys
// and tree-head signatures, the checkpoint log, and verification against a
// store — above all a SQLite store whose chain was rewritten and re-sealed
// by someone with the file (triggers dropped, every later hash and the
// recorded head recomputed), which the plain verifier cannot see.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/checkpoint.hpp>
#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/verified_read.hpp>

#include "support/checkpoint_cases.hpp"
#include "support/forwarding_store.hpp"
#include "support/scratch_db.hpp"

namespace tf = tierflow;
using namespace std::chrono_literals;
using tierflow_test::append_events;
using tierflow_test::rewrite_and_reseal;
using tierflow_test::scratch_sqlite;
using tierflow_test::t0;
using tierflow_test::temp_dir;

namespace {

std::string bytes_of_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

tf::merkle_hash hash_of_hex(std::string_view hex) {
  const std::string bytes = bytes_of_hex(hex);
  REQUIRE(bytes.size() == 32);
  tf::merkle_hash out{};
  for (std::size_t i = 0; i < 32; ++i) out[i] = static_cast<std::uint8_t>(bytes[i]);
  return out;
}

// RFC 6962's test data, as Certificate Transparency's implementations
// (and transparency-dev/merkle) test with: the leaves, the root of every
// prefix of them, and two audit paths in the tree of all 8.
const std::vector<std::string> ct_leaves = {"",
                                            "00",
                                            "10",
                                            "2021",
                                            "3031",
                                            "40414243",
                                            "5051525354555657",
                                            "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> ct_roots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

std::vector<tf::merkle_hash> ct_leaf_hashes(std::size_t n) {
  std::vector<tf::merkle_hash> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(tf::merkle_leaf_hash(bytes_of_hex(ct_leaves[i])));
  return out;
}

std::vector<tf::merkle_hash> numbered_leaves(std::size_t n) {
  std::vector<tf::merkle_hash> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(tf::merkle_leaf_hash("leaf " + std::to_string(i)));
  return out;
}

tf::signing_key new_key() {
  auto key = tf::signing_key::generate();
  REQUIRE(key.has_value());
  return std::move(*key);
}

tf::checkpoint take(const tf::store& s, const tf::signing_key& key, std::uint64_t sequence) {
  auto c = tf::make_checkpoint(s, key, t0 + std::chrono::hours(sequence), sequence);
  REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message()));
  return std::move(*c);
}

bool has_fault(const std::vector<tf::checkpoint_problem>& problems, tf::checkpoint_fault fault,
               std::string_view stream = {}) {
  for (const auto& p : problems)
    if (p.fault == fault && (stream.empty() || p.stream == stream)) return true;
  return false;
}

/// A store whose load() of one stream returns only its first `keep` events
/// (a stream truncated with its head rewritten to match).
class truncating_store : public tierflow_test::forwarding_store {
 public:
  truncating_store(tf::store& inner, std::string stream, std::size_t keep)
      : forwarding_store(inner), stream_(std::move(stream)), keep_(keep) {}
  [[nodiscard]] tf::result<std::vector<tf::event>> load(std::string_view id) const override {
    auto events = inner().load(id);
    if (events && id == stream_ && events->size() > keep_) events->resize(keep_);
    return events;
  }

 private:
  std::string stream_;
  std::size_t keep_;
};

}  // namespace

// --- the Merkle tree ---------------------------------------------------------------------------

TEST_CASE("checkpoint.merkle.rfc6962_roots_of_every_prefix") {
  for (std::size_t n = 0; n <= ct_leaves.size(); ++n) {
    CAPTURE(n);
    const auto leaves = ct_leaf_hashes(n);
    CHECK(tf::to_hex(tf::merkle_root(leaves)) == ct_roots[n]);
  }
}

TEST_CASE("checkpoint.merkle.rfc6962_audit_paths") {
  const auto leaves = ct_leaf_hashes(8);
  const auto root = hash_of_hex(ct_roots[8]);
  struct known {
    std::uint64_t index;
    std::vector<std::string> path;
  };
  const std::vector<known> cases = {
      {0,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}}};
  for (const auto& k : cases) {
    CAPTURE(k.index);
    const auto path = tf::merkle_inclusion_path(leaves, k.index);
    REQUIRE(path.has_value());
    REQUIRE(path->size() == k.path.size());
    for (std::size_t i = 0; i < k.path.size(); ++i) CHECK(tf::to_hex((*path)[i]) == k.path[i]);
    CHECK(tf::merkle_verify_inclusion(leaves[k.index], k.index, 8, *path, root));
  }
}

TEST_CASE("checkpoint.merkle.hand_checked_small_trees") {
  const auto l = numbered_leaves(7);
  const auto node = [](const tf::merkle_hash& a, const tf::merkle_hash& b) {
    return tf::merkle_node_hash(a, b);
  };
  // The prefix bytes themselves: SHA-256(0x00) is the leaf hash of "".
  CHECK(tf::to_hex(tf::merkle_leaf_hash("")) == ct_roots[1]);
  CHECK(tf::merkle_root(std::span(l.data(), 1)) == l[0]);
  CHECK(tf::merkle_root(std::span(l.data(), 2)) == node(l[0], l[1]));
  // Not powers of two: the left subtree is the largest power of two below n.
  CHECK(tf::merkle_root(std::span(l.data(), 3)) == node(node(l[0], l[1]), l[2]));
  CHECK(tf::merkle_root(std::span(l.data(), 5)) ==
        node(node(node(l[0], l[1]), node(l[2], l[3])), l[4]));
  CHECK(tf::merkle_root(std::span(l.data(), 7)) ==
        node(node(node(l[0], l[1]), node(l[2], l[3])), node(node(l[4], l[5]), l[6])));
  // Paths in the tree of 7, leaf first.
  const std::span<const tf::merkle_hash> seven(l.data(), 7);
  CHECK(tf::merkle_inclusion_path(seven, 6).value() ==
        std::vector{node(l[4], l[5]), node(node(l[0], l[1]), node(l[2], l[3]))});
  CHECK(tf::merkle_inclusion_path(seven, 2).value() ==
        std::vector{l[3], node(l[0], l[1]), node(node(l[4], l[5]), l[6])});
  CHECK(tf::merkle_inclusion_path(std::span(l.data(), 1), 0).value().empty());
  CHECK_FALSE(tf::merkle_inclusion_path(seven, 7).has_value());
}

TEST_CASE("checkpoint.merkle.every_proof_of_trees_of_1_to_33_leaves_verifies_and_no_altered_one") {
  const auto all = numbered_leaves(33);
  for (std::size_t n = 1; n <= all.size(); ++n) {
    const std::span<const tf::merkle_hash> leaves(all.data(), n);
    const tf::merkle_hash root = tf::merkle_root(leaves);
    for (std::size_t i = 0; i < n; ++i) {
      CAPTURE(n);
      CAPTURE(i);
      const auto path = tf::merkle_inclusion_path(leaves, i).value();
      REQUIRE(tf::merkle_verify_inclusion(leaves[i], i, n, path, root));
      // Each path element altered in one bit.
      for (std::size_t k = 0; k < path.size(); ++k) {
        auto bad = path;
        bad[k][k % 32] ^= 0x01;
        CHECK_FALSE(tf::merkle_verify_inclusion(leaves[i], i, n, bad, root));
      }
      // Another index, every one of them (and one past the end).
      for (std::size_t j = 0; j <= n; ++j)
        if (j != i) CHECK_FALSE(tf::merkle_verify_inclusion(leaves[i], j, n, path, root));
      // Another root, another leaf, a path cut short or made longer.
      auto other_root = root;
      other_root[31] ^= 0x80;
      CHECK_FALSE(tf::merkle_verify_inclusion(leaves[i], i, n, path, other_root));
      CHECK_FALSE(tf::merkle_verify_inclusion(all[(i + 1) % 33], i, n, path, root));
      if (!path.empty()) {
        CHECK_FALSE(tf::merkle_verify_inclusion(leaves[i], i, n,
                                                std::span(path.data(), path.size() - 1), root));
      }
      auto longer = path;
      longer.push_back(root);
      CHECK_FALSE(tf::merkle_verify_inclusion(leaves[i], i, n, longer, root));
    }
  }
}

// --- keys and signatures -------------------------------------------------------------------

TEST_CASE("checkpoint.keys.text_forms_round_trip_and_are_not_mistaken_for_each_other") {
  const tf::signing_key key = new_key();
  const std::string secret = key.to_text();
  const std::string pub = key.public_key().to_text();
  CHECK(secret.rfind("tierflow-ed25519-secret-key ", 0) == 0);
  CHECK(pub.rfind("tierflow-ed25519-public-key ", 0) == 0);
  CHECK(secret.size() == 28 + 64 + 1);

  const auto again = tf::signing_key::parse(secret);
  REQUIRE(again.has_value());
  CHECK(again->public_key() == key.public_key());
  CHECK(tf::verify_key::parse(pub).value() == key.public_key());
  CHECK(key.public_key().id().size() == 16);

  const auto mixed = tf::verify_key::parse(secret);
  REQUIRE_FALSE(mixed.has_value());
  CHECK(mixed.error().message() == "this is a secret key, not a public key");
  CHECK(tf::signing_key::parse(pub).error().message() == "this is a public key, not a secret key");
  CHECK_FALSE(tf::verify_key::parse("tierflow-ed25519-public-key 00ff").has_value());
  CHECK_FALSE(tf::verify_key::parse("ssh-ed25519 AAAA").has_value());
  CHECK_FALSE(tf::verify_key::parse("").has_value());

  const auto other = new_key();
  CHECK(other.public_key() != key.public_key());
  CHECK(other.public_key().id() != key.public_key().id());
}

TEST_CASE("checkpoint.signature.any_change_to_the_tree_head_or_another_key_fails") {
  const tf::signing_key key = new_key();
  const auto c =
      tf::sign_checkpoint({{"T00000002", 4, {}}, {"T00000001", 9, {}}}, key, t0, 7).value();
  CHECK(c.leaves.front().stream == "T00000001");  // sorted
  CHECK(c.head.tree_size == 2);
  CHECK(tf::verify_tree_head(c.head, key.public_key()));

  SUBCASE("sequence") {
    auto h = c.head;
    h.sequence = 8;
    CHECK_FALSE(tf::verify_tree_head(h, key.public_key()));
  }
  SUBCASE("time") {
    auto h = c.head;
    h.time += 1s;
    CHECK_FALSE(tf::verify_tree_head(h, key.public_key()));
  }
  SUBCASE("tree size") {
    auto h = c.head;
    h.tree_size = 3;
    CHECK_FALSE(tf::verify_tree_head(h, key.public_key()));
  }
  SUBCASE("root") {
    auto h = c.head;
    h.root[0] ^= 1;
    CHECK_FALSE(tf::verify_tree_head(h, key.public_key()));
  }
  SUBCASE("signature") {
    auto h = c.head;
    h.signature[63] ^= 1;
    CHECK_FALSE(tf::verify_tree_head(h, key.public_key()));
  }
  SUBCASE("another key") { CHECK_FALSE(tf::verify_tree_head(c.head, new_key().public_key())); }

  CHECK_FALSE(tf::sign_checkpoint({{"T1", 1, {}}, {"T1", 2, {}}}, key, t0, 1).has_value());
}

// --- the checkpoint log ------------------------------------------------------------------------

TEST_CASE("checkpoint.log.lines_round_trip_and_malformed_lines_are_named") {
  const tf::signing_key key = new_key();
  tf::event_hash h{};
  h[0] = 0xab;
  // A stream id that is not UTF-8 keeps its bytes through the log.
  const auto c =
      tf::sign_checkpoint({{"T00000001", 3, h}, {"~denied", 1, h}, {"bad\xff", 2, h}}, key, t0, 1)
          .value();
  const std::string line = tf::to_json_line(c);
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  CHECK(line.rfind("{\"format\":\"tierflow-checkpoint-v1\",\"sequence\":1,", 0) == 0);
  CHECK(line.find("{\"hex\":\"626164ff\"}") != std::string::npos);
  const auto parsed = tf::parse_checkpoint_log(line + "\n" + line);
  REQUIRE(parsed.has_value());
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0] == c);
  CHECK(tf::check_checkpoints(*parsed, key.public_key()).size() == 1);  // 1 then 1: order

  const auto broken = tf::parse_checkpoint_log(line + "{\"format\":\"tierflow-checkpoint-v1\"}\n");
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().message() == "line 2: 'sequence' is missing or not a count");
  CHECK(tf::parse_checkpoint_log("not json\n").error().message() == "line 1: not a JSON object");
}

TEST_CASE("checkpoint.log.appends_number_on_and_survive_a_cut_off_line") {
  const temp_dir dir("tierflow_checkpoint_log");
  const std::string log = dir.file("checkpoints.jsonl");
  const tf::signing_key key = new_key();
  tf::memory_store s;
  append_events(s, "T00000001", 3);

  CHECK(tf::next_checkpoint_sequence(log).value() == 1);
  CHECK(tf::append_new_checkpoint(log, s, key, t0).value().head.sequence == 1);
  CHECK(tf::append_new_checkpoint(log, s, key, t0 + 1h).value().head.sequence == 2);
  CHECK(tf::next_checkpoint_sequence(log).value() == 3);
  {
    std::ofstream cut(log, std::ios::app | std::ios::binary);
    cut << "{\"format\":\"tierflow-checkpoint-v1\",\"seq";  // a crash mid-write
  }
  // The writer numbers on from the last whole checkpoint and starts a new
  // line; the reader names the cut one.
  CHECK(tf::next_checkpoint_sequence(log).value() == 3);
  CHECK(tf::append_new_checkpoint(log, s, key, t0 + 2h).value().head.sequence == 3);
  CHECK(tf::next_checkpoint_sequence(log).value() == 4);
  const auto read = tf::read_checkpoint_log(log);
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().message() == log + ": line 3: not a JSON object");
}

// --- verification against a store ---------------------------------------------------------------

TEST_CASE("checkpoint.verify.a_resealed_sqlite_chain_is_caught_and_named") {
  const scratch_sqlite db("tierflow_checkpoint_reseal");
  const tf::signing_key key = new_key();
  std::vector<tf::checkpoint> log;
  {
    auto s = tf::open_store(db.url());
    REQUIRE(s.has_value());
    append_events(**s, "T00000001", 5);
    append_events(**s, "T00000002", 4);
    append_events(**s, "~denied", 2);
    log.push_back(take(**s, key, 1));
    append_events(**s, "T00000001", 2);  // grown after the checkpoint: fine
    log.push_back(take(**s, key, 2));
  }
  rewrite_and_reseal(db.path(), "T00000002", 2);

  auto s = tf::open_store(db.url());
  REQUIRE(s.has_value());
  // The plain verifier cannot tell: chain and recorded head agree.
  for (const std::string id : {"T00000001", "T00000002", "~denied"}) {
    CAPTURE(id);
    CHECK(tf::verify_stored(**s, id).has_value());
  }
  CHECK((*s)->load("T00000002").value()[1].actor_id == "rm_forger");

  const tf::checkpoint_report report = tf::verify_checkpoints(**s, log, key.public_key());
  CHECK(report.checkpoints == 2);
  CHECK(report.leaves == 6);
  CHECK(report.streams == 3);
  REQUIRE(report.problems.size() == 1);
  const tf::checkpoint_problem& p = report.problems.front();
  CHECK(p.fault == tf::checkpoint_fault::rewritten);
  CHECK(p.stream == "T00000002");
  CHECK(p.checkpoint == 1);
  CHECK(p.message.find("event 4 has hash ") == 0);
  CHECK(p.message.find("were rewritten and the chain re-sealed (and in 1 later checkpoint)") !=
        std::string::npos);
}

TEST_CASE("checkpoint.verify.a_naive_edit_before_a_checkpoint_is_named_too") {
  const scratch_sqlite db("tierflow_checkpoint_naive");
  const tf::signing_key key = new_key();
  std::vector<tf::checkpoint> log;
  {
    auto s = tf::open_store(db.url());
    REQUIRE(s.has_value());
    append_events(**s, "T00000001", 4);
    log.push_back(take(**s, key, 1));
  }
  rewrite_and_reseal(db.path(), "T00000001", 2, /*reseal=*/false);
  auto s = tf::open_store(db.url());
  REQUIRE(s.has_value());
  CHECK_FALSE(tf::verify_stored(**s, "T00000001").has_value());
  const auto report = tf::verify_checkpoints(**s, log, key.public_key());
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].fault == tf::checkpoint_fault::rewritten);
  CHECK(report.problems[0].message ==
        "history up to version 4 no longer verifies: event 2: edited: content does not match its "
        "hash");
}

TEST_CASE("checkpoint.verify.streams_created_or_grown_after_a_checkpoint_are_fine") {
  tf::memory_store s;
  const tf::signing_key key = new_key();
  append_events(s, "T00000001", 2);
  const std::vector<tf::checkpoint> log = {take(s, key, 1)};
  append_events(s, "T00000001", 3);
  append_events(s, "T00000002", 1);
  append_events(s, "~denied/T00000001", 1);
  const auto report = tf::verify_checkpoints(s, log, key.public_key());
  CHECK(report.problems.empty());
  CHECK(report.leaves == 1);
  CHECK(report.events == 5);
}

TEST_CASE("checkpoint.verify.signature_key_root_and_order_problems_are_all_listed") {
  tf::memory_store s;
  const tf::signing_key key = new_key();
  append_events(s, "T00000001", 2);
  append_events(s, "T00000002", 2);
  const tf::checkpoint good = take(s, key, 1);
  REQUIRE(tf::verify_checkpoints(s, std::vector{good}, key.public_key()).problems.empty());

  SUBCASE("a bad signature") {
    auto c = good;
    c.head.time += 1h;  // changed after signing
    const auto report = tf::verify_checkpoints(s, std::vector{c}, key.public_key());
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].fault == tf::checkpoint_fault::bad_signature);
    CHECK(report.leaves == 0);  // an unsigned checkpoint's leaves are not trusted
  }
  SUBCASE("a wrong public key") {
    const auto report = tf::verify_checkpoints(s, std::vector{good}, new_key().public_key());
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].fault == tf::checkpoint_fault::wrong_key);
    CHECK(report.problems[0].message.find("signed by key " + key.public_key().id()) == 0);
  }
  SUBCASE("a leaf edited in the log") {
    auto c = good;
    c.leaves[1].version = 1;
    const auto report = tf::verify_checkpoints(s, std::vector{c}, key.public_key());
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].fault == tf::checkpoint_fault::root_mismatch);
  }
  SUBCASE("sequence numbers going backwards") {
    const auto later = take(s, key, 5);
    const auto earlier = take(s, key, 4);
    const auto report = tf::verify_checkpoints(s, std::vector{later, earlier}, key.public_key());
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].fault == tf::checkpoint_fault::sequence_order);
    CHECK(report.problems[0].checkpoint == 4);
  }
  SUBCASE("a stream that shrinks or vanishes between signed checkpoints") {
    auto c2 = tf::sign_checkpoint({{"T00000001", 1, s.load("T00000001").value()[0].hash}}, key,
                                  t0 + 2h, 2)
                  .value();
    const auto problems = tf::check_checkpoints(std::vector{good, c2}, key.public_key());
    CHECK(has_fault(problems, tf::checkpoint_fault::stream_regressed, "T00000001"));
    CHECK(has_fault(problems, tf::checkpoint_fault::stream_regressed, "T00000002"));
    CHECK(problems.size() == 2);
  }
}

TEST_CASE("checkpoint.verify.truncated_and_vanished_streams_are_named") {
  tf::memory_store s;
  const tf::signing_key key = new_key();
  append_events(s, "T00000001", 4);
  append_events(s, "T00000002", 2);
  const std::vector<tf::checkpoint> log = {take(s, key, 1)};

  const truncating_store shorter(s, "T00000001", 3);
  auto report = tf::verify_checkpoints(shorter, log, key.public_key());
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].fault == tf::checkpoint_fault::truncated);
  CHECK(report.problems[0].stream == "T00000001");

  tf::memory_store empty;
  report = tf::verify_checkpoints(empty, log, key.public_key());
  REQUIRE(report.problems.size() == 2);
  CHECK(has_fault(report.problems, tf::checkpoint_fault::gone, "T00000001"));
  CHECK(has_fault(report.problems, tf::checkpoint_fault::gone, "T00000002"));
}

// --- inclusion proofs ----------------------------------------------------------------------------

TEST_CASE("checkpoint.proof.checks_with_the_key_alone_and_fails_when_altered") {
  tf::memory_store s;
  const tf::signing_key key = new_key();
  for (int i = 1; i <= 11; ++i) append_events(s, (i < 10 ? "T000" : "T00") + std::to_string(i), i);
  append_events(s, "~denied", 1);
  const tf::checkpoint c = take(s, key, 3);
  REQUIRE(c.leaves.size() == 12);

  for (const auto& leaf : c.leaves) {
    CAPTURE(leaf.stream);
    const auto proof = tf::prove_inclusion(c, leaf.stream);
    REQUIRE(proof.has_value());
    const auto parsed = tf::parse_inclusion_proof(tf::to_json(*proof));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == *proof);
    CHECK(tf::check_inclusion_proof(*parsed, key.public_key()).has_value());
  }
  CHECK(tf::prove_inclusion(c, "T99").error().code() == tf::errc::not_found);

  const auto proof = tf::prove_inclusion(c, "T0005").value();
  const auto fails = [&](const tf::inclusion_proof& p, std::string_view why) {
    const auto checked = tf::check_inclusion_proof(p, key.public_key());
    REQUIRE_FALSE(checked.has_value());
    CHECK(checked.error().code() == tf::errc::data_loss);
    CHECK(checked.error().message().find(why) != std::string::npos);
  };
  auto p = proof;
  p.leaf.version = 4;
  fails(p, "audit path");
  p = proof;
  p.leaf.head[5] ^= 1;
  fails(p, "audit path");
  p = proof;
  p.index += 1;
  fails(p, "audit path");
  p = proof;
  p.path[0][0] ^= 1;
  fails(p, "audit path");
  p = proof;
  p.head.root[0] ^= 1;
  fails(p, "signature");
  const tf::signing_key stranger = new_key();
  const auto other = tf::check_inclusion_proof(proof, stranger.public_key());
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().message() == "the checkpoint is signed by key " + key.public_key().id() +
                                       ", not by key " + stranger.public_key().id());

  // The exported trail of the proven stream leads to the proven head.
  const auto events = s.load("T0005").value();
  CHECK(tf::check_trail(proof, tf::to_jsonl(events)).value() == 0);
  append_events(s, "T0005", 2);
  CHECK(tf::check_trail(proof, tf::to_jsonl(s.load("T0005").value())).value() == 2);
  auto forged = events;
  forged[2].actor_id = "rm_forger";
  (void)tf::seal(forged, tf::event_hash{});
  const auto forged_check = tf::check_trail(proof, tf::to_jsonl(forged));
  REQUIRE_FALSE(forged_check.has_value());
  CHECK(forged_check.error().code() == tf::errc::data_loss);
  CHECK(tf::check_trail(proof, tf::to_jsonl(std::span(events.data(), 4))).error().code() ==
        tf::errc::data_loss);
  CHECK(tf::check_trail(proof, "{}\n").error().code() == tf::errc::invalid_argument);
}
