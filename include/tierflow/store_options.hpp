// SPDX-License-Identifier: MIT
// The options every durable store reads (durability, group commit, read-only,
// timeouts, pool size), each saying which stores use it. Its own header so
// that a backend's header and open_store() share it without including each
// other.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

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

}  // namespace tierflow
