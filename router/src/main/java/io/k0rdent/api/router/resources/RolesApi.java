package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.policy.PermissionCatalog;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.core.auth.policy.RoleDefinition;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.error.ApiException.FieldViolation;
import io.k0rdent.api.core.resource.Clock;
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
        r -> ResourceOperations.names(new JsonObject(), r.displayName(), r.description())
            .put("organizationId", r.organizationId()).put("permissions", IamFields.array(r.permissions()))
            .put("predefined", false));
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "listRoles", this::list,
        "createRole", this::create,
        "getRole", this::get,
        "updateRole", this::update,
        "deleteRole", this::delete,
        "listPermissions", call -> Future.succeededFuture(Reply.ok(new JsonObject()
            .put("permissions", new JsonArray(new ArrayList<>(catalog.names()))))));
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
    return ops.list(call, filters).map(reply -> {
      if (firstPage) {
        JsonArray all = new JsonArray();
        PredefinedRoles.IDS.forEach(id -> all.add(predefinedJson(predefined.get(id))));
        reply.body().getJsonArray("roles").forEach(all::add);
        reply.body().put("roles", all);
      }
      return reply;
    });
  }

  private Future<Reply> create(Call call) {
    String id = call.text("id") == null ? Slugs.generate("role") : call.text("id");
    List<String> permissions = checkedPermissions(call);
    if (PredefinedRoles.isPredefined(id)) {
      throw ApiException.conflict("ALREADY_EXISTS", "role '" + id + "' is a predefined role");
    }
    String org = call.text("orgId") == null ? call.principal().tenantId() : call.text("orgId");
    Instant now = Clock.now();
    return ops.create(new Role(id, UUID.randomUUID(), org, call.text("displayName"), call.text("description"),
        permissions, now, now, 1));
  }

  private Future<Reply> get(Call call) {
    String id = call.pathId("role");
    if (PredefinedRoles.isPredefined(id)) {
      return Future.succeededFuture(Reply.ok(predefinedJson(predefined.get(id))));
    }
    return ops.get(call);
  }

  private static void refusePredefined(String id) {
    if (PredefinedRoles.isPredefined(id)) {
      throw ApiException.conflict("FAILED_PRECONDITION", "role '" + id + "' is predefined and cannot be changed or deleted");
    }
  }

  private Future<Reply> update(Call call) {
    refusePredefined(call.pathId("role"));
    List<String> permissions = checkedPermissions(call);
    return ops.update(call, cur -> {
      String displayName = ResourceOperations.merge(call.body(), "displayName", cur.displayName());
      String description = ResourceOperations.merge(call.body(), "description", cur.description());
      List<String> p = permissions == null ? cur.permissions() : permissions;
      if (java.util.Objects.equals(displayName, cur.displayName())
          && java.util.Objects.equals(description, cur.description()) && p.equals(cur.permissions())) {
        return cur;
      }
      return cur.withChanges(displayName, description, p, Clock.now());
    }).compose(r -> services.iam().state().changed(AuthState.Kind.ROLE, call.pathId("role")).map(r));
  }

  private Future<Reply> delete(Call call) {
    refusePredefined(call.pathId("role"));
    return ops.delete(call).compose(r -> services.iam().state().changed(AuthState.Kind.ROLE, call.pathId("role")).map(r));
  }
}
