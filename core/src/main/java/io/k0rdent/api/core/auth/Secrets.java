package io.k0rdent.api.core.auth;

import java.security.SecureRandom;
import java.util.Base64;

/** Server-generated secrets: 256 bits from {@link SecureRandom}, base64url without padding. */
public final class Secrets {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** 32 random bytes. */
  public static byte[] randomBytes() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return b;
  }

  /** 43 characters of base64url carrying 256 random bits. */
  public static String random256() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
  }

  /** A service-account client secret: {@code plt_cs_<credentialId>_<random256>}. */
  public static String clientSecret(String credentialId) {
    return "plt_cs_" + credentialId + "_" + random256();
  }
}
