// SPDX-License-Identifier: MIT
// Several engine processes on one PostgreSQL database, as several CRM
// servers: two, then four tests/tools/pg_engine_worker processes drive the
// same complaint tickets and fire their timers at once, each on its own
// clock along a common schedule (of the four, the last starts while the
// others are at work, and restores the tickets as they change). Afterwards a fresh engine reads the
// database and every ticket's trail must account for exactly what the
// workers were told:
// - no lost update: every acknowledged command's note is on its ticket's
//   trail, of its action and actor, once, at or before the version the
//   worker was given (and after the version it pinned, if it pinned one);
//   each worker's commands in the order it made them; no note nobody was
//   told about;
// - no double transition: the trail's transitions chain (each leaves the
//   state the one before entered), every one is an acknowledged command,
//   and `classify`, which every worker takes on every ticket, won once;
// - refusals: each `denied` event on the trail is a refusal a worker was
//   told about, and each refusal has one, except a pinned command's
//   conflict at the append (see below);
// - timers: each fired at most once per clock run (check_timers), none is
//   left due at the run's end, and a fresh engine has nothing to fire;
// - each trail verifies against the head the store recorded, and replay()
//   equals view().
// Each run gets a database of its own on the throwaway server (the fixture
// `postgres`; TIERFLOW_PG_URL_FILE holds its URL): a scratch_postgres of
// support/scratch_db.hpp.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/open_store.hpp>
#include <tierflow/tierflow.hpp>

#include "engine_checks.hpp"
#include "support/engine_fixture.hpp"
#include "support/scratch_db.hpp"
#include "test_support.hpp"

extern char** environ;

namespace {

namespace tf = tierflow;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tierflow_test::check_owner;
using tierflow_test::check_timers;
using tierflow_test::describe;
using tierflow_test::local;
using tierflow_test::shipped;

// --- processes ------------------------------------------------------------------------

/// A started program whose stdout is read through a pipe.
struct child {
  pid_t pid = -1;
  int out = -1;
  std::string text;  // what it wrote so far
  int go = -1;       // the write end of its stdin, until closed
};

/// Starts `args` (args[0] a path, or a name looked up in PATH when `search`)
/// with stdin from `in` (-1: inherited) and stdout into a pipe (when
/// `capture`; else inherited); stderr is inherited, so what a program
/// complains about shows in the test's output.
child start(const std::vector<std::string>& args, int in, bool capture, bool search) {
  child c;
  int pipe_fds[2] = {-1, -1};
  if (capture) REQUIRE_MESSAGE(::pipe2(pipe_fds, O_CLOEXEC) == 0, "pipe: " << std::strerror(errno));
  posix_spawn_file_actions_t actions;
  REQUIRE(posix_spawn_file_actions_init(&actions) == 0);
  if (in >= 0) REQUIRE(posix_spawn_file_actions_adddup2(&actions, in, STDIN_FILENO) == 0);
  if (capture) REQUIRE(posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO) == 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int rc = search ? posix_spawnp(&c.pid, argv[0], &actions, nullptr, argv.data(), environ)
                        : posix_spawn(&c.pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (capture) ::close(pipe_fds[1]);
  if (rc != 0) {
    if (capture) ::close(pipe_fds[0]);
    FAIL("cannot start " << args.front() << ": " << std::strerror(rc));
  }
  c.out = pipe_fds[0];
  return c;
}

/// Waits for a child to end; its exit status, or 128 + the signal that
/// killed it.
int wait_for(pid_t pid) {
  int status = 0;
  pid_t r = 0;
  do r = ::waitpid(pid, &status, 0);
  while (r < 0 && errno == EINTR);
  REQUIRE_MESSAGE(r == pid, "waitpid: " << std::strerror(errno));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

/// Reads the children's stdout until `enough()` holds or all have closed it
/// (poll: whoever has something to say is heard at once, so none blocks on
/// a full pipe).
void pump(std::vector<child>& children, const std::function<bool()>& enough) {
  while (!enough()) {
    std::vector<pollfd> fds;
    std::vector<child*> owners;
    for (auto& c : children)
      if (c.out >= 0) {
        fds.push_back({c.out, POLLIN, 0});
        owners.push_back(&c);
      }
    if (fds.empty()) return;
    const int n = ::poll(fds.data(), fds.size(), -1);
    if (n < 0 && errno == EINTR) continue;
    REQUIRE_MESSAGE(n > 0, "poll: " << std::strerror(errno));
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      char buf[8192];
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      REQUIRE_MESSAGE(got >= 0, "read: " << std::strerror(errno));
      if (got == 0) {
        ::close(owners[i]->out);
        owners[i]->out = -1;
      } else {
        owners[i]->text.append(buf, static_cast<std::size_t>(got));
      }
    }
  }
}

/// Whole lines a child has written so far.
std::size_t lines(const child& c) {
  return static_cast<std::size_t>(std::count(c.text.begin(), c.text.end(), '\n'));
}

// --- what the workers said ----------------------------------------------------------------

struct ack {
  std::string worker, ticket, action, note;
  std::optional<std::uint64_t> pin;
  std::uint64_t version = 0;
};
struct refusal {
  std::string worker, ticket, action, note;
  std::optional<std::uint64_t> pin;
  std::string code;
};
struct worker_report {
  std::vector<ack> acks;  // in the order the worker got them
  std::vector<refusal> refusals;
  std::uint64_t advances = 0, fired = 0, commands = 0, append_conflicts = 0;
  bool ready = false, done = false;
};

std::uint64_t number(const std::string& s) {
  REQUIRE_MESSAGE((!s.empty() && s.find_first_not_of("0123456789") == std::string::npos),
                  "not a number: " << s);
  return std::stoull(s);
}
std::optional<std::uint64_t> pin_of(const std::string& s) {
  if (s == "-") return std::nullopt;
  return number(s);
}

worker_report parse(const std::string& text) {
  worker_report r;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    INFO("line: " << line);
    std::istringstream in(line);
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    REQUIRE(!f.empty());
    REQUIRE_FALSE(r.done);                  // nothing after `done`
    REQUIRE(r.ready == (f[0] != "ready"));  // `ready` first, once
    if (f[0] == "ready") {
      REQUIRE(f.size() == 2);
      r.ready = true;
    } else if (f[0] == "ok") {
      REQUIRE(f.size() == 7);
      r.acks.push_back({f[1], f[2], f[3], f[4], pin_of(f[5]), number(f[6])});
    } else if (f[0] == "refused") {
      REQUIRE(f.size() == 8);
      r.refusals.push_back({f[1], f[2], f[3], f[4], pin_of(f[5]), f[6]});
    } else if (f[0] == "advance") {
      REQUIRE(f.size() == 5);
      ++r.advances;
      r.fired += number(f[3]);
    } else if (f[0] == "done") {
      REQUIRE(f.size() == 4);
      r.commands = number(f[2]);
      r.append_conflicts = number(f[3]);
      r.done = true;
    } else {
      FAIL("unknown line");
    }
  }
  return r;
}

// --- the run ------------------------------------------------------------------------------

constexpr std::size_t ticket_count = 10;
const tf::timestamp run_start = local(2026, 11, 24, 9, 0);  // a Tuesday morning
constexpr std::chrono::seconds step_length = 20min;
constexpr std::string_view region = "gusu";

/// A complaint of customer `n`, routed by turns to the bottom tier, the
/// region's account managers and the enterprise account managers.
tf::open_request complaint(std::size_t n) {
  tf::open_request r;
  r.type = "complaint";
  r.channel = "hotline_95598";
  r.customer_id = "C-mp-" + std::to_string(n);
  r.customer.emplace_back("region", tf::value{std::string(region)});
  if (n % 3 == 1) r.customer.emplace_back("importance_class", tf::value{std::string("level2")});
  if (n % 3 == 2) r.customer.emplace_back("priority", tf::value{std::string("key")});
  r.fields.emplace_back("complaint_class",
                        tf::value{std::string(n % 2 == 0 ? "service" : "outage")});
  r.fields.emplace_back("skip_level_risk", tf::value{false});
  r.description = "bill twice the usual";
  r.opened_by = "setup";
  return r;
}

/// Opens the tickets, runs `workers` worker processes of `steps` steps on
/// them (the last one joining late, with `late_joiner`) and checks the
/// database they leave.
void run(std::size_t workers, std::uint64_t steps, bool late_joiner) {
  const tierflow_test::scratch_postgres scratch("tierflow_mp_" + std::to_string(workers) + "_");
  const std::string& url = scratch.url();
  const tf::timestamp run_end = run_start + step_length * static_cast<std::int64_t>(steps) + 48h;

  // The tickets, opened before any worker starts.
  std::vector<std::string> tickets;
  {
    auto db = tf::open_store(url);
    REQUIRE_MESSAGE(db.has_value(), (db ? std::string() : db.error().message()));
    REQUIRE((*db)->shared());
    tierflow_test::engine_fixture eng(run_start, shipped(), db->get());
    for (std::size_t i = 0; i < ticket_count; ++i) {
      auto opened = eng->open(complaint(i));
      REQUIRE_MESSAGE(opened.has_value(), (opened ? std::string() : opened.error().message()));
      REQUIRE(opened->ticket.state == "received");
      tickets.push_back(opened->ticket.id);
    }
  }

  // The workers. Each says `ready` once its engine is up and starts when
  // its stdin closes: the first ones together, so their first commands
  // race. With `late_joiner`, the last one starts only when the others are
  // well under way, and restores the tickets while they change.
  const auto start_worker = [&](std::size_t w) {
    std::vector<std::string> args{TIERFLOW_TOOLS_DIR "/pg_engine_worker",
                                  url,
                                  std::to_string(w),
                                  std::to_string(0x5eed'0000u + w),
                                  std::to_string(steps),
                                  std::to_string(run_start.time_since_epoch().count()),
                                  std::to_string(step_length.count()),
                                  std::to_string(run_end.time_since_epoch().count()),
                                  std::string(region)};
    args.insert(args.end(), tickets.begin(), tickets.end());
    int in[2];
    REQUIRE_MESSAGE(::pipe2(in, O_CLOEXEC) == 0, "pipe: " << std::strerror(errno));
    child c = start(args, in[0], true, false);
    ::close(in[0]);
    c.go = in[1];
    return c;
  };
  const auto go = [](child& c) {
    ::close(c.go);
    c.go = -1;
  };
  std::vector<child> children;
  children.reserve(workers);
  const std::size_t together = late_joiner ? workers - 1 : workers;
  for (std::size_t w = 0; w < together; ++w) children.push_back(start_worker(w));
  // Ready (or gone: a worker that failed to start is reported below).
  pump(children, [&] {
    return std::all_of(children.begin(), children.end(),
                       [](const child& c) { return lines(c) > 0 || c.out < 0; });
  });
  for (auto& c : children) go(c);
  if (late_joiner) {
    pump(children,
         [&] { return lines(children.front()) > 3 * ticket_count || children.front().out < 0; });
    children.push_back(start_worker(workers - 1));
    go(children.back());
  }
  pump(children, [] { return false; });
  std::vector<worker_report> reports;
  for (std::size_t w = 0; w < workers; ++w) {
    const int status = wait_for(children[w].pid);
    INFO("worker " << w << " said:\n" << children[w].text);
    REQUIRE_MESSAGE(status == 0, "worker " << w << " exited with " << status);
    reports.push_back(parse(children[w].text));
    REQUIRE_MESSAGE(reports.back().done, "worker " << w << " did not finish");
  }

  // A fresh engine reads what they left, at the run's end.
  auto db = tf::open_store(url);
  REQUIRE_MESSAGE(db.has_value(), (db ? std::string() : db.error().message()));
  tf::store& store = **db;
  tierflow_test::engine_fixture eng(run_end, shipped(), &store);

  // Every timer due by the end fired: the store lists nothing due (claims
  // or not), and a fresh engine finds nothing to fire.
  auto left = store.due(run_end, 1000);
  REQUIRE(left.has_value());
  for (const auto& d : *left)
    FAIL_CHECK("a timer due by the end did not fire: " << d.ticket_id << " at " << d.due);
  auto again = eng->advance(run_end);
  REQUIRE_MESSAGE(again.has_value(), (again ? std::string() : again.error().message()));
  CHECK(again->fired == 0);

  // What the workers were told, by ticket.
  std::map<std::string, std::vector<const ack*>> acks_of;
  std::map<std::string, std::vector<const refusal*>> refusals_of;
  std::uint64_t accepted = 0, refused = 0, pinned = 0, pinned_conflicts = 0, append_conflicts = 0;
  std::uint64_t fired_by_advance = 0, advances = 0;
  std::size_t classify_refused = 0;
  for (const auto& r : reports) {
    for (const auto& a : r.acks) {
      acks_of[a.ticket].push_back(&a);
      pinned += a.pin.has_value();
    }
    for (const auto& f : r.refusals) {
      refusals_of[f.ticket].push_back(&f);
      pinned += f.pin.has_value();
      pinned_conflicts += f.pin.has_value() && f.code == "conflict";
      // Step 0 (note "-s0"): every worker classifies every ticket unseen.
      if (f.action == "classify" && f.note.ends_with("-s0")) {
        CHECK_MESSAGE(f.code == "not_found", f.note << " on " << f.ticket << ": " << f.code);
        ++classify_refused;
      }
    }
    accepted += r.acks.size();
    refused += r.refusals.size();
    CHECK(r.commands == r.acks.size() + r.refusals.size());
    append_conflicts += r.append_conflicts;
    fired_by_advance += r.fired;
    advances += r.advances;
  }

  const tf::workflow* wf =
      shipped().workflow_for("complaint", std::chrono::floor<std::chrono::days>(run_start));
  REQUIRE(wf != nullptr);
  const std::string initial = wf->states[wf->initial].id;
  std::size_t timer_events = 0, transitions = 0;
  for (const auto& id : tickets) {
    INFO("ticket " << id);
    auto v = eng->view(id);
    REQUIRE_MESSAGE(v.has_value(), (v ? std::string() : v.error().message()));
    auto replayed = eng->replay(id);
    REQUIRE(replayed.has_value());
    CHECK(*replayed == *v);
    auto verified = eng->verify(id);
    CHECK_MESSAGE(verified.has_value(), (verified ? std::string() : verified.error().message()));
    auto trail = eng->events(id);
    REQUIRE(trail.has_value());
    const auto& s = *trail;
    auto head = store.head(id);
    REQUIRE(head.has_value());
    CHECK(head->version == s.size());
    auto chain = tf::verify(s, head->head);
    CHECK_MESSAGE(chain.has_value(), (chain ? std::string() : chain.error().message()));
    REQUIRE(s.size() == v->version);
    for (std::size_t i = 0; i < s.size(); ++i) {
      CHECK(s[i].sequence == i + 1);
      if (i > 0) CHECK(s[i - 1].time <= s[i].time);
    }
    const std::string timers = check_timers(*wf, s);
    CHECK_MESSAGE(timers.empty(), timers);
    const std::string owner = check_owner(*v, s);
    CHECK_MESSAGE(owner.empty(), owner);

    // The workers' commands on the trail: each note once; transitions chain.
    std::map<std::string, std::size_t> position;  // note -> index in s
    std::string at = initial;
    std::size_t classified = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const tf::event& e = s[i];
      if (e.type == tf::event_type::deadline_warned || e.type == tf::event_type::deadline_breached)
        ++timer_events;
      // An action's own event (an escalation rule's `noted` events name the
      // rule instead).
      if (e.type != tf::event_type::transitioned && e.type != tf::event_type::noted) continue;
      if (!e.detail("action")) continue;
      const auto note = e.detail("note");
      if (!note) {
        FAIL_CHECK("a command without a worker's note: " << describe(e));
        continue;
      }
      CHECK_MESSAGE(position.emplace(std::string(*note), i).second,
                    "recorded twice: " << describe(e) << describe(s));
      if (e.type == tf::event_type::transitioned) {
        ++transitions;
        CHECK_MESSAGE(e.detail("from") == at, "a transition from a state the ticket had left: "
                                                  << describe(e) << describe(s));
        at = std::string(e.detail("to").value_or(""));
        classified += e.detail("action") == "classify";
      }
    }
    CHECK(at == v->state);
    CHECK(classified == 1);

    std::size_t told_ok = 0, classify_ok = 0;
    std::map<std::string, std::size_t> last_position;  // worker -> index of its previous ack here
    for (const ack* a : acks_of[id]) {
      ++told_ok;
      classify_ok += a->action == "classify";
      const auto p = position.find(a->note);
      if (p == position.end()) {
        FAIL_CHECK("lost update: " << a->note << " " << a->action << " was acknowledged (version "
                                   << a->version << ") but is not on the trail" << describe(s));
        continue;
      }
      const tf::event& e = s[p->second];
      CHECK(e.detail("action") == a->action);
      CHECK(e.actor_id == a->worker);
      CHECK_MESSAGE(e.sequence <= a->version,
                    a->note << " at #" << e.sequence << ", acknowledged at version " << a->version);
      if (a->pin)
        CHECK_MESSAGE(e.sequence > *a->pin,
                      a->note << " at #" << e.sequence << ", pinned to " << *a->pin);
      const auto [prev, first] = last_position.try_emplace(a->worker, p->second);
      if (!first) {
        CHECK_MESSAGE(p->second > prev->second,
                      a->worker << "'s commands out of order at " << a->note);
        prev->second = p->second;
      }
    }
    CHECK_MESSAGE(position.size() == told_ok,
                  "the trail has " << position.size() << " commands, the workers were told of "
                                   << told_ok << describe(s));
    CHECK(classify_ok == 1);

    // Refusals: every refusal a worker was told of is a `denied` event on
    // the ticket's record — its trail or its denial stream
    // (denial_stream_of), which holds them without moving the ticket's
    // version — with its code, and there is no other; also for a pinned
    // command that lost the race at its append.
    std::multiset<std::tuple<std::string, std::string, std::string>> told, recorded;
    for (const refusal* f : refusals_of[id]) told.emplace(f->worker, f->action, f->code);
    auto denials = store.load(tf::denial_stream_of(id));
    REQUIRE(denials.has_value());
    std::vector<tf::event> record = s;
    record.insert(record.end(), denials->begin(), denials->end());
    for (const auto& e : record)
      if (e.type == tf::event_type::denied)
        recorded.emplace(e.actor_id, std::string(e.detail("action").value_or("")),
                         std::string(e.detail("code").value_or("")));
    std::string diff;
    for (const auto& [w, a, c] : told)
      if (told.count({w, a, c}) > recorded.count({w, a, c})) diff += " told-only:" + w + "/" + a + "/" + c;
    for (const auto& [w, a, c] : recorded)
      if (recorded.count({w, a, c}) > told.count({w, a, c})) diff += " recorded-only:" + w + "/" + a + "/" + c;
    CHECK_MESSAGE(told == recorded, "the refusals told and those on the trail differ:" << diff << describe(s));
  }

  MESSAGE(workers << " engine processes, " << tickets.size() << " tickets, " << steps
                  << " steps each: " << accepted << " commands accepted, " << refused
                  << " refused (" << classify_refused
                  << " classify refused because another process classified first; "
                  << pinned_conflicts << " of " << pinned
                  << " pinned commands refused with conflict); "
                  << append_conflicts << " appends lost a version race and were judged again; "
                  << transitions << " transitions; " << advances << " advance() calls fired "
                  << fired_by_advance << " timers, " << timer_events << " timer events in all");
  // The race really happened: on every ticket one classify won and every
  // other worker's was refused.
  CHECK(classify_refused == (workers - 1) * tickets.size());
  CHECK(accepted > tickets.size());
  CHECK(timer_events > tickets.size());
  CHECK(fired_by_advance <= timer_events);
}

}  // namespace

TEST_CASE("engine.multiprocess_pg.two_processes_on_one_database") { run(2, 200, false); }

// The fourth starts while the three others act: a CRM server restarting
// next to running ones.
TEST_CASE("engine.multiprocess_pg.four_processes_on_one_database") { run(4, 150, true); }
