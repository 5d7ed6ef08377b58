package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Findings of a break-it review of IPAM (issue 6), kept as regression tests: each states what the issue, the
 * README or docs/spec-deviations.md promise, and failed while the defect was there. Run against each store by a
 * subclass.
 */
abstract class IpamBreakHttpContract extends IpamTenantHttpTest {

  /** Issue: "Bad input gets a clear 4xx ..., never a 500". An allocation racing a network delete got a 500 (NPE). */
  @Test
  void anAllocationRacingTheNetworksDeleteNeverAnswers500() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(12);
    List<String> fivexx = new ArrayList<>();
    try {
      for (int round = 0; round < 40 && fivexx.isEmpty(); round++) {
        JsonObject n = network(project, "10.71." + round + ".0/24");
        String id = n.getString("id");
        CyclicBarrier start = new CyclicBarrier(12);
        List<Future<Res>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          int k = i;
          all.add(pool.submit(() -> {
            start.await();
            return k == 0 ? api.delete(n.getString("selfLink"), token)
                : api.post(compute(project) + "addresses", token, internal(id));
          }));
        }
        for (Future<Res> f : all) {
          Res r = f.get();
          if (r.status() >= 500) {
            fivexx.add(r.status() + " " + r.body());
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(fivexx).as("answers of allocations racing deleteNetwork").isEmpty();
  }

  /**
   * The same defect, deterministically on PostgreSQL: the network row is there but its subnet is already gone
   * (the window between getNetwork and subnetsOf in ComputeApi.internal while deleteNetwork commits).
   */
  @Test
  void aNetworkWhoseSubnetIsGoneAnswersA4xxNotA500() throws Exception {
    Assumptions.assumeTrue(onPostgres(), "needs SQL access to open the race window");
    JsonObject n = network(project, "10.72.0.0/24");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.settings().jdbcUrl(), db.settings().user(),
        db.settings().password()); java.sql.Statement s = c.createStatement()) {
      s.execute("DELETE FROM " + db.schema() + ".subnets WHERE project_id = '" + project + "' AND network_id = '"
          + n.getString("id") + "'");
    }
    Res r = api.post(compute(project) + "addresses", token, internal(n.getString("id")));
    assertThat(r.status()).as(r.body()).isBetween(400, 499);
  }

  /**
   * Issue: "Release is idempotent for the same owner"; README: send the ETag back in If-Match on DELETE. A
   * retried release with the same If-Match (the first answer lost) gets 404 instead of 204.
   */
  @Test
  void aRetriedReleaseWithIfMatchIsStill204() {
    JsonObject n = network(project, "10.73.0.0/24");
    Res a = api.post(compute(project) + "addresses", token, internal(n.getString("id")));
    assertThat(a.status()).as(a.body()).isEqualTo(201);
    String etag = a.json().getString("etag");
    assertThat(api.delete(a.json().getString("selfLink"), token, "If-Match", etag).status()).isEqualTo(204);
    Res retry = api.delete(a.json().getString("selfLink"), token, "If-Match", etag);
    assertThat(retry.status()).as(retry.body()).isEqualTo(204);
  }

  /**
   * README step 5 gives a CI account compute-admin over the organization. It may list the project's networks,
   * but a typo in a network or address id is answered "project '<p>' not found" (not the network's 404).
   */
  @Test
  void aComputeAdminAskingForAMissingNetworkIsNotToldTheProjectIsMissing() {
    network(project, "10.74.0.0/24");
    String ci = caller(org, "compute-admin").token();
    assertThat(api.get(compute(project) + "networks", ci).status()).isEqualTo(200);
    Res typo = api.get(compute(project) + "networks/no-such-network", ci);
    assertThat(typo.status()).isEqualTo(404);
    assertThat(message(typo)).isEqualTo("network 'no-such-network' not found");
    Res address = api.get(compute(project) + "addresses/no-such-address", ci);
    assertThat(message(address)).isEqualTo("address 'no-such-address' not found");
  }

  /** A caller with compute-admin and a deny of compute-viewer on one network, and the network. */
  record Denied(String token, JsonObject network) {}

  Denied deniedOneNetwork(String cidr) throws InterruptedException {
    JsonObject hidden = network(project, cidr);
    return new Denied(deniedOn(hidden).token(), hidden);
  }


  /** docs/spec-deviations.md: "Lists show only what the caller may read". A denied network is still listed. */
  @Test
  void aNetworkTheCallerMayNotReadIsNotListed() throws Exception {
    Denied d = deniedOneNetwork("10.75.0.0/24");
    Res list = api.get(compute(project) + "networks?pageSize=500", d.token());
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().getJsonArray("networks").stream().map(o -> ((JsonObject) o).getString("id")))
        .doesNotContain(d.network().getString("id"));
  }

  /**
   * A network the caller may not read must answer an allocation exactly like a missing one; with an ipAddress
   * outside it (or a subnetwork of another network) the 400 names it as existing and leaks its range by search.
   */
  @Test
  void aNetworkTheCallerMayNotReadAnswersAllocateLikeAMissingOne() throws Exception {
    Denied d = deniedOneNetwork("10.76.0.0/24");
    String hidden = d.network().getString("id");
    Res denied = api.post(compute(project) + "addresses", d.token(), internal(hidden).put("ipAddress", "10.99.0.5"));
    Res missing = api.post(compute(project) + "addresses", d.token(), internal("no-such-net").put("ipAddress", "10.99.0.5"));
    assertThat(denied.status()).isEqualTo(missing.status());
    assertThat(message(denied).replace(hidden, "X")).isEqualTo(message(missing).replace("no-such-net", "X"));
    JsonObject visible = network(project, "10.77.0.0/24");
    Res mismatch = api.post(compute(project) + "addresses", d.token(), new JsonObject().put("addressType", "INTERNAL")
        .put("network", visible.getString("id")).put("subnetwork", hidden));
    assertThat(message(mismatch)).doesNotContain("belongs to network '" + hidden + "'");
  }

  /**
   * Issue: release idempotent "for the same owner". The release tombstone outlives the project: another
   * organization that re-creates the project id gets 204 (not 404) for the previous owner's address ids.
   */
  @Test
  void releaseTombstonesDoNotReachTheNextOwnerOfAProjectId() {
    String pid = unique("reuse");
    created(PROJECTS, new JsonObject().put("id", pid).put("organizationId", org));
    JsonObject n = network(pid, "10.79.0.0/24");
    Res a = api.post(compute(pid) + "addresses", token, internal(n.getString("id")).put("id", "secret-vip"));
    assertThat(a.status()).as(a.body()).isEqualTo(201);
    assertThat(api.delete(a.json().getString("selfLink"), token).status()).isEqualTo(204);
    assertThat(api.delete(n.getString("selfLink"), token).status()).isEqualTo(204);
    assertThat(api.delete(PROJECTS + "/" + pid, token).status()).isEqualTo(204);
    String rivalOrg = created(ORGS, new JsonObject().put("id", unique("next"))).getString("id");
    created(PROJECTS, new JsonObject().put("id", pid).put("organizationId", rivalOrg));
    String rival = caller(rivalOrg, "org-admin").token();
    Res probe = api.delete(compute(pid) + "addresses/secret-vip", rival);
    Res never = api.delete(compute(pid) + "addresses/never-was", rival);
    assertThat(probe.status()).as("the previous owner's release is not the new owner's").isEqualTo(never.status());
  }

  /** Atlas-only routes must be indistinguishable from unknown ones on Arc; Arc's own document names the pools. */
  @Test
  void theArcDocumentShowsNothingOfTheAtlasOnlyPools() {
    Res doc = api.send("GET", "/openapi.json", null);
    assertThat(doc.status()).isEqualTo(200);
    JsonObject d = doc.json();
    assertThat(d.getJsonArray("tags").stream().map(t -> ((JsonObject) t).getString("name"))).doesNotContain("addresspools");
    assertThat(d.getJsonObject("components").getJsonObject("schemas").fieldNames())
        .doesNotContain("AddressPool", "AddressPoolCreateRequest", "AddressPoolList", "SubnetList");
  }

  /**
   * README: "A network with addresses, or a project with networks, is not deleted (409, listing what is in
   * the way)". The project's 409 lists nothing.
   */
  @Test
  void aProjectThatStillHasNetworksListsThemInIts409() {
    String pid = unique("busy");
    created(PROJECTS, new JsonObject().put("id", pid).put("organizationId", org));
    JsonObject n = network(pid, "10.78.0.0/24");
    Res refused = api.delete(PROJECTS + "/" + pid, token);
    assertThat(refused.status()).isEqualTo(409);
    JsonArray details = refused.json().getJsonObject("error").getJsonArray("details");
    assertThat(details.encode()).contains(n.getString("selfLink"));
  }

  /**
   * An EXTERNAL allocation racing the delete of the region's only pool of its version: the tenant gets a 404
   * naming the provider's pool ("address pool 'x' not found") instead of POOL_EXHAUSTED.
   */
  @Test
  void anExternalAllocationRacingAPoolDeleteIsNeverA404NamingThePool() throws Exception {
    // this node has no IPv6 pool unless a test creates one
    ExecutorService pool = Executors.newFixedThreadPool(12);
    List<String> wrong = new ArrayList<>();
    try {
      for (int round = 0; round < 30 && wrong.isEmpty(); round++) {
        String pid = unique("race6");
        Res p = node.atlas.post(POOLS, token, new JsonObject().put("id", pid).put("cidr", "2001:db8:77::/64"));
        assertThat(p.status()).as(p.body()).isEqualTo(201);
        CyclicBarrier start = new CyclicBarrier(12);
        List<Future<Res>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          int k = i;
          all.add(pool.submit(() -> {
            start.await();
            return k == 0 ? node.atlas.delete(POOLS + "/" + pid, token)
                : api.post(compute(project) + "addresses", token, new JsonObject().put("ipVersion", "IPV6"));
          }));
        }
        for (Future<Res> f : all) {
          Res r = f.get();
          if (r.status() == 201 && r.json().containsKey("addressType")) {
            api.delete(r.json().getString("selfLink"), token);
          } else if (r.status() == 404 || r.status() >= 500) {
            wrong.add(r.status() + " " + r.body());
          }
        }
        node.atlas.delete(POOLS + "/" + pid, token);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(wrong).isEmpty();
  }

  /**
   * A pool the operator deleted through the API comes back at the next start while region.addressPools still
   * lists it (then tenants are given addresses of a block the operator withdrew).
   */
  @Test
  void aConfiguredPoolDeletedThroughTheApiStaysDeletedAfterARestart() {
    Assumptions.assumeTrue(onPostgres(), "a restart keeps the store only on PostgreSQL");
    Map<String, Object> o = new java.util.HashMap<>(Map.of("database.url", db.url(), "database.schema", db.schema()));
    o.put("region.addressPools", List.of(Map.of("id", "cfg-pool", "cidr", "192.0.2.0/29", "displayName", "fip")));
    TestNode first = TestNode.start(o);
    try {
      assertThat(first.atlas.get(POOLS + "/cfg-pool", first.token()).status()).isEqualTo(200);
      assertThat(first.atlas.delete(POOLS + "/cfg-pool", first.token()).status()).isEqualTo(204);
    } finally {
      first.close();
    }
    TestNode second = TestNode.start(o);
    try {
      assertThat(second.atlas.get(POOLS + "/cfg-pool", second.token()).status()).as("deleted by the operator").isEqualTo(404);
    } finally {
      second.close();
    }
  }
}
