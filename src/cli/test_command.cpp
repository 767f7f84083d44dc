// SPDX-License-Identifier: MIT
// `tierflow test`: runs the scenario tests a rule author writes next to the
// workflows (tierflow/testing.hpp), and reports them the way people and CI
// servers read test results: one line per case, each failure at its
// `file:line:col`, a summary; JUnit XML and JSON for machines; rule
// coverage (tierflow/rule_coverage.hpp) and mutation testing
// (tierflow/mutation.hpp) on request.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tierflow/catalog.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/mutation.hpp>
#include <tierflow/rule_coverage.hpp>
#include <tierflow/scenario.hpp>
#include <tierflow/testing.hpp>

#include "commands.hpp"
#include "output_file.hpp"
#include "say.hpp"
#include "text/escape.hpp"
#include "text/input_file.hpp"
#include "text/text.hpp"

namespace tierflow::cli {
namespace {

namespace fs = std::filesystem;
using testing::case_result;
using testing::coverage_kind;
using testing::scenario;
using testing::scenario_file;
using testing::suite_result;
using testing::workflow_coverage;

constexpr std::string_view tool = "tierflow test";

constexpr coverage_kind all_kinds[] = {
    coverage_kind::routing_rule, coverage_kind::escalation_rule, coverage_kind::escalation_step,
    coverage_kind::state,        coverage_kind::action,          coverage_kind::deadline,
};

// --- Colour -------------------------------------------------------------------------------------

/// The escape sequences of one run: empty strings when colour is off, so
/// that printing never has to ask.
struct palette {
  std::string_view pass, fail, bold, reset;
};

/// Colour follows the no-color.org convention: a terminal, NO_COLOR unset
/// or empty, and a TERM that can show it; --color=always|never decides
/// outright (CI logs that render ANSI, pipes into `less -R`).
palette choose_palette(std::string_view mode, std::FILE* out) {
  bool on = mode == "always";
  if (mode == "auto") {
    const char* no_color = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    on = ::isatty(::fileno(out)) == 1 && (no_color == nullptr || *no_color == '\0') &&
         (term == nullptr || std::string_view(term) != "dumb");
  }
  if (!on) return {};
  return {"\x1b[32m", "\x1b[31m", "\x1b[1m", "\x1b[0m"};
}

// --- Finding and loading ---------------------------------------------------------------------

/// The definitions that go with a test path: the directory holding the
/// tests, or the parent of a `tests` directory (workflows/tests/x.test.yaml
/// and workflows/tests/ both mean workflows/).
fs::path definitions_for(const std::string& path) {
  std::error_code ec;
  fs::path dir = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  // The name as the file system sees it: "." inside workflows/tests is "tests".
  fs::path absolute = fs::absolute(dir, ec).lexically_normal();
  if (absolute.filename().empty()) absolute = absolute.parent_path();  // "workflows/"
  fs::path found =
      absolute.filename() == "tests" ? (dir / "..").lexically_normal() : dir.lexically_normal();
  // "workflows/" and "workflows" are one directory (and one set of definitions).
  if (found.filename().empty() && found.has_parent_path()) found = found.parent_path();
  return found;
}

bool is_test_file(std::string_view name) {
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  return ends_with(".test.yaml") || ends_with(".test.yml");
}

void print_diagnostics(const diagnostics& diags, std::FILE* err) {
  for (const auto& d : diags.items()) say_line(err, d.str());
}

/// What was loaded: the catalog and every scenario file, or the exit
/// status of a load that failed (its diagnostics already printed).
struct loaded {
  catalog cat;
  std::vector<scenario_file> files;
  int status = exit_ok;
};

loaded load_everything(const test_options& options, std::FILE* err) {
  loaded result;
  diagnostics found;
  const std::vector<source_file> test_sources =
      testing::read_scenario_sources(options.paths, found);
  if (found.has_errors()) {
    print_diagnostics(found, err);
    result.status = exit_usage;
    return result;
  }

  std::string definitions = options.workflows;
  if (definitions.empty()) {
    std::set<fs::path> candidates;
    for (const auto& p : options.paths) candidates.insert(definitions_for(p));
    if (candidates.size() > 1) {
      std::vector<std::string> names;
      for (const auto& c : candidates) names.push_back("'" + c.string() + "'");
      say(err,
          "{}: error: the tests belong to different definitions ({}): name one with "
          "--workflows",
          tool, detail::join(names, ", "));
      result.status = exit_usage;
      return result;
    }
    definitions = candidates.begin()->string();
  }

  // The tests may sit in the definitions' own directory: a test file is not
  // a definition, so it is left out here rather than refused as one.
  diagnostics defs_diags;
  std::vector<source_file> defs = read_sources({definitions}, defs_diags);
  std::erase_if(defs, [](const source_file& s) { return is_test_file(s.name); });
  result.cat = load_catalog(defs, defs_diags);
  if (defs.empty() && !defs_diags.has_errors()) {
    source_pos where;
    where.file = definitions;
    defs_diags.error(where, "no organisation or workflow files here (name them with --workflows)");
  }
  print_diagnostics(defs_diags, err);
  if (defs_diags.has_errors()) {
    result.status = exit_usage;
    return result;
  }

  diagnostics scenario_diags;
  scenario_diags.append(found);  // warnings of the file search, if any
  bool ok = true;
  for (const auto& source : test_sources) {
    auto file = testing::load_scenario_file(source, result.cat, scenario_diags);
    if (file)
      result.files.push_back(std::move(*file));
    else
      ok = false;
  }
  print_diagnostics(scenario_diags, err);
  if (!ok || scenario_diags.has_errors()) result.status = exit_usage;
  return result;
}

// --- Text output -----------------------------------------------------------------------------

double to_ms(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }

/// "0.4 ms"; "<0.1 ms" rather than a "0.0 ms" that reads as not measured.
std::string ms_text(std::chrono::nanoseconds d) {
  const double ms = to_ms(d);
  return ms < 0.05 ? std::string("<0.1 ms") : fmt::format("{:.1f} ms", ms);
}

std::string position(const source_pos& where) {
  std::string out = where.file;
  if (where.line > 0) {
    out += fmt::format(":{}", where.line);
    if (where.column > 0) out += fmt::format(":{}", where.column);
  }
  return out;
}

/// The cases by (file, name), to tell a failure at a step from one before
/// the first step (testing::failure::step == the number of steps).
using case_index = std::map<std::pair<std::string, std::string>, const scenario*>;

case_index index_cases(const std::vector<scenario_file>& files) {
  case_index index;
  for (const auto& f : files)
    for (const auto& sc : f.cases) index[{f.name, sc.name}] = &sc;
  return index;
}

/// The 1-based number of the failing step, or nullopt for a failure before
/// the first step (opening the ticket, its history).
std::optional<std::size_t> step_number(const case_index& index, const case_result& c,
                                       const testing::failure& f) {
  const auto it = index.find({c.file, c.name});
  if (it != index.end() && f.step >= it->second->steps.size()) return std::nullopt;
  return f.step + 1;
}

std::string shown(std::string_view value) { return value.empty() ? "(empty)" : std::string(value); }

/// The lines that describe one failure, unescaped (JUnit and text escape
/// them their own way).
std::vector<std::string> failure_lines(const case_index& index, const case_result& c,
                                       const testing::failure& f) {
  const auto step = step_number(index, c, f);
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{}: {}: {}: {}", position(f.where),
                              step ? fmt::format("step {}", *step) : std::string("before step 1"),
                              f.what, f.message));
  lines.push_back("  expected: " + shown(f.expected));
  lines.push_back("  actual:   " + shown(f.actual));
  return lines;
}

std::string label_of(const case_result& c) { return c.file + ": " + c.name; }

void print_cases(const suite_result& suite, const case_index& index, const palette& colour,
                 std::FILE* out) {
  for (const auto& c : suite.cases) {
    const bool passed = c.passed();
    fmt::print(out, "{}{}{}  {}  ({})\n", passed ? colour.pass : colour.fail,
               passed ? "PASS" : "FAIL", colour.reset, detail::printable(label_of(c)),
               ms_text(c.elapsed));
    for (const auto& f : c.failures)
      for (const auto& line : failure_lines(index, c, f)) say(out, "      {}", line);
  }
}

void print_summary(const suite_result& suite, std::chrono::nanoseconds elapsed,
                   const palette& colour, std::FILE* out) {
  fmt::print(out, "{}{} case{}: {} passed, {} failed ({}){}\n", colour.bold, suite.cases.size(),
             suite.cases.size() == 1 ? "" : "s", suite.passed(), suite.failed(), ms_text(elapsed),
             colour.reset);
}

// --- Coverage --------------------------------------------------------------------------------

std::string plural(coverage_kind k) { return std::string(to_string(k)) + "s"; }

std::string percent_text(std::size_t covered, std::size_t total) {
  if (total == 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(covered) / static_cast<double>(total));
}

/// The workflows (id, version) at least one case ran on.
std::set<std::pair<std::string, std::uint32_t>> workflows_run(const suite_result& suite) {
  std::set<std::pair<std::string, std::uint32_t>> run;
  for (const auto& c : suite.cases)
    if (!c.workflow_id.empty()) run.insert({c.workflow_id, c.workflow_version});
  return run;
}

bool has_cases(const std::set<std::pair<std::string, std::uint32_t>>& run,
               const workflow_coverage& w) {
  return run.count({w.workflow_id, w.workflow_version}) > 0;
}

void print_coverage(const std::vector<workflow_coverage>& coverage, const suite_result& suite,
                    std::FILE* out) {
  const auto run = workflows_run(suite);
  std::vector<std::string> idle;
  for (const auto& w : coverage) {
    if (!has_cases(run, w)) {
      idle.push_back(fmt::format("{} v{}", w.workflow_id, w.workflow_version));
      continue;
    }
    say(out, "coverage of {} v{}: {:.1f}%", w.workflow_id, w.workflow_version, w.percent());
    for (const coverage_kind k : all_kinds) {
      say(out, "  {:<18} {:>3}/{:<3} {:>6}", plural(k), w.covered(k), w.total(k),
          percent_text(w.covered(k), w.total(k)));
    }
    for (const auto& item : w.items) {
      if (item.covered) continue;
      const diagnostic d{
          severity::note, item.where,
          fmt::format("{} '{}' is not exercised by any case", to_string(item.kind), item.id)};
      say_line(out, d.str());
    }
  }
  if (!idle.empty()) say(out, "no case ran on: {}", detail::join(idle, ", "));
}

/// The workflows with cases whose coverage is below `minimum`, as text.
std::vector<std::string> below_minimum(const std::vector<workflow_coverage>& coverage,
                                       const suite_result& suite, double minimum) {
  const auto run = workflows_run(suite);
  std::vector<std::string> below;
  for (const auto& w : coverage) {
    if (has_cases(run, w) && w.percent() < minimum)
      below.push_back(
          fmt::format("{} v{} ({:.1f}%)", w.workflow_id, w.workflow_version, w.percent()));
  }
  return below;
}

// --- Mutation --------------------------------------------------------------------------------

/// What the mutation run found that people must look at: survivors,
/// declarations contradicted by a kill, declarations of no mutant.
struct mutation_findings {
  std::vector<diagnostic> warnings;
};

mutation_findings review_mutation(const testing::mutation_report& report,
                                  const std::vector<scenario_file>& files) {
  mutation_findings found;
  std::map<std::string, const testing::mutant_outcome*> by_id;
  for (const auto& o : report.outcomes) by_id[o.subject.id] = &o;
  for (const auto& o : report.outcomes) {
    if (o.killed || o.equivalent) continue;
    found.warnings.push_back(
        {severity::warning, o.subject.rule_where,
         fmt::format("mutant survived: {}: {}", o.subject.id, o.subject.description)});
  }
  for (const auto& f : files) {
    for (const auto& e : f.equivalent) {
      const auto it = by_id.find(e.mutant);
      // Mutants are made only of the workflows the selected cases ran on:
      // a declaration about another workflow is not judged.
      const std::string workflow = e.mutant.substr(0, e.mutant.find(':') + 1);
      const bool judged = std::any_of(report.outcomes.begin(), report.outcomes.end(),
                                      [&](const testing::mutant_outcome& o) {
                                        return o.subject.id.starts_with(workflow);
                                      });
      if (it == by_id.end() && !judged) continue;
      if (it == by_id.end()) {
        found.warnings.push_back(
            {severity::warning, e.where,
             fmt::format("equivalent mutant '{}' is not a mutant of these workflows", e.mutant)});
      } else if (it->second->killed) {
        found.warnings.push_back(
            {severity::warning, e.where,
             fmt::format("mutant '{}' is declared equivalent, but case '{}' kills it: {}", e.mutant,
                         it->second->killed_by, it->second->subject.description)});
      }
    }
  }
  return found;
}

// --- JSON --------------------------------------------------------------------------------------

nlohmann::json case_json(const case_index& index, const case_result& c) {
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : c.failures) {
    const auto step = step_number(index, c, f);
    failures.push_back({{"step", step ? nlohmann::json(*step) : nlohmann::json(nullptr)},
                        {"file", f.where.file},
                        {"line", f.where.line},
                        {"column", f.where.column},
                        {"what", f.what},
                        {"expected", f.expected},
                        {"actual", f.actual},
                        {"message", f.message}});
  }
  return {{"file", c.file},
          {"name", c.name},
          {"workflow", c.workflow_id},
          {"workflow_version", c.workflow_version},
          {"passed", c.passed()},
          {"elapsed_ms", to_ms(c.elapsed)},
          {"failures", std::move(failures)}};
}

std::string kind_key(coverage_kind k) {
  std::string key(to_string(k));
  for (char& ch : key)
    if (ch == ' ') ch = '_';
  return key;
}

nlohmann::json coverage_json(const std::vector<workflow_coverage>& coverage,
                             const suite_result& suite, double minimum) {
  const auto run = workflows_run(suite);
  nlohmann::json workflows = nlohmann::json::array();
  nlohmann::json idle = nlohmann::json::array();
  for (const auto& w : coverage) {
    if (!has_cases(run, w)) {
      idle.push_back({{"workflow", w.workflow_id}, {"workflow_version", w.workflow_version}});
      continue;
    }
    nlohmann::json kinds = nlohmann::json::object();
    for (const coverage_kind k : all_kinds) {
      const std::size_t total = w.total(k), covered = w.covered(k);
      kinds[kind_key(k)] = {
          {"covered", covered},
          {"total", total},
          {"percent", total == 0 ? nlohmann::json(nullptr)
                                 : nlohmann::json(100.0 * static_cast<double>(covered) /
                                                  static_cast<double>(total))}};
    }
    nlohmann::json uncovered = nlohmann::json::array();
    for (const auto& item : w.items) {
      if (item.covered) continue;
      uncovered.push_back({{"kind", kind_key(item.kind)},
                           {"id", item.id},
                           {"file", item.where.file},
                           {"line", item.where.line},
                           {"column", item.where.column}});
    }
    workflows.push_back({{"workflow", w.workflow_id},
                         {"workflow_version", w.workflow_version},
                         {"percent", w.percent()},
                         {"kinds", std::move(kinds)},
                         {"uncovered", std::move(uncovered)}});
  }
  nlohmann::json doc = {{"workflows", std::move(workflows)}, {"not_run", std::move(idle)}};
  if (minimum >= 0) {
    doc["min_coverage"] = minimum;
    doc["below_minimum"] = below_minimum(coverage, suite, minimum);
  }
  return doc;
}

nlohmann::json diagnostic_json(const diagnostic& d) {
  return {{"file", d.where.file},
          {"line", d.where.line},
          {"column", d.where.column},
          {"message", d.message}};
}

// --- JUnit XML ---------------------------------------------------------------------------------

/// `text` made safe for XML 1.0 content or an attribute value: controls and
/// broken UTF-8 become visible escapes (XML cannot carry most controls at
/// all, not even as character references), then the markup characters are
/// escaped. U+FFFE and U+FFFF, valid UTF-8 but not XML characters, too.
std::string xml_escape(std::string_view text) {
  const std::string safe = detail::printable(text);
  std::string out;
  out.reserve(safe.size());
  for (std::size_t i = 0; i < safe.size(); ++i) {
    const char ch = safe[i];
    if (ch == '\xef' && i + 2 < safe.size() && safe[i + 1] == '\xbf' &&
        (safe[i + 2] == '\xbe' || safe[i + 2] == '\xbf')) {
      out += safe[i + 2] == '\xbe' ? "\\u{fffe}" : "\\u{ffff}";
      i += 2;
      continue;
    }
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string seconds(std::chrono::nanoseconds d) {
  return fmt::format("{:.6f}", static_cast<double>(d.count()) / 1e9);
}

std::string junit_xml(const suite_result& suite, const case_index& index,
                      std::chrono::nanoseconds elapsed) {
  // One <testsuite> per scenario file, in the order the cases ran.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const case_result*>> by_file;
  for (const auto& c : suite.cases) {
    if (by_file.find(c.file) == by_file.end()) order.push_back(c.file);
    by_file[c.file].push_back(&c);
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format(
      "<testsuites name=\"tierflow test\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
      "time=\"{}\">\n",
      suite.cases.size(), suite.failed(), seconds(elapsed));
  for (const auto& file : order) {
    const auto& cases = by_file[file];
    std::size_t failed = 0;
    std::chrono::nanoseconds time{0};
    for (const auto* c : cases) {
      failed += c->passed() ? 0 : 1;
      time += c->elapsed;
    }
    xml += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
        "skipped=\"0\" time=\"{}\">\n",
        xml_escape(file), cases.size(), failed, seconds(time));
    for (const auto* c : cases) {
      xml += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", xml_escape(file),
                         xml_escape(c->name), seconds(c->elapsed));
      if (c->passed()) {
        xml += "/>\n";
        continue;
      }
      std::string text;
      for (const auto& f : c->failures)
        for (const auto& line : failure_lines(index, *c, f)) text += xml_escape(line) + "\n";
      xml += fmt::format(">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n",
                         xml_escape(c->failures.front().message), text);
      xml += "    </testcase>\n";
    }
    xml += "  </testsuite>\n";
  }
  xml += "</testsuites>\n";
  return xml;
}

}  // namespace

const char* test_help() noexcept {
  return "Exit status:\n"
         "  0  every case passed (and, when asked, coverage and mutation passed too)\n"
         "  1  a case failed; or a workflow's coverage is below --min-coverage; or a mutant\n"
         "     survived --mutate; or --mutate was asked of a suite with failing cases\n"
         "  2  usage error: bad options, a path that cannot be read, definitions or scenario\n"
         "     files with errors (printed on stderr as file:line:col: error: ...), a --filter\n"
         "     that selects no case, or a --junit file that cannot be written\n"
         "\n"
         "Colour (green PASS, red FAIL) only on a terminal, when NO_COLOR is unset or empty\n"
         "and TERM is not 'dumb'; --color=always or --color=never decides outright.\n"
         "The scenario format: workflows/README.md.\n";
}

int run_test(const test_options& options, std::FILE* out, std::FILE* err) {
  using clock = std::chrono::steady_clock;
  const bool json = options.format == "json";
  const bool coverage_wanted = options.coverage || options.min_coverage >= 0;

  // A report path that can never take a report is refused before the run.
  if (!options.junit.empty()) {
    if (auto ok = detail::require_regular_or_absent(fs::path(options.junit)); !ok) {
      say(err, "{}: error: --junit '{}': {}", tool, options.junit, ok.error().message());
      return exit_usage;
    }
  }

  loaded everything = load_everything(options, err);
  if (everything.status != exit_ok) return everything.status;
  const catalog& cat = everything.cat;
  const std::vector<scenario_file>& files = everything.files;

  testing::run_options run;
  run.filter = options.filter;
  const auto started = clock::now();
  const suite_result suite = testing::run_scenarios(cat, files, run);
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - started);
  if (suite.cases.empty()) {
    if (options.filter.empty())
      say(err, "{}: error: the scenario files hold no case", tool);
    else
      say(err, "{}: error: no case matches --filter '{}'", tool, options.filter);
    return exit_usage;
  }

  const case_index index = index_cases(files);
  const palette colour = json ? palette{} : choose_palette(options.color, out);
  int status = suite.failed() == 0 ? exit_ok : exit_errors;
  nlohmann::json doc;
  if (json) {
    doc["cases"] = nlohmann::json::array();
    for (const auto& c : suite.cases) doc["cases"].push_back(case_json(index, c));
    doc["summary"] = {{"cases", suite.cases.size()},
                      {"passed", suite.passed()},
                      {"failed", suite.failed()},
                      {"elapsed_ms", to_ms(elapsed)}};
  } else {
    print_cases(suite, index, colour, out);
    print_summary(suite, elapsed, colour, out);
  }

  if (!options.junit.empty()) {
    if (const std::string failed =
            write_atomically(options.junit, junit_xml(suite, index, elapsed));
        !failed.empty()) {
      say(err, "{}: error: cannot write --junit '{}': {}", tool, options.junit, failed);
      return exit_usage;
    }
  }

  if (coverage_wanted) {
    const auto coverage = testing::measure_coverage(cat, suite);
    if (json)
      doc["coverage"] = coverage_json(coverage, suite, options.min_coverage);
    else
      print_coverage(coverage, suite, out);
    if (options.min_coverage >= 0) {
      const auto below = below_minimum(coverage, suite, options.min_coverage);
      if (!below.empty()) {
        say(err, "{}: coverage below --min-coverage {}%: {}", tool, options.min_coverage,
            detail::join(below, ", "));
        status = exit_errors;
      }
    }
  }

  if (options.mutate) {
    if (suite.failed() > 0) {
      say(err, "{}: not mutating: {} case{} failed; mutation testing needs a passing suite", tool,
          suite.failed(), suite.failed() == 1 ? "" : "s");
      status = exit_errors;
      if (json) doc["mutation"] = nullptr;
    } else {
      const auto mutation_started = clock::now();
      const testing::mutation_report report = testing::run_mutation(cat, files, run);
      const double secs = std::chrono::duration<double>(clock::now() - mutation_started).count();
      const mutation_findings findings = review_mutation(report, files);
      if (json) {
        nlohmann::json survivors = nlohmann::json::array();
        for (const auto& o : report.outcomes) {
          if (o.killed || o.equivalent) continue;
          survivors.push_back({{"id", o.subject.id},
                               {"kind", std::string(to_string(o.subject.kind))},
                               {"description", o.subject.description},
                               {"file", o.subject.where.file},
                               {"line", o.subject.where.line},
                               {"column", o.subject.where.column}});
        }
        nlohmann::json warnings = nlohmann::json::array();
        for (const auto& w : findings.warnings) warnings.push_back(diagnostic_json(w));
        doc["mutation"] = {{"mutants", report.outcomes.size()},
                           {"killed", report.killed()},
                           {"equivalent", report.equivalent()},
                           {"survived", report.survived()},
                           {"elapsed_s", secs},
                           {"survivors", std::move(survivors)},
                           {"warnings", std::move(warnings)}};
      } else {
        say(out, "{} mutant{}: {} killed, {} equivalent, {} survived ({:.1f} s)",
            report.outcomes.size(), report.outcomes.size() == 1 ? "" : "s", report.killed(),
            report.equivalent(), report.survived(), secs);
        for (const auto& w : findings.warnings) say_line(out, w.str());
      }
      if (report.survived() > 0) status = exit_errors;
    }
  }

  if (json) {
    // ASCII only: every non-ASCII character as \u escape, so that nothing
    // from a scenario file can act on a terminal; broken UTF-8 replaced.
    fmt::print(out, "{}\n", doc.dump(2, ' ', true, nlohmann::json::error_handler_t::replace));
  }
  return status;
}

}  // namespace tierflow::cli
