// SPDX-License-Identifier: MIT
// The PostgreSQL store's schema: created when missing, migrated forward,
// refused when newer. Private to the PostgreSQL backend.
#pragma once

#include <tierflow/error.hpp>

#include "store/postgres/pg_connection.hpp"

namespace tierflow::detail::postgres {

/// Brings the database to postgres_store::schema_version, and makes the
/// append function (append_call) when it is missing, inside one
/// transaction under an advisory lock, so that concurrent opens do not
/// race; errc::incompatible (nothing changed) for a newer schema. With
/// `read_only` nothing is written: the schema must be there already
/// (errc::io_error if not). Returns the schema version the database holds
/// now (older than schema_version only for a read-only open).
[[nodiscard]] result<int> prepare_schema(pg::connection& c, bool read_only);

/// One append as one statement: the server-side function
/// tierflow.append_events_1 (schema.cpp) locks the stream's head, checks
/// it and, when it is the one expected, inserts the events, moves the head
/// and writes the summary (or ends the ticket's claim). Its 31 parameters,
/// in order: stream text, expected version bigint, the first event's
/// prev_hash bytea, the new version bigint, the new head bytea; the events'
/// columns as arrays (seq bigint[], time bigint[], actor text[],
/// workflow_id text[], workflow_version bigint[], type smallint[], details
/// bytea[], prev_hash bytea[], hash bytea[]); whether a summary comes
/// (boolean) and its columns (customer_id, ticket_type, workflow_id text,
/// workflow_version bigint, state, unit, region, owner, assignee text,
/// closed boolean, opened_at, closed_at, next_timer, nearest_due, version
/// bigint, seal bytea), NULL when none does. One row comes back: the stored
/// version and head as found (bigint, bytea), whether the stream has a
/// summary row (boolean; looked at only when the append brings none and
/// the stream is not new) and whether the append was written (boolean).
/// When it was not, nothing was.
inline constexpr const char* append_call =
    "SELECT stored_version, stored_head, has_summary, written FROM tierflow.append_events_1("
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
    " $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)";

/// The name every writable session prepares append_call under
/// (pg::pool::prepare_on_connect), so that an append's statement is not
/// parsed and planned again each time (a sixth of the server's time per
/// append in a perf profile of tests/bench/pg_load).
inline constexpr const char* append_statement = "tierflow_append_1";

/// The number of parameters of append_call.
inline constexpr int append_call_parameters = 31;

}  // namespace tierflow::detail::postgres
