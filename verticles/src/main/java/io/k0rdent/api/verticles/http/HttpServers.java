package io.k0rdent.api.verticles.http;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.router.HttpErrors;
import io.k0rdent.api.router.RequestIds;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every listener of ours shares: options (idle connections closed after {@link #IDLE_TIMEOUT_SECONDS},
 * 16 KiB of headers), requests Netty could not decode answered in the contract's error format (414, 431,
 * 400) with an {@code X-Request-Id}, checks before routing (a missing on HTTP/1.1, repeated or malformed
 * {@code Host}, RFC 9112 §3.2; a repeated single-valued header; a transfer coding other than chunked or
 * with {@code Content-Length}, RFC 9112 §6; a malformed percent-escape in the URI: each 400 and close), and
 * bind failures that name the listener and port.
 */
public final class HttpServers {

  /** Idle connections are closed after this many seconds. */
  public static final int IDLE_TIMEOUT_SECONDS = 60;
  /** Largest request line plus headers, in bytes; more answers 431. */
  public static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final Pattern HOST = Pattern.compile(
      "(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?"
          + "|\\[[0-9A-Fa-f:.]+])(?::([0-9]{1,5}))?");

  private HttpServers() {}

  /** Options for a listener on {@code host:port}. */
  public static HttpServerOptions options(String host, int port) {
    return new HttpServerOptions().setHost(host).setPort(port)
        .setIdleTimeout(IDLE_TIMEOUT_SECONDS).setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setCompressionSupported(true);
  }

  /** Wires the invalid-request handler and the {@code Host} check in front of {@code handler}. */
  public static HttpServer create(io.vertx.core.Vertx vertx, HttpServerOptions options,
                                  Handler<HttpServerRequest> handler) {
    HttpServer server = vertx.createHttpServer(options);
    server.invalidRequestHandler(HttpServers::invalid);
    server.requestHandler(req -> {
      ApiException refused = refusal(req);
      if (refused != null) {
        reject(req, refused);
        return;
      }
      handler.handle(req);
    });
    return server;
  }

  /** Binds {@code server}; a failure says which listener and port. */
  public static Future<HttpServer> listen(HttpServer server, String name, String host, int port) {
    return server.listen().recover(err -> Future.failedFuture(new IllegalStateException(
        "cannot listen for " + name + " on " + host + ":" + port + ": " + err.getMessage(), err)));
  }

  /** Headers that carry one value: a request repeating one is ambiguous, so refused (RFC 9110 §5.3). */
  private static final List<String> SINGLE_VALUED = List.of("Authorization", "Content-Type", "Content-Length",
      "Idempotency-Key", "X-Request-Id", "Transfer-Encoding");
  /** A {@code %} not followed by two hex digits. */
  private static final Pattern BAD_ESCAPE = Pattern.compile("%(?![0-9A-Fa-f]{2})");

  /** Why {@code req} is refused before routing, or null. */
  static ApiException refusal(HttpServerRequest req) {
    if (!hostIsValid(req)) {
      return ApiException.badRequest("INVALID_HOST", "the Host header is missing, repeated or malformed");
    }
    String repeated = repeatedSingleValued(req);
    if (repeated != null) {
      return ApiException.badRequest("REPEATED_HEADER", "send one " + repeated + " header, not several");
    }
    String te = req.getHeader("Transfer-Encoding");
    if (te != null && (!te.trim().equalsIgnoreCase("chunked") || req.getHeader("Content-Length") != null)) {
      // RFC 9112 §6.1/§6.3: only "chunked" is understood, and never together with Content-Length.
      return ApiException.badRequest("INVALID_FRAMING", "Transfer-Encoding must be exactly chunked, without Content-Length");
    }
    String uri = req.uri();
    if (BAD_ESCAPE.matcher(uri).find() || !decodesAsUtf8(uri)) {
      return ApiException.badRequest("INVALID_URI", "the request URI has a malformed percent-escape");
    }
    return null;
  }

  private static boolean decodesAsUtf8(String uri) {
    if (uri.indexOf('%') < 0) {
      return true;
    }
    try {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      for (int i = 0; i < uri.length(); i++) {
        char c = uri.charAt(i);
        if (c == '%') {
          bytes.write(Integer.parseInt(uri, i + 1, i + 3, 16));
          i += 2;
        } else {
          bytes.write(c);
        }
      }
      java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
      return true;
    } catch (java.nio.charset.CharacterCodingException | RuntimeException e) {
      return false;
    }
  }

  /** The first of {@link #SINGLE_VALUED} that {@code req} repeats, or null: one pass over the headers. */
  private static String repeatedSingleValued(HttpServerRequest req) {
    int seen = 0; // bit i: SINGLE_VALUED.get(i) seen once
    for (Map.Entry<String, String> h : req.headers()) {
      String name = h.getKey();
      for (int i = 0; i < SINGLE_VALUED.size(); i++) {
        if (SINGLE_VALUED.get(i).equalsIgnoreCase(name)) {
          if ((seen & (1 << i)) != 0) {
            return SINGLE_VALUED.get(i);
          }
          seen |= 1 << i;
        }
      }
    }
    return null;
  }

  /** The last Host value each thread found valid: nearly every request repeats it, so the pattern runs once. */
  private static final ThreadLocal<String> LAST_VALID_HOST = new ThreadLocal<>();

  static boolean hostIsValid(HttpServerRequest req) {
    if (req.version() == HttpVersion.HTTP_2) {
      return true;
    }
    List<String> hosts = req.headers().getAll("Host");
    if (hosts.size() > 1 || (hosts.isEmpty() && req.version() == HttpVersion.HTTP_1_1)) {
      return false;
    }
    if (hosts.isEmpty()) {
      return true;
    }
    String host = hosts.get(0);
    if (host.equals(LAST_VALID_HOST.get())) {
      return true;
    }
    Matcher m = HOST.matcher(host);
    boolean valid = m.matches() && (m.group(1) == null || Integer.parseInt(m.group(1)) <= 65535);
    if (valid) {
      LAST_VALID_HOST.set(host);
    }
    return valid;
  }

  private static void invalid(HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    ApiException e;
    if (cause instanceof TooLongHttpLineException) {
      e = new ApiException(414, "URI_TOO_LONG", "the request line is too long", List.of());
    } else if (cause instanceof TooLongHttpHeaderException) {
      e = new ApiException(431, "HEADERS_TOO_LARGE",
          "the request headers are over " + MAX_HEADER_BYTES + " bytes", List.of());
    } else {
      e = ApiException.badRequest("MALFORMED_REQUEST", "the request could not be parsed");
    }
    reject(req, e);
  }

  private static void reject(HttpServerRequest req, ApiException e) {
    req.response().setStatusCode(e.status())
        .putHeader("Content-Type", "application/json")
        .putHeader(RequestIds.HEADER, UUID.randomUUID().toString())
        .putHeader("Connection", "close")
        .end(HttpErrors.body(e).toBuffer())
        .onComplete(ar -> req.connection().close());
  }
}
