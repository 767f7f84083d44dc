// SPDX-License-Identifier: MIT
// Queries: a ticket's view, the queues, the customer contact record, the
// overdue and at-risk lists, the stored trail and its replay. Each ticket is
// seen as of its last completed command.
#include <algorithm>
#include <utility>

#include "engine/engine_impl.hpp"

namespace tierflow {

result<std::vector<ticket_view>> engine::impl::views(const std::vector<ticket_summary>& summaries,
                                                     timestamp now) const {
  std::vector<ticket_view> out;
  out.reserve(summaries.size());
  for (const auto& sum : summaries) {
    auto found = slot(sum.ticket_id);
    if (!found) return fail(found.error());
    if (*found == nullptr) continue;
    const std::lock_guard lock((*found)->mutex);
    if (auto ok = refresh(**found); !ok) return fail(ok.error());
    out.push_back((*found)->record.view(now));
  }
  return out;
}

result<ticket_view> engine::impl::view(std::string_view ticket_id, timestamp now) const {
  auto found = slot(ticket_id);
  if (!found) return fail(found.error());
  if (*found == nullptr)
    return fail(errc::not_found, "unknown ticket '" + std::string(ticket_id) + "'");
  const std::lock_guard lock((*found)->mutex);
  if (auto ok = refresh(**found); !ok) return fail(ok.error());
  return (*found)->record.view(now);
}

result<std::vector<ticket_view>> engine::impl::queue(std::string_view unit, std::string_view region,
                                                     timestamp now) const {
  if (!defs.org.is_unit(unit))
    return fail(errc::not_found, "unknown tier or team '" + std::string(unit) + "'");
  auto summaries = events->queue(unit, region);
  if (!summaries) return fail(summaries.error());
  auto v = views(*summaries, now);
  if (!v) return v;
  // A ticket may have moved or closed between the store's answer and
  // reading it: list each as of its last command, and only if it is still
  // in this queue.
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
  auto v = views(*summaries, now);
  if (!v) return fail(v.error());
  out.tickets = std::move(*v);
  std::vector<std::pair<std::size_t, event>> all;
  for (std::size_t i = 0; i < summaries->size(); ++i) {
    auto stream = events->load((*summaries)[i].ticket_id);
    if (!stream) return fail(stream.error());
    for (auto& e : *stream) all.emplace_back(i, std::move(e));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.second.time != b.second.time) return a.second.time < b.second.time;
    if (a.first != b.first) return a.first < b.first;
    return a.second.sequence < b.second.sequence;
  });
  out.events.reserve(all.size());
  for (auto& [i, e] : all) out.events.push_back(std::move(e));
  return out;
}

result<std::vector<ticket_view>> engine::impl::overdue(timestamp now) const {
  auto open = events->open_tickets();
  if (!open) return fail(open.error());
  auto v = views(*open, now);
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
  auto v = views(*open, now);
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

result<ticket_view> engine::impl::replay(std::string_view ticket_id, timestamp now) const {
  auto stream = events->load(ticket_id);
  if (!stream) return fail(stream.error());
  if (stream->empty() || stream->front().type != event_type::opened)
    return fail(errc::not_found, "unknown ticket '" + std::string(ticket_id) + "'");
  return detail::replay(cc, *stream).view(now);
}

}  // namespace tierflow
