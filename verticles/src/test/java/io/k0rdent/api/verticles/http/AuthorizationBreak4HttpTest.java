package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review, fourth round ("breakit4"): defects still present after the fixes of
 * {@link AuthorizationBreakHttpTest}, {@link AuthorizationBreak2HttpTest} and {@link AuthorizationBreak3HttpTest}.
 * Every test here fails on the code as reviewed; each names its finding (I1.. of the review report).
 */
class AuthorizationBreak4HttpTest extends TwoTenantsHttpTest {

  @TempDir
  Path dir;

  // ---- I1 ---------------------------------------------------------------------------------------------------

  /**
   * I1 (control-plane denial of service by any tenant; G6 fixed for seed binding ids, not for seed user ids):
   * user ids are one global namespace and client-chosen, and seeding {@code bootstrap.users} fails the node's
   * start when a user of that id exists in another organization. So any organization administrator creates a
   * user named like a seed user (predictable from the configuration, e.g. {@code ops}) in its own
   * organization, and every node fails to start once the operator adds that user.
   */
  @Test
  void i1_tenantsCannotKeepTheNodesFromStartingByTakingSeedUserIds() {
    PgTestDatabase db = PgTestDatabase.create();
    try {
      Map<String, Object> pg = Map.of("database.url", db.url(), "database.schema", db.schema());
      try (TestNode first = TestNode.start(pg)) {
        String tenant = tenantAdminToken(first);
        Res taken = first.atlas.post(USERS, tenant, new JsonObject().put("id", "ops").put("organizationId", "tenant")
            .put("email", "ops@example.com").put("displayName", "squat"));
        assertThat(taken.status()).as(taken.body()).isEqualTo(201);
      }
      Path file = dir.resolve("k0rdent-seed.yaml");
      try {
        Files.writeString(file, "bootstrap:\n  users:\n    - {id: ops, email: ops@example.com, displayName: Ops, "
            + "roles: [org-viewer]}\n");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      TestNode second;
      try {
        second = TestNode.start(file, pg);
      } catch (RuntimeException e) {
        throw new AssertionError("I1: a tenant's user id keeps the node from starting: "
            + AuthorizationBreak2HttpTest.rootMessage(e), e);
      }
      second.close();
    } finally {
      db.drop();
    }
  }

  // ---- I2 ---------------------------------------------------------------------------------------------------

  /**
   * I2 (a capped key writes): PATCH /iam/users/profile needs no grant at all, so a user's API key whose role
   * ceiling is read-only ({@code org-viewer}) and which is confined to one project still renames its user —
   * the one write such a key is never supposed to make (everything else it may do is capped by its roles, and
   * API-key tokens may not even change keys). A leaked read-only key thus changes the user's identity as others
   * see it (displayName shown in group members, lists).
   */
  @Test
  void i2_aReadOnlyKeyCannotRenameItsUser() throws Exception {
    String user = created(USERS, new JsonObject().put("id", unique("ann")).put("organizationId", acme)
        .put("email", unique("ann") + "@example.com").put("displayName", "Ann")).getString("id");
    String keyId = unique("key");
    String secret = CredentialChecks.API_KEY_PREFIX + keyId + "_" + Secrets.random256();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    var services = node.node().services();
    services.store().apiKeys().create(new ApiKey(keyId, UUID.randomUUID(), acme, "project", acmeProject,
        List.of("org-viewer"), ApiKey.ACTIVE, now.plus(1, ChronoUnit.DAYS), user, "user",
        services.iam().hasher().hash(secret), null, null, null, null, null, "read-only", null, now, now, 1))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String readOnly = apiKeyToken(secret);
    assertThat(api.get(USERS + "/profile", readOnly).status()).as("reading itself is fine").isEqualTo(200);
    Res renamed = api.patch(USERS + "/profile", readOnly, new JsonObject().put("displayName", "Mallory"));
    assertThat(renamed.status()).as("I2: a read-only, project-confined key renamed its user: " + renamed.body())
        .isEqualTo(403);
  }
}
