// SPDX-License-Identifier: MIT
// Fuzzes the ticket-file parser of `tierflow route` (src/cli/ticket_file.cpp,
// compiled into this harness): the input is a ticket file read against the
// shipped catalog. It may not crash, hang, leak or throw; a file it accepts
// names a workflow of the catalog that serves the ticket's type, and the
// request it yields is routed (engine::explain_route) without crashing.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <tierflow/clock.hpp>
#include <tierflow/engine.hpp>
#include <tierflow/time.hpp>

#include "cli/ticket_file.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

/// An engine over the shipped catalog, for explain_route (which changes
/// nothing), created once.
const tierflow::engine& router() {
  static tierflow::manual_clock clock{tierflow::from_local(
      std::chrono::year{2026} / std::chrono::November / 24, std::chrono::hours{9},
      std::chrono::hours{8})};
  static const std::unique_ptr<tierflow::engine> eng = [] {
    tierflow::engine_options options;
    options.time_source = &clock;
    auto created = tierflow::engine::create(tierflow_fuzz::shipped_catalog(), options);
    if (!created) tierflow_fuzz::violated("engine::create: " + created.error().message());
    return std::move(*created);
  }();
  return *eng;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tierflow::catalog& cat = tierflow_fuzz::shipped_catalog();
  const tierflow::source_file source{"ticket.yaml",
                                     std::string(reinterpret_cast<const char*>(data), size)};
  tierflow::diagnostics diags;
  const auto ticket =
      tierflow::detail::load_ticket_file(source, cat, router().now(), diags);
  if (!ticket) {
    if (!diags.has_errors()) tierflow_fuzz::violated("a ticket file refused without an error");
    return 0;
  }
  if (diags.has_errors()) tierflow_fuzz::violated("a ticket file accepted with errors");
  if (ticket->flow == nullptr || !ticket->flow->serves(ticket->request.type))
    tierflow_fuzz::violated("an accepted ticket file without a workflow serving its type");
  (void)router().explain_route(ticket->request);
  return 0;
}
