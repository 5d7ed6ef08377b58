package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.store.IdempotencyStore;
import io.k0rdent.api.core.store.ResourceStore;
import io.k0rdent.api.core.store.SettingsStore;
import io.k0rdent.api.core.store.Store;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.HashMap;
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
          public void checkDelete(String id) {}

          @Override
          public Project applyUpdate(Project cur, Project upd) {
            return new Project(cur.id(), cur.uid(), cur.organizationId(), upd.displayName(), upd.description(),
                cur.createdAt(), upd.updatedAt(), upd.version());
          }
        });
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
          }

          @Override
          public Organization applyUpdate(Organization cur, Organization upd) {
            return new Organization(cur.id(), cur.uid(), upd.displayName(), upd.description(), cur.createdAt(),
                upd.updatedAt(), upd.version());
          }
        });
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
  }
}
