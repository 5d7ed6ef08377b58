package io.k0rdent.api.verticles.http;

import com.hazelcast.core.HazelcastInstance;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.HttpErrors;
import io.k0rdent.api.router.RequestIds;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The management face: {@code GET /healthz} (the process answers), {@code GET /readyz} (the store answers a
 * query within 2 s, the Hazelcast member is running and the node is not shutting down; else 503; its {@code details}
 * give the event outbox's {@code backlog} (unpublished events, null when unknown) and whether this node runs the
 * Kafka {@code relay}, neither a reason to be unready), {@code GET /metrics} (Prometheus text format from
 * Micrometer). No authentication: bind it to an internal address in production.
 */
public final class ManagementVerticle extends VerticleBase {

  private final Store store;
  private final HazelcastInstance hazelcast;
  private final PrometheusMeterRegistry registry;
  private final String host;
  private final int port;
  private final int shutdownTimeoutSeconds;
  private final java.util.function.BooleanSupplier draining;
  private final java.util.function.Supplier<JsonObject> eventsRelay;
  private HttpServer server;

  /**
   * @param eventsRelay the state of this node's Kafka relay for {@code /readyz} details: {@code relay} ({@code on}
   *                    when {@code events.kafkaBootstrapServers} is set, else {@code off}) and, when on,
   *                    {@code leading} and {@code lastError}
   */
  public ManagementVerticle(Store store, HazelcastInstance hazelcast, PrometheusMeterRegistry registry, String host,
                            int port, int shutdownTimeoutSeconds, java.util.function.BooleanSupplier draining,
                            java.util.function.Supplier<JsonObject> eventsRelay) {
    this.eventsRelay = eventsRelay;
    this.shutdownTimeoutSeconds = shutdownTimeoutSeconds;
    this.draining = draining;
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
    router.route("/healthz").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> ctx.json(new JsonObject().put("status", "ok")));
    router.route("/readyz").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      boolean hz = hazelcast == null || hazelcast.getLifecycleService().isRunning();
      store.ping().timeout(2, java.util.concurrent.TimeUnit.SECONDS).onComplete(ar -> {
        // the event backlog is a detail, never a reason to be unready (events wait in the outbox)
        Future<Long> backlog = ar.succeeded()
            ? store.events().backlog().timeout(2, java.util.concurrent.TimeUnit.SECONDS) : Future.failedFuture("store down");
        backlog.onComplete(b -> {
          boolean stopping = draining.getAsBoolean();
          boolean ready = hz && ar.succeeded() && !stopping;
          ctx.response().setStatusCode(ready ? 200 : 503).putHeader("Content-Type", "application/json")
              .end(new JsonObject().put("status", ready ? "ready" : stopping ? "draining" : "not ready")
                  .put("checks", new JsonObject()
                      .put("store", ar.succeeded() ? "up" : "down")
                      .put("hazelcast", hz ? "up" : "down"))
                  .put("details", new JsonObject().put("events", new JsonObject()
                      .put("backlog", b.succeeded() ? b.result() : null)
                      .mergeIn(eventsRelay.get())))
                  .toBuffer());
        });
      });
    });
    router.route("/metrics").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> vertx.<String>executeBlocking(registry::scrape).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    }));
    for (int status : new int[] {404, 500}) {
      router.errorHandler(status, HttpErrors::failureHandler);
    }
    router.errorHandler(405, ctx -> {
      ctx.response().putHeader("Allow", "GET, HEAD");
      HttpErrors.failureHandler(ctx);
    });
    server = HttpServers.create(vertx, HttpServers.options(host, port), router);
    return HttpServers.listen(server, "management", host, port);
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(shutdownTimeoutSeconds, java.util.concurrent.TimeUnit.SECONDS);
  }
}
