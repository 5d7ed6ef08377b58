package io.k0rdent.api.core.server;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The provisioning state of a bare-metal server: OpenStack Ironic's model, trimmed (issue 7's table). Working
 * states are driven by a worker and end in their phase's next state ({@link Transition#succeeded}) or failed
 * state ({@link Transition#failed}); stable and failed states wait for an operator's action. Power, maintenance
 * and health are fields of the server, not states.
 *
 * <p>The transition table is this enum's: {@link #after} is the only place a lifecycle action maps to a next
 * state, and {@link Transition} the only way a state is changed.
 */
public enum ServerState {
  ENROLLING("enrolling", Kind.WORKING),
  INSPECTING("inspecting", Kind.WORKING),
  CLEANING("cleaning", Kind.WORKING),
  PROVISIONING("provisioning", Kind.WORKING),
  DEPROVISIONING("deprovisioning", Kind.WORKING),
  /** Decommissioning: the worker forgets the BMC and deletes the server. */
  DELETING("deleting", Kind.WORKING),
  ENROLL_FAILED("enroll_failed", Kind.FAILED),
  INSPECT_FAILED("inspect_failed", Kind.FAILED),
  CLEAN_FAILED("clean_failed", Kind.FAILED),
  PROVISION_FAILED("provision_failed", Kind.FAILED),
  ERROR("error", Kind.FAILED),
  MANAGEABLE("manageable", Kind.STABLE),
  AVAILABLE("available", Kind.STABLE),
  PROVISIONED("provisioned", Kind.STABLE);

  /** Who moves the server on. */
  public enum Kind {
    /** A worker drives it; only {@code abort} is accepted. */
    WORKING,
    /** Waits for an operator. */
    STABLE,
    /** Waits for an operator, with {@code lastError} saying why it failed. */
    FAILED
  }

  private static final Map<ServerState, Map<ServerAction, ServerState>> TABLE = new EnumMap<>(ServerState.class);

  static {
    for (ServerState s : values()) {
      TABLE.put(s, new EnumMap<>(ServerAction.class));
    }
    for (ServerState w : new ServerState[] {ENROLLING, INSPECTING, CLEANING, PROVISIONING, DEPROVISIONING}) {
      allow(w, ServerAction.ABORT, w.failedState());
    }
    allow(ENROLL_FAILED, ServerAction.MANAGE, ENROLLING);
    allow(ENROLL_FAILED, ServerAction.DELETE, DELETING);
    allow(MANAGEABLE, ServerAction.INSPECT, INSPECTING);
    allow(MANAGEABLE, ServerAction.CLEAN, CLEANING);
    allow(MANAGEABLE, ServerAction.PROVIDE, CLEANING);
    allow(MANAGEABLE, ServerAction.DELETE, DELETING);
    allow(INSPECT_FAILED, ServerAction.INSPECT, INSPECTING);
    allow(INSPECT_FAILED, ServerAction.MANAGE, MANAGEABLE);
    allow(INSPECT_FAILED, ServerAction.DELETE, DELETING);
    allow(CLEAN_FAILED, ServerAction.CLEAN, CLEANING);
    allow(CLEAN_FAILED, ServerAction.MANAGE, MANAGEABLE);
    allow(CLEAN_FAILED, ServerAction.DELETE, DELETING);
    allow(AVAILABLE, ServerAction.PROVISION, PROVISIONING);
    allow(AVAILABLE, ServerAction.MANAGE, MANAGEABLE);
    allow(PROVISION_FAILED, ServerAction.PROVISION, PROVISIONING);
    allow(PROVISION_FAILED, ServerAction.DEPROVISION, DEPROVISIONING);
    allow(PROVISION_FAILED, ServerAction.DELETE, DELETING);
    allow(PROVISIONED, ServerAction.DEPROVISION, DEPROVISIONING);
    allow(ERROR, ServerAction.DEPROVISION, DEPROVISIONING);
    allow(ERROR, ServerAction.MANAGE, MANAGEABLE);
    allow(ERROR, ServerAction.DELETE, DELETING);
    TABLE.replaceAll((k, v) -> Collections.unmodifiableMap(v));
  }

  private static void allow(ServerState from, ServerAction action, ServerState to) {
    TABLE.get(from).put(action, to);
  }

  private final String wire;
  private final Kind kind;

  ServerState(String wire, Kind kind) {
    this.wire = wire;
    this.kind = kind;
  }

  /** The name the API shows ({@code provisionStatus.state}), e.g. {@code enroll_failed}. */
  public String wire() {
    return wire;
  }

  public Kind kind() {
    return kind;
  }

  public boolean working() {
    return kind == Kind.WORKING;
  }

  /** The state a lifecycle {@code action} leads to from here, empty when the table does not allow it. */
  public Optional<ServerState> after(ServerAction action) {
    return Optional.ofNullable(TABLE.get(this).get(action));
  }

  /** The lifecycle actions allowed here, in declaration order. */
  public Set<ServerAction> actions() {
    return TABLE.get(this).keySet();
  }

  /** A working state's failed state: enrolling → enroll_failed, ..., deprovisioning and deleting → error. */
  public ServerState failedState() {
    return switch (this) {
      case ENROLLING -> ENROLL_FAILED;
      case INSPECTING -> INSPECT_FAILED;
      case CLEANING -> CLEAN_FAILED;
      case PROVISIONING -> PROVISION_FAILED;
      case DEPROVISIONING, DELETING -> ERROR;
      default -> throw new IllegalStateException(wire + " is not a working state");
    };
  }

  /**
   * Where a working state's phase ends when it succeeds: enrolling → inspecting ({@code inspectAfterEnroll}) or
   * manageable, inspecting → manageable, cleaning → available, provisioning → provisioned, deprovisioning →
   * cleaning; deleting ends with the server gone (empty).
   */
  public Optional<ServerState> succeeded(boolean inspectAfterEnroll) {
    return switch (this) {
      case ENROLLING -> Optional.of(inspectAfterEnroll ? INSPECTING : MANAGEABLE);
      case INSPECTING -> Optional.of(MANAGEABLE);
      case CLEANING -> Optional.of(AVAILABLE);
      case PROVISIONING -> Optional.of(PROVISIONED);
      case DEPROVISIONING -> Optional.of(CLEANING);
      case DELETING -> Optional.empty();
      default -> throw new IllegalStateException(wire + " is not a working state");
    };
  }

  /**
   * Whether a worker that takes over this working state after another worker stopped mid-phase may run the phase
   * again from its start: yes where every step is a read or idempotent (enrolling, inspecting, cleaning,
   * deprovisioning, deleting); no for provisioning, whose half-done deployment is not known to be safe to repeat.
   */
  public boolean resumable() {
    return working() && this != PROVISIONING;
  }

  /**
   * The contract's {@code provisioningState}: {@code registered} (enrolling to manageable, cleaning),
   * {@code provisioning} (provisioning, deprovisioning), {@code ready} (available, provisioned), {@code failed}
   * (the failed states) and {@code decommissioned} (deleting).
   */
  public String provisioningState() {
    return switch (this) {
      case ENROLLING, INSPECTING, MANAGEABLE, CLEANING -> "registered";
      case PROVISIONING, DEPROVISIONING -> "provisioning";
      case AVAILABLE, PROVISIONED -> "ready";
      case DELETING -> "decommissioned";
      case ENROLL_FAILED, INSPECT_FAILED, CLEAN_FAILED, PROVISION_FAILED, ERROR -> "failed";
    };
  }

  /** The state named {@code wire}, or null. */
  public static ServerState byName(String wire) {
    for (ServerState s : values()) {
      if (s.wire.equals(wire)) {
        return s;
      }
    }
    return null;
  }
}
