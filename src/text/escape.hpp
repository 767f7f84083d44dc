// SPDX-License-Identifier: MIT
// Text that came from a file, a store or a user, made safe to print on a
// terminal or in a log: control characters and broken UTF-8 are shown as
// escapes instead of being sent raw, so an id, a path or a YAML value can
// neither drive the terminal (ESC sequences), nor forge a line of output
// (a newline), nor hide what it is (bidirectional overrides).
#pragma once

#include <string>
#include <string_view>

namespace tierflow::detail {

/// `text` with everything a terminal would act on shown as an escape:
///
/// - C0 controls and DEL (U+0000–U+001F, U+007F): `\n`, `\r`, `\t`, else
///   `\xNN` (ESC is `\x1b`);
/// - C1 controls (U+0080–U+009F, two bytes in UTF-8): `\u{80}` … `\u{9f}`;
/// - the invisible characters that reorder or break lines: U+200E, U+200F,
///   U+2028, U+2029, U+202A–U+202E, U+2066–U+2069, as `\u{202e}` etc.;
/// - each byte that is not part of valid UTF-8 (a stray continuation byte,
///   a truncated or overlong sequence, a surrogate, past U+10FFFF): `\xNN`.
///
/// Everything else is kept byte for byte: printable ASCII (the backslash
/// too: the result is for reading, not for parsing back) and valid UTF-8,
/// Chinese included. Lowercase hex digits. Never throws but std::bad_alloc;
/// O(n).
[[nodiscard]] std::string printable(std::string_view text);

/// `text` as a double-quoted string for output where a value must read as
/// one token (`key="a value"`): `"` and `\` escaped as `\"` and `\\`, then
/// printable(). Always quoted.
[[nodiscard]] std::string quoted_printable(std::string_view text);

/// `text` as one CSV field (RFC 4180) that a spreadsheet opens safely, per
/// OWASP "CSV Injection": a field that starts with = + - @, TAB or CR (a
/// spreadsheet would take it for a formula) gets a leading single quote;
/// the rest goes through printable() (no raw control character or broken
/// UTF-8); the field is double-quoted, inner quotes doubled, when it was
/// neutralised or holds a comma or a quote. Every CSV tierflow writes (the
/// audit export, the reports) takes its text cells through this.
[[nodiscard]] std::string csv_field(std::string_view text);

/// True when printable(text) == text: nothing in `text` needs escaping.
[[nodiscard]] bool is_printable(std::string_view text) noexcept;

}  // namespace tierflow::detail
