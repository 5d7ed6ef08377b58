package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A project, the grouping of resources inside one organization; upstream schema {@code Project},
 * operations {@code createProject}..{@code deleteProject}. {@code organizationId} is immutable.
 */
public record Project(String id, UUID uid, String organizationId, String displayName, String description,
                      Instant createdAt, Instant updatedAt, long version) implements Resource {

  /** The same project with the updatable fields replaced, the version bumped and {@code updatedAt = now}. */
  public Project withChanges(String displayName, String description, Instant now) {
    return new Project(id, uid, organizationId, displayName, description, createdAt, now, version + 1);
  }
}
