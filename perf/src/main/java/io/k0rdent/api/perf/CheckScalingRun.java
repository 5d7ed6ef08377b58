package io.k0rdent.api.perf;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.verticles.Node;
import io.k0rdent.api.verticles.config.ConfigLoader;
import io.k0rdent.api.verticles.config.Settings;
import io.k0rdent.api.verticles.store.pg.PgSettings;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether {@code POST /v1/regions/global/auth/check} keeps its latency flat as the policy store grows from
 * 1k to 1M bindings (authorization issue: "±20 % from 1k to 1M bindings in the store").
 *
 * <p>For each N in {@code -Dsizes} (default 1000,10000,100000,1000000), from scratch:
 * <ol>
 *   <li>a fresh PostgreSQL schema ({@code perf_check_<random>}), migrated by a real {@link Node} started on it
 *       in-process (Arc on a free port, Hazelcast on 127.0.0.1 joining nobody, two HTTP verticle instances);</li>
 *   <li>through the API, as the bootstrap platform administrator: an organization, two projects, one
 *       service account per client connection ({@code -Dconnections}, default 4) and a credential for each;
 *       then 5 policy bindings for each (project, resource, allow and deny) through {@code createPolicy}
 *       (see {@link #bind});</li>
 *   <li>with SQL, in one transaction, constraints and triggers on: 100 filler organizations, N/10 filler
 *       service accounts, and the remaining filler policies (10 per filler service account, organization
 *       scope, one in five a deny), so that the table holds exactly N bindings; then
 *       {@code VACUUM ANALYZE};</li>
 *   <li>each service account's token (client_credentials), then {@code EXPLAIN ANALYZE} of the query a
 *       snapshot compile runs ({@code PolicyStore.forPrincipals}), with the planner's default and with a
 *       forced generic plan (what a long-lived prepared statement may get);</li>
 *   <li>K closed loops (one per connection, each its own service account and token) sending
 *       {@code {"checks":[{"action":"resourcemanager.projects.get","resource":"projects/<p1>"}]}} for
 *       {@code -Dwarmup} seconds (default 2, discarded) and then {@code -Dseconds} seconds (default 5, measured),
 *       twice:
 *       <b>warm</b> (the caller's compiled snapshot stays cached: token verify-once hit, near-cache hits,
 *       the project from the near cache, one decision) and <b>cold</b> (before each request, untimed, the
 *       loop announces a change of its own service account's bindings with
 *       {@code AuthState.changed(BINDINGS, "serviceAccount:<id>")}, exactly what a policy change of that
 *       principal does: a change fence in the near-cached IMap and the compiled snapshot dropped; the
 *       request then reads the bindings from PostgreSQL through the indexed query, compiles and decides).
 *       No other principal is touched, and each loop owns its principal, so every cold request misses.</li>
 * </ol>
 * All N are set up first (one node each, all running); then a discarded JIT warm-up on the first N, and
 * {@code -Drounds} rounds (default 5) that measure every N in turn, so that a change of load on the machine
 * hits every N alike. Prints, per N and phase, the median over the rounds of p50 / p99 / mean latency and
 * throughput, each as a ratio to the first N (the baseline of the same run) with the range of the
 * per-round ratios, plus the policies indexes used during the cold phases (pg_stat_user_indexes).
 *
 * <p>Run: {@code java -cp perf/target/benchmarks.jar io.k0rdent.api.perf.CheckScalingRun}. The server comes
 * from env {@code K0RDENT_TEST_PG_URL} (default {@code postgresql://postgres@127.0.0.1:5432/test}); each
 * schema is dropped afterwards ({@code -Dkeep=true} keeps them).
 */
public final class CheckScalingRun {

  static final String CHECK = "/v1/regions/global/auth/check";
  static final String ORGS = "/v1/regions/global/organizations";
  static final String PROJECTS = "/v1/regions/global/projects";
  static final String SAS = "/v1/regions/global/iam/service-accounts";
  static final String CLIENT_ID = "bootstrap-perf@provider.iam";
  static final String CLIENT_SECRET = "plt_cs_cred-bootstrap_perf-secret-0123456789abcdefghijklmnopqrstuv";
  static final int BINDINGS_PER_ACCOUNT = 5;
  static final int FILLER_ORGS = 100;
  static final int FILLER_PER_PRINCIPAL = 10;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final java.net.http.HttpClient SETUP = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  private CheckScalingRun() {}

  /** Latency figures of one phase. */
  record Stats(long count, double seconds, double p50us, double p99us, double meanUs) {
    double rps() {
      return count / seconds;
    }
  }

  /** One N, set up and served by its own node. */
  record World(int n, String schema, PgSettings pg, Node node, List<String> accounts, List<String> tokens,
               String body, double fillSeconds, String plan, String genericPlan) {}

  /** Per N and phase, one {@link Stats} per round. */
  record Series(List<Stats> warm, List<Stats> cold, List<Map<String, Long>> coldIndexScans,
                List<Long> coldSeqScans) {}

  public static void main(String[] args) throws Exception {
    int[] sizes = Arrays.stream(System.getProperty("sizes", "1000,10000,100000,1000000").split(","))
        .map(String::trim).mapToInt(Integer::parseInt).toArray();
    int connections = Integer.getInteger("connections", 4);
    int warmup = Integer.getInteger("warmup", 2);
    int seconds = Integer.getInteger("seconds", 5);
    int rounds = Integer.getInteger("rounds", 5);
    boolean keep = Boolean.getBoolean("keep");
    String env = System.getenv("K0RDENT_TEST_PG_URL");
    String url = env == null || env.isBlank() ? "postgresql://postgres@127.0.0.1:5432/test" : env;
    System.out.printf(Locale.ROOT, "sizes=%s connections=%d rounds=%d warmup=%ds measure=%ds jvm=%s cpus=%d "
            + "loadavg=%s%n", Arrays.toString(sizes), connections, rounds, warmup, seconds, Runtime.version(),
        Runtime.getRuntime().availableProcessors(), loadAverage());

    List<World> worlds = new ArrayList<>();
    try {
      for (int n : sizes) {
        worlds.add(setUp(url, n, connections));
      }
      // JIT warm-up of the whole path (discarded), on the first world, both phases.
      System.out.println("\n--- JIT warm-up (discarded) ---");
      measure(worlds.get(0), false, warmup, 2 * seconds);
      measure(worlds.get(0), true, warmup, 2 * seconds);

      // Rounds interleave the sizes, so that a load change on the machine hits every size alike.
      Map<Integer, Series> series = new LinkedHashMap<>();
      for (World w : worlds) {
        series.put(w.n(), new Series(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
      }
      for (int r = 1; r <= rounds; r++) {
        System.out.printf(Locale.ROOT, "%n--- round %d of %d (loadavg %s) ---%n", r, rounds, loadAverage());
        for (World w : worlds) {
          Series s = series.get(w.n());
          s.warm().add(measure(w, false, warmup, seconds));
          Map<String, Long> before;
          long seqBefore;
          try (Connection c = jdbc(w.pg())) {
            before = indexScans(c);
            seqBefore = seqScans(c);
          }
          s.cold().add(measure(w, true, warmup, seconds));
          Thread.sleep(1200); // a busy backend publishes its statistics at most once a second
          Map<String, Long> delta = new LinkedHashMap<>();
          try (Connection c = jdbc(w.pg())) {
            indexScans(c).forEach((k, v) -> {
              long d = v - before.getOrDefault(k, 0L);
              if (d != 0) {
                delta.put(k, d);
              }
            });
            s.coldSeqScans().add(seqScans(c) - seqBefore);
          }
          s.coldIndexScans().add(delta);
        }
      }
      report(worlds, series, rounds);
    } finally {
      for (World w : worlds) {
        tearDown(w, keep);
      }
    }
    System.exit(0);
  }

  private static String loadAverage() {
    try {
      String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "?";
    }
  }

  private static double median(List<Stats> list, java.util.function.ToDoubleFunction<Stats> f) {
    double[] v = list.stream().mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static void report(List<World> worlds, Map<Integer, Series> series, int rounds) {
    World last = worlds.get(worlds.size() - 1);
    System.out.println();
    System.out.printf(Locale.ROOT, "=== plans of the forPrincipals query (one service account, N=%,d) ===%n", last.n());
    System.out.println("-- planner default (plan_cache_mode = auto, first execution: custom plan):");
    System.out.print(last.plan());
    System.out.println("-- plan_cache_mode = force_generic_plan:");
    System.out.print(last.genericPlan());

    int base = worlds.get(0).n();
    System.out.println();
    System.out.printf(Locale.ROOT, "=== results: median of %d rounds per N (latency µs); ratios against N=%,d; "
        + "[min–max of the per-round ratios] ===%n", rounds, base);
    System.out.println("| N bindings | phase | req/s | p50 µs | p99 µs | mean µs | p50 × base | p99 × base "
        + "| mean × base | req/s × base |");
    System.out.println("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (boolean cold : new boolean[] {false, true}) {
      List<Stats> b = cold ? series.get(base).cold() : series.get(base).warm();
      for (World w : worlds) {
        List<Stats> s = cold ? series.get(w.n()).cold() : series.get(w.n()).warm();
        System.out.printf(Locale.ROOT, "| %,d | %s | %,.0f | %.0f | %.0f | %.0f | %s | %s | %s | %s |%n",
            w.n(), cold ? "cold" : "warm", median(s, Stats::rps), median(s, Stats::p50us), median(s, Stats::p99us),
            median(s, Stats::meanUs), ratio(s, b, Stats::p50us), ratio(s, b, Stats::p99us),
            ratio(s, b, Stats::meanUs), ratio(s, b, Stats::rps));
      }
    }
    System.out.println();
    System.out.println("| N bindings | filler insert + VACUUM ANALYZE s | cold requests measured (all rounds) "
        + "| policies index scans during the cold phases | policies seq scans during the cold phases |");
    System.out.println("|--:|--:|--:|---|--:|");
    for (World w : worlds) {
      Series s = series.get(w.n());
      Map<String, Long> scans = new java.util.TreeMap<>();
      s.coldIndexScans().forEach(m -> m.forEach((k, v) -> scans.merge(k, v, Long::sum)));
      System.out.printf(Locale.ROOT, "| %,d | %.1f | %,d | %s | %d |%n", w.n(), w.fillSeconds(),
          s.cold().stream().mapToLong(Stats::count).sum(), scans,
          s.coldSeqScans().stream().mapToLong(Long::longValue).sum());
    }
    System.out.println("(index and seq scans include the cold phases' warm-up seconds.) loadavg at end: "
        + loadAverage());
  }

  /** Median-of-rounds ratio, with the range of the per-round ratios. */
  private static String ratio(List<Stats> s, List<Stats> base, java.util.function.ToDoubleFunction<Stats> f) {
    double med = median(s, f) / median(base, f);
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int i = 0; i < s.size(); i++) {
      double r = f.applyAsDouble(s.get(i)) / f.applyAsDouble(base.get(i));
      min = Math.min(min, r);
      max = Math.max(max, r);
    }
    return String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", med, min, max);
  }

  private static World setUp(String url, int n, int connections) throws Exception {
    byte[] b = new byte[4];
    RANDOM.nextBytes(b);
    String schema = "perf_check_" + HexFormat.of().formatHex(b);
    PgSettings pg = new PgSettings(url, schema, 8);
    System.out.printf(Locale.ROOT, "%n--- N=%,d: schema %s ---%n", n, schema);
    Node node = startNode(url, schema);
    try {
      Setup api = new Setup("http://127.0.0.1:" + node.arcPort());
      String admin = api.token(CLIENT_ID, CLIENT_SECRET);
      String org = "perf-org";
      String p1 = "perf-p1";
      String p2 = "perf-p2";
      api.created(api.post(ORGS, admin, new JsonObject().put("id", org)));
      api.created(api.post(PROJECTS, admin, new JsonObject().put("id", p1).put("organizationId", org)));
      api.created(api.post(PROJECTS, admin, new JsonObject().put("id", p2).put("organizationId", org)));
      List<String> accounts = new ArrayList<>();
      List<String> clientIds = new ArrayList<>();
      List<String> secrets = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        JsonObject sa = api.created(api.post(SAS, admin, new JsonObject().put("displayName", "perf " + i)
            .put("scope", "organization").put("scopeId", org).put("roles", new JsonArray())));
        String id = sa.getString("id");
        accounts.add(id);
        clientIds.add(sa.getString("clientId"));
        secrets.add(api.created(api.post(SAS + "/" + id + "/credentials", admin, new JsonObject()))
            .getString("clientSecret"));
        bind(api, admin, org, id, "project-viewer", "project", p1, "allow");
        bind(api, admin, org, id, "compute-viewer", "project", p2, "allow");
        bind(api, admin, org, id, "project-editor", "project", p2, "deny");
        bind(api, admin, org, id, "compute-admin", "resource", "projects/" + p1 + "/compute/clusters/c1", "allow");
        bind(api, admin, org, id, "project-viewer", "project", p2, "deny");
      }

      long fillStart = System.nanoTime();
      long total;
      try (Connection c = jdbc(pg)) {
        long existing = count(c, "SELECT count(*) FROM policies");
        fill(c, n - existing);
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
          s.execute("VACUUM ANALYZE");
        }
        total = count(c, "SELECT count(*) FROM policies");
      }
      double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
      System.out.printf(Locale.ROOT, "policies: %,d rows (filler insert + VACUUM ANALYZE %.1f s)%n", total, fillSeconds);
      if (total != n) {
        throw new IllegalStateException("expected " + n + " policies, found " + total);
      }

      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        tokens.add(api.token(clientIds.get(i), secrets.get(i)));
      }
      String body = new JsonObject().put("checks", new JsonArray().add(new JsonObject()
          .put("action", "resourcemanager.projects.get").put("resource", "projects/" + p1))).encode();
      // The answer the run measures: allowed by the project-viewer binding on p1.
      for (String t : tokens) {
        var r = api.send("POST", CHECK, body, "Authorization", "Bearer " + t, "Content-Type", "application/json");
        if (r.statusCode() != 200 || !new JsonObject(r.body()).getJsonArray("results").getJsonObject(0)
            .getBoolean("allowed")) {
          throw new IllegalStateException("unexpected check answer: " + r.statusCode() + " " + r.body());
        }
      }

      String plan;
      String generic;
      try (Connection c = jdbc(pg)) {
        plan = explain(c, accounts.get(0), false);
        generic = explain(c, accounts.get(0), true);
      }
      return new World(n, schema, pg, node, accounts, tokens, body, fillSeconds, plan, generic);
    } catch (Exception | Error e) {
      tearDown(new World(n, schema, pg, node, null, null, null, 0, null, null), false);
      throw e;
    }
  }

  private static void tearDown(World w, boolean keep) {
    try {
      w.node().close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.out.println("closing the node of N=" + w.n() + ": " + e);
    }
    if (!keep) {
      try (Connection c = jdbc(w.pg()); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + w.schema() + " CASCADE");
      } catch (SQLException e) {
        System.out.println("dropping " + w.schema() + ": " + e);
      }
    }
  }

  /** Binds {@code role} to service account {@code sa} through {@code POST /v1/regions/global/iam/policies}. */
  private static void bind(Setup api, String admin, String org, String sa, String role, String scopeType,
                           String scopeResource, String effect) throws Exception {
    api.created(api.post("/v1/regions/global/iam/policies", admin, new JsonObject().put("orgId", org)
        .put("role", role).put("principal", new JsonObject().put("type", "serviceAccount").put("id", sa))
        .put("scope", new JsonObject().put("type", scopeType).put("resource", scopeResource))
        .put("effect", effect)));
  }

  /** A node on {@code schema} (migrated at start), like the tests' TestNode but on PostgreSQL. */
  private static Node startNode(String url, String schema) throws Exception {
    Map<String, Object> o = new HashMap<>();
    o.put("http.host", "127.0.0.1");
    o.put("http.arcPort", 0);
    o.put("http.atlasPort", 0);
    o.put("http.managementPort", 0);
    o.put("http.instances", 2);
    o.put("http.shutdownTimeoutSeconds", 5);
    o.put("hazelcast.bindAddress", "127.0.0.1");
    o.put("hazelcast.clusterName", "perf-" + UUID.randomUUID());
    o.put("bootstrap.clientId", CLIENT_ID);
    o.put("bootstrap.clientSecret", CLIENT_SECRET);
    o.put("database.url", url);
    o.put("database.schema", schema);
    o.put("auth.tokenTtlSeconds", 3600);
    Settings s = ConfigLoader.load(null, Map.of(), o);
    return Node.start(s, Node.Mode.DEV).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  private static Connection jdbc(PgSettings pg) throws SQLException {
    Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    try (Statement s = c.createStatement()) {
      s.execute("SET search_path TO " + pg.schema());
    }
    return c;
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  /**
   * {@code rows} filler policies for other principals, in one transaction with every constraint and trigger
   * of the table in force: FILLER_ORGS organizations, one service account per FILLER_PER_PRINCIPAL policies
   * (spread over the organizations), organization-scope bindings of three predefined roles, one in five a
   * deny, creation times spread over the last rows milliseconds.
   */
  private static void fill(Connection c, long rows) throws SQLException {
    if (rows <= 0) {
      return;
    }
    long principals = (rows + FILLER_PER_PRINCIPAL - 1) / FILLER_PER_PRINCIPAL;
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("INSERT INTO organizations (id, uid, display_name, description, created_at, updated_at, version) "
          + "SELECT 'filler-' || o, gen_random_uuid(), 'filler', NULL, now(), now(), 1 "
          + "FROM generate_series(0, " + (FILLER_ORGS - 1) + ") o");
      s.execute("INSERT INTO service_accounts (id, uid, organization_id, client_id, scope, scope_id, roles, status, "
          + "display_name, description, created_by, created_at, updated_at, version) "
          + "SELECT 'fsa-' || i, gen_random_uuid(), 'filler-' || (i % " + FILLER_ORGS + "), "
          + "'fsa-' || i || '@filler-' || (i % " + FILLER_ORGS + ") || '.iam', 'organization', "
          + "'filler-' || (i % " + FILLER_ORGS + "), '{}', 'active', NULL, NULL, NULL, now(), now(), 1 "
          + "FROM generate_series(0, " + (principals - 1) + ") i");
      s.execute("INSERT INTO policies (id, uid, organization_id, display_name, description, role, principal_type, "
          + "principal_id, scope_type, scope_resource, effect, created_at, updated_at, version) "
          + "SELECT 'fpol-' || j, gen_random_uuid(), 'filler-' || ((j / " + FILLER_PER_PRINCIPAL + ") % "
          + FILLER_ORGS + "), NULL, NULL, "
          + "(ARRAY['org-viewer', 'compute-viewer', 'iam-admin'])[1 + j % 3], 'serviceAccount', "
          + "'fsa-' || (j / " + FILLER_PER_PRINCIPAL + "), 'org', "
          + "'filler-' || ((j / " + FILLER_PER_PRINCIPAL + ") % " + FILLER_ORGS + "), "
          + "CASE WHEN j % 5 = 0 THEN 'deny' ELSE 'allow' END, "
          + "now() - j * interval '1 millisecond', now() - j * interval '1 millisecond', 1 "
          + "FROM generate_series(0, " + (rows - 1) + ") j");
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      throw e;
    }
  }

  /** EXPLAIN ANALYZE of PgPolicyStore's forPrincipals statement for service account {@code sa}. */
  private static String explain(Connection c, String sa, boolean generic) throws SQLException {
    StringBuilder out = new StringBuilder();
    try (Statement s = c.createStatement()) {
      s.execute("DEALLOCATE ALL");
      s.execute("PREPARE for_principals(text[], text[]) AS SELECT * FROM policies "
          + "WHERE (principal_type, principal_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
          + "ORDER BY created_at, id");
      s.execute("SET plan_cache_mode = " + (generic ? "force_generic_plan" : "auto"));
      try (ResultSet r = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) EXECUTE for_principals("
          + "ARRAY['serviceAccount'], ARRAY['" + sa + "'])")) {
        while (r.next()) {
          out.append(r.getString(1)).append('\n');
        }
      }
      s.execute("DEALLOCATE ALL");
      s.execute("RESET plan_cache_mode");
    }
    return out.toString();
  }

  private static Map<String, Long> indexScans(Connection c) throws SQLException {
    Map<String, Long> out = new LinkedHashMap<>();
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(
        "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = 'policies' "
            + "AND schemaname = current_schema() ORDER BY 1")) {
      while (r.next()) {
        out.put(r.getString(1), r.getLong(2));
      }
    }
    return out;
  }

  private static long seqScans(Connection c) throws SQLException {
    return count(c, "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'policies' "
        + "AND schemaname = current_schema()");
  }

  /** Before-each-request hook of loop {@code i} (the cold phase's snapshot drop). */
  interface BeforeEach {
    io.vertx.core.Future<Void> run(int loop);
  }

  /**
   * {@code tokens.size()} closed loops over one Vert.x HTTP client (a connection per loop), each sending
   * {@code body} with its own token: {@code warmup} s discarded, then {@code seconds} s recorded.
   */
  /**
   * Warm: the loops' snapshots stay cached. Cold: before each request (outside the timed part), loop i
   * announces a change of its own service account's bindings exactly as a policy change does
   * ({@code AuthState.changed(BINDINGS, "serviceAccount:<id>")}: a change fence in the near-cached IMap and
   * the compiled snapshot dropped), so the request reads the bindings from PostgreSQL and recompiles.
   */
  private static Stats measure(World w, boolean cold, int warmup, int seconds) throws Exception {
    AuthState state = w.node().services().iam().state();
    BeforeEach drop = !cold ? null
        : i -> state.changed(AuthState.Kind.BINDINGS, "serviceAccount:" + w.accounts().get(i));
    return measure(w.node().arcPort(), w.tokens(), w.body(), drop, warmup, seconds,
        String.format(Locale.ROOT, "N=%,d %s", w.n(), cold ? "cold" : "warm"));
  }

  private static Stats measure(int port, List<String> tokens, String body, BeforeEach before, int warmup,
                               int seconds, String phase) throws Exception {
    int k = tokens.size();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(port).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(k));
      Buffer payload = Buffer.buffer(body);
      long[][] samples = new long[k][];
      int[] counts = new int[k];
      AtomicBoolean recording = new AtomicBoolean();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      CountDownLatch done = new CountDownLatch(k);
      for (int i = 0; i < k; i++) {
        samples[i] = new long[1 << 16];
        int loop = i;
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setURI(CHECK)
            .putHeader("Authorization", "Bearer " + tokens.get(i)).putHeader("Content-Type", "application/json");
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
          if (stop.get() || failure.get() != null) {
            done.countDown();
            return;
          }
          io.vertx.core.Future<Void> ready = before == null ? io.vertx.core.Future.succeededFuture()
              : before.run(loop);
          ready.onFailure(e -> {
            failure.compareAndSet(null, e);
            done.countDown();
          }).onSuccess(x -> {
          long t0 = System.nanoTime();
          client.request(ro).compose(req -> req.send(payload)).compose(res -> res.body().map(buf -> {
            if (res.statusCode() != 200) {
              throw new IllegalStateException("HTTP " + res.statusCode() + ": " + buf);
            }
            return buf;
          })).onComplete(ar -> {
            if (ar.failed()) {
              failure.compareAndSet(null, ar.cause());
              done.countDown();
              return;
            }
            long dt = System.nanoTime() - t0;
            if (recording.get()) {
              if (counts[loop] == samples[loop].length) {
                samples[loop] = Arrays.copyOf(samples[loop], samples[loop].length * 2);
              }
              samples[loop][counts[loop]++] = dt;
            }
            next[0].run();
          });
          });
        };
        vertx.runOnContext(v -> next[0].run());
      }
      Thread.sleep(warmup * 1000L);
      recording.set(true);
      long start = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      recording.set(false);
      double elapsed = (System.nanoTime() - start) / 1e9;
      stop.set(true);
      if (!done.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("loops did not stop");
      }
      if (failure.get() != null) {
        throw new IllegalStateException(phase + " phase failed", failure.get());
      }
      int total = 0;
      for (int c : counts) {
        total += c;
      }
      long[] all = new long[total];
      int at = 0;
      double sum = 0;
      for (int i = 0; i < k; i++) {
        System.arraycopy(samples[i], 0, all, at, counts[i]);
        at += counts[i];
        for (int j = 0; j < counts[i]; j++) {
          sum += samples[i][j];
        }
      }
      Arrays.sort(all);
      Stats s = new Stats(total, elapsed, all[(int) Math.floor(0.50 * (total - 1))] / 1e3,
          all[(int) Math.floor(0.99 * (total - 1))] / 1e3, sum / total / 1e3);
      System.out.printf(Locale.ROOT, "%s: %,d requests in %.1f s = %,.0f req/s; p50 %.0f µs, p99 %.0f µs, mean %.0f µs%n",
          phase, s.count(), s.seconds(), s.rps(), s.p50us(), s.p99us(), s.meanUs());
      return s;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Blocking setup calls (java.net.http). */
  private record Setup(String base) {

    HttpResponse<String> send(String method, String path, String body, String... headers) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body));
      for (int i = 0; i < headers.length; i += 2) {
        b.header(headers[i], headers[i + 1]);
      }
      try {
        return SETUP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new IllegalStateException(method + " " + path, e);
      }
    }

    HttpResponse<String> post(String path, String token, JsonObject body) {
      return send("POST", path, body.encode(), "Authorization", "Bearer " + token, "Content-Type",
          "application/json");
    }

    JsonObject created(HttpResponse<String> r) {
      if (r.statusCode() != 201 && r.statusCode() != 200) {
        throw new IllegalStateException(r.request().uri() + " answered " + r.statusCode() + ": " + r.body());
      }
      return new JsonObject(r.body());
    }

    String token(String clientId, String secret) {
      HttpResponse<String> r = send("POST", "/v1/regions/global/auth/token", "grant_type=client_credentials"
              + "&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
              + "&client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8),
          "Content-Type", "application/x-www-form-urlencoded");
      if (r.statusCode() != 200) {
        throw new IllegalStateException("token: " + r.statusCode() + " " + r.body());
      }
      return new JsonObject(r.body()).getString("access_token");
    }
  }
}
