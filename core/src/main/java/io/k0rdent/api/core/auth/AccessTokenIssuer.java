package io.k0rdent.api.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.bc.BouncyCastleProviderSingleton;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * Mints access tokens: JWTs per RFC 9068 ({@code typ: at+jwt}, claims {@code iss, aud, sub, client_id,
 * exp, iat, jti}) plus the contract's {@code principal_type, tenant_id, scope, scope_id}. Not shared
 * across threads: create one per verticle instance.
 */
public final class AccessTokenIssuer {

  /** The default lifetime, the contract's {@code expires_in: 900}. */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(900);
  public static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");

  private final ECKey key;
  private final ECDSASigner signer;
  private final String issuer;
  private final String audience;
  private final Duration ttl;

  /** A minted token and its lifetime. */
  public record Issued(String token, String jti, Instant expiresAt, long expiresInSeconds) {}

  public AccessTokenIssuer(SigningKeys keys, String issuer, String audience, Duration ttl) {
    this.key = keys.current();
    this.issuer = issuer;
    this.audience = audience;
    this.ttl = ttl;
    try {
      this.signer = new ECDSASigner(SigningKeys.bcPrivateKey(key));
      signer.getJCAContext().setProvider(BouncyCastleProviderSingleton.getInstance());
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable signing key", e);
    }
  }

  /** Signs a token for {@code subject}; {@code now} is the issue time (seconds precision). */
  public Issued issue(String subject, PrincipalType type, String clientId, String tenantId, String scope,
                      String scopeId, Instant now) {
    Instant iat = Instant.ofEpochSecond(now.getEpochSecond());
    Instant exp = iat.plus(ttl);
    String jti = UUID.randomUUID().toString();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(issuer)
        .audience(audience)
        .subject(subject)
        .claim("client_id", clientId)
        .issueTime(Date.from(iat))
        .expirationTime(Date.from(exp))
        .jwtID(jti)
        .claim("principal_type", type.claim())
        .claim("tenant_id", tenantId)
        .claim("scope", scope)
        .claim("scope_id", scopeId)
        .build();
    JWSHeader header = new JWSHeader.Builder(SigningKeys.ALGORITHM).type(TYPE).keyID(key.getKeyID()).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing failed", e);
    }
    return new Issued(jwt.serialize(), jti, exp, ttl.getSeconds());
  }
}
