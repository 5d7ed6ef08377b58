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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every listener of ours shares: options (idle connections closed after {@link #IDLE_TIMEOUT_SECONDS},
 * 16 KiB of headers), requests Netty could not decode answered in the contract's error format (414, 431,
 * 400) with an {@code X-Request-Id}, a {@code Host} check before routing (RFC 9112 §3.2: missing on
 * HTTP/1.1, repeated or malformed → 400), and bind failures that name the listener and port.
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
      if (!hostIsValid(req)) {
        reject(req, ApiException.badRequest("INVALID_HOST", "the Host header is missing, repeated or malformed"));
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
    Matcher m = HOST.matcher(hosts.get(0));
    return m.matches() && (m.group(1) == null || Integer.parseInt(m.group(1)) <= 65535);
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
