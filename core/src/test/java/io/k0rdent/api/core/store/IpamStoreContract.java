package io.k0rdent.api.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.ipam.AddressRange;
import io.k0rdent.api.core.ipam.IpamErrors;
import io.k0rdent.api.core.resource.Address;
import io.k0rdent.api.core.resource.AddressPool;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Network;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.resource.Subnet;
import io.k0rdent.api.core.store.IpamStore.Allocation;
import io.k0rdent.api.core.store.IpamStore.Place;
import io.k0rdent.api.core.store.IpamStore.Released;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link IpamStore} adapter must have: each rule of its javadoc, including the ones that
 * must hold under concurrency (one winner among overlapping network creates, no address allocated twice, a
 * full subnet filled exactly). An adapter's test extends this class and supplies a fresh, empty {@link Store}
 * per test ({@link #createStore()}); the IPAM store is its {@link Store#ipam()}. Every test starts with
 * organization {@code acme} and its projects {@code train} and {@code infer}. Futures are awaited from the
 * test thread (see {@link StoreSuite}).
 */
public abstract class IpamStoreContract extends StoreSuite {

  protected static final String REGION = "eu-west";
  protected static final String OTHER_REGION = "us-east";
  /** Project {@code train} in {@link #REGION}. */
  protected static final Place HERE = new Place(REGION, "train");
  /** Project {@code infer} in {@link #REGION}. */
  protected static final Place NEIGHBOUR = new Place(REGION, "infer");

  /** {@code store.ipam()}. */
  protected IpamStore ipam;

  @BeforeEach
  void setUpStore() throws Exception {
    ipam = store.ipam();
    seedAcmeProjects();
  }



  // ---------------------------------------------------------------- helpers






  private static IPAddress ip(String text) {
    return new IPAddressString(text).getAddress();
  }

  private static BigInteger value(String ip) {
    return ip(ip).getValue();
  }

  /** A network's default subnet block: the whole IPv4 block, or the first /64 of an IPv6 block. */
  private static String defaultSubnetCidr(String cidr) {
    IPAddress block = ip(cidr);
    if (block.isIPv4()) {
      return cidr;
    }
    return ip(block.getLower().withoutPrefixLength().toCanonicalString() + "/64").toCanonicalString();
  }

  protected static Network network(Place p, String id, String cidr, Instant createdAt) {
    return new Network(p.region(), p.project(), id, UUID.randomUUID(), "Network " + id, "about " + id, cidr,
        createdAt, createdAt, 1);
  }

  /** The default subnet of {@code n}: same place, id and creation time. */
  protected static Subnet subnetOf(Network n) {
    return new Subnet(n.region(), n.projectId(), n.id(), UUID.randomUUID(), n.id(), defaultSubnetCidr(n.cidr()),
        n.createdAt(), n.createdAt(), 1);
  }

  /** Creates network {@code id} with its default subnet; answers the network. */
  protected Network createNetwork(Place p, String id, String cidr) {
    return createNetwork(network(p, id, cidr, Clock.now()));
  }

  protected Network createNetwork(Network n) {
    assertThat(await(ipam.createNetwork(n, subnetOf(n)))).isEqualTo(n);
    return n;
  }

  protected static AddressPool pool(String region, String id, String cidr, Instant createdAt) {
    return new AddressPool(region, id, UUID.randomUUID(), "Pool " + id, null, cidr, createdAt, createdAt, 1);
  }

  protected AddressPool createPool(String region, String id, String cidr) {
    AddressPool p = pool(region, id, cidr, Clock.now());
    assertThat(await(ipam.createPool(p))).isEqualTo(p);
    return p;
  }

  /** An INTERNAL address of network {@code n}'s default subnet; {@code ip} null for an automatic choice. */
  protected static Address internal(Network n, String id, String ip) {
    Instant now = Clock.now();
    return new Address(n.region(), n.projectId(), id, UUID.randomUUID(), "Address " + id, null, ip,
        AddressRange.of(n.cidr()).ipVersion(), Address.INTERNAL, n.id(), n.id(), null, Address.RESERVED, now, now,
        1);
  }

  /** An EXTERNAL address of project {@code p} from pool {@code pool}; {@code ip} null for an automatic choice. */
  protected static Address external(Place p, AddressPool pool, String id, String ip) {
    Instant now = Clock.now();
    return new Address(p.region(), p.project(), id, UUID.randomUUID(), null, "external " + id, ip,
        AddressRange.of(pool.cidr()).ipVersion(), Address.EXTERNAL, null, null, pool.id(), Address.RESERVED, now,
        now, 1);
  }

  /** Allocates {@code a} from the default subnet of {@code n}. */
  protected Future<Address> allocate(Network n, Address a) {
    return ipam.allocate(new Allocation(a, AddressRange.of(defaultSubnetCidr(n.cidr()))));
  }

  protected Future<Address> allocate(AddressPool pool, Address a) {
    return ipam.allocate(new Allocation(a, AddressRange.of(pool.cidr())));
  }

  /** The list order key of an address ({@link PageCursor#id()} of address pages). */
  protected static String listKey(Address a) {
    return AddressRange.sortKey(ip(a.ipAddress())) + "/" + a.id();
  }

  private static final Comparator<Resource> BY_CREATION =
      Comparator.comparing(Resource::createdAt).thenComparing(Resource::id);

  /** Walks every page of a ({@code createdAt}, {@code id}) list with {@code limit}, asserting sizes and cursors. */
  private static <T extends Resource> List<T> walk(BiFunction<PageCursor, Integer, Future<Page<T>>> lister,
                                                   int limit) {
    List<T> all = new ArrayList<>();
    PageCursor after = null;
    for (int pages = 0; pages < 1_000; pages++) {
      Page<T> page = await(lister.apply(after, limit));
      all.addAll(page.items());
      if (page.next() == null) {
        assertThat(page.items().size()).isLessThanOrEqualTo(limit);
        return all;
      }
      assertThat(page.items()).hasSize(limit);
      T last = page.items().get(limit - 1);
      assertThat(page.next()).isEqualTo(new PageCursor(last.createdAt(), last.id()));
      after = page.next();
    }
    throw new AssertionError("paging did not end");
  }

  /** Walks every page of {@code place}'s addresses with {@code limit}, asserting sizes and cursors. */
  private List<Address> walkAddresses(Place place, int limit) {
    List<Address> all = new ArrayList<>();
    PageCursor after = null;
    for (int pages = 0; pages < 1_000; pages++) {
      Page<Address> page = await(ipam.listAddresses(place, after, limit));
      all.addAll(page.items());
      if (page.next() == null) {
        assertThat(page.items().size()).isLessThanOrEqualTo(limit);
        return all;
      }
      assertThat(page.items()).hasSize(limit);
      assertThat(page.next().id()).isEqualTo(listKey(page.items().get(limit - 1)));
      after = page.next();
    }
    throw new AssertionError("paging did not end");
  }

  private static List<String> ids(List<? extends Resource> rs) {
    return rs.stream().map(Resource::id).toList();
  }

  // ---------------------------------------------------------------- networks and subnets

  @Test
  void aNetworkIsStoredWithItsDefaultSubnet() {
    Network v4 = network(HERE, "net4", "10.1.0.0/16", Clock.now());
    Subnet s4 = subnetOf(v4);
    assertThat(await(ipam.createNetwork(v4, s4))).isEqualTo(v4);
    assertThat(await(ipam.getNetwork(HERE, "net4"))).isEqualTo(v4);
    assertThat(await(ipam.getSubnet(HERE, "net4"))).isEqualTo(s4);
    assertThat(await(ipam.subnetsOf(HERE, "net4"))).containsExactly(s4);

    Network v6 = network(HERE, "net6", "fd00:1::/48", Clock.now().plusMillis(1));
    Subnet s6 = subnetOf(v6);
    assertThat(s6.cidr()).isEqualTo("fd00:1::/64");
    assertThat(await(ipam.createNetwork(v6, s6))).isEqualTo(v6);
    assertThat(await(ipam.getNetwork(HERE, "net6"))).isEqualTo(v6);
    assertThat(await(ipam.getSubnet(HERE, "net6"))).isEqualTo(s6);
    assertThat(await(ipam.listSubnets(HERE, null, 10)).items()).containsExactly(s4, s6);
    assertThat(await(ipam.listNetworks(HERE, null, 10)).items()).containsExactly(v4, v6);

    Network bare = new Network(REGION, "train", "bare", UUID.randomUUID(), null, null, "10.2.0.0/24",
        Clock.now(), Clock.now(), 1);
    assertThat(await(ipam.createNetwork(bare, subnetOf(bare)))).isEqualTo(bare);
    assertThat(await(ipam.getNetwork(HERE, "bare"))).isEqualTo(bare);
  }

  @Test
  void networksAndSubnetsBelongToTheirPlace() {
    createNetwork(HERE, "net", "10.1.0.0/16");
    awaitApiFailure(ipam.getNetwork(NEIGHBOUR, "net"), 404, "NOT_FOUND");
    awaitApiFailure(ipam.getNetwork(new Place(OTHER_REGION, "train"), "net"), 404, "NOT_FOUND");
    awaitApiFailure(ipam.getSubnet(NEIGHBOUR, "net"), 404, "NOT_FOUND");
    assertThat(await(ipam.subnetsOf(NEIGHBOUR, "net"))).isEmpty();
    assertThat(await(ipam.subnetsOf(HERE, "nope"))).isEmpty();
    assertThat(await(ipam.listNetworks(NEIGHBOUR, null, 10)).items()).isEmpty();
    assertThat(await(ipam.listSubnets(NEIGHBOUR, null, 10))).isEqualTo(new Page<>(List.of(), null));
    ApiException e = awaitApiFailure(ipam.getNetwork(HERE, "nope"), 404, "NOT_FOUND");
    assertThat(e.getMessage()).isEqualTo("network 'nope' not found");
    assertThat(awaitApiFailure(ipam.getSubnet(HERE, "nope"), 404, "NOT_FOUND").getMessage())
        .isEqualTo("subnet 'nope' not found");
  }

  @Test
  void aNetworkOfAMissingProjectFailsWith404AndStoresNothing() {
    Place ghost = new Place(REGION, "ghost");
    Network n = network(ghost, "net", "10.1.0.0/16", Clock.now());
    ApiException e = awaitApiFailure(ipam.createNetwork(n, subnetOf(n)), 404, "NOT_FOUND");
    assertThat(e.getMessage()).isEqualTo("project 'ghost' not found");
    awaitApiFailure(ipam.getNetwork(ghost, "net"), 404, "NOT_FOUND");
    awaitApiFailure(ipam.getSubnet(ghost, "net"), 404, "NOT_FOUND");
  }

  @Test
  void aTakenNetworkIdFailsWith409AlreadyExistsAndKeepsTheFirst() {
    Network first = createNetwork(HERE, "net", "10.1.0.0/16");
    Network other = network(HERE, "net", "10.2.0.0/16", Clock.now());
    ApiException e = awaitApiFailure(ipam.createNetwork(other, subnetOf(other)), 409, "ALREADY_EXISTS");
    assertThat(e.getMessage()).isEqualTo("network 'net' already exists");
    // the same request again (a retry) is also a duplicate, not an overlap
    Network same = network(HERE, "net", "10.1.0.0/16", Clock.now());
    awaitApiFailure(ipam.createNetwork(same, subnetOf(same)), 409, "ALREADY_EXISTS");
    assertThat(await(ipam.getNetwork(HERE, "net"))).isEqualTo(first);
    assertThat(await(ipam.listNetworks(HERE, null, 10)).items()).containsExactly(first);
    // the 10.2 block is still free
    createNetwork(HERE, "net2", "10.2.0.0/16");
  }

  @Test
  void overlappingNetworksOfAProjectFailWith409NetworkOverlap() {
    Network base = createNetwork(HERE, "base", "10.1.0.0/16");
    Network v6 = createNetwork(HERE, "v6", "fd00:0:1::/48");
    int tried = 0;
    for (String cidr : List.of("10.1.0.0/16", "10.1.2.0/24", "10.1.255.248/29", "10.0.0.0/8", "10.0.0.0/15")) {
      Network n = network(HERE, "try" + tried++, cidr, Clock.now());
      ApiException e = awaitApiFailure(ipam.createNetwork(n, subnetOf(n)), 409, "NETWORK_OVERLAP");
      assertThat(e.getMessage()).isEqualTo(IpamErrors.networkOverlap(cidr, "base", "10.1.0.0/16").getMessage());
      awaitApiFailure(ipam.getNetwork(HERE, n.id()), 404, "NOT_FOUND");
      awaitApiFailure(ipam.getSubnet(HERE, n.id()), 404, "NOT_FOUND");
    }
    for (String cidr : List.of("fd00:0:1::/48", "fd00:0:1:8::/64", "fd00::/32")) {
      Network n = network(HERE, "try" + tried++, cidr, Clock.now());
      ApiException e = awaitApiFailure(ipam.createNetwork(n, subnetOf(n)), 409, "NETWORK_OVERLAP");
      assertThat(e.getMessage()).isEqualTo(IpamErrors.networkOverlap(cidr, "v6", "fd00:0:1::/48").getMessage());
    }
    // adjacent blocks, other families, other projects and other regions are fine
    Network below = createNetwork(HERE, "below", "10.0.255.0/24");
    Network above = createNetwork(HERE, "above", "10.2.0.0/16");
    Network v6next = createNetwork(HERE, "v6next", "fd00:2::/48");
    createNetwork(NEIGHBOUR, "base", "10.1.0.0/16");
    createNetwork(NEIGHBOUR, "wide", "172.16.0.0/12");
    createNetwork(new Place(OTHER_REGION, "train"), "base", "10.1.0.0/16");
    createNetwork(new Place(OTHER_REGION, "train"), "next", "10.2.0.0/15");
    assertThat(ids(await(ipam.listNetworks(HERE, null, 20)).items()))
        .containsExactlyInAnyOrder(base.id(), v6.id(), below.id(), above.id(), v6next.id());
  }

  @Test
  void updateNetworkIsCompareAndSetOfNameAndDescription() {
    Network v1 = createNetwork(HERE, "net", "10.1.0.0/16");
    Network v2 = v1.withChanges("Renamed", null, v1.updatedAt().plusMillis(5));
    assertThat(await(ipam.updateNetwork(v2))).isEqualTo(v2);
    assertThat(await(ipam.getNetwork(HERE, "net"))).isEqualTo(v2);

    ApiException e = awaitApiFailure(ipam.updateNetwork(v1.withChanges("Stale", "x", Clock.now())), 412,
        "PRECONDITION_FAILED");
    assertThat(e.getMessage()).contains("'net'");
    Network skip = new Network(REGION, "train", "net", v1.uid(), "skip", null, v1.cidr(), v1.createdAt(),
        Clock.now(), 4);
    awaitApiFailure(ipam.updateNetwork(skip), 412, "PRECONDITION_FAILED");
    assertThat(await(ipam.getNetwork(HERE, "net"))).isEqualTo(v2);

    // the block, uid and creation time are immutable
    Network sneaky = new Network(REGION, "train", "net", UUID.randomUUID(), "N", "D", "10.9.0.0/16",
        Instant.EPOCH, v2.updatedAt().plusMillis(1), 3);
    Network v3 = await(ipam.updateNetwork(sneaky));
    Network expected = new Network(REGION, "train", "net", v1.uid(), "N", "D", "10.1.0.0/16", v1.createdAt(),
        sneaky.updatedAt(), 3);
    assertThat(v3).isEqualTo(expected);
    assertThat(await(ipam.getNetwork(HERE, "net"))).isEqualTo(expected);

    awaitApiFailure(ipam.updateNetwork(network(HERE, "nope", "10.3.0.0/16", Clock.now()).withChanges("x", null,
        Clock.now())), 404, "NOT_FOUND");
    awaitApiFailure(ipam.updateNetwork(network(NEIGHBOUR, "net", "10.1.0.0/16", Clock.now()).withChanges("x",
        null, Clock.now())), 404, "NOT_FOUND");
  }

  @Test
  void deleteNetworkDeletesItsSubnetsAndChecksTheVersion() {
    Network n = createNetwork(HERE, "net", "10.1.0.0/16");
    Network kept = createNetwork(HERE, "kept", "10.2.0.0/16");
    ApiException e = awaitApiFailure(ipam.deleteNetwork(HERE, "net", 2L), 412, "PRECONDITION_FAILED");
    assertThat(e.getMessage()).contains("'net'");
    assertThat(await(ipam.getNetwork(HERE, "net"))).isEqualTo(n);
    awaitApiFailure(ipam.deleteNetwork(NEIGHBOUR, "net", null), 404, "NOT_FOUND");
    awaitApiFailure(ipam.deleteNetwork(HERE, "nope", null), 404, "NOT_FOUND");

    await(ipam.deleteNetwork(HERE, "net", 1L));
    awaitApiFailure(ipam.getNetwork(HERE, "net"), 404, "NOT_FOUND");
    awaitApiFailure(ipam.getSubnet(HERE, "net"), 404, "NOT_FOUND");
    assertThat(await(ipam.subnetsOf(HERE, "net"))).isEmpty();
    assertThat(ids(await(ipam.listSubnets(HERE, null, 10)).items())).containsExactly("kept");
    assertThat(await(ipam.listNetworks(HERE, null, 10)).items()).containsExactly(kept);
    ApiException again = awaitApiFailure(ipam.deleteNetwork(HERE, "net", null), 404, "NOT_FOUND");
    assertThat(again.getMessage()).isEqualTo("network 'net' not found");

    // id and block are free again
    createNetwork(HERE, "net", "10.1.0.0/16");
    await(ipam.deleteNetwork(HERE, "net", null));
    createNetwork(HERE, "other", "10.1.0.0/24");
  }

  @Test
  void networksSubnetsAndPoolsPageInCreationThenIdOrder() {
    Instant t = Clock.now();
    List<Network> nets = new ArrayList<>();
    // equal creation times are ordered by id, Java String order ("B" before "a")
    String[] ids = {"n-b", "n-a", "B", "a", "n-c", "z", "n-10", "n-9"};
    int[] at = {0, 0, 0, 3, 1, 2, 2, 5};
    for (int i = 0; i < ids.length; i++) {
      nets.add(createNetwork(network(HERE, ids[i], "10." + (10 + i) + ".0.0/16", t.plusMillis(at[i]))));
    }
    createNetwork(NEIGHBOUR, "elsewhere", "10.10.0.0/16");
    createNetwork(new Place(OTHER_REGION, "train"), "far", "10.10.0.0/16");
    List<Network> expected = new ArrayList<>(nets);
    expected.sort(BY_CREATION);
    List<String> expectedIds = ids(expected);
    for (int limit : List.of(1, 2, 3, 7, 8, 50)) {
      assertThat(walk((after, l) -> ipam.listNetworks(HERE, after, l), limit)).isEqualTo(expected);
      assertThat(ids(walk((after, l) -> ipam.listSubnets(HERE, after, l), limit))).isEqualTo(expectedIds);
    }

    List<AddressPool> pools = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      AddressPool p = pool(REGION, ids[i], "198.51." + i + ".0/24", t.plusMillis(at[i]));
      pools.add(await(ipam.createPool(p)));
    }
    await(ipam.createPool(pool(OTHER_REGION, "far", "198.51.0.0/24", t)));
    pools.sort(BY_CREATION);
    for (int limit : List.of(1, 3, 8, 50)) {
      assertThat(walk((after, l) -> ipam.listPools(REGION, after, l), limit)).isEqualTo(pools);
    }
    assertThat(await(ipam.listPools("nowhere", null, 5))).isEqualTo(new Page<>(List.of(), null));
  }

  @Test
  void concurrentOverlappingNetworkCreatesLetExactlyOneWin() throws Exception {
    int rounds = 20;
    int n = 8;
    List<String> winners = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      // nested blocks /16 ... /23, all holding 10.<round+100>.0.0: each pair overlaps
      List<Network> candidates = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        candidates.add(network(HERE, "r" + round + "-" + i, "10." + (round + 100) + ".0.0/" + (16 + i), Clock.now()));
      }
      Collections.shuffle(candidates, new Random(round));
      List<Future<Network>> results = concurrently(n, n,
          i -> ipam.createNetwork(candidates.get(i), subnetOf(candidates.get(i))));
      List<Network> won = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Throwable t = failure(results.get(i));
        if (t == null) {
          won.add(candidates.get(i));
        }
      }
      assertThat(won).as("round %d", round).hasSize(1);
      Network winner = won.get(0);
      winners.add(winner.id());
      for (int i = 0; i < n; i++) {
        Network c = candidates.get(i);
        if (c != winner) {
          ApiException e = awaitApiFailure(results.get(i), 409, "NETWORK_OVERLAP");
          assertThat(e.getMessage())
              .isEqualTo(IpamErrors.networkOverlap(c.cidr(), winner.id(), winner.cidr()).getMessage());
        }
      }
      assertThat(await(ipam.getNetwork(HERE, winner.id()))).isEqualTo(winner);
    }
    assertThat(ids(walk((after, l) -> ipam.listNetworks(HERE, after, l), 100)))
        .containsExactlyInAnyOrderElementsOf(winners);
    assertThat(walk((after, l) -> ipam.listSubnets(HERE, after, l), 100)).hasSize(rounds);
  }

  // ---------------------------------------------------------------- allocation

  @Test
  void aRequestedAddressIsStoredExactlyAsAskedOrNotAtAll() {
    Network net = createNetwork(HERE, "net", "10.1.0.0/24");
    Address a = internal(net, "web", "10.1.0.7");
    assertThat(await(allocate(net, a))).isEqualTo(a);
    assertThat(await(ipam.getAddress(HERE, "web"))).isEqualTo(a);

    ApiException taken = awaitApiFailure(allocate(net, internal(net, "web2", "10.1.0.7")), 409, "ADDRESS_IN_USE");
    assertThat(taken.getMessage()).isEqualTo(IpamErrors.inUse("10.1.0.7", "subnet 'net'").getMessage());
    awaitApiFailure(ipam.getAddress(HERE, "web2"), 404, "NOT_FOUND");

    ApiException dup = awaitApiFailure(allocate(net, internal(net, "web", "10.1.0.8")), 409, "ALREADY_EXISTS");
    assertThat(dup.getMessage()).isEqualTo("address 'web' already exists");
    awaitApiFailure(allocate(net, internal(net, "web", null)), 409, "ALREADY_EXISTS");
    assertThat(await(ipam.getAddress(HERE, "web"))).isEqualTo(a);
    assertThat(await(ipam.listAddresses(HERE, null, 10)).items()).containsExactly(a);

    Network v6 = createNetwork(HERE, "v6", "fd00:1::/48");
    Address b = internal(v6, "six", "fd00:1::abcd");
    assertThat(await(allocate(v6, b))).isEqualTo(b);
    assertThat(await(ipam.getAddress(HERE, "six"))).isEqualTo(b);
    awaitApiFailure(allocate(v6, internal(v6, "six2", "fd00:1::abcd")), 409, "ADDRESS_IN_USE");
  }

  @Test
  void anAutomaticChoiceIsAUsableAddressOfTheRange() {
    Network net = createNetwork(HERE, "net", "10.1.0.0/24");
    AddressRange range = AddressRange.of("10.1.0.0/24");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      Address asked = internal(net, "a" + i, null);
      Address got = await(allocate(net, asked));
      assertThat(got.ipAddress()).isNotNull();
      assertThat(got).isEqualTo(asked.withIpAddress(got.ipAddress()));
      BigInteger v = value(got.ipAddress());
      assertThat(v).isBetween(range.lo(), range.hi());
      assertThat(range.reservedReason(ip(got.ipAddress()))).isNull();
      assertThat(got.ipAddress()).isEqualTo(range.text(v));
      assertThat(seen.add(got.ipAddress())).as("%s handed out twice", got.ipAddress()).isTrue();
      assertThat(await(ipam.getAddress(HERE, "a" + i))).isEqualTo(got);
    }
    // random, not first-free: 60 choices are not .2 .. .61
    assertThat(seen).isNotEqualTo(new HashSet<>(IntStream.range(2, 62).mapToObj(i -> "10.1.0." + i).toList()));
  }

  @Test
  void concurrentAutomaticAllocationsGetDistinctAddresses() throws Exception {
    Network net = createNetwork(HERE, "net", "10.1.0.0/24");
    AddressRange range = AddressRange.of("10.1.0.0/24");
    int n = 200;
    List<Future<Address>> results = concurrently(n, 16, i -> allocate(net, internal(net, "c" + i, null)));
    Set<String> ips = new HashSet<>();
    for (Future<Address> f : results) {
      Address a = await(f);
      assertThat(range.reservedReason(ip(a.ipAddress()))).isNull();
      assertThat(range.contains(ip(a.ipAddress()))).isTrue();
      ips.add(a.ipAddress());
    }
    assertThat(ips).hasSize(n);
    List<Address> listed = walkAddresses(HERE, 64);
    assertThat(listed).hasSize(n);
    assertThat(listed.stream().map(Address::ipAddress).toList()).containsExactlyInAnyOrderElementsOf(ips);
  }

  @Test
  void fillingASubnetConcurrentlyHandsOutEveryUsableAddressOnceThenFailsSubnetExhausted() throws Exception {
    Network net = createNetwork(HERE, "net", "10.1.0.0/24");
    int n = 300;
    List<Future<Address>> results = concurrently(n, 16, i -> allocate(net, internal(net, "f" + i, null)));
    Set<String> ips = new HashSet<>();
    int exhausted = 0;
    String message = IpamErrors.subnetExhausted("net", "10.1.0.0/24").getMessage();
    for (Future<Address> f : results) {
      Throwable t = failure(f);
      if (t == null) {
        assertThat(ips.add(f.result().ipAddress())).as("%s handed out twice", f.result().ipAddress()).isTrue();
      } else {
        ApiException e = awaitApiFailure(f, 409, "SUBNET_EXHAUSTED");
        assertThat(e.getMessage()).isEqualTo(message);
        exhausted++;
      }
    }
    assertThat(ips).hasSize(252);
    assertThat(exhausted).isEqualTo(48);
    Set<String> usable = new HashSet<>(IntStream.rangeClosed(2, 253).mapToObj(i -> "10.1.0." + i).toList());
    assertThat(ips).isEqualTo(usable);
    assertThat(ips).doesNotContain("10.1.0.0", "10.1.0.1", "10.1.0.254", "10.1.0.255");

    ApiException e = awaitApiFailure(allocate(net, internal(net, "one-more", null)), 409, "SUBNET_EXHAUSTED");
    assertThat(e.getMessage()).isEqualTo(message);
    // a release frees exactly that number
    Address some = walkAddresses(HERE, 300).get(100);
    assertThat(await(ipam.releaseAddress(HERE, some.id(), null))).isEqualTo(Released.RELEASED);
    assertThat(await(allocate(net, internal(net, "one-more", null))).ipAddress()).isEqualTo(some.ipAddress());
    awaitApiFailure(allocate(net, internal(net, "another", null)), 409, "SUBNET_EXHAUSTED");
  }

  @Test
  void aSmallSubnetIsFilledFromEitherSideOfTheRandomStart() {
    Network net = createNetwork(HERE, "net", "10.1.0.0/29");
    Set<String> ips = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      ips.add(await(allocate(net, internal(net, "s" + i, null))).ipAddress());
    }
    assertThat(ips).containsExactlyInAnyOrder("10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5");
    awaitApiFailure(allocate(net, internal(net, "s4", null)), 409, "SUBNET_EXHAUSTED");
  }

  @Test
  void ipv6AllocationIsSparse() {
    Network net = createNetwork(HERE, "v6", "fd00:1::/48");
    AddressRange range = AddressRange.of("fd00:1::/64");
    Set<BigInteger> values = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      Address a = await(allocate(net, internal(net, "s" + i, null)));
      assertThat(a.ipVersion()).isEqualTo("IPV6");
      IPAddress ip = ip(a.ipAddress());
      assertThat(ip.isIPv6()).isTrue();
      assertThat(range.contains(ip)).isTrue();
      assertThat(a.ipAddress()).isNotEqualTo("fd00:1::").isEqualTo(ip.toCanonicalString());
      values.add(ip.getValue());
    }
    assertThat(values).hasSize(20);
    // spread over the /64, not packed at its start
    BigInteger start = range.lo();
    assertThat(values).anyMatch(v -> v.subtract(start).compareTo(BigInteger.ONE.shiftLeft(32)) > 0);
  }

  /** An EXTERNAL allocation of {@code a} from {@code pool} under a limit of {@code limit} per project and region. */
  protected Future<Address> allocate(AddressPool pool, Address a, int limit) {
    return ipam.allocate(new Allocation(a, AddressRange.pool(pool.cidr()), limit));
  }

  @Test
  void aProjectHoldsAtMostItsQuotaOfExternalAddressesEvenConcurrently() throws Exception {
    AddressPool p = createPool(REGION, "quota", "198.51.100.0/24");
    for (int i = 0; i < 3; i++) {
      assertThat(await(allocate(p, external(HERE, p, "q" + i, null), 3)).poolId()).isEqualTo("quota");
    }
    ApiException over = awaitApiFailure(allocate(p, external(HERE, p, "q3", null), 3), 409, "QUOTA_EXCEEDED");
    assertThat(over.getMessage()).isEqualTo(IpamErrors.quotaExceeded(HERE.project(), REGION, 3).getMessage());
    awaitApiFailure(ipam.getAddress(HERE, "q3"), 404, "NOT_FOUND");
    // another project, another region, and INTERNAL addresses have their own count
    assertThat(await(allocate(p, external(NEIGHBOUR, p, "q0", null), 3)).projectId()).isEqualTo(NEIGHBOUR.project());
    Network n = createNetwork(HERE, "inside", "10.60.0.0/24");
    assertThat(await(allocate(n, internal(n, "i0", null))).addressType()).isEqualTo(Address.INTERNAL);
    // a release frees one
    assertThat(await(ipam.releaseAddress(HERE, "q0", null))).isEqualTo(Released.RELEASED);
    assertThat(await(allocate(p, external(HERE, p, "q4", null), 3)).id()).isEqualTo("q4");
    awaitApiFailure(allocate(p, external(HERE, p, "q5", null), 3), 409, "QUOTA_EXCEEDED");

    // racing allocations of one project: exactly the quota wins
    Place racing = new Place(OTHER_REGION, "train");
    AddressPool far = createPool(OTHER_REGION, "quota", "198.51.100.0/24");
    List<Future<Address>> results = concurrently(24, 8, i -> allocate(far, external(racing, far, "r" + i, null), 5));
    int won = 0;
    for (Future<Address> f : results) {
      Throwable t = failure(f);
      if (t == null) {
        won++;
      } else {
        assertThat(t).isInstanceOf(ApiException.class);
        assertThat(((ApiException) t).reason()).isEqualTo("QUOTA_EXCEEDED");
      }
    }
    assertThat(won).isEqualTo(5);
    assertThat(walkAddresses(racing, 50)).hasSize(5);
  }

  /**
   * Review 3: at the quota, an allocation whose id the project already holds is refused for that id (409
   * ALREADY_EXISTS, as it is below the quota) by every store: the in-memory store checks the id first, PostgreSQL
   * counts first and answers QUOTA_EXCEEDED.
   */
  @Test
  void atTheQuotaATakenIdIsStillAlreadyExists() {
    AddressPool p = createPool(REGION, "quota", "198.51.100.0/24");
    await(allocate(p, external(HERE, p, "q0", null), 1));
    awaitApiFailure(allocate(p, external(HERE, p, "q0", null), 1), 409, "ALREADY_EXISTS");
  }

  /** Review 3: two projects racing for one small pool under a quota (lost races retried inside the transaction). */
  @Test
  void projectsRacingForOnePoolUnderAQuotaFillItExactly() throws Exception {
    AddressPool p = createPool(REGION, "small", "198.51.100.0/28");
    List<Future<Address>> results = concurrently(16, 8,
        i -> allocate(p, external(i % 2 == 0 ? HERE : NEIGHBOUR, p, "r" + i, null), 8));
    Set<String> ips = new java.util.HashSet<>();
    for (Future<Address> f : results) {
      assertThat(failure(f)).as("an allocation").isNull();
      ips.add(f.result().ipAddress());
    }
    assertThat(ips).hasSize(16);
  }

  @Test
  void poolsHandOutTheirUsableAddressesThenFailPoolExhausted() {
    AddressPool p = createPool(REGION, "public", "203.0.113.0/29");
    Set<String> ips = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      Place place = i % 2 == 0 ? HERE : NEIGHBOUR;
      Address asked = external(place, p, "e" + i, null);
      Address got = await(allocate(p, asked));
      assertThat(got).isEqualTo(asked.withIpAddress(got.ipAddress()));
      assertThat(await(ipam.getAddress(place, "e" + i))).isEqualTo(got);
      ips.add(got.ipAddress());
    }
    assertThat(ips).containsExactlyInAnyOrder("203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5");
    ApiException e = awaitApiFailure(allocate(p, external(HERE, p, "e4", null)), 409, "POOL_EXHAUSTED");
    assertThat(e.getMessage())
        .isEqualTo("every usable address of address pool 'public' (203.0.113.0/29) is allocated");
    ApiException taken = awaitApiFailure(allocate(p, external(NEIGHBOUR, p, "e5", "203.0.113.3")), 409,
        "ADDRESS_IN_USE");
    assertThat(taken.getMessage()).isEqualTo(IpamErrors.inUse("203.0.113.3", "address pool 'public'").getMessage());

    // a pool address belongs to its project: released there, and its number can be asked for again
    Address e0 = await(ipam.getAddress(HERE, "e0"));
    awaitApiFailure(ipam.releaseAddress(NEIGHBOUR, "e0", null), 404, "NOT_FOUND");
    assertThat(await(ipam.releaseAddress(HERE, "e0", null))).isEqualTo(Released.RELEASED);
    Address again = external(NEIGHBOUR, p, "e6", e0.ipAddress());
    assertThat(await(allocate(p, again))).isEqualTo(again);

    // pools of other regions are apart: the same block elsewhere has its own addresses
    AddressPool far = createPool(OTHER_REGION, "public", "203.0.113.0/29");
    Address farAddress = external(new Place(OTHER_REGION, "train"), far, "e0", "203.0.113.3");
    assertThat(await(allocate(far, farAddress))).isEqualTo(farAddress);
  }

  @Test
  void allocationFromAMissingOrDeletedRangeFailsWith404() {
    Network net = createNetwork(HERE, "net", "10.1.0.0/24");
    Address ghostNet = new Address(REGION, "train", "x", UUID.randomUUID(), null, null, null, "IPV4",
        Address.INTERNAL, "ghost", "ghost", null, Address.RESERVED, Clock.now(), Clock.now(), 1);
    assertThat(awaitApiFailure(allocate(net, ghostNet), 404, "NOT_FOUND").getMessage())
        .isEqualTo("network 'ghost' not found");
    Address ghostSubnet = new Address(REGION, "train", "x", UUID.randomUUID(), null, null, "10.1.0.9", "IPV4",
        Address.INTERNAL, "net", "ghost", null, Address.RESERVED, Clock.now(), Clock.now(), 1);
    assertThat(awaitApiFailure(allocate(net, ghostSubnet), 404, "NOT_FOUND").getMessage())
        .isEqualTo("subnet 'ghost' not found");
    // the network of another project is not this project's
    Address elsewhere = new Address(REGION, "infer", "x", UUID.randomUUID(), null, null, null, "IPV4",
        Address.INTERNAL, "net", "net", null, Address.RESERVED, Clock.now(), Clock.now(), 1);
    awaitApiFailure(allocate(net, elsewhere), 404, "NOT_FOUND");

    await(ipam.deleteNetwork(HERE, "net", null));
    awaitApiFailure(allocate(net, internal(net, "x", null)), 404, "NOT_FOUND");
    awaitApiFailure(allocate(net, internal(net, "x", "10.1.0.9")), 404, "NOT_FOUND");

    AddressPool p = pool(REGION, "public", "203.0.113.0/29", Clock.now());
    assertThat(awaitApiFailure(allocate(p, external(HERE, p, "x", null)), 404, "NOT_FOUND").getMessage())
        .isEqualTo("address pool 'public' not found");
    await(ipam.createPool(p));
    await(ipam.deletePool(REGION, "public", null));
    awaitApiFailure(allocate(p, external(HERE, p, "x", null)), 404, "NOT_FOUND");
    awaitApiFailure(allocate(p, external(HERE, p, "x", "203.0.113.2")), 404, "NOT_FOUND");
    assertThat(await(ipam.listAddresses(HERE, null, 10)).items()).isEmpty();
  }

  @Test
  void theSameAddressMayBeAllocatedInNetworksOfTwoProjects() {
    Network a = createNetwork(HERE, "net", "10.1.0.0/24");
    Network b = createNetwork(NEIGHBOUR, "net", "10.1.0.0/24");
    Address x = internal(a, "web", "10.1.0.7");
    Address y = internal(b, "web", "10.1.0.7");
    assertThat(await(allocate(a, x))).isEqualTo(x);
    assertThat(await(allocate(b, y))).isEqualTo(y);
    assertThat(await(ipam.getAddress(HERE, "web"))).isEqualTo(x);
    assertThat(await(ipam.getAddress(NEIGHBOUR, "web"))).isEqualTo(y);
    awaitApiFailure(allocate(b, internal(b, "web2", "10.1.0.7")), 409, "ADDRESS_IN_USE");
  }

  @Test
  void aPoolIsRefusedOverANetworkOfTheRegion() {
    createNetwork(NEIGHBOUR, "tenant", "10.7.0.0/16");
    ApiException e = awaitApiFailure(ipam.createPool(pool(REGION, "over", "10.7.4.0/24", Clock.now())), 409,
        "POOL_OVERLAP");
    assertThat(e.getMessage()).isEqualTo(IpamErrors.poolOverlapsNetworks("10.7.4.0/24").getMessage());
    awaitApiFailure(ipam.getPool(REGION, "over"), 404, "NOT_FOUND");
    // in another region, or beside the network, it is a pool like any other
    createPool(OTHER_REGION, "over", "10.7.4.0/24");
    createPool(REGION, "beside", "10.8.0.0/24");
  }

  @Test
  void addressesListInNumericOrderAndPageByTheirSortKey() {
    // the pool first: a pool is refused over an existing network (the same number in both is what is ordered here)
    AddressPool p = createPool(REGION, "public", "10.1.0.8/29");
    Network v4 = createNetwork(HERE, "v4", "10.1.0.0/24");
    Network v6 = createNetwork(HERE, "v6", "fd00:1::/48");
    Network elsewhere = createNetwork(NEIGHBOUR, "v4", "10.1.0.0/24");
    await(allocate(elsewhere, internal(elsewhere, "other", "10.1.0.50")));
    List<Address> made = new ArrayList<>();
    for (String[] spec : List.of(new String[] {"a-ten", "10.1.0.10"}, new String[] {"b-nine", "10.1.0.9"},
        new String[] {"c", "10.1.0.100"}, new String[] {"d", "10.1.0.2"}, new String[] {"e", "10.1.0.253"},
        new String[] {"f", "10.1.0.19"})) {
      made.add(await(allocate(v4, internal(v4, spec[0], spec[1]))));
    }
    for (String[] spec : List.of(new String[] {"g", "fd00:1::10"}, new String[] {"h", "fd00:1::9"},
        new String[] {"i", "fd00:1::a"}, new String[] {"j", "fd00:1::1:0"})) {
      made.add(await(allocate(v6, internal(v6, spec[0], spec[1]))));
    }
    // the same number from a pool: ordered by id after the number
    made.add(await(allocate(p, external(HERE, p, "0-pool", "10.1.0.10"))));
    made.add(await(allocate(p, external(HERE, p, "z-pool", "10.1.0.11"))));
    List<String> expected = List.of("d", "b-nine", "0-pool", "a-ten", "z-pool", "f", "c", "e", "h", "i", "g", "j");
    for (int limit : List.of(1, 2, 3, 5, 12, 100)) {
      assertThat(ids(walkAddresses(HERE, limit))).as("limit %d", limit).isEqualTo(expected);
    }
    List<Address> all = walkAddresses(HERE, 100);
    assertThat(all).containsExactlyInAnyOrderElementsOf(made);
    // a cursor names a position, not an item: it stays valid when its address is released
    Page<Address> first = await(ipam.listAddresses(HERE, null, 3));
    assertThat(first.next().id()).isEqualTo(listKey(all.get(2)));
    await(ipam.releaseAddress(HERE, all.get(2).id(), null));
    assertThat(ids(await(ipam.listAddresses(HERE, first.next(), 2)).items())).containsExactly("a-ten", "z-pool");
    assertThat(ids(walkAddresses(NEIGHBOUR, 1))).containsExactly("other");
    assertThat(await(ipam.listAddresses(new Place(OTHER_REGION, "train"), null, 5)))
        .isEqualTo(new Page<>(List.of(), null));
  }

  // ---------------------------------------------------------------- release and status

  @Test
  void releaseIsIdempotentForItsProject() {
    Network net = createNetwork(HERE, "net", "10.1.0.0/24");
    Address a = await(allocate(net, internal(net, "web", "10.1.0.7")));
    awaitApiFailure(ipam.releaseAddress(NEIGHBOUR, "web", null), 404, "NOT_FOUND");
    assertThat(await(ipam.releaseAddress(HERE, "web", null))).isEqualTo(Released.RELEASED);
    awaitApiFailure(ipam.getAddress(HERE, "web"), 404, "NOT_FOUND");
    assertThat(await(ipam.releaseAddress(HERE, "web", null))).isEqualTo(Released.ALREADY_RELEASED);
    assertThat(await(ipam.releaseAddress(HERE, "web", 1L))).isEqualTo(Released.ALREADY_RELEASED);
    awaitApiFailure(ipam.releaseAddress(NEIGHBOUR, "web", null), 404, "NOT_FOUND");
    ApiException never = awaitApiFailure(ipam.releaseAddress(HERE, "never", null), 404, "NOT_FOUND");
    assertThat(never.getMessage()).isEqualTo("address 'never' not found");
    assertThat(await(ipam.listAddresses(HERE, null, 10)).items()).isEmpty();

    // the number is free at once, and the id can be used again
    Address b = internal(net, "web", a.ipAddress());
    assertThat(await(allocate(net, b))).isEqualTo(b);
    assertThat(await(ipam.releaseAddress(HERE, "web", 1L))).isEqualTo(Released.RELEASED);
    assertThat(await(ipam.releaseAddress(HERE, "web", null))).isEqualTo(Released.ALREADY_RELEASED);
    // the network can go once its addresses are released
    await(ipam.deleteNetwork(HERE, "net", null));
  }

  @Test
  void releaseChecksTheVersionAndRefusesAnAddressInUse() {
    Network net = createNetwork(HERE, "net", "10.1.0.0/24");
    Address a = await(allocate(net, internal(net, "web", null)));
    ApiException stale = awaitApiFailure(ipam.releaseAddress(HERE, "web", 2L), 412, "PRECONDITION_FAILED");
    assertThat(stale.getMessage()).contains("'web'");
    assertThat(await(ipam.getAddress(HERE, "web"))).isEqualTo(a);

    Address inUse = a.withStatus(Address.IN_USE, a.updatedAt().plusMillis(3));
    assertThat(await(ipam.updateAddressStatus(inUse))).isEqualTo(inUse);
    assertThat(await(ipam.getAddress(HERE, "web"))).isEqualTo(inUse);
    ApiException busy = awaitApiFailure(ipam.releaseAddress(HERE, "web", null), 409, "FAILED_PRECONDITION");
    assertThat(busy.getMessage()).isEqualTo(IpamErrors.addressInUse("web").getMessage());
    awaitApiFailure(ipam.releaseAddress(HERE, "web", 2L), 409, "FAILED_PRECONDITION");
    awaitApiFailure(ipam.releaseAddress(HERE, "web", 1L), 412, "PRECONDITION_FAILED");
    assertThat(await(ipam.getAddress(HERE, "web"))).isEqualTo(inUse);
    // nor is the number free
    awaitApiFailure(allocate(net, internal(net, "web2", a.ipAddress())), 409, "ADDRESS_IN_USE");

    // status updates are compare-and-set
    awaitApiFailure(ipam.updateAddressStatus(a.withStatus(Address.RESERVED, Clock.now())), 412,
        "PRECONDITION_FAILED");
    awaitApiFailure(ipam.updateAddressStatus(internal(net, "nope", "10.1.0.99").withStatus(Address.IN_USE,
        Clock.now())), 404, "NOT_FOUND");
    Address reserved = inUse.withStatus(Address.RESERVED, inUse.updatedAt().plusMillis(1));
    assertThat(await(ipam.updateAddressStatus(reserved))).isEqualTo(reserved);
    assertThat(reserved.version()).isEqualTo(3);
    assertThat(await(ipam.releaseAddress(HERE, "web", 3L))).isEqualTo(Released.RELEASED);
  }

  // ---------------------------------------------------------------- deletes with addresses

  @Test
  void aNetworkWithAddressesIsNotDeletedAndTheRefusalListsThem() {
    Network net = createNetwork(HERE, "net", "10.1.0.0/24");
    Address a = await(allocate(net, internal(net, "a", "10.1.0.10")));
    Address b = await(allocate(net, internal(net, "b", "10.1.0.9")));
    ApiException e = awaitApiFailure(ipam.deleteNetwork(HERE, "net", null), 409, "FAILED_PRECONDITION");
    ApiException expected = IpamErrors.stillAllocated("network", "net", List.of(b, a), 2);
    assertThat(e.getMessage()).isEqualTo(expected.getMessage())
        .isEqualTo("network 'net' still has 2 allocated addresses; release them first");
    assertThat(e.details()).isEqualTo(expected.details());
    assertThat(e.details()).singleElement().satisfies(d -> {
      assertThat(d.get("@type")).isEqualTo("PreconditionFailure");
      assertThat((List<?>) d.get("violations")).hasSize(2).first().isEqualTo(Map.of("type", "ADDRESS_ALLOCATED",
          "subject", IpamErrors.addressLink(REGION, "train", "b"), "description", "10.1.0.9 is allocated"));
    });
    // nothing deleted
    assertThat(await(ipam.getNetwork(HERE, "net"))).isEqualTo(net);
    assertThat(await(ipam.getSubnet(HERE, "net"))).isNotNull();
    assertThat(await(ipam.getAddress(HERE, "a"))).isEqualTo(a);
    assertThat(await(ipam.getAddress(HERE, "b"))).isEqualTo(b);
    awaitApiFailure(ipam.deleteNetwork(HERE, "net", 1L), 409, "FAILED_PRECONDITION");
    awaitApiFailure(ipam.deleteNetwork(HERE, "net", 5L), 412, "PRECONDITION_FAILED");

    await(ipam.releaseAddress(HERE, "a", null));
    ApiException one = awaitApiFailure(ipam.deleteNetwork(HERE, "net", null), 409, "FAILED_PRECONDITION");
    assertThat(one.getMessage()).isEqualTo("network 'net' still has 1 allocated address; release them first");
    await(ipam.releaseAddress(HERE, "b", null));
    await(ipam.deleteNetwork(HERE, "net", 1L));
    awaitApiFailure(ipam.getSubnet(HERE, "net"), 404, "NOT_FOUND");
  }

  @Test
  void aRefusalListsTheFirstFiftyAddressesAndCountsThemAll() {
    Network net = createNetwork(HERE, "net", "10.1.0.0/24");
    for (int i = 0; i < 60; i++) {
      await(allocate(net, internal(net, String.format("m%02d", i), "10.1.0." + (i + 2))));
    }
    List<Address> listed = walkAddresses(HERE, 100);
    ApiException e = awaitApiFailure(ipam.deleteNetwork(HERE, "net", null), 409, "FAILED_PRECONDITION");
    ApiException expected = IpamErrors.stillAllocated("network", "net", listed.subList(0, 50), 60);
    assertThat(e.getMessage()).isEqualTo(expected.getMessage()).contains("60 allocated addresses");
    assertThat(e.details()).isEqualTo(expected.details());
    assertThat(walkAddresses(HERE, 100)).hasSize(60);
  }

  @Test
  void aPoolWithAddressesIsNotDeletedAndTheRefusalListsThem() {
    AddressPool p = createPool(REGION, "public", "203.0.113.0/24");
    Address x = await(allocate(p, external(NEIGHBOUR, p, "x", "203.0.113.20")));
    Address y = await(allocate(p, external(HERE, p, "y", "203.0.113.3")));
    ApiException e = awaitApiFailure(ipam.deletePool(REGION, "public", null), 409, "FAILED_PRECONDITION");
    ApiException expected = IpamErrors.stillAllocated("address pool", "public", List.of(y, x), 2);
    assertThat(e.getMessage()).isEqualTo(expected.getMessage());
    assertThat(e.details()).isEqualTo(expected.details());
    assertThat(await(ipam.getPool(REGION, "public"))).isEqualTo(p);
    assertThat(await(ipam.getAddress(NEIGHBOUR, "x"))).isEqualTo(x);
    await(ipam.releaseAddress(NEIGHBOUR, "x", null));
    await(ipam.releaseAddress(HERE, "y", null));
    await(ipam.deletePool(REGION, "public", 1L));
    awaitApiFailure(ipam.getPool(REGION, "public"), 404, "NOT_FOUND");
  }

  @Test
  void aProjectWithNetworksOrAddressesIsNotDeleted() {
    createNetwork(HERE, "net", "10.1.0.0/24");
    ApiException e = awaitApiFailure(store.projects().delete("train", null), 409, "FAILED_PRECONDITION");
    assertThat(e.getMessage()).isEqualTo("project 'train' still has networks or addresses; delete them first");
    assertThat(await(store.projects().get("train")).id()).isEqualTo("train");
    assertThat(await(ipam.getNetwork(HERE, "net")).id()).isEqualTo("net");

    // an address from a pool is enough
    AddressPool p = createPool(REGION, "public", "203.0.113.0/24");
    await(allocate(p, external(NEIGHBOUR, p, "x", null)));
    ApiException e2 = awaitApiFailure(store.projects().delete("infer", null), 409, "FAILED_PRECONDITION");
    assertThat(e2.getMessage()).isEqualTo("project 'infer' still has networks or addresses; delete them first");
    assertThat(await(ipam.getAddress(NEIGHBOUR, "x")).id()).isEqualTo("x");

    await(ipam.deleteNetwork(HERE, "net", null));
    await(store.projects().delete("train", null));
    await(ipam.releaseAddress(NEIGHBOUR, "x", null));
    await(store.projects().delete("infer", null));
    awaitApiFailure(store.projects().get("infer"), 404, "NOT_FOUND");
  }

  @Test
  void anAllocationRacingTheDeleteOfItsNetworkEitherBlocksItOrFails404() throws Exception {
    for (int round = 0; round < 20; round++) {
      Network net = createNetwork(HERE, "net" + round, "10." + (round + 1) + ".0.0/24");
      Address a = internal(net, "a" + round, null);
      List<Future<Object>> results = concurrently(2, 2, i -> i == 0
          ? allocate(net, a).map(x -> (Object) x)
          : ipam.deleteNetwork(HERE, net.id(), null).map(x -> (Object) "deleted"));
      Throwable allocation = failure(results.get(0));
      Throwable delete = failure(results.get(1));
      if (allocation == null) {
        assertThat(delete).as("round %d", round).isInstanceOf(ApiException.class);
        assertThat(((ApiException) delete).reason()).isEqualTo("FAILED_PRECONDITION");
        assertThat(await(ipam.getNetwork(HERE, net.id()))).isEqualTo(net);
        assertThat(await(ipam.getAddress(HERE, a.id())).ipAddress()).isNotNull();
      } else {
        assertThat(delete).as("round %d", round).isNull();
        awaitApiFailure(results.get(0), 404, "NOT_FOUND");
        awaitApiFailure(ipam.getAddress(HERE, a.id()), 404, "NOT_FOUND");
        awaitApiFailure(ipam.getSubnet(HERE, net.id()), 404, "NOT_FOUND");
      }
    }
  }

  // ---------------------------------------------------------------- pools

  @Test
  void poolsAreCreatedReadAndDeleted() {
    AddressPool p = createPool(REGION, "public", "203.0.113.0/24");
    assertThat(await(ipam.getPool(REGION, "public"))).isEqualTo(p);
    AddressPool v6 = createPool(REGION, "public6", "2001:db8::/48");
    assertThat(await(ipam.getPool(REGION, "public6"))).isEqualTo(v6);
    awaitApiFailure(ipam.getPool(OTHER_REGION, "public"), 404, "NOT_FOUND");
    ApiException missing = awaitApiFailure(ipam.getPool(REGION, "nope"), 404, "NOT_FOUND");
    assertThat(missing.getMessage()).isEqualTo("address pool 'nope' not found");
    assertThat(await(ipam.listPools(REGION, null, 10)).items()).containsExactly(p, v6);

    ApiException dup = awaitApiFailure(ipam.createPool(pool(REGION, "public", "198.51.100.0/24", Clock.now())), 409,
        "ALREADY_EXISTS");
    assertThat(dup.getMessage()).isEqualTo("address pool 'public' already exists");
    awaitApiFailure(ipam.createPool(pool(REGION, "public", "203.0.113.0/24", Clock.now())), 409, "ALREADY_EXISTS");

    awaitApiFailure(ipam.deletePool(REGION, "public", 2L), 412, "PRECONDITION_FAILED");
    awaitApiFailure(ipam.deletePool(OTHER_REGION, "public", null), 404, "NOT_FOUND");
    await(ipam.deletePool(REGION, "public", 1L));
    awaitApiFailure(ipam.getPool(REGION, "public"), 404, "NOT_FOUND");
    awaitApiFailure(ipam.deletePool(REGION, "public", null), 404, "NOT_FOUND");
    assertThat(await(ipam.listPools(REGION, null, 10)).items()).containsExactly(v6);
    createPool(REGION, "public", "203.0.113.0/24");
  }

  @Test
  void overlappingPoolsOfARegionFailWith409PoolOverlap() {
    createPool(REGION, "base", "203.0.113.0/24");
    int tried = 0;
    for (String cidr : List.of("203.0.113.0/24", "203.0.113.128/25", "203.0.0.0/16")) {
      ApiException e = awaitApiFailure(ipam.createPool(pool(REGION, "try" + tried++, cidr, Clock.now())), 409,
          "POOL_OVERLAP");
      assertThat(e.getMessage()).isEqualTo(IpamErrors.poolOverlap(cidr, "base", "203.0.113.0/24").getMessage());
    }
    createPool(REGION, "next", "203.0.114.0/24");
    createPool(REGION, "v6", "2001:db8::/48");
    createPool(OTHER_REGION, "base", "203.0.113.0/24");
    createPool(OTHER_REGION, "wide", "198.51.0.0/16");
    assertThat(ids(await(ipam.listPools(REGION, null, 10)).items())).containsExactly("base", "next", "v6");
  }

  @Test
  void concurrentOverlappingPoolCreatesLetExactlyOneWin() throws Exception {
    for (int round = 0; round < 5; round++) {
      List<AddressPool> candidates = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        candidates.add(pool(REGION, "r" + round + "-" + i, "198.18." + (round * 8) + ".0/" + (21 + i),
            Clock.now()));
      }
      List<Future<AddressPool>> results = concurrently(8, 8, i -> ipam.createPool(candidates.get(i)));
      List<AddressPool> won = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        if (failure(results.get(i)) == null) {
          won.add(candidates.get(i));
        } else {
          awaitApiFailure(results.get(i), 409, "POOL_OVERLAP");
        }
      }
      assertThat(won).as("round %d", round).hasSize(1);
    }
    assertThat(await(ipam.listPools(REGION, null, 10)).items()).hasSize(5);
  }

  // ---------------------------------------------------------------- events

  /**
   * A minimal network rendering (core has no API to render with): its subject names the place, its data lists the
   * ids of the subnets the store passed as the event's parts.
   */
  private void renderNetworksWithTheirSubnets() {
    store.changeEvents().register(Network.class, new ChangeEvents.Rendering<Network>("test.compute.network",
        n -> "/test/" + n.region() + "/" + n.projectId() + "/networks/" + n.id(),
        n -> ChangeEvents.Owner.project(n.projectId()),
        (n, parts) -> new JsonObject().put("id", n.id()).put("uid", n.uid().toString()).put("version", n.version())
            .put("subnets", new JsonArray(parts.stream().map(Resource::id).toList()))));
  }

  private static String networkSubject(Network n) {
    return "/test/" + n.region() + "/" + n.projectId() + "/networks/" + n.id();
  }

  /** The fallback rendering's subject of an address or pool (no rendering registered in core). */
  private static String urn(String kind, String id) {
    return "urn:k0rdent:" + kind + ":" + id;
  }

  @Test
  void everyNetworkChangeAppendsOneEventAndEveryRefusalNone() {
    renderNetworksWithTheirSubnets();
    Network n = network(HERE, "net", "10.1.0.0/16", Clock.now());
    Subnet s = subnetOf(n);
    CloudEvent created = assertOneEvent("test.compute.network.created", networkSubject(n), n,
        () -> await(ipam.createNetwork(n, s)));
    assertThat(created.data().getLong("version")).isEqualTo(1L);
    assertThat(created.data().getJsonArray("subnets").getList()).as("the subnet made with it").containsExactly(s.id());

    Network inner = network(HERE, "inner", "10.1.2.0/24", Clock.now());
    assertNoEvent("an overlapping network", () -> awaitApiFailure(ipam.createNetwork(inner, subnetOf(inner)), 409,
        "NETWORK_OVERLAP"));
    Network again = network(HERE, "net", "10.9.0.0/16", Clock.now());
    assertNoEvent("a taken id", () -> awaitApiFailure(ipam.createNetwork(again, subnetOf(again)), 409,
        "ALREADY_EXISTS"));
    Network orphan = network(new Place(REGION, "ghost"), "net", "10.9.0.0/16", Clock.now());
    assertNoEvent("a missing project", () -> awaitApiFailure(ipam.createNetwork(orphan, subnetOf(orphan)), 404,
        "NOT_FOUND"));

    Network v2 = n.withChanges("Renamed", "described", Clock.now());
    CloudEvent updated = assertOneEvent("test.compute.network.updated", networkSubject(n), n,
        () -> await(ipam.updateNetwork(v2)));
    assertThat(updated.data().getLong("version")).isEqualTo(2L);
    assertThat(updated.data().getJsonArray("subnets").getList()).as("its stored subnets").containsExactly(s.id());
    assertNoEvent("a stale update", () -> awaitApiFailure(ipam.updateNetwork(n.withChanges("x", null, Clock.now())),
        412, "PRECONDITION_FAILED"));
    assertNoEvent("an update of a missing network", () -> awaitApiFailure(ipam.updateNetwork(
        network(HERE, "nope", "10.2.0.0/24", Clock.now()).withChanges("x", null, Clock.now())), 404, "NOT_FOUND"));

    await(allocate(n, internal(n, "a", "10.1.0.7")));
    assertNoEvent("a delete while addresses are allocated", () -> awaitApiFailure(ipam.deleteNetwork(HERE, "net",
        null), 409, "FAILED_PRECONDITION"));
    assertNoEvent("a delete of another version", () -> awaitApiFailure(ipam.deleteNetwork(HERE, "net", 1L), 412,
        "PRECONDITION_FAILED"));
    await(ipam.releaseAddress(HERE, "a", null));
    CloudEvent deleted = assertOneEvent("test.compute.network.deleted", networkSubject(n), n,
        () -> await(ipam.deleteNetwork(HERE, "net", 2L)));
    assertThat(deleted.data()).isEqualTo(new JsonObject().put("id", "net").put("uid", n.uid().toString()));
    assertNoEvent("a delete of a gone network", () -> awaitApiFailure(ipam.deleteNetwork(HERE, "net", null), 404,
        "NOT_FOUND"));
  }

  @Test
  void everyAddressChangeAppendsOneEventAndEveryRefusalNone() {
    Network n = createNetwork(HERE, "net", "10.1.0.0/24");
    AddressPool p = createPool(REGION, "public", "198.51.100.0/24");
    Address web = internal(n, "web", "10.1.0.7");
    CloudEvent created = assertOneEvent("ai.k0rdent.address.created", urn("address", "web"), web,
        () -> await(allocate(n, web)));
    assertThat(created.data().getLong("version")).isEqualTo(1L);
    Address auto = internal(n, "auto", null);
    assertOneEvent("ai.k0rdent.address.created", urn("address", "auto"), auto, () -> await(allocate(n, auto)));
    Address ext = external(HERE, p, "ext", null);
    assertOneEvent("ai.k0rdent.address.created", urn("address", "ext"), ext, () -> await(allocate(p, ext, 1)));

    assertNoEvent("a taken address", () -> awaitApiFailure(allocate(n, internal(n, "web2", "10.1.0.7")), 409,
        "ADDRESS_IN_USE"));
    assertNoEvent("a taken id", () -> awaitApiFailure(allocate(n, internal(n, "web", null)), 409, "ALREADY_EXISTS"));
    assertNoEvent("over the quota", () -> awaitApiFailure(allocate(p, external(HERE, p, "ext2", null), 1), 409,
        "QUOTA_EXCEEDED"));
    Network gone = network(HERE, "gone", "10.2.0.0/24", Clock.now());
    assertNoEvent("a missing network", () -> awaitApiFailure(allocate(gone, internal(gone, "x", null)), 404,
        "NOT_FOUND"));

    Address a = await(ipam.getAddress(HERE, "web"));
    Address inUse = a.withStatus(Address.IN_USE, a.updatedAt().plusMillis(3));
    CloudEvent updated = assertOneEvent("ai.k0rdent.address.updated", urn("address", "web"), a,
        () -> await(ipam.updateAddressStatus(inUse)));
    assertThat(updated.data().getLong("version")).isEqualTo(2L);
    assertNoEvent("a stale status update", () -> awaitApiFailure(ipam.updateAddressStatus(
        a.withStatus(Address.RESERVED, Clock.now())), 412, "PRECONDITION_FAILED"));
    assertNoEvent("a release while in use", () -> awaitApiFailure(ipam.releaseAddress(HERE, "web", null), 409,
        "FAILED_PRECONDITION"));
    assertNoEvent("a release of another version", () -> awaitApiFailure(ipam.releaseAddress(HERE, "web", 1L), 412,
        "PRECONDITION_FAILED"));
    Address reserved = inUse.withStatus(Address.RESERVED, inUse.updatedAt().plusMillis(1));
    assertOneEvent("ai.k0rdent.address.updated", urn("address", "web"), a,
        () -> await(ipam.updateAddressStatus(reserved)));

    CloudEvent released = assertOneEvent("ai.k0rdent.address.deleted", urn("address", "web"), a,
        () -> assertThat(await(ipam.releaseAddress(HERE, "web", 3L))).isEqualTo(Released.RELEASED));
    assertThat(released.data()).isEqualTo(new JsonObject().put("id", "web").put("uid", a.uid().toString()));
    assertNoEvent("a release of a released address", () -> assertThat(await(ipam.releaseAddress(HERE, "web", null)))
        .isEqualTo(Released.ALREADY_RELEASED));
    assertNoEvent("a release of an unknown address", () -> awaitApiFailure(ipam.releaseAddress(HERE, "never", null),
        404, "NOT_FOUND"));
    assertOneEvent("ai.k0rdent.address.deleted", urn("address", "ext"), ext,
        () -> await(ipam.releaseAddress(HERE, "ext", null)));
  }

  @Test
  void everyPoolChangeAppendsOneEventAndEveryRefusalNone() {
    createNetwork(HERE, "net", "10.1.0.0/16");
    AddressPool p = pool(REGION, "public", "198.51.100.0/24", Clock.now());
    CloudEvent created = assertOneEvent("ai.k0rdent.addressPool.created", urn("addressPool", "public"), p,
        () -> await(ipam.createPool(p)));
    assertThat(created.data().getLong("version")).isEqualTo(1L);
    assertNoEvent("an overlapping pool", () -> awaitApiFailure(ipam.createPool(pool(REGION, "inner",
        "198.51.100.128/25", Clock.now())), 409, "POOL_OVERLAP"));
    assertNoEvent("a taken id", () -> awaitApiFailure(ipam.createPool(pool(REGION, "public", "203.0.113.0/24",
        Clock.now())), 409, "ALREADY_EXISTS"));
    assertNoEvent("a pool over a network", () -> awaitApiFailure(ipam.createPool(pool(REGION, "over", "10.1.4.0/24",
        Clock.now())), 409, "POOL_OVERLAP"));

    await(allocate(p, external(HERE, p, "ext", null)));
    assertNoEvent("a delete while addresses are allocated", () -> awaitApiFailure(ipam.deletePool(REGION, "public",
        null), 409, "FAILED_PRECONDITION"));
    assertNoEvent("a delete of another version", () -> awaitApiFailure(ipam.deletePool(REGION, "public", 2L), 412,
        "PRECONDITION_FAILED"));
    await(ipam.releaseAddress(HERE, "ext", null));
    CloudEvent deleted = assertOneEvent("ai.k0rdent.addressPool.deleted", urn("addressPool", "public"), p,
        () -> await(ipam.deletePool(REGION, "public", 1L)));
    assertThat(deleted.data()).isEqualTo(new JsonObject().put("id", "public").put("uid", p.uid().toString()));
    assertNoEvent("a delete of a gone pool", () -> awaitApiFailure(ipam.deletePool(REGION, "public", null), 404,
        "NOT_FOUND"));
  }

  /**
   * Racing mutations (overlapping creates, allocations that lose the race for an address and retry, a subnet filled
   * until exhausted) leave exactly one event per success: none for the losers, none twice for a retried one.
   */
  @Test
  void racingMutationsAppendExactlyOneEventPerSuccess() throws Exception {
    renderNetworksWithTheirSubnets();
    List<Network> candidates = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      candidates.add(network(HERE, "race-" + i, "10.50.0.0/" + (16 + i), Clock.now()));
    }
    List<Future<Network>> creates = new ArrayList<>();
    List<OutboxRow> networkEvents = eventsOf(() -> {
      try {
        creates.addAll(concurrently(6, 6, i -> ipam.createNetwork(candidates.get(i), subnetOf(candidates.get(i)))));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    List<String> won = IntStream.range(0, 6).filter(i -> failure(creates.get(i)) == null)
        .mapToObj(i -> candidates.get(i).id()).toList();
    assertThat(won).hasSize(1);
    assertThat(networkEvents).extracting(r -> r.event().type()).containsExactly("test.compute.network.created");
    assertThat(networkEvents.get(0).event().data().getString("id")).isEqualTo(won.get(0));

    Network net = createNetwork(HERE, "small", "10.60.0.0/27"); // 28 usable addresses
    List<Future<Address>> allocations = new ArrayList<>();
    List<OutboxRow> addressEvents = eventsOf(() -> {
      try {
        allocations.addAll(concurrently(40, 8, i -> allocate(net, internal(net, "f" + i, null))));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    Set<String> allocated = new HashSet<>();
    for (Future<Address> f : allocations) {
      if (failure(f) == null) {
        allocated.add(f.result().id());
      } else {
        awaitApiFailure(f, 409, "SUBNET_EXHAUSTED");
      }
    }
    assertThat(allocated).hasSize(28);
    assertThat(addressEvents).allMatch(r -> r.event().type().equals("ai.k0rdent.address.created"));
    assertThat(addressEvents.stream().map(r -> r.event().data().getString("id")).toList())
        .containsExactlyInAnyOrderElementsOf(allocated);
  }
}
