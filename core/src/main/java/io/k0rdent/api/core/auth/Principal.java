package io.k0rdent.api.core.auth;

import java.time.Instant;

/**
 * An authenticated caller, as its access token describes it (claims of RFC 9068 §2.2 plus the
 * contract's): {@code sub} (a service account's clientId, a user id), {@code principal_type},
 * {@code tenant_id} (organization), {@code scope} (organization|folder|project) and {@code scope_id},
 * {@code client_id}, {@code jti} and {@code exp}.
 */
public record Principal(String subject, PrincipalType type, String tenantId, String scope, String scopeId,
                        String clientId, String tokenId, Instant expiresAt) {}
