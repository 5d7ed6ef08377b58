package io.k0rdent.api.verticles.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.redfish.RedfishClient.RedfishException;
import io.k0rdent.api.verticles.redfish.RedfishClient.RedfishException.Kind;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The client's lifecycle operations against the fake BMC serving each of the seven captures: the host system
 * (DGX: the host, not the GPU baseboard; reset types inline or from ActionInfo), then a whole cycle: power off,
 * on, reboot, boot override to CD and back, virtual CD inserted and ejected (or the clear error where the BMC
 * offers no InsertMedia), logout.
 */
class RedfishCapturesTest extends FakeBmcTestSupport {

  private static final String PW = "captures-pw";
  private static final String ISO = "http://images.example:8080/k0rdent/boot.iso";

  private static List<String> list(String spaced) {
    return spaced == null || spaced.isBlank() ? List.of() : Arrays.asList(spaced.trim().split(" +"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "dell-poweredge-r750 | /redfish/v1/Systems/System.Embedded.1 | On ForceOff ForceRestart GracefulRestart "
          + "GracefulShutdown PushPowerButton Nmi PowerCycle | - | -",
      "dmtf-public-rackmount1 | /redfish/v1/Systems/437XR1138R2 | On ForceOff GracefulShutdown GracefulRestart "
          + "ForceRestart Nmi ForceOn PushPowerButton | - | -",
      "dmtf-public-tower | /redfish/v1/Systems/437XR1238R2 | On ForceOff GracefulShutdown GracefulRestart "
          + "ForceRestart Nmi ForceOn PushPowerButton | - | -",
      "hpe-dl385-gen10-plus-v2 | /redfish/v1/Systems/1 | On ForceOff GracefulShutdown ForceRestart Nmi "
          + "PushPowerButton GracefulRestart | - | -",
      "lenovo-sr670-v2 | /redfish/v1/Systems/1 | On Nmi GracefulShutdown GracefulRestart ForceOn ForceOff "
          + "ForceRestart | - | Once Disabled",
      "nvidia-dgx-h100 | /redfish/v1/Systems/DGX | ForceOff ForceRestart GracefulShutdown On "
          + "| /redfish/v1/Systems/DGX/ResetActionInfo | -",
      "supermicro-sys-821ge-tnhr | /redfish/v1/Systems/1 | On ForceOff GracefulShutdown GracefulRestart "
          + "ForceRestart Nmi ForceOn PowerCycle | /redfish/v1/Systems/1/ResetActionInfo | -"})
  void findsTheHostSystemOfEachCapture(String capture, String system, String resetTypes, String actionInfo,
                                       String enabled) throws Exception {
    FakeBmc bmc = fakeBmc(capture, "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      await(client.login());
      HostSystem host = await(client.hostSystem());
      assertThat(host.odataId()).isEqualTo(system);
      assertThat(host.resetTarget()).isEqualTo(system + "/Actions/ComputerSystem.Reset");
      assertThat(host.resetTypes()).containsExactlyElementsOf(list(resetTypes));
      assertThat(host.powerState()).isEqualTo("On");
      assertThat(host.bootEnabledValues()).containsExactlyElementsOf(list(enabled));
      if (actionInfo != null) {
        assertThat(log).anyMatch(l -> l.startsWith("GET " + actionInfo + " -> 200"));
      } else {
        assertThat(log).noneMatch(l -> l.contains("ResetActionInfo"));
      }
      if (capture.equals("nvidia-dgx-h100")) {
        assertThat(host.bootTargets()).isEmpty(); // the DGX advertises no allowable boot targets
      } else {
        assertThat(host.bootTargets()).contains("Pxe", "Cd", "Hdd");
      }
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "dell-poweredge-r750       | ForceRestart | /redfish/v1/Systems/System.Embedded.1/VirtualMedia/1",
      "dmtf-public-rackmount1    | ForceRestart | -",
      "dmtf-public-tower         | ForceRestart | -",
      "hpe-dl385-gen10-plus-v2   | ForceRestart | /redfish/v1/Managers/1/VirtualMedia/2",
      "lenovo-sr670-v2           | ForceRestart | -",
      "nvidia-dgx-h100           | ForceRestart | -",
      "supermicro-sys-821ge-tnhr | ForceRestart | /redfish/v1/Managers/1/VirtualMedia/VirtualMedia1"})
  void runsAWholeCycleOnEachCapture(String capture, String restart, String slot) throws Exception {
    FakeBmc bmc = fakeBmc(capture, "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      await(client.login());
      assertThat(bmc.sessionCount()).isEqualTo(1);
      HostSystem host = await(client.hostSystem());

      await(client.setPower(host, PowerTarget.ON)); // already on: nothing sent
      assertThat(bmc.resetsReceived()).isEmpty();
      await(client.setPower(host, PowerTarget.OFF));
      assertThat(await(client.powerState(host))).isEqualTo("Off");
      await(client.setPower(host, PowerTarget.OFF));
      await(client.setPower(host, PowerTarget.ON));
      assertThat(await(client.powerState(host))).isEqualTo("On");
      await(client.setPower(host, PowerTarget.REBOOT));
      assertThat(await(client.powerState(host))).isEqualTo("On");
      assertThat(bmc.resetsReceived()).containsExactly("ForceOff", "On", restart);

      await(client.setBootOverride(host, "Cd", "Once"));
      JsonObject boot = await(client.get(host.odataId())).getJsonObject("Boot");
      assertThat(boot.getString("BootSourceOverrideTarget")).isEqualTo("Cd");
      assertThat(boot.getString("BootSourceOverrideEnabled")).isEqualTo("Once");
      int patches = bmc.ifMatchesReceived().size();
      await(client.setBootOverride(host, "Cd", "Once")); // already so: nothing sent
      assertThat(bmc.ifMatchesReceived()).hasSize(patches);
      await(client.setBootOverride(host, "None", "Disabled"));
      assertThat(await(client.get(host.odataId())).getJsonObject("Boot").getString("BootSourceOverrideTarget"))
          .isEqualTo("None");
      assertThat(bmc.ifMatchesReceived()).allSatisfy(m -> assertThat(m).isNotEmpty());

      if (slot == null) {
        RedfishException e = failure(client.insertMedia(host, ISO));
        assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
        assertThat(e.getMessage()).contains("no CD/DVD virtual-media slot of system " + host.odataId(),
            "advertises #VirtualMedia.InsertMedia");
      } else {
        await(client.insertMedia(host, ISO));
        JsonObject media = await(client.get(slot));
        assertThat(media.getBoolean("Inserted")).isTrue();
        assertThat(media.getString("Image")).isEqualTo(ISO);
        await(client.insertMedia(host, ISO)); // already there: nothing sent
        assertThat(log.stream().filter(l -> l.contains("VirtualMedia.InsertMedia ")).count()).isEqualTo(1);
        await(client.insertMedia(host, ISO + "?v=2")); // another image: the slot is emptied first
        assertThat(await(client.get(slot)).getString("Image")).isEqualTo(ISO + "?v=2");
        assertThat(log).anyMatch(l -> l.startsWith("POST " + slot + "/Actions/VirtualMedia.EjectMedia {} -> 204"));
      }
      await(client.ejectMedia(host));
      if (slot != null) {
        JsonObject media = await(client.get(slot));
        assertThat(media.getBoolean("Inserted")).isFalse();
        assertThat(media.getValue("Image")).isNull();
      }
      await(client.logout());
      assertThat(bmc.sessionCount()).isZero();
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void lenovoOffersNoContinuousBootOverride() throws Exception {
    FakeBmc bmc = fakeBmc("lenovo-sr670-v2", "admin", PW);
    RedfishClient client = client(bmc, PW, FAST, callLog());
    try {
      HostSystem host = await(client.hostSystem());
      RedfishException e = failure(client.setBootOverride(host, "Cd", "Continuous"));
      assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
      assertThat(e.getMessage()).contains("offers no BootSourceOverrideEnabled Continuous", "[Once, Disabled]");
      RedfishException target = failure(client.setBootOverride(host, "UsbCd", "Once"));
      assertThat(target.getMessage()).contains("offers no boot override target UsbCd");
      assertThat(bmc.ifMatchesReceived()).isEmpty();
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void rebootWithoutARestartTypeIsOffThenOn() throws Exception {
    FakeBmc bmc = fakeBmc("dmtf-public-rackmount1", "admin", PW);
    RedfishClient client = client(bmc, PW, FAST, callLog());
    try {
      HostSystem advertised = await(client.hostSystem());
      HostSystem noRestart = new HostSystem(advertised.odataId(), advertised.resetTarget(),
          List.of("On", "ForceOff"), advertised.powerState(), advertised.bootTargets(),
          advertised.bootEnabledValues());
      await(client.setPower(noRestart, PowerTarget.REBOOT));
      assertThat(bmc.resetsReceived()).containsExactly("ForceOff", "On");
      assertThat(await(client.powerState(advertised))).isEqualTo("On");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }
}
