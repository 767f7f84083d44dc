// SPDX-License-Identifier: MIT
// How long `tierflow report` takes over a SQLite store of about 10^6 events,
// and how much memory it holds at its peak, beside `tierflow audit verify`
// over the same store in the same run: verify reads and hashes every event
// too, so the ratio of the two is the report's own cost, whatever the
// shared machine's speed.
//
// Run:
//   cmake --build build --target tierflow tierflow_example_05_month_of_service
//   cmake --build build --target tierflow_bench_report_bench
//   build/tests/bench/report_bench [--tickets 20000] [--rounds 3]
//
// The store is written by the month-of-service example (the real engine on
// the shipped workflows, a month of tickets of every type: build/examples/
// 05_month_of_service, or $TIERFLOW_MONTH_EXAMPLE), in a fresh directory
// under $TIERFLOW_BENCH_DIR (default: the system temp directory), removed
// after. Each round runs verify, then the report of the month as JSON; the
// medians of the wall times and the largest peak resident set of each
// (getrusage of the child) are printed.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>

namespace fs = std::filesystem;
namespace tf = tierflow;
using seconds_f = std::chrono::duration<double>;

namespace {

struct options {
  std::uint64_t tickets = 20'000;  // about 10^6 events: the example writes ~50 a ticket
  int rounds = 3;
};

/// The build tree's root: this program is build/tests/bench/report_bench.
fs::path build_root() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path().parent_path();
}

fs::path tool_path(const char* env, const fs::path& fallback) {
  if (const char* value = std::getenv(env)) return value;
  return fallback;
}

/// One child's wall time and peak resident set.
struct run_result {
  bool ok = false;
  double seconds = 0;
  double peak_mb = 0;
};

/// Runs argv with stdout and stderr sent to /dev/null (stderr kept when
/// `show_errors`), and waits for it; ok when it exits 0.
run_result run(const std::vector<std::string>& argv, bool show_errors = true) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The child inherits unflushed stdio buffers: flush, or it prints them again.
  std::fflush(nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::FILE* null_out = std::freopen("/dev/null", "w", stdout);
    (void)null_out;
    if (!show_errors) {
      std::FILE* null_err = std::freopen("/dev/null", "w", stderr);
      (void)null_err;
    }
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  run_result r;
  if (pid < 0) return r;
  int status = 0;
  struct rusage usage {};
  if (::wait4(pid, &status, 0, &usage) != pid) return r;
  r.seconds = seconds_f(std::chrono::steady_clock::now() - t0).count();
  r.peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
  r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// Events in the store: the sum of every stream's length.
std::uint64_t count_events(const std::string& url) {
  tf::store_options so;
  so.read_only = true;
  auto opened = tf::open_store(url, so);
  if (!opened) return 0;
  auto ids = (*opened)->streams();
  if (!ids) return 0;
  std::uint64_t n = 0;
  for (const auto& id : *ids) {
    auto head = (*opened)->head(id);
    if (head) n += head->version;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const auto value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--tickets")
      o.tickets = value;
    else if (flag == "--rounds")
      o.rounds = static_cast<int>(value);
  }
  if (o.tickets == 0 || o.rounds <= 0) {
    std::fprintf(stderr, "usage: report_bench [--tickets N] [--rounds N]\n");
    return 2;
  }
  const fs::path root = build_root();
  const fs::path cli = tool_path("TIERFLOW_CLI", root / "tierflow");
  const fs::path month = tool_path("TIERFLOW_MONTH_EXAMPLE", root / "examples" / "05_month_of_service");
  for (const auto& p : {cli, month}) {
    if (!fs::exists(p)) {
      std::fprintf(stderr, "report_bench: no %s (build it first)\n", p.c_str());
      return 2;
    }
  }
  const fs::path workflows = fs::path(TIERFLOW_SOURCE_DIR) / "workflows";
  const char* base_env = std::getenv("TIERFLOW_BENCH_DIR");
  const fs::path base = base_env ? fs::path(base_env) : fs::temp_directory_path();
  const fs::path dir = base / ("tierflow_report_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  struct cleanup {
    fs::path dir;
    ~cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } remove_after{dir};

  const std::string url = "sqlite:" + (dir / "month.db").string();
  const auto generated =
      run({month.string(), url, "--tickets", std::to_string(o.tickets)});
  if (!generated.ok) {
    std::fprintf(stderr, "report_bench: the month-of-service example failed\n");
    return 1;
  }
  const std::uint64_t events = count_events(url);
  std::printf("store: %llu tickets, %llu events, %.0f MB, written in %.1f s\n",
              static_cast<unsigned long long>(o.tickets),
              static_cast<unsigned long long>(events),
              static_cast<double>(fs::file_size(dir / "month.db")) / 1e6, generated.seconds);

  const std::vector<std::string> verify{cli.string(), "audit", "verify", "--db", url};
  const std::vector<std::string> report{cli.string(),        "report",    "--db",
                                        url,                 "--workflows", workflows.string(),
                                        "--from",            "2026-11-01", "--to",
                                        "2026-12-01",        "--by",        "tier,region",
                                        "--format",          "json"};
  std::vector<double> verify_s, report_s;
  double verify_mb = 0, report_mb = 0;
  for (int r = 0; r < o.rounds; ++r) {
    const auto v = run(verify);
    const auto k = run(report);
    if (!v.ok || !k.ok) {
      std::fprintf(stderr, "report_bench: %s failed\n", v.ok ? "report" : "audit verify");
      return 1;
    }
    std::printf("round %d: audit verify %.2f s (%.0f MB), report %.2f s (%.0f MB)\n", r + 1,
                v.seconds, v.peak_mb, k.seconds, k.peak_mb);
    verify_s.push_back(v.seconds);
    report_s.push_back(k.seconds);
    verify_mb = std::max(verify_mb, v.peak_mb);
    report_mb = std::max(report_mb, k.peak_mb);
  }
  const double v = median(verify_s);
  const double k = median(report_s);
  std::printf("\n%-44s %10s %10s\n", "median of the rounds", "seconds", "peak MB");
  std::printf("%-44s %10.2f %10.0f\n", "tierflow audit verify (baseline)", v, verify_mb);
  std::printf("%-44s %10.2f %10.0f\n", "tierflow report --by tier,region", k, report_mb);
  std::printf("%-44s %10.2f\n", "ratio (report / verify)", k / v);
  std::printf("%-44s %10.2f\n", "microseconds per event, report",
              k * 1e6 / static_cast<double>(events == 0 ? 1 : events));
  return 0;
}
