package io.k0rdent.api.core.auth;

/**
 * A role bound to a principal at a scope (ARCHITECTURE.md §6): {@code scopeType} is one of
 * {@code platform}, {@code organization}, {@code project}; {@code scopeId} is null at platform scope.
 */
public record Grant(String role, String scopeType, String scopeId) {
  /** The platform-wide administrator grant the provider's bootstrap service account holds. */
  public static final Grant PLATFORM_ADMIN = new Grant("admin", "platform", null);
}
