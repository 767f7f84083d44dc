// SPDX-License-Identifier: MIT
// One engine process under load on a store: opens its own tickets, then takes
// the complaint's note action `report_skip_level_risk` on them, round-robin,
// for a fixed time, and prints the commands per second. tests/bench/pg_bench.sh
// runs one and then two of these at once against a throwaway PostgreSQL
// server, next to pgbench on the same server.
//
//   pg_load URL SECONDS [TICKETS] [START_AT]
//
// URL: any store URL (`postgresql://…`, `sqlite:PATH`, `memory:`); when "-",
//   the environment variable TIERFLOW_PG_URL.
// SECONDS: how long to run commands.
// TICKETS: how many tickets this process opens and cycles through (64).
//   Each process opens its own, so processes never contend for a ticket:
//   what is measured is the store's throughput, not version races.
// START_AT: a Unix time in milliseconds to start the timed run at, after
//   the tickets are open, so that several processes run their commands over
//   the same interval (the script passes one to both). Default: at once.
//
// Output, one line, for the script: `pg_load commands=N seconds=S
// commands_per_s=R start_ms=A end_ms=B` (A and B: Unix milliseconds of the
// timed interval, to check that concurrent runs overlapped), and on a
// PostgreSQL store ` round_trips_per_open=O round_trips_per_command=C`
// (postgres_store::round_trips over the opens and over the timed commands;
// built only when TIERFLOW_WITH_POSTGRES is defined for this program, as
// tests/CMakeLists.txt does when the backend is built). Exit status 1 with
// a message on any error: a failed command is never counted.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <tierflow/engine.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/open_store.hpp>
#if TIERFLOW_WITH_POSTGRES
#include <tierflow/postgres_store.hpp>
#endif

#include "bench_scenario.hpp"

namespace {

using namespace tierflow;
using tierflow_bench::csr;
using tierflow_bench::key_complaint;

// The store's round trips so far, when it counts them (a PostgreSQL store).
std::optional<std::uint64_t> round_trips(const store& st) {
#if TIERFLOW_WITH_POSTGRES
  if (const auto* pg = dynamic_cast<const postgres_store*>(&st)) return pg->round_trips();
#endif
  static_cast<void>(st);
  return std::nullopt;
}

// " NAME=R" with R = the growth of the round trip count from `from` to `to`
// per `count`; empty when the store does not count them.
std::string per(const char* name, const std::optional<std::uint64_t>& from,
                const std::optional<std::uint64_t>& to, std::uint64_t count) {
  if (!from || !to || count == 0) return {};
  char out[96];
  std::snprintf(out, sizeof out, " %s=%.2f", name,
                static_cast<double>(*to - *from) / static_cast<double>(count));
  return out;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "pg_load: %s\n", what.c_str());
  return 1;
}

bool parse_number(std::string_view text, long long& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  const std::string s(text);
  out = std::strtoll(s.c_str(), &end, 10);
  return end != nullptr && *end == '\0' && out >= 0;
}

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: pg_load URL|- SECONDS [TICKETS] [START_AT_UNIX_MS]\n");
    return 2;
  }
  std::string url = argv[1];
  if (url == "-") {
    const char* env = std::getenv("TIERFLOW_PG_URL");
    if (env == nullptr || *env == '\0') return fail("URL is \"-\" but TIERFLOW_PG_URL is not set");
    url = env;
  }
  long long seconds = 0;
  long long tickets = 64;
  long long start_at = 0;
  if (!parse_number(argv[2], seconds) || seconds == 0)
    return fail("SECONDS must be a positive integer");
  if (argc > 3 && (!parse_number(argv[3], tickets) || tickets == 0))
    return fail("TICKETS must be a positive integer");
  if (argc > 4 && !parse_number(argv[4], start_at))
    return fail("START_AT must be Unix milliseconds");

  auto st = open_store(url);
  if (!st) return fail(st.error().message());

  // The engine's clock stands still: no timer comes due during the run, so
  // every command is the same note action.
  const timestamp now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  manual_clock clk{now};
  auto eng = engine::create(tierflow_bench::shipped(), engine_options{&clk, st->get(), nullptr, "T", {}});
  if (!eng) return fail(eng.error().message());

  std::vector<std::string> ids;
  const auto before_opens = round_trips(**st);
  for (long long i = 0; i < tickets; ++i) {
    auto o = (*eng)->open(key_complaint(static_cast<std::size_t>(i)));
    if (!o) return fail("opening a ticket: " + o.error().message());
    ids.push_back(o->ticket.id);
  }
  const auto after_opens = round_trips(**st);
  const std::string note = "customer says they will call 12398 if it is not solved today";

  if (start_at > 0) {
    const std::chrono::system_clock::time_point at{std::chrono::milliseconds{start_at}};
    if (std::chrono::system_clock::now() > at)
      std::fprintf(stderr,
                   "pg_load: warning: tickets opened after the start time; starting late\n");
    std::this_thread::sleep_until(at);
  }

  const auto before_commands = round_trips(**st);
  const auto wall_start = std::chrono::system_clock::now();
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::seconds{seconds};
  std::uint64_t commands = 0;
  std::size_t next = 0;
  auto t1 = t0;
  while (t1 < deadline) {
    auto v = (*eng)->act(act_request{ids[next], "report_skip_level_risk", csr, note, {}});
    if (!v) return fail("command on " + ids[next] + ": " + v.error().message());
    next = (next + 1) % ids.size();
    ++commands;
    t1 = std::chrono::steady_clock::now();
  }
  const auto after_commands = round_trips(**st);
  if (auto f = (*st)->flush(); !f) return fail("flush: " + f.error().message());
  const auto wall_end = std::chrono::system_clock::now();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string trips =
      per("round_trips_per_open", before_opens, after_opens, static_cast<std::uint64_t>(tickets)) +
      per("round_trips_per_command", before_commands, after_commands, commands);
  std::printf("pg_load commands=%llu seconds=%.3f commands_per_s=%.1f start_ms=%lld end_ms=%lld%s\n",
              static_cast<unsigned long long>(commands), elapsed,
              static_cast<double>(commands) / elapsed, static_cast<long long>(unix_ms(wall_start)),
              static_cast<long long>(unix_ms(wall_end)), trips.c_str());
  return 0;
}
