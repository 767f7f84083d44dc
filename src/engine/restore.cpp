// SPDX-License-Identifier: MIT
// Restoring: verifying a stored stream with the audit verifier, and loading
// the open tickets of a store that already holds some when an engine is
// created.
#include <tierflow/verified_read.hpp>

#include "engine/engine_impl.hpp"

namespace tierflow {

// The audit verifier, the one `tierflow audit verify` uses: hash chain,
// recorded head, every event naming this stream; read_verified reads the
// stream between two equal heads, so another engine's appends on a shared
// store are not taken for a break. A broken stream is errc::data_loss.
result<void> engine::impl::verify_stream(std::string_view id) const { return verify_stored(*events, id); }

result<void> engine::impl::restore() {
  auto open = events->open_tickets();
  if (!open) return fail(std::move(open).error().with_context("restoring tickets"));
  for (const auto& sum : *open) {
    if (auto ok = verify_stream(sum.ticket_id); !ok)
      return fail(std::move(ok).error().with_context("restoring " + sum.ticket_id));
    auto s = slot(sum.ticket_id);
    if (!s) return fail(s.error());
  }
  return {};
}

}  // namespace tierflow
