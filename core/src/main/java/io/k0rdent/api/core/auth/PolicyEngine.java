package io.k0rdent.api.core.auth;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link Authorizer} in its first form: grants per subject, held in memory. Only the {@code admin}
 * role (every action) at {@code platform} scope is understood so far; any other principal, role or scope
 * is denied (fail closed). Users, roles, groups and policies arrive with the authorization issue, which
 * compiles them into this engine. A grant counts only when its role is among the token's roles
 * ({@link Principal#roles}), so a narrowed token or an API key with a role ceiling never acts with more.
 */
public final class PolicyEngine implements Authorizer {

  private static final Set<String> ADMIN_ROLES = Set.of("admin");
  private final Map<String, List<Grant>> grantsBySubject = new ConcurrentHashMap<>();

  /** Replaces the grants of {@code subject}. */
  public void setGrants(String subject, List<Grant> grants) {
    grantsBySubject.put(subject, List.copyOf(grants));
  }

  /** The grants of {@code subject}; empty when none. */
  public List<Grant> grants(String subject) {
    return grantsBySubject.getOrDefault(subject, List.of());
  }

  @Override
  public boolean isAllowed(Principal principal, String action, String resource) {
    if (principal == null || action == null) {
      return false;
    }
    // A token acts with at most the roles it was minted with (an API key's ceiling, scope narrowing).
    if (principal.roles() == null) {
      return false;
    }
    for (Grant g : grants(principal.subject())) {
      // platform-wide powers need an organization-wide token: one narrowed to a project never has them
      if ("platform".equals(g.scopeType()) && ADMIN_ROLES.contains(g.role()) && principal.roles().contains(g.role())
          && principal.organizationWide()) {
        return true;
      }
    }
    return false;
  }
}
