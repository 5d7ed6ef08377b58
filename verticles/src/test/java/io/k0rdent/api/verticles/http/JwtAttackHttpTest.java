package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.AccessTokenVerifier;
import io.k0rdent.api.core.auth.Grant;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.auth.RoleSets;
import io.k0rdent.api.verticles.Node;
import io.k0rdent.api.verticles.contract.ContractSchemas;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * JWT attacks on the bearer-token check. Every forged, tampered, malformed or dead token is refused the
 * same way everywhere a token is read, and none answers a 5xx:
 * <ul>
 *   <li>as a bearer token on an API route: 401 with the contract's error envelope (reason
 *       {@code INVALID_TOKEN}) and {@code WWW-Authenticate: Bearer ..., error="invalid_token"};</li>
 *   <li>at introspection (caller: the bootstrap client by HTTP Basic, a platform administrator who may
 *       see every organization's tokens): 200 with exactly {@code {"active":false}};</li>
 *   <li>at revocation: 200 {@code {"revoked":true}} (RFC 7009 §2.2), and nothing breaks.</li>
 * </ul>
 * Forgeries that need a real signature are signed with the node's own key and a canonical (low-S)
 * signature, so that each differs from an acceptable token in exactly the one way its name says
 * ({@link #forgeryControl} proves the helper's unmodified token is accepted). Ends with the control: a
 * genuine token is active, and refused once revoked.
 */
class JwtAttackHttpTest extends NodeHttpTest {

  static final String INTROSPECT = "/v1/regions/global/auth/introspect";
  static final String REVOKE = "/v1/regions/global/auth/revoke";
  static final BigInteger N = Curve.P_256.toECParameterSpec().getOrder();
  /**
   * The contract plus RFC 7662's {@code client_id} and {@code token_type}, which our API document
   * declares for an active introspection answer and the upstream draft's ActiveIntrospectionResponse
   * does not (not yet among {@link ContractSchemas.Rules#ours()}).
   */
  static final ContractSchemas INTROSPECTION_CONTRACT = ContractSchemas.load(ContractSchemas.locateContract(),
      new ContractSchemas.Rules(Map.of("ActiveIntrospectionResponse", Map.of(
          "client_id", "{\"type\":\"string\"}",
          "token_type", "{\"type\":\"string\",\"enum\":[\"Bearer\"]}")), Map.of(), Map.of()));

  private ECKey ours;
  private String kid;
  private ECKey attacker;
  private String genuine;

  // ---------------------------------------------------------------------------------------------- helpers

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String b64(String text) {
    return b64(text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] unb64(String part) {
    return Base64.getUrlDecoder().decode(part);
  }

  private static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static String[] parts(String jwt) {
    return jwt.split("\\.", -1);
  }

  private static JsonObject json(String part) {
    return new JsonObject(new String(unb64(part), StandardCharsets.UTF_8));
  }

  /** The claims of a token the node would accept: the bootstrap account's, valid for five minutes. */
  private JWTClaimsSet.Builder goodClaims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder().issuer(node.node().issuer()).audience("k0rdent-api")
        .subject(TestNode.CLIENT_ID).claim("client_id", TestNode.CLIENT_ID).issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300))).jwtID(UUID.randomUUID().toString())
        .claim("principal_type", "service_account").claim("tenant_id", "provider")
        .claim("scope", "organization").claim("scope_id", "provider")
        .claim("credential_id", Node.BOOTSTRAP_CREDENTIAL_ID)
        .claim("role_set", RoleSets.idOf(List.of(Grant.PLATFORM_ADMIN.role())));
  }

  private JWSHeader.Builder goodHeader() {
    return new JWSHeader.Builder(JWSAlgorithm.ES256).type(AccessTokenIssuer.TYPE).keyID(kid);
  }

  /** An ES256 signature in its one canonical form: 64 bytes R || S with S ≤ n/2. */
  private static byte[] lowS(byte[] rs) {
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(rs, 32, 64));
    return s.compareTo(N.shiftRight(1)) <= 0 ? rs : withS(rs, N.subtract(s));
  }

  private static byte[] withS(byte[] rs, BigInteger s) {
    byte[] out = Arrays.copyOf(rs, 64);
    byte[] sb = s.toByteArray();
    Arrays.fill(out, 32, 64, (byte) 0);
    int len = Math.min(sb.length, 32);
    System.arraycopy(sb, sb.length - len, out, 64 - len, len);
    return out;
  }

  /** Signs with {@code signer}; ES256 signatures are made canonical (low S). */
  private static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(signer);
    String[] p = parts(jwt.serialize());
    String sig = header.getAlgorithm().equals(JWSAlgorithm.ES256) ? b64(lowS(unb64(p[2]))) : p[2];
    return p[0] + "." + p[1] + "." + sig;
  }

  private String signOurs(JWSHeader header, JWTClaimsSet claims) throws Exception {
    return sign(new ECDSASigner(ours), header, claims);
  }

  private String signOurs(JWTClaimsSet claims) throws Exception {
    return signOurs(goodHeader().build(), claims);
  }

  /** A compact JWS from raw header and payload JSON and signature bytes. */
  private static String compact(String headerJson, String payloadJson, byte[] sig) {
    return b64(headerJson) + "." + b64(payloadJson) + "." + (sig == null ? "" : b64(sig));
  }

  /** The genuine token with one of its three parts replaced. */
  private String withPart(int i, UnaryOperator<String> change) {
    String[] p = parts(genuine);
    p[i] = change.apply(p[i]);
    return String.join(".", p);
  }

  private String withJson(int i, UnaryOperator<JsonObject> change) {
    return withPart(i, part -> b64(change.apply(json(part)).encode()));
  }

  private static String insert(String s, int at, String what) {
    return s.substring(0, at) + what + s.substring(at);
  }

  private static String pem(byte[] der) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END PUBLIC KEY-----\n";
  }

  private String hmac(JWSAlgorithm alg, byte[] secret) throws Exception {
    return sign(new MACSigner(secret), new JWSHeader.Builder(alg).type(AccessTokenIssuer.TYPE).keyID(kid).build(),
        goodClaims().build());
  }

  // ------------------------------------------------------------------------------------------- checks

  private Res introspect(String token) {
    return api.send("POST", INTROSPECT, new JsonObject().put("token", token).encode(),
        "Content-Type", "application/json", "Authorization", basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
  }

  private Res revoke(String token) {
    return api.send("POST", REVOKE, new JsonObject().put("token", token).encode(),
        "Content-Type", "application/json", "Authorization", basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
  }

  /** Whether {@code token} can travel in an HTTP header at all (no control characters, ASCII only). */
  private static boolean headerSafe(String token) {
    return token.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c < 0x7f));
  }

  private void assertRefusedOnApi(String name, String token) {
    Res r = api.send("GET", ORGS, null, "Authorization", "Bearer " + token);
    assertThat(r.status()).as("%s on an API route: %s", name, r.body()).isEqualTo(401);
    CONTRACT.assertValid("listOrganizations", 401, r.body());
    assertThat(r.reason()).as(name).isEqualTo("INVALID_TOKEN");
    assertThat(r.header("WWW-Authenticate")).as(name).startsWith("Bearer ").contains("error=\"invalid_token\"");
  }

  private void assertInactive(String name, String token) {
    Res r = introspect(token);
    assertThat(r.status()).as("%s at introspection: %s", name, r.body()).isEqualTo(200);
    assertThat(r.body()).as(name).isEqualTo("{\"active\":false}");
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
  }

  private void assertRevokeAnswers200(String name, String token) {
    Res r = revoke(token);
    assertThat(r.status()).as("%s at revocation: %s", name, r.body()).isEqualTo(200);
    assertThat(r.json()).as(name).isEqualTo(new JsonObject().put("revoked", true));
  }

  /** The three checks; the bearer one only when the token can be sent in a header. */
  private void assertRefused(String name, String token) {
    if (headerSafe(token)) {
      assertRefusedOnApi(name, token);
    }
    assertInactive(name, token);
    assertRevokeAnswers200(name, token);
    // Still refused after the revocation call (which must not have turned it into anything else).
    if (headerSafe(token)) {
      assertRefusedOnApi(name + " (after revoke)", token);
    }
  }

  // -------------------------------------------------------------------------------------------- cases

  private Map<String, String> cases() throws Exception {
    ours = node.node().services().signingKeys().current();
    kid = ours.getKeyID();
    attacker = new ECKeyGenerator(Curve.P_256).keyID("attacker-" + UUID.randomUUID()).generate();
    genuine = node.token();
    String[] g = parts(genuine);
    JsonObject gh = json(g[0]);
    String payload = json(g[1]).encode();
    Map<String, String> c = new LinkedHashMap<>();

    // alg: none
    String noneHeader = new JsonObject().put("alg", "none").put("typ", "at+jwt").put("kid", kid).encode();
    c.put("alg none, empty signature", compact(noneHeader, payload, null));
    c.put("alg none, no signature part", b64(noneHeader) + "." + b64(payload));
    c.put("alg none, genuine signature kept", b64(noneHeader) + "." + g[1] + "." + g[2]);
    c.put("alg NONE (upper case), empty signature",
        compact(new JsonObject().put("alg", "NONE").put("typ", "at+jwt").put("kid", kid).encode(), payload, null));
    c.put("nimbus PlainJWT", new PlainJWT(goodClaims().build()).serialize());

    // Algorithm confusion: HMAC keyed with our public key in its usual encodings.
    byte[] der = ours.toECPublicKey().getEncoded();
    byte[] x = ours.getX().decode();
    byte[] y = ours.getY().decode();
    byte[] point = new byte[65];
    point[0] = 4;
    System.arraycopy(x, 0, point, 1 + 32 - x.length, x.length);
    System.arraycopy(y, 0, point, 33 + 32 - y.length, y.length);
    c.put("HS256 keyed with our public JWK JSON",
        hmac(JWSAlgorithm.HS256, ours.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
    c.put("HS256 keyed with the JWKS document",
        hmac(JWSAlgorithm.HS256, api.send("GET", "/.well-known/jwks.json", null).body().getBytes(StandardCharsets.UTF_8)));
    c.put("HS256 keyed with our public key PEM", hmac(JWSAlgorithm.HS256, pem(der).getBytes(StandardCharsets.US_ASCII)));
    c.put("HS256 keyed with our public key PEM, no trailing newline",
        hmac(JWSAlgorithm.HS256, pem(der).strip().getBytes(StandardCharsets.US_ASCII)));
    c.put("HS256 keyed with our public key DER", hmac(JWSAlgorithm.HS256, der));
    c.put("HS256 keyed with our raw public point", hmac(JWSAlgorithm.HS256, point));
    c.put("HS512 keyed with our public key PEM", hmac(JWSAlgorithm.HS512, pem(der).getBytes(StandardCharsets.US_ASCII)));

    // Other asymmetric algorithms under our kid.
    RSAKey rsa = new RSAKeyGenerator(2048).keyID(kid).generate();
    c.put("RS256 signed with an attacker RSA key under our kid",
        sign(new RSASSASigner(rsa), new JWSHeader.Builder(JWSAlgorithm.RS256).type(AccessTokenIssuer.TYPE).keyID(kid)
            .build(), goodClaims().build()));
    c.put("PS256 signed with an attacker RSA key under our kid",
        sign(new RSASSASigner(rsa), new JWSHeader.Builder(JWSAlgorithm.PS256).type(AccessTokenIssuer.TYPE).keyID(kid)
            .build(), goodClaims().build()));
    ECKey p384 = new ECKeyGenerator(Curve.P_384).keyID(kid).generate();
    c.put("ES384 signed with an attacker P-384 key under our kid",
        sign(new ECDSASigner(p384), new JWSHeader.Builder(JWSAlgorithm.ES384).type(AccessTokenIssuer.TYPE).keyID(kid)
            .build(), goodClaims().build()));
    var ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    String edInput = b64(new JsonObject().put("alg", "EdDSA").put("typ", "at+jwt").put("kid", kid).encode()) + "."
        + b64(goodClaims().build().toString());
    Signature edSig = Signature.getInstance("Ed25519");
    edSig.initSign(ed.getPrivate());
    edSig.update(edInput.getBytes(StandardCharsets.US_ASCII));
    c.put("EdDSA signed with an attacker Ed25519 key under our kid", edInput + "." + b64(edSig.sign()));
    c.put("ES512 header, our genuine signature",
        b64(gh.copy().put("alg", "ES512").encode()) + "." + g[1] + "." + g[2]);

    // kid
    c.put("unknown kid", signOurs(goodHeader().keyID(UUID.randomUUID().toString()).build(), goodClaims().build()));
    c.put("kid with path traversal", signOurs(goodHeader().keyID("../../../../../../etc/passwd").build(),
        goodClaims().build()));
    c.put("kid with path traversal to our kid", signOurs(goodHeader().keyID("../" + kid).build(), goodClaims().build()));
    c.put("kid with SQL", signOurs(goodHeader().keyID("' OR '1'='1' --").build(), goodClaims().build()));
    c.put("kid with SQL after our kid", signOurs(goodHeader().keyID(kid + "' OR 1=1 --").build(), goodClaims().build()));
    c.put("kid with a NUL after our kid", signOurs(goodHeader().keyID(kid + "\u0000").build(), goodClaims().build()));
    c.put("kid in upper case", signOurs(goodHeader().keyID(kid.toUpperCase()).build(), goodClaims().build()));
    c.put("missing kid", signOurs(goodHeader().keyID(null).build(), goodClaims().build()));
    c.put("kid as a number", b64(gh.copy().put("kid", 42).encode()) + "." + g[1] + "." + g[2]);

    // Key-carrying headers pointing at an attacker key, signed with that key.
    ECDSASigner evil = new ECDSASigner(attacker);
    c.put("jku to an attacker JWKS, attacker kid", sign(evil, goodHeader().keyID(attacker.getKeyID())
        .jwkURL(URI.create("https://attacker.example/jwks.json")).build(), goodClaims().build()));
    c.put("jku to an attacker JWKS, our kid", sign(evil, goodHeader()
        .jwkURL(URI.create("https://attacker.example/jwks.json")).build(), goodClaims().build()));
    c.put("x5u to an attacker certificate, our kid", sign(evil, goodHeader()
        .x509CertURL(URI.create("https://attacker.example/cert.pem")).build(), goodClaims().build()));
    c.put("embedded attacker jwk, no kid", sign(evil, goodHeader().keyID(null).jwk(attacker.toPublicJWK()).build(),
        goodClaims().build()));
    c.put("embedded attacker jwk, our kid", sign(evil, goodHeader().jwk(attacker.toPublicJWK()).build(),
        goodClaims().build()));
    c.put("signed with an attacker key under our kid", sign(evil, goodHeader().build(), goodClaims().build()));

    // Time claims
    Instant now = Instant.now();
    c.put("expired", signOurs(goodClaims().issueTime(Date.from(now.minusSeconds(3600)))
        .expirationTime(Date.from(now.minusSeconds(2700))).build()));
    c.put("expired a second ago", signOurs(goodClaims().issueTime(Date.from(now.minusSeconds(900)))
        .expirationTime(Date.from(now.minusSeconds(1))).build()));
    c.put("nbf in the future", signOurs(goodClaims().notBeforeTime(Date.from(now.plusSeconds(3600))).build()));
    c.put("iat far in the future", signOurs(goodClaims().issueTime(Date.from(now.plus(Duration.ofDays(1))))
        .expirationTime(Date.from(now.plus(Duration.ofDays(1)).plusSeconds(300))).build()));
    c.put("missing exp", signOurs(goodClaims().expirationTime(null).build()));
    c.put("missing iat", signOurs(goodClaims().issueTime(null).build()));
    c.put("exp as a string", signOurs(goodClaims().claim("exp", "9999999999").build()));

    // Issuer, audience
    c.put("wrong iss", signOurs(goodClaims().issuer("https://attacker.example").build()));
    c.put("iss with a trailing slash", signOurs(goodClaims().issuer(node.node().issuer() + "/").build()));
    c.put("missing iss", signOurs(goodClaims().issuer(null).build()));
    c.put("wrong aud", signOurs(goodClaims().audience("other-api").build()));
    c.put("aud list without ours", signOurs(goodClaims().audience(List.of("other-api", "k0rdent-api-2")).build()));
    c.put("missing aud", signOurs(goodClaims().audience((String) null).build()));

    // typ
    c.put("typ JWT", signOurs(goodHeader().type(JOSEObjectType.JWT).build(), goodClaims().build()));
    c.put("typ none", signOurs(goodHeader().type(new JOSEObjectType("none")).build(), goodClaims().build()));
    c.put("typ empty", signOurs(goodHeader().type(new JOSEObjectType("")).build(), goodClaims().build()));
    c.put("typ missing", signOurs(goodHeader().type(null).build(), goodClaims().build()));

    // Tampering with the genuine token (its signature kept)
    c.put("payload tampered: sub changed", withJson(1, o -> o.put("sub", "someone-else@provider.iam")));
    c.put("payload tampered: exp extended", withJson(1, o -> o.put("exp", o.getLong("exp") + 86_400)));
    c.put("payload tampered: role_set changed",
        withJson(1, o -> o.put("role_set", RoleSets.idOf(List.of("admin", "root")))));
    c.put("header tampered: jku added", withJson(0, o -> o.put("jku", "https://attacker.example/jwks.json")));
    c.put("header tampered: kid changed", withJson(0, o -> o.put("kid", UUID.randomUUID().toString())));
    c.put("header tampered: crit added", withJson(0, o -> o.put("crit", new JsonArray().add("exp"))));
    c.put("header tampered: same JSON, spaces added", withPart(0, p -> b64(new String(unb64(p),
        StandardCharsets.UTF_8).replace(",", ", "))));

    // Truncated
    c.put("header cut", withPart(0, p -> p.substring(0, p.length() - 3)));
    c.put("payload cut", withPart(1, p -> p.substring(0, p.length() - 3)));
    c.put("signature cut", withPart(2, p -> p.substring(0, p.length() - 2)));
    c.put("signature cut in half", withPart(2, p -> p.substring(0, p.length() / 2)));
    c.put("signature removed, dot kept", g[0] + "." + g[1] + ".");
    c.put("two parts (header.payload)", g[0] + "." + g[1]);
    c.put("header only", g[0]);
    c.put("payload removed", g[0] + ".." + g[2]);

    // Extra segments
    c.put("five parts (JWE-like, genuine plus two)", genuine + ".AAAA.BBBB");
    c.put("five parts (a JWE header)", b64(new JsonObject().put("alg", "dir").put("enc", "A256GCM").put("kid", kid)
        .put("typ", "at+jwt").encode()) + "..AAAAAAAAAAAAAAAA." + g[1] + ".AAAAAAAAAAAAAAAAAAAAAA");
    c.put("four parts (trailing dot)", genuine + ".");
    c.put("leading dot", "." + genuine);

    // Encodings of the signature: nimbus's decoder is lenient, the verifier must not be.
    c.put("non-base64url character * in the signature", withPart(2, p -> insert(p, 10, "*")));
    c.put("non-base64url character % in the signature", withPart(2, p -> insert(p, 10, "%")));
    c.put("non-base64url character * in the header", withPart(0, p -> insert(p, 5, "*")));
    c.put("standard base64 (+/ and padding) signature",
        withPart(2, p -> Base64.getEncoder().encodeToString(unb64(p))));
    c.put("padding = appended to the signature", genuine + "=");
    c.put("padding == appended to the signature", genuine + "==");
    c.put("padding appended to the payload", withPart(1, p -> p + "=".repeat((4 - p.length() % 4) % 4 + 4)));
    c.put("non-ASCII character in the signature", withPart(2, p -> insert(p, 10, "\u00e9")));
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    c.put("non-canonical base64url (unused trailing bits set)", withPart(2, p -> {
      char last = p.charAt(p.length() - 1);
      return p.substring(0, p.length() - 1) + alphabet.charAt(alphabet.indexOf(last) | 1);
    }));
    byte[] sig = unb64(g[2]);
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    c.put("ECDSA high-S (n - s)", withPart(2, p -> b64(withS(sig, N.subtract(s)))));
    c.put("ECDSA s = 0", withPart(2, p -> b64(withS(sig, BigInteger.ZERO))));
    c.put("ECDSA all-zero signature (r = s = 0)", withPart(2, p -> b64(new byte[64])));
    byte[] nn = withS(new byte[64], N);
    System.arraycopy(nn, 32, nn, 0, 32);
    c.put("ECDSA r = s = n (out of range)", withPart(2, p -> b64(nn)));
    c.put("ECDSA signature in DER", withPart(2, p -> {
      try {
        return b64(ECDSA.transcodeSignatureToDER(sig));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }));
    c.put("ECDSA signature with a leading zero byte (65 bytes)", withPart(2, p -> {
      byte[] longer = new byte[65];
      System.arraycopy(sig, 0, longer, 1, 64);
      return b64(longer);
    }));
    c.put("ECDSA signature with a trailing zero byte (65 bytes)", withPart(2, p -> b64(Arrays.copyOf(sig, 65))));

    // Size
    String big = signOurs(goodClaims().claim("pad", "p".repeat(AccessTokenVerifier.MAX_TOKEN_LENGTH)).build());
    assertThat(big.length()).isGreaterThan(AccessTokenVerifier.MAX_TOKEN_LENGTH);
    c.put("over 8 KB (validly signed)", big);
    c.put("over 8 KB of garbage", "a".repeat(AccessTokenVerifier.MAX_TOKEN_LENGTH + 1));

    // Whitespace and blanks
    c.put("blank", "   ");
    c.put("space inside the signature", withPart(2, p -> insert(p, 10, " ")));
    c.put("tab inside the signature", withPart(2, p -> insert(p, 10, "\t")));
    c.put("newline inside the signature", withPart(2, p -> insert(p, 10, "\n")));
    c.put("space after a dot", g[0] + ". " + g[1] + "." + g[2]);
    c.put("space inside the payload", withPart(1, p -> insert(p, 8, " ")));

    // Validly signed, but nothing live stands behind it.
    c.put("unknown credential_id", signOurs(goodClaims().claim("credential_id", "cred-nobody").build()));
    c.put("unknown principal and credential", new AccessTokenIssuer(node.node().services().signingKeys(),
        node.node().issuer(), "k0rdent-api", Duration.ofMinutes(5)).issue(new AccessTokenIssuer.Claims(
        "someone@acme.iam", PrincipalType.SERVICE_ACCOUNT, "someone@acme.iam", "acme", "organization", "acme",
        "cred-nobody", RoleSets.idOf(List.of(Grant.PLATFORM_ADMIN.role()))), Instant.now()).token());
    c.put("another subject with the bootstrap credential_id",
        signOurs(goodClaims().subject("other@provider.iam").claim("client_id", "other@provider.iam").build()));
    c.put("unknown role_set", signOurs(goodClaims().claim("role_set", RoleSets.idOf(List.of("root", "god"))).build()));
    // (no role_set is a token without a role ceiling: valid, see AccessTokenVerifier)
    c.put("principal_type user", signOurs(goodClaims().claim("principal_type", "user").build()));
    c.put("principal_type api_key with the bootstrap credential_id",
        signOurs(goodClaims().claim("principal_type", "api_key").build()));
    c.put("unknown principal_type", signOurs(goodClaims().claim("principal_type", "root").build()));
    c.put("missing jti", signOurs(goodClaims().jwtID(null).build()));
    return c;
  }

  @TestFactory
  Stream<DynamicTest> everyForgedOrBrokenTokenIsRefusedEverywhere() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    cases().forEach((name, token) -> tests.add(DynamicTest.dynamicTest(name, () -> assertRefused(name, token))));
    return tests.stream();
  }

  @Test
  void forgeryControl() throws Exception {
    // The forging helper's unmodified token is accepted: every refusal above is the named defect's doing.
    ours = node.node().services().signingKeys().current();
    kid = ours.getKeyID();
    String control = signOurs(goodClaims().build());
    assertThat(api.get(ORGS, control).status()).isEqualTo(200);
    Res r = introspect(control);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getBoolean("active")).isTrue();
  }

  @Test
  void anEmptyTokenIsRefused() {
    assertRefusedOnApi("empty", "");
    // RFC 7662 §2.1 / RFC 7009 §2.1: token is REQUIRED; an empty one is no token (the API document: 400).
    for (Res r : List.of(introspect(""), revoke(""))) {
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.json().getString("error")).isEqualTo("invalid_request");
    }
  }

  @Test
  void ourSignaturesAreCanonical() {
    // The verifier refuses high-S signatures, so the issuer must never produce one.
    for (int i = 0; i < 24; i++) {
      byte[] sig = unb64(parts(node.token())[2]);
      assertThat(sig).hasSize(64);
      assertThat(new BigInteger(1, Arrays.copyOfRange(sig, 32, 64))).isLessThanOrEqualTo(N.shiftRight(1));
    }
  }

  @Test
  void aGenuineTokenIsActiveUntilRevoked() {
    String t = node.token();
    assertThat(api.get(ORGS, t).status()).isEqualTo(200);
    Res active = introspect(t);
    assertThat(active.status()).isEqualTo(200);
    INTROSPECTION_CONTRACT.assertValid("introspectToken", 200, active.body());
    INTROSPECTION_CONTRACT.assertValid("introspectToken", 200, "{\"active\":false}");
    assertThat(active.json().getBoolean("active")).isTrue();
    assertThat(active.json().getString("sub")).isEqualTo(TestNode.CLIENT_ID);
    assertThat(active.json().getString("credential_id")).isEqualTo(Node.BOOTSTRAP_CREDENTIAL_ID);
    assertRevokeAnswers200("genuine", t);
    assertRefused("genuine, revoked", t);
  }
}
