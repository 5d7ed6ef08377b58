package io.k0rdent.api.verticles.http;

import io.k0rdent.api.verticles.contract.ContractSchemas;
import io.k0rdent.api.verticles.testsupport.Api;
import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TestNode;
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
