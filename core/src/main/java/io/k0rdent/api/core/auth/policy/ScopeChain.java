package io.k0rdent.api.core.auth.policy;

/**
 * The target of a decision as its ancestor chain: a {@code resource} identifier, the project it lives
 * in, that project's organization; the platform is always the chain's root. Any of the three may be
 * null: {@code (org, null, null)} is an organization-level target (list its projects),
 * {@code (org, project, null)} a project-level one (create a cluster in it), {@code (null, null, null)}
 * ({@link #PLATFORM}) a platform-level one (create an organization, rotate the signing keys).
 *
 * <p>The engine does not know the resource hierarchy: the caller must give the target's true ancestors
 * (the project's real organization), which is what makes an organization binding reach the projects in
 * it and nothing else. Resource identifiers are compared as strings with those of resource-scope
 * {@link Binding}s, so both must use the same form (e.g. a resource's relative path).
 */
public record ScopeChain(String organizationId, String projectId, String resource) {

  /** The platform itself: only platform bindings apply. */
  public static final ScopeChain PLATFORM = new ScopeChain(null, null, null);

  /** A target at organization level. */
  public static ScopeChain organization(String organizationId) {
    return new ScopeChain(organizationId, null, null);
  }

  /** A target at project level. */
  public static ScopeChain project(String organizationId, String projectId) {
    return new ScopeChain(organizationId, projectId, null);
  }

  /** One resource in a project ({@code projectId} may be null for a resource directly in an organization). */
  public static ScopeChain resource(String organizationId, String projectId, String resource) {
    return new ScopeChain(organizationId, projectId, resource);
  }
}
