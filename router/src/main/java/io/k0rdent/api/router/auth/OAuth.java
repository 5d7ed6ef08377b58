package io.k0rdent.api.router.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.router.ApiDocument;
import io.k0rdent.api.router.Bodies;
import io.k0rdent.api.router.HttpErrors;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the OAuth endpoints (token, introspection, revocation) share: reading parameters from a
 * form-encoded (RFC 6749 §3.2) or JSON (the contract) body, client authentication by HTTP Basic or body
 * parameters (§2.3.1, never both), and answers in OAuth's format (§5.1, §5.2) with
 * {@code Cache-Control: no-store}.
 */
public final class OAuth {

  private OAuth() {}

  /** An OAuth error answer: status, {@code error} code and {@code error_description}. */
  public static final class Error extends RuntimeException {
    final int status;
    final String code;
    final long retryAfterSeconds;

    public Error(int status, String code, String description) {
      this(status, code, description, 0);
    }

    public Error(int status, String code, String description, long retryAfterSeconds) {
      super(description, null, false, false);
      this.status = status;
      this.code = code;
      this.retryAfterSeconds = retryAfterSeconds;
    }
  }

  /** Throws {@code slow_down} (429 with {@code Retry-After}) when a rate limit asks to wait; 0 passes. */
  public static void limit(long retryAfterSeconds) {
    if (retryAfterSeconds > 0) {
      throw new Error(429, "slow_down", "too many requests; retry after " + retryAfterSeconds + " s",
          retryAfterSeconds);
    }
  }

  /** A client-sent value as an error message may show it: at most 64 characters, controls as '?'. */
  public static String shown(String value) {
    String cut = value.length() > 64 ? value.substring(0, 64) + "…" : value;
    return cut.codePoints().mapToObj(cp -> Character.isISOControl(cp) ? "?" : Character.toString(cp))
        .reduce("", String::concat);
  }

  /** Client credentials as sent: by Basic or in the body; both null when none were sent. */
  public record ClientAuth(String clientId, String secret, boolean basic) {
    public boolean present() {
      return clientId != null || secret != null;
    }
  }

  /**
   * The body's parameters. Form: every parameter once (repeats are {@code invalid_request}). JSON: string
   * members as they are; members in {@code objects} (e.g. {@code scope_narrowing}) as their JSON text;
   * other non-string members of {@code known} are {@code invalid_request}; unknown members are ignored
   * (RFC 6749 §3.2).
   */
  public static Map<String, String> params(RoutingContext ctx, Set<String> known, Set<String> objects) {
    String type = ctx.request().getHeader("Content-Type");
    String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    String text;
    try {
      text = Bodies.utf8(ctx);
    } catch (ApiException e) {
      throw new Error(400, "invalid_request", "the body is not valid UTF-8");
    }
    Map<String, String> out = new HashMap<>();
    if (media.equals("application/x-www-form-urlencoded")) {
      Map<String, List<String>> decoded;
      try {
        decoded = new QueryStringDecoder(text, StandardCharsets.UTF_8, false).parameters();
      } catch (IllegalArgumentException e) {
        throw new Error(400, "invalid_request", "the form body is malformed");
      }
      for (var e : decoded.entrySet()) {
        if (e.getValue().size() > 1) {
          throw new Error(400, "invalid_request", "parameter " + shown(e.getKey()) + " is repeated");
        }
        out.put(e.getKey(), e.getValue().get(0));
      }
      return out;
    }
    if (media.equals("application/json")) {
      JsonNode json;
      try {
        json = ApiDocument.JSON.readTree(text);
      } catch (java.io.IOException e) {
        throw new Error(400, "invalid_request", "the body is not a JSON object (or repeats a member)");
      }
      if (json == null || !json.isObject()) {
        throw new Error(400, "invalid_request", "the body is not a JSON object");
      }
      for (var it = json.fields(); it.hasNext(); ) {
        var e = it.next();
        if (e.getValue().isNull()) {
          continue;
        }
        if (objects.contains(e.getKey())) {
          out.put(e.getKey(), e.getValue().toString());
        } else if (e.getValue().isTextual()) {
          out.put(e.getKey(), e.getValue().textValue());
        } else if (known.contains(e.getKey())) {
          throw new Error(400, "invalid_request", shown(e.getKey()) + " must be a string");
        }
      }
      return out;
    }
    throw new Error(400, "invalid_request",
        "Content-Type must be application/x-www-form-urlencoded or application/json");
  }

  /** Client credentials from {@code Authorization: Basic} or the body; {@code invalid_request} when both. */
  public static ClientAuth clientAuth(RoutingContext ctx, Map<String, String> params) {
    String clientId = params.get("client_id");
    String secret = params.get("client_secret");
    String authz = ctx.request().getHeader("Authorization");
    if (authz != null && authz.regionMatches(true, 0, "Basic ", 0, 6)) {
      if (secret != null) {
        throw new Error(400, "invalid_request", "use one client authentication method, not both");
      }
      String[] pair = decodeBasic(authz.substring(6).trim());
      if (clientId != null && !clientId.equals(pair[0])) {
        throw new Error(400, "invalid_request", "client_id in the body differs from the Basic credentials");
      }
      return new ClientAuth(pair[0], pair[1], true);
    }
    return new ClientAuth(clientId, secret, false);
  }

  /** The bearer token of {@code Authorization: Bearer <token>}, or null when the request has none. */
  public static String bearer(RoutingContext ctx) {
    String authz = ctx.request().getHeader("Authorization");
    if (authz == null) {
      return null;
    }
    String t = authz.trim();
    return t.regionMatches(true, 0, "Bearer ", 0, 7) ? t.substring(7).trim() : null;
  }

  /** RFC 7617 Basic credentials, each part form-urlencoded per RFC 6749 §2.3.1. */
  private static String[] decodeBasic(String b64) {
    try {
      String pair = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
      int colon = pair.indexOf(':');
      if (colon < 0) {
        throw new Error(401, "invalid_client", "malformed Basic credentials");
      }
      return new String[] {URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8)};
    } catch (IllegalArgumentException e) {
      throw new Error(401, "invalid_client", "malformed Basic credentials");
    }
  }

  private static HttpServerResponse noStore(RoutingContext ctx, int status) {
    return ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Pragma", "no-cache");
  }

  /** 200 with {@code body}, not cacheable. */
  public static void ok(RoutingContext ctx, JsonObject body) {
    if (!ctx.response().ended()) {
      noStore(ctx, 200).end(body.toBuffer());
    }
  }

  /**
   * Answers {@code failure} in OAuth's format: an {@link Error} as it says; an {@link ApiException} 503
   * as {@code temporarily_unavailable} with {@code Retry-After}; a 401 {@link ApiException} (a bearer
   * token refused) as {@code invalid_token}; anything else as the API would (through HttpErrors).
   */
  public static void fail(RoutingContext ctx, Throwable failure) {
    if (ctx.response().ended()) {
      return;
    }
    Error e;
    if (failure instanceof Error oe) {
      e = oe;
    } else if (failure instanceof ApiException a && a.status() == 503) {
      e = new Error(503, "temporarily_unavailable", a.getMessage(), 1);
    } else if (failure instanceof ApiException a && a.status() == 401) {
      e = new Error(401, "invalid_token", a.getMessage());
    } else if (failure instanceof ApiException a && a.status() < 500) {
      e = new Error(a.status(), "invalid_request", a.getMessage());
    } else {
      HttpErrors.send(ctx, HttpErrors.toApiException(failure, 0, ctx));
      return;
    }
    HttpServerResponse resp = noStore(ctx, e.status);
    if (e.status == 401) {
      resp.putHeader("WWW-Authenticate", "invalid_token".equals(e.code)
          ? "Bearer realm=\"k0rdent\", error=\"invalid_token\""
          : "Basic realm=\"k0rdent\", charset=\"UTF-8\"");
    }
    if (e.retryAfterSeconds > 0) {
      resp.putHeader("Retry-After", Long.toString(e.retryAfterSeconds));
    }
    resp.end(new JsonObject().put("error", e.code).put("error_description", e.getMessage()).toBuffer());
  }

  /**
   * Failure handler of the OAuth routes: what fails before the handler runs (a body over the limit, an
   * unreadable body) answers in OAuth's format too, never the API envelope.
   */
  public static void failure(RoutingContext ctx) {
    ApiException e = HttpErrors.toApiException(ctx.failure(), ctx.statusCode(), ctx);
    if (ctx.response().headWritten()) {
      return;
    }
    noStore(ctx, e.status()).end(new JsonObject().put("error", e.status() >= 500 ? "server_error" : "invalid_request")
        .put("error_description", e.getMessage()).toBuffer());
  }
}
