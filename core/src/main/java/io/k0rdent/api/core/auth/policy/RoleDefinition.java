package io.k0rdent.api.core.auth.policy;

import java.util.List;
import java.util.Objects;

/**
 * A role: a set of permission patterns ({@link PermissionCatalog#isPattern}: names, {@code *},
 * {@code service.*}, {@code service.resource.*}). {@code organizationId} is the organization a custom
 * role belongs to, or null for a predefined role ({@link PredefinedRoles}), which cannot be changed or
 * deleted. The constructor throws {@link NullPointerException} if {@code id}, {@code permissions} or one
 * of its entries is null.
 */
public record RoleDefinition(String id, String organizationId, List<String> permissions) {

  public RoleDefinition {
    Objects.requireNonNull(id, "id");
    permissions = List.copyOf(permissions);
  }

  /** Whether this is a predefined role (no organization). */
  public boolean predefined() {
    return organizationId == null;
  }

  /**
   * The entries of {@link #permissions} that grant nothing in {@code catalog} (malformed, or matching
   * no known permission), for a 400 that names them; empty when the role is valid.
   */
  public List<String> unknownPermissions(PermissionCatalog catalog) {
    return catalog.unknown(permissions);
  }

  /** What this role grants in {@code catalog}: the union of its patterns, malformed ones ignored. */
  public long[] mask(PermissionCatalog catalog) {
    long[] union = new long[catalog.words()];
    for (String p : permissions) {
      long[] m = catalog.maskOrNull(p);
      if (m != null) {
        PermissionCatalog.or(union, m);
      }
    }
    return union;
  }
}
