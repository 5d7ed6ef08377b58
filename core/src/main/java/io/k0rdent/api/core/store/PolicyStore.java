package io.k0rdent.api.core.store;

import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Policy bindings. List filters: {@code organizationId}, {@code principalType} with {@code principalId}
 * (only both together), {@code role}, {@code scopeType}, {@code scopeResource}. {@link #update} replaces
 * {@code displayName} and {@code description} only.
 *
 * <p>On {@link #create} (each a 400 naming the field): {@code principalType} must be one of
 * {@link PrincipalRef#TYPES}; {@code organizationId} is null exactly when {@code scopeType} is
 * {@code platform}, and must name an existing organization; the principal must exist, and be of the
 * binding's organization unless the binding is platform-scoped; a {@code role} that names a stored
 * {@link io.k0rdent.api.core.resource.Role} must be a role of the binding's organization (platform-scope
 * bindings take predefined roles only). A role name that is not stored is taken as a predefined role, which
 * the caller checks: the store does not know them. So that a binding's role never changes meaning, a role
 * cannot be created with an id that bindings name, nor deleted while bindings name it.
 */
public interface PolicyStore extends ResourceStore<Policy> {

  /**
   * Every binding of any of {@code principals}, in ({@code createdAt}, {@code id}) order, in one query
   * and unpaged (the policy engine's read: a user and its groups, or a service account).
   */
  Future<List<Policy>> forPrincipals(Collection<PrincipalRef> principals);

  /**
   * Throws an IllegalArgumentException unless {@code filters} has both {@code principalType} and
   * {@code principalId} or neither (adapters call it before listing).
   */
  static void checkPrincipalFilters(Map<String, String> filters) {
    if (filters.containsKey("principalType") != filters.containsKey("principalId")) {
      throw new IllegalArgumentException("filters principalType and principalId go together");
    }
  }
}
