// SPDX-License-Identifier: MIT
// `tierflow report` (src/cli/report_command.cpp, report_text.cpp,
// report_html.cpp): the renderings of hand-built kpi::report values — the
// table's formats and alignment, CSV and JSON parsed back, the HTML page
// escaped and self-contained — and the tool end to end on a SQLite store
// the engine wrote (tests/browser/report_store.hpp): exit statuses 0, 1 and
// 2, unknown group keys, empty and reversed periods, a period without
// events, --tz and offsets, an --html file written whole or not at all.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tierflow/kpi.hpp>
#include <tierflow/time.hpp>

#include "browser/report_store.hpp"
#include "cli/report_render.hpp"
#include "support/cli_runner.hpp"
#include "support/scratch_db.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace kpi = tierflow::kpi;
namespace cli = tierflow::cli;
using tierflow_test::cli_result;
using tierflow_test::local;
using tierflow_test::read_file;
using tierflow_test::run_cli;
using tierflow_test::run_cli_bounded;
using tierflow_test::temp_dir;

namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// Columns a line takes on a terminal (code points; the test data are not wide).
std::size_t columns(std::string_view line) {
  return static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// --- a report built by hand ---------------------------------------------------------

constexpr std::string_view formula_region = "=SUM(A1)";
constexpr std::string_view markup_unit = "<b>&\"x\"</b>";

kpi::indicators busy_row() {
  kpi::indicators v;
  v.opened = 13;
  v.closed = 12;
  v.deadlines["contact"] = {{12, 13}, {1, 13}};
  v.on_time = {12, 13};
  v.contact_calendar = {13, 600.0, 300, 1200, 1800, 1800};
  v.contact_business = {13, 600.0, 300, 1200, 1800, 1800};
  v.resolve_calendar = {12, 9000.0, 7200, 12000, 20000, 20000};
  v.resolve_business = {12, 27000.0, 27000, 30000, 36000, 36000};
  v.first_contact_resolution = {9, 12};
  v.escalation = {1, 13};
  v.levels_reached = {{0, 12}, {1, 1}};
  v.handoffs = 4;
  v.returns = 2;
  v.bounce = {0, 13};
  v.repeat = {1, 13};
  v.reopen = {0, 12};
  v.callback = {10, 12};
  v.satisfaction = {9, 10};
  return v;
}

/// Two groups (one busy, one with nothing to count) and everything else a
/// report holds; the second group's values and the people come from a
/// hostile store (a spreadsheet formula, markup).
kpi::report sample_report() {
  kpi::report r;
  r.from = local(2026, 11, 1, 0, 0);
  r.to = local(2026, 12, 1, 0, 0);
  r.by = {{kpi::group_kind::tier, ""}, {kpi::group_kind::region, ""}};
  r.tickets_read = 20;
  r.tickets_in_period = 14;
  r.rows.push_back({{"regional_account_manager", "wuzhong"}, busy_row()});
  kpi::indicators quiet;
  quiet.opened = 1;
  r.rows.push_back({{std::string(markup_unit), std::string(formula_region)}, quiet});
  r.total = busy_row();
  r.total.opened = 14;
  r.total.escalation = {1, 14};
  r.backlog = {{local(2026, 11, 15, 0, 0), {"regional_account_manager", "wuzhong"}, 5, 1, 8, 3},
               {local(2026, 11, 15, 0, 0), {std::string(markup_unit), std::string(formula_region)}, 1, 0, 1, 0},
               {local(2026, 12, 1, 0, 0), {"regional_account_manager", "wuzhong"}, 2, 1, 5, 8}};
  r.units = {{"regional_account_manager", false, 13, 117000, 90000},
             {std::string(markup_unit), true, 2, 3600, 1800}};
  r.people = {{"rm_zhang", 30, 10, 12, 9}};
  kpi::manager_points zhang;
  zhang.person = "rm_zhang";
  zhang.scores = {{"on_time_rate", 12.0 / 13.0}};
  zhang.points = 92.3;
  zhang.rank = 1;
  kpi::manager_points nobody;
  nobody.person = std::string(markup_unit);
  r.managers = {zhang, nobody};
  r.worst_overdue = {{"T00000007", "fault_repair", "arrival", local(2026, 11, 30, 20, 40), 12000,
                      "repair_crew", "wuzhong", "rm_zhang", ""}};
  return r;
}

const cli::report_source suzhou_source{"sqlite:/data/tickets.db", std::chrono::hours{8}};

// --- CSV, parsed back ---------------------------------------------------------------

/// RFC 4180 records (CRLF or LF line ends, quoted cells with doubled quotes).
std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, in_cell = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
      in_cell = true;
    } else if (c == ',') {
      row.push_back(cell);
      cell.clear();
    } else if (c == '\r') {
    } else if (c == '\n') {
      row.push_back(cell);
      rows.push_back(row);
      row.clear();
      cell.clear();
      in_cell = false;
    } else {
      cell += c;
      in_cell = true;
    }
  }
  if (in_cell || !row.empty()) {
    row.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

// --- the tool on an engine-built store ----------------------------------------------------

struct written_store {
  std::string url;
  fs::path file;
  tierflow_test::report_store_facts facts;
};

written_store write_store(const temp_dir& dir) {
  written_store w;
  w.file = dir.path() / "report.db";
  w.url = "sqlite:" + w.file.string();
  const std::string failed = tierflow_test::write_report_store(
      w.url, TIERFLOW_SOURCE_DIR "/workflows", w.facts);
  REQUIRE_MESSAGE(failed.empty(), failed);
  return w;
}

const std::string workflows = TIERFLOW_SOURCE_DIR "/workflows";

cli_result report(const temp_dir& dir, const written_store& w, std::vector<std::string> args) {
  std::vector<std::string> all = {"report", "--db", w.url, "--workflows", workflows};
  all.insert(all.end(), args.begin(), args.end());
  return run_cli(dir, all);
}

/// The one line on stderr of a failed run.
void check_one_error_line(const cli_result& r) {
  const auto lines = lines_of(r.err);
  REQUIRE_MESSAGE(lines.size() == 1, r.err);
  CHECK_MESSAGE(lines[0].rfind("tierflow report: error: ", 0) == 0, r.err);
}

void exec(const fs::path& file, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  const std::string why = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, why);
}

}  // namespace

// --- renderings ---------------------------------------------------------------------

TEST_CASE("cli.report.render.rates_durations_and_working_hours") {
  CHECK(cli::show_rate({12, 13}) == "92.3% (12/13)");
  CHECK(cli::show_rate({0, 4}) == "0.0% (0/4)");
  CHECK(cli::show_rate({0, 0}) == "—");
  CHECK(cli::show_calendar(45.0) == "45s");
  CHECK(cli::show_calendar(20 * 60.0) == "20m");
  CHECK(cli::show_calendar(3 * 3600.0 + 20 * 60.0) == "3h 20m");
  CHECK(cli::show_calendar(5 * 3600.0) == "5h");
  CHECK(cli::show_calendar(2 * 86400.0 + 4 * 3600.0) == "2d 4h");
  CHECK(cli::show_calendar(std::nullopt) == "—");
  CHECK(cli::show_working(27000.0) == "7.5 wh");
  CHECK(cli::show_working(std::nullopt) == "—");
  CHECK(cli::show_group_value("") == "(none)");
}

TEST_CASE("cli.report.render.table_is_aligned_in_100_columns_and_says_what_units_mean") {
  const std::string text = cli::render_table(sample_report(), suzhou_source);
  const auto lines = lines_of(text);
  REQUIRE(lines.size() > 10);
  CHECK(lines[0] == "Service indicators 2026-11-01 00:00 to 2026-12-01 00:00 (+08:00), by tier, region");
  CHECK(contains(text, "store sqlite:/data/tickets.db: 20 ticket(s) read, 14 with events"));
  for (const auto& line : lines) CHECK_MESSAGE(columns(line) <= 100, line);

  // The main table: header, two groups, the total; numbers flush right.
  const auto header = std::find_if(lines.begin(), lines.end(),
                                   [](const std::string& l) { return l.rfind("tier", 0) == 0; });
  REQUIRE(header != lines.end());
  const std::string& busy = *(header + 1);
  const std::string& quiet = *(header + 2);
  const std::string& total = *(header + 3);
  CHECK(busy.rfind("regional_account_manager  wuzhong", 0) == 0);
  CHECK(contains(busy, "92.3% (12/13)"));
  CHECK(contains(busy, "75.0% (9/12)"));
  CHECK(total.rfind("(total)", 0) == 0);
  // Then the times per group.
  const auto times = std::find_if(header + 1, lines.end(),
                                  [](const std::string& l) { return l.rfind("tier", 0) == 0; });
  REQUIRE(times != lines.end());
  CHECK(contains(*times, "resolve p90"));
  CHECK(contains(*(times + 1), "3h 20m"));  // resolve p90: 12000 s
  CHECK(contains(*(times + 1), "8.3 wh"));  // resolve p90, working: 30000 s
  const auto end_of = [](const std::string& line, std::string_view word) {
    return line.find(word) + word.size();
  };
  CHECK(end_of(*header, "opened") == end_of(busy, "  13") );
  CHECK(end_of(*header, "closed") == end_of(busy, "  12"));
  // A row with nothing to count shows "—", never 0 %.
  CHECK(contains(quiet, "—"));
  CHECK_FALSE(contains(quiet, "0.0%"));

  CHECK(contains(text, "Deadlines, all tickets"));
  CHECK(contains(text, "contact"));
  CHECK(contains(text, "7.5 wh"));  // resolve p50, working
  CHECK(contains(text, "Manager points"));
  CHECK(contains(text, "T00000007"));
  CHECK(contains(text, "2026-11-30 20:40"));  // breached, at +08:00
  CHECK(contains(text, "\"wh\" = working hours"));
}

TEST_CASE("cli.report.render.note_for_trails_without_outcome_records") {
  auto r = sample_report();
  CHECK_FALSE(contains(cli::render_table(r, suzhou_source), "note:"));
  r.tickets_without_outcomes = 3;
  CHECK(contains(cli::render_table(r, suzhou_source),
                 "note: 3 ticket(s) have trails older than the outcome records"));
  CHECK(contains(cli::render_html(r, r, r, suzhou_source), "note: 3 ticket(s)"));
}

TEST_CASE("cli.report.render.csv_parses_back_one_row_per_group_and_metric") {
  const auto r = sample_report();
  const auto rows = parse_csv(cli::render_csv(r));
  // A row's metrics: its deadlines and levels reached are among them.
  const auto total = kpi::metrics(r.total);
  REQUIRE_FALSE(total.empty());
  REQUIRE(rows.size() == 1 + kpi::metrics(r.rows[0].values).size() +
                             kpi::metrics(r.rows[1].values).size() + total.size());
  CHECK(rows[0] == std::vector<std::string>{"tier", "region", "metric", "value", "numerator",
                                            "denominator"});
  for (const auto& row : rows) REQUIRE(row.size() == 6);

  const auto busy = kpi::metrics(r.rows[0].values);
  for (std::size_t i = 0; i < busy.size(); ++i) {
    const auto& row = rows[1 + i];
    CAPTURE(busy[i].name);
    CHECK(row[0] == "regional_account_manager");
    CHECK(row[1] == "wuzhong");
    CHECK(row[2] == busy[i].name);
    if (busy[i].value)
      CHECK(std::stod(row[3]) == doctest::Approx(*busy[i].value));
    else
      CHECK(row[3].empty());
    CHECK(row[4] == (busy[i].numerator ? std::to_string(*busy[i].numerator) : ""));
    CHECK(row[5] == (busy[i].denominator ? std::to_string(*busy[i].denominator) : ""));
  }
  // The hostile group: the formula neutralised, the markup kept as text.
  const auto& hostile = rows[1 + busy.size()];
  CHECK(hostile[0] == markup_unit);
  CHECK(hostile[1] == "'" + std::string(formula_region));
  // A metric with no data is an empty cell, not 0.
  const auto quiet = kpi::metrics(r.rows[1].values);
  for (std::size_t i = 0; i < quiet.size(); ++i)
    if (!quiet[i].value) CHECK(rows[1 + busy.size() + i][3].empty());
  CHECK(rows.back()[0] == "(total)");
}

TEST_CASE("cli.report.render.json_parses_back_with_every_part_of_the_report") {
  const auto r = sample_report();
  const auto doc = nlohmann::json::parse(cli::render_json(r, suzhou_source));
  CHECK(doc["period"]["from"] == "2026-11-01T00:00:00+08:00");
  CHECK(doc["period"]["to"] == "2026-12-01T00:00:00+08:00");
  CHECK(doc["period"]["zone"] == "+08:00");
  CHECK(doc["by"] == nlohmann::json::array({"tier", "region"}));
  REQUIRE(doc["rows"].size() == 2);
  CHECK(doc["rows"][0]["group"]["tier"] == "regional_account_manager");
  CHECK(doc["rows"][1]["group"]["region"] == formula_region);  // JSON keeps values as they are
  for (const auto& m : kpi::metrics(r.total)) {
    CAPTURE(m.name);
    const auto& j = doc["total"]["metrics"][m.name];
    if (m.value)
      CHECK(j["value"].get<double>() == doctest::Approx(*m.value));
    else
      CHECK(j["value"].is_null());
    if (m.denominator) CHECK(j["denominator"] == *m.denominator);
  }
  CHECK(doc["total"]["levels_reached"]["1"] == 1);
  CHECK(doc["backlog"].size() == 3);
  CHECK(doc["backlog"][0]["at"] == "2026-11-15T00:00:00+08:00");
  CHECK(doc["units"][1]["kind"] == "team");
  CHECK(doc["people"][0]["closed"] == 9);
  CHECK(doc["managers"][0]["rank"] == 1);
  CHECK(doc["managers"][1]["points"].is_null());
  CHECK(doc["worst_overdue"][0]["ticket"] == "T00000007");
  CHECK(doc["worst_overdue"][0]["overdue_s"] == 12000);
  CHECK(doc["tickets_in_period"] == 14);
}

TEST_CASE("cli.report.render.html_escapes_every_value_from_the_store") {
  const auto r = sample_report();
  const std::string page = cli::render_html(r, r, r, suzhou_source);
  CHECK(cli::html_escape("<a href='x'>&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
  CHECK_FALSE(contains(page, markup_unit));
  CHECK(contains(page, "&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"));
  CHECK(contains(page, "T00000007"));
  CHECK(contains(page, "92.3% (12/13)"));
}

TEST_CASE("cli.report.render.html_is_self_contained_and_its_charts_accessible") {
  const auto r = sample_report();
  const std::string page = cli::render_html(r, r, r, suzhou_source);
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  for (const std::string_view forbidden : {"<script", "http", "src=", "url(", "@import", "<link"})
    CHECK_MESSAGE(!contains(page, forbidden), forbidden);
  for (const std::string_view section :
       {"id=\"headline\"", "id=\"on-time\"", "id=\"escalations\"", "id=\"volume\"",
        "id=\"resolve\"", "id=\"overdue\"", "id=\"managers\"", "id=\"units\"", "id=\"groups\""})
    CHECK_MESSAGE(contains(page, section), section);
  std::size_t charts = 0;
  for (auto at = page.find("<svg"); at != std::string::npos; at = page.find("<svg", at + 1)) {
    ++charts;
    const auto end = page.find('>', at);
    CHECK(page.compare(end + 1, 7, "<title ") == 0);
    CHECK(page.find("<desc", at) < page.find("</svg>", at));
  }
  CHECK(charts >= 7);  // tier, region, deadline, levels, volume, backlog, resolve
  CHECK(contains(page, "Generated by tierflow"));
}

TEST_CASE("cli.report.render.an_empty_report_says_so_instead_of_zeros") {
  auto r = sample_report();
  r.tickets_in_period = 0;
  CHECK(cli::no_events_line(r, suzhou_source).rfind(
            "no events between 2026-11-01 00:00 and 2026-12-01 00:00 (+08:00) in "
            "sqlite:/data/tickets.db",
            0) == 0);
  const std::string page = cli::render_html(r, r, r, suzhou_source);
  CHECK(contains(page, "No events"));
  CHECK_FALSE(contains(page, "<svg"));
}

// --- the tool, end to end -------------------------------------------------------------------

TEST_CASE("cli.report.cli.table_of_a_period") {
  const temp_dir dir("tierflow_report");
  const auto w = write_store(dir);
  const auto r = report(dir, w, {"--from", "2026-11-24", "--to", "2026-11-27"});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.err.empty());
  const auto lines = lines_of(r.out);
  REQUIRE_FALSE(lines.empty());
  CHECK(lines[0] == "Service indicators 2026-11-24 00:00 to 2026-11-27 00:00 (+08:00)");
  const auto total = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.rfind("all tickets", 0) == 0;
  });
  REQUIRE(total != lines.end());
  std::istringstream cells(total->substr(std::string_view("all tickets").size()));
  int opened = -1, closed = -1;
  cells >> opened >> closed;
  CHECK(opened == w.facts.opened);
  CHECK(closed == w.facts.closed);
  CHECK(contains(r.out, "Backlog, all tickets"));
  CHECK(contains(r.out, "2026-11-25 00:00"));  // --every 1d from --from
}

TEST_CASE("cli.report.cli.csv_and_json_parse_back") {
  const temp_dir dir("tierflow_report");
  const auto w = write_store(dir);
  const auto csv = report(dir, w, {"--from", "2026-11-24", "--to", "2026-11-27", "--by", "region",
                                   "--format", "csv"});
  REQUIRE_MESSAGE(csv.status == 0, csv.err);
  const auto rows = parse_csv(csv.out);
  REQUIRE(rows.size() > 1);
  CHECK(rows[0] == std::vector<std::string>{"region", "metric", "value", "numerator", "denominator"});
  std::vector<std::string> regions;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == 5);
    if (std::find(regions.begin(), regions.end(), rows[i][0]) == regions.end())
      regions.push_back(rows[i][0]);
  }
  CHECK(regions == std::vector<std::string>{"kunshan", "wuzhong", "(total)"});

  const auto json = report(dir, w, {"--from", "2026-11-24", "--to", "2026-11-27", "--by",
                                    "tier,region", "--format", "json"});
  REQUIRE_MESSAGE(json.status == 0, json.err);
  const auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["by"] == nlohmann::json::array({"tier", "region"}));
  CHECK(doc["period"]["zone"] == "+08:00");
  CHECK(doc["tickets_in_period"] == w.facts.opened);
  CHECK_FALSE(doc["rows"].empty());
  CHECK(doc["backlog"].size() >= 3);
}

TEST_CASE("cli.report.cli.an_unknown_group_key_is_a_usage_error") {
  const temp_dir dir("tierflow_report");
  const auto w = write_store(dir);
  const auto r = report(dir, w, {"--from", "2026-11-24", "--to", "2026-11-27", "--by", "tier,regoin"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  check_one_error_line(r);
  CHECK(contains(r.err, "regoin"));
  CHECK(contains(r.err, "'region'"));  // the did-you-mean
}

TEST_CASE("cli.report.cli.an_empty_reversed_or_malformed_period_is_a_usage_error") {
  const temp_dir dir("tierflow_report");
  const auto w = write_store(dir);
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  const bad cases[] = {
      {{"--from", "2026-11-24", "--to", "2026-11-24"}, "empty period"},
      {{"--from", "2026-11-27", "--to", "2026-11-24"}, "empty period"},
      {{"--from", "2026-02-30", "--to", "2026-11-24"}, "--from"},
      {{"--from", "2026-11-24", "--to", "next week"}, "--to"},
      {{"--from", "2026-11-24", "--to", "2026-11-27", "--every", "0m"}, "--every"},
      {{"--from", "2026-11-24", "--to", "2026-11-27", "--every", "2bd"}, "--every"},
      {{"--from", "2026-01-01", "--to", "2026-11-27", "--every", "1m"}, "--every"},
      {{"--from", "2026-11-24", "--to", "2026-11-27", "--tz", "Mars"}, "--tz"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.says);
    const auto r = report(dir, w, c.args);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    check_one_error_line(r);
    CHECK_MESSAGE(contains(r.err, c.says), r.err);
  }
}

TEST_CASE("cli.report.cli.a_period_without_events_says_so_and_succeeds") {
  const temp_dir dir("tierflow_report");
  const auto w = write_store(dir);
  const std::string says = "no events between 2026-10-01 00:00 and 2026-11-01 00:00 (+08:00) in sqlite:";
  for (const char* format : {"table", "csv"}) {
    CAPTURE(format);
    const auto r = report(dir, w, {"--from", "2026-10-01", "--to", "2026-11-01", "--format", format});
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK_MESSAGE(r.out.rfind(says, 0) == 0, r.out);
    CHECK(lines_of(r.out).size() == 1);  // never a table of zeros
  }
  const auto json = report(dir, w, {"--from", "2026-10-01", "--to", "2026-11-01", "--format", "json"});
  CHECK(json.status == 0);
  const auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["no_events"].get<std::string>().rfind(says, 0) == 0);
  CHECK(doc["tickets_in_period"] == 0);
  CHECK_FALSE(doc.contains("total"));
}

TEST_CASE("cli.report.cli.tz_and_offsets") {
  const temp_dir dir("tierflow_report");
  const auto w = write_store(dir);
  // An offset in the argument is taken as written; --tz only changes how
  // times are shown.
  const auto utc = report(dir, w, {"--from", "2026-11-24T00:00+08:00", "--to",
                                   "2026-11-27T00:00+08:00", "--tz", "Z", "--format", "json"});
  REQUIRE_MESSAGE(utc.status == 0, utc.err);
  const auto doc = nlohmann::json::parse(utc.out);
  CHECK(doc["period"]["from"] == "2026-11-23T16:00:00+00:00");
  CHECK(doc["period"]["to"] == "2026-11-26T16:00:00+00:00");
  CHECK(doc["period"]["zone"] == "+00:00");
  // A bare date is midnight at --tz: the same instants as above.
  const auto table = report(dir, w, {"--from", "2026-11-23T16:00", "--to", "2026-11-26T16:00",
                                     "--tz", "+00:00"});
  REQUIRE_MESSAGE(table.status == 0, table.err);
  CHECK(lines_of(table.out)[0] == "Service indicators 2026-11-23 16:00 to 2026-11-26 16:00 (+00:00)");
  const auto local_json = report(dir, w, {"--from", "2026-11-24", "--to", "2026-11-27", "--format",
                                          "json"});
  REQUIRE(local_json.status == 0);
  const auto local_doc = nlohmann::json::parse(local_json.out);
  CHECK(local_doc["tickets_in_period"] == doc["tickets_in_period"]);
  CHECK(local_doc["total"] == doc["total"]);
  // Without definitions, --tz gives the zone; without either, a usage error.
  const auto bare = run_cli(dir, {"report", "--db", w.url, "--workflows",
                                  (dir.path() / "none").string(), "--from", "2026-11-24",
                                  "--to", "2026-11-27", "--tz", "+08:00"});
  CHECK_MESSAGE(bare.status == 0, bare.err);
  const auto no_zone = run_cli(dir, {"report", "--db", w.url, "--workflows",
                                     (dir.path() / "none").string(), "--from", "2026-11-24",
                                     "--to", "2026-11-27"});
  CHECK(no_zone.status == 2);
  check_one_error_line(no_zone);
}

TEST_CASE("cli.report.cli.store_problems_exit_1") {
  const temp_dir dir("tierflow_report");
  SUBCASE("a missing file") {
    const auto r = run_cli(dir, {"report", "--db", "sqlite:" + (dir.path() / "absent.db").string(),
                                 "--workflows", workflows, "--from", "2026-11-24", "--to", "2026-11-27"});
    CHECK(r.status == 1);
    check_one_error_line(r);
    CHECK_FALSE(fs::exists(dir.path() / "absent.db"));
  }
  SUBCASE("a store from a newer tierflow") {
    const fs::path file = dir.path() / "newer.db";
    exec(file, "CREATE TABLE tierflow_events (x); PRAGMA user_version = 99");
    const auto r = run_cli(dir, {"report", "--db", "sqlite:" + file.string(), "--workflows",
                                 workflows, "--from", "2026-11-24", "--to", "2026-11-27"});
    CHECK(r.status == 1);
    check_one_error_line(r);
    CHECK(contains(r.err, "newer tierflow"));
  }
  SUBCASE("a broken hash chain") {
    const auto w = write_store(dir);
    exec(w.file,
         "DROP TRIGGER tierflow_events_no_update; UPDATE tierflow_events SET actor_id = 'mallory' "
         "WHERE sequence = 2 AND stream_id = 'T00000001'");
    const auto r = report(dir, w, {"--from", "2026-11-24", "--to", "2026-11-27"});
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    check_one_error_line(r);
    CHECK(contains(r.err, "T00000001"));
  }
  SUBCASE("an unknown store URL is the command line's") {
    const auto r = run_cli(dir, {"report", "--db", "mysql://x", "--workflows", workflows, "--from",
                                 "2026-11-24", "--to", "2026-11-27"});
    CHECK(r.status == 2);
    check_one_error_line(r);
  }
}

TEST_CASE("cli.report.cli.html_is_written_whole_or_refused") {
  const temp_dir dir("tierflow_report");
  const auto w = write_store(dir);
  const fs::path out_dir = dir.path() / "out";
  fs::create_directory(out_dir);
  const fs::path page = out_dir / "report.html";
  const auto r = report(dir, w, {"--from", "2026-11-24", "--to", "2026-11-27", "--html",
                                 page.string()});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const std::string html = read_file(page);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(contains(html, "</html>"));
  for (const std::string_view forbidden : {"<script", "http", "src=", "url("})
    CHECK_MESSAGE(!contains(html, forbidden), forbidden);
  // Nothing but the report in its directory: the temporary file was renamed.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(out_dir)) names.push_back(entry.path().filename());
  CHECK(names == std::vector<std::string>{"report.html"});

  const fs::path fifo = dir.path() / "pipe.html";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto refused = run_cli_bounded(dir, {"report", "--db", w.url, "--workflows", workflows,
                                             "--from", "2026-11-24", "--to", "2026-11-27",
                                             "--html", fifo.string()});
  CHECK(refused.status == 2);
  check_one_error_line(refused);
  CHECK(contains(refused.err, "--html"));

  const auto nowhere = report(dir, w, {"--from", "2026-11-24", "--to", "2026-11-27", "--html",
                                       (dir.path() / "no" / "such" / "dir.html").string()});
  CHECK(nowhere.status == 2);
  check_one_error_line(nowhere);
  CHECK(contains(nowhere.err, "cannot write --html"));
}

TEST_CASE("cli.report.cli.help_names_the_keys_and_exit_statuses") {
  const temp_dir dir("tierflow_report");
  const auto r = run_cli(dir, {"report", "--help"});
  CHECK(r.status == 0);
  CHECK(contains(r.out, "class.NAME"));
  CHECK(contains(r.out, "Exit status:"));
  CHECK(contains(r.out, "2  usage error"));
}
