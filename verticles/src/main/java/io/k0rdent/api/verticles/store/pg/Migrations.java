package io.k0rdent.api.verticles.store.pg;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the Flyway migrations in {@code classpath:db/migration} to the database of a {@link PgSettings}. */
public final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {}

  /**
   * Brings the schema up to date; blocking (JDBC), so never call it on an event loop. With a schema set,
   * the schema is created when missing and holds Flyway's history table; otherwise the connection's
   * default schema is used.
   *
   * @throws MigrationException when the database is unreachable (the message says so) or a migration fails
   */
  public static void migrate(PgSettings settings) {
    var config = Flyway.configure()
        .dataSource(settings.jdbcUrl(), settings.user(), settings.password())
        .locations("classpath:db/migration");
    if (settings.schema() != null) {
      config.schemas(settings.schema()).createSchemas(true);
    }
    try {
      MigrateResult result = config.load().migrate();
      LOG.info("database {} at version {} ({} migrations applied)", settings.describe(),
          currentVersion(result), result.migrationsExecuted);
    } catch (FlywayException e) {
      if (unreachable(e)) {
        throw new MigrationException("database " + settings.describe() + " is unreachable: " + rootMessage(e), e);
      }
      throw new MigrationException("migrating database " + settings.describe() + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * The schema version after {@code result}: Flyway reports a target version only when it applied
   * something, so on a re-run it is the version found at the start.
   */
  static String currentVersion(MigrateResult result) {
    if (result.targetSchemaVersion != null) {
      return result.targetSchemaVersion;
    }
    return result.initialSchemaVersion != null ? result.initialSchemaVersion : "none (empty schema)";
  }

  private static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnknownHostException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  /** A failed migration run; the message names the database (host, port, name) but no credentials. */
  public static final class MigrationException extends RuntimeException {
    /**
     * @param message what failed, safe to log
     * @param cause   the Flyway or JDBC failure
     */
    public MigrationException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
