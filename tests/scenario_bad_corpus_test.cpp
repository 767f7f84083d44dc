// SPDX-License-Identifier: MIT
// The bad-scenario corpus: every tests/data/bad_scenarios/*.test.yaml,
// loaded against the shipped workflows (workflows/), must produce exactly
// the diagnostics its `# expect:` lines list, and a file without errors
// (`# expect: nothing`) none at all.
//
// Format, as tests/data/bad/ (bad_corpus_test.cpp): comment lines
//
//   # expect: LINE:COL: error: MESSAGE
//   # expect: error: MESSAGE                (the file as a whole)
//   # expect: nothing                       (loads cleanly)
//
// then the YAML. Expected and produced lines are compared as sorted lists.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/scenario.hpp>

#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;

const std::string corpus_dir = "tests/data/bad_scenarios";

std::string read_text(const std::string& relative) {
  std::ifstream in(fs::path(TIERFLOW_SOURCE_DIR) / relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(fs::path(TIERFLOW_SOURCE_DIR) / corpus_dir))
    if (entry.path().filename().string().ends_with(".test.yaml"))
      out.push_back(corpus_dir + "/" + entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> expected_lines(const std::string& text) {
  const std::string marker = "# expect: ";
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(marker, 0) == 0) out.push_back(line.substr(marker.size()));
  }
  return out;
}

/// A diagnostic as the corpus writes it: str() without "FILE:".
std::string without_file(const tierflow::diagnostic& d) {
  std::string s = d.str();
  if (d.where.file.empty()) return s;
  s.erase(0, d.where.file.size() + 1);
  if (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

std::string listing(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "    " + l + "\n";
  return out.empty() ? "    (none)\n" : out;
}

}  // namespace

TEST_CASE("scenario_bad_corpus.has_at_least_14_files") { CHECK(corpus_files().size() >= 14); }

TEST_CASE("scenario_bad_corpus.every_file_reports_exactly_its_expected_diagnostics") {
  for (const std::string& name : corpus_files()) {
    CAPTURE(name);
    const std::string text = read_text(name);
    std::vector<std::string> expected = expected_lines(text);
    CHECK_MESSAGE(!expected.empty(), name << " has no '# expect:' line");
    if (expected == std::vector<std::string>{"nothing"}) expected.clear();

    tierflow::diagnostics diags;
    const auto file =
        tierflow::testing::load_scenario_file({name, text}, tierflow_test::shipped(), diags);
    CHECK(file.has_value() == !diags.has_errors());

    std::vector<std::string> produced;
    for (const auto& d : diags.items()) produced.push_back(without_file(d));
    // The loader sorts by position; the corpus lists in any order.
    std::vector<std::string> sorted_produced = produced;
    std::sort(expected.begin(), expected.end());
    std::sort(sorted_produced.begin(), sorted_produced.end());
    CHECK_MESSAGE(sorted_produced == expected, name << "\n  expected:\n"
                                                    << listing(expected) << "  produced:\n"
                                                    << listing(produced));
  }
}
