package io.k0rdent.api.core.store;

import io.k0rdent.api.core.server.Server;
import io.k0rdent.api.core.server.ServerLogEntry;
import io.k0rdent.api.core.store.IpamStore.Place;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The storage port of bare-metal servers, their logs and their worker leases. Failures are
 * {@link io.k0rdent.api.core.error.ApiException}s with the status the API answers; 503 when the backend cannot be
 * reached. Contract tests: {@code ServerStoreContract} in core's test jar.
 *
 * <p><b>Leases.</b> Exactly one worker drives a server at a time, cluster-wide: a worker {@link #acquire}s the
 * server's lease (holder, expiry, and a fencing token that grows by one at every acquisition and is never reused),
 * {@link #renew}s it while it works, and writes only through {@link #updateFenced}, which the store refuses once
 * another worker holds a newer token. A holder that stops renewing loses the lease when it expires.
 */
public interface ServerStore {

  /**
   * Stores a new server (version 1). 409 {@code ALREADY_EXISTS} when the id is taken in the place or when another
   * server of the region has the same BMC address ({@link #bmcTaken}; compared as text), 404 when the project does
   * not exist.
   */
  Future<Server> create(Server server);

  /**
   * The 409 for a BMC address another server of the region has: two servers on one BMC would have two workers
   * fighting over it. The other server is not named (it may be another tenant's project).
   */
  static io.k0rdent.api.core.error.ApiException bmcTaken(String address) {
    return io.k0rdent.api.core.error.ApiException.conflict("ALREADY_EXISTS", "the BMC at " + address
        + " is already registered for another server in this region; decommission that one first");
  }

  /** The server; 404 when absent. */
  Future<Server> get(Place place, String id);

  /** The server with {@code uid}, or null when it is gone. */
  Future<Server> byUid(UUID uid);

  /** One page in ({@code createdAt}, {@code id}) order. */
  Future<Page<Server>> list(Place place, PageCursor after, int limit);

  /**
   * Replaces the stored server with {@code updated} if its stored version is still {@code updated.version() - 1}:
   * 404 when gone, 412 when another change came first. Immutable fields ({@code uid}, {@code createdAt},
   * {@code bmc}) keep their stored values unless {@code replaceBmc}; a replaced BMC address another server of the
   * region has is a 409 ({@link #bmcTaken}). Lease state is not touched.
   */
  Future<Server> update(Server updated, boolean replaceBmc);

  /** As {@link #update} (the BMC kept), and only while ({@code holder}, {@code token}) holds the lease: else 409
   * {@code LEASE_LOST}. */
  Future<Server> updateFenced(Server updated, String holder, long token);

  /** Deletes the server and its log while ({@code holder}, {@code token}) holds its lease (409 {@code LEASE_LOST}
   * otherwise); 404 when gone. */
  Future<Void> deleteFenced(UUID uid, String holder, long token);

  /**
   * Servers that need a worker and whose lease is free or expired at {@code now}: in a working state, or with a
   * pending power request; never one in maintenance. Oldest state change first, at most {@code limit}.
   */
  Future<List<Server>> needingWork(Instant now, int limit);

  /** A held lease: the fencing {@code token}, and the holder before this one when its lease had expired
   * ({@code previousHolder}, null when the lease was free or released). */
  record Lease(UUID server, String holder, long token, String previousHolder) {}

  /**
   * Takes the server's lease for {@code holder} until {@code now + ttl} when it is free, released, expired or
   * already {@code holder}'s; the token grows by one. Null when another holder's lease is still valid or the server
   * is gone.
   */
  Future<Lease> acquire(UUID server, String holder, Duration ttl, Instant now);

  /** Extends the lease to {@code now + ttl}; false when ({@code holder}, {@code token}) no longer holds it. */
  Future<Boolean> renew(UUID server, String holder, long token, Duration ttl, Instant now);

  /** Gives the lease up (no-op when not held by ({@code holder}, {@code token})); the token is kept. */
  Future<Void> release(UUID server, String holder, long token);

  /** Appends entries to the server's log (in order; {@code seq} assigned here). Entries of a gone server are
   * dropped. */
  Future<Void> appendLog(UUID server, List<ServerLogEntry> entries);

  /**
   * The server's log oldest first: entries with {@code seq > afterSeq}, {@code at} in [{@code start}, {@code end})
   * (null: unbounded), at most {@code limit}; {@link Page#next()} holds the last entry's {@code seq} in
   * {@link PageCursor#id()} when more may follow.
   */
  Future<Page<ServerLogEntry>> logs(UUID server, Instant start, Instant end, long afterSeq, int limit);
}
