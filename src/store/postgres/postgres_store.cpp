// SPDX-License-Identifier: MIT
// The PostgreSQL store: events, stream heads and ticket summaries in the
// schema `tierflow`, written through a pool of libpq connections. See
// postgres_store.hpp for the guarantees; the comments here say how.
//
// This file opens a store and has what only a store shared between
// processes needs: the application role and the claims on due tickets.
// schema.cpp makes the schema, append.cpp writes, reads.cpp reads.
#include <tierflow/postgres_store.hpp>

#include <unistd.h>

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/rows.hpp"
#include "store/postgres/schema.hpp"
#include "store/postgres/store_impl.hpp"

namespace tierflow {
namespace {

using detail::postgres::clamp_limit;
using detail::postgres::has_nul;
using detail::postgres::seconds;

// This handle's name in claimed_by: unique across hosts, processes and
// handles of one process.
std::string make_claimant() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::random_device rd;
  const std::uint64_t nonce = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return fmt::format("{}:{}:{:016x}", host.data(), static_cast<long>(getpid()), nonce);
}

}  // namespace

postgres_store::impl::impl(pg::settings s, const store_options& o)
    : connections(std::move(s), o.connections), options(o), claimant(make_claimant()) {}

result<void> postgres_store::impl::writable(std::string_view what) const {
  if (options.read_only) {
    return fail(errc::io_error, fmt::format("postgres: {}: the store was opened read-only", what));
  }
  return {};
}

postgres_store::postgres_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
postgres_store::~postgres_store() = default;

std::uint64_t postgres_store::round_trips() const noexcept { return impl_->connections.round_trips(); }

result<std::unique_ptr<postgres_store>> postgres_store::open(const std::string& conninfo,
                                                             const store_options& options) {
  pg::settings s;
  s.conninfo = conninfo;
  s.lock_timeout = options.busy_timeout;
  s.read_only = options.read_only;
  auto state = std::make_unique<impl>(std::move(s), options);
  auto first = pg::connection::connect(state->connections.session());
  if (!first) return fail(first.error());
  auto schema = detail::postgres::prepare_schema(**first, options.read_only);
  if (!schema) return fail(schema.error());
  state->sealed = *schema >= 2;
  if (!options.read_only) {
    // The append function exists now (prepare_schema made it if missing).
    using detail::postgres::append_call;
    using detail::postgres::append_statement;
    state->connections.prepare_on_connect(append_statement, append_call);
    if (auto ok = (*first)->prepare(append_statement, append_call); !ok) return fail(ok.error());
  }
  state->connections.adopt(std::move(*first));
  return std::unique_ptr<postgres_store>(new postgres_store(std::move(state)));
}

result<void> postgres_store::grant_app_role(std::string_view role) {
  if (role.empty() || has_nul(role)) {
    return fail(errc::invalid_argument, "postgres: a role name must be non-empty without NUL bytes");
  }
  if (auto ok = impl_->writable("granting a role"); !ok) return ok;
  // The role name reaches the DDL as a bound parameter: stored in a
  // transaction-local setting, quoted by format('%I') on the server.
  return impl_->read<bool>([&](pg::connection& c) -> pg::outcome<bool> {
    if (auto r = c.script("BEGIN"); !r) return fail(r.error());
    pg::params p;
    p.text(role);
    auto run = [&]() -> pg::outcome<bool> {
      if (auto r = c.exec("SELECT set_config('tierflow.app_role', $1, true)", p); !r) {
        return fail(r.error());
      }
      auto r = c.script(R"sql(
DO $$
DECLARE
  r text := current_setting('tierflow.app_role');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN', r);
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA tierflow TO %I', r);
  EXECUTE format('REVOKE ALL ON tierflow.events FROM %I', r);
  EXECUTE format('GRANT SELECT, INSERT ON tierflow.events TO %I', r);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE ON tierflow.heads, tierflow.summaries TO %I', r);
  EXECUTE format('GRANT SELECT ON tierflow.tierflow_schema TO %I', r);
  EXECUTE format('GRANT USAGE ON SEQUENCE tierflow.ticket_numbers TO %I', r);
  EXECUTE format('GRANT EXECUTE ON FUNCTION tierflow.append_events_1 TO %I', r);
END
$$;
COMMIT;
)sql");
      if (!r) return fail(r.error());
      return true;
    };
    auto out = run();
    if (!out) c.rollback();
    return out;
  }).map([](bool) {});
}

result<std::vector<due_ticket>> postgres_store::claim_due(timestamp now, std::size_t limit) {
  if (auto ok = impl_->writable("claiming due tickets"); !ok) return fail(ok.error());
  if (limit == 0) return std::vector<due_ticket>{};
  // As due(): a row that fails its seal is left out and makes room for one
  // more in another round (it stays claimed by this handle until its lease
  // ends, which hides nothing real from anyone).
  std::size_t fetch = limit;
  for (;;) {
    std::size_t left_out = 0;
    std::size_t rows = 0;
    auto claimed = impl_->read<std::vector<ticket_summary>>(
        [&](pg::connection& c) -> pg::outcome<std::vector<ticket_summary>> {
          // One statement, so one implicit transaction. SKIP LOCKED leaves
          // tickets another handle is claiming (or appending to) right now
          // to it; the lease runs on the server's clock, the only one all
          // handles share; this handle's own claims do not hide tickets
          // from it. The outer SELECT reads the claimed rows as the
          // statement's snapshot has them: a claim changes no sealed column.
          pg::params p;
          p.text(impl_->claimant)
              .int8(static_cast<std::int64_t>(impl_->options.claim_lease.count()))
              .int8(seconds(now))
              .int8(clamp_limit(fetch));
          auto r = c.exec(
              ("WITH claimed AS (UPDATE tierflow.summaries SET claimed_by = $1,"
               " claim_until = clock_timestamp() + $2::float8 * interval '1 second'"
               " WHERE ticket_id IN (SELECT ticket_id FROM tierflow.summaries"
               "   WHERE next_timer <= $3"
               "   AND (claim_until IS NULL OR claim_until < clock_timestamp() OR claimed_by = $1)"
               "   ORDER BY next_timer, ticket_id LIMIT $4 FOR UPDATE SKIP LOCKED)"
               " RETURNING ticket_id) " +
               detail::postgres::sealed_summary_select(impl_->sealed) +
               "JOIN claimed ON claimed.ticket_id = s.ticket_id ORDER BY s.next_timer, s.ticket_id")
                  .c_str(),
              p);
          if (!r) return fail(r.error());
          rows = static_cast<std::size_t>(PQntuples(r->get()));
          left_out = 0;
          return detail::postgres::summaries_of(*r, impl_->sealed, &left_out);
        });
    if (!claimed) return fail(claimed.error());
    if (claimed->size() >= limit || rows < fetch || left_out == 0) {
      std::vector<due_ticket> out;
      for (ticket_summary& t : *claimed) {
        if (out.size() == limit) break;
        out.push_back(due_ticket{std::move(t.ticket_id), *t.next_timer});
      }
      return out;
    }
    fetch += left_out;
  }
}

}  // namespace tierflow
