// SPDX-License-Identifier: MIT
// The PostgreSQL store's schema: created when missing, migrated forward,
// refused when newer. Private to the PostgreSQL backend.
#pragma once

#include <tierflow/error.hpp>

#include "store/postgres/pg_connection.hpp"

namespace tierflow::detail::postgres {

/// Brings the database to postgres_store::schema_version inside one
/// transaction under an advisory lock, so that concurrent opens do not
/// race; errc::incompatible (nothing changed) for a newer schema. With
/// `read_only` nothing is written: the schema must be there already
/// (errc::io_error if not). Returns the schema version the database holds
/// now (older than schema_version only for a read-only open).
[[nodiscard]] result<int> prepare_schema(pg::connection& c, bool read_only);

}  // namespace tierflow::detail::postgres
