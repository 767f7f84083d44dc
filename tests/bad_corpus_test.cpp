// SPDX-License-Identifier: MIT
// The bad-file corpus: every tests/data/bad/*.yaml must produce exactly the
// diagnostics its `# expect:` lines list.
//
// Format of a corpus file: comment lines
//
//   # expect: LINE:COL: error: MESSAGE      (or warning:)
//   # expect: LINE: error: MESSAGE          (a diagnostic without a column)
//   # expect: error: MESSAGE                (the file as a whole, or no file)
//
// then the YAML. A file whose first key is `organisation:` is loaded alone;
// any other file is loaded after tests/data/org_fixture.yaml, which must
// itself stay free of diagnostics (so workflow files serve `complaint`, the
// type the fixture's derived attribute counts). Expected and produced lines
// are compared as sorted lists.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/loader.hpp>

#include "support/corpus.hpp"

namespace {

using tierflow_test::corpus::expected_lines;
using tierflow_test::corpus::listing;
using tierflow_test::corpus::read_text;
using tierflow_test::corpus::without_file;

const std::string fixture_name = "tests/data/org_fixture.yaml";
const std::string corpus_dir = "tests/data/bad";

std::vector<std::string> corpus_files() {
  return tierflow_test::corpus::files(corpus_dir, ".yaml");
}

bool is_organisation_file(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    return line.rfind("organisation:", 0) == 0;
  }
  return false;
}

}  // namespace

TEST_CASE("bad_corpus.has_at_least_40_files") { CHECK(corpus_files().size() >= 40); }

TEST_CASE("bad_corpus.fixture_loads_cleanly") {
  tierflow::diagnostics diags;
  const auto cat = tierflow::load_catalog({{fixture_name, read_text(fixture_name)}}, diags);
  CHECK_MESSAGE(diags.empty(), diags.str());
  CHECK(cat.org.id == "test_power");
}

TEST_CASE("bad_corpus.every_file_reports_exactly_its_expected_diagnostics") {
  for (const std::string& name : corpus_files()) {
    CAPTURE(name);
    const std::string text = read_text(name);
    std::vector<std::string> expected = expected_lines(text);
    CHECK_MESSAGE(!expected.empty(), name << " has no '# expect:' line");

    std::vector<tierflow::source_file> sources;
    if (!is_organisation_file(text)) sources.push_back({fixture_name, read_text(fixture_name)});
    sources.push_back({name, text});
    tierflow::diagnostics diags;
    (void)tierflow::load_catalog(sources, diags);

    std::vector<std::string> produced;
    std::vector<std::string> on_fixture;
    for (const auto& d : diags.items()) {
      if (d.where.file == fixture_name)
        on_fixture.push_back(d.str());
      else
        produced.push_back(without_file(d));
    }
    std::sort(expected.begin(), expected.end());
    std::sort(produced.begin(), produced.end());
    CHECK_MESSAGE(produced == expected, name << "\n  expected:\n"
                                             << listing(expected) << "  produced:\n"
                                             << listing(produced));
    CHECK_MESSAGE(on_fixture.empty(), name << " produced diagnostics on the fixture:\n"
                                           << listing(on_fixture));
  }
}
