// SPDX-License-Identifier: MIT
// pg_engine_worker: one CRM server of a multi-process run. Several of these
// share one PostgreSQL database and drive the same tickets at once;
// tests/multiprocess_pg_test.cpp starts them and checks the trails they
// leave behind against what each of them was told.
//
//   pg_engine_worker URL WORKER SEED STEPS START STEP_SECONDS END REGION TICKET...
//
// START and END are instants in seconds since the epoch (UTC), STEP_SECONDS
// the virtual time one step takes; every worker of a run gets the same.
// It loads the shipped workflows, opens the store at URL and creates an
// engine on a manual clock that starts at START (restoring the open
// tickets, which other workers may be changing meanwhile). It says `ready`
// and waits for its stdin to close, the test's signal to go, so the
// workers' commands start together. Then:
//  1. it takes `classify` on every TICKET, in order, without looking first:
//     every worker does, so on each ticket exactly one may win and the
//     others are refused (the state moved under them);
//  2. for step = 1..STEPS it moves its clock to START + step * STEP_SECONDS
//     (the schedule every worker follows, so deadlines fall due while the
//     others act), fires due timers every few steps (advance), and takes one
//     action on a random open TICKET: an action of the state it sees, most
//     often one that leaves the state where it is (report_skip_level_risk,
//     urge …), else one that moves it; some pinned to the version it saw
//     (act_request::expected_version);
//  3. it moves its clock to END and fires every timer due by then.
// Every command carries the note "wWORKER-sSTEP" (unique in the run) and is
// taken by the person "wWORKER", who has every role of the organisation and
// works in REGION, the tickets' region: a refusal can only mean the ticket was not
// in a state that has the action (or was not at the pinned version) when
// the engine judged it.
//
// Output, one line per outcome, flushed as it is written:
//   ready WORKER                                    the engine is up
//   ok WORKER TICKET ACTION NOTE PIN VERSION        accepted; VERSION as returned
//   refused WORKER TICKET ACTION NOTE PIN CODE SEEN refused with errc CODE
//   advance WORKER AT FIRED TICKETS                 one advance() at AT (seconds)
//   done WORKER COMMANDS APPEND_CONFLICTS           the end (conflicts the store
//                                                   reported to this engine's appends)
// PIN is the expected version given ("-": none); SEEN the version the view
// before the command showed ("-": none taken). Exit status 0 after `done`;
// 2 for bad arguments, 3 when it cannot start, 4 when the engine fails in a
// way that no race explains (an io_error, an error code no refusal has).
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/open_store.hpp>
#include <tierflow/tierflow.hpp>

#include "support/forwarding_store.hpp"

namespace {

namespace tf = tierflow;

// Every this many steps a worker fires due timers (at staggered steps).
constexpr std::uint64_t advance_every = 4;

[[noreturn]] void die(int code, const std::string& what) {
  std::fprintf(stderr, "pg_engine_worker: %s\n", what.c_str());
  std::fflush(stderr);
  std::exit(code);
}

// One line to the test; flushed so it is there even if a later step dies.
void emit(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  if (std::fflush(stdout) != 0) die(4, "cannot write to stdout");
}

// The store as this engine sees it, counting the version races its appends
// lose: how often the engine had to re-read a ticket another process moved.
class counting_store final : public tierflow_test::forwarding_store {
 public:
  explicit counting_store(std::unique_ptr<tf::store> inner) : forwarding_store(std::move(inner)) {}

  std::atomic<std::uint64_t> append_conflicts{0};

  [[nodiscard]] tf::result<void> append(const tf::append_request& r) override {
    auto ok = forwarding_store::append(r);
    if (!ok && ok.error().code() == tf::errc::conflict) ++append_conflicts;
    return ok;
  }
};

std::uint64_t parse_number(std::string_view text, const char* what) {
  if (text.empty()) die(2, fmt::format("{} is empty", what));
  std::uint64_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') die(2, fmt::format("{} '{}' is not a number", what, text));
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::string seconds_text(tf::timestamp t) { return std::to_string(t.time_since_epoch().count()); }

struct worker {
  std::string id;  // "w<WORKER>": the actor and the notes' prefix
  tf::actor person;
  tf::manual_clock& clock;
  tf::engine& eng;
  std::mt19937_64 gen;
  std::uint64_t commands = 0;

  bool chance(double p) { return std::bernoulli_distribution(p)(gen); }
  std::size_t below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(gen);
  }

  // Takes one action and reports what the engine answered. A refusal is
  // expected (the race is the point); any other failure ends the worker.
  void act(const std::string& ticket, const std::string& action, const std::string& note,
           std::optional<std::uint64_t> pin, std::optional<std::uint64_t> seen) {
    tf::act_request req;
    req.ticket_id = ticket;
    req.action = action;
    req.by = person;
    req.note = note;
    req.expected_version = pin;
    const std::string pin_text = pin ? std::to_string(*pin) : "-";
    ++commands;
    auto done = eng.act(req);
    if (done) {
      emit(fmt::format("ok {} {} {} {} {} {}", id, ticket, action, note, pin_text, done->version));
      return;
    }
    const tf::errc code = done.error().code();
    if (code != tf::errc::not_found && code != tf::errc::conflict)
      die(4, fmt::format("{} {} on {}: {}", id, action, ticket, done.error().message()));
    emit(fmt::format("refused {} {} {} {} {} {} {}", id, ticket, action, note, pin_text,
                     tf::to_string(code), seen ? std::to_string(*seen) : "-"));
  }

  void advance() {
    const tf::timestamp at = clock.now();
    auto r = eng.advance(at);
    if (!r) die(4, fmt::format("{} advance: {}", id, r.error().message()));
    emit(fmt::format("advance {} {} {} {}", id, seconds_text(at), r->fired, r->tickets));
  }

  // One random step on one of `tickets`: look, choose, act.
  void step(const std::vector<std::string>& tickets, std::uint64_t n) {
    // A few looks for a ticket that is still open; a run whose tickets are
    // all closed has nothing left to race on.
    for (int look = 0; look < 4; ++look) {
      const std::string& ticket = tickets[below(tickets.size())];
      auto v = eng.view(ticket);
      if (!v) die(4, fmt::format("{} view {}: {}", id, ticket, v.error().message()));
      if (v->closed) continue;
      const tf::workflow* wf = eng.definitions().find(v->workflow_id, v->workflow_version);
      if (wf == nullptr)
        die(4, fmt::format("{}: no workflow {} v{}", id, v->workflow_id, v->workflow_version));
      const tf::state& st = wf->states[wf->state_index(v->state)];
      std::vector<const tf::action*> stays, moves;
      for (const auto& a : st.actions) {
        // Leaving the workflow early ends a ticket's part in the run.
        if (a.to_index != tf::npos && wf->states[a.to_index].terminal && a.id != "archive")
          continue;
        (a.to.empty() ? stays : moves).push_back(&a);
      }
      if (stays.empty() && moves.empty()) continue;
      const bool stay = !stays.empty() && (moves.empty() || chance(0.6));
      const tf::action& a = *(stay ? stays : moves)[below((stay ? stays : moves).size())];
      std::optional<std::uint64_t> pin;
      if (chance(0.3)) pin = v->version;
      act(ticket, a.id, fmt::format("{}-s{}", id, n), pin, v->version);
      return;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 10) {
    std::fprintf(
        stderr,
        "usage: pg_engine_worker URL WORKER SEED STEPS START STEP_SECONDS END REGION TICKET...\n");
    return 2;
  }
  const std::string url = argv[1];
  const std::uint64_t worker_number = parse_number(argv[2], "WORKER");
  const std::uint64_t seed = parse_number(argv[3], "SEED");
  const std::uint64_t steps = parse_number(argv[4], "STEPS");
  const auto instant = [](const char* text, const char* what) {
    return tf::timestamp{std::chrono::seconds{static_cast<std::int64_t>(parse_number(text, what))}};
  };
  const tf::timestamp start = instant(argv[5], "START");
  const std::chrono::seconds step_length{
      static_cast<std::int64_t>(parse_number(argv[6], "STEP_SECONDS"))};
  const tf::timestamp end = instant(argv[7], "END");
  const std::string region = argv[8];
  const std::vector<std::string> tickets(argv + 9, argv + argc);
  if (end < start + step_length * static_cast<std::int64_t>(steps))
    die(2, "END is before the last step");

  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({TIERFLOW_SOURCE_DIR "/workflows"}, diags);
  if (!cat) die(3, "cannot load the shipped workflows:\n" + diags.str());
  auto opened = tf::open_store(url);
  if (!opened) die(3, "cannot open the store: " + opened.error().message());
  counting_store db(std::move(*opened));
  if (!db.shared()) die(3, "the store at " + url + " is not shared: nothing to race on");

  tf::manual_clock clock(start);
  tf::engine_options options;
  options.time_source = &clock;
  options.events = &db;
  std::vector<std::string> all_roles;
  for (const auto& role : cat->org.roles) all_roles.push_back(role.id);
  auto created = tf::engine::create(std::move(*cat), options);
  if (!created) die(3, "cannot create the engine: " + created.error().message());
  tf::engine& eng = **created;

  const std::string id = "w" + std::to_string(worker_number);
  worker w{id, tf::actor{id, all_roles, region}, clock, eng, std::mt19937_64(seed), 0};

  emit("ready " + id);
  // Go: stdin closed (or anything written to it, then closed).
  for (char c = 0;;) {
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n == 0) break;
    if (n < 0 && errno != EINTR) die(4, fmt::format("reading stdin: {}", std::strerror(errno)));
  }

  // 1. Everyone classifies every ticket: one wins each, the rest are refused.
  for (const auto& ticket : tickets)
    w.act(ticket, "classify", id + "-s0", std::nullopt, std::nullopt);

  // 2. The common schedule.
  for (std::uint64_t n = 1; n <= steps; ++n) {
    clock.set(start + step_length * static_cast<std::int64_t>(n));
    // Workers fire timers at different steps, so each advance meets
    // others' commands.
    if ((n + worker_number) % advance_every == 0) w.advance();
    w.step(tickets, n);
  }

  // 3. The end: every timer due by then fires.
  clock.set(end);
  w.advance();
  emit(fmt::format("done {} {} {}", id, w.commands, db.append_conflicts.load()));
  return 0;
}
