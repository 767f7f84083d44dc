// SPDX-License-Identifier: MIT
// See trail_summary.hpp. The rules mirror the engine's fold
// (src/engine/ticket_record.cpp, ticket_record::apply) for the fields a
// summary row holds; the store layer cannot include the engine, so they
// are written again here from the event schema, the protocol both read.
#include <tierflow/trail_summary.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/event_schema.hpp>
#include <tierflow/time.hpp>

namespace tierflow {
namespace {

std::string text_of(const event& e, std::string_view key) {
  return std::string(e.detail(key).value_or(std::string_view{}));
}

/// The queue a ticket sits in and who in it has it.
struct queue_place {
  std::string unit;
  std::string region;
  std::string person;
};

std::string time_text(const std::optional<timestamp>& t) { return t ? format_iso8601(*t) : ""; }

}  // namespace

result<trail_summary> summarize_trail(std::span<const event> stream) {
  if (stream.empty()) return fail(errc::invalid_argument, "the stream is empty");
  if (stream.front().type != event_type::opened)
    return fail(errc::invalid_argument,
                "the stream does not start with an opened event: not a ticket's trail");
  trail_summary s;
  queue_place at;
  // Where each team handoff returns the ticket to, innermost last.
  std::vector<queue_place> handoffs;
  const auto move_to = [&](queue_place next) { at = std::move(next); };
  for (const event& e : stream) {
    s.version = e.sequence;
    switch (e.type) {
      case event_type::opened:
        s.ticket_id = e.ticket_id;
        s.workflow_id = e.workflow_id;
        s.workflow_version = e.workflow_version;
        s.opened_at = e.time;
        s.ticket_type = text_of(e, detail_key::type);
        s.customer_id = text_of(e, detail_key::customer);
        break;
      case event_type::routed:
        move_to({text_of(e, detail_key::unit), text_of(e, detail_key::region), {}});
        break;
      case event_type::accepted: {
        const std::string person = text_of(e, detail_key::person);
        // The first to take the ticket owns it for good (首问负责).
        if (s.owner.empty()) s.owner = person;
        if (e.detail(detail_key::assignee) == detail_value::yes) at.person = person;
        break;
      }
      case event_type::transitioned: s.state = text_of(e, detail_key::to); break;
      case event_type::paused:
      case event_type::resumed:
        if (const auto state = e.detail(detail_key::state)) s.state = std::string(*state);
        break;
      case event_type::handed_off:
        handoffs.push_back(at);
        move_to({text_of(e, detail_key::to_unit), text_of(e, detail_key::region), {}});
        break;
      case event_type::returned:
        if (e.detail(detail_key::kind) == detail_value::handoff && !handoffs.empty()) {
          queue_place back = std::move(handoffs.back());
          handoffs.pop_back();
          move_to(std::move(back));
        }
        break;
      case event_type::escalated: {
        queue_place up{text_of(e, detail_key::to_tier), text_of(e, detail_key::region), {}};
        // During a handoff the team keeps working; the ticket returns up the
        // ladder (as the engine's fold has it: the outermost frame).
        if (handoffs.empty())
          move_to(std::move(up));
        else
          handoffs.front() = std::move(up);
        break;
      }
      case event_type::closed:
        if (const auto state = e.detail(detail_key::state)) s.state = std::string(*state);
        s.closed = true;
        s.closed_at = e.time;
        break;
      case event_type::reopened:
        s.closed = false;
        s.closed_at.reset();
        break;
      case event_type::deadline_warned:
      case event_type::deadline_breached:
      case event_type::deadline_stopped:
      case event_type::notified:
      case event_type::noted:
      case event_type::denied: break;
    }
  }
  s.unit = std::move(at.unit);
  s.region = std::move(at.region);
  s.assignee = std::move(at.person);
  return s;
}

std::vector<summary_difference> differences(const ticket_summary& row, const trail_summary& trail) {
  std::vector<summary_difference> out;
  const auto check = [&](std::string_view field, std::string stored, std::string stated) {
    if (stored != stated) out.push_back({std::string(field), std::move(stored), std::move(stated)});
  };
  check("ticket", row.ticket_id, trail.ticket_id);
  check("customer", row.customer_id, trail.customer_id);
  check("type", row.ticket_type, trail.ticket_type);
  check("workflow", row.workflow_id, trail.workflow_id);
  check("workflow version", std::to_string(row.workflow_version),
        std::to_string(trail.workflow_version));
  if (trail.state) check("state", row.state, *trail.state);
  check("unit", row.unit, trail.unit);
  check("region", row.region, trail.region);
  check("owner", row.owner, trail.owner);
  check("assignee", row.assignee, trail.assignee);
  check("closed", row.closed ? "true" : "false", trail.closed ? "true" : "false");
  check("opened", format_iso8601(row.opened_at), format_iso8601(trail.opened_at));
  check("closed at", time_text(row.closed_at), time_text(trail.closed_at));
  check("version", std::to_string(row.version), std::to_string(trail.version));
  return out;
}

}  // namespace tierflow
