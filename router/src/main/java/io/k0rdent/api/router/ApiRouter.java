package io.k0rdent.api.router;

import com.fasterxml.jackson.databind.JsonNode;
import io.k0rdent.api.core.auth.ActiveTokens;
import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.core.auth.VerifiedTokens;
import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.router.auth.IntrospectEndpoint;
import io.k0rdent.api.router.auth.OAuth;
import io.k0rdent.api.router.auth.RevokeEndpoint;
import io.k0rdent.api.router.auth.SigningKeysApi;
import io.k0rdent.api.router.auth.TokenEndpoint;
import io.k0rdent.api.router.auth.WellKnown;
import io.k0rdent.api.router.resources.ApiKeysApi;
import io.k0rdent.api.router.resources.OrganizationsApi;
import io.k0rdent.api.router.resources.ProjectsApi;
import io.k0rdent.api.router.resources.ServiceAccountsApi;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the Vert.x Web {@link Router} of one face from {@link ApiDocument}: a route per operation the
 * face serves (others answer exactly like unknown paths: 404), each running authenticate → authorize →
 * content-type and schema checks → idempotency → handler → reply. Open routes: {@code /openapi.json},
 * {@code /docs}, {@code /.well-known/*}. Call once per verticle instance: JWT signers and verifiers made
 * here stay confined to that instance's event loop.
 */
public final class ApiRouter {

  private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");

  private final Face face;
  private final ApiServices services;
  private final ActiveTokens tokens;
  /** The OAuth endpoints: their own body handling and OAuth-format errors. */
  private static final java.util.Set<String> OAUTH_OPERATIONS = java.util.Set.of("mintToken", "introspectToken", "revokeToken");
  private final Idempotency idempotency;
  /**
   * The policy engine's share of a call: resolving the token's effective grants (a cache hit, or reading
   * and compiling them after a change), {@value #GRANTS_TIMER}.
   */
  private final Timer grantsTimer;
  /** The timer of {@link #grantsTimer}: seconds, with a percentile histogram ({@link DecisionTimers}). */
  public static final String GRANTS_TIMER = DecisionTimers.GRANTS;
  private final Map<io.vertx.ext.web.Route, String> templates = new java.util.IdentityHashMap<>();
  private final Map<String, java.util.SortedSet<String>> allowed = new java.util.LinkedHashMap<>();
  private static final java.util.Set<String> KNOWN_METHODS =
      java.util.Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

  private ApiRouter(Face face, ApiServices services) {
    this.face = face;
    this.services = services;
    this.tokens = new ActiveTokens(services.keyRing(), services.issuer(), services.audience(), services.iam().checks(),
        services.iam().state(), VerifiedTokens.DEFAULT_CAPACITY);
    this.idempotency = new Idempotency(services.store().idempotency(), services.idempotencyTtl());
    this.grantsTimer = DecisionTimers.timer(services.meters(), GRANTS_TIMER,
        "Time to resolve a call's effective grants (the policy engine), per API call");
  }

  /** Body validators of every request schema in {@code doc}; build once per process and share. */
  public static Map<String, BodyValidator> validators(ApiDocument doc) {
    Map<String, BodyValidator> v = new HashMap<>();
    for (ApiDocument.Operation op : doc.operations()) {
      if (op.requestSchema() != null && !OAUTH_OPERATIONS.contains(op.operationId())) {
        v.computeIfAbsent(op.requestSchema(), s -> BodyValidator.create(doc, s));
      }
    }
    return Map.copyOf(v);
  }

  /**
   * The router of {@code face}. {@code doc} and {@code validators} are shared, immutable; fails at start
   * when the document names an operation no handler serves.
   */
  public static Router create(Vertx vertx, Face face, ApiServices services, ApiDocument doc,
                              Map<String, BodyValidator> validators) {
    return create(vertx, face, services, doc, validators, Map.of());
  }

  /** As {@link #create(Vertx, Face, ApiServices, ApiDocument, Map)}, with extra operationId → handler entries. */
  public static Router create(Vertx vertx, Face face, ApiServices services, ApiDocument doc,
                              Map<String, BodyValidator> validators, Map<String, OperationHandler> extra) {
    return new ApiRouter(face, services).build(vertx, doc, validators, extra);
  }

  private Router build(Vertx vertx, ApiDocument doc, Map<String, BodyValidator> validators,
                       Map<String, OperationHandler> extra) {
    Router router = Router.router(vertx);
    router.route().handler(RequestIds::handle);
    router.route().handler(this::measure);

    Map<String, OperationHandler> handlers = new HashMap<>();
    handlers.putAll(new OrganizationsApi(services.store(), services.pageTokens(),
        services.providerOrganizationId(), services.iam().state()).handlers());
    handlers.putAll(new ProjectsApi(services.store(), services.pageTokens(), services.iam().state(),
        services.ipam().regions()).handlers());
    handlers.putAll(new ServiceAccountsApi(services).handlers());
    handlers.putAll(new io.k0rdent.api.router.resources.UsersGroupsApi(services).handlers());
    handlers.putAll(new ApiKeysApi(services).handlers());
    handlers.putAll(new io.k0rdent.api.router.resources.RolesApi(services).handlers());
    handlers.putAll(new io.k0rdent.api.router.resources.PoliciesApi(services).handlers());
    handlers.putAll(new SigningKeysApi(services).handlers());
    handlers.putAll(new io.k0rdent.api.router.auth.CheckApi(services).handlers());
    handlers.putAll(new io.k0rdent.api.router.resources.ComputeApi(services).handlers());
    handlers.putAll(new io.k0rdent.api.router.resources.AddressPoolsApi(services).handlers());
    handlers.putAll(new io.k0rdent.api.router.resources.AuditApi(services, face).handlers());
    handlers.putAll(new io.k0rdent.api.router.resources.ServersApi(services, validators.get("ServerCreateRequest"))
        .handlers());
    handlers.putAll(extra);
    Map<String, Handler<RoutingContext>> raw = Map.of(
        "mintToken", new TokenEndpoint(services)::handle,
        "introspectToken", new IntrospectEndpoint(services, tokens)::handle,
        "revokeToken", new RevokeEndpoint(services, tokens)::handle);

    // Paths without parameters first: the router tries routes in order, and those are the hot ones
    // (/auth/token, /auth/introspect, /auth/check). A literal path is never shadowed by a template, so
    // this changes no match.
    List<ApiDocument.Operation> ordered = new java.util.ArrayList<>(doc.operations());
    ordered.sort(java.util.Comparator.comparing(op -> op.path().indexOf('{') >= 0));
    for (ApiDocument.Operation op : ordered) {
      if (!face.serves(op.visibility())) {
        continue;
      }
      String regex = regexOf(op.path());
      // A literal path routes by string comparison (vertx-web's exact path: a trailing slash is accepted,
      // as the regex accepts it); a templated one, or one with ':' (a vertx-web parameter), by its regex.
      boolean literal = op.path().indexOf('{') < 0 && op.path().indexOf(':') < 0;
      var route = literal ? router.route(HttpMethod.valueOf(op.method()), op.path())
          : router.routeWithRegex(HttpMethod.valueOf(op.method()), regex);
      var methods = allowed.computeIfAbsent(regex, x -> new java.util.TreeSet<>());
      methods.add(op.method());
      if (op.method().equals("GET")) {
        route.method(HttpMethod.HEAD);
        methods.add("HEAD");
      }
      templates.put(route, op.path());
      if (!op.requestContentTypes().isEmpty()) {
        route.handler(Bodies.collector(services.bodyLimitBytes()));
      }
      Handler<RoutingContext> r = raw.get(op.operationId());
      if (r != null) {
        route.handler(r);
      } else {
        OperationHandler h = handlers.get(op.operationId());
        if (h == null) {
          throw new IllegalStateException("no handler for operation " + op.operationId());
        }
        BodyValidator validator = op.requestSchema() == null ? null : validators.get(op.requestSchema());
        route.handler(ctx -> run(ctx, op, h, validator));
      }
      route.failureHandler(OAUTH_OPERATIONS.contains(op.operationId()) ? OAuth::failure : HttpErrors::failureHandler);
    }

    // An operation this face does not serve, on a path it serves with other methods, answers exactly like
    // any other method the path lacks (405 with the same Allow), so its existence elsewhere is not disclosed.

    new WellKnown(services).mount(router);
    OpenApiUi.mount(router, doc.renderFor(face, services.version()), services.version());

    for (int status : new int[] {400, 404, 413, 415, 500}) {
      router.errorHandler(status, HttpErrors::failureHandler);
    }
    Map<Pattern, String> allow = new java.util.LinkedHashMap<>();
    allowed.forEach((regex, methods) -> allow.put(Pattern.compile(regex), String.join(", ", methods)));
    router.errorHandler(405, ctx -> {
      // RFC 9110 §15.5.6: a 405 lists the methods the target supports; the open documents are GET/HEAD.
      String methods = "GET, HEAD";
      for (var e : allow.entrySet()) {
        if (e.getKey().matcher(ctx.request().path()).matches()) {
          methods = e.getValue();
          break;
        }
      }
      ctx.response().putHeader("Allow", methods);
      HttpErrors.failureHandler(ctx);
    });
    return router;
  }

  private static String stripSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** {@code /a/{id}:verb} → a regex with named groups, so {@code {id}:verb} paths route too. */
  static String regexOf(String template) {
    StringBuilder sb = new StringBuilder("^");
    Matcher m = TEMPLATE_PARAM.matcher(template);
    int last = 0;
    while (m.find()) {
      sb.append(Pattern.quote(template.substring(last, m.start())));
      sb.append("(?<").append(m.group(1)).append(">[^/:]+)");
      last = m.end();
    }
    sb.append(Pattern.quote(template.substring(last))).append("/?$");
    return sb.toString();
  }

  /** The key of one {@code http.server.requests} timer: route template (null: unmatched), method, status. */
  private record RequestTimerKey(String route, String method, int status) {}

  /** The timers of {@link #measure}, registered once each (a registry lookup per request cost ~10 % of a call). */
  private final Map<RequestTimerKey, Timer> requestTimers = new java.util.concurrent.ConcurrentHashMap<>();

  private void measure(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(ar -> {
      String route = ctx.currentRoute() == null ? null : templates.get(ctx.currentRoute());
      String method = ctx.request().method().name();
      RequestTimerKey key = new RequestTimerKey(route, KNOWN_METHODS.contains(method) ? method : "OTHER",
          ctx.response().getStatusCode());
      Timer timer = requestTimers.get(key);
      if (timer == null) {
        timer = requestTimers.computeIfAbsent(key, k -> Timer.builder("http.server.requests")
            .description("API request duration by route template and status")
            .tag("face", face.name().toLowerCase(Locale.ROOT))
            .tag("method", k.method())
            .tag("route", k.route() == null ? "UNMATCHED" : k.route())
            .tag("status", Integer.toString(k.status()))
            .publishPercentileHistogram()
            .register(services.meters()));
      }
      timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    });
    ctx.next();
  }

  private void run(RoutingContext ctx, ApiDocument.Operation op, OperationHandler handler, BodyValidator validator) {
    Future<Reply> result;
    try {
      Future<Principal> principal = op.secured() ? authenticate(ctx) : Future.succeededFuture();
      result = principal.compose(p -> afterAuthentication(ctx, op, handler, validator, p));
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        write(ctx, ar.result());
      } else {
        HttpErrors.send(ctx, HttpErrors.toApiException(ar.cause(), 0, ctx));
      }
    });
  }

  private Future<Reply> afterAuthentication(RoutingContext ctx, ApiDocument.Operation op, OperationHandler handler,
                                            BodyValidator validator, Principal principal) {
    if (principal == null) {
      return invoke(ctx, op, handler, validator, null, null);
    }
    long started = System.nanoTime();
    return services.grants().effective(principal)
        .onSuccess(g -> grantsTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS))
        .recover(e -> Future.failedFuture(e instanceof ApiException ? e
            : new ApiException(503, "UNAVAILABLE", "authorization cannot be decided now; retry", List.of())))
        .compose(grants -> invoke(ctx, op, handler, validator, principal, grants));
  }

  private Future<Reply> invoke(RoutingContext ctx, ApiDocument.Operation op, OperationHandler handler,
                               BodyValidator validator, Principal principal,
                               io.k0rdent.api.core.auth.policy.GrantSnapshot grants) {
    JsonNode body = validator == null ? null : readBody(ctx, op, validator);
    EventActors.set(ctx, principal);
    Call call = new Call(ctx, principal, body, grants);
    String key = op.method().equals("POST") ? ctx.request().getHeader(Idempotency.HEADER) : null;
    Future<Reply> reply;
    if (key != null && principal != null) {
      String hash = Idempotency.requestHash(op.method(), stripSlash(ctx.normalizedPath()), body);
      reply = idempotency.run(idempotencyScope(principal), key, hash, () -> guarded(op, handler, call));
    } else {
      reply = guarded(op, handler, call);
    }
    return reply;
  }

  /**
   * Whose {@code Idempotency-Key}s these are: the principal's, and for a lesser token (an API key's, a
   * narrowed one) that token's credential and reach too, so that it never replays answers its principal's
   * full tokens were given.
   */
  static String idempotencyScope(Principal p) {
    if (p.type() != io.k0rdent.api.core.auth.PrincipalType.API_KEY && !p.narrowed()) {
      return p.subject();
    }
    return p.subject() + "#" + p.type().claim() + "/" + p.credentialId() + "/" + p.roleSetId() + "/" + p.scope()
        + "/" + p.scopeId();
  }

  /** Runs the handler; an operation with a permission whose handler decided nothing is a defect: 500. */
  private static Future<Reply> guarded(ApiDocument.Operation op, OperationHandler handler, Call call) {
    return handler.handle(call).map(reply -> {
      if (op.permission() != null && !call.decided().value()) {
        throw new IllegalStateException("operation " + op.operationId() + " answered without an authorization decision");
      }
      return reply;
    });
  }

  private Future<Principal> authenticate(RoutingContext ctx) {
    String authz = ctx.request().getHeader("Authorization");
    String trimmed = authz == null ? "" : authz.trim();
    int space = trimmed.indexOf(' ');
    String scheme = space < 0 ? trimmed : trimmed.substring(0, space);
    if (!scheme.equalsIgnoreCase("Bearer")) {
      // No bearer credentials at all: RFC 6750 §3.1, no error code in the challenge.
      throw ApiException.unauthenticated("a bearer access token is required (Authorization: Bearer <token>)");
    }
    return tokens.check(trimmed.substring(scheme.length()).trim(), Instant.now());
  }

  private static JsonNode readBody(RoutingContext ctx, ApiDocument.Operation op, BodyValidator validator) {
    String type = ctx.request().getHeader("Content-Type");
    if (!op.requestBodyRequired() && Bodies.get(ctx).length() == 0) {
      return null; // an optional body, not sent
    }
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!op.requestContentTypes().contains(mediaType)) {
      throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE",
          "Content-Type must be " + String.join(" or ", op.requestContentTypes()), List.of());
    }
    String text = Bodies.utf8(ctx);
    if (text.isEmpty()) {
      throw ApiException.badRequest("INVALID_ARGUMENT", "the request body is empty; a JSON object is required");
    }
    JsonNode body;
    try {
      body = ApiDocument.JSON.readTree(text);
    } catch (IOException e) {
      throw ApiException.badRequest("MALFORMED_JSON", "the request body is not valid JSON");
    }
    if (body == null) {
      throw ApiException.badRequest("MALFORMED_JSON", "the request body is not valid JSON");
    }
    validator.validate(body);
    return body;
  }

  private static void write(RoutingContext ctx, Reply reply) {
    HttpServerResponse resp = ctx.response();
    resp.setStatusCode(reply.status());
    reply.headers().forEach(resp::putHeader);
    if (reply.body() == null) {
      resp.end();
    } else {
      resp.putHeader("Content-Type", "application/json").end(reply.body().toBuffer());
    }
  }
}
