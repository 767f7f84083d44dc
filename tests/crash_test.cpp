// SPDX-License-Identifier: MIT
// Crash safety of the SQLite store and restart of the engine (issue #4).
//
// "killed at random moments": tests/tools/crash_writer runs the engine on
// one database file, acknowledging every command on a pipe after it
// returns; this test kills it with SIGKILL after a random number of
// acknowledgements (or before it is up), many times over the same file, and
// after every kill reopens the file and checks that
// - every acknowledged command is there, unchanged: the stream is at least
//   at the acknowledged version and the event there has the acknowledged
//   hash;
// - no command is partly there: every ticket's summary (written in the same
//   append as the command's events) is at the stream's length and equals
//   the fold of the stored events, every stream opens with opened + routed;
// - every hash chain verifies against the head the store recorded;
// - a fresh engine restores from the file, and replay equals its view.
//
// "reopen and carry on": an engine restarted on a file restores every open
// ticket and pending timer; timers that fell due while it was down fire on
// the next advance, in due order across tickets, each once, exactly as if
// the engine had never stopped.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/tierflow.hpp>
#include <tierflow/open_store.hpp>

#include "engine_checks.hpp"
#include "support/engine_fixture.hpp"
#include "support/forwarding_store.hpp"
#include "support/scratch_db.hpp"
#include "test_support.hpp"
#include "engine/ticket_record.hpp"

extern char** environ;

namespace {

namespace tf = tierflow;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using tierflow_test::rng;
using tierflow_test::shipped;
using tierflow_test::scratch_sqlite;

std::string hex(std::uint64_t x) {
  std::ostringstream os;
  os << "0x" << std::hex << x;
  return os.str();
}

tf::store& open_or_fail(std::unique_ptr<tf::store>& holder, const fs::path& db) {
  auto st = tf::open_store("sqlite:" + db.string());
  REQUIRE_MESSAGE(st.has_value(), st.error().message());
  holder = std::move(*st);
  return *holder;
}

// --- the writer process -------------------------------------------------------------------------

/// One run of crash_writer: spawned with its stdout on a pipe and its
/// stderr in a file, read line by line (blocking on the pipe), killed.
class writer_process {
 public:
  writer_process(const fs::path& db, std::uint64_t seed, const std::string& mode, const fs::path& err_file)
      : err_file_(err_file) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read_fd_ = fds[0];
    posix_spawn_file_actions_t actions;
    REQUIRE(posix_spawn_file_actions_init(&actions) == 0);
    // dup2 onto 1 clears close-on-exec for the child's stdout only.
    REQUIRE(posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO) == 0);
    REQUIRE(posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(),
                                             O_WRONLY | O_CREAT | O_TRUNC, 0644) == 0);
    const std::string exe = TIERFLOW_TOOLS_DIR "/crash_writer";
    const std::string seed_text = std::to_string(seed);
    std::vector<std::string> args{exe, db.string(), seed_text, "--mode", mode};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    REQUIRE_MESSAGE(rc == 0, "cannot start " << exe << ": " << std::strerror(rc));
  }
  ~writer_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (read_fd_ >= 0) ::close(read_fd_);
  }
  writer_process(const writer_process&) = delete;
  writer_process& operator=(const writer_process&) = delete;

  /// The next whole line, blocking until it arrives; nullopt at the end of
  /// the stream (the writer is gone). A last line without its newline was
  /// cut off and is not returned.
  std::optional<std::string> next_line() {
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (eof_) return std::nullopt;
      char chunk[4096];
      const ssize_t n = ::read(read_fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      REQUIRE_MESSAGE(n >= 0, "reading the writer's output: " << std::strerror(errno));
      if (n == 0)
        eof_ = true;
      else
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  /// SIGKILL, then waits for it. Returns whether it was still running (it
  /// died of this signal rather than exiting by itself).
  bool kill() {
    REQUIRE(::kill(pid_, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid_, &status, 0) == pid_);
    pid_ = -1;
    status_ = status;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }

  /// How it ended and what it said on stderr, for failure messages.
  [[nodiscard]] std::string describe_end() const {
    std::ostringstream os;
    if (WIFEXITED(status_))
      os << "exited with " << WEXITSTATUS(status_);
    else if (WIFSIGNALED(status_))
      os << "killed by signal " << WTERMSIG(status_);
    std::ifstream err(err_file_);
    os << "; stderr: " << std::string(std::istreambuf_iterator<char>(err), {});
    return os.str();
  }

 private:
  fs::path err_file_;
  pid_t pid_ = -1;
  int read_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  int status_ = 0;
};

// --- checking a database after a kill ----------------------------------------------------------------

/// An acknowledged state of a stream: at `version`, its last hash `hash`.
struct fact {
  std::string stream;
  std::uint64_t version = 0;
  std::string hash;
};

std::optional<fact> parse_ack(const std::string& line) {
  std::istringstream in(line);
  std::string word;
  fact f;
  if (!(in >> word) || word != "ack" || !(in >> f.stream >> f.version >> f.hash)) return std::nullopt;
  if (f.version == 0 || f.hash.size() != 64) return std::nullopt;
  return f;
}

/// What a database holds, for the checks and for the next run's.
struct db_state {
  /// Every stream's length.
  std::map<std::string, std::uint64_t> versions;
  /// The last event's time over all streams.
  tf::timestamp last{};
};

// Checks a database the writer was killed on. `durable`: acknowledgements
// that must be there; `maybe`: acknowledgements that may have been lost
// (group commit, not yet flushed), but if their version is there it must be
// theirs. Returns the first problem found, or "" and fills `out`.
std::string check_database(const fs::path& db, const tf::detail::compiled_catalog& cc,
                           const std::vector<fact>& durable, const std::vector<fact>& maybe,
                           db_state& out) {
  auto opened = tf::open_store("sqlite:" + db.string());
  if (!opened) return "reopening: " + opened.error().message();
  tf::store& st = **opened;
  auto ids = st.streams();
  if (!ids) return "streams(): " + ids.error().message();
  if (!std::is_sorted(ids->begin(), ids->end())) return "streams() is not sorted";
  std::map<std::string, std::vector<tf::event>> streams;
  std::set<std::string> open_by_summary;
  out = {};
  for (const auto& id : *ids) {
    auto events = st.load(id);
    if (!events) return "load " + id + ": " + events.error().message();
    auto head = st.head(id);
    if (!head) return "head " + id + ": " + head.error().message();
    if (events->empty()) return "streams() lists " + id + ", which has no events";
    if (head->version != events->size())
      return id + ": head says version " + std::to_string(head->version) + ", the stream has " +
             std::to_string(events->size()) + " events";
    if (auto ok = tf::verify(*events, head->head); !ok) return id + ": chain broken: " + ok.error().message();
    for (std::size_t i = 1; i < events->size(); ++i)
      if ((*events)[i].time < (*events)[i - 1].time)
        return id + ": event " + std::to_string(i + 1) + " is earlier than its predecessor";
    out.last = std::max(out.last, events->back().time);
    out.versions[id] = events->size();
    // The log of commands denied on unknown tickets, and each ticket's own
    // denial stream (denial_stream_of): denied events only.
    if (id == tf::engine::denial_log_id || id.starts_with(tf::denial_stream_prefix)) {
      for (const auto& e : *events)
        if (e.type != tf::event_type::denied) return "the denial log holds " + tierflow_test::describe(e);
    } else {
      // An open command writes at least `opened` and `routed`; a stream
      // with less is half an open.
      if (events->size() < 2 || (*events)[0].type != tf::event_type::opened ||
          (*events)[1].type != tf::event_type::routed)
        return id + ": does not start with opened, routed:" + tierflow_test::describe(*events);
      // The summary is written in the same append as the command's events,
      // computed after the last of them: at the stream's length and equal
      // to the fold of the stored events only if the append was whole.
      auto summary = st.summary(id);
      if (!summary) return "summary " + id + ": " + summary.error().message();
      if (summary->version != events->size())
        return id + ": summary at version " + std::to_string(summary->version) + ", the stream has " +
               std::to_string(events->size()) + " events";
      const auto replayed = tf::detail::replay(cc, *events);
      if (!replayed) return id + ": the stored events do not fold: " + replayed.error().message();
      const tf::ticket_summary folded = replayed->summary();
      if (!(folded == *summary))
        return id + ": the stored summary is not the fold of the stored events (state " + summary->state +
               " vs " + folded.state + ", next timer " +
               (summary->next_timer ? tierflow_test::iso(*summary->next_timer) : "-") + " vs " +
               (folded.next_timer ? tierflow_test::iso(*folded.next_timer) : "-") + ")";
      if (!summary->closed) open_by_summary.insert(id);
    }
    streams.emplace(id, std::move(*events));
  }
  auto open = st.open_tickets();
  if (!open) return "open_tickets(): " + open.error().message();
  std::set<std::string> open_listed;
  for (const auto& s : *open) open_listed.insert(s.ticket_id);
  if (open_listed != open_by_summary) return "open_tickets() disagrees with the tickets' summaries";

  // Every acknowledged command is there, unchanged.
  const auto check_fact = [&](const fact& f, bool must) -> std::string {
    const auto it = streams.find(f.stream);
    const std::uint64_t have = it == streams.end() ? 0 : it->second.size();
    if (have < f.version) {
      if (!must) return {};
      return "acknowledged " + f.stream + " at version " + std::to_string(f.version) +
             ", the file has " + std::to_string(have) + " events";
    }
    const std::string stored = tf::to_hex(it->second[f.version - 1].hash);
    if (stored != f.hash)
      return "acknowledged " + f.stream + " version " + std::to_string(f.version) + " with hash " + f.hash +
             ", the file has " + stored;
    return {};
  };
  for (const fact& f : durable)
    if (auto err = check_fact(f, true); !err.empty()) return err;
  for (const fact& f : maybe)
    if (auto err = check_fact(f, false); !err.empty()) return err;

  // A fresh engine restores from the file; replay equals its view.
  tierflow_test::engine_fixture eng(out.last, shipped(), &st);
  for (const auto& [id, events] : streams) {
    if (id == tf::engine::denial_log_id || id.starts_with(tf::denial_stream_prefix)) continue;
    auto view = eng->view(id);
    if (!view) return "view " + id + ": " + view.error().message();
    auto replayed = eng->replay(id);
    if (!replayed) return "replay " + id + ": " + replayed.error().message();
    if (!(*view == *replayed)) return id + ": replay differs from the restored view";
    if (view->version != events.size()) return id + ": the restored view is at another version";
    if (auto ok = eng->verify(id); !ok) return "engine::verify " + id + ": " + ok.error().message();
  }
  return {};
}

constexpr int kills = 60;
constexpr std::uint64_t base_seed = 0xc4a5'0000;

}  // namespace

TEST_CASE("engine.crash.sigkill_at_random_moments_loses_no_acknowledged_command") {
  const scratch_sqlite scratch("tierflow-crash", "crash.db");
  const fs::path db = scratch.path();
  const fs::path err_file = scratch.dir().path() / "writer.stderr";
  const tf::detail::compiled_catalog cc = tf::detail::compile(shipped());

  std::vector<fact> durable;  // acknowledged and durable: there for good
  db_state state;
  std::size_t acks = 0, carried_on = 0, group_runs = 0, lost_unflushed = 0;
  for (int i = 0; i < kills; ++i) {
    const std::uint64_t seed = base_seed + static_cast<std::uint64_t>(i);
    // Every fifth run commits in groups: acknowledgements are durable only
    // once a `flushed` line follows them.
    const bool group = i % 5 == 4;
    const std::string mode = group ? "group_commit" : "per_command";
    // The writer's choices follow from its seed and the file it finds.
    INFO("kill " << i << ", writer seed " << seed << " (" << hex(seed) << "), " << mode);
    rng r(seed ^ 0x6b696c6cULL);
    // 0: at once (maybe before it opened the file: the first kill may hit
    // the schema being created); 1: once it is up; else after 1..40
    // acknowledgements. The writer never pauses, so the kill always lands
    // in the middle of something: most often a commit.
    const std::size_t plan = i == 0 ? 0 : r.below(10);
    const std::size_t wanted = plan < 2 ? 0 : static_cast<std::size_t>(r.between(1, 40));

    std::vector<fact> run_acks;
    std::size_t flushed_upto = 0;  // run_acks before this index are flushed
    bool ended_early = false;
    writer_process w(db, seed, mode, err_file);
    const auto take = [&](const std::string& line) {
      if (line == "ready") return;
      if (line == "flushed") {
        flushed_upto = run_acks.size();
        return;
      }
      const auto f = parse_ack(line);
      REQUIRE_MESSAGE(f.has_value(), "the writer printed '" << line << "'");
      run_acks.push_back(*f);
    };
    if (plan == 1) {
      const auto line = w.next_line();
      if (!line) ended_early = true;
      else REQUIRE_MESSAGE(*line == "ready", "the writer printed '" << *line << "'");
    }
    while (!ended_early && run_acks.size() < wanted) {
      const auto line = w.next_line();
      if (!line) ended_early = true;
      else take(*line);
    }
    const bool killed = w.kill();
    REQUIRE_MESSAGE((killed && !ended_early), "the writer stopped by itself: " << w.describe_end());
    // What it wrote before it died was acknowledged too.
    while (const auto line = w.next_line()) take(*line);
    acks += run_acks.size();

    std::vector<fact> maybe;
    for (std::size_t k = 0; k < run_acks.size(); ++k)
      (!group || k < flushed_upto ? durable : maybe).push_back(run_acks[k]);
    const db_state before = state;
    const std::string err = check_database(db, cc, durable, maybe, state);
    REQUIRE_MESSAGE(err.empty(), err);

    // The run carried on from the last: tickets of earlier runs moved.
    for (const auto& [id, version] : before.versions)
      if (id != tf::engine::denial_log_id && state.versions.count(id) != 0 && state.versions[id] > version) {
        ++carried_on;
        break;
      }
    if (group) {
      ++group_runs;
      for (const fact& f : maybe)
        if (state.versions[f.stream] < f.version) {
          ++lost_unflushed;
          break;
        }
    }
    // Acknowledgements that were not durable and are gone may be taken by
    // the next run's commands: only the durable ones stay checked.
    if (!(state.last >= before.last)) FAIL("the file's last event moved back in time");
  }
  MESSAGE(kills << " kills, " << acks << " acknowledged commands, " << state.versions.size()
                << " streams; " << carried_on << " runs moved tickets of earlier runs; " << group_runs
                << " group-commit runs, " << lost_unflushed << " of them lost unflushed commands");
  // The runs did what they are for: many commands, restarts that carried
  // on with earlier tickets.
  CHECK(acks >= 300);
  CHECK(state.versions.size() >= 20);
  CHECK(carried_on >= 10);
}

// --- reopen and carry on ----------------------------------------------------------------------------

namespace {

/// A store that forwards to another and records every append that
/// succeeded, in order: the order in which the engine fired timers.
class recording_store final : public tierflow_test::forwarding_store {
 public:
  explicit recording_store(tf::store& inner) : forwarding_store(inner) {}

  struct append_record {
    std::string stream;
    std::vector<tf::event> events;
  };
  [[nodiscard]] std::vector<append_record> appends() const {
    const std::lock_guard lock(mutex_);
    return appends_;
  }

  tf::result<void> append(const tf::append_request& request) override {
    auto ok = forwarding_store::append(copying(request));
    if (ok) {
      const std::lock_guard lock(mutex_);
      appends_.push_back({std::string(request.ticket_id), {request.events.begin(), request.events.end()}});
    }
    return ok;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<append_record> appends_;
};

/// Opens one ticket of every shipped type and a second fault repair, a
/// minute apart from `clock`'s now, and takes the first action of two of
/// them; then fires whatever fell due. The same calls on any engine, so that
/// two engines started at the same instant hold the same tickets.
std::vector<std::string> open_some(tf::engine& eng, tf::manual_clock& clock) {
  const tf::organisation& org = eng.definitions().org;
  const std::vector<tf::actor> pool = tierflow_test::actor_pool(org, false);
  std::vector<std::string> types;
  for (const auto& wf : eng.definitions().workflows)
    for (const auto& t : wf.ticket_types)
      if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
  std::sort(types.begin(), types.end());
  types.push_back("fault_repair");
  const std::vector<std::string> regions{"gusu", "kunshan", "wuzhong"};
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < types.size(); ++i) {
    tf::open_request req;
    req.type = types[i];
    req.channel = "hotline_95598";
    req.customer_id = "C" + std::to_string(i);
    req.customer = {{"region", regions[i % regions.size()]},
                    {"importance_class", std::string(i % 2 == 0 ? "level1" : "none")}};
    req.opened_by = "csr@gusu";
    auto opened = eng.open(req);
    REQUIRE_MESSAGE(opened.has_value(), types[i] << ": " << opened.error().message());
    ids.push_back(opened->ticket.id);
    clock.advance(1min);
  }
  for (std::size_t i = 0; i < 2; ++i) {
    auto v = eng.view(ids[i]);
    REQUIRE(v.has_value());
    const tf::workflow* wf = eng.definitions().find(v->workflow_id, v->workflow_version);
    REQUIRE(wf != nullptr);
    const tf::state& st = wf->states[wf->state_index(v->state)];
    REQUIRE_FALSE(st.actions.empty());
    const tf::action& act = st.actions.front();
    const tf::actor* by = nullptr;
    for (const auto& a : pool)
      if (by == nullptr && tierflow_test::permitted(org, a, act, v->region)) by = &a;
    REQUIRE_MESSAGE(by != nullptr, "nobody may take " << act.id);
    tf::act_request req;
    req.ticket_id = ids[i];
    req.action = act.id;
    req.by = *by;
    if (act.needs_note) req.note = "called the customer";
    auto res = eng.act(req);
    REQUIRE_MESSAGE(res.has_value(), res.error().message());
  }
  auto fired = eng.advance();
  REQUIRE_MESSAGE(fired.has_value(), fired.error().message());
  return ids;
}

std::map<std::string, std::vector<tf::event>> all_streams(const tf::engine& eng,
                                                          const std::vector<std::string>& ids) {
  std::map<std::string, std::vector<tf::event>> out;
  for (const auto& id : ids) {
    auto s = eng.events(id);
    REQUIRE_MESSAGE(s.has_value(), s.error().message());
    out[id] = std::move(*s);
  }
  return out;
}

bool is_timer(const tf::event& e) {
  return e.type == tf::event_type::deadline_warned || e.type == tf::event_type::deadline_breached;
}

}  // namespace

TEST_CASE("engine.crash.restart_restores_tickets_and_timers_and_fires_what_fell_due") {
  const scratch_sqlite scratch("tierflow-restart", "restart.db");
  const fs::path db = scratch.path();
  // Monday 2 March 2026, 09:00 in Suzhou: office hours, no holiday.
  const tf::timestamp t0 = tierflow_test::local(2026, 3, 2, 9, 0);

  // The engine that never stops, on a memory store: what must happen.
  tierflow_test::engine_fixture ref(t0);
  tf::manual_clock& ref_clock = ref.clock;
  const std::vector<std::string> ids = open_some(*ref, ref_clock);

  // The same on the file, then the process "goes down".
  const tf::timestamp down = ref_clock.now();
  std::map<std::string, tf::ticket_view> views_before;
  std::map<std::string, std::vector<tf::event>> streams_before;
  std::vector<std::string> open_before;
  {
    std::unique_ptr<tf::store> holder;
    tf::store& st = open_or_fail(holder, db);
    tierflow_test::engine_fixture eng(t0, shipped(), &st);
    tf::manual_clock& clock = eng.clock;
    REQUIRE(open_some(*eng, clock) == ids);
    REQUIRE(clock.now() == down);
    streams_before = all_streams(*eng, ids);
    // The file holds what the memory store holds, byte for byte.
    CHECK(streams_before == all_streams(*ref, ids));
    for (const auto& id : ids) {
      auto v = eng->view(id);
      REQUIRE(v.has_value());
      views_before[id] = *v;
      if (!v->closed) open_before.push_back(id);
    }
    REQUIRE(open_before.size() == ids.size());
  }

  // Back up six hours later, on a new store and engine over the same file.
  const tf::timestamp up = down + 6h;
  std::unique_ptr<tf::store> holder;
  recording_store st(open_or_fail(holder, db));
  tierflow_test::engine_fixture eng(down, shipped(), &st);
  tf::manual_clock& clock = eng.clock;
  // Every ticket is restored as it was: state, assignment, deadlines and
  // their due instants (the pending timers), version.
  auto open = st.open_tickets();
  REQUIRE(open.has_value());
  std::vector<std::string> open_after;
  for (const auto& s : *open) open_after.push_back(s.ticket_id);
  CHECK(open_after == open_before);
  for (const auto& id : ids) {
    auto v = eng->view(id);
    REQUIRE(v.has_value());
    CHECK_MESSAGE(*v == views_before[id], id << " is not restored as it was");
  }
  CHECK(st.appends().empty());

  // The timers that fell due while it was down fire on the first advance.
  REQUIRE(clock.set(up));
  REQUIRE(ref_clock.set(up));
  auto report = eng->advance();
  REQUIRE_MESSAGE(report.has_value(), report.error().message());
  auto ref_report = ref->advance();
  REQUIRE(ref_report.has_value());
  CHECK(report->fired == ref_report->fired);
  CHECK(report->tickets == ref_report->tickets);
  // "several deadlines": timers of most of the tickets were pending.
  CHECK(report->tickets >= 4);
  CHECK(report->fired >= report->tickets);

  // In due order across tickets, each stamped with its due instant, which
  // fell while the engine was down.
  const auto fired = st.appends();
  REQUIRE(!fired.empty());
  std::size_t timer_events = 0;
  std::set<std::string> moved;
  for (std::size_t i = 0; i < fired.size(); ++i) {
    const auto& a = fired[i];
    INFO("append " << i << " on " << a.stream << ":" << tierflow_test::describe(a.events));
    REQUIRE_FALSE(a.events.empty());
    CHECK(is_timer(a.events.front()));
    CHECK(a.events.front().actor_id == "system");
    CHECK(a.events.front().time > down);
    CHECK(a.events.front().time <= up);
    if (i > 0) CHECK(fired[i - 1].events.front().time <= a.events.front().time);
    for (const auto& e : a.events) {
      CHECK(e.time == a.events.front().time);
      if (is_timer(e)) ++timer_events;
    }
    moved.insert(a.stream);
  }
  CHECK(timer_events == report->fired);
  CHECK(moved.size() == report->tickets);

  // Each exactly once, and exactly what the engine that never stopped did.
  const auto streams_after = all_streams(*eng, ids);
  CHECK(streams_after == all_streams(*ref, ids));
  for (const auto& id : ids) {
    INFO("ticket " << id);
    const auto& s = streams_after.at(id);
    const tf::workflow* wf = eng->definitions().find(s.front().workflow_id, s.front().workflow_version);
    REQUIRE(wf != nullptr);
    const std::string err = tierflow_test::check_timers(*wf, s);
    CHECK_MESSAGE(err.empty(), err);
    // What was there before the restart is unchanged.
    const auto& old = streams_before.at(id);
    REQUIRE(s.size() >= old.size());
    CHECK(std::equal(old.begin(), old.end(), s.begin()));
    auto sum = st.summary(id);
    REQUIRE(sum.has_value());
    if (sum->next_timer) CHECK(*sum->next_timer > up);
    auto v = eng->view(id);
    REQUIRE(v.has_value());
    auto r = ref->view(id);
    REQUIRE(r.has_value());
    CHECK(*v == *r);
  }
  auto again = eng->advance();
  REQUIRE(again.has_value());
  CHECK(again->fired == 0);
  CHECK(st.appends().size() == fired.size());

  // And once more down and up at the same instant: the fired timers are
  // remembered as fired.
  std::map<std::string, tf::ticket_view> views_up;
  for (const auto& id : ids) views_up[id] = *eng->view(id);
  eng.eng.reset();
  holder.reset();
  std::unique_ptr<tf::store> holder2;
  tf::store& st2 = open_or_fail(holder2, db);
  tierflow_test::engine_fixture eng2(up, shipped(), &st2);
  for (const auto& id : ids) CHECK(*eng2->view(id) == views_up[id]);
  auto third = eng2->advance();
  REQUIRE(third.has_value());
  CHECK(third->fired == 0);
  CHECK(all_streams(*eng2, ids) == streams_after);
}
