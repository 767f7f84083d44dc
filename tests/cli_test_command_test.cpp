// SPDX-License-Identifier: MIT
// `tierflow test` (src/cli/test_command.cpp), run as a separate process
// (TIERFLOW_CLI) on the scenario files of tests/data/scenarios/cli/ and the
// small workflow they test (tests/data/scenarios/cli/workflows/): every exit
// status its --help states, the text, JUnit XML and JSON reports, colour
// only on a terminal, --filter, --coverage, --min-coverage and --mutate.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/cli_runner.hpp"
#include "support/scratch_db.hpp"

namespace fs = std::filesystem;

namespace {

using tierflow_test::cli_result;
using tierflow_test::read_file;
using tierflow_test::run_cli;
using tierflow_test::run_cli_bounded;
using tierflow_test::run_program;
using tierflow_test::sh_quote;
using tierflow_test::temp_dir;

const std::string data = "tests/data/scenarios/cli";
const std::string defs = data + "/workflows";
const std::string passing = defs + "/tests/passing.test.yaml";
const std::string failing = data + "/failing.test.yaml";
const std::string bad = data + "/bad.test.yaml";

/// The lines of `text` (split at "\n"), without the line ends.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool has_line(const std::string& text, std::string_view line) {
  const auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

std::size_t count_prefix(const std::string& text, std::string_view prefix) {
  std::size_t n = 0;
  for (const auto& line : lines_of(text)) n += line.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

/// The last line that starts with `prefix`, "" when none does.
std::string line_starting(const std::string& text, std::string_view prefix) {
  std::string found;
  for (const auto& line : lines_of(text))
    if (line.rfind(prefix, 0) == 0) found = line;
  return found;
}

// --- A strict reader of the XML subset JUnit reports use -------------------------------------
// Elements, double- or single-quoted attributes, text, the five predefined
// entities and character references; no DTD, CDATA or comments. Anything
// outside XML 1.0 (a raw '<' or '&', a control character, a mismatched end
// tag, text after the root) makes it fail, so "it parses" means "well
// formed".

struct xml_element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;
  std::vector<xml_element> children;
};

class xml_reader {
 public:
  explicit xml_reader(std::string_view text) : s_(text) {}

  std::optional<xml_element> document() {
    if (s_.rfind("<?xml", 0) == 0) {
      const auto end = s_.find("?>");
      if (end == std::string_view::npos) return std::nullopt;
      i_ = end + 2;
    }
    skip_space();
    xml_element root;
    if (!element(root)) return std::nullopt;
    skip_space();
    if (i_ != s_.size()) return std::nullopt;
    return root;
  }

 private:
  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == ':' ||
           c == '.';
  }
  static bool allowed(unsigned char c) { return c >= 0x20 || c == '\t' || c == '\n' || c == '\r'; }

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  std::string name() {
    const std::size_t start = i_;
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  /// Characters up to `stop`, entities decoded; false on anything illegal.
  bool chars(char stop, std::string& out) {
    while (i_ < s_.size() && s_[i_] != stop) {
      const char c = s_[i_];
      if (!allowed(static_cast<unsigned char>(c)) || (c == '<' && stop != '<')) return false;
      if (c == '&') {
        const auto end = s_.find(';', i_);
        if (end == std::string_view::npos) return false;
        const std::string_view ref = s_.substr(i_ + 1, end - i_ - 1);
        if (ref == "amp")
          out += '&';
        else if (ref == "lt")
          out += '<';
        else if (ref == "gt")
          out += '>';
        else if (ref == "quot")
          out += '"';
        else if (ref == "apos")
          out += '\'';
        else if (ref.size() > 1 && ref[0] == '#') {
          const long code = ref[1] == 'x' ? std::stol(std::string(ref.substr(2)), nullptr, 16)
                                          : std::stol(std::string(ref.substr(1)));
          if (code < 0x20 && code != 9 && code != 10 && code != 13) return false;
          if (code >= 0x80) return false;  // the reports never need more
          out += static_cast<char>(code);
        } else {
          return false;
        }
        i_ = end + 1;
        continue;
      }
      out += c;
      ++i_;
    }
    return i_ < s_.size();
  }
  bool element(xml_element& e) {
    if (i_ >= s_.size() || s_[i_] != '<') return false;
    ++i_;
    e.name = name();
    if (e.name.empty()) return false;
    for (;;) {
      skip_space();
      if (i_ >= s_.size()) return false;
      if (s_.compare(i_, 2, "/>") == 0) {
        i_ += 2;
        return true;
      }
      if (s_[i_] == '>') {
        ++i_;
        break;
      }
      const std::string key = name();
      if (key.empty() || i_ >= s_.size() || s_[i_] != '=') return false;
      ++i_;
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) return false;
      const char quote = s_[i_++];
      std::string value;
      if (!chars(quote, value)) return false;
      ++i_;
      if (!e.attributes.emplace(key, value).second) return false;
    }
    for (;;) {
      if (!chars('<', e.text)) return false;
      if (s_.compare(i_, 2, "</") == 0) {
        i_ += 2;
        if (name() != e.name) return false;
        skip_space();
        if (i_ >= s_.size() || s_[i_] != '>') return false;
        ++i_;
        return true;
      }
      xml_element child;
      if (!element(child)) return false;
      e.children.push_back(std::move(child));
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

std::vector<const xml_element*> all_named(const xml_element& root, std::string_view name) {
  std::vector<const xml_element*> found;
  if (root.name == name) found.push_back(&root);
  for (const auto& c : root.children) {
    auto more = all_named(c, name);
    found.insert(found.end(), more.begin(), more.end());
  }
  return found;
}

}  // namespace

TEST_CASE("cli.test.read_xml_refuses_what_is_not_well_formed") {
  // The checker below would prove nothing if it accepted anything.
  CHECK(xml_reader("<a b=\"1\"><c/></a>").document());
  CHECK_FALSE(xml_reader("<a b=\"<\"/>").document());
  CHECK_FALSE(xml_reader("<a>&</a>").document());
  CHECK_FALSE(xml_reader("<a>\x07</a>").document());
  CHECK_FALSE(xml_reader("<a><b></a></b>").document());
  CHECK_FALSE(xml_reader("<a/><b/>").document());
}

TEST_CASE("cli.test.passing_suite_exits_0") {
  temp_dir dir;
  // A directory argument: its tests/ subdirectory's files, on the
  // definitions in the directory itself.
  const cli_result r = run_cli(dir, {"test", defs});
  CHECK(r.status == 0);
  CHECK(r.err == "");
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].rfind("PASS  " + passing + ": a big customer goes to its region  (", 0) == 0);
  CHECK(lines[0].size() > 3);
  CHECK(lines[0].substr(lines[0].size() - 4) == " ms)");
  CHECK(count_prefix(r.out, "PASS  ") == 4);
  CHECK(lines[4].rfind("4 cases: 4 passed, 0 failed (", 0) == 0);
  // Not a terminal: no colour.
  CHECK(r.out.find('\x1b') == std::string::npos);
}

TEST_CASE("cli.test.test_file_finds_definitions_above_its_tests_directory") {
  temp_dir dir;
  const cli_result r = run_cli(dir, {"test", passing});
  CHECK(r.status == 0);
  CHECK(r.err == "");
  CHECK(count_prefix(r.out, "PASS  ") == 4);
  // The tests directory itself, with its trailing slash.
  const cli_result tests_dir = run_cli(dir, {"test", defs + "/tests/"});
  CHECK(tests_dir.status == 0);
  CHECK(count_prefix(tests_dir.out, "PASS  ") == 4);
  // From inside the tests directory: "." is tests/, its parent the definitions.
  const std::string inside = "cd " + sh_quote(defs + "/tests") + " && " + sh_quote(TIERFLOW_CLI);
  const cli_result here = run_program(dir, {"sh", "-c", inside + " test passing.test.yaml"});
  CHECK(here.status == 0);
  CHECK(here.err == "");
  CHECK(line_starting(here.out, "PASS  passing.test.yaml: a big customer goes to its region  (") !=
        "");
  const cli_result dot = run_program(dir, {"sh", "-c", inside + " test ."});
  CHECK(dot.status == 0);
  CHECK(count_prefix(dot.out, "PASS  ") == 4);
}

TEST_CASE("cli.test.failing_case_exits_1_with_where_and_what") {
  temp_dir dir;
  const cli_result r = run_cli(dir, {"test", "--workflows", defs, failing});
  CHECK(r.status == 1);
  CHECK(r.err == "");
  CHECK(count_prefix(r.out, "PASS  ") == 1);
  CHECK(count_prefix(r.out, "FAIL  ") == 3);
  CHECK(line_starting(r.out, "FAIL  " + failing + ": calling back closes the ticket  (") != "");
  // The failing expectation's step (1-based), its position, what, and
  // expected against actual.
  const std::string where = line_starting(r.out, "      " + failing + ":22:");
  CHECK(where.find(": step 2: state: ") != std::string::npos);
  CHECK(has_line(r.out, "        expected: received"));
  CHECK(has_line(r.out, "        actual:   done"));
  CHECK(line_starting(r.out, "4 cases: 1 passed, 3 failed (") != "");
  // A name from the file is printed escaped: the control character too.
  CHECK(r.out.find('\x07') == std::string::npos);
  CHECK(r.out.find("odd <&\"'> \\x07 name") != std::string::npos);
}

TEST_CASE("cli.test.bad_scenario_file_exits_2_with_its_diagnostic") {
  temp_dir dir;
  const cli_result r = run_cli(dir, {"test", "--workflows", defs, bad});
  CHECK(r.status == 2);
  CHECK(r.out == "");  // nothing ran
  CHECK(has_line(r.err, bad + ":8:14: error: unknown action 'call_bak' in workflow 'callback' (did "
                              "you mean 'call_back'?)"));
}

TEST_CASE("cli.test.bad_definitions_exit_2") {
  temp_dir dir;
  const fs::path wf = dir.path() / "workflows";
  fs::create_directories(wf / "tests");
  fs::copy_file(defs + "/organisation.yaml", wf / "organisation.yaml");
  std::string callback = read_file(defs + "/callback.yaml");
  const auto at = callback.find("to: done");
  REQUIRE(at != std::string::npos);
  callback.replace(at, 8, "to: dnoe");
  std::ofstream(wf / "callback.yaml") << callback;
  fs::copy_file(passing, wf / "tests" / "passing.test.yaml");
  const cli_result r = run_cli(dir, {"test", wf.string()});
  CHECK(r.status == 2);
  CHECK(r.out == "");
  CHECK(r.err.find((wf / "callback.yaml").string() + ":") != std::string::npos);
  CHECK(r.err.find(": error: ") != std::string::npos);
  CHECK(r.err.find("dnoe") != std::string::npos);
}

TEST_CASE("cli.test.usage_errors_exit_2") {
  temp_dir dir;
  SUBCASE("no path") { CHECK(run_cli(dir, {"test"}).status == 2); }
  SUBCASE("unknown format") { CHECK(run_cli(dir, {"test", "--format", "xml", defs}).status == 2); }
  SUBCASE("unknown colour") {
    CHECK(run_cli(dir, {"test", "--color=sometimes", defs}).status == 2);
  }
  SUBCASE("coverage over 100") {
    CHECK(run_cli(dir, {"test", "--min-coverage", "101", defs}).status == 2);
  }
  SUBCASE("a path that does not exist") {
    const cli_result r = run_cli(dir, {"test", data + "/no_such.test.yaml"});
    CHECK(r.status == 2);
    CHECK(r.out == "");
    CHECK(r.err.find("no_such.test.yaml") != std::string::npos);
  }
  SUBCASE("a filter that selects nothing") {
    const cli_result r = run_cli(dir, {"test", "--filter", "no such case", defs});
    CHECK(r.status == 2);
    CHECK(has_line(r.err, "tierflow test: error: no case matches --filter 'no such case'"));
  }
  SUBCASE("tests of two definition directories") {
    const cli_result r = run_cli(dir, {"test", passing, failing});
    CHECK(r.status == 2);
    CHECK(r.err.find("--workflows") != std::string::npos);
  }
}

TEST_CASE("cli.test.help_states_every_exit_status") {
  temp_dir dir;
  const cli_result r = run_cli(dir, {"test", "--help"});
  CHECK(r.status == 0);
  CHECK(r.out.find("Exit status:") != std::string::npos);
  CHECK(r.out.find("  0  every case passed") != std::string::npos);
  CHECK(r.out.find("  1  a case failed") != std::string::npos);
  CHECK(r.out.find("  2  usage error") != std::string::npos);
}

TEST_CASE("cli.test.filter_selects_cases") {
  temp_dir dir;
  const cli_result r = run_cli(dir, {"test", "--filter", "kVA goes to", defs});
  CHECK(r.status == 0);
  CHECK(count_prefix(r.out, "PASS  ") == 2);
  CHECK(count_prefix(r.out, "FAIL  ") == 0);
  CHECK(line_starting(r.out, "2 cases: 2 passed, 0 failed (") != "");
  // The filter reads "FILE: NAME": a file name selects all its cases.
  const cli_result by_file = run_cli(dir, {"test", "--filter", "passing.test", defs});
  CHECK(count_prefix(by_file.out, "PASS  ") == 4);
  // Only the selected cases decide the exit status.
  const cli_result one =
      run_cli(dir, {"test", "--workflows", defs, "--filter", "stays at the service", failing});
  CHECK(one.status == 0);
  CHECK(line_starting(one.out, "1 case: 1 passed, 0 failed (") != "");
}

TEST_CASE("cli.test.junit_is_well_formed_and_escaped") {
  temp_dir dir;
  const std::string report = dir.file("report.xml");
  const cli_result r = run_cli(dir, {"test", "--workflows", defs, "--junit", report, failing});
  CHECK(r.status == 1);
  const std::string xml = read_file(report);
  const auto root = xml_reader(xml).document();
  REQUIRE(root);
  CHECK(root->name == "testsuites");
  CHECK(root->attributes.at("tests") == "4");
  CHECK(root->attributes.at("failures") == "3");
  const auto suites = all_named(*root, "testsuite");
  REQUIRE(suites.size() == 1);
  CHECK(suites[0]->attributes.at("name") == failing);
  const auto cases = all_named(*root, "testcase");
  REQUIRE(cases.size() == 4);
  CHECK(all_named(*root, "failure").size() == 3);
  for (const auto* c : cases) {
    CHECK(c->attributes.at("classname") == failing);
    CHECK(c->attributes.count("time") == 1);
  }
  // The odd name comes back as written, its control character shown as an
  // escape (XML 1.0 cannot carry it).
  CHECK(cases[3]->attributes.at("name") == "odd <&\"'> \\x07 name");
  const auto failures = all_named(*cases[1], "failure");
  REQUIRE(failures.size() == 1);
  CHECK(failures[0]->attributes.at("message") != "");
  CHECK(failures[0]->text.find(failing + ":22:") != std::string::npos);
  CHECK(failures[0]->text.find("expected: received") != std::string::npos);
  // Written through a temporary file that is gone now.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
  CHECK(files == 3);  // report.xml, cli.stdout, cli.stderr
}

TEST_CASE("cli.test.junit_refuses_a_fifo_or_device") {
  temp_dir dir;
  SUBCASE("a FIFO") {
    const std::string fifo = dir.file("report.fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Bounded: a tool that opened the FIFO would block for ever.
    const cli_result r = run_cli_bounded(dir, {"test", "--junit", fifo, defs});
    CHECK(r.status == 2);
    CHECK(r.err.find("tierflow test: error: --junit '" + fifo + "': ") == 0);
    CHECK(r.out == "");
  }
  SUBCASE("a device") {
    const cli_result r = run_cli_bounded(dir, {"test", "--junit", "/dev/null", defs});
    CHECK(r.status == 2);
    CHECK(r.err.find("tierflow test: error: --junit '/dev/null': ") == 0);
  }
  SUBCASE("a directory that does not exist") {
    const cli_result r = run_cli(dir, {"test", "--junit", dir.file("no/such/dir/r.xml"), defs});
    CHECK(r.status == 2);
    CHECK(r.err.find("tierflow test: error: cannot write --junit") == 0);
  }
}

TEST_CASE("cli.test.json_report_parses_with_the_right_counts") {
  temp_dir dir;
  const cli_result r = run_cli(dir, {"test", "--format", "json", "--workflows", defs, failing});
  CHECK(r.status == 1);
  const auto doc = nlohmann::json::parse(r.out);  // throws (and fails) unless one document
  REQUIRE(doc["cases"].size() == 4);
  CHECK(doc["summary"]["cases"] == 4);
  CHECK(doc["summary"]["passed"] == 1);
  CHECK(doc["summary"]["failed"] == 3);
  const auto& second = doc["cases"][1];
  CHECK(second["file"] == failing);
  CHECK(second["name"] == "calling back closes the ticket");
  CHECK(second["workflow"] == "callback");
  CHECK(second["passed"] == false);
  CHECK(second["elapsed_ms"].is_number());
  REQUIRE(second["failures"].size() == 1);
  const auto& f = second["failures"][0];
  CHECK(f["step"] == 2);
  CHECK(f["file"] == failing);
  CHECK(f["line"] == 22);
  CHECK(f["what"] == "state");
  CHECK(f["expected"] == "received");
  CHECK(f["actual"] == "done");
  CHECK(f["message"].is_string());
  CHECK(doc["cases"][3]["name"] == "odd <&\"'> \x07 name");
  CHECK(doc.count("coverage") == 0);
  CHECK(doc.count("mutation") == 0);
  // ASCII only, so nothing in it can act on a terminal.
  CHECK(std::all_of(r.out.begin(), r.out.end(),
                    [](char c) { return (c >= 0x20 && c < 0x7f) || c == '\n'; }));
}

TEST_CASE("cli.test.colour_only_on_a_terminal_or_when_asked") {
  temp_dir dir;
  const std::string green = "\x1b[32mPASS\x1b[0m  ";
  SUBCASE("always") {
    const cli_result r = run_cli(dir, {"test", "--color=always", defs});
    CHECK(r.status == 0);
    CHECK(r.out.find(green) == 0);
    CHECK(r.out.find("\x1b[1m4 cases: 4 passed") != std::string::npos);
  }
  SUBCASE("always, failing: red") {
    const cli_result r = run_cli(dir, {"test", "--color=always", "--workflows", defs, failing});
    CHECK(r.out.find("\x1b[31mFAIL\x1b[0m  ") != std::string::npos);
    // A control character from the file stays escaped among the colours.
    CHECK(r.out.find('\x07') == std::string::npos);
  }
  SUBCASE("never") {
    const cli_result r = run_cli(dir, {"test", "--color=never", defs});
    CHECK(r.out.find('\x1b') == std::string::npos);
  }
  // A terminal, through script(1)'s pseudo-terminal.
  const std::string command = std::string(TIERFLOW_CLI) + " test " + sh_quote(defs);
  SUBCASE("a terminal") {
    const cli_result r = run_program(
        dir, {"env", "-u", "NO_COLOR", "TERM=xterm", "script", "-qec", command, "/dev/null"});
    CHECK(r.out.find(green) != std::string::npos);
  }
  SUBCASE("a terminal with NO_COLOR") {
    const cli_result r = run_program(
        dir, {"env", "NO_COLOR=1", "TERM=xterm", "script", "-qec", command, "/dev/null"});
    CHECK(r.out.find("PASS  ") != std::string::npos);
    CHECK(r.out.find('\x1b') == std::string::npos);
  }
  SUBCASE("a dumb terminal") {
    const cli_result r = run_program(
        dir, {"env", "-u", "NO_COLOR", "TERM=dumb", "script", "-qec", command, "/dev/null"});
    CHECK(r.out.find("PASS  ") != std::string::npos);
    CHECK(r.out.find('\x1b') == std::string::npos);
  }
}

TEST_CASE("cli.test.coverage_lists_what_no_case_exercised") {
  temp_dir dir;
  SUBCASE("the whole suite covers everything") {
    const cli_result r = run_cli(dir, {"test", "--coverage", defs});
    CHECK(r.status == 0);
    CHECK(has_line(r.out, "coverage of callback v1: 100.0%"));
    CHECK(r.out.find(": note: ") == std::string::npos);
  }
  SUBCASE("one case leaves the escalation uncovered") {
    const cli_result r =
        run_cli(dir, {"test", "--coverage", "--filter", "a big customer goes", defs});
    CHECK(r.status == 0);
    const std::string head = line_starting(r.out, "coverage of callback v1: ");
    CHECK(head != "");
    CHECK(head != "coverage of callback v1: 100.0%");
    CHECK(line_starting(r.out, "  routing rules ").find("1/2") != std::string::npos);
    CHECK(line_starting(r.out, "  escalation rules ").find("0/1") != std::string::npos);
    CHECK(has_line(r.out, defs + "/callback.yaml:32:5: note: routing rule 'everyone_else' is not "
                                 "exercised by any case"));
    CHECK(line_starting(
              r.out, defs + "/callback.yaml:36:5: note: escalation rule 'reply_overdue' ") != "");
  }
  SUBCASE("as JSON") {
    const cli_result r = run_cli(
        dir, {"test", "--format", "json", "--coverage", "--filter", "a big customer goes", defs});
    const auto doc = nlohmann::json::parse(r.out);
    REQUIRE(doc["coverage"]["workflows"].size() == 1);
    const auto& w = doc["coverage"]["workflows"][0];
    CHECK(w["workflow"] == "callback");
    CHECK(w["kinds"]["routing_rule"]["covered"] == 1);
    CHECK(w["kinds"]["routing_rule"]["total"] == 2);
    CHECK(w["uncovered"].size() > 0);
  }
}

TEST_CASE("cli.test.min_coverage_fails_below_the_minimum") {
  temp_dir dir;
  const std::vector<std::string> one_case = {"--filter", "a big customer goes", defs};
  std::vector<std::string> args = {"test", "--min-coverage", "100"};
  args.insert(args.end(), one_case.begin(), one_case.end());
  const cli_result below = run_cli(dir, args);
  CHECK(below.status == 1);
  CHECK(below.err.find("tierflow test: coverage below --min-coverage 100%: callback v1 (") == 0);
  CHECK(line_starting(below.out, "coverage of callback v1: ") != "");  // implies --coverage
  args[2] = "10";
  CHECK(run_cli(dir, args).status == 0);
  // The whole suite reaches 100%.
  CHECK(run_cli(dir, {"test", "--min-coverage", "100", defs}).status == 0);
}

TEST_CASE("cli.test.mutate_reports_surviving_mutants") {
  temp_dir dir;
  SUBCASE("one case kills few mutants") {
    const cli_result r =
        run_cli(dir, {"test", "--mutate", "--filter", "a big customer goes", defs});
    CHECK(r.status == 1);
    CHECK(line_starting(r.out, "1 case: 1 passed, 0 failed") != "");
    const std::string counts = [&] {
      for (const auto& line : lines_of(r.out))
        if (line.find(" mutants: ") != std::string::npos) return line;
      return std::string();
    }();
    CHECK(counts != "");
    CHECK(counts.find(" survived (") != std::string::npos);
    CHECK(line_starting(r.out, defs + "/callback.yaml:")
              .find(": warning: mutant survived: callback@1:") != std::string::npos);
  }
  SUBCASE("a failing suite is not mutated") {
    const cli_result r = run_cli(dir, {"test", "--mutate", "--workflows", defs, failing});
    CHECK(r.status == 1);
    CHECK(r.err.find("tierflow test: not mutating: 3 cases failed") == 0);
    CHECK(r.out.find(" mutants: ") == std::string::npos);
  }
  SUBCASE("as JSON") {
    const cli_result r = run_cli(
        dir, {"test", "--format", "json", "--mutate", "--filter", "a big customer goes", defs});
    CHECK(r.status == 1);
    const auto doc = nlohmann::json::parse(r.out);
    const auto& m = doc["mutation"];
    CHECK(m["survived"].get<std::size_t>() > 0);
    CHECK(m["survivors"].size() == m["survived"].get<std::size_t>());
    CHECK(m["mutants"].get<std::size_t>() == m["killed"].get<std::size_t>() +
                                                 m["equivalent"].get<std::size_t>() +
                                                 m["survived"].get<std::size_t>());
  }
}

TEST_CASE("cli.test.mutate_exits_0_when_every_mutant_is_killed") {
  temp_dir dir;
  const cli_result r = run_cli(dir, {"test", "--mutate", defs});
  CHECK(r.status == 0);
  CHECK(r.err == "");
  std::string counts;
  for (const auto& line : lines_of(r.out))
    if (line.find(" mutants: ") != std::string::npos) counts = line;
  REQUIRE(counts != "");
  // "N mutants: N killed, 0 equivalent, 0 survived (T s)"
  const std::string n = counts.substr(0, counts.find(' '));
  CHECK(std::stoul(n) > 0);
  CHECK(counts.rfind(n + " mutants: " + n + " killed, 0 equivalent, 0 survived (", 0) == 0);
  CHECK(r.out.find(": warning: ") == std::string::npos);
}

TEST_CASE("cli.test.mutate_warns_of_wrong_equivalence_declarations") {
  temp_dir dir;
  const fs::path wf = dir.path() / "workflows";
  fs::create_directories(wf / "tests");
  fs::copy_file(defs + "/organisation.yaml", wf / "organisation.yaml");
  fs::copy_file(defs + "/callback.yaml", wf / "callback.yaml");
  const fs::path declared = wf / "tests" / "declared.test.yaml";
  std::ofstream(declared) << "equivalent_mutants:\n"
                             "  - mutant: \"callback@1:lengthen_deadline:reply\"\n"
                             "    why: \"claimed, wrongly: the late-reply case kills it\"\n"
                             "  - mutant: \"callback@1:drop_step:no_such_rule:#1\"\n"
                             "    why: \"left over from a rule since removed\"\n"
                          << read_file(passing);
  const cli_result r = run_cli(dir, {"test", "--mutate", wf.string()});
  CHECK(r.status == 0);  // nothing survived: the warnings ask for a cleanup
  const std::string file = declared.string();
  CHECK(has_line(r.out, file +
                            ":2:5: warning: mutant 'callback@1:lengthen_deadline:reply' is "
                            "declared equivalent, but case '" +
                            file +
                            ": a late reply is flagged and escalated' kills it: reply: 2h → 4h"));
  CHECK(has_line(r.out,
                 file + ":4:5: warning: equivalent mutant 'callback@1:drop_step:no_such_rule:#1' "
                        "is not a mutant of these workflows"));
}
