package io.k0rdent.api.router;

import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code X-Request-Id} on every response: the caller's when it is sane (1–128 characters of
 * {@code [A-Za-z0-9._:-]}), otherwise a new UUID.
 */
public final class RequestIds {

  public static final String HEADER = "X-Request-Id";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");
  private static final String KEY = "k0rdent.requestId";

  private RequestIds() {}

  /** Route handler: assigns the id and sets the response header. */
  public static void handle(RoutingContext ctx) {
    String given = ctx.request().getHeader(HEADER);
    String id = given != null && SANE.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    ctx.next();
  }

  /** The id of this request (or "-" before {@link #handle} ran). */
  public static String get(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }
}
