package io.k0rdent.api.router.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.DirectAuthState;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.auth.SecretHasher;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.auth.SigningKeyRing;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.k0rdent.api.router.ApiDocument;
import io.k0rdent.api.router.ApiRouter;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.Face;
import io.k0rdent.api.router.PageTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code checkPermissions} fails closed: when the auth state cannot read organizations, projects or
 * principals (store or cluster cache down) the answer is 503 {@code UNAVAILABLE}, never a guessed
 * {@code allowed}, and it answers again once the state is back.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CheckApiUnavailableTest {

  static final String CHECK = "/v1/regions/global/auth/check";
  /** The reads that fail while {@link #down} is set. */
  static final Set<String> FAILING = Set.of("organization", "project", "user", "serviceAccount", "apiKey");

  final AtomicBoolean down = new AtomicBoolean();
  WebClient client;
  HttpServer arc;
  String token;

  @BeforeAll
  void start(Vertx vertx, VertxTestContext ctx) throws Exception {
    InMemoryStore store = new InMemoryStore();
    Instant now = Instant.now();
    store.organizations().create(new Organization("acme", UUID.randomUUID(), "Acme", null, now, now, 1))
        .compose(o -> store.projects().create(new Project("p1", UUID.randomUUID(), "acme", "P1", null, now, now, 1)))
        .toCompletionStage().toCompletableFuture().get();
    SecretHasher hasher = new SecretHasher(Secrets.randomBytes());
    ClientRegistry clients = new ClientRegistry();
    clients.register(new ClientRegistry.Client("admin@test", hasher.hash("unused"), "admin@test",
        PrincipalType.SERVICE_ACCOUNT, "provider", "organization", "provider", "cred-admin",
        List.of(PredefinedRoles.PLATFORM_ADMIN)));
    AuthState direct = new DirectAuthState(vertx, store, 60_000);
    AuthState state = (AuthState) Proxy.newProxyInstance(AuthState.class.getClassLoader(),
        new Class<?>[] {AuthState.class}, (proxy, method, args) -> {
          if (down.get() && FAILING.contains(method.getName())) {
            return Future.failedFuture(new IllegalStateException("cache unreachable"));
          }
          try {
            return method.invoke(direct, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    SigningKeys keys = SigningKeys.fromJwks(List.of(SigningKeys.generateJwk()));
    ApiServices services = new ApiServices(store, new Grants(state, clients), clients, SigningKeyRing.fixed(keys),
        new PageTokens(Secrets.randomBytes()), new SimpleMeterRegistry(), "provider", "http://test", "k0rdent-api",
        Duration.ofMinutes(15), 1 << 20, Duration.ofHours(1), "test", new ApiServices.Iam(state,
            new CredentialChecks(state, clients, hasher), hasher, RateLimits.defaults(), Duration.ofDays(365),
            Duration.ofDays(365)),
        new ApiServices.Ipam(java.util.Set.of("local-1"), io.k0rdent.api.core.ipam.CidrRules.defaults(), 0),
        new ApiServices.Servers(null, false, server -> io.vertx.core.Future.succeededFuture(java.util.List.of())));
    token = new AccessTokenIssuer(keys, "http://test", "k0rdent-api", Duration.ofMinutes(15))
        .issue(new AccessTokenIssuer.Claims("admin@test", PrincipalType.SERVICE_ACCOUNT, "admin@test", "provider",
            "organization", "provider", "cred-admin", null), Instant.now()).token();
    ApiDocument doc = ApiDocument.load();
    client = WebClient.create(vertx);
    arc = vertx.createHttpServer().requestHandler(ApiRouter.create(vertx, Face.ARC, services, doc,
        ApiRouter.validators(doc)));
    arc.listen(0, "127.0.0.1").onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  void stop() {
    client.close();
  }

  private HttpResponse<Buffer> check(JsonObject body) throws Exception {
    return client.post(arc.actualPort(), "127.0.0.1", CHECK).bearerTokenAuthentication(token)
        .sendJsonObject(body).toCompletionStage().toCompletableFuture().get();
  }

  private static JsonObject checks(String action, String resource) {
    return new JsonObject().put("checks", new JsonArray()
        .add(new JsonObject().put("action", action).put("resource", resource)));
  }

  @Test
  void aStateThatCannotAnswerIs503() throws Exception {
    JsonObject onProject = checks("resourcemanager.projects.get", "projects/p1");
    assertThat(check(onProject).bodyAsJsonObject().getJsonArray("results").getJsonObject(0).getBoolean("allowed"))
        .isTrue();
    down.set(true);
    try {
      for (JsonObject body : List.of(onProject, checks("resourcemanager.organizations.get", "acme"),
          checks("resourcemanager.projects.get", "p1"),
          onProject.copy().put("subject", "someone@acme.iam"), onProject.copy().put("subject", "someone"))) {
        HttpResponse<Buffer> r = check(body);
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(503);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getJsonArray("details").getJsonObject(0)
            .getString("reason")).isEqualTo("UNAVAILABLE");
        assertThat(r.getHeader("Retry-After")).isEqualTo("1");
      }
    } finally {
      down.set(false);
    }
    assertThat(check(onProject).statusCode()).isEqualTo(200);
  }
}
