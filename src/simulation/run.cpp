// SPDX-License-Identifier: MIT
// One replication: a discrete-event loop that opens tickets as customers
// ask, lets people take them from their pools nearest deadline first, keeps
// them busy for the handling time, records each action on the real engine
// when it is done, and lets the engine's timers fire as the manual clock
// passes them.
//
// Events are ordered by (instant, insertion number), so one seed gives one
// trail. Timers: every append's summary announces the ticket's next timer
// (recording_store); the loop wakes at the earliest announced instant,
// advances the engine there and re-queues the waiting tickets the timers
// changed, so a timer fires at its own instant, not at the next arrival
// (between wake-ups no timer is due, so the engine is not advanced).
//
// Accounting: a person is on shift in their calendar's working time, and
// busy from taking a ticket to recording its action; one busy at the end of
// a shift finishes the job, so busy time can run past the shift. Breaches
// are the trail's deadline_breached events (not the steps after one) in the
// reported period, step limits included (deadline "step"), with the unit
// and customer region the ticket had when the timer fired.
//
// Memory follows the open tickets, not every ticket opened: a ticket's
// trail is folded into the indicators when it closes (and, on the run's own
// memory store, leaves the store), and its per-ticket record here is freed
// and its slot reused once no queue entry names it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include <tierflow/engine.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/simulation.hpp>

#include "kpi/row.hpp"
#include "simulation/arrivals.hpp"
#include "simulation/pools.hpp"
#include "simulation/population.hpp"
#include "simulation/random.hpp"
#include "simulation/run_store.hpp"
#include "simulation/slot_index.hpp"

namespace tierflow::sim {

namespace {

using namespace detail;

constexpr std::uint32_t nobody = static_cast<std::uint32_t>(-1);
/// Refusals in a row after which a ticket counts as stuck: a changed ticket
/// is refused once and redrawn; a model the engine keeps refusing (an action
/// the drawn person may never take) would otherwise loop.
constexpr std::uint8_t max_refusals = 3;

enum class happening : std::uint8_t { arrival, done, ready, shift, sample };

struct sim_event {
  std::int64_t at = 0;
  std::uint64_t sequence = 0;
  happening what = happening::arrival;
  std::uint32_t a = 0;  // arrival process, person, ticket
  std::uint32_t b = 0;  // ticket generation (ready)
};

struct later_event {
  [[nodiscard]] bool operator()(const sim_event& x, const sim_event& y) const noexcept {
    if (x.at != y.at) return x.at > y.at;
    return x.sequence > y.sequence;
  }
};

enum class phase : std::uint8_t { delayed, waiting, serving, stuck, closed };

struct sim_ticket {
  // Where the engine last said the ticket stands (what routing its next
  // step reads: state, unit, holder, region, nearest due; not the whole
  // view, which the run never needs); dropped when the ticket closes.
  std::unique_ptr<act_receipt> brief;
  bool live = false;
  phase at = phase::waiting;
  // Moves on whenever the ticket is taken or redrawn, and across the
  // tickets that reuse a slot, so that a queue entry or a ready event of an
  // earlier generation (or an earlier ticket) never matches.
  std::uint32_t generation = 0;
  // Entries naming this slot in the queues (stale ones included): the
  // queues' tie-break reads the slot's id, so a closed ticket's slot is
  // reused only when none is left.
  std::uint32_t queue_entries = 0;
  const workflow* flow = nullptr;
  std::size_t state = 0;
  const action* next = nullptr;
  std::string classification;
  std::int64_t ready_since = 0;
  std::vector<std::uint32_t> pools;  // the pools it waits in
  std::uint32_t person = nobody;     // or the one person it waits for
  // The person its holder's id named when last looked up (or nobody): a
  // ticket is mostly held by the same person from one step to the next,
  // so one comparison of ids replaces a lookup by id.
  std::uint32_t holder = nobody;
  std::uint8_t refusals = 0;
  bool counted_stuck = false;
  // Actions taken at the instant of the last one (max_actions_per_instant).
  std::int64_t last_action_at = -1;
  std::uint32_t actions_at_instant = 0;
  // Stuck in such a loop: only a change of state or unit (an escalation, a
  // handoff by a rule) draws it again, not every timer that notes something.
  bool looping = false;
};

/// One role that may take an action, with the pools it works in, found
/// once when the run starts instead of by name at every step.
struct role_route {
  const std::string* name = nullptr;  // the action's `by` entry
  const role* found = nullptr;        // nullptr: the organisation lacks it
  bool by_region = false;             // its unit keeps a queue per region
  /// The pool (not by region), or nobody when there is none or it has no
  /// people.
  std::uint32_t pool = nobody;
  /// By region: (region, pool) for the pools that have people.
  std::vector<std::pair<std::string_view, std::uint32_t>> regional;

  /// The pool a ticket in `region` waits in for this role, or nobody.
  [[nodiscard]] std::uint32_t pool_for(std::string_view region) const noexcept {
    if (!by_region) return pool;
    for (const auto& [name_of, index] : regional)
      if (name_of == region) return index;
    return nobody;
  }
};

/// What the scenario says about one state of one workflow.
struct state_plan {
  const decision* choose = nullptr;
  const time_distribution* wait = nullptr;
  std::vector<const time_distribution*> handling;  // by action index
  std::vector<const action*> moving;
  std::vector<std::vector<role_route>> routes;  // by action index, in `by` order
};

[[nodiscard]] std::int64_t secs(timestamp t) noexcept { return t.time_since_epoch().count(); }
[[nodiscard]] timestamp instant(std::int64_t s) noexcept {
  return timestamp{std::chrono::seconds{s}};
}

[[nodiscard]] bool moves(const action& a) noexcept {
  return !a.to.empty() || a.effect != action_effect::none;
}

[[nodiscard]] bool fatal(const error& e) noexcept {
  return e.code() == errc::io_error || e.code() == errc::data_loss;
}

class simulation {
 public:
  simulation(const scenario& sc, const catalog& cat, const run_options& options)
      : sc_(sc),
        cat_(cat),
        options_(options),
        service_rng_(options.seed, 1),
        decision_rng_(options.seed, 2),
        clock_(timestamp{}) {}

  result<replication> run();

 private:
  result<void> prepare_store();
  /// The plans of every workflow's states; after the staff is made (the
  /// routes name its pools).
  void prepare_plans();
  [[nodiscard]] std::vector<role_route> routes_of(const action& a) const;
  result<void> prepare_arrivals(customer_table& customers);
  void prepare_shifts();
  result<void> adopt_live();

  void push(std::int64_t at, happening what, std::uint32_t a, std::uint32_t b = 0) {
    events_.push({at, sequence_++, what, a, b});
  }

  result<void> on_arrival(std::uint32_t process, std::int64_t now);
  result<void> on_done(std::uint32_t who, std::int64_t now);
  void on_ready(std::uint32_t ticket, std::uint32_t generation, std::int64_t now);
  void on_shift(std::uint32_t who, std::int64_t now);
  void on_sample(std::int64_t now);
  result<void> wake(std::int64_t now);

  /// A ticket the run follows from now on: its id, its workflow, and where
  /// it stands (`brief`, taken over).
  std::uint32_t add_ticket(std::string_view id, std::string_view workflow_id, std::uint32_t workflow_version,
                           act_receipt&& brief, bool live);
  /// A queue entry of slot `k` was popped; frees the slot when its ticket
  /// is closed and no entry names it any more.
  void unqueued(std::uint32_t k);
  void free_slot(std::uint32_t k);
  /// Folds the trails of the tickets closed since the last call into the
  /// indicators, but for those the run still holds (a ticket that closed
  /// while someone worked on it is met when the action is recorded).
  result<void> fold_closed() {
    return fold_->fold_closed(
        [this](const std::string& id) { return ticket_of_.find(id) != slot_index::none; });
  }
  [[nodiscard]] kpi::options report_options() const;
  /// Draws the ticket's next action where its receipt says it stands; `entered`: it
  /// has just entered its state (a state wait applies).
  void draw(std::uint32_t k, std::int64_t now, bool entered);
  void make_ready(std::uint32_t k, std::int64_t now);
  void withdraw(std::uint32_t k);
  void mark_stuck(std::uint32_t k);
  void close(std::uint32_t k);
  void start_service(std::uint32_t k, std::uint32_t who, std::int64_t now);
  void match(std::uint32_t who, std::int64_t now);
  [[nodiscard]] std::optional<queue_entry> top_valid(ticket_queue& q);

  [[nodiscard]] double clip(std::int64_t from, std::int64_t to) const noexcept {
    const std::int64_t a = std::max(from, period_from_), b = std::min(to, period_to_);
    return b > a ? static_cast<double>(b - a) : 0.0;
  }
  [[nodiscard]] bool in_period(std::int64_t t) const noexcept {
    return t >= period_from_ && t < period_to_;
  }
  [[nodiscard]] const state_plan& plan_of(const sim_ticket& t) const {
    return plans_[static_cast<std::size_t>(t.flow - cat_.workflows.data())][t.state];
  }
  /// Looks the ticket's state up in its workflow (found when it was
  /// added); false when the catalog lacks either.
  bool locate(sim_ticket& t) const;
  void report_progress(std::int64_t now);

  const scenario& sc_;
  const catalog& cat_;
  const run_options& options_;
  random_source service_rng_, decision_rng_;
  manual_clock clock_;
  std::unique_ptr<memory_store> own_store_;
  std::unique_ptr<recording_store> store_;
  std::unique_ptr<engine> engine_;

  std::int64_t start_ = 0, period_from_ = 0, period_to_ = 0;
  std::vector<std::vector<state_plan>> plans_;  // by workflow, then state
  std::optional<customer_table> customers_;
  std::vector<arrival_process> arrivals_;
  std::vector<double> arrival_at_;  // each process's pending arrival (exact)
  std::vector<std::string> ids_;    // ticket ids by slot, for the queues' tie-break
  staff staff_;
  std::deque<sim_ticket> tickets_;                             // by slot
  std::vector<std::uint32_t> free_slots_;                      // closed, no queue entry left
  slot_index ticket_of_{ids_};                                 // the open tickets' slots
  std::optional<trail_fold> fold_;
  std::priority_queue<sim_event, std::vector<sim_event>, later_event> events_;
  std::uint64_t sequence_ = 0;
  // The requests and the snapshot of a ticket's state, reused from
  // one command to the next: each field is assigned anew for every command,
  // so only the storage carries over (a string or vector assigned into one
  // that is large enough allocates nothing).
  open_request open_req_;
  act_request act_req_;
  // make_ready's lists, reused: route indexes and candidate pools.
  std::vector<std::uint32_t> roles_scratch_;
  std::vector<std::uint32_t> candidates_scratch_;
  replication out_;
  int progress_done_ = -1;
};

bool simulation::locate(sim_ticket& t) const {
  if (t.flow == nullptr) return false;
  t.state = t.flow->state_index(t.brief->state);
  return t.state != npos;
}

result<void> simulation::prepare_store() {
  store* target = options_.events;
  if (target != nullptr) {
    auto existing = target->streams();
    if (!existing) return fail(existing.error());
    if (!existing->empty())
      return fail(errc::invalid_argument, "the run's store must be empty: it has " +
                                              std::to_string(existing->size()) + " streams");
  } else {
    own_store_ = std::make_unique<memory_store>();
    target = own_store_.get();
  }
  store_ = std::make_unique<recording_store>(*target);
  if (options_.from == nullptr) return {};
  // Forecast: the live store is only read; its streams are copied as they
  // are (events sealed, the ticket summaries beside them), and the engine
  // restores the tickets from the copy.
  auto streams = options_.from->streams();
  if (!streams) return fail(streams.error());
  std::int64_t newest = std::numeric_limits<std::int64_t>::min();
  for (const auto& id : *streams) {
    auto events = options_.from->load(id);
    if (!events) return fail(events.error());
    if (events->empty()) continue;
    for (const auto& e : *events) newest = std::max(newest, secs(e.time));
    std::optional<ticket_summary> row;
    if (!id.starts_with('~')) {
      auto s = options_.from->summary(id);
      if (s) {
        row = std::move(*s);
      } else if (s.error().code() != errc::not_found) {
        return fail(s.error());
      }
    }
    auto ok = store_->append({id, 0, *events, row ? &*row : nullptr});
    if (!ok) return fail(ok.error());
  }
  if (newest > start_)
    return fail(errc::invalid_argument,
                "the run starts at " + format_iso8601(instant(start_)) +
                    ", before the live store's newest event at " + format_iso8601(instant(newest)));
  return {};
}

std::vector<role_route> simulation::routes_of(const action& a) const {
  std::vector<role_route> out;
  for (const std::string& r : a.by) {
    role_route route;
    route.name = &r;
    route.found = cat_.org.find_role(r);
    if (route.found != nullptr) {
      route.by_region = region_split(cat_.org, route.found->unit);
      const auto pool_at = [&](const std::string& region) {
        const auto found = staff_.pool_of.find({r, region});
        if (found == staff_.pool_of.end() || staff_.pools[found->second].people.empty())
          return nobody;
        return found->second;
      };
      if (!route.by_region) {
        route.pool = pool_at(std::string());
      } else {
        for (const auto& [key, index] : staff_.pool_of)
          if (key.first == r && pool_at(key.second) != nobody)
            route.regional.emplace_back(key.second, index);
      }
    }
    out.push_back(std::move(route));
  }
  return out;
}

void simulation::prepare_plans() {
  plans_.resize(cat_.workflows.size());
  for (std::size_t w = 0; w < cat_.workflows.size(); ++w) {
    const workflow& wf = cat_.workflows[w];
    plans_[w].resize(wf.states.size());
    for (std::size_t s = 0; s < wf.states.size(); ++s) {
      state_plan& p = plans_[w][s];
      const state& st = wf.states[s];
      for (const auto& d : sc_.decisions)
        if (d.workflow == wf.id && d.state == st.id) p.choose = &d;
      for (const auto& wt : sc_.waits)
        if (wt.workflow == wf.id && wt.state == st.id) p.wait = &wt.time;
      for (const auto& a : st.actions) {
        if (moves(a)) p.moving.push_back(&a);
        // The most specific handling entry: the action's, the workflow's
        // default, the global default; none at all is instantaneous.
        const time_distribution* best = nullptr;
        int rank = 0;
        for (const auto& h : sc_.handling) {
          int r = 0;
          if (h.workflow == wf.id && h.action == a.id) r = 3;
          else if (h.workflow == wf.id && h.action.empty()) r = 2;
          else if (h.workflow.empty() && h.action.empty()) r = 1;
          if (r > rank) {
            rank = r;
            best = &h.time;
          }
        }
        p.handling.push_back(best);
        p.routes.push_back(routes_of(a));
      }
    }
  }
}

result<void> simulation::prepare_arrivals(customer_table& customers) {
  customers_.emplace(std::move(customers));
  const customer_table& people = *customers_;
  std::uint64_t stream = 16;
  for (const auto& d : sc_.demand) {
    std::vector<std::uint32_t> mine;
    for (std::uint32_t i = 0; i < people.size(); ++i) {
      if (d.segments.empty() ||
          std::find(d.segments.begin(), d.segments.end(), people.segment(i)) != d.segments.end())
        mine.push_back(i);
    }
    const calendar* holidays = nullptr;
    if (!d.holidays_from.empty()) {
      holidays = find_calendar(sc_, cat_.org, d.holidays_from);
      if (holidays == nullptr)
        return fail(errc::invalid_argument,
                    "demand " + d.type + ": unknown calendar '" + d.holidays_from + "'");
    }
    std::vector<const surge*> everywhere;
    std::vector<const surge*> regional;
    for (const auto& s : sc_.surges) {
      if (!s.types.empty() && std::find(s.types.begin(), s.types.end(), d.type) == s.types.end())
        continue;
      (s.regions.empty() ? everywhere : regional).push_back(&s);
    }
    const std::size_t total = mine.size();
    for (const surge* s : regional) {
      std::vector<std::uint32_t> there;
      for (const std::uint32_t i : mine)
        if (std::find(s->regions.begin(), s->regions.end(), people.region(i)) != s->regions.end())
          there.push_back(i);
      const double share =
          total == 0 ? 0.0 : static_cast<double>(there.size()) / static_cast<double>(total);
      arrivals_.emplace_back(d, everywhere, s, share, holidays, cat_.org.utc_offset,
                             std::move(there), random_source(options_.seed, stream++));
    }
    arrivals_.emplace_back(d, everywhere, nullptr, 1.0, holidays, cat_.org.utc_offset,
                           std::move(mine), random_source(options_.seed, stream++));
  }
  arrival_at_.assign(arrivals_.size(), arrival_process::never);
  const auto horizon = static_cast<double>(period_to_);
  for (std::uint32_t i = 0; i < arrivals_.size(); ++i) {
    arrival_at_[i] = arrivals_[i].next(static_cast<double>(start_), horizon);
    if (arrival_at_[i] < horizon)
      push(std::max(start_, whole_seconds(arrival_at_[i])), happening::arrival, i);
  }
  return {};
}

void simulation::prepare_shifts() {
  for (std::uint32_t p = 0; p < staff_.people.size(); ++p) {
    person& who = staff_.people[p];
    if (who.shifts == nullptr) {
      who.on_shift = true;
      who.since = start_;
      ++staff_.pools[who.pool].on_shift;
      staff_.pools[who.pool].idle.insert({start_, p});
      who.idle_since = start_;
      continue;
    }
    on_shift(p, start_);
  }
}

std::uint32_t simulation::add_ticket(std::string_view id, std::string_view workflow_id,
                                     std::uint32_t workflow_version, act_receipt&& brief, bool live) {
  sim_ticket t;
  std::uint32_t k = 0;
  if (!free_slots_.empty()) {
    k = free_slots_.back();
    free_slots_.pop_back();
    t.generation = tickets_[k].generation + 1;
    ids_[k] = id;
  } else {
    k = static_cast<std::uint32_t>(tickets_.size());
    ids_.emplace_back(id);
  }
  ticket_of_.insert(k);
  // A ticket keeps its workflow version for life: found once.
  t.flow = cat_.find(workflow_id, workflow_version);
  t.brief = std::make_unique<act_receipt>(std::move(brief));
  t.live = live;
  if (k < tickets_.size()) {
    tickets_[k] = std::move(t);
  } else {
    tickets_.push_back(std::move(t));
  }
  return k;
}

void simulation::free_slot(std::uint32_t k) {
  sim_ticket& t = tickets_[k];
  // Only the generation stays: the slot's next ticket goes on from it.
  const std::uint32_t generation = t.generation;
  t = sim_ticket{};
  t.generation = generation;
  std::string().swap(ids_[k]);
  free_slots_.push_back(k);
}

void simulation::unqueued(std::uint32_t k) {
  sim_ticket& t = tickets_[k];
  --t.queue_entries;
  if (t.queue_entries == 0 && t.at == phase::closed) free_slot(k);
}

result<void> simulation::adopt_live() {
  auto open = store_->open_tickets();
  if (!open) return fail(open.error());
  for (const auto& row : *open) {
    auto v = engine_->view(row.ticket_id);
    if (!v) {
      if (v.error().code() == errc::io_error) return fail(v.error());
      continue;  // quarantined in the live store: not simulated
    }
    // Where it stands, as the engine says it (the view's own members, by
    // engine::brief's contract); the view gives its workflow.
    auto b = engine_->brief(row.ticket_id);
    if (!b) return fail(b.error());
    const std::uint32_t k = add_ticket(v->id, v->workflow_id, v->workflow_version, std::move(*b), true);
    draw(k, start_, true);
  }
  return {};
}

void simulation::withdraw(std::uint32_t k) {
  sim_ticket& t = tickets_[k];
  for (const std::uint32_t p : t.pools) --staff_.pools[p].queued;
  if (t.person != nobody) --staff_.pools[staff_.people[t.person].pool].queued;
  t.pools.clear();
  t.person = nobody;
  ++t.generation;
}

void simulation::mark_stuck(std::uint32_t k) {
  withdraw(k);
  sim_ticket& t = tickets_[k];
  t.at = phase::stuck;
  if (!t.counted_stuck) {
    t.counted_stuck = true;
    ++out_.stuck;
  }
}

void simulation::close(std::uint32_t k) {
  withdraw(k);
  sim_ticket& t = tickets_[k];
  t.at = phase::closed;
  // A closed ticket is never looked at again: its receipt and its entry in
  // the id index go, so that memory follows the open tickets, not all.
  ticket_of_.erase(ids_[k]);
  if (t.queue_entries == 0) {
    free_slot(k);
    return;
  }
  // Entries still name the slot (lazily dropped as they surface): only its
  // id stays until the last one goes (unqueued).
  t.brief.reset();
  t.pools = {};
  t.classification = {};
}

void simulation::draw(std::uint32_t k, std::int64_t now, bool entered) {
  sim_ticket& t = tickets_[k];
  if (t.brief->closed) {
    close(k);
    return;
  }
  if (!locate(t)) {
    mark_stuck(k);
    return;
  }
  const state_plan& p = plan_of(t);
  const state& st = t.flow->states[t.state];
  t.next = nullptr;
  t.classification.clear();
  const choice* chosen = nullptr;
  if (p.choose != nullptr && !p.choose->choices.empty()) {
    double total = 0;
    for (const auto& c : p.choose->choices) total += std::max(c.weight, 0.0);
    double u = decision_rng_.uniform() * total;
    chosen = &p.choose->choices.back();
    for (const auto& c : p.choose->choices) {
      u -= std::max(c.weight, 0.0);
      if (u < 0) {
        chosen = &c;
        break;
      }
    }
    for (const auto& a : st.actions)
      if (a.id == chosen->action) t.next = &a;
  } else if (p.moving.size() == 1) {
    t.next = p.moving.front();
  }
  if (t.next == nullptr) {
    mark_stuck(k);
    return;
  }
  if (!t.next->classifies.empty() && t.next->classification_value.empty()) {
    if (chosen != nullptr && !chosen->classification.empty()) {
      t.classification = chosen->classification[decision_rng_.pick(chosen->classification)].first;
    } else if (const classification* c = t.flow->find_classification(t.next->classifies);
               c != nullptr && !c->values.empty()) {
      // No weights given: every declared value alike.
      t.classification = c->values[decision_rng_.index(c->values.size())];
    }
  }
  if (entered && p.wait != nullptr) {
    withdraw(k);
    t.at = phase::delayed;
    push(now + whole_seconds(service_rng_.duration(*p.wait)), happening::ready, k, t.generation);
    return;
  }
  make_ready(k, now);
}

void simulation::make_ready(std::uint32_t k, std::int64_t now) {
  withdraw(k);
  sim_ticket& t = tickets_[k];
  t.at = phase::waiting;
  t.ready_since = now;
  const auto index = static_cast<std::size_t>(t.next - t.flow->states[t.state].actions.data());
  const std::vector<role_route>& routes = plan_of(t).routes[index];
  // The roles of the action that work in the unit holding the ticket; if
  // none does, the action's first role (the ticket must go there).
  std::vector<std::uint32_t>& roles = roles_scratch_;
  roles.clear();
  for (std::uint32_t i = 0; i < routes.size(); ++i)
    if (routes[i].found != nullptr && routes[i].found->unit == t.brief->assignee.unit)
      roles.push_back(i);
  if (roles.empty() && !routes.empty()) roles.push_back(0);
  const auto due = t.brief->nearest_due;
  const queue_entry entry{due ? secs(*due) : no_due, now, k, t.generation};
  // Continuity (首問): a ticket someone holds waits for that person.
  if (const std::string& holder = t.brief->assignee.person; !holder.empty()) {
    if (t.holder == nobody || staff_.people[t.holder].who.id != holder) {
      const auto found = staff_.person_of.find(holder);
      t.holder = found == staff_.person_of.end() ? nobody : found->second;
    }
    if (t.holder != nobody) {
      const std::uint32_t who = t.holder;
      person& p = staff_.people[who];
      bool eligible = false;
      for (const std::uint32_t r : roles)
        eligible = eligible || p.who.roles.front() == *routes[r].name;
      if (eligible) {
        if (p.on_shift && !p.busy) {
          start_service(k, who, now);
          return;
        }
        t.person = who;
        ++staff_.pools[p.pool].queued;
        p.own.push(entry);
        ++t.queue_entries;
        return;
      }
    }
  }
  // The pools it may wait in; t.pools takes them only once it waits there
  // (withdraw() un-counts t.pools: a ticket served at once was never queued).
  std::vector<std::uint32_t>& candidates = candidates_scratch_;
  candidates.clear();
  for (const std::uint32_t r : roles) {
    const std::uint32_t pl = routes[r].pool_for(t.brief->region);
    if (pl != nobody) candidates.push_back(pl);
  }
  if (candidates.empty()) {
    mark_stuck(k);
    return;
  }
  for (const std::uint32_t pl : candidates) {
    pool& q = staff_.pools[pl];
    if (!q.idle.empty()) {
      const std::uint32_t who = q.idle.begin()->second;
      start_service(k, who, now);
      return;
    }
  }
  t.pools.assign(candidates.begin(), candidates.end());
  for (const std::uint32_t pl : t.pools) {
    ++staff_.pools[pl].queued;
    staff_.pools[pl].waiting.push(entry);
    ++t.queue_entries;
  }
}

void simulation::start_service(std::uint32_t k, std::uint32_t who, std::int64_t now) {
  withdraw(k);
  sim_ticket& t = tickets_[k];
  person& p = staff_.people[who];
  pool& q = staff_.pools[p.pool];
  q.idle.erase({p.idle_since, who});
  if (in_period(now)) q.waits.push_back(now - t.ready_since);
  p.busy = true;
  p.ticket = k;
  p.busy_since = now;
  ++q.busy;
  t.at = phase::serving;
  const state_plan& plan = plan_of(t);
  const auto index = static_cast<std::size_t>(t.next - t.flow->states[t.state].actions.data());
  const time_distribution* h = plan.handling[index];
  const std::int64_t length = h == nullptr ? 0 : whole_seconds(service_rng_.duration(*h));
  push(now + length, happening::done, who);
}

std::optional<queue_entry> simulation::top_valid(ticket_queue& q) {
  while (!q.empty()) {
    const queue_entry e = q.top();
    const sim_ticket& t = tickets_[e.ticket];
    if (t.generation == e.generation && t.at == phase::waiting) return e;
    q.pop();  // taken, redrawn or closed since it was queued
    unqueued(e.ticket);
  }
  return std::nullopt;
}

void simulation::match(std::uint32_t who, std::int64_t now) {
  person& p = staff_.people[who];
  if (!p.on_shift || p.busy) return;
  pool& q = staff_.pools[p.pool];
  const auto mine = top_valid(p.own);
  const auto shared = top_valid(q.waiting);
  const later_entry later{&ids_};
  if (mine && (!shared || !later(*mine, *shared))) {
    p.own.pop();
    unqueued(mine->ticket);
    start_service(mine->ticket, who, now);
  } else if (shared) {
    q.waiting.pop();
    unqueued(shared->ticket);
    start_service(shared->ticket, who, now);
  } else {
    p.idle_since = now;
    q.idle.insert({now, who});
  }
}

result<void> simulation::on_arrival(std::uint32_t process, std::int64_t now) {
  arrival_process& src = arrivals_[process];
  const demand_stream& d = src.demand();
  random_source& rng = src.rng();
  const std::uint32_t who = src.pick_customer();
  open_request& req = open_req_;
  if (req.type != d.type) req.type = d.type;  // mostly the same type again
  if (!d.channels.empty()) {
    req.channel = d.channels[rng.pick(d.channels)].first;
  } else if (!cat_.org.channels.empty()) {
    req.channel = cat_.org.channels[rng.index(cat_.org.channels.size())].id;
  } else {
    req.channel.clear();
  }
  customers_->id_into(who, req.customer_id);
  customers_->attributes_into(who, req.customer);
  if (req.opened_by != "sim") req.opened_by = "sim";
  req.fields.clear();
  if (!d.fields.empty()) {
    const workflow* wf = cat_.workflow_for(d.type, local_day(instant(now), cat_.org.utc_offset));
    if (wf == nullptr) return fail(errc::not_found, "no workflow serves ticket type " + d.type);
    for (const auto& g : d.fields) {
      const attribute* f = find_attribute(wf->fields, g.name);
      if (f == nullptr)
        return fail(errc::invalid_argument,
                    "demand " + d.type + ": workflow " + wf->id + " has no field '" + g.name + "'");
      auto v = draw_value(g, f->type, rng);
      if (!v) return fail(errc::invalid_argument, "demand " + d.type + ": " + v.error().message());
      req.fields.emplace_back(g.name, std::move(*v));
    }
  }
  // A receipt, not the view and routing decision: the run reads only
  // where the ticket stands (open_brief: a seventh less than open()).
  auto opened = engine_->open_brief(req);
  if (!opened)
    return fail(opened.error().code(),
                "opening a " + d.type + " ticket for " + req.customer_id + ": " +
                    opened.error().message());
  store_->forget_changes();
  ++out_.tickets_opened;
  const std::uint32_t k =
      add_ticket(opened->ticket_id, opened->workflow_id, opened->workflow_version, std::move(opened->brief), false);
  draw(k, now, true);
  // The next arrival of this process.
  arrival_at_[process] = src.next(arrival_at_[process], static_cast<double>(period_to_));
  if (arrival_at_[process] < static_cast<double>(period_to_))
    push(std::max(now, whole_seconds(arrival_at_[process])), happening::arrival, process);
  return {};
}

result<void> simulation::on_done(std::uint32_t who, std::int64_t now) {
  person& p = staff_.people[who];
  pool& q = staff_.pools[p.pool];
  const std::uint32_t k = p.ticket;
  p.busy = false;
  --q.busy;
  q.stats.busy_s += clip(p.busy_since, now);
  if (!p.on_shift) q.stats.on_shift_s += clip(p.overtime_since, now);
  sim_ticket& t = tickets_[k];
  act_request& req = act_req_;
  req.ticket_id = ids_[k];
  req.action = t.next->id;
  if (t.next->needs_note) {
    req.note = "simulated ";
    req.note += t.next->id;
  } else {
    req.note.clear();
  }
  req.classification = t.classification;
  // The state it was taken in (draw() located the receipt's state, which
  // stays as it was while the ticket is in hand): the catalog's string,
  // not a copy.
  const std::string& before = t.flow->states[t.state].id;
  const bool has_target = !t.next->to.empty();
  // The receipt says what routing the next step needs (no view is built).
  // The person's actor is lent to the request for the command, not copied
  // (its id, roles and region are strings): nothing reads p.who meanwhile.
  // The ticket's receipt is rewritten in place (only its texts that
  // changed); a refusal leaves it as it was.
  std::swap(req.by, p.who);
  auto acted = engine_->act_brief_into(req, *t.brief);
  std::swap(req.by, p.who);
  store_->forget_changes();
  if (acted) {
    ++out_.actions;
    if (in_period(now)) ++q.stats.served;
    t.refusals = 0;
    const bool entered = has_target || t.brief->state != before;
    t.at = phase::waiting;
    t.actions_at_instant = t.last_action_at == now ? t.actions_at_instant + 1 : 1;
    t.last_action_at = now;
    if (!t.brief->closed && t.actions_at_instant >= max_actions_per_instant) {
      mark_stuck(k);  // a loop of actions that take no time: the clock would never move
      t.looping = true;
    } else {
      draw(k, now, entered);
    }
  } else {
    if (fatal(acted.error())) return fail(acted.error());
    // The ticket changed while it was worked on (a timer escalated it, a
    // clock paused): look again and draw what now applies.
    auto fresh = engine_->brief(req.ticket_id);
    if (!fresh) return fail(fresh.error());
    *t.brief = std::move(*fresh);
    t.at = phase::waiting;
    if (++t.refusals >= max_refusals) {
      mark_stuck(k);
    } else {
      draw(k, now, t.brief->state != before);
    }
  }
  match(who, now);
  return {};
}

void simulation::on_ready(std::uint32_t k, std::uint32_t generation, std::int64_t now) {
  sim_ticket& t = tickets_[k];
  if (t.generation != generation || t.at != phase::delayed) return;
  make_ready(k, now);
}

void simulation::on_shift(std::uint32_t who, std::int64_t now) {
  person& p = staff_.people[who];
  pool& q = staff_.pools[p.pool];
  const timestamp t = instant(now);
  if (is_working_time(*p.shifts, t)) {
    const timestamp end = shift_end(*p.shifts, t);
    if (end != timestamp::max()) push(secs(end), happening::shift, who);
    if (!p.on_shift) {
      p.on_shift = true;
      p.since = now;
      ++q.on_shift;
      match(who, now);
    }
    return;
  }
  const timestamp back = next_working_instant(*p.shifts, t);
  if (back != timestamp::max() && secs(back) < period_to_) push(secs(back), happening::shift, who);
  if (p.on_shift) {
    // A person busy at the end of the shift finishes the job in hand: that
    // overtime is time at work too (on_done adds it).
    p.on_shift = false;
    p.overtime_since = now;
    q.stats.on_shift_s += clip(p.since, now);
    --q.on_shift;
    q.idle.erase({p.idle_since, who});
  }
}

void simulation::on_sample(std::int64_t now) {
  for (std::size_t i = 0; i < staff_.pools.size(); ++i) {
    const pool& q = staff_.pools[i];
    out_.samples.push_back({instant(now), i, q.queued, q.on_shift, q.busy});
  }
  const std::int64_t step = sc_.sample_every.count();
  if (step > 0 && now + step < period_to_) push(now + step, happening::sample, 0);
}

result<void> simulation::wake(std::int64_t now) {
  auto fired = engine_->advance(instant(now));
  if (!fired) return fail(fired.error());
  store_->drop_timers_through(instant(now));
  for (auto& b : store_->take_breaches()) {
    if (!in_period(secs(b.at))) continue;
    const std::uint32_t found = ticket_of_.find(b.ticket_id);
    breach out;
    out.ticket_id = std::move(b.ticket_id);
    out.deadline = std::move(b.deadline);
    out.at = b.at;
    if (found != slot_index::none) {
      const sim_ticket& t = tickets_[found];
      out.from_live = t.live;
      if (t.brief) {
        out.unit = t.brief->assignee.unit;
        out.region = t.brief->region;
      }
    }
    out_.breaches.push_back(std::move(out));
  }
  auto changed = store_->take_changed();
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  for (const auto& id : changed) {
    const std::uint32_t k = ticket_of_.find(id);
    if (k == slot_index::none) continue;
    sim_ticket& t = tickets_[k];
    // A ticket in hand meets its change when the action is recorded.
    if (t.at == phase::serving || t.at == phase::closed) continue;
    // At an unchanged version, nothing the run reads differs (a receipt
    // holds nothing that depends on the instant it is taken).
    auto fresh = engine_->brief(id);
    if (!fresh) return fail(fresh.error());
    if (fresh->version == t.brief->version) continue;
    const bool moved = fresh->state != t.brief->state;
    const bool unit_moved = fresh->assignee.unit != t.brief->assignee.unit;
    *t.brief = std::move(*fresh);
    if (t.brief->closed) {
      close(k);
    } else if (moved || t.next == nullptr ||
               (t.at == phase::stuck && (!t.looping || unit_moved))) {
      t.looping = false;
      draw(k, now, moved);
    } else if (t.at == phase::waiting) {
      make_ready(k, now);  // same action; its unit or deadlines changed
    }
    // delayed in the same state: the wait goes on; the pools are chosen
    // from the receipt when it ends.
  }
  return {};
}

void simulation::report_progress(std::int64_t now) {
  if (!options_.progress) return;
  const double span = static_cast<double>(period_to_ - start_);
  const double done = span > 0 ? static_cast<double>(now - start_) / span : 1.0;
  const int percent = static_cast<int>(std::clamp(done, 0.0, 1.0) * 100);
  if (percent <= progress_done_) return;
  progress_done_ = percent;
  options_.progress(static_cast<double>(percent) / 100.0);
}

kpi::options simulation::report_options() const {
  const auto offset = cat_.org.utc_offset;
  kpi::options ko;
  ko.from = instant(period_from_);
  ko.to = instant(period_to_);
  ko.by = sc_.report_by.empty() ? std::vector<kpi::group_key>{{kpi::group_kind::tier, ""}}
                                : sc_.report_by;
  // The backlog at every local midnight of the period.
  for (auto day = local_day(ko.from, offset) + std::chrono::days{1};; day += std::chrono::days{1}) {
    const timestamp midnight = from_local(day, std::chrono::seconds{0}, offset);
    if (midnight > ko.to) break;
    ko.instants.push_back(midnight);
  }
  ko.org = &cat_.org;
  return ko;
}

result<replication> simulation::run() {
  const auto offset = cat_.org.utc_offset;
  const timestamp start = options_.start ? *options_.start : sc_.run_from(offset);
  start_ = secs(start);
  // The reported period keeps its place after the start: a forecast that
  // starts "now" reports [now + warm-up, + days).
  period_from_ = start_ + std::int64_t{sc_.warm_up_days} * 86400;
  period_to_ = period_from_ + std::int64_t{sc_.days} * 86400;
  if (!options_.start) {
    period_from_ = secs(sc_.period_from(offset));
    period_to_ = secs(sc_.period_to(offset));
  }
  out_.seed = options_.seed;
  clock_.set(start);

  // The indicators are folded in as tickets close, so the period and
  // grouping are fixed now. kpi::compute would verify every trail first,
  // re-hashing every event (a fifth of a run's time): this run writes them
  // through the engine, and the live streams a forecast copies are
  // verified when the engine restores them.
  auto indicators = kpi::accumulator::make(report_options());
  if (!indicators) return fail(indicators.error());
  if (auto ok = prepare_store(); !ok) return fail(ok.error());
  fold_.emplace(*store_, own_store_.get(), std::move(*indicators));
  random_source population_rng(options_.seed, 3);
  auto people = customer_table::make(sc_, cat_.org, population_rng);
  if (!people) return fail(people.error());
  auto crew = make_staff(sc_, cat_.org, ids_);
  if (!crew) return fail(crew.error());
  staff_ = std::move(*crew);
  prepare_plans();

  engine_options eo;
  eo.time_source = &clock_;
  eo.events = store_.get();
  // The run never looks at a closed ticket again: none stays in memory.
  eo.closed_tickets_kept = 0;
  if (options_.from != nullptr) eo.ticket_prefix = "S";
  auto made = engine::create(cat_, eo);
  if (!made) return fail(made.error());
  engine_ = std::move(*made);

  if (options_.from != nullptr) {
    // Timers of the live tickets due by the start fire first (stamped with
    // their own instants), so each ticket is taken up as it stands now.
    if (auto ok = wake(start_); !ok) return fail(ok.error());
    out_.breaches.clear();
    if (auto ok = adopt_live(); !ok) return fail(ok.error());
    // The live tickets closed in the live store, or by those timers.
    if (auto ok = fold_closed(); !ok) return fail(ok.error());
  }
  if (auto ok = prepare_arrivals(*people); !ok) return fail(ok.error());
  prepare_shifts();
  if (sc_.sample_every.count() > 0 && period_from_ < period_to_)
    push(period_from_, happening::sample, 0);

  report_progress(start_);
  for (;;) {
    const std::int64_t next_event = events_.empty() ? period_to_ : events_.top().at;
    const std::int64_t next_timer = std::max(secs(store_->next_timer()), secs(clock_.now()));
    const std::int64_t now = std::min(next_event, next_timer);
    if (now >= period_to_) break;
    clock_.set(instant(now));
    report_progress(now);
    if (next_timer <= next_event) {
      if (auto ok = wake(now); !ok) return fail(ok.error());
    } else {
      const sim_event e = events_.top();
      events_.pop();
      switch (e.what) {
        case happening::arrival:
          if (auto ok = on_arrival(e.a, now); !ok) return fail(ok.error());
          break;
        case happening::done:
          if (auto ok = on_done(e.a, now); !ok) return fail(ok.error());
          break;
        case happening::ready: on_ready(e.a, e.b, now); break;
        case happening::shift: on_shift(e.a, now); break;
        case happening::sample: on_sample(now); break;
      }
    }
    // Outside the engine's calls, and after the run has met what they did.
    if (auto ok = fold_closed(); !ok) return fail(ok.error());
  }
  // The end: timers due by then fire; people's time is closed off.
  clock_.set(instant(period_to_));
  if (auto ok = wake(period_to_); !ok) return fail(ok.error());
  for (auto& p : staff_.people) {
    pool& q = staff_.pools[p.pool];
    if (p.on_shift) q.stats.on_shift_s += clip(p.since, period_to_);
    if (!p.on_shift && p.busy) q.stats.on_shift_s += clip(p.overtime_since, period_to_);
    if (p.busy) q.stats.busy_s += clip(p.busy_since, period_to_);
  }
  for (auto& q : staff_.pools) {
    q.stats.wait = kpi::detail::distribution_of(q.waits);
    out_.pools.push_back(std::move(q.stats));
  }
  std::stable_sort(out_.breaches.begin(), out_.breaches.end(),
                   [](const breach& a, const breach& b) { return a.at < b.at; });
  out_.open_at_end = ticket_of_.size();
  out_.events = store_->events();
  // A database store in group-commit mode: the whole trail durable before
  // anyone reads it.
  if (auto ok = store_->flush(); !ok) return fail(ok.error());
  auto report = fold_->finish();
  if (!report) return fail(report.error());
  out_.report = std::move(*report);
  report_progress(period_to_);
  return std::move(out_);
}

}  // namespace

result<replication> run(const scenario& sc, const catalog& cat, const run_options& options) {
  simulation s(sc, cat, options);
  return s.run();
}

}  // namespace tierflow::sim
