package io.k0rdent.api.verticles.store.pg;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the PostgreSQL store lives, shared by {@link PgStore} (Vert.x client) and {@link Migrations}
 * (JDBC). {@link #toString()} never shows the password.
 *
 * @param url      {@code postgresql://user:password@host:port/database?param=value} (or {@code postgres://});
 *                 percent-encoded; query parameters become connection properties of the Vert.x client
 *                 ({@code sslmode} is also passed to JDBC)
 * @param schema   schema holding the tables, set as the connection's {@code search_path} and created by
 *                 {@link Migrations}; null keeps the server's default {@code search_path}. Lower-case
 *                 letters, digits and {@code _}, at most 63 characters, not starting with a digit
 * @param poolSize maximum number of pooled connections, at least 1
 * @throws IllegalArgumentException when a value is malformed
 */
public record PgSettings(String url, String schema, int poolSize) {

  /** The settings of the configured database ({@code database.url}, {@code .schema}, {@code .poolSize}). */
  public static PgSettings from(io.k0rdent.api.verticles.config.Settings.Database db) {
    return new PgSettings(db.url(), db.schema(), db.poolSize());
  }


  private static final Pattern SCHEMA = Pattern.compile("^[a-z_][a-z0-9_]{0,62}$");
  private static final Pattern USER_INFO = Pattern.compile("^[a-zA-Z]+://([^@/?#]*)@");

  public PgSettings {
    Objects.requireNonNull(url, "url");
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be at least 1");
    }
    if (schema != null && !SCHEMA.matcher(schema).matches()) {
      throw new IllegalArgumentException("schema must match " + SCHEMA.pattern());
    }
    parse(url);
  }

  private static PgConnectOptions parse(String url) {
    try {
      return PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      // never echo the URL: it may hold a password
      throw new IllegalArgumentException("malformed PostgreSQL URL (expected postgresql://user:password@host:port/db)");
    }
  }

  /**
   * Fresh Vert.x connect options: the URL's host, port, database, user, password and properties (on top of
   * the client's defaults), plus {@code search_path} when a schema is set. Pipelining and the prepared
   * statement cache are left to {@link PgStore}.
   */
  public PgConnectOptions connectOptions() {
    PgConnectOptions o = parse(url);
    // fromUri drops the default properties (DateStyle, client_encoding, ...) when the URL has parameters
    Map<String, String> props = new HashMap<>(PgConnectOptions.DEFAULT_PROPERTIES);
    props.putAll(o.getProperties());
    if (schema != null) {
      props.put("search_path", schema);
    }
    o.setProperties(props);
    return o;
  }

  /** {@code jdbc:postgresql://host:port/database?sslmode=...} for the PostgreSQL JDBC driver (no credentials). */
  public String jdbcUrl() {
    PgConnectOptions o = parse(url);
    String host = o.getHost().contains(":") ? "[" + o.getHost() + "]" : o.getHost();
    SslMode ssl = o.getSslMode() == null ? SslMode.DISABLE : o.getSslMode();
    return "jdbc:postgresql://" + host + ":" + o.getPort() + "/"
        + URLEncoder.encode(o.getDatabase(), StandardCharsets.UTF_8)
        + "?sslmode=" + ssl.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The user name from the URL (the Vert.x client's default when absent). */
  public String user() {
    return parse(url).getUser();
  }

  /** The password from the URL, or null when the URL has none. */
  public String password() {
    Matcher m = USER_INFO.matcher(url);
    if (!m.find() || m.group(1).indexOf(':') < 0) {
      return null;
    }
    return parse(url).getPassword();
  }

  /** Host, port and database, for messages; no credentials. */
  public String describe() {
    PgConnectOptions o = parse(url);
    return o.getHost() + ":" + o.getPort() + "/" + o.getDatabase() + (schema == null ? "" : " (schema " + schema + ")");
  }

  @Override
  public String toString() {
    return "PgSettings[" + describe() + ", user=" + user() + ", poolSize=" + poolSize + "]";
  }
}
