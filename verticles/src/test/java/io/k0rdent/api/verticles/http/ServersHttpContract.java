package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.redfish.FakeBmc;
import io.k0rdent.api.verticles.redfish.FakeBmcFleet;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bare-metal servers over HTTP (issue 7), against fake BMCs serving the shared Redfish captures, on both stores:
 * the whole lifecycle with power lag, inspection of every capture, the state machine's refusals, batch
 * registration, validation, power and maintenance, logs; every answer checked against the contract.
 */
abstract class ServersHttpContract extends ServersHttpTest {

  @Test
  void theWholeLifecycleWithPowerLagShowsThePollsInTheLog() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    b.quirks().powerLag(Duration.ofMillis(600));
    String id = unique("srv");
    Res reg = register(registration(b, id).put("displayName", "Rack 12 node 1"));
    assertThat(reg.status()).as(reg.body()).isEqualTo(201);
    assertThat(reg.header("Location")).isEqualTo(servers() + "/" + id);
    assertThat(state(reg.json())).isEqualTo("enrolling");
    assertThat(reg.json().getString("provisioningState")).isEqualTo("registered");
    assertThat(reg.json().containsKey("bmcCredentials")).isFalse();

    JsonObject managed = awaitState(id, "manageable");
    assertThat(managed.getJsonObject("hardwareSpecs").getJsonObject("cpu").getInteger("count")).isEqualTo(1);
    assertThat(managed.getJsonObject("provisionStatus").getJsonArray("allowedActions").getList())
        .contains("inspect", "clean", "provide", "delete", "powerOn");

    assertThat(act(id, "provide", null).status()).isEqualTo(200);
    JsonObject available = awaitState(id, "available");
    assertThat(available.getString("provisioningState")).isEqualTo("ready");
    assertThat(available.getJsonObject("provisionStatus").getString("powerState")).isEqualTo("Off");

    Res prov = checked("provisionServer", node.atlas.post(servers() + "/" + id + ":provision", token,
        new JsonObject().put("osImage", "https://images.example/ubuntu-24.04.iso")
            .put("configuration", new JsonObject().put("hostname", "gpu-017"))));
    assertThat(prov.status()).as(prov.body()).isEqualTo(202);
    String jobId = prov.json().getString("jobId");
    assertThat(prov.json().getString("status")).isEqualTo("queued");
    JsonObject provisioned = awaitState(id, "provisioned");
    assertThat(provisioned.getJsonObject("provisionStatus").getString("jobId")).isEqualTo(jobId);
    assertThat(provisioned.getJsonObject("provisionStatus").getString("powerState")).isEqualTo("On");

    assertThat(act(id, "deprovision", null).status()).isEqualTo(200);
    awaitState(id, "available");
    assertThat(act(id, "manage", null).status()).isEqualTo(200);
    assertThat(state(get(id))).isEqualTo("manageable");

    List<JsonObject> logs = logs(id);
    List<String> text = messages(logs);
    assertThat(text.get(0)).as("the log starts with the registration").startsWith("registered by ")
        .contains(b.address());
    assertThat(text).contains("provide by " + TestNode.CLIENT_ID + ": manageable -> cleaning",
        "provision by " + TestNode.CLIENT_ID + ": available -> provisioning",
        "deprovision by " + TestNode.CLIENT_ID + ": provisioned -> deprovisioning");
    assertThat(text).anyMatch(m -> m.contains("enrolling"));
    assertThat(text).anyMatch(m -> m.contains("inspection found"));
    assertThat(text).as("polls of the lagging power state").anyMatch(m -> m.startsWith("poll "));
    assertThat(logs).as("entries of the provisioning job carry its id")
        .anyMatch(l -> jobId.equals(l.getString("jobId")));
    assertThat(String.join("\n", text)).doesNotContain(PASSWORD);

    Res del = checked("decommissionServer", node.atlas.delete(servers() + "/" + id, token));
    assertThat(del.status()).as(del.body()).isEqualTo(204);
    Instant end = Instant.now().plusSeconds(15);
    while (node.atlas.get(servers() + "/" + id, token).status() != 404) {
      assertThat(Instant.now()).as("the server goes after deleting").isBefore(end);
      sleep(50);
    }
  }

  @Test
  void inspectionOfEveryCaptureGivesItsGpusCpusAndMemory() {
    Map<String, JsonObject> expected = Map.of(
        "supermicro-sys-821ge-tnhr", specs(8, "H100 80GB HBM3", 2, 32, 2048),
        "nvidia-dgx-h100", specs(8, "H100 80GB HBM3", 2, 56, 2048),
        "lenovo-sr670-v2", specs(8, "NVIDIA L40", 2, 32, 1024),
        "dell-poweredge-r750", specs(1, "NVIDIA H100 PCIe", 2, 18, 512),
        "dmtf-public-tower", specs(2, null, 8, 16, 1024),
        "dmtf-public-rackmount1", specs(0, null, 1, 8, 96),
        "hpe-dl385-gen10-plus-v2", specs(0, null, 2, 64, 1024));
    Map<String, String> ids = new HashMap<>();
    expected.keySet().forEach(capture -> {
      String id = unique("insp");
      assertThat(register(registration(bmc(capture), id)).status()).isEqualTo(201);
      ids.put(capture, id);
    });
    expected.forEach((capture, want) -> {
      JsonObject hw = awaitState(ids.get(capture), "manageable").getJsonObject("hardwareSpecs");
      assertThat(hw.getJsonObject("gpu").getInteger("count")).as(capture + " GPUs").isEqualTo(want.getInteger("gpus"));
      if (want.getString("gpuModel") != null) {
        assertThat(hw.getJsonObject("gpu").getString("model")).as(capture).contains(want.getString("gpuModel"));
      }
      assertThat(hw.getJsonObject("cpu").getInteger("count")).as(capture + " CPUs").isEqualTo(want.getInteger("cpus"));
      assertThat(hw.getJsonObject("cpu").getInteger("cores")).as(capture + " cores").isEqualTo(want.getInteger("cores"));
      assertThat(hw.getJsonObject("ram").getDouble("totalGiB")).as(capture + " RAM").isEqualTo(want.getDouble("ram"));
    });
  }

  private static JsonObject specs(int gpus, String gpuModel, int cpus, int cores, double ram) {
    return new JsonObject().put("gpus", gpus).put("gpuModel", gpuModel).put("cpus", cpus).put("cores", cores)
        .put("ram", ram);
  }

  @Test
  void anIllegalActionIs409WithTheAllowedActionsAndAnUnknownOneIs400() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("srv");
    assertThat(register(registration(b, id).put("inspect", false)).status()).isEqualTo(201);
    awaitState(id, "manageable");
    Res r = act(id, "deprovision", null);
    assertThat(r.status()).as(r.body()).isEqualTo(409);
    JsonObject info = r.json().getJsonObject("error").getJsonArray("details").getJsonObject(0);
    assertThat(info.getString("reason")).isEqualTo("INVALID_STATE_TRANSITION");
    assertThat(info.getJsonObject("metadata").getString("state")).isEqualTo("manageable");
    assertThat(info.getJsonObject("metadata").getString("allowedActions")).isEqualTo("inspect,clean,provide,delete");
    Res prov = checked("provisionServer", node.atlas.post(servers() + "/" + id + ":provision", token,
        new JsonObject().put("osImage", "https://images.example/a.iso")));
    assertThat(prov.status()).isEqualTo(409);
    Res unknown = node.atlas.post(servers() + "/" + id + ":explode", token, null);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body()).contains("powerOn");
    assertThat(state(get(id))).isEqualTo("manageable");
  }

  @Test
  void badRegistrationsAre400sAndStoreNothing() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("bad");
    JsonObject good = registration(b, id);
    List<JsonObject> bad = List.of(
        good.copy().put("bmcAddress", "ftp://10.0.0.1"),
        good.copy().put("bmcAddress", "https://admin:pw@10.0.0.1"),
        good.copy().put("bmcAddress", "https://10.0.0.1/redfish/v1"),
        good.copy().put("bmcAddress", "not a url"),
        good.copy().put("bmcAddress", "https://"),
        good.copy().put("bmcTls", new JsonObject().put("insecure", true).put("certificateSha256", "ab".repeat(32))),
        good.copy().put("bmcTls", new JsonObject().put("certificateSha256", "xyz")),
        good.copy().put("bmcCredentials", new JsonObject().put("username", "u")),
        good.copy().put("id", "Bad_Id"),
        good.copy().put("tags", new JsonObject().put("k", 5)),
        new JsonObject().put("bmcAddress", b.address()));
    for (JsonObject body : bad) {
      Res r = register(body);
      assertThat(r.status()).as(body.encode() + " → " + r.body()).isEqualTo(400);
      assertThat(r.body()).doesNotContain(PASSWORD);
    }
    assertThat(node.atlas.get(servers() + "/" + id, token).status()).isEqualTo(404);
  }

  @Test
  void batchCreateRegistersTheGoodEntriesAndReportsEachBadOneByIndex() {
    FakeBmc b = bmc("dmtf-public-tower");
    String a = unique("b");
    String c = unique("b");
    JsonArray entries = new JsonArray()
        .add(registration(b, a).put("inspect", false))
        .add(new JsonObject().put("id", unique("b")))                          // no bmcAddress
        .add(registration(b, a))                                                // duplicate id
        .add(registration(b, unique("b")).put("bmcAddress", "https://x/y"))    // a path
        .add(registration(bmc("dmtf-public-rackmount1"), c).put("inspect", false))
        .add(registration(b, unique("b")));                                   // b's BMC is a's
    Res r = checked("batchCreateServers", node.atlas.post(servers() + ":batchCreate", token,
        new JsonObject().put("servers", entries)));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getJsonArray("succeeded").stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .containsExactly(a, c);
    JsonArray failed = r.json().getJsonArray("failed");
    assertThat(failed.stream().map(o -> ((JsonObject) o).getInteger("index")).toList()).containsExactly(1, 2, 3, 5);
    assertThat(failed.getJsonObject(3).getJsonObject("error").getJsonObject("error").getString("message"))
        .contains("already registered for another server");
    assertThat(failed.getJsonObject(0).getJsonObject("error").getJsonObject("error").getInteger("code")).isEqualTo(400);
    assertThat(failed.getJsonObject(1).getJsonObject("error").getJsonObject("error").getInteger("code")).isEqualTo(409);
    assertThat(failed.getJsonObject(2).getJsonObject("error").getJsonObject("error").getInteger("code")).isEqualTo(400);
    awaitState(a, "manageable");
    awaitState(c, "manageable");
    Res empty = node.atlas.post(servers() + ":batchCreate", token, new JsonObject().put("servers", new JsonArray()));
    assertThat(empty.status()).isEqualTo(400);
  }

  @Test
  void aWrongPasswordFailsEnrolmentUntilTheCredentialsAreFixed() {
    FakeBmc b = bmc("hpe-dl385-gen10-plus-v2");
    String id = unique("srv");
    JsonObject body = registration(b, id);
    body.getJsonObject("bmcCredentials").put("password", "wrong-one");
    assertThat(register(body).status()).isEqualTo(201);
    JsonObject failed = awaitState(id, "enroll_failed");
    assertThat(failed.getString("provisioningState")).isEqualTo("failed");
    assertThat(failed.getJsonObject("provisionStatus").getString("lastError")).isNotBlank();
    assertThat(failed.encode()).doesNotContain("wrong-one");
    Res v = checked("validateServer", node.atlas.post(servers() + "/" + id + ":validate", token, null));
    assertThat(v.json().getBoolean("valid")).isFalse();
    assertThat(v.json().getJsonArray("errors")).isNotEmpty();
    Res fix = checked("updateServer", node.atlas.patch(servers() + "/" + id, token, new JsonObject()
        .put("bmcCredentials", new JsonObject().put("username", USER).put("password", PASSWORD))));
    assertThat(fix.status()).as(fix.body()).isEqualTo(200);
    Res valid = checked("validateServer", node.atlas.post(servers() + "/" + id + ":validate", token, null));
    assertThat(valid.json().getBoolean("valid")).as(valid.body()).isTrue();
    assertThat(act(id, "manage", null).status()).isEqualTo(200);
    JsonObject ok = awaitState(id, "manageable");
    assertThat(ok.getJsonObject("provisionStatus").getString("lastError")).isNull();
    assertThat(String.join("\n", messages(logs(id)))).doesNotContain("wrong-one").doesNotContain(PASSWORD);
  }

  @Test
  void abortStopsAWorkingPhaseInItsFailedState() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("srv");
    assertThat(register(registration(b, id).put("inspect", false)).status()).isEqualTo(201);
    awaitState(id, "manageable");
    // make sure cleaning has something to do: the machine is on
    assertThat(act(id, "powerOn", null).status()).isEqualTo(200);
    await(id, Duration.ofSeconds(20), s -> "On".equals(s.getJsonObject("provisionStatus").getString("powerState"))
        && s.getJsonObject("provisionStatus").getString("targetPowerState") == null, "power on");
    b.quirks().powerLag(Duration.ofSeconds(30));
    assertThat(act(id, "clean", null).status()).isEqualTo(200);
    await(id, Duration.ofSeconds(10), s -> "power-off".equals(s.getJsonObject("provisionStatus").getString("step")),
        "the power-off step");
    Res abort = act(id, "abort", null);
    assertThat(abort.status()).as(abort.body()).isEqualTo(200);
    JsonObject failed = get(id);
    assertThat(state(failed)).isEqualTo("clean_failed");
    assertThat(failed.getJsonObject("provisionStatus").getString("lastError")).startsWith("cleaning aborted by");
    b.quirks().powerLag(Duration.ZERO);
    sleep(500);
    assertThat(state(get(id))).as("the worker does not overwrite the abort").isEqualTo("clean_failed");
  }

  @Test
  void powerActionsAreSentThenPolledAndMaintenanceHoldsThem() {
    FakeBmc b = bmc("lenovo-sr670-v2");
    String id = unique("srv");
    assertThat(register(registration(b, id).put("inspect", false)).status()).isEqualTo(201);
    awaitState(id, "manageable");
    b.quirks().powerLag(Duration.ofSeconds(1));
    Res off = act(id, "powerOff", null);
    assertThat(off.json().getJsonObject("provisionStatus").getString("targetPowerState")).isEqualTo("Off");
    assertThat(off.json().getJsonObject("provisionStatus").getJsonArray("allowedActions").getList())
        .as("no lifecycle action while the power change runs").doesNotContain("provide", "inspect", "delete");
    Res racing = act(id, "provide", null);
    assertThat(racing.status()).as(racing.body()).isEqualTo(409);
    assertThat(racing.body()).contains("power change to Off in progress");
    await(id, Duration.ofSeconds(15), s -> "Off".equals(s.getJsonObject("provisionStatus").getString("powerState"))
        && s.getJsonObject("provisionStatus").getString("targetPowerState") == null, "power off");
    b.quirks().powerLag(Duration.ZERO);
    Res m = act(id, "setMaintenance", new JsonObject().put("reason", "replacing a DIMM"));
    assertThat(m.json().getJsonObject("provisionStatus").getBoolean("maintenance")).isTrue();
    assertThat(m.json().getJsonObject("provisionStatus").getString("maintenanceReason")).isEqualTo("replacing a DIMM");
    Res refused = act(id, "powerOn", null);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(act(id, "clearMaintenance", null).status()).isEqualTo(200);
    assertThat(act(id, "powerOn", null).status()).isEqualTo(200);
    await(id, Duration.ofSeconds(15), s -> "On".equals(s.getJsonObject("provisionStatus").getString("powerState"))
        && s.getJsonObject("provisionStatus").getString("targetPowerState") == null, "power on");
    Res reason = node.atlas.post(servers() + "/" + id + ":powerOn", token, new JsonObject().put("reason", "x"));
    assertThat(reason.status()).isEqualTo(400);
  }

  @Test
  void logsPageAndFilterByTime() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("srv");
    assertThat(register(registration(b, id)).status()).isEqualTo(201);
    awaitState(id, "manageable");
    // the worker's last entries may land just after the state: wait until the log stops growing
    List<JsonObject> all = logs(id);
    for (List<JsonObject> again = List.of(); !again.equals(all); ) {
      sleep(300);
      again = all;
      all = logs(id);
    }
    assertThat(all.size()).isGreaterThan(4);
    List<JsonObject> paged = new ArrayList<>();
    String next = null;
    do {
      Res r = checked("getServerLogs", node.atlas.get(servers() + "/" + id + "/logs?pageSize=2"
          + (next == null ? "" : "&pageToken=" + next), token));
      assertThat(r.json().getJsonArray("logs").size()).isLessThanOrEqualTo(2);
      r.json().getJsonArray("logs").forEach(o -> paged.add((JsonObject) o));
      next = r.json().getString("nextPageToken");
    } while (next != null);
    assertThat(paged).isEqualTo(all);
    String middle = all.get(all.size() / 2).getString("timestamp");
    Res after = node.atlas.get(servers() + "/" + id + "/logs?pageSize=1000&startTime=" + middle, token);
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    assertThat(after.json().getJsonArray("logs").stream().map(o -> ((JsonObject) o).getString("timestamp")))
        .allMatch(t -> Instant.parse(t).compareTo(Instant.parse(middle)) >= 0);
    Res before = node.atlas.get(servers() + "/" + id + "/logs?pageSize=1000&endTime=" + middle, token);
    assertThat(before.json().getJsonArray("logs").size() + after.json().getJsonArray("logs").size())
        .isEqualTo(all.size());
    assertThat(node.atlas.get(servers() + "/" + id + "/logs?startTime=yesterday", token).status()).isEqualTo(400);
    assertThat(node.atlas.get(servers() + "/" + id + "/logs?pageSize=1001", token).status()).isEqualTo(400);
  }

  @Test
  void serversAreAtlasOnlyAndKeepTheirProject() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("srv");
    assertThat(register(registration(b, id).put("inspect", false)).status()).isEqualTo(201);
    assertThat(api.get(servers(), token).status()).as("Arc does not serve servers").isEqualTo(404);
    assertThat(api.get(servers() + "/" + id, token).status()).isEqualTo(404);
    Res list = checked("listServers", node.atlas.get(servers(), token));
    assertThat(list.json().getJsonArray("servers").stream().map(o -> ((JsonObject) o).getString("id")))
        .contains(id);
    Res delProject = node.atlas.delete(PROJECTS + "/" + project, token);
    assertThat(delProject.status()).as(delProject.body()).isEqualTo(409);
    assertThat(node.atlas.get("/v1/regions/elsewhere-1/projects/" + project + "/infrastructure/servers/" + id, token)
        .status()).isEqualTo(404);
    Res patch = checked("updateServer", node.atlas.patch(servers() + "/" + id, token,
        new JsonObject().put("tags", new JsonObject().put("rack", "r13")).putNull("persona")));
    assertThat(patch.status()).as(patch.body()).isEqualTo(200);
    assertThat(patch.json().getJsonObject("tags").getString("rack")).isEqualTo("r13");
    assertThat(patch.json().containsKey("persona")).isFalse();
  }
}
