package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A group of users of one organization (upstream schema {@code Group}, operations {@code createGroup}..
 * {@code deleteGroup}); its members are {@link GroupMember}s, and its {@code memberCount} is counted, not
 * stored. Immutable: {@code organizationId}. Updatable: {@code displayName}, {@code description}.
 */
public record Group(String id, UUID uid, String organizationId, String displayName, String description,
                    Instant createdAt, Instant updatedAt, long version) implements Resource {

  /** The same group with the updatable fields replaced, the version bumped and {@code updatedAt = now}. */
  public Group withChanges(String displayName, String description, Instant now) {
    return new Group(id, uid, organizationId, displayName, description, createdAt, now, version + 1);
  }
}
