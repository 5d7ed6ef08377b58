package io.k0rdent.api.verticles.http;

import io.k0rdent.api.verticles.testsupport.PgTestDatabase;
import io.k0rdent.api.verticles.testsupport.TestNode;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/** {@link UsersGroupsHttpContract} against PostgreSQL (a fresh schema, migrated at node start). */
class PgUsersGroupsHttpTest extends UsersGroupsHttpContract {

  private PgTestDatabase db;

  @Override
  TestNode startNode() {
    db = PgTestDatabase.create();
    return TestNode.start(Map.of("database.url", db.url(), "database.schema", db.schema()));
  }

  @Override
  @AfterAll
  void stop() {
    super.stop();
    if (db != null) {
      db.drop();
    }
  }
}
