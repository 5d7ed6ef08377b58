package io.k0rdent.api.verticles.store.pg;

import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.event.ChangeEvents.Change;
import io.k0rdent.api.core.event.ChangeEvents.OwnerKind;
import io.k0rdent.api.core.resource.Resource;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The PostgreSQL half of the transactional outbox: a mutation runs in a transaction ({@link #inTransaction}) and
 * inserts its event into {@code events} on the same connection after the statement that changed (and so locked) the
 * resource's row; a failure anywhere rolls both back. The owner's organization is resolved by the insert itself
 * (a sub-select on the holder's table), so it costs no extra round trip.
 */
final class PgEvents {

  private static final Map<OwnerKind, String> INSERT = new EnumMap<>(OwnerKind.class);

  static {
    String head = "INSERT INTO events (id, key, type, subject, time, payload, actor_id, organization_id)"
        + " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, ";
    INSERT.put(OwnerKind.ORGANIZATION, head + "$8)");
    INSERT.put(OwnerKind.PROVIDER, head + "$8)");
    INSERT.put(OwnerKind.PROJECT, head + "(SELECT organization_id FROM projects WHERE id = $8))");
    INSERT.put(OwnerKind.GROUP, head + "(SELECT organization_id FROM groups WHERE id = $8))");
    INSERT.put(OwnerKind.SERVICE_ACCOUNT, head + "(SELECT organization_id FROM service_accounts WHERE id = $8))");
  }

  /** An organization's rows become the provider's (its id may be reused by a new organization). */
  private static final String RETIRE = "UPDATE events SET organization_id = NULL WHERE organization_id = $1";

  private final ChangeEvents events;

  PgEvents(ChangeEvents events) {
    this.events = events;
  }

  ChangeEvents events() {
    return events;
  }

  /**
   * Inserts {@code c}'s row through {@code client} (a connection inside the mutation's transaction); for an
   * organization's deletion, first hands that organization's earlier rows to the provider.
   */
  Future<Void> append(SqlClient client, Change c) {
    var e = c.event();
    Future<?> retired = c.retiredOrganization() == null ? Future.succeededFuture()
        : client.preparedQuery(RETIRE).execute(Tuple.of(c.retiredOrganization()));
    return retired.compose(v -> client.preparedQuery(INSERT.get(c.owner().kind()))
        .execute(Tuple.of(UUID.fromString(e.id()), c.key(), e.type(), e.subject(), PgResourceStore.ts(e.time()),
            e.toJson()).addString(e.actorId()).addString(c.owner().id())))
        .mapEmpty();
  }

  /**
   * Runs {@code body} in a transaction and appends the event {@code change} makes of its result (none when it
   * makes null: the body changed nothing) before committing. The caller maps failures ({@link PgErrors}); a failed
   * body or append rolls back and appends nothing.
   */
  <T> Future<T> inTransaction(Pool pool, Function<SqlConnection, Future<T>> body, Function<T, Change> change) {
    return pool.withTransaction(conn -> body.apply(conn).compose(result -> {
      Change c = change.apply(result);
      return c == null ? Future.succeededFuture(result) : append(conn, c).map(result);
    }));
  }

  /** {@link #inTransaction} whose event is the result's {@code verb} event. */
  <T extends Resource> Future<T> inTransaction(Pool pool, String verb, Function<SqlConnection, Future<T>> body) {
    return inTransaction(pool, body, r -> events.of(verb, r));
  }
}
