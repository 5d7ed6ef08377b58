package io.k0rdent.api.router;

import io.k0rdent.api.core.error.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request bodies as raw bytes, read by our own handler instead of Vert.x Web's {@code BodyHandler}: that
 * one decodes form and multipart bodies (and merges query parameters) before any of our checks run, so a
 * malformed form answered 500 or never. Here a body is only collected, up to a limit (413 beyond, decided
 * from {@code Content-Length} before reading when it is given); parsing is the operation's business.
 */
public final class Bodies {

  private static final Logger LOG = LoggerFactory.getLogger(Bodies.class);
  private static final String KEY = "k0rdent.body";

  private Bodies() {}

  /** A route handler collecting at most {@code limit} bytes of body, then calling the next handler. */
  public static Handler<RoutingContext> collector(long limit) {
    return ctx -> {
      HttpServerRequest req = ctx.request();
      String declared = req.getHeader("Content-Length");
      if (declared != null) {
        long n;
        try {
          n = Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
          n = -1;
        }
        if (n < 0) {
          ctx.fail(ApiException.badRequest("MALFORMED_REQUEST", "Content-Length is not a number"));
          return;
        }
        if (n > limit) {
          tooLarge(ctx, limit);
          return;
        }
      }
      Buffer body = Buffer.buffer();
      boolean[] done = {false};
      req.handler(chunk -> {
        if (done[0]) {
          return;
        }
        if (body.length() + chunk.length() > limit) {
          done[0] = true;
          tooLarge(ctx, limit);
          return;
        }
        body.appendBuffer(chunk);
      });
      req.exceptionHandler(err -> {
        // The client reset the connection or sent broken framing: nothing to answer, nothing wrong here.
        if (!done[0]) {
          done[0] = true;
          LOG.debug("request body of {} {} not received: {}", req.method(), req.path(), err.toString());
          if (!ctx.response().headWritten() && !ctx.response().closed()) {
            ctx.fail(ApiException.badRequest("MALFORMED_REQUEST", "the request body could not be read"));
          }
        }
      });
      req.endHandler(v -> {
        if (!done[0]) {
          done[0] = true;
          ctx.put(KEY, body);
          ctx.next();
        }
      });
      req.resume();
    };
  }

  private static void tooLarge(RoutingContext ctx, long limit) {
    ctx.response().putHeader("Connection", "close");
    ctx.fail(new ApiException(413, "PAYLOAD_TOO_LARGE", "the request body is over " + limit + " bytes", List.of()));
  }

  /** The collected body (empty when there was none). */
  public static Buffer get(RoutingContext ctx) {
    Buffer b = ctx.get(KEY);
    return b == null ? Buffer.buffer() : b;
  }

  /**
   * The body as text, decoded strictly as UTF-8 (RFC 8259 §8.1): malformed or overlong sequences are
   * refused, not repaired. Throws a 400 {@link ApiException} with reason {@code MALFORMED_BODY}.
   */
  public static String utf8(RoutingContext ctx) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(get(ctx).getBytes())).toString();
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest("MALFORMED_BODY", "the request body is not valid UTF-8");
    }
  }
}
