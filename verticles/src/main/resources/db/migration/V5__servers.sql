-- Bare-metal servers, their worker leases and their logs (PgServerStore).
-- A server belongs to a project (no project deleted while it has servers: servers_project_fkey, which PgStore
-- maps to 409 FAILED_PRECONDITION); its id is unique in (region, project). The lease columns are the fencing
-- state of ServerStore's leases: lease_token grows by one at every acquisition and is never reset. log_seq is
-- the last seq given to one of the server's log entries (appends take the server row's lock to advance it).
-- Constraint names are fixed: PgServerStore and PgStore map violations to API errors by name.

CREATE TABLE servers (
  uid                    uuid        NOT NULL,
  region                 text COLLATE "C" NOT NULL,
  project_id             text COLLATE "C" NOT NULL,
  id                     text COLLATE "C" NOT NULL,
  display_name           text,
  description            text,
  tags                   jsonb       NOT NULL DEFAULT '{}'::jsonb,
  persona                text,
  -- the BMC (null when bmc_address is null); the credentials only sealed (CredentialCipher)
  bmc_address            text,
  bmc_credentials        text,
  bmc_certificate_sha256 text,
  bmc_insecure           boolean     NOT NULL DEFAULT false,
  state                  text COLLATE "C" NOT NULL,
  step                   text,
  power_observed         text,
  power_requested        text COLLATE "C",
  maintenance            boolean     NOT NULL DEFAULT false,
  maintenance_reason     text,
  health_status          text,
  health_checked_at      timestamptz,
  health_reasons         jsonb       NOT NULL DEFAULT '[]'::jsonb,
  last_error             text,
  hardware               jsonb,
  -- {osImage, configuration, jobId}
  provisioning           jsonb,
  inspect_after_enroll   boolean     NOT NULL,
  state_changed_at       timestamptz NOT NULL,
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL,
  version                bigint      NOT NULL,
  lease_holder           text COLLATE "C",
  lease_token            bigint      NOT NULL DEFAULT 0,
  lease_expires          timestamptz,
  log_seq                bigint      NOT NULL DEFAULT 0,
  CONSTRAINT servers_pkey PRIMARY KEY (uid),
  CONSTRAINT servers_place_id_key UNIQUE (region, project_id, id),
  CONSTRAINT servers_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE RESTRICT,
  CONSTRAINT servers_state_check CHECK (state IN ('enrolling', 'inspecting', 'cleaning', 'provisioning',
    'deprovisioning', 'deleting', 'enroll_failed', 'inspect_failed', 'clean_failed', 'provision_failed', 'error',
    'manageable', 'available', 'provisioned')),
  CONSTRAINT servers_power_requested_check CHECK (power_requested IN ('ON', 'OFF', 'REBOOT')),
  CONSTRAINT servers_bmc_check CHECK (bmc_address IS NOT NULL
    OR (bmc_credentials IS NULL AND bmc_certificate_sha256 IS NULL AND NOT bmc_insecure)),
  CONSTRAINT servers_tags_check CHECK (jsonb_typeof(tags) = 'object'),
  CONSTRAINT servers_health_reasons_check CHECK (jsonb_typeof(health_reasons) = 'array'),
  CONSTRAINT servers_lease_check CHECK (lease_token >= 0 AND (lease_holder IS NULL OR lease_expires IS NOT NULL)),
  CONSTRAINT servers_log_seq_check CHECK (log_seq >= 0)
);
CREATE INDEX servers_place_created_at_id ON servers (region, project_id, created_at, id);
CREATE INDEX servers_project_id ON servers (project_id);
-- needingWork: the servers a worker may have to drive (working states or a pending power request, not in
-- maintenance), oldest state change first; the lease condition filters this index's rows
CREATE INDEX servers_needing_work ON servers (state_changed_at, id)
  WHERE NOT maintenance AND (state IN ('enrolling', 'inspecting', 'cleaning', 'provisioning', 'deprovisioning',
    'deleting') OR power_requested IS NOT NULL);

-- A server's log, oldest first by seq (strictly increasing per server, never reused: taken from
-- servers.log_seq under the server row's lock). At most 10,000 entries per server: an append deletes the
-- oldest beyond that in its transaction. Deleted with the server.
CREATE TABLE server_logs (
  server_uid uuid        NOT NULL,
  seq        bigint      NOT NULL,
  at         timestamptz NOT NULL,
  severity   text COLLATE "C" NOT NULL,
  message    text        NOT NULL,
  job_id     text COLLATE "C",
  CONSTRAINT server_logs_pkey PRIMARY KEY (server_uid, seq),
  CONSTRAINT server_logs_server_fkey FOREIGN KEY (server_uid) REFERENCES servers (uid) ON DELETE CASCADE,
  CONSTRAINT server_logs_severity_check CHECK (severity IN ('debug', 'info', 'warning', 'error'))
);
