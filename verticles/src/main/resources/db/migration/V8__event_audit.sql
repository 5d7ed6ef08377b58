-- The audit log reads the outbox (EventOutbox.audit): whose change each event is (organization_id; NULL for the
-- provider's own, which only platform-wide readers see) and who made it (actor_id, the CloudEvent's actorid), so
-- that the log's filters run on columns. Rows are read newest first (seq DESC); retention deletes by time.
ALTER TABLE events
  ADD COLUMN organization_id text COLLATE "C",
  ADD COLUMN actor_id        text COLLATE "C";

CREATE INDEX events_organization ON events (organization_id, seq DESC);
CREATE INDEX events_time ON events (time);
