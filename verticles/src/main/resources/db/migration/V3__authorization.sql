-- The authorization model: policy bindings, users, groups and their members, custom roles.
-- Constraint names are fixed: PgStore maps violations to API errors by name.
--
-- Foreign keys are checked in the order they were created. The policies table, and so its organization key,
-- comes first: deleting an organization reports its policies before its users, groups and roles, since the
-- policies are what keeps those from being deleted. A policy's organization key is checked before its
-- principal keys, and its role (a trigger) after both.

-- a policy's principal of an organization must be of the policy's organization
ALTER TABLE service_accounts ADD CONSTRAINT service_accounts_id_organization_id_key UNIQUE (id, organization_id);

-- organization_id is NULL exactly for platform-scope bindings. The principal is polymorphic
-- (principal_type, principal_id); one generated column per type carries principal_id for that type only,
-- so that plain foreign keys (added below, once the tables exist) keep every principal a binding names
-- from being deleted, and, with organization_id, keep it in the binding's organization.
CREATE TABLE policies (
  id                           text COLLATE "C" PRIMARY KEY,
  uid                          uuid        NOT NULL UNIQUE,
  organization_id              text COLLATE "C",
  display_name                 text,
  description                  text,
  role                         text COLLATE "C" NOT NULL,
  principal_type               text COLLATE "C",
  principal_id                 text COLLATE "C" NOT NULL,
  scope_type                   text COLLATE "C" NOT NULL,
  scope_resource               text COLLATE "C",
  effect                       text COLLATE "C" NOT NULL,
  created_at                   timestamptz NOT NULL,
  updated_at                   timestamptz NOT NULL,
  version                      bigint      NOT NULL,
  principal_user_id            text COLLATE "C"
    GENERATED ALWAYS AS (CASE WHEN principal_type = 'user' THEN principal_id END) STORED,
  principal_group_id           text COLLATE "C"
    GENERATED ALWAYS AS (CASE WHEN principal_type = 'group' THEN principal_id END) STORED,
  principal_service_account_id text COLLATE "C"
    GENERATED ALWAYS AS (CASE WHEN principal_type = 'serviceAccount' THEN principal_id END) STORED,
  CONSTRAINT policies_organization_fkey FOREIGN KEY (organization_id)
    REFERENCES organizations (id) ON DELETE RESTRICT,
  CONSTRAINT policies_platform_check CHECK ((scope_type = 'platform') = (organization_id IS NULL)),
  -- NULL fails too (a plain IN would let it pass): every binding has one of the generated keys
  CONSTRAINT policies_principal_type_check
    CHECK (coalesce(principal_type IN ('user', 'group', 'serviceAccount'), false))
);
CREATE INDEX policies_created_at_id ON policies (created_at, id);
CREATE INDEX policies_organization_id_created_at_id ON policies (organization_id, created_at, id);
CREATE INDEX policies_principal ON policies (principal_type, principal_id, created_at, id);
CREATE INDEX policies_role ON policies (role);
CREATE INDEX policies_principal_user_id ON policies (principal_user_id) WHERE principal_user_id IS NOT NULL;
CREATE INDEX policies_principal_group_id ON policies (principal_group_id) WHERE principal_group_id IS NOT NULL;
CREATE INDEX policies_principal_service_account_id ON policies (principal_service_account_id)
  WHERE principal_service_account_id IS NOT NULL;

-- email_key is the email with ASCII letters in lower case (User.emailKey: the same in Java, whatever the
-- database's locale); unique per organization.
CREATE TABLE users (
  id              text COLLATE "C" PRIMARY KEY,
  uid             uuid        NOT NULL UNIQUE,
  organization_id text COLLATE "C" NOT NULL,
  email           text        NOT NULL,
  email_key       text COLLATE "C" GENERATED ALWAYS AS (lower(email COLLATE "C")) STORED,
  display_name    text,
  status          text COLLATE "C" NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  version         bigint      NOT NULL,
  CONSTRAINT users_organization_fkey FOREIGN KEY (organization_id)
    REFERENCES organizations (id) ON DELETE RESTRICT,
  CONSTRAINT users_id_organization_id_key UNIQUE (id, organization_id),
  CONSTRAINT users_organization_email_key UNIQUE (organization_id, email_key)
);
CREATE INDEX users_created_at_id ON users (created_at, id);
CREATE INDEX users_organization_id_created_at_id ON users (organization_id, created_at, id);
CREATE INDEX users_email_key ON users (email_key);

CREATE TABLE groups (
  id              text COLLATE "C" PRIMARY KEY,
  uid             uuid        NOT NULL UNIQUE,
  organization_id text COLLATE "C" NOT NULL,
  display_name    text,
  description     text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  version         bigint      NOT NULL,
  CONSTRAINT groups_organization_fkey FOREIGN KEY (organization_id)
    REFERENCES organizations (id) ON DELETE RESTRICT,
  CONSTRAINT groups_id_organization_id_key UNIQUE (id, organization_id)
);
CREATE INDEX groups_created_at_id ON groups (created_at, id);
CREATE INDEX groups_organization_id_created_at_id ON groups (organization_id, created_at, id);

-- Custom roles (predefined ones live in code).
CREATE TABLE roles (
  id              text COLLATE "C" PRIMARY KEY,
  uid             uuid        NOT NULL UNIQUE,
  organization_id text COLLATE "C" NOT NULL,
  display_name    text,
  description     text,
  permissions     text[]      NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  version         bigint      NOT NULL,
  CONSTRAINT roles_organization_fkey FOREIGN KEY (organization_id)
    REFERENCES organizations (id) ON DELETE RESTRICT
);
CREATE INDEX roles_created_at_id ON roles (created_at, id);
CREATE INDEX roles_organization_id_created_at_id ON roles (organization_id, created_at, id);

-- organization_id is the group's (PgGroupMemberStore inserts it from the group); both keys include it, so a
-- member is a user of the group's organization. Deleting the group or the user deletes the membership.
CREATE TABLE group_members (
  id              text COLLATE "C" PRIMARY KEY,
  uid             uuid        NOT NULL UNIQUE,
  group_id        text COLLATE "C" NOT NULL,
  user_id         text COLLATE "C" NOT NULL,
  organization_id text COLLATE "C" NOT NULL,
  added_by        text COLLATE "C",
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  version         bigint      NOT NULL,
  CONSTRAINT group_members_group_fkey FOREIGN KEY (group_id, organization_id)
    REFERENCES groups (id, organization_id) ON DELETE CASCADE,
  CONSTRAINT group_members_user_fkey FOREIGN KEY (user_id, organization_id)
    REFERENCES users (id, organization_id) ON DELETE CASCADE,
  CONSTRAINT group_members_group_id_user_id_key UNIQUE (group_id, user_id)
);
CREATE INDEX group_members_created_at_id ON group_members (created_at, id);
CREATE INDEX group_members_group_id_created_at_id ON group_members (group_id, created_at, id);
CREATE INDEX group_members_user_id_group_id ON group_members (user_id, group_id);

-- A binding's principal exists; below platform scope, in the binding's organization (the composite keys do
-- not apply when organization_id is NULL: platform-scope bindings may bind any organization's principal).
ALTER TABLE policies
  ADD CONSTRAINT policies_principal_user_fkey FOREIGN KEY (principal_user_id)
    REFERENCES users (id) ON DELETE RESTRICT,
  ADD CONSTRAINT policies_principal_user_organization_fkey FOREIGN KEY (principal_user_id, organization_id)
    REFERENCES users (id, organization_id) ON DELETE RESTRICT,
  ADD CONSTRAINT policies_principal_group_fkey FOREIGN KEY (principal_group_id)
    REFERENCES groups (id) ON DELETE RESTRICT,
  ADD CONSTRAINT policies_principal_group_organization_fkey FOREIGN KEY (principal_group_id, organization_id)
    REFERENCES groups (id, organization_id) ON DELETE RESTRICT,
  ADD CONSTRAINT policies_principal_service_account_fkey FOREIGN KEY (principal_service_account_id)
    REFERENCES service_accounts (id) ON DELETE RESTRICT,
  ADD CONSTRAINT policies_principal_service_account_organization_fkey
    FOREIGN KEY (principal_service_account_id, organization_id)
    REFERENCES service_accounts (id, organization_id) ON DELETE RESTRICT;

-- A binding's role is a custom role of its organization, or a name that is not stored (a predefined role,
-- which the caller checks). A foreign key cannot say "this table or none", so three triggers keep it:
-- binding a stored role of another organization (or a custom role at platform scope) fails; a role that
-- bindings name cannot be deleted; and a role cannot be created with an id that bindings name (else a
-- binding of a predefined or deleted role would silently take on the new role's permissions). All three
-- take a transaction-scoped advisory lock on the role id first, so a binding and a role change of the same
-- id run one after the other, and (READ COMMITTED: each statement of a function sees what was committed
-- before it began) the check after the lock sees the other's outcome. Failures are raised as foreign-key
-- violations with a constraint name, like the keys above.

CREATE FUNCTION policies_check_role() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  owner text;
BEGIN
  PERFORM pg_advisory_xact_lock(1798197104, hashtext(NEW.role));
  SELECT organization_id INTO owner FROM roles WHERE id = NEW.role;
  IF FOUND AND owner IS DISTINCT FROM NEW.organization_id THEN
    RAISE EXCEPTION 'policy % binds role % of another organization', NEW.id, NEW.role
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'policies_role_fkey', TABLE = 'policies';
  END IF;
  RETURN NULL;
END
$$ SET search_path FROM CURRENT;

-- AFTER: the primary key and the foreign keys (RI_ConstraintTrigger_*, which sort first) are checked before it.
CREATE TRIGGER policies_role AFTER INSERT OR UPDATE OF role, organization_id ON policies
  FOR EACH ROW EXECUTE FUNCTION policies_check_role();

CREATE FUNCTION roles_check_unbound() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1798197104, hashtext(OLD.id));
  IF EXISTS (SELECT 1 FROM policies WHERE role = OLD.id) THEN
    RAISE EXCEPTION 'role % is bound by policies', OLD.id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'policies_role_fkey', TABLE = 'roles';
  END IF;
  RETURN OLD;
END
$$ SET search_path FROM CURRENT;

CREATE TRIGGER roles_unbound BEFORE DELETE ON roles
  FOR EACH ROW EXECUTE FUNCTION roles_check_unbound();

CREATE FUNCTION roles_check_unnamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1798197104, hashtext(NEW.id));
  IF EXISTS (SELECT 1 FROM policies WHERE role = NEW.id) THEN
    RAISE EXCEPTION 'role id % is named by policies', NEW.id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'roles_named_by_policies', TABLE = 'roles';
  END IF;
  RETURN NULL;
END
$$ SET search_path FROM CURRENT;

-- AFTER: a taken id is reported as taken (primary key), and a missing organization first.
CREATE TRIGGER roles_unnamed AFTER INSERT ON roles
  FOR EACH ROW EXECUTE FUNCTION roles_check_unnamed();
