// SPDX-License-Identifier: MIT
// The subcommands of the `tierflow` command-line tool.
#pragma once

#include <cstdint>
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
  /// A store URL: also check that every workflow version its tickets run on
  /// has the same content fingerprint as the definition loaded here (a
  /// workflow edited in place instead of given a new version is an error).
  std::string against;
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

/// `tierflow audit verify --db URL`: walks every stream of the store
/// (tickets, their denial streams and the denial log), checks each against
/// its hash chain and the head the store recorded, compares every ticket's
/// summary row with what its verified trail states, prints one line per
/// broken stream or forged row and a summary line. 0 when everything
/// verifies, 1 on a broken stream, a forged row or a store error.
struct audit_verify_options {
  std::string db;  ///< store URL: sqlite:PATH or postgresql://…
  /// A checkpoint log (`audit checkpoint --out`): also check that every
  /// stream still holds the head each signed checkpoint recorded.
  std::string checkpoints;
  std::string public_key;  ///< the verify key file the checkpoints are signed for
};
int run_audit_verify(const audit_verify_options& options, std::FILE* out, std::FILE* err);
/// The --checkpoints part of `audit verify` (audit_checkpoint_command.cpp):
/// every checkpoint's signature, and every stream's event at each
/// checkpoint's version against the head recorded there. 0 all hold, 1 a
/// rewrite, a bad signature or a store error, 2 unreadable key or log.
int run_audit_verify_checkpoints(const audit_verify_options& options, std::FILE* out,
                                 std::FILE* err);

/// `tierflow audit keygen --secret-key FILE --public-key FILE`: a new
/// Ed25519 key pair for signing checkpoints. Neither file may exist; the
/// secret key is written readable by its owner only.
struct audit_keygen_options {
  std::string secret_key;
  std::string public_key;
};
int run_audit_keygen(const audit_keygen_options& options, std::FILE* out, std::FILE* err);

/// `tierflow audit checkpoint --db URL --secret-key FILE --out FILE`: the
/// heads of every stream as a Merkle tree, its root signed, appended to the
/// checkpoint log FILE.
struct audit_checkpoint_options {
  std::string db;
  std::string secret_key;
  std::string output;
};
int run_audit_checkpoint(const audit_checkpoint_options& options, std::FILE* out,
                         std::FILE* err);

/// `tierflow audit prove --checkpoints FILE TICKET [-o FILE]`: the proof
/// that the ticket's head is in the newest checkpoint that holds it (leaf,
/// audit path, signed tree head), as JSON; checkable with `audit
/// check-proof` without the database.
struct audit_prove_options {
  std::string checkpoints;
  std::string ticket;
  std::string output;
};
int run_audit_prove(const audit_prove_options& options, std::FILE* out, std::FILE* err);

/// `tierflow audit check-proof PROOF --public-key FILE [--trail FILE]`: 0
/// when the proof's path leads to its signed root and the signature holds
/// (and, with --trail, the exported JSON Lines trail ends in the proven
/// head), 1 when not, 2 for unreadable input.
struct audit_check_proof_options {
  std::string proof;
  std::string public_key;
  std::string trail;
};
int run_audit_check_proof(const audit_check_proof_options& options, std::FILE* out,
                          std::FILE* err);

/// `tierflow audit show --db URL TICKET`: the ticket's contact record for a
/// supervisor: its summary, the customer's other tickets, and every event
/// (UTC times, details as key=value), the ticket's refused commands (its
/// denial stream) merged in by time. The summary is the one the verified
/// trail states; a summary row that disagrees is flagged. TICKET may also
/// be a denial stream (`~denied/T…`) or the denial log (`~denied`), shown
/// as events only. 1 for a ticket the store does not hold, a broken chain
/// or a forged summary row.
struct audit_show_options {
  std::string db;
  std::string ticket;
};
int run_audit_show(const audit_show_options& options, std::FILE* out, std::FILE* err);

/// `tierflow audit export --db URL [--format jsonl|csv] [--since T]
/// [--until T] [--tz ±HH:MM] [--ticket ID] [-o FILE]`: every event of every
/// stream (or of one), in stream order, as JSON Lines or CSV
/// (tierflow::write_jsonl / write_csv, one CSV header); --ticket T includes
/// T's denial stream. --since keeps events at or after T, --until those
/// before T: "2026-11-24" (midnight), "2026-11-24T09:00[:00]" (both at --tz,
/// default UTC: the audit reads no definitions), or either with "Z" or an
/// offset ("2026-11-24T09:00:00+08:00", taken as written); a malformed T or
/// --tz is a usage error (2) naming the option. A broken stream is still
/// exported whole (it is the evidence), named on stderr, and the exit status
/// is 1.
struct audit_export_options {
  std::string db;
  std::string format = "jsonl";  ///< "jsonl" or "csv"
  std::string since;             ///< empty: from the first event
  std::string until;             ///< empty: to the last event
  std::string tz;                ///< empty: UTC
  std::string ticket;            ///< empty: every stream
  std::string output;            ///< empty: stdout
};
int run_audit_export(const audit_export_options& options, std::FILE* out, std::FILE* err);

/// URLs, exit statuses and time formats of the audit commands, for
/// `tierflow audit --help`.
[[nodiscard]] const char* audit_help() noexcept;

/// `tierflow test [--workflows DIR] PATH...`: runs the scenario tests
/// (`*.test.yaml`, tierflow/scenario.hpp) in PATH (a file, or a directory's
/// test files and those of its `tests/` subdirectory) on the definitions in
/// DIR (default: the directory that holds the tests, or the parent of a
/// `tests` directory). Prints one line per case (`PASS  FILE: NAME  (0.4 ms)`
/// or `FAIL …` with each failure below it: step, `file:line:col`, what was
/// expected and what happened) and a summary line; with --format json one
/// JSON document instead. Diagnostics of the definitions and of the
/// scenario files go to `err`, GNU style; any error runs nothing.
///
/// --coverage adds, per workflow the cases ran on, the share of routing
/// rules, escalation rules and steps, states, actions and deadlines they
/// exercised, and each item they did not as a `note:` diagnostic;
/// --mutate (only after every case passed) runs the cases on every mutant
/// of the workflows (tierflow/mutation.hpp) and reports each survivor as a
/// `warning:` diagnostic at the mutated rule. --junit writes JUnit XML for
/// CI servers (atomically; a FIFO or device path is refused).
///
/// Exit: 0 every case passed; 1 a case failed, the coverage of a workflow
/// that has cases is below --min-coverage, a mutant survived, or --mutate
/// was asked of a failing suite; 2 a usage error, a path that cannot be
/// read, definitions or scenario files with errors, a filter that selects
/// no case, or a JUnit file that cannot be written.
struct test_options {
  std::vector<std::string> paths;
  std::string workflows;         ///< empty: found from the paths (see above)
  std::string filter;            ///< run only cases whose "FILE: NAME" contains it
  std::string junit;             ///< empty: no JUnit XML
  std::string format = "text";   ///< "text" or "json"
  std::string color = "auto";    ///< "auto", "always" or "never"
  bool coverage = false;
  double min_coverage = -1;      ///< percent 0..100, implies coverage; < 0: none
  bool mutate = false;
};
int run_test(const test_options& options, std::FILE* out, std::FILE* err);

/// Exit statuses and colour rules of `tierflow test`, for its --help.
[[nodiscard]] const char* test_help() noexcept;

/// `tierflow tickets --db URL [filters] [--sort KEY] [--limit N]
/// [--format table|csv|jsonl] [--tz ±HH:MM] [--workflows DIR] [--now T]`:
/// lists tickets from a store's summaries and verified trails, for a
/// supervisor ("which tickets are overdue in region wuzhong and who owns
/// them?"). Times are shown and read in the organisation's zone (its file in
/// --workflows, default `workflows`), or --tz; a time with an explicit "Z" or
/// offset is taken as written. Exit: 0 listed (possibly none: a table says
/// so); 1 a broken or unreadable trail; 2 a usage error (unknown sort key,
/// malformed time or duration, no zone to read times in).
struct tickets_options {
  std::string db;
  std::string workflows = "workflows";
  std::string tz;                          ///< empty: the organisation's
  std::string now;                         ///< empty: the current time
  std::vector<std::string> types, states, units, regions, owners, assignees, customers, flags;
  std::string since, until;                ///< opened in [since, until)
  std::string closed_since, closed_until;  ///< closed in [closed_since, closed_until)
  bool open_only = false, closed_only = false;
  bool overdue = false;                    ///< a deadline breached and still running
  std::string at_risk;                     ///< a duration: nearest due within it from now
  std::string escalated_to;                ///< a tier the ticket was escalated to
  std::string sort = "due";                ///< due, opened, closed, id, region, unit, owner, state
  bool descending = false;
  std::size_t limit = 0;                   ///< 0: all
  std::string format = "auto";             ///< auto or table (a table), csv, jsonl
};
int run_tickets(const tickets_options& options, std::FILE* out, std::FILE* err);

/// Filters, sort keys, formats and exit statuses of `tierflow tickets`, for
/// its --help.
[[nodiscard]] const char* tickets_help() noexcept;

/// `tierflow report --db URL --from T --to T [--by KEYS] [--format
/// table|csv|json] [--html FILE] [--tz ±HH:MM] [--workflows DIR]
/// [--every D] [--top N]`: the service indicators of the period
/// (tierflow/kpi.hpp, workflows/INDICATORS.md) grouped by KEYS, and with
/// --html one self-contained HTML report (inline SVG charts, no script, no
/// network). Exit: 0 a report (an empty period says so); 1 a broken trail or
/// a store that cannot be read (a newer tierflow's included); 2 a usage
/// error (unknown group key, empty or reversed period, malformed time).
struct report_options {
  std::string db;
  std::string workflows = "workflows";
  std::string from, to;
  std::string by;                ///< comma-separated group keys; empty: one row
  std::string format = "table";  ///< table, csv or json
  std::string html;              ///< empty: no HTML file
  std::string tz;                ///< empty: the organisation's
  std::string every = "1d";      ///< backlog sampling step
  std::size_t top = 20;          ///< worst overdue tickets listed
};
int run_report(const report_options& options, std::FILE* out, std::FILE* err);

/// Group keys, formats and exit statuses of `tierflow report`, for its --help.
[[nodiscard]] const char* report_help() noexcept;

/// `tierflow simulate SCENARIO [--workflows DIR] [--db URL] [--seed N]
/// [--replications R] [--warm-up D] [--days D] [--by KEYS] [--format
/// table|csv|json] [--out DIR] [--html FILE] [--compare SCENARIO2 |
/// --compare-workflows DIR2] [--from URL [--start T]]`: plays a what-if
/// scenario (tierflow/simulation.hpp) R times on the real engine and prints
/// each indicator's mean and 95% interval over the replications; --compare
/// prints the differences of two alternatives and whether each is
/// significant; --from forecasts from the open tickets of a live store
/// (only read) and lists those that will breach. The same scenario,
/// workflows and seed print the same bytes. Exit: 0 done; 1 definitions or
/// a scenario with errors, a store that cannot be opened or is not empty,
/// a run that failed; 2 a usage error.
struct simulate_options {
  std::string scenario;
  std::string workflows = "workflows";
  std::string db;                ///< empty: replication 1 in memory
  std::uint64_t seed = 0;
  bool seed_given = false;
  std::uint32_t replications = 0;
  bool replications_given = false;
  std::string warm_up;           ///< days ("7" or "7d"); empty: the scenario's
  std::string days;              ///< days; empty: the scenario's
  std::string by;
  bool by_given = false;         ///< --by given (empty: one row)
  std::string format = "table";  ///< table, csv or json
  std::string out;               ///< a directory for report.{txt,csv,json,html}
  std::string html;              ///< an HTML file
  std::string compare;           ///< a second scenario
  std::string compare_workflows; ///< a second definitions directory
  std::string from;              ///< a live store URL: forecast from its open tickets
  std::string start;             ///< the forecast's start; empty: the live store's newest event
};
int run_simulate(const simulate_options& options, std::FILE* out, std::FILE* err);

/// Formats, comparisons, forecasts and exit statuses of `tierflow simulate`,
/// for its --help.
[[nodiscard]] const char* simulate_help() noexcept;

}  // namespace tierflow::cli
