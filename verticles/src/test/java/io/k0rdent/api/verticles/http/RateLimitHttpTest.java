package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The per-node rate limits of the OAuth endpoints ({@code auth.rateLimitPerClient},
 * {@code auth.rateLimitPerAddress}; token buckets refilled continuously). This class's node allows 5
 * requests per second per client and 50 per source address; every request here comes from 127.0.0.1.
 * Over a limit: 429, OAuth's {@code slow_down} error, {@code Retry-After} in whole seconds (≥ 1),
 * {@code Cache-Control: no-store}. No assertion depends on how fast the machine is, except that a few
 * loopback requests take well under the 200 ms one client's bucket needs to regain a request.
 */
class RateLimitHttpTest extends NodeHttpTest {

  static final String TOKEN = "/v1/regions/global/auth/token";
  static final String INTROSPECT = "/v1/regions/global/auth/introspect";
  static final String REVOKE = "/v1/regions/global/auth/revoke";
  static final int PER_CLIENT = 5;
  static final int PER_ADDRESS = 50;
  /** Requests sent at most while waiting for the address limit to bite (refill keeps adding some). */
  static final int ADDRESS_PATIENCE = 400;
  /** Threads sending at once when the address limit is the target. */
  static final int THREADS = 6;

  private record Client(String id, String secret) {}

  @Override
  TestNode startNode() {
    return TestNode.start(Map.of("auth.rateLimitPerClient", PER_CLIENT, "auth.rateLimitPerAddress", PER_ADDRESS));
  }

  /** Every bucket is full again after a second: a test does not inherit another's spending. */
  private static void letBucketsRefill() throws InterruptedException {
    Thread.sleep(1_100);
  }

  /** A configured client of its own (its own bucket), with no roles: it only asks for tokens. */
  private Client newClient() {
    String n = UUID.randomUUID().toString().substring(0, 8);
    String id = "rl-" + n + "@provider.iam";
    String secret = "plt_cs_cred-rl" + n + "_" + "s".repeat(40);
    var services = node.node().services();
    services.clients().register(new ClientRegistry.Client(id, services.iam().hasher().hash(secret), id,
        PrincipalType.SERVICE_ACCOUNT, "provider", "organization", "provider", "cred-rl" + n, List.of()));
    return new Client(id, secret);
  }

  private Res mint(Api on, Client c) {
    return on.send("POST", TOKEN, "grant_type=client_credentials&client_id=" + Api.enc(c.id()) + "&client_secret="
        + Api.enc(c.secret()), "Content-Type", "application/x-www-form-urlencoded");
  }

  private Res mint(Client c) {
    return mint(api, c);
  }

  private static String basic(Client c) {
    return "Basic " + Base64.getEncoder().encodeToString((Api.enc(c.id()) + ":" + Api.enc(c.secret()))
        .getBytes(StandardCharsets.UTF_8));
  }

  /** A 429 as the API document says; returns its Retry-After. */
  private static long assertSlowDown(Res r) {
    assertThat(r.status()).as(r.body()).isEqualTo(429);
    assertThat(r.header("Retry-After")).as("Retry-After").isNotNull().matches("[0-9]+");
    long retryAfter = Long.parseLong(r.header("Retry-After"));
    assertThat(retryAfter).isGreaterThanOrEqualTo(1);
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    assertThat(r.header("Content-Type")).startsWith("application/json");
    JsonObject body = r.json();
    assertThat(body.fieldNames()).isSubsetOf(Set.of("error", "error_description"));
    assertThat(body.getString("error")).isEqualTo("slow_down");
    assertThat(body.getString("error_description")).isNotBlank();
    return retryAfter;
  }

  @Test
  void theSixthRequestOfAClientWithinASecondIsThrottledOthersAreNotAndItRecovers() throws Exception {
    letBucketsRefill();
    Client a = newClient();
    // A bucket of 5 refilled at 5 per second passes at most 5 + 5·t requests in t seconds: exactly 5 before
    // the first 429 when the requests take under 200 ms (any machine not badly overloaded).
    long t0 = System.nanoTime();
    int passed = 0;
    Res r = mint(a);
    while (r.status() == 200 && passed < 100) {
      passed++;
      r = mint(a);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long retryAfter = assertSlowDown(r);
    assertThat(passed).as("requests passed before the first 429, in %.3f s", seconds)
        .isGreaterThanOrEqualTo(PER_CLIENT).isLessThanOrEqualTo(PER_CLIENT + (int) Math.ceil(PER_CLIENT * seconds));
    if (seconds < 1.0 / PER_CLIENT) {
      assertThat(passed).as("the sixth request within %.3f s", seconds).isEqualTo(PER_CLIENT);
    }
    // The same client's credentials at introspection and revocation count against the same bucket.
    assertSlowDown(api.send("POST", INTROSPECT, "token=x", "Content-Type", "application/x-www-form-urlencoded",
        "Authorization", basic(a)));
    assertSlowDown(api.send("POST", REVOKE, "token=x", "Content-Type", "application/x-www-form-urlencoded",
        "Authorization", basic(a)));

    // Another client from the same address has a bucket of its own.
    Client b = newClient();
    for (int i = 1; i <= PER_CLIENT; i++) {
      assertThat(mint(b).status()).as("request %d of client b while a is throttled", i).isEqualTo(200);
    }

    Thread.sleep(retryAfter * 1000);
    Res again = mint(a);
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(again.json().getString("access_token")).isNotBlank();
  }

  /**
   * Runs {@code send} from {@link #THREADS} threads (faster than the address bucket refills, however slow
   * each request) until one answers 429 or {@link #ADDRESS_PATIENCE} were sent; returns the 429 (or null)
   * and checks each other answer with {@code ok}.
   */
  private Res untilThrottled(java.util.function.IntFunction<Res> send, java.util.function.Consumer<Res> ok,
                             AtomicInteger sent) throws Exception {
    AtomicReference<Res> throttled = new AtomicReference<>();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        workers.add(pool.submit(() -> {
          while (throttled.get() == null && sent.get() < ADDRESS_PATIENCE) {
            sent.incrementAndGet();
            Res r = send.apply(thread);
            if (r.status() == 429) {
              throttled.compareAndSet(null, r);
            } else {
              ok.accept(r);
            }
          }
          return null;
        }));
      }
      for (Future<?> w : workers) {
        w.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return throttled.get();
  }

  @Test
  void manyClientsFromOneAddressShareTheAddressLimit() throws Exception {
    letBucketsRefill();
    // Each thread uses a client for four requests, under its own limit of five: only the address limit
    // can stop them.
    List<Client[]> current = new ArrayList<>();
    int[][] used = new int[THREADS][1];
    for (int t = 0; t < THREADS; t++) {
      current.add(new Client[] {newClient()});
    }
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger ownRequestsOfThrottled = new AtomicInteger(-1);
    Res throttled = untilThrottled(t -> {
      if (used[t][0] == PER_CLIENT - 1) {
        current.get(t)[0] = newClient();
        used[t][0] = 0;
      }
      used[t][0]++;
      Res r = mint(current.get(t)[0]);
      if (r.status() == 429) {
        ownRequestsOfThrottled.compareAndSet(-1, used[t][0]);
      }
      return r;
    }, r -> assertThat(r.status()).as(r.body()).isEqualTo(200), sent);
    assertThat(throttled).as("a 429 within %d requests from one address", ADDRESS_PATIENCE).isNotNull();
    assertThat(sent.get()).as("the bucket starts full: the first %d requests pass", PER_ADDRESS)
        .isGreaterThan(PER_ADDRESS);
    assertThat(ownRequestsOfThrottled.get()).as("throttled before its own limit").isLessThan(PER_CLIENT);
    assertSlowDown(throttled);
  }

  @Test
  void theAddressLimitAppliesToUnauthenticatedGarbage() throws Exception {
    letBucketsRefill();
    List<String[]> garbage = List.of(
        new String[] {TOKEN, "grant_type=client_credentials", "application/x-www-form-urlencoded"},
        new String[] {TOKEN, "%%%not a form", "text/plain"},
        new String[] {TOKEN, "{\"grant_type\":", "application/json"},
        new String[] {TOKEN, "grant_type=password&username=root&password=root", "application/x-www-form-urlencoded"},
        new String[] {INTROSPECT, "token=abc", "application/x-www-form-urlencoded"},
        new String[] {REVOKE, "{}", "application/json"});
    AtomicInteger sent = new AtomicInteger();
    Res throttled = untilThrottled(t -> {
      String[] g = garbage.get(Math.floorMod(sent.get() + t, garbage.size()));
      return api.send("POST", g[0], g[1], "Content-Type", g[2]);
    }, r -> assertThat(r.status()).as(r.body()).isIn(400, 401), sent);
    assertThat(throttled).as("a 429 within %d garbage requests", ADDRESS_PATIENCE).isNotNull();
    assertThat(sent.get()).isGreaterThan(PER_ADDRESS);
    long retryAfter = assertSlowDown(throttled);

    Thread.sleep(retryAfter * 1000);
    Res after = api.send("POST", TOKEN, "grant_type=client_credentials", "Content-Type",
        "application/x-www-form-urlencoded");
    assertThat(after.status()).as(after.body()).isEqualTo(401);
    assertThat(mint(newClient()).status()).isEqualTo(200);
  }

  @Test
  void withTheDefaultLimitsTwoHundredQuickRequestsOfOneClientAreNeverThrottled() throws Exception {
    TestNode defaults = TestNode.start();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Client bootstrap = new Client(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET);
      List<Future<Integer>> statuses = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        statuses.add(pool.submit(() -> mint(defaults.arc, bootstrap).status()));
      }
      for (Future<Integer> s : statuses) {
        assertThat(s.get()).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
      defaults.close();
    }
  }
}
