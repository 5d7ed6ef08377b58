package io.k0rdent.api.router.auth;

import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.router.ApiServices;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /v1/regions/global/auth/token} (upstream {@code mintToken}), the OAuth 2.0 token endpoint.
 * Grants: {@code client_credentials} (RFC 6749 §4.4). Body: {@code application/x-www-form-urlencoded}
 * (RFC 6749 §3.2) or JSON (the contract). Client authentication: HTTP Basic or {@code client_id} and
 * {@code client_secret} in the body (§2.3.1), not both. Success: {@code {access_token, token_type:
 * "Bearer", expires_in}} with {@code Cache-Control: no-store} (§5.1). Errors in OAuth's format (§5.2):
 * {@code invalid_request}, {@code unsupported_grant_type}, {@code invalid_scope} → 400;
 * {@code invalid_client} → 401 with {@code WWW-Authenticate}. One instance per verticle (its signer is
 * thread-confined).
 */
public final class TokenEndpoint {

  /** Parameters this endpoint reads; others are ignored. */
  private static final java.util.Set<String> KNOWN =
      java.util.Set.of("grant_type", "client_id", "client_secret", "scope", "scope_narrowing");
  private final ClientRegistry clients;
  private final AccessTokenIssuer issuer;

  public TokenEndpoint(ApiServices services) {
    this.clients = services.clients();
    this.issuer = new AccessTokenIssuer(services.signingKeys(), services.issuer(), services.audience(),
        services.tokenTtl());
  }

  /** An OAuth error answer. */
  private static final class OAuthError extends RuntimeException {
    final int status;
    final String code;

    OAuthError(int status, String code, String description) {
      super(description, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  public void handle(RoutingContext ctx) {
    try {
      Map<String, String> params = params(ctx);
      String grant = params.get("grant_type");
      if (grant == null || grant.isEmpty()) {
        throw new OAuthError(400, "invalid_request", "grant_type is required");
      }
      if (!"client_credentials".equals(grant)) {
        throw new OAuthError(400, "unsupported_grant_type", "grant_type '" + grant + "' is not supported");
      }
      String clientId = params.get("client_id");
      String secret = params.get("client_secret");
      String basic = ctx.request().getHeader("Authorization");
      boolean usedBasic = false;
      if (basic != null && basic.regionMatches(true, 0, "Basic ", 0, 6)) {
        if (secret != null) {
          throw new OAuthError(400, "invalid_request", "use one client authentication method, not both");
        }
        String[] pair = decodeBasic(basic.substring(6).trim());
        if (clientId != null && !clientId.equals(pair[0])) {
          throw new OAuthError(400, "invalid_request", "client_id in the body differs from the Basic credentials");
        }
        clientId = pair[0];
        secret = pair[1];
        usedBasic = true;
      }
      if (clientId == null || secret == null) {
        throw new OAuthError(401, "invalid_client", "client authentication is required");
      }
      if (params.get("scope") != null && !params.get("scope").isBlank()) {
        throw new OAuthError(400, "invalid_scope", "OAuth scopes are not used here; narrow a token with scope_narrowing");
      }
      if (params.containsKey("scope_narrowing")) {
        throw new OAuthError(400, "invalid_scope", "scope_narrowing is not supported yet");
      }
      ClientRegistry.Client client = clients.authenticate(clientId, secret);
      if (client == null) {
        throw new OAuthError(401, "invalid_client", "unknown client or wrong secret");
      }
      AccessTokenIssuer.Issued t = issuer.issue(client.subject(), client.type(), client.clientId(),
          client.tenantId(), client.scope(), client.scopeId(), Instant.now());
      ctx.response().setStatusCode(200)
          .putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-store")
          .putHeader("Pragma", "no-cache")
          .end(new JsonObject().put("access_token", t.token()).put("token_type", "Bearer")
              .put("expires_in", t.expiresInSeconds()).toBuffer());
      if (usedBasic) {
        ctx.put("k0rdent.basic", true);
      }
    } catch (OAuthError e) {
      var resp = ctx.response().setStatusCode(e.status)
          .putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-store")
          .putHeader("Pragma", "no-cache");
      if (e.status == 401) {
        resp.putHeader("WWW-Authenticate", "Basic realm=\"k0rdent\", charset=\"UTF-8\"");
      }
      resp.end(new JsonObject().put("error", e.code).put("error_description", e.getMessage()).toBuffer());
    }
  }

  /**
   * Failure handler of the token route: what fails before {@link #handle} runs (a body over the limit, an
   * unreadable body) answers in OAuth's format too (RFC 6749 §5.2), never the API envelope.
   */
  public static void failure(RoutingContext ctx) {
    io.k0rdent.api.core.error.ApiException e = io.k0rdent.api.router.HttpErrors.toApiException(ctx.failure(),
        ctx.statusCode(), ctx);
    if (ctx.response().headWritten()) {
      return;
    }
    ctx.response().setStatusCode(e.status())
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("error", "invalid_request").put("error_description", e.getMessage()).toBuffer());
  }

  private static Map<String, String> params(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    String text;
    try {
      text = io.k0rdent.api.router.Bodies.utf8(ctx);
    } catch (io.k0rdent.api.core.error.ApiException e) {
      throw new OAuthError(400, "invalid_request", "the body is not valid UTF-8");
    }
    Map<String, String> out = new HashMap<>();
    if (media.equals("application/x-www-form-urlencoded")) {
      Map<String, List<String>> decoded;
      try {
        decoded = new QueryStringDecoder(text, StandardCharsets.UTF_8, false).parameters();
      } catch (IllegalArgumentException e) {
        throw new OAuthError(400, "invalid_request", "the form body is malformed");
      }
      for (var e : decoded.entrySet()) {
        if (e.getValue().size() > 1) {
          throw new OAuthError(400, "invalid_request", "parameter " + e.getKey() + " is repeated");
        }
        out.put(e.getKey(), e.getValue().get(0));
      }
      return out;
    }
    if (media.equals("application/json")) {
      com.fasterxml.jackson.databind.JsonNode json;
      try {
        json = io.k0rdent.api.router.ApiDocument.JSON.readTree(text);
      } catch (java.io.IOException e) {
        throw new OAuthError(400, "invalid_request", "the body is not a JSON object (or repeats a member)");
      }
      if (json == null || !json.isObject()) {
        throw new OAuthError(400, "invalid_request", "the body is not a JSON object");
      }
      for (var it = json.fields(); it.hasNext(); ) {
        var e = it.next();
        if (e.getValue().isNull()) {
          continue;
        }
        if (e.getKey().equals("scope_narrowing")) {
          out.put(e.getKey(), "");
        } else if (e.getValue().isTextual()) {
          out.put(e.getKey(), e.getValue().textValue());
        } else if (KNOWN.contains(e.getKey())) {
          throw new OAuthError(400, "invalid_request", e.getKey() + " must be a string");
        }
        // Other members are ignored, as RFC 6749 §3.2 says of unrecognised parameters.
      }
      return out;
    }
    throw new OAuthError(400, "invalid_request",
        "Content-Type must be application/x-www-form-urlencoded or application/json");
  }

  /** RFC 7617 Basic credentials, each part form-urlencoded per RFC 6749 §2.3.1. */
  private static String[] decodeBasic(String b64) {
    try {
      String pair = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
      int colon = pair.indexOf(':');
      if (colon < 0) {
        throw new OAuthError(401, "invalid_client", "malformed Basic credentials");
      }
      return new String[] {URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8)};
    } catch (IllegalArgumentException e) {
      throw new OAuthError(401, "invalid_client", "malformed Basic credentials");
    }
  }
}
