package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Security review ("breakit"): authorization defects found by attacking the API as ordinary
 * organizations' service accounts (client_credentials), never only as the bootstrap administrator.
 * Every test here fails on the code as reviewed; each names its finding (F1..F7 of the review report).
 * The bootstrap administrator only sets the stage (organizations, projects, users, the victims' accounts),
 * standing in for each organization's own administrator.
 */
class AuthorizationBreakHttpTest extends TwoTenantsHttpTest {



  /** A service account without own roles, bound to {@code role} over {@code org} by an ordinary policy. */
  JsonObject accountBoundTo(String org, String role) {
    JsonObject sa = created(SAS, new JsonObject().put("id", unique("sa")).put("displayName", "bound")
        .put("scope", "organization").put("scopeId", org));
    created(POLICIES, new JsonObject().put("orgId", org).put("role", role)
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", sa.getString("id")))
        .put("scope", new JsonObject().put("type", "org").put("resource", org)));
    return sa;
  }

  static JsonObject checks(String subject, String action, String resource) {
    JsonObject body = new JsonObject().put("checks", new JsonArray()
        .add(new JsonObject().put("action", action).put("resource", resource)));
    return subject == null ? body : body.put("subject", subject);
  }

  // ---- F1 ---------------------------------------------------------------------------------------------------

  /**
   * F1 (privilege escalation, iam-admin -> org-admin): creating a credential for a service account checks
   * only the account's own {@code roles}, not the roles bound to it by policies. An {@code iam-admin} (who
   * may not bind {@code org-admin}: 403) mints a secret for an account that holds {@code org-admin} through
   * a policy binding, and then acts as an organization administrator. The same works at platform scope for
   * an account bound to {@code platform-admin}.
   */
  @Test
  void f1_credentialForAnAccountBoundToAStrongerRoleNeedsThatRole() {
    Caller iamAdmin = caller(acme, "iam-admin");
    JsonObject boss = accountBoundTo(acme, "org-admin");
    // the iam-admin cannot do org-admin things itself ...
    assertThat(api.post(PROJECTS, iamAdmin.token(), new JsonObject().put("organizationId", acme)).status())
        .isEqualTo(403);
    // ... so it must not be able to become the org-admin account either
    Res cred = api.post(SAS + "/" + boss.getString("id") + "/credentials", iamAdmin.token(), new JsonObject());
    assertThat(cred.status()).as("F1: iam-admin minted a secret for an org-admin account: " + cred.body())
        .isEqualTo(403);
  }

  // ---- F2 ---------------------------------------------------------------------------------------------------

  /**
   * F2 (privilege escalation, iam-admin -> org-admin / platform-admin): {@code iam.apikeys.admin} (in
   * {@code iam-admin}) lets a caller rotate any key of its organization and read the new secret. A key
   * without {@code roles} acts with all its creator's grants, so rotating an administrator's key hands the
   * caller the administrator's powers (with the README's own "laptop" key of the bootstrap account:
   * platform-admin, e.g. creating organizations).
   */
  @Test
  void f2_rotatingSomeoneElsesApiKeyNeedsTheGrantsItCarries() {
    Caller owner = caller(acme, "org-admin");
    Res key = api.post(KEYS, owner.token(), new JsonObject().put("displayName", "owner laptop")
        .put("scope", "organization").put("scopeId", acme));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    Caller iamAdmin = caller(acme, "iam-admin");
    Res rotated = api.post(KEYS + "/" + key.json().getString("id") + ":rotate", iamAdmin.token(), new JsonObject());
    if (rotated.status() == 200) {
      String stolen = apiKeyToken(rotated.json().getString("secret"));
      Res p = api.post(PROJECTS, stolen, new JsonObject().put("organizationId", acme));
      assertThat(p.status()).as("F2: with the rotated secret the iam-admin acts as org-admin").isEqualTo(201);
    }
    assertThat(rotated.status()).as("F2: iam-admin rotated an org-admin's key and got its secret: "
        + rotated.body()).isIn(403, 404);
  }

  /** F2, platform variant: a provider iam-admin becomes platform administrator through the bootstrap's key. */
  @Test
  void f2_providerIamAdminCannotTakeOverTheBootstrapKey() {
    Res key = api.post(KEYS, token, new JsonObject().put("displayName", "My laptop").put("scope", "organization")
        .put("scopeId", "provider"));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    Caller providerIam = caller("provider", "iam-admin");
    assertThat(api.post(ORGS, providerIam.token(), new JsonObject()).status()).isEqualTo(403);
    Res rotated = api.post(KEYS + "/" + key.json().getString("id") + ":rotate", providerIam.token(), new JsonObject());
    if (rotated.status() == 200) {
      String stolen = apiKeyToken(rotated.json().getString("secret"));
      assertThat(api.post(ORGS, stolen, new JsonObject()).status()).as("F2: now a platform administrator")
          .isEqualTo(201);
    }
    assertThat(rotated.status()).as("F2: provider iam-admin rotated the bootstrap account's key: "
        + rotated.body()).isIn(403, 404);
  }

  // ---- F3 ---------------------------------------------------------------------------------------------------

  /**
   * F3 (cross-tenant takeover): deleting a project leaves its project-scope (and resource-scope) policy
   * bindings in place, and bindings are keyed by the project id alone. Project ids are global, so when
   * another organization later creates a project with the same id, the first organization's old binding
   * applies to it: acme's service account becomes project-admin of globex's project.
   */
  @Test
  void f3_bindingsOfADeletedProjectDoNotReachAnotherOrganizationsProjectOfTheSameId() {
    Caller acmeAdmin = caller(acme, "org-admin");
    Caller spy = caller(acme);
    String shared = unique("prod");
    assertThat(api.post(PROJECTS, acmeAdmin.token(), new JsonObject().put("id", shared).put("organizationId", acme))
        .status()).isEqualTo(201);
    Res bound = api.post(POLICIES, acmeAdmin.token(), new JsonObject().put("role", "project-admin")
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", spy.serviceAccountId()))
        .put("scope", new JsonObject().put("type", "project").put("resource", shared)));
    assertThat(bound.status()).as(bound.body()).isEqualTo(201);
    Res deleted = api.delete(PROJECTS + "/" + shared, acmeAdmin.token());
    // either the delete is refused while bindings name the project, or the bindings must not survive it
    if (deleted.status() == 204) {
      created(PROJECTS, new JsonObject().put("id", shared).put("organizationId", globex)
          .put("displayName", "Globex production"));
      Res read = api.get(PROJECTS + "/" + shared, spy.token());
      assertThat(read.status()).as("F3: acme's account reads globex's project: " + read.body()).isEqualTo(404);
      Res changed = api.patch(PROJECTS + "/" + shared, spy.token(), new JsonObject().put("displayName", "pwned"));
      assertThat(changed.status()).as("F3: acme's account renames globex's project: " + changed.body())
          .isEqualTo(404);
    } else {
      assertThat(deleted.status()).isEqualTo(409);
    }
  }

  // ---- F4 ---------------------------------------------------------------------------------------------------

  /**
   * F4 (found: a taken client-chosen id answers 409 although GET of it answers 404). Ids are global names
   * (docs/spec-deviations.md, "Identifiers"), so this stays; what must hold is that the 409 tells nothing
   * about the holder, and that server-generated ids never collide.
   */
  @Test
  void f4_aTakenIdIsA409ThatSaysNothingAboutItsHolder() {
    String theirs = created(PROJECTS, new JsonObject().put("id", unique("secret-proj")).put("organizationId", globex)
        .put("displayName", "Globex secret")).getString("id");
    Caller acmeAdmin = caller(acme, "org-admin");
    assertThat(api.get(PROJECTS + "/" + theirs, acmeAdmin.token()).status()).isEqualTo(404);
    Res taken = api.post(PROJECTS, acmeAdmin.token(), new JsonObject().put("id", theirs).put("organizationId", acme));
    assertThat(taken.status()).isEqualTo(409);
    assertThat(taken.body()).doesNotContain(globex).doesNotContain("Globex");
    Res generated = api.post(PROJECTS, acmeAdmin.token(), new JsonObject().put("organizationId", acme));
    assertThat(generated.status()).isEqualTo(201);
  }

  // ---- F5 ---------------------------------------------------------------------------------------------------

  /**
   * F5 (/auth/check existence leak): a subject is tried as a user id first, across all organizations, then
   * as an API key id. An organization administrator who owns an API key with id X learns whether a user X
   * exists in any other organization: 403 "may not check" when one does, 200 when none does (and it cannot
   * check its own key at all then).
   */
  @Test
  void f5_checkOfAnOwnApiKeyDoesNotRevealAnotherOrganizationsUser() {
    String victim = unique("gina");
    created(USERS, new JsonObject().put("id", victim).put("organizationId", globex)
        .put("email", victim + "@example.com").put("displayName", "Gina"));
    Caller acmeAdmin = caller(acme, "org-admin");
    String free = unique("zed");
    for (String id : List.of(victim, free)) {
      Res k = api.post(KEYS, acmeAdmin.token(), new JsonObject().put("id", id).put("displayName", "k")
          .put("scope", "organization").put("scopeId", acme));
      assertThat(k.status()).as(k.body()).isEqualTo(201);
    }
    JsonObject probe = checks(null, "resourcemanager.projects.get", "projects/" + acmeProject);
    Res shadowed = api.post(CHECK, acmeAdmin.token(), probe.copy().put("subject", victim));
    Res plain = api.post(CHECK, acmeAdmin.token(), probe.copy().put("subject", free));
    assertThat(plain.status()).isEqualTo(200);
    assertThat(shadowed.status()).as("F5: another organization's user shadows the caller's own key: "
        + shadowed.body()).isEqualTo(plain.status());
    assertThat(shadowed.body()).isEqualTo(plain.body());
  }

  // ---- F6 ---------------------------------------------------------------------------------------------------

  /**
   * F6 (privilege escalation through groups): adding a member needs only {@code iam.groups.update}. An
   * {@code iam-admin}, refused (403) when it binds {@code org-admin} to a user, adds the user to a group
   * bound to {@code org-admin} and the user holds org-admin. "Only grant what you hold" must cover
   * memberships (and removals from groups bound to deny policies, which lift the deny).
   */
  @Test
  void f6_addingAMemberToAGroupBoundToOrgAdminNeedsOrgAdmin() {
    String user = unique("mallory");
    created(USERS, new JsonObject().put("id", user).put("organizationId", acme)
        .put("email", user + "@example.com").put("displayName", "M"));
    String group = created(GROUPS, new JsonObject().put("id", unique("admins")).put("organizationId", acme)
        .put("displayName", "Admins")).getString("id");
    created(POLICIES, new JsonObject().put("orgId", acme).put("role", "org-admin")
        .put("principal", new JsonObject().put("type", "group").put("id", group))
        .put("scope", new JsonObject().put("type", "org").put("resource", acme)));
    Caller iamAdmin = caller(acme, "iam-admin");
    Res direct = api.post(POLICIES, iamAdmin.token(), new JsonObject().put("role", "org-admin")
        .put("principal", new JsonObject().put("type", "user").put("id", user))
        .put("scope", new JsonObject().put("type", "org")));
    assertThat(direct.status()).as("binding org-admin directly is refused").isEqualTo(403);
    Res added = api.post(GROUPS + "/" + group + "/members", iamAdmin.token(), new JsonObject().put("userId", user));
    Res check = api.post(CHECK, iamAdmin.token(),
        checks(user, "resourcemanager.projects.delete", "projects/" + acmeProject));
    assertThat(added.status()).as("F6: membership in an org-admin group granted by an iam-admin; the user now "
        + "may delete projects: " + check.body()).isEqualTo(403);
  }

  // ---- F7 ---------------------------------------------------------------------------------------------------

  /**
   * F7 (cross-tenant influence through role ids): a service account's own {@code roles} do not keep a custom
   * role from being deleted, and a role id only stays reserved while policies name it. Once acme deletes a
   * custom role its project-scoped account still names, any organization may create a role of that id, and
   * the account then holds that organization's permissions in acme's project (compile cannot check the
   * owner of a custom role at project scope). Here globex's definition gives acme's CI account
   * {@code iam.*} and {@code resourcemanager.projects.delete} in acme's project.
   */
  @Test
  void f7_anotherOrganizationsCustomRoleDoesNotDefineWhatOurAccountMayDo() {
    Caller acmeAdmin = caller(acme, "org-admin");
    String roleId = unique("ci-role");
    Res role = api.post(ROLES, acmeAdmin.token(), new JsonObject().put("id", roleId).put("displayName", "CI")
        .put("permissions", new JsonArray().add("compute.clusters.get")));
    assertThat(role.status()).as(role.body()).isEqualTo(201);
    Res sa = api.post(SAS, acmeAdmin.token(), new JsonObject().put("displayName", "ci").put("scope", "project")
        .put("scopeId", acmeProject).put("roles", new JsonArray().add(roleId)));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    Res cred = api.post(SAS + "/" + sa.json().getString("id") + "/credentials", acmeAdmin.token(), new JsonObject());
    assertThat(cred.status()).as(cred.body()).isEqualTo(201);
    Res gone = api.delete(ROLES + "/" + roleId, acmeAdmin.token());
    if (gone.status() == 204) {
      Res theirs = node.atlas.post(ROLES, token, new JsonObject().put("id", roleId).put("orgId", globex)
          .put("displayName", "globex's").put("permissions", new JsonArray().add("iam.*")
              .add("resourcemanager.projects.delete")));
      if (theirs.status() == 201) {
        String ci = api.clientCredentialsToken(sa.json().getString("clientId"), cred.json().getString("clientSecret"));
        Res check = api.post(CHECK, ci, new JsonObject().put("checks", new JsonArray()
            .add(new JsonObject().put("action", "iam.policies.create").put("resource", "projects/" + acmeProject))
            .add(new JsonObject().put("action", "resourcemanager.projects.delete")
                .put("resource", "projects/" + acmeProject))));
        assertThat(check.body()).as("F7: globex's role decides in acme's project")
            .isEqualTo("{\"results\":[{\"allowed\":false},{\"allowed\":false}]}");
      }
    }
  }
}
