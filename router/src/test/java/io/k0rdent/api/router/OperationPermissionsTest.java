package io.k0rdent.api.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.policy.Permissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every operation the product serves is guarded by exactly one permission of the catalogue (its
 * {@code x-permission}); only the OAuth endpoints, which authenticate their callers themselves, have none.
 * Adding a route without a permission, or with one the catalogue does not know, fails here.
 */
class OperationPermissionsTest {

  /** The OAuth endpoints (RFC 6749 / 7662 / 7009): client authentication, no bearer token. */
  static final Set<String> OAUTH = Set.of("mintToken", "introspectToken", "revokeToken");

  @Test
  void everyOperationNamesOneKnownPermission() {
    List<String> missing = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (ApiDocument.Operation op : ApiDocument.load().operations()) {
      if (OAUTH.contains(op.operationId())) {
        assertThat(op.permission()).as(op.operationId() + " authenticates its client itself").isNull();
        continue;
      }
      if (op.permission() == null) {
        missing.add(op.operationId());
      } else if (Permissions.catalog().id(op.permission()) < 0) {
        unknown.add(op.operationId() + " -> " + op.permission());
      }
      assertThat(op.secured()).as(op.operationId() + " needs a bearer token").isTrue();
    }
    assertThat(missing).as("operations without x-permission").isEmpty();
    assertThat(unknown).as("operations whose permission is not in the catalogue").isEmpty();
  }

  @Test
  void theCatalogueIsListedByTheApi() {
    assertThat(ApiDocument.load().operations()).anyMatch(op -> op.operationId().equals("listPermissions"));
  }
}
