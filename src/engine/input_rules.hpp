// SPDX-License-Identifier: MIT
// Input rules: every check the engine makes on an incoming request's own
// bytes — before it looks at any ticket or definition — in one place, so
// that a request gets the same answer on every store (PostgreSQL refuses NUL
// bytes and invalid UTF-8 that SQLite would keep; here both are refused
// before any store sees them), and the text recorded about a refused request
// is bounded and safe.
//
// Private to the engine. open() and act() call check_open / check_act first;
// what the request means (a known type, channel, attribute, action, role) is
// judged afterwards by intake.cpp and authorization.cpp.
//
// Header-only: the checks are small and run on every command.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <tierflow/error.hpp>
#include <tierflow/ticket.hpp>

#include "engine/command.hpp"

namespace tierflow::detail {

/// Actor ids the engine keeps for itself: the timers' actor (system_actor)
/// and every id beginning with `~` (the prefix of the engine's own streams,
/// engine::denial_log_id and denial_stream_prefix). A staff action by such
/// an id would be indistinguishable from the engine's own events.
[[nodiscard]] constexpr bool reserved_actor_id(std::string_view id) noexcept {
  return id == system_actor || id.starts_with('~');
}

/// The length of the valid UTF-8 sequence starting at `s[i]` (1–4), or 0
/// when the bytes there are not one (a stray continuation byte, a truncated
/// or overlong sequence, a surrogate, past U+10FFFF).
[[nodiscard]] constexpr std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1fu;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0fu;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0u) != 0x80u) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

/// How long the plain ASCII text at the start of `s` is: the position of
/// its first NUL or byte above 0x7f, s.size() when there is none. Eight
/// bytes at a time: every command checks its ids and texts, nearly always
/// plain ASCII.
[[nodiscard]] inline std::size_t plain_ascii_prefix(std::string_view s) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    // A high bit set, or a zero byte (the classic (w - 1s) & ~w & 0x80s).
    if ((w & highs) != 0 || ((w - ones) & ~w & highs) != 0) break;
  }
  while (i < s.size() && s[i] != '\0' && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

/// Why `s` cannot be stored as text: "a NUL byte at byte N" or "invalid
/// UTF-8 at byte N" (0-based), or "" when it can.
[[nodiscard]] inline std::string text_fault(std::string_view s) {
  // Plain ASCII up to i: the bytes from there on are read one by one, so
  // the position reported is that of the first fault.
  for (std::size_t i = plain_ascii_prefix(s); i < s.size();) {
    if (s[i] == '\0') return "a NUL byte at byte " + std::to_string(i);
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) return "invalid UTF-8 at byte " + std::to_string(i);
    i += n;
  }
  return {};
}

/// `s` made safe and bounded for the audit trail: each byte that is NUL,
/// another C0 control, DEL or not part of valid UTF-8 as `\xNN` (lowercase
/// hex), a backslash as `\\` (so an escape in the input cannot pass for
/// one of ours), everything else byte for byte; then cut to at most
/// `limit` bytes on a character boundary, with "…" (3 bytes, counted) at
/// the end when something was cut. `limit` must be at least 8. O(n).
[[nodiscard]] inline std::string recorded_text(std::string_view s, std::size_t limit) {
  static constexpr std::string_view ellipsis = "\xe2\x80\xa6";
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() < limit ? s.size() : limit);
  // The size of `out` at the last character boundary that leaves room for
  // the ellipsis: where to cut once the text turns out too long.
  std::size_t fit = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = utf8_sequence(s, i);
    if (n == 0 || c < 0x20 || c == 0x7f) {
      n = 1;
      out += '\\';
      out += 'x';
      out += hex[c >> 4];
      out += hex[c & 0xfu];
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
    if (out.size() > limit) {
      out.resize(fit);
      out += ellipsis;
      return out;
    }
    if (out.size() + ellipsis.size() <= limit) fit = out.size();
  }
  return out;
}

/// Checks one string of a request: at most `limit` bytes (else
/// errc::limit_exceeded), no NUL byte and valid UTF-8 (else
/// errc::invalid_argument). `what` names the field in the message, which
/// never quotes the value itself.
[[nodiscard]] inline result<void> check_text(std::string_view what, std::string_view s,
                                             std::size_t limit) {
  if (s.size() > limit)
    return fail(errc::limit_exceeded, std::string(what) + " is longer than " +
                                          std::to_string(limit) + " bytes (" +
                                          std::to_string(s.size()) + ")");
  // Plain ASCII needs no message built, not even an empty one.
  if (plain_ascii_prefix(s) == s.size()) return {};
  if (const std::string fault = text_fault(s); !fault.empty())
    return fail(errc::invalid_argument, std::string(what) + " holds " + fault);
  return {};
}

/// Whether check_text passes `s`, without building a message.
[[nodiscard]] inline bool passes_text(std::string_view s, std::size_t limit) {
  return s.size() <= limit && (plain_ascii_prefix(s) == s.size() || text_fault(s).empty());
}

/// Checks named attribute values: at most max_attributes, names as ids,
/// string values as texts, numbers finite (NaN and ±inf are refused with
/// errc::invalid_argument: they pass every bound and compare false with
/// everything, so a condition could not judge them). `what`: "customer
/// attribute" or "ticket field".
[[nodiscard]] inline result<void> check_attribute_values(std::string_view what,
                                                         const attribute_values& values) {
  if (values.size() > max_attributes)
    return fail(errc::limit_exceeded, std::string(what) + "s: more than " +
                                          std::to_string(max_attributes));
  // The labels are built only for a refusal: every open passes here, and
  // most pass.
  for (const auto& named : values) {
    const std::string& name = named.first;
    const auto& v = named.second;
    if (!passes_text(name, max_id_bytes))
      return check_text(std::string(what) + " name", name, max_id_bytes);
    const auto label = [&] { return std::string(what) + " '" + name + "'"; };
    if (const auto* s = std::get_if<std::string>(&v)) {
      if (!passes_text(*s, max_text_bytes)) return check_text(label(), *s, max_text_bytes);
    } else if (const auto* d = std::get_if<double>(&v); d != nullptr && !std::isfinite(*d)) {
      return fail(errc::invalid_argument, label() + ": " +
                                              (std::isnan(*d) ? "NaN" : *d > 0 ? "+inf" : "-inf") +
                                              " is not a number it can hold");
    }
  }
  return {};
}

/// Every check of an open request's own bytes: ids (type, channel,
/// customer id, external ref, opened_by) at most max_id_bytes, the
/// description at most max_text_bytes, attributes as check_attribute_values; every
/// string free of NUL and valid UTF-8; opened_by empty (the engine then
/// records system_actor) or not a reserved id; a non-empty customer id.
/// Errors: errc::limit_exceeded, errc::invalid_argument.
[[nodiscard]] inline result<void> check_open(const open_request& req) {
  const std::pair<std::string_view, const std::string*> ids[] = {
      {"ticket type", &req.type},          {"channel", &req.channel},
      {"customer id", &req.customer_id},   {"external ref", &req.external_ref},
      {"opened_by", &req.opened_by}};
  for (const auto& [what, s] : ids)
    if (auto ok = check_text(what, *s, max_id_bytes); !ok) return ok;
  if (auto ok = check_text("description", req.description, max_text_bytes); !ok) return ok;
  if (auto ok = check_attribute_values("customer attribute", req.customer); !ok) return ok;
  if (auto ok = check_attribute_values("ticket field", req.fields); !ok) return ok;
  if (req.customer_id.empty()) return fail(errc::invalid_argument, "empty customer id");
  if (!req.opened_by.empty() && reserved_actor_id(req.opened_by))
    return fail(errc::invalid_argument,
                "opened_by '" + req.opened_by + "' is reserved for the engine");
  return {};
}

/// Whether the ticket id of an act request may be looked up and recorded:
/// at most max_id_bytes, no NUL, valid UTF-8. When it may not, a refusal is
/// recorded on the denial log rather than a ticket's denial stream.
[[nodiscard]] inline result<void> check_ticket_id(std::string_view id) {
  return check_text("ticket id", id, max_id_bytes);
}

/// Every check of an act request's own bytes: the ticket id (check_ticket_id),
/// the action, the actor's id, region and each role at most max_id_bytes,
/// at most max_attributes roles, the note at most max_text_bytes, the
/// classification at most max_id_bytes; every string free of NUL and valid
/// UTF-8; the actor's id non-empty and not a
/// reserved id (reserved_actor_id). Errors: errc::limit_exceeded,
/// errc::invalid_argument.
[[nodiscard]] inline result<void> check_act(const act_request& req) {
  if (auto ok = check_ticket_id(req.ticket_id); !ok) return ok;
  if (auto ok = check_text("action", req.action, max_id_bytes); !ok) return ok;
  if (auto ok = check_text("actor id", req.by.id, max_id_bytes); !ok) return ok;
  if (auto ok = check_text("actor region", req.by.region, max_id_bytes); !ok) return ok;
  if (req.by.roles.size() > max_attributes)
    return fail(errc::limit_exceeded, "actor roles: more than " + std::to_string(max_attributes));
  for (const auto& role : req.by.roles)
    if (auto ok = check_text("actor role", role, max_id_bytes); !ok) return ok;
  if (auto ok = check_text("note", req.note, max_text_bytes); !ok) return ok;
  if (auto ok = check_text("classification", req.classification, max_id_bytes); !ok) return ok;
  if (req.by.id.empty())
    return fail(errc::invalid_argument, "a staff action needs an actor id");
  if (reserved_actor_id(req.by.id))
    return fail(errc::invalid_argument,
                "actor id '" + req.by.id + "' is reserved for the engine");
  return {};
}

}  // namespace tierflow::detail
