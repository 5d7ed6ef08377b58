package io.k0rdent.api.verticles.store.pg;

import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.fixed;
import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.mutable;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Group;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.store.ApiKeyStore;
import io.k0rdent.api.core.store.CredentialStore;
import io.k0rdent.api.core.store.GroupMemberStore;
import io.k0rdent.api.core.store.IamErrors;
import io.k0rdent.api.core.store.IdempotencyStore;
import io.k0rdent.api.core.store.IpamStore;
import io.k0rdent.api.core.store.PolicyStore;
import io.k0rdent.api.core.store.ResourceStore;
import io.k0rdent.api.core.store.RevocationStore;
import io.k0rdent.api.core.store.RoleSetStore;
import io.k0rdent.api.core.store.ServerStore;
import io.k0rdent.api.core.store.SettingsStore;
import io.k0rdent.api.core.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The production {@link Store}: PostgreSQL through one pooled, pipelined Vert.x client with the
 * prepared-statement cache on. Tables come from the Flyway migrations ({@link Migrations}); foreign
 * keys enforce the referential rules (a policy's role, which a key cannot express, by triggers: see
 * {@code V3__authorization.sql}). Every failure is an {@link ApiException}: the contract's 4xx,
 * 503 when the database cannot be reached (or is shutting down, overloaded, or aborted a transaction),
 * 500 for anything else; messages never contain SQL or server text.
 */
public final class PgStore implements Store {

  /** Statements in flight per connection. */
  static final int PIPELINING_LIMIT = 256;
  /** Prepared statements kept per connection. */
  static final int STATEMENT_CACHE_SIZE = 256;

  private final Pool pool;
  private final PgResourceStore<Organization> organizations;
  private final PgResourceStore<Project> projects;
  private final PgResourceStore<ServiceAccount> serviceAccounts;
  private final PgCredentialStore credentials;
  private final PgApiKeyStore apiKeys;
  private final PgUserStore users;
  private final PgResourceStore<Role> roles;
  private final PgResourceStore<Group> groups;
  private final PgGroupMemberStore groupMembers;
  private final PgPolicyStore policies;
  private final PgRevocationStore revocations;
  private final PgRoleSetStore roleSets;
  private final PgIdempotencyStore idempotency;
  private final PgSettingsStore settings;
  private final PgIpamStore ipam;
  private final PgServerStore servers;
  private final PgEventOutbox events;
  private final PgEvents changes = new PgEvents(new io.k0rdent.api.core.event.ChangeEvents());

  private PgStore(Vertx vertx, Pool pool, PgConnectOptions connect) {
    this.pool = pool;
    this.organizations = new PgResourceStore<>(pool, changes, new PgResourceStore.Table<>(
        "organization", "organizations",
        List.of(mutable("display_name", Organization::displayName), mutable("description", Organization::description)),
        Map.of(), PgStore::organization, null, PgStore::organizationStillHas));
    this.projects = new PgResourceStore<>(pool, changes, new PgResourceStore.Table<>(
        "project", "projects",
        List.of(fixed("organization_id", Project::organizationId), mutable("display_name", Project::displayName),
            mutable("description", Project::description)),
        Map.of("organizationId", "organization_id"), PgStore::project,
        (p, constraint) -> ApiException.invalidField("organizationId",
            "organization '" + p.organizationId() + "' does not exist"),
        PgStore::projectStillHas));
    this.serviceAccounts = new PgResourceStore<>(pool, changes, new PgResourceStore.Table<>(
        "service account", "service_accounts",
        List.of(fixed("organization_id", ServiceAccount::organizationId),
            fixed("client_id", ServiceAccount::clientId),
            fixed("scope", ServiceAccount::scope),
            fixed("scope_id", ServiceAccount::scopeId),
            mutable("roles", sa -> PgResourceStore.array(sa.roles())),
            mutable("status", ServiceAccount::status),
            mutable("display_name", ServiceAccount::displayName),
            mutable("description", ServiceAccount::description),
            fixed("created_by", ServiceAccount::createdBy)),
        Map.of("organizationId", "organization_id", "scope", "scope", "scopeId", "scope_id", "status", "status",
            "projectId", "project_id"),
        PgStore::serviceAccount, scopeFk(ServiceAccount::organizationId, ServiceAccount::scopeId),
        (id, constraint) -> IamErrors.boundByPolicies("service account", id)));
    this.credentials = new PgCredentialStore(pool, changes);
    this.apiKeys = new PgApiKeyStore(pool, changes);
    this.users = new PgUserStore(pool, changes);
    this.roles = new PgResourceStore<>(pool, changes, new PgResourceStore.Table<>(
        "role", "roles",
        List.of(fixed("organization_id", Role::organizationId), mutable("display_name", Role::displayName),
            mutable("description", Role::description), mutable("permissions", r -> PgResourceStore.array(r.permissions()))),
        Map.of("organizationId", "organization_id"), PgStore::role,
        (r, constraint) -> "roles_named_by_policies".equals(constraint)
            ? IamErrors.roleIdNamedByPolicies(r.id())
            : IamErrors.organizationMissing(r.organizationId()),
        (id, constraint) -> IamErrors.boundByPolicies("role", id)));
    this.groups = new PgResourceStore<>(pool, changes, new PgResourceStore.Table<>(
        "group", "groups",
        List.of(fixed("organization_id", Group::organizationId), mutable("display_name", Group::displayName),
            mutable("description", Group::description)),
        Map.of("organizationId", "organization_id"), PgStore::group,
        (g, constraint) -> IamErrors.organizationMissing(g.organizationId()),
        (id, constraint) -> IamErrors.boundByPolicies("group", id)));
    this.groupMembers = new PgGroupMemberStore(pool, changes);
    this.policies = new PgPolicyStore(pool, changes);
    this.revocations = new PgRevocationStore(pool, changes);
    this.roleSets = new PgRoleSetStore(pool);
    this.idempotency = new PgIdempotencyStore(pool);
    this.settings = new PgSettingsStore(pool, changes);
    this.ipam = new PgIpamStore(pool, changes);
    this.servers = new PgServerStore(pool, changes);
    this.events = new PgEventOutbox(vertx, pool, connect);
  }

  @Override
  public io.k0rdent.api.core.event.ChangeEvents changeEvents() {
    return changes.events();
  }

  /** The delete error of a project that a row still points at, by the foreign key that stopped it. */
  private static ApiException projectStillHas(String id, String constraint) {
    if ("networks_project_fkey".equals(constraint) || "addresses_project_fkey".equals(constraint)) {
      return ApiException.conflict("FAILED_PRECONDITION",
          "project '" + id + "' still has networks or addresses; delete them first");
    }
    if ("servers_project_fkey".equals(constraint)) {
      return ApiException.conflict("FAILED_PRECONDITION",
          "project '" + id + "' still has bare-metal servers; decommission them first");
    }
    return ApiException.conflict("FAILED_PRECONDITION",
        "project '" + id + "' still has service accounts or API keys; delete them first");
  }

  /**
   * The delete error of an organization that a row still points at, by the foreign key that stopped it
   * (PostgreSQL checks them in the order they were created; the in-memory store checks in the same order).
   */
  private static ApiException organizationStillHas(String id, String constraint) {
    String what = constraint == null ? "" : constraint;
    switch (what) {
      case "projects_organization_id_fkey":
        what = "projects";
        break;
      case "policies_organization_fkey":
        what = "policies";
        break;
      case "users_organization_fkey":
        what = "users";
        break;
      case "groups_organization_fkey":
        what = "groups";
        break;
      case "roles_organization_fkey":
        what = "roles";
        break;
      default:
        what = "service accounts or API keys";
    }
    return IamErrors.organizationStillHas(id, what);
  }

  /**
   * The create error of a service account or API key whose organization ({@code *_organization_fkey}) or
   * project ({@code *_project_fkey}) is missing: 400 naming {@code scopeId}, as the in-memory store.
   */
  static <T> BiFunction<T, String, ApiException> scopeFk(Function<T, String> organizationId,
                                                          Function<T, String> scopeId) {
    return (r, constraint) -> constraint != null && constraint.endsWith("_project_fkey")
        ? ApiException.invalidField("scopeId", "project '" + scopeId.apply(r) + "' does not exist")
        : ApiException.invalidField("scopeId", "organization '" + organizationId.apply(r) + "' does not exist");
  }

  /**
   * A store over a new pool of at most {@code settings.poolSize()} connections, opened lazily (this call
   * does not touch the database; use {@link #ping()} to check it). The schema must already be migrated.
   *
   * @param vertx    the Vert.x instance whose event loops run the client
   * @param settings URL, schema ({@code search_path}) and pool size
   */
  public static PgStore create(Vertx vertx, PgSettings settings) {
    PgConnectOptions connect = settings.connectOptions()
        .setPipeliningLimit(PIPELINING_LIMIT)
        .setCachePreparedStatements(true)
        .setPreparedStatementCacheMaxSize(STATEMENT_CACHE_SIZE);
    PoolOptions poolOptions = new PoolOptions().setMaxSize(settings.poolSize());
    Pool pool = PgBuilder.pool().with(poolOptions).connectingTo(connect).using(vertx).build();
    return new PgStore(vertx, pool, connect);
  }

  private static Organization organization(Row r) {
    return new Organization(r.getString("id"), r.getUUID("uid"), r.getString("display_name"),
        r.getString("description"), PgResourceStore.instant(r, "created_at"),
        PgResourceStore.instant(r, "updated_at"), r.getLong("version"));
  }

  private static Project project(Row r) {
    return new Project(r.getString("id"), r.getUUID("uid"), r.getString("organization_id"),
        r.getString("display_name"), r.getString("description"), PgResourceStore.instant(r, "created_at"),
        PgResourceStore.instant(r, "updated_at"), r.getLong("version"));
  }

  private static Role role(Row r) {
    return new Role(r.getString("id"), r.getUUID("uid"), r.getString("organization_id"), r.getString("display_name"),
        r.getString("description"), PgResourceStore.strings(r, "permissions"), PgResourceStore.instant(r, "created_at"),
        PgResourceStore.instant(r, "updated_at"), r.getLong("version"));
  }

  private static Group group(Row r) {
    return new Group(r.getString("id"), r.getUUID("uid"), r.getString("organization_id"), r.getString("display_name"),
        r.getString("description"), PgResourceStore.instant(r, "created_at"), PgResourceStore.instant(r, "updated_at"),
        r.getLong("version"));
  }

  private static ServiceAccount serviceAccount(Row r) {
    return new ServiceAccount(r.getString("id"), r.getUUID("uid"), r.getString("organization_id"),
        r.getString("client_id"), r.getString("scope"), r.getString("scope_id"), PgResourceStore.strings(r, "roles"),
        r.getString("status"), r.getString("display_name"), r.getString("description"), r.getString("created_by"),
        PgResourceStore.instant(r, "created_at"), PgResourceStore.instant(r, "updated_at"), r.getLong("version"));
  }

  /** Organizations in table {@code organizations}; list filters: none. */
  @Override
  public ResourceStore<Organization> organizations() {
    return organizations;
  }

  /** Projects in table {@code projects}; list filters: {@code organizationId}. */
  @Override
  public ResourceStore<Project> projects() {
    return projects;
  }

  /** Service accounts in table {@code service_accounts}; list filters as {@link Store#serviceAccounts()}. */
  @Override
  public ResourceStore<ServiceAccount> serviceAccounts() {
    return serviceAccounts;
  }

  /** Credentials in table {@code service_account_credentials}. */
  @Override
  public CredentialStore credentials() {
    return credentials;
  }

  /** Users in table {@code users}; list filters as {@link Store#users()}. */
  @Override
  public ResourceStore<User> users() {
    return users;
  }

  /** Custom roles in table {@code roles}; list filters: {@code organizationId}. */
  @Override
  public ResourceStore<Role> roles() {
    return roles;
  }

  /** Groups in table {@code groups}; list filters: {@code organizationId}. */
  @Override
  public ResourceStore<Group> groups() {
    return groups;
  }

  /** Memberships in table {@code group_members}. */
  @Override
  public GroupMemberStore groupMembers() {
    return groupMembers;
  }

  /** Policy bindings in table {@code policies}. */
  @Override
  public PolicyStore policies() {
    return policies;
  }

  /** API keys in table {@code api_keys}. */
  @Override
  public ApiKeyStore apiKeys() {
    return apiKeys;
  }

  /** Revoked token ids in table {@code revoked_tokens}. */
  @Override
  public RevocationStore revocations() {
    return revocations;
  }

  /** Role sets in table {@code role_sets}. */
  @Override
  public RoleSetStore roleSets() {
    return roleSets;
  }

  /** Idempotency records in table {@code idempotency_keys}. */
  @Override
  public IdempotencyStore idempotency() {
    return idempotency;
  }

  /** Named values in table {@code settings}. */
  @Override
  public SettingsStore settings() {
    return settings;
  }

  /** Networks, subnets, addresses and address pools in the tables of {@code V4__ipam.sql}. */
  @Override
  public IpamStore ipam() {
    return ipam;
  }

  /** Bare-metal servers, their leases and logs in tables {@code servers} and {@code server_logs}. */
  @Override
  public ServerStore servers() {
    return servers;
  }

  /**
   * Change events in table {@code events}; the relay lock is an advisory lock per schema on a dedicated connection
   * ({@link PgEventOutbox}).
   */
  @Override
  public io.k0rdent.api.core.store.EventOutbox events() {
    return events;
  }

  /** Runs {@code SELECT 1}; fails 503 when the database does not answer. */
  @Override
  public Future<Void> ping() {
    return pool.query("SELECT 1").execute()
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  /** Closes the pool and its connections. */
  @Override
  public Future<Void> close() {
    return pool.close();
  }
}
