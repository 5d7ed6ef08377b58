package io.k0rdent.api.verticles.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.verticles.Node;
import io.k0rdent.api.verticles.config.ConfigLoader;
import io.k0rdent.api.verticles.config.Settings;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Production mode on PostgreSQL across restarts: the signing key, pepper and bootstrap credential are
 * generated once and kept, so tokens and the first printed secret survive a restart; data persists;
 * an unreachable database fails the start with a clear message.
 */
class ServeModeTest {

  PgTestDatabase db;

  @BeforeEach
  void schema() {
    db = PgTestDatabase.create();
  }

  @AfterEach
  void drop() {
    db.drop();
  }

  private Map<String, Object> overrides() {
    Map<String, Object> o = io.k0rdent.api.verticles.testsupport.TestNode.baseOverrides();
    o.put("auth.issuer", "https://api.example.test");
    o.put("database.url", db.url());
    o.put("database.schema", db.schema());
    return o;
  }

  private static Node start(Map<String, Object> o) throws Exception {
    Settings s = ConfigLoader.load(null, Map.of(), o);
    return Node.start(s, Node.Mode.SERVE).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static void stop(Node n) throws Exception {
    n.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void secretsAndDataSurviveARestart() throws Exception {
    Node first = start(overrides());
    Node.BootstrapCredential cred = first.bootstrapCredential();
    assertThat(cred.secret()).startsWith("plt_cs_cred-bootstrap_");
    Api arc1 = new ApiFor(first).arc();
    String token = arc1.clientCredentialsToken(cred.clientId(), cred.secret());
    assertThat(arc1.post("/v1/regions/global/organizations", token, new JsonObject().put("id", "kept")).status())
        .isEqualTo(201);
    stop(first);

    Node second = start(overrides());
    try {
      assertThat(second.bootstrapCredential().clientId()).isEqualTo(cred.clientId());
      assertThat(second.bootstrapCredential().secret()).as("a kept secret is not known, so not printed").isNull();
      Api arc2 = new ApiFor(second).arc();
      assertThat(arc2.get("/v1/regions/global/organizations/kept", token).status())
          .as("a token minted before the restart still verifies").isEqualTo(200);
      assertThat(arc2.clientCredentialsToken(cred.clientId(), cred.secret())).isNotBlank();
    } finally {
      stop(second);
    }
  }

  @Test
  void configuredBootstrapSecretReplacesTheStoredOne() throws Exception {
    Node first = start(overrides());
    String clientId = first.bootstrapCredential().clientId();
    String oldSecret = first.bootstrapCredential().secret();
    stop(first);
    Map<String, Object> o = overrides();
    o.put("bootstrap.clientId", clientId);
    o.put("bootstrap.clientSecret", "plt_cs_cred-bootstrap_rotated-secret-value-0123456789abcdefghij");
    Node second = start(o);
    try {
      assertThat(second.bootstrapCredential().secret()).as("an operator's own secret is never printed").isNull();
      Api arc = new ApiFor(second).arc();
      assertThat(arc.clientCredentialsToken(clientId, "plt_cs_cred-bootstrap_rotated-secret-value-0123456789abcdefghij"))
          .isNotBlank();
      assertThat(arc.send("POST", "/v1/regions/global/auth/token",
          "grant_type=client_credentials&client_id=" + Api.enc(clientId) + "&client_secret=" + Api.enc(oldSecret),
          "Content-Type", "application/x-www-form-urlencoded").status()).isEqualTo(401);
    } finally {
      stop(second);
    }
  }

  @Test
  void nodesStartingTogetherOnAnEmptyDatabaseAgreeOnOneCredential() throws Exception {
    var a = java.util.concurrent.CompletableFuture.supplyAsync(() -> startUnchecked(overrides()));
    var b = java.util.concurrent.CompletableFuture.supplyAsync(() -> startUnchecked(overrides()));
    Node first = a.get(90, TimeUnit.SECONDS);
    Node second = b.get(90, TimeUnit.SECONDS);
    try {
      assertThat(first.bootstrapCredential().clientId()).isEqualTo(second.bootstrapCredential().clientId());
      long printed = java.util.stream.Stream.of(first, second)
          .filter(n -> n.bootstrapCredential().secret() != null).count();
      assertThat(printed).as("exactly one node stored, so knows and prints, the secret").isEqualTo(1);
      String secret = first.bootstrapCredential().secret() != null ? first.bootstrapCredential().secret()
          : second.bootstrapCredential().secret();
      String id = first.bootstrapCredential().clientId();
      String token = new ApiFor(first).arc().clientCredentialsToken(id, secret);
      assertThat(new ApiFor(second).arc().clientCredentialsToken(id, secret)).isNotBlank();
      assertThat(new ApiFor(second).arc().get("/v1/regions/global/organizations/provider", token).status())
          .as("one signing key for both").isEqualTo(200);
    } finally {
      stop(first);
      stop(second);
    }
  }

  private static Node startUnchecked(Map<String, Object> o) {
    try {
      return start(o);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void unreachableDatabaseFailsTheStartClearly() {
    Map<String, Object> o = overrides();
    o.put("database.url", "postgresql://postgres:secret-pw@127.0.0.1:1/nowhere");
    assertThatThrownBy(() -> start(o))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("unreachable")
        .hasMessageNotContaining("secret-pw");
  }

  /** A test client for a node started here. */
  private record ApiFor(Node node) {
    Api arc() {
      return Api.forUrl("http://127.0.0.1:" + node.arcPort());
    }
  }
}
