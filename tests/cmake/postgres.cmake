# SPDX-License-Identifier: MIT
# The CTest fixture `postgres`: a throwaway PostgreSQL server
# (tests/pg/throwaway-postgres) started in build/tests/pg before the tests
# that require the fixture and stopped (data removed) after them. Included by
# tests/CMakeLists.txt, which gives tests named postgres_* and multiprocess_*
# FIXTURES_REQUIRED postgres and the environment below.
#
# Without PostgreSQL's server binaries postgres.start fails loudly, so the
# tests that need the server are reported as not run (a failure), never as
# passed.

set(_tierflow_pg_dir "${CMAKE_CURRENT_BINARY_DIR}/pg")
set(_tierflow_pg_script "${CMAKE_CURRENT_SOURCE_DIR}/pg/throwaway-postgres")

add_test(NAME postgres.start COMMAND bash "${_tierflow_pg_script}" start "${_tierflow_pg_dir}")
set_tests_properties(postgres.start PROPERTIES
  FIXTURES_SETUP postgres RESOURCE_LOCK postgres_server LABELS postgres TIMEOUT 180)

add_test(NAME postgres.stop COMMAND bash "${_tierflow_pg_script}" stop "${_tierflow_pg_dir}")
set_tests_properties(postgres.stop PROPERTIES
  FIXTURES_CLEANUP postgres RESOURCE_LOCK postgres_server LABELS postgres TIMEOUT 120)

# What a test needs to find the server: the file holding its libpq URL
# (written by `throwaway-postgres start`). One VAR=value, no semicolons.
set(TIERFLOW_PG_ENVIRONMENT "TIERFLOW_PG_URL_FILE=${_tierflow_pg_dir}/url")
