package io.k0rdent.api.core.store;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers the outcome of {@code POST} requests sent with an {@code Idempotency-Key}, per calling
 * principal (a key never replays for another principal). Records expire after a retention period.
 */
public interface IdempotencyStore {

  /** A stored request: its hash, and the response once it completed ({@code status} 0 while in flight). */
  record Entry(String requestHash, int status, String body, Map<String, String> headers) {
    public boolean completed() {
      return status != 0;
    }
  }

  /**
   * Reserves ({@code principal}, {@code key}) for a request with {@code requestHash}. Answers empty when
   * this call made the reservation (the caller must later {@link #complete} or {@link #release} it),
   * otherwise the entry already held (possibly still in flight). Expired entries count as absent.
   */
  Future<Optional<Entry>> reserve(String principal, String key, String requestHash, Instant expiresAt);

  /** Records the final response of a reserved request so that retries replay it. */
  Future<Void> complete(String principal, String key, int status, String body, Map<String, String> headers);

  /** Drops a reservation whose request failed in a way worth retrying (5xx). */
  Future<Void> release(String principal, String key);
}
