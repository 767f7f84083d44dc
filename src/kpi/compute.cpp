// SPDX-License-Identifier: MIT
// The KPIs of a whole store: every ticket's trail, verified, streamed
// through an accumulator one ticket at a time.
#include <string>
#include <utility>

#include <tierflow/engine.hpp>
#include <tierflow/event_schema.hpp>
#include <tierflow/kpi.hpp>
#include <tierflow/verified_read.hpp>

namespace tierflow::kpi {

result<report> compute(const store& s, const options& opts) {
  auto acc = accumulator::make(opts);
  if (!acc) return fail(acc.error());
  auto ids = s.streams();
  if (!ids) return fail(std::move(ids).error().with_context("listing the store's tickets"));
  for (const std::string& id : *ids) {
    // Refused commands change no ticket: their streams hold no indicator.
    if (!ticket_of_denial_stream(id).empty() || id == engine::denial_log_id) continue;
    auto stream = read_verified(s, id);
    if (!stream) return fail(std::move(stream).error().with_context("reading ticket " + id));
    if (stream->broken)
      return fail(errc::data_loss, "ticket " + id + ": " + stream->broken->message +
                                       " (the trail does not verify; a report on it would mislead: "
                                       "see tierflow audit verify)");
    if (auto added = acc->add(stream->events); !added) return fail(added.error());
    // One ticket's events at a time: the vector is freed here.
  }
  return acc->finish();
}

}  // namespace tierflow::kpi
