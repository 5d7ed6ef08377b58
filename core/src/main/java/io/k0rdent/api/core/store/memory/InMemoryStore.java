package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.store.ApiKeyStore;
import io.k0rdent.api.core.store.CredentialStore;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private final Revocations revocations = new Revocations();
  private final RoleSets roleSets = new RoleSets();
  private final Idempotency idempotency = new Idempotency();
  private final Settings settings = new Settings();

  public InMemoryStore() {
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
          }

          @Override
          public Project applyUpdate(Project cur, Project upd) {
            return new Project(cur.id(), cur.uid(), cur.organizationId(), upd.displayName(), upd.description(),
                cur.createdAt(), upd.updatedAt(), upd.version());
          }
        });
    serviceAccounts = new InMemoryResourceStore<>(lock, "service account", saFilters(),
        new InMemoryResourceStore.Rules<>() {
          @Override
          public void checkCreate(ServiceAccount sa) {
            checkScope(sa.organizationId(), sa.scope(), sa.scopeId());
          }

          @Override
          public void checkDelete(String id) {
            credentialRows.removeIf(c -> c.serviceAccountId().equals(id));
          }

          @Override
          public ServiceAccount applyUpdate(ServiceAccount cur, ServiceAccount upd) {
            return cur.withChanges(upd.displayName(), upd.description(), upd.roles(), upd.status(), upd.updatedAt());
          }
        });
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
        });
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
        });
    apiKeys = new ApiKeys();
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
          }

          @Override
          public Organization applyUpdate(Organization cur, Organization upd) {
            return new Organization(cur.id(), cur.uid(), upd.displayName(), upd.description(), cur.createdAt(),
                upd.updatedAt(), upd.version());
          }
        });
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

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  /** Delegates the resource operations to a rows store; adds the credential-specific ones. */
  private final class Credentials implements CredentialStore {
    @Override
    public Future<ServiceAccountCredential> create(ServiceAccountCredential c) {
      return credentialRows.create(c);
    }

    @Override
    public Future<ServiceAccountCredential> createLimited(ServiceAccountCredential c, int maxActive, Instant now) {
      synchronized (lock) {
        if (!serviceAccounts.exists(c.serviceAccountId())) {
          return Future.failedFuture(ApiException.notFound("service account", c.serviceAccountId()));
        }
        long active = credentialRows.all().stream()
            .filter(x -> x.serviceAccountId().equals(c.serviceAccountId()) && x.activeAt(now)).count();
        if (active >= maxActive) {
          return Future.failedFuture(ApiException.conflict("FAILED_PRECONDITION", "service account '"
              + c.serviceAccountId() + "' already has " + maxActive + " active credentials; delete one first"));
        }
        return credentialRows.create(c);
      }
    }

    @Override
    public Future<Map<String, Integer>> activeCounts(Collection<String> ids, Instant now) {
      synchronized (lock) {
        Map<String, Integer> counts = new HashMap<>();
        for (ServiceAccountCredential c : credentialRows.all()) {
          if (ids.contains(c.serviceAccountId()) && c.activeAt(now)) {
            counts.merge(c.serviceAccountId(), 1, Integer::sum);
          }
        }
        return Future.succeededFuture(counts);
      }
    }

    @Override
    public Future<Void> recordUse(Map<String, Use> uses) {
      synchronized (lock) {
        uses.forEach((id, use) -> {
          ServiceAccountCredential c = credentialRows.find(id);
          if (c != null && (c.lastUsedAt() == null || !use.at().isBefore(c.lastUsedAt()))) {
            credentialRows.replace(new ServiceAccountCredential(c.id(), c.uid(), c.serviceAccountId(),
                c.secretHash(), c.expiresAt(), c.createdBy(), use.at(), use.ip(), c.createdAt(), c.updatedAt(),
                c.version()));
          }
        });
        return Future.succeededFuture();
      }
    }

    @Override
    public Future<ServiceAccountCredential> get(String id) {
      return credentialRows.get(id);
    }

    @Override
    public Future<ServiceAccountCredential> update(ServiceAccountCredential updated) {
      return credentialRows.update(updated);
    }

    @Override
    public Future<Void> delete(String id, Long expectedVersion) {
      return credentialRows.delete(id, expectedVersion);
    }

    @Override
    public Future<Page<ServiceAccountCredential>> list(ListQuery query) {
      return credentialRows.list(query);
    }
  }

  private final class ApiKeys implements ApiKeyStore {
    @Override
    public Future<Void> recordUse(Map<String, Use> uses) {
      synchronized (lock) {
        uses.forEach((id, use) -> {
          ApiKey k = apiKeyRows.find(id);
          if (k != null && (k.lastUsedAt() == null || !use.at().isBefore(k.lastUsedAt()))) {
            apiKeyRows.replace(new ApiKey(k.id(), k.uid(), k.organizationId(), k.scope(), k.scopeId(), k.roles(),
                k.status(), k.expiresAt(), k.createdBy(), k.creatorType(), k.secretHash(), k.previousSecretHash(),
                k.previousSecretExpiresAt(), k.lastRotatedAt(), use.at(), use.ip(), k.displayName(),
                k.description(), k.createdAt(), k.updatedAt(), k.version()));
          }
        });
        return Future.succeededFuture();
      }
    }

    @Override
    public Future<ApiKey> create(ApiKey k) {
      return apiKeyRows.create(k);
    }

    @Override
    public Future<ApiKey> get(String id) {
      return apiKeyRows.get(id);
    }

    @Override
    public Future<ApiKey> update(ApiKey updated) {
      return apiKeyRows.update(updated);
    }

    @Override
    public Future<Void> delete(String id, Long expectedVersion) {
      return apiKeyRows.delete(id, expectedVersion);
    }

    @Override
    public Future<Page<ApiKey>> list(ListQuery query) {
      return apiKeyRows.list(query);
    }
  }

  private static final class Revocations implements RevocationStore {
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();

    @Override
    public Future<Void> revoke(String jti, Instant expiresAt) {
      revoked.merge(jti, expiresAt, (a, b) -> a.isAfter(b) ? a : b);
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

  private static final class Settings implements SettingsStore {
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
  }
}
