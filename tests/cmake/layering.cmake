# SPDX-License-Identifier: MIT
# Fails for every include in src/ that points the wrong way. The modules
# are ordered
#
#   text <- language <- audit <- store <- engine <- testing <- kpi <- simulation <- cli
#
# and a module includes its own headers, the public <tierflow/...> ones and
# the private headers of the modules left of it: the engine takes a store,
# and no store knows the engine. Inside store/, the backends (memory/,
# sqlite/, postgres/) build on the shared part (append checks, codec) and
# do not include one another, and the shared part includes no backend: it
# is compiled into tierflow::core, which links no database client.
#
#   cmake [-DSRC_DIR=<dir>] [-DROOT=<dir>] -P layering.cmake
#
# SRC_DIR is the tree to check (default: the source tree's src/); paths in
# messages are relative to ROOT (default: SRC_DIR's parent). Each offending
# include is reported as `file:line: error: ...`.
cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED SRC_DIR OR SRC_DIR STREQUAL "")
  set(SRC_DIR "${CMAKE_CURRENT_LIST_DIR}/../../src")
endif()
get_filename_component(SRC_DIR "${SRC_DIR}" ABSOLUTE)
if(NOT IS_DIRECTORY "${SRC_DIR}")
  message(FATAL_ERROR "layering.cmake: SRC_DIR '${SRC_DIR}' is not a directory")
endif()
if(NOT DEFINED ROOT OR ROOT STREQUAL "")
  get_filename_component(ROOT "${SRC_DIR}" DIRECTORY)
endif()
get_filename_component(ROOT "${ROOT}" ABSOLUTE)

set(modules text language audit store engine testing kpi simulation cli)
set(store_backends memory sqlite postgres)
set(order "text <- language <- audit <- store <- engine <- testing <- kpi <- simulation <- cli")

# Sets OUT to the unit of a path relative to SRC_DIR: a module, a backend
# as store/NAME, or "" for what belongs to no module (src/ itself, cmake/).
function(layering_unit path out)
  string(REPLACE "/" ";" parts "${path}")
  list(LENGTH parts n)
  set(unit "")
  if(n GREATER 1)
    list(GET parts 0 top)
    if(top IN_LIST modules)
      set(unit "${top}")
      if(top STREQUAL "store" AND n GREATER 2)
        list(GET parts 1 sub)
        if(sub IN_LIST store_backends)
          set(unit "store/${sub}")
        endif()
      endif()
    endif()
  endif()
  set(${out} "${unit}" PARENT_SCOPE)
endfunction()

# Sets OUT to why an include from unit FROM of unit TO is wrong, or "".
function(layering_violation from to out)
  set(why "")
  string(REGEX REPLACE "/.*" "" from_module "${from}")
  string(REGEX REPLACE "/.*" "" to_module "${to}")
  list(FIND modules "${from_module}" from_rank)
  list(FIND modules "${to_module}" to_rank)
  if(to_rank GREATER from_rank)
    set(why "${from_module} must not include ${to_module}, a module above it (${order})")
  elseif(from_module STREQUAL "store" AND to_module STREQUAL "store" AND NOT from STREQUAL to)
    if(from MATCHES "/" AND to MATCHES "/")
      set(why "${from} must not include ${to}: the store backends do not know each other")
    elseif(to MATCHES "/")
      set(why "the store's shared code must not include ${to}: it is compiled into tierflow::core, which links no backend")
    endif()
  endif()
  set(${out} "${why}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE sources RELATIVE "${SRC_DIR}"
     "${SRC_DIR}/*.cpp" "${SRC_DIR}/*.cc" "${SRC_DIR}/*.cxx" "${SRC_DIR}/*.c"
     "${SRC_DIR}/*.hpp" "${SRC_DIR}/*.hh" "${SRC_DIR}/*.hxx" "${SRC_DIR}/*.h"
     "${SRC_DIR}/*.ipp" "${SRC_DIR}/*.inl" "${SRC_DIR}/*.tpp")
list(SORT sources)

set(include_pattern "^[ \t]*#[ \t]*include[ \t]*([<\"])([^>\"]+)[>\"]")
set(errors 0)
set(checked 0)
foreach(source IN LISTS sources)
  layering_unit("${source}" from)
  if(from STREQUAL "")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  get_filename_component(source_dir "${SRC_DIR}/${source}" DIRECTORY)
  file(RELATIVE_PATH shown "${ROOT}" "${SRC_DIR}/${source}")

  # One list element a line: the characters that CMake lists treat
  # specially are masked first (no include path contains them).
  file(READ "${SRC_DIR}/${source}" content)
  if(NOT content MATCHES "#[ \t]*include")
    continue()
  endif()
  string(REPLACE "\\" "<backslash>" content "${content}")
  string(REPLACE ";" "<semicolon>" content "${content}")
  string(REPLACE "[" "<lbracket>" content "${content}")
  string(REPLACE "]" "<rbracket>" content "${content}")
  string(REPLACE "\r" "" content "${content}")
  string(REPLACE "\n" ";" lines "${content}")

  set(line_number 0)
  foreach(line IN LISTS lines)
    math(EXPR line_number "${line_number} + 1")
    if(NOT line MATCHES "${include_pattern}")
      continue()
    endif()
    set(delimiter "${CMAKE_MATCH_1}")
    set(included "${CMAKE_MATCH_2}")

    # Where the compiler finds it: a quoted include is looked up beside the
    # including file first, then (like an angled one) in src/.
    set(target "")
    if(delimiter STREQUAL "\"" AND EXISTS "${source_dir}/${included}")
      set(target "${source_dir}/${included}")
    elseif(EXISTS "${SRC_DIR}/${included}")
      set(target "${SRC_DIR}/${included}")
    endif()
    if(NOT target STREQUAL "")
      cmake_path(NORMAL_PATH target)
      cmake_path(IS_PREFIX SRC_DIR "${target}" NORMALIZE inside)
      if(NOT inside)
        continue()  # outside src/: a public header or a dependency's
      endif()
      file(RELATIVE_PATH target "${SRC_DIR}" "${target}")
    elseif(included MATCHES "^([^/]+)/" AND CMAKE_MATCH_1 IN_LIST modules)
      set(target "${included}")  # a module's header that is not there (yet)
    else()
      continue()
    endif()

    layering_unit("${target}" to)
    if(to STREQUAL "")
      continue()
    endif()
    layering_violation("${from}" "${to}" why)
    if(NOT why STREQUAL "")
      if(delimiter STREQUAL "<")
        set(spelled "<${included}>")
      else()
        set(spelled "\"${included}\"")
      endif()
      message(NOTICE "${shown}:${line_number}: error: #include ${spelled}: ${why}")
      math(EXPR errors "${errors} + 1")
    endif()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "layering.cmake: no module sources under ${SRC_DIR}")
endif()
if(errors GREATER 0)
  message(FATAL_ERROR "layering: ${errors} include(s) point the wrong way, listed above")
endif()
message(STATUS "layering: ${checked} files in ${SRC_DIR}, every include points one way (${order})")
