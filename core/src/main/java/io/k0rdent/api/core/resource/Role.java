package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A custom role of one organization (upstream schema {@code Role}, operations {@code createRole}..
 * {@code deleteRole}): a named set of {@code permissions} ({@code service.resource.verb}, wildcards allowed).
 * Predefined roles live in code, not in the store. Immutable: {@code organizationId} (the owner).
 * Updatable: {@code displayName}, {@code description}, {@code permissions} (order kept).
 */
public record Role(String id, UUID uid, String organizationId, String displayName, String description,
                   List<String> permissions, Instant createdAt, Instant updatedAt, long version) implements Resource {

  public Role {
    permissions = permissions == null ? List.of() : List.copyOf(permissions);
  }

  /** The same role with the updatable fields replaced, the version bumped and {@code updatedAt = now}. */
  public Role withChanges(String displayName, String description, List<String> permissions, Instant now) {
    return new Role(id, uid, organizationId, displayName, description, permissions, createdAt, now, version + 1);
  }
}
