package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.redfish.FakeBmc;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Findings of a break-it review of bare-metal servers (issue 7), kept as regression tests: each states what the
 * README, docs/spec-deviations.md or the brief promise, and fails while the defect is there. Run against each store
 * by a subclass.
 */
abstract class ServersBreakHttpContract extends ServersHttpTest {

  /**
   * "bmcAddress must be https://host[:port]": a port outside 1-65535 (or an empty one) is no port. It was stored
   * (201), and the worker then threw IllegalArgumentException ("port p must be in range") synchronously out of
   * withBmc: the drive failed, the server stayed in enrolling, and the worker re-took it 1 ms later, forever
   * (thousands of ERROR stack traces a second, 150 MB of output in 30 s in dev).
   */
  @Test
  void aBmcPortOutsideOneTo65535IsRefused() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    List<String> accepted = new java.util.ArrayList<>();
    for (String address : List.of("http://127.0.0.1:65536", "http://127.0.0.1:0", "http://127.0.0.1:")) {
      String id = unique("port");
      Res r = node.atlas.post(servers(), token, registration(b, id).put("bmcAddress", address));
      if (r.status() != 400) {
        accepted.add(address + " → " + r.status());
        node.atlas.post(servers() + "/" + id + ":abort", token, null); // stop the worker spinning on it
      }
    }
    assertThat(accepted).as("BMC addresses with no valid port that were not refused").isEmpty();
  }

  /**
   * "never stuck in a working state with no worker": whatever the worker cannot drive ends in the phase's failed
   * state. A BMC address the HTTP client refuses (port 65536) made the worker throw out of its phase and re-take the
   * server 1 ms later, for ever. The API refuses such addresses now, so the address is written past it, into the
   * store, to reach the worker's own guard.
   */
  @Test
  void aServerTheWorkerCannotDriveEndsInTheFailedStateInsteadOfSpinning() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("spin");
    assertThat(register(registration(b, id).put("inspect", false)).status()).isEqualTo(201);
    awaitState(id, "manageable");
    var store = node.node().services().store().servers();
    var place = new io.k0rdent.api.core.store.IpamStore.Place(REGION, project);
    var current = io.k0rdent.api.core.store.Awaits.await(store.get(place, id));
    var bad = new io.k0rdent.api.core.server.Server.Bmc("http://127.0.0.1:65536", current.bmc().sealedCredentials(),
        null, false);
    io.k0rdent.api.core.store.Awaits.await(store.update(current.withMetadata(current.displayName(),
        current.description(), current.tags(), current.persona(), java.time.Instant.now()).withBmc(bad), true));
    assertThat(act(id, "inspect", null).status()).isEqualTo(200);
    JsonObject s = await(id, Duration.ofSeconds(10), x -> !"inspecting".equals(state(x)), "leaving inspecting");
    assertThat(state(s)).isEqualTo("inspect_failed");
    assertThat(s.getJsonObject("provisionStatus").getString("lastError")).contains("port");
  }

  /**
   * "Every bad input must be a 4xx in the error envelope, never a 500": an empty tag key (ServerTags says keys are
   * 1-63 characters) made the schema validator throw ("A JSONPath selector cannot be empty") — 500 on
   * registerServer, updateServer and batchCreateServers (whole batch).
   */
  @Test
  void anEmptyTagKeyIsA400NotA500() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("tag");
    JsonObject emptyKey = new JsonObject().put("", "x");
    Res reg = node.atlas.post(servers(), token, registration(b, id).put("tags", emptyKey));
    assertThat(reg.status()).as(reg.body()).isEqualTo(400);
    assertThat(reg.json().getJsonObject("error").getInteger("code")).isEqualTo(400);

    assertThat(register(registration(b, id).put("inspect", false)).status()).isEqualTo(201);
    Res patch = node.atlas.patch(servers() + "/" + id, token, new JsonObject().put("tags", emptyKey));
    assertThat(patch.status()).as(patch.body()).isEqualTo(400);
    assertThat(get(id).getJsonObject("tags").getString("rack")).isEqualTo("r12");

    Res batch = node.atlas.post(servers() + ":batchCreate", token, new JsonObject().put("servers",
        new JsonArray().add(registration(b, unique("tag")).put("tags", emptyKey))));
    assertThat(batch.status()).as(batch.body()).isIn(200, 400);
  }

  /**
   * "never stuck in a working state with no worker": a lifecycle action on a server in maintenance was accepted
   * (and advertised in allowedActions), but needingWork skips servers in maintenance, so the server sat in
   * cleaning (or deleting, after a 204 DELETE) with nobody driving it; allowedActions then showed only abort.
   */
  @Test
  void aLifecycleActionInMaintenanceDoesNotLeaveTheServerWorkingWithoutAWorker() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("maint");
    assertThat(register(registration(b, id).put("inspect", false)).status()).isEqualTo(201);
    awaitState(id, "manageable");
    assertThat(act(id, "setMaintenance", new JsonObject().put("reason", "replacing a DIMM")).status()).isEqualTo(200);
    Res provide = act(id, "provide", null);
    if (provide.status() == 409) {
      assertThat(state(get(id))).isEqualTo("manageable");
      return; // refused: fine
    }
    assertThat(provide.status()).as(provide.body()).isEqualTo(200);
    JsonObject s = await(id, Duration.ofSeconds(10), x -> !"cleaning".equals(state(x)),
        "a worker to take the cleaning of a server in maintenance");
    assertThat(state(s)).isIn("available", "clean_failed");
  }

  /**
   * Abort, then provision again with another image, while the first job's worker is still waiting for power: the
   * old drive sees the state as provisioning again (ABA) and finishes its own job, so the server says
   * provisioned with the second job's osImage although only the first image was ever inserted.
   */
  @Test
  void reprovisioningRightAfterAnAbortDeploysTheNewImage() {
    FakeBmc b = bmc("dell-poweredge-r750");
    String id = unique("aba");
    assertThat(register(registration(b, id).put("inspect", false)).status()).isEqualTo(201);
    awaitState(id, "manageable");
    assertThat(act(id, "provide", null).status()).isEqualTo(200);
    awaitState(id, "available");
    b.quirks().powerLag(Duration.ofSeconds(2));
    String first = "https://images.example/first.iso";
    String second = "https://images.example/second.iso";
    Res p1 = node.atlas.post(servers() + "/" + id + ":provision", token, new JsonObject().put("osImage", first));
    assertThat(p1.status()).as(p1.body()).isEqualTo(202);
    await(id, Duration.ofSeconds(10), s -> "power-on".equals(s.getJsonObject("provisionStatus").getString("step")),
        "the power-on step of the first job");
    assertThat(act(id, "abort", null).status()).isEqualTo(200);
    Res p2 = node.atlas.post(servers() + "/" + id + ":provision", token, new JsonObject().put("osImage", second));
    assertThat(p2.status()).as(p2.body()).isEqualTo(202);
    String job2 = p2.json().getString("jobId");
    JsonObject done = await(id, Duration.ofSeconds(30), s -> !"provisioning".equals(state(s)), "the second job");
    assertThat(done.getJsonObject("provisionStatus").getString("jobId")).isEqualTo(job2);
    assertThat(logs(id)).as("a worker ran the second job (log entries carrying its jobId) before the server "
        + "was called " + state(done)).anyMatch(l -> job2.equals(l.getString("jobId")));
    if ("provisioned".equals(state(done))) {
      assertThat(messages(logs(id))).as("the second job's image was inserted")
          .anyMatch(m -> m.contains("InsertMedia") && m.contains(second));
    }
  }

  /**
   * spec-deviations: "hardwareSpecs is filled by inspection: cpu, ram, gpu, plus the extensions nics and disks"
   * (and the Server schema declares them). Inspection never fills nics or disks, even for a capture that has
   * EthernetInterfaces and Storage.
   */
  @Test
  void inspectionFillsTheNicsAndDisksTheDocsPromise() {
    FakeBmc b = bmc("dell-poweredge-r750");
    String id = unique("hw");
    assertThat(register(registration(b, id)).status()).isEqualTo(201);
    JsonObject hw = awaitState(id, "manageable").getJsonObject("hardwareSpecs");
    assertThat(hw.getJsonArray("nics")).as("hardwareSpecs.nics of " + hw.encode()).isNotNull().isNotEmpty();
    assertThat(hw.getJsonArray("disks")).as("hardwareSpecs.disks of " + hw.encode()).isNotNull().isNotEmpty();
  }

  /**
   * updateServer is "a JSON merge patch" (README): {"bmcTls": {}} merges nothing (RFC 7396), so the server's
   * insecure setting stays. It was reset (insecure dropped, no pin), silently changing how the BMC is trusted.
   */
  @Test
  void anEmptyBmcTlsMergePatchChangesNothing() {
    FakeBmc b = bmc("dmtf-public-rackmount1");
    String id = unique("tls");
    assertThat(register(registration(b, id).put("inspect", false)
        .put("bmcTls", new JsonObject().put("insecure", true))).status()).isEqualTo(201);
    awaitState(id, "manageable");
    Res patch = checked("updateServer", node.atlas.patch(servers() + "/" + id, token,
        new JsonObject().put("bmcTls", new JsonObject())));
    assertThat(patch.status()).as(patch.body()).isEqualTo(200);
    assertThat(patch.json().getJsonObject("bmcTls")).as(patch.body()).isNotNull();
    assertThat(patch.json().getJsonObject("bmcTls").getBoolean("insecure")).isTrue();
  }

}
