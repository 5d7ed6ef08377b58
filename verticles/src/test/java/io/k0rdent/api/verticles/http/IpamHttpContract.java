package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.contract.ContractSchemas;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Networks, subnets, addresses and address pools end to end over HTTP, run against each store adapter by a
 * subclass. Every response of an upstream operation is validated against the strict contract schemas, every
 * response of our address-pool extension against our own OpenAPI document.
 */
abstract class IpamHttpContract extends IpamTenantHttpTest {

  /** Our own document, for the extension's operations (strict, as the contract is). */
  static final ContractSchemas OURS = ContractSchemas.load(
      Path.of("..", "router", "src", "main", "resources", "openapi", "k0rdent-api.yaml"),
      ContractSchemas.Rules.none());

  static String compute(String region, String project) {
    return "/v1/regions/" + region + "/projects/" + project + "/compute/";
  }

  String networks() {
    return compute(REGION, project) + "networks";
  }

  String addresses() {
    return compute(REGION, project) + "addresses";
  }

  Res checked(String operationId, Res r) {
    CONTRACT.assertValid(operationId, r.status(), r.body());
    return r;
  }

  Res ours(String operationId, Res r) {
    OURS.assertValid(operationId, r.status(), r.body());
    return r;
  }

  JsonObject network(String cidr) {
    Res r = checked("createNetwork", api.post(networks(), token, new JsonObject().put("id", unique("n")).put("cidr", cidr)));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  Res allocate(JsonObject body, String... headers) {
    return checked("allocateAddress", api.post(addresses(), token, body, headers));
  }

  static String violation(Res r) {
    for (Object d : r.json().getJsonObject("error").getJsonArray("details")) {
      JsonObject o = (JsonObject) d;
      if ("BadRequest".equals(o.getString("@type"))) {
        JsonObject v = o.getJsonArray("fieldViolations").getJsonObject(0);
        return v.getString("field") + ": " + v.getString("description");
      }
    }
    throw new AssertionError("no field violation in " + r.body());
  }

  @Test
  void networkLifecycleWithItsDefaultSubnet() {
    String id = unique("vpc");
    Res created = checked("createNetwork", api.post(networks(), token, new JsonObject().put("id", id)
        .put("cidr", "10.20.0.0/16").put("displayName", "Training VPC")));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonObject n = created.json();
    String self = networks() + "/" + id;
    assertThat(n.getString("selfLink")).isEqualTo(self);
    assertThat(created.header("Location")).isEqualTo(self);
    assertThat(created.header("ETag")).isEqualTo(n.getString("etag"));
    assertThat(n.getString("cidr")).isEqualTo("10.20.0.0/16");
    JsonObject subnet = n.getJsonArray("subnets").getJsonObject(0);
    assertThat(n.getJsonArray("subnets")).hasSize(1);
    assertThat(subnet.getString("id")).isEqualTo(id);
    assertThat(subnet.getString("ipv4Cidr")).isEqualTo("10.20.0.0/16");
    assertThat(subnet.getString("network")).isEqualTo(self);

    assertThat(checked("getNetwork", api.get(self, token)).json()).isEqualTo(n);
    JsonArray listed = checked("listNetworks", api.get(networks() + "?pageSize=500", token)).json().getJsonArray("networks");
    assertThat(listed.stream().map(o -> ((JsonObject) o).getString("id"))).contains(id);

    // subnets: Atlas only (the Arc face answers as for an unknown path)
    String subnetPath = compute(REGION, project) + "subnets/" + id;
    Res sub = checked("getSubnet", node.atlas.get(subnetPath, token));
    assertThat(sub.status()).isEqualTo(200);
    assertThat(sub.json()).isEqualTo(subnet);
    assertThat(checked("listSubnets", node.atlas.get(compute(REGION, project) + "subnets", token)).json()
        .getJsonArray("subnets").stream().map(o -> ((JsonObject) o).getString("id"))).contains(id);
    assertThat(api.get(subnetPath, token).status()).isEqualTo(404);
    assertThat(api.get(compute(REGION, project) + "subnets", token).status()).isEqualTo(404);

    Res patched = checked("updateNetwork", api.patch(self, token, new JsonObject().put("description", "GPU fabric"),
        "If-Match", n.getString("etag")));
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    assertThat(patched.json().getString("description")).isEqualTo("GPU fabric");
    assertThat(patched.json().getString("cidr")).isEqualTo("10.20.0.0/16");
    assertThat(checked("updateNetwork", api.patch(self, token, new JsonObject().put("displayName", "x"),
        "If-Match", n.getString("etag"))).status()).isEqualTo(412);
    Res cidrChange = checked("updateNetwork", api.patch(self, token, new JsonObject().put("cidr", "10.21.0.0/16")));
    assertThat(cidrChange.status()).isEqualTo(400);
    assertThat(violation(cidrChange)).startsWith("cidr: ").contains("cannot change");
    Res sameCidr = checked("updateNetwork", api.patch(self, token, new JsonObject().put("cidr", "10.20.0.0/16")
        .put("displayName", "Training VPC")));
    assertThat(sameCidr.status()).as("a full-object PATCH repeating the block").isEqualTo(200);
    assertThat(checked("getNetwork", api.get(self, token)).json().getString("cidr")).isEqualTo("10.20.0.0/16");

    assertThat(checked("deleteNetwork", api.delete(self, token)).status()).isEqualTo(204);
    assertThat(checked("getNetwork", api.get(self, token)).status()).isEqualTo(404);
    assertThat(node.atlas.get(subnetPath, token).status()).isEqualTo(404);
    assertThat(checked("deleteNetwork", api.delete(self, token)).status()).isEqualTo(404);
  }

  @Test
  void ipv6NetworkGetsItsFirstSlash64AsSubnet() {
    JsonObject n = network("fd12:3456::/48");
    JsonObject subnet = n.getJsonArray("subnets").getJsonObject(0);
    assertThat(subnet.getString("ipv6Cidr")).isEqualTo("fd12:3456::/64");
    assertThat(subnet.containsKey("ipv4Cidr")).isFalse();
    Res a = allocate(internal(n.getString("id")));
    assertThat(a.status()).as(a.body()).isEqualTo(201);
    assertThat(a.json().getString("ipVersion")).isEqualTo("IPV6");
    assertThat(a.json().getString("ipAddress")).startsWith("fd12:3456::").isNotEqualTo("fd12:3456::");
    assertThat(checked("releaseAddress", api.delete(a.json().getString("selfLink"), token)).status()).isEqualTo(204);
  }

  @Test
  void badCidrsAreRefusedWithWhatWouldBeAccepted() {
    String[][] cases = {
        {"10.0.0.5/24", "10.0.0.0/24"},
        {"10.0.0.0", "prefix length"},
        {"010.0.0.0/8", "10.0.0.0/8"},
        {"FD00::/48", "fd00::/48"},
        {"fd00:0:0:0::/64", "fd00::/64"},
        {"::ffff:10.0.0.0/104", "IPv4-mapped"},
        {"10.0.0.0/0", "/8 to /29"},
        {"0.0.0.0/0", "0"},
        {"10.0.0.0/30", "/8 to /29"},
        {"fd00::/96", "/32 to /64"},
        {"127.0.0.0/8", "loopback"},
        {"169.254.0.0/16", "link-local"},
        {"224.0.0.0/8", "multicast"},
        {"240.0.0.0/8", "class E"},
        {"0.0.0.0/8", "this network"},
        {"fe80::/64", "link-local"},
        {"8.8.8.0/24", "private"},
        {"2001:db8::/48", "private"},
        {" 10.0.0.0/24", "digits"},
        {"10.0.0.0-10.0.0.9", "digits"},
        {"", "at least 1"},
        {"not a cidr", "digits"},
    };
    int before = checked("listNetworks", api.get(networks() + "?pageSize=500", token)).json().getJsonArray("networks").size();
    for (String[] c : cases) {
      Res r = checked("createNetwork", api.post(networks(), token, new JsonObject().put("cidr", c[0])));
      assertThat(r.status()).as(c[0] + " → " + r.body()).isEqualTo(400);
      assertThat(violation(r)).as(c[0]).startsWith("cidr: ").contains(c[1]);
    }
    Res missing = checked("createNetwork", api.post(networks(), token, new JsonObject().put("id", "no-cidr")));
    assertThat(missing.status()).isEqualTo(400);
    Res number = checked("createNetwork", api.post(networks(), token, new JsonObject().put("cidr", 10)));
    assertThat(number.status()).isEqualTo(400);
    assertThat(checked("listNetworks", api.get(networks() + "?pageSize=500", token)).json().getJsonArray("networks"))
        .hasSize(before);
  }

  @Test
  void overlappingNetworksOfAProjectAreRefusedEvenConcurrently() throws Exception {
    network("10.30.0.0/16");
    for (String overlapping : List.of("10.30.0.0/16", "10.30.4.0/24", "10.0.0.0/8")) {
      Res r = checked("createNetwork", api.post(networks(), token, new JsonObject().put("cidr", overlapping)));
      assertThat(r.status()).as(overlapping).isEqualTo(409);
      assertThat(r.reason()).isEqualTo("NETWORK_OVERLAP");
    }
    // another project may use the same block
    String other = created(PROJECTS, new JsonObject().put("id", unique("other")).put("organizationId", org)).getString("id");
    assertThat(api.post(compute(REGION, other) + "networks", token, new JsonObject().put("cidr", "10.30.0.0/16"))
        .status()).isEqualTo(201);

    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 5; round++) {
        String cidr = "10.4" + round + ".0.0/16";
        List<Future<Res>> racing = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          // every pair overlaps: the /16 contains the /24, the /24s are equal
          String c = i % 2 == 0 ? cidr : "10.4" + round + ".7.0/24";
          racing.add(pool.submit(() -> api.post(networks(), token, new JsonObject().put("cidr", c))));
        }
        int won = 0;
        for (Future<Res> f : racing) {
          Res r = f.get();
          if (r.status() == 201) {
            won++;
          } else {
            assertThat(r.status()).as(r.body()).isEqualTo(409);
            assertThat(r.reason()).isEqualTo("NETWORK_OVERLAP");
          }
        }
        assertThat(won).as("round " + round).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unknownRegionOrProjectIsA404() {
    assertThat(checked("listNetworks", api.get(compute("mars-1", project) + "networks", token)).status()).isEqualTo(404);
    assertThat(checked("listNetworks", api.get(compute(REGION, "no-such-project") + "networks", token)).status())
        .isEqualTo(404);
    assertThat(checked("createNetwork", api.post(compute(REGION, "no-such-project") + "networks", token,
        new JsonObject().put("cidr", "10.0.0.0/24"))).status()).isEqualTo(404);
    assertThat(api.get(compute(REGION, "Not_A_Slug") + "networks", token).status()).isEqualTo(404);
    assertThat(api.get(compute("global", project) + "addresses", token).status()).isEqualTo(404);
  }

  @Test
  void internalAllocationByIdSelfLinkOrSubnetwork() {
    JsonObject n = network("10.50.0.0/24");
    String id = n.getString("id");
    String self = n.getString("selfLink");
    String subnetSelf = n.getJsonArray("subnets").getJsonObject(0).getString("selfLink");

    Res byId = allocate(internal(id).put("id", unique("a")));
    assertThat(byId.status()).as(byId.body()).isEqualTo(201);
    JsonObject a = byId.json();
    assertThat(a.getString("addressType")).isEqualTo("INTERNAL");
    assertThat(a.getString("ipVersion")).isEqualTo("IPV4");
    assertThat(a.getString("status")).isEqualTo("RESERVED");
    assertThat(a.getString("network")).isEqualTo(self);
    assertThat(a.getString("subnetwork")).isEqualTo(subnetSelf);
    assertThat(byId.header("Location")).isEqualTo(a.getString("selfLink"));
    assertThat(List.of("10.50.0.0", "10.50.0.1", "10.50.0.254", "10.50.0.255")).doesNotContain(a.getString("ipAddress"));
    assertThat(checked("getAddress", api.get(a.getString("selfLink"), token)).json()).isEqualTo(a);

    java.util.Set<String> random = new java.util.HashSet<>(List.of(a.getString("ipAddress")));
    for (JsonObject body : List.of(internal(self), new JsonObject().put("addressType", "INTERNAL")
        .put("subnetwork", subnetSelf), new JsonObject().put("addressType", "INTERNAL").put("subnetwork", id)
        .put("network", id))) {
      Res r = allocate(body);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      random.add(r.json().getString("ipAddress"));
    }

    // an address none of the automatic choices above took (they are random)
    String wanted = java.util.stream.IntStream.range(77, 90).mapToObj(i -> "10.50.0." + i)
        .filter(ip -> !random.contains(ip)).findFirst().orElseThrow();
    Res requested = allocate(internal(id).put("ipAddress", wanted));
    assertThat(requested.status()).as(requested.body()).isEqualTo(201);
    assertThat(requested.json().getString("ipAddress")).isEqualTo(wanted);
    Res taken = allocate(internal(id).put("ipAddress", wanted));
    assertThat(taken.status()).isEqualTo(409);
    assertThat(taken.reason()).isEqualTo("ADDRESS_IN_USE");

    for (String reserved : List.of("10.50.0.0", "10.50.0.1", "10.50.0.254", "10.50.0.255")) {
      Res r = allocate(internal(id).put("ipAddress", reserved));
      assertThat(r.status()).as(reserved).isEqualTo(400);
      assertThat(violation(r)).startsWith("ipAddress: ").contains("cannot be allocated");
    }
    Res outside = allocate(internal(id).put("ipAddress", "10.51.0.7"));
    assertThat(outside.status()).isEqualTo(400);
    assertThat(violation(outside)).contains("not in");
    Res leadingZero = allocate(internal(id).put("ipAddress", "10.50.0.077"));
    assertThat(leadingZero.status()).isEqualTo(400);
    assertThat(violation(leadingZero)).contains("10.50.0.77");
    Res wrongVersion = allocate(internal(id).put("ipVersion", "IPV6"));
    assertThat(wrongVersion.status()).isEqualTo(400);
    assertThat(violation(wrongVersion)).startsWith("ipVersion");
    Res nothing = allocate(new JsonObject().put("addressType", "INTERNAL"));
    assertThat(nothing.status()).isEqualTo(400);
    Res noSuchNetwork = allocate(internal("no-such-network"));
    assertThat(noSuchNetwork.status()).isEqualTo(400);
    assertThat(violation(noSuchNetwork)).startsWith("network: ");
    Res foreignLink = allocate(internal(compute(REGION, "elsewhere") + "networks/" + id));
    assertThat(foreignLink.status()).isEqualTo(400);
    Res absolute = allocate(internal("https://evil.example" + self));
    assertThat(absolute.status()).as("only the selfLink as returned, or the id").isEqualTo(400);
    JsonObject other = network("10.60.0.0/24");
    Res mismatch = allocate(new JsonObject().put("addressType", "INTERNAL").put("network", other.getString("id"))
        .put("subnetwork", id));
    assertThat(mismatch.status()).isEqualTo(400);
    assertThat(violation(mismatch)).startsWith("subnetwork: ").contains("belongs to network");
    Res externalWithNetwork = allocate(new JsonObject().put("network", id));
    assertThat(externalWithNetwork.status()).isEqualTo(400);
    assertThat(violation(externalWithNetwork)).contains("defaults to EXTERNAL").contains("\"addressType\": \"INTERNAL\"");
  }

  @Test
  void aFullSubnetAnswersSubnetExhaustedAndReleaseFreesAnAddress() {
    JsonObject n = network("10.70.0.0/29");
    Set<String> got = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      Res r = allocate(internal(n.getString("id")));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      got.add(r.json().getString("ipAddress"));
    }
    assertThat(got).containsExactlyInAnyOrder("10.70.0.2", "10.70.0.3", "10.70.0.4", "10.70.0.5");
    Res full = allocate(internal(n.getString("id")));
    assertThat(full.status()).isEqualTo(409);
    assertThat(full.reason()).isEqualTo("SUBNET_EXHAUSTED");

    JsonArray listed = checked("listAddresses", api.get(addresses() + "?pageSize=500", token)).json().getJsonArray("addresses");
    String victim = listed.stream().map(o -> (JsonObject) o).filter(o -> "10.70.0.3".equals(o.getString("ipAddress")))
        .findFirst().orElseThrow().getString("selfLink");
    assertThat(checked("releaseAddress", api.delete(victim, token)).status()).isEqualTo(204);
    assertThat(checked("releaseAddress", api.delete(victim, token)).status()).as("release is idempotent").isEqualTo(204);
    assertThat(checked("getAddress", api.get(victim, token)).status()).isEqualTo(404);
    assertThat(checked("releaseAddress", api.delete(addresses() + "/never-allocated", token)).status()).isEqualTo(404);
    Res again = allocate(internal(n.getString("id")));
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.json().getString("ipAddress")).isEqualTo("10.70.0.3");
  }

  @Test
  void concurrentAllocationsNeverShareAnAddress() throws Exception {
    JsonObject n = network("10.80.0.0/24");
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Res>> all = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        all.add(pool.submit(() -> api.post(addresses(), token, internal(n.getString("id")))));
      }
      Set<String> ips = new HashSet<>();
      for (Future<Res> f : all) {
        Res r = f.get();
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        ips.add(r.json().getString("ipAddress"));
      }
      assertThat(ips).hasSize(200);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anIdempotencyKeyRetryGetsTheSameAddress() {
    JsonObject n = network("10.90.0.0/24");
    String key = unique("alloc");
    Res first = allocate(internal(n.getString("id")), "Idempotency-Key", key);
    Res retry = allocate(internal(n.getString("id")), "Idempotency-Key", key);
    assertThat(first.status()).isEqualTo(201);
    assertThat(retry.status()).isEqualTo(201);
    assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(retry.json().getString("ipAddress")).isEqualTo(first.json().getString("ipAddress"));
    assertThat(retry.json().getString("id")).isEqualTo(first.json().getString("id"));
    long inNetwork = checked("listAddresses", api.get(addresses() + "?pageSize=500", token)).json()
        .getJsonArray("addresses").stream().filter(o -> n.getString("selfLink")
            .equals(((JsonObject) o).getString("network"))).count();
    assertThat(inNetwork).isEqualTo(1);
  }

  @Test
  void addressesListInNumericOrderAndPage() {
    String p = created(PROJECTS, new JsonObject().put("id", unique("order")).put("organizationId", org)).getString("id");
    String nets = compute(REGION, p) + "networks";
    String addrs = compute(REGION, p) + "addresses";
    assertThat(api.post(nets, token, new JsonObject().put("id", "v4").put("cidr", "10.1.0.0/24")).status()).isEqualTo(201);
    assertThat(api.post(nets, token, new JsonObject().put("id", "v6").put("cidr", "fd00:9::/64")).status()).isEqualTo(201);
    for (String ip : List.of("10.1.0.100", "fd00:9::5", "10.1.0.10", "10.1.0.9", "10.1.0.2")) {
      String net = ip.contains(":") ? "v6" : "v4";
      assertThat(api.post(addrs, token, internal(net).put("ipAddress", ip)).status()).isEqualTo(201);
    }
    List<String> order = new ArrayList<>();
    String next = null;
    do {
      Res page = checked("listAddresses", api.get(addrs + "?pageSize=2" + (next == null ? "" : "&pageToken=" + next), token));
      assertThat(page.status()).as(page.body()).isEqualTo(200);
      page.json().getJsonArray("addresses").forEach(o -> order.add(((JsonObject) o).getString("ipAddress")));
      next = page.json().getString("nextPageToken");
    } while (next != null);
    assertThat(order).containsExactly("10.1.0.2", "10.1.0.9", "10.1.0.10", "10.1.0.100", "fd00:9::5");
    Res tampered = checked("listAddresses", api.get(addrs + "?pageToken=abc", token));
    assertThat(tampered.status()).isEqualTo(400);
  }

  @Test
  void aNetworkWithAddressesAndAProjectWithNetworksAreNotDeleted() {
    String p = created(PROJECTS, new JsonObject().put("id", unique("keep")).put("organizationId", org)).getString("id");
    Res n = api.post(compute(REGION, p) + "networks", token, new JsonObject().put("id", "keep").put("cidr", "10.2.0.0/24"));
    assertThat(n.status()).isEqualTo(201);
    Res a = api.post(compute(REGION, p) + "addresses", token, internal("keep").put("ipAddress", "10.2.0.5"));
    assertThat(a.status()).isEqualTo(201);
    Res refused = checked("deleteNetwork", api.delete(n.json().getString("selfLink"), token));
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.reason()).isEqualTo("FAILED_PRECONDITION");
    JsonObject failure = refused.json().getJsonObject("error").getJsonArray("details").stream()
        .map(o -> (JsonObject) o).filter(o -> "PreconditionFailure".equals(o.getString("@type"))).findFirst().orElseThrow();
    assertThat(failure.getJsonArray("violations").getJsonObject(0).getString("subject"))
        .isEqualTo(a.json().getString("selfLink"));
    assertThat(api.get(n.json().getString("selfLink"), token).status()).isEqualTo(200);
    assertThat(api.get(a.json().getString("selfLink"), token).status()).isEqualTo(200);

    Res project = api.delete(PROJECTS + "/" + p, token);
    assertThat(project.status()).isEqualTo(409);
    assertThat(api.get(PROJECTS + "/" + p, token).status()).isEqualTo(200);

    assertThat(api.delete(a.json().getString("selfLink"), token).status()).isEqualTo(204);
    assertThat(api.delete(n.json().getString("selfLink"), token).status()).isEqualTo(204);
    assertThat(api.delete(PROJECTS + "/" + p, token).status()).isEqualTo(204);
  }

  @Test
  void externalAddressesComeFromTheRegionsPools() {
    Api atlas = node.atlas;
    String v4 = unique("pool");
    Res pool = ours("createAddressPool", atlas.post(POOLS, token, new JsonObject().put("id", v4)
        .put("cidr", "198.51.100.0/29").put("displayName", "floating")));
    assertThat(pool.status()).as(pool.body()).isEqualTo(201);
    assertThat(pool.json().getString("ipVersion")).isEqualTo("IPV4");
    assertThat(ours("getAddressPool", atlas.get(POOLS + "/" + v4, token)).json()).isEqualTo(pool.json());
    assertThat(ours("listAddressPools", atlas.get(POOLS, token)).json().getJsonArray("addressPools").stream()
        .map(o -> ((JsonObject) o).getString("id"))).contains(v4);
    Res overlap = ours("createAddressPool", atlas.post(POOLS, token, new JsonObject().put("cidr", "198.51.100.0/24")));
    assertThat(overlap.status()).isEqualTo(409);
    assertThat(overlap.reason()).isEqualTo("POOL_OVERLAP");
    Res special = ours("createAddressPool", atlas.post(POOLS, token, new JsonObject().put("cidr", "127.0.0.0/8")));
    assertThat(special.status()).isEqualTo(400);
    // the extension is Atlas only
    assertThat(api.get(POOLS, token).status()).isEqualTo(404);
    assertThat(api.post(POOLS, token, new JsonObject().put("cidr", "198.51.100.0/24")).status()).isEqualTo(404);

    Res tenantSpace = ours("createAddressPool", atlas.post(POOLS, token, new JsonObject().put("cidr", "10.200.0.0/24")));
    assertThat(tenantSpace.status()).isEqualTo(400);
    assertThat(violation(tenantSpace)).contains("ipam.networkRanges");
    Res single = ours("createAddressPool", atlas.post(POOLS, token, new JsonObject().put("cidr", "192.0.2.9/32")));
    assertThat(single.status()).as("one floating address is a pool").isEqualTo(201);
    assertThat(atlas.delete(single.json().getString("selfLink"), token).status()).isEqualTo(204);

    // a pool reserves nothing: all 8 addresses of the /29
    List<String> selfLinks = new ArrayList<>();
    Set<String> ips = new HashSet<>();
    for (int i = 0; i < 8; i++) {
      Res a = allocate(new JsonObject());
      assertThat(a.status()).as(a.body()).isEqualTo(201);
      assertThat(a.json().getString("addressType")).isEqualTo("EXTERNAL");
      assertThat(a.json().getString("addressPool")).isEqualTo(POOLS + "/" + v4);
      assertThat(a.json().getString("ipAddress")).startsWith("198.51.100.");
      assertThat(a.json().containsKey("network")).isFalse();
      selfLinks.add(a.json().getString("selfLink"));
      ips.add(a.json().getString("ipAddress"));
    }
    assertThat(ips).hasSize(8).contains("198.51.100.0", "198.51.100.7");
    Res exhausted = allocate(new JsonObject().put("addressType", "EXTERNAL"));
    assertThat(exhausted.status()).isEqualTo(409);
    assertThat(exhausted.reason()).isEqualTo("POOL_EXHAUSTED");
    Res noV6 = allocate(new JsonObject().put("ipVersion", "IPV6"));
    assertThat(noV6.status()).isEqualTo(409);
    assertThat(noV6.reason()).isEqualTo("POOL_EXHAUSTED");

    Res busy = ours("deleteAddressPool", atlas.delete(POOLS + "/" + v4, token));
    assertThat(busy.status()).isEqualTo(409);
    assertThat(busy.reason()).isEqualTo("FAILED_PRECONDITION");
    selfLinks.forEach(s -> assertThat(api.delete(s, token).status()).isEqualTo(204));
    assertThat(atlas.delete(POOLS + "/" + v4, token).status()).isEqualTo(204);
    assertThat(ours("getAddressPool", atlas.get(POOLS + "/" + v4, token)).status()).isEqualTo(404);
    assertThat(atlas.get("/v1/regions/mars-1/compute/address-pools", token).status()).isEqualTo(404);
  }

  @Test
  void aProjectHoldsAtMostItsQuotaOfExternalAddresses() {
    String poolId = unique("quota");
    assertThat(node.atlas.post(POOLS, token, new JsonObject().put("id", poolId).put("cidr", "198.51.100.128/25"))
        .status()).isEqualTo(201);
    String p = created(PROJECTS, new JsonObject().put("id", unique("quota")).put("organizationId", org)).getString("id");
    List<String> held = new ArrayList<>();
    try {
      for (int i = 0; i < 64; i++) { // ipam.externalAddressesPerProject, default 64
        Res a = api.post(compute(REGION, p) + "addresses", token, new JsonObject());
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        held.add(a.json().getString("selfLink"));
      }
      Res over = checked("allocateAddress", api.post(compute(REGION, p) + "addresses", token, new JsonObject()));
      assertThat(over.status()).isEqualTo(409);
      assertThat(over.reason()).isEqualTo("QUOTA_EXCEEDED");
      assertThat(api.delete(held.remove(0), token).status()).isEqualTo(204);
      Res again = api.post(compute(REGION, p) + "addresses", token, new JsonObject());
      assertThat(again.status()).as("a release frees one").isEqualTo(201);
      held.add(again.json().getString("selfLink"));
    } finally {
      held.forEach(self -> api.delete(self, token));
      node.atlas.delete(POOLS + "/" + poolId, token);
    }
  }

  @Test
  void tenantsCannotSeeOrTouchEachOthersNetworks() {
    JsonObject n = network("10.99.0.0/24");
    Res a = allocate(internal(n.getString("id")));
    assertThat(a.status()).isEqualTo(201);
    String otherOrg = created(ORGS, new JsonObject().put("id", unique("rival"))).getString("id");
    String otherProject = created(PROJECTS, new JsonObject().put("id", unique("rp")).put("organizationId", otherOrg))
        .getString("id");
    String rival = caller(otherOrg, "org-admin").token();

    // on its own project the rival may do everything
    Res own = api.post(compute(REGION, otherProject) + "networks", rival, new JsonObject().put("cidr", "10.99.0.0/24"));
    assertThat(own.status()).as(own.body()).isEqualTo(201);
    Res ownAddress = api.post(compute(REGION, otherProject) + "addresses", rival,
        internal(own.json().getString("id")).put("ipAddress", a.json().getString("ipAddress")));
    assertThat(ownAddress.status()).as("the same address in another tenant's network").isEqualTo(201);

    // on ours, every operation answers exactly as for a project that does not exist
    String missing = compute(REGION, "no-such-project-x");
    String ours = compute(REGION, project);
    String[][] calls = {
        {"GET", "networks"}, {"POST", "networks"}, {"GET", "networks/" + n.getString("id")},
        {"PATCH", "networks/" + n.getString("id")}, {"DELETE", "networks/" + n.getString("id")},
        {"GET", "addresses"}, {"POST", "addresses"}, {"GET", "addresses/" + a.json().getString("id")},
        {"DELETE", "addresses/" + a.json().getString("id")}, {"GET", "networks/nope"},
    };
    for (String[] c : calls) {
      String body = c[0].equals("POST") ? (c[1].equals("networks") ? "{\"cidr\":\"10.98.0.0/24\"}"
          : "{\"addressType\":\"INTERNAL\",\"network\":\"" + n.getString("id") + "\"}")
          : c[0].equals("PATCH") ? "{\"displayName\":\"pwned\"}" : null;
      String[] headers = body == null ? new String[] {"Authorization", "Bearer " + rival}
          : new String[] {"Authorization", "Bearer " + rival, "Content-Type", "application/json"};
      Res theirs = api.send(c[0], ours + c[1], body, headers);
      Res none = api.send(c[0], missing + c[1], body, headers);
      assertThat(theirs.status()).as(c[0] + " " + c[1] + " " + theirs.body()).isEqualTo(404);
      assertThat(theirs.json().getJsonObject("error").getString("message").replace(project, "P"))
          .isEqualTo(none.json().getJsonObject("error").getString("message").replace("no-such-project-x", "P"));
    }
    for (String subnets : List.of("subnets", "subnets/" + n.getString("id"))) {
      Res theirs = node.atlas.send("GET", ours + subnets, null, "Authorization", "Bearer " + rival);
      Res none = node.atlas.send("GET", missing + subnets, null, "Authorization", "Bearer " + rival);
      assertThat(theirs.status()).as(subnets).isEqualTo(404);
      assertThat(theirs.json().getJsonObject("error").getString("message").replace(project, "P"))
          .isEqualTo(none.json().getJsonObject("error").getString("message").replace("no-such-project-x", "P"));
    }
    // nothing changed
    assertThat(api.get(n.getString("selfLink"), token).json().containsKey("displayName")).isFalse();
    assertThat(api.get(a.json().getString("selfLink"), token).status()).isEqualTo(200);
    // and pools are the provider's
    assertThat(node.atlas.get(POOLS, rival).status()).isEqualTo(403);
    assertThat(node.atlas.post(POOLS, rival, new JsonObject().put("cidr", "192.0.2.0/29")).status()).isEqualTo(403);
  }

  @Test
  void aProjectViewerMayReadButNotAllocate() {
    JsonObject n = network("10.97.0.0/24");
    String viewer = scopedCaller("project", project, "project-viewer").token();
    assertThat(checked("listNetworks", api.get(networks(), viewer)).status()).isEqualTo(200);
    assertThat(checked("getNetwork", api.get(n.getString("selfLink"), viewer)).status()).isEqualTo(200);
    Res create = checked("allocateAddress", api.post(addresses(), viewer, internal(n.getString("id"))));
    assertThat(create.status()).isEqualTo(403);
    Res delete = checked("deleteNetwork", api.delete(n.getString("selfLink"), viewer));
    assertThat(delete.status()).isEqualTo(403);
    assertThat(api.get(n.getString("selfLink"), token).status()).isEqualTo(200);
  }
}
