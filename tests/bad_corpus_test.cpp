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
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/loader.hpp>

namespace {

namespace fs = std::filesystem;

const std::string source_dir = TIERFLOW_SOURCE_DIR;
const std::string fixture_name = "tests/data/org_fixture.yaml";
const std::string corpus_dir = "tests/data/bad";

std::string read_text(const std::string& relative) {
  std::ifstream in(fs::path(source_dir) / relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(fs::path(source_dir) / corpus_dir))
    if (entry.path().extension() == ".yaml")
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

bool is_organisation_file(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    return line.rfind("organisation:", 0) == 0;
  }
  return false;
}

/// A diagnostic as the corpus writes it: str() without "FILE:" (or
/// "FILE: " for one without a position).
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
