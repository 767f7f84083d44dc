# SPDX-License-Identifier: MIT
# Runs one `tierflow` command line and checks its exit code and, when a golden
# file is given, its standard output byte for byte. With the environment
# variable TIERFLOW_UPDATE_GOLDEN=1 the golden file is rewritten instead.
#
#   cmake -DEXE=… -DWORKDIR=… -DEXPECT_EXIT=N [-DGOLDEN=file] [-DSTDERR_CONTAINS=text]
#         [-DEMPTY_PATH=1] [-DEXPECT_FILE=path -DEXPECT_FILE_CONTAINS=text]
#         -DARGS="a;b;c" -P cli_case.cmake

foreach(var EXE WORKDIR EXPECT_EXIT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "cli_case.cmake: ${var} is not set")
  endif()
endforeach()

if(DEFINED EXPECT_FILE)
  file(REMOVE "${EXPECT_FILE}")
endif()

set(command "${EXE}" ${ARGS})
if(EMPTY_PATH)
  # Runs the tool with a PATH that has no Graphviz, to check the message a
  # user without it gets.
  set(command ${CMAKE_COMMAND} -E env PATH=/nonexistent ${command})
endif()

execute_process(
  COMMAND ${command}
  WORKING_DIRECTORY "${WORKDIR}"
  RESULT_VARIABLE exit_code
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)

if(NOT exit_code STREQUAL EXPECT_EXIT)
  message(FATAL_ERROR "exit code ${exit_code}, expected ${EXPECT_EXIT}\nstdout:\n${out}\nstderr:\n${err}")
endif()

if(DEFINED STDERR_CONTAINS)
  string(FIND "${err}" "${STDERR_CONTAINS}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "stderr lacks '${STDERR_CONTAINS}':\n${err}")
  endif()
endif()

if(DEFINED EXPECT_FILE)
  if(NOT EXISTS "${EXPECT_FILE}")
    message(FATAL_ERROR "expected output file ${EXPECT_FILE} was not written\nstderr:\n${err}")
  endif()
  file(READ "${EXPECT_FILE}" produced)
  string(FIND "${produced}" "${EXPECT_FILE_CONTAINS}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${EXPECT_FILE} lacks '${EXPECT_FILE_CONTAINS}'")
  endif()
endif()

if(DEFINED GOLDEN)
  if("$ENV{TIERFLOW_UPDATE_GOLDEN}" STREQUAL "1")
    file(WRITE "${GOLDEN}" "${out}")
    message(STATUS "updated golden file ${GOLDEN}")
    return()
  endif()
  if(NOT EXISTS "${GOLDEN}")
    message(FATAL_ERROR "golden file ${GOLDEN} is missing; run with TIERFLOW_UPDATE_GOLDEN=1 to create it\nstdout:\n${out}")
  endif()
  file(READ "${GOLDEN}" expected)
  if(NOT out STREQUAL expected)
    file(WRITE "${GOLDEN}.actual" "${out}")
    message(FATAL_ERROR "stdout differs from ${GOLDEN} (actual output in ${GOLDEN}.actual; "
                        "TIERFLOW_UPDATE_GOLDEN=1 accepts it)\n--- expected\n${expected}\n--- actual\n${out}")
  endif()
endif()
