// SPDX-License-Identifier: MIT
// YAML text to a checked tree: resource limits, duplicate keys, syntax
// errors and the 0-based to 1-based conversion of yaml-cpp's marks.
#include "language/load_yaml.hpp"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "language/messages.hpp"
#include "text/number.hpp"

namespace tierflow::detail {
namespace {

// The one place where yaml-cpp's 0-based Mark becomes a 1-based position.
// A null mark (-1) means "no position": line 0, the file as a whole.
text_position one_based(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {static_cast<std::uint32_t>(mark.line) + 1, static_cast<std::uint32_t>(mark.column) + 1};
}

source_pos to_pos(std::string_view file, const YAML::Mark& mark) {
  const text_position p = one_based(mark);
  return {std::string(file), p.line, p.column};
}

source_pos file_pos(std::string_view file) {
  source_pos out;
  out.file = std::string(file);
  return out;
}

/// Thrown from inside yaml-cpp's parser by the event handler to stop it at
/// the first limit: the rest of the file is never parsed.
struct stop_parsing {
  YAML::Mark mark;
  std::string message;
};

/// The event pass. Counts aliases, the nodes the document expands to (an
/// alias counts the whole subtree of its anchor), tracks block and flow
/// depth, and finds duplicate keys, which yaml-cpp accepts silently.
class limit_checker final : public YAML::EventHandler {
 public:
  explicit limit_checker(const load_limits& limits) : limits_(limits) {}

  /// Positions (0-based line, column) of keys that repeat an earlier key of
  /// the same mapping, with the key text, in file order.
  struct duplicate_key {
    YAML::Mark mark;
    std::string key;
  };
  [[nodiscard]] const std::vector<duplicate_key>& duplicates() const noexcept {
    return duplicates_;
  }
  [[nodiscard]] std::size_t documents() const noexcept { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    ++documents_;
    if (documents_ > 1) throw stop_parsing{mark, msg::multiple_documents()};
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    node(mark, nullptr);
    count(mark, 1);
    if (anchor != 0) sizes_[anchor] = 1;
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    node(mark, nullptr);
    if (++aliases_ > limits_.max_aliases)
      throw stop_parsing{mark, msg::too_many_aliases(limits_.max_aliases)};
    const auto it = sizes_.find(anchor);
    // yaml-cpp resolves an alias to an anchor whose node is still open into
    // a cyclic node graph, which no walk of it would survive.
    if (it == sizes_.end()) throw stop_parsing{mark, msg::recursive_alias()};
    count(mark, it->second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                const std::string& value) override {
    node(mark, &value);
    count(mark, 1);
    if (anchor != 0) sizes_[anchor] = 1;
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    open(mark, anchor, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    open(mark, anchor, true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct open_collection {
    bool is_map = false;
    bool expect_key = true;  ///< map only: the next child is a key
    YAML::anchor_t anchor = 0;
    std::size_t nodes_before = 0;
    std::set<std::string> keys;  ///< map only: scalar keys seen so far
  };

  /// Bookkeeping for any node starting at the current level: whether it is
  /// a key of the enclosing mapping, and if a scalar key, whether it repeats.
  void node(const YAML::Mark& mark, const std::string* scalar) {
    if (stack_.empty() || !stack_.back().is_map) return;
    open_collection& map = stack_.back();
    if (map.expect_key && scalar != nullptr && !map.keys.insert(*scalar).second)
      duplicates_.push_back({mark, *scalar});
    map.expect_key = !map.expect_key;
  }

  void count(const YAML::Mark& mark, std::size_t n) {
    nodes_ += n;
    if (nodes_ > limits_.max_nodes)
      throw stop_parsing{mark, msg::too_many_nodes(limits_.max_nodes)};
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map) {
    node(mark, nullptr);
    const std::size_t before = nodes_;
    count(mark, 1);
    if (stack_.size() + 1 > limits_.max_depth)
      throw stop_parsing{mark, msg::too_deep(limits_.max_depth)};
    open_collection c;
    c.is_map = is_map;
    c.anchor = anchor;
    c.nodes_before = before;
    stack_.push_back(std::move(c));
  }

  void close() {
    if (stack_.empty()) return;
    const open_collection& c = stack_.back();
    if (c.anchor != 0) sizes_[c.anchor] = nodes_ - c.nodes_before;
    stack_.pop_back();
  }

  const load_limits& limits_;
  std::vector<open_collection> stack_;
  std::map<YAML::anchor_t, std::size_t> sizes_;  ///< expanded size of each closed anchor
  std::size_t nodes_ = 0;
  std::size_t aliases_ = 0;
  std::size_t documents_ = 0;
  std::vector<duplicate_key> duplicates_;
};

/// Copies yaml-cpp's node graph into the plain tree. The event pass has
/// bounded depth and expanded size; the count here is a second guard.
class tree_builder {
 public:
  tree_builder(const load_limits& limits, const std::set<std::pair<int, int>>& skipped_keys)
      : limits_(limits), skipped_keys_(skipped_keys) {}

  /// False if the node budget ran out (`where` then holds the spot).
  bool build(const YAML::Node& in, yaml_node& out, std::size_t depth) {
    if (++nodes_ > limits_.max_nodes || depth > limits_.max_depth + 1) {
      where_ = in.Mark();
      return false;
    }
    const text_position p = one_based(in.Mark());
    out.line = p.line;
    out.column = p.column;
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: out.type = yaml_node::kind::null; return true;
      case YAML::NodeType::Scalar:
        out.type = yaml_node::kind::scalar;
        out.text = in.Scalar();
        // "?" is yaml-cpp's tag for a plain scalar; "!" marks a quoted or
        // block scalar; anything else is an explicit tag such as !!str.
        out.plain = in.Tag() == "?";
        return true;
      case YAML::NodeType::Sequence:
        out.type = yaml_node::kind::sequence;
        out.items.reserve(in.size());
        for (const YAML::Node& item : in) {
          out.items.emplace_back();
          if (!build(item, out.items.back(), depth + 1)) return false;
        }
        return true;
      case YAML::NodeType::Map:
        out.type = yaml_node::kind::mapping;
        for (auto it = in.begin(); it != in.end(); ++it) {
          const YAML::Mark key_mark = it->first.Mark();
          if (skipped_keys_.count({key_mark.line, key_mark.column}) != 0) continue;
          yaml_entry entry;
          if (!build(it->first, entry.key, depth + 1)) return false;
          if (!build(it->second, entry.value, depth + 1)) return false;
          if (entry.value.is_null()) {
            entry.value.line = entry.key.line;
            entry.value.column = entry.key.column;
          }
          out.entries.push_back(std::move(entry));
        }
        return true;
    }
    return true;
  }

  [[nodiscard]] const YAML::Mark& where() const noexcept { return where_; }

 private:
  const load_limits& limits_;
  const std::set<std::pair<int, int>>& skipped_keys_;
  std::size_t nodes_ = 0;
  YAML::Mark where_;
};

}  // namespace

std::optional<text_position> find_flow_too_deep(std::string_view text,
                                                std::size_t max_depth) noexcept {
  enum class mode : std::uint8_t { normal, single_quoted, double_quoted, comment };
  mode m = mode::normal;
  std::size_t depth = 0;
  std::uint32_t line = 1;
  std::uint32_t column = 0;
  char prev = '\n';  // the character before, '\n' at the start of a line
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      if (m == mode::comment) m = mode::normal;
      prev = '\n';
      continue;
    }
    switch (m) {
      case mode::comment: break;
      case mode::single_quoted:
        if (c == '\'') {
          if (i + 1 < text.size() && text[i + 1] == '\'') {
            ++i;  // '' is an escaped quote
            ++column;
          } else {
            m = mode::normal;
          }
        }
        break;
      case mode::double_quoted:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          ++i;
          ++column;
        } else if (c == '"') {
          m = mode::normal;
        }
        break;
      case mode::normal: {
        const bool token_start = prev == '\n' || prev == ' ' || prev == '\t' || prev == '[' ||
                                 prev == '{' || prev == ',' || prev == ':';
        if (c == '#' && (prev == '\n' || prev == ' ' || prev == '\t')) {
          m = mode::comment;
        } else if (c == '\'' && token_start) {
          m = mode::single_quoted;
        } else if (c == '"' && token_start) {
          m = mode::double_quoted;
        } else if (c == '[' || c == '{') {
          if (++depth > max_depth) return text_position{line, column};
        } else if ((c == ']' || c == '}') && depth > 0) {
          --depth;
        }
        break;
      }
    }
    prev = c;
  }
  return std::nullopt;
}

namespace {

/// Whether the loader gives a plain scalar a meaning other than its text:
/// booleans (load_common's boolean(), condition operands) and numbers
/// (bounds, operands) are only read from plain scalars.
bool typed_when_plain(std::string_view text) noexcept {
  return text == "true" || text == "false" || parse_integer(text).has_value() ||
         parse_number(text).has_value();
}

void append_canonical(const yaml_node& n, std::string& out) {
  switch (n.type) {
    case yaml_node::kind::null: out += '~'; return;
    case yaml_node::kind::scalar:
      out += n.plain && typed_when_plain(n.text) ? 'n' : 's';
      out += std::to_string(n.text.size());
      out += ':';
      out += n.text;
      return;
    case yaml_node::kind::sequence:
      out += '[';
      out += std::to_string(n.items.size());
      out += ':';
      for (const yaml_node& item : n.items) append_canonical(item, out);
      out += ']';
      return;
    case yaml_node::kind::mapping:
      out += '{';
      out += std::to_string(n.entries.size());
      out += ':';
      for (const yaml_entry& e : n.entries) {
        append_canonical(e.key, out);
        append_canonical(e.value, out);
      }
      out += '}';
      return;
  }
}

}  // namespace

std::string canonical_form(const yaml_node& root) {
  // The version line lets a later form be told apart from this one: a
  // fingerprint is only comparable with one computed the same way.
  std::string out = "tierflow-canonical-1\n";
  append_canonical(root, out);
  return out;
}

std::optional<yaml_node> read_yaml(std::string_view name, std::string_view text,
                                   const load_limits& limits, diagnostics& diags) {
  try {
    if (text.size() > limits.max_file_bytes) {
      diags.error(file_pos(name), msg::file_too_large(limits.max_file_bytes));
      return std::nullopt;
    }
    if (const auto deep = find_flow_too_deep(text, limits.max_depth)) {
      diags.error({std::string(name), deep->line, deep->column}, msg::too_deep(limits.max_depth));
      return std::nullopt;
    }

    limit_checker checker(limits);
    {
      std::istringstream in{std::string(text)};
      YAML::Parser parser(in);
      try {
        while (parser.HandleNextDocument(checker)) {
        }
      } catch (const stop_parsing& stop) {
        diags.error(to_pos(name, stop.mark), stop.message);
        return std::nullopt;
      }
    }
    if (checker.documents() == 0) {
      diags.error(file_pos(name), msg::empty_file());
      return std::nullopt;
    }

    std::set<std::pair<int, int>> skipped;
    for (const auto& dup : checker.duplicates()) {
      diags.error(to_pos(name, dup.mark), msg::duplicate_key(dup.key));
      skipped.emplace(dup.mark.line, dup.mark.column);
    }

    const YAML::Node root = YAML::Load(std::string(text));
    tree_builder builder(limits, skipped);
    yaml_node tree;
    if (!builder.build(root, tree, 1)) {
      diags.error(to_pos(name, builder.where()), msg::too_many_nodes(limits.max_nodes));
      return std::nullopt;
    }
    return tree;
  } catch (const YAML::Exception& e) {
    diags.error(to_pos(name, e.mark), msg::yaml_syntax(e.msg));
  } catch (const std::exception& e) {
    diags.error(file_pos(name), msg::internal_error(e.what()));
  } catch (...) {
    diags.error(file_pos(name), msg::internal_error("unknown exception"));
  }
  return std::nullopt;
}

}  // namespace tierflow::detail
