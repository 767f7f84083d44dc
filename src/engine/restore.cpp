// SPDX-License-Identifier: MIT
// Restoring: verifying a stored stream with the audit verifier, folding it,
// and, when an engine is created over a store that already holds tickets,
// loading them all — quarantining the ones that do not verify or fold
// instead of refusing to start, and refusing only a catalog whose
// definitions changed under the stored tickets.
#include <algorithm>
#include <map>
#include <utility>

#include <tierflow/event_schema.hpp>
#include <tierflow/verified_read.hpp>

#include "engine/engine_impl.hpp"

namespace tierflow {
namespace {

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string time_text(std::optional<timestamp> t) {
  return t ? std::to_string(t->time_since_epoch().count()) : std::string("none");
}

// The fields of the store's row that differ from the trail's, as
// "the summary row says owner 'x', the trail says 'y'; …"; "" when none do.
std::string row_differences(const ticket_summary& row, const ticket_summary& trail) {
  std::string out;
  const auto differ = [&](std::string_view field, const std::string& said, const std::string& is) {
    if (said == is) return;
    if (!out.empty()) out += "; ";
    out += "the summary row says " + std::string(field) + " " + said + ", the trail says " + is;
  };
  differ("customer", in_quotes(row.customer_id), in_quotes(trail.customer_id));
  differ("type", in_quotes(row.ticket_type), in_quotes(trail.ticket_type));
  differ("workflow", in_quotes(row.workflow_id) + " v" + std::to_string(row.workflow_version),
         in_quotes(trail.workflow_id) + " v" + std::to_string(trail.workflow_version));
  differ("state", in_quotes(row.state), in_quotes(trail.state));
  differ("unit", in_quotes(row.unit), in_quotes(trail.unit));
  differ("region", in_quotes(row.region), in_quotes(trail.region));
  differ("owner", in_quotes(row.owner), in_quotes(trail.owner));
  differ("assignee", in_quotes(row.assignee), in_quotes(trail.assignee));
  differ("closed", row.closed ? "yes" : "no", trail.closed ? "yes" : "no");
  differ("opened_at", time_text(row.opened_at), time_text(trail.opened_at));
  differ("closed_at", time_text(row.closed_at), time_text(trail.closed_at));
  differ("next_timer", time_text(row.next_timer), time_text(trail.next_timer));
  differ("nearest_due", time_text(row.nearest_due), time_text(trail.nearest_due));
  differ("version", std::to_string(row.version), std::to_string(trail.version));
  return out;
}

}  // namespace

// The audit verifier, the one `tierflow audit verify` uses: hash chain,
// recorded head, every event naming this stream; read_verified reads the
// stream between two equal heads, so another engine's appends on a shared
// store are not taken for a break. A broken stream is errc::data_loss.
result<void> engine::impl::verify_stream(std::string_view id) const { return verify_stored(*events, id); }

void engine::impl::add_quarantine(std::string id, error why, bool served) const {
  const std::lock_guard lock(quarantine_mutex);
  const auto it = quarantine.find(id);
  if (it == quarantine.end()) {
    std::string key = id;
    quarantine.emplace(std::move(key), quarantined_ticket{std::move(id), std::move(why), served});
    return;
  }
  // A ticket that cannot be served stays so, whatever is found later.
  if (!it->second.served) return;
  it->second = quarantined_ticket{std::move(id), std::move(why), served};
}

result<void> engine::impl::check_not_quarantined(std::string_view id) const {
  const std::lock_guard lock(quarantine_mutex);
  const auto it = quarantine.find(std::string(id));
  if (it == quarantine.end() || it->second.served) return {};
  return fail(errc::data_loss, "ticket " + std::string(id) + " is quarantined: " +
                                   it->second.reason.message());
}

std::vector<std::string> engine::impl::forged_rows() const {
  std::vector<std::string> out;
  const std::lock_guard lock(quarantine_mutex);
  for (const auto& [id, q] : quarantine)
    if (q.served) out.push_back(id);
  return out;
}

result<std::shared_ptr<engine::impl::ticket_slot>> engine::impl::load_verified(
    std::string_view id) const {
  auto read = read_verified(*events, id);
  if (!read) {
    if (read.error().code() == errc::not_found) return std::shared_ptr<ticket_slot>();
    return fail(read.error());
  }
  return fold_verified(id, *read);
}

result<std::shared_ptr<engine::impl::ticket_slot>> engine::impl::fold_verified(
    std::string_view id, const verified_stream& read) const {
  if (read.events.empty()) return std::shared_ptr<ticket_slot>();
  const auto refuse = [&](std::string why) -> failure {
    error e(errc::data_loss, std::move(why));
    add_quarantine(std::string(id), e, false);
    return fail(errc::data_loss, "ticket " + std::string(id) + " is quarantined: " + e.message());
  };
  if (read.broken) return refuse(read.broken->message);
  if (read.events.front().type != event_type::opened) {
    // Not a ticket's stream (a denial stream, the denial log): nothing to serve.
    return std::shared_ptr<ticket_slot>();
  }
  auto folded = detail::replay(cc, read.events);
  if (!folded) return refuse(folded.error().message());
  // One block for the slot and its count: a use of the ticket touches one.
  auto fresh = std::make_shared<ticket_slot>();
  fresh->record = std::move(*folded);
  return fresh;
}

result<void> engine::impl::check_summary_row(ticket_slot& s) const {
  const detail::ticket_record& r = s.record;
  auto row = events->summary(r.id);
  std::string why;
  if (!row) {
    const errc code = row.error().code();
    if (code == errc::not_found) why = "the store has no summary row for it";
    else if (code == errc::data_loss) why = "the summary row: " + row.error().message();
    else return fail(std::move(row).error().with_context("ticket " + r.id));
  } else {
    if (row->version != r.version && events->shared()) {
      // Another engine may have moved the ticket since it was read.
      auto h = events->head(r.id);
      if (!h) return fail(h.error());
      if (h->version != r.version) return {};
    }
    why = row_differences(*row, r.summary());
  }
  if (why.empty()) return {};
  s.row_forged = true;
  add_quarantine(r.id, error(errc::data_loss, "ticket " + r.id + ": " + why), true);
  return {};
}

result<void> engine::impl::restore() {
  auto ids = events->streams();
  if (!ids) return fail(std::move(ids).error().with_context("restoring tickets"));
  // Definitions edited in place, by workflow: how many stored tickets run
  // on the version, and whether one of them recorded another fingerprint.
  struct use {
    std::size_t tickets = 0;
    bool edited = false;
  };
  std::map<std::pair<std::string, std::uint32_t>, use> uses;
  for (const std::string& id : *ids) {
    if (id.starts_with('~')) {
      // The denial log and the denial streams: not tickets, but their
      // damage is reported all the same.
      if (auto ok = verify_stream(id); !ok) {
        if (ok.error().code() != errc::data_loss && ok.error().code() != errc::not_found)
          return fail(std::move(ok).error().with_context("restoring " + id));
        if (ok.error().code() == errc::data_loss) add_quarantine(id, ok.error(), false);
      }
      continue;
    }
    auto read = read_verified(*events, id);
    if (!read) {
      if (read.error().code() == errc::not_found) continue;
      return fail(std::move(read).error().with_context("restoring " + id));
    }
    if (!read->events.empty() && read->events.front().type == event_type::opened) {
      const event& opened = read->events.front();
      const workflow* wf = defs.find(opened.workflow_id, opened.workflow_version);
      if (wf != nullptr) {
        use& u = uses[{wf->id, wf->version}];
        ++u.tickets;
        const auto recorded = opened.detail(detail_key::fingerprint);
        if (recorded && !wf->fingerprint.empty() && *recorded != wf->fingerprint) {
          u.edited = true;
          continue;
        }
      }
    }
    auto fresh = fold_verified(id, *read);
    if (!fresh) {
      if (fresh.error().code() == errc::data_loss) continue;  // quarantined
      return fail(std::move(fresh).error().with_context("restoring " + id));
    }
    if (*fresh == nullptr) continue;
    if (auto ok = check_summary_row(**fresh); !ok)
      return fail(std::move(ok).error().with_context("restoring " + id));
    // Open tickets (and ones whose row must be rewritten) stay in memory:
    // their timers fire, their queues are read. Closed ones stay within the
    // budget (keep); the others load on use.
    (void)keep(std::move(*fresh));
  }
  for (const auto& [key, u] : uses) {
    if (!u.edited) continue;
    return fail(errc::invalid_definition,
                "workflow '" + key.first + "' version " + std::to_string(key.second) +
                    " differs from the definition " + std::to_string(u.tickets) + " stored ticket" +
                    (u.tickets == 1 ? "" : "s") +
                    " ran on (its fingerprint changed): a workflow version never changes once "
                    "tickets run on it; add a version instead of editing one");
  }
  return {};
}

}  // namespace tierflow
