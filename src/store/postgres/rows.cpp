// SPDX-License-Identifier: MIT
#include "store/postgres/rows.hpp"

#include <string>
#include <utility>

#include <fmt/format.h>

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

std::string sealed_summary_select(bool sealed) {
  return fmt::format(
      "SELECT {}, {}, h.version, h.head FROM tierflow.summaries s"
      " LEFT JOIN tierflow.heads h ON h.stream = s.ticket_id ",
      sealed_summary_columns, sealed ? "s.seal" : "NULL::bytea");
}

result<sealed_row> read_sealed_row(pg::row_reader& row) {
  sealed_row out;
  out.summary = read_summary(row);
  out.seal = row.optional_bytes();
  const auto version = row.optional_int8();
  auto head = row.optional_bytes();
  if (version && head) {
    auto h = detail::hash_from_bytes(*head);
    if (!h) return fail(std::move(h).error().with_context("postgres"));
    out.head = store::stream_head{static_cast<std::uint64_t>(*version), *h};
  }
  return out;
}

namespace {

// The summary of a row, checked against its seal and its stream's head.
result<ticket_summary> checked(sealed_row row, bool sealed) {
  if (sealed) {
    if (auto ok = detail::check_summary_seal(row.summary, row.seal.value_or(std::string()), row.head.version,
                                             row.head.head);
        !ok) {
      return fail(std::move(ok).error());
    }
  }
  return std::move(row.summary);
}

}  // namespace

pg::outcome<std::vector<ticket_summary>> summaries_of(const pg::result_ptr& r, bool sealed, std::size_t* left_out) {
  std::vector<ticket_summary> out;
  const int rows = PQntuples(r.get());
  out.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    pg::row_reader row(r.get(), i);
    auto read = read_sealed_row(row);
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
    if (!read) return fail(pg::failure{read.error(), false});
    auto s = checked(std::move(*read), sealed);
    if (!s) {
      // Not the ticket's state: queues and contact records go on without it.
      if (left_out != nullptr) ++*left_out;
      continue;
    }
    out.push_back(std::move(*s));
  }
  return out;
}

std::string number_and_history_select(bool sealed) {
  // The number's subquery has one row, so nextval() runs once whatever the
  // customer has; the LEFT JOIN keeps that row when the customer has none.
  return fmt::format(
      "SELECT n.number, {}, {}, h.version, h.head"
      " FROM (SELECT nextval('tierflow.ticket_numbers') AS number) n"
      " LEFT JOIN (tierflow.summaries s LEFT JOIN tierflow.heads h ON h.stream = s.ticket_id)"
      " ON s.customer_id = $1 ORDER BY s.opened_at, s.ticket_id",
      sealed_summary_columns, sealed ? "s.seal" : "NULL::bytea");
}

pg::outcome<ticket_intake> intake_of(const pg::result_ptr& r, bool sealed) {
  const int rows = PQntuples(r.get());
  if (rows == 0) return fail(pg::failure{error(errc::io_error, "postgres: no ticket number returned"), false});
  ticket_intake out;
  out.history.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    pg::row_reader row(r.get(), i);
    const std::int64_t number = row.int8();
    if (i == 0) out.number = static_cast<std::uint64_t>(number);
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
    if (row.null()) continue;  // the customer has no tickets: the number's row alone
    auto read = read_sealed_row(row);
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
    if (!read) return fail(pg::failure{read.error(), false});
    // Left out when it fails its seal, as customer_tickets leaves it out.
    if (auto s = checked(std::move(*read), sealed)) out.history.push_back(std::move(*s));
  }
  return out;
}

result<ticket_summary> one_summary_of(const pg::result_ptr& r, bool sealed, std::string_view ticket_id) {
  if (PQntuples(r.get()) == 0) return fail(errc::not_found, fmt::format("ticket {}: not found", ticket_id));
  pg::row_reader row(r.get(), 0);
  auto read = read_sealed_row(row);
  if (!row.ok()) return fail(row.take_error());
  if (!read) return fail(std::move(read).error());
  return checked(std::move(*read), sealed);
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
