// SPDX-License-Identifier: MIT
// The SQLite store's write path: appends alone (per_command) or in the open
// group (group_commit, each command under its own SAVEPOINT), the group's
// commit and its background committer, flush() and ticket numbers.
#include <tierflow/sqlite_store.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <utility>

#include "store/append_checks.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/store_impl.hpp"
#include "store/store_codec.hpp"

namespace tierflow {

using detail::sqlite::as_bytes;
using detail::sqlite::connection;
using detail::sqlite::malformed;
using detail::sqlite::statement_use;
using detail::sqlite::stored_stream;
using detail::sqlite::to_db;

namespace detail::sqlite {

summary_keys summary_keys::of(const ticket_summary& t) {
  summary_keys k;
  k.customer_id = t.customer_id;
  k.unit = t.unit;
  k.region = t.region;
  k.closed = t.closed;
  k.opened_at = to_db(t.opened_at);
  if (t.next_timer) k.next_timer = to_db(*t.next_timer);
  if (t.nearest_due) k.nearest_due = to_db(*t.nearest_due);
  return k;
}

}  // namespace detail::sqlite

result<void> sqlite_store::impl::write_command(const append_request& request, stored_stream& after) {
  auto stored = read_stored(request.ticket_id);
  if (!stored) return fail(stored.error());
  if (auto ok = detail::check_append_version(request, stored->head.version); !ok) return ok;
  if (auto ok = detail::check_append_events(request, &stored->head.head); !ok) return ok;
  if (request.summary == nullptr && stored->head.version > 0) {
    if (auto ok = detail::check_append_summary(request, stored->has_summary); !ok) return ok;
  }
  // The bytes bound below (the request's fields, `details`, the seal) live
  // until each statement is reset at the end of its block.
  std::array<std::string, insert_events_max> details;
  const std::span<const event> events = request.events;
  for (std::size_t at = 0; at < events.size();) {
    // Up to insert_events_max events per INSERT.
    const std::size_t rows = std::min(insert_events_max, events.size() - at);
    const statement_use s(insert_events_stmts[rows - 1]);
    for (std::size_t r = 0; r < rows; ++r) {
      const event& e = events[at + r];
      const int p = static_cast<int>(r * 10);
      details[r] = detail::encode_details(e.details);
      s->bind_text_ref(p + 1, request.ticket_id);
      s->bind_int(p + 2, to_db(e.sequence));
      s->bind_int(p + 3, to_db(e.time));
      s->bind_text_ref(p + 4, e.actor_id);
      s->bind_text_ref(p + 5, e.workflow_id);
      s->bind_int(p + 6, e.workflow_version);
      s->bind_int(p + 7, static_cast<std::int64_t>(e.type));
      s->bind_blob_ref(p + 8, details[r]);
      s->bind_blob_ref(p + 9, as_bytes(e.prev_hash));
      s->bind_blob_ref(p + 10, as_bytes(e.hash));
    }
    if (auto r = s->step(); !r) return fail(r.error());
    at += rows;
  }
  const event& last = request.events.back();
  {
    // The head read in this transaction says whether the row exists.
    const bool exists = stored->head.version > 0;
    const statement_use s(exists ? update_stream_stmt : insert_stream_stmt);
    s->bind_text_ref(1, request.ticket_id);
    s->bind_int(2, to_db(last.sequence));
    s->bind_blob_ref(3, as_bytes(last.hash));
    if (auto r = s->step(); !r) return fail(r.error());
    if (exists && s->changes() != 1) return fail(malformed(path, "stream head (row gone)"));
  }
  after.head = store::stream_head{last.sequence, last.hash};
  after.has_summary = stored->has_summary;
  after.keys = std::move(stored->keys);
  if (request.summary != nullptr) {
    auto keys = detail::sqlite::summary_keys::of(*request.summary);
    // Keys as stored: the row alone changes, its index entries stay.
    const bool in_place = after.has_summary && after.keys && *after.keys == keys;
    // Sealed to the head this transaction writes: both land, or neither.
    const event_hash seal = detail::summary_seal(*request.summary, last.sequence, last.hash);
    const statement_use s(in_place ? update_ticket_stmt : upsert_ticket_stmt);
    detail::sqlite::bind_summary(*s, *request.summary);
    s->bind_blob_ref(17, as_bytes(seal));
    if (auto r = s->step(); !r) return fail(r.error());
    if (in_place && s->changes() != 1) return fail(malformed(path, "ticket summary (row gone)"));
    after.has_summary = true;
    after.keys = std::move(keys);
  }
  return {};
}

result<void> sqlite_store::impl::append_alone(const append_request& request) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r;
  // Nothing is kept of `after`: the next command's transaction reads anew.
  stored_stream after;
  if (auto r = write_command(request, after); !r) {
    (void)db.exec("ROLLBACK");
    return r;
  }
  if (auto r = db.exec("COMMIT"); !r) {
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY): end it,
    // so that nothing of the command is stored later by accident.
    if (!db.autocommit()) (void)db.exec("ROLLBACK");
    return r;
  }
  // Checked again after the commit: a file deleted or replaced while the
  // command was written took the command with it, and the host must not
  // take it as done.
  if (auto r = check_in_place(); !r) {
    return fail(std::move(r).error().with_context("the command was written to the lost file"));
  }
  return {};
}

namespace {

// Steps a prepared statement that returns no rows (a savepoint's control).
result<void> run(detail::sqlite::statement& stmt) {
  const statement_use s(stmt);
  if (auto r = s->step(); !r) return fail(r.error());
  return {};
}

}  // namespace

error sqlite_store::impl::group_lost(error cause) {
  const std::size_t lost = group_commands;
  close_group();
  if (lost == 0) return cause;
  return std::move(cause).with_context("the open group's " + std::to_string(lost) +
                                       " earlier acknowledged commands were rolled back and lost");
}

void sqlite_store::impl::close_group() noexcept {
  group_open = false;
  group_commands = 0;
  group_streams.clear();
  ++group_generation;
  group_changed.notify_all();
}

result<void> sqlite_store::impl::open_group() {
  if (group_open && db.autocommit()) {
    // SQLite rolled the group's transaction back by itself (an I/O error,
    // even in a read, does): its acknowledged commands are gone, and the
    // next statement would otherwise start a transaction of its own unseen.
    return fail(group_lost(
        error(errc::io_error, "sqlite " + path + ": the open group's transaction was rolled back by SQLite")));
  }
  if (group_open) return {};
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r;
  group_open = true;
  group_commands = 0;
  group_deadline = std::chrono::steady_clock::now() + options.group_window;
  ++group_generation;
  group_changed.notify_all();
  return {};
}

result<std::uint64_t> sqlite_store::impl::take_number() {
  {
    const statement_use s(bump_counter_stmt);
    if (auto r = s->step(); !r) return fail(r.error());
  }
  std::int64_t number = 0;
  {
    const statement_use s(read_counter_stmt);
    const auto row = s->step();
    if (!row) return fail(row.error());
    if (!*row) return fail(malformed(path, "ticket number counter (no row)"));
    number = s->column_int(0);
  }
  if (number < 1) return fail(malformed(path, "ticket number counter"));
  return static_cast<std::uint64_t>(number);
}

result<std::uint64_t> sqlite_store::impl::take_number_in_group() {
  if (auto r = db.exec("SAVEPOINT tierflow_number"); !r) {
    if (db.autocommit()) return fail(group_lost(std::move(r).error()));
    return fail(r.error());
  }
  auto number = take_number();
  if (number) {
    if (auto r = db.exec("RELEASE tierflow_number"); !r) number = fail(r.error());
  }
  if (number) return number;
  if (db.autocommit()) return fail(group_lost(std::move(number).error()));
  // Only the counter's step goes; the group's commands stay.
  if (!db.exec("ROLLBACK TO tierflow_number") || !db.exec("RELEASE tierflow_number")) {
    if (!db.autocommit()) (void)db.exec("ROLLBACK");
    return fail(group_lost(std::move(number).error()));
  }
  return number;
}

result<void> sqlite_store::impl::check_in_place_or_lose_group() {
  auto r = check_in_place();
  if (!r && group_open) {
    (void)db.exec("ROLLBACK");
    return fail(group_lost(std::move(r).error()));
  }
  return r;
}

result<void> sqlite_store::impl::append_grouped(const append_request& request) {
  if (group_error) {
    error lost = std::move(*group_error);
    group_error.reset();
    return fail(std::move(lost).with_context("command not applied"));
  }
  if (auto r = open_group(); !r) return r;
  if (auto r = run(savepoint_stmt); !r) {
    if (db.autocommit()) return fail(group_lost(std::move(r).error()));
    return r;
  }
  stored_stream after;
  auto written = write_command(request, after);
  if (written) {
    if (auto r = run(release_stmt); !r) written = std::move(r);
  }
  if (written) {
    // Recorded only now that the command is in the group for good: a
    // command rolled back to its savepoint leaves what the group knew.
    if (const auto at = group_streams.find(request.ticket_id); at != group_streams.end()) {
      at->second = std::move(after);
    } else {
      group_streams.emplace(request.ticket_id, std::move(after));
    }
  }
  if (!written) {
    if (db.autocommit()) return fail(group_lost(std::move(written).error()));
    // Only this command's rows go; the group's earlier commands stay.
    const bool undone = run(rollback_to_stmt) && run(release_stmt);
    if (!undone) {
      if (!db.autocommit()) (void)db.exec("ROLLBACK");
      return fail(group_lost(std::move(written).error()));
    }
    if (group_commands == 0) {
      // An empty group would only hold the write lock until its window ends.
      (void)db.exec("ROLLBACK");
      close_group();
    }
    return written;
  }
  ++group_commands;
  if (group_commands >= options.group_max) return commit_group();
  return {};
}

result<void> sqlite_store::impl::commit_group() {
  if (!group_open) return {};
  if (auto r = check_in_place(); !r) {
    // Committing would only make the group durable in the lost file.
    (void)db.exec("ROLLBACK");
    return fail(group_lost(std::move(r).error().with_context("committing a group")));
  }
  if (auto r = db.exec("COMMIT"); !r) {
    if (!db.autocommit()) (void)db.exec("ROLLBACK");
    return fail(group_lost(std::move(r).error().with_context("committing a group")));
  }
  if (auto r = check_in_place(); !r) {
    return fail(group_lost(std::move(r).error().with_context("committing a group")));
  }
  close_group();
  return {};
}

void sqlite_store::impl::run_committer(const std::stop_token& stop) {
  std::unique_lock lock(mutex);
  while (!stop.stop_requested()) {
    if (!group_open) {
      group_changed.wait(lock, stop, [this] { return group_open; });
      continue;
    }
    const std::uint64_t generation = group_generation;
    // A copy: the wait reads its deadline while the lock is released, and
    // a new group writes group_deadline (the generation tells it apart).
    const auto deadline = group_deadline;
    const bool gone = group_changed.wait_until(lock, stop, deadline, [&] {
      return !group_open || group_generation != generation;
    });
    if (gone || stop.stop_requested()) continue;
    if (auto r = commit_group(); !r) group_error = std::move(r).error();
  }
}

result<void> sqlite_store::append(const append_request& request) {
  // Checks that need no stored state come first.
  if (auto ok = detail::check_append_ids(request); !ok) return ok;
  const std::lock_guard lock(impl_->mutex);
  if (impl_->options.read_only) return impl_->read_only_refusal("append");
  // Before anything is written: a file deleted or replaced under this
  // handle would take the command (and, in group_commit mode, the open
  // group's acknowledged commands) with it. Every later command fails too.
  auto r = impl_->check_in_place_or_lose_group();
  if (r) {
    r = impl_->options.mode == durability::group_commit ? impl_->append_grouped(request)
                                                        : impl_->append_alone(request);
  }
  if (!r && r.error().code() == errc::io_error) {
    return fail(std::move(r).error().with_context("appending to " +
                                                  detail::sqlite::ticket_context(request.ticket_id)));
  }
  return r;
}

result<void> sqlite_store::flush() {
  const std::lock_guard lock(impl_->mutex);
  // The open group first: it is not the one that was lost, if one was.
  if (auto r = impl_->commit_group(); !r) return r;
  if (impl_->group_error) {
    error lost = std::move(*impl_->group_error);
    impl_->group_error.reset();
    return fail(std::move(lost).with_context("flush: an earlier group commit failed"));
  }
  return {};
}

result<std::uint64_t> sqlite_store::next_ticket_number() {
  const std::lock_guard lock(impl_->mutex);
  if (impl_->options.read_only) {
    return fail(impl_->read_only_refusal("next ticket number").error());
  }
  // A number from a lost file could be handed out again by the file that
  // replaced it.
  if (auto r = impl_->check_in_place_or_lose_group(); !r)
    return fail(std::move(r).error().with_context("next ticket number"));
  if (impl_->options.mode == durability::group_commit) {
    // The counter moves inside the open group, durable with it: a number
    // costs no sync of its own, and groups span the opens too. A crash
    // that loses the group loses the tickets its numbers went to with it,
    // so no stored ticket ever shares a number. The group holds the
    // database's write lock, so no other process takes the same number.
    if (auto r = impl_->open_group(); !r) return fail(std::move(r).error().with_context("next ticket number"));
    auto number = impl_->take_number_in_group();
    if (!number) return fail(std::move(number).error().with_context("next ticket number"));
    return number;
  }
  connection& db = impl_->db;
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return fail(r.error());
  auto number = impl_->take_number();
  if (number) {
    if (auto r = db.exec("COMMIT"); !r) number = fail(r.error());
  }
  if (!number) {
    if (!db.autocommit()) (void)db.exec("ROLLBACK");
    return fail(std::move(number).error().with_context("next ticket number"));
  }
  if (auto r = impl_->check_in_place(); !r) return fail(std::move(r).error().with_context("next ticket number"));
  return number;
}

}  // namespace tierflow
