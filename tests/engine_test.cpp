// SPDX-License-Identifier: MIT
// The engine's contract (include/tierflow/engine.hpp), exercised on the
// SHIPPED definitions (workflows/organisation.yaml, workflows/complaint.yaml)
// under a manual clock. Fixtures of our own, under tests/data/engine/:
//   - versions: the shipped complaint workflow as version 1 plus a version 2
//     (effective 2026-12-01, `contact: 12h` instead of 24h) derived from its
//     text in memory;
//   - return/loose_return.yaml: a workflow whose `return: true` action can be
//     taken without a handoff (no shipped workflow allows that), for the
//     "nothing to return from" refusal.
//
// Every expected instant is worked out by hand below from the rules of
// tierflow/calendar.hpp on the shipped `office` calendar (Mon-Fri
// 08:30-12:00 and 13:30-17:30, +08:00; 27000 working seconds a day; 2026
// holidays include 10-01..10-07, and Sat 10-10 is a make-up working day).
// `bd` = the same working offset N working days later, holidays skipped.
// Local (UTC+8) times are written local(y, m, d, h, mi[, s]).
#include <algorithm>
#include <chrono>
#include <cstdint>
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
#include <tierflow/loader.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/notification.hpp>
#include <tierflow/store.hpp>
#include <tierflow/ticket.hpp>

#include "test_support.hpp"

namespace chr = std::chrono;
namespace tf = tierflow;
using tf::timestamp;
using tierflow_test::iso;
using tierflow_test::local;
using tierflow_test::shipped;

namespace {

// --- definitions ---------------------------------------------------------------

tf::catalog load(const std::vector<std::string>& paths) {
  tf::diagnostics diags;
  auto cat = tf::load_catalog_files(paths, diags, tf::load_limits{});
  REQUIRE_MESSAGE(cat.has_value(), (cat ? std::string() : cat.error().message()));
  return std::move(*cat);
}

/// The shipped organisation and complaint workflow (version 1, effective
/// 2026-01-01), plus a version 2 made from the same text in memory: effective
/// 2026-12-01, `contact` within 12h instead of 24h. Built, not copied, so it
/// follows the shipped file.
tf::catalog versions_fixture() {
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

tf::catalog loose_return_fixture() {
  return load({TIERFLOW_SOURCE_DIR "/workflows/organisation.yaml",
               TIERFLOW_SOURCE_DIR "/tests/data/engine/return/loose_return.yaml"});
}

// --- a store that remembers the order of appends ------------------------------------

/// A memory_store that logs every successful append: which ticket, the first
/// event's time and type and its deadline details. Shows the order in which
/// advance() fires timers across tickets.
class recording_store final : public tf::store {
 public:
  [[nodiscard]] tf::result<void> append(const tf::append_request& r) override {
    auto ok = inner_.append(r);
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
  [[nodiscard]] tf::result<std::vector<tf::event>> load(std::string_view id) const override {
    return inner_.load(id);
  }
  [[nodiscard]] tf::result<stream_head> head(std::string_view id) const override {
    return inner_.head(id);
  }
  [[nodiscard]] tf::result<std::uint64_t> next_ticket_number() override {
    return inner_.next_ticket_number();
  }
  [[nodiscard]] tf::result<tf::ticket_summary> summary(std::string_view id) const override {
    return inner_.summary(id);
  }
  [[nodiscard]] tf::result<std::vector<tf::ticket_summary>> queue(
      std::string_view unit, std::string_view region) const override {
    return inner_.queue(unit, region);
  }
  [[nodiscard]] tf::result<std::vector<tf::ticket_summary>> customer_tickets(
      std::string_view customer) const override {
    return inner_.customer_tickets(customer);
  }
  [[nodiscard]] tf::result<std::vector<tf::due_ticket>> due(timestamp now,
                                                            std::size_t limit) const override {
    return inner_.due(now, limit);
  }
  [[nodiscard]] tf::result<std::vector<tf::ticket_summary>> open_tickets() const override {
    return inner_.open_tickets();
  }
  [[nodiscard]] tf::result<std::vector<std::string>> streams() const override { return inner_.streams(); }

  /// The appends logged so far, one per line, and forgets them.
  std::string take_log() {
    const std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& line : log_) out += line + "\n";
    log_.clear();
    return out;
  }

 private:
  tf::memory_store inner_;
  std::mutex mutex_;
  std::vector<std::string> log_;
};

/// A sink whose delivery always fails.
class throwing_sink final : public tf::notification_sink {
 public:
  void deliver(const tf::notification&) override {
    ++calls;
    throw std::runtime_error("sms gateway down");
  }
  int calls = 0;
};

// --- an engine under a manual clock ------------------------------------------------

struct harness {
  tf::manual_clock clock;
  tf::notification_queue inbox;
  std::unique_ptr<tf::engine> eng;

  /// The engine takes `cat` by value: by default its own copy of the shipped catalog.
  explicit harness(timestamp start, tf::catalog cat = shipped(), tf::store* events = nullptr,
                   tf::notification_sink* sink = nullptr)
      : clock(start) {
    tf::engine_options options;
    options.time_source = &clock;
    options.events = events;
    options.sink = sink != nullptr ? sink : &inbox;
    auto created = tf::engine::create(std::move(cat), options);
    REQUIRE_MESSAGE(created.has_value(), (created ? std::string() : created.error().message()));
    eng = std::move(*created);
  }
  tf::engine& operator*() const { return *eng; }
  tf::engine* operator->() const { return eng.get(); }
  void at(timestamp t) { REQUIRE(clock.set(t)); }
};

// --- requests --------------------------------------------------------------------------

tf::actor csr(std::string id) { return {std::move(id), {"csr"}, ""}; }
tf::actor dispatcher() { return {"disp_1", {"dispatcher"}, ""}; }
tf::actor regional(std::string id, std::string region) {
  return {std::move(id), {"regional_manager"}, std::move(region)};
}
tf::actor engineer() { return {"eng_1", {"technical_engineer"}, ""}; }
tf::actor supervisor() { return {"sup_1", {"csc_supervisor"}, ""}; }

/// A complaint from a customer of `region`; `big` makes it importance class
/// level2, which the shipped routing sends to the regional account manager.
tf::open_request complaint(std::string customer, std::string region = "gusu", bool big = false) {
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

std::string open_ok(tf::engine& e, const tf::open_request& r) {
  auto o = e.open(r);
  REQUIRE_MESSAGE(o.has_value(), (o ? std::string() : o.error().message()));
  return o->ticket.id;
}

tf::act_request request(std::string id, std::string action, tf::actor by, std::string note = {}) {
  tf::act_request r;
  r.ticket_id = std::move(id);
  r.action = std::move(action);
  r.by = std::move(by);
  r.note = std::move(note);
  return r;
}

tf::ticket_view act_ok(tf::engine& e, const std::string& id, const std::string& action,
                       tf::actor by, std::string note = {}) {
  auto v = e.act(request(id, action, std::move(by), std::move(note)));
  REQUIRE_MESSAGE(v.has_value(), action << ": " << (v ? std::string() : v.error().message()));
  return *v;
}

/// classify, dispatch, acknowledge by `who`: the ticket waits in
/// `acknowledged`, which has no step limit, so only the named deadlines run.
void acknowledge(tf::engine& e, const std::string& id, const tf::actor& who) {
  act_ok(e, id, "classify", who);
  act_ok(e, id, "dispatch", dispatcher());
  act_ok(e, id, "acknowledge", who);
}

// --- reading results ------------------------------------------------------------------------

tf::ticket_view view_of(const tf::engine& e, std::string_view id) {
  auto v = e.view(id);
  REQUIRE_MESSAGE(v.has_value(), (v ? std::string() : v.error().message()));
  return *v;
}

std::vector<tf::event> trail(const tf::engine& e, std::string_view id) {
  auto t = e.events(id);
  REQUIRE_MESSAGE(t.has_value(), (t ? std::string() : t.error().message()));
  return *t;
}

/// The denial log, empty while nothing has been denied.
std::vector<tf::event> denial_log(const tf::engine& e) {
  auto t = e.events(tf::engine::denial_log_id);
  return t ? *t : std::vector<tf::event>{};
}

std::string detail(const tf::event& e, std::string_view key) {
  const auto v = e.detail(key);
  return v ? std::string(*v) : std::string("(absent)");
}

std::string code_of(const tf::error& e) { return std::string(tf::to_string(e.code())); }

const tf::deadline_view& deadline(const tf::ticket_view& v, std::string_view id) {
  for (const auto& d : v.deadlines)
    if (d.id == id) return d;
  FAIL("ticket " << v.id << " has no deadline " << std::string(id));
  return v.deadlines.front();  // not reached
}

std::string status(const tf::deadline_view& d) { return std::string(tf::to_string(d.status)); }

timestamp due_of(const tf::ticket_view& v, std::string_view id) {
  const auto& d = deadline(v, id);
  REQUIRE_MESSAGE(d.due.has_value(), "deadline " << std::string(id) << " has no due instant");
  return *d.due;
}

/// The timer events of a trail, one line each: "type deadline [N%] [after D] @time by actor".
std::string timer_events(const std::vector<tf::event>& t) {
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

std::vector<const tf::event*> of_type(const std::vector<tf::event>& t, tf::event_type type) {
  std::vector<const tf::event*> out;
  for (const auto& e : t)
    if (e.type == type) out.push_back(&e);
  return out;
}
/// Pointers into a temporary trail would dangle.
std::vector<const tf::event*> of_type(std::vector<tf::event>&&, tf::event_type) = delete;

/// The ticket's trail verifies, and replay() gives view().
void check_consistent(const tf::engine& e, std::string_view id) {
  auto ok = e.verify(id);
  CHECK_MESSAGE(ok.has_value(), (ok ? std::string() : ok.error().message()));
  auto replayed = e.replay(id);
  REQUIRE(replayed.has_value());
  CHECK(*replayed == view_of(e, id));
}

/// `after` equals `before` except version (one more: the denied event) and
/// as_of. Field by field first, for readable failures, then the whole view.
void check_unchanged_but_version(const tf::ticket_view& before, const tf::ticket_view& after) {
  CHECK(after.version == before.version + 1);
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
  expected.version = before.version + 1;
  expected.as_of = after.as_of;
  CHECK(after == expected);
}

/// act(req) on an existing ticket is refused with `code`: the ticket is
/// unchanged but for one `denied` event naming the action, code, reason and
/// actor; nothing else is stored and the trail still verifies.
void check_refused(harness& h, const tf::act_request& req, std::string_view code) {
  const tf::ticket_view before = view_of(*h, req.ticket_id);
  const std::vector<tf::event> trail_before = trail(*h, req.ticket_id);
  const std::size_t log_before = denial_log(*h).size();
  const tf::engine_stats stats_before = h->stats();

  auto r = h->act(req);
  REQUIRE_FALSE(r.has_value());
  CHECK(code_of(r.error()) == code);

  const tf::ticket_view after = view_of(*h, req.ticket_id);
  check_unchanged_but_version(before, after);

  const std::vector<tf::event> trail_after = trail(*h, req.ticket_id);
  REQUIRE(trail_after.size() == trail_before.size() + 1);
  CHECK(std::equal(trail_before.begin(), trail_before.end(), trail_after.begin()));
  const tf::event& denied = trail_after.back();
  CHECK(denied.type == tf::event_type::denied);
  CHECK(denied.sequence == before.version + 1);
  CHECK(denied.actor_id == req.by.id);
  CHECK(denied.time == h.clock.now());
  CHECK(detail(denied, "action") == req.action);
  CHECK(detail(denied, "code") == code);
  CHECK(detail(denied, "reason") == r.error().message());
  CHECK_FALSE(r.error().message().empty());
  // A denial on a known ticket goes to its own trail, not to the denial log.
  CHECK(denial_log(*h).size() == log_before);
  CHECK(h->stats().denied == stats_before.denied + 1);
  CHECK(h->stats().commands == stats_before.commands);
  check_consistent(*h, req.ticket_id);
}

/// open(req) is refused with `code`: no ticket, one entry in the denial log.
void check_open_refused(harness& h, const tf::open_request& req, std::string_view code) {
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

}  // namespace

// ================================================================================
// 1. Rejections
// ================================================================================

TEST_CASE("engine.act.refusals_change_nothing_but_one_denied_event") {
  // Tue 2026-11-24 09:00 local; nothing falls due while the clock stands.
  harness h(local(2026, 11, 24, 9, 0));
  // A big customer of gusu: routed to the gusu regional account manager.
  const std::string id = open_ok(*h, complaint("cust_refusals", "gusu", true));
  const tf::ticket_view opened = view_of(*h, id);
  REQUIRE(opened.state == "received");
  REQUIRE(opened.assignee.unit == "regional_account_manager");
  REQUIRE(opened.assignee.region == "gusu");

  SUBCASE("action not available in the state") {
    check_refused(h, request(id, "dispatch", csr("csr_1")), "not_found");
  }
  SUBCASE("an action no state has") {
    check_refused(h, request(id, "teleport", csr("csr_1")), "not_found");
  }
  SUBCASE("actor without an allowed role") {
    // classify: by [csr, regional_manager, enterprise_manager]
    check_refused(h, request(id, "classify", dispatcher()), "permission_denied");
  }
  SUBCASE("actor holding no role at all") {
    check_refused(h, request(id, "classify", tf::actor{"visitor", {}, ""}), "permission_denied");
  }
  SUBCASE("regional manager of another region") {
    check_refused(h, request(id, "classify", regional("rm_wuzhong", "wuzhong")),
                  "permission_denied");
  }
  SUBCASE("regional manager without a region") {
    check_refused(h, request(id, "classify", regional("rm_nowhere", "")), "permission_denied");
  }
  SUBCASE("stale expected_version") {
    tf::act_request r = request(id, "classify", regional("rm_gusu", "gusu"));
    r.expected_version = opened.version - 1;
    check_refused(h, r, "conflict");
  }
  SUBCASE("expected_version from the future") {
    tf::act_request r = request(id, "classify", regional("rm_gusu", "gusu"));
    r.expected_version = opened.version + 1;
    check_refused(h, r, "conflict");
  }
  SUBCASE("missing required note") {
    // not_a_complaint: note: true
    check_refused(h, request(id, "not_a_complaint", regional("rm_gusu", "gusu")),
                  "permission_denied");
  }
  SUBCASE("the same request succeeds when everything is right") {
    tf::act_request r = request(id, "classify", regional("rm_gusu", "gusu"));
    r.expected_version = opened.version;
    auto v = h->act(r);
    REQUIRE(v.has_value());
    CHECK(v->state == "classified");
    CHECK(v->owner == "rm_gusu");
    CHECK(h->stats().denied == 0);
  }
}

TEST_CASE("engine.act.refusal_after_progress_keeps_owner_assignee_and_clocks") {
  // The same guarantees on a ticket with an owner, a handoff and running
  // clocks: a refusal in `investigating` changes none of it.
  harness h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_refusals_2"));
  acknowledge(*h, id, csr("csr_1"));
  act_ok(*h, id, "contact_customer", csr("csr_1"));
  act_ok(*h, id, "start_investigation", csr("csr_1"));
  h.at(local(2026, 11, 24, 10, 0));
  act_ok(*h, id, "need_tech", csr("csr_1"), "transformer hum");
  REQUIRE(view_of(*h, id).handoffs == std::vector<std::string>{"technical_department"});
  // tech_cannot_resolve needs a note.
  check_refused(h, request(id, "tech_cannot_resolve", engineer()), "permission_denied");
  // A csr may not take the technical department's action.
  check_refused(h, request(id, "tech_done", csr("csr_1")), "permission_denied");
  // reply belongs to investigating, not tech_review.
  check_refused(h, request(id, "reply", csr("csr_1")), "not_found");
}

TEST_CASE("engine.act.return_without_handoff_is_refused") {
  harness h(local(2026, 11, 24, 9, 0), loose_return_fixture());
  tf::open_request r = complaint("cust_loose");
  r.type = "loose_return";
  const std::string id = open_ok(*h, r);
  REQUIRE(view_of(*h, id).handoffs.empty());
  check_refused(h, request(id, "give_back", csr("csr_1")), "permission_denied");
  // The action without `return` is allowed for the same actor.
  CHECK(act_ok(*h, id, "finish", csr("csr_1")).closed);
}

TEST_CASE("engine.act.unknown_ticket_is_logged_in_the_denial_log") {
  harness h(local(2026, 11, 24, 9, 0));
  const std::string real = open_ok(*h, complaint("cust_unknown"));
  const tf::ticket_view before = view_of(*h, real);
  CHECK(denial_log(*h).empty());

  auto r = h->act(request("T99999999", "classify", csr("csr_7")));
  REQUIRE_FALSE(r.has_value());
  CHECK(code_of(r.error()) == "not_found");

  const auto log = denial_log(*h);
  REQUIRE(log.size() == 1);
  const tf::event& e = log.front();
  CHECK(e.type == tf::event_type::denied);
  CHECK(e.ticket_id == "~denied");
  CHECK(e.sequence == 1);
  CHECK(e.actor_id == "csr_7");
  CHECK(e.time == local(2026, 11, 24, 9, 0));
  CHECK(detail(e, "ticket") == "T99999999");
  CHECK(detail(e, "action") == "classify");
  CHECK(detail(e, "code") == "not_found");
  CHECK(detail(e, "reason") == r.error().message());
  CHECK(r.error().message().find("T99999999") != std::string::npos);
  CHECK(h->stats().denied == 1);

  // A second one chains onto the first.
  auto again = h->act(request("T00000099", "urge", csr("csr_8"), "where is it"));
  REQUIRE_FALSE(again.has_value());
  CHECK(code_of(again.error()) == "not_found");
  const auto log2 = denial_log(*h);
  REQUIRE(log2.size() == 2);
  CHECK(log2[0] == log.front());
  CHECK(log2[1].sequence == 2);
  CHECK(log2[1].actor_id == "csr_8");
  CHECK(detail(log2[1], "ticket") == "T00000099");
  CHECK(detail(log2[1], "action") == "urge");
  auto ok = h->verify(tf::engine::denial_log_id);
  CHECK(ok.has_value());

  // The unknown ids did not become tickets, and the real one is untouched.
  CHECK_FALSE(h->view("T99999999").has_value());
  CHECK_FALSE(h->events("T99999999").has_value());
  CHECK(view_of(*h, real) == before);
}

TEST_CASE("engine.open.refusals_create_nothing_and_are_logged") {
  harness h(local(2026, 11, 24, 9, 0));

  SUBCASE("unknown ticket type") {
    tf::open_request r = complaint("cust_o1");
    r.type = "compliment";
    check_open_refused(h, r, "not_found");
  }
  SUBCASE("unknown channel") {
    tf::open_request r = complaint("cust_o2");
    r.channel = "carrier_pigeon";
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("unknown customer attribute") {
    tf::open_request r = complaint("cust_o3");
    r.customer.emplace_back("favourite_colour", tf::value{std::string("blue")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("unknown ticket field") {
    tf::open_request r = complaint("cust_o3b");
    r.fields.emplace_back("mood", tf::value{std::string("angry")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("wrong type: text for a number") {
    tf::open_request r = complaint("cust_o4");
    r.customer.emplace_back("voltage_kv", tf::value{std::string("high")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("wrong type: number for a bool") {
    tf::open_request r = complaint("cust_o4b");
    r.customer.emplace_back("high_risk", tf::value{std::int64_t{1}});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("enum value not in the list") {
    tf::open_request r = complaint("cust_o5");
    r.customer.emplace_back("importance_class", tf::value{std::string("platinum")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("ticket field enum value not in the list") {
    tf::open_request r = complaint("cust_o5b");
    r.fields.emplace_back("complaint_class", tf::value{std::string("rudeness")});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("region not in the organisation") {
    tf::open_request r = complaint("cust_o5c", "atlantis");
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("derived attribute supplied") {
    tf::open_request r = complaint("cust_o6");
    r.customer.emplace_back("complaints_last_30d", tf::value{std::int64_t{0}});
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("empty customer id") {
    tf::open_request r = complaint("");
    check_open_refused(h, r, "invalid_argument");
  }
  SUBCASE("description one byte over max_text_bytes") {
    tf::open_request r = complaint("cust_o7");
    r.description = std::string(tf::max_text_bytes + 1, 'x');
    check_open_refused(h, r, "limit_exceeded");
  }
  SUBCASE("description of exactly max_text_bytes is accepted") {
    tf::open_request r = complaint("cust_o8");
    r.description = std::string(tf::max_text_bytes, 'x');
    auto o = h->open(r);
    REQUIRE(o.has_value());
    CHECK(o->ticket.id == "T00000001");
    CHECK(denial_log(*h).empty());
    CHECK(detail(trail(*h, o->ticket.id).front(), "description") == r.description);
  }
}

// ================================================================================
// 2. Owner and assignee
// ================================================================================

TEST_CASE("engine.owner.first_claimer_owns_later_claims_move_only_the_assignee") {
  harness h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_owner"));
  tf::ticket_view v = view_of(*h, id);
  CHECK(v.owner.empty());
  CHECK(v.assignee == tf::assignment{"customer_service_center", "", ""});
  CHECK(v.tier == "customer_service_center");
  CHECK(v.tier_level == 0);

  // csr_1 claims first: owner and assignee.
  v = act_ok(*h, id, "classify", csr("csr_1"));
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"customer_service_center", "", "csr_1"});
  {
    const auto t = trail(*h, id);
    const auto acc = of_type(t, tf::event_type::accepted);
    REQUIRE(acc.size() == 1);
    CHECK(acc[0]->actor_id == "csr_1");
    CHECK(detail(*acc[0], "person") == "csr_1");
    CHECK(detail(*acc[0], "owner") == "true");
    CHECK(detail(*acc[0], "assignee") == "true");
    const tf::event& moved = t.back();
    CHECK(moved.type == tf::event_type::transitioned);
    CHECK(detail(moved, "action") == "classify");
    CHECK(detail(moved, "from") == "received");
    CHECK(detail(moved, "to") == "classified");
  }

  // dispatch is not a claim.
  v = act_ok(*h, id, "dispatch", dispatcher());
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee.person == "csr_1");

  // csr_2 claims later: assignee only.
  v = act_ok(*h, id, "acknowledge", csr("csr_2"));
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"customer_service_center", "", "csr_2"});
  {
    const auto t = trail(*h, id);
    const auto acc = of_type(t, tf::event_type::accepted);
    REQUIRE(acc.size() == 2);
    CHECK(detail(*acc[1], "person") == "csr_2");
    CHECK(detail(*acc[1], "owner") == "false");
    CHECK(detail(*acc[1], "assignee") == "true");
  }
  v = act_ok(*h, id, "contact_customer", csr("csr_2"));
  v = act_ok(*h, id, "start_investigation", csr("csr_2"));
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee.person == "csr_2");
  (void)h.inbox.drain();

  // Handoff: the team has it, the owner stays.
  h.at(local(2026, 11, 24, 10, 0));
  v = act_ok(*h, id, "need_tech", csr("csr_2"), "transformer hum");
  CHECK(v.state == "tech_review");
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"technical_department", "", ""});
  CHECK(v.handoffs == std::vector<std::string>{"technical_department"});
  CHECK(v.tier == "customer_service_center");
  {
    const auto t = trail(*h, id);
    const auto off = of_type(t, tf::event_type::handed_off);
    REQUIRE(off.size() == 1);
    CHECK(detail(*off[0], "action") == "need_tech");
    CHECK(detail(*off[0], "from_unit") == "customer_service_center");
    CHECK(detail(*off[0], "to_unit") == "technical_department");
    CHECK(detail(*off[0], "region") == "");
    const tf::event& told = t.back();
    CHECK(told.type == tf::event_type::notified);
    CHECK(detail(told, "to") == "owner");
    CHECK(detail(told, "person") == "csr_1");
    CHECK(detail(told, "reason") == "handed_off");
  }
  {
    const auto notes = h.inbox.drain();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == tf::notification{id, local(2026, 11, 24, 10, 0), tf::recipient::owner,
                                       "csr_1", "technical_department", "", "handed_off"});
  }

  // Return: back to exactly who handed it off.
  h.at(local(2026, 11, 24, 11, 0));
  v = act_ok(*h, id, "tech_done", engineer());
  CHECK(v.state == "investigating");
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"customer_service_center", "", "csr_2"});
  CHECK(v.handoffs.empty());
  {
    const auto t = trail(*h, id);
    const auto back = of_type(t, tf::event_type::returned);
    REQUIRE(back.size() == 1);
    CHECK(detail(*back[0], "kind") == "handoff");
    CHECK(detail(*back[0], "from_unit") == "technical_department");
    CHECK(detail(*back[0], "to_unit") == "customer_service_center");
    CHECK(detail(*back[0], "region") == "");
    CHECK(detail(*back[0], "person") == "csr_2");
  }
  CHECK(h.inbox.drain().empty());

  // Escalation: the next tier's regional queue has it, the owner stays.
  h.at(local(2026, 11, 24, 11, 30));
  v = act_ok(*h, id, "refer_up", csr("csr_2"), "needs a tariff decision");
  CHECK(v.state == "investigating");
  CHECK(v.owner == "csr_1");
  CHECK(v.tier == "regional_account_manager");
  CHECK(v.tier_level == 1);
  CHECK(v.escalations == 1);
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", ""});
  {
    const auto t = trail(*h, id);
    const auto up = of_type(t, tf::event_type::escalated);
    REQUIRE(up.size() == 1);
    CHECK(detail(*up[0], "action") == "refer_up");
    CHECK(detail(*up[0], "from_tier") == "customer_service_center");
    CHECK(detail(*up[0], "to_tier") == "regional_account_manager");
    CHECK(detail(*up[0], "region") == "gusu");
  }
  {
    const auto notes = h.inbox.drain();
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == tf::notification{id, local(2026, 11, 24, 11, 30), tf::recipient::owner,
                                       "csr_1", "regional_account_manager", "gusu", "escalated"});
  }

  // A claim by someone who does not work in the unit: assignee unchanged.
  v = act_ok(*h, id, "reply", csr("csr_2"));
  CHECK(v.state == "handler_replied");
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", ""});
  v = act_ok(*h, id, "review_rejected", supervisor(), "reply incomplete");
  CHECK(v.state == "investigating");

  // The regional manager claims: assignee, never owner.
  v = act_ok(*h, id, "reply", regional("rm_gusu", "gusu"));
  CHECK(v.owner == "csr_1");
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", "rm_gusu"});
  {
    const auto t = trail(*h, id);
    const auto acc = of_type(t, tf::event_type::accepted);
    REQUIRE_FALSE(acc.empty());
    CHECK(detail(*acc.back(), "person") == "rm_gusu");
    CHECK(detail(*acc.back(), "owner") == "false");
    CHECK(detail(*acc.back(), "assignee") == "true");
    for (const tf::event* e : acc)
      if (detail(*e, "person") != "csr_1") CHECK(detail(*e, "owner") == "false");
  }
  check_consistent(*h, id);
}

TEST_CASE("engine.owner.first_claimer_from_another_unit_owns_without_being_assignee") {
  harness h(local(2026, 11, 24, 9, 0));
  // Routed to the gusu regional account manager; a 95598 agent classifies it.
  const std::string id = open_ok(*h, complaint("cust_owner_2", "gusu", true));
  tf::ticket_view v = act_ok(*h, id, "classify", csr("csr_9"));
  CHECK(v.owner == "csr_9");
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", ""});
  {
    const auto t = trail(*h, id);
    const auto acc = of_type(t, tf::event_type::accepted);
    REQUIRE(acc.size() == 1);
    CHECK(detail(*acc[0], "person") == "csr_9");
    CHECK(detail(*acc[0], "owner") == "true");
    CHECK(detail(*acc[0], "assignee") == "false");
  }
  act_ok(*h, id, "dispatch", dispatcher());
  v = act_ok(*h, id, "acknowledge", regional("rm_gusu", "gusu"));
  CHECK(v.owner == "csr_9");
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", "rm_gusu"});
  check_consistent(*h, id);
}

// ================================================================================
// 3. Deadlines and timers
// ================================================================================

TEST_CASE("engine.deadlines.due_instants_warnings_breach_and_after_breach") {
  // Opened Wed 2026-09-30 10:00 local, a working day (working offset 1.5 h,
  // 21600 s of working time left that day). The next working days: Thu
  // 10-01..Wed 10-07 are the National Day holidays, so Thu 10-08, Fri 10-09,
  // Sat 10-10 (make-up day, Monday's hours), Mon 10-12, Tue 10-13.
  const timestamp t0 = local(2026, 9, 30, 10, 0);
  harness h(t0);
  const std::string id = open_ok(*h, complaint("cust_deadlines"));
  acknowledge(*h, id, csr("csr_1"));  // in `acknowledged`: no step limit runs
  tf::ticket_view v = view_of(*h, id);
  REQUIRE(v.state == "acknowledged");
  REQUIRE(v.deadlines.size() == 4);  // contact, reply, answer, reopen_reply

  // contact 24h wall clock: Thu 10-01 10:00 (a holiday does not matter).
  CHECK(deadline(v, "contact").within == "24h");
  CHECK(status(deadline(v, "contact")) == "running");
  CHECK(due_of(v, "contact") == local(2026, 10, 1, 10, 0));
  CHECK(deadline(v, "contact").remaining_seconds == 86400);
  CHECK_FALSE(deadline(v, "contact").breached);
  // reply 4bd: the 4th working day after Wed 09-30 is Mon 10-12, at 10:00.
  CHECK(deadline(v, "reply").within == "4bd");
  CHECK(status(deadline(v, "reply")) == "running");
  CHECK(due_of(v, "reply") == local(2026, 10, 12, 10, 0));
  CHECK(deadline(v, "reply").remaining_seconds == 4 * 27000);
  // answer 5bd: Tue 10-13 10:00.
  CHECK(deadline(v, "answer").within == "5bd");
  CHECK(due_of(v, "answer") == local(2026, 10, 13, 10, 0));
  CHECK(deadline(v, "answer").remaining_seconds == 5 * 27000);
  // reopen_reply starts only on entering `reopened`.
  CHECK(status(deadline(v, "reopen_reply")) == "pending");
  CHECK_FALSE(deadline(v, "reopen_reply").due.has_value());
  CHECK(v.nearest_due() == std::optional<timestamp>{local(2026, 10, 1, 10, 0)});

  // Contact warnings at 50/75/90 % of 24 h: +12 h, +18 h, +21 h 36 min.
  {
    auto r = h->advance(local(2026, 10, 1, 9, 59, 59));
    REQUIRE(r.has_value());
    CHECK(r->fired == 3);
    CHECK(r->tickets == 1);
    auto again = h->advance(local(2026, 10, 1, 9, 59, 59));
    REQUIRE(again.has_value());
    CHECK(again->fired == 0);
    CHECK(again->tickets == 0);
  }
  CHECK(timer_events(trail(*h, id)) ==
        "deadline_warned contact 50% @" + iso(local(2026, 9, 30, 22, 0)) + " by system\n" +
            "deadline_warned contact 75% @" + iso(local(2026, 10, 1, 4, 0)) + " by system\n" +
            "deadline_warned contact 90% @" + iso(local(2026, 10, 1, 7, 36)) + " by system\n");
  // contact_l3 at 90 %: flag urged; no escalation yet.
  v = view_of(*h, id);
  CHECK(v.flags == std::vector<std::string>{"urged"});
  CHECK(v.tier == "customer_service_center");
  (void)h.inbox.drain();

  // The breach, at exactly the due instant: contact_l4 escalates one tier.
  h.at(local(2026, 10, 1, 10, 0));
  {
    auto r = h->advance(local(2026, 10, 1, 10, 0));
    REQUIRE(r.has_value());
    CHECK(r->fired == 1);
    auto again = h->advance(local(2026, 10, 1, 10, 0));
    REQUIRE(again.has_value());
    CHECK(again->fired == 0);
  }
  {
    const auto t = trail(*h, id);
    const auto br = of_type(t, tf::event_type::deadline_breached);
    REQUIRE(br.size() == 1);
    CHECK(br[0]->time == local(2026, 10, 1, 10, 0));
    CHECK(detail(*br[0], "deadline") == "contact");
    CHECK(detail(*br[0], "after") == "(absent)");
    const auto up = of_type(t, tf::event_type::escalated);
    REQUIRE(up.size() == 1);
    CHECK(up[0]->time == local(2026, 10, 1, 10, 0));
    CHECK(up[0]->actor_id == "system");
    CHECK(detail(*up[0], "rule") == "contact_l4");
    CHECK(detail(*up[0], "from_tier") == "customer_service_center");
    CHECK(detail(*up[0], "to_tier") == "regional_account_manager");
    CHECK(detail(*up[0], "region") == "gusu");
  }
  {
    // contact_l4 tells the owner, and so does the escalation it causes.
    const auto notes = h.inbox.drain();
    REQUIRE(notes.size() == 2);
    CHECK(notes[0] == tf::notification{id, local(2026, 10, 1, 10, 0), tf::recipient::owner, "csr_1",
                                       "customer_service_center", "", "contact_l4"});
    CHECK(notes[1] == tf::notification{id, local(2026, 10, 1, 10, 0), tf::recipient::owner, "csr_1",
                                       "regional_account_manager", "gusu", "escalated"});
  }
  v = view_of(*h, id);
  CHECK(v.tier == "regional_account_manager");
  CHECK(v.escalations == 1);
  CHECK(v.assignee == tf::assignment{"regional_account_manager", "gusu", ""});
  CHECK(v.owner == "csr_1");
  CHECK(v.flags == std::vector<std::string>{"overdue", "urged"});
  CHECK(deadline(v, "contact").breached);
  CHECK(status(deadline(v, "contact")) == "running");
  CHECK(deadline(v, "contact").remaining_seconds == 0);
  CHECK(v.overdue());

  // contact_l4_plus_1bd: 1bd after Thu 10-01 10:00 (a holiday: counts from
  // Thu 10-08 08:30, working offset 0) = Fri 10-09 08:30.
  {
    auto r = h->advance(local(2026, 10, 9, 8, 29, 59));
    REQUIRE(r.has_value());
    CHECK(r->fired == 0);
    r = h->advance(local(2026, 10, 9, 8, 30));
    REQUIRE(r.has_value());
    CHECK(r->fired == 1);
  }
  {
    const auto t = trail(*h, id);
    const auto br = of_type(t, tf::event_type::deadline_breached);
    REQUIRE(br.size() == 2);
    CHECK(br[1]->time == local(2026, 10, 9, 8, 30));
    CHECK(detail(*br[1], "deadline") == "contact");
    CHECK(detail(*br[1], "after") == "1bd");
    const auto up = of_type(t, tf::event_type::escalated);
    REQUIRE(up.size() == 2);
    CHECK(detail(*up[1], "rule") == "contact_l4_plus_1bd");
    CHECK(detail(*up[1], "from_tier") == "regional_account_manager");
    CHECK(detail(*up[1], "to_tier") == "enterprise_account_manager");
    CHECK(up[1]->time == local(2026, 10, 9, 8, 30));
  }
  h.at(local(2026, 10, 9, 8, 30));
  v = view_of(*h, id);
  CHECK(v.tier == "enterprise_account_manager");
  CHECK(v.tier_level == 2);
  CHECK(v.escalations == 2);
  CHECK(v.owner == "csr_1");

  // reply (total 108000 s) and answer (135000 s) warnings, working time from
  // Wed 09-30 10:00 (21600 s that day):
  //   reply 50 %  = 54000  -> Fri 10-09 10:00
  //   answer 50 % = 67500  -> Fri 10-09 15:15
  //   reply 75 %  = 81000  -> Sat 10-10 10:00
  //   reply 90 %  = 97200  -> Sat 10-10 16:00
  //   answer 75 % = 101250 -> Sat 10-10 17:07:30
  {
    auto r = h->advance(local(2026, 10, 12, 9, 59, 59));
    REQUIRE(r.has_value());
    CHECK(r->fired == 5);
    CHECK(r->tickets == 1);
  }
  // reply breach Mon 10-12 10:00: reply_l4 escalates once more.
  {
    auto r = h->advance(local(2026, 10, 12, 10, 0));
    REQUIRE(r.has_value());
    CHECK(r->fired == 1);
  }
  CHECK(timer_events(trail(*h, id)) ==
        "deadline_warned contact 50% @" + iso(local(2026, 9, 30, 22, 0)) + " by system\n" +
            "deadline_warned contact 75% @" + iso(local(2026, 10, 1, 4, 0)) + " by system\n" +
            "deadline_warned contact 90% @" + iso(local(2026, 10, 1, 7, 36)) + " by system\n" +
            "deadline_breached contact @" + iso(local(2026, 10, 1, 10, 0)) + " by system\n" +
            "deadline_breached contact after 1bd @" + iso(local(2026, 10, 9, 8, 30)) +
            " by system\n" + "deadline_warned reply 50% @" + iso(local(2026, 10, 9, 10, 0)) +
            " by system\n" + "deadline_warned answer 50% @" + iso(local(2026, 10, 9, 15, 15)) +
            " by system\n" + "deadline_warned reply 75% @" + iso(local(2026, 10, 10, 10, 0)) +
            " by system\n" + "deadline_warned reply 90% @" + iso(local(2026, 10, 10, 16, 0)) +
            " by system\n" + "deadline_warned answer 75% @" + iso(local(2026, 10, 10, 17, 7, 30)) +
            " by system\n" + "deadline_breached reply @" + iso(local(2026, 10, 12, 10, 0)) +
            " by system\n");
  h.at(local(2026, 10, 12, 10, 0));
  v = view_of(*h, id);
  CHECK(v.tier == "hq_key_account_desk");
  CHECK(v.escalations == 3);
  CHECK(deadline(v, "reply").breached);
  CHECK(h->stats().timers_fired == 11);
  check_consistent(*h, id);
}

TEST_CASE("engine.deadlines.timers_fire_in_global_due_order_across_tickets") {
  // A opened Tue 2026-11-24 09:00, B 10:00 local; both acknowledged at once.
  // Contact (24 h) timers interleave: A 21:00, B 22:00, A 03:00, B 04:00,
  // A 06:36, B 07:36, A 09:00 (breach), B 10:00 (breach). Nothing else falls
  // due by Wed 10:00 (reply 50 % is Thu).
  recording_store st;
  harness h(local(2026, 11, 24, 9, 0), shipped(), &st);
  const std::string a = open_ok(*h, complaint("cust_order_a"));
  acknowledge(*h, a, csr("csr_1"));
  h.at(local(2026, 11, 24, 10, 0));
  const std::string b = open_ok(*h, complaint("cust_order_b"));
  acknowledge(*h, b, csr("csr_2"));
  (void)st.take_log();
  (void)h.inbox.drain();
  const std::uint64_t fired_before = h->stats().timers_fired;

  auto r = h->advance(local(2026, 11, 25, 10, 0));
  REQUIRE(r.has_value());
  CHECK(r->fired == 8);
  CHECK(r->tickets == 2);  // engine.hpp: "Distinct tickets they fired on."
  CHECK(h->stats().timers_fired == fired_before + 8);

  // The order in which the store received them: one append per timer.
  CHECK(st.take_log() ==
        a + " " + iso(local(2026, 11, 24, 21, 0)) + " deadline_warned contact 50%\n" + b + " " +
            iso(local(2026, 11, 24, 22, 0)) + " deadline_warned contact 50%\n" + a + " " +
            iso(local(2026, 11, 25, 3, 0)) + " deadline_warned contact 75%\n" + b + " " +
            iso(local(2026, 11, 25, 4, 0)) + " deadline_warned contact 75%\n" + a + " " +
            iso(local(2026, 11, 25, 6, 36)) + " deadline_warned contact 90%\n" + b + " " +
            iso(local(2026, 11, 25, 7, 36)) + " deadline_warned contact 90%\n" + a + " " +
            iso(local(2026, 11, 25, 9, 0)) + " deadline_breached contact\n" + b + " " +
            iso(local(2026, 11, 25, 10, 0)) + " deadline_breached contact\n");

  // Each ticket's own trail, stamped with the due instants.
  CHECK(timer_events(trail(*h, a)) ==
        "deadline_warned contact 50% @" + iso(local(2026, 11, 24, 21, 0)) + " by system\n" +
            "deadline_warned contact 75% @" + iso(local(2026, 11, 25, 3, 0)) + " by system\n" +
            "deadline_warned contact 90% @" + iso(local(2026, 11, 25, 6, 36)) + " by system\n" +
            "deadline_breached contact @" + iso(local(2026, 11, 25, 9, 0)) + " by system\n");
  CHECK(timer_events(trail(*h, b)) ==
        "deadline_warned contact 50% @" + iso(local(2026, 11, 24, 22, 0)) + " by system\n" +
            "deadline_warned contact 75% @" + iso(local(2026, 11, 25, 4, 0)) + " by system\n" +
            "deadline_warned contact 90% @" + iso(local(2026, 11, 25, 7, 36)) + " by system\n" +
            "deadline_breached contact @" + iso(local(2026, 11, 25, 10, 0)) + " by system\n");

  // Notifications reached the sink in the same global order.
  std::string order;
  for (const auto& n : h.inbox.drain()) order += n.ticket_id + " " + iso(n.time) + "\n";
  const auto line = [](const std::string& t, timestamp at, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += t + " " + iso(at) + "\n";
    return out;
  };
  // 50 %: assignee; 75 %: assignee, dispatcher; 90 %: assignee, owner;
  // breach: owner (contact_l4), owner (escalated).
  CHECK(order ==
        line(a, local(2026, 11, 24, 21, 0), 1) + line(b, local(2026, 11, 24, 22, 0), 1) +
            line(a, local(2026, 11, 25, 3, 0), 2) + line(b, local(2026, 11, 25, 4, 0), 2) +
            line(a, local(2026, 11, 25, 6, 36), 2) + line(b, local(2026, 11, 25, 7, 36), 2) +
            line(a, local(2026, 11, 25, 9, 0), 2) + line(b, local(2026, 11, 25, 10, 0), 2));

  auto again = h->advance(local(2026, 11, 25, 10, 0));
  REQUIRE(again.has_value());
  CHECK(again->fired == 0);
  CHECK(again->tickets == 0);
  CHECK(st.take_log().empty());
  check_consistent(*h, a);
  check_consistent(*h, b);
}

TEST_CASE("engine.deadlines.act_fires_due_timers_first") {
  harness h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_act_timers"));
  // received: step limit 30m from 09:00; its 50 % warning (09:15) is due
  // when the action comes at 09:20, the 75 % one (09:22:30) is not.
  h.at(local(2026, 11, 24, 9, 20));
  act_ok(*h, id, "classify", csr("csr_1"));
  const auto t = trail(*h, id);
  CHECK(timer_events(t) ==
        "deadline_warned step 50% @" + iso(local(2026, 11, 24, 9, 15)) + " by system\n");
  // The warning comes before the action's events.
  const auto warned = of_type(t, tf::event_type::deadline_warned);
  const auto moved = of_type(t, tf::event_type::transitioned);
  REQUIRE(warned.size() == 1);
  REQUIRE(moved.size() == 1);
  CHECK(warned[0]->sequence < moved[0]->sequence);
  CHECK(moved[0]->time == local(2026, 11, 24, 9, 20));
  check_consistent(*h, id);
}

// ================================================================================
// 4. Pauses
// ================================================================================

TEST_CASE("engine.deadlines.pause_keeps_remaining_time_and_resume_recomputes_due") {
  // Opened Tue 2026-11-24 09:00 local (offset 30 min), straight into
  // investigating; contact met at once. reply 4bd = Mon 11-30 09:00
  // (108000 s), answer 5bd = Tue 12-01 09:00 (135000 s).
  harness h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_pause"));
  acknowledge(*h, id, csr("csr_1"));
  act_ok(*h, id, "contact_customer", csr("csr_1"));
  tf::ticket_view v = act_ok(*h, id, "start_investigation", csr("csr_1"));
  CHECK(status(deadline(v, "contact")) == "met");
  CHECK(due_of(v, "reply") == local(2026, 11, 30, 9, 0));
  CHECK(due_of(v, "answer") == local(2026, 12, 1, 9, 0));

  // Tue 11:00: 7200 working seconds used; the ticket waits for the customer.
  h.at(local(2026, 11, 24, 11, 0));
  v = act_ok(*h, id, "need_customer_input", csr("csr_1"), "site access form");
  CHECK(v.state == "waiting_customer");
  CHECK(v.paused);
  CHECK(status(deadline(v, "reply")) == "paused");
  CHECK_FALSE(deadline(v, "reply").due.has_value());
  CHECK(deadline(v, "reply").remaining_seconds == 108000 - 7200);
  CHECK(status(deadline(v, "answer")) == "paused");
  CHECK(deadline(v, "answer").remaining_seconds == 135000 - 7200);
  CHECK(status(deadline(v, "contact")) == "met");
  CHECK_FALSE(v.nearest_due().has_value());
  {
    const auto t = trail(*h, id);
    REQUIRE(t.size() >= 2);
    CHECK(t[t.size() - 2].type == tf::event_type::transitioned);
    CHECK(t.back().type == tf::event_type::paused);
    CHECK(detail(t.back(), "state") == "waiting_customer");
    CHECK(t.back().time == local(2026, 11, 24, 11, 0));
  }

  // Two days later (reply 50 % would have been Thu 09:00 had it run).
  h.at(local(2026, 11, 26, 15, 0));
  v = view_of(*h, id);
  CHECK(v.paused);
  CHECK(deadline(v, "reply").remaining_seconds == 100800);
  CHECK(deadline(v, "answer").remaining_seconds == 127800);
  CHECK_FALSE(deadline(v, "reply").breached);
  {
    auto r = h->advance();
    REQUIRE(r.has_value());
    CHECK(r->fired == 0);
  }
  CHECK(timer_events(trail(*h, id)).empty());

  // Resume Thu 11-26 15:00 (9000 s left that day):
  //   reply: 100800 = 9000 + Fri + Mon + Tue (3 x 27000) + 10800 -> Wed 12-02 11:30
  //   answer: 127800 = 9000 + 4 x 27000 + 10800 -> Thu 12-03 11:30
  v = act_ok(*h, id, "customer_responded", csr("csr_1"), "form received");
  CHECK(v.state == "investigating");
  CHECK_FALSE(v.paused);
  CHECK(status(deadline(v, "reply")) == "running");
  CHECK(due_of(v, "reply") == local(2026, 12, 2, 11, 30));
  CHECK(deadline(v, "reply").remaining_seconds == 100800);
  CHECK(due_of(v, "answer") == local(2026, 12, 3, 11, 30));
  CHECK(deadline(v, "answer").remaining_seconds == 127800);
  {
    const auto t = trail(*h, id);
    CHECK(t.back().type == tf::event_type::resumed);
    CHECK(t.back().time == local(2026, 11, 26, 15, 0));
    CHECK(of_type(t, tf::event_type::paused).size() == 1);
    CHECK(of_type(t, tf::event_type::resumed).size() == 1);
  }

  // Warnings follow the shifted clock: reply 50 % = 54000 - 7200 = 46800 s
  // after Thu 15:00 -> Mon 11-30 11:30 (answer 50 % is Mon 16:45).
  {
    auto r = h->advance(local(2026, 11, 30, 11, 29, 59));
    REQUIRE(r.has_value());
    CHECK(r->fired == 0);
    r = h->advance(local(2026, 11, 30, 11, 30));
    REQUIRE(r.has_value());
    CHECK(r->fired == 1);
  }
  CHECK(timer_events(trail(*h, id)) ==
        "deadline_warned reply 50% @" + iso(local(2026, 11, 30, 11, 30)) + " by system\n");
  check_consistent(*h, id);
}

// ================================================================================
// 5. Notifications
// ================================================================================

TEST_CASE("engine.notifications.a_throwing_sink_is_counted_and_changes_nothing") {
  throwing_sink sink;
  harness h(local(2026, 11, 24, 9, 0), shipped(), nullptr, &sink);
  const std::string id = open_ok(*h, complaint("cust_sink"));
  acknowledge(*h, id, csr("csr_1"));
  act_ok(*h, id, "contact_customer", csr("csr_1"));
  act_ok(*h, id, "start_investigation", csr("csr_1"));
  CHECK(sink.calls == 0);
  CHECK(h->stats().sink_failures == 0);

  // The handoff notifies the owner: the sink throws, the action stands.
  h.at(local(2026, 11, 24, 10, 0));
  auto r = h->act(request(id, "need_tech", csr("csr_1"), "transformer hum"));
  REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message()));
  CHECK(r->state == "tech_review");
  CHECK(r->handoffs == std::vector<std::string>{"technical_department"});
  CHECK(sink.calls == 1);
  CHECK(h->stats().sink_failures == 1);
  CHECK(h->stats().notifications == 0);
  const tf::ticket_view v = view_of(*h, id);
  CHECK(v == *r);
  {
    const auto t = trail(*h, id);
    REQUIRE(t.size() >= 3);
    CHECK(t[t.size() - 3].type == tf::event_type::transitioned);
    CHECK(t[t.size() - 2].type == tf::event_type::handed_off);
    CHECK(t.back().type == tf::event_type::notified);
    CHECK(detail(t.back(), "reason") == "handed_off");
  }

  // Escalation through an action: owner told, sink throws again.
  h.at(local(2026, 11, 24, 11, 0));
  act_ok(*h, id, "tech_done", engineer());
  auto up = h->act(request(id, "refer_up", csr("csr_1"), "tariff decision"));
  REQUIRE(up.has_value());
  CHECK(up->tier == "regional_account_manager");
  CHECK(sink.calls == 2);
  CHECK(h->stats().sink_failures == 2);

  // Timers notify too (reply 50 %, 2bd after Tue 09:00 = Thu 11-26 09:00:
  // the assignee; contact was met at 09:00); advance still succeeds.
  auto adv = h->advance(local(2026, 11, 26, 9, 0));
  REQUIRE(adv.has_value());
  CHECK(adv->fired == 1);
  CHECK(sink.calls == 3);
  CHECK(h->stats().sink_failures == 3);
  CHECK(h->stats().notifications == 0);
  check_consistent(*h, id);
}

// ================================================================================
// 6. Queries
// ================================================================================

TEST_CASE("engine.queries.queue_overdue_and_at_risk") {
  // Big customers: routed to their region's regional account manager queue.
  harness h(local(2026, 11, 24, 9, 0));
  const std::string x = open_ok(*h, complaint("cust_qx", "gusu", true));
  h.at(local(2026, 11, 24, 9, 5));
  const std::string z = open_ok(*h, complaint("cust_qz", "wuzhong", true));
  h.at(local(2026, 11, 24, 9, 10));
  const std::string y = open_ok(*h, complaint("cust_qy", "gusu", true));
  h.at(local(2026, 11, 24, 9, 12));
  const std::string w = open_ok(*h, complaint("cust_qw", "gusu", true));
  CHECK(act_ok(*h, w, "not_a_complaint", regional("rm_gusu", "gusu"), "asks for a tariff leaflet")
            .closed);
  // X moves on to `classified` (step limit 2h from 09:20): its nearest due
  // is now 11:20, later than Y's step (09:10 + 30m = 09:40).
  h.at(local(2026, 11, 24, 9, 20));
  act_ok(*h, x, "classify", regional("rm_gusu", "gusu"));

  auto gusu = h->queue("regional_account_manager", "gusu");
  REQUIRE(gusu.has_value());
  REQUIRE(gusu->size() == 2);
  CHECK((*gusu)[0].id == y);
  CHECK((*gusu)[0].nearest_due() == std::optional<timestamp>{local(2026, 11, 24, 9, 40)});
  CHECK((*gusu)[1].id == x);
  CHECK((*gusu)[1].nearest_due() == std::optional<timestamp>{local(2026, 11, 24, 11, 20)});
  CHECK((*gusu)[0] == view_of(*h, y));

  auto wuzhong = h->queue("regional_account_manager", "wuzhong");
  REQUIRE(wuzhong.has_value());
  REQUIRE(wuzhong->size() == 1);
  CHECK((*wuzhong)[0].id == z);

  auto t0 = h->queue("customer_service_center");
  REQUIRE(t0.has_value());
  CHECK(t0->empty());
  auto unknown = h->queue("no_such_unit");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(code_of(unknown.error()) == "not_found");

  // 09:45: Z's step (due 09:35) is 600 s over, Y's (09:40) 300 s; X's
  // nearest due is 11:20, 1 h 35 min away. W is closed.
  h.at(local(2026, 11, 24, 9, 45));
  auto over = h->overdue();
  REQUIRE(over.has_value());
  REQUIRE(over->size() == 2);
  CHECK((*over)[0].id == z);
  CHECK(deadline((*over)[0], "step").remaining_seconds == -600);
  CHECK((*over)[1].id == y);
  CHECK(deadline((*over)[1], "step").remaining_seconds == -300);

  auto risk = h->at_risk(chr::hours{2});
  REQUIRE(risk.has_value());
  REQUIRE(risk->size() == 1);
  CHECK((*risk)[0].id == x);
  auto risk_short = h->at_risk(chr::hours{1});
  REQUIRE(risk_short.has_value());
  CHECK(risk_short->empty());
  // A window reaching every ticket's contact deadline still leaves out the
  // overdue ones and the closed one.
  auto risk_long = h->at_risk(chr::hours{48});
  REQUIRE(risk_long.has_value());
  REQUIRE(risk_long->size() == 1);
  CHECK((*risk_long)[0].id == x);
}

TEST_CASE("engine.queries.customer_record_tickets_oldest_first_events_by_time") {
  harness h(local(2026, 11, 24, 9, 0));
  const std::string first = open_ok(*h, complaint("cust_record"));
  open_ok(*h, complaint("cust_someone_else"));
  // 09:30: a second complaint of the same customer: repeat (T0 -> T1).
  h.at(local(2026, 11, 24, 9, 30));
  const std::string second = open_ok(*h, complaint("cust_record"));
  {
    const tf::ticket_view v = view_of(*h, second);
    CHECK(v.tier == "regional_account_manager");
    CHECK(v.has_flag("repeat"));
    CHECK(detail(trail(*h, second).front(), "customer.complaints_last_30d") == "1");
    CHECK(detail(trail(*h, first).front(), "customer.complaints_last_30d") == "0");
  }
  // 10:00: the first ticket is worked; its step timers (09:15, 09:22:30,
  // 09:27, 09:30) fire first, stamped with their due instants, the breach at
  // 09:30 sharing its instant with the second ticket's opening.
  h.at(local(2026, 11, 24, 10, 0));
  act_ok(*h, first, "classify", csr("csr_1"));

  auto rec = h->customer_record("cust_record");
  REQUIRE(rec.has_value());
  CHECK(rec->customer_id == "cust_record");
  REQUIRE(rec->tickets.size() == 2);
  CHECK(rec->tickets[0].id == first);
  CHECK(rec->tickets[1].id == second);
  CHECK(rec->tickets[0] == view_of(*h, first));

  // Expected: every event of both, by time, then ticket opening order, then
  // sequence.
  const auto t1 = trail(*h, first);
  const auto t2 = trail(*h, second);
  std::vector<std::pair<std::size_t, const tf::event*>> all;
  for (const auto& e : t1) all.emplace_back(0, &e);
  for (const auto& e : t2) all.emplace_back(1, &e);
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.second->time != b.second->time) return a.second->time < b.second->time;
    if (a.first != b.first) return a.first < b.first;
    return a.second->sequence < b.second->sequence;
  });
  REQUIRE(rec->events.size() == all.size());
  std::string expected, actual;
  for (const auto& [i, e] : all) expected += e->ticket_id + "#" + std::to_string(e->sequence) + " ";
  for (const auto& e : rec->events) actual += e.ticket_id + "#" + std::to_string(e.sequence) + " ";
  CHECK(actual == expected);
  // The two trails really interleave: the first's 10:00 events come after
  // the second's 09:30 ones, and the 09:30 breach of the first comes before
  // the second's opening at the same instant.
  CHECK(rec->events.back().ticket_id == first);
  const auto pos = [&](const std::string& ticket, tf::event_type type) {
    for (std::size_t i = 0; i < rec->events.size(); ++i)
      if (rec->events[i].ticket_id == ticket && rec->events[i].type == type) return i;
    return rec->events.size();
  };
  CHECK(pos(first, tf::event_type::deadline_breached) < pos(second, tf::event_type::opened));
  CHECK(pos(second, tf::event_type::opened) < pos(first, tf::event_type::accepted));
  for (std::size_t i = 1; i < rec->events.size(); ++i)
    CHECK(rec->events[i - 1].time <= rec->events[i].time);

  auto nobody = h->customer_record("cust_nobody");
  REQUIRE(nobody.has_value());
  CHECK(nobody->tickets.empty());
  CHECK(nobody->events.empty());
}

// ================================================================================
// 7. Workflow versions
// ================================================================================

TEST_CASE("engine.versions.tickets_keep_the_version_they_opened_with") {
  const tf::catalog cat = versions_fixture();
  REQUIRE(cat.workflows.size() == 2);
  harness h(local(2026, 11, 30, 9, 0), cat);

  // Mon 11-30 09:00: version 1 (contact 24h).
  const std::string v1 = open_ok(*h, complaint("cust_v1"));
  tf::ticket_view a = view_of(*h, v1);
  CHECK(a.workflow_id == "complaint");
  CHECK(a.workflow_version == 1);
  CHECK(deadline(a, "contact").within == "24h");
  CHECK(due_of(a, "contact") == local(2026, 12, 1, 9, 0));

  // Tue 12-01 00:30 local (still Mon 11-30 in UTC): version 2 is in effect
  // on the local day.
  h.at(local(2026, 12, 1, 0, 30));
  auto opened = h->open(complaint("cust_v2"));
  REQUIRE(opened.has_value());
  const std::string v2 = opened->ticket.id;
  CHECK(opened->routing.workflow_version == 2);
  tf::ticket_view b = view_of(*h, v2);
  CHECK(b.workflow_version == 2);
  CHECK(deadline(b, "contact").within == "12h");
  CHECK(due_of(b, "contact") == local(2026, 12, 1, 12, 30));

  // Both progress side by side.
  acknowledge(*h, v1, csr("csr_1"));
  acknowledge(*h, v2, csr("csr_2"));
  a = view_of(*h, v1);
  b = view_of(*h, v2);
  CHECK(a.workflow_version == 1);
  CHECK(b.workflow_version == 2);
  CHECK(a.state == "acknowledged");
  CHECK(b.state == "acknowledged");

  // v1's contact breaches at Tue 09:00, v2's at Tue 12:30.
  h.at(local(2026, 12, 1, 13, 0));
  auto r = h->advance();
  REQUIRE(r.has_value());
  const auto breach_time = [&](const std::string& id) {
    for (const auto& e : trail(*h, id))
      if (e.type == tf::event_type::deadline_breached && detail(e, "deadline") == "contact" &&
          !e.detail("after"))
        return e.time;
    return timestamp::max();
  };
  CHECK(breach_time(v1) == local(2026, 12, 1, 9, 0));
  CHECK(breach_time(v2) == local(2026, 12, 1, 12, 30));

  act_ok(*h, v1, "contact_customer", csr("csr_1"));
  act_ok(*h, v2, "contact_customer", csr("csr_2"));
  a = view_of(*h, v1);
  b = view_of(*h, v2);
  CHECK(a.workflow_version == 1);
  CHECK(b.workflow_version == 2);
  CHECK(status(deadline(a, "contact")) == "missed");
  CHECK(status(deadline(b, "contact")) == "missed");

  for (const auto& e : trail(*h, v1)) {
    CHECK(e.workflow_id == "complaint");
    CHECK(e.workflow_version == 1);
  }
  for (const auto& e : trail(*h, v2)) {
    CHECK(e.workflow_id == "complaint");
    CHECK(e.workflow_version == 2);
  }
  check_consistent(*h, v1);
  check_consistent(*h, v2);
}

// ================================================================================
// 8. Restore from the store
// ================================================================================

TEST_CASE("engine.restore.a_new_engine_over_the_same_store_continues") {
  recording_store st;
  std::string t1, t2, t3;
  tf::ticket_view v1, v2, v3;
  std::vector<tf::event> trail1;
  {
    // Engine A: T1 opened Tue 2026-11-24 09:00 and T2 10:00 local, both
    // acknowledged; T3 (a big customer of gusu) 10:05, left in `received`.
    harness a(local(2026, 11, 24, 9, 0), shipped(), &st);
    t1 = open_ok(*a, complaint("cust_r1"));
    acknowledge(*a, t1, csr("csr_1"));
    a.at(local(2026, 11, 24, 10, 0));
    t2 = open_ok(*a, complaint("cust_r2"));
    acknowledge(*a, t2, csr("csr_2"));
    a.at(local(2026, 11, 24, 10, 5));
    t3 = open_ok(*a, complaint("cust_r3", "gusu", true));
    // A denial is part of the trail too.
    REQUIRE_FALSE(a->act(request(t1, "reply", csr("csr_1"))).has_value());
    CHECK(t1 == "T00000001");
    CHECK(t3 == "T00000003");
    v1 = view_of(*a, t1);
    v2 = view_of(*a, t2);
    v3 = view_of(*a, t3);
    trail1 = trail(*a, t1);
  }  // A is gone; the store remains.

  harness b(local(2026, 11, 24, 10, 5), shipped(), &st);
  CHECK(view_of(*b, t1) == v1);
  CHECK(view_of(*b, t2) == v2);
  CHECK(view_of(*b, t3) == v3);
  CHECK(trail(*b, t1) == trail1);
  check_consistent(*b, t1);
  check_consistent(*b, t2);
  check_consistent(*b, t3);
  auto gusu = b->queue("regional_account_manager", "gusu");
  REQUIRE(gusu.has_value());
  REQUIRE(gusu->size() == 1);
  CHECK((*gusu)[0].id == t3);

  // A's pending timers fire on B's advance, in due order across tickets.
  // T3: step 30m from 10:05 -> 10:20, 10:27:30, 10:32, breach 10:35 (its
  // +1bd is Wed 10:35); contact from 10:05 -> 22:05, 04:05, 07:41 (breach
  // Wed 10:05). T1 and T2: contact from 09:00 and 10:00.
  (void)st.take_log();
  auto r = b->advance(local(2026, 11, 25, 10, 0));
  REQUIRE(r.has_value());
  CHECK(r->fired == 15);
  CHECK(r->tickets == 3);
  const auto line = [](const std::string& t, timestamp at, const std::string& what) {
    return t + " " + iso(at) + " " + what + "\n";
  };
  CHECK(st.take_log() == line(t3, local(2026, 11, 24, 10, 20), "deadline_warned step 50%") +
                             line(t3, local(2026, 11, 24, 10, 27, 30), "deadline_warned step 75%") +
                             line(t3, local(2026, 11, 24, 10, 32), "deadline_warned step 90%") +
                             line(t3, local(2026, 11, 24, 10, 35), "deadline_breached step") +
                             line(t1, local(2026, 11, 24, 21, 0), "deadline_warned contact 50%") +
                             line(t2, local(2026, 11, 24, 22, 0), "deadline_warned contact 50%") +
                             line(t3, local(2026, 11, 24, 22, 5), "deadline_warned contact 50%") +
                             line(t1, local(2026, 11, 25, 3, 0), "deadline_warned contact 75%") +
                             line(t2, local(2026, 11, 25, 4, 0), "deadline_warned contact 75%") +
                             line(t3, local(2026, 11, 25, 4, 5), "deadline_warned contact 75%") +
                             line(t1, local(2026, 11, 25, 6, 36), "deadline_warned contact 90%") +
                             line(t2, local(2026, 11, 25, 7, 36), "deadline_warned contact 90%") +
                             line(t3, local(2026, 11, 25, 7, 41), "deadline_warned contact 90%") +
                             line(t1, local(2026, 11, 25, 9, 0), "deadline_breached contact") +
                             line(t2, local(2026, 11, 25, 10, 0), "deadline_breached contact"));
  b.at(local(2026, 11, 25, 10, 0));
  CHECK(view_of(*b, t1).tier == "regional_account_manager");
  CHECK(view_of(*b, t2).tier == "regional_account_manager");
  CHECK(view_of(*b, t3).tier == "regional_account_manager");
  CHECK(view_of(*b, t3).has_flag("step_overdue"));

  // New tickets continue the numbering; restored tickets take actions.
  CHECK(open_ok(*b, complaint("cust_r4")) == "T00000004");
  act_ok(*b, t3, "classify", regional("rm_gusu", "gusu"));
  check_consistent(*b, t1);
  check_consistent(*b, t2);
  check_consistent(*b, t3);
}

// ================================================================================
// 9. Tamper evidence
// ================================================================================

TEST_CASE("engine.audit.an_edited_copy_of_a_stored_trail_fails_verification") {
  tf::memory_store st;
  harness h(local(2026, 11, 24, 9, 0), shipped(), &st);
  const std::string id = open_ok(*h, complaint("cust_tamper"));
  acknowledge(*h, id, csr("csr_1"));

  auto loaded = st.load(id);
  REQUIRE(loaded.has_value());
  auto head = st.head(id);
  REQUIRE(head.has_value());
  std::vector<tf::event> copy = *loaded;
  REQUIRE(copy.size() >= 3);
  REQUIRE(tf::verify(std::span<const tf::event>(copy)).has_value());
  REQUIRE(tf::verify(std::span<const tf::event>(copy), head->head).has_value());

  const auto edit = [&](std::size_t index, std::string_view key, std::string value) {
    for (auto& [k, v] : copy[index].details)
      if (k == key) {
        v = std::move(value);
        return;
      }
    FAIL("event " << index + 1 << " has no detail " << std::string(key));
  };
  SUBCASE("the routing rule of event 2") {
    REQUIRE(copy[1].type == tf::event_type::routed);
    edit(1, "rule", "key_big_customer");
    auto r = tf::verify(std::span<const tf::event>(copy));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().reason == tf::chain_break::edited);
    CHECK(r.error().sequence == 2);
  }
  SUBCASE("the description in `opened`") {
    REQUIRE(copy[0].type == tf::event_type::opened);
    edit(0, "description", "all fine, thank you");
    auto r = tf::verify(std::span<const tf::event>(copy), head->head);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().reason == tf::chain_break::edited);
    CHECK(r.error().sequence == 1);
  }
  SUBCASE("the last event") {
    const std::size_t last = copy.size() - 1;
    REQUIRE(copy[last].type == tf::event_type::transitioned);
    edit(last, "to", "closed");
    auto r = tf::verify(std::span<const tf::event>(copy));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().reason == tf::chain_break::edited);
    CHECK(r.error().sequence == copy.size());
  }
  // The store's own trail is untouched and still verifies.
  CHECK(*st.load(id) == *loaded);
  CHECK(h->verify(id).has_value());
}
