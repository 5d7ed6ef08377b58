package io.k0rdent.api.verticles.redfish;

import java.util.List;

/**
 * The system a lifecycle drives: the member of the service root's {@code Systems} that advertises a
 * {@code #ComputerSystem.Reset} action and {@code Boot} settings (ComputerSystem schema). On a DGX H100 that is
 * the host {@code DGX}, not the GPU baseboard {@code HGX_Baseboard_0}.
 *
 * @param odataId           the system's link as the BMC wrote it in the Systems collection (opaque)
 * @param resetTarget       {@code Actions.#ComputerSystem.Reset.target}, as written
 * @param resetTypes        the allowed {@code ResetType}s: inline {@code ResetType@Redfish.AllowableValues}, else the
 *                          {@code AllowableValues} of the {@code ResetType} parameter of the action's
 *                          {@code @Redfish.ActionInfo}; empty when the BMC advertises none
 * @param powerState        {@code PowerState} when read ({@code On}, {@code Off}, {@code PoweringOn}, ...)
 * @param bootTargets       {@code Boot.BootSourceOverrideTarget@Redfish.AllowableValues}; empty when not advertised
 *                          (then any target is sent as asked)
 * @param bootEnabledValues {@code Boot.BootSourceOverrideEnabled@Redfish.AllowableValues}; empty when not advertised
 *                          (then the schema's {@code Once}, {@code Continuous}, {@code Disabled})
 */
public record HostSystem(String odataId, String resetTarget, List<String> resetTypes, String powerState,
                         List<String> bootTargets, List<String> bootEnabledValues) {

  public HostSystem {
    resetTypes = List.copyOf(resetTypes);
    bootTargets = List.copyOf(bootTargets);
    bootEnabledValues = List.copyOf(bootEnabledValues);
  }
}
