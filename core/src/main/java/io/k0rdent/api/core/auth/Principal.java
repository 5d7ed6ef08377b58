package io.k0rdent.api.core.auth;

import java.time.Instant;
import java.util.List;

/**
 * An authenticated caller, as its access token describes it (claims of RFC 9068 §2.2 plus the
 * contract's): {@code sub} (a service account's clientId, or the user an API key acts for),
 * {@code principal_type}, {@code tenant_id} (organization), {@code scope} (organization|project) and
 * {@code scope_id}, {@code client_id}, {@code jti}, {@code iat}, {@code exp}, {@code credential_id} (the
 * credential or API key it was minted with) and {@code role_set} (the id of its roles, see
 * {@link RoleSets}), present only when the token has a role ceiling. {@code roles} is that ceiling once
 * resolved ({@link #withRoles}): null for a token that acts with all its principal's grants
 * ({@link Grants#effective}).
 * {@code credentialUid} binds the token to one credential or key ({@code credential_uid}); {@code narrowed}
 * is true for a token minted with {@code scope_narrowing}.
 */
public record Principal(String subject, PrincipalType type, String tenantId, String scope, String scopeId,
                        String clientId, String tokenId, Instant issuedAt, Instant expiresAt, String credentialId,
                        String roleSetId, List<String> roles, String credentialUid, boolean narrowed) {

  public Principal(String subject, PrincipalType type, String tenantId, String scope, String scopeId, String clientId,
                   String tokenId, Instant issuedAt, Instant expiresAt, String credentialId, String roleSetId,
                   List<String> roles) {
    this(subject, type, tenantId, scope, scopeId, clientId, tokenId, issuedAt, expiresAt, credentialId, roleSetId,
        roles, null, false);
  }

  /** The same principal with its effective roles resolved. */
  public Principal withRoles(List<String> resolved) {
    return new Principal(subject, type, tenantId, scope, scopeId, clientId, tokenId, issuedAt, expiresAt,
        credentialId, roleSetId, List.copyOf(resolved), credentialUid, narrowed);
  }

  /** True when the token reaches the whole of its organization (not confined to a project). */
  public boolean organizationWide() {
    return "organization".equals(scope) && tenantId != null && tenantId.equals(scopeId);
  }
}
