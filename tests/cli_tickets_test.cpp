// SPDX-License-Identifier: MIT
// `tierflow tickets` (src/cli/tickets_command.cpp), run as a separate process
// (TIERFLOW_CLI) on a SQLite store the real engine wrote under a manual
// clock: five hand-chosen tickets on the shipped workflows whose rows (state,
// queue, owner, due, overdue deadlines) are worked out below, then every
// filter, sort key, format, zone and exit status of the command.
//
// The store (local times, +08:00):
//
//   C  info_change  C3003  Fri 11-20 10:00  identity verified 10:05; its 1bd
//      `change` deadline falls due Mon 11-23 10:00 and breaks: overdue
//   A  complaint    C1001  Tue 11-24 09:00  level-1 customer: enterprise
//      account manager; classified by csr_li (owner), acknowledged by em_sun;
//      nobody contacts the complainant: `contact` (24h) breaks Wed 11-25
//      09:00, the ticket is escalated to the HQ key-account desk: overdue
//   B  fault_repair C2002  Tue 11-24 09:05  repaired and archived 11:00: closed
//   D  business_exp C2002  Tue 11-24 09:05  accepted by rm_zhang; supply plan
//      due in 10 business days (12-08 09:05)
//   E  fault_repair C5005  Wed 11-25 09:20  a crew acknowledged; arrival due
//      45 min after opening, 10:05: at risk within 1h at 09:30
//
// and the clock stops at Wed 11-25 09:30, when every case judges "now".
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/time.hpp>

#include "support/cli_runner.hpp"
#include "support/engine_fixture.hpp"
#include "support/scratch_db.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace tf = tierflow;
using namespace std::string_literals;
using tierflow_test::cli_result;
using tierflow_test::local;
using tierflow_test::run_cli;
using tierflow_test::shipped;
using tierflow_test::temp_dir;

namespace {

constexpr std::string_view tamper_note = "first call logged at the counter";
const std::string workflows = TIERFLOW_SOURCE_DIR "/workflows";

// Every engine call fails the test when it fails.
using rig = tierflow_test::engine_fixture;

void act(rig& fx, tf::timestamp at, const std::string& id, const std::string& action,
         const tf::actor& who, const std::string& note = {}) {
  fx.act_at(at, id, action, who, note);
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// One ticket as the test expects the tool to list it.
struct row {
  std::string id, type, state, unit, region, owner, assignee, customer;
  tf::timestamp opened{};
  std::optional<tf::timestamp> due;  ///< none for a closed ticket
  std::vector<std::string> overdue;
  std::optional<tf::timestamp> closed;
};

struct store_file {
  fs::path file;
  std::string url;
  row a, b, c, d, e;
  tf::timestamp now{};
};

/// The store of the header comment. The rows are written out by hand; the
/// engine's own view of each ticket is checked against them first, so a
/// changed workflow fails here with the field named, not in a CLI case.
store_file write_store(const temp_dir& dir) {
  store_file s;
  s.file = dir.path() / "tickets.db";
  s.url = "sqlite:" + s.file.string();
  auto opened = tf::open_store(s.url);
  REQUIRE_MESSAGE(opened.has_value(), (opened ? std::string() : opened.error().message()));
  std::unique_ptr<tf::store> db = std::move(*opened);
  {
    rig fx(local(2026, 11, 20, 10, 0), shipped(), db.get());
    const tf::actor csr{"csr_li", {"csr"}, ""};
    const tf::actor sun{"em_sun", {"enterprise_manager"}, ""};
    const tf::actor zhang{"rm_zhang", {"regional_manager"}, "wuzhong"};
    const tf::actor chen{"disp_chen", {"dispatcher"}, ""};
    const tf::actor zhou{"crew_zhou", {"repair_crew_member"}, "wuzhong"};
    const tf::actor xu{"crew_xu", {"repair_crew_member"}, "xiangcheng"};
    const tf::actor wu{"cb_wu", {"callback_agent"}, ""};
    const auto open = [&](const char* type, const char* customer_id,
                          const tf::attribute_values& customer, const tf::attribute_values& fields) {
      tf::open_request req;
      req.type = type;
      req.channel = "hotline_95598";
      req.customer_id = customer_id;
      req.customer = customer;
      req.fields = fields;
      req.opened_by = "crm";
      return fx.open(req).ticket.id;
    };
    const tf::attribute_values factory{{"region", "wuzhong"s},
                                       {"voltage_kv", 10.0},
                                       {"capacity_kva", 1250.0},
                                       {"area_type", "urban"s}};

    s.c.id = open("info_change", "C3003", {{"region", "gusu"s}}, {{"change_kind", "contact_phone"s}});
    act(fx, local(2026, 11, 20, 10, 5), s.c.id, "verify_identity", csr);

    fx.at(local(2026, 11, 24, 9, 0));
    s.a.id = open("complaint", "C1001", {{"importance_class", "level1"s}, {"region", "kunshan"s}},
                  {{"complaint_class", "service"s}});
    act(fx, fx.clock.now(), s.a.id, "classify", csr);
    act(fx, fx.clock.now(), s.a.id, "dispatch", csr);

    fx.at(local(2026, 11, 24, 9, 5));
    s.b.id = open("fault_repair", "C2002", factory, {});
    s.d.id = open("business_expansion", "C2002", factory,
                  {{"application_kind", "capacity_increase"s},
                   {"voltage_path", "hv"s},
                   {"requested_capacity_kva", 2000.0}});
    act(fx, fx.clock.now(), s.b.id, "triage", zhang);
    act(fx, fx.clock.now(), s.d.id, "accept", zhang, std::string(tamper_note));
    act(fx, local(2026, 11, 24, 9, 6), s.b.id, "dispatch", chen);
    act(fx, fx.clock.now(), s.b.id, "crew_acknowledge", zhou);
    act(fx, fx.clock.now(), s.b.id, "depart", zhou);
    act(fx, local(2026, 11, 24, 9, 30), s.a.id, "acknowledge", sun);
    act(fx, local(2026, 11, 24, 9, 40), s.b.id, "arrive", zhou);
    act(fx, fx.clock.now(), s.b.id, "start_repair", zhou);
    act(fx, local(2026, 11, 24, 10, 40), s.b.id, "restore", zhou);
    act(fx, fx.clock.now(), s.b.id, "report_restored", zhou, "cable joint replaced");
    act(fx, local(2026, 11, 24, 11, 0), s.b.id, "callback_satisfied", wu);
    act(fx, fx.clock.now(), s.b.id, "archive", wu);

    fx.advance(local(2026, 11, 25, 9, 20));  // A's contact and C's change deadlines break
    s.e.id = open("fault_repair", "C5005",
                  {{"region", "xiangcheng"s}, {"voltage_kv", 0.4}, {"capacity_kva", 50.0},
                   {"area_type", "urban"s}},
                  {});
    act(fx, fx.clock.now(), s.e.id, "triage", csr);
    act(fx, fx.clock.now(), s.e.id, "dispatch", chen);
    act(fx, fx.clock.now(), s.e.id, "crew_acknowledge", xu);
    s.now = local(2026, 11, 25, 9, 30);
    fx.advance(s.now);

    // What each row must say, worked out from the workflows by hand.
    s.c = {s.c.id, "info_change", "identity_verified", "enterprise_account_manager", "", "csr_li", "",
           "C3003", local(2026, 11, 20, 10, 0), local(2026, 11, 23, 10, 0), {"change"}, {}};
    s.a = {s.a.id, "complaint", "acknowledged", "hq_key_account_desk", "", "csr_li", "", "C1001",
           local(2026, 11, 24, 9, 0), local(2026, 11, 25, 9, 0), {"contact"}, {}};
    s.b = {s.b.id, "fault_repair", "archived", "regional_account_manager", "wuzhong", "rm_zhang",
           "rm_zhang", "C2002",
           local(2026, 11, 24, 9, 5), {}, {}, local(2026, 11, 24, 11, 0)};
    s.d = {s.d.id, "business_expansion", "site_survey", "regional_account_manager", "wuzhong",
           "rm_zhang", "rm_zhang", "C2002", local(2026, 11, 24, 9, 5), local(2026, 12, 8, 9, 5),
           {}, {}};
    s.e = {s.e.id, "fault_repair", "crew_acknowledged", "repair_crew", "xiangcheng", "csr_li",
           "crew_xu", "C5005", local(2026, 11, 25, 9, 20), local(2026, 11, 25, 10, 5), {}, {}};
    for (const row* r : {&s.a, &s.b, &s.c, &s.d, &s.e}) {
      auto summary = db->summary(r->id);
      REQUIRE(summary.has_value());
      INFO("ticket ", r->id, " (", r->type, ")");
      CHECK(summary->state == r->state);
      CHECK(summary->unit == r->unit);
      CHECK(summary->region == r->region);
      CHECK(summary->owner == r->owner);
      CHECK(summary->assignee == r->assignee);
      CHECK(summary->opened_at == r->opened);
      CHECK(summary->closed == r->closed.has_value());
      CHECK(summary->closed_at == r->closed);
      if (!summary->closed) CHECK(summary->nearest_due == r->due);
    }
  }
  db.reset();  // the tool reads a file nobody holds open
  return s;
}

/// `tierflow tickets --db URL --workflows DIR ARGS…`.
cli_result tickets(const temp_dir& dir, const store_file& s, std::vector<std::string> args) {
  args.insert(args.begin(), {"tickets", "--db", s.url, "--workflows", workflows});
  return run_cli(dir, args);
}

/// The ids of a table's rows (the first column after the header).
std::vector<std::string> table_ids(const std::string& out) {
  std::vector<std::string> ids;
  const auto lines = lines_of(out);
  for (std::size_t i = 1; i < lines.size(); ++i) ids.push_back(lines[i].substr(0, lines[i].find(' ')));
  return ids;
}

/// The ids listed with `args` (as a table), the exit status checked 0.
std::vector<std::string> ids(const temp_dir& dir, const store_file& s,
                             const std::vector<std::string>& args) {
  const auto r = tickets(dir, s, args);
  INFO("stderr: ", r.err);
  CHECK(r.status == 0);
  if (r.out == "no tickets match\n") return {};
  return table_ids(r.out);
}

/// A CSV document (RFC 4180: quoted fields, doubled quotes, CRLF) as rows.
std::vector<std::vector<std::string>> parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      fields.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(fields));
      fields.clear();
      ++i;
    } else {
      field += c;
    }
  }
  REQUIRE_FALSE(quoted);
  REQUIRE(field.empty());
  return rows;
}

std::string show(tf::timestamp t, std::chrono::minutes offset = std::chrono::hours{8}) {
  return tf::format_local(t, offset, "%F %H:%M");
}

}  // namespace

TEST_CASE("cli.tickets.table_lists_every_ticket_nearest_due_first_in_the_organisations_zone") {
  const temp_dir dir("tierflow_cli_tickets");
  const store_file s = write_store(dir);
  // No --workflows: the default, ./workflows (the tests run in the source tree).
  const auto r = run_cli(dir, {"tickets", "--db", s.url, "--now", "2026-11-25T09:30"});
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 6);
  // The header names every column, aligned with the rows below it.
  CHECK(lines[0].rfind("id ", 0) == 0);
  const std::vector<std::string> headers{"id",       "type",     "state",  "unit",
                                         "region",   "owner",    "assignee", "customer",
                                         "opened",   "due",      "overdue",  "closed"};
  std::size_t at = 0;
  for (const auto& h : headers) {
    const auto found = lines[0].find(h, at);
    REQUIRE(found != std::string::npos);
    at = found + h.size();
  }
  // Nearest due first; the closed ticket (no running deadline) last.
  CHECK(table_ids(r.out) == std::vector<std::string>{s.c.id, s.a.id, s.e.id, s.d.id, s.b.id});
  // Each row, its runs of blanks collapsed: times in the organisation's
  // zone (+08:00), an absent value "-".
  const auto collapsed = [](const std::string& line) {
    std::string out;
    for (const char c : line)
      if (c != ' ' || (!out.empty() && out.back() != ' ')) out += c;
    return out;
  };
  const auto expected = [](const row& x) {
    const auto cell = [](const std::string& v) { return v.empty() ? "-"s : v; };
    const auto when = [](std::optional<tf::timestamp> t) { return t ? show(*t) : "-"s; };
    std::string overdue;
    for (const auto& d : x.overdue) overdue += (overdue.empty() ? "" : " ") + d;
    return x.id + " " + x.type + " " + x.state + " " + x.unit + " " + cell(x.region) + " " +
           cell(x.owner) + " " + cell(x.assignee) + " " + x.customer + " " + show(x.opened) + " " +
           when(x.due) + " " + cell(overdue) + " " + when(x.closed);
  };
  const std::vector<const row*> order{&s.c, &s.a, &s.e, &s.d, &s.b};
  for (std::size_t i = 0; i < order.size(); ++i) CHECK(collapsed(lines[i + 1]) == expected(*order[i]));
  CHECK(collapsed(lines[1]) ==
        s.c.id + " info_change identity_verified enterprise_account_manager - csr_li - C3003 2026-11-20 "
                 "10:00 2026-11-23 10:00 change -");
  // Columns are aligned: every row's `due` starts under the header's.
  const auto due_column = lines[0].find(" due ") + 1;
  CHECK(lines[1].substr(due_column, 16) == "2026-11-23 10:00");
  CHECK(lines[5].substr(due_column, 2) == "- ");
}

TEST_CASE("cli.tickets.summary_filters_and_across_or_within") {
  const temp_dir dir("tierflow_cli_tickets");
  const store_file s = write_store(dir);
  using v = std::vector<std::string>;
  CHECK(ids(dir, s, {"--type", "fault_repair"}) == v{s.e.id, s.b.id});
  CHECK(ids(dir, s, {"--type", "fault_repair", "--type", "complaint"}) == v{s.a.id, s.e.id, s.b.id});
  CHECK(ids(dir, s, {"--state", "site_survey", "--state", "identity_verified"}) == v{s.c.id, s.d.id});
  CHECK(ids(dir, s, {"--unit", "repair_crew"}) == v{s.e.id});
  CHECK(ids(dir, s, {"--unit", "regional_account_manager", "--region", "wuzhong"}) == v{s.d.id, s.b.id});
  CHECK(ids(dir, s, {"--unit", "regional_account_manager", "--region", "gusu"}).empty());
  CHECK(ids(dir, s, {"--region", "wuzhong", "--region", "xiangcheng"}) == v{s.e.id, s.d.id, s.b.id});
  CHECK(ids(dir, s, {"--owner", "rm_zhang"}) == v{s.d.id, s.b.id});
  CHECK(ids(dir, s, {"--owner", "rm_zhang", "--open"}) == v{s.d.id});
  CHECK(ids(dir, s, {"--assignee", "crew_xu"}) == v{s.e.id});
  CHECK(ids(dir, s, {"--customer", "C2002"}) == v{s.d.id, s.b.id});
  CHECK(ids(dir, s, {"--customer", "C2002", "--type", "complaint"}).empty());
  CHECK(ids(dir, s, {"--open"}) == v{s.c.id, s.a.id, s.e.id, s.d.id});
  CHECK(ids(dir, s, {"--closed"}) == v{s.b.id});
  // Opened in [since, until): local dates, the organisation's midnight.
  CHECK(ids(dir, s, {"--since", "2026-11-24", "--until", "2026-11-25"}) == v{s.a.id, s.d.id, s.b.id});
  CHECK(ids(dir, s, {"--since", "2026-11-24T09:05"}) == v{s.e.id, s.d.id, s.b.id});
  CHECK(ids(dir, s, {"--until", "2026-11-24T09:05"}) == v{s.c.id, s.a.id});
  // Closed in [closed-since, closed-until): B closed at 11:00.
  CHECK(ids(dir, s, {"--closed-since", "2026-11-24T11:00"}) == v{s.b.id});
  CHECK(ids(dir, s, {"--closed-since", "2026-11-24T11:01"}).empty());
  CHECK(ids(dir, s, {"--closed-until", "2026-11-24T11:00"}).empty());
  CHECK(ids(dir, s, {"--closed-until", "2026-11-24T11:00:01"}) == v{s.b.id});
}

TEST_CASE("cli.tickets.trail_filters_flag_escalation_overdue_and_at_risk_as_of_now") {
  const temp_dir dir("tierflow_cli_tickets");
  const store_file s = write_store(dir);
  using v = std::vector<std::string>;
  const std::string now = "2026-11-25T09:30";
  // Overdue: a breach whose deadline has not stopped. A's contact broke at
  // 11-25 09:00 and C's change at 11-23 10:00; B's deadlines all stopped
  // in time, and E's arrival is not yet due.
  CHECK(ids(dir, s, {"--overdue", "--now", now}) == v{s.c.id, s.a.id});
  CHECK(ids(dir, s, {"--overdue", "--region", "gusu", "--now", now}).empty());  // C's queue has none
  // As of the day before, only C's breach had happened.
  CHECK(ids(dir, s, {"--overdue", "--now", "2026-11-24T12:00"}) == v{s.c.id});
  // Before anything broke, nothing was overdue.
  CHECK(ids(dir, s, {"--overdue", "--now", "2026-11-21"}).empty());
  // At risk: open, not overdue, nearest deadline within D of now.
  CHECK(ids(dir, s, {"--at-risk", "1h", "--now", now}) == v{s.e.id});
  CHECK(ids(dir, s, {"--at-risk", "30m", "--now", now}).empty());  // E is due 10:05
  CHECK(ids(dir, s, {"--at-risk", "14d", "--now", now}) == v{s.e.id, s.d.id});
  CHECK(ids(dir, s, {"--at-risk", "14d", "--now", now, "--desc"}) == v{s.d.id, s.e.id});
  // Escalated to a tier: A went to the HQ desk when its contact broke.
  CHECK(ids(dir, s, {"--escalated-to", "hq_key_account_desk"}) == v{s.a.id});
  CHECK(ids(dir, s, {"--escalated-to", "regional_account_manager"}) == v{s.c.id});
  // Flags (all of those given): A is flagged overdue (the breach) and
  // urged (the 90 % warning); C's workflow flags nothing.
  CHECK(ids(dir, s, {"--flag", "overdue"}) == v{s.c.id, s.a.id});
  CHECK(ids(dir, s, {"--flag", "overdue", "--escalated-to", "hq_key_account_desk"}) == v{s.a.id});
  CHECK(ids(dir, s, {"--flag", "overdue", "--flag", "no_such_flag"}).empty());
  CHECK(ids(dir, s, {"--flag", "overdue", "--closed"}).empty());
}

TEST_CASE("cli.tickets.sort_keys_descending_and_limit") {
  const temp_dir dir("tierflow_cli_tickets");
  const store_file s = write_store(dir);
  using v = std::vector<std::string>;
  // The ids are T00000001 … in the order the tickets were opened: C A B D E.
  CHECK(ids(dir, s, {"--sort", "id"}) == v{s.c.id, s.a.id, s.b.id, s.d.id, s.e.id});
  CHECK(ids(dir, s, {"--sort", "id", "--desc"}) == v{s.e.id, s.d.id, s.b.id, s.a.id, s.c.id});
  CHECK(ids(dir, s, {"--sort", "opened"}) == v{s.c.id, s.a.id, s.b.id, s.d.id, s.e.id});
  CHECK(ids(dir, s, {"--sort", "opened", "--desc"}) == v{s.e.id, s.b.id, s.d.id, s.a.id, s.c.id});
  CHECK(ids(dir, s, {"--sort", "due", "--desc"}) == v{s.d.id, s.e.id, s.a.id, s.c.id, s.b.id});
  CHECK(ids(dir, s, {"--sort", "closed"}) == v{s.b.id, s.c.id, s.a.id, s.d.id, s.e.id});
  CHECK(ids(dir, s, {"--sort", "region"}) == v{s.c.id, s.a.id, s.b.id, s.d.id, s.e.id});
  CHECK(ids(dir, s, {"--sort", "unit"}) == v{s.c.id, s.a.id, s.b.id, s.d.id, s.e.id});
  CHECK(ids(dir, s, {"--sort", "owner"}) == v{s.c.id, s.a.id, s.e.id, s.b.id, s.d.id});
  CHECK(ids(dir, s, {"--sort", "state"}) == v{s.a.id, s.b.id, s.e.id, s.c.id, s.d.id});
  CHECK(ids(dir, s, {"--limit", "2"}) == v{s.c.id, s.a.id});
  CHECK(ids(dir, s, {"--sort", "id", "--desc", "--limit", "1"}) == v{s.e.id});
  CHECK(ids(dir, s, {"--limit", "0"}).size() == 5);  // 0: no limit
}

TEST_CASE("cli.tickets.csv_and_jsonl_read_back_with_tz") {
  const temp_dir dir("tierflow_cli_tickets");
  const store_file s = write_store(dir);
  const std::vector<const row*> order{&s.c, &s.a, &s.e, &s.d, &s.b};

  SUBCASE("csv, at the organisation's offset") {
    const auto r = tickets(dir, s, {"--format", "csv", "--now", "2026-11-25T09:30"});
    REQUIRE(r.status == 0);
    const auto rows = parse_csv(r.out);
    REQUIRE(rows.size() == 6);
    CHECK(rows[0] == std::vector<std::string>{"id", "type", "state", "unit", "region", "owner",
                                              "assignee", "customer", "opened", "due", "overdue",
                                              "closed"});
    for (std::size_t i = 0; i < order.size(); ++i) {
      const row& x = *order[i];
      INFO(x.id);
      const auto t = [](std::optional<tf::timestamp> at) {
        return at ? tf::format_iso8601(*at, std::chrono::hours{8}) : std::string();
      };
      std::string overdue;
      for (const auto& d : x.overdue) overdue += (overdue.empty() ? "" : " ") + d;
      CHECK(rows[i + 1] == std::vector<std::string>{x.id, x.type, x.state, x.unit, x.region,
                                                    x.owner, x.assignee, x.customer, t(x.opened),
                                                    t(x.due), overdue, t(x.closed)});
    }
    CHECK(rows[1][8] == "2026-11-20T10:00:00+08:00");
  }
  SUBCASE("jsonl, at --tz -05:00") {
    const auto r =
        tickets(dir, s, {"--format", "jsonl", "--tz", "-05:00", "--now", "2026-11-24T20:30"});
    REQUIRE(r.status == 0);
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 5);
    for (std::size_t i = 0; i < order.size(); ++i) {
      const row& x = *order[i];
      INFO(lines[i]);
      const auto j = nlohmann::json::parse(lines[i]);
      const auto t = [](std::optional<tf::timestamp> at) {
        return at ? nlohmann::json(tf::format_iso8601(*at, -std::chrono::hours{5}))
                  : nlohmann::json(nullptr);
      };
      const auto text = [](const std::string& v) {
        return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
      };
      CHECK(j.at("id") == x.id);
      CHECK(j.at("type") == x.type);
      CHECK(j.at("state") == x.state);
      CHECK(j.at("unit") == x.unit);
      CHECK(j.at("region") == text(x.region));
      CHECK(j.at("owner") == text(x.owner));
      CHECK(j.at("assignee") == text(x.assignee));
      CHECK(j.at("customer") == x.customer);
      CHECK(j.at("opened") == t(x.opened));
      CHECK(j.at("due") == t(x.due));
      CHECK(j.at("closed") == t(x.closed));
      CHECK(j.at("overdue") == nlohmann::json(x.overdue));
    }
    CHECK(nlohmann::json::parse(lines[0]).at("opened") == "2026-11-19T21:00:00-05:00");
  }
}

TEST_CASE("cli.tickets.times_read_at_tz_or_as_written_with_an_offset") {
  const temp_dir dir("tierflow_cli_tickets");
  const store_file s = write_store(dir);
  using v = std::vector<std::string>;
  // A opened 11-24 09:00 +08:00 = 01:00Z; B and D five minutes later.
  CHECK(ids(dir, s, {"--since", "2026-11-24T01:00Z", "--until", "2026-11-24T01:05Z"}) == v{s.a.id});
  CHECK(ids(dir, s, {"--since", "2026-11-24T09:00+08:00", "--until", "2026-11-24T09:05:00+08:00"}) ==
        v{s.a.id});
  // Without an offset, at --tz: 01:00 at UTC is A's opening.
  CHECK(ids(dir, s, {"--tz", "Z", "--since", "2026-11-24T01:00", "--until", "2026-11-24T01:01"}) ==
        v{s.a.id});
  // A date at --tz is that zone's midnight: 11-24 00:00 at -05:00 is 13:00
  // at +08:00, after A, B and D opened.
  CHECK(ids(dir, s, {"--tz", "-05:00", "--since", "2026-11-24"}) == v{s.e.id});
  // --tz also changes how times are shown.
  const auto r = tickets(dir, s, {"--tz", "+00:00", "--sort", "id", "--limit", "1"});
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "2026-11-20 02:00"));  // C opened 10:00 at +08:00
  // --now at an offset: E's arrival is due 10:05 +08:00 = 02:05Z.
  CHECK(ids(dir, s, {"--at-risk", "10m", "--now", "2026-11-25T01:56Z"}) == v{s.e.id});
  CHECK(ids(dir, s, {"--at-risk", "10m", "--now", "2026-11-25T01:54Z"}).empty());
}

TEST_CASE("cli.tickets.no_tickets_match_is_said_in_a_table_and_empty_otherwise") {
  const temp_dir dir("tierflow_cli_tickets");
  const store_file s = write_store(dir);
  const auto table = tickets(dir, s, {"--region", "taicang"});
  CHECK(table.status == 0);
  CHECK(table.out == "no tickets match\n");
  const auto csv = tickets(dir, s, {"--region", "taicang", "--format", "csv"});
  CHECK(csv.status == 0);
  CHECK(parse_csv(csv.out).size() == 1);  // the header alone
  const auto jsonl = tickets(dir, s, {"--region", "taicang", "--format", "jsonl"});
  CHECK(jsonl.status == 0);
  CHECK(jsonl.out.empty());
}

TEST_CASE("cli.tickets.usage_errors_exit_2_with_one_line_naming_the_option") {
  const temp_dir dir("tierflow_cli_tickets");
  const store_file s = write_store(dir);
  const auto usage = [&](std::vector<std::string> args, std::string_view says) {
    const auto r = tickets(dir, s, std::move(args));
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, says));
    CHECK(lines_of(r.err).size() <= 2);
  };
  usage({"--sort", "priority"}, "--sort 'priority'");
  usage({"--format", "xml"}, "--format");
  usage({"--since", "2026-02-30"}, "--since: invalid ISO 8601 instant '2026-02-30': day 30");
  usage({"--until", "yesterday"}, "--until: ");
  usage({"--closed-since", "2026-11-24 09:00"}, "--closed-since: ");
  usage({"--closed-until", "2026-11-24T25:00"}, "--closed-until: ");
  usage({"--now", "2026-11-24T09:00+25:00"}, "--now: ");
  usage({"--at-risk", "soon"}, "--at-risk: invalid duration 'soon'");
  usage({"--at-risk", "2bd"}, "--at-risk: '2bd' is business time");
  usage({"--tz", "Beijing"}, "--tz: ");
  usage({"--open", "--closed"}, "--open and --closed");
  usage({"--escalated-to", "repair_crew"}, "--escalated-to 'repair_crew': not a tier");
  // No zone: no --tz, and no definitions where --workflows points.
  const auto no_zone = run_cli(dir, {"tickets", "--db", s.url, "--workflows",
                                     (dir.path() / "nowhere").string()});
  CHECK(no_zone.status == 2);
  CHECK(contains(no_zone.err, "no time zone"));
  // With --tz the definitions are not needed.
  CHECK(run_cli(dir, {"tickets", "--db", s.url, "--workflows", (dir.path() / "nowhere").string(),
                      "--tz", "+08:00"})
            .status == 0);
  // Not a store URL; memory: holds nothing.
  CHECK(tickets(dir, s, {}).status == 0);
  CHECK(run_cli(dir, {"tickets", "--db", "memory:", "--tz", "Z"}).status == 2);
  CHECK(run_cli(dir, {"tickets", "--db", "ftp://x", "--tz", "Z"}).status == 2);
  CHECK(run_cli(dir, {"tickets"}).status == 2);
  // --help lists the filters and the exit statuses.
  const auto help = run_cli(dir, {"tickets", "--help"});
  CHECK(help.status == 0);
  CHECK(contains(help.out, "--at-risk"));
  CHECK(contains(help.out, "Exit status"));
}

namespace {

struct sqlite_closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
};

/// Replaces `from` by `to` (the same length) in the one stored cell of the
/// database that holds it, the append-only triggers dropped first: what an
/// insider with the file does. Returns how many cells changed.
int tamper(const fs::path& file, std::string_view from, std::string_view to) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  const std::unique_ptr<sqlite3, sqlite_closer> db(raw);
  const auto column = [](sqlite3_stmt* st, int i) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(st, i));
    return bytes == nullptr ? std::string()
                            : std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
  };
  std::vector<std::string> triggers, tables;
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db.get(), "SELECT type, name FROM sqlite_master", -1, &st, nullptr) ==
          SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (column(st, 0) == "trigger") triggers.push_back(column(st, 1));
    if (column(st, 0) == "table" && column(st, 1).rfind("sqlite_", 0) != 0)
      tables.push_back(column(st, 1));
  }
  sqlite3_finalize(st);
  for (const auto& t : triggers)
    REQUIRE(sqlite3_exec(db.get(), ("DROP TRIGGER \"" + t + "\"").c_str(), nullptr, nullptr,
                         nullptr) == SQLITE_OK);
  int changed = 0;
  for (const auto& table : tables) {
    // The row's key: its primary key (the store's tables are WITHOUT ROWID).
    std::vector<std::string> keys;
    REQUIRE(sqlite3_prepare_v2(db.get(), "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk",
                               -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_text(st, 1, table.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) keys.push_back(column(st, 0));
    sqlite3_finalize(st);
    if (keys.empty()) keys.push_back("rowid");
    std::string select = "SELECT ";
    for (const auto& k : keys) select += "\"" + k + "\", ";
    REQUIRE(sqlite3_prepare_v2(db.get(), (select + "* FROM \"" + table + "\"").c_str(), -1, &st,
                               nullptr) == SQLITE_OK);
    struct edit {
      std::vector<std::shared_ptr<sqlite3_value>> key;
      std::string column, value;
      bool blob;
    };
    std::vector<edit> edits;
    const int first = static_cast<int>(keys.size());
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int c = first; c < sqlite3_column_count(st); ++c) {
        const int type = sqlite3_column_type(st, c);
        if (type != SQLITE_TEXT && type != SQLITE_BLOB) continue;
        std::string value = column(st, c);
        const auto at = value.find(from);
        if (at == std::string::npos) continue;
        value.replace(at, from.size(), to);
        edit e{{}, sqlite3_column_name(st, c), value, type == SQLITE_BLOB};
        for (int k = 0; k < first; ++k)
          e.key.emplace_back(sqlite3_value_dup(sqlite3_column_value(st, k)), sqlite3_value_free);
        edits.push_back(std::move(e));
      }
    }
    sqlite3_finalize(st);
    for (const auto& e : edits) {
      std::string sql = "UPDATE \"" + table + "\" SET \"" + e.column + "\" = ?1";
      for (std::size_t k = 0; k < keys.size(); ++k)
        sql += (k == 0 ? " WHERE \"" : " AND \"") + keys[k] + "\" = ?" + std::to_string(k + 2);
      REQUIRE(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
      if (e.blob)
        sqlite3_bind_blob(st, 1, e.value.data(), static_cast<int>(e.value.size()), SQLITE_TRANSIENT);
      else
        sqlite3_bind_text(st, 1, e.value.data(), static_cast<int>(e.value.size()), SQLITE_TRANSIENT);
      for (std::size_t k = 0; k < e.key.size(); ++k)
        sqlite3_bind_value(st, static_cast<int>(k + 2), e.key[k].get());
      REQUIRE(sqlite3_step(st) == SQLITE_DONE);
      sqlite3_finalize(st);
      changed += sqlite3_changes(db.get());
    }
  }
  return changed;
}

}  // namespace

TEST_CASE("cli.tickets.a_tampered_trail_is_named_and_exits_1") {
  const temp_dir dir("tierflow_cli_tickets");
  const store_file s = write_store(dir);
  REQUIRE(ids(dir, s, {}).size() == 5);
  // D's accept note, edited in place: D's chain no longer verifies.
  REQUIRE(tamper(s.file, tamper_note, "first call logged at the COUNTER") == 1);
  const auto r = tickets(dir, s, {"--now", "2026-11-25T09:30"});
  CHECK(r.status == 1);
  CHECK(contains(r.err, s.d.id + ": trail broken at event "));
  // The others are still listed; D too, from its row, its overdue unknown.
  CHECK(table_ids(r.out).size() == 5);
  // A filter that needs D's trail leaves D out, and still fails.
  const auto filtered = tickets(dir, s, {"--at-risk", "14d", "--now", "2026-11-25T09:30"});
  CHECK(filtered.status == 1);
  CHECK(table_ids(filtered.out) == std::vector<std::string>{s.e.id});
  // A question that does not reach D does not read its trail.
  const auto elsewhere = tickets(dir, s, {"--region", "xiangcheng"});
  CHECK(elsewhere.status == 0);
  CHECK(table_ids(elsewhere.out) == std::vector<std::string>{s.e.id});
}
