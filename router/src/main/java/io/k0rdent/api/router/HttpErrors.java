package io.k0rdent.api.router;

import io.k0rdent.api.core.error.ApiException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns failures into the contract's error body, {@code {"error":{"code","message","details"}}}, with an
 * {@code ErrorInfo} detail first. The only place that does: route failure handlers delegate here.
 * Unexpected exceptions answer a generic 500 and are logged with the request id; their text is never sent.
 */
public final class HttpErrors {

  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {}

  /** The error body for {@code e}. */
  public static JsonObject body(ApiException e) {
    JsonObject info = new JsonObject().put("@type", "ErrorInfo").put("reason", e.reason()).put("domain", "k0rdent.ai");
    if (!e.metadata().isEmpty()) {
      info.put("metadata", new JsonObject(new java.util.TreeMap<String, Object>(e.metadata())));
    }
    JsonArray details = new JsonArray().add(info);
    for (Map<String, Object> d : e.details()) {
      details.add(new JsonObject(d));
    }
    return new JsonObject().put("error", new JsonObject()
        .put("code", e.status()).put("message", e.getMessage()).put("details", details));
  }

  /** Maps any failure to an {@link ApiException}; unknown ones become a logged 500. */
  public static ApiException toApiException(Throwable t, int statusHint, RoutingContext ctx) {
    if (t instanceof ApiException a) {
      return a;
    }
    if (t == null && statusHint > 0) {
      return fromStatus(statusHint);
    }
    if (t instanceof io.vertx.ext.web.handler.HttpException he) {
      return fromStatus(he.getStatusCode());
    }
    if (t instanceof io.vertx.core.http.HttpClosedException || t instanceof io.vertx.core.VertxException ve
        && "Connection was closed".equals(ve.getMessage())) {
      // The client went away mid-request: nothing to answer, nothing wrong here.
      LOG.debug("client closed the connection during {} {}", ctx.request().method(), ctx.request().path());
      return new ApiException(400, "CLIENT_CLOSED", "the connection was closed", List.of());
    }
    LOG.error("request {} {} failed [requestId={}]", ctx.request().method(), ctx.request().path(),
        RequestIds.get(ctx), t);
    return new ApiException(500, "INTERNAL", "internal error; quote request id " + RequestIds.get(ctx), List.of());
  }

  /** The standard error for a bare status code (from Vert.x Web's own handlers). */
  public static ApiException fromStatus(int status) {
    return switch (status) {
      case 404 -> new ApiException(404, "NOT_FOUND", "no such path", List.of());
      case 405 -> new ApiException(405, "METHOD_NOT_ALLOWED", "method not allowed on this path", List.of());
      case 413 -> new ApiException(413, "PAYLOAD_TOO_LARGE", "the request body is over the size limit", List.of());
      case 415 -> new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "unsupported content type", List.of());
      case 400 -> ApiException.badRequest("INVALID_ARGUMENT", "bad request");
      case 401 -> ApiException.unauthenticated("authentication required");
      case 403 -> ApiException.permissionDenied("permission denied");
      case 503 -> ApiException.unavailable("service unavailable");
      default -> new ApiException(status >= 400 && status < 600 ? status : 500,
          status >= 500 ? "INTERNAL" : "ERROR", "request failed", List.of());
    };
  }

  /** Writes {@code e} as the response (adds {@code WWW-Authenticate} to 401s, RFC 6750 §3). */
  public static void send(RoutingContext ctx, ApiException e) {
    HttpServerResponse resp = ctx.response();
    if (resp.headWritten()) {
      resp.reset();
      return;
    }
    resp.setStatusCode(e.status()).putHeader("Content-Type", "application/json");
    if (e.status() == 401) {
      resp.putHeader("WWW-Authenticate", "INVALID_TOKEN".equals(e.reason())
          ? "Bearer realm=\"k0rdent\", error=\"invalid_token\", error_description=\"" + e.getMessage() + "\""
          : "Bearer realm=\"k0rdent\"");
    }
    if (e.status() == 503 || "ABORTED".equals(e.reason())) {
      resp.putHeader("Retry-After", "1");
    }
    resp.end(body(e).toBuffer());
  }

  /** A failure handler for routers: any failed context answers in the contract's format. */
  public static void failureHandler(RoutingContext ctx) {
    send(ctx, toApiException(ctx.failure(), ctx.statusCode(), ctx));
  }
}
