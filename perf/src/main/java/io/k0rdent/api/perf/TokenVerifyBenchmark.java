package io.k0rdent.api.perf;

import com.nimbusds.jwt.SignedJWT;
import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.AccessTokenVerifier;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.auth.RoleSets;
import io.k0rdent.api.core.auth.SigningKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of checking a bearer token on every API call (ES256 verify with BouncyCastle plus claim checks),
 * against the baseline of only parsing it. Report the ratio {@code verify / parseOnly}.
 * Run: {@code java -jar perf/target/benchmarks.jar TokenVerifyBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenVerifyBenchmark {

  private AccessTokenVerifier verifier;
  private io.k0rdent.api.core.auth.VerifiedTokens cached;
  private AccessTokenIssuer issuer;
  private String token;

  @Setup
  public void setup() {
    SigningKeys keys = SigningKeys.fromJwks(List.of(SigningKeys.generateJwk()));
    issuer = new AccessTokenIssuer(keys, "http://bench", "k0rdent-api", Duration.ofMinutes(15));
    verifier = new AccessTokenVerifier(keys, "http://bench", "k0rdent-api");
    cached = new io.k0rdent.api.core.auth.VerifiedTokens(t -> verifier.verify(t, Instant.now()), 10_000);
    token = issuer.issue(new AccessTokenIssuer.Claims("sa@provider.iam", PrincipalType.SERVICE_ACCOUNT,
        "sa@provider.iam", "provider", "organization", "provider", "cred-bench", RoleSets.idOf(List.of("admin"))),
        Instant.now()).token();
  }

  /** Baseline: parse the compact JWS and its claims, no signature check. */
  @Benchmark
  public Object parseOnly() throws Exception {
    return SignedJWT.parse(token).getJWTClaimsSet();
  }

  @Benchmark
  public Principal verify() {
    return verifier.verify(token, Instant.now());
  }

  /** What an API call pays for a token seen before (verify-once). */
  @Benchmark
  public Principal verifyCached() {
    return cached.principal(token, Instant.now());
  }

  @Benchmark
  public String sign() {
    return issuer.issue(new AccessTokenIssuer.Claims("sa@provider.iam", PrincipalType.SERVICE_ACCOUNT,
        "sa@provider.iam", "provider", "organization", "provider", "cred-bench", RoleSets.idOf(List.of("admin"))),
        Instant.now()).token();
  }
}
