package io.k0rdent.api.core.auth.policy;

import java.util.List;

/**
 * The product's permissions, one per operation of the upstream contract
 * ({@code shared/reference/k0rdent-openapi.bundled.yaml}) plus the product's own (the {@code auth.*}
 * operations, {@code iam.apikeys.admin} and the audit log's {@code audit.events.list}). Names already used as {@code x-permission} in the router's
 * OpenAPI document, or as constants in its handlers, are kept exactly. Verbs are {@code create, get,
 * list, update, delete} unless an operation needs its own ({@code rotate}, {@code provision}, ...); an
 * operation on a sub-collection without a resource of its own is guarded by its parent's verb
 * (group members: {@code iam.groups.get/list/update}; service-account credentials:
 * {@code iam.serviceAccounts.get/update}, as the router does; downloading a kubeconfig:
 * {@code compute.kubeconfigs.get}).
 */
public final class Permissions {

  private Permissions() {}

  // resourcemanager: organizations, their invitations, projects
  public static final String ORGANIZATIONS_CREATE = "resourcemanager.organizations.create";
  public static final String ORGANIZATIONS_GET = "resourcemanager.organizations.get";
  public static final String ORGANIZATIONS_LIST = "resourcemanager.organizations.list";
  public static final String ORGANIZATIONS_UPDATE = "resourcemanager.organizations.update";
  public static final String ORGANIZATIONS_DELETE = "resourcemanager.organizations.delete";
  public static final String INVITATIONS_CREATE = "resourcemanager.invitations.create";
  public static final String INVITATIONS_LIST = "resourcemanager.invitations.list";
  public static final String INVITATIONS_DELETE = "resourcemanager.invitations.delete";
  public static final String PROJECTS_CREATE = "resourcemanager.projects.create";
  public static final String PROJECTS_GET = "resourcemanager.projects.get";
  public static final String PROJECTS_LIST = "resourcemanager.projects.list";
  public static final String PROJECTS_UPDATE = "resourcemanager.projects.update";
  public static final String PROJECTS_DELETE = "resourcemanager.projects.delete";

  // iam
  /** Create a user directly (Atlas only: upstream users arrive through identity providers). */
  public static final String USERS_CREATE = "iam.users.create";
  public static final String USERS_GET = "iam.users.get";
  public static final String USERS_LIST = "iam.users.list";
  public static final String USERS_UPDATE = "iam.users.update";
  public static final String USERS_DELETE = "iam.users.delete";
  /**
   * Read one's own user profile ({@code getUserProfile}). Held by every user for itself, whatever its
   * bindings (the handler decides it); listed so that every operation names one permission.
   */
  public static final String PROFILE_GET = "iam.profile.get";
  /** Change one's own user profile ({@code updateUserProfile}); held by every user for itself. */
  public static final String PROFILE_UPDATE = "iam.profile.update";
  public static final String GROUPS_CREATE = "iam.groups.create";
  public static final String GROUPS_GET = "iam.groups.get";
  public static final String GROUPS_LIST = "iam.groups.list";
  public static final String GROUPS_UPDATE = "iam.groups.update";
  public static final String GROUPS_DELETE = "iam.groups.delete";
  public static final String ROLES_CREATE = "iam.roles.create";
  public static final String ROLES_GET = "iam.roles.get";
  public static final String ROLES_LIST = "iam.roles.list";
  public static final String ROLES_UPDATE = "iam.roles.update";
  public static final String ROLES_DELETE = "iam.roles.delete";
  public static final String POLICIES_CREATE = "iam.policies.create";
  public static final String POLICIES_GET = "iam.policies.get";
  public static final String POLICIES_LIST = "iam.policies.list";
  public static final String POLICIES_DELETE = "iam.policies.delete";
  public static final String APIKEYS_CREATE = "iam.apikeys.create";
  public static final String APIKEYS_GET = "iam.apikeys.get";
  public static final String APIKEYS_LIST = "iam.apikeys.list";
  public static final String APIKEYS_UPDATE = "iam.apikeys.update";
  public static final String APIKEYS_DELETE = "iam.apikeys.delete";
  public static final String APIKEYS_ROTATE = "iam.apikeys.rotate";
  /** Manage other principals' API keys in an organization (router: {@code ApiKeysApi.ADMIN_PERMISSION}). */
  public static final String APIKEYS_ADMIN = "iam.apikeys.admin";
  public static final String SERVICE_ACCOUNTS_CREATE = "iam.serviceAccounts.create";
  public static final String SERVICE_ACCOUNTS_GET = "iam.serviceAccounts.get";
  public static final String SERVICE_ACCOUNTS_LIST = "iam.serviceAccounts.list";
  public static final String SERVICE_ACCOUNTS_UPDATE = "iam.serviceAccounts.update";
  public static final String SERVICE_ACCOUNTS_DELETE = "iam.serviceAccounts.delete";
  /** Identity providers (OIDC) of an organization. */
  public static final String PROVIDERS_CREATE = "iam.providers.create";
  public static final String PROVIDERS_GET = "iam.providers.get";
  public static final String PROVIDERS_LIST = "iam.providers.list";
  public static final String PROVIDERS_UPDATE = "iam.providers.update";
  public static final String PROVIDERS_DELETE = "iam.providers.delete";

  // auth: the platform's own operations, and checking another principal's permissions
  /** Introspect tokens of other organizations (router: {@code IntrospectEndpoint}). */
  public static final String TOKENS_INTROSPECT = "auth.tokens.introspect";
  /** Revoke other principals' tokens (router: {@code RevokeEndpoint}). */
  public static final String TOKENS_REVOKE = "auth.tokens.revoke";
  /** Rotate the token signing keys (router: {@code SigningKeysApi}). */
  public static final String KEYS_ROTATE = "auth.keys.rotate";
  /** {@code /auth/check} with a {@code subject} other than the caller. */
  public static final String CHECK_OTHERS = "auth.check.others";

  // audit: the change events of the outbox, read back
  /**
   * Read the audit log ({@code listAuditEvents}): decided at {@link ScopeChain#PLATFORM} for every organization's
   * events and the provider's own (Atlas only), else at the caller's organization for that organization's events.
   */
  public static final String AUDIT_EVENTS_LIST = "audit.events.list";

  // compute
  public static final String CLUSTERS_CREATE = "compute.clusters.create";
  public static final String CLUSTERS_GET = "compute.clusters.get";
  public static final String CLUSTERS_LIST = "compute.clusters.list";
  public static final String CLUSTERS_UPDATE = "compute.clusters.update";
  public static final String CLUSTERS_DELETE = "compute.clusters.delete";
  public static final String KUBECONFIGS_CREATE = "compute.kubeconfigs.create";
  public static final String KUBECONFIGS_GET = "compute.kubeconfigs.get";
  public static final String KUBECONFIGS_LIST = "compute.kubeconfigs.list";
  public static final String KUBECONFIGS_DELETE = "compute.kubeconfigs.delete";
  public static final String INSTANCES_CREATE = "compute.instances.create";
  public static final String INSTANCES_GET = "compute.instances.get";
  public static final String INSTANCES_LIST = "compute.instances.list";
  public static final String INSTANCES_UPDATE = "compute.instances.update";
  public static final String INSTANCES_DELETE = "compute.instances.delete";
  public static final String NETWORKS_CREATE = "compute.networks.create";
  public static final String NETWORKS_GET = "compute.networks.get";
  public static final String NETWORKS_LIST = "compute.networks.list";
  public static final String NETWORKS_UPDATE = "compute.networks.update";
  public static final String NETWORKS_DELETE = "compute.networks.delete";
  public static final String SUBNETS_GET = "compute.subnets.get";
  public static final String SUBNETS_LIST = "compute.subnets.list";
  public static final String ADDRESSES_CREATE = "compute.addresses.create";
  public static final String ADDRESSES_GET = "compute.addresses.get";
  public static final String ADDRESSES_LIST = "compute.addresses.list";
  public static final String ADDRESSES_DELETE = "compute.addresses.delete";
  /** The regions' external address pools (our extension; provider operators, decided at platform scope). */
  public static final String ADDRESS_POOLS_CREATE = "compute.addressPools.create";
  public static final String ADDRESS_POOLS_GET = "compute.addressPools.get";
  public static final String ADDRESS_POOLS_LIST = "compute.addressPools.list";
  public static final String ADDRESS_POOLS_DELETE = "compute.addressPools.delete";

  // infrastructure: bare-metal servers
  /** Register servers (one, or {@code :batchCreate}). */
  public static final String SERVERS_CREATE = "infrastructure.servers.create";
  public static final String SERVERS_GET = "infrastructure.servers.get";
  public static final String SERVERS_LIST = "infrastructure.servers.list";
  public static final String SERVERS_UPDATE = "infrastructure.servers.update";
  /** Decommission a server. */
  public static final String SERVERS_DELETE = "infrastructure.servers.delete";
  public static final String SERVERS_PROVISION = "infrastructure.servers.provision";
  public static final String SERVERS_VALIDATE = "infrastructure.servers.validate";
  /** Any other lifecycle transition ({@code :{action}}, internal). */
  public static final String SERVERS_TRANSITION = "infrastructure.servers.transition";
  public static final String SERVERS_READ_LOGS = "infrastructure.servers.readLogs";

  /** Every permission above, in a stable order (the ids of {@link #catalog()}). */
  public static final List<String> ALL = List.of(
      ORGANIZATIONS_CREATE, ORGANIZATIONS_GET, ORGANIZATIONS_LIST, ORGANIZATIONS_UPDATE, ORGANIZATIONS_DELETE,
      INVITATIONS_CREATE, INVITATIONS_LIST, INVITATIONS_DELETE,
      PROJECTS_CREATE, PROJECTS_GET, PROJECTS_LIST, PROJECTS_UPDATE, PROJECTS_DELETE,
      USERS_CREATE, USERS_GET, USERS_LIST, USERS_UPDATE, USERS_DELETE, PROFILE_GET, PROFILE_UPDATE,
      GROUPS_CREATE, GROUPS_GET, GROUPS_LIST, GROUPS_UPDATE, GROUPS_DELETE,
      ROLES_CREATE, ROLES_GET, ROLES_LIST, ROLES_UPDATE, ROLES_DELETE,
      POLICIES_CREATE, POLICIES_GET, POLICIES_LIST, POLICIES_DELETE,
      APIKEYS_CREATE, APIKEYS_GET, APIKEYS_LIST, APIKEYS_UPDATE, APIKEYS_DELETE, APIKEYS_ROTATE, APIKEYS_ADMIN,
      SERVICE_ACCOUNTS_CREATE, SERVICE_ACCOUNTS_GET, SERVICE_ACCOUNTS_LIST, SERVICE_ACCOUNTS_UPDATE,
      SERVICE_ACCOUNTS_DELETE,
      PROVIDERS_CREATE, PROVIDERS_GET, PROVIDERS_LIST, PROVIDERS_UPDATE, PROVIDERS_DELETE,
      TOKENS_INTROSPECT, TOKENS_REVOKE, KEYS_ROTATE, CHECK_OTHERS,
      AUDIT_EVENTS_LIST,
      CLUSTERS_CREATE, CLUSTERS_GET, CLUSTERS_LIST, CLUSTERS_UPDATE, CLUSTERS_DELETE,
      KUBECONFIGS_CREATE, KUBECONFIGS_GET, KUBECONFIGS_LIST, KUBECONFIGS_DELETE,
      INSTANCES_CREATE, INSTANCES_GET, INSTANCES_LIST, INSTANCES_UPDATE, INSTANCES_DELETE,
      NETWORKS_CREATE, NETWORKS_GET, NETWORKS_LIST, NETWORKS_UPDATE, NETWORKS_DELETE,
      SUBNETS_GET, SUBNETS_LIST,
      ADDRESSES_CREATE, ADDRESSES_GET, ADDRESSES_LIST, ADDRESSES_DELETE,
      ADDRESS_POOLS_CREATE, ADDRESS_POOLS_GET, ADDRESS_POOLS_LIST, ADDRESS_POOLS_DELETE,
      SERVERS_CREATE, SERVERS_GET, SERVERS_LIST, SERVERS_UPDATE, SERVERS_DELETE, SERVERS_PROVISION,
      SERVERS_VALIDATE, SERVERS_TRANSITION, SERVERS_READ_LOGS);

  private static final PermissionCatalog CATALOG = PermissionCatalog.of(ALL);

  /** The product's catalogue over {@link #ALL} (shared, immutable). */
  public static PermissionCatalog catalog() {
    return CATALOG;
  }
}
