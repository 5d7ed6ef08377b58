package io.k0rdent.api.verticles.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.redfish.RedfishClient.RedfishException;
import io.k0rdent.api.verticles.redfish.RedfishClient.RedfishException.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sessions (DSP0266 §13.3) through the client: login opens one on the BMC and calls carry its token, logout
 * deletes it, a service without sessions is used with HTTP Basic, and wrong credentials are a clear permanent
 * error that never shows the password.
 */
class RedfishSessionTest extends FakeBmcTestSupport {

  private static final String PW = "s3ssion-Pw!";

  @Test
  void loginOpensASessionUsedByCallsAndLogoutDeletesIt() throws Exception {
    FakeBmc bmc = fakeBmc("hpe-dl385-gen10-plus-v2", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      await(client.login());
      assertThat(bmc.sessionCount()).isEqualTo(1);
      assertThat(log).anyMatch(l -> l.startsWith("POST /redfish/v1/SessionService/Sessions {\"UserName\":…,"
          + "\"Password\":…} -> 201"));
      assertThat(log).anyMatch(l -> l.startsWith("session opened at /redfish/v1/SessionService/Sessions/"));
      HostSystem system = await(client.hostSystem());
      assertThat(system.odataId()).isEqualTo("/redfish/v1/Systems/1");
      bmc.expireSessions(); // calls carry the token: with the session gone they are refused (and log in again)
      assertThat(await(client.powerState(system))).isEqualTo("On");
      assertThat(log).anyMatch(l -> l.contains("-> 401"));
      assertThat(bmc.sessionCount()).isEqualTo(1);
      await(client.logout());
      assertThat(bmc.sessionCount()).isZero();
      assertThat(log).anyMatch(l -> l.startsWith("DELETE /redfish/v1/SessionService/Sessions/") && l.contains("-> 204"));
      assertThat(String.join("\n", log)).doesNotContain(PW);
    } finally {
      close(bmc);
    }
  }

  @Test
  void aServiceWithoutSessionsIsUsedWithBasic() throws Exception {
    FakeBmc bmc = fakeBmc("dmtf-public-rackmount1", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, FAST, log);
    try {
      bmc.quirks().sessionsUnsupported(true);
      await(client.login());
      assertThat(log).anyMatch(l -> l.contains("no SessionService") && l.contains("HTTP Basic"));
      HostSystem system = await(client.hostSystem());
      await(client.setPower(system, PowerTarget.OFF));
      assertThat(await(client.powerState(system))).isEqualTo("Off");
      assertThat(bmc.sessionCount()).isZero();
      await(client.logout());
      assertThat(log).noneMatch(l -> l.startsWith("DELETE"));
    } finally {
      close(bmc);
    }
  }

  @Test
  void aLoginAnswered501Or405FallsBackToBasicWithoutRetrying() throws Exception {
    FakeBmc bmc = fakeBmc("dell-poweredge-r750", "admin", PW);
    try {
      for (int status : new int[] {501, 405, 404}) {
        List<String> log = callLog();
        RedfishClient client = client(bmc, PW, FAST, log);
        bmc.quirks().sessionLoginStatus(status);
        await(client.login());
        assertThat(log.stream().filter(l -> l.contains("Sessions") && l.contains("-> " + status)).count())
            .as("%s", log).isEqualTo(1);
        assertThat(log).anyMatch(l -> l.equals("login answered " + status + ": HTTP Basic for every call"));
        assertThat(await(client.hostSystem()).odataId()).isEqualTo("/redfish/v1/Systems/System.Embedded.1");
        assertThat(bmc.sessionCount()).isZero();
        await(client.logout());
      }
    } finally {
      close(bmc);
    }
  }

  @Test
  void aWrongPasswordIsAPermanentErrorWithoutThePassword() throws Exception {
    FakeBmc bmc = fakeBmc("lenovo-sr670-v2", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, "not-the-Pw-123", FAST, log);
    try {
      RedfishException e = failure(client.login());
      assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
      assertThat(e.getMessage()).contains("refused user admin", "401", "check the BMC user name and password")
          .doesNotContain("not-the-Pw-123");
      assertThat(log.stream().filter(l -> l.contains("-> 401")).count()).as("not retried").isEqualTo(1);
      assertThat(String.join("\n", log)).doesNotContain("not-the-Pw-123");

      RedfishException basic = failure(client.hostSystem()); // without a session: Basic, refused the same way
      assertThat(basic.kind()).isEqualTo(Kind.PERMANENT);
      assertThat(basic.getMessage()).contains("refused user admin").doesNotContain("not-the-Pw-123");
      assertThat(bmc.sessionCount()).isZero();
    } finally {
      await(client.logout());
      close(bmc);
    }
  }

  @Test
  void logoutNeverFailsEvenWhenTheBmcIsGone() throws Exception {
    FakeBmc bmc = fakeBmc("dmtf-public-tower", "admin", PW);
    List<String> log = callLog();
    RedfishClient client = client(bmc, PW, new RedfishOptions(java.time.Duration.ofSeconds(1),
        java.time.Duration.ofMillis(50), java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1), 0,
        java.time.Duration.ofMillis(10)), log);
    await(client.login());
    close(bmc);
    await(client.logout());
    assertThat(log).anyMatch(l -> l.startsWith("logout failed:") && l.contains("the session will expire"));
  }
}
