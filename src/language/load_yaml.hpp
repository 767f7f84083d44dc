// SPDX-License-Identifier: MIT
// YAML text to a plain, checked tree: the loader's only contact with
// yaml-cpp, where resource limits, duplicate keys and syntax errors are
// dealt with and positions become 1-based.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/diagnostic.hpp>
#include <tierflow/loader.hpp>

namespace tierflow::detail {

struct yaml_entry;

/// A YAML node as the loader sees it: no yaml-cpp types, no exceptions,
/// aliases already expanded (within load_limits::max_nodes), positions
/// 1-based. A mapping keeps its entries in file order; of a duplicated key
/// only the first entry is kept (the second was reported).
struct yaml_node {
  enum class kind : std::uint8_t { null, scalar, sequence, mapping };

  kind type = kind::null;
  /// A scalar written plain, without quotes, block indicator or tag: only a
  /// plain `315` is a number and a plain `true` a boolean.
  bool plain = true;
  /// 1-based. A null value of a mapping carries its key's position, since
  /// yaml-cpp marks it where the next token begins.
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string text;                 ///< scalar only
  std::vector<yaml_node> items;     ///< sequence only
  std::vector<yaml_entry> entries;  ///< mapping only

  [[nodiscard]] bool is_null() const noexcept { return type == kind::null; }
  [[nodiscard]] bool is_scalar() const noexcept { return type == kind::scalar; }
  [[nodiscard]] bool is_sequence() const noexcept { return type == kind::sequence; }
  [[nodiscard]] bool is_mapping() const noexcept { return type == kind::mapping; }
};

struct yaml_entry {
  yaml_node key;
  yaml_node value;
};

/// "a mapping", "a list", "a scalar" or "empty": how messages name a kind.
[[nodiscard]] constexpr std::string_view node_kind_name(yaml_node::kind k) noexcept {
  switch (k) {
    case yaml_node::kind::null: return "empty";
    case yaml_node::kind::scalar: return "a scalar";
    case yaml_node::kind::sequence: return "a list";
    case yaml_node::kind::mapping: return "a mapping";
  }
  return "empty";
}

/// A 1-based line and column; line 0 means "no position".
struct text_position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

/// Scans `text` for flow nesting (`[`, `{` outside quotes and comments)
/// without parsing it, so that yaml-cpp's recursive parser is never handed
/// a pathological depth. Returns the position of the first bracket that
/// goes deeper than `max_depth`, or nullopt. Plain scalars in block context
/// may contain brackets (`title: a [b`); those are counted too, which errs
/// on the safe side and takes dozens of unclosed brackets to matter.
[[nodiscard]] std::optional<text_position> find_flow_too_deep(std::string_view text,
                                                              std::size_t max_depth) noexcept;

/// The canonical form of a parsed tree, the text a workflow's content
/// fingerprint hashes. What counts is what the loader reads:
///
/// - the kind of every node (empty, scalar, list, mapping) and the nesting;
/// - the text of every scalar, byte for byte, as YAML delivers it after
///   unquoting, unescaping and folding (so `a`, `'a'`, `"a"` and a block
///   scalar `|-` holding `a` are one scalar);
/// - for a plain scalar the loader would read as a number or a boolean
///   (`315`, `1.5`, `true`), that it was plain: quoted, `"315"` is a string
///   and means something else;
/// - the order of list items and of mapping entries, as written (a routing
///   table is first-match; a reordered mapping is counted as a change, which
///   errs on the side of "changed");
/// - aliases count as the subtree they stand for (already expanded).
///
/// What does not count: comments, indentation and other white space, line
/// breaks (CRLF or LF), block or flow layout, quoting style, anchors' names,
/// a leading BOM, the `---`/`...` document markers, key duplicates that were
/// reported and dropped. The form is length-prefixed, so it cannot be
/// ambiguous: `s3:abc` a scalar, `n3:315` a plain scalar read as a number
/// or a boolean, `~` empty, `[N:…]` a list of N items, `{N:…}` a mapping of
/// N key-value pairs; it starts with a version line, `tierflow-canonical-1`.
[[nodiscard]] std::string canonical_form(const yaml_node& root);

/// Parses one definition file into a tree. Problems go to `diags` with the
/// file name `name`: a syntax error, an empty file, more than one document,
/// duplicate keys, and the limits of `limits` (size, depth, aliases, nodes
/// with aliases expanded, recursive aliases). Returns nullopt when nothing
/// of the file can be used; duplicate keys alone do not prevent a tree.
///
/// Checks, in order: size; flow depth by find_flow_too_deep(); then one
/// pass over yaml-cpp's parse events (YAML::Parser + EventHandler) for
/// depth, aliases, expanded node count and duplicate keys; only then
/// YAML::Load, whose result is copied into the tree. Never throws.
[[nodiscard]] std::optional<yaml_node> read_yaml(std::string_view name, std::string_view text,
                                                 const load_limits& limits, diagnostics& diags);

}  // namespace tierflow::detail
