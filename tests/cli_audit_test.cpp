// SPDX-License-Identifier: MIT
// `tierflow audit verify|show|export` (src/cli/audit_command.cpp), run as a
// separate process (TIERFLOW_CLI) on a SQLite database the real engine wrote:
// the shipped workflows, three tickets of two customers worked by their
// staff under a manual clock, deadlines left to break, and one command
// denied on an unknown ticket (the `~denied` log). Each case builds its own
// database in a fresh temporary directory.
//
// Also: summary rows checked against their trails, per-ticket denial
// streams, escaped output and neutralised CSV cells, special files refused
// unopened, and `tierflow validate --against` on a store's fingerprints.
//
// The tampering case edits the database with SQLite's C API, as an attacker
// with file access would. It finds the append-only triggers and the edited
// cell through sqlite_master and the data itself, not through table or
// column names, so it follows whatever schema the SQLite store uses.
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tierflow/audit.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store_options.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/trail_summary.hpp>

#include "store/store_codec.hpp"
#include "support/cli_runner.hpp"
#include "support/engine_fixture.hpp"
#include "support/scratch_db.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace tf = tierflow;
using namespace std::string_literals;
using tierflow_test::local;
using tierflow_test::shipped;

namespace {

using tierflow_test::temp_dir;
using tierflow_test::cli_result;
using tierflow_test::read_file;
using tierflow_test::run_cli;
using tierflow_test::run_cli_bounded;
using tierflow_test::sh_quote;

/// The lines of `text` (split at "\n"), without the line ends.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// --- a database written by the engine -------------------------------------------------

constexpr std::string_view repair_note = "cable joint replaced";

/// What the engine wrote, as it reported it, for comparison with the tool.
struct written_trail {
  std::string url;
  fs::path file;
  std::string complaint, fault, expansion;  // ticket ids
  /// Every stream's events as engine::events returned them, by stream id
  /// (a std::map: sorted bytewise, the order store::streams gives).
  std::map<std::string, std::vector<tf::event>> streams;
  std::size_t event_count = 0;
  /// The one event whose details hold repair_note.
  std::string noted_ticket;
  std::uint64_t noted_sequence = 0;
};

/// Opens tickets, acts, and lets deadlines fire on an engine over the SQLite
/// store at dir/trail.db; then closes engine and store.
written_trail write_trail(const temp_dir& dir) {
  written_trail w;
  w.file = dir.path() / "trail.db";
  w.url = "sqlite:" + w.file.string();
  auto opened_store = tf::open_store(w.url);
  REQUIRE_MESSAGE(opened_store.has_value(),
                  (opened_store ? std::string() : opened_store.error().message()));
  std::unique_ptr<tf::store> db = std::move(*opened_store);
  {
    tierflow_test::engine_fixture fx(local(2026, 11, 24, 9, 0), shipped(), db.get());  // Tuesday, 09:00 in Suzhou
    tf::manual_clock& clock = fx.clock;
    tf::engine& crm = *fx;

    const tf::actor agent{"csr_li", {"csr"}, ""};
    const tf::actor zhang{"rm_zhang", {"regional_manager"}, "wuzhong"};
    const tf::actor wang{"rm_wang", {"regional_manager"}, "kunshan"};
    const tf::actor sun{"em_sun", {"enterprise_manager"}, ""};
    const tf::actor chen{"disp_chen", {"dispatcher"}, ""};
    const tf::actor crew{"crew_zhou", {"repair_crew_member"}, "wuzhong"};

    const auto open = [&](const char* type, const char* channel, const char* customer_id,
                          const tf::attribute_values& customer,
                          const tf::attribute_values& fields) {
      tf::open_request req;
      req.type = type;
      req.channel = channel;
      req.customer_id = customer_id;
      req.customer = customer;
      req.fields = fields;
      req.opened_by = "crm";
      req.description = "caller says: \"no power\" since 08:50";  // spaces and quotes
      auto t = crm.open(req);
      REQUIRE_MESSAGE(t.has_value(), (t ? std::string() : t.error().message()));
      return t->ticket.id;
    };
    const auto act = [&](const std::string& ticket, const char* action, const tf::actor& who,
                         std::string note = {}, bool expect_denied = false) {
      tf::act_request req;
      req.ticket_id = ticket;
      req.action = action;
      req.by = who;
      req.note = std::move(note);
      const auto r = crm.act(req);
      INFO(ticket, " ", action, " by ", who.id);
      if (expect_denied)
        REQUIRE_FALSE(r.has_value());
      else
        REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
    };
    const auto advance_to = [&](tf::timestamp t) {
      clock.set(t);
      const auto fired = crm.advance();
      REQUIRE_MESSAGE(fired.has_value(), (fired ? std::string() : fired.error().message()));
    };

    w.complaint = open("complaint", "hotline_95598", "C1001",
                       {{"importance_class", "level1"s}, {"region", "kunshan"s}},
                       {{"complaint_class", "service"s}});
    clock.set(local(2026, 11, 24, 9, 5));
    const tf::attribute_values factory{{"region", "wuzhong"s},
                                       {"voltage_kv", 10.0},
                                       {"capacity_kva", 1250.0},
                                       {"area_type", "urban"s}};
    w.fault = open("fault_repair", "account_manager_direct", "C2002", factory, {});
    w.expansion = open("business_expansion", "business_hall", "C2002", factory,
                       {{"application_kind", "capacity_increase"s},
                        {"voltage_path", "hv"s},
                        {"requested_capacity_kva", 2000.0}});

    act(w.complaint, "classify", agent);
    act(w.complaint, "dispatch", agent);
    act(w.fault, "triage", wang, {}, true);  // another region's manager: denied, audited
    act(w.fault, "triage", zhang);
    clock.set(local(2026, 11, 24, 9, 6));
    act(w.fault, "dispatch", chen);
    act(w.fault, "crew_acknowledge", crew);
    act(w.fault, "depart", crew);
    act(w.expansion, "accept", zhang);
    clock.set(local(2026, 11, 24, 9, 30));
    act(w.complaint, "acknowledge", sun);
    advance_to(local(2026, 11, 24, 10, 0));  // the crew's arrival limit has passed
    act(w.fault, "arrive", crew);
    act(w.fault, "start_repair", crew);
    clock.set(local(2026, 11, 24, 10, 40));
    act(w.fault, "restore", crew);
    act(w.fault, "report_restored", crew, std::string(repair_note));
    advance_to(local(2026, 11, 25, 9, 30));       // the complaint's contact limit has passed
    act("T99999999", "triage", zhang, {}, true);  // unknown ticket: the denial log

    for (const std::string& id :
         {w.complaint, w.fault, w.expansion, std::string(tf::engine::denial_log_id)}) {
      auto events = crm.events(id);
      REQUIRE(events.has_value());
      REQUIRE_FALSE(events->empty());
    }
  }
  // Every stream the engine wrote: the tickets, the denial log, and the
  // denial stream of each ticket with a refused command.
  const auto ids = db->streams();
  REQUIRE(ids.has_value());
  for (const std::string& id : *ids) {
    auto events = db->load(id);
    REQUIRE(events.has_value());
    w.event_count += events->size();
    w.streams[id] = std::move(*events);
  }
  db.reset();  // closes the database: the tool reads a file nobody holds open

  for (const auto& [id, events] : w.streams) {
    for (const auto& e : events) {
      for (const auto& [key, value] : e.details) {
        if (value != repair_note) continue;
        REQUIRE_MESSAGE(w.noted_ticket.empty(), "the repair note is in more than one event");
        w.noted_ticket = id;
        w.noted_sequence = e.sequence;
      }
    }
  }
  REQUIRE_FALSE(w.noted_ticket.empty());
  // The timers fired: both deadline kinds are in the trail.
  std::size_t warned_or_breached = 0;
  for (const auto& [id, events] : w.streams)
    for (const auto& e : events)
      if (e.type == tf::event_type::deadline_breached || e.type == tf::event_type::deadline_warned)
        ++warned_or_breached;
  REQUIRE(warned_or_breached > 0);
  return w;
}

/// The events of `w` (in stream order) at or after `since`.
std::vector<const tf::event*> events_since(const written_trail& w, tf::timestamp since) {
  std::vector<const tf::event*> out;
  for (const auto& [id, events] : w.streams)
    for (const auto& e : events)
      if (e.time >= since) out.push_back(&e);
  return out;
}

// --- SQLite, directly ------------------------------------------------------------------

struct sqlite_closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
};
struct statement_closer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using connection = std::unique_ptr<sqlite3, sqlite_closer>;
using statement = std::unique_ptr<sqlite3_stmt, statement_closer>;

connection open_raw(const fs::path& file) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  connection db(raw);
  REQUIRE_MESSAGE(rc == SQLITE_OK, sqlite3_errstr(rc));
  return db;
}

statement prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr);
  statement s(raw);
  REQUIRE_MESSAGE(rc == SQLITE_OK, (sql + ": " + sqlite3_errmsg(db)));
  return s;
}

/// An SQL identifier (a table, column or trigger name read from
/// sqlite_master) quoted for use in a statement; identifiers cannot be bound.
std::string identifier(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string column_text(sqlite3_stmt* s, int column) {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(s, column));
  const int size = sqlite3_column_bytes(s, column);
  return bytes == nullptr ? std::string() : std::string(bytes, static_cast<std::size_t>(size));
}

struct value_deleter {
  void operator()(sqlite3_value* v) const noexcept { sqlite3_value_free(v); }
};

/// One stored cell: its table and column, the key of its row (the primary
/// key's columns and values, or rowid for a table without one), its value.
struct cell {
  std::string table, column;
  std::vector<std::pair<std::string, std::shared_ptr<sqlite3_value>>> key;
  std::string value;
  bool blob = false;
};

/// The triggers on `table`.
std::vector<std::string> triggers_on(sqlite3* db, const std::string& table) {
  auto s = prepare(db, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1");
  sqlite3_bind_text(s.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<std::string> out;
  while (sqlite3_step(s.get()) == SQLITE_ROW) out.push_back(column_text(s.get(), 0));
  return out;
}

/// The columns that identify a row of `table`: its primary key, in key
/// order, or rowid when it has none.
std::vector<std::string> key_columns(sqlite3* db, const std::string& table) {
  auto s = prepare(db, "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk");
  sqlite3_bind_text(s.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<std::string> out;
  while (sqlite3_step(s.get()) == SQLITE_ROW) out.push_back(column_text(s.get(), 0));
  if (out.empty()) out.push_back("rowid");
  return out;
}

/// Every text or blob cell, in any table, whose bytes contain `needle`.
std::vector<cell> find_cells(sqlite3* db, std::string_view needle) {
  std::vector<std::string> tables;
  {
    auto s = prepare(db,
                     "SELECT name FROM sqlite_master WHERE type = 'table' "
                     "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
    while (sqlite3_step(s.get()) == SQLITE_ROW) tables.push_back(column_text(s.get(), 0));
  }
  std::vector<cell> found;
  for (const auto& table : tables) {
    const auto keys = key_columns(db, table);
    std::string select = "SELECT ";
    for (const auto& k : keys) select += identifier(k) + ", ";
    auto s = prepare(db, select + "* FROM " + identifier(table));
    const int first = static_cast<int>(keys.size());
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      for (int c = first; c < sqlite3_column_count(s.get()); ++c) {
        const int type = sqlite3_column_type(s.get(), c);
        if (type != SQLITE_TEXT && type != SQLITE_BLOB) continue;
        std::string value = column_text(s.get(), c);
        if (!contains(value, needle)) continue;
        cell found_cell{
            table, sqlite3_column_name(s.get(), c), {}, std::move(value), type == SQLITE_BLOB};
        for (int k = 0; k < first; ++k) {
          found_cell.key.emplace_back(
              keys[static_cast<std::size_t>(k)],
              std::shared_ptr<sqlite3_value>(sqlite3_value_dup(sqlite3_column_value(s.get(), k)),
                                             value_deleter{}));
        }
        found.push_back(std::move(found_cell));
      }
    }
  }
  return found;
}

/// UPDATEs the cell to `value` (same storage class); the SQLite result code.
int update_cell(sqlite3* db, const cell& c, const std::string& value) {
  std::string sql = "UPDATE " + identifier(c.table) + " SET " + identifier(c.column) + " = ?1";
  for (std::size_t k = 0; k < c.key.size(); ++k)
    sql += (k == 0 ? " WHERE " : " AND ") + identifier(c.key[k].first) + " = ?" +
           std::to_string(k + 2);
  auto s = prepare(db, sql);
  const int size = static_cast<int>(value.size());
  if (c.blob)
    sqlite3_bind_blob(s.get(), 1, value.data(), size, SQLITE_TRANSIENT);
  else
    sqlite3_bind_text(s.get(), 1, value.data(), size, SQLITE_TRANSIENT);
  for (std::size_t k = 0; k < c.key.size(); ++k)
    sqlite3_bind_value(s.get(), static_cast<int>(k + 2), c.key[k].second.get());
  return sqlite3_step(s.get());
}

}  // namespace

TEST_CASE("cli.audit.verify.engine_written_database_verifies_with_the_stores_counts") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);

  // What the store holds, read back in this process.
  tf::store_options read_only;
  read_only.read_only = true;
  read_only.create = false;
  auto db = tf::open_store(w.url, read_only);
  REQUIRE(db.has_value());
  auto streams = (*db)->streams();
  REQUIRE(streams.has_value());
  std::size_t stored_events = 0;
  for (const auto& id : *streams) {
    auto events = (*db)->load(id);
    REQUIRE(events.has_value());
    stored_events += events->size();
  }
  db->reset();
  CHECK(streams->size() == w.streams.size());
  CHECK(stored_events == w.event_count);

  const std::string before = read_file(w.file);
  const auto r = run_cli(dir, {"audit", "verify", "--db", w.url});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "verified " + std::to_string(streams->size()) + " streams, " +
                     std::to_string(stored_events) + " events: OK\n");

  // The audits read; the database file keeps every byte.
  CHECK(run_cli(dir, {"audit", "show", "--db", w.url, w.fault}).status == 0);
  CHECK(run_cli(dir, {"audit", "export", "--db", w.url, "--format", "csv"}).status == 0);
  CHECK(read_file(w.file) == before);
}

TEST_CASE("cli.audit.show.summary_other_tickets_and_every_event_in_order") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);
  const auto r = run_cli(dir, {"audit", "show", "--db", w.url, w.fault});
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  const auto lines = lines_of(r.out);
  REQUIRE_FALSE(lines.empty());
  CHECK(contains(lines[0], w.fault));
  CHECK(contains(lines[0], "UTC"));
  CHECK(contains(r.out, "customer  C2002\n"));
  CHECK(contains(r.out, "type      fault_repair\n"));
  CHECK(contains(r.out, "hash chain verified"));
  // The customer's other ticket is listed; the other customer's is not.
  CHECK(contains(r.out, "\n\nother tickets of customer C2002 (1), oldest first:\n"));
  CHECK(contains(r.out, w.expansion + "  business_expansion"));
  CHECK((contains(r.out, "\n\nevents:\n") || contains(r.out, "\n\nevents (~#N: ")));
  CHECK_FALSE(contains(r.out, "\\n"));  // blank lines printed, not escaped
  CHECK_FALSE(contains(r.out, w.complaint));

  // One line per event, in sequence order, each naming its actor and type;
  // the first is the opening at 09:05 Suzhou time, 01:05 UTC.
  const auto& events = w.streams.at(w.fault);
  std::vector<std::string> event_lines;
  for (const auto& line : lines)
    if (line.rfind("  #", 0) == 0) event_lines.push_back(line);
  REQUIRE(event_lines.size() == events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO(event_lines[i]);
    const auto& e = events[i];
    CHECK(event_lines[i].rfind("  #" + std::to_string(e.sequence) + " ", 0) == 0);
    CHECK(contains(event_lines[i], tierflow_test::civil(e.time, ' ') + "Z"));
    CHECK(contains(event_lines[i], " " + e.actor_id + " "));
    CHECK(contains(event_lines[i], " " + std::string(tf::to_string(e.type))));
  }
  CHECK(contains(event_lines[0], "2026-11-24 01:05:00Z"));
  // A value with spaces is quoted, its quotes escaped.
  CHECK(contains(r.out, R"(="caller says: \"no power\" since 08:50")"));
  CHECK(contains(r.out, "=\"" + std::string(repair_note) + "\""));
}

TEST_CASE("cli.audit.show.denial_log_and_unknown_ticket") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);

  const auto log = run_cli(dir, {"audit", "show", "--db", w.url, "~denied"});
  REQUIRE(log.status == 0);
  CHECK(contains(log.out, "~denied"));
  CHECK_FALSE(contains(log.out, "customer"));
  const auto& denied = w.streams.at(std::string(tf::engine::denial_log_id));
  std::size_t event_lines = 0;
  for (const auto& line : lines_of(log.out))
    if (line.rfind("  #", 0) == 0) ++event_lines;
  CHECK(event_lines == denied.size());
  CHECK(contains(log.out, "T99999999"));

  const auto unknown = run_cli(dir, {"audit", "show", "--db", w.url, "T00000777"});
  CHECK(unknown.status == 1);
  CHECK(unknown.out.empty());
  CHECK(contains(unknown.err, "no ticket 'T00000777' in " + w.url));
}

TEST_CASE("cli.audit.export.jsonl_one_object_per_event_since_and_ticket") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);

  const auto all = run_cli(dir, {"audit", "export", "--db", w.url, "--format", "jsonl"});
  REQUIRE(all.status == 0);
  CHECK(all.err.empty());
  const auto lines = lines_of(all.out);
  REQUIRE(lines.size() == w.event_count);
  std::size_t i = 0;
  for (const auto& [id, events] : w.streams) {
    for (const auto& e : events) {
      INFO(lines[i]);
      const auto j = nlohmann::json::parse(lines[i++]);
      CHECK(j.at("ticket") == id);
      CHECK(j.at("sequence") == e.sequence);
      CHECK(j.at("type") == tf::to_string(e.type));
      CHECK(j.at("hash") == tf::to_hex(e.hash));
    }
  }

  // --since an instant, and --since a date (its start, UTC).
  const auto since_instant = events_since(w, tierflow_test::utc(2026, 11, 24, 2, 0));
  const auto since_date = events_since(w, tierflow_test::utc(2026, 11, 25, 0, 0));
  REQUIRE(!since_instant.empty());
  REQUIRE(since_instant.size() < w.event_count);
  REQUIRE(!since_date.empty());
  REQUIRE(since_date.size() < since_instant.size());
  for (const auto& since_case :
       {std::pair{"2026-11-24T02:00:00Z"s, since_instant}, std::pair{"2026-11-25"s, since_date}}) {
    // Not a structured binding: Clang before 16 cannot capture one in the
    // lambda INFO makes.
    const std::string& since = since_case.first;
    const auto& expected = since_case.second;
    INFO("--since ", since);
    const auto r = run_cli(dir, {"audit", "export", "--db", w.url, "--since", since});
    REQUIRE(r.status == 0);
    const auto got = lines_of(r.out);
    REQUIRE(got.size() == expected.size());
    for (std::size_t k = 0; k < got.size(); ++k) {
      const auto j = nlohmann::json::parse(got[k]);
      CHECK(j.at("ticket") == expected[k]->ticket_id);
      CHECK(j.at("sequence") == expected[k]->sequence);
    }
  }

  // One ticket, to a file: the same bytes as that ticket's part of stdout.
  const fs::path file = dir.path() / "fault.jsonl";
  const auto one =
      run_cli(dir, {"audit", "export", "--db", w.url, "--ticket", w.fault, "-o", file.string()});
  REQUIRE(one.status == 0);
  CHECK(one.out.empty());
  // With its refused commands: the ticket's denial stream follows it.
  std::string fault_trail = tf::to_jsonl(w.streams.at(w.fault));
  if (const auto denied = w.streams.find(tf::denial_stream_of(w.fault)); denied != w.streams.end())
    fault_trail += tf::to_jsonl(denied->second);
  CHECK(read_file(file) == fault_trail);

  // -o naming the database is refused, and the database stays whole.
  const std::string database = read_file(w.file);
  const auto onto_db = run_cli(dir, {"audit", "export", "--db", w.url, "-o", w.file.string()});
  CHECK(onto_db.status == 2);
  CHECK(contains(onto_db.err, "is the database itself"));
  CHECK(read_file(w.file) == database);

  const auto unknown = run_cli(dir, {"audit", "export", "--db", w.url, "--ticket", "T00000777"});
  CHECK(unknown.status == 1);
  CHECK(contains(unknown.err, "no ticket 'T00000777'"));
}

TEST_CASE("cli.audit.export.csv_header_once_then_one_row_per_event") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);
  const auto r = run_cli(dir, {"audit", "export", "--db", w.url, "--format", "csv"});
  REQUIRE(r.status == 0);
  std::string expected;
  for (const auto& [id, events] : w.streams) {
    const std::string rows = tf::to_csv(events);
    expected += expected.empty() ? rows : rows.substr(rows.find("\r\n") + 2);
  }
  CHECK(r.out == expected);
  std::size_t rows = 0;
  for (std::size_t at = r.out.find("\r\n"); at != std::string::npos;
       at = r.out.find("\r\n", at + 2))
    ++rows;
  CHECK(rows == w.event_count + 1);
  CHECK(r.out.rfind("ticket,sequence,time,actor,workflow,workflow_version,type,details,prev_hash,"
                    "hash\r\n",
                    0) == 0);
  CHECK(r.out.find("ticket,sequence,", 1) == std::string::npos);
}

TEST_CASE("cli.audit.export.malformed_since_is_usage_error") {
  const temp_dir dir("tierflow_cli_audit");
  const fs::path file = dir.path() / "never.db";
  for (const std::string since : {"yesterday", "2026-13-01", "2026-02-30",
                                  "2026-11-24T24:00:00Z", "2026-11-24 09:00:00Z", "2026-11-2"}) {
    INFO("--since ", since);
    const auto r =
        run_cli(dir, {"audit", "export", "--db", "sqlite:" + file.string(), "--since", since});
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "--since '" + since + "'"));
  }
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("cli.audit.verify.edited_event_is_named") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);
  std::string edited;
  {
    const connection db = open_raw(w.file);
    const auto cells = find_cells(db.get(), repair_note);
    REQUIRE(cells.size() == 1);
    const cell& target = cells.front();
    const auto triggers = triggers_on(db.get(), target.table);
    REQUIRE_FALSE(triggers.empty());

    edited = target.value;
    const auto at = edited.find(repair_note);
    edited.replace(at, repair_note.size(), "cable joint REPLACED");  // same length

    // With the append-only triggers in place the database refuses the edit.
    CHECK(update_cell(db.get(), target, edited) != SQLITE_DONE);
    CHECK(find_cells(db.get(), repair_note).size() == 1);
  }
  CHECK(run_cli(dir, {"audit", "verify", "--db", w.url}).status == 0);

  {
    const connection db = open_raw(w.file);
    const cell target = find_cells(db.get(), repair_note).at(0);
    for (const auto& trigger : triggers_on(db.get(), target.table)) {
      INFO(trigger);
      REQUIRE(sqlite3_exec(db.get(), ("DROP TRIGGER " + identifier(trigger)).c_str(), nullptr,
                           nullptr, nullptr) == SQLITE_OK);
    }
    REQUIRE(update_cell(db.get(), target, edited) == SQLITE_DONE);
    REQUIRE(sqlite3_changes(db.get()) == 1);
  }

  const auto r = run_cli(dir, {"audit", "verify", "--db", w.url});
  CHECK(r.status == 1);
  const std::string broken_line =
      w.noted_ticket + ": broken at event " + std::to_string(w.noted_sequence) + ": edited: ";
  CHECK(contains(r.out, broken_line));
  CHECK(contains(r.out, "verified " + std::to_string(w.streams.size()) + " streams, " +
                            std::to_string(w.event_count) + " events: 1 broken\n"));
  // Only that stream is reported.
  CHECK(lines_of(r.out).size() == 2);

  // show still prints the record, says the chain is broken, and fails.
  const auto shown = run_cli(dir, {"audit", "show", "--db", w.url, w.noted_ticket});
  CHECK(shown.status == 1);
  CHECK(contains(shown.out,
                 "hash chain BROKEN: broken at event " + std::to_string(w.noted_sequence)));
  CHECK(contains(shown.out, "cable joint REPLACED"));

  // A row the store cannot even decode (the denial log's details cut short)
  // is reported as that stream's problem; the walk goes on to the others.
  {
    const connection db = open_raw(w.file);
    const auto cells = find_cells(db.get(), "T99999999");
    REQUIRE(cells.size() == 1);
    REQUIRE(update_cell(db.get(), cells.front(),
                        cells.front().value.substr(0, cells.front().value.size() - 1)) ==
            SQLITE_DONE);
  }
  const auto damaged = run_cli(dir, {"audit", "verify", "--db", w.url});
  CHECK(damaged.status == 1);
  CHECK(contains(damaged.out, broken_line));
  CHECK(contains(damaged.out, "~denied: cannot be read: "));
  CHECK(contains(damaged.out, " events: 2 broken\n"));
  CHECK(lines_of(damaged.out).size() == 3);
}

TEST_CASE("cli.audit.missing_or_foreign_database_is_named_and_left_alone") {
  const temp_dir dir("tierflow_cli_audit");
  const fs::path missing = dir.path() / "missing.db";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"audit", "verify", "--db", "sqlite:" + missing.string()},
        std::vector<std::string>{"audit", "show", "--db", "sqlite:" + missing.string(), "T1"},
        std::vector<std::string>{"audit", "export", "--db", "sqlite:" + missing.string()}}) {
    INFO(args[1]);
    const auto r = run_cli(dir, args);
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(contains(r.err, missing.string()));
    CHECK_FALSE(fs::exists(missing));  // an audit never creates a database
  }

  const fs::path foreign = dir.path() / "notes.db";
  const std::string text(4096, 'x');
  {
    std::ofstream out(foreign, std::ios::binary);
    out << text;
  }
  const auto r = run_cli(dir, {"audit", "verify", "--db", "sqlite:" + foreign.string()});
  CHECK(r.status == 1);
  CHECK(contains(r.err, foreign.string()));
  CHECK(read_file(foreign) == text);

  // -o is not created when the store cannot be opened.
  const fs::path output = dir.path() / "out.jsonl";
  CHECK(
      run_cli(dir, {"audit", "export", "--db", "sqlite:" + missing.string(), "-o", output.string()})
          .status == 1);
  CHECK_FALSE(fs::exists(output));
}

TEST_CASE("cli.audit.usage_errors_exit_2") {
  const temp_dir dir("tierflow_cli_audit");
  const auto unknown_scheme = run_cli(dir, {"audit", "verify", "--db", "ftp://host/x.db"});
  CHECK(unknown_scheme.status == 2);
  CHECK(contains(unknown_scheme.err, "unknown store URL"));
  const auto memory = run_cli(dir, {"audit", "verify", "--db", "memory:"});
  CHECK(memory.status == 2);
  CHECK(contains(memory.err, "nothing to audit"));
  CHECK(run_cli(dir, {"audit"}).status == 2);
  CHECK(run_cli(dir, {"audit", "verify"}).status == 2);
  CHECK(run_cli(dir, {"audit", "show", "--db", "sqlite:x.db"}).status == 2);
  CHECK(run_cli(dir, {"audit", "export", "--db", "sqlite:x.db", "--format", "xml"}).status == 2);
  CHECK_FALSE(fs::exists("x.db"));
  // A password in a PostgreSQL URL is not echoed.
  const auto pg = run_cli(dir, {"audit", "verify", "--db", "postgresql://auditor:s3cret@[::1"});
  CHECK(pg.status != 0);
  CHECK_FALSE(contains(pg.err, "s3cret"));
  const auto help = run_cli(dir, {"audit", "export", "--help"});
  CHECK(help.status == 0);
  CHECK(contains(help.out, "--since"));
  CHECK(contains(help.out, "Exit status"));
}

namespace {

/// Runs `sql`, an INSERT … SELECT with ?1 = `copy` and ?2 = `original`, on
/// the database file behind the store's back (inserts pass the append-only
/// triggers, which only refuse UPDATE and DELETE).
void copy_rows(const fs::path& file, const std::string& copy, const std::string& original,
               const std::string& sql) {
  const connection db = open_raw(file);
  const statement s = prepare(db.get(), sql);
  REQUIRE(sqlite3_bind_text(s.get(), 1, copy.c_str(), -1, SQLITE_TRANSIENT) == SQLITE_OK);
  REQUIRE(sqlite3_bind_text(s.get(), 2, original.c_str(), -1, SQLITE_TRANSIENT) == SQLITE_OK);
  REQUIRE(sqlite3_step(s.get()) == SQLITE_DONE);
}

/// Copies the summary row of ticket `original` as an open ticket `copy`,
/// whatever the row's columns (through a scratch table).
void copy_ticket_row(const fs::path& file, const std::string& copy, const std::string& original) {
  const connection db = open_raw(file);
  for (const std::string& sql :
       {"CREATE TEMP TABLE forged AS SELECT * FROM tierflow_tickets WHERE ticket_id = '" +
            original + "'",
        "UPDATE forged SET ticket_id = '" + copy + "', closed = 0",
        std::string("INSERT INTO tierflow_tickets SELECT * FROM forged")}) {
    INFO(sql);
    REQUIRE(sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  }
}

}  // namespace

TEST_CASE("cli.audit.verify.stream_copied_from_another_fails_every_verifier") {
  // A stream whose events were copied from another ticket's stream, head
  // and all: engine::verify, the engine's restore and `tierflow audit
  // verify` judge it with the one audit verifier, and all three refuse it.
  // (SQLite keys events by stream, so a copied row reads back under the new
  // id and its hash no longer matches; engine_restore_test covers a store
  // that keeps the foreign id.)
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);
  const std::string copy = "T90000001";
  copy_rows(w.file, copy, w.fault,
            "INSERT INTO tierflow_events SELECT ?1, sequence, time, actor_id, workflow_id,"
            " workflow_version, type, details, prev_hash, hash FROM tierflow_events WHERE stream_id = ?2");
  copy_rows(w.file, copy, w.fault,
            "INSERT INTO tierflow_streams SELECT ?1, version, head FROM tierflow_streams"
            " WHERE stream_id = ?2");

  // tierflow audit verify names the copy, and only it.
  const auto r = run_cli(dir, {"audit", "verify", "--db", w.url});
  CHECK(r.status == 1);
  CHECK(contains(r.out, copy + ": broken at event 1: "));
  CHECK(contains(r.out, ": 1 broken\n"));

  auto opened = tf::open_store(w.url);
  REQUIRE(opened.has_value());
  {
    // engine::verify: the copy is data loss; the original still verifies.
    tierflow_test::engine_fixture fx(local(2026, 11, 30, 9, 0), shipped(), opened->get());
    CHECK(fx->verify(w.fault).has_value());
    const auto v = fx->verify(copy);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().code() == tf::errc::data_loss);
    CHECK(contains(v.error().message(), "event 1: "));
  }
  // Restore: once the copy is an open ticket too, the engine starts on the
  // rest and quarantines the copy, which it then refuses to serve.
  copy_ticket_row(w.file, copy, w.fault);
  tf::manual_clock clock(local(2026, 11, 30, 9, 0));
  tf::engine_options options;
  options.time_source = &clock;
  options.events = opened->get();
  const auto restored = tf::engine::create(shipped(), options);
  REQUIRE(restored.has_value());
  const auto quarantined = (*restored)->quarantined();
  CHECK(std::any_of(quarantined.begin(), quarantined.end(),
                    [&](const tf::quarantined_ticket& q) { return q.ticket_id == copy; }));
  const auto refused = (*restored)->view(copy);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == tf::errc::data_loss);
  CHECK((*restored)->view(w.fault).has_value());
}

// --- summary rows, denial streams, escapes, special files ---------------------------------

namespace {

/// Appends `events` (numbered from the stream's head, sealed onto it) to
/// stream `id` of the SQLite store at `url`, as the engine would: with
/// `summary` for a ticket's stream, none for a denial stream.
void append_events(const std::string& url, const std::string& id, std::vector<tf::event> events,
                   const tf::ticket_summary* summary = nullptr) {
  auto opened = tf::open_store(url);
  REQUIRE_MESSAGE(opened.has_value(), (opened ? std::string() : opened.error().message()));
  tf::store& s = **opened;
  const auto head = s.head(id);
  REQUIRE(head.has_value());
  for (std::size_t i = 0; i < events.size(); ++i) {
    events[i].ticket_id = id;
    events[i].sequence = head->version + i + 1;
  }
  tf::seal(events, head->head);
  tf::ticket_summary row;
  if (summary != nullptr) {
    row = *summary;
    row.version = head->version + events.size();
  }
  const auto ok = s.append(tf::append_request{id, head->version, events, summary ? &row : nullptr});
  REQUIRE_MESSAGE(ok.has_value(), (ok ? std::string() : ok.error().message()));
}

tf::event denial(tf::timestamp at, const std::string& actor, const std::string& reason) {
  tf::event e;
  e.time = at;
  e.actor_id = actor;
  e.workflow_id = "fault_repair";
  e.workflow_version = 1;
  e.type = tf::event_type::denied;
  e.details = {{"action", "triage"}, {"code", "permission_denied"}, {"reason", reason}};
  return e;
}

/// The line of `text` that starts with `prefix`, or "".
std::string line_starting(const std::string& text, std::string_view prefix) {
  for (const auto& line : lines_of(text))
    if (line.rfind(prefix, 0) == 0) return line;
  return {};
}


}  // namespace

TEST_CASE("cli.audit.verify.forged_summary_rows_are_named") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);
  const auto stated = tf::summarize_trail(w.streams.at(w.fault));
  REQUIRE(stated.has_value());
  REQUIRE_FALSE(stated->owner.empty());
  tf::ticket_summary row;
  tf::store::stream_head head;
  {
    tf::store_options read_only;
    read_only.read_only = true;
    read_only.create = false;
    auto db = tf::open_store(w.url, read_only);
    REQUIRE(db.has_value());
    auto found = (*db)->summary(w.fault);
    REQUIRE(found.has_value());
    row = *found;
    auto h = (*db)->head(w.fault);
    REQUIRE(h.has_value());
    head = *h;
  }
  const connection db = open_raw(w.file);
  for (const auto& trigger : triggers_on(db.get(), "tierflow_tickets"))
    REQUIRE(sqlite3_exec(db.get(), ("DROP TRIGGER " + identifier(trigger)).c_str(), nullptr,
                         nullptr, nullptr) == SQLITE_OK);
  const auto run_sql = [&](const std::string& sql, const std::string& blob = {}) {
    const statement st = prepare(db.get(), sql);
    sqlite3_bind_text(st.get(), 1, w.fault.c_str(), -1, SQLITE_TRANSIENT);
    if (!blob.empty())
      sqlite3_bind_blob(st.get(), 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(st.get()) == SQLITE_DONE);
    REQUIRE(sqlite3_changes(db.get()) == 1);
  };

  SUBCASE("an edited row: its seal no longer holds") {
    // An insider with the file hands the fault ticket to 'mallory'.
    run_sql("UPDATE tierflow_tickets SET owner = 'mallory' WHERE ticket_id = ?1");
    const auto r = run_cli(dir, {"audit", "verify", "--db", w.url});
    CHECK(r.status == 1);
    CHECK(lines_of(r.out).size() == 2);
    CHECK(line_starting(r.out, w.fault + ": summary row forged: ") != "");
    CHECK(contains(r.out, " events: 1 forged summary row\n"));
  }
  SUBCASE("a re-sealed row: the fold of the verified trail disagrees") {
    // Whoever knows the (unkeyed) seal can re-seal the forged row for the
    // current head; the trail still says who owns the ticket.
    tf::ticket_summary forged = row;
    forged.owner = "mallory";
    const tf::event_hash seal = tf::detail::summary_seal(forged, head.version, head.head);
    run_sql("UPDATE tierflow_tickets SET owner = 'mallory', seal = ?2 WHERE ticket_id = ?1",
            std::string(reinterpret_cast<const char*>(seal.data()), seal.size()));
    const auto r = run_cli(dir, {"audit", "verify", "--db", w.url});
    CHECK(r.status == 1);
    CHECK(r.out == w.fault + ": summary row forged: owner 'mallory', the trail says '" +
                       stated->owner + "'\nverified " + std::to_string(w.streams.size()) +
                       " streams, " + std::to_string(w.event_count) +
                       " events: 1 forged summary row\n");
    const auto shown = run_cli(dir, {"audit", "show", "--db", w.url, w.fault});
    CHECK(shown.status == 1);
    CHECK(contains(shown.out, "summary   summary row forged: owner 'mallory', the trail says '" +
                                  stated->owner + "'\n"));
  }
  // Either way, show prints the owner the trail states, flags the row and
  // fails; the untouched ticket still shows cleanly.
  const auto shown = run_cli(dir, {"audit", "show", "--db", w.url, w.fault});
  CHECK(shown.status == 1);
  CHECK(contains(shown.out, "owner     " + stated->owner + "\n"));
  CHECK_FALSE(contains(shown.out, "owner     mallory"));
  CHECK(contains(shown.out, "summary   summary row forged: "));
  CHECK(contains(shown.out, "hash chain verified"));
  CHECK(run_cli(dir, {"audit", "show", "--db", w.url, w.complaint}).status == 0);

  // A row copied for a ticket with no trail: a store whose rows are sealed
  // leaves it out of every read (queues, open tickets); an unsealed one
  // lists it among the open tickets, and verify names it.
  copy_ticket_row(w.file, "T90000002", w.expansion);
  const auto r = run_cli(dir, {"audit", "verify", "--db", w.url});
  CHECK(r.status == 1);
  if (contains(r.out, "T90000002"))
    CHECK(contains(r.out, "T90000002: summary row forged: no trail stands behind it\n"));
}

TEST_CASE("cli.audit.denial_streams_are_verified_shown_merged_and_exported") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);
  const auto& fault = w.streams.at(w.fault);
  // Two more refused commands on the fault ticket's denial stream (the
  // engine may have recorded rm_wang's there already), at the time of its
  // third event and after its last.
  const std::string denials = tf::denial_stream_of(w.fault);
  const bool had_stream = w.streams.count(denials) > 0;
  const std::size_t before = had_stream ? w.streams.at(denials).size() : 0;
  const tf::timestamp early = fault.at(2).time;
  const tf::timestamp late = fault.back().time + std::chrono::minutes(5);
  append_events(w.url, denials,
                {denial(early, "rm_wang", "another region"), denial(late, "nobody", "no roles")});

  const auto verified = run_cli(dir, {"audit", "verify", "--db", w.url});
  CHECK(verified.status == 0);
  CHECK(verified.out == "verified " + std::to_string(w.streams.size() + (had_stream ? 0 : 1)) +
                            " streams, " + std::to_string(w.event_count + 2) + " events: OK\n");

  const auto shown = run_cli(dir, {"audit", "show", "--db", w.url, w.fault});
  CHECK(shown.status == 0);
  CHECK(contains(shown.out, "denials   " + std::to_string(before + 2) +
                                " refused commands on stream " + denials +
                                ", hash chain verified\n"));
  CHECK(contains(shown.out, "~#N: refused command N, from stream " + denials));
  std::vector<std::string> event_lines;
  for (const auto& line : lines_of(shown.out))
    if (line.rfind("  #", 0) == 0 || line.rfind("  ~#", 0) == 0) event_lines.push_back(line);
  REQUIRE(event_lines.size() == fault.size() + before + 2);
  // Merged by time, a denial after the ticket's events of its second.
  std::string previous;
  for (const auto& line : event_lines) {
    const std::string time = line.substr(line.find("2026-"), 20);
    CHECK(previous <= time);
    previous = time;
  }
  const std::string added = "  ~#" + std::to_string(before + 1) + " ";
  const auto at = std::find_if(event_lines.begin(), event_lines.end(),
                               [&](const std::string& l) { return l.rfind(added, 0) == 0; });
  REQUIRE(at != event_lines.end());
  CHECK(contains(*at, "rm_wang"));
  const auto ticket_lines_before = std::count_if(
      event_lines.begin(), at, [](const std::string& l) { return l.rfind("  #", 0) == 0; });
  CHECK(static_cast<std::size_t>(ticket_lines_before) ==
        static_cast<std::size_t>(std::count_if(fault.begin(), fault.end(),
                                               [&](const tf::event& e) { return e.time <= early; })));
  CHECK(event_lines.back().rfind("  ~#" + std::to_string(before + 2) + " ", 0) == 0);

  const auto stream = run_cli(dir, {"audit", "show", "--db", w.url, denials});
  CHECK(stream.status == 0);
  CHECK(contains(stream.out, "the commands refused on ticket " + w.fault));
  CHECK(contains(stream.out, std::to_string(before + 2) + " events, hash chain verified"));

  const auto exported = run_cli(dir, {"audit", "export", "--db", w.url, "--ticket", w.fault});
  CHECK(exported.status == 0);
  const auto lines = lines_of(exported.out);
  REQUIRE(lines.size() == fault.size() + before + 2);
  CHECK(nlohmann::json::parse(lines.front()).at("ticket") == w.fault);
  CHECK(nlohmann::json::parse(lines[fault.size()]).at("ticket") == denials);
  CHECK(nlohmann::json::parse(lines.back()).at("ticket") == denials);
}

TEST_CASE("cli.audit.outputs_escape_control_characters_and_csv_neutralises_formulas") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);
  const std::string formula = "=cmd|' /C calc'!A0";
  const std::string esc_reason = "denied\x1b]0;owned\x07 \x1b[2J\xc2\x9b" "31m 客户";
  // The complaint has no refused command of its own: its denial stream
  // holds just these two.
  const std::string denials = tf::denial_stream_of(w.complaint);
  REQUIRE(w.streams.count(denials) == 0);
  const tf::timestamp last = w.streams.at(w.complaint).back().time;
  append_events(w.url, denials,
                {denial(last, formula, esc_reason), denial(last, "@SUM(1+1)\x1b[31m", "-2+3")});

  const auto no_raw_controls = [](const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto b = static_cast<unsigned char>(text[i]);
      if (b == 0x1b || b == 0x07 || b == 0x7f) return false;
      if (b == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
          static_cast<unsigned char>(text[i + 1]) <= 0x9f)
        return false;
    }
    return true;
  };

  const auto shown = run_cli(dir, {"audit", "show", "--db", w.url, w.complaint});
  CHECK(shown.status == 0);
  CHECK(no_raw_controls(shown.out));
  CHECK(contains(shown.out, R"(reason="denied\x1b]0;owned\x07 \x1b[2J\u{9b}31m 客户")"));

  const auto csv = run_cli(dir, {"audit", "export", "--db", w.url, "--ticket", w.complaint,
                                 "--format", "csv"});
  CHECK(csv.status == 0);
  CHECK(no_raw_controls(csv.out));
  // The formula cell starts with a quote inside a quoted cell; so does '@'.
  CHECK(contains(csv.out, ",\"'=cmd|' /C calc'!A0\","));
  CHECK(contains(csv.out, ",\"'@SUM(1+1)\\x1b[31m\","));
  CHECK_FALSE(contains(csv.out, ",=cmd"));
  CHECK_FALSE(contains(csv.out, ",@SUM"));

  // JSON Lines stays faithful: every string reads back as stored.
  const auto jsonl = run_cli(dir, {"audit", "export", "--db", w.url, "--ticket", denials});
  CHECK(jsonl.status == 0);
  CHECK(no_raw_controls(jsonl.out));
  const auto lines = lines_of(jsonl.out);
  REQUIRE(lines.size() == 2);
  const auto first = nlohmann::json::parse(lines[0]);
  CHECK(first.at("actor") == formula);
  CHECK(first.at("details").at(2).at(1) == esc_reason);
  CHECK(contains(lines[0], R"(\u001b]0;owned\u0007 \u001b[2J\u009b31m 客户)"));

  // A broken stream with an odd id: verify's line quotes and escapes it.
  const std::string odd = "T\x1b[2J\n00000009";
  append_events(w.url, odd, {denial(last, "x", "y")});
  {
    const connection db = open_raw(w.file);
    for (const auto& trigger : triggers_on(db.get(), "tierflow_events"))
      REQUIRE(sqlite3_exec(db.get(), ("DROP TRIGGER " + identifier(trigger)).c_str(), nullptr,
                           nullptr, nullptr) == SQLITE_OK);
    const statement edit = prepare(db.get(), "UPDATE tierflow_events SET actor_id = 'z' WHERE stream_id = ?1");
    sqlite3_bind_text(edit.get(), 1, odd.c_str(), static_cast<int>(odd.size()), SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(edit.get()) == SQLITE_DONE);
    REQUIRE(sqlite3_changes(db.get()) == 1);
  }
  const auto verified = run_cli(dir, {"audit", "verify", "--db", w.url});
  CHECK(verified.status == 1);
  CHECK(no_raw_controls(verified.out));
  CHECK(contains(verified.out, R"("T\x1b[2J\n00000009": broken at event 1: edited: )"));
  CHECK(lines_of(verified.out).size() == 2);
}

TEST_CASE("cli.audit.show_and_export_exit_1_on_a_broken_chain") {
  const temp_dir dir("tierflow_cli_audit");
  const written_trail w = write_trail(dir);
  {
    const connection db = open_raw(w.file);
    const cell target = find_cells(db.get(), repair_note).at(0);
    for (const auto& trigger : triggers_on(db.get(), target.table))
      REQUIRE(sqlite3_exec(db.get(), ("DROP TRIGGER " + identifier(trigger)).c_str(), nullptr,
                           nullptr, nullptr) == SQLITE_OK);
    std::string edited = target.value;
    edited.replace(edited.find(repair_note), repair_note.size(), "cable joint REPLACED");
    REQUIRE(update_cell(db.get(), target, edited) == SQLITE_DONE);
  }
  const auto shown = run_cli(dir, {"audit", "show", "--db", w.url, w.noted_ticket});
  CHECK(shown.status == 1);
  CHECK(contains(shown.out, "hash chain BROKEN: broken at event " + std::to_string(w.noted_sequence)));
  // The record shown is the row's, marked as unverified.
  CHECK(contains(shown.out, "NOT verified"));

  // The export is whole (the evidence), and names the broken stream.
  const fs::path file = dir.path() / "all.jsonl";
  const auto exported = run_cli(dir, {"audit", "export", "--db", w.url, "-o", file.string()});
  CHECK(exported.status == 1);
  CHECK(contains(exported.err, w.noted_ticket + ": broken at event " +
                                   std::to_string(w.noted_sequence) + ": edited: "));
  CHECK(lines_of(read_file(file)).size() == w.event_count);
  CHECK(contains(read_file(file), "cable joint REPLACED"));
  // Other tickets still export cleanly.
  const std::string other = w.noted_ticket == w.fault ? w.complaint : w.fault;
  CHECK(run_cli(dir, {"audit", "export", "--db", w.url, "--ticket", other}).status == 0);
}

TEST_CASE("cli.audit.special_files_are_refused_unopened") {
  const temp_dir dir("tierflow_cli_audit");
  const fs::path fifo = dir.path() / "trail.db";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"audit", "verify", "--db", "sqlite:" + fifo.string()},
        std::vector<std::string>{"audit", "show", "--db", "sqlite:" + fifo.string(), "T1"},
        std::vector<std::string>{"audit", "export", "--db", "sqlite:" + fifo.string()},
        std::vector<std::string>{"validate", "--against", "sqlite:" + fifo.string(),
                                 "workflows"}}) {
    INFO(args[0], " ", args[1]);
    const auto r = run_cli_bounded(dir, args);
    CHECK(r.status == 1);
    CHECK(contains(r.err, "cannot open sqlite:" + fifo.string() + ": '" + fifo.string() +
                              "' is a FIFO, not a regular file"));
    CHECK(fs::is_fifo(fifo));
  }
  const auto dev = run_cli_bounded(dir, {"audit", "verify", "--db", "sqlite:/dev/zero"});
  CHECK(dev.status == 1);
  CHECK(contains(dev.err, "is a character device, not a regular file"));
}

TEST_CASE("cli.validate.against_a_store_names_workflows_edited_in_place") {
  const temp_dir dir("tierflow_cli_audit");
  const std::string url = "sqlite:" + dir.file("tickets.db");
  tf::diagnostics diags;
  const auto cat = tf::load_catalog_files({"workflows"}, diags);
  REQUIRE(cat.has_value());
  const tf::workflow* complaint = cat->find("complaint", 1);
  REQUIRE(complaint != nullptr);
  const std::string loaded = complaint->fingerprint;
  const std::string earlier(64, 'e');

  // Tickets as an engine records them: an `opened` event naming the
  // workflow version and the fingerprint it ran on, and a summary row.
  const auto open_ticket = [&](const std::string& store_url, const std::string& id,
                               std::uint32_t version,
                               std::optional<std::string> fingerprint) {
    tf::event e;
    e.time = local(2026, 11, 24, 9, 0);
    e.actor_id = "crm";
    e.workflow_id = "complaint";
    e.workflow_version = version;
    e.type = tf::event_type::opened;
    e.details = {{"type", "complaint"}, {"channel", "hotline_95598"}, {"customer", "C1001"},
                 {"region", "kunshan"}};
    if (fingerprint) e.details.emplace_back(tf::detail_key::fingerprint, *fingerprint);
    tf::ticket_summary row;
    row.ticket_id = id;
    row.customer_id = "C1001";
    row.ticket_type = "complaint";
    row.workflow_id = "complaint";
    row.workflow_version = version;
    row.state = "received";
    row.opened_at = e.time;
    append_events(store_url, id, {e}, &row);
  };
  open_ticket(url, "T00000001", 1, earlier);
  open_ticket(url, "T00000002", 1, earlier);
  open_ticket(url, "T00000003", 1, std::nullopt);
  open_ticket(url, "T00000004", 7, earlier);  // a version not among the definitions
  if (!loaded.empty()) open_ticket(url, "T00000005", 1, loaded);

  const auto r = run_cli(dir, {"validate", "--against", url, "workflows"});
  INFO(r.out, r.err);
  CHECK(contains(r.out, url + ": warning: workflow complaint@7: 1 stored ticket runs on it, but "
                             "it is not among the definitions loaded here\n"));
  CHECK(contains(r.out, url + ": note: 1 stored ticket has no recorded workflow fingerprint"));
  if (loaded.empty()) {
    // The loader records no fingerprint yet: nothing can be compared.
    CHECK(r.status == 0);
    CHECK(contains(r.out, "note: workflow complaint@1: cannot check it against the 2 stored "
                          "tickets running on it: the loaded definition has no fingerprint"));
  } else {
    CHECK(r.status == 1);
    CHECK(contains(r.out, "workflows/complaint.yaml:"));
    CHECK(contains(r.out, ": error: workflow complaint@1 was edited in place: 2 stored tickets "
                          "run on its earlier content (fingerprint eeeeeeeeeeee… now " +
                              loaded.substr(0, 12) + "…); give the change a new version\n"));
  }

  // A store whose tickets all run on what is loaded passes.
  const temp_dir clean("tierflow_cli_audit");
  const std::string clean_url = "sqlite:" + clean.file("tickets.db");
  const auto missing = run_cli(dir, {"validate", "--against", clean_url, "workflows"});
  CHECK(missing.status == 1);  // not created: an audit never creates a store
  CHECK(contains(missing.err, "tierflow validate: error: cannot open " + clean_url));
  CHECK_FALSE(fs::exists(clean.file("tickets.db")));
  open_ticket(clean_url, "T00000001", 1, loaded.empty() ? std::nullopt : std::optional(loaded));
  const auto passes = run_cli(dir, {"validate", "--against", clean_url, "workflows"});
  CHECK(passes.status == 0);
  CHECK(contains(passes.out, " files: 0 errors, 0 warnings\n"));
  CHECK(run_cli(dir, {"validate", "--against", "memory:", "workflows"}).status == 2);
}
