package io.k0rdent.api.core.auth.policy;

import java.util.Objects;

/**
 * One policy binding of a principal, as the engine needs it: {@code role} (a role id) at scope
 * {@code type}/{@code scopeId} with {@code effect}. Which principal it binds is not part of it: a
 * principal's snapshot is compiled from its own bindings and those of its groups
 * ({@link GrantSnapshot#compile}).
 *
 * <p>{@code scopeId} is null at {@link ScopeType#PLATFORM} scope (any value given there is dropped), the
 * organization id at {@link ScopeType#ORG}, the project id at {@link ScopeType#PROJECT} and the
 * resource's identifier at {@link ScopeType#RESOURCE} — the same string the caller later puts in
 * {@link ScopeChain#resource()}. A null {@code effect} is {@link Effect#ALLOW}. The constructor throws
 * {@link NullPointerException} if {@code role} or {@code type} is null, or {@code scopeId} is null below
 * platform scope.
 */
public record Binding(String role, ScopeType type, String scopeId, Effect effect) {

  public Binding {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(type, "type");
    if (type == ScopeType.PLATFORM) {
      scopeId = null;
    } else {
      Objects.requireNonNull(scopeId, "scopeId (required below platform scope)");
    }
    if (effect == null) {
      effect = Effect.ALLOW;
    }
  }

  /** An allow binding of {@code role} at {@code type}/{@code scopeId}. */
  public static Binding allow(String role, ScopeType type, String scopeId) {
    return new Binding(role, type, scopeId, Effect.ALLOW);
  }

  /** A deny binding of {@code role} at {@code type}/{@code scopeId}. */
  public static Binding deny(String role, ScopeType type, String scopeId) {
    return new Binding(role, type, scopeId, Effect.DENY);
  }
}
