// SPDX-License-Identifier: MIT
// Opening a store by URL: `memory:`, `sqlite:PATH`, `postgresql://…`.
#pragma once

#include <memory>
#include <string_view>

#include <tierflow/error.hpp>
#include <tierflow/store.hpp>
#include <tierflow/store_options.hpp>

namespace tierflow {

/// Opens the store a URL names:
/// - `memory:` — a new, empty memory_store (tests, simulations);
/// - `sqlite:PATH` (also `sqlite://PATH`) — a SQLite database file, created
///   with the current schema when missing, migrated forward when older;
/// - `postgresql://…` or `postgres://…` — a PostgreSQL database (libpq
///   connection URI), its schema created or migrated on first use.
/// With options.read_only nothing is created, migrated or written: a SQLite
/// file is opened truly read-only (no `-wal`/`-shm` left behind, works in a
/// read-only directory; sqlite_store::open says how and what it trades).
/// Errors: errc::invalid_argument (an unknown scheme or a malformed URL; a
/// `sqlite:` path that is a FIFO, a device, a socket or a directory),
/// errc::io_error (cannot open or connect; the message says why),
/// errc::incompatible (the database was written by a newer tierflow).
[[nodiscard]] result<std::unique_ptr<store>> open_store(std::string_view url,
                                                        const store_options& options = {});

}  // namespace tierflow
