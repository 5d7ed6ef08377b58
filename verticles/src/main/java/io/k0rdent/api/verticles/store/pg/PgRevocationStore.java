package io.k0rdent.api.verticles.store.pg;

import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.store.RevocationStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** {@link RevocationStore} over the {@code revoked_tokens} table. */
final class PgRevocationStore implements RevocationStore {

  private static final String REVOKE = "INSERT INTO revoked_tokens AS r (jti, expires_at) VALUES ($1, $2)"
      + " ON CONFLICT (jti) DO UPDATE SET expires_at = GREATEST(r.expires_at, EXCLUDED.expires_at)"
      // xmax is 0 on a row this statement inserted, not on one it updated: a token already revoked (a concurrent
      // revocation of the same token won) gets no second event
      + " RETURNING (r.xmax = 0) AS inserted";
  // the SELECT sees the rows as before the DELETE; its condition leaves the expired ones out
  private static final String ACTIVE = "WITH gone AS (DELETE FROM revoked_tokens WHERE expires_at <= $1)"
      + " SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > $1";

  private final Pool pool;
  /** Appends each mutation's event in the mutation's transaction. */
  private final PgEvents events;

  PgRevocationStore(Pool pool, PgEvents events) {
    this.pool = pool;
    this.events = events;
  }

  /** Stores the revocation with its event, when it is a token's first ({@link ChangeEvents#revoked}). */
  @Override
  public Future<Void> revoke(String jti, Instant expiresAt) {
    return events.inTransaction(pool, conn -> conn.preparedQuery(REVOKE)
                .execute(Tuple.of(jti, PgResourceStore.ts(expiresAt)))
                .map(rows -> rows.iterator().next().getBoolean("inserted")),
            inserted -> inserted ? events.events().revoked(jti, expiresAt) : null)
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  @Override
  public Future<Map<String, Instant>> active(Instant now) {
    return pool.preparedQuery(ACTIVE).execute(Tuple.of(PgResourceStore.ts(now)))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          Map<String, Instant> active = new HashMap<>();
          rows.forEach(r -> active.put(r.getString("jti"), PgResourceStore.instant(r, "expires_at")));
          return Map.copyOf(active);
        });
  }
}
