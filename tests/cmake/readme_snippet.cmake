# SPDX-License-Identifier: MIT
# The README's code blocks that stand for a file must be that file, word for
# word: a block announced by the line `<!-- snippet: PATH -->` right above
# its ``` fence is compared with PATH (relative to the source tree), so the
# host program a new user copies from the README is the one the tests build
# (with warnings as errors, and under AddressSanitizer in CI) and run.
#
# Usage: cmake -DREADME=<file> -DSOURCE_DIR=<tree> -P readme_snippet.cmake
# Prints `README: error: …` for every block that differs and fails; fails
# too when the README announces no block at all.

cmake_minimum_required(VERSION 3.25)
file(READ "${README}" _text)
set(_marker "<!-- snippet: ")
set(_found 0)
set(_errors 0)
while(TRUE)
  string(FIND "${_text}" "${_marker}" _at)
  if(_at EQUAL -1)
    break()
  endif()
  string(SUBSTRING "${_text}" ${_at} -1 _text)
  string(REGEX MATCH "^<!-- snippet: ([^ \n]+) -->\n```[a-z]*\n" _head "${_text}")
  if(NOT _head)
    message(NOTICE "${README}: error: a snippet marker is not followed by a ``` block")
    math(EXPR _errors "${_errors} + 1")
    string(SUBSTRING "${_text}" 1 -1 _text)
    continue()
  endif()
  set(_path "${CMAKE_MATCH_1}")
  string(LENGTH "${_head}" _head_length)
  string(SUBSTRING "${_text}" ${_head_length} -1 _text)
  string(FIND "${_text}" "\n```\n" _end)
  if(_end EQUAL -1)
    message(NOTICE "${README}: error: snippet ${_path}: the ``` block is not closed")
    math(EXPR _errors "${_errors} + 1")
    break()
  endif()
  math(EXPR _block_length "${_end} + 1")
  string(SUBSTRING "${_text}" 0 ${_block_length} _block)
  string(SUBSTRING "${_text}" ${_block_length} -1 _text)
  math(EXPR _found "${_found} + 1")
  if(NOT EXISTS "${SOURCE_DIR}/${_path}")
    message(NOTICE "${README}: error: snippet ${_path}: no such file")
    math(EXPR _errors "${_errors} + 1")
    continue()
  endif()
  file(READ "${SOURCE_DIR}/${_path}" _file)
  if(NOT _block STREQUAL _file)
    message(NOTICE "${README}: error: the block announced as ${_path} differs from that file; "
                   "copy the file into the README")
    math(EXPR _errors "${_errors} + 1")
  endif()
endwhile()

if(_found EQUAL 0)
  message(FATAL_ERROR "${README}: error: no `<!-- snippet: PATH -->` block found")
endif()
if(_errors GREATER 0)
  message(FATAL_ERROR "${_errors} snippet(s) differ from their files")
endif()
message(STATUS "${_found} snippet(s) match their files")
