// SPDX-License-Identifier: MIT
// Queries: a ticket's view, the queues, the customer contact record, the
// overdue and at-risk lists, the stored trail and its replay. Each ticket is
// seen as of its last completed command.
#include <algorithm>
#include <utility>

#include <tierflow/event_schema.hpp>

#include "engine/engine_impl.hpp"

namespace tierflow {

// The store's index only proposes candidates: its rows are not verified
// (someone may have edited one). Every view comes from the ticket's
// verified fold, and each query keeps only the tickets whose fold agrees
// with what it asked for.
std::vector<std::string> engine::impl::candidates(const std::vector<ticket_summary>& rows) const {
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const auto& row : rows) ids.push_back(row.ticket_id);
  // A forged row may also have hidden a ticket from where it belongs.
  for (auto& id : forged_rows())
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  return ids;
}

result<std::vector<ticket_view>> engine::impl::views(const std::vector<std::string>& ids,
                                                     timestamp now) const {
  std::vector<ticket_view> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto found = slot(id);
    if (!found) {
      if (found.error().code() == errc::data_loss) continue;  // quarantined: quarantined() says so
      return fail(found.error());
    }
    if (*found == nullptr) continue;
    const std::lock_guard lock((*found)->mutex);
    if (auto ok = refresh(**found); !ok) return fail(ok.error());
    out.push_back((*found)->record.view(now));
  }
  return out;
}

result<ticket_view> engine::impl::view(std::string_view ticket_id, timestamp now) const {
  ticket_view v;
  if (auto ok = view_into(ticket_id, now, v); !ok) return fail(ok.error());
  return v;
}

template <class Read>
result<void> engine::impl::read_record(std::string_view ticket_id, Read&& read) const {
  auto found = slot(ticket_id);
  if (!found) return fail(found.error());
  if (*found == nullptr)
    return fail(errc::not_found, "unknown ticket '" + std::string(ticket_id) + "'");
  const std::lock_guard lock((*found)->mutex);
  if (auto ok = refresh(**found); !ok) return fail(ok.error());
  read((*found)->record);
  return {};
}

result<void> engine::impl::view_into(std::string_view ticket_id, timestamp now,
                                     ticket_view& into) const {
  return read_record(ticket_id, [&](const detail::ticket_record& r) { r.view_into(into, now); });
}

result<act_receipt> engine::impl::brief(std::string_view ticket_id) const {
  act_receipt out;
  if (auto ok = read_record(ticket_id, [&](const detail::ticket_record& r) { r.receipt_into(out); }); !ok)
    return fail(ok.error());
  return out;
}

result<std::vector<ticket_view>> engine::impl::queue(std::string_view unit, std::string_view region,
                                                     timestamp now) const {
  if (!defs.org.is_unit(unit))
    return fail(errc::not_found, "unknown tier or team '" + std::string(unit) + "'");
  auto summaries = events->queue(unit, region);
  if (!summaries) return fail(summaries.error());
  auto v = views(candidates(*summaries), now);
  if (!v) return v;
  // A ticket may have moved or closed between the store's answer and
  // reading it, or its row lied: list each as of its last command, and
  // only if it is in this queue.
  std::erase_if(*v, [&](const ticket_view& t) {
    return t.closed || t.assignee.unit != unit || t.assignee.region != region;
  });
  std::stable_sort(v->begin(), v->end(), [](const ticket_view& a, const ticket_view& b) {
    const auto da = a.nearest_due().value_or(timestamp::max());
    const auto db = b.nearest_due().value_or(timestamp::max());
    return da != db ? da < db : a.id < b.id;
  });
  return v;
}

result<contact_record> engine::impl::customer_record(std::string_view customer_id,
                                                     timestamp now) const {
  auto summaries = events->customer_tickets(customer_id);
  if (!summaries) return fail(summaries.error());
  contact_record out;
  out.customer_id = customer_id;
  auto v = views(candidates(*summaries), now);
  if (!v) return fail(v.error());
  std::erase_if(*v, [&](const ticket_view& t) { return t.customer_id != customer_id; });
  // First contact first, as the store orders its rows.
  std::stable_sort(v->begin(), v->end(), [](const ticket_view& a, const ticket_view& b) {
    return a.opened_at != b.opened_at ? a.opened_at < b.opened_at : a.id < b.id;
  });
  out.tickets = std::move(*v);
  // Each event with its ticket's opening order and whether it is a denial
  // (the ticket's own events come first at one instant).
  struct entry {
    std::size_t ticket;
    bool denial;
    event e;
  };
  std::vector<entry> all;
  for (std::size_t i = 0; i < out.tickets.size(); ++i) {
    auto stream = events->load(out.tickets[i].id);
    if (!stream) return fail(stream.error());
    for (auto& e : *stream) all.push_back(entry{i, false, std::move(e)});
    auto refused = denials(out.tickets[i].id);
    if (!refused) return fail(refused.error());
    for (auto& e : *refused) all.push_back(entry{i, true, std::move(e)});
  }
  std::stable_sort(all.begin(), all.end(), [](const entry& a, const entry& b) {
    if (a.e.time != b.e.time) return a.e.time < b.e.time;
    if (a.ticket != b.ticket) return a.ticket < b.ticket;
    if (a.denial != b.denial) return !a.denial;
    return a.e.sequence < b.e.sequence;
  });
  out.events.reserve(all.size());
  for (auto& x : all) out.events.push_back(std::move(x.e));
  return out;
}

result<std::vector<ticket_view>> engine::impl::overdue(timestamp now) const {
  auto open = events->open_tickets();
  if (!open) return fail(open.error());
  auto v = views(candidates(*open), now);
  if (!v) return fail(v.error());
  std::vector<ticket_view> out;
  for (auto& t : *v)
    if (!t.closed && t.overdue()) out.push_back(std::move(t));
  const auto most_overdue = [](const ticket_view& t) {
    std::int64_t worst = 0;
    for (const auto& d : t.deadlines)
      if (d.breached &&
          (d.status == deadline_status::running || d.status == deadline_status::paused))
        worst = std::min(worst, d.remaining_seconds);
    return worst;
  };
  std::stable_sort(out.begin(), out.end(), [&](const ticket_view& a, const ticket_view& b) {
    return most_overdue(a) < most_overdue(b);
  });
  return out;
}

result<std::vector<ticket_view>> engine::impl::at_risk(std::chrono::seconds within,
                                                       timestamp now) const {
  auto open = events->open_tickets();
  if (!open) return fail(open.error());
  auto v = views(candidates(*open), now);
  if (!v) return fail(v.error());
  std::vector<ticket_view> out;
  for (auto& tv : *v) {
    const auto due = tv.nearest_due();
    if (!tv.closed && !tv.overdue() && due && *due - now <= within) out.push_back(std::move(tv));
  }
  std::stable_sort(out.begin(), out.end(), [](const ticket_view& a, const ticket_view& b) {
    return *a.nearest_due() < *b.nearest_due();
  });
  return out;
}

result<std::vector<event>> engine::impl::trail(std::string_view ticket_id) const {
  auto stream = events->load(ticket_id);
  if (!stream) return fail(stream.error());
  if (stream->empty())
    return fail(errc::not_found, "no events for '" + std::string(ticket_id) + "'");
  return stream;
}

result<std::vector<event>> engine::impl::denials(std::string_view ticket_id) const {
  auto found = slot(ticket_id);
  // A quarantined ticket's refusals are still readable: they say who tried.
  if (!found && found.error().code() != errc::data_loss) return fail(found.error());
  if (found && *found == nullptr)
    return fail(errc::not_found, "unknown ticket '" + std::string(ticket_id) + "'");
  return events->load(denial_stream_of(ticket_id));
}

result<ticket_view> engine::impl::replay(std::string_view ticket_id, timestamp now) const {
  if (auto ok = check_not_quarantined(ticket_id); !ok) return fail(ok.error());
  auto stream = events->load(ticket_id);
  if (!stream) return fail(stream.error());
  if (stream->empty() || stream->front().type != event_type::opened)
    return fail(errc::not_found, "unknown ticket '" + std::string(ticket_id) + "'");
  auto folded = detail::replay(cc, *stream);
  if (!folded) return fail(folded.error());
  return folded->view(now);
}

}  // namespace tierflow
