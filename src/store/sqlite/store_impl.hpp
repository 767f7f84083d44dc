// SPDX-License-Identifier: MIT
// sqlite_store's state, shared by the files that implement it:
// sqlite_store.cpp (opening, the statements), append.cpp (appends, group
// commit, ticket numbers) and reads.cpp (loads and queries). Private to the
// SQLite backend.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/sqlite_store.hpp>
#include <tierflow/store_options.hpp>

#include "store/sqlite/connection.hpp"

namespace tierflow {

struct sqlite_store::impl {
  detail::sqlite::connection db;
  store_options options;
  std::string path;

  // Serialises every use of the connection and guards the group state.
  std::mutex mutex;
  // Signalled when a group opens or closes (the committer thread waits on it).
  std::condition_variable_any group_changed;

  // Prepared once, by prepare_all, from the SQL in sqlite_store.cpp.
  detail::sqlite::statement head_stmt, load_stmt, insert_event_stmt, upsert_stream_stmt,
      upsert_ticket_stmt, has_summary_stmt, summary_stmt, queue_stmt, customer_stmt, due_stmt,
      open_stmt, streams_stmt, summary_ids_stmt, bump_counter_stmt, read_counter_stmt;
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

  // --- reads.cpp (caller holds the mutex) ---
  [[nodiscard]] result<stream_head> read_head(std::string_view id);
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
  // or savepoint (which the caller undoes on failure).
  [[nodiscard]] result<void> write_command(const append_request& request);
  [[nodiscard]] result<void> append_alone(const append_request& request);
  [[nodiscard]] result<void> append_grouped(const append_request& request);
  // Opens a group (BEGIN IMMEDIATE) unless one is open.
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
