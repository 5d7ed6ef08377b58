package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.verticles.Node;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Signing-key rotation over HTTP on a real node (two HTTP verticle instances, access tokens living
 * {@value #TTL_SECONDS} s): {@code POST /v1/regions/global/auth/keys:rotate} on Atlas adds a key that signs
 * every new token on every instance; tokens of the old key stay valid (API calls, introspection) and the
 * JWK Set lists both keys until the old one retires, {@code tokenTtl + 30 s} later, after which it is
 * gone from the JWK Set and from verification. Arc answers 404 for the operation; callers other than a
 * platform administrator's own token get 403.
 */
class SigningKeyRotationHttpTest extends NodeHttpTest {

  static final int TTL_SECONDS = 5;
  static final String ROTATE = "/v1/regions/global/auth/keys:rotate";
  static final String INTROSPECT = "/v1/regions/global/auth/introspect";

  @Override
  TestNode startNode() {
    return TestNode.start(Map.of("auth.tokenTtlSeconds", TTL_SECONDS));
  }

  private static String kid(String jwt) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]), StandardCharsets.UTF_8))
        .getString("kid");
  }

  private static List<String> kids(Res jwks) {
    List<String> out = new ArrayList<>();
    JsonArray keys = jwks.json().getJsonArray("keys");
    for (int i = 0; i < keys.size(); i++) {
      out.add(keys.getJsonObject(i).getString("kid"));
    }
    return out;
  }

  private Res jwks(Api face) {
    return face.send("GET", "/.well-known/jwks.json", null);
  }

  private Res rotate(Api face, String token) {
    return face.send("POST", ROTATE, null, "Authorization", "Bearer " + token);
  }

  private Res introspect(String caller, String token) {
    return api.send("POST", INTROSPECT, "token=" + Api.enc(token), "Authorization", "Bearer " + caller,
        "Content-Type", "application/x-www-form-urlencoded");
  }

  /**
   * A bootstrap-account token signed with the current key, living 5 minutes (longer than any token the
   * node issues here): it shows when a key stops verifying.
   */
  private String longLivedToken() {
    return new AccessTokenIssuer(node.node().services().signingKeys(), node.node().issuer(), "k0rdent-api",
        Duration.ofMinutes(5)).issue(new AccessTokenIssuer.Claims(TestNode.CLIENT_ID, PrincipalType.SERVICE_ACCOUNT,
        TestNode.CLIENT_ID, "provider", "organization", "provider", Node.BOOTSTRAP_CREDENTIAL_ID,
        null), Instant.now()).token(); // no role ceiling: the bootstrap account's own grants
  }

  /** The kids of tokens minted over fresh connections, so that both HTTP verticle instances answer. */
  private Set<String> kidsOfFreshTokens(int n) throws Exception {
    Set<String> out = new HashSet<>();
    String form = "grant_type=client_credentials&client_id=" + Api.enc(TestNode.CLIENT_ID) + "&client_secret="
        + Api.enc(TestNode.CLIENT_SECRET);
    for (int i = 0; i < n; i++) {
      HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(); // a new connection
      HttpResponse<String> r = fresh.send(HttpRequest.newBuilder(URI.create(api.base + "/v1/regions/global/auth/token"))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      out.add(kid(new JsonObject(r.body()).getString("access_token")));
    }
    return out;
  }

  @Test
  void rotationKeepsOldTokensValidUntilTheOldKeyRetires() throws Exception {
    String oldKid = node.node().services().signingKeys().current().getKeyID();
    String lingering = longLivedToken();
    assertThat(kid(lingering)).isEqualTo(oldKid);
    assertThat(api.get(ORGS, lingering).status()).isEqualTo(200);
    String before = node.token();
    assertThat(kid(before)).isEqualTo(oldKid);
    assertThat(kids(jwks(api))).containsExactly(oldKid);

    Instant rotatedAt = Instant.now();
    Res r = rotate(node.atlas, before);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    JsonObject view = r.json();
    String newKid = view.getString("current");
    assertThat(newKid).isNotEqualTo(oldKid);
    assertThat(view.getJsonArray("keys").stream().map(k -> ((JsonObject) k).getString("kid")))
        .containsExactly(oldKid, newKid);
    assertThat(view.encode()).doesNotContain("\"d\"");
    JsonObject retiring = view.getJsonArray("retiring").getJsonObject(0);
    assertThat(view.getJsonArray("retiring")).hasSize(1);
    assertThat(retiring.getString("kid")).isEqualTo(oldKid);
    Instant retireAfter = Instant.parse(retiring.getString("retireAfter"));
    assertThat(retireAfter).isBetween(rotatedAt.plusSeconds(TTL_SECONDS + 29), Instant.now().plusSeconds(TTL_SECONDS + 32));

    // The token minted just before the rotation still works (well within its short life).
    String after = node.token();
    assertThat(kid(after)).as("new tokens carry the new kid").isEqualTo(newKid);
    assertThat(api.get(ORGS, before).status()).isEqualTo(200);
    assertThat(introspect(after, before).json().getBoolean("active")).isTrue();
    assertThat(api.get(ORGS, lingering).status()).as("the old key still verifies").isEqualTo(200);
    assertThat(introspect(after, lingering).json().getBoolean("active")).isTrue();
    assertThat(api.get(ORGS, after).status()).isEqualTo(200);
    assertThat(kidsOfFreshTokens(6)).as("every HTTP verticle instance signs with the new key").containsExactly(newKid);

    for (Api face : List.of(node.arc, node.atlas)) {
      assertThat(kids(jwks(face))).containsExactly(oldKid, newKid);
      assertThat(kids(face.send("GET", "/v1/regions/global/auth/jwks", null))).containsExactly(oldKid, newKid);
    }

    // After its retirement time the old key is gone: from the JWK Set and from verification.
    long wait = retireAfter.toEpochMilli() - System.currentTimeMillis() + 200;
    if (wait > 0) {
      Thread.sleep(wait);
    }
    for (Api face : List.of(node.arc, node.atlas)) {
      assertThat(kids(jwks(face))).containsExactly(newKid);
    }
    Res refused = api.get(ORGS, lingering);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("WWW-Authenticate")).contains("invalid_token");
    String fresh = node.token();
    assertThat(introspect(fresh, lingering).json().getBoolean("active")).isFalse();
    assertThat(kid(fresh)).isEqualTo(newKid);
    assertThat(api.get(ORGS, fresh).status()).isEqualTo(200);
  }

  @Test
  void arcAnswersForKeyRotationExactlyAsForAnUnknownPath() {
    String admin = node.token();
    for (String auth : new String[] {"Bearer " + admin, null}) {
      String[] h = auth == null ? new String[0] : new String[] {"Authorization", auth};
      Res rotate = node.arc.send("POST", ROTATE, null, h);
      Res unknown = node.arc.send("POST", "/v1/regions/global/auth/keys:unknown", null, h);
      assertThat(rotate.status()).isEqualTo(404);
      assertThat(rotate.json().getJsonObject("error").getString("message"))
          .isEqualTo(unknown.json().getJsonObject("error").getString("message"));
    }
    assertThat(node.arc.send("GET", "/openapi.json", null).body()).doesNotContain("rotateSigningKey")
        .doesNotContain("keys:rotate");
    assertThat(node.atlas.send("GET", "/openapi.json", null).body()).contains("rotateSigningKey");
  }

  @Test
  void onlyAPlatformAdministratorsOwnTokenMayRotate() {
    String before = kids(jwks(api)).toString();
    assertThat(node.atlas.send("POST", ROTATE, null).status()).isEqualTo(401);
    assertThat(rotate(node.atlas, "not.a.token").status()).isEqualTo(401);

    // A service account that is no platform administrator.
    String id = "plain-" + UUID.randomUUID().toString().substring(0, 6) + "@provider.iam";
    String secret = "plt_cs_cred-plain_" + "z".repeat(40);
    var services = node.node().services();
    services.clients().register(new io.k0rdent.api.core.auth.ClientRegistry.Client(id,
        services.iam().hasher().hash(secret), id, io.k0rdent.api.core.auth.PrincipalType.SERVICE_ACCOUNT, "provider",
        "organization", "provider", "cred-plain", List.of()));
    Res plain = rotate(node.atlas, api.clientCredentialsToken(id, secret));
    assertThat(plain.status()).isEqualTo(403);
    assertThat(plain.reason()).isEqualTo("PERMISSION_DENIED");

    // A platform administrator's API key: its tokens may not rotate.
    Res key = api.post("/v1/regions/global/iam/apikeys", node.token(), new JsonObject().put("displayName", "ops key")
        .put("scope", "organization").put("scopeId", "provider").put("roles", new JsonArray().add(io.k0rdent.api.core.auth.policy.PredefinedRoles.PLATFORM_ADMIN)));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    Res minted = api.send("POST", "/v1/regions/global/auth/token", "grant_type=api_key&api_key="
        + Api.enc(key.json().getString("secret")), "Content-Type", "application/x-www-form-urlencoded");
    assertThat(minted.status()).as(minted.body()).isEqualTo(200);
    Res viaKey = rotate(node.atlas, minted.json().getString("access_token"));
    assertThat(viaKey.status()).isEqualTo(403);

    assertThat(kids(jwks(api)).toString()).as("nothing rotated").isEqualTo(before);
  }
}
