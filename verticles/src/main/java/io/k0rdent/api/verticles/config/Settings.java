package io.k0rdent.api.verticles.config;

/**
 * The whole configuration, immutable. Defaults and documentation of every key live in
 * {@code k0rdent-defaults.yaml} on the class path; {@link ConfigLoader} layers a file, the environment
 * and command-line flags over them.
 */
public record Settings(Http http, Database database, Auth auth, Bootstrap bootstrap, Region region,
                       Hazelcast hazelcast) {

  /** Listeners. Ports 0..65535 (0 = pick a free one). */
  public record Http(String host, int arcPort, int atlasPort, int managementPort, int instances,
                     long bodyLimitBytes, int shutdownTimeoutSeconds) {}

  /** PostgreSQL; {@code url} null means the in-memory store. */
  public record Database(String url, String schema, int poolSize) {}

  /**
   * Token issuing; {@code pepper} base64url. Lifetimes in days (default and maximum of new credentials
   * and API keys); rate limits in requests per second per node (0 = off).
   */
  public record Auth(String issuer, String audience, int tokenTtlSeconds, String pepper,
                     int credentialMaxLifetimeDays, int apiKeyMaxLifetimeDays, long rateLimitPerClient,
                     long rateLimitPerAddress, long rateLimitFailuresPerAddress) {}

  /** The provider organization and its bootstrap service account credential. */
  public record Bootstrap(String organizationId, String clientId, String clientSecret) {}

  public record Region(String name) {}

  /** The embedded Hazelcast member. */
  public record Hazelcast(String clusterName, int port, String members, String bindAddress) {

    /**
     * The interface Hazelcast and the event bus bind: the configured one, else loopback for a node that
     * joins nobody (nothing needs to reach it; Hazelcast's port has no authentication, so it must never
     * be exposed by default). A clustered node must name its private interface (ConfigLoader checks).
     */
    public String effectiveBindAddress() {
      if (bindAddress != null && !bindAddress.isBlank()) {
        return bindAddress;
      }
      return members == null || members.isBlank() ? "127.0.0.1" : null;
    }
  }
}
