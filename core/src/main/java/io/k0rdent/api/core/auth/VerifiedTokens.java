package io.k0rdent.api.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Verify-once for bearer tokens: a token whose signature and claims were checked is remembered, keyed by
 * the SHA-256 of the token (least recently used first out, at most {@link #DEFAULT_CAPACITY} per
 * instance), until its {@code exp}, so later calls with it cost a hash and a map lookup instead of a
 * signature check. Expiry is re-checked on every hit. Not thread-safe: one instance per verticle (event
 * loop), like the verifier it fronts. Revocation and credential state are not checked here: see
 * {@link ActiveTokens}.
 */
public final class VerifiedTokens {

  /** Tokens remembered per instance. */
  public static final int DEFAULT_CAPACITY = 10_000;

  private final Function<String, Principal> verify;
  private final Map<String, Principal> cache;
  private final MessageDigest sha256;

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
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** base64url of SHA-256 of the token: how tokens are keyed (never the token itself). */
  public String key(String token) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
  }

  /** The principal of {@code token}: from memory while unexpired, else verified (and remembered). */
  public Principal principal(String token, Instant now) {
    if (token == null || token.length() > AccessTokenVerifier.MAX_TOKEN_LENGTH) {
      return verify.apply(token);
    }
    String k = key(token);
    Principal p = cache.get(k);
    if (p != null) {
      if (now.isBefore(p.expiresAt())) {
        return p;
      }
      cache.remove(k);
    }
    Principal verified = verify.apply(token);
    cache.put(k, verified);
    return verified;
  }

  /** Forgets every remembered token (when a key they may have been verified with is no longer held). */
  public void clear() {
    cache.clear();
  }

  /** Tokens currently remembered. */
  public int size() {
    return cache.size();
  }
}
