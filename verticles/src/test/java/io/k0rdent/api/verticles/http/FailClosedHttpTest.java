package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.Api.Res;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TcpProxy;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * With the database unreachable, the auth endpoints answer 503 with {@code Retry-After} wherever the
 * answer needs it: never a token for an unchecked credential, never {@code active:false} for a token
 * that may well be active (Ory Hydra's failure mode), never 401 for a good bearer token. Once the
 * database is back, everything works again without a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailClosedHttpTest {

  PgTestDatabase db;
  TcpProxy proxy;
  TestNode node;
  Api api;

  @BeforeAll
  void start() {
    db = PgTestDatabase.create();
    URI u = URI.create(db.url().replaceFirst("^postgresql:", "http:"));
    proxy = new TcpProxy(u.getHost(), u.getPort() < 0 ? 5432 : u.getPort());
    String viaProxy = db.url().replace(u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()),
        "127.0.0.1:" + proxy.port());
    node = TestNode.start(Map.of("database.url", viaProxy, "database.schema", db.schema()));
    api = node.arc;
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (db != null) {
      db.drop();
    }
  }

  String[] account(String admin) {
    Res sa = api.post(IamHttpContract.SAS, admin, new JsonObject().put("displayName", "fc").put("scope", "organization")
        .put("scopeId", "provider"));
    assertThat(sa.status()).as(sa.body()).isEqualTo(201);
    Res cred = api.post(IamHttpContract.SAS + "/" + sa.json().getString("id") + "/credentials", admin, new JsonObject());
    assertThat(cred.status()).isEqualTo(201);
    return new String[] {sa.json().getString("clientId"), cred.json().getString("clientSecret")};
  }

  Res mint(String[] sa) {
    return api.send("POST", IamHttpContract.TOKEN, "grant_type=client_credentials&client_id=" + Api.enc(sa[0])
        + "&client_secret=" + Api.enc(sa[1]), "Content-Type", "application/x-www-form-urlencoded");
  }

  Res introspect(String token) {
    return api.send("POST", IamHttpContract.INTROSPECT, new JsonObject().put("token", token).encode(),
        "Content-Type", "application/json",
        "Authorization", IamHttpContract.basic(TestNode.CLIENT_ID, TestNode.CLIENT_SECRET));
  }

  @Test
  void authFailsClosedWhileTheDatabaseIsDown() throws Exception {
    String admin = node.token();
    String[] used = account(admin);
    String[] unused = account(admin);
    // a token whose principal's grants were never compiled: deciding for it needs its bindings
    String fresh = mint(account(admin)).json().getString("access_token");
    Res minted = mint(used);
    assertThat(minted.status()).isEqualTo(200);
    String t = minted.json().getString("access_token");
    assertThat(introspect(t).json().getBoolean("active")).isTrue();

    proxy.cut();
    try {
      Res refused = mint(unused);
      assertThat(refused.status()).as(refused.body()).isEqualTo(503);
      assertThat(refused.json().getString("error")).isEqualTo("temporarily_unavailable");
      assertThat(refused.header("Retry-After")).isNotNull();

      // a known token: either still decidable from the cluster cache (active) or 503, never inactive
      Res in = introspect(t);
      if (in.status() == 200) {
        assertThat(in.json().getBoolean("active")).isTrue();
      } else {
        assertThat(in.status()).isEqualTo(503);
        assertThat(in.header("Retry-After")).isNotNull();
      }
      Res call = api.get(IamHttpContract.SAS, t);
      assertThat(call.status()).isEqualTo(503);
      // authorization cannot be decided: 503, never allowed, never a 404 or an empty answer
      Res check = api.post("/v1/regions/global/auth/check", fresh, new JsonObject().put("checks",
          new io.vertx.core.json.JsonArray().add(new JsonObject().put("action", "resourcemanager.projects.list")
              .put("resource", "organizations/provider"))));
      assertThat(check.status()).as(check.body()).isEqualTo(503);
      Res get = api.get("/v1/regions/global/organizations/provider", fresh);
      assertThat(get.status()).as(get.body()).isEqualTo(503);
    } finally {
      proxy.restore();
    }
    Res back = null;
    for (int i = 0; i < 50 && (back == null || back.status() != 200); i++) {
      Thread.sleep(200);
      back = mint(unused);
    }
    assertThat(back.status()).as(back.body()).isEqualTo(200);
    assertThat(introspect(t).json().getBoolean("active")).isTrue();
  }
}
