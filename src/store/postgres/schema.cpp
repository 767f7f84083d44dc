// SPDX-License-Identifier: MIT
// The PostgreSQL store's schema, version by version, and the code that
// creates or checks it when a store opens.
#include "store/postgres/schema.hpp"

#include <cstdint>

#include <fmt/format.h>

#include <tierflow/postgres_store.hpp>

#include "store/postgres/rows.hpp"
#include "store/store_codec.hpp"

namespace tierflow::detail::postgres {
namespace {

// Serialises schema creation and migration between processes opening the
// same database at once (an arbitrary constant: "tierflow" in ASCII).
constexpr std::int64_t schema_lock_key = 0x74696572666c6f77;

// Version 1 of the schema. Text ids use the "C" collation so that every
// ORDER BY is byte-wise, like the memory store's std::string order.
// Summaries carry the claim of store::claim_due (claimed_by, claim_until).
constexpr const char* schema_v1 = R"sql(
CREATE SCHEMA IF NOT EXISTS tierflow;
CREATE TABLE tierflow.events (
  stream           text COLLATE "C" NOT NULL,
  seq              bigint NOT NULL CHECK (seq >= 1),
  time             bigint NOT NULL,
  actor            text COLLATE "C" NOT NULL,
  workflow_id      text COLLATE "C" NOT NULL,
  workflow_version bigint NOT NULL,
  type             smallint NOT NULL,
  details          bytea NOT NULL,
  prev_hash        bytea NOT NULL,
  hash             bytea NOT NULL,
  PRIMARY KEY (stream, seq)
);
CREATE TABLE tierflow.heads (
  stream  text COLLATE "C" PRIMARY KEY,
  version bigint NOT NULL,
  head    bytea NOT NULL
);
CREATE TABLE tierflow.summaries (
  ticket_id        text COLLATE "C" PRIMARY KEY,
  customer_id      text COLLATE "C" NOT NULL,
  ticket_type      text COLLATE "C" NOT NULL,
  workflow_id      text COLLATE "C" NOT NULL,
  workflow_version bigint NOT NULL,
  state            text COLLATE "C" NOT NULL,
  unit             text COLLATE "C" NOT NULL,
  region           text COLLATE "C" NOT NULL,
  owner            text COLLATE "C" NOT NULL,
  assignee         text COLLATE "C" NOT NULL,
  closed           boolean NOT NULL,
  opened_at        bigint NOT NULL,
  closed_at        bigint,
  next_timer       bigint,
  nearest_due      bigint,
  version          bigint NOT NULL,
  claimed_by       text,
  claim_until      timestamptz
);
CREATE INDEX summaries_queue ON tierflow.summaries (unit, region, nearest_due, ticket_id)
  WHERE NOT closed;
CREATE INDEX summaries_customer ON tierflow.summaries (customer_id, opened_at, ticket_id);
CREATE INDEX summaries_due ON tierflow.summaries (next_timer, ticket_id)
  WHERE next_timer IS NOT NULL;
CREATE SEQUENCE tierflow.ticket_numbers AS bigint START 1;
CREATE FUNCTION tierflow.refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'tierflow: events are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON tierflow.events
  FOR EACH ROW EXECUTE FUNCTION tierflow.refuse_event_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON tierflow.events
  FOR EACH STATEMENT EXECUTE FUNCTION tierflow.refuse_event_change();
INSERT INTO tierflow.tierflow_schema (version) VALUES (1);
)sql";

// The one-row table recording the schema version; made first, on its own,
// so that a database is recognised as tierflow's by it alone.
constexpr const char* schema_table = R"sql(
CREATE SCHEMA IF NOT EXISTS tierflow;
CREATE TABLE tierflow.tierflow_schema (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version   integer NOT NULL
);
)sql";

// Version 2: summary seals (detail::summary_seal), written with each row
// in the append's transaction and checked on every read. Rows already there
// are sealed by seal_existing_rows from the row as it is and its stream's
// head as it is: the upgrade blesses them as they stand.
constexpr const char* schema_v2 = R"sql(
ALTER TABLE tierflow.summaries ADD COLUMN seal bytea;
UPDATE tierflow.tierflow_schema SET version = 2;
)sql";

pg::outcome<bool> seal_existing_rows(pg::connection& c) {
  auto rows = c.exec(sealed_summary_select(false).c_str());
  if (!rows) return fail(rows.error());
  const int n = PQntuples(rows->get());
  for (int i = 0; i < n; ++i) {
    pg::row_reader row(rows->get(), i);
    auto sealed = read_sealed_row(row);
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
    if (!sealed) return fail(pg::failure{sealed.error(), false});
    const event_hash seal = summary_seal(sealed->summary, sealed->head.version, sealed->head.head);
    pg::params p;
    p.text(sealed->summary.ticket_id).bytes(seal.data(), seal.size());
    if (auto r = c.exec("UPDATE tierflow.summaries SET seal = $2 WHERE ticket_id = $1", p); !r) {
      return fail(r.error());
    }
  }
  return true;
}

}  // namespace

result<int> prepare_schema(pg::connection& c, bool read_only) {
  const auto failed = [&](const pg::failure& f) {
    if (!read_only) c.rollback();
    return fail(f.err);
  };
  if (!read_only) {
    if (auto r = c.script("BEGIN"); !r) return failed(r.error());
    pg::params lock;
    lock.int8(schema_lock_key);
    if (auto r = c.exec("SELECT pg_advisory_xact_lock($1)", lock); !r) return failed(r.error());
  }
  auto exists = c.exec("SELECT to_regclass('tierflow.tierflow_schema') IS NOT NULL");
  if (!exists) return failed(exists.error());
  pg::row_reader row(exists->get(), 0);
  const bool has_schema = row.boolean();
  if (!row.ok()) return failed(pg::failure{row.take_error(), false});

  int version = 0;
  if (has_schema) {
    auto v = c.exec("SELECT version::bigint FROM tierflow.tierflow_schema");
    if (!v) return failed(v.error());
    if (PQntuples(v->get()) != 1) {
      if (!read_only) c.rollback();
      return fail(errc::io_error, "postgres: tierflow.tierflow_schema does not hold one version row");
    }
    pg::row_reader vrow(v->get(), 0);
    version = static_cast<int>(vrow.int8());
    if (!vrow.ok()) return failed(pg::failure{vrow.take_error(), false});
  }
  if (version > postgres_store::schema_version) {
    if (!read_only) c.rollback();
    return fail(errc::incompatible,
                fmt::format("postgres: the database holds tierflow schema version {}, this build "
                            "knows up to {}: upgrade tierflow (nothing was changed)",
                            version, postgres_store::schema_version));
  }
  if (read_only) {
    if (version == 0) return fail(errc::io_error, "postgres: the database holds no tierflow schema");
    return version;
  }
  // Migrations, oldest first; version 1 is the first schema.
  if (version < 1) {
    if (auto r = c.script(schema_table); !r) return failed(r.error());
    if (auto r = c.script(schema_v1); !r) return failed(r.error());
  }
  if (version < 2) {
    if (auto r = c.script(schema_v2); !r) return failed(r.error());
    if (auto r = seal_existing_rows(c); !r) return failed(r.error());
  }
  if (auto r = c.script("COMMIT"); !r) return failed(r.error());
  return postgres_store::schema_version;
}

}  // namespace tierflow::detail::postgres
