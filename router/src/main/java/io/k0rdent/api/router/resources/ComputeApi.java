package io.k0rdent.api.router.resources;

import inet.ipaddr.IPAddress;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.ipam.AddressRange;
import io.k0rdent.api.core.ipam.IpText;
import io.k0rdent.api.core.ipam.IpamErrors;
import io.k0rdent.api.core.resource.Address;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Network;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.resource.Subnet;
import io.k0rdent.api.core.store.IpamStore;
import io.k0rdent.api.core.store.IpamStore.Place;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.Reply;
import io.k0rdent.api.router.resources.ProjectResources.Found;
import io.k0rdent.api.router.resources.ProjectResources.Target;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Handlers of a project's networks, subnets and addresses in a region (upstream operationIds
 * {@code createNetwork}, {@code listNetworks}, {@code getNetwork}, {@code updateNetwork}, {@code deleteNetwork},
 * {@code listSubnets}, {@code getSubnet}, {@code allocateAddress}, {@code listAddresses}, {@code getAddress},
 * {@code releaseAddress}) under {@code /v1/regions/{region}/projects/{project}/compute/}.
 *
 * <p>The region must be one this deployment serves and the project must exist, else 404. A project the caller
 * may not know of answers exactly like a missing one (404 naming the project), whatever is asked of it. Actions
 * on the collection are decided at the project; actions on one resource at its path
 * ({@code projects/<p>/compute/networks/<id>}), so resource bindings reach them.
 */
public final class ComputeApi {

  private final ApiServices services;
  private final IpamStore store;
  private final ProjectResources projects;

  public ComputeApi(ApiServices services) {
    this.services = services;
    this.store = services.store().ipam();
    this.projects = new ProjectResources(services, "compute");
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.ofEntries(
        Map.entry("createNetwork", this::createNetwork),
        Map.entry("listNetworks", call -> list(call, Permissions.NETWORKS_LIST, Permissions.NETWORKS_GET, "networks",
            "networks", (t, after, n) -> store.listNetworks(t.place(), after, n), this::networksJson)),
        Map.entry("getNetwork", call -> one(call, Permissions.NETWORKS_GET, Permissions.NETWORKS_LIST, "network",
            "networks", (t, id) -> store.getNetwork(t.place(), id)).compose(o -> {
              ResourceOperations.checkIfMatch(ResourceOperations.ifMatch(call), o.item());
              return withSubnets(o.target(), o.item()).map(json -> withEtag(200, json, o.item()));
            })),
        Map.entry("updateNetwork", this::updateNetwork),
        Map.entry("deleteNetwork", call -> one(call, Permissions.NETWORKS_DELETE, Permissions.NETWORKS_LIST, "network",
            "networks", (t, id) -> store.getNetwork(t.place(), id))
            .compose(o -> store.deleteNetwork(o.target().place(), o.item().id(), expected(call, o.item())))
            .map(v -> Reply.noContent())),
        Map.entry("listSubnets", call -> list(call, Permissions.SUBNETS_LIST, Permissions.SUBNETS_GET, "subnets",
            "subnets", (t, after, n) -> store.listSubnets(t.place(), after, n),
            items -> Future.succeededFuture(json(items, ComputeApi::subnetJson)))),
        Map.entry("getSubnet", call -> one(call, Permissions.SUBNETS_GET, Permissions.SUBNETS_LIST, "subnet",
            "subnets", (t, id) -> store.getSubnet(t.place(), id)).map(o -> {
              ResourceOperations.checkIfMatch(ResourceOperations.ifMatch(call), o.item());
              return withEtag(200, subnetJson(o.item()), o.item());
            })),
        Map.entry("allocateAddress", this::allocate),
        Map.entry("listAddresses", call -> list(call, Permissions.ADDRESSES_LIST, Permissions.ADDRESSES_GET,
            "addresses", "addresses", (t, after, n) -> store.listAddresses(t.place(), after, n),
            items -> Future.succeededFuture(json(items, ComputeApi::addressJson)))),
        Map.entry("getAddress", call -> one(call, Permissions.ADDRESSES_GET, Permissions.ADDRESSES_LIST, "address",
            "addresses", (t, id) -> store.getAddress(t.place(), id)).map(o -> {
              ResourceOperations.checkIfMatch(ResourceOperations.ifMatch(call), o.item());
              return withEtag(200, addressJson(o.item()), o.item());
            })),
        Map.entry("releaseAddress", this::release));
  }

  private Future<Target> target(Call call, String listPermission) {
    return projects.target(call, listPermission);
  }

  private static void requireInProject(Call call, Target t, String permission) {
    ProjectResources.requireInProject(call, t, permission);
  }

  /** {@link ProjectResources#one}, where a network hidden from the caller also hides its subnets and addresses. */
  private <R> Future<Found<R>> one(Call call, String permission, String listPermission, String kind,
                                   String collection, java.util.function.BiFunction<Target, String, Future<R>> load) {
    return projects.one(call, permission, listPermission, kind, collection, load,
        (t, item) -> !(item instanceof Resource r) || networkReadable(call, t, r));
  }

  private static boolean readable(Call call, Target t, String permission, String collection, String id) {
    return ProjectResources.readable(call, t, permission, collection, id);
  }

  /** Whether the network {@code item} (a subnet, or an INTERNAL address) belongs to is readable; true for others. */
  private static boolean networkReadable(Call call, Target t, Resource item) {
    String network = item instanceof Subnet s ? s.networkId() : item instanceof Address a ? a.networkId() : null;
    return network == null || readable(call, t, Permissions.NETWORKS_GET, "networks", network);
  }

  private <R extends Resource> Future<Reply> list(Call call, String listPermission, String getPermission,
                                                 String collection, String listField, ProjectResources.Lister<R> lister,
                                                 Function<List<R>, Future<JsonArray>> toJson) {
    return projects.list(call, listPermission, getPermission, collection, listField, lister, toJson,
        (t, item) -> networkReadable(call, t, item));
  }

  private static <R> JsonArray json(List<R> items, Function<R, JsonObject> toJson) {
    JsonArray a = new JsonArray();
    items.forEach(i -> a.add(toJson.apply(i)));
    return a;
  }

  private static Reply withEtag(int status, JsonObject body, Resource r) {
    return new Reply(status, body, Map.of("ETag", r.etag()));
  }

  /** The version an {@code If-Match} names when it matches (412 otherwise); null without {@code If-Match}. */
  private static Long expected(Call call, Resource current) {
    List<String> ifMatch = ResourceOperations.ifMatch(call);
    ResourceOperations.checkIfMatch(ifMatch, current);
    return ifMatch == null ? null : current.version();
  }

  // ---------------------------------------------------------------- networks

  private Future<Reply> createNetwork(Call call) {
    return target(call, Permissions.NETWORKS_LIST).compose(t -> {
      requireInProject(call, t, Permissions.NETWORKS_CREATE);
      IPAddress block = services.ipam().cidrRules().network("cidr", call.text("cidr"));
      String id = call.text("id") == null ? Slugs.generate("network") : call.text("id");
      Instant now = Clock.now();
      Network n = new Network(t.place().region(), t.place().project(), id, UUID.randomUUID(),
          call.text("displayName"), call.text("description"), IpText.canonical(block), now, now, 1);
      Subnet s = new Subnet(n.region(), n.projectId(), id, UUID.randomUUID(), id,
          IpText.canonical(defaultSubnet(block)), now, now, 1);
      // never over the region's external space (possible once a provider widens ipam.networkRanges over a pool)
      return allPools(t.place().region(), null, new ArrayList<>()).compose(pools -> {
        for (var pool : pools) {
          IPAddress p = new inet.ipaddr.IPAddressString(pool.cidr()).getAddress();
          if (p.getIPVersion() == block.getIPVersion() && (p.contains(block) || block.contains(p))) {
            throw IpamErrors.overlapsExternalSpace(n.cidr());
          }
        }
        return store.createNetwork(n, s);
      }).recover(err -> Future.failedFuture(err instanceof IpamErrors.NetworkOverlap o
          && !readable(call, t, Permissions.NETWORKS_GET, "networks", o.otherId()) ? o.unnamed() : err))
          .map(stored -> {
            JsonObject body = networkJson(stored, List.of(s));
            return withEtag(201, body, stored).withHeader("Location", body.getString("selfLink"));
          });
    });
  }

  /** A network's default subnet: the whole IPv4 block, or the first /64 of an IPv6 one. */
  static IPAddress defaultSubnet(IPAddress block) {
    return block.isIPv4() || block.getNetworkPrefixLength() == 64 ? block
        : block.getLower().setPrefixLength(64, false).toPrefixBlock();
  }

  private Future<Reply> updateNetwork(Call call) {
    return one(call, Permissions.NETWORKS_UPDATE, Permissions.NETWORKS_LIST, "network", "networks",
        (t, id) -> store.getNetwork(t.place(), id)).compose(o -> {
          Place place = o.target().place();
          String id = o.item().id();
          String cidr = call.text("cidr");
          return ResourceOperations.compareAndSet(call.ctx().vertx(), "network", id, ResourceOperations.ifMatch(call),
              () -> store.getNetwork(place, id),
              current -> {
                // the block may be repeated unchanged (a client sending back what it read); changing it is refused
                if (cidr != null && !cidr.equals(current.cidr())) {
                  throw ApiException.invalidField("cidr", "cidr cannot change (it is " + current.cidr()
                      + "); create another network for another block");
                }
                return ResourceOperations.mergeNames(call.body(), current, current.displayName(),
                    current.description(), (d, text) -> current.withChanges(d, text, Clock.now()));
              },
              store::updateNetwork)
              .compose(n -> withSubnets(o.target(), n).map(json -> withEtag(200, json, n)));
        });
  }

  private Future<JsonObject> withSubnets(Target t, Network n) {
    return store.subnetsOf(t.place(), n.id()).map(subnets -> networkJson(n, subnets));
  }

  private Future<JsonArray> networksJson(List<Network> networks) {
    List<Future<List<Subnet>>> subnets = new ArrayList<>();
    networks.forEach(n -> subnets.add(store.subnetsOf(new Place(n.region(), n.projectId()), n.id())));
    return Future.all(subnets).map(all -> {
      JsonArray a = new JsonArray();
      for (int i = 0; i < networks.size(); i++) {
        a.add(networkJson(networks.get(i), all.resultAt(i)));
      }
      return a;
    });
  }

  /** The contract's {@code Network}, with its subnets. */
  static JsonObject networkJson(Network n, List<Subnet> subnets) {
    JsonObject o = new JsonObject()
        .put("selfLink", IpamErrors.networkLink(n.region(), n.projectId(), n.id()))
        .put("uid", n.uid().toString()).put("id", n.id());
    ResourceOperations.names(o, n.displayName(), n.description());
    return stamps(o.put("cidr", n.cidr()).put("subnets", json(subnets, ComputeApi::subnetJson)), n);
  }

  /** The contract's {@code Subnet}. */
  static JsonObject subnetJson(Subnet s) {
    JsonObject o = new JsonObject()
        .put("selfLink", IpamErrors.subnetLink(s.region(), s.projectId(), s.id()))
        .put("uid", s.uid().toString()).put("id", s.id())
        .put("network", IpamErrors.networkLink(s.region(), s.projectId(), s.networkId()))
        .put(s.cidr().indexOf(':') < 0 ? "ipv4Cidr" : "ipv6Cidr", s.cidr());
    return stamps(o, s);
  }

  private static JsonObject stamps(JsonObject o, Resource r) {
    return o.put("createdAt", DateTimeFormatter.ISO_INSTANT.format(r.createdAt()))
        .put("updatedAt", DateTimeFormatter.ISO_INSTANT.format(r.updatedAt()))
        .put("etag", r.etag());
  }

  // ---------------------------------------------------------------- addresses

  /** The contract's {@code Address} ({@code addressPool} is our extension). */
  static JsonObject addressJson(Address a) {
    JsonObject o = new JsonObject()
        .put("selfLink", IpamErrors.addressLink(a.region(), a.projectId(), a.id()))
        .put("uid", a.uid().toString()).put("id", a.id());
    ResourceOperations.names(o, a.displayName(), a.description());
    o.put("ipAddress", a.ipAddress()).put("ipVersion", a.ipVersion()).put("addressType", a.addressType());
    if (a.networkId() != null) {
      o.put("network", IpamErrors.networkLink(a.region(), a.projectId(), a.networkId()));
      o.put("subnetwork", IpamErrors.subnetLink(a.region(), a.projectId(), a.subnetId()));
    }
    if (a.poolId() != null) {
      o.put("addressPool", IpamErrors.poolLink(a.region(), a.poolId()));
    }
    return stamps(o.put("status", a.status()), a);
  }

  private Future<Reply> allocate(Call call) {
    return target(call, Permissions.ADDRESSES_LIST).compose(t -> {
      requireInProject(call, t, Permissions.ADDRESSES_CREATE);
      String type = call.text("addressType") == null ? Address.EXTERNAL : call.text("addressType");
      String id = call.text("id") == null ? Slugs.generate("address") : call.text("id");
      Instant now = Clock.now();
      Address template = new Address(t.place().region(), t.place().project(), id, UUID.randomUUID(),
          call.text("displayName"), call.text("description"), null, null, type, null, null, null,
          Address.RESERVED, now, now, 1);
      Future<Address> stored = Address.INTERNAL.equals(type) ? internal(call, t, template) : external(call, t, template);
      return stored.map(a -> {
        JsonObject body = addressJson(a);
        return withEtag(201, body, a).withHeader("Location", body.getString("selfLink"));
      });
    });
  }

  private Future<Address> internal(Call call, Target t, Address template) {
    String networkRef = call.text("network");
    String subnetRef = call.text("subnetwork");
    if (networkRef == null && subnetRef == null) {
      throw ApiException.invalidField("network", "an INTERNAL address needs network or subnetwork (a selfLink or an id)");
    }
    String networkId = networkRef == null ? null : reference(t, "network", "networks", networkRef);
    String subnetId = subnetRef == null ? null : reference(t, "subnetwork", "subnets", subnetRef);
    IPAddress requested = call.text("ipAddress") == null ? null : IpText.address("ipAddress", call.text("ipAddress"));
    String version = call.text("ipVersion");
    // a network the caller may not read is answered exactly as a missing one, before anything about it is said
    ApiException noNetwork = ApiException.invalidField("network", "network '" + networkId
        + "' does not exist in this project and region");
    ApiException noSubnet = ApiException.invalidField("subnetwork", "subnetwork '" + subnetId
        + "' does not exist in this project and region");
    java.util.function.Predicate<String> readable = network -> call.grants() != null
        && call.grants().allowed(Permissions.NETWORKS_GET, t.chain("networks", network));
    call.allowed(Permissions.NETWORKS_GET, t.projectChain());
    if (networkId != null && !readable.test(networkId)) {
      throw noNetwork;
    }
    Future<Subnet> subnet;
    if (subnetId != null) {
      subnet = existing(store.getSubnet(t.place(), subnetId), noSubnet).map(s -> {
        if (!readable.test(s.networkId())) {
          throw noSubnet;
        }
        if (networkId != null && !networkId.equals(s.networkId())) {
          throw ApiException.invalidField("subnetwork", "subnetwork '" + subnetId + "' belongs to network '"
              + s.networkId() + "', not to network '" + networkId + "'");
        }
        return s;
      });
    } else {
      subnet = existing(store.getNetwork(t.place(), networkId), noNetwork)
          .compose(n -> store.subnetsOf(t.place(), n.id()))
          .map(subnets -> {
            if (subnets.isEmpty()) {
              throw noNetwork; // deleted meanwhile
            }
            return subnets.stream().filter(s -> requested == null || AddressRange.of(s.cidr()).contains(requested))
                .findFirst().orElseThrow(() -> ApiException.invalidField("ipAddress", requested.toCanonicalString()
                    + " is not in any subnet of network '" + networkId + "' (" + String.join(", ",
                    subnets.stream().map(Subnet::cidr).toList()) + ")"));
          });
    }
    return subnet.compose(s -> {
      AddressRange range = AddressRange.of(s.cidr());
      if (version != null && !version.equals(range.ipVersion())) {
        throw ApiException.invalidField("ipVersion", "subnet '" + s.id() + "' (" + s.cidr() + ") is "
            + range.ipVersion() + ", not " + version);
      }
      String ip = null;
      if (requested != null) {
        if (!range.contains(requested)) {
          throw ApiException.invalidField("ipAddress", requested.toCanonicalString() + " is not in subnet '"
              + s.id() + "' (" + s.cidr() + ")");
        }
        String reserved = range.reservedReason(requested);
        if (reserved != null) {
          throw ApiException.invalidField("ipAddress", requested.toCanonicalString() + " is " + reserved + " of subnet '"
              + s.id() + "' (" + s.cidr() + ") and cannot be allocated");
        }
        ip = IpText.canonical(requested);
      }
      Address a = new Address(template.region(), template.projectId(), template.id(), template.uid(),
          template.displayName(), template.description(), ip, range.ipVersion(), Address.INTERNAL, s.networkId(),
          s.id(), null, template.status(), template.createdAt(), template.updatedAt(), 1);
      // the network or subnet deleted meanwhile: as if it had never been there
      return existing(store.allocate(new IpamStore.Allocation(a, range)), subnetId != null ? noSubnet : noNetwork);
    });
  }

  /** A 404 from {@code lookup} as {@code instead} (a reference in the body is a 400, not the path's 404). */
  private static <R> Future<R> existing(Future<R> lookup, ApiException instead) {
    return lookup.recover(err -> Future.failedFuture(err instanceof ApiException a && a.status() == 404
        ? instead : err));
  }

  /**
   * The id a body reference names: a bare id, or the selfLink of a resource of the path's project and region
   * ({@code /v1/regions/r/projects/p/compute/<collection>/<id>}, as the API returns it).
   */
  static String reference(Target t, String field, String collection, String ref) {
    if (Slugs.isValid(ref)) {
      return ref;
    }
    String prefix = IpamErrors.computePath(t.place().region(), t.place().project()) + collection + "/";
    if (ref.startsWith(prefix) && Slugs.isValid(ref.substring(prefix.length()))) {
      return ref.substring(prefix.length());
    }
    throw ApiException.invalidField(field, field + " must be an id or the selfLink of a " + field + " of this project "
        + "and region (" + prefix + "<id>)");
  }

  private Future<Address> external(Call call, Target t, Address template) {
    List<ApiException.FieldViolation> wrong = new ArrayList<>();
    for (String f : List.of("network", "subnetwork", "ipAddress")) {
      if (call.text(f) != null) {
        wrong.add(new ApiException.FieldViolation(f, f + " can only be given for an INTERNAL address (addressType "
            + "defaults to EXTERNAL: send \"addressType\": \"INTERNAL\")"));
      }
    }
    if (!wrong.isEmpty()) {
      throw ApiException.invalidArgument(wrong.get(0).description(), wrong);
    }
    String version = call.text("ipVersion") == null ? "IPV4" : call.text("ipVersion");
    return allPools(t.place().region(), null, new ArrayList<>()).compose(pools -> {
      List<io.k0rdent.api.core.resource.AddressPool> usable = new ArrayList<>(pools.stream()
          .filter(p -> AddressRange.pool(p.cidr()).ipVersion().equals(version)).toList());
      if (usable.isEmpty()) {
        throw IpamErrors.poolExhausted("region '" + t.place().region() + "' has no " + version
            + " external address pool");
      }
      java.util.Collections.shuffle(usable);
      return fromPools(template, usable, 0, version, t.place().region());
    });
  }

  private Future<List<io.k0rdent.api.core.resource.AddressPool>> allPools(
      String region, PageCursor after, List<io.k0rdent.api.core.resource.AddressPool> into) {
    return store.listPools(region, after, 500).compose(page -> {
      into.addAll(page.items());
      return page.next() == null ? Future.succeededFuture(into) : allPools(region, page.next(), into);
    });
  }

  private Future<Address> fromPools(Address template, List<io.k0rdent.api.core.resource.AddressPool> pools, int i,
                                    String version, String region) {
    if (i == pools.size()) {
      return Future.failedFuture(IpamErrors.poolExhausted("every " + version + " external address pool of region '"
          + region + "' is full"));
    }
    var pool = pools.get(i);
    AddressRange range = AddressRange.pool(pool.cidr());
    Address a = new Address(template.region(), template.projectId(), template.id(), template.uid(),
        template.displayName(), template.description(), null, range.ipVersion(), Address.EXTERNAL, null, null,
        pool.id(), template.status(), template.createdAt(), template.updatedAt(), 1);
    // a full pool, or one deleted meanwhile: try the next
    return store.allocate(new IpamStore.Allocation(a, range, services.ipam().externalAddressesPerProject()))
        .recover(err ->
        err instanceof ApiException x && ("POOL_EXHAUSTED".equals(x.reason())
            || x.status() == 404 && x.getMessage().startsWith("address pool '"))
            ? fromPools(template, pools, i + 1, version, region) : Future.failedFuture(err));
  }

  /**
   * releaseAddress: as {@link #one} decides (the caller must be able to read the address), then released; with
   * {@code If-Match} only at that version. Releasing again answers 204 as the first time did, with or without
   * {@code If-Match} (a retried DELETE whose first answer was lost).
   */
  private Future<Reply> release(Call call) {
    return target(call, Permissions.ADDRESSES_LIST).compose(t -> {
      String id = call.pathId("address");
      ScopeChain chain = t.chain("addresses", id);
      boolean allowed = call.allowed(Permissions.ADDRESSES_DELETE, chain);
      boolean reads = readable(call, t, Permissions.ADDRESSES_GET, "addresses", id);
      if (!reads && !readable(call, t, Permissions.ADDRESSES_LIST, "addresses", id)) {
        throw t.known() ? ApiException.notFound("address", id) : ApiException.notFound("project", t.place().project());
      }
      if (!allowed || !reads) {
        throw ApiException.permissionDenied("the caller may not " + Permissions.ADDRESSES_DELETE + " on address '"
            + id + "'");
      }
      List<String> ifMatch = ResourceOperations.ifMatch(call);
      Future<Long> version = store.getAddress(t.place(), id)
          .recover(err -> err instanceof ApiException a && a.status() == 404
              ? Future.succeededFuture(null) // gone: released before (204 again) or never there (404)
              : Future.failedFuture(err))
          .map(current -> {
            if (current == null) {
              return null;
            }
            if (!networkReadable(call, t, current)) {
              throw t.known() ? ApiException.notFound("address", id)
                  : ApiException.notFound("project", t.place().project());
            }
            ResourceOperations.checkIfMatch(ifMatch, current);
            return ifMatch == null ? null : current.version();
          });
      return version.compose(v -> store.releaseAddress(t.place(), id, v))
          .recover(err -> Future.failedFuture(err instanceof ApiException a && a.status() == 404 && !t.known()
              ? ApiException.notFound("project", t.place().project()) : err))
          .map(r -> Reply.noContent());
    });
  }


}
