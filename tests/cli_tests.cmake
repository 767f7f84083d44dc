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
tierflow_cli_test(route.no_region_is_an_error
  ARGS route workflows tests/data/cli/route_no_region.yaml
  EXIT 1
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

# --- Output hygiene: what comes from a file or the command line is printed
# escaped (ESC as \x1b, the C1 CSI as \u{9b}, a line feed as \n), never raw.
tierflow_cli_test(validate.diagnostics_escape_control_characters
  ARGS validate tests/data/org_fixture.yaml tests/data/cli/escapes.yaml
  EXIT 1
  GOLDEN tests/data/golden/cli/validate_escapes.txt)
tierflow_cli_test(route.explain_escapes_control_characters
  ARGS route --explain workflows tests/data/cli/route_escapes.yaml
  GOLDEN tests/data/golden/cli/route_escapes_explain.txt)
string(ASCII 27 _esc)
string(ASCII 7 _bel)
tierflow_cli_test(graph.error_messages_escape_control_characters
  ARGS graph --org workflows/organisation.yaml "tests/data/cli/no${_esc}[2Jsuch.yaml"
  EXIT 1
  STDERR_CONTAINS "tests/data/cli/no\\x1b[2Jsuch.yaml: error: cannot read file")
tierflow_cli_test(route.missing_ticket_file_escapes_its_name
  ARGS route workflows "tests/data/cli/no${_esc}[31mred${_bel}.yaml"
  EXIT 1
  GOLDEN tests/data/golden/cli/route_missing_ticket_escaped.txt)

# `graph --org ORG WF` with WF in another directory than ORG: the two files
# are loaded (before, ORG's directory and ORG itself: two organisations).
tierflow_cli_test(graph.org_in_another_directory
  ARGS graph --org tests/data/org_fixture.yaml tests/data/cli/elsewhere/draft.yaml
  GOLDEN tests/data/golden/cli/graph_org_elsewhere.dot)

# Special files are refused unread, with the kind named: a FIFO would block
# the tool for ever, /dev/zero never ends. Each case makes its FIFO in the
# build tree and runs the tool under timeout(1), so a regression fails
# (exit=124) instead of hanging; CTest's TIMEOUT is the second guard.
# tierflow_cli_special_file_test(<name> <expected output regex> <tool args>...)
# where an argument FIFO stands for the FIFO's path.
function(tierflow_cli_special_file_test name expected)
  set(_fifo "${CMAKE_CURRENT_BINARY_DIR}/special_files/${name}.fifo")
  set(_args)
  foreach(_arg IN LISTS ARGN)
    if(_arg STREQUAL "FIFO")
      list(APPEND _args "${_fifo}")
    else()
      list(APPEND _args "${_arg}")
    endif()
  endforeach()
  add_test(NAME cli.${name}
           COMMAND sh -c [[mkdir -p "$(dirname "$1")" && rm -f "$1" && mkfifo "$1" || exit 99
                           fifo=$1; shift
                           timeout 20 "$@"; echo "exit=$?"; rm -f "$fifo"]]
                   sh "${_fifo}" "$<TARGET_FILE:tierflow>" ${_args}
           WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
  set_tests_properties(cli.${name} PROPERTIES
    LABELS cli TIMEOUT 40 PASS_REGULAR_EXPRESSION "${expected}")
endfunction()
tierflow_cli_special_file_test(validate.refuses_a_fifo
  "fifo: error: cannot read file: is a FIFO, not a regular file.*exit=1"
  validate FIFO)
tierflow_cli_special_file_test(route.refuses_a_fifo_ticket
  "fifo: error: cannot read file: is a FIFO, not a regular file.*exit=1"
  route workflows FIFO)
tierflow_cli_special_file_test(route.refuses_a_fifo_definition
  "fifo: error: cannot read file: is a FIFO, not a regular file.*exit=1"
  route FIFO tests/data/cli/route_key_customer.yaml)
tierflow_cli_special_file_test(graph.refuses_a_fifo_workflow
  "fifo: error: cannot read file: is a FIFO, not a regular file.*exit=1"
  graph --org workflows/organisation.yaml FIFO)
tierflow_cli_special_file_test(route.refuses_a_device_ticket
  "/dev/zero: error: cannot read file: is a character device, not a regular file.*exit=1"
  route workflows /dev/zero)

# The shipped rules' own scenario tests (workflows/tests/): every case passes,
# every rule, step, state, action and deadline is exercised, and every mutant
# of the rules is killed or declared equivalent with its reason. The mutants
# take seconds; under the sanitizers many times that.
tierflow_cli_test(test.shipped_workflows
  ARGS test workflows --min-coverage 100 --mutate)
set_tests_properties(cli.test.shipped_workflows PROPERTIES TIMEOUT 600)
