# SPDX-License-Identifier: MIT
# (being written by the PostgreSQL work: the `postgres` fixture)
set(TIERFLOW_PG_ENVIRONMENT "TIERFLOW_PG_URL_FILE=${CMAKE_CURRENT_BINARY_DIR}/pg/url")
