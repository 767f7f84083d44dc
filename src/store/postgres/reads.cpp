// SPDX-License-Identifier: MIT
// The PostgreSQL store's read path: event loads, stream heads, the summary
// queries and the list of streams, each a statement with bound parameters
// on a pooled connection (retried once on a new one if the server dropped
// it); also next_ticket_number, one nextval() on the same path.
#include <tierflow/postgres_store.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "store/append_checks.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/rows.hpp"
#include "store/postgres/store_impl.hpp"
#include "store/store_codec.hpp"

namespace tierflow {
namespace {

bool storable(std::string_view text) noexcept { return detail::is_storable_text(text); }

}  // namespace

using detail::postgres::clamp_limit;
using detail::postgres::from_seconds;
using detail::postgres::head_of;
using detail::postgres::intake_of;
using detail::postgres::number_and_history_select;
using detail::postgres::one_summary_of;
using detail::postgres::seconds;
using detail::postgres::sealed_summary_select;
using detail::postgres::select_head;
using detail::postgres::summaries_of;

result<std::vector<event>> postgres_store::load(std::string_view ticket_id) const {
  // Text no append could store (a NUL byte, invalid UTF-8, which the
  // server would refuse as a parameter) names nothing.
  if (!storable(ticket_id)) return std::vector<event>{};
  return impl_->read<std::vector<event>>([&](pg::connection& c) -> pg::outcome<std::vector<event>> {
    pg::params p;
    p.text(ticket_id);
    auto r = c.exec(
        "SELECT seq, time, actor, workflow_id, workflow_version, type, details, prev_hash, hash"
        " FROM tierflow.events WHERE stream = $1 ORDER BY seq",
        p);
    if (!r) return fail(r.error());
    std::vector<event> out;
    const int rows = PQntuples(r->get());
    out.reserve(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) {
      pg::row_reader row(r->get(), i);
      event e;
      e.ticket_id = std::string(ticket_id);
      e.sequence = static_cast<std::uint64_t>(row.int8());
      e.time = from_seconds(row.int8());
      e.actor_id = row.text();
      e.workflow_id = row.text();
      e.workflow_version = static_cast<std::uint32_t>(row.int8());
      e.type = static_cast<event_type>(row.int2());
      auto details = detail::decode_details(row.bytes());
      auto prev = detail::hash_from_bytes(row.bytes());
      auto hash = detail::hash_from_bytes(row.bytes());
      if (!row.ok()) return fail(pg::failure{row.take_error(), false});
      for (auto* part : {&prev, &hash}) {
        if (!*part) return fail(pg::failure{part->error(), false});
      }
      if (!details) return fail(pg::failure{details.error(), false});
      e.details = std::move(*details);
      e.prev_hash = *prev;
      e.hash = *hash;
      out.push_back(std::move(e));
    }
    return out;
  });
}

result<store::stream_head> postgres_store::head(std::string_view ticket_id) const {
  if (!storable(ticket_id)) return stream_head{};
  return impl_->read<stream_head>([&](pg::connection& c) -> pg::outcome<stream_head> {
    auto r = select_head(c, ticket_id, false);
    if (!r) return fail(r.error());
    return head_of(*r);
  });
}

result<std::uint64_t> postgres_store::next_ticket_number() {
  if (auto ok = impl_->writable("next ticket number"); !ok) return fail(ok.error());
  return impl_->read<std::uint64_t>([&](pg::connection& c) -> pg::outcome<std::uint64_t> {
    auto r = c.exec("SELECT nextval('tierflow.ticket_numbers')");
    if (!r) return fail(r.error());
    pg::row_reader row(r->get(), 0);
    const auto n = row.int8();
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
    return static_cast<std::uint64_t>(n);
  });
}

result<ticket_intake> postgres_store::number_and_history(std::string_view customer_id) {
  if (auto ok = impl_->writable("next ticket number"); !ok) return fail(ok.error());
  // An id that could not be stored has no tickets: the number alone.
  if (!storable(customer_id)) {
    auto number = next_ticket_number();
    if (!number) return fail(std::move(number).error());
    return ticket_intake{*number, {}};
  }
  return impl_->read<ticket_intake>([&](pg::connection& c) -> pg::outcome<ticket_intake> {
    pg::params p;
    p.text(customer_id);
    auto r = c.exec(number_and_history_select(impl_->sealed).c_str(), p);
    if (!r) return fail(r.error());
    return intake_of(*r, impl_->sealed);
  });
}

result<ticket_summary> postgres_store::summary(std::string_view ticket_id) const {
  if (!storable(ticket_id)) return fail(errc::not_found, fmt::format("ticket {}: not found", ticket_id));
  auto found = impl_->read<pg::result_ptr>([&](pg::connection& c) -> pg::outcome<pg::result_ptr> {
    pg::params p;
    p.text(ticket_id);
    return c.exec((sealed_summary_select(impl_->sealed) + "WHERE s.ticket_id = $1").c_str(), p);
  });
  if (!found) return fail(found.error());
  return one_summary_of(*found, impl_->sealed, ticket_id);
}

result<std::vector<ticket_summary>> postgres_store::queue(std::string_view unit,
                                                          std::string_view region) const {
  if (!storable(unit) || !storable(region)) return std::vector<ticket_summary>{};
  return impl_->read<std::vector<ticket_summary>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<ticket_summary>> {
        pg::params p;
        p.text(unit).text(region);
        auto r = c.exec((sealed_summary_select(impl_->sealed) +
                         "WHERE NOT s.closed AND s.unit = $1 AND s.region = $2"
                         " ORDER BY s.nearest_due ASC NULLS LAST, s.ticket_id")
                            .c_str(),
                        p);
        if (!r) return fail(r.error());
        return summaries_of(*r, impl_->sealed);
      });
}

result<std::vector<ticket_summary>> postgres_store::customer_tickets(
    std::string_view customer_id) const {
  if (!storable(customer_id)) return std::vector<ticket_summary>{};
  return impl_->read<std::vector<ticket_summary>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<ticket_summary>> {
        pg::params p;
        p.text(customer_id);
        auto r = c.exec(
            (sealed_summary_select(impl_->sealed) + "WHERE s.customer_id = $1 ORDER BY s.opened_at, s.ticket_id")
                .c_str(),
            p);
        if (!r) return fail(r.error());
        return summaries_of(*r, impl_->sealed);
      });
}

result<std::vector<due_ticket>> postgres_store::due(timestamp now, std::size_t limit) const {
  if (limit == 0) return std::vector<due_ticket>{};
  // Rows that fail their seal are left out; each left out row makes room
  // for one more in the next round, so a forged row cannot take a slot of
  // the limit. Rounds repeat only when something was left out.
  std::size_t fetch = limit;
  for (;;) {
    std::size_t left_out = 0;
    std::size_t rows = 0;
    auto found = impl_->read<std::vector<ticket_summary>>(
        [&](pg::connection& c) -> pg::outcome<std::vector<ticket_summary>> {
          pg::params p;
          p.int8(seconds(now)).int8(clamp_limit(fetch));
          auto r = c.exec((sealed_summary_select(impl_->sealed) +
                           "WHERE s.next_timer <= $1 ORDER BY s.next_timer, s.ticket_id LIMIT $2")
                              .c_str(),
                          p);
          if (!r) return fail(r.error());
          rows = static_cast<std::size_t>(PQntuples(r->get()));
          left_out = 0;
          return summaries_of(*r, impl_->sealed, &left_out);
        });
    if (!found) return fail(found.error());
    if (found->size() >= limit || rows < fetch || left_out == 0) {
      std::vector<due_ticket> out;
      out.reserve(std::min(limit, found->size()));
      for (ticket_summary& t : *found) {
        if (out.size() == limit) break;
        out.push_back(due_ticket{std::move(t.ticket_id), *t.next_timer});
      }
      return out;
    }
    fetch += left_out;
  }
}

result<std::vector<ticket_summary>> postgres_store::open_tickets() const {
  return impl_->read<std::vector<ticket_summary>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<ticket_summary>> {
        auto r = c.exec((sealed_summary_select(impl_->sealed) + "WHERE NOT s.closed ORDER BY s.ticket_id").c_str());
        if (!r) return fail(r.error());
        return summaries_of(*r, impl_->sealed);
      });
}

namespace {

// The first column of every row of `sql`, as text.
pg::outcome<std::vector<std::string>> ids_of(pg::connection& c, const char* sql) {
  auto r = c.exec(sql);
  if (!r) return fail(r.error());
  std::vector<std::string> out;
  const int rows = PQntuples(r->get());
  out.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    pg::row_reader row(r->get(), i);
    out.push_back(row.text());
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
  }
  return out;
}

}  // namespace

result<std::vector<std::string>> postgres_store::streams() const {
  return impl_->read<std::vector<std::string>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<std::string>> {
        return ids_of(c, "SELECT stream FROM tierflow.heads WHERE version > 0 ORDER BY stream");
      });
}

result<std::vector<std::string>> postgres_store::summary_ids() const {
  return impl_->read<std::vector<std::string>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<std::string>> {
        return ids_of(c, "SELECT ticket_id FROM tierflow.summaries ORDER BY ticket_id");
      });
}

}  // namespace tierflow
