# SPDX-License-Identifier: MIT
# Command-line cases for the `tierflow` tool: exit codes and golden output.
# Regenerate the goldens with: TIERFLOW_UPDATE_GOLDEN=1 ctest --test-dir build -L cli

tierflow_cli_test(validate.shipped_summary
  ARGS validate --summary workflows
  GOLDEN tests/data/golden/cli/validate_shipped_summary.txt)
tierflow_cli_test(validate.reports_every_error
  ARGS validate tests/data/org_fixture.yaml tests/data/cli/two_mistakes.yaml
  EXIT 1
  GOLDEN tests/data/golden/cli/validate_two_mistakes.txt)
tierflow_cli_test(validate.quiet_prints_errors_only
  ARGS validate --quiet tests/data/org_fixture.yaml tests/data/cli/two_mistakes.yaml
  EXIT 1
  GOLDEN tests/data/golden/cli/validate_two_mistakes_quiet.txt)
tierflow_cli_test(validate.missing_file
  ARGS validate tests/data/cli/no_such_file.yaml
  EXIT 1
  GOLDEN tests/data/golden/cli/validate_missing_file.txt)
tierflow_cli_test(validate.no_paths_is_usage_error
  ARGS validate
  EXIT 2)
tierflow_cli_test(unknown_subcommand_is_usage_error
  ARGS frobnicate
  EXIT 2)
foreach(shipped complaint business_expansion fault_repair bill_callback info_change)
  tierflow_cli_test(graph.${shipped}_dot
    ARGS graph workflows/${shipped}.yaml
    GOLDEN tests/data/golden/cli/graph_${shipped}.dot)
endforeach()
tierflow_cli_test(graph.renders_svg
  ARGS graph workflows/fault_repair.yaml -o ${CMAKE_CURRENT_BINARY_DIR}/fault_repair.svg
  EXPECT_FILE ${CMAKE_CURRENT_BINARY_DIR}/fault_repair.svg
  EXPECT_FILE_CONTAINS "<svg")
tierflow_cli_test(graph.without_graphviz_says_so
  ARGS graph workflows/fault_repair.yaml -o ${CMAKE_CURRENT_BINARY_DIR}/no_dot.svg
  EMPTY_PATH
  EXIT 1
  STDERR_CONTAINS "Graphviz's 'dot' is not installed")
tierflow_cli_test(graph.unknown_format_is_usage_error
  ARGS graph workflows/fault_repair.yaml -o ${CMAKE_CURRENT_BINARY_DIR}/x.bmp
  EXIT 2)

# `tierflow route`: a ticket file (tests/data/cli/route_*.yaml) against the
# shipped definitions. Each ticket fixes its `at`, so the output is stable.
foreach(ticket key_customer regional_big_customer everyone_else)
  tierflow_cli_test(route.${ticket}_explain
    ARGS route --explain workflows tests/data/cli/route_${ticket}.yaml
    GOLDEN tests/data/golden/cli/route_${ticket}_explain.txt)
endforeach()
tierflow_cli_test(route.one_line
  ARGS route workflows tests/data/cli/route_regional_big_customer.yaml
  GOLDEN tests/data/golden/cli/route_one_line.txt)
tierflow_cli_test(route.no_region_warns
  ARGS route workflows tests/data/cli/route_no_region.yaml
  GOLDEN tests/data/golden/cli/route_no_region.txt)
tierflow_cli_test(route.bad_ticket_reports_every_error
  ARGS route --explain workflows tests/data/cli/route_bad_ticket.yaml
  EXIT 1
  GOLDEN tests/data/golden/cli/route_bad_ticket.txt)
tierflow_cli_test(route.before_first_version
  ARGS route workflows tests/data/cli/route_too_early.yaml
  EXIT 1
  GOLDEN tests/data/golden/cli/route_too_early.txt)
tierflow_cli_test(route.missing_ticket_file
  ARGS route workflows tests/data/cli/no_such_ticket.yaml
  EXIT 1
  GOLDEN tests/data/golden/cli/route_missing_ticket_file.txt)
tierflow_cli_test(route.missing_definitions
  ARGS route tests/data/cli/no_such_directory tests/data/cli/route_key_customer.yaml
  EXIT 1
  GOLDEN tests/data/golden/cli/route_missing_definitions.txt)
tierflow_cli_test(route.without_ticket_is_usage_error
  ARGS route workflows
  EXIT 2)
