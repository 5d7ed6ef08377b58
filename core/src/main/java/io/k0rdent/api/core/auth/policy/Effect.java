package io.k0rdent.api.core.auth.policy;

import java.util.Locale;

/** Whether a binding grants its role's permissions or takes them away; a deny always wins. */
public enum Effect {
  ALLOW,
  DENY;

  /** The name in the API: {@code allow} or {@code deny}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The effect named {@code name} ({@code allow} or {@code deny}, case-insensitive); null means the
   * default, {@link #ALLOW}.
   *
   * @throws IllegalArgumentException for any other name
   */
  public static Effect fromWire(String name) {
    if (name == null) {
      return ALLOW;
    }
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "allow" -> ALLOW;
      case "deny" -> DENY;
      default -> throw new IllegalArgumentException("unknown effect: " + name);
    };
  }
}
