package io.k0rdent.api.core.auth;

import io.k0rdent.api.core.resource.ApiKey;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * The credential rules, in one place, for the token endpoint (is this secret good, and what may its
 * token do) and for every later use of a token (is what minted it still good). Answers from
 * {@link AuthState}; thread-safe; never blocks.
 *
 * <p>Secrets: service-account client secrets read {@code plt_cs_<credentialId>_<random>} and API keys
 * {@code plt_sk_<keyId>_<random>}, so the stored hash is found by id and compared in constant time
 * ({@link SecretHasher#matches}); unknown ids cost the same one HMAC as known ones.
 */
public final class CredentialChecks {

  /** Prefix of service-account client secrets. */
  public static final String CLIENT_SECRET_PREFIX = "plt_cs_";
  /** Prefix of API key secrets. */
  public static final String API_KEY_PREFIX = "plt_sk_";

  /**
   * Who a good credential mints tokens for, with its role ceiling before any narrowing: null when the
   * token acts with all its principal's grants (client credentials, an API key without roles), else the
   * roles it may use at most (an API key's {@code roles}).
   *
   * @param usageKind what {@link AuthState#recordUse} records, or null (configured clients)
   */
  public record Grantee(AccessTokenIssuer.Claims claims, List<String> roles, AuthState.Kind usageKind,
                        String usageId) {}

  private final AuthState state;
  private final ClientRegistry configured;
  private final SecretHasher hasher;
  private final String dummyHash;

  public CredentialChecks(AuthState state, ClientRegistry configured, SecretHasher hasher) {
    this.state = state;
    this.configured = configured;
    this.hasher = hasher;
    this.dummyHash = hasher.hash("\u0000");
  }

  /** The id inside {@code prefix<id>_<random>}, or null when the secret has another shape (the id must be a slug). */
  public static String idIn(String secret, String prefix) {
    if (secret == null || !secret.startsWith(prefix)) {
      return null;
    }
    int end = secret.indexOf('_', prefix.length());
    String id = end <= prefix.length() ? null : secret.substring(prefix.length(), end);
    return io.k0rdent.api.core.resource.Slugs.isValid(id) ? id : null;
  }

  /** A token bound to a credential's uid ({@code credential_uid}) is good only for that very credential. */
  private static boolean sameUid(Principal p, java.util.UUID uid) {
    return p.credentialUid() == null || p.credentialUid().equals(uid.toString());
  }

  /**
   * A token cannot be older than what it was minted with: an id re-used by a new credential, key or
   * account (after the old one was deleted) must not bring the old one's tokens back. Compared in whole
   * seconds, the precision of {@code iat}.
   */
  private static boolean notOlderThan(Principal p, Instant createdAt) {
    return p.issuedAt() != null && createdAt != null && p.issuedAt().getEpochSecond() >= createdAt.getEpochSecond();
  }

  /**
   * {@code client_credentials} (RFC 6749 §4.4): the grantee when {@code secret} is a current secret of
   * client {@code clientId} (a configured client, or an active service account with an unexpired
   * credential); null otherwise (the caller answers {@code invalid_client}).
   */
  public Future<Grantee> clientCredentials(String clientId, String secret, Instant now) {
    ClientRegistry.Client c = configured.byClientId(clientId);
    if (c != null) {
      if (!hasher.matches(secret, c.secretHash())) {
        return Future.succeededFuture();
      }
      return Future.succeededFuture(new Grantee(new AccessTokenIssuer.Claims(c.subject(), c.type(), c.clientId(),
          c.tenantId(), c.scope(), c.scopeId(), c.credentialId(), null), null, null, null));
    }
    String credentialId = idIn(secret, CLIENT_SECRET_PREFIX);
    if (credentialId == null) {
      hasher.matches(secret == null ? "" : secret, dummyHash);
      return Future.succeededFuture();
    }
    return state.credential(credentialId).compose(cred -> {
      if (!hasher.matches(secret, cred == null ? dummyHash : cred.secretHash()) || cred == null
          || !cred.activeAt(now)) {
        return Future.succeededFuture();
      }
      return state.serviceAccount(cred.serviceAccountId()).map(sa -> {
        if (sa == null || !sa.active() || !sa.clientId().equals(clientId)) {
          return null;
        }
        return new Grantee(new AccessTokenIssuer.Claims(sa.clientId(), PrincipalType.SERVICE_ACCOUNT, sa.clientId(),
            sa.organizationId(), sa.scope(), sa.scopeId(), cred.id(), null, cred.uid().toString(), false), null,
            AuthState.Kind.CREDENTIAL, cred.id());
      });
    });
  }

  /**
   * The {@code api_key} grant: the grantee when {@code secret} is the current secret of an active,
   * unexpired key (or its previous secret within the rotation grace period) whose creator is still
   * active; null otherwise ({@code invalid_grant}). Its token acts for the creator, capped by the key's
   * roles when it names any.
   */
  public Future<Grantee> apiKey(String secret, Instant now) {
    String keyId = idIn(secret, API_KEY_PREFIX);
    if (keyId == null) {
      hasher.matches(secret == null ? "" : secret, dummyHash);
      return Future.succeededFuture();
    }
    return state.apiKey(keyId).compose(key -> {
      boolean current = hasher.matches(secret, key == null ? dummyHash : key.secretHash());
      boolean previous = key != null && key.previousSecretHash() != null && key.previousSecretExpiresAt() != null
          && now.isBefore(key.previousSecretExpiresAt()) && hasher.matches(secret, key.previousSecretHash());
      if (key == null || !(current || previous) || !ApiKey.ACTIVE.equals(key.statusAt(now))) {
        return Future.succeededFuture();
      }
      return active(key.createdBy(), PrincipalType.fromClaim(key.creatorType()), key.createdAt()).map(active -> {
        if (!active) {
          return null;
        }
        List<String> roles = key.roles().isEmpty() ? null : key.roles();
        return new Grantee(new AccessTokenIssuer.Claims(key.createdBy(), PrincipalType.API_KEY, key.id(),
            key.organizationId(), key.scope(), key.scopeId(), key.id(), null, key.uid().toString(), false), roles,
            AuthState.Kind.API_KEY, key.id());
      });
    });
  }

  /**
   * Whether principal {@code subject} of {@code type} exists and is active now, and already existed at
   * {@code existedAt} when that is not null (a later principal re-using the id of a deleted one does not
   * inherit its keys). Service accounts: a configured client, or the stored account of the client id (its
   * id is the part before {@code @}); users: the stored user.
   */
  public Future<Boolean> active(String subject, PrincipalType type, Instant existedAt) {
    if (subject == null) {
      return Future.succeededFuture(false);
    }
    if (type == PrincipalType.USER) {
      return state.user(subject).map(u -> u != null && u.active()
          && (existedAt == null || !u.createdAt().isAfter(existedAt)));
    }
    if (type != PrincipalType.SERVICE_ACCOUNT) {
      return Future.succeededFuture(false);
    }
    if (configured.bySubject(subject) != null) {
      return Future.succeededFuture(true);
    }
    int at = subject.indexOf('@');
    if (at <= 0) {
      return Future.succeededFuture(false);
    }
    return state.serviceAccount(subject.substring(0, at))
        .map(sa -> sa != null && sa.active() && sa.clientId().equals(subject)
            && (existedAt == null || !sa.createdAt().isAfter(existedAt)));
  }

  /**
   * Whether what minted the token of {@code p} is still good at {@code now}: the credential exists and is
   * unexpired and its service account is active (client_credentials); the key exists, is active and
   * unexpired, and its creator is active (api_key); and none of them was created after the token
   * (a re-used id). Revocation by {@code jti} is checked separately.
   */
  public Future<Boolean> live(Principal p, Instant now) {
    if (p.type() == PrincipalType.SERVICE_ACCOUNT) {
      ClientRegistry.Client c = configured.byClientId(p.subject());
      if (c != null) {
        return Future.succeededFuture(c.credentialId().equals(p.credentialId()));
      }
      return state.credential(p.credentialId()).compose(cred -> {
        if (cred == null || !cred.activeAt(now) || !notOlderThan(p, cred.createdAt())
            || !sameUid(p, cred.uid())) {
          return Future.succeededFuture(false);
        }
        return state.serviceAccount(cred.serviceAccountId())
            .map(sa -> sa != null && sa.active() && sa.clientId().equals(p.subject()) && notOlderThan(p, sa.createdAt()));
      });
    }
    if (p.type() == PrincipalType.API_KEY) {
      return state.apiKey(p.credentialId()).compose(key -> {
        if (key == null || !ApiKey.ACTIVE.equals(key.statusAt(now)) || !key.createdBy().equals(p.subject())
            || !notOlderThan(p, key.createdAt()) || !sameUid(p, key.uid())) {
          return Future.succeededFuture(false);
        }
        return active(key.createdBy(), PrincipalType.fromClaim(key.creatorType()), key.createdAt());
      });
    }
    return Future.succeededFuture(false);
  }
}
