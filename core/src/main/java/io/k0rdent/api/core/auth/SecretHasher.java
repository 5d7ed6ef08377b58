package io.k0rdent.api.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hashing of client secrets and API keys: HMAC-SHA-256 (RFC 2104) under the server pepper, so a
 * stolen table is useless without the pepper (production keeps it outside the database, in
 * {@code auth.pepper}) and a check costs microseconds (unlike bcrypt; the secrets are 256-bit random,
 * so there is nothing for a slow hash to protect).
 * Thread-safe: one {@link Mac} per thread.
 */
public final class SecretHasher {

  private final SecretKeySpec key;
  private final ThreadLocal<Mac> mac;

  /** @param pepper at least 32 bytes of secret key material */
  public SecretHasher(byte[] pepper) {
    if (pepper.length < 32) {
      throw new IllegalArgumentException("pepper must be at least 32 bytes");
    }
    this.key = new SecretKeySpec(pepper.clone(), "HmacSHA256");
    this.mac = ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(key);
        return m;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** base64url (no padding) of HMAC-SHA-256(pepper, secret). */
  public String hash(String secret) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(mac.get().doFinal(secret.getBytes(StandardCharsets.UTF_8)));
  }

  /** Constant-time comparison of {@code hash(secret)} with a stored hash. */
  public boolean matches(String secret, String storedHash) {
    if (secret == null || storedHash == null) {
      return false;
    }
    return MessageDigest.isEqual(hash(secret).getBytes(StandardCharsets.US_ASCII),
        storedHash.getBytes(StandardCharsets.US_ASCII));
  }
}
