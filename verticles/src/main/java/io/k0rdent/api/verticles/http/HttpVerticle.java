package io.k0rdent.api.verticles.http;

import io.k0rdent.api.router.ApiDocument;
import io.k0rdent.api.router.ApiRouter;
import io.k0rdent.api.router.ApiServices;
import io.k0rdent.api.router.BodyValidator;
import io.k0rdent.api.router.Face;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One event-loop instance serving both API faces: Arc on {@code arcPort}, Atlas on {@code atlasPort}.
 * Deployed once per core; Vert.x balances connections across instances listening on the same port.
 * Each instance builds its own routers, so JWT signers and verifiers stay on its event loop.
 * Stopping drains in-flight requests for up to {@code shutdownTimeoutSeconds}.
 */
public final class HttpVerticle extends VerticleBase {

  private final ApiServices services;
  private final ApiDocument doc;
  private final Map<String, BodyValidator> validators;
  private final String host;
  private final int arcPort;
  private final int atlasPort;
  private final int shutdownTimeoutSeconds;
  private HttpServer arc;
  private HttpServer atlas;

  public HttpVerticle(ApiServices services, ApiDocument doc, Map<String, BodyValidator> validators, String host,
                      int arcPort, int atlasPort, int shutdownTimeoutSeconds) {
    this.services = services;
    this.doc = doc;
    this.validators = validators;
    this.host = host;
    this.arcPort = arcPort;
    this.atlasPort = atlasPort;
    this.shutdownTimeoutSeconds = shutdownTimeoutSeconds;
  }

  @Override
  public Future<?> start() {
    arc = HttpServers.create(vertx, HttpServers.options(host, arcPort),
        ApiRouter.create(vertx, Face.ARC, services, doc, validators));
    atlas = HttpServers.create(vertx, HttpServers.options(host, atlasPort),
        ApiRouter.create(vertx, Face.ATLAS, services, doc, validators));
    return Future.all(HttpServers.listen(arc, "Arc", host, arcPort), HttpServers.listen(atlas, "Atlas", host, atlasPort));
  }

  @Override
  public Future<?> stop() {
    return Future.join(arc.shutdown(shutdownTimeoutSeconds, TimeUnit.SECONDS),
        atlas.shutdown(shutdownTimeoutSeconds, TimeUnit.SECONDS));
  }
}
