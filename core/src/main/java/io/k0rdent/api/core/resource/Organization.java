package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A customer organization (tenant); upstream schema {@code Organization}, operations
 * {@code createOrganization}..{@code deleteOrganization}. {@code displayName} and {@code description}
 * may be null (absent).
 */
public record Organization(String id, UUID uid, String displayName, String description,
                           Instant createdAt, Instant updatedAt, long version) implements Resource {

  /** The same organization with the updatable fields replaced, the version bumped and {@code updatedAt = now}. */
  public Organization withChanges(String displayName, String description, Instant now) {
    return new Organization(id, uid, displayName, description, createdAt, now, version + 1);
  }
}
