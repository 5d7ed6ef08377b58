package io.k0rdent.api.core.server;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What an operator may ask of a bare-metal server (upstream {@code executeServerAction}'s {@code {action}},
 * {@code provisionServer}, {@code decommissionServer}). Lifecycle actions move the provisioning state
 * ({@link ServerState#after}); power and maintenance actions change fields, never the state. Names are
 * Ironic's verbs ({@code manage}, {@code inspect}, {@code clean}, {@code provide}, {@code deprovision},
 * {@code abort}) and the ({@code powerOn}, {@code powerOff}, {@code reboot}, {@code setMaintenance},
 * {@code clearMaintenance}).
 */
public enum ServerAction {
  MANAGE("manage"),
  INSPECT("inspect"),
  CLEAN("clean"),
  PROVIDE("provide"),
  /** {@code :provision} (operation {@code provisionServer}). */
  PROVISION("provision"),
  DEPROVISION("deprovision"),
  ABORT("abort"),
  /** {@code DELETE} (operation {@code decommissionServer}). */
  DELETE("delete"),
  POWER_ON("powerOn"),
  POWER_OFF("powerOff"),
  REBOOT("reboot"),
  SET_MAINTENANCE("setMaintenance"),
  CLEAR_MAINTENANCE("clearMaintenance");

  private static final Map<String, ServerAction> BY_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(ServerAction::wire, Function.identity()));

  private final String wire;

  ServerAction(String wire) {
    this.wire = wire;
  }

  /** The name in paths and messages, e.g. {@code powerOn}. */
  public String wire() {
    return wire;
  }

  /** Whether it moves the provisioning state (else it sets power or maintenance). */
  public boolean lifecycle() {
    return switch (this) {
      case POWER_ON, POWER_OFF, REBOOT, SET_MAINTENANCE, CLEAR_MAINTENANCE -> false;
      default -> true;
    };
  }

  /** The action named {@code wire}, or null. */
  public static ServerAction byName(String wire) {
    return wire == null ? null : BY_NAME.get(wire);
  }
}
