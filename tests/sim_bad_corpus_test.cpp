// SPDX-License-Identifier: MIT
// The bad simulation-scenario corpus: every tests/data/bad_sim/*.yaml,
// loaded against the shipped workflows (workflows/), must produce exactly
// the diagnostics its `# expect:` lines list. CSV files the scenarios name
// sit beside them; their diagnostics are listed with the CSV's file name.
//
// Format, as tests/data/bad_scenarios/ (scenario_bad_corpus_test.cpp):
// comment lines
//
//   # expect: LINE:COL: error: MESSAGE           (in the scenario file)
//   # expect: FILE.csv:LINE:COL: error: MESSAGE  (in a CSV file it names)
//   # expect: FILE.csv: error: MESSAGE           (a CSV file as a whole)
//
// then the YAML. Expected and produced lines are compared as sorted lists,
// and the loader's own order is checked to be by position.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/simulation.hpp>

#include "support/corpus.hpp"
#include "test_support.hpp"

namespace {

using tierflow_test::corpus::expected_lines;
using tierflow_test::corpus::listing;
using tierflow_test::corpus::read_text;
using tierflow_test::corpus::without_file;

const std::string corpus_dir = "tests/data/bad_sim";

std::vector<std::string> corpus_files() {
  return tierflow_test::corpus::files(corpus_dir, ".yaml");
}

/// A diagnostic as the corpus writes it: without the scenario's path, or
/// with only the file name of the CSV it is about.
std::string shown(const tierflow::diagnostic& d, const std::string& scenario_path) {
  if (d.where.file == scenario_path) return without_file(d);
  const std::string s = d.str();
  return std::filesystem::path(d.where.file).filename().string() + s.substr(d.where.file.size());
}

}  // namespace

TEST_CASE("sim.bad_corpus.has_at_least_30_files") { CHECK(corpus_files().size() >= 30); }

TEST_CASE("sim.bad_corpus.every_file_reports_exactly_its_expected_diagnostics") {
  for (const std::string& name : corpus_files()) {
    CAPTURE(name);
    const std::string text = read_text(name);
    std::vector<std::string> expected = expected_lines(text);
    CHECK_MESSAGE(!expected.empty(), name << " has no '# expect:' line");

    // The full path: the CSV files are found relative to the scenario's folder.
    const std::string path = std::string(TIERFLOW_SOURCE_DIR) + "/" + name;
    tierflow::diagnostics diags;
    const auto loaded = tierflow::sim::load_scenario({path, text}, tierflow_test::shipped(), diags);
    CHECK_FALSE(loaded.has_value());

    std::vector<std::string> produced;
    for (const auto& d : diags.items()) produced.push_back(shown(d, path));
    std::vector<std::string> sorted_produced = produced;
    std::sort(expected.begin(), expected.end());
    std::sort(sorted_produced.begin(), sorted_produced.end());
    CHECK_MESSAGE(sorted_produced == expected, name << "\n  expected:\n"
                                                    << listing(expected) << "  produced:\n"
                                                    << listing(produced));
    // Sorted by file, line and column, as the contract says.
    const auto& items = diags.items();
    const bool by_position =
        std::is_sorted(items.begin(), items.end(), [](const auto& a, const auto& b) {
          if (a.where.file != b.where.file) return a.where.file < b.where.file;
          if (a.where.line != b.where.line) return a.where.line < b.where.line;
          return a.where.column < b.where.column;
        });
    CHECK_MESSAGE(by_position, name << " diagnostics out of order:\n" << listing(produced));
  }
}

TEST_CASE("sim.bad_corpus.every_csv_file_is_named_by_a_scenario") {
  // A CSV nobody names would be a case that tests nothing.
  std::string scenarios;
  for (const std::string& name : corpus_files()) scenarios += read_text(name);
  for (const std::string& csv : tierflow_test::corpus::files(corpus_dir, ".csv")) {
    CAPTURE(csv);
    CHECK(scenarios.find(std::filesystem::path(csv).filename().string()) != std::string::npos);
  }
}
