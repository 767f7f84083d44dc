// SPDX-License-Identifier: MIT
// The PostgreSQL store: events, stream heads and ticket summaries in the
// schema `tierflow`, written through a pool of libpq connections. See
// postgres_store.hpp for the guarantees; the comments here say how.
#include <tierflow/postgres_store.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "store/postgres/pg_connection.hpp"
#include "store/append_checks.hpp"
#include "store/store_codec.hpp"

namespace tierflow {
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

constexpr const char* summary_columns =
    "ticket_id, customer_id, ticket_type, workflow_id, workflow_version, state, unit, region,"
    " owner, assignee, closed, opened_at, closed_at, next_timer, nearest_due, version";

constexpr std::size_t events_per_insert = 1000;  // 10 parameters each; the limit is 65535

bool has_nul(std::string_view s) noexcept { return s.find('\0') != std::string_view::npos; }

std::int64_t seconds(timestamp t) noexcept { return t.time_since_epoch().count(); }
timestamp from_seconds(std::int64_t s) noexcept { return timestamp{std::chrono::seconds{s}}; }

std::optional<std::int64_t> seconds(const std::optional<timestamp>& t) {
  if (!t) return std::nullopt;
  return seconds(*t);
}
std::optional<timestamp> from_seconds(const std::optional<std::int64_t>& s) {
  if (!s) return std::nullopt;
  return from_seconds(*s);
}

std::int64_t clamp_limit(std::size_t n) noexcept {
  return n > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())
             ? std::numeric_limits<std::int64_t>::max()
             : static_cast<std::int64_t>(n);
}

// This handle's name in claimed_by: unique across hosts, processes and
// handles of one process.
std::string make_claimant() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::random_device rd;
  const std::uint64_t nonce = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return fmt::format("{}:{}:{:016x}", host.data(), static_cast<long>(getpid()), nonce);
}

ticket_summary read_summary(pg::row_reader& row) {
  ticket_summary s;
  s.ticket_id = row.text();
  s.customer_id = row.text();
  s.ticket_type = row.text();
  s.workflow_id = row.text();
  s.workflow_version = static_cast<std::uint32_t>(row.int8());
  s.state = row.text();
  s.unit = row.text();
  s.region = row.text();
  s.owner = row.text();
  s.assignee = row.text();
  s.closed = row.boolean();
  s.opened_at = from_seconds(row.int8());
  s.closed_at = from_seconds(row.optional_int8());
  s.next_timer = from_seconds(row.optional_int8());
  s.nearest_due = from_seconds(row.optional_int8());
  s.version = static_cast<std::uint64_t>(row.int8());
  return s;
}

pg::outcome<std::vector<ticket_summary>> summaries_of(const pg::result_ptr& r) {
  std::vector<ticket_summary> out;
  const int rows = PQntuples(r.get());
  out.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    pg::row_reader row(r.get(), i);
    out.push_back(read_summary(row));
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
  }
  return out;
}

pg::outcome<std::vector<due_ticket>> due_of(const pg::result_ptr& r) {
  std::vector<due_ticket> out;
  const int rows = PQntuples(r.get());
  out.reserve(static_cast<std::size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    pg::row_reader row(r.get(), i);
    due_ticket d;
    d.ticket_id = row.text();
    d.due = from_seconds(row.int8());
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
    out.push_back(std::move(d));
  }
  return out;
}

pg::outcome<store::stream_head> head_of(const pg::result_ptr& r) {
  store::stream_head h;
  if (PQntuples(r.get()) == 0) return h;
  pg::row_reader row(r.get(), 0);
  h.version = static_cast<std::uint64_t>(row.int8());
  auto hash = detail::hash_from_bytes(row.bytes());
  if (!row.ok()) return fail(pg::failure{row.take_error(), false});
  if (!hash) return fail(pg::failure{hash.error(), false});
  h.head = *hash;
  return h;
}

pg::outcome<pg::result_ptr> select_head(pg::connection& c, std::string_view stream, bool lock) {
  pg::params p;
  p.text(stream);
  return c.exec(lock ? "SELECT version, head FROM tierflow.heads WHERE stream = $1 FOR UPDATE"
                     : "SELECT version, head FROM tierflow.heads WHERE stream = $1",
                p);
}

// How an append attempt ended when it did not succeed.
enum class append_end : std::uint8_t {
  refused,            // an error to report as is (conflict, invalid, io); rolled back
  lost_before_commit, // the connection dropped before COMMIT was sent: nothing landed
  lost_at_commit,     // COMMIT was sent and its answer lost: it may have landed
};
struct append_failure {
  append_end end;
  error err;
};
[[nodiscard]] auto fail(append_failure f) { return detail::unexpected_with(std::move(f)); }
using tierflow::fail;

}  // namespace

struct postgres_store::impl {
  impl(pg::settings s, const store_options& o)
      : connections(std::move(s), o.connections), options(o), claimant(make_claimant()) {}

  pg::pool connections;
  store_options options;
  std::string claimant;

  // Runs a read on a pooled connection; a dropped connection is reset and
  // the read tried once more.
  template <class T, class F>
  result<T> read(F&& run) {
    auto c = connections.acquire();
    if (!c) return fail(c.error());
    for (int attempt = 0;; ++attempt) {
      pg::outcome<T> out = run(**c);
      if (out) return std::move(*out);
      if (!out.error().connection_lost || attempt > 0) return fail(out.error().err);
      if (auto ok = (*c)->reset(); !ok) return fail(ok.error());
    }
  }

  result<void> writable(std::string_view what) const {
    if (options.read_only) {
      return fail(errc::io_error, fmt::format("postgres: {}: the store was opened read-only", what));
    }
    return {};
  }

  detail::expected_with<void, append_failure> try_append(pg::connection& c, const append_request& request,
                                                const std::vector<std::string>& details);
};

namespace {

// The schema: created when missing, refused when newer, inside one
// transaction under an advisory lock so that concurrent opens do not race.
result<void> prepare_schema(pg::connection& c, bool read_only) {
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
    return {};
  }
  // Migrations, oldest first; version 1 is the first schema.
  if (version < 1) {
    if (auto r = c.script(schema_table); !r) return failed(r.error());
    if (auto r = c.script(schema_v1); !r) return failed(r.error());
  }
  if (auto r = c.script("COMMIT"); !r) return failed(r.error());
  return {};
}

}  // namespace

postgres_store::postgres_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
postgres_store::~postgres_store() = default;

result<std::unique_ptr<postgres_store>> postgres_store::open(const std::string& conninfo,
                                                             const store_options& options) {
  pg::settings s;
  s.conninfo = conninfo;
  s.lock_timeout = options.busy_timeout;
  s.read_only = options.read_only;
  auto state = std::make_unique<impl>(std::move(s), options);
  auto first = pg::connection::connect(state->connections.session());
  if (!first) return fail(first.error());
  if (auto ok = prepare_schema(**first, options.read_only); !ok) return fail(ok.error());
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

detail::expected_with<void, append_failure> postgres_store::impl::try_append(
    pg::connection& c, const append_request& request, const std::vector<std::string>& details) {
  const auto refused = [](error e) {
    return fail(append_failure{append_end::refused, std::move(e)});
  };
  // A statement failed before COMMIT: the transaction is void either way.
  const auto abort = [&](const pg::failure& f) {
    if (f.connection_lost) return fail(append_failure{append_end::lost_before_commit, f.err});
    c.rollback();
    return fail(append_failure{append_end::refused, f.err});
  };
  const event_hash zero{};
  const std::string_view id = request.ticket_id;

  if (auto r = c.script("BEGIN"); !r) return abort(r.error());
  if (request.expected_version == 0) {
    // A new stream: its head row is made here (and vanishes on rollback), so
    // that two writers of one new ticket queue on the same row lock.
    pg::params p;
    p.text(id).bytes(zero.data(), zero.size());
    if (auto r = c.exec(
            "INSERT INTO tierflow.heads (stream, version, head) VALUES ($1, 0, $2)"
            " ON CONFLICT (stream) DO NOTHING",
            p);
        !r) {
      return abort(r.error());
    }
  }
  auto locked = select_head(c, id, true);
  if (!locked) return abort(locked.error());
  auto head = head_of(*locked);
  if (!head) return abort(head.error());
  if (auto current = detail::check_append_version(request, head->version); !current) {
    c.rollback();
    return refused(std::move(current).error());
  }
  if (auto linked = detail::check_append_link(request, head->head); !linked) {
    c.rollback();
    return refused(std::move(linked).error());
  }

  for (std::size_t from = 0; from < request.events.size(); from += events_per_insert) {
    const std::size_t to = std::min(request.events.size(), from + events_per_insert);
    std::string sql =
        "INSERT INTO tierflow.events (stream, seq, time, actor, workflow_id, workflow_version,"
        " type, details, prev_hash, hash) VALUES ";
    pg::params p;
    for (std::size_t i = from; i < to; ++i) {
      const event& e = request.events[i];
      const std::size_t base = (i - from) * 10;
      sql += fmt::format("{}(${},${},${},${},${},${},${},${},${},${})", i == from ? "" : ",",
                         base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7,
                         base + 8, base + 9, base + 10);
      p.text(id)
          .int8(static_cast<std::int64_t>(e.sequence))
          .int8(seconds(e.time))
          .text(e.actor_id)
          .text(e.workflow_id)
          .int8(static_cast<std::int64_t>(e.workflow_version))
          .int2(static_cast<std::int16_t>(e.type))
          .bytes(details[i])
          .bytes(e.prev_hash.data(), e.prev_hash.size())
          .bytes(e.hash.data(), e.hash.size());
    }
    if (auto r = c.exec(sql.c_str(), p); !r) return abort(r.error());
  }

  {
    const event_hash& last = request.events.back().hash;
    pg::params p;
    p.text(id)
        .int8(static_cast<std::int64_t>(request.expected_version + request.events.size()))
        .bytes(last.data(), last.size());
    if (auto r = c.exec("UPDATE tierflow.heads SET version = $2, head = $3 WHERE stream = $1", p); !r) {
      return abort(r.error());
    }
  }

  // The summary, and the end of any claim on the ticket (store::claim_due):
  // an append is what a claim waits for.
  if (const ticket_summary* s = request.summary; s != nullptr) {
    pg::params p;
    p.text(s->ticket_id)
        .text(s->customer_id)
        .text(s->ticket_type)
        .text(s->workflow_id)
        .int8(static_cast<std::int64_t>(s->workflow_version))
        .text(s->state)
        .text(s->unit)
        .text(s->region)
        .text(s->owner)
        .text(s->assignee)
        .boolean(s->closed)
        .int8(seconds(s->opened_at))
        .int8(seconds(s->closed_at))
        .int8(seconds(s->next_timer))
        .int8(seconds(s->nearest_due))
        .int8(static_cast<std::int64_t>(s->version));
    const auto r = c.exec(
        "INSERT INTO tierflow.summaries (ticket_id, customer_id, ticket_type, workflow_id,"
        " workflow_version, state, unit, region, owner, assignee, closed, opened_at, closed_at,"
        " next_timer, nearest_due, version, claimed_by, claim_until)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,NULL,NULL)"
        " ON CONFLICT (ticket_id) DO UPDATE SET customer_id = EXCLUDED.customer_id,"
        " ticket_type = EXCLUDED.ticket_type, workflow_id = EXCLUDED.workflow_id,"
        " workflow_version = EXCLUDED.workflow_version, state = EXCLUDED.state,"
        " unit = EXCLUDED.unit, region = EXCLUDED.region, owner = EXCLUDED.owner,"
        " assignee = EXCLUDED.assignee, closed = EXCLUDED.closed, opened_at = EXCLUDED.opened_at,"
        " closed_at = EXCLUDED.closed_at, next_timer = EXCLUDED.next_timer,"
        " nearest_due = EXCLUDED.nearest_due, version = EXCLUDED.version,"
        " claimed_by = NULL, claim_until = NULL",
        p);
    if (!r) return abort(r.error());
  } else {
    pg::params p;
    p.text(id);
    const auto r = c.exec(
        "UPDATE tierflow.summaries SET claimed_by = NULL, claim_until = NULL"
        " WHERE ticket_id = $1 AND claimed_by IS NOT NULL",
        p);
    if (!r) return abort(r.error());
  }

  if (auto r = c.script("COMMIT"); !r) {
    if (r.error().connection_lost) {
      return fail(append_failure{append_end::lost_at_commit, r.error().err});
    }
    c.rollback();
    return refused(r.error().err);
  }
  return {};
}

result<void> postgres_store::append(const append_request& request) {
  // Everything that needs no stored state is checked before the database is
  // touched. PostgreSQL text cannot hold NUL bytes, so ids, actors and the
  // summary's text with one are refused here (event details are bytea).
  const std::string_view id = request.ticket_id;
  if (auto ok = detail::check_append_ids(request); !ok) return ok;
  if (has_nul(id)) {
    return fail(errc::invalid_argument, "postgres: a ticket id with a NUL byte cannot be stored");
  }
  if (request.expected_version >
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - request.events.size()) {
    return fail(errc::invalid_argument, fmt::format("ticket {}: stream version out of range", id));
  }
  // The first link is checked against the stored head inside the transaction.
  if (auto ok = detail::check_append_events(request, nullptr); !ok) return ok;
  for (const event& e : request.events) {
    if (has_nul(e.actor_id) || has_nul(e.workflow_id)) {
      return fail(errc::invalid_argument,
                  fmt::format("ticket {}: event {}: postgres text cannot hold NUL bytes", id, e.sequence));
    }
  }
  if (const ticket_summary* s = request.summary; s != nullptr) {
    for (const std::string* text : {&s->customer_id, &s->ticket_type, &s->workflow_id, &s->state,
                                    &s->unit, &s->region, &s->owner, &s->assignee}) {
      if (has_nul(*text)) {
        return fail(errc::invalid_argument,
                    fmt::format("ticket {}: summary: postgres text cannot hold NUL bytes", id));
      }
    }
  }
  if (auto ok = impl_->writable("append"); !ok) return ok;

  std::vector<std::string> details;
  details.reserve(request.events.size());
  for (const event& e : request.events) details.push_back(detail::encode_details(e.details));

  auto c = impl_->connections.acquire();
  if (!c) return fail(c.error());
  const std::uint64_t landed_version = request.expected_version + request.events.size();
  for (int attempt = 0;; ++attempt) {
    auto out = impl_->try_append(**c, request, details);
    if (out) return {};
    append_failure& f = out.error();
    if (f.end == append_end::refused) return fail(std::move(f.err));
    // The connection dropped: reconnect; without a connection nothing more
    // can be known, and nothing was half-written (a transaction is whole).
    if (auto ok = (*c)->reset(); !ok) {
      return fail(errc::io_error, fmt::format("ticket {}: {} (the append may have landed whole or not "
                                              "at all; reload the ticket)",
                                              id, ok.error().message()));
    }
    if (f.end == append_end::lost_at_commit) {
      // Did the commit land? The head says: ours (it landed), unchanged (it
      // did not), or another writer's (a conflict either way).
      auto h = select_head(**c, id, false);
      if (!h) return fail(std::move(h.error().err));
      auto head = head_of(*h);
      if (!head) return fail(std::move(head.error().err));
      if (head->version == landed_version && head->head == request.events.back().hash) return {};
      if (head->version != request.expected_version) {
        return fail(errc::conflict, fmt::format("ticket {}: expected version {}, store has {}", id,
                                                request.expected_version, head->version));
      }
    }
    if (attempt > 0) return fail(std::move(f.err));
  }
}

result<std::vector<event>> postgres_store::load(std::string_view ticket_id) const {
  if (has_nul(ticket_id)) return std::vector<event>{};  // never stored (append refuses it)
  return impl_->read<std::vector<event>>([&](pg::connection& c) -> pg::outcome<std::vector<event>> {
    pg::params p;
    p.text(ticket_id);
    auto r = c.exec(
        "SELECT seq, time, actor, workflow_id, workflow_version, type, details, prev_hash, hash"
        " FROM tierflow.events WHERE stream = $1 ORDER BY seq",
        p);
    if (!r) return fail(r.error());
    std::vector<event> out;
    const int rows = PQntuples(r->get());
    out.reserve(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i) {
      pg::row_reader row(r->get(), i);
      event e;
      e.ticket_id = std::string(ticket_id);
      e.sequence = static_cast<std::uint64_t>(row.int8());
      e.time = from_seconds(row.int8());
      e.actor_id = row.text();
      e.workflow_id = row.text();
      e.workflow_version = static_cast<std::uint32_t>(row.int8());
      e.type = static_cast<event_type>(row.int2());
      auto details = detail::decode_details(row.bytes());
      auto prev = detail::hash_from_bytes(row.bytes());
      auto hash = detail::hash_from_bytes(row.bytes());
      if (!row.ok()) return fail(pg::failure{row.take_error(), false});
      for (auto* part : {&prev, &hash}) {
        if (!*part) return fail(pg::failure{part->error(), false});
      }
      if (!details) return fail(pg::failure{details.error(), false});
      e.details = std::move(*details);
      e.prev_hash = *prev;
      e.hash = *hash;
      out.push_back(std::move(e));
    }
    return out;
  });
}

result<store::stream_head> postgres_store::head(std::string_view ticket_id) const {
  if (has_nul(ticket_id)) return stream_head{};
  return impl_->read<stream_head>([&](pg::connection& c) -> pg::outcome<stream_head> {
    auto r = select_head(c, ticket_id, false);
    if (!r) return fail(r.error());
    return head_of(*r);
  });
}

result<std::uint64_t> postgres_store::next_ticket_number() {
  if (auto ok = impl_->writable("next ticket number"); !ok) return fail(ok.error());
  return impl_->read<std::uint64_t>([&](pg::connection& c) -> pg::outcome<std::uint64_t> {
    auto r = c.exec("SELECT nextval('tierflow.ticket_numbers')");
    if (!r) return fail(r.error());
    pg::row_reader row(r->get(), 0);
    const auto n = row.int8();
    if (!row.ok()) return fail(pg::failure{row.take_error(), false});
    return static_cast<std::uint64_t>(n);
  });
}

result<ticket_summary> postgres_store::summary(std::string_view ticket_id) const {
  auto found = [&]() -> result<std::vector<ticket_summary>> {
    if (has_nul(ticket_id)) return std::vector<ticket_summary>{};
    return impl_->read<std::vector<ticket_summary>>(
        [&](pg::connection& c) -> pg::outcome<std::vector<ticket_summary>> {
          pg::params p;
          p.text(ticket_id);
          auto r = c.exec(
              fmt::format("SELECT {} FROM tierflow.summaries WHERE ticket_id = $1", summary_columns)
                  .c_str(),
              p);
          if (!r) return fail(r.error());
          return summaries_of(*r);
        });
  }();
  if (!found) return fail(found.error());
  if (found->empty()) return fail(errc::not_found, fmt::format("ticket {}: not found", ticket_id));
  return std::move(found->front());
}

result<std::vector<ticket_summary>> postgres_store::queue(std::string_view unit,
                                                          std::string_view region) const {
  if (has_nul(unit) || has_nul(region)) return std::vector<ticket_summary>{};
  return impl_->read<std::vector<ticket_summary>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<ticket_summary>> {
        pg::params p;
        p.text(unit).text(region);
        auto r = c.exec(fmt::format("SELECT {} FROM tierflow.summaries WHERE NOT closed AND unit = $1"
                                    " AND region = $2 ORDER BY nearest_due ASC NULLS LAST, ticket_id",
                                    summary_columns)
                            .c_str(),
                        p);
        if (!r) return fail(r.error());
        return summaries_of(*r);
      });
}

result<std::vector<ticket_summary>> postgres_store::customer_tickets(
    std::string_view customer_id) const {
  if (has_nul(customer_id)) return std::vector<ticket_summary>{};
  return impl_->read<std::vector<ticket_summary>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<ticket_summary>> {
        pg::params p;
        p.text(customer_id);
        auto r = c.exec(fmt::format("SELECT {} FROM tierflow.summaries WHERE customer_id = $1"
                                    " ORDER BY opened_at, ticket_id",
                                    summary_columns)
                            .c_str(),
                        p);
        if (!r) return fail(r.error());
        return summaries_of(*r);
      });
}

result<std::vector<due_ticket>> postgres_store::due(timestamp now, std::size_t limit) const {
  if (limit == 0) return std::vector<due_ticket>{};
  return impl_->read<std::vector<due_ticket>>([&](pg::connection& c) -> pg::outcome<std::vector<due_ticket>> {
    pg::params p;
    p.int8(seconds(now)).int8(clamp_limit(limit));
    auto r = c.exec(
        "SELECT ticket_id, next_timer FROM tierflow.summaries WHERE next_timer <= $1"
        " ORDER BY next_timer, ticket_id LIMIT $2",
        p);
    if (!r) return fail(r.error());
    return due_of(*r);
  });
}

result<std::vector<due_ticket>> postgres_store::claim_due(timestamp now, std::size_t limit) {
  if (auto ok = impl_->writable("claiming due tickets"); !ok) return fail(ok.error());
  if (limit == 0) return std::vector<due_ticket>{};
  auto claimed = impl_->read<std::vector<due_ticket>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<due_ticket>> {
        // One statement, so one implicit transaction. SKIP LOCKED leaves
        // tickets another handle is claiming (or appending to) right now to
        // it; the lease runs on the server's clock, the only one all
        // handles share; this handle's own claims do not hide tickets from
        // it.
        pg::params p;
        p.text(impl_->claimant)
            .int8(static_cast<std::int64_t>(impl_->options.claim_lease.count()))
            .int8(seconds(now))
            .int8(clamp_limit(limit));
        auto r = c.exec(
            "UPDATE tierflow.summaries SET claimed_by = $1,"
            " claim_until = clock_timestamp() + $2::float8 * interval '1 second'"
            " WHERE ticket_id IN (SELECT ticket_id FROM tierflow.summaries"
            "   WHERE next_timer <= $3"
            "   AND (claim_until IS NULL OR claim_until < clock_timestamp() OR claimed_by = $1)"
            "   ORDER BY next_timer, ticket_id LIMIT $4 FOR UPDATE SKIP LOCKED)"
            " RETURNING ticket_id, next_timer",
            p);
        if (!r) return fail(r.error());
        return due_of(*r);
      });
  if (!claimed) return claimed;
  std::sort(claimed->begin(), claimed->end(), [](const due_ticket& a, const due_ticket& b) {
    return std::tie(a.due, a.ticket_id) < std::tie(b.due, b.ticket_id);
  });
  return claimed;
}

result<std::vector<ticket_summary>> postgres_store::open_tickets() const {
  return impl_->read<std::vector<ticket_summary>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<ticket_summary>> {
        auto r = c.exec(
            fmt::format("SELECT {} FROM tierflow.summaries WHERE NOT closed ORDER BY ticket_id",
                        summary_columns)
                .c_str());
        if (!r) return fail(r.error());
        return summaries_of(*r);
      });
}

result<std::vector<std::string>> postgres_store::streams() const {
  return impl_->read<std::vector<std::string>>(
      [&](pg::connection& c) -> pg::outcome<std::vector<std::string>> {
        auto r = c.exec("SELECT stream FROM tierflow.heads WHERE version > 0 ORDER BY stream");
        if (!r) return fail(r.error());
        std::vector<std::string> out;
        const int rows = PQntuples(r->get());
        out.reserve(static_cast<std::size_t>(rows));
        for (int i = 0; i < rows; ++i) {
          pg::row_reader row(r->get(), i);
          out.push_back(row.text());
          if (!row.ok()) return fail(pg::failure{row.take_error(), false});
        }
        return out;
      });
}

}  // namespace tierflow
