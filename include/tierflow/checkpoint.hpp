// SPDX-License-Identifier: MIT
// Signed checkpoints: the external anchor of the audit trail. The heads of
// every stream are the leaves of a Merkle tree (RFC 9162, Certificate
// Transparency v2), whose root is signed with an Ed25519 key that the
// database never holds. A later audit detects any rewrite of history older
// than a checkpoint, even a chain re-sealed with every hash and the store's
// recorded head recomputed; an inclusion proof shows one stream's head is in
// a checkpoint without the rest of the database.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>
#include <tierflow/time.hpp>

namespace tierflow {

// --- The Merkle tree (RFC 9162, section 2.1) ---------------------------------------------

/// A SHA-256 digest of the Merkle tree: a leaf hash, a node hash or a root
/// (the same type as event_hash: tierflow::to_hex prints either).
using merkle_hash = std::array<std::uint8_t, 32>;

/// The hash of a leaf: SHA-256(0x00 || leaf). The prefix byte keeps a leaf
/// from passing for an interior node (second-preimage attacks).
[[nodiscard]] merkle_hash merkle_leaf_hash(std::string_view leaf);

/// The hash of an interior node: SHA-256(0x01 || left || right).
[[nodiscard]] merkle_hash merkle_node_hash(const merkle_hash& left, const merkle_hash& right);

/// MTH(D[n]) of RFC 9162 over the leaf hashes, in order: SHA-256 of the
/// empty string for no leaves, the leaf hash itself for one, else the node
/// hash of MTH(D[0:k]) and MTH(D[k:n]) with k the largest power of two
/// smaller than n (so trees of any size have one shape). O(n) hashes.
[[nodiscard]] merkle_hash merkle_root(std::span<const merkle_hash> leaf_hashes);

/// PATH(index, D[n]) of RFC 9162: the audit path of leaf `index`, the
/// sibling hashes from the leaf up to the root. O(n) hashes.
/// Error: errc::invalid_argument when index >= leaf_hashes.size().
[[nodiscard]] result<std::vector<merkle_hash>> merkle_inclusion_path(
    std::span<const merkle_hash> leaf_hashes, std::uint64_t index);

/// The verification algorithm of RFC 9162 section 2.1.3.2: true when
/// `path` leads from `leaf_hash`, at `index` in a tree of `tree_size`
/// leaves, to `root`. False for an index outside the tree, a path of the
/// wrong length, or any other hash. O(log n).
[[nodiscard]] bool merkle_verify_inclusion(const merkle_hash& leaf_hash, std::uint64_t index,
                                           std::uint64_t tree_size,
                                           std::span<const merkle_hash> path,
                                           const merkle_hash& root);

// --- Ed25519 keys (libsodium) ------------------------------------------------------------

/// An Ed25519 signature, 64 bytes.
using checkpoint_signature = std::array<std::uint8_t, 64>;

/// The public half of a checkpoint key: what verifies checkpoints and
/// proofs. Its text form, one line of a key file:
///
///     tierflow-ed25519-public-key <64 lowercase hex digits>
class verify_key {
 public:
  /// The key from its 32 raw bytes.
  explicit verify_key(const std::array<std::uint8_t, 32>& bytes) noexcept : bytes_(bytes) {}

  /// Parses the text form (surrounding whitespace and a final newline are
  /// allowed). Error: errc::invalid_argument naming what is wrong (a secret
  /// key given where a public one belongs is named as such).
  [[nodiscard]] static result<verify_key> parse(std::string_view text);

  /// The text form, one line ending in "\n".
  [[nodiscard]] std::string to_text() const;
  /// The key's short id: the first 8 bytes of SHA-256 of the key, as 16 hex
  /// digits. Names the key in checkpoints and messages; not a secret.
  [[nodiscard]] std::string id() const;
  /// True when `signature` is this key's Ed25519 signature of `message`.
  [[nodiscard]] bool verify(std::string_view message,
                            const checkpoint_signature& signature) const noexcept;
  [[nodiscard]] const std::array<std::uint8_t, 32>& bytes() const noexcept { return bytes_; }

  friend bool operator==(const verify_key&, const verify_key&) = default;

 private:
  std::array<std::uint8_t, 32> bytes_;
};

/// The secret half of a checkpoint key. Keep it away from the database: a
/// key on the same machine and account as the store lets whoever rewrites
/// the store re-sign the checkpoints too. Its text form, one line of a key
/// file readable only by its owner:
///
///     tierflow-ed25519-secret-key <64 lowercase hex digits: the 32-byte seed>
///
/// The key material is wiped from memory when the object is destroyed.
/// Movable, not copyable. sign() is thread-safe.
class signing_key {
 public:
  /// A new random key (libsodium's crypto_sign_keypair).
  /// Error: errc::io_error when libsodium cannot be initialised.
  [[nodiscard]] static result<signing_key> generate();
  /// Parses the text form. Error: errc::invalid_argument (a public key
  /// given where the secret one belongs is named as such; the message never
  /// quotes the key), errc::io_error when libsodium cannot be initialised.
  [[nodiscard]] static result<signing_key> parse(std::string_view text);

  signing_key(signing_key&& other) noexcept;
  signing_key& operator=(signing_key&& other) noexcept;
  signing_key(const signing_key&) = delete;
  signing_key& operator=(const signing_key&) = delete;
  ~signing_key();

  /// The text form, one line ending in "\n" (it holds the secret).
  [[nodiscard]] std::string to_text() const;
  /// The matching public key.
  [[nodiscard]] verify_key public_key() const noexcept;
  /// The Ed25519 signature of `message`.
  [[nodiscard]] checkpoint_signature sign(std::string_view message) const noexcept;

 private:
  signing_key() = default;
  // libsodium's secret key: the 32-byte seed, then the public key.
  std::array<std::uint8_t, 64> secret_{};
};

// --- Checkpoints ---------------------------------------------------------------------------

/// One leaf of a checkpoint: a stream as the store recorded it at that time.
struct checkpoint_leaf {
  std::string stream;         ///< the stream id (a ticket, "~denied/T…", "~denied")
  std::uint64_t version = 0;  ///< its length, the sequence of its last event
  event_hash head{};          ///< the hash of event `version`

  friend bool operator==(const checkpoint_leaf&, const checkpoint_leaf&) = default;
};

/// The bytes of a leaf that the Merkle tree hashes (before the 0x00
/// prefix): the domain string "tierflow-checkpoint-leaf-v1", a 0 byte, then
/// the stream id's length (u64, big-endian) and bytes, the version (u64) and
/// the 32 bytes of the head. Fixed order and lengths, so no two leaves
/// encode alike.
[[nodiscard]] std::string leaf_encoding(const checkpoint_leaf& leaf);

/// merkle_leaf_hash(leaf_encoding(leaf)).
[[nodiscard]] merkle_hash leaf_hash(const checkpoint_leaf& leaf);

/// The signed tree head of a checkpoint (RFC 9162's STH, for tierflow).
struct tree_head {
  /// Counts the checkpoints of one log, 1, 2, 3 …: a log whose numbers go
  /// backwards or repeat has lost or reordered checkpoints.
  std::uint64_t sequence = 0;
  timestamp time{};             ///< when it was taken (UTC, seconds)
  std::uint64_t tree_size = 0;  ///< the number of leaves
  merkle_hash root{};           ///< merkle_root of the leaves' hashes
  std::string key_id;           ///< verify_key::id() of the signing key
  checkpoint_signature signature{};

  friend bool operator==(const tree_head&, const tree_head&) = default;
};

/// The bytes an Ed25519 signature of a tree head covers: the domain string
/// "tierflow-checkpoint-tree-head-v1", a 0 byte, then sequence (u64,
/// big-endian), time (i64 seconds since 1970, two's complement), tree_size
/// (u64), the 32 bytes of root, and key_id's length (u64) and bytes. The
/// domain string keeps a signature of anything else (a leaf, another
/// program's message) from passing for a tree head's.
[[nodiscard]] std::string signed_encoding(const tree_head& head);

/// True when head.signature is `key`'s signature of signed_encoding(head)
/// and head.key_id is key.id().
[[nodiscard]] bool verify_tree_head(const tree_head& head, const verify_key& key) noexcept;

/// A checkpoint: the signed tree head and every leaf, in tree order (stream
/// ids sorted bytewise, as store::streams() lists them, each once).
struct checkpoint {
  tree_head head;
  std::vector<checkpoint_leaf> leaves;

  friend bool operator==(const checkpoint&, const checkpoint&) = default;
};

/// Signs `leaves` (sorted here by stream id) as checkpoint `sequence` taken
/// at `now`. Error: errc::invalid_argument when a stream id repeats.
[[nodiscard]] result<checkpoint> sign_checkpoint(std::vector<checkpoint_leaf> leaves,
                                                 const signing_key& key, timestamp now,
                                                 std::uint64_t sequence);

/// A checkpoint of every stream of `s` (store::streams(): tickets, the
/// per-ticket denial streams and the denial log), each leaf the head the
/// store records for it (store::head), signed with `key`.
///
/// It reads the heads only — O(streams) reads, no events — so an engine can
/// take one periodically over its live store: each leaf is the stream's head
/// at some moment during the call (appends during it are not an error; they
/// go into the next checkpoint). It checks no chain: whatever the store
/// holds when the checkpoint is taken is what is anchored, so a rewrite
/// before a stream's first checkpoint is not detected by checkpoints.
/// Errors: the store's own (io_error …).
[[nodiscard]] result<checkpoint> make_checkpoint(const store& s, const signing_key& key,
                                                 timestamp now, std::uint64_t sequence);

// --- The checkpoint log ----------------------------------------------------------------------

/// One checkpoint as a line of the checkpoint log (JSON Lines), ending in "\n":
///
///     {"format":"tierflow-checkpoint-v1","sequence":4,"time":"2026-11-24T10:00:00Z",
///      "tree_size":2,"root":"<hex>","key_id":"<16 hex>","signature":"<128 hex>",
///      "leaves":[["T00000001",9,"<hex>"],["~denied",3,"<hex>"]]}
///
/// (on one line). A stream id that is not valid UTF-8 is written as
/// {"hex":"<its bytes in hex>"} in place of the string, so that the bytes
/// survive.
[[nodiscard]] std::string to_json_line(const checkpoint& c);

/// Parses a checkpoint log: one checkpoint per non-empty line, in file
/// order. It checks the form only (fields, hex lengths, tree_size equal to
/// the number of leaves), not signatures or roots: check_checkpoints does.
/// Error: errc::invalid_argument "line N: …" for the first malformed line.
[[nodiscard]] result<std::vector<checkpoint>> parse_checkpoint_log(std::string_view text);

/// The largest checkpoint log read_checkpoint_log reads (1 GiB): about 90
/// checkpoints of 100,000 streams. Start a new log file when one grows
/// large; every log file is verified on its own.
inline constexpr std::size_t max_checkpoint_log_bytes = std::size_t{1} << 30;

/// Reads and parses the checkpoint log at `path` (a regular file only).
/// Errors: those of parse_checkpoint_log, and errc::not_found,
/// errc::invalid_argument (not a regular file), errc::limit_exceeded (over
/// max_checkpoint_log_bytes), errc::io_error, each with the path in front.
[[nodiscard]] result<std::vector<checkpoint>> read_checkpoint_log(
    const std::filesystem::path& path);

/// The sequence number the next checkpoint of the log at `path` takes: one
/// more than its last checkpoint's, 1 for a missing or empty log. Reads
/// only the last line, or the one before it when the last is a write cut
/// off by a crash (no final newline, not a checkpoint): the log can go on
/// while the cut line waits for the operator (read_checkpoint_log reports
/// it). Errors: the last line is malformed (errc::invalid_argument), the
/// file cannot be read (errc::io_error), it is not a regular file
/// (errc::invalid_argument).
[[nodiscard]] result<std::uint64_t> next_checkpoint_sequence(const std::filesystem::path& path);

/// Appends `c` as one line to the log at `path` (created with mode 0644 if
/// missing), with one write and an fsync before returning (and an fsync of
/// the directory when the file was created), so an appended checkpoint
/// survives a crash. If the file does not end in a newline (a write cut
/// off by a crash), a newline goes first: the new checkpoint stays whole
/// and the cut line is reported by parse_checkpoint_log. Error:
/// errc::io_error, errc::invalid_argument (not a regular file).
[[nodiscard]] result<void> append_checkpoint(const std::filesystem::path& path,
                                             const checkpoint& c);

/// What an engine (or `tierflow audit checkpoint`) calls to add a checkpoint
/// of `s` to the log at `path`: under an exclusive lock of the log file
/// (flock, so two writers never take the same sequence number),
/// next_checkpoint_sequence, make_checkpoint at `now`, append_checkpoint.
/// Returns the checkpoint appended. Errors: those of the three.
[[nodiscard]] result<checkpoint> append_new_checkpoint(const std::filesystem::path& path,
                                                       const store& s, const signing_key& key,
                                                       timestamp now);

// --- Verifying checkpoints ---------------------------------------------------------------------

/// What is wrong with a checkpoint, or with the store against it.
enum class checkpoint_fault : std::uint8_t {
  /// Signed by another key (key_id is not the verify key's id).
  wrong_key = 1,
  /// The signature does not verify: the tree head was changed after
  /// signing, or signed by someone else.
  bad_signature,
  /// The leaves do not hash to the signed root (a leaf was changed, added,
  /// removed or reordered in the log), or the leaves are not sorted and
  /// unique.
  root_mismatch,
  /// The log's sequence numbers do not increase from one line to the next.
  sequence_order,
  /// A stream is shorter in a later checkpoint than in an earlier one,
  /// missing from it, or holds another head at the same version: the store
  /// was rewritten between the two and the signer anchored the result.
  stream_regressed,
  /// The store's event at the recorded version no longer has the recorded
  /// hash, or the chain up to it no longer verifies: history older than the
  /// checkpoint was rewritten (a re-sealed chain is this).
  rewritten,
  /// The store's stream is now shorter than the recorded version.
  truncated,
  /// The store no longer has the stream at all.
  gone,
  /// The store could not read the stream (its error is in the message).
  unreadable,
};

/// The lowercase name of a checkpoint_fault, e.g. "rewritten".
[[nodiscard]] constexpr std::string_view to_string(checkpoint_fault fault) noexcept {
  switch (fault) {
    case checkpoint_fault::wrong_key: return "wrong_key";
    case checkpoint_fault::bad_signature: return "bad_signature";
    case checkpoint_fault::root_mismatch: return "root_mismatch";
    case checkpoint_fault::sequence_order: return "sequence_order";
    case checkpoint_fault::stream_regressed: return "stream_regressed";
    case checkpoint_fault::rewritten: return "rewritten";
    case checkpoint_fault::truncated: return "truncated";
    case checkpoint_fault::gone: return "gone";
    case checkpoint_fault::unreadable: return "unreadable";
  }
  return "unknown";
}

/// One problem found by check_checkpoints or verify_checkpoints.
struct checkpoint_problem {
  checkpoint_fault fault = checkpoint_fault::rewritten;
  /// The checkpoint's sequence number.
  std::uint64_t checkpoint = 0;
  /// The stream concerned; empty for a fault of the checkpoint itself.
  std::string stream;
  /// One lowercase line, without the checkpoint and stream (the caller
  /// prints those), e.g. "event 3 no longer has the recorded hash (…)".
  std::string message;

  friend bool operator==(const checkpoint_problem&, const checkpoint_problem&) = default;
};

/// The store-independent checks of a checkpoint log: every checkpoint's key
/// id and signature under `key`, its leaves sorted, unique and hashing to
/// its root, sequence numbers increasing, and no stream shorter in a later
/// checkpoint than in an earlier one (or missing from it). Every problem is
/// listed, in log order. A checkpoint with a bad signature or root is
/// reported and its leaves are not trusted further. O(total leaves) hashes.
[[nodiscard]] std::vector<checkpoint_problem> check_checkpoints(
    std::span<const checkpoint> checkpoints, const verify_key& key);

/// The outcome of verify_checkpoints.
struct checkpoint_report {
  std::size_t checkpoints = 0;  ///< checkpoints in the log
  std::size_t leaves = 0;       ///< leaves checked against the store
  std::size_t streams = 0;      ///< distinct streams read from the store
  std::uint64_t events = 0;     ///< their events, all hashed once
  /// Every problem, check_checkpoints' first, then the store's by stream.
  std::vector<checkpoint_problem> problems;
};

/// check_checkpoints, then every leaf of every trusted checkpoint against
/// the store: the stream still exists, is at least as long as the recorded
/// version, its hash chain verifies up to that version (the audit
/// verifier: every event's hash, link and stream id), and its event at that
/// version has the recorded hash. A rewrite older than a checkpoint is found
/// even when the chain after it and the store's recorded head were
/// recomputed. Streams created or grown after a checkpoint are fine (events
/// after the recorded version are not judged here: plain verification of
/// the chain against the store's head does that). Each stream is read and
/// hashed once however many checkpoints name it. O(events + leaves).
[[nodiscard]] checkpoint_report verify_checkpoints(const store& s,
                                                   std::span<const checkpoint> checkpoints,
                                                   const verify_key& key);

// --- Inclusion proofs ---------------------------------------------------------------------------

/// The proof that one stream's head is in a signed checkpoint: the leaf,
/// its index and audit path, and the signed tree head. Checkable with the
/// verify key alone (check_inclusion_proof): no database, no log.
struct inclusion_proof {
  checkpoint_leaf leaf;
  std::uint64_t index = 0;  ///< the leaf's position in the tree
  std::vector<merkle_hash> path;
  tree_head head;

  friend bool operator==(const inclusion_proof&, const inclusion_proof&) = default;
};

/// The proof for `stream` in checkpoint `c`. Errors: errc::not_found when
/// `c` has no leaf for `stream`; errc::data_loss when c's leaves do not hash
/// to its root (a damaged log: no proof is made from it).
[[nodiscard]] result<inclusion_proof> prove_inclusion(const checkpoint& c, std::string_view stream);

/// The proof as a JSON document (pretty-printed, ending in "\n"):
///
///     {"format":"tierflow-inclusion-proof-v1","stream":"T00000001","version":9,
///      "head":"<hex>","leaf_index":0,"path":["<hex>",…],
///      "tree_head":{"sequence":4,"time":"…","tree_size":2,"root":"<hex>",
///                   "key_id":"<hex>","signature":"<hex>"}}
[[nodiscard]] std::string to_json(const inclusion_proof& proof);

/// Parses to_json's form. Error: errc::invalid_argument naming the field.
[[nodiscard]] result<inclusion_proof> parse_inclusion_proof(std::string_view json);

/// Success when the proof holds: the tree head is signed by `key` (key id
/// and signature) and the audit path leads from the leaf's hash to the
/// signed root (RFC 9162 section 2.1.3.2). Error: errc::data_loss saying
/// which check failed.
[[nodiscard]] result<void> check_inclusion_proof(const inclusion_proof& proof,
                                                 const verify_key& key);

/// Checks a stream's exported trail (tierflow::write_jsonl's JSON Lines)
/// against a proof: the trail's events 1 … proof.leaf.version are that
/// stream's, their hash chain verifies (the audit verifier, every hash
/// recomputed from the exported fields), and the event at the proven version
/// has the proven head. So a trail handed to a customer or a regulator is
/// shown to be the anchored one. Events after the proven version are
/// allowed (the trail may be newer than the checkpoint) and not judged.
/// Returns the number of trail events after the proven version. Errors:
/// errc::invalid_argument for a line that is not an exported event,
/// errc::data_loss when the trail is shorter or its chain or head differ.
[[nodiscard]] result<std::uint64_t> check_trail(const inclusion_proof& proof,
                                                std::string_view jsonl);

}  // namespace tierflow
