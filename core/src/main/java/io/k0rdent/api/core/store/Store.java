package io.k0rdent.api.core.store;

import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.vertx.core.Future;

/**
 * The source of truth: PostgreSQL in production, an in-memory adapter for dev mode and unit tests.
 *
 * <p>Referential rules every adapter enforces: a project's {@code organizationId} must name an existing
 * organization (else 400 on create), and an organization with projects cannot be deleted (409).
 */
public interface Store {

  /** Organizations; list filters: none. */
  ResourceStore<Organization> organizations();

  /** Projects; list filters: {@code organizationId}. */
  ResourceStore<Project> projects();

  IdempotencyStore idempotency();

  SettingsStore settings();

  /** Succeeds when the backend answers a trivial query; used by {@code /readyz}. */
  Future<Void> ping();

  Future<Void> close();
}
