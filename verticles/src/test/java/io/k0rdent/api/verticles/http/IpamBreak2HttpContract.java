package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Findings of a second break-it review of IPAM (issue 6), kept as regression tests: each failed while its defect
 * was there. Run against each store by a subclass.
 */
abstract class IpamBreak2HttpContract extends IpamTenantHttpTest {

  /** A compute-admin of the organization denied compute-viewer on network {@code hidden}; its token. */
  String deniedToken(JsonObject hidden) throws InterruptedException {
    return deniedOn(hidden).token();
  }

  /**
   * docs/spec-deviations.md: "a resource-level deny hides it ... one the caller may not read answers 404 for every
   * operation, as a missing one does". createNetwork's NETWORK_OVERLAP names the hidden network and its exact
   * block: one request with a /8 reveals both. (The create must still be refused; the answer must not name it.)
   */
  @Test
  void aHiddenNetworkIsNotNamedByAnOverlapRefusal() throws Exception {
    JsonObject hidden = network(project, "10.181.0.0/16");
    String denied = deniedToken(hidden);
    Res probe = api.post(compute(project) + "networks", denied, new JsonObject().put("id", unique("probe"))
        .put("cidr", "10.181.7.0/24"));
    assertThat(probe.status()).isEqualTo(409);
    assertThat(message(probe)).as("the overlap refusal names a network the caller may not read")
        .doesNotContain(hidden.getString("id")).doesNotContain("10.181.0.0/16");
  }

  /**
   * The same deny does not reach the network's default subnet (same id, same block): Atlas' getSubnet and
   * listSubnets show the hidden network's block and selfLink to the denied caller.
   */
  @Test
  void aHiddenNetworksDefaultSubnetIsHiddenToo() throws Exception {
    JsonObject hidden = network(project, "10.182.0.0/16");
    String denied = deniedToken(hidden);
    String id = hidden.getString("id");
    Res get = node.atlas.get(compute(project) + "subnets/" + id, denied);
    assertThat(get.status()).as("getSubnet of the hidden network's subnet: " + get.body()).isEqualTo(404);
    Res list = node.atlas.get(compute(project) + "subnets?pageSize=500", denied);
    assertThat(list.body()).as("listSubnets").doesNotContain("10.182.0.0/16");
  }

  /**
   * The project's 409 (new in the fix round) names every network and address of the project to a caller that may
   * delete the project but may read none of them (its compute lists are empty), and ignores resource-level denies.
   */
  @Test
  void aProjectsRefusalNamesOnlyWhatTheCallerMayRead() {
    String pid = unique("leak");
    created(PROJECTS, new JsonObject().put("id", pid).put("organizationId", org));
    JsonObject n = network(pid, "10.183.0.0/24");
    String roleId = unique("pdel");
    created(ROLES, new JsonObject().put("id", roleId).put("orgId", org).put("displayName", "project deleter")
        .put("permissions", new io.vertx.core.json.JsonArray().add("resourcemanager.projects.get")
            .add("resourcemanager.projects.delete")));
    Caller c = caller(org);
    Res b = api.post(POLICIES, token, new JsonObject().put("orgId", org).put("role", roleId).put("effect", "allow")
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", c.serviceAccountId()))
        .put("scope", new JsonObject().put("type", "org").put("resource", org)));
    assertThat(b.status()).as(b.body()).isEqualTo(201);
    Res list = api.get(compute(pid) + "networks", c.token());
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.json().getJsonArray("networks")).as("the caller may read no network").isEmpty();
    Res refused = api.delete(PROJECTS + "/" + pid, c.token());
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.body()).as("the 409 names a network the caller's list does not show")
        .doesNotContain(n.getString("selfLink"));
  }

  /**
   * docs/spec-deviations.md: a pool "never overlaps ipam.networkRanges, so an external address is never one a
   * tenant's network may hold". The rule is checked only when a pool is created: after a provider adds a public
   * block to ipam.networkRanges (README: "add your own public blocks to allow them"), a node starts silently with a
   * stored pool inside it, a tenant creates a network over it and is given, as INTERNAL, the very address another
   * tenant holds as EXTERNAL.
   */
  @Test
  void widenedNetworkRangesNeverLetATenantNetworkHoldAPoolsAddresses() {
    Assumptions.assumeTrue(onPostgres(), "a restart keeps the store only on PostgreSQL");
    Map<String, Object> o = new java.util.HashMap<>(Map.of("database.url", db.url(), "database.schema", db.schema()));
    String pool = unique("prov");
    String ext;
    String pid = unique("wide");
    TestNode first = TestNode.start(o);
    try {
      Res p = first.atlas.post(POOLS, first.token(), new JsonObject().put("id", pool).put("cidr", "198.51.100.64/32"));
      assertThat(p.status()).as(p.body()).isEqualTo(201);
      // drain other IPv4 pools' influence: ask until the one-address pool hands out its address
      Res a = null;
      for (int i = 0; i < 200; i++) {
        a = first.arc.post(compute(project) + "addresses", first.token(), new JsonObject());
        if (a.status() != 201 || a.body().contains("address-pools/" + pool)) {
          break;
        }
      }
      assertThat(a.body()).as(a.body()).contains("address-pools/" + pool);
      ext = a.json().getString("ipAddress");
      Res pr = first.atlas.post(PROJECTS, first.token(), new JsonObject().put("id", pid).put("organizationId", org));
      assertThat(pr.status()).as(pr.body()).isEqualTo(201);
    } finally {
      first.close();
    }
    o.put("ipam.networkRanges", List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
        "198.51.100.0/24"));
    TestNode second;
    try {
      second = TestNode.start(o);
    } catch (IllegalStateException refused) {
      return; // refusing to start with a pool inside ipam.networkRanges is one acceptable answer
    }
    try {
      Res n = second.arc.post(compute(pid) + "networks", second.token(), new JsonObject().put("id", "pub")
          .put("cidr", "198.51.100.0/24"));
      if (n.status() != 201) {
        return; // refusing the network is the other
      }
      Res clash = second.arc.post(compute(pid) + "addresses", second.token(), new JsonObject()
          .put("addressType", "INTERNAL").put("network", "pub").put("ipAddress", ext));
      assertThat(clash.status()).as("INTERNAL " + ext + " while another project holds it as EXTERNAL: " + clash.body())
          .isNotEqualTo(201);
    } finally {
      second.close();
    }
  }
}
