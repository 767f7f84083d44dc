// SPDX-License-Identifier: MIT
// The subcommands of the `tierflow` command-line tool.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace tierflow::cli {

/// Exit codes shared by every subcommand: 0 success, 1 the input has errors
/// (or the action failed), 2 the command line itself is wrong.
inline constexpr int exit_ok = 0;
inline constexpr int exit_errors = 1;
inline constexpr int exit_usage = 2;

/// `tierflow validate [--summary] [--quiet] PATH...`: load an organisation
/// and workflows, print every diagnostic, and with --summary what they hold.
struct validate_options {
  std::vector<std::string> paths;
  bool summary = false;
  bool quiet = false;  ///< errors only, no warnings and no totals
};
int run_validate(const validate_options& options, std::FILE* out, std::FILE* err);

/// `tierflow graph WORKFLOW.yaml [--org ORG.yaml] [-o FILE]`: the workflow as
/// Graphviz DOT on stdout, or rendered by Graphviz's `dot` into FILE (its
/// extension picks the format; `.dot` writes DOT without Graphviz).
struct graph_options {
  std::string workflow_file;
  std::string organisation_file;  ///< default: organisation.yaml beside the workflow
  std::string output;             ///< empty: DOT to stdout
};
int run_graph(const graph_options& options, std::FILE* out, std::FILE* err);

/// `tierflow route [--explain] WORKFLOW_DIR TICKET.yaml`: where the ticket
/// described in TICKET.yaml would be routed (engine::explain_route), in one
/// line, or with --explain the workflow version, the queue, the rule, every
/// rule tried with its inputs, and what opening it would do (open-time
/// escalation rules, flags, deadlines). Diagnostics of the definitions and
/// of the ticket file go to `out`, GNU style, like `validate`'s. The ticket
/// format is documented in src/ticket_file.hpp and by ticket_format_help().
struct route_options {
  std::string definitions;  ///< a directory (or file) of organisation and workflows
  std::string ticket_file;
  bool explain = false;
};
int run_route(const route_options& options, std::FILE* out, std::FILE* err);

/// The ticket file format, for `tierflow route --help`.
[[nodiscard]] const char* ticket_format_help() noexcept;

}  // namespace tierflow::cli
