package io.k0rdent.api.core.auth;

import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The live state every token decision consults (mint, introspect, each API call): credentials, the
 * principals that own them, revoked {@code jti}s and role sets. Every method may be called on an event
 * loop: none blocks. A lookup that cannot be answered (store or cluster cache down) fails with a 503
 * {@code ApiException}, never with a guess, so auth fails closed.
 *
 * <p>Implementations: the Hazelcast one in {@code verticles} (near caches, a reliable topic; what nodes
 * run) and {@link DirectAuthState} (reads the store; one process, tests).
 */
public interface AuthState {

  /** The kinds of entries {@link #changed} invalidates. */
  enum Kind { SERVICE_ACCOUNT, CREDENTIAL, API_KEY }

  /** The service account with {@code id}, or null when there is none. */
  Future<ServiceAccount> serviceAccount(String id);

  /** The credential with {@code id}, or null when there is none. */
  Future<ServiceAccountCredential> credential(String id);

  /** The API key with {@code id}, or null when there is none. */
  Future<ApiKey> apiKey(String id);

  /**
   * Call after a committed store change (create, update, delete) of {@code kind}/{@code id}: every node
   * answers from the new state within 1 s. The future completes when this node's copy is dropped.
   */
  Future<Void> changed(Kind kind, String id);

  /** Whether {@code jti} is revoked. Memory only, no I/O. */
  default boolean isRevoked(String jti) {
    return revokedUntil(jti) != null;
  }

  /**
   * Until when {@code key} is revoked, or null when it is not (or no longer). Memory only, no I/O. Keys
   * are {@code jti}s and the markers {@link #allTokensOfSubject} and {@link #allTokensOfCredential}.
   */
  Instant revokedUntil(String key);

  /** The marker revoking every token of principal {@code sub} that expires before the marker does. */
  static String allTokensOfSubject(String sub) {
    return "sub:" + sub;
  }

  /** The marker revoking every token minted with credential or API key {@code id} expiring before it. */
  static String allTokensOfCredential(String id) {
    return "cred:" + id;
  }

  /**
   * Revokes {@code jti} until {@code expiresAt} (RFC 7009): recorded durably, then refused on every node
   * within 1 s. Completes when stored and refused on this node.
   */
  Future<Void> revoke(String jti, Instant expiresAt);

  /** The id of this set of roles (stored first when new): {@link RoleSets#idOf}. */
  Future<String> roleSetId(Collection<String> roles);

  /** The roles stored under a role-set id, or null when the id is unknown. */
  Future<List<String>> roleSet(String id);

  /** Notes a successful use of a credential or API key; written to the store in batches, not per call. */
  void recordUse(Kind kind, String id, Instant at, String ip);

  /** Writes pending uses and releases what this holds. */
  Future<Void> close();
}
