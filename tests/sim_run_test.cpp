// SPDX-License-Identifier: MIT
// One replication of a small city on the shipped workflows (tierflow::sim::run):
// the same seed gives the same trail, byte for byte, and the same report;
// every trail verifies; nobody works two tickets at once or outside their
// shift; customers' waits hold tickets in clock-pausing states; a regional
// surge multiplies the demand of its regions; a SQLite store takes the run;
// a forecast starts from a live store's open tickets without writing to it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/simulation.hpp>
#include <tierflow/sqlite_store.hpp>
#include <tierflow/verified_read.hpp>

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
