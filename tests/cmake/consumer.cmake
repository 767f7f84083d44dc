# SPDX-License-Identifier: MIT
# Builds and runs tests/consumer against tierflow, as a host project would.
#
#   cmake -DMODE=find_package|add_subdirectory -DSOURCE_DIR=<tierflow source>
#         -DBINARY_DIR=<tierflow build> -DWORK_DIR=<scratch dir>
#         -DGENERATOR=… [-DMAKE_PROGRAM=…] [-DCXX_COMPILER=…] [-DCONFIG=…]
#         [-DCXX_FLAGS=…] [-DLINKER_FLAGS=…] [-DSHARED=ON|OFF] [-DWERROR=ON|OFF]
#         -P consumer.cmake
#
# find_package: installs the build tree into WORK_DIR/prefix, then configures
# the consumer with CMAKE_PREFIX_PATH pointing there. add_subdirectory: the
# consumer adds SOURCE_DIR itself. Either way the consumer is built and run,
# it must print "5bd", and tierflow's warning flags must not reach it.

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

if(MODE STREQUAL "find_package")
  consumer_step("install ${BINARY_DIR} into ${prefix}"
    "${CMAKE_COMMAND}" --install "${BINARY_DIR}" --prefix "${prefix}" ${config_args})
  list(APPEND configure_args
    "-DTIERFLOW_CONSUMER_MODE=find_package"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DTIERFLOW_CONSUMER_EXPECTED_PREFIX=${prefix}"
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

# Find and run the program.
file(GLOB path_files "${build}/consumer-path-*.txt")
if(DEFINED CONFIG AND NOT CONFIG STREQUAL "" AND EXISTS "${build}/consumer-path-${CONFIG}.txt")
  set(path_files "${build}/consumer-path-${CONFIG}.txt")
endif()
list(LENGTH path_files n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "consumer (${MODE}): cannot tell which consumer program to run: ${path_files}")
endif()
file(READ "${path_files}" program)
execute_process(COMMAND "${program}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer (${MODE}): ${program} exited with ${rc}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(NOT out STREQUAL "5bd\n")
  message(FATAL_ERROR "consumer (${MODE}): expected \"5bd\", got \"${out}\"")
endif()
message(STATUS "consumer (${MODE}): printed ${out}")

# tierflow's warnings belong to tierflow; the host's compile line must not
# carry them. In find_package mode the headers must come from the prefix.
if(EXISTS "${build}/compile_commands.json")
  file(READ "${build}/compile_commands.json" commands)
  string(JSON count LENGTH "${commands}")
  math(EXPR last "${count} - 1")
  set(main_command "")
  foreach(i RANGE ${last})
    string(JSON file GET "${commands}" ${i} file)
    if(file MATCHES "tests/consumer/main\\.cpp$")
      string(JSON main_command GET "${commands}" ${i} command)
    endif()
  endforeach()
  if(main_command STREQUAL "")
    message(FATAL_ERROR "consumer (${MODE}): main.cpp missing from compile_commands.json")
  endif()
  foreach(flag -Wconversion -Wshadow -Wpedantic -Werror)
    string(FIND "${CXX_FLAGS}" "${flag}" own)
    if(NOT own EQUAL -1)
      continue()  # the parent build asked for it itself
    endif()
    string(FIND "${main_command}" "${flag}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "consumer (${MODE}): tierflow's ${flag} leaked into the consumer:\n${main_command}")
    endif()
  endforeach()
  if(MODE STREQUAL "find_package")
    string(FIND "${main_command}" "${SOURCE_DIR}/include" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "consumer (${MODE}): compiled against the source tree, not the prefix:\n${main_command}")
    endif()
  endif()
endif()
