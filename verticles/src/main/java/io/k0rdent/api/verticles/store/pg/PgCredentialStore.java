package io.k0rdent.api.verticles.store.pg;

import static io.k0rdent.api.verticles.store.pg.PgResourceStore.Column.fixed;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.store.CredentialStore;
import io.k0rdent.api.core.store.Use;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link CredentialStore} over the {@code service_account_credentials} table; its foreign key deletes a
 * service account's credentials with it. {@link #createLimited} locks the service account's row, so
 * concurrent calls for one account run one after the other.
 */
final class PgCredentialStore extends PgResourceStore<ServiceAccountCredential> implements CredentialStore {

  private static final String TABLE = "service_account_credentials";
  private static final String LOCK_ACCOUNT = "SELECT 1 FROM service_accounts WHERE id = $1 FOR UPDATE";
  private static final String COUNT_ACTIVE = "SELECT count(*) AS n FROM " + TABLE
      + " WHERE service_account_id = $1 AND (expires_at IS NULL OR expires_at > $2)";
  private static final String ACTIVE_COUNTS = "SELECT service_account_id, count(*) AS n FROM " + TABLE
      + " WHERE service_account_id = ANY($1) AND (expires_at IS NULL OR expires_at > $2) GROUP BY service_account_id";

  PgCredentialStore(Pool pool, PgEvents events) {
    super(pool, events, new Table<>("credential", TABLE,
        List.of(fixed("service_account_id", ServiceAccountCredential::serviceAccountId),
            fixed("secret_hash", ServiceAccountCredential::secretHash),
            fixed("expires_at", c -> ts(c.expiresAt())),
            fixed("created_by", ServiceAccountCredential::createdBy),
            fixed("last_used_at", c -> ts(c.lastUsedAt())),
            fixed("last_used_ip", ServiceAccountCredential::lastUsedIp)),
        Map.of("serviceAccountId", "service_account_id"), PgCredentialStore::credential,
        (c, constraint) -> ApiException.notFound("service account", c.serviceAccountId()), null));
  }

  private static ServiceAccountCredential credential(Row r) {
    return new ServiceAccountCredential(r.getString("id"), r.getUUID("uid"), r.getString("service_account_id"),
        r.getString("secret_hash"), instant(r, "expires_at"), r.getString("created_by"),
        instant(r, "last_used_at"), r.getString("last_used_ip"), instant(r, "created_at"),
        instant(r, "updated_at"), r.getLong("version"));
  }

  @Override
  public Future<ServiceAccountCredential> createLimited(ServiceAccountCredential c, int maxActive, Instant now) {
    String account = c.serviceAccountId();
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_ACCOUNT).execute(Tuple.of(account))
            .compose(locked -> locked.size() == 0
                ? Future.failedFuture(ApiException.notFound("service account", account))
                : conn.preparedQuery(COUNT_ACTIVE).execute(Tuple.of(account, ts(now))))
            .compose(counted -> counted.iterator().next().getLong("n") >= maxActive
                ? Future.failedFuture(ApiException.conflict("FAILED_PRECONDITION", "service account '" + account
                    + "' already has " + maxActive + " active credentials; delete one first"))
                : create(conn, c))
            .compose(created -> events.append(conn, events.events().of(ChangeEvents.CREATED, created)).map(created)))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  @Override
  public Future<Map<String, Integer>> activeCounts(Collection<String> ids, Instant now) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Tuple args = Tuple.tuple().addArrayOfString(ids.toArray(String[]::new)).addOffsetDateTime(ts(now));
    return pool.preparedQuery(ACTIVE_COUNTS).execute(args)
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          Map<String, Integer> counts = new HashMap<>();
          rows.forEach(r -> counts.put(r.getString("service_account_id"), r.getLong("n").intValue()));
          return counts;
        });
  }

  @Override
  public Future<Void> recordUse(Map<String, Use> uses) {
    return recordUse(pool, TABLE, uses);
  }
}
