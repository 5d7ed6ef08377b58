package io.k0rdent.api.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.server.Server;
import io.k0rdent.api.core.server.Server.Bmc;
import io.k0rdent.api.core.server.Server.Health;
import io.k0rdent.api.core.server.Server.Maintenance;
import io.k0rdent.api.core.server.Server.Power;
import io.k0rdent.api.core.server.Server.PowerRequest;
import io.k0rdent.api.core.server.Server.Provisioning;
import io.k0rdent.api.core.server.ServerLogEntry;
import io.k0rdent.api.core.server.ServerLogEntry.Severity;
import io.k0rdent.api.core.server.ServerState;
import io.k0rdent.api.core.server.Transition;
import io.k0rdent.api.core.store.IpamStore.Place;
import io.k0rdent.api.core.store.ServerStore.Lease;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ServerStore} adapter must have: each rule of its javadoc (compare-and-set updates,
 * the BMC kept unless replaced, fenced leases with growing tokens, the servers needing work, logs with their
 * sequence numbers, time bounds and paging), including the ones that must hold under concurrency (one winner
 * among concurrent acquisitions and among concurrent updates of one version, distinct increasing sequence
 * numbers for concurrent appends). An adapter's test extends this class and supplies a fresh, empty
 * {@link Store} per test ({@link #createStore()}); the server store is its {@link Store#servers()}. Every test
 * starts with organization {@code acme} and its projects {@code train} and {@code infer}. Lease times are the
 * {@code now} passed to the store ({@link #NOW} and later), never a clock.
 */
public abstract class ServerStoreContract extends StoreSuite {

  protected static final String REGION = "eu-west";
  protected static final String OTHER_REGION = "us-east";
  /** Project {@code train} in {@link #REGION}. */
  protected static final Place HERE = new Place(REGION, "train");
  /** Project {@code infer} in {@link #REGION}. */
  protected static final Place NEIGHBOUR = new Place(REGION, "infer");
  /** The {@code now} of lease operations. */
  protected static final Instant NOW = Instant.parse("2031-05-06T07:08:09.123Z");
  protected static final Duration TTL = Duration.ofSeconds(60);

  /** {@code store.servers()}. */
  protected ServerStore servers;

  @BeforeEach
  void setUpProjects() {
    servers = store.servers();
    seedAcmeProjects();
  }

  // ---------------------------------------------------------------- helpers


  protected static Bmc bmc(String host) {
    return new Bmc("https://" + host, "v1.sealed-" + host, null, false);
  }

  /** A new enrolling server of {@code p} created at {@code at}. */
  protected static Server server(Place p, String id, Instant at) {
    return Server.enrolling(p.region(), p.project(), id, "Server " + id, null, Map.of("rack", "r1"), "gpu",
        bmc(id + "." + p.project() + ".bmc.example"), true, at);
  }

  /** A server of {@code p} in {@code state} since {@code stateChangedAt}, with {@code power} and maintenance. */
  protected static Server server(Place p, String id, ServerState state, Instant stateChangedAt, Power power,
                                 Maintenance maintenance) {
    return new Server(p.region(), p.project(), id, UUID.randomUUID(), null, null, Map.of(), null,
        bmc(id + "." + p.project() + ".bmc.example"), state, null, power, maintenance, Health.UNKNOWN, null, null, null, true,
        stateChangedAt, stateChangedAt, stateChangedAt, 1);
  }

  /** A server with every field set (none null, none default). */
  protected static Server full(Place p, String id, Instant t) {
    JsonObject hardware = new JsonObject()
        .put("cpu", new JsonObject().put("model", "AMD EPYC 9654").put("sockets", 2).put("cores", 192))
        .put("ramGiB", 1536)
        .put("gpus", new JsonArray().add(new JsonObject().put("model", "NVIDIA H100 80GB HBM3").put("count", 8)))
        .put("clockGHz", 2.4)
        .put("virtual", false);
    JsonObject configuration = new JsonObject().put("userData", "#cloud-config\nhostname: n1")
        .put("network", new JsonObject().put("bond", true).put("mtu", 9000))
        .put("disks", new JsonArray().add("/dev/nvme0n1").add("/dev/nvme1n1"));
    return new Server(p.region(), p.project(), id, UUID.randomUUID(), "Full " + id, "every field set",
        Map.of("rack", "r7", "row", "B", "owner", "ml-team"), "compute",
        new Bmc("https://10.20.30.40:8443", "v1.c2VhbGVk", "ab".repeat(32), true), ServerState.PROVISIONED,
        "power-on", new Power("On", PowerRequest.REBOOT), new Maintenance(true, "replacing fan 3"),
        new Health("degraded", t.minusSeconds(30), List.of("PSU 2 failed", "fan 3 slow")),
        "reboot did not finish in 300 s", hardware, new Provisioning("ubuntu-22.04", configuration, "job-42"), false,
        t.minusSeconds(600), t.minusSeconds(3600), t, 7);
  }

  protected Server create(Server s) {
    assertThat(await(servers.create(s))).isEqualTo(s);
    return s;
  }


  /** {@code s} with {@code version}. */
  protected static Server withVersion(Server s, long version) {
    return new Server(s.region(), s.projectId(), s.id(), s.uid(), s.displayName(), s.description(), s.tags(),
        s.persona(), s.bmc(), s.state(), s.step(), s.power(), s.maintenance(), s.health(), s.lastError(),
        s.hardware(), s.provisioning(), s.inspectAfterEnroll(), s.stateChangedAt(), s.createdAt(), s.updatedAt(),
        version);
  }

  protected static ServerLogEntry entry(Instant at, Severity severity, String message, String jobId) {
    return ServerLogEntry.of(at, severity, message, jobId);
  }

  /** Every entry of {@code server}'s log. */
  protected List<ServerLogEntry> log(UUID server) {
    Page<ServerLogEntry> page = await(servers.logs(server, null, null, 0, 100_000));
    assertThat(page.next()).isNull();
    return page.items();
  }

  private static List<Long> seqs(List<ServerLogEntry> entries) {
    return entries.stream().map(ServerLogEntry::seq).toList();
  }

  private static List<String> ids(List<Server> servers) {
    return servers.stream().map(Server::id).toList();
  }

  /** Walks every page of {@code place}'s servers with {@code limit}, asserting sizes and cursors. */
  private List<Server> walk(Place place, int limit) {
    List<Server> all = new ArrayList<>();
    PageCursor after = null;
    for (int pages = 0; pages < 1_000; pages++) {
      Page<Server> page = await(servers.list(place, after, limit));
      all.addAll(page.items());
      if (page.next() == null) {
        assertThat(page.items().size()).isLessThanOrEqualTo(limit);
        return all;
      }
      assertThat(page.items()).hasSize(limit);
      Server last = page.items().get(limit - 1);
      assertThat(page.next()).isEqualTo(new PageCursor(last.createdAt(), last.id()));
      after = page.next();
    }
    throw new AssertionError("paging did not end");
  }

  // ---------------------------------------------------------------- create, get, list

  @Test
  void everyFieldRoundTrips() {
    Instant t = Clock.now();
    Server full = create(full(HERE, "full", t));
    assertThat(await(servers.get(HERE, "full"))).isEqualTo(full);
    assertThat(await(servers.byUid(full.uid()))).isEqualTo(full);
    assertThat(await(servers.list(HERE, null, 10)).items()).containsExactly(full);
    Server got = await(servers.get(HERE, "full"));
    assertThat(got.hardware().getJsonArray("gpus").getJsonObject(0).getInteger("count")).isEqualTo(8);
    assertThat(got.hardware().getDouble("clockGHz")).isEqualTo(2.4);
    assertThat(got.provisioning().configuration().getString("userData")).isEqualTo("#cloud-config\nhostname: n1");
    assertThat(got.health().failureReasons()).containsExactly("PSU 2 failed", "fan 3 slow");
    assertThat(got.power()).isEqualTo(new Power("On", PowerRequest.REBOOT));
    assertThat(got.maintenance()).isEqualTo(new Maintenance(true, "replacing fan 3"));
    assertThat(got.bmc()).isEqualTo(new Bmc("https://10.20.30.40:8443", "v1.c2VhbGVk", "ab".repeat(32), true));
    assertThat(got.tags()).isEqualTo(Map.of("rack", "r7", "row", "B", "owner", "ml-team"));
    assertThat(got.version()).isEqualTo(7);
    assertThat(got.inspectAfterEnroll()).isFalse();

    // a new server as registration makes it: nulls and defaults
    Server bare = create(Server.enrolling(REGION, "train", "bare", null, null, null, null,
        new Bmc("http://192.0.2.1", "v1.x", null, false), true, t.plusMillis(1)));
    Server stored = await(servers.get(HERE, "bare"));
    assertThat(stored).isEqualTo(bare);
    assertThat(stored.tags()).isEmpty();
    assertThat(stored.hardware()).isNull();
    assertThat(stored.provisioning()).isNull();
    assertThat(stored.power()).isEqualTo(Power.UNKNOWN);
    assertThat(stored.maintenance()).isEqualTo(Maintenance.OFF);
    assertThat(stored.health()).isEqualTo(Health.UNKNOWN);
    assertThat(stored.state()).isEqualTo(ServerState.ENROLLING);
    assertThat(stored.version()).isEqualTo(1);

    // each state and power request round-trips
    int i = 0;
    for (ServerState state : ServerState.values()) {
      PowerRequest request = PowerRequest.values()[i % PowerRequest.values().length];
      Server s = create(server(NEIGHBOUR, "s" + i++, state, t, new Power(null, request), Maintenance.OFF));
      assertThat(await(servers.byUid(s.uid()))).isEqualTo(s);
    }
  }

  @Test
  void aTakenIdFailsWith409AndKeepsTheFirst() {
    Instant t = Clock.now();
    Server first = create(server(HERE, "n1", t));
    ApiException e = awaitApiFailure(servers.create(server(HERE, "n1", t.plusMillis(1))), 409, "ALREADY_EXISTS");
    assertThat(e.getMessage()).isEqualTo("server 'n1' already exists");
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(first);
    assertThat(await(servers.list(HERE, null, 10)).items()).containsExactly(first);
    // the same id in another project or region is another server
    Server neighbour = create(server(NEIGHBOUR, "n1", t));
    Server far = create(server(new Place(OTHER_REGION, "train"), "n1", t));
    assertThat(await(servers.get(NEIGHBOUR, "n1"))).isEqualTo(neighbour);
    assertThat(await(servers.get(new Place(OTHER_REGION, "train"), "n1"))).isEqualTo(far);
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(first);
  }

  @Test
  void aServerOfAMissingProjectFailsWith404AndStoresNothing() {
    Place ghost = new Place(REGION, "ghost");
    Server s = server(ghost, "n1", Clock.now());
    ApiException e = awaitApiFailure(servers.create(s), 404, "NOT_FOUND");
    assertThat(e.getMessage()).isEqualTo("project 'ghost' not found");
    awaitApiFailure(servers.get(ghost, "n1"), 404, "NOT_FOUND");
    assertThat(await(servers.byUid(s.uid()))).isNull();
    assertThat(await(servers.list(ghost, null, 10))).isEqualTo(new Page<>(List.of(), null));
  }

  @Test
  void serversBelongToTheirPlace() {
    Server s = create(server(HERE, "n1", Clock.now()));
    ApiException e = awaitApiFailure(servers.get(HERE, "nope"), 404, "NOT_FOUND");
    assertThat(e.getMessage()).isEqualTo("server 'nope' not found");
    awaitApiFailure(servers.get(NEIGHBOUR, "n1"), 404, "NOT_FOUND");
    awaitApiFailure(servers.get(new Place(OTHER_REGION, "train"), "n1"), 404, "NOT_FOUND");
    assertThat(await(servers.list(NEIGHBOUR, null, 10)).items()).isEmpty();
    assertThat(await(servers.byUid(UUID.randomUUID()))).isNull();
    assertThat(await(servers.byUid(s.uid()))).isEqualTo(s);
  }

  @Test
  void serversPageInCreationThenIdOrderWithoutSkipsOrRepeats() {
    Instant t = Clock.now();
    List<Server> created = new ArrayList<>();
    // equal creation times are ordered by id, Java String order ("B" before "a")
    String[] ids = {"n-b", "n-a", "B", "a", "n-c", "z", "n-10", "n-9"};
    int[] at = {0, 0, 0, 3, 1, 2, 2, 5};
    for (int i = 0; i < ids.length; i++) {
      created.add(create(server(HERE, ids[i], t.plusMillis(at[i]))));
    }
    create(server(NEIGHBOUR, "elsewhere", t));
    create(server(new Place(OTHER_REGION, "train"), "far", t));
    List<Server> expected = new ArrayList<>(created);
    expected.sort(Comparator.comparing(Server::createdAt).thenComparing(Server::id));
    assertThat(ids(expected)).containsExactly("B", "n-a", "n-b", "n-c", "n-10", "z", "a", "n-9");
    for (int limit : List.of(1, 2, 3, 7, 8, 50)) {
      assertThat(walk(HERE, limit)).isEqualTo(expected);
    }
    // servers created after the cursor's position appear; nothing before it repeats
    Page<Server> first = await(servers.list(HERE, null, 3));
    create(server(HERE, "late", t.plusMillis(10)));
    create(server(HERE, "A", t)); // before the cursor: not seen on later pages
    List<Server> rest = new ArrayList<>();
    PageCursor after = first.next();
    while (after != null) {
      Page<Server> page = await(servers.list(HERE, after, 3));
      rest.addAll(page.items());
      after = page.next();
    }
    assertThat(ids(rest)).containsExactly("n-c", "n-10", "z", "a", "n-9", "late");
  }

  @Test
  void aProjectWithServersCannotBeDeleted() {
    Server s = create(server(HERE, "n1", Clock.now()));
    for (int attempt = 0; attempt < 2; attempt++) {
      ApiException e = awaitApiFailure(store.projects().delete("train", null), 409, "FAILED_PRECONDITION");
      assertThat(e.getMessage()).isEqualTo("project 'train' still has bare-metal servers; decommission them first");
    }
    assertThat(await(store.projects().get("train")).id()).isEqualTo("train");
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(s);
    // a project without servers goes
    await(store.projects().delete("infer", null));
    // once decommissioned (the fenced delete), the project can go too
    Lease lease = await(servers.acquire(s.uid(), "w", TTL, NOW));
    await(servers.deleteFenced(s.uid(), "w", lease.token()));
    await(store.projects().delete("train", null));
    awaitApiFailure(store.projects().get("train"), 404, "NOT_FOUND");
  }

  // ---------------------------------------------------------------- update

  @Test
  void updateIsCompareAndSet() {
    Instant t = Clock.now();
    Server v1 = create(server(HERE, "n1", t));
    Server v2 = v1.withMetadata("Renamed", "now described", Map.of("rack", "r2"), "storage", t.plusMillis(5));
    assertThat(await(servers.update(v2, false))).isEqualTo(v2);
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(v2);

    // a change made from a stale read, or skipping a version, fails with 412 and changes nothing
    ApiException e = awaitApiFailure(servers.update(v1.withStep("stale", t.plusMillis(6)), false), 412,
        "PRECONDITION_FAILED");
    assertThat(e.getMessage()).isEqualTo("server 'n1' was changed meanwhile");
    awaitApiFailure(servers.update(withVersion(v2.withStep("skip", t), 4), false), 412, "PRECONDITION_FAILED");
    awaitApiFailure(servers.update(withVersion(v2, 2), false), 412, "PRECONDITION_FAILED");
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(v2);

    // a gone server, or another server's id under this uid, is 404
    Server ghost = server(HERE, "ghost", t).withStep("x", t);
    assertThat(awaitApiFailure(servers.update(ghost, false), 404, "NOT_FOUND").getMessage())
        .isEqualTo("server 'ghost' not found");
    Server renamed = new Server(REGION, "train", "other", v1.uid(), null, null, null, null, v1.bmc(),
        ServerState.ENROLLING, null, Power.UNKNOWN, Maintenance.OFF, Health.UNKNOWN, null, null, null, true, t, t, t,
        3);
    awaitApiFailure(servers.update(renamed, false), 404, "NOT_FOUND");
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(v2);
    awaitApiFailure(servers.get(HERE, "other"), 404, "NOT_FOUND");
  }

  @Test
  void updateReplacesEveryFieldButThePlaceCreationTimeAndTheBmc() {
    Instant t = Clock.now();
    Server v1 = create(server(HERE, "n1", t));
    Server changed = full(HERE, "n1", t.plusSeconds(1));
    // another place, creation time and BMC in the update: kept as stored
    Server sneaky = new Server(OTHER_REGION, "infer", "n1", v1.uid(), changed.displayName(), changed.description(),
        changed.tags(), changed.persona(), changed.bmc(), changed.state(), changed.step(), changed.power(),
        changed.maintenance(), changed.health(), changed.lastError(), changed.hardware(), changed.provisioning(),
        changed.inspectAfterEnroll(), changed.stateChangedAt(), Instant.EPOCH, changed.updatedAt(), 2);
    Server expected = new Server(REGION, "train", "n1", v1.uid(), changed.displayName(), changed.description(),
        changed.tags(), changed.persona(), v1.bmc(), changed.state(), changed.step(), changed.power(),
        changed.maintenance(), changed.health(), changed.lastError(), changed.hardware(), changed.provisioning(),
        changed.inspectAfterEnroll(), changed.stateChangedAt(), v1.createdAt(), changed.updatedAt(), 2);
    assertThat(await(servers.update(sneaky, false))).isEqualTo(expected);
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(expected);
    awaitApiFailure(servers.get(new Place(OTHER_REGION, "infer"), "n1"), 404, "NOT_FOUND");

    // replaceBmc: the BMC is the update's
    Bmc other = new Bmc("https://10.9.9.9", "v1.new", "cd".repeat(32), false);
    Server v3 = withVersion(expected, 3).withBmc(other);
    assertThat(await(servers.update(v3, true))).isEqualTo(v3);
    assertThat(await(servers.get(HERE, "n1")).bmc()).isEqualTo(other);

    // and back to nulls and defaults
    Server v4 = new Server(REGION, "train", "n1", v1.uid(), null, null, Map.of(), null, other,
        ServerState.MANAGEABLE, null, Power.UNKNOWN, Maintenance.OFF, Health.UNKNOWN, null, null, null, true,
        t.plusSeconds(5), v1.createdAt(), t.plusSeconds(5), 4);
    assertThat(await(servers.update(v4, false))).isEqualTo(v4);
    assertThat(await(servers.byUid(v1.uid()))).isEqualTo(v4);
  }

  @Test
  void concurrentUpdatesOfOneVersionLetExactlyOneWin() throws Exception {
    Instant t = Clock.now();
    for (int round = 0; round < 5; round++) {
      Server v1 = create(server(HERE, "n" + round, t));
      List<Future<Server>> results = concurrently(16, 16,
          i -> servers.update(v1.withStep("step-" + i, t.plusMillis(i)), false));
      List<Server> won = results.stream().filter(Future::succeeded).map(Future::result).toList();
      assertThat(won).hasSize(1);
      for (Future<Server> f : results) {
        if (f.failed()) {
          assertThat(((ApiException) f.cause()).status()).isEqualTo(412);
        }
      }
      assertThat(await(servers.get(HERE, v1.id()))).isEqualTo(won.get(0));
    }
  }

  @Test
  void updateLeavesTheLeaseAlone() {
    Instant t = Clock.now();
    Server v1 = create(server(HERE, "n1", t));
    Lease a = await(servers.acquire(v1.uid(), "worker-a", TTL, NOW));
    Server v2 = await(servers.update(v1.withStep("x", t), false));
    assertThat(await(servers.acquire(v1.uid(), "worker-b", TTL, NOW.plusSeconds(1)))).isNull();
    assertThat(await(servers.renew(v1.uid(), "worker-a", a.token(), TTL, NOW.plusSeconds(1)))).isTrue();
    Server v3 = v2.withStep("y", t);
    assertThat(await(servers.updateFenced(v3, "worker-a", a.token()))).isEqualTo(v3);
  }

  // ---------------------------------------------------------------- leases

  @Test
  void leasesAreAcquiredRenewedReleasedAndTakenOverWithGrowingTokens() {
    Server s = create(server(HERE, "n1", Clock.now()));
    UUID uid = s.uid();
    assertThat(await(servers.acquire(uid, "worker-a", TTL, NOW))).isEqualTo(new Lease(uid, "worker-a", 1, null));
    // held: another worker does not get it, up to the last instant
    assertThat(await(servers.acquire(uid, "worker-b", TTL, NOW))).isNull();
    assertThat(await(servers.acquire(uid, "worker-b", TTL, NOW.plus(TTL).minusMillis(1)))).isNull();
    // the holder acquiring again gets a new token; the old one is dead
    assertThat(await(servers.acquire(uid, "worker-a", TTL, NOW.plusSeconds(1))))
        .isEqualTo(new Lease(uid, "worker-a", 2, null));
    assertThat(await(servers.renew(uid, "worker-a", 1, TTL, NOW.plusSeconds(2)))).isFalse();
    assertThat(await(servers.renew(uid, "worker-b", 2, TTL, NOW.plusSeconds(2)))).isFalse();
    // renewing moves the expiry to now + ttl
    assertThat(await(servers.renew(uid, "worker-a", 2, TTL, NOW.plusSeconds(30)))).isTrue();
    assertThat(await(servers.acquire(uid, "worker-b", TTL, NOW.plusSeconds(89)))).isNull();
    // expired (at its expiry instant): taken over, with the previous holder named
    assertThat(await(servers.acquire(uid, "worker-b", TTL, NOW.plusSeconds(90))))
        .isEqualTo(new Lease(uid, "worker-b", 3, "worker-a"));
    assertThat(await(servers.renew(uid, "worker-a", 2, TTL, NOW.plusSeconds(91)))).isFalse();
    assertThat(await(servers.acquire(uid, "worker-a", TTL, NOW.plusSeconds(91)))).isNull();
    // a release by a non-holder is a no-op
    await(servers.release(uid, "worker-a", 2));
    await(servers.release(uid, "worker-b", 2));
    assertThat(await(servers.acquire(uid, "worker-c", TTL, NOW.plusSeconds(92)))).isNull();
    // released: free at once, no previous holder, the token keeps growing
    await(servers.release(uid, "worker-b", 3));
    assertThat(await(servers.renew(uid, "worker-b", 3, TTL, NOW.plusSeconds(93)))).isFalse();
    assertThat(await(servers.acquire(uid, "worker-c", TTL, NOW.plusSeconds(93))))
        .isEqualTo(new Lease(uid, "worker-c", 4, null));
    // expired and taken back by its own holder: no previous holder
    assertThat(await(servers.acquire(uid, "worker-c", TTL, NOW.plusSeconds(500))))
        .isEqualTo(new Lease(uid, "worker-c", 5, null));
    // the lease of one server is not another's
    Server other = create(server(HERE, "n2", Clock.now()));
    assertThat(await(servers.acquire(other.uid(), "worker-a", TTL, NOW.plusSeconds(500))))
        .isEqualTo(new Lease(other.uid(), "worker-a", 1, null));
    // a gone server has no lease
    assertThat(await(servers.acquire(UUID.randomUUID(), "worker-a", TTL, NOW))).isNull();
    assertThat(await(servers.renew(UUID.randomUUID(), "worker-a", 1, TTL, NOW))).isFalse();
    await(servers.release(UUID.randomUUID(), "worker-a", 1));
  }

  @Test
  void aStaleHolderCannotWriteAfterATakeover() {
    Instant t = Clock.now();
    Server v1 = create(server(HERE, "n1", t));
    Lease a = await(servers.acquire(v1.uid(), "worker-a", TTL, NOW));
    Server v2 = v1.withStep("power-on", t.plusMillis(1));
    assertThat(await(servers.updateFenced(v2, "worker-a", a.token()))).isEqualTo(v2);
    // worker-a stops renewing; worker-b takes over
    Lease b = await(servers.acquire(v1.uid(), "worker-b", TTL, NOW.plus(TTL)));
    assertThat(b).isEqualTo(new Lease(v1.uid(), "worker-b", a.token() + 1, "worker-a"));
    Server stale = v2.withStep("wait-power", t.plusMillis(2));
    ApiException e = awaitApiFailure(servers.updateFenced(stale, "worker-a", a.token()), 409, "LEASE_LOST");
    assertThat(e.getMessage()).isEqualTo("another worker holds server " + v1.uid() + " now");
    // wrong holder with the right token, or the right holder with a wrong token: lost too
    awaitApiFailure(servers.updateFenced(stale, "worker-a", b.token()), 409, "LEASE_LOST");
    awaitApiFailure(servers.updateFenced(stale, "worker-b", a.token()), 409, "LEASE_LOST");
    awaitApiFailure(servers.deleteFenced(v1.uid(), "worker-a", a.token()), 409, "LEASE_LOST");
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(v2);

    // the holder writes compare-and-set, the BMC kept
    Server v3 = v2.withStep("wait-power", t.plusMillis(3)).withBmc(bmc("evil.example"));
    Server v3stored = v3.withBmc(v1.bmc());
    assertThat(await(servers.updateFenced(v3, "worker-b", b.token()))).isEqualTo(v3stored);
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(v3stored);
    awaitApiFailure(servers.updateFenced(v2.withStep("stale", t), "worker-b", b.token()), 412,
        "PRECONDITION_FAILED");
    // the holder keeps writing while nobody took the lease over
    Server v4 = v3stored.withStep("done", t.plusMillis(4));
    assertThat(await(servers.updateFenced(v4, "worker-b", b.token()))).isEqualTo(v4);
    // released: the holder no longer writes
    await(servers.release(v1.uid(), "worker-b", b.token()));
    awaitApiFailure(servers.updateFenced(v4.withStep("after", t), "worker-b", b.token()), 409, "LEASE_LOST");
    awaitApiFailure(servers.deleteFenced(v1.uid(), "worker-b", b.token()), 409, "LEASE_LOST");
    assertThat(await(servers.get(HERE, "n1"))).isEqualTo(v4);
    // a never-leased server refuses every holder
    Server fresh = create(server(HERE, "n2", t));
    awaitApiFailure(servers.updateFenced(fresh.withStep("x", t), "worker-a", 0), 409, "LEASE_LOST");
    awaitApiFailure(servers.deleteFenced(fresh.uid(), "worker-a", 0), 409, "LEASE_LOST");
    // gone: 404
    Server ghost = server(HERE, "ghost", t);
    assertThat(awaitApiFailure(servers.updateFenced(ghost.withStep("x", t), "worker-a", 1), 404, "NOT_FOUND")
        .getMessage()).isEqualTo("server 'ghost' not found");
    awaitApiFailure(servers.deleteFenced(ghost.uid(), "worker-a", 1), 404, "NOT_FOUND");
  }

  @Test
  void concurrentAcquisitionsOfAFreeLeaseLetExactlyOneWin() throws Exception {
    for (int round = 0; round < 5; round++) {
      Server s = create(server(HERE, "n" + round, Clock.now()));
      if (round % 2 == 1) {
        // an expired lease: one of the contenders takes it over
        await(servers.acquire(s.uid(), "old", TTL, NOW.minus(TTL)));
      }
      List<Future<Lease>> results = concurrently(16, 16,
          i -> servers.acquire(s.uid(), "worker-" + i, TTL, NOW));
      List<Lease> won = results.stream().map(Future::result).filter(Objects::nonNull).toList();
      assertThat(won).hasSize(1);
      Lease w = won.get(0);
      assertThat(w.token()).isEqualTo(round % 2 == 1 ? 2 : 1);
      assertThat(w.previousHolder()).isEqualTo(round % 2 == 1 ? "old" : null);
      // the winner's lease is the one that fences
      Server next = s.withStep("x", Clock.now());
      assertThat(await(servers.updateFenced(next, w.holder(), w.token()))).isEqualTo(next);
      for (int i = 0; i < 16; i++) {
        if (!("worker-" + i).equals(w.holder())) {
          awaitApiFailure(servers.updateFenced(next.withStep("y", Clock.now()), "worker-" + i, w.token()), 409,
              "LEASE_LOST");
          break;
        }
      }
    }
  }

  @Test
  void needingWorkIsWorkingOrPowerRequestedOutOfMaintenanceWithAFreeLease() {
    Instant t = Clock.now();
    Power none = Power.UNKNOWN;
    Maintenance off = Maintenance.OFF;
    Maintenance on = new Maintenance(true, "repair");
    create(server(HERE, "w1", ServerState.ENROLLING, t.plusMillis(1), none, off));
    create(server(HERE, "a-tie", ServerState.INSPECTING, t.plusMillis(1), none, off));
    create(server(HERE, "w2", ServerState.CLEANING, t, none, off));
    create(server(HERE, "stable", ServerState.AVAILABLE, t.minusSeconds(1), new Power("On", null), off));
    create(server(HERE, "failed", ServerState.CLEAN_FAILED, t.minusSeconds(1), none, off));
    create(server(HERE, "power", ServerState.AVAILABLE, t.plusMillis(2), new Power("Off", PowerRequest.ON), off));
    create(server(HERE, "failed-power", ServerState.CLEAN_FAILED, t.plusMillis(3),
        new Power(null, PowerRequest.OFF), off));
    create(server(HERE, "maint", ServerState.INSPECTING, t.minusSeconds(1), none, on));
    create(server(HERE, "maint-power", ServerState.AVAILABLE, t.minusSeconds(1),
        new Power("On", PowerRequest.REBOOT), on));
    Server held = create(server(HERE, "held", ServerState.PROVISIONING, t.plusMillis(6), none, off));
    Server expired = create(server(HERE, "expired", ServerState.DEPROVISIONING, t.plusMillis(4), none, off));
    Server released = create(server(NEIGHBOUR, "released", ServerState.DELETING, t.plusMillis(5), none, off));
    Server heldStable = create(server(HERE, "held-stable", ServerState.PROVISIONED, t.minusSeconds(1), none, off));
    await(servers.acquire(held.uid(), "worker-a", TTL, NOW));
    await(servers.acquire(heldStable.uid(), "worker-a", TTL, NOW));
    await(servers.acquire(expired.uid(), "worker-a", TTL, NOW.minus(TTL).minusSeconds(1)));
    Lease r = await(servers.acquire(released.uid(), "worker-a", TTL, NOW));
    await(servers.release(released.uid(), "worker-a", r.token()));

    assertThat(ids(await(servers.needingWork(NOW.plusSeconds(10), 100))))
        .containsExactly("w2", "a-tie", "w1", "power", "failed-power", "expired", "released");
    assertThat(ids(await(servers.needingWork(NOW.plusSeconds(10), 3)))).containsExactly("w2", "a-tie", "w1");
    // at its expiry instant the held lease is free
    assertThat(ids(await(servers.needingWork(NOW.plus(TTL).minusMillis(1), 100)))).doesNotContain("held");
    assertThat(ids(await(servers.needingWork(NOW.plus(TTL), 100))))
        .containsExactly("w2", "a-tie", "w1", "power", "failed-power", "expired", "released", "held");
    // the servers come whole
    assertThat(await(servers.needingWork(NOW.plusSeconds(10), 100)).get(5)).isEqualTo(expired);

    // a server leaves the list when its work is done or it goes into maintenance, and joins it with a request
    Server w2 = await(servers.get(HERE, "w2"));
    await(servers.update(w2.withStatus(none, on, w2.health(), null, t), false));
    Server stable = await(servers.get(HERE, "stable"));
    await(servers.update(stable.withStatus(new Power("On", PowerRequest.OFF), off, stable.health(), null, t), false));
    assertThat(ids(await(servers.needingWork(NOW.plusSeconds(10), 100))))
        .containsExactly("stable", "a-tie", "w1", "power", "failed-power", "expired", "released");
    assertThat(await(servers.needingWork(NOW, 0))).isEmpty();
  }

  // ---------------------------------------------------------------- logs

  @Test
  void appendedEntriesGetIncreasingSeqsInOrder() {
    Instant t = Clock.now();
    Server s = create(server(HERE, "n1", t));
    assertThat(log(s.uid())).isEmpty();
    await(servers.appendLog(s.uid(), List.of(entry(t, Severity.INFO, "enrolling", null),
        entry(t, Severity.DEBUG, "GET /redfish/v1", null))));
    await(servers.appendLog(s.uid(), List.of()));
    await(servers.appendLog(s.uid(), List.of(entry(t.plusMillis(2), Severity.WARNING, "slow BMC", "job-1"),
        entry(t.plusMillis(1), Severity.ERROR, "x".repeat(3000), "job-1"))));
    assertThat(log(s.uid())).containsExactly(
        new ServerLogEntry(1, t, Severity.INFO, "enrolling", null),
        new ServerLogEntry(2, t, Severity.DEBUG, "GET /redfish/v1", null),
        new ServerLogEntry(3, t.plusMillis(2), Severity.WARNING, "slow BMC", "job-1"),
        new ServerLogEntry(4, t.plusMillis(1), Severity.ERROR, "x".repeat(1997) + "...", "job-1"));
    // the log of one server is not another's; a gone server's entries are dropped
    Server other = create(server(HERE, "n2", t));
    await(servers.appendLog(other.uid(), List.of(entry(t, Severity.INFO, "other", null))));
    assertThat(log(other.uid())).containsExactly(new ServerLogEntry(1, t, Severity.INFO, "other", null));
    UUID ghost = UUID.randomUUID();
    await(servers.appendLog(ghost, List.of(entry(t, Severity.INFO, "lost", null))));
    assertThat(log(ghost)).isEmpty();
    assertThat(seqs(log(s.uid()))).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void concurrentAppendsGetDistinctIncreasingSeqs() throws Exception {
    Instant t = Clock.now();
    Server s = create(server(HERE, "n1", t));
    int writers = 16;
    int each = 5;
    concurrently(writers, 16, i -> servers.appendLog(s.uid(), IntStream.range(0, each)
        .mapToObj(k -> entry(t.plusMillis(k), Severity.INFO, "w" + i + "-" + k, null)).toList()))
        .forEach(Awaits::await);
    List<ServerLogEntry> log = log(s.uid());
    assertThat(seqs(log)).isEqualTo(LongStream.rangeClosed(1, (long) writers * each).boxed().toList());
    Map<String, List<Long>> byWriter = new HashMap<>();
    for (ServerLogEntry e : log) {
      String[] parts = e.message().split("-");
      List<Long> seqs = byWriter.computeIfAbsent(parts[0], k -> new ArrayList<>());
      assertThat(Integer.parseInt(parts[1])).as("entries of %s in order", parts[0]).isEqualTo(seqs.size());
      seqs.add(e.seq());
    }
    assertThat(byWriter).hasSize(writers);
    // and then a sequential append continues after them
    await(servers.appendLog(s.uid(), List.of(entry(t, Severity.INFO, "last", null))));
    assertThat(log(s.uid()).get(writers * each).seq()).isEqualTo((long) writers * each + 1);
  }

  @Test
  void logsAreFilteredByTimeAndSeqAndPaged() {
    Instant t = Clock.now();
    Server s = create(server(HERE, "n1", t));
    List<ServerLogEntry> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(entry(t.plusSeconds(i), i % 2 == 0 ? Severity.INFO : Severity.DEBUG, "m" + (i + 1),
          i < 5 ? null : "job-7"));
    }
    await(servers.appendLog(s.uid(), batch));
    // written later, dated earlier: the log stays in seq order
    await(servers.appendLog(s.uid(), List.of(entry(t.minusSeconds(1), Severity.ERROR, "m11", null))));
    UUID uid = s.uid();
    assertThat(seqs(log(uid))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
    assertThat(log(uid).get(5)).isEqualTo(new ServerLogEntry(6, t.plusSeconds(5), Severity.DEBUG, "m6", "job-7"));

    // [start, end)
    assertThat(seqs(await(servers.logs(uid, t.plusSeconds(2), t.plusSeconds(5), 0, 100)).items()))
        .containsExactly(3L, 4L, 5L);
    assertThat(seqs(await(servers.logs(uid, t.plusSeconds(8), null, 0, 100)).items())).containsExactly(9L, 10L);
    assertThat(seqs(await(servers.logs(uid, null, t.plusSeconds(1), 0, 100)).items())).containsExactly(1L, 11L);
    assertThat(seqs(await(servers.logs(uid, t, t, 0, 100)).items())).isEmpty();
    assertThat(seqs(await(servers.logs(uid, t.plusSeconds(20), null, 0, 100)).items())).isEmpty();
    // after a seq
    assertThat(seqs(await(servers.logs(uid, null, null, 7, 100)).items())).containsExactly(8L, 9L, 10L, 11L);
    assertThat(seqs(await(servers.logs(uid, t, null, 7, 100)).items())).containsExactly(8L, 9L, 10L);
    assertThat(await(servers.logs(uid, null, null, 11, 100))).isEqualTo(new Page<>(List.of(), null));

    // pages of 2 within [t+1s, t+8s): seqs 2..8
    List<List<Long>> pages = new ArrayList<>();
    long after = 0;
    for (int i = 0; i < 10; i++) {
      Page<ServerLogEntry> page = await(servers.logs(uid, t.plusSeconds(1), t.plusSeconds(8), after, 2));
      pages.add(seqs(page.items()));
      if (page.next() == null) {
        break;
      }
      long last = page.items().get(page.items().size() - 1).seq();
      assertThat(page.next()).isEqualTo(new PageCursor(null, Long.toString(last)));
      after = Long.parseLong(page.next().id());
    }
    assertThat(pages).containsExactly(List.of(2L, 3L), List.of(4L, 5L), List.of(6L, 7L), List.of(8L));
    // a full last page has no next page when nothing follows it
    Page<ServerLogEntry> exact = await(servers.logs(uid, null, null, 9, 2));
    assertThat(seqs(exact.items())).containsExactly(10L, 11L);
    assertThat(exact.next()).isNull();
    Page<ServerLogEntry> more = await(servers.logs(uid, null, null, 8, 2));
    assertThat(more.next()).isEqualTo(new PageCursor(null, "10"));
  }

  @Test
  void theLogKeepsTheNewestTenThousandEntries() {
    Instant t = Clock.now();
    Server s = create(server(HERE, "n1", t));
    List<ServerLogEntry> many = new ArrayList<>();
    for (int i = 1; i <= 10_005; i++) {
      many.add(entry(t, Severity.DEBUG, "e" + i, null));
    }
    await(servers.appendLog(s.uid(), many));
    List<ServerLogEntry> log = log(s.uid());
    assertThat(log).hasSize(10_000);
    assertThat(log.get(0)).isEqualTo(new ServerLogEntry(6, t, Severity.DEBUG, "e6", null));
    assertThat(log.get(9_999).seq()).isEqualTo(10_005);
    await(servers.appendLog(s.uid(), List.of(entry(t, Severity.INFO, "a", null), entry(t, Severity.INFO, "b", null),
        entry(t, Severity.INFO, "c", null))));
    log = log(s.uid());
    assertThat(log).hasSize(10_000);
    assertThat(log.get(0).seq()).isEqualTo(9);
    assertThat(log.get(9_999)).isEqualTo(new ServerLogEntry(10_008, t, Severity.INFO, "c", null));
  }

  @Test
  void aFencedDeleteRemovesTheServerAndItsLog() {
    Instant t = Clock.now();
    Server s = create(server(HERE, "n1", t));
    Server kept = create(server(HERE, "n2", t));
    await(servers.appendLog(s.uid(), List.of(entry(t, Severity.INFO, "one", null))));
    await(servers.appendLog(kept.uid(), List.of(entry(t, Severity.INFO, "kept", null))));
    Lease lease = await(servers.acquire(s.uid(), "worker-a", TTL, NOW));
    await(servers.deleteFenced(s.uid(), "worker-a", lease.token()));
    awaitApiFailure(servers.get(HERE, "n1"), 404, "NOT_FOUND");
    assertThat(await(servers.byUid(s.uid()))).isNull();
    assertThat(log(s.uid())).isEmpty();
    assertThat(await(servers.list(HERE, null, 10)).items()).containsExactly(kept);
    assertThat(log(kept.uid())).containsExactly(new ServerLogEntry(1, t, Severity.INFO, "kept", null));
    // gone: 404 for the holder too; no lease, no log
    ApiException e = awaitApiFailure(servers.deleteFenced(s.uid(), "worker-a", lease.token()), 404, "NOT_FOUND");
    assertThat(e.getMessage()).isEqualTo("server '" + s.uid() + "' not found");
    assertThat(await(servers.acquire(s.uid(), "worker-a", TTL, NOW))).isNull();
    await(servers.appendLog(s.uid(), List.of(entry(t, Severity.INFO, "late", null))));
    assertThat(log(s.uid())).isEmpty();
    assertThat(await(servers.needingWork(NOW.plus(TTL), 10))).containsExactly(kept);
    // the id is free again: a new server, with its own lease and log
    Server again = create(server(HERE, "n1", t.plusMillis(1)));
    assertThat(await(servers.acquire(again.uid(), "worker-b", TTL, NOW))).isEqualTo(new Lease(again.uid(),
        "worker-b", 1, null));
    await(servers.appendLog(again.uid(), List.of(entry(t, Severity.INFO, "new", null))));
    assertThat(log(again.uid())).containsExactly(new ServerLogEntry(1, t, Severity.INFO, "new", null));
  }

  @Test
  void oneServerPerBmcAddressInARegion() {
    Instant t = Clock.now();
    Server a = await(servers.create(server(HERE, "a", t)));
    Server sameBmc = server(NEIGHBOUR, "b", t).withBmc(a.bmc());
    ApiException e = awaitApiFailure(servers.create(sameBmc), 409, "ALREADY_EXISTS");
    assertThat(e.getMessage()).contains(a.bmc().address()).doesNotContain("'a'");
    Server c = await(servers.create(server(NEIGHBOUR, "c", t)));
    Server moved = c.withMetadata(c.displayName(), c.description(), c.tags(), c.persona(), t).withBmc(a.bmc());
    awaitApiFailure(servers.update(moved, true), 409, "ALREADY_EXISTS");
    assertThat(await(servers.byUid(c.uid())).bmc()).isEqualTo(c.bmc());
    await(servers.update(a.withMetadata("renamed", null, a.tags(), a.persona(), t), true));
    Place elsewhere = new Place(OTHER_REGION, "train");
    Server otherRegion = server(elsewhere, "a", t).withBmc(a.bmc());
    assertThat(await(servers.create(otherRegion)).bmc()).isEqualTo(a.bmc());
  }

  // ---------------------------------------------------------------- events

  /** The fallback rendering's subject of a server (no rendering registered in core). */
  private static String urn(Server s) {
    return "urn:k0rdent:server:" + s.id();
  }

  @Test
  void everyServerChangeAppendsOneEventAndEveryRefusalNone() {
    Instant t = Clock.now();
    Server v1 = server(HERE, "n1", t);
    CloudEvent created = assertOneEvent("ai.k0rdent.server.created", urn(v1), v1, () -> create(v1));
    assertThat(created.data().getLong("version")).isEqualTo(1L);
    assertNoEvent("a taken id", () -> awaitApiFailure(servers.create(server(HERE, "n1", t)), 409, "ALREADY_EXISTS"));
    assertNoEvent("a taken BMC", () -> awaitApiFailure(servers.create(server(NEIGHBOUR, "n2", t).withBmc(v1.bmc())),
        409, "ALREADY_EXISTS"));
    assertNoEvent("a missing project", () -> awaitApiFailure(servers.create(server(new Place(REGION, "ghost"), "n3",
        t)), 404, "NOT_FOUND"));

    // the API's updates and a state transition
    Server v2 = v1.withMetadata("Renamed", null, Map.of("rack", "r2"), "gpu", t.plusMillis(1));
    CloudEvent updated = assertOneEvent("ai.k0rdent.server.updated", urn(v1), v1,
        () -> await(servers.update(v2, false)));
    assertThat(updated.data().getLong("version")).isEqualTo(2L);
    Server v3 = v2.apply(Transition.failed(ServerState.ENROLLING, "no answer"), t.plusMillis(2));
    assertOneEvent("ai.k0rdent.server.updated", urn(v1), v1, () -> await(servers.update(v3, false)));
    assertNoEvent("a stale update", () -> awaitApiFailure(servers.update(v2.withStep("stale", t), false), 412,
        "PRECONDITION_FAILED"));
    assertNoEvent("an update of a gone server", () -> awaitApiFailure(servers.update(
        server(HERE, "ghost", t).withStep("x", t), false), 404, "NOT_FOUND"));
    Server other = create(server(HERE, "other", t));
    assertNoEvent("a BMC another server has", () -> awaitApiFailure(servers.update(
        withVersion(v3, 4).withBmc(other.bmc()), true), 409, "ALREADY_EXISTS"));

    // leases and logs are no resource changes
    Lease[] a = new Lease[1];
    assertNoEvent("an acquisition", () -> a[0] = await(servers.acquire(v1.uid(), "worker-a", TTL, NOW)));
    assertNoEvent("a renewal", () -> assertThat(await(servers.renew(v1.uid(), "worker-a", a[0].token(), TTL,
        NOW.plusSeconds(1)))).isTrue());
    assertNoEvent("a log append", () -> await(servers.appendLog(v1.uid(), List.of(entry(t, Severity.INFO, "hello",
        null)))));

    // the workers' fenced writes
    Server v4 = v3.withStep("power-on", t.plusMillis(3));
    CloudEvent fenced = assertOneEvent("ai.k0rdent.server.updated", urn(v1), v1,
        () -> await(servers.updateFenced(v4, "worker-a", a[0].token())));
    assertThat(fenced.data().getLong("version")).isEqualTo(4L);
    assertNoEvent("a fenced write of another version", () -> awaitApiFailure(servers.updateFenced(
        v3.withStep("stale", t), "worker-a", a[0].token()), 412, "PRECONDITION_FAILED"));
    Lease b = await(servers.acquire(v1.uid(), "worker-b", TTL, NOW.plus(TTL).plusSeconds(5)));
    assertNoEvent("a fenced write of a stale holder", () -> awaitApiFailure(servers.updateFenced(
        v4.withStep("late", t), "worker-a", a[0].token()), 409, "LEASE_LOST"));
    assertNoEvent("a fenced delete of a stale holder", () -> awaitApiFailure(servers.deleteFenced(v1.uid(),
        "worker-a", a[0].token()), 409, "LEASE_LOST"));
    assertNoEvent("a release", () -> await(servers.release(v1.uid(), "worker-a", a[0].token())));

    CloudEvent deleted = assertOneEvent("ai.k0rdent.server.deleted", urn(v1), v1,
        () -> await(servers.deleteFenced(v1.uid(), "worker-b", b.token())));
    assertThat(deleted.data()).isEqualTo(new JsonObject().put("id", "n1").put("uid", v1.uid().toString()));
    assertNoEvent("a fenced delete of a gone server", () -> awaitApiFailure(servers.deleteFenced(v1.uid(), "worker-b",
        b.token()), 404, "NOT_FOUND"));
    assertThat(outbox().stream().map(r -> r.event().toJson().encode()))
        .as("no event holds sealed credentials").noneMatch(json -> json.contains("sealed"));
  }
}
