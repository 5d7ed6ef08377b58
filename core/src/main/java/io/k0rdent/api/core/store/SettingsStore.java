package io.k0rdent.api.core.store;

import io.vertx.core.Future;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Server-wide named values that must survive restarts and be the same on every node: the JWT signing
 * key, the secret-hashing pepper, the bootstrap credential. Values are strings (JSON where structured).
 */
public interface SettingsStore {

  /** The stored value, or {@code initial.get()} stored atomically if none was (first writer wins cluster-wide). */
  Future<String> getOrCreate(String name, Supplier<String> initial);

  Future<Optional<String>> get(String name);

  /** Creates or replaces the value. */
  Future<Void> put(String name, String value);
}
