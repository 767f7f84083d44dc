// SPDX-License-Identifier: MIT
// crash_writer: a tierflow host that writes to a SQLite store until it is
// killed. tests/crash_test.cpp runs it, kills it with SIGKILL at random
// moments and checks the database it leaves behind.
//
//   crash_writer DB_PATH SEED [--mode per_command|group_commit]
//
// It loads the shipped workflows, opens `sqlite:DB_PATH`, creates an engine
// (which restores every open ticket the file holds) on a manual clock that
// starts after the last event in the file, so time never runs back across
// restarts, and then loops forever over random commands drawn from SEED:
// opens of all five ticket types (now and then a bad one), actions of the
// ticket's current state by fit and unfit actors (with fresh and stale
// versions), actions on unknown tickets, clock jumps, and advance().
//
// What it prints on stdout, one line per write(2), each written only after
// the command it reports has returned (the acknowledgement a client would
// get):
//   ready                          the engine is up (restore done)
//   ack STREAM VERSION HEADHEX     after a command, the stream it moved is at
//                                  VERSION with last hash HEADHEX (one line
//                                  per stream an advance() moved; a denied
//                                  command acks the stream its `denied`
//                                  event went to)
//   flushed                        group_commit only: store::flush() returned,
//                                  so every ack above is durable
// It exits only on failure: 2 for bad arguments, 3 when it cannot start,
// 4 when a command fails in a way a healthy store never makes it fail
// (io_error, a conflict with itself, an engine that contradicts its store).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/tierflow.hpp>
#include <tierflow/open_store.hpp>

#include "../engine_checks.hpp"
#include "../random_input.hpp"

namespace {

namespace tf = tierflow;
using namespace std::chrono_literals;
using tierflow_test::random_note;
using tierflow_test::random_values;
using tierflow_test::rng;

// --- output --------------------------------------------------------------------------------

// Writes one whole line with write(2): nothing is buffered in this process,
// so a line the reader sees was written before the kill, and a line shorter
// than PIPE_BUF reaches the pipe in one piece.
void emit(const std::string& line) {
  const std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::exit(4);  // the reader is gone: nobody to acknowledge to
    }
    done += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void die(int code, const std::string& what) {
  std::fprintf(stderr, "crash_writer: %s\n", what.c_str());
  std::fflush(stderr);
  std::exit(code);
}

// --- the host ----------------------------------------------------------------------------------

struct customer {
  std::string id;
  tf::attribute_values attributes;
};

class writer {
 public:
  writer(tf::store& st, tf::engine& eng, tf::manual_clock& clk, std::uint64_t seed, bool group)
      : st_(st), eng_(eng), clock_(clk), r_(seed), group_(group),
        pool_(tierflow_test::actor_pool(eng.definitions().org, true)) {
    for (const auto& wf : eng_.definitions().workflows)
      for (const auto& type : wf.ticket_types)
        if (std::find(types_.begin(), types_.end(), type) == types_.end()) types_.push_back(type);
    // The same customers in every run (their own fixed seed), so that
    // customer histories and derived attributes build up across restarts.
    rng fixed(0xc0ffee);
    for (int i = 0; i < 12; ++i)
      customers_.push_back({"C" + std::to_string(100 + i),
                            random_values(fixed, eng_.definitions().org.customer_attributes, 0.6)});
  }

  [[noreturn]] void run() {
    for (std::uint64_t step = 0;; ++step) {
      // Time passes between commands: seconds to a quarter of an hour.
      clock_.advance(std::chrono::seconds{r_.between(0, 900)});
      auto open = st_.open_tickets();
      if (!open) die(4, "open_tickets: " + open.error().message());
      const double x = r_.unit();
      if (open->size() < 3 || (x < 0.12 && open->size() < 40)) {
        open_ticket();
      } else if (x < 0.22) {
        advance();
      } else if (x < 0.26) {
        // A longer gap without advance(): the next act on a ticket fires its
        // due timers first.
        clock_.advance(std::chrono::seconds{r_.between(1800, 3 * 86400)});
      } else if (x < 0.28) {
        act_on_unknown();
      } else {
        act_on(r_.pick(*open).ticket_id);
      }
      if (group_ && step % 8 == 7) {
        auto flushed = st_.flush();
        if (!flushed) die(4, "flush: " + flushed.error().message());
        emit("flushed");
      }
    }
  }

 private:
  // Acknowledges a stream as the store holds it now. The writer is the only
  // one writing, so that is the state its last command left.
  void ack(std::string_view stream_id) {
    auto h = st_.head(stream_id);
    if (!h) die(4, "head of " + std::string(stream_id) + ": " + h.error().message());
    if (h->version == 0) die(4, "a command returned but stream " + std::string(stream_id) + " is empty");
    emit("ack " + std::string(stream_id) + " " + std::to_string(h->version) + " " + tf::to_hex(h->head));
  }

  // A typed refusal is an answer (its `denied` event is stored); the rest
  // is a failure of the store or of the engine.
  static void refused_or_die(const tf::error& e, std::string_view what) {
    if (e.code() == tf::errc::io_error || e.code() == tf::errc::invalid_definition ||
        e.code() == tf::errc::incompatible)
      die(4, std::string(what) + ": " + e.message());
  }

  void open_ticket() {
    const tf::catalog& cat = eng_.definitions();
    const std::string type = r_.pick(types_);
    const tf::workflow* wf =
        cat.workflow_for(type, std::chrono::floor<std::chrono::days>(clock_.now() + cat.org.utc_offset));
    if (wf == nullptr) die(4, "no workflow for " + type);
    const customer& c = r_.pick(customers_);
    tf::open_request req;
    req.type = type;
    req.channel = r_.pick(cat.org.channels).id;
    req.customer_id = c.id;
    req.customer = c.attributes;
    req.fields = random_values(r_, wf->fields, 0.8);
    req.description = r_.chance(0.3) ? std::string() : random_note(r_);
    req.external_ref = r_.chance(0.5) ? "95598-" + std::to_string(r_.between(100000, 999999)) : std::string();
    req.opened_by = r_.pick(pool_).id;
    const bool bad = r_.chance(0.05);
    if (bad) req.channel = "carrier_pigeon";
    auto opened = eng_.open(req);
    if (bad) {
      if (opened) die(4, "an open with an unknown channel was accepted");
      refused_or_die(opened.error(), "open");
      if (opened.error().code() != tf::errc::invalid_argument)
        die(4, "bad open refused with " + std::string(tf::to_string(opened.error().code())));
      ack(tf::engine::denial_log_id);
      return;
    }
    if (!opened) die(4, "open " + type + ": " + opened.error().message());
    auto h = st_.head(opened->ticket.id);
    if (!h) die(4, "head: " + h.error().message());
    if (h->version != opened->ticket.version)
      die(4, "open returned version " + std::to_string(opened->ticket.version) + ", the store holds " +
                 std::to_string(h->version));
    ack(opened->ticket.id);
  }

  void advance() {
    // A jump that often passes deadlines: minutes to days.
    const std::int64_t jumps[] = {300, 1800, 3 * 3600, 20 * 3600, 3 * 86400};
    clock_.advance(std::chrono::seconds{r_.between(60, jumps[r_.below(5)])});
    // advance() fires only the timers the store lists as due: these are the
    // tickets it can move.
    auto due = st_.due(clock_.now(), std::numeric_limits<std::size_t>::max());
    if (!due) die(4, "due: " + due.error().message());
    std::map<std::string, std::uint64_t> before;
    for (const auto& d : *due) {
      auto h = st_.head(d.ticket_id);
      if (!h) die(4, "head: " + h.error().message());
      before[d.ticket_id] = h->version;
    }
    auto report = eng_.advance();
    if (!report) die(4, "advance: " + report.error().message());
    std::size_t moved = 0;
    for (const auto& [id, version] : before) {
      auto h = st_.head(id);
      if (!h) die(4, "head: " + h.error().message());
      if (h->version == version) continue;
      ++moved;
      ack(id);
    }
    if (moved != report->tickets || before.size() != report->tickets)
      die(4, "advance reports " + std::to_string(report->tickets) + " tickets, " +
                 std::to_string(before.size()) + " were due and the store moved " + std::to_string(moved));
  }

  void act_on_unknown() {
    tf::act_request req;
    req.ticket_id = "T99999999";
    req.action = "classify";
    req.by = r_.pick(pool_);
    auto res = eng_.act(req);
    if (res) die(4, "an action on an unknown ticket was accepted");
    refused_or_die(res.error(), "act on unknown ticket");
    ack(tf::engine::denial_log_id);
  }

  void act_on(const std::string& id) {
    auto v = eng_.view(id);
    if (!v) die(4, "view " + id + ": " + v.error().message());
    const tf::organisation& org = eng_.definitions().org;
    const tf::workflow* wf = eng_.definitions().find(v->workflow_id, v->workflow_version);
    if (wf == nullptr) die(4, "ticket " + id + " runs on an unknown workflow");
    const std::size_t si = wf->state_index(v->state);
    if (si == tf::npos) die(4, "ticket " + id + " is in an unknown state");
    const tf::state& st = wf->states[si];
    tf::act_request req;
    req.ticket_id = id;
    const tf::action* act = nullptr;
    if (!st.actions.empty() && r_.chance(0.93)) {
      act = &r_.pick(st.actions);
      req.action = act->id;
    } else {
      req.action = "no_such_action";
    }
    std::vector<const tf::actor*> fit;
    if (act != nullptr)
      for (const auto& a : pool_)
        if (tierflow_test::permitted(org, a, *act, v->region)) fit.push_back(&a);
    req.by = !fit.empty() && r_.chance(0.85) ? *r_.pick(fit) : r_.pick(pool_);
    if (act != nullptr && act->needs_note)
      req.note = r_.chance(0.9) ? random_note(r_) : std::string();
    else if (r_.chance(0.2))
      req.note = random_note(r_);
    const double ev = r_.unit();
    if (ev < 0.3)
      req.expected_version = v->version;
    else if (ev < 0.35)
      req.expected_version = v->version + 1;
    auto res = eng_.act(req);
    if (!res) refused_or_die(res.error(), "act " + req.action + " on " + id);
    ack(id);
  }

  tf::store& st_;
  tf::engine& eng_;
  tf::manual_clock& clock_;
  rng r_;
  bool group_;
  std::vector<tf::actor> pool_;
  std::vector<std::string> types_;
  std::vector<customer> customers_;
};

// The instant after the last event the store holds; `fallback` for an empty
// store.
tf::timestamp resume_time(const tf::store& st, tf::timestamp fallback) {
  auto ids = st.streams();
  if (!ids) die(3, "streams: " + ids.error().message());
  tf::timestamp last = fallback;
  for (const auto& id : *ids) {
    auto events = st.load(id);
    if (!events) die(3, "load " + id + ": " + events.error().message());
    for (const auto& e : *events) last = std::max(last, e.time);
  }
  return last + 1min;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) die(2, "usage: crash_writer DB_PATH SEED [--mode per_command|group_commit]");
  const std::string path = argv[1];
  char* end = nullptr;
  errno = 0;
  const std::uint64_t seed = std::strtoull(argv[2], &end, 0);
  if (errno != 0 || end == argv[2] || *end != '\0') die(2, "SEED must be a number");
  tf::store_options options;
  if (argc == 5) {
    const std::string_view flag = argv[3], mode = argv[4];
    if (flag != "--mode") die(2, "unknown option " + std::string(flag));
    if (mode == "per_command")
      options.mode = tf::durability::per_command;
    else if (mode == "group_commit")
      options.mode = tf::durability::group_commit;
    else
      die(2, "--mode: expected per_command or group_commit");
  }

  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({TIERFLOW_SOURCE_DIR "/workflows"}, diags);
  if (!cat) die(3, "loading the shipped workflows: " + diags.str());
  auto st = tf::open_store("sqlite:" + path, options);
  if (!st) die(3, "opening " + path + ": " + st.error().message());
  // A Monday morning in 2026 for an empty file; after its last event else.
  tf::manual_clock clock(resume_time(**st, tf::timestamp{std::chrono::sys_days{std::chrono::year{2026} /
                                                                                  3 / 2}} +
                                            8h));
  tf::engine_options eo;
  eo.time_source = &clock;
  eo.events = st->get();
  auto eng = tf::engine::create(std::move(*cat), eo);
  if (!eng) die(3, "restoring the engine: " + eng.error().message());
  emit("ready");
  writer w(**st, **eng, clock, seed, options.mode == tf::durability::group_commit);
  w.run();
}
