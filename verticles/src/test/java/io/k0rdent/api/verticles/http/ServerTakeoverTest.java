package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.contract.ContractSchemas;
import io.k0rdent.api.verticles.redfish.FakeBmc;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's node dies mid-phase (issue 7's crash test): two nodes share one PostgreSQL schema; node A drives a
 * server, stops without a word (no lease released, nothing more written), and node B takes the server over once
 * A's lease has run out. Provisioning is not repeated blindly: the server ends {@code provision_failed} saying why,
 * with nothing stored lost, and provisions again on request. Inspection, which only reads, is resumed.
 */
class ServerTakeoverTest {

  static final ContractSchemas CONTRACT = NodeHttpTest.CONTRACT;
  static final String USER = ServersHttpTest.USER;
  static final String PASSWORD = ServersHttpTest.PASSWORD;

  PgTestDatabase db;
  TestNode a;
  TestNode b;
  Vertx fakes;
  String token;
  String servers;
  boolean crashed;

  static Map<String, Object> settings(PgTestDatabase db) {
    Map<String, Object> o = ServersHttpTest.serverSettings();
    o.put("servers.leaseSeconds", 2);
    o.put("auth.issuer", "http://k0rdent.test"); // tokens of one node are good on the other
    o.put("database.url", db.url());
    o.put("database.schema", db.schema());
    return o;
  }

  @BeforeEach
  void start() {
    db = PgTestDatabase.create();
    a = TestNode.start(settings(db));
    fakes = Vertx.vertx();
    token = a.token();
    String org = post(a.atlas, "/v1/regions/global/organizations", new JsonObject().put("id", NodeHttpTest.unique("tk")))
        .getString("id");
    String project = post(a.atlas, "/v1/regions/global/projects",
        new JsonObject().put("id", NodeHttpTest.unique("tkp")).put("organizationId", org)).getString("id");
    servers = "/v1/regions/local-1/projects/" + project + "/infrastructure/servers";
  }

  @AfterEach
  void stop() throws Exception {
    if (!a.node().serverWorkers().isEmpty() && !crashed) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    fakes.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    db.drop();
  }

  JsonObject post(Api api, String path, JsonObject body) {
    Res r = api.post(path, token, body);
    assertThat(r.status()).as(path + " " + r.body()).isBetween(200, 202);
    return r.json();
  }

  FakeBmc bmc(String capture) throws Exception {
    return FakeBmc.start(fakes, ServersHttpTest.mockups().resolve(capture), 0, USER, PASSWORD)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  JsonObject get(Api api, String id) {
    Res r = api.get(servers + "/" + id, token);
    CONTRACT.assertValid("getServer", r.status(), r.body());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  JsonObject await(Api api, String id, Predicate<JsonObject> done, String what) throws InterruptedException {
    Instant end = Instant.now().plusSeconds(30);
    JsonObject s = get(api, id);
    while (!done.test(s)) {
      assertThat(Instant.now()).as("waiting for " + what + ": " + s.encodePrettily()).isBefore(end);
      Thread.sleep(50);
      s = get(api, id);
    }
    return s;
  }

  static Predicate<JsonObject> inState(String state) {
    return s -> state.equals(ServersHttpTest.state(s));
  }

  static Predicate<JsonObject> atStep(String step) {
    return s -> step.equals(s.getJsonObject("provisionStatus").getString("step"));
  }

  List<String> logs(Api api, String id) {
    Res r = api.get(servers + "/" + id + "/logs?pageSize=1000", token);
    assertThat(r.status()).isEqualTo(200);
    return r.json().getJsonArray("logs").stream().map(o -> ((JsonObject) o).getString("message")).toList();
  }

  @Test
  void provisioningInterruptedByACrashEndsFailedWithNothingLostAndProvisionsAgain() throws Exception {
    FakeBmc bmc = bmc("dmtf-public-rackmount1");
    String id = NodeHttpTest.unique("crash");
    post(a.atlas, servers, ServersHttpTest.registration(bmc, id).put("inspect", false));
    await(a.atlas, id, inState("manageable"), "manageable");
    post(a.atlas, servers + "/" + id + ":provide", null);
    await(a.atlas, id, inState("available"), "available");

    bmc.quirks().powerLag(Duration.ofSeconds(4));
    JsonObject job = post(a.atlas, servers + "/" + id + ":provision",
        new JsonObject().put("osImage", "https://images.example/rocky-9.iso"));
    String jobId = job.getString("jobId");
    JsonObject mid = await(a.atlas, id, atStep("power-on"), "node A in the power-on step");
    b = TestNode.start(settings(db)); // a second node of the same store, with its own worker
    crashed = true;
    a.node().crash().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    JsonObject failed = await(b.atlas, id, inState("provision_failed"), "node B fails the interrupted provisioning");
    String lastError = failed.getJsonObject("provisionStatus").getString("lastError");
    assertThat(lastError).contains("interrupted").contains("power-on");
    assertThat(failed.getJsonObject("provisionStatus").getString("jobId")).isEqualTo(jobId);
    assertThat(failed.getJsonObject("provisionStatus").getString("osImage")).isEqualTo("https://images.example/rocky-9.iso");
    assertThat(failed.getString("uid")).isEqualTo(mid.getString("uid"));
    assertThat(failed.getJsonObject("tags")).isEqualTo(mid.getJsonObject("tags"));
    List<String> log = logs(b.atlas, id);
    assertThat(log).as("node A's entries survive").anyMatch(m -> m.contains("starts provisioning"));
    assertThat(log).anyMatch(m -> m.contains("interrupted"));

    bmc.quirks().powerLag(Duration.ZERO);
    JsonObject again = post(b.atlas, servers + "/" + id + ":provision",
        new JsonObject().put("osImage", "https://images.example/rocky-9.iso"));
    assertThat(again.getString("jobId")).isNotEqualTo(jobId);
    JsonObject done = await(b.atlas, id, inState("provisioned"), "provisioned by node B");
    assertThat(done.getJsonObject("provisionStatus").getString("lastError")).isNull();
    assertThat(done.getJsonObject("provisionStatus").getString("powerState")).isEqualTo("On");
  }

  @Test
  void inspectionInterruptedByACrashIsResumedByTheOtherNode() throws Exception {
    FakeBmc bmc = bmc("lenovo-sr670-v2");
    bmc.quirks().slowResponses(Duration.ofMillis(150));
    String id = NodeHttpTest.unique("crash");
    post(a.atlas, servers, ServersHttpTest.registration(bmc, id));
    await(a.atlas, id, atStep("inspect"), "node A inspecting");
    b = TestNode.start(settings(db));
    crashed = true;
    a.node().crash().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    bmc.quirks().slowResponses(Duration.ZERO);
    JsonObject managed = await(b.atlas, id, inState("manageable"), "node B resumes inspecting");
    assertThat(managed.getJsonObject("hardwareSpecs").getJsonObject("gpu").getInteger("count")).isEqualTo(8);
    assertThat(logs(b.atlas, id)).anyMatch(m -> m.startsWith("resuming inspecting"));
  }
}
