// SPDX-License-Identifier: MIT
// Intake: checking an open request against the catalog, and opening the
// ticket — its `opened` event, the routing, the open-time escalation rules.
#include <algorithm>
#include <utility>

#include <tierflow/condition.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/time.hpp>

#include "engine/engine_impl.hpp"
#include "engine/input_rules.hpp"
#include "engine/routing.hpp"
#include "engine/ticket_id.hpp"

namespace tierflow {
namespace {

// Checks named values against a schema; converts ints given for number
// attributes. `what`: "customer attribute" or "ticket field". Their bytes
// (lengths, encoding, finite numbers) were checked by input_rules.hpp.
// `room`: how many values the caller adds after (the derived attributes):
// the vector is the one the opened ticket keeps (engine::impl::open), made
// to its size at once rather than grown by moving the checked values.
result<attribute_values> check_values(const attribute_values& given,
                                      const std::vector<attribute>& schema, std::string_view what,
                                      std::size_t room = 0) {
  attribute_values out;
  out.reserve(given.size() + room);
  // Not a structured binding: the label's lambda captures the name.
  for (const auto& given_value : given) {
    const std::string& name = given_value.first;
    const value& v = given_value.second;
    const attribute* a = find_attribute(schema, name);
    // Built only for an error: every open checks every attribute.
    const auto label = [&] { return std::string(what) + " '" + name + "'"; };
    if (a == nullptr) return fail(errc::invalid_argument, "unknown " + label());
    if (a->derived)
      return fail(errc::invalid_argument, label() + " is derived by the engine; do not supply it");
    for (const auto& [seen, ignored] : out)
      if (seen == name) return fail(errc::invalid_argument, label() + " given twice");
    value converted = v;
    bool ok = false;
    switch (a->type.kind) {
      case value_kind::boolean: ok = std::holds_alternative<bool>(v); break;
      case value_kind::integer: ok = std::holds_alternative<std::int64_t>(v); break;
      case value_kind::number:
        if (const auto* i = std::get_if<std::int64_t>(&v)) converted = static_cast<double>(*i);
        ok = std::holds_alternative<double>(converted);
        break;
      case value_kind::string:
        ok = std::holds_alternative<std::string>(v);
        break;
      case value_kind::enumeration:
        if (const auto* s = std::get_if<std::string>(&v))
          ok = std::find(a->type.values.begin(), a->type.values.end(), *s) != a->type.values.end();
        break;
    }
    if (!ok) {
      return fail(errc::invalid_argument,
                  label() + ": expected " +
                      (a->type.kind == value_kind::enumeration
                           ? "one of its enum values"
                           : "a value of type " + std::string(to_string(a->type.kind))) +
                      ", got '" + detail::value_text(v) + "'");
    }
    if (a->type.kind == value_kind::integer || a->type.kind == value_kind::number) {
      const double x = a->type.kind == value_kind::integer
                           ? static_cast<double>(std::get<std::int64_t>(converted))
                           : std::get<double>(converted);
      if ((a->type.min && x < *a->type.min) || (a->type.max && x > *a->type.max))
        return fail(errc::invalid_argument,
                    label() + ": " + detail::value_text(converted) + " is out of range");
    }
    out.emplace_back(name, std::move(converted));
  }
  return out;
}

}  // namespace

result<engine::impl::checked_request> engine::impl::check_request(const open_request& req,
                                                                  timestamp now) const {
  const organisation& org = defs.org;
  if (auto ok = detail::check_open(req); !ok) return fail(ok.error());
  checked_request out;
  out.wf = defs.workflow_for(req.type, local_day(now, org.utc_offset));
  if (out.wf == nullptr)
    return fail(errc::not_found, "no workflow serves ticket type '" + req.type + "'");
  if (!org.channels.empty() && org.find_channel(req.channel) == nullptr)
    return fail(errc::invalid_argument, "unknown channel '" + req.channel + "'");
  const auto derived = static_cast<std::size_t>(
      std::count_if(org.customer_attributes.begin(), org.customer_attributes.end(),
                    [](const attribute& a) { return a.derived.has_value(); }));
  auto customer = check_values(req.customer, org.customer_attributes, "customer attribute", derived);
  if (!customer) return fail(customer.error());
  // The validator trusts these to be there (a required region keeps tickets
  // out of region queues nobody serves): a request without one never opens.
  for (const attribute& a : org.customer_attributes) {
    if (!a.required) continue;
    const bool given = std::any_of(customer->begin(), customer->end(),
                                   [&](const auto& kv) { return kv.first == a.name; });
    if (!given)
      return fail(errc::invalid_argument, "customer attribute '" + a.name + "' is required");
  }
  auto fields = check_values(req.fields, out.wf->fields, "ticket field");
  if (!fields) return fail(fields.error());
  out.customer = std::move(*customer);
  out.fields = std::move(*fields);
  return out;
}

bool engine::impl::derives_from_history() const noexcept {
  const auto& attributes = defs.org.customer_attributes;
  return std::any_of(attributes.begin(), attributes.end(),
                     [](const attribute& a) { return a.derived.has_value(); });
}

void engine::impl::add_derived(checked_request& checked, const std::vector<ticket_summary>& history,
                               timestamp now) const {
  for (const attribute& a : defs.org.customer_attributes) {
    if (!a.derived) continue;
    std::int64_t n = 0;
    const auto window = add(detail::wall_calendar(), timestamp{}, a.derived->within) - timestamp{};
    for (const auto& t : history)
      if (t.ticket_type == a.derived->count_type &&
          (!t.closed || (t.closed_at && now - *t.closed_at <= window)))
        ++n;
    checked.customer.emplace_back(a.name, n);
  }
}

void engine::impl::draft_into(detail::ticket_record& r, const open_request& req,
                              checked_request&& checked) const {
  r.flow = cc.find(checked.wf->id, checked.wf->version);
  r.type = req.type;
  r.channel = req.channel;
  r.customer = std::move(checked.customer);
  r.fields = std::move(checked.fields);
  // The ticket's region is its customer's attribute of that name.
  for (const auto& [k, v] : r.customer)
    if (k == "region") r.region = detail::value_text(v);
}

detail::ticket_record engine::impl::draft_record(const open_request& req,
                                                 checked_request&& checked) const {
  detail::ticket_record r;
  draft_into(r, req, std::move(checked));
  return r;
}

result<void> engine::impl::open(const open_request& req, timestamp now, opened_ticket* full,
                                 open_receipt* brief) {
  auto checked = check_request(req, now);
  if (!checked) {
    if (checked.error().code() == errc::io_error) return fail(checked.error());
    return deny_unknown("", req.opened_by, "open", now,
                        std::move(checked).error().with_context("opening ticket"));
  }
  // Derived attributes from the customer's history, recorded in `opened`
  // so that replay needs no history. An organisation that derives none
  // needs no history: skip the store's lookup (it copies every summary of
  // the customer, a cost that grows with the customer's tickets). One that
  // does gets the history with the ticket number, in one exchange where the
  // store can (PostgreSQL: one statement instead of two round trips).
  std::uint64_t number = 0;
  if (derives_from_history()) {
    auto intake = events->number_and_history(req.customer_id);
    if (!intake) return fail(intake.error());
    add_derived(*checked, intake->history, now);
    number = intake->number;
  } else {
    auto next = events->next_ticket_number();
    if (!next) return fail(next.error());
    number = *next;
  }
  const workflow& wf = *checked->wf;
  // One block for the slot and its count: a use of the ticket touches one.
  auto fresh = std::make_shared<ticket_slot>();
  detail::ticket_record& r = fresh->record;
  // The ticket's own record is the draft the `opened` event is written
  // from (its deadline cases read it): no second record to build and
  // free, and the fold below keeps the attributes' vectors.
  draft_into(r, req, std::move(*checked));
  r.id = detail::ticket_id_for(prefix, number);
  command cmd{cc, r, now,
              req.opened_by.empty() ? detail::system_actor : std::string_view(req.opened_by)};
  detail::detail_writer& det = cmd.details();
  det.add(detail_key::type, req.type);
  det.add(detail_key::channel, req.channel);
  det.add(detail_key::customer, req.customer_id);
  det.add(detail_key::region, r.region);
  det.add(detail_key::external_ref, req.external_ref);
  det.add(detail_key::description, req.description);
  detail::value_digits digits;
  for (const auto& [k, v] : r.customer)
    det.add_prefixed(detail_key::customer_attribute_prefix, k, detail::value_text_view(v, digits));
  for (const auto& [k, v] : r.fields)
    det.add_prefixed(detail_key::ticket_field_prefix, k, detail::value_text_view(v, digits));
  value scratch;
  std::string within;
  for (const deadline& d : wf.deadlines) {
    for (const deadline_case& c : d.cases) {
      if (c.when &&
          !evaluate(*c.when, [&](std::string_view f) { return r.lookup(f, scratch); }))
        continue;
      detail::duration_text_into(within, c.within);
      det.add_prefixed(detail_key::deadline_prefix, d.id, within);
      break;
    }
  }
  // The definition the ticket runs on, by content: restoring it under an
  // edited definition of the same version is refused (restore.cpp).
  if (!wf.fingerprint.empty()) det.add(detail_key::fingerprint, wf.fingerprint);
  // The ticket itself is built only by the fold, from `opened` on: the
  // draft's attributes go, their room stays for the fold's (the rest of
  // the draft, `opened` assigns over).
  r.customer.clear();
  r.fields.clear();
  cmd.emit(event_type::opened);
  // The decision is routed into the caller's result when it asked for it
  // (not built aside and moved there), else into the command's kept one.
  routing_decision& routing = full != nullptr ? full->routing : cmd.routing();
  detail::route_into(defs.org, r, {}, routing);
  detail::emit_routed(cmd, routing, detail_value::routed_on_open);
  after_transition(cmd);
  for (const std::size_t rule : r.flow->open_rules) {
    const std::size_t count = cmd.size();
    run_rule(cmd, rule);
    if (cmd.size() != count && full != nullptr)
      routing.escalations.emplace_back(r.flow->wf->escalations[rule].id, r.assignee.unit);
  }
  if (auto ok = commit(*fresh, cmd); !ok) return fail(ok.error());
  commands.add();
  if (full != nullptr) {
    r.view_into(full->ticket, now);
  } else {
    brief->ticket_id = r.id;
    brief->workflow_id = r.flow->wf->id;
    brief->workflow_version = r.flow->wf->version;
    r.receipt_into(brief->brief);
  }
  // Once stored, the ticket is visible: another thread (advance, a query)
  // may already have loaded it from the store. Its slot then stands — it
  // folded the same events — and ours is dropped.
  // (`cmd` refers to the record: it lives on until the end here.)
  const auto kept = keep(std::move(fresh));
  deliver(cmd.notes);
  return {};
}

}  // namespace tierflow
