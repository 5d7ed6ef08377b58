package io.k0rdent.api.router.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.CredentialChecks.Grantee;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.ApiDocument;
import io.k0rdent.api.router.ApiServices;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/regions/global/auth/token} (upstream {@code mintToken}), the OAuth 2.0 token endpoint.
 * Grants: {@code client_credentials} (RFC 6749 §4.4; service accounts and configured clients) and the
 * contract's {@code api_key}. Body: form-encoded or JSON ({@link OAuth#params}). Optional
 * {@code scope_narrowing} ({@code {scope, scopeId, roles}}; a JSON string in a form body) may only ask
 * for less: a project inside the credential's organization, a subset of its roles.
 * Success: {@code {access_token, token_type: "Bearer", expires_in}} with {@code Cache-Control: no-store}
 * (§5.1). Errors (§5.2): {@code invalid_request}, {@code unsupported_grant_type}, {@code invalid_scope},
 * {@code invalid_grant} (API key) → 400; {@code invalid_client} → 401 with {@code WWW-Authenticate};
 * {@code slow_down} → 429 with {@code Retry-After}; {@code temporarily_unavailable} → 503. One instance
 * per verticle (its signer is thread-confined; it is rebuilt when the signing keys rotate).
 */
public final class TokenEndpoint {

  private static final Set<String> KNOWN =
      Set.of("grant_type", "client_id", "client_secret", "api_key", "scope", "scope_narrowing");
  private static final Set<String> OBJECTS = Set.of("scope_narrowing");

  private final ApiServices services;
  private final ApiServices.Iam iam;
  private final Store store;
  private SigningKeys issuerKeys;
  private AccessTokenIssuer issuer;

  public TokenEndpoint(ApiServices services) {
    this.services = services;
    this.iam = services.iam();
    this.store = services.store();
    issuer();
  }

  /** The issuer of the current signing key, rebuilt when the key ring changed. */
  private AccessTokenIssuer issuer() {
    SigningKeys keys = services.keyRing().keys();
    if (keys != issuerKeys) {
      issuer = new AccessTokenIssuer(keys, services.issuer(), services.audience(), services.tokenTtl());
      issuerKeys = keys;
    }
    return issuer;
  }

  /** Answers one token request (RFC 6749 §4.4, the api_key grant); OAuth-format errors (§5.2). */
  public void handle(RoutingContext ctx) {
    Instant now = Instant.now();
    String address = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    Future<Grantee> grantee;
    Map<String, String> params;
    try {
      OAuth.limit(iam.rateLimits().address(address));
      OAuth.limit(iam.rateLimits().failuresLeft(address));
      params = OAuth.params(ctx, KNOWN, OBJECTS);
      String grant = params.get("grant_type");
      if (grant == null || grant.isEmpty()) {
        throw new OAuth.Error(400, "invalid_request", "grant_type is required");
      }
      if (params.get("scope") != null && !params.get("scope").isBlank()) {
        throw new OAuth.Error(400, "invalid_scope", "OAuth scopes are not used here; narrow a token with scope_narrowing");
      }
      CredentialChecks checks = iam.checks();
      if ("client_credentials".equals(grant)) {
        OAuth.ClientAuth client = OAuth.clientAuth(ctx, params);
        if (client.clientId() == null || client.secret() == null) {
          throw new OAuth.Error(401, "invalid_client", "client authentication is required");
        }
        OAuth.limit(iam.rateLimits().client(client.clientId()));
        grantee = checks.clientCredentials(client.clientId(), client.secret(), now).map(g -> {
          if (g == null) {
            throw new OAuth.Error(401, "invalid_client", "unknown client, wrong or expired secret, or disabled account");
          }
          return g;
        });
      } else if ("api_key".equals(grant)) {
        String key = params.get("api_key");
        if (key == null || key.isEmpty()) {
          throw new OAuth.Error(400, "invalid_request", "api_key is required for the api_key grant");
        }
        String keyId = CredentialChecks.idIn(key, CredentialChecks.API_KEY_PREFIX);
        OAuth.limit(iam.rateLimits().client(keyId == null ? null : "apikey:" + keyId));
        // A client that authenticates must do so successfully (RFC 6749 §3.2.1), even if the key is what counts.
        OAuth.ClientAuth client = OAuth.clientAuth(ctx, params);
        Future<Void> clientOk = !client.present() ? Future.succeededFuture()
            : checks.clientCredentials(client.clientId(), client.secret(), now).map(c -> {
              if (c == null) {
                throw new OAuth.Error(401, "invalid_client", "unknown client, wrong or expired secret, or disabled account");
              }
              return null;
            });
        grantee = clientOk.compose(v -> checks.apiKey(key, now)).map(g -> {
          if (g == null) {
            throw new OAuth.Error(400, "invalid_grant", "the API key is unknown, wrong, disabled or expired");
          }
          return g;
        });
      } else {
        throw new OAuth.Error(400, "unsupported_grant_type",
            "grant_type is not supported; use client_credentials or api_key");
      }
    } catch (RuntimeException e) {
      OAuth.fail(ctx, e);
      return;
    }
    String narrowing = params.get("scope_narrowing");
    grantee
        .compose(g -> narrow(g, narrowing))
        .compose(g -> (g.roles() == null ? Future.<String>succeededFuture() : iam.state().roleSetId(g.roles())).map(roleSet -> {
          AccessTokenIssuer.Issued t = issuer().issue(g.claims().withRoleSet(roleSet), now);
          if (g.usageKind() != null) {
            iam.state().recordUse(g.usageKind(), g.usageId(), io.k0rdent.api.core.resource.Clock.now(), address);
          }
          return t;
        }))
        .onSuccess(t -> OAuth.ok(ctx, new JsonObject().put("access_token", t.token()).put("token_type", "Bearer")
            .put("expires_in", t.expiresInSeconds())))
        .onFailure(e -> {
          if (e instanceof OAuth.Error oe && ("invalid_client".equals(oe.code) || "invalid_grant".equals(oe.code))) {
            iam.rateLimits().failed(address);
          }
          OAuth.fail(ctx, e);
        });
  }

  private static OAuth.Error badNarrowing(String why) {
    return new OAuth.Error(400, "invalid_request", "scope_narrowing: " + why);
  }

  /**
   * The grantee after {@code scope_narrowing} (JSON text, or null): the scope the credential's own, or a
   * project of its organization when it is organization-wide; roles (the token's role ceiling) within the
   * credential's ceiling when it has one, and each held by the principal at the token's scope (all its
   * permissions granted there). Asking for more is {@code invalid_scope}.
   */
  private Future<Grantee> narrow(Grantee g, String narrowing) {
    if (narrowing == null) {
      return Future.succeededFuture(g);
    }
    List<String>[] asked = new List[1];
    return narrowScope(g, narrowing, asked).compose(ng -> asked[0] == null ? Future.succeededFuture(ng)
        : held(ng, asked[0]).map(v -> new Grantee(ng.claims(), asked[0], ng.usageKind(), ng.usageId())));
  }

  /** Fails {@code invalid_scope} unless the principal holds every role of {@code roles} at the token's scope. */
  private Future<Void> held(Grantee g, List<String> roles) {
    AccessTokenIssuer.Claims c = g.claims();
    ScopeChain chain = "project".equals(c.scope()) ? ScopeChain.project(c.tenantId(), c.scopeId())
        : ScopeChain.organization(c.tenantId());
    Grants grants = services.grants();
    return grants.of(grants.principalOf(c.subject())).compose(base -> {
      List<Future<io.k0rdent.api.core.auth.policy.RoleDefinition>> defs = new ArrayList<>();
      roles.forEach(r -> defs.add(grants.role(r)));
      return Future.all(defs).map(all -> {
        for (int i = 0; i < roles.size(); i++) {
          io.k0rdent.api.core.auth.policy.RoleDefinition d = all.resultAt(i);
          boolean foreign = d != null && d.organizationId() != null && !d.organizationId().equals(c.tenantId());
          if (d == null || foreign || !base.holds(d.permissions(), chain)) {
            throw new OAuth.Error(400, "invalid_scope", "role '" + OAuth.shown(roles.get(i))
                + "' is not held by the credential");
          }
        }
        return null;
      });
    });
  }

  private Future<Grantee> narrowScope(Grantee g, String narrowing, List<String>[] askedRoles) {
    if (narrowing == null) {
      return Future.succeededFuture(g);
    }
    JsonNode n;
    try {
      n = ApiDocument.JSON.readTree(narrowing);
    } catch (java.io.IOException e) {
      throw badNarrowing("must be a JSON object");
    }
    if (n == null || !n.isObject()) {
      throw badNarrowing("must be a JSON object");
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("scope", "scopeId", "roles").contains(f)) {
        throw badNarrowing("unknown member '" + OAuth.shown(f) + "' (scope, scopeId, roles)");
      }
    }
    List<String> roles = g.roles();
    if (n.has("roles") && !n.get("roles").isNull()) {
      if (!n.get("roles").isArray()) {
        throw badNarrowing("roles must be an array of role names");
      }
      List<String> asked = new ArrayList<>();
      for (JsonNode r : n.get("roles")) {
        if (!r.isTextual()) {
          throw badNarrowing("roles must be an array of role names");
        }
        if (g.roles() != null && !g.roles().contains(r.textValue())) {
          throw new OAuth.Error(400, "invalid_scope", "role '" + OAuth.shown(r.textValue()) + "' is not held by the credential");
        }
        if (!asked.contains(r.textValue())) {
          asked.add(r.textValue());
        }
      }
      roles = asked;
      askedRoles[0] = asked;
    }
    String scope = text(n, "scope");
    String scopeId = text(n, "scopeId");
    AccessTokenIssuer.Claims c = g.claims();
    List<String> narrowedRoles = roles;
    if (scope == null) {
      if (scopeId != null) {
        throw badNarrowing("scopeId needs scope");
      }
      return Future.succeededFuture(new Grantee(c.narrowedTo(c.scope(), c.scopeId()), narrowedRoles, g.usageKind(), g.usageId()));
    }
    if (scope.equals("organization")) {
      if (!"organization".equals(c.scope()) || (scopeId != null && !scopeId.equals(c.scopeId()))) {
        throw new OAuth.Error(400, "invalid_scope", "the token cannot be wider than the credential's scope");
      }
      return Future.succeededFuture(new Grantee(c.narrowedTo(c.scope(), c.scopeId()), narrowedRoles, g.usageKind(), g.usageId()));
    }
    if (!scope.equals("project")) {
      throw new OAuth.Error(400, "invalid_scope", "scope must be organization or project");
    }
    if (scopeId == null) {
      throw badNarrowing("scope project needs scopeId");
    }
    if (!io.k0rdent.api.core.resource.Slugs.isValid(scopeId)) {
      throw badNarrowing("scopeId must be a project id (a slug)");
    }
    if ("project".equals(c.scope())) {
      if (!scopeId.equals(c.scopeId())) {
        throw new OAuth.Error(400, "invalid_scope", "the credential is confined to project '" + c.scopeId() + "'");
      }
      return Future.succeededFuture(new Grantee(c.narrowedTo(c.scope(), c.scopeId()), narrowedRoles, g.usageKind(), g.usageId()));
    }
    return store.projects().get(scopeId)
        .recover(e -> e instanceof ApiException a && a.status() == 404
            ? Future.succeededFuture() : Future.failedFuture(e))
        .compose(p -> {
          OAuth.Error outside = new OAuth.Error(400, "invalid_scope", "project '" + OAuth.shown(scopeId)
              + "' is not within the credential's organization");
          if (p == null || !p.organizationId().equals(c.tenantId())) {
            throw outside;
          }
          // a project its principal holds nothing in reads like one that does not exist
          Grants grants = services.grants();
          return grants.of(grants.principalOf(c.subject())).map(base -> {
            if (java.util.Arrays.stream(base.effective(ScopeChain.project(p.organizationId(), p.id())))
                .allMatch(w -> w == 0)) {
              throw outside;
            }
            return new Grantee(c.narrowedTo("project", scopeId), narrowedRoles, g.usageKind(), g.usageId());
          });
        });
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw badNarrowing(field + " must be a string");
    }
    return v.textValue();
  }
}
