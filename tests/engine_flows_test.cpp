// SPDX-License-Identifier: MIT
// End-to-end flows of the company documents in workflows/SOURCES.md through the SHIPPED workflows
// (workflows/*.yaml) with the real engine, a manual clock and a notification
// queue:
//   - the big-customer complaint flowchart of [DOC-TELECOM-BIGCUST §4.4] (workflows/SOURCES.md) (branch → local technical
//     department → HQ key-account desk), complaint.yaml;
//   - fault repair with a field crew and the 24x7 arrival / restoration
//     commitments, fault_repair.yaml;
//   - business expansion, LV and HV, with the clocks stopped while the
//     customer works, business_expansion.yaml;
//   - a bill callback that finds a bill error and tracks it until the
//     customer is satisfied, bill_callback.yaml;
//   - the three-level closed loop of [DOC-SHAOYANG-2013 §2.5] (own post → centre dispatch →
//     cross-organisation through 95598), complaint.yaml;
//   - repeat and skip-level complaints at open.
//
// Every expected value is worked out by hand from the workflow files and the
// engine contract (include/tierflow/*.hpp); the reasoning is in comments.
// Times are written in local time (UTC+08:00). Calendar facts used: `office`
// = Mon-Fri 08:30-12:00 and 13:30-17:30 (27000 working seconds a day), no
// holiday between 2026-10-08 and 2026-12-31, 2027-01-01 (Fri) a holiday;
// 2026-11-24 is a Tuesday.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>

#include "test_support.hpp"

namespace chr = std::chrono;
namespace tf = tierflow;
using tf::timestamp;
using tierflow_test::local;
using tierflow_test::shipped;

namespace {

// --- time ---------------------------------------------------------------------------

/// "2026-11-24 09:00:00" in local time.
std::string stamp(timestamp t) {
  if (t == timestamp::max()) return "never";
  return tierflow_test::civil(t + chr::hours{8}, ' ');
}

// --- rendering, so that failures print readable text ----------------------------------

/// One event as a line: local time, actor, type, then every detail as k=v.
/// `opened` is shown without details (checked separately); `denied` without
/// its free-text reason. For `routed` an empty region is left out: the brief
/// says the region is given only for region-split units.
std::string line(const tf::event& e) {
  std::string s = stamp(e.time) + " " + e.actor_id + " " + std::string(tf::to_string(e.type));
  if (e.type == tf::event_type::opened) return s;
  for (const auto& [k, v] : e.details) {
    if (e.type == tf::event_type::denied && k == "reason") continue;
    if (e.type == tf::event_type::routed && k == "region" && v.empty()) continue;
    s += " " + k + "=" + v;
  }
  return s;
}

/// Events [first, last) (0-based) of a trail, one line per event.
std::string trail(const std::vector<tf::event>& events, std::size_t first = 0,
                  std::size_t last = static_cast<std::size_t>(-1)) {
  std::string s;
  for (std::size_t i = first; i < events.size() && i < last; ++i) s += line(events[i]) + "\n";
  return s;
}

/// The event types only, space-separated.
std::string types(const std::vector<tf::event>& events) {
  std::string s;
  for (const auto& e : events) {
    if (!s.empty()) s += " ";
    s += tf::to_string(e.type);
  }
  return s;
}

std::string show(const tf::notification& n) {
  return n.ticket_id + " " + stamp(n.time) + " " + std::string(tf::to_string(n.to)) + " " + n.person + " " +
         n.unit + "/" + n.region + " " + n.reason;
}

std::string show(const std::vector<tf::notification>& ns) {
  std::string s;
  for (const auto& n : ns) s += show(n) + "\n";
  return s;
}

std::string show(const tf::deadline_view& d) {
  std::string s = d.id + " " + std::string(tf::to_string(d.status)) + " " + d.within +
                  " due=" + (d.due ? stamp(*d.due) : std::string("-"));
  if (d.status == tf::deadline_status::running || d.status == tf::deadline_status::paused)
    s += " left=" + std::to_string(d.remaining_seconds);
  if (d.breached) s += " breached";
  return s;
}

std::string deadlines(const tf::ticket_view& v) {
  std::string s;
  for (const auto& d : v.deadlines) s += show(d) + "\n";
  return s;
}

const tf::deadline_view* deadline(const tf::ticket_view& v, std::string_view id) {
  for (const auto& d : v.deadlines)
    if (d.id == id) return &d;
  return nullptr;
}

std::string show(const tf::assignment& a) { return a.unit + "/" + a.region + "/" + a.person; }

std::string unit_times(const tf::ticket_view& v) {
  std::string s;
  for (const auto& u : v.time_by_unit)
    s += u.unit + " " + std::to_string(u.seconds) + "/" + std::to_string(u.working_seconds) + "\n";
  return s;
}

std::string join(const std::vector<std::string>& xs) {
  std::string s;
  for (const auto& x : xs) s += (s.empty() ? "" : ",") + x;
  return s;
}

std::string ids(const std::vector<tf::ticket_view>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.id);
  return join(out);
}

std::string escalations(const tf::routing_decision& d) {
  std::string s;
  for (const auto& [rule, unit] : d.escalations) s += (s.empty() ? "" : ",") + rule + "->" + unit;
  return s;
}

// --- attribute values ------------------------------------------------------------------

tf::value txt(const char* s) { return tf::value{std::string(s)}; }
tf::value num(double d) { return tf::value{d}; }
tf::value whole(std::int64_t i) { return tf::value{i}; }
tf::value yes() { return tf::value{true}; }
tf::value no() { return tf::value{false}; }

// --- the people --------------------------------------------------------------------------

const tf::actor csr1{"csr_01", {"csr"}, ""};
const tf::actor csr2{"csr_02", {"csr"}, ""};
const tf::actor supervisor{"sup_01", {"csc_supervisor"}, ""};
const tf::actor caller{"cb_01", {"callback_agent"}, ""};
const tf::actor rm_gusu{"rm_gusu", {"regional_manager"}, "gusu"};
const tf::actor rm_wuzhong{"rm_wuzhong", {"regional_manager"}, "wuzhong"};
const tf::actor rm_kunshan{"rm_kunshan", {"regional_manager"}, "kunshan"};
const tf::actor rm_sip{"rm_sip", {"regional_manager"}, "suzhou_industrial_park"};
const tf::actor enterprise{"em_01", {"enterprise_manager"}, ""};
const tf::actor hq_desk{"hq_01", {"hq_desk_agent"}, ""};
const tf::actor dispatcher{"disp_01", {"dispatcher"}, ""};
const tf::actor engineer{"tech_01", {"technical_engineer"}, ""};
const tf::actor meter_tech{"meter_01", {"metering_technician"}, ""};
const tf::actor marketing{"mkt_01", {"marketing_officer"}, ""};
const tf::actor billing_clerk{"bill_01", {"billing_clerk"}, ""};
const tf::actor liaison{"liaison_01", {"hotline_liaison"}, ""};
const tf::actor crew_wuzhong{"crew_wz_1", {"repair_crew_member"}, "wuzhong"};
const tf::actor crew_gusu{"crew_gs_1", {"repair_crew_member"}, "gusu"};
const tf::actor crew_changshu{"crew_cs_1", {"repair_crew_member"}, "changshu"};

// --- the rig: shipped catalog, engine, manual clock, notification queue -----------------

struct rig {
  tf::manual_clock clock;
  tf::notification_queue sink;
  std::unique_ptr<tf::engine> eng;

  explicit rig(timestamp start) : clock(start) {
    tf::engine_options o;
    o.time_source = &clock;
    o.sink = &sink;
    auto e = tf::engine::create(shipped(), o);
    if (!e) FAIL("engine::create: " << e.error().message());
    eng = std::move(*e);
  }

  void at(timestamp t) { REQUIRE_MESSAGE(clock.set(t), "the clock must not run back to " << stamp(t)); }

  tf::opened_ticket open(const tf::open_request& req) {
    auto o = eng->open(req);
    if (!o) FAIL("open " << req.type << " for " << req.customer_id << ": " << o.error().message());
    return *o;
  }

  tf::ticket_view act(const std::string& id, const std::string& action, const tf::actor& who,
                      const std::string& note = {}) {
    auto v = eng->act(tf::act_request{id, action, who, note, std::nullopt});
    if (!v) FAIL(stamp(clock.now()) << " " << who.id << " " << action << " on " << id << ": " << v.error().message());
    return *v;
  }

  /// act() at local time `t`.
  tf::ticket_view act_at(timestamp t, const std::string& id, const std::string& action, const tf::actor& who,
                         const std::string& note = {}) {
    at(t);
    return act(id, action, who, note);
  }

  tf::ticket_view view(const std::string& id) {
    auto v = eng->view(id);
    if (!v) FAIL("view " << id << ": " << v.error().message());
    return *v;
  }

  std::vector<tf::event> events(const std::string& id) {
    auto e = eng->events(id);
    if (!e) FAIL("events " << id << ": " << e.error().message());
    return *e;
  }

  std::vector<tf::ticket_view> queue(std::string_view unit, std::string_view region = {}) {
    auto q = eng->queue(unit, region);
    if (!q) FAIL("queue " << unit << ": " << q.error().message());
    return *q;
  }

  tf::advance_report advance(timestamp t) {
    at(t);
    auto r = eng->advance(t);
    if (!r) FAIL("advance to " << stamp(t) << ": " << r.error().message());
    return *r;
  }

  /// The trail verifies against its hash chain and replays to the live view.
  void check_integrity(const std::string& id) {
    const auto ok = eng->verify(id);
    CHECK_MESSAGE(ok.has_value(), "verify " << id << ": " << (ok ? std::string{} : ok.error().message()));
    const auto replayed = eng->replay(id);
    REQUIRE(replayed.has_value());
    const auto live = view(id);
    CHECK(*replayed == live);
    CHECK(deadlines(*replayed) == deadlines(live));
    CHECK(unit_times(*replayed) == unit_times(live));
  }
};

/// The value of an `opened` detail, or "(missing)".
std::string detail(const tf::event& e, std::string_view key) {
  const auto v = e.detail(key);
  return v ? std::string(*v) : std::string("(missing)");
}

/// A complaint request.
tf::open_request complaint(std::string customer_id, tf::attribute_values customer, tf::attribute_values fields,
                           std::string channel = "hotline_95598", std::string opened_by = "csr_01") {
  tf::open_request r;
  r.type = "complaint";
  r.channel = std::move(channel);
  r.customer_id = std::move(customer_id);
  r.customer = std::move(customer);
  r.fields = std::move(fields);
  r.description = "customer complaint";
  r.opened_by = std::move(opened_by);
  return r;
}

/// Walks an ordinary customer's complaint (T0, no handoff) from `received`
/// to `archived`, one step every 5 minutes from `start`; returns the closing
/// instant. The csr takes it on their own post.
timestamp run_t0_complaint(rig& r, const std::string& id, timestamp start) {
  const std::vector<std::pair<std::string, const tf::actor*>> steps{
      {"classify", &csr1},         {"dispatch", &csr1},      {"acknowledge", &csr1},
      {"contact_customer", &csr1}, {"start_investigation", &csr1}, {"reply", &csr1},
      {"review_passed", &supervisor}, {"callback_satisfied", &caller}, {"close", &caller},
      {"archive", &caller}};
  timestamp t = start;
  for (const auto& [action, who] : steps) {
    t += chr::minutes{5};
    r.act_at(t, id, action, *who);
  }
  const auto v = r.view(id);
  REQUIRE(v.state == "archived");
  REQUIRE(v.closed);
  return t;
}

}  // namespace

// =====================================================================================
// 1. [DOC-TELECOM-BIGCUST §4.4] flowchart: big-customer complaint → regional account manager →
//    local technical department → cannot resolve → HQ key-account desk.
// =====================================================================================

TEST_CASE("engine_flows.complaint.seed002_big_customer_tech_department_then_hq") {
  const timestamp t0 = local(2026, 11, 24, 9, 0);  // Tue
  rig r(t0);

  // A level-2 important customer in Gusu: complaint.yaml routing row 2
  // (big_customer: importance_class level2) → the Gusu regional account
  // manager's queue. Not row 1: not special/level1, priority vip (not key),
  // 10 kV < 110, 2000 kVA < 20000.
  auto req = complaint("C-GS-0001",
                       {{"region", txt("gusu")},
                        {"importance_class", txt("level2")},
                        {"priority", txt("vip")},
                        {"voltage_kv", num(10)},
                        {"capacity_kva", num(2000)}},
                       {{"complaint_class", txt("service")}});
  req.external_ref = "95598-20261124-0001";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;
  CHECK(id == "T00000001");

  CHECK(opened.routing.workflow_id == "complaint");
  CHECK(opened.routing.workflow_version == 1);
  CHECK(opened.routing.rule == "big_customer");
  CHECK(show(opened.routing.to) == "regional_account_manager/gusu/");
  CHECK(opened.routing.trace.size() == 2);  // key_big_customer (no), big_customer (yes)
  CHECK(escalations(opened.routing).empty());
  CHECK(opened.ticket.state == "received");
  CHECK(opened.ticket.tier == "regional_account_manager");
  CHECK(opened.ticket.tier_level == 1);
  CHECK(opened.ticket.owner.empty());
  CHECK(show(opened.ticket.assignee) == "regional_account_manager/gusu/");
  CHECK(opened.ticket.region == "gusu");
  CHECK(opened.ticket.external_ref == "95598-20261124-0001");
  CHECK(ids(r.queue("regional_account_manager", "gusu")) == id);
  CHECK(ids(r.queue("regional_account_manager", "wuzhong")).empty());

  // The `opened` event records the request, the derived history counts and
  // the deadline lengths chosen.
  {
    const auto ev = r.events(id);
    REQUIRE(ev.size() == 2);
    const tf::event& o = ev[0];
    CHECK(o.type == tf::event_type::opened);
    CHECK(o.actor_id == "csr_01");
    CHECK(detail(o, "type") == "complaint");
    CHECK(detail(o, "channel") == "hotline_95598");
    CHECK(detail(o, "customer") == "C-GS-0001");
    CHECK(detail(o, "region") == "gusu");
    CHECK(detail(o, "external_ref") == "95598-20261124-0001");
    CHECK(detail(o, "customer.importance_class") == "level2");
    CHECK(detail(o, "customer.voltage_kv") == "10");
    CHECK(detail(o, "customer.capacity_kva") == "2000");
    CHECK(detail(o, "customer.complaints_last_30d") == "0");
    CHECK(detail(o, "customer.faults_last_7d") == "0");
    CHECK(detail(o, "ticket.complaint_class") == "service");
    CHECK(detail(o, "deadline.contact") == "24h");
    CHECK(detail(o, "deadline.reply") == "4bd");
    CHECK(detail(o, "deadline.answer") == "5bd");
    CHECK(detail(o, "deadline.reopen_reply") == "4bd");
  }

  std::vector<tf::ticket_view> seen;  // every view after the first claim: the owner never changes

  // 09:05 the hotline agent judges "big customer: yes" and classifies: the
  // first claimer, so the owner (首問負責), but not the assignee: the ticket
  // sits with the regional account manager, a unit the csr does not work in.
  auto v = r.act_at(local(2026, 11, 24, 9, 5), id, "classify", csr1);
  CHECK(v.owner == "csr_01");
  CHECK(show(v.assignee) == "regional_account_manager/gusu/");
  seen.push_back(v);
  seen.push_back(r.act_at(local(2026, 11, 24, 9, 10), id, "dispatch", csr1));

  // 09:15 the Wuzhong manager may not take a Gusu ticket: one `denied`
  // event, nothing else changes.
  r.at(local(2026, 11, 24, 9, 15));
  const auto before = r.view(id);
  const auto refused = r.eng->act(tf::act_request{id, "acknowledge", rm_wuzhong, {}, std::nullopt});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == tf::errc::permission_denied);
  auto after = r.view(id);
  CHECK(after.version == before.version + 1);
  after.version = before.version;
  CHECK(after == before);

  // 09:20 the Gusu manager acknowledges: becomes the assignee; the owner stays.
  v = r.act_at(local(2026, 11, 24, 9, 20), id, "acknowledge", rm_gusu);
  CHECK(show(v.assignee) == "regional_account_manager/gusu/rm_gusu");
  seen.push_back(v);
  seen.push_back(r.act_at(local(2026, 11, 24, 9, 30), id, "contact_customer", rm_gusu));
  CHECK(deadline(seen.back(), "contact")->status == tf::deadline_status::met);
  seen.push_back(r.act_at(local(2026, 11, 24, 9, 40), id, "start_investigation", rm_gusu));

  // 10:00 转交當地技術部門: handed off to the technical department; the
  // ticket's tier stays T1, the team holds it.
  v = r.act_at(local(2026, 11, 24, 10, 0), id, "need_tech", rm_gusu,
               "transformer harmonics suspected; technical department to measure");
  CHECK(v.state == "tech_review");
  CHECK(show(v.assignee) == "technical_department//");
  CHECK(join(v.handoffs) == "technical_department");
  CHECK(v.tier == "regional_account_manager");
  CHECK(ids(r.queue("technical_department")) == id);
  CHECK(ids(r.queue("regional_account_manager", "gusu")).empty());
  seen.push_back(v);

  // 11:00 技術部門不能解決 → 上交總部客服中心大客戶專席: returned to the
  // Gusu manager who handed it off, and rule tech_cannot_resolve flags it
  // and escalates it to the HQ key-account desk (T1 → T3).
  v = r.act_at(local(2026, 11, 24, 11, 0), id, "tech_cannot_resolve", engineer,
               "cause is in the 110 kV supply line, beyond the branch");
  CHECK(v.state == "investigating");
  CHECK(v.handoffs.empty());
  CHECK(v.tier == "hq_key_account_desk");
  CHECK(v.tier_level == 3);
  CHECK(v.escalations == 1);
  CHECK(join(v.flags) == "hq_referral");
  CHECK(v.has_flag("hq_referral"));
  CHECK(show(v.assignee) == "hq_key_account_desk//");
  CHECK(ids(r.queue("hq_key_account_desk")) == id);
  CHECK(ids(r.queue("technical_department")).empty());
  seen.push_back(v);

  // The HQ desk replies (claims: it works in the unit the ticket is with),
  // the centre reviews, calls back, closes and archives.
  v = r.act_at(local(2026, 11, 24, 11, 30), id, "reply", hq_desk);
  CHECK(show(v.assignee) == "hq_key_account_desk//hq_01");
  seen.push_back(v);
  seen.push_back(r.act_at(local(2026, 11, 24, 11, 45), id, "review_passed", supervisor));
  seen.push_back(r.act_at(local(2026, 11, 24, 11, 50), id, "callback_satisfied", caller));
  seen.push_back(r.act_at(local(2026, 11, 24, 11, 55), id, "close", supervisor));
  CHECK(seen.back().state == "closed");
  CHECK_FALSE(seen.back().closed);  // `closed` is not terminal in complaint.yaml; `archived` is
  seen.push_back(r.act_at(local(2026, 11, 24, 11, 58), id, "archive", supervisor));

  for (const auto& s : seen) CHECK_MESSAGE(s.owner == "csr_01", "state " << s.state);

  const auto fin = r.view(id);
  CHECK(fin.state == "archived");
  CHECK(fin.closed);
  REQUIRE(fin.closed_at.has_value());
  CHECK(stamp(*fin.closed_at) == "2026-11-24 11:58:00");
  CHECK(fin.owner == "csr_01");
  CHECK(show(fin.assignee) == "hq_key_account_desk//hq_01");
  CHECK(fin.tier == "hq_key_account_desk");
  CHECK(fin.escalations == 1);
  CHECK(join(fin.flags) == "hq_referral");
  CHECK(ids(r.queue("hq_key_account_desk")).empty());

  // contact 24h from Tue 09:00; reply 4bd → Mon 11-30 09:00; answer 5bd →
  // Tue 12-01 09:00; reopen_reply never started (no reopen).
  CHECK(deadlines(fin) ==
        "contact met 24h due=2026-11-25 09:00:00\n"
        "reply met 4bd due=2026-11-30 09:00:00\n"
        "answer met 5bd due=2026-12-01 09:00:00\n"
        "reopen_reply pending 4bd due=-\n");

  // T1 09:00-10:00, technical department 10:00-11:00, then (after a zero-length
  // stop back at T1) the HQ desk 11:00-11:58; all office hours.
  CHECK(unit_times(fin) ==
        "regional_account_manager 3600/3600\n"
        "technical_department 3600/3600\n"
        "hq_key_account_desk 3480/3480\n");

  CHECK(trail(r.events(id)) ==
        "2026-11-24 09:00:00 csr_01 opened\n"
        "2026-11-24 09:00:00 csr_01 routed kind=open rule=big_customer unit=regional_account_manager region=gusu"
        " in.customer.importance_class=level2 in.customer.load_grade=(absent) in.customer.high_risk=(absent)"
        " in.customer.voltage_kv=10 in.customer.capacity_kva=2000\n"
        "2026-11-24 09:05:00 csr_01 accepted person=csr_01 owner=true assignee=false\n"
        "2026-11-24 09:05:00 csr_01 transitioned action=classify from=received to=classified\n"
        "2026-11-24 09:10:00 csr_01 transitioned action=dispatch from=classified to=dispatched\n"
        "2026-11-24 09:15:00 rm_wuzhong denied action=acknowledge code=permission_denied\n"
        "2026-11-24 09:20:00 rm_gusu accepted person=rm_gusu owner=false assignee=true\n"
        "2026-11-24 09:20:00 rm_gusu transitioned action=acknowledge from=dispatched to=acknowledged\n"
        "2026-11-24 09:30:00 rm_gusu transitioned action=contact_customer from=acknowledged to=customer_contacted\n"
        "2026-11-24 09:40:00 rm_gusu transitioned action=start_investigation from=customer_contacted to=investigating\n"
        "2026-11-24 10:00:00 rm_gusu transitioned action=need_tech from=investigating to=tech_review"
        " note=transformer harmonics suspected; technical department to measure\n"
        "2026-11-24 10:00:00 rm_gusu handed_off action=need_tech from_unit=regional_account_manager"
        " to_unit=technical_department region=\n"
        "2026-11-24 10:00:00 rm_gusu notified to=owner unit=technical_department region= person=csr_01"
        " reason=handed_off\n"
        "2026-11-24 11:00:00 tech_01 transitioned action=tech_cannot_resolve from=tech_review to=investigating"
        " note=cause is in the 110 kV supply line, beyond the branch\n"
        "2026-11-24 11:00:00 tech_01 returned action=tech_cannot_resolve kind=handoff"
        " from_unit=technical_department to_unit=regional_account_manager region=gusu person=rm_gusu\n"
        "2026-11-24 11:00:00 tech_01 noted rule=tech_cannot_resolve flag=hq_referral\n"
        "2026-11-24 11:00:00 tech_01 escalated rule=tech_cannot_resolve from_tier=regional_account_manager"
        " to_tier=hq_key_account_desk region=\n"
        "2026-11-24 11:00:00 tech_01 notified to=owner unit=hq_key_account_desk region= person=csr_01"
        " reason=escalated\n"
        "2026-11-24 11:30:00 hq_01 accepted person=hq_01 owner=false assignee=true\n"
        "2026-11-24 11:30:00 hq_01 transitioned action=reply from=investigating to=handler_replied\n"
        "2026-11-24 11:45:00 sup_01 transitioned action=review_passed from=handler_replied to=reviewed\n"
        "2026-11-24 11:50:00 cb_01 transitioned action=callback_satisfied from=reviewed to=callback_done\n"
        "2026-11-24 11:55:00 sup_01 transitioned action=close from=callback_done to=closed\n"
        "2026-11-24 11:58:00 sup_01 transitioned action=archive from=closed to=archived\n"
        "2026-11-24 11:58:00 sup_01 closed state=archived\n");

  // The owner heard of the handoff and of the escalation, nothing else.
  CHECK(show(r.sink.drain()) ==
        "T00000001 2026-11-24 10:00:00 owner csr_01 technical_department/ handed_off\n"
        "T00000001 2026-11-24 11:00:00 owner csr_01 hq_key_account_desk/ escalated\n");
  CHECK(r.eng->stats().notifications == 2);
  CHECK(r.eng->stats().denied == 1);

  const auto rec = r.eng->customer_record("C-GS-0001");
  REQUIRE(rec.has_value());
  CHECK(ids(rec->tickets) == id);
  CHECK(rec->events.size() == r.events(id).size());

  r.check_integrity(id);
}

// =====================================================================================
// 2. Fault repair (fault_repair.yaml, 24x7): crew handoff, arrival and
//    restoration commitments, breach rules fired by advance().
// =====================================================================================

TEST_CASE("engine_flows.fault_repair.urban_arrival_missed_restoration_met") {
  // Saturday night: the `always` calendar counts every minute.
  rig r(local(2026, 11, 28, 22, 0));
  tf::open_request req;
  req.type = "fault_repair";
  req.channel = "hotline_95598";
  req.customer_id = "C-WZ-0042";
  req.customer = {{"region", txt("wuzhong")}, {"area_type", txt("urban")}, {"usage_category", txt("residential")}};
  req.fields = {{"outage_scope", txt("single_customer")}};
  req.description = "no power in the flat";
  req.opened_by = "csr_01";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;

  // No open rule applies (ordinary, single customer, no recent fault).
  CHECK(opened.routing.rule == "everyone_else");
  CHECK(escalations(opened.routing).empty());
  {
    const auto ev = r.events(id);
    CHECK(detail(ev[0], "deadline.arrival") == "45m");
    CHECK(detail(ev[0], "deadline.restoration") == "3h");
  }
  // arrival: 45 min from receipt; restoration waits for arrived_on_site; the
  // received step limit is 3 min.
  CHECK(deadlines(opened.ticket) ==
        "arrival running 45m due=2026-11-28 22:45:00 left=2700\n"
        "restoration pending 3h due=-\n"
        "step running 3m due=2026-11-28 22:03:00 left=180\n");

  r.act_at(local(2026, 11, 28, 22, 1), id, "triage", csr1);
  auto v = r.act_at(local(2026, 11, 28, 22, 2), id, "dispatch", dispatcher);
  CHECK(v.state == "dispatched");
  CHECK(show(v.assignee) == "repair_crew/wuzhong/");  // the crews of the customer's region
  CHECK(join(v.handoffs) == "repair_crew");
  CHECK(v.tier == "customer_service_center");
  CHECK(ids(r.queue("repair_crew", "wuzhong")) == id);

  // A Gusu crew may not take a Wuzhong order.
  r.at(local(2026, 11, 28, 22, 3));
  const auto refused = r.eng->act(tf::act_request{id, "crew_acknowledge", crew_gusu, {}, std::nullopt});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == tf::errc::permission_denied);

  v = r.act_at(local(2026, 11, 28, 22, 4), id, "crew_acknowledge", crew_wuzhong);
  CHECK(show(v.assignee) == "repair_crew/wuzhong/crew_wz_1");
  CHECK(v.owner == "csr_01");
  r.act_at(local(2026, 11, 28, 22, 5), id, "depart", crew_wuzhong);

  // At 22:05 the arrival is due within the hour.
  CHECK(ids(*r.eng->at_risk(chr::hours{1})) == id);
  CHECK(ids(*r.eng->overdue()).empty());

  // 22:50, crew still on the road: advance() fires the 50/75/90 % warnings
  // (22:22:30, 22:33:45, 22:40:30: 1350, 2025, 2430 of 2700 s) and the
  // breach at 22:45, each stamped with its due instant.
  const std::size_t mark = r.events(id).size();
  auto rep = r.advance(local(2026, 11, 28, 22, 50));
  CHECK(rep.fired == 4);
  CHECK(rep.tickets == 1);
  v = r.view(id);
  CHECK(v.overdue());
  CHECK(ids(*r.eng->overdue()) == id);
  CHECK(deadline(v, "arrival")->status == tf::deadline_status::running);
  CHECK(deadline(v, "arrival")->breached);
  CHECK(deadline(v, "arrival")->remaining_seconds == -300);
  CHECK(join(v.flags) == "arrival_overdue,urged");

  // 23:35: +100 % of the 45 min (22:45 + 45 min = 23:30) → arrival_double_urban.
  rep = r.advance(local(2026, 11, 28, 23, 35));
  CHECK(rep.fired == 1);
  CHECK(rep.tickets == 1);
  // Nothing more is due before the crew arrives.
  CHECK(r.advance(local(2026, 11, 28, 23, 38)).fired == 0);

  v = r.act_at(local(2026, 11, 28, 23, 40), id, "arrive", crew_wuzhong);
  CHECK(deadline(v, "arrival")->status == tf::deadline_status::missed);
  CHECK(deadline(v, "restoration")->status == tf::deadline_status::running);
  r.act_at(local(2026, 11, 28, 23, 45), id, "start_repair", crew_wuzhong);
  v = r.act_at(local(2026, 11, 29, 0, 50), id, "restore", crew_wuzhong);
  CHECK(deadline(v, "restoration")->status == tf::deadline_status::met);
  v = r.act_at(local(2026, 11, 29, 1, 0), id, "report_restored", crew_wuzhong, "fuse replaced at the meter box");
  CHECK(v.state == "handler_replied");
  CHECK(v.handoffs.empty());
  CHECK(show(v.assignee) == "customer_service_center//csr_01");  // back to who handed it off
  r.act_at(local(2026, 11, 29, 9, 0), id, "callback_satisfied", caller);
  v = r.act_at(local(2026, 11, 29, 9, 10), id, "archive", caller);
  CHECK(v.closed);
  CHECK(v.owner == "csr_01");
  CHECK(v.escalations == 0);
  CHECK(join(v.flags) == "arrival_overdue,arrival_overdue_2x,urged");

  // arrival missed (arrived 23:40, due 22:45); restoration 3h from 23:40 →
  // 02:40, met at 00:50.
  CHECK(deadlines(r.view(id)) ==
        "arrival missed 45m due=2026-11-28 22:45:00 breached\n"
        "restoration met 3h due=2026-11-29 02:40:00\n");
  // Centre 22:00-22:02 and 01:00-09:10, the crew 22:02-01:00 (24x7: working = wall).
  CHECK(unit_times(r.view(id)) ==
        "customer_service_center 29520/29520\n"
        "repair_crew 10680/10680\n");

  CHECK(trail(r.events(id), mark) ==
        "2026-11-28 22:22:30 system deadline_warned deadline=arrival percent=50\n"
        "2026-11-28 22:22:30 system notified to=assignee unit=repair_crew region=wuzhong person=crew_wz_1"
        " reason=arrival_l1\n"
        "2026-11-28 22:33:45 system deadline_warned deadline=arrival percent=75\n"
        "2026-11-28 22:33:45 system notified to=assignee unit=repair_crew region=wuzhong person=crew_wz_1"
        " reason=arrival_l2\n"
        "2026-11-28 22:33:45 system notified to=team unit=task_dispatcher region= person= reason=arrival_l2\n"
        "2026-11-28 22:40:30 system deadline_warned deadline=arrival percent=90\n"
        "2026-11-28 22:40:30 system noted rule=arrival_l3 flag=urged\n"
        "2026-11-28 22:40:30 system notified to=assignee unit=repair_crew region=wuzhong person=crew_wz_1"
        " reason=arrival_l3\n"
        "2026-11-28 22:40:30 system notified to=team unit=task_dispatcher region= person= reason=arrival_l3\n"
        "2026-11-28 22:40:30 system notified to=owner unit=repair_crew region=wuzhong person=csr_01"
        " reason=arrival_l3\n"
        "2026-11-28 22:45:00 system deadline_breached deadline=arrival\n"
        "2026-11-28 22:45:00 system noted rule=arrival_breach flag=arrival_overdue\n"
        "2026-11-28 22:45:00 system notified to=team unit=task_dispatcher region= person= reason=arrival_breach\n"
        "2026-11-28 22:45:00 system notified to=owner unit=repair_crew region=wuzhong person=csr_01"
        " reason=arrival_breach\n"
        "2026-11-28 23:30:00 system deadline_breached deadline=arrival after=45m\n"
        "2026-11-28 23:30:00 system noted rule=arrival_double_urban flag=arrival_overdue_2x\n"
        "2026-11-28 23:30:00 system notified to=tier unit=enterprise_account_manager region= person="
        " reason=arrival_double_urban\n"
        "2026-11-28 23:30:00 system notified to=team unit=task_dispatcher region= person="
        " reason=arrival_double_urban\n"
        "2026-11-28 23:40:00 crew_wz_1 transitioned action=arrive from=en_route to=arrived_on_site\n"
        "2026-11-28 23:45:00 crew_wz_1 transitioned action=start_repair from=arrived_on_site to=repairing\n"
        "2026-11-29 00:50:00 crew_wz_1 transitioned action=restore from=repairing to=power_restored\n"
        "2026-11-29 01:00:00 crew_wz_1 transitioned action=report_restored from=power_restored"
        " to=handler_replied note=fuse replaced at the meter box\n"
        "2026-11-29 01:00:00 crew_wz_1 returned action=report_restored kind=handoff from_unit=repair_crew"
        " to_unit=customer_service_center region= person=csr_01\n"
        "2026-11-29 09:00:00 cb_01 transitioned action=callback_satisfied from=handler_replied to=callback_done\n"
        "2026-11-29 09:10:00 cb_01 transitioned action=archive from=callback_done to=archived\n"
        "2026-11-29 09:10:00 cb_01 closed state=archived\n");
  CHECK(trail(r.events(id), 0, mark) ==
        "2026-11-28 22:00:00 csr_01 opened\n"
        "2026-11-28 22:00:00 csr_01 routed kind=open rule=everyone_else unit=customer_service_center\n"
        "2026-11-28 22:01:00 csr_01 accepted person=csr_01 owner=true assignee=true\n"
        "2026-11-28 22:01:00 csr_01 transitioned action=triage from=received to=triaged\n"
        "2026-11-28 22:02:00 disp_01 transitioned action=dispatch from=triaged to=dispatched\n"
        "2026-11-28 22:02:00 disp_01 handed_off action=dispatch from_unit=customer_service_center"
        " to_unit=repair_crew region=wuzhong\n"
        "2026-11-28 22:02:00 disp_01 notified to=owner unit=repair_crew region=wuzhong person=csr_01"
        " reason=handed_off\n"
        "2026-11-28 22:03:00 crew_gs_1 denied action=crew_acknowledge code=permission_denied\n"
        "2026-11-28 22:04:00 crew_wz_1 accepted person=crew_wz_1 owner=false assignee=true\n"
        "2026-11-28 22:04:00 crew_wz_1 transitioned action=crew_acknowledge from=dispatched"
        " to=crew_acknowledged\n"
        "2026-11-28 22:05:00 crew_wz_1 transitioned action=depart from=crew_acknowledged to=en_route\n");

  CHECK(show(r.sink.drain()) ==
        "T00000001 2026-11-28 22:02:00 owner csr_01 repair_crew/wuzhong handed_off\n"
        "T00000001 2026-11-28 22:22:30 assignee crew_wz_1 repair_crew/wuzhong arrival_l1\n"
        "T00000001 2026-11-28 22:33:45 assignee crew_wz_1 repair_crew/wuzhong arrival_l2\n"
        "T00000001 2026-11-28 22:33:45 team  task_dispatcher/ arrival_l2\n"
        "T00000001 2026-11-28 22:40:30 assignee crew_wz_1 repair_crew/wuzhong arrival_l3\n"
        "T00000001 2026-11-28 22:40:30 team  task_dispatcher/ arrival_l3\n"
        "T00000001 2026-11-28 22:40:30 owner csr_01 repair_crew/wuzhong arrival_l3\n"
        "T00000001 2026-11-28 22:45:00 team  task_dispatcher/ arrival_breach\n"
        "T00000001 2026-11-28 22:45:00 owner csr_01 repair_crew/wuzhong arrival_breach\n"
        "T00000001 2026-11-28 23:30:00 tier  enterprise_account_manager/ arrival_double_urban\n"
        "T00000001 2026-11-28 23:30:00 team  task_dispatcher/ arrival_double_urban\n");
  CHECK(r.eng->stats().timers_fired == 5);

  r.check_integrity(id);
}

TEST_CASE("engine_flows.fault_repair.rural_arrival_met_restoration_missed") {
  rig r(local(2026, 11, 30, 14, 0));  // Mon
  tf::open_request req;
  req.type = "fault_repair";
  req.channel = "online_app";
  req.customer_id = "C-CS-0007";
  req.customer = {{"region", txt("changshu")}, {"area_type", txt("rural")}, {"usage_category", txt("agricultural")}};
  req.description = "pump station without power";
  req.opened_by = "csr_01";
  const std::string id = r.open(req).ticket.id;
  CHECK(deadlines(r.view(id)) ==
        "arrival running 90m due=2026-11-30 15:30:00 left=5400\n"
        "restoration pending 4h due=-\n"
        "step running 3m due=2026-11-30 14:03:00 left=180\n");

  r.act_at(local(2026, 11, 30, 14, 1), id, "triage", csr1);
  r.act_at(local(2026, 11, 30, 14, 2), id, "dispatch", dispatcher);
  r.act_at(local(2026, 11, 30, 14, 3), id, "crew_acknowledge", crew_changshu);
  r.act_at(local(2026, 11, 30, 14, 4), id, "depart", crew_changshu);
  // 40 min after receipt: within the rural 90 min, before its 50 % warning (14:45).
  auto v = r.act_at(local(2026, 11, 30, 14, 40), id, "arrive", crew_changshu);
  CHECK(deadline(v, "arrival")->status == tf::deadline_status::met);
  CHECK_FALSE(deadline(v, "arrival")->breached);
  CHECK(show(*deadline(v, "restoration")) == "restoration running 4h due=2026-11-30 18:40:00 left=14400");
  r.act_at(local(2026, 11, 30, 14, 45), id, "start_repair", crew_changshu);

  // 18:50, still repairing: warnings at 16:40, 17:40, 18:16 and the breach at 18:40.
  const std::size_t mark = r.events(id).size();
  const auto rep = r.advance(local(2026, 11, 30, 18, 50));
  CHECK(rep.fired == 4);
  CHECK(rep.tickets == 1);
  CHECK(ids(*r.eng->overdue()) == id);
  CHECK(trail(r.events(id), mark) ==
        "2026-11-30 16:40:00 system deadline_warned deadline=restoration percent=50\n"
        "2026-11-30 16:40:00 system notified to=assignee unit=repair_crew region=changshu person=crew_cs_1"
        " reason=restoration_l1\n"
        "2026-11-30 17:40:00 system deadline_warned deadline=restoration percent=75\n"
        "2026-11-30 17:40:00 system notified to=assignee unit=repair_crew region=changshu person=crew_cs_1"
        " reason=restoration_l2\n"
        "2026-11-30 17:40:00 system notified to=team unit=task_dispatcher region= person= reason=restoration_l2\n"
        "2026-11-30 18:16:00 system deadline_warned deadline=restoration percent=90\n"
        "2026-11-30 18:16:00 system noted rule=restoration_l3 flag=urged\n"
        "2026-11-30 18:16:00 system notified to=assignee unit=repair_crew region=changshu person=crew_cs_1"
        " reason=restoration_l3\n"
        "2026-11-30 18:16:00 system notified to=team unit=task_dispatcher region= person= reason=restoration_l3\n"
        "2026-11-30 18:16:00 system notified to=owner unit=repair_crew region=changshu person=csr_01"
        " reason=restoration_l3\n"
        "2026-11-30 18:40:00 system deadline_breached deadline=restoration\n"
        "2026-11-30 18:40:00 system noted rule=restoration_breach flag=restoration_overdue\n"
        "2026-11-30 18:40:00 system notified to=team unit=task_dispatcher region= person="
        " reason=restoration_breach\n"
        "2026-11-30 18:40:00 system notified to=owner unit=repair_crew region=changshu person=csr_01"
        " reason=restoration_breach\n");

  v = r.act_at(local(2026, 11, 30, 19, 0), id, "restore", crew_changshu);
  r.act_at(local(2026, 11, 30, 19, 10), id, "report_restored", crew_changshu, "broken insulator replaced");
  r.act_at(local(2026, 11, 30, 19, 30), id, "callback_satisfied", caller);
  v = r.act_at(local(2026, 11, 30, 19, 40), id, "archive", caller);
  CHECK(v.closed);
  CHECK(join(v.flags) == "restoration_overdue,urged");
  CHECK(deadlines(v) ==
        "arrival met 90m due=2026-11-30 15:30:00\n"
        "restoration missed 4h due=2026-11-30 18:40:00 breached\n");
  r.check_integrity(id);
}

// =====================================================================================
// 3. Business expansion (business_expansion.yaml): the supplier-side clock
//    stops while the customer works.
// =====================================================================================

TEST_CASE("engine_flows.business_expansion.lv_clock_paused_during_customer_works") {
  const timestamp t0 = local(2026, 11, 24, 9, 0);  // Tue
  rig r(t0);
  tf::open_request req;
  req.type = "business_expansion";
  req.channel = "business_hall";
  req.customer_id = "C-HQ-0100";
  req.customer = {{"region", txt("huqiu")}, {"importance_class", txt("none")},
                  {"usage_category", txt("commercial_industrial")}};
  req.fields = {{"application_kind", txt("new_connection")}, {"voltage_path", txt("lv")},
                {"residential", no()}, {"requested_capacity_kva", num(100)}, {"requested_voltage_kv", num(0.38)}};
  req.description = "new 100 kVA LV connection for a workshop";
  req.opened_by = "csr_01";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;
  // LV, 100 kVA, not important: routing row 3 (T0).
  CHECK(opened.routing.rule == "everyone_else");
  // supplier_side: LV non-residential 6bd → Wed 12-02 09:00; supply_plan LV
  // 2bd → Thu 11-26 09:00; received step 1bd → Wed 11-25 09:00.
  CHECK(deadlines(opened.ticket) ==
        "supplier_side running 6bd due=2026-12-02 09:00:00 left=162000\n"
        "supply_plan running 2bd due=2026-11-26 09:00:00 left=54000\n"
        "step running 1bd due=2026-11-25 09:00:00 left=27000\n");

  r.act_at(local(2026, 11, 24, 9, 10), id, "accept", csr1);
  r.act_at(local(2026, 11, 24, 9, 30), id, "request_plan", csr1);
  r.act_at(local(2026, 11, 24, 10, 30), id, "plan_drafted", engineer);
  auto v = r.act_at(local(2026, 11, 24, 10, 45), id, "reply_plan", csr1);
  CHECK(deadline(v, "supply_plan")->status == tf::deadline_status::met);

  // 11:00 the customer starts its own wiring: all clocks stop. 2 working
  // hours used (09:00-11:00): 162000 - 7200 = 154800 s left.
  v = r.act_at(local(2026, 11, 24, 11, 0), id, "lv_await_customer_works", csr1);
  CHECK(v.state == "waiting_customer_works");
  CHECK(v.paused);
  const auto* sup = deadline(v, "supplier_side");
  REQUIRE(sup != nullptr);
  CHECK(sup->status == tf::deadline_status::paused);
  CHECK_FALSE(sup->due.has_value());
  CHECK(sup->remaining_seconds == 154800);
  CHECK(v.nearest_due() == std::nullopt);
  const std::string while_paused = deadlines(v);
  CHECK(while_paused ==
        "supplier_side paused 6bd due=- left=154800\n"
        "supply_plan met 2bd due=2026-11-26 09:00:00\n");

  // Ten days later (past the original due date): nothing fired, nothing used.
  CHECK(r.advance(local(2026, 12, 4, 11, 0)).fired == 0);
  v = r.view(id);
  CHECK(v.paused);
  CHECK(deadlines(v) == while_paused);
  CHECK_FALSE(v.overdue());
  CHECK(ids(*r.eng->overdue()).empty());

  // Fri 12-04 11:00 works ready: the clocks run again. 154800 s from Fri
  // 11:00: Fri 18000, Mon-Thu 4 × 27000, Fri 12-11 27000 → 1800 s left → Mon
  // 12-14 09:00 (the old due Wed 12-02 09:00 moved by the 8 working days paused).
  v = r.act_at(local(2026, 12, 4, 11, 0), id, "lv_works_ready", csr1);
  CHECK_FALSE(v.paused);
  CHECK(show(*deadline(v, "supplier_side")) == "supplier_side running 6bd due=2026-12-14 09:00:00 left=154800");
  CHECK(show(v.assignee) == "metering_team//");

  v = r.act_at(local(2026, 12, 4, 14, 0), id, "energize", meter_tech);
  CHECK(v.state == "energized");
  CHECK(show(*deadline(v, "supplier_side")) == "supplier_side met 6bd due=2026-12-14 09:00:00");
  r.act_at(local(2026, 12, 4, 14, 30), id, "record_callback", caller, "customer satisfied with the connection");
  v = r.act_at(local(2026, 12, 4, 15, 0), id, "archive", caller);
  CHECK(v.closed);
  CHECK(v.owner == "csr_01");

  // The pause and the resumption are in the trail, at the right instants.
  std::string clock_events;
  for (const auto& e : r.events(id))
    if (e.type == tf::event_type::paused || e.type == tf::event_type::resumed) clock_events += line(e) + "\n";
  CHECK(clock_events ==
        "2026-11-24 11:00:00 csr_01 paused state=waiting_customer_works\n"
        "2026-12-04 11:00:00 csr_01 resumed state=meter_install_and_energize\n");
  CHECK(trail(r.events(id)).find(
            "2026-12-04 11:00:00 csr_01 transitioned action=lv_works_ready from=waiting_customer_works"
            " to=meter_install_and_energize\n"
            "2026-12-04 11:00:00 csr_01 handed_off action=lv_works_ready from_unit=customer_service_center"
            " to_unit=metering_team region=\n"
            "2026-12-04 11:00:00 csr_01 notified to=owner unit=metering_team region= person=csr_01"
            " reason=handed_off\n"
            "2026-12-04 11:00:00 csr_01 resumed state=meter_install_and_energize\n") != std::string::npos);
  r.check_integrity(id);
}

TEST_CASE("engine_flows.business_expansion.hv_important_six_customer_waits") {
  rig r(local(2026, 11, 24, 9, 0));  // Tue
  tf::open_request req;
  req.type = "business_expansion";
  req.channel = "account_manager_direct";
  req.customer_id = "C-GS-0200";
  req.customer = {{"region", txt("gusu")}, {"importance_class", txt("level2")}, {"voltage_kv", num(10)},
                  {"capacity_kva", num(800)}};
  req.fields = {{"application_kind", txt("capacity_increase")}, {"voltage_path", txt("hv")},
                {"supply_sources", txt("single")}, {"requested_capacity_kva", num(1250)},
                {"requested_voltage_kv", num(10)}};
  req.description = "capacity increase 800 → 1250 kVA, 10 kV";
  req.opened_by = "rm_gusu";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;
  CHECK(opened.routing.rule == "big_customer_or_hv");
  CHECK(show(opened.routing.to) == "regional_account_manager/gusu/");
  // HV single source: 22bd → Thu 12-24 09:00 (no holiday in between);
  // supply plan 10bd → Tue 12-08 09:00.
  CHECK(deadlines(opened.ticket) ==
        "supplier_side running 22bd due=2026-12-24 09:00:00 left=594000\n"
        "supply_plan running 10bd due=2026-12-08 09:00:00 left=270000\n"
        "step running 1bd due=2026-11-25 09:00:00 left=27000\n");

  const auto supplier = [&](const tf::ticket_view& tv) { return show(*deadline(tv, "supplier_side")); };

  r.act_at(local(2026, 11, 24, 9, 10), id, "accept", rm_gusu);
  r.act_at(local(2026, 11, 24, 9, 20), id, "request_plan", rm_gusu);
  r.act_at(local(2026, 11, 24, 10, 0), id, "plan_drafted", engineer);
  r.act_at(local(2026, 11, 24, 10, 10), id, "reply_plan", rm_gusu);
  // Wait 1: the customer designs its works. Used 09:00-10:20 = 4800 s.
  auto v = r.act_at(local(2026, 11, 24, 10, 20), id, "hv_important_await_design", rm_gusu);
  CHECK(v.paused);
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=589200");
  CHECK(show(*deadline(v, "supply_plan")) == "supply_plan met 10bd due=2026-12-08 09:00:00");
  CHECK(r.advance(local(2026, 12, 4, 10, 20)).fired == 0);  // 10 days later
  CHECK(supplier(r.view(id)) == "supplier_side paused 22bd due=- left=589200");

  // Resume Fri 12-04 10:20: 589200 s = 21 days + 22200 s → Tue 2027-01-05
  // 10:20 (2027-01-01 is a holiday) + 22200 s → Wed 2027-01-06 09:00.
  v = r.act_at(local(2026, 12, 4, 10, 20), id, "design_submitted", rm_gusu);
  CHECK_FALSE(v.paused);
  CHECK(supplier(v) == "supplier_side running 22bd due=2027-01-06 09:00:00 left=589200");
  // Wait 2: construction. Used 10:20-11:00 = 2400 s more.
  v = r.act_at(local(2026, 12, 4, 11, 0), id, "design_approved", engineer);
  CHECK(v.state == "waiting_customer_construction");
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=586800");
  CHECK(r.advance(local(2026, 12, 14, 11, 0)).fired == 0);
  CHECK(supplier(r.view(id)) == "supplier_side paused 22bd due=- left=586800");

  r.act_at(local(2026, 12, 14, 11, 0), id, "request_interim_inspection", rm_gusu);
  // Wait 3: completion of the works. 1800 s more.
  v = r.act_at(local(2026, 12, 14, 11, 30), id, "interim_passed", engineer);
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=585000");
  r.act_at(local(2026, 12, 16, 9, 0), id, "request_completion_inspection", rm_gusu);
  // Wait 4: rectification after the first failed inspection. 1800 s more.
  v = r.act_at(local(2026, 12, 16, 9, 30), id, "inspection_failed", engineer, "earthing resistance too high");
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=583200");
  CHECK_FALSE(v.has_flag("repeated_inspection_failure"));
  r.act_at(local(2026, 12, 17, 9, 0), id, "rectified", rm_gusu);
  // Wait 5: failed again → rule inspection_failed_twice (ticket.times ≥ 2).
  v = r.act_at(local(2026, 12, 17, 9, 30), id, "inspection_failed", engineer, "relay settings wrong");
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=581400");
  CHECK(join(v.flags) == "repeated_inspection_failure");
  r.act_at(local(2026, 12, 18, 9, 0), id, "rectified", rm_gusu);
  // Wait 6: contract and fees (the customer's part).
  v = r.act_at(local(2026, 12, 18, 9, 30), id, "inspection_passed", engineer);
  CHECK(v.state == "contract_and_fees");
  CHECK(supplier(v) == "supplier_side paused 22bd due=- left=579600");
  // Resume Mon 12-21 09:00: 579600 s = 21 days + 12600 s → Wed 2027-01-20
  // 09:00 + 12600 s (10800 before lunch, 1800 after) → 14:00.
  v = r.act_at(local(2026, 12, 21, 9, 0), id, "contract_signed_and_paid", rm_gusu);
  CHECK(supplier(v) == "supplier_side running 22bd due=2027-01-20 14:00:00 left=579600");
  CHECK(show(v.assignee) == "metering_team//");
  v = r.act_at(local(2026, 12, 21, 10, 0), id, "energize", meter_tech);
  CHECK(supplier(v) == "supplier_side met 22bd due=2027-01-20 14:00:00");
  CHECK(show(v.assignee) == "regional_account_manager/gusu/rm_gusu");
  r.act_at(local(2026, 12, 21, 10, 30), id, "record_callback", rm_gusu, "energised on time, customer satisfied");
  v = r.act_at(local(2026, 12, 21, 10, 40), id, "archive", rm_gusu);
  CHECK(v.closed);
  CHECK(v.owner == "rm_gusu");
  CHECK(v.escalations == 0);

  std::string clock_events;
  for (const auto& e : r.events(id))
    if (e.type == tf::event_type::paused || e.type == tf::event_type::resumed) clock_events += line(e) + "\n";
  CHECK(clock_events ==
        "2026-11-24 10:20:00 rm_gusu paused state=waiting_customer_design\n"
        "2026-12-04 10:20:00 rm_gusu resumed state=design_review\n"
        "2026-12-04 11:00:00 tech_01 paused state=waiting_customer_construction\n"
        "2026-12-14 11:00:00 rm_gusu resumed state=interim_inspection\n"
        "2026-12-14 11:30:00 tech_01 paused state=waiting_customer_completion\n"
        "2026-12-16 09:00:00 rm_gusu resumed state=completion_inspection\n"
        "2026-12-16 09:30:00 tech_01 paused state=waiting_customer_rectification\n"
        "2026-12-17 09:00:00 rm_gusu resumed state=completion_inspection\n"
        "2026-12-17 09:30:00 tech_01 paused state=waiting_customer_rectification\n"
        "2026-12-18 09:00:00 rm_gusu resumed state=completion_inspection\n"
        "2026-12-18 09:30:00 tech_01 paused state=contract_and_fees\n"
        "2026-12-21 09:00:00 rm_gusu resumed state=meter_install_and_energize\n");

  // Every handoff told the owner; the metering team joins each (re)inspection;
  // the second failure brings in the Gusu account-manager queue and the owner.
  CHECK(show(r.sink.drain()) ==
        "T00000001 2026-11-24 09:20:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-04 10:20:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-14 11:00:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-16 09:00:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-16 09:00:00 team  metering_team/ metering_joins_inspection\n"
        "T00000001 2026-12-17 09:00:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-17 09:00:00 team  metering_team/ metering_joins_reinspection\n"
        "T00000001 2026-12-17 09:30:00 tier  regional_account_manager/gusu inspection_failed_twice\n"
        "T00000001 2026-12-17 09:30:00 owner rm_gusu regional_account_manager/gusu inspection_failed_twice\n"
        "T00000001 2026-12-18 09:00:00 owner rm_gusu technical_department/ handed_off\n"
        "T00000001 2026-12-18 09:00:00 team  metering_team/ metering_joins_reinspection\n"
        "T00000001 2026-12-21 09:00:00 owner rm_gusu metering_team/ handed_off\n");
  r.check_integrity(id);
}

// =====================================================================================
// 4. Bill callback (bill_callback.yaml): bill error → billing → tracked until
//    the customer is satisfied; the second unsatisfied answer goes to T2.
// =====================================================================================

TEST_CASE("engine_flows.bill_callback.bill_error_tracked_until_satisfied") {
  rig r(local(2026, 11, 25, 9, 0));  // Wed
  tf::open_request req;
  req.type = "bill_callback";
  req.channel = "proactive";
  req.customer_id = "C-XC-0300";
  req.customer = {{"region", txt("xiangcheng")}, {"usage_category", txt("commercial_industrial")}};
  req.fields = {{"callback_method", txt("phone")}, {"plan_cadence", txt("monthly")}};
  req.description = "monthly bill callback";
  req.opened_by = "mkt_01";
  const auto opened = r.open(req);
  const std::string id = opened.ticket.id;
  CHECK(opened.routing.rule == "everyone_else");
  CHECK(deadlines(opened.ticket) ==
        "meter_fix pending 5bd due=-\n"
        "commitment pending 5bd due=-\n");

  r.act_at(local(2026, 11, 25, 9, 5), id, "start_contact", caller);
  r.act_at(local(2026, 11, 25, 9, 10), id, "no_answer", caller, "no answer");
  r.act_at(local(2026, 11, 25, 9, 30), id, "reached", caller);
  r.act_at(local(2026, 11, 25, 9, 40), id, "issue_found", caller, "bill amount wrong: meter reading doubled");
  auto v = r.act_at(local(2026, 11, 25, 10, 0), id, "assign_billing", marketing);
  CHECK(show(v.assignee) == "billing//");
  CHECK(join(v.handoffs) == "billing");
  v = r.act_at(local(2026, 11, 25, 10, 30), id, "start_investigation", billing_clerk);
  CHECK(show(v.assignee) == "billing//bill_01");
  CHECK(v.owner == "cb_01");
  // Loop 1: a committed fix. The commitment clock starts now: 5bd → Wed 12-02 11:00.
  v = r.act_at(local(2026, 11, 25, 11, 0), id, "give_commitment", billing_clerk, "re-billing within 3 days");
  CHECK(show(*deadline(v, "commitment")) == "commitment running 5bd due=2026-12-02 11:00:00 left=135000");
  v = r.act_at(local(2026, 11, 27, 10, 0), id, "inform_customer", marketing, "corrected bill issued");
  CHECK(show(*deadline(v, "commitment")) == "commitment met 5bd due=2026-12-02 11:00:00");
  v = r.act_at(local(2026, 11, 27, 10, 30), id, "customer_unsatisfied", caller, "late-payment fee not refunded");
  CHECK(v.state == "investigating");
  CHECK(show(v.assignee) == "billing//bill_01");  // the department keeps it
  CHECK(v.tier == "customer_service_center");
  CHECK(join(v.flags) == "unsatisfied");
  // Loop 2: resolved at once, still unsatisfied → ticket.times.customer_unsatisfied
  // = 2 → rule unsatisfied_twice: T0 → T2 while billing keeps the work.
  r.act_at(local(2026, 11, 27, 14, 0), id, "resolve_immediately", billing_clerk, "fee refunded");
  r.act_at(local(2026, 11, 27, 15, 0), id, "inform_customer", caller);
  v = r.act_at(local(2026, 11, 27, 15, 30), id, "customer_unsatisfied", caller, "wants a written apology");
  CHECK(v.tier == "enterprise_account_manager");
  CHECK(v.tier_level == 2);
  CHECK(v.escalations == 1);
  CHECK(show(v.assignee) == "billing//bill_01");
  CHECK(join(v.handoffs) == "billing");
  CHECK(join(v.flags) == "unsatisfied,unsatisfied_repeatedly");
  // Loop 3: the enterprise manager closes the loop in person.
  r.act_at(local(2026, 11, 27, 16, 0), id, "resolve_immediately", billing_clerk, "apology letter sent");
  r.act_at(local(2026, 11, 27, 16, 30), id, "inform_customer", enterprise);
  v = r.act_at(local(2026, 11, 27, 17, 0), id, "customer_satisfied", enterprise);
  CHECK(v.state == "closed");
  CHECK(v.closed);
  CHECK(v.handoffs.empty());
  // Back from billing to the ticket's home, which moved up to T2 meanwhile.
  CHECK(show(v.assignee) == "enterprise_account_manager//");
  CHECK(v.owner == "cb_01");
  CHECK(deadlines(v) ==
        "meter_fix pending 5bd due=-\n"
        "commitment met 5bd due=2026-12-02 11:00:00\n");
  // Centre Wed 09:00-10:00; billing Wed 10:00 - Fri 17:00: 55 h wall, working
  // 21600 (Wed) + 27000 (Thu) + 25200 (Fri to 17:00).
  const std::string times = unit_times(v);
  CHECK(times.find("customer_service_center 3600/3600\n") != std::string::npos);
  CHECK(times.find("billing 198000/73800\n") != std::string::npos);

  CHECK(trail(r.events(id), 2) ==
        "2026-11-25 09:05:00 cb_01 accepted person=cb_01 owner=true assignee=true\n"
        "2026-11-25 09:05:00 cb_01 transitioned action=start_contact from=planned to=contact_attempt_1\n"
        "2026-11-25 09:10:00 cb_01 transitioned action=no_answer from=contact_attempt_1 to=contact_attempt_2"
        " note=no answer\n"
        "2026-11-25 09:30:00 cb_01 transitioned action=reached from=contact_attempt_2 to=feedback_recorded\n"
        "2026-11-25 09:40:00 cb_01 transitioned action=issue_found from=feedback_recorded to=classified"
        " note=bill amount wrong: meter reading doubled\n"
        "2026-11-25 10:00:00 mkt_01 transitioned action=assign_billing from=classified"
        " to=assigned_to_responsible_dept\n"
        "2026-11-25 10:00:00 mkt_01 handed_off action=assign_billing from_unit=customer_service_center"
        " to_unit=billing region=\n"
        "2026-11-25 10:00:00 mkt_01 notified to=owner unit=billing region= person=cb_01 reason=handed_off\n"
        "2026-11-25 10:30:00 bill_01 accepted person=bill_01 owner=false assignee=true\n"
        "2026-11-25 10:30:00 bill_01 transitioned action=start_investigation from=assigned_to_responsible_dept"
        " to=investigating\n"
        "2026-11-25 11:00:00 bill_01 transitioned action=give_commitment from=investigating to=commitment_given"
        " note=re-billing within 3 days\n"
        "2026-11-27 10:00:00 mkt_01 transitioned action=inform_customer from=commitment_given"
        " to=customer_informed note=corrected bill issued\n"
        "2026-11-27 10:30:00 cb_01 transitioned action=customer_unsatisfied from=customer_informed"
        " to=investigating note=late-payment fee not refunded\n"
        "2026-11-27 10:30:00 cb_01 noted rule=customer_unsatisfied flag=unsatisfied\n"
        "2026-11-27 10:30:00 cb_01 notified to=owner unit=billing region= person=cb_01"
        " reason=customer_unsatisfied\n"
        "2026-11-27 10:30:00 cb_01 notified to=team unit=marketing_department region= person="
        " reason=customer_unsatisfied\n"
        "2026-11-27 14:00:00 bill_01 transitioned action=resolve_immediately from=investigating"
        " to=resolved_immediately note=fee refunded\n"
        "2026-11-27 15:00:00 cb_01 transitioned action=inform_customer from=resolved_immediately"
        " to=customer_informed\n"
        "2026-11-27 15:30:00 cb_01 transitioned action=customer_unsatisfied from=customer_informed"
        " to=investigating note=wants a written apology\n"
        "2026-11-27 15:30:00 cb_01 noted rule=customer_unsatisfied flag=unsatisfied\n"
        "2026-11-27 15:30:00 cb_01 notified to=owner unit=billing region= person=cb_01"
        " reason=customer_unsatisfied\n"
        "2026-11-27 15:30:00 cb_01 notified to=team unit=marketing_department region= person="
        " reason=customer_unsatisfied\n"
        "2026-11-27 15:30:00 cb_01 noted rule=unsatisfied_twice flag=unsatisfied_repeatedly\n"
        "2026-11-27 15:30:00 cb_01 escalated rule=unsatisfied_twice from_tier=customer_service_center"
        " to_tier=enterprise_account_manager region=\n"
        "2026-11-27 15:30:00 cb_01 notified to=owner unit=billing region= person=cb_01 reason=escalated\n"
        "2026-11-27 16:00:00 bill_01 transitioned action=resolve_immediately from=investigating"
        " to=resolved_immediately note=apology letter sent\n"
        "2026-11-27 16:30:00 em_01 transitioned action=inform_customer from=resolved_immediately"
        " to=customer_informed\n"
        "2026-11-27 17:00:00 em_01 transitioned action=customer_satisfied from=customer_informed to=closed\n"
        "2026-11-27 17:00:00 em_01 returned action=customer_satisfied kind=handoff from_unit=billing"
        " to_unit=enterprise_account_manager region= person=\n"
        "2026-11-27 17:00:00 em_01 closed state=closed\n");

  CHECK(show(r.sink.drain()) ==
        "T00000001 2026-11-25 10:00:00 owner cb_01 billing/ handed_off\n"
        "T00000001 2026-11-27 10:30:00 owner cb_01 billing/ customer_unsatisfied\n"
        "T00000001 2026-11-27 10:30:00 team  marketing_department/ customer_unsatisfied\n"
        "T00000001 2026-11-27 15:30:00 owner cb_01 billing/ customer_unsatisfied\n"
        "T00000001 2026-11-27 15:30:00 team  marketing_department/ customer_unsatisfied\n"
        "T00000001 2026-11-27 15:30:00 owner cb_01 billing/ escalated\n");
  r.check_integrity(id);
}

// =====================================================================================
// 5. [DOC-SHAOYANG-2013 §2.5] three-level closed loop in the complaint workflow: own post →
//    centre service dispatch → cross-organisation dispatch through 95598.
// =====================================================================================

TEST_CASE("engine_flows.complaint.seed004_level1_own_post") {
  rig r(local(2026, 11, 24, 9, 0));
  const std::string id =
      r.open(complaint("C-TC-0001", {{"region", txt("taicang")}}, {{"complaint_class", txt("business")}}))
          .ticket.id;
  const timestamp closed = run_t0_complaint(r, id, local(2026, 11, 24, 9, 0));
  CHECK(stamp(closed) == "2026-11-24 09:50:00");
  const auto v = r.view(id);
  CHECK(v.owner == "csr_01");
  CHECK(show(v.assignee) == "customer_service_center//csr_01");
  CHECK(v.tier == "customer_service_center");
  CHECK(v.escalations == 0);
  CHECK(v.handoffs.empty());
  CHECK(v.flags.empty());
  // One claim (classify); acknowledge and reply claim again but the csr
  // already holds the ticket: no second `accepted`.
  CHECK(types(r.events(id)) ==
        "opened routed accepted transitioned transitioned transitioned transitioned transitioned transitioned"
        " transitioned transitioned transitioned transitioned closed");
  CHECK(deadlines(v) ==
        "contact met 24h due=2026-11-25 09:00:00\n"
        "reply met 4bd due=2026-11-30 09:00:00\n"
        "answer met 5bd due=2026-12-01 09:00:00\n"
        "reopen_reply pending 4bd due=-\n");
  CHECK(unit_times(v) == "customer_service_center 3000/3000\n");
  CHECK(r.sink.size() == 0);
  r.check_integrity(id);
}

TEST_CASE("engine_flows.complaint.seed004_level2_centre_dispatch") {
  rig r(local(2026, 11, 24, 9, 0));
  // Load grade 2 → routing row 2 → the Kunshan account manager.
  const auto opened =
      r.open(complaint("C-KS-0010", {{"region", txt("kunshan")}, {"load_grade", whole(2)}},
                       {{"complaint_class", txt("service")}}));
  const std::string id = opened.ticket.id;
  CHECK(opened.routing.rule == "big_customer");
  CHECK(show(opened.routing.to) == "regional_account_manager/kunshan/");

  r.act_at(local(2026, 11, 24, 9, 5), id, "classify", csr1);
  auto v = r.act_at(local(2026, 11, 24, 9, 10), id, "dispatch", dispatcher);
  CHECK(v.state == "dispatched");
  CHECK(v.owner == "csr_01");  // dispatching claims nothing
  // 退單: the Kunshan manager returns it as misrouted; routing runs again
  // without rules that assign to the regional account manager → T0.
  v = r.act_at(local(2026, 11, 24, 9, 20), id, "return_to_sender", rm_kunshan,
               "complaint about a hall queue: not big-customer business");
  CHECK(v.state == "classified");
  CHECK(show(v.assignee) == "customer_service_center//");
  CHECK(v.tier == "customer_service_center");
  CHECK(v.tier_level == 0);
  CHECK(v.escalations == 0);
  CHECK(ids(r.queue("regional_account_manager", "kunshan")).empty());
  CHECK(ids(r.queue("customer_service_center")) == id);
  // The dispatcher dispatches again; a second agent of the centre takes it.
  r.act_at(local(2026, 11, 24, 9, 30), id, "dispatch", dispatcher);
  v = r.act_at(local(2026, 11, 24, 9, 40), id, "acknowledge", csr2);
  CHECK(show(v.assignee) == "customer_service_center//csr_02");
  CHECK(v.owner == "csr_01");
  r.act_at(local(2026, 11, 24, 9, 50), id, "contact_customer", csr2);
  r.act_at(local(2026, 11, 24, 10, 0), id, "start_investigation", csr2);
  r.act_at(local(2026, 11, 24, 10, 30), id, "reply", csr2);
  r.act_at(local(2026, 11, 24, 10, 40), id, "review_passed", supervisor);
  r.act_at(local(2026, 11, 24, 10, 50), id, "callback_satisfied", caller);
  r.act_at(local(2026, 11, 24, 11, 0), id, "close", caller);
  v = r.act_at(local(2026, 11, 24, 11, 10), id, "archive", caller);
  CHECK(v.closed);
  CHECK(v.owner == "csr_01");
  CHECK(show(v.assignee) == "customer_service_center//csr_02");

  CHECK(trail(r.events(id), 0, 10) ==
        "2026-11-24 09:00:00 csr_01 opened\n"
        "2026-11-24 09:00:00 csr_01 routed kind=open rule=big_customer unit=regional_account_manager"
        " region=kunshan in.customer.importance_class=(absent) in.customer.load_grade=2"
        " in.customer.high_risk=(absent) in.customer.voltage_kv=(absent) in.customer.capacity_kva=(absent)\n"
        "2026-11-24 09:05:00 csr_01 accepted person=csr_01 owner=true assignee=false\n"
        "2026-11-24 09:05:00 csr_01 transitioned action=classify from=received to=classified\n"
        "2026-11-24 09:10:00 disp_01 transitioned action=dispatch from=classified to=dispatched\n"
        "2026-11-24 09:20:00 rm_kunshan transitioned action=return_to_sender from=dispatched to=classified"
        " note=complaint about a hall queue: not big-customer business\n"
        "2026-11-24 09:20:00 rm_kunshan returned action=return_to_sender kind=reroute"
        " from_unit=regional_account_manager\n"
        "2026-11-24 09:20:00 rm_kunshan routed kind=reroute rule=everyone_else unit=customer_service_center\n"
        "2026-11-24 09:30:00 disp_01 transitioned action=dispatch from=classified to=dispatched\n"
        "2026-11-24 09:40:00 csr_02 accepted person=csr_02 owner=false assignee=true\n");
  CHECK(r.sink.size() == 0);
  r.check_integrity(id);
}

TEST_CASE("engine_flows.complaint.seed004_level3_cross_organisation") {
  rig r(local(2026, 11, 24, 9, 0));
  // A high-risk customer (chemicals) calls its account manager directly.
  const auto opened = r.open(complaint("C-SIP-0005",
                                       {{"region", txt("suzhou_industrial_park")}, {"high_risk", yes()},
                                        {"industry", txt("C")}},
                                       {{"complaint_class", txt("power_quality")}}, "account_manager_direct",
                                       "rm_sip"));
  const std::string id = opened.ticket.id;
  CHECK(opened.routing.rule == "big_customer");
  // Power quality of a customer that is neither important nor grade 1/2
  // load: important_tech_complaint does not apply.
  CHECK(escalations(opened.routing).empty());

  auto v = r.act_at(local(2026, 11, 24, 9, 5), id, "classify", rm_sip);
  CHECK(v.owner == "rm_sip");
  CHECK(show(v.assignee) == "regional_account_manager/suzhou_industrial_park/rm_sip");
  r.act_at(local(2026, 11, 24, 9, 10), id, "dispatch", dispatcher);
  r.act_at(local(2026, 11, 24, 9, 15), id, "acknowledge", rm_sip);
  r.act_at(local(2026, 11, 24, 9, 20), id, "contact_customer", rm_sip);
  r.act_at(local(2026, 11, 24, 9, 25), id, "start_investigation", rm_sip);
  const std::size_t mark = r.events(id).size();
  // The voltage dips come from a neighbouring grid company's line: forwarded
  // through the 95598 work-order system.
  v = r.act_at(local(2026, 11, 24, 9, 30), id, "cross_organisation", rm_sip,
               "dips originate on the neighbouring company's 110 kV line");
  CHECK(v.state == "cross_org_dispatch");
  CHECK(show(v.assignee) == "national_95598_center//");
  CHECK(join(v.handoffs) == "national_95598_center");
  CHECK(ids(r.queue("national_95598_center")) == id);
  // The customer urges meanwhile: flagged, the queue holding it and the owner told.
  v = r.act_at(local(2026, 11, 24, 14, 0), id, "urge", csr1, "customer called again");
  CHECK(v.state == "cross_org_dispatch");
  CHECK(join(v.flags) == "customer_urged");
  // The other organisation's reply comes back through the liaison desk.
  v = r.act_at(local(2026, 11, 25, 10, 0), id, "other_org_replied", liaison,
               "line owner replaced a faulty capacitor bank");
  CHECK(v.state == "investigating");
  CHECK(v.handoffs.empty());
  CHECK(show(v.assignee) == "regional_account_manager/suzhou_industrial_park/rm_sip");
  CHECK(v.tier == "regional_account_manager");
  r.act_at(local(2026, 11, 25, 10, 30), id, "reply", rm_sip);
  r.act_at(local(2026, 11, 25, 11, 0), id, "review_passed", enterprise);
  r.act_at(local(2026, 11, 25, 11, 30), id, "callback_satisfied", caller);
  r.act_at(local(2026, 11, 25, 14, 0), id, "close", rm_sip);
  v = r.act_at(local(2026, 11, 25, 14, 10), id, "archive", caller);
  CHECK(v.closed);
  CHECK(v.owner == "rm_sip");
  CHECK(v.escalations == 0);
  CHECK(deadlines(v) ==
        "contact met 24h due=2026-11-25 09:00:00\n"
        "reply met 4bd due=2026-11-30 09:00:00\n"
        "answer met 5bd due=2026-12-01 09:00:00\n"
        "reopen_reply pending 4bd due=-\n");

  CHECK(trail(r.events(id), mark) ==
        "2026-11-24 09:30:00 rm_sip transitioned action=cross_organisation from=investigating"
        " to=cross_org_dispatch note=dips originate on the neighbouring company's 110 kV line\n"
        "2026-11-24 09:30:00 rm_sip handed_off action=cross_organisation from_unit=regional_account_manager"
        " to_unit=national_95598_center region=\n"
        "2026-11-24 09:30:00 rm_sip notified to=owner unit=national_95598_center region= person=rm_sip"
        " reason=handed_off\n"
        "2026-11-24 14:00:00 csr_01 noted action=urge note=customer called again\n"
        "2026-11-24 14:00:00 csr_01 noted rule=customer_urged flag=customer_urged\n"
        "2026-11-24 14:00:00 csr_01 notified to=assignee unit=national_95598_center region= person="
        " reason=customer_urged\n"
        "2026-11-24 14:00:00 csr_01 notified to=owner unit=national_95598_center region= person=rm_sip"
        " reason=customer_urged\n"
        "2026-11-25 10:00:00 liaison_01 transitioned action=other_org_replied from=cross_org_dispatch"
        " to=investigating note=line owner replaced a faulty capacitor bank\n"
        "2026-11-25 10:00:00 liaison_01 returned action=other_org_replied kind=handoff"
        " from_unit=national_95598_center to_unit=regional_account_manager region=suzhou_industrial_park"
        " person=rm_sip\n"
        "2026-11-25 10:30:00 rm_sip transitioned action=reply from=investigating to=handler_replied\n"
        "2026-11-25 11:00:00 em_01 transitioned action=review_passed from=handler_replied to=reviewed\n"
        "2026-11-25 11:30:00 cb_01 transitioned action=callback_satisfied from=reviewed to=callback_done\n"
        "2026-11-25 14:00:00 rm_sip transitioned action=close from=callback_done to=closed\n"
        "2026-11-25 14:10:00 cb_01 transitioned action=archive from=closed to=archived\n"
        "2026-11-25 14:10:00 cb_01 closed state=archived\n");
  CHECK(show(r.sink.drain()) ==
        "T00000001 2026-11-24 09:30:00 owner rm_sip national_95598_center/ handed_off\n"
        "T00000001 2026-11-24 14:00:00 assignee  national_95598_center/ customer_urged\n"
        "T00000001 2026-11-24 14:00:00 owner rm_sip national_95598_center/ customer_urged\n");
  r.check_integrity(id);
}

// =====================================================================================
// Open-time rules: repeat complaints and skip-level risk.
// =====================================================================================

TEST_CASE("engine_flows.complaint.repeat_within_30_days_one_tier_up") {
  rig r(local(2026, 11, 2, 9, 0));  // Mon
  const tf::attribute_values a_attrs{{"region", txt("gusu")}};
  const tf::attribute_values b_attrs{{"region", txt("wuzhong")}};
  const tf::attribute_values fields{{"complaint_class", txt("service")}};

  // Day 0: each customer's first complaint, handled at T0 and archived.
  const std::string a1 = r.open(complaint("C-A", a_attrs, fields)).ticket.id;
  const timestamp a1_closed = run_t0_complaint(r, a1, local(2026, 11, 2, 9, 0));
  r.at(local(2026, 11, 2, 10, 0));
  const std::string b1 = r.open(complaint("C-B", b_attrs, fields)).ticket.id;
  const timestamp b1_closed = run_t0_complaint(r, b1, local(2026, 11, 2, 10, 0));
  CHECK(stamp(a1_closed) == "2026-11-02 09:50:00");
  CHECK(stamp(b1_closed) == "2026-11-02 10:50:00");
  CHECK(r.sink.size() == 0);

  // Day 21: customer A again; its first complaint closed 21 days ago (≤ 30).
  r.at(local(2026, 11, 23, 9, 0));
  const auto a2 = r.open(complaint("C-A", a_attrs, fields));
  CHECK(detail(r.events(a2.ticket.id)[0], "customer.complaints_last_30d") == "1");
  CHECK(a2.routing.rule == "everyone_else");
  CHECK(escalations(a2.routing) == "repeat_complaint->regional_account_manager");
  CHECK(a2.ticket.tier == "regional_account_manager");
  CHECK(a2.ticket.tier_level == 1);
  CHECK(a2.ticket.escalations == 1);
  CHECK(show(a2.ticket.assignee) == "regional_account_manager/gusu/");
  CHECK(join(a2.ticket.flags) == "repeat");
  CHECK(ids(r.queue("regional_account_manager", "gusu")) == a2.ticket.id);
  CHECK(trail(r.events(a2.ticket.id)) ==
        "2026-11-23 09:00:00 csr_01 opened\n"
        "2026-11-23 09:00:00 csr_01 routed kind=open rule=everyone_else unit=customer_service_center\n"
        "2026-11-23 09:00:00 csr_01 noted rule=repeat_complaint flag=repeat\n"
        "2026-11-23 09:00:00 csr_01 escalated rule=repeat_complaint from_tier=customer_service_center"
        " to_tier=regional_account_manager region=gusu\n");
  CHECK(r.sink.size() == 0);  // no owner yet to tell
  r.check_integrity(a2.ticket.id);

  // Day 32: customer B's only complaint closed 32 days ago: not a repeat.
  r.at(local(2026, 12, 4, 11, 0));
  const auto b2 = r.open(complaint("C-B", b_attrs, fields));
  CHECK(detail(r.events(b2.ticket.id)[0], "customer.complaints_last_30d") == "0");
  CHECK(escalations(b2.routing).empty());
  CHECK(b2.ticket.tier == "customer_service_center");
  CHECK(b2.ticket.flags.empty());
  CHECK(types(r.events(b2.ticket.id)) == "opened routed");

  // Same day, customer A: its first complaint is out of the window, but the
  // second is still open → 1 → a repeat again.
  const auto a3 = r.open(complaint("C-A", a_attrs, fields));
  CHECK(detail(r.events(a3.ticket.id)[0], "customer.complaints_last_30d") == "1");
  CHECK(escalations(a3.routing) == "repeat_complaint->regional_account_manager");
  CHECK(a3.ticket.tier == "regional_account_manager");

  const auto rec = r.eng->customer_record("C-A");
  REQUIRE(rec.has_value());
  CHECK(ids(rec->tickets) == a1 + "," + a2.ticket.id + "," + a3.ticket.id);
}

TEST_CASE("engine_flows.complaint.skip_level_risk_to_t2_hq_informed_once") {
  rig r(local(2026, 11, 24, 9, 0));
  const tf::attribute_values skip{{"complaint_class", txt("service")}, {"skip_level_risk", yes()}};

  // An ordinary customer who threatens 12345: T0 → T2 at once (rule
  // skip_level_at_open), T3 informed. The ticket is at T2 afterwards, but
  // skip_level_at_open_inform is the alternative for tickets that were
  // already at T2 ("already at T2 or above: only inform T3"): T3 must be told
  // once, not twice. (Rules run in file order and each sees the tier the
  // previous one left, so complaint.yaml must list each *_inform rule BEFORE
  // its escalating twin; the repeat + skip-level case below still ends at T2
  // with that order.)
  const auto t0 = r.open(complaint("C-S1", {{"region", txt("gusu")}}, skip));
  CHECK(t0.ticket.tier == "enterprise_account_manager");
  CHECK(t0.ticket.tier_level == 2);
  CHECK(t0.ticket.escalations == 1);
  CHECK(show(t0.ticket.assignee) == "enterprise_account_manager//");
  CHECK(join(t0.ticket.flags) == "skip_level");
  CHECK(escalations(t0.routing) == "skip_level_at_open->enterprise_account_manager");
  CHECK(trail(r.events(t0.ticket.id)) ==
        "2026-11-24 09:00:00 csr_01 opened\n"
        "2026-11-24 09:00:00 csr_01 routed kind=open rule=everyone_else unit=customer_service_center\n"
        "2026-11-24 09:00:00 csr_01 noted rule=skip_level_at_open flag=skip_level\n"
        "2026-11-24 09:00:00 csr_01 escalated rule=skip_level_at_open from_tier=customer_service_center"
        " to_tier=enterprise_account_manager region=\n"
        "2026-11-24 09:00:00 csr_01 notified to=tier unit=hq_key_account_desk region= person="
        " reason=skip_level_at_open\n");
  CHECK(show(r.sink.drain()) == t0.ticket.id + " 2026-11-24 09:00:00 tier  hq_key_account_desk/ skip_level_at_open\n");
  r.check_integrity(t0.ticket.id);

  // A key customer (priority key) is at T2 already: only T3 informed.
  r.at(local(2026, 11, 24, 9, 1));
  const auto t2 = r.open(complaint("C-S2", {{"region", txt("gusu")}, {"priority", txt("key")}}, skip));
  CHECK(t2.routing.rule == "key_big_customer");
  CHECK(t2.ticket.tier == "enterprise_account_manager");
  CHECK(t2.ticket.escalations == 0);
  CHECK(join(t2.ticket.flags) == "skip_level");
  CHECK(escalations(t2.routing) == "skip_level_at_open_inform->enterprise_account_manager");
  CHECK(types(r.events(t2.ticket.id)) == "opened routed noted notified");
  CHECK(show(r.sink.drain()) ==
        t2.ticket.id + " 2026-11-24 09:01:00 tier  hq_key_account_desk/ skip_level_at_open_inform\n");

  // complaint.yaml: "a repeat + skip-level complaint of a T1 customer ends at
  // T2, not T3": the repeat rule lifts it T1 → T2, then only T3 is informed.
  r.at(local(2026, 11, 24, 9, 2));
  const tf::attribute_values big{{"region", txt("wuzhong")}, {"importance_class", txt("level2")}};
  const auto first = r.open(complaint("C-S3", big, {{"complaint_class", txt("service")}}));
  CHECK(first.ticket.tier == "regional_account_manager");
  r.at(local(2026, 11, 24, 9, 3));
  const auto again = r.open(complaint("C-S3", big, skip));
  CHECK(again.ticket.tier == "enterprise_account_manager");
  CHECK(again.ticket.escalations == 1);
  CHECK(join(again.ticket.flags) == "repeat,skip_level");
  CHECK(trail(r.events(again.ticket.id), 2) ==
        "2026-11-24 09:03:00 csr_01 noted rule=repeat_complaint flag=repeat\n"
        "2026-11-24 09:03:00 csr_01 escalated rule=repeat_complaint from_tier=regional_account_manager"
        " to_tier=enterprise_account_manager region=\n"
        "2026-11-24 09:03:00 csr_01 noted rule=skip_level_at_open_inform flag=skip_level\n"
        "2026-11-24 09:03:00 csr_01 notified to=tier unit=hq_key_account_desk region= person="
        " reason=skip_level_at_open_inform\n");
  CHECK(show(r.sink.drain()) ==
        again.ticket.id + " 2026-11-24 09:03:00 tier  hq_key_account_desk/ skip_level_at_open_inform\n");

  // Skip-level risk reported during handling of the first (T1) complaint:
  // rule skip_level_reported lifts it to T2 and informs T3, once.
  const std::size_t mark = r.events(first.ticket.id).size();
  const auto v = r.act_at(local(2026, 11, 24, 9, 4), first.ticket.id, "report_skip_level_risk", csr1,
                          "customer says they will call 12398");
  CHECK(v.state == "received");
  CHECK(v.tier == "enterprise_account_manager");
  CHECK(v.escalations == 1);
  CHECK(join(v.flags) == "skip_level");
  CHECK(trail(r.events(first.ticket.id), mark) ==
        "2026-11-24 09:04:00 csr_01 noted action=report_skip_level_risk note=customer says they will call 12398\n"
        "2026-11-24 09:04:00 csr_01 noted rule=skip_level_reported flag=skip_level\n"
        "2026-11-24 09:04:00 csr_01 escalated rule=skip_level_reported from_tier=regional_account_manager"
        " to_tier=enterprise_account_manager region=\n"
        "2026-11-24 09:04:00 csr_01 notified to=tier unit=hq_key_account_desk region= person="
        " reason=skip_level_reported\n");
  CHECK(show(r.sink.drain()) ==
        first.ticket.id + " 2026-11-24 09:04:00 tier  hq_key_account_desk/ skip_level_reported\n");
  r.check_integrity(first.ticket.id);
}
