// SPDX-License-Identifier: MIT
// Input rules in one place (src/engine/input_rules.hpp): staff actions need
// an actor id that is not empty and not the engine's own ("system", "~…");
// every string is length-limited, free of NUL and valid UTF-8; NaN and ±inf
// are refused — with the same code on every store, each refusal audited
// with its bytes escaped. Here on the memory store and on SQLite (which
// would keep NUL and invalid UTF-8 if asked); engine_input_rules_pg_test
// runs the same cases on PostgreSQL (which would refuse them itself).
#include <string>

#include <doctest/doctest.h>

#include <tierflow/memory_store.hpp>
#include <tierflow/sqlite_store.hpp>

#include "engine/input_rules.hpp"
#include "support/engine_cases.hpp"
#include "support/scratch_db.hpp"

namespace tf = tierflow;
using namespace tierflow_test::engine_cases;

namespace {

/// The answers of the memory store, computed once: every store must give them.
const std::string& memory_answers() {
  static const std::string answers = [] {
    tf::memory_store st;
    return check_input_rules(&st);
  }();
  return answers;
}

}  // namespace

TEST_CASE("engine.input_rules.memory_store") {
  const std::string& answers = memory_answers();
  CHECK(answers.find("invalid_argument NaN voltage\n") != std::string::npos);
  CHECK(answers.find("invalid_argument an empty actor id\n") != std::string::npos);
  CHECK(answers.find("invalid_argument the timers' actor id\n") != std::string::npos);
  CHECK(answers.find("invalid_argument NUL in the description\n") != std::string::npos);
}

TEST_CASE("engine.input_rules.sqlite_store_gives_the_same_answers") {
  tierflow_test::scratch_sqlite db("tierflow_rules");
  auto st = tf::sqlite_store::open(db.path());
  REQUIRE_MESSAGE(st.has_value(), (st ? std::string() : st.error().message()));
  CHECK(check_input_rules(st->get()) == memory_answers());
}

TEST_CASE("engine.input_rules.recorded_text_escapes_and_cuts") {
  using tf::detail::recorded_text;
  CHECK(recorded_text("plain 中文", 64) == "plain 中文");
  CHECK(recorded_text(std::string_view("a\0b", 3), 64) == "a\\x00b");
  CHECK(recorded_text("a\\b", 64) == "a\\\\b");
  CHECK(recorded_text("\x1b[2J\xff", 64) == "\\x1b[2J\\xff");
  CHECK(recorded_text(std::string(100, 'x'), 10) == std::string(7, 'x') + "\xe2\x80\xa6");
  CHECK(recorded_text(std::string(10, 'x'), 10) == std::string(10, 'x'));
  // Never inside a character: 中 is three bytes.
  const std::string cut = recorded_text("中中中中", 10);
  CHECK(cut == "中中\xe2\x80\xa6");
  CHECK(cut.size() <= 10);
}

TEST_CASE("engine.input_rules.utf8_validation") {
  using tf::detail::text_fault;
  CHECK(text_fault("ascii and 中文 and \xf0\x9f\x98\x80").empty());
  CHECK(text_fault(std::string_view("a\0", 2)) == "a NUL byte at byte 1");
  CHECK(text_fault("\x80") == "invalid UTF-8 at byte 0");
  CHECK(text_fault("ab\xc0\xaf") == "invalid UTF-8 at byte 2");        // overlong
  CHECK(text_fault("\xed\xa0\x80") == "invalid UTF-8 at byte 0");      // surrogate
  CHECK(text_fault("\xf4\x90\x80\x80") == "invalid UTF-8 at byte 0");  // past U+10FFFF
  CHECK(text_fault("\xe4\xb8") == "invalid UTF-8 at byte 0");          // truncated
  CHECK(tf::detail::reserved_actor_id("system"));
  CHECK(tf::detail::reserved_actor_id("~x"));
  CHECK_FALSE(tf::detail::reserved_actor_id("systems"));
}

// text_fault and check_text read plain ASCII eight bytes at a time
// (input_rules.hpp, plain_ascii_prefix):
// a fault in any byte of a word, at any offset from the start, in a string
// of any length around the word size, is reported at its own position, the
// first of two faults first, and a valid multi-byte character or a DEL
// anywhere passes. Expected answers follow from where the fault was put.
TEST_CASE("engine.input_rules.text_fault_at_every_offset_of_the_word_scan") {
  using tf::detail::text_fault;
  for (std::size_t n = 0; n <= 33; ++n) {
    const std::string plain(n, 'a');
    CHECK(text_fault(plain).empty());
    CHECK(tf::detail::plain_ascii_prefix(plain) == n);
    for (std::size_t p = 0; p <= n; ++p) {
      const std::string before = plain.substr(0, p);
      const std::string after = plain.substr(p);
      const std::string at = std::to_string(p);
      CHECK(text_fault(before + std::string(1, '\0') + after) == "a NUL byte at byte " + at);
      CHECK(text_fault(before + "\x80" + after) == "invalid UTF-8 at byte " + at);
      CHECK(text_fault(before + "\xc3" + after) == "invalid UTF-8 at byte " + at);  // cut short
      CHECK(text_fault(before + "\xc3\xa9" + after).empty());                     // é
      CHECK(text_fault(before + "\x7f\x01" + after).empty());  // controls are valid text
      CHECK(tf::detail::plain_ascii_prefix(before + std::string(1, '\0') + after) == p);
      CHECK(tf::detail::plain_ascii_prefix(before + "\xc3\xa9" + after) == p);
      CHECK(tf::detail::plain_ascii_prefix(before + "\x7f\x01" + after) == n + 2);
      // Two faults: the first is reported, wherever the second is.
      CHECK(text_fault(before + std::string(1, '\0') + after + "\xff") ==
            "a NUL byte at byte " + at);
      CHECK(text_fault(before + "\xff" + after + std::string(1, '\0')) ==
            "invalid UTF-8 at byte " + at);
    }
  }
}
