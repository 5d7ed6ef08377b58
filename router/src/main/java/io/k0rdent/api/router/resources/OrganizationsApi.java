package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.PageTokens;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Handlers of the organization operations (upstream operationIds {@code createOrganization},
 * {@code listOrganizations}, {@code getOrganization}, {@code updateOrganization}, {@code deleteOrganization}).
 */
public final class OrganizationsApi {

  public static final String COLLECTION = "/v1/regions/global/organizations";
  private final ResourceOperations<Organization> ops;
  private final String providerOrganizationId;

  /** @param providerOrganizationId the provider's own organization, which cannot be deleted */
  public OrganizationsApi(Store store, PageTokens pageTokens, String providerOrganizationId) {
    this.providerOrganizationId = providerOrganizationId;
    this.ops = new ResourceOperations<>("organization", COLLECTION, "organizations", store.organizations(),
        pageTokens, o -> ResourceOperations.names(new JsonObject(), o.displayName(), o.description()));
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "createOrganization", this::create,
        "listOrganizations", call -> ops.list(call, Map.of()),
        "getOrganization", ops::get,
        "updateOrganization", call -> ops.update(call, current -> ResourceOperations.mergeNames(call.body(), current,
            current.displayName(), current.description(), (d, text) -> current.withChanges(d, text, Clock.now()))),
        "deleteOrganization", this::delete);
  }

  private io.vertx.core.Future<io.k0rdent.api.router.Reply> delete(Call call) {
    if (call.pathId("organization").equals(providerOrganizationId)) {
      throw io.k0rdent.api.core.error.ApiException.conflict("FAILED_PRECONDITION",
          "organization '" + providerOrganizationId + "' is the provider's own organization and cannot be deleted");
    }
    return ops.delete(call);
  }

  private io.vertx.core.Future<io.k0rdent.api.router.Reply> create(Call call) {
    String id = call.text("id");
    Instant now = Clock.now();
    return ops.create(new Organization(id == null ? Slugs.generate("org") : id, UUID.randomUUID(),
        call.text("displayName"), call.text("description"), now, now, 1));
  }
}
