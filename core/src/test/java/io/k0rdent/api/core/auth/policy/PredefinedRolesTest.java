package io.k0rdent.api.core.auth.policy;

import static io.k0rdent.api.core.auth.policy.PredefinedRoles.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The predefined roles make sense over the product's catalogue. */
class PredefinedRolesTest {

  private final PermissionCatalog catalog = Permissions.catalog();
  private final Map<String, RoleDefinition> roles = PredefinedRoles.standard();

  private List<String> granted(String role) {
    return catalog.names(roles.get(role).mask(catalog));
  }

  private static String verb(String permission) {
    return permission.substring(permission.lastIndexOf('.') + 1);
  }

  @Test
  void theElevenRolesArePredefinedAndValid() {
    assertThat(roles.keySet()).containsExactlyElementsOf(IDS).hasSize(11);
    for (RoleDefinition r : roles.values()) {
      assertThat(r.predefined()).as(r.id()).isTrue();
      assertThat(r.unknownPermissions(catalog)).as(r.id()).isEmpty();
      assertThat(granted(r.id())).as(r.id()).isNotEmpty();
      assertThat(PredefinedRoles.isPredefined(r.id())).isTrue();
    }
    assertThat(PredefinedRoles.isPredefined("my-role")).isFalse();
    assertThat(PredefinedRoles.isPredefined(null)).isFalse();
  }

  @Test
  void platformAdminCanDoEverything() {
    assertThat(roles.get(PLATFORM_ADMIN).permissions()).containsExactly("*");
    assertThat(granted(PLATFORM_ADMIN)).containsExactlyElementsOf(catalog.names());
  }

  @Test
  void viewersOnlyGetAndList() {
    for (String viewer : List.of(ORG_VIEWER, PROJECT_VIEWER, COMPUTE_VIEWER)) {
      assertThat(granted(viewer)).as(viewer).isNotEmpty()
          .allMatch(p -> verb(p).equals("get") || verb(p).equals("list"))
          .doesNotContain(Permissions.CLUSTERS_CREATE, Permissions.CLUSTERS_DELETE, Permissions.PROJECTS_DELETE);
      assertThat(roles.get(viewer).permissions()).as(viewer).noneMatch(p -> p.contains("*"));
    }
    assertThat(granted(COMPUTE_VIEWER)).contains(Permissions.CLUSTERS_GET, Permissions.CLUSTERS_LIST)
        .allMatch(p -> p.startsWith("compute."));
    assertThat(granted(ORG_VIEWER)).contains(Permissions.ORGANIZATIONS_GET, Permissions.USERS_LIST,
        Permissions.SERVERS_LIST).noneMatch(p -> p.startsWith("auth."));
    assertThat(granted(PROJECT_VIEWER)).contains(Permissions.PROJECTS_GET, Permissions.CLUSTERS_LIST)
        .doesNotContain(Permissions.ORGANIZATIONS_GET, Permissions.USERS_LIST);
  }

  @Test
  void orgAdminRunsTheOrganizationButNotThePlatform() {
    assertThat(granted(ORG_ADMIN))
        .contains(Permissions.PROJECTS_CREATE, Permissions.POLICIES_CREATE, Permissions.CLUSTERS_DELETE,
            Permissions.SERVERS_PROVISION, Permissions.APIKEYS_ADMIN, Permissions.CHECK_OTHERS,
            Permissions.TOKENS_REVOKE, Permissions.AUDIT_EVENTS_LIST)
        .doesNotContain(Permissions.KEYS_ROTATE, Permissions.TOKENS_INTROSPECT);
  }

  @Test
  void theAuditLogIsForAdministratorsAndAuditorsOnly() {
    assertThat(granted(PLATFORM_ADMIN)).contains(Permissions.AUDIT_EVENTS_LIST);
    assertThat(granted(AUDIT_VIEWER)).containsExactly(Permissions.AUDIT_EVENTS_LIST);
    assertThat(granted(ORG_ADMIN)).contains(Permissions.AUDIT_EVENTS_LIST);
    assertThat(roles.get(ORG_ADMIN).permissions()).as("granted by name, not by a wildcard")
        .contains(Permissions.AUDIT_EVENTS_LIST).noneMatch(p -> p.startsWith("audit.") && p.endsWith("*"));
    for (String other : List.of(ORG_VIEWER, PROJECT_ADMIN, PROJECT_EDITOR, PROJECT_VIEWER, COMPUTE_ADMIN,
        COMPUTE_VIEWER, INFRASTRUCTURE_ADMIN, IAM_ADMIN)) {
      assertThat(granted(other)).as(other).doesNotContain(Permissions.AUDIT_EVENTS_LIST);
    }
  }

  @Test
  void projectRolesAreNestedAndStayOutOfTheOrganization() {
    assertThat(granted(PROJECT_EDITOR)).containsAll(granted(PROJECT_VIEWER))
        .contains(Permissions.CLUSTERS_CREATE, Permissions.SERVERS_PROVISION)
        .doesNotContain(Permissions.POLICIES_CREATE, Permissions.PROJECTS_DELETE, Permissions.PROJECTS_UPDATE);
    assertThat(granted(PROJECT_ADMIN)).containsAll(granted(PROJECT_EDITOR))
        .contains(Permissions.POLICIES_CREATE, Permissions.PROJECTS_DELETE, Permissions.SERVICE_ACCOUNTS_CREATE)
        .doesNotContain(Permissions.PROJECTS_CREATE, Permissions.ORGANIZATIONS_UPDATE, Permissions.ROLES_CREATE,
            Permissions.USERS_DELETE, Permissions.KEYS_ROTATE);
  }

  @Test
  void serviceAdminsStayInTheirService() {
    assertThat(granted(COMPUTE_ADMIN)).isNotEmpty().allMatch(p -> p.startsWith("compute."))
        .containsAll(catalog.matching("compute.*"));
    assertThat(granted(INFRASTRUCTURE_ADMIN)).containsExactlyElementsOf(catalog.matching("infrastructure.*"));
    assertThat(granted(IAM_ADMIN)).containsAll(catalog.matching("iam.*")).contains(Permissions.CHECK_OTHERS)
        .noneMatch(p -> p.startsWith("compute.") || p.equals(Permissions.KEYS_ROTATE));
  }

  @Test
  void viewerRolesFollowTheCatalogueTheyAreBuiltOver() {
    PermissionCatalog small = PermissionCatalog.of(List.of("compute.gpus.get", "compute.gpus.list",
        "compute.gpus.reserve", "iam.users.list"));
    Map<String, RoleDefinition> built = PredefinedRoles.of(small);
    assertThat(built.get(COMPUTE_VIEWER).permissions()).containsExactly("compute.gpus.get", "compute.gpus.list");
    assertThat(built.get(ORG_VIEWER).permissions())
        .containsExactly("compute.gpus.get", "compute.gpus.list", "iam.users.list");
  }

  @Test
  void theResolverNeverLetsACustomRoleShadowAPredefinedOne() {
    RoleDefinition fake = new RoleDefinition(PLATFORM_ADMIN, "acme", List.of("compute.clusters.get"));
    RoleDefinition mine = new RoleDefinition("gpu-operators", "acme", List.of("compute.*"));
    var resolve = PredefinedRoles.resolver(roles, id -> id.equals(PLATFORM_ADMIN) ? fake
        : id.equals("gpu-operators") ? mine : null);
    assertThat(resolve.apply(PLATFORM_ADMIN)).isSameAs(roles.get(PLATFORM_ADMIN));
    assertThat(resolve.apply("gpu-operators")).isSameAs(mine);
    assertThat(resolve.apply("nope")).isNull();
  }
}
