package io.k0rdent.api.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Role-set ids: the first 128 bits of SHA-256 over the sorted, distinct role names joined by a newline,
 * base64url without padding (22 characters). An access token carries this id (claim {@code role_set})
 * rather than its roles, so that its size does not depend on how many roles a principal holds.
 */
public final class RoleSets {

  /** The id of the empty set, never stored. */
  public static final String EMPTY = idOf(List.of());

  private RoleSets() {}

  /** The sorted, distinct roles. */
  public static List<String> normalize(Collection<String> roles) {
    return List.copyOf(new TreeSet<>(roles));
  }

  /** The id of {@code roles} (order and duplicates do not matter). */
  public static String idOf(Collection<String> roles) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest(String.join("\n", normalize(roles)).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
