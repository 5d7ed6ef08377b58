package io.k0rdent.api.core.store;

import io.k0rdent.api.core.ipam.AddressRange;
import io.k0rdent.api.core.resource.Address;
import io.k0rdent.api.core.resource.AddressPool;
import io.k0rdent.api.core.resource.Network;
import io.k0rdent.api.core.resource.Subnet;
import io.vertx.core.Future;
import java.util.List;

/**
 * The storage port of IPAM: networks and their subnets, allocated addresses and the regions' address pools.
 * Every rule that must hold under concurrency is the store's: two overlapping networks of one project, two
 * overlapping pools of one region, or one address allocated twice from one subnet or pool can never both
 * be stored, whatever the interleaving (PostgreSQL: exclusion and unique constraints; in memory: one lock).
 * Failures are {@link io.k0rdent.api.core.error.ApiException}s with the status the API answers; 503 when
 * the backend cannot be reached. Contract tests: {@code IpamStoreContract} in core's test jar.
 *
 * <p>Network, subnet and address ids are unique within ({@code region}, {@code project}); pool ids within a
 * region. Pages are keyset pages: networks, subnets and pools in ({@code createdAt}, {@code id}) order,
 * addresses in numeric address order (IPv4 before IPv6; {@link AddressRange#sortKey}), then id, with
 * {@link PageCursor#id()} holding that key and {@code createdAt} unused.
 */
public interface IpamStore {

  /** Where project-scoped IPAM resources live. */
  record Place(String region, String project) {}

  /**
   * Stores {@code network} and its default {@code subnet} together. Fails 409 {@code ALREADY_EXISTS} when
   * the id is taken in the place, 409 {@code NETWORK_OVERLAP} (naming the other network and its block)
   * when the block overlaps another network of the project (equal, containing, contained or partial), and
   * 404 when the project does not exist.
   */
  Future<Network> createNetwork(Network network, Subnet subnet);

  /** The network; 404 when absent. */
  Future<Network> getNetwork(Place place, String id);

  /** Compare-and-set of {@code displayName}/{@code description} (as {@link ResourceStore#update}); 404, 412. */
  Future<Network> updateNetwork(Network updated);

  /**
   * Deletes the network and its subnets. 404 when absent, 412 when {@code expectedVersion} (non-null)
   * differs, 409 {@code FAILED_PRECONDITION} while addresses are allocated from it: nothing is deleted, and
   * the error's {@code PreconditionFailure} detail lists them (up to 50).
   */
  Future<Void> deleteNetwork(Place place, String id, Long expectedVersion);

  Future<Page<Network>> listNetworks(Place place, PageCursor after, int limit);

  /** The subnets of network {@code networkId}, oldest first (empty when there is no such network). */
  Future<List<Subnet>> subnetsOf(Place place, String networkId);

  /** The subnet; 404 when absent. */
  Future<Subnet> getSubnet(Place place, String id);

  Future<Page<Subnet>> listSubnets(Place place, PageCursor after, int limit);

  /**
   * What to allocate: {@code address} (its {@code ipAddress} null for an automatic choice) from
   * {@code range}, the block of subnet {@code address.subnetId()} or of pool {@code address.poolId()}.
   *
   * @param externalLimit for an {@code EXTERNAL} address, how many the project may hold in the region at most
   *                      (0: no limit); checked atomically with the insert
   */
  record Allocation(Address address, AddressRange range, int externalLimit) {

    /** Without a limit. */
    public Allocation(Address address, AddressRange range) {
      this(address, range, 0);
    }
  }

  /**
   * Stores the address. A requested address is stored as asked or not at all: 409
   * {@code ADDRESS_IN_USE} when it is taken. An automatic choice is a random usable address of the range
   * (never the first free one: the next free one after a random start) that nobody holds; races are
   * settled by the uniqueness of (range, address) and retried. Fails 409 {@code SUBNET_EXHAUSTED} (or
   * {@code POOL_EXHAUSTED}) when every usable address is taken, 409 {@code ALREADY_EXISTS} when the id is
   * taken in the place, 404 when the subnet, network or pool no longer exists, and 409 {@code QUOTA_EXCEEDED}
   * when the project already holds {@link Allocation#externalLimit()} EXTERNAL addresses in the region.
   */
  Future<Address> allocate(Allocation allocation);

  /** The address; 404 when absent. */
  Future<Address> getAddress(Place place, String id);

  Future<Page<Address>> listAddresses(Place place, PageCursor after, int limit);

  /** What {@link #releaseAddress} did. */
  enum Released { RELEASED, ALREADY_RELEASED }

  /**
   * Releases the address (its number may be handed out again at once). Releasing one that this place
   * released before answers {@link Released#ALREADY_RELEASED} (release is idempotent for its owner, the
   * project); an id never allocated here is a 404. 412 on a version mismatch; 409
   * {@code FAILED_PRECONDITION} while it is {@code IN_USE}.
   */
  Future<Released> releaseAddress(Place place, String id, Long expectedVersion);

  /** Sets an address's {@code status} ({@code RESERVED} / {@code IN_USE}); compare-and-set as updates. */
  Future<Address> updateAddressStatus(Address updated);

  /**
   * Stores a pool. 409 {@code ALREADY_EXISTS} when the id is taken in the region, 409 {@code POOL_OVERLAP}
   * when its block overlaps another pool of the region or a network of any project in the region.
   */
  Future<AddressPool> createPool(AddressPool pool);

  Future<AddressPool> getPool(String region, String id);

  Future<Page<AddressPool>> listPools(String region, PageCursor after, int limit);

  /** Deletes a pool; 404, 412, and 409 {@code FAILED_PRECONDITION} (listing them) while addresses are allocated from it. */
  Future<Void> deletePool(String region, String id, Long expectedVersion);
}
