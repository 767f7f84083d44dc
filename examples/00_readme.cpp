// The README's host program, word for word (a test compares the two).
#include <chrono>
#include <cstdio>
#include <string>

#include <tierflow/tierflow.hpp>

namespace tf = tierflow;
using namespace std::chrono;
using namespace std::string_literals;

int main() {
  const auto failed = [](const tf::error& e) { std::fprintf(stderr, "%s\n", e.message().c_str()); return 1; };
  constexpr minutes suzhou = 8h;                                      // the organisation's UTC offset

  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({"workflows"}, diags);            // file:line:col: error: … in diags
  if (!cat) return failed(cat.error());
  tf::manual_clock clock{tf::from_local(2026y / November / 24, 9h, suzhou)};  // production: tf::system_clock
  tf::notification_queue inbox;                                       // the CRM delivers these
  tf::engine_options wiring;
  wiring.time_source = &clock;
  wiring.sink = &inbox;                                               // wiring.events: in memory by default
  auto created = tf::engine::create(std::move(*cat), wiring);
  if (!created) return failed(created.error());
  tf::engine& crm = **created;

  tf::open_request req;                                               // a 10 kV factory loses power
  req.type = "fault_repair";
  req.channel = "account_manager_direct";
  req.customer_id = "C2002";
  req.customer = {{"region", "wuzhong"s}, {"voltage_kv", 10.0}, {"capacity_kva", 1250.0},
                  {"area_type", "urban"s}};
  const auto fault = crm.open(req);                                   // routed by rule big_customer
  if (!fault) return failed(fault.error());

  const tf::actor zhang{"rm_zhang", {"regional_manager"}, "wuzhong"};
  if (auto r = crm.act({fault->ticket.id, "triage", zhang, "", {}}); !r) return failed(r.error());
  clock.set(tf::from_local(2026y / November / 24, 9h + 30min, suzhou));
  if (auto fired = crm.advance(); !fired) return failed(fired.error());  // warnings, breaches, escalations

  for (const auto& t : crm.queue("regional_account_manager", "wuzhong").value())  // the manager's workbench
    std::printf("%s %s due %s\n", t.id.c_str(), t.state.c_str(),
                t.nearest_due() ? tf::format_local(*t.nearest_due(), suzhou, "%m-%d %H:%M").c_str() : "-");
  for (const auto& e : crm.customer_record("C2002").value().events)   // contact record, first contact first
    std::printf("  %s #%llu %s by %s\n", e.ticket_id.c_str(), static_cast<unsigned long long>(e.sequence),
                std::string(tf::to_string(e.type)).c_str(), e.actor_id.c_str());
  if (auto ok = crm.verify(fault->ticket.id); !ok) return failed(ok.error());  // the SHA-256 hash chain
  std::printf("%s: hash chain verified\n", fault->ticket.id.c_str());
}
