package io.k0rdent.api.router;

import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * {@code X-Request-Id} on every response: the caller's when it is sane (1–128 characters of
 * {@code [A-Za-z0-9._:-]}), otherwise a new random (version 4) UUID. Request ids correlate logs; they are
 * not secrets, so they come from {@link ThreadLocalRandom} rather than {@code UUID.randomUUID()}'s
 * SecureRandom, which every event loop would share behind one lock.
 */
public final class RequestIds {

  public static final String HEADER = "X-Request-Id";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");
  private static final String KEY = "k0rdent.requestId";

  private RequestIds() {}

  /** Route handler: assigns the id and sets the response header. */
  public static void handle(RoutingContext ctx) {
    String given = ctx.request().getHeader(HEADER);
    String id = given != null && SANE.matcher(given).matches() ? given : randomUuid();
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    ctx.next();
  }

  /** A random version 4 UUID (RFC 9562 §5.4) from this thread's {@link ThreadLocalRandom}. */
  static String randomUuid() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & ~(0xC000000000000000L)) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /** The id of this request (or "-" before {@link #handle} ran). */
  public static String get(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }
}
