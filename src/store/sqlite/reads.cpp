// SPDX-License-Identifier: MIT
// The SQLite store's read path: stream heads, event loads and the summary
// queries, each on a statement prepared at open (sqlite_store.cpp), under
// the connection's mutex.
#include <tierflow/sqlite_store.hpp>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/store_impl.hpp"
#include "store/store_codec.hpp"

namespace tierflow {

using detail::sqlite::statement;
using detail::sqlite::statement_use;

result<store::stream_head> sqlite_store::impl::read_head(std::string_view id) {
  const statement_use s(head_stmt);
  s->bind_text(1, id);
  const auto row = s->step();
  if (!row) return fail(row.error());
  if (!*row) return stream_head{};
  const std::int64_t version = s->column_int(0);
  if (version < 0) return fail(detail::sqlite::malformed(path, "stream version"));
  auto h = detail::hash_from_bytes(s->column_bytes(1));
  if (!h) return fail(std::move(h).error().with_context("sqlite " + path));
  return stream_head{static_cast<std::uint64_t>(version), *h};
}

result<detail::sqlite::stored_stream> sqlite_store::impl::read_stored(std::string_view id) {
  if (const auto* known = recorded(id)) return *known;
  const statement_use s(stored_stmt);
  s->bind_text_ref(1, id);
  const auto row = s->step();
  if (!row) return fail(row.error());
  // One row always (the LEFT JOINs keep the parameter's row).
  if (!*row) return fail(detail::sqlite::malformed(path, "stream head (no row)"));
  detail::sqlite::stored_stream out;
  if (!s->is_null(0)) {
    const std::int64_t version = s->column_int(0);
    if (version < 0) return fail(detail::sqlite::malformed(path, "stream version"));
    auto h = detail::hash_from_bytes(s->column_bytes(1));
    if (!h) return fail(std::move(h).error().with_context("sqlite " + path));
    out.head = stream_head{static_cast<std::uint64_t>(version), *h};
  }
  out.has_summary = s->column_int(2) != 0;
  if (out.has_summary && s->column_int(10) != 0) {
    detail::sqlite::summary_keys k;
    k.customer_id = s->column_bytes(3);
    k.unit = s->column_bytes(4);
    k.region = s->column_bytes(5);
    // Any other integer is a row the store did not write: keys left
    // unknown, so the append rewrites the whole row and its indexes.
    const std::int64_t closed = s->column_int(6);
    if (closed == 0 || closed == 1) {
      k.closed = closed == 1;
      k.opened_at = s->column_int(7);
      if (!s->is_null(8)) k.next_timer = s->column_int(8);
      if (!s->is_null(9)) k.nearest_due = s->column_int(9);
      out.keys = std::move(k);
    }
  }
  return out;
}

result<ticket_summary> sqlite_store::impl::read_sealed_summary(const statement& stmt) const {
  auto s = detail::sqlite::read_summary(stmt, path);
  if (!s) return s;
  // Columns 16..18: the seal, the stream's version and head (NULL when the
  // stream has no row: the empty stream's head, as head() reports it).
  if (!sealed) return s;  // a file from before seals, read as it stands
  stream_head head;
  if (!stmt.is_null(17)) {
    const std::int64_t version = stmt.column_int(17);
    if (version < 0) return fail(detail::sqlite::malformed(path, "stream version"));
    head.version = static_cast<std::uint64_t>(version);
    auto h = detail::hash_from_bytes(stmt.column_bytes(18));
    if (!h) return fail(std::move(h).error().with_context("sqlite " + path));
    head.head = *h;
  }
  if (auto ok = detail::check_summary_seal(*s, stmt.column_bytes(16), head.version, head.head); !ok) {
    return fail(std::move(ok).error());
  }
  return s;
}

result<std::vector<ticket_summary>> sqlite_store::impl::read_summaries(statement& stmt, std::size_t limit) {
  std::vector<ticket_summary> out;
  while (out.size() < limit) {
    const auto row = stmt.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    auto s = read_sealed_summary(stmt);
    if (!s) {
      // A row that does not match its trail is not the ticket's state:
      // queues and contact records go on without it.
      if (s.error().code() == errc::data_loss) continue;
      return fail(std::move(s).error());
    }
    out.push_back(std::move(*s));
  }
  return out;
}

result<std::vector<event>> sqlite_store::load(std::string_view ticket_id) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->load_stmt);
  s->bind_text(1, ticket_id);
  std::vector<event> out;
  for (;;) {
    const auto row = s->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    auto e = detail::sqlite::read_event(*s, ticket_id, impl_->path);
    if (!e) return fail(std::move(e).error());
    out.push_back(std::move(*e));
  }
}

result<store::stream_head> sqlite_store::head(std::string_view ticket_id) const {
  const std::lock_guard lock(impl_->mutex);
  // The open group's transaction holds the write lock: what it recorded of
  // the stream is what the database holds for this handle.
  if (const auto* known = impl_->recorded(ticket_id)) return known->head;
  return impl_->read_head(ticket_id);
}

result<ticket_summary> sqlite_store::summary(std::string_view ticket_id) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->summary_stmt);
  s->bind_text(1, ticket_id);
  const auto row = s->step();
  if (!row) return fail(row.error());
  if (!*row) {
    // Not a ticket, or not there at all: the same answer as the memory store.
    return fail(errc::not_found, detail::sqlite::ticket_context(ticket_id) + ": not found");
  }
  return impl_->read_sealed_summary(*s);
}

result<std::vector<ticket_summary>> sqlite_store::queue(std::string_view unit,
                                                        std::string_view region) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->queue_stmt);
  s->bind_text(1, unit);
  s->bind_text(2, region);
  return impl_->read_summaries(*s);
}

result<std::vector<ticket_summary>> sqlite_store::customer_tickets(
    std::string_view customer_id) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->customer_stmt);
  s->bind_text(1, customer_id);
  return impl_->read_summaries(*s);
}

result<std::vector<due_ticket>> sqlite_store::due(timestamp now, std::size_t limit) const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->due_stmt);
  s->bind_int(1, detail::sqlite::to_db(now));
  auto summaries = impl_->read_summaries(*s, limit);
  if (!summaries) return fail(std::move(summaries).error());
  std::vector<due_ticket> out;
  out.reserve(summaries->size());
  for (ticket_summary& t : *summaries) out.push_back(due_ticket{std::move(t.ticket_id), *t.next_timer});
  return out;
}

result<std::vector<ticket_summary>> sqlite_store::open_tickets() const {
  const std::lock_guard lock(impl_->mutex);
  const statement_use s(impl_->open_stmt);
  return impl_->read_summaries(*s);
}

namespace {

// The first column of every row of a one-column statement, as bytes.
result<std::vector<std::string>> ids_of(detail::sqlite::statement& stmt) {
  const statement_use s(stmt);
  std::vector<std::string> out;
  for (;;) {
    const auto row = s->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.emplace_back(s->column_bytes(0));
  }
}

}  // namespace

result<std::vector<std::string>> sqlite_store::streams() const {
  const std::lock_guard lock(impl_->mutex);
  return ids_of(impl_->streams_stmt);
}

result<std::vector<std::string>> sqlite_store::summary_ids() const {
  const std::lock_guard lock(impl_->mutex);
  return ids_of(impl_->summary_ids_stmt);
}

}  // namespace tierflow
