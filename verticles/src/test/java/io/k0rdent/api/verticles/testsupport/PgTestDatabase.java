package io.k0rdent.api.verticles.testsupport;

import io.k0rdent.api.verticles.store.pg.Migrations;
import io.k0rdent.api.verticles.store.pg.PgSettings;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;

/**
 * A private, migrated schema ({@code t_<random>}) in the test PostgreSQL for one test class (or test).
 * The server comes from env {@value #URL_ENV}, default {@value #DEFAULT_URL}. Blocking (JDBC): call from
 * test threads, not event loops.
 */
public final class PgTestDatabase {

  /** Environment variable with the test server's URL ({@code postgresql://user:password@host:port/db}). */
  public static final String URL_ENV = "K0RDENT_TEST_PG_URL";
  /** The URL used when {@value #URL_ENV} is unset. */
  public static final String DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test";
  private static final int POOL_SIZE = 4;
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Every table of the migrations except Flyway's history. */
  private static final List<String> TABLES = List.of("organizations", "projects", "service_accounts",
      "service_account_credentials", "api_keys", "revoked_tokens", "role_sets", "idempotency_keys", "settings",
      "users", "groups", "group_members", "roles", "policies", "networks", "subnets", "address_pools", "addresses",
      "address_releases", "servers", "server_logs", "events");

  private final PgSettings settings;

  private PgTestDatabase(PgSettings settings) {
    this.settings = settings;
  }

  /** The test server's URL. */
  public static String serverUrl() {
    String env = System.getenv(URL_ENV);
    return env == null || env.isBlank() ? DEFAULT_URL : env;
  }

  /**
   * Creates a fresh schema and migrates it.
   *
   * @throws Migrations.MigrationException when the server is unreachable or the migration fails
   */
  public static PgTestDatabase create() {
    byte[] b = new byte[6];
    RANDOM.nextBytes(b);
    PgSettings settings = new PgSettings(serverUrl(), "t_" + HexFormat.of().formatHex(b), POOL_SIZE);
    new PgTestDatabase(settings).installBtreeGist();
    Migrations.migrate(settings);
    return new PgTestDatabase(settings);
  }

  /** URL, schema and a small pool size, for {@code PgStore.create}. */
  public PgSettings settings() {
    return settings;
  }

  /** The server URL (without the schema; see {@link #schema()}). */
  public String url() {
    return settings.url();
  }

  /** The schema's name. */
  public String schema() {
    return settings.schema();
  }

  /** Empties every table of the schema (keeps Flyway's history). */
  public void truncate() {
    exec("TRUNCATE " + String.join(", ", TABLES.stream().map(t -> settings.schema() + "." + t).toList()));
  }

  /**
   * Installs btree_gist (V4's exclusion constraints) in {@code public} unless the database has it, so that the
   * migration finds it there: installed into a test schema, it would go when that schema is dropped, taking
   * the constraints of every other test schema (a concurrent build's) with it.
   */
  private void installBtreeGist() {
    try {
      exec("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public");
    } catch (IllegalStateException e) {
      // a concurrent build created it meanwhile (a unique violation in the catalog): now it is skipped
      exec("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public");
    }
  }

  /** Runs one SQL statement on the database (search path: the server's default; qualify with {@link #schema()}). */
  public void execute(String sql) {
    exec(sql);
  }

  /** Drops the schema and everything in it. */
  public void drop() {
    exec("DROP SCHEMA IF EXISTS " + settings.schema() + " CASCADE");
  }

  private void exec(String sql) {
    try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), settings.user(), settings.password());
         Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run '" + sql + "' on " + settings.describe(), e);
    }
  }
}
