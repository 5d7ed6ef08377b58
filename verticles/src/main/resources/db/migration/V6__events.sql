-- The transactional outbox of change events (EventOutbox, PgEventOutbox; docs/ARCHITECTURE.md §5). A mutation
-- inserts its event in its own transaction; the outbox relay (OutboxRelay) publishes unpublished rows to Kafka in
-- seq order and then sets published_at. seq is the global order (a bigserial: unique and increasing in insertion
-- order, with gaps after rollbacks); id is the CloudEvent's id (consumers deduplicate by it); key is the Kafka
-- record key, the resource's selfLink; payload is the whole CloudEvent in its structured-mode JSON. type, subject
-- and time repeat payload attributes for the audit log's filters.
-- One relay publishes at a time per schema: it holds a session advisory lock on a dedicated connection (key
-- hashtext('k0rdent.events.relay'), hashtext(current_schema())), so no table is needed for it and the lock goes
-- with the relay's session.

CREATE TABLE events (
  seq          bigserial   NOT NULL,
  id           uuid        NOT NULL,
  key          text COLLATE "C" NOT NULL,
  type         text COLLATE "C" NOT NULL,
  subject      text COLLATE "C",
  time         timestamptz,
  payload      jsonb       NOT NULL,
  published_at timestamptz,
  CONSTRAINT events_pkey PRIMARY KEY (seq),
  CONSTRAINT events_id_key UNIQUE (id),
  CONSTRAINT events_key_check CHECK (key <> ''),
  CONSTRAINT events_payload_check CHECK (jsonb_typeof(payload) = 'object')
);
-- the relay's work: the unpublished rows, oldest first (pending) and their count (backlog)
CREATE INDEX events_unpublished ON events (seq) WHERE published_at IS NULL;
