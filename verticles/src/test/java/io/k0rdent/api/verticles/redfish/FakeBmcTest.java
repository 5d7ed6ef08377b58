package io.k0rdent.api.verticles.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fake BMC over HTTP against each of the seven captures: the open service root, authentication (Basic and
 * sessions), following {@code @odata.id} links as served, and power state kept across a reset, with the reset
 * types the capture advertises (inline or through ActionInfo).
 */
class FakeBmcTest extends FakeBmcTestSupport {

  private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString("admin:secret-pw".getBytes());

  @ParameterizedTest
  @ValueSource(strings = {"dmtf-public-rackmount1", "dmtf-public-tower", "supermicro-sys-821ge-tnhr",
      "lenovo-sr670-v2", "dell-poweredge-r750", "hpe-dl385-gen10-plus-v2", "nvidia-dgx-h100"})
  void servesTheCaptureWithAuthenticationAndPowerState(String capture) throws Exception {
    FakeBmc bmc = fakeBmc(capture, "admin", "secret-pw");
    try {
      Api api = Api.forUrl(bmc.address());
      Api.Res root = api.send("GET", "/redfish/v1", null);
      assertThat(root.status()).as("the service root is open").isEqualTo(200);
      String systems = root.json().getJsonObject("Systems").getString("@odata.id");
      assertThat(api.send("GET", systems, null).status()).as("everything else needs credentials").isEqualTo(401);
      assertThat(api.send("GET", systems, null, "Authorization", "Basic d3Jvbmc6d3Jvbmc=").status()).isEqualTo(401);

      // a session, as a client logs in
      String sessions = root.json().getJsonObject("Links").getJsonObject("Sessions").getString("@odata.id");
      Api.Res login = api.send("POST", sessions, "{\"UserName\":\"admin\",\"Password\":\"secret-pw\"}",
          "Content-Type", "application/json");
      assertThat(login.status()).isEqualTo(201);
      String token = login.header("X-Auth-Token");
      assertThat(token).isNotBlank();
      Api.Res members = api.send("GET", systems, null, "X-Auth-Token", token);
      assertThat(members.status()).isEqualTo(200);
      String system = members.json().getJsonArray("Members").getJsonObject(0).getString("@odata.id");
      Api.Res before = api.send("GET", system, null, "Authorization", BASIC);
      assertThat(before.status()).isEqualTo(200);
      assertThat(before.json().getString("PowerState")).isEqualTo("On");

      // a reset the system advertises changes the state it reports, and its ETag
      JsonObject reset = before.json().getJsonObject("Actions").getJsonObject("#ComputerSystem.Reset");
      Api.Res off = api.send("POST", reset.getString("target"), "{\"ResetType\":\"ForceOff\"}",
          "Content-Type", "application/json", "X-Auth-Token", token);
      assertThat(off.status()).as(off.body()).isEqualTo(204);
      Api.Res after = api.send("GET", system, null, "X-Auth-Token", token);
      assertThat(after.json().getString("PowerState")).isEqualTo("Off");
      assertThat(after.header("ETag")).isNotEqualTo(before.header("ETag"));
      Api.Res bogus = api.send("POST", reset.getString("target"), "{\"ResetType\":\"Explode\"}",
          "Content-Type", "application/json", "X-Auth-Token", token);
      assertThat(bogus.status()).isEqualTo(400);
      assertThat(bogus.body()).contains("ActionParameterValueNotInList");

      // logging out ends the session; nothing outside the tree is served
      assertThat(api.send("DELETE", login.header("Location"), null, "X-Auth-Token", token).status()).isEqualTo(204);
      assertThat(api.send("GET", system, null, "X-Auth-Token", token).status()).isEqualTo(401);
      for (String outside : List.of("/redfish/v1/../../README", "/redfish/v1/Systems/..%2F..%2FREADME", "/etc/passwd")) {
        assertThat(api.send("GET", outside, null, "Authorization", BASIC).status()).as(outside).isEqualTo(404);
      }
    } finally {
      bmc.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
