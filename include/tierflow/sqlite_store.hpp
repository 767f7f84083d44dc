// SPDX-License-Identifier: MIT
// The SQLite store: the embedded, durable default (`sqlite:PATH`).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>

namespace tierflow {

/// A store in one SQLite database file, in WAL mode.
///
/// Each append is one transaction (events, stream head, summary and
/// indexes); with durability::per_command it is synced when append
/// returns. Event tables are append-only in the database itself: triggers
/// abort every UPDATE and DELETE on them. The schema carries a version
/// (`PRAGMA user_version`); opening applies the forward migrations of an
/// older file and refuses a newer one with errc::incompatible. Several
/// processes may open one file (shared() is true); SQLite serialises their
/// writers and the expected-version check decides races.
class sqlite_store final : public store {
 public:
  /// The schema version this build writes.
  static constexpr int schema_version = 1;

  /// Opens (creating when allowed) the database at `path`.
  /// Errors: errc::io_error (missing and not to be created, unreadable,
  /// not a database, locked past the busy timeout), errc::incompatible.
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
  [[nodiscard]] bool shared() const noexcept override { return true; }
  [[nodiscard]] result<void> flush() override;

 private:
  struct impl;
  explicit sqlite_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace tierflow
