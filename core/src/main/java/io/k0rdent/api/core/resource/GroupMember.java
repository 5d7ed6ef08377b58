package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A user's membership of a group (upstream schema {@code GroupMember}, operations {@code addGroupMember}..
 * {@code removeGroupMember}): {@code id} is server-generated; a user is a member of a group at most once,
 * and only of groups of its own organization. Nothing is updatable (remove and add again). The contract's
 * {@code addedAt} is {@code createdAt}; its {@code displayName} and {@code email} are the user's, read
 * when shown.
 *
 * @param addedBy the principal ({@code sub}) that added the member
 */
public record GroupMember(String id, UUID uid, String groupId, String userId, String addedBy, Instant createdAt,
                          Instant updatedAt, long version) implements Resource {

  /** When the member was added: {@code createdAt}. */
  public Instant addedAt() {
    return createdAt;
  }
}
