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

/// `tierflow audit verify --db URL`: walks every stream of the store (tickets
/// and the denial log), checks each against its hash chain and the head the
/// store recorded, prints one line per broken stream and a summary line.
/// 0 when every stream verifies, 1 on a broken stream or a store error.
struct audit_verify_options {
  std::string db;  ///< store URL: sqlite:PATH or postgresql://…
};
int run_audit_verify(const audit_verify_options& options, std::FILE* out, std::FILE* err);

/// `tierflow audit show --db URL TICKET`: the ticket's contact record for a
/// supervisor: its summary, the customer's other tickets, and every event
/// (UTC times, details as key=value). The denial log (`~denied`) shows its
/// events only. 1 for a ticket the store does not hold.
struct audit_show_options {
  std::string db;
  std::string ticket;
};
int run_audit_show(const audit_show_options& options, std::FILE* out, std::FILE* err);

/// `tierflow audit export --db URL [--format jsonl|csv] [--since T]
/// [--ticket ID] [-o FILE]`: every event of every stream (or of one), in
/// stream order, as JSON Lines or CSV (tierflow::write_jsonl / write_csv,
/// one CSV header). --since keeps events at or after T ("2026-11-24" or
/// "2026-11-24T09:00:00Z", UTC); a malformed T is a usage error (2).
struct audit_export_options {
  std::string db;
  std::string format = "jsonl";  ///< "jsonl" or "csv"
  std::string since;             ///< empty: every event
  std::string ticket;            ///< empty: every stream
  std::string output;            ///< empty: stdout
};
int run_audit_export(const audit_export_options& options, std::FILE* out, std::FILE* err);

/// URLs, exit statuses and time formats of the audit commands, for
/// `tierflow audit --help`.
[[nodiscard]] const char* audit_help() noexcept;

}  // namespace tierflow::cli
