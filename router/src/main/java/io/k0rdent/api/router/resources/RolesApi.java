package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.policy.PermissionCatalog;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.core.auth.policy.RoleDefinition;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.error.ApiException.FieldViolation;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Handlers of the role operations (upstream {@code listRoles}, {@code createRole}, {@code getRole},
 * {@code updateRole}, {@code deleteRole}) and of the extension {@code listPermissions}. Predefined roles
 * ({@link PredefinedRoles}) are answered from code: they are listed (first page only, ahead of the
 * organization's custom roles), readable, and cannot be changed or deleted (409). Custom roles belong to
 * an organization; a permission that matches nothing in the catalogue is 400 naming it; an id of a
 * predefined role is 409.
 *
 * <p>Authorization: a custom role is decided at its organization's chain ({@code iam.roles.*}; one the
 * caller may not read is a 404, as a missing one). Creating a role, or adding permissions to one, is
 * "only grant what you hold": the caller must itself hold every permission of the role in that
 * organization, else 403 naming what it lacks. The predefined roles and the permission catalogue are the
 * product's, the same for everyone: they are shown to a caller who may {@code iam.roles.list}
 * ({@code listRoles}, {@code listPermissions}) or {@code iam.roles.get} ({@code getRole}) at its own place
 * ({@link Scopes#home}: its token's project, else its organization), so any member whose role includes
 * them, without regard to the organization a list asks for; {@code getRole} of a predefined role is 403
 * otherwise (it is no secret that it exists).
 */
public final class RolesApi {

  public static final String COLLECTION = "/v1/regions/global/iam/roles";
  /** When predefined roles are shown as created: they ship with the product. */
  static final Instant PREDEFINED_AT = Instant.EPOCH;

  private final Store store;
  private final ApiServices services;
  private final PermissionCatalog catalog = Permissions.catalog();
  private final Map<String, RoleDefinition> predefined = PredefinedRoles.standard();
  private final ResourceOperations<Role> ops;

  public RolesApi(ApiServices services) {
    this.store = services.store();
    this.services = services;
    this.ops = new ResourceOperations<>("role", COLLECTION, "roles", store.roles(), services.pageTokens(),
        RolesApi::fields);
  }

  /** A custom role's fields as the API shows them. */
  static JsonObject fields(Role r) {
    return ResourceOperations.names(new JsonObject(), r.displayName(), r.description())
        .put("organizationId", r.organizationId()).put("permissions", IamFields.array(r.permissions()))
        .put("predefined", false);
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "listRoles", this::list,
        "createRole", this::create,
        "getRole", this::get,
        "updateRole", this::update,
        "deleteRole", this::delete,
        "listPermissions", call -> {
          call.require(Permissions.ROLES_LIST, Scopes.home(call));
          return Future.succeededFuture(Reply.ok(new JsonObject()
              .put("permissions", new JsonArray(new ArrayList<>(catalog.names())))));
        });
  }

  private static void guard(Call call, String permission, Role r) {
    call.requireVisible(permission, ScopeChain.organization(r.organizationId()), "role", r.id());
  }

  /** 403 naming the permissions of {@code permissions} the caller does not hold in organization {@code org}. */
  private static void requireHeld(Call call, List<String> permissions, String org) {
    List<String> missing = call.grants() == null ? permissions
        : call.grants().missing(permissions, ScopeChain.organization(org));
    if (!missing.isEmpty()) {
      throw ApiException.permissionDenied("the caller cannot grant permissions it does not hold in organization '"
          + org + "': " + String.join(", ", missing));
    }
  }

  private JsonObject predefinedJson(RoleDefinition r) {
    String ts = java.time.format.DateTimeFormatter.ISO_INSTANT.format(PREDEFINED_AT);
    return new JsonObject().put("selfLink", COLLECTION + "/" + r.id())
        .put("uid", UUID.nameUUIDFromBytes(("k0rdent-role:" + r.id()).getBytes(StandardCharsets.UTF_8)).toString())
        .put("id", r.id()).put("displayName", r.id()).put("permissions", IamFields.array(r.permissions()))
        .put("predefined", true).put("createdAt", ts).put("updatedAt", ts);
  }

  /** 400 naming every permission pattern that is malformed or matches nothing. */
  private List<String> checkedPermissions(Call call) {
    if (call.body() == null || !call.body().hasNonNull("permissions")) {
      return null;
    }
    List<String> permissions = textArray(call, "permissions");
    if (permissions.contains("*")) {
      throw ApiException.invalidField("permissions", "a custom role cannot hold every permission ('*'); "
          + "platform-wide powers belong to the predefined platform-admin role");
    }
    List<String> unknown = catalog.unknown(permissions);
    if (!unknown.isEmpty()) {
      List<FieldViolation> v = new ArrayList<>();
      for (String p : unknown) {
        v.add(new FieldViolation("permissions", "unknown permission '" + p + "'"));
      }
      throw ApiException.invalidArgument("unknown permissions: " + String.join(", ", unknown), v);
    }
    return permissions;
  }

  private static List<String> textArray(Call call, String field) {
    List<String> out = new ArrayList<>();
    call.body().get(field).forEach(n -> out.add(n.asText()));
    return out;
  }

  private Future<Reply> list(Call call) {
    String org = IamFields.slug(call, "orgId");
    String organizationId = org == null ? call.principal().tenantId() : org;
    Map<String, String> filters = new HashMap<>();
    filters.put("organizationId", organizationId);
    boolean firstPage = call.query("pageToken") == null || call.query("pageToken").isEmpty();
    boolean whole = call.allowed(Permissions.ROLES_LIST, ScopeChain.organization(organizationId));
    boolean showPredefined = whole || call.allowed(Permissions.ROLES_LIST, Scopes.home(call));
    Future<Reply> page = Scopes.hidden(call, Permissions.ROLES_LIST, organizationId) ? ops.emptyList(call, filters)
        : whole ? ops.list(call, filters) : ops.list(call, filters,
        r -> call.grants().allowed(Permissions.ROLES_GET, ScopeChain.organization(r.organizationId())));
    return page.map(reply -> {
      if (firstPage && showPredefined) {
        JsonArray all = new JsonArray();
        PredefinedRoles.IDS.forEach(id -> all.add(predefinedJson(predefined.get(id))));
        reply.body().getJsonArray("roles").forEach(all::add);
        reply.body().put("roles", all);
      }
      return reply;
    });
  }

  private Future<Reply> create(Call call) {
    String org = call.text("orgId") == null ? call.principal().tenantId() : call.text("orgId");
    Scopes.requireInOrganization(call, Permissions.ROLES_CREATE, org, "orgId");
    String id = call.text("id") == null ? Slugs.generate("role") : call.text("id");
    List<String> permissions = checkedPermissions(call);
    if (PredefinedRoles.isPredefined(id)) {
      throw ApiException.conflict("ALREADY_EXISTS", "role '" + id + "' is a predefined role");
    }
    requireHeld(call, permissions, org);
    Instant now = Clock.now();
    return ops.create(new Role(id, UUID.randomUUID(), org, call.text("displayName"), call.text("description"),
        permissions, now, now, 1)).compose(r -> services.iam().state().changed(AuthState.Kind.ROLE, id).map(r));
  }

  private Future<Reply> get(Call call) {
    String id = call.pathId("role");
    if (PredefinedRoles.isPredefined(id)) {
      call.require(Permissions.ROLES_GET, Scopes.home(call));
      return Future.succeededFuture(Reply.ok(predefinedJson(predefined.get(id))));
    }
    return ops.get(call, r -> guard(call, Permissions.ROLES_GET, r));
  }

  private static void refusePredefined(String id) {
    if (PredefinedRoles.isPredefined(id)) {
      throw ApiException.conflict("FAILED_PRECONDITION", "role '" + id + "' is predefined and cannot be changed or deleted");
    }
  }

  private Future<Reply> update(Call call) {
    refusePredefined(call.pathId("role"));
    List<String> permissions = checkedPermissions(call);
    return ops.guarded(call, r -> guard(call, Permissions.ROLES_UPDATE, r))
        .compose(role -> permissions == null ? Future.succeededFuture(List.<Policy>of()) : denyBindings(role.id(), null,
            new ArrayList<>()))
        .compose(denies -> ops.update(call, cur -> {
      if (permissions != null) {
        // the permissions added grant wherever the role is bound: held at the organization; those removed
        // stop being denied wherever the role is deny-bound: held there
        requireHeld(call, permissions.stream().filter(x -> !cur.permissions().contains(x)).toList(),
            cur.organizationId());
        List<String> removed = cur.permissions().stream().filter(x -> !permissions.contains(x)).toList();
        for (Policy d : denies) {
          List<String> missing = call.grants().missing(removed, PoliciesApi.chain(d));
          if (!removed.isEmpty() && !missing.isEmpty()) {
            throw ApiException.permissionDenied("the caller cannot lift what role '" + cur.id() + "' denies: it "
                + "does not hold " + String.join(", ", missing) + " where policy '" + d.id() + "' denies it");
          }
        }
      }
      String displayName = ResourceOperations.merge(call.body(), "displayName", cur.displayName());
      String description = ResourceOperations.merge(call.body(), "description", cur.description());
      List<String> p = permissions == null ? cur.permissions() : permissions;
      if (java.util.Objects.equals(displayName, cur.displayName())
          && java.util.Objects.equals(description, cur.description()) && p.equals(cur.permissions())) {
        return cur;
      }
      return cur.withChanges(displayName, description, p, Clock.now());
    })).compose(r -> services.iam().state().changed(AuthState.Kind.ROLE, call.pathId("role")).map(r));
  }

  /** Every deny binding naming role {@code roleId}. */
  private Future<List<Policy>> denyBindings(String roleId, io.k0rdent.api.core.store.PageCursor after,
                                           List<Policy> into) {
    return store.policies().list(new io.k0rdent.api.core.store.ListQuery(Map.of("role", roleId), after, 500))
        .compose(page -> {
          page.items().stream().filter(p -> Policy.DENY.equals(p.effect())).forEach(into::add);
          return page.next() == null ? Future.succeededFuture(into) : denyBindings(roleId, page.next(), into);
        });
  }

  private Future<Reply> delete(Call call) {
    refusePredefined(call.pathId("role"));
    return ops.guarded(call, r -> guard(call, Permissions.ROLES_DELETE, r)).compose(r -> ops.delete(call)).compose(r -> services.iam().state().changed(AuthState.Kind.ROLE, call.pathId("role")).map(r));
  }
}
