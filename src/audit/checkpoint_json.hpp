// SPDX-License-Identifier: MIT
// The JSON form of a signed tree head and of stream ids, shared by the
// checkpoint log (checkpoint_log.cpp) and inclusion proofs
// (inclusion_proof.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tierflow/checkpoint.hpp>
#include <tierflow/error.hpp>

namespace tierflow::detail {

/// The tree head's fields, in the documented order: sequence, time,
/// tree_size, root, key_id, signature.
void put_tree_head(nlohmann::ordered_json& out, const tree_head& head);

/// The tree head from the fields put_tree_head writes, in `in`. Error:
/// errc::invalid_argument naming the missing or malformed field.
[[nodiscard]] result<tree_head> get_tree_head(const nlohmann::json& in);

/// A stream id as JSON: the string, or {"hex": …} when it is not valid
/// UTF-8 (JSON strings cannot hold those bytes).
[[nodiscard]] nlohmann::ordered_json stream_json(std::string_view id);

/// The stream id stream_json wrote. Error: errc::invalid_argument.
[[nodiscard]] result<std::string> get_stream(const nlohmann::json& in);

/// A hash field `key` of `in`: 64 hex digits. Error: errc::invalid_argument.
[[nodiscard]] result<merkle_hash> get_hash(const nlohmann::json& in, std::string_view key);

/// An unsigned integer field. Error: errc::invalid_argument.
[[nodiscard]] result<std::uint64_t> get_count(const nlohmann::json& in, std::string_view key);

/// A string field. Error: errc::invalid_argument.
[[nodiscard]] result<std::string> get_text(const nlohmann::json& in, std::string_view key);

/// JSON text, one line, never throwing on odd bytes (replaced; stream ids
/// that need it are written as hex by stream_json).
[[nodiscard]] std::string dump_line(const nlohmann::ordered_json& j);

/// Takes the next line off the front of a JSON Lines `text` (without its
/// "\n" and a trailing "\r"), counting it in `line_number`.
[[nodiscard]] inline std::string_view take_line(std::string_view& text, std::size_t& line_number) {
  ++line_number;
  const auto newline = text.find('\n');
  std::string_view line = text.substr(0, newline);
  text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace tierflow::detail
