// SPDX-License-Identifier: MIT
// Compiler-style diagnostics for workflow and organisation files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tierflow {

/// A 1-based position in a source file; line 0 means "the file as a whole".
struct source_pos {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  friend bool operator==(const source_pos&, const source_pos&) = default;
};

/// How bad a diagnostic is. Errors make a definition unusable; warnings flag
/// suspicious but legal things (a shadowed routing rule, an unreachable state).
enum class severity : std::uint8_t { error, warning, note };

/// "error", "warning" or "note".
[[nodiscard]] constexpr std::string_view to_string(severity s) noexcept {
  switch (s) {
    case severity::error: return "error";
    case severity::warning: return "warning";
    case severity::note: return "note";
  }
  return "error";
}

/// One finding about a definition file.
struct diagnostic {
  severity level = severity::error;
  source_pos where;
  std::string message;

  /// GNU style: `file:line:col: error: message` (editors jump to it).
  [[nodiscard]] std::string str() const {
    std::string out = where.file;
    if (where.line > 0) {
      out += ':' + std::to_string(where.line);
      if (where.column > 0) out += ':' + std::to_string(where.column);
    }
    if (!out.empty()) out += ": ";
    out += to_string(level);
    out += ": ";
    out += message;
    return out;
  }

  friend bool operator==(const diagnostic&, const diagnostic&) = default;
};

/// Everything found while loading or validating, in the order found.
///
/// Not thread-safe; each load owns its own list.
class diagnostics {
 public:
  /// Records an error at `where`.
  void error(source_pos where, std::string message) {
    items_.push_back({severity::error, std::move(where), std::move(message)});
  }
  /// Records a warning at `where`.
  void warning(source_pos where, std::string message) {
    items_.push_back({severity::warning, std::move(where), std::move(message)});
  }
  /// Records a note (extra context for the finding before it).
  void note(source_pos where, std::string message) {
    items_.push_back({severity::note, std::move(where), std::move(message)});
  }
  /// Appends all of `other`.
  void append(const diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
  }

  [[nodiscard]] const std::vector<diagnostic>& items() const noexcept { return items_; }
  [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }

  [[nodiscard]] std::size_t error_count() const noexcept {
    return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const diagnostic& d) {
      return d.level == severity::error;
    }));
  }
  [[nodiscard]] std::size_t warning_count() const noexcept {
    return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const diagnostic& d) {
      return d.level == severity::warning;
    }));
  }
  [[nodiscard]] bool has_errors() const noexcept { return error_count() > 0; }

  /// Orders by file, line and column, keeping the order of equal positions
  /// (a note stays after its finding).
  void sort() {
    std::stable_sort(items_.begin(), items_.end(), [](const diagnostic& a, const diagnostic& b) {
      if (a.where.file != b.where.file) return a.where.file < b.where.file;
      if (a.where.line != b.where.line) return a.where.line < b.where.line;
      return a.where.column < b.where.column;
    });
  }

  /// All diagnostics, one GNU-style line each.
  [[nodiscard]] std::string str() const {
    std::string out;
    for (const auto& d : items_) {
      out += d.str();
      out += '\n';
    }
    return out;
  }

 private:
  std::vector<diagnostic> items_;
};

}  // namespace tierflow
