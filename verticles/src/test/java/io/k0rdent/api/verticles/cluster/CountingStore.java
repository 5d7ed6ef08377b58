package io.k0rdent.api.verticles.cluster;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Group;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.store.ApiKeyStore;
import io.k0rdent.api.core.store.CredentialStore;
import io.k0rdent.api.core.store.GroupMemberStore;
import io.k0rdent.api.core.store.IdempotencyStore;
import io.k0rdent.api.core.store.PolicyStore;
import io.k0rdent.api.core.store.ResourceStore;
import io.k0rdent.api.core.store.RevocationStore;
import io.k0rdent.api.core.store.RoleSetStore;
import io.k0rdent.api.core.store.SettingsStore;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The "database" of the Hazelcast auth tests: an {@link InMemoryStore} whose auth ports and the ports of
 * grants' inputs (users, organizations, projects, roles, policies, group members) count their calls
 * ({@code "serviceAccounts.get"}, {@code "policies.forPrincipals"}), can be switched to answer 503, and can hold {@code get} answers (read at
 * call time, delivered when the gate opens) to stage a read racing with a change.
 */
final class CountingStore implements Store {

  final InMemoryStore delegate = new InMemoryStore();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final ResourceStore<ServiceAccount> serviceAccounts;
  private final CredentialStore credentials;
  private final ApiKeyStore apiKeys;
  private final RevocationStore revocations;
  private final RoleSetStore roleSets;
  private final ResourceStore<Organization> organizations;
  private final ResourceStore<Project> projects;
  private final ResourceStore<User> users;
  private final ResourceStore<Role> roles;
  private final PolicyStore policies;
  private final GroupMemberStore groupMembers;
  volatile boolean unavailable;
  private volatile Promise<Void> gate;

  @SuppressWarnings("unchecked")
  CountingStore() {
    serviceAccounts = wrap(ResourceStore.class, "serviceAccounts", delegate.serviceAccounts());
    credentials = wrap(CredentialStore.class, "credentials", delegate.credentials());
    apiKeys = wrap(ApiKeyStore.class, "apiKeys", delegate.apiKeys());
    revocations = wrap(RevocationStore.class, "revocations", delegate.revocations());
    roleSets = wrap(RoleSetStore.class, "roleSets", delegate.roleSets());
    organizations = wrap(ResourceStore.class, "organizations", delegate.organizations());
    projects = wrap(ResourceStore.class, "projects", delegate.projects());
    users = wrap(ResourceStore.class, "users", delegate.users());
    roles = wrap(ResourceStore.class, "roles", delegate.roles());
    policies = wrap(PolicyStore.class, "policies", delegate.policies());
    groupMembers = wrap(GroupMemberStore.class, "groupMembers", delegate.groupMembers());
  }

  private <T> T wrap(Class<T> port, String name, Object target) {
    return port.cast(Proxy.newProxyInstance(port.getClassLoader(), new Class<?>[] {port}, (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return method.invoke(target, args);
      }
      AtomicInteger count = calls.computeIfAbsent(name + "." + method.getName(), k -> new AtomicInteger());
      if (unavailable) {
        count.incrementAndGet();
        return Future.failedFuture(ApiException.unavailable("database down (test)"));
      }
      Object answer;
      try {
        answer = method.invoke(target, args);
      } catch (InvocationTargetException e) {
        count.incrementAndGet();
        throw e.getCause();
      }
      Promise<Void> g = gate;
      // Counted once read and held: a test that sees the count knows the answer is fixed.
      count.incrementAndGet();
      if (g != null && method.getName().equals("get") && answer instanceof Future<?> f) {
        return g.future().compose(v -> f);
      }
      return answer;
    }));
  }

  /** Calls of {@code port.method} so far. */
  int calls(String key) {
    AtomicInteger n = calls.get(key);
    return n == null ? 0 : n.get();
  }

  /** From now on {@code get} answers wait (with what the store held when called) until {@link #release}. */
  void hold() {
    gate = Promise.promise();
  }

  void release() {
    Promise<Void> g = gate;
    gate = null;
    if (g != null) {
      g.complete();
    }
  }

  @Override
  public ResourceStore<Organization> organizations() {
    return organizations;
  }

  @Override
  public ResourceStore<Project> projects() {
    return projects;
  }

  @Override
  public ResourceStore<ServiceAccount> serviceAccounts() {
    return serviceAccounts;
  }

  @Override
  public CredentialStore credentials() {
    return credentials;
  }

  @Override
  public ApiKeyStore apiKeys() {
    return apiKeys;
  }

  @Override
  public RevocationStore revocations() {
    return revocations;
  }

  @Override
  public RoleSetStore roleSets() {
    return roleSets;
  }

  @Override
  public ResourceStore<User> users() {
    return users;
  }

  @Override
  public ResourceStore<Role> roles() {
    return roles;
  }

  @Override
  public ResourceStore<Group> groups() {
    return delegate.groups();
  }

  @Override
  public GroupMemberStore groupMembers() {
    return groupMembers;
  }

  @Override
  public PolicyStore policies() {
    return policies;
  }

  @Override
  public IdempotencyStore idempotency() {
    return delegate.idempotency();
  }

  @Override
  public SettingsStore settings() {
    return delegate.settings();
  }

  @Override
  public io.k0rdent.api.core.store.IpamStore ipam() {
    return delegate.ipam();
  }

  @Override
  public io.k0rdent.api.core.store.ServerStore servers() {
    return delegate.servers();
  }

  @Override
  public io.k0rdent.api.core.store.EventOutbox events() {
    return delegate.events();
  }

  @Override
  public io.k0rdent.api.core.event.ChangeEvents changeEvents() {
    return delegate.changeEvents();
  }

  @Override
  public Future<Void> ping() {
    return delegate.ping();
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }
}
