package io.k0rdent.api.verticles.testsupport;

import io.k0rdent.api.core.store.Awaits;
import io.k0rdent.api.verticles.store.pg.PgStore;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the PostgreSQL store suites share, as a JUnit extension ({@code @RegisterExtension static final
 * PgStoreFixture pg = new PgStoreFixture();}): a fresh schema and a Vert.x for the test class, a new store over an
 * emptied schema per test ({@link #freshStore()}), and JDBC access past the store for the checks that must bypass
 * it. The schema is dropped after the class.
 */
public final class PgStoreFixture implements BeforeAllCallback, AfterAllCallback {

  private PgTestDatabase db;
  private Vertx vertx;

  /** A new schema (migrated by the first store) and a Vert.x. */
  @Override
  public void beforeAll(ExtensionContext context) {
    db = PgTestDatabase.create();
    vertx = Vertx.vertx();
  }

  /** Closes the Vert.x, then drops the schema. */
  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (vertx != null) {
        Awaits.await(vertx.close());
      }
    } finally {
      if (db != null) {
        db.drop();
      }
    }
  }

  public PgTestDatabase db() {
    return db;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** A store over the schema, emptied first. */
  public PgStore freshStore() {
    db.truncate();
    return PgStore.create(vertx, db.settings());
  }

  /** A store whose database is unreachable: PostgreSQL settings naming a loopback port nobody listens on. */
  public PgStore unreachable() {
    return PgStore.create(vertx, new io.k0rdent.api.verticles.store.pg.PgSettings(
        "postgresql://postgres:secret@127.0.0.1:" + closedPort() + "/test", null, 2));
  }

  /** A loopback port nobody listens on (it was free a moment ago). */
  public static int closedPort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A JDBC connection to the schema. */
  public Connection jdbc() throws SQLException {
    Connection c = DriverManager.getConnection(db.settings().jdbcUrl(), db.settings().user(), db.settings().password());
    c.setSchema(db.schema());
    return c;
  }

  /** Runs {@code sql} over JDBC, past the store. */
  public void sql(String sql) throws SQLException {
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** The first column of the first row of {@code sql}, as a number. */
  public long count(String sql) throws SQLException {
    try (Connection c = jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The SQLSTATE of {@code t} when it is an {@link SQLException}, else null. */
  public static String sqlState(Throwable t) {
    return t instanceof SQLException e ? e.getSQLState() : null;
  }
}
