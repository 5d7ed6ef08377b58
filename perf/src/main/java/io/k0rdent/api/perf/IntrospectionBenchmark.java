package io.k0rdent.api.perf;

import com.hazelcast.core.Hazelcast;
import com.nimbusds.jwt.SignedJWT;
import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.AccessTokenVerifier;
import io.k0rdent.api.core.auth.ActiveTokens;
import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.auth.SecretHasher;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.core.auth.VerifiedTokens;
import io.k0rdent.api.core.error.ApiException;
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
 * The introspection decision ({@code /auth/introspect} and every API call's bearer check:
 * {@link ActiveTokens#check}) over an embedded Hazelcast member with the product's
 * {@link HazelcastAuthState} over the in-memory store, as in {@link AuthDecisionBenchmark}:
 * <ul>
 *   <li>{@code parseOnly}: parse a token and its claims, no checks (baseline);</li>
 *   <li>{@code cacheHit}: a valid token seen before: verify-once hit, revocation, credential and
 *       account state from the near cache;</li>
 *   <li>{@code cacheMiss}: a valid token not seen before: the full ES256 verification, filling the
 *       verify-once map (and evicting its eldest entry), then the same checks. Every operation misses
 *       because the tokens come round-robin from a pool of {@value #MISS_POOL} distinct tokens into an
 *       {@link ActiveTokens} that remembers only {@value #MISS_CAPACITY}: by the time a token comes back,
 *       LRU has dropped it. This measures the steady state of a full cache, without building a new
 *       {@code ActiveTokens} (a {@code MessageDigest} and a map) inside the measured operation;</li>
 *   <li>{@code revoked}: a token seen before whose {@code jti} was revoked ({@code state.revoke}):
 *       verify-once hit, then the revocation set answers 401 (the failed future carries a new
 *       {@link ApiException}).</li>
 * </ul>
 * Outcomes are read from the returned future directly when it is already complete (all three are on
 * this single-member setup) rather than through a {@code CompletableFuture}, so that the failure of
 * {@code revoked} is not rethrown. Report each as a ratio to {@code parseOnly} from the same run.
 * Run: {@code java -jar perf/target/benchmarks.jar IntrospectionBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IntrospectionBenchmark {

  static final int MISS_POOL = 8;
  static final int MISS_CAPACITY = 4;

  private AuthFixture f;
  private ActiveTokens tokens;
  private ActiveTokens forgetful;
  private String token;
  private String revokedToken;
  private String[] fresh;
  private int next;

  private static <T> T await(Future<T> future) throws Exception {
    return AuthFixture.await(future);
  }

  /** The principal, or the failure, of {@code f}, without throwing. */
  private static Object outcome(Future<?> f) throws Exception {
    if (f.isComplete()) {
      return f.succeeded() ? f.result() : f.cause();
    }
    return f.toCompletionStage().toCompletableFuture().handle((r, e) -> e != null ? e : r).get(30, TimeUnit.SECONDS);
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    f = new AuthFixture();
    tokens = new ActiveTokens(f.verifier, f.checks, f.state, VerifiedTokens.DEFAULT_CAPACITY);
    forgetful = new ActiveTokens(f.verifier, f.checks, f.state, MISS_CAPACITY);
    AccessTokenIssuer issuer = f.issuer;
    AccessTokenIssuer.Claims claims = f.claims(Instant.now());
    token = issuer.issue(claims, Instant.now()).token();
    AccessTokenIssuer.Issued toRevoke = issuer.issue(claims, Instant.now());
    revokedToken = toRevoke.token();
    fresh = new String[MISS_POOL];
    for (int i = 0; i < MISS_POOL; i++) {
      fresh[i] = issuer.issue(claims, Instant.now()).token();
    }
    if (!(cacheHit() instanceof Principal) || !(outcome(tokens.check(revokedToken, Instant.now())) instanceof Principal)) {
      throw new IllegalStateException("the benchmark tokens are not active");
    }
    await(f.state.revoke(toRevoke.jti(), toRevoke.expiresAt()));
    if (!(revoked() instanceof ApiException e) || e.status() != 401) {
      throw new IllegalStateException("the revoked token is still active");
    }
    for (int i = 0; i < 2 * MISS_POOL; i++) {
      if (!(cacheMiss() instanceof Principal)) {
        throw new IllegalStateException("a fresh token is not active");
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    f.close();
  }

  /** Baseline: parse the token and its claims, no checks. */
  @Benchmark
  public Object parseOnly() throws Exception {
    return SignedJWT.parse(token).getJWTClaimsSet();
  }

  @Benchmark
  public Object cacheHit() throws Exception {
    return outcome(tokens.check(token, Instant.now()));
  }

  @Benchmark
  public Object cacheMiss() throws Exception {
    String t = fresh[next];
    next = (next + 1) % MISS_POOL;
    return outcome(forgetful.check(t, Instant.now()));
  }

  @Benchmark
  public Object revoked() throws Exception {
    return outcome(tokens.check(revokedToken, Instant.now()));
  }
}
