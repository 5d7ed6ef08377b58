package io.k0rdent.api.core.store;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Resource;
import io.vertx.core.Future;

/**
 * The storage port for one kind of resource. Every adapter passes the same contract test suite
 * ({@code StoreContract} in core's test jar). Failures are {@link ApiException}s with the
 * status the API answers; an adapter that cannot reach its backend fails with 503.
 *
 * @param <T> the resource record
 */
public interface ResourceStore<T extends Resource> {

  /** Stores a new resource (version 1). Fails 409 {@code ALREADY_EXISTS} when the id or the uid is taken. */
  Future<T> create(T resource);

  /** The resource with {@code id}; fails 404 when there is none. */
  Future<T> get(String id);

  /**
   * Replaces the stored resource with {@code updated} if its stored version is still
   * {@code updated.version() - 1} (compare-and-set). Fails 404 when it is gone and 412 when
   * another change came first. Immutable fields ({@code uid}, {@code createdAt}, a project's
   * {@code organizationId}) keep their stored values; the answer is the resource as now stored.
   */
  Future<T> update(T updated);

  /**
   * Deletes the resource. {@code expectedVersion} null deletes whatever version is stored.
   * Fails 404 when absent, 412 on a version mismatch, and 409 {@code FAILED_PRECONDITION} when
   * other resources still depend on it (nothing is deleted then).
   */
  Future<Void> delete(String id, Long expectedVersion);

  /** One page in ({@code createdAt}, {@code id}) order, filtered exactly by {@code query.filters()}. */
  Future<Page<T>> list(ListQuery query);
}
