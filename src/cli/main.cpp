// SPDX-License-Identifier: MIT
// Entry point of the `tierflow` tool: parses the command line and dispatches.
#include <cstdio>

#include <CLI/CLI.hpp>

#include <tierflow/version.hpp>

#include "commands.hpp"
#include "huge_pages.hpp"
#include "text/escape.hpp"

int main(int argc, char** argv) {
  using namespace tierflow::cli;
  // Before anything allocates much: a simulation's heap is worked all over.
  back_heap_with_huge_pages();
  CLI::App app{"tierflow: validate, graph and run ticket-routing workflows"};
  app.set_version_flag("--version", tierflow::version_string);
  app.require_subcommand(1);

  validate_options validate;
  auto* validate_cmd = app.add_subcommand(
      "validate", "check an organisation and its workflows; print every diagnostic");
  validate_cmd->add_option("paths", validate.paths, "files or directories of YAML definitions")
      ->required();
  validate_cmd->add_flag("-s,--summary", validate.summary, "also print what the definitions hold");
  validate_cmd->add_flag("-q,--quiet", validate.quiet, "print errors only");
  validate_cmd->add_option("--against", validate.against,
                           "a store URL: fail if a workflow version its tickets run on was "
                           "edited in place (its content fingerprint changed)");

  graph_options graph;
  auto* graph_cmd = app.add_subcommand("graph", "print a workflow as Graphviz DOT, or render it");
  graph_cmd->add_option("workflow", graph.workflow_file, "the workflow file")->required();
  graph_cmd->add_option("--org", graph.organisation_file,
                        "the organisation file (default: organisation.yaml beside the workflow)");
  graph_cmd->add_option("-o,--output", graph.output,
                        "write to FILE; .svg, .png and .pdf are rendered with Graphviz's dot");

  route_options route;
  auto* route_cmd = app.add_subcommand(
      "route", "show where a ticket would be routed (one line), or with --explain why");
  route_cmd
      ->add_option("WORKFLOW_DIR", route.definitions,
                   "the directory of the organisation and its workflows")
      ->required();
  route_cmd->add_option("TICKET", route.ticket_file, "the ticket, a YAML file (format below)")
      ->required();
  route_cmd->add_flag("-e,--explain", route.explain,
                      "show the workflow version, the rule trace with its inputs, and what "
                      "opening the ticket would do");
  route_cmd->footer(ticket_format_help());

  test_options test;
  auto* test_cmd = app.add_subcommand(
      "test",
      "run scenario tests (*.test.yaml) of workflows; with --coverage and --mutate, "
      "show what they leave untested");
  test_cmd
      ->add_option("paths", test.paths,
                   "*.test.yaml files, or directories of them (and of their tests/ "
                   "subdirectory)")
      ->required();
  test_cmd->add_option("-w,--workflows", test.workflows,
                       "the directory of the organisation and workflows (default: the one "
                       "holding the tests, or the parent of their tests/ directory)");
  test_cmd->add_option("--filter", test.filter,
                       "run only the cases whose 'FILE: NAME' contains TEXT");
  test_cmd->add_option("--junit", test.junit, "also write JUnit XML to FILE (for CI servers)");
  test_cmd->add_option("-f,--format", test.format, "text (default) or json (one document)")
      ->check(CLI::IsMember({"text", "json"}));
  test_cmd->add_option("--color", test.color, "auto (default: on a terminal), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  test_cmd->add_flag("--coverage", test.coverage,
                     "show the rules, steps, states, actions and deadlines no case exercised");
  test_cmd
      ->add_option("--min-coverage", test.min_coverage,
                   "fail when a workflow's coverage is below N percent (implies --coverage)")
      ->check(CLI::Range(0.0, 100.0));
  test_cmd->add_flag("--mutate", test.mutate,
                     "run the cases on mutants of the rules and list those no case kills");
  test_cmd->footer(test_help());

  auto* audit_cmd =
      app.add_subcommand("audit", "check and read the audit trail of a ticket store (read-only)");
  audit_cmd->require_subcommand(1);
  audit_cmd->footer(audit_help());
  const char* const db_help = "the store: sqlite:PATH or postgresql://USER@HOST/DB";

  audit_verify_options audit_verify;
  auto* audit_verify_cmd = audit_cmd->add_subcommand(
      "verify", "check every stream's hash chain against the head the store recorded");
  audit_verify_cmd->add_option("--db", audit_verify.db, db_help)->required();
  auto* checkpoints_opt = audit_verify_cmd->add_option(
      "--checkpoints", audit_verify.checkpoints,
      "a checkpoint log: also detect any rewrite older than its checkpoints");
  // A key without a log would be silently ignored: a usage error instead.
  audit_verify_cmd
      ->add_option("--public-key", audit_verify.public_key,
                   "the key file the checkpoints are signed for")
      ->needs(checkpoints_opt);
  audit_verify_cmd->footer(audit_help());

  audit_keygen_options audit_keygen;
  auto* audit_keygen_cmd =
      audit_cmd->add_subcommand("keygen", "make an Ed25519 key pair for signing checkpoints");
  audit_keygen_cmd->add_option("--secret-key", audit_keygen.secret_key,
                               "where to write the secret key (kept away from the database)")
      ->required();
  audit_keygen_cmd->add_option("--public-key", audit_keygen.public_key,
                               "where to write the public key")
      ->required();
  audit_keygen_cmd->footer(audit_help());

  audit_checkpoint_options audit_checkpoint;
  auto* audit_checkpoint_cmd = audit_cmd->add_subcommand(
      "checkpoint", "sign the heads of every stream and append them to a checkpoint log");
  audit_checkpoint_cmd->add_option("--db", audit_checkpoint.db, db_help)->required();
  audit_checkpoint_cmd->add_option("--secret-key", audit_checkpoint.secret_key,
                                   "the signing key file")
      ->required();
  audit_checkpoint_cmd->add_option("--out", audit_checkpoint.output,
                                   "the checkpoint log to append to")
      ->required();
  audit_checkpoint_cmd->footer(audit_help());

  audit_prove_options audit_prove;
  auto* audit_prove_cmd = audit_cmd->add_subcommand(
      "prove", "print the proof that a ticket's head is in a signed checkpoint");
  audit_prove_cmd->add_option("--checkpoints", audit_prove.checkpoints, "the checkpoint log")
      ->required();
  audit_prove_cmd->add_option("TICKET", audit_prove.ticket, "the ticket id")->required();
  audit_prove_cmd->add_option("-o,--output", audit_prove.output, "write to FILE, not stdout");
  audit_prove_cmd->footer(audit_help());

  audit_check_proof_options audit_check_proof;
  auto* audit_check_proof_cmd = audit_cmd->add_subcommand(
      "check-proof", "check an inclusion proof without the database");
  audit_check_proof_cmd->add_option("PROOF", audit_check_proof.proof, "the proof file")
      ->required();
  audit_check_proof_cmd->add_option("--public-key", audit_check_proof.public_key,
                                    "the key file the checkpoint is signed for")
      ->required();
  audit_check_proof_cmd->add_option("--trail", audit_check_proof.trail,
                                    "the ticket's exported trail (JSON Lines): check that it "
                                    "ends in the proven head");
  audit_check_proof_cmd->footer(audit_help());

  audit_show_options audit_show;
  auto* audit_show_cmd = audit_cmd->add_subcommand(
      "show", "print a ticket's record: summary, the customer's other tickets, every event");
  audit_show_cmd->add_option("--db", audit_show.db, db_help)->required();
  audit_show_cmd
      ->add_option("TICKET", audit_show.ticket,
                   "the ticket id; or ~denied/TICKET, its refused commands; or ~denied, the "
                   "log of commands refused on unknown tickets")
      ->required();
  audit_show_cmd->footer(audit_help());

  audit_export_options audit_export;
  auto* audit_export_cmd = audit_cmd->add_subcommand(
      "export", "write every event (or one ticket's) as JSON Lines or CSV, in stream order");
  audit_export_cmd->add_option("--db", audit_export.db, db_help)->required();
  audit_export_cmd->add_option("-f,--format", audit_export.format, "jsonl (default) or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  audit_export_cmd->add_option("--since", audit_export.since,
                               "only events at or after T: 2026-11-24 (midnight), "
                               "2026-11-24T09:00 (at --tz), or with Z or an offset");
  audit_export_cmd->add_option("--until", audit_export.until,
                               "only events before T (the forms of --since)");
  audit_export_cmd->add_option("--tz", audit_export.tz,
                               "read --since and --until without an offset at this offset, "
                               "e.g. +08:00 (default: UTC)");
  audit_export_cmd->add_option("-t,--ticket", audit_export.ticket,
                               "only this ticket's events (or ~denied)");
  audit_export_cmd->add_option("-o,--output", audit_export.output,
                               "write to FILE instead of stdout (removed if the export cannot be "
                               "written; kept, with exit 1, when a stream is broken)");
  audit_export_cmd->footer(audit_help());

  tickets_options tickets;
  auto* tickets_cmd = app.add_subcommand(
      "tickets", "list tickets of a store with filters: overdue, at risk, by region, owner …");
  tickets_cmd->add_option("--db", tickets.db, db_help)->required();
  tickets_cmd->add_option("--workflows", tickets.workflows,
                          "the definitions (the organisation's time zone, tiers and teams); "
                          "default: workflows");
  tickets_cmd->add_option("--tz", tickets.tz, "show and read times at this offset, e.g. +08:00");
  tickets_cmd->add_option("--now", tickets.now, "judge overdue and at-risk as of T (default: now)");
  tickets_cmd->add_option("--type", tickets.types, "ticket type (repeatable)");
  tickets_cmd->add_option("--state", tickets.states, "current state (repeatable)");
  tickets_cmd->add_option("--unit", tickets.units, "tier or team holding it (repeatable)");
  tickets_cmd->add_option("--region", tickets.regions, "customer region (repeatable)");
  tickets_cmd->add_option("--owner", tickets.owners, "owner, the first responder (repeatable)");
  tickets_cmd->add_option("--assignee", tickets.assignees, "assignee (repeatable)");
  tickets_cmd->add_option("--customer", tickets.customers, "customer id (repeatable)");
  tickets_cmd->add_option("--flag", tickets.flags, "carries this flag (repeatable: all of them)");
  tickets_cmd->add_option("--since", tickets.since, "opened at or after T");
  tickets_cmd->add_option("--until", tickets.until, "opened before T");
  tickets_cmd->add_option("--closed-since", tickets.closed_since, "closed at or after T");
  tickets_cmd->add_option("--closed-until", tickets.closed_until, "closed before T");
  tickets_cmd->add_flag("--open", tickets.open_only, "only open tickets");
  tickets_cmd->add_flag("--closed", tickets.closed_only, "only closed tickets");
  tickets_cmd->add_flag("--overdue", tickets.overdue, "a deadline breached and still running");
  tickets_cmd->add_option("--at-risk", tickets.at_risk,
                          "a running deadline due within D (e.g. 4h, 1d) and not yet breached");
  tickets_cmd->add_option("--escalated-to", tickets.escalated_to, "escalated to this tier");
  tickets_cmd->add_option("--sort", tickets.sort,
                          "due (default), opened, closed, id, region, unit, owner, state");
  tickets_cmd->add_flag("--desc", tickets.descending, "sort descending");
  tickets_cmd->add_option("--limit", tickets.limit, "at most N tickets");
  tickets_cmd->add_option("-f,--format", tickets.format, "table (default), csv or jsonl")
      ->check(CLI::IsMember({"auto", "table", "csv", "jsonl"}));
  tickets_cmd->footer(tickets_help());

  report_options report;
  auto* report_cmd = app.add_subcommand(
      "report", "the service indicators of a period, as a table, CSV, JSON or an HTML report");
  report_cmd->add_option("--db", report.db, db_help)->required();
  report_cmd->add_option("--workflows", report.workflows,
                         "the definitions (time zone, tiers, manager points weights); "
                         "default: workflows");
  report_cmd->add_option("--from", report.from, "the period's start, e.g. 2026-11-01")->required();
  report_cmd->add_option("--to", report.to, "the period's end (exclusive), e.g. 2026-12-01")
      ->required();
  report_cmd->add_option("--by", report.by,
                         "group rows by: workflow,type,tier,team,region,owner,assignee,class.NAME");
  report_cmd->add_option("-f,--format", report.format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  report_cmd->add_option("--html", report.html, "also write a self-contained HTML report to FILE");
  report_cmd->add_option("--tz", report.tz, "read and show times at this offset, e.g. +08:00");
  report_cmd->add_option("--every", report.every, "backlog sampling step (default 1d)");
  report_cmd->add_option("--top", report.top, "worst overdue tickets listed (default 20)");
  report_cmd->footer(report_help());

  simulate_options simulate;
  auto* simulate_cmd = app.add_subcommand(
      "simulate",
      "play a what-if scenario of demand and staff on the real engine; KPIs with 95% "
      "intervals, comparisons, forecasts");
  simulate_cmd->add_option("SCENARIO", simulate.scenario, "the scenario file (YAML)")->required();
  simulate_cmd->add_option("-w,--workflows", simulate.workflows,
                           "the organisation and workflows (default: workflows)");
  simulate_cmd->add_option("--db", simulate.db,
                           "keep replication 1's trail in this new or empty store, e.g. "
                           "sqlite:sim.db");
  auto* seed_opt = simulate_cmd->add_option("--seed", simulate.seed, "the scenario's seed");
  auto* replications_opt =
      simulate_cmd->add_option("-r,--replications", simulate.replications,
                               "how many replications (default: the scenario's)");
  simulate_cmd->add_option("--warm-up", simulate.warm_up,
                           "days simulated before the reported period (default: the scenario's)");
  simulate_cmd->add_option("--days", simulate.days,
                           "days of the reported period (default: the scenario's)");
  auto* by_opt = simulate_cmd->add_option(
      "--by", simulate.by,
      "group rows by: workflow,type,tier,team,region,owner,assignee,class.NAME");
  simulate_cmd->add_option("-f,--format", simulate.format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  simulate_cmd->add_option("--out", simulate.out,
                           "write report.txt, .csv, .json and .html into DIR");
  simulate_cmd->add_option("--html", simulate.html, "write the HTML report to FILE");
  simulate_cmd->add_option("--compare", simulate.compare,
                           "compare with a second scenario (same seeds)");
  simulate_cmd->add_option("--compare-workflows", simulate.compare_workflows,
                           "compare the scenario on a second definitions directory");
  simulate_cmd->add_option("--from", simulate.from,
                           "forecast from the open tickets of this store (only read)");
  simulate_cmd->add_option("--start", simulate.start,
                           "the forecast's start, ISO 8601 (default: the store's newest event)");
  simulate_cmd->footer(simulate_help());

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 numbers its own exit codes; the tool promises 2 for any usage
    // error. Its message quotes the arguments as given: escaped, like
    // every other line the tool prints.
    std::fprintf(stderr, "%s\nRun with --help for more information.\n",
                 tierflow::detail::printable(e.what()).c_str());
    return exit_usage;
  }

  if (validate_cmd->parsed()) return run_validate(validate, stdout, stderr);
  if (graph_cmd->parsed()) return run_graph(graph, stdout, stderr);
  if (route_cmd->parsed()) return run_route(route, stdout, stderr);
  if (test_cmd->parsed()) return run_test(test, stdout, stderr);
  if (audit_verify_cmd->parsed()) {
    const int chains = run_audit_verify(audit_verify, stdout, stderr);
    if (audit_verify.checkpoints.empty() || chains == exit_usage) return chains;
    const int anchored = run_audit_verify_checkpoints(audit_verify, stdout, stderr);
    return anchored > chains ? anchored : chains;
  }
  if (audit_keygen_cmd->parsed()) return run_audit_keygen(audit_keygen, stdout, stderr);
  if (audit_checkpoint_cmd->parsed())
    return run_audit_checkpoint(audit_checkpoint, stdout, stderr);
  if (audit_prove_cmd->parsed()) return run_audit_prove(audit_prove, stdout, stderr);
  if (audit_check_proof_cmd->parsed())
    return run_audit_check_proof(audit_check_proof, stdout, stderr);
  if (audit_show_cmd->parsed()) return run_audit_show(audit_show, stdout, stderr);
  if (audit_export_cmd->parsed()) return run_audit_export(audit_export, stdout, stderr);
  if (tickets_cmd->parsed()) return run_tickets(tickets, stdout, stderr);
  if (report_cmd->parsed()) return run_report(report, stdout, stderr);
  if (simulate_cmd->parsed()) {
    simulate.seed_given = seed_opt->count() > 0;
    simulate.replications_given = replications_opt->count() > 0;
    simulate.by_given = by_opt->count() > 0;
    return run_simulate(simulate, stdout, stderr);
  }
  return exit_usage;
}
