package io.k0rdent.api.core.store;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Map;

/**
 * Revoked access tokens (RFC 7009), by {@code jti}, kept until the token would have expired, so that a
 * cluster restart forgets no revocation.
 */
public interface RevocationStore {

  /** Records {@code jti} as revoked until {@code expiresAt}; revoking twice keeps the later expiry. */
  Future<Void> revoke(String jti, Instant expiresAt);

  /** Every revocation whose token expires after {@code now}: jti → expiry. Drops the expired ones. */
  Future<Map<String, Instant>> active(Instant now);
}
