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
    String p = trimSlashes(withoutRegion(path));
    // organizations/<org>/projects/<p>... → projects/<p>...
    if (p.startsWith(ORGANIZATIONS)) {
      int orgEnd = p.indexOf('/', ORGANIZATIONS.length());
      if (orgEnd > ORGANIZATIONS.length() && p.startsWith(PROJECTS, orgEnd + 1)) {
        int id = orgEnd + 1 + PROJECTS.length();
        if (id < p.length() && p.charAt(id) != '/') {
          return p.substring(orgEnd + 1);
        }
      }
    }
    return p;
  }

  private static final String REGIONS = "/v1/regions/";
  private static final String ORGANIZATIONS = "organizations/";
  private static final String PROJECTS = "projects/";

  /** {@code path} without a leading {@code /v1/regions/<region>/} (a non-empty region), else as it is. */
  public static String withoutRegion(String path) {
    if (path.startsWith(REGIONS)) {
      int end = path.indexOf('/', REGIONS.length());
      if (end > REGIONS.length()) {
        return path.substring(end + 1);
      }
    }
    return path;
  }

  /** {@code s} without leading and trailing slashes. */
  public static String trimSlashes(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && s.charAt(from) == '/') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == '/') {
      to--;
    }
    return from == 0 && to == s.length() ? s : s.substring(from, to);
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
