package io.k0rdent.api.verticles.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.redfish.FakeBmc.EtagFormat;
import io.k0rdent.api.verticles.redfish.RedfishClient.RedfishException;
import io.k0rdent.api.verticles.redfish.RedfishClient.RedfishException.Kind;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The client against each quirk of the fake BMC, one test per quirk: what a real BMC does that a naive client
 * gets wrong (lagging power, 409 on power-on, ignored resets, failed tasks with TaskStatus OK, If-Match rules,
 * reset types only through ActionInfo, slots without InsertMedia, 503s, slow answers, expired sessions).
 */
class RedfishClientQuirksTest extends FakeBmcTestSupport {

  private static final String PW = "quirk-pw";

  private static long polls(List<String> log) {
    synchronized (log) {
      return log.stream().filter(l -> l.startsWith("poll ")).count();
    }
  }

  private static boolean logged(List<String> log, String part) {
    synchronized (log) {
      return log.stream().anyMatch(l -> l.contains(part));
    }
  }

  @Test
  void powerLagIsPolledUntilTheStateShows() throws Exception {
    FakeBmc bmc = fakeBmc("dmtf-public-rackmount1", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().powerLag(Duration.ofMillis(300));
      HostSystem system = await(client.hostSystem());
      await(client.setPower(system, PowerTarget.OFF));
      assertThat(polls(log)).as("%s", log).isGreaterThan(1);
      assertThat(logged(log, "PowerState On, want Off")).isTrue();
      assertThat(log.get(log.size() - 1)).isEqualTo("poll " + polls(log) + ": PowerState Off, want Off");
      assertThat(await(client.powerState(system))).isEqualTo("Off");
      assertThat(bmc.resetsReceived()).containsExactly("ForceOff");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void powerOnRefusedWith409AfterOffIsRetriedUntilAccepted() throws Exception {
    FakeBmc bmc = fakeBmc("dell-poweredge-r750", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().onRefusedAfterOff(Duration.ofMillis(400));
      HostSystem system = await(client.hostSystem());
      await(client.setPower(system, PowerTarget.OFF));
      await(client.setPower(system, PowerTarget.ON));
      assertThat(logged(log, "-> 409")).as("%s", log).isTrue();
      assertThat(logged(log, "409 to ResetType On: again in")).isTrue();
      assertThat(bmc.resetsReceived().stream().filter("On"::equals).count()).isGreaterThan(1);
      assertThat(await(client.powerState(system))).isEqualTo("On");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void powerOnRefusedForLongerThanPowerTimeoutIsATimeout() throws Exception {
    FakeBmc bmc = fakeBmc("dell-poweredge-r750", "admin", PW);
    RedfishOptions shortPower = new RedfishOptions(Duration.ofSeconds(2), Duration.ofMillis(50),
        Duration.ofMillis(300), Duration.ofSeconds(3), 3, Duration.ofMillis(20));
    RedfishClient client = client(bmc, PW, shortPower, callLog());
    try {
      bmc.quirks().onRefusedAfterOff(Duration.ofSeconds(30));
      HostSystem system = await(client.hostSystem());
      await(client.setPower(system, PowerTarget.OFF));
      RedfishException e = failure(client.setPower(system, PowerTarget.ON));
      assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
      assertThat(e.getMessage()).contains("kept refusing ResetType On", "409", "still powering off");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void anIgnoredResetEndsInTimeout() throws Exception {
    FakeBmc bmc = fakeBmc("hpe-dl385-gen10-plus-v2", "admin", PW);
    RedfishOptions shortPower = new RedfishOptions(Duration.ofSeconds(2), Duration.ofMillis(50),
        Duration.ofMillis(400), Duration.ofSeconds(3), 3, Duration.ofMillis(20));
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, shortPower, log);
    try {
      bmc.quirks().resetIgnored(true);
      HostSystem system = await(client.hostSystem());
      long start = System.nanoTime();
      RedfishException e = failure(client.setPower(system, PowerTarget.OFF));
      assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
      assertThat(e.getMessage()).contains("still reads PowerState On", "ResetType ForceOff", "want Off");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      assertThat(logged(log, "-> 204")).isTrue();
      assertThat(polls(log)).isGreaterThan(1);
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void aTaskEndingExceptionWithStatusOkIsATaskFailure() throws Exception {
    FakeBmc bmc = fakeBmc("nvidia-dgx-h100", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().taskExceptionWithStatusOk(true);
      HostSystem system = await(client.hostSystem());
      RedfishException e = failure(client.setPower(system, PowerTarget.OFF));
      assertThat(e.kind()).isEqualTo(Kind.TASK_FAILED);
      assertThat(e.getMessage()).contains("ended Exception (TaskStatus OK)", "Base.1.12.ActionNotSupported");
      assertThat(logged(log, "ComputerSystem.Reset {\"ResetType\":\"ForceOff\"} -> 202")).isTrue();
      assertThat(logged(log, "GET /redfish/v1/TaskService/Tasks/fake-1 -> 202")).as("polled while running").isTrue();
      assertThat(logged(log, "task /redfish/v1/TaskService/Tasks/fake-1: Running (TaskStatus OK)")).as("%s", log)
          .isTrue();
      assertThat(logged(log, "task /redfish/v1/TaskService/Tasks/fake-1: Exception (TaskStatus OK)")).isTrue();
      assertThat(await(client.powerState(system))).isEqualTo("On");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void aCompletedTaskIsFollowedThenThePowerStatePolled() throws Exception {
    FakeBmc bmc = fakeBmc("nvidia-dgx-h100", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().resetTasks(true);
      HostSystem system = await(client.hostSystem());
      await(client.setPower(system, PowerTarget.OFF));
      assertThat(logged(log, "task /redfish/v1/TaskService/Tasks/fake-1: Completed")).as("%s", log).isTrue();
      assertThat(await(client.powerState(system))).isEqualTo("Off");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @ParameterizedTest
  @EnumSource(EtagFormat.class)
  void ifMatchCarriesTheEtagExactlyAsServed(EtagFormat format) throws Exception {
    FakeBmc bmc = fakeBmc("supermicro-sys-821ge-tnhr", "admin", PW);
    RedfishClient client = client(bmc, PW, FAST, callLog());
    try {
      bmc.quirks().etagRequired(true).etagFormat(format);
      await(client.login());
      HostSystem system = await(client.hostSystem());
      String served = bmc.etagOf(system.odataId());
      assertThat(served).matches(switch (format) {
        case QUOTED -> "\"[0-9a-f]+\"";
        case BARE -> "[0-9a-f]+";
        case WEAK -> "W/\"[0-9a-f]+\"";
      });
      await(client.setBootOverride(system, "UsbCd", "Once"));
      assertThat(bmc.ifMatchesReceived()).containsExactly(served);
      JsonObject boot = await(client.get(system.odataId())).getJsonObject("Boot");
      assertThat(boot.getString("BootSourceOverrideTarget")).isEqualTo("UsbCd");
      assertThat(boot.getString("BootSourceOverrideEnabled")).isEqualTo("Once");
      assertThat(bmc.etagOf(system.odataId())).isNotEqualTo(served);
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void aPatchWithoutIfMatchAnswered428IsReadAgainAndRepeatedWithTheEtag() throws Exception {
    FakeBmc bmc = fakeBmc("lenovo-sr670-v2", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().etagRequired(true).etagFormat(EtagFormat.WEAK);
      HostSystem system = await(client.hostSystem());
      bmc.quirks().etagsOmitted(1); // the read before the PATCH shows no ETag: the PATCH goes without If-Match
      await(client.setBootOverride(system, "Cd", "Once"));
      List<String> ifMatches = bmc.ifMatchesReceived();
      assertThat(ifMatches).hasSize(2);
      assertThat(ifMatches.get(0)).as("the first PATCH had no If-Match").isEmpty();
      assertThat(ifMatches.get(1)).startsWith("W/\"");
      assertThat(logged(log, "-> 428")).as("%s", log).isTrue();
      assertThat(await(client.get(system.odataId())).getJsonObject("Boot").getString("BootSourceOverrideTarget"))
          .isEqualTo("Cd");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void aStaleEtagAnswered412IsReadAgainOnceAndRepeated() throws Exception {
    FakeBmc bmc = fakeBmc("hpe-dl385-gen10-plus-v2", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().etagFormat(EtagFormat.WEAK);
      HostSystem system = await(client.hostSystem());
      bmc.quirks().concurrentChangeBeforePatch(1);
      await(client.setBootOverride(system, "Pxe", "Once"));
      List<String> ifMatches = bmc.ifMatchesReceived();
      assertThat(ifMatches).hasSize(2);
      assertThat(ifMatches.get(1)).startsWith("W/\"").isNotEqualTo(ifMatches.get(0));
      assertThat(logged(log, "-> 412")).as("%s", log).isTrue();
      assertThat(await(client.get(system.odataId())).getJsonObject("Boot").getString("BootSourceOverrideTarget"))
          .isEqualTo("Pxe");

      bmc.quirks().concurrentChangeBeforePatch(2); // stale twice: read again only once, then a clear failure
      RedfishException e = failure(client.setBootOverride(system, "Cd", "Once"));
      assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
      assertThat(e.getMessage()).contains("answered 412 to PATCH /redfish/v1/Systems/1", "is not the current ETag");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void resetTypesComeFromActionInfoWhenInlineValuesAreHidden() throws Exception {
    FakeBmc bmc = fakeBmc("dell-poweredge-r750", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      HostSystem inline = await(client.hostSystem());
      assertThat(logged(log, "ResetActionInfo")).isFalse();
      bmc.quirks().actionInfoOnly(true);
      HostSystem viaInfo = await(client.hostSystem());
      assertThat(logged(log, "GET /redfish/v1/Systems/System.Embedded.1/ResetActionInfo -> 200")).as("%s", log)
          .isTrue();
      assertThat(viaInfo.resetTypes()).isEqualTo(inline.resetTypes()).containsExactly("On", "ForceOff",
          "ForceRestart", "GracefulRestart", "GracefulShutdown", "PushPowerButton", "Nmi", "PowerCycle");
      await(client.setPower(viaInfo, PowerTarget.REBOOT));
      assertThat(bmc.resetsReceived()).containsExactly("ForceRestart");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void aCdSlotWithoutInsertMediaIsSkippedForAnother() throws Exception {
    FakeBmc bmc = fakeBmc("dell-poweredge-r750", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().virtualMediaWithoutInsert(true);
      HostSystem system = await(client.hostSystem());
      await(client.insertMedia(system, "http://images.example/boot.iso"));
      assertThat(logged(log, "skip /redfish/v1/Systems/System.Embedded.1/VirtualMedia/1: no #VirtualMedia"
          + ".InsertMedia action")).as("%s", log).isTrue();
      JsonObject used = await(client.get("/redfish/v1/Systems/System.Embedded.1/VirtualMedia/2"));
      assertThat(used.getBoolean("Inserted")).isTrue();
      assertThat(used.getString("Image")).isEqualTo("http://images.example/boot.iso");
      assertThat(await(client.get("/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1")).getBoolean("Inserted"))
          .isFalse();
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void noCdSlotWithInsertMediaLeftIsAClearPermanentError() throws Exception {
    FakeBmc bmc = fakeBmc("hpe-dl385-gen10-plus-v2", "admin", PW);
    RedfishClient client = client(bmc, PW, FAST, callLog());
    try {
      bmc.quirks().virtualMediaWithoutInsert(true);
      HostSystem system = await(client.hostSystem());
      RedfishException e = failure(client.insertMedia(system, "http://images.example/boot.iso"));
      assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
      assertThat(e.getMessage()).contains("no CD/DVD virtual-media slot", "#VirtualMedia.InsertMedia",
          "/redfish/v1/Managers/1/VirtualMedia/2");
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void twoServiceUnavailableAnswersAreRetried() throws Exception {
    FakeBmc bmc = fakeBmc("dmtf-public-tower", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().transient5xx(2);
      HostSystem system = await(client.hostSystem());
      assertThat(system.odataId()).isEqualTo("/redfish/v1/Systems/437XR1238R2");
      assertThat(log.stream().filter(l -> l.contains("-> 503")).count()).isEqualTo(2);
      assertThat(logged(log, "retry 2/3 of GET /redfish/v1 in 40 ms")).as("%s", log).isTrue();
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void moreServiceUnavailableAnswersThanRetriesAreATransientFailure() throws Exception {
    FakeBmc bmc = fakeBmc("dmtf-public-tower", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().transient5xx(10);
      RedfishException e = failure(client.hostSystem());
      assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
      assertThat(e.getMessage()).contains("answered 503", "4 attempts", "temporarily unavailable");
      assertThat(log.stream().filter(l -> l.contains("-> 503")).count()).isEqualTo(4);
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void answersSlowerThanTheRequestTimeoutFailInsteadOfHanging() throws Exception {
    FakeBmc bmc = fakeBmc("dmtf-public-rackmount1", "admin", PW);
    RedfishOptions quick = new RedfishOptions(Duration.ofMillis(200), Duration.ofMillis(50), Duration.ofSeconds(3),
        Duration.ofSeconds(3), 1, Duration.ofMillis(20));
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, quick, log);
    try {
      bmc.quirks().slowResponses(Duration.ofMillis(1500));
      long start = System.nanoTime();
      RedfishException e = failure(client.get("/redfish/v1/Systems"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1400));
      assertThat(e.kind()).isEqualTo(Kind.TRANSIENT);
      assertThat(e.getMessage()).contains("no whole answer", "within 200 ms");
      assertThat(logged(log, "retry 1/1")).isTrue();
      bmc.quirks().slowResponses(Duration.ZERO);
      assertThat(await(client.get("/redfish/v1/Systems"))).isNotNull();
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void anExpiredSessionIsOpenedAgainOnceAndTheCallRepeated() throws Exception {
    FakeBmc bmc = fakeBmc("supermicro-sys-821ge-tnhr", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      await(client.login());
      HostSystem system = await(client.hostSystem());
      assertThat(bmc.sessionCount()).isEqualTo(1);
      bmc.expireSessions();
      assertThat(bmc.sessionCount()).isZero();
      assertThat(await(client.powerState(system))).isEqualTo("On");
      assertThat(log.stream().filter(l -> l.contains("logging in again")).count()).as("%s", log).isEqualTo(1);
      assertThat(log.stream().filter(l -> l.contains("-> 401")).count()).isEqualTo(1);
      assertThat(bmc.sessionCount()).isEqualTo(1);
      await(client.logout());
      assertThat(bmc.sessionCount()).isZero();
    } finally {
      await(client.logout());
      close(bmc);
    }
  }
}
