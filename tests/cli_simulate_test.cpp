// SPDX-License-Identifier: MIT
// `tierflow simulate` end to end (src/cli/simulate_command.cpp and its
// renderings), through the built tool on tests/data/sim_cli/small.yaml (three
// days of a small town on the shipped workflows): the table, CSV and JSON,
// the --out files, byte-identical reports for the same seed, replication
// 1's trail in a SQLite store that `tierflow audit verify` and `tierflow
// tickets` read (and `tierflow report` agrees with), a non-empty store
// refused, bad scenarios and definitions with file:line:col, unknown group
// keys, --compare's significance, a forecast from a live store that is left
// byte for byte as it was, the progress bar on a terminal only, and every
// exit status the help promises.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tierflow/time.hpp>

#include "support/cli_runner.hpp"
#include "support/scratch_db.hpp"

namespace fs = std::filesystem;
using tierflow_test::cli_result;
using tierflow_test::read_file;
using tierflow_test::run_cli;
using tierflow_test::run_program;
using tierflow_test::temp_dir;

namespace {

const std::string source_dir = TIERFLOW_SOURCE_DIR;
const std::string workflows = source_dir + "/workflows";
const std::string small = source_dir + "/tests/data/sim_cli/small.yaml";
const std::string short_staffed = source_dir + "/tests/data/sim_cli/short_staffed.yaml";
const std::string bad = source_dir + "/tests/data/sim_cli/bad.yaml";

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

/// Cells of one CSV line without quotes (the test's values hold none).
std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

/// `tierflow simulate SCENARIO --workflows workflows ARGS…`.
cli_result simulate(const temp_dir& dir, const std::string& scenario,
                    std::vector<std::string> args = {}) {
  std::vector<std::string> all{"simulate", scenario, "--workflows", workflows};
  all.insert(all.end(), args.begin(), args.end());
  return run_cli(dir, all);
}

/// The estimate `name` of the JSON document's total.
const nlohmann::json* total_estimate(const nlohmann::json& doc, std::string_view name) {
  for (const auto& e : doc.at("total"))
    if (e.at("name") == name) return &e;
  return nullptr;
}

/// The table line of `name` (the first one).
std::string line_of(const std::string& text, std::string_view name) {
  for (const auto& line : lines_of(text)) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (first == name) return line;
  }
  return {};
}

}  // namespace

TEST_CASE("cli.simulate.table_shows_total_groups_pools_and_run_counts") {
  temp_dir dir;
  const auto r = simulate(dir, small);
  INFO(r.err);
  REQUIRE(r.status == 0);
  // start 2026-03-02 + 1 warm-up day, 3 days reported, the organisation's
  // +08:00 (workflows/organisation.yaml); the scenario's 3 replications and
  // seed 7.
  CHECK(contains(r.out, "Simulation small_city: Three days of a small town"));
  CHECK(contains(r.out,
                 "Period 2026-03-03 00:00 to 2026-03-06 00:00 (+08:00), after 1 "
                 "warm-up day(s); 3 replication(s), seed 7"));
  const auto lines = lines_of(r.out);
  const auto at = [&](std::string_view heading) {
    return std::find(lines.begin(), lines.end(), heading) - lines.begin();
  };
  const auto end = static_cast<std::ptrdiff_t>(lines.size());
  // The total first, then the rows of the scenario's group key (tier), then
  // the pools, then the run counts.
  REQUIRE(at("All tickets") < end);
  const std::string_view by_tier = "By tier (mean ± 95%; every indicator: --format csv or json)";
  REQUIRE(at(by_tier) < end);
  REQUIRE(at("Staff pools (utilisation: busy ÷ on shift)") < end);
  REQUIRE(at("Run (stuck: tickets no staffed person may take)") < end);
  CHECK(at("All tickets") < at(by_tier));
  CHECK(at(by_tier) < at("Staff pools (utilisation: busy ÷ on shift)"));
  // One line per tier, its values with their intervals.
  const std::string first_line = line_of(r.out, "customer_service_center");
  CHECK(contains(first_line, " ± "));
  CHECK(at("Staff pools (utilisation: busy ÷ on shift)") <
        at("Run (stuck: tickets no staffed person may take)"));
  // A count with three values has a mean and a half-width: two numbers.
  const std::string opened = line_of(r.out, "opened");
  CHECK(contains(opened, " 3 "));
  const std::string csr = line_of(r.out, "csr");
  CHECK(contains(csr, "customer_service_center"));
  CHECK(contains(csr, "12"));  // the scenario's 12 representatives
  CHECK(contains(csr, "% ± "));
  for (const char* count : {"tickets_opened", "stuck", "open_at_end"})
    CHECK(!line_of(r.out, count).empty());
  // Not a terminal: no progress bar, nothing on stderr.
  CHECK(r.err.empty());
}

TEST_CASE("cli.simulate.csv_has_one_line_per_metric_and_group") {
  temp_dir dir;
  const auto r = simulate(dir, small, {"--format", "csv", "--by", "tier,region"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() > 10);
  CHECK(lines.front() == "tier,region,name,n,mean,half_width,ci_low,ci_high");
  CHECK(r.out.find("\r\n") != std::string::npos);  // RFC 4180 line ends
  std::set<std::string> names;
  std::size_t with_interval = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto cells = cells_of(lines[i]);
    INFO(lines[i]);
    REQUIRE(cells.size() == 8);
    const int n = std::stoi(cells[3]);
    CHECK(n >= 0);
    CHECK(n <= 3);
    if (cells[0] == "(total)") names.insert(cells[2]);
    // The interval is the mean ± the half-width, as printed.
    if (!cells[5].empty()) {
      ++with_interval;
      const double mean = std::stod(cells[4]), half = std::stod(cells[5]);
      CHECK(half >= 0);
      CHECK(std::stod(cells[6]) == doctest::Approx(mean - half));
      CHECK(std::stod(cells[7]) == doctest::Approx(mean + half));
    } else {
      CHECK(cells[6].empty());
    }
    // A value without data has neither mean nor interval.
    if (n == 0) CHECK(cells[4].empty());
  }
  CHECK(with_interval > 0);
  for (const char* name :
       {"opened", "on_time_rate", "pool.csr.utilisation", "pool.repair_crew_member.kunshan.served",
        "tickets_opened", "stuck", "open_at_end"})
    CHECK(names.count(name) == 1);
}

TEST_CASE("cli.simulate.json_is_one_document") {
  temp_dir dir;
  const auto r = simulate(dir, small, {"--format", "json", "--replications", "2"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("scenario").at("id") == "small_city");
  CHECK(doc.at("replications") == 2);
  CHECK(doc.at("seed") == 7);
  CHECK(doc.at("period").at("from") == "2026-03-03T00:00:00+08:00");
  CHECK(doc.at("period").at("to") == "2026-03-06T00:00:00+08:00");
  CHECK(doc.at("by") == nlohmann::json::array({"tier"}));
  const auto* opened = total_estimate(doc, "opened");
  REQUIRE(opened != nullptr);
  CHECK(opened->at("n") == 2);
  CHECK(opened->at("mean").get<double>() > 0);
  REQUIRE(!doc.at("rows").empty());
  CHECK(doc.at("rows")[0].at("group").contains("tier"));
  REQUIRE(!doc.at("pools").empty());
  bool csr = false;
  for (const auto& p : doc.at("pools")) {
    if (p.at("role") != "csr") continue;
    csr = true;
    CHECK(p.at("people") == 12);
    CHECK(p.at("unit") == "customer_service_center");
    CHECK(p.at("utilisation").at("n") == 2);
  }
  CHECK(csr);
  CHECK(doc.at("run").at("tickets_opened").at("n") == 2);
  // A queue never holds more tickets than the run opened (no live tickets
  // here): at each instant, in each replication, so in their mean too.
  const double opened_mean = doc.at("run").at("tickets_opened").at("mean").get<double>();
  std::size_t sampled = 0;
  for (const auto& p : doc.at("pools")) {
    if (p.at("queue").is_null()) continue;
    ++sampled;
    INFO(p.dump());
    CHECK(p.at("queue").at("samples").get<std::size_t>() > 0);
    CHECK(p.at("queue").at("mean").get<double>() >= 0);
    CHECK(p.at("queue").at("mean").get<double>() <= p.at("queue").at("peak").get<double>());
    CHECK(p.at("queue").at("peak").get<double>() <= opened_mean);
  }
  CHECK(sampled > 0);
  CHECK_FALSE(doc.contains("forecast"));
}

TEST_CASE("cli.simulate.out_writes_four_files_and_the_html_path_last") {
  temp_dir dir;
  const std::string out = dir.file("results");
  const auto r = simulate(dir, small, {"--out", out});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(!lines.empty());
  CHECK(lines.back() == (fs::path(out) / "report.html").string());
  // report.txt is the table printed above the path.
  const std::string table = r.out.substr(0, r.out.size() - lines.back().size() - 1);
  CHECK(read_file(fs::path(out) / "report.txt") == table);
  const auto csv = simulate(dir, small, {"--format", "csv"});
  CHECK(read_file(fs::path(out) / "report.csv") == csv.out);
  const auto doc = nlohmann::json::parse(read_file(fs::path(out) / "report.json"));
  CHECK(doc.at("scenario").at("id") == "small_city");
  const std::string html = read_file(fs::path(out) / "report.html");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  for (const char* part : {"Simulation: Three days of a small town", "Staff utilisation",
                           "Queue length over time", "Indicators over the replications",
                           "Replication 1 in detail", "On-time rate", "3 replication(s)"})
    CHECK(contains(html, part));
  // Self-contained: nothing that could fetch or run anything.
  for (const char* forbidden : {"<script", "src=", "url(", "http", "@import", "<link"})
    CHECK_FALSE(contains(html, forbidden));
  // --html alone writes the page and nothing else beside it.
  const fs::path alone = dir.path() / "alone";
  fs::create_directories(alone);
  const auto h = simulate(dir, small, {"--html", (alone / "page.html").string()});
  REQUIRE(h.status == 0);
  CHECK(read_file(alone / "page.html") == html);
  CHECK(std::distance(fs::directory_iterator(alone), fs::directory_iterator()) == 1);
}

TEST_CASE("cli.simulate.html_escapes_what_the_scenario_says") {
  temp_dir dir;
  // small.yaml with markup in its title, written beside nothing else.
  std::string text = read_file(small);
  const std::string title = "title: \"Three days of a small town\"";
  const auto at = text.find(title);
  REQUIRE(at != std::string::npos);
  text.replace(at, title.size(), "title: \"<b onclick='x'>A & B</b>\"");
  const std::string scenario = dir.file("markup.yaml");
  { std::ofstream(scenario) << text; }
  const auto r = simulate(dir, scenario, {"--replications", "1", "--html", dir.file("p.html")});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const std::string html = read_file(dir.file("p.html"));
  CHECK(contains(html, "&lt;b onclick=&#39;x&#39;&gt;A &amp; B&lt;/b&gt;"));
  CHECK_FALSE(contains(html, "<b onclick"));
}

TEST_CASE("cli.simulate.same_seed_same_bytes") {
  temp_dir dir;
  const auto first = simulate(dir, small, {"--out", dir.file("one")});
  const auto second = simulate(dir, small, {"--out", dir.file("two")});
  REQUIRE(first.status == 0);
  REQUIRE(second.status == 0);
  for (const char* name : {"report.txt", "report.csv", "report.json", "report.html"}) {
    INFO(name);
    const std::string a = read_file(fs::path(dir.file("one")) / name);
    CHECK(!a.empty());
    CHECK(a == read_file(fs::path(dir.file("two")) / name));
  }
  // Another seed is another run.
  const auto other = simulate(dir, small, {"--seed", "8", "--format", "csv"});
  REQUIRE(other.status == 0);
  CHECK(other.out != read_file(fs::path(dir.file("one")) / "report.csv"));
}

TEST_CASE("cli.simulate.db_keeps_replication_one_for_audit_tickets_and_report") {
  temp_dir dir;
  const std::string url = "sqlite:" + dir.file("sim.db");
  const auto r = simulate(dir, small, {"--db", url, "--replications", "1", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.at("store") == url);

  const auto verify = run_cli(dir, {"audit", "verify", "--db", url});
  INFO(verify.out);
  CHECK(verify.status == 0);
  CHECK(contains(verify.out, "OK"));

  const auto tickets = run_cli(
      dir, {"tickets", "--db", url, "--workflows", workflows, "--format", "csv", "--sort", "id"});
  CHECK(tickets.status == 0);
  CHECK(contains(tickets.out, "T00000001"));

  // `tierflow report` reads the same trail over the same period: with one
  // replication, the simulation's means are that report's values.
  const auto report = run_cli(dir, {"report", "--db", url, "--workflows", workflows, "--from",
                                    "2026-03-03", "--to", "2026-03-06", "--format", "json"});
  INFO(report.err);
  REQUIRE(report.status == 0);
  const auto kpis = nlohmann::json::parse(report.out);
  for (const char* name : {"opened", "closed", "on_time_rate"}) {
    INFO(name);
    const auto* e = total_estimate(doc, name);
    REQUIRE(e != nullptr);
    const auto& value = kpis.at("total").at("metrics").at(name).at("value");
    REQUIRE(!value.is_null());
    REQUIRE(!e->at("mean").is_null());
    CHECK(e->at("mean").get<double>() == doctest::Approx(value.get<double>()));
    CHECK(e->at("half_width").is_null());  // one replication: no interval
  }

  // The store is not empty now: refused, one line, nothing run.
  const std::string before = read_file(dir.file("sim.db"));
  const auto again = simulate(dir, small, {"--db", url});
  CHECK(again.status == 1);
  CHECK(lines_of(again.err).size() == 1);
  CHECK(contains(again.err, "is not empty"));
  CHECK(again.out.empty());
  CHECK(read_file(dir.file("sim.db")) == before);
}

TEST_CASE("cli.simulate.bad_scenario_is_reported_at_its_position") {
  temp_dir dir;
  const auto r = simulate(dir, bad);
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  // tests/data/sim_cli/bad.yaml line 13: `  meter_reading: …`, column 3.
  CHECK(contains(r.err, bad + ":13:3: error:"));
  CHECK(contains(r.err, "meter_reading"));
  const auto missing = simulate(dir, dir.file("absent.yaml"));
  CHECK(missing.status == 1);
  CHECK(contains(missing.err, "absent.yaml"));
}

TEST_CASE("cli.simulate.bad_definitions_are_reported_and_nothing_runs") {
  temp_dir dir;
  const fs::path defs = dir.path() / "defs";
  fs::create_directories(defs);
  fs::copy_file(fs::path(workflows) / "organisation.yaml", defs / "organisation.yaml");
  {
    std::ofstream broken(defs / "broken.yaml");
    broken << "workflow: broken\nversion: 1\nstates: [\n";
  }
  const auto r = run_cli(dir, {"simulate", small, "--workflows", defs.string()});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(contains(r.err, (defs / "broken.yaml").string() + ":"));
  CHECK(contains(r.err, ": error: "));
}

TEST_CASE("cli.simulate.unknown_group_key_is_one_usage_line") {
  temp_dir dir;
  const auto r = simulate(dir, small, {"--by", "tier,colour"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(lines_of(r.err).size() == 1);
  CHECK(contains(r.err, "colour"));
}

TEST_CASE("cli.simulate.compare_marks_significant_differences") {
  temp_dir dir;
  // 12 representatives against 2: the two representatives are far busier.
  const auto r = simulate(dir, small, {"--compare", short_staffed, "--replications", "4"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "A: small_city"));
  CHECK(contains(r.out, "B: small_city_short_staffed"));
  const std::string csr = line_of(r.out, "pool.csr.utilisation");
  INFO(csr);
  CHECK(contains(csr, "significant"));
  CHECK(contains(csr, "+"));  // B − A is positive
  // The CSV says the same.
  const auto csv =
      simulate(dir, small, {"--compare", short_staffed, "--replications", "4", "--format", "csv"});
  REQUIRE(csv.status == 0);
  const auto lines = lines_of(csv.out);
  CHECK(lines.front() == "name,a,b,delta,half_width,significant");
  bool found = false;
  for (const auto& line : lines) {
    const auto cells = cells_of(line);
    if (cells.empty() || cells[0] != "pool.csr.utilisation") continue;
    found = true;
    REQUIRE(cells.size() == 6);
    CHECK(std::stod(cells[3]) == doctest::Approx(std::stod(cells[2]) - std::stod(cells[1])));
    CHECK(std::fabs(std::stod(cells[3])) > std::stod(cells[4]));
    CHECK(cells[5] == "true");
    // Two people for the whole desk work flat out, overtime included, yet
    // never more than all their time at work.
    CHECK(std::stod(cells[2]) > 0.9);
    CHECK(std::stod(cells[2]) <= 1.0);
  }
  CHECK(found);
}

TEST_CASE("cli.simulate.compare_workflows_with_the_same_rules_finds_nothing") {
  temp_dir dir;
  // The same scenario on the same definitions with the same seeds: every
  // replication is the same on both sides, every difference exactly 0.
  const auto r = simulate(
      dir, small, {"--compare-workflows", workflows, "--replications", "3", "--format", "csv"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() > 10);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto cells = cells_of(lines[i]);
    INFO(lines[i]);
    REQUIRE(cells.size() == 6);
    CHECK(cells[5] == "false");
    if (!cells[3].empty()) CHECK(std::stod(cells[3]) == 0.0);
  }
  const auto table =
      simulate(dir, small, {"--compare-workflows", workflows, "--replications", "3"});
  REQUIRE(table.status == 0);
  CHECK(contains(table.out, "\n0 of " + std::to_string(lines.size() - 1) +
                                " indicators differ significantly.\n"));
  // Both at once is a usage error.
  const auto both =
      simulate(dir, small, {"--compare", short_staffed, "--compare-workflows", workflows});
  CHECK(both.status == 2);
}

TEST_CASE("cli.simulate.compare_workflows_shows_what_a_rule_change_does") {
  temp_dir dir;
  // The proposed rules: the shipped ones with the urban arrival limit of a
  // fault repair at 8 h instead of 45 min (workflows/fault_repair.yaml).
  const fs::path proposed = dir.path() / "proposed";
  fs::create_directories(proposed);
  for (const auto& entry : fs::directory_iterator(workflows))
    if (entry.path().extension() == ".yaml")
      fs::copy_file(entry.path(), proposed / entry.path().filename());
  std::string repair = read_file(proposed / "fault_repair.yaml");
  const std::string urban = "      - within: 45m";
  const auto at = repair.find(urban);
  REQUIRE(at != std::string::npos);
  repair.replace(at, urban.size(), "      - within: 8h");
  { std::ofstream(proposed / "fault_repair.yaml", std::ios::trunc) << repair; }

  const auto r = simulate(
      dir, small,
      {"--compare-workflows", proposed.string(), "--replications", "4", "--format", "csv"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  bool arrival = false, opened = false;
  for (const auto& line : lines_of(r.out)) {
    const auto cells = cells_of(line);
    if (cells.size() != 6) continue;
    if (cells[0] == "deadline.arrival.on_time_rate") {
      arrival = true;
      INFO(line);
      // Eight hours to arrive is met far more often: up, significantly.
      CHECK(std::stod(cells[3]) > 0);
      CHECK(cells[5] == "true");
    }
    if (cells[0] == "opened") {
      opened = true;
      INFO(line);
      // The same seeds draw the same arrivals: demand does not change.
      CHECK(std::stod(cells[3]) == 0.0);
      CHECK(cells[5] == "false");
    }
  }
  CHECK(arrival);
  CHECK(opened);
}

TEST_CASE("cli.simulate.forecast_lists_live_breaches_and_leaves_the_live_store_alone") {
  temp_dir dir;
  // The live store: three simulated days, which leave tickets open.
  const std::string live = dir.file("live.db");
  const auto made = simulate(dir, small, {"--db", "sqlite:" + live, "--replications", "1"});
  INFO(made.err);
  REQUIRE(made.status == 0);
  const auto open = run_cli(dir, {"tickets", "--db", "sqlite:" + live, "--workflows", workflows,
                                  "--open", "--format", "csv"});
  REQUIRE(open.status == 0);
  const std::string before = read_file(live);
  REQUIRE(!before.empty());
  const auto files_before =
      std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator());

  // The forecast starts at the live store's newest event rounded up to the
  // minute: that instant, found here from the store's export.
  const auto exported = run_cli(dir, {"audit", "export", "--db", "sqlite:" + live});
  REQUIRE(exported.status == 0);
  tierflow::timestamp newest{};
  for (const auto& line : lines_of(exported.out)) {
    const auto when =
        tierflow::parse_iso8601(nlohmann::json::parse(line).at("time").get<std::string>());
    REQUIRE(when);
    newest = std::max(newest, *when);
  }
  const auto start = std::chrono::ceil<std::chrono::minutes>(newest);
  const auto plus8 = std::chrono::minutes{8 * 60};  // workflows/organisation.yaml's zone

  // No --warm-up: a forecast reports from its start (small.yaml's warm-up
  // day is for runs that start empty).
  const auto json =
      simulate(dir, small, {"--from", "sqlite:" + live, "--days", "2", "--format", "json"});
  INFO(json.err);
  REQUIRE(json.status == 0);
  const auto doc = nlohmann::json::parse(json.out);
  CHECK(doc.at("forecast").at("start") == tierflow::format_iso8601(start, plus8));
  CHECK(doc.at("period").at("from") == tierflow::format_iso8601(start, plus8));
  CHECK(doc.at("forecast").at("live_store") == "sqlite:" + live);
  CHECK(!doc.at("forecast").at("breaches").empty());

  const auto r =
      simulate(dir, small, {"--from", "sqlite:" + live, "--days", "2", "--warm-up", "0"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "Forecast from the open tickets of sqlite:" + live));
  const auto lines = lines_of(r.out);
  const auto heading = std::find(lines.begin(), lines.end(),
                                 "Open tickets that will breach (earliest instant over the "
                                 "replications)");
  REQUIRE(heading != lines.end());
  REQUIRE(heading + 2 < lines.end());  // a header and at least one ticket
  for (auto it = heading + 2; it != lines.end(); ++it) {
    std::istringstream words(*it);
    std::string ticket;
    words >> ticket;
    INFO(*it);
    // Each is a ticket open in the live store, not a simulated one.
    CHECK(ticket.rfind("T", 0) == 0);
    CHECK(contains(open.out, ticket + ","));
  }
  // Only read: the same bytes, and no journal or new file left beside it.
  CHECK(read_file(live) == before);
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) ==
        files_before);

  // An explicit --start with an offset (after the newest event); and
  // --start without --from is a usage error.
  const auto at =
      simulate(dir, small,
               {"--from", "sqlite:" + live, "--start", "2026-03-06T09:00:00+08:00", "--days", "1",
                "--warm-up", "0", "--format", "json", "--replications", "2"});
  INFO(at.err);
  REQUIRE(at.status == 0);
  const auto later = nlohmann::json::parse(at.out);
  CHECK(later.at("forecast").at("start") == "2026-03-06T09:00:00+08:00");
  CHECK(later.at("forecast").at("breaches").is_array());
  CHECK(simulate(dir, small, {"--start", "2026-03-06T09:00:00+08:00"}).status == 2);
  CHECK(read_file(live) == before);
}

TEST_CASE("cli.simulate.progress_bar_on_a_terminal_only") {
  temp_dir dir;
  // script(1) gives the tool a terminal; without one (every other case
  // here) stderr stays empty.
  if (!fs::exists("/usr/bin/script")) {
    FAIL("script(1) is missing: install bsdutils (util-linux)");
  }
  const std::string command = std::string(TIERFLOW_CLI) + " simulate '" + small +
                              "' --workflows '" + workflows + "' --format csv >/dev/null";
  const auto r = run_program(dir, {"/usr/bin/script", "-qec", command, "/dev/null"});
  CHECK(r.status == 0);
  CHECK(contains(r.out, "replication 1/3"));
  CHECK(contains(r.out, "replication 3/3"));
  CHECK(contains(r.out, "%"));
}

TEST_CASE("cli.simulate.help_documents_every_exit_status_and_each_holds") {
  temp_dir dir;
  const auto help = run_cli(dir, {"simulate", "--help"});
  REQUIRE(help.status == 0);
  CHECK(contains(help.out, "Exit status:"));
  CHECK(contains(help.out, "  0  the simulation ran"));
  CHECK(contains(help.out, "  1  definitions or a scenario with errors"));
  CHECK(contains(help.out, "  2  usage error"));
  // 0: a run; 1: a scenario with errors, a store that is not empty (above);
  // 2: an unknown option, malformed days, a missing scenario argument.
  CHECK(simulate(dir, small, {"--replications", "1"}).status == 0);
  CHECK(simulate(dir, bad).status == 1);
  CHECK(simulate(dir, small, {"--frobnicate"}).status == 2);
  CHECK(simulate(dir, small, {"--days", "0"}).status == 2);
  CHECK(simulate(dir, small, {"--warm-up", "a week"}).status == 2);
  CHECK(simulate(dir, small, {"--replications", "0"}).status == 2);
  CHECK(simulate(dir, small, {"--format", "xml"}).status == 2);
  CHECK(run_cli(dir, {"simulate"}).status == 2);
  CHECK(simulate(dir, small, {"--html", dir.path().string()}).status == 2);  // a directory
  CHECK(simulate(dir, small, {"--from", "memory:"}).status == 2);
  // 1: report files that cannot be written (--out names a regular file).
  const std::string file = dir.file("a_file");
  { std::ofstream(file) << "x"; }
  const auto blocked = simulate(dir, small, {"--out", file, "--replications", "1"});
  CHECK(blocked.status == 1);
  CHECK(contains(blocked.err, "--out"));
  CHECK(read_file(file) == "x");
}
