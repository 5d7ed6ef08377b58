package io.k0rdent.api.verticles.config;

/**
 * The whole configuration, immutable. Defaults and documentation of every key live in
 * {@code k0rdent-defaults.yaml} on the class path; {@link ConfigLoader} layers a file, the environment
 * and command-line flags over them.
 */
public record Settings(Http http, Database database, Auth auth, Bootstrap bootstrap, Region region,
                       Ipam ipam, Servers servers, Events events, Hazelcast hazelcast) {

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

  /**
   * The provider organization, its bootstrap service account credential, and the users seeded at start
   * ({@code users} never null; each entry checked and completed by {@link ConfigLoader}).
   */
  public record Bootstrap(String organizationId, String clientId, String clientSecret, java.util.List<User> users) {

    public Bootstrap {
      users = users == null ? java.util.List.of() : java.util.List.copyOf(users);
    }
  }

  /**
   * A user created at start when absent ({@code bootstrap.users[i]}), with an allow binding of each of
   * {@code roles} (predefined or custom roles of its organization) at its organization's scope.
   * {@code organizationId} defaults to {@code bootstrap.organizationId}; {@code roles} is never null.
   */
  public record User(String id, String email, String displayName, String organizationId,
                     java.util.List<String> roles) {

    public User {
      roles = roles == null ? java.util.List.of() : java.util.List.copyOf(roles);
    }
  }

  /**
   * The region this process serves, and the external address pools seeded in it at start
   * ({@code addressPools} never null; each entry checked by {@link ConfigLoader}).
   */
  public record Region(String name, java.util.List<AddressPool> addressPools) {

    public Region {
      addressPools = addressPools == null ? java.util.List.of() : java.util.List.copyOf(addressPools);
    }
  }

  /** An address pool created at start when absent ({@code region.addressPools[i]}); {@code cidr} canonical. */
  public record AddressPool(String id, String cidr, String displayName) {}

  /**
   * IP address management: the blocks tenants' networks must lie within (canonical CIDR texts), and how many
   * EXTERNAL addresses a project may hold per region (0 = no limit).
   */
  public record Ipam(java.util.List<String> networkRanges, int externalAddressesPerProject) {

    public Ipam {
      networkRanges = networkRanges == null ? java.util.List.of() : java.util.List.copyOf(networkRanges);
    }
  }

  /**
   * Bare-metal servers and their workers.
   *
   * @param credentialKey          AES-256 key sealing BMC credentials (32 bytes, base64url), the same on every node;
   *                               null: generated and kept in the store in {@code dev}, registration refused (503)
   *                               in {@code serve}
   * @param allowHttp              whether a BMC address may be plain {@code http} (true in {@code dev})
   * @param workerInstances        worker verticles per node (each drives many servers at once)
   * @param leaseSeconds           how long a worker's lease on a server lasts unless renewed (renewed every third of it);
   *                               after a crash, another node takes the server over this long after the last renewal
   * @param scanIntervalMillis     how often an idle worker looks for servers needing work (changes made through the API
   *                               wake the workers at once)
   * @param phaseRetries           how many times a phase that failed for a transient reason (BMC unreachable, 5xx) is
   *                               tried again, with doubling back-off, before the server goes to the failed state
   * @param bmcRequestTimeoutSeconds one BMC request at most
   * @param bmcPollIntervalMillis  between two reads of a BMC's state while waiting for a change
   * @param bmcPowerTimeoutSeconds how long a power change may take to show
   * @param bmcTaskTimeoutSeconds  how long a BMC task (202 + task monitor) may run
   * @param bmcRetries             retries of one BMC request after a transient failure
   */
  public record Servers(String credentialKey, boolean allowHttp, int workerInstances, int leaseSeconds,
                        int scanIntervalMillis, int phaseRetries, int bmcRequestTimeoutSeconds, int bmcPollIntervalMillis,
                        int bmcPowerTimeoutSeconds, int bmcTaskTimeoutSeconds, int bmcRetries) {}

  /**
   * The change-event stream.
   *
   * @param kafkaBootstrapServers Kafka's {@code host:port[,host:port]}; null or empty: no relay (events stay in the
   *                              outbox)
   * @param topic                 the topic events go to (key: the resource's selfLink)
   * @param retentionDays         how long the outbox keeps events for the audit log, in days of event time, 0..36500;
   *                              0 = forever (no purge)
   * @param purgeIntervalSeconds  how often each node deletes the events past the retention (and once at start), 1 or
   *                              more
   */
  public record Events(String kafkaBootstrapServers, String topic, int retentionDays, int purgeIntervalSeconds) {

    /** Whether this node runs the Kafka relay (bootstrap servers are set). */
    public boolean relayEnabled() {
      return kafkaBootstrapServers != null && !kafkaBootstrapServers.isBlank();
    }
  }

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
