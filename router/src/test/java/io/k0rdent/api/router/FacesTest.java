package io.k0rdent.api.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.k0rdent.api.core.auth.AccessTokenIssuer;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.core.auth.ClientRegistry;
import io.k0rdent.api.core.auth.CredentialChecks;
import io.k0rdent.api.core.auth.DirectAuthState;
import io.k0rdent.api.router.auth.RateLimits;
import io.k0rdent.api.core.auth.Grants;
import io.k0rdent.api.core.auth.policy.PredefinedRoles;
import io.k0rdent.api.core.auth.policy.ScopeChain;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.auth.SecretHasher;
import io.k0rdent.api.core.auth.Secrets;
import io.k0rdent.api.core.auth.SigningKeyRing;
import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.core.store.memory.InMemoryStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The two faces over real HTTP servers: an internal-only operation is served on Atlas and on Arc answers
 * exactly what an unknown path answers (404), with or without a token; each face's OpenAPI document lists
 * only its own operations. The document under test is ours plus one internal-only operation.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FacesTest {

  static final String INTERNAL_PATH = "/v1/regions/{region}/projects/{project}/infrastructure/servers";
  Vertx vertx;
  WebClient client;
  HttpServer arc;
  HttpServer atlas;
  String token;

  @BeforeAll
  void start(Vertx vertx, VertxTestContext ctx) throws Exception {
    this.vertx = vertx;
    ObjectNode paths = (ObjectNode) ApiDocument.JSON.readTree("""
        {"%s": {"get": {"operationId": "listServers", "x-visibility": ["internal"],
          "x-permission": "infrastructure.servers.list",
          "responses": {"200": {"description": "ok"}}}}}""".formatted(INTERNAL_PATH));
    ApiDocument doc = ApiDocument.load().withPaths(paths);
    SigningKeys keys = SigningKeys.fromJwks(List.of(SigningKeys.generateJwk()));
    InMemoryStore store = new InMemoryStore();
    SecretHasher hasher = new SecretHasher(Secrets.randomBytes());
    ClientRegistry clients = new ClientRegistry();
    clients.register(new ClientRegistry.Client("admin@test", hasher.hash("unused"), "admin@test",
        PrincipalType.SERVICE_ACCOUNT, "provider", "organization", "provider", "cred-admin", List.of(PredefinedRoles.PLATFORM_ADMIN)));
    AuthState state = new DirectAuthState(vertx, store, 60_000);
    ApiServices services = new ApiServices(store, new Grants(state, clients), clients, SigningKeyRing.fixed(keys), new PageTokens(Secrets.randomBytes()),
        new SimpleMeterRegistry(), "provider", "http://test", "k0rdent-api", Duration.ofMinutes(15), 1 << 20,
        Duration.ofHours(1), "test", new ApiServices.Iam(state, new CredentialChecks(state, clients, hasher), hasher,
            RateLimits.defaults(), Duration.ofDays(365), Duration.ofDays(365)),
        new ApiServices.Ipam(java.util.Set.of("local-1"), io.k0rdent.api.core.ipam.CidrRules.defaults(), 0),
        new ApiServices.Servers(null, false, server -> io.vertx.core.Future.succeededFuture(java.util.List.of())));
    token = new AccessTokenIssuer(keys, "http://test", "k0rdent-api", Duration.ofMinutes(15))
        .issue(new AccessTokenIssuer.Claims("admin@test", PrincipalType.SERVICE_ACCOUNT, "admin@test", "provider",
            "organization", "provider", "cred-admin", null), Instant.now()).token();
    Map<String, OperationHandler> extra = Map.of("listServers",
        call -> {
          call.require("infrastructure.servers.list", ScopeChain.PLATFORM);
          return Future.succeededFuture(Reply.ok(new JsonObject().put("servers", List.of())));
        });
    var validators = ApiRouter.validators(doc);
    client = WebClient.create(vertx);
    arc = vertx.createHttpServer().requestHandler(ApiRouter.create(vertx, Face.ARC, services, doc, validators, extra));
    atlas = vertx.createHttpServer().requestHandler(ApiRouter.create(vertx, Face.ATLAS, services, doc, validators, extra));
    Future.all(arc.listen(0, "127.0.0.1"), atlas.listen(0, "127.0.0.1")).onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  void stop() {
    client.close();
  }

  private HttpResponse<Buffer> get(HttpServer server, String path, boolean withToken) throws Exception {
    var req = client.get(server.actualPort(), "127.0.0.1", path);
    if (withToken) {
      req.bearerTokenAuthentication(token);
    }
    return req.send().toCompletionStage().toCompletableFuture().get();
  }

  private static JsonObject withoutRequestId(HttpResponse<Buffer> r) {
    return r.bodyAsJsonObject();
  }

  @Test
  void internalOperationIsServedOnAtlasOnly() throws Exception {
    String path = "/v1/regions/local-1/projects/p1/infrastructure/servers";
    assertThat(get(atlas, path, true).statusCode()).isEqualTo(200);
    assertThat(get(atlas, path, false).statusCode()).isEqualTo(401);
    for (boolean withToken : new boolean[] {true, false}) {
      HttpResponse<Buffer> internal = get(arc, path, withToken);
      HttpResponse<Buffer> unknown = get(arc, "/v1/regions/local-1/projects/p1/infrastructure/nothing", withToken);
      assertThat(internal.statusCode()).isEqualTo(404);
      assertThat(withoutRequestId(internal)).isEqualTo(withoutRequestId(unknown));
      assertThat(internal.headers().names()).containsExactlyInAnyOrderElementsOf(unknown.headers().names());
    }
    assertThat(get(arc, "/v1/regions/global/organizations", true).statusCode()).isEqualTo(200);
  }

  @Test
  void eachFaceDocumentsOnlyItsOperations() throws Exception {
    JsonObject arcDoc = get(arc, "/openapi.json", false).bodyAsJsonObject();
    JsonObject atlasDoc = get(atlas, "/openapi.json", false).bodyAsJsonObject();
    assertThat(arcDoc.getString("openapi")).isEqualTo("3.1.0");
    assertThat(arcDoc.getJsonObject("paths").containsKey(INTERNAL_PATH)).isFalse();
    assertThat(atlasDoc.getJsonObject("paths").containsKey(INTERNAL_PATH)).isTrue();
    assertThat(arcDoc.getJsonObject("paths").containsKey("/v1/regions/global/organizations")).isTrue();
    assertThat(arcDoc.encode()).doesNotContain("listServers").doesNotContain("x-k0rdent");
  }

  @Test
  void docsUiIsServedFromTheWebjar() throws Exception {
    HttpResponse<Buffer> index = get(arc, "/docs/", false);
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.bodyAsString()).contains("/openapi.json").doesNotContain("https://");
    HttpResponse<Buffer> bundle = get(arc, "/docs/swagger-ui-bundle.js", false);
    assertThat(bundle.statusCode()).isEqualTo(200);
    assertThat(bundle.body().length()).isGreaterThan(100_000);
  }
}
