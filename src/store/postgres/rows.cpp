// SPDX-License-Identifier: MIT
#include "store/postgres/rows.hpp"

#include <utility>

#include "store/store_codec.hpp"

namespace tierflow::detail::postgres {
namespace {

ticket_summary read_summary(pg::row_reader& row) {
  ticket_summary s;
  s.ticket_id = row.text();
  s.customer_id = row.text();
  s.ticket_type = row.text();
  s.workflow_id = row.text();
  s.workflow_version = static_cast<std::uint32_t>(row.int8());
  s.state = row.text();
  s.unit = row.text();
  s.region = row.text();
  s.owner = row.text();
  s.assignee = row.text();
  s.closed = row.boolean();
  s.opened_at = from_seconds(row.int8());
  s.closed_at = from_seconds(row.optional_int8());
  s.next_timer = from_seconds(row.optional_int8());
  s.nearest_due = from_seconds(row.optional_int8());
  s.version = static_cast<std::uint64_t>(row.int8());
  return s;
}

}  // namespace

pg::outcome<std::vector<ticket_summary>> summaries_of(const pg::result_ptr& r) {
  std::vector<ticket_summary> out;
  const int rows = PQntuples(r.get());
  out.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    pg::row_reader row(r.get(), i);
    out.push_back(read_summary(row));
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
  }
  return out;
}

pg::outcome<std::vector<due_ticket>> due_of(const pg::result_ptr& r) {
  std::vector<due_ticket> out;
  const int rows = PQntuples(r.get());
  out.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    pg::row_reader row(r.get(), i);
    due_ticket d;
    d.ticket_id = row.text();
    d.due = from_seconds(row.int8());
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
    out.push_back(std::move(d));
  }
  return out;
}

pg::outcome<store::stream_head> head_of(const pg::result_ptr& r) {
  store::stream_head h;
  if (PQntuples(r.get()) == 0) return h;
  pg::row_reader row(r.get(), 0);
  h.version = static_cast<std::uint64_t>(row.int8());
  auto hash = detail::hash_from_bytes(row.bytes());
  if (!row.ok()) return fail(pg::failure{row.take_error(), false});
  if (!hash) return fail(pg::failure{hash.error(), false});
  h.head = *hash;
  return h;
}

pg::outcome<pg::result_ptr> select_head(pg::connection& c, std::string_view stream, bool lock) {
  pg::params p;
  p.text(stream);
  return c.exec(lock ? "SELECT version, head FROM tierflow.heads WHERE stream = $1 FOR UPDATE"
                     : "SELECT version, head FROM tierflow.heads WHERE stream = $1",
                p);
}

}  // namespace tierflow::detail::postgres
