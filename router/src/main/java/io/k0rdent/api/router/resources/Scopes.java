package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.router.Call;

/**
 * Authorization rules shared by the resource handlers, so that every type answers alike: what may be
 * created where, what a list shows, and how a parent the caller may not know of is answered (exactly as a
 * parent that does not exist, so nothing of another tenant is disclosed).
 */
public final class Scopes {

  private Scopes() {}

  /** Whether the caller may know organization {@code org} exists: its own, or one it may read. */
  public static boolean knowsOrganization(Call call, String org) {
    return org != null && (org.equals(call.principal().tenantId())
        || call.grants() != null && call.grants().allowed(Permissions.ORGANIZATIONS_GET, ScopeChain.organization(org)));
  }

  /** Whether the caller may know project {@code project} of {@code org} exists: its token's, or one it may read. */
  public static boolean knowsProject(Call call, String org, String project) {
    return ("project".equals(call.principal().scope()) && project.equals(call.principal().scopeId()))
        || call.grants() != null && call.grants().allowed(Permissions.PROJECTS_GET, ScopeChain.project(org, project));
  }

  /**
   * For an action inside organization {@code org} named by the request ({@code field}): passes when the
   * caller may {@code permission} there; else 403 when it knows the organization, and otherwise the 400
   * a missing organization gets.
   */
  public static void requireInOrganization(Call call, String permission, String org, String field) {
    if (call.allowed(permission, ScopeChain.organization(org))) {
      return;
    }
    if (knowsOrganization(call, org)) {
      throw ApiException.permissionDenied("the caller may not " + permission + " in organization '" + org + "'");
    }
    throw ApiException.invalidField(field, "organization '" + org + "' does not exist");
  }

  /**
   * As {@link #requireInOrganization} for an action inside project {@code project} of {@code org}; a project
   * the caller may not know of gets the 400 a missing project gets.
   */
  public static void requireInProject(Call call, String permission, String org, String project, String field) {
    if (call.allowed(permission, ScopeChain.project(org, project))) {
      return;
    }
    if (knowsProject(call, org, project)) {
      throw ApiException.permissionDenied("the caller may not " + permission + " in project '" + project + "'");
    }
    throw ApiException.invalidField(field, "project '" + project + "' does not exist");
  }

  /**
   * The organization a list is confined to: the one asked for ({@code asked}), else null (every
   * organization) for a caller who may {@code permission} at platform scope, else the caller's own.
   */
  public static String listedOrganization(Call call, String permission, String asked) {
    if (asked != null) {
      return asked;
    }
    return call.allowed(permission, ScopeChain.PLATFORM) ? null : call.principal().tenantId();
  }

  /**
   * Whether a list confined to organization {@code org} must answer as if the organization did not exist:
   * the caller may not {@code permission} there and does not know of it ({@link #knowsOrganization}). Its
   * items would all be filtered out, but their number would still show through page tokens.
   */
  public static boolean hidden(Call call, String permission, String org) {
    return org != null && !call.allowed(permission, ScopeChain.organization(org)) && !knowsOrganization(call, org);
  }

  /**
   * Whether the whole list of organization {@code org} (null: all) may be shown; when not, each item must
   * pass its own read check.
   */
  public static boolean listsWhole(Call call, String permission, String org) {
    return call.allowed(permission, org == null ? ScopeChain.PLATFORM : ScopeChain.organization(org));
  }

  /**
   * "Only grant what you hold": passes when every role of {@code roles} exists for organization {@code org}
   * (predefined, or a custom role of it) and the caller holds all its permissions at {@code chain}; an
   * unknown role is a 400 on {@code field}, a role not held a 403 naming the permissions missing.
   */
  public static io.vertx.core.Future<Void> requireHeld(Call call, io.k0rdent.api.core.auth.Grants grants,
                                                       java.util.List<String> roles, String org, ScopeChain chain,
                                                       String field) {
    if (roles == null || roles.isEmpty()) {
      return io.vertx.core.Future.succeededFuture();
    }
    java.util.List<io.vertx.core.Future<io.k0rdent.api.core.auth.policy.RoleDefinition>> defs = new java.util.ArrayList<>();
    roles.forEach(r -> defs.add(grants.role(r)));
    return io.vertx.core.Future.all(defs).map(all -> {
      for (int i = 0; i < roles.size(); i++) {
        io.k0rdent.api.core.auth.policy.RoleDefinition d = all.resultAt(i);
        if (d == null || (d.organizationId() != null && !d.organizationId().equals(org))) {
          throw ApiException.invalidField(field, "role '" + roles.get(i) + "' does not exist");
        }
        java.util.List<String> missing = call.grants() == null ? d.permissions() : call.grants().missing(d.permissions(), chain);
        if (!missing.isEmpty()) {
          throw ApiException.permissionDenied("the caller cannot grant role '" + roles.get(i)
              + "': it does not hold " + String.join(", ", missing) + " there");
        }
      }
      return null;
    });
  }

  /**
   * The caller's own place, where it is decided on things that belong to no organization in particular
   * (the permission catalogue, the predefined roles): its token's project when the token is confined to
   * one, else its organization (a platform binding reaches both).
   */
  public static ScopeChain home(Call call) {
    var p = call.principal();
    return "project".equals(p.scope()) && p.scopeId() != null ? ScopeChain.project(p.tenantId(), p.scopeId())
        : ScopeChain.organization(p.tenantId());
  }

  /**
   * "Only grant what you hold" for what the stored {@code bindings} of {@code effect} confer (a new group
   * member receives the group's allow bindings; a member leaving a group escapes its deny bindings; a
   * service account's credential carries the account's bindings): the caller must hold each binding's
   * role where it is bound, else 403 naming what it lacks.
   */
  public static io.vertx.core.Future<Void> requireHoldsBindings(Call call, io.k0rdent.api.core.auth.Grants grants,
                                                                java.util.List<io.k0rdent.api.core.resource.Policy> bindings,
                                                                String effect, String field) {
    java.util.List<io.vertx.core.Future<Void>> held = new java.util.ArrayList<>();
    for (io.k0rdent.api.core.resource.Policy p : bindings) {
      if (effect.equals(p.effect())) {
        held.add(requireHeld(call, grants, java.util.List.of(p.role()), p.organizationId(), PoliciesApi.chain(p),
            field));
      }
    }
    return io.vertx.core.Future.all(held).mapEmpty();
  }
}
