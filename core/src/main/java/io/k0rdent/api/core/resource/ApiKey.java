package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An API key (upstream schema {@code ApiKey}, operations {@code createApiKey}..{@code rotateApiKey}):
 * presented with the {@code api_key} grant as {@code plt_sk_<id>_<random>}. Its tokens act for
 * {@code createdBy} (a principal's {@code sub}), with roles = {@code roles} ∩ the creator's roles at mint
 * time (the creator's roles when {@code roles} is empty), within {@code scope}/{@code scopeId} of
 * {@code organizationId}.
 *
 * <p>Only keyed hashes of secrets are kept. After a rotation with a grace period,
 * {@code previousSecretHash} stays valid until {@code previousSecretExpiresAt}. {@code status} is stored
 * as {@link #ACTIVE} or {@link #DISABLED}; the API shows {@link #EXPIRED} from {@code expiresAt} on
 * (terminal). Immutable: {@code organizationId}, {@code scope}, {@code scopeId}, {@code expiresAt},
 * {@code createdBy}, {@code creatorType}.
 *
 * @param creatorType the creator's {@code principal_type} ({@code user}, {@code service_account})
 */
public record ApiKey(String id, UUID uid, String organizationId, String scope, String scopeId, List<String> roles,
                     String status, Instant expiresAt, String createdBy, String creatorType, String secretHash,
                     String previousSecretHash, Instant previousSecretExpiresAt, Instant lastRotatedAt,
                     Instant lastUsedAt, String lastUsedIp, String displayName, String description,
                     Instant createdAt, Instant updatedAt, long version) implements Resource {

  public static final String ACTIVE = "active";
  public static final String DISABLED = "disabled";
  public static final String EXPIRED = "expired";

  public ApiKey {
    roles = roles == null ? List.of() : List.copyOf(roles);
  }

  /** True when not expired at {@code now} (disabled keys are not expired). */
  public boolean unexpiredAt(Instant now) {
    return expiresAt == null || now.isBefore(expiresAt);
  }

  /** The status the API shows at {@code now}: {@link #EXPIRED} once past {@code expiresAt}, else the stored one. */
  public String statusAt(Instant now) {
    return unexpiredAt(now) ? status : EXPIRED;
  }

  /** The same key with the updatable metadata replaced, the version bumped and {@code updatedAt = now}. */
  public ApiKey withChanges(String displayName, String description, List<String> roles, String status, Instant now) {
    return new ApiKey(id, uid, organizationId, scope, scopeId, roles, status, expiresAt, createdBy, creatorType,
        secretHash, previousSecretHash, previousSecretExpiresAt, lastRotatedAt, lastUsedAt, lastUsedIp, displayName,
        description, createdAt, now, version + 1);
  }

  /** The key after a rotation at {@code now}: a new secret hash, the old one valid until {@code previousUntil}. */
  public ApiKey rotated(String newSecretHash, Instant previousUntil, Instant now) {
    return new ApiKey(id, uid, organizationId, scope, scopeId, roles, status, expiresAt, createdBy, creatorType,
        newSecretHash, secretHash, previousUntil, now, lastUsedAt, lastUsedIp, displayName, description, createdAt,
        now, version + 1);
  }
}
