package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.auth.RoleSets;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The token endpoint (RFC 6749 §4.4, both body encodings, Basic and body client authentication, OAuth
 * errors) and bearer-token checking on API routes (RFC 6750 §3: every bad token is a 401 with
 * {@code WWW-Authenticate}, none a 5xx).
 */
class AuthHttpTest extends NodeHttpTest {

  static final String TOKEN = "/v1/regions/global/auth/token";

  private Res form(String body, String... headers) {
    String[] h = new String[2 + headers.length];
    h[0] = "Content-Type";
    h[1] = "application/x-www-form-urlencoded";
    System.arraycopy(headers, 0, h, 2, headers.length);
    return api.send("POST", TOKEN, body, h);
  }

  private static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((Api.enc(id) + ":" + Api.enc(secret))
        .getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject claims(String jwt) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  private static JsonObject header(String jwt) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]), StandardCharsets.UTF_8));
  }

  @Test
  void clientCredentialsFormWithSecretInBody() {
    Res r = form("grant_type=client_credentials&client_id=" + Api.enc(TestNode.CLIENT_ID) + "&client_secret="
        + Api.enc(TestNode.CLIENT_SECRET));
    assertThat(r.status()).isEqualTo(200);
    CONTRACT.assertValid("mintToken", 200, r.body());
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    assertThat(r.json().getString("token_type")).isEqualTo("Bearer");
    assertThat(r.json().getInteger("expires_in")).isEqualTo(900);
    String jwt = r.json().getString("access_token");
    assertThat(jwt.length()).isLessThan(1024);
    JsonObject h = header(jwt);
    assertThat(h.getString("typ")).isEqualTo("at+jwt");
    assertThat(h.getString("alg")).isEqualTo("ES256");
    assertThat(h.getString("kid")).isNotBlank();
    JsonObject c = claims(jwt);
    assertThat(c.getString("iss")).isEqualTo(node.node().issuer());
    assertThat(c.getValue("aud").toString()).contains("k0rdent-api");
    assertThat(c.getString("sub")).isEqualTo(TestNode.CLIENT_ID);
    assertThat(c.getString("client_id")).isEqualTo(TestNode.CLIENT_ID);
    assertThat(c.getString("principal_type")).isEqualTo("service_account");
    assertThat(c.getString("tenant_id")).isEqualTo("provider");
    assertThat(c.getString("scope")).isEqualTo("organization");
    assertThat(c.getString("scope_id")).isEqualTo("provider");
    assertThat(c.getLong("exp") - c.getLong("iat")).isEqualTo(900);
    assertThat(UUID.fromString(c.getString("jti"))).isNotNull();
    assertThat(api.get(ORGS, jwt).status()).isEqualTo(200);
  }

  @Test
  void clientCredentialsWithBasicAndJson() {
    Res r = form("grant_type=client_credentials", "Authorization", basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
    assertThat(r.status()).isEqualTo(200);
    Res j = api.send("POST", TOKEN, new JsonObject().put("grant_type", "client_credentials")
        .put("client_id", TestNode.CLIENT_ID).put("client_secret", TestNode.CLIENT_SECRET).encode(),
        "Content-Type", "application/json");
    assertThat(j.status()).isEqualTo(200);
    CONTRACT.assertValid("mintToken", 200, j.body());
    Res jb = api.send("POST", TOKEN, "{\"grant_type\":\"client_credentials\"}", "Content-Type", "application/json",
        "Authorization", basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
    assertThat(jb.status()).isEqualTo(200);
  }

  @Test
  void oauthErrors() {
    Res wrong = form("grant_type=client_credentials&client_id=" + Api.enc(TestNode.CLIENT_ID) + "&client_secret=nope");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.json().getString("error")).isEqualTo("invalid_client");
    assertThat(wrong.header("WWW-Authenticate")).startsWith("Basic");
    assertThat(wrong.header("Cache-Control")).isEqualTo("no-store");

    Res unknown = form("grant_type=client_credentials", "Authorization", basic("nobody", "x"));
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.json().getString("error")).isEqualTo("invalid_client");

    Res none = form("grant_type=client_credentials");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().getString("error")).isEqualTo("invalid_client");

    Res both = form("grant_type=client_credentials&client_secret=" + Api.enc(TestNode.CLIENT_SECRET),
        "Authorization", basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
    assertThat(both.status()).isEqualTo(400);
    assertThat(both.json().getString("error")).isEqualTo("invalid_request");

    Res grant = form("grant_type=password&username=a&password=b");
    assertThat(grant.status()).isEqualTo(400);
    assertThat(grant.json().getString("error")).isEqualTo("unsupported_grant_type");

    Res missing = form("client_id=a");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().getString("error")).isEqualTo("invalid_request");

    Res repeated = form("grant_type=client_credentials&grant_type=client_credentials");
    assertThat(repeated.json().getString("error")).isEqualTo("invalid_request");

    Res badJson = api.send("POST", TOKEN, "{\"grant_type\":", "Content-Type", "application/json");
    assertThat(badJson.status()).isEqualTo(400);
    assertThat(badJson.json().getString("error")).isEqualTo("invalid_request");

    Res wrongType = api.send("POST", TOKEN, "grant_type=client_credentials", "Content-Type", "text/plain");
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.json().getString("error")).isEqualTo("invalid_request");

    Res numeric = api.send("POST", TOKEN, "{\"grant_type\":5}", "Content-Type", "application/json");
    assertThat(numeric.json().getString("error")).isEqualTo("invalid_request");

    Res duplicate = api.send("POST", TOKEN, "{\"grant_type\":\"password\",\"grant_type\":\"client_credentials\","
        + "\"client_id\":\"" + TestNode.CLIENT_ID + "\",\"client_secret\":\"" + TestNode.CLIENT_SECRET + "\"}",
        "Content-Type", "application/json");
    assertThat(duplicate.status()).isEqualTo(400);
    assertThat(duplicate.json().getString("error")).isEqualTo("invalid_request");

    Res extra = api.send("POST", TOKEN, new JsonObject().put("grant_type", "client_credentials")
        .put("client_id", TestNode.CLIENT_ID).put("client_secret", TestNode.CLIENT_SECRET)
        .put("audience_hint", new JsonObject().put("x", 1)).encode(), "Content-Type", "application/json");
    assertThat(extra.status()).as("unknown parameters are ignored (RFC 6749 3.2)").isEqualTo(200);

    Res badForm = form("grant_type=client_credentials&x=%zz");
    assertThat(badForm.status()).isEqualTo(400);
    assertThat(badForm.json().getString("error")).isEqualTo("invalid_request");
    Res huge = api.send("POST", TOKEN, "grant_type=" + "x".repeat(1024 * 1024 + 1),
        "Content-Type", "application/x-www-form-urlencoded");
    assertThat(huge.status()).isEqualTo(413);
    assertThat(huge.json().getString("error")).isEqualTo("invalid_request");
    Res overlong = api.sendBytes("POST", TOKEN, ("{\"grant_type\":\"client_credentials\",\"x\":\"\u00c0\u00af\"}")
        .getBytes(StandardCharsets.ISO_8859_1), "Content-Type", "application/json");
    assertThat(overlong.status()).isEqualTo(400);
    assertThat(overlong.json().getString("error")).isEqualTo("invalid_request");

    Res scope = form("grant_type=client_credentials&scope=admin", "Authorization",
        basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
    assertThat(scope.status()).isEqualTo(400);
    assertThat(scope.json().getString("error")).isEqualTo("invalid_scope");
  }

  private void assertInvalidToken(String authorization) {
    Res r = authorization == null ? api.send("GET", ORGS, null) : api.send("GET", ORGS, null, "Authorization", authorization);
    assertThat(r.status()).as(authorization).isEqualTo(401);
    CONTRACT.assertValid("listOrganizations", 401, r.body());
    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
    if (authorization != null && authorization.startsWith("Bearer ")) {
      assertThat(r.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    }
  }

  private String sign(ECKey key, JOSEObjectType typ, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(typ).keyID(key.getKeyID()).build(),
        claims);
    jwt.sign(new ECDSASigner(key));
    // our verifier accepts only the low-S form of an ECDSA signature (CanonicalJws), as our issuer signs
    String[] p = jwt.serialize().split("\\.");
    byte[] rs = Base64.getUrlDecoder().decode(p[2]);
    java.math.BigInteger n = com.nimbusds.jose.jwk.Curve.P_256.toECParameterSpec().getOrder();
    java.math.BigInteger sv = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(rs, 32, 64));
    if (sv.compareTo(n.shiftRight(1)) > 0) {
      byte[] low = n.subtract(sv).toByteArray();
      java.util.Arrays.fill(rs, 32, 64, (byte) 0);
      int len = Math.min(low.length, 32);
      System.arraycopy(low, low.length - len, rs, 64 - len, len);
    }
    return p[0] + "." + p[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rs);
  }

  private JWTClaimsSet.Builder goodClaims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder().issuer(node.node().issuer()).audience("k0rdent-api")
        .subject(TestNode.CLIENT_ID).claim("client_id", TestNode.CLIENT_ID).issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300))).jwtID(UUID.randomUUID().toString())
        .claim("principal_type", "service_account").claim("tenant_id", "provider")
        .claim("scope", "organization").claim("scope_id", "provider")
        .claim("credential_id", io.k0rdent.api.verticles.Node.BOOTSTRAP_CREDENTIAL_ID)
        .claim("role_set", RoleSets.idOf(List.of("admin")));
  }

  @Test
  void everyBadBearerTokenIs401() throws Exception {
    ECKey ours = node.node().services().signingKeys().current();
    ECKey stranger = ECKey.parse(SigningKeys.generateJwk());
    String good = sign(ours, AccessTokenIssuer.TYPE, goodClaims().build());
    assertThat(api.get(ORGS, good).status()).isEqualTo(200);

    assertInvalidToken(null);
    assertInvalidToken("Basic " + Base64.getEncoder().encodeToString("a:b".getBytes()));
    assertInvalidToken("Bearer ");
    assertInvalidToken("Bearer not.a.jwt");
    assertInvalidToken("Bearer " + good.substring(0, good.length() - 10));
    String[] parts = good.split("\\.");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
        goodClaims().subject("someone-else").build().toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertInvalidToken("Bearer " + tampered);
    assertInvalidToken("Bearer " + new PlainJWT(goodClaims().build()).serialize());
    String noneAlg = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"alg\":\"none\",\"typ\":\"at+jwt\"}".getBytes()) + "." + parts[1] + ".";
    assertInvalidToken("Bearer " + noneAlg);
    assertInvalidToken("Bearer " + sign(stranger, AccessTokenIssuer.TYPE, goodClaims().build()));
    assertInvalidToken("Bearer " + sign(ours, new JOSEObjectType("JWT"), goodClaims().build()));
    Instant past = Instant.now().minusSeconds(3600);
    assertInvalidToken("Bearer " + sign(ours, AccessTokenIssuer.TYPE, goodClaims().issueTime(Date.from(past))
        .expirationTime(Date.from(past.plusSeconds(900))).build()));
    assertInvalidToken("Bearer " + sign(ours, AccessTokenIssuer.TYPE, goodClaims().issuer("https://evil").build()));
    assertInvalidToken("Bearer " + sign(ours, AccessTokenIssuer.TYPE, goodClaims().audience("other").build()));
    assertInvalidToken("Bearer " + sign(ours, AccessTokenIssuer.TYPE,
        goodClaims().notBeforeTime(Date.from(Instant.now().plusSeconds(3600))).build()));
    SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(AccessTokenIssuer.TYPE)
        .keyID(ours.getKeyID()).build(), goodClaims().build());
    hs.sign(new MACSigner(ours.toPublicJWK().toJSONString().repeat(2).getBytes(StandardCharsets.UTF_8)));
    assertInvalidToken("Bearer " + hs.serialize());
    SignedJWT badKid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(AccessTokenIssuer.TYPE)
        .keyID("../../etc/passwd' OR 1=1 --").build(), goodClaims().build());
    badKid.sign(new ECDSASigner(ours));
    assertInvalidToken("Bearer " + badKid.serialize());
    assertInvalidToken("Bearer " + "a".repeat(8200));
    assertInvalidToken("Bearer");
    assertThat(api.send("GET", ORGS, null, "Authorization", "Bearer " + "a".repeat(20000)).status()).isEqualTo(431);
  }

  @Test
  void tokensOfAnUnknownPrincipalAreRefused() throws Exception {
    // Validly signed, but no credential or account stands behind it: not active, so 401, not 403.
    String other = new AccessTokenIssuer(node.node().services().signingKeys(), node.node().issuer(), "k0rdent-api",
        Duration.ofMinutes(5)).issue(new AccessTokenIssuer.Claims("someone@acme.iam", PrincipalType.SERVICE_ACCOUNT,
        "someone@acme.iam", "acme", "organization", "acme", "cred-nobody", RoleSets.idOf(List.of("admin"))),
        Instant.now()).token();
    Res r = api.get(ORGS, other);
    assertThat(r.status()).isEqualTo(401);
    CONTRACT.assertValid("listOrganizations", 401, r.body());
    assertThat(api.post(ORGS, other, new JsonObject().put("id", "sneaky")).status()).isEqualTo(401);
    assertThat(api.get(ORGS + "/sneaky", node.token()).status()).isEqualTo(404);
  }

  @Test
  void anAdministratorWithoutTheAdminRoleInItsTokenIsDenied() {
    // A configured client without roles: it holds nothing.
    String id = "no-roles-" + java.util.UUID.randomUUID().toString().substring(0, 6) + "@provider.iam";
    String secret = "plt_cs_cred-noroles_" + "y".repeat(40);
    var services = node.node().services();
    services.clients().register(new io.k0rdent.api.core.auth.ClientRegistry.Client(id, services.iam().hasher().hash(secret),
        id, PrincipalType.SERVICE_ACCOUNT, "provider", "organization", "provider", "cred-noroles", List.of()));
    String t = api.clientCredentialsToken(id, secret);
    Res r = api.get(ORGS, t);
    assertThat(r.status()).isEqualTo(403);
    CONTRACT.assertValid("listOrganizations", 403, r.body());
  }

  @Test
  void discoveryAndJwksAreOpen() {
    Res meta = api.send("GET", "/.well-known/oauth-authorization-server", null);
    assertThat(meta.status()).isEqualTo(200);
    assertThat(meta.json().getString("issuer")).isEqualTo(node.node().issuer());
    assertThat(meta.json().getString("token_endpoint")).endsWith(TOKEN);
    assertThat(meta.json().getString("introspection_endpoint")).endsWith("/v1/regions/global/auth/introspect");
    assertThat(meta.json().getString("revocation_endpoint")).endsWith("/v1/regions/global/auth/revoke");
    assertThat(meta.json().getJsonArray("grant_types_supported").getList()).contains("client_credentials", "api_key");
    Res jwks = api.send("GET", "/.well-known/jwks.json", null);
    assertThat(jwks.status()).isEqualTo(200);
    List<?> keys = jwks.json().getJsonArray("keys").getList();
    assertThat(keys).hasSize(1);
    assertThat(jwks.body()).doesNotContain("\"d\"");
    Res alias = api.send("GET", "/v1/regions/global/auth/jwks", null);
    assertThat(alias.status()).isEqualTo(200);
    assertThat(alias.json()).isEqualTo(jwks.json());
    assertThat(api.send("GET", "/openapi.json", null).status()).isEqualTo(200);
  }
}
