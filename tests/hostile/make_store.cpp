// SPDX-License-Identifier: MIT
// Writes a small SQLite audit trail for the hostile-input corpus
// (tests/hostile/cases.txt), which then damages or forges it with raw SQL:
//
//   make_store PATH
//
// Over the shipped workflows: a key customer's complaint (T00000001), a
// factory's fault repair (T00000002) worked by its crew, with one refused
// command by another region's manager, a refused command on an unknown
// ticket (the denial log), and an actor id and a note a spreadsheet or a
// terminal would misread (a formula, escape sequences), so the outputs'
// hygiene is tested on what a real trail can hold. Prints the ticket ids;
// exits 1 when anything that should succeed fails.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <tierflow/tierflow.hpp>
#include <tierflow/open_store.hpp>

namespace tf = tierflow;
using namespace std::chrono;
using namespace std::string_literals;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_store PATH\n");
    return 2;
  }
  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({std::string(TIERFLOW_SOURCE_DIR) + "/workflows"}, diags);
  if (!cat) return std::fprintf(stderr, "%s\n", cat.error().message().c_str()), 1;
  auto db = tf::open_store("sqlite:"s + argv[1]);
  if (!db) return std::fprintf(stderr, "%s\n", db.error().message().c_str()), 1;
  constexpr minutes suzhou = 8h;
  tf::manual_clock clock{tf::from_local(2026y / November / 24, 9h, suzhou)};
  tf::engine_options wiring;
  wiring.time_source = &clock;
  wiring.events = db->get();
  auto created = tf::engine::create(std::move(*cat), wiring);
  if (!created) return std::fprintf(stderr, "%s\n", created.error().message().c_str()), 1;
  tf::engine& crm = **created;
  int failures = 0;
  const auto must = [&](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "make_store: %s failed\n", what);
      ++failures;
    }
  };

  tf::open_request complaint;
  complaint.type = "complaint";
  complaint.channel = "hotline_95598";
  complaint.customer_id = "C1001";
  complaint.customer = {{"importance_class", "level1"s}, {"region", "kunshan"s}};
  complaint.fields = {{"complaint_class", "service"s}};
  complaint.description = "caller says \x1b[31mno power\x1b[0m since 08:50";
  complaint.opened_by = "crm";
  const auto c = crm.open(complaint);
  must(c.has_value(), "open complaint");

  tf::open_request fault;
  fault.type = "fault_repair";
  fault.channel = "account_manager_direct";
  fault.customer_id = "C2002";
  fault.customer = {{"region", "wuzhong"s}, {"voltage_kv", 10.0}, {"capacity_kva", 1250.0},
                    {"area_type", "urban"s}};
  fault.opened_by = "crm";
  const auto f = crm.open(fault);
  must(f.has_value(), "open fault");
  if (!c || !f) return 1;

  const tf::actor formula{"=cmd|' /C calc'!A0", {"csr"}, ""};
  const tf::actor zhang{"rm_zhang", {"regional_manager"}, "wuzhong"};
  const tf::actor wang{"rm_wang", {"regional_manager"}, "kunshan"};
  const tf::actor chen{"disp_chen", {"dispatcher"}, ""};
  const auto act = [&](const std::string& id, const char* action, const tf::actor& who,
                       std::string note = {}) {
    return crm.act({id, action, who, std::move(note), std::nullopt}).has_value();
  };
  must(act(c->ticket.id, "classify", formula, "+SUM(A1:A9)"), "classify");
  must(!act(f->ticket.id, "triage", wang), "a refused triage");
  must(act(f->ticket.id, "triage", zhang, "-2+3"), "triage");
  clock.set(tf::from_local(2026y / November / 24, 9h + 6min, suzhou));
  must(act(f->ticket.id, "dispatch", chen, "@SUM(1)\t\r\x1b]0;pwned\x07"), "dispatch");
  must(!act("T99999999", "triage", zhang), "a command on an unknown ticket");
  clock.set(tf::from_local(2026y / November / 25, 9h, suzhou));
  must(crm.advance().has_value(), "advance");
  std::printf("%s %s\n", c->ticket.id.c_str(), f->ticket.id.c_str());
  return failures == 0 ? 0 : 1;
}
