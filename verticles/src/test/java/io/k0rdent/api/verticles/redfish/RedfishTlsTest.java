package io.k0rdent.api.verticles.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.redfish.RedfishClient.RedfishException;
import io.k0rdent.api.verticles.redfish.RedfishClient.RedfishException.Kind;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS trust of the client against the fake BMC over HTTPS with a self-signed certificate: the pinned fingerprint
 * is accepted, another pin is refused naming the certificate's actual fingerprint, {@code insecure} accepts it,
 * and the JVM's default trust refuses it.
 */
class RedfishTlsTest extends FakeBmcTestSupport {

  private static final String PW = "tls-pw";
  private FakeBmc bmc;

  @BeforeAll
  void startBmc() throws Exception {
    bmc = fakeBmcTls("supermicro-sys-821ge-tnhr", "admin", PW);
  }

  @AfterAll
  void stopBmc() throws Exception {
    close(bmc);
  }

  private RedfishClient client(String pin, boolean insecure, List<String> log) {
    return RedfishClient.create(vertx, new BmcEndpoint(bmc.address(), "admin", PW, pin, insecure), FAST, log::add);
  }

  @Test
  void theFakeServesHttpsWithAFingerprint() {
    assertThat(bmc.address()).startsWith("https://127.0.0.1:");
    assertThat(bmc.certificateSha256()).matches("[0-9a-f]{64}");
  }

  @Test
  void thePinnedCertificateIsAccepted() throws Exception {
    RedfishClient client = client(bmc.certificateSha256(), false, callLog());
    try {
      await(client.login());
      assertThat(await(client.hostSystem()).odataId()).isEqualTo("/redfish/v1/Systems/1");
    } finally {
      await(client.logout());
    }
  }

  @Test
  void anotherPinIsRefusedNamingTheActualFingerprint() throws Exception {
    String wrong = "00".repeat(32);
    List<String> log = callLog();
    RedfishClient client = client(wrong, false, log);
    try {
      RedfishException e = failure(client.login());
      assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
      assertThat(e.getMessage()).contains(bmc.certificateSha256(), "not the pinned " + wrong);
      assertThat(log).noneMatch(l -> l.startsWith("retry"));
    } finally {
      await(client.logout());
    }
  }

  @Test
  void insecureAcceptsAnyCertificate() throws Exception {
    RedfishClient client = client(null, true, callLog());
    try {
      assertThat(await(client.get("/redfish/v1/Systems/1")).getString("PowerState")).isEqualTo("On");
    } finally {
      await(client.logout());
    }
  }

  @Test
  void theDefaultTrustRefusesASelfSignedCertificate() throws Exception {
    RedfishClient client = client(null, false, callLog());
    try {
      RedfishException e = failure(client.get("/redfish/v1"));
      assertThat(e.kind()).isEqualTo(Kind.PERMANENT);
      assertThat(e.getMessage()).contains("not trusted by the JVM's default trust store", "certificateSha256");
    } finally {
      await(client.logout());
    }
  }
}
