// SPDX-License-Identifier: MIT
// detail::printable and its kin (src/text/escape.hpp): what the tool does
// to every id, path and value it prints.
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "text/escape.hpp"

using tierflow::detail::is_printable;
using tierflow::detail::printable;
using tierflow::detail::quoted_printable;
using namespace std::string_literals;

TEST_CASE("text.escape.c0_controls_and_del") {
  CHECK(printable("a\x1b[2Jb") == "a\\x1b[2Jb");
  CHECK(printable("line\nnext\r\tend") == "line\\nnext\\r\\tend");
  CHECK(printable("nul"s + '\0' + "x\x7f") == "nul\\x00x\\x7f");
  CHECK(printable("\x01\x1f") == "\\x01\\x1f");
}

TEST_CASE("text.escape.c1_controls_and_layout_changers_as_code_points") {
  CHECK(printable("a\xc2\x9b" "31m") == "a\\u{9b}31m");  // U+009B, the one-byte CSI
  CHECK(printable("\xc2\x80\xc2\x9f") == "\\u{80}\\u{9f}");
  CHECK(printable("x\xe2\x80\xaey") == "x\\u{202e}y");   // right-to-left override
  CHECK(printable("\xe2\x80\xa8") == "\\u{2028}");       // line separator
  CHECK(printable("\xe2\x81\xa6") == "\\u{2066}");       // left-to-right isolate
  CHECK(printable("\xc2\xa0") == "\xc2\xa0");            // U+00A0 is printable
}

TEST_CASE("text.escape.invalid_utf8_bytes") {
  CHECK(printable("a\xff" "b") == "a\\xffb");
  CHECK(printable("\xc3") == "\\xc3");                     // truncated
  CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");            // overlong '/'
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");   // a surrogate
  CHECK(printable("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  CHECK(printable("\x80tail") == "\\x80tail");             // stray continuation
}

TEST_CASE("text.escape.valid_utf8_and_plain_text_kept") {
  const std::string chinese = "投訴處理 客户 C1001 – ok";
  CHECK(printable(chinese) == chinese);
  CHECK(printable("\xf0\x9f\x93\x9e") == "\xf0\x9f\x93\x9e");  // U+1F4DE
  CHECK(printable(R"(C:\path "quoted")") == R"(C:\path "quoted")");
  CHECK(printable("") == "");
  CHECK(is_printable(chinese));
  CHECK_FALSE(is_printable("a\x1b"));
  CHECK_FALSE(is_printable("a\xc2\x85"));
  CHECK_FALSE(is_printable("\xff"));
}

TEST_CASE("text.escape.quoted_printable_escapes_quotes_and_backslashes_first") {
  CHECK(quoted_printable(R"(say "hi")") == R"("say \"hi\"")");
  CHECK(quoted_printable("a\\x1b") == R"("a\\x1b")");  // a literal backslash stays told apart
  CHECK(quoted_printable("a\x1b") == R"("a\x1b")");
  CHECK(quoted_printable("") == "\"\"");
}

TEST_CASE("text.escape.csv_field_neutralises_formulas_and_quotes_as_needed") {
  using tierflow::detail::csv_field;
  // Plain text stays as it is; Chinese too.
  CHECK(csv_field("T00000001") == "T00000001");
  CHECK(csv_field("蘇州") == "蘇州");
  CHECK(csv_field("") == "");
  // A comma or a quote: quoted, the quote doubled (RFC 4180).
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  // What a spreadsheet would run as a formula: a leading ' and quoted.
  CHECK(csv_field("=1+1") == "\"'=1+1\"");
  CHECK(csv_field("+86 512") == "\"'+86 512\"");
  CHECK(csv_field("-2") == "\"'-2\"");
  CHECK(csv_field("@SUM(A1)") == "\"'@SUM(A1)\"");
  // A leading TAB or CR: neutralised too, and escaped, never raw.
  CHECK(csv_field("\t=1") == "\"'\\t=1\"");
  CHECK(csv_field("\r=1") == "\"'\\r=1\"");
  // A formula sign further in is harmless.
  CHECK(csv_field("a=b") == "a=b");
  // Control bytes and broken UTF-8 inside: escaped by printable().
  CHECK(csv_field("a\nb") == "a\\nb");
  CHECK(csv_field("a\xff") == "a\\xff");
}
