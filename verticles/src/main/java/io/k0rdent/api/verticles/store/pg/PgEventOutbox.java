package io.k0rdent.api.verticles.store.pg;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.store.AuditPage;
import io.k0rdent.api.core.store.AuditQuery;
import io.k0rdent.api.core.store.EventOutbox;
import io.k0rdent.api.core.store.OutboxRow;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link EventOutbox} over table {@code events} ({@code V6__events.sql}), through the store's pool; never blocks.
 * {@link #pending} and {@link #backlog} read the partial index {@code events_unpublished}; {@link #audit} reads
 * {@code seq} downwards (through {@code events_organization} for one organization's rows), {@link #purge} deletes by
 * {@code events_time} ({@code V8__event_audit.sql}).
 *
 * <p>The relay lock is a PostgreSQL session advisory lock, {@code pg_try_advisory_lock(hashtext(}{@value #LOCK_NAME}
 * {@code ), hashtext(current_schema()))}, taken on a dedicated connection opened for it (outside the pool, so the
 * pool keeps all its connections): one holder per schema, cluster-wide, held exactly as long as that session lives.
 * When the relay's process dies or its connection breaks, PostgreSQL ends the session and the lock is free for the
 * next relay at once, with no expiry to wait for. This needs a direct (or session-pooled) connection: a
 * transaction-pooling proxy would not keep the session.
 *
 * <p>Failures are {@link ApiException}s through {@link PgErrors} (503 when the database cannot be reached).
 */
final class PgEventOutbox implements EventOutbox {

  private static final Logger LOG = LoggerFactory.getLogger(PgEventOutbox.class);
  /** The first part of the advisory lock's key; the second is the schema's. */
  static final String LOCK_NAME = "k0rdent.events.relay";

  private static final String APPEND = "INSERT INTO events (id, key, type, subject, time, payload, actor_id,"
      + " organization_id) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)";
  /** Rows deleted per {@link #purge} statement: bounded, so no statement holds many row locks for long. */
  static final int PURGE_BATCH = 5_000;
  private static final String PURGE = "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE time < $1"
      + " AND published_at IS NOT NULL LIMIT " + PURGE_BATCH + ")";
  private static final String PURGE_ALL = "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE time < $1"
      + " LIMIT " + PURGE_BATCH + ")";
  private static final String PENDING = "SELECT seq, key, payload FROM events WHERE published_at IS NULL"
      + " ORDER BY seq LIMIT $1";
  private static final String MARK = "UPDATE events SET published_at = $2 WHERE seq = ANY($1::bigint[])"
      + " AND published_at IS NULL";
  private static final String BACKLOG = "SELECT count(*) AS n FROM events WHERE published_at IS NULL";
  private static final String TRY_LOCK = "SELECT pg_try_advisory_lock(hashtext('" + LOCK_NAME + "'),"
      + " hashtext(current_schema())) AS locked";

  private final Vertx vertx;
  private final Pool pool;
  private final PgConnectOptions connect;

  /**
   * @param vertx   opens the lock's dedicated connections
   * @param pool    the store's pool, for every other statement
   * @param connect the options of the lock's connections (the store's, with its {@code search_path})
   */
  PgEventOutbox(Vertx vertx, Pool pool, PgConnectOptions connect) {
    this.vertx = vertx;
    this.pool = pool;
    this.connect = new PgConnectOptions(connect);
  }

  /**
   * See {@link EventOutbox#append}: one {@code INSERT}, its own transaction; {@code type}, {@code subject},
   * {@code time} and {@code actorid} copied into their columns (as {@link PgEvents#append} does for mutations), the
   * whole event into {@code payload}. A duplicate id is 409 by
   * constraint {@code events_id_key}.
   */
  @Override
  public Future<Void> append(CloudEvent event, String key, String organizationId) {
    Objects.requireNonNull(event, "event");
    UUID id;
    try {
      id = UUID.fromString(event.id());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("an outbox event's id must be a UUID: '"
          + event.id() + "'"));
    }
    if (key == null || key.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("an outbox row's key must be non-empty"));
    }
    return pool.preparedQuery(APPEND)
        .execute(Tuple.of(id, key, event.type(), event.subject(), PgResourceStore.ts(event.time()), event.toJson())
            .addString(event.actorId()).addString(organizationId))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.UNIQUE_VIOLATION.equals(PgErrors.sqlState(e))
            ? ApiException.conflict("ALREADY_EXISTS", "event '" + event.id() + "' already exists")
            : PgErrors.map(e)));
  }

  /**
   * See {@link EventOutbox#pending}: the unpublished rows by {@code seq} through index {@code events_unpublished};
   * the events are read back from {@code payload}.
   */
  @Override
  public Future<List<OutboxRow>> pending(int limit) {
    if (limit < 1 || limit > MAX_BATCH) {
      return Future.failedFuture(new IllegalArgumentException("limit must be 1.." + MAX_BATCH + ": " + limit));
    }
    return pool.preparedQuery(PENDING).execute(Tuple.of(limit))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<OutboxRow> out = new ArrayList<>(rows.size());
          for (Row r : rows) {
            out.add(new OutboxRow(r.getLong("seq"), r.getString("key"),
                CloudEvent.fromJson((JsonObject) r.getValue("payload"))));
          }
          return out;
        });
  }

  /** See {@link EventOutbox#markPublished}: one {@code UPDATE} setting {@code published_at} to now. */
  @Override
  public Future<Void> markPublished(List<Long> seqs) {
    if (seqs.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(MARK)
        .execute(Tuple.of(seqs.toArray(Long[]::new), PgResourceStore.ts(Clock.now())))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  /** See {@link EventOutbox#backlog}: a count over index {@code events_unpublished}. */
  @Override
  public Future<Long> backlog() {
    return pool.query(BACKLOG).execute()
        .map(rows -> rows.iterator().next().getLong("n"))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  /**
   * See {@link EventOutbox#audit}: one {@code SELECT} with a condition per filter that is set (so each combination
   * is its own prepared statement with its own plan), {@code ORDER BY seq DESC}, one row more than the page to learn
   * whether more follow. The subject prefix is a {@code LIKE} pattern whose {@code %}, {@code _} and {@code \} are
   * escaped ({@link #likePrefix}), so it matches literally.
   */
  @Override
  public Future<AuditPage> audit(AuditQuery q) {
    StringBuilder sql = new StringBuilder("SELECT seq, organization_id, payload FROM events WHERE true");
    Tuple args = Tuple.tuple();
    if (q.reach() instanceof AuditQuery.Organization o) {
      args.addString(o.id());
      sql.append(" AND organization_id = $").append(args.size());
    }
    if (q.startTime() != null) {
      args.addOffsetDateTime(PgResourceStore.ts(q.startTime()));
      sql.append(" AND time >= $").append(args.size());
    }
    if (q.endTime() != null) {
      args.addOffsetDateTime(PgResourceStore.ts(q.endTime()));
      sql.append(" AND time < $").append(args.size());
    }
    if (q.actor() != null) {
      args.addString(q.actor());
      sql.append(" AND actor_id = $").append(args.size());
    }
    if (q.subjectPrefix() != null) {
      args.addString(likePrefix(q.subjectPrefix()));
      sql.append(" AND subject LIKE $").append(args.size()).append(" ESCAPE '\\'");
    }
    if (q.type() != null) {
      args.addString(q.type());
      sql.append(" AND type = $").append(args.size());
    }
    if (q.beforeSeq() != null) {
      args.addLong(q.beforeSeq());
      sql.append(" AND seq < $").append(args.size());
    }
    args.addInteger(q.limit() + 1);
    sql.append(" ORDER BY seq DESC LIMIT $").append(args.size());
    return pool.preparedQuery(sql.toString()).execute(args)
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<AuditPage.Entry> out = new ArrayList<>(rows.size());
          boolean more = false;
          for (Row r : rows) {
            if (out.size() == q.limit()) {
              more = true;
              break;
            }
            out.add(new AuditPage.Entry(r.getLong("seq"), r.getString("organization_id"),
                CloudEvent.fromJson((JsonObject) r.getValue("payload"))));
          }
          return new AuditPage(out, more);
        });
  }

  /** A {@code LIKE} pattern (escape character {@code \}) matching the strings that start with {@code prefix}. */
  static String likePrefix(String prefix) {
    StringBuilder b = new StringBuilder(prefix.length() + 8);
    for (int i = 0; i < prefix.length(); i++) {
      char c = prefix.charAt(i);
      if (c == '\\' || c == '%' || c == '_') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.append('%').toString();
  }

  /**
   * See {@link EventOutbox#purge}: {@code DELETE}s of at most {@value #PURGE_BATCH} rows each (found through
   * {@code events_time}), repeated until one deletes fewer; each its own transaction. Concurrent purges on other
   * nodes only share the work.
   */
  @Override
  public Future<Long> purge(Instant olderThan, boolean includeUnpublished) {
    Objects.requireNonNull(olderThan, "olderThan");
    return purgeFrom(includeUnpublished ? PURGE_ALL : PURGE, PgResourceStore.ts(olderThan), 0);
  }

  private Future<Long> purgeFrom(String sql, java.time.OffsetDateTime cutoff, long sofar) {
    return pool.preparedQuery(sql).execute(Tuple.of(cutoff))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(r -> r.rowCount() < PURGE_BATCH ? Future.succeededFuture(sofar + r.rowCount())
            : purgeFrom(sql, cutoff, sofar + r.rowCount()));
  }

  /**
   * Opens a dedicated connection and tries the advisory lock on it; closes the connection again when another
   * session holds the lock.
   */
  @Override
  public Future<RelayLock> tryLock(String holder) {
    if (holder == null || holder.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("holder must be non-empty"));
    }
    return PgConnection.connect(vertx, connect)
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(conn -> conn.query(TRY_LOCK).execute()
            .map(rows -> rows.iterator().next().getBoolean("locked"))
            .recover(e -> conn.close().transform(v -> Future.failedFuture(PgErrors.map(e))))
            .compose(locked -> {
              if (!locked) {
                return conn.close().<RelayLock>map(v -> null).otherwise((RelayLock) null);
              }
              LOG.info("relay {} holds the event outbox lock", holder);
              return Future.succeededFuture(new Lock(holder, conn));
            }));
  }

  /** The advisory lock, held while its connection is open. */
  private static final class Lock implements RelayLock {
    private final String holder;
    private final PgConnection conn;
    private volatile boolean lost;

    Lock(String holder, PgConnection conn) {
      this.holder = holder;
      this.conn = conn;
      conn.closeHandler(v -> {
        if (!lost) {
          lost = true;
          LOG.warn("relay {} lost the event outbox lock: its connection closed", holder);
        }
      });
    }

    /** The holder's name, as given to {@link PgEventOutbox#tryLock}. */
    @Override
    public String holder() {
      return holder;
    }

    /** False once released or once the connection closed; else a round trip on the connection tells. */
    @Override
    public Future<Boolean> check() {
      if (lost) {
        return Future.succeededFuture(false);
      }
      return conn.query("SELECT 1").execute()
          .map(rows -> !lost)
          .otherwise(e -> {
            LOG.warn("relay {} gives up the event outbox lock: {}", holder, e.toString());
            release();
            return false;
          });
    }

    /** Closes the connection, which ends the session and so frees the lock. */
    @Override
    public Future<Void> release() {
      lost = true;
      return conn.close().otherwiseEmpty();
    }
  }
}
