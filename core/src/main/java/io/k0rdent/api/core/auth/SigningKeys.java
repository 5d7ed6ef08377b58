package io.k0rdent.api.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.text.ParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The server's JWT signing keys: ES256 (ECDSA P-256, RFC 7518 §3.4) JWKs with a {@code kid}. The
 * newest key signs; every held key verifies. Immutable; the private halves never leave the process
 * except into the store.
 *
 * <p>The algorithm is provisional: the tokens issue measures sign/verify for HS256, RS256, ES256 and
 * EdDSA and records the choice in {@code perf/RESULTS.md}.
 */
public final class SigningKeys {

  public static final JWSAlgorithm ALGORITHM = JWSAlgorithm.ES256;
  private final List<ECKey> keys;

  private SigningKeys(List<ECKey> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("at least one signing key is required");
    }
    this.keys = List.copyOf(keys);
  }

  /**
   * The private key as BouncyCastle's own class: BC converts a JDK key object on every signature and
   * loses its precomputed tables, which made signing 3.5× and verifying 2.3× slower (perf/RESULTS.md).
   */
  static java.security.interfaces.ECPrivateKey bcPrivateKey(ECKey key) throws JOSEException {
    return (java.security.interfaces.ECPrivateKey) toBouncyCastle(key.toECPrivateKey());
  }

  /** The public key as BouncyCastle's own class, for the same reason as {@link #bcPrivateKey}. */
  static java.security.interfaces.ECPublicKey bcPublicKey(ECKey key) throws JOSEException {
    return (java.security.interfaces.ECPublicKey) toBouncyCastle(key.toECPublicKey());
  }

  private static java.security.Key toBouncyCastle(java.security.Key key) throws JOSEException {
    try {
      return java.security.KeyFactory.getInstance("EC",
          com.nimbusds.jose.crypto.bc.BouncyCastleProviderSingleton.getInstance()).translateKey(key);
    } catch (java.security.GeneralSecurityException e) {
      throw new JOSEException("cannot translate the key to BouncyCastle's classes", e);
    }
  }

  /** A fresh P-256 private JWK, serialised as JSON (with its private part). */
  public static String generateJwk() {
    try {
      return new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(ALGORITHM)
          .keyID(UUID.randomUUID().toString()).generate().toJSONString();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate an EC key", e);
    }
  }

  /** Parses private JWKs (JSON objects); the last one signs. */
  public static SigningKeys fromJwks(List<String> jwkJson) {
    try {
      List<ECKey> parsed = new java.util.ArrayList<>();
      for (String s : jwkJson) {
        ECKey k = ECKey.parse(s);
        if (!k.isPrivate() || k.getKeyID() == null) {
          throw new IllegalArgumentException("a signing JWK needs its private part and a kid");
        }
        parsed.add(k);
      }
      return new SigningKeys(parsed);
    } catch (ParseException e) {
      throw new IllegalArgumentException("unreadable signing key: " + e.getMessage(), e);
    }
  }

  /** The key new tokens are signed with. */
  public ECKey current() {
    return keys.get(keys.size() - 1);
  }

  /** The key with {@code kid}, or null. */
  public ECKey byKid(String kid) {
    for (ECKey k : keys) {
      if (k.getKeyID().equals(kid)) {
        return k;
      }
    }
    return null;
  }

  public List<ECKey> all() {
    return keys;
  }

  /** The public JWK Set (RFC 7517 §5) served at the JWKS endpoints. */
  public Map<String, Object> publicJwkSet() {
    return new JWKSet(keys.stream().map(k -> (com.nimbusds.jose.jwk.JWK) k.toPublicJWK()).toList())
        .toJSONObject(true);
  }
}
