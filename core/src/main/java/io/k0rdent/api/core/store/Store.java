package io.k0rdent.api.core.store;

import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.resource.Group;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.User;
import io.vertx.core.Future;

/**
 * The source of truth: PostgreSQL in production, an in-memory adapter for dev mode and unit tests.
 *
 * <p>Referential rules every adapter enforces: a project's {@code organizationId} must name an existing
 * organization (else 400 on create), and an organization with projects cannot be deleted (409). A service
 * account's or API key's {@code organizationId} must exist (400 naming {@code scopeId}), and, when
 * scoped to a project, the project too (400); an organization or project they point at cannot be deleted
 * (409 {@code FAILED_PRECONDITION}). Deleting a service account deletes its credentials.
 *
 * <p>Authorization model: a user's, group's, role's or policy's {@code organizationId} must exist (400 naming
 * {@code organizationId}); an organization that still has users, groups, roles or policies cannot be deleted
 * (409 {@code FAILED_PRECONDITION}, the message naming which). Deleting a group or a user deletes its
 * memberships; a role, user, group or service account that a policy binds cannot be deleted (409
 * {@code FAILED_PRECONDITION}; delete the policies first). See {@link GroupMemberStore} and
 * {@link PolicyStore} for their rules.
 */
public interface Store {

  /** Organizations; list filters: none. */
  ResourceStore<Organization> organizations();

  /** Projects; list filters: {@code organizationId}. */
  ResourceStore<Project> projects();

  /**
   * Service accounts; list filters: {@code organizationId}, {@code scope}, {@code scopeId},
   * {@code status}. {@link ResourceStore#update} replaces {@code displayName, description, roles, status}.
   */
  ResourceStore<ServiceAccount> serviceAccounts();

  CredentialStore credentials();

  /**
   * Users; list filters: {@code organizationId}, {@code email} (compared as {@link User#emailKey}),
   * {@code status}. {@link ResourceStore#update} replaces {@code displayName, status}. {@code create} fails 409
   * {@code ALREADY_EXISTS} naming the email when the organization has a user with that email (atomic under
   * concurrency).
   */
  ResourceStore<User> users();

  /** Custom roles; list filters: {@code organizationId}. {@link ResourceStore#update} replaces
   * {@code displayName, description, permissions}. */
  ResourceStore<Role> roles();

  /** Groups; list filters: {@code organizationId}. {@link ResourceStore#update} replaces
   * {@code displayName, description}. */
  ResourceStore<Group> groups();

  GroupMemberStore groupMembers();

  PolicyStore policies();

  ApiKeyStore apiKeys();

  RevocationStore revocations();

  RoleSetStore roleSets();

  IdempotencyStore idempotency();

  SettingsStore settings();

  /**
   * Networks, subnets, addresses and address pools ({@link IpamStore}). A network's or address's project must
   * exist (404 otherwise), and a project with networks or addresses cannot be deleted (409
   * {@code FAILED_PRECONDITION}).
   */
  IpamStore ipam();

  /**
   * Bare-metal servers, their logs and worker leases ({@link ServerStore}). A server's project must exist (404
   * otherwise), and a project with servers cannot be deleted (409 {@code FAILED_PRECONDITION}).
   */
  ServerStore servers();

  /**
   * The transactional outbox of change events ({@link EventOutbox}), which the outbox relay publishes to Kafka and
   * the audit log will read.
   */
  EventOutbox events();

  /**
   * How this store's mutations describe themselves in the outbox: the router registers each resource kind's
   * rendering here when a node wires the store (see {@link ChangeEvents}).
   */
  ChangeEvents changeEvents();

  /** Succeeds when the backend answers a trivial query; used by {@code /readyz}. */
  Future<Void> ping();

  Future<Void> close();
}
