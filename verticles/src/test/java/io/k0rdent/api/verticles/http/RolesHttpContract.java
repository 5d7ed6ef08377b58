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
}
