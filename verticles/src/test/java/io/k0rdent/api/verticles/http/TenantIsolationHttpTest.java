package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hard multi-tenancy, end to end: a principal of organization A — a service account created through the
 * API, holding {@code org-admin} through an ordinary policy binding, authenticating with
 * {@code client_credentials} — cannot read, list, change, delete or check anything of organization B, for
 * every resource type and verb; each refusal reads exactly like a resource that does not exist. The same
 * principal succeeds on its own organization's resources (so each refusal is the policy's doing), and
 * B's resources are unchanged afterwards.
 */
class TenantIsolationHttpTest extends NodeHttpTest {


  /** One organization's resources, created by the bootstrap admin. */
  record Tenant(String org, String project, String user, String group, String member, String account,
                String credential, String role, String policy, String clientId, String secret) {}

  Tenant a;
  Tenant b;
  String tokenA;
  String keyOfB;

  private Tenant tenant() {
    String org = unique("org");
    created(ORGS, new JsonObject().put("id", org));
    String project = created(PROJECTS, new JsonObject().put("id", unique("proj")).put("organizationId", org))
        .getString("id");
    String user = created(USERS, new JsonObject().put("id", unique("user")).put("organizationId", org)
        .put("email", unique("u") + "@example.com").put("displayName", "U")).getString("id");
    String group = created(GROUPS, new JsonObject().put("id", unique("group")).put("organizationId", org)
        .put("displayName", "G")).getString("id");
    String member = created(GROUPS + "/" + group + "/members", new JsonObject().put("userId", user)).getString("id");
    JsonObject sa = created(SAS, new JsonObject().put("id", unique("sa")).put("displayName", "SA")
        .put("scope", "organization").put("scopeId", org));
    String credential = created(SAS + "/" + sa.getString("id") + "/credentials", new JsonObject()).getString("id");
    String secret = node.atlas.post(SAS + "/" + sa.getString("id") + "/credentials", token, new JsonObject()).json()
        .getString("clientSecret");
    String role = created(ROLES, new JsonObject().put("id", unique("role")).put("orgId", org).put("displayName", "R")
        .put("permissions", new JsonArray().add("compute.clusters.get"))).getString("id");
    String policy = created(POLICIES, new JsonObject().put("orgId", org).put("role", "org-admin")
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", sa.getString("id")))
        .put("scope", new JsonObject().put("type", "org").put("resource", org))).getString("id");
    return new Tenant(org, project, user, group, member, sa.getString("id"), credential, role, policy,
        sa.getString("clientId"), secret);
  }

  @BeforeAll
  void tenants() {
    a = tenant();
    b = tenant();
    tokenA = api.clientCredentialsToken(a.clientId(), a.secret());
    String tokenB = api.clientCredentialsToken(b.clientId(), b.secret());
    Res key = api.post(KEYS, tokenB, new JsonObject().put("displayName", "k").put("scope", "organization")
        .put("scopeId", b.org()));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    keyOfB = key.json().getString("id");
  }

  /** Every single-resource path of a tenant, with the kind a refusal names. */
  private List<String> resourcePaths(Tenant t) {
    return List.of(ORGS + "/" + t.org(), PROJECTS + "/" + t.project(), USERS + "/" + t.user(),
        GROUPS + "/" + t.group(), GROUPS + "/" + t.group() + "/members/" + t.member(), SAS + "/" + t.account(),
        SAS + "/" + t.account() + "/credentials/" + t.credential(), ROLES + "/" + t.role(),
        POLICIES + "/" + t.policy());
  }

  private static void assertLooksMissing(Res r, String what) {
    assertThat(r.status()).as(what + " " + r.body()).isEqualTo(404);
    assertThat(r.json().getJsonObject("error").getJsonArray("details").getJsonObject(0).getString("reason"))
        .isEqualTo("NOT_FOUND");
  }

  @Test
  void theSamePrincipalReachesItsOwnOrganization() {
    for (String path : resourcePaths(a)) {
      assertThat(api.get(path, tokenA).status()).as(path).isEqualTo(200);
    }
    assertThat(api.get(PROJECTS + "?organizationId=" + a.org(), tokenA).json().getJsonArray("projects")).hasSize(1);
    assertThat(api.post(PROJECTS, tokenA, new JsonObject().put("organizationId", a.org())).status()).isEqualTo(201);
  }

  @Test
  void getOfAnotherOrganizationsResourceReadsAsMissing() {
    for (String path : resourcePaths(b)) {
      assertLooksMissing(api.get(path, tokenA), "GET " + path);
    }
    assertLooksMissing(api.get(KEYS + "/" + keyOfB, tokenA), "GET key");
    assertLooksMissing(api.get(SAS + "/" + b.account() + "/credentials", tokenA), "list credentials");
    assertLooksMissing(api.get(GROUPS + "/" + b.group() + "/members", tokenA), "list members");
  }

  @Test
  void changeOfAnotherOrganizationsResourceReadsAsMissing() {
    JsonObject names = new JsonObject().put("displayName", "pwned");
    for (String path : List.of(ORGS + "/" + b.org(), PROJECTS + "/" + b.project(), USERS + "/" + b.user(),
        GROUPS + "/" + b.group(), SAS + "/" + b.account(), ROLES + "/" + b.role(), KEYS + "/" + keyOfB)) {
      assertLooksMissing(api.patch(path, tokenA, names), "PATCH " + path);
    }
    assertLooksMissing(api.post(KEYS + "/" + keyOfB + ":rotate", tokenA, new JsonObject()), "rotate key");
    assertLooksMissing(api.post(SAS + "/" + b.account() + "/credentials", tokenA, new JsonObject()), "new credential");
    assertLooksMissing(api.post(GROUPS + "/" + b.group() + "/members", tokenA,
        new JsonObject().put("userId", a.user())), "add member");
  }

  @Test
  void deleteOfAnotherOrganizationsResourceReadsAsMissing() {
    List<String> paths = new ArrayList<>(resourcePaths(b));
    paths.add(KEYS + "/" + keyOfB);
    for (String path : paths) {
      assertLooksMissing(api.delete(path, tokenA), "DELETE " + path);
    }
    // nothing of B was touched
    for (String path : resourcePaths(b)) {
      assertThat(node.atlas.get(path, token).status()).as("still there: " + path).isEqualTo(200);
    }
    assertThat(node.atlas.get(KEYS + "/" + keyOfB, token).status()).isEqualTo(200);
  }

  @Test
  void listsNeverShowAnotherOrganization() {
    String[][] lists = {
        {ORGS, "organizations"},
        {PROJECTS + "?organizationId=" + b.org(), "projects"},
        {USERS + "?organizationId=" + b.org(), "users"},
        {GROUPS + "?organizationId=" + b.org(), "groups"},
        {SAS + "?organizationId=" + b.org(), "serviceAccounts"},
        {ROLES + "?orgId=" + b.org(), "roles"},
        {POLICIES + "?orgId=" + b.org(), "policies"},
        {KEYS + "?createdBy=*", "apiKeys"},
    };
    for (String[] l : lists) {
      Res r = api.get(l[0], tokenA);
      assertThat(r.status()).as(l[0] + " " + r.body()).isEqualTo(200);
      assertThat(r.body()).as(l[0]).doesNotContain(b.org()).doesNotContain(b.project()).doesNotContain(b.account())
          .doesNotContain(b.user()).doesNotContain(b.group()).doesNotContain(b.role()).doesNotContain(keyOfB);
    }
  }

  @Test
  void creatingInsideAnotherOrganizationReadsAsIfItDidNotExist() {
    String missing = unique("no-such-org");
    String[][] creates = {
        {PROJECTS, new JsonObject().put("organizationId", b.org()).encode(),
            new JsonObject().put("organizationId", missing).encode()},
        {GROUPS, new JsonObject().put("organizationId", b.org()).put("displayName", "x").encode(),
            new JsonObject().put("organizationId", missing).put("displayName", "x").encode()},
        {SAS, new JsonObject().put("displayName", "x").put("scope", "organization").put("scopeId", b.org()).encode(),
            new JsonObject().put("displayName", "x").put("scope", "organization").put("scopeId", missing).encode()},
        {SAS, new JsonObject().put("displayName", "x").put("scope", "project").put("scopeId", b.project()).encode(),
            new JsonObject().put("displayName", "x").put("scope", "project").put("scopeId", missing).encode()},
        {ROLES, new JsonObject().put("orgId", b.org()).put("displayName", "x")
            .put("permissions", new JsonArray().add("compute.clusters.get")).encode(),
            new JsonObject().put("orgId", missing).put("displayName", "x")
                .put("permissions", new JsonArray().add("compute.clusters.get")).encode()},
        {POLICIES, new JsonObject().put("orgId", b.org()).put("role", "org-viewer")
            .put("principal", new JsonObject().put("type", "serviceAccount").put("id", a.account()))
            .put("scope", new JsonObject().put("type", "org").put("resource", b.org())).encode(),
            new JsonObject().put("orgId", missing).put("role", "org-viewer")
                .put("principal", new JsonObject().put("type", "serviceAccount").put("id", a.account()))
                .put("scope", new JsonObject().put("type", "org").put("resource", missing)).encode()},
        {KEYS, new JsonObject().put("displayName", "x").put("scope", "organization").put("scopeId", b.org()).encode(),
            new JsonObject().put("displayName", "x").put("scope", "organization").put("scopeId", missing).encode()},
    };
    for (String[] c : creates) {
      Res foreign = api.post(c[0], tokenA, new JsonObject(c[1]));
      Res absent = api.post(c[0], tokenA, new JsonObject(c[2]));
      assertThat(foreign.status()).as("POST " + c[0] + " into B: " + foreign.body()).isIn(400, 404);
      assertThat(foreign.status()).as("same answer as for a missing organization").isEqualTo(absent.status());
      assertThat(foreign.json().getJsonObject("error").getString("message").replace(b.org(), "X")
          .replace(b.project(), "X")).isEqualTo(absent.json().getJsonObject("error").getString("message")
          .replace(missing, "X"));
    }
    // and nothing was created in B
    assertThat(node.atlas.get(PROJECTS + "?organizationId=" + b.org(), token).json().getJsonArray("projects"))
        .hasSize(1);
  }

  @Test
  void checkAnswersFalseForEverythingOfAnotherOrganization() {
    JsonArray checks = new JsonArray()
        .add(new JsonObject().put("action", "resourcemanager.organizations.get").put("resource", b.org()))
        .add(new JsonObject().put("action", "resourcemanager.projects.get").put("resource", "projects/" + b.project()))
        .add(new JsonObject().put("action", "resourcemanager.projects.delete").put("resource", b.project()))
        .add(new JsonObject().put("action", "compute.clusters.create").put("resource", "organizations/" + b.org()))
        .add(new JsonObject().put("action", "iam.policies.create").put("resource", "organizations/" + b.org()))
        .add(new JsonObject().put("action", "resourcemanager.projects.get").put("resource", "projects/" + a.project()));
    Res r = api.post(CHECK, tokenA, new JsonObject().put("checks", checks));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonArray results = r.json().getJsonArray("results");
    for (int i = 0; i < 5; i++) {
      assertThat(results.getJsonObject(i).getBoolean("allowed")).as("check " + i).isFalse();
    }
    assertThat(results.getJsonObject(5).getBoolean("allowed")).as("own project").isTrue();
    // asking about B's principal is refused like asking about nobody
    Res other = api.post(CHECK, tokenA, new JsonObject().put("subject", b.clientId()).put("checks", checks));
    Res nobody = api.post(CHECK, tokenA, new JsonObject().put("subject", "nobody-" + unique("x") + "@" + b.org() + ".iam")
        .put("checks", checks));
    assertThat(other.status()).isEqualTo(403);
    assertThat(nobody.status()).isEqualTo(403);
    assertThat(other.json().getJsonObject("error").getString("message"))
        .isEqualTo(nobody.json().getJsonObject("error").getString("message"));
  }
}
