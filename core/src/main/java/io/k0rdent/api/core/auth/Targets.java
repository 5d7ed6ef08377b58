package io.k0rdent.api.core.auth;

import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.resource.Slugs;
import io.vertx.core.Future;

/**
 * Turns what a client names as the target of a decision into its {@link ScopeChain}, reading
 * organizations and projects through {@link AuthState} (near-cached on nodes). Accepted forms:
 * <ul>
 *   <li>a path, with or without {@code /v1/regions/<region>/} and a leading slash:
 *       {@code organizations/acme}, {@code projects/p1}, {@code projects/p1/compute/clusters/c1},
 *       {@code organizations/acme/<anything>}; {@code organizations/acme/projects/p1/...} is
 *       {@code projects/p1/...} when p1 is acme's (else unknown);</li>
 *   <li>a bare id: an organization if one has that id, else a project (upstream {@code checkPermissions}:
 *       "a project ID, folder ID, or organization ID depending on the action's scope"). Organizations come
 *       first because only the provider creates them: a tenant cannot shadow another's organization by
 *       naming a project after it.</li>
 * </ul>
 * The answer is null when the target does not exist or cannot be parsed: such a target is never allowed
 * (and whether it exists is not revealed). A store or cache failure fails the future (503).
 */
public final class Targets {

  /** Longest target accepted. */
  public static final int MAX_LENGTH = 1024;
  private final AuthState state;

  public Targets(AuthState state) {
    this.state = state;
  }

  /** The chain of {@code resource} for {@code action}, or null (see the class comment). */
  public Future<ScopeChain> chainOf(String resource, String action) {
    if (resource == null || resource.isEmpty() || resource.length() > MAX_LENGTH) {
      return Future.succeededFuture();
    }
    String path = GrantInputs.resourceKey(resource);
    // organizations/<org>/projects/<p>/...: the same target as projects/<p>/..., if <p> is <org>'s
    String[] given = GrantInputs.trimSlashes(GrantInputs.withoutRegion(resource)).split("/", -1);
    String claimedOrg = given.length >= 4 && given[0].equals("organizations") && given[2].equals("projects")
        ? given[1] : null;
    String[] parts = path.split("/", -1);
    for (String part : parts) {
      if (!Slugs.isValid(part)) {
        return Future.succeededFuture();
      }
    }
    if (parts.length == 1) {
      String id = parts[0];
      if (action != null && action.startsWith("resourcemanager.organizations.")) {
        return organization(id);
      }
      // an organization first: only the provider creates organizations, so no tenant can take an id that
      // shadows another tenant's organization (anyone may name a project)
      return organization(id).compose(o -> o != null ? Future.succeededFuture(o)
          : state.project(id).map(p -> p == null ? null : ScopeChain.project(p.organizationId(), p.id())));
    }
    switch (parts[0]) {
      case "organizations" -> {
        return parts.length == 2 ? organization(parts[1])
            : state.organization(parts[1]).map(o -> o == null ? null : ScopeChain.resource(o.id(), null, path));
      }
      case "projects" -> {
        return state.project(parts[1]).map(p -> p == null || (claimedOrg != null && !claimedOrg.equals(p.organizationId()))
            ? null : parts.length == 2
            ? ScopeChain.project(p.organizationId(), p.id()) : ScopeChain.resource(p.organizationId(), p.id(), path));
      }
      default -> {
        return Future.succeededFuture();
      }
    }
  }

  private Future<ScopeChain> organization(String id) {
    return state.organization(id).map(o -> o == null ? null : ScopeChain.organization(o.id()));
  }
}
