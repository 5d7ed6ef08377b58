package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.util.UUID;

/**
 * A policy binding (upstream schema {@code Policy}, operations {@code createPolicy}..{@code deletePolicy}):
 * {@code role} bound to a principal ({@code principalType}, {@code principalId}) at a scope
 * ({@code scopeType}, {@code scopeResource}) with an {@code effect}. {@code organizationId} is the owning
 * organization, null exactly for {@link #PLATFORM}-scope bindings. {@code role} names a predefined role (in
 * code) or a custom {@link Role} of the binding's organization.
 *
 * <p>A binding's role, principal and scope never change (delete it and create another); only
 * {@code displayName} and {@code description} are updatable.
 *
 * @param principalType one of {@link PrincipalRef#TYPES}
 * @param scopeType     {@link #PLATFORM}, {@link #ORG}, {@link #PROJECT} or {@link #RESOURCE}
 * @param scopeResource the scope's resource identifier (for project and resource scopes), or null
 * @param effect        {@link #ALLOW} or {@link #DENY}
 */
public record Policy(String id, UUID uid, String organizationId, String displayName, String description, String role,
                     String principalType, String principalId, String scopeType, String scopeResource, String effect,
                     Instant createdAt, Instant updatedAt, long version) implements Resource {

  public static final String PLATFORM = "platform";
  public static final String ORG = "org";
  public static final String PROJECT = "project";
  public static final String RESOURCE = "resource";
  public static final String ALLOW = "allow";
  public static final String DENY = "deny";

  /** The bound principal. */
  public PrincipalRef principal() {
    return new PrincipalRef(principalType, principalId);
  }

  /** The same binding with the updatable fields replaced, the version bumped and {@code updatedAt = now}. */
  public Policy withChanges(String displayName, String description, Instant now) {
    return new Policy(id, uid, organizationId, displayName, description, role, principalType, principalId, scopeType,
        scopeResource, effect, createdAt, now, version + 1);
  }
}
