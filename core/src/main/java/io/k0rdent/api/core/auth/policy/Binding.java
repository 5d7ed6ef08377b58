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
 *
 * <p>{@code organizationId} (optional) is the organization the binding belongs to. When set on a project or
 * resource binding, the binding only ever applies to targets of that organization (project and resource ids
 * are matched by string, and an id freed by a deleted project may be taken by another organization), and a
 * custom role it names must be that organization's. Ignored at platform scope.
 */
public record Binding(String role, ScopeType type, String scopeId, Effect effect, String organizationId) {

  /** A binding without a recorded organization (see {@link #organizationId()}). */
  public Binding(String role, ScopeType type, String scopeId, Effect effect) {
    this(role, type, scopeId, effect, null);
  }

  public Binding {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(type, "type");
    if (type == ScopeType.PLATFORM) {
      scopeId = null;
      organizationId = null;
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
