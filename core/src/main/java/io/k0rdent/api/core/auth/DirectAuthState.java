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
import io.k0rdent.api.core.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * An {@link AuthState} that asks the store on every lookup: correct in a single process, with no cluster
 * (router tests, tools). Revocations are kept in memory and in the store; role sets are cached (they never
 * change). Nodes use the Hazelcast implementation instead.
 */
public final class DirectAuthState implements AuthState {

  private final Store store;
  private final Map<String, Instant> revoked = new ConcurrentHashMap<>();
  private final Map<String, List<String>> roleSets = new ConcurrentHashMap<>();
  private final UsageBatcher usage;
  private final List<BiConsumer<Kind, String>> listeners = new CopyOnWriteArrayList<>();
  private final Vertx vertx;
  private final long timer;

  /** @param flushMillis how often usage is written ({@code lastUsedAt}) */
  public DirectAuthState(Vertx vertx, Store store, long flushMillis) {
    this.vertx = vertx;
    this.store = store;
    this.usage = new UsageBatcher(store);
    this.timer = vertx.setPeriodic(flushMillis, id -> usage.flush());
  }

  /** Loads the stored revocations; call once before serving. */
  public Future<DirectAuthState> load() {
    return store.revocations().active(Instant.now()).map(m -> {
      revoked.putAll(m);
      return this;
    });
  }

  private static <T> Future<T> orNull(Future<T> f) {
    return GrantInputs.orNull(f);
  }

  @Override
  public Future<User> user(String id) {
    return orNull(store.users().get(id));
  }

  @Override
  public Future<Organization> organization(String id) {
    return orNull(store.organizations().get(id));
  }

  @Override
  public Future<Project> project(String id) {
    return orNull(store.projects().get(id));
  }

  @Override
  public Future<RoleDefinition> customRole(String id) {
    return GrantInputs.customRole(store, id);
  }

  @Override
  public Future<List<Binding>> bindings(PrincipalRef p) {
    return GrantInputs.bindings(store, p);
  }

  @Override
  public Future<List<String>> groupsOf(String userId) {
    return store.groupMembers().groupsOf(userId);
  }

  @Override
  public void addChangeListener(BiConsumer<Kind, String> listener) {
    listeners.add(listener);
  }

  @Override
  public Future<ServiceAccount> serviceAccount(String id) {
    return orNull(store.serviceAccounts().get(id));
  }

  @Override
  public Future<ServiceAccountCredential> credential(String id) {
    return orNull(store.credentials().get(id));
  }

  @Override
  public Future<ApiKey> apiKey(String id) {
    return orNull(store.apiKeys().get(id));
  }

  @Override
  public Future<Void> changed(Kind kind, String id) {
    listeners.forEach(l -> l.accept(kind, id));
    return Future.succeededFuture();
  }

  @Override
  public Instant revokedUntil(String key) {
    Instant exp = key == null ? null : revoked.get(key);
    return exp != null && Instant.now().isBefore(exp) ? exp : null;
  }

  @Override
  public Future<Void> revoke(String jti, Instant expiresAt) {
    return store.revocations().revoke(jti, expiresAt).onSuccess(v -> revoked.merge(jti, expiresAt,
        (a, b) -> a.isAfter(b) ? a : b));
  }

  @Override
  public Future<String> roleSetId(Collection<String> roles) {
    String id = RoleSets.idOf(roles);
    if (id.equals(RoleSets.EMPTY) || roleSets.containsKey(id)) {
      return Future.succeededFuture(id);
    }
    List<String> sorted = RoleSets.normalize(roles);
    return store.roleSets().put(id, sorted).map(v -> {
      roleSets.put(id, sorted);
      return id;
    });
  }

  @Override
  public Future<List<String>> roleSet(String id) {
    if (RoleSets.EMPTY.equals(id)) {
      return Future.succeededFuture(List.of());
    }
    List<String> known = roleSets.get(id);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return store.roleSets().get(id).map(o -> {
      o.ifPresent(r -> roleSets.put(id, r));
      return o.orElse(null);
    });
  }

  @Override
  public void recordUse(Kind kind, String id, Instant at, String ip) {
    usage.record(kind, id, at, ip);
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(timer);
    return usage.flush();
  }
}
