// SPDX-License-Identifier: MIT
// A host CRM on top of the engine: it opens tickets as demands come in, acts
// as its staff (a 95598 agent, regional account managers, the enterprise
// account manager, a dispatcher, a repair crew), lets time pass so that
// deadlines break and escalate, and shows a manager's queue, a customer's
// contact record, the notifications to deliver and the audit checks.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <tierflow/tierflow.hpp>

namespace tf = tierflow;
using namespace std::chrono;
using namespace std::string_literals;

namespace {

constexpr auto utc_offset = 8h;              // the organisation's timezone (+08:00)
constexpr auto november = 2026y / November;  // when the story takes place
constexpr const char* when = "%m-%d %H:%M";  // how it shows times: "11-24 09:05", local

/// "regional_account_manager/wuzhong": a unit and its region queue, if any.
std::string where(const std::string& unit, const std::string& region) {
  return region.empty() ? unit : unit + "/" + region;
}

template <class T>
T must(tf::result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

/// Takes an action and prints what came of it; a surprise ends the program.
void act(tf::engine& crm, const std::string& ticket, const char* action, const tf::actor& who,
         std::string note = {}, bool expect_denied = false) {
  tf::act_request request;
  request.ticket_id = ticket;
  request.action = action;
  request.by = who;
  request.note = std::move(note);
  const auto r = crm.act(request);
  if (r.has_value() == expect_denied) std::exit(1);
  std::printf("  %s  %-9s %-16s %s %s\n", tf::format_local(crm.now(), utc_offset, when).c_str(),
              who.id.c_str(), action, ticket.c_str(),
              r ? ("-> " + r->state).c_str() : ("DENIED: " + r.error().message()).c_str());
}

}  // namespace

int main() {
  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({"workflows"}, diags);
  if (!cat) {
    std::fputs(diags.str().c_str(), stderr);
    return 1;
  }

  // Tuesday 24 November 2026, 09:00.
  tf::manual_clock clock{tf::from_local(november / 24, 9h, utc_offset)};
  tf::notification_queue inbox;  // the CRM delivers these (SMS, workbench)
  tf::engine_options wiring;
  wiring.time_source = &clock;
  wiring.sink = &inbox;
  const auto engine = must(tf::engine::create(std::move(*cat), wiring), "engine");
  tf::engine& crm = *engine;

  // The staff as the CRM authenticated them: roles from the organisation file.
  const tf::actor agent{"csr_li", {"csr"}, ""};
  const tf::actor zhang{"rm_zhang", {"regional_manager"}, "wuzhong"};
  const tf::actor wang{"rm_wang", {"regional_manager"}, "kunshan"};
  const tf::actor sun{"em_sun", {"enterprise_manager"}, ""};
  const tf::actor chen{"disp_chen", {"dispatcher"}, ""};
  const tf::actor crew{"crew_zhou", {"repair_crew_member"}, "wuzhong"};

  std::puts("== demands come in");
  const auto open = [&](const char* type, const char* channel, const char* customer_id,
                        const tf::attribute_values& customer, const tf::attribute_values& fields) {
    tf::open_request req;
    req.type = type;
    req.channel = channel;
    req.customer_id = customer_id;
    req.customer = customer;
    req.fields = fields;
    req.opened_by = "crm";
    const auto t = must(crm.open(req), "open");
    std::printf("  %s  %s %-18s customer %s -> %s (rule %s)\n",
                tf::format_local(crm.now(), utc_offset, when).c_str(), t.ticket.id.c_str(), type,
                customer_id, where(t.routing.to.unit, t.routing.to.region).c_str(),
                t.routing.rule.c_str());
    return t.ticket.id;
  };
  // A level-1 important customer in Kunshan complains: a key account (T2).
  const auto complaint = open("complaint", "hotline_95598", "C1001",
                              {{"importance_class", "level1"s}, {"region", "kunshan"s}},
                              {{"complaint_class", "service"s}});
  clock.set(tf::from_local(november / 24, 9h + 5min, utc_offset));
  // A 10 kV, 1250 kVA factory in Wuzhong loses power: a big customer (T1) ...
  const tf::attribute_values factory{{"region", "wuzhong"s},
                                     {"voltage_kv", 10.0},
                                     {"capacity_kva", 1250.0},
                                     {"area_type", "urban"s}};
  const auto fault = open("fault_repair", "account_manager_direct", "C2002", factory, {});
  // ... and applies for more capacity the same morning.
  const auto expansion = open("business_expansion", "business_hall", "C2002", factory,
                              {{"application_kind", "capacity_increase"s},
                               {"voltage_path", "hv"s},
                               {"requested_capacity_kva", 2000.0}});

  std::puts("== staff work the tickets");
  act(crm, complaint, "classify", agent);  // the 95598 agent answered first: the owner
  act(crm, complaint, "dispatch", agent);
  act(crm, fault, "triage", wang, {}, true);  // Kunshan's manager: not his region
  act(crm, fault, "triage", zhang);
  clock.set(tf::from_local(november / 24, 9h + 6min, utc_offset));
  act(crm, fault, "dispatch", chen);  // handed off to Wuzhong's repair crews
  act(crm, fault, "crew_acknowledge", crew);
  act(crm, fault, "depart", crew);
  act(crm, expansion, "accept", zhang);
  clock.set(tf::from_local(november / 24, 9h + 30min, utc_offset));
  act(crm, complaint, "acknowledge", sun);

  std::puts("== time passes: the crew arrives late; nobody calls the complainant back");
  const auto advance_to = [&](tf::timestamp t) {
    clock.set(t);
    const auto fired = must(crm.advance(), "advance");
    std::printf("  %s  advance: %zu timers fired (tickets: %zu)\n",
                tf::format_local(t, utc_offset, when).c_str(), fired.fired, fired.tickets);
  };
  // The 45-minute arrival limit passed at 09:50.
  advance_to(tf::from_local(november / 24, 10h, utc_offset));
  act(crm, fault, "arrive", crew);
  act(crm, fault, "start_repair", crew);
  clock.set(tf::from_local(november / 24, 10h + 40min, utc_offset));
  act(crm, fault, "restore", crew);
  act(crm, fault, "report_restored", crew, "cable joint replaced");  // back to rm_zhang
  // The 24-hour contact limit passed at 09:00.
  advance_to(tf::from_local(november / 25, 9h + 30min, utc_offset));
  const auto late = must(crm.view(complaint), "view");
  std::printf("  %s is now with %s, flags:", complaint.c_str(), late.tier.c_str());
  for (const auto& f : late.flags) std::printf(" %s", f.c_str());
  std::puts("");

  std::puts("== rm_zhang's queue: regional_account_manager, wuzhong");
  for (const auto& t : must(crm.queue("regional_account_manager", "wuzhong"), "queue")) {
    for (const auto& d : t.deadlines) {
      if (!d.due || d.due != t.nearest_due()) continue;
      const auto m = d.remaining_seconds / 60;  // working time left in the deadline's calendar
      std::printf("  %s %-18s %-16s due %s (%s), %lldh%02lldm left\n", t.id.c_str(), t.type.c_str(),
                  t.state.c_str(), tf::format_local(*d.due, utc_offset, when).c_str(), d.id.c_str(),
                  static_cast<long long>(m / 60), static_cast<long long>(m % 60));
      break;
    }
  }

  std::puts("== contact record of customer C2002");
  for (const auto& e : must(crm.customer_record("C2002"), "customer_record").events) {
    std::string details;  // the short details; customer.* and deadline.* left out
    for (const auto& [key, value] : e.details)
      if (!value.empty() && key.find('.') == std::string::npos && key != "description")
        details += " " + key + "=" + value;
    std::printf("  %s %s #%-2llu %-17s %-9s%s\n",
                tf::format_local(e.time, utc_offset, when).c_str(), e.ticket_id.c_str(),
                static_cast<unsigned long long>(e.sequence), std::string(to_string(e.type)).c_str(),
                e.actor_id.c_str(), details.c_str());
  }

  std::puts("== notifications to deliver");
  for (const auto& n : inbox.drain())
    std::printf("  %s %s %-8s %s %s(%s)\n", tf::format_local(n.time, utc_offset, when).c_str(),
                n.ticket_id.c_str(), std::string(to_string(n.to)).c_str(),
                where(n.unit, n.region).c_str(), n.person.empty() ? "" : (n.person + " ").c_str(),
                n.reason.c_str());

  std::puts("== audit trails");
  for (const auto& id : {complaint, fault, expansion}) {
    const auto verified = crm.verify(id);
    const bool same = must(crm.replay(id), "replay") == must(crm.view(id), "view");
    std::printf("  %s: hash chain %s; replay %s\n", id.c_str(),
                verified ? "verified" : verified.error().message().c_str(),
                same ? "equals the live view" : "DIFFERS");
    if (!verified || !same) return 1;
  }
  return 0;
}
