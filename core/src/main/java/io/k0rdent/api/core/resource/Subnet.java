package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A subnet of a network; upstream schema {@code Subnet} (system-managed, read-only: {@code listSubnets},
 * {@code getSubnet}). Every network has one, made with it: the whole IPv4 block, or the first /64 of an
 * IPv6 block; it has the network's id. {@code cidr} is canonical.
 */
public record Subnet(String region, String projectId, String id, UUID uid, String networkId, String cidr,
                     Instant createdAt, Instant updatedAt, long version) implements Resource {}
