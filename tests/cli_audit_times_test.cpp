// SPDX-License-Identifier: MIT
// `tierflow audit export --since/--until/--tz` (src/cli/audit_command.cpp):
// a time window over the events, read at --tz (UTC by default) unless the
// time carries "Z" or an offset, on a SQLite store the engine wrote. One
// complaint, worked at three instants (local +08:00): opened 09:00 (01:00Z),
// classified 09:30 (01:30Z), dispatched 10:00 (02:00Z); no timer is let fire.
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

#include "support/cli_runner.hpp"
#include "support/engine_fixture.hpp"
#include "support/scratch_db.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace tf = tierflow;
using namespace std::string_literals;
using tierflow_test::local;
using tierflow_test::shipped;
using tierflow_test::run_cli;
using tierflow_test::temp_dir;

namespace {

// Every engine call fails the test when it fails.
using rig = tierflow_test::engine_fixture;

void act(rig& fx, tf::timestamp at, const std::string& id, const std::string& action,
         const tf::actor& who, const std::string& note = {}) {
  fx.act_at(at, id, action, who, note);
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

struct trail {
  std::string url;
  fs::path file;
  /// How many events the engine wrote at each instant (timers that fell due
  /// in between fire, stamped with their due time, as the clock passes them).
  std::map<tf::timestamp, std::size_t> at;
};

trail write_trail(const temp_dir& dir) {
  trail t;
  t.file = dir.path() / "trail.db";
  t.url = "sqlite:" + t.file.string();
  auto opened = tf::open_store(t.url);
  REQUIRE(opened.has_value());
  std::unique_ptr<tf::store> db = std::move(*opened);
  {
    rig fx(local(2026, 11, 24, 9, 0), shipped(), db.get());
    const tf::actor csr{"csr_li", {"csr"}, ""};
    tf::open_request req;
    req.type = "complaint";
    req.channel = "hotline_95598";
    req.customer_id = "C4004";
    req.customer = {{"region", "gusu"s}};
    req.fields = {{"complaint_class", "service"s}};
    const std::string id = fx.open(req).ticket.id;
    act(fx, local(2026, 11, 24, 9, 30), id, "classify", csr);
    act(fx, local(2026, 11, 24, 10, 0), id, "dispatch", csr);
    for (const auto& e : fx.events(id)) ++t.at[e.time];
  }
  db.reset();
  return t;
}

/// How many events `audit export ARGS…` writes (JSON Lines), the exit status
/// checked 0.
std::size_t exported(const temp_dir& dir, const trail& t, std::vector<std::string> args) {
  args.insert(args.begin(), {"audit", "export", "--db", t.url});
  const auto r = run_cli(dir, args);
  INFO(r.err);
  CHECK(r.status == 0);
  std::size_t n = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line); ++n) CHECK(nlohmann::json::parse(line).is_object());
  return n;
}

}  // namespace

TEST_CASE("cli.audit.export.until_and_tz_window_the_events") {
  const temp_dir dir("tierflow_cli_audit_times");
  const trail t = write_trail(dir);
  // The events in [from, to), as the engine wrote them.
  const auto between = [&](tf::timestamp from, tf::timestamp to) {
    std::size_t n = 0;
    for (const auto& [when, count] : t.at)
      if (when >= from && when < to) n += count;
    return n;
  };
  const tf::timestamp half_past = local(2026, 11, 24, 9, 30), ten = local(2026, 11, 24, 10, 0);
  const std::size_t opened = between(local(2026, 11, 1, 0, 0), half_past);
  const std::size_t classified = between(half_past, ten);
  const std::size_t dispatched = between(ten, local(2026, 12, 1, 0, 0));
  REQUIRE(opened > 0);
  REQUIRE(classified > 0);
  REQUIRE(dispatched > 0);
  const std::size_t all = opened + classified + dispatched;

  CHECK(exported(dir, t, {}) == all);
  // [since, until), as written with Z or an offset.
  CHECK(exported(dir, t, {"--since", "2026-11-24T01:30:00Z", "--until", "2026-11-24T02:00:00Z"}) ==
        classified);
  CHECK(exported(dir, t, {"--since", "2026-11-24T09:30+08:00", "--until", "2026-11-24T10:00+08:00"}) ==
        classified);
  CHECK(exported(dir, t, {"--until", "2026-11-24T01:30:00Z"}) == opened);
  CHECK(exported(dir, t, {"--until", "2026-11-24T01:30:01Z"}) ==
        between(local(2026, 11, 1, 0, 0), half_past + std::chrono::seconds{1}));
  // Without an offset: at --tz; by default UTC (the audit reads no definitions).
  CHECK(exported(dir, t, {"--tz", "+08:00", "--since", "2026-11-24T09:30", "--until",
                          "2026-11-24T10:00"}) == classified);
  CHECK(exported(dir, t, {"--since", "2026-11-24T01:30", "--until", "2026-11-24T02:00"}) ==
        classified);
  CHECK(exported(dir, t, {"--since", "2026-11-24T09:30"}) == 0);  // 09:30 UTC: after them all
  CHECK(exported(dir, t, {"--tz", "Z", "--since", "2026-11-24T02:00"}) == dispatched);
  // An offset in the text wins over --tz.
  CHECK(exported(dir, t, {"--tz", "-05:00", "--since", "2026-11-24T02:00Z"}) == dispatched);
  // A date is its midnight at --tz (UTC by default).
  CHECK(exported(dir, t, {"--since", "2026-11-24"}) == all);
  CHECK(exported(dir, t, {"--until", "2026-11-24"}) == 0);
  CHECK(exported(dir, t, {"--tz", "-05:00", "--since", "2026-11-24"}) == 0);  // 05:00Z
  CHECK(exported(dir, t, {"--tz", "-02:00", "--until", "2026-11-24"}) == opened + classified);
  CHECK(exported(dir, t, {"--tz", "+08:00", "--since", "2026-11-24", "--until", "2026-11-25"}) ==
        all);
  CHECK(exported(dir, t, {"--tz", "+02:00", "--since", "2026-11-24T03:30"}) == classified + dispatched);

  // CSV keeps its one header with a window.
  const auto csv = run_cli(dir, {"audit", "export", "--db", t.url, "--format", "csv", "--until",
                                 "2026-11-24T01:30:00Z"});
  CHECK(csv.status == 0);
  std::size_t rows = 0;
  for (auto at = csv.out.find("\r\n"); at != std::string::npos; at = csv.out.find("\r\n", at + 2))
    ++rows;
  CHECK(rows == opened + 1);
  CHECK(csv.out.rfind("ticket,sequence,", 0) == 0);
}

TEST_CASE("cli.audit.export.malformed_until_or_tz_is_a_usage_error_naming_the_option") {
  const temp_dir dir("tierflow_cli_audit_times");
  const fs::path never = dir.path() / "never.db";
  const std::string url = "sqlite:" + never.string();
  const auto usage = [&](std::vector<std::string> args, std::string_view says) {
    args.insert(args.begin(), {"audit", "export", "--db", url});
    const auto r = run_cli(dir, args);
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, says));
  };
  usage({"--until", "2026-13-01"}, "--until '2026-13-01': ");
  usage({"--until", "tomorrow"}, "--until 'tomorrow': ");
  usage({"--since", "2026-11-24 09:00"}, "--since '2026-11-24 09:00': ");
  usage({"--since", "2026-11-24T09:00+24:00"}, "--since '2026-11-24T09:00+24:00': ");
  usage({"--tz", "+8"}, "--tz: invalid UTC offset '+8'");
  usage({"--tz", "Asia/Shanghai", "--since", "2026-11-24"}, "--tz: invalid UTC offset 'Asia/Shanghai'");
  CHECK_FALSE(fs::exists(never));  // a usage error opens nothing
  const auto help = run_cli(dir, {"audit", "export", "--help"});
  CHECK(help.status == 0);
  CHECK(contains(help.out, "--until"));
  CHECK(contains(help.out, "--tz"));
}
