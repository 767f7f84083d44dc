// SPDX-License-Identifier: MIT
// One replication of a small city on the shipped workflows (tierflow::sim::run):
// the same seed gives the same trail, byte for byte, and the same report;
// every trail verifies; nobody works two tickets at once or outside their
// shift; customers' waits hold tickets in clock-pausing states; a regional
// surge multiplies the demand of its regions; a SQLite store takes the run;
// a forecast starts from a live store's open tickets without writing to it;
// the report, folded as tickets close (their trails released from the
// run's own store), is the report of every kept trail.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/kpi.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/simulation.hpp>
#include <tierflow/sqlite_store.hpp>
#include <tierflow/verified_read.hpp>

#include "simulation/population.hpp"
#include "simulation/run_store.hpp"
#include "support/forwarding_store.hpp"
#include "support/scratch_db.hpp"

namespace tf = tierflow;
namespace sim = tierflow::sim;
using namespace std::chrono;

namespace {

constexpr std::int64_t minute = 60, day = 86400;
/// Every action takes this long: a person's actions lie at least this far
/// apart, and the action started this long before its event.
constexpr std::int64_t handling_s = 10 * minute;
/// A complaint customer answers after exactly this long.
constexpr std::int64_t customer_answer_s = 2 * day;

const tf::catalog& shipped() {
  static const tf::catalog cat = [] {
    tf::diagnostics diags;
    auto c = tf::load_catalog_files({TIERFLOW_SOURCE_DIR "/workflows"}, diags);
    REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message()));
    return std::move(*c);
  }();
  return cat;
}

sim::time_distribution fixed(std::int64_t seconds) {
  sim::time_distribution d;
  d.shape = sim::time_distribution::kind::fixed;
  d.mean_s = static_cast<double>(seconds);
  return d;
}

sim::value_generator plain(std::string name, std::string text) {
  sim::value_generator g;
  g.name = std::move(name);
  g.choices = {{std::move(text), 1.0}};
  return g;
}

sim::value_generator pick(std::string name, sim::weighted choices) {
  sim::value_generator g;
  g.name = std::move(name);
  g.choices = std::move(choices);
  return g;
}

sim::demand_stream demand(std::string type, double per_day, std::string channel,
                          std::vector<sim::value_generator> fields) {
  sim::demand_stream d;
  d.type = std::move(type);
  d.per_day = per_day;
  d.channels = {{std::move(channel), 1.0}};
  d.hours.fill(1.0);
  d.weekdays.fill(1.0);
  d.fields = std::move(fields);
  return d;
}

sim::decision decide(std::string workflow, std::string state,
                     std::vector<std::pair<std::string, double>> actions,
                     sim::weighted classification = {}) {
  sim::decision d;
  d.workflow = std::move(workflow);
  d.state = std::move(state);
  for (auto& [a, w] : actions) {
    sim::choice c;
    c.action = a;
    c.weight = w;
    d.choices.push_back(std::move(c));
  }
  if (!classification.empty()) d.choices.front().classification = std::move(classification);
  return d;
}

sim::staff_group staff(std::string role, std::uint32_t count, std::string calendar) {
  sim::staff_group g;
  g.role = std::move(role);
  g.count = count;
  g.calendar = std::move(calendar);
  return g;
}

/// A few days of a small city: households and big customers in every
/// region, all five ticket types, every role staffed (24x7 at the service
/// centre, the dispatch desk and the crews; office hours elsewhere), a
/// decision wherever a state has several ways on, customers who take two
/// days to answer a complaint question.
sim::scenario city(std::uint32_t days = 3) {
  sim::scenario sc;
  sc.id = "small_city";
  sc.start = sys_days{2026y / November / 2};  // a Monday
  sc.days = days;
  sc.warm_up_days = 0;
  sc.sample_every = hours{1};

  sim::segment homes;
  homes.id = "HOME";
  homes.count = 400;
  homes.attributes = {plain("importance_class", "none"), plain("priority", "normal"),
                      pick("area_type", {{"urban", 3}, {"rural", 1}, {"remote", 0.2}}),
                      plain("voltage_kv", "0.38"), plain("load_grade", "3"),
                      plain("high_risk", "false")};
  sim::value_generator capacity;
  capacity.name = "capacity_kva";
  capacity.shape = sim::value_generator::kind::lognormal;
  capacity.low = 12;
  capacity.high = 6;
  homes.attributes.push_back(capacity);
  sim::segment big;
  big.id = "BIG";
  big.count = 60;
  big.attributes = {pick("importance_class", {{"level2", 3}, {"level1", 1}}),
                    pick("priority", {{"vip", 3}, {"key", 1}}), plain("area_type", "urban"),
                    plain("voltage_kv", "10"), plain("load_grade", "2"),
                    plain("high_risk", "false"), plain("capacity_kva", "2000")};
  sc.customers.segments = {homes, big};

  sc.demand = {
      demand("complaint", 30, "hotline_95598",
             {pick("complaint_class", {{"service", 2}, {"business", 1}, {"outage", 1}}),
              plain("skip_level_risk", "false")}),
      demand("fault_repair", 40, "hotline_95598", {plain("outage_scope", "single_customer")}),
      demand("info_change", 20, "business_hall",
             {pick("change_kind", {{"contact_phone", 2}, {"move_in", 1}})}),
      demand("bill_callback", 10, "proactive",
             {plain("callback_method", "phone"), plain("plan_cadence", "monthly")}),
      demand("business_expansion", 8, "business_hall",
             {plain("application_kind", "new_connection"), plain("voltage_path", "lv"),
              plain("residential", "true"), plain("supply_sources", "single"),
              plain("requested_capacity_kva", "50"), plain("requested_voltage_kv", "0.38")}),
  };

  sc.staff = {staff("csr", 4, "always"),
              staff("callback_agent", 2, "office"),
              staff("csc_supervisor", 1, "office"),
              staff("regional_manager", 1, "office"),
              staff("enterprise_manager", 2, "office"),
              staff("hq_desk_agent", 1, "office"),
              staff("dispatcher", 2, "always"),
              staff("repair_crew_member", 1, "always"),
              staff("technical_engineer", 2, "office"),
              staff("metering_technician", 2, "office"),
              staff("marketing_officer", 1, "office"),
              staff("station_staff", 1, "office"),
              staff("billing_clerk", 1, "office"),
              staff("hotline_liaison", 1, "office")};

  sim::handling_time h;
  h.time = fixed(handling_s);
  sc.handling = {h};

  sc.decisions = {
      decide("complaint", "received", {{"classify", 19}, {"not_a_complaint", 1}}),
      decide("complaint", "dispatched", {{"acknowledge", 1}}),
      decide("complaint", "investigating",
             {{"reply", 6}, {"need_tech", 1}, {"centre_dispatch", 1}, {"need_customer_input", 2},
              {"refer_up", 0.5}, {"cross_organisation", 0.5}}),
      decide("complaint", "tech_review", {{"tech_done", 9}, {"tech_cannot_resolve", 1}}),
      decide("complaint", "handler_replied", {{"review_passed", 9}, {"review_rejected", 1}}),
      decide("complaint", "reviewed", {{"callback_satisfied", 85}, {"callback_unsatisfied", 15}}),
      decide("fault_repair", "received", {{"triage", 19}, {"merge_duplicate", 1}}),
      decide("fault_repair", "triaged", {{"dispatch", 9}, {"customer_side_fault", 1}}),
      decide("fault_repair", "dispatched", {{"crew_acknowledge", 1}}),
      decide("fault_repair", "arrived_on_site", {{"start_repair", 9}, {"found_customer_side", 1}}),
      decide("fault_repair", "handler_replied",
             {{"callback_satisfied", 9}, {"callback_unsatisfied", 1}}),
      decide("fault_repair", "follow_up", {{"redispatch", 3}, {"follow_up_done", 7}}),
      decide("info_change", "received",
             {{"verify_identity", 18}, {"identity_failed", 1}, {"convert_to_usage_change", 1}}),
      decide("info_change", "identity_verified",
             {{"apply_change", 16}, {"request_field_check", 3}, {"convert_to_usage_change", 1}}),
      decide("info_change", "field_check", {{"check_passed", 9}, {"check_failed", 1}}),
      decide("bill_callback", "planned", {{"start_contact", 1}}),
      decide("bill_callback", "contact_attempt_1", {{"reached", 7}, {"no_answer", 3}}),
      decide("bill_callback", "contact_attempt_2", {{"reached", 7}, {"no_answer", 3}}),
      decide("bill_callback", "contact_attempt_3", {{"reached", 7}, {"no_answer", 3}}),
      decide("bill_callback", "feedback_recorded", {{"issue_found", 3}, {"no_issue", 7}},
             {{"bill", 2}, {"payment", 1}, {"service", 1}}),
      decide("bill_callback", "classified",
             {{"assign_billing", 4}, {"assign_metering", 2}, {"assign_marketing", 2},
              {"assign_service", 2}}),
      decide("bill_callback", "investigating", {{"resolve_immediately", 7}, {"give_commitment", 3}}),
      decide("bill_callback", "customer_informed",
             {{"customer_satisfied", 9}, {"customer_unsatisfied", 1}}),
      decide("business_expansion", "received", {{"accept", 8}, {"documents_incomplete", 2}}),
      decide("business_expansion", "waiting_customer_docs",
             {{"documents_received", 9}, {"customer_withdrew", 1}}),
      decide("business_expansion", "plan_drafting", {{"plan_drafted", 8}, {"needs_grid_study", 2}}),
      decide("business_expansion", "supply_plan_replied",
             {{"residential_energize", 6}, {"lv_await_customer_works", 4}}),
      decide("business_expansion", "waiting_customer_works",
             {{"lv_works_ready", 9}, {"customer_withdrew", 1}}),
  };

  sim::state_wait w;
  w.workflow = "complaint";
  w.state = "waiting_customer";
  w.time = fixed(customer_answer_s);
  sim::state_wait docs;
  docs.workflow = "business_expansion";
  docs.state = "waiting_customer_docs";
  sim::time_distribution d;
  d.shape = sim::time_distribution::kind::exponential;
  d.mean_s = day;
  docs.time = d;
  sc.waits = {w, docs};
  return sc;
}

/// Every stream of a store with its events.
std::map<std::string, std::vector<tf::event>> trails(const tf::store& s) {
  std::map<std::string, std::vector<tf::event>> out;
  auto ids = s.streams();
  REQUIRE(ids.has_value());
  for (const auto& id : *ids) {
    auto events = s.load(id);
    REQUIRE(events.has_value());
    out.emplace(id, std::move(*events));
  }
  return out;
}

/// The heads of every stream: equal heads are equal hash chains.
std::map<std::string, tf::store::stream_head> heads(const tf::store& s) {
  std::map<std::string, tf::store::stream_head> out;
  auto ids = s.streams();
  REQUIRE(ids.has_value());
  for (const auto& id : *ids) {
    auto h = s.head(id);
    REQUIRE(h.has_value());
    out.emplace(id, *h);
  }
  return out;
}

bool same_heads(const std::map<std::string, tf::store::stream_head>& a,
                const std::map<std::string, tf::store::stream_head>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [id, h] : a) {
    const auto it = b.find(id);
    if (it == b.end() || it->second.version != h.version || it->second.head != h.head) return false;
  }
  return true;
}

bool same_pools(const std::vector<sim::pool_stats>& a, const std::vector<sim::pool_stats>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].role != b[i].role || a[i].region != b[i].region || a[i].people != b[i].people ||
        a[i].on_shift_s != b[i].on_shift_s || a[i].busy_s != b[i].busy_s ||
        a[i].served != b[i].served || !(a[i].wait == b[i].wait))
      return false;
  }
  return true;
}

bool same_samples(const std::vector<sim::sample>& a, const std::vector<sim::sample>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].at != b[i].at || a[i].pool != b[i].pool || a[i].queued != b[i].queued ||
        a[i].on_shift != b[i].on_shift || a[i].busy != b[i].busy)
      return false;
  return true;
}

struct finished {
  std::unique_ptr<tf::memory_store> store;
  sim::replication rep;
};

finished run_city(std::uint64_t seed, const sim::scenario& sc) {
  finished f{std::make_unique<tf::memory_store>(), {}};
  sim::run_options o;
  o.seed = seed;
  o.events = f.store.get();
  auto r = sim::run(sc, shipped(), o);
  REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
  f.rep = std::move(*r);
  return f;
}

/// A person's recorded actions: (instant, ticket), one per command (a
/// command's several events share actor, instant and ticket).
std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> actions_by_person(
    const std::map<std::string, std::vector<tf::event>>& all) {
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> out;
  for (const auto& [id, events] : all) {
    if (id.starts_with('~')) continue;
    for (const auto& e : events) {
      if (e.actor_id == "system" || e.actor_id == "sim" || e.type == tf::event_type::opened)
        continue;
      auto& list = out[e.actor_id];
      const std::pair<std::int64_t, std::string> key{e.time.time_since_epoch().count(), id};
      if (list.empty() || list.back() != key) list.push_back(key);
    }
  }
  for (auto& [who, list] : out) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return out;
}

}  // namespace

TEST_CASE("sim.run.same_seed_same_trail") {
  const auto sc = city();
  const auto a = run_city(42, sc);
  const auto b = run_city(42, sc);
  // A few hundred tickets of every type went through the engine.
  CHECK(a.rep.tickets_opened > 200);
  CHECK(a.rep.tickets_opened < 600);
  CHECK(a.rep.actions > a.rep.tickets_opened);
  const auto ta = trails(*a.store);
  const auto tb = trails(*b.store);
  CHECK(ta == tb);  // every event of every stream, byte for byte
  CHECK(same_heads(heads(*a.store), heads(*b.store)));
  CHECK(a.rep.tickets_opened == b.rep.tickets_opened);
  CHECK(a.rep.actions == b.rep.actions);
  CHECK(a.rep.events == b.rep.events);
  CHECK(a.rep.stuck == b.rep.stuck);
  CHECK(a.rep.open_at_end == b.rep.open_at_end);
  CHECK(a.rep.report.total == b.rep.report.total);
  REQUIRE(a.rep.report.rows.size() == b.rep.report.rows.size());
  for (std::size_t i = 0; i < a.rep.report.rows.size(); ++i) {
    CHECK(a.rep.report.rows[i].group == b.rep.report.rows[i].group);
    CHECK(a.rep.report.rows[i].values == b.rep.report.rows[i].values);
  }
  CHECK(same_pools(a.rep.pools, b.rep.pools));
  CHECK(same_samples(a.rep.samples, b.rep.samples));
  REQUIRE(a.rep.breaches.size() == b.rep.breaches.size());
  for (std::size_t i = 0; i < a.rep.breaches.size(); ++i) {
    CHECK(a.rep.breaches[i].ticket_id == b.rep.breaches[i].ticket_id);
    CHECK(a.rep.breaches[i].at == b.rep.breaches[i].at);
  }
  // The events the run counts are the events in the store.
  std::uint64_t stored = 0;
  for (const auto& [id, events] : ta) stored += events.size();
  CHECK(a.rep.events == stored);
  // Every ticket type was opened.
  std::set<std::string> types;
  for (const auto& [id, events] : ta)
    if (!events.empty() && events.front().type == tf::event_type::opened)
      types.insert(std::string(events.front().detail(tf::detail_key::type).value_or("")));
  CHECK(types == std::set<std::string>{"bill_callback", "business_expansion", "complaint",
                                       "fault_repair", "info_change"});
}

TEST_CASE("sim.run.different_seed_different_trail") {
  const auto sc = city(2);
  const auto a = run_city(1, sc);
  const auto b = run_city(2, sc);
  CHECK_FALSE(same_heads(heads(*a.store), heads(*b.store)));
}

TEST_CASE("sim.run.trails_verify_and_people_work_one_ticket_in_their_shifts") {
  const auto sc = city();
  const auto f = run_city(7, sc);
  const auto all = trails(*f.store);
  for (const auto& entry : all) {
    const std::string& id = entry.first;
    INFO(id);
    CHECK(tf::verify_stored(*f.store, id).has_value());
  }
  const auto by_person = actions_by_person(all);
  REQUIRE(by_person.size() > 10);
  const auto& org = shipped().org;
  std::size_t checked = 0;
  for (const auto& entry : by_person) {
    const std::string& who = entry.first;
    const auto& list = entry.second;
    INFO(who);
    // One ticket at a time: each action takes handling_s, so the person's
    // commands lie at least that far apart, whichever tickets they are on.
    for (std::size_t i = 1; i < list.size(); ++i) CHECK(list[i].first - list[i - 1].first >= handling_s);
    // Within the shift: the role's calendar is working time when the
    // action began (a person busy at the end of a shift may finish after).
    const std::string role = who.substr(0, who.find('.'));
    const auto group = std::find_if(sc.staff.begin(), sc.staff.end(),
                                    [&](const sim::staff_group& g) { return g.role == role; });
    REQUIRE(group != sc.staff.end());
    const tf::calendar* cal = org.find_calendar(group->calendar);
    REQUIRE(cal != nullptr);
    for (const auto& [at, ticket] : list) {
      CHECK(tf::is_working_time(*cal, tf::timestamp{seconds{at - handling_s}}));
      ++checked;
    }
  }
  CHECK(checked == f.rep.actions);
  // Queues count distinct waiting tickets: never more than were opened, and
  // some queue was not empty at some sample (the desk is not idle all month).
  std::uint32_t longest = 0;
  for (const auto& smp : f.rep.samples) {
    CHECK(smp.queued <= f.rep.tickets_opened);
    CHECK(smp.busy <= smp.on_shift + f.rep.pools[smp.pool].people);
    longest = std::max(longest, smp.queued);
  }
  CHECK(longest > 0);
  // Office staff did work: an office calendar's hours were used, not 24x7.
  bool office_worked = false;
  for (const auto& p : f.rep.pools)
    if (p.role == "callback_agent" && p.served > 0) office_worked = true;
  CHECK(office_worked);
}

TEST_CASE("sim.run.two_groups_of_one_role_are_two_shifts") {
  // The 95598 desk as two groups: two agents on office hours and one around
  // the clock. Their people are numbered on from group to group, and each
  // works in its own group's calendar.
  auto sc = city();
  for (auto& g : sc.staff)
    if (g.role == "csr") {
      g.count = 2;
      g.calendar = "office";
    }
  sc.staff.push_back(staff("csr", 1, "always"));
  const auto f = run_city(5, sc);
  const auto pool = std::find_if(f.rep.pools.begin(), f.rep.pools.end(),
                                 [](const sim::pool_stats& p) { return p.role == "csr"; });
  REQUIRE(pool != f.rep.pools.end());
  CHECK(pool->people == 3);
  const auto by_person = actions_by_person(trails(*f.store));
  const tf::calendar* office = shipped().org.find_calendar("office");
  REQUIRE(office != nullptr);
  std::size_t outside_office = 0;
  for (const char* who : {"csr.1", "csr.2"}) {
    INFO(who);
    REQUIRE(by_person.count(who) == 1);
    for (const auto& [at, ticket] : by_person.at(who))
      CHECK(tf::is_working_time(*office, tf::timestamp{seconds{at - handling_s}}));
  }
  REQUIRE(by_person.count("csr.3") == 1);
  for (const auto& [at, ticket] : by_person.at("csr.3"))
    if (!tf::is_working_time(*office, tf::timestamp{seconds{at - handling_s}})) ++outside_office;
  // Fault reports come day and night: the 24x7 agent takes some at night.
  CHECK(outside_office > 0);
  CHECK(by_person.count("csr.4") == 0);
}

TEST_CASE("sim.run.customer_waits_hold_tickets_in_clock_pausing_states") {
  const auto sc = city(5);
  const auto f = run_city(11, sc);
  const auto all = trails(*f.store);
  std::size_t waits = 0;
  for (const auto& entry : all) {
    const std::string& id = entry.first;
    const auto& events = entry.second;
    std::optional<std::int64_t> entered;
    bool paused = false;
    for (const auto& e : events) {
      const auto t = e.time.time_since_epoch().count();
      if (e.type == tf::event_type::paused && e.detail(tf::detail_key::state) == "waiting_customer")
        paused = true;
      if (e.type != tf::event_type::transitioned) continue;
      if (e.detail(tf::detail_key::to) == "waiting_customer") entered = t;
      if (e.detail(tf::detail_key::from) == "waiting_customer") {
        REQUIRE(entered.has_value());
        INFO(id);
        // The customer answered after exactly the wait; the response was
        // then queued and handled (handling_s) no earlier.
        CHECK(t - *entered >= customer_answer_s + handling_s);
        CHECK(paused);
        ++waits;
        entered.reset();
      }
    }
  }
  CHECK(waits > 0);
}

TEST_CASE("sim.run.regional_surge_multiplies_its_regions_demand") {
  // Two regions with 100 customers each, 400 info changes a day for two
  // days, and a surge that doubles demand in gusu for both days. Expected:
  // 400 from wuzhong (Poisson, sd 20) and 800 from gusu (sd 28); the ratio
  // gusu ÷ wuzhong has a standard deviation of about 2·√(1/800 + 1/400)
  // ≈ 0.12, so [1.6, 2.4] is more than three of them either side of 2.
  // Nobody is staffed: every ticket is stuck where it was opened, which
  // the run counts.
  sim::scenario sc;
  sc.id = "surge";
  sc.start = sys_days{2026y / November / 2};
  sc.days = 2;
  sim::segment a;
  a.id = "A";
  a.count = 100;
  a.regions = {{"gusu", 1}};
  sim::segment b = a;
  b.id = "B";
  b.regions = {{"wuzhong", 1}};
  sc.customers.segments = {a, b};
  sc.demand = {demand("info_change", 400, "business_hall", {plain("change_kind", "other")})};
  sim::surge s;
  s.id = "storm";
  s.from = tf::from_local(sc.start, seconds{0}, shipped().org.utc_offset);
  s.to = s.from + days{2};
  s.factor = 2;
  s.regions = {"gusu"};
  sc.surges = {s};
  tf::memory_store events;
  sim::run_options o;
  o.seed = 5;
  o.events = &events;
  auto r = sim::run(sc, shipped(), o);
  REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
  std::map<std::string, int> by_region;
  for (const auto& [id, trail] : trails(events))
    if (!trail.empty() && trail.front().type == tf::event_type::opened)
      ++by_region[std::string(trail.front().detail(tf::detail_key::region).value_or(""))];
  CHECK(by_region.size() == 2);
  const double ratio = static_cast<double>(by_region["gusu"]) / by_region["wuzhong"];
  CHECK(ratio > 1.6);
  CHECK(ratio < 2.4);
  CHECK(by_region["wuzhong"] > 400 - 4 * 20);
  CHECK(by_region["wuzhong"] < 400 + 4 * 20);
  CHECK(r->stuck == r->tickets_opened);
  CHECK(r->open_at_end == r->tickets_opened);
  CHECK(r->actions == 0);
}

TEST_CASE("sim.run.sqlite_store_takes_the_trail") {
  tierflow_test::scratch_sqlite db;
  const auto sc = city(1);
  sim::replication rep;
  {
    tf::store_options so;
    so.mode = tf::durability::group_commit;
    auto s = tf::sqlite_store::open(db.path(), so);
    REQUIRE(s.has_value());
    sim::run_options o;
    o.seed = 3;
    o.events = s->get();
    auto r = sim::run(sc, shipped(), o);
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
    rep = std::move(*r);
  }
  tf::store_options ro;
  ro.read_only = true;
  auto s = tf::sqlite_store::open(db.path(), ro);
  REQUIRE(s.has_value());
  auto ids = (*s)->streams();
  REQUIRE(ids.has_value());
  std::uint64_t events = 0;
  std::uint64_t tickets = 0;
  for (const auto& id : *ids) {
    INFO(id);
    CHECK(tf::verify_stored(**s, id).has_value());
    auto trail = (*s)->load(id);
    REQUIRE(trail.has_value());
    events += trail->size();
    if (!id.starts_with('~')) ++tickets;
  }
  CHECK(rep.tickets_opened > 50);
  CHECK(tickets == rep.tickets_opened);
  CHECK(events == rep.events);
}

namespace {

/// A live store as a service centre leaves it on a Monday morning: twelve
/// complaints opened at 09:00, half of them classified by 09:30, none
/// contacted yet.
struct live_centre {
  tf::memory_store store;
  tf::timestamp opened_at = tf::from_local(sys_days{2026y / November / 2}, hours{9},
                                           shipped().org.utc_offset);
  tf::timestamp last_event = opened_at + minutes{30};
  std::vector<std::string> tickets;

  live_centre() {
    tf::manual_clock clock(opened_at);
    tf::engine_options eo;
    eo.time_source = &clock;
    eo.events = &store;
    auto eng = tf::engine::create(shipped(), eo);
    REQUIRE(eng.has_value());
    for (int i = 1; i <= 12; ++i) {
      tf::open_request req;
      req.type = "complaint";
      req.channel = "hotline_95598";
      req.customer_id = "LIVE-" + std::to_string(i);
      req.customer = {{"region", tf::value{std::string("gusu")}},
                      {"importance_class", tf::value{std::string("none")}},
                      {"priority", tf::value{std::string("normal")}},
                      {"area_type", tf::value{std::string("urban")}},
                      {"voltage_kv", tf::value{0.38}},
                      {"capacity_kva", tf::value{10.0}},
                      {"load_grade", tf::value{std::int64_t{3}}},
                      {"high_risk", tf::value{false}}};
      req.fields = {{"complaint_class", tf::value{std::string("service")}},
                    {"skip_level_risk", tf::value{false}}};
      req.opened_by = "hall";
      auto t = (*eng)->open(req);
      REQUIRE_MESSAGE(t.has_value(), (t ? std::string() : t.error().message()));
      tickets.push_back(t->ticket.id);
    }
    clock.set(last_event);
    for (std::size_t i = 0; i < tickets.size(); i += 2) {
      auto done = (*eng)->act({tickets[i], "classify", {"csr.live", {"csr"}, ""}, "", std::nullopt});
      REQUIRE_MESSAGE(done.has_value(), (done ? std::string() : done.error().message()));
    }
  }
};

}  // namespace

TEST_CASE("sim.run.forecast_from_a_live_store_leaves_it_untouched") {
  live_centre live;
  const auto before = trails(live.store);
  const auto heads_before = heads(live.store);
  REQUIRE(before.size() >= live.tickets.size());

  SUBCASE("nobody staffed: today's tickets breach their contact deadline") {
    auto sc = city(3);
    sc.staff.clear();
    tf::memory_store events;
    sim::run_options o;
    o.seed = 9;
    o.events = &events;
    o.from = &live.store;
    o.start = live.last_event + hours{1};
    auto r = sim::run(sc, shipped(), o);
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
    // The live store is as it was.
    CHECK(trails(live.store) == before);
    CHECK(same_heads(heads(live.store), heads_before));
    // Each live ticket breaches "contact" (24h) at its opening + 24 h.
    std::set<std::string> breached;
    for (const auto& b : r->breaches) {
      if (!b.from_live) continue;
      CHECK(b.ticket_id.starts_with("T"));
      if (b.deadline != "contact") continue;
      CHECK(b.at == live.opened_at + hours{24});
      CHECK(b.unit == "customer_service_center");
      CHECK(b.region == "gusu");
      breached.insert(b.ticket_id);
    }
    CHECK(breached == std::set<std::string>(live.tickets.begin(), live.tickets.end()));
    // Simulated demand got ids of its own, and is not counted as live.
    const auto run_trails = trails(events);
    std::size_t simulated = 0;
    for (const auto& [id, trail] : run_trails)
      if (id.starts_with("S")) ++simulated;
    CHECK(simulated == r->tickets_opened);
    CHECK(simulated > 0);
    for (const auto& b : r->breaches) CHECK(b.from_live == !b.ticket_id.starts_with("S"));
    // The copies start as the live streams are.
    for (const auto& entry : before) {
      const std::string& id = entry.first;
      const auto& trail = entry.second;
      INFO(id);
      const auto it = run_trails.find(id);
      REQUIRE(it != run_trails.end());
      REQUIRE(it->second.size() >= trail.size());
      CHECK(std::equal(trail.begin(), trail.end(), it->second.begin()));
    }
    // Nobody may take anything: every ticket, live or new, is stuck and open.
    CHECK(r->stuck == r->tickets_opened + live.tickets.size());
    CHECK(r->open_at_end == r->tickets_opened + live.tickets.size());
  }

  SUBCASE("staffed: today's tickets are worked on by the simulated staff") {
    const auto sc = city(2);
    tf::memory_store events;
    sim::run_options o;
    o.seed = 9;
    o.events = &events;
    o.from = &live.store;
    o.start = live.last_event;
    auto r = sim::run(sc, shipped(), o);
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
    CHECK(trails(live.store) == before);
    CHECK(same_heads(heads(live.store), heads_before));
    const auto run_trails = trails(events);
    for (const auto& id : live.tickets) {
      INFO(id);
      const auto& trail = run_trails.at(id);
      REQUIRE(trail.size() > before.at(id).size());
      // After the copy, timers fire ("system") and a simulated service
      // centre agent takes the ticket's next action.
      const auto next = std::find_if(trail.begin() + static_cast<std::ptrdiff_t>(before.at(id).size()),
                                     trail.end(),
                                     [](const tf::event& e) { return e.actor_id != "system"; });
      REQUIRE(next != trail.end());
      CHECK(next->actor_id.starts_with("csr."));
      CHECK(next->actor_id != "csr.live");
    }
  }

  SUBCASE("a start before the live store's newest event is refused") {
    sim::run_options o;
    o.from = &live.store;
    o.start = live.last_event - seconds{1};
    auto r = sim::run(city(1), shipped(), o);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == tf::errc::invalid_argument);
    CHECK(same_heads(heads(live.store), heads_before));
  }

  SUBCASE("a run's store must be empty") {
    sim::run_options o;
    o.events = &live.store;
    auto r = sim::run(city(1), shipped(), o);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == tf::errc::invalid_argument);
    CHECK(same_heads(heads(live.store), heads_before));
  }
}

TEST_CASE("sim.run.progress_reports_fractions_in_order") {
  std::vector<double> seen;
  sim::run_options o;
  o.seed = 1;
  o.progress = [&seen](double f) { seen.push_back(f); };
  auto r = sim::run(city(1), shipped(), o);
  REQUIRE(r.has_value());
  REQUIRE(seen.size() >= 2);
  CHECK(seen.size() <= 101);
  CHECK(seen.front() == 0.0);
  CHECK(seen.back() == 1.0);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
}

TEST_CASE("sim.run.refused_actions_end_stuck_not_in_a_loop") {
  // A decision (built in code, past the loader's checks) that records a
  // callback issue class the workflow does not have: the engine refuses the
  // action every time. The run redraws and requeues it, and after three
  // refusals in a row counts the ticket stuck and leaves it open, instead
  // of trying for ever.
  auto sc = city(2);
  sc.demand = {sc.demand[3]};  // bill callbacks only
  REQUIRE(sc.demand[0].type == "bill_callback");
  for (auto& d : sc.decisions)
    if (d.workflow == "bill_callback" && d.state == "feedback_recorded")
      d = decide("bill_callback", "feedback_recorded", {{"issue_found", 1}},
                 {{"no_such_class", 1}});
  tf::memory_store events;
  sim::run_options o;
  o.seed = 4;
  o.events = &events;
  auto r = sim::run(sc, shipped(), o);
  REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
  REQUIRE(r->stuck > 0);
  std::size_t stuck_in_feedback = 0;
  for (const auto& entry : trails(events)) {
    const std::string& id = entry.first;
    if (id.starts_with('~')) continue;
    INFO(id);
    const auto& trail = entry.second;
    const auto denied = events.load(tf::denial_stream_of(id));
    REQUIRE(denied.has_value());
    bool in_feedback = false;
    for (const auto& e : trail)
      if (e.type == tf::event_type::transitioned)
        in_feedback = e.detail(tf::detail_key::to) == "feedback_recorded";
    if (!in_feedback) {
      CHECK(denied->empty());
      continue;
    }
    // Three refusals, a handling time apart (none coalesced), then stuck.
    if (denied->size() == 3) ++stuck_in_feedback;
    CHECK(denied->size() <= 3);
    for (const auto& e : *denied)
      CHECK(e.detail(tf::detail_key::code) == std::string_view("invalid_argument"));
  }
  CHECK(stuck_in_feedback == r->stuck);
}

TEST_CASE("sim.run.a_cycle_of_instant_actions_ends_stuck_not_in_a_hang") {
  // Fault repairs whose crews always hand the order back, every action
  // taking no time: triaged -> dispatched -> triaged ... would repeat at one
  // simulated instant for ever (the clock never moves, no timer can fire).
  // The run counts each such ticket stuck after max_actions_per_instant
  // actions at one instant and goes on.
  auto sc = city(1);
  sc.demand = {sc.demand[1]};  // fault repairs only
  REQUIRE(sc.demand[0].type == "fault_repair");
  sc.demand[0].per_day = 5;
  for (auto& d : sc.decisions)
    if (d.workflow == "fault_repair" && d.state == "dispatched")
      d = decide("fault_repair", "dispatched", {{"crew_returns_order", 1}});
  for (auto& d : sc.decisions)
    if (d.workflow == "fault_repair" && d.state == "triaged")
      d = decide("fault_repair", "triaged", {{"dispatch", 1}});
  sc.handling.front().time = fixed(0);
  tf::memory_store events;
  sim::run_options o;
  o.seed = 9;
  o.events = &events;
  auto r = sim::run(sc, shipped(), o);
  REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
  REQUIRE(r->tickets_opened > 0);
  CHECK(r->stuck > 0);
  CHECK(r->stuck <= r->tickets_opened);
  // Each ticket stopped after the bound at each instant it was drawn: when
  // opened, and again only when a timer moved it to another unit (an
  // escalation), not at every step-limit note.
  for (const auto& entry : trails(events)) {
    if (entry.first.starts_with('~')) continue;
    INFO(entry.first);
    std::size_t transitions = 0, moves = 0;
    for (const auto& e : entry.second) {
      if (e.type == tf::event_type::transitioned) ++transitions;
      if (e.type == tf::event_type::escalated) ++moves;
    }
    CHECK(transitions <= (sim::max_actions_per_instant + 1) * (moves + 1));
  }
}

TEST_CASE("sim.run.arrivals_follow_hours_weekdays_holidays_and_surges") {
  // Info changes at the business hall: only 09:00-17:00 (hours weights),
  // no demand on Sundays, and the office calendar's holidays count as
  // Sundays (National Day, 1-7 October 2026). From Wednesday 30 September
  // for 9 days: the 30th and the 8th (Thursday) are ordinary days, 1-7
  // October are holidays (no arrivals at all). A surge without regions
  // triples the demand of 8 October from noon to 14:00.
  sim::scenario sc;
  sc.id = "profile";
  sc.start = sys_days{2026y / September / 30};
  sc.days = 9;
  sim::segment all;
  all.id = "ALL";
  all.count = 200;
  sc.customers.segments = {all};
  auto d = demand("info_change", 800, "business_hall", {plain("change_kind", "other")});
  d.hours.fill(0);
  for (std::size_t h = 9; h < 17; ++h) d.hours[h] = 1;
  d.weekdays = {1, 1, 1, 1, 1, 1, 0};
  d.holidays_from = "office";
  d.holiday_weekday = 6;
  sc.demand = {d};
  const auto off = shipped().org.utc_offset;
  sim::surge s;
  s.id = "rush";
  s.from = tf::from_local(sys_days{2026y / October / 8}, hours{12}, off);
  s.to = s.from + hours{2};
  s.factor = 3;
  sc.surges = {s};
  tf::memory_store events;
  sim::run_options o;
  o.seed = 8;
  o.events = &events;
  auto r = sim::run(sc, shipped(), o);
  REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
  std::map<std::string, int> by_day;
  int outside_hours = 0, in_rush = 0, same_hours_on_30th = 0;
  for (const auto& entry : trails(events)) {
    const auto& trail = entry.second;
    if (trail.empty() || trail.front().type != tf::event_type::opened) continue;
    const tf::timestamp at = trail.front().time;
    const auto local = tf::to_local(at, off);
    const auto local_date = floor<days>(local);
    const auto hour = floor<hours>(local - local_date).count();
    by_day[tf::format_date(sys_days{local_date.time_since_epoch()})]++;
    if (hour < 9 || hour >= 17) ++outside_hours;
    if (at >= s.from && at < s.to) ++in_rush;
    if (sys_days{local_date.time_since_epoch()} == sys_days{2026y / September / 30} && hour >= 12 &&
        hour < 14)
      ++same_hours_on_30th;
  }
  CHECK(outside_hours == 0);
  for (int dd = 1; dd <= 7; ++dd) {
    const auto date = tf::format_date(sys_days{2026y / October / std::chrono::day{static_cast<unsigned>(dd)}});
    INFO(date);
    CHECK(by_day.count(date) == 0);
  }
  // 800 a day on ordinary days (Poisson, sd 28): within 4 sd.
  CHECK(by_day["2026-09-30"] > 800 - 4 * 28);
  CHECK(by_day["2026-09-30"] < 800 + 4 * 28);
  // Noon to 14:00 is a quarter of the day's hours: 200 (sd 14) on the
  // 30th, 600 (sd 24) in the rush: within 4 sd each.
  CHECK(same_hours_on_30th > 200 - 4 * 14);
  CHECK(same_hours_on_30th < 200 + 4 * 14);
  CHECK(in_rush > 600 - 4 * 24);
  CHECK(in_rush < 600 + 4 * 24);
  CHECK(by_day["2026-10-08"] > 1200 - 4 * 35);
  CHECK(by_day["2026-10-08"] < 1200 + 4 * 35);
}

namespace {

/// Everything a report says, one line per figure, numbers exact (%a for
/// doubles): two reports are the same when these lines are.
std::vector<std::string> rendered(const tf::kpi::report& r) {
  std::vector<std::string> out;
  const auto number = [](std::optional<double> v) {
    if (!v) return std::string("none");
    char text[64];
    std::snprintf(text, sizeof text, "%a", *v);
    return std::string(text);
  };
  const auto count = [](std::optional<std::uint64_t> v) {
    return v ? std::to_string(*v) : std::string("none");
  };
  const auto joined = [](const std::vector<std::string>& group) {
    std::string s;
    for (const auto& g : group) s += g + "|";
    return s;
  };
  const auto at = [](tf::timestamp t) { return std::to_string(t.time_since_epoch().count()); };
  out.push_back("period " + at(r.from) + " " + at(r.to));
  out.push_back("tickets " + std::to_string(r.tickets_read) + " " +
                std::to_string(r.tickets_in_period) + " " +
                std::to_string(r.tickets_without_outcomes));
  const auto indicators = [&](const std::string& row, const tf::kpi::indicators& values) {
    for (const auto& m : tf::kpi::metrics(values))
      out.push_back(row + " " + m.name + "=" + number(m.value) + " " + count(m.numerator) + "/" +
                    count(m.denominator));
  };
  indicators("total", r.total);
  for (const auto& row : r.rows) indicators("row " + joined(row.group), row.values);
  for (const auto& b : r.backlog)
    out.push_back("backlog " + at(b.at) + " " + joined(b.group) + " " + std::to_string(b.open) +
                  " " + std::to_string(b.overdue) + " " + std::to_string(b.opened) + " " +
                  std::to_string(b.closed));
  for (const auto& u : r.units)
    out.push_back("unit " + u.unit + " " + std::to_string(u.is_team) + " " +
                  std::to_string(u.stays) + " " + std::to_string(u.calendar_seconds) + " " +
                  std::to_string(u.business_seconds));
  for (const auto& p : r.people)
    out.push_back("person " + p.person + " " + std::to_string(p.actions) + " " +
                  std::to_string(p.taken) + " " + std::to_string(p.tickets) + " " +
                  std::to_string(p.closed));
  for (const auto& m : r.managers) {
    out.push_back("manager " + m.person + " " + number(m.points) + " " + std::to_string(m.rank));
    for (const auto& [name, score] : m.scores)
      out.push_back("manager " + m.person + " " + name + "=" + number(score));
  }
  for (const auto& o : r.worst_overdue)
    out.push_back("overdue " + o.ticket_id + " " + o.workflow_id + " " + o.deadline + " " +
                  at(o.breached_at) + " " + std::to_string(o.overdue_seconds) + " " + o.unit +
                  " " + o.region + " " + o.owner + " " + o.assignee);
  return out;
}

/// The first line where two renderings differ ("" when none does).
std::string first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "(nothing)";
    const std::string y = i < b.size() ? b[i] : "(nothing)";
    if (x != y) return "line " + std::to_string(i) + ": " + x + " vs " + y;
  }
  return "";
}

/// The options a run's report is computed with, worked out from the
/// scenario as its reference describes them: the reported period, rows by
/// tier, the backlog at each local midnight in the period.
tf::kpi::options report_options(const sim::scenario& sc) {
  const auto off = shipped().org.utc_offset;
  tf::kpi::options ko;
  ko.from = sc.period_from(off);
  ko.to = sc.period_to(off);
  ko.by = {{tf::kpi::group_kind::tier, ""}};
  for (auto d = tf::local_day(ko.from, off) + days{1};; d += days{1}) {
    const tf::timestamp midnight = tf::from_local(d, seconds{0}, off);
    if (midnight > ko.to) break;
    ko.instants.push_back(midnight);
  }
  ko.org = &shipped().org;
  return ko;
}

}  // namespace

TEST_CASE("sim.run.report_folded_as_tickets_close_equals_report_of_every_kept_trail") {
  // The same scenario and seed three ways: on the run's own memory store
  // (each trail folded into the indicators when its ticket closes and
  // released from the store), on a memory store the caller keeps, and into
  // SQLite (trails kept there, read when they close). A fourth report is
  // computed afterwards from the kept store by kpi::compute, reading every
  // stream in the store's order as the run's end used to: all four agree on
  // every figure, so neither the store nor the order trails are added in
  // changes the report.
  const auto sc = city(3);
  constexpr std::uint64_t seed = 11;
  sim::run_options own;
  own.seed = seed;
  auto released = sim::run(sc, shipped(), own);
  REQUIRE_MESSAGE(released.has_value(), (released ? std::string() : released.error().message()));

  const auto kept = run_city(seed, sc);

  tierflow_test::scratch_sqlite db;
  sim::replication in_db;
  {
    tf::store_options so;
    so.mode = tf::durability::group_commit;
    auto s = tf::sqlite_store::open(db.path(), so);
    REQUIRE(s.has_value());
    sim::run_options o;
    o.seed = seed;
    o.events = s->get();
    auto r = sim::run(sc, shipped(), o);
    REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
    in_db = std::move(*r);
  }

  // Most tickets closed during the run, so most trails were folded early.
  auto open = kept.store->open_tickets();
  REQUIRE(open.has_value());
  REQUIRE(kept.rep.tickets_opened > 200);
  const std::uint64_t closed = kept.rep.tickets_opened - open->size();
  CHECK(closed * 2 > kept.rep.tickets_opened);
  CHECK(released->open_at_end == open->size());

  // The runs themselves went alike.
  CHECK(released->tickets_opened == kept.rep.tickets_opened);
  CHECK(in_db.tickets_opened == kept.rep.tickets_opened);
  CHECK(released->actions == kept.rep.actions);
  CHECK(in_db.actions == kept.rep.actions);
  CHECK(released->events == kept.rep.events);
  CHECK(in_db.events == kept.rep.events);

  auto computed = tf::kpi::compute(*kept.store, report_options(sc));
  REQUIRE_MESSAGE(computed.has_value(), (computed ? std::string() : computed.error().message()));
  const auto reference = rendered(*computed);
  REQUIRE(reference.size() > 50);
  CHECK(computed->tickets_read == kept.rep.tickets_opened);
  CHECK(computed->total.closed > 0);
  const auto own_store = rendered(released->report);
  const auto caller_store = rendered(kept.rep.report);
  const auto sqlite = rendered(in_db.report);
  CHECK_MESSAGE(own_store == reference, first_difference(own_store, reference));
  CHECK_MESSAGE(caller_store == reference, first_difference(caller_store, reference));
  CHECK_MESSAGE(sqlite == reference, first_difference(sqlite, reference));
}

namespace {

/// One role, one queue, one action that closes the ticket: the M/M/c model
/// of sim_erlang_test and the benchmarks (tests/data/sim/mmc).
const tf::catalog& one_queue() {
  static const tf::catalog cat = [] {
    tf::diagnostics diags;
    auto c = tf::load_catalog_files({TIERFLOW_SOURCE_DIR "/tests/data/sim/mmc"}, diags);
    REQUIRE_MESSAGE(c.has_value(), diags.str());
    return std::move(*c);
  }();
  return cat;
}

/// Six tickets opened a minute apart from `t0` on an engine over `s`;
/// those at the indexes in `serve` served (closed) an hour later, in that
/// order; `after_each(id)` after each one.
template <class After>
std::vector<std::string> six_jobs(tf::store& s, tf::timestamp t0, const std::vector<int>& serve,
                                  After&& after_each) {
  tf::manual_clock clock(t0);
  tf::engine_options eo;
  eo.time_source = &clock;
  eo.events = &s;
  auto eng = tf::engine::create(one_queue(), eo);
  REQUIRE_MESSAGE(eng.has_value(), (eng ? std::string() : eng.error().message()));
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    clock.set(t0 + minutes{i});
    tf::open_request req;
    req.type = "request";
    req.channel = "phone";
    req.customer_id = "C" + std::to_string(i);
    req.opened_by = "test";
    auto t = (*eng)->open(req);
    REQUIRE_MESSAGE(t.has_value(), (t ? std::string() : t.error().message()));
    ids.push_back(t->ticket.id);
  }
  for (const int i : serve) {
    clock.set(clock.now() + hours{1});
    const auto& id = ids[static_cast<std::size_t>(i)];
    auto done = (*eng)->act({id, "serve", {"agent.1", {"agent"}, ""}, "", std::nullopt});
    REQUIRE_MESSAGE(done.has_value(), (done ? std::string() : done.error().message()));
    REQUIRE(done->closed);
    after_each(id);
  }
  return ids;
}

}  // namespace

TEST_CASE("sim.run.closed_trails_leave_the_runs_own_store_once_folded") {
  // The fold the run uses, on a store of its own: each closed ticket's
  // trail is added to the indicators once and leaves the store (its
  // summary stays); one the run still holds waits for a later fold; open
  // tickets keep their trails and are added at the end. The report equals
  // kpi::compute over a twin store that kept every trail.
  const tf::timestamp t0 = tf::timestamp{sys_days{2026y / March / 2}};
  const std::vector<int> serve{0, 1, 2, 4};
  tf::kpi::options ko;
  ko.from = t0 - hours{1};
  ko.to = t0 + days{1};
  ko.by = {{tf::kpi::group_kind::tier, ""}};
  ko.instants = {t0 + hours{2}, t0 + hours{5}};
  ko.org = &one_queue().org;

  tf::memory_store twin;
  const auto twin_ids = six_jobs(twin, t0, serve, [](const std::string&) {});
  auto expected = tf::kpi::compute(twin, ko);
  REQUIRE_MESSAGE(expected.has_value(), (expected ? std::string() : expected.error().message()));
  REQUIRE(expected->total.closed == serve.size());

  tf::memory_store own;
  sim::detail::recording_store recorder(own);
  auto acc = tf::kpi::accumulator::make(ko);
  REQUIRE(acc.has_value());
  sim::detail::trail_fold fold(recorder, &own, std::move(*acc));
  std::string held;  // the ticket the run says it still looks at
  std::vector<std::string> served;
  const auto ids = six_jobs(recorder, t0, serve, [&](const std::string& id) {
    served.push_back(id);
    if (served.size() == 3) held = id;  // the third served waits a turn
    auto ok = fold.fold_closed([&](const std::string& x) { return x == held; });
    REQUIRE_MESSAGE(ok.has_value(), (ok ? std::string() : ok.error().message()));
    if (served.size() == 3) {
      CHECK(own.load(id).has_value());  // held: still in the store
      held.clear();
    }
  });
  REQUIRE(ids == twin_ids);
  CHECK(fold.folded_closed() == serve.size());
  for (const int i : serve) {
    const std::string& id = ids[static_cast<std::size_t>(i)];
    INFO(id);
    auto trail = own.load(id);
    REQUIRE_FALSE(trail.has_value());
    CHECK(trail.error().code() == tf::errc::not_found);
    auto row = own.summary(id);
    REQUIRE(row.has_value());
    CHECK(row->closed);
  }
  for (const std::size_t i : {std::size_t{3}, std::size_t{5}}) {
    INFO(ids[i]);
    auto trail = own.load(ids[i]);
    REQUIRE(trail.has_value());
    CHECK(*trail == twin.load(ids[i]).value());
  }
  auto report = fold.finish();
  REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().message()));
  CHECK(report->tickets_read == ids.size());
  const auto got = rendered(*report);
  const auto want = rendered(*expected);
  CHECK_MESSAGE(got == want, first_difference(got, want));
}

namespace {

sim::scenario scenario_file(const std::string& path) {
  tf::diagnostics diags;
  auto sc = sim::load_scenario_file(path, shipped(), diags);
  REQUIRE_MESSAGE(sc.has_value(), diags.str());
  return std::move(*sc);
}

/// city_week (two generated segments, one on the organisation's regions;
/// CSV-loaded customers) with what it lacks added to its residential
/// segment: a drawn bool, an int drawn from a choice's text, a number drawn
/// from a choice's text, and a `region` generator (skipped: the region is
/// drawn by the segment's weights).
sim::scenario every_kind_of_generator() {
  sim::scenario sc = scenario_file(TIERFLOW_SOURCE_DIR "/tests/data/sim_good/city_week.yaml");
  REQUIRE(sc.customers.segments.size() >= 2);
  REQUIRE(sc.customers.segments[0].id == "residential");
  auto& res = sc.customers.segments[0];
  res.attributes.push_back(pick("elderly_living_alone", {{"true", 1}, {"false", 3}}));
  res.attributes.push_back(pick("load_grade", {{"2", 1}, {"3", 2}}));
  res.attributes.push_back(pick("region", {{"gusu", 1}}));
  res.attributes.push_back(pick("capacity_kva", {{"4", 1}, {"6.5", 1}}));
  res.count = 3000;
  return sc;
}

/// Every customer of the compact table against make_population's, drawn
/// from the same seed: the whole customer and each part alone.
void check_same_population(const sim::scenario& sc, std::uint64_t seed) {
  const tf::organisation& org = shipped().org;
  sim::detail::random_source wide_rng(seed, 3), compact_rng(seed, 3);
  auto wide = sim::detail::make_population(sc, org, wide_rng);
  auto compact = sim::detail::customer_table::make(sc, org, compact_rng);
  REQUIRE(wide.has_value());
  REQUIRE(compact.has_value());
  REQUIRE(compact->size() == wide->size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < wide->size(); ++i) {
    const sim::customer& w = (*wide)[i];
    const sim::customer c = compact->at(i);
    const bool same = c.id == w.id && c.segment == w.segment && c.region == w.region &&
                      c.attributes == w.attributes && compact->id(i) == w.id &&
                      compact->segment(i) == w.segment && compact->region(i) == w.region &&
                      compact->attributes(i) == w.attributes;
    if (!same && differing++ < 3) CHECK_MESSAGE(same, "customer " << i << " (" << w.id << ")");
  }
  CHECK(differing == 0);
  // Both left their generator where the other did: the draws were the same.
  CHECK(wide_rng.uniform() == compact_rng.uniform());
}

}  // namespace

TEST_CASE("sim.population.compact_table_holds_make_populations_customers") {
  const sim::scenario sc = every_kind_of_generator();
  check_same_population(sc, 20261101);
  check_same_population(sc, 7);

  // What the comparison covered, worked out from the scenario itself: ids
  // by segment and ordinal, every kind of value, and the loaded customers
  // after the generated ones.
  sim::detail::random_source rng(20261101, 3);
  auto people = sim::detail::customer_table::make(sc, shipped().org, rng);
  REQUIRE(people.has_value());
  std::size_t generated = 0;
  for (const auto& seg : sc.customers.segments) generated += static_cast<std::size_t>(seg.count);
  REQUIRE(people->size() == generated + sc.customers.loaded.size());
  REQUIRE(sc.customers.loaded.size() == 3);  // tests/data/sim_good/customers.csv's rows
  CHECK(people->id(0) == "residential-000001");
  CHECK(people->id(2999) == "residential-003000");
  CHECK(people->id(3000) == sc.customers.segments[1].id + "-000001");
  CHECK(people->id(generated) == "K-1");
  CHECK(people->id(generated + 2) == "K-3, annex");
  CHECK(people->region(generated + 1) == "gusu");
  std::set<std::string> residential_regions;
  std::set<bool> elderly;
  std::set<std::int64_t> grades;
  std::set<double> capacities;
  bool region_first = true;
  for (std::size_t i = 0; i < 3000; ++i) {
    residential_regions.insert(std::string(people->region(i)));
    const tf::attribute_values a = people->attributes(i);
    region_first = region_first && !a.empty() && a.front().first == "region" &&
                   std::get<std::string>(a.front().second) == people->region(i);
    for (const auto& [name, v] : a) {
      if (name == "elderly_living_alone") elderly.insert(std::get<bool>(v));
      if (name == "load_grade") grades.insert(std::get<std::int64_t>(v));
      if (name == "capacity_kva") capacities.insert(std::get<double>(v));
    }
  }
  CHECK(region_first);
  // The residential segment names no regions: all the organisation's.
  CHECK(residential_regions.size() == shipped().org.regions.size());
  CHECK(elderly == std::set<bool>{false, true});
  CHECK(grades == std::set<std::int64_t>{2, 3});
  CHECK(capacities == std::set<double>{4.0, 6.5});
  // The business segment's uniform int and lognormal number.
  bool business_typed = true;
  for (std::size_t i = 3000; i < generated; ++i) {
    if (people->segment(i) != "business") continue;
    for (const auto& [name, v] : people->attributes(i)) {
      if (name == "load_grade") business_typed = business_typed && std::holds_alternative<std::int64_t>(v);
      if (name == "annual_kwh") business_typed = business_typed && std::holds_alternative<double>(v);
    }
  }
  CHECK(business_typed);
}

TEST_CASE("sim.population.compact_table_holds_the_shipped_city_month") {
  check_same_population(scenario_file(TIERFLOW_SOURCE_DIR "/examples/scenarios/city_month.yaml"),
                        20261101);
}

TEST_CASE("sim.population.compact_table_refuses_what_make_population_refuses") {
  sim::scenario sc = every_kind_of_generator();
  SUBCASE("a bool drawn as maybe") {
    sc.customers.segments[1].attributes.push_back(pick("high_risk", {{"false", 1}, {"maybe", 1}}));
  }
  SUBCASE("an attribute the schema lacks") {
    sc.customers.segments[1].attributes.push_back(plain("shoe_size", "42"));
  }
  SUBCASE("a number drawn for a text") {
    sim::value_generator g;
    g.name = "industry";
    g.shape = sim::value_generator::kind::uniform;
    g.low = 1;
    g.high = 2;
    sc.customers.segments[1].attributes.push_back(g);
  }
  sim::detail::random_source wide_rng(5, 3), compact_rng(5, 3);
  auto wide = sim::detail::make_population(sc, shipped().org, wide_rng);
  auto compact = sim::detail::customer_table::make(sc, shipped().org, compact_rng);
  REQUIRE_FALSE(wide.has_value());
  REQUIRE_FALSE(compact.has_value());
  CHECK(compact.error().code() == tf::errc::invalid_argument);
  CHECK(compact.error().message() == wide.error().message());
  CHECK(compact.error().message().starts_with("segment business: "));
}

TEST_CASE("sim.population.in_place_forms_equal_the_fresh_ones_across_customers") {
  // A run writes each arrival's customer into one request (id_into,
  // attributes_into), whose elements keep their capacity: from a customer
  // of one segment to one of another, or a loaded one, with more, fewer or
  // other attributes, or no region, what is written equals make_population's
  // customer, and nothing of the previous one is left.
  const sim::scenario sc = every_kind_of_generator();
  const tf::organisation& org = shipped().org;
  sim::detail::random_source wide_rng(20261205, 3), compact_rng(20261205, 3);
  auto wide = sim::detail::make_population(sc, org, wide_rng);
  auto compact = sim::detail::customer_table::make(sc, org, compact_rng);
  REQUIRE(wide.has_value());
  REQUIRE(compact.has_value());
  REQUIRE(compact->size() == wide->size());
  // Every customer once, in an order that keeps changing segment: from
  // both ends towards the middle (the loaded customers are at the end).
  std::vector<std::size_t> order;
  for (std::size_t lo = 0, hi = wide->size(); lo < hi;) {
    order.push_back(lo++);
    if (lo < hi) order.push_back(--hi);
  }
  REQUIRE(order.size() == wide->size());
  std::string id = "a stale id longer than any of the customers' ids";
  tf::attribute_values attributes{{"stale", tf::value{true}}, {"region", tf::value{std::int64_t{7}}},
                                  {"x", tf::value{1.5}}, {"y", tf::value{std::string("z")}},
                                  {"w", tf::value{false}}, {"v", tf::value{false}},
                                  {"u", tf::value{false}}, {"t", tf::value{false}}};
  std::size_t differing = 0, shapes_changed = 0, previous_size = attributes.size();
  for (const std::size_t i : order) {
    compact->id_into(i, id);
    compact->attributes_into(i, attributes);
    const sim::customer& w = (*wide)[i];
    const bool same = id == w.id && attributes == w.attributes;
    if (!same && differing++ < 3) CHECK_MESSAGE(same, "customer " << i << " (" << w.id << ")");
    if (attributes.size() != previous_size) ++shapes_changed;
    previous_size = attributes.size();
  }
  CHECK(differing == 0);
  // The walk did go from one shape of customer to another.
  CHECK(shapes_changed > 2);
}

namespace {

/// A store that takes every append without looking at it (the recording
/// store's own notes are what is tested); reads go to a memory store.
class accepting_store final : public tierflow_test::forwarding_store {
 public:
  using forwarding_store::forwarding_store;
  [[nodiscard]] tf::result<void> append(const tf::append_request&) override { return {}; }
};

}  // namespace

TEST_CASE("sim.run_store.timer_announcements_are_queued_once_and_never_lost") {
  // The recording store does not queue an instant again that its last
  // append announced while that one is still queued; one announced again
  // after advance dropped it is queued anew. Against a reference that
  // queues every announcement: the earliest instant is the same after every
  // step of a long random walk of announcements and drops.
  tf::memory_store reads;
  accepting_store inner(reads);
  sim::detail::recording_store recorder(inner);
  std::multiset<std::int64_t> every;  // the reference: all announced, not dropped
  const auto reference_next = [&] {
    return every.empty() ? tf::timestamp::max() : tf::timestamp{seconds{*every.begin()}};
  };
  const auto announce = [&](std::int64_t at) {
    tf::ticket_summary row;
    row.ticket_id = "T-1";
    row.next_timer = tf::timestamp{seconds{at}};
    REQUIRE(recorder.append({"T-1", 0, {}, &row}).has_value());
    every.insert(at);
  };
  const auto drop = [&](std::int64_t now) {
    recorder.drop_timers_through(tf::timestamp{seconds{now}});
    every.erase(every.begin(), every.upper_bound(now));
  };
  // The case the memory of the last instant must not swallow: announced,
  // dropped when it fired, announced again.
  announce(100);
  announce(100);
  CHECK(recorder.next_timer() == tf::timestamp{seconds{100}});
  drop(100);
  CHECK(recorder.next_timer() == tf::timestamp::max());
  announce(100);
  CHECK(recorder.next_timer() == tf::timestamp{seconds{100}});
  drop(100);

  std::uint64_t x = 88172645463325252ULL;  // xorshift64: a fixed walk
  const auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::int64_t now = 100;
  std::size_t mismatches = 0, repeats = 0;
  std::int64_t announced_last = -1;
  for (int step = 0; step < 5000; ++step) {
    if (next() % 4 == 0) {
      now += static_cast<std::int64_t>(next() % 5);
      drop(now);
    } else {
      // Mostly the instant announced last (a ticket's unchanged timer).
      const std::int64_t at = announced_last >= 0 && next() % 2 == 0
                                  ? announced_last
                                  : now + static_cast<std::int64_t>(next() % 20);
      if (at == announced_last) ++repeats;
      announce(at);
      announced_last = at;
    }
    if (recorder.next_timer() != reference_next() && mismatches++ < 3)
      CHECK_MESSAGE(recorder.next_timer() == reference_next(), "step " << step);
  }
  CHECK(mismatches == 0);
  CHECK(repeats > 1000);  // the walk did repeat instants, queued or dropped
}

namespace {

/// Counts the intakes asked of it in one call (number_and_history) and
/// the reads a store's default intake makes instead.
class intake_counting_store final : public tierflow_test::forwarding_store {
 public:
  using forwarding_store::forwarding_store;
  [[nodiscard]] tf::result<tf::ticket_intake> number_and_history(
      std::string_view customer_id) override {
    ++intakes;
    return forwarding_store::number_and_history(customer_id);
  }
  [[nodiscard]] tf::result<std::vector<tf::ticket_summary>> customer_tickets(
      std::string_view customer_id) const override {
    ++histories;
    return forwarding_store::customer_tickets(customer_id);
  }
  int intakes = 0;
  mutable int histories = 0;
};

}  // namespace

TEST_CASE("sim.run_store.an_opening_asks_the_inner_store_for_its_intake_in_one_call") {
  // The shipped organisation derives attributes from a customer's history,
  // so each opening asks its store for a ticket number and the customer's
  // tickets at once (number_and_history). The run's recording store passes
  // that on: a store that answers both in one exchange (postgres_store as
  // the caller's store) is not asked the two apart through store's default.
  tf::memory_store kept;
  intake_counting_store inner(kept);
  sim::run_options o;
  o.seed = 5;
  o.events = &inner;
  auto r = sim::run(city(1), shipped(), o);
  REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
  REQUIRE(r->tickets_opened > 0);
  CHECK(inner.intakes == static_cast<int>(r->tickets_opened));
  CHECK(inner.histories == 0);
}
