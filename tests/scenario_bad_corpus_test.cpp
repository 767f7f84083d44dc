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
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/scenario.hpp>

#include "support/corpus.hpp"
#include "test_support.hpp"

namespace {

using tierflow_test::corpus::expected_lines;
using tierflow_test::corpus::listing;
using tierflow_test::corpus::read_text;
using tierflow_test::corpus::without_file;

const std::string corpus_dir = "tests/data/bad_scenarios";

std::vector<std::string> corpus_files() {
  return tierflow_test::corpus::files(corpus_dir, ".test.yaml");
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
