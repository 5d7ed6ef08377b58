package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Service accounts, their credentials, API keys, and the token, introspection and revocation endpoints
 * end to end over HTTP, run against each store adapter by a subclass. Bodies of contract operations are
 * validated against the strict upstream schemas.
 */
abstract class IamHttpContract extends NodeHttpTest {

  static final String SAS = "/v1/regions/global/iam/service-accounts";
  static final String KEYS = "/v1/regions/global/iam/apikeys";
  static final String TOKEN = "/v1/regions/global/auth/token";
  static final String INTROSPECT = "/v1/regions/global/auth/introspect";
  static final String REVOKE = "/v1/regions/global/auth/revoke";

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  Res checked(String operationId, Res r) {
    CONTRACT.assertValid(operationId, r.status(), r.body());
    return r;
  }

  /** A service account at organization scope of {@code org}, with {@code roles}. */
  JsonObject createAccount(String org, String... roles) {
    Res r = checked("createServiceAccount", api.post(SAS, token, new JsonObject().put("id", unique("sa"))
        .put("displayName", "Pipeline").put("scope", "organization").put("scopeId", org)
        .put("roles", new JsonArray(List.of(roles)))));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  JsonObject createCredential(String accountId) {
    Res r = checked("createServiceAccountCredential", api.post(SAS + "/" + accountId + "/credentials", token,
        new JsonObject()));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  Res mint(String form) {
    return api.send("POST", TOKEN, form, "Content-Type", "application/x-www-form-urlencoded");
  }

  Res mintJson(JsonObject body) {
    return api.send("POST", TOKEN, body.encode(), "Content-Type", "application/json");
  }

  String clientToken(String clientId, String secret) {
    return api.clientCredentialsToken(clientId, secret);
  }

  String keyToken(String secret) {
    Res r = mint("grant_type=api_key&api_key=" + Api.enc(secret));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("access_token");
  }

  /** Introspection as the bootstrap administrator (HTTP Basic). */
  JsonObject introspect(String accessToken) {
    Res r = api.send("POST", INTROSPECT, new JsonObject().put("token", accessToken).encode(),
        "Content-Type", "application/json", "Authorization", basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    return r.json();
  }

  static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((Api.enc(id) + ":" + Api.enc(secret))
        .getBytes(StandardCharsets.UTF_8));
  }

  static JsonObject claims(String jwt) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  static final JsonObject INACTIVE = new JsonObject().put("active", false);

  /** Sleeps into the next wall-clock second. */
  static void nextSecond() {
    try {
      Thread.sleep(1000 - System.currentTimeMillis() % 1000 + 20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void serviceAccountLifecycle() {
    JsonObject sa = createAccount("provider", "compute-viewer", "project-viewer");
    String id = sa.getString("id");
    assertThat(sa.getString("clientId")).isEqualTo(id + "@provider.iam");
    assertThat(sa.getString("status")).isEqualTo("active");
    assertThat(sa.getJsonArray("roles").getList()).containsExactly("compute-viewer", "project-viewer");
    assertThat(sa.getInteger("activeCredentialCount")).isZero();
    assertThat(sa.getString("createdBy")).isEqualTo(TestNode.CLIENT_ID);

    Res got = checked("getServiceAccount", api.get(SAS + "/" + id, token));
    assertThat(got.json()).isEqualTo(sa);
    Res patched = checked("updateServiceAccount", api.patch(SAS + "/" + id, token,
        new JsonObject().put("roles", new JsonArray().add("compute-viewer")).put("status", "disabled")));
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json().getJsonArray("roles").getList()).containsExactly("compute-viewer");
    assertThat(patched.json().getString("status")).isEqualTo("disabled");
    assertThat(patched.json().getString("clientId")).isEqualTo(sa.getString("clientId"));

    Res list = checked("listServiceAccounts", api.get(SAS + "?status=disabled&organizationId=provider", token));
    assertThat(list.json().getJsonArray("serviceAccounts").stream().map(o -> ((JsonObject) o).getString("id")))
        .contains(id);
    assertThat(checked("listServiceAccounts", api.get(SAS + "?status=active", token)).json()
        .getJsonArray("serviceAccounts").stream().map(o -> ((JsonObject) o).getString("id"))).doesNotContain(id);
    assertThat(api.get(SAS + "?status=sleeping", token).status()).isEqualTo(400);
    assertThat(api.patch(SAS + "/" + id, token, new JsonObject()).status()).isEqualTo(400);
    assertThat(api.patch(SAS + "/" + id, token, new JsonObject().put("clientId", "x@y.iam")).status()).isEqualTo(400);

    assertThat(checked("deleteServiceAccount", api.delete(SAS + "/" + id, token)).status()).isEqualTo(204);
    assertThat(checked("getServiceAccount", api.get(SAS + "/" + id, token)).status()).isEqualTo(404);
  }

  @Test
  void createRefusesBadScopesAndFields() {
    JsonObject base = new JsonObject().put("displayName", "x").put("scope", "project").put("scopeId", "no-such-project");
    Res missing = api.post(SAS, token, base);
    assertThat(missing.status()).as(missing.body()).isEqualTo(400);
    assertThat(missing.body()).contains("scopeId");
    assertThat(api.post(SAS, token, base.copy().put("scope", "folder")).status()).isEqualTo(400);
    assertThat(api.post(SAS, token, base.copy().put("scope", "organization").put("scopeId", "no-such-org")).status())
        .isEqualTo(400);
    assertThat(api.post(SAS, token, base.copy().put("scope", "organization").put("scopeId", "provider")
        .put("roles", new JsonArray().add("Not A Role"))).status()).isEqualTo(400);
    assertThat(api.post(SAS, token, base.copy().put("scope", "organization").put("scopeId", "provider")
        .put("status", "active")).status()).isEqualTo(400);

    String org = unique("org");
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org)).status()).isEqualTo(201);
    String project = unique("proj");
    assertThat(api.post(PROJECTS, token, new JsonObject().put("id", project).put("organizationId", org)).status())
        .isEqualTo(201);
    Res scoped = checked("createServiceAccount", api.post(SAS, token, new JsonObject().put("displayName", "p")
        .put("scope", "project").put("scopeId", project)));
    assertThat(scoped.status()).isEqualTo(201);
    assertThat(scoped.json().getString("clientId")).endsWith("@" + org + ".iam");
    assertThat(scoped.json().getString("id")).startsWith("sa-");
    // the project and its organization cannot go while the account points at them
    assertThat(api.delete(PROJECTS + "/" + project, token).status()).isEqualTo(409);
    assertThat(api.delete(ORGS + "/" + org, token).status()).isEqualTo(409);
  }

  @Test
  void credentialsMintTokensUntilDeleted() {
    JsonObject sa = createAccount("provider", "compute-viewer");
    String id = sa.getString("id");
    JsonObject cred = createCredential(id);
    String secret = cred.getString("clientSecret");
    assertThat(secret).startsWith("plt_cs_" + cred.getString("id") + "_");
    assertThat(secret.length() - ("plt_cs_" + cred.getString("id") + "_").length()).isGreaterThanOrEqualTo(43);
    assertThat(cred.getString("status")).isEqualTo("active");
    assertThat(Instant.parse(cred.getString("expiresAt"))).isAfter(Instant.now().plusSeconds(364L * 86400));

    // form + body credentials, form + Basic, JSON
    String t1 = clientToken(sa.getString("clientId"), secret);
    Res basic = api.send("POST", TOKEN, "grant_type=client_credentials", "Content-Type",
        "application/x-www-form-urlencoded", "Authorization", basic(sa.getString("clientId"), secret));
    assertThat(basic.status()).as(basic.body()).isEqualTo(200);
    Res json = mintJson(new JsonObject().put("grant_type", "client_credentials")
        .put("client_id", sa.getString("clientId")).put("client_secret", secret));
    assertThat(json.status()).isEqualTo(200);
    assertThat(t1.length()).isLessThan(1024);

    JsonObject claims = claims(t1);
    assertThat(claims.getString("sub")).isEqualTo(sa.getString("clientId"));
    assertThat(claims.getString("credential_id")).isEqualTo(cred.getString("id"));
    assertThat(claims.containsKey("roles")).isFalse();

    JsonObject active = introspect(t1);
    CONTRACT.assertValid("introspectToken", 200, active.encode());
    assertThat(active.getBoolean("active")).isTrue();
    assertThat(active.getString("principal_type")).isEqualTo("service_account");
    assertThat(active.getString("tenant_id")).isEqualTo("provider");
    assertThat(active.getString("scope")).isEqualTo("organization");
    assertThat(active.getString("credential_id")).isEqualTo(cred.getString("id"));
    assertThat(active.getJsonArray("roles").getList()).containsExactly("compute-viewer");

    // a wrong secret, another account's client id, an unknown credential id
    assertThat(mint("grant_type=client_credentials&client_id=" + Api.enc(sa.getString("clientId"))
        + "&client_secret=" + Api.enc(secret + "x")).status()).isEqualTo(401);
    assertThat(mint("grant_type=client_credentials&client_id=" + Api.enc("other@provider.iam")
        + "&client_secret=" + Api.enc(secret)).status()).isEqualTo(401);
    assertThat(mint("grant_type=client_credentials&client_id=" + Api.enc(sa.getString("clientId"))
        + "&client_secret=plt_cs_cred-nope_" + "a".repeat(43)).status()).isEqualTo(401);

    Res listed = checked("listServiceAccountCredentials", api.get(SAS + "/" + id + "/credentials", token));
    assertThat(listed.body()).doesNotContain(secret).doesNotContain("clientSecret");
    assertThat(checked("getServiceAccount", api.get(SAS + "/" + id, token)).json().getInteger("activeCredentialCount"))
        .isEqualTo(1);

    assertThat(checked("deleteServiceAccountCredential",
        api.delete(SAS + "/" + id + "/credentials/" + cred.getString("id"), token)).status()).isEqualTo(204);
    assertThat(introspect(t1)).isEqualTo(INACTIVE);
    Res refused = mint("grant_type=client_credentials&client_id=" + Api.enc(sa.getString("clientId"))
        + "&client_secret=" + Api.enc(secret));
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.json().getString("error")).isEqualTo("invalid_client");
    assertThat(api.get(SAS + "/" + id + "/credentials/" + cred.getString("id"), token).status()).isEqualTo(404);
  }

  @Test
  void disablingTheAccountEndsItsTokensForGood() {
    JsonObject sa = createAccount("provider");
    String secret = createCredential(sa.getString("id")).getString("clientSecret");
    String t = clientToken(sa.getString("clientId"), secret);
    assertThat(introspect(t).getBoolean("active")).isTrue();
    assertThat(api.patch(SAS + "/" + sa.getString("id"), token, new JsonObject().put("status", "disabled")).status())
        .isEqualTo(200);
    assertThat(introspect(t)).isEqualTo(INACTIVE);
    assertThat(mint("grant_type=client_credentials&client_id=" + Api.enc(sa.getString("clientId"))
        + "&client_secret=" + Api.enc(secret)).status()).isEqualTo(401);
    assertThat(api.patch(SAS + "/" + sa.getString("id"), token, new JsonObject().put("status", "active")).status())
        .isEqualTo(200);
    // re-enabled: new tokens work, those minted before the disable stay dead
    assertThat(introspect(t)).isEqualTo(INACTIVE);
    nextSecond(); // tokens minted in the very second of the disable are revoked with it (iat has seconds)
    String fresh = clientToken(sa.getString("clientId"), secret);
    assertThat(introspect(fresh).getBoolean("active")).isTrue();
    // deleting the account takes its credentials and tokens with it
    assertThat(api.delete(SAS + "/" + sa.getString("id"), token).status()).isEqualTo(204);
    assertThat(introspect(fresh)).isEqualTo(INACTIVE);
  }

  @Test
  void atMostFiveActiveCredentialsAndLifetimesAreBounded() {
    String id = createAccount("provider").getString("id");
    for (int i = 0; i < 5; i++) {
      createCredential(id);
    }
    Res sixth = checked("createServiceAccountCredential", api.post(SAS + "/" + id + "/credentials", token, new JsonObject()));
    assertThat(sixth.status()).isEqualTo(409);
    assertThat(api.get(SAS + "/" + id, token).json().getInteger("activeCredentialCount")).isEqualTo(5);

    String other = createAccount("provider").getString("id");
    Res tooLong = api.post(SAS + "/" + other + "/credentials", token,
        new JsonObject().put("expiresAt", Instant.now().plusSeconds(400L * 86400).toString()));
    assertThat(tooLong.status()).isEqualTo(422);
    Res past = api.post(SAS + "/" + other + "/credentials", token, new JsonObject().put("expiresAt", "2020-01-01T00:00:00Z"));
    assertThat(past.status()).isEqualTo(400);
    Res tomorrow = api.post(SAS + "/" + other + "/credentials", token, new JsonObject().put("expiresAt", "tomorrow"));
    assertThat(tomorrow.status()).isEqualTo(400);
    assertThat(tomorrow.json().getJsonObject("error").getString("message"))
        .isEqualTo("expiresAt: must be an RFC 3339 date-time such as 2027-01-31T12:00:00Z");
    assertThat(api.post(SAS + "/no-such-account/credentials", token, new JsonObject()).status()).isEqualTo(404);
    // the body is optional: none at all, or an empty one with a JSON type
    Res bare = api.send("POST", SAS + "/" + other + "/credentials", null, "Authorization", "Bearer " + token);
    assertThat(bare.status()).as(bare.body()).isEqualTo(201);
    Res empty = api.send("POST", SAS + "/" + other + "/credentials", "", "Authorization", "Bearer " + token,
        "Content-Type", "application/json");
    assertThat(empty.status()).as(empty.body()).isEqualTo(201);
    Res xml = api.send("POST", SAS + "/" + other + "/credentials", "<x/>", "Authorization", "Bearer " + token,
        "Content-Type", "application/xml");
    assertThat(xml.status()).isEqualTo(415);
  }

  @Test
  void idempotentRetriesNeverReplayOrStoreASecret() {
    String id = createAccount("provider").getString("id");
    String key = UUID.randomUUID().toString();
    Res first = api.post(SAS + "/" + id + "/credentials", token, new JsonObject(), "Idempotency-Key", key);
    Res retry = api.post(SAS + "/" + id + "/credentials", token, new JsonObject(), "Idempotency-Key", key);
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.json().getString("clientSecret")).isNotNull();
    assertThat(retry.status()).isEqualTo(201);
    assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(retry.json().getString("id")).isEqualTo(first.json().getString("id"));
    assertThat(retry.body()).doesNotContain("clientSecret").doesNotContain(first.json().getString("clientSecret"));
    assertThat(api.get(SAS + "/" + id, token).json().getInteger("activeCredentialCount")).isEqualTo(1);
    String key2 = UUID.randomUUID().toString();
    Res k1 = api.post(KEYS, token, new JsonObject().put("displayName", "idem").put("scope", "organization")
        .put("scopeId", "provider"), "Idempotency-Key", key2);
    Res k2 = api.post(KEYS, token, new JsonObject().put("displayName", "idem").put("scope", "organization")
        .put("scopeId", "provider"), "Idempotency-Key", key2);
    assertThat(k1.json().getString("secret")).isNotNull();
    assertThat(k2.body()).doesNotContain("\"secret\"");
    assertThat(k2.json().getString("id")).isEqualTo(k1.json().getString("id"));
  }

  @Test
  void aCredentialStopsAtItsExpiry() throws Exception {
    JsonObject sa = createAccount("provider");
    Res r = api.post(SAS + "/" + sa.getString("id") + "/credentials", token,
        new JsonObject().put("expiresAt", Instant.now().plusMillis(1500).toString()));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    String t = clientToken(sa.getString("clientId"), r.json().getString("clientSecret"));
    Thread.sleep(1700);
    assertThat(introspect(t)).isEqualTo(INACTIVE);
    assertThat(mint("grant_type=client_credentials&client_id=" + Api.enc(sa.getString("clientId")) + "&client_secret="
        + Api.enc(r.json().getString("clientSecret"))).status()).isEqualTo(401);
    Res listed = api.get(SAS + "/" + sa.getString("id") + "/credentials?status=expired", token);
    assertThat(listed.json().getJsonArray("credentials").size()).isEqualTo(1);
    assertThat(api.get(SAS + "/" + sa.getString("id"), token).json().getInteger("activeCredentialCount")).isZero();
  }

  @Test
  void introspectionNeedsAnAuthenticatedCallerAndHidesEverythingElse() {
    String body = new JsonObject().put("token", token).encode();
    Res anon = api.send("POST", INTROSPECT, body, "Content-Type", "application/json");
    assertThat(anon.status()).isEqualTo(401);
    assertThat(anon.json().getString("error")).isEqualTo("invalid_client");
    Res wrong = api.send("POST", INTROSPECT, body, "Content-Type", "application/json",
        "Authorization", basic(TestNode.CLIENT_ID, "wrong-secret"));
    assertThat(wrong.status()).isEqualTo(401);
    Res badBearer = api.send("POST", INTROSPECT, body, "Content-Type", "application/json",
        "Authorization", "Bearer not-a-token");
    assertThat(badBearer.status()).isEqualTo(401);
    assertThat(badBearer.json().getString("error")).isEqualTo("invalid_token");
    // bearer caller, form body
    Res form = api.send("POST", INTROSPECT, "token=" + Api.enc(token) + "&token_type_hint=access_token",
        "Content-Type", "application/x-www-form-urlencoded", "Authorization", "Bearer " + token);
    assertThat(form.status()).isEqualTo(200);
    assertThat(form.json().getBoolean("active")).isTrue();
    assertThat(introspect("garbage")).isEqualTo(INACTIVE);
    Res noToken = api.send("POST", INTROSPECT, "{}", "Content-Type", "application/json",
        "Authorization", "Bearer " + token);
    assertThat(noToken.status()).isEqualTo(400);
    assertThat(noToken.json().getString("error")).isEqualTo("invalid_request");

    // a caller of another organization sees the bootstrap's token as inactive
    String org = unique("org");
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org)).status()).isEqualTo(201);
    JsonObject sa = createAccount(org);
    String secret = createCredential(sa.getString("id")).getString("clientSecret");
    Res foreign = api.send("POST", INTROSPECT, body, "Content-Type", "application/json",
        "Authorization", basic(sa.getString("clientId"), secret));
    assertThat(foreign.status()).isEqualTo(200);
    assertThat(foreign.json()).isEqualTo(INACTIVE);
  }

  @Test
  void revocation() {
    JsonObject sa = createAccount("provider");
    String secret = createCredential(sa.getString("id")).getString("clientSecret");
    String t = clientToken(sa.getString("clientId"), secret);
    String other = clientToken(sa.getString("clientId"), secret);
    // active but allowed nothing: a list shows nothing, creating is refused
    assertThat(api.get(SAS, t).json().getJsonArray("serviceAccounts")).isEmpty();
    assertThat(api.post(SAS, t, new JsonObject().put("displayName", "x").put("scope", "organization")
        .put("scopeId", "provider")).status()).isEqualTo(403);

    // another principal's token: refused
    Res stranger = api.send("POST", REVOKE, new JsonObject().put("token", token).encode(),
        "Content-Type", "application/json", "Authorization", "Bearer " + t);
    assertThat(stranger.status()).isEqualTo(403);
    assertThat(stranger.json().getString("error")).isEqualTo("unauthorized_client");

    // its own token, by client credentials, form-encoded
    Res own = api.send("POST", REVOKE, "token=" + Api.enc(t) + "&token_type_hint=access_token",
        "Content-Type", "application/x-www-form-urlencoded", "Authorization", basic(sa.getString("clientId"), secret));
    assertThat(own.status()).as(own.body()).isEqualTo(200);
    assertThat(own.json()).isEqualTo(new JsonObject().put("revoked", true));
    assertThat(introspect(t)).isEqualTo(INACTIVE);
    assertThat(api.get(SAS, t).status()).isEqualTo(401);
    assertThat(introspect(other).getBoolean("active")).isTrue();

    // unknown, malformed, already revoked: 200
    for (String junk : List.of(t, "garbage", "a.b.c")) {
      Res r = api.send("POST", REVOKE, new JsonObject().put("token", junk).encode(), "Content-Type", "application/json",
          "Authorization", "Bearer " + other);
      assertThat(r.status()).isEqualTo(200);
    }
    // an administrator may revoke anyone's
    Res admin = api.send("POST", REVOKE, new JsonObject().put("token", other).encode(), "Content-Type",
        "application/json", "Authorization", "Bearer " + token);
    assertThat(admin.status()).isEqualTo(200);
    assertThat(introspect(other)).isEqualTo(INACTIVE);
    assertThat(api.send("POST", REVOKE, "{}", "Content-Type", "application/json", "Authorization", "Bearer " + token)
        .status()).isEqualTo(400);
  }

  @Test
  void apiKeysActForTheirCreatorWithinTheirCeiling() {
    Res refused = api.post(KEYS, token, new JsonObject().put("displayName", "k").put("scope", "organization")
        .put("scopeId", "provider").put("roles", new JsonArray().add("no-such-role")));
    assertThat(refused.status()).as(refused.body()).isEqualTo(400);

    Res created = checked("createApiKey", api.post(KEYS, token, new JsonObject().put("displayName", "CI key")
        .put("scope", "organization").put("scopeId", "provider")));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.header("Cache-Control")).isEqualTo("no-store");
    JsonObject key = created.json();
    String id = key.getString("id");
    String secret = key.getString("secret");
    assertThat(secret).startsWith("plt_sk_" + id + "_");
    assertThat(key.getString("status")).isEqualTo("active");
    assertThat(key.getString("createdBy")).isEqualTo(TestNode.CLIENT_ID);

    String kt = keyToken(secret);
    JsonObject c = claims(kt);
    assertThat(c.getString("sub")).isEqualTo(TestNode.CLIENT_ID);
    assertThat(c.getString("principal_type")).isEqualTo("api_key");
    JsonObject active = introspect(kt);
    CONTRACT.assertValid("introspectToken", 200, active.encode());
    assertThat(active.getString("credential_id")).isEqualTo(id);
    assertThat(active.getJsonArray("roles").getList()).containsExactly("platform-admin");
    // mirrors its creator: the platform administrator's rights
    assertThat(api.get(ORGS, kt).status()).isEqualTo(200);
    // but cannot breed keys or rotate them
    assertThat(api.post(KEYS, kt, new JsonObject().put("displayName", "x").put("scope", "organization")
        .put("scopeId", "provider")).status()).isEqualTo(403);
    assertThat(api.post(KEYS + "/" + id + ":rotate", kt, new JsonObject()).status()).isEqualTo(403);

    Res got = checked("getApiKey", api.get(KEYS + "/" + id, token));
    assertThat(got.body()).doesNotContain(secret).doesNotContain("\"secret\"");
    assertThat(checked("listApiKeys", api.get(KEYS, token)).json().getJsonArray("apiKeys").stream()
        .map(o -> ((JsonObject) o).getString("id"))).contains(id);

    // another principal sees nothing of it
    JsonObject sa = createAccount("provider");
    String st = clientToken(sa.getString("clientId"), createCredential(sa.getString("id")).getString("clientSecret"));
    assertThat(checked("getApiKey", api.get(KEYS + "/" + id, st)).status()).isEqualTo(404);
    assertThat(api.patch(KEYS + "/" + id, st, new JsonObject().put("status", "disabled")).status()).isEqualTo(404);
    assertThat(api.delete(KEYS + "/" + id, st).status()).isEqualTo(404);
    assertThat(api.post(KEYS + "/" + id + ":rotate", st, new JsonObject()).status()).isEqualTo(404);
    assertThat(api.get(KEYS + "?createdBy=*", st).json().getJsonArray("apiKeys")).isEmpty();

    // disabled: no new tokens, old ones inactive; re-enabled: new tokens only
    Res disabled = checked("updateApiKey", api.patch(KEYS + "/" + id, token, new JsonObject().put("status", "disabled")));
    assertThat(disabled.json().getString("status")).isEqualTo("disabled");
    assertThat(introspect(kt)).isEqualTo(INACTIVE);
    Res grant = mint("grant_type=api_key&api_key=" + Api.enc(secret));
    assertThat(grant.status()).isEqualTo(400);
    assertThat(grant.json().getString("error")).isEqualTo("invalid_grant");
    assertThat(api.patch(KEYS + "/" + id, token, new JsonObject().put("status", "active")).status()).isEqualTo(200);
    assertThat(introspect(kt)).isEqualTo(INACTIVE);
    nextSecond();
    String kt2 = keyToken(secret);
    assertThat(introspect(kt2).getBoolean("active")).isTrue();

    assertThat(checked("deleteApiKey", api.delete(KEYS + "/" + id, token)).status()).isEqualTo(204);
    assertThat(introspect(kt2)).isEqualTo(INACTIVE);
    assertThat(mint("grant_type=api_key&api_key=" + Api.enc(secret)).status()).isEqualTo(400);
  }

  @Test
  void aKeyWithARoleCeilingActsWithLess() {
    JsonObject key = api.post(KEYS, token, new JsonObject().put("displayName", "ceiling").put("scope", "organization")
        .put("scopeId", "provider").put("roles", new JsonArray().add("project-viewer"))).json();
    String kt = keyToken(key.getString("secret"));
    assertThat(introspect(kt).getJsonArray("roles").getList()).containsExactly("project-viewer");
    // the creator's platform-wide grants, capped to reading projects
    String project = api.post(PROJECTS, token, new JsonObject().put("organizationId", "provider")).json().getString("id");
    assertThat(api.get(PROJECTS + "/" + project, kt).status()).isEqualTo(200);
    assertThat(api.delete(PROJECTS + "/" + project, kt).status()).isEqualTo(403);
    assertThat(api.get(ORGS + "/provider", kt).status()).isEqualTo(404);
    assertThat(api.post(ORGS, kt, new JsonObject().put("id", unique("nope"))).status()).isEqualTo(403);
    assertThat(api.post(PROJECTS, kt, new JsonObject().put("organizationId", "provider")).status()).isEqualTo(403);
    // narrowing away every role leaves a token that may do nothing
    Res narrowed = mintJson(new JsonObject().put("grant_type", "api_key").put("api_key", key.getString("secret"))
        .put("scope_narrowing", new JsonObject().put("roles", new JsonArray())));
    assertThat(narrowed.status()).as(narrowed.body()).isEqualTo(200);
    String nt = narrowed.json().getString("access_token");
    assertThat(introspect(nt).getJsonArray("roles").getList()).isEmpty();
    assertThat(api.get(ORGS, nt).json().getJsonArray("organizations")).isEmpty();
    assertThat(api.get(ORGS + "/provider", nt).status()).isEqualTo(404);
    assertThat(api.post(PROJECTS, nt, new JsonObject().put("organizationId", "provider")).status()).isEqualTo(403);
    assertThat(api.get(PROJECTS + "/" + project, nt).status()).isEqualTo(404);
  }

  @Test
  void rotationWithAndWithoutGrace() throws Exception {
    JsonObject key = api.post(KEYS, token, new JsonObject().put("displayName", "rotating").put("scope", "organization")
        .put("scopeId", "provider")).json();
    String id = key.getString("id");
    String first = key.getString("secret");
    Res r1 = checked("rotateApiKey", api.post(KEYS + "/" + id + ":rotate", token, new JsonObject()));
    assertThat(r1.status()).as(r1.body()).isEqualTo(200);
    String second = r1.json().getString("secret");
    assertThat(second).isNotEqualTo(first).startsWith("plt_sk_" + id + "_");
    assertThat(mint("grant_type=api_key&api_key=" + Api.enc(first)).status()).isEqualTo(400);
    keyToken(second);
    assertThat(r1.json().getString("lastRotatedAt")).isNotNull();

    Res r2 = checked("rotateApiKey", api.post(KEYS + "/" + id + ":rotate", token,
        new JsonObject().put("gracePeriodSeconds", 2)));
    String third = r2.json().getString("secret");
    Instant until = Instant.parse(r2.json().getString("previousSecretExpiresAt"));
    assertThat(until).isAfter(Instant.now());
    keyToken(second);
    keyToken(third);
    Thread.sleep(Math.max(0, until.toEpochMilli() - System.currentTimeMillis()) + 200);
    assertThat(mint("grant_type=api_key&api_key=" + Api.enc(second)).status()).isEqualTo(400);
    assertThat(mint("grant_type=api_key&api_key=" + Api.enc(first)).status()).isEqualTo(400);
    keyToken(third);
    assertThat(api.post(KEYS + "/" + id + ":rotate", token, new JsonObject().put("gracePeriodSeconds", 301)).status())
        .isEqualTo(400);
    Res bare = api.send("POST", KEYS + "/" + id + ":rotate", null, "Authorization", "Bearer " + token);
    assertThat(bare.status()).as(bare.body()).isEqualTo(200);
    assertThat(api.patch(KEYS + "/" + id, token, new JsonObject().put("status", "disabled")).status()).isEqualTo(200);
    assertThat(api.post(KEYS + "/" + id + ":rotate", token, new JsonObject()).status()).isEqualTo(409);
  }

  @Test
  void expiredKeysAreTerminal() throws Exception {
    Res created = api.post(KEYS, token, new JsonObject().put("displayName", "short").put("scope", "organization")
        .put("scopeId", "provider").put("expiresAt", Instant.now().plusMillis(1200).toString()));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getString("id");
    String kt = keyToken(created.json().getString("secret"));
    Thread.sleep(1400);
    assertThat(api.get(KEYS + "/" + id, token).json().getString("status")).isEqualTo("expired");
    assertThat(introspect(kt)).isEqualTo(INACTIVE);
    assertThat(mint("grant_type=api_key&api_key=" + Api.enc(created.json().getString("secret"))).status()).isEqualTo(400);
    assertThat(api.patch(KEYS + "/" + id, token, new JsonObject().put("status", "active")).status()).isEqualTo(409);
    assertThat(api.get(KEYS + "?status=expired", token).json().getJsonArray("apiKeys").stream()
        .map(o -> ((JsonObject) o).getString("id"))).contains(id);
  }

  @Test
  void scopeNarrowingOnlyNarrows() {
    String org = unique("org");
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org)).status()).isEqualTo(201);
    String project = unique("proj");
    assertThat(api.post(PROJECTS, token, new JsonObject().put("id", project).put("organizationId", org)).status())
        .isEqualTo(201);
    String foreignProject = unique("proj");
    assertThat(api.post(PROJECTS, token, new JsonObject().put("id", foreignProject).put("organizationId", "provider"))
        .status()).isEqualTo(201);
    JsonObject sa = createAccount(org, "compute-viewer", "project-viewer");
    String secret = createCredential(sa.getString("id")).getString("clientSecret");
    JsonObject grant = new JsonObject().put("grant_type", "client_credentials").put("client_id", sa.getString("clientId"))
        .put("client_secret", secret);

    Res ok = mintJson(grant.copy().put("scope_narrowing", new JsonObject().put("scope", "project")
        .put("scopeId", project).put("roles", new JsonArray().add("project-viewer"))));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    JsonObject in = introspect(ok.json().getString("access_token"));
    assertThat(in.getString("scope")).isEqualTo("project");
    assertThat(in.getString("scope_id")).isEqualTo(project);
    assertThat(in.getJsonArray("roles").getList()).containsExactly("project-viewer");

    // the same through a form body
    Res form = mint("grant_type=client_credentials&client_id=" + Api.enc(sa.getString("clientId")) + "&client_secret="
        + Api.enc(secret) + "&scope_narrowing=" + Api.enc(new JsonObject().put("roles",
        new JsonArray().add("compute-viewer")).encode()));
    assertThat(form.status()).as(form.body()).isEqualTo(200);

    for (JsonObject wider : List.of(
        new JsonObject().put("roles", new JsonArray().add("org-admin")),
        new JsonObject().put("roles", new JsonArray().add("no-such-role")),
        new JsonObject().put("scope", "project").put("scopeId", foreignProject),
        new JsonObject().put("scope", "project").put("scopeId", "no-such-project"),
        new JsonObject().put("scope", "organization").put("scopeId", "provider"),
        new JsonObject().put("scope", "folder").put("scopeId", "f"))) {
      Res r = mintJson(grant.copy().put("scope_narrowing", wider));
      assertThat(r.status()).as(wider.encode()).isEqualTo(400);
      assertThat(r.json().getString("error")).as(wider.encode()).isEqualTo("invalid_scope");
    }
    for (Object malformed : List.of("x", new JsonObject().put("scopeId", project), new JsonObject().put("scope", "project"),
        new JsonObject().put("extra", 1), new JsonObject().put("roles", "project-viewer"))) {
      Res r = mintJson(grant.copy().put("scope_narrowing", malformed));
      assertThat(r.status()).as(String.valueOf(malformed)).isEqualTo(400);
      assertThat(r.json().getString("error")).isEqualTo("invalid_request");
    }
    // a project-scoped token cannot be widened back to its organization
    JsonObject projectSa = api.post(SAS, token, new JsonObject().put("displayName", "p").put("scope", "project")
        .put("scopeId", project)).json();
    String ps = createCredential(projectSa.getString("id")).getString("clientSecret");
    Res widen = mintJson(new JsonObject().put("grant_type", "client_credentials").put("client_id",
        projectSa.getString("clientId")).put("client_secret", ps).put("scope_narrowing",
        new JsonObject().put("scope", "organization").put("scopeId", org)));
    assertThat(widen.json().getString("error")).isEqualTo("invalid_scope");
  }

  @Test
  void tokensStaySmallWhateverTheRoles() {
    List<String> roles = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      String id = unique("role-" + i + "-" + "x".repeat(40));
      Res r = api.post("/v1/regions/global/iam/roles", token, new JsonObject().put("id", id).put("orgId", "provider")
          .put("displayName", "R").put("permissions", new JsonArray().add("compute.clusters.get")));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      roles.add(id);
    }
    JsonObject sa = createAccount("provider", roles.toArray(String[]::new));
    String t = clientToken(sa.getString("clientId"), createCredential(sa.getString("id")).getString("clientSecret"));
    assertThat(t.length()).isLessThan(1024);
    assertThat(introspect(t).getJsonArray("roles").getList()).containsExactlyInAnyOrderElementsOf(roles);
  }

  @Test
  void lastUseIsRecordedInBatches() throws Exception {
    JsonObject sa = createAccount("provider");
    JsonObject cred = createCredential(sa.getString("id"));
    assertThat(cred.containsKey("lastUsedAt")).isFalse();
    clientToken(sa.getString("clientId"), cred.getString("clientSecret"));
    String path = SAS + "/" + sa.getString("id") + "/credentials/" + cred.getString("id");
    JsonObject seen = null;
    for (int i = 0; i < 40 && (seen == null || !seen.containsKey("lastUsedAt")); i++) {
      Thread.sleep(250);
      seen = api.get(path, token).json();
    }
    assertThat(seen.getString("lastUsedAt")).isNotNull()
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z"); // milliseconds at most
    assertThat(seen.getString("lastUsedIp")).isEqualTo("127.0.0.1");
  }

  /** A token of a new service account of {@code org} with {@code roles}, narrowed by {@code narrowing} (or not). */
  String accountToken(String org, JsonObject narrowing, String... roles) {
    JsonObject sa = createAccount(org, roles);
    String secret = createCredential(sa.getString("id")).getString("clientSecret");
    JsonObject grant = new JsonObject().put("grant_type", "client_credentials").put("client_id", sa.getString("clientId"))
        .put("client_secret", secret);
    if (narrowing != null) {
      grant.put("scope_narrowing", narrowing);
    }
    Res r = mintJson(grant);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("access_token");
  }

  @Test
  void aKeyNeverReachesBeyondTheTokenThatCreatedIt() {
    String org = unique("org");
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org)).status()).isEqualTo(201);
    String project = unique("proj");
    assertThat(api.post(PROJECTS, token, new JsonObject().put("id", project).put("organizationId", org)).status())
        .isEqualTo(201);
    JsonObject orgKey = new JsonObject().put("displayName", "k").put("scope", "organization").put("scopeId", org);

    // narrowed to no roles: cannot make a key (which would otherwise mirror all the creator's roles)
    String none = accountToken(org, new JsonObject().put("roles", new JsonArray()), "compute-viewer", "iam-admin");
    assertThat(api.post(KEYS, none, orgKey).status()).isEqualTo(403);
    // narrowed to one role: the key's ceiling is that role
    String one = accountToken(org, new JsonObject().put("roles", new JsonArray().add("iam-admin")), "compute-viewer", "iam-admin");
    Res k = api.post(KEYS, one, orgKey);
    assertThat(k.status()).as(k.body()).isEqualTo(201);
    assertThat(k.json().getJsonArray("roles").getList()).containsExactly("iam-admin");
    assertThat(introspect(keyToken(k.json().getString("secret"))).getJsonArray("roles").getList())
        .containsExactly("iam-admin");
    // narrowed to a role without iam.apikeys.create: no key at all
    String viewer = accountToken(org, new JsonObject().put("roles", new JsonArray().add("compute-viewer")), "compute-viewer", "iam-admin");
    assertThat(api.post(KEYS, viewer, orgKey).status()).isEqualTo(403);
    // not narrowed: the key mirrors the creator
    String full = accountToken(org, null, "compute-viewer", "iam-admin");
    Res mirror = api.post(KEYS, full, orgKey);
    assertThat(mirror.json().getJsonArray("roles").getList()).isEmpty();
    assertThat(introspect(keyToken(mirror.json().getString("secret"))).getJsonArray("roles").getList())
        .containsExactlyInAnyOrder("compute-viewer", "iam-admin");
    // narrowed to a project: keys for that project only
    String inProject = accountToken(org, new JsonObject().put("scope", "project").put("scopeId", project), "compute-viewer", "iam-admin");
    Res wide = api.post(KEYS, inProject, orgKey);
    assertThat(wide.status()).isEqualTo(400);
    assertThat(api.post(KEYS, inProject, new JsonObject().put("displayName", "p").put("scope", "project")
        .put("scopeId", project)).status()).isEqualTo(201);
    // another organization's project and a missing one read the same
    Res foreign = api.post(KEYS, full, new JsonObject().put("displayName", "f").put("scope", "organization")
        .put("scopeId", "provider"));
    Res missing = api.post(KEYS, full, new JsonObject().put("displayName", "f").put("scope", "project")
        .put("scopeId", "no-such-project"));
    assertThat(foreign.status()).isEqualTo(400);
    assertThat(missing.status()).isEqualTo(400);

    // a key's own token cannot lift its ceiling, or change or delete keys at all
    String kt = keyToken(k.json().getString("secret"));
    String kid = k.json().getString("id");
    assertThat(api.patch(KEYS + "/" + kid, kt, new JsonObject().put("roles", new JsonArray())).status()).isEqualTo(403);
    assertThat(api.patch(KEYS + "/" + kid, kt, new JsonObject().put("status", "disabled")).status()).isEqualTo(403);
    assertThat(api.delete(KEYS + "/" + kid, kt).status()).isEqualTo(403);
    assertThat(api.get(KEYS + "/" + kid, kt).status()).isEqualTo(200);
  }

  @Test
  void aRecreatedKeyDoesNotReviveTheOldKeysTokensEvenWithinTheSameSecond() {
    for (int i = 0; i < 3; i++) {
      JsonObject body = new JsonObject().put("id", unique("fast")).put("displayName", "again").put("scope", "organization")
          .put("scopeId", "provider");
      String old = keyToken(api.post(KEYS, token, body).json().getString("secret"));
      assertThat(api.delete(KEYS + "/" + body.getString("id"), token).status()).isEqualTo(204);
      assertThat(api.post(KEYS, token, body).status()).isEqualTo(201);
      assertThat(introspect(old)).isEqualTo(INACTIVE);
    }
  }

  @Test
  void aNarrowedTokenCannotReachItsCreatorsWiderKeysOrPowers() {
    String keyId = api.post(KEYS, token, new JsonObject().put("displayName", "wide").put("scope", "organization")
        .put("scopeId", "provider")).json().getString("id");
    String project = unique("proj");
    assertThat(api.post(PROJECTS, token, new JsonObject().put("id", project).put("organizationId", "provider")).status())
        .isEqualTo(201);
    for (JsonObject narrowing : List.of(new JsonObject().put("roles", new JsonArray()),
        new JsonObject().put("scope", "project").put("scopeId", project).put("roles", new JsonArray().add("org-admin")))) {
      Res r = mintJson(new JsonObject().put("grant_type", "client_credentials").put("client_id", TestNode.CLIENT_ID)
          .put("client_secret", TestNode.CLIENT_SECRET).put("scope_narrowing", narrowing));
      String nt = r.json().getString("access_token");
      assertThat(api.post(KEYS + "/" + keyId + ":rotate", nt, new JsonObject()).status()).as(narrowing.encode())
          .isEqualTo(403);
      assertThat(api.patch(KEYS + "/" + keyId, nt, new JsonObject().put("roles", new JsonArray())).status())
          .isEqualTo(403);
      assertThat(api.delete(KEYS + "/" + keyId, nt).status()).isEqualTo(403);
      // a project-scoped token is no platform administrator
      assertThat(api.post(ORGS, nt, new JsonObject().put("id", unique("evil"))).status()).isEqualTo(403);
    }
  }

  @Test
  void deletingAnAccountDeletesItsApiKeys() {
    JsonObject sa = createAccount("provider", "compute-viewer", "iam-admin");
    String secret = createCredential(sa.getString("id")).getString("clientSecret");
    String st = clientToken(sa.getString("clientId"), secret);
    Res key = api.post(KEYS, st, new JsonObject().put("displayName", "mine").put("scope", "organization")
        .put("scopeId", "provider"));
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    assertThat(api.delete(SAS + "/" + sa.getString("id"), token).status()).isEqualTo(204);
    assertThat(api.get(KEYS + "/" + key.json().getString("id"), token).status()).isEqualTo(404);
    // the same id again: a new account that finds none of the old one's keys
    Res again = api.post(SAS, token, new JsonObject().put("id", sa.getString("id")).put("displayName", "again")
        .put("scope", "organization").put("scopeId", "provider"));
    assertThat(again.status()).isEqualTo(201);
    String st2 = clientToken(again.json().getString("clientId"), createCredential(sa.getString("id")).getString("clientSecret"));
    assertThat(api.get(KEYS, st2).json().getJsonArray("apiKeys")).isEmpty();
    assertThat(mint("grant_type=api_key&api_key=" + Api.enc(key.json().getString("secret"))).status()).isEqualTo(400);
  }

  @Test
  void aRecreatedKeyDoesNotReviveTheOldKeysTokens() throws Exception {
    JsonObject body = new JsonObject().put("id", unique("key")).put("displayName", "again").put("scope", "organization")
        .put("scopeId", "provider");
    Res first = api.post(KEYS, token, body);
    String old = keyToken(first.json().getString("secret"));
    assertThat(api.delete(KEYS + "/" + body.getString("id"), token).status()).isEqualTo(204);
    assertThat(introspect(old)).isEqualTo(INACTIVE);
    Thread.sleep(1100); // a later second than the old token's iat
    Res again = api.post(KEYS, token, body);
    assertThat(again.status()).isEqualTo(201);
    assertThat(introspect(old)).isEqualTo(INACTIVE);
    assertThat(api.get(ORGS, old).status()).isEqualTo(401);
    assertThat(introspect(keyToken(again.json().getString("secret"))).getBoolean("active")).isTrue();
  }

  @Test
  void clientAuthenticationWithTheApiKeyGrantMustSucceedWhenSent() {
    String secret = api.post(KEYS, token, new JsonObject().put("displayName", "k").put("scope", "organization")
        .put("scopeId", "provider")).json().getString("secret");
    Res wrong = api.send("POST", TOKEN, "grant_type=api_key&api_key=" + Api.enc(secret), "Content-Type",
        "application/x-www-form-urlencoded", "Authorization", basic(TestNode.CLIENT_ID, "wrong"));
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.json().getString("error")).isEqualTo("invalid_client");
    Res right = api.send("POST", TOKEN, "grant_type=api_key&api_key=" + Api.enc(secret), "Content-Type",
        "application/x-www-form-urlencoded", "Authorization", basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
    assertThat(right.status()).isEqualTo(200);
    Res echo = mint("grant_type=" + "x".repeat(5000));
    assertThat(echo.status()).isEqualTo(400);
    assertThat(echo.json().getString("error")).isEqualTo("unsupported_grant_type");
    assertThat(echo.body().length()).isLessThan(300);
    String big = "r".repeat(100_000);
    Res repeated = mint(big + "=1&" + big + "=2&grant_type=client_credentials");
    assertThat(repeated.status()).isEqualTo(400);
    assertThat(repeated.body().length()).isLessThan(300);
    Res bigRole = mintJson(new JsonObject().put("grant_type", "client_credentials").put("client_id", TestNode.CLIENT_ID)
        .put("client_secret", TestNode.CLIENT_SECRET).put("scope_narrowing", new JsonObject().put("roles",
            new JsonArray().add(big))));
    assertThat(bigRole.json().getString("error")).isEqualTo("invalid_scope");
    assertThat(bigRole.body().length()).isLessThan(300);
  }

  @Test
  void anotherOrganizationsTokenIsNeitherShownNorRevoked() {
    String org = unique("org");
    assertThat(api.post(ORGS, token, new JsonObject().put("id", org)).status()).isEqualTo(201);
    String stranger = accountToken(org, null);
    Res r = api.send("POST", REVOKE, new JsonObject().put("token", token).encode(), "Content-Type", "application/json",
        "Authorization", "Bearer " + stranger);
    assertThat(r.status()).isEqualTo(200);
    assertThat(introspect(token).getBoolean("active")).isTrue();
  }

  @Test
  void nulAndOtherUnstorableCharactersAre4xxNever5xx() {
    for (String form : List.of(
        "grant_type=client_credentials&client_id=ci%40acme.iam&client_secret=plt_cs_a%00b_c",
        "grant_type=api_key&api_key=plt_sk_a%00b_c",
        "grant_type=client_credentials&client_id=c%00i&client_secret=plt_cs_x_y")) {
      Res r = mint(form);
      assertThat(r.status()).as(form).isBetween(400, 499);
    }
    Res narrowing = mintJson(new JsonObject().put("grant_type", "client_credentials").put("client_id", TestNode.CLIENT_ID)
        .put("client_secret", TestNode.CLIENT_SECRET).put("scope_narrowing", new JsonObject().put("scope", "project")
            .put("scopeId", "a\u0000b")));
    assertThat(narrowing.status()).isEqualTo(400);
    assertThat(narrowing.json().getString("error")).isEqualTo("invalid_request");
    assertThat(api.get(KEYS + "?createdBy=a%00b", token).status()).isEqualTo(400);
    assertThat(api.get(SAS + "?scopeId=a%00b", token).status()).isEqualTo(400);
    Res sa = api.post(SAS, token, new JsonObject().put("displayName", "nul").put("description", "a\u0000b")
        .put("scope", "organization").put("scopeId", "provider"));
    assertThat(sa.status()).isEqualTo(400);
  }
}
