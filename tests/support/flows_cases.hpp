// SPDX-License-Identifier: MIT
// What the flow tests (tests/flows_*_test.cpp) share: local time as text,
// events, notifications and deadlines rendered as lines (so that a failure
// prints readable text), attribute values, the people of the shipped
// organisation, and a complaint request. The engine comes from
// support/engine_fixture.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/ticket.hpp>

#include "support/engine_fixture.hpp"
#include "test_support.hpp"

namespace tierflow_test::flows {

namespace chr = std::chrono;
namespace tf = tierflow;
using tf::timestamp;
using tierflow_test::engine_fixture;

// --- time ---------------------------------------------------------------------------

/// "2026-11-24 09:00:00" in local time.
inline std::string stamp(timestamp t) {
  if (t == timestamp::max()) return "never";
  return tierflow_test::civil(t + chr::hours{8}, ' ');
}

// --- rendering, so that failures print readable text ----------------------------------

// These cases check each procedure's flow: who had the ticket, where, when,
// and what was recorded. The outcome records the engine adds for the service
// indicators (deadline_stopped events, the time counted in a state, a unit
// or a deadline: event_schema.hpp "Outcome records") are worked out by hand
// in engine_outcomes_test.cpp, so the lines below leave them out; the
// classifications an action records (class.NAME) are part of the flow and
// stay.

/// True for a detail key that is an outcome record's measurement.
inline bool outcome_key(std::string_view k) {
  return k.ends_with("_calendar_s") || k.ends_with("_business_s") || k == "step";
}

/// The trail without its deadline_stopped events.
inline std::vector<tf::event> flow_events(const std::vector<tf::event>& events) {
  std::vector<tf::event> out;
  for (const auto& e : events)
    if (e.type != tf::event_type::deadline_stopped) out.push_back(e);
  return out;
}

/// One event as a line: local time, actor, type, then every detail as k=v
/// but the outcome records' measurements. `opened` is shown without details
/// (checked separately); `denied` without its free-text reason. For `routed`
/// an empty region is left out: the brief says the region is given only for
/// region-split units.
inline std::string line(const tf::event& e) {
  std::string s = stamp(e.time) + " " + e.actor_id + " " + std::string(tf::to_string(e.type));
  if (e.type == tf::event_type::opened) return s;
  for (const auto& [k, v] : e.details) {
    if (e.type == tf::event_type::denied && k == "reason") continue;
    if (e.type == tf::event_type::routed && k == "region" && v.empty()) continue;
    if (outcome_key(k)) continue;
    s += " " + k + "=" + v;
  }
  return s;
}

/// Events [first, last) (0-based, counted without deadline_stopped events)
/// of a trail, one line per event.
inline std::string trail(const std::vector<tf::event>& all, std::size_t first = 0,
                  std::size_t last = static_cast<std::size_t>(-1)) {
  const std::vector<tf::event> events = flow_events(all);
  std::string s;
  for (std::size_t i = first; i < events.size() && i < last; ++i) s += line(events[i]) + "\n";
  return s;
}

/// The event types only, space-separated, deadline_stopped left out.
inline std::string types(const std::vector<tf::event>& all) {
  std::string s;
  for (const auto& e : flow_events(all)) {
    if (!s.empty()) s += " ";
    s += tf::to_string(e.type);
  }
  return s;
}

/// The deadlines stopped, in order, as "deadline=outcome" (deadline_stopped).
inline std::string stopped(const std::vector<tf::event>& events) {
  std::string s;
  for (const auto& e : events) {
    if (e.type != tf::event_type::deadline_stopped) continue;
    if (!s.empty()) s += " ";
    s += std::string(e.detail("deadline").value_or("")) + "=" +
         std::string(e.detail("outcome").value_or(""));
  }
  return s;
}

inline std::string show(const tf::notification& n) {
  return n.ticket_id + " " + stamp(n.time) + " " + std::string(tf::to_string(n.to)) + " " + n.person + " " +
         n.unit + "/" + n.region + " " + n.reason;
}

inline std::string show(const std::vector<tf::notification>& ns) {
  std::string s;
  for (const auto& n : ns) s += show(n) + "\n";
  return s;
}

inline std::string show(const tf::deadline_view& d) {
  std::string s = d.id + " " + std::string(tf::to_string(d.status)) + " " + d.within +
                  " due=" + (d.due ? stamp(*d.due) : std::string("-"));
  if (d.status == tf::deadline_status::running || d.status == tf::deadline_status::paused)
    s += " left=" + std::to_string(d.remaining_seconds);
  if (d.breached) s += " breached";
  return s;
}

inline std::string deadlines(const tf::ticket_view& v) {
  std::string s;
  for (const auto& d : v.deadlines) s += show(d) + "\n";
  return s;
}

inline const tf::deadline_view* deadline(const tf::ticket_view& v, std::string_view id) {
  for (const auto& d : v.deadlines)
    if (d.id == id) return &d;
  return nullptr;
}

inline std::string show(const tf::assignment& a) { return a.unit + "/" + a.region + "/" + a.person; }

inline std::string unit_times(const tf::ticket_view& v) {
  std::string s;
  for (const auto& u : v.time_by_unit)
    s += u.unit + " " + std::to_string(u.seconds) + "/" + std::to_string(u.working_seconds) + "\n";
  return s;
}

inline std::string join(const std::vector<std::string>& xs) {
  std::string s;
  for (const auto& x : xs) s += (s.empty() ? "" : ",") + x;
  return s;
}

inline std::string ids(const std::vector<tf::ticket_view>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.id);
  return join(out);
}

inline std::string escalations(const tf::routing_decision& d) {
  std::string s;
  for (const auto& [rule, unit] : d.escalations) s += (s.empty() ? "" : ",") + rule + "->" + unit;
  return s;
}

// --- attribute values ------------------------------------------------------------------

inline tf::value txt(const char* s) { return tf::value{std::string(s)}; }
inline tf::value num(double d) { return tf::value{d}; }
inline tf::value whole(std::int64_t i) { return tf::value{i}; }
inline tf::value yes() { return tf::value{true}; }
inline tf::value no() { return tf::value{false}; }

// --- the people --------------------------------------------------------------------------

inline const tf::actor csr1{"csr_01", {"csr"}, ""};
inline const tf::actor csr2{"csr_02", {"csr"}, ""};
inline const tf::actor supervisor{"sup_01", {"csc_supervisor"}, ""};
inline const tf::actor caller{"cb_01", {"callback_agent"}, ""};
inline const tf::actor rm_gusu{"rm_gusu", {"regional_manager"}, "gusu"};
inline const tf::actor rm_wuzhong{"rm_wuzhong", {"regional_manager"}, "wuzhong"};
inline const tf::actor rm_kunshan{"rm_kunshan", {"regional_manager"}, "kunshan"};
inline const tf::actor rm_sip{"rm_sip", {"regional_manager"}, "suzhou_industrial_park"};
inline const tf::actor enterprise{"em_01", {"enterprise_manager"}, ""};
inline const tf::actor hq_desk{"hq_01", {"hq_desk_agent"}, ""};
inline const tf::actor dispatcher{"disp_01", {"dispatcher"}, ""};
inline const tf::actor engineer{"tech_01", {"technical_engineer"}, ""};
inline const tf::actor meter_tech{"meter_01", {"metering_technician"}, ""};
inline const tf::actor marketing{"mkt_01", {"marketing_officer"}, ""};
inline const tf::actor billing_clerk{"bill_01", {"billing_clerk"}, ""};
inline const tf::actor liaison{"liaison_01", {"hotline_liaison"}, ""};
inline const tf::actor crew_wuzhong{"crew_wz_1", {"repair_crew_member"}, "wuzhong"};
inline const tf::actor crew_gusu{"crew_gs_1", {"repair_crew_member"}, "gusu"};
inline const tf::actor crew_changshu{"crew_cs_1", {"repair_crew_member"}, "changshu"};

// --- checks ---------------------------------------------------------------------------

/// The trail verifies against its hash chain and replays to the live view
/// (its deadlines and time by unit compared as text too, for readable
/// failures).
inline void check_integrity(engine_fixture& r, const std::string& id) {
  const auto ok = r->verify(id);
  CHECK_MESSAGE(ok.has_value(), "verify " << id << ": " << (ok ? std::string{} : ok.error().message()));
  const auto replayed = r->replay(id);
  REQUIRE(replayed.has_value());
  const auto live = r.view(id);
  CHECK(*replayed == live);
  CHECK(deadlines(*replayed) == deadlines(live));
  CHECK(unit_times(*replayed) == unit_times(live));
}

/// The value of an `opened` detail, or "(missing)".
inline std::string detail(const tf::event& e, std::string_view key) {
  const auto v = e.detail(key);
  return v ? std::string(*v) : std::string("(missing)");
}

/// A complaint request.
inline tf::open_request complaint(std::string customer_id, tf::attribute_values customer, tf::attribute_values fields,
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

/// An ordinary customer's complaint (T0, no handoff) from `received` to
/// `archived`: each action with who takes it (the csr on their own post).
inline std::vector<std::pair<std::string, const tf::actor*>> t0_complaint_path() {
  return {{"classify", &csr1},         {"dispatch", &csr1},      {"acknowledge", &csr1},
          {"contact_customer", &csr1}, {"start_investigation", &csr1}, {"reply", &csr1},
          {"review_passed", &supervisor}, {"callback_satisfied", &caller}, {"close", &caller},
          {"archive", &caller}};
}

/// Walks t0_complaint_path, one step every 5 minutes from `start`; returns
/// the closing instant.
inline timestamp run_t0_complaint(engine_fixture& r, const std::string& id, timestamp start) {
  timestamp t = start;
  for (const auto& [action, who] : t0_complaint_path()) {
    t += chr::minutes{5};
    r.act_at(t, id, action, *who);
  }
  const auto v = r.view(id);
  REQUIRE(v.state == "archived");
  REQUIRE(v.closed);
  return t;
}

}  // namespace tierflow_test::flows
