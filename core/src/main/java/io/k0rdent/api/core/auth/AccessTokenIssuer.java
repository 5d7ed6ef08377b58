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
 * exp, iat, jti}) plus the contract's {@code principal_type, tenant_id, scope, scope_id, credential_id}
 * and, for a token with a role ceiling only, {@code role_set}, the id of the roles it may use at most
 * ({@link RoleSets}): no role or permission list, so a token stays under 1 KB whatever its principal holds
 * (what a principal holds is decided live, from its compiled grants). Signatures are canonical (low S,
 * {@link CanonicalJws#lowS}), the only form {@link AccessTokenVerifier} accepts. Not shared across
 * threads: create one per verticle instance.
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

  /**
   * What a token says about its principal. {@code credentialUid} (claim {@code credential_uid}, when not
   * null) binds the token to that one credential or key, so a later one re-using the id never revives it;
   * {@code narrowed} (claim {@code narrowed: true}) marks a token minted with {@code scope_narrowing}.
   */
  public record Claims(String subject, PrincipalType type, String clientId, String tenantId, String scope,
                       String scopeId, String credentialId, String roleSetId, String credentialUid,
                       boolean narrowed) {
    public Claims(String subject, PrincipalType type, String clientId, String tenantId, String scope, String scopeId,
                  String credentialId, String roleSetId) {
      this(subject, type, clientId, tenantId, scope, scopeId, credentialId, roleSetId, null, false);
    }

    /** The same claims with another role set id. */
    public Claims withRoleSet(String id) {
      return new Claims(subject, type, clientId, tenantId, scope, scopeId, credentialId, id, credentialUid, narrowed);
    }

    /** The same claims narrowed to {@code newScope}/{@code newScopeId} (both may be unchanged). */
    public Claims narrowedTo(String newScope, String newScopeId) {
      return new Claims(subject, type, clientId, tenantId, newScope, newScopeId, credentialId, roleSetId, credentialUid,
          true);
    }
  }

  /** Signs a token; {@code now} is the issue time (seconds precision). */
  public Issued issue(Claims c, Instant now) {
    Instant iat = Instant.ofEpochSecond(now.getEpochSecond());
    Instant exp = iat.plus(ttl);
    String jti = UUID.randomUUID().toString();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(issuer)
        .audience(audience)
        .subject(c.subject())
        .claim("client_id", c.clientId())
        .issueTime(Date.from(iat))
        .expirationTime(Date.from(exp))
        .jwtID(jti)
        .claim("principal_type", c.type().claim())
        .claim("tenant_id", c.tenantId())
        .claim("scope", c.scope())
        .claim("scope_id", c.scopeId())
        .claim("credential_id", c.credentialId())
        .claim("role_set", c.roleSetId())
        .claim("credential_uid", c.credentialUid())
        .claim("narrowed", c.narrowed() ? Boolean.TRUE : null)
        .build();
    JWSHeader header = new JWSHeader.Builder(SigningKeys.ALGORITHM).type(TYPE).keyID(key.getKeyID()).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing failed", e);
    }
    String signed = jwt.serialize();
    int dot = signed.lastIndexOf('.');
    String token = signed.substring(0, dot + 1) + CanonicalJws.lowS(signed.substring(dot + 1));
    return new Issued(token, jti, exp, ttl.getSeconds());
  }
}
