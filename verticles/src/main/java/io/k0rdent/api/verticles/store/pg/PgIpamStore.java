package io.k0rdent.api.verticles.store.pg;

import static io.k0rdent.api.verticles.store.pg.PgResourceStore.instant;
import static io.k0rdent.api.verticles.store.pg.PgResourceStore.ts;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.ipam.AddressRange;
import io.k0rdent.api.core.ipam.IpamErrors;
import io.k0rdent.api.core.resource.Address;
import io.k0rdent.api.core.resource.AddressPool;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Network;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.resource.Subnet;
import io.k0rdent.api.core.store.IpamStore;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.PageCursor;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link IpamStore} over tables {@code networks}, {@code subnets}, {@code address_pools}, {@code addresses}
 * and {@code address_releases} ({@code V4__ipam.sql}). The rules that must hold under concurrency are the
 * schema's: exclusion constraints keep networks of a project and pools of a region apart, {@code UNIQUE
 * (range_uid, ip)} keeps an address from being allocated twice from one subnet or pool, and foreign keys keep
 * addresses from outliving their range and projects from being deleted under their networks. An automatic
 * allocation takes no lock on the range: it reads the taken addresses after a random start in batches of
 * {@value #BATCH}, inserts the first free one with {@code ON CONFLICT DO NOTHING}, and starts over from a new
 * random point (at most {@value #MAX_ATTEMPTS} times) when another request took it first. Deletes of a
 * network or pool lock its row ({@code FOR UPDATE}) and allocations lock it {@code FOR KEY SHARE}, so one
 * waits for the other. Creates of networks of one project (pools of one region) take turns on an advisory
 * lock, as concurrent inserts checking one exclusion constraint deadlock. Errors are {@link IpamErrors}' (as
 * the in-memory store's), 503 through {@link PgErrors} when the database cannot be reached. Blocks and
 * addresses are returned as the text they were stored with, never PostgreSQL's rendering.
 *
 * <p>Every successful mutation appends its event ({@link PgEvents}) in its own transaction, after the statement
 * that writes (and so locks) the resource's row; a mutation that a retry runs again appends only in the run that
 * commits. A network's events show it with its subnets as stored after the change: the created event with the
 * subnet created with it, the updated event with the subnets read in the update's transaction. An allocation runs
 * in one transaction, its reads of the taken addresses included, so that its insert and its event commit together.
 */
final class PgIpamStore implements IpamStore {

  /** Taken addresses read per query while looking for a free one. */
  static final int BATCH = 256;
  /** Automatic allocations tried per request before 409 {@code ABORTED}. */
  static final int MAX_ATTEMPTS = 64;
  /** How long a release is remembered (then releasing again is a 404). */
  static final Duration RELEASE_MEMORY = Duration.ofDays(1);
  /**
   * Advisory lock class (first key; the second is a hash of region and project) taken by network creates:
   * concurrent inserts checking one exclusion constraint wait for each other and deadlock (again and again
   * when retried), so creates in one project take turns and the exclusion constraint answers the later ones.
   * (V3 uses class 1798197104.)
   */
  static final int NETWORK_LOCK = 1798197105;
  /** Advisory lock class of pool creates (second key: a hash of the region); see {@link #NETWORK_LOCK}. */
  static final int POOL_LOCK = 1798197106;
  /**
   * Advisory lock class of EXTERNAL allocations under a quota (second key: a hash of region and project): the
   * count and the insert of one allocation are not interleaved with another's.
   */
  static final int EXTERNAL_QUOTA_LOCK = 1798197107;

  static final String EXCLUSION_VIOLATION = "23P01";

  private static final String NETWORK_COLS =
      "region, project_id, id, uid, display_name, description, cidr_text, created_at, updated_at, version";
  private static final String SUBNET_COLS =
      "region, project_id, id, uid, network_id, cidr_text, created_at, updated_at, version";
  private static final String POOL_COLS =
      "region, id, uid, display_name, description, cidr_text, created_at, updated_at, version";
  private static final String ADDRESS_COLS = "region, project_id, id, uid, display_name, description, ip_text, "
      + "ip_version, address_type, network_id, subnet_id, pool_id, status, created_at, updated_at, version";
  private static final String PLACE = "region = $1 AND project_id = $2";

  /**
   * Inserts a network and its subnet, after taking the transaction's advisory lock on the project's networks
   * in the region (see {@link #NETWORK_LOCK}).
   */
  private static final String CREATE_NETWORK = "WITH n AS (INSERT INTO networks (" + NETWORK_COLS + ")"
      + " SELECT $1::text, $2::text, $3::text, $4::uuid, $5::text, $6::text, $7::text, $8::timestamptz,"
      + " $9::timestamptz, $10::bigint"
      + " FROM (SELECT pg_advisory_xact_lock(" + NETWORK_LOCK + ", hashtext($1::text || '/' || $2::text))) AS l"
      + " RETURNING " + NETWORK_COLS + "),"
      + " s AS (INSERT INTO subnets (" + SUBNET_COLS + ") SELECT $11::text, $12::text, $13::text, $14::uuid,"
      + " $15::text, $16::text, $17::timestamptz, $18::timestamptz, $19::bigint FROM n)"
      + " SELECT * FROM n";
  private static final String NETWORK_OVERLAPPING = "SELECT id, cidr_text FROM networks WHERE " + PLACE
      + " AND cidr && $3::text::cidr ORDER BY created_at, id LIMIT 1";
  private static final String GET_NETWORK = "SELECT " + NETWORK_COLS + " FROM networks WHERE " + PLACE
      + " AND id = $3";
  private static final String UPDATE_NETWORK = "WITH cur AS (SELECT version FROM networks WHERE " + PLACE
      + " AND id = $3), upd AS (UPDATE networks SET display_name = $4, description = $5, updated_at = $6,"
      + " version = $7 WHERE " + PLACE + " AND id = $3 AND version = $7 - 1 RETURNING " + NETWORK_COLS + ")"
      + " SELECT (SELECT version FROM cur) AS current_version, upd.* FROM (VALUES (1)) AS one (x)"
      + " LEFT JOIN upd ON true";
  private static final String LOCK_NETWORK = "SELECT version FROM networks WHERE " + PLACE + " AND id = $3"
      + " FOR UPDATE";
  private static final String NETWORK_BLOCKERS = "SELECT " + ADDRESS_COLS + ", count(*) OVER () AS total"
      + " FROM addresses WHERE " + PLACE + " AND network_id = $3 ORDER BY sort_key, id LIMIT "
      + IpamErrors.MAX_BLOCKERS;
  private static final String DELETE_SUBNETS = "DELETE FROM subnets WHERE " + PLACE + " AND network_id = $3";
  private static final String DELETE_NETWORK = "DELETE FROM networks WHERE " + PLACE + " AND id = $3"
      + " RETURNING " + NETWORK_COLS;
  private static final String LIST_NETWORKS = "SELECT " + NETWORK_COLS + " FROM networks WHERE " + PLACE
      + " ORDER BY created_at, id LIMIT $3";
  private static final String LIST_NETWORKS_AFTER = "SELECT " + NETWORK_COLS + " FROM networks WHERE " + PLACE
      + " AND (created_at, id) > ($4::timestamptz, $5::text) ORDER BY created_at, id LIMIT $3";

  private static final String SUBNETS_OF = "SELECT " + SUBNET_COLS + " FROM subnets WHERE " + PLACE
      + " AND network_id = $3 ORDER BY created_at, id";
  private static final String GET_SUBNET = "SELECT " + SUBNET_COLS + " FROM subnets WHERE " + PLACE
      + " AND id = $3";
  private static final String LIST_SUBNETS = "SELECT " + SUBNET_COLS + " FROM subnets WHERE " + PLACE
      + " ORDER BY created_at, id LIMIT $3";
  private static final String LIST_SUBNETS_AFTER = "SELECT " + SUBNET_COLS + " FROM subnets WHERE " + PLACE
      + " AND (created_at, id) > ($4::timestamptz, $5::text) ORDER BY created_at, id LIMIT $3";

  /** The uid of subnet $4 of network $3 (both must exist). */
  private static final String SUBNET_RANGE = "SELECT s.uid FROM networks n JOIN subnets s"
      + " ON s.region = n.region AND s.project_id = n.project_id AND s.network_id = n.id"
      + " WHERE n.region = $1 AND n.project_id = $2 AND n.id = $3 AND s.id = $4";
  private static final String POOL_RANGE = "SELECT uid FROM address_pools WHERE region = $1 AND id = $2";
  private static final String NETWORK_EXISTS = "SELECT 1 FROM networks WHERE " + PLACE + " AND id = $3";
  /** Taken values of range $1 from $2 to $3, ascending (sort_key holds the value in hex). */
  private static final String TAKEN = "SELECT sort_key FROM addresses WHERE range_uid = $1"
      + " AND ip >= $2::text::inet AND ip <= $3::text::inet ORDER BY ip LIMIT " + BATCH;
  /**
   * Inserts one address ($1..$17: {@link #addressArgs}) unless its value is taken in its range; the range
   * ({@code r}: subnet and network, or pool, locked {@code FOR KEY SHARE} against a concurrent delete) must
   * exist. Answers one row: the range's uid (null when it is gone), whether the id was taken, and the
   * inserted address (nulls when nothing was inserted). Removes the id's release tombstone on success.
   */
  private static final String INSERT_ADDRESS = "%s, ins AS (INSERT INTO addresses (region, project_id, id, uid,"
      + " display_name, description, ip_text, sort_key, ip_version, address_type, network_id, subnet_id, pool_id,"
      + " range_uid, status, created_at, updated_at, version)"
      + " SELECT $1::text, $2::text, $3::text, $4::uuid, $5::text, $6::text, $7::text, $8::text, $9::text,"
      + " $10::text, $11::text, $12::text, $13::text, r.uid, $14::text, $15::timestamptz, $16::timestamptz,"
      + " $17::bigint FROM r ON CONFLICT (range_uid, ip) DO NOTHING RETURNING " + ADDRESS_COLS + "),"
      + " tomb AS (DELETE FROM address_releases WHERE " + PLACE + " AND id = $3 AND EXISTS (SELECT 1 FROM ins))"
      + " SELECT (SELECT uid FROM r) AS range_uid,"
      + " EXISTS (SELECT 1 FROM addresses WHERE " + PLACE + " AND id = $3) AS id_taken,"
      + " ins.* FROM (VALUES (1)) AS one (x) LEFT JOIN ins ON true";
  private static final String INSERT_SUBNET_ADDRESS = String.format(INSERT_ADDRESS,
      "WITH r AS (SELECT s.uid FROM networks n JOIN subnets s"
          + " ON s.region = n.region AND s.project_id = n.project_id AND s.network_id = n.id"
          + " WHERE n.region = $1 AND n.project_id = $2 AND n.id = $11 AND s.id = $12 FOR KEY SHARE OF n)");
  private static final String INSERT_POOL_ADDRESS = String.format(INSERT_ADDRESS,
      "WITH r AS (SELECT uid FROM address_pools WHERE region = $1 AND id = $13 FOR KEY SHARE)");
  /**
   * Takes the transaction's advisory lock on the EXTERNAL addresses of project $2 in region $1 (so that counting
   * and inserting cannot interleave with another allocation's), then counts them (a statement after the lock:
   * its snapshot sees every allocation that committed before).
   */
  private static final String EXTERNAL_LOCK = "SELECT pg_advisory_xact_lock(" + EXTERNAL_QUOTA_LOCK
      + ", hashtext($1::text || '/' || $2::text))";
  private static final String EXTERNAL_COUNT = "SELECT count(*) AS n, EXISTS (SELECT 1 FROM addresses WHERE " + PLACE
      + " AND id = $3) AS id_taken FROM addresses WHERE " + PLACE + " AND pool_id IS NOT NULL";
  private static final String GET_ADDRESS = "SELECT " + ADDRESS_COLS + " FROM addresses WHERE " + PLACE
      + " AND id = $3";
  private static final String LIST_ADDRESSES = "SELECT " + ADDRESS_COLS + ", sort_key FROM addresses WHERE "
      + PLACE + " ORDER BY sort_key, id LIMIT $3";
  private static final String LIST_ADDRESSES_AFTER = "SELECT " + ADDRESS_COLS + ", sort_key FROM addresses WHERE "
      + PLACE + " AND (sort_key, id) > ($4::text, $5::text) ORDER BY sort_key, id LIMIT $3";
  private static final String LOCK_ADDRESS = "SELECT " + ADDRESS_COLS + " FROM addresses WHERE " + PLACE
      + " AND id = $3 FOR UPDATE";
  private static final String RELEASED_AT = "SELECT released_at FROM address_releases WHERE " + PLACE
      + " AND id = $3 AND released_at >= $4";
  /** Deletes address $3, remembers the release at $4 and forgets releases before $5 (but this one's). */
  private static final String RELEASE = "WITH del AS (DELETE FROM addresses WHERE " + PLACE + " AND id = $3"
      + " RETURNING 1),"
      + " tomb AS (INSERT INTO address_releases (region, project_id, id, released_at)"
      + " SELECT $1::text, $2::text, $3::text, $4::timestamptz FROM del"
      + " ON CONFLICT (region, project_id, id) DO UPDATE SET released_at = EXCLUDED.released_at),"
      + " prune AS (DELETE FROM address_releases WHERE released_at < $5"
      + " AND (region, project_id, id) <> ($1::text, $2::text, $3::text))"
      + " SELECT count(*) AS deleted FROM del";
  private static final String UPDATE_ADDRESS_STATUS = "WITH cur AS (SELECT version FROM addresses WHERE " + PLACE
      + " AND id = $3), upd AS (UPDATE addresses SET status = $4, updated_at = $5, version = $6"
      + " WHERE " + PLACE + " AND id = $3 AND version = $6 - 1 RETURNING " + ADDRESS_COLS + ")"
      + " SELECT (SELECT version FROM cur) AS current_version, upd.* FROM (VALUES (1)) AS one (x)"
      + " LEFT JOIN upd ON true";

  /** Inserts a pool after taking the transaction's advisory lock on the region's pools ({@link #POOL_LOCK}). */
  private static final String CREATE_POOL = "INSERT INTO address_pools (" + POOL_COLS + ")"
      + " SELECT $1::text, $2::text, $3::uuid, $4::text, $5::text, $6::text, $7::timestamptz, $8::timestamptz,"
      + " $9::bigint FROM (SELECT pg_advisory_xact_lock(" + POOL_LOCK + ", hashtext($1::text))) AS l"
      + " WHERE NOT EXISTS (SELECT 1 FROM networks WHERE region = $1 AND cidr && $6::text::cidr)"
      + " RETURNING " + POOL_COLS;
  private static final String POOL_OVERLAPPING = "SELECT id, cidr_text FROM address_pools WHERE region = $1"
      + " AND cidr && $2::text::cidr ORDER BY created_at, id LIMIT 1";
  private static final String GET_POOL = "SELECT " + POOL_COLS + " FROM address_pools WHERE region = $1 AND id = $2";
  private static final String LIST_POOLS = "SELECT " + POOL_COLS + " FROM address_pools WHERE region = $1"
      + " ORDER BY created_at, id LIMIT $2";
  private static final String LIST_POOLS_AFTER = "SELECT " + POOL_COLS + " FROM address_pools WHERE region = $1"
      + " AND (created_at, id) > ($3::timestamptz, $4::text) ORDER BY created_at, id LIMIT $2";
  private static final String LOCK_POOL = "SELECT version FROM address_pools WHERE region = $1 AND id = $2"
      + " FOR UPDATE";
  private static final String POOL_BLOCKERS = "SELECT " + ADDRESS_COLS + ", count(*) OVER () AS total"
      + " FROM addresses WHERE region = $1 AND pool_id = $2 ORDER BY sort_key, id LIMIT " + IpamErrors.MAX_BLOCKERS;
  private static final String DELETE_POOL = "DELETE FROM address_pools WHERE region = $1 AND id = $2"
      + " RETURNING " + POOL_COLS;

  private final Pool pool;
  /** Appends each mutation's event in the mutation's transaction. */
  private final PgEvents events;
  private final Random random = new SecureRandom();

  PgIpamStore(Pool pool, PgEvents events) {
    this.pool = pool;
    this.events = events;
  }

  // ---------------------------------------------------------------- networks and subnets

  @Override
  public Future<Network> createNetwork(Network network, Subnet subnet) {
    Tuple args = Tuple.of(network.region(), network.projectId(), network.id(), network.uid(), network.displayName(),
            network.description(), network.cidr(), ts(network.createdAt()), ts(network.updatedAt()), network.version())
        .addValue(subnet.region()).addValue(subnet.projectId()).addValue(subnet.id()).addValue(subnet.uid())
        .addValue(subnet.networkId()).addValue(subnet.cidr()).addValue(ts(subnet.createdAt()))
        .addValue(ts(subnet.updatedAt())).addValue(subnet.version());
    return insertApart(() -> events.inTransaction(pool,
            conn -> conn.preparedQuery(CREATE_NETWORK).execute(args).map(rows -> network(first(rows))),
            stored -> events.events().of(ChangeEvents.CREATED, stored, List.of(subnet))),
        e -> onCreateNetworkFailure(network, subnet, e),
        () -> pool.preparedQuery(NETWORK_OVERLAPPING).execute(
                Tuple.of(network.region(), network.projectId(), network.cidr()))
            .map(rows -> rows.size() == 0 ? null
                : overlapError(first(rows), network.id(), "network",
                    (id, cidr) -> IpamErrors.networkOverlap(network.cidr(), id, cidr))));
  }

  /**
   * The error of an insert that overlaps {@code other} (its {@code id} and {@code cidr_text}): a duplicate
   * when that row has the inserted id (e.g. a retried create), else {@code overlap(otherId, otherCidr)}.
   */
  private static ApiException overlapError(Row other, String id, String kind,
                                           BiFunction<String, String, ApiException> overlap) {
    String otherId = other.getString("id");
    return otherId.equals(id) ? IpamErrors.exists(kind, id) : overlap.apply(otherId, other.getString("cidr_text"));
  }

  private static ApiException onCreateNetworkFailure(Network n, Subnet s, Throwable e) {
    String constraint = PgErrors.constraint(e);
    String state = PgErrors.sqlState(e);
    if (PgErrors.UNIQUE_VIOLATION.equals(state)) {
      return switch (constraint == null ? "" : constraint) {
        case "subnets_pkey" -> IpamErrors.exists("subnet", s.id());
        case "networks_uid_key" -> ApiException.conflict("ALREADY_EXISTS", "network uid '" + n.uid()
            + "' already exists");
        case "subnets_uid_key" -> ApiException.conflict("ALREADY_EXISTS", "subnet uid '" + s.uid()
            + "' already exists");
        default -> IpamErrors.exists("network", n.id());
      };
    }
    if (PgErrors.FOREIGN_KEY_VIOLATION.equals(state) && "networks_project_fkey".equals(constraint)) {
      return ApiException.notFound("project", n.projectId());
    }
    return null;
  }

  /**
   * Runs {@code insert}, whose failures {@code onFailure} maps (null: not its case). An exclusion violation
   * answers {@code overlapping}'s error; when the other row has vanished meanwhile the insert is tried once
   * more (then 409 {@code ABORTED}).
   */
  private static <T> Future<T> insertApart(Supplier<Future<T>> insert, Function<Throwable, ApiException> onFailure,
                                           Supplier<Future<ApiException>> overlapping) {
    return insertApart(insert, onFailure, overlapping, false);
  }

  private static <T> Future<T> insertApart(Supplier<Future<T>> insert, Function<Throwable, ApiException> onFailure,
                                           Supplier<Future<ApiException>> overlapping, boolean retried) {
    return insert.get().recover(e -> {
      if (EXCLUSION_VIOLATION.equals(PgErrors.sqlState(e))) {
        return overlapping.get().recover(x -> Future.failedFuture(PgErrors.map(x))).compose(error -> {
          if (error != null) {
            return Future.failedFuture(error);
          }
          return retried
              ? Future.failedFuture(ApiException.conflict("ABORTED", "too many concurrent changes; retry"))
              : insertApart(insert, onFailure, overlapping, true);
        });
      }
      ApiException mapped = onFailure.apply(e);
      return Future.failedFuture(mapped != null ? mapped : PgErrors.map(e));
    });
  }

  @Override
  public Future<Network> getNetwork(Place place, String id) {
    return one(pool.preparedQuery(GET_NETWORK).execute(Tuple.of(place.region(), place.project(), id)),
        PgIpamStore::network, "network", id);
  }

  /** The compare-and-set update, then its event with the network's subnets (read after it, in its transaction). */
  @Override
  public Future<Network> updateNetwork(Network u) {
    return pool.withTransaction(conn -> conn.preparedQuery(UPDATE_NETWORK)
            .execute(Tuple.of(u.region(), u.projectId(), u.id(), u.displayName(), u.description(), ts(u.updatedAt()),
                u.version()))
            .recover(e -> Future.failedFuture(PgErrors.map(e)))
            .compose(rows -> casResult(first(rows), PgIpamStore::network, "network", u.id()))
            .compose(n -> subnetsOf(conn, new Place(n.region(), n.projectId()), n.id())
                .compose(subnets -> events.append(conn, events.events().of(ChangeEvents.UPDATED, n, subnets)))
                .map(n)))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  @Override
  public Future<Void> deleteNetwork(Place place, String id, Long expectedVersion) {
    Tuple key = Tuple.of(place.region(), place.project(), id);
    return retryOnForeignKey(() -> pool.withTransaction(conn -> lockForDelete(conn, LOCK_NETWORK, key, expectedVersion,
            "network", id)
        .compose(v -> blockers(conn, NETWORK_BLOCKERS, key, "network", id))
        .compose(v -> conn.preparedQuery(DELETE_SUBNETS).execute(key))
        .compose(v -> conn.preparedQuery(DELETE_NETWORK).execute(key))
        .compose(rows -> events.append(conn, events.events().deleted(network(first(rows)))))));
  }

  /**
   * Runs {@code delete} once more when it hit a foreign key (an address inserted meanwhile; the second run
   * sees it and refuses with its list), else maps the failure. {@code delete} is a whole transaction, its event
   * included, so only the run that commits leaves an event.
   */
  private static Future<Void> retryOnForeignKey(Supplier<Future<Void>> delete) {
    return delete.get().recover(e -> PgErrors.FOREIGN_KEY_VIOLATION.equals(PgErrors.sqlState(e))
        ? delete.get()
        : Future.failedFuture(e)).recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  /** Locks the row to delete ({@code FOR UPDATE}); 404 when absent, 412 when its version is not the expected one. */
  private static Future<Void> lockForDelete(SqlConnection conn, String sql, Tuple key, Long expectedVersion,
                                            String kind, String id) {
    return conn.preparedQuery(sql).execute(key).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ApiException.notFound(kind, id));
      }
      if (expectedVersion != null && first(rows).getLong("version") != expectedVersion.longValue()) {
        return Future.failedFuture(ApiException.preconditionFailed(kind + " '" + id + "' was changed meanwhile"));
      }
      return Future.succeededFuture();
    });
  }

  /** Fails {@link IpamErrors#stillAllocated} when {@code sql} finds addresses (the first ones, and their total). */
  private static Future<Void> blockers(SqlConnection conn, String sql, Tuple key, String kind, String id) {
    return conn.preparedQuery(sql).execute(key).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture();
      }
      List<Address> listed = new ArrayList<>(rows.size());
      rows.forEach(r -> listed.add(address(r)));
      return Future.failedFuture(IpamErrors.stillAllocated(kind, id, listed, first(rows).getLong("total")));
    });
  }

  @Override
  public Future<Page<Network>> listNetworks(Place place, PageCursor after, int limit) {
    return byCreation(LIST_NETWORKS, LIST_NETWORKS_AFTER, Tuple.of(place.region(), place.project()), after, limit,
        PgIpamStore::network);
  }

  @Override
  public Future<List<Subnet>> subnetsOf(Place place, String networkId) {
    return subnetsOf(pool, place, networkId);
  }

  /** {@link #subnetsOf(Place, String)} through {@code db} (the pool, or a transaction's connection). */
  private static Future<List<Subnet>> subnetsOf(SqlClient db, Place place, String networkId) {
    return db.preparedQuery(SUBNETS_OF).execute(Tuple.of(place.region(), place.project(), networkId))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<Subnet> out = new ArrayList<>(rows.size());
          rows.forEach(r -> out.add(subnet(r)));
          return out;
        });
  }

  @Override
  public Future<Subnet> getSubnet(Place place, String id) {
    return one(pool.preparedQuery(GET_SUBNET).execute(Tuple.of(place.region(), place.project(), id)),
        PgIpamStore::subnet, "subnet", id);
  }

  @Override
  public Future<Page<Subnet>> listSubnets(Place place, PageCursor after, int limit) {
    return byCreation(LIST_SUBNETS, LIST_SUBNETS_AFTER, Tuple.of(place.region(), place.project()), after, limit,
        PgIpamStore::subnet);
  }

  // ---------------------------------------------------------------- addresses

  /** What one insert of an address did. */
  private record Inserted(Address address, UUID rangeUid, boolean idTaken) {}

  @Override
  public Future<Address> allocate(Allocation allocation) {
    Address a = allocation.address();
    if (Address.EXTERNAL.equals(a.addressType()) && allocation.externalLimit() > 0) {
      // the count and the insert in one transaction, the project's EXTERNAL allocations taking turns
      Tuple place = Tuple.of(a.region(), a.projectId());
      return pool.withTransaction(conn -> conn.preparedQuery(EXTERNAL_LOCK).execute(place)
          .compose(locked -> conn.preparedQuery(EXTERNAL_COUNT).execute(Tuple.of(a.region(), a.projectId(), a.id())))
          .recover(e -> Future.failedFuture(PgErrors.map(e)))
          .compose(rows -> {
            Row r = first(rows);
            if (r.getBoolean("id_taken")) {
              return Future.failedFuture(IpamErrors.exists("address", a.id())); // the more specific answer first
            }
            return r.getLong("n") >= allocation.externalLimit()
                ? Future.failedFuture(IpamErrors.quotaExceeded(a.projectId(), a.region(), allocation.externalLimit()))
                : allocateWithEvent(conn, allocation);
          }))
          .recover(e -> Future.failedFuture(PgErrors.map(e)));
    }
    return pool.withTransaction(conn -> allocateWithEvent(conn, allocation))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  /** {@link #allocate(SqlConnection, Allocation)}, then the address's created event, on {@code conn} (in a transaction). */
  private Future<Address> allocateWithEvent(SqlConnection conn, Allocation allocation) {
    return allocate(conn, allocation)
        .compose(stored -> events.append(conn, events.events().of(ChangeEvents.CREATED, stored)).map(stored));
  }

  /** {@link #allocate(Allocation)} through {@code db} (a transaction's connection), without its event. */
  private Future<Address> allocate(SqlConnection db, Allocation allocation) {
    Address a = allocation.address();
    if (a.ipAddress() != null) {
      // a requested address is inserted once: as asked, or not at all
      return insert(db, a).compose(r -> {
        if (r.address() != null) {
          return Future.succeededFuture(r.address());
        }
        if (r.rangeUid() == null) {
          return rangeMissing(db, a);
        }
        return Future.failedFuture(r.idTaken() ? IpamErrors.exists("address", a.id())
            : IpamErrors.inUse(a.ipAddress(), where(a)));
      });
    }
    Future<RowSet<Row>> range = a.poolId() != null
        ? db.preparedQuery(POOL_RANGE).execute(Tuple.of(a.region(), a.poolId()))
        : db.preparedQuery(SUBNET_RANGE).execute(Tuple.of(a.region(), a.projectId(), a.networkId(), a.subnetId()));
    return range.recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(rows -> rows.size() == 0 ? rangeMissing(db, a)
            : allocateFree(db, a, allocation.range(), first(rows).getUUID("uid"), 0));
  }

  /** {@code subnet 'x'} or {@code address pool 'x'}: where an address is allocated, as messages name it. */
  private static String where(Address a) {
    return a.poolId() != null ? "address pool '" + a.poolId() + "'" : "subnet '" + a.subnetId() + "'";
  }

  /** The 404 of an allocation whose range is gone: the pool, else the network, else the subnet. */
  private Future<Address> rangeMissing(SqlClient db, Address a) {
    if (a.poolId() != null) {
      return Future.failedFuture(ApiException.notFound("address pool", a.poolId()));
    }
    return db.preparedQuery(NETWORK_EXISTS).execute(Tuple.of(a.region(), a.projectId(), a.networkId()))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(rows -> Future.failedFuture(rows.size() == 0 ? ApiException.notFound("network", a.networkId())
            : ApiException.notFound("subnet", a.subnetId())));
  }

  /** One automatic allocation attempt from {@code range} (uid {@code rangeUid}); another on a lost race. */
  private Future<Address> allocateFree(SqlClient db, Address a, AddressRange range, UUID rangeUid, int attempt) {
    if (attempt >= MAX_ATTEMPTS) {
      return Future.failedFuture(ApiException.conflict("ABORTED", "too many concurrent allocations; retry"));
    }
    BigInteger start = range.random(random);
    return freeFrom(db, rangeUid, range, start, range.hi())
        .compose(v -> v != null || start.equals(range.lo()) ? Future.succeededFuture(v)
            : freeFrom(db, rangeUid, range, range.lo(), start.subtract(BigInteger.ONE)))
        .compose(v -> {
          if (v == null) {
            return Future.failedFuture(a.poolId() != null
                ? IpamErrors.poolExhausted("every usable address of address pool '" + a.poolId() + "' ("
                    + range.cidr() + ") is allocated")
                : IpamErrors.subnetExhausted(a.subnetId(), range.cidr()));
          }
          return insert(db, a.withIpAddress(range.text(v))).compose(r -> {
            if (r.address() != null) {
              return Future.succeededFuture(r.address());
            }
            if (r.rangeUid() == null) {
              return rangeMissing(db, a);
            }
            if (r.idTaken()) {
              return Future.failedFuture(IpamErrors.exists("address", a.id()));
            }
            return allocateFree(db, a, range, r.rangeUid(), attempt + 1);
          });
        });
  }

  /**
   * The lowest value in {@code from..to} that range {@code rangeUid} does not hold, or null; reads the taken
   * values from {@code from} on in batches (only as far as they run without a gap).
   */
  private Future<BigInteger> freeFrom(SqlClient db, UUID rangeUid, AddressRange range, BigInteger from,
                                       BigInteger to) {
    return db.preparedQuery(TAKEN).execute(Tuple.of(rangeUid, range.text(from), range.text(to)))
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(rows -> {
          List<BigInteger> taken = new ArrayList<>(rows.size());
          rows.forEach(r -> taken.add(new BigInteger(r.getString("sort_key").substring(1), 16)));
          BigInteger gap = AddressRange.firstGap(from, taken);
          if (gap.compareTo(to) > 0) {
            return Future.succeededFuture(null);
          }
          if (taken.size() < BATCH || gap.compareTo(taken.get(taken.size() - 1)) < 0) {
            return Future.succeededFuture(gap);
          }
          return freeFrom(db, rangeUid, range, gap, to);
        });
  }

  /** Inserts {@code a} (its address set) unless the value is taken; see {@link #INSERT_ADDRESS}. */
  private Future<Inserted> insert(SqlClient db, Address a) {
    IPAddress ip = new IPAddressString(a.ipAddress()).getAddress();
    if (ip == null) {
      return Future.failedFuture(new IllegalArgumentException("not an IP address: " + a.ipAddress()));
    }
    String sortKey = AddressRange.sortKey(ip);
    Tuple args = Tuple.of(a.region(), a.projectId(), a.id(), a.uid(), a.displayName(), a.description(),
            a.ipAddress(), sortKey, a.ipVersion(), a.addressType())
        .addValue(a.networkId()).addValue(a.subnetId()).addValue(a.poolId()).addValue(a.status())
        .addValue(ts(a.createdAt())).addValue(ts(a.updatedAt())).addValue(a.version());
    return db.preparedQuery(a.poolId() != null ? INSERT_POOL_ADDRESS : INSERT_SUBNET_ADDRESS).execute(args)
        .map(rows -> {
          Row row = first(rows);
          return new Inserted(row.getString("id") == null ? null : address(row), row.getUUID("range_uid"),
              Boolean.TRUE.equals(row.getBoolean("id_taken")));
        })
        .recover(e -> Future.failedFuture(onInsertAddressFailure(a, e)));
  }

  private static Throwable onInsertAddressFailure(Address a, Throwable e) {
    String constraint = PgErrors.constraint(e) == null ? "" : PgErrors.constraint(e);
    String state = PgErrors.sqlState(e);
    if (PgErrors.UNIQUE_VIOLATION.equals(state)) {
      return constraint.equals("addresses_uid_key")
          ? ApiException.conflict("ALREADY_EXISTS", "address uid '" + a.uid() + "' already exists")
          : IpamErrors.exists("address", a.id());
    }
    if (PgErrors.FOREIGN_KEY_VIOLATION.equals(state)) {
      return switch (constraint) {
        case "addresses_project_fkey" -> ApiException.notFound("project", a.projectId());
        case "addresses_pool_fkey" -> ApiException.notFound("address pool", a.poolId());
        default -> ApiException.notFound("subnet", a.subnetId());
      };
    }
    return PgErrors.map(e);
  }

  @Override
  public Future<Address> getAddress(Place place, String id) {
    return one(pool.preparedQuery(GET_ADDRESS).execute(Tuple.of(place.region(), place.project(), id)),
        PgIpamStore::address, "address", id);
  }

  @Override
  public Future<Page<Address>> listAddresses(Place place, PageCursor after, int limit) {
    Tuple args = Tuple.of(place.region(), place.project(), (long) limit + 1);
    String sql = LIST_ADDRESSES;
    if (after != null) {
      // the cursor is "<sort key>/<id>"; a sort key has a fixed length
      String key = after.id();
      int cut = key.indexOf('/');
      args.addValue(cut < 0 ? key : key.substring(0, cut)).addValue(cut < 0 ? "" : key.substring(cut + 1));
      sql = LIST_ADDRESSES_AFTER;
    }
    return pool.preparedQuery(sql).execute(args)
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<Address> items = new ArrayList<>();
          String lastKey = null;
          boolean more = false;
          for (Row r : rows) {
            if (items.size() == limit) {
              more = true;
              break;
            }
            items.add(address(r));
            lastKey = r.getString("sort_key") + "/" + r.getString("id");
          }
          return new Page<>(items, more ? new PageCursor(Instant.EPOCH, lastKey) : null);
        });
  }

  @Override
  public Future<Released> releaseAddress(Place place, String id, Long expectedVersion) {
    Instant now = Clock.now();
    Tuple key = Tuple.of(place.region(), place.project(), id);
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_ADDRESS).execute(key).compose(rows -> {
      if (rows.size() == 0) {
        return conn.preparedQuery(RELEASED_AT)
            .execute(Tuple.of(place.region(), place.project(), id, ts(now.minus(RELEASE_MEMORY))))
            .compose(t -> t.size() > 0 ? Future.succeededFuture(Released.ALREADY_RELEASED)
                : Future.failedFuture(ApiException.notFound("address", id)));
      }
      Row cur = first(rows);
      if (expectedVersion != null && cur.getLong("version") != expectedVersion.longValue()) {
        return Future.failedFuture(ApiException.preconditionFailed("address '" + id + "' was changed meanwhile"));
      }
      if (Address.IN_USE.equals(cur.getString("status"))) {
        return Future.failedFuture(IpamErrors.addressInUse(id));
      }
      Address released = address(cur); // as stored: the row is locked
      return conn.preparedQuery(RELEASE)
          .execute(Tuple.of(place.region(), place.project(), id, ts(now), ts(now.minus(RELEASE_MEMORY))))
          .compose(v -> events.append(conn, events.events().deleted(released)))
          .map(Released.RELEASED);
    })).recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  @Override
  public Future<Address> updateAddressStatus(Address u) {
    return events.inTransaction(pool, ChangeEvents.UPDATED, conn -> conn.preparedQuery(UPDATE_ADDRESS_STATUS)
            .execute(Tuple.of(u.region(), u.projectId(), u.id(), u.status(), ts(u.updatedAt()), u.version()))
            .recover(e -> Future.failedFuture(PgErrors.map(e)))
            .compose(rows -> casResult(first(rows), PgIpamStore::address, "address", u.id())))
        .recover(e -> Future.failedFuture(PgErrors.map(e)));
  }

  // ---------------------------------------------------------------- pools

  @Override
  public Future<AddressPool> createPool(AddressPool p) {
    Tuple args = Tuple.of(p.region(), p.id(), p.uid(), p.displayName(), p.description(), p.cidr(),
        ts(p.createdAt()), ts(p.updatedAt()), p.version());
    return insertApart(() -> events.inTransaction(pool, ChangeEvents.CREATED,
            conn -> conn.preparedQuery(CREATE_POOL).execute(args).map(rows -> {
              if (rows.size() == 0) {
                throw IpamErrors.poolOverlapsNetworks(p.cidr()); // a tenant network holds part of the block
              }
              return addressPool(first(rows));
            })),
        e -> {
          if (!PgErrors.UNIQUE_VIOLATION.equals(PgErrors.sqlState(e))) {
            return null;
          }
          return "address_pools_uid_key".equals(PgErrors.constraint(e))
              ? ApiException.conflict("ALREADY_EXISTS", "address pool uid '" + p.uid() + "' already exists")
              : IpamErrors.exists("address pool", p.id());
        },
        () -> pool.preparedQuery(POOL_OVERLAPPING).execute(Tuple.of(p.region(), p.cidr()))
            .map(rows -> rows.size() == 0 ? null
                : overlapError(first(rows), p.id(), "address pool",
                    (id, cidr) -> IpamErrors.poolOverlap(p.cidr(), id, cidr))));
  }

  @Override
  public Future<AddressPool> getPool(String region, String id) {
    return one(pool.preparedQuery(GET_POOL).execute(Tuple.of(region, id)), PgIpamStore::addressPool,
        "address pool", id);
  }

  @Override
  public Future<Page<AddressPool>> listPools(String region, PageCursor after, int limit) {
    return byCreation(LIST_POOLS, LIST_POOLS_AFTER, Tuple.of(region), after, limit, PgIpamStore::addressPool);
  }

  @Override
  public Future<Void> deletePool(String region, String id, Long expectedVersion) {
    Tuple key = Tuple.of(region, id);
    return retryOnForeignKey(() -> pool.withTransaction(conn -> lockForDelete(conn, LOCK_POOL, key, expectedVersion,
            "address pool", id)
        .compose(v -> blockers(conn, POOL_BLOCKERS, key, "address pool", id))
        .compose(v -> conn.preparedQuery(DELETE_POOL).execute(key))
        .compose(rows -> events.append(conn, events.events().deleted(addressPool(first(rows)))))));
  }

  // ---------------------------------------------------------------- rows and pages

  private static Row first(RowSet<Row> rows) {
    return rows.iterator().next();
  }

  /** The one row {@code query} finds as a resource; 404 when none. */
  private static <T> Future<T> one(Future<RowSet<Row>> query, Function<Row, T> fromRow, String kind, String id) {
    return query.recover(e -> Future.failedFuture(PgErrors.map(e)))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(ApiException.notFound(kind, id))
            : Future.succeededFuture(fromRow.apply(first(rows))));
  }

  /** The result row of a compare-and-set update: the updated resource, else 404 (absent) or 412 (changed). */
  private static <T> Future<T> casResult(Row row, Function<Row, T> fromRow, String kind, String id) {
    if (row.getString("id") != null) {
      return Future.succeededFuture(fromRow.apply(row));
    }
    if (row.getLong("current_version") == null) {
      return Future.failedFuture(ApiException.notFound(kind, id));
    }
    return Future.failedFuture(ApiException.preconditionFailed(kind + " '" + id + "' was changed meanwhile"));
  }

  /**
   * A page in ({@code created_at}, {@code id}) order: {@code sql} takes {@code key} then the limit;
   * {@code afterSql} also the cursor.
   */
  private <T extends Resource> Future<Page<T>> byCreation(
      String sql, String afterSql, Tuple key, PageCursor after, int limit, Function<Row, T> fromRow) {
    key.addValue((long) limit + 1);
    if (after != null) {
      key.addValue(ts(after.createdAt())).addValue(after.id());
    }
    return pool.preparedQuery(after == null ? sql : afterSql).execute(key)
        .recover(e -> Future.failedFuture(PgErrors.map(e)))
        .map(rows -> {
          List<T> items = new ArrayList<>();
          boolean more = false;
          for (Row r : rows) {
            if (items.size() == limit) {
              more = true;
              break;
            }
            items.add(fromRow.apply(r));
          }
          T last = more ? items.get(items.size() - 1) : null;
          return new Page<>(items, last == null ? null : new PageCursor(last.createdAt(), last.id()));
        });
  }

  private static Network network(Row r) {
    return new Network(r.getString("region"), r.getString("project_id"), r.getString("id"), r.getUUID("uid"),
        r.getString("display_name"), r.getString("description"), r.getString("cidr_text"), instant(r, "created_at"),
        instant(r, "updated_at"), r.getLong("version"));
  }

  private static Subnet subnet(Row r) {
    return new Subnet(r.getString("region"), r.getString("project_id"), r.getString("id"), r.getUUID("uid"),
        r.getString("network_id"), r.getString("cidr_text"), instant(r, "created_at"), instant(r, "updated_at"),
        r.getLong("version"));
  }

  private static AddressPool addressPool(Row r) {
    return new AddressPool(r.getString("region"), r.getString("id"), r.getUUID("uid"), r.getString("display_name"),
        r.getString("description"), r.getString("cidr_text"), instant(r, "created_at"), instant(r, "updated_at"),
        r.getLong("version"));
  }

  private static Address address(Row r) {
    return new Address(r.getString("region"), r.getString("project_id"), r.getString("id"), r.getUUID("uid"),
        r.getString("display_name"), r.getString("description"), r.getString("ip_text"), r.getString("ip_version"),
        r.getString("address_type"), r.getString("network_id"), r.getString("subnet_id"), r.getString("pool_id"),
        r.getString("status"), instant(r, "created_at"), instant(r, "updated_at"), r.getLong("version"));
  }
}
