package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A user of one organization (upstream schema {@code User}, operations {@code listUsers}..{@code deleteUser}).
 * {@code email} is unique within the organization, compared without regard to ASCII case
 * ({@link #emailKey}); it is stored and shown as given. Immutable: {@code organizationId}, {@code email}.
 * Updatable: {@code displayName}, {@code status} ({@link #ACTIVE}, {@link #SUSPENDED} or {@link #DISABLED}).
 * The contract's {@code roles} are not stored here: a user's grants are {@link Policy} bindings.
 */
public record User(String id, UUID uid, String organizationId, String email, String displayName, String status,
                   Instant createdAt, Instant updatedAt, long version) implements Resource {

  public static final String ACTIVE = "active";
  public static final String SUSPENDED = "suspended";
  public static final String DISABLED = "disabled";

  /**
   * The form in which emails are compared (uniqueness in an organization, the {@code email} list filter):
   * ASCII letters in lower case, everything else as is. PostgreSQL's {@code lower(email COLLATE "C")}
   * gives the same, whatever the database's locale.
   */
  public static String emailKey(String email) {
    if (email == null) {
      return null;
    }
    char[] c = email.toCharArray();
    for (int i = 0; i < c.length; i++) {
      if (c[i] >= 'A' && c[i] <= 'Z') {
        c[i] = (char) (c[i] + ('a' - 'A'));
      }
    }
    return new String(c);
  }

  public boolean active() {
    return ACTIVE.equals(status);
  }

  /** The same user with the updatable fields replaced, the version bumped and {@code updatedAt = now}. */
  public User withChanges(String displayName, String status, Instant now) {
    return new User(id, uid, organizationId, email, displayName, status, createdAt, now, version + 1);
  }
}
