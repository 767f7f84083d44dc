// SPDX-License-Identifier: MIT
// What the engine's topic tests (tests/engine_*_test.cpp) share: catalogs of
// our own (tests/data/engine/), a store that logs its appends, requests of
// the shipped complaint workflow, reading views and trails, and the checks
// that a refused command changed nothing and left one `denied` event on the
// ticket's denial stream. The engine itself comes from
// support/engine_fixture.hpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/catalog.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/diagnostic.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/loader.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

#include "support/engine_fixture.hpp"
#include "support/forwarding_store.hpp"
#include "test_support.hpp"

namespace tierflow_test::engine_cases {

namespace tf = tierflow;
using tf::timestamp;
using tierflow_test::engine_fixture;
using tierflow_test::iso;
using tierflow_test::shipped;

// --- definitions ---------------------------------------------------------------

inline tf::catalog load(const std::vector<std::string>& paths) {
  tf::diagnostics diags;
  auto cat = tf::load_catalog_files(paths, diags, tf::load_limits{});
  REQUIRE_MESSAGE(cat.has_value(), (cat ? std::string() : cat.error().message()));
  return std::move(*cat);
}

/// The shipped organisation and complaint workflow (version 1, effective
/// 2026-01-01), plus a version 2 made from the same text in memory: effective
/// 2026-12-01, `contact` within 12h instead of 24h. Built, not copied, so it
/// follows the shipped file.
inline tf::catalog versions_fixture() {
  tf::diagnostics diags;
  auto sources = tf::read_sources({TIERFLOW_SOURCE_DIR "/workflows/organisation.yaml",
                                   TIERFLOW_SOURCE_DIR "/workflows/complaint.yaml"},
                                  diags);
  REQUIRE(sources.size() == 2);
  tf::source_file v2 = sources[1];
  v2.name = "complaint_v2.yaml";
  const auto replace = [&](std::string_view from, std::string_view to) {
    const auto at = v2.text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, std::string(from));
    v2.text.replace(at, from.size(), to);
  };
  replace("\nversion: 1\n", "\nversion: 2\n");
  replace("\neffective: 2026-01-01\n", "\neffective: 2026-12-01\n");
  replace("contact: { within: 24h", "contact: { within: 12h");
  sources.push_back(std::move(v2));
  auto cat = tf::load_catalog(sources, diags);
  REQUIRE_MESSAGE(!diags.has_errors(), diags.str());
  return cat;
}

inline tf::catalog loose_return_fixture() {
  return load({TIERFLOW_SOURCE_DIR "/workflows/organisation.yaml",
               TIERFLOW_SOURCE_DIR "/tests/data/engine/return/loose_return.yaml"});
}

// --- a store that remembers the order of appends ------------------------------------

/// A memory_store that logs every successful append: which ticket, the first
/// event's time and type and its deadline details. Shows the order in which
/// advance() fires timers across tickets.
class recording_store final : public tierflow_test::forwarding_store {
 public:
  recording_store() : forwarding_store(std::make_unique<tf::memory_store>()) {}

  [[nodiscard]] tf::result<void> append(const tf::append_request& r) override {
    auto ok = forwarding_store::append(copying(r));
    if (ok && !r.events.empty()) {
      const tf::event& e = r.events.front();
      std::string what(tf::to_string(e.type));
      if (const auto d = e.detail("deadline")) what += " " + std::string(*d);
      if (const auto p = e.detail("percent")) what += " " + std::string(*p) + "%";
      if (const auto a = e.detail("after")) what += " after " + std::string(*a);
      const std::lock_guard lock(mutex_);
      log_.push_back(std::string(r.ticket_id) + " " + iso(e.time) + " " + what);
    }
    return ok;
  }

  /// The appends logged so far, one per line, and forgets them.
  std::string take_log() {
    const std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& line : log_) out += line + "\n";
    log_.clear();
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> log_;
};

// --- requests --------------------------------------------------------------------------

inline tf::actor csr(std::string id) { return {std::move(id), {"csr"}, ""}; }
inline tf::actor dispatcher() { return {"disp_1", {"dispatcher"}, ""}; }
inline tf::actor regional(std::string id, std::string region) {
  return {std::move(id), {"regional_manager"}, std::move(region)};
}
inline tf::actor engineer() { return {"eng_1", {"technical_engineer"}, ""}; }
inline tf::actor supervisor() { return {"sup_1", {"csc_supervisor"}, ""}; }

/// A complaint from a customer of `region`; `big` makes it importance class
/// level2, which the shipped routing sends to the regional account manager.
inline tf::open_request complaint(std::string customer, std::string region = "gusu", bool big = false) {
  tf::open_request r;
  r.type = "complaint";
  r.channel = "hotline_95598";
  r.customer_id = std::move(customer);
  r.customer.emplace_back("region", tf::value{std::move(region)});
  if (big) r.customer.emplace_back("importance_class", tf::value{std::string("level2")});
  r.description = "no answer about the meter for two weeks";
  r.external_ref = "95598-" + r.customer_id;
  r.opened_by = "reg_1";
  return r;
}

inline std::string open_ok(tf::engine& e, const tf::open_request& r) {
  auto o = e.open(r);
  REQUIRE_MESSAGE(o.has_value(), (o ? std::string() : o.error().message()));
  return o->ticket.id;
}

inline tf::act_request request(std::string id, std::string action, tf::actor by, std::string note = {}) {
  tf::act_request r;
  r.ticket_id = std::move(id);
  r.action = std::move(action);
  r.by = std::move(by);
  r.note = std::move(note);
  return r;
}

inline tf::ticket_view act_ok(tf::engine& e, const std::string& id, const std::string& action,
                       tf::actor by, std::string note = {}) {
  auto v = e.act(request(id, action, std::move(by), std::move(note)));
  REQUIRE_MESSAGE(v.has_value(), action << ": " << (v ? std::string() : v.error().message()));
  return *v;
}

/// classify, dispatch, acknowledge by `who`: the ticket waits in
/// `acknowledged`, which has no step limit, so only the named deadlines run.
inline void acknowledge(tf::engine& e, const std::string& id, const tf::actor& who) {
  act_ok(e, id, "classify", who);
  act_ok(e, id, "dispatch", dispatcher());
  act_ok(e, id, "acknowledge", who);
}

// --- reading results ------------------------------------------------------------------------

inline tf::ticket_view view_of(const tf::engine& e, std::string_view id) {
  auto v = e.view(id);
  REQUIRE_MESSAGE(v.has_value(), (v ? std::string() : v.error().message()));
  return *v;
}

inline std::vector<tf::event> trail(const tf::engine& e, std::string_view id) {
  auto t = e.events(id);
  REQUIRE_MESSAGE(t.has_value(), (t ? std::string() : t.error().message()));
  return *t;
}

/// The denial log, empty while nothing has been denied.
inline std::vector<tf::event> denial_log(const tf::engine& e) {
  auto t = e.events(tf::engine::denial_log_id);
  return t ? *t : std::vector<tf::event>{};
}

inline std::string detail(const tf::event& e, std::string_view key) {
  const auto v = e.detail(key);
  return v ? std::string(*v) : std::string("(absent)");
}

inline std::string code_of(const tf::error& e) { return std::string(tf::to_string(e.code())); }

inline const tf::deadline_view& deadline(const tf::ticket_view& v, std::string_view id) {
  for (const auto& d : v.deadlines)
    if (d.id == id) return d;
  FAIL("ticket " << v.id << " has no deadline " << std::string(id));
  return v.deadlines.front();  // not reached
}

inline std::string status(const tf::deadline_view& d) { return std::string(tf::to_string(d.status)); }

inline timestamp due_of(const tf::ticket_view& v, std::string_view id) {
  const auto& d = deadline(v, id);
  REQUIRE_MESSAGE(d.due.has_value(), "deadline " << std::string(id) << " has no due instant");
  return *d.due;
}

/// The timer events of a trail, one line each: "type deadline [N%] [after D] @time by actor".
inline std::string timer_events(const std::vector<tf::event>& t) {
  std::string out;
  for (const auto& e : t) {
    if (e.type != tf::event_type::deadline_warned && e.type != tf::event_type::deadline_breached)
      continue;
    out += std::string(tf::to_string(e.type)) + " " + detail(e, "deadline");
    if (e.detail("percent")) out += " " + detail(e, "percent") + "%";
    if (e.detail("after")) out += " after " + detail(e, "after");
    out += " @" + iso(e.time) + " by " + e.actor_id + "\n";
  }
  return out;
}

inline std::vector<const tf::event*> of_type(const std::vector<tf::event>& t, tf::event_type type) {
  std::vector<const tf::event*> out;
  for (const auto& e : t)
    if (e.type == type) out.push_back(&e);
  return out;
}
/// Pointers into a temporary trail would dangle.
std::vector<const tf::event*> of_type(std::vector<tf::event>&&, tf::event_type) = delete;

/// How many events of a trail are of `type`.
inline std::size_t count_type(const std::vector<tf::event>& t, tf::event_type type) {
  return static_cast<std::size_t>(
      std::count_if(t.begin(), t.end(), [&](const tf::event& e) { return e.type == type; }));
}

/// The ticket's trail verifies, and replay() gives view().
inline void check_consistent(const tf::engine& e, std::string_view id) {
  auto ok = e.verify(id);
  CHECK_MESSAGE(ok.has_value(), (ok ? std::string() : ok.error().message()));
  auto replayed = e.replay(id);
  REQUIRE(replayed.has_value());
  CHECK(*replayed == view_of(e, id));
}

/// `after` equals `before` except as_of: a refusal changes neither the
/// ticket's state nor its version. Field by field first, for readable
/// failures, then the whole view.
inline void check_unchanged(const tf::ticket_view& before, const tf::ticket_view& after) {
  CHECK(after.version == before.version);
  CHECK(after.id == before.id);
  CHECK(after.state == before.state);
  CHECK(after.closed == before.closed);
  CHECK(after.paused == before.paused);
  CHECK(after.owner == before.owner);
  CHECK(after.assignee.unit == before.assignee.unit);
  CHECK(after.assignee.region == before.assignee.region);
  CHECK(after.assignee.person == before.assignee.person);
  CHECK(after.tier == before.tier);
  CHECK(after.tier_level == before.tier_level);
  CHECK(after.escalations == before.escalations);
  CHECK(after.handoffs == before.handoffs);
  CHECK(after.flags == before.flags);
  CHECK(after.deadlines == before.deadlines);
  CHECK(after.time_by_unit == before.time_by_unit);
  CHECK(after.workflow_version == before.workflow_version);
  tf::ticket_view expected = before;
  expected.as_of = after.as_of;
  CHECK(after == expected);
}

/// A ticket's refused commands (engine::denials), empty while none were.
inline std::vector<tf::event> denials_of(const tf::engine& e, std::string_view id) {
  auto d = e.denials(id);
  REQUIRE_MESSAGE(d.has_value(), (d ? std::string() : d.error().message()));
  return *d;
}

/// act(req) on an existing ticket is refused with `code`: the ticket is
/// unchanged — state, version and trail — and one `denied` event naming the
/// action, code, reason and actor is chained onto the ticket's denial
/// stream; nothing else is stored and both streams verify.
inline void check_refused(engine_fixture& h, const tf::act_request& req, std::string_view code) {
  const tf::ticket_view before = view_of(*h, req.ticket_id);
  const std::vector<tf::event> trail_before = trail(*h, req.ticket_id);
  const std::vector<tf::event> denials_before = denials_of(*h, req.ticket_id);
  const std::size_t log_before = denial_log(*h).size();
  const tf::engine_stats stats_before = h->stats();

  auto r = h->act(req);
  REQUIRE_FALSE(r.has_value());
  CHECK(code_of(r.error()) == code);

  const tf::ticket_view after = view_of(*h, req.ticket_id);
  check_unchanged(before, after);
  CHECK(trail(*h, req.ticket_id) == trail_before);

  const std::vector<tf::event> denials_after = denials_of(*h, req.ticket_id);
  REQUIRE(denials_after.size() == denials_before.size() + 1);
  CHECK(std::equal(denials_before.begin(), denials_before.end(), denials_after.begin()));
  const tf::event& denied = denials_after.back();
  CHECK(denied.type == tf::event_type::denied);
  CHECK(denied.ticket_id == tf::denial_stream_of(req.ticket_id));
  CHECK(denied.sequence == denials_before.size() + 1);
  CHECK(denied.actor_id == req.by.id);
  CHECK(denied.time == h.clock.now());
  CHECK(detail(denied, "action") == req.action);
  CHECK(detail(denied, "code") == code);
  CHECK(detail(denied, "reason") == r.error().message());
  CHECK_FALSE(r.error().message().empty());
  // A denial on a known ticket goes to its denial stream, not to the denial log.
  CHECK(denial_log(*h).size() == log_before);
  CHECK(h->stats().denied == stats_before.denied + 1);
  CHECK(h->stats().commands == stats_before.commands);
  check_consistent(*h, req.ticket_id);
  auto ok = h->verify(tf::denial_stream_of(req.ticket_id));
  CHECK_MESSAGE(ok.has_value(), (ok ? std::string() : ok.error().message()));
}

/// open(req) is refused with `code`: no ticket, one entry in the denial log.
inline void check_open_refused(engine_fixture& h, const tf::open_request& req, std::string_view code) {
  const std::vector<tf::event> log_before = denial_log(*h);
  const tf::engine_stats stats_before = h->stats();

  auto r = h->open(req);
  REQUIRE_FALSE(r.has_value());
  CHECK(code_of(r.error()) == code);

  const std::vector<tf::event> log_after = denial_log(*h);
  REQUIRE(log_after.size() == log_before.size() + 1);
  const tf::event& denied = log_after.back();
  CHECK(denied.type == tf::event_type::denied);
  CHECK(denied.ticket_id == tf::engine::denial_log_id);
  CHECK(denied.sequence == log_before.size() + 1);
  CHECK(denied.actor_id == req.opened_by);
  CHECK(denied.time == h.clock.now());
  CHECK(detail(denied, "action") == "open");
  CHECK(detail(denied, "code") == code);
  CHECK(detail(denied, "reason") == r.error().message());
  CHECK(h->stats().denied == stats_before.denied + 1);
  CHECK(h->stats().commands == stats_before.commands);
  // No ticket: none for the customer, none numbered 1.
  if (!req.customer_id.empty()) {
    auto record = h->customer_record(req.customer_id);
    REQUIRE(record.has_value());
    CHECK(record->tickets.empty());
    CHECK(record->events.empty());
  }
  auto missing = h->view("T00000001");
  REQUIRE_FALSE(missing.has_value());
  CHECK(code_of(missing.error()) == "not_found");
  auto ok = h->verify(tf::engine::denial_log_id);
  CHECK_MESSAGE(ok.has_value(), (ok ? std::string() : ok.error().message()));
}

// --- input rules, the same on every store (tests/engine_input_rules*_test.cpp) ---------------------

/// A text with `bad` in the middle: "before" + bad + "after".
inline std::string spiked(std::string_view bad) { return "before" + std::string(bad) + "after"; }

/// An open request that breaks one input rule, named, with the code it must get.
struct bad_open {
  std::string name;
  tf::open_request request;
  std::string code;
};

inline std::vector<bad_open> bad_opens() {
  std::vector<bad_open> out;
  const auto add = [&](std::string name, auto change, std::string code) {
    tf::open_request r = complaint("cust_rules", "gusu", true);
    change(r);
    out.push_back(bad_open{std::move(name), std::move(r), std::move(code)});
  };
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  const auto inf = std::numeric_limits<double>::infinity();
  add("NaN voltage", [&](tf::open_request& r) { r.customer.emplace_back("voltage_kv", tf::value{nan}); }, "invalid_argument");
  add("+inf capacity", [&](tf::open_request& r) { r.customer.emplace_back("capacity_kva", tf::value{inf}); }, "invalid_argument");
  add("-inf voltage", [&](tf::open_request& r) { r.customer.emplace_back("voltage_kv", tf::value{-inf}); }, "invalid_argument");
  add("NUL in the description", [](tf::open_request& r) { r.description = spiked(std::string_view("\0", 1)); }, "invalid_argument");
  add("invalid UTF-8 in the description", [](tf::open_request& r) { r.description = spiked("\xff\xfe"); }, "invalid_argument");
  add("a surrogate in the external ref", [](tf::open_request& r) { r.external_ref = spiked("\xed\xa0\x80"); }, "invalid_argument");
  add("an overlong slash in the customer id", [](tf::open_request& r) { r.customer_id = spiked("\xc0\xaf"); }, "invalid_argument");
  add("NUL in a string attribute", [](tf::open_request& r) { r.customer.emplace_back("industry", tf::value{spiked(std::string_view("\0", 1))}); }, "invalid_argument");
  add("invalid UTF-8 in an attribute name", [](tf::open_request& r) { r.customer.emplace_back(spiked("\x80"), tf::value{std::string("x")}); }, "invalid_argument");
  add("a truncated sequence in opened_by", [](tf::open_request& r) { r.opened_by = "reg_\xe4\xb8"; }, "invalid_argument");
  add("opened_by the timers' actor", [](tf::open_request& r) { r.opened_by = "system"; }, "invalid_argument");
  add("opened_by a reserved ~ id", [](tf::open_request& r) { r.opened_by = "~denied"; }, "invalid_argument");
  add("a customer id over max_id_bytes", [](tf::open_request& r) { r.customer_id = std::string(tf::max_id_bytes + 1, 'c'); }, "limit_exceeded");
  add("an attribute name over max_id_bytes", [](tf::open_request& r) { r.customer.emplace_back(std::string(tf::max_id_bytes + 1, 'n'), tf::value{std::int64_t{1}}); }, "limit_exceeded");
  add("a string value over max_text_bytes", [](tf::open_request& r) { r.customer.emplace_back("industry", tf::value{std::string(tf::max_text_bytes + 1, 'v')}); }, "limit_exceeded");
  return out;
}

/// An act request that breaks one input rule, with the code it must get
/// (the ticket id is filled in by the caller).
struct bad_act {
  std::string name;
  tf::act_request request;
  std::string code;
};

inline std::vector<bad_act> bad_acts() {
  std::vector<bad_act> out;
  const auto add = [&](std::string name, tf::actor by, std::string note, std::string code) {
    out.push_back(bad_act{std::move(name), request("", "classify", std::move(by), std::move(note)), std::move(code)});
  };
  add("an empty actor id", regional("", "gusu"), "", "invalid_argument");
  add("the timers' actor id", regional("system", "gusu"), "", "invalid_argument");
  add("a ~ actor id", regional("~denied", "gusu"), "", "invalid_argument");
  add("NUL in the note", regional("rm_gusu", "gusu"), spiked(std::string_view("\0", 1)), "invalid_argument");
  add("invalid UTF-8 in the note", regional("rm_gusu", "gusu"), spiked("\xf5\x80\x80\x80"), "invalid_argument");
  add("invalid UTF-8 in the actor id", regional("rm_\xc3", "gusu"), "", "invalid_argument");
  add("NUL in the region", regional("rm_gusu", std::string("gusu\0", 5)), "", "invalid_argument");
  add("a region over max_id_bytes", regional("rm_gusu", std::string(tf::max_id_bytes + 1, 'g')), "", "limit_exceeded");
  add("a role over max_id_bytes", tf::actor{"rm_gusu", {std::string(tf::max_id_bytes + 1, 'r')}, "gusu"}, "", "limit_exceeded");
  add("too many roles", tf::actor{"rm_gusu", std::vector<std::string>(tf::max_attributes + 1, "csr"), "gusu"}, "", "limit_exceeded");
  add("a note over max_text_bytes", regional("rm_gusu", "gusu"), std::string(tf::max_text_bytes + 1, 'n'), "limit_exceeded");
  return out;
}

/// Every input rule on an engine over `st` (nullptr: the engine's own
/// memory store): each bad request gets its code, creates and changes
/// nothing, and is audited — opens and unreadable ticket ids on the denial
/// log, acts on the ticket's denial stream — with its bytes escaped; the
/// stored records verify. Returns "code name" lines, for comparing stores.
inline std::string check_input_rules(tf::store* st) {
  std::string answers;
  engine_fixture h(tierflow_test::local(2026, 11, 24, 9, 0), shipped(), st);
  // A minute apart: identical refusals within denial_window are coalesced.
  const auto next_minute = [&] { h.at(h.clock.now() + tf::engine::denial_window); };
  for (const auto& c : bad_opens()) {
    CAPTURE(c.name);
    next_minute();
    const std::size_t log_before = denial_log(*h).size();
    auto r = h->open(c.request);
    REQUIRE_FALSE(r.has_value());
    CHECK(code_of(r.error()) == c.code);
    answers += code_of(r.error()) + " " + c.name + "\n";
    const auto log = denial_log(*h);
    REQUIRE(log.size() == log_before + 1);
    CHECK(detail(log.back(), "action") == "open");
    CHECK(detail(log.back(), "code") == c.code);
    for (const auto& [k, v] : log.back().details) CHECK(v.find('\0') == std::string::npos);
    CHECK(log.back().actor_id.find('\xff') == std::string::npos);
  }
  CHECK_FALSE(h->view("T00000001").has_value());
  const std::string id = open_ok(*h, complaint("cust_rules", "gusu", true));
  const tf::ticket_view before = view_of(*h, id);
  const std::vector<tf::event> trail_before = trail(*h, id);
  std::size_t recorded = 0;
  for (auto c : bad_acts()) {
    CAPTURE(c.name);
    next_minute();
    c.request.ticket_id = id;
    auto r = h->act(c.request);
    REQUIRE_FALSE(r.has_value());
    CHECK(code_of(r.error()) == c.code);
    answers += code_of(r.error()) + " " + c.name + "\n";
    const auto refused = denials_of(*h, id);
    REQUIRE(refused.size() == ++recorded);
    const tf::event& d = refused.back();
    CHECK(detail(d, "code") == c.code);
    CHECK(d.actor_id.size() <= tf::max_id_bytes);
    CHECK(d.actor_id.find('\0') == std::string::npos);
    for (const auto& [k, v] : d.details) CHECK(v.find('\0') == std::string::npos);
  }
  // The clock moved (a minute a case), so the deadlines read otherwise;
  // the ticket itself did not change.
  CHECK(view_of(*h, id).version == before.version);
  CHECK(view_of(*h, id).state == before.state);
  CHECK(trail(*h, id) == trail_before);
  // A ticket id that is not one (invalid UTF-8): the denial log, escaped.
  const std::size_t log_before = denial_log(*h).size();
  auto r = h->act(request("T\xff\xfe", "classify", regional("rm_gusu", "gusu")));
  REQUIRE_FALSE(r.has_value());
  CHECK(code_of(r.error()) == "invalid_argument");
  answers += code_of(r.error()) + " an invalid ticket id\n";
  const auto log = denial_log(*h);
  REQUIRE(log.size() == log_before + 1);
  CHECK(detail(log.back(), "ticket") == "T\\xff\\xfe");
  CHECK(h->verify(tf::engine::denial_log_id).has_value());
  CHECK(h->verify(tf::denial_stream_of(id)).has_value());
  check_consistent(*h, id);
  // The good request still works.
  CHECK(act_ok(*h, id, "classify", regional("rm_gusu", "gusu")).state == "classified");
  CHECK(h->stats().denied == bad_opens().size() + bad_acts().size() + 1);
  return answers;
}

}  // namespace tierflow_test::engine_cases
