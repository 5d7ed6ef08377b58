package io.k0rdent.api.router.auth;

import io.k0rdent.api.core.auth.ActiveTokens;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.router.ApiServices;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Map;

/**
 * {@code POST /v1/regions/global/auth/introspect} (upstream {@code introspectToken}, RFC 7662). The
 * caller authenticates ({@link TokenCallers}). An active token answers {@code active: true} with
 * {@code sub, iss, aud, exp, iat, jti, client_id, token_type, tenant_id, scope, scope_id, roles,
 * principal_type, credential_id}; any other token — and a token of another organization than the caller's,
 * unless the caller is a platform administrator ({@code auth.tokens.introspect}) — answers exactly
 * {@code {"active":false}}. Undecidable (store or cache down): 503 {@code temporarily_unavailable}.
 */
public final class IntrospectEndpoint {

  /** The permission that lets a caller introspect tokens of other organizations. */
  public static final String CROSS_TENANT_PERMISSION = "auth.tokens.introspect";

  private final ActiveTokens tokens;
  private final TokenCallers callers;
  private final Grants grants;
  private final String issuer;
  private final String audience;

  public IntrospectEndpoint(ApiServices services, ActiveTokens tokens) {
    this.tokens = tokens;
    this.callers = new TokenCallers(services, tokens);
    this.grants = services.grants();
    this.issuer = services.issuer();
    this.audience = services.audience();
  }

  /** Answers one introspection request (RFC 7662 §2); OAuth-format errors, 503 when undecidable. */
  public void handle(RoutingContext ctx) {
    Instant now = Instant.now();
    Future<JsonObject> answer;
    try {
      Map<String, String> params = callers.tokenRequest(ctx);
      String token = params.get("token");
      answer = callers.caller(ctx, params, now).compose(caller -> tokens.check(token, now)
          .compose(p -> visibleTo(caller, p).compose(visible -> visible ? active(p) : Future.succeededFuture(inactive())))
          .recover(e -> e instanceof ApiException a && a.status() == 401
              ? Future.succeededFuture(inactive()) : Future.failedFuture(e)));
    } catch (RuntimeException e) {
      OAuth.fail(ctx, e);
      return;
    }
    answer.onSuccess(body -> OAuth.ok(ctx, body)).onFailure(e -> OAuth.fail(ctx, e));
  }

  private Future<Boolean> visibleTo(Principal caller, Principal token) {
    if (caller.tenantId() != null && caller.tenantId().equals(token.tenantId())) {
      return Future.succeededFuture(true);
    }
    return grants.allows(caller, CROSS_TENANT_PERMISSION, ScopeChain.organization(token.tenantId()));
  }

  private static JsonObject inactive() {
    return new JsonObject().put("active", false);
  }

  /**
   * The active answer: {@code roles} are the token's role ceiling when it has one, else the roles its
   * principal holds now (its own and those bound to it, at any scope).
   */
  private Future<JsonObject> active(Principal p) {
    Future<java.util.List<String>> roles = p.roles() != null ? Future.succeededFuture(p.roles())
        : grants.of(grants.principalOf(p.subject())).map(s -> s.roles());
    return roles.map(r -> activeAnswer(p, r, issuer, audience));
  }

  /**
   * The active introspection answer (RFC 7662 §2.2 members and the contract's) for principal {@code p}
   * with {@code roles}, from issuer {@code iss} for audience {@code aud}.
   */
  public static JsonObject activeAnswer(Principal p, java.util.List<String> roles, String iss, String aud) {
    JsonObject o = new JsonObject().put("active", true)
        .put("sub", p.subject())
        .put("iss", iss)
        .put("aud", aud)
        .put("exp", p.expiresAt().getEpochSecond())
        .put("iat", p.issuedAt().getEpochSecond())
        .put("jti", p.tokenId())
        .put("token_type", "Bearer")
        .put("tenant_id", p.tenantId())
        .put("scope", p.scope())
        .put("scope_id", p.scopeId())
        .put("principal_type", p.type().claim());
    o.put("roles", new JsonArray(new java.util.ArrayList<>(roles)));
    if (p.clientId() != null) {
      o.put("client_id", p.clientId());
    }
    if (p.credentialId() != null) {
      o.put("credential_id", p.credentialId());
    }
    return o;
  }
}
