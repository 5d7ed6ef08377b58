package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A client secret of a service account (upstream schema {@code ServiceAccountCredential}). Only the keyed
 * hash of the secret is kept ({@code secretHash}, see {@code SecretHasher}). Nothing is updatable except
 * the usage fields {@code lastUsedAt}/{@code lastUsedIp}, which are written in batches without a version
 * change. Its status is derived: {@code expired} from {@code expiresAt} on, else {@code active}.
 */
public record ServiceAccountCredential(String id, UUID uid, String serviceAccountId, String secretHash,
                                       Instant expiresAt, String createdBy, Instant lastUsedAt, String lastUsedIp,
                                       Instant createdAt, Instant updatedAt, long version) implements Resource {

  public static final String ACTIVE = "active";
  public static final String EXPIRED = "expired";
  /** Active (unexpired) credentials a service account may hold. */
  public static final int MAX_ACTIVE = 5;

  /** True when unexpired at {@code now}. */
  public boolean activeAt(Instant now) {
    return expiresAt == null || now.isBefore(expiresAt);
  }

  /** {@link #ACTIVE} or {@link #EXPIRED} at {@code now}. */
  public String statusAt(Instant now) {
    return activeAt(now) ? ACTIVE : EXPIRED;
  }
}
