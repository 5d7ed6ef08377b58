package io.k0rdent.api.verticles.store.pg;

import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.fixed;
import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.mutable;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.store.IdempotencyStore;
import io.k0rdent.api.core.store.ResourceStore;
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

/**
 * The production {@link Store}: PostgreSQL through one pooled, pipelined Vert.x client with the
 * prepared-statement cache on. Tables come from the Flyway migrations ({@link Migrations}); foreign
 * keys enforce the referential rules. Every failure is an {@link ApiException}: the contract's 4xx,
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
  private final PgIdempotencyStore idempotency;
  private final PgSettingsStore settings;

  private PgStore(Pool pool) {
    this.pool = pool;
    this.organizations = new PgResourceStore<>(pool, new PgResourceStore.Table<>(
        "organization", "organizations",
        List.of(mutable("display_name", Organization::displayName), mutable("description", Organization::description)),
        Map.of(), PgStore::organization, null,
        (id, constraint) -> ApiException.conflict("FAILED_PRECONDITION",
            "organization '" + id + "' still has projects; delete them first")));
    this.projects = new PgResourceStore<>(pool, new PgResourceStore.Table<>(
        "project", "projects",
        List.of(fixed("organization_id", Project::organizationId), mutable("display_name", Project::displayName),
            mutable("description", Project::description)),
        Map.of("organizationId", "organization_id"), PgStore::project,
        (p, constraint) -> ApiException.invalidField("organizationId",
            "organization '" + p.organizationId() + "' does not exist"),
        null));
    this.idempotency = new PgIdempotencyStore(pool);
    this.settings = new PgSettingsStore(pool);
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
    return new PgStore(pool);
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

  /** Idempotency records in table {@code idempotency_keys}. */
  @Override
  public ResourceStore<io.k0rdent.api.core.resource.ServiceAccount> serviceAccounts() {
    throw new UnsupportedOperationException("TODO(issue 3): service accounts in PostgreSQL");
  }

  @Override
  public io.k0rdent.api.core.store.CredentialStore credentials() {
    throw new UnsupportedOperationException("TODO(issue 3): credentials in PostgreSQL");
  }

  @Override
  public io.k0rdent.api.core.store.ApiKeyStore apiKeys() {
    throw new UnsupportedOperationException("TODO(issue 3): API keys in PostgreSQL");
  }

  @Override
  public io.k0rdent.api.core.store.RevocationStore revocations() {
    throw new UnsupportedOperationException("TODO(issue 3): revocations in PostgreSQL");
  }

  @Override
  public io.k0rdent.api.core.store.RoleSetStore roleSets() {
    throw new UnsupportedOperationException("TODO(issue 3): role sets in PostgreSQL");
  }

  @Override
  public IdempotencyStore idempotency() {
    return idempotency;
  }

  /** Named values in table {@code settings}. */
  @Override
  public SettingsStore settings() {
    return settings;
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
