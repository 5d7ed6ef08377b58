package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;

/**
 * The stage of the break-it tests: two ordinary organizations ({@link #acme} with a project, and
 * {@link #globex}) made by the bootstrap administrator, and the helpers their attacks share.
 */
abstract class TwoTenantsHttpTest extends NodeHttpTest {

  String acme;
  String globex;
  String acmeProject;

  @BeforeAll
  void world() {
    acme = created(ORGS, new JsonObject().put("id", unique("acme"))).getString("id");
    globex = created(ORGS, new JsonObject().put("id", unique("globex"))).getString("id");
    acmeProject = created(PROJECTS, new JsonObject().put("id", unique("proj")).put("organizationId", acme))
        .getString("id");
  }

  /** A binding of {@code role} with {@code effect} to service account {@code sa} at {@code scope}, by the administrator. */
  JsonObject bind(String org, String sa, String role, String effect, JsonObject scope) {
    return created(POLICIES, new JsonObject().put("orgId", org).put("role", role).put("effect", effect)
        .put("principal", new JsonObject().put("type", "serviceAccount").put("id", sa)).put("scope", scope));
  }

  /**
   * On {@code node} (a node of its own, as the seed tests start): organization {@code tenant} and its
   * administrator, service account {@code tenant-admin} holding {@code org-admin}; that account's token.
   */
  static String tenantAdminToken(io.k0rdent.api.verticles.testsupport.TestNode node) {
    String admin = node.token();
    assertThat(node.atlas.post(ORGS, admin, new JsonObject().put("id", "tenant")).status()).isEqualTo(201);
    Res sa = node.arc.post(SAS, admin, new JsonObject().put("id", "tenant-admin").put("displayName", "admin")
        .put("scope", "organization").put("scopeId", "tenant").put("roles", new JsonArray().add("org-admin")));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    Res cred = node.arc.post(SAS + "/tenant-admin/credentials", admin, new JsonObject());
    assertThat(cred.status()).as(cred.body()).isEqualTo(201);
    return node.arc.clientCredentialsToken(sa.json().getString("clientId"), cred.json().getString("clientSecret"));
  }

  /** The organization scope of a binding (its organization filled in from {@code orgId}). */
  static JsonObject orgScope() {
    return new JsonObject().put("type", "org");
  }

  /** The {@code allowed} answers of {@code /auth/check} for the caller itself, one per (action, resource) pair. */
  JsonArray allowed(String bearer, String... actionResource) {
    JsonArray checks = new JsonArray();
    for (int i = 0; i < actionResource.length; i += 2) {
      checks.add(new JsonObject().put("action", actionResource[i]).put("resource", actionResource[i + 1]));
    }
    Res r = api.post(CHECK, bearer, new JsonObject().put("checks", checks));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonArray out = new JsonArray();
    r.json().getJsonArray("results").forEach(o -> out.add(((JsonObject) o).getBoolean("allowed")));
    return out;
  }
}
