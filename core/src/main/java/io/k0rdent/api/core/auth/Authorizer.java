package io.k0rdent.api.core.auth;

/**
 * The single authorization point: every API call and {@code /auth/check} ask it. Answers from memory,
 * without I/O, so it may run on an event loop.
 */
public interface Authorizer {

  /**
   * Whether {@code principal} may perform {@code action} ({@code service.resource.verb}, e.g.
   * {@code resourcemanager.projects.create}) on {@code resource} (a resource's relative path such as
   * {@code organizations/acme}, or null for a collection-level action).
   */
  boolean isAllowed(Principal principal, String action, String resource);
}
