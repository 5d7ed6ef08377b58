package io.k0rdent.api.core.auth;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Verify-once for bearer tokens: a token whose signature and claims were checked is remembered (least
 * recently used first out, at most {@link #DEFAULT_CAPACITY} per instance) until its {@code exp}, so
 * later calls with it cost a map lookup instead of a signature check. Expiry is re-checked on every hit.
 * Not thread-safe: one instance per verticle (event loop), like the verifier it fronts. Revocation, when it
 * exists, must still be checked on every call by the caller.
 */
public final class VerifiedTokens {

  /** Tokens remembered per instance. */
  public static final int DEFAULT_CAPACITY = 10_000;

  private final Function<String, Principal> verify;
  private final Map<String, Principal> cache;

  /**
   * @param verify   the full check ({@link AccessTokenVerifier#verify}); it throws for a bad token, and
   *                 what it throws is never cached
   * @param capacity tokens remembered at most
   */
  public VerifiedTokens(Function<String, Principal> verify, int capacity) {
    this.verify = verify;
    this.cache = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Principal> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The principal of {@code token}: from memory while unexpired, else verified (and remembered). */
  public Principal principal(String token, Instant now) {
    Principal p = cache.get(token);
    if (p != null) {
      if (now.isBefore(p.expiresAt())) {
        return p;
      }
      cache.remove(token);
    }
    Principal verified = verify.apply(token);
    cache.put(token, verified);
    return verified;
  }

  /** Tokens currently remembered. */
  public int size() {
    return cache.size();
  }
}
