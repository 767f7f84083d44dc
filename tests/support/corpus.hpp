// SPDX-License-Identifier: MIT
// What the broken-file corpora share (tests/data/bad/ for definitions,
// tests/data/bad_scenarios/ for scenario files): each file lists the exact
// diagnostics it must give in `# expect:` comment lines, without the file
// name, and the tests compare them with what the loader says.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/diagnostic.hpp>

namespace tierflow_test::corpus {

/// The text of a file of the source tree, by its path relative to it.
inline std::string read_text(const std::string& relative) {
  std::ifstream in(std::filesystem::path(TIERFLOW_SOURCE_DIR) / relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The files of `dir` (relative to the source tree) whose names end in
/// `suffix`, as relative paths, sorted.
inline std::vector<std::string> files(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(TIERFLOW_SOURCE_DIR) / dir))
    if (entry.path().filename().string().ends_with(suffix))
      out.push_back(dir + "/" + entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// The text after each `# expect: ` at the start of a line, in order.
inline std::vector<std::string> expected_lines(const std::string& text) {
  const std::string marker = "# expect: ";
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(marker, 0) == 0) out.push_back(line.substr(marker.size()));
  }
  return out;
}

/// A diagnostic as the corpus writes it: str() without "FILE:" (or
/// "FILE: " for one without a position).
inline std::string without_file(const tierflow::diagnostic& d) {
  std::string s = d.str();
  if (d.where.file.empty()) return s;
  s.erase(0, d.where.file.size() + 1);
  if (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

/// Lines for a failure message, indented; "(none)" for none.
inline std::string listing(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "    " + l + "\n";
  return out.empty() ? "    (none)\n" : out;
}

}  // namespace tierflow_test::corpus
