package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.event.ChangeEvents.Change;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.store.ListQuery;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.core.store.ResourceStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

/**
 * A {@link ResourceStore} in process memory. Every operation holds the owning {@link InMemoryStore}'s
 * lock, so cross-resource rules (an organization's projects) are checked atomically.
 */
final class InMemoryResourceStore<T extends Resource> implements ResourceStore<T> {

  /** Hooks the owning store supplies for referential rules. */
  interface Rules<T> {
    /** Throws an ApiException when {@code resource} may not be created (e.g. missing parent). */
    void checkCreate(T resource);

    /** Throws an ApiException when the resource with {@code id} may not be deleted (e.g. dependants). */
    void checkDelete(String id);

    /** {@code current} with the updatable fields and version of {@code updated}; immutable fields stay. */
    T applyUpdate(T current, T updated);

    /**
     * The filters a list query is run with: {@code filters} as given by default; a kind may normalize values
     * or throw an IllegalArgumentException for a combination it does not support.
     */
    default Map<String, String> listFilters(Map<String, String> filters) {
      return filters;
    }
  }

  private static final Comparator<PageCursor> ORDER =
      Comparator.comparing(PageCursor::createdAt).thenComparing(PageCursor::id);

  private final Object lock;
  private final String kind;
  private final Map<String, Function<T, String>> filterFields;
  private final Rules<T> rules;
  private final InMemoryEvents events;
  private final Map<String, T> byId = new HashMap<>();
  private final Set<UUID> uids = new HashSet<>();
  private final NavigableMap<PageCursor, T> ordered = new TreeMap<>(ORDER);

  /** @param events where create, update and delete append their events, in their critical section */
  InMemoryResourceStore(Object lock, String kind, Map<String, Function<T, String>> filterFields, Rules<T> rules,
                        InMemoryEvents events) {
    this.lock = lock;
    this.events = events;
    this.kind = kind;
    this.filterFields = filterFields;
    this.rules = rules;
  }

  private static PageCursor cursor(Resource r) {
    return new PageCursor(r.createdAt(), r.id());
  }

  @Override
  public Future<T> create(T resource) {
    synchronized (lock) {
      try {
        if (byId.containsKey(resource.id())) {
          return Future.failedFuture(ApiException.conflict("ALREADY_EXISTS",
              kind + " '" + resource.id() + "' already exists"));
        }
        if (uids.contains(resource.uid())) {
          return Future.failedFuture(ApiException.conflict("ALREADY_EXISTS",
              kind + " uid '" + resource.uid() + "' already exists"));
        }
        rules.checkCreate(resource);
        Change change = events.created(resource);
        byId.put(resource.id(), resource);
        uids.add(resource.uid());
        ordered.put(cursor(resource), resource);
        events.record(change);
        return Future.succeededFuture(resource);
      } catch (ApiException e) {
        return Future.failedFuture(e);
      }
    }
  }

  @Override
  public Future<T> get(String id) {
    synchronized (lock) {
      T r = byId.get(id);
      return r == null ? Future.failedFuture(ApiException.notFound(kind, id)) : Future.succeededFuture(r);
    }
  }

  @Override
  public Future<T> update(T updated) {
    synchronized (lock) {
      T current = byId.get(updated.id());
      if (current == null) {
        return Future.failedFuture(ApiException.notFound(kind, updated.id()));
      }
      if (current.version() != updated.version() - 1) {
        return Future.failedFuture(ApiException.preconditionFailed(
            kind + " '" + updated.id() + "' was changed by another request"));
      }
      T stored = rules.applyUpdate(current, updated);
      Change change = events.updated(stored);
      byId.put(stored.id(), stored);
      ordered.put(cursor(stored), stored);
      events.record(change);
      return Future.succeededFuture(stored);
    }
  }

  @Override
  public Future<Void> delete(String id, Long expectedVersion) {
    synchronized (lock) {
      T current = byId.get(id);
      if (current == null) {
        return Future.failedFuture(ApiException.notFound(kind, id));
      }
      if (expectedVersion != null && current.version() != expectedVersion) {
        return Future.failedFuture(ApiException.preconditionFailed(
            kind + " '" + id + "' was changed by another request"));
      }
      Change change = events.deleted(current);
      try {
        rules.checkDelete(id);
      } catch (ApiException e) {
        return Future.failedFuture(e);
      }
      byId.remove(id);
      uids.remove(current.uid());
      ordered.remove(cursor(current));
      events.record(change);
      return Future.succeededFuture();
    }
  }

  @Override
  public Future<Page<T>> list(ListQuery query) {
    synchronized (lock) {
      for (String f : query.filters().keySet()) {
        if (!filterFields.containsKey(f)) {
          return Future.failedFuture(new IllegalArgumentException("unsupported filter " + f));
        }
      }
      Map<String, String> filters;
      try {
        filters = rules.listFilters(query.filters());
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(e);
      }
      var tail = query.after() == null ? ordered : ordered.tailMap(query.after(), false);
      List<T> items = new ArrayList<>(Math.min(query.limit(), 64));
      PageCursor next = null;
      for (T r : tail.values()) {
        if (!matches(r, filters)) {
          continue;
        }
        if (items.size() == query.limit()) {
          next = cursor(items.get(items.size() - 1));
          break;
        }
        items.add(r);
      }
      return Future.succeededFuture(new Page<>(items, next));
    }
  }

  private boolean matches(T r, Map<String, String> filters) {
    for (var e : filters.entrySet()) {
      if (!e.getValue().equals(filterFields.get(e.getKey()).apply(r))) {
        return false;
      }
    }
    return true;
  }

  /** Values of {@code field} among all stored resources; caller holds the lock. */
  boolean anyMatch(String field, String value) {
    Function<T, String> f = filterFields.get(field);
    for (T r : byId.values()) {
      if (value.equals(f.apply(r))) {
        return true;
      }
    }
    return false;
  }

  /** Caller holds the lock. */
  boolean exists(String id) {
    return byId.containsKey(id);
  }

  /** The stored resource or null; caller holds the lock. */
  T find(String id) {
    return byId.get(id);
  }

  /** Stored resources in ({@code createdAt}, {@code id}) order; caller holds the lock and does not keep the view. */
  java.util.Collection<T> inOrder() {
    return ordered.values();
  }

  /** Stored resources; caller holds the lock and does not keep the view. */
  java.util.Collection<T> all() {
    return byId.values();
  }

  /** Replaces a stored resource as is (same version, same ordering key); caller holds the lock. */
  void replace(T r) {
    if (byId.containsKey(r.id())) {
      byId.put(r.id(), r);
      ordered.put(cursor(r), r);
    }
  }

  /** Inserts without the create checks (caller checked); caller holds the lock. */
  void insert(T r) {
    byId.put(r.id(), r);
    uids.add(r.uid());
    ordered.put(cursor(r), r);
  }

  /** Removes every resource matching {@code which}; caller holds the lock. */
  void removeIf(java.util.function.Predicate<T> which) {
    List<T> gone = new ArrayList<>();
    for (T r : byId.values()) {
      if (which.test(r)) {
        gone.add(r);
      }
    }
    for (T r : gone) {
      byId.remove(r.id());
      uids.remove(r.uid());
      ordered.remove(cursor(r));
    }
  }
}
