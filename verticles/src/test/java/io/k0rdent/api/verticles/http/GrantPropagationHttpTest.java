package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.k0rdent.api.verticles.testsupport.TwoNodes;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The acceptance test of grant propagation: two nodes (two Hazelcast members over TCP on loopback, one
 * PostgreSQL), a service account without roles of its own that may read a project only through a policy
 * binding. A binding removed on node A must stop granting on node B within one second (measured over 30
 * trials, p99 = the slowest) and must never grant on A once A has answered the DELETE; a binding created on
 * A must start granting on B within one second.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrantPropagationHttpTest {

  static final String ORGS = "/v1/regions/global/organizations";
  static final String PROJECTS = "/v1/regions/global/projects";
  static final String SAS = IamHttpContract.SAS;
  static final String POLICIES = "/v1/regions/global/iam/policies";
  static final long WITHIN_MILLIS = 1000;
  static final int TRIALS = 30;

  TwoNodes nodes;
  TestNode a;
  TestNode b;
  String admin;
  String org;
  String project;
  String saId;
  String saToken;
  /** How many answers the last {@link #until} saw before the expected one. */
  int stale;

  @BeforeAll
  void start() throws Exception {
    nodes = TwoNodes.start("grants");
    a = nodes.a();
    b = nodes.b();
    admin = a.token();

    String suffix = UUID.randomUUID().toString().substring(0, 8);
    org = "org-" + suffix;
    Res o = a.arc.post(ORGS, admin, new JsonObject().put("id", org));
    assertThat(o.status()).as(o.body()).isEqualTo(201);
    project = "proj-" + suffix;
    Res p = a.arc.post(PROJECTS, admin, new JsonObject().put("id", project).put("organizationId", org));
    assertThat(p.status()).as(p.body()).isEqualTo(201);
    // No roles of its own: whatever it may do comes from policy bindings.
    Res sa = a.arc.post(SAS, admin, new JsonObject().put("displayName", "grants").put("scope", "organization")
        .put("scopeId", org));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    assertThat(sa.json().getJsonArray("roles")).isEmpty();
    saId = sa.json().getString("id");
    Res cred = a.arc.post(SAS + "/" + saId + "/credentials", admin, new JsonObject());
    assertThat(cred.status()).as(cred.body()).isEqualTo(201);
    saToken = a.arc.clientCredentialsToken(sa.json().getString("clientId"), cred.json().getString("clientSecret"));
  }

  @AfterAll
  void stop() {
    if (nodes != null) {
      nodes.close();
    }
  }

  /** The body of the last {@link #readProject} answer, for failure messages. */
  String lastBody;

  int readProject(Api node) {
    Res r = node.get(PROJECTS + "/" + project, saToken);
    lastBody = r.body();
    return r.status();
  }

  /** Binds project-viewer on the project to the service account (on node A); the policy's id. */
  String bind() {
    Res r = a.arc.post(POLICIES, admin, new JsonObject().put("orgId", org).put("role", PredefinedRoles.PROJECT_VIEWER)
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", saId))
        .put("scope", new JsonObject().put("type", "project").put("resource", project)));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  void unbind(String policyId) {
    Res r = a.arc.delete(POLICIES + "/" + policyId, admin);
    assertThat(r.status()).as(r.body()).isEqualTo(204);
  }

  /**
   * Polls {@code node} every ~5 ms until {@link #readProject} answers a status {@code expected} accepts;
   * the milliseconds from {@code since} (nanoTime) until then. Fails after {@link #WITHIN_MILLIS}.
   */
  double until(Api node, IntPredicate expected, long since) throws InterruptedException {
    stale = 0;
    while (true) {
      int status = readProject(node);
      long now = System.nanoTime();
      if (expected.test(status)) {
        return (now - since) / 1e6;
      }
      stale++;
      assertThat(status).as("an unexpected answer while waiting: %s", lastBody).isIn(200, 404);
      assertThat((now - since) / 1_000_000).as("not visible on node B within " + WITHIN_MILLIS + " ms")
          .isLessThan(WITHIN_MILLIS);
      Thread.sleep(5);
    }
  }

  /**
   * One unmeasured bind/unbind cycle first: the cluster's first use of each map, entry processor and
   * schema across the two members (right after they joined) is not what the trials measure. A 503 is
   * tolerated here only (fail closed while the members settle); any other answer fails.
   */
  void warmUp() throws InterruptedException {
    String policy = bind();
    settle(a.arc, 200);
    settle(b.arc, 200);
    unbind(policy);
    settle(a.arc, 404);
    settle(b.arc, 404);
  }

  private void settle(Api node, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    int status;
    while ((status = readProject(node)) != expected) {
      assertThat(status).as("warming up: %s", lastBody).isIn(200, 404, 503);
      assertThat(System.nanoTime()).as("the cluster did not settle within 30 s; last answer %d %s", status, lastBody)
          .isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void aRemovedBindingStopsGrantingOnTheOtherNodeWithinOneSecond() throws Exception {
    // Nothing bound: neither node shows the project (404, not 403: it is not even visible).
    assertThat(readProject(a.arc)).isEqualTo(404);
    assertThat(readProject(b.arc)).isEqualTo(404);

    warmUp();
    List<Double> revoke = new ArrayList<>();
    List<Double> grant = new ArrayList<>();
    int grantedAfterDelete = 0;
    for (int i = 0; i < TRIALS; i++) {
      String policy = bind();
      long bound = System.nanoTime();
      try {
        // The node that took the change grants as soon as it answered.
        assertThat(readProject(a.arc)).as("node A right after its create: %s", lastBody).isEqualTo(200);
        grant.add(until(b.arc, s -> s == 200, bound));
        // Node B answers from what it has cached: compiled grants, near-cached bindings.
        for (int k = 0; k < 3; k++) {
          assertThat(readProject(b.arc)).isEqualTo(200);
        }
      } finally {
        unbind(policy); // also when the trial failed: the next test starts from no binding
      }
      long deleted = System.nanoTime();
      // Node A never grants again once it has acknowledged the DELETE.
      assertThat(readProject(a.arc)).as("node A right after its DELETE: %s", lastBody).isEqualTo(404);
      revoke.add(until(b.arc, s -> s == 404, deleted));
      grantedAfterDelete += stale > 0 ? 1 : 0;
      assertThat(readProject(a.arc)).isEqualTo(404);
    }

    report("binding removed on A -> 404 on B", revoke);
    report("binding created on A -> 200 on B", grant);
    System.out.printf("GrantPropagationHttpTest: node B still granted at least once after A's DELETE in %d of %d "
        + "trials%n", grantedAfterDelete, TRIALS);
    assertThat(Collections.max(revoke)).as("p99 (the slowest of %d) of removal propagation, ms", TRIALS)
        .isLessThan(WITHIN_MILLIS);
    assertThat(Collections.max(grant)).as("p99 (the slowest of %d) of grant propagation, ms", TRIALS)
        .isLessThan(WITHIN_MILLIS);
  }

  @Test
  void aServiceAccountsOwnRoleChangeGrantsOnTheOtherNodeWithinOneSecond() throws Exception {
    warmUp();
    Res sa = a.arc.post(SAS, admin, new JsonObject().put("displayName", "roles").put("scope", "project")
        .put("scopeId", project));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    String id = sa.json().getString("id");
    Res cred = a.arc.post(SAS + "/" + id + "/credentials", admin, new JsonObject());
    assertThat(cred.status()).as(cred.body()).isEqualTo(201);
    String token = a.arc.clientCredentialsToken(sa.json().getString("clientId"), cred.json().getString("clientSecret"));
    String path = PROJECTS + "/" + project;
    assertThat(b.arc.get(path, token).status()).isEqualTo(404);

    Res granted = a.arc.patch(SAS + "/" + id, admin,
        new JsonObject().put("roles", new io.vertx.core.json.JsonArray().add(PredefinedRoles.PROJECT_VIEWER)));
    assertThat(granted.status()).as(granted.body()).isEqualTo(200);
    long changed = System.nanoTime();
    assertThat(a.arc.get(path, token).status()).as("node A right after its change").isEqualTo(200);
    double ms;
    while (true) {
      int status = b.arc.get(path, token).status();
      ms = (System.nanoTime() - changed) / 1e6;
      if (status == 200) {
        break;
      }
      assertThat(ms).as("granted on node B within " + WITHIN_MILLIS + " ms").isLessThan(WITHIN_MILLIS);
      Thread.sleep(5);
    }
    System.out.printf("GrantPropagationHttpTest: role added to a service account on A -> 200 on B after %.1f ms%n", ms);
  }

  static void report(String what, List<Double> millis) {
    List<Double> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    double p50 = sorted.get((sorted.size() - 1) / 2);
    double max = sorted.get(sorted.size() - 1);
    double mean = sorted.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    System.out.printf("GrantPropagationHttpTest: %s over %d trials: p50 %.1f ms, mean %.1f ms, p99 (max) %.1f ms, "
        + "min %.1f ms; all: %s%n", what, sorted.size(), p50, mean, max, sorted.get(0),
        millis.stream().map(d -> String.format("%.1f", d)).toList());
  }
}
