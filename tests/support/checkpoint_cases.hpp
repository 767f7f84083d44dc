// SPDX-License-Identifier: MIT
// Streams for the checkpoint tests (checkpoint_test, cli_checkpoint_test):
// sealed events appended with the store API, and the insider's attack that
// checkpoints exist to catch — a SQLite chain rewritten and re-sealed behind
// the store's back, triggers dropped, every later hash and the recorded head
// recomputed, so that the plain verifier passes it.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/event.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>
#include <tierflow/time.hpp>

namespace tierflow_test {

namespace tf = tierflow;

/// The time of the first event (2026-11-17).
inline const tf::timestamp t0 = tf::timestamp{std::chrono::seconds{1'795'000'000}};

/// Appends `count` sealed `noted` events to `stream` of `s`, after what it holds.
inline void append_events(tf::store& s, const std::string& stream, int count) {
  const auto head = s.head(stream);
  REQUIRE(head.has_value());
  std::vector<tf::event> batch;
  for (int i = 0; i < count; ++i) {
    tf::event e;
    e.ticket_id = stream;
    e.sequence = head->version + static_cast<std::uint64_t>(i) + 1;
    e.time = t0 + std::chrono::minutes(static_cast<std::int64_t>(e.sequence));
    e.actor_id = "csr_01";
    e.workflow_id = "complaint";
    e.workflow_version = 1;
    e.type = tf::event_type::noted;
    e.details = {{"note", "call " + std::to_string(e.sequence)}};
    batch.push_back(std::move(e));
  }
  (void)tf::seal(batch, head->head);
  tf::append_request request;
  request.ticket_id = stream;
  request.expected_version = head->version;
  request.events = batch;
  const auto appended = s.append(request);
  REQUIRE_MESSAGE(appended.has_value(), (appended ? std::string() : appended.error().message()));
}

/// A raw connection to a SQLite file, as an attacker with the file has.
struct sqlite_db {
  sqlite3* db = nullptr;
  explicit sqlite_db(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  }
  ~sqlite_db() { sqlite3_close(db); }
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;

  void exec(const std::string& sql) const {
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    const std::string text = message ? message : "";
    sqlite3_free(message);
    REQUIRE_MESSAGE(rc == SQLITE_OK, text);
  }
};

/// What an insider with the database file does: drops the triggers that
/// make events append-only, rewrites event `sequence` of `stream` (its
/// actor), re-seals every later event and records the new head, so that the
/// chain and the head verify again.
/// With `reseal` false, only the event is rewritten (the naive edit that
/// the hash chain alone shows).
inline void rewrite_and_reseal(const std::string& path, const std::string& stream,
                               std::uint64_t sequence, bool reseal = true) {
  std::vector<tf::event> events;
  {
    auto s = tf::open_store("sqlite:" + path);
    REQUIRE(s.has_value());
    auto loaded = (*s)->load(stream);
    REQUIRE(loaded.has_value());
    events = std::move(*loaded);
  }
  REQUIRE(events.size() >= sequence);
  const std::vector<tf::event> before = events;
  events[sequence - 1].actor_id = "rm_forger";
  tf::event_hash head = tf::seal(events, tf::event_hash{});
  if (!reseal) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      events[i].prev_hash = before[i].prev_hash;
      events[i].hash = before[i].hash;
    }
    head = before.back().hash;
  }

  sqlite_db raw(path);
  raw.exec("BEGIN IMMEDIATE");
  sqlite3_stmt* triggers = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw.db, "SELECT name FROM sqlite_master WHERE type = 'trigger'", -1,
                             &triggers, nullptr) == SQLITE_OK);
  std::vector<std::string> names;
  while (sqlite3_step(triggers) == SQLITE_ROW)
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(triggers, 0)));
  sqlite3_finalize(triggers);
  for (const auto& name : names) raw.exec("DROP TRIGGER \"" + name + "\"");

  sqlite3_stmt* update = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw.db,
                             "UPDATE tierflow_events SET actor_id = ?1, prev_hash = ?2, hash = ?3 "
                             "WHERE stream_id = ?4 AND sequence = ?5",
                             -1, &update, nullptr) == SQLITE_OK);
  for (const tf::event& e : events) {
    sqlite3_bind_text(update, 1, e.actor_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(update, 2, e.prev_hash.data(), 32, SQLITE_TRANSIENT);
    sqlite3_bind_blob(update, 3, e.hash.data(), 32, SQLITE_TRANSIENT);
    sqlite3_bind_text(update, 4, stream.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(update, 5, static_cast<sqlite3_int64>(e.sequence));
    REQUIRE(sqlite3_step(update) == SQLITE_DONE);
    REQUIRE(sqlite3_changes(raw.db) == 1);
    sqlite3_reset(update);
  }
  sqlite3_finalize(update);
  sqlite3_stmt* head_update = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw.db, "UPDATE tierflow_streams SET head = ?1 WHERE stream_id = ?2",
                             -1, &head_update, nullptr) == SQLITE_OK);
  sqlite3_bind_blob(head_update, 1, head.data(), 32, SQLITE_TRANSIENT);
  sqlite3_bind_text(head_update, 2, stream.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(head_update) == SQLITE_DONE);
  REQUIRE(sqlite3_changes(raw.db) == 1);
  sqlite3_finalize(head_update);
  raw.exec("COMMIT");
}

}  // namespace tierflow_test
