package io.k0rdent.api.verticles.store.pg;

import io.k0rdent.api.core.store.RoleSetStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Optional;

/** {@link RoleSetStore} over the {@code role_sets} table; the first stored roles of an id stay. */
final class PgRoleSetStore implements RoleSetStore {

  private static final String PUT = "INSERT INTO role_sets (id, roles) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING";
  private static final String GET = "SELECT roles FROM role_sets WHERE id = $1";

  private final Pool pool;

  PgRoleSetStore(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<Void> put(String id, List<String> roles) {
    return pool.preparedQuery(PUT).execute(Tuple.of(id).addArrayOfString(PgResourceStore.array(roles)))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  @Override
  public Future<Optional<List<String>>> get(String id) {
    return pool.preparedQuery(GET).execute(Tuple.of(id))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> rows.size() == 0
            ? Optional.empty()
            : Optional.of(PgResourceStore.strings(rows.iterator().next(), "roles")));
  }
}
