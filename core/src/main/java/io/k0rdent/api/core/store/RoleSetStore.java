package io.k0rdent.api.core.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;

/**
 * Content-addressed role sets: an access token names the roles it was minted with by id (the
 * {@code role_set} claim) so that tokens stay small however many roles a principal holds. An id is
 * derived from the sorted role names, so a given id always names the same roles; entries are never changed.
 */
public interface RoleSetStore {

  /** Stores {@code roles} under {@code id} (no-op when present). */
  Future<Void> put(String id, List<String> roles);

  /** The roles stored under {@code id}. */
  Future<Optional<List<String>>> get(String id);
}
