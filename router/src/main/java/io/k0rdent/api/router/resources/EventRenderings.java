package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.event.ChangeEvents.Owner;
import io.k0rdent.api.core.event.ChangeEvents.OwnerKind;
import io.k0rdent.api.core.event.ChangeEvents.Rendering;
import io.k0rdent.api.core.ipam.IpamErrors;
import io.k0rdent.api.core.resource.Address;
import io.k0rdent.api.core.resource.AddressPool;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Group;
import io.k0rdent.api.core.resource.GroupMember;
import io.k0rdent.api.core.resource.Network;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.resource.Subnet;
import io.k0rdent.api.core.resource.User;
import io.k0rdent.api.core.server.Server;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/**
 * How each resource kind looks in change events: the type {@code ai.k0rdent.<service>.<kind>.<verb>}, the selfLink
 * as subject and key, and as data exactly what the API answers for it (the same rendering functions, so secrets
 * stay out of events as they stay out of answers). Services: {@code resourcemanager} (organizations, projects),
 * {@code iam} (service accounts and their credentials, API keys, users, groups and members, roles, policies),
 * {@code compute} (networks, addresses, address pools) and {@code infrastructure} (bare-metal servers, shown without
 * their BMC credentials, as {@link ServersApi#json} shows them).
 *
 * <p>A network is shown with its subnets, which the store passes as the event's parts
 * ({@link ChangeEvents#of(String, Resource, List)}); subnets have no events of their own (they are made and removed
 * with their network).
 */
public final class EventRenderings {

  private EventRenderings() {}

  /** Registers every kind's rendering with {@code events}; idempotent. */
  public static void install(ChangeEvents events) {
    events.register(Organization.class, api("ai.k0rdent.resourcemanager.organization", OrganizationsApi.COLLECTION,
        OrganizationsApi::fields, o -> Owner.organization(o.id())));
    events.register(Project.class, api("ai.k0rdent.resourcemanager.project", ProjectsApi.COLLECTION,
        ProjectsApi::fields, p -> Owner.organization(p.organizationId())));
    events.register(ServiceAccount.class, api("ai.k0rdent.iam.serviceAccount", ServiceAccountsApi.COLLECTION,
        ServiceAccountsApi::fields, sa -> Owner.organization(sa.organizationId())));
    events.register(ServiceAccountCredential.class, new Rendering<>("ai.k0rdent.iam.serviceAccountCredential",
        c -> ServiceAccountsApi.credentialsPath(c.serviceAccountId()) + "/" + c.id(),
        c -> new Owner(OwnerKind.SERVICE_ACCOUNT, c.serviceAccountId()),
        c -> ServiceAccountsApi.credentialJson(c, Clock.now())));
    events.register(ApiKey.class, api("ai.k0rdent.iam.apiKey", ApiKeysApi.COLLECTION, ApiKeysApi::fields,
        k -> Owner.organization(k.organizationId())));
    events.register(User.class, api("ai.k0rdent.iam.user", UsersGroupsApi.USERS, UsersGroupsApi::userFields,
        u -> Owner.organization(u.organizationId())));
    events.register(Group.class, api("ai.k0rdent.iam.group", UsersGroupsApi.GROUPS, UsersGroupsApi::groupFields,
        g -> Owner.organization(g.organizationId())));
    events.register(GroupMember.class, new Rendering<>("ai.k0rdent.iam.groupMember",
        m -> UsersGroupsApi.membersPath(m.groupId()) + "/" + m.id(),
        m -> new Owner(OwnerKind.GROUP, m.groupId()),
        m -> UsersGroupsApi.memberJson(m, null)));
    events.register(Role.class, api("ai.k0rdent.iam.role", RolesApi.COLLECTION, RolesApi::fields,
        r -> Owner.organization(r.organizationId())));
    events.register(Policy.class, api("ai.k0rdent.iam.policy", PoliciesApi.COLLECTION, PoliciesApi::fields,
        p -> Owner.organization(p.organizationId())));
    events.register(Network.class, new Rendering<Network>("ai.k0rdent.compute.network",
        n -> IpamErrors.networkLink(n.region(), n.projectId(), n.id()),
        n -> Owner.project(n.projectId()),
        (n, parts) -> ComputeApi.networkJson(n, subnets(parts))));
    events.register(Address.class, new Rendering<>("ai.k0rdent.compute.address",
        a -> IpamErrors.addressLink(a.region(), a.projectId(), a.id()),
        a -> Owner.project(a.projectId()),
        ComputeApi::addressJson));
    events.register(AddressPool.class, new Rendering<>("ai.k0rdent.compute.addressPool",
        p -> IpamErrors.poolLink(p.region(), p.id()),
        p -> Owner.PROVIDER,
        AddressPoolsApi::json));
    events.register(Server.class, new Rendering<>("ai.k0rdent.infrastructure.server", Server::selfLink,
        s -> Owner.project(s.projectId()),
        ServersApi::json));
  }

  /** The subnets among a network's event parts, in the order given. */
  private static List<Subnet> subnets(List<? extends Resource> parts) {
    return parts.stream().filter(Subnet.class::isInstance).map(Subnet.class::cast).toList();
  }

  /** A kind served by {@link ResourceOperations} under {@code collection}. */
  private static <T extends Resource> Rendering<T> api(String typePrefix, String collection,
                                                      Function<T, JsonObject> fields, Function<T, Owner> owner) {
    return new Rendering<>(typePrefix, r -> collection + "/" + r.id(), owner,
        ResourceOperations.rendering(collection, fields));
  }
}
