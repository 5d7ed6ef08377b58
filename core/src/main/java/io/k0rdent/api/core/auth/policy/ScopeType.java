package io.k0rdent.api.core.auth.policy;

import java.util.Locale;

/**
 * Where a binding applies, outermost first: the whole platform, an organization, a project, one
 * resource. A binding grants (or denies) at its scope and every scope below it; a decision walks the
 * target's chain resource → project → organization → platform ({@link ScopeChain}).
 */
public enum ScopeType {
  PLATFORM("platform"),
  ORG("org"),
  PROJECT("project"),
  RESOURCE("resource");

  private final String wire;

  ScopeType(String wire) {
    this.wire = wire;
  }

  /** The name in the API ({@code platform}, {@code org}, {@code project}, {@code resource}). */
  public String wireName() {
    return wire;
  }

  /**
   * The scope type named {@code name} in the API; {@code organization} is accepted for {@code org} (the
   * name tokens and grants use), case-insensitively.
   *
   * @throws IllegalArgumentException for any other name (or null)
   */
  public static ScopeType fromWire(String name) {
    if (name != null) {
      String n = name.toLowerCase(Locale.ROOT);
      if (n.equals("organization")) {
        return ORG;
      }
      for (ScopeType t : values()) {
        if (t.wire.equals(n)) {
          return t;
        }
      }
    }
    throw new IllegalArgumentException("unknown scope type: " + name);
  }
}
