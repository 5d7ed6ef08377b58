package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Roles (listRoles .. deleteRole) and the permission catalogue over HTTP, against each store by a subclass. */
abstract class RolesHttpContract extends NodeHttpTest {

  static final String ROLES = "/v1/regions/global/iam/roles";

  Res checked(String operationId, Res r) {
    CONTRACT.assertValid(operationId, r.status(), r.body());
    return r;
  }

  @Test
  void predefinedRolesAreListedReadableAndFixed() {
    Res list = checked("listRoles", api.get(ROLES, token));
    assertThat(list.status()).isEqualTo(200);
    List<String> ids = list.json().getJsonArray("roles").stream().map(o -> ((JsonObject) o).getString("id")).toList();
    assertThat(ids).containsAll(PredefinedRoles.IDS);
    Res viewer = checked("getRole", api.get(ROLES + "/" + PredefinedRoles.ORG_VIEWER, token));
    assertThat(viewer.json().getBoolean("predefined")).isTrue();
    assertThat(viewer.json().getJsonArray("permissions").getList()).isNotEmpty()
        .allSatisfy(p -> assertThat((String) p).matches(".*\\.(get|list)"));
    assertThat(checked("updateRole", api.patch(ROLES + "/" + PredefinedRoles.ORG_VIEWER, token,
        new JsonObject().put("displayName", "mine"))).status()).isEqualTo(409);
    assertThat(checked("deleteRole", api.delete(ROLES + "/" + PredefinedRoles.PLATFORM_ADMIN, token)).status())
        .isEqualTo(409);
    assertThat(api.post(ROLES, token, new JsonObject().put("id", PredefinedRoles.ORG_ADMIN).put("displayName", "x")
        .put("permissions", new JsonArray().add("compute.clusters.get"))).status()).isEqualTo(409);
  }

  @Test
  void customRoleLifecycle() {
    String id = "role-" + UUID.randomUUID().toString().substring(0, 8);
    Res created = checked("createRole", api.post(ROLES, token, new JsonObject().put("id", id).put("displayName", "Ops")
        .put("permissions", new JsonArray().add("compute.clusters.*").add("resourcemanager.projects.get"))));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().getString("organizationId")).isEqualTo("provider");
    assertThat(created.json().getBoolean("predefined")).isFalse();
    Res got = checked("getRole", api.get(ROLES + "/" + id, token));
    assertThat(got.json()).isEqualTo(created.json());
    Res patched = checked("updateRole", api.patch(ROLES + "/" + id, token,
        new JsonObject().put("permissions", new JsonArray().add("compute.*"))));
    assertThat(patched.json().getJsonArray("permissions").getList()).containsExactly("compute.*");
    assertThat(checked("listRoles", api.get(ROLES + "?orgId=provider", token)).json().getJsonArray("roles").stream()
        .map(o -> ((JsonObject) o).getString("id"))).contains(id);
    assertThat(checked("deleteRole", api.delete(ROLES + "/" + id, token)).status()).isEqualTo(204);
    assertThat(checked("getRole", api.get(ROLES + "/" + id, token)).status()).isEqualTo(404);
  }

  @Test
  void unknownPermissionsAreNamed() {
    Res r = checked("createRole", api.post(ROLES, token, new JsonObject().put("displayName", "bad")
        .put("permissions", new JsonArray().add("compute.clusters.get").add("compute.teleporters.create")
            .add("nosuch.*"))));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("compute.teleporters.create").contains("nosuch.*").doesNotContain("'compute.clusters.get'");
    assertThat(api.post(ROLES, token, new JsonObject().put("displayName", "bad")
        .put("permissions", new JsonArray().add("Compute..x"))).status()).isEqualTo(400);
    assertThat(api.post(ROLES, token, new JsonObject().put("displayName", "all")
        .put("permissions", new JsonArray().add("*"))).status()).isEqualTo(400);
    assertThat(api.post(ROLES, token, new JsonObject().put("displayName", "bad")
        .put("permissions", new JsonArray().add("compute.clusters.get")).put("orgId", "no-such-org")).status())
        .isEqualTo(400);
  }

  @Test
  void thePermissionCatalogueIsListed() {
    Res r = api.get("/v1/regions/global/iam/permissions", token);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getJsonArray("permissions").getList()).contains("iam.roles.create", "compute.clusters.create");
    assertThat(api.get("/v1/regions/global/iam/permissions", null).status()).isEqualTo(401);
  }

  String newOrg() {
    String org = "org-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org)).status()).isEqualTo(201);
    return org;
  }

  Res createRole(String t, String org, String... permissions) {
    return checked("createRole", api.post(ROLES, t, new JsonObject().put("orgId", org).put("displayName", "r")
        .put("permissions", new JsonArray(List.of((Object[]) permissions)))));
  }

  static List<String> ids(Res list) {
    return list.json().getJsonArray("roles").stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  @Test
  void onlyPermissionsTheCallerHoldsGoIntoARole() {
    String org = newOrg();
    String iamAdmin = caller(org, PredefinedRoles.IAM_ADMIN).token();
    Res denied = createRole(iamAdmin, org, "iam.users.get", "compute.clusters.get", "compute.clusters.create");
    assertThat(denied.status()).as(denied.body()).isEqualTo(403);
    assertThat(denied.reason()).isEqualTo("PERMISSION_DENIED");
    assertThat(denied.body()).contains("compute.clusters.get").contains("compute.clusters.create")
        .doesNotContain("iam.users.get");
    Res made = createRole(iamAdmin, org, "iam.users.get", "iam.groups.*");
    assertThat(made.status()).as(made.body()).isEqualTo(201);
    assertThat(made.json().getString("organizationId")).isEqualTo(org);
    String id = made.json().getString("id");
    // adding what it does not hold: 403; keeping or dropping what is there: fine
    Res widened = checked("updateRole", api.patch(ROLES + "/" + id, iamAdmin,
        new JsonObject().put("permissions", new JsonArray().add("iam.users.get").add("compute.*"))));
    assertThat(widened.status()).as(widened.body()).isEqualTo(403);
    assertThat(widened.body()).contains("compute.clusters.create");
    Res narrowed = checked("updateRole", api.patch(ROLES + "/" + id, iamAdmin,
        new JsonObject().put("permissions", new JsonArray().add("iam.groups.*"))));
    assertThat(narrowed.status()).as(narrowed.body()).isEqualTo(200);
    // the platform administrator made the role hold compute.*: the iam-admin may still rename it
    assertThat(api.patch(ROLES + "/" + id, token, new JsonObject().put("permissions",
        new JsonArray().add("iam.groups.*").add("compute.*"))).status()).isEqualTo(200);
    assertThat(checked("updateRole", api.patch(ROLES + "/" + id, iamAdmin,
        new JsonObject().put("displayName", "renamed"))).status()).isEqualTo(200);
    // an org-admin holds compute too
    assertThat(createRole(caller(org, PredefinedRoles.ORG_ADMIN).token(), org, "compute.*").status()).isEqualTo(201);
  }

  @Test
  void rolesOfOtherOrganizationsAreInvisibleAndViewersMayOnlyRead() {
    String org = newOrg();
    String other = newOrg();
    String mine = createRole(token, org, "compute.clusters.get").json().getString("id");
    String theirs = createRole(token, other, "compute.clusters.get").json().getString("id");
    String admin = caller(org, PredefinedRoles.IAM_ADMIN).token();
    String viewer = caller(org, PredefinedRoles.ORG_VIEWER).token();
    String nobody = caller(org).token();

    for (String t : List.of(admin, viewer, nobody)) {
      assertThat(checked("getRole", api.get(ROLES + "/" + theirs, t)).status()).isEqualTo(404);
      assertThat(checked("updateRole", api.patch(ROLES + "/" + theirs, t, new JsonObject().put("displayName", "x")))
          .status()).isEqualTo(404);
      assertThat(checked("deleteRole", api.delete(ROLES + "/" + theirs, t)).status()).isEqualTo(404);
    }
    // creating in an organization it may not know of: the 400 of a missing one
    assertThat(createRole(admin, other, "iam.users.get").status()).isEqualTo(400);
    assertThat(createRole(viewer, org, "iam.users.get").status()).isEqualTo(403);
    assertThat(checked("getRole", api.get(ROLES + "/" + mine, viewer)).status()).isEqualTo(200);
    assertThat(checked("updateRole", api.patch(ROLES + "/" + mine, viewer, new JsonObject().put("displayName", "x")))
        .status()).isEqualTo(403);
    assertThat(checked("deleteRole", api.delete(ROLES + "/" + mine, viewer)).status()).isEqualTo(403);
    assertThat(checked("getRole", api.get(ROLES + "/" + mine, nobody)).status()).isEqualTo(404);

    // lists: the predefined roles and the custom roles of the organization the caller may read
    assertThat(ids(checked("listRoles", api.get(ROLES, viewer)))).containsAll(PredefinedRoles.IDS).contains(mine)
        .doesNotContain(theirs);
    assertThat(ids(checked("listRoles", api.get(ROLES + "?orgId=" + other, viewer))))
        .containsExactlyElementsOf(PredefinedRoles.IDS);
    assertThat(ids(checked("listRoles", api.get(ROLES + "?orgId=" + other, token)))).contains(theirs);
    assertThat(ids(checked("listRoles", api.get(ROLES, nobody)))).isEmpty();
    // the predefined roles and the catalogue: for whoever may read roles
    assertThat(checked("getRole", api.get(ROLES + "/" + PredefinedRoles.ORG_VIEWER, viewer)).status()).isEqualTo(200);
    assertThat(checked("getRole", api.get(ROLES + "/" + PredefinedRoles.ORG_VIEWER, nobody)).status()).isEqualTo(403);
    assertThat(api.get("/v1/regions/global/iam/permissions", viewer).status()).isEqualTo(200);
    assertThat(api.get("/v1/regions/global/iam/permissions", nobody).status()).isEqualTo(403);

    assertThat(checked("deleteRole", api.delete(ROLES + "/" + mine, admin)).status()).isEqualTo(204);
    assertThat(api.get(ROLES + "/" + theirs, token).status()).isEqualTo(200);
  }
}
