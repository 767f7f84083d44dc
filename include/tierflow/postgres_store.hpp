// SPDX-License-Identifier: MIT
// The PostgreSQL store: several host CRM servers on one database
// (`postgresql://…`).
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

/// A store in a PostgreSQL database, shared by any number of engine
/// processes.
///
/// Each append is one transaction that checks the stream's expected
/// version under a row lock, so two writers never both move one ticket
/// (the loser gets errc::conflict). claim_due claims due tickets with
/// SELECT … FOR UPDATE SKIP LOCKED and a lease, so each timer is fired by
/// one engine. Event tables are append-only by triggers, and
/// grant_app_role gives the application a role with only INSERT and SELECT
/// on them. A dropped connection is reconnected; an append whose commit
/// was cut off is settled by reading the stream's head (it either landed
/// whole or not at all) and never written twice.
class postgres_store final : public store {
 public:
  /// The schema version this build writes.
  static constexpr int schema_version = 1;

  /// Connects to `conninfo` (a libpq URI or key=value string) and creates
  /// or migrates the schema. Errors: errc::io_error (cannot connect; the
  /// server's message), errc::incompatible (a newer schema).
  [[nodiscard]] static result<std::unique_ptr<postgres_store>> open(const std::string& conninfo,
                                                                    const store_options& options = {});

  /// Creates (if missing) the login-less role `role` and grants it what an
  /// engine needs: INSERT and SELECT on the event tables and nothing more
  /// on them; it may update summaries, heads and claims. Run as the
  /// schema's owner. Error: errc::io_error.
  [[nodiscard]] result<void> grant_app_role(std::string_view role);

  ~postgres_store() override;
  postgres_store(const postgres_store&) = delete;
  postgres_store& operator=(const postgres_store&) = delete;

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
  [[nodiscard]] result<std::vector<due_ticket>> claim_due(timestamp now, std::size_t limit) override;

 private:
  struct impl;
  explicit postgres_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace tierflow
