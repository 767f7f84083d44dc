// SPDX-License-Identifier: MIT
// The store `tierflow report` is tested on: the shipped workflows run by the
// real engine under a manual clock in Suzhou (+08:00), five tickets of four
// customers in two regions over 2026-11-24 … 11-26: a complaint escalated to
// the enterprise account manager, a fault repaired, called back and archived,
// a customer-side fault closed at once, a business expansion accepted, and a
// small customer's fault whose crew never acknowledges (overdue). Shared by
// cli_report_test and the browser test's store writer (write_report_store).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>
#include <tierflow/time.hpp>

namespace tierflow_test {

/// What the scenario wrote: its ticket count and how many were closed.
struct report_store_facts {
  int opened = 0;
  int closed = 0;
};

/// 2026-11-DD HH:MM in Suzhou.
inline tierflow::timestamp suzhou(unsigned day, int hour, int minute) {
  using namespace std::chrono;
  return tierflow::from_local(sys_days{2026y / November / std::chrono::day{day}}, hours{hour} + minutes{minute}, 8h);
}

/// Writes the scenario into a new store at `url` (sqlite:PATH), with the
/// definitions of `workflows_dir`. Returns an error message, or "" with
/// `facts` filled in.
inline std::string write_report_store(const std::string& url, const std::string& workflows_dir,
                                      report_store_facts& facts) {
  namespace tf = tierflow;
  using namespace std::string_literals;
  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({workflows_dir}, diags);
  if (!cat) return "definitions: " + diags.str();
  auto opened_store = tf::open_store(url);
  if (!opened_store) return "store: " + opened_store.error().message();
  std::unique_ptr<tf::store> db = std::move(*opened_store);
  tf::manual_clock clock{suzhou(24, 9, 0)};
  tf::notification_queue inbox;
  tf::engine_options wiring;
  wiring.time_source = &clock;
  wiring.sink = &inbox;
  wiring.events = db.get();
  auto created = tf::engine::create(std::move(*cat), wiring);
  if (!created) return "engine: " + created.error().message();
  tf::engine& crm = **created;

  std::string failure;
  const auto open = [&](const char* type, const char* channel, const char* customer_id,
                        const tf::attribute_values& customer, const tf::attribute_values& fields) {
    tf::open_request req;
    req.type = type;
    req.channel = channel;
    req.customer_id = customer_id;
    req.customer = customer;
    req.fields = fields;
    req.opened_by = "crm";
    auto t = crm.open(req);
    if (!t) {
      if (failure.empty()) failure = "open "s + type + ": " + t.error().message();
      return std::string();
    }
    ++facts.opened;
    return t->ticket.id;
  };
  const auto act = [&](const std::string& ticket, const char* action, const tf::actor& who,
                       std::string note = {}) {
    if (!failure.empty()) return;
    tf::act_request req;
    req.ticket_id = ticket;
    req.action = action;
    req.by = who;
    req.note = std::move(note);
    const auto r = crm.act(req);
    if (!r) failure = ticket + " " + action + " by " + who.id + ": " + r.error().message();
  };
  const auto at = [&](tf::timestamp t) {
    if (!failure.empty()) return;
    clock.set(t);
    if (auto fired = crm.advance(); !fired) failure = "advance: " + fired.error().message();
  };

  const tf::actor agent{"csr_li", {"csr"}, ""};
  const tf::actor zhang{"rm_zhang", {"regional_manager"}, "wuzhong"};
  const tf::actor wang{"rm_wang", {"regional_manager"}, "kunshan"};
  const tf::actor sun{"em_sun", {"enterprise_manager"}, ""};
  const tf::actor chen{"disp_chen", {"dispatcher"}, ""};
  const tf::actor crew{"crew_zhou", {"repair_crew_member"}, "wuzhong"};
  const tf::attribute_values factory{{"region", "wuzhong"s},
                                     {"voltage_kv", 10.0},
                                     {"capacity_kva", 1250.0},
                                     {"area_type", "urban"s}};

  const auto complaint = open("complaint", "hotline_95598", "C1001",
                              {{"importance_class", "level1"s}, {"region", "kunshan"s}},
                              {{"complaint_class", "service"s}});
  at(suzhou(24, 9, 5));
  const auto fault = open("fault_repair", "account_manager_direct", "C2002", factory, {});
  const auto expansion = open("business_expansion", "business_hall", "C2002", factory,
                              {{"application_kind", "capacity_increase"s},
                               {"voltage_path", "hv"s},
                               {"requested_capacity_kva", 2000.0}});
  act(complaint, "classify", agent);
  act(complaint, "dispatch", agent);
  act(fault, "triage", zhang);
  at(suzhou(24, 9, 6));
  act(fault, "dispatch", chen);
  act(fault, "crew_acknowledge", crew);
  act(fault, "depart", crew);
  act(expansion, "accept", zhang);
  at(suzhou(24, 9, 30));
  act(complaint, "acknowledge", sun);
  at(suzhou(24, 10, 0));  // the crew arrives after its limit
  act(fault, "arrive", crew);
  act(fault, "start_repair", crew);
  at(suzhou(24, 10, 40));
  act(fault, "restore", crew);
  act(fault, "report_restored", crew, "cable joint replaced");

  at(suzhou(24, 11, 0));
  const auto outside = open("fault_repair", "hotline_95598", "C3003",
                            {{"region", "kunshan"s},
                             {"voltage_kv", 10.0},
                             {"capacity_kva", 800.0},
                             {"area_type", "urban"s}},
                            {});
  act(outside, "triage", wang);
  act(outside, "customer_side_fault", wang, "fault in the customer's own switchgear");
  act(outside, "close", wang);
  if (failure.empty()) ++facts.closed;

  at(suzhou(24, 15, 0));
  act(fault, "callback_satisfied", zhang);
  act(fault, "archive", zhang);
  if (failure.empty()) ++facts.closed;

  at(suzhou(25, 10, 0));
  const auto small = open("fault_repair", "hotline_95598", "C4004",
                          {{"region", "wuzhong"s},
                           {"voltage_kv", 0.4},
                           {"capacity_kva", 100.0},
                           {"area_type", "urban"s}},
                          {});
  act(small, "triage", agent);
  at(suzhou(25, 10, 2));
  act(small, "dispatch", chen);
  at(suzhou(26, 9, 30));  // nobody acknowledged: deadlines breached, the complaint's too
  return failure;
}

}  // namespace tierflow_test
