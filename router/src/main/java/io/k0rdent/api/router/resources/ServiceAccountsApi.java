package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.ListQuery;
import io.k0rdent.api.core.store.PageCursor;
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
import java.util.UUID;

/**
 * Handlers of the service-account operations (upstream {@code createServiceAccount},
 * {@code listServiceAccounts}, {@code getServiceAccount}, {@code updateServiceAccount},
 * {@code deleteServiceAccount}) and of their credentials ({@code createServiceAccountCredential},
 * {@code listServiceAccountCredentials}, {@code getServiceAccountCredential},
 * {@code deleteServiceAccountCredential}). Every committed change is announced to {@link AuthState} so
 * that disabling an account or deleting a credential takes effect on every node at once.
 */
public final class ServiceAccountsApi {

  public static final String COLLECTION = "/v1/regions/global/iam/service-accounts";
  private final Store store;
  private final ApiServices.Iam iam;
  private final ResourceOperations<ServiceAccount> ops;
  private final io.k0rdent.api.router.PageTokens pageTokens;
  private final java.time.Duration tokenTtl;
  private final io.k0rdent.api.core.auth.Grants grants;
  private final io.k0rdent.api.core.auth.ClientRegistry clients;

  public ServiceAccountsApi(ApiServices services) {
    this.grants = services.grants();
    this.clients = services.clients();
    this.store = services.store();
    this.iam = services.iam();
    this.pageTokens = services.pageTokens();
    this.tokenTtl = services.tokenTtl();
    this.ops = new ResourceOperations<>("service account", COLLECTION, "serviceAccounts", store.serviceAccounts(),
        services.pageTokens(), ServiceAccountsApi::fields);
  }

  /** The service account's fields as the API shows them. */
  static JsonObject fields(ServiceAccount sa) {
    return ResourceOperations.names(new JsonObject(), sa.displayName(), sa.description())
        .put("organizationId", sa.organizationId()).put("clientId", sa.clientId()).put("scope", sa.scope())
        .put("scopeId", sa.scopeId()).put("roles", IamFields.array(sa.roles())).put("status", sa.status())
        .put("createdBy", sa.createdBy());
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "createServiceAccount", this::create,
        "listServiceAccounts", this::list,
        "getServiceAccount", call -> withCounts(ops.get(call, sa -> guard(call, Permissions.SERVICE_ACCOUNTS_GET, sa))),
        "updateServiceAccount", this::update,
        "deleteServiceAccount", this::delete,
        "createServiceAccountCredential", this::createCredential,
        "listServiceAccountCredentials", this::listCredentials,
        "getServiceAccountCredential", this::getCredential,
        "deleteServiceAccountCredential", this::deleteCredential);
  }

  private Future<Reply> create(Call call) {
    String id = call.text("id") == null ? Slugs.generate("sa") : call.text("id");
    String scope = call.text("scope");
    String scopeId = call.text("scopeId");
    List<String> roles = IamFields.roles(call.body());
    Instant now = Clock.now();
    return IamFields.organizationOf(store, scope, scopeId)
        .compose(org -> {
          if ("project".equals(scope)) {
            Scopes.requireInProject(call, Permissions.SERVICE_ACCOUNTS_CREATE, org, scopeId, "scopeId");
          } else {
            Scopes.requireInOrganization(call, Permissions.SERVICE_ACCOUNTS_CREATE, org, "scopeId");
          }
          if (clients.byClientId(ServiceAccount.clientIdOf(id, org)) != null
              || clients.bySubject(ServiceAccount.clientIdOf(id, org)) != null) {
            // a configured client (the bootstrap account) holds that client id: never a second principal
            // answering to the same subject (disabling it would end the configured client's tokens)
            throw ApiException.conflict("ALREADY_EXISTS", "service account '" + id + "' already exists");
          }
          return Scopes.requireHeld(call, grants, roles, org, chain(scope, scopeId, org), "roles").map(org);
        })
        .compose(org -> ops.create(new ServiceAccount(id, UUID.randomUUID(), org, ServiceAccount.clientIdOf(id, org),
            scope, scopeId, roles == null ? List.of() : roles, ServiceAccount.ACTIVE, call.text("displayName"),
            call.text("description"), call.principal().subject(), now, now, 1)))
        .compose(reply -> iam.state().changed(AuthState.Kind.SERVICE_ACCOUNT, id).map(reply))
        .compose(this::withCounts);
  }

  /** The chain a service account (or one about to be created) is decided at: its project, else its organization. */
  static ScopeChain chain(String scope, String scopeId, String org) {
    return "project".equals(scope) ? ScopeChain.project(org, scopeId) : ScopeChain.organization(org);
  }

  static ScopeChain chain(ServiceAccount sa) {
    return chain(sa.scope(), sa.scopeId(), sa.organizationId());
  }

  private static void guard(Call call, String permission, ServiceAccount sa) {
    call.requireVisible(permission, chain(sa), "service account", sa.id());
  }

  private Future<Reply> list(Call call) {
    Map<String, String> filters = new HashMap<>();
    String org = Scopes.listedOrganization(call, Permissions.SERVICE_ACCOUNTS_LIST, IamFields.slug(call, "organizationId"));
    filters.put("organizationId", org);
    filters.put("scope", IamFields.oneOf(call, "scope", "organization", "project"));
    filters.put("scopeId", IamFields.slug(call, "scopeId"));
    filters.put("status", IamFields.oneOf(call, "status", ServiceAccount.ACTIVE, ServiceAccount.DISABLED));
    if (Scopes.hidden(call, Permissions.SERVICE_ACCOUNTS_LIST, org)) {
      return ops.emptyList(call, filters);
    }
    if (Scopes.listsWhole(call, Permissions.SERVICE_ACCOUNTS_LIST, org)) {
      return withCounts(ops.list(call, filters));
    }
    return withCounts(ops.list(call, filters, sa -> call.grants().allowed(Permissions.SERVICE_ACCOUNTS_GET, chain(sa))));
  }

  private Future<Reply> update(Call call) {
    String id = call.pathId("service account");
    List<String> asked = IamFields.roles(call.body());
    return withCounts(ops.guarded(call, sa -> guard(call, Permissions.SERVICE_ACCOUNTS_UPDATE, sa))
        .compose(sa -> Scopes.requireHeld(call, grants, asked == null ? null
            : asked.stream().filter(r -> !sa.roles().contains(r)).toList(), sa.organizationId(), chain(sa), "roles")
            .compose(v -> ServiceAccount.ACTIVE.equals(call.text("status")) && !sa.active() ? holdsAll(call, sa)
                : Future.<Void>succeededFuture()).map(v -> !sa.active()))
        .compose(enableChecked -> ops.update(call, cur -> {
      if (ServiceAccount.ACTIVE.equals(call.text("status")) && !cur.active() && !enableChecked) {
        throw ApiException.conflict("ABORTED", "service account '" + id + "' was disabled meanwhile; retry");
      }
      String displayName = ResourceOperations.merge(call.body(), "displayName", cur.displayName());
      String description = ResourceOperations.merge(call.body(), "description", cur.description());
      List<String> roles = IamFields.roles(call.body());
      String status = call.text("status") == null ? cur.status() : call.text("status");
      List<String> newRoles = roles == null ? cur.roles() : roles;
      if (java.util.Objects.equals(displayName, cur.displayName())
          && java.util.Objects.equals(description, cur.description())
          && newRoles.equals(cur.roles()) && status.equals(cur.status())) {
        return cur;
      }
      return cur.withChanges(displayName, description, newRoles, status, Clock.now());
    })).compose(reply -> iam.state().changed(AuthState.Kind.SERVICE_ACCOUNT, id).map(reply))
        .compose(reply -> !ServiceAccount.DISABLED.equals(call.text("status")) ? Future.succeededFuture(reply)
            // disabling ends every token minted so far: re-enabling does not bring them back
            : iam.state().revoke(AuthState.allTokensOfSubject(reply.body().getString("clientId")),
                Instant.now().plus(tokenTtl)).map(reply)));
  }

  private Future<Reply> delete(Call call) {
    String id = call.pathId("service account");
    // The credentials go with the account (cascade): collect their ids first, to forget cached copies.
    // Its API keys go too: an account re-created under the same id must not find (or rotate) them.
    return ops.guarded(call, sa -> guard(call, Permissions.SERVICE_ACCOUNTS_DELETE, sa))
        .compose(sa -> credentialIds(id, null, new ArrayList<>())
        .compose(creds -> ops.delete(call).compose(reply -> {
          List<Future<Void>> evictions = new ArrayList<>();
          evictions.add(iam.state().changed(AuthState.Kind.SERVICE_ACCOUNT, id));
          creds.forEach(c -> evictions.add(iam.state().changed(AuthState.Kind.CREDENTIAL, c)));
          return Future.all(evictions).compose(v -> ApiKeysApi.deleteKeysOf(store, iam.state(), sa.clientId())).map(reply);
        })));
  }

  private Future<List<String>> credentialIds(String serviceAccountId, PageCursor after, List<String> into) {
    return store.credentials().list(new ListQuery(Map.of("serviceAccountId", serviceAccountId), after, 500))
        .compose(page -> {
          page.items().forEach(c -> into.add(c.id()));
          return page.next() == null ? Future.succeededFuture(into) : credentialIds(serviceAccountId, page.next(), into);
        });
  }

  /** Adds {@code activeCredentialCount} to the account (or every account of a list page) in {@code reply}. */
  private Future<Reply> withCounts(Future<Reply> reply) {
    return reply.compose(r -> {
      if (r.body() == null) {
        return Future.succeededFuture(r);
      }
      JsonArray items = r.body().getJsonArray("serviceAccounts");
      List<JsonObject> accounts = new ArrayList<>();
      if (items == null) {
        accounts.add(r.body());
      } else {
        items.forEach(o -> accounts.add((JsonObject) o));
      }
      if (accounts.isEmpty()) {
        return Future.succeededFuture(r);
      }
      return store.credentials().activeCounts(accounts.stream().map(a -> a.getString("id")).toList(), Instant.now())
          .map(counts -> {
            accounts.forEach(a -> a.put("activeCredentialCount", counts.getOrDefault(a.getString("id"), 0)));
            return r;
          });
    });
  }

  private Future<Reply> withCounts(Reply reply) {
    return withCounts(Future.succeededFuture(reply));
  }

  // --- credentials ---

  private static String accountId(Call call) {
    return call.pathId("serviceAccountId", "service account");
  }

  /** The account of a credentials path, after the caller passed {@code permission} on it (else 404/403). */
  private Future<ServiceAccount> account(Call call, String permission) {
    String id = accountId(call);
    return store.serviceAccounts().get(id).map(sa -> {
      guard(call, permission, sa);
      return sa;
    });
  }

  static String credentialsPath(String serviceAccountId) {
    return COLLECTION + "/" + serviceAccountId + "/credentials";
  }

  /** A credential as the API lists it (never its secret or hash), its status as of {@code now}. */
  static JsonObject credentialJson(ServiceAccountCredential c, Instant now) {
    JsonObject o = new JsonObject().put("selfLink", credentialsPath(c.serviceAccountId()) + "/" + c.id())
        .put("uid", c.uid().toString()).put("id", c.id()).put("serviceAccountId", c.serviceAccountId())
        .put("status", c.statusAt(now));
    IamFields.putTime(o, "expiresAt", c.expiresAt());
    o.put("createdBy", c.createdBy());
    IamFields.putTime(o, "createdAt", c.createdAt());
    IamFields.putTime(o, "lastUsedAt", c.lastUsedAt());
    if (c.lastUsedIp() != null) {
      o.put("lastUsedIp", c.lastUsedIp());
    }
    return o;
  }

  private Future<ServiceAccountCredential> credentialOf(Call call, String permission) {
    String account = accountId(call);
    String id = call.pathId("credential");
    return account(call, permission).compose(sa -> store.credentials().get(id)).map(c -> {
      if (!c.serviceAccountId().equals(account)) {
        throw ApiException.notFound("credential", id);
      }
      return c;
    });
  }

  private Future<Reply> createCredential(Call call) {
    String account = accountId(call);
    Instant now = Clock.now();
    Instant expiresAt = IamFields.expiresAt(call.body(), now, iam.credentialMaxLifetime());
    String id = Slugs.generate("cred");
    String secret = Secrets.clientSecret(id);
    // A credential lets its holder act as the account
    return account(call, Permissions.SERVICE_ACCOUNTS_UPDATE).compose(sa -> holdsAll(call, sa))
        .compose(v -> storeCredential(call, account, id, secret, expiresAt, now));
  }

  /**
   * "Only grant what you hold" for acting as {@code sa} (a new credential) or bringing it back (re-enabling
   * it): the caller must hold everything the account may do, its own roles at its scope and every role
   * bound to it.
   */
  private Future<Void> holdsAll(Call call, ServiceAccount sa) {
    return Scopes.requireHeld(call, grants, sa.roles(), sa.organizationId(), chain(sa), "roles")
        .compose(v -> store.policies().forPrincipals(List.of(io.k0rdent.api.core.resource.PrincipalRef
            .serviceAccount(sa.id()))))
        .compose(bindings -> Scopes.requireHoldsBindings(call, grants, bindings,
            io.k0rdent.api.core.resource.Policy.ALLOW, "serviceAccountId"));
  }

  private Future<Reply> storeCredential(Call call, String account, String id, String secret, Instant expiresAt,
                                        Instant now) {
    ServiceAccountCredential c = new ServiceAccountCredential(id, UUID.randomUUID(), account, iam.hasher().hash(secret),
        expiresAt, call.principal().subject(), null, null, now, now, 1);
    return store.credentials().createLimited(c, ServiceAccountCredential.MAX_ACTIVE, now)
        .compose(stored -> iam.state().changed(AuthState.Kind.CREDENTIAL, id).map(stored))
        .map(stored -> new Reply(201, credentialJson(stored, now).put("clientSecret", secret),
            Map.of("Location", credentialsPath(account) + "/" + id, "Cache-Control", "no-store")));
  }

  private Future<Reply> listCredentials(Call call) {
    String account = accountId(call);
    String status = IamFields.oneOf(call, "status", ServiceAccountCredential.ACTIVE, ServiceAccountCredential.EXPIRED);
    return account(call, Permissions.SERVICE_ACCOUNTS_GET).compose(sa -> {
      String scope = "credentials?" + account;
      int size = ResourceOperations.pageSize(call.query("pageSize"));
      String token = call.query("pageToken");
      PageCursor after = token == null || token.isEmpty() ? null : pageTokens.decode(token, scope);
      return store.credentials().list(new ListQuery(Map.of("serviceAccountId", account), after, size)).map(page -> {
        Instant now = Instant.now();
        JsonArray items = new JsonArray();
        page.items().stream().filter(c -> status == null || status.equals(c.statusAt(now)))
            .forEach(c -> items.add(credentialJson(c, now)));
        JsonObject body = new JsonObject().put("credentials", items);
        if (page.next() != null) {
          body.put("nextPageToken", pageTokens.encode(page.next(), scope));
        }
        return Reply.ok(body);
      });
    });
  }

  private Future<Reply> getCredential(Call call) {
    return credentialOf(call, Permissions.SERVICE_ACCOUNTS_GET).map(c -> Reply.ok(credentialJson(c, Instant.now())));
  }

  private Future<Reply> deleteCredential(Call call) {
    return credentialOf(call, Permissions.SERVICE_ACCOUNTS_UPDATE)
        .compose(c -> store.credentials().delete(c.id(), null)
            .compose(v -> iam.state().changed(AuthState.Kind.CREDENTIAL, c.id())))
        .map(v -> Reply.noContent());
  }
}
