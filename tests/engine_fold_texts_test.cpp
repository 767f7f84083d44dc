// SPDX-License-Identifier: MIT
// The texts the engine writes over storage it keeps from command to
// command, and the ones the fold reads from details, against the plain
// definitions they stand in for:
//  - ticket_record::apply takes an `opened` ticket's own texts (type,
//    channel, customer, region, external_ref, description) from the first
//    detail of each key, "" when there is none — as event::detail reads;
//  - summary_into and receipt_into, written over what another ticket left
//    in the buffer, equal summary() and a fresh receipt;
//  - value_text_view and value_text give the texts events have always
//    recorded (std::to_string, to_chars), and duration_text_into written
//    over any text equals duration::str();
//  - the canonical encoding of texts of every length from 0 to 40 bytes,
//    and of an event longer than hash_event's stack buffer, equals the
//    format audit.hpp documents, built here byte by byte, and hash_event
//    is the SHA-256 of it.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/event.hpp>
#include <tierflow/event_schema.hpp>

#include "audit/sha256.hpp"
#include "engine/ticket_record.hpp"
#include "support/engine_fixture.hpp"
#include "support/flows_cases.hpp"
#include "test_support.hpp"

namespace {

namespace tf = tierflow;
using tierflow_test::engine_fixture;
using tierflow_test::local;
using namespace tierflow_test::flows;

// The detail keys `opened` gives the ticket's own texts, with the record
// member each lands in.
std::vector<std::pair<std::string_view, std::string tf::detail::ticket_record::*>> own_texts() {
  namespace k = tf::detail_key;
  using rec = tf::detail::ticket_record;
  return {{k::type, &rec::type},          {k::channel, &rec::channel},
          {k::customer, &rec::customer_id}, {k::region, &rec::region},
          {k::external_ref, &rec::external_ref}, {k::description, &rec::description}};
}

// Format version 1 of the canonical encoding, as audit.hpp's table gives
// it, one byte at a time.
void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}
void put_text(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out += s;
}
std::string reference_encoding(const tf::event_hash& prev, const tf::event& e) {
  std::string out;
  out += static_cast<char>(1);
  for (const std::uint8_t b : prev) out += static_cast<char>(b);
  put_text(out, e.ticket_id);
  put_u64(out, e.sequence);
  put_u64(out, static_cast<std::uint64_t>(e.time.time_since_epoch().count()));
  put_text(out, e.actor_id);
  put_text(out, e.workflow_id);
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((e.workflow_version >> shift) & 0xff);
  out += static_cast<char>(e.type);
  put_u64(out, e.details.size());
  for (const auto& [key, value] : e.details) {
    put_text(out, key);
    put_text(out, value);
  }
  return out;
}

// `n` bytes, each different from its neighbours and from the text of the
// same length with another `seed` (a copy that skips a byte shows).
std::string text_of(std::size_t n, char seed) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(seed + static_cast<char>(i % 23));
  return s;
}

void check_encoding(const tf::event& e) {
  tf::event_hash prev{};
  for (std::size_t i = 0; i < prev.size(); ++i) prev[i] = static_cast<std::uint8_t>(i * 7 + 1);
  tf::event with_prev = e;
  with_prev.prev_hash = prev;
  const std::string expected = reference_encoding(prev, e);
  CHECK(tf::canonical_encoding(with_prev) == expected);
  CHECK(tf::hash_event(prev, e) == tf::detail::sha256(expected));
}

}  // namespace

TEST_CASE("engine.fold.opened_takes_each_own_text_from_the_first_detail_of_its_key") {
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture f(start);
  const tf::detail::compiled_catalog cc = tf::detail::compile(tierflow_test::shipped());
  tf::open_request req = complaint("C-FT-1", {{"region", txt("gusu")}}, {{"complaint_class", txt("business")}});
  req.external_ref = "REF-1";
  req.description = "a description";
  const tf::opened_ticket o = f.open(req);
  const std::vector<tf::event> trail = f.events(o.ticket.id);
  REQUIRE(!trail.empty());
  REQUIRE(trail.front().type == tf::event_type::opened);

  // As written: each own text from its detail.
  {
    const auto rec = tf::detail::replay(cc, trail);
    REQUIRE(rec.has_value());
    for (const auto& own : own_texts()) {
      const std::string_view key = own.first;
      const auto member = own.second;
      CAPTURE(key);
      REQUIRE(trail.front().detail(key).has_value());
      CHECK((*rec).*member == *trail.front().detail(key));
    }
  }
  // Every own key repeated further on with another value (after the
  // prefixed details, and once right after itself), and one key left
  // out: the first of each counts, the missing one is "".
  for (const auto& left_out : own_texts()) {
    const std::string_view dropped = left_out.first;
    CAPTURE(dropped);
    std::vector<tf::event> changed = trail;
    tf::event_details& d = changed.front().details;
    tf::event_details again;
    for (const auto& own : own_texts())
      again.emplace_back(std::string(own.first), "later_" + std::string(own.first));
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (d[i].first == own_texts().front().first) {
        d.insert(d.begin() + static_cast<std::ptrdiff_t>(i) + 1, {d[i].first, "right_after"});
        break;
      }
    }
    d.insert(d.end(), again.begin(), again.end());
    std::erase_if(d, [&](const auto& kv) { return kv.first == dropped; });
    const auto rec = tf::detail::replay(cc, changed);
    REQUIRE(rec.has_value());
    for (const auto& own : own_texts()) {
      const std::string_view key = own.first;
      const auto member = own.second;
      CAPTURE(key);
      CHECK((*rec).*member == changed.front().detail(key).value_or(""));
      if (key == dropped) {
        CHECK(((*rec).*member).empty());
      } else {
        CHECK((*rec).*member == *trail.front().detail(key));
      }
    }
  }
}

TEST_CASE("engine.fold.summary_and_receipt_written_over_another_tickets_equal_fresh_ones") {
  // Tickets of ids of one length in different states (one taken, one
  // not; one closed), folded from their trails; each summary and receipt
  // written into one buffer after the other, starting from one that holds
  // texts of every member, longer and shorter and of the same length.
  const tf::timestamp start = local(2026, 11, 24, 9, 0);
  engine_fixture f(start);
  const tf::detail::compiled_catalog cc = tf::detail::compile(tierflow_test::shipped());
  std::vector<std::string> ids;
  for (const char* customer : {"C-SR-1", "C-SR-2", "C-SR-3"})
    ids.push_back(f.open(complaint(customer, {{"region", txt("gusu")}}, {{"complaint_class", txt("business")}}))
                      .ticket.id);
  // The second ticket a few steps along its path, the third to its end.
  const auto path = t0_complaint_path();
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i < 4) f.act(ids[1], path[i].first, *path[i].second);
    f.act(ids[2], path[i].first, *path[i].second);
  }

  tf::ticket_summary held_summary;
  held_summary.ticket_id = std::string(ids[0].size(), 'x');
  held_summary.customer_id = "junk_customer_with_a_long_id_beyond_inline";
  held_summary.ticket_type = "junk";
  held_summary.workflow_id = "junk_flow";
  held_summary.state = "junk_state_that_is_long_enough";
  held_summary.unit = "junk_unit";
  held_summary.region = "junk";
  held_summary.owner = "junk_owner";
  held_summary.assignee = "junk_assignee";
  tf::act_receipt held_receipt;
  held_receipt.state = "junk_state";
  held_receipt.region = "junk_region";
  held_receipt.owner = "junk_owner";
  held_receipt.assignee = tf::assignment{"junk_unit", "junk_region", "junk_person"};
  bool taken = false;
  bool untaken = false;
  for (int round = 0; round < 2; ++round) {
    for (const std::string& id : ids) {
      const auto rec = tf::detail::replay(cc, f.events(id));
      REQUIRE(rec.has_value());
      taken = taken || !rec->owner.empty();
      untaken = untaken || rec->owner.empty();
      rec->summary_into(held_summary);
      CHECK(held_summary == rec->summary());
      tf::act_receipt fresh;
      rec->receipt_into(fresh);
      rec->receipt_into(held_receipt);
      CHECK(held_receipt == fresh);
      CHECK(held_receipt.state == rec->view(start).state);
      CHECK(held_receipt.owner == rec->view(start).owner);
    }
  }
  CHECK(taken);
  CHECK(untaken);
}

TEST_CASE("engine.value_text_view_and_value_text_give_the_recorded_texts") {
  const std::vector<tf::value> values = {
      tf::value{true}, tf::value{false}, tf::value{std::int64_t{0}}, tf::value{std::int64_t{-42}},
      tf::value{std::numeric_limits<std::int64_t>::min()}, tf::value{std::numeric_limits<std::int64_t>::max()},
      tf::value{0.5}, tf::value{-1e300}, tf::value{std::numeric_limits<double>::denorm_min()},
      tf::value{std::string()}, tf::value{std::string("gusu")},
      tf::value{std::string("a text longer than a string holds inline")}};
  // The texts as events have always recorded them: std::to_string's
  // integers, to_chars' shortest doubles.
  const auto plain = [](const tf::value& v) -> std::string {
    if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    if (const std::int64_t* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const double* d = std::get_if<double>(&v)) {
      char buf[64];
      return std::string(buf, std::to_chars(buf, buf + sizeof buf, *d).ptr);
    }
    return std::get<std::string>(v);
  };
  tf::detail::value_digits digits;
  for (const tf::value& v : values) {
    CAPTURE(plain(v));
    CHECK(tf::detail::value_text_view(v, digits) == plain(v));
    CHECK(tf::detail::value_text(v) == plain(v));
  }
  // A string's view is of the value itself, not a copy.
  const tf::value s{std::string("gusu")};
  CHECK(tf::detail::value_text_view(s, digits).data() == std::get<std::string>(s).data());
}

TEST_CASE("engine.duration_text_into_writes_over_any_text") {
  const std::vector<tf::duration> durations = {
      {4, tf::time_unit::hours},         {30, tf::time_unit::minutes},       {2, tf::time_unit::days},
      {8, tf::time_unit::business_hours}, {15, tf::time_unit::business_days}, {1234567, tf::time_unit::minutes},
      {4, tf::time_unit::minutes}};
  std::string held = "a longer text than any duration's";
  for (int round = 0; round < 2; ++round) {
    for (const tf::duration& d : durations) {
      tf::detail::duration_text_into(held, d);
      CHECK(held == d.str());
    }
  }
}

TEST_CASE("audit.canonical_encoding.texts_of_every_length_as_documented") {
  tf::event base;
  base.ticket_id = "T00000001";
  base.sequence = 12;
  base.time = local(2026, 11, 24, 9, 0);
  base.actor_id = "em_01";
  base.workflow_id = "complaint";
  base.workflow_version = 3;
  base.type = tf::event_type::transitioned;
  base.details = {{"action", "reply"}, {"", ""}, {"to", "handler_replied"}};
  check_encoding(base);
  for (std::size_t n = 0; n <= 40; ++n) {
    CAPTURE(n);
    tf::event e = base;
    e.ticket_id = text_of(n, 'a');
    check_encoding(e);
    e = base;
    e.actor_id = text_of(n, 'b');
    check_encoding(e);
    e = base;
    e.workflow_id = text_of(n, 'c');
    check_encoding(e);
    e = base;
    e.details.emplace_back(text_of(n, 'd'), text_of(40 - n, 'e'));
    e.details.emplace_back(text_of(n, 'f'), text_of(n, 'g'));
    check_encoding(e);
  }
  // Beyond the stack buffer hash_event encodes into (1024 bytes), on
  // either side of its edge, and far beyond.
  const std::size_t fixed = tf::canonical_encoding(base).size();
  for (const std::size_t total : {std::size_t{1023}, std::size_t{1024}, std::size_t{1025}, std::size_t{5000}}) {
    CAPTURE(total);
    tf::event e = base;
    e.details.emplace_back("long", text_of(total - fixed - 16 - 4, 'h'));
    REQUIRE(tf::canonical_encoding(e).size() == total);
    check_encoding(e);
  }
}
