// SPDX-License-Identifier: MIT
// Property tests of the engine: seeded random command sequences (opens,
// actions of every shipped workflow, bogus actions, unfit actors, stale
// versions, clock jumps and advance()) against invariants that must hold
// after every step and at the end:
// - replay(id) == view(id), verify(id) ok, sequences 1..n, times non-decreasing;
// - the outcome of every act is the one the rules predict (conflict,
//   not_found, permission_denied, failed_precondition, or accepted), judged on the ticket as it is
//   after the timers the act fires first;
// - a refused command changes neither the view nor the version (only timers
//   the act fired first are appended); it is recorded on the ticket's denial
//   stream (or the denial log) exactly when the coalescing rules of
//   engine.hpp say so (a model of them here), with the count it stands for;
// - expected_version is stale only when a change other than timers came after it;
// - the owner, once set, never changes; the first claimer becomes owner;
// - every timer fires at most once per clock run (the step clock: per state
//   visit), warnings before the breach, and every passed deadline is breached
//   after advance();
// - derived customer attributes count the customer's history;
// - queues, the overdue list, customer records and stats agree with the
//   tickets.
// Every run is deterministic: the seed (printed on failure) reproduces it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/tierflow.hpp>

#include "engine_checks.hpp"
#include "support/engine_fixture.hpp"
#include "test_support.hpp"
#include "engine/ticket_record.hpp"

namespace {

namespace tf = tierflow;
using namespace std::chrono;
using namespace std::chrono_literals;

using tierflow_test::actor_pool;
using tierflow_test::check_owner;
using tierflow_test::check_timers;
using tierflow_test::describe;
using tierflow_test::permitted;
using tierflow_test::random_note;
using tierflow_test::random_values;
using tierflow_test::rng;
using tierflow_test::shipped;

// --- describing things for failure messages ---------------------------------------------------

std::string hex(std::uint64_t x) {
  std::ostringstream os;
  os << "0x" << std::hex << x;
  return os.str();
}

std::string describe(const tf::ticket_view& v) {
  std::ostringstream os;
  os << v.id << " " << v.workflow_id << " state=" << v.state << " closed=" << v.closed
     << " paused=" << v.paused << " owner=" << v.owner << " assignee=" << v.assignee.unit << "/"
     << v.assignee.region << "/" << v.assignee.person << " tier=" << v.tier << "(" << v.tier_level
     << ") escalations=" << v.escalations << " handoffs=[";
  for (const auto& h : v.handoffs) os << h << " ";
  os << "] flags=[";
  for (const auto& f : v.flags) os << f << " ";
  os << "] deadlines=[";
  for (const auto& d : v.deadlines)
    os << d.id << ":" << tf::to_string(d.status) << ":" << d.within << ":"
       << (d.due ? std::to_string(d.due->time_since_epoch().count()) : std::string("-")) << ":"
       << d.remaining_seconds << ":" << d.breached << " ";
  os << "] time_by_unit=[";
  for (const auto& u : v.time_by_unit)
    os << u.unit << ":" << u.seconds << ":" << u.working_seconds << " ";
  os << "] version=" << v.version << " as_of=" << v.as_of.time_since_epoch().count();
  return os.str();
}

std::string compare(const tf::ticket_view& want, const tf::ticket_view& got) {
  if (want == got) return {};
  return "\n  expected: " + describe(want) + "\n  got:      " + describe(got);
}

// --- the model of who may do what -------------------------------------------------------------

bool works_in(const tf::organisation& org, const tf::actor& who, std::string_view unit) {
  for (const auto& role_id : who.roles)
    if (const tf::role* ro = org.find_role(role_id); ro != nullptr && ro->unit == unit) return true;
  return false;
}

const tf::action* find_action(const tf::state& st, std::string_view id) {
  for (const auto& a : st.actions)
    if (a.id == id) return &a;
  return nullptr;
}

// The classification the actor must give with `act`, or nullptr when the
// action takes none from them (none recorded, or a value its definition
// fixes).
const tf::classification* asks_classification(const tf::workflow& wf, const tf::action* act) {
  if (act == nullptr || act->classifies.empty() || !act->classification_value.empty()) return nullptr;
  return wf.find_classification(act->classifies);
}

// --- random requests -------------------------------------------------------------------------




// --- stream checks ---------------------------------------------------------------------------

// Sequences 1..n, the ticket's id, workflow stamped, times non-decreasing and
// not in the future. Empty when fine.
std::string check_stream(const std::vector<tf::event>& s, std::string_view id, tf::timestamp now) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const tf::event& e = s[i];
    if (e.sequence != i + 1)
      return "event at index " + std::to_string(i) + " has sequence " + std::to_string(e.sequence);
    if (e.ticket_id != id)
      return "event " + std::to_string(e.sequence) + " belongs to " + e.ticket_id;
    if (i > 0 && e.time < s[i - 1].time)
      return "event " + describe(e) + " is earlier than its predecessor";
    if (e.time > now) return "event " + describe(e) + " is in the future";
    if (e.workflow_id != s[0].workflow_id || e.workflow_version != s[0].workflow_version)
      return "event " + describe(e) + " names another workflow";
  }
  if (s.empty() || s[0].type != tf::event_type::opened)
    return "stream does not start with `opened`";
  return {};
}

// Whether the current run of `deadline` has a breach event.
bool breach_recorded(const std::vector<tf::event>& s, std::string_view deadline) {
  for (std::size_t i = s.size(); i-- > 0;) {
    const tf::event& e = s[i];
    if (deadline == "step" && e.type == tf::event_type::transitioned) return false;
    if (e.type == tf::event_type::deadline_breached && e.detail("deadline") == deadline &&
        !e.detail("after"))
      return true;
  }
  return false;
}

// Every running deadline whose due instant has passed (`inclusive`: or is
// now) has been breached. After advance(now) every timer due by now has
// fired; after an act, every timer due before now.
std::string check_breaches_fired(const tf::ticket_view& v, const std::vector<tf::event>& s,
                                 tf::timestamp now, bool inclusive) {
  for (const auto& d : v.deadlines) {
    if (d.status != tf::deadline_status::running || !d.due) continue;
    if (*d.due > now || (!inclusive && *d.due == now)) continue;
    if (!breach_recorded(s, d.id))
      return "deadline " + d.id + " due " + std::to_string(d.due->time_since_epoch().count()) +
             " passed (now " + std::to_string(now.time_since_epoch().count()) +
             ") without a breach event\n  " + describe(v) + describe(s);
  }
  return {};
}

// --- one seeded run --------------------------------------------------------------------------

struct tracked {
  std::string id;
  std::string customer;
  std::string type;
};

struct tally {
  std::map<std::string, std::size_t> accepted_by_workflow;
  std::map<tf::errc, std::size_t> denied_by_code;
  std::size_t acts = 0, opens = 0, bad_opens = 0, unknown_tickets = 0, advances = 0, timers = 0;
  std::size_t closed = 0, handoffs = 0, escalations = 0, read_before_timers = 0,
              acts_fired_timers = 0, coalesced = 0;
};

class run {
 public:
  explicit run(std::uint64_t seed)
      : seed_(seed),
        r_(seed),
        fx_(start_time(seed)),
        org_(shipped().org),
        pool_(actor_pool(shipped().org, true)) {
    cc_ = tf::detail::compile(eng_->definitions());
    for (const auto& wf : eng_->definitions().workflows)
      for (const auto& type : wf.ticket_types)
        if (std::find(types_.begin(), types_.end(), type) == types_.end()) types_.push_back(type);
    for (int i = 0; i < 10; ++i) {
      customer c;
      c.id = "C" + std::to_string(seed % 1000) + "-" + std::to_string(i);
      c.attributes = random_values(r_, org_.customer_attributes, 0.6);
      customers_.push_back(std::move(c));
    }
  }

  // Runs `steps` random steps after two tickets of every type.
  void go(std::size_t steps) {
    INFO("seed " << hex(seed_) << " (std::mt19937_64; rerun this test case alone to reproduce)");
    for (std::size_t i = 0; i < 2 * types_.size(); ++i)
      open_ticket(types_[i % types_.size()], false);
    for (step_ = 0; step_ < steps; ++step_) {
      INFO("step " << step_ << ", clock " << clock_.now().time_since_epoch().count());
      const double x = std::uniform_real_distribution<double>(0, 1)(r_.gen);
      if (x < 0.06) {
        advance_clock();
      } else if (x < 0.10) {
        // Time passes without advance(): the next act on a ticket must fire
        // its due timers itself before judging the action.
        clock_.advance(random_jump());
      } else if (x < 0.14 && tickets_.size() < 45) {
        open_ticket(r_.pick(types_), r_.chance(0.15));
      } else if (x < 0.15) {
        act_on_unknown_ticket();
      } else {
        act_on_ticket();
      }
    }
    finish();
  }

  const tally& counts() const { return tally_; }

 private:
  struct customer {
    std::string id;
    tf::attribute_values attributes;
  };

  static tf::timestamp start_time(std::uint64_t seed) {
    // Somewhere in 2026, any minute of the day: business calendars, weekends
    // and holidays all come up.
    rng r(seed ^ 0x9e3779b97f4a7c15ULL);
    return sys_days{2026y / 1 / 5} + days{r.between(0, 300)} + minutes{r.between(0, 24 * 60 - 1)};
  }

  const tf::workflow& workflow_of(const tf::ticket_view& v) const {
    const tf::workflow* wf = eng_->definitions().find(v.workflow_id, v.workflow_version);
    REQUIRE_MESSAGE(wf != nullptr, "no workflow " << v.workflow_id << " v" << v.workflow_version);
    return *wf;
  }

  std::vector<tf::event> stream(const std::string& id) const {
    auto s = eng_->events(id);
    REQUIRE_MESSAGE(s.has_value(), id << ": " << s.error().message());
    return std::move(*s);
  }

  std::size_t denial_log_size() const {
    auto s = eng_->events(tf::engine::denial_log_id);
    return s ? s->size() : 0;
  }

  std::vector<tf::event> denials(const std::string& id) const {
    auto d = eng_->denials(id);
    REQUIRE_MESSAGE(d.has_value(), id << ": " << d.error().message());
    return std::move(*d);
  }

  // The coalescing rules of engine.hpp (class comment), as a model: per
  // stream a window of denial_window from its first recorded denial and a
  // cap of recorded ones; per (actor, action, code …) the time of the last
  // recorded one and how many were not recorded since. nullopt: not
  // recorded; else the `repeated` count the record carries.
  struct gate_model {
    tf::timestamp start{};
    std::size_t recorded = 0;
    std::map<std::string, std::pair<std::optional<tf::timestamp>, std::uint64_t>> keys;
  };
  std::map<std::string, gate_model> gates_;

  std::optional<std::uint64_t> admit(const std::string& stream, const std::string& key, std::size_t cap) {
    const tf::timestamp now = clock_.now();
    gate_model& g = gates_[stream];
    if (g.recorded == 0 || now - g.start >= tf::engine::denial_window || now < g.start) {
      g.start = now;
      g.recorded = 0;
    }
    auto& [last, unrecorded] = g.keys[key];
    const bool recent = last && now >= *last && now - *last < tf::engine::denial_window;
    if (recent || g.recorded >= cap) {
      ++unrecorded;
      ++tally_.coalesced;
      return std::nullopt;
    }
    const std::uint64_t n = unrecorded;
    unrecorded = 0;
    last = now;
    ++g.recorded;
    return n;
  }

  // The denial log: the model's verdict, checked against the log's growth.
  void check_logged(std::size_t log_before, const std::string& ticket, const std::string& actor,
                    const std::string& action, tf::errc code) {
    const auto want = admit(std::string(tf::engine::denial_log_id),
                            ticket + '\0' + actor + '\0' + action + '\0' + std::string(tf::to_string(code)),
                            tf::engine::max_denials_per_window * 16);
    auto log = eng_->events(tf::engine::denial_log_id);
    const std::size_t size = log ? log->size() : 0;
    CHECK(size == log_before + (want ? 1 : 0));
    if (want && size == log_before + 1) {
      const tf::event& d = log->back();
      CHECK(d.detail("ticket") == ticket);
      CHECK(d.detail("code") == tf::to_string(code));
      if (*want > 0) CHECK(d.detail("repeated") == std::to_string(*want));
      else CHECK_FALSE(d.detail("repeated").has_value());
    }
  }

  tf::ticket_view current(const std::string& id) const {
    auto v = eng_->view(id);
    REQUIRE_MESSAGE(v.has_value(), id << ": " << v.error().message());
    return std::move(*v);
  }

  // The invariants of one ticket: replay == view, the chain verifies, the
  // stream is well formed, timers fired once, the owner is the first claimer.
  void check_ticket(const std::string& id, bool after_advance) {
    INFO("ticket " << id);
    const tf::timestamp now = clock_.now();
    const tf::ticket_view v = current(id);
    auto replayed = eng_->replay(id);
    REQUIRE_MESSAGE(replayed.has_value(), replayed.error().message());
    REQUIRE_MESSAGE(*replayed == v, "replay differs from view" << compare(v, *replayed));
    const auto ok = eng_->verify(id);
    REQUIRE_MESSAGE(ok.has_value(), ok.error().message());
    const auto s = stream(id);
    REQUIRE(s.size() == v.version);
    std::string err = check_stream(s, id, now);
    REQUIRE_MESSAGE(err.empty(), err);
    err = check_timers(workflow_of(v), s);
    REQUIRE_MESSAGE(err.empty(), err);
    err = check_owner(v, s);
    REQUIRE_MESSAGE(err.empty(), err);
    err = check_breaches_fired(v, s, now, after_advance);
    REQUIRE_MESSAGE(err.empty(), err);
    const tf::workflow& wf = workflow_of(v);
    const auto st = wf.state_index(v.state);
    REQUIRE(st != tf::npos);
    CHECK(v.closed == wf.states[st].terminal);
    CHECK(v.paused == wf.states[st].pauses_clock);
    CHECK(v.closed == v.closed_at.has_value());
  }

  // --- open ---

  void open_ticket(const std::string& type, bool bad) {
    INFO("open " << type << (bad ? " (bad)" : ""));
    const customer& c = r_.pick(customers_);
    const tf::workflow* wf =
        eng_->definitions().workflow_for(type, floor<days>(clock_.now() + org_.utc_offset));
    REQUIRE(wf != nullptr);
    tf::open_request req;
    req.type = type;
    req.channel = r_.pick(org_.channels).id;
    req.customer_id = c.id;
    req.customer = c.attributes;
    req.fields = random_values(r_, wf->fields, 0.8);
    req.description = r_.chance(0.3) ? std::string() : random_note(r_);
    req.external_ref =
        r_.chance(0.5) ? "95598-" + std::to_string(r_.between(100000, 999999)) : std::string();
    req.opened_by = r_.chance(0.2) ? std::string() : r_.pick(pool_).id;
    tf::errc want = tf::errc::invalid_argument;
    if (bad) {
      switch (r_.below(6)) {
        case 0: req.customer.emplace_back("shoe_size", std::int64_t{42}); break;
        case 1:
          req.customer.emplace_back("complaints_last_30d", std::int64_t{0});
          break;  // derived
        case 2: req.customer.emplace_back("importance_class", std::string("galactic")); break;
        case 3: req.channel = "carrier_pigeon"; break;
        case 4: req.customer_id.clear(); break;
        default:
          req.type = "no_such_type";
          want = tf::errc::not_found;
          break;
      }
      // An attribute given twice is refused too.
      if (want == tf::errc::invalid_argument && req.customer.size() > 1 && r_.chance(0.2))
        req.customer.push_back(req.customer.front());
    }
    const std::size_t log_before = denial_log_size();
    const auto stats_before = eng_->stats();
    auto opened = eng_->open(req);
    if (bad) {
      REQUIRE_FALSE(opened.has_value());
      CHECK_MESSAGE(opened.error().code() == want, opened.error().message());
      check_logged(log_before, "", req.opened_by, "open", opened.error().code());
      CHECK(eng_->stats().denied == stats_before.denied + 1);
      CHECK(eng_->stats().commands == stats_before.commands);
      ++tally_.bad_opens;
      return;
    }
    REQUIRE_MESSAGE(opened.has_value(), opened.error().message());
    ++tally_.opens;
    const tf::ticket_view& v = opened->ticket;
    // Ticket numbers run 1, 2, 3 … whatever was refused in between.
    char expected_id[16];
    std::snprintf(expected_id, sizeof expected_id, "T%08zu", tickets_.size() + 1);
    CHECK(v.id == expected_id);
    CHECK(v.type == type);
    CHECK(v.customer_id == c.id);
    CHECK(v.state == wf->states[wf->initial].id);
    CHECK(v.owner.empty());
    CHECK(v.assignee.person.empty());
    CHECK(v == current(v.id));
    CHECK(opened->routing.workflow_id == wf->id);
    const auto s = stream(v.id);
    REQUIRE(s.size() >= 2);
    CHECK(s[0].type == tf::event_type::opened);
    CHECK(s[1].type == tf::event_type::routed);
    CHECK(s[1].detail("rule") == opened->routing.rule);
    CHECK(s[0].detail("customer") == c.id);
    // Derived attributes count the customer's other tickets of the type,
    // open or closed within the window.
    for (const auto& a : org_.customer_attributes) {
      if (!a.derived) continue;
      const auto window = tf::add(tf::detail::wall_calendar(), tf::timestamp{}, a.derived->within) -
                          tf::timestamp{};
      std::int64_t n = 0;
      for (const auto& t : tickets_) {
        if (t.customer != c.id || t.type != a.derived->count_type) continue;
        const tf::ticket_view tv = current(t.id);
        if (!tv.closed || (tv.closed_at && clock_.now() - *tv.closed_at <= window)) ++n;
      }
      CHECK_MESSAGE(s[0].detail("customer." + a.name) == std::to_string(n), "derived " << a.name);
    }
    tickets_.push_back({v.id, c.id, type});
    check_ticket(v.id, false);
  }

  // --- act ---

  void act_on_unknown_ticket() {
    const std::size_t log_before = denial_log_size();
    tf::act_request req;
    req.ticket_id = r_.chance(0.5) ? "T99999999" : "";
    req.action = "classify";
    req.by = r_.pick(pool_);
    auto res = eng_->act(req);
    REQUIRE_FALSE(res.has_value());
    CHECK(res.error().code() == tf::errc::not_found);
    check_logged(log_before, req.ticket_id, req.by.id, req.action, tf::errc::not_found);
    ++tally_.unknown_tickets;
  }

  void act_on_ticket() {
    // Mostly open tickets; now and then a closed one (every action refused).
    std::vector<std::size_t> open, closed;
    for (std::size_t i = 0; i < tickets_.size(); ++i)
      (current(tickets_[i].id).closed ? closed : open).push_back(i);
    const bool use_closed = !closed.empty() && (open.empty() || r_.chance(0.05));
    const tracked& t = tickets_[use_closed ? r_.pick(closed) : r_.pick(open)];
    const tf::ticket_view before = current(t.id);
    const tf::workflow& wf = workflow_of(before);
    const tf::state& st = wf.states[wf.state_index(before.state)];

    tf::act_request req;
    req.ticket_id = t.id;
    const double x = std::uniform_real_distribution<double>(0, 1)(r_.gen);
    if (!st.actions.empty() && x < 0.9) {
      req.action = r_.pick(st.actions).id;
    } else if (x < 0.95) {
      req.action = "no_such_action";
    } else {
      // An action of another state of the same workflow.
      const tf::state& other = r_.pick(wf.states);
      req.action = other.actions.empty() ? std::string("archive") : r_.pick(other.actions).id;
    }
    const tf::action* act = find_action(st, req.action);
    // Mostly someone allowed to act; otherwise anyone.
    std::vector<const tf::actor*> fit;
    if (act != nullptr)
      for (const auto& a : pool_)
        if (permitted(org_, a, *act, before.region)) fit.push_back(&a);
    req.by = !fit.empty() && r_.chance(0.75) ? *r_.pick(fit) : r_.pick(pool_);
    if (act != nullptr && act->needs_note)
      req.note = r_.chance(0.85) ? random_note(r_) : std::string();
    else
      req.note = r_.chance(0.25) ? random_note(r_) : std::string();
    // A classification: mostly one of the values where the action asks the
    // actor for one; sometimes none, an unknown one, or one given to an
    // action that takes none.
    const tf::classification* asked = asks_classification(wf, act);
    if (asked != nullptr && !asked->values.empty())
      req.classification = r_.chance(0.85)  ? r_.pick(asked->values)
                           : r_.chance(0.5) ? std::string()
                                            : std::string("no_such_class");
    else if (r_.chance(0.03))
      req.classification = "stray";
    const double ev = std::uniform_real_distribution<double>(0, 1)(r_.gen);
    if (ev < 0.35)
      req.expected_version = before.version;
    else if (ev < 0.47)
      req.expected_version =
          before.version > 1 && r_.chance(0.7)
              ? before.version - 1 - r_.below(std::min<std::size_t>(3, before.version - 1))
              : before.version + 1 + r_.below(3);

    INFO("act " << req.action << " on " << t.id << " in " << before.state << " by " << req.by.id
                << " (" << req.by.region << ") note '" << req.note << "' classification '"
                << req.classification << "' expected "
                << (req.expected_version ? std::to_string(*req.expected_version)
                                         : std::string("-")));
    const auto stats_before = eng_->stats();
    const std::size_t denials_before = denials(t.id).size();
    auto res = eng_->act(req);
    ++tally_.acts;
    const tf::timestamp now = clock_.now();
    const auto s = stream(t.id);
    REQUIRE(s.size() >= before.version);  // a refusal appends nothing to it

    // The timers act fired before judging: the leading `system` events.
    std::size_t k = before.version;
    while (k < s.size() && s[k].actor_id == "system") ++k;
    if (k > before.version) ++tally_.acts_fired_timers;
    for (std::size_t i = before.version; i < k; ++i)
      CHECK_MESSAGE(s[i].time <= now, describe(s[i]));
    tf::ticket_view judged =
        tf::detail::replay(cc_, std::span<const tf::event>(s).first(k)).value().view(now);
    if (k == before.version)
      CHECK_MESSAGE(judged == before, "the trail folds to another view" << compare(before, judged));

    // Stale: ahead of the ticket, or a change other than timers firing came
    // after it — an event by someone other than the engine, or the opening
    // itself (by "system" when nobody registered it: its events up to the
    // first timer's or a person's).
    bool stale = false;
    if (req.expected_version) {
      const std::uint64_t pinned = *req.expected_version;
      std::size_t open_len = 1;
      while (open_len < k && s[open_len].actor_id == "system" &&
             s[open_len].type != tf::event_type::deadline_warned &&
             s[open_len].type != tf::event_type::deadline_breached && s[0].actor_id == "system")
        ++open_len;
      stale = pinned > k || pinned < open_len;
      for (std::size_t i = pinned; !stale && i < k; ++i) stale = s[i].actor_id != "system";
      if (!stale && pinned < k) ++tally_.read_before_timers;
    }

    // What the rules say.
    std::optional<tf::errc> want;
    if (stale)
      want = tf::errc::conflict;
    else if (act == nullptr)
      want = tf::errc::not_found;
    else if (!permitted(org_, req.by, *act, judged.region))
      want = tf::errc::permission_denied;
    else if (act->needs_note && req.note.empty())
      want = tf::errc::failed_precondition;
    else if (act->effect == tf::action_effect::give_back && judged.handoffs.empty())
      want = tf::errc::failed_precondition;
    else if (asked != nullptr ? !asked->allows(req.classification) : !req.classification.empty())
      want = tf::errc::invalid_argument;

    if (want) {
      REQUIRE_MESSAGE(!res.has_value(),
                      "accepted, the rules say " << tf::to_string(*want) << describe(s, k));
      CHECK_MESSAGE(res.error().code() == *want, res.error().message());
      ++tally_.denied_by_code[res.error().code()];
      // Nothing on the ticket's own stream but the timers the act fired:
      // neither the view nor the version changed.
      REQUIRE_MESSAGE(s.size() == k, "a denial appended to the ticket's stream" << describe(s, k));
      const tf::ticket_view after = current(t.id);
      CHECK(after.version == judged.version);
      CHECK_MESSAGE(after == judged, "a denial changed the ticket" << compare(judged, after));
      // On the denial stream, when the coalescing rules record it.
      const auto recorded = admit(t.id, req.by.id + '\0' + req.action + '\0' + std::string(tf::to_string(*want)),
                                  tf::engine::max_denials_per_window);
      const auto d = denials(t.id);
      REQUIRE(d.size() == denials_before + (recorded ? 1 : 0));
      if (recorded) {
        const tf::event& e = d.back();
        CHECK(e.type == tf::event_type::denied);
        CHECK(e.ticket_id == tf::denial_stream_of(t.id));
        CHECK(e.sequence == d.size());
        CHECK(e.actor_id == req.by.id);
        CHECK(e.time == now);
        CHECK(e.detail("action") == req.action);
        CHECK(e.detail("code") == tf::to_string(*want));
        if (*recorded > 0) CHECK(e.detail("repeated") == std::to_string(*recorded));
        else CHECK_FALSE(e.detail("repeated").has_value());
      }
      CHECK(eng_->stats().denied == stats_before.denied + 1);
      CHECK(eng_->stats().commands == stats_before.commands);
    } else {
      REQUIRE_MESSAGE(res.has_value(), res.error().message());
      ++tally_.accepted_by_workflow[wf.id];
      const tf::ticket_view after = current(t.id);
      CHECK_MESSAGE(*res == after, "act returned another view than view()" << compare(after, *res));
      CHECK(eng_->stats().commands == stats_before.commands + 1);
      CHECK(eng_->stats().denied == stats_before.denied);
      REQUIRE(s.size() > k);
      for (std::size_t i = k; i < s.size(); ++i)
        CHECK_MESSAGE(s[i].actor_id == req.by.id, describe(s[i]));
      // accepted {person, owner, assignee} when the claim changes anything,
      // then transitioned / noted naming the action.
      std::size_t i = k;
      const bool new_owner = judged.owner.empty();
      const bool new_assignee =
          works_in(org_, req.by, judged.assignee.unit) && judged.assignee.person != req.by.id;
      if (act->claims && (new_owner || new_assignee)) {
        REQUIRE_MESSAGE(s[i].type == tf::event_type::accepted, describe(s, k));
        CHECK(s[i].detail("person") == req.by.id);
        CHECK(s[i].detail("owner") == (new_owner ? "true" : "false"));
        CHECK(s[i].detail("assignee") == (new_assignee ? "true" : "false"));
        ++i;
      }
      REQUIRE(i < s.size());
      const bool moves = !act->to.empty() && act->to != judged.state;
      CHECK_MESSAGE(s[i].type == (moves ? tf::event_type::transitioned : tf::event_type::noted),
                    describe(s, k));
      CHECK(s[i].detail("action") == act->id);
      CHECK(after.state == (act->to.empty() ? judged.state : act->to));
      // The owner: the first claimer, for good.
      if (!judged.owner.empty())
        CHECK(after.owner == judged.owner);
      else
        CHECK(after.owner == (act->claims ? req.by.id : std::string()));
      CHECK(after.escalations >= judged.escalations);
      // Effects.
      const auto has = [&](tf::event_type type, std::string_view key, std::string_view value) {
        return std::any_of(
            s.begin() + static_cast<std::ptrdiff_t>(k), s.end(),
            [&](const tf::event& e) { return e.type == type && e.detail(key) == value; });
      };
      switch (act->effect) {
        case tf::action_effect::none: break;
        case tf::action_effect::handoff:
          CHECK_MESSAGE(has(tf::event_type::handed_off, "action", act->id), describe(s, k));
          CHECK(!after.handoffs.empty());
          ++tally_.handoffs;
          break;
        case tf::action_effect::give_back:
          CHECK_MESSAGE(has(tf::event_type::returned, "kind", "handoff"), describe(s, k));
          CHECK(after.handoffs.size() + 1 == judged.handoffs.size());
          break;
        case tf::action_effect::escalate:
          CHECK_MESSAGE((has(tf::event_type::escalated, "action", act->id) ||
                         has(tf::event_type::noted, "action", act->id)),
                        describe(s, k));
          CHECK(after.tier_level >= judged.tier_level);
          ++tally_.escalations;
          break;
        case tf::action_effect::reroute:
          CHECK_MESSAGE(has(tf::event_type::returned, "kind", "reroute"), describe(s, k));
          CHECK_MESSAGE(has(tf::event_type::routed, "kind", "reroute"), describe(s, k));
          break;
      }
      if (after.closed && !judged.closed) {
        CHECK(has(tf::event_type::closed, "state", after.state));
        ++tally_.closed;
      }
    }
    check_ticket(t.id, false);
  }

  // --- time ---

  // Minutes to days.
  seconds random_jump() {
    const double x = std::uniform_real_distribution<double>(0, 1)(r_.gen);
    return x < 0.55   ? seconds{minutes{r_.between(1, 90)}}
           : x < 0.85 ? seconds{hours{r_.between(2, 16)}}
                      : seconds{days{r_.between(1, 4)}};
  }

  void advance_clock() {
    const seconds jump = random_jump();
    clock_.advance(jump);
    const tf::timestamp now = clock_.now();
    INFO("advance by " << jump.count() << " s to " << now.time_since_epoch().count());
    std::vector<std::size_t> sizes;
    for (const auto& t : tickets_) sizes.push_back(stream(t.id).size());
    const auto stats_before = eng_->stats();
    auto report = eng_->advance();
    REQUIRE_MESSAGE(report.has_value(), report.error().message());
    ++tally_.advances;
    std::size_t fired = 0, fired_tickets = 0;
    for (std::size_t i = 0; i < tickets_.size(); ++i) {
      const auto s = stream(tickets_[i].id);
      std::size_t here = 0;
      for (std::size_t j = sizes[i]; j < s.size(); ++j) {
        CHECK_MESSAGE(s[j].actor_id == "system", describe(s[j]));
        CHECK_MESSAGE(s[j].time <= now, describe(s[j]));
        if (s[j].type == tf::event_type::deadline_warned ||
            s[j].type == tf::event_type::deadline_breached)
          ++here;
      }
      fired += here;
      if (here > 0) ++fired_tickets;
      check_ticket(tickets_[i].id, true);
    }
    CHECK(report->fired == fired);
    CHECK(report->tickets == fired_tickets);
    CHECK(eng_->stats().timers_fired == stats_before.timers_fired + fired);
    tally_.timers += fired;
    // Nothing is left to fire at this instant.
    auto again = eng_->advance();
    REQUIRE(again.has_value());
    CHECK(again->fired == 0);
  }

  // --- the end ---

  void finish() {
    INFO("final checks");
    auto report = eng_->advance();
    REQUIRE_MESSAGE(report.has_value(), report.error().message());
    std::size_t notified = 0, timer_events = 0;
    std::map<std::string, std::vector<std::string>> by_customer;
    std::vector<tf::ticket_view> views;
    for (const auto& t : tickets_) {
      check_ticket(t.id, true);
      const auto s = stream(t.id);
      for (const auto& e : s) {
        if (e.type == tf::event_type::notified) ++notified;
        if (e.type == tf::event_type::deadline_warned ||
            e.type == tf::event_type::deadline_breached)
          ++timer_events;
      }
      by_customer[t.customer].push_back(t.id);
      views.push_back(current(t.id));
    }
    // Every notified event reached the sink, and nothing else did.
    const auto delivered = sink_.drain();
    CHECK(delivered.size() == notified);
    const auto stats = eng_->stats();
    CHECK(stats.notifications == notified);
    CHECK(stats.sink_failures == 0);
    CHECK(stats.timers_fired == timer_events);
    CHECK(stats.commands == tally_.opens + accepted_total());
    CHECK(stats.denied == denied_total() + tally_.bad_opens + tally_.unknown_tickets);
    // Queues: every open ticket is in its unit's queue (and equal to its
    // view), nearest deadline first; closed tickets are in none.
    std::set<std::pair<std::string, std::string>> queues;
    for (const auto& v : views) queues.emplace(v.assignee.unit, v.assignee.region);
    std::set<std::string> queued;
    for (const auto& [unit, region] : queues) {
      auto q = eng_->queue(unit, region);
      REQUIRE_MESSAGE(q.has_value(), q.error().message());
      for (std::size_t i = 0; i < q->size(); ++i) {
        const tf::ticket_view& v = (*q)[i];
        CHECK_FALSE(v.closed);
        CHECK(v.assignee.unit == unit);
        CHECK(v.assignee.region == region);
        CHECK(v == current(v.id));
        queued.insert(v.id);
        if (i + 1 < q->size() && (*q)[i + 1].nearest_due()) {
          CHECK(v.nearest_due().has_value());
          if (v.nearest_due()) CHECK(*v.nearest_due() <= *(*q)[i + 1].nearest_due());
        }
      }
    }
    for (const auto& v : views) CHECK_MESSAGE(queued.contains(v.id) == !v.closed, v.id);
    // The overdue list is exactly the open tickets that are overdue.
    auto overdue = eng_->overdue();
    REQUIRE(overdue.has_value());
    std::set<std::string> late;
    for (const auto& v : *overdue) late.insert(v.id);
    for (const auto& v : views)
      CHECK_MESSAGE(late.contains(v.id) == (!v.closed && v.overdue()), v.id);
    // Customer records: their tickets, first contact first, and all their
    // events and recorded refusals.
    for (const auto& [customer_id, ids] : by_customer) {
      auto rec = eng_->customer_record(customer_id);
      REQUIRE(rec.has_value());
      REQUIRE(rec->tickets.size() == ids.size());
      std::size_t events = 0;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        CHECK(rec->tickets[i].id == ids[i]);
        events += stream(ids[i]).size() + denials(ids[i]).size();
      }
      CHECK(rec->events.size() == events);
      for (std::size_t i = 1; i < rec->events.size(); ++i)
        CHECK(rec->events[i - 1].time <= rec->events[i].time);
    }
  }

  std::size_t accepted_total() const {
    std::size_t n = 0;
    for (const auto& [wf, count] : tally_.accepted_by_workflow) n += count;
    return n;
  }
  std::size_t denied_total() const {
    std::size_t n = 0;
    for (const auto& [code, count] : tally_.denied_by_code) n += count;
    return n;
  }

  std::uint64_t seed_;
  rng r_;
  // The engine over the shipped catalog, its manual clock and the queue
  // its notifications go to.
  tierflow_test::engine_fixture fx_;
  tf::manual_clock& clock_ = fx_.clock;
  tf::notification_queue& sink_ = fx_.inbox;
  const tf::organisation& org_;
  std::vector<tf::actor> pool_;
  std::unique_ptr<tf::engine>& eng_ = fx_.eng;
  tf::detail::compiled_catalog cc_;
  std::vector<std::string> types_;
  std::vector<customer> customers_;
  std::vector<tracked> tickets_;
  std::size_t step_ = 0;
  tally tally_;
};

void run_seed(std::uint64_t seed, std::size_t steps) {
  run r(seed);
  r.go(steps);
  const tally& t = r.counts();
  MESSAGE("seed " << hex(seed) << ": " << t.acts << " acts (" << t.denied_by_code.size()
                  << " denial kinds), " << t.opens << " opens, " << t.bad_opens << " bad opens, "
                  << t.advances << " advances, " << t.timers << " timers, " << t.closed
                  << " closed, " << t.handoffs << " handoffs, " << t.escalations
                  << " escalate actions, " << t.acts_fired_timers
                  << " acts that fired timers first, " << t.read_before_timers
                  << " versions read before timers fired and still good, " << t.coalesced
                  << " denials coalesced");
  // The run explored what it is meant to: every workflow moved, every kind
  // of refusal came up, timers fired and some tickets closed.
  INFO("seed " << hex(seed));
  for (const auto& wf : shipped().workflows)
    CHECK_MESSAGE(t.accepted_by_workflow.count(wf.id) == 1, wf.id);
  for (const auto code : {tf::errc::conflict, tf::errc::not_found, tf::errc::permission_denied,
                          tf::errc::failed_precondition})
    CHECK_MESSAGE(t.denied_by_code.count(code) == 1, tf::to_string(code));
  CHECK(t.timers > 0);
  CHECK(t.acts_fired_timers > 0);
  CHECK(t.closed > 0);
  CHECK(t.handoffs > 0);
}

constexpr std::size_t steps_per_seed = 900;

}  // namespace

// Eight independent seeds, each its own engine with tickets of all five
// workflows: ~6000 actions, ~250 opens and ~600 advance() calls in all.
TEST_CASE("engine.property.seed_5eed0001") { run_seed(0x5eed0001, steps_per_seed); }
TEST_CASE("engine.property.seed_5eed0002") { run_seed(0x5eed0002, steps_per_seed); }
TEST_CASE("engine.property.seed_5eed0003") { run_seed(0x5eed0003, steps_per_seed); }
TEST_CASE("engine.property.seed_5eed0004") { run_seed(0x5eed0004, steps_per_seed); }
TEST_CASE("engine.property.seed_5eed0005") { run_seed(0x5eed0005, steps_per_seed); }
TEST_CASE("engine.property.seed_5eed0006") { run_seed(0x5eed0006, steps_per_seed); }
TEST_CASE("engine.property.seed_5eed0007") { run_seed(0x5eed0007, steps_per_seed); }
TEST_CASE("engine.property.seed_5eed0008") { run_seed(0x5eed0008, steps_per_seed); }
