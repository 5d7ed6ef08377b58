package io.k0rdent.api.core.store.memory;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.event.ChangeEvents.Change;
import io.k0rdent.api.core.ipam.AddressRange;
import io.k0rdent.api.core.ipam.IpamErrors;
import io.k0rdent.api.core.resource.Address;
import io.k0rdent.api.core.resource.AddressPool;
import io.k0rdent.api.core.resource.Network;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.resource.Subnet;
import io.k0rdent.api.core.store.IpamStore;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.PageCursor;
import io.vertx.core.Future;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@link IpamStore} in process memory (dev mode). Every operation runs under the store-wide lock it shares
 * with {@link InMemoryStore}, so the rules (no overlap, no address twice, a project with networks is not
 * deleted) hold under concurrency. Taken addresses are kept per subnet or pool in a sorted set, so an
 * automatic choice reads only the taken addresses after its random start.
 *
 * <p>Every successful mutation records its event in the same critical section: built after the checks and before
 * the change (so a rendering fault changes nothing), recorded after it. A network's events show it with its
 * subnets as stored after the change (its created event with the subnet created with it).
 */
final class InMemoryIpamStore implements IpamStore {

  /** How long a release is remembered, so that releasing again answers as the first time did. */
  static final Duration RELEASE_MEMORY = Duration.ofDays(1);

  private final Object lock;
  private final Predicate<String> projectExists;
  private final Random random = new SecureRandom();
  private final Map<String, Network> networks = new HashMap<>();
  private final Map<String, Subnet> subnets = new HashMap<>();
  private final Map<String, Address> addresses = new HashMap<>();
  private final Map<String, AddressPool> pools = new HashMap<>();
  /** subnet or pool uid → taken address values. */
  private final Map<String, NavigableSet<BigInteger>> taken = new HashMap<>();
  /** place key + id of released addresses → when. */
  private final Map<String, Instant> released = new HashMap<>();

  /** Where mutations append their events, in their critical section. */
  private final InMemoryEvents events;

  InMemoryIpamStore(Object lock, Predicate<String> projectExists, InMemoryEvents events) {
    this.lock = lock;
    this.events = events;
    this.projectExists = projectExists;
  }

  private static String key(Place p, String id) {
    return p.region() + "\u0000" + p.project() + "\u0000" + id;
  }

  private static String key(String region, String project, String id) {
    return region + "\u0000" + project + "\u0000" + id;
  }

  private static String poolKey(String region, String id) {
    return region + "\u0000" + id;
  }

  private static <T> Future<T> run(Supplier<T> body) {
    try {
      return Future.succeededFuture(body.get());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Whether any network or address lives in project {@code project} (any region); caller holds the lock. */
  boolean hasProjectResources(String project) {
    return networks.values().stream().anyMatch(n -> n.projectId().equals(project))
        || addresses.values().stream().anyMatch(a -> a.projectId().equals(project));
  }

  /** Forgets the releases of a project being deleted (caller holds the lock). */
  void forgetReleases(String project) {
    released.keySet().removeIf(k -> k.split("\u0000", 3)[1].equals(project));
  }

  @Override
  public Future<Network> createNetwork(Network network, Subnet subnet) {
    return run(() -> {
      synchronized (lock) {
        if (!projectExists.test(network.projectId())) {
          throw ApiException.notFound("project", network.projectId());
        }
        Place place = new Place(network.region(), network.projectId());
        if (networks.containsKey(key(place, network.id()))) {
          throw IpamErrors.exists("network", network.id());
        }
        IPAddress block = new IPAddressString(network.cidr()).getAddress();
        for (Network other : networks.values()) {
          if (other.region().equals(network.region()) && other.projectId().equals(network.projectId())) {
            IPAddress o = new IPAddressString(other.cidr()).getAddress();
            if (o.getIPVersion() == block.getIPVersion() && (o.contains(block) || block.contains(o))) {
              throw IpamErrors.networkOverlap(network.cidr(), other.id(), other.cidr());
            }
          }
        }
        if (subnets.containsKey(key(place, subnet.id()))) {
          throw IpamErrors.exists("subnet", subnet.id());
        }
        Change change = events.of(ChangeEvents.CREATED, network, List.of(subnet));
        networks.put(key(place, network.id()), network);
        subnets.put(key(place, subnet.id()), subnet);
        events.record(change);
        return network;
      }
    });
  }

  @Override
  public Future<Network> getNetwork(Place place, String id) {
    return run(() -> {
      synchronized (lock) {
        return found(networks.get(key(place, id)), "network", id);
      }
    });
  }

  private static <T> T found(T t, String kind, String id) {
    if (t == null) {
      throw ApiException.notFound(kind, id);
    }
    return t;
  }

  @Override
  public Future<Network> updateNetwork(Network updated) {
    return run(() -> {
      synchronized (lock) {
        Place place = new Place(updated.region(), updated.projectId());
        Network cur = found(networks.get(key(place, updated.id())), "network", updated.id());
        if (cur.version() != updated.version() - 1) {
          throw ApiException.preconditionFailed("network '" + updated.id() + "' was changed meanwhile");
        }
        Network stored = new Network(cur.region(), cur.projectId(), cur.id(), cur.uid(), updated.displayName(),
            updated.description(), cur.cidr(), cur.createdAt(), updated.updatedAt(), updated.version());
        Change change = events.of(ChangeEvents.UPDATED, stored, subnetsOfLocked(place, cur.id()));
        networks.put(key(place, cur.id()), stored);
        events.record(change);
        return stored;
      }
    });
  }

  @Override
  public Future<Void> deleteNetwork(Place place, String id, Long expectedVersion) {
    return run(() -> {
      synchronized (lock) {
        Network cur = found(networks.get(key(place, id)), "network", id);
        checkVersion(cur, expectedVersion, "network", id);
        List<Address> blockers = sorted(addresses.values().stream()
            .filter(a -> a.region().equals(place.region()) && a.projectId().equals(place.project())
                && id.equals(a.networkId())).toList());
        if (!blockers.isEmpty()) {
          throw IpamErrors.stillAllocated("network", id, blockers, blockers.size());
        }
        Change change = events.deleted(cur);
        networks.remove(key(place, id));
        subnets.values().removeIf(s -> s.region().equals(place.region()) && s.projectId().equals(place.project())
            && s.networkId().equals(id));
        events.record(change);
        return null;
      }
    });
  }

  private static void checkVersion(Resource cur, Long expectedVersion, String kind, String id) {
    if (expectedVersion != null && cur.version() != expectedVersion) {
      throw ApiException.preconditionFailed(kind + " '" + id + "' was changed meanwhile");
    }
  }

  @Override
  public Future<Page<Network>> listNetworks(Place place, PageCursor after, int limit) {
    return run(() -> {
      synchronized (lock) {
        return byCreation(networks.values().stream()
            .filter(n -> n.region().equals(place.region()) && n.projectId().equals(place.project())).toList(),
            after, limit);
      }
    });
  }

  @Override
  public Future<List<Subnet>> subnetsOf(Place place, String networkId) {
    return run(() -> {
      synchronized (lock) {
        return subnetsOfLocked(place, networkId);
      }
    });
  }

  /** {@link #subnetsOf}; caller holds the lock. */
  private List<Subnet> subnetsOfLocked(Place place, String networkId) {
    return subnets.values().stream()
        .filter(s -> s.region().equals(place.region()) && s.projectId().equals(place.project())
            && s.networkId().equals(networkId))
        .sorted(Comparator.comparing(Subnet::createdAt).thenComparing(Subnet::id)).toList();
  }

  @Override
  public Future<Subnet> getSubnet(Place place, String id) {
    return run(() -> {
      synchronized (lock) {
        return found(subnets.get(key(place, id)), "subnet", id);
      }
    });
  }

  @Override
  public Future<Page<Subnet>> listSubnets(Place place, PageCursor after, int limit) {
    return run(() -> {
      synchronized (lock) {
        return byCreation(subnets.values().stream()
            .filter(s -> s.region().equals(place.region()) && s.projectId().equals(place.project())).toList(),
            after, limit);
      }
    });
  }

  @Override
  public Future<Address> allocate(Allocation allocation) {
    return run(() -> {
      synchronized (lock) {
        Address a = allocation.address();
        Place place = new Place(a.region(), a.projectId());
        String rangeUid;
        String exhaustedKind;
        if (a.poolId() != null) {
          AddressPool pool = found(pools.get(poolKey(a.region(), a.poolId())), "address pool", a.poolId());
          rangeUid = pool.uid().toString();
          exhaustedKind = "pool";
        } else {
          found(networks.get(key(place, a.networkId())), "network", a.networkId());
          Subnet s = found(subnets.get(key(place, a.subnetId())), "subnet", a.subnetId());
          rangeUid = s.uid().toString();
          exhaustedKind = "subnet";
        }
        if (!projectExists.test(a.projectId())) {
          throw ApiException.notFound("project", a.projectId());
        }
        if (addresses.containsKey(key(place, a.id()))) {
          throw IpamErrors.exists("address", a.id());
        }
        if (a.poolId() != null && allocation.externalLimit() > 0 && addresses.values().stream()
            .filter(x -> x.poolId() != null && x.region().equals(place.region())
                && x.projectId().equals(place.project())).count() >= allocation.externalLimit()) {
          throw IpamErrors.quotaExceeded(a.projectId(), a.region(), allocation.externalLimit());
        }
        AddressRange range = allocation.range();
        NavigableSet<BigInteger> used = taken.computeIfAbsent(rangeUid, k -> new TreeSet<>());
        BigInteger value;
        if (a.ipAddress() != null) {
          value = new IPAddressString(a.ipAddress()).getAddress().getValue();
          if (used.contains(value)) {
            throw IpamErrors.inUse(a.ipAddress(), exhaustedKind.equals("pool") ? "address pool '" + a.poolId() + "'"
                : "subnet '" + a.subnetId() + "'");
          }
        } else {
          value = pick(range, used);
          if (value == null) {
            throw exhaustedKind.equals("pool")
                ? IpamErrors.poolExhausted("every usable address of address pool '" + a.poolId() + "' ("
                    + range.cidr() + ") is allocated")
                : IpamErrors.subnetExhausted(a.subnetId(), range.cidr());
          }
          a = a.withIpAddress(range.text(value));
        }
        Change change = events.created(a);
        used.add(value);
        addresses.put(key(place, a.id()), a);
        released.remove(key(place, a.id()));
        events.record(change);
        return a;
      }
    });
  }

  /** The next free usable value after a random start (wrapping once), or null when the range is full. */
  private BigInteger pick(AddressRange range, NavigableSet<BigInteger> used) {
    if (BigInteger.valueOf(used.size()).compareTo(range.capacity()) >= 0) {
      return null;
    }
    BigInteger start = range.random(random);
    BigInteger v = AddressRange.firstGap(start, used.subSet(start, true, range.hi(), true));
    if (v.compareTo(range.hi()) <= 0) {
      return v;
    }
    v = AddressRange.firstGap(range.lo(), used.subSet(range.lo(), true, start, false));
    return v.compareTo(start) < 0 ? v : null;
  }

  @Override
  public Future<Address> getAddress(Place place, String id) {
    return run(() -> {
      synchronized (lock) {
        return found(addresses.get(key(place, id)), "address", id);
      }
    });
  }

  @Override
  public Future<Page<Address>> listAddresses(Place place, PageCursor after, int limit) {
    return run(() -> {
      synchronized (lock) {
        List<Address> all = sorted(addresses.values().stream()
            .filter(a -> a.region().equals(place.region()) && a.projectId().equals(place.project())).toList());
        List<Address> page = new ArrayList<>();
        for (Address a : all) {
          if (after != null && listKey(a).compareTo(after.id()) <= 0) {
            continue;
          }
          if (page.size() == limit) {
            return new Page<>(page, new PageCursor(Instant.EPOCH, listKey(page.get(page.size() - 1))));
          }
          page.add(a);
        }
        return new Page<>(page, null);
      }
    });
  }

  /** The list order key of an address: {@link AddressRange#sortKey} then the id. */
  static String listKey(Address a) {
    return AddressRange.sortKey(new IPAddressString(a.ipAddress()).getAddress()) + "/" + a.id();
  }

  private static List<Address> sorted(List<Address> list) {
    List<Address> copy = new ArrayList<>(list);
    copy.sort(Comparator.comparing(InMemoryIpamStore::listKey));
    return copy;
  }

  @Override
  public Future<Released> releaseAddress(Place place, String id, Long expectedVersion) {
    return run(() -> {
      synchronized (lock) {
        Instant now = Instant.now();
        released.values().removeIf(at -> at.isBefore(now.minus(RELEASE_MEMORY)));
        Address a = addresses.get(key(place, id));
        if (a == null) {
          if (released.containsKey(key(place, id))) {
            return Released.ALREADY_RELEASED;
          }
          throw ApiException.notFound("address", id);
        }
        checkVersion(a, expectedVersion, "address", id);
        if (Address.IN_USE.equals(a.status())) {
          throw IpamErrors.addressInUse(id);
        }
        Change change = events.deleted(a);
        addresses.remove(key(place, id));
        String rangeUid = a.poolId() != null ? pools.get(poolKey(a.region(), a.poolId())).uid().toString()
            : subnets.get(key(place, a.subnetId())).uid().toString();
        NavigableSet<BigInteger> used = taken.get(rangeUid);
        if (used != null) {
          used.remove(new IPAddressString(a.ipAddress()).getAddress().getValue());
        }
        released.put(key(place, id), now);
        events.record(change);
        return Released.RELEASED;
      }
    });
  }

  @Override
  public Future<Address> updateAddressStatus(Address updated) {
    return run(() -> {
      synchronized (lock) {
        Place place = new Place(updated.region(), updated.projectId());
        Address cur = found(addresses.get(key(place, updated.id())), "address", updated.id());
        if (cur.version() != updated.version() - 1) {
          throw ApiException.preconditionFailed("address '" + updated.id() + "' was changed meanwhile");
        }
        Address stored = cur.withStatus(updated.status(), updated.updatedAt());
        Change change = events.updated(stored);
        addresses.put(key(place, cur.id()), stored);
        events.record(change);
        return stored;
      }
    });
  }

  @Override
  public Future<AddressPool> createPool(AddressPool pool) {
    return run(() -> {
      synchronized (lock) {
        if (pools.containsKey(poolKey(pool.region(), pool.id()))) {
          throw IpamErrors.exists("address pool", pool.id());
        }
        IPAddress block = new IPAddressString(pool.cidr()).getAddress();
        for (Network n : networks.values()) {
          IPAddress o = new IPAddressString(n.cidr()).getAddress();
          if (n.region().equals(pool.region()) && o.getIPVersion() == block.getIPVersion()
              && (o.contains(block) || block.contains(o))) {
            throw IpamErrors.poolOverlapsNetworks(pool.cidr());
          }
        }
        for (AddressPool other : pools.values()) {
          if (other.region().equals(pool.region())) {
            IPAddress o = new IPAddressString(other.cidr()).getAddress();
            if (o.getIPVersion() == block.getIPVersion() && (o.contains(block) || block.contains(o))) {
              throw IpamErrors.poolOverlap(pool.cidr(), other.id(), other.cidr());
            }
          }
        }
        Change change = events.created(pool);
        pools.put(poolKey(pool.region(), pool.id()), pool);
        events.record(change);
        return pool;
      }
    });
  }

  @Override
  public Future<AddressPool> getPool(String region, String id) {
    return run(() -> {
      synchronized (lock) {
        return found(pools.get(poolKey(region, id)), "address pool", id);
      }
    });
  }

  @Override
  public Future<Page<AddressPool>> listPools(String region, PageCursor after, int limit) {
    return run(() -> {
      synchronized (lock) {
        return byCreation(pools.values().stream().filter(p -> p.region().equals(region)).toList(), after, limit);
      }
    });
  }

  @Override
  public Future<Void> deletePool(String region, String id, Long expectedVersion) {
    return run(() -> {
      synchronized (lock) {
        AddressPool cur = found(pools.get(poolKey(region, id)), "address pool", id);
        checkVersion(cur, expectedVersion, "address pool", id);
        List<Address> blockers = sorted(addresses.values().stream()
            .filter(a -> a.region().equals(region) && id.equals(a.poolId())).toList());
        if (!blockers.isEmpty()) {
          throw IpamErrors.stillAllocated("address pool", id, blockers, blockers.size());
        }
        Change change = events.deleted(cur);
        pools.remove(poolKey(region, id));
        taken.remove(cur.uid().toString());
        events.record(change);
        return null;
      }
    });
  }

  private static <T extends Resource> Page<T> byCreation(List<T> items, PageCursor after, int limit) {
    Comparator<Resource> order = Comparator.comparing(Resource::createdAt).thenComparing(Resource::id);
    List<T> sorted = new ArrayList<>(items);
    sorted.sort(order);
    List<T> page = new ArrayList<>();
    for (T t : sorted) {
      if (after != null && (t.createdAt().isBefore(after.createdAt())
          || t.createdAt().equals(after.createdAt()) && t.id().compareTo(after.id()) <= 0)) {
        continue;
      }
      if (page.size() == limit) {
        T last = page.get(page.size() - 1);
        return new Page<>(page, new PageCursor(last.createdAt(), last.id()));
      }
      page.add(t);
    }
    return new Page<>(page, null);
  }

}
