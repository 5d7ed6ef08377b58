package io.k0rdent.api.verticles.http;

import io.k0rdent.api.verticles.contract.ContractSchemas;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One real node per test class, its Arc client, a bootstrap token and the strict contract validator.
 * Subclasses choose the node by overriding {@link #startNode()} (in-memory by default) or
 * {@link #onPostgres()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class NodeHttpTest {

  static final ContractSchemas CONTRACT = ContractSchemas.load();
  static final String ORGS = "/v1/regions/global/organizations";
  static final String PROJECTS = "/v1/regions/global/projects";
  static final String IAM = "/v1/regions/global/iam";
  static final String SAS = IAM + "/service-accounts";
  static final String USERS = IAM + "/users";
  static final String GROUPS = IAM + "/groups";
  static final String ROLES = IAM + "/roles";
  static final String POLICIES = IAM + "/policies";
  static final String KEYS = IAM + "/apikeys";
  static final String CHECK = "/v1/regions/global/auth/check";
  static final String TOKEN = "/v1/regions/global/auth/token";

  TestNode node;
  Api api;
  String token;
  /** The node's database when {@link #onPostgres()}; dropped after the class. */
  PgTestDatabase db;

  /** True to run the node on PostgreSQL (a fresh schema, migrated at node start) instead of in memory. */
  boolean onPostgres() {
    return false;
  }

  /** The node under test. */
  TestNode startNode() {
    if (!onPostgres()) {
      return TestNode.start();
    }
    db = PgTestDatabase.create();
    return TestNode.start(java.util.Map.of("database.url", db.url(), "database.schema", db.schema()));
  }

  @BeforeAll
  void start() {
    node = startNode();
    api = node.arc;
    token = node.token();
  }

  /** A caller that is no platform administrator: a service account and a token of it. */
  record Caller(String serviceAccountId, String clientId, String token) {}

  /**
   * A new service account of organization {@code org} holding {@code roles} (predefined role ids) there,
   * created by the bootstrap administrator, and a fresh token of it.
   */
  Caller caller(String org, String... roles) {
    return scopedCaller("organization", org, roles);
  }

  /** As {@link #caller(String, String...)} for an account of {@code scope} ("organization", "project") {@code scopeId}. */
  Caller scopedCaller(String scope, String scopeId, String... roles) {
    String sas = "/v1/regions/global/iam/service-accounts";
    Api.Res sa = api.post(sas, token, new JsonObject().put("displayName", "caller").put("scope", scope)
        .put("scopeId", scopeId).put("roles", new JsonArray(java.util.List.of((Object[]) roles))));
    if (sa.status() != 201) {
      throw new AssertionError("service account: " + sa.status() + " " + sa.body());
    }
    String id = sa.json().getString("id");
    Api.Res cred = api.post(sas + "/" + id + "/credentials", token, new JsonObject());
    if (cred.status() != 201) {
      throw new AssertionError("credential: " + cred.status() + " " + cred.body());
    }
    String clientId = sa.json().getString("clientId");
    return new Caller(id, clientId, api.clientCredentialsToken(clientId, cred.json().getString("clientSecret")));
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
    if (db != null) {
      db.drop();
    }
  }

  /** {@code prefix-<8 hex>}: an id no other test uses. */
  static String unique(String prefix) {
    return prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  }

  /** Created by the bootstrap administrator on Atlas (which serves every operation); fails unless 201. */
  JsonObject created(String path, JsonObject body) {
    Api.Res r = node.atlas.post(path, token, body);
    org.assertj.core.api.Assertions.assertThat(r.status()).as("setup " + path + " " + r.body()).isEqualTo(201);
    return r.json();
  }

  /** An access token of the {@code api_key} grant for {@code secret}; fails unless 200. */
  String apiKeyToken(String secret) {
    Api.Res r = api.send("POST", TOKEN, "grant_type=api_key&api_key=" + Api.enc(secret),
        "Content-Type", "application/x-www-form-urlencoded");
    org.assertj.core.api.Assertions.assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("access_token");
  }
}
