package io.k0rdent.api.verticles.cluster;

import static io.k0rdent.api.verticles.cluster.AuthTestSupport.await;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.credential;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.freePort;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.member;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.onLoop;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.onLoopValue;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.seedOrganization;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.serviceAccount;
import static io.k0rdent.api.verticles.cluster.AuthTestSupport.unavailable;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import io.k0rdent.api.core.auth.AuthState.Kind;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Members that come and go: a member joining after a revocation, a fresh cluster on the same database, a
 * member whose Hazelcast is shut down, and {@code close} writing pending uses.
 */
class HazelcastAuthStateLifecycleTest {

  private static final List<String> BLOCKED = new CopyOnWriteArrayList<>();
  private static final List<HazelcastInstance> MEMBERS = new ArrayList<>();
  private static final List<Vertx> VERTICES = new ArrayList<>();
  private static final List<HazelcastAuthState> STATES = new ArrayList<>();
  private static String cluster;
  private static int portA;
  private static int portC;
  private static CountingStore store;
  private static HazelcastInstance hzA;
  private static HazelcastAuthState a;
  private static Context loopA;

  @BeforeAll
  static void startOneMember() {
    cluster = "auth-life-" + UUID.randomUUID();
    portA = freePort();
    portC = freePort();
    hzA = started(member(cluster, portA, portA, portC));
    store = new CountingStore();
    seedOrganization(store);
    Vertx vertx = vertx();
    a = state(vertx, hzA, store, HazelcastAuthState.Options.DEFAULTS);
    loopA = vertx.getOrCreateContext();
  }

  @AfterEach
  void noEventLoopWasBlocked() {
    List<String> blocked = List.copyOf(BLOCKED);
    BLOCKED.clear();
    assertThat(blocked).as("blocked event loops").isEmpty();
  }

  @AfterAll
  static void stopEverything() {
    STATES.forEach(s -> await(s.close()));
    VERTICES.forEach(v -> await(v.close()));
    MEMBERS.forEach(hz -> hz.getLifecycleService().terminate());
  }

  private static HazelcastInstance started(HazelcastInstance hz) {
    MEMBERS.add(hz);
    return hz;
  }

  private static Vertx vertx() {
    Vertx v = AuthTestSupport.vertx(BLOCKED);
    VERTICES.add(v);
    return v;
  }

  private static HazelcastAuthState state(Vertx vertx, HazelcastInstance hz, Store store,
                                          HazelcastAuthState.Options options) {
    HazelcastAuthState s = await(HazelcastAuthState.start(vertx, hz, store, options));
    STATES.add(s);
    return s;
  }

  @Test
  void membersAndClustersStartedLaterKnowEarlierRevocations() {
    String jti = "jti-" + UUID.randomUUID();
    onLoop(loopA, () -> a.revoke(jti, Clock.now().plus(Duration.ofMinutes(5))));

    // A member joining later, whose database knows nothing: it learns the revocation from the cluster.
    HazelcastInstance hzC = started(member(cluster, portC, portA, portC));
    assertThat(hzC.getCluster().getMembers()).hasSize(2);
    Vertx vertxC = vertx();
    HazelcastAuthState c = state(vertxC, hzC, new InMemoryStore(), HazelcastAuthState.Options.DEFAULTS);
    assertThat(onLoopValue(vertxC.getOrCreateContext(), () -> c.isRevoked(jti))).isTrue();

    // A fresh cluster (every member restarted) on the same database: from the store.
    int portD = freePort();
    HazelcastInstance hzD = started(member("auth-fresh-" + UUID.randomUUID(), portD, portD));
    assertThat(hzD.getMap(HazelcastAuthState.REVOKED).containsKey(jti)).isFalse();
    Vertx vertxD = vertx();
    HazelcastAuthState d = state(vertxD, hzD, store, HazelcastAuthState.Options.DEFAULTS);
    assertThat(onLoopValue(vertxD.getOrCreateContext(), () -> d.isRevoked(jti))).isTrue();
    assertThat(onLoopValue(vertxD.getOrCreateContext(), () -> d.isRevoked("jti-never-revoked"))).isFalse();
  }

  @Test
  void closeWritesPendingUses() {
    await(store.serviceAccounts().create(serviceAccount("sa-close")));
    await(store.credentials().create(credential("cred-close", "sa-close")));
    Vertx vertx = vertx();
    HazelcastAuthState s = state(vertx, hzA, store,
        HazelcastAuthState.Options.DEFAULTS.withUsageFlush(Duration.ofHours(1)));
    Instant at = Clock.now();
    Context loop = vertx.getOrCreateContext();
    onLoopValue(loop, () -> {
      s.recordUse(Kind.CREDENTIAL, "cred-close", at, "192.0.2.7");
      return null;
    });
    assertThat(await(store.delegate.credentials().get("cred-close")).lastUsedAt()).isNull();

    onLoop(loop, s::close);
    assertThat(await(store.delegate.credentials().get("cred-close")).lastUsedAt()).isEqualTo(at);
    assertThat(await(store.delegate.credentials().get("cred-close")).lastUsedIp()).isEqualTo("192.0.2.7");
  }

  @Test
  void aMemberWhoseHazelcastIsDownAnswers503() {
    int portE = freePort();
    HazelcastInstance hzE = started(member("auth-down-" + UUID.randomUUID(), portE, portE));
    Vertx vertx = vertx();
    HazelcastAuthState e = state(vertx, hzE, store, HazelcastAuthState.Options.DEFAULTS);
    Context loop = vertx.getOrCreateContext();
    ServiceAccount sa = await(store.serviceAccounts().create(serviceAccount("sa-down")));
    assertThat(onLoop(loop, () -> e.serviceAccount("sa-down"))).isEqualTo(sa);
    String jti = "jti-down-" + UUID.randomUUID();
    onLoop(loop, () -> e.revoke(jti, Clock.now().plusSeconds(60)));

    hzE.shutdown();

    unavailable(loop, () -> e.serviceAccount("sa-down"));
    unavailable(loop, () -> e.serviceAccount("sa-never-seen"));
    unavailable(loop, () -> e.credential("cred-never-seen"));
    unavailable(loop, () -> e.changed(Kind.SERVICE_ACCOUNT, "sa-down"));
    unavailable(loop, () -> e.revoke("jti-after-shutdown", Clock.now().plusSeconds(60)));
    // What this node knew is still refused: revocations are in memory.
    assertThat(onLoopValue(loop, () -> e.isRevoked(jti))).isTrue();
  }

  @Test
  void startFailsWith503WhenHazelcastIsDown() {
    int portF = freePort();
    HazelcastInstance hzF = started(member("auth-gone-" + UUID.randomUUID(), portF, portF));
    hzF.shutdown();
    Vertx vertx = vertx();
    unavailable(vertx.getOrCreateContext(),
        () -> HazelcastAuthState.start(vertx, hzF, store, HazelcastAuthState.Options.DEFAULTS));
  }
}
