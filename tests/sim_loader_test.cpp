// SPDX-License-Identifier: MIT
// The simulation-scenario loader (sim::load_scenario): a complete scenario
// against the shipped catalog read field by field, with the values worked
// out by hand from tests/data/sim_good/city_week.yaml; CSV customers and
// empirical samples; defaults; durations; and the feasibility checks on a
// small catalog of the test's own.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/loader.hpp>
#include <tierflow/simulation.hpp>
#include <tierflow/time.hpp>

#include "test_support.hpp"

namespace {

using tierflow::sim::scenario;
using tierflow::sim::time_distribution;
using tierflow::sim::value_generator;
using tierflow::sim::weighted;
using namespace std::chrono_literals;

const std::string good_dir = std::string(TIERFLOW_SOURCE_DIR) + "/tests/data/sim_good";

tierflow::timestamp utc(const char* iso) {
  auto t = tierflow::parse_iso8601(iso);
  REQUIRE(t.has_value());
  return *t;
}

/// Loads `text` as a scenario named `name` against the shipped catalog;
/// fails the test with the diagnostics when it does not load.
scenario load_ok(const std::string& text, const std::string& name = "inline.yaml") {
  tierflow::diagnostics diags;
  auto sc = tierflow::sim::load_scenario({name, text}, tierflow_test::shipped(), diags);
  REQUIRE_MESSAGE(sc.has_value(), diags.str());
  CHECK(diags.empty());
  return std::move(*sc);
}

const tierflow::sim::demand_stream& stream(const scenario& sc, const std::string& type) {
  for (const auto& d : sc.demand)
    if (d.type == type) return d;
  FAIL("no demand stream " << type);
  return sc.demand.front();
}

const tierflow::sim::decision& decision_of(const scenario& sc, const std::string& wf,
                                           const std::string& st) {
  for (const auto& d : sc.decisions)
    if (d.workflow == wf && d.state == st) return d;
  FAIL("no decision " << wf << "/" << st);
  return sc.decisions.front();
}

const value_generator& generator(const std::vector<value_generator>& gs, const std::string& name) {
  for (const auto& g : gs)
    if (g.name == name) return g;
  FAIL("no generator " << name);
  return gs.front();
}

std::optional<tierflow::value> attribute_of(const tierflow::sim::customer& c,
                                            const std::string& name) {
  for (const auto& [n, v] : c.attributes)
    if (n == name) return v;
  return std::nullopt;
}

/// A directory of the test's own under the system's temporary directory,
/// removed with everything in it at the end.
class scratch_dir {
 public:
  scratch_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("tierflow_sim_loader_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  /// Writes `text` to NAME in the directory; returns the path.
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("sim.loader.complete_scenario_every_field") {
  const std::string path = good_dir + "/city_week.yaml";
  tierflow::diagnostics diags;
  const auto loaded = tierflow::sim::load_scenario_file(path, tierflow_test::shipped(), diags);
  REQUIRE_MESSAGE(loaded.has_value(), diags.str());
  CHECK(diags.empty());
  const scenario& sc = *loaded;

  // The top of the file.
  CHECK(sc.id == "city_week");
  CHECK(sc.title == "A week of the city, every workflow");
  CHECK(sc.file == path);
  CHECK(sc.where.line == 4);
  CHECK(sc.where.column == 1);
  CHECK(sc.start == std::chrono::sys_days{2026y / std::chrono::March / 2});
  CHECK(sc.days == 7);
  CHECK(sc.warm_up_days == 2);
  CHECK(sc.seed == 42);
  CHECK(sc.replications == 5);
  REQUIRE(sc.report_by.size() == 2);
  CHECK(sc.report_by[0].kind == tierflow::kpi::group_kind::tier);
  CHECK(sc.report_by[1].kind == tierflow::kpi::group_kind::region);
  CHECK(sc.sample_every == 30min);
  // Local midnight at +08:00 is 16:00 UTC the day before; the warm-up is
  // two days, the reported period seven.
  const auto offset = tierflow_test::shipped().org.utc_offset;
  CHECK(sc.run_from(offset) == utc("2026-03-01T16:00:00Z"));
  CHECK(sc.period_from(offset) == utc("2026-03-03T16:00:00Z"));
  CHECK(sc.period_to(offset) == utc("2026-03-10T16:00:00Z"));

  // The scenario's own calendar: every day 00:00-08:00 and 20:00-24:00.
  REQUIRE(sc.calendars.size() == 1);
  CHECK(sc.calendars[0].id == "night_shift");
  CHECK_FALSE(sc.calendars[0].always_open);
  for (const auto& day : sc.calendars[0].week) {
    REQUIRE(day.size() == 2);
    CHECK(day[0] == tierflow::time_span{0, 8 * 60});
    CHECK(day[1] == tierflow::time_span{20 * 60, 24 * 60});
  }

  // Generated segments.
  REQUIRE(sc.customers.segments.size() == 2);
  const auto& homes = sc.customers.segments[0];
  CHECK(homes.id == "residential");
  CHECK(homes.count == 9000);
  // No `regions`: every organisation region, equal weights.
  REQUIRE(homes.regions.size() == 10);
  CHECK(homes.regions.front() == std::pair<std::string, double>{"gusu", 1.0});
  CHECK(homes.regions.back() == std::pair<std::string, double>{"zhangjiagang", 1.0});
  REQUIRE(homes.attributes.size() == 4);
  CHECK(generator(homes.attributes, "priority").choices == weighted{{"normal", 1.0}});
  CHECK(generator(homes.attributes, "usage_category").choices == weighted{{"residential", 1.0}});
  CHECK(generator(homes.attributes, "voltage_kv").choices == weighted{{"0.22", 1.0}});
  const auto& area = generator(homes.attributes, "area_type");
  CHECK(area.shape == value_generator::kind::choice);
  CHECK(area.choices == weighted{{"urban", 3.0}, {"rural", 1.0}});

  const auto& business = sc.customers.segments[1];
  CHECK(business.id == "business");
  CHECK(business.count == 800);
  CHECK(business.regions ==
        weighted{{"gusu", 2.0}, {"suzhou_industrial_park", 3.0}, {"kunshan", 1.0}});
  REQUIRE(business.attributes.size() == 5);
  CHECK(generator(business.attributes, "priority").choices ==
        weighted{{"normal", 8.0}, {"vip", 2.0}});
  const auto& capacity = generator(business.attributes, "capacity_kva");
  CHECK(capacity.shape == value_generator::kind::uniform);
  CHECK(capacity.low == 100.0);
  CHECK(capacity.high == 2000.0);
  const auto& kwh = generator(business.attributes, "annual_kwh");
  CHECK(kwh.shape == value_generator::kind::lognormal);
  CHECK(kwh.low == 500000.0);
  CHECK(kwh.high == 200000.0);
  const auto& grade = generator(business.attributes, "load_grade");
  CHECK(grade.shape == value_generator::kind::uniform);
  CHECK(grade.low == 2.0);
  CHECK(grade.high == 3.0);
  CHECK(generator(business.attributes, "high_risk").choices == weighted{{"false", 1.0}});

  // Loaded customers: see sim.loader.csv_customers for their attributes.
  CHECK(sc.customers.csv == "customers.csv");
  CHECK(sc.customers.loaded.size() == 3);

  // Demand, in file order.
  REQUIRE(sc.demand.size() == 5);
  CHECK(sc.demand[0].type == "complaint");
  CHECK(sc.demand[4].type == "business_expansion");
  const auto& complaint = stream(sc, "complaint");
  CHECK(complaint.per_day == 40.0);
  CHECK(complaint.channels ==
        weighted{{"hotline_95598", 6.0}, {"online_app", 3.0}, {"business_hall", 1.0}});
  const std::array<double, 24> hours{0, 0, 0, 0, 0, 0, 0, 1, 3, 4, 4,   3,
                                     2, 3, 4, 4, 3, 2, 2, 2, 1, 1, 0.5, 0.5};
  CHECK(complaint.hours == hours);
  const std::array<double, 7> weekend{1, 1, 1, 1, 1, 0.6, 0.5};
  CHECK(complaint.weekdays == weekend);
  // `holidays_like: sun` alone: the holidays of the workflow's calendar.
  CHECK(complaint.holidays_from == "office");
  CHECK(complaint.holiday_weekday == 6);
  CHECK(complaint.segments.empty());
  REQUIRE(complaint.fields.size() == 2);
  CHECK(generator(complaint.fields, "complaint_class").choices ==
        weighted{{"service", 5.0}, {"business", 2.0}, {"outage", 2.0}, {"power_quality", 1.0}});
  CHECK(generator(complaint.fields, "skip_level_risk").choices ==
        weighted{{"true", 1.0}, {"false", 19.0}});
  CHECK(complaint.where.line == 41);
  CHECK(complaint.where.column == 3);

  const auto& fault = stream(sc, "fault_repair");
  CHECK(fault.per_day == 120.5);
  CHECK(fault.channels == weighted{{"hotline_95598", 1.0}});
  std::array<double, 24> flat{};
  flat.fill(1.0);
  CHECK(fault.hours == flat);
  std::array<double, 7> plain_week{};
  plain_week.fill(1.0);
  CHECK(fault.weekdays == plain_week);
  CHECK(fault.holidays_from.empty());
  CHECK(generator(fault.fields, "outage_scope").choices == weighted{{"single_customer", 1.0}});

  const auto& info = stream(sc, "info_change");
  CHECK(info.per_day == 15.0);
  CHECK(info.segments == std::vector<std::string>{"residential"});
  CHECK(info.holidays_from == "night_shift");
  CHECK(info.holiday_weekday == 5);
  CHECK(generator(info.fields, "change_kind").choices ==
        weighted{{"contact_phone", 4.0}, {"mailing_address", 1.0}});

  // A CSV customer's segment label may be named like a generated segment.
  const auto& callbacks = stream(sc, "bill_callback");
  CHECK(callbacks.segments == std::vector<std::string>{"business", "key_accounts"});
  CHECK(callbacks.channels == weighted{{"proactive", 1.0}});
  CHECK(callbacks.fields.size() == 2);

  const auto& expansion = stream(sc, "business_expansion");
  CHECK(expansion.per_day == 3.0);
  REQUIRE(expansion.fields.size() == 6);
  const auto& requested = generator(expansion.fields, "requested_capacity_kva");
  CHECK(requested.shape == value_generator::kind::uniform);
  CHECK(requested.low == 50.0);
  CHECK(requested.high == 1000.0);
  CHECK(generator(expansion.fields, "requested_voltage_kv").choices == weighted{{"10", 1.0}});
  CHECK(generator(expansion.fields, "voltage_path").choices == weighted{{"lv", 4.0}, {"hv", 1.0}});

  // Surges: local times at +08:00, and an explicit offset or Z.
  REQUIRE(sc.surges.size() == 2);
  CHECK(sc.surges[0].id == "typhoon");
  CHECK(sc.surges[0].from == utc("2026-03-04T22:00:00Z"));
  CHECK(sc.surges[0].to == utc("2026-03-05T22:00:00Z"));
  CHECK(sc.surges[0].factor == 4.0);
  CHECK(sc.surges[0].types == std::vector<std::string>{"fault_repair"});
  CHECK(sc.surges[0].regions == std::vector<std::string>{"kunshan", "taicang"});
  CHECK(sc.surges[1].id == "heat");
  CHECK(sc.surges[1].from == utc("2026-03-06T16:00:00Z"));
  CHECK(sc.surges[1].to == utc("2026-03-07T12:00:00Z"));
  CHECK(sc.surges[1].factor == 1.5);
  CHECK(sc.surges[1].types.empty());
  CHECK(sc.surges[1].regions.empty());

  // Staff.
  REQUIRE(sc.staff.size() == 14);
  CHECK(sc.staff[0].role == "csr");
  CHECK(sc.staff[0].count == 12);
  CHECK(sc.staff[0].calendar == "office");
  CHECK(sc.staff[0].regions.empty());
  CHECK(sc.staff[3].role == "regional_manager");
  CHECK(sc.staff[3].count == 1);
  CHECK(sc.staff[3].regions ==
        std::vector<std::pair<std::string, std::uint32_t>>{{"kunshan", 2}, {"taicang", 3}});
  CHECK(sc.staff[6].role == "dispatcher");
  CHECK(sc.staff[6].calendar == "always");
  CHECK(sc.staff[11].role == "station_staff");
  CHECK(sc.staff[11].count == 1);
  CHECK(sc.staff[11].regions == std::vector<std::pair<std::string, std::uint32_t>>{{"gusu", 2}});
  CHECK(sc.staff[11].calendar == "night_shift");
  CHECK(sc.staff[13].role == "hotline_liaison");

  // Handling: every distribution shape.
  REQUIRE(sc.handling.size() == 5);
  const auto& all = sc.handling[0];
  CHECK(all.workflow.empty());
  CHECK(all.action.empty());
  CHECK(all.time.shape == time_distribution::kind::fixed);
  CHECK(all.time.mean_s == 600.0);
  CHECK(sc.handling[1].workflow == "complaint");
  CHECK(sc.handling[1].action.empty());
  CHECK(sc.handling[1].time.shape == time_distribution::kind::exponential);
  CHECK(sc.handling[1].time.mean_s == 1200.0);
  CHECK(sc.handling[2].action == "classify");
  CHECK(sc.handling[2].time.shape == time_distribution::kind::fixed);
  CHECK(sc.handling[2].time.mean_s == 90.0);
  CHECK(sc.handling[3].action == "reply");
  CHECK(sc.handling[3].time.shape == time_distribution::kind::lognormal);
  CHECK(sc.handling[3].time.mean_s == 5400.0);
  CHECK(sc.handling[3].time.sd_s == 2700.0);
  CHECK(sc.handling[4].workflow == "fault_repair");
  CHECK(sc.handling[4].action == "restore");
  CHECK(sc.handling[4].time.shape == time_distribution::kind::empirical);
  // repair_times.csv: a header, then 45m, 1.5h, 5400 (plain seconds), 2h.
  CHECK(sc.handling[4].time.samples_s == std::vector<double>{2700, 5400, 5400, 7200});

  // Decisions: 6 + 6 + 3 + 8 + 13 states.
  CHECK(sc.decisions.size() == 36);
  const auto& received = decision_of(sc, "complaint", "received");
  REQUIRE(received.choices.size() == 2);
  CHECK(received.choices[0].action == "classify");
  CHECK(received.choices[0].weight == 95.0);
  CHECK(received.choices[1].action == "not_a_complaint");
  CHECK(received.choices[1].weight == 5.0);
  CHECK(decision_of(sc, "complaint", "investigating").choices.size() == 6);
  const auto& feedback = decision_of(sc, "bill_callback", "feedback_recorded");
  REQUIRE(feedback.choices.size() == 2);
  CHECK(feedback.choices[0].action == "no_issue");
  CHECK(feedback.choices[0].weight == 8.0);
  CHECK(feedback.choices[0].classification.empty());
  CHECK(feedback.choices[1].action == "issue_found");
  CHECK(feedback.choices[1].weight == 2.0);
  CHECK(feedback.choices[1].classification ==
        weighted{{"bill", 5.0}, {"payment", 2.0}, {"service", 2.0}, {"policy", 1.0}});
  const auto& dispatched = decision_of(sc, "fault_repair", "dispatched");
  REQUIRE(dispatched.choices.size() == 1);
  CHECK(dispatched.choices[0].action == "crew_acknowledge");

  // Waits.
  REQUIRE(sc.waits.size() == 2);
  CHECK(sc.waits[0].workflow == "complaint");
  CHECK(sc.waits[0].state == "waiting_customer");
  CHECK(sc.waits[0].time.shape == time_distribution::kind::exponential);
  CHECK(sc.waits[0].time.mean_s == 2.0 * 86400);
  CHECK(sc.waits[1].workflow == "business_expansion");
  CHECK(sc.waits[1].state == "waiting_customer_works");
  CHECK(sc.waits[1].time.shape == time_distribution::kind::lognormal);
  CHECK(sc.waits[1].time.mean_s == 10.0 * 86400);
  CHECK(sc.waits[1].time.sd_s == 5.0 * 86400);
}

TEST_CASE("sim.loader.csv_customers") {
  tierflow::diagnostics diags;
  const auto sc = tierflow::sim::load_scenario_file(good_dir + "/city_week.yaml",
                                                    tierflow_test::shipped(), diags);
  REQUIRE_MESSAGE(sc.has_value(), diags.str());
  const auto& loaded = sc->customers.loaded;
  REQUIRE(loaded.size() == 3);

  // K-1,key_accounts,kunshan,key,110,25000,level1,true
  CHECK(loaded[0].id == "K-1");
  CHECK(loaded[0].segment == "key_accounts");
  CHECK(loaded[0].region == "kunshan");
  CHECK(attribute_of(loaded[0], "priority") == tierflow::value{std::string("key")});
  CHECK(attribute_of(loaded[0], "voltage_kv") == tierflow::value{110.0});
  CHECK(attribute_of(loaded[0], "capacity_kva") == tierflow::value{25000.0});
  CHECK(attribute_of(loaded[0], "importance_class") == tierflow::value{std::string("level1")});
  CHECK(attribute_of(loaded[0], "high_risk") == tierflow::value{true});
  // The region is an attribute too (the schema's `region`).
  CHECK(attribute_of(loaded[0], "region") == tierflow::value{std::string("kunshan")});
  CHECK(loaded[0].attributes.size() == 6);

  // K-2: an empty cell leaves the attribute out.
  CHECK(loaded[1].id == "K-2");
  CHECK(loaded[1].region == "gusu");
  CHECK(attribute_of(loaded[1], "voltage_kv") == tierflow::value{10.0});
  CHECK_FALSE(attribute_of(loaded[1], "importance_class").has_value());
  CHECK(attribute_of(loaded[1], "high_risk") == tierflow::value{false});
  CHECK(loaded[1].attributes.size() == 5);

  // A quoted id with a comma.
  CHECK(loaded[2].id == "K-3, annex");
  CHECK(loaded[2].region == "wuzhong");
  CHECK(attribute_of(loaded[2], "voltage_kv") == tierflow::value{0.38});
  CHECK(attribute_of(loaded[2], "importance_class") == tierflow::value{std::string("none")});
  CHECK_FALSE(attribute_of(loaded[2], "high_risk").has_value());
}

TEST_CASE("sim.loader.csv_paths_are_relative_to_the_scenario_name") {
  const std::string text =
      "scenario: relative\nstart: 2026-03-02\ndays: 1\ncustomers: { csv: customers.csv }\n"
      "handling:\n  default: { empirical: repair_times.csv }\n";
  const scenario sc = load_ok(text, good_dir + "/not_on_disk.yaml");
  CHECK(sc.customers.loaded.size() == 3);
  REQUIRE(sc.handling.size() == 1);
  CHECK(sc.handling[0].time.samples_s.size() == 4);

  // Elsewhere, the same names are not found, and the message says which.
  tierflow::diagnostics diags;
  const auto elsewhere = tierflow::sim::load_scenario({"/nonexistent/dir/x.yaml", text},
                                                      tierflow_test::shipped(), diags);
  CHECK_FALSE(elsewhere.has_value());
  REQUIRE(diags.items().size() == 2);
  CHECK(diags.items()[0].str() ==
        "/nonexistent/dir/x.yaml:4:19: error: 'customers.csv': cannot read file: no such file or "
        "directory");
  CHECK(diags.items()[1].str() ==
        "/nonexistent/dir/x.yaml:6:25: error: 'repair_times.csv': cannot read file: no such file "
        "or directory");
}

TEST_CASE("sim.loader.csv_with_bom_and_crlf") {
  const scratch_dir dir;
  dir.write("c.csv", "\xEF\xBB\xBFid,region,priority\r\nc1,gusu,vip\r\n\r\nc2,kunshan,\r\n");
  const std::string name = dir.write("s.yaml", "");
  const scenario sc =
      load_ok("scenario: crlf\nstart: 2026-03-02\ndays: 1\ncustomers: { csv: c.csv }\n", name);
  REQUIRE(sc.customers.loaded.size() == 2);
  CHECK(sc.customers.loaded[0].id == "c1");
  CHECK(sc.customers.loaded[0].region == "gusu");
  CHECK(attribute_of(sc.customers.loaded[0], "priority") == tierflow::value{std::string("vip")});
  CHECK(sc.customers.loaded[1].id == "c2");
  CHECK(sc.customers.loaded[1].region == "kunshan");
  CHECK_FALSE(attribute_of(sc.customers.loaded[1], "priority").has_value());
}

TEST_CASE("sim.loader.csv_stops_after_100_errors") {
  const scratch_dir dir;
  std::string csv = "id,region\n";
  for (int i = 0; i < 150; ++i) csv += "c" + std::to_string(i) + ",nowhere\n";
  const std::string csv_path = dir.write("c.csv", csv);
  const std::string name = dir.write("s.yaml", "");
  tierflow::diagnostics diags;
  const auto sc = tierflow::sim::load_scenario(
      {name, "scenario: many\nstart: 2026-03-02\ndays: 1\ncustomers: { csv: c.csv }\n"},
      tierflow_test::shipped(), diags);
  CHECK_FALSE(sc.has_value());
  // Rows on lines 2 … 101 are the 100 errors; line 102 is where reading stops.
  REQUIRE(diags.items().size() == 101);
  CHECK(diags.items()[0].str() == csv_path + ":2:4: error: unknown region 'nowhere'");
  CHECK(diags.items()[99].str() == csv_path + ":101:5: error: unknown region 'nowhere'");
  CHECK(diags.items()[100].str() ==
        csv_path +
            ":102:1: error: limit exceeded: more than 100 errors, the rest of the file not read");
}

TEST_CASE("sim.loader.csv_size_is_limited") {
  const scratch_dir dir;
  // 64 times the YAML limit: 64 × 1000 bytes.
  dir.write("big.csv", "id,region\n" + std::string(64 * 1000, '#') + "\n");
  dir.write("fits.csv", "id,region\nc1,gusu\n");
  const std::string name = dir.write("s.yaml", "");
  tierflow::load_limits limits;
  limits.max_file_bytes = 1000;
  tierflow::diagnostics diags;
  const auto sc = tierflow::sim::load_scenario(
      {name, "scenario: big\nstart: 2026-03-02\ndays: 1\ncustomers: { csv: big.csv }\n"},
      tierflow_test::shipped(), diags, limits);
  CHECK_FALSE(sc.has_value());
  REQUIRE(diags.items().size() == 1);
  CHECK(diags.items()[0].str() ==
        name + ":4:19: error: 'big.csv': limit exceeded: file is larger than 64000 bytes");
  tierflow::diagnostics fine;
  const auto small = tierflow::sim::load_scenario(
      {name, "scenario: big\nstart: 2026-03-02\ndays: 1\ncustomers: { csv: fits.csv }\n"},
      tierflow_test::shipped(), fine, limits);
  REQUIRE_MESSAGE(small.has_value(), fine.str());
  CHECK(small->customers.loaded.size() == 1);
}

TEST_CASE("sim.loader.defaults") {
  const scenario sc = load_ok("scenario: bare\nstart: 2026-03-02\ndays: 30\n");
  CHECK(sc.id == "bare");
  CHECK(sc.title.empty());
  CHECK(sc.file == "inline.yaml");
  CHECK(sc.days == 30);
  CHECK(sc.warm_up_days == 0);
  CHECK(sc.seed == 1);
  CHECK(sc.replications == 1);
  // The report is by tier, sampled hourly.
  REQUIRE(sc.report_by.size() == 1);
  CHECK(sc.report_by[0].kind == tierflow::kpi::group_kind::tier);
  CHECK(sc.sample_every == 1h);
  CHECK(sc.calendars.empty());
  CHECK(sc.customers.segments.empty());
  CHECK(sc.customers.csv.empty());
  CHECK(sc.customers.loaded.empty());
  CHECK(sc.demand.empty());
  CHECK(sc.surges.empty());
  CHECK(sc.staff.empty());
  CHECK(sc.handling.empty());
  CHECK(sc.decisions.empty());
  CHECK(sc.waits.empty());
  // An empty `by` is one row for everything.
  const scenario one_row =
      load_ok("scenario: bare\nstart: 2026-03-02\ndays: 1\nreport: { by: [] }\n");
  CHECK(one_row.report_by.empty());
}

TEST_CASE("sim.loader.wall_clock_durations") {
  const scenario sc = load_ok(
      "scenario: durations\nstart: 2026-03-02\ndays: 1\n"
      "handling:\n"
      "  info_change:\n"
      "    verify_identity: 90s\n"
      "    apply_change: 5m\n"
      "    identity_failed: 1.5h\n"
      "    request_field_check: 2d\n"
      "    convert_to_usage_change: 0s\n"
      "    default: { fixed: 0.5m }\n");
  REQUIRE(sc.handling.size() == 6);
  const std::vector<double> seconds{90, 300, 5400, 172800, 0, 30};
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    CAPTURE(i);
    CHECK(sc.handling[i].time.shape == time_distribution::kind::fixed);
    CHECK(sc.handling[i].time.mean_s == seconds[i]);
  }
  CHECK(sc.handling[5].action.empty());
  CHECK(sc.handling[0].where.line == 6);
  CHECK(sc.handling[0].where.column == 5);
}

TEST_CASE("sim.loader.missing_file") {
  tierflow::diagnostics diags;
  const auto sc = tierflow::sim::load_scenario_file("/nonexistent/scenario.yaml",
                                                    tierflow_test::shipped(), diags);
  CHECK_FALSE(sc.has_value());
  REQUIRE(diags.items().size() == 1);
  CHECK(diags.items()[0].str() ==
        "/nonexistent/scenario.yaml: error: cannot read file: no such file or directory");
}

TEST_CASE("sim.loader.all_problems_of_a_file_sorted") {
  // Mistakes in several sections, written out of order: all reported, by position.
  tierflow::diagnostics diags;
  const auto sc = tierflow::sim::load_scenario(
      {"x.yaml",
       "scenario: Bad\nstart: 2026-03-02\ndays: 1\nwaits: { complaint: { nowhere: 1h } }\n"
       "report: { sample_every: 1bh }\n"},
      tierflow_test::shipped(), diags);
  CHECK_FALSE(sc.has_value());
  REQUIRE(diags.items().size() == 3);
  CHECK(diags.items()[0].str() ==
        "x.yaml:1:11: error: invalid identifier 'Bad': expected snake_case ([a-z][a-z0-9_]*)");
  CHECK(diags.items()[1].str() ==
        "x.yaml:4:23: error: unknown state 'nowhere' in workflow 'complaint'");
  CHECK(
      diags.items()[2].str() ==
      "x.yaml:5:25: error: '1bh' is business time: a scenario's durations are wall-clock (s, m, h, "
      "d)");
}

// --- Feasibility on a catalog of the test's own ---------------------------------------------

namespace {

/// Two units: tickets are routed to the front desk, where nobody may take
/// `handle`; the run then gives them to the first role of its `by`, clerk,
/// of the back office, which is split by region.
const char* const tiny_org = R"(organisation: tiny
timezone: "+00:00"
ladder: [front_desk, back_office]
by_region: [back_office]
regions: [north, south]
channels: [phone]
roles:
  receptionist: front_desk
  clerk: back_office
  auditor: back_office
calendars:
  always: 24x7
attributes:
  region: { type: region, required: true }
)";

const char* const tiny_flow = R"(workflow: tiny_flow
version: 1
effective: 2026-01-01
ticket_types: [request]
calendar: always
states:
  open:
    initial: true
    actions:
      handle: { to: done, by: [clerk, auditor] }
      note_it: { by: [receptionist] }
  done:
    terminal: true
routing:
  - { id: all, assign: front_desk }
)";

tierflow::catalog tiny_catalog() {
  tierflow::diagnostics diags;
  auto cat = tierflow::load_catalog({{"org.yaml", tiny_org}, {"flow.yaml", tiny_flow}}, diags);
  REQUIRE_MESSAGE(!diags.has_errors(), diags.str());
  return cat;
}

std::vector<std::string> problems(const tierflow::catalog& cat, const std::string& staff) {
  const std::string text =
      "scenario: tiny\nstart: 2026-03-02\ndays: 1\n"
      "customers: { segments: { all: { count: 10, regions: { north: 1, south: 1 } } } }\n"
      "demand: { request: { per_day: 5, channels: { phone: 1 } } }\n"
      "staff:\n" +
      staff;
  tierflow::diagnostics diags;
  const auto sc = tierflow::sim::load_scenario({"t.yaml", text}, cat, diags);
  CHECK(sc.has_value() == !diags.has_errors());
  std::vector<std::string> out;
  for (const auto& d : diags.items()) out.push_back(d.str());
  return out;
}

}  // namespace

TEST_CASE("sim.loader.feasibility_follows_the_runs_fallback_role") {
  const tierflow::catalog cat = tiny_catalog();
  // The auditor may take `handle`, so the action itself is staffed; but the
  // front desk has no role for it and the fallback, clerk, has nobody.
  CHECK(problems(cat, "  - { role: auditor, count: 1, calendar: always }\n") ==
        std::vector<std::string>{
            "t.yaml:6:1: error: routing rule 'all' of workflow 'tiny_flow' sends tickets to "
            "'front_desk', where no role may take 'handle' and 'clerk' (the first of its 'by') has "
            "no staff"});
  // Clerks in the north only: southern tickets wait for ever.
  CHECK(problems(cat,
                 "  - { role: auditor, count: 1, calendar: always }\n"
                 "  - { role: clerk, count: 0, regions: { north: 2 }, calendar: always }\n") ==
        std::vector<std::string>{
            "t.yaml:6:1: error: routing rule 'all' of workflow 'tiny_flow' sends tickets to "
            "'front_desk', where no role may take 'handle' and 'clerk' (the first of its 'by') has "
            "no staff in region south"});
  // Clerks everywhere: nothing to say.
  CHECK(problems(cat, "  - { role: clerk, count: 1, calendar: always }\n").empty());
}

TEST_CASE("sim.loader.feasibility_single_moving_action_unstaffed") {
  const tierflow::catalog cat = tiny_catalog();
  // Nobody who may `handle`: the only way out of `open`.
  CHECK(problems(cat, "  - { role: receptionist, count: 3, calendar: always }\n") ==
        std::vector<std::string>{
            "t.yaml:6:1: error: no staffed role may take action 'handle' of state 'open' in "
            "workflow 'tiny_flow' (by: clerk, auditor)",
            "t.yaml:6:1: error: routing rule 'all' of workflow 'tiny_flow' sends tickets to "
            "'front_desk', where no role may take 'handle' and 'clerk' (the first of its 'by') has "
            "no staff"});
}

TEST_CASE("sim.loader.missing_decision_reported_at_the_demand_without_decisions") {
  // `open` has two ways out; without any `decisions`, the demand entry that
  // brings tickets there is where the problem is said.
  std::string flow = tiny_flow;
  const std::string one_way = "      note_it: { by: [receptionist] }\n";
  flow.replace(flow.find(one_way), one_way.size(), "      drop: { to: done, by: [clerk] }\n");
  tierflow::diagnostics load_diags;
  const tierflow::catalog cat =
      tierflow::load_catalog({{"org.yaml", tiny_org}, {"flow.yaml", flow}}, load_diags);
  REQUIRE_MESSAGE(!load_diags.has_errors(), load_diags.str());
  CHECK(problems(cat, "  - { role: clerk, count: 1, calendar: always }\n") ==
        std::vector<std::string>{
            "t.yaml:5:11: error: state 'open' of workflow 'tiny_flow' has several moving actions "
            "(handle, drop) and no entry in 'decisions' (flow.yaml:7)"});
}
