# SPDX-License-Identifier: MIT
# Fails if a public header includes a library that tierflow links privately
# (yaml-cpp, fmt, Boost, CLI11, SQLite, libpq, OpenSSL, nlohmann-json): consumers of the installed
# package are not given those.
#
#   cmake -DINCLUDE_DIR=<source>/include -P public_includes.cmake

if(NOT IS_DIRECTORY "${INCLUDE_DIR}")
  message(FATAL_ERROR "public_includes.cmake: INCLUDE_DIR is not set")
endif()

set(private_pattern "^[ \t]*#[ \t]*include[ \t]*[<\"](yaml-cpp/|fmt/|boost/|CLI/|sqlite3\\.h|libpq-fe\\.h|pqxx/|openssl/|nlohmann/)")
file(GLOB_RECURSE headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/*.hpp" "${INCLUDE_DIR}/*.h")
set(found "")
foreach(header IN LISTS headers)
  file(STRINGS "${INCLUDE_DIR}/${header}" lines REGEX "${private_pattern}")
  foreach(line IN LISTS lines)
    string(APPEND found "  include/${header}: ${line}\n")
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "public headers include private dependencies (move that code to src/):\n${found}")
endif()
list(LENGTH headers n)
message(STATUS "${n} public headers, none includes a private dependency")
