# SPDX-License-Identifier: MIT
# Builds and runs tests/consumer against tierflow, as a host project would.
#
#   cmake -DMODE=find_package|build_tree|add_subdirectory|core_only
#         -DSOURCE_DIR=<tierflow source> -DBINARY_DIR=<tierflow build>
#         -DWORK_DIR=<scratch dir> -DGENERATOR=… [-DMAKE_PROGRAM=…]
#         [-DCXX_COMPILER=…] [-DCONFIG=…] [-DCXX_FLAGS=…] [-DLINKER_FLAGS=…]
#         [-DSHARED=ON|OFF] [-DWERROR=ON|OFF] [-DBACKENDS=sqlite,postgres]
#         [-DCONFIG_FLAGS=<CMAKE_CXX_FLAGS_<CONFIG> of the builds>]
#         -P consumer.cmake
#
# find_package: installs the build tree into WORK_DIR/prefix and finds it
# there. build_tree: finds the build tree itself (its export(), no install).
# Both ask for the components core and BACKENDS (those BINARY_DIR built) as
# REQUIRED, and build_tree also checks that an unknown component is refused
# with a clear message. add_subdirectory: the consumer adds SOURCE_DIR
# itself. In these modes the consumer is built and run (it must print
# "5bd", and, linked to tierflow::sqlite alone, "ticket 1"), and
# tierflow's warning flags must not reach it.
#
# core_only: configures tierflow itself with both backends off and their
# packages made unfindable (a host without SQLite or libpq), builds
# tierflow::core only, and checks that its package refuses the backends as
# components (REQUIRED: configuring fails; without REQUIRED: tierflow_FOUND
# is false; either way the message says why) and reports them missing as
# OPTIONAL_COMPONENTS.
cmake_minimum_required(VERSION 3.25)

foreach(var MODE SOURCE_DIR BINARY_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "consumer.cmake: ${var} is not set")
  endif()
endforeach()

# Runs one step; stops the test with the step's name if it fails.
function(consumer_step what)
  message(STATUS "consumer (${MODE}): ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer (${MODE}): ${what} failed (${rc})")
  endif()
endfunction()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(config_args)
if(DEFINED CONFIG AND NOT CONFIG STREQUAL "")
  set(config_args --config "${CONFIG}")
endif()

# The same toolchain and flags as the parent build.
set(configure_args -G "${GENERATOR}" "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON")
if(DEFINED MAKE_PROGRAM AND NOT MAKE_PROGRAM STREQUAL "")
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(DEFINED CXX_COMPILER AND NOT CXX_COMPILER STREQUAL "")
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(DEFINED CONFIG AND NOT CONFIG STREQUAL "")
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${CONFIG}")
endif()
list(APPEND configure_args "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}")
# The configuration's own flags, when the parent asks (CI: -O0 -g0, for these
# builds check the packaging, and build the library twice more).
if(DEFINED CONFIG_FLAGS AND NOT CONFIG_FLAGS STREQUAL "" AND DEFINED CONFIG AND NOT CONFIG STREQUAL "")
  string(TOUPPER "${CONFIG}" config_upper)
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS_${config_upper}=${CONFIG_FLAGS}")
endif()

# Configures tests/consumer/probe against the tierflow package in DIR with
# find_package(tierflow CONFIG <ARGS>). EXPECT is FOUND (configure succeeds
# and reports each of FOUND_COMPONENTS found and MISSING_COMPONENTS not),
# NOT_FOUND (configure succeeds with tierflow_FOUND false, its output
# matching MESSAGE) or REFUSED (configure fails, its output matching MESSAGE).
function(consumer_probe name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "DIR;EXPECT;MESSAGE"
                        "ARGS;FOUND_COMPONENTS;MISSING_COMPONENTS")
  string(REPLACE ";" "," probe_args "${arg_ARGS}")
  string(REPLACE ";" " " asked "${arg_ARGS}")
  message(STATUS "consumer (${MODE}): find_package(tierflow CONFIG ${asked}) must be ${arg_EXPECT}")
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/consumer/probe" -B "${WORK_DIR}/probe-${name}"
            ${configure_args} "-Dtierflow_DIR=${arg_DIR}" "-DPROBE_ARGS=${probe_args}"
            "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  # CMake wraps the package's message: compared with its lines joined.
  string(REGEX REPLACE "[ \t\r\n]+" " " said "${out}${err}")
  if(arg_EXPECT STREQUAL "REFUSED" OR arg_EXPECT STREQUAL "NOT_FOUND")
    if(arg_EXPECT STREQUAL "REFUSED" AND rc EQUAL 0)
      message(FATAL_ERROR "consumer (${MODE}): find_package(tierflow ${asked}) succeeded, "
                          "expected it to fail:\n${said}")
    endif()
    if(arg_EXPECT STREQUAL "NOT_FOUND" AND
       (NOT rc EQUAL 0 OR NOT said MATCHES "probe: tierflow_FOUND=(0|OFF|FALSE) "))
      message(FATAL_ERROR "consumer (${MODE}): find_package(tierflow ${asked}) should have "
                          "left tierflow_FOUND false:\n${said}")
    endif()
    if(NOT said MATCHES "${arg_MESSAGE}")
      message(FATAL_ERROR "consumer (${MODE}): find_package(tierflow ${asked}) failed without "
                          "saying '${arg_MESSAGE}':\n${said}")
    endif()
  else()
    if(NOT rc EQUAL 0 OR NOT said MATCHES "probe: tierflow_FOUND=(1|ON|TRUE)")
      message(FATAL_ERROR "consumer (${MODE}): find_package(tierflow ${asked}) should have "
                          "found tierflow:\n${said}")
    endif()
    foreach(component IN LISTS arg_FOUND_COMPONENTS)
      if(NOT said MATCHES "probe: tierflow_${component}_FOUND=(1|ON|TRUE) ")
        message(FATAL_ERROR "consumer (${MODE}): component ${component} not found:\n${said}")
      endif()
    endforeach()
    foreach(component IN LISTS arg_MISSING_COMPONENTS)
      if(NOT said MATCHES "probe: tierflow_${component}_FOUND=(0|OFF|FALSE|) ")
        message(FATAL_ERROR "consumer (${MODE}): component ${component} reported found:\n${said}")
      endif()
    endforeach()
  endif()
endfunction()

if(MODE STREQUAL "core_only")
  # Only the core is built: no tests, examples or tool, and SQLite and libpq
  # cannot be found even where they are installed.
  set(tierflow_build "${WORK_DIR}/tierflow")
  consumer_step("configure tierflow without backends"
    "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${tierflow_build}" ${configure_args}
    -DTIERFLOW_WITH_SQLITE=OFF -DTIERFLOW_WITH_POSTGRES=OFF
    -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON -DCMAKE_DISABLE_FIND_PACKAGE_PostgreSQL=ON
    -DTIERFLOW_BUILD_TESTS=OFF -DTIERFLOW_BUILD_EXAMPLES=OFF -DTIERFLOW_BUILD_CLI=OFF
    -DTIERFLOW_BUILD_BENCHMARKS=OFF "-DTIERFLOW_WERROR=${WERROR}")
  consumer_step("build tierflow::core"
    "${CMAKE_COMMAND}" --build "${tierflow_build}" --target tierflow_core ${config_args})
  consumer_probe(postgres DIR "${tierflow_build}" ARGS REQUIRED COMPONENTS postgres
    EXPECT REFUSED MESSAGE "component 'postgres' was not built \\(this tierflow was built with TIERFLOW_WITH_POSTGRES=OFF\\)")
  consumer_probe(core_sqlite DIR "${tierflow_build}" ARGS COMPONENTS core sqlite
    EXPECT NOT_FOUND MESSAGE "component 'sqlite' was not built")
  consumer_probe(optional DIR "${tierflow_build}" ARGS REQUIRED COMPONENTS core
    OPTIONAL_COMPONENTS sqlite postgres
    EXPECT FOUND FOUND_COMPONENTS core MISSING_COMPONENTS sqlite postgres)
  message(STATUS "consumer (${MODE}): tierflow::core built without SQLite or libpq")
  return()
endif()

# BACKENDS comes comma-separated: a list would not survive add_test().
string(REPLACE "," ";" BACKENDS "${BACKENDS}")
set(components core ${BACKENDS})
string(REPLACE ";" "," components_arg "${components}")
if(MODE STREQUAL "find_package")
  consumer_step("install ${BINARY_DIR} into ${prefix}"
    "${CMAKE_COMMAND}" --install "${BINARY_DIR}" --prefix "${prefix}" ${config_args})
  list(APPEND configure_args
    "-DTIERFLOW_CONSUMER_MODE=find_package"
    "-DTIERFLOW_CONSUMER_COMPONENTS=${components_arg}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DTIERFLOW_CONSUMER_EXPECTED_DIR=${prefix}"
    "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF")
elseif(MODE STREQUAL "build_tree")
  consumer_probe(unknown DIR "${BINARY_DIR}" ARGS REQUIRED COMPONENTS core no_such_backend
    EXPECT REFUSED MESSAGE "tierflow has no component 'no_such_backend'")
  consumer_probe(optional_unknown DIR "${BINARY_DIR}" ARGS OPTIONAL_COMPONENTS no_such_backend
    EXPECT FOUND FOUND_COMPONENTS core ${BACKENDS} MISSING_COMPONENTS no_such_backend)
  list(APPEND configure_args
    "-DTIERFLOW_CONSUMER_MODE=build_tree"
    "-DTIERFLOW_CONSUMER_COMPONENTS=${components_arg}"
    "-Dtierflow_DIR=${BINARY_DIR}"
    "-DTIERFLOW_CONSUMER_EXPECTED_DIR=${BINARY_DIR}"
    "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF")
elseif(MODE STREQUAL "add_subdirectory")
  list(APPEND configure_args
    "-DTIERFLOW_CONSUMER_MODE=add_subdirectory"
    "-DTIERFLOW_CONSUMER_SOURCE_DIR=${SOURCE_DIR}")
  if(DEFINED SHARED AND NOT SHARED STREQUAL "")
    list(APPEND configure_args "-DBUILD_SHARED_LIBS=${SHARED}")
  endif()
  if(DEFINED WERROR AND NOT WERROR STREQUAL "")
    list(APPEND configure_args "-DTIERFLOW_WERROR=${WERROR}")
  endif()
else()
  message(FATAL_ERROR "consumer.cmake: unknown MODE '${MODE}'")
endif()

consumer_step("configure"
  "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/consumer" -B "${build}" ${configure_args})
consumer_step("build" "${CMAKE_COMMAND}" --build "${build}" ${config_args})

# Runs the program NAME built for this configuration with ARGN; it must
# print EXPECTED.
function(consumer_run name expected)
  set(path_file "${build}/path-${name}-${CONFIG}.txt")
  if(NOT EXISTS "${path_file}")
    file(GLOB path_file "${build}/path-${name}-*.txt")
  endif()
  list(LENGTH path_file n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "consumer (${MODE}): cannot tell which ${name} program to run: ${path_file}")
  endif()
  file(READ "${path_file}" program)
  execute_process(COMMAND "${program}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer (${MODE}): ${program} exited with ${rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  if(NOT out STREQUAL "${expected}\n")
    message(FATAL_ERROR "consumer (${MODE}): ${name}: expected \"${expected}\", got \"${out}\"")
  endif()
  message(STATUS "consumer (${MODE}): ${name} printed ${out}")
endfunction()

consumer_run(consumer "5bd")
if("sqlite" IN_LIST BACKENDS)
  consumer_run(consumer_sqlite "ticket 1" "${WORK_DIR}/consumer.sqlite")
endif()

# tierflow's warnings belong to tierflow; the host's compile lines must not
# carry them. In find_package mode the headers must come from the prefix.
if(EXISTS "${build}/compile_commands.json")
  file(READ "${build}/compile_commands.json" commands)
  string(JSON count LENGTH "${commands}")
  math(EXPR last "${count} - 1")
  set(seen 0)
  foreach(i RANGE ${last})
    string(JSON file GET "${commands}" ${i} file)
    if(NOT file MATCHES "tests/consumer/[a-z_]+\\.cpp$")
      continue()  # tierflow's own sources, in add_subdirectory mode
    endif()
    math(EXPR seen "${seen} + 1")
    string(JSON command GET "${commands}" ${i} command)
    foreach(flag -Wconversion -Wshadow -Wpedantic -Werror)
      string(FIND "${CXX_FLAGS}" "${flag}" own)
      if(NOT own EQUAL -1)
        continue()  # the parent build asked for it itself
      endif()
      string(FIND "${command}" "${flag}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "consumer (${MODE}): tierflow's ${flag} leaked into the consumer:\n${command}")
      endif()
    endforeach()
    if(MODE STREQUAL "find_package")
      string(FIND "${command}" "${SOURCE_DIR}/include" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "consumer (${MODE}): compiled against the source tree, not the prefix:\n${command}")
      endif()
    endif()
  endforeach()
  if(seen EQUAL 0)
    message(FATAL_ERROR "consumer (${MODE}): the consumer's sources are missing from compile_commands.json")
  endif()
endif()
