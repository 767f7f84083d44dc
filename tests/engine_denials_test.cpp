// SPDX-License-Identifier: MIT
// Denials that disturb no one (include/tierflow/engine.hpp, class comment):
// a refused command changes neither the ticket's state nor its version —
// a stranger cannot make a host's expected_version stale —, its record goes
// to the ticket's denial stream, bounded (fields cut and escaped, identical
// denials coalesced, a cap per window) and shown in the contact record; and
// a version a host just read is not stale because timers fired since.
// On the SHIPPED definitions under a manual clock. A big customer's
// complaint waits in `received` with a 30-minute step limit: warnings at
// 50 % (+15 min), 75 % (+22:30) and 90 % (+27 min), the breach at +30.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/ticket.hpp>

#include "support/engine_cases.hpp"
#include "support/engine_fixture.hpp"
#include "test_support.hpp"

namespace chr = std::chrono;
namespace tf = tierflow;
using tierflow_test::engine_fixture;
using tierflow_test::local;
using namespace tierflow_test::engine_cases;

namespace {

/// The bytes an event holds in text: actor, ids and every detail.
std::size_t recorded_bytes(const tf::event& e) {
  std::size_t n = e.ticket_id.size() + e.actor_id.size() + e.workflow_id.size();
  for (const auto& [k, v] : e.details) n += k.size() + v.size();
  return n;
}

tf::act_request with_version(tf::act_request r, std::uint64_t v) {
  r.expected_version = v;
  return r;
}

}  // namespace

TEST_CASE("engine.denials.a_strangers_refusal_changes_neither_state_nor_version") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_stranger", "gusu", true));
  const tf::ticket_view read = view_of(*h, id);  // what the gusu manager's screen shows
  const auto trail_before = trail(*h, id);

  // Another region's manager, an actor with no roles, a dispatcher: all refused.
  for (const tf::actor& stranger :
       {regional("rm_wuzhong", "wuzhong"), tf::actor{"visitor", {}, ""}, dispatcher()}) {
    auto r = h->act(request(id, "classify", stranger));
    REQUIRE_FALSE(r.has_value());
    CHECK(code_of(r.error()) == "permission_denied");
  }
  const tf::ticket_view after = view_of(*h, id);
  check_unchanged(read, after);
  CHECK(after.version == read.version);
  CHECK(trail(*h, id) == trail_before);
  CHECK(count_type(trail(*h, id), tf::event_type::denied) == 0);

  // The host acts on the version it read: no conflict.
  auto v = h->act(with_version(request(id, "classify", regional("rm_gusu", "gusu")), read.version));
  REQUIRE_MESSAGE(v.has_value(), v.error().message());
  CHECK(v->state == "classified");

  // The refusals are on the ticket's denial stream, chained and verified.
  const auto refused = denials_of(*h, id);
  REQUIRE(refused.size() == 3);
  CHECK(refused[0].actor_id == "rm_wuzhong");
  CHECK(refused[1].actor_id == "visitor");
  CHECK(refused[2].actor_id == "disp_1");
  for (std::size_t i = 0; i < refused.size(); ++i) {
    CHECK(refused[i].ticket_id == tf::denial_stream_of(id));
    CHECK(refused[i].sequence == i + 1);
    CHECK(refused[i].type == tf::event_type::denied);
    CHECK(detail(refused[i], "code") == "permission_denied");
  }
  CHECK(h->verify(tf::denial_stream_of(id)).has_value());
  CHECK(h->stats().denied == 3);
  check_consistent(*h, id);
}

TEST_CASE("engine.denials.a_huge_region_is_refused_and_not_stored") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_huge", "gusu", true));
  const tf::ticket_view before = view_of(*h, id);
  tf::actor big = regional("rm_big", std::string(1024 * 1024, 'r'));
  auto r = h->act(request(id, "classify", big));
  REQUIRE_FALSE(r.has_value());
  CHECK(code_of(r.error()) == "limit_exceeded");
  CHECK(r.error().message().size() < 1024);
  check_unchanged(before, view_of(*h, id));
  const auto refused = denials_of(*h, id);
  REQUIRE(refused.size() == 1);
  CHECK(detail(refused[0], "code") == "limit_exceeded");
  CHECK(recorded_bytes(refused[0]) < 2048);
}

TEST_CASE("engine.denials.recorded_fields_are_cut_and_escaped") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_cut", "gusu", true));
  // An actor id of exactly max_id_bytes passes the input rules and is
  // quoted in the reason of a permission refusal.
  const std::string long_id(tf::max_id_bytes, 'a');
  auto r = h->act(request(id, "classify", regional(long_id, std::string(tf::max_id_bytes, 'w'))));
  REQUIRE_FALSE(r.has_value());
  CHECK(code_of(r.error()) == "permission_denied");
  // An action with control bytes is refused (no such action) and recorded escaped.
  auto esc = h->act(request(id, "x\x1b[31m\tdo", csr("csr_esc")));
  REQUIRE_FALSE(esc.has_value());
  CHECK(code_of(esc.error()) == "not_found");
  const auto refused = denials_of(*h, id);
  REQUIRE(refused.size() == 2);
  CHECK(refused[0].actor_id == long_id);
  CHECK(detail(refused[0], "reason").size() <= tf::engine::max_denial_reason_bytes);
  CHECK(detail(refused[1], "action") == "x\\x1b[31m\\x09do");
  CHECK(detail(refused[1], "reason").find('\x1b') == std::string::npos);
}

TEST_CASE("engine.denials.identical_denials_within_a_window_are_coalesced") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_flood", "gusu", true));
  const tf::actor wang = regional("rm_wuzhong", "wuzhong");
  const std::uint64_t version = view_of(*h, id).version;
  // Ten identical refusals in the same minute: one recorded.
  for (int i = 0; i < 10; ++i) {
    h.at(local(2026, 11, 24, 9, 0) + chr::seconds(5 * i));
    REQUIRE_FALSE(h->act(request(id, "classify", wang)).has_value());
  }
  CHECK(denials_of(*h, id).size() == 1);
  CHECK(h->stats().denied == 10);
  // Another action by the same actor is another denial.
  REQUIRE_FALSE(h->act(request(id, "dispatch", wang)).has_value());
  CHECK(denials_of(*h, id).size() == 2);
  // A minute after the first recorded one: recorded, with the nine it stood for.
  h.at(local(2026, 11, 24, 9, 1));
  REQUIRE_FALSE(h->act(request(id, "classify", wang)).has_value());
  const auto refused = denials_of(*h, id);
  REQUIRE(refused.size() == 3);
  CHECK(detail(refused[0], "repeated") == "(absent)");
  CHECK(detail(refused[2], "repeated") == "9");
  CHECK(refused[2].time == local(2026, 11, 24, 9, 1));
  CHECK(h->stats().denied == 12);
  CHECK(view_of(*h, id).version == version);
  check_consistent(*h, id);
}

TEST_CASE("engine.denials.a_ticket_records_at_most_a_cap_per_window") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_cap", "gusu", true));
  const std::size_t cap = tf::engine::max_denials_per_window;
  for (std::size_t i = 0; i < cap + 10; ++i)
    REQUIRE_FALSE(h->act(request(id, "classify", tf::actor{"anon_" + std::to_string(i), {}, ""})).has_value());
  CHECK(denials_of(*h, id).size() == cap);
  CHECK(h->stats().denied == cap + 10);
  // The next window: one of those not recorded tries again, and its
  // earlier attempt is counted on the record.
  h.at(local(2026, 11, 24, 9, 1));
  REQUIRE_FALSE(h->act(request(id, "classify", tf::actor{"anon_" + std::to_string(cap), {}, ""})).has_value());
  const auto refused = denials_of(*h, id);
  REQUIRE(refused.size() == cap + 1);
  CHECK(refused.back().actor_id == "anon_" + std::to_string(cap));
  CHECK(detail(refused.back(), "repeated") == "1");
  // Other tickets have their own cap.
  const std::string other = open_ok(*h, complaint("cust_cap_2", "gusu", true));
  REQUIRE_FALSE(h->act(request(other, "classify", tf::actor{"anon_0", {}, ""})).has_value());
  CHECK(denials_of(*h, other).size() == 1);
}

TEST_CASE("engine.denials.ever_new_actor_ids_are_counted_together_not_kept_each") {
  // Refusals under 1000 made-up actor ids in one window: the engine keeps
  // counts for a bounded number of them; the rest are counted together and
  // carried by the ticket's next recorded denial as `others`.
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_many", "gusu", true));
  const std::size_t cap = tf::engine::max_denials_per_window;
  constexpr std::size_t strangers = 1000;
  for (std::size_t i = 0; i < strangers; ++i)
    REQUIRE_FALSE(h->act(request(id, "classify", tf::actor{"made_up_" + std::to_string(i), {}, ""})).has_value());
  CHECK(denials_of(*h, id).size() == cap);
  h.at(local(2026, 11, 24, 9, 1));
  REQUIRE_FALSE(h->act(request(id, "classify", tf::actor{"late", {}, ""})).has_value());
  const auto refused = denials_of(*h, id);
  REQUIRE(refused.size() == cap + 1);
  CHECK(refused.back().actor_id == "late");
  // Most of the 1000 are in `others`: at least all beyond the kept keys.
  const std::string others = detail(refused.back(), "others");
  REQUIRE(others != "(absent)");
  CHECK(std::stoull(others) >= strangers - 4 * cap);
  CHECK(std::stoull(others) <= strangers - cap);
}

TEST_CASE("engine.denials.the_contact_record_shows_them_by_time") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_record", "gusu", true));
  h.at(local(2026, 11, 24, 9, 5));
  REQUIRE_FALSE(h->act(request(id, "classify", regional("rm_wuzhong", "wuzhong"))).has_value());
  h.at(local(2026, 11, 24, 9, 6));
  act_ok(*h, id, "classify", regional("rm_gusu", "gusu"));
  auto record = h->customer_record("cust_record");
  REQUIRE(record.has_value());
  std::vector<std::string> seen;
  for (const auto& e : record->events) seen.push_back(e.ticket_id + " " + std::string(tf::to_string(e.type)));
  const auto denied_at = std::find(seen.begin(), seen.end(), tf::denial_stream_of(id) + " denied");
  REQUIRE(denied_at != seen.end());
  const auto index = static_cast<std::size_t>(denied_at - seen.begin());
  CHECK(record->events[index].time == local(2026, 11, 24, 9, 5));
  // Everything before it happened at 09:00, everything after at 09:06.
  for (std::size_t i = 0; i < record->events.size(); ++i) {
    if (i < index) CHECK(record->events[i].time == local(2026, 11, 24, 9, 0));
    if (i > index) CHECK(record->events[i].time == local(2026, 11, 24, 9, 6));
  }
  CHECK(record->events.size() == trail(*h, id).size() + 1);
  // events() stays the ticket's own stream, which replay folds.
  CHECK(count_type(trail(*h, id), tf::event_type::denied) == 0);
  check_consistent(*h, id);
}

TEST_CASE("engine.denials.of_an_unknown_ticket_are_not_found") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  auto d = h->denials("T00000042");
  REQUIRE_FALSE(d.has_value());
  CHECK(code_of(d.error()) == "not_found");
  const std::string id = open_ok(*h, complaint("cust_none"));
  CHECK(denials_of(*h, id).empty());
}

// --- a version just read ----------------------------------------------------------------------

TEST_CASE("engine.act.a_version_read_before_a_timer_fired_inside_the_call_is_not_stale") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_0915", "gusu", true));
  // 09:20: the host reads the ticket; view() fires nothing, so the 09:15
  // step warning is still pending.
  h.at(local(2026, 11, 24, 9, 20));
  const tf::ticket_view read = view_of(*h, id);
  auto v = h->act(with_version(request(id, "classify", regional("rm_gusu", "gusu")), read.version));
  REQUIRE_MESSAGE(v.has_value(), v.error().message());
  CHECK(v->state == "classified");
  // The warning fired inside the call, stamped 09:15, before the action.
  const auto t = trail(*h, id);
  const auto warned = of_type(t, tf::event_type::deadline_warned);
  REQUIRE_FALSE(warned.empty());
  CHECK(warned.front()->time == local(2026, 11, 24, 9, 15));
  CHECK(warned.front()->sequence == read.version + 1);
  CHECK(v->version > read.version + 1);
  check_consistent(*h, id);
}

TEST_CASE("engine.act.a_version_read_before_advance_fired_timers_is_not_stale") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_adv", "gusu", true));
  h.at(local(2026, 11, 24, 9, 10));
  const tf::ticket_view read = view_of(*h, id);
  CHECK(h.advance(local(2026, 11, 24, 9, 25)).fired == 2);  // 50 % and 75 %
  REQUIRE(view_of(*h, id).version > read.version);
  auto v = h->act(with_version(request(id, "classify", regional("rm_gusu", "gusu")), read.version));
  REQUIRE_MESSAGE(v.has_value(), v.error().message());
  CHECK(v->state == "classified");
}

TEST_CASE("engine.act.a_version_read_before_another_persons_change_conflicts") {
  engine_fixture h(local(2026, 11, 24, 9, 0));
  const std::string id = open_ok(*h, complaint("cust_real", "gusu", true));
  h.at(local(2026, 11, 24, 9, 10));
  const tf::ticket_view read = view_of(*h, id);
  // Someone else classifies it; then timers fire too: the version is stale
  // all the same.
  act_ok(*h, id, "classify", regional("rm_gusu_2", "gusu"));
  h.advance(local(2026, 11, 24, 9, 40));
  tf::act_request late = with_version(request(id, "dispatch", dispatcher()), read.version);
  check_refused(h, late, "conflict");
  // And a version from the future conflicts (a minute later: the same
  // refusal within the minute would be coalesced).
  h.at(local(2026, 11, 24, 9, 41));
  const tf::ticket_view now = view_of(*h, id);
  check_refused(h, with_version(request(id, "dispatch", dispatcher()), now.version + 1), "conflict");
  // The version read after the change is good.
  auto ok = h->act(with_version(request(id, "dispatch", dispatcher()), now.version));
  REQUIRE_MESSAGE(ok.has_value(), ok.error().message());
}
