// SPDX-License-Identifier: MIT
// A month of service: November 2026 in a Suzhou-like city, every ticket
// driven through the real engine on a SQLite store, for the supervisor
// commands to read (`tierflow tickets`, `tierflow report`) and for the
// benchmark to size (`--tickets 100000`).
//
// Tickets of all five shipped workflows arrive through the month, most in
// office hours, from customers of every region and importance class. Staff
// take the actions each state offers, with the roles the workflow names
// and the region the ticket is in; most work promptly, some tickets are
// handled slowly (their deadlines break and escalate), some wait on the
// customer, go to the technical department or another team, some callbacks
// find the customer unsatisfied and the ticket is handled again, and a few
// are dropped on the floor and still open, overdue, when the month ends.
// The engine fires every deadline, warning and escalation on its own clock.
//
// Nothing here knows a workflow's states: the driver reads them from the
// catalog (the actions of the ticket's state, who may take them, whether
// one records a classification and with which values), so it runs on the
// shipped workflows as they are edited.
//
// Deterministic: one std::mt19937_64 with a fixed seed, and a draw written
// here (std::uniform_int_distribution differs between standard libraries).
//
// Usage: 05_month_of_service [URL] [--tickets N] [--force] [--workflows DIR]
//   URL  sqlite:PATH (or a bare PATH); default: a new file in the temp
//        directory, removed at the end. An existing file is refused unless
//        --force (which replaces it).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/tierflow.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store_options.hpp>

namespace tf = tierflow;
namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::string_literals;

namespace {

constexpr minutes zone = 8h;                                       // the organisation's offset
constexpr sys_days first_day = sys_days{2026y / November / 1};
constexpr sys_days month_end = sys_days{2026y / December / 1};     // exclusive

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "05_month_of_service: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(tf::result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message());
  return std::move(*r);
}

/// The random source: a fixed-seed Mersenne twister (its output is fixed by
/// the standard) and draws written here, so every library gives one month.
class dice {
 public:
  /// 0 … n-1 (n > 0); the modulo bias is below 2^-40 for the n used here.
  std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  /// True with probability percent / 100.
  bool chance(double percent) { return static_cast<double>(below(1'000'000)) < percent * 10'000; }
  /// An index into `weights`, each chosen with its weight's share.
  std::size_t weighted(const std::vector<unsigned>& weights) {
    std::uint64_t total = 0;
    for (const unsigned w : weights) total += w;
    std::uint64_t pick = below(total);
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (pick < weights[i]) return i;
      pick -= weights[i];
    }
    return weights.size() - 1;
  }
  template <class T>
  const T& one_of(const std::vector<T>& items) { return items[below(items.size())]; }
  /// Minutes in [lo, hi].
  minutes between(minutes lo, minutes hi) {
    return lo + minutes{static_cast<minutes::rep>(below(static_cast<std::uint64_t>((hi - lo).count()) + 1))};
  }

 private:
  std::mt19937_64 rng_{20261101};
};

// --- customers ---------------------------------------------------------------------------

const std::vector<std::string> regions{"gusu",    "wuzhong",  "xiangcheng", "huqiu",   "wujiang",
                                       "suzhou_industrial_park", "kunshan", "changshu", "taicang",
                                       "zhangjiagang"};
const std::vector<unsigned> region_weights{14, 12, 8, 10, 9, 13, 12, 9, 6, 7};

struct customer {
  std::string id;
  tf::attribute_values attributes;
  bool high_voltage = false;
};

customer make_customer(dice& d, std::size_t n) {
  customer c;
  c.id = "C" + std::to_string(100000 + n);
  const std::string& region = regions[d.weighted(region_weights)];
  static const std::vector<std::string> importance{"none", "temporary", "level2", "level1", "special"};
  const std::string& importance_class = importance[d.weighted({82, 3, 9, 5, 1})];
  static const std::vector<double> voltages{0.4, 10.0, 35.0, 110.0};
  const double kv = voltages[d.weighted({70, 24, 4, 2})];
  const double kva = kv < 1 ? 20.0 + static_cast<double>(d.below(280))
                            : 315.0 + static_cast<double>(d.below(kv >= 110 ? 40000 : 4000));
  static const std::vector<std::string> areas{"urban", "rural", "remote"};
  c.high_voltage = kv >= 10;
  c.attributes = {{"region", region},
                  {"importance_class", importance_class},
                  {"voltage_kv", kv},
                  {"capacity_kva", kva},
                  {"area_type", areas[d.weighted({70, 25, 5})]}};
  return c;
}

// --- what the staff do ----------------------------------------------------------------------

/// How often staff take an action, relative to the plain way forward (100):
/// the detours a month of real tickets takes now and then.
unsigned action_weight(std::string_view id) {
  static const std::map<std::string_view, unsigned> detours{
      {"not_a_complaint", 2},         {"return_to_sender", 2},      {"report_skip_level_risk", 1},
      {"urge", 3},                    {"refer_up", 5},              {"need_tech", 14},
      {"cross_organisation", 5},      {"need_customer_input", 8},   {"review_rejected", 6},
      {"callback_unsatisfied", 9},    {"tech_cannot_resolve", 3},   {"merge_duplicate", 4},
      {"customer_side_fault", 5},     {"found_customer_side", 3},   {"crew_returns_order", 2},
      {"request_technical_support", 3}, {"redispatch", 30},         {"documents_incomplete", 10},
      {"customer_withdrew", 2},       {"needs_grid_study", 3},      {"grid_reinforcement_needed", 2},
      {"design_rejected", 15},        {"interim_failed", 10},       {"inspection_failed", 12},
      {"plan_cancelled", 2},          {"no_answer", 30},            {"complaint_raised", 3},
      {"systemic_problem", 2},        {"customer_unsatisfied", 10}, {"identity_failed", 4},
      {"verification_dispute", 2},    {"suspected_fraud", 1},       {"convert_to_usage_change", 3},
      {"check_failed", 6},            {"request_field_check", 30},  {"issue_found", 30},
      {"notify_owner", 20}};
  const auto found = detours.find(id);
  return found == detours.end() ? 100 : found->second;
}

/// How a ticket is worked this month.
enum class pace : std::uint8_t { prompt, slow, dropped };

struct ticket_plan {
  std::string id;
  pace how = pace::prompt;
  std::set<std::string> done_in_place;  ///< actions that stay in the state, taken once each
  int refusals = 0;
};

/// When the next action comes: minutes for a fault crew (24x7), office
/// hours for the rest, days while the customer is waited for; a slow ticket
/// takes several times as long.
tf::timestamp next_time(dice& d, tf::timestamp now, const tf::workflow& wf, const tf::state& st,
                        pace how) {
  minutes wait{};
  if (st.pauses_clock)
    wait = d.between(4h, 7 * 24h);
  else if (wf.calendar == "always")
    wait = d.between(1min, d.chance(85) ? 20min : 3h);
  else
    wait = d.chance(80) ? d.between(5min, 3h) : d.between(3h, 40h);
  if (how == pace::slow) wait = wait * 6 + d.between(0min, 2 * 24h);
  tf::timestamp t = now + wait;
  if (wf.calendar == "always") return t;
  // Office work happens in office hours: 08:30-17:30 on weekdays.
  for (int guard = 0; guard < 14; ++guard) {
    const auto day = tf::local_day(t, zone);
    const auto local = tf::to_local(t, zone) - local_days{day.time_since_epoch()};
    const weekday wd{day};
    if (wd == Saturday || wd == Sunday) {
      t = tf::from_local(day + days{1}, 8h + 30min, zone) + d.between(0min, 90min);
      continue;
    }
    if (local < 8h + 30min) return tf::from_local(day, 8h + 30min, zone) + d.between(0min, 60min);
    if (local >= 17h + 30min) {
      t = tf::from_local(day + days{1}, 8h + 30min, zone) + d.between(0min, 90min);
      continue;
    }
    return t;
  }
  return t;
}

/// The staff member who takes `act` on the ticket `v`: a role the action
/// allows, preferring one of the unit that holds the ticket (the team it
/// was handed to, the tier it sits with), and one of three people in it.
tf::actor staff_for(dice& d, const tf::organisation& org, const tf::action& act,
                    const tf::ticket_view& v) {
  const std::string* chosen = &act.by.front();
  for (const auto& role_id : act.by) {
    const tf::role* r = org.find_role(role_id);
    if (r != nullptr && r->unit == v.assignee.unit) {
      chosen = &role_id;
      break;
    }
  }
  // Staff of a region-split unit (regional managers, crews, stations)
  // serve one region: the ticket's.
  bool regional = false;
  if (const tf::role* r = org.find_role(*chosen)) {
    if (const tf::team* team = org.find_team(r->unit))
      regional = team->by_region;
    else if (const tf::tier* tier = org.find_tier(r->unit))
      regional = tier->by_region;
  }
  std::string id = *chosen + (regional ? "_" + v.region : "") + "_" + std::to_string(1 + d.below(3));
  return tf::actor{std::move(id), {*chosen}, v.region};
}

// --- the month ----------------------------------------------------------------------------

struct arrival {
  tf::timestamp at;
  std::string type;
};

/// When tickets arrive: spread over the month, three in four in office
/// hours on weekdays.
std::vector<arrival> arrivals(dice& d, std::size_t count) {
  static const std::vector<std::string> types{"complaint", "fault_repair", "bill_callback",
                                              "info_change", "business_expansion"};
  std::vector<arrival> out;
  out.reserve(count);
  const auto month_days = static_cast<std::uint64_t>((month_end - first_day).count());
  for (std::size_t i = 0; i < count; ++i) {
    sys_days day = first_day + days{static_cast<int>(d.below(month_days))};
    minutes at = d.between(0min, 24h - 1min);
    if (d.chance(75)) {
      while (weekday{day} == Saturday || weekday{day} == Sunday)
        day = first_day + days{static_cast<int>(d.below(month_days))};
      at = d.between(8h + 30min, 17h + 20min);
    }
    out.push_back({tf::from_local(day, at, zone), types[d.weighted({24, 30, 20, 15, 11})]});
  }
  std::stable_sort(out.begin(), out.end(), [](const arrival& a, const arrival& b) { return a.at < b.at; });
  return out;
}

tf::open_request request_for(dice& d, const std::string& type, const customer& c) {
  tf::open_request req;
  req.type = type;
  req.customer_id = c.id;
  req.customer = c.attributes;
  req.opened_by = "crm";
  const auto pick = [&](std::vector<std::string> values, const std::vector<unsigned>& weights) {
    return values[d.weighted(weights)];
  };
  if (type == "complaint") {
    req.channel = pick({"hotline_95598", "business_hall", "online_app", "account_manager_direct"}, {60, 10, 20, 10});
    req.fields = {{"complaint_class", pick({"service", "business", "outage", "power_quality", "grid_construction"},
                                           {35, 25, 25, 10, 5})},
                  {"skip_level_risk", d.chance(3)}};
  } else if (type == "fault_repair") {
    req.channel = pick({"hotline_95598", "account_manager_direct", "proactive"}, {70, 15, 15});
    req.fields = {{"outage_scope", pick({"single_customer", "transformer_area", "feeder"}, {70, 22, 8})}};
  } else if (type == "bill_callback") {
    req.channel = "proactive";
    req.fields = {{"callback_method", pick({"phone", "sms", "online_survey", "visit"}, {60, 15, 15, 10})},
                  {"plan_cadence", pick({"annual", "quarterly", "monthly", "ad_hoc"}, {10, 30, 50, 10})}};
  } else if (type == "info_change") {
    req.channel = pick({"hotline_95598", "business_hall", "online_app"}, {40, 30, 30});
    req.fields = {{"change_kind", pick({"contact_phone", "contact_person", "mailing_address", "customer_name",
                                        "ownership_transfer", "move_in", "other"},
                                       {30, 20, 15, 10, 10, 10, 5})}};
  } else {
    req.channel = pick({"business_hall", "online_app", "account_manager_direct"}, {50, 30, 20});
    const bool hv = c.high_voltage;
    req.fields = {{"application_kind", d.chance(60) ? "new_connection"s : "capacity_increase"s},
                  {"voltage_path", hv ? "hv"s : "lv"s},
                  {"residential", !hv && d.chance(40)},
                  {"requested_capacity_kva", hv ? 630.0 + static_cast<double>(d.below(5000)) : 50.0}};
    if (hv) req.fields.emplace_back("supply_sources", d.chance(20) ? "dual"s : "single"s);
  }
  return req;
}

struct options {
  std::string url;
  fs::path file;
  bool temporary = false;
  bool force = false;
  std::size_t tickets = 600;
  std::string workflows = "workflows";
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--force") {
      o.force = true;
    } else if ((arg == "--tickets" || arg == "--workflows") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--workflows") {
        o.workflows = value;
        continue;
      }
      char* end = nullptr;
      const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || n == 0 || n > 10'000'000)
        die("--tickets '" + value + "': a whole number from 1 to 10000000");
      o.tickets = static_cast<std::size_t>(n);
    } else if (!arg.empty() && arg.front() != '-' && o.url.empty()) {
      o.url = arg.rfind("sqlite:", 0) == 0 ? std::string(arg) : "sqlite:" + std::string(arg);
    } else {
      die("usage: 05_month_of_service [sqlite:PATH] [--tickets N] [--force] [--workflows DIR]");
    }
  }
  if (o.url.empty()) {
    // Run with no arguments (as CTest does, from the source tree): a file of
    // its own in the temp directory, removed at the end.
    std::random_device entropy;
    o.file = fs::temp_directory_path() /
             ("tierflow-05_month_of_service-" + std::to_string(entropy()) + std::to_string(entropy()) + ".db");
    o.url = "sqlite:" + o.file.string();
    o.temporary = true;
  } else {
    std::string_view path = std::string_view(o.url).substr(7);
    if (path.substr(0, 2) == "//") path.remove_prefix(2);
    o.file = fs::path(path);
  }
  std::error_code ec;
  if (fs::exists(o.file, ec)) {
    if (!o.force) die("'" + o.file.string() + "' exists; give --force to replace it");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(o.file.string() + suffix, ec);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({o.workflows}, diags);
  if (!cat) {
    std::fputs(diags.str().c_str(), stderr);
    return 1;
  }

  // Group commit: a simulation acknowledges nothing to anyone, and commits
  // in groups are what let it write 100,000 tickets in minutes.
  tf::store_options storage;
  storage.mode = tf::durability::group_commit;
  auto db = must(tf::open_store(o.url, storage), "open store");
  tf::manual_clock clock{tf::from_local(first_day, 0h, zone)};
  tf::engine_options wiring;
  wiring.time_source = &clock;
  wiring.events = db.get();
  auto crm = must(tf::engine::create(*cat, wiring), "engine");
  const tf::catalog& defs = *cat;

  dice d;
  std::vector<customer> customers;
  for (std::size_t i = 0; i < std::max<std::size_t>(o.tickets / 3, 20); ++i) customers.push_back(make_customer(d, i));
  const auto arriving = arrivals(d, o.tickets);

  // The work to do, soonest first: (when, plan index).
  using step = std::pair<tf::timestamp, std::size_t>;
  std::priority_queue<step, std::vector<step>, std::greater<>> work;
  std::vector<ticket_plan> plans;
  plans.reserve(arriving.size());
  std::size_t next_arrival = 0, refused = 0;
  tf::timestamp last_advance = clock.now();
  const tf::timestamp end = tf::from_local(month_end, 0h, zone);

  const auto move_to = [&](tf::timestamp t) {
    if (t > clock.now()) clock.set(t);
    // The engine fires what falls due as the clock passes it; a sweep every
    // quarter hour keeps warnings and escalations of idle tickets on time.
    if (clock.now() - last_advance >= 15min) {
      must(crm->advance(), "advance");
      last_advance = clock.now();
    }
  };

  while (true) {
    const bool have_arrival = next_arrival < arriving.size();
    const bool have_work = !work.empty() && work.top().first < end;
    if (!have_arrival && !have_work) break;
    if (have_arrival && (!have_work || arriving[next_arrival].at <= work.top().first)) {
      const arrival& a = arriving[next_arrival++];
      move_to(a.at);
      // A customer with earlier tickets calls again now and then (repeat
      // complaints are escalated by the workflow itself).
      const customer& c = customers[d.below(customers.size())];
      auto opened = crm->open(request_for(d, a.type, c));
      if (!opened) die("open " + a.type + " for " + c.id + ": " + opened.error().message());
      ticket_plan plan;
      plan.id = opened->ticket.id;
      plan.how = d.chance(4) ? pace::dropped : d.chance(14) ? pace::slow : pace::prompt;
      plans.push_back(std::move(plan));
      const tf::workflow* wf = defs.find(opened->ticket.workflow_id, opened->ticket.workflow_version);
      const tf::state* st = wf == nullptr ? nullptr : &wf->states[wf->state_index(opened->ticket.state)];
      if (st != nullptr) work.emplace(next_time(d, clock.now(), *wf, *st, plans.back().how), plans.size() - 1);
      continue;
    }
    const auto [when, index] = work.top();
    work.pop();
    move_to(when);
    ticket_plan& plan = plans[index];
    const tf::ticket_view v = must(crm->view(plan.id), "view");
    if (v.closed) continue;
    const tf::workflow* wf = defs.find(v.workflow_id, v.workflow_version);
    if (wf == nullptr) die("no workflow " + v.workflow_id);
    const tf::state& st = wf->states[wf->state_index(v.state)];
    // A dropped ticket is forgotten once it is under way: it stays open,
    // and its deadlines break and escalate without anyone acting.
    if (plan.how == pace::dropped && v.version > 6) continue;

    std::vector<const tf::action*> choices;
    std::vector<unsigned> weights;
    for (const auto& act : st.actions) {
      if (act.to.empty() && plan.done_in_place.count(act.id) > 0) continue;
      choices.push_back(&act);
      weights.push_back(action_weight(act.id));
    }
    if (choices.empty()) continue;  // a state with nothing to do: the ticket waits for ever
    const tf::action& act = *choices[d.weighted(weights)];
    tf::act_request req;
    req.ticket_id = plan.id;
    req.action = act.id;
    req.by = staff_for(d, defs.org, act, v);
    if (act.needs_note) req.note = "see the contact record";
    // A classification the actor gives (one the definition does not fix).
    if (!act.classifies.empty() && act.classification_value.empty()) {
      if (const tf::classification* c = wf->find_classification(act.classifies); c && !c->values.empty())
        req.classification = d.one_of(c->values);
    }
    if (auto done = crm->act(req); !done) {
      // Refused (audited on the ticket's denial stream): staff try again
      // later, and give up on a ticket after a few refusals.
      ++refused;
      if (++plan.refusals < 4) work.emplace(next_time(d, clock.now(), *wf, st, plan.how), index);
      continue;
    }
    if (act.to.empty()) plan.done_in_place.insert(act.id);
    const tf::ticket_view after = must(crm->view(plan.id), "view");
    if (after.closed) continue;
    const tf::state& now_in = wf->states[wf->state_index(after.state)];
    work.emplace(next_time(d, clock.now(), *wf, now_in, plan.how), index);
  }
  clock.set(end);
  must(crm->advance(), "advance");
  if (auto flushed = db->flush(); !flushed) die("flush: " + flushed.error().message());

  std::size_t open = 0;
  std::uint64_t events = 0;
  for (const auto& id : must(db->streams(), "streams")) events += must(db->head(id), "head").version;
  for (const auto& p : plans)
    if (!must(crm->view(p.id), "view").closed) ++open;
  const std::size_t overdue = must(crm->overdue(), "overdue").size();
  std::printf("month of service, November 2026: %zu tickets (%zu open, %zu of them overdue), %llu events, "
              "%zu refused commands -> %s\n",
              plans.size(), open, overdue, static_cast<unsigned long long>(events), refused,
              o.temporary ? "a temporary file (removed)" : o.url.c_str());
  crm.reset();
  db.reset();
  if (o.temporary) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(o.file.string() + suffix, ec);
  }
  return 0;
}
