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
}
