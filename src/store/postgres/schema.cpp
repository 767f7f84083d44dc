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

// The write path of an append in one statement (schema.hpp's append_call
// gives the parameters). It is not part of a numbered schema version, so
// that a database at version 2 keeps its number: prepare_schema makes it
// whenever it is missing. Its name carries its own version: a build that
// needs another body adds tierflow.append_events_2 beside it, and engines
// of the older build keep calling theirs.
//
// Why it writes nothing when it refuses: its only write before the checks
// is the head row of a new stream (expected 0, first link the zero hash),
// and a head row at version 0 holds the zero hash, so a stream whose row
// it has just made passes every check. Any other row it finds was there
// before it (its INSERT did nothing). So a refusal returns with nothing
// written, and its single statement commits nothing; an error anywhere
// rolls the whole statement back. The row lock (FOR UPDATE) is held to the
// end of the statement, so two writers of one stream queue on it and the
// second finds the first's head: a conflict.
constexpr const char* append_function = R"sql(
CREATE OR REPLACE FUNCTION tierflow.append_events_1(
  p_stream text, p_expected bigint, p_first_prev bytea, p_version bigint, p_head bytea,
  p_seq bigint[], p_time bigint[], p_actor text[], p_workflow_id text[],
  p_workflow_version bigint[], p_type smallint[], p_details bytea[], p_prev_hash bytea[],
  p_hash bytea[],
  p_with_summary boolean, p_customer_id text, p_ticket_type text, p_summary_workflow_id text,
  p_summary_workflow_version bigint, p_state text, p_unit text, p_region text, p_owner text,
  p_assignee text, p_closed boolean, p_opened_at bigint, p_closed_at bigint,
  p_next_timer bigint, p_nearest_due bigint, p_summary_version bigint, p_seal bytea,
  OUT stored_version bigint, OUT stored_head bytea, OUT has_summary boolean,
  OUT written boolean)
LANGUAGE plpgsql AS $$
DECLARE
  zero constant bytea := decode(repeat('00', 32), 'hex');
BEGIN
  has_summary := false;
  written := false;
  -- A new stream: its head row is made here, so that two writers of one
  -- new ticket queue on the same row lock.
  IF p_expected = 0 AND p_first_prev = zero THEN
    INSERT INTO tierflow.heads (stream, version, head) VALUES (p_stream, 0, zero)
      ON CONFLICT (stream) DO NOTHING;
  END IF;
  SELECT h.version, h.head INTO stored_version, stored_head
    FROM tierflow.heads h WHERE h.stream = p_stream FOR UPDATE;
  IF NOT FOUND THEN
    stored_version := 0;
    stored_head := zero;
  END IF;
  IF stored_version <> p_expected OR stored_head <> p_first_prev THEN
    RETURN;
  END IF;
  IF NOT p_with_summary AND stored_version > 0 THEN
    has_summary := EXISTS (SELECT 1 FROM tierflow.summaries s WHERE s.ticket_id = p_stream);
    IF has_summary THEN
      RETURN;
    END IF;
  END IF;
  INSERT INTO tierflow.events (stream, seq, time, actor, workflow_id, workflow_version, type,
                               details, prev_hash, hash)
    SELECT p_stream, e.seq, e.time, e.actor, e.workflow_id, e.workflow_version, e.type,
           e.details, e.prev_hash, e.hash
    FROM unnest(p_seq, p_time, p_actor, p_workflow_id, p_workflow_version, p_type, p_details,
                p_prev_hash, p_hash)
      AS e (seq, time, actor, workflow_id, workflow_version, type, details, prev_hash, hash);
  UPDATE tierflow.heads SET version = p_version, head = p_head WHERE stream = p_stream;
  -- The summary, and the end of any claim on the ticket (store::claim_due):
  -- an append is what a claim waits for.
  IF p_with_summary THEN
    INSERT INTO tierflow.summaries (ticket_id, customer_id, ticket_type, workflow_id,
        workflow_version, state, unit, region, owner, assignee, closed, opened_at, closed_at,
        next_timer, nearest_due, version, seal, claimed_by, claim_until)
      VALUES (p_stream, p_customer_id, p_ticket_type, p_summary_workflow_id,
        p_summary_workflow_version, p_state, p_unit, p_region, p_owner, p_assignee, p_closed,
        p_opened_at, p_closed_at, p_next_timer, p_nearest_due, p_summary_version, p_seal,
        NULL, NULL)
      ON CONFLICT (ticket_id) DO UPDATE SET customer_id = EXCLUDED.customer_id,
        ticket_type = EXCLUDED.ticket_type, workflow_id = EXCLUDED.workflow_id,
        workflow_version = EXCLUDED.workflow_version, state = EXCLUDED.state,
        unit = EXCLUDED.unit, region = EXCLUDED.region, owner = EXCLUDED.owner,
        assignee = EXCLUDED.assignee, closed = EXCLUDED.closed, opened_at = EXCLUDED.opened_at,
        closed_at = EXCLUDED.closed_at, next_timer = EXCLUDED.next_timer,
        nearest_due = EXCLUDED.nearest_due, version = EXCLUDED.version, seal = EXCLUDED.seal,
        claimed_by = NULL, claim_until = NULL;
  ELSE
    UPDATE tierflow.summaries SET claimed_by = NULL, claim_until = NULL
      WHERE ticket_id = p_stream AND claimed_by IS NOT NULL;
  END IF;
  written := true;
END
$$;
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
  bool has_append_function = false;
  if (has_schema) {
    auto v = c.exec(
        "SELECT version::bigint, to_regprocedure('tierflow.append_events_1(text, bigint, bytea,"
        " bigint, bytea, bigint[], bigint[], text[], text[], bigint[], smallint[], bytea[], bytea[],"
        " bytea[], boolean, text, text, text, bigint, text, text, text, text, text, boolean, bigint,"
        " bigint, bigint, bigint, bigint, bytea)') IS NOT NULL FROM tierflow.tierflow_schema");
    if (!v) return failed(v.error());
    if (PQntuples(v->get()) != 1) {
      if (!read_only) c.rollback();
      return fail(errc::io_error, "postgres: tierflow.tierflow_schema does not hold one version row");
    }
    pg::row_reader vrow(v->get(), 0);
    version = static_cast<int>(vrow.int8());
    has_append_function = vrow.boolean();
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
  if (!has_append_function) {
    if (auto r = c.script(append_function); !r) return failed(r.error());
  }
  if (auto r = c.script("COMMIT"); !r) return failed(r.error());
  return postgres_store::schema_version;
}

}  // namespace tierflow::detail::postgres
