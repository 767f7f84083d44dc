// SPDX-License-Identifier: MIT
// How long `tierflow audit verify` takes over a SQLite store of 10^6
// events, without and with --checkpoints (one checkpoint over every
// stream), in one run: the figure the issue asks for, and the ratio of the
// two (the shared machine's speed cancels out of it).
//
// Run:
//   cmake --build build --target tierflow tierflow_bench_audit_verify_bench
//   build/tests/bench/audit_verify_bench [--tickets 100000] [--events 10] [--rounds 3]
//
// A generator writes TICKETS streams of EVENTS sealed `noted` events each
// (details of the size an engine writes) straight through the store API
// (group commit, one append per ticket), then the real tool takes a key
// pair and one checkpoint, and each variant of `tierflow audit verify` runs
// ROUNDS times, alternating; the medians are printed. The tool is found
// beside the build tree (build/tierflow, two levels above this program) or
// at $TIERFLOW_CLI. The store lives in a fresh directory under
// $TIERFLOW_BENCH_DIR (default: the system temp directory), removed after.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <tierflow/audit.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/store_options.hpp>

namespace fs = std::filesystem;
namespace tf = tierflow;
using seconds_f = std::chrono::duration<double>;

namespace {

struct options {
  std::uint64_t tickets = 100'000;
  std::uint64_t events = 10;
  int rounds = 3;
};

std::string sh_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

fs::path cli_path() {
  if (const char* env = std::getenv("TIERFLOW_CLI")) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return self.parent_path().parent_path().parent_path() / "tierflow";
}

/// Runs the shell command, its output discarded; the wall time, or a
/// negative value when it does not exit with `expected`.
double timed(const std::string& command, int expected = 0) {
  const auto t0 = std::chrono::steady_clock::now();
  const int raw = std::system((command + " >/dev/null 2>&1").c_str());
  const double s = seconds_f(std::chrono::steady_clock::now() - t0).count();
  if (raw == -1 || !WIFEXITED(raw) || WEXITSTATUS(raw) != expected) return -1;
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// TICKETS streams of EVENTS events each, one append per stream.
bool generate(const std::string& url, const options& o) {
  tf::store_options so;
  so.mode = tf::durability::group_commit;
  auto opened = tf::open_store(url, so);
  if (!opened) {
    std::fprintf(stderr, "audit_verify_bench: %s\n", opened.error().message().c_str());
    return false;
  }
  tf::store& s = **opened;
  const tf::timestamp t0{std::chrono::seconds{1'795'000'000}};
  std::vector<tf::event> batch(o.events);
  for (std::uint64_t t = 1; t <= o.tickets; ++t) {
    char id[16];
    std::snprintf(id, sizeof id, "T%08llu", static_cast<unsigned long long>(t));
    for (std::uint64_t i = 0; i < o.events; ++i) {
      tf::event& e = batch[i];
      e.ticket_id = id;
      e.sequence = i + 1;
      e.time = t0 + std::chrono::seconds(static_cast<std::int64_t>(t * 60 + i));
      e.actor_id = "rm_zhang";
      e.workflow_id = "complaint";
      e.workflow_version = 1;
      e.type = tf::event_type::noted;
      e.details = {{"action", "add_note"},
                   {"note", "called the customer back about the outage in wuzhong district"},
                   {"unit", "regional_account_manager"},
                   {"region", "wuzhong"}};
    }
    (void)tf::seal(batch, tf::event_hash{});
    tf::append_request request;
    request.ticket_id = id;
    request.expected_version = 0;
    request.events = batch;
    if (auto r = s.append(request); !r) {
      std::fprintf(stderr, "audit_verify_bench: %s\n", r.error().message().c_str());
      return false;
    }
  }
  return s.flush().has_value();
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const auto value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--tickets")
      o.tickets = value;
    else if (flag == "--events")
      o.events = value;
    else if (flag == "--rounds")
      o.rounds = static_cast<int>(value);
  }
  if (o.tickets == 0 || o.events == 0 || o.rounds <= 0) {
    std::fprintf(stderr, "usage: audit_verify_bench [--tickets N] [--events N] [--rounds N]\n");
    return 2;
  }
  const fs::path cli = cli_path();
  if (!fs::exists(cli)) {
    std::fprintf(stderr,
                 "audit_verify_bench: no tierflow tool at %s (build it, or set TIERFLOW_CLI)\n",
                 cli.c_str());
    return 2;
  }
  const char* base_env = std::getenv("TIERFLOW_BENCH_DIR");
  const fs::path base = base_env ? fs::path(base_env) : fs::temp_directory_path();
  const fs::path dir = base / ("tierflow_audit_verify_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  struct cleanup {
    fs::path dir;
    ~cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } remove_after{dir};

  const std::string url = "sqlite:" + (dir / "store.db").string();
  const std::string tool = sh_quote(cli.string());
  const std::string secret = sh_quote((dir / "checkpoint.key").string());
  const std::string pub = sh_quote((dir / "checkpoint.pub").string());
  const std::string log = sh_quote((dir / "checkpoints.jsonl").string());

  std::printf("store: %llu tickets x %llu events = %llu events\n",
              static_cast<unsigned long long>(o.tickets), static_cast<unsigned long long>(o.events),
              static_cast<unsigned long long>(o.tickets * o.events));
  const auto g0 = std::chrono::steady_clock::now();
  if (!generate(url, o)) return 1;
  std::printf("generated in %.1f s (%.0f MB)\n",
              seconds_f(std::chrono::steady_clock::now() - g0).count(),
              static_cast<double>(fs::file_size(dir / "store.db")) / 1e6);

  if (timed(tool + " audit keygen --secret-key " + secret + " --public-key " + pub) < 0) {
    std::fprintf(stderr, "audit_verify_bench: keygen failed\n");
    return 1;
  }
  const double checkpoint_s = timed(tool + " audit checkpoint --db " + sh_quote(url) +
                                    " --secret-key " + secret + " --out " + log);
  if (checkpoint_s < 0) {
    std::fprintf(stderr, "audit_verify_bench: checkpoint failed\n");
    return 1;
  }

  const std::string plain = tool + " audit verify --db " + sh_quote(url);
  const std::string anchored = plain + " --checkpoints " + log + " --public-key " + pub;
  std::vector<double> plain_s, anchored_s;
  for (int r = 0; r < o.rounds; ++r) {
    const double a = timed(plain);
    const double b = timed(anchored);
    if (a < 0 || b < 0) {
      std::fprintf(stderr, "audit_verify_bench: verify did not pass\n");
      return 1;
    }
    std::printf("round %d: verify %.2f s, verify --checkpoints %.2f s\n", r + 1, a, b);
    plain_s.push_back(a);
    anchored_s.push_back(b);
  }
  const double p = median(plain_s);
  const double c = median(anchored_s);
  std::printf("\n%-48s %10s\n", "median of the rounds", "seconds");
  std::printf("%-48s %10.2f\n", "tierflow audit checkpoint (one, every stream)", checkpoint_s);
  std::printf("%-48s %10.2f\n", "tierflow audit verify", p);
  std::printf("%-48s %10.2f\n", "tierflow audit verify --checkpoints", c);
  std::printf("%-48s %10.2f\n", "ratio (with / without)", c / p);
  std::printf("%-48s %10.2f\n", "microseconds per event, without",
              p * 1e6 / static_cast<double>(o.tickets * o.events));
  std::printf("%-48s %10.2f\n", "microseconds per event, with",
              c * 1e6 / static_cast<double>(o.tickets * o.events));
  return 0;
}
