package io.k0rdent.api.verticles.store.pg;

import io.k0rdent.api.core.store.IdempotencyStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link IdempotencyStore} over the {@code idempotency_keys} table. An entry is live while
 * {@code expires_at >= now} (the application's clock, as for the in-memory store); an expired one is
 * overwritten by the next reservation of its key.
 */
final class PgIdempotencyStore implements IdempotencyStore {

  private static final String RESERVE =
      "INSERT INTO idempotency_keys AS k (principal, key, request_hash, status, body, headers, expires_at)"
          + " VALUES ($1, $2, $3, 0, NULL, '{}'::jsonb, $4)"
          + " ON CONFLICT (principal, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = 0,"
          + " body = NULL, headers = '{}'::jsonb, expires_at = EXCLUDED.expires_at"
          + " WHERE k.expires_at < $5"
          + " RETURNING 1";
  private static final String SELECT_LIVE =
      "SELECT request_hash, status, body, headers FROM idempotency_keys"
          + " WHERE principal = $1 AND key = $2 AND expires_at >= $3";
  private static final String COMPLETE =
      "UPDATE idempotency_keys SET status = $3, body = $4, headers = $5 WHERE principal = $1 AND key = $2";
  private static final String RELEASE = "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2";
  /** Attempts when the held entry vanishes between the insert and the read (released or expired meanwhile). */
  private static final int ATTEMPTS = 5;

  private final Pool pool;

  PgIdempotencyStore(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<Optional<Entry>> reserve(String principal, String key, String requestHash, Instant expiresAt) {
    return reserve(principal, key, requestHash, expiresAt, ATTEMPTS);
  }

  private Future<Optional<Entry>> reserve(String principal, String key, String requestHash, Instant expiresAt,
                                          int attempts) {
    Instant now = Instant.now();
    return pool.preparedQuery(RESERVE)
        .execute(Tuple.of(principal, key, requestHash, PgResourceStore.ts(expiresAt), PgResourceStore.ts(now)))
        .compose(inserted -> {
          if (inserted.rowCount() > 0) {
            return Future.succeededFuture(Optional.<Entry>empty());
          }
          return pool.preparedQuery(SELECT_LIVE).execute(Tuple.of(principal, key, PgResourceStore.ts(now)))
              .compose(rows -> {
                if (rows.size() > 0) {
                  return Future.succeededFuture(Optional.of(entry(rows.iterator().next())));
                }
                if (attempts <= 1) {
                  return Future.failedFuture(PgErrors.unavailable());
                }
                return reserve(principal, key, requestHash, expiresAt, attempts - 1);
              });
        })
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  private static Entry entry(Row row) {
    int status = row.getInteger("status");
    JsonObject json = row.getJsonObject("headers");
    Map<String, String> headers = new HashMap<>();
    if (json != null) {
      json.forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
    }
    return new Entry(row.getString("request_hash"), status, row.getString("body"), Map.copyOf(headers));
  }

  @Override
  public Future<Void> complete(String principal, String key, int status, String body, Map<String, String> headers) {
    JsonObject json = new JsonObject(new HashMap<>(headers));
    return pool.preparedQuery(COMPLETE).execute(Tuple.of(principal, key, status, body, json))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  @Override
  public Future<Void> release(String principal, String key) {
    return pool.preparedQuery(RELEASE).execute(Tuple.of(principal, key))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }
}
