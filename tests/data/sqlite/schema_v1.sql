CREATE TABLE tierflow_events (
  stream_id        TEXT    NOT NULL COLLATE BINARY,
  sequence         INTEGER NOT NULL CHECK (sequence >= 1),
  time             INTEGER NOT NULL,
  actor_id         TEXT    NOT NULL,
  workflow_id      TEXT    NOT NULL,
  workflow_version INTEGER NOT NULL,
  type             INTEGER NOT NULL,
  details          BLOB    NOT NULL,
  prev_hash        BLOB    NOT NULL CHECK (length(prev_hash) = 32),
  hash             BLOB    NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (stream_id, sequence)
) WITHOUT ROWID;

CREATE TRIGGER tierflow_events_no_update BEFORE UPDATE ON tierflow_events
BEGIN
  SELECT RAISE(ABORT, 'tierflow: events are append-only');
END;

CREATE TRIGGER tierflow_events_no_delete BEFORE DELETE ON tierflow_events
BEGIN
  SELECT RAISE(ABORT, 'tierflow: events are append-only');
END;

CREATE TABLE tierflow_streams (
  stream_id TEXT    NOT NULL PRIMARY KEY COLLATE BINARY,
  version   INTEGER NOT NULL CHECK (version >= 1),
  head      BLOB    NOT NULL CHECK (length(head) = 32)
) WITHOUT ROWID;

CREATE TABLE tierflow_tickets (
  ticket_id        TEXT    NOT NULL PRIMARY KEY COLLATE BINARY,
  customer_id      TEXT    NOT NULL COLLATE BINARY,
  ticket_type      TEXT    NOT NULL,
  workflow_id      TEXT    NOT NULL,
  workflow_version INTEGER NOT NULL,
  state            TEXT    NOT NULL,
  unit             TEXT    NOT NULL COLLATE BINARY,
  region           TEXT    NOT NULL COLLATE BINARY,
  owner            TEXT    NOT NULL,
  assignee         TEXT    NOT NULL,
  closed           INTEGER NOT NULL CHECK (closed IN (0, 1)),
  opened_at        INTEGER NOT NULL,
  closed_at        INTEGER,
  next_timer       INTEGER,
  nearest_due      INTEGER,
  version          INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tierflow_counters (
  name  TEXT    NOT NULL PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO tierflow_counters (name, value) VALUES ('ticket_number', 0);
