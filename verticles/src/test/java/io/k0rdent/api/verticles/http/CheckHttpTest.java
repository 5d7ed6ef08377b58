package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/regions/global/auth/check} ({@code checkPermissions}) end to end: the caller's own
 * decisions in request order, bindings at organization and project scope, deny bindings, asking about
 * other principals (service accounts, API keys), and the 400/403 answers. 200 and 403 bodies are checked
 * against the strict upstream schemas.
 */
class CheckHttpTest extends NodeHttpTest {


  String orgA;
  String orgB;
  String p1;
  String p2;
  String pB;

  @BeforeAll
  void world() {
    orgA = org();
    orgB = org();
    p1 = project(orgA);
    p2 = project(orgA);
    pB = project(orgB);
  }

  String org() {
    String id = unique("org");
    Res r = api.post(ORGS, token, new JsonObject().put("id", id));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return id;
  }

  String project(String org) {
    String id = unique("proj");
    Res r = api.post(PROJECTS, token, new JsonObject().put("id", id).put("organizationId", org));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return id;
  }

  /** A service account of {@code org} with {@code roles} at organization scope. */
  JsonObject account(String org, String... roles) {
    Res r = api.post(SAS, token, new JsonObject().put("displayName", "sa").put("scope", "organization")
        .put("scopeId", org).put("roles", new JsonArray(List.of(roles))));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  /** A fresh token of service account {@code sa}. */
  String tokenOf(JsonObject sa) {
    Res cred = api.post(SAS + "/" + sa.getString("id") + "/credentials", token, new JsonObject());
    assertThat(cred.status()).as(cred.body()).isEqualTo(201);
    return api.clientCredentialsToken(sa.getString("clientId"), cred.json().getString("clientSecret"));
  }

  /** Binds {@code role} to {@code sa} at {@code scopeType}/{@code scopeResource} through {@code createPolicy}. */
  void bind(String org, String role, JsonObject sa, String scopeType, String scopeResource, String effect) {
    Res r = api.post("/v1/regions/global/iam/policies", token, new JsonObject().put("orgId", org).put("role", role)
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", sa.getString("id")))
        .put("scope", new JsonObject().put("type", scopeType).put("resource", scopeResource)).put("effect", effect));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonObject checks(String... actionResourcePairs) {
    JsonArray list = new JsonArray();
    for (int i = 0; i < actionResourcePairs.length; i += 2) {
      list.add(new JsonObject().put("action", actionResourcePairs[i]).put("resource", actionResourcePairs[i + 1]));
    }
    return new JsonObject().put("checks", list);
  }

  Res check(Api face, String bearer, JsonObject body) {
    Res r = face.post(CHECK, bearer, body);
    if (r.status() == 200 || r.status() == 403 || r.status() == 400) {
      CONTRACT.assertValid("checkPermissions", r.status(), r.body());
    }
    return r;
  }

  /** The {@code allowed} of every result, in order; fails unless the answer is 200. */
  List<Boolean> allowed(Api face, String bearer, JsonObject body) {
    Res r = check(face, bearer, body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<Boolean> out = new ArrayList<>();
    r.json().getJsonArray("results").forEach(o -> out.add(((JsonObject) o).getBoolean("allowed")));
    assertThat(out).hasSize(body.getJsonArray("checks").size());
    return out;
  }

  List<Boolean> allowed(String bearer, JsonObject body) {
    return allowed(api, bearer, body);
  }

  @Test
  void selfCheckAnswersInRequestOrder() {
    String viewer = tokenOf(account(orgA, "org-viewer"));
    assertThat(allowed(viewer, checks(
        "resourcemanager.projects.get", p1,
        "compute.clusters.create", "projects/" + p1,
        "resourcemanager.organizations.get", orgA,
        "resourcemanager.projects.delete", "projects/" + p2,
        "compute.clusters.get", "/v1/regions/r1/projects/" + p2 + "/compute/clusters/c1",
        "resourcemanager.organizations.update", "organizations/" + orgA)))
        .containsExactly(true, false, true, false, true, false);
    // naming oneself is a self check: no permission needed
    String clientId = account(orgA, "org-viewer").getString("clientId");
    JsonObject self = checks("resourcemanager.projects.get", p1, "compute.clusters.create", p1);
    JsonObject sa = new JsonObject().put("id", clientId.substring(0, clientId.indexOf('@'))).put("clientId", clientId);
    assertThat(allowed(tokenOf(sa), self.copy().put("subject", clientId))).containsExactly(true, false);
    // the platform administrator: everything that exists
    assertThat(allowed(token, checks("compute.clusters.create", p1, "resourcemanager.organizations.create", orgB)))
        .containsExactly(true, true);
  }

  @Test
  void anotherOrganizationsResourcesAreAllFalse() {
    JsonObject byRole = account(orgA, "org-viewer");
    JsonObject byBinding = account(orgA);
    bind(orgA, "org-viewer", byBinding, Policy.ORG, orgA, Policy.ALLOW);
    JsonObject foreign = checks(
        "resourcemanager.organizations.get", orgB,
        "resourcemanager.projects.get", pB,
        "resourcemanager.projects.list", "organizations/" + orgB,
        "compute.clusters.get", "projects/" + pB + "/compute/clusters/c1",
        "compute.clusters.get", "/v1/regions/r1/projects/" + pB + "/compute/clusters/c1",
        "resourcemanager.projects.get", p1);
    for (JsonObject sa : List.of(byRole, byBinding)) {
      assertThat(allowed(tokenOf(sa), foreign)).containsExactly(false, false, false, false, false, true);
    }
  }

  @Test
  void aProjectBindingReachesItsProjectOnly() {
    JsonObject sa = account(orgA);
    bind(orgA, "project-viewer", sa, Policy.PROJECT, p1, Policy.ALLOW);
    String t = tokenOf(sa);
    assertThat(allowed(t, checks(
        "resourcemanager.projects.get", p1,
        "resourcemanager.projects.get", "projects/" + p1,
        "compute.clusters.get", "/v1/regions/r1/projects/" + p1 + "/compute/clusters/c1",
        "compute.clusters.get", "projects/" + p1 + "/compute/clusters/c1",
        "compute.clusters.create", "projects/" + p1,
        "resourcemanager.projects.get", p2,
        "compute.clusters.get", "/v1/regions/r1/projects/" + p2 + "/compute/clusters/c1",
        "resourcemanager.organizations.get", orgA)))
        .containsExactly(true, true, true, true, false, false, false, false);
  }

  @Test
  void aDenyBindingWins() {
    JsonObject sa = account(orgA, "org-viewer");
    bind(orgA, "project-viewer", sa, Policy.PROJECT, p1, Policy.DENY);
    assertThat(allowed(tokenOf(sa), checks(
        "resourcemanager.projects.get", p1,
        "compute.clusters.get", "projects/" + p1 + "/compute/clusters/c1",
        "resourcemanager.projects.get", p2,
        "iam.users.list", orgA)))
        .containsExactly(false, false, true, true);
  }

  @Test
  void unknownActionsAre400NamingEachIndex() {
    Res r = check(api, token, checks(
        "resourcemanager.projects.get", p1,
        "compute.nothings.get", p1,
        "resourcemanager.projects.get", p2,
        "resourcemanager.projects.*", p2));
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.reason()).isEqualTo("INVALID_ARGUMENT");
    List<String> fields = new ArrayList<>();
    r.json().getJsonObject("error").getJsonArray("details").forEach(d -> {
      JsonArray v = ((JsonObject) d).getJsonArray("fieldViolations");
      if (v != null) {
        v.forEach(f -> fields.add(((JsonObject) f).getString("field")));
      }
    });
    assertThat(fields).containsExactly("checks[1].action", "checks[3].action");
  }

  @Test
  void atMostOneHundredChecks() {
    String[] pairs = new String[202];
    for (int i = 0; i < pairs.length; i += 2) {
      pairs[i] = "resourcemanager.projects.get";
      pairs[i + 1] = i % 4 == 0 ? p1 : "projects/" + p2;
    }
    assertThat(check(api, token, checks(pairs)).status()).isEqualTo(400);
    String[] hundred = java.util.Arrays.copyOf(pairs, 200);
    assertThat(allowed(token, checks(hundred))).hasSize(100).containsOnly(true);
  }

  @Test
  void unknownOrUnreadableResourcesAreNotAllowed() {
    assertThat(allowed(token, checks(
        "resourcemanager.projects.get", "projects/no-such-project",
        "resourcemanager.projects.get", "no-such-thing",
        "resourcemanager.organizations.get", "organizations/no-such-org",
        "resourcemanager.projects.get", "../" + p1,
        "compute.clusters.get", "compute/clusters/c1",
        "compute.clusters.get", "projects/" + p1 + "/compute/clusters/c1",
        "resourcemanager.projects.get", "x".repeat(1024))))
        .containsExactly(false, false, false, false, false, true, false);
  }

  @Test
  void askingAboutSomeoneElse() {
    JsonObject viewer = account(orgA, "org-viewer");
    JsonObject admin = account(orgA, "org-admin");
    JsonObject other = account(orgA, "org-viewer");
    JsonObject foreigner = account(orgB, "org-admin");
    String viewerToken = tokenOf(viewer);
    String adminToken = tokenOf(admin);
    JsonObject asked = checks("resourcemanager.projects.get", p1, "compute.clusters.create", p1);

    // without auth.check.others: 403, whether the subject exists or not
    Res denied = check(api, viewerToken, asked.copy().put("subject", other.getString("clientId")));
    assertThat(denied.status()).as(denied.body()).isEqualTo(403);
    assertThat(denied.reason()).isEqualTo("PERMISSION_DENIED");
    Res unknownToViewer = check(api, viewerToken, asked.copy().put("subject", "nobody-" + UUID.randomUUID()));
    assertThat(unknownToViewer.status()).isEqualTo(403);

    // an organization administrator answers for a member of its organization
    assertThat(allowed(adminToken, asked.copy().put("subject", other.getString("clientId"))))
        .containsExactly(true, false);
    assertThat(allowed(adminToken, asked)).containsExactly(true, true);
    // ... but not about another organization's principals, nor about nobody: the same 403
    Res foreign = check(api, adminToken, asked.copy().put("subject", foreigner.getString("clientId")));
    Res nobody = check(api, adminToken, asked.copy().put("subject", "nobody-" + UUID.randomUUID()));
    Res forged = check(api, adminToken, asked.copy().put("subject", other.getString("id") + "@" + orgB + ".iam"));
    Res junk = check(api, adminToken, asked.copy().put("subject", "Not A Subject!"));
    for (Res r : List.of(foreign, nobody, forged, junk)) {
      assertThat(r.status()).as(r.body()).isEqualTo(403);
      assertThat(r.json().getJsonObject("error").getString("message"))
          .isEqualTo(denied.json().getJsonObject("error").getString("message"));
    }
    // the platform administrator may ask about anyone
    assertThat(allowed(token, asked.copy().put("subject", foreigner.getString("clientId"))))
        .containsExactly(false, false);
    assertThat(allowed(token, asked.copy().put("subject", viewer.getString("clientId"))))
        .containsExactly(true, false);
  }

  @Test
  void anApiKeyAnswersWithinItsRolesAndScope() {
    JsonObject admin = account(orgA, "org-admin");
    String adminToken = tokenOf(admin);
    Res capped = api.post(KEYS, adminToken, new JsonObject().put("displayName", "capped").put("scope", "organization")
        .put("scopeId", orgA).put("roles", new JsonArray().add("org-viewer")));
    assertThat(capped.status()).as(capped.body()).isEqualTo(201);
    Res scoped = api.post(KEYS, adminToken, new JsonObject().put("displayName", "scoped").put("scope", "project")
        .put("scopeId", p1));
    assertThat(scoped.status()).as(scoped.body()).isEqualTo(201);
    JsonObject asked = checks(
        "resourcemanager.projects.get", p1,
        "compute.clusters.create", "projects/" + p1,
        "compute.clusters.create", "projects/" + p2,
        "resourcemanager.organizations.get", orgA);

    assertThat(allowed(adminToken, asked)).containsExactly(true, true, true, true);
    assertThat(allowed(adminToken, asked.copy().put("subject", capped.json().getString("id"))))
        .containsExactly(true, false, false, true);
    assertThat(allowed(adminToken, asked.copy().put("subject", scoped.json().getString("id"))))
        .containsExactly(true, true, false, false);
    // a token minted with the capped key answers the same for itself
    Res minted = api.send("POST", IamHttpContract.TOKEN, "grant_type=api_key&api_key="
        + Api.enc(capped.json().getString("secret")), "Content-Type", "application/x-www-form-urlencoded");
    assertThat(minted.status()).as(minted.body()).isEqualTo(200);
    assertThat(allowed(minted.json().getString("access_token"), asked)).containsExactly(true, false, false, true);
    // a disabled key acts with nothing
    Res disabled = api.patch(KEYS + "/" + capped.json().getString("id"), adminToken,
        new JsonObject().put("status", "disabled"));
    assertThat(disabled.status()).as(disabled.body()).isEqualTo(200);
    assertThat(allowed(adminToken, asked.copy().put("subject", capped.json().getString("id"))))
        .containsExactly(false, false, false, false);
  }

  @Test
  void badBodiesAre400() {
    String[] json = {"Authorization", "Bearer " + token, "Content-Type", "application/json"};
    assertThat(api.send("POST", CHECK, "{\"checks\": [", json).status()).isEqualTo(400);
    assertThat(api.send("POST", CHECK, "{}", json).status()).isEqualTo(400);
    assertThat(api.send("POST", CHECK, "{\"checks\": []}", json).status()).isEqualTo(400);
    assertThat(api.send("POST", CHECK, "[]", json).status()).isEqualTo(400);
    assertThat(api.send("POST", CHECK, "", json).status()).isEqualTo(400);
    assertThat(check(api, token, checks("resourcemanager.projects.get", p1).put("extra", 1)).status()).isEqualTo(400);
    assertThat(check(api, token, new JsonObject().put("checks", new JsonArray()
        .add(new JsonObject().put("action", "resourcemanager.projects.get"))))).extracting(Res::status).isEqualTo(400);
    assertThat(check(api, token, new JsonObject().put("checks", new JsonArray()
        .add(new JsonObject().put("action", "resourcemanager.projects.get").put("resource", p1).put("why", "x")))))
        .extracting(Res::status).isEqualTo(400);
    assertThat(check(api, token, checks("resourcemanager.projects.get", "x".repeat(1025))).status()).isEqualTo(400);
    assertThat(check(api, token, checks("a".repeat(201), p1)).status()).isEqualTo(400);
    assertThat(check(api, token, checks("resourcemanager.projects.get", p1).put("subject", 7)).status()).isEqualTo(400);
    assertThat(api.send("POST", CHECK, checks("resourcemanager.projects.get", p1).encode(),
        "Authorization", "Bearer " + token, "Content-Type", "text/plain").status()).isEqualTo(415);
    assertThat(api.send("POST", CHECK, checks("resourcemanager.projects.get", p1).encode(),
        "Content-Type", "application/json").status()).isEqualTo(401);
  }

  @Test
  void bothListenersServeIt() {
    JsonObject body = checks("resourcemanager.projects.get", p1, "resourcemanager.projects.get", "projects/nope");
    assertThat(allowed(node.arc, token, body)).containsExactly(true, false);
    assertThat(allowed(node.atlas, token, body)).containsExactly(true, false);
  }
}
