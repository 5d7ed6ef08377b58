package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.k0rdent.api.verticles.testsupport.TwoNodes;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two nodes, as in production: two Hazelcast members joined over TCP on loopback, each with its own Vert.x
 * and HTTP listeners, sharing only PostgreSQL. What one node changes (a revocation, a deleted credential,
 * a disabled account) must hold on the other within one second, even where the other had it cached.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodeHttpTest {

  static final String SAS = IamHttpContract.SAS;
  static final long WITHIN_MILLIS = 1000;

  TwoNodes nodes;
  TestNode a;
  TestNode b;
  String adminA;

  @BeforeAll
  void start() throws Exception {
    nodes = TwoNodes.start("two");
    a = nodes.a();
    b = nodes.b();
    adminA = a.token();
  }

  @AfterAll
  void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  /** Waits until {@code condition} holds; fails when it takes longer than {@link #WITHIN_MILLIS}. */
  static long within(BooleanSupplier condition) throws InterruptedException {
    long start = System.nanoTime();
    while (!condition.getAsBoolean()) {
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(ms).as("not visible on the other node within " + WITHIN_MILLIS + " ms").isLessThan(WITHIN_MILLIS);
      Thread.sleep(10);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  static boolean active(Api api, String token) {
    Res r = api.send("POST", IamHttpContract.INTROSPECT, new JsonObject().put("token", token).encode(),
        "Content-Type", "application/json", "Authorization",
        IamHttpContract.basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getBoolean("active");
  }

  static int mint(Api api, String clientId, String secret) {
    return api.send("POST", IamHttpContract.TOKEN, "grant_type=client_credentials&client_id=" + Api.enc(clientId)
        + "&client_secret=" + Api.enc(secret), "Content-Type", "application/x-www-form-urlencoded").status();
  }

  /** A service account created on node A with one credential: {clientId, secret, accountId, credentialId}. */
  String[] account() {
    Res sa = a.arc.post(SAS, adminA, new JsonObject().put("displayName", "two").put("scope", "organization")
        .put("scopeId", "provider"));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    String id = sa.json().getString("id");
    Res cred = a.arc.post(SAS + "/" + id + "/credentials", adminA, new JsonObject());
    assertThat(cred.status()).as(cred.body()).isEqualTo(201);
    return new String[] {sa.json().getString("clientId"), cred.json().getString("clientSecret"), id,
        cred.json().getString("id")};
  }

  @Test
  void theNodesAreTwoHazelcastMembersOfOneCluster() {
    long members = Hazelcast.getAllHazelcastInstances().stream()
        .filter(h -> h.getConfig().getClusterName().startsWith("two-"))
        .peek(h -> assertThat(h.getCluster().getMembers()).hasSize(2))
        .map(HazelcastInstance::getName).distinct().count();
    assertThat(members).isEqualTo(2);
    assertThat(a.node().arcPort()).isNotEqualTo(b.node().arcPort());
  }

  @Test
  void aTokenRevokedOnOneNodeIsInactiveOnTheOtherWithinASecond() throws Exception {
    String[] sa = account();
    String t = b.arc.clientCredentialsToken(sa[0], sa[1]);
    assertThat(active(b.arc, t)).isTrue();
    assertThat(active(a.arc, t)).isTrue();
    Res revoked = a.arc.send("POST", IamHttpContract.REVOKE, new JsonObject().put("token", t).encode(),
        "Content-Type", "application/json", "Authorization", "Bearer " + t);
    assertThat(revoked.status()).isEqualTo(200);
    assertThat(active(a.arc, t)).isFalse();
    within(() -> !active(b.arc, t));
    assertThat(b.arc.get(SAS, t).status()).isEqualTo(401);
  }

  @Test
  void aCredentialDeletedOnOneNodeStopsWorkingOnTheOther() throws Exception {
    String[] sa = account();
    String t = b.arc.clientCredentialsToken(sa[0], sa[1]); // node B now has the credential cached
    assertThat(active(b.arc, t)).isTrue();
    Res deleted = a.arc.delete(SAS + "/" + sa[2] + "/credentials/" + sa[3], adminA);
    assertThat(deleted.status()).isEqualTo(204);
    within(() -> mint(b.arc, sa[0], sa[1]) == 401);
    within(() -> !active(b.arc, t));
  }

  @Test
  void anAccountDisabledOnOneNodeIsDisabledOnTheOther() throws Exception {
    String[] sa = account();
    String t = a.arc.clientCredentialsToken(sa[0], sa[1]);
    assertThat(active(a.arc, t)).isTrue();
    String adminB = b.token();
    Res off = b.arc.patch(SAS + "/" + sa[2], adminB, new JsonObject().put("status", "disabled"));
    assertThat(off.status()).isEqualTo(200);
    within(() -> !active(a.arc, t));
    within(() -> mint(a.arc, sa[0], sa[1]) == 401);
    Res on = b.arc.patch(SAS + "/" + sa[2], adminB, new JsonObject().put("status", "active"));
    assertThat(on.status()).isEqualTo(200);
    // re-enabled: a new token works on the other node, the old one stays dead
    within(() -> mint(a.arc, sa[0], sa[1]) == 200);
    assertThat(active(a.arc, t)).isFalse();
  }
}
