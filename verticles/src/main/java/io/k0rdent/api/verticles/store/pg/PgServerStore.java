package io.k0rdent.api.verticles.store.pg;

import static io.k0rdent.api.verticles.store.pg.PgResourceStore.instant;
import static io.k0rdent.api.verticles.store.pg.PgResourceStore.ts;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.server.Server;
import io.k0rdent.api.core.server.ServerLogEntry;
import io.k0rdent.api.core.server.ServerState;
import io.k0rdent.api.core.store.IpamStore.Place;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.core.store.ServerStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * {@link ServerStore} over tables {@code servers} and {@code server_logs} ({@code V5__servers.sql}). Every
 * write that a rule guards is one statement whose {@code WHERE} holds the rule, so that no interleaving can break
 * it: an update sets the row only {@code WHERE version = v - 1} (and, fenced, {@code AND lease_holder = h AND
 * lease_token = t}), a fenced delete only while the lease is the caller's, and an acquisition is one conditional
 * {@code UPDATE ... RETURNING} over the row locked {@code FOR UPDATE} (which also yields the previous holder).
 * When such a statement changes nothing, the stored row tells why (404, 409 {@code LEASE_LOST} or 412), read in
 * the same statement and, when that snapshot predates a concurrent change, once more. Lease expiry is decided on
 * the {@code now} the caller passes, never the database clock. Log entries take their {@code seq} from
 * {@code servers.log_seq}, advanced under the server row's lock in the append's transaction (so concurrent
 * appends to one server take turns and their seqs strictly increase); the same transaction deletes the entries
 * beyond the newest {@value #MAX_LOG_ENTRIES}. Failures are {@link ApiException}s, 503 through {@link PgErrors}
 * when the database cannot be reached.
 *
 * <p>Creates, updates (fenced or not) and fenced deletes append their event ({@link PgEvents}) in their own
 * transaction, after the statement that writes the server's row; a write that changes nothing appends nothing. Leases
 * and logs are no resource changes: they append none.
 *
 * <p>A stored server's BMC is {@code null} exactly when its address is: a BMC without an address cannot be
 * stored (IllegalArgumentException). A null {@code power}, {@code maintenance} or {@code health} is stored and
 * read back as {@link Server.Power#UNKNOWN}, {@link Server.Maintenance#OFF} and {@link Server.Health#UNKNOWN}.
 */
final class PgServerStore implements ServerStore {

  /** Log entries kept per server at most; the oldest go first. */
  static final int MAX_LOG_ENTRIES = 10_000;

  private static final String COLS = "uid, region, project_id, id, display_name, description, tags, persona,"
      + " bmc_address, bmc_credentials, bmc_certificate_sha256, bmc_insecure, state, step, power_observed,"
      + " power_requested, maintenance, maintenance_reason, health_status, health_checked_at, health_reasons,"
      + " last_error, hardware, provisioning, inspect_after_enroll, state_changed_at, created_at, updated_at, version";

  private static final String INSERT = "INSERT INTO servers (" + COLS + ") VALUES ($1, $2, $3, $4, $5, $6,"
      + " $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21::jsonb, $22, $23::jsonb,"
      + " $24::jsonb, $25, $26, $27, $28, $29) RETURNING " + COLS;
  private static final String GET = "SELECT " + COLS + " FROM servers WHERE region = $1 AND project_id = $2"
      + " AND id = $3";
  private static final String BY_UID = "SELECT " + COLS + " FROM servers WHERE uid = $1";
  private static final String LIST = "SELECT " + COLS + " FROM servers WHERE region = $1 AND project_id = $2"
      + " ORDER BY created_at, id LIMIT $3";
  private static final String LIST_AFTER = "SELECT " + COLS + " FROM servers WHERE region = $1"
      + " AND project_id = $2 AND (created_at, id) > ($4::timestamptz, $5::text) ORDER BY created_at, id LIMIT $3";

  /**
   * The compare-and-set update: $1 uid, $2 id, $3 the new version, $4..$22 the mutable fields
   * ({@link #updateArgs}), $23 whether to replace the BMC with $24..$27; fenced, also $28 holder and $29 token.
   * Answers one row: the stored id, version and lease before the statement ({@code cur_*}, null when absent) and
   * the updated row (null columns when nothing was updated).
   */
  private static final String UPDATE = "WITH cur AS (SELECT id, version, lease_holder, lease_token FROM servers"
      + " WHERE uid = $1),"
      + " upd AS (UPDATE servers SET display_name = $4, description = $5, tags = $6::jsonb, persona = $7,"
      + " state = $8, step = $9, power_observed = $10, power_requested = $11, maintenance = $12,"
      + " maintenance_reason = $13, health_status = $14, health_checked_at = $15, health_reasons = $16::jsonb,"
      + " last_error = $17, hardware = $18::jsonb, provisioning = $19::jsonb, inspect_after_enroll = $20,"
      + " state_changed_at = $21, updated_at = $22, version = $3,"
      + " bmc_address = CASE WHEN $23::boolean THEN $24::text ELSE bmc_address END,"
      + " bmc_credentials = CASE WHEN $23::boolean THEN $25::text ELSE bmc_credentials END,"
      + " bmc_certificate_sha256 = CASE WHEN $23::boolean THEN $26::text ELSE bmc_certificate_sha256 END,"
      + " bmc_insecure = CASE WHEN $23::boolean THEN $27::boolean ELSE bmc_insecure END"
      + " WHERE uid = $1 AND id = $2 AND version = $3 - 1%s RETURNING " + COLS + ")"
      + " SELECT cur.id AS cur_id, cur.version AS cur_version, cur.lease_holder AS cur_holder,"
      + " cur.lease_token AS cur_token, upd.* FROM (VALUES (1)) AS one (x) LEFT JOIN cur ON true"
      + " LEFT JOIN upd ON true";
  private static final String UPDATE_FREE = String.format(UPDATE, "");
  private static final String UPDATE_FENCED = String.format(UPDATE,
      " AND lease_holder = $28::text AND lease_token = $29::bigint");
  /** The stored id, version and lease of server $1 (to tell why a guarded write changed nothing). */
  private static final String CURRENT = "SELECT id AS cur_id, version AS cur_version, lease_holder AS cur_holder,"
      + " lease_token AS cur_token FROM servers WHERE uid = $1";
  /**
   * Deletes server $1 (its log by the cascade) while ($2, $3) holds its lease. Answers one row: the stored id,
   * version and lease before the statement ({@code cur_*}) and the deleted row (null columns when nothing was deleted).
   */
  private static final String DELETE_FENCED = "WITH cur AS (SELECT id, version, lease_holder, lease_token"
      + " FROM servers WHERE uid = $1),"
      + " del AS (DELETE FROM servers WHERE uid = $1 AND lease_holder = $2 AND lease_token = $3 RETURNING " + COLS
      + ") SELECT cur.id AS cur_id, cur.version AS cur_version,"
      + " cur.lease_holder AS cur_holder, cur.lease_token AS cur_token, del.* FROM (VALUES (1)) AS one (x)"
      + " LEFT JOIN cur ON true LEFT JOIN del ON true";

  private static final String WORKING_STATES = Arrays.stream(ServerState.values()).filter(ServerState::working)
      .map(s -> "'" + s.wire() + "'").collect(Collectors.joining(", "));
  /** The predicate of index {@code servers_needing_work}, as written there. */
  private static final String NEEDS_WORK = "NOT maintenance AND (state IN (" + WORKING_STATES + ")"
      + " OR power_requested IS NOT NULL)";
  private static final String NEEDING_WORK = "SELECT " + COLS + " FROM servers WHERE " + NEEDS_WORK
      + " AND (lease_holder IS NULL OR lease_expires <= $1) ORDER BY state_changed_at, id LIMIT $2";

  /**
   * Takes the lease of server $1 for $2 until $3 when, at $4, it is free, released, expired or $2's: one
   * statement over the row locked {@code FOR UPDATE}, whose old holder ({@code p}) is the previous holder when it
   * is another's (that lease had expired).
   */
  private static final String ACQUIRE = "UPDATE servers AS s SET lease_holder = $2::text,"
      + " lease_token = s.lease_token + 1, lease_expires = $3::timestamptz"
      + " FROM (SELECT uid, lease_holder FROM servers WHERE uid = $1 FOR UPDATE) AS p"
      + " WHERE s.uid = p.uid AND (s.lease_holder IS NULL OR s.lease_holder = $2::text"
      + " OR s.lease_expires <= $4::timestamptz)"
      + " RETURNING s.lease_token AS token,"
      + " CASE WHEN p.lease_holder = $2::text THEN NULL ELSE p.lease_holder END AS previous_holder";
  private static final String RENEW = "UPDATE servers SET lease_expires = $4 WHERE uid = $1 AND lease_holder = $2"
      + " AND lease_token = $3";
  private static final String RELEASE = "UPDATE servers SET lease_holder = NULL WHERE uid = $1"
      + " AND lease_holder = $2 AND lease_token = $3";

  /** Advances server $1's {@code log_seq} by $2 (locking its row); answers the new value. */
  private static final String TAKE_SEQS = "UPDATE servers SET log_seq = log_seq + $2 WHERE uid = $1"
      + " RETURNING log_seq";
  /**
   * Inserts entries $3..$6 (arrays of at, severity, message, job id) of server $1 with seqs $2 + 1, $2 + 2, ...
   * except those at or below $7, and deletes the server's entries at or below $7 (the oldest beyond the cap).
   */
  private static final String APPEND = "WITH ins AS (INSERT INTO server_logs (server_uid, seq, at, severity,"
      + " message, job_id) SELECT $1::uuid, $2::bigint + e.n, e.at, e.severity, e.message, e.job_id"
      + " FROM unnest($3::timestamptz[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY"
      + " AS e (at, severity, message, job_id, n) WHERE $2::bigint + e.n > $7::bigint)"
      + " DELETE FROM server_logs WHERE server_uid = $1::uuid AND seq <= $7::bigint";
  private static final String LOGS = "SELECT seq, at, severity, message, job_id FROM server_logs"
      + " WHERE server_uid = $1 AND seq > $2 AND ($3::timestamptz IS NULL OR at >= $3::timestamptz)"
      + " AND ($4::timestamptz IS NULL OR at < $4::timestamptz) ORDER BY seq LIMIT $5";

  private final Pool pool;
  /** Appends each mutation's event in the mutation's transaction. */
  private final PgEvents events;

  PgServerStore(Pool pool, PgEvents events) {
    this.pool = pool;
    this.events = events;
  }

  // ---------------------------------------------------------------- servers

  @Override
  public Future<Server> create(Server s) {
    Tuple args;
    try {
      Server.Bmc bmc = bmc(s);
      args = Tuple.from(Arrays.asList(s.uid(), s.region(), s.projectId(), s.id(), s.displayName(), s.description(),
          tags(s.tags()), s.persona(), bmc == null ? null : bmc.address(),
          bmc == null ? null : bmc.sealedCredentials(), bmc == null ? null : bmc.certificateSha256(),
          bmc != null && bmc.insecure(), s.state().wire(), s.step(), power(s).observed(), requested(power(s)),
          maintenance(s).on(), maintenance(s).reason(), health(s).status(), ts(health(s).lastCheckTime()),
          new JsonArray(new ArrayList<>(health(s).failureReasons())), s.lastError(), s.hardware(),
          provisioning(s.provisioning()), s.inspectAfterEnroll(), ts(s.stateChangedAt()), ts(s.createdAt()),
          ts(s.updatedAt()), s.version()));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return events.inTransaction(pool, ChangeEvents.CREATED,
            conn -> conn.preparedQuery(INSERT).execute(args).map(rows -> server(first(rows))))
        .recover(e -> Future.failedFuture(onCreateFailure(s, e)));
  }

  /** 409 when {@code e} is the one-server-per-BMC index refusing {@code s}'s address; else null. */
  private static ApiException bmcTaken(Server s, Throwable e) {
    return PgErrors.UNIQUE_VIOLATION.equals(PgErrors.sqlState(e))
        && "servers_bmc_address_unique".equals(PgErrors.constraint(e))
        ? ServerStore.bmcTaken(s.bmc().address()) : null;
  }

  private static Throwable onCreateFailure(Server s, Throwable e) {
    String state = PgErrors.sqlState(e);
    if (bmcTaken(s, e) != null) {
      return bmcTaken(s, e);
    }
    if (PgErrors.UNIQUE_VIOLATION.equals(state)) {
      return ApiException.conflict("ALREADY_EXISTS", "server '" + s.id() + "' already exists");
    }
    if (PgErrors.FOREIGN_KEY_VIOLATION.equals(state) && "servers_project_fkey".equals(PgErrors.constraint(e))) {
      return ApiException.notFound("project", s.projectId());
    }
    return PgErrors.map(e);
  }

  @Override
  public Future<Server> get(Place place, String id) {
    return pool.preparedQuery(GET).execute(Tuple.of(place.region(), place.project(), id))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(ApiException.notFound("server", id))
            : Future.succeededFuture(server(first(rows))));
  }

  @Override
  public Future<Server> byUid(UUID uid) {
    return pool.preparedQuery(BY_UID).execute(Tuple.of(uid))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> rows.size() == 0 ? null : server(first(rows)));
  }

  @Override
  public Future<Page<Server>> list(Place place, PageCursor after, int limit) {
    Tuple args = Tuple.of(place.region(), place.project(), (long) limit + 1);
    if (after != null) {
      args.addValue(ts(after.createdAt())).addValue(after.id());
    }
    return pool.preparedQuery(after == null ? LIST : LIST_AFTER).execute(args)
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<Server> items = new ArrayList<>();
          boolean more = false;
          for (Row r : rows) {
            if (items.size() == limit) {
              more = true;
              break;
            }
            items.add(server(r));
          }
          Server last = more ? items.get(items.size() - 1) : null;
          return new Page<>(items, last == null ? null : new PageCursor(last.createdAt(), last.id()));
        });
  }

  @Override
  public Future<Server> update(Server updated, boolean replaceBmc) {
    return write(updated, replaceBmc, false, null, 0);
  }

  @Override
  public Future<Server> updateFenced(Server updated, String holder, long token) {
    return write(updated, false, true, holder, token);
  }

  /** {@link #UPDATE_FREE} or ({@code fenced}) {@link #UPDATE_FENCED}; on no change, the reason why. */
  private Future<Server> write(Server u, boolean replaceBmc, boolean fenced, String holder, long token) {
    Tuple args;
    try {
      args = updateArgs(u, replaceBmc);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (fenced) {
      args.addValue(holder).addValue(token);
    }
    return events.inTransaction(pool, ChangeEvents.UPDATED, conn -> conn.preparedQuery(
            fenced ? UPDATE_FENCED : UPDATE_FREE).execute(args)
        .recover(e -> Future.failedFuture(bmcTaken(u, e) != null ? bmcTaken(u, e) : PgErrors.map(e)))
        .compose(rows -> {
          Row row = first(rows);
          if (row.getUUID("uid") != null) {
            return Future.succeededFuture(server(row));
          }
          ApiException why = refusal(row, u, fenced, holder, token);
          if (why != null) {
            return Future.failedFuture(why);
          }
          // the statement's snapshot predates a concurrent change that its write saw: read the row again (a new
          // statement of this read-committed transaction: a new snapshot)
          return conn.preparedQuery(CURRENT).execute(Tuple.of(u.uid()))
              .recover(e -> Future.failedFuture(PgErrors.map(e)))
              .compose(again -> {
                ApiException now = refusal(again.size() == 0 ? null : first(again), u, fenced, holder, token);
                return Future.<Server>failedFuture(now != null ? now : changed(u.id()));
              });
        }))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  /**
   * Why a guarded write of {@code u} changed nothing, by the stored row {@code cur} ({@code cur_*} columns; null
   * or null columns when the server is gone), in the in-memory store's order: gone 404, lease lost 409, another
   * server's uid 404, another version 412; null when the row as read allowed the write.
   */
  private static ApiException refusal(Row cur, Server u, boolean fenced, String holder, long token) {
    if (cur == null || cur.getLong("cur_version") == null) {
      return ApiException.notFound("server", u.id());
    }
    if (fenced && !holds(cur, holder, token)) {
      return leaseLost(u.uid());
    }
    if (!u.id().equals(cur.getString("cur_id"))) {
      return ApiException.notFound("server", u.id());
    }
    if (cur.getLong("cur_version") != u.version() - 1) {
      return changed(u.id());
    }
    return null;
  }

  /** Whether ({@code holder}, {@code token}) holds the lease in stored row {@code cur}. */
  private static boolean holds(Row cur, String holder, long token) {
    return holder != null && holder.equals(cur.getString("cur_holder")) && cur.getLong("cur_token") == token;
  }

  private static ApiException changed(String id) {
    return ApiException.preconditionFailed("server '" + id + "' was changed meanwhile");
  }

  private static ApiException leaseLost(UUID uid) {
    return ApiException.conflict("LEASE_LOST", "another worker holds server " + uid + " now");
  }

  /** $1..$27 of {@link #UPDATE}. */
  private static Tuple updateArgs(Server u, boolean replaceBmc) {
    Server.Bmc bmc = replaceBmc ? bmc(u) : null;
    return Tuple.from(Arrays.asList(u.uid(), u.id(), u.version(), u.displayName(), u.description(), tags(u.tags()),
        u.persona(), u.state().wire(), u.step(), power(u).observed(), requested(power(u)), maintenance(u).on(),
        maintenance(u).reason(), health(u).status(), ts(health(u).lastCheckTime()),
        new JsonArray(new ArrayList<>(health(u).failureReasons())), u.lastError(), u.hardware(),
        provisioning(u.provisioning()), u.inspectAfterEnroll(), ts(u.stateChangedAt()), ts(u.updatedAt()),
        replaceBmc, bmc == null ? null : bmc.address(), bmc == null ? null : bmc.sealedCredentials(),
        bmc == null ? null : bmc.certificateSha256(), bmc != null && bmc.insecure()));
  }

  @Override
  public Future<Void> deleteFenced(UUID uid, String holder, long token) {
    return events.inTransaction(pool, conn -> conn.preparedQuery(DELETE_FENCED).execute(Tuple.of(uid, holder, token))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(rows -> {
          Row row = first(rows);
          if (row.getUUID("uid") != null) {
            return Future.succeededFuture(server(row)); // as it was stored
          }
          ApiException why = deleteRefusal(row, uid, holder, token);
          if (why != null) {
            return Future.failedFuture(why);
          }
          return conn.preparedQuery(CURRENT).execute(Tuple.of(uid))
              .recover(e -> Future.failedFuture(PgErrors.map(e)))
              .compose(again -> {
                ApiException now = deleteRefusal(again.size() == 0 ? null : first(again), uid, holder, token);
                return Future.<Server>failedFuture(now != null ? now : leaseLost(uid));
              });
        }), events.events()::deleted)
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .mapEmpty();
  }

  private static ApiException deleteRefusal(Row cur, UUID uid, String holder, long token) {
    if (cur == null || cur.getLong("cur_version") == null) {
      return ApiException.notFound("server", uid.toString());
    }
    if (!holds(cur, holder, token)) {
      return leaseLost(uid);
    }
    return null;
  }

  @Override
  public Future<List<Server>> needingWork(Instant now, int limit) {
    return pool.preparedQuery(NEEDING_WORK).execute(Tuple.of(ts(now), (long) limit))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<Server> out = new ArrayList<>(rows.size());
          rows.forEach(r -> out.add(server(r)));
          return out;
        });
  }

  // ---------------------------------------------------------------- leases

  @Override
  public Future<Lease> acquire(UUID server, String holder, Duration ttl, Instant now) {
    return pool.preparedQuery(ACQUIRE).execute(Tuple.of(server, holder, ts(now.plus(ttl)), ts(now)))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = first(rows);
          return new Lease(server, holder, r.getLong("token"), r.getString("previous_holder"));
        });
  }

  @Override
  public Future<Boolean> renew(UUID server, String holder, long token, Duration ttl, Instant now) {
    return pool.preparedQuery(RENEW).execute(Tuple.of(server, holder, token, ts(now.plus(ttl))))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> rows.rowCount() > 0);
  }

  @Override
  public Future<Void> release(UUID server, String holder, long token) {
    return pool.preparedQuery(RELEASE).execute(Tuple.of(server, holder, token))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .mapEmpty();
  }

  // ---------------------------------------------------------------- logs

  @Override
  public Future<Void> appendLog(UUID server, List<ServerLogEntry> entries) {
    if (entries.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = entries.size();
    OffsetDateTime[] at = new OffsetDateTime[n];
    String[] severity = new String[n];
    String[] message = new String[n];
    String[] jobId = new String[n];
    for (int i = 0; i < n; i++) {
      ServerLogEntry e = entries.get(i);
      at[i] = ts(e.at());
      severity[i] = e.severity().wire();
      message[i] = e.message();
      jobId[i] = e.jobId();
    }
    return pool.withTransaction(conn -> conn.preparedQuery(TAKE_SEQS).execute(Tuple.of(server, (long) n))
            .compose(rows -> {
              if (rows.size() == 0) {
                return Future.<Void>succeededFuture(); // the server is gone: its entries are dropped
              }
              long last = first(rows).getLong("log_seq");
              // a new statement: its snapshot holds every append that took the row lock before this one
              return conn.preparedQuery(APPEND).execute(Tuple.from(Arrays.asList(server, last - n, at, severity,
                  message, jobId, last - MAX_LOG_ENTRIES))).<Void>mapEmpty();
            }))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  @Override
  public Future<Page<ServerLogEntry>> logs(UUID server, Instant start, Instant end, long afterSeq, int limit) {
    return pool.preparedQuery(LOGS).execute(Tuple.of(server, afterSeq, ts(start), ts(end), (long) limit + 1))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<ServerLogEntry> items = new ArrayList<>();
          boolean more = false;
          for (Row r : rows) {
            if (items.size() == limit) {
              more = true;
              break;
            }
            items.add(new ServerLogEntry(r.getLong("seq"), instant(r, "at"),
                ServerLogEntry.Severity.valueOf(r.getString("severity").toUpperCase(Locale.ROOT)),
                r.getString("message"), r.getString("job_id")));
          }
          ServerLogEntry last = more ? items.get(items.size() - 1) : null;
          return new Page<>(items, last == null ? null : new PageCursor(null, Long.toString(last.seq())));
        });
  }

  // ---------------------------------------------------------------- rows

  private static Row first(RowSet<Row> rows) {
    return rows.iterator().next();
  }

  private static Server.Bmc bmc(Server s) {
    Server.Bmc bmc = s.bmc();
    if (bmc != null && bmc.address() == null) {
      throw new IllegalArgumentException("a BMC is stored with its address");
    }
    return bmc;
  }

  private static Server.Power power(Server s) {
    return s.power() == null ? Server.Power.UNKNOWN : s.power();
  }

  private static String requested(Server.Power p) {
    return p.requested() == null ? null : p.requested().name();
  }

  private static Server.Maintenance maintenance(Server s) {
    return s.maintenance() == null ? Server.Maintenance.OFF : s.maintenance();
  }

  private static Server.Health health(Server s) {
    return s.health() == null ? Server.Health.UNKNOWN : s.health();
  }

  private static JsonObject tags(Map<String, String> tags) {
    return new JsonObject(new LinkedHashMap<>(tags));
  }

  private static JsonObject provisioning(Server.Provisioning p) {
    if (p == null) {
      return null;
    }
    return new JsonObject().put("osImage", p.osImage()).put("configuration", p.configuration())
        .put("jobId", p.jobId());
  }

  private static Server server(Row r) {
    String address = r.getString("bmc_address");
    Server.Bmc bmc = address == null ? null : new Server.Bmc(address, r.getString("bmc_credentials"),
        r.getString("bmc_certificate_sha256"), r.getBoolean("bmc_insecure"));
    Map<String, String> tags = new LinkedHashMap<>();
    JsonObject t = (JsonObject) r.getValue("tags");
    t.forEach(e -> tags.put(e.getKey(), String.valueOf(e.getValue())));
    String requested = r.getString("power_requested");
    Server.Power power = new Server.Power(r.getString("power_observed"),
        requested == null ? null : Server.PowerRequest.valueOf(requested));
    List<String> reasons = new ArrayList<>();
    ((JsonArray) r.getValue("health_reasons")).forEach(v -> reasons.add(String.valueOf(v)));
    Server.Health health = new Server.Health(r.getString("health_status"), instant(r, "health_checked_at"), reasons);
    JsonObject p = (JsonObject) r.getValue("provisioning");
    Server.Provisioning provisioning = p == null ? null
        : new Server.Provisioning(p.getString("osImage"), p.getJsonObject("configuration"), p.getString("jobId"));
    return new Server(r.getString("region"), r.getString("project_id"), r.getString("id"), r.getUUID("uid"),
        r.getString("display_name"), r.getString("description"), tags, r.getString("persona"), bmc,
        ServerState.byName(r.getString("state")), r.getString("step"), power,
        new Server.Maintenance(r.getBoolean("maintenance"), r.getString("maintenance_reason")), health,
        r.getString("last_error"), (JsonObject) r.getValue("hardware"), provisioning,
        r.getBoolean("inspect_after_enroll"), instant(r, "state_changed_at"), instant(r, "created_at"),
        instant(r, "updated_at"), r.getLong("version"));
  }
}
