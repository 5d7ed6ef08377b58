package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * One allocated IP address of a project in a region; upstream schema {@code Address} (operations
 * {@code allocateAddress}, {@code listAddresses}, {@code getAddress}, {@code releaseAddress}).
 *
 * @param ipAddress   canonical text ({@code 10.0.0.7}, {@code fd00::7})
 * @param ipVersion   {@code IPV4} or {@code IPV6}
 * @param addressType {@code INTERNAL} (from a subnet: {@code networkId} and {@code subnetId} set) or
 *                    {@code EXTERNAL} (from the region's address pool {@code poolId})
 * @param status      {@link #RESERVED} until something binds it, then {@link #IN_USE}
 */
public record Address(String region, String projectId, String id, UUID uid, String displayName, String description,
                      String ipAddress, String ipVersion, String addressType, String networkId, String subnetId,
                      String poolId, String status, Instant createdAt, Instant updatedAt, long version)
    implements Resource {

  public static final String INTERNAL = "INTERNAL";
  public static final String EXTERNAL = "EXTERNAL";
  public static final String RESERVED = "RESERVED";
  public static final String IN_USE = "IN_USE";

  /** The same address with another {@code ipAddress} (an automatic choice filled in by the store). */
  public Address withIpAddress(String ip) {
    return new Address(region, projectId, id, uid, displayName, description, ip, ipVersion, addressType, networkId,
        subnetId, poolId, status, createdAt, updatedAt, version);
  }

  /** The same address with {@code status} changed, the version bumped and {@code updatedAt = now}. */
  public Address withStatus(String status, Instant now) {
    return new Address(region, projectId, id, uid, displayName, description, ipAddress, ipVersion, addressType,
        networkId, subnetId, poolId, status, createdAt, now, version + 1);
  }
}
