// SPDX-License-Identifier: MIT
// How the tool prints a line: everything it prints may quote an id, a path
// or a value from a definition file, a ticket file, a store or the command
// line, so every line goes through detail::printable (control characters
// and broken UTF-8 shown as escapes, valid UTF-8 kept).
#pragma once

#include <cstdio>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "text/escape.hpp"

namespace tierflow::cli {

/// Prints `text`, escaped by detail::printable, and a line end.
inline void say_line(std::FILE* out, std::string_view text) {
  fmt::print(out, "{}\n", detail::printable(text));
}

/// Prints a text of several lines, each through say_line (group values
/// and ids in it come from a store or a scenario file).
inline void print_lines(std::FILE* out, std::string_view text) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    say_line(out, text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

/// Formats one line, prints it escaped by detail::printable, and a line
/// end (the format string has none of its own).
template <typename... Args>
void say(std::FILE* out, fmt::format_string<Args...> format, Args&&... args) {
  say_line(out, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace tierflow::cli
