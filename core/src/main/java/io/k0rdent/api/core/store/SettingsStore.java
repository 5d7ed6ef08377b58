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

  /**
   * Stores {@code value} only if the stored value is still {@code expected} (compared as exact strings),
   * atomically cluster-wide: the way to change a value that several nodes may change at once (read,
   * compute, compare-and-set, re-read and retry on {@code false}).
   *
   * @param expected the value last read, or null to store only when no value is stored
   * @return true when {@code value} was stored, false when the stored value was not {@code expected}
   *     (nothing changed); fails like the other operations when the store cannot be reached
   */
  Future<Boolean> compareAndSet(String name, String expected, String value);

  /**
   * {@link #compareAndSet(String, String, String)} that, when it stores {@code value}, appends {@code change} to
   * the event outbox in the same transaction (a signing-key rotation's audit event); nothing when it does not.
   */
  Future<Boolean> compareAndSet(String name, String expected, String value,
                                io.k0rdent.api.core.event.ChangeEvents.Change change);
}
