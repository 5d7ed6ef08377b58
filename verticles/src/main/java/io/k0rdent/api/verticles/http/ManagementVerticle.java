package io.k0rdent.api.verticles.http;

import com.hazelcast.core.HazelcastInstance;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.HttpErrors;
import io.k0rdent.api.router.RequestIds;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The management face: {@code GET /healthz} (the process answers), {@code GET /readyz} (the store answers a
 * query within 2 s and the Hazelcast member is running; else 503), {@code GET /metrics} (Prometheus text
 * format from Micrometer). No authentication: bind it to an internal address in production.
 */
public final class ManagementVerticle extends VerticleBase {

  private final Store store;
  private final HazelcastInstance hazelcast;
  private final PrometheusMeterRegistry registry;
  private final String host;
  private final int port;
  private HttpServer server;

  public ManagementVerticle(Store store, HazelcastInstance hazelcast, PrometheusMeterRegistry registry, String host,
                            int port) {
    this.store = store;
    this.hazelcast = hazelcast;
    this.registry = registry;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(RequestIds::handle);
    router.get("/healthz").handler(ctx -> ctx.json(new JsonObject().put("status", "ok")));
    router.get("/readyz").handler(ctx -> {
      boolean hz = hazelcast == null || hazelcast.getLifecycleService().isRunning();
      store.ping().timeout(2, java.util.concurrent.TimeUnit.SECONDS).onComplete(ar -> {
        boolean ready = hz && ar.succeeded();
        ctx.response().setStatusCode(ready ? 200 : 503).putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("status", ready ? "ready" : "not ready")
                .put("checks", new JsonObject()
                    .put("store", ar.succeeded() ? "up" : "down")
                    .put("hazelcast", hz ? "up" : "down"))
                .toBuffer());
      });
    });
    router.get("/metrics").handler(ctx -> vertx.<String>executeBlocking(registry::scrape).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    }));
    for (int status : new int[] {404, 405, 500}) {
      router.errorHandler(status, HttpErrors::failureHandler);
    }
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(port, host);
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }
}
