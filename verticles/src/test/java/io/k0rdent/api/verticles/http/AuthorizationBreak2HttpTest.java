package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review, second round ("breakit2"): authorization defects still present after the fixes of
 * {@link AuthorizationBreakHttpTest}, found by attacking the API as ordinary organizations' service accounts
 * (client_credentials). Every test here fails on the code as reviewed; each names its finding (G1..G6 of the
 * review report). The bootstrap administrator only sets the stage, standing in for each organization's own
 * administrator.
 */
class AuthorizationBreak2HttpTest extends TwoTenantsHttpTest {



  @TempDir
  Path dir;

  // ---- G1 ---------------------------------------------------------------------------------------------------

  /**
   * G1 (privilege escalation: lifting a deny needs nothing): "only grant what you hold" covers creating
   * bindings and, since F6, leaving a deny-bound group, but not deleting a deny binding. An account holding
   * {@code org-admin} and denied {@code compute-admin} cannot bind {@code compute-admin} to itself (403), yet
   * deletes its own deny binding with plain {@code iam.policies.delete} and then holds compute.* everywhere.
   */
  @Test
  void g1_deletingADenyBindingNeedsTheDeniedRole() {
    Caller mallory = caller(acme, "org-admin");
    JsonObject deny = bind(acme, mallory.serviceAccountId(), "compute-admin", "deny", orgScope());
    assertThat(allowed(mallory.token(), "compute.clusters.create", "projects/" + acmeProject))
        .containsExactly(false);
    Res self = api.post(POLICIES, mallory.token(), new JsonObject().put("role", "compute-admin")
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", mallory.serviceAccountId()))
        .put("scope", orgScope()));
    assertThat(self.status()).as("binding compute-admin to itself is refused").isEqualTo(403);
    Res lifted = api.delete(POLICIES + "/" + deny.getString("id"), mallory.token());
    assertThat(lifted.status()).as("G1: the denied account deleted its own deny binding; now compute.clusters.create "
        + "is " + allowed(mallory.token(), "compute.clusters.create", "projects/" + acmeProject)).isEqualTo(403);
  }

  /**
   * G1, custom-role variant: a deny binding of a custom role is lifted by removing permissions from the
   * role; updating a role checks only the permissions added.
   */
  @Test
  void g1_shrinkingADenyBoundCustomRoleNeedsWhatItDenies() {
    Caller mallory = caller(acme, "org-admin");
    String roleId = unique("no-delete");
    created(ROLES, new JsonObject().put("id", roleId).put("orgId", acme).put("displayName", "No project deletes")
        .put("permissions", new JsonArray().add("resourcemanager.projects.delete")));
    bind(acme, mallory.serviceAccountId(), roleId, "deny", orgScope());
    assertThat(allowed(mallory.token(), "resourcemanager.projects.delete", "projects/" + acmeProject))
        .containsExactly(false);
    Res shrunk = api.patch(ROLES + "/" + roleId, mallory.token(), new JsonObject()
        .put("permissions", new JsonArray().add("compute.clusters.get")));
    assertThat(shrunk.status()).as("G1: the denied account emptied the role that denies it; now projects.delete is "
        + allowed(mallory.token(), "resourcemanager.projects.delete", "projects/" + acmeProject)).isEqualTo(403);
  }

  // ---- G2 ---------------------------------------------------------------------------------------------------

  /**
   * G2 (cross-tenant influence on role ceilings; F7's fix is incomplete): an API key's {@code roles} (and a
   * narrowed token's) are resolved by id at every request, from any organization. acme's administrator makes a
   * read-only key (custom role = compute.clusters.get) and later deletes the role (nothing refuses: only
   * policies keep a role from deletion); globex then creates a role of that id with iam.* and
   * resourcemanager.*, and acme's "read-only" key creates service accounts and projects in acme.
   */
  @Test
  void g2_aKeysCeilingIsNeverAnotherOrganizationsRole() {
    Caller acmeAdmin = caller(acme, "org-admin");
    String roleId = unique("read-only");
    Res role = api.post(ROLES, acmeAdmin.token(), new JsonObject().put("id", roleId).put("displayName", "RO")
        .put("permissions", new JsonArray().add("compute.clusters.get")));
    assertThat(role.status()).as(role.body()).isEqualTo(201);
    Res key = api.post(KEYS, acmeAdmin.token(), new JsonObject().put("displayName", "dashboard")
        .put("scope", "organization").put("scopeId", acme).put("roles", new JsonArray().add(roleId)));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    String keyToken = apiKeyToken(key.json().getString("secret"));
    assertThat(api.post(SAS, keyToken, new JsonObject().put("displayName", "x").put("scope", "organization")
        .put("scopeId", acme)).status()).as("the read-only key may not create accounts").isEqualTo(403);
    assertThat(api.delete(ROLES + "/" + roleId, acmeAdmin.token()).status()).isIn(204, 409);
    Res theirs = node.atlas.post(ROLES, token, new JsonObject().put("id", roleId).put("orgId", globex)
        .put("displayName", "globex's").put("permissions", new JsonArray().add("iam.*").add("resourcemanager.*")));
    if (theirs.status() == 201) {
      Res sa = api.post(SAS, keyToken, new JsonObject().put("displayName", "planted").put("scope", "organization")
          .put("scopeId", acme));
      Res project = api.post(PROJECTS, keyToken, new JsonObject().put("organizationId", acme));
      assertThat(sa.status()).as("G2: globex's role widened acme's read-only key: service account " + sa.body())
          .isEqualTo(403);
      assertThat(project.status()).as("G2: globex's role widened acme's read-only key: project " + project.body())
          .isEqualTo(403);
    }
  }

  // ---- G3 ---------------------------------------------------------------------------------------------------

  /**
   * G3 (deny bypass): a resource-scope binding applies to exactly its path, not to what lies below it,
   * although bindings "reach everything below". A deny of compute-admin on cluster {@code prod} keeps a
   * project-editor from deleting the cluster, but its kubeconfigs and node pools answer allowed.
   */
  @Test
  void g3_aResourceDenyReachesTheResourcesBelowIt() {
    Caller editor = caller(acme);
    bind(acme, editor.serviceAccountId(), "project-editor", "allow",
        new JsonObject().put("type", "project").put("resource", acmeProject));
    String cluster = "projects/" + acmeProject + "/compute/clusters/prod";
    bind(acme, editor.serviceAccountId(), "compute-admin", "deny",
        new JsonObject().put("type", "resource").put("resource", cluster));
    assertThat(allowed(editor.token(), "compute.clusters.delete", cluster)).containsExactly(false);
    assertThat(allowed(editor.token(),
        "compute.kubeconfigs.create", cluster + "/kubeconfigs",
        "compute.kubeconfigs.get", "/v1/regions/local-1/" + cluster + "/kubeconfigs/admin",
        "compute.clusters.update", cluster + "/nodepools/gpu"))
        .as("G3: the denied cluster's sub-resources are allowed through the project binding")
        .containsExactly(false, false, false);
  }

  // ---- G4 ---------------------------------------------------------------------------------------------------

  /**
   * G4 (cross-tenant disclosure through paging): a list filtered to another organization pages over that
   * organization's items and hides them one by one, but still hands out {@code nextPageToken} while more of
   * them exist. With {@code pageSize=1} acme learns that globex exists and counts its projects, users,
   * policies... (one page per item); an unknown organization answers a bare empty list.
   */
  @Test
  void g4_aListOfAnotherOrganizationSaysNothingAboutIt() {
    for (int i = 0; i < 3; i++) {
      created(PROJECTS, new JsonObject().put("organizationId", globex));
      created(USERS, new JsonObject().put("organizationId", globex).put("email", unique("u") + "@example.com")
          .put("displayName", "U"));
    }
    Caller acmeAdmin = caller(acme, "org-admin");
    Res missing = api.get(PROJECTS + "?organizationId=" + unique("nosuch") + "&pageSize=1", acmeAdmin.token());
    assertThat(missing.status()).isEqualTo(200);
    for (String list : new String[] {PROJECTS + "?organizationId=", USERS + "?organizationId="}) {
      Res theirs = api.get(list + globex + "&pageSize=1", acmeAdmin.token());
      assertThat(theirs.status()).isEqualTo(200);
      assertThat(theirs.json().containsKey("nextPageToken"))
          .as("G4: " + list + globex + " tells acme that globex exists and has more items: " + theirs.body())
          .isFalse();
    }
  }

  // ---- G5 ---------------------------------------------------------------------------------------------------

  /**
   * G5 (/auth/check answers spoofed by another tenant): a bare resource id is a project when any project has
   * that id, else an organization, even for organization-level actions such as
   * {@code resourcemanager.projects.create} or {@code iam.users.create}. Ids are global, so acme creates a
   * project named like globex: from then on "may X create a project in globex?" answers about acme's project:
   * globex's own administrator is refused and acme's administrator allowed.
   */
  @Test
  void g5_aBareOrganizationIdIsNotShadowedByAnotherTenantsProject() {
    String victim = created(ORGS, new JsonObject().put("id", unique("initech"))).getString("id");
    Caller victimAdmin = caller(victim, "org-admin");
    Caller acmeAdmin = caller(acme, "org-admin");
    String[] asked = {"resourcemanager.projects.create", victim, "iam.users.create", victim};
    assertThat(allowed(victimAdmin.token(), asked)).containsExactly(true, true);
    assertThat(allowed(acmeAdmin.token(), asked)).containsExactly(false, false);
    Res squat = api.post(PROJECTS, acmeAdmin.token(), new JsonObject().put("id", victim).put("organizationId", acme));
    assertThat(squat.status()).as(squat.body()).isEqualTo(201);
    JsonArray victimNow = allowed(victimAdmin.token(), asked);
    JsonArray acmeNow = allowed(acmeAdmin.token(), asked);
    assertThat(acmeNow).as("G5: acme's project now answers for organization " + victim + " (victim's admin: "
        + victimNow + ")").containsExactly(false, false);
    assertThat(victimNow).as("G5: organization " + victim + "'s own administrator is refused").containsExactly(true, true);
  }

  // ---- G6 ---------------------------------------------------------------------------------------------------

  /**
   * G6 (control-plane denial of service by any tenant): seeding {@code bootstrap.users} creates each binding
   * under {@code seed-<user>-<role>}, else a fixed hashed id, and stops the node when both are taken by other
   * bindings. Policy ids are global and client-chosen on Arc, so any organization administrator can take both
   * ids ahead (they are predictable from the configuration) and every node then fails to start once the
   * operator adds that user (or re-seeds a binding it deleted).
   */
  @Test
  void g6_tenantsCannotKeepTheNodesFromStartingByTakingSeedBindingIds() throws Exception {
    PgTestDatabase db = PgTestDatabase.create();
    try {
      Map<String, Object> pg = Map.of("database.url", db.url(), "database.schema", db.schema());
      try (TestNode first = TestNode.start(pg)) {
        String tenant = tenantAdminToken(first);
        for (String id : new String[] {"seed-ops-org-viewer", hashedSeedId("ops", "org-viewer")}) {
          Res taken = first.arc.post(POLICIES, tenant, new JsonObject().put("id", id).put("role", "org-viewer")
              .put("principal", new JsonObject().put("type", "serviceAccount").put("id", "tenant-admin"))
              .put("scope", orgScope()));
          assertThat(taken.status()).as(taken.body()).isEqualTo(201);
        }
      }
      Path file = dir.resolve("k0rdent-seed.yaml");
      Files.writeString(file, "bootstrap:\n  users:\n    - {id: ops, email: ops@example.com, displayName: Ops, "
          + "roles: [org-viewer]}\n");
      TestNode second;
      try {
        second = TestNode.start(file, pg);
      } catch (RuntimeException e) {
        throw new AssertionError("G6: a tenant's policy ids keep the node from starting: " + rootMessage(e), e);
      }
      second.close();
    } finally {
      db.drop();
    }
  }

  /** The fallback id BootstrapUsers gives a seeded binding (first 12 bytes of SHA-256 of user\nrole). */
  static String hashedSeedId(String user, String role) throws Exception {
    byte[] h = MessageDigest.getInstance("SHA-256").digest((user + "\n" + role).getBytes(StandardCharsets.UTF_8));
    return "seed-" + HexFormat.of().formatHex(h, 0, 12);
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.toString();
  }

  // ---- the report's weaker findings -----------------------------------------------------------------------

  /** Narrowing to a project of its organization that its principal holds nothing in reads like a missing one. */
  @Test
  void w1_narrowingToAHiddenProjectReadsLikeAMissingOne() {
    String hidden = created(PROJECTS, new JsonObject().put("id", unique("hidden")).put("organizationId", acme))
        .getString("id");
    String sa = created(SAS, new JsonObject().put("displayName", "narrow").put("scope", "organization")
        .put("scopeId", acme)).getString("id");
    bind(acme, sa, "project-viewer", "allow", new JsonObject().put("type", "project").put("resource", acmeProject));
    JsonObject cred = created(SAS + "/" + sa + "/credentials", new JsonObject());
    String clientId = node.atlas.get(SAS + "/" + sa, token).json().getString("clientId");
    java.util.function.Function<String, Res> narrow = project -> api.send("POST", TOKEN, new JsonObject()
        .put("grant_type", "client_credentials").put("client_id", clientId)
        .put("client_secret", cred.getString("clientSecret"))
        .put("scope_narrowing", new JsonObject().put("scope", "project").put("scopeId", project)).encode(),
        "Content-Type", "application/json");
    assertThat(narrow.apply(acmeProject).status()).isEqualTo(200);
    Res toHidden = narrow.apply(hidden);
    Res toMissing = narrow.apply(unique("nosuch"));
    assertThat(toHidden.status()).isEqualTo(400);
    assertThat(toHidden.json().getString("error")).isEqualTo(toMissing.json().getString("error"));
    assertThat(toHidden.json().getString("error_description").replace(hidden, "X"))
        .isEqualTo(toMissing.json().getString("error_description").replaceAll("nosuch-[0-9a-f]{8}", "X"));
  }

  /** Re-enabling what an administrator disabled gives its powers back: only for a caller holding them. */
  @Test
  void w2_reEnablingAPrincipalOrSomeoneElsesKeyNeedsWhatItConfers() {
    Caller iamAdmin = caller(acme, "iam-admin");
    String boss = created(SAS, new JsonObject().put("displayName", "boss").put("scope", "organization")
        .put("scopeId", acme)).getString("id");
    bind(acme, boss, "org-admin", "allow", orgScope());
    assertThat(node.atlas.patch(SAS + "/" + boss, token, new JsonObject().put("status", "disabled")).status())
        .isEqualTo(200);
    Res enable = api.patch(SAS + "/" + boss, iamAdmin.token(), new JsonObject().put("status", "active"));
    assertThat(enable.status()).as(enable.body()).isEqualTo(403);
    assertThat(node.atlas.get(SAS + "/" + boss, token).json().getString("status")).isEqualTo("disabled");

    String user = created(USERS, new JsonObject().put("id", unique("u")).put("organizationId", acme)
        .put("email", unique("u") + "@example.com").put("displayName", "U")).getString("id");
    created(POLICIES, new JsonObject().put("orgId", acme).put("role", "org-admin")
        .put("principal", new JsonObject().put("type", "user").put("id", user)).put("scope", orgScope()));
    assertThat(node.atlas.patch(USERS + "/" + user, token, new JsonObject().put("status", "suspended")).status())
        .isEqualTo(200);
    assertThat(api.patch(USERS + "/" + user, iamAdmin.token(), new JsonObject().put("status", "active")).status())
        .isEqualTo(403);

    Caller owner = caller(acme, "org-admin");
    String key = api.post(KEYS, owner.token(), new JsonObject().put("displayName", "k").put("scope", "organization")
        .put("scopeId", acme)).json().getString("id");
    assertThat(api.patch(KEYS + "/" + key, owner.token(), new JsonObject().put("status", "disabled")).status())
        .isEqualTo(200);
    assertThat(api.patch(KEYS + "/" + key, iamAdmin.token(), new JsonObject().put("status", "active")).status())
        .isEqualTo(403);
    assertThat(api.patch(KEYS + "/" + key, owner.token(), new JsonObject().put("status", "active")).status())
        .isEqualTo(200);
  }

  /** A key's token cannot end its owner's sessions, nor replay the answers its owner's requests got. */
  @Test
  void w3_aKeysTokenNeitherRevokesNorReplaysForItsOwner() {
    Caller owner = caller(acme, "org-admin");
    Res key = api.post(KEYS, owner.token(), new JsonObject().put("displayName", "k").put("scope", "organization")
        .put("scopeId", acme).put("roles", new JsonArray().add("org-viewer")));
    String kt = apiKeyToken(key.json().getString("secret"));
    Res revoke = api.send("POST", "/v1/regions/global/auth/revoke", new JsonObject().put("token", owner.token())
        .encode(), "Content-Type", "application/json", "Authorization", "Bearer " + kt);
    assertThat(revoke.status()).as(revoke.body()).isEqualTo(403);
    assertThat(api.get(ORGS + "/" + acme, owner.token()).status()).as("the owner's token still works").isEqualTo(200);

    String idem = UUID.randomUUID().toString();
    JsonObject body = new JsonObject().put("organizationId", acme).put("displayName", "made by the owner");
    Res first = api.post(PROJECTS, owner.token(), body, "Idempotency-Key", idem);
    assertThat(first.status()).isEqualTo(201);
    Res replay = api.post(PROJECTS, kt, body, "Idempotency-Key", idem);
    assertThat(replay.status()).as("the key's token is refused, not handed the owner's answer").isEqualTo(403);
  }

  /** A project with a resource binding inside it cannot be deleted either. */
  @Test
  void w4_aResourceBindingInsideAProjectKeepsItFromBeingDeleted() {
    String project = created(PROJECTS, new JsonObject().put("id", unique("res")).put("organizationId", acme))
        .getString("id");
    String sa = created(SAS, new JsonObject().put("displayName", "r").put("scope", "organization")
        .put("scopeId", acme)).getString("id");
    JsonObject b = bind(acme, sa, "compute-viewer", "allow", new JsonObject().put("type", "resource")
        .put("resource", "/v1/regions/local-1/projects/" + project + "/compute/clusters/c1"));
    Res refused = node.atlas.delete(PROJECTS + "/" + project, token);
    assertThat(refused.status()).as(refused.body()).isEqualTo(409);
    assertThat(node.atlas.delete(POLICIES + "/" + b.getString("id"), token).status()).isEqualTo(204);
    assertThat(node.atlas.delete(PROJECTS + "/" + project, token).status()).isEqualTo(204);
  }

  /** /auth/check about a project-scoped service account answers as its tokens act: inside its project only. */
  @Test
  void w5_checkAboutAProjectScopedAccountIsConfinedToItsProject() {
    String other = created(PROJECTS, new JsonObject().put("id", unique("other")).put("organizationId", acme))
        .getString("id");
    JsonObject sa = created(SAS, new JsonObject().put("displayName", "p").put("scope", "project")
        .put("scopeId", acmeProject));
    bind(acme, sa.getString("id"), "org-viewer", "allow", orgScope());
    Res r = node.atlas.post(CHECK, token, new JsonObject().put("subject", sa.getString("clientId"))
        .put("checks", new JsonArray()
            .add(new JsonObject().put("action", "resourcemanager.projects.get").put("resource", "projects/" + acmeProject))
            .add(new JsonObject().put("action", "resourcemanager.projects.get").put("resource", "projects/" + other))));
    assertThat(r.body()).isEqualTo("{\"results\":[{\"allowed\":true},{\"allowed\":false}]}");
  }
}
