package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Findings of a third break-it review of IPAM, kept as regression tests; run against each store by a subclass. */
abstract class IpamBreak3HttpContract extends IpamTenantHttpTest {

  /**
   * docs/spec-deviations.md: a resource-level deny hides a network ("one the caller may not read answers 404 ...
   * a network hidden from the caller hides its subnets"), and createNetwork's overlap refusal was changed not to
   * name it. Its addresses still name it: getAddress and listAddresses show the hidden network's id (and its
   * default subnet's) in {@code network} / {@code subnetwork}, and an address inside its block.
   */
  @Test
  void aHiddenNetworkIsNotNamedByItsAddresses() throws Exception {
    JsonObject hidden = network(project, "10.184.0.0/16");
    Res a = api.post(compute(project) + "addresses", token, internal(hidden.getString("id")));
    assertThat(a.status()).as(a.body()).isEqualTo(201);
    Caller c = deniedOn(hidden);
    Res get = api.get(a.json().getString("selfLink"), c.token());
    Res list = api.get(compute(project) + "addresses?pageSize=500", c.token());
    assertThat(get.body()).as("getAddress (%d) of an address of the hidden network", get.status())
        .doesNotContain(hidden.getString("selfLink"));
    assertThat(list.body()).as("listAddresses").doesNotContain(hidden.getString("selfLink"));
  }

  /**
   * The path's project now comes from the auth state's cache: right after a 204 for the project's deletion,
   * on the same node, a compute call on it must answer 404 (project), even with reads of it racing the delete.
   */
  @Test
  void aDeletedProjectIsGoneForComputeCallsAtOnce() throws Exception {
    for (int round = 0; round < 10; round++) {
      String pid = created(PROJECTS, new JsonObject().put("id", unique("gone")).put("organizationId", org))
          .getString("id");
      assertThat(api.get(compute(pid) + "networks", token).status()).isEqualTo(200);
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService readers = Executors.newFixedThreadPool(4);
      List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        fs.add(readers.submit(() -> {
          while (!stop.get()) {
            api.get(compute(pid) + "networks", token);
          }
        }));
      }
      try {
        Thread.sleep(20);
        Res del = api.delete(PROJECTS + "/" + pid, token);
        assertThat(del.status()).as(del.body()).isEqualTo(204);
        Res list = api.get(compute(pid) + "networks", token);
        assertThat(list.status()).as("listNetworks right after the delete: " + list.body()).isEqualTo(404);
        Res create = api.post(compute(pid) + "networks", token, new JsonObject().put("id", "n").put("cidr", "10.9.0.0/24"));
        assertThat(create.status()).as("createNetwork right after the delete: " + create.body()).isEqualTo(404);
        Res alloc = api.post(compute(pid) + "addresses", token, new JsonObject());
        assertThat(alloc.status()).as("allocateAddress right after the delete: " + alloc.body()).isEqualTo(404);
      } finally {
        stop.set(true);
        for (var f : fs) {
          f.get();
        }
        readers.shutdownNow();
      }
    }
  }

  /**
   * The fix of break-it 2 keeps a network off the region's pools only when the network is created: a pool created
   * later over an existing network is accepted (createAddressPool checks ipam.networkRanges, not the networks). A
   * network made while ipam.networkRanges was wider (or on a node configured so, during a rolling change) and a pool
   * added over it afterwards give one address to a tenant as INTERNAL and to another as EXTERNAL.
   */
  @Test
  void aPoolIsNeverCreatedOverAnExistingNetwork() {
    Assumptions.assumeTrue(onPostgres(), "two configurations over one store need PostgreSQL");
    java.util.Map<String, Object> o = new java.util.HashMap<>(java.util.Map.of("database.url", db.url(),
        "database.schema", db.schema()));
    o.put("ipam.networkRanges", List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
        "fc00::/7", "198.51.100.0/24"));
    io.k0rdent.api.verticles.testsupport.TestNode wide = io.k0rdent.api.verticles.testsupport.TestNode.start(o);
    try {
      Res n = wide.arc.post(compute(project) + "networks", wide.token(), new JsonObject().put("id", unique("pub"))
          .put("cidr", "198.51.100.0/24"));
      assertThat(n.status()).as(n.body()).isEqualTo(201);
    } finally {
      wide.close();
    }
    Res pool = node.atlas.post(POOLS, token, new JsonObject().put("id", unique("over")).put("cidr", "198.51.100.0/25"));
    assertThat(pool.status()).as("a pool over a tenant's network: " + pool.body()).isNotEqualTo(201);
  }
}
