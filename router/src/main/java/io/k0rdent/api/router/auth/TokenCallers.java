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
        long wait = iam.rateLimits().client(p.clientId());
        if (wait > 0) {
          throw new OAuth.Error(429, "slow_down", "too many requests; retry after " + wait + " s", wait);
        }
        return p;
      });
    }
    OAuth.ClientAuth client = OAuth.clientAuth(ctx, params);
    if (client.clientId() == null || client.secret() == null) {
      throw new OAuth.Error(401, "invalid_client", "authenticate with a bearer token or client credentials");
    }
    long wait = iam.rateLimits().client(client.clientId());
    if (wait > 0) {
      throw new OAuth.Error(429, "slow_down", "too many requests; retry after " + wait + " s", wait);
    }
    return iam.checks().clientCredentials(client.clientId(), client.secret(), now).map(g -> {
      if (g == null) {
        throw new OAuth.Error(401, "invalid_client", "unknown client, wrong or expired secret, or disabled account");
      }
      AccessTokenIssuer.Claims c = g.claims();
      return new Principal(c.subject(), c.type(), c.tenantId(), c.scope(), c.scopeId(), c.clientId(), null, now, now,
          c.credentialId(), null, g.roles());
    });
  }

  /** Takes one request from the caller's address; throws {@code slow_down} over the limit. */
  void limitAddress(RoutingContext ctx) {
    String address = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    long wait = iam.rateLimits().address(address);
    if (wait > 0) {
      throw new OAuth.Error(429, "slow_down", "too many requests; retry after " + wait + " s", wait);
    }
  }
}
