package io.k0rdent.api.verticles;

import com.hazelcast.core.HazelcastInstance;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.auth.SecretHasher;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.auth.SigningKeyRing;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.k0rdent.api.router.ApiDocument;
import io.k0rdent.api.router.ApiRouter;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.BodyValidator;
import io.k0rdent.api.router.OpenApiUi;
import io.k0rdent.api.router.PageTokens;
import io.k0rdent.api.router.auth.RateLimits;
import io.k0rdent.api.verticles.cluster.HazelcastAuthState;
import io.k0rdent.api.verticles.cluster.HazelcastSetup;
import io.k0rdent.api.verticles.config.Settings;
import io.k0rdent.api.verticles.http.HttpVerticle;
import io.k0rdent.api.verticles.http.ManagementVerticle;
import io.k0rdent.api.verticles.servers.RedfishProbe;
import io.k0rdent.api.verticles.servers.ServerWorker;
import io.k0rdent.api.verticles.servers.WorkerOptions;
import io.k0rdent.api.verticles.store.pg.Migrations;
import io.k0rdent.api.verticles.store.pg.PgSettings;
import io.k0rdent.api.verticles.store.pg.PgStore;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running k0rdent AI API process: an embedded Hazelcast member clustering Vert.x, the store
 * (PostgreSQL, migrated at start, or in memory), the server secrets (signing key, pepper, page-token key:
 * generated once and kept in the store), the seeded provider organization and its bootstrap service
 * account, the users of {@code bootstrap.users} ({@link BootstrapUsers}), the HTTP verticles (Arc and Atlas, one instance per core) and the management verticle.
 * {@link #start} returns when every listener is bound; {@link #close} drains and releases everything.
 */
public final class Node {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  /** The bootstrap service account's credential id: its secret reads {@code plt_cs_cred-bootstrap_...}. */
  public static final String BOOTSTRAP_CREDENTIAL_ID = "cred-bootstrap";

  /** How the bootstrap secret is chosen when none is configured. */
  public enum Mode {
    /** Dev: a new secret at every start (printed). */
    DEV,
    /** Serve: the stored credential is kept; a new one is generated (and printed) only the first time. */
    SERVE
  }

  /** The bootstrap credential; {@code secret} is null when it was kept from the store and is not known. */
  public record BootstrapCredential(String clientId, String secret) {}

  private final Vertx vertx;
  private final Store store;
  private final PrometheusMeterRegistry registry;
  private final List<String> deployments;
  private final int arcPort;
  private final int atlasPort;
  private final int managementPort;
  private final BootstrapCredential credential;
  private final String issuer;
  private final ApiServices services;
  private final List<ServerWorker> workers;

  private final java.util.concurrent.atomic.AtomicBoolean draining;

  private Node(Vertx vertx, Store store, PrometheusMeterRegistry registry, List<String> deployments,
               java.util.concurrent.atomic.AtomicBoolean draining, int arcPort,
               int atlasPort, int managementPort, BootstrapCredential credential, String issuer, ApiServices services,
               List<ServerWorker> workers) {
    this.services = services;
    this.workers = workers;
    this.draining = draining;
    this.vertx = vertx;
    this.store = store;
    this.registry = registry;
    this.deployments = deployments;
    this.arcPort = arcPort;
    this.atlasPort = atlasPort;
    this.managementPort = managementPort;
    this.credential = credential;
    this.issuer = issuer;
  }

  public int arcPort() {
    return arcPort;
  }

  public int atlasPort() {
    return atlasPort;
  }

  public int managementPort() {
    return managementPort;
  }

  public BootstrapCredential bootstrapCredential() {
    return credential;
  }

  public String issuer() {
    return issuer;
  }

  /** The shared services the routers use (store, keys, authorizer); for tools and tests. */
  public ApiServices services() {
    return services;
  }

  /** This node's embedded Hazelcast member (the Vert.x cluster manager's); for tools and tests. */
  public HazelcastInstance hazelcast() {
    return ((HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) vertx).clusterManager())
        .getHazelcastInstance();
  }

  /** Starts a node; the future fails (and everything started is released) when any step fails. */
  public static Future<Node> start(Settings settings, Mode mode) {
    Settings.Http http = settings.http();
    int[] ports = FreePorts.resolve(http.arcPort(), http.atlasPort(), http.managementPort());
    int arcPort = ports[0];
    int atlasPort = ports[1];
    int managementPort = ports[2];
    String issuer = settings.auth().issuer() != null ? settings.auth().issuer()
        : "http://localhost:" + arcPort;
    if (settings.auth().issuer() == null && !settings.hazelcast().members().isBlank()) {
      LOG.warn("auth.issuer is not set: this node's tokens name {} as their issuer and the other members will "
          + "refuse them; set auth.issuer (K0RDENT_AUTH_ISSUER) to the public URL every node shares", issuer);
    }

    // Parse the API document and build the request validators while Hazelcast starts.
    CompletableFuture<Routes> routes = CompletableFuture.supplyAsync(Routes::load);
    HazelcastClusterManager cluster = new HazelcastClusterManager(HazelcastSetup.config(settings.hazelcast()));
    VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions()
        .setHost(settings.hazelcast().effectiveBindAddress() == null ? "localhost"
            : settings.hazelcast().effectiveBindAddress()));
    // Completed outside Vert.x: after a failed start its event loops are gone and cannot run callbacks.
    CompletableFuture<Node> result = new CompletableFuture<>();
    Vertx.builder().with(options).withClusterManager(cluster).buildClustered().onComplete(built -> {
      if (built.failed()) {
        result.completeExceptionally(built.cause());
        return;
      }
      Vertx vertx = built.result();
      Future<Store> opened;
      try {
        opened = openStore(vertx, settings.database());
      } catch (RuntimeException e) {
        opened = Future.failedFuture(e);
      }
      opened
          .compose(store -> Future.fromCompletionStage(routes)
              .compose(r -> assemble(vertx, cluster.getHazelcastInstance(), store, settings, mode, r, arcPort,
                  atlasPort, managementPort, issuer))
              .onFailure(err -> store.close()))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              result.complete(ar.result());
              return;
            }
            Thread closer = new Thread(() -> {
              try {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
              } catch (Exception e) {
                LOG.warn("closing after a failed start: {}", e.toString());
              }
              result.completeExceptionally(ar.cause());
            }, "k0rdent-abort");
            closer.setDaemon(true);
            closer.start();
          });
    });
    return Future.fromCompletionStage(result);
  }

  private static Future<Store> openStore(Vertx vertx, Settings.Database db) {
    if (db.url() == null || db.url().isBlank()) {
      return Future.succeededFuture(new InMemoryStore());
    }
    PgSettings pg = PgSettings.from(db);
    return vertx.<Void>executeBlocking(() -> {
      Migrations.migrate(pg);
      return null;
    }).map(v -> (Store) PgStore.create(vertx, pg));
  }

  /** The API document and its validators: built once per process, shared by every HTTP verticle. */
  private record Routes(ApiDocument doc, Map<String, BodyValidator> validators) {
    static Routes load() {
      ApiDocument doc = ApiDocument.load();
      return new Routes(doc, ApiRouter.validators(doc));
    }
  }

  /**
   * The {@code /readyz} view of this node's relay: {@code relay} {@code off} (none configured) or {@code on}, and
   * when on, {@code leading} (whether it holds the cluster's publishing lock) and {@code lastError} (why its last
   * round failed, null after a good one), so that a relay stuck on an unreachable broker shows.
   */
  private static io.vertx.core.json.JsonObject relayStatus(Settings.Events events,
                                                          io.k0rdent.api.verticles.events.OutboxRelay r) {
    if (events.kafkaBootstrapServers() == null || events.kafkaBootstrapServers().isBlank()) {
      return new io.vertx.core.json.JsonObject().put("relay", "off");
    }
    return new io.vertx.core.json.JsonObject().put("relay", "on").put("leading", r != null && r.leading())
        .put("lastError", r == null ? null : r.lastError());
  }

  private static Future<Node> assemble(Vertx vertx, HazelcastInstance hazelcast, Store store, Settings settings,
                                       Mode mode, Routes routes, int arcPort, int atlasPort, int managementPort,
                                       String issuer) {
    // the relay this node runs, once deployed (its state goes to /readyz details)
    java.util.concurrent.atomic.AtomicReference<io.k0rdent.api.verticles.events.OutboxRelay> relayRef =
        new java.util.concurrent.atomic.AtomicReference<>();
    // events name this deployment's region as their source; seeding at start already appends events
    store.changeEvents().source("/k0rdent/regions/" + settings.region().name());
    io.k0rdent.api.router.resources.EventRenderings.install(store.changeEvents());
    Future<String> pepperF = settings.auth().pepper() != null
        ? Future.succeededFuture(settings.auth().pepper())
        : store.settings().getOrCreate("auth.pepper", Secrets::random256);
    Future<SigningKeyRing> keyF = SigningKeyRing.open(store.settings(), Duration.ofSeconds(settings.auth().tokenTtlSeconds()));
    Future<String> pagingF = store.settings().getOrCreate("paging.hmac-key", Secrets::random256);
    String configuredKey = settings.servers().credentialKey();
    // dev keeps a generated key next to the data it seals (dev only); serve needs one from configuration
    Future<String> serverKeyF = configuredKey != null && !configuredKey.isBlank() ? Future.succeededFuture(configuredKey)
        : mode == Mode.DEV ? store.settings().getOrCreate("servers.credential-key",
            io.k0rdent.api.core.server.CredentialCipher::newKey) : Future.succeededFuture(null);
    return Future.all(List.of(pepperF, keyF, pagingF, serverKeyF)).compose(cf -> {
      io.k0rdent.api.core.server.CredentialCipher cipher = serverKeyF.result() == null ? null
          : io.k0rdent.api.core.server.CredentialCipher.fromBase64(serverKeyF.result());
      if (cipher == null) {
        LOG.warn("servers.credentialKey (K0RDENT_SERVERS_CREDENTIAL_KEY) is not set: registering bare-metal servers "
            + "answers 503 until it is");
      }
      WorkerOptions workerOptions = WorkerOptions.from(settings.servers());
      byte[] pepper = decodeKey(pepperF.result(), "auth.pepper");
      SecretHasher hasher = new SecretHasher(pepper);
      SigningKeyRing keys = keyF.result();
      keys.attach(vertx, SigningKeyRing.RELOAD_INTERVAL); // rotations reach every node over the event bus
      PageTokens pageTokens = new PageTokens(decodeKey(pagingF.result(), "paging.hmac-key"));
      ClientRegistry clients = new ClientRegistry();
      return bootstrapCredential(store, settings.bootstrap(), mode, hasher).compose(cred ->
          seedProvider(store, settings.bootstrap().organizationId())
              .compose(v -> AddressPoolSeeds.seed(store, settings.region()))
              .compose(v -> BootstrapUsers.seed(store, settings.bootstrap().users())).compose(seeded -> {
            String providerOrg = settings.bootstrap().organizationId();
            clients.register(new ClientRegistry.Client(cred.clientId(), cred.hash(), cred.clientId(),
                PrincipalType.SERVICE_ACCOUNT, providerOrg, "organization", providerOrg, BOOTSTRAP_CREDENTIAL_ID,
                List.of(PredefinedRoles.PLATFORM_ADMIN)));
            return HazelcastAuthState.start(vertx, hazelcast, store).compose(authState ->
                // other nodes may have cached the seeded users or their bindings as absent
                BootstrapUsers.announce(authState, seeded).onFailure(err -> authState.close()).map(authState))
                .compose(authState -> {
            Settings.Auth a = settings.auth();
            ApiServices.Iam iam = new ApiServices.Iam(authState, new CredentialChecks(authState, clients, hasher),
                hasher, new RateLimits(a.rateLimitPerClient(), a.rateLimitPerAddress(), a.rateLimitFailuresPerAddress()),
                Duration.ofDays(a.credentialMaxLifetimeDays()), Duration.ofDays(a.apiKeyMaxLifetimeDays()));
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(registry);
            new JvmGcMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            Grants grants = new Grants(authState, clients);
            ApiServices services = new ApiServices(store, grants, clients, keys, pageTokens, registry, providerOrg,
                issuer,
                settings.auth().audience(), Duration.ofSeconds(settings.auth().tokenTtlSeconds()),
                settings.http().bodyLimitBytes(), ApiServices.DEFAULT_IDEMPOTENCY_TTL, OpenApiUi.productVersion(), iam,
                new ApiServices.Ipam(java.util.Set.of(settings.region().name()),
                    io.k0rdent.api.core.ipam.CidrRules.of(settings.ipam().networkRanges()),
                    settings.ipam().externalAddressesPerProject()),
                new ApiServices.Servers(cipher, settings.servers().allowHttp(),
                    new RedfishProbe(vertx, cipher, workerOptions.redfish())));
            ApiDocument doc = routes.doc();
            Map<String, BodyValidator> validators = routes.validators();
            int instances = settings.http().instances() > 0 ? settings.http().instances()
                : Runtime.getRuntime().availableProcessors();
            String host = settings.http().host();
            List<String> deployments = new ArrayList<>();
            List<ServerWorker> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
            return vertx.deployVerticle(() -> new HttpVerticle(services, doc, validators, host, arcPort, atlasPort,
                    settings.http().shutdownTimeoutSeconds()), new DeploymentOptions().setInstances(instances))
                .compose(id -> {
                  deployments.add(id);
                  return vertx.deployVerticle(new ManagementVerticle(store, hazelcast, registry, host, managementPort,
                      settings.http().shutdownTimeoutSeconds(), draining::get, () -> relayStatus(settings.events(), relayRef.get())));
                })
                .compose(id -> {
                  deployments.add(id);
                  if (settings.servers().workerInstances() == 0) {
                    return Future.succeededFuture(null);
                  }
                  String nodeName = hazelcast.getCluster().getLocalMember().getAddress().toString();
                  return vertx.deployVerticle(() -> {
                    ServerWorker w = new ServerWorker(store.servers(), cipher, workerOptions, nodeName);
                    workers.add(w);
                    return w;
                  }, new DeploymentOptions().setThreadingModel(io.vertx.core.ThreadingModel.WORKER)
                      .setInstances(settings.servers().workerInstances()));
                })
                .compose(id -> {
                  if (id != null) {
                    deployments.add(id);
                  }
                  io.k0rdent.api.verticles.events.RelayOptions relay = io.k0rdent.api.verticles.events.RelayOptions
                      .of(settings.events().kafkaBootstrapServers()).withTopic(settings.events().topic());
                  if (!relay.enabled()) {
                    return Future.succeededFuture(null);
                  }
                  String nodeName = hazelcast.getCluster().getLocalMember().getAddress().toString();
                  io.k0rdent.api.verticles.events.OutboxRelay r = new io.k0rdent.api.verticles.events.OutboxRelay(
                      store.events(), relay, registry, nodeName);
                  relayRef.set(r);
                  return vertx.deployVerticle(r, new DeploymentOptions()
                      .setThreadingModel(io.vertx.core.ThreadingModel.WORKER));
                })
                .compose(id -> {
                  if (id != null) {
                    deployments.add(id);
                  }
                  // the audit log's retention: every node purges (published rows only where a relay runs)
                  Settings.Events ev = settings.events();
                  if (ev.retentionDays() == 0) {
                    return Future.succeededFuture(null);
                  }
                  return vertx.deployVerticle(new io.k0rdent.api.verticles.events.EventRetention(store.events(),
                      Duration.ofDays(ev.retentionDays()), Duration.ofSeconds(ev.purgeIntervalSeconds()),
                      !ev.relayEnabled()), new DeploymentOptions().setThreadingModel(io.vertx.core.ThreadingModel.WORKER));
                })
                .map(id -> {
                  if (id != null) {
                    deployments.add(id);
                  }
                  return new Node(vertx, store, registry, deployments, draining, arcPort, atlasPort, managementPort,
                      new BootstrapCredential(cred.clientId(), cred.secret()), issuer, services, workers);
                })
                .onFailure(err -> authState.close());
            });
          }));
    });
  }

  private static byte[] decodeKey(String b64, String name) {
    byte[] key;
    try {
      key = Base64.getUrlDecoder().decode(b64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + " must be base64url");
    }
    if (key.length < 32) {
      throw new IllegalArgumentException(name + " must hold at least 32 bytes");
    }
    return key;
  }

  private record StoredCredential(String clientId, String hash, String secret) {}

  /**
   * The bootstrap credential: configured (client id and/or secret) → stored, replacing what was; else in
   * {@code SERVE} mode the stored one is kept; else a generated one is stored. In {@code SERVE} mode the
   * first node to store wins (nodes starting together on an empty database agree), and only the node whose
   * secret was stored prints it. Its hash is stored so that every node of a cluster accepts it.
   */
  private static Future<StoredCredential> bootstrapCredential(Store store, Settings.Bootstrap b, Mode mode,
                                                             SecretHasher hasher) {
    String generatedId = "bootstrap-" + UUID.randomUUID().toString().substring(0, 8) + "@" + b.organizationId() + ".iam";
    String secret = b.clientSecret() != null ? b.clientSecret() : Secrets.clientSecret(BOOTSTRAP_CREDENTIAL_ID);
    if (mode == Mode.DEV) {
      return storeCredential(store, b.clientId() != null ? b.clientId() : generatedId, secret, hasher);
    }
    return store.settings().get("bootstrap.credential").compose(stored -> {
      JsonObject old = stored.map(JsonObject::new).orElse(null);
      String oldId = old == null ? null : old.getString("clientId");
      if (b.clientSecret() != null) {
        // The operator chose it, so it is not printed (it would land in production logs).
        String id = b.clientId() != null ? b.clientId() : oldId != null ? oldId : generatedId;
        return storeCredential(store, id, secret, hasher)
            .map(c -> new StoredCredential(c.clientId(), c.hash(), null));
      }
      if (old != null && (b.clientId() == null || b.clientId().equals(oldId))) {
        return Future.succeededFuture(new StoredCredential(oldId, old.getString("secretHash"), null));
      }
      String id = b.clientId() != null ? b.clientId() : generatedId;
      if (old != null) {
        return storeCredential(store, id, secret, hasher);
      }
      String mine = credentialJson(id, hasher.hash(secret));
      return store.settings().getOrCreate("bootstrap.credential", () -> mine).map(kept -> {
        JsonObject k = new JsonObject(kept);
        return new StoredCredential(k.getString("clientId"), k.getString("secretHash"),
            kept.equals(mine) ? secret : null);
      });
    });
  }

  private static String credentialJson(String clientId, String secretHash) {
    return new JsonObject().put("clientId", clientId).put("secretHash", secretHash).encode();
  }

  private static Future<StoredCredential> storeCredential(Store store, String clientId, String secret,
                                                         SecretHasher hasher) {
    String hash = hasher.hash(secret);
    return store.settings().put("bootstrap.credential", credentialJson(clientId, hash))
        .map(v -> new StoredCredential(clientId, hash, secret));
  }

  private static Future<Void> seedProvider(Store store, String orgId) {
    var now = Clock.now();
    return store.organizations()
        .create(new Organization(orgId, UUID.randomUUID(), "Provider", "The provider's own organization", now, now, 1))
        .<Void>mapEmpty()
        .recover(err -> err instanceof ApiException a && a.status() == 409
            ? Future.succeededFuture() : Future.failedFuture(err));
  }

  /** The bare-metal worker verticles of this node (for tests). */
  public List<ServerWorker> serverWorkers() {
    return List.copyOf(workers);
  }

  /**
   * Simulates this node dying (tests): its workers stop writing, renewing and releasing at once (their leases run
   * out and another node takes their servers over), then the node closes.
   */
  public Future<Void> crash() {
    workers.forEach(ServerWorker::crash);
    return close();
  }

  /**
   * Stops accepting, drains in-flight requests (bounded by {@code http.shutdownTimeoutSeconds}) while
   * {@code /readyz} answers 503 "draining", then closes the management face, the pools and leaves the cluster.
   */
  public Future<Void> close() {
    draining.set(true);
    Future<Void> undeploy = Future.succeededFuture();
    for (String id : deployments) {
      undeploy = undeploy.compose(v -> vertx.undeploy(id)).recover(err -> {
        LOG.warn("undeploy failed: {}", err.toString());
        return Future.succeededFuture();
      });
    }
    return undeploy
        .compose(v -> services.iam().state().close().recover(err -> Future.succeededFuture()))
        .compose(v -> store.close().recover(err -> Future.succeededFuture()))
        .compose(v -> vertx.close())
        .onComplete(ar -> registry.close());
  }
}
