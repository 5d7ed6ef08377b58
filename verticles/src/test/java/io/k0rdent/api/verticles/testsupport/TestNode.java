package io.k0rdent.api.verticles.testsupport;

import io.k0rdent.api.verticles.Node;
import io.k0rdent.api.verticles.config.ConfigLoader;
import io.k0rdent.api.verticles.config.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@link Node} on free ports for HTTP tests: in-memory store unless a PostgreSQL URL and schema
 * are given, Hazelcast bound to 127.0.0.1 and joining nobody, two HTTP verticle instances.
 */
public final class TestNode implements AutoCloseable {

  public static final String CLIENT_ID = "bootstrap-test@provider.iam";
  public static final String CLIENT_SECRET = "plt_cs_cred-bootstrap_test-secret-0123456789abcdefghijklmnopqrstuv";

  private final Node node;
  public final Api arc;
  public final Api atlas;

  private TestNode(Node node) {
    this.node = node;
    this.arc = new Api("http://127.0.0.1:" + node.arcPort());
    this.atlas = new Api("http://127.0.0.1:" + node.atlasPort());
  }

  /** An in-memory node. */
  public static TestNode start() {
    return start(Map.of());
  }

  /** A node with extra configuration overrides (dotted keys). */
  public static TestNode start(Map<String, Object> overrides) {
    return start(null, overrides);
  }

  /**
   * A node configured by YAML file {@code config} (as {@code --config} gives it; null for none) under the
   * test overrides and {@code overrides} (dotted keys).
   */
  public static TestNode start(java.nio.file.Path config, Map<String, Object> overrides) {
    Map<String, Object> o = baseOverrides();
    o.put("http.instances", 2);
    o.put("bootstrap.clientId", CLIENT_ID);
    o.put("bootstrap.clientSecret", CLIENT_SECRET);
    o.putAll(overrides);
    Settings s = ConfigLoader.load(config, Map.of(), o);
    try {
      Node n = Node.start(s, Node.Mode.DEV).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new TestNode(n);
    } catch (Exception e) {
      throw new IllegalStateException("node did not start", e);
    }
  }

  /** Loopback, free ports, one verticle instance, a private Hazelcast cluster name: a mutable map. */
  public static Map<String, Object> baseOverrides() {
    Map<String, Object> o = new HashMap<>();
    o.put("http.host", "127.0.0.1");
    o.put("http.arcPort", 0);
    o.put("http.atlasPort", 0);
    o.put("http.managementPort", 0);
    o.put("http.instances", 1);
    o.put("http.shutdownTimeoutSeconds", 5);
    o.put("hazelcast.bindAddress", "127.0.0.1");
    o.put("hazelcast.clusterName", "test-" + java.util.UUID.randomUUID());
    return o;
  }

  public Node node() {
    return node;
  }

  public String managementUrl() {
    return "http://127.0.0.1:" + node.managementPort();
  }

  /**
   * A token of another configured platform administrator, {@code clientId} (registered on first use, as
   * the bootstrap account is): minted through the token endpoint like any client's.
   */
  public String adminToken(String clientId) {
    String secret = "plt_cs_cred-" + Integer.toHexString(clientId.hashCode() & 0xfffffff) + "_" + "x".repeat(40);
    var services = node.services();
    services.clients().register(new io.k0rdent.api.core.auth.ClientRegistry.Client(clientId,
        services.iam().hasher().hash(secret), clientId, io.k0rdent.api.core.auth.PrincipalType.SERVICE_ACCOUNT,
        services.providerOrganizationId(), "organization", services.providerOrganizationId(),
        "cred-" + Integer.toHexString(clientId.hashCode() & 0xfffffff), java.util.List.of(io.k0rdent.api.core.auth.policy.PredefinedRoles.PLATFORM_ADMIN)));
    return arc.clientCredentialsToken(clientId, secret);
  }

  /** A fresh access token of the bootstrap service account. */
  public String token() {
    return arc.clientCredentialsToken(CLIENT_ID, CLIENT_SECRET);
  }

  @Override
  public void close() {
    try {
      node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Default timeout of one HTTP exchange in tests. */
  public static final Duration TIMEOUT = Duration.ofSeconds(15);
}
