package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A network of one project in one region; upstream schema {@code Network}, operations
 * {@code createNetwork}..{@code deleteNetwork}. {@code cidr} is canonical and immutable; only
 * {@code displayName} and {@code description} change. Its id is unique within (region, project).
 */
public record Network(String region, String projectId, String id, UUID uid, String displayName, String description,
                      String cidr, Instant createdAt, Instant updatedAt, long version) implements Resource {

  /** The same network with the updatable fields replaced, the version bumped and {@code updatedAt = now}. */
  public Network withChanges(String displayName, String description, Instant now) {
    return new Network(region, projectId, id, uid, displayName, description, cidr, createdAt, now, version + 1);
  }
}
