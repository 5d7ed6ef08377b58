package io.k0rdent.api.verticles.launcher;

import io.k0rdent.api.core.auth.SigningKeyRing;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.router.OpenApiUi;
import io.k0rdent.api.verticles.Node;
import io.k0rdent.api.verticles.redfish.FakeBmcFleet;
import io.k0rdent.api.verticles.config.ConfigLoader;
import io.k0rdent.api.verticles.config.Settings;
import io.k0rdent.api.verticles.store.pg.Migrations;
import io.k0rdent.api.verticles.store.pg.PgSettings;
import io.k0rdent.api.verticles.store.pg.PgStore;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line of {@code k0rdent-api.jar}: {@code dev} (everything in one process, the embedded
 * default), {@code serve --config FILE} (production: PostgreSQL required), {@code migrate --config FILE}
 * (apply the schema migrations and exit), {@code keys rotate --config FILE} (add a new JWT signing key).
 * Exit codes: 0 done, 1 failed to start or run, 2 usage or configuration error.
 */
@Command(name = "k0rdent-api", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "The k0rdent AI API: Arc (customer) and Atlas (provider) faces and the Auth/IAM service.",
    subcommands = {Main.Dev.class, Main.Serve.class, Main.Migrate.class, Main.Keys.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0 || !Boolean.getBoolean("k0rdent.keepRunning")) {
      System.exit(code);
    }
  }

  /** The command line with its error handling (exit codes as above), for {@link #main} and tests. */
  static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof ConfigLoader.ConfigException) {
        cmd.getErr().println("configuration error: " + ex.getMessage());
        return 2;
      }
      cmd.getErr().println("error: " + ex.getMessage());
      return 1;
    });
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Reports the product version recorded at build time. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"k0rdent-api " + OpenApiUi.productVersion()};
    }
  }

  @Command(name = "dev", mixinStandardHelpOptions = true,
      description = {"Run everything in one process on a laptop (the embedded default).",
          "An embedded Hazelcast member that joins nobody, an in-memory store (or PostgreSQL with --pg-url),",
          "region local-1, listeners on 127.0.0.1; prints the bootstrap credentials and how to log in."})
  static final class Dev implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--config", description = "YAML configuration file (as for serve)")
    Path config;
    @Option(names = "--arc-port", description = "Arc (public) port; 0 picks a free one (default 8080)")
    Integer arcPort;
    @Option(names = "--atlas-port", description = "Atlas (internal) port; 0 picks a free one (default 8081)")
    Integer atlasPort;
    @Option(names = "--management-port", description = "management port; 0 picks a free one (default 9000)")
    Integer managementPort;
    @Option(names = "--pg-url", description = "postgresql://user:password@host:5432/db to store in PostgreSQL")
    String pgUrl;
    @Option(names = "--kafka", paramLabel = "HOST:PORT", description = {"publish change events to this Kafka",
        "(events.kafkaBootstrapServers; without it, events stay in the outbox)"})
    String kafka;
    @Option(names = "--fake-bmcs", paramLabel = "N", description = {"start N fake Redfish BMCs on loopback (plain http),",
        "cycling through the captured BMCs of shared/redfish-mockups, and print their addresses and passwords"})
    int fakeBmcs;
    @Option(names = "--mockups", paramLabel = "DIR", description = {"the folder of Redfish captures for --fake-bmcs",
        "(default: shared/redfish-mockups found in the working directory or above it)"})
    Path mockups;

    @Override
    public Integer call() {
      Map<String, Object> o = new HashMap<>();
      o.put("http.arcPort", arcPort);
      o.put("http.atlasPort", atlasPort);
      o.put("http.managementPort", managementPort);
      o.put("database.url", pgUrl);
      o.put("events.kafkaBootstrapServers", kafka);
      if (fakeBmcs < 0) {
        throw new ConfigLoader.ConfigException("--fake-bmcs must be 0 or more");
      }
      Path captures = null;
      if (fakeBmcs > 0) {
        captures = mockups != null ? mockups : FakeBmcFleet.findMockups(Path.of("").toAbsolutePath());
        if (captures == null || !java.nio.file.Files.isDirectory(captures)) {
          throw new ConfigLoader.ConfigException("--fake-bmcs needs the Redfish captures: run from the repository "
              + "(shared/redfish-mockups is found in the working directory or above it) or give --mockups DIR");
        }
      }
      Settings s = ConfigLoader.load(DEV_DEFAULTS, config, environment(), o);
      return runNode(s, Node.Mode.DEV, fakeBmcs, captures);
    }
  }

  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = {"Run in production mode (PostgreSQL required).",
          "Migrations are applied at start. Configuration: the file, then K0RDENT_* environment variables."})
  static final class Serve implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--config", description = "YAML configuration file (optional: the environment may say all)")
    Path config;

    @Override
    public Integer call() {
      Settings s = withDatabase(config, "serve");
      if (s.auth().issuer() == null) {
        System.err.println("warning: auth.issuer (K0RDENT_AUTH_ISSUER) is not set, so tokens say iss=http://localhost:"
            + s.http().arcPort() + "; set it to the public URL of the Arc face, the same on every node");
      }
      return runNode(s, Node.Mode.SERVE, 0, null);
    }
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = "Apply the PostgreSQL schema migrations and exit.")
  static final class Migrate implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--config", description = "YAML configuration file (optional: the environment may say all)")
    Path config;

    @Override
    public Integer call() {
      Settings s = withDatabase(config, "migrate");
      Migrations.migrate(PgSettings.from(s.database()));
      System.out.println("migrations applied");
      return 0;
    }
  }

  @Command(name = "keys", mixinStandardHelpOptions = true,
      description = "Manage the JWT signing keys kept in PostgreSQL.",
      subcommands = {Keys.Rotate.class, CommandLine.HelpCommand.class})
  static final class Keys implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
        description = {"Add a freshly generated signing key that signs every new access token; the previous keys",
            "stay in the JWK Set, and valid, until the last token they signed has expired (auth.tokenTtlSeconds",
            "+ 30 s from now), then leave it. Works on the configured database (as migrate); the database must be",
            "migrated. This command does not join the cluster, so it cannot announce the rotation: running nodes",
            "pick it up at their next periodic reload, within 10 s. Give it the nodes' configuration (the same",
            "auth.tokenTtlSeconds). A node's Atlas operation POST /v1/regions/global/auth/keys:rotate does the",
            "same and reaches every node within a second."})
    static final class Rotate implements java.util.concurrent.Callable<Integer> {
      @CommandLine.Spec
      CommandLine.Model.CommandSpec spec;
      @Option(names = "--config", description = "YAML configuration file (optional: the environment may say all)")
      Path config;

      @Override
      public Integer call() throws Exception {
        Settings s = withDatabase(config, "keys rotate");
        Duration ttl = Duration.ofSeconds(s.auth().tokenTtlSeconds());
        Vertx vertx = Vertx.vertx();
        PgStore store = PgStore.create(vertx, PgSettings.from(s.database()));
        SigningKeys rotated;
        try {
          // audited like the API's rotation (actor: the system)
          store.changeEvents().source("/k0rdent/regions/" + s.region().name());
          var event = io.k0rdent.api.router.auth.SigningKeysApi.event(store.changeEvents());
          rotated = SigningKeyRing.open(store.settings(), ttl).compose(ring -> ring.rotate(event))
              .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          throw new IllegalStateException("rotating the signing key failed: "
              + (cause.getMessage() == null ? cause.toString() : cause.getMessage())
              + " (is the database reachable and migrated?)", cause);
        } finally {
          close(store, vertx);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("new signing key: " + rotated.current().getKeyID() + " (version " + rotated.version() + ")");
        for (SigningKeys.Entry e : rotated.entries()) {
          if (e.retireAfter() != null) {
            out.println("previous key " + e.kid() + " stays in the JWK Set until " + e.retireAfter());
          }
        }
        out.println("running nodes sign with the new key after their next reload (within "
            + SigningKeyRing.RELOAD_INTERVAL.toSeconds() + " s)");
        out.flush();
        return 0;
      }

      /** Closes the pool, then Vert.x, each awaited on its own (callbacks cannot run once Vert.x is closed). */
      private static void close(PgStore store, Vertx vertx) {
        try {
          store.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          System.err.println("warning: closing the database pool: " + e);
        }
        try {
          vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          System.err.println("warning: closing Vert.x: " + e);
        }
      }
    }
  }

  /** Dev mode binds loopback only (like {@code vault server -dev}); a file, variable or flag may widen it. */
  static final Map<String, Object> DEV_DEFAULTS = Map.of("http.host", "127.0.0.1", "hazelcast.bindAddress", "127.0.0.1",
      "servers.allowHttp", true,
      "region.addressPools", List.of(
          Map.of("id", "public-v4", "cidr", "203.0.113.0/24", "displayName", "Documentation range (RFC 5737), dev only"),
          Map.of("id", "public-v6", "cidr", "2001:db8:1::/48", "displayName", "Documentation range (RFC 3849), dev only")));

  /** The process environment, after warning about {@code K0RDENT_*} variables that name no key. */
  private static Map<String, String> environment() {
    Map<String, String> env = System.getenv();
    for (String name : ConfigLoader.unknownEnvironment(env)) {
      System.err.println("warning: environment variable " + name + " names no configuration key; ignored");
    }
    return env;
  }

  /** The configuration of a command that needs PostgreSQL; a 2-exit configuration error without one. */
  private static Settings withDatabase(Path config, String command) {
    Settings s = ConfigLoader.load(config, environment(), Map.of());
    if (s.database().url() == null || s.database().url().isBlank()) {
      throw new ConfigLoader.ConfigException("database.url (K0RDENT_DATABASE_URL) is required for " + command);
    }
    return s;
  }

  private static int runNode(Settings s, Node.Mode mode, int fakeBmcs, Path mockups) {
    long t0 = System.nanoTime();
    Node node;
    try {
      node = Node.start(s, mode).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ConfigLoader.ConfigException c) {
        throw c; // a bootstrap.users entry the store refutes: reported as a configuration error (exit 2)
      }
      System.err.println("failed to start: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
      return 1;
    } catch (Exception e) {
      System.err.println("failed to start: " + e);
      return 1;
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    printBanner(System.out, node, s, mode, ms);
    FakeBmcFleet fleet = null;
    Vertx fleetVertx = null;
    if (fakeBmcs > 0) {
      fleetVertx = Vertx.vertx();
      try {
        fleet = FakeBmcFleet.start(fleetVertx, mockups, fakeBmcs).toCompletionStage().toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("the fake BMCs did not start: " + e.getMessage());
      }
      if (fleet != null) {
        printFleet(System.out, fleet, node, s);
      }
    }
    Vertx fleetToClose = fleetVertx;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (fleetToClose != null) {
        fleetToClose.close();
      }
      System.out.println("shutting down: draining in-flight requests");
      try {
        node.close().toCompletionStage().toCompletableFuture()
            .get(s.http().shutdownTimeoutSeconds() + 20L, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("shutdown incomplete: " + e);
      }
      System.out.println("stopped");
      stopped.countDown();
    }, "k0rdent-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static void printFleet(PrintStream out, FakeBmcFleet fleet, Node node, Settings s) {
    out.println("Fake BMCs (Redfish over plain http on loopback, each serving one captured BMC):");
    int i = 1;
    for (FakeBmcFleet.Member m : fleet.members()) {
      out.printf("  %2d. %-24s username %-6s password %s   (%s)%n", i++, m.address(), m.username(), m.password(),
          m.capture());
    }
    FakeBmcFleet.Member first = fleet.members().get(0);
    out.println();
    out.println("Enrol one in a project of yours (README: \"Bare-metal servers\"), on Atlas:");
    out.printf("  curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' "
        + "http://localhost:%d/v1/regions/%s/projects/<project>/infrastructure/servers "
        + "-d '{\"id\":\"gpu-1\",\"bmcAddress\":\"%s\",\"bmcCredentials\":{\"username\":\"%s\",\"password\":\"%s\"}}'%n",
        node.atlasPort(), s.region().name(), first.address(), first.username(), first.password());
    out.println();
    out.flush();
  }

  private static void printBanner(PrintStream out, Node node, Settings s, Node.Mode mode, long ms) {
    String host = "localhost";
    out.println();
    out.printf("k0rdent AI API %s (%s mode, region %s, store: %s) ready in %d ms%n", OpenApiUi.productVersion(),
        mode.name().toLowerCase(), s.region().name(),
        s.database().url() == null ? "in-memory" : "postgresql", ms);
    out.printf("  Arc   (public):   http://%s:%d   docs: http://%s:%d/docs%n", host, node.arcPort(), host, node.arcPort());
    out.printf("  Atlas (internal): http://%s:%d   docs: http://%s:%d/docs%n", host, node.atlasPort(), host,
        node.atlasPort());
    out.printf("  Management:       http://%s:%d   (/healthz /readyz /metrics)%n", host, node.managementPort());
    out.println();
    Node.BootstrapCredential c = node.bootstrapCredential();
    out.println("K0RDENT_BOOTSTRAP_CLIENT_ID=" + c.clientId());
    if (c.secret() != null) {
      out.println("K0RDENT_BOOTSTRAP_CLIENT_SECRET=" + c.secret());
      out.println();
      out.println("Log in (client_credentials grant):");
      out.printf("  curl -s -u \"%s:%s\" -d grant_type=client_credentials http://%s:%d/v1/regions/global/auth/token%n",
          c.clientId(), c.secret(), host, node.arcPort());
    } else {
      out.println("(the bootstrap secret was set earlier and is not shown; set K0RDENT_BOOTSTRAP_CLIENT_SECRET to replace it)");
    }
    out.println();
    out.flush();
  }
}
