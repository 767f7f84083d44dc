// SPDX-License-Identifier: MIT
// sqlite_store's state, shared by the files that implement it:
// sqlite_store.cpp (opening, the statements), append.cpp (appends, group
// commit, ticket numbers) and reads.cpp (loads and queries). Private to the
// SQLite backend.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/sqlite_store.hpp>
#include <tierflow/store_options.hpp>

#include "store/sqlite/connection.hpp"

namespace tierflow {

namespace detail::sqlite {

/// The columns of a stored summary that its indexes (schema 2) are built
/// on: an append whose summary leaves them as they are rewrites the row
/// alone, not its four index entries.
struct summary_keys {
  std::string customer_id, unit, region;
  bool closed = false;
  std::int64_t opened_at = 0;
  std::optional<std::int64_t> next_timer, nearest_due;

  /// The keys of a summary about to be written.
  [[nodiscard]] static summary_keys of(const ticket_summary& t);
  friend bool operator==(const summary_keys&, const summary_keys&) = default;
};

/// What the write path needs to know of one stream as its transaction
/// holds it: the head, whether it has a summary row and, when that row's
/// key columns are of the types the store writes, their values.
struct stored_stream {
  store::stream_head head;
  bool has_summary = false;
  std::optional<summary_keys> keys;
};

/// Hashes std::string and std::string_view alike (lookups by view).
struct id_hash {
  using is_transparent = void;
  [[nodiscard]] std::size_t operator()(std::string_view id) const noexcept {
    return std::hash<std::string_view>{}(id);
  }
};

}  // namespace detail::sqlite

struct sqlite_store::impl {
  detail::sqlite::connection db;
  store_options options;
  std::string path;

  // Serialises every use of the connection and guards the group state.
  std::mutex mutex;
  // Signalled when a group opens or closes (the committer thread waits on it).
  std::condition_variable_any group_changed;

  // Prepared once, by prepare_all, from the SQL in sqlite_store.cpp.
  // insert_events_stmts[k - 1] inserts k events in one statement (the
  // statement's fixed cost, paid once for up to insert_events_max events).
  static constexpr std::size_t insert_events_max = 4;
  std::array<detail::sqlite::statement, insert_events_max> insert_events_stmts;
  detail::sqlite::statement head_stmt, load_stmt, upsert_ticket_stmt,
      summary_stmt, queue_stmt, customer_stmt, due_stmt,
      open_stmt, streams_stmt, summary_ids_stmt, bump_counter_stmt, read_counter_stmt,
      stored_stmt, insert_stream_stmt, update_stream_stmt, update_ticket_stmt, savepoint_stmt,
      release_stmt, rollback_to_stmt;
  // False only for a read-only handle on a file from before schema 3: its
  // summary rows have no seal, and are read as they stand.
  bool sealed = true;

  // --- group commit state (guarded by mutex) ---
  bool group_open = false;
  std::size_t group_commands = 0;
  std::chrono::steady_clock::time_point group_deadline{};
  // Bumped whenever a group opens or closes, so the committer can tell that
  // the group it waited for is gone.
  std::uint64_t group_generation = 0;
  // A failed background commit, until append or flush reports it.
  std::optional<error> group_error;
  // The streams the open group has read or written, as the group's
  // transaction holds them: the group owns the write lock (BEGIN
  // IMMEDIATE) from its first command to its commit, so no other
  // connection changes them meanwhile, and this handle's own writes go
  // through write_command, which records them here once the command's
  // savepoint is released. Emptied whenever the group closes (committed,
  // rolled back or lost) and by the test hooks' raw SQL: outside a group
  // nothing is trusted, every command reads.
  std::unordered_map<std::string, detail::sqlite::stored_stream, detail::sqlite::id_hash,
                     std::equal_to<>>
      group_streams;

  // Last: started after everything above exists, stopped (in ~impl) before
  // any of it goes.
  std::jthread committer;

  impl(detail::sqlite::connection c, const store_options& o, std::string p);
  ~impl();
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  // --- sqlite_store.cpp ---
  [[nodiscard]] result<void> prepare_all();
  [[nodiscard]] result<void> read_only_refusal(std::string_view what) const;
  // io_error when the database file was deleted or replaced under this
  // handle (connection::has_moved): writes would go to a file nobody opens.
  [[nodiscard]] result<void> check_in_place();

  // The open group's record of its streams, or null: only while the
  // group's transaction is still open (SQLite rolls one back by itself
  // after some errors, even in a read; the record then describes rows that
  // are gone).
  [[nodiscard]] const detail::sqlite::stored_stream* recorded(std::string_view id) const {
    if (!group_open || db.autocommit()) return nullptr;
    const auto at = group_streams.find(id);
    return at == group_streams.end() ? nullptr : &at->second;
  }

  // --- reads.cpp (caller holds the mutex) ---
  [[nodiscard]] result<stream_head> read_head(std::string_view id);
  // The stream as the open transaction holds it: from group_streams when
  // the open group has it, else read (head, summary row, its key columns).
  [[nodiscard]] result<detail::sqlite::stored_stream> read_stored(std::string_view id);
  // The summary in the current row of a TIERFLOW_SEALED_SUMMARY statement,
  // checked against its seal and its stream's head: errc::data_loss for a
  // row edited outside tierflow.
  [[nodiscard]] result<ticket_summary> read_sealed_summary(const detail::sqlite::statement& stmt) const;
  // Runs a statement whose rows are sealed summaries; rows that fail their
  // seal are left out (summary() names them), at most `limit` are taken.
  [[nodiscard]] result<std::vector<ticket_summary>> read_summaries(
      detail::sqlite::statement& stmt, std::size_t limit = static_cast<std::size_t>(-1));

  // --- append.cpp (caller holds the mutex) ---
  // Checks the request and writes its rows, inside the caller's transaction
  // or savepoint (which the caller undoes on failure); `after` is then the
  // stream as the command leaves it.
  [[nodiscard]] result<void> write_command(const append_request& request,
                                           detail::sqlite::stored_stream& after);
  [[nodiscard]] result<void> append_alone(const append_request& request);
  [[nodiscard]] result<void> append_grouped(const append_request& request);
  // Opens a group (BEGIN IMMEDIATE) unless one is open; io_error (the
  // group lost, saying how many commands) when the open one's transaction
  // is gone.
  [[nodiscard]] result<void> open_group();
  // Steps the ticket number counter and reads it, inside the caller's
  // transaction.
  [[nodiscard]] result<std::uint64_t> take_number();
  // group_commit: take_number() in a savepoint of the open group; a
  // failure undoes the step only (or loses the group, saying so).
  [[nodiscard]] result<std::uint64_t> take_number_in_group();
  // check_in_place(); on failure the open group, if any, is rolled back
  // and the error says what it lost.
  [[nodiscard]] result<void> check_in_place_or_lose_group();
  // Commits the open group, if any. On failure its commands are gone.
  [[nodiscard]] result<void> commit_group();
  // Forgets a group that SQLite rolled back by itself, and says what was lost.
  [[nodiscard]] error group_lost(error cause);
  void close_group() noexcept;
  // The group_commit committer: commits each group when its window ends.
  void run_committer(const std::stop_token& stop);
};

}  // namespace tierflow
