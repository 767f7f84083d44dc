// SPDX-License-Identifier: MIT
// Opening a store by URL: `memory:`, `sqlite:PATH`, `postgresql://…`. The
// options every durable store reads, each saying which stores use it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include <tierflow/error.hpp>
#include <tierflow/store.hpp>

namespace tierflow {

/// When an appended command is on disk.
enum class durability : std::uint8_t {
  /// Each append is committed and synced before it returns (the default):
  /// an acknowledged command survives a crash or power loss.
  per_command,
  /// Appends join a group that is committed together, at most
  /// `group_window` after its first append or when `group_max` commands are
  /// in it, or on flush(). Throughput rises; in exchange a crash loses the
  /// commands of the last, uncommitted group — acknowledged commands, up to
  /// `group_window` old. Never part of a command: a group holds whole
  /// commands. SQLite only.
  group_commit,
};

/// How to open a store. Fields a store does not use are ignored.
struct store_options {
  /// SQLite: see durability. PostgreSQL commits each command (its own
  /// synchronous_commit setting decides the rest).
  durability mode = durability::per_command;
  /// SQLite group commit: the longest an acknowledged command waits for
  /// its group's commit.
  std::chrono::milliseconds group_window{20};
  /// SQLite group commit: the most commands in one group.
  std::size_t group_max = 512;
  /// Open for reading only (audits): appends fail with errc::io_error and
  /// no schema is created or migrated.
  bool read_only = false;
  /// SQLite: create the file when missing (else errc::io_error).
  bool create = true;
  /// How long to wait for another process's lock (SQLite busy timeout,
  /// PostgreSQL lock_timeout) before failing with errc::io_error.
  std::chrono::milliseconds busy_timeout{5000};
  /// PostgreSQL: connections kept open (commands on different tickets run
  /// in parallel up to this many).
  std::size_t connections = 4;
  /// PostgreSQL: how long a claim on a due timer (store::claim_due) keeps
  /// other engines off the ticket if its claimant dies.
  std::chrono::seconds claim_lease{30};
};

/// Opens the store a URL names:
/// - `memory:` — a new, empty memory_store (tests, simulations);
/// - `sqlite:PATH` (also `sqlite://PATH`) — a SQLite database file, created
///   with the current schema when missing, migrated forward when older;
/// - `postgresql://…` or `postgres://…` — a PostgreSQL database (libpq
///   connection URI), its schema created or migrated on first use.
/// Errors: errc::invalid_argument (an unknown scheme or a malformed URL),
/// errc::io_error (cannot open or connect; the message says why),
/// errc::incompatible (the database was written by a newer tierflow).
[[nodiscard]] result<std::unique_ptr<store>> open_store(std::string_view url,
                                                        const store_options& options = {});

}  // namespace tierflow
