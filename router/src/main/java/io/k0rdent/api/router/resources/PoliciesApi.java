package io.k0rdent.api.router.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.GrantInputs;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Handlers of the policy operations (upstream {@code listPolicies}, {@code createPolicy},
 * {@code getPolicy}, {@code deletePolicy}): bindings of a role to a principal ({@code user},
 * {@code group}, {@code serviceAccount}) at a scope ({@code org}, {@code project}, {@code resource}, and
 * the extension {@code platform}), with the extension {@code effect} {@code allow} (default) or
 * {@code deny}. A binding never changes: delete it and create another. The role must be predefined or a
 * custom role of the binding's organization, the principal and a project scope must exist in it (400).
 *
 * <p>Authorization: a binding is decided at the chain of its scope ({@link #chain}): the platform, its
 * organization, its project, or its resource (under its project when the path names one). Creating one
 * needs {@code iam.policies.create} there (a parent the caller may not know of is answered as a missing
 * one) and "only grant what you hold": the caller must hold every permission of the bound role at that
 * scope (403 naming what it lacks), for a deny binding too (it may only deny what it holds). A binding the
 * caller may not read is a 404. A list shows the organization asked for (default: the caller's; every
 * organization and the platform bindings for a caller who may list them at platform scope), entirely
 * when the caller may list policies there, else the bindings it may read.
 */
public final class PoliciesApi {

  public static final String COLLECTION = "/v1/regions/global/iam/policies";
  private final Store store;
  private final ResourceOperations<Policy> ops;
  private final String providerOrganizationId;
  private final AuthState state;
  private final Grants grants;

  public PoliciesApi(ApiServices services) {
    this.state = services.iam().state();
    this.grants = services.grants();
    this.store = services.store();
    this.providerOrganizationId = services.providerOrganizationId();
    this.ops = new ResourceOperations<>("policy", COLLECTION, "policies", store.policies(), services.pageTokens(),
        PoliciesApi::fields);
  }

  /** The binding's fields as the API shows them. */
  static JsonObject fields(Policy p) {
      JsonObject scope = new JsonObject().put("type", p.scopeType());
      if (p.scopeResource() != null) {
        scope.put("resource", p.scopeResource());
      }
      JsonObject o = ResourceOperations.names(new JsonObject(), p.displayName(), p.description());
      if (p.organizationId() != null) {
        o.put("organizationId", p.organizationId());
      }
      return o.put("role", p.role())
          .put("principal", new JsonObject().put("type", p.principalType()).put("id", p.principalId()))
          .put("scope", scope).put("effect", p.effect());
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "listPolicies", this::list,
        "createPolicy", this::create,
        "getPolicy", call -> ops.get(call, p -> guard(call, Permissions.POLICIES_GET, p)),
        "deletePolicy", call -> ops.guarded(call, p -> guard(call, Permissions.POLICIES_DELETE, p))
            // removing a deny grants back what it denied: only for a caller holding that
            .compose(p -> (Policy.DENY.equals(p.effect())
                ? Scopes.requireHeld(call, grants, List.of(p.role()), p.organizationId(), chain(p), "role")
                : Future.<Void>succeededFuture()).map(p))
            .compose(p -> ops.delete(call).compose(r -> announce(p).map(r))));
  }

  private static void guard(Call call, String permission, Policy p) {
    call.requireVisible(permission, chain(p), "policy", p.id());
  }

  /** The chain a binding is decided at: that of its scope. */
  static ScopeChain chain(Policy p) {
    return chain(p.scopeType(), p.organizationId(), p.scopeResource());
  }

  static ScopeChain chain(String scopeType, String org, String resource) {
    return switch (scopeType) {
      case Policy.PLATFORM -> ScopeChain.PLATFORM;
      case Policy.PROJECT -> ScopeChain.project(org, resource);
      case Policy.RESOURCE -> ScopeChain.resource(org, projectOf(resource), GrantInputs.resourceKey(resource));
      default -> ScopeChain.organization(org);
    };
  }

  /** The project a resource path lies in ({@code projects/<id>/...}), or null. */
  private static String projectOf(String resource) {
    String[] parts = GrantInputs.resourceKey(resource).split("/", -1);
    return parts.length >= 2 && parts[0].equals("projects") ? parts[1] : null;
  }

  /**
   * Passes when the caller may create a binding at {@code scopeType}/{@code resource} of {@code org}; else 403
   * when it may know the binding's parent (platform: always), and otherwise the 400 a missing parent gets.
   */
  private static void requireCreate(Call call, String scopeType, String org, String resource) {
    String p = Permissions.POLICIES_CREATE;
    switch (scopeType) {
      case Policy.PLATFORM -> call.require(p, ScopeChain.PLATFORM);
      case Policy.PROJECT -> Scopes.requireInProject(call, p, org, resource, "scope.resource");
      case Policy.RESOURCE -> {
        ScopeChain chain = chain(scopeType, org, resource);
        if (call.allowed(p, chain)) {
          return;
        }
        String project = chain.projectId();
        if (project == null ? Scopes.knowsOrganization(call, org) : Scopes.knowsProject(call, org, project)) {
          throw ApiException.permissionDenied("the caller may not " + p + " on '" + resource + "'");
        }
        throw badResource();
      }
      default -> Scopes.requireInOrganization(call, p, org, "orgId");
    }
  }

  private static ApiException badResource() {
    return ApiException.invalidField("scope.resource", "a resource binding names a resource path of "
        + "its organization, such as projects/<project>/compute/clusters/<id>");
  }

  /** Tells every node that the bindings of the policy's principal changed (after the store committed). */
  private Future<Void> announce(Policy p) {
    return state.changed(AuthState.Kind.BINDINGS, AuthState.principalKey(p.principal()));
  }

  /** The organization of a principal; 400 naming {@code principal.id} when there is none. */
  private Future<String> organizationOf(String type, String id) {
    Future<String> org = switch (type) {
      case "user" -> store.users().get(id).map(io.k0rdent.api.core.resource.User::organizationId);
      case "group" -> store.groups().get(id).map(io.k0rdent.api.core.resource.Group::organizationId);
      default -> store.serviceAccounts().get(id).map(io.k0rdent.api.core.resource.ServiceAccount::organizationId);
    };
    return org.recover(e -> Future.failedFuture(e instanceof ApiException a && a.status() == 404
        ? ApiException.invalidField("principal.id", type + " '" + id + "' does not exist") : e));
  }

  /**
   * A resource-scope binding names a resource path inside its organization: {@code organizations/<org>/...}
   * or {@code projects/<project of org>/...} (a leading {@code /v1/regions/<region>/} is allowed); else 400.
   */
  private Future<Void> resourceInOrganization(String resource, String org) {
    ApiException bad = badResource();
    // validated exactly as decisions will read it: the one canonical key (GrantInputs.resourceKey), in
    // which organizations/<org>/projects/<p>/... is projects/<p>/...; <org> must then be this organization
    String path = GrantInputs.resourceKey(resource);
    String[] given = resource.replaceFirst("^/v1/regions/[^/]+/", "").replaceAll("^/+|/+$", "").split("/", -1);
    if (given.length >= 4 && given[0].equals("organizations") && given[2].equals("projects")
        && !given[1].equals(org)) {
      return Future.failedFuture(bad);
    }
    String[] parts = path.split("/", -1);
    if (parts.length < 3 || java.util.Arrays.stream(parts).anyMatch(p -> !Slugs.isValid(p))) {
      return Future.failedFuture(bad);
    }
    if (parts[0].equals("organizations")) {
      return parts[1].equals(org) ? Future.succeededFuture() : Future.failedFuture(bad);
    }
    if (!parts[0].equals("projects")) {
      return Future.failedFuture(bad);
    }
    return store.projects().get(parts[1]).recover(e -> Future.failedFuture(e instanceof ApiException a
        && a.status() == 404 ? bad : e)).map(p -> {
          if (!p.organizationId().equals(org)) {
            throw bad;
          }
          return null;
        });
  }

  private Future<Reply> list(Call call) {
    String org = Scopes.listedOrganization(call, Permissions.POLICIES_LIST, IamFields.slug(call, "orgId"));
    Map<String, String> filters = new HashMap<>();
    filters.put("organizationId", org);
    filters.put("scopeType", IamFields.oneOf(call, "scope", Policy.ORG, Policy.PROJECT, Policy.RESOURCE));
    String resource = call.query("resource");
    if (resource != null && (resource.isEmpty() || resource.length() > 1024
        || io.k0rdent.api.router.BodyValidator.badCharacter(resource) != null)) {
      throw ApiException.invalidField("resource", "resource must be 1 to 1024 characters of text");
    }
    filters.put("scopeResource", resource);
    if (Scopes.hidden(call, Permissions.POLICIES_LIST, org)) {
      return ops.emptyList(call, filters);
    }
    if (Scopes.listsWhole(call, Permissions.POLICIES_LIST, org)) {
      return ops.list(call, filters);
    }
    return ops.list(call, filters, p -> call.grants().allowed(Permissions.POLICIES_GET, chain(p)));
  }

  private Future<Reply> create(Call call) {
    JsonNode body = call.body();
    String id = call.text("id") == null ? Slugs.generate("policy") : call.text("id");
    String role = call.text("role");
    String principalType = body.get("principal").get("type").asText();
    String principalId = body.get("principal").get("id").asText();
    String scopeType = body.get("scope").get("type").asText();
    JsonNode res = body.get("scope").get("resource");
    String scopeResource = res == null || res.isNull() ? null : res.asText();
    String effect = call.text("effect") == null ? Policy.ALLOW : call.text("effect");
    if (Policy.PLATFORM.equals(scopeType) && call.text("orgId") != null) {
      throw ApiException.invalidField("orgId", "a platform-scope binding belongs to no organization");
    }
    if (PredefinedRoles.PLATFORM_ADMIN.equals(role) && !Policy.PLATFORM.equals(scopeType)) {
      throw ApiException.invalidField("role", "platform-admin can only be bound at platform scope");
    }
    String org = Policy.PLATFORM.equals(scopeType) ? null
        : call.text("orgId") == null ? call.principal().tenantId() : call.text("orgId");
    if (Policy.ORG.equals(scopeType)) {
      if (scopeResource != null && !scopeResource.equals(org)) {
        throw ApiException.invalidField("scope.resource", "an org-scope binding names its own organization");
      }
      scopeResource = org;
    } else if (Policy.PLATFORM.equals(scopeType)) {
      if (scopeResource != null) {
        throw ApiException.invalidField("scope.resource", "a platform-scope binding names no resource");
      }
    } else if (scopeResource == null) {
      throw ApiException.invalidField("scope.resource", scopeType + " scope needs scope.resource");
    }
    String resource = scopeResource;
    if (Policy.RESOURCE.equals(scopeType)) {
      String[] parts = GrantInputs.resourceKey(resource).split("/", -1);
      if (parts.length < 3 || java.util.Arrays.stream(parts).anyMatch(x -> !Slugs.isValid(x))) {
        throw badResource();
      }
    }
    requireCreate(call, scopeType, org, resource);
    Future<Void> scopeOk = !Policy.PROJECT.equals(scopeType) ? Future.succeededFuture()
        : store.projects().get(resource).recover(e -> Future.failedFuture(e instanceof ApiException a
            && a.status() == 404 ? ApiException.invalidField("scope.resource", "project '" + resource
            + "' does not exist") : e)).map(p -> {
              if (!p.organizationId().equals(org)) {
                throw ApiException.invalidField("scope.resource", "project '" + resource + "' does not exist");
              }
              return null;
            });
    Future<Void> roleOk = PredefinedRoles.isPredefined(role) ? Future.succeededFuture()
        : store.roles().get(role).recover(e -> Future.failedFuture(e instanceof ApiException a && a.status() == 404
            ? ApiException.invalidField("role", "role '" + role + "' does not exist") : e)).mapEmpty();
    // platform bindings are for the provider's operators: the principal must be of the provider's organization
    Future<Void> principalOk = !Policy.PLATFORM.equals(scopeType) ? Future.succeededFuture()
        : organizationOf(principalType, principalId).map(o -> {
          if (!providerOrganizationId.equals(o)) {
            throw ApiException.invalidField("principal.id", "platform-scope bindings are for principals of the "
                + "provider's organization");
          }
          return null;
        });
    if (Policy.RESOURCE.equals(scopeType)) {
      scopeOk = resourceInOrganization(resource, org);
    }
    Instant now = Clock.now();
    Policy created = new Policy(id, UUID.randomUUID(), org, call.text("displayName"), call.text("description"), role,
        principalType, principalId, scopeType, resource, effect, now, now, 1);
    return Future.all(scopeOk, roleOk, principalOk)
        // only grant (or deny) what you hold, at the binding's scope
        .compose(v -> Scopes.requireHeld(call, grants, List.of(role), org, chain(scopeType, org, resource), "role"))
        .compose(v -> ops.create(created))
        .compose(r -> announce(created).map(r));
  }
}
