package io.k0rdent.api.perf;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.crypto.bc.BouncyCastleProviderSingleton;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.crypto.impl.RSASSA;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of signing (build + sign + serialize) and verifying (parse + verify + read claims) one access
 * token with the product's claims, per JWS algorithm and JCA provider. HS256 is the floor; report every
 * figure as a ratio against HS256 from the same run. Results and the choice: {@code perf/RESULTS.md}.
 *
 * <p>Variants ({@code alg}):
 * <ul>
 *   <li>{@code HS256_JDK}: nimbus MACSigner/MACVerifier, 256-bit secret, JDK HmacSHA256.</li>
 *   <li>{@code RS256_JDK}, {@code RS256_BC}: RSA 2048, nimbus RSASSASigner/Verifier, provider set via
 *       {@code getJCAContext().setProvider(..)} for BC.</li>
 *   <li>{@code ES256_JDK}, {@code ES256_BC}: P-256, nimbus ECDSASigner/Verifier built exactly as the product
 *       does (keys from an {@link ECKey} JWK, i.e. JDK SunEC key objects; BC set on the JCA context).</li>
 *   <li>{@code ES256_BC_BCKEY}: as ES256_BC, but the keys are first translated into BouncyCastle's own key
 *       classes, so BC does not have to convert a foreign key on every call.</li>
 *   <li>{@code EdDSA_TINK}: Ed25519 with nimbus's Ed25519Signer/Verifier (Google Tink underneath).</li>
 *   <li>{@code EdDSA_JDK}, {@code EdDSA_BC}: Ed25519 through {@code Signature.getInstance("Ed25519")} on the
 *       JWS signing input (JDK 15+ SunEC, or BC), wrapped as a nimbus JWSSigner/JWSVerifier so that the JWT
 *       build/serialize/parse work is identical to the other variants.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar perf/target/benchmarks.jar SigningAlgorithmsBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SigningAlgorithmsBenchmark {

  @Param({"HS256_JDK", "RS256_JDK", "RS256_BC", "ES256_JDK", "ES256_BC", "ES256_BC_BCKEY",
      "EdDSA_TINK", "EdDSA_JDK", "EdDSA_BC"})
  public String alg;

  private static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");

  private JWSHeader header;
  private JWTClaimsSet claims;
  private JWSSigner signer;
  private JWSVerifier verifier;
  private String token;

  @Setup
  public void setup() throws Exception {
    if (Security.getProvider("BC") != null) {
      throw new IllegalStateException("BC must not be a registered provider: the JDK variants would be ambiguous");
    }
    Provider bc = BouncyCastleProviderSingleton.getInstance();
    String kid = UUID.randomUUID().toString();
    JWSAlgorithm jwsAlg;
    String usedProvider;
    switch (alg) {
      case "HS256_JDK" -> {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        jwsAlg = JWSAlgorithm.HS256;
        signer = new MACSigner(secret);
        verifier = new MACVerifier(secret);
        usedProvider = javax.crypto.Mac.getInstance("HmacSHA256").getProvider().getName();
      }
      case "RS256_JDK", "RS256_BC" -> {
        RSAKey k = new RSAKeyGenerator(2048).keyID(kid).generate();
        jwsAlg = JWSAlgorithm.RS256;
        RSASSASigner s = new RSASSASigner(k);
        RSASSAVerifier v = new RSASSAVerifier(k.toRSAPublicKey());
        Provider p = alg.endsWith("_BC") ? bc : null;
        s.getJCAContext().setProvider(p);
        v.getJCAContext().setProvider(p);
        signer = s;
        verifier = v;
        usedProvider = RSASSA.getSignerAndVerifier(jwsAlg, p).getProvider().getName();
      }
      case "ES256_JDK", "ES256_BC", "ES256_BC_BCKEY" -> {
        ECKey k = new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        jwsAlg = JWSAlgorithm.ES256;
        ECDSASigner s;
        ECDSAVerifier v;
        if (alg.equals("ES256_BC_BCKEY")) {
          KeyFactory kf = KeyFactory.getInstance("EC", bc);
          s = new ECDSASigner((ECPrivateKey) kf.translateKey(k.toECPrivateKey()));
          v = new ECDSAVerifier((ECPublicKey) kf.translateKey(k.toECPublicKey()));
        } else {
          s = new ECDSASigner(k);
          v = new ECDSAVerifier(k.toECPublicKey());
        }
        Provider p = alg.contains("_BC") ? bc : null;
        s.getJCAContext().setProvider(p);
        v.getJCAContext().setProvider(p);
        signer = s;
        verifier = v;
        usedProvider = ECDSA.getSignerAndVerifier(jwsAlg, p).getProvider().getName();
      }
      case "EdDSA_TINK" -> {
        OctetKeyPair k = new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).generate();
        jwsAlg = JWSAlgorithm.EdDSA;
        signer = new Ed25519Signer(k);
        verifier = new Ed25519Verifier(k.toPublicJWK());
        usedProvider = "Tink";
      }
      case "EdDSA_JDK", "EdDSA_BC" -> {
        Provider p = alg.endsWith("_BC") ? bc : null;
        KeyPairGenerator g = p == null ? KeyPairGenerator.getInstance("Ed25519")
            : KeyPairGenerator.getInstance("Ed25519", p);
        KeyPair kp = g.generateKeyPair();
        jwsAlg = JWSAlgorithm.EdDSA;
        signer = new JcaEd25519Signer(kp.getPrivate(), p);
        verifier = new JcaEd25519Verifier(kp.getPublic(), p);
        usedProvider = JcaEd25519Signer.signature(p).getProvider().getName();
      }
      default -> throw new IllegalArgumentException(alg);
    }
    header = new JWSHeader.Builder(jwsAlg).type(AT_JWT).keyID(kid).build();
    // The product's claims (AccessTokenIssuer): RFC 9068 plus principal_type, tenant_id, scope, scope_id.
    Instant iat = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    claims = new JWTClaimsSet.Builder()
        .issuer("https://api.k0rdent.example.com")
        .audience("k0rdent-api")
        .subject("sa-deployer@acme-prod.iam")
        .claim("client_id", "sa-deployer@acme-prod.iam")
        .issueTime(Date.from(iat))
        .expirationTime(Date.from(iat.plusSeconds(900)))
        .jwtID(UUID.randomUUID().toString())
        .claim("principal_type", "service_account")
        .claim("tenant_id", "acme-prod")
        .claim("scope", "project")
        .claim("scope_id", "acme-prod/inference-eu")
        .build();
    token = sign();
    if (verify() == null) {
      throw new IllegalStateException("self-check failed");
    }
    System.out.printf("%n# %s: provider=%s, token length=%d chars%n", alg, usedProvider, token.length());
  }

  /** Build the JWS over the claims, sign it, serialize it (what issuing a token costs). */
  @Benchmark
  public String sign() throws JOSEException {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  /** Parse the compact token, check its signature, read its claims (what checking a bearer token costs). */
  @Benchmark
  public JWTClaimsSet verify() throws Exception {
    SignedJWT jwt = SignedJWT.parse(token);
    if (!jwt.verify(verifier)) {
      throw new IllegalStateException("signature did not verify");
    }
    return jwt.getJWTClaimsSet();
  }

  /** Ed25519 through the JCA; a fresh {@link Signature} per call, as nimbus does for RSA and ECDSA. */
  static final class JcaEd25519Signer implements JWSSigner {
    private final PrivateKey key;
    private final Provider provider;
    private final JCAContext jca = new JCAContext();

    JcaEd25519Signer(PrivateKey key, Provider provider) {
      this.key = key;
      this.provider = provider;
    }

    static Signature signature(Provider p) throws GeneralSecurityException {
      return p == null ? Signature.getInstance("Ed25519") : Signature.getInstance("Ed25519", p);
    }

    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
      try {
        Signature s = signature(provider);
        s.initSign(key);
        s.update(signingInput);
        return Base64URL.encode(s.sign());
      } catch (GeneralSecurityException e) {
        throw new JOSEException(e.getMessage(), e);
      }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.EdDSA);
    }

    @Override
    public JCAContext getJCAContext() {
      return jca;
    }
  }

  static final class JcaEd25519Verifier implements JWSVerifier {
    private final PublicKey key;
    private final Provider provider;
    private final JCAContext jca = new JCAContext();

    JcaEd25519Verifier(PublicKey key, Provider provider) {
      this.key = key;
      this.provider = provider;
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signedContent, Base64URL signature) throws JOSEException {
      if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
        return false;
      }
      try {
        Signature s = JcaEd25519Signer.signature(provider);
        s.initVerify(key);
        s.update(signedContent);
        return s.verify(signature.decode());
      } catch (GeneralSecurityException e) {
        return false;
      }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.EdDSA);
    }

    @Override
    public JCAContext getJCAContext() {
      return jca;
    }
  }
}
