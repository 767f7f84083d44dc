// SPDX-License-Identifier: MIT
// The stores' shared text check (detail::is_storable_text): every boundary
// of RFC 3629, and agreement with a plain code-point decoder over every
// placement of each interesting byte sequence in texts of every length
// around the checker's 8-byte words, and over random bytes.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

#include "store/append_checks.hpp"

namespace {

// RFC 3629 by the book: decode each code point from its lead byte's length,
// then refuse overlong forms, surrogates, values past U+10FFFF and U+0000.
bool reference_storable(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) {
      length = 1;
      code = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code = lead & 0x1FU;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code = lead & 0x0FU;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code = lead & 0x07U;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      code = (code << 6U) | (b & 0x3FU);
    }
    static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length]) return false;              // overlong
    if (code >= 0xD800 && code <= 0xDFFF) return false;      // surrogate
    if (code > 0x10FFFF) return false;
    if (code == 0) return false;                             // NUL
    i += length;
  }
  return true;
}

}  // namespace

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

TEST_CASE("store.text.storable_text_agrees_with_a_code_point_decoder") {
  using tierflow::detail::is_storable_text;
  // Well-formed, ill-formed and cut-short sequences; each is put at every
  // offset of ASCII texts from 0 to 20 bytes long, so that it falls in a
  // whole 8-byte word, across two, in a short text's padded word and in a
  // longer text's overlapping tail.
  const std::vector<std::string> pieces{
      std::string(1, '\0'), "\x7f", "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2\x80",
      "\xc2\x7f", "\xdf\xbf", "\xe0\x9f\xbf", "\xe0\xa0\x80", "\xe5\xae\xa2", "\xe5\xae",
      "\xed\x9f\xbf", "\xed\xa0\x80", "\xef\xbf\xbf", "\xf0\x8f\xbf\xbf", "\xf0\x90\x80\x80",
      "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xfe", "\xff"};
  std::size_t refused = 0, taken = 0;
  for (const std::string& piece : pieces) {
    for (std::size_t length = 0; length <= 20; ++length) {
      for (std::size_t at = 0; at <= length; ++at) {
        const std::string text = std::string(at, 'a') + piece + std::string(length - at, 'b');
        const bool expected = reference_storable(text);
        CAPTURE(text);
        CHECK(is_storable_text(text) == expected);
        ++(expected ? taken : refused);
      }
    }
  }
  // Both answers were exercised, many times over.
  CHECK(taken > 1000);
  CHECK(refused > 1000);

  // Random bytes from a small alphabet rich in lead, continuation and NUL
  // bytes, at lengths around the word size.
  std::mt19937_64 random(20261205);
  const std::string alphabet("a\0\x7f\x80\xbf\xc2\xe0\xe5\xed\xf0\xf4\xff", 12);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1), size(0, 24);
  for (int round = 0; round < 20000; ++round) {
    std::string text(size(random), 'a');
    for (char& c : text) c = alphabet[pick(random)];
    CAPTURE(text);
    CHECK(is_storable_text(text) == reference_storable(text));
  }
}

// check_append_ids_but_text is check_append_ids without any text check: it
// takes a request whose only faults are texts (an event's, the ticket
// id's, the summary's), which the full check refuses, and refuses any other
// with check_append_ids's own message (the ids are checked before any
// text).
TEST_CASE("store.text.ids_check_without_text_refuses_as_the_full_check") {
  using tierflow::event;
  const auto make_event = [](std::string ticket, std::string actor) {
    event e;
    e.ticket_id = std::move(ticket);
    e.sequence = 1;
    e.actor_id = std::move(actor);
    e.workflow_id = "complaint";
    e.details = {{"outcome", "resolved"}};
    return e;
  };
  tierflow::ticket_summary summary;
  summary.ticket_id = "T1";
  summary.customer_id = "C1";
  summary.state = "new";
  summary.version = 1;
  using tierflow::detail::check_append_ids;
  using tierflow::detail::check_append_ids_but_text;

  const auto agree = [](const tierflow::append_request& request, const std::string& message) {
    const auto split = check_append_ids_but_text(request);
    const auto full = check_append_ids(request);
    REQUIRE_FALSE(split);
    REQUIRE_FALSE(full);
    CHECK(split.error().code() == tierflow::errc::invalid_argument);
    CHECK(split.error().code() == full.error().code());
    CHECK(split.error().message() == message);
    CHECK(full.error().message() == message);
  };
  // Taken by the split check, refused by the full one with `message`.
  const auto only_text = [](const tierflow::append_request& request, const std::string& message) {
    CHECK(check_append_ids_but_text(request));
    const auto full = check_append_ids(request);
    REQUIRE_FALSE(full);
    CHECK(full.error().message() == message);
  };

  // Good: both take it.
  const std::vector<event> good = {make_event("T1", "csr_01")};
  CHECK(check_append_ids_but_text({.ticket_id = "T1", .events = good, .summary = &summary}));
  CHECK(check_append_ids({.ticket_id = "T1", .events = good, .summary = &summary}));

  // Bad texts alone: only the full check refuses them.
  const std::vector<event> bad_actor = {make_event("T1", "csr_01\xff")};
  only_text({.ticket_id = "T1", .events = bad_actor, .summary = &summary},
            "ticket T1: event 1: the actor id is not valid UTF-8 text (or holds a NUL byte)");
  const std::vector<event> bad_ticket = {make_event(std::string("T\0", 2), "csr_01")};
  only_text({.ticket_id = std::string_view("T\0", 2), .events = bad_ticket},
            "append: the ticket id is not valid UTF-8 text (or holds a NUL byte)");
  tierflow::ticket_summary forged = summary;
  forged.assignee = "csr\xc3";
  only_text({.ticket_id = "T1", .events = good, .summary = &forged},
            "ticket T1: summary: the assignee is not valid UTF-8 text (or holds a NUL byte)");
  only_text({.ticket_id = "T1", .events = bad_actor, .summary = &forged},
            "ticket T1: event 1: the actor id is not valid UTF-8 text (or holds a NUL byte)");

  // The ids: refused by both alike, with a bad text alongside too.
  agree({.ticket_id = "", .events = good}, "append to a stream with an empty ticket id");
  agree({.ticket_id = "T2", .events = good}, "ticket T2: event 1 belongs to ticket T1");
  agree({.ticket_id = "T2", .events = good, .summary = &forged}, "ticket T2: event 1 belongs to ticket T1");
  agree({.ticket_id = "T2", .events = bad_actor}, "ticket T2: event 1 belongs to ticket T1");
}
