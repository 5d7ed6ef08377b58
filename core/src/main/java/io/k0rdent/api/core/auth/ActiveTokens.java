package io.k0rdent.api.core.auth;

import io.k0rdent.api.core.error.ApiException;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * The one answer to "is this access token good now, and what may it do", for API calls and for
 * introspection alike: the signature and claims are verified once per token ({@link VerifiedTokens});
 * then on every call the {@code jti} must not be revoked, what minted it must still be good
 * ({@link CredentialChecks#live}) and its role set (a role ceiling), when it has one, must resolve. Not thread-safe (its verifier is
 * thread-confined): one per verticle instance.
 *
 * <p>Made over a {@link SigningKeyRing}, it follows key rotations: when the ring's snapshot changed, the
 * verifier is rebuilt before the next check; remembered tokens are forgotten only when a key was removed
 * (tokens signed by keys still held stay valid).
 */
public final class ActiveTokens {

  private final VerifiedTokens verified;
  private final CredentialChecks checks;
  private final AuthState state;
  private final SigningKeyRing ring;
  private final String issuer;
  private final String audience;
  private SigningKeys built;
  private AccessTokenVerifier verifier;

  /** Over one fixed verifier: keys never change. */
  public ActiveTokens(AccessTokenVerifier verifier, CredentialChecks checks, AuthState state, int capacity) {
    this.verified = new VerifiedTokens(t -> verifier.verify(t, Instant.now()), capacity);
    this.checks = checks;
    this.state = state;
    this.verifier = verifier;
    this.ring = null;
    this.issuer = null;
    this.audience = null;
  }

  /**
   * Over the keys of {@code ring}, following its changes.
   *
   * @param issuer   the {@code iss} tokens must carry
   * @param audience the {@code aud} tokens must include
   * @param capacity tokens remembered as verified at most ({@link VerifiedTokens})
   */
  public ActiveTokens(SigningKeyRing ring, String issuer, String audience, CredentialChecks checks, AuthState state,
                      int capacity) {
    this.verified = new VerifiedTokens(t -> verifier.verify(t, Instant.now()), capacity);
    this.checks = checks;
    this.state = state;
    this.ring = ring;
    this.issuer = issuer;
    this.audience = audience;
    follow();
  }

  /** Rebuilds the verifier when the ring's snapshot changed; forgets verified tokens when a key left. */
  private void follow() {
    if (ring == null) {
      return;
    }
    SigningKeys now = ring.keys();
    if (now == built) {
      return;
    }
    AccessTokenVerifier v = new AccessTokenVerifier(now, issuer, audience);
    if (built != null && !now.kids().containsAll(built.kids())) {
      verified.clear();
    }
    built = now;
    verifier = v;
  }

  private static ApiException inactive() {
    return new ApiException(401, "INVALID_TOKEN", "the access token is no longer active", List.of());
  }

  /**
   * The principal of {@code token}, roles resolved. Fails 401 {@code INVALID_TOKEN} when the token is
   * not acceptable or no longer active, 503 when that cannot be decided (never a guess either way).
   */
  public Future<Principal> check(String token, Instant now) {
    Principal p;
    try {
      follow();
      p = verified.principal(token, now);
    } catch (ApiException e) {
      if (ring != null && AccessTokenVerifier.UNKNOWN_KEY.equals(e.getMessage())) {
        // signed by a key rotated in elsewhere a moment ago? reload (rate-limited) and look once more
        return ring.reloadForUnknownKey().compose(k -> {
          follow();
          return afterVerification(verified.principal(token, now), now);
        });
      }
      return Future.failedFuture(e);
    }
    return afterVerification(p, now);
  }

  private Future<Principal> afterVerification(Principal p, Instant now) {
    if (state.isRevoked(p.tokenId()) || revokedWholesale(p)) {
      return Future.failedFuture(inactive());
    }
    return checks.live(p, now).compose(live -> {
      if (!live) {
        return Future.failedFuture(inactive());
      }
      if (p.roleSetId() == null) {
        return Future.succeededFuture(p); // no role ceiling: the principal's grants
      }
      return state.roleSet(p.roleSetId()).compose(roles -> roles == null
          ? Future.failedFuture(inactive()) : Future.succeededFuture(p.withRoles(roles)));
    });
  }

  /**
   * Whether the token was minted before its principal or credential was disabled: disabling revokes every
   * token of it that expires before the marker does (tokens minted after a re-enable expire later).
   */
  private boolean revokedWholesale(Principal p) {
    Instant bySubject = state.revokedUntil(AuthState.allTokensOfSubject(p.subject()));
    if (bySubject != null && !p.expiresAt().isAfter(bySubject)) {
      return true;
    }
    Instant byCredential = p.credentialId() == null ? null
        : state.revokedUntil(p.type() == PrincipalType.API_KEY ? AuthState.allTokensOfApiKey(p.credentialId())
            : AuthState.allTokensOfCredential(p.credentialId()));
    return byCredential != null && !p.expiresAt().isAfter(byCredential);
  }

  /** The verified claims of {@code token} without the liveness checks; throws 401 when unacceptable. */
  public Principal claims(String token, Instant now) {
    follow();
    return verified.principal(token, now);
  }
}
