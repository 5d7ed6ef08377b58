package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Group;
import io.k0rdent.api.core.resource.GroupMember;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.store.ApiKeyStore;
import io.k0rdent.api.core.store.CredentialStore;
import io.k0rdent.api.core.store.GroupMemberStore;
import io.k0rdent.api.core.store.IamErrors;
import io.k0rdent.api.core.store.PolicyStore;
import io.k0rdent.api.core.store.ListQuery;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.RevocationStore;
import io.k0rdent.api.core.store.RoleSetStore;
import io.k0rdent.api.core.store.Use;
import io.k0rdent.api.core.store.IdempotencyStore;
import io.k0rdent.api.core.store.ResourceStore;
import io.k0rdent.api.core.store.SettingsStore;
import io.k0rdent.api.core.store.Store;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The embedded {@link Store} of dev mode: everything in process memory, gone at exit. Thread-safe;
 * one lock guards all resources so referential rules hold under concurrency. Same contract as the
 * PostgreSQL adapter (both run {@code StoreContract}).
 */
public final class InMemoryStore implements Store {

  private final Object lock = new Object();
  private final InMemoryResourceStore<Organization> organizations;
  private final InMemoryResourceStore<Project> projects;
  private final InMemoryResourceStore<ServiceAccount> serviceAccounts;
  private final InMemoryResourceStore<ServiceAccountCredential> credentialRows;
  private final Credentials credentials;
  private final InMemoryResourceStore<ApiKey> apiKeyRows;
  private final ApiKeys apiKeys;
  private final InMemoryResourceStore<User> users;
  private final InMemoryResourceStore<Role> roles;
  private final InMemoryResourceStore<Group> groups;
  private final InMemoryResourceStore<GroupMember> memberRows;
  private final Members members;
  private final InMemoryResourceStore<Policy> policyRows;
  private final Policies policies;
  private final Revocations revocations = new Revocations();
  private final RoleSets roleSets = new RoleSets();
  private final Idempotency idempotency = new Idempotency();
  private final Settings settings = new Settings();
  private final InMemoryIpamStore ipam;
  private final InMemoryServerStore servers;
  private final InMemoryEventOutbox events = new InMemoryEventOutbox(lock);
  private final ChangeEvents changeEvents = new ChangeEvents();
  private final InMemoryEvents recorder = new InMemoryEvents(changeEvents, events, this::organizationOf);

  public InMemoryStore() {
    ipam = new InMemoryIpamStore(lock, this::projectExists, recorder);
    servers = new InMemoryServerStore(lock, this::projectExists, recorder);
    projects = new InMemoryResourceStore<>(lock, "project",
        Map.of("organizationId", Project::organizationId),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(Project p) {
            if (!organizations.exists(p.organizationId())) {
              throw ApiException.invalidField("organizationId",
                  "organization '" + p.organizationId() + "' does not exist");
            }
          }

          @Override
          public void checkDelete(String id) {
            if (serviceAccounts.anyMatch("projectId", id) || apiKeyRows.anyMatch("projectId", id)) {
              throw ApiException.conflict("FAILED_PRECONDITION",
                  "project '" + id + "' still has service accounts or API keys; delete them first");
            }
            if (ipam.hasProjectResources(id)) {
              throw ApiException.conflict("FAILED_PRECONDITION",
                  "project '" + id + "' still has networks or addresses; delete them first");
            }
            if (servers.hasProjectServers(id)) {
              throw ApiException.conflict("FAILED_PRECONDITION",
                  "project '" + id + "' still has bare-metal servers; decommission them first");
            }
            ipam.forgetReleases(id);
          }

          @Override
          public Project applyUpdate(Project cur, Project upd) {
            return new Project(cur.id(), cur.uid(), cur.organizationId(), upd.displayName(), upd.description(),
                cur.createdAt(), upd.updatedAt(), upd.version());
          }
        }, recorder);
    serviceAccounts = new InMemoryResourceStore<>(lock, "service account", saFilters(),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(ServiceAccount sa) {
            checkScope(sa.organizationId(), sa.scope(), sa.scopeId());
          }

          @Override
          public void checkDelete(String id) {
            checkUnbound(PrincipalRef.SERVICE_ACCOUNT, id);
            credentialRows.removeIf(c -> c.serviceAccountId().equals(id));
          }

          @Override
          public ServiceAccount applyUpdate(ServiceAccount cur, ServiceAccount upd) {
            return cur.withChanges(upd.displayName(), upd.description(), upd.roles(), upd.status(), upd.updatedAt());
          }
        }, recorder);
    credentialRows = new InMemoryResourceStore<>(lock, "credential",
        Map.of("serviceAccountId", ServiceAccountCredential::serviceAccountId),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(ServiceAccountCredential c) {
            if (!serviceAccounts.exists(c.serviceAccountId())) {
              throw ApiException.notFound("service account", c.serviceAccountId());
            }
          }

          @Override
          public void checkDelete(String id) {}

          @Override
          public ServiceAccountCredential applyUpdate(ServiceAccountCredential cur, ServiceAccountCredential upd) {
            return new ServiceAccountCredential(cur.id(), cur.uid(), cur.serviceAccountId(), cur.secretHash(),
                cur.expiresAt(), cur.createdBy(), cur.lastUsedAt(), cur.lastUsedIp(), cur.createdAt(),
                upd.updatedAt(), upd.version());
          }
        }, recorder);
    credentials = new Credentials();
    apiKeyRows = new InMemoryResourceStore<>(lock, "API key", keyFilters(),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(ApiKey k) {
            checkScope(k.organizationId(), k.scope(), k.scopeId());
          }

          @Override
          public void checkDelete(String id) {}

          @Override
          public ApiKey applyUpdate(ApiKey cur, ApiKey u) {
            return new ApiKey(cur.id(), cur.uid(), cur.organizationId(), cur.scope(), cur.scopeId(), u.roles(),
                u.status(), cur.expiresAt(), cur.createdBy(), cur.creatorType(), u.secretHash(),
                u.previousSecretHash(), u.previousSecretExpiresAt(), u.lastRotatedAt(), cur.lastUsedAt(),
                cur.lastUsedIp(), u.displayName(), u.description(), cur.createdAt(), u.updatedAt(), u.version());
          }
        }, recorder);
    apiKeys = new ApiKeys();
    users = new InMemoryResourceStore<>(lock, "user",
        Map.of("organizationId", User::organizationId, "email", u -> User.emailKey(u.email()), "status", User::status),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(User u) {
            String key = User.emailKey(u.email());
            for (User other : users.all()) {
              if (other.organizationId().equals(u.organizationId()) && User.emailKey(other.email()).equals(key)) {
                throw IamErrors.emailTaken(u.email(), u.organizationId());
              }
            }
            checkOrganization(u.organizationId());
          }

          @Override
          public void checkDelete(String id) {
            checkUnbound(PrincipalRef.USER, id);
            memberRows.removeIf(m -> m.userId().equals(id));
          }

          @Override
          public User applyUpdate(User cur, User upd) {
            return cur.withChanges(upd.displayName(), upd.status(), upd.updatedAt());
          }

          @Override
          public Map<String, String> listFilters(Map<String, String> filters) {
            if (!filters.containsKey("email")) {
              return filters;
            }
            Map<String, String> normalized = new HashMap<>(filters);
            normalized.put("email", User.emailKey(filters.get("email")));
            return normalized;
          }
        }, recorder);
    roles = new InMemoryResourceStore<>(lock, "role", Map.of("organizationId", Role::organizationId),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(Role r) {
            checkOrganization(r.organizationId());
            if (policyRows.anyMatch("role", r.id())) {
              throw IamErrors.roleIdNamedByPolicies(r.id());
            }
          }

          @Override
          public void checkDelete(String id) {
            if (policyRows.anyMatch("role", id)) {
              throw IamErrors.boundByPolicies("role", id);
            }
          }

          @Override
          public Role applyUpdate(Role cur, Role upd) {
            return cur.withChanges(upd.displayName(), upd.description(), upd.permissions(), upd.updatedAt());
          }
        }, recorder);
    groups = new InMemoryResourceStore<>(lock, "group", Map.of("organizationId", Group::organizationId),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(Group g) {
            checkOrganization(g.organizationId());
          }

          @Override
          public void checkDelete(String id) {
            checkUnbound(PrincipalRef.GROUP, id);
            memberRows.removeIf(m -> m.groupId().equals(id));
          }

          @Override
          public Group applyUpdate(Group cur, Group upd) {
            return cur.withChanges(upd.displayName(), upd.description(), upd.updatedAt());
          }
        }, recorder);
    memberRows = new InMemoryResourceStore<>(lock, "group member",
        Map.of("groupId", GroupMember::groupId, "userId", GroupMember::userId),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(GroupMember m) {
            Group g = groups.find(m.groupId());
            if (g == null) {
              throw IamErrors.groupMissing(m.groupId());
            }
            for (GroupMember other : memberRows.all()) {
              if (other.groupId().equals(m.groupId()) && other.userId().equals(m.userId())) {
                throw IamErrors.alreadyMember(m.userId(), m.groupId());
              }
            }
            User u = users.find(m.userId());
            if (u == null || !u.organizationId().equals(g.organizationId())) {
              throw IamErrors.memberNotInOrganization(m.userId(), m.groupId());
            }
          }

          @Override
          public void checkDelete(String id) {}

          @Override
          public GroupMember applyUpdate(GroupMember cur, GroupMember upd) {
            return new GroupMember(cur.id(), cur.uid(), cur.groupId(), cur.userId(), cur.addedBy(), cur.createdAt(),
                upd.updatedAt(), upd.version());
          }
        }, recorder);
    members = new Members();
    policyRows = new InMemoryResourceStore<>(lock, "policy",
        Map.of("organizationId", Policy::organizationId, "principalType", Policy::principalType,
            "principalId", Policy::principalId, "role", Policy::role, "scopeType", Policy::scopeType,
            "scopeResource", Policy::scopeResource),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(Policy p) {
            checkPolicy(p);
          }

          @Override
          public void checkDelete(String id) {}

          @Override
          public Policy applyUpdate(Policy cur, Policy upd) {
            return cur.withChanges(upd.displayName(), upd.description(), upd.updatedAt());
          }

          @Override
          public Map<String, String> listFilters(Map<String, String> filters) {
            PolicyStore.checkPrincipalFilters(filters);
            return filters;
          }
        }, recorder);
    policies = new Policies();
    organizations = new InMemoryResourceStore<>(lock, "organization", Map.of(),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(Organization o) {}

          @Override
          public void checkDelete(String id) {
            if (projects.anyMatch("organizationId", id)) {
              throw ApiException.conflict("FAILED_PRECONDITION",
                  "organization '" + id + "' still has projects; delete them first");
            }
            if (serviceAccounts.anyMatch("organizationId", id) || apiKeyRows.anyMatch("organizationId", id)) {
              throw ApiException.conflict("FAILED_PRECONDITION",
                  "organization '" + id + "' still has service accounts or API keys; delete them first");
            }
            // in the order PostgreSQL checks its foreign keys (the order they were created): policies first,
            // since they keep their principals and roles from being deleted
            if (policyRows.anyMatch("organizationId", id)) {
              throw IamErrors.organizationStillHas(id, "policies");
            }
            if (users.anyMatch("organizationId", id)) {
              throw IamErrors.organizationStillHas(id, "users");
            }
            if (groups.anyMatch("organizationId", id)) {
              throw IamErrors.organizationStillHas(id, "groups");
            }
            if (roles.anyMatch("organizationId", id)) {
              throw IamErrors.organizationStillHas(id, "roles");
            }
          }

          @Override
          public Organization applyUpdate(Organization cur, Organization upd) {
            return new Organization(cur.id(), cur.uid(), upd.displayName(), upd.description(), cur.createdAt(),
                upd.updatedAt(), upd.version());
          }
        }, recorder);
  }

  /** 400 unless the organization exists; caller holds the lock. */
  private void checkOrganization(String organizationId) {
    if (organizationId == null || !organizations.exists(organizationId)) {
      throw IamErrors.organizationMissing(organizationId);
    }
  }

  /** 409 when a policy binds the principal; caller holds the lock. */
  private void checkUnbound(String principalType, String id) {
    for (Policy p : policyRows.all()) {
      if (p.principalType().equals(principalType) && p.principalId().equals(id)) {
        throw IamErrors.boundByPolicies(IamErrors.kindOf(principalType), id);
      }
    }
  }

  /** The organization of the principal {@code p} binds, or null when there is no such principal; caller holds the lock. */
  private String organizationOfPrincipal(Policy p) {
    switch (p.principalType()) {
      case PrincipalRef.USER: {
        User u = users.find(p.principalId());
        return u == null ? null : u.organizationId();
      }
      case PrincipalRef.GROUP: {
        Group g = groups.find(p.principalId());
        return g == null ? null : g.organizationId();
      }
      case PrincipalRef.SERVICE_ACCOUNT: {
        ServiceAccount sa = serviceAccounts.find(p.principalId());
        return sa == null ? null : sa.organizationId();
      }
      default:
        return null;
    }
  }

  /** The policy rules of {@link PolicyStore}, in the order PostgreSQL checks them; caller holds the lock. */
  private void checkPolicy(Policy p) {
    if (Policy.PLATFORM.equals(p.scopeType()) != (p.organizationId() == null)) {
      throw IamErrors.policyOrganization(p);
    }
    if (p.principalType() == null || !PrincipalRef.TYPES.contains(p.principalType())) {
      throw IamErrors.principalType(p.principalType());
    }
    if (p.organizationId() != null) {
      checkOrganization(p.organizationId());
    }
    String principalOrganization = organizationOfPrincipal(p);
    if (principalOrganization == null
        || (p.organizationId() != null && !p.organizationId().equals(principalOrganization))) {
      throw IamErrors.principalMissing(p);
    }
    Role custom = roles.find(p.role());
    if (custom != null && !custom.organizationId().equals(p.organizationId())) {
      throw IamErrors.roleNotInOrganization(p);
    }
  }

  /** 400 unless the organization (and, for project scope, the project in it) exists; caller holds the lock. */
  private void checkScope(String organizationId, String scope, String scopeId) {
    if (!organizations.exists(organizationId)) {
      throw ApiException.invalidField("scopeId", "organization '" + organizationId + "' does not exist");
    }
    if ("project".equals(scope)) {
      Project p = projects.find(scopeId);
      if (p == null || !p.organizationId().equals(organizationId)) {
        throw ApiException.invalidField("scopeId", "project '" + scopeId + "' does not exist");
      }
    }
  }

  private static String projectOf(String scope, String scopeId) {
    return "project".equals(scope) ? scopeId : null;
  }

  private static Map<String, java.util.function.Function<ServiceAccount, String>> saFilters() {
    return Map.of("organizationId", ServiceAccount::organizationId, "scope", ServiceAccount::scope,
        "scopeId", ServiceAccount::scopeId, "status", ServiceAccount::status,
        "projectId", sa -> projectOf(sa.scope(), sa.scopeId()));
  }

  private static Map<String, java.util.function.Function<ApiKey, String>> keyFilters() {
    return Map.of("organizationId", ApiKey::organizationId, "scope", ApiKey::scope, "scopeId", ApiKey::scopeId,
        "status", ApiKey::status, "createdBy", ApiKey::createdBy,
        "projectId", k -> projectOf(k.scope(), k.scopeId()));
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
  public ResourceStore<User> users() {
    return users;
  }

  @Override
  public ResourceStore<Role> roles() {
    return roles;
  }

  @Override
  public ResourceStore<Group> groups() {
    return groups;
  }

  @Override
  public GroupMemberStore groupMembers() {
    return members;
  }

  @Override
  public PolicyStore policies() {
    return policies;
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
  public ResourceStore<Organization> organizations() {
    return organizations;
  }

  @Override
  public ResourceStore<Project> projects() {
    return projects;
  }

  @Override
  public IdempotencyStore idempotency() {
    return idempotency;
  }

  @Override
  public SettingsStore settings() {
    return settings;
  }

  /** The organization of a change's owner (null: the provider's, or a holder that is gone); caller holds the lock. */
  private String organizationOf(ChangeEvents.Owner owner) {
    return switch (owner.kind()) {
      case ORGANIZATION -> owner.id();
      case PROJECT -> orgOrNull(projects.find(owner.id()), Project::organizationId);
      case GROUP -> orgOrNull(groups.find(owner.id()), Group::organizationId);
      case SERVICE_ACCOUNT -> orgOrNull(serviceAccounts.find(owner.id()), ServiceAccount::organizationId);
      case PROVIDER -> null;
    };
  }

  private static <T> String orgOrNull(T holder, java.util.function.Function<T, String> org) {
    return holder == null ? null : org.apply(holder);
  }

  @Override
  public ChangeEvents changeEvents() {
    return changeEvents;
  }

  /** Caller holds the lock. */
  private boolean projectExists(String id) {
    return projects.exists(id);
  }

  @Override
  public io.k0rdent.api.core.store.IpamStore ipam() {
    return ipam;
  }

  @Override
  public io.k0rdent.api.core.store.ServerStore servers() {
    return servers;
  }

  /** The outbox, under this store's lock (so mutations can append their events in their critical section). */
  @Override
  public io.k0rdent.api.core.store.EventOutbox events() {
    return events;
  }

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  /** The resource operations of a port, delegated to its rows; subclasses add the port's own. */
  private abstract static class Delegating<T extends io.k0rdent.api.core.resource.Resource>
      implements ResourceStore<T> {
    final InMemoryResourceStore<T> rows;

    Delegating(InMemoryResourceStore<T> rows) {
      this.rows = rows;
    }

    @Override
    public Future<T> create(T resource) {
      return rows.create(resource);
    }

    @Override
    public Future<T> get(String id) {
      return rows.get(id);
    }

    @Override
    public Future<T> update(T updated) {
      return rows.update(updated);
    }

    @Override
    public Future<Void> delete(String id, Long expectedVersion) {
      return rows.delete(id, expectedVersion);
    }

    @Override
    public Future<Page<T>> list(ListQuery query) {
      return rows.list(query);
    }
  }

  /** How many of {@code rows} pass {@code which}, per {@code key} among {@code keys} (absent when none). */
  private <T extends io.k0rdent.api.core.resource.Resource> Future<Map<String, Integer>> countBy(
      InMemoryResourceStore<T> rows, java.util.function.Function<T, String> key, Collection<String> keys,
      java.util.function.Predicate<T> which) {
    synchronized (lock) {
      Set<String> wanted = new HashSet<>(keys);
      Map<String, Integer> counts = new HashMap<>();
      for (T r : rows.all()) {
        if (wanted.contains(key.apply(r)) && which.test(r)) {
          counts.merge(key.apply(r), 1, Integer::sum);
        }
      }
      return Future.succeededFuture(counts);
    }
  }

  /** Records uses without a version change, never moving {@code lastUsedAt} back; unknown ids are skipped. */
  private <T extends io.k0rdent.api.core.resource.Resource> Future<Void> recordUse(InMemoryResourceStore<T> rows,
      Map<String, Use> uses, java.util.function.Function<T, Instant> lastUsedAt,
      java.util.function.BiFunction<T, Use, T> used) {
    synchronized (lock) {
      uses.forEach((id, use) -> {
        T r = rows.find(id);
        if (r != null && (lastUsedAt.apply(r) == null || !use.at().isBefore(lastUsedAt.apply(r)))) {
          rows.replace(used.apply(r, use));
        }
      });
      return Future.succeededFuture();
    }
  }

  private final class Credentials extends Delegating<ServiceAccountCredential> implements CredentialStore {
    Credentials() {
      super(credentialRows);
    }

    @Override
    public Future<ServiceAccountCredential> createLimited(ServiceAccountCredential c, int maxActive, Instant now) {
      synchronized (lock) {
        if (!serviceAccounts.exists(c.serviceAccountId())) {
          return Future.failedFuture(ApiException.notFound("service account", c.serviceAccountId()));
        }
        long active = rows.all().stream()
            .filter(x -> x.serviceAccountId().equals(c.serviceAccountId()) && x.activeAt(now)).count();
        if (active >= maxActive) {
          return Future.failedFuture(ApiException.conflict("FAILED_PRECONDITION", "service account '"
              + c.serviceAccountId() + "' already has " + maxActive + " active credentials; delete one first"));
        }
        return rows.create(c);
      }
    }

    @Override
    public Future<Map<String, Integer>> activeCounts(Collection<String> ids, Instant now) {
      return countBy(rows, ServiceAccountCredential::serviceAccountId, ids, c -> c.activeAt(now));
    }

    @Override
    public Future<Void> recordUse(Map<String, Use> uses) {
      return InMemoryStore.this.recordUse(rows, uses, ServiceAccountCredential::lastUsedAt,
          (c, use) -> new ServiceAccountCredential(c.id(), c.uid(), c.serviceAccountId(), c.secretHash(),
              c.expiresAt(), c.createdBy(), use.at(), use.ip(), c.createdAt(), c.updatedAt(), c.version()));
    }
  }

  private final class ApiKeys extends Delegating<ApiKey> implements ApiKeyStore {
    ApiKeys() {
      super(apiKeyRows);
    }

    @Override
    public Future<Void> recordUse(Map<String, Use> uses) {
      return InMemoryStore.this.recordUse(rows, uses, ApiKey::lastUsedAt,
          (k, use) -> new ApiKey(k.id(), k.uid(), k.organizationId(), k.scope(), k.scopeId(), k.roles(), k.status(),
              k.expiresAt(), k.createdBy(), k.creatorType(), k.secretHash(), k.previousSecretHash(),
              k.previousSecretExpiresAt(), k.lastRotatedAt(), use.at(), use.ip(), k.displayName(), k.description(),
              k.createdAt(), k.updatedAt(), k.version()));
    }
  }

  private final class Members extends Delegating<GroupMember> implements GroupMemberStore {
    Members() {
      super(memberRows);
    }

    @Override
    public Future<List<String>> groupsOf(String userId) {
      synchronized (lock) {
        return Future.succeededFuture(rows.all().stream()
            .filter(m -> m.userId().equals(userId)).map(GroupMember::groupId).sorted().toList());
      }
    }

    @Override
    public Future<Map<String, Integer>> memberCounts(Collection<String> groupIds) {
      return countBy(rows, GroupMember::groupId, groupIds, m -> true);
    }
  }

  private final class Policies extends Delegating<Policy> implements PolicyStore {
    Policies() {
      super(policyRows);
    }

    @Override
    public Future<List<Policy>> forPrincipals(Collection<PrincipalRef> principals) {
      synchronized (lock) {
        Set<PrincipalRef> wanted = new HashSet<>(principals);
        return Future.succeededFuture(rows.inOrder().stream().filter(p -> wanted.contains(p.principal())).toList());
      }
    }
  }

  private final class Revocations implements RevocationStore {
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();

    @Override
    public Future<Void> revoke(String jti, Instant expiresAt) {
      ChangeEvents.Change change = changeEvents.revoked(jti, expiresAt);
      synchronized (lock) {
        boolean fresh = !revoked.containsKey(jti); // a token revoked again (or concurrently) has its one event
        revoked.merge(jti, expiresAt, (a, b) -> a.isAfter(b) ? a : b);
        if (change != null && fresh) {
          recorder.record(change);
        }
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<Map<String, Instant>> active(Instant now) {
      revoked.values().removeIf(exp -> !exp.isAfter(now));
      return Future.succeededFuture(Map.copyOf(revoked));
    }
  }

  private static final class RoleSets implements RoleSetStore {
    private final Map<String, List<String>> sets = new ConcurrentHashMap<>();

    @Override
    public Future<Void> put(String id, List<String> roles) {
      sets.putIfAbsent(id, List.copyOf(roles));
      return Future.succeededFuture();
    }

    @Override
    public Future<Optional<List<String>>> get(String id) {
      return Future.succeededFuture(Optional.ofNullable(sets.get(id)));
    }
  }

  private static final class Idempotency implements IdempotencyStore {
    private record Held(Entry entry, Instant expiresAt) {}

    private final Map<String, Held> entries = new HashMap<>();

    private static String k(String principal, String key) {
      return principal + '\u0000' + key;
    }

    @Override
    public synchronized Future<Optional<Entry>> reserve(String principal, String key, String requestHash,
                                                        Instant expiresAt) {
      Instant now = Instant.now();
      entries.values().removeIf(h -> h.expiresAt().isBefore(now));
      Held held = entries.get(k(principal, key));
      if (held != null) {
        return Future.succeededFuture(Optional.of(held.entry()));
      }
      entries.put(k(principal, key), new Held(new Entry(requestHash, 0, null, Map.of()), expiresAt));
      return Future.succeededFuture(Optional.empty());
    }

    @Override
    public synchronized Future<Void> complete(String principal, String key, int status, String body,
                                              Map<String, String> headers) {
      Held held = entries.get(k(principal, key));
      if (held != null) {
        entries.put(k(principal, key), new Held(
            new Entry(held.entry().requestHash(), status, body, Map.copyOf(headers)), held.expiresAt()));
      }
      return Future.succeededFuture();
    }

    @Override
    public synchronized Future<Void> release(String principal, String key) {
      entries.remove(k(principal, key));
      return Future.succeededFuture();
    }
  }

  private final class Settings implements SettingsStore {
    private final Map<String, String> values = new ConcurrentHashMap<>();

    @Override
    public Future<String> getOrCreate(String name, Supplier<String> initial) {
      return Future.succeededFuture(values.computeIfAbsent(name, n -> initial.get()));
    }

    @Override
    public Future<Optional<String>> get(String name) {
      return Future.succeededFuture(Optional.ofNullable(values.get(name)));
    }

    @Override
    public Future<Void> put(String name, String value) {
      values.put(name, value);
      return Future.succeededFuture();
    }

    @Override
    public Future<Boolean> compareAndSet(String name, String expected, String value) {
      return Future.succeededFuture(expected == null ? values.putIfAbsent(name, value) == null
          : values.replace(name, expected, value));
    }

    /** Under the store's lock, so the value and its event become visible together. */
    @Override
    public Future<Boolean> compareAndSet(String name, String expected, String value, ChangeEvents.Change change) {
      synchronized (lock) {
        boolean won = expected == null ? values.putIfAbsent(name, value) == null
            : values.replace(name, expected, value);
        if (won) {
          recorder.record(change);
        }
        return Future.succeededFuture(won);
      }
    }
  }
}
