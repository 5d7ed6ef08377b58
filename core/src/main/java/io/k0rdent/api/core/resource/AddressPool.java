package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A block of a region's external (routable) addresses that {@code EXTERNAL} addresses are allocated from;
 * our Atlas-only extension {@code /v1/regions/{region}/compute/address-pools}, managed by provider
 * operators. {@code cidr} is canonical and immutable; pools of one region never overlap.
 */
public record AddressPool(String region, String id, UUID uid, String displayName, String description, String cidr,
                          Instant createdAt, Instant updatedAt, long version) implements Resource {}
