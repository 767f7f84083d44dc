// SPDX-License-Identifier: MIT
// The SQLite store: the embedded, durable default (`sqlite:PATH`).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store_options.hpp>
#include <tierflow/store.hpp>

namespace tierflow {

namespace detail {
struct sqlite_store_access;  // tests' access to the connection (src/store/sqlite/)
}  // namespace detail

/// A store in one SQLite database file, in WAL mode.
///
/// Each append is one transaction holding the command's event rows, the
/// stream head and the ticket summary; nothing of a refused or failed append
/// is stored. Event rows are append-only in the database itself: triggers
/// abort every UPDATE and DELETE on them ("tierflow: events are
/// append-only"). The events table is clustered by (stream, sequence), so
/// a stream's events lie together, however the streams' appends were
/// interleaved, and a trail is read from neighbouring pages; an append
/// writes them in multi-row INSERTs, and rewrites a summary whose
/// indexed columns (customer, unit, region, closed, opened_at, the
/// deadlines) stay as stored without touching its four index entries.
///
/// Summary rows (tierflow_tickets, which queues and contact records read)
/// carry a seal (schema 3): SHA-256 over every field and the stream's head
/// and version, written in the append's transaction and checked on every
/// read (store's contract: summary() is errc::data_loss for a row that does
/// not match, the index reads leave it out). Triggers are a first fence —
/// a DELETE of a summary, an UPDATE that does not raise its version, are
/// refused — but whoever can write the file can drop them; the seal is the
/// check. Migrating a file to schema 3 seals its rows as they stand against
/// the heads as they stand: the upgrade blesses them (compare them with
/// their trails, `tierflow audit verify`, before upgrading a file you
/// doubt). A read-only open of a file from before schema 3 (an audit of an
/// old file, which must not write) cannot check its rows: it returns them
/// as the file holds them, unverified.
///
/// The schema carries a version (`PRAGMA user_version`);
/// opening applies the forward migrations of an older file in one
/// transaction and refuses a newer one with errc::incompatible, leaving it
/// untouched. Several processes may open one file (shared() is true):
/// SQLite serialises their writers (waiting up to store_options::busy_timeout
/// for another's lock) and the expected-version check decides races.
///
/// Durability (store_options::mode), with `PRAGMA synchronous=FULL` in both:
/// - per_command: each append is its own BEGIN IMMEDIATE … COMMIT, synced
///   to disk when append returns. One fsync per command.
/// - group_commit: appends join an open transaction (each command inside
///   its own SAVEPOINT, rolled back whole if it fails), committed and
///   synced when `group_max` commands are in it, `group_window` after its
///   first command (a background thread), on flush() or when the store is
///   destroyed. While a group is open it owns the database's write lock,
///   so no other connection can change a row: the handle keeps what the
///   group's commands wrote of each stream (head, summary keys) and reads
///   it back from memory instead of the file, in appends and in head();
///   that record is dropped whenever the group ends. One fsync per group;
///   in exchange a crash or power loss loses the acknowledged commands of
///   the open group, and the open group
///   holds the database's write lock for up to `group_window`, so other
///   processes' writers wait that long. Reads through this handle see the
///   group's appends at once; other handles see them after its commit. A
///   command refused by the store's checks, or by SQLite part-way (a
///   constraint, a trigger), leaves the group as it was. An I/O error, and
///   a disk-full error in a statement SQLite runs without a statement
///   journal (a one-event command's INSERT; a multi-event command's INSERT
///   has one, and a disk full there undoes that command alone), makes
///   SQLite roll back the whole transaction: the group's earlier,
///   acknowledged commands are then lost with the failing one, and its
///   errc::io_error says how many. If a background commit fails, the next
///   append (which is then not applied) or flush() reports that with
///   errc::io_error.
///
/// Ticket numbers: in per_command mode each next_ticket_number() is its
/// own committed and synced transaction on a counter row, so a number is
/// never handed out twice, even across a crash (a number whose ticket was
/// never appended is a gap). In group_commit mode the counter moves inside
/// the open group (opening one if none is), with no sync of its own: a
/// crash that loses the group takes back its numbers together with the
/// acknowledged opens that used them, so a number may be handed out again
/// after a crash, but no two stored tickets ever share one.
///
/// A database file deleted, or replaced by another renamed over it, while a
/// handle has it open is detected (SQLITE_FCNTL_HAS_MOVED: the path's inode
/// is no longer the open file's) before and after each append's commit,
/// each group's commit and each ticket number: the command fails with
/// errc::io_error "the database file was deleted or replaced while open",
/// and so does every later one, instead of landing in a file nobody will
/// open again. In group_commit mode the open group's acknowledged commands
/// are lost with it, and the error says how many.
///
/// Storage failures (disk full, I/O errors, a read-only or corrupt file, a
/// lock held past the busy timeout) are errc::io_error with SQLite's message
/// and the path. Every member may be called from several threads at once:
/// they share one connection, serialised by a mutex.
class sqlite_store final : public store {
 public:
  /// The schema version this build writes.
  static constexpr int schema_version = 3;

  /// Opens (creating when allowed) the database at `path`, switches it to
  /// WAL mode and migrates it to schema_version. With options.read_only the
  /// file is opened SQLITE_OPEN_READONLY and left as it is (an older schema
  /// is read as it stands); appends and next_ticket_number then fail with
  /// errc::io_error.
  ///
  /// A read-only open is truly read-only (`tierflow audit` in a directory
  /// it may not write, as a user who may not write the file):
  /// - no `-wal` file beside the database (its writers shut down cleanly,
  ///   everything is in the file): opened with `immutable=1`, so SQLite
  ///   takes no locks and creates no `-wal` or `-shm` file. The trade-off:
  ///   SQLite then assumes nobody writes the file meanwhile. A writer that
  ///   starts during the read appends to its new `-wal` unseen; only its
  ///   checkpoint rewrites the file under the reader, whose reads may then
  ///   fail (errc::io_error, "malformed") or mix old and new pages — an
  ///   audit that overlaps a writer's start is to be run again.
  /// - a `-wal` file present (a writer is live, or one crashed): opened
  ///   SQLITE_OPEN_READONLY as SQLite documents for WAL databases
  ///   ("Read-Only Databases", wal.html): it reads the live writer's
  ///   commits consistently through the existing `-shm`, and creates
  ///   nothing when `-wal` and `-shm` are both there; with a `-wal` but no
  ///   `-shm` (a crash) SQLite needs to create the `-shm`, which fails in a
  ///   read-only directory (errc::io_error): open it for writing once to
  ///   recover the file.
  ///
  /// Errors: errc::invalid_argument (`path` is a FIFO, a device, a socket
  /// or a directory: refused before SQLite touches it), errc::io_error
  /// (missing and not to be created — "no such database file" —,
  /// unreadable, not a database, a read-only open of a file without a
  /// tierflow schema, locked past the busy timeout), errc::incompatible
  /// (written by a newer tierflow; the file is not modified),
  /// errc::invalid_argument (group_commit with group_max 0).
  [[nodiscard]] static result<std::unique_ptr<sqlite_store>> open(const std::string& path,
                                                                  const store_options& options = {});
  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  [[nodiscard]] result<void> append(const append_request& request) override;
  [[nodiscard]] result<std::vector<event>> load(std::string_view ticket_id) const override;
  [[nodiscard]] result<stream_head> head(std::string_view ticket_id) const override;
  [[nodiscard]] result<std::uint64_t> next_ticket_number() override;
  [[nodiscard]] result<ticket_summary> summary(std::string_view ticket_id) const override;
  [[nodiscard]] result<std::vector<ticket_summary>> queue(std::string_view unit,
                                                          std::string_view region) const override;
  [[nodiscard]] result<std::vector<ticket_summary>> customer_tickets(
      std::string_view customer_id) const override;
  [[nodiscard]] result<std::vector<due_ticket>> due(timestamp now, std::size_t limit) const override;
  [[nodiscard]] result<std::vector<ticket_summary>> open_tickets() const override;
  [[nodiscard]] result<std::vector<std::string>> streams() const override;
  [[nodiscard]] result<std::vector<std::string>> summary_ids() const override;
  [[nodiscard]] bool shared() const noexcept override { return true; }
  /// Commits the open group (group_commit mode) and reports a group
  /// whose background commit failed since the last report; a no-op for
  /// per_command stores.
  [[nodiscard]] result<void> flush() override;

 private:
  friend struct detail::sqlite_store_access;
  struct impl;
  explicit sqlite_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace tierflow
