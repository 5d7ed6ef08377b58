package io.k0rdent.api.core.auth;

import io.k0rdent.api.core.auth.policy.Binding;
import io.k0rdent.api.core.auth.policy.Effect;
import io.k0rdent.api.core.auth.policy.RoleDefinition;
import io.k0rdent.api.core.auth.policy.ScopeType;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.store.Store;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the inputs of a principal's grants from the store, in the engine's terms: a stored {@link Policy}
 * becomes a {@link Binding} (organization bindings keyed by the organization id, project bindings by the
 * project id, resource bindings by the resource path without its {@code /v1/regions/<region>/} prefix), a
 * stored {@link Role} a {@link RoleDefinition}. Shared by every {@link AuthState}.
 */
public final class GrantInputs {

  private GrantInputs() {}

  /** The engine's form of a stored binding. */
  public static Binding binding(Policy p) {
    ScopeType type = ScopeType.fromWire(p.scopeType());
    String scopeId = switch (type) {
      case PLATFORM -> null;
      case ORG -> p.scopeResource() != null ? p.scopeResource() : p.organizationId();
      case PROJECT -> p.scopeResource();
      case RESOURCE -> resourceKey(p.scopeResource());
    };
    return new Binding(p.role(), type, scopeId, Policy.DENY.equals(p.effect()) ? Effect.DENY : Effect.ALLOW,
        p.organizationId());
  }

  /**
   * A resource path as bindings and decisions compare it: without a leading {@code /v1/regions/<region>/}
   * (regions do not partition grants: every region's resources of a project are its resources) or
   * {@code /}, without a trailing {@code /}, and with {@code organizations/<org>/projects/<p>/...} spelled
   * {@code projects/<p>/...} (project ids are global; callers check that {@code <org>} is the project's).
   */
  public static String resourceKey(String path) {
    if (path == null) {
      return null;
    }
    String p = path.replaceFirst("^/v1/regions/[^/]+/", "");
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.replaceFirst("^organizations/[^/]+/(projects/[^/]+)", "$1");
  }

  /** The engine's form of a custom role. */
  public static RoleDefinition definition(Role r) {
    return new RoleDefinition(r.id(), r.organizationId(), r.permissions());
  }

  /** The bindings naming {@code p} directly (one indexed query). */
  public static Future<List<Binding>> bindings(Store store, PrincipalRef p) {
    return store.policies().forPrincipals(List.of(p)).map(list -> {
      List<Binding> out = new ArrayList<>(list.size());
      list.forEach(x -> out.add(binding(x)));
      return List.copyOf(out);
    });
  }

  /** The custom role {@code id}, or null. */
  public static Future<RoleDefinition> customRole(Store store, String id) {
    return orNull(store.roles().get(id)).map(r -> r == null ? null : definition(r));
  }

  /** {@code f}, with a 404 turned into null. */
  public static <T> Future<T> orNull(Future<T> f) {
    return f.recover(e -> e instanceof ApiException a && a.status() == 404
        ? Future.succeededFuture() : Future.failedFuture(e));
  }
}
