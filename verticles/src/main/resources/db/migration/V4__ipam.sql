-- IPAM: networks and their subnets, address pools, allocated addresses (PgIpamStore).
-- Blocks and addresses are kept as the canonical text the API was given (returned as is) and, generated from
-- it, as PostgreSQL cidr/inet for the rules: no two overlapping networks of a project and no two overlapping
-- pools of a region (exclusion constraints), no address twice in one subnet or pool (unique key), no address
-- without its subnet or pool, no project deleted while it has networks or addresses (foreign keys).
-- Constraint names are fixed: PgIpamStore and PgStore map violations to API errors by name.

-- gist equality on text for the exclusion constraints. Installed into the migrated schema unless the
-- database already has it (then that copy is used: operator classes are found in any schema).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE networks (
  region       text COLLATE "C" NOT NULL,
  project_id   text COLLATE "C" NOT NULL,
  id           text COLLATE "C" NOT NULL,
  uid          uuid        NOT NULL,
  display_name text,
  description  text,
  cidr_text    text        NOT NULL,
  cidr         cidr        NOT NULL GENERATED ALWAYS AS (cidr_text::cidr) STORED,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  version      bigint      NOT NULL,
  CONSTRAINT networks_pkey PRIMARY KEY (region, project_id, id),
  CONSTRAINT networks_uid_key UNIQUE (uid),
  CONSTRAINT networks_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE RESTRICT,
  CONSTRAINT networks_overlap EXCLUDE USING gist (region WITH =, project_id WITH =, cidr inet_ops WITH &&)
);
CREATE INDEX networks_place_created_at_id ON networks (region, project_id, created_at, id);
CREATE INDEX networks_project_id ON networks (project_id);

-- A network's subnets, deleted with it (same transaction).
CREATE TABLE subnets (
  region     text COLLATE "C" NOT NULL,
  project_id text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  uid        uuid        NOT NULL,
  network_id text COLLATE "C" NOT NULL,
  cidr_text  text        NOT NULL,
  cidr       cidr        NOT NULL GENERATED ALWAYS AS (cidr_text::cidr) STORED,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version    bigint      NOT NULL,
  CONSTRAINT subnets_pkey PRIMARY KEY (region, project_id, id),
  CONSTRAINT subnets_uid_key UNIQUE (uid),
  -- the target of addresses_subnet_fkey: an address names its network, subnet and the subnet's uid
  CONSTRAINT subnets_range_key UNIQUE (region, project_id, network_id, id, uid),
  CONSTRAINT subnets_network_fkey FOREIGN KEY (region, project_id, network_id)
    REFERENCES networks (region, project_id, id) ON DELETE RESTRICT
);
CREATE INDEX subnets_place_created_at_id ON subnets (region, project_id, created_at, id);
CREATE INDEX subnets_network ON subnets (region, project_id, network_id, created_at, id);

CREATE TABLE address_pools (
  region       text COLLATE "C" NOT NULL,
  id           text COLLATE "C" NOT NULL,
  uid          uuid        NOT NULL,
  display_name text,
  description  text,
  cidr_text    text        NOT NULL,
  cidr         cidr        NOT NULL GENERATED ALWAYS AS (cidr_text::cidr) STORED,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  version      bigint      NOT NULL,
  CONSTRAINT address_pools_pkey PRIMARY KEY (region, id),
  CONSTRAINT address_pools_uid_key UNIQUE (uid),
  CONSTRAINT address_pools_range_key UNIQUE (region, id, uid),
  CONSTRAINT address_pools_overlap EXCLUDE USING gist (region WITH =, cidr inet_ops WITH &&)
);
CREATE INDEX address_pools_region_created_at_id ON address_pools (region, created_at, id);

-- Allocated addresses. range_uid is the uid of the subnet (INTERNAL) or pool (EXTERNAL) the address is
-- taken from; (range_uid, ip) is unique. sort_key is AddressRange.sortKey: the list order.
CREATE TABLE addresses (
  region       text COLLATE "C" NOT NULL,
  project_id   text COLLATE "C" NOT NULL,
  id           text COLLATE "C" NOT NULL,
  uid          uuid        NOT NULL,
  display_name text,
  description  text,
  ip_text      text        NOT NULL,
  ip           inet        NOT NULL GENERATED ALWAYS AS (ip_text::inet) STORED,
  sort_key     text COLLATE "C" NOT NULL,
  ip_version   text COLLATE "C" NOT NULL,
  address_type text COLLATE "C" NOT NULL,
  network_id   text COLLATE "C",
  subnet_id    text COLLATE "C",
  pool_id      text COLLATE "C",
  range_uid    uuid        NOT NULL,
  status       text COLLATE "C" NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  version      bigint      NOT NULL,
  CONSTRAINT addresses_pkey PRIMARY KEY (region, project_id, id),
  CONSTRAINT addresses_uid_key UNIQUE (uid),
  CONSTRAINT addresses_range_ip_key UNIQUE (range_uid, ip),
  CONSTRAINT addresses_range_check CHECK ((subnet_id IS NULL) <> (pool_id IS NULL)
    AND (subnet_id IS NULL OR network_id IS NOT NULL)),
  CONSTRAINT addresses_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE RESTRICT,
  CONSTRAINT addresses_subnet_fkey FOREIGN KEY (region, project_id, network_id, subnet_id, range_uid)
    REFERENCES subnets (region, project_id, network_id, id, uid) ON DELETE RESTRICT,
  CONSTRAINT addresses_pool_fkey FOREIGN KEY (region, pool_id, range_uid)
    REFERENCES address_pools (region, id, uid) ON DELETE RESTRICT
);
CREATE INDEX addresses_place_sort_key_id ON addresses (region, project_id, sort_key, id);
CREATE INDEX addresses_project_id ON addresses (project_id);
CREATE INDEX addresses_network ON addresses (region, project_id, network_id, sort_key, id)
  WHERE network_id IS NOT NULL;
CREATE INDEX addresses_pool ON addresses (region, pool_id, sort_key, id) WHERE pool_id IS NOT NULL;

-- Releases remembered for a day, so that releasing again answers ALREADY_RELEASED (not 404). They go with
-- their project: a tombstone never keeps a project from being deleted, nor reaches the next project of that id.
CREATE TABLE address_releases (
  region      text COLLATE "C" NOT NULL,
  project_id  text COLLATE "C" NOT NULL,
  id          text COLLATE "C" NOT NULL,
  released_at timestamptz NOT NULL,
  CONSTRAINT address_releases_pkey PRIMARY KEY (region, project_id, id),
  CONSTRAINT address_releases_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
);
CREATE INDEX address_releases_released_at ON address_releases (released_at);
