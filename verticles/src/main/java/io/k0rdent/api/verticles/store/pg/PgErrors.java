package io.k0rdent.api.verticles.store.pg;

import io.k0rdent.api.core.error.ApiException;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns PostgreSQL client failures into {@link ApiException}s; never puts SQL or server text in a message. */
final class PgErrors {

  static final String UNIQUE_VIOLATION = "23505";
  static final String FOREIGN_KEY_VIOLATION = "23503";
  static final String CHECK_VIOLATION = "23514";

  private static final Logger LOG = LoggerFactory.getLogger(PgErrors.class);

  private PgErrors() {}

  /** The SQLSTATE of {@code t}, or null when it is not a server error. */
  static String sqlState(Throwable t) {
    return t instanceof PgException pg ? pg.getSqlState() : null;
  }

  /** The constraint {@code t} violated, or null. */
  static String constraint(Throwable t) {
    return t instanceof PgException pg ? pg.getConstraint() : null;
  }

  /**
   * The generic mapping for failures no operation handled: ApiExceptions and IllegalArgumentExceptions
   * pass through; connection trouble, server shutdown, resource exhaustion and serialization failures
   * become 503; a value PostgreSQL cannot take (SQLSTATE class 22, e.g. U+0000 in text) becomes 400, logged
   * at debug only (clients can send it at will); any other server error or bug becomes 500. Details are
   * logged, not returned.
   */
  static Throwable map(Throwable t) {
    if (t instanceof ApiException || t instanceof IllegalArgumentException) {
      return t;
    }
    if (t instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")
          || state.equals("40001") || state.equals("40P01") || state.equals("55P03") || state.equals("57014")) {
        LOG.warn("PostgreSQL unavailable: SQLSTATE {} {}", state, pg.getErrorMessage());
        return unavailable();
      }
      if (state.startsWith("22")) {
        LOG.debug("PostgreSQL refused a value: SQLSTATE {} {}", state, pg.getErrorMessage());
        return ApiException.badRequest("INVALID_ARGUMENT",
            "a value in the request cannot be stored (e.g. it contains U+0000)");
      }
      LOG.error("PostgreSQL error: SQLSTATE {} {} (constraint {})", state, pg.getErrorMessage(), pg.getConstraint());
      return internal();
    }
    if (t instanceof VertxException || t instanceof IOException || t instanceof TimeoutException) {
      LOG.warn("PostgreSQL unreachable: {}", t.toString());
      return unavailable();
    }
    LOG.error("PostgreSQL store failure", t);
    return internal();
  }

  static ApiException unavailable() {
    return ApiException.unavailable("the database is unavailable; retry later");
  }

  static ApiException internal() {
    return new ApiException(500, "INTERNAL", "internal store error", List.of());
  }
}
