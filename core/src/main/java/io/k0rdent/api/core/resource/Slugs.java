package io.k0rdent.api.core.resource;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/** Resource ids: {@code ^[a-z]([-a-z0-9]*[a-z0-9])?$}, 1 to 63 characters (the contract's id schema). */
public final class Slugs {

  /** The contract's id pattern. */
  public static final Pattern PATTERN = Pattern.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$");
  public static final int MAX_LENGTH = 63;
  private static final char[] BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Slugs() {}

  /** True when {@code s} is a valid id. */
  public static boolean isValid(String s) {
    return s != null && !s.isEmpty() && s.length() <= MAX_LENGTH && PATTERN.matcher(s).matches();
  }

  /** A server-generated id: {@code prefix + "-" + 10 random base36 characters}, e.g. {@code org-k3j9x0a1bz}. */
  public static String generate(String prefix) {
    StringBuilder sb = new StringBuilder(prefix.length() + 11).append(prefix).append('-');
    for (int i = 0; i < 10; i++) {
      sb.append(BASE36[RANDOM.nextInt(36)]);
    }
    return sb.toString();
  }
}
