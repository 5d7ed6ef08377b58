package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Policy bindings (listPolicies .. deletePolicy) over HTTP, against each store by a subclass. */
abstract class PoliciesHttpContract extends NodeHttpTest {

  static final String POLICIES = "/v1/regions/global/iam/policies";

  Res checked(String operationId, Res r) {
    CONTRACT.assertValid(operationId, r.status(), r.body());
    return r;
  }

  static String unique(String p) {
    return p + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  String org() {
    String org = unique("org");
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org)).status()).isEqualTo(201);
    return org;
  }

  String account(String org) {
    Res sa = api.post(IamHttpContract.SAS, token, new JsonObject().put("displayName", "p").put("scope", "organization")
        .put("scopeId", org));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    return sa.json().getString("id");
  }

  JsonObject binding(String org, String role, String saId, JsonObject scope) {
    return new JsonObject().put("orgId", org).put("role", role)
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", saId)).put("scope", scope);
  }

  @Test
  void bindingLifecycle() {
    String org = org();
    String sa = account(org);
    Res created = checked("createPolicy", api.post(POLICIES, token,
        binding(org, "org-viewer", sa, new JsonObject().put("type", "org"))));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().getString("effect")).isEqualTo("allow");
    assertThat(created.json().getJsonObject("scope").getString("resource")).isEqualTo(org);
    String id = created.json().getString("id");
    assertThat(checked("getPolicy", api.get(POLICIES + "/" + id, token)).json()).isEqualTo(created.json());
    Res listed = checked("listPolicies", api.get(POLICIES + "?orgId=" + org + "&scope=org", token));
    assertThat(listed.json().getJsonArray("policies").size()).isEqualTo(1);
    assertThat(checked("listPolicies", api.get(POLICIES + "?orgId=" + org + "&scope=project", token)).json()
        .getJsonArray("policies")).isEmpty();
    // the bound account cannot be deleted while the binding exists
    assertThat(api.delete(IamHttpContract.SAS + "/" + sa, token).status()).isEqualTo(409);
    assertThat(checked("deletePolicy", api.delete(POLICIES + "/" + id, token)).status()).isEqualTo(204);
    assertThat(api.delete(IamHttpContract.SAS + "/" + sa, token).status()).isEqualTo(204);
    // a platform binding, for an operator of the provider's organization
    String operator = account("provider");
    // (not checked against the draft: scope type platform is our extension)
    Res platform = api.post(POLICIES, token, new JsonObject().put("role", "org-viewer")
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", operator))
        .put("scope", new JsonObject().put("type", "platform")));
    assertThat(platform.status()).as(platform.body()).isEqualTo(201);
    assertThat(platform.json().containsKey("organizationId")).isFalse();
  }

  @Test
  void projectScopeAndDenyAndCustomRoles() {
    String org = org();
    String sa = account(org);
    String project = unique("proj");
    assertThat(api.post(PROJECTS, token, new JsonObject().put("id", project).put("organizationId", org)).status())
        .isEqualTo(201);
    Res deny = checked("createPolicy", api.post(POLICIES, token, binding(org, "project-editor", sa,
        new JsonObject().put("type", "project").put("resource", project)).put("effect", "deny")));
    assertThat(deny.status()).as(deny.body()).isEqualTo(201);
    assertThat(deny.json().getString("effect")).isEqualTo("deny");
    String role = unique("role");
    assertThat(api.post(RolesHttpContract.ROLES, token, new JsonObject().put("id", role).put("displayName", "r")
        .put("orgId", org).put("permissions", new JsonArray().add("compute.clusters.get"))).status()).isEqualTo(201);
    assertThat(api.post(POLICIES, token, binding(org, role, sa, new JsonObject().put("type", "org"))).status())
        .isEqualTo(201);
    // the custom role is in use
    assertThat(api.delete(RolesHttpContract.ROLES + "/" + role, token).status()).isEqualTo(409);
  }

  @Test
  void badBindingsAre400() {
    String org = org();
    String other = org();
    String sa = account(org);
    String foreignProject = unique("proj");
    assertThat(api.post(PROJECTS, token, new JsonObject().put("id", foreignProject).put("organizationId", other))
        .status()).isEqualTo(201);
    String foreignRole = unique("role");
    assertThat(api.post(RolesHttpContract.ROLES, token, new JsonObject().put("id", foreignRole).put("displayName", "r")
        .put("orgId", other).put("permissions", new JsonArray().add("compute.clusters.get"))).status()).isEqualTo(201);
    JsonObject orgScope = new JsonObject().put("type", "org");
    for (JsonObject bad : new JsonObject[] {
        binding(org, "no-such-role", sa, orgScope),
        binding(org, foreignRole, sa, orgScope),
        binding(org, "org-viewer", "no-such-account", orgScope),
        binding(other, "org-viewer", sa, orgScope),
        binding(org, "org-viewer", sa, new JsonObject().put("type", "project").put("resource", foreignProject)),
        binding(org, "org-viewer", sa, new JsonObject().put("type", "project")),
        binding(org, "org-viewer", sa, new JsonObject().put("type", "folder")),
        binding(org, "org-viewer", sa, orgScope).put("effect", "maybe"),
        binding(org, "org-viewer", sa, orgScope).put("extra", 1),
        binding(org, "org-viewer", sa, orgScope.copy().put("zzz", 1)),
        binding(org, "org-viewer", sa, orgScope).put("principal", new JsonObject().put("type", "serviceAccount")
            .put("id", sa).put("organizationId", other)),
        binding(org, "platform-admin", sa, orgScope),
        binding(org, "org-viewer", sa, new JsonObject().put("type", "platform")),
        binding(org, "org-viewer", sa, new JsonObject().put("type", "platform")).put("orgId", null),
        binding(org, "org-viewer", sa, new JsonObject().put("type", "resource").put("resource", "organizations/" + other + "/x/y")),
        binding(org, "org-viewer", sa, new JsonObject().put("type", "resource").put("resource", "../../x")),
        binding(org, "org-viewer", sa, new JsonObject().put("type", "resource").put("resource", "*")),
        binding(org, "org-viewer", sa, new JsonObject().put("type", "resource").put("resource",
            "projects/" + foreignProject + "/compute/clusters/c1"))}) {
      Res r = api.post(POLICIES, token, bad);
      assertThat(r.status()).as(bad.encode() + " -> " + r.body()).isEqualTo(400);
    }
    assertThat(api.get(POLICIES + "?scope=galaxy", token).status()).isEqualTo(400);
    String project = unique("proj");
    assertThat(api.post(PROJECTS, token, new JsonObject().put("id", project).put("organizationId", org)).status())
        .isEqualTo(201);
    Res good = checked("createPolicy", api.post(POLICIES, token, binding(org, "org-viewer", sa, new JsonObject()
        .put("type", "resource").put("resource", "/v1/regions/global/projects/" + project + "/compute/clusters/c1"))));
    assertThat(good.status()).as(good.body()).isEqualTo(201);
  }

  static java.util.List<String> ids(Res list) {
    return list.json().getJsonArray("policies").stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  String project(String org) {
    String project = unique("proj");
    assertThat(api.post(PROJECTS, token, new JsonObject().put("id", project).put("organizationId", org)).status())
        .isEqualTo(201);
    return project;
  }

  @Test
  void onlyWhatTheCallerHoldsMayBeBoundOrDenied() {
    String org = org();
    String sa = account(org);
    String iamAdmin = caller(org, "iam-admin").token();
    JsonObject orgScope = new JsonObject().put("type", "org");

    Res compute = checked("createPolicy", api.post(POLICIES, iamAdmin, binding(org, "compute-admin", sa, orgScope)));
    assertThat(compute.status()).as(compute.body()).isEqualTo(403);
    assertThat(compute.reason()).isEqualTo("PERMISSION_DENIED");
    assertThat(compute.body()).contains("compute-admin").contains("compute.clusters.create");
    Res deny = checked("createPolicy", api.post(POLICIES, iamAdmin, binding(org, "compute-viewer", sa, orgScope)
        .put("effect", "deny")));
    assertThat(deny.status()).as(deny.body()).isEqualTo(403);
    // a custom role with compute permissions: the same
    String role = unique("role");
    assertThat(api.post(RolesHttpContract.ROLES, token, new JsonObject().put("id", role).put("displayName", "r")
        .put("orgId", org).put("permissions", new JsonArray().add("compute.clusters.get"))).status()).isEqualTo(201);
    assertThat(api.post(POLICIES, iamAdmin, binding(org, role, sa, orgScope)).status()).isEqualTo(403);
    // what it holds: fine, allow or deny
    Res held = checked("createPolicy", api.post(POLICIES, iamAdmin, binding(org, "iam-admin", sa, orgScope)));
    assertThat(held.status()).as(held.body()).isEqualTo(201);
    assertThat(api.post(POLICIES, iamAdmin, binding(org, "iam-admin", sa, new JsonObject().put("type", "project")
        .put("resource", project(org))).put("effect", "deny")).status()).isEqualTo(201);
    // the platform: not for it
    Res platform = api.post(POLICIES, iamAdmin, new JsonObject().put("role", "iam-admin")
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", account("provider")))
        .put("scope", new JsonObject().put("type", "platform")));
    assertThat(platform.status()).as(platform.body()).isEqualTo(403);
    // an org-admin holds compute
    Res orgAdmin = api.post(POLICIES, caller(org, "org-admin").token(), binding(org, "compute-admin", sa, orgScope));
    assertThat(orgAdmin.status()).as(orgAdmin.body()).isEqualTo(201);
    // a project admin: in its project only, and what it holds there
    String project = project(org);
    String projectAdmin = scopedCaller("project", project, "project-admin").token();
    JsonObject inProject = new JsonObject().put("type", "project").put("resource", project);
    assertThat(api.post(POLICIES, projectAdmin, binding(org, "project-viewer", sa, inProject)).status())
        .isEqualTo(201);
    assertThat(api.post(POLICIES, projectAdmin, binding(org, "iam-admin", sa, inProject)).status()).isEqualTo(403);
    assertThat(api.post(POLICIES, projectAdmin, binding(org, "project-viewer", sa, new JsonObject().put("type", "project")
        .put("resource", project(org)))).status()).isEqualTo(400);
    assertThat(api.post(POLICIES, projectAdmin, binding(org, "project-viewer", sa, orgScope)).status()).isEqualTo(403);
    assertThat(api.post(POLICIES, projectAdmin, binding(org, "compute-viewer", sa, new JsonObject().put("type", "resource")
        .put("resource", "projects/" + project + "/compute/clusters/c1"))).status()).isEqualTo(201);
  }

  @Test
  void otherOrganizationsBindingsAreInvisibleAndListsShowWhatTheCallerMayRead() {
    String org = org();
    String other = org();
    String sa = account(org);
    String theirSa = account(other);
    String project = project(org);
    String mine = api.post(POLICIES, token, binding(org, "org-viewer", sa, new JsonObject().put("type", "org")))
        .json().getString("id");
    String inProject = api.post(POLICIES, token, binding(org, "compute-viewer", sa, new JsonObject()
        .put("type", "project").put("resource", project))).json().getString("id");
    String theirs = api.post(POLICIES, token, binding(other, "org-viewer", theirSa, new JsonObject().put("type", "org")))
        .json().getString("id");
    String platform = api.post(POLICIES, token, new JsonObject().put("role", "org-viewer")
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", account("provider")))
        .put("scope", new JsonObject().put("type", "platform"))).json().getString("id");

    String admin = caller(org, "iam-admin").token();
    String viewer = caller(org, "org-viewer").token();
    String nobody = caller(org).token();
    for (String t : java.util.List.of(admin, viewer, nobody)) {
      assertThat(checked("getPolicy", api.get(POLICIES + "/" + theirs, t)).status()).isEqualTo(404);
      assertThat(checked("deletePolicy", api.delete(POLICIES + "/" + theirs, t)).status()).isEqualTo(404);
      assertThat(checked("getPolicy", api.get(POLICIES + "/" + platform, t)).status()).isEqualTo(404);
      assertThat(checked("deletePolicy", api.delete(POLICIES + "/" + platform, t)).status()).isEqualTo(404);
    }
    assertThat(checked("getPolicy", api.get(POLICIES + "/" + mine, nobody)).status()).isEqualTo(404);
    assertThat(checked("getPolicy", api.get(POLICIES + "/" + mine, viewer)).status()).isEqualTo(200);
    assertThat(checked("deletePolicy", api.delete(POLICIES + "/" + mine, viewer)).status()).isEqualTo(403);
    // creating in an organization it may not know of: the 400 of a missing one
    Res foreign = api.post(POLICIES, admin, binding(other, "iam-admin", theirSa, new JsonObject().put("type", "org")));
    assertThat(foreign.status()).as(foreign.body()).isEqualTo(400);

    assertThat(ids(checked("listPolicies", api.get(POLICIES, viewer)))).containsExactlyInAnyOrder(mine, inProject);
    assertThat(ids(checked("listPolicies", api.get(POLICIES + "?orgId=" + other, viewer)))).isEmpty();
    assertThat(ids(checked("listPolicies", api.get(POLICIES, nobody)))).isEmpty();
    // a project's caller sees that project's bindings only
    String projectViewer = scopedCaller("project", project, "project-viewer").token();
    assertThat(ids(checked("listPolicies", api.get(POLICIES + "?orgId=" + org, projectViewer))))
        .containsExactly(inProject);
    assertThat(checked("getPolicy", api.get(POLICIES + "/" + mine, projectViewer)).status()).isEqualTo(404);
    // the platform administrator: every organization's, and the platform's (not checked against the
    // draft: scope type platform is our extension)
    assertThat(ids(api.get(POLICIES + "?pageSize=500", token)))
        .contains(mine, inProject, theirs, platform);
    assertThat(ids(checked("listPolicies", api.get(POLICIES + "?orgId=" + other, token)))).containsExactly(theirs);

    assertThat(checked("deletePolicy", api.delete(POLICIES + "/" + mine, admin)).status()).isEqualTo(204);
    assertThat(api.get(POLICIES + "/" + theirs, token).status()).isEqualTo(200);
  }
}
