package io.k0rdent.api.router.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Handlers of the API-key operations (upstream {@code createApiKey}, {@code listApiKeys},
 * {@code getApiKey}, {@code updateApiKey}, {@code deleteApiKey}, {@code rotateApiKey}). A principal sees
 * and manages its own keys; a caller holding {@link #ADMIN_PERMISSION} where a key lives may read,
 * disable, re-enable and delete it, but only its owner may rotate it or change its roles; every other key
 * answers 404, as if it did not exist. Tokens minted with an API key may read keys
 * but not create, change, rotate or delete them (403): a leaked key cannot lift its own ceiling, breed
 * new keys or lock its owner out; a narrowed token ({@code scope_narrowing}) may create capped keys but
 * not change, rotate or delete any (it would reach its creator's wider keys). A key never reaches beyond the token that created it: its scope must lie
 * within the token's, and a token with fewer roles than its principal (narrowed) gives the key those
 * roles as its ceiling. Secrets are {@code plt_sk_<id>_<random>}, shown only by create and rotate.
 */
public final class ApiKeysApi {

  public static final String COLLECTION = "/v1/regions/global/iam/apikeys";
  /** The permission to manage other principals' keys in an organization. */
  public static final String ADMIN_PERMISSION = "iam.apikeys.admin";

  private final Store store;
  private final ApiServices.Iam iam;
  private final io.k0rdent.api.core.auth.Grants grants;
  private final ResourceOperations<ApiKey> ops;
  private final java.time.Duration tokenTtl;

  public ApiKeysApi(ApiServices services) {
    this.store = services.store();
    this.iam = services.iam();
    this.grants = services.grants();
    this.tokenTtl = services.tokenTtl();
    this.ops = new ResourceOperations<>("API key", COLLECTION, "apiKeys", store.apiKeys(), services.pageTokens(),
        ApiKeysApi::fields);
  }

  /** The API key's fields as the API shows them (never its secret or hashes). */
  static JsonObject fields(ApiKey k) {
      JsonObject o = ResourceOperations.names(new JsonObject(), k.displayName(), k.description())
          .put("organizationId", k.organizationId()).put("scope", k.scope()).put("scopeId", k.scopeId())
          .put("roles", IamFields.array(k.roles())).put("status", k.statusAt(Instant.now()));
      IamFields.putTime(o, "expiresAt", k.expiresAt());
      o.put("createdBy", k.createdBy());
      IamFields.putTime(o, "lastRotatedAt", k.lastRotatedAt());
      IamFields.putTime(o, "lastUsedAt", k.lastUsedAt());
      if (k.lastUsedIp() != null) {
        o.put("lastUsedIp", k.lastUsedIp());
      }
      return o;
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "createApiKey", this::create,
        "listApiKeys", this::list,
        "getApiKey", call -> visible(call, Permissions.APIKEYS_GET).compose(k -> ops.get(call)),
        "updateApiKey", this::update,
        "deleteApiKey", call -> {
          refuseLesserTokens(call.principal(), "delete API keys");
          return visible(call, Permissions.APIKEYS_DELETE).compose(k -> ops.delete(call))
              .compose(r -> iam.state().changed(AuthState.Kind.API_KEY, k(call)).map(r));
        },
        "rotateApiKey", this::rotate);
  }

  private static String k(Call call) {
    return call.pathId("API key");
  }

  /** The chain a key is decided at: its project, else its organization. */
  static ScopeChain chain(ApiKey k) {
    return ServiceAccountsApi.chain(k.scope(), k.scopeId(), k.organizationId());
  }

  /** The chain of the caller's own token: its project, else its organization. */
  static ScopeChain tokenChain(Principal p) {
    return "project".equals(p.scope()) ? ScopeChain.project(p.tenantId(), p.scopeId())
        : ScopeChain.organization(p.tenantId());
  }

  /**
   * The key of the path when the caller may {@code permission} on it: its own key where it holds
   * {@code permission}, or any key of an organization where it holds {@link #ADMIN_PERMISSION}; else 404
   * (no enumeration), or 403 for an own key it may read but not act on.
   */
  private Future<ApiKey> visible(Call call, String permission) {
    String id = k(call);
    return store.apiKeys().get(id).map(key -> {
      if (call.allowed(ADMIN_PERMISSION, chain(key))) {
        return key;
      }
      if (!key.createdBy().equals(call.principal().subject())) {
        throw ApiException.notFound("API key", id);
      }
      call.requireVisible(permission, chain(key), "API key", id);
      return key;
    });
  }

  /**
   * 403 unless the caller created {@code key}: a new secret, or a wider ceiling, would let an administrator
   * of others' keys ({@link #ADMIN_PERMISSION}) act as their owners. Administrators may read, disable,
   * re-enable and delete others' keys.
   */
  private static void ownerOnly(Call call, ApiKey key, String what) {
    if (!key.createdBy().equals(call.principal().subject())) {
      throw ApiException.permissionDenied("only the principal that created API key '" + key.id() + "' may " + what);
    }
  }

  /**
   * Deletes every API key {@code createdBy} created (its principal is being deleted), forgetting cached
   * copies: a later principal re-using the id must not find, list or rotate them.
   */
  static Future<Void> deleteKeysOf(Store store, AuthState state, String createdBy) {
    return store.apiKeys().list(new io.k0rdent.api.core.store.ListQuery(Map.of("createdBy", createdBy), null, 500))
        .compose(page -> {
          List<Future<Void>> gone = new ArrayList<>();
          page.items().forEach(k -> gone.add(store.apiKeys().delete(k.id(), null)
              .recover(e -> e instanceof ApiException a && a.status() == 404 ? Future.succeededFuture()
                  : Future.failedFuture(e))
              .compose(v -> state.changed(AuthState.Kind.API_KEY, k.id()))));
          return Future.all(gone).compose(v -> page.next() == null ? Future.<Void>succeededFuture()
              : deleteKeysOf(store, state, createdBy));
        });
  }

  private static void refuseKeyTokens(Principal p, String what) {
    if (p.type() == PrincipalType.API_KEY) {
      throw ApiException.permissionDenied("a token minted with an API key cannot " + what);
    }
  }

  /** Changing, rotating or deleting a key needs the principal's full token: neither a key's nor a narrowed one. */
  private static void refuseLesserTokens(Principal p, String what) {
    refuseKeyTokens(p, what);
    if (p.narrowed()) {
      throw ApiException.permissionDenied("a token minted with scope_narrowing cannot " + what);
    }
  }

  /** 422 unless every role of {@code roles} lies within the caller's token's role ceiling (when it has one). */
  private static void checkCeiling(Principal p, List<String> roles) {
    for (String r : roles) {
      if (p.roles() != null && !p.roles().contains(r)) {
        throw ApiException.unprocessable("ROLE_NOT_HELD", "role '" + r + "' is not held by the caller's token");
      }
    }
  }

  private static String secretFor(String id) {
    return CredentialChecks.API_KEY_PREFIX + id + "_" + Secrets.random256();
  }

  private Future<Reply> create(Call call) {
    Principal p = call.principal();
    refuseKeyTokens(p, "create API keys");
    if (p.roles() != null && p.roles().isEmpty()) {
      throw ApiException.permissionDenied("a token without roles cannot create API keys");
    }
    String id = call.text("id") == null ? Slugs.generate("apikey") : call.text("id");
    String scope = call.text("scope");
    String scopeId = call.text("scopeId");
    List<String> asked = IamFields.roles(call.body());
    Instant now = Clock.now();
    Instant expiresAt = IamFields.expiresAt(call.body(), now, iam.apiKeyMaxLifetime());
    checkCeiling(p, asked == null ? List.of() : asked);
    String secret = secretFor(id);
    ApiException outOfReach = ApiException.invalidField("scopeId",
        scope + " '" + scopeId + "' does not exist or is not within the caller's reach");
    if ("project".equals(p.scope()) && !("project".equals(scope) && scopeId.equals(p.scopeId()))) {
      throw outOfReach; // a project-scoped token makes keys for its project only
    }
    Future<String> org = IamFields.organizationOf(store, scope, scopeId).recover(e -> Future.failedFuture(
        e instanceof ApiException a && a.status() == 400 ? outOfReach : e));
    // no ceiling asked: the creator's grants, capped by this token's own ceiling when it has one
    List<String> ceiling = asked != null && !asked.isEmpty() ? asked : p.roles() == null ? List.of() : p.roles();
    return org.compose(o -> {
      ScopeChain at = ServiceAccountsApi.chain(scope, scopeId, o);
      if (!o.equals(p.tenantId()) || !call.allowed(Permissions.APIKEYS_CREATE, at)) {
        if (o.equals(p.tenantId()) && Scopes.knowsOrganization(call, o)
            && ("organization".equals(scope) || Scopes.knowsProject(call, o, scopeId))) {
          throw ApiException.permissionDenied("the caller may not " + Permissions.APIKEYS_CREATE + " there");
        }
        throw outOfReach;
      }
      return Scopes.requireHeld(call, grants, asked, o, at, "roles").map(o);
    }).compose(o -> {
      return ops.create(new ApiKey(id, UUID.randomUUID(), o, scope, scopeId, ceiling, ApiKey.ACTIVE,
          expiresAt, p.subject(), p.type().claim(), iam.hasher().hash(secret), null, null, null, null, null,
          call.text("displayName"), call.text("description"), now, now, 1));
    }).compose(reply -> iam.state().changed(AuthState.Kind.API_KEY, id).map(reply))
        .map(reply -> {
          reply.body().put("secret", secret);
          return reply.withHeader("Cache-Control", "no-store");
        });
  }

  private Future<Reply> list(Call call) {
    Principal p = call.principal();
    String status = IamFields.oneOf(call, "status", ApiKey.ACTIVE, ApiKey.DISABLED, ApiKey.EXPIRED);
    Map<String, String> filters = new HashMap<>();
    filters.put("scope", IamFields.oneOf(call, "scope", "organization", "project"));
    filters.put("scopeId", IamFields.slug(call, "scopeId"));
    String createdBy = call.query("createdBy");
    if (createdBy != null && (createdBy.isEmpty() || createdBy.length() > 255
        || !createdBy.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
      throw ApiException.invalidField("createdBy", "createdBy must be a principal's sub (printable ASCII) or *");
    }
    boolean admin = call.allowed(ADMIN_PERMISSION, ScopeChain.organization(p.tenantId()));
    if (createdBy == null || !admin) {
      // its own keys: every principal may list those it may list at its token's scope
      if (!call.allowed(Permissions.APIKEYS_LIST, tokenChain(p))) {
        return Future.succeededFuture(Reply.ok(new JsonObject().put("apiKeys", new JsonArray())));
      }
      filters.put("createdBy", p.subject());
    } else {
      filters.put("organizationId", p.tenantId());
      if (!createdBy.equals("*")) {
        filters.put("createdBy", createdBy);
      }
    }
    return ops.list(call, filters).map(reply -> {
      if (status != null) {
        // status is partly derived (expired), so it filters the page rather than the query
        JsonArray kept = new JsonArray();
        reply.body().getJsonArray("apiKeys").forEach(o -> {
          if (status.equals(((JsonObject) o).getString("status"))) {
            kept.add(o);
          }
        });
        reply.body().put("apiKeys", kept);
      }
      return reply;
    });
  }

  private Future<Reply> update(Call call) {
    Principal p = call.principal();
    refuseLesserTokens(p, "change API keys");
    JsonNode body = call.body();
    List<String> roles = IamFields.roles(body);
    if (roles != null) {
      checkCeiling(p, roles);
    }
    return visible(call, Permissions.APIKEYS_UPDATE)
        .map(key -> {
          if (roles != null && !roles.equals(key.roles())) {
            ownerOnly(call, key, "change its roles");
          }
          if (ApiKey.ACTIVE.equals(call.text("status")) && !ApiKey.ACTIVE.equals(key.status())) {
            ownerOnly(call, key, "enable it again");
          }
          return key;
        })
        .compose(key -> Scopes.requireHeld(call, grants, roles == null ? null
            : roles.stream().filter(r -> !key.roles().contains(r)).toList(), key.organizationId(), chain(key), "roles"))
        .compose(x -> ops.update(call, cur -> {
      if (!cur.unexpiredAt(Instant.now())) {
        throw ApiException.conflict("FAILED_PRECONDITION", "API key '" + cur.id() + "' has expired; create a new one");
      }
      // again on the version being written: the key may have changed since it was first read
      if (roles != null && !roles.equals(cur.roles())) {
        ownerOnly(call, cur, "change its roles");
      }
      if (ApiKey.ACTIVE.equals(call.text("status")) && !ApiKey.ACTIVE.equals(cur.status())) {
        ownerOnly(call, cur, "enable it again");
      }
      String displayName = ResourceOperations.merge(body, "displayName", cur.displayName());
      String description = ResourceOperations.merge(body, "description", cur.description());
      String status = call.text("status") == null ? cur.status() : call.text("status");
      List<String> newRoles = roles == null ? cur.roles() : roles;
      if (Objects.equals(displayName, cur.displayName()) && Objects.equals(description, cur.description())
          && newRoles.equals(cur.roles()) && status.equals(cur.status())) {
        return cur;
      }
      return cur.withChanges(displayName, description, newRoles, status, Clock.now());
    })).compose(reply -> iam.state().changed(AuthState.Kind.API_KEY, k(call)).map(reply))
        .compose(reply -> !ApiKey.DISABLED.equals(call.text("status")) ? Future.succeededFuture(reply)
            // disabling ends every token minted so far: re-enabling does not bring them back
            : iam.state().revoke(AuthState.allTokensOfApiKey(k(call)), Instant.now().plus(tokenTtl)).map(reply));
  }

  private Future<Reply> rotate(Call call) {
    Principal p = call.principal();
    refuseLesserTokens(p, "rotate API keys");
    JsonNode grace = call.body() == null ? null : call.body().get("gracePeriodSeconds");
    long graceSeconds = grace == null || grace.isNull() ? 0 : grace.asLong();
    String id = k(call);
    String secret = secretFor(id);
    String hash = iam.hasher().hash(secret);
    List<Instant> previousUntil = new ArrayList<>(1);
    return visible(call, Permissions.APIKEYS_ROTATE).map(key -> {
      ownerOnly(call, key, "rotate it");
      return key;
    }).compose(x -> ops.update(call, cur -> {
      Instant now = Clock.now();
      if (!ApiKey.ACTIVE.equals(cur.statusAt(now))) {
        throw ApiException.conflict("FAILED_PRECONDITION", "API key '" + id + "' is " + cur.statusAt(now)
            + "; only active keys can be rotated");
      }
      Instant until = now.plusSeconds(graceSeconds);
      previousUntil.clear();
      previousUntil.add(until);
      return cur.rotated(hash, until, now);
    })).compose(reply -> iam.state().changed(AuthState.Kind.API_KEY, id).map(reply))
        .map(reply -> {
          reply.body().put("secret", secret);
          IamFields.putTime(reply.body(), "previousSecretExpiresAt", previousUntil.get(0));
          return new Reply(200, reply.body(), Map.of("ETag", reply.headers().get("ETag"), "Cache-Control", "no-store"));
        });
  }
}
