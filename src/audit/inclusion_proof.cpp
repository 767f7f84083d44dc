// SPDX-License-Identifier: MIT
// Inclusion proofs: that one stream's head is a leaf of a signed checkpoint,
// made from the checkpoint log and checked with the verify key alone; and
// an exported trail checked against a proof.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <tierflow/audit.hpp>
#include <tierflow/checkpoint.hpp>
#include <tierflow/event.hpp>
#include <tierflow/time.hpp>

#include "audit/checkpoint_json.hpp"

namespace tierflow {
namespace {

constexpr std::string_view proof_format = "tierflow-inclusion-proof-v1";

// One exported event (write_jsonl's fields) back as an event, hashes
// included, so its hash can be recomputed.
result<event> parse_exported(const nlohmann::json& j) {
  if (!j.is_object()) return fail(errc::invalid_argument, "not a JSON object");
  event e;
  auto ticket = detail::get_text(j, "ticket");
  if (!ticket) return fail(std::move(ticket).error());
  e.ticket_id = std::move(*ticket);
  auto sequence = detail::get_count(j, "sequence");
  if (!sequence) return fail(std::move(sequence).error());
  e.sequence = *sequence;
  auto time_text = detail::get_text(j, "time");
  if (!time_text) return fail(std::move(time_text).error());
  auto time = parse_iso8601(*time_text);
  if (!time) return fail(std::move(time).error().with_context("'time'"));
  e.time = *time;
  auto actor = detail::get_text(j, "actor");
  if (!actor) return fail(std::move(actor).error());
  e.actor_id = std::move(*actor);
  auto workflow = detail::get_text(j, "workflow");
  if (!workflow) return fail(std::move(workflow).error());
  e.workflow_id = std::move(*workflow);
  auto version = detail::get_count(j, "workflow_version");
  if (!version || *version > UINT32_MAX) {
    return fail(errc::invalid_argument, "'workflow_version' is missing or not a version");
  }
  e.workflow_version = static_cast<std::uint32_t>(*version);
  auto type_text = detail::get_text(j, "type");
  if (!type_text) return fail(std::move(type_text).error());
  const auto type = parse_event_type(*type_text);
  if (!type) return fail(errc::invalid_argument, "'type' is not an event type");
  e.type = *type;
  const auto details = j.find("details");
  if (details == j.end() || !details->is_array()) {
    return fail(errc::invalid_argument, "'details' is missing or not an array");
  }
  for (const auto& pair : *details) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return fail(errc::invalid_argument, "a detail is not [key, value]");
    }
    e.details.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  auto prev = detail::get_hash(j, "prev_hash");
  if (!prev) return fail(std::move(prev).error());
  e.prev_hash = *prev;
  auto hash = detail::get_hash(j, "hash");
  if (!hash) return fail(std::move(hash).error());
  e.hash = *hash;
  return e;
}

}  // namespace

result<inclusion_proof> prove_inclusion(const checkpoint& c, std::string_view stream) {
  std::vector<merkle_hash> hashes;
  hashes.reserve(c.leaves.size());
  std::optional<std::size_t> index;
  for (std::size_t i = 0; i < c.leaves.size(); ++i) {
    hashes.push_back(leaf_hash(c.leaves[i]));
    if (c.leaves[i].stream == stream) index = i;
  }
  if (!index) {
    return fail(errc::not_found, "checkpoint " + std::to_string(c.head.sequence) +
                                     " has no stream '" + std::string(stream) + "'");
  }
  if (c.head.tree_size != hashes.size() || merkle_root(hashes) != c.head.root) {
    return fail(errc::data_loss, "checkpoint " + std::to_string(c.head.sequence) +
                                     ": the leaves do not hash to the signed root");
  }
  auto path = merkle_inclusion_path(hashes, *index);
  if (!path) return fail(std::move(path).error());
  return inclusion_proof{c.leaves[*index], *index, std::move(*path), c.head};
}

std::string to_json(const inclusion_proof& proof) {
  nlohmann::ordered_json j;
  j["format"] = std::string(proof_format);
  j["stream"] = detail::stream_json(proof.leaf.stream);
  j["version"] = proof.leaf.version;
  j["head"] = to_hex(proof.leaf.head);
  j["leaf_index"] = proof.index;
  nlohmann::ordered_json path = nlohmann::ordered_json::array();
  for (const merkle_hash& h : proof.path) path.push_back(to_hex(h));
  j["path"] = std::move(path);
  nlohmann::ordered_json head;
  detail::put_tree_head(head, proof.head);
  j["tree_head"] = std::move(head);
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

result<inclusion_proof> parse_inclusion_proof(std::string_view json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(errc::invalid_argument, "not a JSON object");
  }
  auto format = detail::get_text(j, "format");
  if (!format) return fail(std::move(format).error());
  if (*format != proof_format) {
    return fail(errc::invalid_argument,
                "format '" + *format + "' is not " + std::string(proof_format));
  }
  inclusion_proof proof;
  const auto stream = j.find("stream");
  if (stream == j.end()) return fail(errc::invalid_argument, "'stream' is missing");
  auto id = detail::get_stream(*stream);
  if (!id) return fail(std::move(id).error());
  proof.leaf.stream = std::move(*id);
  auto version = detail::get_count(j, "version");
  if (!version) return fail(std::move(version).error());
  proof.leaf.version = *version;
  auto head = detail::get_hash(j, "head");
  if (!head) return fail(std::move(head).error());
  proof.leaf.head = *head;
  auto index = detail::get_count(j, "leaf_index");
  if (!index) return fail(std::move(index).error());
  proof.index = *index;
  const auto path = j.find("path");
  if (path == j.end() || !path->is_array()) {
    return fail(errc::invalid_argument, "'path' is missing or not an array");
  }
  // A path longer than 64 steps belongs to no tree of 2^64 leaves.
  if (path->size() > 64) return fail(errc::invalid_argument, "'path' is longer than any tree");
  for (const auto& step : *path) {
    const nlohmann::json holder = {{"step", step}};
    auto hash = detail::get_hash(holder, "step");
    if (!hash) return fail(errc::invalid_argument, "a 'path' element is not 64 hex digits");
    proof.path.push_back(*hash);
  }
  const auto tree = j.find("tree_head");
  if (tree == j.end() || !tree->is_object()) {
    return fail(errc::invalid_argument, "'tree_head' is missing or not an object");
  }
  auto parsed_head = detail::get_tree_head(*tree);
  if (!parsed_head) return fail(std::move(parsed_head).error().with_context("'tree_head'"));
  proof.head = std::move(*parsed_head);
  return proof;
}

result<void> check_inclusion_proof(const inclusion_proof& proof, const verify_key& key) {
  if (proof.head.key_id != key.id()) {
    return fail(errc::data_loss, "the checkpoint is signed by key " + proof.head.key_id +
                                     ", not by key " + key.id());
  }
  if (!verify_tree_head(proof.head, key)) {
    return fail(errc::data_loss,
                "the checkpoint's signature does not verify: its tree head was changed");
  }
  if (!merkle_verify_inclusion(leaf_hash(proof.leaf), proof.index, proof.head.tree_size, proof.path,
                               proof.head.root)) {
    return fail(errc::data_loss,
                "the audit path does not lead from this stream's head to the signed root");
  }
  return {};
}

result<std::uint64_t> check_trail(const inclusion_proof& proof, std::string_view jsonl) {
  std::vector<event> events;
  std::size_t line_number = 0;
  while (!jsonl.empty()) {
    const std::string_view line = detail::take_line(jsonl, line_number);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto parsed = parse_exported(nlohmann::json::parse(line, nullptr, false));
    if (!parsed) {
      return fail(std::move(parsed).error().with_context("line " + std::to_string(line_number)));
    }
    events.push_back(std::move(*parsed));
  }
  const std::uint64_t version = proof.leaf.version;
  if (events.size() < version) {
    return fail(errc::data_loss, "the trail has " + std::to_string(events.size()) +
                                     " events; the proof is for version " +
                                     std::to_string(version));
  }
  const std::span<const event> anchored(events.data(), static_cast<std::size_t>(version));
  if (auto broken = first_break(proof.leaf.stream, anchored, proof.leaf.head)) {
    return fail(errc::data_loss, "the trail is not the proven one: " + broken->message);
  }
  return events.size() - version;
}

}  // namespace tierflow
