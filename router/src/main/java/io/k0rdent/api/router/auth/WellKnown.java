package io.k0rdent.api.router.auth;

import io.k0rdent.api.core.auth.SigningKeys;
import io.k0rdent.api.router.ApiServices;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

/**
 * Open discovery documents: RFC 8414 authorization-server metadata at
 * {@code /.well-known/oauth-authorization-server} and the RFC 7517 JWK Set of our signing keys at
 * {@code /.well-known/jwks.json} and {@code /v1/regions/global/auth/jwks} (beside the other auth
 * endpoints). The metadata is rendered once; the JWK Set again whenever the key ring changed (after a
 * rotation it lists the new key and the retiring ones, which leave it at their retirement time).
 * One instance per router (not thread-safe).
 */
public final class WellKnown {

  private final ApiServices services;
  private final Buffer metadata;
  private SigningKeys jwksKeys;
  private Buffer jwks;

  public WellKnown(ApiServices services) {
    this.services = services;
    String iss = services.issuer();
    this.metadata = new JsonObject()
        .put("issuer", iss)
        .put("token_endpoint", iss + "/v1/regions/global/auth/token")
        .put("jwks_uri", iss + "/.well-known/jwks.json")
        .put("introspection_endpoint", iss + "/v1/regions/global/auth/introspect")
        .put("revocation_endpoint", iss + "/v1/regions/global/auth/revoke")
        .put("grant_types_supported", new JsonArray().add("client_credentials").add("api_key"))
        .put("token_endpoint_auth_methods_supported", new JsonArray().add("client_secret_basic").add("client_secret_post"))
        .put("introspection_endpoint_auth_methods_supported",
            new JsonArray().add("client_secret_basic").add("client_secret_post").add("bearer"))
        .put("revocation_endpoint_auth_methods_supported",
            new JsonArray().add("client_secret_basic").add("client_secret_post").add("bearer"))
        .put("response_types_supported", new JsonArray())
        .toBuffer();
    jwks();
  }

  /** The public JWK Set of the current keys, rendered again when they changed. */
  private Buffer jwks() {
    SigningKeys keys = services.keyRing().keys();
    if (keys != jwksKeys) {
      jwks = new JsonObject(keys.publicJwkSet()).toBuffer();
      jwksKeys = keys;
    }
    return jwks;
  }

  public void mount(Router router) {
    router.route("/.well-known/oauth-authorization-server").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
            .putHeader("Cache-Control", "max-age=300").end(metadata));
    for (String path : new String[] {"/.well-known/jwks.json", "/v1/regions/global/auth/jwks"}) {
      router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> ctx.response()
          .putHeader("Content-Type", "application/jwk-set+json").putHeader("Cache-Control", "max-age=300").end(jwks()));
    }
  }
}
