package io.k0rdent.api.core.auth;

import io.k0rdent.api.core.auth.policy.Binding;
import io.k0rdent.api.core.auth.policy.RoleDefinition;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The live state every token decision consults (mint, introspect, each API call): credentials, the
 * principals that own them, revoked {@code jti}s, role sets, and the inputs of every principal's grants
 * (bindings, group memberships, custom roles, projects' organizations). Every method may be called on an event
 * loop: none blocks. A lookup that cannot be answered (store or cluster cache down) fails with a 503
 * {@code ApiException}, never with a guess, so auth fails closed.
 *
 * <p>Implementations: the Hazelcast one in {@code verticles} (near caches, a reliable topic; what nodes
 * run) and {@link DirectAuthState} (reads the store; one process, tests).
 */
public interface AuthState {

  /**
   * The kinds of entries {@link #changed} invalidates. {@code BINDINGS} ids are principal keys
   * ({@link #principalKey}: the policy bindings of one user, group or service account); {@code MEMBERSHIPS}
   * ids are user ids (the groups a user is in); {@code ROLE} ids are custom role ids; {@code PROJECT} ids
   * are project ids (their organization); {@code USER} and {@code ORGANIZATION} ids are user and
   * organization ids.
   */
  enum Kind { SERVICE_ACCOUNT, CREDENTIAL, API_KEY, USER, ORGANIZATION, PROJECT, ROLE, BINDINGS, MEMBERSHIPS }

  /** The key of a principal's bindings ({@link Kind#BINDINGS}): {@code type:id}, e.g. {@code group:ops}. */
  static String principalKey(PrincipalRef p) {
    return p.type() + ":" + p.id();
  }

  /** The service account with {@code id}, or null when there is none. */
  Future<ServiceAccount> serviceAccount(String id);

  /** The credential with {@code id}, or null when there is none. */
  Future<ServiceAccountCredential> credential(String id);

  /** The API key with {@code id}, or null when there is none. */
  Future<ApiKey> apiKey(String id);

  /** The user with {@code id}, or null when there is none. */
  Future<User> user(String id);

  /** The organization with {@code id}, or null when there is none. */
  Future<Organization> organization(String id);

  /** The project with {@code id}, or null when there is none (its organization never changes). */
  Future<Project> project(String id);

  /** A custom role with {@code id} as the engine reads it, or null when there is none. */
  Future<RoleDefinition> customRole(String id);

  /**
   * The policy bindings naming principal {@code p} (a user, group or service account) directly, as the
   * engine reads them; empty when there are none. Group bindings are not included for a user: see
   * {@link #groupsOf}.
   */
  Future<List<Binding>> bindings(PrincipalRef p);

  /** The ids of the groups user {@code userId} is a member of (empty when none or unknown). */
  Future<List<String>> groupsOf(String userId);

  /**
   * Calls {@code listener} with the kind and id of every change announced on any node, this one's included
   * (this node's before {@link #changed} completes). Listeners must not block.
   */
  void addChangeListener(java.util.function.BiConsumer<Kind, String> listener);

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
   * are {@code jti}s and the markers {@link #allTokensOfSubject}, {@link #allTokensOfCredential} and
   * {@link #allTokensOfApiKey}.
   */
  Instant revokedUntil(String key);

  /** The marker revoking every token of principal {@code sub} that expires before the marker does. */
  static String allTokensOfSubject(String sub) {
    return "sub:" + sub;
  }

  /**
   * The marker revoking every token minted with service-account credential {@code id} expiring before it.
   * Credentials and API keys have separate markers: their ids are separate namespaces, and a key named
   * like a credential must never reach that credential's tokens.
   */
  static String allTokensOfCredential(String id) {
    return "cred:" + id;
  }

  /** The marker revoking every token minted with API key {@code id} expiring before it. */
  static String allTokensOfApiKey(String id) {
    return "key:" + id;
  }

  /**
   * Whether {@code key} is one of the markers above rather than a token's {@code jti}. A marker is the side effect
   * of a change that has its own event (a service account or API key disabled, a credential deleted), so its
   * revocation writes none.
   */
  static boolean isMarker(String key) {
    return key.startsWith("sub:") || key.startsWith("cred:") || key.startsWith("key:");
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
