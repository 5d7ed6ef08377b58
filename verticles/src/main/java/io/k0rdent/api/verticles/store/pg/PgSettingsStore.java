package io.k0rdent.api.verticles.store.pg;

import io.k0rdent.api.core.store.SettingsStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link SettingsStore} over the {@code settings} table; the first committed insert of a name wins;
 * compare-and-set is one conditional statement (row-locked by PostgreSQL, so of two concurrent ones with
 * the same expected value exactly one stores).
 */
final class PgSettingsStore implements SettingsStore {

  private static final String GET = "SELECT value FROM settings WHERE name = $1";
  private static final String INSERT =
      "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value";
  private static final String PUT =
      "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value";

  private static final String REPLACE_IF =
      "UPDATE settings SET value = $3 WHERE name = $1 AND value = $2";
  private static final String INSERT_IF_ABSENT =
      "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";

  private final Pool pool;
  private final PgEvents events;

  PgSettingsStore(Pool pool, PgEvents events) {
    this.events = events;
    this.pool = pool;
  }

  @Override
  public Future<String> getOrCreate(String name, Supplier<String> initial) {
    // read first so that the (possibly costly) supplier only runs when nothing is stored
    return get(name).compose(found -> {
      if (found.isPresent()) {
        return Future.succeededFuture(found.get());
      }
      String value;
      try {
        value = initial.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      return pool.preparedQuery(INSERT).execute(Tuple.of(name, value))
          .recover(e -> Future.failedFuture(PgErrors.map(e)))
          .compose(rows -> rows.size() > 0
              ? Future.succeededFuture(rows.iterator().next().getString("value"))
              // another writer came first; its row is committed (settings are never deleted)
              : get(name).compose(o -> o.isPresent()
                  ? Future.succeededFuture(o.get())
                  : Future.failedFuture(PgErrors.internal())));
    });
  }

  @Override
  public Future<Optional<String>> get(String name) {
    return pool.preparedQuery(GET).execute(Tuple.of(name))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("value")));
  }

  @Override
  public Future<Void> put(String name, String value) {
    return pool.preparedQuery(PUT).execute(Tuple.of(name, value))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  @Override
  public Future<Boolean> compareAndSet(String name, String expected, String value) {
    var query = expected == null
        ? pool.preparedQuery(INSERT_IF_ABSENT).execute(Tuple.of(name, value))
        : pool.preparedQuery(REPLACE_IF).execute(Tuple.of(name, expected, value));
    return query.map(rows -> rows.rowCount() == 1)
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  /** The compare-and-set and, when it stores, {@code change}'s event row, in one transaction. */
  @Override
  public Future<Boolean> compareAndSet(String name, String expected, String value,
                                       io.k0rdent.api.core.event.ChangeEvents.Change change) {
    return pool.withTransaction(conn -> (expected == null
            ? conn.preparedQuery(INSERT_IF_ABSENT).execute(Tuple.of(name, value))
            : conn.preparedQuery(REPLACE_IF).execute(Tuple.of(name, expected, value)))
        .compose(rows -> rows.rowCount() != 1 ? Future.succeededFuture(false)
            : events.append(conn, change).map(true)))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }
}
