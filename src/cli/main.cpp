// SPDX-License-Identifier: MIT
// Entry point of the `tierflow` tool: parses the command line and dispatches.
#include <cstdio>

#include <CLI/CLI.hpp>

#include <tierflow/version.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace tierflow::cli;
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 numbers its own exit codes; the tool promises 2 for any usage error.
    (void)app.exit(e);
    return exit_usage;
  }

  if (validate_cmd->parsed()) return run_validate(validate, stdout, stderr);
  if (graph_cmd->parsed()) return run_graph(graph, stdout, stderr);
  if (route_cmd->parsed()) return run_route(route, stdout, stderr);
  return exit_usage;
}
