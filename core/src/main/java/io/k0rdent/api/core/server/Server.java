package io.k0rdent.api.core.server;

import io.k0rdent.api.core.resource.Resource;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A bare-metal server of one project in one region (upstream schema {@code Server}, operations
 * {@code registerServer}..{@code batchCreateServers}). Its id is unique within (region, project). Immutable; every
 * change is a new version ({@link Resource#version()}), written compare-and-set.
 *
 * @param tags           upstream {@code tags} (string → string)
 * @param bmc            how to reach its BMC; the credentials only sealed ({@link CredentialCipher})
 * @param state          the provisioning state; changed only through {@link #apply(Transition, Instant)}
 * @param step           the worker's step within a working state's phase (e.g. {@code power-on}); null when the
 *                       phase has not started or the state is not a working one. A server found in a working state
 *                       with a step set was left mid-phase by a worker that stopped.
 * @param power          observed power state ({@code On}, {@code Off}, ..., null: not read yet) and the pending
 *                       operator request
 * @param maintenance    maintenance flag and reason: the workers leave a server in maintenance alone
 * @param health         from the BMC's {@code Status.Health}, with the time of the last check
 * @param lastError      why the last phase or power request failed (null after a success)
 * @param hardware       upstream {@code hardwareSpecs} as inspection found it (null before inspection)
 * @param provisioning   the last {@code :provision} request and its job id (null before the first)
 * @param inspectAfterEnroll whether enrolling continues through inspecting (registration's {@code inspect},
 *                       true by default)
 * @param stateChangedAt when {@code state} last changed
 */
public record Server(String region, String projectId, String id, UUID uid, String displayName, String description,
                     Map<String, String> tags, String persona, Bmc bmc, ServerState state, String step, Power power,
                     Maintenance maintenance, Health health, String lastError, JsonObject hardware,
                     Provisioning provisioning, boolean inspectAfterEnroll, Instant stateChangedAt,
                     Instant createdAt, Instant updatedAt, long version) implements Resource {

  public Server {
    tags = tags == null ? Map.of() : Map.copyOf(tags);
    hardware = hardware == null ? null : hardware.copy();
  }

  @Override
  public JsonObject hardware() {
    return hardware == null ? null : hardware.copy();
  }

  /**
   * The BMC: {@code address} ({@code https://host[:port]}, or {@code http://} where configuration allows it),
   * the sealed {@code {username, password}} and the TLS trust setting ({@code certificateSha256}: pinned leaf
   * certificate, lowercase hex; {@code insecure}: any certificate, set on purpose).
   */
  public record Bmc(String address, String sealedCredentials, String certificateSha256, boolean insecure) {}

  /** Observed power state as the BMC reports it (null: unknown) and the operator's pending request (null: none). */
  public record Power(String observed, PowerRequest requested) {

    public static final Power UNKNOWN = new Power(null, null);
  }

  /** A power change an operator asked for; the worker sends it and polls until the BMC shows it. */
  public enum PowerRequest {
    ON("On"), OFF("Off"), REBOOT("On");

    private final String target;

    PowerRequest(String target) {
      this.target = target;
    }

    /** The {@code PowerState} that means done. */
    public String target() {
      return target;
    }
  }

  /** Maintenance mode and the operator's reason. */
  public record Maintenance(boolean on, String reason) {

    public static final Maintenance OFF = new Maintenance(false, null);
  }

  /**
   * Upstream {@code healthStatus}: {@code status} {@code healthy}/{@code degraded}/{@code failed} (null: not
   * checked yet), the last check and the reasons of a degraded or failed status.
   */
  public record Health(String status, Instant lastCheckTime, List<String> failureReasons) {

    public static final Health UNKNOWN = new Health(null, null, List.of());

    public Health {
      failureReasons = failureReasons == null ? List.of() : List.copyOf(failureReasons);
    }
  }

  /** A {@code :provision} request: {@code osImage}, {@code configuration} (any object) and its {@code jobId}. */
  public record Provisioning(String osImage, JsonObject configuration, String jobId) {

    public Provisioning {
      configuration = configuration == null ? new JsonObject() : configuration.copy();
    }

    @Override
    public JsonObject configuration() {
      return configuration.copy();
    }
  }

  /** A new server in {@code enrolling}, version 1. */
  public static Server enrolling(String region, String projectId, String id, String displayName, String description,
                                 Map<String, String> tags, String persona, Bmc bmc, boolean inspectAfterEnroll,
                                 Instant now) {
    return new Server(region, projectId, id, UUID.randomUUID(), displayName, description, tags, persona, bmc,
        ServerState.ENROLLING, null, Power.UNKNOWN, Maintenance.OFF, Health.UNKNOWN, null, null, null,
        inspectAfterEnroll, now, now, now, 1);
  }

  /**
   * The server after {@code t}: its state {@code t.to()}, the step cleared, {@code lastError} set to the
   * transition's error (cleared by a success or an operator's action), the version bumped.
   *
   * @throws IllegalStateException when the server is not in {@code t.from()} (the caller read a stale version)
   */
  public Server apply(Transition t, Instant now) {
    if (t.from() != state) {
      throw new IllegalStateException("server " + id + " is " + state.wire() + ", not " + t.from().wire());
    }
    return new Server(region, projectId, id, uid, displayName, description, tags, persona, bmc, t.to(), null, power,
        maintenance, health, t.error(), hardware, provisioning, inspectAfterEnroll, now, createdAt, now,
        version + 1);
  }

  /** As {@link #apply(Transition, Instant)}, recording the {@code :provision} request {@code provisioning} too. */
  public Server apply(Transition t, Provisioning provisioning, Instant now) {
    Server moved = apply(t, now);
    return new Server(region, projectId, id, uid, displayName, description, tags, persona, bmc, moved.state, null,
        power, maintenance, health, moved.lastError, hardware, provisioning, inspectAfterEnroll, now, createdAt, now,
        moved.version);
  }

  /** With {@code displayName}, {@code description}, {@code tags} and {@code persona} replaced; version bumped. */
  public Server withMetadata(String displayName, String description, Map<String, String> tags, String persona,
                             Instant now) {
    return new Server(region, projectId, id, uid, displayName, description, tags, persona, bmc, state, step, power,
        maintenance, health, lastError, hardware, provisioning, inspectAfterEnroll, stateChangedAt, createdAt, now,
        version + 1);
  }

  /**
   * With {@code bmc}, the version unchanged: for a server being built (registration seals the credentials with its
   * uid) or with a change that already bumped the version.
   */
  public Server withBmc(Bmc bmc) {
    return new Server(region, projectId, id, uid, displayName, description, tags, persona, bmc, state, step, power,
        maintenance, health, lastError, hardware, provisioning, inspectAfterEnroll, stateChangedAt, createdAt,
        updatedAt, version);
  }

  /** With the worker's progress {@code step} (null: none); version bumped. */
  public Server withStep(String step, Instant now) {
    return new Server(region, projectId, id, uid, displayName, description, tags, persona, bmc, state, step, power,
        maintenance, health, lastError, hardware, provisioning, inspectAfterEnroll, stateChangedAt, createdAt, now,
        version + 1);
  }

  /** With power, maintenance, health and {@code lastError} replaced; version bumped. */
  public Server withStatus(Power power, Maintenance maintenance, Health health, String lastError, Instant now) {
    return new Server(region, projectId, id, uid, displayName, description, tags, persona, bmc, state, step, power,
        maintenance, health, lastError, hardware, provisioning, inspectAfterEnroll, stateChangedAt, createdAt, now,
        version + 1);
  }

  /** With inspection's {@code hardware}; version bumped. */
  public Server withHardware(JsonObject hardware, Instant now) {
    return new Server(region, projectId, id, uid, displayName, description, tags, persona, bmc, state, step, power,
        maintenance, health, lastError, hardware, provisioning, inspectAfterEnroll, stateChangedAt, createdAt, now,
        version + 1);
  }

  /** The relative selfLink: {@code /v1/regions/<r>/projects/<p>/infrastructure/servers/<id>}. */
  public String selfLink() {
    return link(region, projectId, id);
  }

  /** The selfLink of server {@code id} of project {@code projectId} in {@code region}. */
  public static String link(String region, String projectId, String id) {
    return "/v1/regions/" + region + "/projects/" + projectId + "/infrastructure/servers/" + id;
  }
}
