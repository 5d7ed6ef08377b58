package io.k0rdent.api.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.bc.BouncyCastleProviderSingleton;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.k0rdent.api.core.error.ApiException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies bearer access tokens (RFC 6750, RFC 9068 §4): exactly {@code alg: ES256}, {@code typ: at+jwt},
 * a {@code kid} we hold, a valid signature, our {@code iss}, our {@code aud}, not expired, not before
 * {@code nbf}, and the claims a {@link Principal} needs. Every refusal is a 401 {@link ApiException}
 * with reason {@code INVALID_TOKEN}; nothing a token contains can make it throw anything else.
 *
 * <p>Only the canonical spelling is accepted ({@link CanonicalJws#isCanonical}: strict unpadded
 * base64url, a 64-byte R || S signature with low S), checked before nimbus parses anything: nimbus alone
 * verified the same token with padding, spaces or stray characters in its signature, or with S replaced
 * by {@code n - S}, so one token had many strings (found by {@code JwtAttackHttpTest}).
 * Not shared across threads: create one per verticle instance.
 */
public final class AccessTokenVerifier {

  /** Clock skew tolerated for {@code nbf} and {@code iat}. */
  public static final Duration SKEW = Duration.ofSeconds(30);
  /** The message of the refusal of a token whose {@code kid} names no key we hold. */
  public static final String UNKNOWN_KEY = "the access token was signed with an unknown key";
  /** Longest token accepted, in characters; ours are well under 1 KB. */
  public static final int MAX_TOKEN_LENGTH = 8192;

  private final Map<String, ECDSAVerifier> verifiers = new HashMap<>();
  private final String issuer;
  private final String audience;

  public AccessTokenVerifier(SigningKeys keys, String issuer, String audience) {
    this.issuer = issuer;
    this.audience = audience;
    for (ECKey k : keys.all()) {
      try {
        ECDSAVerifier v = new ECDSAVerifier(SigningKeys.bcPublicKey(k));
        v.getJCAContext().setProvider(BouncyCastleProviderSingleton.getInstance());
        verifiers.put(k.getKeyID(), v);
      } catch (JOSEException e) {
        throw new IllegalArgumentException("unusable verification key " + k.getKeyID(), e);
      }
    }
  }

  private static ApiException invalid(String why) {
    return new ApiException(401, "INVALID_TOKEN", why, List.of());
  }

  /** The principal the token describes; throws a 401 {@link ApiException} when the token is not acceptable. */
  public Principal verify(String token, Instant now) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      throw invalid("the access token is missing or too long");
    }
    if (!CanonicalJws.isCanonical(token)) {
      throw invalid("the access token is not a canonically encoded ES256 JWS");
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException | RuntimeException e) {
      throw invalid("the access token is not a signed JWT");
    }
    JWSHeader h = jwt.getHeader();
    if (!SigningKeys.ALGORITHM.equals(h.getAlgorithm())) {
      throw invalid("the access token's algorithm is not accepted");
    }
    if (!AccessTokenIssuer.TYPE.equals(h.getType())) {
      throw invalid("the access token's typ is not at+jwt");
    }
    ECDSAVerifier verifier = h.getKeyID() == null ? null : verifiers.get(h.getKeyID());
    if (verifier == null) {
      throw invalid(UNKNOWN_KEY);
    }
    try {
      if (!jwt.verify(verifier)) {
        throw invalid("the access token's signature is invalid");
      }
    } catch (JOSEException | RuntimeException e) {
      if (e instanceof ApiException a) {
        throw a;
      }
      throw invalid("the access token's signature is invalid");
    }
    JWTClaimsSet c;
    try {
      c = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw invalid("the access token's claims are unreadable");
    }
    try {
      if (!issuer.equals(c.getIssuer())) {
        throw invalid("the access token's issuer is not accepted");
      }
      if (c.getAudience() == null || !c.getAudience().contains(audience)) {
        throw invalid("the access token is not meant for this audience");
      }
      Date exp = c.getExpirationTime();
      if (exp == null || !now.isBefore(exp.toInstant())) {
        throw invalid("the access token has expired");
      }
      Date nbf = c.getNotBeforeTime();
      if (nbf != null && now.plus(SKEW).isBefore(nbf.toInstant())) {
        throw invalid("the access token is not valid yet");
      }
      Date iat = c.getIssueTime();
      if (iat == null || now.plus(SKEW).isBefore(iat.toInstant())) {
        throw invalid("the access token's issue time is missing or in the future");
      }
      PrincipalType type = PrincipalType.fromClaim(c.getStringClaim("principal_type"));
      String sub = c.getSubject();
      String jti = c.getJWTID();
      String roleSet = c.getStringClaim("role_set");
      String credential = c.getStringClaim("credential_id");
      // role_set is present only on a token with a role ceiling: without it the token acts with its
      // principal's grants (Grants#effective)
      if (type == null || sub == null || jti == null
          || (credential == null && type != PrincipalType.USER)) {
        throw invalid("the access token lacks required claims");
      }
      Boolean narrowed = c.getBooleanClaim("narrowed");
      return new Principal(sub, type, c.getStringClaim("tenant_id"), c.getStringClaim("scope"),
          c.getStringClaim("scope_id"), c.getStringClaim("client_id"), jti, iat.toInstant(), exp.toInstant(),
          credential, roleSet, null, c.getStringClaim("credential_uid"), Boolean.TRUE.equals(narrowed));
    } catch (ParseException e) {
      throw invalid("the access token's claims have the wrong types");
    }
  }
}
