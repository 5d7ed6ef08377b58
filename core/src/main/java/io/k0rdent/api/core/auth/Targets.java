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
 *       {@code organizations/acme/<anything>};</li>
 *   <li>a bare id: an organization for {@code resourcemanager.organizations.*} actions; otherwise a
 *       project if one has that id, else an organization (upstream {@code checkPermissions}: "a project ID,
 *       folder ID, or organization ID depending on the action's scope").</li>
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
      return state.project(id).compose(p -> p != null
          ? Future.succeededFuture(ScopeChain.project(p.organizationId(), p.id())) : organization(id));
    }
    switch (parts[0]) {
      case "organizations" -> {
        return parts.length == 2 ? organization(parts[1])
            : state.organization(parts[1]).map(o -> o == null ? null : ScopeChain.resource(o.id(), null, path));
      }
      case "projects" -> {
        return state.project(parts[1]).map(p -> p == null ? null : parts.length == 2
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
