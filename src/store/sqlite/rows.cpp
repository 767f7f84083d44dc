// SPDX-License-Identifier: MIT
#include "store/sqlite/rows.hpp"

#include <limits>
#include <optional>
#include <utility>

#include "store/store_codec.hpp"

namespace tierflow::detail::sqlite {
namespace {

void bind_optional(statement& s, int index, const std::optional<timestamp>& t) noexcept {
  if (t) {
    s.bind_int(index, to_db(*t));
  } else {
    s.bind_null(index);
  }
}

std::optional<timestamp> optional_time(const statement& s, int column) noexcept {
  if (s.is_null(column)) return std::nullopt;
  return time_from_db(s.column_int(column));
}

result<std::uint32_t> workflow_version_of(const statement& s, int column, const std::string& path) {
  const std::int64_t v = s.column_int(column);
  if (v < 0 || v > std::numeric_limits<std::uint32_t>::max()) {
    return fail(malformed(path, "workflow version"));
  }
  return static_cast<std::uint32_t>(v);
}

}  // namespace

error malformed(const std::string& path, std::string_view what) {
  return error(errc::io_error, "sqlite " + path + ": malformed stored " + std::string(what));
}

std::string ticket_context(std::string_view ticket_id) {
  return "ticket " + std::string(ticket_id);
}

result<ticket_summary> read_summary(const statement& s, const std::string& path) {
  ticket_summary out;
  out.ticket_id = s.column_bytes(0);
  out.customer_id = s.column_bytes(1);
  out.ticket_type = s.column_bytes(2);
  out.workflow_id = s.column_bytes(3);
  const auto wv = workflow_version_of(s, 4, path);
  if (!wv) return fail(wv.error());
  out.workflow_version = *wv;
  out.state = s.column_bytes(5);
  out.unit = s.column_bytes(6);
  out.region = s.column_bytes(7);
  out.owner = s.column_bytes(8);
  out.assignee = s.column_bytes(9);
  out.closed = s.column_int(10) != 0;
  out.opened_at = time_from_db(s.column_int(11));
  out.closed_at = optional_time(s, 12);
  out.next_timer = optional_time(s, 13);
  out.nearest_due = optional_time(s, 14);
  const std::int64_t version = s.column_int(15);
  if (version < 0) return fail(malformed(path, "summary version"));
  out.version = static_cast<std::uint64_t>(version);
  return out;
}

void bind_summary(statement& s, const ticket_summary& t) noexcept {
  s.bind_text_ref(1, t.ticket_id);
  s.bind_text_ref(2, t.customer_id);
  s.bind_text_ref(3, t.ticket_type);
  s.bind_text_ref(4, t.workflow_id);
  s.bind_int(5, t.workflow_version);
  s.bind_text_ref(6, t.state);
  s.bind_text_ref(7, t.unit);
  s.bind_text_ref(8, t.region);
  s.bind_text_ref(9, t.owner);
  s.bind_text_ref(10, t.assignee);
  s.bind_int(11, t.closed ? 1 : 0);
  s.bind_int(12, to_db(t.opened_at));
  bind_optional(s, 13, t.closed_at);
  bind_optional(s, 14, t.next_timer);
  bind_optional(s, 15, t.nearest_due);
  s.bind_int(16, to_db(t.version));
}

result<event> read_event(const statement& s, std::string_view stream_id, const std::string& path) {
  event e;
  e.ticket_id = stream_id;
  const std::int64_t sequence = s.column_int(0);
  if (sequence < 1) return fail(malformed(path, "event sequence"));
  e.sequence = static_cast<std::uint64_t>(sequence);
  e.time = time_from_db(s.column_int(1));
  e.actor_id = s.column_bytes(2);
  e.workflow_id = s.column_bytes(3);
  const auto wv = workflow_version_of(s, 4, path);
  if (!wv) return fail(wv.error());
  e.workflow_version = *wv;
  const std::int64_t type = s.column_int(5);
  if (type < 0 || type > std::numeric_limits<std::uint8_t>::max()) {
    return fail(malformed(path, "event type"));
  }
  e.type = static_cast<event_type>(type);
  auto details = detail::decode_details(s.column_bytes(6));
  if (!details) return fail(std::move(details).error().with_context("sqlite " + path));
  e.details = std::move(*details);
  auto prev = detail::hash_from_bytes(s.column_bytes(7));
  if (!prev) return fail(std::move(prev).error().with_context("sqlite " + path));
  e.prev_hash = *prev;
  auto hash = detail::hash_from_bytes(s.column_bytes(8));
  if (!hash) return fail(std::move(hash).error().with_context("sqlite " + path));
  e.hash = *hash;
  return e;
}

}  // namespace tierflow::detail::sqlite
