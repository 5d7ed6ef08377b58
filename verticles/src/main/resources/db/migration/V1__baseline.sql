-- Baseline schema of the PostgreSQL store (io.k0rdent.api.verticles.store.pg.PgStore).
-- Ids and other keys use the "C" collation so that ORDER BY matches Java's String.compareTo.

CREATE TABLE organizations (
  id           text COLLATE "C" PRIMARY KEY,
  uid          uuid        NOT NULL UNIQUE,
  display_name text,
  description  text,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  version      bigint      NOT NULL
);
CREATE INDEX organizations_created_at_id ON organizations (created_at, id);

CREATE TABLE projects (
  id              text COLLATE "C" PRIMARY KEY,
  uid             uuid        NOT NULL UNIQUE,
  organization_id text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
  display_name    text,
  description     text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  version         bigint      NOT NULL
);
CREATE INDEX projects_created_at_id ON projects (created_at, id);
CREATE INDEX projects_organization_id_created_at_id ON projects (organization_id, created_at, id);

-- POST responses remembered per (principal, Idempotency-Key); status 0 while the request is in flight.
CREATE TABLE idempotency_keys (
  principal    text COLLATE "C" NOT NULL,
  key          text COLLATE "C" NOT NULL,
  request_hash text        NOT NULL,
  status       integer     NOT NULL DEFAULT 0,
  body         text,
  headers      jsonb       NOT NULL DEFAULT '{}'::jsonb,
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- Server-wide named values (signing key, pepper, bootstrap credential).
CREATE TABLE settings (
  name  text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
