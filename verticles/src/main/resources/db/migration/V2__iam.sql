-- Identity and access: service accounts, their credentials, API keys, revoked tokens, role sets.
-- project_id is scope_id for project-scoped rows (else NULL); with organization_id it must name a project
-- of that organization. Constraint names are fixed: PgStore maps violations to API errors by name.

ALTER TABLE projects ADD CONSTRAINT projects_id_organization_id_key UNIQUE (id, organization_id);

CREATE TABLE service_accounts (
  id              text COLLATE "C" PRIMARY KEY,
  uid             uuid        NOT NULL UNIQUE,
  organization_id text COLLATE "C" NOT NULL,
  client_id       text COLLATE "C" NOT NULL,
  scope           text COLLATE "C" NOT NULL,
  scope_id        text COLLATE "C" NOT NULL,
  project_id      text COLLATE "C" GENERATED ALWAYS AS (CASE WHEN scope = 'project' THEN scope_id END) STORED,
  roles           text[]      NOT NULL,
  status          text COLLATE "C" NOT NULL,
  display_name    text,
  description     text,
  created_by      text COLLATE "C",
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  version         bigint      NOT NULL,
  CONSTRAINT service_accounts_organization_fkey FOREIGN KEY (organization_id)
    REFERENCES organizations (id) ON DELETE RESTRICT,
  CONSTRAINT service_accounts_project_fkey FOREIGN KEY (project_id, organization_id)
    REFERENCES projects (id, organization_id) ON DELETE RESTRICT
);
CREATE INDEX service_accounts_created_at_id ON service_accounts (created_at, id);
CREATE INDEX service_accounts_organization_id_created_at_id ON service_accounts (organization_id, created_at, id);
CREATE INDEX service_accounts_project_id ON service_accounts (project_id) WHERE project_id IS NOT NULL;

CREATE TABLE service_account_credentials (
  id                 text COLLATE "C" PRIMARY KEY,
  uid                uuid        NOT NULL UNIQUE,
  service_account_id text COLLATE "C" NOT NULL,
  secret_hash        text        NOT NULL,
  expires_at         timestamptz,
  created_by         text COLLATE "C",
  last_used_at       timestamptz,
  last_used_ip       text,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  version            bigint      NOT NULL,
  CONSTRAINT service_account_credentials_service_account_fkey FOREIGN KEY (service_account_id)
    REFERENCES service_accounts (id) ON DELETE CASCADE
);
CREATE INDEX service_account_credentials_created_at_id ON service_account_credentials (created_at, id);
CREATE INDEX service_account_credentials_service_account_id_created_at_id
  ON service_account_credentials (service_account_id, created_at, id);

CREATE TABLE api_keys (
  id                         text COLLATE "C" PRIMARY KEY,
  uid                        uuid        NOT NULL UNIQUE,
  organization_id            text COLLATE "C" NOT NULL,
  scope                      text COLLATE "C" NOT NULL,
  scope_id                   text COLLATE "C" NOT NULL,
  project_id                 text COLLATE "C" GENERATED ALWAYS AS (CASE WHEN scope = 'project' THEN scope_id END) STORED,
  roles                      text[]      NOT NULL,
  status                     text COLLATE "C" NOT NULL,
  expires_at                 timestamptz,
  created_by                 text COLLATE "C",
  creator_type               text COLLATE "C",
  secret_hash                text        NOT NULL,
  previous_secret_hash       text,
  previous_secret_expires_at timestamptz,
  last_rotated_at            timestamptz,
  last_used_at               timestamptz,
  last_used_ip               text,
  display_name               text,
  description                text,
  created_at                 timestamptz NOT NULL,
  updated_at                 timestamptz NOT NULL,
  version                    bigint      NOT NULL,
  CONSTRAINT api_keys_organization_fkey FOREIGN KEY (organization_id)
    REFERENCES organizations (id) ON DELETE RESTRICT,
  CONSTRAINT api_keys_project_fkey FOREIGN KEY (project_id, organization_id)
    REFERENCES projects (id, organization_id) ON DELETE RESTRICT
);
CREATE INDEX api_keys_created_at_id ON api_keys (created_at, id);
CREATE INDEX api_keys_organization_id_created_at_id ON api_keys (organization_id, created_at, id);
CREATE INDEX api_keys_created_by_created_at_id ON api_keys (created_by, created_at, id);
CREATE INDEX api_keys_project_id ON api_keys (project_id) WHERE project_id IS NOT NULL;

-- Revoked access tokens, kept until the token would have expired.
CREATE TABLE revoked_tokens (
  jti        text COLLATE "C" PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);

-- Content-addressed role sets (never changed once stored).
CREATE TABLE role_sets (
  id    text COLLATE "C" PRIMARY KEY,
  roles text[] NOT NULL
);
