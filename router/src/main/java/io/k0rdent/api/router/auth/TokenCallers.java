package io.k0rdent.api.router.auth;

import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.ActiveTokens;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.router.ApiServices;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Map;

/**
 * Who is calling introspection or revocation (RFC 7662 §2.1, RFC 7009 §2.1): a bearer access token
 * (checked like any API call), else client credentials (HTTP Basic or body). Neither → 401
 * {@code invalid_client}; a refused bearer token → 401 {@code invalid_token}. Either counts against the
 * per-client rate limit (a bearer token's {@code client_id}). One per verticle (it shares the verticle's {@link ActiveTokens}).
 */
final class TokenCallers {

  private final ApiServices.Iam iam;
  private final ActiveTokens tokens;

  TokenCallers(ApiServices services, ActiveTokens tokens) {
    this.iam = services.iam();
    this.tokens = tokens;
  }

  Future<Principal> caller(RoutingContext ctx, Map<String, String> params, Instant now) {
    String bearer = OAuth.bearer(ctx);
    if (bearer != null) {
      return tokens.check(bearer, now).map(p -> {
        OAuth.limit(iam.rateLimits().client(p.clientId()));
        return p;
      });
    }
    OAuth.ClientAuth client = OAuth.clientAuth(ctx, params);
    if (client.clientId() == null || client.secret() == null) {
      throw new OAuth.Error(401, "invalid_client", "authenticate with a bearer token or client credentials");
    }
    OAuth.limit(iam.rateLimits().client(client.clientId()));
    return iam.checks().clientCredentials(client.clientId(), client.secret(), now).map(g -> {
      if (g == null) {
        throw new OAuth.Error(401, "invalid_client", "unknown client, wrong or expired secret, or disabled account");
      }
      AccessTokenIssuer.Claims c = g.claims();
      return new Principal(c.subject(), c.type(), c.tenantId(), c.scope(), c.scopeId(), c.clientId(), null, now, now,
          c.credentialId(), null, g.roles());
    });
  }

  /** Parameters of an introspection or revocation request (RFC 7662 §2.1, RFC 7009 §2.1). */
  private static final java.util.Set<String> PARAMS =
      java.util.Set.of("token", "token_type_hint", "client_id", "client_secret");

  /**
   * An introspection or revocation request's parameters, after the per-address limit; {@code token} is
   * required ({@code invalid_request} otherwise).
   */
  Map<String, String> tokenRequest(RoutingContext ctx) {
    limitAddress(ctx);
    Map<String, String> params = OAuth.params(ctx, PARAMS, java.util.Set.of());
    String token = params.get("token");
    if (token == null || token.isEmpty()) {
      throw new OAuth.Error(400, "invalid_request", "token is required");
    }
    return params;
  }

  /** Takes one request from the caller's address; throws {@code slow_down} over the limit. */
  private void limitAddress(RoutingContext ctx) {
    String address = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    OAuth.limit(iam.rateLimits().address(address));
  }
}
