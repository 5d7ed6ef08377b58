package io.k0rdent.api.router.resources;

import inet.ipaddr.IPAddress;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.ipam.AddressRange;
import io.k0rdent.api.core.ipam.IpText;
import io.k0rdent.api.core.ipam.IpamErrors;
import io.k0rdent.api.core.resource.AddressPool;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.IpamStore;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Handlers of our Atlas-only extension {@code /v1/regions/{region}/compute/address-pools} (operationIds
 * {@code createAddressPool}, {@code listAddressPools}, {@code getAddressPool}, {@code deleteAddressPool}): the
 * blocks of external addresses {@code EXTERNAL} allocations draw from. Pools belong to the provider, so every
 * action is decided at platform scope ({@code compute.addressPools.*}); a region not served here is a 404.
 */
public final class AddressPoolsApi {

  private final ApiServices services;
  private final IpamStore store;

  public AddressPoolsApi(ApiServices services) {
    this.services = services;
    this.store = services.store().ipam();
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "createAddressPool", this::create,
        "listAddressPools", this::list,
        "getAddressPool", call -> {
          String region = region(call, Permissions.ADDRESS_POOLS_GET);
          return store.getPool(region, call.pathId("address pool")).map(p -> {
            ResourceOperations.checkIfMatch(ResourceOperations.ifMatch(call), p);
            return new Reply(200, json(p), Map.of("ETag", p.etag()));
          });
        },
        "deleteAddressPool", call -> {
          String region = region(call, Permissions.ADDRESS_POOLS_DELETE);
          String id = call.pathId("address pool");
          List<String> ifMatch = ResourceOperations.ifMatch(call);
          Future<Long> version = ifMatch == null ? Future.succeededFuture(null) : store.getPool(region, id).map(p -> {
            ResourceOperations.checkIfMatch(ifMatch, p);
            return p.version();
          });
          return version.compose(v -> store.deletePool(region, id, v)).map(v -> Reply.noContent());
        });
  }

  /** The path's region after the platform-scope check (403), 404 when it is not served here. */
  private String region(Call call, String permission) {
    call.require(permission, ScopeChain.PLATFORM);
    String region = call.ctx().pathParam("region");
    if (!services.ipam().serves(region)) {
      throw ApiException.notFound("region", region == null ? "" : region);
    }
    return region;
  }

  private Future<Reply> create(Call call) {
    String region = region(call, Permissions.ADDRESS_POOLS_CREATE);
    IPAddress block = services.ipam().cidrRules().pool("cidr", call.text("cidr"));
    String id = call.text("id") == null ? Slugs.generate("pool") : call.text("id");
    Instant now = Clock.now();
    AddressPool p = new AddressPool(region, id, UUID.randomUUID(), call.text("displayName"), call.text("description"),
        IpText.canonical(block), now, now, 1);
    return store.createPool(p).map(stored -> new Reply(201, json(stored), Map.of("ETag", stored.etag()))
        .withHeader("Location", IpamErrors.poolLink(region, id)));
  }

  private Future<Reply> list(Call call) {
    String region = region(call, Permissions.ADDRESS_POOLS_LIST);
    return ResourceOperations.page(call, services.pageTokens(), "addressPools?region=" + region, "addressPools",
        (after, size) -> store.listPools(region, after, size), items -> {
          JsonArray out = new JsonArray();
          items.forEach(p -> out.add(json(p)));
          return Future.succeededFuture(out);
        });
  }

  /** The pool as the API shows it. */
  static JsonObject json(AddressPool p) {
    JsonObject o = new JsonObject().put("selfLink", IpamErrors.poolLink(p.region(), p.id()))
        .put("uid", p.uid().toString()).put("id", p.id());
    ResourceOperations.names(o, p.displayName(), p.description());
    return o.put("cidr", p.cidr()).put("ipVersion", AddressRange.pool(p.cidr()).ipVersion())
        .put("createdAt", DateTimeFormatter.ISO_INSTANT.format(p.createdAt()))
        .put("updatedAt", DateTimeFormatter.ISO_INSTANT.format(p.updatedAt()))
        .put("etag", p.etag());
  }
}
