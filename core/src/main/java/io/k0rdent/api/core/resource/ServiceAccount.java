package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A service account (upstream schema {@code ServiceAccount}, operations {@code createServiceAccount}..
 * {@code deleteServiceAccount}): a machine principal of one organization, scoped to
 * {@code organization} or {@code project} {@code scopeId}, authenticating with {@code client_credentials}
 * as {@code clientId} and one of its {@link ServiceAccountCredential}s. {@code roles} are grants at its
 * scope. Immutable: {@code organizationId}, {@code clientId}, {@code scope}, {@code scopeId},
 * {@code createdBy}. {@code status} is {@link #ACTIVE} or {@link #DISABLED}.
 */
public record ServiceAccount(String id, UUID uid, String organizationId, String clientId, String scope,
                             String scopeId, List<String> roles, String status, String displayName,
                             String description, String createdBy, Instant createdAt, Instant updatedAt,
                             long version) implements Resource {

  public static final String ACTIVE = "active";
  public static final String DISABLED = "disabled";

  public ServiceAccount {
    roles = roles == null ? List.of() : List.copyOf(roles);
  }

  /** The {@code clientId} of account {@code id} in {@code organizationId}: {@code <id>@<organizationId>.iam}. */
  public static String clientIdOf(String id, String organizationId) {
    return id + "@" + organizationId + ".iam";
  }

  public boolean active() {
    return ACTIVE.equals(status);
  }

  /** The same account with the updatable fields replaced, the version bumped and {@code updatedAt = now}. */
  public ServiceAccount withChanges(String displayName, String description, List<String> roles, String status,
                                    Instant now) {
    return new ServiceAccount(id, uid, organizationId, clientId, scope, scopeId, roles, status, displayName,
        description, createdBy, createdAt, now, version + 1);
  }
}
