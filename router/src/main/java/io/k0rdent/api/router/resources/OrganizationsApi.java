package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.PageTokens;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Handlers of the organization operations (upstream operationIds {@code createOrganization},
 * {@code listOrganizations}, {@code getOrganization}, {@code updateOrganization}, {@code deleteOrganization}).
 * Creating one is a platform action; the list shows every organization to whom may list them at platform
 * scope and otherwise only the caller's own, when it may read it.
 */
public final class OrganizationsApi {

  public static final String COLLECTION = "/v1/regions/global/organizations";
  private final ResourceOperations<Organization> ops;
  private final Store store;
  private final String providerOrganizationId;
  private final AuthState state;

  /**
   * @param providerOrganizationId the provider's own organization, which cannot be deleted
   * @param state                  told of every created or deleted organization ({@link AuthState.Kind#ORGANIZATION})
   */
  public OrganizationsApi(Store store, PageTokens pageTokens, String providerOrganizationId, AuthState state) {
    this.store = store;
    this.state = state;
    this.providerOrganizationId = providerOrganizationId;
    this.ops = new ResourceOperations<>("organization", COLLECTION, "organizations", store.organizations(),
        pageTokens, OrganizationsApi::fields);
  }

  /** The organization's fields as the API shows them. */
  static JsonObject fields(Organization o) {
    return ResourceOperations.names(new JsonObject(), o.displayName(), o.description());
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "createOrganization", this::create,
        "listOrganizations", this::list,
        "getOrganization", call -> ops.get(call, o -> guard(call, Permissions.ORGANIZATIONS_GET, o)),
        "updateOrganization", call -> ops.guarded(call, o -> guard(call, Permissions.ORGANIZATIONS_UPDATE, o))
            .compose(o -> ops.update(call, current -> ResourceOperations.mergeNames(call.body(), current,
                current.displayName(), current.description(), (d, text) -> current.withChanges(d, text, Clock.now())))),
        "deleteOrganization", this::delete);
  }

  private static void guard(Call call, String permission, Organization o) {
    call.requireVisible(permission, ScopeChain.organization(o.id()), "organization", o.id());
  }

  private Future<Reply> list(Call call) {
    if (call.allowed(Permissions.ORGANIZATIONS_LIST, ScopeChain.PLATFORM)) {
      return ops.list(call, Map.of());
    }
    // Only its own organization can be visible to a caller without platform grants.
    String own = call.principal().tenantId();
    ResourceOperations.pageSize(call.query("pageSize")); // validated alike; one page at most
    if (call.query("pageToken") != null || own == null
        || !call.allowed(Permissions.ORGANIZATIONS_GET, ScopeChain.organization(own))) {
      return Future.succeededFuture(Reply.ok(new JsonObject().put("organizations", new JsonArray())));
    }
    return store.organizations().get(own).map(o -> Reply.ok(new JsonObject()
        .put("organizations", new JsonArray().add(ops.json(o)))));
  }

  private Future<Reply> delete(Call call) {
    return ops.guarded(call, o -> guard(call, Permissions.ORGANIZATIONS_DELETE, o)).compose(o -> {
      if (o.id().equals(providerOrganizationId)) {
        throw ApiException.conflict("FAILED_PRECONDITION",
            "organization '" + providerOrganizationId + "' is the provider's own organization and cannot be deleted");
      }
      return ops.delete(call).compose(r -> state.changed(AuthState.Kind.ORGANIZATION, o.id()).map(r));
    });
  }

  private Future<Reply> create(Call call) {
    call.require(Permissions.ORGANIZATIONS_CREATE, ScopeChain.PLATFORM);
    String id = call.text("id");
    Instant now = Clock.now();
    Organization o = new Organization(id == null ? Slugs.generate("org") : id, UUID.randomUUID(),
        call.text("displayName"), call.text("description"), now, now, 1);
    // Drops a cached "no such organization" (a tombstone lives 5 s) at once.
    return ops.create(o).compose(r -> state.changed(AuthState.Kind.ORGANIZATION, o.id()).map(r));
  }
}
