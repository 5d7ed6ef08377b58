package io.k0rdent.api.router.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.auth.Targets;
import io.k0rdent.api.core.auth.policy.GrantSnapshot;
import io.k0rdent.api.core.auth.policy.PermissionCatalog;
import io.k0rdent.api.core.auth.policy.Permissions;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.policy.ScopeType;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.DecisionTimers;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.Reply;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/regions/global/auth/check} (upstream operationId {@code checkPermissions}), Arc and
 * Atlas: whether a principal may perform actions on resources.
 *
 * <h2>Shapes</h2>
 * Request {@code {"subject"?: string, "checks": [{"action": string, "resource": string}, ...]}} (1 to 100
 * checks; the schema of the router's document is enforced before the handler runs). Answer 200
 * {@code {"results": [{"allowed": boolean}, ...]}}, {@code results[i]} answering {@code checks[i]}.
 *
 * <h2>Whose decisions</h2>
 * <ul>
 *   <li>No {@code subject}, or the caller's own {@code sub}: the caller's token as it stands
 *       ({@link Call#grants()}: confined to its project, capped by its role ceiling). No permission needed.</li>
 *   <li>Anyone else needs {@value Permissions#CHECK_OTHERS} on the subject's organization. The subject is a
 *       service account's clientId ({@code <id>@<org>.iam}) or a configured client's subject, else a user
 *       id the caller may ask about, else an API key id it may ask about. An API key answers as its tokens would act: its
 *       creator's grants, capped by the key's roles when it names any, confined to its project when it is
 *       project-scoped; nothing when the key is disabled or expired or its creator is no longer active.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * <ul>
 *   <li>400 {@code INVALID_ARGUMENT}: the body fails the schema, or an {@code action} is not a permission
 *       of the catalogue ({@link Permissions#catalog()}); the field violations name every bad
 *       {@code checks[i].action}.</li>
 *   <li>403 {@code PERMISSION_DENIED}: a subject the caller may not ask about, or that does not exist
 *       (the same answer, so existence is not disclosed).</li>
 *   <li>503 {@code UNAVAILABLE}: the state (store, cluster cache) could not answer; never a guess.</li>
 * </ul>
 * A resource that does not exist or cannot be parsed ({@link Targets}) answers {@code allowed: false}.
 * Each distinct resource is resolved once per request.
 */
public final class CheckApi {

  /** The upstream operationId. */
  public static final String OPERATION = "checkPermissions";
  /** The one message of every refused subject. */
  static final String DENIED = "the caller may not check the permissions of this subject";

  private final Grants grants;
  private final AuthState state;
  private final ClientRegistry clients;
  private final CredentialChecks checks;
  private final PermissionCatalog catalog;
  private final Targets targets;
  private final Timer decisions;

  public CheckApi(ApiServices services) {
    this.grants = services.grants();
    this.state = services.iam().state();
    this.clients = services.clients();
    this.checks = services.iam().checks();
    this.catalog = grants.catalog();
    this.targets = new Targets(state);
    this.decisions = DecisionTimers.timer(services.meters(), DecisionTimers.CHECK,
        "Time to decide the checks of one /auth/check request (resolving the resources, then deciding)");
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(OPERATION, this::check);
  }

  private record Check(String action, String resource) {}

  private Future<Reply> check(Call call) {
    List<Check> asked = checksOf(call.body());
    String subject = call.text("subject");
    Future<GrantSnapshot> whose;
    if (subject == null || subject.equals(call.principal().subject())) {
      call.open();
      whose = Future.succeededFuture(call.grants());
    } else {
      whose = unavailableOnFailure(subjectGrants(call, subject));
    }
    return whose.compose(snapshot -> {
      long started = System.nanoTime();
      return unavailableOnFailure(chains(asked)).map(chains -> {
        JsonArray results = new JsonArray();
        for (Check c : asked) {
          ScopeChain chain = chains.get(key(c));
          results.add(new JsonObject().put("allowed", Grants.allowed(snapshot, c.action(), chain)));
        }
        decisions.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        return Reply.ok(new JsonObject().put("results", results));
      });
    });
  }

  /** The checks of a schema-valid body; 400 naming every action outside the catalogue. */
  private List<Check> checksOf(JsonNode body) {
    List<Check> out = new ArrayList<>();
    List<ApiException.FieldViolation> bad = new ArrayList<>();
    JsonNode list = body.get("checks");
    for (int i = 0; i < list.size(); i++) {
      JsonNode c = list.get(i);
      String action = c.get("action").asText();
      if (catalog.id(action) < 0) {
        bad.add(new ApiException.FieldViolation("checks[" + i + "].action",
            "'" + action + "' is not a known permission"));
      }
      out.add(new Check(action, c.get("resource").asText()));
    }
    if (!bad.isEmpty()) {
      throw ApiException.invalidArgument(bad.size() == 1 ? bad.get(0).description()
          : bad.size() + " actions are not known permissions", bad);
    }
    return out;
  }

  /**
   * What distinguishes one resolution from another: the resource, and whether the action reads a bare
   * id as an organization ({@link Targets}: {@code resourcemanager.organizations.*}).
   */
  private static String key(Check c) {
    return (c.action().startsWith("resourcemanager.organizations.") ? "o:" : "-:") + c.resource();
  }

  /** The chain of every distinct resource asked about (null values: never allowed). */
  private Future<Map<String, ScopeChain>> chains(List<Check> asked) {
    Map<String, Future<ScopeChain>> pending = new LinkedHashMap<>();
    for (Check c : asked) {
      pending.computeIfAbsent(key(c), k -> targets.chainOf(c.resource(), c.action()));
    }
    return Future.all(new ArrayList<>(pending.values())).map(done -> {
      Map<String, ScopeChain> out = new LinkedHashMap<>();
      pending.forEach((k, f) -> out.put(k, f.result()));
      return out;
    });
  }

  /** The grants of someone other than the caller, once the caller may ask about them; else 403. */
  private Future<GrantSnapshot> subjectGrants(Call call, String subject) {
    return resolve(call, subject).compose(s -> {
      if (s == null || !mayAsk(call, s)) {
        call.open();
        return Future.failedFuture(ApiException.permissionDenied(DENIED));
      }
      return s.grants().get();
    });
  }

  /** A known subject: its organization, and how to compute its grants (only once the caller may ask). */
  private record Subject(String organizationId, java.util.function.Supplier<Future<GrantSnapshot>> grants) {}

  private static boolean mayAsk(Call call, Subject s) {
    return call.allowed(Permissions.CHECK_OTHERS, ScopeChain.organization(s.organizationId()));
  }

  /**
   * The subject {@code subject} names, or null. A bare id may be a user's or an API key's: the user when the
   * caller may ask about it, else the key when the caller may ask about that (so a user of another
   * organization never shadows, nor reveals itself through, the caller's own key).
   */
  private Future<Subject> resolve(Call call, String subject) {
    ClientRegistry.Client configured = clients.bySubject(subject);
    if (configured != null) {
      PrincipalRef ref = grants.principalOf(subject);
      return Future.succeededFuture(new Subject(configured.tenantId(), () -> grants.of(ref)));
    }
    int at = subject.indexOf('@');
    if (at >= 0) {
      String id = subject.substring(0, at);
      if (!Slugs.isValid(id) || !subject.endsWith(".iam")) {
        return Future.succeededFuture();
      }
      // as its tokens act: confined to its project when it is project-scoped
      return state.serviceAccount(id).map(sa -> sa == null || !subject.equals(sa.clientId()) ? null
          : new Subject(sa.organizationId(), () -> grants.of(PrincipalRef.serviceAccount(id))
              .map(g -> !"project".equals(sa.scope()) ? g
                  : g.confine(ScopeType.ORG, sa.organizationId()).confine(ScopeType.PROJECT, sa.scopeId()))));
    }
    if (!Slugs.isValid(subject)) {
      return Future.succeededFuture();
    }
    Future<io.k0rdent.api.core.resource.User> user = state.user(subject);
    Future<ApiKey> key = state.apiKey(subject);
    return Future.all(user, key).map(both -> {
      io.k0rdent.api.core.resource.User u = user.result();
      Subject asUser = u == null ? null
          : new Subject(u.organizationId(), () -> grants.of(PrincipalRef.user(subject)));
      if (asUser != null && mayAsk(call, asUser)) {
        return asUser;
      }
      ApiKey k = key.result();
      Subject asKey = k == null ? null : new Subject(k.organizationId(), () -> keyGrants(k));
      return asKey != null && mayAsk(call, asKey) ? asKey : null;
    });
  }

  /** What a token minted with {@code key} would act with now (nothing when it could not be minted). */
  private Future<GrantSnapshot> keyGrants(ApiKey key) {
    GrantSnapshot none = GrantSnapshot.empty(catalog);
    Instant now = Instant.now();
    if (!ApiKey.ACTIVE.equals(key.statusAt(now))) {
      return Future.succeededFuture(none);
    }
    return checks.active(key.createdBy(), PrincipalType.fromClaim(key.creatorType()), key.createdAt())
        .compose(active -> {
          if (!active) {
            return Future.succeededFuture(none);
          }
          return grants.of(grants.principalOf(key.createdBy())).compose(base -> {
            GrantSnapshot confined = !"project".equals(key.scope()) || key.scopeId() == null ? base
                : base.confine(ScopeType.ORG, key.organizationId()).confine(ScopeType.PROJECT, key.scopeId());
            return key.roles().isEmpty() ? Future.succeededFuture(confined)
                : grants.mask(key.roles(), key.organizationId()).map(confined::ceiling);
          });
        });
  }

  /** {@code f}, any failure that is not already an API answer becoming a 503 (never a guess). */
  private static <T> Future<T> unavailableOnFailure(Future<T> f) {
    return f.recover(e -> Future.failedFuture(e instanceof ApiException ? e
        : ApiException.unavailable("the permissions cannot be checked now; retry")));
  }
}
