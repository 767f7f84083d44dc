// SPDX-License-Identifier: MIT
// A host CRM on a SQLite file that stops with tickets open and starts again
// the next morning: the engine restores every open ticket from the file,
// and the timers that fell due while it was down fire on the first
// advance(), in due order. The file stays behind for `tierflow audit`.
//
// Usage: 03_restart [DB_FILE]   (default: a file in the temp directory)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <tierflow/tierflow.hpp>

namespace tf = tierflow;
namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::string_literals;

namespace {

constexpr auto utc_offset = 8h;              // the organisation's timezone (+08:00)
constexpr auto november = 2026y / November;  // when the story takes place
constexpr const char* when = "%m-%d %H:%M";  // how it shows times: "11-24 09:05", local

template <class T>
T must(tf::result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

void must(const tf::result<void>& r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message().c_str());
    std::exit(1);
  }
}

/// One CRM server process: the database handle and the engine over it.
struct server {
  std::unique_ptr<tf::store> db;
  std::unique_ptr<tf::engine> crm;
};

server start(const std::string& url, const tf::catalog& cat, const tf::clock& clock) {
  server s;
  // Per-command durability (the default): a command is on disk when act()
  // or open() returns.
  s.db = must(tf::open_store(url), "open store");
  tf::engine_options wiring;
  wiring.time_source = &clock;
  wiring.events = s.db.get();
  s.crm = must(tf::engine::create(cat, wiring), "engine");  // restores the open tickets
  return s;
}

void act(tf::engine& crm, const std::string& ticket, const char* action, const tf::actor& who) {
  tf::act_request request;
  request.ticket_id = ticket;
  request.action = action;
  request.by = who;
  const auto v = must(crm.act(request), action);
  std::printf("  %s  %-9s %-16s %s -> %s\n", tf::format_local(crm.now(), utc_offset, when).c_str(),
              who.id.c_str(), action, ticket.c_str(), v.state.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  tf::diagnostics diags;
  auto cat = tf::load_catalog_files({"workflows"}, diags);
  if (!cat) {
    std::fputs(diags.str().c_str(), stderr);
    return 1;
  }
  const fs::path file = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "tierflow-03_restart.db";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix);  // a fresh run
  const std::string url = "sqlite:" + file.string();

  const tf::actor agent{"csr_li", {"csr"}, ""};
  const tf::actor zhang{"rm_zhang", {"regional_manager"}, "wuzhong"};
  const tf::actor chen{"disp_chen", {"dispatcher"}, ""};
  const tf::actor crew{"crew_zhou", {"repair_crew_member"}, "wuzhong"};

  // Tuesday 24 November 2026, 16:00.
  tf::manual_clock clock{tf::from_local(november / 24, 16h, utc_offset)};
  std::string fault, complaint;
  {
    std::printf("== Tuesday afternoon: the CRM server runs on %s\n", url.c_str());
    server a = start(url, *cat, clock);
    tf::open_request req;  // a 10 kV factory in Wuzhong loses power
    req.type = "fault_repair";
    req.channel = "account_manager_direct";
    req.customer_id = "C2002";
    req.customer = {{"region", "wuzhong"s}, {"voltage_kv", 10.0}, {"capacity_kva", 1250.0}, {"area_type", "urban"s}};
    req.opened_by = "crm";
    fault = must(a.crm->open(req), "open").ticket.id;
    std::printf("  %s  %s fault_repair customer C2002\n",
                tf::format_local(clock.now(), utc_offset, when).c_str(), fault.c_str());
    act(*a.crm, fault, "triage", zhang);
    act(*a.crm, fault, "dispatch", chen);  // with Wuzhong's repair crews now

    clock.set(tf::from_local(november / 24, 16h + 5min, utc_offset));
    tf::open_request comp;  // a level-1 important customer complains
    comp.type = "complaint";
    comp.channel = "hotline_95598";
    comp.customer_id = "C1001";
    comp.customer = {{"importance_class", "level1"s}, {"region", "kunshan"s}};
    comp.fields = {{"complaint_class", "service"s}};
    comp.opened_by = "crm";
    complaint = must(a.crm->open(comp), "open").ticket.id;
    std::printf("  %s  %s complaint    customer C1001\n",
                tf::format_local(clock.now(), utc_offset, when).c_str(), complaint.c_str());
    act(*a.crm, complaint, "classify", agent);
    clock.set(tf::from_local(november / 24, 16h + 10min, utc_offset));
    std::printf("== %s: the server stops (nothing is flushed by hand: each command was durable)\n",
                tf::format_local(clock.now(), utc_offset, when).c_str());
  }  // the engine and the database handle are gone, as in a crash

  clock.set(tf::from_local(november / 25, 8h + 30min, utc_offset));  // Wednesday morning
  std::printf("== %s: the server starts again on the same file\n",
              tf::format_local(clock.now(), utc_offset, when).c_str());
  server b = start(url, *cat, clock);
  const auto open = must(b.db->open_tickets(), "open tickets");
  std::printf("  restored %zu open tickets:", open.size());
  for (const auto& t : open) std::printf(" %s (%s, version %llu)", t.ticket_id.c_str(), t.state.c_str(),
                                         static_cast<unsigned long long>(t.version));
  std::puts("");

  // What fell due overnight fires now, stamped with when it fell due.
  const auto fired = must(b.crm->advance(), "advance");
  std::printf("  advance: %zu timers fired on %zu tickets, in due order (notifications left out):\n",
              fired.fired, fired.tickets);
  std::vector<tf::event> overnight;  // what this advance appended, by the versions restored
  for (const auto& t : open)
    for (auto& e : must(b.crm->events(t.ticket_id), "events"))
      if (e.sequence > t.version &&
          (e.type == tf::event_type::deadline_warned || e.type == tf::event_type::deadline_breached ||
           e.type == tf::event_type::escalated))
        overnight.push_back(std::move(e));
  std::stable_sort(overnight.begin(), overnight.end(),
                   [](const tf::event& x, const tf::event& y) { return x.time < y.time; });
  for (const auto& e : overnight) {
    std::string details;
    for (const auto& [key, value] : e.details) details += " " + key + "=" + value;
    std::printf("    %s %s %-17s%s\n", tf::format_local(e.time, utc_offset, when).c_str(),
                e.ticket_id.c_str(), std::string(to_string(e.type)).c_str(), details.c_str());
  }
  // Every fired timer is one warning or breach event (escalations come on top).
  if (fired.fired == 0 || overnight.size() < fired.fired) return 1;
  // Each timer fires once: a second advance finds nothing.
  if (must(b.crm->advance(), "advance").fired != 0) return 1;

  std::puts("== the crew carries on where the ticket stood");
  clock.set(tf::from_local(november / 25, 8h + 40min, utc_offset));
  act(*b.crm, fault, "crew_acknowledge", crew);

  std::puts("== audit trails");
  for (const auto& id : {fault, complaint}) {
    must(b.crm->verify(id), "verify");
    const bool same = must(b.crm->replay(id), "replay") == must(b.crm->view(id), "view");
    std::printf("  %s: hash chain verified; replay %s\n", id.c_str(), same ? "equals the live view" : "DIFFERS");
    if (!same) return 1;
  }
  std::printf("  inspect it: build/tierflow audit show --db %s %s\n", url.c_str(), fault.c_str());
  return 0;
}
