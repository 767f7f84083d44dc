// SPDX-License-Identifier: MIT
// The engine's public front: creating an engine, and each public call
// forwarded to the part that implements it (engine_impl.hpp lists them).
// "Now" is read here, once per call, from the engine's clock.
#include <utility>

#include <tierflow/engine.hpp>

#include "engine/engine_impl.hpp"
#include "engine/routing.hpp"

namespace tierflow {

engine::engine(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
engine::~engine() = default;

result<std::unique_ptr<engine>> engine::create(catalog cat, engine_options options) {
  auto p = std::make_unique<impl>();
  p->defs = std::move(cat);
  if (p->defs.workflows.empty())
    return fail(errc::invalid_definition, "creating engine: the catalog has no workflows");
  p->cc = detail::compile(p->defs);
  p->time_source = options.time_source != nullptr ? options.time_source : &p->default_clock;
  if (options.events == nullptr) {
    p->own_store = std::make_unique<memory_store>();
    p->events = p->own_store.get();
  } else {
    p->events = options.events;
  }
  p->sink = options.sink;
  p->prefix = std::move(options.ticket_prefix);
  if (p->prefix.size() > 32)
    return fail(errc::invalid_argument, "creating engine: ticket prefix longer than 32 bytes");
  if (options.checkpoints.key != nullptr) {
    if (options.checkpoints.log.empty())
      return fail(errc::invalid_argument, "creating engine: checkpoints need a log file");
    if (options.checkpoints.interval <= std::chrono::seconds::zero())
      return fail(errc::invalid_argument, "creating engine: the checkpoint interval must be positive");
  }
  p->checkpoint_plan = std::move(options.checkpoints);
  p->closed_kept = options.closed_tickets_kept;
  p->open_kept = options.open_tickets_kept;
  // Restore the tickets of a store that already holds some.
  if (auto ok = p->restore(); !ok) return fail(std::move(ok).error());
  return std::unique_ptr<engine>(new engine(std::move(p)));
}

// --- commands -------------------------------------------------------------------------

result<opened_ticket> engine::open(const open_request& request) {
  // Built where it is returned, as act()'s view (one object, no move).
  result<opened_ticket> out;
  if (auto done = impl_->open(request, now(), &*out, nullptr); !done) out = fail(std::move(done).error());
  return out;
}

result<open_receipt> engine::open_brief(const open_request& request) {
  result<open_receipt> out;
  if (auto done = impl_->open(request, now(), nullptr, &*out); !done) out = fail(std::move(done).error());
  return out;
}

result<ticket_view> engine::act(const act_request& request) {
  // The view is built where it is returned (one return of one object:
  // the copy is elided), not moved out of a local with its dozen strings
  // and vectors on every action.
  result<ticket_view> v;  // holds a default view
  if (auto done = impl_->act(request, now(), &*v); !done) v = fail(std::move(done).error());
  return v;
}

result<act_receipt> engine::act_brief(const act_request& request) {
  return impl_->act(request, now(), nullptr);
}

result<act_receipt> engine::act_into(const act_request& request, ticket_view& view) {
  return impl_->act(request, now(), &view);
}

result<void> engine::act_brief_into(const act_request& request, act_receipt& receipt) {
  return impl_->act_to(request, now(), nullptr, receipt);
}

result<advance_report> engine::advance(timestamp t) { return impl_->advance(t); }

result<advance_report> engine::advance() { return impl_->advance(now()); }

result<checkpoint> engine::take_checkpoint() {
  if (impl_->checkpoint_plan.key == nullptr)
    return fail(errc::failed_precondition, "no checkpoints are scheduled (engine_options::checkpoints)");
  return impl_->take_checkpoint(now());
}

// --- queries ----------------------------------------------------------------------------

result<routing_decision> engine::explain_route(const open_request& req) const {
  const timestamp at = now();
  auto checked = impl_->check_request(req, at);
  if (!checked) return fail(checked.error());
  // The attributes an open would derive, so that the preview routes as the
  // open would.
  if (impl_->derives_from_history()) {
    auto history = impl_->events->customer_tickets(req.customer_id);
    if (!history) return fail(history.error());
    impl_->add_derived(*checked, *history, at);
  }
  const detail::ticket_record r = impl_->draft_record(req, std::move(*checked));
  return detail::route(impl_->defs.org, r, {});
}

result<ticket_view> engine::view(std::string_view ticket_id) const {
  return impl_->view(ticket_id, now());
}

result<act_receipt> engine::brief(std::string_view ticket_id) const {
  return impl_->brief(ticket_id);
}

result<void> engine::view_into(std::string_view ticket_id, ticket_view& into) const {
  return impl_->view_into(ticket_id, now(), into);
}

result<std::vector<ticket_view>> engine::queue(std::string_view unit,
                                               std::string_view region) const {
  return impl_->queue(unit, region, now());
}

result<contact_record> engine::customer_record(std::string_view customer_id) const {
  return impl_->customer_record(customer_id, now());
}

result<std::vector<ticket_view>> engine::overdue() const { return impl_->overdue(now()); }

result<std::vector<ticket_view>> engine::at_risk(std::chrono::seconds within) const {
  return impl_->at_risk(within, now());
}

result<std::vector<event>> engine::events(std::string_view ticket_id) const {
  return impl_->trail(ticket_id);
}

result<std::vector<event>> engine::denials(std::string_view ticket_id) const {
  return impl_->denials(ticket_id);
}

std::vector<quarantined_ticket> engine::quarantined() const {
  const std::lock_guard lock(impl_->quarantine_mutex);
  std::vector<quarantined_ticket> out;
  out.reserve(impl_->quarantine.size());
  for (const auto& [id, q] : impl_->quarantine) out.push_back(q);
  return out;
}

result<ticket_view> engine::replay(std::string_view ticket_id) const {
  return impl_->replay(ticket_id, now());
}

result<void> engine::verify(std::string_view ticket_id) const {
  if (auto ok = impl_->verify_stream(ticket_id); !ok)
    return fail(std::move(ok).error().with_context("ticket " + std::string(ticket_id)));
  return {};
}

engine_stats engine::stats() const {
  const std::uint64_t resident = impl_->resident_count();
  return engine_stats{impl_->commands.load(), impl_->denied.load(), impl_->timers_fired.load(),
                      impl_->notified.load(), impl_->sink_failures.load(), resident};
}

const catalog& engine::definitions() const noexcept { return impl_->defs; }

timestamp engine::now() const noexcept { return impl_->time_source->now(); }

}  // namespace tierflow
