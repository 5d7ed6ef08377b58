package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * Security review, third round ("breakit3"): authorization defects still present after the fixes of
 * {@link AuthorizationBreakHttpTest} and {@link AuthorizationBreak2HttpTest}, found by attacking the API as
 * ordinary organizations' service accounts (client_credentials). Every test here fails on the code as
 * reviewed; each names its finding (H1.. of the review report). The bootstrap administrator only sets the
 * stage, standing in for each organization's own administrator.
 */
class AuthorizationBreak3HttpTest extends TwoTenantsHttpTest {


  /**
   * A new bootstrap token for the other tests after one revoked them all: tokens carry their issue time in
   * whole seconds, so one minted in the second of a revocation would be revoked too.
   */
  void freshAdminToken() {
    try {
      Thread.sleep(1100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    token = node.token();
  }

  // ---- H1 ---------------------------------------------------------------------------------------------------

  /**
   * H1 (deny bypass; G1's fix for roles is checked at the wrong scope): shrinking a custom role needs the
   * removed permissions held "in the organization", but the role's deny bindings may sit at a project (or a
   * resource). An org-admin denied a custom role at one project holds the permissions at the organization, so
   * it empties the role and the deny stops denying — although deleting that deny binding is refused (403), as
   * G1 intended.
   */
  @Test
  void h1_shrinkingARoleDenyBoundAtAProjectNeedsWhatItDeniesThere() {
    Caller mallory = caller(acme, "org-admin");
    String roleId = unique("no-update");
    created(ROLES, new JsonObject().put("id", roleId).put("orgId", acme).put("displayName", "No project updates")
        .put("permissions", new JsonArray().add("resourcemanager.projects.update")));
    JsonObject deny = bind(acme, mallory.serviceAccountId(), roleId, "deny",
        new JsonObject().put("type", "project").put("resource", acmeProject));
    assertThat(api.patch(PROJECTS + "/" + acmeProject, mallory.token(), new JsonObject().put("displayName", "x"))
        .status()).as("the deny holds").isEqualTo(403);
    assertThat(api.delete(POLICIES + "/" + deny.getString("id"), mallory.token()).status())
        .as("deleting the deny binding is refused (G1)").isEqualTo(403);
    Res shrunk = api.patch(ROLES + "/" + roleId, mallory.token(), new JsonObject()
        .put("permissions", new JsonArray().add("resourcemanager.projects.get")));
    Res update = api.patch(PROJECTS + "/" + acmeProject, mallory.token(), new JsonObject().put("displayName", "x"));
    assertThat(shrunk.status()).as("H1: the denied account emptied the role that denies it at the project; "
        + "then PATCH project answered " + update.status()).isEqualTo(403);
  }
  // ---- H2 ---------------------------------------------------------------------------------------------------

  /**
   * H2 (a deny that is accepted but denies nothing): a resource binding's path is validated after stripping
   * {@code /v1/regions/<region>/} twice (PoliciesApi.resourceInOrganization strips it, then
   * GrantInputs.resourceKey strips it again) but stored and matched after stripping it once. So
   * {@code /v1/regions/x//v1/regions/local-1/projects/<p>/compute/clusters/prod} is accepted as a resource of
   * project p (201, and echoed back as such), yet its key is {@code v1/regions/local-1/projects/...}, which no
   * target ever has: the deny silently denies nothing.
   */
  @Test
  void h2_aResourceBindingIsStoredUnderThePathItWasValidatedAs() {
    Caller editor = caller(acme);
    bind(acme, editor.serviceAccountId(), "project-editor", "allow",
        new JsonObject().put("type", "project").put("resource", acmeProject));
    String cluster = "projects/" + acmeProject + "/compute/clusters/prod";
    Res deny = node.atlas.post(POLICIES, token, new JsonObject().put("orgId", acme).put("role", "compute-admin")
        .put("effect", "deny").put("principal", new JsonObject().put("type", "serviceAccount")
            .put("id", editor.serviceAccountId()))
        .put("scope", new JsonObject().put("type", "resource").put("resource", "/v1/regions/x//v1/regions/local-1/"
            + cluster)));
    if (deny.status() == 201) {
      assertThat(allowed(editor.token(), "compute.clusters.delete", cluster))
          .as("H2: the deny binding " + deny.json().getString("id") + " was accepted for " + cluster
              + " but does not apply to it").containsExactly(false);
    } else {
      assertThat(deny.status()).isEqualTo(400);
    }
  }
  // ---- H3 ---------------------------------------------------------------------------------------------------

  /**
   * H3 (an iam-admin logs the platform administrator out): a provider {@code iam-admin} may not revoke the
   * bootstrap client's tokens (403 {@code unauthorized_client}: it lacks auth.tokens.revoke). But service-account
   * ids are not checked against the configured clients, so it creates service account {@code bootstrap-test} in
   * the provider's organization, whose clientId is the bootstrap client's id ({@code bootstrap-test@provider.iam},
   * shown to every tenant as createdBy), and disables it: disabling revokes every token of that subject, the
   * platform administrator's included (its key tokens too). It can repeat this at will.
   */
  @Test
  void h3_noServiceAccountSharesTheBootstrapClientsSubject() {
    Caller iamAdmin = caller("provider", "iam-admin");
    String victim = node.token();
    String id = io.k0rdent.api.verticles.testsupport.TestNode.CLIENT_ID.substring(0,
        io.k0rdent.api.verticles.testsupport.TestNode.CLIENT_ID.indexOf('@'));
    try {
      Res direct = api.send("POST", "/v1/regions/global/auth/revoke", "token=" + victim,
          "Content-Type", "application/x-www-form-urlencoded", "Authorization", "Bearer " + iamAdmin.token());
      assertThat(direct.status()).as("the iam-admin may not revoke the administrator's token").isEqualTo(403);
      Res squat = api.post(SAS, iamAdmin.token(), new JsonObject().put("id", id).put("displayName", "squat")
          .put("scope", "organization").put("scopeId", "provider"));
      if (squat.status() == 201) {
        assertThat(squat.json().getString("clientId")).isEqualTo(io.k0rdent.api.verticles.testsupport.TestNode.CLIENT_ID);
        Res disabled = api.patch(SAS + "/" + id, iamAdmin.token(), new JsonObject().put("status", "disabled"));
        assertThat(disabled.status()).as(disabled.body()).isEqualTo(200);
        Res after = api.get(ORGS + "/" + acme, victim);
        assertThat(after.status()).as("H3: service account " + id + " (clientId " + squat.json().getString("clientId")
            + ") was created by an iam-admin; disabling it revoked the platform administrator's token: "
            + after.body()).isEqualTo(200);
      } else {
        assertThat(squat.status()).as(squat.body()).isEqualTo(409);
      }
    } finally {
      freshAdminToken();
    }
  }
  // ---- H4 ---------------------------------------------------------------------------------------------------

  /**
   * H4 (any tenant logs the platform administrator out, at will): disabling an API key revokes "every token
   * of credential &lt;key id&gt;", and API-key ids share that namespace with client-secret credential ids. Key ids are
   * chosen by the client, and the bootstrap client's credential id is the fixed, documented
   * {@code cred-bootstrap} (its secret is {@code plt_cs_cred-bootstrap_...}; introspection shows
   * {@code credential_id}). So acme's administrator creates its own API key {@code cred-bootstrap}, disables it,
   * and every token of the platform administrator stops working; re-enabling and disabling again repeats it.
   */
  @Test
  void h4_disablingATenantsApiKeyRevokesNoOtherCredentialsTokens() {
    Caller acmeAdmin = caller(acme, "org-admin");
    String victim = node.token();
    try {
      Res key = api.post(KEYS, acmeAdmin.token(), new JsonObject().put("id", "cred-bootstrap").put("displayName", "k")
          .put("scope", "organization").put("scopeId", acme));
      if (key.status() == 201) {
        Res disabled = api.patch(KEYS + "/cred-bootstrap", acmeAdmin.token(), new JsonObject().put("status", "disabled"));
        assertThat(disabled.status()).as(disabled.body()).isEqualTo(200);
        Res after = api.get(ORGS + "/" + acme, victim);
        assertThat(after.status()).as("H4: acme disabled its own API key 'cred-bootstrap' and the platform "
            + "administrator's token was revoked: " + after.body()).isEqualTo(200);
      } else {
        assertThat(key.status()).as(key.body()).isIn(400, 409);
      }
    } finally {
      freshAdminToken();
    }
  }
}
