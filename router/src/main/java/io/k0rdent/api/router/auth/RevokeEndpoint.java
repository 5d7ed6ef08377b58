package io.k0rdent.api.router.auth;

import io.k0rdent.api.core.auth.ActiveTokens;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.router.ApiServices;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Map;

/**
 * {@code POST /v1/regions/global/auth/revoke} (upstream {@code revokeToken}, RFC 7009). The caller
 * authenticates ({@link TokenCallers}) and may revoke its own tokens (same {@code sub}); a platform
 * administrator ({@code auth.tokens.revoke}) any. Unknown, malformed, expired and already revoked tokens
 * answer 200 {@code {"revoked": true}} as well (§2.2); another principal's token of the caller's own
 * organization is 403 {@code unauthorized_client} (§2.1), one of another organization answers like an
 * unknown token (200, nothing revoked), so revocation reveals no more than introspection. {@code token_type_hint} is accepted and not needed.
 */
public final class RevokeEndpoint {

  /** The permission that lets a caller revoke other principals' tokens. */
  public static final String ANY_TOKEN_PERMISSION = "auth.tokens.revoke";

  private final ActiveTokens tokens;
  private final TokenCallers callers;
  private final Grants grants;
  private final AuthState state;

  public RevokeEndpoint(ApiServices services, ActiveTokens tokens) {
    this.tokens = tokens;
    this.callers = new TokenCallers(services, tokens);
    this.grants = services.grants();
    this.state = services.iam().state();
  }

  /**
   * Whether {@code caller} may revoke {@code target}, a token of its own principal: a full token any of
   * them; a lesser one (an API key's, a narrowed one) only lesser tokens minted with the same credential,
   * so that a leaked key cannot end its owner's sessions.
   */
  static boolean ownToken(Principal caller, Principal target) {
    if (caller.type() != io.k0rdent.api.core.auth.PrincipalType.API_KEY && !caller.narrowed()) {
      return true;
    }
    boolean lesserTarget = target.type() == io.k0rdent.api.core.auth.PrincipalType.API_KEY || target.narrowed();
    return lesserTarget && caller.type() == target.type()
        && java.util.Objects.equals(caller.credentialId(), target.credentialId());
  }

  /** Answers one revocation request (RFC 7009 §2); OAuth-format errors, 503 when undecidable. */
  public void handle(RoutingContext ctx) {
    Instant now = Instant.now();
    Future<Void> done;
    try {
      Map<String, String> params = callers.tokenRequest(ctx);
      String token = params.get("token");
      done = callers.caller(ctx, params, now).compose(caller -> {
        Principal target;
        try {
          target = tokens.claims(token, now);
        } catch (ApiException e) {
          return Future.succeededFuture(); // not a token of ours that could still be used: nothing to do
        }
        Future<Boolean> may = target.subject().equals(caller.subject()) ? Future.succeededFuture(ownToken(caller, target))
            : grants.allows(caller, ANY_TOKEN_PERMISSION, ScopeChain.organization(target.tenantId()));
        return may.compose(allowed -> {
          if (!allowed) {
            if (caller.tenantId() == null || !caller.tenantId().equals(target.tenantId())) {
              // another organization's token: answered like an unknown one, as introspection hides it too
              return Future.succeededFuture();
            }
            throw new OAuth.Error(403, "unauthorized_client", "the token belongs to another principal");
          }
          io.k0rdent.api.router.EventActors.set(ctx, caller);
          return state.isRevoked(target.tokenId()) ? Future.<Void>succeededFuture()
              : state.revoke(target.tokenId(), target.expiresAt());
        });
      });
    } catch (RuntimeException e) {
      OAuth.fail(ctx, e);
      return;
    }
    done.onSuccess(v -> OAuth.ok(ctx, new JsonObject().put("revoked", true))).onFailure(e -> OAuth.fail(ctx, e));
  }
}
