package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code getUserProfile} and {@code updateUserProfile}: the user a token acts for reads and renames itself
 * without any grant; nothing else of it can be changed there, and a caller that is not a user has no
 * profile. Users cannot log in before identity providers arrive, so the user's token here comes from an
 * API key it holds (stored directly: creating keys needs a token of the user in the first place).
 */
class UserProfileHttpTest extends NodeHttpTest {

  static final String PROFILE = USERS + "/profile";

  /** A user of a new organization with no bindings at all, and a token of an API key it holds. */
  String[] userAndToken() throws Exception {
    String org = created(ORGS, new JsonObject().put("id", unique("org"))).getString("id");
    String user = created(USERS, new JsonObject().put("id", unique("ann")).put("organizationId", org)
        .put("email", unique("ann") + "@example.com").put("displayName", "Ann")).getString("id");
    String keyId = unique("key");
    String secret = CredentialChecks.API_KEY_PREFIX + keyId + "_" + Secrets.random256();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    var services = node.node().services();
    services.store().apiKeys().create(new ApiKey(keyId, UUID.randomUUID(), org, "organization", org, List.of(),
        ApiKey.ACTIVE, now.plus(1, ChronoUnit.DAYS), user, "user", services.iam().hasher().hash(secret), null, null,
        null, null, null, "laptop", null, now, now, 1)).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    return new String[] {user, apiKeyToken(secret), keyId};
  }

  @Test
  void aUserReadsAndRenamesItselfWithoutAnyGrant() throws Exception {
    String[] u = userAndToken();
    Res me = api.get(PROFILE, u[1]);
    assertThat(me.status()).as(me.body()).isEqualTo(200);
    CONTRACT.assertValid("getUserProfile", 200, me.body());
    assertThat(me.json().getString("id")).isEqualTo(u[0]);
    assertThat(me.header("ETag")).isEqualTo(me.json().getString("etag"));
    // it holds nothing else: its own user record through the ordinary path is not visible to it
    assertThat(api.get(USERS + "/" + u[0], u[1]).status()).isEqualTo(404);

    Res renamed = api.patch(PROFILE, u[1], new JsonObject().put("displayName", "Ann B."));
    assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
    CONTRACT.assertValid("updateUserProfile", 200, renamed.body());
    assertThat(renamed.json().getString("displayName")).isEqualTo("Ann B.");
    assertThat(node.atlas.get(USERS + "/" + u[0], token).json().getString("displayName")).isEqualTo("Ann B.");
    Res stale = api.patch(PROFILE, u[1], new JsonObject().put("displayName", "x"), "If-Match", me.header("ETag"));
    assertThat(stale.status()).isEqualTo(412);
  }

  @Test
  void statusEmailAndUnknownFieldsAreNotTheUsersToChange() throws Exception {
    String[] u = userAndToken();
    for (JsonObject bad : List.of(new JsonObject().put("status", "active"),
        new JsonObject().put("email", "other@example.com"), new JsonObject().put("roles", List.of("org-admin")),
        new JsonObject())) {
      Res r = api.patch(PROFILE, u[1], bad);
      assertThat(r.status()).as(bad.encode() + " " + r.body()).isEqualTo(400);
    }
    assertThat(node.atlas.get(USERS + "/" + u[0], token).json().getString("status")).isEqualTo("active");
  }

  @Test
  void aCallerThatIsNoUserHasNoProfile() {
    Res r = api.get(PROFILE, token);
    assertThat(r.status()).isEqualTo(404);
    assertThat(api.patch(PROFILE, token, new JsonObject().put("displayName", "x")).status()).isEqualTo(404);
    assertThat(api.get(PROFILE, null).status()).isEqualTo(401);
  }

  @Test
  void noUserMayBeCalledProfile() {
    String org = created(ORGS, new JsonObject().put("id", unique("org"))).getString("id");
    Res r = node.atlas.post(USERS, token, new JsonObject().put("id", "profile").put("organizationId", org)
        .put("email", unique("p") + "@example.com").put("displayName", "P"));
    assertThat(r.status()).as(r.body()).isEqualTo(400);
  }

  @Test
  void aDeletedUsersKeysGoWithIt() throws Exception {
    String[] u = userAndToken();
    assertThat(node.atlas.get(KEYS + "/" + u[2], token).status()).isEqualTo(200);
    assertThat(node.atlas.delete(USERS + "/" + u[0], token).status()).isEqualTo(204);
    assertThat(node.atlas.get(KEYS + "/" + u[2], token).status()).isEqualTo(404);
    assertThat(api.get(PROFILE, u[1]).status()).isEqualTo(401);
  }
}
