// SPDX-License-Identifier: MIT
// The in-memory store: the shared store conformance suite, and its memory
// accounting; the store's shared pieces that need no database: the text
// check every append makes, and the summary seal the database stores write.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/event.hpp>
#include <tierflow/memory_store.hpp>
#include <tierflow/store.hpp>

#include "store/append_checks.hpp"
#include "store/store_codec.hpp"
#include "store_conformance.hpp"

namespace conformance = tierflow_test::store_conformance;

TEST_CASE("store.memory.conformance") {
  conformance::run_store_conformance([]() -> std::unique_ptr<tierflow::store> {
    return std::make_unique<tierflow::memory_store>();
  });
}

TEST_CASE("store.memory.memory_bytes_grows_with_what_it_holds") {
  tierflow::memory_store st;
  const std::size_t empty = st.memory_bytes();
  CHECK(empty > 0);

  REQUIRE(conformance::append_next(st, "log", 1));
  const std::size_t one = st.memory_bytes();
  CHECK(one >= empty + sizeof(tierflow::event));

  // Every event costs at least its object; the vector's spare capacity is
  // counted too, so a lower bound is all that holds exactly.
  for (int i = 0; i < 100; ++i) REQUIRE(conformance::append_next(st, "log", 1));
  const std::size_t many = st.memory_bytes();
  CHECK(many >= one + 100 * sizeof(tierflow::event));
  // …and not wildly more: capacity at most doubles.
  CHECK(many <= empty + 101 * 4 * (sizeof(tierflow::event) + 256));

  // Text outside the small-string buffer is counted.
  const auto head = st.head("log").value();
  std::vector<tierflow::event> big = conformance::draft("log", head.version, 1);
  big[0].details.emplace_back("body", std::string(10'000, 'x'));
  tierflow::seal(big, head.head);
  const std::size_t before_big = st.memory_bytes();
  REQUIRE(st.append({.ticket_id = "log", .expected_version = head.version, .events = big}));
  CHECK(st.memory_bytes() >= before_big + 10'000);

  // A summary adds bytes; a refused append adds none.
  tierflow::ticket_summary t1 = conformance::ticket("T1");
  const std::size_t before_ticket = st.memory_bytes();
  conformance::save(st, t1);
  const std::size_t with_ticket = st.memory_bytes();
  CHECK(with_ticket >= before_ticket + sizeof(tierflow::ticket_summary) + sizeof(tierflow::event));
  const std::vector<tierflow::event> stale = conformance::sealed("T1", 0, {}, 1);
  CHECK_FALSE(st.append({.ticket_id = "T1", .expected_version = 0, .events = stale}));
  CHECK(st.memory_bytes() == with_ticket);

  // Replacing a summary releases the old one: 100 saves of a ticket cost
  // about what 100 appends to a stream without a summary cost.
  const std::size_t before_saves = st.memory_bytes();
  for (int i = 0; i < 100; ++i) {
    t1.state = "step_" + std::to_string(i);
    conformance::save(st, t1);
  }
  const std::size_t saves = st.memory_bytes() - before_saves;
  REQUIRE(conformance::append_next(st, "T2", 1));  // as many events as T1 had
  const std::size_t before_plain = st.memory_bytes();
  for (int i = 0; i < 100; ++i) REQUIRE(conformance::append_next(st, "T2", 1));
  const std::size_t plain = st.memory_bytes() - before_plain;
  CHECK(saves + 2 * sizeof(tierflow::ticket_summary) >= plain);
  CHECK(saves <= plain + 2 * sizeof(tierflow::ticket_summary));
}

TEST_CASE("store.text.storable_text_is_utf8_without_nul_bytes") {
  using tierflow::detail::is_storable_text;
  // Every well-formed boundary of RFC 3629 is taken...
  for (const std::string& good : {std::string(), std::string("plain ascii, long enough to take the 8-byte path"),
                                 std::string("\x7f"), std::string("\xc2\x80"), std::string("\xdf\xbf"),
                                 std::string("\xe0\xa0\x80"), std::string("\xed\x9f\xbf"),
                                 std::string("\xee\x80\x80"), std::string("\xef\xbf\xbf"),
                                 std::string("\xf0\x90\x80\x80"), std::string("\xf4\x8f\xbf\xbf"),
                                 std::string("12345678\xe5\xae\xa2\xe6\x88\xb7" "12345678")}) {
    CAPTURE(good);
    CHECK(is_storable_text(good));
  }
  // ...and everything just past them refused, wherever it stands in an
  // 8-byte block.
  for (const std::string& bad :
       {std::string(1, '\0'), std::string("\x80"), std::string("\xc1\xbf"), std::string("\xc2"),
        std::string("\xc2\x7f"), std::string("\xe0\x9f\xbf"), std::string("\xed\xa0\x80"),
        std::string("\xed\xbf\xbf"), std::string("\xf0\x8f\xbf\xbf"), std::string("\xf4\x90\x80\x80"),
        std::string("\xf5\x80\x80\x80"), std::string("\xfe"), std::string("\xff")}) {
    for (std::size_t at = 0; at < 17; ++at) {
      const std::string text = std::string(at, 'a') + bad + std::string(9, 'b');
      CAPTURE(at);
      CAPTURE(text);
      CHECK_FALSE(is_storable_text(text));
    }
  }
}

TEST_CASE("store.seal.covers_every_summary_field_and_the_head") {
  using tierflow::detail::summary_seal;
  tierflow::ticket_summary s = conformance::ticket("T1");
  s.version = 2;
  tierflow::event_hash head{};
  head[0] = 1;
  const tierflow::event_hash sealed = summary_seal(s, 2, head);
  CHECK(summary_seal(s, 2, head) == sealed);  // deterministic
  CHECK(tierflow::detail::check_summary_seal(
      s, std::string(reinterpret_cast<const char*>(sealed.data()), sealed.size()), 2, head));
  // One change anywhere gives another seal; so does another head.
  const std::vector<void (*)(tierflow::ticket_summary&)> edits = {
      [](tierflow::ticket_summary& t) { t.ticket_id = "T2"; },
      [](tierflow::ticket_summary& t) { t.customer_id = "C9"; },
      [](tierflow::ticket_summary& t) { t.ticket_type = "fault_repair"; },
      [](tierflow::ticket_summary& t) { t.workflow_id = "other"; },
      [](tierflow::ticket_summary& t) { t.workflow_version = 4; },
      [](tierflow::ticket_summary& t) { t.state = "closed"; },
      [](tierflow::ticket_summary& t) { t.unit = "field"; },
      [](tierflow::ticket_summary& t) { t.region = "south"; },
      [](tierflow::ticket_summary& t) { t.owner = "mallory"; },
      [](tierflow::ticket_summary& t) { t.assignee = "mallory"; },
      [](tierflow::ticket_summary& t) { t.closed = true; },
      [](tierflow::ticket_summary& t) { t.opened_at += std::chrono::seconds{1}; },
      [](tierflow::ticket_summary& t) { t.closed_at = t.opened_at; },
      [](tierflow::ticket_summary& t) { t.next_timer = conformance::at(10); },
      [](tierflow::ticket_summary& t) { t.nearest_due = conformance::at(10); },
      [](tierflow::ticket_summary& t) { t.version = 3; },
      // Field boundaries cannot move: "csr_01" + "" is not "csr_0" + "1".
      [](tierflow::ticket_summary& t) {
        t.owner = "csr_0";
        t.assignee = "1";
      },
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    CAPTURE(i);
    tierflow::ticket_summary edited = s;
    edits[i](edited);
    CHECK(summary_seal(edited, 2, head) != sealed);
  }
  tierflow::event_hash other = head;
  other[31] = 7;
  CHECK(summary_seal(s, 2, other) != sealed);
  CHECK(summary_seal(s, 3, head) != sealed);
  const auto refused = tierflow::detail::check_summary_seal(s, "", 2, head);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == tierflow::errc::data_loss);
  CHECK(refused.error().message() == "the summary row of T1 does not match its trail: edited outside tierflow");
  // The encoding starts with its domain tag: no event encodes alike.
  CHECK(tierflow::detail::summary_seal_encoding(s, 2, head).substr(8, 23) == "tierflow summary seal 1");
}
