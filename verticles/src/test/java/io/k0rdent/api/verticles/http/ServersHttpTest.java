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
 * The stage of the bare-metal server HTTP tests: a node with short worker timings, an organization and project,
 * fake BMCs serving the shared Redfish captures, and the helpers the tests share (every answer they read is
 * checked against the contract, and must not contain the BMC password).
 */
abstract class ServersHttpTest extends NodeHttpTest {

  static final String REGION = "local-1";
  static final String USER = "admin";
  static final String PASSWORD = "bmc-secret-Zq7";

  Vertx fakes;
  String org;
  String project;
  final List<FakeBmc> bmcs = new ArrayList<>();

  /** Short timings so the lifecycle runs in seconds. */
  static Map<String, Object> serverSettings() {
    Map<String, Object> o = new HashMap<>();
    o.put("servers.allowHttp", true);
    o.put("servers.leaseSeconds", 3);
    o.put("servers.scanIntervalMillis", 200);
    o.put("servers.bmcPollIntervalMillis", 50);
    o.put("servers.bmcPowerTimeoutSeconds", 10);
    o.put("servers.bmcRequestTimeoutSeconds", 3);
    o.put("servers.phaseRetries", 1);
    o.put("servers.bmcRetries", 1);
    return o;
  }

  @Override
  TestNode startNode() {
    Map<String, Object> o = serverSettings();
    if (onPostgres()) {
      db = PgTestDatabase.create();
      o.put("database.url", db.url());
      o.put("database.schema", db.schema());
    }
    return TestNode.start(o);
  }

  @BeforeAll
  void world() {
    fakes = Vertx.vertx();
    org = created(ORGS, new JsonObject().put("id", unique("bm"))).getString("id");
    project = created(PROJECTS, new JsonObject().put("id", unique("fleet")).put("organizationId", org)).getString("id");
  }

  @AfterAll
  void stopFakes() throws Exception {
    fakes.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static Path mockups() {
    String shared = System.getProperty("k0rdent.shared.dir");
    Path found = FakeBmcFleet.findMockups(shared != null ? Path.of(shared).getParent() : Path.of("").toAbsolutePath());
    if (found == null) {
      found = FakeBmcFleet.findMockups(Path.of("").toAbsolutePath());
    }
    assertThat(found).as("shared/redfish-mockups").isNotNull();
    return found;
  }

  FakeBmc bmc(String capture) {
    try {
      FakeBmc b = FakeBmc.start(fakes, mockups().resolve(capture), 0, USER, PASSWORD)
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      bmcs.add(b);
      return b;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  String servers() {
    return "/v1/regions/" + REGION + "/projects/" + project + "/infrastructure/servers";
  }

  static JsonObject registration(FakeBmc b, String id) {
    return new JsonObject().put("id", id).put("bmcAddress", b.address())
        .put("bmcCredentials", new JsonObject().put("username", USER).put("password", PASSWORD))
        .put("tags", new JsonObject().put("rack", "r12")).put("persona", "gpu-worker");
  }

  /** Checked against the contract, then returned. */
  Res checked(String operationId, Res r) {
    CONTRACT.assertValid(operationId, r.status(), r.body());
    assertThat(r.body()).doesNotContain(PASSWORD);
    return r;
  }

  Res register(JsonObject body) {
    return checked("registerServer", node.atlas.post(servers(), token, body));
  }

  Res act(String id, String action, JsonObject body) {
    return checked("executeServerAction", node.atlas.post(servers() + "/" + id + ":" + action, token, body));
  }

  JsonObject get(String id) {
    Res r = checked("getServer", node.atlas.get(servers() + "/" + id, token));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  static String state(JsonObject server) {
    return server.getJsonObject("provisionStatus").getString("state");
  }

  /** Polls the server until {@code done} holds (or fails after {@code limit}), returning it then. */
  JsonObject await(String id, Duration limit, Predicate<JsonObject> done, String what) {
    Instant end = Instant.now().plus(limit);
    JsonObject s = get(id);
    while (!done.test(s)) {
      assertThat(Instant.now()).as("waiting for " + what + "; server is " + s.encodePrettily()).isBefore(end);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      s = get(id);
    }
    return s;
  }

  JsonObject awaitState(String id, String state) {
    return await(id, Duration.ofSeconds(30), s -> state.equals(state(s)), "state " + state);
  }

  List<JsonObject> logs(String id) {
    List<JsonObject> all = new ArrayList<>();
    String token2 = null;
    do {
      Res r = checked("getServerLogs", node.atlas.get(servers() + "/" + id + "/logs?pageSize=1000"
          + (token2 == null ? "" : "&pageToken=" + token2), token));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      r.json().getJsonArray("logs").forEach(o -> all.add((JsonObject) o));
      token2 = r.json().getString("nextPageToken");
    } while (token2 != null);
    return all;
  }

  static List<String> messages(List<JsonObject> logs) {
    return logs.stream().map(l -> l.getString("message")).toList();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
