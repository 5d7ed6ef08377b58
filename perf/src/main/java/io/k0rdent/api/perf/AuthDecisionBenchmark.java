package io.k0rdent.api.perf;

import com.hazelcast.core.Hazelcast;
import com.nimbusds.jwt.SignedJWT;
import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.AccessTokenVerifier;
import io.k0rdent.api.core.auth.ActiveTokens;
import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.auth.SecretHasher;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.core.auth.VerifiedTokens;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.k0rdent.api.verticles.cluster.HazelcastAuthState;
import io.k0rdent.api.verticles.cluster.HazelcastSetup;
import io.k0rdent.api.verticles.config.Settings;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The auth hot path as the product runs it, without HTTP: an embedded Hazelcast member with the
 * product's near-cached credential index ({@link HazelcastAuthState}) over the in-memory store.
 * <ul>
 *   <li>{@code parseOnly}: parse a token, no checks (baseline);</li>
 *   <li>{@code activeCheck}: what every API call and {@code /auth/introspect} decides for a token seen
 *       before: verify-once hit, revocation, credential and account state, role ceiling;</li>
 *   <li>{@code authorize}: what every API call decides: {@code activeCheck}, the token's effective grants
 *       (a cached compiled snapshot) and one permission decision on a resource;</li>
 *   <li>{@code clientCredentials}: the token endpoint's credential check (HMAC-SHA-256 of the secret,
 *       two index lookups);</li>
 *   <li>{@code mint}: {@code clientCredentials} plus signing the token.</li>
 * </ul>
 * Report each as a ratio to {@code parseOnly} from the same run.
 * Run: {@code java -jar perf/target/benchmarks.jar AuthDecisionBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AuthDecisionBenchmark {

  private static final ScopeChain TARGET = ScopeChain.resource("provider", "p1", "projects/p1/compute/clusters/c1");
  private AuthFixture f;
  private ActiveTokens tokens;
  private Grants grants;
  private String token;

  private static <T> T await(Future<T> future) throws Exception {
    return AuthFixture.await(future);
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    f = new AuthFixture();
    grants = new Grants(f.state, f.clients);
    tokens = new ActiveTokens(f.verifier, f.checks, f.state, VerifiedTokens.DEFAULT_CAPACITY);
    token = mint();
    if (activeCheck() == null) {
      throw new IllegalStateException("the benchmark token is not active");
    }
    if (!authorize()) {
      throw new IllegalStateException("the benchmark principal is not allowed");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    f.close();
  }

  @Benchmark
  public Object parseOnly() throws Exception {
    return SignedJWT.parse(token).getJWTClaimsSet();
  }

  @Benchmark
  public Principal activeCheck() throws Exception {
    return await(tokens.check(token, Instant.now()));
  }

  /** Every API call: {@link #activeCheck}, the token's effective grants, one decision. */
  @Benchmark
  public boolean authorize() throws Exception {
    Principal p = await(tokens.check(token, Instant.now()));
    return await(grants.effective(p)).allowed(Permissions.CLUSTERS_GET, TARGET);
  }

  @Benchmark
  public CredentialChecks.Grantee clientCredentials() throws Exception {
    return await(f.checks.clientCredentials(f.clientId, f.secret, Instant.now()));
  }

  @Benchmark
  public String mint() throws Exception {
    Instant now = Instant.now();
    return f.issuer.issue(f.claims(now), now).token();
  }
}
